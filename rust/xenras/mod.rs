// SPDX-License-Identifier: GPL-2.0
//! Kernel abstractions that Linux 6.12's `kernel` crate does not have yet.
//!
//! Each module crate includes this directory with
//! `#[path = "../rust/xenras/mod.rs"] pub mod xenras;` (6.12 cannot link an
//! out-of-tree Rust library crate into several modules). The shapes follow
//! what Rust-for-Linux later merged upstream (e.g. `MiscDevice`), so moving
//! to a newer kernel means deleting the matching file here, not rewriting
//! the modules.
//!
//! Every `unsafe` of the project lives below this directory, each with a
//! `// SAFETY:` comment; the module directories contain none.

pub mod acpi;
pub mod bindings;
pub mod cpu;
pub mod debugfs;
pub mod miscdevice;
pub mod param;
pub mod sys;
pub mod virq;
pub mod wait;
pub mod xen;
