// SPDX-License-Identifier: GPL-2.0
//! E820 memory maps (`struct e820entry`: packed `u64 addr, u64 size, u32
//! type`, 20 bytes), as Xen returns its own boot map to dom0
//! (`XENMEM_machine_memory_map`): does its RAM cover a range?

use super::bytes::{u32_at, u64_at};

/// Size of one entry.
pub const ENTRY_SIZE: usize = 20;
/// `E820_TYPE_RAM`.
pub const TYPE_RAM: u32 = 1;

/// The RAM entries of `map` (`ENTRY_SIZE` bytes each; a trailing partial
/// entry is ignored) as `(start, end)` pairs, empty or wrapping ones left out.
fn ram(map: &[u8]) -> impl Iterator<Item = (u64, u64)> + '_ {
    map.chunks_exact(ENTRY_SIZE).filter_map(|e| {
        let (addr, size, kind) = (u64_at(e, 0)?, u64_at(e, 8)?, u32_at(e, 16)?);
        let end = addr.checked_add(size)?;
        (kind == TYPE_RAM && size > 0).then_some((addr, end))
    })
}

/// Whether every byte of `start .. end` lies in RAM entries of `map`
/// (adjacent or overlapping entries in any order count together). An
/// empty range is covered.
pub fn ram_covers(map: &[u8], start: u64, end: u64) -> bool {
    let mut cur = start;
    // Each step moves `cur` to the end of an entry that contains it, so
    // at most one step per entry.
    for _ in 0..=map.len() / ENTRY_SIZE {
        if cur >= end {
            return true;
        }
        match ram(map)
            .filter(|&(s, e)| s <= cur && cur < e)
            .map(|(_, e)| e)
            .max()
        {
            Some(e) => cur = e,
            None => return false,
        }
    }
    cur >= end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(u64, u64, u32)]) -> Vec<u8> {
        let mut v = Vec::new();
        for &(a, s, t) in entries {
            v.extend_from_slice(&a.to_le_bytes());
            v.extend_from_slice(&s.to_le_bytes());
            v.extend_from_slice(&t.to_le_bytes());
        }
        v
    }

    #[test]
    fn coverage() {
        const G: u64 = 1 << 30;
        // QEMU pc, 2 GiB: RAM below 640 KiB and 1 MiB .. 2 GiB, reserved BIOS.
        let m = map(&[
            (0, 0x9fc00, 1),
            (0x9fc00, 0x400, 2),
            (0xf0000, 0x10000, 2),
            (0x10_0000, 2 * G - 0x10_0000, 1),
            (0xfffc_0000, 0x4_0000, 2),
        ]);
        assert!(ram_covers(&m, 0x10_0000, 2 * G));
        assert!(ram_covers(&m, G, G + 0x1000));
        assert!(!ram_covers(&m, 4 * G, 5 * G));
        assert!(!ram_covers(&m, 2 * G - 0x1000, 2 * G + 0x1000));
        assert!(!ram_covers(&m, 0x9f000, 0x10_0000));
        assert!(ram_covers(&m, 5, 5));
        // Split and out of order, overlapping.
        let m = map(&[(5 * G, G, 1), (4 * G, G + 0x1000, 1), (7 * G, G, 1)]);
        assert!(ram_covers(&m, 4 * G, 6 * G));
        assert!(!ram_covers(&m, 4 * G, 7 * G + 1));
        // Reserved, empty, wrapping, partial entries do not count.
        let mut m = map(&[(4 * G, G, 2), (4 * G, 0, 1), (u64::MAX, 2, 1)]);
        m.extend_from_slice(&[1, 2, 3]);
        assert!(!ram_covers(&m, 4 * G, 4 * G + 1));
        assert!(!ram_covers(&[], 0, 1));
    }
}
