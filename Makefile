# SPDX-License-Identifier: GPL-2.0
#
# xen-ras-rs. `make` builds the four modules; `make check` runs every test
# tier; `make run` boots the Xen host demo. See README.md.
#
# KDIR: a configured, built Rust-enabled kernel tree. Default: the project's
# own (built by scripts/build-kernel.sh into build/).

TOP := $(CURDIR)
BUILD ?= $(TOP)/build
DEFAULT_KDIR := $(BUILD)/linux-source-6.12
KDIR ?= $(DEFAULT_KDIR)
export PATH := /usr/lib/llvm-19/bin:$(PATH)
BINDGEN ?= $(shell command -v bindgen || echo $(HOME)/.cargo/bin/bindgen)
KMAKE = $(MAKE) -C $(KDIR) M=$(TOP) LLVM=1 RUSTC=/usr/bin/rustc \
	RUSTFMT=/usr/bin/rustfmt CLIPPY_DRIVER=/usr/bin/clippy-driver BINDGEN=$(BINDGEN)
MODULES := xen_mce xen_acpi_cpu xen_acpi_memory xen_vcpu_hotplug

.PHONY: all modules deps kernel xen initramfs check check-host check-build clippy fmt-check fuzz \
	check-debug check-debug-xen check-debug-hvm \
	check-qemu check-xen check-xen420 xen420 check-xen-badfw check-hvm check-hvm-legacy check-hvm-badfw bench-vcpu run bench clean distclean fmt \
	xen-hvm-initramfs check-xen-hvm check-xen-hvm-gate check-xen-hvm-control bench-xen-vcpu check-xen-nativemem upstream-mcelog \
	deb debian-rootfs check-debian

all: modules

deps:
	@bash scripts/install-deps.sh

ifeq ($(KDIR),$(DEFAULT_KDIR))
kernel: deps
	@bash scripts/build-kernel.sh
else
kernel:
	@test -f $(KDIR)/rust/kernel.o || { echo "KDIR=$(KDIR) has no Rust build"; exit 1; }
endif

xen: deps
	@bash scripts/build-xen.sh

modules: kernel
	$(KMAKE) modules
	@ls -1 $(addsuffix .ko,$(MODULES))

# Same build through clippy-driver: kernel lint set, warnings are errors.
clippy: kernel
	$(KMAKE) CLIPPY=1 clean >/dev/null
	$(KMAKE) CLIPPY=1 modules
	$(KMAKE) clean >/dev/null

fmt:
	rustfmt --edition 2021 $(shell git ls-files '*.rs')

fmt-check:
	rustfmt --edition 2021 --check $(shell git ls-files '*.rs')

initramfs: modules
	@bash scripts/build-initramfs.sh

check-host:
	python3 scripts/host_tests.py
	python3 scripts/qemu.py --self-test
	bash scripts/test-cache-keys.sh

check-build: clippy modules fmt-check

check-xen: xen initramfs
	python3 scripts/qemu.py xen --mode check

# The same dom0 under Debian 13's stock Xen 4.20 (downloaded, cached).
xen420: deps
	@bash scripts/fetch-xen-4.20.sh

check-xen420: xen420 initramfs
	python3 scripts/qemu.py xen420 --mode check

# Debian 13 "trixie" as a Xen host operator runs it (issue 15): the
# project's main kernel and xen-ras-rs-dkms as Debian packages
# (build/deb/), a trixie root filesystem with them installed by apt (DKMS
# builds the modules there), booted as dom0 under trixie's stock Xen 4.20;
# systemd brings everything up and runs selftests/debian.sh.
deb: deps
	@bash scripts/build-debs.sh

debian-rootfs: deb
	@bash scripts/build-debian-rootfs.sh image

check-debian: xen420 debian-rootfs
	python3 scripts/qemu.py debian --mode check

check-hvm: initramfs
	python3 scripts/qemu.py hvm --mode check

# The legacy PIIX4 CPU hotplug interface Xen HVM guests see (hot-add only).
check-hvm-legacy: initramfs
	python3 scripts/qemu.py hvm_legacy --mode check

# The hvm machine with an extra SSDT of broken processor objects
# (scripts/acpi/bad_processors.asl): errors logged, nothing crashes.
check-hvm-badfw: initramfs
	python3 scripts/qemu.py hvm_badfw --mode check

# A real Xen HVM guest (issue 16): Xen 4.17 under TCG on an AMD model with
# nested SVM, dom0 = the main kernel (its debian.config half: gntdev,
# gntalloc, XEN_BACKEND for xenstored, xenconsoled and the device model)
# with Xen's toolstack in its initramfs, and an HVM guest (the same kernel
# with xen_vcpu_hotplug) that `xl create` boots and `xl vcpu-set`
# hot-plugs. One guest, a fixed 32 cases (selftests/xen_hvm_vcpu.sh). Not
# in make check, which runs its bounded part (check-xen-hvm-gate): see
# `check` below.
# XEN_HVM_KDIR: dom0's kernel tree (default: the main kernel).
XEN_HVM_KDIR ?= $(KDIR)
export XENRAS_XEN_HVM_KDIR := $(XEN_HVM_KDIR)
xen-hvm-initramfs: xen initramfs
	@XENRAS_XEN_HVM=1 XENRAS_INITRD=$(BUILD)/initramfs-xen-hvm.cpio.gz bash scripts/build-initramfs.sh

check-xen-hvm: xen-hvm-initramfs
	python3 scripts/qemu.py xen_hvm --mode check

# make check's bounded run of the same machine (selftests/xen_hvm_gate.sh):
# maxvcpus=4, three `xl vcpu-set` (two through xen_vcpu_hotplug, one
# through Linux's native handler), unload and reload, no idle waits; 19
# cases. A run that failed on a known emulator fault (the guest's triple
# fault, Xen's double fault: scripts/qemu.py EMULATOR_FAULTS) gets one new
# machine; the summary names it. README "In a real Xen HVM guest".
check-xen-hvm-gate: xen-hvm-initramfs
	python3 scripts/qemu.py xen_hvm --suite xen_hvm_gate --tag xen_hvm_gate --timeout 1200 --retry-emulator-fault

# The same run without the two `xl vcpu-set 1` steps (the guest idles just
# as long): does the guest's triple fault need a vCPU-count decrease?
# HVM_REMOVE=query: only their xl call left out; =xl: only the xenstore and
# device-model queries after it.
HVM_REMOVE ?= 0
check-xen-hvm-control: xen-hvm-initramfs
	XENRAS_HVM_REMOVE=$(HVM_REMOVE) python3 scripts/qemu.py xen_hvm --mode check --tag xen_hvm-control

# xl vcpu-set -> vCPU online in the Xen HVM guest: xen_vcpu_hotplug against
# Linux's native handler, alternating in one guest (3 samples each).
bench-xen-vcpu: xen-hvm-initramfs
	rm -f $(BUILD)/results/bench-xen_vcpu.bench
	python3 scripts/qemu.py xen_hvm --suite bench-xen_vcpu --tag bench-xen_vcpu
	@python3 scripts/bench_table.py xen_vcpu

# The xen machine with an SSDT of broken memory devices in dom0
# (scripts/acpi/bad_memory.asl): errors logged, nothing crashes.
check-xen-badfw: xen initramfs
	python3 scripts/qemu.py xen_badfw --mode check

# What Linux's own ACPI memory hotplug (acpi_memhotplug.c) does in a PV
# dom0 when nothing stops it, and that xen_acpi_memory stops it: the xen
# machine's Xen and DIMM slots, dom0 = the main kernel
# (CONFIG_ACPI_HOTPLUG_MEMORY, MEMORY_HOTPLUG, XEN_BALLOON_MEMORY_HOTPLUG,
# as Debian's kernel) booted without acpi_no_memhotplug, which every other
# Xen machine has (selftests/xen_acpi_memory_native.sh). A measurement of
# Linux's own code, not in `make check`.
check-xen-nativemem: xen initramfs
	python3 scripts/qemu.py xen_nativemem --mode check

check-qemu: check-xen check-xen420 check-xen-badfw check-hvm check-hvm-legacy check-hvm-badfw

# Debug kernel tier: KASAN (HVM guest only: 6.12 has no KASAN for Xen PV),
# lockdep, atomic-sleep, kmemleak, debugobjects, Rust debug assertions and
# overflow checks; every selftest again, and any report in the guest log
# fails the run.
variant_env = XENRAS_KDIR=$(BUILD)/$(1)/linux-source-6.12 XENRAS_MODDIR=$(BUILD)/$(1)/src \
	XENRAS_INITRD=$(BUILD)/$(1)/initramfs.cpio.gz
debug-build-%: deps
	@bash scripts/build-kernel.sh $*
	@bash scripts/build-variant-modules.sh $*
	@$(call variant_env,$*) bash scripts/build-initramfs.sh

check-debug-xen: xen debug-build-debug-pv
	$(call variant_env,debug-pv) python3 scripts/qemu.py xen --tag xen-debug --scan-sanitizers

check-debug-hvm: debug-build-debug
	$(call variant_env,debug) python3 scripts/qemu.py hvm --tag hvm-debug --scan-sanitizers

check-debug: check-debug-xen check-debug-hvm

# Every tier, in order; the exit code says pass or fail. Not in it (run
# them by name): check-xen-nativemem (issue 12), a measurement of Linux's
# own memory hotplug; check-xen-hvm (issue 16), the whole HVM guest flow:
# its guest triple-faulted (or Xen double-faulted) in about 1 run of 3,
# while it idled for minutes with 4-7 vCPUs (README "In a real Xen HVM
# guest"); make check runs its bounded part, check-xen-hvm-gate. Fresh-machine cost: README "The two commands".
check: deps
	rm -rf $(BUILD)/results
	@# The debian machine's base root filesystem (debootstrap, apt, the
	@# rasdaemon backport; about 6 minutes cold, mostly downloads and
	@# single-threaded dpkg) builds in the background beside the host tests
	@# and the kernel build, which leave a core idle much of the time; the
	@# `rootfs` step waits for it (its cache lock) before any machine boots,
	@# so no QEMU run shares the CPUs with it. Cached: instant when warm.
	@mkdir -p $(BUILD)/logs
	@bash scripts/build-debian-rootfs.sh base >$(BUILD)/logs/debian-base.log 2>&1 &
	sh scripts/timed.sh host $(MAKE) check-host
	sh scripts/timed.sh build $(MAKE) check-build
	-sh scripts/timed.sh rootfs sh -c 'bash scripts/build-debian-rootfs.sh base; rc=$$?; \
		sed "s/^/background: /" $(BUILD)/logs/debian-base.log; exit $$rc'
	-sh scripts/timed.sh xen $(MAKE) check-xen
	-sh scripts/timed.sh xen420 $(MAKE) check-xen420
	-sh scripts/timed.sh xen_badfw $(MAKE) check-xen-badfw
	-sh scripts/timed.sh hvm $(MAKE) check-hvm
	-sh scripts/timed.sh hvm_legacy $(MAKE) check-hvm-legacy
	-sh scripts/timed.sh hvm_badfw $(MAKE) check-hvm-badfw
	-sh scripts/timed.sh xen_hvm_gate $(MAKE) check-xen-hvm-gate
	-sh scripts/timed.sh debian $(MAKE) check-debian
	-sh scripts/timed.sh xen-debug $(MAKE) check-debug-xen
	-sh scripts/timed.sh hvm-debug $(MAKE) check-debug-hvm
	@python3 scripts/summary.py xen xen420 xen_badfw hvm hvm_legacy hvm_badfw xen_hvm_gate debian xen-debug hvm-debug

# Benchmarks (not timed tests): MCE storms through xen_mce, through xen_mce
# with kernel_log=N and through upstream's C driver (drivers/xen/mcelog.c
# built as a module: scripts/build-upstream-mcelog.sh), CPU hot-add
# latency, and the drain logic's CPU cost on the host
# (rust/xen_ras_core/examples/drain_cost.rs).
# BENCH_STORMS: sizes of the storms through Xen's injection hypercalls
# (selftests/mce_inject.c, one process: 137-754 errors/s measured under TCG).
# BENCH_MCE_BOOTS: dom0 boots; each runs every storm through every driver,
# storm by storm, the order rotated (identical code differed by a third
# between two boots under TCG: the drivers are compared within a boot);
# BENCH_MCE_REPS: each storm size runs that many times per boot and driver
# (the median of two storms of 1,000 in one boot differed threefold, 0.18
# and 0.53 ms, 2026-12-07).
# BENCH_MCE_PARAMS: xen_mce's module parameters in its runs, e.g.
# "kernel_log_delay_ms=10" (default: none, the module's defaults).
BENCH_STORMS ?= 100 1000 10000
BENCH_MCE_BOOTS ?= 3
BENCH_MCE_REPS ?= 3
BENCH_MCE_PARAMS ?=
bench: export XENRAS_BENCH_MCE_PARAMS = $(BENCH_MCE_PARAMS)
bench: export XENRAS_BENCH_STORMS = $(foreach s,$(BENCH_STORMS),$(foreach r,$(shell seq $(BENCH_MCE_REPS)),$(s)))
bench: xen upstream-mcelog initramfs
	rm -f $(BUILD)/results/bench-*.bench
	@# Every run goes ahead; any failed one fails `make bench` at the end.
	rc=0; \
	for i in $$(seq $(BENCH_MCE_BOOTS)); do \
		python3 scripts/qemu.py xen --suite bench-mce --tag bench-mce-$$i --timeout 3600 || rc=1; \
	done; \
	$(MAKE) bench-vcpu || rc=1; \
	cargo run --release --locked -q -p xen_ras_core --example drain_cost || rc=1; \
	[ $$rc = 0 ] || { echo "bench: a benchmark run failed (see above)"; exit 1; }

# Upstream's drivers/xen/mcelog.c as a module, for make bench only.
upstream-mcelog: kernel
	@bash scripts/build-upstream-mcelog.sh

# vCPU hot-add/remove latency: xen_vcpu_hotplug vs Linux's native handler,
# same guest kernel, alternating boots (one sample each: QEMU 7.2 under TCG
# cannot re-add a CPU after an unplug).
BENCH_REPS ?= 5
bench-vcpu: initramfs
	rm -f $(BUILD)/results/bench-vcpu-*.bench
	for i in $$(seq $(BENCH_REPS)); do \
		for d in native module; do \
			python3 scripts/qemu.py hvm --suite bench-vcpu-$$d --tag bench-vcpu-$$d-$$i --timeout 300 || exit 1; \
		done; \
	done
	@python3 scripts/bench_table.py
	@python3 scripts/bench_vcpu_phases.py

# Longer property-based fuzzing of the parsers (bounded runs are in check-host).
FUZZ_CASES ?= 200000
fuzz:
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --release --locked --test fuzz -- --nocapture
	@t=$$(cargo test --release --locked --test fuzz -- --list 2>/dev/null | grep -c ': test$$'); \
	echo "fuzz: $$t tests x $(FUZZ_CASES) cases (+2 x $(FUZZ_CASES) for the outcome test's second and third parser) = $$(( (t + 2) * $(FUZZ_CASES) )) executions; outcome coverage above"

run: deps xen initramfs
	python3 scripts/qemu.py xen --mode run

clean:
	-$(KMAKE) clean
	rm -rf rust/gen

distclean: clean
	rm -rf $(BUILD) target
