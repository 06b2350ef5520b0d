#!/bin/sh
# roles: xen_hvm_gate
# make check's bounded run of the xen_hvm machine (issue 16; the whole
# flow is xen_hvm_vcpu.sh, make check-xen-hvm): the same dom0, toolstack
# and HVM guest, with maxvcpus=4 and no idle waits: `xl vcpu-set` 2 and 3
# through xen_vcpu_hotplug, unload and reload, 4 through Linux's native
# handler (selftests/xen_hvm_guest.sh, "gate"). The guest's cases are
# relayed here; the last case checks that no dom0 program crashed.
. /selftests/lib.sh
. /selftests/xen_hvm_lib.sh
GUEST_PLAN=10
STEPS=3
plan $((3 + STEPS + 2 + GUEST_PLAN + 1))
deadline 900 "toolstack and guest boot"
check "Xen toolstack up: xenstored, xen-init-dom0, xenconsoled; xl lists Domain-0" toolstack_start
[ -z "$FAILED" ] || toolstack_diag
guest_create gate 4
deadline 0
i=0
while [ $i -lt $STEPS ]; do
	i=$((i + 1))
	deadline 600 "guest step $i"
	do_step $i
done
deadline 0
guest_finish $GUEST_PLAN
dom0_clean
[ -n "$BOOT_S" ] && metric xen_hvm_boot_s=${BOOT_S%.*}
[ -z "$FAILED" ]
