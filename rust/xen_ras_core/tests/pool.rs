// SPDX-License-Identifier: GPL-2.0
//! xen_mce's drain against a model of Xen 4.17's telemetry pool
//! (`xen/arch/x86/cpu/mcheck/mctelem.c`), under any interleaving of errors,
//! drain runs and `/dev/mcelog` reader behaviour (none, slow, fast, late).
//!
//! The model: 30 entries, `MC_URGENT_NENT` 10 then `MC_NONURGENT_NENT` 20.
//! `mctelem_reserve()` searches from entry 0 for an urgent error (so it may
//! borrow a non-urgent entry) and from entry 10 for a non-urgent one; when
//! it finds no free entry the error is lost inside Xen, and an urgent one
//! gets no recovery action. An entry is freed only by dom0's ACK.
//!
//! What must hold:
//! - every record of every error Xen committed reaches the kernel MCE log
//!   exactly once, in order per queue (ACK failures included);
//! - after every drain run Xen's pool is entirely free: dom0 never holds an
//!   entry waiting for a reader;
//! - so Xen loses nothing unless more errors arrive between two drain runs
//!   than the pool has entries;
//! - `/dev/mcelog` shows the oldest records it could keep, in order, and
//!   every record it could not keep is counted and flagged.

use proptest::prelude::*;
use std::collections::VecDeque;
use xen_ras_core::drain::{Class, Drainer, Fetch, Outcome, Report, Sink, Xen};
use xen_ras_core::mce::{CpuInfo, Mce};
use xen_ras_core::mcinfo::{build::Builder, MAX_BANKS, MC_INFO_SIZE};
use xen_ras_core::ring::{Ring, MCE_OVERFLOW};

const URGENT_NENT: usize = 10;
const NONURGENT_NENT: usize = 20;
const NENT: usize = URGENT_NENT + NONURGENT_NENT;

/// Xen's side: the pool and its two committed queues.
struct Pool {
    free: [bool; NENT],
    /// Committed telemetry per class: (fetch id, entry, bytes).
    q: [VecDeque<(u64, usize, Vec<u8>)>; 2],
    next_id: u64,
    lost_in_xen: u64,
    urgent_without_recovery: u64,
    acks: usize,
    fail_every: usize,
}

impl Pool {
    fn new(fail_every: usize) -> Self {
        Self {
            free: [true; NENT],
            q: Default::default(),
            next_id: 0,
            lost_in_xen: 0,
            urgent_without_recovery: 0,
            acks: 0,
            fail_every,
        }
    }

    /// `mctelem_reserve()` + `mctelem_commit()`; false if the error is lost.
    fn error(&mut self, class: Class, rec: &Builder) -> bool {
        let start = match class {
            Class::Urgent => 0,
            Class::NonUrgent => URGENT_NENT,
        };
        let Some(slot) = (start..NENT).find(|&i| self.free[i]) else {
            self.lost_in_xen += 1;
            if class == Class::Urgent {
                self.urgent_without_recovery += 1;
            }
            return false;
        };
        self.free[slot] = false;
        self.next_id += 1;
        self.q[class as usize].push_back((self.next_id, slot, rec.buf.to_vec()));
        true
    }

    fn held(&self) -> usize {
        self.free.iter().filter(|f| !**f).count()
    }
}

impl Xen for Pool {
    fn fetch(&mut self, class: Class, buf: &mut [u8; MC_INFO_SIZE]) -> Fetch {
        match self.q[class as usize].front() {
            Some((id, _, b)) => {
                buf.copy_from_slice(b);
                Fetch::Data(*id)
            }
            None => Fetch::NoData,
        }
    }
    fn ack(&mut self, class: Class, id: u64) -> Result<(), i32> {
        self.acks += 1;
        if self.fail_every != 0 && self.acks.is_multiple_of(self.fail_every) {
            return Err(-5);
        }
        let (got, slot, _) = self.q[class as usize].pop_front().expect("ACK of nothing");
        assert_eq!(got, id, "ACK of a record that is not the oldest");
        self.free[slot] = true;
        Ok(())
    }
    fn cpu(&mut self, _: u32) -> Option<CpuInfo> {
        None
    }
    fn wall_seconds(&mut self) -> u64 {
        0
    }
}

/// Dom0's side: the kernel MCE log (rasdaemon) and the `/dev/mcelog` ring.
struct Dom0 {
    klog: Vec<u64>,
    ring: Ring<Mce, Vec<Mce>>,
    ring_full_reports: usize,
    /// Records the ring kept since the last wakeup of its readers.
    unwoken: usize,
}

impl Sink for Dom0 {
    fn deliver(&mut self, recs: &[Mce]) -> usize {
        let kept = self.ring.push_oldest(recs);
        self.unwoken += kept;
        kept
    }
    fn wake(&mut self) {
        self.unwoken = 0;
    }
    fn kernel_log(&mut self, recs: &[Mce]) {
        self.klog.extend(recs.iter().map(|m| m.status));
    }
    fn mark_lost(&mut self) {
        self.ring.mark_lost()
    }
    fn report(&mut self, r: Report) {
        if matches!(r, Report::RingFull { .. }) {
            self.ring_full_reports += 1;
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// An error of this class with this many banks.
    Error(bool, usize),
    /// A `VIRQ_MCA` drain: the interrupt's run, then its work's while the
    /// budget runs out.
    Drain,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            3 => (any::<bool>(), 1usize..=MAX_BANKS).prop_map(|(u, b)| Op::Error(u, b)),
            1 => Just(Op::Drain),
        ],
        0..400,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512)))]

    #[test]
    fn pool_is_never_held_and_every_committed_record_reaches_the_kernel_log(
        ops in ops(),
        ring_len in 16usize..64,
        // None: nobody reads /dev/mcelog (rasdaemon only). Some(k): a
        // whole-log read every k-th step, from step `late` on.
        reader in prop::option::of(1usize..20),
        late in 0usize..400,
        fail_every in prop_oneof![Just(0usize), 2usize..6],
        // The module runs 4 fetches in the interrupt, then 4 at a time in its
        // work; a run needs two to see both queues empty.
        budget in 2usize..300,
    ) {
        let mut xen = Pool::new(fail_every);
        let mut dom0 = Dom0 {
            klog: Vec::new(),
            ring: Ring::new(vec![Mce::default(); ring_len]),
            ring_full_reports: 0,
            unwoken: 0,
        };
        let mut d = Drainer::default();
        let mut committed = [Vec::new(), Vec::new()];
        let mut read = Vec::new();
        let mut tag = 0u64;
        // Errors since the last drain run, per class.
        let mut burst = [0usize; 2];
        let mut burst_fits_pool = true;
        let mut flags = 0;
        let run = |xen: &mut Pool, dom0: &mut Dom0, d: &mut Drainer| {
            // The interrupt hands on to the work, which goes on while the
            // budget runs out; a run ends with both queues empty.
            for _ in 0..10_000 {
                match d.drain(xen, dom0, budget) {
                    Outcome::Budget => continue,
                    o => return o,
                }
            }
            panic!("drain never finished");
        };
        for (step, op) in ops.iter().enumerate() {
            match *op {
                Op::Error(urgent, banks) => {
                    let class = if urgent { Class::Urgent } else { Class::NonUrgent };
                    let mut b = Builder::default();
                    b.global(0, 0, 0, 0);
                    let tags: Vec<u64> = (tag..tag + banks as u64).collect();
                    tag += banks as u64;
                    for &t in &tags {
                        b.bank(0, t, 0, 0, 0);
                    }
                    burst[class as usize] += 1;
                    burst_fits_pool &= burst[1] <= NONURGENT_NENT && burst[0] + burst[1] <= NENT;
                    if xen.error(class, &b) {
                        committed[class as usize].extend(tags);
                    }
                }
                Op::Drain => {
                    prop_assert_eq!(run(&mut xen, &mut dom0, &mut d), Outcome::Empty);
                    prop_assert_eq!(xen.held(), 0, "an entry stays held after a drain run");
                    prop_assert_eq!(dom0.unwoken, 0, "records kept with no wakeup after them");
                    burst = [0; 2];
                }
            }
            if let Some(k) = reader {
                if step >= late && step % k == 0 {
                    read.extend(core::iter::from_fn(|| dom0.ring.pop()).map(|m| m.status));
                    flags |= dom0.ring.getclear_flags();
                }
            }
        }
        prop_assert_eq!(run(&mut xen, &mut dom0, &mut d), Outcome::Empty);
        prop_assert_eq!(xen.held(), 0);
        if burst_fits_pool {
            prop_assert_eq!(xen.lost_in_xen, 0, "Xen lost an error though dom0 drained in time");
        }

        // Kernel MCE log: every committed record exactly once, in order per queue.
        let urgent: std::collections::HashSet<u64> = committed[0].iter().copied().collect();
        let (ku, kn): (Vec<u64>, Vec<u64>) = dom0.klog.iter().partition(|t| urgent.contains(t));
        prop_assert_eq!(&ku, &committed[0]);
        prop_assert_eq!(&kn, &committed[1]);

        // /dev/mcelog: what the reader got plus what is left is the kernel
        // log minus exactly the records counted as dropped, in order.
        read.extend(core::iter::from_fn(|| dom0.ring.pop()).map(|m| m.status));
        flags |= dom0.ring.getclear_flags();
        prop_assert_eq!(read.len() as u64 + d.stats.ring_dropped, dom0.klog.len() as u64);
        let mut it = dom0.klog.iter();
        for r in &read {
            prop_assert!(it.any(|k| k == r), "ring out of order or invented record {}", r);
        }
        prop_assert_eq!(d.stats.ring_dropped > 0, flags & (1 << MCE_OVERFLOW) != 0);
        prop_assert_eq!(d.stats.ring_dropped > 0, dom0.ring_full_reports > 0);
        prop_assert_eq!(d.stats.records, dom0.klog.len() as u64);
    }
}

/// The scenario of the issue that led here: rasdaemon running, nobody
/// reading `/dev/mcelog`, a small ring, 48 corrected errors over three
/// poller rounds. The earlier backpressure policy left four `mc_info` in
/// Xen's pool and rasdaemon saw 16 records.
#[test]
fn rasdaemon_only_gets_everything_and_xen_keeps_its_pool() {
    let mut xen = Pool::new(0);
    let mut dom0 = Dom0 {
        klog: Vec::new(),
        ring: Ring::new(vec![Mce::default(); 16]),
        ring_full_reports: 0,
        unwoken: 0,
    };
    let mut d = Drainer::default();
    let mut tag = 0;
    for _round in 0..3 {
        for _ in 0..2 {
            let mut b = Builder::default();
            b.global(0, 0, 0, 0);
            for _ in 0..8 {
                b.bank(0, tag, 0, 0, 0);
                tag += 1;
            }
            assert!(xen.error(Class::NonUrgent, &b));
        }
        assert_eq!(d.drain(&mut xen, &mut dom0, 256), Outcome::Empty);
        assert_eq!(xen.held(), 0);
    }
    assert_eq!(dom0.klog, (0..48).collect::<Vec<_>>());
    assert_eq!(dom0.ring.len(), 16, "the oldest 16 stay for a late reader");
    assert_eq!(dom0.ring.peek().map(|m| m.status), Some(0));
    assert_eq!(dom0.ring.getclear_flags(), 1 << MCE_OVERFLOW);
    assert_eq!(
        (
            d.stats.fetched,
            d.stats.acked,
            d.stats.stored,
            d.stats.ring_dropped
        ),
        (6, 6, 16, 32)
    );
    // An SRAO after the unread storm still finds a free entry (recovery runs).
    let mut b = Builder::default();
    b.global(0, 0, 0, 0);
    b.bank(9, 1000, 0, 0, 0);
    assert!(xen.error(Class::Urgent, &b));
    assert_eq!(xen.urgent_without_recovery, 0);
    d.drain(&mut xen, &mut dom0, 256);
    assert_eq!(dom0.klog.last(), Some(&1000));
}
