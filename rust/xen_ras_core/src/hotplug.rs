// SPDX-License-Identifier: GPL-2.0
//! ACPI processor hotplug decisions: notification x `_STA` x current state
//! -> action and the `_OST` status code to report (ACPI 6.5, 6.3.5).

/// `ACPI_NOTIFY_BUS_CHECK`.
pub const NOTIFY_BUS_CHECK: u32 = 0;
/// `ACPI_NOTIFY_DEVICE_CHECK`.
pub const NOTIFY_DEVICE_CHECK: u32 = 1;
/// `ACPI_NOTIFY_EJECT_REQUEST`.
pub const NOTIFY_EJECT_REQUEST: u32 = 3;

/// `_OST` status codes.
pub mod ost {
    /// Success.
    pub const SUCCESS: u32 = 0;
    /// Non-specific failure.
    pub const FAILURE: u32 = 1;
    /// Unrecognised notify code.
    pub const UNRECOGNIZED_NOTIFY: u32 = 2;
    /// Eject: not supported by OSPM.
    pub const EJECT_NOT_SUPPORTED: u32 = 0x80;
    /// Eject: device in use.
    pub const DEVICE_IN_USE: u32 = 0x81;
    /// Eject: device busy.
    pub const DEVICE_BUSY: u32 = 0x82;
    /// Insert: driver load failure.
    pub const DRIVER_LOAD_FAILURE: u32 = 0x81;
    /// Insert: not supported.
    pub const INSERT_NOT_SUPPORTED: u32 = 0x82;
}

/// `_STA` bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sta(pub u32);

impl Sta {
    /// Present and enabled (bits 0 and 1).
    pub fn usable(self) -> bool {
        self.0 & 0b11 == 0b11
    }
}

/// What the handler does with a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Bring the CPU in (read `_MAT`/`_PXM`, tell Xen or map a logical CPU).
    Add,
    /// Take the CPU out (offline, unmap, `_EJ0`).
    Remove,
    /// Nothing to do; report this `_OST` code.
    Report(u32),
}

/// Who handles the hardware side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// dom0, physical CPUs: Xen cannot hot-remove a physical CPU.
    XenHost,
    /// HVM guest, virtual CPUs.
    Guest,
}

/// Decides what to do with `notify` for a processor whose `_STA` reads `sta`
/// and which is currently known (`present`) or not.
pub fn decide(flavor: Flavor, notify: u32, sta: Sta, present: bool) -> Action {
    match notify {
        NOTIFY_BUS_CHECK | NOTIFY_DEVICE_CHECK => match (sta.usable(), present) {
            (true, false) => Action::Add,
            (true, true) => Action::Report(ost::SUCCESS),
            // Firmware says absent: for a guest that is a surprise removal.
            (false, true) if flavor == Flavor::Guest => Action::Remove,
            (false, _) => Action::Report(ost::SUCCESS),
        },
        NOTIFY_EJECT_REQUEST => match (flavor, present) {
            (Flavor::XenHost, _) => Action::Report(ost::EJECT_NOT_SUPPORTED),
            (Flavor::Guest, true) => Action::Remove,
            (Flavor::Guest, false) => Action::Report(ost::SUCCESS),
        },
        _ => Action::Report(ost::UNRECOGNIZED_NOTIFY),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Flavor::*;

    #[test]
    fn decision_table() {
        let on = Sta(0xf);
        let off = Sta(0);
        let rows = [
            (XenHost, NOTIFY_DEVICE_CHECK, on, false, Add),
            (XenHost, NOTIFY_BUS_CHECK, on, false, Add),
            (XenHost, NOTIFY_DEVICE_CHECK, on, true, Report(ost::SUCCESS)),
            (
                XenHost,
                NOTIFY_DEVICE_CHECK,
                off,
                true,
                Report(ost::SUCCESS),
            ),
            (
                XenHost,
                NOTIFY_EJECT_REQUEST,
                on,
                true,
                Report(ost::EJECT_NOT_SUPPORTED),
            ),
            (XenHost, 0x80, on, true, Report(ost::UNRECOGNIZED_NOTIFY)),
            (Guest, NOTIFY_DEVICE_CHECK, on, false, Add),
            (
                Guest,
                NOTIFY_DEVICE_CHECK,
                Sta(1),
                false,
                Report(ost::SUCCESS),
            ),
            (Guest, NOTIFY_DEVICE_CHECK, off, true, Remove),
            (Guest, NOTIFY_EJECT_REQUEST, on, true, Remove),
            (
                Guest,
                NOTIFY_EJECT_REQUEST,
                off,
                false,
                Report(ost::SUCCESS),
            ),
        ];
        for (f, n, s, p, want) in rows {
            assert_eq!(
                decide(f, n, s, p),
                want,
                "{f:?} notify={n} sta={s:?} present={p}"
            );
        }
    }
}
