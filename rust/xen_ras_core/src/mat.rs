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
}
