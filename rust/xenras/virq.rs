// SPDX-License-Identifier: GPL-2.0
//! Xen VIRQ bindings as owned handles.
//!
//! Deviation from upstream: upstream Rust has no Xen event-channel binding;
//! its closest shape is `kernel::irq::Registration<T: irq::Handler>`
//! (6.18+), whose handler returns `IrqReturn` and takes `&self`. Here
//! [`VirqHandler::handle`] takes an `ArcBorrow` and always reports the IRQ
//! handled (a VIRQ is never shared). Porting means implementing
//! `irq::Handler` for the same type once Xen VIRQs get a Rust binding.

use super::bindings;
use kernel::error::{Error, Result};
use kernel::ffi::{c_int, c_void};
use kernel::str::CStr;
use kernel::sync::{Arc, ArcBorrow};

/// What runs when the VIRQ fires (hard-IRQ context: no sleeping).
pub trait VirqHandler: Send + Sync + 'static {
    /// Handles one event.
    fn handle(this: ArcBorrow<'_, Self>);
}

/// A VIRQ bound to an event channel and an IRQ handler; unbound on drop.
///
/// # Invariants
///
/// `irq` was returned by `bind_virq_to_irqhandler()` with `data`'s payload
/// as `dev_id`, and is bound until `drop`; `data` keeps that payload alive.
pub struct VirqBinding<T: VirqHandler> {
    irq: u32,
    data: Arc<T>,
}

/// # Safety
///
/// Called by the IRQ core with the `dev_id` given to `bind`.
unsafe extern "C" fn trampoline<T: VirqHandler>(
    _irq: c_int,
    dev: *mut c_void,
) -> bindings::irqreturn_t {
    // SAFETY: `dev` is the `Arc<T>` payload pointer passed to
    // `bind_virq_to_irqhandler` below; the binding holds that `Arc` until
    // `unbind_from_irqhandler` has returned, which waits for running handlers.
    let this = unsafe { ArcBorrow::from_raw(dev.cast_const().cast::<T>()) };
    T::handle(this);
    bindings::irqreturn_IRQ_HANDLED
}

impl<T: VirqHandler> VirqBinding<T> {
    /// Binds `virq` on `cpu` to `T::handle`, named `name` in `/proc/interrupts`.
    pub fn bind(virq: u32, cpu: u32, name: &'static CStr, data: Arc<T>) -> Result<Self> {
        let dev: *const T = &*data;
        // SAFETY: `trampoline::<T>` matches `irq_handler_t`; `name` is a
        // static C string; `dev` stays valid until unbind (see `Drop`).
        let irq = unsafe {
            bindings::bind_virq_to_irqhandler(
                virq,
                cpu,
                Some(trampoline::<T>),
                0,
                name.as_char_ptr(),
                dev.cast_mut().cast(),
            )
        };
        if irq < 0 {
            return Err(Error::from_errno(irq));
        }
        // INVARIANT: bound just now, with `data`'s payload.
        Ok(Self {
            irq: irq as u32,
            data,
        })
    }

    /// The Linux IRQ number.
    pub fn irq(&self) -> u32 {
        self.irq
    }
}

impl<T: VirqHandler> Drop for VirqBinding<T> {
    fn drop(&mut self) {
        let dev: *const T = &*self.data;
        // SAFETY: `irq` and `dev` are exactly what `bind` registered (type
        // invariant); after this returns no handler runs, so `data` may be
        // dropped.
        unsafe { bindings::unbind_from_irqhandler(self.irq, dev.cast_mut().cast()) };
    }
}
