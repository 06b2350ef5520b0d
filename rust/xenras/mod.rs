// SPDX-License-Identifier: GPL-2.0
//! Kernel abstractions that Linux 6.12's `kernel` crate does not have yet.
//!
//! Each module crate includes this directory with
//! `#[path = "../rust/xenras/mod.rs"] pub mod xenras;` (6.12 cannot link an
//! out-of-tree Rust library crate into several modules).
//!
//! Every `unsafe` of the project lives below this directory, each with a
//! `// SAFETY:` comment; the module directories contain none.
//!
//! # Against upstream Rust-for-Linux, file by file
//!
//! Some files follow a shape upstream merged later, some deviate from it,
//! some have no upstream counterpart. What changes when porting to a newer
//! kernel (each file's docs say more):
//!
//! | file | upstream | deviation / what a port changes |
//! |---|---|---|
//! | `miscdevice.rs` | `kernel::miscdevice` (6.13+) | same `'static` per-type vtable and pinned registration; `open` gets the registration's `Data` (6.13: `&MiscDeviceRegistration<Self>`); `read` is `.read` with a `UserSliceWriter`, not `read_iter` (6.17); `poll` hook with this crate's `PollTable`; `File` is minimal (upstream `kernel::fs::File`) |
//! | `sync.rs` | none in 6.12 (upstream work on `SpinLockIrq`) | `SpinLockIrqSave::with` runs a closure with interrupts off and the lock held; a port uses the guard of upstream's type |
//! | `wait.rs` | `kernel::sync::poll::PollCondVar` (6.9+) | a bare wait queue (no condition variable), same pollfree-on-drop |
//! | `param.rs` | `module!` `params:` (6.15+) | ops bound to the type as upstream; parameters may be writable through sysfs (`perm`), which upstream does not offer |
//! | `virq.rs` | none (closest: `kernel::irq::Registration`, 6.18+) | handler takes `ArcBorrow<Self>`, no `IrqReturn` |
//! | `debugfs.rs` | `kernel::debugfs` (6.18+) | `u64` counters of an `Arc<T>` only, removed together on drop |
//! | `workqueue.rs` | `kernel::workqueue::DelayedWork` (6.18+) | same `DelayedWork`, `HasDelayedWork`, `impl_has_delayed_work!`; `enqueue_delayed` is a free function over `Arc<T>` (upstream: `Queue::enqueue_delayed`); `flush_delayed_work` has no upstream counterpart |
//! | `cpu.rs` | `kernel::cpu::CpuId` (6.16+) | same `CpuId` newtype (checked `from_u32`, `as_u32`), plus `Display`; the map/register/online steps have no upstream counterpart |
//! | `acpi.rs` | none (`kernel::acpi` has ID tables only) | this project's shape |
//! | `xen.rs`, `sys.rs` | none | this project's shape; `sys::flush_work` becomes `Work`'s own method where upstream has one |
//! | `bindings.rs`, `shim.c` | `kernel::bindings`, `rust/helpers/` | bindgen over `bindings_helper.h`; one C function per static inline or macro |
//!
//! Every type owning a kernel object says its `# Invariants`, and where they
//! are established (`INVARIANT:`).

pub mod acpi;
pub mod bindings;
pub mod cpu;
pub mod debugfs;
pub mod miscdevice;
pub mod param;
pub mod sync;
pub mod sys;
pub mod virq;
pub mod wait;
pub mod workqueue;
pub mod xen;
