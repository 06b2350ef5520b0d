// SPDX-License-Identifier: GPL-2.0
//! Delayed work items (`struct delayed_work`) for 6.12's
//! `kernel::workqueue`, in the shape upstream merged in 6.18
//! (`kernel::workqueue::DelayedWork`, `HasDelayedWork`,
//! `impl_has_delayed_work!`, `Queue::enqueue_delayed`).
//!
//! A [`DelayedWork<T, ID>`] field is a `Work<T, ID>` (its `work_struct` is
//! the first member of the `delayed_work`) plus the timer that queues it,
//! so the item runs through the same `WorkItem<ID>` / `Arc<T>` machinery as
//! a plain `Work`.
//!
//! Deviations, for a port: [`enqueue_delayed`] is a free function taking
//! `Arc<T>` (upstream: a `Queue` method generic over `RawDelayedWorkItem`);
//! the delay is in jiffies as upstream's; [`flush_delayed_work`] has no
//! upstream counterpart yet (6.18 has no flush either); nor has
//! [`enqueue_delayed_on`] (`queue_delayed_work_on()` with a CPU).

use super::cpu::{self, CpuId, CpusReadLock};
use super::sys;
use core::marker::PhantomData;
use core::ptr::{addr_of, addr_of_mut};
use kernel::bindings;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::{Arc, LockClassKey};
use kernel::time::Jiffies;
use kernel::types::Opaque;
use kernel::workqueue::{HasWork, Queue, RawWorkItem, Work, WorkItem, WorkItemPointer};

// The `work_struct` is the first member: a pointer to it is a pointer to
// the `delayed_work` (what `to_delayed_work()` computes in C).
const _: () = assert!(core::mem::offset_of!(bindings::delayed_work, work) == 0);

/// A lockdep key's C pointer (`LockClassKey::as_ptr` is crate-private in
/// 6.12): it is `repr(transparent)` over `lock_class_key`.
fn key_ptr(key: &'static LockClassKey) -> *mut bindings::lock_class_key {
    core::ptr::from_ref(key).cast_mut().cast()
}

/// `struct delayed_work`, for the work item `T` (with `ID` as in
/// `kernel::workqueue::Work`).
///
/// # Invariants
///
/// `dwork` was set up by [`DelayedWork::new`] as `INIT_DELAYED_WORK()` sets
/// it up: its `work` runs `<T::Pointer as WorkItemPointer<ID>>::run`, its
/// timer calls `delayed_work_timer_fn` and is `TIMER_IRQSAFE`.
#[pin_data]
#[repr(transparent)]
pub struct DelayedWork<T: ?Sized, const ID: u64 = 0> {
    #[pin]
    dwork: Opaque<bindings::delayed_work>,
    _inner: PhantomData<T>,
}

// SAFETY: Kernel work items and their timers are usable from any thread;
// the struct holds no `T` (as `kernel::workqueue::Work`).
unsafe impl<T: ?Sized, const ID: u64> Send for DelayedWork<T, ID> {}
// SAFETY: As for `Send`: every access goes through the C workqueue and
// timer code, which does its own locking.
unsafe impl<T: ?Sized, const ID: u64> Sync for DelayedWork<T, ID> {}

impl<T: ?Sized, const ID: u64> DelayedWork<T, ID> {
    /// Creates a delayed work item; prefer [`new_delayed_work!`], which
    /// supplies the lockdep classes.
    ///
    /// [`new_delayed_work!`]: crate::new_delayed_work
    pub fn new(
        name: &'static CStr,
        work_key: &'static LockClassKey,
        timer_key: &'static LockClassKey,
    ) -> impl PinInit<Self>
    where
        T: WorkItem<ID>,
    {
        pin_init!(Self {
            dwork <- Opaque::ffi_init(|slot: *mut bindings::delayed_work| {
                // SAFETY: `slot` is valid for writes (`ffi_init`), so are its
                // `work` and `timer` members. The `WorkItemPointer`
                // implementation promises that `run` can be the work
                // function. INVARIANT: the work function.
                unsafe {
                    bindings::init_work_with_key(
                        addr_of_mut!((*slot).work),
                        Some(T::Pointer::run),
                        false,
                        name.as_char_ptr(),
                        key_ptr(work_key),
                    )
                };
                // SAFETY: as above for `timer`; `delayed_work_timer_fn` is the
                // timer function `INIT_DELAYED_WORK()` sets, with
                // `TIMER_IRQSAFE`. INVARIANT: the timer.
                unsafe {
                    bindings::init_timer_key(
                        addr_of_mut!((*slot).timer),
                        Some(bindings::delayed_work_timer_fn),
                        bindings::TIMER_IRQSAFE,
                        name.as_char_ptr(),
                        key_ptr(timer_key),
                    )
                };
            }),
            _inner: PhantomData,
        })
    }

    /// The `Work<T, ID>` inside (the `delayed_work`'s `work` member).
    ///
    /// # Safety
    ///
    /// `ptr` must be aligned and not dangling (the memory need not be
    /// initialised).
    #[inline]
    pub unsafe fn raw_as_work(ptr: *const Self) -> *mut Work<T, ID> {
        // SAFETY: The caller promises that `ptr` is aligned and not
        // dangling; this only computes a field address.
        let dwork = Opaque::raw_get(unsafe { addr_of!((*ptr).dwork) });
        // SAFETY: `dwork` is derived from `ptr` as above. `Work<T, ID>` is
        // `repr(transparent)` over an `Opaque<work_struct>`, so the `work`
        // member has its layout.
        unsafe { addr_of_mut!((*dwork).work) }.cast()
    }

    /// The `delayed_work` behind a `work_struct` of one.
    fn raw_dwork(work: *mut bindings::work_struct) -> *mut bindings::delayed_work {
        // `work` is the first member (asserted above): same address.
        work.cast()
    }
}

/// Declares that `Self`'s `HasWork<T, ID>` field is the `work` of a
/// [`DelayedWork<T, ID>`] field. Implement with [`impl_has_delayed_work!`].
///
/// # Safety
///
/// `HasWork::<T, ID>::OFFSET` and `raw_get_work` must locate the `work`
/// member of a `DelayedWork<T, ID>` field of `Self`.
///
/// [`impl_has_delayed_work!`]: crate::impl_has_delayed_work
pub unsafe trait HasDelayedWork<T, const ID: u64 = 0>: HasWork<T, ID> {}

/// Implements `HasWork<T, ID>` and [`HasDelayedWork<T, ID>`] for a struct
/// with a [`DelayedWork<T, ID>`] field (as `impl_has_work!` for `Work`).
#[macro_export]
macro_rules! impl_has_delayed_work {
    (impl HasDelayedWork<$work_type:ty $(, $id:tt)?> for $self:ty { self.$field:ident }) => {
        // SAFETY: `OFFSET` is the offset of `$field` (a `DelayedWork`, checked
        // by `raw_get_work`'s type), whose `Work` is at offset 0 in it, and
        // `raw_get_work` returns that `Work`: the `HasWork` contract.
        unsafe impl ::kernel::workqueue::HasWork<$work_type $(, $id)?> for $self {
            const OFFSET: usize = ::core::mem::offset_of!(Self, $field) as usize;

            #[inline]
            unsafe fn raw_get_work(
                ptr: *mut Self,
            ) -> *mut ::kernel::workqueue::Work<$work_type $(, $id)?> {
                // SAFETY: The caller promises that `ptr` points at a valid
                // `Self`, so the field address is valid too.
                let dw = unsafe { ::core::ptr::addr_of_mut!((*ptr).$field) };
                // The field's type, checked.
                let dw: *mut $crate::xenras::workqueue::DelayedWork<$work_type $(, $id)?> = dw;
                // SAFETY: `dw` is aligned and not dangling (derived from a
                // valid `ptr`).
                unsafe { $crate::xenras::workqueue::DelayedWork::raw_as_work(dw) }
            }
        }

        // SAFETY: The `HasWork` implementation above locates the `work` of
        // the `DelayedWork` field `$field`.
        unsafe impl $crate::xenras::workqueue::HasDelayedWork<$work_type $(, $id)?> for $self {}
    };
}

/// Creates a [`DelayedWork`] with lockdep classes of its own for the work
/// and its timer (as `new_work!`).
#[macro_export]
macro_rules! new_delayed_work {
    ($name:literal) => {
        $crate::xenras::workqueue::DelayedWork::new(
            ::kernel::c_str!($name),
            ::kernel::static_lock_class!(),
            ::kernel::static_lock_class!(),
        )
    };
}

/// An `Arc`-owned work item with a [`DelayedWork`] field: what the
/// functions below queue. Implemented for every such `T`.
pub trait ArcDelayedWork<const ID: u64>:
    Sized + WorkItem<ID, Pointer = Arc<Self>> + HasDelayedWork<Self, ID> + Send + Sync + 'static
{
}

impl<T, const ID: u64> ArcDelayedWork<ID> for T where
    T: WorkItem<ID, Pointer = Arc<T>> + HasDelayedWork<T, ID> + Send + Sync + 'static
{
}

/// Queues `w` on `queue` to run once `delay` jiffies have passed
/// (`queue_delayed_work()`; 0: at once). `Err(w)` when it is already
/// queued or its timer is running (it runs once for both).
pub fn enqueue_delayed<T: ArcDelayedWork<ID>, const ID: u64>(
    queue: &'static Queue,
    w: Arc<T>,
    delay: Jiffies,
) -> core::result::Result<(), Arc<T>> {
    enqueue_delayed_on(None, queue, w, delay)
}

/// As [`enqueue_delayed`], but with `Some(cpu)` the timer and the work run
/// on `cpu` (`queue_delayed_work_on()`) when `cpu` is online and no CPU
/// hotplug operation runs; otherwise (and with `None`) as
/// [`enqueue_delayed`]. The timer is never armed on a CPU that is already
/// offline (it would not fire until the CPU came back): checked and queued
/// under a [`CpusReadLock`], or, when this CPU's interrupts are off (a hard
/// interrupt handler), with nothing more: then no CPU can go offline until
/// they are back on (a CPU goes offline in `take_cpu_down()` under
/// `stop_machine()`, which needs every online CPU, this one included, to run
/// its stopper thread), and `cpu_hotplug_lock` may not be taken (lockdep
/// would see it held both in and out of interrupts). A CPU that goes
/// offline later hands its timer and work on, as it does for every per-CPU
/// item. On an unbound `queue`, `cpu` is a hint (its NUMA node). Never
/// waits for a hotplug operation.
///
/// Upstream (6.18) has no `_on` variant; a port would add one to
/// `Queue`.
pub fn enqueue_delayed_on<T: ArcDelayedWork<ID>, const ID: u64>(
    cpu: Option<CpuId>,
    queue: &'static Queue,
    w: Arc<T>,
    delay: Jiffies,
) -> core::result::Result<(), Arc<T>> {
    let irqs_off = sys::irqs_disabled();
    let held = cpu
        .filter(|_| !irqs_off)
        .and_then(|_| CpusReadLock::try_new());
    let target = match cpu {
        Some(c) if (irqs_off || held.is_some()) && cpu::online(c) => c.as_u32() as core::ffi::c_int,
        _ => bindings::wq_misc_consts_WORK_CPU_UNBOUND as core::ffi::c_int,
    };
    // `Queue` is `repr(transparent)` over `Opaque<workqueue_struct>`.
    let wq = core::ptr::from_ref(queue)
        .cast_mut()
        .cast::<bindings::workqueue_struct>();
    // SAFETY: The closure returns false only when the work is already
    // pending (`queue_delayed_work_on()`'s `WORK_STRUCT_PENDING` test), as
    // `__enqueue` requires; `Arc<T>` is `Send` and `'static`. `work` is valid
    // for the call (`__enqueue`'s guarantee) and is the `work` of a
    // `DelayedWork` (`T: HasDelayedWork`), initialised by its constructor
    // (type invariant), so `raw_dwork` gives a valid `delayed_work`. If it is
    // queued, the `Arc` stays alive until the work function runs, which the
    // timer or the queue makes happen; `queue` is `'static`, so it outlives
    // the timer. `target` is `WORK_CPU_UNBOUND` or a CPU that is online
    // (so possible: the workqueue indexes its per-CPU pools with it) and
    // stays online until after the call: `held` is dropped after it, or
    // this CPU's interrupts are off across it (no CPU goes offline then,
    // as the function's docs say).
    let r = unsafe {
        w.__enqueue(move |work| {
            bindings::queue_delayed_work_on(
                target,
                wq,
                DelayedWork::<T, ID>::raw_dwork(work),
                delay,
            )
        })
    };
    drop(held);
    r
}

/// `flush_delayed_work()`: a pending timer fires at once, then waits until
/// the last queued run has finished. Returns whether it had to wait. Sleeps.
pub fn flush_delayed_work<T: HasDelayedWork<T, ID>, const ID: u64>(this: &T) -> bool {
    let ptr: *const T = this;
    // SAFETY: `ptr` points to a live `T`; `raw_get_work` only computes the
    // address of its `Work` field.
    let work = unsafe { T::raw_get_work(ptr.cast_mut()) };
    // SAFETY: `work` is valid and is the `work` of a `DelayedWork`
    // (`HasDelayedWork`), initialised by its constructor; `flush_delayed_work`
    // may be called from process context at any time, queued or not.
    unsafe { bindings::flush_delayed_work(DelayedWork::<T, ID>::raw_dwork(Work::raw_get(work))) }
}
