#!/usr/bin/env python3
"""Print the benchmark table from build/results/*.bench (make bench)."""
import glob
import os

BUILD = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build")
rows = []
for p in sorted(glob.glob(os.path.join(BUILD, "results", "bench-*.bench"))):
    for line in open(p):
        kind, *kv = line.split()
        rows.append((kind, dict(x.split("=", 1) for x in kv)))
print("MCE storm (corrected errors via QEMU `mce`, Xen poller, continuous mcelog-style reader)")
print(f"{'driver':10} {'injected':>8} {'delivered':>9} {'lost in Xen':>11} {'lost in dom0':>12} {'seconds':>8}")
for kind, r in rows:
    if kind == "mce":
        print(f"{r['driver']:10} {r['injected']:>8} {r['delivered']:>9} {r['lost_in_xen']:>11} {r['lost_in_dom0']:>12} {r['seconds']:>8}")
print()
print("CPU hot-add (xen_acpi_cpu auto_online=1), from device_add")
print(f"{'cpus':>4} {'present in Xen ms':>18} {'online ms':>10}")
for kind, r in rows:
    if kind == "cpu_hotadd":
        print(f"{r['cpus']:>4} {r['present_ms']:>18} {r['online_ms']:>10}")
