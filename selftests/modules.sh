#!/bin/sh
# roles: xen xen420 hvm
# Each module loads where it belongs, refuses with ENODEV where it does not,
# and unloads cleanly.
. /selftests/lib.sh
plan 5
role=$XENRAS_ROLE
load() { insmod /lib/xenras/$1.ko 2>/tmp/insmod.err; }
# Which modules belong on which machine.
case $role in
xen | xen420) yes="xen_mce xen_acpi_cpu xen_acpi_memory" no="xen_vcpu_hotplug" ;;
*) yes="xen_vcpu_hotplug" no="xen_mce xen_acpi_cpu xen_acpi_memory" ;;
esac
r=0
# A marker in the kernel log: only what the loads below print counts (the
# selftests before this one loaded the same modules).
mark="modules.sh: loading $yes at $(cut -d' ' -f1 /proc/uptime)"
echo "$mark" >/dev/kmsg
for m in $yes; do
	load $m && grep -q "^$m " /proc/modules || { diag "$m did not load: $(cat /tmp/insmod.err)"; r=1; }
done
check "modules for $role load" [ $r = 0 ]
r=0
for m in $no; do
	if load $m; then diag "$m loaded on $role"; r=1; rmmod $m; fi
	grep -q "No such device" /tmp/insmod.err || { diag "$m: $(cat /tmp/insmod.err)"; r=1; }
done
check "other modules refuse with ENODEV" [ $r = 0 ]
r=0
for m in $yes; do
	dmesg | sed -n "\|$mark|,\$p" | grep -q "$m: version 0.1.0\$" || { diag "$m printed no version line"; r=1; }
done
check "each module printed its version at this load" [ $r = 0 ]
r=0
for m in $yes; do rmmod $m || r=1; done
check "modules unload" [ $r = 0 ]
r=0
for i in 1 2 3; do
	for m in $yes; do load $m && rmmod $m || r=1; done
done
check "load/unload three times" [ $r = 0 ]
[ -z "$FAILED" ]
