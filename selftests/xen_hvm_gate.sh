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
# 10 guest cases, 3 steps, 900 s for each step and for the boot.
hvm_flow gate 4 10 3 900
