// SPDX-License-Identifier: GPL-2.0
//! ACPI `_MAT`: the MADT entry of one processor (ACPI 6.5, 5.2.12).
//!
//! Only the two entry types a processor object returns are accepted:
//! type 0 (Processor Local APIC, 8 bytes) and type 9 (Processor Local
//! x2APIC, 16 bytes). Trailing bytes after the first entry are ignored
//! (firmware is allowed to return a larger buffer), a short buffer or an
//! entry whose length field disagrees with its type is an error.

use super::bytes::{u32_at, u8_at};

/// MADT type 0.
pub const MADT_LOCAL_APIC: u8 = 0;
/// MADT type 9.
pub const MADT_LOCAL_X2APIC: u8 = 9;
/// Flags bit 0: Enabled.
pub const MADT_ENABLED: u32 = 1 << 0;
/// Flags bit 1: Online Capable (ACPI 6.3+).
pub const MADT_ONLINE_CAPABLE: u32 = 1 << 1;

/// A processor's MADT entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalApic {
    /// Which MADT type it came from.
    pub kind: u8,
    /// ACPI processor UID (type 0: the one-byte processor ID).
    pub acpi_id: u32,
    /// (x2)APIC ID.
    pub apic_id: u32,
    /// MADT flags.
    pub flags: u32,
}

impl LocalApic {
    /// Bit 0 of the flags.
    pub fn enabled(&self) -> bool {
        self.flags & MADT_ENABLED != 0
    }
}

/// Why a `_MAT` buffer was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatError {
    /// Shorter than an entry header or than its own length field.
    Short { len: usize },
    /// Not a local APIC / x2APIC entry.
    WrongType { kind: u8 },
    /// The length field does not match the type.
    BadLength { kind: u8, len: u8 },
    /// The entry is not enabled (the processor is not usable).
    Disabled { apic_id: u32 },
}

/// How many bytes of a refused buffer [`Head`] keeps (a valid entry has at
/// most 16).
pub const HEAD_LEN: usize = 24;

/// The first bytes of a refused `_MAT` buffer, for the log line: its
/// `Debug` prints them as a slice does (`[0, 8, 66]`), with `..` if the
/// buffer was longer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Head {
    bytes: [u8; HEAD_LEN],
    len: usize,
    total: usize,
}

impl Head {
    /// The first [`HEAD_LEN`] bytes of `b`.
    pub fn of(b: &[u8]) -> Self {
        let len = b.len().min(HEAD_LEN);
        let mut bytes = [0; HEAD_LEN];
        bytes[..len].copy_from_slice(&b[..len]);
        Head {
            bytes,
            len,
            total: b.len(),
        }
    }

    /// The bytes kept.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The length of the whole buffer.
    pub fn total(&self) -> usize {
        self.total
    }
}

impl core::fmt::Debug for Head {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut l = f.debug_list();
        l.entries(self.bytes());
        if self.total > self.len {
            l.entry(&format_args!(".."));
        }
        l.finish()
    }
}

/// Why a processor's `_MAT` could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatFailure<E> {
    /// No `_MAT` method, or its evaluation failed or gave no buffer: the
    /// evaluation's error.
    Missing(E),
    /// The buffer was refused by [`parse`]; `head` is what it held.
    Malformed { err: MatError, head: Head },
}

/// The one `_MAT` reader of the project: `eval` is the result of
/// evaluating the processor object's `_MAT` to a buffer (the kernel side
/// evaluates, `rust/xenras/acpi.rs`'s `Handle::mat`), parsed with [`parse`].
pub fn read<E, B: core::ops::Deref<Target = [u8]>>(
    eval: Result<B, E>,
) -> Result<LocalApic, MatFailure<E>> {
    let buf = eval.map_err(MatFailure::Missing)?;
    parse(&buf).map_err(|err| MatFailure::Malformed {
        err,
        head: Head::of(&buf),
    })
}

/// Parses a `_MAT` buffer; `Disabled` when the enabled flag is clear.
pub fn parse(b: &[u8]) -> Result<LocalApic, MatError> {
    let (Some(kind), Some(len)) = (u8_at(b, 0), u8_at(b, 1)) else {
        return Err(MatError::Short { len: b.len() });
    };
    let want = match kind {
        MADT_LOCAL_APIC => 8,
        MADT_LOCAL_X2APIC => 16,
        _ => return Err(MatError::WrongType { kind }),
    };
    if len != want {
        return Err(MatError::BadLength { kind, len });
    }
    if b.len() < want as usize {
        return Err(MatError::Short { len: b.len() });
    }
    let short = MatError::Short { len: b.len() };
    let e = match kind {
        MADT_LOCAL_APIC => LocalApic {
            kind,
            acpi_id: u8_at(b, 2).ok_or(short)? as u32,
            apic_id: u8_at(b, 3).ok_or(short)? as u32,
            flags: u32_at(b, 4).ok_or(short)?,
        },
        _ => LocalApic {
            kind,
            apic_id: u32_at(b, 4).ok_or(short)?,
            flags: u32_at(b, 8).ok_or(short)?,
            acpi_id: u32_at(b, 12).ok_or(short)?,
        },
    };
    if !e.enabled() {
        return Err(MatError::Disabled { apic_id: e.apic_id });
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let lapic = [0u8, 8, 3, 6, 1, 0, 0, 0];
        let x2 = [9u8, 16, 0, 0, 0x00, 0x01, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0];
        let cases: &[(&[u8], Result<LocalApic, MatError>)] = &[
            (
                &lapic,
                Ok(LocalApic {
                    kind: 0,
                    acpi_id: 3,
                    apic_id: 6,
                    flags: 1,
                }),
            ),
            (
                &x2,
                Ok(LocalApic {
                    kind: 9,
                    acpi_id: 7,
                    apic_id: 0x100,
                    flags: 1,
                }),
            ),
            (
                &[0, 8, 3, 6, 1, 0, 0, 0, 0xde, 0xad],
                Ok(LocalApic {
                    kind: 0,
                    acpi_id: 3,
                    apic_id: 6,
                    flags: 1,
                }),
            ),
            (&[], Err(MatError::Short { len: 0 })),
            (&[0], Err(MatError::Short { len: 1 })),
            (&lapic[..7], Err(MatError::Short { len: 7 })),
            (
                &[1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                Err(MatError::WrongType { kind: 1 }),
            ),
            (
                &[0, 16, 3, 6, 1, 0, 0, 0],
                Err(MatError::BadLength { kind: 0, len: 16 }),
            ),
            (
                &[0, 8, 3, 6, 0, 0, 0, 0],
                Err(MatError::Disabled { apic_id: 6 }),
            ),
            (
                &[0, 8, 3, 6, 2, 0, 0, 0],
                Err(MatError::Disabled { apic_id: 6 }),
            ),
            (&x2[..15], Err(MatError::Short { len: 15 })),
        ];
        for (buf, want) in cases {
            assert_eq!(parse(buf), *want, "{buf:?}");
        }
    }

    #[test]
    fn read_keeps_the_error_and_the_bytes() {
        let ok: Result<&[u8], i32> = Ok(&[0, 8, 3, 6, 1, 0, 0, 0]);
        assert_eq!(read(ok).map(|e| e.apic_id), Ok(6));
        assert_eq!(read::<i32, &[u8]>(Err(-2)), Err(MatFailure::Missing(-2)));
        let short: Result<&[u8], i32> = Ok(&[0, 8, 66]);
        match read(short) {
            Err(MatFailure::Malformed { err, head }) => {
                assert_eq!(err, MatError::Short { len: 3 });
                assert_eq!(head.bytes(), &[0, 8, 66]);
                // As the module's log line prints it.
                assert_eq!(format!("{head:?}"), "[0, 8, 66]");
            }
            r => panic!("{r:?}"),
        }
        let long = [1u8; 40];
        let head = Head::of(&long);
        assert_eq!(head.bytes().len(), HEAD_LEN);
        assert_eq!(head.total(), 40);
        assert!(format!("{head:?}").ends_with(", 1, ..]"));
        assert_eq!(format!("{:?}", Head::of(&[])), "[]");
    }
}
