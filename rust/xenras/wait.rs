// SPDX-License-Identifier: GPL-2.0
//! A wait queue that `poll(2)` can register on (6.12's `CondVar` keeps its
//! `wait_queue_head` private; upstream later added `PollCondVar`).

use super::bindings;
use core::ptr;
use kernel::init::PinInit;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::LockClassKey;
use kernel::types::Opaque;

/// `wait_queue_head_t`.
#[pin_data]
pub struct WaitQueue {
    #[pin]
    wq: Opaque<bindings::wait_queue_head>,
}

// SAFETY: `wait_queue_head` is designed for concurrent use from any thread.
unsafe impl Send for WaitQueue {}
// SAFETY: as above.
unsafe impl Sync for WaitQueue {}

impl WaitQueue {
    /// A new wait queue; `name` and `key` are for lockdep.
    pub fn new(name: &'static CStr, key: &'static LockClassKey) -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `slot` is valid for writes and pinned; `LockClassKey` is
            // `repr(transparent)` over `lock_class_key`, and both live forever.
            wq <- Opaque::ffi_init(|slot| unsafe {
                bindings::__init_waitqueue_head(
                    slot,
                    name.as_char_ptr(),
                    ptr::from_ref(key).cast_mut().cast(),
                )
            }),
        })
    }

    /// `wake_up_interruptible()`.
    pub fn wake_up_interruptible(&self) {
        // SAFETY: the wait queue was initialised by `new` and is pinned.
        unsafe {
            bindings::__wake_up(
                self.wq.get(),
                bindings::TASK_INTERRUPTIBLE,
                1,
                ptr::null_mut(),
            )
        };
    }

    /// The raw `wait_queue_head_t`.
    pub(crate) fn as_raw(&self) -> *mut bindings::wait_queue_head {
        self.wq.get()
    }
}
