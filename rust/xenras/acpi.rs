// SPDX-License-Identifier: GPL-2.0
//! ACPI: object handles, method evaluation, `_OST`, the processor walk and
//! system-notify handlers as owned registrations.

use super::bindings;
use core::ffi::c_void;
use core::ptr;
use kernel::alloc::{flags::GFP_KERNEL, KVec};
use kernel::error::{code::*, Result};
use kernel::str::CStr;
use kernel::sync::{Arc, ArcBorrow};

use crate::xen_ras_core::hotplug::Sta;

/// `ACPI_ROOT_OBJECT` (`ACPI_TO_POINTER(ACPI_MAX_PTR)`).
const ROOT: bindings::acpi_handle = usize::MAX as bindings::acpi_handle;
/// `ACPI_ALLOCATE_BUFFER`.
const ALLOCATE_BUFFER: u64 = u64::MAX;
/// `AE_OK`.
const AE_OK: bindings::acpi_status = 0;

/// A namespace object. Handles of processor objects stay valid while the
/// namespace is not unloaded, which Linux never does for them.
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
        5 => ENOENT,
        4 => ENOMEM,
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

    /// Takes this object out of (`false`) or gives it back to (`true`)
    /// Linux's generic ACPI hotplug (`acpi_device.flags.hotplug_notify`):
    /// while it is out, `acpi_bus_notify()` queues nothing for it and never
    /// evaluates `_EJ0` on it. Returns the previous value, `None` if Linux
    /// has no device for the object.
    pub fn set_native_hotplug(&self, on: bool) -> Option<bool> {
        // SAFETY: valid handle; the device lives as long as the namespace
        // object. The flag is read by the hotplug work under
        // `acpi_scan_lock`, which modules cannot take; the other bits of the
        // same word are only written while the device is created, before
        // this object could be looked up.
        unsafe {
            let adev = bindings::acpi_fetch_acpi_dev(self.0);
            if adev.is_null() {
                return None;
            }
            let old = (*adev).flags.hotplug_notify() != 0;
            (*adev).flags.set_hotplug_notify(on as u32);
            Some(old)
        }
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
        // SAFETY: the scan lock is exported for exactly this; valid handle.
        unsafe {
            bindings::acpi_scan_lock_acquire();
            let r = kernel::error::to_result(bindings::acpi_bus_scan(self.0));
            bindings::acpi_scan_lock_release();
            r
        }
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
/// Called by ACPICA during `for_each_processor`'s walks with its context.
unsafe extern "C" fn walk_cb(
    handle: bindings::acpi_handle,
    _level: u32,
    ctx: *mut c_void,
    _ret: *mut *mut c_void,
) -> bindings::acpi_status {
    // SAFETY: `ctx` is the `&mut dyn FnMut` passed by `for_each_processor`,
    // alive for the whole walk.
    let f = unsafe { &mut *ctx.cast::<&mut dyn FnMut(Handle)>() };
    f(Handle(handle));
    AE_OK
}

/// Calls `f` for every processor object: `Processor` statements and
/// `ACPI0007` devices, present or not.
pub fn for_each_processor(mut f: impl FnMut(Handle)) {
    let mut dynf: &mut dyn FnMut(Handle) = &mut f;
    let ctx = ptr::from_mut(&mut dynf).cast::<c_void>();
    // SAFETY: `walk_cb` matches `acpi_walk_callback`; `ctx` outlives both
    // synchronous walks.
    unsafe {
        bindings::acpi_walk_namespace(
            bindings::ACPI_TYPE_PROCESSOR,
            ROOT,
            u32::MAX,
            Some(walk_cb),
            None,
            ctx,
            ptr::null_mut(),
        );
        bindings::acpi_get_devices(
            c"ACPI0007".as_ptr().cast(),
            Some(walk_cb),
            ctx,
            ptr::null_mut(),
        );
    }
}

/// Receives system notifications (`ACPI_SYSTEM_NOTIFY`: bus check, device
/// check, eject request, ...) for objects it registered on. Runs in the
/// ACPI notify workqueue: process context, may evaluate methods and sleep.
pub trait NotifyHandler: Send + Sync + 'static {
    /// Handles `event` for `handle`.
    fn notify(this: ArcBorrow<'_, Self>, handle: Handle, event: u32);
}

/// A system-notify handler installed on one object; removed on drop.
pub struct NotifyRegistration<T: NotifyHandler> {
    handle: Handle,
    data: Arc<T>,
}

/// # Safety
///
/// Called by ACPICA with the context given to `acpi_install_notify_handler`.
unsafe extern "C" fn notify_cb<T: NotifyHandler>(
    handle: bindings::acpi_handle,
    event: u32,
    ctx: *mut c_void,
) {
    // SAFETY: `ctx` is the `Arc<T>` payload registered below; the
    // registration keeps the `Arc` alive until the handler is removed, and
    // removal waits for running handlers.
    let this = unsafe { ArcBorrow::from_raw(ctx.cast_const().cast::<T>()) };
    T::notify(this, Handle(handle), event);
}

impl<T: NotifyHandler> NotifyRegistration<T> {
    /// Installs `T::notify` for system notifications on `handle`.
    pub fn new(handle: Handle, data: Arc<T>) -> Result<Self> {
        let ctx: *const T = &*data;
        // SAFETY: `notify_cb::<T>` matches `acpi_notify_handler`; `ctx` stays
        // valid until `acpi_remove_notify_handler` in `drop`.
        status(unsafe {
            bindings::acpi_install_notify_handler(
                handle.0,
                bindings::ACPI_SYSTEM_NOTIFY,
                Some(notify_cb::<T>),
                ctx.cast_mut().cast(),
            )
        })
        .map_err(|_| EEXIST)?;
        Ok(Self { handle, data })
    }
}

impl<T: NotifyHandler> Drop for NotifyRegistration<T> {
    fn drop(&mut self) {
        // SAFETY: installed by `new`; ACPICA waits for running notify
        // handlers before returning, so `data` may go after this.
        unsafe {
            bindings::acpi_remove_notify_handler(
                self.handle.0,
                bindings::ACPI_SYSTEM_NOTIFY,
                Some(notify_cb::<T>),
            )
        };
        let _ = &self.data;
    }
}

/// Processor hotplug owned by one module: every processor object is taken
/// out of Linux's generic ACPI hotplug ([`Handle::set_native_hotplug`]) and
/// gets `T`'s system-notify handler. On drop the handlers go first (ACPICA
/// waits for running ones), then each object gets its old flag back.
///
/// ACPI may create a device for an object later (a hot-added CPU); `T`
/// should call `set_native_hotplug(false)` on the handle it is notified for.
pub struct ProcessorHotplug<T: NotifyHandler> {
    handlers: KVec<NotifyRegistration<T>>,
    /// Every processor object and its flag before we took it over.
    owned: KVec<(Handle, Option<bool>)>,
}

impl<T: NotifyHandler> ProcessorHotplug<T> {
    /// Takes over every processor object for `data`. An object whose
    /// handler cannot be installed (another owner) is logged and skipped.
    pub fn new(data: &Arc<T>) -> Result<Self> {
        let mut handles = KVec::new();
        let mut alloc_err = None;
        for_each_processor(|h| {
            if let Err(e) = handles.push(h, GFP_KERNEL) {
                alloc_err = Some(e);
            }
        });
        if let Some(e) = alloc_err {
            return Err(e.into());
        }
        let mut this = Self {
            handlers: KVec::with_capacity(handles.len(), GFP_KERNEL)?,
            owned: KVec::with_capacity(handles.len(), GFP_KERNEL)?,
        };
        for &h in handles.iter() {
            // Capacity reserved above: these pushes cannot fail.
            this.owned
                .push((h, h.set_native_hotplug(false)), GFP_KERNEL)?;
            match NotifyRegistration::new(h, data.clone()) {
                Ok(r) => this.handlers.push(r, GFP_KERNEL)?,
                Err(e) => kernel::pr_err!("{}: cannot install notify handler: {:?}\n", h.path(), e),
            }
        }
        Ok(this)
    }

    /// Every processor object, present or not.
    pub fn objects(&self) -> impl Iterator<Item = Handle> + '_ {
        self.owned.iter().map(|&(h, _)| h)
    }

    /// How many objects have our notify handler.
    pub fn handled(&self) -> usize {
        self.handlers.len()
    }
}

impl<T: NotifyHandler> Default for ProcessorHotplug<T> {
    /// Owns nothing (what remains after `core::mem::take`).
    fn default() -> Self {
        Self {
            handlers: KVec::new(),
            owned: KVec::new(),
        }
    }
}

impl<T: NotifyHandler> Drop for ProcessorHotplug<T> {
    fn drop(&mut self) {
        drop(core::mem::take(&mut self.handlers));
        for &(h, native) in self.owned.iter() {
            if let Some(v) = native {
                h.set_native_hotplug(v);
            }
        }
    }
}
