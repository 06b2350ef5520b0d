#!/bin/sh
# roles: xen
# xen_acpi_cpu on a multi-socket host (issue 17). The Xen machine has three
# sockets of six cores (scripts/qemu.py TOPOLOGY: APIC ID = socket * 8 +
# core, never the logical CPU number here). xen_acpi_cpu.sh has plugged a
# CPU into the empty socket 1 (auto_online=0, then xen-hptool) and one into
# socket 0 (picked up at load, then onlined through sysfs); here: a second
# CPU in socket 1 (auto_online=0), then with auto_online=1 a CPU in the
# empty socket 2 (Xen activates a new credit2 runqueue for it), a second
# CPU in socket 2 and a CPU in socket 0. Eight CPUs in all: Xen 4.17
# panics on a 9th hot-added CPU (README.md, "A CPU in a new socket").
# Each ends online in Xen (xen_pcpus: Xen's own XENPF_get_cpuinfo) and
# /sys/devices/system/xen_cpu agrees; dom0 keeps answering. A machine check
# on the CPU that opened socket 2 reaches /dev/mcelog with its APIC ID and
# socket. Every case has a deadline: if the host freezes, the harness
# names the case (XENRAS-DEADLINE).
. /selftests/lib.sh
plan 20
R=/selftests/mcelog_read
P=/selftests/xen_pcpus
X=/sys/devices/system/xen_cpu
A=/sys/module/xen_acpi_cpu/parameters/auto_online
# Xen CPU number of APIC ID $1 (nothing if Xen does not know it).
xcpu() { $P | sed -n "s/^cpu=\([0-9]*\) apic=$1 .*/\1/p"; }
xonline() { $P | grep -q "^cpu=$1 .* online=1\$"; }
# dom0 answers: a new process runs and the kernel has logged no stall.
answers() {
	timeout 5 true && ! dmesg | grep -qE 'soft lockup|rcu_.*stall|blocked for more than|hung_task'
}

echo 7 >/proc/sys/kernel/printk
check "xen_acpi_cpu loads (auto_online=0)" insmod /lib/xenras/xen_acpi_cpu.ko
insmod /lib/xenras/xen_mce.ko

# hotadd NAME ID SOCKET CORE AUTO: one case (4 results).
hotadd() {
	name=$1 id=$2 apic=$(($3 * 8 + $4))
	echo "$5" >$A
	deadline 150 "$name"
	t0=$(cat /proc/uptime | cut -d' ' -f1)
	host_request "device_add Haswell-noTSX-x86_64-cpu,id=$id,socket-id=$3,core-id=$4,thread-id=0"
	if wait_for 30 sh -c "[ -n \"\$($P | grep ' apic=$apic ')\" ]"; then
		cpu=$(xcpu $apic)
		ok "$name (auto_online=$5): present in Xen as CPU $cpu, APIC ID $apic"
	else
		cpu=none
		fail "$name (auto_online=$5): APIC ID $apic present in Xen within 30 s"
	fi
	if [ "$5" = 0 ]; then
		# Left offline: the operator's tool brings it online.
		wait_for 10 sh -c "dmesg | grep -q 'Xen CPU $cpu: left offline'"
		! xonline $cpu && timeout 30 xen-hptool cpu-online $cpu >/dev/null
	fi
	check "$name (auto_online=$5): CPU $cpu online in Xen within 30 s" wait_for 30 xonline $cpu
	t1=$(cat /proc/uptime | cut -d' ' -f1)
	check "$name (auto_online=$5): xen_cpu$cpu online in sysfs" xen_cpu_sysfs 10 $cpu 1
	check "$name (auto_online=$5): dom0 answers ($(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }') s to online)" answers
	deadline 0
}

hotadd "second CPU of socket 1" cpu9 1 1 0
hotadd "new socket 2" cpu16 2 0 1
s2=$cpu
hotadd "second CPU of socket 2" cpu17 2 1 1
hotadd "existing socket 0" cpu4 0 4 1
diag "$($P | tr '\n' ' ')"

# Every CPU Xen has is online, and pcpu.c's sysfs says the same of each
# (but CPU 0, whose online file pcpu.c hides: Xen never offlines it).
agree() {
	$P >/tmp/pcpus && ! grep -q online=0 /tmp/pcpus || return 1
	while read -r c _ _ o; do
		[ "${c#cpu=}" = 0 ] && continue
		[ "$(cat $X/xen_cpu${c#cpu=}/online 2>/dev/null)" = "${o#online=}" ] ||
			{ diag "xen_cpu${c#cpu=}/online: $(cat $X/xen_cpu${c#cpu=}/online 2>&1), Xen: $o"; return 1; }
	done </tmp/pcpus
}
check "all $($P | wc -l) Xen CPUs online, /sys/devices/system/xen_cpu agrees" agree

# A corrected error on the CPU that opened socket 2 (QEMU CPU index =
# socket * 6 + core: 12) carries its Xen CPU number, socket and APIC ID.
deadline 90 "machine check on socket 2"
host_request "mce 12 1 0x9c0000400000009f 0x0 0x12346000 0x86"
out=$($R -w 60 -n 1)
diag "$out"
check "an MCE on APIC ID 16 reaches /dev/mcelog as CPU $s2, socket 2, APIC ID 16" \
	sh -c "echo '$out' | grep -q 'extcpu=$s2 socket=2 apicid=16 '"
deadline 0
rmmod xen_mce
check "xen_acpi_cpu unloads" rmmod xen_acpi_cpu
echo 1 >/proc/sys/kernel/printk
[ -z "$FAILED" ]
