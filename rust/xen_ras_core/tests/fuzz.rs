// SPDX-License-Identifier: GPL-2.0
//! Property-based fuzzing of every parser of hypervisor or firmware data,
//! and a model check of the ring. Bounded runs are part of `cargo test`;
//! `PROPTEST_CASES=1000000 cargo test --release --test fuzz` runs longer.

use proptest::prelude::*;
use xen_ras_core::crs::{self, build as crsb, CrsError};
use xen_ras_core::mat;
use xen_ras_core::mce::{convert, CpuInfo};
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

/// A `_CRS` buffer that is mostly a valid resource template (memory
/// descriptors of every kind with random bounds, I/O, end tag) with random
/// damage: a cut, flipped bytes, sometimes no end tag.
fn crs_blob() -> impl Strategy<Value = Vec<u8>> {
    let desc = (
        0u8..8,
        any::<u8>(),
        any::<u64>(),
        prop_oneof![Just(0u64), Just(1 << 30), any::<u64>()],
    )
        .prop_map(|(k, rtype, min, len)| {
            let rtype = if rtype < 200 { 0 } else { rtype };
            match k {
                0 => crsb::qword(rtype, min, len).to_vec(),
                1 => crsb::dword(rtype, min as u32, len as u32).to_vec(),
                2 => crsb::extended(rtype, min, len).to_vec(),
                3 => crsb::fixed32(min as u32, len as u32).to_vec(),
                4 => crsb::memory32(
                    min as u32,
                    if rtype & 1 == 0 { min as u32 } else { 0 },
                    len as u32,
                )
                .to_vec(),
                5 => crsb::IO.to_vec(),
                6 => vec![0x80 | (rtype & 0x7f), rtype, 0],
                // A memory descriptor type with a random (often wrong) length.
                _ => {
                    let kind = [5u8, 6, 7, 0xa, 0xb][rtype as usize % 5];
                    let n = (min % 60) as usize;
                    let mut d = vec![0x80 | kind, n as u8, 0];
                    d.resize(3 + n, 0xff);
                    d
                }
            }
        });
    (
        prop::collection::vec(desc, 0..5),
        any::<bool>(),
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..3),
        prop::option::of(any::<usize>()),
    )
        .prop_map(|(descs, end, flips, cut)| {
            let mut b = descs.concat();
            if end {
                b.extend_from_slice(&crsb::END);
            }
            if !b.is_empty() {
                for (at, v) in flips {
                    let n = b.len();
                    b[at % n] = v;
                }
            }
            if let Some(c) = cut {
                b.truncate(c % (b.len() + 1));
            }
            b
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
        let parsed = mat::parse(&buf);
        if let Ok(e) = parsed {
            prop_assert!(e.enabled());
            let need = if e.kind == 0 { 8 } else { 16 };
            prop_assert!(buf.len() >= need);
        }
        // The one reader gives the parser's answer, and a refused buffer's
        // head holds its first bytes.
        match mat::read::<(), &[u8]>(Ok(&buf)) {
            Ok(e) => prop_assert_eq!(Ok(e), parsed),
            Err(mat::MatFailure::Malformed { err, head }) => {
                prop_assert_eq!(Err(err), parsed);
                let n = buf.len().min(mat::HEAD_LEN);
                prop_assert_eq!(head.bytes(), &buf[..n]);
                prop_assert_eq!(head.total(), buf.len());
            }
            Err(mat::MatFailure::Missing(())) => prop_assert!(false, "no evaluation error given"),
        }
    }

    #[test]
    fn crs_walk_is_total_and_consistent(buf in crs_blob()) {
        let all: Vec<_> = crs::mem_ranges(&buf).collect();
        // At most one error, and it ends the walk.
        prop_assert!(all.iter().rev().skip(1).all(Result::is_ok));
        for r in all.iter().flatten() {
            prop_assert!(r.len > 0);
            prop_assert!(r.end().is_some());
        }
        // Merged: no range starts where the one before it ended.
        for w in all.windows(2) {
            if let (Ok(a), Ok(b)) = (&w[0], &w[1]) {
                prop_assert!(a.end() != Some(b.start));
            }
        }
        match crs::validate(&buf) {
            Ok(n) => prop_assert!(n == all.len() && all.iter().all(Result::is_ok)),
            Err(e) => prop_assert_eq!(all.last(), Some(&Err(e))),
        }
    }

    #[test]
    fn crs_random_bytes_never_panic(buf in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = crs::validate(&buf);
        prop_assert!(crs::mem_ranges(&buf).count() <= buf.len() + 1);
    }

    #[test]
    fn cpuinfo_parse_never_panics(buf in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = CpuInfo::parse(&buf);
    }

    /// The ring against a `VecDeque` model of `dev-mcelog.c`'s policy: a
    /// full ring keeps the oldest records and flags the newest as lost.
    #[test]
    fn ring_matches_a_fifo_model(cap in 1usize..20, ops in prop::collection::vec((any::<bool>(), 0usize..5), 0..200)) {
        let mut ring = Ring::new(vec![0u32; cap]);
        let mut model = std::collections::VecDeque::new();
        let mut next = 0u32;
        let mut lost = false;
        for (push, n) in ops {
            if push {
                let batch: Vec<u32> = (0..n as u32).map(|i| next + i).collect();
                next += n as u32;
                let fits = n.min(cap - model.len());
                prop_assert_eq!(ring.push_oldest(&batch), fits);
                model.extend(&batch[..fits]);
                lost |= fits < n;
            } else {
                prop_assert_eq!(ring.pop(), model.pop_front());
            }
            prop_assert_eq!(ring.len(), model.len());
        }
        prop_assert_eq!(ring.getclear_flags(), (lost as u32) << xen_ras_core::ring::MCE_OVERFLOW);
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

    let crsc = std::cell::RefCell::new(BTreeMap::<&str, u64>::new());
    runner()
        .run(&crs_blob(), |buf| {
            let key = match crs::validate(&buf) {
                Ok(0) => "ok no memory",
                Ok(1) => "ok one range",
                Ok(_) => "ok ranges",
                Err(CrsError::Truncated { .. }) => "Truncated",
                Err(CrsError::BadLength { .. }) => "BadLength",
                Err(CrsError::NoEndTag) => "NoEndTag",
                Err(CrsError::ZeroLength { .. }) => "ZeroLength",
                Err(CrsError::Overflow { .. }) => "Overflow",
            };
            *crsc.borrow_mut().entry(key).or_default() += 1;
            Ok(())
        })
        .unwrap();

    let (mcinfo, mat, crsc) = (mcinfo.into_inner(), mat.into_inner(), crsc.into_inner());
    println!(
        "fuzz coverage: _CRS outcomes over {} cases: {crsc:?}",
        cases()
    );
    for k in [
        "ok no memory",
        "ok one range",
        "ok ranges",
        "Truncated",
        "BadLength",
        "NoEndTag",
        "ZeroLength",
        "Overflow",
    ] {
        assert!(
            crsc.contains_key(k),
            "_CRS outcome {k} never reached: {crsc:?}"
        );
    }
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
