#!/bin/sh
# roles: hvm_badfw
# xen_vcpu_hotplug fed bad firmware: the hvm machine (-machine pc,
# -smp 1,maxcpus=4) plus an SSDT added through the initrd
# (scripts/acpi/bad_processors.asl) with five fake ACPI0007 processors,
# present and enabled: BMT1 no _MAT, BMT2 a 3-byte _MAT, BMT3 a _MAT of the
# wrong MADT type (I/O APIC), BMT4 a valid _MAT whose APIC ID 0x30 was never
# enumerated (acpi_map_cpu fails), BMT5 a valid _MAT naming CPU0's APIC ID.
# Linux's processor driver rejects them at boot without a WARN; the module's
# load-time scan logs one error per bad object and adds nothing; a fan in
# the same SSDT (PNP0C0B: its cooling device's cur_state runs _PS3/_PS0)
# delivers eject requests (BMT5, BMT1, BMT4) and device checks (all five)
# on demand; after all of it a real vCPU hot-add still works and the module
# unloads.
. /selftests/lib.sh
plan 16
M=/lib/xenras/xen_vcpu_hotplug.ko
# lines NUM STRING: exactly NUM xen_vcpu_hotplug log lines contain STRING.
lines() { [ "$(dmesg | grep 'xen_vcpu_hotplug: ' | grep -cF "$2")" = "$1" ]; }
# The ACPI device whose namespace path is $1, e.g. \_SB_.BMT1.
adev() {
	for a in /sys/bus/acpi/devices/*; do
		[ "$(cat "$a/path" 2>/dev/null)" = "$1" ] && { echo "$a"; return 0; }
	done
	return 1
}
no_reports() { ! dmesg | grep -qE 'BUG:|WARNING:|Oops|general protection fault|panicked'; }
cpu0_is_c000() { [ "$(cat $S/cpu0/firmware_node/path 2>/dev/null)" = '\_SB_.CPUS.C000' ]; }
# Only CPU0, as at boot, still tied to its own processor object.
only_cpu0() {
	[ "$(cat $S/present)" = 0 ] && [ "$(cat $S/online)" = 0 ] &&
		[ "$(cat $S/possible)" = 0-3 ] && cpu0_is_c000
}
# The fan's cooling device: writing cur_state runs _PS3 (0) or _PS0 (1).
fan=
for c in /sys/class/thermal/cooling_device*; do
	[ "$(cat "$c/type" 2>/dev/null)" = Fan ] && fan=$c
done

echo 7 >/proc/sys/kernel/printk
diag "$(dmesg | grep -E 'Table Upgrade|ACPI table found in initrd')"
all_there() {
	dmesg | grep -q 'Table Upgrade: install \[SSDT-XENRAS-BADPROCS\]' || return 1
	for n in 1 2 3 4 5; do adev "\\_SB_.BMT$n" >/dev/null || return 1; done
	[ -n "$fan" ]
}
check "the bad-firmware SSDT was added by the initrd table upgrade (BMT1..5 and the fan exist)" all_there

# Linux's own processor driver saw them first, at boot.
diag "$(dmesg | grep -E 'ACPI0007|lapic to logical|BIOS reported wrong')"
unbound() {
	for n in 1 2 3 4 5; do
		a=$(adev "\\_SB_.BMT$n") || return 1
		[ ! -e "$a/physical_node" ] || return 1
	done
	cpu0_is_c000
}
check "boot: the native processor driver bound none of them; CPU0 still \\_SB_.CPUS.C000" unbound
check "boot: no BUG/WARNING" no_reports

check "xen_vcpu_hotplug loads: 9 processor objects, 0 CPUs added at load" \
	sh -c "insmod $M && dmesg | grep -q 'xen_vcpu_hotplug: handling 9 processor objects, 0 CPUs added at load'"
diag "$(dmesg | grep 'xen_vcpu_hotplug: ')"
# Errors print as Error(N): this kernel has no CONFIG_SYMBOLIC_ERRNAME.
E1='\_SB_.BMT1: no usable _MAT (Error(2)): cannot tell which APIC ID to map, not added'
E2='\_SB_.BMT2: malformed _MAT [0, 8, 66]: Short { len: 3 }: not added'
E3='\_SB_.BMT3: malformed _MAT [1, 12, 67, 0, 0, 0, 192, 254, 0, 0, 0, 0]: WrongType { kind: 1 }: not added'
E4='\_SB_.BMT4: cannot map APIC ID 48 (ACPI ID 68) to a logical CPU: Error(19) (not a possible CPU at boot, or none free): not added'
check "BMT1 (no _MAT): one error line naming it" lines 1 "$E1"
check "BMT2 (3-byte _MAT): one error line with its path, bytes and reason" lines 1 "$E2"
check "BMT3 (I/O APIC entry): one error line with its path, bytes and reason" lines 1 "$E3"
check "BMT4 (APIC ID 0x30 never enumerated): one error line, acpi_map_cpu's -ENODEV" lines 1 "$E4"
# The load-time scan skips a _MAT whose APIC ID is already mapped without a
# word (only a notification logs "already present").
bmt5_load() { lines 0 '\_SB_.BMT5' && only_cpu0; }
check "BMT5 (CPU0's APIC ID): skipped at load, nothing mapped twice, CPU0 unchanged" bmt5_load

# Notifications on demand, through the fan: its _PS3 sends an eject request
# to BMT5, BMT1 and BMT4, its _PS0 a device check to all five.
[ -n "$fan" ] && [ "$(cat "$fan/cur_state")" = 1 ] && echo 0 >"$fan/cur_state"
# BMT4 has an _EJ0 that makes its _STA read 0 (see bad_processors.asl).
bmt4=$(adev '\_SB_.BMT4')
ejects() {
	lines 1 '\_SB_.BMT5: eject refused: this CPU was not added by xen_vcpu_hotplug' &&
		lines 1 '\_SB_.BMT1: eject refused: no _MAT, cannot tell which CPU it is' &&
		lines 1 '\_SB_.BMT4: ejected (no CPU of Linux behind it)' &&
		[ "$(cat "$bmt4/status" 2>/dev/null)" = 0 ] && only_cpu0
}
check "eject requests (fan _PS3): BMT5 refused (CPU0's), BMT1 refused (no _MAT), BMT4 (no CPU behind it) ejected, _STA 0" \
	wait_for 20 ejects
[ -n "$fan" ] && echo 1 >"$fan/cur_state"
again() {
	lines 1 '\_SB_.BMT5: already present as CPU0' && lines 2 "$E1" &&
		lines 2 "$E2" && lines 2 "$E3" && lines 1 "$E4" && only_cpu0
}
check "device checks on BMT1..5 (fan _PS0): one more error for BMT1-3, BMT4 (ejected) quiet, BMT5 already present as CPU0, nothing added" \
	wait_for 20 again
diag "$(dmesg | grep 'xen_vcpu_hotplug: ' | tail -9)"

# Still healthy: a real vCPU hot-add goes through.
echo "XENRAS-REQ device_add Haswell-noTSX-x86_64-cpu,id=vcpu1,socket-id=0,core-id=1,thread-id=0"
online_running() { wait_for 30 is_online 1 && runs_on 1; }
check "then device_add vcpu1: CPU1 online and running a task" online_running
check "added through its own object: \\_SB_.CPUS.C001: CPU1 hot-added (APIC ID 1)" \
	lines 1 '\_SB_.CPUS.C001: CPU1 hot-added (APIC ID 1, ACPI ID 1)'
check "the guest sees CPUs 0-1, present and online" \
	sh -c "[ \"\$(cat $S/present)\" = 0-1 ] && [ \"\$(cat $S/online)\" = 0-1 ]"
check "rmmod: CPU1 handed over (and nothing else), processor hotplug restored" \
	sh -c "rmmod xen_vcpu_hotplug && [ \$(dmesg | grep -c 'handed over') = 1 ] && dmesg | grep -q 'CPU1 handed over' && dmesg | grep -q 'processor hotplug restored'"
check "no BUG/WARNING in the kernel log" no_reports
echo 1 >/proc/sys/kernel/printk
[ -z "$FAILED" ]
