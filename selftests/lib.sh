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
host_request() { echo "XENRAS-REQ $*"; sleep 1; }
# Ask the harness to check what only the host sees, and fail the run if not:
# host_check NAME ";;" MONITOR-COMMAND ";;" REGEX [";; absent"]
# (MONITOR-COMMAND "qmp:<query>" matches the JSON of a QMP query instead).
host_check() { echo "XENRAS-HOSTCHECK $*"; sleep 1; }
# wait_for SECONDS command...: poll every 0.1 s until the command succeeds.
wait_for() {
	_t=$(($1 * 10))
	shift
	while [ "$_t" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_t=$((_t - 1))
	done
	"$@"
}
# metric KEY=VALUE...: figures for the summary table (soak cycles, fault
# injections); the harness adds them up per machine.
metric() { echo "XENRAS-METRIC $*"; }
# unreclaimable slab, kB, after shrinking every cache (which also empties
# KASAN's quarantine of freed objects on the debug kernel). Waits 6 s first:
# kfree_rcu() batches are freed up to 5 s later (measured: a CPU eject just
# before the reading left 360 kB pending once, 48 kB the next run).
slab_kb() {
	sleep 6
	for f in /sys/kernel/slab/*/shrink; do echo 1 >"$f"; done 2>/dev/null
	awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo
}
# CPU hotplug helpers: is_online N (Linux CPU N online), runs_on N (a task
# pinned to CPU N really runs there).
S=/sys/devices/system/cpu
is_online() { [ "$(cat $S/cpu$1/online 2>/dev/null)" = 1 ]; }
runs_on() { [ "$(taskset -c "$1" awk '{ print $39 }' /proc/self/stat 2>/dev/null)" = "$1" ]; }
