#!/bin/sh
# roles: bench-vcpu-module bench-vcpu-native
# vCPU hotplug benchmark (make bench): time from device_add to every new CPU
# online and running a task, and from device_del to every CPU gone, for 1
# and 3 vCPUs, through xen_vcpu_hotplug or through Linux's native ACPI
# processor hotplug (same kernel, same harness; the native handler leaves
# onlining to user space, so this script onlines the CPU as soon as its
# online file appears, as a udev rule would). One sample per boot: QEMU 7.2
# under TCG cannot re-add a CPU after an unplug. Prints BENCH lines.
. /selftests/lib.sh
plan 4
driver=${XENRAS_ROLE#bench-vcpu-}
[ "$driver" = module ] && insmod /lib/xenras/xen_vcpu_hotplug.ko
up() { cut -d' ' -f1 /proc/uptime; }
ms() { echo "$1 $2" | awk '{ printf "%d", ($1 - $2) * 1000 }'; }
all_online() {
	for c in "$@"; do
		if [ "$driver" = native ] && [ -e $S/cpu$c/online ] && ! grep -q 1 $S/cpu$c/online; then
			echo 1 >$S/cpu$c/online 2>/dev/null
		fi
		grep -q 1 $S/cpu$c/online 2>/dev/null && runs_on $c || return 1
	done
}
all_gone() { for c in "$@"; do [ ! -e $S/cpu$c ] || return 1; done; }
# measure add|del CPU...
measure() {
	op=$1
	shift
	batch=""
	for c in "$@"; do
		if [ $op = add ]; then
			batch="$batch ; device_add Haswell-noTSX-x86_64-cpu,id=vcpu$c,socket-id=0,core-id=$c,thread-id=0"
		else
			batch="$batch ; device_del vcpu$c"
		fi
	done
	t0=$(up)
	echo "XENRAS-REQ $batch"
	i=0
	if [ $op = add ]; then cond=all_online; else cond=all_gone; fi
	while ! $cond "$@" && [ $i -lt 3000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	t1=$(up)
	$cond "$@" && r=ok || r=timeout
	echo "BENCH vcpu driver=$driver op=$op cpus=$# ms=$(ms $t1 $t0) result=$r"
	check "$op $# vCPU(s) through $driver" [ $r = ok ]
}
measure add 1
measure add 2 3 4
measure del 4
measure del 1 2 3
[ "$driver" = module ] && rmmod xen_vcpu_hotplug
[ -z "$FAILED" ]
