#!/bin/sh
# roles: hvm_legacy
# xen_vcpu_hotplug on the legacy PIIX4 CPU hotplug interface that Xen HVM
# guests see (`-machine pc-i440fx-2.6`): `Processor` objects whose _STA/_MAT
# read the 0xaf00 present bitmap, notified from GPE 2. QEMU cannot unplug a
# CPU on this interface, so this covers hot-add.
. /selftests/lib.sh
plan 6
M=/lib/xenras/xen_vcpu_hotplug.ko
online_and_running() { wait_for 30 is_online $1 && runs_on $1; }
echo 7 >/proc/sys/kernel/printk
check "loads; processor objects are ACPI Processor statements" \
	sh -c "insmod $M && dmesg | grep -q 'xen_vcpu_hotplug: handling 4 processor objects'"
for n in 1 2 3; do
	# pc-i440fx-2.6 prefers sockets: -smp 1,maxcpus=4 is 4 sockets of 1 core.
	echo "XENRAS-REQ device_add Haswell-noTSX-x86_64-cpu,id=vcpu$n,socket-id=$n,core-id=0,thread-id=0"
	check "device_add vcpu$n: CPU$n online within 30 s and running a task" online_and_running $n
done
diag "$(dmesg | grep xen_vcpu_hotplug | tail -4)"
check "the added CPUs came through the legacy Processor objects (CPxx)" \
	sh -c "dmesg | grep -q '\.CP[0-9A-F]*: CPU1 hot-added'"
check "unload hands the CPUs over" rmmod xen_vcpu_hotplug
echo 1 >/proc/sys/kernel/printk
[ -z "$FAILED" ]
