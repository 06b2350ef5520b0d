// SPDX-License-Identifier: GPL-2.0
//! A spinlock for data that softirq context shares with process context.
//!
//! Deviation from upstream: 6.12's `kernel::sync` has `SpinLock`, whose
//! `lock()` is `spin_lock()`: held in process context when a softirq on the
//! same CPU (a BH work item, see `workqueue::system_bh_highpri`) takes it
//! too, it deadlocks. [`SpinLockBh`] is the same
//! [`kernel::sync::lock::Lock`] over another [`Backend`], which does what C
//! code does by hand: `spin_lock_bh()` in task context, plain `spin_lock()`
//! in a softirq handler, where softirqs are off already. Upstream Rust has
//! no `_bh` lock (an interrupt-disabling `SpinLockIrq` has been proposed);
//! porting means the same `Backend` in the kernel crate, or a `SpinLockIrq`
//! where one exists.
//!
//! Why not `spin_lock_bh()` everywhere: nested `_bh` sections are legal, but
//! `spin_unlock_bh()` in a softirq handler runs `local_bh_enable()`, which
//! asserts under lockdep that interrupts are on. In a Xen PV domain,
//! lockdep's view can be wrong there: an event-channel upcall that
//! interrupts a softirq running on top of a preemptible hypercall (privcmd)
//! returns without `irqentry_exit()` (`xen_pv_evtchn_do_upcall()`), leaving
//! lockdep believing interrupts are off. Measured: that assertion's
//! `WARNING` at kernel/softirq.c:387 in the debug tier, from the drain on
//! `system_bh_highpri_wq` while `xen-mceinj` sat in a hypercall.

use super::bindings as xb;
use kernel::bindings;
use kernel::ffi::c_char;
use kernel::sync::lock::{Backend, Lock};

/// A `spinlock_t` held with softirqs off on this CPU: for data shared with
/// softirq context.
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

// SAFETY: `lock` is `spin_lock_bh()`, or `spin_lock()` in a softirq handler,
// and `unlock` the matching `spin_unlock_bh()` or `spin_unlock()` (the
// guard state says which): the lock is exclusive from one to the other; the
// default `relock` calls the same `lock`. `init` initialises the
// `spinlock_t` in place with the caller's name and class. The guard, which
// calls `unlock`, is `!Send`: softirqs are enabled again by the task (and,
// it being unable to migrate meanwhile, on the CPU) that disabled them.
unsafe impl Backend for SpinLockBhBackend {
    type State = bindings::spinlock_t;
    /// `true`: taken with `spin_lock_bh()`.
    type GuardState = bool;

    unsafe fn init(ptr: *mut Self::State, name: *const c_char, key: *mut bindings::lock_class_key) {
        // SAFETY: the caller passes a valid slot for the lock, a static
        // name and a static lock class (`Backend::init`'s contract).
        unsafe { bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: reads this CPU's preempt count, nothing else.
        let bh = !unsafe { xb::xenras_in_serving_softirq() };
        if bh {
            // SAFETY: the caller passes an initialised lock
            // (`Backend::lock`'s contract); the two `spinlock_t` types are
            // the same C type.
            unsafe { xb::xenras_spin_lock_bh(ptr.cast()) }
        } else {
            // SAFETY: as above. In a softirq handler softirqs are off on
            // this CPU until it returns: none can interrupt the holder.
            unsafe { bindings::spin_lock(ptr) }
        }
        bh
    }

    unsafe fn unlock(ptr: *mut Self::State, bh: &Self::GuardState) {
        if *bh {
            // SAFETY: the caller holds the lock (`Backend::unlock`'s
            // contract), taken by `lock` above in this task with
            // `spin_lock_bh()`.
            unsafe { xb::xenras_spin_unlock_bh(ptr.cast()) }
        } else {
            // SAFETY: the caller holds the lock, taken by `lock` above with
            // `spin_lock()`.
            unsafe { bindings::spin_unlock(ptr) }
        }
    }
}
