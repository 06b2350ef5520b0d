// SPDX-License-Identifier: GPL-2.0
//! Small kernel services 6.12's `kernel` crate does not wrap: wall-clock
//! time, capabilities, flushing a work item, the MCE log.

use super::bindings;
use crate::xen_ras_core::mce::{Mce, MCE_HANDLED_MCELOG};
use kernel::workqueue::{HasWork, Work};

/// `ktime_get_real_seconds()`.
pub fn real_seconds() -> u64 {
    // SAFETY: no preconditions.
    unsafe { bindings::ktime_get_real_seconds() as u64 }
}

/// `capable(CAP_SYS_ADMIN)` for the current task.
pub fn capable_sys_admin() -> bool {
    // SAFETY: no preconditions; called in process context.
    unsafe { bindings::capable(bindings::CAP_SYS_ADMIN as i32) }
}

/// `flush_work()` on `this`'s work item: waits until the last queued
/// instance has finished. Returns whether it had to wait.
pub fn flush_work<T: HasWork<T, ID>, const ID: u64>(this: &T) -> bool {
    let ptr: *const T = this;
    // SAFETY: `ptr` points to a live `T`; `raw_get_work` only computes the
    // address of its `Work` field.
    let work = unsafe { T::raw_get_work(ptr.cast_mut()) };
    // SAFETY: the `work_struct` inside was initialised with the `Work`
    // (`new_work!`), and `flush_work` may be called at any time from process
    // context.
    unsafe { kernel::bindings::flush_work(Work::raw_get(work)) }
}

/// Runs `f` with this CPU's interrupts off (`local_irq_save()`), then
/// restores them. `f` must not sleep (the kernel warns if it does).
pub fn with_local_irqs_off<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: no preconditions; the flags go back to the restore below.
    let flags = unsafe { bindings::xenras_local_irq_save() };
    let r = f();
    // SAFETY: `flags` come from the save above, on this CPU: with interrupts
    // off nothing preempts or migrates this task in between.
    unsafe { bindings::xenras_local_irq_restore(flags) };
    r
}

/// Whether this CPU's interrupts are off (`irqs_disabled()`): in a hard
/// interrupt handler, or inside [`with_local_irqs_off`].
pub fn irqs_disabled() -> bool {
    // SAFETY: no preconditions.
    unsafe { bindings::xenras_irqs_disabled() }
}

const _: () = assert!(MCE_HANDLED_MCELOG == bindings::XENRAS_MCE_HANDLED_MCELOG);

/// Hands a record to the kernel's MCE log (`mce_log()`): the `mce_record`
/// tracepoint (rasdaemon) and the decoder chain see it.
///
/// `severity` stays `MCE_NO_SEVERITY`, so `uc_decode_notifier()` never calls
/// `memory_failure()` on the address: it is a Xen *machine* address, not a
/// dom0 page frame. `kflags` says the record is in `/dev/mcelog`
/// ([`Mce::kernel_log_kflags`]), as the kernel's own `/dev/mcelog` marks it.
pub fn mce_log(m: &Mce) {
    let mut c = bindings::mce {
        status: m.status,
        misc: m.misc,
        addr: m.addr,
        mcgstatus: m.mcgstatus,
        ip: m.ip,
        tsc: m.tsc,
        time: m.time,
        cpuvendor: m.cpuvendor,
        inject_flags: m.inject_flags,
        severity: 0,
        pad: 0,
        cpuid: m.cpuid,
        cs: m.cs,
        bank: m.bank,
        cpu: m.cpu,
        finished: m.finished,
        extcpu: m.extcpu,
        socketid: m.socketid,
        apicid: m.apicid,
        mcgcap: m.mcgcap,
        synd: m.synd,
        ipid: m.ipid,
        ppin: m.ppin,
        microcode: m.microcode,
        kflags: m.kernel_log_kflags(),
    };
    // SAFETY: `c` is a valid `struct mce`; `mce_log` copies it.
    unsafe { bindings::mce_log(&mut c) };
}

/// Whether any byte of `start .. start + size` is System RAM in this
/// kernel's resource tree (`/proc/iomem`): memory Linux uses as its own.
pub fn system_ram_intersects(start: u64, size: u64) -> bool {
    // SAFETY: `region_intersects()` only reads the resource tree, under its
    // own lock, and compares the range's bounds with its entries: no range
    // makes it touch memory it does not own.
    unsafe { bindings::xenras_system_ram_intersects(start, size) }
}

/// Whether the kernel runs without ACPI (`acpi=off`, or no tables).
pub fn acpi_disabled() -> bool {
    // SAFETY: reads a boot-time flag; no preconditions.
    unsafe { bindings::xenras_acpi_disabled() }
}
