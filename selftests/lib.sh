#!/bin/sh
# kselftest-style TAP helpers. A test script calls plan N once, then
# ok/fail/skip per test case; run.sh collects exit codes.
_n=0
# Output is indented: each test file is a KTAP subtest of run.sh.
plan() { echo "    1..$1"; }
ok() { _n=$((_n + 1)); echo "    ok $_n - $*"; }
fail() { _n=$((_n + 1)); echo "    not ok $_n - $*"; FAILED=1; : >/tmp/selftest.failed; }
skip() { _n=$((_n + 1)); echo "    ok $_n - # SKIP $*"; }
# check "description" command...: ok if the command succeeds.
check() {
	d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}
diag() { echo "$*" | sed 's/^/    # /'; }
# Ask the harness on the host to run a QEMU monitor command. The test then
# waits for the effect itself (with a timeout); nothing is typed back.
# The console loglevel is lowered around the request line: a kernel message
# printed at that moment (tests raise the level to 7) can split the line, and
# the harness then never sees it (measured: "...physical CPU table: 2
# CPXENRAS-REQ device_add ...").
host_request() { host_request_now "$@"; sleep 1; }
host_request_now() {
	_lvl=$(cut -f1 /proc/sys/kernel/printk)
	echo 1 >/proc/sys/kernel/printk
	sleep 0.2
	echo "XENRAS-REQ $*"
	echo "$_lvl" >/proc/sys/kernel/printk
}
# Ask the harness to check what only the host sees, and fail the run if not:
# host_check NAME ";;" MONITOR-COMMAND ";;" REGEX [";; absent"]
# (MONITOR-COMMAND "qmp:<query>" matches the JSON of a QMP query instead).
host_check() { echo "XENRAS-HOSTCHECK $*"; sleep 1; }
# deadline SECONDS NAME: the case NAME must end (deadline 0, or the next
# deadline) within SECONDS, or the harness fails it by name, has Xen dump
# its and dom0's state and stops the run: a frozen host cannot report its
# own hang.
deadline() { echo "XENRAS-DEADLINE $*"; }
# wait_for SECONDS command...: run the command every 0.1 s until it
# succeeds or SECONDS of wall time have passed (/proc/uptime, whole
# seconds: a slow command does not stretch the wait), then once more;
# returns the command's status.
wait_for() {
	_end=$(($(cut -d. -f1 /proc/uptime) + $1))
	shift
	until "$@"; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$_end" ] || {
			"$@"
			return
		}
		sleep 0.1
	done
}
# metric KEY=VALUE...: figures for the summary table (soak cycles, fault
# injections); the harness adds them up per machine.
metric() { echo "XENRAS-METRIC $*"; }
# slab_kb FILE: bytes (kB) in objects allocated from unreclaimable slab
# caches (active objects x object size, /proc/slabinfo; caches without
# reclaim_account), right after shrinking every cache, which also empties
# KASAN's quarantine of freed objects on the debug kernel: slab_objects.c,
# which also says why it opens every file before the shrinks. Three
# readings 2 s apart, each cache counted at its least of the three (a
# leaked object is there in every reading; what the reading's own
# processes leave in the per-CPU slabs, counted as active, is not).
# Objects, not pages (SUnreclaim): partially used slabs moved SUnreclaim
# by up to 240 kB over 100 load/unload cycles that left the objects flat.
# Waits 6 s first: kfree_rcu() batches are freed up to 5 s later
# (measured: a CPU eject just before the reading left 360 kB pending
# once). FILE gets each cache's bytes, for slab_growth and slab_flat's
# rereading.
slab_kb() {
	sleep 4
	: >"$1"
	for _r in 1 2 3; do
		sleep 2
		/selftests/slab_objects | sort >/tmp/slab.now
		slab_least "$1" /tmp/slab.now
	done
	slab_sum "$1"
}
# slab_sum FILE: the kB of a slab_kb file.
slab_sum() { awk '{ t += $2 } END { printf "%d\n", t / 1024 }' "$1"; }
# slab_least FILE NEW: FILE becomes each cache's lesser bytes of FILE and
# NEW (FILE empty: NEW); a cache missing from one of them was destroyed
# in between and counts 0.
slab_least() {
	if [ -s "$1" ]; then
		awk 'NR == FNR { a[$1] = $2; next } { b[$1] = $2 }
			END { for (c in a) print c, !(c in b) ? 0 : b[c] < a[c] ? b[c] : a[c] }' \
			"$1" "$2" | sort >"$1.tmp"
		mv "$1.tmp" "$1"
	else
		cp "$2" "$1"
	fi
}
# slab_growth A B: the caches that grew most between two slab_kb files, on
# one line (the run's summary keeps the last diagnostic lines of a failure).
slab_growth() {
	awk 'NR == FNR { a[$1] = $2; next } $2 > a[$1] { printf "%s +%d kB\n", $1, ($2 - a[$1]) / 1024 }' "$1" "$2" |
		sort -t+ -k2 -n -r | head -8 | tr '\n' ',' | sed 's/,$//; s/,/, /g'
}
# slab_flat BEFORE-FILE AFTER-FILE S0 S1 WHAT: the soak verdict, with the
# caches that grew most as diagnostics (256 kB tolerance: see slab_kb).
# Over the tolerance, it reads again twice, 10 s apart, each cache at its
# least over every reading: what the selftest's own processes and deferred
# frees leave behind for a moment goes (measured on hvm-debug: +93 kB and
# -112 kB in two runs of the same 100 cycles, the growth spread over
# mm_struct, task_struct, filp, kmemleak_object), a leak stays.
slab_flat() {
	_s1=$4
	for _again in 1 2; do
		[ $((_s1 - $3)) -lt 256 ] && break
		diag "unreclaimable slab objects: $_s1 kB after $5, over the tolerance; reading again in 10 s"
		sleep 10
		slab_kb "$2.again" >/dev/null
		slab_least "$2" "$2.again"
		_s1=$(slab_sum "$2")
	done
	diag "unreclaimable slab objects: $3 kB before, $_s1 kB after $5; grew most: $(slab_growth "$1" "$2")"
	check "unreclaimable slab objects flat: $3 -> $_s1 kB (tolerance 256 kB)" [ $((_s1 - $3)) -lt 256 ]
}
# CPU hotplug helpers: is_online N (Linux CPU N online), runs_on N (a task
# pinned to CPU N really runs there).
S=/sys/devices/system/cpu
is_online() { [ "$(cat $S/cpu$1/online 2>/dev/null)" = 1 ]; }
runs_on() { [ "$(taskset -c "$1" awk '{ print $39 }' /proc/self/stat 2>/dev/null)" = "$1" ]; }

# MCE benchmarks (make bench). $driver is xen_mce, xen_mce_nolog or
# upstream.
# use_driver D: D owns /dev/mcelog from now on, in this boot (make bench
# alternates them storm by storm, role bench-mce): xen_mce (with
# XENRAS_MCE_PARAMS), xen_mce_nolog (the same with kernel_log=N, so that
# the cost of mce_log() is a figure) or upstream (drivers/xen/mcelog.c
# built as a module: scripts/build-upstream-mcelog.sh). Sets $driver and
# $params (xen_mce's parameters as it read them; "-" for upstream).
use_driver() {
	rmmod xen_mce 2>/dev/null
	rmmod xen_mcelog_upstream 2>/dev/null
	case $1 in
	xen_mce) insmod /lib/xenras/xen_mce.ko $XENRAS_MCE_PARAMS ;;
	xen_mce_nolog) insmod /lib/xenras/xen_mce.ko $XENRAS_MCE_PARAMS kernel_log=N ;;
	upstream) insmod /lib/xenras/xen_mcelog_upstream.ko ;;
	esac || return 1
	driver=$1
	params=-
	# Where the driver drains Xen, for virq_phases_ms: upstream in a work
	# item, xen_mce in its VIRQ_MCA handler (below). The handler's exits
	# are traced for this driver's IRQ only.
	drain_in=work
	_irq=$(awk '$NF == "mce" { sub(":", "", $1); print $1 }' /proc/interrupts)
	[ -n "$_irq" ] && echo "irq == $_irq" 2>/dev/null >/sys/kernel/tracing/events/irq/irq_handler_exit/filter
	case $driver in xen_mce*)
		drain_in=irq
		params=$(for p in kernel_log kernel_log_delay_ms ring_len; do
			printf '%s=%s,' $p "$(cat /sys/module/xen_mce/parameters/$p 2>/dev/null)"
		done)
		params=${params%,} ;;
	esac
}
# Records the driver dropped: xen_mce's cumulative debugfs counter; for
# upstream, the overflow bit of MCE_GETCLEAR_FLAGS (read and cleared).
lost_dom0() {
	case $driver in
	# Malformed telemetry plus records the full ring did not keep.
	xen_mce*) echo $(($(cat /sys/kernel/debug/xen_mce/lost) + $(cat /sys/kernel/debug/xen_mce/ring_dropped))) ;;
	*)
		case $(/selftests/mcelog_read -t flags 2>&1) in
		flags=0x1) echo overflowed ;;
		flags=0) echo 0 ;;
		*) echo unknown ;;
		esac
		;;
	esac
}
# lost_in_xen INJECTED DELIVERED LOST_DOM0: the errors Xen never delivered,
# where the driver counts its own losses (LOST_DOM0 a number); upstream
# only sets an overflow flag ("overflowed"), so the split is unknown: "-".
lost_in_xen() {
	case $3 in [0-9]*) echo $(($1 - $2 - $3)) ;; *) echo - ;; esac
}
# xen_cpu_sysfs SECONDS CPU STATE: wait until pcpu.c's
# /sys/devices/system/xen_cpu/xen_cpuCPU/online reads STATE (0 or 1).
# pcpu.c re-reads Xen's CPU list on VIRQ_PCPU_STATE, and when one
# XENPF_get_cpuinfo of that re-read fails it drops every xen_cpuN and
# waits for the next VIRQ. Xen 4.17 raises the VIRQ before it releases the
# lock that XENPF_get_cpuinfo try-locks (-EBUSY: common/cpu.c, cpu_up and
# cpu_down), so a re-read that runs at once can empty the list (README,
# "Known limits"). Then, and only then, the CPU is toggled once so that
# Xen raises the VIRQ again, and the wait is repeated; a diagnostic says so.
xen_cpu_sysfs() {
	_f=/sys/devices/system/xen_cpu/xen_cpu$2/online
	wait_for "$1" grep -qx "$3" "$_f" 2>/dev/null && return 0
	if [ ! -e /sys/devices/system/xen_cpu/xen_cpu0 ]; then
		diag "pcpu.c lists no CPU (its re-read met XENPF_get_cpuinfo -EBUSY): CPU $2 toggled so that Xen raises VIRQ_PCPU_STATE again"
		if [ "$3" = 1 ]; then
			xen-hptool cpu-offline "$2" && xen-hptool cpu-online "$2"
		else
			xen-hptool cpu-online "$2" && xen-hptool cpu-offline "$2"
		fi >/dev/null 2>&1
		wait_for "$1" grep -qx "$3" "$_f" 2>/dev/null && return 0
	fi
	diag "xen_cpu$2/online: $(cat "$_f" 2>&1); pcpu.c lists: $(ls /sys/devices/system/xen_cpu | tr '\n' ' ')"
	return 1
}
# Trace every entry into the "mce" IRQ handler (VIRQ_MCA), monotonic clock.
trace_mce_irq() {
	T=/sys/kernel/tracing
	echo mono >$T/trace_clock
	echo 'name == "mce"' >$T/events/irq/irq_handler_entry/filter
	echo 65536 >$T/buffer_size_kb
	echo 1 >$T/events/irq/irq_handler_entry/enable
	echo >$T/trace
}
# Also the driver's work items (workqueue_execute_start/end), the exits of
# its IRQ handler (irq_handler_exit, filtered by use_driver) and every
# wakeup of the reader (sched_wakeup, comm mcelog_read), for
# virq_phases_ms.
trace_mce_phases() {
	T=/sys/kernel/tracing
	echo 1 >$T/events/irq/irq_handler_exit/enable
	echo 1 >$T/events/workqueue/workqueue_execute_start/enable
	echo 1 >$T/events/workqueue/workqueue_execute_end/enable
	echo 'comm == "mcelog_read"' >$T/events/sched/sched_wakeup/filter
	echo 1 >$T/events/sched/sched_wakeup/enable
}
# unload_counts: for each xen_mce "unloaded:" line on stdin, its records
# and kernel_logged counts, space-separated.
unload_counts() {
	awk '{ for (i = 1; i < NF; i++) { if ($i == "records") r = $(i + 1); if ($i == "kernel_logged") k = $(i + 1) } print r + 0, k + 0 }'
}
# irq_work_ipis: irq_work interrupts (the "IWI" row of /proc/interrupts,
# all CPUs) so far: mce_log() raises one unless its irq_work is pending.
irq_work_ipis() {
	awk '$1 == "IWI:" { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i } END { print s + 0 }' /proc/interrupts
}
# virq_phases_ms FILE [irq]: where VIRQ -> read() goes, for each read in
# mcelog_read's output FILE whose chain is complete: the last "mce" IRQ
# before it, the driver's drain starting after that IRQ, the reader's first
# wakeup after the drain started, read() returning. The drain: with "irq"
# (xen_mce) the "mce" IRQ handler itself, from its entry to its exit; else
# (upstream) the driver's work (xen_mce_work_fn). xen_mce's work drains
# only what an interrupt left past its budget: counted as drain runs, not
# timed (the Arc<Mcelog> work item with ID 0, `WorkItemPointer<0>::run`,
# mangled `...6mcelog6McelogE...Ky0_...`; its kernel-log work is ID 1,
# `Ky1_`, and is not the drain). Prints the medians in ms of IRQ -> drain
# start (queueing the work; 0 for a drain in the handler), drain start ->
# wakeup (the drain up to the wake), wakeup -> read returning (scheduling,
# the read, the reader's clock call), the median of the drain's whole runs,
# how many reads had a complete chain, and the drain's runs per "mce" IRQ
# (a VIRQ_MCA that finds the work still queued adds no run, so under 1 when
# the work takes several mc_info a run).
virq_phases_ms() {
	(awk -v inirq=$([ "$2" = irq ] && echo 1 || echo 0) '
		{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { t = substr($i, 1, length($i) - 1); break } }
		/irq_handler_entry: .*name=mce/ { for (i = 1; i < NF; i++) if ($i == "irq_handler_entry:") mirq = $(i + 1)
			print "irq", t; if (inirq) print "ws", t }
		inirq && /irq_handler_exit: / { for (i = 1; i < NF; i++) if ($i == "irq_handler_exit:" && $(i + 1) == mirq) print "we", t }
		/workqueue_execute_start: .*function (xen_mce_work_fn|.*6mcelog6McelogE.*WorkItemPointerKy0_)/ { print inirq ? "wr" : "ws", t }
		!inirq && /workqueue_execute_end: .*function (xen_mce_work_fn|.*6mcelog6McelogE.*WorkItemPointerKy0_)/ { print "we", t }
		/sched_wakeup: comm=mcelog_read / { print "wk", t }' /sys/kernel/tracing/trace
		sed -n 's/^read mono=\([0-9.]*\) .*/read \1/p' "$1") | sort -k2 -n |
		awk '$1 == "irq" { irq = $2; ws = wk = 0; nirq++ }
			$1 == "ws" || $1 == "wr" { nws++ }
			$1 == "ws" && irq && !ws { ws = $2; run = $2 }
			$1 == "we" && run { printf "d %.9f\n", $2 - run; run = 0 }
			$1 == "wk" && ws && !wk { wk = $2 }
			$1 == "read" && irq && ws && wk && wk <= $2 { printf "a %.9f\nb %.9f\nc %.9f\n", ws - irq, wk - ws, $2 - wk; ws = wk = 0 }
			END { if (nirq) printf "r %.3f\n", nws / nirq }' |
		sort -k1,1 -k2,2n | awk '{ v[$1, n[$1]++] = $2 }
			function med(k) { return n[k] ? sprintf("%.3f", v[k, int(n[k] / 2)] * 1000) : "-" }
			END { print med("a"), med("b"), med("c"), med("d"), n["a"] + 0, n["r"] ? v["r", 0] : "-" }'
}
# VIRQ -> read() latency: each read in mcelog_read's output $1 ("read
# mono=...") against the last "mce" IRQ before it.
# virq_to_read_ms FILE: median, 99th percentile and maximum, in ms, then
# how many reads were measured and how many of them took over 5 ms.
virq_to_read_ms() {
	(sed -n 's/.* \([0-9]*\.[0-9]*\): irq_handler_entry: .*name=mce.*/irq \1/p' /sys/kernel/tracing/trace
		sed -n 's/^read mono=\([0-9.]*\) .*/read \1/p' "$1") | sort -k2 -n |
		awk '$1 == "irq" { last = $2 } $1 == "read" && last { printf "%.2f\n", ($2 - last) * 1000 }' |
		sort -n | awk '{ v[n++] = $1; if ($1 > 5) slow++ }
			END { if (!n) print "- - - 0 0"; else print v[int(n / 2)], v[int(n * 0.99)], v[n - 1], n, slow + 0 }'
}
