// SPDX-License-Identifier: GPL-2.0
//! xen_acpi_memory: host memory hot-add in Xen's dom0.
//!
//! A DIMM is plugged, firmware notifies its ACPI memory device (`PNP0C80`);
//! this module reads `_STA`, the memory ranges of `_CRS` and `_PXM` (of the
//! device or its nearest ancestor), gives each range to Xen with
//! `XENPF_mem_hotadd`, logs one line per range with Xen's answer and
//! reports `_OST`. The memory goes to Xen's heap, for any domain; dom0 does
//! not map it as its own RAM. Xen cannot remove memory: eject requests are
//! refused with `_OST` "eject not supported". The module owns the memory
//! devices: Linux's generic ACPI hotplug is off for them from the first
//! load on, unload included (see
//! `Documentation/ABI/xen_acpi_memory.rst` for why and for what else keeps
//! Linux's own memory hotplug off Xen's memory).
//!
//! Where an ACPI notify becomes a hypercall: [`HostMemory::event`] ->
//! `xen_ras_core::hostmem::host_mem_event` (the decisions, host-tested) ->
//! [`Device::hotadd`] -> `xen::mem_hotadd`.

#[allow(missing_docs)]
#[path = "../rust/xen_ras_core/src/lib.rs"]
pub mod xen_ras_core;
#[allow(missing_docs)]
#[path = "../rust/xenras/mod.rs"]
pub mod xenras;

use kernel::alloc::flags::GFP_KERNEL;
use kernel::alloc::KVec;
use kernel::c_str;
use kernel::prelude::*;
use kernel::sync::{new_mutex, Arc, ArcBorrow, Mutex};
use xen_ras_core::crs::MemRange;
use xen_ras_core::e820;
use xen_ras_core::hostcpu::{self, PxmSource};
use xen_ras_core::hostmem::{self, CrsFailure, HostMemOps, Outcome, RangeResult};
use xen_ras_core::hotplug::{ost, Sta, NOTIFY_DEVICE_CHECK};
use xenras::acpi::{Handle, HotplugObjects, NotifyHandler};
use xenras::xen;

const VERSION: &str = "0.1.0";
modinfo!(version, "0.1.0");

module! {
    type: XenAcpiMemory,
    name: "xen_acpi_memory",
    author: "xen-ras-rs developers",
    description: "Xen dom0 host memory hot-add through ACPI memory devices",
    license: "GPL",
}

/// Entries of Xen's E820 map read at load (Xen wants room for one more than
/// it has; a PC has a few dozen at most).
const BOOT_MAP_ENTRIES: usize = 256;

/// What Xen is known to have, read under the lock by every event.
struct State {
    /// Xen's own E820 map (`XENMEM_machine_memory_map`), `boot_len` bytes
    /// of it valid: memory Xen has had since boot.
    boot_map: KVec<u8>,
    boot_len: usize,
    /// Ranges (start, end) this module gave Xen since it loaded.
    added: KVec<(u64, u64)>,
}

/// Serialises hotplug events (notifications and the load-time scan).
#[pin_data]
struct HostMemory {
    #[pin]
    state: Mutex<State>,
}

/// One memory device, as the core crate's hot-add logic sees it.
struct Device<'a> {
    h: Handle,
    state: &'a mut State,
    /// The load-time scan, not a notification.
    at_load: bool,
}

/// `start-last (N MiB)` for log lines.
struct Span(MemRange);

impl core::fmt::Display for Span {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let r = self.0;
        write!(
            f,
            "[{:#x}-{:#x}] ({} MiB)",
            r.start,
            r.start.saturating_add(r.len.saturating_sub(1)),
            r.len >> 20
        )
    }
}

/// The `_OST` part of a log line: the code reported, or that none is (the
/// load-time scan answers no notification).
struct OstNote(Option<u32>);

impl core::fmt::Display for OstNote {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(code) => write!(f, "_OST {:#x}", code),
            None => f.write_str("at load, no _OST"),
        }
    }
}

impl HostMemOps for Device<'_> {
    type Err = Error;
    type Crs = KVec<u8>;

    fn sta(&mut self) -> Sta {
        self.h.sta()
    }

    fn crs(&mut self) -> Option<KVec<u8>> {
        match self.h.evaluate_buffer(c_str!("_CRS")) {
            Ok(b) => Some(b),
            Err(e) => {
                pr_err!("{}: _CRS: error {}\n", self.h.path(), e.to_errno());
                None
            }
        }
    }

    fn proximity(&mut self) -> (u32, PxmSource) {
        let mut cur = Some(self.h);
        hostcpu::proximity(core::iter::from_fn(|| {
            let o = cur?;
            cur = o.parent();
            Some(o.evaluate_integer(c_str!("_PXM")).ok().map(|p| p as u32))
        }))
    }

    fn known_to_xen(&mut self, r: &MemRange) -> bool {
        let (start, end) = (r.start, r.end().unwrap_or(u64::MAX));
        e820::ram_covers(&self.state.boot_map[..self.state.boot_len], start, end)
            || self
                .state
                .added
                .iter()
                .any(|&(s, e)| s <= start && end <= e)
    }

    fn dom0_ram(&mut self, r: &MemRange) -> bool {
        // Memory Linux's own hotplug already took (a kernel with
        // CONFIG_ACPI_HOTPLUG_MEMORY booted without acpi_no_memhotplug):
        // dom0 maps those machine frames, and Xen would build its frame
        // table in them. Measured: Xen panicked when dom0 later updated
        // such a mapping (Documentation/ABI/xen_acpi_memory.rst).
        xenras::sys::system_ram_intersects(r.start, r.len)
    }

    fn hotadd(&mut self, spfn: u64, epfn: u64, pxm: u32) -> Result {
        xen::mem_hotadd(spfn, epfn, pxm)
    }

    fn range_done(&mut self, result: &RangeResult<Error>) {
        let p = self.h.path();
        match *result {
            RangeResult::Added {
                range,
                spfn,
                epfn,
                pxm,
            } => {
                pr_info!(
                    "{}: memory {} added to Xen (pfn {:#x}-{:#x}, PXM {})\n",
                    p,
                    Span(range),
                    spfn,
                    epfn,
                    pxm
                );
                let end = range.end().unwrap_or(u64::MAX);
                if self.state.added.push((range.start, end), GFP_KERNEL).is_err() {
                    // Only costs a refused hypercall on a repeated notify.
                    pr_warn!("{}: out of memory remembering the range\n", p);
                }
            }
            RangeResult::Known { range } => pr_info!(
                "{}: memory {} already Xen's (boot memory map, or added since load): skipped\n",
                p,
                Span(range)
            ),
            RangeResult::Unaligned { range } => pr_err!(
                "{}: memory {} not added: not 2 MiB-aligned (Xen adds 2 MiB-aligned ranges only)\n",
                p,
                Span(range)
            ),
            RangeResult::Dom0Ram { range } => pr_err!(
                "{}: memory [{:#x}-{:#x}] not given to Xen: it is System RAM in dom0 (Linux's own memory hotplug took it: boot dom0 with acpi_no_memhotplug)\n",
                p,
                range.start,
                range.start.saturating_add(range.len.saturating_sub(1))
            ),
            // At load Xen cannot tell us whether an earlier load of this
            // module added the range (it refuses both with EINVAL): say so.
            RangeResult::Refused {
                range,
                spfn,
                epfn,
                pxm,
                err,
            } if self.at_load => pr_info!(
                "{}: memory {} not added at load: Xen refused XENPF_mem_hotadd(pfn {:#x}-{:#x}, PXM {}): error {}: already Xen's if an earlier load of this module added it\n",
                p,
                Span(range),
                spfn,
                epfn,
                pxm,
                err.to_errno()
            ),
            RangeResult::Refused {
                range,
                spfn,
                epfn,
                pxm,
                err,
            } => pr_err!(
                "{}: memory {} not added: Xen refused XENPF_mem_hotadd(pfn {:#x}-{:#x}, PXM {}): error {} (Xen needs more than one whole 256 MiB PDX group, inside a hot-pluggable SRAT range of that node, not yet present)\n",
                p,
                Span(range),
                spfn,
                epfn,
                pxm,
                err.to_errno()
            ),
        }
    }
}

impl HostMemory {
    /// Handles one notification (or, with a device check, the load-time
    /// scan): the decision is the core crate's, the log lines are here.
    /// Returns the outcome; `_OST` is its `ost()`.
    fn event(state: &mut State, h: Handle, event: u32, at_load: bool) -> Outcome {
        let o = hostmem::host_mem_event(&mut Device { h, state, at_load }, event);
        let p = h.path();
        let note = OstNote((!at_load).then(|| o.ost()));
        match o {
            Outcome::Done {
                ranges,
                added,
                known,
                failed,
                pxm,
                pxm_source,
            } => {
                if pxm_source == PxmSource::Default {
                    pr_info!("{}: no _PXM on it or any ancestor: proximity domain 0\n", p);
                }
                pr_info!(
                    "{}: {} of {} memory ranges added to Xen, {} already Xen's, {} not added (PXM {}): {}\n",
                    p,
                    added,
                    ranges,
                    known,
                    failed,
                    pxm,
                    note
                );
            }
            Outcome::NotPresent => {}
            Outcome::NoCrs(CrsFailure::Missing) => {
                pr_err!("{}: no usable _CRS: memory not added: {}\n", p, note)
            }
            Outcome::NoCrs(CrsFailure::Malformed(e)) => pr_err!(
                "{}: malformed _CRS ({:?}): memory not added: {}\n",
                p,
                e,
                note
            ),
            Outcome::NoCrs(CrsFailure::NoMemory) => {
                pr_err!("{}: _CRS has no memory range: nothing added: {}\n", p, note)
            }
            Outcome::EjectRefused => pr_warn!(
                "{}: eject refused: Xen cannot hot-remove memory: {}\n",
                p,
                note
            ),
            Outcome::Unrecognized(n) => {
                pr_info!("{}: notification {:#x} ignored\n", p, n)
            }
        }
        o
    }
}

impl NotifyHandler for HostMemory {
    fn notify(this: ArcBorrow<'_, Self>, h: Handle, event: u32) -> u32 {
        let mut state = this.state.lock();
        Self::event(&mut state, h, event, false).ost()
    }
}

/// The module owns hotplug of the memory devices while loaded: Linux's
/// generic ACPI hotplug is switched off for them (on a device check it
/// would scan the device and hand it to Linux's memory hotplug, if built
/// in, and report its own `_OST`; on an eject request it would `_EJ0`
/// the DIMM), and stays off after unload (see `Drop`): notifications
/// then go unanswered until the module is loaded again.
struct XenAcpiMemory {
    hotplug: HotplugObjects<HostMemory>,
}

impl Drop for XenAcpiMemory {
    fn drop(&mut self) {
        // Handlers first, then Linux's hotplug work for what they handled;
        // the flag is not given back: in a Xen dom0 Linux's generic handler
        // would evaluate _EJ0 on an eject request (no scan handler attaches
        // to a memory device without CONFIG_ACPI_HOTPLUG_MEMORY, so nothing
        // stops it) and pull a DIMM whose memory Xen uses, and with that
        // option it would add a new DIMM to dom0.
        let kept = core::mem::take(&mut self.hotplug).stop().finish(|_| true);
        pr_info!(
            "unloaded: Linux's generic ACPI hotplug stays off for {} memory devices (it would eject memory Xen uses)\n",
            kept
        );
    }
}

/// Xen's E820 map and how many bytes of it are valid; empty (logged) if Xen
/// will not give it: then every range is asked of Xen, which refuses what it
/// already has.
fn boot_map() -> Result<(KVec<u8>, usize)> {
    let mut map = KVec::from_elem(0u8, BOOT_MAP_ENTRIES * e820::ENTRY_SIZE, GFP_KERNEL)?;
    let len = match xen::machine_memory_map(&mut map) {
        Ok(n) => n,
        Err(e) => {
            pr_warn!(
                "XENMEM_machine_memory_map failed: error {}: Xen's boot memory unknown\n",
                e.to_errno()
            );
            0
        }
    };
    Ok((map, len))
}

impl kernel::Module for XenAcpiMemory {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("version {}\n", VERSION);
        if !xen::initial_domain() {
            pr_info!("not running in Xen dom0, refusing to load\n");
            return Err(ENODEV);
        }
        let (boot_map, boot_len) = boot_map()?;
        let mem = Arc::pin_init(
            pin_init!(HostMemory {
                state <- new_mutex!(
                    State {
                        boot_map,
                        boot_len,
                        added: KVec::new(),
                    },
                    "xen_acpi_memory::state"
                )
            }),
            GFP_KERNEL,
        )?;
        let hotplug = HotplugObjects::devices(c_str!("PNP0C80"), &mem)?;
        pr_info!("owning ACPI memory device hotplug: Linux's generic handler is off for these devices, after unload too\n");
        if cfg!(CONFIG_ACPI_HOTPLUG_MEMORY) {
            pr_warn!("this kernel has CONFIG_ACPI_HOTPLUG_MEMORY: boot dom0 with acpi_no_memhotplug, or Linux adds DIMMs present at boot (or found by a rescan) to dom0\n");
        }
        // DIMMs present now: Xen's since boot (skipped, said so), or plugged
        // in while the module was not loaded (added now).
        let (mut present, mut added, mut known, mut failed) = (0, 0, 0, 0);
        for h in hotplug.objects() {
            let mut state = mem.state.lock();
            if !h.sta().usable() {
                continue;
            }
            present += 1;
            pr_info!("{}: present at load\n", h.path());
            // A device check without a notification: no _OST (firmware
            // asked nothing).
            match HostMemory::event(&mut state, h, NOTIFY_DEVICE_CHECK, true) {
                Outcome::Done {
                    added: a,
                    known: k,
                    failed: f,
                    ..
                } => {
                    added += a;
                    known += k;
                    failed += f;
                }
                o if o.ost() != ost::SUCCESS => failed += 1,
                _ => {}
            }
        }
        pr_info!(
            "handling {} memory devices; at load {} present: {} ranges added to Xen, {} already Xen's, {} not added\n",
            hotplug.handled(),
            present,
            added,
            known,
            failed
        );
        Ok(XenAcpiMemory { hotplug })
    }
}
