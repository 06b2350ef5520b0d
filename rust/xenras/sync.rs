// SPDX-License-Identifier: GPL-2.0
//! A spinlock for data that a hard interrupt handler shares with process
//! context: taken with this CPU's interrupts off (`spin_lock_irqsave()`),
//! so the handler never spins on a lock its own CPU holds.
//!
//! 6.12's `kernel::sync::SpinLock` is `spin_lock()` only. Upstream work on
//! a `SpinLockIrq` (a guard that keeps interrupts off while it lives) is
//! not in 6.12. Deviation: the critical section is a closure
//! ([`SpinLockIrqSave::with`]), so interrupts come back on exactly when
//! the lock is released, whatever the nesting; a port replaces `with` by
//! that type's `lock()`.
//!
//! No `unsafe` here: a `kernel::sync::SpinLock` taken inside
//! [`sys::with_local_irqs_off`].

use super::sys;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::{LockClassKey, SpinLock};

/// A [`SpinLock`] only ever taken with local interrupts off.
///
/// Every acquisition goes through [`SpinLockIrqSave::with`], from any
/// context (hard interrupt handlers included), so lockdep sees one
/// consistent interrupt state for it.
#[pin_data]
pub struct SpinLockIrqSave<T> {
    #[pin]
    lock: SpinLock<T>,
}

impl<T> SpinLockIrqSave<T> {
    /// A new lock holding `t`; prefer [`new_spinlock_irqsave!`], which
    /// supplies the lockdep class.
    ///
    /// [`new_spinlock_irqsave!`]: crate::new_spinlock_irqsave
    pub fn new(t: T, name: &'static CStr, key: &'static LockClassKey) -> impl PinInit<Self> {
        pin_init!(Self {
            lock <- SpinLock::new(t, name, key),
        })
    }

    /// Runs `f` on the data with this CPU's interrupts off and the lock
    /// held; both end when `f` returns. `f` must not sleep (the kernel
    /// warns if it does).
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        sys::with_local_irqs_off(|| f(&mut self.lock.lock()))
    }
}

/// Creates a [`SpinLockIrqSave`] with a static lockdep class, as
/// `new_spinlock!` does for `SpinLock`.
#[macro_export]
macro_rules! new_spinlock_irqsave {
    ($inner:expr, $name:literal) => {
        $crate::xenras::sync::SpinLockIrqSave::new(
            $inner,
            ::kernel::c_str!($name),
            ::kernel::static_lock_class!(),
        )
    };
}
