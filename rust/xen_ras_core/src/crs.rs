// SPDX-License-Identifier: GPL-2.0
//! ACPI `_CRS` of a memory device (`PNP0C80`): the memory ranges in a
//! resource template (ACPI 6.5, 6.4), read from the raw buffer `_CRS`
//! returns, bounds-checked.
//!
//! Memory ranges come from 32-bit fixed memory descriptors, 32-bit memory
//! range descriptors whose minimum and maximum base agree (a fixed range),
//! and DWord / QWord / Extended address space descriptors of the memory
//! resource type; a range is `_MIN` .. `_MIN + _LEN`, as Linux's
//! `acpi_memhotplug.c` reads it (the translation offset and `_MAX` are not
//! used). Every other descriptor (I/O, IRQ, bus numbers, vendor, ...) is
//! skipped. Ranges that follow each other without a gap are merged, as
//! Linux and the removed `xen-acpi-memhotplug.c` did. The walk ends at the
//! end tag; a buffer that ends without one, a descriptor that runs past the
//! buffer or is too short for its type, a zero-length or a wrapping range is
//! an error, reported with its byte offset.

use super::bytes::{u16_at, u32_at, u64_at, u8_at};

/// Small item: end tag (type 0xF).
const SMALL_END_TAG: u8 = 0xf;
/// Large item: 32-bit memory range descriptor.
pub const LARGE_MEMORY32: u8 = 0x05;
/// Large item: 32-bit fixed memory range descriptor.
pub const LARGE_FIXED_MEMORY32: u8 = 0x06;
/// Large item: DWord address space descriptor.
pub const LARGE_DWORD_ADDRESS: u8 = 0x07;
/// Large item: QWord address space descriptor.
pub const LARGE_QWORD_ADDRESS: u8 = 0x0a;
/// Large item: Extended address space descriptor.
pub const LARGE_EXTENDED_ADDRESS: u8 = 0x0b;
/// Address space descriptors: resource type 0 is a memory range.
pub const RESOURCE_TYPE_MEMORY: u8 = 0;

/// One memory range: `start` .. `start + len`, `len` > 0, no wrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemRange {
    /// First byte.
    pub start: u64,
    /// Length in bytes.
    pub len: u64,
}

impl MemRange {
    /// One past the last byte; `None` only for a range that ends exactly at
    /// 2^64 (the parser refuses ranges that wrap past it).
    pub fn end(&self) -> Option<u64> {
        self.start.checked_add(self.len)
    }
}

/// Why a `_CRS` buffer was refused; `offset` is the descriptor's first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrsError {
    /// A descriptor (or its length field) runs past the end of the buffer.
    Truncated { offset: usize },
    /// The length field is too short for (or, for fixed-size descriptors,
    /// different from) what the type needs.
    BadLength { offset: usize, kind: u8, len: u16 },
    /// The buffer ends without an end tag.
    NoEndTag,
    /// A memory range of length zero (not a fixed range: nothing to add).
    ZeroLength { offset: usize },
    /// `_MIN + _LEN` does not fit in 64 bits.
    Overflow { offset: usize },
}

/// One descriptor as the walk sees it.
enum Item {
    /// A memory range.
    Range(MemRange),
    /// Any other descriptor, skipped.
    Other,
    /// The end tag.
    End,
}

/// The memory ranges of a `_CRS` buffer, contiguous ones merged; stops at
/// the first error (yielded once) or at the end tag.
pub struct MemRanges<'a> {
    b: &'a [u8],
    off: usize,
    /// A range read ahead while merging (it did not continue the last one).
    pending: Option<Result<MemRange, CrsError>>,
    done: bool,
}

/// Walks the resource template in `b`.
pub fn mem_ranges(b: &[u8]) -> MemRanges<'_> {
    MemRanges {
        b,
        off: 0,
        pending: None,
        done: false,
    }
}

/// Checks a whole `_CRS` buffer: the number of (merged) memory ranges in it,
/// or its first error.
pub fn validate(b: &[u8]) -> Result<usize, CrsError> {
    let mut n = 0;
    for r in mem_ranges(b) {
        r?;
        n += 1;
    }
    Ok(n)
}

impl MemRanges<'_> {
    /// Reads the descriptor at `self.off` and moves past it.
    fn item(&mut self) -> Result<Item, CrsError> {
        let b = self.b;
        let offset = self.off;
        let truncated = CrsError::Truncated { offset };
        let tag = u8_at(b, offset).ok_or(CrsError::NoEndTag)?;
        if tag & 0x80 == 0 {
            // Small item: type in bits 6:3, length in bits 2:0.
            let len = (tag & 7) as usize;
            if b.len() - offset < 1 + len {
                return Err(truncated);
            }
            self.off = offset + 1 + len;
            return Ok(if (tag >> 3) & 0xf == SMALL_END_TAG {
                Item::End
            } else {
                Item::Other
            });
        }
        let kind = tag & 0x7f;
        let len = u16_at(b, offset + 1).ok_or(truncated)?;
        let total = 3 + len as usize;
        if b.len() - offset < total {
            return Err(truncated);
        }
        self.off = offset + total;
        let d = &b[offset..offset + total];
        let bad = CrsError::BadLength { offset, kind, len };
        // (exact length, or minimum, resource type offset, _MIN offset, _LEN offset, field width)
        let (min_len, exact, at) = match kind {
            LARGE_FIXED_MEMORY32 => (9, true, None),
            LARGE_MEMORY32 => (17, true, None),
            LARGE_DWORD_ADDRESS => (23, false, Some((10, 22, 4))),
            LARGE_QWORD_ADDRESS => (43, false, Some((14, 38, 8))),
            LARGE_EXTENDED_ADDRESS => (53, false, Some((16, 40, 8))),
            _ => return Ok(Item::Other),
        };
        if len < min_len || (exact && len != min_len) {
            return Err(bad);
        }
        // Lengths were checked above: every field read below is in `d`.
        let (start, size) = match (kind, at) {
            (LARGE_FIXED_MEMORY32, _) => (
                u32_at(d, 4).ok_or(bad)? as u64,
                u32_at(d, 8).ok_or(bad)? as u64,
            ),
            (LARGE_MEMORY32, _) => {
                let (min, max) = (u32_at(d, 4).ok_or(bad)?, u32_at(d, 8).ok_or(bad)?);
                if min != max {
                    // A relocatable window, not a range the device decodes.
                    return Ok(Item::Other);
                }
                (min as u64, u32_at(d, 16).ok_or(bad)? as u64)
            }
            (_, Some((min_at, len_at, 4))) => {
                if u8_at(d, 3) != Some(RESOURCE_TYPE_MEMORY) {
                    return Ok(Item::Other);
                }
                (
                    u32_at(d, min_at).ok_or(bad)? as u64,
                    u32_at(d, len_at).ok_or(bad)? as u64,
                )
            }
            (_, Some((min_at, len_at, _))) => {
                if u8_at(d, 3) != Some(RESOURCE_TYPE_MEMORY) {
                    return Ok(Item::Other);
                }
                (u64_at(d, min_at).ok_or(bad)?, u64_at(d, len_at).ok_or(bad)?)
            }
            _ => return Ok(Item::Other),
        };
        if size == 0 {
            return Err(CrsError::ZeroLength { offset });
        }
        // A range may end exactly at 2^64 - 1 inclusive only if it does not
        // need one more byte: start + size must fit.
        if start.checked_add(size).is_none() {
            return Err(CrsError::Overflow { offset });
        }
        Ok(Item::Range(MemRange { start, len: size }))
    }

    /// The next range before merging, `None` at the end tag.
    fn next_raw(&mut self) -> Option<Result<MemRange, CrsError>> {
        if let Some(p) = self.pending.take() {
            return Some(p);
        }
        while !self.done {
            match self.item() {
                Ok(Item::Other) => {}
                Ok(Item::End) => self.done = true,
                Ok(Item::Range(r)) => return Some(Ok(r)),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

impl Iterator for MemRanges<'_> {
    type Item = Result<MemRange, CrsError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut cur = match self.next_raw()? {
            Ok(r) => r,
            e => return Some(e),
        };
        loop {
            match self.next_raw() {
                None => return Some(Ok(cur)),
                // An error after a good range: the error wins (the buffer is
                // refused as a whole by `validate`), reported next.
                Some(Ok(r)) if cur.end() == Some(r.start) => {
                    // Both fit (checked by `item`); their sum may not.
                    match cur.len.checked_add(r.len) {
                        Some(len) => cur.len = len,
                        None => {
                            self.pending = Some(Ok(r));
                            return Some(Ok(cur));
                        }
                    }
                }
                other => {
                    self.pending = other;
                    return Some(Ok(cur));
                }
            }
        }
    }
}

/// Builds resource descriptors for tests and fuzzing seeds.
pub mod build {
    /// A QWord address space descriptor (resource type `rtype`).
    pub fn qword(rtype: u8, min: u64, len: u64) -> [u8; 46] {
        let mut d = [0u8; 46];
        d[0] = 0x8a;
        d[1..3].copy_from_slice(&43u16.to_le_bytes());
        d[3] = rtype;
        d[4] = 0x0c; // _MIF, _MAF fixed
        d[14..22].copy_from_slice(&min.to_le_bytes());
        d[22..30].copy_from_slice(&min.wrapping_add(len).wrapping_sub(1).to_le_bytes());
        d[38..46].copy_from_slice(&len.to_le_bytes());
        d
    }
    /// A DWord address space descriptor.
    pub fn dword(rtype: u8, min: u32, len: u32) -> [u8; 26] {
        let mut d = [0u8; 26];
        d[0] = 0x87;
        d[1..3].copy_from_slice(&23u16.to_le_bytes());
        d[3] = rtype;
        d[10..14].copy_from_slice(&min.to_le_bytes());
        d[14..18].copy_from_slice(&min.wrapping_add(len).wrapping_sub(1).to_le_bytes());
        d[22..26].copy_from_slice(&len.to_le_bytes());
        d
    }
    /// An Extended address space descriptor.
    pub fn extended(rtype: u8, min: u64, len: u64) -> [u8; 56] {
        let mut d = [0u8; 56];
        d[0] = 0x8b;
        d[1..3].copy_from_slice(&53u16.to_le_bytes());
        d[3] = rtype;
        d[6] = 1;
        d[16..24].copy_from_slice(&min.to_le_bytes());
        d[40..48].copy_from_slice(&len.to_le_bytes());
        d
    }
    /// A 32-bit fixed memory range descriptor.
    pub fn fixed32(base: u32, len: u32) -> [u8; 12] {
        let mut d = [0u8; 12];
        d[0] = 0x86;
        d[1..3].copy_from_slice(&9u16.to_le_bytes());
        d[3] = 1; // read/write
        d[4..8].copy_from_slice(&base.to_le_bytes());
        d[8..12].copy_from_slice(&len.to_le_bytes());
        d
    }
    /// A 32-bit memory range descriptor.
    pub fn memory32(min: u32, max: u32, len: u32) -> [u8; 20] {
        let mut d = [0u8; 20];
        d[0] = 0x85;
        d[1..3].copy_from_slice(&17u16.to_le_bytes());
        d[4..8].copy_from_slice(&min.to_le_bytes());
        d[8..12].copy_from_slice(&max.to_le_bytes());
        d[16..20].copy_from_slice(&len.to_le_bytes());
        d
    }
    /// The end tag.
    pub const END: [u8; 2] = [0x79, 0];
    /// A small I/O port descriptor (skipped by the walk).
    pub const IO: [u8; 8] = [0x47, 1, 0xf8, 3, 0xf8, 3, 1, 8];
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::*;

    const G: u64 = 1 << 30;

    fn template(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    fn all(b: &[u8]) -> Vec<Result<MemRange, CrsError>> {
        mem_ranges(b).collect()
    }
    fn r(start: u64, len: u64) -> Result<MemRange, CrsError> {
        Ok(MemRange { start, len })
    }

    #[test]
    fn table() {
        let q = qword(0, 4 * G, G);
        let cases: Vec<(Vec<u8>, Vec<Result<MemRange, CrsError>>)> = vec![
            // QEMU's memory device: one QWord memory range, end tag.
            (template(&[&q, &END]), vec![r(4 * G, G)]),
            (
                template(&[&dword(0, 0x8000_0000, 0x1000_0000), &END]),
                vec![r(0x8000_0000, 0x1000_0000)],
            ),
            (
                template(&[&extended(0, 8 * G, 2 * G), &END]),
                vec![r(8 * G, 2 * G)],
            ),
            (
                template(&[&fixed32(0x4000_0000, 0x200_0000), &END]),
                vec![r(0x4000_0000, 0x200_0000)],
            ),
            (
                template(&[&memory32(0x100_0000, 0x100_0000, 0x10_0000), &END]),
                vec![r(0x100_0000, 0x10_0000)],
            ),
            // A relocatable 32-bit window, I/O and bus ranges: skipped.
            (
                template(&[
                    &memory32(0, 0x1000_0000, 0x1000),
                    &IO,
                    &qword(1, 0, 0x100),
                    &qword(2, 0, 4),
                    &END,
                ]),
                vec![],
            ),
            // Two ranges with a gap stay two; contiguous ones merge.
            (
                template(&[&q, &qword(0, 6 * G, G), &END]),
                vec![r(4 * G, G), r(6 * G, G)],
            ),
            (
                template(&[&q, &qword(0, 5 * G, G), &IO, &dword(0, 0, 0x1000), &END]),
                vec![r(4 * G, 2 * G), r(0, 0x1000)],
            ),
            // Nothing after the end tag is read.
            (template(&[&END, &[0x8a, 0xff]]), vec![]),
            // Empty buffer, no end tag.
            (vec![], vec![Err(CrsError::NoEndTag)]),
            (template(&[&q]), vec![r(4 * G, G), Err(CrsError::NoEndTag)]),
            // Truncated: header, length field, body, small item.
            (vec![0x8a], vec![Err(CrsError::Truncated { offset: 0 })]),
            (vec![0x8a, 43], vec![Err(CrsError::Truncated { offset: 0 })]),
            (
                q[..45].to_vec(),
                vec![Err(CrsError::Truncated { offset: 0 })],
            ),
            (
                template(&[&q, &[0x79]]),
                vec![r(4 * G, G), Err(CrsError::Truncated { offset: 46 })],
            ),
            // Length fields too short / wrong for fixed-size types.
            (
                vec![0x8a, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x79, 0],
                vec![Err(CrsError::BadLength {
                    offset: 0,
                    kind: 0x0a,
                    len: 10,
                })],
            ),
            (
                vec![0x86, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x79, 0],
                vec![Err(CrsError::BadLength {
                    offset: 0,
                    kind: 0x06,
                    len: 10,
                })],
            ),
            // Zero length and wrap-around.
            (
                template(&[&qword(0, 4 * G, 0), &END]),
                vec![Err(CrsError::ZeroLength { offset: 0 })],
            ),
            (
                template(&[&fixed32(0x1000, 0), &END]),
                vec![Err(CrsError::ZeroLength { offset: 0 })],
            ),
            (
                template(&[&qword(0, u64::MAX - 0xfff, 0x2000), &END]),
                vec![Err(CrsError::Overflow { offset: 0 })],
            ),
            (
                template(&[&extended(0, u64::MAX, 2), &END]),
                vec![Err(CrsError::Overflow { offset: 0 })],
            ),
            // The last byte of the address space is fine.
            (
                template(&[&qword(0, u64::MAX - 0xfff, 0xfff), &END]),
                vec![r(u64::MAX - 0xfff, 0xfff)],
            ),
            // An error after good ranges ends the walk.
            (
                template(&[&q, &qword(0, 5 * G, 0), &END]),
                vec![r(4 * G, G), Err(CrsError::ZeroLength { offset: 46 })],
            ),
        ];
        for (buf, want) in cases {
            assert_eq!(all(&buf), want, "{buf:x?}");
        }
    }

    #[test]
    fn validate_counts_or_refuses() {
        assert_eq!(validate(&template(&[&qword(0, 4 * G, G), &END])), Ok(1));
        assert_eq!(validate(&template(&[&IO, &END])), Ok(0));
        assert_eq!(
            validate(&template(&[&qword(0, 4 * G, G)])),
            Err(CrsError::NoEndTag)
        );
        // A descriptor longer than its minimum (a resource source string).
        let mut d = qword(0, 4 * G, G).to_vec();
        d[1] = 43 + 4;
        d.extend_from_slice(&[0, b'A', b'B', 0]);
        d.extend_from_slice(&END);
        assert_eq!(all(&d), vec![r(4 * G, G)]);
    }

    #[test]
    fn merging_never_wraps() {
        let b = template(&[
            &qword(0, u64::MAX - 0x2fff, 0x2000),
            &qword(0, u64::MAX - 0xfff, 0xfff),
            &END,
        ]);
        assert_eq!(all(&b), vec![r(u64::MAX - 0x2fff, 0x2fff)]);
        // Two halves of the address space merge into one that ends at its
        // last byte.
        let h = 1u64 << 63;
        let b = template(&[&qword(0, 0, h), &qword(0, h, h - 1), &END]);
        assert_eq!(all(&b), vec![r(0, u64::MAX)]);
    }
}
