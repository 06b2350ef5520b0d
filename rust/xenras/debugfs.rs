// SPDX-License-Identifier: GPL-2.0
//! debugfs directories of read-only `u64` counters.
//!
//! Deviation from upstream: upstream's `kernel::debugfs` (6.18+) has
//! `Dir::read_only_file(name, data)` owning `File<T>` handles for any `T:
//! Writer`. Here a [`Dir`] holds an `Arc<T>` and exposes `AtomicU64` fields
//! of it with `debugfs_create_u64`, removed all at once on drop. Porting
//! means `Dir::scope`/`read_only_file` over the same counters.

use super::bindings;
use core::sync::atomic::AtomicU64;
use kernel::str::CStr;
use kernel::sync::Arc;

/// A debugfs directory whose files read counters inside `T`; removed
/// (recursively) on drop. Holding the `Arc<T>` keeps every counter alive
/// for as long as a file can read it.
///
/// # Invariants
///
/// `dentry` is what `debugfs_create_dir()` returned (possibly an error
/// pointer), removed only in `drop`; every file below it points into `data`.
pub struct Dir<T: Send + Sync + 'static> {
    dentry: *mut bindings::dentry,
    data: Arc<T>,
}

// SAFETY: the dentry pointer is only passed to debugfs, which is thread-safe.
unsafe impl<T: Send + Sync + 'static> Send for Dir<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync + 'static> Sync for Dir<T> {}

impl<T: Send + Sync + 'static> Dir<T> {
    /// `/sys/kernel/debug/<name>/`. Like every debugfs user, it works on
    /// when debugfs is absent: files are then simply not there.
    pub fn new(name: &'static CStr, data: Arc<T>) -> Self {
        // SAFETY: `name` is a valid C string; a NULL parent is the debugfs root.
        let dentry =
            unsafe { bindings::debugfs_create_dir(name.as_char_ptr(), core::ptr::null_mut()) };
        Self { dentry, data }
    }

    /// A read-only file `name` showing the counter `field(&data)`.
    pub fn counter(&self, name: &'static CStr, field: impl Fn(&T) -> &AtomicU64) {
        let value = field(&self.data).as_ptr();
        // SAFETY: `value` points into `data`, which this `Dir` keeps alive
        // until after the files are removed in `drop`; debugfs reads it with
        // plain aligned 64-bit loads, and `AtomicU64` has `u64`'s layout.
        unsafe { bindings::debugfs_create_u64(name.as_char_ptr(), 0o400, self.dentry, value) };
    }
}

impl<T: Send + Sync + 'static> Drop for Dir<T> {
    fn drop(&mut self) {
        // SAFETY: `dentry` came from `debugfs_create_dir` (an error pointer
        // or NULL is accepted and ignored by `debugfs_remove`).
        unsafe { bindings::debugfs_remove(self.dentry) };
    }
}
