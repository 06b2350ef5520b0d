#!/bin/sh
# roles: xen_nativemem
# What Linux's own ACPI memory hotplug (drivers/acpi/acpi_memhotplug.c)
# does in a PV dom0 when nothing stops it, and that xen_acpi_memory stops
# it. The xen_nativemem machine: the xen machine's Xen 4.17 and DIMM slots
# (-m 2048,slots=4,maxmem=4224M: DIMMs from 4 GiB in plug order), dom0 =
# the main kernel (CONFIG_MEMORY_HOTPLUG, MEMORY_HOTREMOVE,
# ACPI_HOTPLUG_MEMORY, XEN_BALLOON_MEMORY_HOTPLUG, new blocks offline by
# default: as Debian 13's kernel), booted without acpi_no_memhotplug (every other Xen machine has it).
# 1. No module: a 1 GiB DIMM is plugged; what dom0 and Xen show.
# 2. The module loaded: its warning for this kernel, its load-time scan
#    leaves the DIMM Linux took alone, and a second DIMM goes to Xen only.
# 3. One of dom0's new blocks onlined by hand (what a udev rule or
#    memhp_default_state=online would do), then the balloon raised by it.
. /selftests/lib.sh
plan 22
P=/selftests/xen_physinfo
field() { $P | sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }
M=/sys/devices/system/memory
B=/sys/devices/system/xen_memory/xen_memory0
G=$((1 << 30))
MIB=256 # pages per MiB
bs=$((0x$(cat $M/block_size_bytes)))
# blocks LO HI: dom0's memory blocks starting in [LO, HI), "memoryN:state".
blocks() {
	for d in $M/memory[0-9]*; do
		a=$((0x$(cat "$d/phys_index") * bs))
		[ "$a" -ge "$1" ] && [ "$a" -lt "$2" ] && echo "${d##*/}:$(cat "$d/state")"
	done
}
nblocks() { blocks "$@" | grep -c .; }
memtotal() { sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
iomem_high() { grep -i '^ *1[0-9a-f]\{8\}-' /proc/iomem | sed 's/^ *//' | tr '\n' ';'; }
balloon() { echo "current $(cat $B/info/current_kb) kB, target $(cat $B/target_kb) kB, ballooned low $(cat $B/info/low_kb) kB high $(cat $B/info/high_kb) kB"; }
reports() { dmesg | grep -E 'BUG:|WARNING:|Oops|general protection fault|panicked|Call Trace'; }
# _OST as QEMU recorded it for a DIMM: ost DEVICE-ID SOURCE-EVENT STATUS.
ost() {
	host_check "_OST($2, $3) for DIMM $1 ;; qmp:query-acpi-ospm-status ;; \{(?=[^}]*\"device\": \"$1\")(?=[^}]*\"source\": $2[^0-9])(?=[^}]*\"status\": $3[^0-9])"
}
plug() { host_request "object_add memory-backend-ram,id=m$1,size=$2 ; device_add pc-dimm,id=d$1,memdev=m$1"; }
mark=0
since_mark() { dmesg | tail -n +$((mark + 1)); }
state() {
	diag "dom0: $(nblocks 0 $((64 * G))) memory blocks of $((bs >> 20)) MiB, $(nblocks $((4 * G)) $((64 * G))) at or above 4 GiB; MemTotal $(memtotal) kB; balloon: $(balloon)"
	diag "dom0 /proc/iomem above 4 GiB: $(iomem_high)"
	diag "Xen (XEN_SYSCTL_physinfo): $($P)"
}

echo 7 >/proc/sys/kernel/printk
check "dom0's kernel has Linux's ACPI memory hotplug on (/sys/firmware/acpi/hotplug/memory/enabled = 1)" \
	[ "$(cat /sys/firmware/acpi/hotplug/memory/enabled 2>/dev/null)" = 1 ]
check "dom0 booted without acpi_no_memhotplug" sh -c '! grep -qw acpi_no_memhotplug /proc/cmdline'
check "Xen parsed QEMU's SRAT with a hot-pluggable range (Xen's console)" \
	sh -c "$P -c | grep -q 'SRAT: .*(hotplug)'"
t0=$(field total_pages) f0=$(field free_pages) m0=$(memtotal) k0=$(cat $B/info/current_kb) l0=$(cat $B/info/low_kb)
state
check "before any DIMM: no dom0 memory block at or above 4 GiB, no System RAM there" \
	sh -c "[ $(nblocks $((4 * G)) $((64 * G))) = 0 ] && ! grep -qi '^ *1[0-9a-f]\{8\}-.*System RAM' /proc/iomem"

# 1. No module: Linux's handler gets the DIMM's device check.
mark=$(dmesg | wc -l)
want=$((G / bs)) all0=$(nblocks 0 $((64 * G)))
plug 1 1G
check "no module: Linux's acpi_memhotplug adds the 1 GiB DIMM to dom0: $want memory blocks at 4-5 GiB (within 30 s)" \
	wait_for 30 sh -c "[ \$(ls -d $M/memory[0-9]* | wc -l) -ge $((all0 + want)) ]"
sleep 2
state
diag "kernel log since the plug: $(since_mark | grep -v 'xenras:' | tail -12 | tr '\n' '|')"
check "dom0's /proc/iomem: System RAM 100000000-13fffffff (the DIMM's machine addresses, as dom0's own)" \
	grep -qi '^ *100000000-13fffffff : System RAM' /proc/iomem
ost d1 1 0
check "the new blocks stay offline (this kernel onlines nothing by itself)" \
	sh -c "[ $(blocks $((4 * G)) $((5 * G)) | grep -c ':offline$') = $want ]"
check "dom0's MemTotal unchanged: $m0 -> $(memtotal) kB" [ "$(memtotal)" = "$m0" ]
t1=$(field total_pages) f1=$(field free_pages)
check "Xen never learns of the DIMM: total pages $t0 -> $t1" [ "$t1" = "$t0" ]
diag "Xen free pages $f0 -> $f1"

# 2. The module, on this kernel.
mark=$(dmesg | wc -l)
check "xen_acpi_memory loads and warns that this kernel has CONFIG_ACPI_HOTPLUG_MEMORY" \
	sh -c 'insmod /lib/xenras/xen_acpi_memory.ko && dmesg | tail -n +'"$((mark + 1))"' | grep -q "xen_acpi_memory: this kernel has CONFIG_ACPI_HOTPLUG_MEMORY: boot dom0 with acpi_no_memhotplug"'
diag "$(since_mark | grep xen_acpi_memory)"
t4=$(field total_pages)
# d1 is dom0's System RAM since step 1: Xen must not get it (measured
# without this guard: Xen added it, and dom0's later update of a mapping
# of it made Xen panic; step 3 now does exactly that).
check "its load-time scan refuses d1, dom0's own RAM since step 1, with a log line; Xen's total pages $t1 -> $t4" \
	sh -c "[ $t4 = $t1 ] && dmesg | tail -n +$((mark + 1)) | grep -q 'MP00: memory \[0x100000000-0x13fffffff\] not given to Xen: it is System RAM in dom0 (Linux.s own memory hotplug took it: boot dom0 with acpi_no_memhotplug)'"
mark=$(dmesg | wc -l)
n0=$(nblocks 0 $((64 * G)))
plug 2 512M
check "with the module: the 512 MiB DIMM goes to Xen (one log line, within 30 s)" \
	wait_for 30 sh -c "dmesg | grep -q 'xen_acpi_memory: .*memory \[0x140000000-0x15fffffff\] (512 MiB) added to Xen'"
sleep 2
state
t5=$(field total_pages)
check "Xen's total memory grew by exactly 512 MiB: $t4 -> $t5" [ $((t5 - t4)) -eq $((512 * MIB)) ]
ost d2 1 0
check "dom0 took none of it: no memory block at 5-5.5 GiB, still $n0 blocks" \
	sh -c "[ $(nblocks $((5 * G)) $((5 * G + G / 2))) = 0 ] && [ \$(ls -d $M/memory[0-9]* | wc -l) = $n0 ]"
check "and no System RAM at 140000000 in dom0's /proc/iomem" \
	sh -c '! grep -qi "^ *14[0-9a-f]\{7\}-.*System RAM" /proc/iomem'
check "Linux's handler logged nothing for it" sh -c "! dmesg | tail -n +$((mark + 1)) | grep -i 'acpi_memhotplug\|add_memory\|memory.*device is empty'"
check "the module unloads" rmmod xen_acpi_memory
# 3. Online one of those blocks by hand.
first=$(blocks $((4 * G)) $((5 * G)) | head -1 | cut -d: -f1)
mark=$(dmesg | wc -l)
echo online >"$M/$first/state"
r=$?
sleep 2
state
diag "kernel log since the online: $(since_mark | tail -8 | tr '\n' '|')"
m1=$(memtotal) k1=$(cat $B/info/current_kb) l1=$(cat $B/info/low_kb)
check "onlining $first by hand works (rc $r, state $(cat "$M/$first/state" 2>/dev/null))" \
	sh -c "[ $r = 0 ] && [ \"\$(cat $M/$first/state)\" = online ]"
check "dom0's MemTotal unchanged by it ($m0 -> $m1 kB): xen_online_page() hands the pages to the balloon, not to the allocator" \
	[ "$m1" = "$m0" ]
check "the balloon holds the block as ballooned out: low_kb $l0 -> $l1 (+$((bs >> 10))), current_kb $k0 -> $k1" \
	sh -c "[ $((l1 - l0)) = $((bs >> 10)) ] && [ $k1 = $k0 ]"
# Raise the balloon target by one block: dom0 populates ballooned pages
# (the onlined block's first: they head the list) with frames Xen already
# had.
f2=$(field free_pages) t2=$(field total_pages)
echo $((k1 + (bs >> 10))) >$B/target_kb
wait_for 60 sh -c "[ \$(cat $B/info/current_kb) -ge $((k1 + (bs >> 10))) ]"
f3=$(field free_pages) t3=$(field total_pages) m2=$(memtotal) k2=$(cat $B/info/current_kb) l2=$(cat $B/info/low_kb)
state
check "balloon up by one block: dom0 $k1 -> $k2 kB, MemTotal $m1 -> $m2 kB, ballooned $l1 -> $l2 kB, backed by frames from Xen's heap (free $f2 -> $f3 pages, total $t2 -> $t3)" \
	sh -c "[ $((k2 - k1)) = $((bs >> 10)) ] && [ $((m2 - m1)) = $((bs >> 10)) ] && [ $((f2 - f3)) -ge $((bs / 4096)) ] && [ $t3 = $t2 ]"
echo "$k1" >$B/target_kb
wait_for 60 sh -c "[ \$(cat $B/info/current_kb) -le $k1 ]"
diag "balloon back down: $(balloon)"

diag "$(reports | head -5)"
check "no kernel bug, warning or oops report in dom0's log" sh -c '[ -z "$(dmesg | grep -E "BUG:|WARNING:|Oops|general protection fault|panicked")" ]'
echo 1 >/proc/sys/kernel/printk
[ -z "$FAILED" ]
