#!/bin/sh
# roles: hvm
# Soak: 100 load/unload cycles of xen_vcpu_hotplug while hotplug events flow
# (after vcpu_hotplug.sh: with the module unloaded the native handler ejects
# one CPU first; an eject request for a CPU the module did not add is
# refused at cycle 30). Unreclaimable slab must stay flat; the debug tier
# adds kmemleak and the sanitizers.
. /selftests/lib.sh
plan 3
N=100
# The native eject (kernel CPU teardown, not this module's memory) comes
# before the first slab reading: measured, it moves unreclaimable slab by up
# to ~300 kB on its own.
echo "XENRAS-REQ device_del vcpu4"
wait_for 20 test ! -e $S/cpu4 || diag "CPU4 still present 20 s after its eject request (native path)"
# Five warm-up cycles: the first loads fill caches once (module sysfs,
# ACPICA's parse caches), which is not a leak.
for i in 1 2 3 4 5; do
	insmod /lib/xenras/xen_vcpu_hotplug.ko && rmmod xen_vcpu_hotplug
done
s0=$(slab_kb /tmp/slab.0)
r=0 i=0
while [ $i -lt $N ]; do
	insmod /lib/xenras/xen_vcpu_hotplug.ko || { r=1; diag "cycle $i: insmod failed"; }
	if [ $i = 30 ]; then
		n0=$(dmesg | grep -c 'eject refused: this CPU was not added')
		echo "XENRAS-REQ device_del vcpu3"
		wait_for 20 sh -c "[ \$(dmesg | grep -c 'eject refused: this CPU was not added') -gt $n0 ]" ||
			{ r=1; diag "cycle $i: no 'eject refused' line 20 s after the eject request for CPU3"; }
	fi
	rmmod xen_vcpu_hotplug || { r=1; diag "cycle $i: rmmod failed"; }
	i=$((i + 1))
done
check "$N load/unload cycles with hotplug events" [ $r = 0 ]
metric soak_cycles=$N
is_online 3 || diag "CPU3 is offline: $(dmesg | grep -i 'cpu3\|C003' | tail -3)"
[ ! -e $S/cpu4 ] || diag "CPU4 is still present"
check "CPU3 (eject refused while loaded) still online, CPU4 ejected natively" \
	sh -c "grep -q 1 $S/cpu3/online && [ ! -e $S/cpu4 ]"
s1=$(slab_kb /tmp/slab.1)
slab_flat /tmp/slab.0 /tmp/slab.1 "$s0" "$s1" "$N cycles"
[ -z "$FAILED" ]
