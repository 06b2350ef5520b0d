#!/bin/sh
# roles: xen
# Soak: 100 load/unload cycles of each dom0 module while events flow
# (a corrected error every 10th xen_mce cycle, read back; eject requests for
# a hot-added CPU during the xen_acpi_cpu cycles, sent without waiting: while
# loaded, while unloading and after unload; for xen_acpi_memory, the
# load-time scan of the DIMMs xen_acpi_memory.sh plugged and an eject request
# in flight). Unreclaimable slab must stay flat; the debug tier adds kmemleak
# and the sanitizers.
. /selftests/lib.sh
plan 7
R=/selftests/mcelog_read
N=100
s0=$(slab_kb /tmp/slab.0)
r=0 want=0 got=0 i=0
while [ $i -lt $N ]; do
	insmod /lib/xenras/xen_mce.ko || r=1
	if [ $((i % 10)) = 5 ]; then
		host_request "mce $((i / 10 % 2)) 3 0x9c0000400000009f 0x0 $(printf '0x%x' $((0x15000000 + i * 0x1000))) 0x86"
		want=$((want + 1))
		got=$((got + $($R -w 30 -n 1 | sed -n 's/^records=//p')))
	fi
	rmmod xen_mce || r=1
	i=$((i + 1))
done
check "xen_mce: $N load/unload cycles, $want errors injected, $got read back" sh -c "[ $r = 0 ] && [ $want = $got ]"
metric soak_cycles=$N
r=0 i=0
refused0=$(dmesg | grep -c 'eject refused: Xen cannot hot-remove')
while [ $i -lt $N ]; do
	insmod /lib/xenras/xen_acpi_cpu.ko || r=1
	# CPU 2 was hot-added by xen_acpi_cpu.sh. An eject that reached Linux's
	# native handler would _EJ0 a CPU Xen runs on (measured before the fix:
	# Xen hangs). Nothing waits for the refusal: the request lands while the
	# module is loaded (i=30: 3 s before rmmod), or while it unloads (i=50:
	# rmmod at once; the harness sends it within about a second).
	case $i in
	30) echo "XENRAS-REQ device_del cpu2"; sleep 3 ;;
	50) echo "XENRAS-REQ device_del cpu2"; rmmod xen_acpi_cpu || r=1; i=$((i + 1)); continue ;;
	esac
	rmmod xen_acpi_cpu || r=1
	i=$((i + 1))
done
check "xen_acpi_cpu: $N load/unload cycles (load-time scan each time, eject requests loaded and unloading)" [ $r = 0 ]
refused=$(($(dmesg | grep -c 'eject refused: Xen cannot hot-remove') - refused0))
check "the eject sent while loaded was refused by the module ($refused refusals in the cycles)" [ $refused -ge 1 ]
metric soak_cycles=$N
# And with no module at all: Linux's processor hotplug stayed off.
echo "XENRAS-REQ device_del cpu2"
sleep 5
# Xen answers platform hypercalls (the load-time scan asks it about every
# processor object) and still runs CPU 2.
check "eject requests loaded, unloading and unloaded: Xen runs, CPU 2 online in Xen" \
	sh -c 'insmod /lib/xenras/xen_acpi_cpu.ko && rmmod xen_acpi_cpu && grep -q 1 /sys/devices/system/xen_cpu/xen_cpu2/online'
diag "$(dmesg | grep -E 'xen_acpi_cpu: .*(eject|stays off|pending)' | tail -4)"
diag "$(dmesg | grep 'xen_acpi_cpu: unload: ' | tail -3)"
check "unload waited for Linux's hotplug work queued for the ejects, never timed out" \
	sh -c 'dmesg | grep -q "xen_acpi_cpu: unload: [1-9][0-9]* of Linux.s ACPI hotplug work items" && ! dmesg | grep -q "hotplug work items still pending"'
host_check "CPU 2 still plugged in QEMU after every eject request ;; qmp:query-cpus-fast ;; peripheral/cpu2"
r=0 i=0
t0=$(/selftests/xen_physinfo | sed -n 's/.*total_pages=\([0-9]*\).*/\1/p')
while [ $i -lt $N ]; do
	insmod /lib/xenras/xen_acpi_memory.ko || r=1
	# DIMM d2 (xen_acpi_memory.sh): an eject request refused by the module
	# or, between loads, ignored (Linux's generic handler stays off).
	[ $((i % 25)) = 10 ] && host_request_now "device_del d2"
	rmmod xen_acpi_memory || r=1
	i=$((i + 1))
done
t1=$(/selftests/xen_physinfo | sed -n 's/.*total_pages=\([0-9]*\).*/\1/p')
check "xen_acpi_memory: $N load/unload cycles (load-time scan of the DIMMs each time, eject requests in flight), Xen's memory unchanged ($t0 -> $t1 pages)" \
	sh -c "[ $r = 0 ] && [ '$t0' = '$t1' ]"
s1=$(slab_kb /tmp/slab.1)
slab_flat /tmp/slab.0 /tmp/slab.1 "$s0" "$s1" "$((3 * N)) cycles"
[ -z "$FAILED" ]
