#!/bin/sh
# roles: xen hvm
# Fault injection (debug kernels: CONFIG_FAILSLAB with the stack-trace
# filter): each module is loaded again and again, the N-th slab allocation
# made from the module's code (a caller in the module area on the stack)
# failing, for N = 1, 2, ... (/proc/self/fail-nth), until loads succeed:
# every allocation of the module's init fails once. Each failed load must be
# clean (insmod reports the error, nothing stays loaded, no sanitizer or
# kmemleak report: the debug tier scans the log); afterwards the module
# loads and works. Allocations of the kernel's own module loader are not
# failed: vmalloc WARNs by design when its internal allocation fails.
. /selftests/lib.sh
F=/sys/kernel/debug/failslab
case $XENRAS_ROLE in
xen) mods="xen_mce xen_acpi_cpu" ;;
*) mods="xen_vcpu_hotplug" ;;
esac
set -- $mods
plan $((2 * $#))
if [ ! -e $F/require-start ] || [ ! -e /proc/self/fail-nth ]; then
	for m in $mods; do
		skip "$m under failslab: kernel without CONFIG_FAILSLAB and its stack-trace filter (runs in the debug tier)"
		skip "$m works after the failures: kernel without CONFIG_FAILSLAB"
	done
	exit 0
fi
# The module area: from the end of the kernel image to MODULES_END.
kend=$(awk '$3 == "_end" { print $1 }' /proc/kallsyms)
echo "0x$kend" >$F/require-start
echo 0xffffffffff000000 >$F/require-end
echo 32 >$F/stacktrace-depth
echo 0 >$F/verbose
echo N >$F/ignore-gfp-wait
echo N >$F/task-filter
diag "failslab: require-start $(cat $F/require-start) require-end $(cat $F/require-end)"
for m in $mods; do
	n=1 fails=0 bad=0 clean=0
	while [ $clean -lt 5 ] && [ $n -le 400 ]; do
		if sh -c "echo $n >/proc/self/fail-nth && exec insmod /lib/xenras/$m.ko" 2>/tmp/fs.err; then
			clean=$((clean + 1))
			rmmod $m || bad=1
		else
			clean=0
			fails=$((fails + 1))
			if grep -q "^$m " /proc/modules; then
				diag "allocation $n failed: insmod failed but $m stayed loaded"
				bad=1
				rmmod $m
			fi
			cp /tmp/fs.err /tmp/fs.last
		fi
		n=$((n + 1))
	done
	diag "$m: $fails loads failed by an injected allocation failure ($(cat /tmp/fs.last 2>/dev/null | head -1)); then 5 clean loads"
	metric fault_injections=$fails
	check "$m: each of its allocations failed in turn, every failed load clean ($fails failures)" \
		sh -c "[ $bad = 0 ] && [ $fails -gt 0 ] && [ $clean = 5 ]"
	insmod /lib/xenras/$m.ko
	case $m in
	xen_mce) check "xen_mce works after the failures" sh -c "/selftests/mcelog_read -t lens | grep -q log_len=1024 && rmmod xen_mce" ;;
	*) check "$m loads and unloads after the failures" rmmod $m ;;
	esac
done
[ -z "$FAILED" ]
