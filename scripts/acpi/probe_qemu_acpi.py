#!/usr/bin/env python3
"""Build-time probe: start QEMU with the target machine config but WITHOUT a
kernel, let SeaBIOS install the ACPI tables, read them out of guest RAM via QMP
pmemsave, and write OUTDIR/{APIC,FACP,DSDT}.dat.  No guest OS is needed.

usage: probe_qemu_acpi.py OUTDIR -- <qemu args exactly as used for the real boot,
        minus -kernel/-initrd/-append (those are dropped if present)>
"""
import json, os, socket, struct, subprocess, sys, tempfile, time

def main():
    out = sys.argv[1]
    assert sys.argv[2] == "--"
    args, skip = [], False
    for a in sys.argv[3:]:
        if skip: skip = False; continue
        if a in ("-kernel", "-initrd", "-append", "-qmp", "-serial", "-monitor"): skip = True; continue
        if a in ("-nographic",): continue
        args.append(a)
    tmp = tempfile.mkdtemp(prefix="acpiprobe")
    sock = os.path.join(tmp, "qmp.sock")
    cmd = args + ["-display", "none", "-serial", "null", "-monitor", "none",
                  "-qmp", f"unix:{sock},server=on,wait=off", "-no-reboot"]
    if cmd[0].startswith("-"): cmd = ["qemu-system-x86_64"] + cmd
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(sock): break
            time.sleep(0.1)
        s = socket.socket(socket.AF_UNIX); s.connect(sock); f = s.makefile("rw")
        json.loads(f.readline())
        def qmp(ex, **kw):
            f.write(json.dumps({"execute": ex, "arguments": kw} if kw else {"execute": ex}) + "\n"); f.flush()
            while True:
                r = json.loads(f.readline())
                if "event" not in r:
                    if "error" in r: raise RuntimeError(r)
                    return r["return"]
        qmp("qmp_capabilities")
        n = [0]
        def mem(addr, size):
            n[0] += 1; fn = os.path.join(tmp, "m%d" % n[0])
            qmp("pmemsave", val=addr, size=size, filename=fn)
            d = open(fn, "rb").read(); os.unlink(fn); return d
        ok = lambda b: sum(b) & 0xff == 0
        def table(addr):
            h = mem(addr, 36); ln = struct.unpack_from("<I", h, 4)[0]
            if not 36 <= ln < 0x100000: return None
            t = mem(addr, ln); return t if ok(t) else None
        deadline = time.time() + 60
        while True:
            if time.time() > deadline: raise SystemExit("no valid ACPI tables found")
            time.sleep(0.5)
            fseg = mem(0xE0000, 0x20000)
            i = fseg.find(b"RSD PTR ")
            while i >= 0 and not (i % 16 == 0 and ok(fseg[i:i + 20])):
                i = fseg.find(b"RSD PTR ", i + 1)
            if i < 0: continue
            rev = fseg[i + 15]
            if rev >= 2 and struct.unpack_from("<Q", fseg, i + 24)[0]:
                root, esz = struct.unpack_from("<Q", fseg, i + 24)[0], 8
            else:
                root, esz = struct.unpack_from("<I", fseg, i + 16)[0], 4
            rt = table(root)
            if not rt: continue
            ptrs = [struct.unpack_from("<Q" if esz == 8 else "<I", rt, o)[0] for o in range(36, len(rt), esz)]
            tabs = {}
            for a in ptrs:
                t = table(a)
                if t: tabs.setdefault(t[:4].decode(), t)
            if "FACP" not in tabs or "APIC" not in tabs: continue
            dsdt = table(struct.unpack_from("<I", tabs["FACP"], 40)[0])
            if not dsdt or dsdt[:4] != b"DSDT": continue
            tabs["DSDT"] = dsdt
            break
        os.makedirs(out, exist_ok=True)
        for k in ("APIC", "FACP", "DSDT"):
            open(os.path.join(out, k + ".dat"), "wb").write(tabs[k])
        print(f"RSDP@{0xE0000 + i:#x} root@{root:#x} FACS@{struct.unpack_from('<I', tabs['FACP'], 36)[0]:#x} "
              f"DSDT@{struct.unpack_from('<I', tabs['FACP'], 40)[0]:#x} tables={sorted(tabs)}", file=sys.stderr)
    finally:
        p.kill(); p.wait()

if __name__ == "__main__":
    main()
