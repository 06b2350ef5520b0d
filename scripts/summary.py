#!/usr/bin/env python3
"""Print the table of every QEMU tier's results and the closing
'N passed, N failed' line; exit non-zero if a tier failed or is missing."""
import json
import os
import sys

BUILD = os.environ.get("XENRAS_BUILD", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build"))
ROLES = sys.argv[1:] or ["xen", "hvm"]
passed = failed = 0
rc = 0
print(f"{'machine':10} {'selftests':>9} {'passed':>7} {'failed':>7} {'sanitizer':>9} {'boot s':>7} {'total s':>8}  status")
for role in ROLES:
    p = os.path.join(BUILD, "results", f"{role}.json")
    if not os.path.exists(p):
        print(f"{role:10} {'-':>9} {'-':>7} {'-':>7} {'-':>9} {'-':>7} {'-':>8}  MISSING")
        rc = 1
        failed += 1
        continue
    r = json.load(open(p))
    passed += r["cases_passed"]
    failed += r["cases_failed"] + (0 if r["ok"] or r["cases_failed"] else 1)
    boot = f"{r['boot_seconds']:.0f}" if r["boot_seconds"] is not None else "-"
    san = r.get("sanitizer_reports", 0) if "-debug" in role else "-"
    print(f"{role:10} {r['selftests']:>9} {r['cases_passed']:>7} {r['cases_failed']:>7} {san:>9} {boot:>7} {r['elapsed']:>8}  "
          + ("ok" if r["ok"] else "FAIL: " + "; ".join(r["errors"])))
    rc |= 0 if r["ok"] else 1
print(f"{passed} passed, {failed} failed")
sys.exit(rc)
