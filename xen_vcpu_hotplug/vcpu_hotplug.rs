// SPDX-License-Identifier: GPL-2.0
//! xen_vcpu_hotplug: vCPU hot-add and hot-remove in an HVM guest through
//! ACPI processor notifications.
//!
//! `xl vcpu-set` (or QEMU's `device_add`/`device_del`) flips the CPU's bit
//! in the device model's processor bitmap and raises a GPE; the DSDT
//! notifies the processor object. This module handles that notification:
//!
//! - device/bus check with `_STA` present: APIC ID from `_MAT`, map a logical
//!   CPU (`acpi_map_cpu`), register its device, online it (`auto_online`);
//! - eject request: offline, unregister, unmap, `_EJ0`, `_OST`; a CPU that
//!   cannot go offline is left running and `_OST` says "device busy".
//!
//! While loaded it owns processor hotplug (Linux's generic handler is
//! switched off per processor object); at unload the CPUs it added are
//! handed to the native ACPI processor driver and the native handler is
//! switched back on, so a later eject goes through Linux's own path.
//!
//! Where an ACPI notify becomes a CPU: [`GuestCpus::event`] ->
//! `xen_ras_core::guestcpu::guest_event` (the decisions and the order of
//! the steps, host-tested) -> [`Object`]'s steps -> `xenras::cpu`.

#[allow(missing_docs)]
#[path = "../rust/xen_ras_core/src/lib.rs"]
pub mod xen_ras_core;
#[allow(missing_docs)]
#[path = "../rust/xenras/mod.rs"]
pub mod xenras;

use kernel::alloc::{flags::GFP_KERNEL, KVec};
use kernel::prelude::*;
use kernel::sync::{new_mutex, Arc, ArcBorrow, Mutex};
use xen_ras_core::guestcpu::{self, GuestCpuOps, Outcome, Owned};
use xen_ras_core::hotplug::{ost, Sta, NOTIFY_DEVICE_CHECK};
use xen_ras_core::mat::{self, MatFailure};
use xenras::acpi::{Handle, NotifyHandler, ProcessorHotplug};
use xenras::cpu::{self, CpuId, HotplugDisabled};
use xenras::sys;
use xenras::xen;

const VERSION: &str = "0.1.0";
modinfo!(version, "0.1.0");
module_param_bool!(
    auto_online = true,
    0o644,
    "Bring a hot-added vCPU online at once (N: leave it offline for udev or the administrator)"
);

module! {
    type: XenVcpuHotplug,
    name: "xen_vcpu_hotplug",
    author: "xen-ras-rs developers",
    description: "HVM guest vCPU hot-add and hot-remove through ACPI",
    license: "GPL",
}

/// A CPU this module mapped, and the processor object it came from.
#[derive(Clone, Copy)]
struct Added {
    handle: Handle,
    owned: Owned<CpuId>,
}

/// The CPUs this module added; the lock also serialises notifications
/// (ACPI's notify workqueue may run several at once).
#[pin_data]
struct GuestCpus {
    #[pin]
    added: Mutex<KVec<Option<Added>>>,
}

/// One processor object and the table, as the core crate's vCPU hotplug
/// logic sees them.
struct Object<'a> {
    h: Handle,
    added: &'a mut KVec<Option<Added>>,
}

impl GuestCpuOps for Object<'_> {
    type Cpu = CpuId;
    type Err = Error;
    type Hp = HotplugDisabled;
    type Slot = usize;

    fn sta(&mut self) -> Sta {
        self.h.sta()
    }

    fn mat(&mut self) -> core::result::Result<mat::LocalApic, MatFailure<Error>> {
        self.h.mat()
    }

    fn acpi_id(&mut self, entry: &mat::LocalApic) -> u32 {
        self.h.processor_uid(entry.acpi_id)
    }

    fn eject_in_progress(&mut self, notify: u32) {
        self.h.ost(notify, ost::EJECT_IN_PROGRESS)
    }

    fn eject(&mut self) -> Result {
        self.h.eject()
    }

    fn owned(&mut self) -> Option<(usize, Owned<CpuId>)> {
        let h = self.h;
        self.added
            .iter()
            .enumerate()
            .find_map(|(i, a)| a.filter(|a| a.handle == h).map(|a| (i, a.owned)))
    }

    fn reserve(&mut self) -> Option<usize> {
        if let Some(i) = self.added.iter().position(|a| a.is_none()) {
            return Some(i);
        }
        self.added.push(None, GFP_KERNEL).ok()?;
        Some(self.added.len() - 1)
    }

    fn set(&mut self, slot: usize, owned: Option<Owned<CpuId>>) {
        let handle = self.h;
        if let Some(a) = self.added.get_mut(slot) {
            *a = owned.map(|owned| Added { handle, owned });
        }
    }

    fn cpu_by_apic(&mut self, apic_id: u32) -> Option<CpuId> {
        cpu::by_apic_id(apic_id)
    }

    fn hotplug_disabled(&mut self) -> HotplugDisabled {
        HotplugDisabled::new()
    }

    fn map(&mut self, hp: &HotplugDisabled, apic_id: u32, acpi_id: u32) -> Result<CpuId> {
        hp.map(self.h, apic_id, acpi_id)
    }

    fn register(&mut self, hp: &HotplugDisabled, cpu: CpuId) -> Result {
        hp.register(cpu)
    }

    fn unregister(&mut self, hp: &HotplugDisabled, cpu: CpuId) -> Result {
        hp.unregister(cpu)
    }

    fn unmap(&mut self, hp: &HotplugDisabled, cpu: CpuId) -> Result {
        hp.unmap(cpu)
    }

    fn is_online(&mut self, cpu: CpuId) -> bool {
        cpu::online(cpu)
    }

    fn num_online(&mut self) -> u32 {
        cpu::num_online()
    }

    fn bring_up(&mut self, cpu: CpuId) -> Result {
        cpu::bring_up(cpu)
    }

    fn take_down(&mut self, cpu: CpuId) -> Result {
        cpu::take_down(cpu)
    }
}

impl GuestCpus {
    /// Handles one notification (or, with a device check, the load-time
    /// scan, which says nothing of CPUs already present): the decision is
    /// the core crate's, the log line is here.
    fn event(
        added: &mut KVec<Option<Added>>,
        h: Handle,
        event: u32,
        at_load: bool,
    ) -> Outcome<CpuId, Error> {
        let o = guestcpu::guest_event(&mut Object { h, added }, event, auto_online.get());
        let p = h.path();
        match o {
            Outcome::Added {
                cpu,
                apic_id,
                acpi_id,
                online,
            } => {
                pr_info!(
                    "{}: CPU{} hot-added (APIC ID {}, ACPI ID {})\n",
                    p,
                    cpu,
                    apic_id,
                    acpi_id
                );
                match online {
                    None => {}
                    Some(Ok(())) => pr_info!("CPU{} online\n", cpu),
                    // Present but offline is consistent: say so.
                    Some(Err(err)) => pr_err!(
                        "CPU{}: bringing it online failed: {:?}: present but offline\n",
                        cpu,
                        err
                    ),
                }
            }
            Outcome::AlreadyPresent { .. } if at_load => {}
            Outcome::AlreadyPresent { cpu } => pr_info!("{}: already present as CPU{}\n", p, cpu),
            Outcome::Nothing => {}
            Outcome::NoMat(MatFailure::Missing(e)) => pr_err!(
                "{}: no usable _MAT ({:?}): cannot tell which APIC ID to map, not added\n",
                p,
                e
            ),
            Outcome::NoMat(MatFailure::Malformed { err, head }) => {
                pr_err!("{}: malformed _MAT {:?}: {:?}: not added\n", p, head, err)
            }
            Outcome::NoRoom { apic_id } => {
                pr_err!("{}: out of memory: CPU (APIC ID {}) not added\n", p, apic_id)
            }
            Outcome::MapFailed {
                apic_id,
                acpi_id,
                err,
            } => pr_err!(
                "{}: cannot map APIC ID {} (ACPI ID {}) to a logical CPU: {:?} (not a possible CPU at boot, or none free): not added\n",
                p,
                apic_id,
                acpi_id,
                err
            ),
            Outcome::RegisterFailed {
                cpu, err, unmap, ..
            } => pr_err!(
                "{}: CPU{} mapped but its device could not be registered: {:?}; unmapped again: {:?}\n",
                p,
                cpu,
                err,
                unmap
            ),
            Outcome::Removed {
                cpu,
                apic_id,
                ejected,
            } => pr_info!(
                "{}: CPU{} (APIC ID {}) hot-removed{}\n",
                p,
                cpu,
                apic_id,
                if ejected { "" } else { " (surprise removal)" }
            ),
            Outcome::OfflineFailed { cpu, err, last } => pr_warn!(
                "{}: CPU{} cannot go offline ({:?}{}): eject refused, CPU left running\n",
                p,
                cpu,
                err,
                if last { ", last online CPU" } else { "" }
            ),
            Outcome::OnlineAgain { cpu } => pr_warn!(
                "{}: CPU{} went online again during eject: refused, CPU left running\n",
                p,
                cpu
            ),
            Outcome::UnmapFailed { cpu, err } => pr_err!(
                "{}: CPU{} offline but cannot be unmapped: {:?}: left offline\n",
                p,
                cpu,
                err
            ),
            Outcome::EjectFailed { cpu, err, .. } => pr_err!(
                "{}: CPU{} removed from Linux but _EJ0 failed: {:?}: the platform still counts it\n",
                p,
                cpu,
                err
            ),
            Outcome::EjectedEmpty(Ok(())) => {
                pr_info!("{}: ejected (no CPU of Linux behind it)\n", p)
            }
            Outcome::EjectedEmpty(Err(e)) => {
                pr_err!("{}: eject requested but _EJ0 failed: {:?}\n", p, e)
            }
            Outcome::EjectNoMat(f) => pr_err!(
                "{}: eject refused: {} _MAT, cannot tell which CPU it is\n",
                p,
                if matches!(f, MatFailure::Missing(_)) {
                    "no"
                } else {
                    "malformed"
                }
            ),
            Outcome::NotOurs { .. } => pr_warn!(
                "{}: eject refused: this CPU was not added by xen_vcpu_hotplug (boot CPU, or added by Linux's native handler): unload the module to eject it natively\n",
                p
            ),
            Outcome::Unrecognized(n) => pr_info!("{}: notification {:#x} ignored\n", p, n),
        }
        o
    }
}

impl NotifyHandler for GuestCpus {
    fn notify(this: ArcBorrow<'_, Self>, h: Handle, event: u32) -> u32 {
        Self::event(&mut this.added.lock(), h, event, false).ost()
    }
}

struct XenVcpuHotplug {
    cpus: Arc<GuestCpus>,
    /// Linux's generic handler is off for every processor object while
    /// this lives.
    hotplug: ProcessorHotplug<GuestCpus>,
}

impl Drop for XenVcpuHotplug {
    fn drop(&mut self) {
        // Notifications and Linux's work queued for them first; then let the
        // native processor driver adopt the CPUs we added, so that its eject
        // path offlines them before `_EJ0`; only then give Linux its hotplug
        // back, and only for objects it can handle: where the hand-over
        // failed, a native eject would `_EJ0` a CPU that is still online.
        let stopped = core::mem::take(&mut self.hotplug).stop();
        let mut added = core::mem::take(&mut *self.cpus.added.lock());
        for slot in added.iter_mut() {
            let Some(Added { handle, owned }) = *slot else {
                continue;
            };
            if !owned.registered {
                // Mapped, never registered: unmap it, or keep Linux away
                // (its scan would map the APIC ID a second time).
                if HotplugDisabled::new().unmap(owned.cpu).is_ok() {
                    *slot = None;
                    pr_info!("{}: CPU{} unmapped\n", handle.path(), owned.cpu);
                } else {
                    pr_err!(
                        "{}: CPU{} mapped but unregistered and cannot be unmapped: Linux's processor hotplug stays off for it\n",
                        handle.path(),
                        owned.cpu
                    );
                }
                continue;
            }
            match handle.rescan() {
                Ok(()) => {
                    *slot = None;
                    pr_info!(
                        "{}: CPU{} handed over to Linux's ACPI processor driver\n",
                        handle.path(),
                        owned.cpu
                    )
                }
                Err(e) => pr_err!(
                    "{}: CPU{}: native ACPI scan failed ({:?}): Linux's processor hotplug stays off for it\n",
                    handle.path(),
                    owned.cpu,
                    e
                ),
            }
        }
        let kept = stopped.finish(|h| added.iter().flatten().any(|a| a.handle == h));
        pr_info!(
            "unloaded: Linux's ACPI processor hotplug restored ({} objects kept off)\n",
            kept
        );
    }
}

impl kernel::Module for XenVcpuHotplug {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("version {}\n", VERSION);
        if xen::pv_domain() || xen::initial_domain() {
            pr_info!("running as a Xen PV domain or dom0 (vCPUs are not ACPI processors there), refusing to load\n");
            return Err(ENODEV);
        }
        if sys::acpi_disabled() {
            pr_info!("ACPI is disabled, refusing to load\n");
            return Err(ENODEV);
        }
        if !cpu::HOTPLUG_SUPPORTED {
            pr_err!("kernel built without CONFIG_ACPI_HOTPLUG_CPU/CONFIG_HOTPLUG_CPU, refusing to load\n");
            return Err(ENODEV);
        }
        let cpus = Arc::pin_init(
            pin_init!(GuestCpus { added <- new_mutex!(KVec::new(), "xen_vcpu_hotplug::added") }),
            GFP_KERNEL,
        )?;
        let hotplug = ProcessorHotplug::new(&cpus)?;
        pr_info!("owning ACPI processor hotplug: Linux's generic handler is off for these objects until unload\n");
        // vCPUs plugged in while nobody handled them (before load, or while
        // the native handler failed).
        let mut picked = 0;
        for h in hotplug.objects() {
            let mut added = cpus.added.lock();
            let o = GuestCpus::event(&mut added, h, NOTIFY_DEVICE_CHECK, true);
            if matches!(o, Outcome::Added { .. }) {
                picked += 1;
            }
        }
        pr_info!(
            "handling {} processor objects, {} CPUs added at load, auto_online={}\n",
            hotplug.handled(),
            picked,
            auto_online.get()
        );
        Ok(XenVcpuHotplug { cpus, hotplug })
    }
}
