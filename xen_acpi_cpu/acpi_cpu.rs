// SPDX-License-Identifier: GPL-2.0
//! xen_acpi_cpu: physical CPU hot-add in Xen's dom0.
//!
//! A CPU is plugged in, firmware notifies its ACPI processor object; this
//! module reads `_STA`, `_MAT` (the CPU's MADT local APIC / x2APIC entry)
//! and `_PXM`, makes the CPU present in Xen with `XENPF_cpu_hotadd`, and
//! reports `_OST`. Bringing it online is left to management tools
//! (`/sys/devices/system/xen_cpu/xen_cpuN/online`, `xen-hptool cpu-online N`)
//! unless `auto_online=1`. Xen cannot hot-remove a physical CPU: eject
//! requests are refused with `_OST` "eject not supported".
//!
//! Where an ACPI notify becomes a hypercall: [`HostCpus::event`] ->
//! `xen_ras_core::hostcpu::host_event` (the decisions, host-tested) ->
//! [`Object::hotadd`] -> `xen::cpu_hotadd`.

#[allow(missing_docs)]
#[path = "../rust/xen_ras_core/src/lib.rs"]
pub mod xen_ras_core;
#[allow(missing_docs)]
#[path = "../rust/xenras/mod.rs"]
pub mod xenras;

use kernel::alloc::flags::GFP_KERNEL;
use kernel::c_str;
use kernel::prelude::*;
use kernel::sync::{new_mutex, Arc, ArcBorrow, Mutex};
use xen_ras_core::hostcpu::{self, HostCpuOps, Outcome, PxmSource};
use xen_ras_core::hotplug::{ost, Sta, NOTIFY_DEVICE_CHECK};
use xen_ras_core::mat::{self, MatFailure};
use xenras::acpi::{Handle, NotifyHandler, ProcessorHotplug};
use xenras::xen;

const VERSION: &str = "0.1.0";
modinfo!(version, "0.1.0");
module_param_bool!(
    auto_online = false,
    0o644,
    "Bring a hot-added CPU online in Xen at once (default: leave it to management tools)"
);

module! {
    type: XenAcpiCpu,
    name: "xen_acpi_cpu",
    author: "xen-ras-rs developers",
    description: "Xen dom0 physical CPU hot-add through ACPI",
    license: "GPL",
}

/// Serialises hotplug events (notifications and the load-time scan).
#[pin_data]
struct HostCpus {
    #[pin]
    lock: Mutex<()>,
}

/// Finds the Xen CPU with `apic_id`, if Xen knows it.
fn xen_cpu_by_apic(apic_id: u32) -> Option<xen::Pcpu> {
    let max = xen::get_cpuinfo(0).ok()?.max_present;
    (0..=max)
        .filter_map(|c| xen::get_cpuinfo(c).ok())
        .find(|p| !p.invalid() && p.apic_id == apic_id)
}

/// One processor object, as the core crate's hot-add logic sees it.
struct Object(Handle);

impl HostCpuOps for Object {
    type Err = Error;

    fn sta(&mut self) -> Sta {
        self.0.sta()
    }

    fn mat(&mut self) -> core::result::Result<mat::LocalApic, MatFailure<Error>> {
        self.0.mat()
    }

    fn acpi_id(&mut self, entry: &mat::LocalApic) -> u32 {
        self.0.processor_uid(entry.acpi_id)
    }

    fn proximity(&mut self) -> (u32, PxmSource) {
        let mut cur = Some(self.0);
        hostcpu::proximity(core::iter::from_fn(|| {
            let o = cur?;
            cur = o.parent();
            Some(o.evaluate_integer(c_str!("_PXM")).ok().map(|p| p as u32))
        }))
    }

    fn xen_cpu_by_apic(&mut self, apic_id: u32) -> Option<u32> {
        xen_cpu_by_apic(apic_id).map(|p| p.cpu)
    }

    fn hotadd(&mut self, apic_id: u32, acpi_id: u32, pxm: u32) -> Result<u32> {
        xen::cpu_hotadd(apic_id, acpi_id, pxm)
    }

    fn online(&mut self, cpu: u32) -> Result {
        xen::cpu_online(cpu)
    }
}

impl HostCpus {
    /// Handles one notification (or, with a device check, the load-time
    /// scan): the decision is the core crate's, the log line is here.
    /// Returns the `_OST` code.
    fn event(h: Handle, event: u32) -> u32 {
        let o = hostcpu::host_event(&mut Object(h), event, auto_online.get());
        match o {
            Outcome::Added {
                cpu,
                apic_id,
                acpi_id,
                pxm,
                pxm_source,
                online,
            } => {
                if pxm_source == PxmSource::Default {
                    pr_info!(
                        "{}: no _PXM on it or any ancestor: proximity domain 0\n",
                        h.path()
                    );
                }
                pr_info!(
                    "{}: physical CPU added to Xen as CPU {} (APIC ID {}, ACPI ID {}, PXM {}), offline\n",
                    h.path(),
                    cpu,
                    apic_id,
                    acpi_id,
                    pxm
                );
                match online {
                    // pcpu.c lists it only at Xen's next VIRQ_PCPU_STATE,
                    // which XENPF_cpu_hotadd does not raise: name the tool.
                    None => pr_info!(
                        "Xen CPU {}: left offline for management tools (xen-hptool cpu-online {})\n",
                        cpu,
                        cpu
                    ),
                    Some(Ok(())) => pr_info!("Xen CPU {} online (auto_online)\n", cpu),
                    // Present but offline is a consistent state: say so.
                    Some(Err(err)) => pr_err!(
                        "Xen CPU {}: XENPF_cpu_online failed: {:?}: present but offline\n",
                        cpu,
                        err
                    ),
                }
            }
            Outcome::AlreadyKnown { cpu, apic_id } => pr_info!(
                "{}: already Xen CPU {} (APIC ID {})\n",
                h.path(),
                cpu,
                apic_id
            ),
            Outcome::NotPresent => {}
            Outcome::NoMat(MatFailure::Missing(e)) => pr_err!(
                "{}: no usable _MAT ({:?}): cannot tell Xen the APIC ID, CPU not added\n",
                h.path(),
                e
            ),
            Outcome::NoMat(MatFailure::Malformed { err, head }) => pr_err!(
                "{}: malformed _MAT {:?}: {:?}: CPU not added\n",
                h.path(),
                head,
                err
            ),
            Outcome::HotaddFailed {
                apic_id,
                acpi_id,
                pxm,
                err,
            } => pr_err!(
                "{}: XENPF_cpu_hotadd(apic {}, acpi {}, pxm {}) failed: {:?}: CPU not added\n",
                h.path(),
                apic_id,
                acpi_id,
                pxm,
                err
            ),
            Outcome::EjectRefused => pr_warn!(
                "{}: eject refused: Xen cannot hot-remove a physical CPU\n",
                h.path()
            ),
            Outcome::Unrecognized(n) => {
                pr_info!("{}: notification {:#x} ignored\n", h.path(), n)
            }
        }
        o.ost()
    }
}

impl NotifyHandler for HostCpus {
    fn notify(this: ArcBorrow<'_, Self>, h: Handle, event: u32) -> u32 {
        let _g = this.lock.lock();
        Self::event(h, event)
    }
}

/// The module owns hotplug of the processor objects: Linux's generic ACPI
/// hotplug is switched off for them at load (it cannot add a physical CPU
/// in dom0, and its eject path would `_EJ0` a CPU Xen is running on) and
/// stays off after unload: see `Documentation/ABI/xen_acpi_cpu.rst`.
struct XenAcpiCpu {
    hotplug: ProcessorHotplug<HostCpus>,
}

impl Drop for XenAcpiCpu {
    fn drop(&mut self) {
        // Handlers first, then Linux's hotplug work for what they handled;
        // the flag is not given back: in dom0 Linux's eject path can only
        // harm (it would `_EJ0` a CPU Xen runs on, which hangs Xen).
        let kept = core::mem::take(&mut self.hotplug).stop().finish(|_| true);
        pr_info!(
            "unloaded: Linux's ACPI processor hotplug stays off for {} processor devices (dom0: its eject would take a CPU away from Xen); CPUs plugged in meanwhile are added at the next load\n",
            kept
        );
    }
}

impl kernel::Module for XenAcpiCpu {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("version {}\n", VERSION);
        if !xen::initial_domain() {
            pr_info!("not running in Xen dom0, refusing to load\n");
            return Err(ENODEV);
        }
        let cpus = Arc::pin_init(
            pin_init!(HostCpus { lock <- new_mutex!((), "xen_acpi_cpu::lock") }),
            GFP_KERNEL,
        )?;
        let hotplug = ProcessorHotplug::new(&cpus)?;
        pr_info!("owning ACPI processor hotplug: Linux's generic handler is off for these objects until unload\n");
        // CPUs plugged in while the module was not loaded (only those Xen
        // does not know, so that boot CPUs log nothing).
        let mut added = 0;
        for h in hotplug.objects() {
            let _g = cpus.lock.lock();
            let mut o = Object(h);
            if o.sta().usable() {
                let unknown = match o.mat() {
                    Ok(e) => xen_cpu_by_apic(e.apic_id).is_none(),
                    // Let `event` log what is wrong with it.
                    Err(_) => true,
                };
                if unknown && HostCpus::event(h, NOTIFY_DEVICE_CHECK) == ost::SUCCESS {
                    added += 1;
                }
            }
        }
        pr_info!(
            "handling {} processor objects, {} CPUs added at load, auto_online={}\n",
            hotplug.handled(),
            added,
            auto_online.get()
        );
        Ok(XenAcpiCpu { hotplug })
    }
}
