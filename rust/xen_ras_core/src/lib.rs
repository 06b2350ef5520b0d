// SPDX-License-Identifier: GPL-2.0
//! Kernel-independent logic of xen-ras-rs.
//!
//! This crate is built twice: on the host by Cargo (`cargo test`, fuzzing,
//! benchmarks) and inside each kernel module, which pulls this file in with
//! `#[path = "..."] mod xen_ras_core;`. Everything here is therefore
//! `no_std`, allocation-free, free of `unsafe`, and refers to its siblings
//! through `super::` so that it compiles both as a crate root and as a module.
//!
//! - [`mcinfo`]: bounds-checked walk over Xen's `struct mc_info`.
//! - [`mce`]: the kernel's `struct mce` and the conversion of telemetry to it.
//! - [`ring`]: the bounded record ring behind `/dev/mcelog`.
//! - [`dev`]: the open rules of `/dev/mcelog`.
//! - [`drain`]: Xen's telemetry queues to dom0's consumers, never holding Xen's pool.
//! - [`mat`]: ACPI `_MAT` (MADT local APIC / x2APIC entry): the one reader.
//! - [`hotplug`]: ACPI processor notification decisions and `_OST` codes.
//! - [`guestcpu`]: HVM guest vCPU hot-add / hot-remove, notify to `_OST`.
//! - [`hostcpu`], [`hostmem`]: dom0 CPU / memory hot-add, notify to `_OST`
//!   (`hostmem` is host-tested; its module, `xen_acpi_memory`, is not in
//!   this tree yet).
//! - [`crs`]: memory ranges of an ACPI `_CRS` resource template.
//! - [`e820`]: coverage by the RAM entries of an E820 map.
#![cfg_attr(not(any(MODULE, test)), no_std)]
#![forbid(unsafe_code)]

pub mod bytes;
pub mod crs;
pub mod dev;
pub mod drain;
pub mod e820;
pub mod guestcpu;
pub mod hostcpu;
pub mod hostmem;
pub mod hotplug;
pub mod mat;
pub mod mce;
pub mod mcinfo;
pub mod ring;
