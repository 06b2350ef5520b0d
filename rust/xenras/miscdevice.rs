// SPDX-License-Identifier: GPL-2.0
//! Misc character devices, in the shape of upstream's
//! `kernel::miscdevice` (6.13+): a [`MiscDevice`] trait and a pinned
//! [`MiscDeviceRegistration`] that deregisters on drop.
//!
//! Differences to upstream's first version, all upstream later grew too:
//! `open` receives the registration's data, and `read`/`poll` exist.

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
use kernel::ThisModule;

/// `struct file`, borrowed for the duration of a file operation.
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
    pub fn flags(&self) -> u32 {
        // SAFETY: `f_flags` is set before `open` and read-only afterwards in
        // the paths that call us.
        unsafe { (*self.0.get()).f_flags }
    }
}

/// `poll_table`, for [`MiscDevice::poll`].
#[repr(transparent)]
pub struct PollTable(Opaque<bindings::poll_table_struct>);

impl PollTable {
    /// `poll_wait()`: registers `wq` so that a wake-up re-polls the file.
    pub fn wait(&self, file: &File, wq: &WaitQueue) {
        // SAFETY: all three pointers are valid for the duration of the poll
        // call; the wait queue is pinned and outlives the open file.
        unsafe { bindings::xenras_poll_wait(file.0.get(), wq.as_raw(), self.0.get()) };
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
        _table: &PollTable,
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

/// A registered misc device; deregistered on drop. Must stay pinned.
pub struct MiscDeviceRegistration<T: MiscDevice> {
    inner: Opaque<bindings::miscdevice>,
    fops: Opaque<bindings::file_operations>,
    data: T::Data,
    _t: PhantomData<T>,
}

// SAFETY: after registration the C side only reads `inner`/`fops`; `data` is `Sync`.
unsafe impl<T: MiscDevice> Send for MiscDeviceRegistration<T> {}
// SAFETY: as above.
unsafe impl<T: MiscDevice> Sync for MiscDeviceRegistration<T> {}

fn file_operations<T: MiscDevice>(module: &'static ThisModule) -> bindings::file_operations {
    // SAFETY: an all-zero `file_operations` is valid: every hook absent.
    let mut f: bindings::file_operations = unsafe { zeroed() };
    // The module cannot be unloaded while one of its files is open.
    f.owner = module.as_ptr().cast();
    f.open = Some(fops_open::<T>);
    f.release = Some(fops_release::<T>);
    if T::HAS_READ {
        f.read = Some(fops_read::<T>);
    }
    if T::HAS_POLL {
        f.poll = Some(fops_poll::<T>);
    }
    if T::HAS_IOCTL {
        // No `compat_ioctl`: the project's kernels have no 32-bit userspace.
        f.unlocked_ioctl = Some(fops_ioctl::<T>);
    }
    f
}

impl<T: MiscDevice> MiscDeviceRegistration<T> {
    /// Registers the device. Fails with the errno of `misc_register`
    /// (`-EBUSY` when the minor is taken by another driver).
    pub fn register(
        opts: MiscDeviceOptions,
        module: &'static ThisModule,
        data: T::Data,
    ) -> impl PinInit<Self, Error> {
        let init = move |slot: *mut Self| -> Result {
            // SAFETY: `slot` is valid for writes and will stay pinned; every
            // field is written before `misc_register` publishes the device,
            // and on failure `data` (the only field with a destructor) is
            // dropped again, leaving nothing initialised.
            unsafe {
                let fops = Opaque::raw_get(core::ptr::addr_of!((*slot).fops));
                fops.write(file_operations::<T>(module));
                core::ptr::addr_of_mut!((*slot).data).write(data);
                core::ptr::addr_of_mut!((*slot)._t).write(PhantomData);
                let misc = Opaque::raw_get(core::ptr::addr_of!((*slot).inner));
                let mut m: bindings::miscdevice = zeroed();
                m.minor = opts.minor.unwrap_or(bindings::MISC_DYNAMIC_MINOR as i32);
                m.name = opts.name.as_char_ptr();
                m.mode = opts.mode;
                m.fops = fops;
                misc.write(m);
                let ret = bindings::misc_register(misc);
                if ret != 0 {
                    core::ptr::drop_in_place(core::ptr::addr_of_mut!((*slot).data));
                    return Err(Error::from_errno(ret));
                }
                Ok(())
            }
        };
        // SAFETY: `init` initialises every field on success and leaves the
        // slot uninitialised on failure, and never moves it.
        unsafe { kernel::init::pin_init_from_closure(init) }
    }

    /// The registration's data.
    pub fn data(&self) -> &T::Data {
        &self.data
    }
}

impl<T: MiscDevice> Drop for MiscDeviceRegistration<T> {
    fn drop(&mut self) {
        // SAFETY: `inner` was registered by `register` (a failed
        // registration never produces a `Self`). Open files hold a module
        // reference, so none is open now.
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
    // SAFETY: `misc_open` stored the `struct miscdevice` in `private_data`;
    // it is the `inner` field of a pinned `MiscDeviceRegistration<T>`.
    let reg = unsafe {
        let misc = (*file).private_data.cast::<bindings::miscdevice>();
        &*kernel::container_of!(misc, Self_::<T>, inner)
    };
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
    // SAFETY: `file` and `table` are valid for the duration of `poll`;
    // `PollTable` is `repr(transparent)`.
    let (f, t) = unsafe { (File::from_raw(file), &*table.cast::<PollTable>()) };
    T::poll(dev, f, t)
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
