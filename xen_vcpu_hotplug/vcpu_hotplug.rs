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
//! [`GuestCpus::hot_add`] / [`GuestCpus::hot_remove`].

#[allow(missing_docs)]
#[path = "../rust/xen_ras_core/src/lib.rs"]
pub mod xen_ras_core;
#[allow(missing_docs)]
#[path = "../rust/xenras/mod.rs"]
pub mod xenras;

use kernel::alloc::{flags::GFP_KERNEL, KVec};
use kernel::c_str;
use kernel::prelude::*;
use kernel::sync::{new_mutex, Arc, ArcBorrow, Mutex};
use xen_ras_core::hotplug::{decide_guest, ost, Action, NOTIFY_EJECT_REQUEST};
use xen_ras_core::mat;
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
    cpu: CpuId,
    apic_id: u32,
    /// Its device is registered. `false`: registering failed and so did
    /// unmapping it again; an eject or the unload retries the unmap.
    registered: bool,
}

/// The CPUs this module added; the lock also serialises notifications
/// (ACPI's notify workqueue may run several at once).
#[pin_data]
struct GuestCpus {
    #[pin]
    added: Mutex<KVec<Option<Added>>>,
}

/// Reads and parses `_MAT` without logging; why not, if unusable.
fn mat_entry(h: Handle) -> core::result::Result<mat::LocalApic, &'static str> {
    let buf = h.evaluate_buffer(c_str!("_MAT")).map_err(|_| "no")?;
    mat::parse(&buf).map_err(|_| "malformed")
}

/// Reads `_MAT`; logs and returns the `_OST` code if it is missing or
/// malformed.
fn local_apic(h: Handle) -> core::result::Result<mat::LocalApic, u32> {
    let buf = h.evaluate_buffer(c_str!("_MAT")).map_err(|e| {
        pr_err!(
            "{}: no usable _MAT ({:?}): cannot tell which APIC ID to map, not added\n",
            h.path(),
            e
        );
        ost::FAILURE
    })?;
    mat::parse(&buf).map_err(|e| {
        pr_err!(
            "{}: malformed _MAT {:?}: {:?}: not added\n",
            h.path(),
            &buf[..],
            e
        );
        ost::FAILURE
    })
}

impl GuestCpus {
    /// Maps, registers and (with `auto_online`) onlines the CPU behind `h`.
    /// Returns the `_OST` code.
    fn hot_add(added: &mut KVec<Option<Added>>, h: Handle, e: &mat::LocalApic) -> u32 {
        // A slot first, so that a mapped CPU is never left untracked.
        let free = added.iter().position(|a| a.is_none());
        if free.is_none() && added.push(None, GFP_KERNEL).is_err() {
            pr_err!("{}: out of memory: CPU not added\n", h.path());
            return ost::FAILURE;
        }
        let acpi = h.processor_uid(e.acpi_id);
        let cpu = {
            let hp = HotplugDisabled::new();
            let cpu = match hp.map(h, e.apic_id, acpi) {
                Ok(cpu) => cpu,
                Err(err) => {
                    pr_err!(
                        "{}: cannot map APIC ID {} (ACPI ID {}) to a logical CPU: {:?} (not a possible CPU at boot, or none free): not added\n",
                        h.path(),
                        e.apic_id,
                        acpi,
                        err
                    );
                    return ost::FAILURE;
                }
            };
            if let Err(err) = hp.register(cpu) {
                let undone = hp.unmap(cpu);
                pr_err!(
                    "{}: CPU{} mapped but its device could not be registered: {:?}; unmapped again: {:?}\n",
                    h.path(),
                    cpu,
                    err,
                    undone
                );
                if undone.is_err() {
                    // Still mapped: keep it tracked, so that an eject or the
                    // unload retries the unmap instead of losing it.
                    let slot = free.unwrap_or(added.len() - 1);
                    added[slot] = Some(Added {
                        handle: h,
                        cpu,
                        apic_id: e.apic_id,
                        registered: false,
                    });
                }
                return ost::FAILURE;
            }
            cpu
        };
        let slot = free.unwrap_or(added.len() - 1);
        added[slot] = Some(Added {
            handle: h,
            cpu,
            apic_id: e.apic_id,
            registered: true,
        });
        pr_info!(
            "{}: CPU{} hot-added (APIC ID {}, ACPI ID {})\n",
            h.path(),
            cpu,
            e.apic_id,
            acpi
        );
        if auto_online.get() {
            match cpu::bring_up(cpu) {
                Ok(()) => pr_info!("CPU{} online\n", cpu),
                // Present but offline is consistent: say so.
                Err(err) => pr_err!(
                    "CPU{}: bringing it online failed: {:?}: present but offline\n",
                    cpu,
                    err
                ),
            }
        }
        ost::SUCCESS
    }

    /// Offlines, unregisters and unmaps `added[i]`, then ejects it if
    /// `eject`. Returns the `_OST` code; on failure the CPU keeps running.
    fn hot_remove(added: &mut KVec<Option<Added>>, i: usize, event: u32, eject: bool) -> u32 {
        let Some(a) = added[i] else {
            return ost::FAILURE;
        };
        if eject {
            a.handle.ost(event, ost::EJECT_IN_PROGRESS);
        }
        if cpu::online(a.cpu) {
            if let Err(err) = cpu::take_down(a.cpu) {
                pr_warn!(
                    "{}: CPU{} cannot go offline ({:?}{}): eject refused, CPU left running\n",
                    a.handle.path(),
                    a.cpu,
                    err,
                    if cpu::num_online() == 1 {
                        ", last online CPU"
                    } else {
                        ""
                    }
                );
                return ost::DEVICE_BUSY;
            }
        }
        {
            let hp = HotplugDisabled::new();
            // Brought back online by someone between the two steps.
            if cpu::online(a.cpu) {
                pr_warn!(
                    "{}: CPU{} went online again during eject: refused, CPU left running\n",
                    a.handle.path(),
                    a.cpu
                );
                return ost::DEVICE_BUSY;
            }
            if let Err(err) = hp.unregister(a.cpu).and_then(|()| hp.unmap(a.cpu)) {
                pr_err!(
                    "{}: CPU{} offline but cannot be unmapped: {:?}: left offline\n",
                    a.handle.path(),
                    a.cpu,
                    err
                );
                return ost::FAILURE;
            }
        }
        added[i] = None;
        if eject {
            if let Err(err) = a.handle.eject() {
                pr_err!(
                    "{}: CPU{} removed from Linux but _EJ0 failed: {:?}: the platform still counts it\n",
                    a.handle.path(),
                    a.cpu,
                    err
                );
                return ost::FAILURE;
            }
        }
        pr_info!(
            "{}: CPU{} (APIC ID {}) hot-removed{}\n",
            a.handle.path(),
            a.cpu,
            a.apic_id,
            if eject { "" } else { " (surprise removal)" }
        );
        ost::SUCCESS
    }

    /// Handles one notification (or, with a device check, the load-time
    /// scan). Returns the `_OST` code.
    fn event(added: &mut KVec<Option<Added>>, h: Handle, event: u32) -> u32 {
        let sta = h.sta();
        let owned = added.iter().position(|a| a.is_some_and(|a| a.handle == h));
        let entry = match (sta.usable(), owned) {
            (true, None) if event == NOTIFY_EJECT_REQUEST => match mat_entry(h) {
                Ok(e) => Some(e),
                // Without _MAT there is no telling which CPU it is: it may
                // be one Linux runs on.
                Err(why) => {
                    pr_err!(
                        "{}: eject refused: {} _MAT, cannot tell which CPU it is\n",
                        h.path(),
                        why
                    );
                    return ost::FAILURE;
                }
            },
            (true, None) => match local_apic(h) {
                Ok(e) => Some(e),
                Err(code) => return code,
            },
            _ => None,
        };
        let mapped = entry.and_then(|e| cpu::by_apic_id(e.apic_id));
        match decide_guest(event, sta, mapped.is_some(), owned.is_some()) {
            Action::Add => match entry {
                Some(e) => Self::hot_add(added, h, &e),
                None => ost::FAILURE,
            },
            Action::EjectOnly => match h.eject() {
                Ok(()) => {
                    pr_info!("{}: ejected (no CPU of Linux behind it)\n", h.path());
                    ost::SUCCESS
                }
                Err(e) => {
                    pr_err!("{}: eject requested but _EJ0 failed: {:?}\n", h.path(), e);
                    ost::FAILURE
                }
            },
            Action::Remove => match owned {
                Some(i) => Self::hot_remove(added, i, event, event == NOTIFY_EJECT_REQUEST),
                None => ost::FAILURE,
            },
            Action::Report(code) => {
                if code == ost::EJECT_NOT_SUPPORTED {
                    pr_warn!(
                        "{}: eject refused: this CPU was not added by xen_vcpu_hotplug (boot CPU, or added by Linux's native handler): unload the module to eject it natively\n",
                        h.path()
                    );
                } else if code == ost::UNRECOGNIZED_NOTIFY {
                    pr_info!("{}: notification {:#x} ignored\n", h.path(), event);
                } else if let Some(c) = mapped {
                    pr_info!("{}: already present as CPU{}\n", h.path(), c);
                }
                code
            }
        }
    }
}

impl NotifyHandler for GuestCpus {
    fn notify(this: ArcBorrow<'_, Self>, h: Handle, event: u32) -> u32 {
        Self::event(&mut this.added.lock(), h, event)
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
            let Some(a) = *slot else { continue };
            if !a.registered {
                // Mapped, never registered: unmap it, or keep Linux away
                // (its scan would map the APIC ID a second time).
                if HotplugDisabled::new().unmap(a.cpu).is_ok() {
                    *slot = None;
                    pr_info!("{}: CPU{} unmapped\n", a.handle.path(), a.cpu);
                } else {
                    pr_err!(
                        "{}: CPU{} mapped but unregistered and cannot be unmapped: Linux's processor hotplug stays off for it\n",
                        a.handle.path(),
                        a.cpu
                    );
                }
                continue;
            }
            match a.handle.rescan() {
                Ok(()) => {
                    *slot = None;
                    pr_info!(
                        "{}: CPU{} handed over to Linux's ACPI processor driver\n",
                        a.handle.path(),
                        a.cpu
                    )
                }
                Err(e) => pr_err!(
                    "{}: CPU{}: native ACPI scan failed ({:?}): Linux's processor hotplug stays off for it\n",
                    a.handle.path(),
                    a.cpu,
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
            if h.sta().usable() {
                if let Ok(e) = local_apic(h) {
                    if cpu::by_apic_id(e.apic_id).is_none()
                        && GuestCpus::hot_add(&mut added, h, &e) == ost::SUCCESS
                    {
                        picked += 1;
                    }
                }
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
