#!/bin/sh
# roles: bench-vcpu-module bench-vcpu-native
# vCPU hotplug benchmark (make bench): time from device_add to every new CPU
# online and running a task, and from device_del to every CPU gone, for 1
# and 3 vCPUs, through xen_vcpu_hotplug or through Linux's native ACPI
# processor hotplug (same kernel, same harness). The native handler leaves
# onlining to user space: selftests/vcpu_bench onlines the CPU when its
# "add" uevent arrives, as udev's rule does. Timed on CLOCK_MONOTONIC, the
# end seen within ~1 ms (vcpu_bench.c). One sample per boot: QEMU 7.2
# under TCG cannot re-add a CPU after an unplug. Prints BENCH lines.
. /selftests/lib.sh
plan 4
driver=${XENRAS_ROLE#bench-vcpu-}
[ "$driver" = module ] && insmod /lib/xenras/xen_vcpu_hotplug.ko
# measure add|del CPU...
measure() {
	op=$1
	shift
	out=$(/selftests/vcpu_bench $op $driver "$@")
	echo "BENCH vcpu driver=$driver op=$op cpus=$# $out"
	check "$op $# vCPU(s) through $driver" sh -c "echo '$out' | grep -q 'result=ok'"
}
measure add 1
measure add 2 3 4
measure del 4
measure del 1 2 3
[ "$driver" = module ] && rmmod xen_vcpu_hotplug
[ -z "$FAILED" ]
