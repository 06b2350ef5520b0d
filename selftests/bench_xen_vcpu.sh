#!/bin/sh
# roles: bench-xen_vcpu
# make bench-xen-vcpu: from `xl vcpu-set` in dom0 to the vCPU online and
# running a task in the Xen HVM guest, through xen_vcpu_hotplug and through
# Linux's native handler (plus a udev-style online), alternating in one
# guest (vcpus=1, maxvcpus=7: six adds; libxl never removes a vCPU from an
# HVM guest's device model, so every sample needs a fresh one). Timed on
# CLOCK_REALTIME in both domains (selftests/vcpu_wait.c); BENCH lines.
. /selftests/lib.sh
. /selftests/xen_hvm_lib.sh
plan $((3 + 6 + 2 + 6 + 1))
check "Xen toolstack up" toolstack_start
guest_create bench 7
echo "BENCH xen_hvm_boot create_s=$CREATE_S boot_s=$BOOT_S clock_ms=$CLOCK_MS"
i=0
while [ $i -lt 6 ]; do
	i=$((i + 1))
	do_step $i || echo "BENCH xen_vcpu driver=${drv:-unknown} cpu=${cpu:-unknown} result=fail"
done
guest_finish 6
dom0_clean
[ -z "$FAILED" ]
