#!/bin/sh
# Runs inside the Xen HVM guest (scripts/initramfs/guest-init), not in
# dom0: no roles line. Its dom0 half (selftests/xen_hvm_vcpu.sh;
# xen_hvm_gate.sh for $1 = gate, bench_xen_vcpu.sh for $1 = bench) reads this script's output from the
# guest's serial log, runs `xl vcpu-set` on every "GUEST-STEP" line and
# relays the cases below into the machine's TAP. The guest only waits for
# what the step should bring; it never hears from dom0.
#
# The guest sees Xen's own ACPI tables (hvmloader's libacpi): `Processor`
# objects PR00.. with _HID ACPI0007, _MAT from the MADT copy at MAPA, _STA
# from its enabled flag, and PRSC, run from GPE 2, which reads QEMU's
# 0xaf00 present bitmap and notifies PRxx with 1 (device check) or 3
# (eject request). MADT APIC IDs are 2 * vCPU.
. /selftests/lib.sh
M=/lib/xenras/xen_vcpu_hotplug.ko
step() { echo "GUEST-STEP $*"; }
cpus_online() { cat $S/online; }
# online CPU DRIVER [SECONDS]: wait until the CPU is online and runs a task;
# prints the vcpu_wait line for dom0 (latency: online_rt - its request).
online() {
	out=$(/selftests/vcpu_wait online "$1" "${3:-600}" "$2")
	echo "GUEST-ONLINE cpu=$1 driver=$2 $out"
	case $out in *result=ok*) return 0 ;; esac
	return 1
}
# The module's log lines since the last mark.
mark() { dmesg | wc -l >/tmp/mark; }
since() { dmesg | tail -n +$(($(cat /tmp/mark) + 1)); }
is_xen_hvm() { [ "$(cat /sys/hypervisor/type 2>/dev/null)" = xen ] && dmesg | grep -q 'Hypervisor detected: Xen HVM'; }
# hotpluggable LAST: the MADT's absent vCPUs count as possible, CPU0 alone present.
hotpluggable() { [ "$(cat $S/possible)" = "0-$1" ] && [ "$(cat $S/present)" = 0 ]; }
loads() { insmod $M && dmesg | grep -q 'xen_vcpu_hotplug: owning ACPI processor hotplug'; }
# through_xen_objects N...: each vCPU N was added through hvmloader's
# processor object PR0N (\_SB_.PRxx), its MADT APIC ID 2 * N.
through_xen_objects() {
	for n in "$@"; do
		since | grep -q "PR0$n: CPU$n hot-added (APIC ID $((2 * n)), ACPI ID $n)" || return 1
	done
}
# handed FIRST LAST: unloading hands CPUs FIRST..LAST to Linux's driver.
handed() {
	rmmod xen_vcpu_hotplug && since | grep -q "CPU$1 handed over" && since | grep -q "CPU$2 handed over" &&
		since | grep -q 'processor hotplug restored'
}
bound() { [ "$(basename "$(readlink $S/cpu1/driver)")" = processor ]; }
reload() { insmod $M && since | grep -q ', 0 CPUs added at load'; }

case $1 in
bench)
	# Alternating: vCPUs 1, 3, 5 through xen_vcpu_hotplug, 2, 4, 6 through
	# Linux's native handler (module unloaded), one `xl vcpu-set` each.
	plan 6
	for cpu in 1 2 3 4 5 6; do
		d=native
		[ $((cpu % 2)) = 1 ] && d=module
		[ $d = module ] && insmod $M
		step "add $((cpu + 1)) driver=$d"
		check "xl vcpu-set $((cpu + 1)): CPU$cpu online and running a task ($d)" online $cpu $d
		[ $d = module ] && rmmod xen_vcpu_hotplug
	done
	[ -z "$FAILED" ]
	exit
	;;
gate)
	# make check's bounded run (issue 16, README "In a real Xen HVM
	# guest"): maxvcpus=4, two vCPUs through xen_vcpu_hotplug, unload and
	# reload, one through Linux's native handler; no idle waits (the guest
	# triple-faulted only while it idled with 4-7 vCPUs for minutes).
	plan 10
	check "running as a Xen HVM guest" is_xen_hvm
	check "the MADT counts the 3 absent vCPUs as hot-pluggable (possible CPUs 0-3)" hotpluggable 3
	mark
	check "xen_vcpu_hotplug loads and owns processor hotplug" loads
	for n in 2 3; do
		step "add $n driver=module"
		check "xl vcpu-set $n: CPU$((n - 1)) online and running a task (xen_vcpu_hotplug)" online $((n - 1)) module
	done
	check "added through Xen's processor objects: PR01, PR02, APIC IDs 2, 4" through_xen_objects 1 2
	mark
	check "unload hands CPUs 1-2 to Linux's ACPI processor driver" handed 1 2
	check "CPU1 now bound to the native processor driver" bound
	mark
	check "reload: nothing to pick up (every present CPU is mapped)" reload
	check "final unload" rmmod xen_vcpu_hotplug
	step "add 4 driver=native"
	check "native handler, xl vcpu-set 4: CPU3 online and running a task" online 3 native
	[ -z "$FAILED" ]
	exit
	;;
esac

plan 18
check "running as a Xen HVM guest" is_xen_hvm
diag "$(dmesg | grep -E 'CPU topo|ACPI: (DSDT|APIC)|smpboot: Allowing' | head -6)"
check "the MADT counts the 6 absent vCPUs as hot-pluggable (possible CPUs 0-6)" hotpluggable 6
mark
check "xen_vcpu_hotplug loads and owns processor hotplug" loads
diag "$(since | grep xen_vcpu_hotplug)"
for n in 2 3 4; do
	cpu=$((n - 1))
	step "add $n driver=module"
	check "xl vcpu-set $n: CPU$cpu online and running a task (xen_vcpu_hotplug)" online $cpu module
done
diag "$(since | grep -E 'xen_vcpu_hotplug|ACPI|smpboot|CPU[0-9]' | tail -12)"
check "added through Xen's processor objects: PR01-PR03, APIC IDs 2, 4, 6" through_xen_objects 1 2 3
check "the guest sees 4 online CPUs" [ "$(cpus_online)" = 0-3 ]

# Removal: libxl 4.17 (libxl_set_vcpuonline) sends QEMU no device_del for
# an HVM guest; it only writes cpu/N/availability=offline to xenstore,
# which Linux reads in PV guests only (drivers/xen/cpu_hotplug.c). So the
# 0xaf00 bitmap keeps the vCPUs, PRSC notifies nothing, and the guest keeps
# running them. This step records that. The guest never hears from dom0,
# so it waits REMOVE_WAIT seconds from asking: dom0 must read the request,
# run `xl vcpu-set` and query xenstore and the device model within that
# while the domain still exists (measured on a contended host: once 58 s
# passed from the guest's request to dom0's failed xenstore read, past the
# 30 s this wait used to be: the guest had powered off).
REMOVE_WAIT=90
mark
step "remove 1 driver=module"
sleep $REMOVE_WAIT
diag "$(since | grep -E 'xen_vcpu_hotplug|ACPI|CPU[0-9]' | tail -6)"
nothing_removed() {
	[ "$(cpus_online)" = "$1" ] && ! since | grep -qE 'xen_vcpu_hotplug.*(eject|hot-removed)|ACPI.*(eject|Eject)' &&
		runs_on 1 && runs_on 2 && runs_on 3
}
check "xl vcpu-set 1: no eject request reaches the guest in $REMOVE_WAIT s, CPUs 0-3 stay online and run tasks" nothing_removed 0-3

mark
check "unload hands CPUs 1-3 to Linux's ACPI processor driver" handed 1 3
check "CPU1 now bound to the native processor driver" bound
mark
check "reload: nothing to pick up (every present CPU is mapped)" reload
diag "$(since | grep 'processor objects')"
step "add 5 driver=module"
check "after reload, xl vcpu-set 5: CPU4 online and running a task (xen_vcpu_hotplug)" online 4 module
only_cpu4() { since | grep -q 'PR04: CPU4 hot-added (APIC ID 8, ACPI ID 4)' && [ "$(since | grep -c 'hot-added')" = 1 ]; }
check "only CPU4 was added (QEMU kept vCPUs 1-3 after the removal: libxl added just one)" only_cpu4
check "final unload" rmmod xen_vcpu_hotplug

# The same flow through Linux's native handler (acpi_processor.c), module
# unloaded; the CPU is onlined the way udev's rule does it.
mark
for n in 6 7; do
	cpu=$((n - 1))
	step "add $n driver=native"
	check "native handler, xl vcpu-set $n: CPU$cpu online and running a task" online $cpu native
done
diag "$(since | grep -E 'ACPI|CPU[0-9]' | tail -6)"
mark
step "remove 1 driver=native"
sleep $REMOVE_WAIT
check "native handler, xl vcpu-set 1: nothing reaches the guest either, CPUs 0-6 stay online" nothing_removed 0-6
[ -z "$FAILED" ]
