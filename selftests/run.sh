#!/bin/sh
# Runs every selftest for the machine role ($1: xen or hvm) as one KTAP
# stream: each test file is a subtest whose cases print indented (lib.sh),
# live; its result line comes from its exit code and its failed cases.
role=$1
cd /selftests || exit 1
tests=""
for t in ./*.sh; do
	case "$t" in ./lib.sh | ./run.sh) continue ;; esac
	# Whole names only: \b would also match xen_memory inside bench-xen_memory.
	grep -qE "^# roles:(.* )?$role( |\$)" "$t" && tests="$tests $t"
done
set -- $tests
echo "TAP version 13"
echo "1..$#"
n=0 rc=0
for t in "$@"; do
	n=$((n + 1))
	name=$(basename "$t" .sh)
	echo "# selftest: $name"
	rm -f /tmp/selftest.failed
	sh "$t" 2>&1
	r=$?
	if [ $r -eq 0 ] && [ ! -e /tmp/selftest.failed ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		rc=1
	fi
done
exit $rc
