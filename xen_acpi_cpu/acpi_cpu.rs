// SPDX-License-Identifier: GPL-2.0
//! xen_acpi_cpu: host CPU hot-add in dom0 (ACPI processor notify ->
//! `XENPF_cpu_hotadd`). This version only checks where it runs.

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
    type: XenAcpiCpu,
    name: "xen_acpi_cpu",
    author: "xen-ras-rs developers",
    description: "Xen dom0 physical CPU hot-add through ACPI",
    license: "GPL",
}

struct XenAcpiCpu;

impl kernel::Module for XenAcpiCpu {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("version {}\n", VERSION);
        if !xen::initial_domain() {
            pr_info!("not running in Xen dom0, refusing to load\n");
            return Err(ENODEV);
        }
        pr_info!("dom0 detected\n");
        Ok(XenAcpiCpu)
    }
}
