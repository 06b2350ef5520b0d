// SPDX-License-Identifier: GPL-2.0
//! Misc character devices, in the shape of upstream's
//! `kernel::miscdevice` (6.13+): a [`MiscDevice`] trait, a `'static`
//! `file_operations` table per type ([`MiscdeviceVTable`], as upstream's
//! `MiscdeviceVTable::<T>::VTABLE`) and a pinned [`MiscDeviceRegistration`]
//! that deregisters on drop.
//!
//! The table is `'static` and its `owner` is this module: an open file only
//! ever points at module text, and it pins the module (`fops_get()` in
//! `misc_open()` takes a module reference, `fput()` drops it), so dropping
//! the registration while a file is open leaves nothing dangling.
//!
//! One limit, the kernel's own: when a module's `init` fails, the loader
//! frees the module without waiting for the references open files hold
//! (`do_init_module()`: "protect us from buggy refcounters"), exactly as for
//! a C driver. So register the device as the **last fallible step** of
//! `init` (`xen_mce` does); from then on the guarantee above holds.
//!
//! Deviations from upstream, to change when porting to a newer kernel
//! (there, delete this file and use `kernel::miscdevice`):
//! - `open(data, file)` receives the registration's [`MiscDevice::Data`]
//!   (upstream 6.13: `open(file, &MiscDeviceRegistration<Self>)`, and
//!   per-device data came later as `MiscDeviceRegistration::data`-like
//!   fields);
//! - `read(2)` is the plain `.read` hook with a [`UserSliceWriter`], not
//!   `read_iter` with an `IovIterDest` (upstream 6.17);
//! - `poll` takes this file's [`PollTable`] (upstream has `PollTable` in
//!   `kernel::sync::poll` and no `poll` hook in `MiscDevice` yet);
//! - [`File`] is this file's minimal `struct file` (only `flags()`);
//!   upstream's is `kernel::fs::File`.

use super::bindings;
use super::wait::WaitQueue;
use core::marker::PhantomData;
use core::mem::zeroed;
use kernel::error::{from_result, to_result, Result, VTABLE_DEFAULT_ERROR};
use kernel::ffi::{c_int, c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::{ForeignOwnable, Opaque};
use kernel::uaccess::{UserSlice, UserSliceWriter};

/// `struct file`, borrowed for the duration of a file operation.
///
/// # Invariants
///
/// The wrapped `struct file` is valid for as long as the reference to
/// `File` is (see [`File::from_raw`]).
#[repr(transparent)]
pub struct File(Opaque<bindings::file>);

impl File {
    /// # Safety
    ///
    /// `ptr` must point to a valid `struct file` that outlives `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::file) -> &'a File {
        // SAFETY: `File` is `repr(transparent)` over `struct file`; validity
        // and lifetime are the caller's promise.
        unsafe { &*ptr.cast() }
    }

    /// `f_flags` (`O_*` bits given to `open(2)`).
    ///
    /// `fcntl(F_SETFL)` may change the flags of an open file at any time,
    /// so this is a single volatile load, as upstream's `File::flags()`
    /// (`READ_ONCE`).
    pub fn flags(&self) -> u32 {
        // SAFETY: by the type invariant the file is valid; the field address
        // is computed without creating a reference, and a volatile aligned
        // 32-bit load is what `READ_ONCE(file->f_flags)` does, so a racing
        // `fcntl(F_SETFL)` yields the old or the new flags.
        unsafe { core::ptr::addr_of!((*self.0.get()).f_flags).read_volatile() }
    }
}

/// The `poll_table` of one `poll` call, for [`MiscDevice::poll`]. The
/// kernel may pass none (`vfs_poll(file, NULL)`, e.g. for a readiness
/// check): then [`PollTable::wait`] registers nothing.
///
/// # Invariants
///
/// `table` is NULL or points to a `poll_table` valid for `'a`.
pub struct PollTable<'a> {
    table: *mut bindings::poll_table_struct,
    _p: PhantomData<&'a bindings::poll_table_struct>,
}

impl PollTable<'_> {
    /// `poll_wait()`: registers `wq` so that a wake-up re-polls the file
    /// (nothing when the table is NULL or has no queueing callback).
    ///
    /// `wq` must stay registered until the file is released or `wq` is
    /// dropped: [`WaitQueue`]'s drop detaches pollers (`POLLFREE`).
    pub fn wait(&self, file: &File, wq: &WaitQueue) {
        // SAFETY: `file` is valid (its invariant), `wq` is an initialised,
        // pinned wait queue that detaches its pollers when dropped, and
        // `table` is NULL or valid for this call (type invariant);
        // `poll_wait()` accepts a NULL table.
        unsafe { bindings::xenras_poll_wait(file.0.get(), wq.as_raw(), self.table) };
    }
}

/// Registration options.
pub struct MiscDeviceOptions {
    /// Device name (`/dev/<name>`).
    pub name: &'static CStr,
    /// Minor number, or `None` for a dynamic one.
    pub minor: Option<i32>,
    /// Node mode, e.g. `0o600` for root only.
    pub mode: u16,
}

/// A misc device's file operations.
#[vtable]
pub trait MiscDevice: Sized + 'static {
    /// Per-open state, stored in `file->private_data`.
    type Ptr: ForeignOwnable + Send + Sync;
    /// Data owned by the registration, handed to `open`.
    type Data: Send + Sync;

    /// `open(2)`.
    fn open(data: &Self::Data, file: &File) -> Result<Self::Ptr>;

    /// Last `close(2)` of an open file.
    fn release(device: Self::Ptr, _file: &File) {
        drop(device);
    }

    /// `read(2)` at `offset` into `buf`.
    fn read(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &File,
        _buf: UserSliceWriter,
        _offset: i64,
    ) -> Result<usize> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `poll(2)`: register on wait queues with `table`, return `EPOLL*` bits.
    fn poll(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &File,
        _table: &PollTable<'_>,
    ) -> u32 {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ioctl(2)`; `arg` is the raw argument (a user pointer for most commands).
    fn ioctl(
        _device: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &File,
        _cmd: u32,
        _arg: usize,
    ) -> Result<isize> {
        kernel::build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// A registered misc device; deregistered on drop.
///
/// # Invariants
///
/// `inner` is registered with `misc_register()` (a failed registration
/// never produces a `Self`), its `fops` is [`MiscdeviceVTable::<T>::build`],
/// and `self` is pinned until `drop` has deregistered it.
#[pin_data(PinnedDrop)]
pub struct MiscDeviceRegistration<T: MiscDevice> {
    #[pin]
    inner: Opaque<bindings::miscdevice>,
    data: T::Data,
    _t: PhantomData<T>,
}

// SAFETY: after registration the C side only reads `inner` (under
// `misc_mtx`); `data` is `Send`.
unsafe impl<T: MiscDevice> Send for MiscDeviceRegistration<T> {}
// SAFETY: `&self` only exposes `data`, which is `Sync`; `inner` is not
// written after registration.
unsafe impl<T: MiscDevice> Sync for MiscDeviceRegistration<T> {}

/// The `file_operations` of `T`'s devices: one `'static` table per type,
/// as upstream's `MiscdeviceVTable::<T>::VTABLE`, owned by this module.
pub struct MiscdeviceVTable<T: MiscDevice>(PhantomData<T>);

impl<T: MiscDevice> MiscdeviceVTable<T> {
    const VTABLE: bindings::file_operations = bindings::file_operations {
        // `misc_open()` pins the module for every open file (`fops_get()`),
        // and refuses new opens once it is going away.
        owner: (&raw const super::param::__this_module).cast_mut().cast(),
        open: Some(fops_open::<T>),
        release: Some(fops_release::<T>),
        read: if T::HAS_READ {
            Some(fops_read::<T>)
        } else {
            None
        },
        poll: if T::HAS_POLL {
            Some(fops_poll::<T>)
        } else {
            None
        },
        // No `compat_ioctl`: the project's kernels have no 32-bit userspace.
        unlocked_ioctl: if T::HAS_IOCTL {
            Some(fops_ioctl::<T>)
        } else {
            None
        },
        // SAFETY: an all-zero `file_operations` is valid: every other hook
        // absent.
        ..unsafe { core::mem::MaybeUninit::zeroed().assume_init() }
    };

    /// The table, with a `'static` lifetime (the constant is promoted).
    pub const fn build() -> &'static bindings::file_operations {
        &Self::VTABLE
    }
}

impl<T: MiscDevice> MiscDeviceRegistration<T> {
    /// Registers the device. Fails with the errno of `misc_register`
    /// (`-EBUSY` when the minor is taken by another driver).
    pub fn register(opts: MiscDeviceOptions, data: T::Data) -> impl PinInit<Self, Error> {
        let init_inner = move |slot: *mut Opaque<bindings::miscdevice>| -> Result {
            let slot = Opaque::raw_get(slot);
            // SAFETY: an all-zero `miscdevice` is a valid starting point.
            let mut m: bindings::miscdevice = unsafe { zeroed() };
            m.minor = opts.minor.unwrap_or(bindings::MISC_DYNAMIC_MINOR as i32);
            m.name = opts.name.as_char_ptr();
            m.mode = opts.mode;
            m.fops = MiscdeviceVTable::<T>::build();
            // SAFETY: `slot` is valid for writes (`pin_init_from_closure`).
            unsafe { slot.write(m) };
            // SAFETY: `slot` is an initialised `miscdevice` that stays pinned
            // until `drop` deregisters it; `data` is written before `inner`
            // (`register` initialises it first), so an `open` racing
            // with the registration finds it.
            to_result(unsafe { bindings::misc_register(slot) })
        };
        try_pin_init!(Self {
            data,
            _t: PhantomData,
            // INVARIANT: on success `inner` is registered with `T`'s table.
            // SAFETY: `init_inner` initialises the slot completely or fails,
            // and never moves it.
            inner <- unsafe { kernel::init::pin_init_from_closure(init_inner) },
        })
    }

    /// The registration's data.
    pub fn data(&self) -> &T::Data {
        &self.data
    }
}

#[pinned_drop]
impl<T: MiscDevice> PinnedDrop for MiscDeviceRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: `inner` is registered (type invariant). `misc_deregister()`
        // takes `misc_mtx`, under which `misc_open()` runs `fops_open`, so no
        // open is using `data` once it returns; files already open use only
        // the `'static` table (their module reference keeps it) and their own
        // `T::Ptr`, never this registration.
        unsafe { bindings::misc_deregister(self.inner.get()) };
    }
}

/// # Safety
///
/// Called by the VFS with a valid inode and file of a `T` registration.
unsafe extern "C" fn fops_open<T: MiscDevice>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `file` is valid; `misc_open()` stored its `struct miscdevice`
    // in `private_data` before calling us.
    let misc = unsafe { (*file).private_data }.cast::<bindings::miscdevice>();
    // SAFETY: only `T`'s registrations use `T`'s table, so `misc` is the
    // `inner` field of a `MiscDeviceRegistration<T>`; `misc_open()` holds
    // `misc_mtx`, so the registration cannot be dropped during this call.
    let reg = unsafe { &*kernel::container_of!(misc, Self_::<T>, inner) };
    // SAFETY: `file` is valid for the duration of `open`.
    let f = unsafe { File::from_raw(file) };
    from_result(|| {
        let ptr = T::open(&reg.data, f)?;
        // SAFETY: valid inode and file, as given by the VFS.
        if let Err(e) = to_result(unsafe { bindings::nonseekable_open(inode, file) }) {
            T::release(ptr, f);
            return Err(e);
        }
        // SAFETY: `file` is ours until `release`, which takes it back.
        unsafe { (*file).private_data = ptr.into_foreign().cast_mut() };
        Ok(0)
    })
}

type Self_<T> = MiscDeviceRegistration<T>;

/// # Safety
///
/// Called by the VFS once per successful `open`, with the same file.
unsafe extern "C" fn fops_release<T: MiscDevice>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `private_data` holds what `fops_open` stored; this is its last use.
    let ptr = unsafe { T::Ptr::from_foreign((*file).private_data) };
    // SAFETY: `file` is valid for the duration of `release`.
    T::release(ptr, unsafe { File::from_raw(file) });
    0
}

/// # Safety
///
/// Called by the VFS on an open file with a user buffer of `len` bytes.
unsafe extern "C" fn fops_read<T: MiscDevice>(
    file: *mut bindings::file,
    buf: *mut kernel::ffi::c_char,
    len: usize,
    off: *mut bindings::loff_t,
) -> isize {
    // SAFETY: the file is open, so `private_data` holds a live `T::Ptr`.
    let dev = unsafe { T::Ptr::borrow((*file).private_data) };
    // SAFETY: `file` is valid for the duration of `read`.
    let f = unsafe { File::from_raw(file) };
    let writer = UserSlice::new(buf as usize, len).writer();
    // SAFETY: `off` is valid for the duration of `read`.
    let offset = unsafe { *off };
    match T::read(dev, f, writer, offset) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// # Safety
///
/// Called by the VFS on an open file.
unsafe extern "C" fn fops_poll<T: MiscDevice>(
    file: *mut bindings::file,
    table: *mut bindings::poll_table_struct,
) -> bindings::__poll_t {
    // SAFETY: the file is open, so `private_data` holds a live `T::Ptr`.
    let dev = unsafe { T::Ptr::borrow((*file).private_data) };
    // SAFETY: `file` is valid for the duration of `poll`.
    let f = unsafe { File::from_raw(file) };
    // INVARIANT: the VFS passes NULL (`vfs_poll(file, NULL)`) or a table
    // valid for this call.
    let t = PollTable {
        table,
        _p: PhantomData,
    };
    T::poll(dev, f, &t)
}

/// # Safety
///
/// Called by the VFS on an open file.
unsafe extern "C" fn fops_ioctl<T: MiscDevice>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: the file is open, so `private_data` holds a live `T::Ptr`.
    let dev = unsafe { T::Ptr::borrow((*file).private_data) };
    // SAFETY: `file` is valid for the duration of `ioctl`.
    let f = unsafe { File::from_raw(file) };
    match T::ioctl(dev, f, cmd, arg) {
        Ok(r) => r as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// Writes one `int` to the user pointer `arg` (what `put_user(x, (int __user *)arg)` does).
pub fn put_user_int(arg: usize, v: i32) -> Result<isize> {
    UserSlice::new(arg, core::mem::size_of::<i32>())
        .writer()
        .write_slice(&v.to_ne_bytes())?;
    Ok(0)
}
