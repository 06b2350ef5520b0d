#!/bin/sh
# roles: debian
# The Debian 13 dom0 as an operator runs it (scripts/qemu.py debian): the
# project's kernel and xen-ras-rs-dkms installed with apt, systemd brought
# up Xen's toolstack, rasdaemon and the modules; nothing here starts or
# loads anything. Machine checks injected from QEMU reach the operator's
# view (ras-mc-ctl --errors); a hot-added CPU reaches Xen and the
# toolstack brings it up. The clean power-off through systemd is checked by
# the harness after this script (scripts/qemu.py, role debian).
. /selftests/lib.sh
plan 17
kver=$(uname -r)
# within SECONDS command...: retry every second until it succeeds, by the
# clock (ras-mc-ctl takes seconds under TCG: lib.sh's wait_for would run it
# back to back, every 0.1 s).
within() {
	_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 1
	done
}

state=$(timeout 120 systemctl is-system-running --wait 2>&1)
diag "systemctl is-system-running: $state"
[ "$state" = running ] || diag "$(systemctl --failed --no-legend --plain 2>&1)"
check "systemd brought the system up: $state, no failed unit" [ "$state" = running ]
# Debian's Xen toolstack: xen.service (/etc/init.d/xen) starts xenstored
# and xenconsoled.
in_unit() { p=$(pidof $1 | cut -d' ' -f1); [ -n "$p" ] && grep -q "/$2\.service\$" /proc/$p/cgroup; }
check "xen.service active" systemctl -q is-active xen.service
toolstack_up() { in_unit "xenstored oxenstored" xen && in_unit xenconsoled xen; }
check "xenstored and xenconsoled run under xen.service" toolstack_up
check "rasdaemon.service active" systemctl -q is-active rasdaemon.service

out=$(dkms status 2>&1)
diag "dkms status: $out"
check "dkms status: xen-ras-rs built and installed for $kver" \
	sh -c "echo '$out' | grep -q '^xen-ras-rs/[^,]*, $kver, x86_64: installed'"
# Logged before journald ran: found by its identifier, or in the kernel log.
{ journalctl -b -o cat -t systemd-modules-load; dmesg | grep 'systemd-modules-load'; } >/tmp/modules-load.log 2>&1
diag "$(cat /tmp/modules-load.log)"
check "systemd-modules-load inserted xen_mce, xen_acpi_cpu and xen_acpi_memory at boot" \
	sh -c "grep -q \"Inserted module 'xen_mce'\" /tmp/modules-load.log &&
		grep -q \"Inserted module 'xen_acpi_cpu'\" /tmp/modules-load.log &&
		grep -q \"Inserted module 'xen_acpi_memory'\" /tmp/modules-load.log"
check "the modules loaded are DKMS's ($(modinfo -n xen_mce 2>&1))" \
	sh -c "for m in xen_mce xen_acpi_cpu xen_acpi_memory; do
			grep -q \"^\$m \" /proc/modules &&
			modinfo -n \$m | grep -Eq '^(/usr)?/lib/modules/$kver/updates/dkms/' || exit 1
		done"
# xen_acpi_memory on a kernel with CONFIG_ACPI_HOTPLUG_MEMORY (as Debian's):
# dom0 boots with acpi_no_memhotplug, as the README tells operators, and the
# module loaded to its last line (it warns on such kernels in any case: it
# cannot read the boot parameter). The machine has two DIMM slots (empty
# at boot): a DIMM is plugged below.
dmesg | grep 'xen_acpi_memory' >/tmp/memory.log
diag "$(cat /tmp/memory.log)"
check "dom0 booted with acpi_no_memhotplug" grep -qw acpi_no_memhotplug /proc/cmdline
check "xen_acpi_memory loaded: $(sed -n 's/.*xen_acpi_memory: \(handling [0-9]* memory devices\).*/\1/p' /tmp/memory.log)" \
	sh -c "grep -q 'xen_acpi_memory: handling [0-9]* memory devices;' /tmp/memory.log &&
		! grep -qiE 'xen_acpi_memory: .*(error|failed|refus)' /tmp/memory.log"

nr_cpus() { xl info 2>/dev/null | sed -n 's/^nr_cpus *: *//p'; }
n0=$(nr_cpus)
check "xl info works (Xen $(xl info 2>/dev/null | sed -n 's/^xen_version *: *//p'), nr_cpus $n0)" [ -n "$n0" ]

xenv=$(xl info 2>/dev/null | sed -n 's/^xen_version *: *//p')

# Memory hot-add: QEMU plugs a 1 GiB DIMM (Xen needs more than one whole
# 256 MiB group: README); xen_acpi_memory hands it to Xen, and the
# toolstack's view of the host grows by exactly its size.
mem_mib() { xl info 2>/dev/null | sed -n 's/^total_memory *: *//p'; }
case $xenv in
4.20.*)
	# Measured (2026-12-06, trixie's 4.20.4+63, "Xen-4.20.5-pre"): Xen
	# panics in XENPF_mem_hotadd, FATAL PAGE FAULT in memory_add() writing
	# node_data[0].node_spanned_pages (the new end pfn 0x140000), which
	# Xen's common/numa.c declares __ro_after_init: read-only after boot.
	# The whole host stops; the rebuilt 4.17 of the xen machine adds the
	# same DIMM (selftests/xen_acpi_memory.sh). Not run here.
	skip "hot-added DIMM in xl info: Xen $xenv panics in memory_add() on any memory hot-add (README)"
	;;
*)
	m0=$(mem_mib)
	deadline 120 "DIMM hot-add"
	host_request "object_add memory-backend-ram,id=m1,size=1G ; device_add pc-dimm,id=d1,memdev=m1"
	within 60 sh -c "dmesg | grep -q 'xen_acpi_memory: .*(1024 MiB) added to Xen'"
	diag "$(dmesg | grep xen_acpi_memory | tail -2)"
	check "a hot-added 1 GiB DIMM shows in xl info: total_memory $m0 -> $(mem_mib) MiB" \
		within 10 sh -c "[ \"\$(xl info | sed -n 's/^total_memory *: *//p')\" = $((m0 + 1024)) ]"
	deadline 0
	;;
esac

# rasdaemon records: its database has its tables (ras-mc-ctl --errors
# fails with "no such table: mc_event" before). trixie's 0.8.3 waits 30 s
# (under TCG here: 11 minutes) for every tracepoint the kernel lacks before
# it opens the database; the image has 0.8.4 backported from testing
# (scripts/debian/rebuild-rasdaemon.sh), which skips them.
diag "rasdaemon $(dpkg-query -W -f '${Version}' rasdaemon)"
t0=$(date +%s)
records() { ras-mc-ctl --errors >/dev/null 2>&1; }
within 120 records
check "rasdaemon records: ras-mc-ctl --errors reads its database ($(($(date +%s) - t0)) s after the system was up)" records
[ -z "$FAILED" ] || diag "$(ras-mc-ctl --errors 2>&1 | head -3; journalctl -b -o cat -u rasdaemon.service | grep -v set_event | tail -12)"

# errors_have PATTERN: ras-mc-ctl --errors (rasdaemon's database) shows it.
errors_have() { ras-mc-ctl --errors 2>/dev/null | grep -qi "$1"; }
# Corrected error, found by Xen's poller (seconds), then an SRAO (#MC).
deadline 120 "corrected error reaches ras-mc-ctl"
host_request "mce 1 1 0x9c0000400000009f 0x0 0x12345000 0x86"
check "corrected error (bank 1, status 0x9c0000400000009f) in ras-mc-ctl --errors" \
	within 90 errors_have "status=0x9c0000400000009f"
deadline 120 "SRAO reaches ras-mc-ctl"
host_request "mce -b 0 1 0xbd000000000000c0 0x5 0x60000000 0x86"
check "SRAO (status 0xbd000000000000c0) in ras-mc-ctl --errors" \
	within 60 errors_have "status=0xbd000000000000c0"
deadline 0
diag "$(ras-mc-ctl --errors 2>&1 | tail -8)"
[ -z "$FAILED" ] || diag "$(journalctl -b -o cat -u rasdaemon.service | tail -20; dmesg | grep -iE 'xen_mce|mce' | tail -10)"

# Physical CPU hot-add: socket 1 (empty) core 0, APIC ID 8 (qemu.py's
# topology: APIC ID = socket * 8 + core). xen_acpi_cpu (auto_online=N, the
# default) hands it to Xen and leaves it offline for the toolstack.
# QEMU 7.2's TCG aborts at a CPU device_add when its translation buffer has
# no free region left (README "Known limits"): "info jit" logs how full
# it is and how often it was flushed, right before the add.
deadline 150 "CPU hot-add"
host_request "info jit ; device_add Haswell-noTSX-x86_64-cpu,id=cpu8,socket-id=1,core-id=0,thread-id=0"
within 60 sh -c "dmesg | grep -q 'Xen CPU [0-9]*: left offline'"
cpu=$(dmesg | sed -n 's/.*Xen CPU \([0-9]*\): left offline.*/\1/p' | tail -1)
check "hot-added CPU reached Xen as CPU ${cpu:-none}, left offline" [ -n "$cpu" ]
case $xenv in
4.20.*)
	# Measured (2026-12-06, trixie's 4.20.4+63, "Xen-4.20.5-pre"): Xen
	# panics bringing the hot-added CPU up, a general protection fault on
	# that CPU in write_stub_trampoline (start_secondary ->
	# percpu_traps_init: the pointer to its stub page is not canonical,
	# 0xffff0600...). The whole host stops; the rebuilt 4.17 of the xen
	# machine onlines the same CPU (selftests/xen_acpi_cpu*.sh). Not run
	# here, so that the rest of this machine's cases (power-off) run.
	skip "xen-hptool cpu-online $cpu: Xen $xenv panics onlining a hot-added CPU under QEMU (README)"
	skip "xl info: nr_cpus grows: not run (cpu-online skipped)"
	;;
*)
	out=$(timeout 60 xen-hptool cpu-online "${cpu:-999}" 2>&1)
	diag "xen-hptool cpu-online $cpu: $out"
	check "xen-hptool cpu-online $cpu" sh -c "echo '$out' | grep -q 'onlined successfully'"
	check "xl info: nr_cpus $n0 -> $(nr_cpus)" within 10 sh -c "[ \"\$(xl info | sed -n 's/^nr_cpus *: *//p')\" = $((n0 + 1)) ]"
	;;
esac
deadline 0
[ -z "$FAILED" ]
