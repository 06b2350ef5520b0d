// SPDX-License-Identifier: GPL-2.0
//! The kernel's `struct mce` (`arch/x86/include/uapi/asm/mce.h`, Linux 6.12)
//! and the conversion of Xen telemetry into it.
//!
//! A record is serialised field by field ([`Mce::to_bytes`]), so the padding
//! of the C structure is always zero and no kernel memory can leak through
//! `read(2)`.

use super::bytes::{u16_at, u32_at, u64_at};
use super::mcinfo::{layout, Bank, Entry, Global, McInfo, ParseError, Recovery};

/// `sizeof(struct mce)` in Linux 6.12.
pub const MCE_RECORD_LEN: usize = 128;

/// Linux `X86_VENDOR_INTEL`.
pub const X86_VENDOR_INTEL: u8 = 0;
/// Linux `X86_VENDOR_AMD`.
pub const X86_VENDOR_AMD: u8 = 2;
/// Linux `X86_VENDOR_CENTAUR`.
pub const X86_VENDOR_CENTAUR: u8 = 5;
/// Linux `X86_VENDOR_HYGON`.
pub const X86_VENDOR_HYGON: u8 = 9;
/// Linux `X86_VENDOR_ZHAOXIN` (Xen calls it Shanghai).
pub const X86_VENDOR_ZHAOXIN: u8 = 10;
/// Linux `X86_VENDOR_UNKNOWN`.
pub const X86_VENDOR_UNKNOWN: u8 = 0xff;
/// Linux `MCE_HANDLED_MCELOG` (`struct mce.kflags`, kernel-internal): the
/// record is in `/dev/mcelog`.
pub const MCE_HANDLED_MCELOG: u64 = 1 << 5;

/// `extcpu` (and `cpu`) of a record whose APIC ID no CPU of Xen's claims.
pub const CPU_UNKNOWN: u32 = u32::MAX;

/// `MSR_IA32_MCG_EIP` (the SDM's `IA32_MCG_RIP` in 64-bit mode): the
/// instruction pointer at the error, reported by Xen in `MC_TYPE_EXTENDED`
/// when `MCG_CAP.MCG_EXT_P` is set. Its neighbours are other registers
/// (`0x188` RFLAGS, `0x190` R8), not the IP.
pub const MSR_IA32_MCG_EIP: u64 = 0x189;
/// `MSR_PPIN`.
pub const MSR_PPIN: u64 = 0x4f;
/// `MCG_STATUS_EIPV`: the reported IP is valid.
pub const MCG_STATUS_EIPV: u64 = 1 << 1;

/// Maps the CPUID vendor string that Xen reports per CPU
/// (`mcinfo_logical_cpu.mc_vendorid`, CPUID leaf 0) to the Linux
/// `X86_VENDOR_*` number that `struct mce.cpuvendor` carries.
///
/// The string, not `mc_vendor`: that one is Xen's internal encoding, which
/// changed between releases (4.17: a bit per vendor, Intel = 1; measured on
/// Debian 13's 4.20 it no longer maps, every record read vendor 255).
/// Upstream's `drivers/xen/mcelog.c` copies `mc_vendor` unchanged, which makes
/// Intel read as Cyrix on 4.17.
pub fn linux_vendor(vendorid: &[u8]) -> u8 {
    // NUL-padded to 16 bytes; CPUID's string is 12.
    let id = vendorid.get(..12).unwrap_or(vendorid);
    match id {
        b"GenuineIntel" => X86_VENDOR_INTEL,
        b"AuthenticAMD" => X86_VENDOR_AMD,
        b"HygonGenuine" => X86_VENDOR_HYGON,
        b"CentaurHauls" => X86_VENDOR_CENTAUR,
        b"  Shanghai  " => X86_VENDOR_ZHAOXIN,
        _ => X86_VENDOR_UNKNOWN,
    }
}

/// Rebuilds CPUID leaf 1 EAX from family, model and stepping.
pub fn cpuid_eax(family: u32, model: u32, step: u32) -> u32 {
    let (base_family, ext_family) = if family > 0xf {
        (0xf, family - 0xf)
    } else {
        (family, 0)
    };
    (step & 0xf)
        | ((model & 0xf) << 4)
        | ((base_family & 0xf) << 8)
        | (((model >> 4) & 0xf) << 16)
        | ((ext_family & 0xff) << 20)
}

/// One physical CPU as `XEN_MC_physcpuinfo` reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuInfo {
    /// Xen's CPU number (what `mcelog` calls the CPU).
    pub cpunr: u32,
    /// Physical package.
    pub chipid: u32,
    /// Initial APIC ID.
    pub apicid: u32,
    /// Linux `X86_VENDOR_*`.
    pub vendor: u8,
    /// CPUID leaf 1 EAX.
    pub cpuid: u32,
    /// `MCG_CAP`, when Xen reported it.
    pub mcgcap: u64,
}

impl CpuInfo {
    /// Parses one `struct mcinfo_logical_cpu`.
    pub fn parse(b: &[u8]) -> Option<Self> {
        use layout::logical_cpu::*;
        if b.len() < SIZE {
            return None;
        }
        let nmsr = u32_at(b, NMSRVALS)? as usize;
        // __MC_MSR_MCGCAP is index 0 of mc_msrvalues.
        let mcgcap = if nmsr >= 1 {
            u64_at(b, MSRVALUES + 8)?
        } else {
            0
        };
        let _ = u16_at(b, COREID)?;
        Some(Self {
            cpunr: u32_at(b, CPUNR)?,
            chipid: u32_at(b, CHIPID)?,
            apicid: u32_at(b, APICID)?,
            vendor: linux_vendor(b.get(VENDORID..VENDORID + VENDORID_LEN)?),
            cpuid: cpuid_eax(u32_at(b, FAMILY)?, u32_at(b, MODEL)?, u32_at(b, STEP)?),
            mcgcap,
        })
    }
}

/// Resolves `apicid` in `table`; on a miss (a CPU hot-added since the table
/// was read) refreshes the table once and looks again. Returns the CPU, and
/// the refresh's error if it failed.
pub fn resolve_cpu<T: core::ops::Deref<Target = [CpuInfo]>, E>(
    table: &mut T,
    apicid: u32,
    refresh: impl FnOnce(&mut T) -> Result<(), E>,
) -> (Option<CpuInfo>, Option<E>) {
    let find = |t: &T| t.iter().find(|c| c.apicid == apicid).copied();
    if let Some(c) = find(table) {
        return (Some(c), None);
    }
    let err = refresh(table).err();
    (find(table), err)
}

/// The kernel's `struct mce` (uapi, Linux 6.12).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
#[allow(missing_docs)]
pub struct Mce {
    pub status: u64,
    pub misc: u64,
    pub addr: u64,
    pub mcgstatus: u64,
    pub ip: u64,
    pub tsc: u64,
    pub time: u64,
    pub cpuvendor: u8,
    pub inject_flags: u8,
    pub severity: u8,
    pub pad: u8,
    pub cpuid: u32,
    pub cs: u8,
    pub bank: u8,
    pub cpu: u8,
    pub finished: u8,
    pub extcpu: u32,
    pub socketid: u32,
    pub apicid: u32,
    pub mcgcap: u64,
    pub synd: u64,
    pub ipid: u64,
    pub ppin: u64,
    pub microcode: u32,
    pub kflags: u64,
}

/// Byte offsets of `struct mce` fields, asserted against the C header in the
/// module build and against `#[repr(C)]` in the host tests.
#[allow(missing_docs)]
pub mod mce_offsets {
    pub const STATUS: usize = 0;
    pub const MISC: usize = 8;
    pub const ADDR: usize = 16;
    pub const MCGSTATUS: usize = 24;
    pub const IP: usize = 32;
    pub const TSC: usize = 40;
    pub const TIME: usize = 48;
    pub const CPUVENDOR: usize = 56;
    pub const INJECT_FLAGS: usize = 57;
    pub const SEVERITY: usize = 58;
    pub const CPUID: usize = 60;
    pub const CS: usize = 64;
    pub const BANK: usize = 65;
    pub const CPU: usize = 66;
    pub const FINISHED: usize = 67;
    pub const EXTCPU: usize = 68;
    pub const SOCKETID: usize = 72;
    pub const APICID: usize = 76;
    pub const MCGCAP: usize = 80;
    pub const SYND: usize = 88;
    pub const IPID: usize = 96;
    pub const PPIN: usize = 104;
    pub const MICROCODE: usize = 112;
    pub const KFLAGS: usize = 120;
}

const _: () = assert!(core::mem::size_of::<Mce>() == MCE_RECORD_LEN);

impl Mce {
    /// `kflags` for the copy handed to the kernel's `mce_log()` of a record
    /// that is already in our `/dev/mcelog` ring: what the kernel's own
    /// `/dev/mcelog` notifier (`dev_mce_log()`) marks on every record it
    /// stores, except AMD's, which the kernel still reports itself. So the
    /// kernel's fallback console report ("[Hardware Error]", three
    /// `KERN_EMERG` lines per record, `mce_default_notifier()`) stays quiet
    /// as it does natively with `/dev/mcelog`; `mce=print_all` still
    /// prints. (The records in the ring keep `kflags` 0, as natively.)
    pub fn kernel_log_kflags(&self) -> u64 {
        if self.cpuvendor == X86_VENDOR_AMD {
            0
        } else {
            MCE_HANDLED_MCELOG
        }
    }

    /// The record as the bytes `read(2)` on `/dev/mcelog` returns, padding zeroed.
    pub fn to_bytes(&self) -> [u8; MCE_RECORD_LEN] {
        use mce_offsets::*;
        let mut b = [0u8; MCE_RECORD_LEN];
        let mut put = |off: usize, v: &[u8]| b[off..off + v.len()].copy_from_slice(v);
        put(STATUS, &self.status.to_le_bytes());
        put(MISC, &self.misc.to_le_bytes());
        put(ADDR, &self.addr.to_le_bytes());
        put(MCGSTATUS, &self.mcgstatus.to_le_bytes());
        put(IP, &self.ip.to_le_bytes());
        put(TSC, &self.tsc.to_le_bytes());
        put(TIME, &self.time.to_le_bytes());
        put(
            CPUVENDOR,
            &[self.cpuvendor, self.inject_flags, self.severity, self.pad],
        );
        put(CPUID, &self.cpuid.to_le_bytes());
        put(CS, &[self.cs, self.bank, self.cpu, self.finished]);
        put(EXTCPU, &self.extcpu.to_le_bytes());
        put(SOCKETID, &self.socketid.to_le_bytes());
        put(APICID, &self.apicid.to_le_bytes());
        put(MCGCAP, &self.mcgcap.to_le_bytes());
        put(SYND, &self.synd.to_le_bytes());
        put(IPID, &self.ipid.to_le_bytes());
        put(PPIN, &self.ppin.to_le_bytes());
        put(MICROCODE, &self.microcode.to_le_bytes());
        put(KFLAGS, &self.kflags.to_le_bytes());
        b
    }
}

/// What the conversion of one `mc_info` produced, in telemetry order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A `struct mce` for one bank entry.
    Record(Mce),
    /// A recovery action Xen took.
    Recovery(Recovery),
    /// A record whose APIC ID matched no CPU Xen reports, even after a refresh.
    UnknownCpu {
        /// The APIC ID from `mcinfo_global`.
        apicid: u32,
    },
    /// An entry of a type this code does not know, skipped.
    UnknownEntry {
        /// Its `mcinfo_common.type`.
        kind: u16,
    },
    /// Extended MSRs that `struct mce` has no field for (kept in the log only).
    ExtendedMsr {
        /// The MSR number.
        reg: u64,
        /// Its value.
        value: u64,
    },
}

/// Converts one `mc_info` into events, in telemetry order.
///
/// `cpu` resolves an APIC ID (the kernel side refreshes its table on a miss);
/// `wall` is the wall-clock time in seconds for `struct mce.time`. MSRs from
/// `MC_TYPE_EXTENDED` that the record has a field for (`MCG_EIP`,
/// `PPIN`) are folded into the bank records of the same `mc_info`, whichever
/// order Xen put them in. Returns the walk's error, if any, after emitting
/// every event of the valid prefix.
pub fn convert(
    info: &McInfo<'_>,
    wall: u64,
    mut cpu: impl FnMut(u32) -> Option<CpuInfo>,
    mut sink: impl FnMut(Event),
) -> Result<(), ParseError> {
    // First pass: the global entry and the extended MSRs apply to every bank.
    let mut global = Global::default();
    let mut ip = None;
    let mut ppin = 0;
    for e in info.entries().flatten() {
        match e {
            Entry::Global(g) => global = g,
            Entry::Extended(x) => {
                for (reg, value) in x.msrs() {
                    match reg {
                        MSR_IA32_MCG_EIP => ip = Some(value),
                        MSR_PPIN => ppin = value,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let mut info_cpu: Option<Option<CpuInfo>> = None;
    for e in info.entries() {
        match e? {
            Entry::Bank(b) => {
                let c = *info_cpu.get_or_insert_with(|| {
                    let c = cpu(global.apicid);
                    if c.is_none() {
                        sink(Event::UnknownCpu {
                            apicid: global.apicid,
                        });
                    }
                    c
                });
                sink(Event::Record(record(
                    &global,
                    &b,
                    c.as_ref(),
                    ip,
                    ppin,
                    wall,
                )));
            }
            Entry::Recovery(r) => sink(Event::Recovery(r)),
            Entry::Unknown { kind, .. } => sink(Event::UnknownEntry { kind }),
            Entry::Extended(x) => {
                for (reg, value) in x.msrs() {
                    if !matches!(reg, MSR_IA32_MCG_EIP | MSR_PPIN) {
                        sink(Event::ExtendedMsr { reg, value });
                    }
                }
            }
            Entry::Global(_) => {}
        }
    }
    Ok(())
}

/// Builds the `struct mce` for one bank entry.
pub fn record(
    g: &Global,
    b: &Bank,
    cpu: Option<&CpuInfo>,
    ip: Option<u64>,
    ppin: u64,
    wall: u64,
) -> Mce {
    let (extcpu, vendor, cpuid, mcgcap) = match cpu {
        Some(c) => (c.cpunr, c.vendor, c.cpuid, c.mcgcap),
        None => (CPU_UNKNOWN, X86_VENDOR_UNKNOWN, 0, 0),
    };
    Mce {
        status: b.status,
        misc: b.misc,
        addr: b.addr,
        mcgstatus: g.gstatus,
        ip: if g.gstatus & MCG_STATUS_EIPV != 0 {
            ip.unwrap_or(0)
        } else {
            0
        },
        tsc: b.tsc,
        time: wall,
        cpuvendor: vendor,
        cpuid,
        bank: b.bank.min(u8::MAX as u16) as u8,
        cpu: extcpu.min(u8::MAX as u32) as u8,
        // The legacy ABI marks complete entries.
        finished: 1,
        extcpu,
        socketid: g.socketid,
        apicid: g.apicid,
        mcgcap,
        ppin,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::super::mcinfo::build::Builder;
    use super::super::mcinfo::{RecoveryAction, REC_ACTION_RECOVERED};
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn offsets_match_repr_c() {
        use mce_offsets::*;
        assert_eq!(offset_of!(Mce, misc), MISC);
        assert_eq!(offset_of!(Mce, mcgstatus), MCGSTATUS);
        assert_eq!(offset_of!(Mce, time), TIME);
        assert_eq!(offset_of!(Mce, cpuvendor), CPUVENDOR);
        assert_eq!(offset_of!(Mce, severity), SEVERITY);
        assert_eq!(offset_of!(Mce, cpuid), CPUID);
        assert_eq!(offset_of!(Mce, cs), CS);
        assert_eq!(offset_of!(Mce, bank), BANK);
        assert_eq!(offset_of!(Mce, finished), FINISHED);
        assert_eq!(offset_of!(Mce, extcpu), EXTCPU);
        assert_eq!(offset_of!(Mce, apicid), APICID);
        assert_eq!(offset_of!(Mce, mcgcap), MCGCAP);
        assert_eq!(offset_of!(Mce, ppin), PPIN);
        assert_eq!(offset_of!(Mce, microcode), MICROCODE);
        assert_eq!(offset_of!(Mce, kflags), KFLAGS);
        assert_eq!(STATUS + IP + INJECT_FLAGS + SYND + IPID, 32 + 57 + 88 + 96);
    }

    #[test]
    fn kernel_log_copy_is_marked_handled_by_mcelog_except_amd() {
        let mut m = Mce {
            cpuvendor: X86_VENDOR_INTEL,
            ..Default::default()
        };
        assert_eq!(m.kernel_log_kflags(), MCE_HANDLED_MCELOG);
        m.cpuvendor = X86_VENDOR_UNKNOWN;
        assert_eq!(m.kernel_log_kflags(), MCE_HANDLED_MCELOG);
        m.cpuvendor = X86_VENDOR_AMD;
        assert_eq!(m.kernel_log_kflags(), 0);
        // The ring's copy is not marked.
        assert_eq!(m.kflags, 0);
    }

    #[test]
    fn vendor_and_cpuid() {
        assert_eq!(linux_vendor(b"GenuineIntel\0\0\0\0"), X86_VENDOR_INTEL);
        assert_eq!(linux_vendor(b"AuthenticAMD\0\0\0\0"), X86_VENDOR_AMD);
        assert_eq!(linux_vendor(b"HygonGenuine\0\0\0\0"), X86_VENDOR_HYGON);
        assert_eq!(linux_vendor(b"CentaurHauls\0\0\0\0"), X86_VENDOR_CENTAUR);
        assert_eq!(linux_vendor(b"  Shanghai  \0\0\0\0"), X86_VENDOR_ZHAOXIN);
        assert_eq!(linux_vendor(b"GenuineIntex\0\0\0\0"), X86_VENDOR_UNKNOWN);
        assert_eq!(linux_vendor(&[0; 16]), X86_VENDOR_UNKNOWN);
        assert_eq!(linux_vendor(b"Genuine"), X86_VENDOR_UNKNOWN);
        // Haswell: family 6, model 0x3c, stepping 1 -> 0x306c1.
        assert_eq!(cpuid_eax(6, 0x3c, 1), 0x306c1);
        // Zen 2: family 0x17, model 0x31, stepping 0 -> 0x830f10.
        assert_eq!(cpuid_eax(0x17, 0x31, 0), 0x830f10);
    }

    fn haswell(cpunr: u32, apicid: u32) -> CpuInfo {
        CpuInfo {
            cpunr,
            chipid: 0,
            apicid,
            vendor: X86_VENDOR_INTEL,
            cpuid: 0x306c1,
            mcgcap: 0x1000c0a,
        }
    }

    #[test]
    fn golden_conversion_of_a_corrected_error() {
        let mut b = Builder::default();
        b.global(0, 2, 0, 0)
            .bank(1, 0x9c00_0040_0000_009f, 0x1234_5000, 0x86, 4242);
        let mi = McInfo::new(&b.buf).unwrap();
        let mut out = Vec::new();
        convert(
            &mi,
            1_700_000_000,
            |a| (a == 2).then(|| haswell(1, 2)),
            |e| out.push(e),
        )
        .unwrap();
        let Event::Record(m) = out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(
            m,
            Mce {
                status: 0x9c00_0040_0000_009f,
                misc: 0x86,
                addr: 0x1234_5000,
                tsc: 4242,
                time: 1_700_000_000,
                cpuvendor: X86_VENDOR_INTEL,
                cpuid: 0x306c1,
                bank: 1,
                cpu: 1,
                finished: 1,
                extcpu: 1,
                apicid: 2,
                mcgcap: 0x1000c0a,
                ..Default::default()
            }
        );
        let bytes = m.to_bytes();
        assert_eq!(&bytes[0..8], &0x9c00_0040_0000_009fu64.to_le_bytes());
        assert_eq!(bytes[65], 1);
        assert_eq!(&bytes[76..80], &2u32.to_le_bytes());
        assert!(
            bytes[116..120].iter().all(|&x| x == 0),
            "padding must be zero"
        );
    }

    #[test]
    fn recovery_extended_and_unknown_cpu() {
        let mut b = Builder::default();
        b.global(3, 9, 0, MCG_STATUS_EIPV | 1)
            .extended(&[
                (MSR_IA32_MCG_EIP, 0xffff_8000_0000_1234),
                (MSR_PPIN, 0xabcd),
                (0x17a, 5),
            ])
            .bank(0, 0xbd00_0000_0000_00c0, 0x6000_0000, 0x5, 1)
            .bank(2, 0xa000_0000_0000_0000, 0, 0, 1)
            .page_offline(0, 0x60000, 0);
        let mi = McInfo::new(&b.buf).unwrap();
        let mut out = Vec::new();
        let mut lookups = 0;
        convert(
            &mi,
            0,
            |_| {
                lookups += 1;
                None
            },
            |e| out.push(e),
        )
        .unwrap();
        assert_eq!(lookups, 1, "one lookup per mc_info");
        assert_eq!(
            out[0],
            Event::ExtendedMsr {
                reg: 0x17a,
                value: 5
            }
        );
        assert_eq!(out[1], Event::UnknownCpu { apicid: 9 });
        let Event::Record(m) = out[2] else { panic!() };
        assert_eq!(
            (m.extcpu, m.cpu, m.socketid, m.apicid),
            (CPU_UNKNOWN, 0xff, 3, 9)
        );
        assert_eq!(
            (m.ip, m.ppin, m.mcgstatus),
            (0xffff_8000_0000_1234, 0xabcd, 3)
        );
        assert!(matches!(out[3], Event::Record(Mce { bank: 2, .. })));
        assert_eq!(
            out[4],
            Event::Recovery(Recovery {
                bank: 0,
                action_flags: REC_ACTION_RECOVERED,
                action_types: 1,
                action: RecoveryAction::PageOffline {
                    mfn: 0x60000,
                    status: 0
                }
            })
        );
        assert_eq!(out.len(), 5);
    }

    #[test]
    fn only_mcg_eip_is_the_ip() {
        // Xen reports MCG_EAX..MCG_MISC and MCG_R8..R15 together: RFLAGS
        // (0x188) and R8 (0x190) sit next to EIP (0x189) and are not the IP.
        let mut b = Builder::default();
        b.global(0, 0, 0, MCG_STATUS_EIPV)
            .extended(&[(0x188, 0x246), (0x190, 0x8888)])
            .bank(1, 0x9000_0000_0000_0000, 0, 0, 0);
        let mi = McInfo::new(&b.buf).unwrap();
        let mut out = Vec::new();
        convert(&mi, 0, |_| None, |e| out.push(e)).unwrap();
        let ip = out.iter().find_map(|e| match e {
            Event::Record(m) => Some(m.ip),
            _ => None,
        });
        assert_eq!(ip, Some(0));
        let msrs: Vec<u64> = out
            .iter()
            .filter_map(|e| match e {
                Event::ExtendedMsr { reg, .. } => Some(*reg),
                _ => None,
            })
            .collect();
        assert_eq!(msrs, [0x188, 0x190]);
        // With EIP among them, it is.
        let mut b = Builder::default();
        b.global(0, 0, 0, MCG_STATUS_EIPV)
            .extended(&[(0x188, 0x246), (MSR_IA32_MCG_EIP, 0x1234), (0x190, 1)])
            .bank(1, 0x9000_0000_0000_0000, 0, 0, 0);
        let mi = McInfo::new(&b.buf).unwrap();
        let mut ip = None;
        convert(
            &mi,
            0,
            |_| None,
            |e| {
                if let Event::Record(m) = e {
                    ip = Some(m.ip);
                }
            },
        )
        .unwrap();
        assert_eq!(ip, Some(0x1234));
    }

    #[test]
    fn malformed_tail_keeps_the_valid_prefix() {
        let mut b = Builder::default();
        b.global(0, 0, 0, 0).bank(1, 1, 0, 0, 0);
        b.raw(1, 2);
        let mi = McInfo::new(&b.buf).unwrap();
        let mut n = 0;
        let r = convert(
            &mi,
            0,
            |_| Some(haswell(0, 0)),
            |e| n += matches!(e, Event::Record(_)) as usize,
        );
        assert_eq!(n, 1);
        assert!(matches!(r, Err(ParseError::EntryTooSmall { index: 2, .. })));
    }

    #[test]
    fn cpu_table_refreshes_once_on_a_miss() {
        let mut t = vec![haswell(0, 0)];
        let mut refreshes = 0;
        let (c, e) = resolve_cpu(&mut t, 0, |_| -> Result<(), i32> {
            refreshes += 1;
            Ok(())
        });
        assert_eq!((c.map(|c| c.cpunr), e, refreshes), (Some(0), None, 0));
        // CPU 2 (APIC ID 4) hot-added: found after one refresh.
        let (c, e) = resolve_cpu(&mut t, 4, |t| -> Result<(), i32> {
            refreshes += 1;
            t.push(haswell(2, 4));
            Ok(())
        });
        assert_eq!((c.map(|c| c.cpunr), e, refreshes), (Some(2), None, 1));
        // Unknown even after a refresh, and a failing refresh.
        let (c, e) = resolve_cpu(&mut t, 9, |_| -> Result<(), i32> { Ok(()) });
        assert_eq!((c, e), (None, None));
        let (c, e) = resolve_cpu(&mut t, 9, |_| Err(-12));
        assert_eq!((c, e), (None, Some(-12)));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn physcpuinfo_entry_parses() {
        use layout::logical_cpu::*;
        let mut e = [0u8; SIZE];
        e[CPUNR..CPUNR + 4].copy_from_slice(&3u32.to_le_bytes());
        e[APICID..APICID + 4].copy_from_slice(&6u32.to_le_bytes());
        e[FAMILY..FAMILY + 4].copy_from_slice(&6u32.to_le_bytes());
        // Xen's internal vendor number is ignored (it changed between
        // releases); the CPUID string decides.
        e[VENDOR..VENDOR + 4].copy_from_slice(&0x40u32.to_le_bytes());
        e[VENDORID..VENDORID + 12].copy_from_slice(b"GenuineIntel");
        e[MODEL..MODEL + 4].copy_from_slice(&0x3cu32.to_le_bytes());
        e[STEP..STEP + 4].copy_from_slice(&1u32.to_le_bytes());
        e[NMSRVALS..NMSRVALS + 4].copy_from_slice(&1u32.to_le_bytes());
        e[MSRVALUES + 8..MSRVALUES + 16].copy_from_slice(&0xc0au64.to_le_bytes());
        let c = CpuInfo::parse(&e).unwrap();
        assert_eq!(
            c,
            CpuInfo {
                cpunr: 3,
                chipid: 0,
                apicid: 6,
                vendor: X86_VENDOR_INTEL,
                cpuid: 0x306c1,
                mcgcap: 0xc0a
            }
        );
        assert_eq!(CpuInfo::parse(&e[..SIZE - 1]), None);
    }
}
