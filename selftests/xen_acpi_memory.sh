#!/bin/sh
# roles: xen xen_memory
# xen_acpi_memory end to end: QEMU plugs DIMMs into the Xen host; dom0's
# ACPI notification reaches the module, Xen gets XENPF_mem_hotadd, and
# Xen's own count of the host's memory (XEN_SYSCTL_physinfo) grows by
# exactly the DIMM; a DIMM too small for Xen is refused with _OST 1, an
# eject with _OST 0x80; a DIMM plugged while the module is unloaded is
# added at load; a burst of notifications (two plugs among twenty eject
# requests) loses and repeats no hot-add; a 256 MiB DIMM (one whole PDX
# group) is still too small for Xen; dom0 never takes the memory as
# its own RAM.
# The xen machine: -m 2048,slots=6,maxmem=5376M (scripts/qemu.py); DIMMs
# are placed from 4 GiB in plug order.
. /selftests/lib.sh
plan 31
P=/selftests/xen_physinfo
field() { $P | sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }
log() { dmesg | grep -q "xen_acpi_memory: .*$1"; }
# _OST as QEMU recorded it for a DIMM: ost DEVICE-ID SOURCE-EVENT STATUS.
ost() {
	host_check "_OST($2, $3) for DIMM $1 ;; qmp:query-acpi-ospm-status ;; \{(?=[^}]*\"device\": \"$1\")(?=[^}]*\"source\": $2[^0-9])(?=[^}]*\"status\": $3[^0-9])"
}
plug() { host_request "object_add memory-backend-ram,id=m$1,size=$2 ; device_add pc-dimm,id=d$1,memdev=m$1"; }
MIB=256 # pages per MiB
# Free pages in Xen's heap zone 21: machine frames 2^20 .. 2^21 - 1, i.e.
# 4 GiB .. 8 GiB, where the DIMMs go (Xen's debug key H prints the heap).
zone21() {
	$P -k H && $P -c | sed -n 's/.*heap\[node=0\]\[zone=21\] -> \([0-9]*\) pages.*/\1/p' | tail -1
}

echo 7 >/proc/sys/kernel/printk
check "Xen parsed QEMU's SRAT with a hot-pluggable range (Xen's console)" \
	sh -c "$P -c | grep -q 'SRAT: .*(hotplug)'"
diag "$($P -c | grep 'SRAT: ' | head -4)"
t0=$(field total_pages) f0=$(field free_pages)
check "Xen's memory readable from Xen (XEN_SYSCTL_physinfo): $t0 pages, $f0 free" [ -n "$t0" ]
z0=$(zone21)
check "Xen's heap has nothing at 4-8 GiB before any DIMM (zone 21: ${z0:-?} pages)" [ "${z0:-0}" = 0 ]
check "xen_acpi_memory loads and owns the memory devices" \
	sh -c 'insmod /lib/xenras/xen_acpi_memory.ko && dmesg | grep -q "xen_acpi_memory: handling [1-9][0-9]* memory devices; at load 0 present"'

# 1 GiB at 4 GiB.
# Kernel log time of our marker line, and of the first "added to Xen" line.
kmsg_at() { dmesg | sed -n "s/^\[ *\([0-9.]*\)\] xenras: $1\$/\1/p" | tail -1; }
added_at() { dmesg | sed -n 's/^\[ *\([0-9.]*\)\] xen_acpi_memory: .* added to Xen (pfn.*/\1/p' | head -1; }
echo "xenras: plug d1" >/dev/kmsg
plug 1 1G
check "1 GiB DIMM: one log line for its range with Xen's answer (within 30 s)" \
	wait_for 30 log "memory \[0x100000000-0x13fffffff\] (1024 MiB) added to Xen (pfn 0x100000-0x140000, PXM 0)"
diag "$(dmesg | grep xen_acpi_memory | tail -3)"
diag "device_add request to present in Xen (module log line, kernel clock): $(echo "$(added_at) $(kmsg_at 'plug d1')" | awk '{ printf "%d", ($1 - $2) * 1000 }') ms"
t1=$(field total_pages) f1=$(field free_pages)
check "Xen's total memory grew by exactly 1 GiB: $t0 -> $t1 pages" [ $((t1 - t0)) -eq $((1024 * MIB)) ]
check "Xen's free memory grew by most of it (frame table and M2P live in the range): +$(((f1 - f0) / MIB)) MiB" \
	[ $((f1 - f0)) -gt $((960 * MIB)) ]
ost d1 1 0
# dom0 did not take the range as its RAM.
check "dom0's /proc/iomem has no System RAM at 4 GiB" \
	sh -c '! grep -i "^ *1[0-9a-f]\{8\}-.*System RAM" /proc/iomem'
# Memory blocks exist only on kernels with CONFIG_MEMORY_HOTPLUG (the main
# kernel has it, as Debian's; the xen-debug tier's debug-pv kernel does not).
# Block 32 is the one at 4 GiB (128 MiB blocks).
if [ -d /sys/devices/system/memory ]; then
	check "dom0 has no memory block for it in /sys/devices/system/memory ($(ls -d /sys/devices/system/memory/memory[0-9]* | wc -l) blocks, none at 4 GiB)" \
		sh -c '[ "$(cat /sys/devices/system/memory/block_size_bytes)" = 8000000 ] && [ ! -e /sys/devices/system/memory/memory32 ]'
else
	skip "dom0 has no memory block for it: this kernel has no memory hotplug (no /sys/devices/system/memory)"
fi
diag "/proc/iomem above 4 GiB: $(grep -i '^ *1[0-9a-f]\{8\}-' /proc/iomem | tr '\n' ';')"

# A second DIMM.
plug 2 512M
check "second DIMM (512 MiB at 5 GiB) added" \
	wait_for 30 log "memory \[0x140000000-0x15fffffff\] (512 MiB) added to Xen"
t2=$(field total_pages)
check "Xen's total memory grew by exactly 512 MiB more: $t1 -> $t2" [ $((t2 - t1)) -eq $((512 * MIB)) ]
ost d2 1 0

# The new memory is usable: dom0 balloons up by 512 MiB (it booted with
# 1 GiB of a 2 GiB map), and Xen gives it frames from the DIMMs: its
# allocator takes the highest zone first, and Xen's other free memory is
# below 4 GiB.
B=/sys/devices/system/xen_memory/xen_memory0
z1=$(zone21) k0=$(cat $B/target_kb)
echo $((k0 + 512 * 1024)) >$B/target_kb
wait_for 60 sh -c "[ \$(cat $B/info/current_kb) -ge $((k0 + 512 * 1024)) ]"
z2=$(zone21)
diag "dom0 $k0 -> $(cat $B/info/current_kb) kB; Xen's free frames at 4-8 GiB $z1 -> $z2 pages"
check "dom0 ballooned up by 512 MiB with frames from the DIMMs (Xen's zone 21 gave $((z1 - z2)) pages)" \
	[ $((z1 - z2)) -ge $((500 * MIB)) ]
echo $k0 >$B/target_kb
check "and gave them back (balloon down to $k0 kB)" \
	wait_for 60 sh -c "[ \$(cat $B/info/current_kb) -le $k0 ] && [ \$($P | sed -n 's/.*free_pages=\([0-9]*\).*/\1/p') -gt $((f1 + 400 * MIB)) ]"

# Eject: Xen cannot give memory back.
host_request "device_del d1"
check "device_del: eject refused with a clear log line" \
	wait_for 20 log "MP00: eject refused: Xen cannot hot-remove memory: _OST 0x80"
ost d1 3 128
host_check "DIMM d1 still plugged in QEMU ;; qmp:query-memory-devices ;; \"id\": \"d1\""
check "Xen's memory unchanged by the refused eject" [ "$(field total_pages)" = "$t2" ]

# Load and unload with notifications in flight: eject requests for d2
# reach dom0 while the module comes and goes (refused by the module, or
# ignored between loads: Linux's generic handler stays off for them).
r=0
for i in 1 2 3 4 5; do
	host_request_now "device_del d2"
	rmmod xen_acpi_memory || r=1
	insmod /lib/xenras/xen_acpi_memory.ko || r=1
done
sleep 3
check "5 unload/load cycles with eject requests in flight: no error" [ $r = 0 ]
check "Xen's memory unchanged: $(field total_pages) pages" [ "$(field total_pages)" = "$t2" ]
diag "$(dmesg | grep -c 'eject refused: Xen cannot hot-remove memory') eject refusals logged by the module"

check "unload leaves Linux's generic hotplug off for the memory devices (its eject would _EJ0 them)" \
	sh -c "rmmod xen_acpi_memory && dmesg | grep -q 'stays off for [0-9]* memory devices'"

# Plugged while unloaded: nothing happens, then the load adds it.
plug 4 512M
sleep 5
check "no module: nothing added, Xen unchanged (the notification goes unanswered)" \
	sh -c "! dmesg | grep -q 'memory \[0x160000000' && [ \"\$($P | sed -n 's/.*total_pages=\([0-9]*\).*/\1/p')\" = $t2 ]"
check "dom0 did not take it either" \
	sh -c '! grep -i "^ *16[0-9a-f]\{7\}-.*System RAM" /proc/iomem'
# What the next load prints (the log is never cleared: the harness reads
# all of it at the end).
mark=$(dmesg | wc -l)
since_mark() { dmesg | tail -n +$((mark + 1)); }
check "load: the DIMM plugged meanwhile is present at load and added" \
	sh -c 'insmod /lib/xenras/xen_acpi_memory.ko && dmesg | tail -n +$(('"$mark"' + 1)) | grep -q "memory \[0x160000000-0x17fffffff\] (512 MiB) added to Xen"'
diag "$(since_mark | grep xen_acpi_memory)"
t4=$(field total_pages)
check "Xen's total memory grew by exactly 512 MiB: $t2 -> $t4" [ $((t4 - t2)) -eq $((512 * MIB)) ]
check "load says what it did with each present DIMM" \
	sh -c 'dmesg | tail -n +$(('"$mark"' + 1)) | grep -q "at load 3 present: 1 ranges added to Xen"'

# A burst of notifications: twenty eject requests (d1, d2, ten each) in
# ten monitor requests about half a second apart (what the serial console
# carries; each request waits 0.2 s for the console), and among them two
# 512 MiB DIMMs plugged. QEMU raises its memory hotplug GPE for every
# request; each run of the scan method (_E03 -> MSCN) notifies every slot
# with an insert (device check) or removal (eject request) pending, so
# requests that arrive before the last scan ran are answered by one
# notification. Every hot-add must happen once, no more.
mark=$(dmesg | wc -l)
ej0=$(dmesg | grep -c 'eject refused: Xen cannot hot-remove memory')
host_request_now "object_add memory-backend-ram,id=m5,size=512M ; object_add memory-backend-ram,id=m6,size=512M"
for i in 1 2 3 4 5 6 7 8 9 10; do
	req="device_del d1 ; device_del d2"
	[ $i = 3 ] && req="$req ; device_add pc-dimm,id=d5,memdev=m5"
	[ $i = 7 ] && req="$req ; device_add pc-dimm,id=d6,memdev=m6"
	host_request_now "$req"
	sleep 0.3
done
added() { since_mark | grep -c "xen_acpi_memory: .*memory \[$1\] (512 MiB) added to Xen"; }
both() { [ "$(added 0x180000000-0x19fffffff)" -ge 1 ] && [ "$(added 0x1a0000000-0x1bfffffff)" -ge 1 ]; }
wait_for 60 both
sleep 5
a5=$(added 0x180000000-0x19fffffff) a6=$(added 0x1a0000000-0x1bfffffff)
ej=$(($(dmesg | grep -c 'eject refused: Xen cannot hot-remove memory') - ej0))
diag "burst: $(since_mark | grep -c 'xen_acpi_memory: ') module log lines, $ej eject refusals; added: d5 $a5 times, d6 $a6 times"
diag "$(since_mark | grep 'xen_acpi_memory: ' | grep -v 'eject refused' | tail -6)"
check "burst (20 eject requests and 2 plugs in 5 s): each 512 MiB DIMM added to Xen once (d5 $a5, d6 $a6)" \
	sh -c "[ '$a5' = 1 ] && [ '$a6' = 1 ]"
t6=$(field total_pages)
check "Xen's total memory grew by exactly 1 GiB: $t4 -> $t6" [ $((t6 - t4)) -eq $((1024 * MIB)) ]
check "each device check answered in its log line with _OST 0 (2 lines), each eject request with _OST 0x80 ($ej lines)" \
	sh -c "[ \$(dmesg | tail -n +$((mark + 1)) | grep -c 'xen_acpi_memory: .*1 of 1 memory ranges added to Xen.*: _OST 0x0\$') = 2 ] && [ $ej -ge 1 ]"
check "nothing else logged in the burst: no refusal, no error, no ignored notification" \
	sh -c "! dmesg | tail -n +$((mark + 1)) | grep 'xen_acpi_memory: ' | grep -v 'added to Xen\|eject refused: Xen cannot hot-remove memory: _OST 0x80'"
ost d5 1 0
ost d6 1 0
ost d1 3 128
ost d2 3 128
host_check "DIMM d1 still plugged after the burst ;; qmp:query-memory-devices ;; \"id\": \"d1\""
host_check "DIMM d2 still plugged after the burst ;; qmp:query-memory-devices ;; \"id\": \"d2\""

# Too small: one whole 256 MiB PDX group, aligned. Xen 4.17's
# mem_hotadd_check() wants the first group boundary at or after the start
# below the group of the last page (sidx < eidx): more than 256 MiB.
plug 3 256M
check "256 MiB DIMM (one whole PDX group) refused by Xen with a clear log line (EINVAL)" \
	wait_for 30 log "memory \[0x1c0000000-0x1cfffffff\] (256 MiB) not added: Xen refused XENPF_mem_hotadd(pfn 0x1c0000-0x1d0000, PXM 0): error -22"
ost d3 1 1
check "Xen's memory unchanged after the refusal" [ "$(field total_pages)" = "$t6" ]
check "host healthy: Xen answers, dom0 runs, the module unloads" \
	sh -c "$P >/dev/null && rmmod xen_acpi_memory"
check "no kernel bug, warning or oops report in dom0's log" sh -c '! dmesg | grep -qE "BUG:|WARNING:|Oops"'
echo 1 >/proc/sys/kernel/printk
[ -z "$FAILED" ]
