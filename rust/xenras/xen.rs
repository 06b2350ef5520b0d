// SPDX-License-Identifier: GPL-2.0
//! Xen: domain type, the machine-check hypercall and platform operations.
//!
//! The Xen ABI types are bindgen's output for the kernel's own
//! `include/xen/interface/*.h`; the host-tested core crate uses a byte-offset
//! mirror of them, asserted here at compile time field by field.

use super::bindings;
use crate::xen_ras_core::e820;
use crate::xen_ras_core::hostmem::abi as mem_abi;
use crate::xen_ras_core::mce::{mce_offsets, MCE_RECORD_LEN};
use crate::xen_ras_core::mcinfo::{layout, MC_INFO_SIZE, MI_DATA_OFFSET};
use core::mem::{offset_of, size_of};
use core::ptr;
use kernel::error::{to_result, Result};

/// Whether this kernel is Xen's control domain (dom0).
pub fn initial_domain() -> bool {
    // SAFETY: reads a boot-time constant; no preconditions.
    unsafe { bindings::xenras_xen_initial_domain() }
}

/// Whether this kernel runs as a Xen PV domain.
pub fn pv_domain() -> bool {
    // SAFETY: reads a boot-time constant; no preconditions.
    unsafe { bindings::xenras_xen_pv_domain() }
}

// The core crate's mirror of the Xen ABI, checked against the C headers.
macro_rules! assert_offset {
    ($ty:ty, $field:ident, $want:expr) => {
        const _: () = assert!(offset_of!($ty, $field) == $want);
    };
}
const _: () = assert!(size_of::<bindings::mc_info>() == MC_INFO_SIZE);
assert_offset!(bindings::mc_info, mi_data, MI_DATA_OFFSET);
const _: () = assert!(size_of::<bindings::mcinfo_common>() == layout::COMMON_SIZE);
assert_offset!(bindings::mcinfo_common, size, layout::COMMON_LEN);
const _: () = assert!(size_of::<bindings::mcinfo_global>() == layout::global::SIZE);
assert_offset!(bindings::mcinfo_global, mc_domid, layout::global::DOMID);
assert_offset!(bindings::mcinfo_global, mc_vcpuid, layout::global::VCPUID);
assert_offset!(
    bindings::mcinfo_global,
    mc_socketid,
    layout::global::SOCKETID
);
assert_offset!(bindings::mcinfo_global, mc_coreid, layout::global::COREID);
assert_offset!(
    bindings::mcinfo_global,
    mc_core_threadid,
    layout::global::CORE_THREADID
);
assert_offset!(bindings::mcinfo_global, mc_apicid, layout::global::APICID);
assert_offset!(bindings::mcinfo_global, mc_flags, layout::global::FLAGS);
assert_offset!(bindings::mcinfo_global, mc_gstatus, layout::global::GSTATUS);
const _: () = assert!(size_of::<bindings::mcinfo_bank>() == layout::bank::SIZE);
assert_offset!(bindings::mcinfo_bank, mc_bank, layout::bank::BANK);
assert_offset!(bindings::mcinfo_bank, mc_domid, layout::bank::DOMID);
assert_offset!(bindings::mcinfo_bank, mc_status, layout::bank::STATUS);
assert_offset!(bindings::mcinfo_bank, mc_addr, layout::bank::ADDR);
assert_offset!(bindings::mcinfo_bank, mc_misc, layout::bank::MISC);
assert_offset!(bindings::mcinfo_bank, mc_ctrl2, layout::bank::CTRL2);
assert_offset!(bindings::mcinfo_bank, mc_tsc, layout::bank::TSC);
const _: () = assert!(size_of::<bindings::mcinfo_extended>() == layout::extended::SIZE);
assert_offset!(bindings::mcinfo_extended, mc_msrs, layout::extended::MSRS);
assert_offset!(
    bindings::mcinfo_extended,
    mc_msr,
    layout::extended::MSR_ARRAY
);
const _: () = assert!(size_of::<bindings::mcinfo_msr>() == layout::extended::MSR_SIZE);
const _: () = assert!(size_of::<bindings::mcinfo_recovery>() == layout::recovery::SIZE);
assert_offset!(bindings::mcinfo_recovery, mc_bank, layout::recovery::BANK);
assert_offset!(
    bindings::mcinfo_recovery,
    action_flags,
    layout::recovery::ACTION_FLAGS
);
assert_offset!(
    bindings::mcinfo_recovery,
    action_types,
    layout::recovery::ACTION_TYPES
);
assert_offset!(
    bindings::mcinfo_recovery,
    action_info,
    layout::recovery::ACTION_INFO
);
assert_offset!(
    bindings::page_offline_action,
    status,
    layout::recovery::PAGE_STATUS - layout::recovery::ACTION_INFO
);
assert_offset!(
    bindings::cpu_offline_action,
    mc_coreid,
    layout::recovery::CPU_COREID - layout::recovery::ACTION_INFO
);
assert_offset!(
    bindings::cpu_offline_action,
    mc_core_threadid,
    layout::recovery::CPU_THREADID - layout::recovery::ACTION_INFO
);
const _: () = assert!(size_of::<bindings::mcinfo_logical_cpu>() == layout::logical_cpu::SIZE);
assert_offset!(
    bindings::mcinfo_logical_cpu,
    mc_cpunr,
    layout::logical_cpu::CPUNR
);
assert_offset!(
    bindings::mcinfo_logical_cpu,
    mc_chipid,
    layout::logical_cpu::CHIPID
);
assert_offset!(
    bindings::mcinfo_logical_cpu,
    mc_coreid,
    layout::logical_cpu::COREID
);
assert_offset!(
    bindings::mcinfo_logical_cpu,
    mc_threadid,
    layout::logical_cpu::THREADID
);
assert_offset!(
    bindings::mcinfo_logical_cpu,
    mc_apicid,
    layout::logical_cpu::APICID
);
assert_offset!(
    bindings::mcinfo_logical_cpu,
    mc_family,
    layout::logical_cpu::FAMILY
);
assert_offset!(
    bindings::mcinfo_logical_cpu,
    mc_vendor,
    layout::logical_cpu::VENDOR
);
assert_offset!(
    bindings::mcinfo_logical_cpu,
    mc_model,
    layout::logical_cpu::MODEL
);
assert_offset!(
    bindings::mcinfo_logical_cpu,
    mc_step,
    layout::logical_cpu::STEP
);
assert_offset!(
    bindings::mcinfo_logical_cpu,
    mc_vendorid,
    layout::logical_cpu::VENDORID
);
/// The length of an array field, read from its type.
const fn array_len<T, E, const N: usize>(_: fn(&T) -> &[E; N]) -> usize {
    N
}
const _: () = assert!(
    array_len(|c: &bindings::mcinfo_logical_cpu| &c.mc_vendorid)
        == layout::logical_cpu::VENDORID_LEN
);
assert_offset!(
    bindings::mcinfo_logical_cpu,
    mc_nmsrvals,
    layout::logical_cpu::NMSRVALS
);
assert_offset!(
    bindings::mcinfo_logical_cpu,
    mc_msrvalues,
    layout::logical_cpu::MSRVALUES
);
// The core crate's hand-written constants, against the header's.
const _: () = {
    use crate::xen_ras_core::{drain, mcinfo};
    assert!(drain::XEN_MC_ACK == bindings::XEN_MC_ACK);
    assert!(drain::XEN_MC_URGENT == bindings::XEN_MC_URGENT);
    assert!(drain::XEN_MC_NONURGENT == bindings::XEN_MC_NONURGENT);
    assert!(drain::XEN_MC_FETCHFAILED == bindings::XEN_MC_FETCHFAILED);
    assert!(drain::XEN_MC_NODATA == bindings::XEN_MC_NODATA);
    assert!(mcinfo::MCINFO_MAXSIZE == bindings::MCINFO_MAXSIZE as usize);
    assert!(mcinfo::MC_TYPE_GLOBAL as u32 == bindings::MC_TYPE_GLOBAL);
    assert!(mcinfo::MC_TYPE_BANK as u32 == bindings::MC_TYPE_BANK);
    assert!(mcinfo::MC_TYPE_EXTENDED as u32 == bindings::MC_TYPE_EXTENDED);
    assert!(mcinfo::MC_TYPE_RECOVERY as u32 == bindings::MC_TYPE_RECOVERY);
    assert!(mcinfo::MC_ACTION_PAGE_OFFLINE as u32 == bindings::MC_ACTION_PAGE_OFFLINE);
    assert!(mcinfo::MC_ACTION_CPU_OFFLINE as u32 == bindings::MC_ACTION_CPU_OFFLINE);
    assert!(mcinfo::MC_ACTION_CACHE_SHRINK as u32 == bindings::MC_ACTION_CACHE_SHRINK);
    assert!(mcinfo::REC_ACTION_RECOVERED as u32 == bindings::REC_ACTION_RECOVERED);
    assert!(mcinfo::REC_ACTION_NONE as u32 == bindings::REC_ACTION_NONE);
    assert!(mcinfo::REC_ACTION_NEED_RESET as u32 == bindings::REC_ACTION_NEED_RESET);
};
// The record's hand-written x86 constants, against the kernel's.
const _: () = {
    use crate::xen_ras_core::mce;
    assert!(mce::MSR_IA32_MCG_EIP == bindings::XENRAS_MSR_IA32_MCG_EIP as u64);
    assert!(mce::MSR_PPIN == bindings::XENRAS_MSR_PPIN as u64);
    assert!(mce::MCG_STATUS_EIPV == bindings::XENRAS_MCG_STATUS_EIPV);
    assert!(mce::X86_VENDOR_INTEL as u32 == bindings::XENRAS_X86_VENDOR_INTEL);
    assert!(mce::X86_VENDOR_AMD as u32 == bindings::XENRAS_X86_VENDOR_AMD);
    assert!(mce::X86_VENDOR_CENTAUR as u32 == bindings::XENRAS_X86_VENDOR_CENTAUR);
    assert!(mce::X86_VENDOR_HYGON as u32 == bindings::XENRAS_X86_VENDOR_HYGON);
    assert!(mce::X86_VENDOR_ZHAOXIN as u32 == bindings::XENRAS_X86_VENDOR_ZHAOXIN);
    assert!(mce::X86_VENDOR_UNKNOWN as u32 == bindings::XENRAS_X86_VENDOR_UNKNOWN);
};
// The kernel's `struct mce` as the core crate serialises it.
const _: () = assert!(size_of::<bindings::mce>() == MCE_RECORD_LEN);
assert_offset!(bindings::mce, status, mce_offsets::STATUS);
assert_offset!(bindings::mce, addr, mce_offsets::ADDR);
assert_offset!(bindings::mce, tsc, mce_offsets::TSC);
assert_offset!(bindings::mce, inject_flags, mce_offsets::INJECT_FLAGS);
assert_offset!(bindings::mce, cs, mce_offsets::CS);
assert_offset!(bindings::mce, cpu, mce_offsets::CPU);
assert_offset!(bindings::mce, misc, mce_offsets::MISC);
assert_offset!(bindings::mce, mcgstatus, mce_offsets::MCGSTATUS);
assert_offset!(bindings::mce, ip, mce_offsets::IP);
assert_offset!(bindings::mce, time, mce_offsets::TIME);
assert_offset!(bindings::mce, cpuvendor, mce_offsets::CPUVENDOR);
assert_offset!(bindings::mce, severity, mce_offsets::SEVERITY);
assert_offset!(bindings::mce, cpuid, mce_offsets::CPUID);
assert_offset!(bindings::mce, bank, mce_offsets::BANK);
assert_offset!(bindings::mce, finished, mce_offsets::FINISHED);
assert_offset!(bindings::mce, extcpu, mce_offsets::EXTCPU);
assert_offset!(bindings::mce, socketid, mce_offsets::SOCKETID);
assert_offset!(bindings::mce, apicid, mce_offsets::APICID);
assert_offset!(bindings::mce, mcgcap, mce_offsets::MCGCAP);
assert_offset!(bindings::mce, synd, mce_offsets::SYND);
assert_offset!(bindings::mce, ipid, mce_offsets::IPID);
assert_offset!(bindings::mce, ppin, mce_offsets::PPIN);
assert_offset!(bindings::mce, microcode, mce_offsets::MICROCODE);
assert_offset!(bindings::mce, kflags, mce_offsets::KFLAGS);

// XENPF_mem_hotadd as the core crate and the ABI document state it.
const _: () = assert!(bindings::XENPF_mem_hotadd == mem_abi::XENPF_MEM_HOTADD);
const _: () = assert!(size_of::<bindings::xenpf_mem_hotadd>() == mem_abi::SIZE);
assert_offset!(bindings::xenpf_mem_hotadd, spfn, mem_abi::SPFN);
assert_offset!(bindings::xenpf_mem_hotadd, epfn, mem_abi::EPFN);
assert_offset!(bindings::xenpf_mem_hotadd, pxm, mem_abi::PXM);
assert_offset!(bindings::xenpf_mem_hotadd, flags, mem_abi::FLAGS);

/// `XEN_MC_ACK` (the result flags are decoded by `drain::Fetch::decode`).
use crate::xen_ras_core::drain::XEN_MC_ACK;

/// `HYPERVISOR_mca(mc)`.
///
/// # Safety
///
/// Every guest handle in the member of `mc.u` that `mc.cmd` selects must be
/// NULL or point to memory that Xen may write for as long as the call runs,
/// as large as the command says (`XEN_MC_fetch`: one `struct mc_info`;
/// `XEN_MC_physcpuinfo`: `ncpus` `struct mcinfo_logical_cpu`), and the
/// command must not be one that changes machine state (`XEN_MC_msrinject`,
/// `XEN_MC_mceinject`, `XEN_MC_inject_v2`).
unsafe fn mca(mc: &mut bindings::xen_mc) -> Result {
    // SAFETY: `mc` is a valid, exclusively borrowed `struct xen_mc` (the
    // shim sets its `interface_version`); the buffers are the caller's promise.
    to_result(unsafe { bindings::xenras_hypervisor_mca(mc) })
}

/// `XEN_MC_fetch`: fetches the oldest record of the queue `flags` selects
/// into `buf`. Returns the result flags and the fetch id.
pub fn mc_fetch(flags: u32, buf: &mut [u8; MC_INFO_SIZE]) -> Result<(u32, u64)> {
    let mut mc = bindings::xen_mc {
        cmd: bindings::XEN_MC_fetch,
        ..Default::default()
    };
    // Writing `Copy` fields of a union is safe; Xen reads `mc_fetch`.
    mc.u.mc_fetch.flags = flags;
    mc.u.mc_fetch.data = buf.as_mut_ptr().cast();
    // SAFETY: `data` points to `buf`, one exclusively borrowed `mc_info`
    // that lives across the call.
    unsafe { mca(&mut mc) }?;
    // SAFETY: Xen filled the `mc_fetch` member; all bit patterns are valid.
    let f = unsafe { mc.u.mc_fetch };
    Ok((f.flags, f.fetch_id))
}

/// `XEN_MC_fetch | XEN_MC_ACK`: releases the record `fetch_id` of the queue
/// `flags` selects.
pub fn mc_ack(flags: u32, fetch_id: u64) -> Result {
    let mut mc = bindings::xen_mc {
        cmd: bindings::XEN_MC_fetch,
        ..Default::default()
    };
    mc.u.mc_fetch.flags = flags | XEN_MC_ACK;
    mc.u.mc_fetch.fetch_id = fetch_id;
    // SAFETY: `data` is NULL: an ACK makes Xen write nothing but `mc`.
    unsafe { mca(&mut mc) }
}

/// `XEN_MC_physcpuinfo`: with `buf` `None`, returns the number of physical
/// CPUs; otherwise fills `buf` with up to `buf.len() / 304` entries of
/// `struct mcinfo_logical_cpu` and returns how many Xen wrote.
pub fn mc_physcpuinfo(buf: Option<&mut [u8]>) -> Result<usize> {
    let mut mc = bindings::xen_mc {
        cmd: bindings::XEN_MC_physcpuinfo,
        ..Default::default()
    };
    let cap = buf
        .as_ref()
        .map_or(0, |b| b.len() / layout::logical_cpu::SIZE);
    mc.u.mc_physcpuinfo.ncpus = cap as u32;
    if let Some(b) = buf {
        mc.u.mc_physcpuinfo.info = b.as_mut_ptr().cast();
    }
    // SAFETY: `info` is NULL (`ncpus` 0: Xen only reports the count) or
    // points to `buf`, exclusively borrowed across the call and room for
    // `ncpus` entries.
    unsafe { mca(&mut mc) }?;
    // SAFETY: Xen filled the `mc_physcpuinfo` member; all bit patterns are valid.
    let n = unsafe { mc.u.mc_physcpuinfo.ncpus } as usize;
    Ok(if cap == 0 { n } else { n.min(cap) })
}

/// One physical CPU as `XENPF_get_cpuinfo` reports it.
#[derive(Clone, Copy, Debug)]
pub struct Pcpu {
    /// Xen's CPU number.
    pub cpu: u32,
    /// Highest CPU number present.
    pub max_present: u32,
    /// `XEN_PCPU_FLAGS_*`.
    pub flags: u32,
    /// APIC ID.
    pub apic_id: u32,
    /// ACPI processor ID.
    pub acpi_id: u32,
}

impl Pcpu {
    /// Xen schedules on it.
    pub fn online(&self) -> bool {
        self.flags & bindings::XEN_PCPU_FLAGS_ONLINE != 0
    }
    /// The number is not a present CPU.
    pub fn invalid(&self) -> bool {
        self.flags & bindings::XEN_PCPU_FLAGS_INVALID != 0
    }
}

/// `HYPERVISOR_platform_op(op)`; a negative result is an errno.
///
/// # Safety
///
/// `op.cmd` must be a command whose member of `op.u` holds no guest handle
/// (or only handles to memory Xen may write for the whole call), and the
/// caller accepts its effect on the machine (`XENPF_cpu_hotadd` and
/// `XENPF_cpu_online` change the host's CPUs; the safe wrappers below are
/// the operations this project performs).
unsafe fn platform_op(op: &mut bindings::xen_platform_op) -> Result<i32> {
    // SAFETY: `op` is a valid, exclusively borrowed platform op (the shim
    // sets `interface_version`); its handles are the caller's promise.
    let r = unsafe { bindings::xenras_hypervisor_platform_op(op) };
    if r < 0 {
        Err(kernel::error::Error::from_errno(r))
    } else {
        Ok(r)
    }
}

/// How often [`get_cpuinfo`] asks again while Xen answers `-EBUSY`, and
/// how long it sleeps in between: up to 5 s, well above the 0.1 s a CPU
/// online takes in the project's measurements (README, `make bench`).
const CPUINFO_BUSY_TRIES: u32 = 500;
const CPUINFO_BUSY_SLEEP_MS: u32 = 10;

/// `XENPF_get_cpuinfo` for Xen CPU `cpu`.
///
/// Xen only try-locks its CPU maps for this query, so it answers `-EBUSY`
/// while it adds, onlines or offlines a CPU (also just after it raised
/// `VIRQ_PCPU_STATE` for that change); the query is repeated every 10 ms
/// for up to 5 s before `EBUSY` is returned, so that a busy answer is never
/// taken for "no such CPU". Might sleep.
pub fn get_cpuinfo(cpu: u32) -> Result<Pcpu> {
    let mut op = bindings::xen_platform_op {
        cmd: bindings::XENPF_get_cpuinfo,
        ..Default::default()
    };
    let mut tries = 0;
    loop {
        op.u.pcpu_info.xen_cpuid = cpu;
        // SAFETY: `XENPF_get_cpuinfo` has no guest handle and only reads.
        match unsafe { platform_op(&mut op) } {
            Err(e) if e == kernel::error::code::EBUSY && tries < CPUINFO_BUSY_TRIES => {
                tries += 1;
                // SAFETY: `msleep` has no memory-safety requirement; callers
                // are in process context (documented above: might sleep).
                unsafe { bindings::msleep(CPUINFO_BUSY_SLEEP_MS) };
            }
            r => {
                r?;
                break;
            }
        }
    }
    // SAFETY: Xen filled the `pcpu_info` member; all bit patterns are valid.
    let i = unsafe { op.u.pcpu_info };
    Ok(Pcpu {
        cpu,
        max_present: i.max_present,
        flags: i.flags,
        apic_id: i.apic_id,
        acpi_id: i.acpi_id,
    })
}

/// `XENPF_cpu_hotadd`: makes a physical CPU present in Xen (offline).
/// Returns Xen's number for it.
pub fn cpu_hotadd(apic_id: u32, acpi_id: u32, pxm: u32) -> Result<u32> {
    let mut op = bindings::xen_platform_op {
        cmd: bindings::XENPF_cpu_hotadd,
        ..Default::default()
    };
    op.u.cpu_add.apic_id = apic_id;
    op.u.cpu_add.acpi_id = acpi_id;
    op.u.cpu_add.pxm = pxm;
    // SAFETY: `XENPF_cpu_hotadd` has no guest handle; adding a CPU that
    // firmware reported is this function's purpose.
    unsafe { platform_op(&mut op) }.map(|r| r as u32)
}

/// `XENPF_cpu_online`.
pub fn cpu_online(cpu: u32) -> Result {
    let mut op = bindings::xen_platform_op {
        cmd: bindings::XENPF_cpu_online,
        ..Default::default()
    };
    op.u.cpu_ol.cpuid = cpu;
    // SAFETY: `XENPF_cpu_online` has no guest handle; onlining a present
    // CPU is this function's purpose.
    unsafe { platform_op(&mut op) }.map(|_| ())
}

/// `XENPF_mem_hotadd`: gives Xen the machine page frames `spfn .. epfn` on
/// proximity domain `pxm`; Xen builds their frame table inside the range and
/// adds the rest to its heap.
pub fn mem_hotadd(spfn: u64, epfn: u64, pxm: u32) -> Result {
    let mut op = bindings::xen_platform_op {
        cmd: bindings::XENPF_mem_hotadd,
        ..Default::default()
    };
    // `flags` is left 0: Xen 4.17 never reads it.
    op.u.mem_add.spfn = spfn;
    op.u.mem_add.epfn = epfn;
    op.u.mem_add.pxm = pxm;
    // SAFETY: `XENPF_mem_hotadd` has no guest handle; giving Xen a range of
    // host memory is this function's purpose (Xen checks it against its
    // SRAT and its own map).
    unsafe { platform_op(&mut op) }.map(|_| ())
}

/// `XENMEM_machine_memory_map`: Xen's own E820 map of the host (dom0 only),
/// into `buf` as packed `struct e820entry` (`e820::ENTRY_SIZE` bytes each).
/// Returns the number of bytes written. Xen wants room for one entry more
/// than it has (`-EINVAL` otherwise).
pub fn machine_memory_map(buf: &mut [u8]) -> Result<usize> {
    let mut map = bindings::xen_memory_map {
        nr_entries: (buf.len() / e820::ENTRY_SIZE) as u32,
        ..Default::default()
    };
    map.buffer = buf.as_mut_ptr().cast();
    // SAFETY: `map` is a valid `struct xen_memory_map` whose buffer handle
    // points to `buf`, writable for `nr_entries` entries, both exclusively
    // borrowed for the duration of the call; Xen writes at most
    // `nr_entries` entries and updates `nr_entries`.
    let r = unsafe {
        bindings::xenras_hypervisor_memory_op(
            bindings::XENMEM_machine_memory_map,
            ptr::from_mut(&mut map).cast(),
        )
    };
    to_result(r)?;
    Ok((map.nr_entries as usize * e820::ENTRY_SIZE).min(buf.len()))
}
