// SPDX-License-Identifier: GPL-2.0
//! Draining Xen's telemetry queues: every record fetched, converted, handed
//! to dom0's consumers and ACKed in the same run, whoever reads.
//!
//! Why the drain never waits for a reader: Xen keeps telemetry in a fixed
//! pool of 30 entries (`mctelem.c`: 10 urgent, 20 non-urgent; an urgent
//! error may take any free entry) and frees an entry only when dom0 ACKs it.
//! When an error finds no free entry it is gone inside Xen, and a machine
//! check that gets none also skips Xen's recovery (`mce_urgent_action()`,
//! page offlining). So an unACKed `mc_info` held for a slow (or absent)
//! `/dev/mcelog` reader would cost the host its error recovery. The rules:
//! - each `mc_info` is converted, stored ([`Sink::deliver`]: the
//!   `/dev/mcelog` ring keeps what fits, oldest first, flags the rest as
//!   lost, and wakes its readers), ACKed, and only then copied to the kernel
//!   MCE log ([`Sink::kernel_log`], every record: the slower consumer must
//!   not keep Xen's entry), in the run that `VIRQ_MCA` (or the budget
//!   requeue) started;
//! - if an ACK fails after delivery, the next fetch returns the same
//!   `fetch_id`: it is ACKed again, not delivered twice;
//! - a malformed record keeps its valid prefix, is reported, marked lost
//!   (flag), and ACKed so that it cannot wedge the queue.
//!
//! [`Drainer::drain`] is generic over [`Xen`] and [`Sink`] so that the host
//! tests can run it against a model of Xen's pool (`tests/pool.rs`).

use super::mce::{convert, CpuInfo, Event, Mce};
use super::mcinfo::{McInfo, ParseError, MAX_BANKS, MC_INFO_SIZE};
use super::mcinfo::{Recovery, RecoveryAction};
use core::fmt;

/// Xen's two telemetry queues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// `XEN_MC_URGENT`: machine-check exceptions.
    Urgent,
    /// `XEN_MC_NONURGENT`: polled / CMCI errors.
    NonUrgent,
}

impl Class {
    /// The `XEN_MC_*` fetch flag.
    pub fn flag(self) -> u32 {
        match self {
            Class::NonUrgent => XEN_MC_NONURGENT,
            Class::Urgent => XEN_MC_URGENT,
        }
    }
}

/// `XEN_MC_NONURGENT` (fetch flag).
pub const XEN_MC_NONURGENT: u32 = 0x1;
/// `XEN_MC_URGENT` (fetch flag).
pub const XEN_MC_URGENT: u32 = 0x2;

/// `XEN_MC_ACK`.
pub const XEN_MC_ACK: u32 = 0x4;
/// `XEN_MC_FETCHFAILED` (result flag).
pub const XEN_MC_FETCHFAILED: u32 = 0x1;
/// `XEN_MC_NODATA` (result flag).
pub const XEN_MC_NODATA: u32 = 0x2;

/// Result of one `XEN_MC_fetch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fetch {
    /// The buffer holds a record with this id.
    Data(u64),
    /// The queue is empty.
    NoData,
    /// Xen could not hand the record over (`XEN_MC_FETCHFAILED` or an errno).
    Failed(i32),
}

impl Fetch {
    /// Decodes `XEN_MC_fetch`'s answer: the hypercall's result (its error
    /// number, or the `flags` and `fetch_id` Xen wrote back).
    pub fn decode(result: Result<(u32, u64), i32>, eio: i32) -> Self {
        match result {
            Ok((flags, _)) if flags & XEN_MC_NODATA != 0 => Fetch::NoData,
            Ok((flags, _)) if flags & XEN_MC_FETCHFAILED != 0 => Fetch::Failed(eio),
            Ok((_, id)) => Fetch::Data(id),
            Err(e) => Fetch::Failed(e),
        }
    }
}

/// The hypervisor side.
pub trait Xen {
    /// `XEN_MC_fetch` of the oldest record of `class` into `buf`.
    fn fetch(&mut self, class: Class, buf: &mut [u8; MC_INFO_SIZE]) -> Fetch;
    /// `XEN_MC_fetch | XEN_MC_ACK` for `id`.
    fn ack(&mut self, class: Class, id: u64) -> Result<(), i32>;
    /// The CPU with this APIC ID; implementations refresh their table on a miss.
    fn cpu(&mut self, apicid: u32) -> Option<CpuInfo>;
    /// Wall-clock seconds.
    fn wall_seconds(&mut self) -> u64;
}

/// The dom0 side: where converted records go.
pub trait Sink {
    /// Stores the records of one `mc_info` in the `/dev/mcelog` ring (what
    /// fits, oldest first; the ring flags the rest). Returns how many the
    /// ring kept.
    fn deliver(&mut self, recs: &[Mce]) -> usize;
    /// Wakes the ring's readers: called once per `mc_info` whose records
    /// the ring kept, right after its ACK (Xen's entry is free before the
    /// reader runs, the order upstream's driver has too) and before the
    /// kernel-log copy.
    fn wake(&mut self);
    /// Copies the same records to the kernel MCE log (all of them), once
    /// the `mc_info` was ACKed (or its ACK failed: it is not delivered
    /// again).
    fn kernel_log(&mut self, recs: &[Mce]);
    /// Raises the overflow flag: records were lost.
    fn mark_lost(&mut self);
    /// Something worth one log line happened.
    fn report(&mut self, r: Report);
}

/// Log-worthy events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    /// Xen took a recovery action.
    Recovery(Recovery),
    /// A record's APIC ID is unknown to Xen even after a refresh.
    UnknownCpu { apicid: u32 },
    /// A record could not be parsed to its end.
    Malformed {
        class: Class,
        id: u64,
        err: ParseError,
    },
    /// An entry type this driver does not know.
    UnknownEntry { kind: u16 },
    /// An extended MSR with no `struct mce` field.
    ExtendedMsr { reg: u64, value: u64 },
    /// `XEN_MC_fetch` failed.
    FetchFailed { class: Class, err: i32 },
    /// `XEN_MC_ACK` failed; the record will be fetched again and not duplicated.
    AckFailed { class: Class, id: u64, err: i32 },
    /// The `/dev/mcelog` ring was full: `dropped` records of this `mc_info`
    /// are not in it (the kernel MCE log has them; the overflow flag is up).
    RingFull { dropped: usize },
}

/// How loud a [`Report`] is in the kernel log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `pr_err`.
    Err,
    /// `pr_warn`.
    Warn,
    /// `pr_info`.
    Info,
    /// `pr_debug`.
    Debug,
}

impl Report {
    /// The log level of its one line.
    pub fn level(&self) -> Level {
        match self {
            Report::Malformed { .. } | Report::FetchFailed { .. } => Level::Err,
            Report::Recovery(_)
            | Report::UnknownCpu { .. }
            | Report::AckFailed { .. }
            | Report::RingFull { .. } => Level::Warn,
            Report::UnknownEntry { .. } => Level::Info,
            Report::ExtendedMsr { .. } => Level::Debug,
        }
    }
}

/// The one log line of each report (without the module prefix).
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Report::Recovery(r) => match r.action {
                RecoveryAction::PageOffline { mfn, status } => write!(
                    f,
                    "Xen recovery: bank {}: page offlined, mfn {:#x}, status {:#x}, flags {:#x}",
                    r.bank, mfn, status, r.action_flags
                ),
                RecoveryAction::CpuOffline {
                    socketid,
                    coreid,
                    threadid,
                } => write!(
                    f,
                    "Xen recovery: bank {}: CPU offlined, socket {} core {} thread {}, flags {:#x}",
                    r.bank, socketid, coreid, threadid, r.action_flags
                ),
                RecoveryAction::Other => write!(
                    f,
                    "Xen recovery: bank {}: action types {:#x}, flags {:#x}",
                    r.bank, r.action_types, r.action_flags
                ),
            },
            Report::UnknownCpu { apicid } => write!(
                f,
                "no CPU with APIC ID {} even after a refresh: record kept with CPU unknown",
                apicid
            ),
            Report::Malformed { class, id, err } => write!(
                f,
                "malformed {:?} record {:#x}: {:?}: valid part kept, flagged as lost",
                class, id, err
            ),
            Report::UnknownEntry { kind } => {
                write!(f, "unknown telemetry entry type {} skipped", kind)
            }
            Report::ExtendedMsr { reg, value } => {
                write!(f, "extended MSR {:#x} = {:#x}", reg, value)
            }
            Report::FetchFailed { class, err } => {
                write!(f, "XEN_MC_fetch {:?} failed: {}", class, err)
            }
            Report::AckFailed { class, id, err } => write!(
                f,
                "XEN_MC_ACK {:?} {:#x} failed: {}: will ACK again, not deliver twice",
                class, id, err
            ),
            Report::RingFull { dropped } => write!(
                f,
                "/dev/mcelog full: {} records not kept there, overflow flag set; the kernel MCE log has them (counted in ring_dropped; read the device or raise ring_len)",
                dropped
            ),
        }
    }
}

/// Counters, exported through debugfs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// `mc_info` records fetched from Xen.
    pub fetched: u64,
    /// `struct mce` records delivered (to the kernel MCE log, when enabled).
    pub records: u64,
    /// `struct mce` records kept in the `/dev/mcelog` ring.
    pub stored: u64,
    /// `mc_info` records ACKed to Xen.
    pub acked: u64,
    /// `struct mce` records the full `/dev/mcelog` ring could not keep.
    pub ring_dropped: u64,
    /// `mc_info` records (partly) lost: malformed tails.
    pub lost: u64,
    /// Recovery actions reported by Xen.
    pub recovery: u64,
    /// Records whose CPU could not be resolved.
    pub unknown_cpu: u64,
    /// Fetches that failed.
    pub fetch_failed: u64,
    /// ACKs that failed.
    pub ack_failed: u64,
    /// Duplicates suppressed after a failed ACK.
    pub duplicates: u64,
}

/// How a drain ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Both queues are empty.
    Empty,
    /// A fetch failed; try again later.
    Failed,
    /// The per-run budget was used up; run again.
    Budget,
}

/// Reusable drain state: the fetch buffer and the staging array. About 2.7 KiB,
/// so the kernel keeps it in one heap allocation rather than on the stack.
pub struct Drainer {
    buf: [u8; MC_INFO_SIZE],
    staged: [Mce; MAX_BANKS],
    /// The last record stored whose ACK failed.
    unacked: Option<(Class, u64)>,
    /// Counters.
    pub stats: Stats,
}

impl Default for Drainer {
    fn default() -> Self {
        Self {
            buf: [0; MC_INFO_SIZE],
            staged: [Mce::default(); MAX_BANKS],
            unacked: None,
            stats: Stats::default(),
        }
    }
}

impl Drainer {
    /// Drains urgent then non-urgent telemetry, at most `budget` records.
    pub fn drain(&mut self, xen: &mut impl Xen, store: &mut impl Sink, budget: usize) -> Outcome {
        let mut left = budget;
        for class in [Class::Urgent, Class::NonUrgent] {
            loop {
                if left == 0 {
                    return Outcome::Budget;
                }
                left -= 1;
                match self.one(xen, store, class) {
                    Some(Outcome::Empty) => break,
                    Some(o) => return o,
                    None => {}
                }
            }
        }
        Outcome::Empty
    }

    /// Handles one record; `None` means "go on with this queue".
    fn one(&mut self, xen: &mut impl Xen, store: &mut impl Sink, class: Class) -> Option<Outcome> {
        let id = match xen.fetch(class, &mut self.buf) {
            Fetch::NoData => return Some(Outcome::Empty),
            Fetch::Failed(err) => {
                self.stats.fetch_failed += 1;
                store.report(Report::FetchFailed { class, err });
                return Some(Outcome::Failed);
            }
            Fetch::Data(id) => id,
        };
        self.stats.fetched += 1;
        if self.unacked == Some((class, id)) {
            // Stored already; only the ACK was missing.
            self.stats.duplicates += 1;
            self.ack(xen, store, class, id);
            return None;
        }
        let wall = xen.wall_seconds();
        let (n, err) = {
            let info = match McInfo::new(&self.buf) {
                Ok(i) => Some(i),
                Err(err) => {
                    store.report(Report::Malformed { class, id, err });
                    None
                }
            };
            let mut n = 0;
            let mut recoveries = 0u64;
            let mut unknown = 0u64;
            let staged = &mut self.staged;
            let err;
            if let Some(info) = info {
                err = convert(
                    &info,
                    wall,
                    |a| xen.cpu(a),
                    |e| match e {
                        Event::Record(m) => {
                            // bank_count() bounds n by MAX_BANKS.
                            if let Some(slot) = staged.get_mut(n) {
                                *slot = m;
                                n += 1;
                            }
                        }
                        Event::Recovery(r) => {
                            recoveries += 1;
                            store.report(Report::Recovery(r));
                        }
                        Event::UnknownCpu { apicid } => {
                            unknown += 1;
                            store.report(Report::UnknownCpu { apicid });
                        }
                        Event::UnknownEntry { kind } => store.report(Report::UnknownEntry { kind }),
                        Event::ExtendedMsr { reg, value } => {
                            store.report(Report::ExtendedMsr { reg, value })
                        }
                    },
                )
                .err();
                if let Some(err) = err {
                    store.report(Report::Malformed { class, id, err });
                }
            } else {
                err = Some(ParseError::Truncated { len: 0 });
            }
            self.stats.recovery += recoveries;
            self.stats.unknown_cpu += unknown;
            (n, err)
        };
        let kept = store.deliver(&self.staged[..n]).min(n);
        self.stats.records += n as u64;
        self.stats.stored += kept as u64;
        if kept < n {
            self.stats.ring_dropped += (n - kept) as u64;
            store.report(Report::RingFull { dropped: n - kept });
        }
        if err.is_some() {
            self.stats.lost += 1;
            store.mark_lost();
        }
        self.ack(xen, store, class, id);
        if kept > 0 {
            store.wake();
        }
        store.kernel_log(&self.staged[..n]);
        None
    }

    fn ack(&mut self, xen: &mut impl Xen, store: &mut impl Sink, class: Class, id: u64) {
        match xen.ack(class, id) {
            Ok(()) => {
                self.stats.acked += 1;
                self.unacked = None;
            }
            Err(err) => {
                self.stats.ack_failed += 1;
                self.unacked = Some((class, id));
                store.report(Report::AckFailed { class, id, err });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::mce::X86_VENDOR_INTEL;
    use super::super::mcinfo::build::Builder;
    use super::super::ring::Ring;
    use super::*;
    use std::cell::Cell;
    use std::collections::VecDeque;
    use std::rc::Rc;

    /// A model of Xen's telemetry queues (`mctelem.c`): fetch returns the
    /// oldest record until it is ACKed.
    #[derive(Default)]
    struct FakeXen {
        q: [VecDeque<(u64, Vec<u8>)>; 2],
        /// Successful ACKs, shared with a [`RingStore`] that records them.
        acks: Rc<Cell<u64>>,
        next_id: u64,
        fail_acks: usize,
        cpus: Vec<CpuInfo>,
        hidden_cpus: Vec<CpuInfo>,
        refreshes: usize,
    }

    impl FakeXen {
        fn push(&mut self, class: Class, b: &Builder) {
            self.next_id += 1;
            self.q[class as usize].push_back((self.next_id, b.buf.to_vec()));
        }
        fn pending(&self) -> usize {
            self.q[0].len() + self.q[1].len()
        }
    }

    impl Xen for FakeXen {
        fn fetch(&mut self, class: Class, buf: &mut [u8; MC_INFO_SIZE]) -> Fetch {
            match self.q[class as usize].front() {
                None => Fetch::NoData,
                Some((id, b)) => {
                    buf.copy_from_slice(b);
                    Fetch::Data(*id)
                }
            }
        }
        fn ack(&mut self, class: Class, id: u64) -> Result<(), i32> {
            if self.fail_acks > 0 {
                self.fail_acks -= 1;
                return Err(-22);
            }
            let q = &mut self.q[class as usize];
            assert_eq!(
                q.front().map(|e| e.0),
                Some(id),
                "ACK of a record that is not the oldest"
            );
            q.pop_front();
            self.acks.set(self.acks.get() + 1);
            Ok(())
        }
        fn cpu(&mut self, apicid: u32) -> Option<CpuInfo> {
            if let Some(c) = self.cpus.iter().find(|c| c.apicid == apicid) {
                return Some(*c);
            }
            // Refresh: a hot-added CPU becomes visible.
            self.refreshes += 1;
            self.cpus.append(&mut self.hidden_cpus);
            self.cpus.iter().find(|c| c.apicid == apicid).copied()
        }
        fn wall_seconds(&mut self) -> u64 {
            1000
        }
    }

    struct RingStore {
        ring: Ring<Mce, Vec<Mce>>,
        /// The kernel MCE log (what rasdaemon sees).
        klog: Vec<Mce>,
        reports: Vec<Report>,
        /// A [`FakeXen`]'s ACK count: with it, `order` records wakeups
        /// ('w') and kernel-log copies ('k') with the ACK count at each.
        acks: Option<Rc<Cell<u64>>>,
        order: Vec<(char, u64)>,
    }

    impl RingStore {
        fn new(cap: usize) -> Self {
            Self {
                ring: Ring::new(vec![Mce::default(); cap]),
                klog: Vec::new(),
                reports: Vec::new(),
                acks: None,
                order: Vec::new(),
            }
        }

        /// Xen's ACK count at each kernel-log copy.
        fn klog_after_acks(&self) -> Vec<u64> {
            self.order
                .iter()
                .filter(|(e, _)| *e == 'k')
                .map(|&(_, a)| a)
                .collect()
        }
    }

    impl Sink for RingStore {
        fn deliver(&mut self, recs: &[Mce]) -> usize {
            self.ring.push_oldest(recs)
        }
        fn wake(&mut self) {
            if let Some(a) = &self.acks {
                self.order.push(('w', a.get()));
            }
        }
        fn kernel_log(&mut self, recs: &[Mce]) {
            self.klog.extend_from_slice(recs);
            if let Some(a) = &self.acks {
                self.order.push(('k', a.get()));
            }
        }
        fn mark_lost(&mut self) {
            self.ring.mark_lost()
        }
        fn report(&mut self, r: Report) {
            self.reports.push(r)
        }
    }

    fn cpu(n: u32) -> CpuInfo {
        CpuInfo {
            cpunr: n,
            apicid: n * 2,
            vendor: X86_VENDOR_INTEL,
            ..Default::default()
        }
    }

    fn rec(apicid: u32, banks: &[u16]) -> Builder {
        let mut b = Builder::default();
        b.global(0, apicid, 0, 0);
        for &k in banks {
            b.bank(k, 0x9000_0000_0000_0000 | k as u64, 0, 0, 0);
        }
        b
    }

    #[test]
    fn urgent_first_then_nonurgent_and_everything_acked() {
        let mut xen = FakeXen {
            cpus: vec![cpu(0), cpu(1)],
            ..Default::default()
        };
        xen.push(Class::NonUrgent, &rec(0, &[1]));
        xen.push(Class::Urgent, &rec(2, &[4, 5]));
        let mut st = RingStore::new(32);
        let mut d = Drainer::default();
        assert_eq!(d.drain(&mut xen, &mut st, 100), Outcome::Empty);
        let banks: Vec<_> = core::iter::from_fn(|| st.ring.pop())
            .map(|m| (m.bank, m.extcpu))
            .collect();
        assert_eq!(banks, [(4, 1), (5, 1), (1, 0)]);
        assert_eq!(xen.pending(), 0);
        assert_eq!((d.stats.fetched, d.stats.stored, d.stats.acked), (2, 3, 2));
    }

    #[test]
    fn kernel_log_copy_comes_after_the_ack_and_once_when_the_ack_fails() {
        let mut xen = FakeXen {
            cpus: vec![cpu(0)],
            ..Default::default()
        };
        for i in 0..3 {
            xen.push(Class::NonUrgent, &rec(0, &[i, i + 10]));
        }
        let mut st = RingStore::new(32);
        st.acks = Some(xen.acks.clone());
        let mut d = Drainer::default();
        assert_eq!(d.drain(&mut xen, &mut st, 100), Outcome::Empty);
        // Each mc_info's records reach the kernel log once Xen has its ACK.
        assert_eq!(st.klog_after_acks(), [1, 2, 3]);
        // Readers are woken after the ACK, before the kernel-log copy.
        assert_eq!(
            st.order,
            [('w', 1), ('k', 1), ('w', 2), ('k', 2), ('w', 3), ('k', 3)]
        );
        assert_eq!(st.klog.len(), 6);
        // A failed ACK: copied once all the same, not again when the same
        // mc_info is fetched and ACKed in the next run.
        xen.push(Class::NonUrgent, &rec(0, &[7]));
        xen.fail_acks = 1;
        // Budget 2: the empty urgent queue, then the record.
        assert_eq!(d.drain(&mut xen, &mut st, 2), Outcome::Budget);
        assert_eq!(st.klog_after_acks(), [1, 2, 3, 3]);
        assert_eq!(d.drain(&mut xen, &mut st, 100), Outcome::Empty);
        assert_eq!(st.klog_after_acks(), [1, 2, 3, 3]);
        assert_eq!((xen.pending(), xen.acks.get(), st.klog.len()), (0, 4, 7));
    }

    #[test]
    fn full_ring_never_holds_xen_keeps_the_oldest_and_flags_the_rest() {
        let mut xen = FakeXen {
            cpus: vec![cpu(0)],
            ..Default::default()
        };
        for i in 0..10 {
            xen.push(Class::NonUrgent, &rec(0, &[i, i + 100]));
        }
        // Nobody reads: a ring of 5 takes two whole records and half a third.
        let mut st = RingStore::new(5);
        let mut d = Drainer::default();
        assert_eq!(d.drain(&mut xen, &mut st, 100), Outcome::Empty);
        assert_eq!(xen.pending(), 0, "every mc_info ACKed without a reader");
        assert_eq!(d.stats.acked, 10);
        let all: Vec<u8> = (0..10u8).flat_map(|i| [i, i + 100]).collect();
        let klog: Vec<u8> = st.klog.iter().map(|m| m.bank).collect();
        assert_eq!(klog, all, "the kernel log got every record, in order");
        let ring: Vec<u8> = core::iter::from_fn(|| st.ring.pop())
            .map(|m| m.bank)
            .collect();
        assert_eq!(ring, all[..5], "the ring kept the oldest");
        assert_eq!(st.ring.getclear_flags(), 1, "and flagged the loss");
        assert_eq!(
            (d.stats.records, d.stats.stored, d.stats.ring_dropped),
            (20, 5, 15)
        );
        assert!(st.reports.contains(&Report::RingFull { dropped: 1 }));
        assert!(st.reports.contains(&Report::RingFull { dropped: 2 }));
    }

    #[test]
    fn fetch_answers_decode() {
        assert_eq!(Fetch::decode(Ok((0, 7)), -5), Fetch::Data(7));
        assert_eq!(Fetch::decode(Ok((XEN_MC_NODATA, 7)), -5), Fetch::NoData);
        assert_eq!(
            Fetch::decode(Ok((XEN_MC_FETCHFAILED, 7)), -5),
            Fetch::Failed(-5)
        );
        assert_eq!(Fetch::decode(Err(-14), -5), Fetch::Failed(-14));
    }

    #[test]
    fn reports_read_as_one_line_at_their_level() {
        let r = Report::Recovery(Recovery {
            bank: 1,
            action_flags: 2,
            action_types: 1,
            action: RecoveryAction::PageOffline {
                mfn: 0x60000,
                status: 0,
            },
        });
        assert_eq!(
            r.to_string(),
            "Xen recovery: bank 1: page offlined, mfn 0x60000, status 0x0, flags 0x2"
        );
        assert_eq!(r.level(), Level::Warn);
        let r = Report::RingFull { dropped: 4 };
        assert!(r
            .to_string()
            .starts_with("/dev/mcelog full: 4 records not kept"));
        assert_eq!(
            Report::ExtendedMsr { reg: 1, value: 2 }.level(),
            Level::Debug
        );
        assert_eq!(
            Report::FetchFailed {
                class: Class::Urgent,
                err: -5
            }
            .to_string(),
            "XEN_MC_fetch Urgent failed: -5"
        );
    }

    #[test]
    fn failed_ack_does_not_duplicate() {
        let mut xen = FakeXen {
            cpus: vec![cpu(0)],
            fail_acks: 1,
            ..Default::default()
        };
        xen.push(Class::Urgent, &rec(0, &[3]));
        let mut st = RingStore::new(8);
        let mut d = Drainer::default();
        assert_eq!(d.drain(&mut xen, &mut st, 100), Outcome::Empty);
        assert_eq!(st.ring.len(), 1);
        assert_eq!(
            (d.stats.ack_failed, d.stats.duplicates, d.stats.acked),
            (1, 1, 1)
        );
        assert_eq!(xen.pending(), 0);
    }

    #[test]
    fn hot_added_cpu_is_found_after_refresh() {
        let mut xen = FakeXen {
            cpus: vec![cpu(0)],
            hidden_cpus: vec![cpu(2)],
            ..Default::default()
        };
        xen.push(Class::NonUrgent, &rec(4, &[1]));
        xen.push(Class::NonUrgent, &rec(12, &[1]));
        let mut st = RingStore::new(8);
        let mut d = Drainer::default();
        d.drain(&mut xen, &mut st, 100);
        assert_eq!(st.ring.pop().unwrap().extcpu, 2);
        let m = st.ring.pop().unwrap();
        assert_eq!(
            (m.extcpu, m.apicid),
            (super::super::mce::CPU_UNKNOWN, 12),
            "kept, not dropped"
        );
        assert_eq!(d.stats.unknown_cpu, 1);
        assert!(st.reports.contains(&Report::UnknownCpu { apicid: 12 }));
    }

    #[test]
    fn malformed_record_is_acked_flagged_and_keeps_its_prefix() {
        let mut xen = FakeXen {
            cpus: vec![cpu(0)],
            ..Default::default()
        };
        let mut b = rec(0, &[7]);
        b.raw(1, 0);
        xen.push(Class::Urgent, &b);
        xen.push(Class::Urgent, &rec(0, &[8]));
        let mut st = RingStore::new(8);
        let mut d = Drainer::default();
        assert_eq!(d.drain(&mut xen, &mut st, 100), Outcome::Empty);
        assert_eq!(st.ring.len(), 2);
        assert_eq!(st.ring.getclear_flags(), 1);
        assert_eq!(d.stats.lost, 1);
        assert_eq!(xen.pending(), 0);
    }

    #[test]
    fn budget_bounds_a_run() {
        let mut xen = FakeXen {
            cpus: vec![cpu(0)],
            fail_acks: usize::MAX,
            ..Default::default()
        };
        xen.push(Class::Urgent, &rec(0, &[1]));
        let mut st = RingStore::new(8);
        let mut d = Drainer::default();
        assert_eq!(d.drain(&mut xen, &mut st, 16), Outcome::Budget);
        assert_eq!(st.ring.len(), 1, "stored once despite 16 fetches");
    }
}
