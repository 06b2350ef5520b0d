// SPDX-License-Identifier: GPL-2.0
//! xen_vcpu_hotplug: vCPU hot-add / hot-remove in an HVM guest through
//! ACPI processor notifications. This version only checks where it runs.

#[allow(missing_docs)]
#[path = "../rust/xen_ras_core/src/lib.rs"]
pub mod xen_ras_core;
#[allow(missing_docs)]
#[path = "../rust/xenras/mod.rs"]
pub mod xenras;

use kernel::prelude::*;
use xenras::xen;

const VERSION: &str = "0.1.0";
modinfo!(version, "0.1.0");

module! {
    type: XenVcpuHotplug,
    name: "xen_vcpu_hotplug",
    author: "xen-ras-rs developers",
    description: "HVM guest vCPU hot-add and hot-remove through ACPI",
    license: "GPL",
}

struct XenVcpuHotplug;

impl kernel::Module for XenVcpuHotplug {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("version {}\n", VERSION);
        if xen::pv_domain() {
            pr_info!("running as a Xen PV domain (no ACPI CPU hotplug there), refusing to load\n");
            return Err(ENODEV);
        }
        pr_info!("HVM/ACPI guest detected (xen_hvm={})\n", xen::hvm_domain());
        Ok(XenVcpuHotplug)
    }
}
