// SPDX-License-Identifier: GPL-2.0
//! ACPI: object handles, method evaluation, `_OST`, the processor and
//! device walks and hotplug of processor or memory devices owned by one
//! module ([`HotplugObjects`]).
//!
//! No upstream Rust counterpart exists yet (upstream `kernel::acpi` has
//! device-ID tables only); everything here is this project's shape.

use super::bindings;
use core::ffi::{c_int, c_void};
use core::pin::Pin;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use kernel::alloc::{flags::GFP_KERNEL, KBox, KVec};
use kernel::error::{code::*, Result};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::{Arc, ArcBorrow};
use kernel::types::Opaque;

use crate::xen_ras_core::hotplug::{self, ost, Sta};
use crate::xen_ras_core::mat::{self, LocalApic, MatFailure};

// The core crate's notification and `_OST` numbers are ACPICA's.
const _: () = {
    assert!(hotplug::NOTIFY_BUS_CHECK == bindings::XENRAS_ACPI_NOTIFY_BUS_CHECK);
    assert!(hotplug::NOTIFY_DEVICE_CHECK == bindings::XENRAS_ACPI_NOTIFY_DEVICE_CHECK);
    assert!(hotplug::NOTIFY_EJECT_REQUEST == bindings::XENRAS_ACPI_NOTIFY_EJECT_REQUEST);
    assert!(ost::SUCCESS == bindings::ACPI_OST_SC_SUCCESS);
    assert!(ost::FAILURE == bindings::ACPI_OST_SC_NON_SPECIFIC_FAILURE);
    assert!(ost::UNRECOGNIZED_NOTIFY == bindings::ACPI_OST_SC_UNRECOGNIZED_NOTIFY);
    assert!(ost::EJECT_NOT_SUPPORTED == bindings::ACPI_OST_SC_EJECT_NOT_SUPPORTED);
    assert!(ost::DEVICE_IN_USE == bindings::ACPI_OST_SC_DEVICE_IN_USE);
    assert!(ost::DEVICE_BUSY == bindings::ACPI_OST_SC_DEVICE_BUSY);
    assert!(ost::EJECT_IN_PROGRESS == bindings::ACPI_OST_SC_EJECT_IN_PROGRESS);
    assert!(ost::DRIVER_LOAD_FAILURE == bindings::ACPI_OST_SC_DRIVER_LOAD_FAILURE);
    assert!(ost::INSERT_NOT_SUPPORTED == bindings::ACPI_OST_SC_INSERT_NOT_SUPPORTED);
};
// The core crate's MADT numbers (`_MAT` entries) are ACPICA's.
const _: () = {
    assert!(mat::MADT_LOCAL_APIC == bindings::XENRAS_ACPI_MADT_TYPE_LOCAL_APIC);
    assert!(mat::MADT_LOCAL_X2APIC == bindings::XENRAS_ACPI_MADT_TYPE_LOCAL_X2APIC);
    assert!(mat::MADT_ENABLED == bindings::XENRAS_ACPI_MADT_ENABLED);
    assert!(mat::MADT_ONLINE_CAPABLE == bindings::XENRAS_ACPI_MADT_ONLINE_CAPABLE);
};

/// `ACPI_ROOT_OBJECT` (`ACPI_TO_POINTER(ACPI_MAX_PTR)`).
const ROOT: bindings::acpi_handle = usize::MAX as bindings::acpi_handle;
/// `ACPI_ALLOCATE_BUFFER`.
const ALLOCATE_BUFFER: bindings::acpi_size = bindings::acpi_size::MAX;
// Both are all ones in the headers (bindgen cannot carry the value itself).
const _: () = {
    assert!(bindings::XENRAS_ACPI_MAX_PTR_IS_ALL_ONES == 1);
    assert!(bindings::XENRAS_ACPI_ALLOCATE_BUFFER_IS_ALL_ONES == 1);
    assert!(core::mem::size_of::<bindings::acpi_size>() == core::mem::size_of::<usize>());
};
/// `AE_OK`.
const AE_OK: bindings::acpi_status = bindings::XENRAS_AE_OK;

/// A namespace object. Handles of processor and memory device objects stay
/// valid while the namespace is not unloaded, which Linux never does for
/// them.
///
/// # Invariants
///
/// The handle came from ACPICA (a namespace walk or a notification), never
/// from outside this file: it names a namespace object.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Handle(bindings::acpi_handle);

// SAFETY: an ACPI handle is an opaque token that ACPICA accepts from any thread.
unsafe impl Send for Handle {}
// SAFETY: as above.
unsafe impl Sync for Handle {}

/// A full namespace path, for log lines.
pub struct Path([u8; 64]);

impl core::fmt::Display for Path {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let n = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
        for &b in &self.0[..n] {
            core::fmt::Write::write_char(f, b as char)?;
        }
        Ok(())
    }
}

/// An evaluation's failure: `ENOENT` if the object or method does not exist
/// (`AE_NOT_FOUND`), `ENOMEM` if ACPICA ran out of memory, else `EIO`. Only
/// the first may be read as "no such method".
fn eval_error(s: bindings::acpi_status) -> kernel::error::Error {
    match s {
        bindings::XENRAS_AE_NOT_FOUND => ENOENT,
        bindings::XENRAS_AE_NO_MEMORY => ENOMEM,
        _ => EIO,
    }
}

fn status(s: bindings::acpi_status) -> Result {
    if s == AE_OK {
        Ok(())
    } else {
        Err(EIO)
    }
}

impl Handle {
    /// The object's full path, e.g. `\_SB_.CPUS.C002`.
    pub fn path(&self) -> Path {
        let mut p = Path([0; 64]);
        let mut buf = bindings::acpi_buffer {
            length: (p.0.len() - 1) as u64,
            pointer: p.0.as_mut_ptr().cast(),
        };
        // SAFETY: `buf` describes a writable buffer of `length` bytes; on
        // failure it is left zeroed (an empty path).
        let _ = unsafe { bindings::acpi_get_name(self.0, bindings::ACPI_FULL_PATHNAME, &mut buf) };
        p
    }

    /// The ACPI object type (`ACPI_TYPE_*`).
    pub fn object_type(&self) -> Result<u32> {
        let mut t = 0;
        // SAFETY: valid handle, `t` is writable.
        status(unsafe { bindings::acpi_get_type(self.0, &mut t) })?;
        Ok(t)
    }

    /// The parent object, `None` at the root.
    pub fn parent(&self) -> Option<Handle> {
        let mut p = ptr::null_mut();
        // SAFETY: valid handle, `p` is writable.
        let s = unsafe { bindings::acpi_get_parent(self.0, &mut p) };
        (s == AE_OK && !p.is_null()).then_some(Handle(p))
    }

    /// Evaluates `method` (e.g. `_STA`) to an integer.
    pub fn evaluate_integer(&self, method: &CStr) -> Result<u64> {
        let mut v = 0u64;
        // SAFETY: valid handle and C string; `v` is writable.
        let s = unsafe {
            bindings::acpi_evaluate_integer(
                self.0,
                method.as_char_ptr().cast_mut(),
                ptr::null_mut(),
                &mut v,
            )
        };
        if s != AE_OK {
            return Err(eval_error(s));
        }
        Ok(v)
    }

    /// Evaluates `method` (`None`: the object itself) and passes the result
    /// to `f` while ACPICA's buffer is alive.
    fn evaluate_with<R>(
        &self,
        method: Option<&CStr>,
        f: impl FnOnce(&bindings::acpi_object) -> Result<R>,
    ) -> Result<R> {
        let mut buf = bindings::acpi_buffer {
            length: ALLOCATE_BUFFER,
            pointer: ptr::null_mut(),
        };
        let name = method.map_or(ptr::null_mut(), |m| m.as_char_ptr().cast_mut());
        // SAFETY: valid handle; ACPICA allocates the result into `buf`.
        let s = unsafe { bindings::acpi_evaluate_object(self.0, name, ptr::null_mut(), &mut buf) };
        if s != AE_OK {
            return Err(eval_error(s));
        }
        let obj = buf.pointer.cast::<bindings::acpi_object>();
        let r = if obj.is_null() {
            Err(ENOENT)
        } else {
            // SAFETY: on success ACPICA stored one `union acpi_object` (plus
            // its payload) at `buf.pointer`.
            f(unsafe { &*obj })
        };
        // SAFETY: `ACPI_FREE()` of the buffer ACPICA allocated with kmalloc.
        unsafe { bindings::kfree(buf.pointer) };
        r
    }

    /// `_STA`. None means present and enabled (ACPI 6.5, 6.3.7); one that
    /// exists but fails (out of memory, a broken method) means absent,
    /// logged: never hot-add a device the firmware did not say is there.
    pub fn sta(&self) -> Sta {
        match self.evaluate_integer(kernel::c_str!("_STA")) {
            Ok(v) => Sta(v as u32),
            Err(e) if e == ENOENT => Sta(0xf),
            Err(e) => {
                kernel::pr_err!(
                    "{}: _STA failed ({:?}): treated as absent\n",
                    self.path(),
                    e
                );
                Sta(0)
            }
        }
    }

    /// Evaluates `method` to a buffer (e.g. `_MAT`), copied out.
    pub fn evaluate_buffer(&self, method: &CStr) -> Result<KVec<u8>> {
        self.evaluate_with(Some(method), |o| {
            // SAFETY: `type` is the common first field of every member.
            if unsafe { o.type_ } != bindings::ACPI_TYPE_BUFFER {
                return Err(EINVAL);
            }
            // SAFETY: the type says `buffer` is the active member; its
            // pointer/length describe ACPICA's payload.
            let b = unsafe { o.buffer };
            let bytes = if b.length == 0 {
                &[][..]
            } else {
                // SAFETY: as above; non-empty buffers have a valid pointer.
                unsafe { core::slice::from_raw_parts(b.pointer, b.length as usize) }
            };
            let mut v = KVec::with_capacity(bytes.len(), GFP_KERNEL)?;
            v.extend_from_slice(bytes, GFP_KERNEL)?;
            Ok(v)
        })
    }

    /// A processor object's `_MAT` entry: `_MAT` evaluated to a buffer and
    /// read by the core crate's `mat::read` (the project's one `_MAT`
    /// reader). `Missing` carries the evaluation's error (`ENOENT`: no
    /// `_MAT`; `EINVAL`: not a buffer).
    pub fn mat(&self) -> core::result::Result<LocalApic, MatFailure<Error>> {
        mat::read(self.evaluate_buffer(kernel::c_str!("_MAT")))
    }

    /// The processor ID of a `Processor` object (ACPI 1.0 style).
    pub fn processor_id(&self) -> Result<u32> {
        self.evaluate_with(None, |o| {
            // SAFETY: `type` is the common first field of every member.
            if unsafe { o.type_ } != bindings::ACPI_TYPE_PROCESSOR {
                return Err(EINVAL);
            }
            // SAFETY: the type says `processor` is the active member.
            Ok(unsafe { o.processor.proc_id })
        })
    }

    /// A processor object's ACPI processor ID: the `Processor` statement's
    /// ID, else `_UID` (ACPI0007 devices), else `fallback` (the ID in its
    /// `_MAT` entry).
    pub fn processor_uid(&self, fallback: u32) -> u32 {
        if self.object_type().ok() == Some(bindings::ACPI_TYPE_PROCESSOR) {
            if let Ok(id) = self.processor_id() {
                return id;
            }
        }
        self.evaluate_integer(kernel::c_str!("_UID"))
            .map_or(fallback, |u| u as u32)
    }

    /// The raw handle, for the other abstractions of this crate.
    pub(crate) fn raw(&self) -> bindings::acpi_handle {
        self.0
    }

    /// `_EJ0(1)`: asks the platform to remove the device. Fails if the
    /// object has no `_EJ0` or the method fails.
    pub fn eject(&self) -> Result {
        // SAFETY: valid handle and a NUL-terminated method name.
        status(unsafe {
            bindings::acpi_execute_simple_method(self.0, c"_EJ0".as_ptr().cast_mut().cast(), 1)
        })
    }

    /// Lets Linux's ACPI scan attach its drivers to this object again
    /// (`acpi_bus_scan()` under `acpi_scan_lock`), as a device check does.
    /// For a processor whose CPU is already registered, the native
    /// processor driver binds to it without mapping it again.
    pub fn rescan(&self) -> Result {
        let _scan = ScanLock::new();
        // SAFETY: valid handle; `acpi_bus_scan()` must run under
        // `acpi_scan_lock`, which `_scan` holds.
        kernel::error::to_result(unsafe { bindings::acpi_bus_scan(self.0) })
    }

    /// `_OST(source_event, status)`; firmware without `_OST` is fine.
    pub fn ost(&self, source_event: u32, status_code: u32) {
        // SAFETY: valid handle; a NULL status buffer is allowed.
        let _ = unsafe {
            bindings::acpi_evaluate_ost(self.0, source_event, status_code, ptr::null_mut())
        };
    }
}

/// # Safety
///
/// Called by ACPICA during [`walk_namespace`]'s walk with its context.
unsafe extern "C" fn walk_cb(
    handle: bindings::acpi_handle,
    _level: u32,
    ctx: *mut c_void,
    _ret: *mut *mut c_void,
) -> bindings::acpi_status {
    // SAFETY: `ctx` is the `&mut dyn FnMut` passed by `walk_namespace`,
    // alive for the whole walk.
    let f = unsafe { &mut *ctx.cast::<&mut dyn FnMut(Handle)>() };
    f(Handle(handle));
    AE_OK
}

/// Calls `f` for every object of ACPI type `kind` (`ACPI_TYPE_*`), present
/// or not.
fn walk_namespace(kind: u32, mut f: impl FnMut(Handle)) {
    let mut dynf: &mut dyn FnMut(Handle) = &mut f;
    let ctx = ptr::from_mut(&mut dynf).cast::<c_void>();
    // SAFETY: `walk_cb` matches `acpi_walk_callback`; `ctx` outlives the
    // synchronous walk.
    unsafe {
        bindings::acpi_walk_namespace(
            kind,
            ROOT,
            u32::MAX,
            Some(walk_cb),
            None,
            ctx,
            ptr::null_mut(),
        )
    };
}

/// Every device object whose hardware ID, as Linux's ACPI scan read it
/// (`acpi_device_hid()`: the `_HID`, EISA IDs as strings such as
/// `PNP0C80`), is `hid`, present or not. ACPICA's `acpi_get_devices()`
/// would skip the absent ones: empty slots, which are the ones that get
/// plugged. An object Linux made no device for is not listed.
fn device_objects(hid: &CStr, out: &mut KVec<Handle>) -> Result {
    let scan = ScanLock::new();
    let mut res: Result = Ok(());
    walk_namespace(bindings::ACPI_TYPE_DEVICE, |h| {
        let adev = scan.device(h);
        if adev.is_null() || res.is_err() {
            return;
        }
        // SAFETY: `adev` is live while the scan lock is held; the string is
        // its first PNP ID (or a static dummy), NUL-terminated, owned by the
        // device and only read here, under the lock.
        let id = unsafe { CStr::from_char_ptr(bindings::acpi_device_hid(adev)) };
        if id.as_bytes() == hid.as_bytes() {
            res = out.push(h, GFP_KERNEL).map_err(Into::into);
        }
    });
    res
}

/// Every processor object: `Processor` statements and `ACPI0007` devices,
/// present or not.
fn processor_objects(out: &mut KVec<Handle>) -> Result {
    let mut res: Result = Ok(());
    walk_namespace(bindings::ACPI_TYPE_PROCESSOR, |h| {
        if res.is_ok() {
            res = out.push(h, GFP_KERNEL).map_err(Into::into);
        }
    });
    res?;
    device_objects(kernel::c_str!("ACPI0007"), out)
}

/// Receives system notifications (`ACPI_SYSTEM_NOTIFY`: bus check, device
/// check, eject request, ...) for the objects of a
/// [`HotplugObjects`]. Runs in ACPI's notify workqueue: process context,
/// may evaluate methods and sleep, must not take `acpi_scan_lock` (holders
/// of it flush that workqueue).
pub trait NotifyHandler: Send + Sync + 'static {
    /// Handles `event` for `handle`; returns the `_OST` status code, which
    /// the abstraction reports.
    fn notify(this: ArcBorrow<'_, Self>, handle: Handle, event: u32) -> u32;
}

/// `acpi_scan_lock`, held while it lives. It serialises with Linux's ACPI
/// scan and its hotplug work (`acpi_device_hotplug()`), which read and write
/// `struct acpi_device`'s flags and its hotplug context under it.
///
/// # Invariants
///
/// The lock is held from `new` to `drop`.
struct ScanLock(());

impl ScanLock {
    fn new() -> Self {
        // SAFETY: exported for modules; process context; released in `drop`.
        unsafe { bindings::acpi_scan_lock_acquire() };
        // INVARIANT: just acquired.
        Self(())
    }

    /// Linux's device for `h`, if any. Valid while the lock is held: devices
    /// are removed (`acpi_bus_trim()`) only under it.
    fn device(&self, h: Handle) -> *mut bindings::acpi_device {
        // SAFETY: `h` is a valid handle; the lookup takes its own locks.
        unsafe { bindings::acpi_fetch_acpi_dev(h.0) }
    }
}

impl Drop for ScanLock {
    fn drop(&mut self) {
        // SAFETY: held (type invariant).
        unsafe { bindings::acpi_scan_lock_release() };
    }
}

/// One processor or device object owned by a [`HotplugObjects`].
///
/// # Invariants
///
/// - While `notify_installed`, ACPICA holds `&self` as the context of
///   [`notify_cb::<T>`] on `handle`; the object is pinned and outlives it.
/// - While `hp_installed`, Linux's device for `handle` has `hp` as its
///   hotplug context with [`hp_notify::<T>`]; it is cleared under
///   `acpi_scan_lock` before the object is freed.
#[pin_data]
struct Object<T: NotifyHandler> {
    handle: Handle,
    data: Arc<T>,
    #[pin]
    hp: Opaque<bindings::acpi_hotplug_context>,
    hp_installed: AtomicBool,
    notify_installed: AtomicBool,
    /// The `_OST` code of the last notification we handled.
    last_ost: AtomicU32,
    /// Linux hotplug work items queued for notifications we handled, and
    /// how many of them have run (each calls `hp_notify`).
    queued: AtomicU32,
    ran: AtomicU32,
}

// SAFETY: `hp` is written by Linux only under `acpi_scan_lock` and read by
// us only through its address; every other field is `Send` (`T: Send +
// Sync`, `Arc<T>`, atomics, `Copy` data).
unsafe impl<T: NotifyHandler> Send for Object<T> {}
// SAFETY: `&Object` gives access to atomics, `Copy` data and `&T` (`T:
// Sync`); `hp` is only handed to C by address.
unsafe impl<T: NotifyHandler> Sync for Object<T> {}

/// # Safety
///
/// Called by ACPICA with the context given to `acpi_install_notify_handler`.
unsafe extern "C" fn notify_cb<T: NotifyHandler>(
    handle: bindings::acpi_handle,
    event: u32,
    ctx: *mut c_void,
) {
    // SAFETY: `ctx` is a pinned `Object<T>` that stays alive until its
    // handler is removed, and removal waits for running handlers (type
    // invariant of `Object`).
    let obj = unsafe { &*ctx.cast_const().cast::<Object<T>>() };
    let h = Handle(handle);
    let code = T::notify(obj.data.as_arc_borrow(), h, event);
    h.ost(event, code);
    obj.last_ost.store(code, Relaxed);
    // ACPICA ran `acpi_bus_notify()` (the global handler) just before us:
    // count the hotplug work it queued, to wait for it at unload.
    if obj.hp_installed.load(Relaxed) && hotplug::native_queues_work(event) {
        // SAFETY: valid handle; the lookup takes its own locks.
        if !unsafe { bindings::acpi_fetch_acpi_dev(handle) }.is_null() {
            obj.queued.fetch_add(1, Relaxed);
        }
    }
}

/// Linux's hotplug work (`acpi_device_hotplug()`, under `acpi_scan_lock`)
/// for a device whose `hotplug_notify` is off calls this: the notification
/// was ours, so report our code again (`_OST` is evaluated once more, with
/// the same status) and count the item as run.
///
/// # Safety
///
/// Called by `acpi_device_hotplug()` with a live device whose hotplug
/// context is the `hp` of an `Object<T>`.
unsafe extern "C" fn hp_notify<T: NotifyHandler>(
    adev: *mut bindings::acpi_device,
    _src: u32,
) -> c_int {
    // SAFETY: `adev` is live and its `hp` is ours (installed by
    // `HotplugObjects::new`, cleared under `acpi_scan_lock`, which the
    // caller holds).
    let hp = unsafe { (*adev).hp }.cast::<Opaque<bindings::acpi_hotplug_context>>();
    // SAFETY: `hp` is the `hp` field of a pinned, live `Object<T>`
    // (`Opaque` is `repr(transparent)`).
    let obj = unsafe { &*kernel::container_of!(hp, Object<T>, hp) };
    // Count it against the notifications we handled. The work flushes ACPI's
    // notify workqueue before calling us, so our handler has counted its
    // notification by now; an item for a notification that arrived before
    // our handler was installed has no count, and must not stand in for a
    // later one.
    let _ = obj.ran.fetch_update(Relaxed, Relaxed, |ran| {
        (ran < obj.queued.load(Relaxed)).then_some(ran + 1)
    });
    hotplug::ost_as_errno(obj.last_ost.load(Relaxed))
}

/// Hotplug of a set of ACPI objects owned by one module: every processor
/// object ([`HotplugObjects::new`]) or every device object of one hardware
/// ID, such as memory devices ([`HotplugObjects::devices`]).
///
/// At load, under `acpi_scan_lock`, every object is taken out of Linux's generic ACPI hotplug
/// (`acpi_device.flags.hotplug_notify` off: `acpi_device_hotplug()` then
/// never evaluates `_EJ0` for it) and gets a hotplug context that counts
/// Linux's own work items; then `T`'s system-notify handler is installed.
///
/// At unload ([`HotplugObjects::stop`], then [`Stopped::finish`]): the
/// handlers go (ACPICA waits for running ones), then the hotplug work Linux
/// queued for the notifications we handled is waited for (it reads the flag
/// only when it runs), then, under `acpi_scan_lock`, the contexts are
/// cleared and the flag goes back to what it was, except where the owner
/// says to keep Linux's handler off.
///
/// The flag is a bit of a word the ACPI scan rewrites; it is only ever
/// written here under `acpi_scan_lock`, never from a notification.
///
/// # Invariants
///
/// Every object in `objects` has had its flag switched off and, if it had a
/// device with no hotplug context, our context installed.
pub struct HotplugObjects<T: NotifyHandler> {
    objects: Objects<T>,
}

/// The processor hotplug of `xen_acpi_cpu` and `xen_vcpu_hotplug`.
pub type ProcessorHotplug<T> = HotplugObjects<T>;

/// Every object, with its `hotplug_notify` before we took it over (`None`:
/// Linux had no device for it).
type Objects<T> = KVec<(Pin<KBox<Object<T>>>, Option<bool>)>;

/// A [`HotplugObjects`] whose notify handlers are gone and whose pending
/// Linux hotplug work has run: nothing reaches `T` any more. Dropping it
/// gives every object back to Linux ([`Stopped::finish`] decides otherwise).
///
/// # Invariants
///
/// No object has its notify handler any more; hotplug contexts are still
/// installed (cleared by `finish`, under `acpi_scan_lock`).
pub struct Stopped<T: NotifyHandler> {
    objects: Objects<T>,
}

/// How long unload waits for Linux's hotplug work items (ms).
const DRAIN_MS: u32 = 10_000;

impl<T: NotifyHandler> HotplugObjects<T> {
    /// Takes over every processor object for `data`. An object whose
    /// handler cannot be installed (another owner) is logged and skipped.
    pub fn new(data: &Arc<T>) -> Result<Self> {
        let mut handles = KVec::new();
        processor_objects(&mut handles)?;
        Self::take(&handles, data)
    }

    /// Takes over every device object with hardware ID `hid` (e.g.
    /// `PNP0C80`, memory devices) for `data`, present or not, as
    /// [`Self::new`] does for processors.
    pub fn devices(hid: &CStr, data: &Arc<T>) -> Result<Self> {
        let mut handles = KVec::new();
        device_objects(hid, &mut handles)?;
        Self::take(&handles, data)
    }

    fn take(handles: &KVec<Handle>, data: &Arc<T>) -> Result<Self> {
        let mut objects = KVec::with_capacity(handles.len(), GFP_KERNEL)?;
        for &h in handles.iter() {
            let obj = KBox::pin_init(
                pin_init!(Object {
                    handle: h,
                    data: data.clone(),
                    hp: Opaque::new(bindings::acpi_hotplug_context::default()),
                    hp_installed: AtomicBool::new(false),
                    notify_installed: AtomicBool::new(false),
                    last_ost: AtomicU32::new(ost::FAILURE),
                    queued: AtomicU32::new(0),
                    ran: AtomicU32::new(0),
                }),
                GFP_KERNEL,
            )?;
            // Capacity reserved above: cannot fail.
            objects.push((obj, None), GFP_KERNEL)?;
        }
        let mut this = Self { objects };
        {
            let scan = ScanLock::new();
            for (obj, native) in this.objects.iter_mut() {
                let adev = scan.device(obj.handle);
                if adev.is_null() {
                    continue;
                }
                // SAFETY: `adev` is live under the scan lock, under which
                // Linux writes the flags word.
                *native = Some(unsafe { (*adev).flags.hotplug_notify() } != 0);
                // SAFETY: as above.
                unsafe { (*adev).flags.set_hotplug_notify(0) };
                // SAFETY: `adev` is live; `hp` of processor and memory
                // devices is read only by `acpi_device_hotplug()`, under the
                // scan lock we hold.
                if unsafe { (*adev).hp }.is_null() {
                    // SAFETY: `hp` is pinned and lives until `finish` clears
                    // it under the scan lock; `hp_notify::<T>` matches
                    // `acpi_hp_notify`.
                    unsafe {
                        bindings::acpi_initialize_hp_context(
                            adev,
                            obj.hp.get(),
                            Some(hp_notify::<T>),
                            None,
                        )
                    };
                    obj.hp_installed.store(true, Relaxed);
                }
            }
        }
        for (obj, _) in this.objects.iter() {
            let ctx: *const Object<T> = &**obj;
            // SAFETY: `notify_cb::<T>` matches `acpi_notify_handler`; `ctx` is
            // pinned and stays valid until the handler is removed in `stop`.
            let s = unsafe {
                bindings::acpi_install_notify_handler(
                    obj.handle.0,
                    bindings::ACPI_SYSTEM_NOTIFY,
                    Some(notify_cb::<T>),
                    ctx.cast_mut().cast(),
                )
            };
            if s == AE_OK {
                obj.notify_installed.store(true, Relaxed);
            } else {
                kernel::pr_err!("{}: cannot install notify handler\n", obj.handle.path());
            }
        }
        // INVARIANT: every object's flag is off, contexts installed above.
        Ok(this)
    }

    /// Every object, present or not.
    pub fn objects(&self) -> impl Iterator<Item = Handle> + '_ {
        self.objects.iter().map(|(o, _)| o.handle)
    }

    /// How many objects have our notify handler.
    pub fn handled(&self) -> usize {
        self.objects
            .iter()
            .filter(|(o, _)| o.notify_installed.load(Relaxed))
            .count()
    }

    /// Removes the notify handlers, then waits (up to 10 s) until Linux's
    /// hotplug work queued for the notifications they handled has run.
    pub fn stop(mut self) -> Stopped<T> {
        Stopped {
            objects: stop_objects(&mut self.objects),
        }
    }
}

fn stop_objects<T: NotifyHandler>(objects: &mut Objects<T>) -> Objects<T> {
    for (obj, _) in objects.iter() {
        if obj.notify_installed.swap(false, Relaxed) {
            // SAFETY: installed by `new` with this callback; ACPICA waits for
            // running handlers and flushes ACPI's notify workqueue, so every
            // `acpi_bus_notify()` before this has queued its work item.
            unsafe {
                bindings::acpi_remove_notify_handler(
                    obj.handle.0,
                    bindings::ACPI_SYSTEM_NOTIFY,
                    Some(notify_cb::<T>),
                )
            };
        }
    }
    let mut waited = 0;
    let queued: u32 = objects.iter().map(|(o, _)| o.queued.load(Relaxed)).sum();
    while waited < DRAIN_MS
        && objects
            .iter()
            .any(|(o, _)| o.ran.load(Relaxed) < o.queued.load(Relaxed))
    {
        // SAFETY: process context.
        unsafe { bindings::msleep(10) };
        waited += 10;
    }
    if queued > 0 {
        let ran: u32 = objects.iter().map(|(o, _)| o.ran.load(Relaxed)).sum();
        kernel::pr_info!(
            "unload: {} of Linux's ACPI hotplug work items queued for handled notifications, {} ran before the flags were touched ({} ms waited)\n",
            queued,
            ran,
            waited
        );
    }
    core::mem::take(objects)
}

impl<T: NotifyHandler> Stopped<T> {
    /// Clears the hotplug contexts and gives each object its old
    /// `hotplug_notify` back, except the objects `keep_off` selects and
    /// those whose Linux hotplug work has not run yet (their flag stays
    /// off: the work then does nothing). Returns how many Linux devices of
    /// objects are left with Linux's handler off (including those
    /// that had it off already).
    pub fn finish(mut self, keep_off: impl Fn(Handle) -> bool) -> usize {
        finish_objects(&mut self.objects, keep_off)
    }
}

fn finish_objects<T: NotifyHandler>(
    objects: &mut Objects<T>,
    keep_off: impl Fn(Handle) -> bool,
) -> usize {
    if objects.is_empty() {
        return 0;
    }
    let mut kept = 0;
    {
        let scan = ScanLock::new();
        for (obj, native) in objects.iter() {
            let adev = scan.device(obj.handle);
            if adev.is_null() {
                continue;
            }
            // SAFETY: `adev` is live under the scan lock.
            let ours = obj.hp_installed.load(Relaxed) && unsafe { (*adev).hp } == obj.hp.get();
            if ours {
                // SAFETY: `adev` is live; the `hp` of a processor or memory
                // device is read only by `acpi_device_hotplug()` under the
                // scan lock we hold (`acpiphp` and the dock driver, which write it under
                // the hotplug-context lock, handle other devices).
                unsafe { (*adev).hp = ptr::null_mut() };
            }
            let pending =
                obj.queued.load(Relaxed) - obj.ran.load(Relaxed).min(obj.queued.load(Relaxed));
            if pending > 0 {
                kernel::pr_err!(
                    "{}: {} of Linux's ACPI hotplug work items still pending after {} ms: Linux's ACPI hotplug stays off for it\n",
                    obj.handle.path(),
                    pending,
                    DRAIN_MS
                );
            }
            match native {
                Some(true) if pending == 0 && !keep_off(obj.handle) => {
                    // SAFETY: `adev` is live and the scan lock serialises
                    // with every other writer of its flags word.
                    unsafe { (*adev).flags.set_hotplug_notify(1) };
                }
                // Off before we came (a previous owner left it off), or kept.
                _ => kept += 1,
            }
        }
    }
    // The scan lock was held while clearing the contexts, and Linux calls
    // `hp_notify` only under it: no callback runs into the objects now.
    drop(core::mem::take(objects));
    kept
}

impl<T: NotifyHandler> Default for HotplugObjects<T> {
    /// Owns nothing (what remains after `core::mem::take`).
    fn default() -> Self {
        Self {
            objects: KVec::new(),
        }
    }
}

impl<T: NotifyHandler> Drop for HotplugObjects<T> {
    /// [`HotplugObjects::stop`], then give every object back to Linux.
    fn drop(&mut self) {
        let mut stopped = stop_objects(&mut self.objects);
        finish_objects(&mut stopped, |_| false);
    }
}

impl<T: NotifyHandler> Drop for Stopped<T> {
    fn drop(&mut self) {
        finish_objects(&mut self.objects, |_| false);
    }
}
