// SPDX-License-Identifier: GPL-2.0
//! Property-based fuzzing of every parser of hypervisor or firmware data,
//! and a model check of the ring. Bounded runs are part of `cargo test`;
//! `PROPTEST_CASES=1000000 cargo test --release --test fuzz` runs longer.

use proptest::prelude::*;
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
