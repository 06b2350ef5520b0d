// SPDX-License-Identifier: GPL-2.0
//! Xen machine-check telemetry: a bounds-checked walk over `struct mc_info`.
//!
//! Layout from `include/xen/interface/xen-mca.h` (x86_64). The offsets below
//! are the single hand-written mirror of that header; the kernel modules
//! assert every one of them at compile time against `bindgen`'s output for
//! the real header (`rust/xenras/xen.rs`), and the host tests assert
//! the arithmetic that ties them together.
//!
//! Hypervisor data is not trusted: a zero-sized entry, an entry running past
//! the buffer, an entry shorter than its type, or an absurd entry count ends
//! the walk with a [`ParseError`] instead of reading out of bounds or looping.

use super::bytes::{u16_at, u32_at, u64_at, u8_at};

/// `MCINFO_MAXSIZE`: the size of `struct mc_info`.
pub const MCINFO_MAXSIZE: usize = 768;
/// Offset of `mi_data` in `struct mc_info`.
pub const MI_DATA_OFFSET: usize = 8;
/// Size of `mi_data`: `(MCINFO_MAXSIZE - 1) / 8` 64-bit words.
pub const MI_DATA_LEN: usize = ((MCINFO_MAXSIZE - 1) / 8) * 8;
/// `sizeof(struct mc_info)`.
pub const MC_INFO_SIZE: usize = MI_DATA_OFFSET + MI_DATA_LEN;
/// An entry is at least its `mcinfo_common` header, so no more than this many fit.
pub const MAX_ENTRIES: usize = MI_DATA_LEN / layout::COMMON_SIZE;
/// The most `struct mcinfo_bank` entries one `mc_info` can carry.
pub const MAX_BANKS: usize = MI_DATA_LEN / layout::bank::SIZE;

/// `MC_TYPE_GLOBAL`.
pub const MC_TYPE_GLOBAL: u16 = 0;
/// `MC_TYPE_BANK`.
pub const MC_TYPE_BANK: u16 = 1;
/// `MC_TYPE_EXTENDED`.
pub const MC_TYPE_EXTENDED: u16 = 2;
/// `MC_TYPE_RECOVERY`.
pub const MC_TYPE_RECOVERY: u16 = 3;

/// `MC_ACTION_PAGE_OFFLINE`.
pub const MC_ACTION_PAGE_OFFLINE: u8 = 1 << 0;
/// `MC_ACTION_CPU_OFFLINE`.
pub const MC_ACTION_CPU_OFFLINE: u8 = 1 << 1;
/// `MC_ACTION_CACHE_SHRINK`.
pub const MC_ACTION_CACHE_SHRINK: u8 = 1 << 2;
/// `REC_ACTION_RECOVERED`.
pub const REC_ACTION_RECOVERED: u8 = 1 << 0;
/// `REC_ACTION_NONE`.
pub const REC_ACTION_NONE: u8 = 1 << 1;
/// `REC_ACTION_NEED_RESET`.
pub const REC_ACTION_NEED_RESET: u8 = 1 << 2;

/// Field offsets and sizes of the Xen structures (x86_64).
#[allow(missing_docs)]
pub mod layout {
    /// `sizeof(struct mcinfo_common)`.
    pub const COMMON_SIZE: usize = 4;
    /// Offset of `mcinfo_common.type`.
    pub const COMMON_TYPE: usize = 0;
    /// Offset of `mcinfo_common.size`.
    pub const COMMON_LEN: usize = 2;

    /// `struct mcinfo_global`.
    pub mod global {
        pub const DOMID: usize = 4;
        pub const VCPUID: usize = 6;
        pub const SOCKETID: usize = 8;
        pub const COREID: usize = 12;
        pub const CORE_THREADID: usize = 14;
        pub const APICID: usize = 16;
        pub const FLAGS: usize = 20;
        pub const GSTATUS: usize = 24;
        pub const SIZE: usize = 32;
    }

    /// `struct mcinfo_bank`.
    pub mod bank {
        pub const BANK: usize = 4;
        pub const DOMID: usize = 6;
        pub const STATUS: usize = 8;
        pub const ADDR: usize = 16;
        pub const MISC: usize = 24;
        pub const CTRL2: usize = 32;
        pub const TSC: usize = 40;
        pub const SIZE: usize = 48;
    }

    /// `struct mcinfo_extended` and `struct mcinfo_msr`.
    pub mod extended {
        pub const MSRS: usize = 4;
        pub const MSR_ARRAY: usize = 8;
        pub const MSR_SIZE: usize = 16;
        pub const MSR_MAX: usize = 32;
        pub const SIZE: usize = MSR_ARRAY + MSR_SIZE * MSR_MAX;
    }

    /// `struct mcinfo_recovery`.
    pub mod recovery {
        pub const BANK: usize = 4;
        pub const ACTION_FLAGS: usize = 6;
        pub const ACTION_TYPES: usize = 7;
        pub const ACTION_INFO: usize = 8;
        /// `page_offline_action.mfn` (absolute).
        pub const PAGE_MFN: usize = ACTION_INFO;
        /// `page_offline_action.status` (absolute).
        pub const PAGE_STATUS: usize = ACTION_INFO + 8;
        /// `cpu_offline_action.mc_socketid` (absolute).
        pub const CPU_SOCKETID: usize = ACTION_INFO;
        /// `cpu_offline_action.mc_coreid` (absolute).
        pub const CPU_COREID: usize = ACTION_INFO + 4;
        /// `cpu_offline_action.mc_core_threadid` (absolute).
        pub const CPU_THREADID: usize = ACTION_INFO + 6;
        pub const SIZE: usize = ACTION_INFO + 16;
    }

    /// `struct mcinfo_logical_cpu` (one element of `XEN_MC_physcpuinfo`).
    pub mod logical_cpu {
        pub const CPUNR: usize = 0;
        pub const CHIPID: usize = 4;
        pub const COREID: usize = 8;
        pub const THREADID: usize = 10;
        pub const APICID: usize = 12;
        pub const FAMILY: usize = 36;
        pub const VENDOR: usize = 40;
        pub const MODEL: usize = 44;
        pub const STEP: usize = 48;
        pub const VENDORID: usize = 52;
        pub const VENDORID_LEN: usize = 16;
        pub const NMSRVALS: usize = 168;
        pub const MSRVALUES: usize = 176;
        pub const MSR_ARRAYSIZE: usize = 8;
        pub const SIZE: usize = MSRVALUES + MSR_ARRAYSIZE * super::extended::MSR_SIZE;
    }
}

/// Why a telemetry buffer could not be walked to its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The buffer is shorter than the `mc_info` header.
    Truncated { len: usize },
    /// `mi_nentries` claims more entries than can possibly fit.
    TooManyEntries { nentries: u32 },
    /// Entry `index` has a `size` smaller than its header: walking on would loop.
    EntryTooSmall { index: usize, size: u16 },
    /// Entry `index` at `offset` (in `mi_data`) with `size` ends past the data.
    EntryPastEnd {
        index: usize,
        offset: usize,
        size: u16,
    },
    /// Entry `index` of known `kind` is shorter than that kind's structure.
    EntryShorterThanType { index: usize, kind: u16, size: u16 },
}

/// `struct mcinfo_global`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Global {
    pub domid: u16,
    pub vcpuid: u16,
    pub socketid: u32,
    pub coreid: u16,
    pub core_threadid: u16,
    pub apicid: u32,
    pub flags: u32,
    pub gstatus: u64,
}

/// `struct mcinfo_bank`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bank {
    pub bank: u16,
    pub domid: u16,
    pub status: u64,
    pub addr: u64,
    pub misc: u64,
    pub ctrl2: u64,
    pub tsc: u64,
}

/// `struct mcinfo_extended`: a list of (MSR, value) pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extended<'a> {
    raw: &'a [u8],
    count: u32,
}

impl<'a> Extended<'a> {
    /// The valid (MSR, value) pairs: at most `mc_msrs`, at most what the entry holds.
    pub fn msrs(&self) -> impl Iterator<Item = (u64, u64)> + 'a {
        let raw = self.raw;
        let fit =
            raw.len().saturating_sub(layout::extended::MSR_ARRAY) / layout::extended::MSR_SIZE;
        let n = fit.min(self.count as usize);
        (0..n).filter_map(move |i| {
            let off = layout::extended::MSR_ARRAY + i * layout::extended::MSR_SIZE;
            Some((u64_at(raw, off)?, u64_at(raw, off + 8)?))
        })
    }
}

/// What Xen did to recover, from `struct mcinfo_recovery`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecoveryAction {
    /// Xen offlined (or will offline) the machine frame `mfn`.
    PageOffline { mfn: u64, status: u64 },
    /// Xen offlined the physical CPU at socket/core/thread.
    CpuOffline {
        socketid: u32,
        coreid: u16,
        threadid: u16,
    },
    /// Another action type (`action_types` says which).
    Other,
}

/// `struct mcinfo_recovery`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recovery {
    pub bank: u16,
    pub action_flags: u8,
    pub action_types: u8,
    pub action: RecoveryAction,
}

/// One telemetry entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry<'a> {
    Global(Global),
    Bank(Bank),
    Extended(Extended<'a>),
    Recovery(Recovery),
    /// An entry type this code does not know; skipped, but reported.
    Unknown {
        kind: u16,
        size: u16,
    },
}

/// A validated view of one `struct mc_info`.
#[derive(Clone, Copy, Debug)]
pub struct McInfo<'a> {
    data: &'a [u8],
    nentries: u32,
    flags: u32,
}

impl<'a> McInfo<'a> {
    /// Checks the header of a `struct mc_info` held in `buf`.
    pub fn new(buf: &'a [u8]) -> Result<Self, ParseError> {
        let (Some(nentries), Some(flags)) = (u32_at(buf, 0), u32_at(buf, 4)) else {
            return Err(ParseError::Truncated { len: buf.len() });
        };
        if nentries as usize > MAX_ENTRIES {
            return Err(ParseError::TooManyEntries { nentries });
        }
        let end = buf.len().min(MC_INFO_SIZE);
        Ok(Self {
            data: &buf[MI_DATA_OFFSET..end],
            nentries,
            flags,
        })
    }

    /// `mi_nentries`.
    pub fn nentries(&self) -> u32 {
        self.nentries
    }

    /// `mc_info.flags`.
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// Walks the entries; the walk ends at the first malformed entry, which
    /// is yielded as an error.
    pub fn entries(&self) -> Entries<'a> {
        Entries {
            data: self.data,
            offset: 0,
            index: 0,
            left: self.nentries as usize,
            failed: false,
        }
    }

    /// How many bank entries (so `struct mce` records) the valid prefix holds.
    pub fn bank_count(&self) -> usize {
        self.entries()
            .filter(|e| matches!(e, Ok(Entry::Bank(_))))
            .count()
    }
}

/// Iterator over the entries of an [`McInfo`].
pub struct Entries<'a> {
    data: &'a [u8],
    offset: usize,
    index: usize,
    left: usize,
    failed: bool,
}

impl<'a> Entries<'a> {
    fn next_entry(&mut self) -> Result<Entry<'a>, ParseError> {
        let index = self.index;
        let offset = self.offset;
        let rest = self.data.get(offset..).unwrap_or(&[]);
        let (Some(kind), Some(size)) = (
            u16_at(rest, layout::COMMON_TYPE),
            u16_at(rest, layout::COMMON_LEN),
        ) else {
            return Err(ParseError::EntryPastEnd {
                index,
                offset,
                size: 0,
            });
        };
        if (size as usize) < layout::COMMON_SIZE {
            return Err(ParseError::EntryTooSmall { index, size });
        }
        let Some(e) = rest.get(..size as usize) else {
            return Err(ParseError::EntryPastEnd {
                index,
                offset,
                size,
            });
        };
        let min = match kind {
            MC_TYPE_GLOBAL => layout::global::SIZE,
            MC_TYPE_BANK => layout::bank::SIZE,
            MC_TYPE_EXTENDED => layout::extended::MSR_ARRAY,
            MC_TYPE_RECOVERY => layout::recovery::SIZE,
            _ => layout::COMMON_SIZE,
        };
        if e.len() < min {
            return Err(ParseError::EntryShorterThanType { index, kind, size });
        }
        self.offset += size as usize;
        self.index += 1;
        // Every read below is within `min`, checked above; `?`-free defaults
        // keep the walk total even so.
        let r16 = |o| u16_at(e, o).unwrap_or(0);
        let r32 = |o| u32_at(e, o).unwrap_or(0);
        let r64 = |o| u64_at(e, o).unwrap_or(0);
        Ok(match kind {
            MC_TYPE_GLOBAL => {
                use layout::global::*;
                Entry::Global(Global {
                    domid: r16(DOMID),
                    vcpuid: r16(VCPUID),
                    socketid: r32(SOCKETID),
                    coreid: r16(COREID),
                    core_threadid: r16(CORE_THREADID),
                    apicid: r32(APICID),
                    flags: r32(FLAGS),
                    gstatus: r64(GSTATUS),
                })
            }
            MC_TYPE_BANK => {
                use layout::bank::*;
                Entry::Bank(Bank {
                    bank: r16(BANK),
                    domid: r16(DOMID),
                    status: r64(STATUS),
                    addr: r64(ADDR),
                    misc: r64(MISC),
                    ctrl2: r64(CTRL2),
                    tsc: r64(TSC),
                })
            }
            MC_TYPE_EXTENDED => Entry::Extended(Extended {
                raw: e,
                count: r32(layout::extended::MSRS),
            }),
            MC_TYPE_RECOVERY => {
                use layout::recovery::*;
                let types = u8_at(e, ACTION_TYPES).unwrap_or(0);
                let action = if types & MC_ACTION_PAGE_OFFLINE != 0 {
                    RecoveryAction::PageOffline {
                        mfn: r64(PAGE_MFN),
                        status: r64(PAGE_STATUS),
                    }
                } else if types & MC_ACTION_CPU_OFFLINE != 0 {
                    RecoveryAction::CpuOffline {
                        socketid: r32(CPU_SOCKETID),
                        coreid: r16(CPU_COREID),
                        threadid: r16(CPU_THREADID),
                    }
                } else {
                    RecoveryAction::Other
                };
                Entry::Recovery(Recovery {
                    bank: r16(BANK),
                    action_flags: u8_at(e, ACTION_FLAGS).unwrap_or(0),
                    action_types: types,
                    action,
                })
            }
            _ => Entry::Unknown { kind, size },
        })
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.left == 0 {
            return None;
        }
        self.left -= 1;
        let r = self.next_entry();
        self.failed = r.is_err();
        Some(r)
    }
}

/// Builds `struct mc_info` blobs for tests, benchmarks and fuzzing seeds.
pub mod build {
    use super::{
        layout, MC_INFO_SIZE, MC_TYPE_BANK, MC_TYPE_GLOBAL, MC_TYPE_RECOVERY, MI_DATA_OFFSET,
    };

    /// A `struct mc_info` under construction.
    pub struct Builder {
        /// The raw bytes, `MC_INFO_SIZE` long.
        pub buf: [u8; MC_INFO_SIZE],
        off: usize,
        n: u32,
    }

    impl Default for Builder {
        fn default() -> Self {
            Self {
                buf: [0; MC_INFO_SIZE],
                off: MI_DATA_OFFSET,
                n: 0,
            }
        }
    }

    impl Builder {
        fn put(&mut self, at: usize, v: &[u8]) {
            self.buf[self.off + at..self.off + at + v.len()].copy_from_slice(v);
        }

        /// Appends a raw entry header of `kind` and `size`, with zeroed body.
        /// Returns `false` (and appends nothing) if it does not fit.
        pub fn raw(&mut self, kind: u16, size: u16) -> bool {
            if self.off + (size as usize).max(layout::COMMON_SIZE) > MC_INFO_SIZE {
                return false;
            }
            self.put(0, &kind.to_le_bytes());
            self.put(2, &size.to_le_bytes());
            self.off += size as usize;
            self.n += 1;
            self.buf[0..4].copy_from_slice(&self.n.to_le_bytes());
            true
        }

        fn field(&mut self, entry_start: usize, at: usize, v: &[u8]) {
            self.buf[entry_start + at..entry_start + at + v.len()].copy_from_slice(v);
        }

        /// Appends `struct mcinfo_global`.
        pub fn global(
            &mut self,
            socketid: u32,
            apicid: u32,
            flags: u32,
            gstatus: u64,
        ) -> &mut Self {
            use layout::global::*;
            let s = self.off;
            assert!(self.raw(MC_TYPE_GLOBAL, SIZE as u16));
            self.field(s, SOCKETID, &socketid.to_le_bytes());
            self.field(s, APICID, &apicid.to_le_bytes());
            self.field(s, FLAGS, &flags.to_le_bytes());
            self.field(s, GSTATUS, &gstatus.to_le_bytes());
            self
        }

        /// Appends `struct mcinfo_bank`; returns `false` if it does not fit.
        pub fn try_bank(&mut self, bank: u16, status: u64, addr: u64, misc: u64, tsc: u64) -> bool {
            use layout::bank::*;
            let s = self.off;
            if !self.raw(MC_TYPE_BANK, SIZE as u16) {
                return false;
            }
            self.field(s, BANK, &bank.to_le_bytes());
            self.field(s, STATUS, &status.to_le_bytes());
            self.field(s, ADDR, &addr.to_le_bytes());
            self.field(s, MISC, &misc.to_le_bytes());
            self.field(s, TSC, &tsc.to_le_bytes());
            true
        }

        /// Appends `struct mcinfo_bank`.
        pub fn bank(
            &mut self,
            bank: u16,
            status: u64,
            addr: u64,
            misc: u64,
            tsc: u64,
        ) -> &mut Self {
            assert!(self.try_bank(bank, status, addr, misc, tsc));
            self
        }

        /// Appends a page-offline `struct mcinfo_recovery`.
        pub fn page_offline(&mut self, bank: u16, mfn: u64, status: u64) -> &mut Self {
            use layout::recovery::*;
            let s = self.off;
            assert!(self.raw(MC_TYPE_RECOVERY, SIZE as u16));
            self.field(s, BANK, &bank.to_le_bytes());
            self.field(s, ACTION_FLAGS, &[super::REC_ACTION_RECOVERED]);
            self.field(s, ACTION_TYPES, &[super::MC_ACTION_PAGE_OFFLINE]);
            self.field(s, PAGE_MFN, &mfn.to_le_bytes());
            self.field(s, PAGE_STATUS, &status.to_le_bytes());
            self
        }

        /// Appends `struct mcinfo_extended` with the given (MSR, value) pairs.
        pub fn extended(&mut self, msrs: &[(u64, u64)]) -> &mut Self {
            use layout::extended::*;
            let s = self.off;
            let size = MSR_ARRAY + MSR_SIZE * msrs.len();
            assert!(self.raw(super::MC_TYPE_EXTENDED, size as u16));
            self.field(s, MSRS, &(msrs.len() as u32).to_le_bytes());
            for (i, (r, v)) in msrs.iter().enumerate() {
                self.field(s, MSR_ARRAY + i * MSR_SIZE, &r.to_le_bytes());
                self.field(s, MSR_ARRAY + i * MSR_SIZE + 8, &v.to_le_bytes());
            }
            self
        }

        /// Overrides `mi_nentries`.
        pub fn nentries(&mut self, n: u32) -> &mut Self {
            self.buf[0..4].copy_from_slice(&n.to_le_bytes());
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::build::Builder;
    use super::*;

    #[test]
    fn layout_is_consistent() {
        assert_eq!(MC_INFO_SIZE, 768);
        assert_eq!(MI_DATA_LEN, 760);
        assert_eq!(MAX_BANKS, 15);
        assert_eq!(layout::extended::SIZE, 520);
        assert_eq!(layout::recovery::SIZE, 24);
        assert_eq!(layout::logical_cpu::SIZE, 304);
    }

    #[test]
    fn walks_global_bank_recovery_extended() {
        let mut b = Builder::default();
        b.global(1, 2, 3, 4)
            .bank(5, 0x9c00, 0x1234, 0x86, 77)
            .page_offline(5, 0x60000, 1)
            .extended(&[(0x190, 0xffff)]);
        let mi = McInfo::new(&b.buf).unwrap();
        assert_eq!(mi.nentries(), 4);
        let v: Vec<_> = mi.entries().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            v[0],
            Entry::Global(Global {
                socketid: 1,
                apicid: 2,
                flags: 3,
                gstatus: 4,
                ..Default::default()
            })
        );
        assert_eq!(
            v[1],
            Entry::Bank(Bank {
                bank: 5,
                status: 0x9c00,
                addr: 0x1234,
                misc: 0x86,
                tsc: 77,
                ..Default::default()
            })
        );
        assert!(matches!(
            v[2],
            Entry::Recovery(Recovery {
                bank: 5,
                action: RecoveryAction::PageOffline {
                    mfn: 0x60000,
                    status: 1
                },
                ..
            })
        ));
        let Entry::Extended(x) = v[3] else { panic!() };
        assert_eq!(x.msrs().collect::<Vec<_>>(), [(0x190, 0xffff)]);
        assert_eq!(mi.bank_count(), 1);
    }

    #[test]
    fn zero_size_entry_stops_the_walk() {
        let mut b = Builder::default();
        b.global(0, 0, 0, 0);
        b.raw(MC_TYPE_BANK, 0);
        let mi = McInfo::new(&b.buf).unwrap();
        let v: Vec<_> = mi.entries().collect();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1], Err(ParseError::EntryTooSmall { index: 1, size: 0 }));
    }

    #[test]
    fn size_past_the_end_is_refused() {
        let mut b = Builder::default();
        b.global(0, 0, 0, 0);
        // Header claims 4000 bytes.
        b.buf[MI_DATA_OFFSET + 32..MI_DATA_OFFSET + 34]
            .copy_from_slice(&MC_TYPE_BANK.to_le_bytes());
        b.buf[MI_DATA_OFFSET + 34..MI_DATA_OFFSET + 36].copy_from_slice(&4000u16.to_le_bytes());
        b.nentries(2);
        let v: Vec<_> = McInfo::new(&b.buf).unwrap().entries().collect();
        assert_eq!(
            v[1],
            Err(ParseError::EntryPastEnd {
                index: 1,
                offset: 32,
                size: 4000
            })
        );
    }

    #[test]
    fn entry_shorter_than_its_type_is_refused() {
        let mut b = Builder::default();
        b.raw(MC_TYPE_BANK, 8);
        let v: Vec<_> = McInfo::new(&b.buf).unwrap().entries().collect();
        assert_eq!(
            v,
            [Err(ParseError::EntryShorterThanType {
                index: 0,
                kind: MC_TYPE_BANK,
                size: 8
            })]
        );
    }

    #[test]
    fn unknown_types_are_skipped_and_reported() {
        let mut b = Builder::default();
        b.raw(42, 16);
        b.bank(1, 2, 3, 4, 5);
        let v: Vec<_> = McInfo::new(&b.buf)
            .unwrap()
            .entries()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(v[0], Entry::Unknown { kind: 42, size: 16 });
        assert!(matches!(v[1], Entry::Bank(_)));
    }

    #[test]
    fn too_many_entries_and_truncated_headers() {
        let mut b = Builder::default();
        b.nentries(u32::MAX);
        assert_eq!(
            McInfo::new(&b.buf).unwrap_err(),
            ParseError::TooManyEntries { nentries: u32::MAX }
        );
        assert_eq!(
            McInfo::new(&b.buf[..7]).unwrap_err(),
            ParseError::Truncated { len: 7 }
        );
        // More entries claimed than present: the walk ends on the zeroed tail.
        let mut b = Builder::default();
        b.bank(1, 2, 3, 4, 5).nentries(100);
        let v: Vec<_> = McInfo::new(&b.buf).unwrap().entries().collect();
        assert_eq!(v.len(), 2);
        assert!(v[1].is_err());
    }

    #[test]
    fn truncated_buffer_never_reads_past_it() {
        let mut b = Builder::default();
        b.global(0, 0, 0, 0).bank(1, 2, 3, 4, 5);
        for cut in 0..b.buf.len() {
            if let Ok(mi) = McInfo::new(&b.buf[..cut]) {
                // Must terminate and must not panic.
                assert!(mi.entries().count() <= 2);
            }
        }
    }

    #[test]
    fn extended_count_is_bounded_by_the_entry() {
        let mut b = Builder::default();
        b.extended(&[(1, 2)]);
        // Claim 1000 MSRs in an entry that holds one.
        b.buf[MI_DATA_OFFSET + 4..MI_DATA_OFFSET + 8].copy_from_slice(&1000u32.to_le_bytes());
        let mi = McInfo::new(&b.buf).unwrap();
        let Some(Ok(Entry::Extended(x))) = mi.entries().next() else {
            panic!()
        };
        assert_eq!(x.msrs().count(), 1);
    }

    #[test]
    fn a_full_info_holds_max_banks() {
        let mut b = Builder::default();
        let mut n = 0;
        while b.try_bank(n as u16, 1, 2, 3, 4) {
            n += 1;
        }
        assert_eq!(n, MAX_BANKS);
        assert_eq!(McInfo::new(&b.buf).unwrap().bank_count(), MAX_BANKS);
    }
}
