#!/bin/sh
# Sourced by the xen_hvm machine's dom0 selftests (no roles line): Xen's
# toolstack in the busybox dom0, one HVM guest started with `xl create`,
# and the guest's console log, which xenconsoled writes to a file.
X=/usr/lib/xen-4.17/bin
# The guest's console is Xen's PV console (hvc0), logged by xenconsoled:
# its emulated serial port costs a device-model round trip per byte.
GLOG=/var/log/xen/console/guest-guest.log
GUEST=guest
now() { /selftests/vcpu_wait now; }
# ms A B: (B - A) in milliseconds, for realtime stamps.
ms() { echo "$1 $2" | awk '{ printf "%.1f", ($2 - $1) * 1000 }'; }

# xenstored (C), dom0's xenstore entries, xenconsoled: what xencommons
# starts on a Debian dom0.
toolstack_start() {
	mkdir -p /var/run/xen /var/run/xenstored /var/lib/xen /var/lib/xenstored /var/log/xen /var/lock /etc/xen
	$X/xenstored --pid-file=/var/run/xenstored.pid >/tmp/xenstored.out 2>&1 || return 1
	wait_for 30 test -S /var/run/xenstored/socket || return 1
	$X/xen-init-dom0 >/tmp/xen-init-dom0.out 2>&1 || return 1
	mkdir -p /var/log/xen/console
	$X/xenconsoled --pid-file=/var/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console \
		>/tmp/xenconsoled.out 2>&1 || return 1
	xl list >/tmp/xl-list.out 2>&1 && grep -q Domain-0 /tmp/xl-list.out
}

# guest_config MODE MAXVCPUS: the guest's xl config (direct kernel boot:
# the project's main kernel and an initramfs with xen_vcpu_hotplug).
# noxsave: Xen 4.17 answers the guest's CPUID[0xD,0].EBX (the XSAVE area
# size for the enabled features) from the CPU it runs on, here QEMU's TCG
# with whatever XCR0 is loaded there. Measured in both runs that got the
# guest's log out (with Xen's lazy and eager FPU switching), the guest's 6.12
# logs "XSAVE consistency problem:
# size 832 != kernel_size 576" with a WARNING from
# paranoid_xstate_size_valid() and then disables XSAVE for itself
# (fpu__init_disable_system_xstate). noxsave takes that path from the start,
# without the WARNING (which fails the guest's log check). Upstream Xen
# computes the size from the vCPU's XCR0 since "x86/cpuid: Fix handling of
# xsave dynamic leaves" (2024).
# tsc_mode native: under TCG the CPU has no invariant TSC, so Xen would
# emulate the guest's TSC and intercept every RDTSC/RDTSCP (measured: the
# guest kernel then crawled, both CPUs inside Xen, no serial output
# 280 s after it started).
guest_config() {
	cat <<EOF
type = "hvm"
name = "$GUEST"
memory = 256
vcpus = 1
maxvcpus = $2
kernel = "/guest/bzImage"
ramdisk = "/guest/initrd.gz"
cmdline = "console=hvc0 quiet log_buf_len=1M noxsave xenras.guest=$1"
vnc = 0
sdl = 0
vga = "none"
tsc_mode = "native"
vkb_device = 0
on_poweroff = "destroy"
on_reboot = "preserve"
on_crash = "preserve"
EOF
}

# The guest's console log without carriage returns.
glog() { [ -e $GLOG ] && tr -d '\r' <$GLOG; }
# The guest domain is gone (powered off: on_poweroff destroys it, and
# libxl then ends its device model). A guest that reboots or crashes
# (Xen turns a triple fault into a reboot: issue 16) is kept shut down
# (on_reboot, on_crash "preserve") until guest_postmortem has read it,
# then destroyed.
guest_gone() {
	pidof xen-qemu-system-i386 >/dev/null || return 0
	# Its log ended: the guest is powering off, libxl destroys it.
	glog | grep -q '^GUEST-DMESG-END' && return 1
	case $(xl list 2>/dev/null | awk -v g="$GUEST" '$1 == g { print $5 }') in
	*s* | *c*) guest_postmortem ;;
	esac
	! pidof xen-qemu-system-i386 >/dev/null
}
# guest_postmortem: once, for a guest kept after a reboot or crash: why
# (Xen's log), each vCPU's registers and stack as Xen kept them (xenctx;
# symbols from the guest kernel's System.map: the kernel has no KASLR) and
# its HVM context (xen-hvmctx: CPU, LAPIC, ...); then the domain is
# destroyed. A guest that powered off is destroyed by libxl itself.
guest_postmortem() {
	_d=$(xl domid $GUEST 2>/dev/null) || return
	# On stderr: callers run guest_gone inside gwait, whose stdout is
	# captured or discarded.
	if [ ! -e /tmp/guest.postmortem ]; then
		: >/tmp/guest.postmortem
		{
			diag "== guest domain $_d shut down: $(xl dmesg | grep "d$_d" | tail -3 | tr '\n' ' ')"
			for v in $(xl vcpu-list $GUEST 2>/dev/null | awk 'NR > 1 { print $3 }'); do
				diag "== xenctx $_d $v"
				diag "$(/usr/lib/xen-4.17/bin/xenctx -a -S -s /guest/System.map $_d $v 2>&1 | head -60)"
			done
			diag "== xen-hvmctx $_d"
			diag "$(/usr/lib/xen-4.17/bin/xen-hvmctx $_d 2>&1 | head -400)"
			# Every vCPU's VMCB as Xen holds it (CR2, CR3, nested CR3,
			# EFER, exit_int_info, event_inj): on Xen's console.
			xl debug-keys v 2>/dev/null
		} >&2
	fi
	xl destroy $GUEST 2>/dev/null
}
# gwait SECONDS REGEX: wait for a guest line; prints the first match.
# Gives up early once the domain is gone (checked every 5 s).
gwait() {
	_t=$(($1 * 5))
	while [ $_t -gt 0 ]; do
		_l=$(glog | grep -m 1 -E "$2") && { echo "$_l"; return 0; }
		[ $((_t % 25)) = 0 ] && guest_gone && ! glog | grep -q -E "$2" && return 1
		sleep 0.2
		_t=$((_t - 1))
	done
	return 1
}
# The n-th GUEST-STEP line (1-based), waiting up to SECONDS.
gstep() {
	_t=$(($2 * 5))
	while [ $_t -gt 0 ]; do
		_l=$(glog | grep '^GUEST-STEP' | sed -n "$1p")
		[ -n "$_l" ] && { echo "$_l"; return 0; }
		glog | grep -q '^GUEST-END' && return 1
		[ $((_t % 25)) = 0 ] && guest_gone && return 1
		sleep 0.2
		_t=$((_t - 1))
	done
	return 1
}
# QMP query to the guest's device model (libxl's socket, free between
# libxl's own calls): prints the JSON answer.
dm_qmp() {
	_d=$(xl domid $GUEST 2>/dev/null) || return 1
	printf '{"execute":"qmp_capabilities"}\n{"execute":"%s"}\n' "$1" |
		socat -t 5 - UNIX-CONNECT:/var/run/xen/qmp-libxl-$_d 2>&1 | tail -1
}
# Debug output when something went wrong: the toolstack's and the device
# model's logs, Xen's console ring.
toolstack_diag() {
	for f in /tmp/xenstored.out /tmp/xen-init-dom0.out /tmp/xenconsoled.out /tmp/xl-create.out /var/log/xen/*; do
		[ -s "$f" ] && diag "== $f" && diag "$(tail -40 "$f")"
	done
	diag "== xl list"
	diag "$(xl list 2>&1)"
	diag "== xl dmesg (tail)"
	diag "$(xl dmesg 2>&1 | tail -40)"
}

# guest_create MODE MAXVCPUS: xl create, then wait for the guest's init.
# Two cases (create, boot); sets BOOT_S, CREATE_S, CLOCK_MS (the guest's
# realtime at its first line against dom0's when dom0 read it: the clock
# offset plus up to ~0.3 s of polling and log delay).
guest_create() {
	guest_config "$1" "$2" >/tmp/guest.cfg
	rm -f $GLOG
	t0=$(now)
	if xl create /tmp/guest.cfg >/tmp/xl-create.out 2>&1; then
		CREATE_S=$(echo "$t0 $(now)" | awk '{ printf "%.1f", $2 - $1 }')
		ok "xl create of an HVM guest (vcpus=1, maxvcpus=$2, direct kernel boot) returned in $CREATE_S s"
	else
		fail "xl create of an HVM guest"
		diag "$(cat /tmp/xl-create.out)"
	fi
	if l=$(gwait 1500 '^GUEST-BEGIN'); then
		t1=$(now)
		BOOT_S=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
		CLOCK_MS=$(ms "$(echo "$l" | sed 's/.* rt=\([0-9.]*\).*/\1/')" "$t1")
		ok "guest reached its init $BOOT_S s after xl create (guest uptime then: $(echo "$l" | sed 's/.*uptime=//') s)"
		diag "dom0 read the guest's first line $CLOCK_MS ms after the guest's own realtime stamp in it (clock offset + log delay)"
	else
		fail "guest reached its init within 1500 s of xl create"
		diag "guest serial log (tail): $(glog | tail -30)"
		toolstack_diag
		xl debug-keys q 2>/dev/null
		sleep 2
		diag "$(xl dmesg 2>&1 | tail -60)"
		# The steps that follow then fail at once.
		xl destroy $GUEST 2>/dev/null
	fi
}

# do_step N: waits for the guest's N-th GUEST-STEP and performs it:
# "add K driver=D": xl vcpu-set K, then waits for the guest's line for CPU
# K-1 and sets VCPUSET_MS, ONLINE_MS, PRESENT_MS, SEEN_MS (from just
# before xl vcpu-set, on dom0's realtime clock; also printed as a BENCH
# line, which the harness keeps in build/results/TAG.bench); "remove K ...": xl
# vcpu-set K and records what Xen, xenstore and the device model show.
# One case; sets STEP (the step line).
do_step() {
	if ! STEP=$(gstep "$1" 900); then
		fail "guest step $1: never asked for (guest log tail: $(glog | tail -3 | tr '\n' '|'))"
		return 1
	fi
	set -- $(echo "$STEP" | sed 's/^GUEST-STEP //')
	op=$1 k=$2 drv=${3#driver=}
	# Control runs (make check-xen-hvm-control, issue 16's triple fault)
	# leave parts of a removal step out; the guest idles as long:
	# XENRAS_HVM_REMOVE=0 all of it, =query the `xl vcpu-set` (xenstore
	# and the device model are still queried), =xl the queries.
	ctl=${XENRAS_HVM_REMOVE:-1}
	if [ "$op" = remove ] && [ "$ctl" = 0 ]; then
		skip "control run: xl vcpu-set $k ($drv) not run, the guest idles as long"
		return 0
	fi
	t0=$(now)
	rc=0
	# --ignore-host: more vCPUs than the 2 physical CPUs is the point here.
	[ "$op" = remove ] && [ "$ctl" = query ] ||
		xl vcpu-set --ignore-host $GUEST "$k" >/tmp/vcpu-set.out 2>&1 || rc=$?
	t1=$(now)
	VCPUSET_MS=$(ms "$t0" "$t1")
	if [ "$op" = remove ] && [ "$ctl" = xl ]; then
		skip "control run: xl vcpu-set $k ($drv) returned $rc in $VCPUSET_MS ms; xenstore and the device model not queried"
		return 0
	fi
	if [ "$op" = remove ]; then
		# At once: the guest powers off REMOVE_WAIT s after asking
		# (xen_hvm_guest.sh); xl has written xenstore when it returns.
		d=$(xl domid $GUEST)
		avail=$(for i in 1 2 3 4 5 6; do printf '%s ' "$(xenstore-read /local/domain/$d/cpu/$i/availability 2>/dev/null)"; done)
		qcpus=$(dm_qmp query-cpus-fast | grep -o '"cpu-index"' | wc -l)
		diag "after xl vcpu-set $k: xenstore cpu/1-6/availability: $avail; QEMU's query-cpus-fast lists $qcpus CPUs"
		diag "xl vcpu-list: $(xl vcpu-list $GUEST 2>&1 | tr -s ' ' | tr '\n' '|')"
		if [ "$ctl" = query ]; then
			skip "control run: xl vcpu-set $k ($drv) not run; xenstore and the device model queried as after it"
		elif [ $rc = 0 ] && echo "$avail" | grep -q '^offline ' && [ "$qcpus" -gt 1 ]; then
			ok "xl vcpu-set $k ($drv): returned in $VCPUSET_MS ms; xenstore says offline, the device model keeps its $qcpus CPUs (libxl sends no device_del)"
		else
			fail "xl vcpu-set $k ($drv): rc $rc, availability '$avail', QEMU CPUs $qcpus"
			diag "$(cat /tmp/vcpu-set.out)"
		fi
		return 0
	fi
	cpu=$((k - 1))
	if [ $rc != 0 ]; then
		fail "xl vcpu-set $k ($drv) failed: $(cat /tmp/vcpu-set.out | tr '\n' ' ')"
		return 1
	fi
	if l=$(gwait 900 "^GUEST-ONLINE cpu=$cpu "); then
		t2=$(now)
		SEEN_MS=$(ms "$t0" "$t2")
		# The guest's realtime is not dom0's (measured: seconds apart), so
		# the end-to-end figure is when dom0 read the guest's line (an upper
		# bound: console ring, xenconsoled, 0.2 s polling); the guest's own
		# clock gives present -> online.
		P2O_MS=$(ms "$(echo "$l" | sed 's/.*present_rt=\([0-9.]*\).*/\1/')" "$(echo "$l" | sed 's/.*online_rt=\([0-9.]*\).*/\1/')")
		case $l in
		*result=ok*)
			ok "xl vcpu-set $k ($drv): returned in $VCPUSET_MS ms; CPU$cpu online and running a task in the guest, dom0 read that $SEEN_MS ms after the request (guest clock: present -> online $P2O_MS ms)"
			echo "BENCH xen_vcpu driver=$drv cpu=$cpu vcpuset_ms=$VCPUSET_MS seen_ms=$SEEN_MS present_to_online_ms=$P2O_MS result=ok"
			return 0
			;;
		esac
		fail "xl vcpu-set $k ($drv): CPU$cpu not online in the guest: $l"
	else
		fail "xl vcpu-set $k ($drv): no word from the guest about CPU$cpu in 900 s"
	fi
	diag "guest serial log (tail): $(glog | tail -20)"
	return 1
}

# dom0_clean: no dom0 program died of a fault during the run. Measured
# (issue 16) before `spec-ctrl=eager-fpu` on Xen's command line: busybox
# applets forked by this script died at one instruction of glibc's
# __ctype_init (a TLS pointer read as garbage: "segfault at 70657267", the
# bytes of "grep"), 14 of them in one run, 7-83 s apart while the guest
# ran. One case.
dom0_clean() {
	dmesg | grep -E 'segfault at|traps: .*(general protection|trap )|invalid opcode' >/tmp/dom0.crashes
	if [ -s /tmp/dom0.crashes ]; then
		fail "dom0: $(wc -l </tmp/dom0.crashes) programs died of a fault during the run"
		diag "$(head -5 /tmp/dom0.crashes)"
		return 1
	fi
	ok "dom0: no program died of a fault during the run (kernel log: no segfault or trap)"
}

# guest_finish PLAN: waits for the guest to end; relays its cases (PLAN of
# them, missing ones fail); checks its kernel log arrived whole and clean;
# copies its serial log into dom0's console (the harness scans it too).
# 2 + PLAN cases.
guest_finish() {
	if gwait 600 '^GUEST-DMESG-END' >/dev/null && wait_for 60 guest_gone; then
		ok "guest finished ($(glog | grep -m 1 '^GUEST-END')) and powered off (domain gone)"
	else
		fail "guest finished and powered off within 600 s"
		xl destroy $GUEST 2>/dev/null
	fi
	glog | grep -E '^    (not )?ok [0-9]+ ' >/tmp/guest.cases
	i=0
	while [ $i -lt "$1" ]; do
		i=$((i + 1))
		l=$(grep -E "^    (not )?ok $i " /tmp/guest.cases | head -1)
		case $l in
		"    ok "*) ok "guest: ${l#*- }" ;;
		"    not ok "*) fail "guest: ${l#*- }" ;;
		*) fail "guest: case $i missing" ;;
		esac
	done
	glog | sed -n '/^GUEST-DMESG-BEGIN/,/^GUEST-DMESG-END/p' | sed '1d;$d' >/tmp/guest.dmesg
	n=$(glog | sed -n 's/^GUEST-DMESG-END lines=//p')
	bad=$(grep -E 'BUG: |WARNING: |Oops|general protection fault|panicked at|rust_panic' /tmp/guest.dmesg | head -3)
	if [ -n "$n" ] && [ "$(wc -l </tmp/guest.dmesg)" = "$n" ] && head -1 /tmp/guest.dmesg | grep -q '^\[ *0\.000000\] Linux version' && [ -z "$bad" ]; then
		ok "guest kernel log whole ($n lines from boot), no bug, warning or oops report in it"
	else
		fail "guest kernel log whole and clean (announced ${n:-none}, got $(wc -l </tmp/guest.dmesg)): $bad"
	fi
	echo "XENRAS-GUEST-LOG-BEGIN"
	glog | sed 's/^/    # guest| /'
	echo "XENRAS-GUEST-LOG-END"
}

# hvm_flow MODE MAXVCPUS GUEST_PLAN STEPS DEADLINE: one selftest's whole
# dom0 side: plan, toolstack, `xl create` of a guest running the MODE flow
# of xen_hvm_guest.sh, its STEPS steps (DEADLINE s each, and for the
# toolstack plus the guest's boot), its GUEST_PLAN cases relayed, dom0's
# crash check. 3 + STEPS + 2 + GUEST_PLAN + 1 cases.
hvm_flow() {
	plan $((3 + $4 + 2 + $3 + 1))
	deadline "$5" "toolstack and guest boot"
	check "Xen toolstack up: xenstored, xen-init-dom0, xenconsoled; xl lists Domain-0" toolstack_start
	[ -z "$FAILED" ] || toolstack_diag
	guest_create "$1" "$2"
	deadline 0
	_i=0
	while [ $_i -lt "$4" ]; do
		_i=$((_i + 1))
		deadline "$5" "guest step $_i"
		do_step $_i
	done
	deadline 0
	guest_finish "$3"
	dom0_clean
	[ -n "$BOOT_S" ] && metric xen_hvm_boot_s=${BOOT_S%.*}
	[ -z "$FAILED" ]
}
