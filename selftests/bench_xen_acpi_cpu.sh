#!/bin/sh
# roles: bench-mce
# CPU hot-add benchmark (make bench): time from device_add to "present in
# Xen" (module log line) and to online in Xen (auto_online=1, xen_cpuN in
# sysfs), for 1 CPU and for 2 CPUs plugged together. Prints BENCH lines.
. /selftests/lib.sh
plan 2
# Kernel log time of our marker line $1.
kmsg_at() { dmesg | sed -n "s/^\[ *\([0-9.]*\)\] xenras-bench: $1\$/\1/p" | tail -1; }
ms() { echo "$1 $2" | awk '{printf "%d", ($1 - $2) * 1000}'; }
# Kernel log time of the "added" line for Xen CPU $1.
added_at() { dmesg | sed -n "s/^\[ *\([0-9.]*\)\] xen_acpi_cpu: .*added to Xen as CPU $1 .*/\1/p" | tail -1; }
insmod /lib/xenras/xen_acpi_cpu.ko auto_online=1
measure() { # label, cpus...
	label=$1
	shift
	# Both ends on the kernel log's clock (uptime and printk can differ
	# under Xen).
	echo "xenras-bench: t0 $label" >/dev/kmsg
	t0=$(kmsg_at "t0 $label")
	batch=""
	for c in "$@"; do batch="$batch ; device_add Haswell-noTSX-x86_64-cpu,id=cpu$c,socket-id=0,core-id=$c,thread-id=0"; done
	echo "XENRAS-REQ $batch"
	i=0
	while [ $i -lt 300 ]; do
		done_=1
		for c in "$@"; do [ -e /sys/devices/system/xen_cpu/xen_cpu$c/online ] && grep -q 1 /sys/devices/system/xen_cpu/xen_cpu$c/online || done_=0; done
		[ $done_ = 1 ] && break
		usleep 50000
		i=$((i + 1))
	done
	echo "xenras-bench: t1 $label" >/dev/kmsg
	t1=$(kmsg_at "t1 $label")
	last=0
	for c in "$@"; do a=$(added_at $c); [ -n "$a" ] && last=$a; done
	echo "BENCH cpu_hotadd cpus=$# present_ms=$(ms $last $t0) online_ms=$(ms $t1 $t0)"
	check "$label online" [ $done_ = 1 ]
}
measure "1 CPU" 2
measure "2 CPUs" 3 4
[ -z "$FAILED" ]
