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
    /// Eject: in progress (sent before the device goes offline).
    pub const EJECT_IN_PROGRESS: u32 = 0x84;
    /// Insert: driver load failure.
    pub const DRIVER_LOAD_FAILURE: u32 = 0x81;
    /// Insert: not supported.
    pub const INSERT_NOT_SUPPORTED: u32 = 0x82;
}

/// Whether Linux's `acpi_bus_notify()` (the global system-notify handler,
/// which ACPICA runs before an object's own handlers) queues a hotplug work
/// item for `notify` on an object with a Linux device: bus check, device
/// check and eject request (`drivers/acpi/bus.c`). Each such item later runs
/// `acpi_device_hotplug()`, which reads the device's `hotplug_notify` flag
/// only then: an owner must let these items run before it gives the flag
/// back.
pub fn native_queues_work(notify: u32) -> bool {
    matches!(
        notify,
        NOTIFY_BUS_CHECK | NOTIFY_DEVICE_CHECK | NOTIFY_EJECT_REQUEST
    )
}

/// The return value for Linux's hotplug-context callback (`adev->hp->notify`)
/// that makes `acpi_device_hotplug()` report `code` again, unchanged: it maps
/// 0 to `_OST` success, `-EPERM` to "eject not supported", `-EBUSY` to
/// "device busy" and every other error to "non-specific failure"
/// (`drivers/acpi/scan.c`).
pub fn ost_as_errno(code: u32) -> i32 {
    const EPERM: i32 = 1;
    const EIO: i32 = 5;
    const EBUSY: i32 = 16;
    match code {
        ost::SUCCESS => 0,
        ost::EJECT_NOT_SUPPORTED => -EPERM,
        ost::DEVICE_BUSY => -EBUSY,
        _ => -EIO,
    }
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
    /// Guest: the platform wants a processor object gone that no CPU of
    /// Linux stands behind (never mapped, e.g. its hot-add failed):
    /// agree, `_EJ0` it, as Linux's generic eject path would.
    EjectOnly,
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

/// The guest handler's decision: [`decide`] for [`Flavor::Guest`], where
/// `mapped` says a logical CPU has this processor's APIC ID and `owned` that
/// this handler mapped it. Only owned CPUs are removed: a CPU mapped at boot
/// or by Linux's native handler has the native processor driver's state
/// attached, which only the native eject path can take down.
pub fn decide_guest(notify: u32, sta: Sta, mapped: bool, owned: bool) -> Action {
    match decide(Flavor::Guest, notify, sta, mapped || owned) {
        Action::Remove if !owned => Action::Report(ost::EJECT_NOT_SUPPORTED),
        Action::Report(ost::SUCCESS)
            if notify == NOTIFY_EJECT_REQUEST && sta.usable() && !mapped && !owned =>
        {
            Action::EjectOnly
        }
        a => a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Flavor::*;

    /// `acpi_device_hotplug()`'s errno -> `_OST` mapping (6.12).
    fn linux_ost(errno: i32) -> u32 {
        match errno {
            0 => ost::SUCCESS,
            -1 => ost::EJECT_NOT_SUPPORTED,
            -16 => ost::DEVICE_BUSY,
            _ => ost::FAILURE,
        }
    }

    #[test]
    fn native_repeat_of_a_final_code_is_the_same_code() {
        // Every final code the modules report for the notifications Linux
        // queues work for (EJECT_IN_PROGRESS is never final).
        for code in [
            ost::SUCCESS,
            ost::FAILURE,
            ost::EJECT_NOT_SUPPORTED,
            ost::DEVICE_BUSY,
        ] {
            assert_eq!(linux_ost(ost_as_errno(code)), code, "code {code:#x}");
        }
        // Anything else is at worst reported as a failure, never as success.
        for code in [ost::UNRECOGNIZED_NOTIFY, ost::DEVICE_IN_USE, 0x84, 0xdead] {
            assert_eq!(linux_ost(ost_as_errno(code)), ost::FAILURE);
        }
    }

    #[test]
    fn native_work_is_queued_for_hotplug_notifications_only() {
        assert!(native_queues_work(NOTIFY_BUS_CHECK));
        assert!(native_queues_work(NOTIFY_DEVICE_CHECK));
        assert!(native_queues_work(NOTIFY_EJECT_REQUEST));
        for n in [2, 4, 5, 6, 7, 8, 0x80] {
            assert!(!native_queues_work(n), "notify {n:#x}");
        }
    }

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
            if f == Guest {
                // Owned CPUs take the same decisions.
                assert_eq!(
                    decide_guest(n, s, p, p),
                    want,
                    "guest notify={n} sta={s:?} present={p}"
                );
            }
            assert_eq!(
                decide(f, n, s, p),
                want,
                "{f:?} notify={n} sta={s:?} present={p}"
            );
        }
    }

    #[test]
    fn guest_never_removes_what_it_did_not_add() {
        let on = Sta(0xf);
        let off = Sta(0);
        // Boot or natively added CPU: eject and surprise removal are refused.
        assert_eq!(
            decide_guest(NOTIFY_EJECT_REQUEST, on, true, false),
            Report(ost::EJECT_NOT_SUPPORTED)
        );
        assert_eq!(
            decide_guest(NOTIFY_DEVICE_CHECK, off, true, false),
            Report(ost::EJECT_NOT_SUPPORTED)
        );
        // Already present (mapped by anyone): a repeated device check is a no-op.
        assert_eq!(
            decide_guest(NOTIFY_DEVICE_CHECK, on, true, false),
            Report(ost::SUCCESS)
        );
        assert_eq!(
            decide_guest(NOTIFY_BUS_CHECK, on, true, true),
            Report(ost::SUCCESS)
        );
        // Eject of a CPU that is already gone.
        assert_eq!(
            decide_guest(NOTIFY_EJECT_REQUEST, off, false, false),
            Report(ost::SUCCESS)
        );
        // Eject of a present object no CPU stands behind (its hot-add
        // failed): _EJ0 it.
        assert_eq!(
            decide_guest(NOTIFY_EJECT_REQUEST, on, false, false),
            EjectOnly
        );
        // Burst: device check while absent, nothing mapped.
        assert_eq!(
            decide_guest(NOTIFY_DEVICE_CHECK, off, false, false),
            Report(ost::SUCCESS)
        );
        // Unknown notification.
        assert_eq!(
            decide_guest(0x80, on, false, false),
            Report(ost::UNRECOGNIZED_NOTIFY)
        );
    }
}
