#!/bin/sh
# roles: xen hvm
# Fault injection (debug kernels, CONFIG_FAILSLAB): each module is loaded
# again and again with slab allocations failing for the insmod task once a
# growing byte budget is spent, so that the failure walks through every
# allocation of module loading and of the module's init. Each attempt must
# fail cleanly (insmod reports an error, nothing stays loaded); the module
# must load and work once the budget is large enough. Leaks and sanitizer
# reports are caught by the debug tier's log scan and kmemleak.
. /selftests/lib.sh
F=/sys/kernel/debug/failslab
case $XENRAS_ROLE in
xen) mods="xen_mce xen_acpi_cpu" ;;
*) mods="xen_vcpu_hotplug" ;;
esac
set -- $mods
plan $((2 * $#))
if [ ! -d $F ]; then
	for m in $mods; do
		skip "$m under failslab: kernel without CONFIG_FAILSLAB (runs in the debug tier)"
		skip "$m works after the failures: kernel without CONFIG_FAILSLAB"
	done
	exit 0
fi
echo 100 >$F/probability
echo 1 >$F/interval
echo -1 >$F/times
echo 0 >$F/verbose
echo Y >$F/task-filter
echo N >$F/ignore-gfp-wait
for m in $mods; do
	budget=0 fails=0 bad=0
	while [ $budget -lt 262144 ]; do
		echo $budget >$F/space
		if sh -c "echo 1 >/proc/self/make-it-fail && exec insmod /lib/xenras/$m.ko" 2>/tmp/fs.err; then
			break
		fi
		fails=$((fails + 1))
		if grep -q "^$m " /proc/modules; then
			diag "budget $budget: insmod failed but $m stayed loaded"
			bad=1
			rmmod $m
		fi
		# Fine steps first (the module's own allocations are small), then coarser.
		if [ $budget -lt 16384 ]; then budget=$((budget + 64)); else budget=$((budget + 1024)); fi
	done
	echo 0 >$F/space
	diag "$m: $fails injected allocation failures, each refused cleanly ($(sort -u /tmp/fs.err | head -1)); loaded at a budget of $budget bytes"
	metric fault_injections=$fails
	check "$m: every failed load was clean, then it loaded ($fails failures injected)" \
		sh -c "[ $bad = 0 ] && [ $fails -gt 0 ] && grep -q '^$m ' /proc/modules"
	case $m in
	xen_mce) check "xen_mce works after the failures" sh -c "/selftests/mcelog_read -t lens | grep -q log_len=1024 && rmmod xen_mce" ;;
	*) check "$m unloads after the failures" rmmod $m ;;
	esac
done
echo 0 >$F/probability
[ -z "$FAILED" ]
