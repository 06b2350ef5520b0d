#!/bin/sh
# roles: xen_hvm
# A real Xen HVM guest under Xen 4.17 (QEMU TCG with nested SVM): dom0
# starts Xen's toolstack (xenstored, xenconsoled), `xl create`s an HVM
# guest (hvmloader, SeaBIOS, Debian's qemu-system-xen as device model,
# direct kernel boot of the project's kernel, vcpus=1, maxvcpus=7) and
# drives vCPU hotplug with `xl vcpu-set` while the guest
# (selftests/xen_hvm_guest.sh) checks each step through Xen's own ACPI
# tables: 2, 3, 4 through xen_vcpu_hotplug; back to 1 (what the device
# model and the guest do: nothing, see the guest script); unload, reload,
# 5 through the reloaded module; 6, 7 through Linux's native handler;
# back to 1 again. The guest's cases are relayed here ("guest: ..."); the
# last case checks that no dom0 program crashed meanwhile.
. /selftests/lib.sh
. /selftests/xen_hvm_lib.sh
GUEST_PLAN=18
STEPS=8
plan $((3 + STEPS + 2 + GUEST_PLAN + 1))
deadline 1800 "toolstack and guest boot"
check "Xen toolstack up: xenstored, xen-init-dom0, xenconsoled; xl lists Domain-0" toolstack_start
[ -z "$FAILED" ] || toolstack_diag
guest_create check 7
deadline 0
i=0
while [ $i -lt $STEPS ]; do
	i=$((i + 1))
	deadline 1000 "guest step $i"
	do_step $i
done
deadline 0
guest_finish $GUEST_PLAN
dom0_clean
[ -n "$BOOT_S" ] && metric xen_hvm_boot_s=${BOOT_S%.*}
[ -z "$FAILED" ]
