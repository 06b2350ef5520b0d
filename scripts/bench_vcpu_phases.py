#!/usr/bin/env python3
"""Where a vCPU removal's time goes, per driver, from the guest kernel logs
of `make bench-vcpu` (build/logs/bench-vcpu-*-check.log): vcpu_bench marks
the request and the end in the kernel log, Linux logs each "CPU N is now
offline" (the end of cpu_down()). Prints medians [min-max] in ms of
request -> first CPU offline, one CPU offline -> the next (3 vCPUs), and
last CPU offline -> the end (its sysfs directory gone)."""
import glob
import os
import re
import statistics

BUILD = os.environ.get("XENRAS_BUILD", os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "build"))
LINE = re.compile(r"^\[\s*[\d.]+\] \[\s*(\d+\.\d+)\] (.*)$")

phases = {}
for path in sorted(glob.glob(os.path.join(BUILD, "logs", "bench-vcpu-*-check.log"))):
    driver = "module" if "-module-" in path else "native"
    ev = []
    for line in open(path, errors="replace"):
        m = LINE.match(line.rstrip())
        if not m:
            continue
        t, text = float(m.group(1)), m.group(2)
        if re.search(r"vcpu_bench: del \S+ requested", text):
            ev.append((t, "req"))
        elif re.search(r"vcpu_bench: del \S+ done", text):
            ev.append((t, "done"))
        elif "is now offline" in text:
            ev.append((t, "off"))
    ev.sort()
    req = None
    offs = []
    for t, what in ev:
        if what == "req":
            req, offs = t, []
        elif what == "off" and req is not None:
            offs.append(t)
        elif what == "done" and req is not None and offs:
            n = len(offs)
            p = phases.setdefault((driver, n), {"request -> first offline": [],
                                                "offline -> next offline": [],
                                                "last offline -> gone": []})
            p["request -> first offline"].append((offs[0] - req) * 1e3)
            p["offline -> next offline"] += [(b - a) * 1e3 for a, b in zip(offs, offs[1:])]
            p["last offline -> gone"].append((t - offs[-1]) * 1e3)
            req = None

if phases:
    print()
    print("vCPU removal phases (guest kernel log clock), median [min-max] ms")
    for (driver, n), p in sorted(phases.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        cells = []
        for name, v in p.items():
            if v:
                cells.append(f"{name} {statistics.median(v):.1f} [{min(v):.1f}-{max(v):.1f}]")
        print(f"del {n} {driver:6}: " + "; ".join(cells))
