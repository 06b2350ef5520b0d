// SPDX-License-Identifier: GPL-2.0
//! A wait queue that `poll(2)` can register on, in the shape of upstream's
//! `kernel::sync::poll::PollCondVar` (6.9+): 6.12's `CondVar` keeps its
//! `wait_queue_head` private, and a queue pollers sit on must detach them
//! before it is freed.
//!
//! Deviation from upstream: this is a bare wait queue (wake-ups only), not a
//! condition variable; porting means replacing it with `PollCondVar` and
//! `notify_all()` (and [`super::miscdevice::PollTable::wait`] with
//! upstream's `PollTable::register_wait`).

use super::bindings;
use core::ptr;
use kernel::init::PinInit;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::LockClassKey;
use kernel::types::Opaque;

/// `wait_queue_head_t`.
///
/// # Invariants
///
/// `wq` is an initialised wait queue head, pinned for its whole life; when
/// dropped, every poller still queued on it has been detached (`POLLFREE`)
/// and an RCU grace period has passed, so epoll no longer touches it.
#[pin_data(PinnedDrop)]
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
            // INVARIANT: `__init_waitqueue_head` initialises the pinned slot.
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
        // SAFETY: the wait queue is initialised and pinned (type invariant).
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

#[pinned_drop]
impl PinnedDrop for WaitQueue {
    fn drop(self: Pin<&mut Self>) {
        // Detach everything `poll_wait()` registered (epoll items get
        // `POLLFREE` and unhook themselves), as `wake_up_pollfree()` does.
        // SAFETY: the wait queue is initialised and pinned (type invariant);
        // `__wake_up_pollfree` may be called on an empty queue.
        unsafe { bindings::__wake_up_pollfree(self.wq.get()) };
        // epoll removes its entries under RCU: wait until none can still
        // look at the queue. Dropping a `WaitQueue` therefore sleeps.
        // SAFETY: no preconditions beyond process context, which every
        // path dropping the queue is in (module exit, file release, work).
        unsafe { bindings::synchronize_rcu() };
    }
}
