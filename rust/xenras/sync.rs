// SPDX-License-Identifier: GPL-2.0
//! A spinlock for data that softirq context shares with process context.
//!
//! Deviation from upstream: 6.12's `kernel::sync` has `SpinLock`, whose
//! `lock()` is `spin_lock()`: held in process context when a softirq on the
//! same CPU (a BH work item, see `workqueue::system_bh_highpri`) takes it
//! too, it deadlocks. [`SpinLockBh`] is the same
//! [`kernel::sync::lock::Lock`] over another [`Backend`],
//! `spin_lock_bh()` / `spin_unlock_bh()`. Upstream Rust has no `_bh` lock
//! (an interrupt-disabling `SpinLockIrq` has been proposed); porting means
//! the same `Backend` in the kernel crate, or a `SpinLockIrq` where one
//! exists.

use super::bindings as xb;
use kernel::bindings;
use kernel::ffi::c_char;
use kernel::sync::lock::{Backend, Lock};

/// A `spinlock_t` taken with softirqs off on this CPU (`spin_lock_bh()`):
/// for data shared with softirq context.
pub type SpinLockBh<T> = Lock<T, SpinLockBhBackend>;

/// A [`SpinLockBh`] initialiser with this name and a new lock class.
#[macro_export]
macro_rules! new_spinlock_bh {
    ($inner:expr, $name:literal $(,)?) => {
        $crate::xenras::sync::SpinLockBh::new(
            $inner,
            ::kernel::c_str!($name),
            ::kernel::static_lock_class!(),
        )
    };
}

/// The [`Backend`] of [`SpinLockBh`].
pub struct SpinLockBhBackend;

// SAFETY: `lock` is `spin_lock_bh()` and `unlock` `spin_unlock_bh()`: the
// lock is exclusive from one to the other; the default `relock` calls the
// same `lock`. `init` initialises the `spinlock_t` in place with the
// caller's name and class. The guard, which calls `unlock`, is `!Send`:
// softirqs are enabled again by the task (and, it being unable to migrate
// meanwhile, on the CPU) that disabled them.
unsafe impl Backend for SpinLockBhBackend {
    type State = bindings::spinlock_t;
    type GuardState = ();

    unsafe fn init(ptr: *mut Self::State, name: *const c_char, key: *mut bindings::lock_class_key) {
        // SAFETY: the caller passes a valid slot for the lock, a static
        // name and a static lock class (`Backend::init`'s contract).
        unsafe { bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: the caller passes an initialised lock (`Backend::lock`'s
        // contract); the two `spinlock_t` types are the same C type.
        unsafe { xb::xenras_spin_lock_bh(ptr.cast()) }
    }

    unsafe fn unlock(ptr: *mut Self::State, _guard_state: &Self::GuardState) {
        // SAFETY: the caller holds the lock (`Backend::unlock`'s contract),
        // taken by `lock` above in this task.
        unsafe { xb::xenras_spin_unlock_bh(ptr.cast()) }
    }
}
