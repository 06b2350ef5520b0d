#!/usr/bin/env python3
"""check-host: the core crate's unit and property tests (cargo test), with
the figures the summary table prints: tests passed/failed and fuzz
executions (property targets x cases). Writes build/results/host.json."""
import json
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("XENRAS_BUILD", os.path.join(TOP, "build"))
cases = int(os.environ.get("PROPTEST_CASES", "4096"))
env = dict(os.environ, PROPTEST_CASES=str(cases))
p = subprocess.run(["cargo", "test", "--workspace", "--locked", "--", "--nocapture"], cwd=TOP,
                   env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
sys.stdout.write(p.stdout)
passed = sum(int(m) for m in re.findall(r"test result: \w+\. (\d+) passed", p.stdout))
failed = sum(int(m) for m in re.findall(r"(\d+) failed;", p.stdout))
lst = subprocess.run(["cargo", "test", "--locked", "-p", "xen_ras_core", "--test", "fuzz", "--", "--list"],
                     cwd=TOP, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
# Every test of tests/fuzz.rs runs `cases` generated inputs per parser it fuzzes
# (the outcome-coverage test runs three: mc_info, _MAT, _CRS).
targets = sum(3 if "outcome" in l else 1 for l in lst.stdout.splitlines() if l.endswith(": test"))
res = {"tests_passed": passed, "tests_failed": failed, "fuzz_targets": targets,
       "fuzz_cases": cases, "fuzz_executions": targets * cases, "ok": p.returncode == 0}
os.makedirs(os.path.join(BUILD, "results"), exist_ok=True)
with open(os.path.join(BUILD, "results", "host.json"), "w") as f:
    json.dump(res, f, indent=1)
print(f"host: {passed} tests passed, {failed} failed; fuzzing: {targets} targets x {cases} cases "
      f"= {targets * cases} executions")
sys.exit(p.returncode)
