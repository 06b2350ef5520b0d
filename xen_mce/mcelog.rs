// SPDX-License-Identifier: GPL-2.0
//! xen_mce: Xen machine-check telemetry to /dev/mcelog (skeleton).

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
module_param_uint!(
    ring_len = 256,
    0o444,
    "Records /dev/mcelog holds (minimum 16)"
);

module! {
    type: XenMce,
    name: "xen_mce",
    author: "xen-ras-rs developers",
    description: "Xen machine-check telemetry to /dev/mcelog",
    license: "GPL",
}

struct XenMce;

impl kernel::Module for XenMce {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("version {} ring_len {}\n", VERSION, ring_len.get());
        if !xen::initial_domain() {
            pr_info!("not running in Xen dom0, refusing to load\n");
            return Err(ENODEV);
        }
        Ok(XenMce)
    }
}
