#!/bin/sh
# roles: xen
# xen_acpi_cpu end to end: QEMU hot-plugs physical CPUs into the Xen host;
# dom0's ACPI notification reaches the module, Xen gets XENPF_cpu_hotadd,
# management tools online the CPU, and a machine check on it reaches
# /dev/mcelog with the new CPU's number; eject is refused.
. /selftests/lib.sh
plan 16
R=/selftests/mcelog_read
added() { dmesg | grep -q "xen_acpi_cpu: .*added to Xen as CPU $1 (APIC ID $2"; }

# Kernel messages on the console while CPUs come and go (restored below).
echo 7 >/proc/sys/kernel/printk
check "xen_acpi_cpu loads and watches the processor objects" \
	sh -c 'insmod /lib/xenras/xen_acpi_cpu.ko && dmesg | grep -q "xen_acpi_cpu: handling [1-9][0-9]* processor objects"'
insmod /lib/xenras/xen_mce.ko
# Into the empty socket 1 (APIC ID 8: not the CPU number; Xen activates a
# new scheduler runqueue for it). xen_acpi_cpu_sockets.sh has the others.
up() { cut -d' ' -f1 /proc/uptime; }
t0=$(up)
echo "XENRAS-REQ device_add Haswell-noTSX-x86_64-cpu,id=cpu2,socket-id=1,core-id=0,thread-id=0"
if wait_for 30 added 2 8; then
	ok "device_add into a new socket: CPU present in Xen as CPU 2 (APIC ID 8) after $(echo "$(up) $t0" | awk '{ printf "%.1f", $1 - $2 }') s (bound: 30 s)"
else
	fail "device_add into a new socket: CPU present in Xen as CPU 2 (APIC ID 8) within 30 s"
fi
diag "$(dmesg | grep -iE 'xen_acpi_cpu|acpi.*(cpu|processor|lapic)' | tail -8)"
check "not online until asked (management tools decide)" [ ! -e /sys/devices/system/xen_cpu/xen_cpu2 ]
check "xen-hptool cpu-online 2" xen-hptool cpu-online 2
check "dom0 sees Xen CPU 2 online in sysfs" xen_cpu_sysfs 10 2 1

# A corrected error on the new CPU (QEMU CPU index 6: socket * 6 + core) is
# attributed to it (xen_mce refreshes its APIC ID table on the miss).
host_request "mce 6 1 0x9c0000400000009f 0x0 0x12345000 0x86"
out=$($R -w 60 -n 1)
diag "$out"
check "an MCE on the new CPU reaches /dev/mcelog as CPU 2, socket 1, APIC ID 8" \
	sh -c "echo '$out' | grep -q 'extcpu=2 socket=1 apicid=8 '"
rmmod xen_mce

check "the module says it owns processor hotplug" \
	sh -c "dmesg | grep -q 'owning ACPI processor hotplug'"
host_request "device_del cpu2"
check "device_del: eject refused with a clear log line" \
	wait_for 20 sh -c "dmesg | grep -q 'eject refused: Xen cannot hot-remove'"
# QEMU's record of the _OST the module evaluated: source 3 (eject request),
# status 0x80 (not supported), for the device cpu2 (its slot number is
# QEMU's index in the three-socket topology: 6, not 2).
host_check "_OST(3, 0x80) for device cpu2 (eject refused) ;; qmp:query-acpi-ospm-status ;; \"device\": \"cpu2\", \"source\": 3, \"status\": 128,"
check "CPU 2 still online in Xen after the refused eject" \
	sh -c 'sleep 3; grep -q 1 /sys/devices/system/xen_cpu/xen_cpu2/online'
check "unload leaves Linux's processor hotplug off (dom0: its eject would _EJ0 a CPU Xen runs on)" \
	sh -c "rmmod xen_acpi_cpu && dmesg | grep -q 'processor hotplug stays off for [1-9][0-9]* processor devices'"

# A CPU plugged in while the module is not loaded is picked up at load.
host_request "device_add Haswell-noTSX-x86_64-cpu,id=cpu3,socket-id=0,core-id=3,thread-id=0"
sleep 5
check "no module, no hot-add" sh -c '! dmesg | grep -q "added to Xen as CPU 3"'
check "load picks up the CPU plugged in meanwhile" \
	sh -c 'insmod /lib/xenras/xen_acpi_cpu.ko && dmesg | grep -q "added to Xen as CPU 3 (APIC ID 3" && rmmod xen_acpi_cpu'

# Onlining through pcpu.c's sysfs. It re-reads Xen's CPU list only on
# VIRQ_PCPU_STATE, which XENPF_cpu_hotadd does not raise: CPU 3 (added
# offline) gets its xen_cpu3 directory once another CPU changes state.
X=/sys/devices/system/xen_cpu
check "CPU 3 not yet listed by pcpu.c (no VIRQ_PCPU_STATE on hot-add)" [ ! -e $X/xen_cpu3 ]
echo 0 >$X/xen_cpu2/online
check "sysfs offline of xen_cpu2: Xen reports CPU 2 offline" xen_cpu_sysfs 10 2 0
check "the resync lists CPU 3 as xen_cpu3, offline" xen_cpu_sysfs 10 3 0
echo 1 >$X/xen_cpu3/online
echo 1 >$X/xen_cpu2/online
both_online() { xen_cpu_sysfs 10 3 1 && xen_cpu_sysfs 10 2 1; }
check "sysfs online of xen_cpu3 and xen_cpu2: Xen reports both online" both_online
diag "$(dmesg | grep 'xen_acpi_cpu: Xen CPU' | tail -3)"
echo 1 >/proc/sys/kernel/printk
# Runs after mce*.sh on purpose: QEMU raises a triple fault when a broadcast
# machine check reaches a CPU that is plugged in but was never brought up.
[ -z "$FAILED" ]
