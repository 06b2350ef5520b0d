#!/usr/bin/env python3
"""Print the table of every tier's results (host tests, each QEMU machine)
with fuzz executions, soak cycles, fault injections and sanitizer reports,
and the closing 'N passed, N failed' line; exit non-zero if a tier failed or
is missing."""
import json
import os
import sys

BUILD = os.environ.get("XENRAS_BUILD", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build"))
ROLES = sys.argv[1:] or ["xen", "hvm"]
passed = failed = 0
rc = 0
cols = f"{'tier':12} {'tests':>6} {'passed':>7} {'failed':>7} {'fuzz exec':>9} {'soak':>5} {'faults':>6} {'sanitizer':>9} {'boot s':>7} {'total s':>8}  status"
print(cols)
host = os.path.join(BUILD, "results", "host.json")
if os.path.exists(host):
    h = json.load(open(host))
    passed += h["tests_passed"]
    failed += h["tests_failed"] + (0 if h["ok"] or h["tests_failed"] else 1)
    print(f"{'host':12} {h['tests_passed'] + h['tests_failed']:>6} {h['tests_passed']:>7} {h['tests_failed']:>7} "
          f"{h['fuzz_executions']:>9} {'-':>5} {'-':>6} {'-':>9} {'-':>7} {'-':>8}  "
          + ("ok" if h["ok"] else "FAIL"))
    rc |= 0 if h["ok"] else 1
soak = faults = reports = 0
for role in ROLES:
    p = os.path.join(BUILD, "results", f"{role}.json")
    if not os.path.exists(p):
        print(f"{role:12} {'-':>6} {'-':>7} {'-':>7} {'-':>9} {'-':>5} {'-':>6} {'-':>9} {'-':>7} {'-':>8}  MISSING")
        rc = 1
        failed += 1
        continue
    r = json.load(open(p))
    passed += r["cases_passed"]
    failed += r["cases_failed"] + (0 if r["ok"] or r["cases_failed"] else 1)
    m = r.get("metrics", {})
    soak += m.get("soak_cycles", 0)
    faults += m.get("fault_injections", 0)
    reports += r.get("sanitizer_reports", 0)
    boot = f"{r['boot_seconds']:.0f}" if r["boot_seconds"] is not None else "-"
    san = r.get("sanitizer_reports", 0) if "-debug" in role else "-"
    print(f"{role:12} {r['selftests']:>6} {r['cases_passed']:>7} {r['cases_failed']:>7} {'-':>9} "
          f"{m.get('soak_cycles', 0):>5} {m.get('fault_injections', 0):>6} {san:>9} {boot:>7} {r['elapsed']:>8}  "
          + ("ok" if r["ok"] else "FAIL: " + "; ".join(r["errors"])))
    rc |= 0 if r["ok"] else 1
fuzz = json.load(open(host))["fuzz_executions"] if os.path.exists(host) else 0
print(f"fuzz executions {fuzz}, soak cycles {soak}, injected allocation failures {faults}, "
      f"sanitizer reports {reports}")
print(f"{passed} passed, {failed} failed")
sys.exit(rc)
