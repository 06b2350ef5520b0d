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
