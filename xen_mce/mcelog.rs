// SPDX-License-Identifier: GPL-2.0
//! xen_mce: Xen machine-check telemetry to `/dev/mcelog` and the kernel's
//! MCE log (rasdaemon), with nothing lost.
//!
//! Where things happen:
//! - `VIRQ_MCA` fires -> [`Mcelog::handle`] (hard IRQ) drains Xen there
//!   ([`Mcelog::drain`]: `XEN_MC_fetch`, urgent then non-urgent) through
//!   `xen_ras_core::drain`, which converts each `mc_info` to `struct mce`
//!   records, delivers them ([`Dom0Side::deliver`]: the `/dev/mcelog` ring
//!   keeps what fits) and ACKs it, in the same run, reader or not: Xen's
//!   pool of 30 telemetry entries is never held for a reader, and within
//!   the interrupt's budget not for any dom0 task either; then wakes the
//!   readers ([`Dom0Side::wake`]) and
//!   [`Dom0Side::kernel_log`] appends the records to the kernel-log
//!   backlog. Past `IRQ_BUDGET` fetches the work ([`Mcelog::run`]) drains
//!   the rest, in runs of the same size with interrupts on in between;
//! - the kernel-log work (`log_work`, 100 ms after the backlog's first
//!   record, on another CPU than the drain's where there is one) hands the
//!   backlog to `mce_log()` (rasdaemon), in chunks;
//! - `read(2)` on `/dev/mcelog` ([`McelogDev::read`]) copies whole records
//!   out.
//!
//! Glue only: every `unsafe` is behind `rust/xenras`.

#[allow(missing_docs)]
#[path = "../rust/xen_ras_core/src/lib.rs"]
pub mod xen_ras_core;
#[allow(missing_docs)]
#[path = "../rust/xenras/mod.rs"]
pub mod xenras;

use core::ops::RangeInclusive;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use kernel::alloc::{
    flags::{GFP_ATOMIC, GFP_KERNEL},
    KBox, KVVec, KVec,
};
use kernel::prelude::*;
use kernel::sync::{new_mutex, new_spinlock, Arc, ArcBorrow, Mutex, SpinLock};
use kernel::time::msecs_to_jiffies;
use kernel::types::ForeignOwnable;
use kernel::uaccess::UserSliceWriter;
use kernel::workqueue::{self, impl_has_work, new_work, Work, WorkItem};
use kernel::{c_str, static_lock_class};
use xen_ras_core::dev::Opens;
use xen_ras_core::drain::{Class, Drainer, Fetch, Level, Outcome, Report, Sink, Stats, Xen};
use xen_ras_core::mce::{resolve_cpu, CpuInfo, Mce, MCE_RECORD_LEN};
use xen_ras_core::mcinfo::{layout, MC_INFO_SIZE};
use xen_ras_core::ring::Ring;
use xenras::bindings;
use xenras::cpu;
use xenras::debugfs;
use xenras::miscdevice::{
    put_user_int, File, MiscDevice, MiscDeviceOptions, MiscDeviceRegistration, PollTable,
};
use xenras::sync::SpinLockIrqSave;
use xenras::sys;
use xenras::virq::{VirqBinding, VirqHandler};
use xenras::wait::WaitQueue;
use xenras::workqueue::{enqueue_delayed, enqueue_delayed_on, flush_delayed_work, DelayedWork};
use xenras::xen;

const VERSION: &str = "0.1.0";
modinfo!(version, "0.1.0");
module_param_uint!(
    ring_len = 1024,
    0o444,
    "Records /dev/mcelog holds (16 to 65536); when full it keeps the oldest and flags the rest"
);
module_param_uint!(
    kernel_log_delay_ms = 100,
    0o444,
    "Milliseconds records wait to go to the kernel MCE log in one batch (0 to 10000)"
);
module_param_bool!(
    kernel_log = true,
    0o644,
    "Also hand records to the kernel MCE log (mce_record tracepoint, rasdaemon)"
);

module! {
    type: XenMce,
    name: "xen_mce",
    author: "xen-ras-rs developers",
    description: "Xen machine-check telemetry to /dev/mcelog and rasdaemon",
    license: "GPL",
}

/// `MISC_MCELOG_MINOR`: the minor of the legacy `/dev/mcelog`.
const MCELOG_MINOR: i32 = 227;
/// Fetches per `VIRQ_MCA` interrupt, which runs the drain itself (one
/// `mc_info` per interrupt in a storm: the fetch, its ACK and two empty
/// fetches); what is left goes to the work. Also the work's fetches per
/// section with interrupts off.
const IRQ_BUDGET: usize = 4;
/// Fetches per run of the work before it yields and requeues itself.
const DRAIN_BUDGET: usize = 256;
/// `ring_len` bounds. The ring is vmalloc-backed (`KVVec`): 65536 records
/// of 128 bytes are 8 MiB, past what kmalloc gives.
const RING_LEN_MIN: usize = 16;
const RING_LEN_MAX: usize = 65536;
/// Records waiting for the kernel MCE log (see [`Dom0Side::kernel_log`]).
const BACKLOG_LEN: usize = 256;
/// Upper bound of `kernel_log_delay_ms`, how long records wait before the
/// kernel-log work hands them to `mce_log()`: one run (one `irq_work`
/// self-IPI, one run of the MCE core's decoder work) for all records of
/// that window, instead of one per `mc_info`.
const KERNEL_LOG_DELAY_MAX_MS: u32 = 10_000;
/// Records per kernel-log run: below the MCE core's record pool (80 or
/// more: `mce_gen_pool_add()` drops what does not fit until its decoder
/// work has run), which runs before the requeued work.
const KERNEL_LOG_CHUNK: usize = 32;

/// Every counter in `/sys/kernel/debug/xen_mce/`, in one table: `drain`
/// ones mirror the `Stats` field of the same name after each drain run;
/// `own` ones the module keeps. The struct, the copy and the debugfs files
/// all come from this list (what each means: Documentation/ABI/xen_mce.rst).
macro_rules! counters {
    (drain: [$($d:ident),* $(,)?], own: [$($o:ident),* $(,)?] $(,)?) => {
        #[derive(Default)]
        struct Counters {
            $($d: AtomicU64,)*
            $($o: AtomicU64,)*
        }

        impl Counters {
            fn publish(&self, s: &Stats) {
                $(self.$d.store(s.$d, Relaxed);)*
            }

            fn files(dir: &debugfs::Dir<Mcelog>) {
                $(dir.counter(c_str!(stringify!($d)), |l| &l.counters.$d);)*
                $(dir.counter(c_str!(stringify!($o)), |l| &l.counters.$o);)*
            }
        }
    };
}

counters!(
    drain: [
        fetched,
        records,
        stored,
        acked,
        ring_dropped,
        lost,
        recovery,
        unknown_cpu,
        fetch_failed,
        ack_failed,
        duplicates,
    ],
    own: [read, cpu_refresh, kernel_logged],
);

/// The ring's storage: one vmalloc-backed allocation sized by `ring_len`.
struct Storage(KVVec<Mce>);

impl AsRef<[Mce]> for Storage {
    fn as_ref(&self) -> &[Mce] {
        &self.0
    }
}

impl AsMut<[Mce]> for Storage {
    fn as_mut(&mut self) -> &mut [Mce] {
        &mut self.0
    }
}

/// What the drain owns: the `VIRQ_MCA` interrupt and the work take turns
/// (under `Mcelog::ctx`).
struct DrainCtx {
    drainer: KBox<Drainer>,
    cpus: KVec<CpuInfo>,
}

#[pin_data]
struct Mcelog {
    /// Taken by the drain in the `VIRQ_MCA` interrupt: interrupts off.
    #[pin]
    ring: SpinLockIrqSave<Ring<Mce, Storage>>,
    #[pin]
    readers: WaitQueue,
    #[pin]
    read_lock: Mutex<()>,
    #[pin]
    opens: SpinLock<Opens>,
    /// The drain's state: the interrupt and the work take turns.
    #[pin]
    ctx: SpinLockIrqSave<DrainCtx>,
    #[pin]
    work: Work<Mcelog>,
    /// Records the drain handed over for the kernel MCE log, in order.
    /// Not empty only while `log_work` is pending, or running and bound to
    /// requeue itself (a run that leaves records requeues; a run that
    /// emptied it saw it empty): the push that finds it empty queues
    /// `log_work`, later pushes need not.
    #[pin]
    backlog: SpinLockIrqSave<Ring<Mce, Storage>>,
    /// Hands `backlog` to `mce_log()` (`log_delay_ms` after the first
    /// record).
    #[pin]
    log_work: DelayedWork<Mcelog, 1>,
    /// The kernel-log work's chunk, taken off `backlog` before interrupts
    /// go off (a spinlock may sleep on PREEMPT_RT).
    #[pin]
    chunk: Mutex<KVec<Mce>>,
    /// The ring's overflow was logged; cleared by the next read.
    overflow_logged: AtomicBool,
    /// `kernel_log_delay_ms`, read at load.
    log_delay_ms: u32,
    /// Set at unload: the work does nothing more.
    stopping: AtomicBool,
    counters: Counters,
}

impl_has_work! {
    impl HasWork<Self> for Mcelog { self.work }
}

crate::impl_has_delayed_work! {
    impl HasDelayedWork<Self, 1> for Mcelog { self.log_work }
}

impl Mcelog {
    fn new(len: usize, log_delay_ms: u32) -> Result<Arc<Self>> {
        let storage = KVVec::from_elem(Mce::default(), len, GFP_KERNEL)?;
        let backlog = KVVec::from_elem(Mce::default(), BACKLOG_LEN, GFP_KERNEL)?;
        let chunk = KVec::from_elem(Mce::default(), KERNEL_LOG_CHUNK, GFP_KERNEL)?;
        let drainer = KBox::new(Drainer::default(), GFP_KERNEL)?;
        Arc::pin_init(
            pin_init!(Self {
                ring <- crate::new_spinlock_irqsave!(Ring::new(Storage(storage)), "xen_mce::ring"),
                readers <- WaitQueue::new(c_str!("xen_mce::readers"), static_lock_class!()),
                read_lock <- new_mutex!((), "xen_mce::read"),
                opens <- new_spinlock!(Opens::default(), "xen_mce::opens"),
                ctx <- crate::new_spinlock_irqsave!(
                    DrainCtx { drainer, cpus: KVec::new() },
                    "xen_mce::ctx"
                ),
                work <- new_work!("xen_mce::work"),
                backlog <- crate::new_spinlock_irqsave!(Ring::new(Storage(backlog)), "xen_mce::backlog"),
                log_work <- crate::new_delayed_work!("xen_mce::log_work"),
                chunk <- new_mutex!(chunk, "xen_mce::chunk"),
                overflow_logged: AtomicBool::new(false),
                log_delay_ms,
                stopping: AtomicBool::new(false),
                counters: Counters::default(),
            }),
            GFP_KERNEL,
        )
    }

    fn kick(this: Arc<Self>) {
        // Already queued is fine: one run drains everything. The high
        // priority pool: every `mc_info` not yet ACKed holds one of Xen's
        // 30 telemetry entries, so the drain must not wait behind this
        // CPU's normal work items or a busy CPU's nice-0 tasks.
        let _ = workqueue::system_highpri().enqueue::<_, 0>(this);
    }

    /// Drains Xen, `budget` fetches at most, with this CPU's interrupts off
    /// (the `VIRQ_MCA` handler runs it as well as the work). Does nothing
    /// once unloading.
    fn drain(this: ArcBorrow<'_, Self>, budget: usize) -> Outcome {
        if this.stopping.load(Relaxed) {
            return Outcome::Empty;
        }
        this.ctx.with(|ctx| {
            let DrainCtx { drainer, cpus } = ctx;
            if cpus.is_empty() {
                let _ = this.refresh_cpus(cpus);
            }
            let mut xs = XenSide { log: &this, cpus };
            let o = drainer.drain(&mut xs, &mut Dom0Side { log: this }, budget);
            this.counters.publish(&drainer.stats);
            o
        })
    }

    /// From the drain: queues the kernel-log work `delay_ms` from now,
    /// unless it is queued already (that run takes the new records too),
    /// on another online CPU than the drain's, where there is one. The
    /// drain runs where `VIRQ_MCA` is bound; the copy to `mce_log()` and
    /// the MCE core's decoder work it starts (the `mce_record` tracepoint,
    /// rasdaemon) are work upstream's driver does not do, and on that CPU
    /// they competed with the next errors' interrupts and drains (README
    /// "make bench": the injector's rate, with and without them).
    fn kick_log(this: Arc<Self>, delay_ms: u32) {
        let other = cpu::next_online_other(cpu::current());
        let delay = msecs_to_jiffies(delay_ms);
        let _ = enqueue_delayed_on::<_, 1>(other, workqueue::system(), this, delay);
    }

    /// From the kernel-log work: its next chunk, at once, on the CPU it
    /// runs on (a per-CPU pool: behind the MCE core's decoder work that
    /// this chunk's `mce_log()` calls queued there, which empties the
    /// core's record pool first).
    fn requeue_log(this: Arc<Self>) {
        let _ = enqueue_delayed::<_, 1>(workqueue::system(), this, 0);
    }

    /// No work of ours runs any more, and the backlog went to the kernel
    /// MCE log. Only once nothing queues the drain work (VIRQ unbound,
    /// `/dev/mcelog` gone).
    fn flush(&self) {
        self.stopping.store(true, Relaxed);
        while sys::flush_work::<_, 0>(self) {}
        // The drain's last run may have queued the kernel-log work: a
        // pending timer fires at once, a requeued run is waited for too.
        while flush_delayed_work::<_, 1>(self) {}
    }

    /// Refreshes the APIC ID -> CPU table from `XEN_MC_physcpuinfo`. From
    /// the drain, interrupts off: atomic allocations (a failure leaves the
    /// CPU unknown, counted, and the next miss tries again).
    fn refresh_cpus(&self, cpus: &mut KVec<CpuInfo>) -> Result {
        let n = xen::mc_physcpuinfo(None)?;
        let mut raw = KVec::from_elem(0u8, n * layout::logical_cpu::SIZE, GFP_ATOMIC)?;
        let got = xen::mc_physcpuinfo(Some(&mut raw))?;
        let mut table = KVec::with_capacity(got, GFP_ATOMIC)?;
        for e in raw.chunks_exact(layout::logical_cpu::SIZE).take(got) {
            if let Some(c) = CpuInfo::parse(e) {
                table.push(c, GFP_ATOMIC)?;
            }
        }
        *cpus = table;
        self.counters.cpu_refresh.fetch_add(1, Relaxed);
        pr_info!("physical CPU table: {} CPUs\n", cpus.len());
        Ok(())
    }
}

/// The hypervisor side of the drain.
struct XenSide<'a> {
    log: &'a Mcelog,
    cpus: &'a mut KVec<CpuInfo>,
}

impl Xen for XenSide<'_> {
    fn fetch(&mut self, class: Class, buf: &mut [u8; MC_INFO_SIZE]) -> Fetch {
        let r = xen::mc_fetch(class.flag(), buf).map_err(|e| e.to_errno());
        Fetch::decode(r, EIO.to_errno())
    }

    fn ack(&mut self, class: Class, id: u64) -> core::result::Result<(), i32> {
        xen::mc_ack(class.flag(), id).map_err(|e| e.to_errno())
    }

    fn cpu(&mut self, apicid: u32) -> Option<CpuInfo> {
        let log = self.log;
        let (cpu, err) = resolve_cpu(self.cpus, apicid, |t| log.refresh_cpus(t));
        if let Some(e) = err {
            pr_err!("XEN_MC_physcpuinfo failed: {:?}\n", e);
        }
        cpu
    }

    fn wall_seconds(&mut self) -> u64 {
        sys::real_seconds()
    }
}

/// The dom0 side of the drain: the `/dev/mcelog` ring and the kernel log.
struct Dom0Side<'a> {
    log: ArcBorrow<'a, Mcelog>,
}

impl Sink for Dom0Side<'_> {
    fn deliver(&mut self, recs: &[Mce]) -> usize {
        self.log.ring.with(|r| r.push_oldest(recs))
    }

    fn wake(&mut self) {
        self.log.readers.wake_up_interruptible();
    }

    fn kernel_log(&mut self, recs: &[Mce]) {
        if !kernel_log.get() {
            return;
        }
        // After the ACK, and batched: each `mce_log()` run raises an
        // `irq_work` (a self-IPI, an event-channel hypercall in a PV dom0)
        // and a run of the MCE core's decoder work; per `mc_info` they cost
        // more than the rest of the drain (README "make bench"). The
        // backlog waits `log_delay_ms` and goes in one run. When it
        // is full, these records go at once: never dropped.
        let (queued, first) = self.log.backlog.with(|b| {
            let first = b.is_empty();
            (
                b.free() >= recs.len() && b.push_oldest(recs) == recs.len(),
                first,
            )
        });
        if queued {
            // Not empty before: `log_work` is pending or will requeue
            // (`backlog`'s invariant); no Arc clone, no PENDING test.
            if first {
                Mcelog::kick_log(self.log.into(), self.log.log_delay_ms);
            }
        } else {
            for m in recs {
                sys::mce_log(m);
            }
            let n = recs.len() as u64;
            self.log.counters.kernel_logged.fetch_add(n, Relaxed);
        }
    }

    fn mark_lost(&mut self) {
        self.log.ring.with(|r| r.mark_lost());
    }

    fn report(&mut self, r: Report) {
        // One warning per overflow episode (until the next read).
        if matches!(r, Report::RingFull { .. }) && self.log.overflow_logged.swap(true, Relaxed) {
            return;
        }
        match r.level() {
            Level::Err => pr_err!("{}\n", r),
            Level::Warn => pr_warn!("{}\n", r),
            Level::Info => pr_info!("{}\n", r),
            Level::Debug => pr_debug!("{}\n", r),
        }
    }
}

impl WorkItem for Mcelog {
    type Pointer = Arc<Mcelog>;

    /// What an interrupt left past its budget, or what Xen held at load:
    /// `IRQ_BUDGET` fetches per section with interrupts off.
    fn run(this: Arc<Mcelog>) {
        let mut left = DRAIN_BUDGET;
        while left > 0 {
            let n = left.min(IRQ_BUDGET);
            // Empty: done until the next VIRQ. Failed: the fetch failed and
            // was logged; the next VIRQ retries.
            if Self::drain(this.as_arc_borrow(), n) != Outcome::Budget {
                return;
            }
            left -= n;
        }
        // Budget used up: run again at once (other work gets its turn).
        Self::kick(this);
    }
}

/// The kernel-log work: the backlog to `mce_log()`, whatever `stopping`
/// and `kernel_log` say now (the drain accepted these records).
impl WorkItem<1> for Mcelog {
    type Pointer = Arc<Mcelog>;

    fn run(this: Arc<Mcelog>) {
        let mut chunk = this.chunk.lock();
        let n = this.backlog.with(|backlog| {
            let mut n = 0;
            while let Some(slot) = chunk.get_mut(n) {
                let Some(m) = backlog.pop() else {
                    break;
                };
                *slot = m;
                n += 1;
            }
            n
        });
        // With interrupts off, the first record raises the MCE core's
        // irq_work (a self-IPI: an event-channel hypercall and an interrupt
        // in a PV dom0) and the others find it pending: one per chunk.
        sys::with_local_irqs_off(|| chunk[..n].iter().for_each(sys::mce_log));
        drop(chunk);
        this.counters.kernel_logged.fetch_add(n as u64, Relaxed);
        if n == KERNEL_LOG_CHUNK && !this.backlog.with(|b| b.is_empty()) {
            // The MCE core's decoder work, queued by these records' irq_work
            // on this CPU, runs first and frees its pool.
            Mcelog::requeue_log(this);
        }
    }
}

impl VirqHandler for Mcelog {
    fn handle(this: ArcBorrow<'_, Self>) {
        // The drain itself, here: Xen's entries are free again before this
        // interrupt returns, whatever dom0's tasks are doing, and no task
        // switch stands between the VIRQ and the readers' wakeup. A storm
        // past the budget goes on in the work.
        if Self::drain(this, IRQ_BUDGET) == Outcome::Budget {
            Self::kick(this.into());
        }
    }
}

/// `/dev/mcelog`.
struct McelogDev;

#[vtable]
impl MiscDevice for McelogDev {
    type Ptr = Arc<Mcelog>;
    type Data = Arc<Mcelog>;

    fn open(data: &Arc<Mcelog>, file: &File) -> Result<Arc<Mcelog>> {
        if !sys::capable_sys_admin() {
            return Err(EPERM);
        }
        let excl = file.flags() & bindings::XENRAS_O_EXCL != 0;
        data.opens.lock().open(excl).map_err(|_| EBUSY)?;
        Ok(data.clone())
    }

    fn release(log: Arc<Mcelog>, _file: &File) {
        log.opens.lock().release();
    }

    fn read(
        log: ArcBorrow<'_, Mcelog>,
        _file: &File,
        mut buf: UserSliceWriter,
        offset: i64,
    ) -> Result<usize> {
        // Legacy ABI: whole-log reads from offset 0 only.
        let cap = log.ring.with(|r| r.capacity());
        if offset != 0 || buf.len() < cap * MCE_RECORD_LEN {
            return Err(EINVAL);
        }
        let _guard = log.read_lock.lock();
        let mut n = 0;
        // Copy first, remove after: a fault loses nothing.
        while let Some(rec) = log.ring.with(|r| r.peek().copied()) {
            if let Err(e) = buf.write_slice(&rec.to_bytes()) {
                if n == 0 {
                    return Err(e);
                }
                break;
            }
            log.ring.with(|r| r.pop());
            n += 1;
        }
        log.counters.read.fetch_add(n as u64, Relaxed);
        if n > 0 {
            log.overflow_logged.store(false, Relaxed);
        }
        Ok(n * MCE_RECORD_LEN)
    }

    fn poll(log: ArcBorrow<'_, Mcelog>, file: &File, table: &PollTable<'_>) -> u32 {
        table.wait(file, &log.readers);
        if log.ring.with(|r| r.is_empty()) {
            0
        } else {
            bindings::XENRAS_EPOLLIN | bindings::XENRAS_EPOLLRDNORM
        }
    }

    fn ioctl(
        log: <Self::Ptr as ForeignOwnable>::Borrowed<'_>,
        _file: &File,
        cmd: u32,
        arg: usize,
    ) -> Result<isize> {
        if !sys::capable_sys_admin() {
            return Err(EPERM);
        }
        match cmd {
            bindings::XENRAS_MCE_GET_RECORD_LEN => put_user_int(arg, MCE_RECORD_LEN as i32),
            bindings::XENRAS_MCE_GET_LOG_LEN => {
                // Never hold the ring's spinlock across a user copy.
                let len = log.ring.with(|r| r.capacity());
                put_user_int(arg, len as i32)
            }
            bindings::XENRAS_MCE_GETCLEAR_FLAGS => {
                let f = log.ring.with(|r| r.getclear_flags());
                put_user_int(arg, f as i32)
            }
            _ => Err(ENOTTY),
        }
    }
}

struct XenMce {
    virq: Option<VirqBinding<Mcelog>>,
    dev: Option<Pin<KBox<MiscDeviceRegistration<McelogDev>>>>,
    debugfs: Option<debugfs::Dir<Mcelog>>,
    log: Arc<Mcelog>,
}

/// `value` of the load-time parameter `name` if it lies in `range`; else
/// the load is refused: logged, `EINVAL`.
fn param_in_range<T: PartialOrd + core::fmt::Display>(
    name: &str,
    value: T,
    range: RangeInclusive<T>,
) -> Result<T> {
    if range.contains(&value) {
        return Ok(value);
    }
    pr_err!(
        "{}={} out of range {}..{}\n",
        name,
        value,
        range.start(),
        range.end()
    );
    Err(EINVAL)
}

impl kernel::Module for XenMce {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("version {}\n", VERSION);
        if !xen::initial_domain() {
            pr_info!("not running in Xen dom0, refusing to load\n");
            return Err(ENODEV);
        }
        let len = param_in_range(
            "ring_len",
            ring_len.get() as usize,
            RING_LEN_MIN..=RING_LEN_MAX,
        )?;
        let delay = param_in_range(
            "kernel_log_delay_ms",
            kernel_log_delay_ms.get(),
            0..=KERNEL_LOG_DELAY_MAX_MS,
        )?;
        let log = Mcelog::new(len, delay)?;
        // The VIRQ before the device: once /dev/mcelog is live nothing may
        // fail, since a failed init frees the module even while a file is
        // open (see `MiscDeviceRegistration`).
        let virq = VirqBinding::bind(
            bindings::XENRAS_VIRQ_MCA as u32,
            0,
            c_str!("mce"),
            log.clone(),
        )?;
        let dev = match KBox::pin_init(
            MiscDeviceRegistration::<McelogDev>::register(
                MiscDeviceOptions {
                    name: c_str!("mcelog"),
                    minor: Some(MCELOG_MINOR),
                    mode: 0o600,
                },
                log.clone(),
            ),
            GFP_KERNEL,
        ) {
            Ok(dev) => dev,
            Err(e) => {
                if e == EBUSY {
                    pr_err!("/dev/mcelog (misc minor 227) is taken by another driver (CONFIG_X86_MCELOG_LEGACY or xen-mcelog?)\n");
                }
                // No work may run once the module is gone.
                drop(virq);
                log.flush();
                return Err(e);
            }
        };
        let dir = debugfs::Dir::new(c_str!("xen_mce"), log.clone());
        Counters::files(&dir);
        // Telemetry Xen queued before we were loaded.
        Mcelog::kick(log.clone());
        pr_info!(
            "/dev/mcelog ready: {} records, VIRQ_MCA on IRQ {}\n",
            len,
            virq.irq()
        );
        Ok(XenMce {
            virq: Some(virq),
            dev: Some(dev),
            debugfs: Some(dir),
            log,
        })
    }
}

impl Drop for XenMce {
    fn drop(&mut self) {
        // No new work from the VIRQ or from readers, then let the queued
        // work finish (the drain does nothing once `stopping` is set; the
        // kernel-log work logs its backlog).
        drop(self.virq.take());
        drop(self.dev.take());
        self.log.flush();
        drop(self.debugfs.take());
        let s = self.ctx_stats();
        let unread = self.log.ring.with(|r| r.len());
        if unread > 0 {
            pr_warn!(
                "{} records never read from /dev/mcelog are discarded (the kernel MCE log had them)\n",
                unread
            );
        }
        pr_info!(
            "unloaded: fetched {} records {} stored {} acked {} read {} unread {} ring_dropped {} lost {} kernel_logged {}\n",
            s.fetched,
            s.records,
            s.stored,
            s.acked,
            self.log.counters.read.load(Relaxed),
            unread,
            s.ring_dropped,
            s.lost,
            self.log.counters.kernel_logged.load(Relaxed)
        );
    }
}

impl XenMce {
    fn ctx_stats(&self) -> Stats {
        self.log.ctx.with(|c| c.drainer.stats)
    }
}
