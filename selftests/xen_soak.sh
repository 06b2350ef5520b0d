#!/bin/sh
# roles: xen
# Soak: 100 load/unload cycles of each dom0 module while events flow
# (a corrected error every 10th xen_mce cycle, read back; an eject request
# for a hot-added CPU during the xen_acpi_cpu cycles). Unreclaimable slab must
# stay flat; the debug tier adds kmemleak and the sanitizers.
. /selftests/lib.sh
plan 3
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
while [ $i -lt $N ]; do
	insmod /lib/xenras/xen_acpi_cpu.ko || r=1
	# CPU 2 was hot-added by xen_acpi_cpu.sh: its eject is refused each time.
	if [ $i = 50 ]; then
		# Wait for the refusal before unloading: an eject that reached Linux's
		# native handler would _EJ0 a CPU Xen runs on (measured: Xen hangs).
		n0=$(dmesg | grep -c 'eject refused: Xen cannot hot-remove')
		host_request "device_del cpu2"
		wait_for 20 sh -c "[ \$(dmesg | grep -c 'eject refused: Xen cannot hot-remove') -gt $n0 ]" || r=1
	fi
	rmmod xen_acpi_cpu || r=1
	i=$((i + 1))
done
check "xen_acpi_cpu: $N load/unload cycles (load-time scan each time, one eject request)" [ $r = 0 ]
metric soak_cycles=$N
s1=$(slab_kb /tmp/slab.1)
slab_flat /tmp/slab.0 /tmp/slab.1 "$s0" "$s1" "$((2 * N)) cycles"
[ -z "$FAILED" ]
