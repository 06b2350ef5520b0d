// SPDX-License-Identifier: GPL-2.0
//! Host memory hot-add in dom0 (xen_acpi_memory): the whole decision from
//! an ACPI notification on a memory device (`PNP0C80`) to the `_OST` code,
//! with the firmware reads and `XENPF_mem_hotadd` behind a trait so that
//! every path, failures included, is tested on the host. The module
//! implements [`HostMemOps`] with ACPI method evaluation and the hypercall,
//! logs each [`RangeResult`] as it happens and the [`Outcome`] at the end,
//! and reports [`Outcome::ost`].
//!
//! One `XENPF_mem_hotadd(spfn, epfn, pxm)` per memory range of `_CRS`
//! (contiguous ones merged), all with the device's proximity domain. A
//! malformed `_CRS` is refused as a whole before Xen is asked anything. A
//! range Xen already has (its boot memory map, or added since the module
//! loaded) is not asked again: Xen would refuse it (`-EINVAL`), and a repeated
//! device check is no failure. A range whose ends are not 2 MiB-aligned is
//! not asked either: Xen's `mem_hotadd_check()` refuses those, and the log
//! says why. Nor is a range of which dom0 already uses some as its own RAM
//! (Linux's own memory hotplug took it). Everything else is Xen's to judge (more than one whole PDX
//! group, inside a hot-pluggable SRAT range of that node, below the frame table's
//! limit): its answer is logged per range.

use super::crs::{self, CrsError, MemRange};
use super::hostcpu::PxmSource;
use super::hotplug::{decide, ost, Action, Flavor, Sta};

/// `XENPF_mem_hotadd` as written by hand in `Documentation/ABI/xen_acpi_memory.rst`
/// (`struct xenpf_mem_hotadd` in Xen's `public/platform.h`); the module
/// asserts every value against bindgen's output for the kernel's copy of
/// the header.
pub mod abi {
    /// The platform op number.
    pub const XENPF_MEM_HOTADD: u32 = 59;
    /// `uint64_t spfn`: first machine page frame.
    pub const SPFN: usize = 0;
    /// `uint64_t epfn`: one past the last.
    pub const EPFN: usize = 8;
    /// `uint32_t pxm`: ACPI proximity domain.
    pub const PXM: usize = 16;
    /// `uint32_t flags`: not read by Xen 4.17.
    pub const FLAGS: usize = 20;
    /// Size of the struct.
    pub const SIZE: usize = 24;
}

/// Page size of the frame numbers Xen takes.
pub const PAGE_SHIFT: u32 = 12;
/// Xen's `mem_hotadd_check()` wants both ends aligned to 2 MiB
/// (`PAGETABLE_ORDER`, 512 pages).
pub const XEN_ALIGN: u64 = 2 << 20;

/// Why the device's `_CRS` could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrsFailure {
    /// No `_CRS`, it failed, or it did not return a buffer.
    Missing,
    /// Refused by [`crs::validate`].
    Malformed(CrsError),
    /// Well formed, but no memory range in it.
    NoMemory,
}

/// What happened to one memory range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeResult<E> {
    /// `XENPF_mem_hotadd` succeeded: the range is in Xen's heap.
    Added {
        range: MemRange,
        spfn: u64,
        epfn: u64,
        pxm: u32,
    },
    /// Xen already has it: not asked again.
    Known { range: MemRange },
    /// Not 2 MiB-aligned at one end: not asked (Xen refuses those).
    Unaligned { range: MemRange },
    /// Some of it is already RAM dom0 uses as its own (Linux's own memory
    /// hotplug took it): not asked. Xen would build the range's frame
    /// table in frames dom0 maps (measured: Xen panicked later).
    Dom0Ram { range: MemRange },
    /// Xen refused it.
    Refused {
        range: MemRange,
        spfn: u64,
        epfn: u64,
        pxm: u32,
        err: E,
    },
}

/// What hot-add needs from ACPI and Xen, for one memory device.
pub trait HostMemOps {
    /// An error from Xen (a negative errno).
    type Err: Copy + core::fmt::Debug + PartialEq;
    /// The `_CRS` buffer.
    type Crs: core::ops::Deref<Target = [u8]>;
    /// `_STA`; none means present and enabled.
    fn sta(&mut self) -> Sta;
    /// `_CRS` as a buffer; `None` if missing, failing or not a buffer.
    fn crs(&mut self) -> Option<Self::Crs>;
    /// `_PXM` of the object or its nearest ancestor
    /// ([`super::hostcpu::proximity`]).
    fn proximity(&mut self) -> (u32, PxmSource);
    /// Whether Xen already has all of `range` (boot memory map, or added
    /// since the module loaded).
    fn known_to_xen(&mut self, range: &MemRange) -> bool;
    /// Whether any of `range` is RAM dom0 uses as its own.
    fn dom0_ram(&mut self, range: &MemRange) -> bool;
    /// `XENPF_mem_hotadd` for page frames `spfn .. epfn`.
    fn hotadd(&mut self, spfn: u64, epfn: u64, pxm: u32) -> Result<(), Self::Err>;
    /// Called once per range, in `_CRS` order, as soon as its result is
    /// known (the module logs it and remembers added ranges).
    fn range_done(&mut self, result: &RangeResult<Self::Err>);
}

/// What a notification led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every range of `_CRS` was handled ([`HostMemOps::range_done`] saw
    /// each): `added` now in Xen, `known` already there, `failed` refused
    /// (by Xen, for alignment, or as dom0's own RAM).
    Done {
        ranges: u32,
        added: u32,
        known: u32,
        failed: u32,
        pxm: u32,
        pxm_source: PxmSource,
    },
    /// `_STA` says not present and enabled: nothing to do.
    NotPresent,
    /// `_CRS` unusable: nothing asked of Xen.
    NoCrs(CrsFailure),
    /// Eject request: Xen cannot hot-remove memory.
    EjectRefused,
    /// A notification memory hotplug does not use.
    Unrecognized(u32),
}

impl Outcome {
    /// The `_OST` status code to report: success only if every range is in
    /// Xen now.
    pub fn ost(&self) -> u32 {
        match self {
            Outcome::Done { failed: 0, .. } | Outcome::NotPresent => ost::SUCCESS,
            Outcome::Done { .. } | Outcome::NoCrs(_) => ost::FAILURE,
            Outcome::EjectRefused => ost::EJECT_NOT_SUPPORTED,
            Outcome::Unrecognized(_) => ost::UNRECOGNIZED_NOTIFY,
        }
    }
}

/// Handles `notify` for one memory device (the load-time scan passes a
/// device check).
pub fn host_mem_event<O: HostMemOps>(ops: &mut O, notify: u32) -> Outcome {
    let sta = ops.sta();
    match decide(Flavor::XenHost, notify, sta, false) {
        Action::Add => {}
        Action::Report(ost::EJECT_NOT_SUPPORTED) => return Outcome::EjectRefused,
        Action::Report(ost::UNRECOGNIZED_NOTIFY) => return Outcome::Unrecognized(notify),
        // Not present and enabled (the Xen host flavour never removes).
        Action::Report(_) | Action::Remove | Action::EjectOnly => return Outcome::NotPresent,
    }
    let Some(buf) = ops.crs() else {
        return Outcome::NoCrs(CrsFailure::Missing);
    };
    let buf = &*buf;
    match crs::validate(buf) {
        Err(e) => return Outcome::NoCrs(CrsFailure::Malformed(e)),
        Ok(0) => return Outcome::NoCrs(CrsFailure::NoMemory),
        Ok(_) => {}
    }
    let (pxm, pxm_source) = ops.proximity();
    let (mut ranges, mut added, mut known, mut failed) = (0, 0, 0, 0);
    // `validate` accepted the whole buffer: every item is a range.
    for range in crs::mem_ranges(buf).flatten() {
        ranges += 1;
        let end = range.end().unwrap_or(u64::MAX);
        let result = if ops.known_to_xen(&range) {
            known += 1;
            RangeResult::Known { range }
        } else if range.start % XEN_ALIGN != 0 || end % XEN_ALIGN != 0 {
            failed += 1;
            RangeResult::Unaligned { range }
        } else if ops.dom0_ram(&range) {
            failed += 1;
            RangeResult::Dom0Ram { range }
        } else {
            let (spfn, epfn) = (range.start >> PAGE_SHIFT, end >> PAGE_SHIFT);
            match ops.hotadd(spfn, epfn, pxm) {
                Ok(()) => {
                    added += 1;
                    RangeResult::Added {
                        range,
                        spfn,
                        epfn,
                        pxm,
                    }
                }
                Err(err) => {
                    failed += 1;
                    RangeResult::Refused {
                        range,
                        spfn,
                        epfn,
                        pxm,
                        err,
                    }
                }
            }
        };
        ops.range_done(&result);
    }
    Outcome::Done {
        ranges,
        added,
        known,
        failed,
        pxm,
        pxm_source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::build::*;
    use crate::hostcpu::proximity;
    use crate::hotplug::{NOTIFY_BUS_CHECK, NOTIFY_DEVICE_CHECK, NOTIFY_EJECT_REQUEST};

    const G: u64 = 1 << 30;
    const M: u64 = 1 << 20;

    /// A scripted memory device and Xen: Xen accepts a range of at least
    /// 256 MiB it does not have yet (a model of `mem_hotadd_check`).
    struct Fake {
        sta: u32,
        crs: Option<Vec<u8>>,
        pxm_chain: [Option<u32>; 3],
        xen: Vec<(u64, u64)>,
        dom0_ram: Vec<(u64, u64)>,
        hotadd_err: Option<i32>,
        calls: Vec<(u64, u64, u32)>,
        results: Vec<RangeResult<i32>>,
    }

    impl Fake {
        fn new(crs: Vec<u8>) -> Self {
            Fake {
                sta: 0xf,
                crs: Some(crs),
                pxm_chain: [None, Some(0), None],
                xen: vec![(0, 2 * G)],
                dom0_ram: vec![],
                hotadd_err: None,
                calls: vec![],
                results: vec![],
            }
        }
    }

    impl HostMemOps for Fake {
        type Err = i32;
        type Crs = Vec<u8>;
        fn sta(&mut self) -> Sta {
            Sta(self.sta)
        }
        fn crs(&mut self) -> Option<Vec<u8>> {
            self.crs.clone()
        }
        fn proximity(&mut self) -> (u32, PxmSource) {
            proximity(self.pxm_chain)
        }
        fn known_to_xen(&mut self, r: &MemRange) -> bool {
            let end = r.end().unwrap();
            self.xen.iter().any(|&(s, e)| s <= r.start && end <= e)
        }
        fn dom0_ram(&mut self, r: &MemRange) -> bool {
            let end = r.end().unwrap();
            self.dom0_ram.iter().any(|&(s, e)| r.start < e && s < end)
        }
        fn hotadd(&mut self, spfn: u64, epfn: u64, pxm: u32) -> Result<(), i32> {
            self.calls.push((spfn, epfn, pxm));
            let (s, e) = (spfn << PAGE_SHIFT, epfn << PAGE_SHIFT);
            if let Some(err) = self.hotadd_err {
                return Err(err);
            }
            if e - s < 256 * M || self.xen.iter().any(|&(a, b)| s < b && a < e) {
                return Err(-22);
            }
            self.xen.push((s, e));
            Ok(())
        }
        fn range_done(&mut self, r: &RangeResult<i32>) {
            self.results.push(*r);
        }
    }

    fn crs(parts: &[&[u8]]) -> Vec<u8> {
        let mut v = parts.concat();
        v.extend_from_slice(&END);
        v
    }
    fn range(start: u64, len: u64) -> MemRange {
        MemRange { start, len }
    }

    #[test]
    fn one_dimm_added_with_the_parents_pxm() {
        let mut f = Fake::new(crs(&[&qword(0, 4 * G, G)]));
        let o = host_mem_event(&mut f, NOTIFY_DEVICE_CHECK);
        assert_eq!(
            o,
            Outcome::Done {
                ranges: 1,
                added: 1,
                known: 0,
                failed: 0,
                pxm: 0,
                pxm_source: PxmSource::Ancestor(1)
            }
        );
        assert_eq!(o.ost(), ost::SUCCESS);
        assert_eq!(f.calls, vec![(0x10_0000, 0x14_0000, 0)]);
        assert_eq!(
            f.results,
            vec![RangeResult::Added {
                range: range(4 * G, G),
                spfn: 0x10_0000,
                epfn: 0x14_0000,
                pxm: 0
            }]
        );
        // The same notification again (a burst): known, not asked again.
        let o = host_mem_event(&mut f, NOTIFY_BUS_CHECK);
        assert!(matches!(
            o,
            Outcome::Done {
                known: 1,
                added: 0,
                failed: 0,
                ..
            }
        ));
        assert_eq!(o.ost(), ost::SUCCESS);
        assert_eq!(f.calls.len(), 1);
    }

    #[test]
    fn one_hypercall_per_range_each_with_its_result() {
        // Two ranges with a gap, one merged pair, the object's own _PXM;
        // the second range is too small for Xen.
        let mut f = Fake::new(crs(&[
            &qword(0, 4 * G, 512 * M),
            &qword(0, 4 * G + 512 * M, 512 * M),
            &IO,
            &qword(0, 6 * G, 128 * M),
        ]));
        f.pxm_chain = [Some(1), Some(0), None];
        let o = host_mem_event(&mut f, NOTIFY_DEVICE_CHECK);
        assert_eq!(
            o,
            Outcome::Done {
                ranges: 2,
                added: 1,
                known: 0,
                failed: 1,
                pxm: 1,
                pxm_source: PxmSource::Object
            }
        );
        assert_eq!(o.ost(), ost::FAILURE);
        assert_eq!(
            f.calls,
            vec![(0x10_0000, 0x14_0000, 1), (0x18_0000, 0x18_8000, 1)]
        );
        assert!(matches!(
            f.results[1],
            RangeResult::Refused { err: -22, .. }
        ));
    }

    #[test]
    fn boot_memory_and_unaligned_ranges_are_not_asked() {
        // A memory device describing boot RAM (present at load): known.
        let mut f = Fake::new(crs(&[&qword(0, G, G)]));
        let o = host_mem_event(&mut f, NOTIFY_DEVICE_CHECK);
        assert!(matches!(
            o,
            Outcome::Done {
                known: 1,
                failed: 0,
                ..
            }
        ));
        assert!(f.calls.is_empty());
        // Not 2 MiB-aligned at the start, at the end, a page-sized range.
        for (s, l) in [(4 * G + 4096, G), (4 * G, G + 4096), (4 * G, 4096)] {
            let mut f = Fake::new(crs(&[&qword(0, s, l)]));
            let o = host_mem_event(&mut f, NOTIFY_DEVICE_CHECK);
            assert_eq!(o.ost(), ost::FAILURE);
            assert_eq!(
                f.results,
                vec![RangeResult::Unaligned { range: range(s, l) }]
            );
            assert!(f.calls.is_empty());
        }
    }

    #[test]
    fn memory_dom0_took_is_not_given_to_xen() {
        // Linux's own hotplug took the DIMM's first 128 MiB as System RAM:
        // the whole range is refused without a hypercall, the next one is
        // still added.
        let mut f = Fake::new(crs(&[&qword(0, 4 * G, G), &qword(0, 6 * G, G)]));
        f.dom0_ram = vec![(4 * G, 4 * G + 128 * M)];
        let o = host_mem_event(&mut f, NOTIFY_DEVICE_CHECK);
        assert!(matches!(
            o,
            Outcome::Done {
                ranges: 2,
                added: 1,
                failed: 1,
                ..
            }
        ));
        assert_eq!(o.ost(), ost::FAILURE);
        assert_eq!(
            f.results[0],
            RangeResult::Dom0Ram {
                range: range(4 * G, G)
            }
        );
        assert_eq!(
            f.calls,
            vec![((6 * G) >> PAGE_SHIFT, (7 * G) >> PAGE_SHIFT, 0)]
        );
    }

    #[test]
    fn xen_refusals_and_firmware_errors() {
        // Xen refuses (outside SRAT, above the address width, ENOMEM...).
        let mut f = Fake::new(crs(&[&qword(0, 1 << 52, G)]));
        f.hotadd_err = Some(-12);
        let o = host_mem_event(&mut f, NOTIFY_DEVICE_CHECK);
        assert!(matches!(
            o,
            Outcome::Done {
                failed: 1,
                added: 0,
                ..
            }
        ));
        assert_eq!(o.ost(), ost::FAILURE);
        // _CRS missing, malformed, without memory: Xen is not asked.
        let cases = [
            (None, CrsFailure::Missing),
            (
                Some(qword(0, 4 * G, G).to_vec()),
                CrsFailure::Malformed(CrsError::NoEndTag),
            ),
            (
                Some(crs(&[&qword(0, 4 * G, G), &qword(0, 8 * G, 0)])),
                CrsFailure::Malformed(CrsError::ZeroLength { offset: 46 }),
            ),
            (
                Some(crs(&[&qword(0, u64::MAX - G + 1, 2 * G)])),
                CrsFailure::Malformed(CrsError::Overflow { offset: 0 }),
            ),
            (Some(crs(&[&IO])), CrsFailure::NoMemory),
        ];
        for (buf, want) in cases {
            let mut f = Fake::new(vec![]);
            f.crs = buf;
            let o = host_mem_event(&mut f, NOTIFY_DEVICE_CHECK);
            assert_eq!(o, Outcome::NoCrs(want));
            assert_eq!(o.ost(), ost::FAILURE);
            assert!(f.calls.is_empty() && f.results.is_empty());
        }
    }

    #[test]
    fn notifications_and_sta() {
        let dimm = crs(&[&qword(0, 4 * G, G)]);
        // notify x _STA -> outcome, _OST, whether Xen was asked.
        let rows = [
            (NOTIFY_DEVICE_CHECK, 0xf, ost::SUCCESS, true),
            (NOTIFY_BUS_CHECK, 0xf, ost::SUCCESS, true),
            (NOTIFY_DEVICE_CHECK, 0x0, ost::SUCCESS, false),
            (NOTIFY_DEVICE_CHECK, 0x1, ost::SUCCESS, false),
            (NOTIFY_DEVICE_CHECK, 0xd, ost::SUCCESS, false),
            (NOTIFY_EJECT_REQUEST, 0xf, ost::EJECT_NOT_SUPPORTED, false),
            (NOTIFY_EJECT_REQUEST, 0x0, ost::EJECT_NOT_SUPPORTED, false),
            (0x80, 0xf, ost::UNRECOGNIZED_NOTIFY, false),
        ];
        for (n, sta, code, asked) in rows {
            let mut f = Fake::new(dimm.clone());
            f.sta = sta;
            let o = host_mem_event(&mut f, n);
            assert_eq!(o.ost(), code, "notify {n:#x} _STA {sta:#x}: {o:?}");
            assert_eq!(!f.calls.is_empty(), asked, "notify {n:#x} _STA {sta:#x}");
        }
        let mut f = Fake::new(dimm.clone());
        assert_eq!(
            host_mem_event(&mut f, NOTIFY_EJECT_REQUEST),
            Outcome::EjectRefused
        );
        assert_eq!(host_mem_event(&mut f, 0x80), Outcome::Unrecognized(0x80));
        f.sta = 0;
        assert_eq!(
            host_mem_event(&mut f, NOTIFY_DEVICE_CHECK),
            Outcome::NotPresent
        );
    }
}
