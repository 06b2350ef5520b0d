#!/usr/bin/env python3
"""Boot one of the project's two QEMU machines and drive it.

  qemu.py xen --mode check   Xen 4.17 (rebuilt) + our kernel as PV dom0
  qemu.py hvm --mode check   our kernel as a plain QEMU/HVM-like guest
  qemu.py hvm_badfw --mode check   the hvm guest plus an SSDT of broken
                             processor objects (scripts/acpi/bad_processors.asl)
  qemu.py xen --mode run     interactive demo (Ctrl-A x quits QEMU)

In check mode the guest's init runs selftests/run.sh and prints TAP between
XENRAS-BEGIN/XENRAS-END. A line `XENRAS-REQ <hmp command>` from a test is
executed on the QEMU monitor (QMP human-monitor-command): that is how tests
inject machine checks (`mce ...`) and hot-plug CPUs (`device_add ...`).
The run fails if the guest does not boot or finish in time, if the TAP plan
does not match what ran, or if any test fails. Serial logs are saved under
build/logs/, results under build/results/.
"""
import argparse
import json
import os
import re
import select
import socket
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("XENRAS_BUILD", os.path.join(TOP, "build"))
KDIR = os.environ.get("XENRAS_KDIR", os.path.join(BUILD, "linux-source-6.12"))
BZIMAGE = os.path.join(KDIR, "arch/x86/boot/bzImage")
XEN = os.path.join(BUILD, "xen", "xen")
INITRD = os.environ.get("XENRAS_INITRD", os.path.join(BUILD, "initramfs.cpio.gz"))

# What a debug kernel must never print (the harness fails the run on any).
# Xen's own console lines, "(XEN) ...", are the hypervisor's and not scanned.
SANITIZER_PATTERNS = [
    r"BUG: ", r"WARNING: ", r"KASAN", r"UBSAN", r"Oops", r"general protection fault",
    r"possible circular locking dependency", r"inconsistent lock state",
    r"possible recursive locking", r"suspicious RCU usage", r"sleeping function called from invalid context",
    r"unreferenced object 0x", r"ODEBUG: ", r"rust_panic", r"panicked at",
]


def sanitizer_reports(lines):
    """Kernel log lines that are sanitizer/checker reports."""
    rx = re.compile("|".join(SANITIZER_PATTERNS))
    return [l for l in lines if "(XEN)" not in l and rx.search(l)]


def self_test():
    """The scan catches a report and ignores clean lines (run by check-host)."""
    bad = ["[   12.3] BUG: KASAN: slab-out-of-bounds in xen_mce_read+0x12/0x40",
           "[    1.0] WARNING: possible circular locking dependency detected",
           "unreferenced object 0xffff888003228000 (size 64):"]
    good = ["[    1.0] xen_mce: version 0.1.0", "(XEN) WARNING: something of Xen's own",
            "    ok 4 - short read gets EINVAL"]
    assert sanitizer_reports(bad) == bad, sanitizer_reports(bad)
    assert sanitizer_reports(good) == [], sanitizer_reports(good)
    print("qemu.py self-test: sanitizer scan catches 3/3 reports, 0/3 false positives")
    assert smp("xen", None, 2) == "2,sockets=3,cores=6,threads=1,maxcpus=18", smp("xen", None, 2)
    assert smp("xen", "bench-xen_mce", 2) == "2,maxcpus=6"
    assert smp("hvm", None, 1) == "1,maxcpus=7"
    print("qemu.py self-test: -smp of the xen, bench and hvm machines")

# Measured under TCG on this machine kind: see README.md.
TIMEOUT = {"xen": 1500, "hvm": 600, "hvm_legacy": 600, "hvm_badfw": 600}


# Possible CPUs: the Xen benchmarks hot-add two; the HVM selftests add six
# vCPUs because QEMU 7.2 under TCG aborts on any CPU device_add after a CPU
# unplug (measured, native handler too), so every add needs a fresh slot.
MAXCPUS = {("xen", False): 18, ("xen", True): 6, ("hvm", False): 7, ("hvm", True): 5,
           ("hvm_legacy", False): 4, ("hvm_legacy", True): 4,
           ("hvm_badfw", False): 4, ("hvm_badfw", True): 4}
# The Xen host's selftests run on three sockets of six cores (APIC ID =
# socket * 8 + core: not the logical CPU number): the two boot CPUs fill
# socket 0's first cores, hot-add goes into socket 0 (an existing socket,
# Xen's credit2 runqueue 0) and into the empty sockets 1 and 2 (a new
# package: Xen activates a new runqueue). See selftests/xen_acpi_cpu*.sh.
TOPOLOGY = {("xen", False): "sockets=3,cores=6,threads=1"}
# ... and Xen drives its local APICs in physical destination mode there.
# With 8 or fewer possible CPUs Xen picks logical flat mode, whose IPIs
# QEMU 7.2's emulated APIC (TCG) delivers only up to the first absent APIC
# ID: a CPU hot-added with a higher APIC ID (a new socket) never gets one,
# and Xen's next rendezvous (time calibration, every second) spins on CPU 0
# with interrupts off forever. With more, QEMU's FADT asks for physical
# mode and Xen takes it by itself; apic=bigsmp keeps it whatever maxcpus
# becomes. Measured and read from the sources: README.md, issue 17.
XEN_APIC = {("xen", False): "apic=bigsmp"}


def smp(role, suite, boot_cpus):
    """The -smp value of a machine: boot CPUs, topology, possible CPUs."""
    maxcpus = MAXCPUS[role, bool(suite)]
    topo = TOPOLOGY.get((role, bool(suite)))
    return f"{boot_cpus},{topo + ',' if topo else ''}maxcpus={maxcpus}"


def with_acpi_tables(cmd, tag, bad_processors=False):
    """For the HVM machines: QEMU's ACPI tables for exactly this command line,
    upgraded (FADT 6.5, MADT online-capable bits) so that 6.12 counts the
    absent vCPUs as hot-pluggable, prepended to the initrd
    (CONFIG_ACPI_TABLE_UPGRADE); with `bad_processors` (hvm_badfw), plus an
    SSDT of broken processor objects. See scripts/acpi/README.md."""
    i = cmd.index("-initrd")
    out = os.path.join(BUILD, f"initrd-{tag}.cpio.gz")
    subprocess.run(["sh", os.path.join(TOP, "scripts", "acpi", "make_acpi_initrd.sh")]
                   + (["--bad-processors"] if bad_processors else [])
                   + [cmd[i + 1], out, "--"] + cmd, check=True)
    return cmd[:i + 1] + [out] + cmd[i + 2:]


def qemu_cmd(role, mode, qmp, suite=None):
    common = ["qemu-system-x86_64", "-accel", "tcg", "-nographic", "-no-reboot",
              "-qmp", f"unix:{qmp},server=on,wait=off"]
    if mode == "run":
        common += ["-serial", "mon:stdio"]
    else:
        common += ["-serial", "stdio", "-monitor", "none"]
    append = f"xenras.role={suite or role} xenras.mode={mode}"
    # Storm sizes of the MCE benchmarks (make bench BENCH_STORMS="..."),
    # handed to the guest on its command line.
    storms = os.environ.get("XENRAS_BENCH_STORMS", "").split()
    if suite and storms:
        append += f" xenras.storms={':'.join(storms)}"  # ',' separates multiboot modules
    if role == "xen":
        return common + [
            "-machine", "pc", "-cpu", "Haswell-noTSX,+mca,+mce",
            "-smp", smp(role, suite, 2), "-m", "2048",
            "-kernel", XEN,
            "-append", "console=com1 com1=115200 dom0_mem=1024M loglvl=all "
                       "guest_loglvl=all noreboot mce_verbosity=verbose"
                       + "".join(" " + o for o in [XEN_APIC.get((role, bool(suite)))] if o),
            "-initrd", f"{BZIMAGE} console=hvc0 earlyprintk=xen {append},{INITRD}",
        ]
    # hvm: QEMU 7.2's `pc` machine, on which the guest switches to the
    # modern CPU hotplug interface (ACPI0007 devices, eject, _OST);
    # hvm_legacy: `pc-i440fx-2.6` keeps the PIIX4 0xaf00 bitmap and
    # `Processor` objects that Xen HVM guests see (hot-add only);
    # hvm_badfw: `pc` as hvm, its ACPI tables get the bad-processors SSDT
    # (with_acpi_tables).
    machine = "pc-i440fx-2.6" if role == "hvm_legacy" else "pc"
    return common + [
        "-machine", machine, "-cpu", "Haswell-noTSX",
        "-smp", smp(role, suite, 1), "-m", "512",
        "-kernel", BZIMAGE, "-initrd", INITRD,
        "-append", f"console=ttyS0 {append}",
    ]


class Qmp:
    def __init__(self, path, deadline=30):
        end = time.time() + deadline
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                if time.time() > end:
                    raise
                time.sleep(0.2)
        self.f = self.s.makefile("rw")
        json.loads(self.f.readline())
        self.call("qmp_capabilities")

    def call(self, cmd, **args):
        self.f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "return" in r or "error" in r:
                return r

    def hmp(self, line):
        return self.call("human-monitor-command", **{"command-line": line})


def run_check(role, log_path, timeout, tag, scan, suite=None):
    qmp_path = os.path.join(BUILD, f"qmp-{tag}.sock")
    if os.path.exists(qmp_path):
        os.unlink(qmp_path)
    cmd = qemu_cmd(role, "check", qmp_path, suite)
    if role != "xen":
        cmd = with_acpi_tables(cmd, tag, bad_processors=role == "hvm_badfw")
    t0 = time.time()
    # stdin: the serial console's input, for Xen's debug keys on a hang.
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    qmp = None
    log = open(log_path, "w", errors="replace")
    log.write("# " + " ".join(cmd) + "\n")
    state = "boot"
    tap = []
    bench = []
    hostchecks = []
    metrics = {}
    buf = b""
    booted_at = None
    end_rc = None
    deadline = None  # (time, seconds, case name) of XENRAS-DEADLINE
    frozen_at = None
    try:
        while time.time() - t0 < timeout:
            if deadline and frozen_at is None and time.time() > deadline[0]:
                frozen_at = time.time()
                name = f"case '{deadline[2]}' ended within its deadline ({deadline[1]} s)"
                hostchecks.append((name, "not ok"))
                log.write(f"# DEADLINE: {name}: no; Xen debug keys {XEN_HANG_KEYS!r}\n")
                print(f"{role}: host check: not ok - {name}; dumping Xen and dom0 state", flush=True)
                try:
                    # QEMU takes one QMP client: reuse the harness's.
                    qmp = qmp or Qmp(qmp_path)
                    dump_cpus(qmp, log)
                except (OSError, ValueError) as e:
                    log.write(f"# QEMU CPU dump failed: {e}\n")
                xen_debug_keys(p, XEN_HANG_KEYS)
            if frozen_at is not None and time.time() - frozen_at > 60:
                break
            r, _, _ = select.select([p.stdout], [], [], 1.0)
            if not r:
                if p.poll() is not None:
                    break
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                line = raw.decode("utf-8", "replace").rstrip("\r")
                log.write(f"[{time.time() - t0:8.2f}] {line}\n")
                log.flush()
                if line.startswith("XENRAS-BEGIN"):
                    state, booted_at = "tap", time.time() - t0
                    print(f"{role}: booted to init in {booted_at:.0f} s", flush=True)
                elif line.startswith("XENRAS-END"):
                    state = "done"
                    end_rc = line.split("rc=")[-1]
                elif line.startswith("XENRAS-REQ "):
                    # One or more monitor commands, separated by " ; ".
                    if qmp is None:
                        qmp = Qmp(qmp_path)
                    reqs = [r.strip() for r in line[len("XENRAS-REQ "):].split(" ; ") if r.strip()]
                    for req in reqs:
                        try:
                            resp = qmp.hmp(req)
                        except (OSError, ValueError) as e:
                            # QEMU went away: keep reading what it printed.
                            resp = f"monitor connection lost: {e}"
                        log.write(f"# monitor: {req} -> {json.dumps(resp)}\n")
                    if len(reqs) == 1:
                        print(f"{role}: monitor: {reqs[0]}", flush=True)
                    else:
                        print(f"{role}: monitor: {len(reqs)} commands", flush=True)
                elif line.startswith("XENRAS-HOSTCHECK "):
                    # "XENRAS-HOSTCHECK name ;; monitor command ;; regex [;; absent]":
                    # the harness checks what only the host can see (QEMU's own
                    # view of the machine, _OST status) and fails the run if not.
                    if qmp is None:
                        qmp = Qmp(qmp_path)
                    try:
                        hostchecks.append(host_check(qmp, line[len("XENRAS-HOSTCHECK "):], log))
                    except (OSError, ValueError) as e:
                        hostchecks.append((line.split(";;")[0][len("XENRAS-HOSTCHECK "):].strip()
                                           + f" (monitor connection lost: {e})", "not ok"))
                    print(f"{role}: host check: {hostchecks[-1][1]} - {hostchecks[-1][0]}", flush=True)
                elif line.startswith("XENRAS-DEADLINE "):
                    secs, _, name = line[len("XENRAS-DEADLINE "):].partition(" ")
                    deadline = (time.time() + int(secs), int(secs), name) if int(secs) else None
                elif line.startswith("XENRAS-METRIC "):
                    for kv in line.split()[1:]:
                        k, _, v = kv.partition("=")
                        metrics[k] = metrics.get(k, 0) + int(v)
                elif line.startswith("BENCH "):
                    bench.append(line[len("BENCH "):])
                    print(f"{role}: {line}", flush=True)
                elif state == "tap":
                    tap.append(line)
                    if re.match(r"^(not )?ok ", line):
                        print(f"{role}: {line}", flush=True)
                elif line.startswith("XENRAS-DMESG-END"):
                    raise StopIteration
    except StopIteration:
        pass
    finally:
        try:
            rc = p.wait(timeout=2)
        except subprocess.TimeoutExpired:
            rc = None
        p.kill()
        p.wait()
        if rc is not None and state != "done":
            log.write(f"# QEMU exited by itself with status {rc} before the selftests finished\n")
            print(f"{role}: QEMU exited with status {rc} before the selftests finished", flush=True)
        log.close()
    reports = []
    if scan:
        with open(log_path, errors="replace") as f:
            reports = sanitizer_reports(f.read().splitlines())
    if bench:
        os.makedirs(os.path.join(BUILD, "results"), exist_ok=True)
        with open(os.path.join(BUILD, "results", f"{tag}.bench"), "w") as f:
            f.write("\n".join(bench) + "\n")
    return evaluate(tag, tap, state, booted_at, end_rc, time.time() - t0, log_path, reports,
                    hostchecks, metrics)


# On a missed deadline: dom0's vCPUs (registers, guest stack), every
# domain's vCPUs, the scheduler's run queues, every pCPU's registers.
XEN_HANG_KEYS = "0qrd"


def dump_cpus(q, log):
    """QEMU's view of every CPU (registers, then 64 words of each stack),
    twice 2 s apart: it works when Xen itself no longer answers its debug
    keys (a CPU spinning with interrupts off)."""
    for _ in range(2):
        regs = q.hmp("info registers -a").get("return", "")
        log.write("# info registers -a:\n" + regs.replace("\r", "") + "\n")
        for rsp in re.findall(r"RSP=([0-9a-f]+)", regs):
            log.write(f"# stack at {rsp}:\n" + q.hmp(f"x/64gx 0x{rsp}").get("return", "").replace("\r", ""))
        time.sleep(2)


def xen_debug_keys(p, keys):
    """Types Xen debug keys on the serial console: three Ctrl-A switch its
    input to Xen, three more back to dom0."""
    try:
        for chunk in [b"\x01\x01\x01"] + [k.encode() for k in keys] + [b"\x01\x01\x01"]:
            p.stdin.write(chunk)
            p.stdin.flush()
            time.sleep(2)
    except OSError:
        pass


def host_check(qmp, spec, log):
    """Runs one XENRAS-HOSTCHECK: an HMP command, or `qmp:<command>` for a QMP
    query (its JSON return), matched against a regex. Returns (name, ok/not ok)."""
    parts = [x.strip() for x in spec.split(";;")]
    name, cmd, rx = parts[0], parts[1], parts[2]
    absent = len(parts) > 3 and parts[3] == "absent"
    if cmd.startswith("qmp:"):
        r = qmp.call(cmd[4:])
        text = json.dumps(r.get("return", r))
    else:
        r = qmp.hmp(cmd)
        text = r.get("return", json.dumps(r))
    found = re.search(rx, text) is not None
    ok = found != absent
    log.write(f"# host check {name}: {cmd} -> {text!r}: {'ok' if ok else 'NOT OK'}\n")
    return name, "ok" if ok else "not ok"


def evaluate(role, tap, state, booted_at, end_rc, elapsed, log_path, reports=(), hostchecks=(),
             metrics=None):
    errors = []
    for name, res in hostchecks:
        if res != "ok":
            errors.append(f"host check failed: {name}")
    for r in reports[:10]:
        errors.append("sanitizer report: " + r.strip()[:200])
    if booted_at is None:
        errors.append("guest did not reach the selftests (no XENRAS-BEGIN)")
    elif state != "done":
        errors.append("selftests did not finish (no XENRAS-END) before the timeout")
    plan = next((int(m.group(1)) for m in (re.match(r"^1\.\.(\d+)$", l) for l in tap) if m), None)
    top = [l for l in tap if re.match(r"^(not )?ok \d+", l)]
    cases = [l.strip() for l in tap if re.match(r"^ {4}(not )?ok \d+", l)]
    if booted_at is not None and plan is None:
        errors.append("no TAP plan")
    elif plan is not None and plan != len(top):
        errors.append(f"TAP plan says {plan} selftests, {len(top)} ran")
    failed_top = [l for l in top if l.startswith("not ok")]
    skipped = sum(1 for c in cases if c.startswith("ok") and "# SKIP" in c)
    passed = sum(1 for c in cases if c.startswith("ok")) - skipped + sum(1 for _, r in hostchecks if r == "ok")
    failed = sum(1 for c in cases if c.startswith("not ok")) + sum(1 for _, r in hostchecks if r != "ok")
    if failed_top:
        errors.append("failed: " + ", ".join(failed_top))
    res = {"role": role, "selftests": len(top), "cases_passed": passed, "cases_failed": failed,
           "cases_skipped": skipped,
           "sanitizer_reports": len(reports),
           "boot_seconds": booted_at, "elapsed": round(elapsed, 1), "errors": errors,
           "log": log_path, "ok": not errors, "metrics": metrics or {}}
    os.makedirs(os.path.join(BUILD, "results"), exist_ok=True)
    with open(os.path.join(BUILD, "results", f"{role}.json"), "w") as f:
        json.dump(res, f, indent=1)
    for e in errors:
        print(f"{role}: ERROR: {e}", flush=True)
    print(f"{role}: {len(top)} selftests, {passed} cases passed, {failed} failed, {skipped} skipped, "
          f"{elapsed:.0f} s (log: {log_path})", flush=True)
    return 0 if not errors else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
    ap.add_argument("role", choices=["xen", "hvm", "hvm_legacy", "hvm_badfw"])
    ap.add_argument("--tag", help="name for logs and results (default: the role)")
    ap.add_argument("--suite", help="run the selftests marked with this role instead (benchmarks)")
    ap.add_argument("--scan-sanitizers", action="store_true",
                    help="fail on any sanitizer/lockdep/kmemleak report in the guest log")
    ap.add_argument("--mode", choices=["check", "run"], default="check")
    ap.add_argument("--timeout", type=int)
    a = ap.parse_args()
    for f in ([XEN] if a.role == "xen" else []) + [BZIMAGE, INITRD]:
        if not os.path.exists(f):
            sys.exit(f"missing {f}: run make first")
    os.makedirs(os.path.join(BUILD, "logs"), exist_ok=True)
    if a.mode == "run":
        qmp = os.path.join(BUILD, f"qmp-{a.role}-run.sock")
        print(f"Booting the {a.role} machine (Xen dom0 reaches its shell in a few minutes under TCG).\n"
              f"Monitor: QMP on {qmp}, or Ctrl-A c for the HMP monitor; quit: Ctrl-A x.\n", flush=True)
        cmd = qemu_cmd(a.role, "run", qmp)
        if a.role != "xen":
            cmd = with_acpi_tables(cmd, f"{a.role}-run", bad_processors=a.role == "hvm_badfw")
        os.execvp(cmd[0], cmd)
    tag = a.tag or a.role
    log = os.path.join(BUILD, "logs", f"{tag}-check.log")
    timeout = a.timeout or TIMEOUT[a.role] * (3 if a.scan_sanitizers else 1)
    sys.exit(run_check(a.role, log, timeout, tag, a.scan_sanitizers, a.suite))


if __name__ == "__main__":
    main()
