#!/usr/bin/env python3
"""Generate an ACPI table-upgrade cpio (CONFIG_ACPI_TABLE_UPGRADE) that makes
Linux >= 6.9 count QEMU's Enabled=0 MADT LAPIC entries as hot-pluggable CPUs.

Why two tables: arch/x86/kernel/acpi/boot.c::acpi_is_processor_usable() treats an
Enabled=0 LAPIC as usable only if (a) acpi_support_online_capable is set AND the
entry has the Online-Capable bit (bit 1), or (b) a known hypervisor is detected
(never true under QEMU TCG).  acpi_support_online_capable is derived from the
*FADT* revision (>6, or 6 with minor >= 3), not from the MADT revision.  So:
  FACP: revision 1 (116 bytes) -> revision 6.5 (276 bytes, zero-extended,
        X_FIRMWARE_CTRL/X_DSDT filled, IAPC_BOOT_ARCH=8042 so i8042 still probed)
  APIC: revision 1 -> 5, Online-Capable bit set on every Enabled=0 LAPIC entry
Both get OEM revision +1 (strictly greater is required for the upgrade) and a
fixed checksum.  OEM ID / OEM table ID must stay "BOCHS "/"BXPC    ".

Modes:
  (no --from-dump)       only the --add-table tables, nothing patched
  --from-dump DIR        patch DIR/APIC.dat and DIR/FACP.dat (from
                         /sys/firmware/acpi/tables/{APIC,FACP} of a real boot)
                         or written by probe_qemu_acpi.py without any guest OS)
  The FADT carries absolute FACS/DSDT addresses chosen by SeaBIOS; they change
  with -m, maxcpus and devices, so re-probe whenever the QEMU command line changes.
  --add-table FILE.aml   also put this table in the cpio, as a *new* table
                         (repeatable). Linux installs an initrd table that
                         matches no firmware table by signature, OEM ID and
                         OEM table ID in addition to them
                         (acpi_table_initrd_scan()); used for the bad-firmware
                         SSDT (bad_processors.asl, machine role hvm_badfw).
Output: -o OUT.cpio (uncompressed newc cpio with kernel/firmware/acpi/{APIC,FACP}.aml
and SIGOEMTABLEID.aml per added table);
prepend it to the normal initramfs:  cat OUT.cpio initramfs.cpio.gz > new-initrd
"""
import argparse, os, struct, sys

def csum_fix(t):
    t = bytearray(t); t[9] = 0
    t[9] = (-sum(t)) & 0xff
    return bytes(t)

def hdr(sig, length, rev, oem_rev=1):
    return struct.pack("<4sIBB6s8sI4sI", sig, length, rev, 0, b"BOCHS ", b"BXPC    ",
                       oem_rev, b"BXPC", 1)

# ---------- patchers
def patch_madt(t, madt_rev=5):
    t = bytearray(t)
    assert t[:4] == b"APIC"
    off, n = 44, 0
    while off < len(t):
        typ, ln = t[off], t[off + 1]
        if typ == 0:                                   # Processor Local APIC
            fl = struct.unpack_from("<I", t, off + 4)[0]
            if not fl & 1:
                struct.pack_into("<I", t, off + 4, fl | 2)   # Online Capable
                n += 1
        elif typ == 9:                                 # Processor Local x2APIC
            fl = struct.unpack_from("<I", t, off + 8)[0]
            if not fl & 1:
                struct.pack_into("<I", t, off + 8, fl | 2)
                n += 1
        off += ln
    t[8] = max(t[8], madt_rev)
    struct.pack_into("<I", t, 24, struct.unpack_from("<I", t, 24)[0] + 1)
    return csum_fix(t), n

def patch_fadt(t, minor=5):
    t = bytearray(t)
    assert t[:4] == b"FACP"
    old_len = struct.unpack_from("<I", t, 4)[0]
    if old_len < 276:
        t += bytes(276 - old_len)
    struct.pack_into("<I", t, 4, 276)
    t[8] = 6
    t[131] = minor                                      # FADT minor version -> 6.5
    facs, dsdt = struct.unpack_from("<II", t, 36)
    if old_len < 148:                                   # X_FIRMWARE_CTRL / X_DSDT
        struct.pack_into("<QQ", t, 132, facs, dsdt)
    if old_len < 112:
        raise SystemExit("FADT too short")
    if old_len <= 116:
        # rev-1 tables have no IAPC_BOOT_ARCH; for rev>=2 Linux reads the 8042
        # bit, so set it to keep i8042 probing as before (legacy-devices stays 0)
        struct.pack_into("<H", t, 109, 0x0002)
    struct.pack_into("<I", t, 24, struct.unpack_from("<I", t, 24)[0] + 1)
    return csum_fix(t)

def added_table(path, firmware):
    """A table to add: checked as Linux's acpi_table_upgrade() checks it
    (length, checksum), and not matching a firmware table (which would make
    it an override). Returns (cpio file name, bytes)."""
    t = open(path, "rb").read()
    if len(t) < 36 or struct.unpack_from("<I", t, 4)[0] != len(t):
        raise SystemExit(f"{path}: not an ACPI table (length field does not match the file)")
    if sum(t) & 0xff:
        raise SystemExit(f"{path}: bad checksum")
    sig, oem_id, oem_tid = t[:4], t[10:16], t[16:24]
    for f in firmware:
        if (f[:4], f[10:16], f[16:24]) == (sig, oem_id, oem_tid):
            raise SystemExit(f"{path}: same signature/OEM ID/OEM table ID as a firmware table")
    # earlycpio: names below kernel/firmware/acpi/ must stay under 17 bytes
    tid = oem_tid.rstrip(b" \0").decode("ascii", "replace")
    name = f"{sig.decode('ascii', 'replace')}{tid}.aml"
    if len(name) > 16:
        raise SystemExit(f"{path}: cpio name {name} too long for earlycpio")
    return name, t

# ---------- cpio newc writer (no external tools needed)
def cpio(files):
    out, ino = bytearray(), 1000
    def ent(name, data, mode):
        nonlocal ino, out
        nb = name.encode() + b"\0"
        out += b"070701" + b"".join(b"%08X" % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out += nb; out += bytes((-(110 + len(nb))) % 4)
        out += data; out += bytes((-len(data)) % 4)
        ino += 1
    for d in ("kernel", "kernel/firmware", "kernel/firmware/acpi"):
        ent(d, b"", 0o040755)
    for name, data in files:
        ent("kernel/firmware/acpi/" + name, data, 0o100644)
    ent("TRAILER!!!", b"", 0)
    out += bytes((-len(out)) % 512)
    return bytes(out)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--from-dump", help="patch FACP/APIC from this dump (without it: "
                    "only the --add-table tables, e.g. for the Xen dom0)")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--aml-dir", help="also write APIC.aml/FACP.aml here")
    ap.add_argument("--add-table", action="append", default=[], metavar="FILE.aml",
                    help="also install this table as a new one (e.g. an SSDT)")
    a = ap.parse_args()
    if not a.from_dump:
        # Only new tables (machine role xen_badfw: QEMU's own tables stay as
        # they are; OEM table IDs of ours match none of QEMU's).
        extra = [added_table(p, []) for p in a.add_table]
        open(a.output, "wb").write(cpio(extra))
        print(f"{a.output}: " + ", ".join(f"added {n} ({len(d)} bytes)" for n, d in extra),
              file=sys.stderr)
        return
    madt = open(os.path.join(a.from_dump, "APIC.dat"), "rb").read()
    fadt = open(os.path.join(a.from_dump, "FACP.dat"), "rb").read()
    for t in (madt, fadt):
        assert sum(t) & 0xff == 0, "bad input checksum"
    madt2, n = patch_madt(madt)
    fadt2 = patch_fadt(fadt)
    files = [("APIC.aml", madt2), ("FACP.aml", fadt2)]
    dsdt = os.path.join(a.from_dump, "DSDT.dat")
    firmware = [madt, fadt] + ([open(dsdt, "rb").read()] if os.path.exists(dsdt) else [])
    extra = [added_table(p, firmware) for p in a.add_table]
    files += extra
    if a.aml_dir:
        os.makedirs(a.aml_dir, exist_ok=True)
        for nm, d in files + [("APIC.orig.dat", madt), ("FACP.orig.dat", fadt)]:
            open(os.path.join(a.aml_dir, nm), "wb").write(d)
    open(a.output, "wb").write(cpio(files))
    print(f"{a.output}: MADT {len(madt2)} bytes ({n} LAPIC entries marked online-capable), "
          f"FADT {len(fadt2)} bytes rev 6.{fadt2[131]}"
          + "".join(f", added {n} ({len(d)} bytes)" for n, d in extra), file=sys.stderr)

if __name__ == "__main__":
    main()
