#!/bin/sh
# roles: xen xen420
# The Xen host really is a Xen dom0.
. /selftests/lib.sh
plan 2
check "/proc/xen/capabilities says control_d" grep -q control_d /proc/xen/capabilities
check "CPU reports mce and mca" sh -c "grep -qw mce /proc/cpuinfo && grep -qw mca /proc/cpuinfo"
[ -z "$FAILED" ]
