#!/bin/sh
# timed.sh TIER COMMAND...: runs COMMAND (a make check-* tier) and records
# its wall time and exit status in build/results/TIER.time ("SECONDS RC")
# for the summary table (scripts/summary.py); exits with its status.
tier=$1
shift
results=${XENRAS_BUILD:-$(cd "$(dirname "$0")/.." && pwd)/build}/results
mkdir -p "$results"
t0=$(date +%s)
"$@"
rc=$?
echo "$(($(date +%s) - t0)) $rc" >"$results/$tier.time"
exit $rc
