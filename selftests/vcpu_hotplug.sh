#!/bin/sh
# roles: hvm
# xen_vcpu_hotplug end to end on QEMU's modern CPU hotplug interface
# (ACPI0007 devices with _STA/_MAT/_EJ0/_OST), -smp 1,maxcpus=7: three vCPUs
# hot-added one after another, each online and running a task; manual
# onlining; unload hands its CPUs to Linux's processor driver; the native
# handler adds one while unloaded; reload; one of its own hot-removed (gone
# from the guest and from QEMU, _OST success seen by QEMU), one it did not
# add refused; a CPU-bound load runs throughout.
. /selftests/lib.sh
plan 24
M=/lib/xenras/xen_vcpu_hotplug.ko
cpu_add() { echo "XENRAS-REQ device_add Haswell-noTSX-x86_64-cpu,id=vcpu$1,socket-id=0,core-id=$1,thread-id=0"; }
cpu_del() { echo "XENRAS-REQ device_del vcpu$1"; }
gone() { [ ! -e $S/cpu$1 ]; }
# runs_on N: a task pinned to CPU N really runs there.
# ospm SLOT STATUS: QEMU recorded _OST(source 3 = eject request, STATUS) for
# CPU slot SLOT (core-id here).
ospm() { host_check "_OST(3, $2) for CPU slot $1 ;; qmp:query-acpi-ospm-status ;; \"source\": 3, \"status\": $2, \"slot\": \"$1\""; }
up() { cut -d' ' -f1 /proc/uptime; }

echo 7 >/proc/sys/kernel/printk
check "xen_vcpu_hotplug loads and owns processor hotplug" \
	sh -c "insmod $M && dmesg | grep -q 'xen_vcpu_hotplug: owning ACPI processor hotplug'"
check "modinfo: version and auto_online parameter" \
	sh -c "[ \$(cat /sys/module/xen_vcpu_hotplug/version) = 0.1.0 ] && [ \$(cat /sys/module/xen_vcpu_hotplug/parameters/auto_online) = Y ]"

# A CPU-bound load on every CPU, through all of what follows.
load() { while :; do :; done; }
load &
loadpid=$!

for n in 1 2 3; do
	t0=$(up)
	cpu_add $n
	if wait_for 30 is_online $n; then
		ok "device_add vcpu$n: CPU$n online in $(echo "$(up) $t0" | awk '{ printf "%.2f", $1 - $2 }') s (bound: 30 s)"
	else
		fail "device_add vcpu$n: CPU$n online within 30 s"
	fi
	check "CPU$n runs a task" runs_on $n
done
diag "$(dmesg | grep xen_vcpu_hotplug | tail -6)"
check "the guest sees 4 online CPUs" [ "$(cat $S/online)" = 0-3 ]

# Manual onlining (as distributions that leave it to udev do).
echo N >/sys/module/xen_vcpu_hotplug/parameters/auto_online
cpu_add 4
left_offline() { wait_for 30 test -e $S/cpu4/online && sleep 2 && ! is_online 4; }
check "auto_online=N: CPU4 registered but left offline" left_offline
by_hand() { echo 1 >$S/cpu4/online && runs_on 4; }
check "onlining it by hand works" by_hand
echo Y >/sys/module/xen_vcpu_hotplug/parameters/auto_online

# Unload with CPUs it added: they are handed to Linux's ACPI processor driver.
check "unload hands its CPUs to Linux's ACPI processor driver" \
	sh -c "rmmod xen_vcpu_hotplug && dmesg | grep -q 'CPU1 handed over' && dmesg | grep -q 'CPU4 handed over' && dmesg | grep -q 'processor hotplug restored'"
# Linux queued a hotplug work item for each notification the module
# handled; unload waits until every one has run before the flags go back.
drained() {
	l=$(dmesg | grep 'xen_vcpu_hotplug: unload: ' | tail -1)
	diag "$l"
	q=$(echo "$l" | sed -n 's/.*unload: \([0-9]*\) of .*/\1/p')
	n=$(echo "$l" | sed -n 's/.*, \([0-9]*\) ran before.*/\1/p')
	[ -n "$q" ] && [ "$q" -gt 0 ] && [ "$q" = "$n" ]
}
check "unload waited for all of Linux's hotplug work queued for handled notifications" drained
handed() { [ "$(basename "$(readlink $S/cpu1/driver)")" = processor ]; }
check "CPU1 now bound to the native processor driver" handed

# With the module unloaded, Linux's native handler adds a CPU (nobody
# onlines it: that is udev's job natively).
cpu_add 5
check "module unloaded: the native handler adds CPU5" wait_for 30 sh -c "dmesg | grep -q 'ACPI: CPU5 has been hot-added'"
echo 1 >$S/cpu5/online
check "reload: nothing to pick up (every present CPU is mapped)" \
	sh -c "insmod $M && dmesg | grep -q 'xen_vcpu_hotplug: handling 7 processor objects, 0 CPUs added at load'"
cpu_add 6
online_running() { wait_for 30 is_online $1 && runs_on $1; }
check "after reload: device_add vcpu6, CPU6 online and running a task" online_running 6

# Remove one of its own: offline, unregister, unmap, _EJ0; QEMU takes it away.
# (QEMU 7.2 under TCG aborts on any CPU device_add after a CPU has been
# unplugged, native handler or not, so every add comes before the removals.)
cpu_del 6
check "device_del vcpu6: CPU6 gone from the guest within 30 s" wait_for 30 gone 6
check "the module logged the removal" sh -c "dmesg | grep -q 'CPU6 (APIC ID 6) hot-removed'"
host_check "vcpu6 gone from QEMU ;; qmp:query-hotpluggable-cpus ;; /machine/peripheral/vcpu6 ;; absent"
ospm 6 0
check "guest healthy: CPUs 0-5 online, load still running" \
	sh -c "[ \"\$(cat $S/online)\" = 0-5 ] && kill -0 $loadpid"

# A CPU the native handler added is not the module's to eject: refused,
# _OST "not supported", left running.
cpu_del 5
refused() {
	wait_for 20 sh -c "dmesg | grep -q 'eject refused: this CPU was not added by xen_vcpu_hotplug'" && is_online 5
}
check "eject of a CPU the module did not add: refused, CPU5 still online" refused
ospm 5 128

# After unload, a CPU the module added and handed over is ejected by the
# native handler, which offlines it first.
check "final unload" rmmod xen_vcpu_hotplug
cpu_del 2
check "after unload, the native handler ejects handed-over CPU2 cleanly" wait_for 30 gone 2
host_check "vcpu2 gone from QEMU (native eject) ;; qmp:query-hotpluggable-cpus ;; /machine/peripheral/vcpu2 ;; absent"
check "CPU-bound load ran through all of it" kill -0 $loadpid
kill $loadpid
echo 1 >/proc/sys/kernel/printk
[ -z "$FAILED" ]
