// SPDX-License-Identifier: GPL-2.0
//! Property-based fuzzing of every parser of hypervisor or firmware data,
//! and a model check of the ring. Bounded runs are part of `cargo test`;
//! `PROPTEST_CASES=1000000 cargo test --release --test fuzz` runs longer.

use proptest::prelude::*;
use xen_ras_core::drain::{Class, Drainer, Fetch, Report, Store, Xen};
use xen_ras_core::mat;
use xen_ras_core::mce::{convert, CpuInfo, Mce};
use xen_ras_core::mcinfo::{build::Builder, McInfo, MAX_BANKS, MAX_ENTRIES, MC_INFO_SIZE};
use xen_ras_core::ring::Ring;

/// A buffer that is mostly a valid `mc_info` with random damage: pure random
/// bytes almost never get past the header.
fn mcinfo_blob() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((0u16..5, 0u16..600), 0..20),
        prop::collection::vec((0usize..MC_INFO_SIZE, any::<u8>()), 0..16),
        0usize..=MC_INFO_SIZE,
        prop::option::of(any::<u32>()),
    )
        .prop_map(|(entries, flips, cut, nentries)| {
            let mut b = Builder::default();
            for (kind, size) in entries {
                b.raw(kind, size);
            }
            if let Some(n) = nentries {
                b.nentries(n);
            }
            for (at, v) in flips {
                b.buf[at] = v;
            }
            b.buf[..cut].to_vec()
        })
}

/// Cases per target: `PROPTEST_CASES`, else 4096.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4096)
}

proptest! {
    // 4096 cases per target in `cargo test`; `make fuzz FUZZ_CASES=N` sets
    // PROPTEST_CASES for longer runs.
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn mcinfo_walk_is_total_and_bounded(buf in mcinfo_blob()) {
        if let Ok(mi) = McInfo::new(&buf) {
            let n = mi.entries().count();
            prop_assert!(n <= MAX_ENTRIES);
            prop_assert!(mi.bank_count() <= MAX_BANKS);
            let mut records = 0;
            let _ = convert(&mi, 0, |a| Some(CpuInfo { apicid: a, ..Default::default() }), |e| {
                if matches!(e, xen_ras_core::mce::Event::Record(_)) {
                    records += 1;
                }
            });
            prop_assert_eq!(records, mi.bank_count());
        }
    }

    #[test]
    fn mcinfo_random_bytes_never_panic(buf in prop::collection::vec(any::<u8>(), 0..800)) {
        if let Ok(mi) = McInfo::new(&buf) {
            prop_assert!(mi.entries().count() <= MAX_ENTRIES);
        }
    }

    #[test]
    fn mat_parse_never_panics_and_is_consistent(buf in prop::collection::vec(any::<u8>(), 0..40)) {
        if let Ok(e) = mat::parse(&buf) {
            prop_assert!(e.enabled());
            let need = if e.kind == 0 { 8 } else { 16 };
            prop_assert!(buf.len() >= need);
        }
    }

    #[test]
    fn cpuinfo_parse_never_panics(buf in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = CpuInfo::parse(&buf);
    }

    /// The ring against a `VecDeque` model.
    #[test]
    fn ring_matches_a_fifo_model(cap in 1usize..20, ops in prop::collection::vec((any::<bool>(), 0usize..5), 0..200)) {
        let mut ring = Ring::new(vec![0u32; cap]);
        let mut model = std::collections::VecDeque::new();
        let mut next = 0u32;
        for (push, n) in ops {
            if push {
                let batch: Vec<u32> = (0..n as u32).map(|i| next + i).collect();
                let fits = model.len() + n <= cap;
                prop_assert_eq!(ring.push_all(&batch), fits);
                if fits {
                    model.extend(batch);
                    next += n as u32;
                }
            } else {
                prop_assert_eq!(ring.pop(), model.pop_front());
            }
            prop_assert_eq!(ring.len(), model.len());
        }
        prop_assert_eq!(ring.getclear_flags(), 0);
    }

    /// Whatever the ring size, a drain/read cycle delivers every record of
    /// every well-formed telemetry record exactly once, in order.
    #[test]
    fn drain_delivers_everything_exactly_once(
        cap in 16usize..40,
        recs in prop::collection::vec((any::<bool>(), 1usize..=MAX_BANKS), 1..30),
        fail_every in prop_oneof![Just(0usize), 2usize..5],
    ) {
        struct X { q: [std::collections::VecDeque<(u64, Vec<u8>)>; 2], acks: usize, fail_every: usize }
        impl Xen for X {
            fn fetch(&mut self, c: Class, buf: &mut [u8; MC_INFO_SIZE]) -> Fetch {
                match self.q[c as usize].front() {
                    Some((id, b)) => { buf.copy_from_slice(b); Fetch::Data(*id) }
                    None => Fetch::NoData,
                }
            }
            fn ack(&mut self, c: Class, id: u64) -> Result<(), i32> {
                self.acks += 1;
                if self.fail_every != 0 && self.acks.is_multiple_of(self.fail_every) {
                    return Err(-5);
                }
                assert_eq!(self.q[c as usize].pop_front().unwrap().0, id);
                Ok(())
            }
            fn cpu(&mut self, _: u32) -> Option<CpuInfo> { None }
            fn wall_seconds(&mut self) -> u64 { 0 }
        }
        struct S(Ring<Mce, Vec<Mce>>);
        impl Store for S {
            fn free(&mut self) -> usize { self.0.free() }
            fn push_all(&mut self, r: &[Mce]) -> bool { self.0.push_all(r) }
            fn mark_lost(&mut self) { self.0.mark_lost() }
            fn report(&mut self, _: Report) {}
        }
        let mut x = X { q: Default::default(), acks: 0, fail_every };
        let mut want = [Vec::new(), Vec::new()];
        let mut tag = 0u64;
        for (id, (urgent, banks)) in recs.iter().enumerate() {
            let mut b = Builder::default();
            b.global(0, 0, 0, 0);
            for _ in 0..*banks {
                b.bank(0, tag, 0, 0, 0);
                want[*urgent as usize].push(tag);
                tag += 1;
            }
            x.q[*urgent as usize].push_back((id as u64 + 1, b.buf.to_vec()));
        }
        let mut s = S(Ring::new(vec![Mce::default(); cap]));
        let mut d = Drainer::default();
        let mut got = [Vec::new(), Vec::new()];
        for _ in 0..10_000 {
            let o = d.drain(&mut x, &mut s, 64);
            while let Some(m) = s.0.pop() {
                // Urgent records carry tags from want[1].
                let class = if want[1].contains(&m.status) { 1 } else { 0 };
                got[class].push(m.status);
            }
            if o == xen_ras_core::drain::Outcome::Empty && x.q[0].is_empty() && x.q[1].is_empty() {
                break;
            }
        }
        prop_assert_eq!(&got, &want);
        prop_assert_eq!(s.0.getclear_flags(), 0);
    }
}

/// What the fuzzing reached: every outcome of each parser (each error
/// variant, each accepted form) must come up, or the generators have gone
/// blind. `make fuzz` prints the histograms (`--nocapture`).
#[test]
fn every_parser_outcome_is_reached() {
    use proptest::test_runner::{Config, TestRunner};
    use std::collections::BTreeMap;
    use xen_ras_core::mcinfo::ParseError as P;

    // A runner counts its cases across runs: one per parser.
    let runner = || {
        TestRunner::new(Config {
            cases: cases(),
            ..Config::default()
        })
    };
    let mcinfo = std::cell::RefCell::new(BTreeMap::<&str, u64>::new());
    runner()
        .run(&mcinfo_blob(), |buf| {
            let outcome = match McInfo::new(&buf) {
                Err(e) => Err(e),
                Ok(mi) => mi.entries().find_map(Result::err).map_or(Ok(()), Err),
            };
            let key = match outcome {
                Ok(()) => "ok",
                Err(P::Truncated { .. }) => "Truncated",
                Err(P::TooManyEntries { .. }) => "TooManyEntries",
                Err(P::EntryTooSmall { .. }) => "EntryTooSmall",
                Err(P::EntryPastEnd { .. }) => "EntryPastEnd",
                Err(P::EntryShorterThanType { .. }) => "EntryShorterThanType",
            };
            *mcinfo.borrow_mut().entry(key).or_default() += 1;
            Ok(())
        })
        .unwrap();

    // _MAT: mostly well-formed entries of both types with damage.
    let mat_blob = (
        prop_oneof![Just(0u8), Just(9u8), Just(1u8), any::<u8>()],
        prop_oneof![Just(8u8), Just(16u8), any::<u8>()],
        any::<u32>(),
        0usize..20,
        prop::collection::vec(any::<u8>(), 16),
    )
        .prop_map(|(kind, len, flags, cut, mut b)| {
            b[0] = kind;
            b[1] = len;
            let at = if kind == 9 { 8 } else { 4 };
            b[at..at + 4].copy_from_slice(&flags.to_le_bytes());
            b.truncate(cut);
            b
        });
    let mat = std::cell::RefCell::new(BTreeMap::<&str, u64>::new());
    runner()
        .run(&mat_blob, |buf| {
            let key = match mat::parse(&buf) {
                Ok(e) if e.kind == 0 => "ok local APIC",
                Ok(_) => "ok local x2APIC",
                Err(mat::MatError::Short { .. }) => "Short",
                Err(mat::MatError::WrongType { .. }) => "WrongType",
                Err(mat::MatError::BadLength { .. }) => "BadLength",
                Err(mat::MatError::Disabled { .. }) => "Disabled",
            };
            *mat.borrow_mut().entry(key).or_default() += 1;
            Ok(())
        })
        .unwrap();

    let (mcinfo, mat) = (mcinfo.into_inner(), mat.into_inner());
    println!(
        "fuzz coverage: mc_info outcomes over {} cases: {mcinfo:?}",
        cases()
    );
    println!(
        "fuzz coverage: _MAT outcomes over {} cases: {mat:?}",
        cases()
    );
    for k in [
        "ok",
        "Truncated",
        "TooManyEntries",
        "EntryTooSmall",
        "EntryPastEnd",
        "EntryShorterThanType",
    ] {
        assert!(
            mcinfo.contains_key(k),
            "mc_info outcome {k} never reached: {mcinfo:?}"
        );
    }
    for k in [
        "ok local APIC",
        "ok local x2APIC",
        "Short",
        "WrongType",
        "BadLength",
        "Disabled",
    ] {
        assert!(
            mat.contains_key(k),
            "_MAT outcome {k} never reached: {mat:?}"
        );
    }
}
