#!/bin/sh
# roles: xen_badfw
# xen_acpi_memory fed bad firmware: the xen machine plus, in dom0 only, an
# SSDT added through the initrd (scripts/acpi/bad_memory.asl) with ten
# memory devices (PNP0C80), present and enabled: BMM1 no _CRS, BMM2 a _CRS
# that is an Integer, BMM3 a descriptor cut short, BMM4 no end tag, BMM5 a
# zero-length range, BMM6 1 GiB at 2^50 (above the address width), BMM7
# 1 GiB at 64 GiB with _PXM 5 (outside every SRAT range), BMM8 a range not
# 2 MiB-aligned, BMM9 no memory range, BMMA a range past 2^64. The
# load-time scan logs one clear line for each, with its ACPI path; Xen
# refuses what it is asked and stays healthy; a fan in the same SSDT
# delivers an eject request (BMM6) and device checks (all ten) on demand,
# answered with _OST 0x80 and 1; a real DIMM still goes in afterwards.
. /selftests/lib.sh
plan 17
P=/selftests/xen_physinfo
total() { $P | sed -n 's/.*total_pages=\([0-9]*\).*/\1/p'; }
# lines NUM STRING: exactly NUM xen_acpi_memory log lines contain STRING.
lines() { [ "$(dmesg | grep 'xen_acpi_memory: ' | grep -cF "$2")" = "$1" ]; }
no_reports() { ! dmesg | grep -qE 'BUG:|WARNING:|Oops|general protection fault|panicked'; }
fan=
for c in /sys/class/thermal/cooling_device*; do
	[ "$(cat "$c/type" 2>/dev/null)" = Fan ] && fan=$c
done

echo 7 >/proc/sys/kernel/printk
check "the bad-memory SSDT was added by dom0's initrd table upgrade (and the fan exists)" \
	sh -c "dmesg | grep -q 'Table Upgrade: install \[SSDT-XENRAS- *BADMEM\]' && [ -n '$fan' ]"
check "boot: no BUG/WARNING (Linux's own ACPI and PNP code saw them first)" no_reports
t0=$(total)
check "xen_acpi_memory loads: 14 memory devices (4 DIMM slots + 10 bad), 10 present, nothing added" \
	sh -c "insmod /lib/xenras/xen_acpi_memory.ko && dmesg | grep -q 'handling 14 memory devices; at load 10 present: 0 ranges added to Xen, 0 already Xen.s, 10 not added'"
diag "$(dmesg | grep 'xen_acpi_memory: ')"
E1='\_SB_.BMM1: no usable _CRS: memory not added: at load, no _OST'
E2='\_SB_.BMM2: no usable _CRS: memory not added: at load, no _OST'
E3='\_SB_.BMM3: malformed _CRS (Truncated { offset: 0 }): memory not added: at load, no _OST'
E4='\_SB_.BMM4: malformed _CRS (NoEndTag): memory not added: at load, no _OST'
E5='\_SB_.BMM5: malformed _CRS (ZeroLength { offset: 0 }): memory not added: at load, no _OST'
E6='\_SB_.BMM6: memory [0x4000000000000-0x400003fffffff] (1024 MiB) not added at load: Xen refused XENPF_mem_hotadd(pfn 0x4000000000-0x4000040000, PXM 0): error -22'
E7='\_SB_.BMM7: memory [0x1000000000-0x103fffffff] (1024 MiB) not added at load: Xen refused XENPF_mem_hotadd(pfn 0x1000000-0x1040000, PXM 5): error -22'
E8='\_SB_.BMM8: memory [0x800001000-0x810000fff] (256 MiB) not added: not 2 MiB-aligned'
E9='\_SB_.BMM9: _CRS has no memory range: nothing added: at load, no _OST'
EA='\_SB_.BMMA: malformed _CRS (Overflow { offset: 0 }): memory not added: at load, no _OST'
no_crs() { lines 1 "$E1" && lines 1 "$E2"; }
check "BMM1 (no _CRS), BMM2 (Integer _CRS): one line each naming it" no_crs
malformed() { lines 1 "$E3" && lines 1 "$E4" && lines 1 "$E5" && lines 1 "$EA"; }
check "BMM3 (cut short), BMM4 (no end tag), BMM5 (zero length), BMMA (past 2^64): one line each with the reason" \
	malformed
check "BMM6 (above the address width): asked, Xen refused (EINVAL), one line" lines 1 "$E6"
check "BMM7 (outside SRAT, PXM 5): asked, Xen refused (EINVAL), one line" lines 1 "$E7"
check "Xen says why for BMM7 (its console: not NUMA-valid)" sh -c "$P -c | grep -q 'not NUMA-valid'"
diag "$($P -c | grep -i 'NUMA-valid\|memory_add\|SRAT: Too many')"
check "BMM8 (not 2 MiB-aligned): not asked, one line" lines 1 "$E8"
check "BMM9 (no memory range): one line" lines 1 "$E9"
check "Xen's memory unchanged: $t0 -> $(total) pages" [ "$(total)" = "$t0" ]

# Notifications on demand, through the fan: _PS3 sends an eject request to
# BMM6, _PS0 a device check to all ten.
[ -n "$fan" ] && [ "$(cat "$fan/cur_state")" = 1 ] && echo 0 >"$fan/cur_state"
check "eject request (fan _PS3) on BMM6: refused, _OST 0x80" \
	wait_for 20 lines 1 '\_SB_.BMM6: eject refused: Xen cannot hot-remove memory: _OST 0x80'
[ -n "$fan" ] && echo 1 >"$fan/cur_state"
check "device checks on all ten (fan _PS0): each refused again with _OST 1, with its path" \
	wait_for 30 sh -c "[ \$(dmesg | grep 'xen_acpi_memory: ' | grep -c ': _OST 0x1\$') -ge 10 ]"
diag "$(dmesg | grep 'xen_acpi_memory: ' | grep '_OST' | tail -12)"
check "Xen's memory still unchanged: $(total) pages" [ "$(total)" = "$t0" ]

# Still healthy: a real DIMM goes in.
host_request "object_add memory-backend-ram,id=m1,size=1G ; device_add pc-dimm,id=d1,memdev=m1"
check "then a real 1 GiB DIMM: added" \
	wait_for 30 sh -c "dmesg | grep -q 'MP00: memory \[0x100000000-0x13fffffff\] (1024 MiB) added to Xen'"
check "Xen's total memory grew by exactly 1 GiB" [ $(($(total) - t0)) -eq 262144 ]
check "the module unloads; no BUG/WARNING in the kernel log" sh -c "rmmod xen_acpi_memory && ! dmesg | grep -qE 'BUG:|WARNING:|Oops|general protection fault|panicked'"
echo 1 >/proc/sys/kernel/printk
[ -z "$FAILED" ]
