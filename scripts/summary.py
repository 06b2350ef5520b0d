#!/usr/bin/env python3
"""Print the table of every tier's results (host tests, build, each QEMU
machine) with skipped cases, fuzz executions, soak cycles, fault injections,
sanitizer reports and time per tier, and the closing 'N passed, N failed'
line; exit non-zero if a tier failed or is missing.

Time: 'qemu s' is the machine's run (boot to the end of the kernel log
dump); 'tier s' is the wall time of the whole `make check-*` step
(scripts/timed.sh), builds of the modules, initramfs, Xen and (first run)
kernels included."""
import json
import os
import sys

BUILD = os.environ.get("XENRAS_BUILD", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build"))
ROLES = sys.argv[1:] or ["xen", "hvm"]
RESULTS = os.path.join(BUILD, "results")


def tier_time(tier):
    """(seconds, rc) of `make check-TIER` from scripts/timed.sh, or None."""
    p = os.path.join(RESULTS, f"{tier}.time")
    if not os.path.exists(p):
        return None
    s, rc = open(p).read().split()
    return int(s), int(rc)


def row(tier, tests="-", passed="-", failed="-", skipped="-", fuzz="-", soak="-", faults="-",
        san="-", boot="-", qemu="-", status=""):
    t = tier_time(tier)
    wall = t[0] if t else "-"
    print(f"{tier:12} {tests:>6} {passed:>7} {failed:>7} {skipped:>7} {fuzz:>9} {soak:>5} {faults:>6} "
          f"{san:>9} {boot:>6} {qemu:>6} {wall:>6}  {status}")
    return t[0] if t else 0


passed = failed = skipped = 0
rc = 0
total_s = 0
print(f"{'tier':12} {'tests':>6} {'passed':>7} {'failed':>7} {'skipped':>7} {'fuzz exec':>9} {'soak':>5} "
      f"{'faults':>6} {'sanitizer':>9} {'boot s':>6} {'qemu s':>6} {'tier s':>6}  status")
host = os.path.join(RESULTS, "host.json")
if os.path.exists(host):
    h = json.load(open(host))
    passed += h["tests_passed"]
    failed += h["tests_failed"] + (0 if h["ok"] or h["tests_failed"] else 1)
    total_s += row("host", h["tests_passed"] + h["tests_failed"], h["tests_passed"], h["tests_failed"], 0,
                   h["fuzz_executions"], status="ok" if h["ok"] else "FAIL")
    rc |= 0 if h["ok"] else 1
# Steps without a QEMU run: the builds, and the wait for the debian
# machine's base root filesystem (built in the background meanwhile).
for step in ("build", "rootfs"):
    b = tier_time(step)
    if b:
        total_s += row(step, status="ok" if b[1] == 0 else "FAIL")
        rc |= 0 if b[1] == 0 else 1
soak = faults = reports = 0
for role in ROLES:
    p = os.path.join(RESULTS, f"{role}.json")
    if not os.path.exists(p):
        total_s += row(role, status="MISSING")
        rc = 1
        failed += 1
        continue
    r = json.load(open(p))
    passed += r["cases_passed"]
    failed += r["cases_failed"] + (0 if r["ok"] or r["cases_failed"] else 1)
    skipped += r.get("cases_skipped", 0)
    m = r.get("metrics", {})
    soak += m.get("soak_cycles", 0)
    faults += m.get("fault_injections", 0)
    reports += r.get("sanitizer_reports", 0)
    boot = f"{r['boot_seconds']:.0f}" if r["boot_seconds"] is not None else "-"
    total_s += row(role, r["selftests"], r["cases_passed"], r["cases_failed"], r.get("cases_skipped", 0),
                   "-", m.get("soak_cycles", 0), m.get("fault_injections", 0), r.get("sanitizer_reports", 0),
                   boot, f"{r['elapsed']:.0f}",
                   ("ok" if r["ok"] else "FAIL: " + "; ".join(r["errors"]))
                   # scripts/qemu.py --retry-emulator-fault (xen_hvm_gate)
                   + (f" (second machine: the first failed on {r['retried_after']!r}, log "
                      f"{r['first_log']})" if r.get("retried_after") else ""))
    rc |= 0 if r["ok"] else 1
fuzz = json.load(open(host))["fuzz_executions"] if os.path.exists(host) else 0
print(f"fuzz executions {fuzz}, soak cycles {soak}, injected allocation failures {faults}, "
      f"sanitizer reports {reports}, skipped cases {skipped}")
if total_s:
    print(f"tier s summed (wall time of the make check-* steps): {total_s} s ({total_s / 60:.0f} min)")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(rc)
