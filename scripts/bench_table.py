#!/usr/bin/env python3
"""Print the benchmark table from build/results/*.bench (make bench)."""
import glob
import math
import os
import statistics
import sys

BUILD = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build")
rows = []
for p in sorted(glob.glob(os.path.join(BUILD, "results", "bench-*.bench"))):
    for line in open(p):
        kind, *kv = line.split()
        r = dict(x.split("=", 1) for x in kv)
        r["boot"] = os.path.basename(p)[:-len(".bench")]
        rows.append((kind, r))


def xen_vcpu_table():
    """make bench-xen-vcpu: xl vcpu-set in dom0 -> vCPU online in a real Xen
    HVM guest, xen_vcpu_hotplug against Linux's native handler."""
    boot = [r for kind, r in rows if kind == "xen_hvm_boot"]
    for r in boot:
        print(f"Xen HVM guest: xl create returned in {r['create_s']} s, guest init reached {r['boot_s']} s "
              f"after xl create; clock check (guest realtime stamp read by dom0): {r['clock_ms']} ms")
    got = {}
    for kind, r in rows:
        if kind == "xen_vcpu" and r.get("result") == "ok":
            got.setdefault(r["driver"], []).append(r)
    print("xl vcpu-set N in dom0 -> vCPU online and running a task in the guest, as dom0 reads it from the")
    print("guest's console (upper bound: console ring, xenconsoled, 0.2 s polling); present -> online on")
    print("the guest's own clock (its realtime is not dom0's); median [min-max] ms over the samples")
    print(f"{'driver':18} {'n':>2} {'xl vcpu-set returns':>24} {'online, seen by dom0':>24} {'present -> online':>24}")

    def cell(v):
        v = [float(x) for x in v]
        return f"{statistics.median(v):.0f} [{min(v):.0f}-{max(v):.0f}]" if v else "-"
    for d, name in (("module", "xen_vcpu_hotplug"), ("native", "native (+udev-style)")):
        rs = got.get(d, [])
        print(f"{name:18} {len(rs):>2} {cell([r['vcpuset_ms'] for r in rs]):>24} "
              f"{cell([r['seen_ms'] for r in rs]):>24} {cell([r['present_to_online_ms'] for r in rs]):>24}")
    for kind, r in rows:
        if kind == "xen_vcpu":
            print("  " + " ".join(f"{k}={v}" for k, v in r.items()))


if sys.argv[1:2] == ["xen_vcpu"]:
    # bench_table.py xen_vcpu [TAG...]: the runs' build/results/TAG.bench
    # (default bench-xen_vcpu; xen_hvm: the check run's own figures).
    rows = []
    for tag in sys.argv[2:] or ["bench-xen_vcpu"]:
        p = os.path.join(BUILD, "results", f"{tag}.bench")
        for line in open(p) if os.path.exists(p) else []:
            kind, *kv = line.split()
            rows.append((kind, dict(x.split("=", 1) for x in kv)))
    xen_vcpu_table()
    sys.exit(0)
print("MCE storms of corrected errors, read continuously the way mcelog does. Sources: qemu-mce")
print("(QEMU `mce`, found by Xen's poller; lost in Xen: QEMU overwrote a bank before")
print("the poller read it, the same for both drivers) and xen-inject (the two hypercalls of")
print("`xen-mceinj -t 3`, XEN_MC_msrinject + XEN_MC_mceinject, from one process as fast as Xen takes")
print("them; urgent queue; lost in Xen: Xen's 30-entry telemetry pool was full, dom0 had not freed")
print("entries fast enough). VIRQ->read: the 'mce' IRQ handler (ftrace, monotonic) to the reader's")
print("read() returning.")
print("Each storm size runs BENCH_MCE_REPS times per driver in each of BENCH_MCE_BOOTS boots, the")
print("drivers alternating storm by storm (runs differ by tens of percent under TCG): counts are summed")
print("over the runs; inj/s and the VIRQ->read median and p99 are the median over the runs [min-max];")
print("max is the largest of all runs.")
print("'delivered': distinct errors (Xen's poller re-reads of an uncleared bank excluded, shown as")
print("'re-reads'); 'via #MC': records that came through the #MC path (MCG_STATUS set).")
print("xen_mce_nolog: xen_mce with kernel_log=N, so the cost of mce_log() is the difference.")
print("'reads >5 ms': reads whose VIRQ->read took over 5 ms, of all reads measured.")
print("'not delivered': injected and never read; 'lost in Xen' and 'lost in dom0' split it where")
print("the driver counts its own losses (upstream only sets an overflow flag: then '-').")
print("'delivered/s': distinct errors read per second of injection (inj/s x delivered/injected):")
print("a driver that drops records also spares the reader their work, which inj/s alone hides.")


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def total(rs, key):
    """Sum of an integer field over runs; '-' when any run lacks a count."""
    v = [r.get(key, "-") for r in rs]
    if all(x.isdigit() for x in v):
        return str(sum(int(x) for x in v))
    return next((x for x in v if not x.isdigit() and x != "-"), "-")


def delivered_per_s(rs):
    """Adds each run's delivered/s (distinct errors read per second of
    injection) to it, where the run has both counts."""
    for r in rs:
        d, n, rate = num(r.get("delivered")), num(r.get("injected")), num(r.get("inj_per_s"))
        if d is not None and n and rate is not None:
            r["delivered_per_s"] = str(rate * d / n)


def spread(rs, key, fmt="{:.2f}"):
    v = [x for x in (num(r.get(key)) for r in rs) if x is not None]
    if not v:
        return "-"
    if len(v) == 1:
        return fmt.format(v[0])
    return f"{fmt.format(statistics.median(v))} [{fmt.format(min(v))}-{fmt.format(max(v))}]"


groups = {}
for kind, r in rows:
    if kind == "mce":
        groups.setdefault((r["driver"], r.get("source", "qemu-mce"), r["injected"]), []).append(r)
groups = dict(sorted(groups.items(), key=lambda g: (g[0][0], g[0][1], int(g[0][2]))))
print(f"{'driver':13} {'source':10} {'injected':>8} {'runs':>4} {'delivered':>9} {'via #MC':>7} {'re-reads':>8} "
      f"{'not delivered':>13} {'lost in Xen':>11} {'lost in dom0':>12} {'inj/s':>20} {'delivered/s':>20} "
      f"{'VIRQ->read ms median':>22} {'p99':>20} {'max':>6} {'reads >5 ms':>12}")
for (driver, source, injected), rs in groups.items():
    mx = [x for x in (num(r.get("virq_to_read_ms_max")) for r in rs) if x is not None]
    slow = f"{total(rs, 'reads_over_5ms')}/{total(rs, 'reads')}" if "reads" in rs[0] else "-"
    delivered_per_s(rs)
    print(f"{driver:13} {source:10} {injected:>8} {len(rs):>4} {total(rs, 'delivered'):>9} "
          f"{total(rs, 'via_mc'):>7} {total(rs, 'dup_polled'):>8} {total(rs, 'not_delivered'):>13} "
          f"{total(rs, 'lost_in_xen'):>11} {total(rs, 'lost_in_dom0'):>12} {spread(rs, 'inj_per_s', '{:.0f}'):>20} "
          f"{spread(rs, 'delivered_per_s', '{:.0f}'):>20} {spread(rs, 'virq_to_read_ms_median'):>22} {spread(rs, 'virq_to_read_ms_p99'):>20} "
          f"{(f'{max(mx):.2f}' if mx else '-'):>6} {slow:>12}")
params = sorted({r["params"] for rs in groups.values() for r in rs if r.get("params", "-") != "-"})
if params:
    print(f"xen_mce's parameters in these runs: {'; '.join(params)}")


def group_table(marker, intro, cols):
    """One row per driver and storm size, for the groups whose runs carry
    `marker`; cols: (header, width, cell of the group's runs)."""
    sel = [(k, rs) for k, rs in groups.items() if marker in rs[0]]
    if not sel:
        return
    print()
    print("\n".join(intro))
    print(f"{'driver':13} {'injected':>8} " + " ".join(f"{h:>{w}}" for h, w, _ in cols))
    for (driver, source, injected), rs in sel:
        print(f"{driver:13} {injected:>8} " + " ".join(f"{cell(rs):>{w}}" for _, w, cell in cols))


def ms3(key):
    return lambda rs: spread(rs, key, "{:.3f}")


def summed(key):
    return lambda rs: total(rs, key)


group_table("irq_to_work_ms", (
    "Where VIRQ->read goes (ftrace: the 'mce' IRQ, the driver's drain starting (upstream: its work",
    "item; xen_mce: its 'mce' IRQ handler, so IRQ->drain is 0), the reader's wakeup, read()",
    "returning; per storm the median over the reads with that whole chain, then median [min-max]",
    "over the runs; 'drain run' is the work item's or the handler's whole run; summed over the",
    "runs: irq_work IPIs (/proc/interrupts IWI) and runs of the MCE core's decoder work; runs/VIRQ:",
    "the drain's runs per 'mce' IRQ, median [min-max] over the runs; under 1 when VIRQs find the",
    "work queued, over 1 when xen_mce's handler leaves some to its work)"),
    (("IRQ->drain ms", 22, ms3("irq_to_work_ms")), ("drain->wakeup ms", 22, ms3("work_to_wake_ms")),
     ("wakeup->read ms", 22, ms3("wake_to_read_ms")), ("drain run ms", 22, ms3("work_run_ms")),
     ("reads", 7, summed("phase_reads")), ("IWI", 6, summed("irq_work_ipis")),
     ("core runs", 9, summed("mce_core_runs")), ("runs/VIRQ", 20, ms3("drain_runs_per_virq"))))
group_table("cpu_ms_per_err", (
    "dom0 CPU time per error (/proc/stat user+nice+system+irq+softirq, 10 ms ticks, from the first",
    "injection to 1 s after the last, deferred work included; the injector's",
    "hypercalls and the reader's reads are in it for every driver): all CPUs, CPU 0 (VIRQ_MCA,",
    "the drain, the injector) and CPU 1 (the reader); median [min-max] over the runs, ms"),
    (("all CPUs", 22, ms3("cpu_ms_per_err")), ("CPU 0", 22, ms3("cpu0_ms_per_err")),
     ("CPU 1", 22, ms3("cpu1_ms_per_err"))))


def sign_test(wins, losses):
    """Two-sided sign test: how likely a split at least this uneven is
    when each pair is a coin toss (ties left out)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


# The same storm slot of the same boot (bench_mce_inj.sh: every driver
# back to back, the order rotated each slot): each pair shares the boot,
# the storm size and the minutes it ran in.
slots = {}
for kind, r in rows:
    if kind == "mce" and r.get("source") == "xen-inject" and "slot" in r:
        slots.setdefault((r["boot"], r["slot"]), {})[r["driver"]] = r
if slots:
    figures = (("virq_to_read_ms_median", "VIRQ->read median", -1), ("virq_to_read_ms_p99", "p99", -1),
               ("virq_to_read_ms_max", "max", -1), ("inj_per_s", "inj/s", 1),
               ("cpu_ms_per_err", "dom0 CPU/error", -1))
    print()
    print("Storm by storm: each driver against upstream in the same slot of the same boot. Per figure:")
    print("pairs where the driver did at least as well as upstream (latency and CPU time lower or")
    print("equal, inj/s higher or equal) / pairs, the two-sided sign test's p (how likely so uneven a split is if")
    print("each pair were a coin toss; ties left out), and the median over the pairs of driver/upstream.")
    print(f"{'driver':13} {'injected':>8} {'pairs':>5} " + " ".join(f"{name:>24}" for _, name, _ in figures))
    for driver in ("xen_mce", "xen_mce_nolog"):
        for injected in sorted({r["injected"] for d in slots.values() for r in d.values()}, key=int):
            pairs = [(d[driver], d["upstream"]) for d in slots.values()
                     if driver in d and "upstream" in d and d[driver]["injected"] == injected]
            if not pairs:
                continue
            cells = []
            for key, _, sign in figures:
                v = [(num(a.get(key)), num(b.get(key))) for a, b in pairs]
                v = [(a, b) for a, b in v if a is not None and b is not None and b > 0]
                good = sum(1 for a, b in v if sign * (a - b) >= 0)
                wins = sum(1 for a, b in v if sign * (a - b) > 0)
                losses = len(v) - good
                ratio = statistics.median(a / b for a, b in v) if v else float("nan")
                cells.append(f"{good}/{len(v)} p={sign_test(wins, losses):.2f} x{ratio:.2f}")
            print(f"{driver:13} {injected:>8} {len(pairs):>5} " + " ".join(f"{c:>24}" for c in cells))
print()
print("No reader while 100 errors arrive (xen-inject: 20 ms apart), then one read (upstream keeps")
print("32 and drops the rest)")
print(f"{'driver':13} {'source':10} {'injected':>8} {'delivered':>9} {'lost in dom0':>12}")
for kind, r in rows:
    if kind == "mce_noreader":
        print(f"{r['driver']:13} {r.get('source', 'qemu-mce'):10} {r['injected']:>8} {r['delivered']:>9} "
              f"{r['lost_in_dom0']:>12}")
print()
print("CPU hot-add (xen_acpi_cpu auto_online=1), from device_add")
print(f"{'cpus':>4} {'present in Xen ms':>18} {'online ms':>10}")
for kind, r in rows:
    if kind == "cpu_hotadd":
        print(f"{r['cpus']:>4} {r['present_ms']:>18} {r['online_ms']:>10}")
print()
print("Memory hot-add (xen_acpi_memory), from the device_add request: module log line, and")
print("present in Xen (XEN_SYSCTL_physinfo total_pages grown by the DIMMs, polled every 50 ms)")
print(f"{'dimms':>5} {'logged ms':>10} {'present in Xen ms':>18}")
for kind, r in rows:
    if kind == "mem_hotadd":
        print(f"{r['dimms']:>5} {r['logged_ms']:>10} {r['present_ms']:>18}")

vcpu = {}
for kind, r in rows:
    if kind == "vcpu" and r.get("result") == "ok":
        vcpu.setdefault((r["op"], r["cpus"], r["driver"]), []).append(float(r["ms"]))
if vcpu:
    print()
    print("vCPU hotplug in the HVM guest, device_add -> online and running a task /")
    print("device_del -> gone; median [min-max] ms over n boots (TCG, 2 host cores;")
    print("CLOCK_MONOTONIC, end seen within ~1 ms; native: onlined on the CPU's add uevent)")
    print(f"{'op':4} {'vcpus':>5} {'xen_vcpu_hotplug':>28} {'native (+udev-style online)':>28}")
    for op in ("add", "del"):
        for n in ("1", "3"):
            cells = []
            for d in ("module", "native"):
                v = vcpu.get((op, n, d), [])
                cells.append(f"{statistics.median(v):.1f} [{min(v):.1f}-{max(v):.1f}] n={len(v)}" if v else "-")
            print(f"{op:4} {n:>5} {cells[0]:>28} {cells[1]:>28}")
