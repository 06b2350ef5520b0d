#!/bin/sh
# roles: bench-mce bench-xen_memory
# Memory hot-add benchmark (make bench): time from the device_add request
# to the memory being present in Xen, read from Xen (XEN_SYSCTL_physinfo
# total_pages grown by the DIMMs), and to the module's log line, for one
# 1 GiB DIMM and for two 512 MiB DIMMs plugged together. Prints BENCH lines.
. /selftests/lib.sh
plan 2
P=/selftests/xen_physinfo
total() { $P | sed -n 's/.*total_pages=\([0-9]*\).*/\1/p'; }
# Kernel log time of our marker line $1.
kmsg_at() { dmesg | sed -n "s/^\[ *\([0-9.]*\)\] xenras-bench: $1\$/\1/p" | tail -1; }
ms() { echo "$1 $2" | awk '{printf "%d", ($1 - $2) * 1000}'; }
# Kernel log time of the last "added to Xen" line.
added_at() { dmesg | sed -n 's/^\[ *\([0-9.]*\)\] xen_acpi_memory: .* added to Xen (pfn.*/\1/p' | tail -1; }
insmod /lib/xenras/xen_acpi_memory.ko
measure() { # label, pages expected, DIMM id:size...
	label=$1 want=$(($(total) + $2))
	shift 2
	batch=""
	for d in "$@"; do
		batch="$batch ; object_add memory-backend-ram,id=bm${d%:*},size=${d#*:} ; device_add pc-dimm,id=bd${d%:*},memdev=bm${d%:*}"
	done
	# Both ends on the kernel log's clock.
	echo "xenras-bench: t0 $label" >/dev/kmsg
	t0=$(kmsg_at "t0 $label")
	echo "XENRAS-REQ $batch"
	i=0
	while [ $i -lt 600 ] && [ "$(total)" -lt $want ]; do
		usleep 50000
		i=$((i + 1))
	done
	echo "xenras-bench: t1 $label" >/dev/kmsg
	t1=$(kmsg_at "t1 $label")
	echo "BENCH mem_hotadd dimms=$# logged_ms=$(ms "$(added_at)" $t0) present_ms=$(ms $t1 $t0)"
	check "$label present in Xen (total_pages $(total), wanted $want)" [ "$(total)" -ge $want ]
}
measure "1 DIMM" 262144 1:1G
measure "2 DIMMs" 262144 2:512M 3:512M
rmmod xen_acpi_memory
[ -z "$FAILED" ]
