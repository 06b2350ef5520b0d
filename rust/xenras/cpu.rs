// SPDX-License-Identifier: GPL-2.0
//! Logical CPUs for ACPI processor hotplug: map an APIC ID to a logical CPU,
//! register and unregister its device, bring it up and down.
//!
//! The same steps as the native ACPI processor driver
//! (`acpi_processor_hotadd_init()`, `acpi_processor_post_eject()`), with the
//! pieces a module may call.
//!
//! The present mask and `cpus_write_lock()`: the native driver maps under
//! `cpu_maps_update_begin()` and `cpus_write_lock()`, so that a reader
//! holding `cpus_read_lock()` sees a present mask that does not change under
//! it. Neither lock is exported to modules (6.12), so this cannot be done
//! from here, and is documented instead of pretended:
//! - what is guaranteed: mapping and unmapping run under
//!   [`HotplugDisabled`] (`cpu_hotplug_disable()`), so no `cpu_up()` /
//!   `cpu_down()` (sysfs `online`, other drivers) runs in between and no
//!   hotplug state machine ever sees a half-mapped CPU; the bit itself is
//!   set and cleared atomically (`set_cpu_present()`), and only for a CPU
//!   that is offline and has no device;
//! - what is not: a `for_each_present_cpu()` loop under `cpus_read_lock()`
//!   may see the new CPU's bit appear (or an unmapped one's disappear)
//!   between two iterations. Such a CPU is offline and has no device, so a
//!   reader sees a present-but-offline CPU, the state every hot-added CPU is
//!   in before it is onlined. Xen's own `drivers/xen/cpu_hotplug.c` calls
//!   `set_cpu_present()` with no lock at all.
//!
//! Upstream shape (6.16+): logical CPUs are [`CpuId`], a newtype whose
//! constructor checks `< nr_cpu_ids`, as upstream's `kernel::cpu::CpuId`
//! (same `from_u32`/`as_u32`; this one also has `Display`). Porting means
//! importing upstream's instead.

use super::acpi::Handle;
use super::bindings;
use kernel::error::{code::*, to_result, Result};

/// A logical CPU number.
///
/// # Invariants
///
/// The number is below `nr_cpu_ids`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuId(u32);

impl CpuId {
    /// `id` if it is a possible logical CPU number (`< nr_cpu_ids`).
    pub fn from_u32(id: u32) -> Option<Self> {
        // INVARIANT: checked here.
        (id < nr_cpu_ids()).then_some(Self(id))
    }

    /// The number.
    pub fn as_u32(self) -> u32 {
        self.0
    }
}

impl core::fmt::Display for CpuId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

/// Whether this kernel can map hot-added processors (`CONFIG_ACPI_HOTPLUG_CPU`
/// and `CONFIG_HOTPLUG_CPU`).
pub const HOTPLUG_SUPPORTED: bool = cfg!(CONFIG_ACPI_HOTPLUG_CPU) && cfg!(CONFIG_HOTPLUG_CPU);

/// `nr_cpu_ids`: logical CPU numbers are below this.
pub fn nr_cpu_ids() -> u32 {
    // SAFETY: reads a boot-time constant.
    unsafe { bindings::xenras_nr_cpu_ids() }
}

/// Whether `cpu` is present (mapped to a processor).
pub fn present(cpu: CpuId) -> bool {
    // SAFETY: no preconditions (the shim also range-checks `cpu`).
    unsafe { bindings::xenras_cpu_present(cpu.0) }
}

/// Whether `cpu` is online.
pub fn online(cpu: CpuId) -> bool {
    // SAFETY: no preconditions (the shim also range-checks `cpu`).
    unsafe { bindings::xenras_cpu_online(cpu.0) }
}

/// The CPU this runs on (`raw_smp_processor_id()`). Exact where the task
/// cannot migrate (a work item of a per-CPU workqueue, interrupts or
/// preemption off); elsewhere it may be stale by the time it is used.
pub fn current() -> CpuId {
    // SAFETY: no preconditions.
    let id = unsafe { bindings::xenras_raw_smp_processor_id() };
    // INVARIANT: a running CPU's number is below `nr_cpu_ids`.
    CpuId(id)
}

/// The next online CPU after `cpu`, wrapping around, other than `cpu`
/// itself: `None` when `cpu` is the only one. A snapshot: unless
/// [`CpusReadLock`] is held, the CPU may go offline at any time.
pub fn next_online_other(cpu: CpuId) -> Option<CpuId> {
    // INVARIANT: every candidate is below `nr_cpu_ids`.
    (cpu.0 + 1..nr_cpu_ids())
        .chain(0..cpu.0)
        .map(CpuId)
        .find(|&c| online(c))
}

/// Keeps every online CPU online (and every offline one offline) while
/// held: a read hold of `cpu_hotplug_lock` (`cpus_read_trylock()`).
///
/// # Invariants
///
/// `cpu_hotplug_lock` was taken for reading in the constructor and is
/// released in `drop`.
pub struct CpusReadLock(());

impl CpusReadLock {
    /// `cpus_read_trylock()`: `None` while a CPU hotplug operation runs or
    /// waits, instead of waiting for it. Does not sleep.
    pub fn try_new() -> Option<Self> {
        // SAFETY: no preconditions; a success is balanced by `drop`.
        let taken = unsafe { bindings::cpus_read_trylock() } != 0;
        // INVARIANT: taken when `Some`.
        taken.then_some(Self(()))
    }
}

impl Drop for CpusReadLock {
    fn drop(&mut self) {
        // SAFETY: taken in `try_new` (type invariant), released once here.
        unsafe { bindings::cpus_read_unlock() };
    }
}

/// The number of online CPUs.
pub fn num_online() -> u32 {
    // SAFETY: no preconditions.
    unsafe { bindings::xenras_num_online_cpus() }
}

/// The present logical CPU with `apic_id`, if any.
pub fn by_apic_id(apic_id: u32) -> Option<CpuId> {
    // INVARIANT: every `c` is below `nr_cpu_ids`.
    (0..nr_cpu_ids()).map(CpuId).find(|&c| {
        // SAFETY: no preconditions; the shim returns `BAD_APICID` for CPUs
        // that are not present.
        present(c) && unsafe { bindings::xenras_cpu_apic_id(c.0) } == apic_id
    })
}

/// Whether Linux has a registered device for `cpu` (`/sys/devices/system/cpu/cpuN`).
pub fn registered(cpu: CpuId) -> bool {
    // SAFETY: `get_cpu_device` range-checks and returns NULL for none.
    !unsafe { bindings::get_cpu_device(cpu.0) }.is_null()
}

/// Keeps CPU hotplug operations (`cpu_up`/`cpu_down`) out while held: they
/// fail with `-EBUSY` instead of running concurrently.
///
/// # Invariants
///
/// `cpu_hotplug_disable()` was called in `new` and is balanced in `drop`.
pub struct HotplugDisabled(());

impl HotplugDisabled {
    /// `cpu_hotplug_disable()`; waits for a running operation to finish.
    pub fn new() -> Self {
        // SAFETY: balanced by `drop`.
        unsafe { bindings::cpu_hotplug_disable() };
        // INVARIANT: disabled just now.
        Self(())
    }

    /// Maps `apic_id` (with `acpi_id`) to a logical CPU and marks it present
    /// (`acpi_map_cpu()`; also sets the CPU's NUMA node from `_PXM` and
    /// evaluates `_PDC`/`_OSC`). Fails if the APIC ID was not enumerated at
    /// boot (no possible CPU for it) or no logical CPU is free.
    pub fn map(&self, handle: Handle, apic_id: u32, acpi_id: u32) -> Result<CpuId> {
        #[cfg(CONFIG_ACPI_HOTPLUG_CPU)]
        {
            let mut cpu: core::ffi::c_int = -1;
            // SAFETY: valid handle; `cpu` is written on success; hotplug is
            // disabled (`&self`), standing in for the CPU maps lock.
            to_result(unsafe { bindings::acpi_map_cpu(handle.raw(), apic_id, acpi_id, &mut cpu) })?;
            u32::try_from(cpu)
                .ok()
                .and_then(CpuId::from_u32)
                .ok_or(EINVAL)
        }
        #[cfg(not(CONFIG_ACPI_HOTPLUG_CPU))]
        {
            let _ = (handle, apic_id, acpi_id);
            Err(ENODEV)
        }
    }

    /// Undoes [`Self::map`] for an offline, unregistered `cpu`.
    pub fn unmap(&self, cpu: CpuId) -> Result {
        if online(cpu) || registered(cpu) {
            return Err(EBUSY);
        }
        #[cfg(CONFIG_ACPI_HOTPLUG_CPU)]
        // SAFETY: `cpu` is offline and has no device; hotplug is disabled
        // (see the module docs for the present mask).
        to_result(unsafe { bindings::acpi_unmap_cpu(cpu.0 as _) })?;
        Ok(())
    }

    /// Registers the device of a present `cpu` (`arch_register_cpu()`,
    /// reached through Xen's exported wrapper, which exists in every kernel
    /// built with `CONFIG_XEN`). Checked afterwards: the wrapper returns
    /// nothing.
    pub fn register(&self, cpu: CpuId) -> Result {
        if !present(cpu) {
            return Err(EINVAL);
        }
        if registered(cpu) {
            return Err(EEXIST);
        }
        // SAFETY: `cpu` is present and has no device yet.
        unsafe { bindings::xen_arch_register_cpu(cpu.0 as _) };
        if registered(cpu) {
            Ok(())
        } else {
            Err(ENOMEM)
        }
    }

    /// Unregisters the device of an offline `cpu`.
    pub fn unregister(&self, cpu: CpuId) -> Result {
        if online(cpu) {
            return Err(EBUSY);
        }
        if registered(cpu) {
            // SAFETY: the device was registered and the CPU is offline; no
            // hotplug operation can bring it up while `self` is held.
            unsafe { bindings::xen_arch_unregister_cpu(cpu.0 as _) };
        }
        Ok(())
    }
}

impl Default for HotplugDisabled {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for HotplugDisabled {
    fn drop(&mut self) {
        // SAFETY: paired with `new`.
        unsafe { bindings::cpu_hotplug_enable() };
    }
}

/// Brings `cpu` online (`add_cpu()`: the device-online path, with its
/// uevent, as a write to `/sys/devices/system/cpu/cpuN/online` does).
pub fn bring_up(cpu: CpuId) -> Result {
    // SAFETY: `add_cpu` checks the CPU number and state itself.
    to_result(unsafe { bindings::add_cpu(cpu.0) })
}

/// Takes `cpu` offline (`remove_cpu()`); fails for the last online CPU or
/// when something vetoes it.
pub fn take_down(cpu: CpuId) -> Result {
    // SAFETY: `remove_cpu` checks the CPU number and state itself.
    to_result(unsafe { bindings::remove_cpu(cpu.0) })
}
