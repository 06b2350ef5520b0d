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
# 18 guest cases, 8 steps; 1800 s for the toolstack and the guest's boot
# (guest_create itself waits up to 1500 s for its init) and for each step.
hvm_flow check 7 18 8 1800
