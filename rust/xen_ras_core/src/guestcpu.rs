// SPDX-License-Identifier: GPL-2.0
//! vCPU hot-add and hot-remove in an HVM guest (xen_vcpu_hotplug): the whole
//! path from an ACPI processor notification to the `_OST` code, with the
//! firmware reads, the handler's table of CPUs it added and Linux's logical
//! CPU steps behind a trait ([`GuestCpuOps`]), so that every path, failures
//! included, is tested on the host. The module implements the trait with
//! ACPI method evaluation and `rust/xenras/cpu.rs`, logs the [`Outcome`] and
//! reports [`Outcome::ost`]. The same shape as [`super::hostcpu`].
//!
//! - device/bus check, `_STA` present and enabled, no logical CPU with the
//!   `_MAT` entry's APIC ID: map a logical CPU and register its device
//!   (CPU hotplug operations kept out meanwhile), then bring it online
//!   (`auto_online`);
//! - eject request for a CPU this handler added: `_OST` "eject in
//!   progress", offline, then (hotplug kept out) unregister and unmap,
//!   `_EJ0`; device check with `_STA` absent: the same without `_EJ0`
//!   (surprise removal);
//! - a CPU it did not add (boot, Linux's native handler) is never removed:
//!   "eject not supported"; a present object with no CPU behind it is
//!   `_EJ0`ed.

use super::hotplug::{
    decide_guest, ost, Action, Sta, NOTIFY_BUS_CHECK, NOTIFY_DEVICE_CHECK, NOTIFY_EJECT_REQUEST,
};
use super::mat::{LocalApic, MatFailure};

/// A CPU this handler added, as its table keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owned<C> {
    /// The logical CPU.
    pub cpu: C,
    /// Its APIC ID (from `_MAT`).
    pub apic_id: u32,
    /// Its device is registered. `false`: mapped but unregistered (a
    /// registration failed and so did unmapping, or an unmap failed after
    /// unregistering); removal and unload retry the unmap.
    pub registered: bool,
}

/// What vCPU hotplug needs from ACPI, from the handler's table and from
/// Linux, for one processor object.
pub trait GuestCpuOps {
    /// A logical CPU number.
    type Cpu: Copy + core::fmt::Debug + PartialEq;
    /// An error (the kernel's `Error`).
    type Err: Copy + core::fmt::Debug + PartialEq;
    /// Proof that CPU hotplug operations (`cpu_up`/`cpu_down`) are kept out
    /// (`cpu_hotplug_disable()`) while it lives; the steps that change the
    /// CPU maps need one. `cpu_up`/`cpu_down` fail while one lives: never
    /// held across [`Self::bring_up`] / [`Self::take_down`].
    type Hp;
    /// A place in the handler's table.
    type Slot: Copy;

    /// `_STA`; none means present and enabled.
    fn sta(&mut self) -> Sta;
    /// `_MAT`, read with `mat::read`.
    fn mat(&mut self) -> Result<LocalApic, MatFailure<Self::Err>>;
    /// The ACPI processor ID: `Processor` statement ID, `_UID`, else the
    /// `_MAT` entry's.
    fn acpi_id(&mut self, entry: &LocalApic) -> u32;
    /// `_OST(notify, EJECT_IN_PROGRESS)`.
    fn eject_in_progress(&mut self, notify: u32);
    /// `_EJ0`.
    fn eject(&mut self) -> Result<(), Self::Err>;

    /// The table's entry for this processor object, if this handler added
    /// its CPU.
    fn owned(&mut self) -> Option<(Self::Slot, Owned<Self::Cpu>)>;
    /// A free place in the table, made if needed; `None`: out of memory.
    fn reserve(&mut self) -> Option<Self::Slot>;
    /// Writes (or with `None` clears) a place the two above returned.
    fn set(&mut self, slot: Self::Slot, owned: Option<Owned<Self::Cpu>>);

    /// The present logical CPU with this APIC ID, whoever mapped it.
    fn cpu_by_apic(&mut self, apic_id: u32) -> Option<Self::Cpu>;
    /// Keeps CPU hotplug operations out until the result is dropped.
    fn hotplug_disabled(&mut self) -> Self::Hp;
    /// `acpi_map_cpu()`: a logical CPU for the APIC ID, marked present.
    fn map(&mut self, hp: &Self::Hp, apic_id: u32, acpi_id: u32) -> Result<Self::Cpu, Self::Err>;
    /// Registers the CPU's device.
    fn register(&mut self, hp: &Self::Hp, cpu: Self::Cpu) -> Result<(), Self::Err>;
    /// Unregisters the device of an offline CPU (nothing if none).
    fn unregister(&mut self, hp: &Self::Hp, cpu: Self::Cpu) -> Result<(), Self::Err>;
    /// `acpi_unmap_cpu()` of an offline CPU without a device.
    fn unmap(&mut self, hp: &Self::Hp, cpu: Self::Cpu) -> Result<(), Self::Err>;
    /// Whether the CPU is online.
    fn is_online(&mut self, cpu: Self::Cpu) -> bool;
    /// How many CPUs are online.
    fn num_online(&mut self) -> u32;
    /// Brings the CPU online (`add_cpu()`).
    fn bring_up(&mut self, cpu: Self::Cpu) -> Result<(), Self::Err>;
    /// Takes the CPU offline (`remove_cpu()`).
    fn take_down(&mut self, cpu: Self::Cpu) -> Result<(), Self::Err>;
}

/// What a notification led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<C, E> {
    /// Mapped and registered; `online` says what bringing it up did
    /// (`None`: not asked, `auto_online` off).
    Added {
        cpu: C,
        apic_id: u32,
        acpi_id: u32,
        online: Option<Result<(), E>>,
    },
    /// A logical CPU already has the APIC ID (boot CPU, the native
    /// handler's, or a repeated check): nothing done.
    AlreadyPresent { cpu: C },
    /// Nothing to do: absent and not ours, or ours and still present.
    Nothing,
    /// Insertion: `_MAT` missing or malformed, nothing done.
    NoMat(MatFailure<E>),
    /// Insertion: no room to track the CPU (out of memory), nothing done.
    NoRoom { apic_id: u32 },
    /// Insertion: no logical CPU for the APIC ID (not possible at boot, or
    /// none free), nothing done.
    MapFailed { apic_id: u32, acpi_id: u32, err: E },
    /// Insertion: mapped, but its device could not be registered; `unmap`
    /// says whether it was unmapped again (if not, it stays tracked,
    /// unregistered, and removal or unload retries).
    RegisterFailed {
        cpu: C,
        apic_id: u32,
        err: E,
        unmap: Result<(), E>,
    },
    /// Removed from Linux; `ejected`: `_EJ0` done (eject request), else a
    /// surprise removal (device check with `_STA` absent).
    Removed { cpu: C, apic_id: u32, ejected: bool },
    /// Removal refused: the CPU cannot go offline (`last`: it is the last
    /// online CPU); it keeps running.
    OfflineFailed { cpu: C, err: E, last: bool },
    /// Removal refused: the CPU was brought online again between offlining
    /// and unmapping; it keeps running.
    OnlineAgain { cpu: C },
    /// Removal: offline, but unregistering or unmapping failed; left
    /// offline, still tracked.
    UnmapFailed { cpu: C, err: E },
    /// Removed from Linux, but `_EJ0` failed: the platform still counts it.
    EjectFailed { cpu: C, apic_id: u32, err: E },
    /// Eject of a present object that no CPU of Linux stands behind: `_EJ0`
    /// done (`Ok`) or failed.
    EjectedEmpty(Result<(), E>),
    /// Eject refused: `_MAT` missing or malformed, so there is no telling
    /// which CPU it is (it may be one Linux runs on).
    EjectNoMat(MatFailure<E>),
    /// Eject refused: this handler did not add the CPU.
    NotOurs { cpu: Option<C> },
    /// A notification processor hotplug does not use.
    Unrecognized(u32),
}

impl<C, E> Outcome<C, E> {
    /// The `_OST` status code to report. A CPU added but not brought online
    /// is a successful insertion (present and offline is consistent); the
    /// failure is logged.
    pub fn ost(&self) -> u32 {
        match self {
            Outcome::Added { .. }
            | Outcome::AlreadyPresent { .. }
            | Outcome::Nothing
            | Outcome::Removed { .. }
            | Outcome::EjectedEmpty(Ok(())) => ost::SUCCESS,
            Outcome::NoMat(_)
            | Outcome::NoRoom { .. }
            | Outcome::MapFailed { .. }
            | Outcome::RegisterFailed { .. }
            | Outcome::UnmapFailed { .. }
            | Outcome::EjectFailed { .. }
            | Outcome::EjectedEmpty(Err(_))
            | Outcome::EjectNoMat(_) => ost::FAILURE,
            Outcome::OfflineFailed { .. } | Outcome::OnlineAgain { .. } => ost::DEVICE_BUSY,
            Outcome::NotOurs { .. } => ost::EJECT_NOT_SUPPORTED,
            Outcome::Unrecognized(_) => ost::UNRECOGNIZED_NOTIFY,
        }
    }
}

/// Handles `notify` for one processor object (the load-time scan passes a
/// device check).
pub fn guest_event<O: GuestCpuOps>(
    ops: &mut O,
    notify: u32,
    auto_online: bool,
) -> Outcome<O::Cpu, O::Err> {
    if !matches!(
        notify,
        NOTIFY_BUS_CHECK | NOTIFY_DEVICE_CHECK | NOTIFY_EJECT_REQUEST
    ) {
        return Outcome::Unrecognized(notify);
    }
    let sta = ops.sta();
    let owned = ops.owned();
    // Which CPU a present object stands for; ours is in the table already.
    let entry = if sta.usable() && owned.is_none() {
        match ops.mat() {
            Ok(e) => Some(e),
            Err(f) if notify == NOTIFY_EJECT_REQUEST => return Outcome::EjectNoMat(f),
            Err(f) => return Outcome::NoMat(f),
        }
    } else {
        None
    };
    let mapped = entry.and_then(|e| ops.cpu_by_apic(e.apic_id));
    match (
        decide_guest(notify, sta, mapped.is_some(), owned.is_some()),
        entry,
        owned,
    ) {
        (Action::Add, Some(e), _) => add(ops, &e, auto_online),
        (Action::Remove, _, Some((slot, o))) => remove(ops, slot, o, notify),
        (Action::EjectOnly, _, _) => Outcome::EjectedEmpty(ops.eject()),
        (Action::Report(ost::EJECT_NOT_SUPPORTED), _, _) => Outcome::NotOurs { cpu: mapped },
        (Action::Report(ost::UNRECOGNIZED_NOTIFY), _, _) => Outcome::Unrecognized(notify),
        (Action::Report(_), _, _) => match mapped {
            Some(cpu) => Outcome::AlreadyPresent { cpu },
            None => Outcome::Nothing,
        },
        // `decide_guest` adds only a usable object that is not ours (so
        // `entry` was read above) and removes only what is ours.
        (Action::Add, None, _) | (Action::Remove, _, None) => Outcome::Nothing,
    }
}

/// Maps, registers and (with `auto_online`) onlines the CPU of `e`.
fn add<O: GuestCpuOps>(ops: &mut O, e: &LocalApic, auto_online: bool) -> Outcome<O::Cpu, O::Err> {
    let apic_id = e.apic_id;
    // A place first, so that a mapped CPU is never left untracked.
    let Some(slot) = ops.reserve() else {
        return Outcome::NoRoom { apic_id };
    };
    let acpi_id = ops.acpi_id(e);
    let cpu = {
        let hp = ops.hotplug_disabled();
        let cpu = match ops.map(&hp, apic_id, acpi_id) {
            Ok(cpu) => cpu,
            Err(err) => {
                return Outcome::MapFailed {
                    apic_id,
                    acpi_id,
                    err,
                }
            }
        };
        if let Err(err) = ops.register(&hp, cpu) {
            let unmap = ops.unmap(&hp, cpu);
            if unmap.is_err() {
                // Still mapped: keep it tracked, so that an eject or the
                // unload retries the unmap instead of losing it.
                ops.set(
                    slot,
                    Some(Owned {
                        cpu,
                        apic_id,
                        registered: false,
                    }),
                );
            }
            return Outcome::RegisterFailed {
                cpu,
                apic_id,
                err,
                unmap,
            };
        }
        ops.set(
            slot,
            Some(Owned {
                cpu,
                apic_id,
                registered: true,
            }),
        );
        cpu
    };
    Outcome::Added {
        cpu,
        apic_id,
        acpi_id,
        online: auto_online.then(|| ops.bring_up(cpu)),
    }
}

/// Offlines, unregisters and unmaps the CPU of `o`, then `_EJ0`s it for an
/// eject request. On failure the CPU keeps running (or stays offline and
/// tracked if only the unmap failed).
fn remove<O: GuestCpuOps>(
    ops: &mut O,
    slot: O::Slot,
    o: Owned<O::Cpu>,
    notify: u32,
) -> Outcome<O::Cpu, O::Err> {
    let cpu = o.cpu;
    let eject = notify == NOTIFY_EJECT_REQUEST;
    if eject {
        ops.eject_in_progress(notify);
    }
    if ops.is_online(cpu) {
        if let Err(err) = ops.take_down(cpu) {
            let last = ops.num_online() == 1;
            return Outcome::OfflineFailed { cpu, err, last };
        }
    }
    {
        let hp = ops.hotplug_disabled();
        // Brought back online by someone between the two steps.
        if ops.is_online(cpu) {
            return Outcome::OnlineAgain { cpu };
        }
        if let Err(err) = ops.unregister(&hp, cpu) {
            return Outcome::UnmapFailed { cpu, err };
        }
        if o.registered {
            ops.set(
                slot,
                Some(Owned {
                    registered: false,
                    ..o
                }),
            );
        }
        if let Err(err) = ops.unmap(&hp, cpu) {
            return Outcome::UnmapFailed { cpu, err };
        }
    }
    ops.set(slot, None);
    if eject {
        if let Err(err) = ops.eject() {
            return Outcome::EjectFailed {
                cpu,
                apic_id: o.apic_id,
                err,
            };
        }
    }
    Outcome::Removed {
        cpu,
        apic_id: o.apic_id,
        ejected: eject,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mat::{Head, MatError};
    use std::cell::Cell;
    use std::rc::Rc;

    /// CPU hotplug kept out while one lives.
    struct Hp(Rc<Cell<u32>>);

    impl Drop for Hp {
        fn drop(&mut self) {
            self.0.set(self.0.get() - 1);
        }
    }

    /// A scripted processor object, table and set of logical CPUs.
    struct Fake {
        sta: u32,
        mat: Result<LocalApic, MatFailure<i32>>,
        /// The table: one entry per place.
        table: Vec<Option<Owned<u32>>>,
        /// Which place is this object's (if `table` holds one for it).
        mine: Option<usize>,
        room: bool,
        /// Logical CPUs: (cpu, apic id, registered, online).
        cpus: Vec<(u32, u32, bool, bool)>,
        map: Result<u32, i32>,
        register: Result<(), i32>,
        unmap: Result<(), i32>,
        take_down: Result<(), i32>,
        bring_up: Result<(), i32>,
        eject: Result<(), i32>,
        /// Someone onlines the CPU right after it went offline.
        races_online: bool,
        disabled: Rc<Cell<u32>>,
        calls: Vec<&'static str>,
    }

    fn lapic(apic_id: u32) -> LocalApic {
        LocalApic {
            kind: 0,
            acpi_id: apic_id,
            apic_id,
            flags: 1,
        }
    }

    impl Fake {
        /// Boot CPU 0 (APIC ID 0); the object is APIC ID 2, present.
        fn new() -> Self {
            Fake {
                sta: 0xf,
                mat: Ok(lapic(2)),
                table: Vec::new(),
                mine: None,
                room: true,
                cpus: vec![(0, 0, true, true)],
                map: Ok(1),
                register: Ok(()),
                unmap: Ok(()),
                take_down: Ok(()),
                bring_up: Ok(()),
                eject: Ok(()),
                races_online: false,
                disabled: Rc::new(Cell::new(0)),
                calls: Vec::new(),
            }
        }
        /// As after this handler added CPU 1 for the object.
        fn added() -> Self {
            let mut f = Fake::new();
            f.cpus.push((1, 2, true, true));
            f.table.push(Some(Owned {
                cpu: 1,
                apic_id: 2,
                registered: true,
            }));
            f.mine = Some(0);
            f
        }
        fn called(&self, c: &str) -> bool {
            self.calls.contains(&c)
        }
        fn cpu(&mut self, cpu: u32) -> Option<&mut (u32, u32, bool, bool)> {
            self.cpus.iter_mut().find(|c| c.0 == cpu)
        }
        fn mine(&self) -> Option<Owned<u32>> {
            self.mine.and_then(|i| self.table[i])
        }
        fn step(&mut self, c: &'static str, hp: bool) {
            // Map changes only with hotplug kept out, up/down never.
            assert_eq!(self.disabled.get() > 0, hp, "{c}");
            self.calls.push(c);
        }
    }

    impl GuestCpuOps for Fake {
        type Cpu = u32;
        type Err = i32;
        type Hp = Hp;
        type Slot = usize;

        fn sta(&mut self) -> Sta {
            Sta(self.sta)
        }
        fn mat(&mut self) -> Result<LocalApic, MatFailure<i32>> {
            self.calls.push("mat");
            self.mat
        }
        fn acpi_id(&mut self, e: &LocalApic) -> u32 {
            e.acpi_id + 100
        }
        fn eject_in_progress(&mut self, notify: u32) {
            assert_eq!(notify, NOTIFY_EJECT_REQUEST);
            self.calls.push("ost84");
        }
        fn eject(&mut self) -> Result<(), i32> {
            self.calls.push("ej0");
            self.eject
        }
        fn owned(&mut self) -> Option<(usize, Owned<u32>)> {
            let i = self.mine?;
            self.table[i].map(|o| (i, o))
        }
        fn reserve(&mut self) -> Option<usize> {
            if !self.room {
                return None;
            }
            let i = match self.table.iter().position(Option::is_none) {
                Some(i) => i,
                None => {
                    self.table.push(None);
                    self.table.len() - 1
                }
            };
            self.mine = Some(i);
            Some(i)
        }
        fn set(&mut self, slot: usize, owned: Option<Owned<u32>>) {
            assert_eq!(Some(slot), self.mine);
            self.table[slot] = owned;
        }
        fn cpu_by_apic(&mut self, apic_id: u32) -> Option<u32> {
            self.cpus.iter().find(|c| c.1 == apic_id).map(|c| c.0)
        }
        fn hotplug_disabled(&mut self) -> Hp {
            self.disabled.set(self.disabled.get() + 1);
            Hp(self.disabled.clone())
        }
        fn map(&mut self, _: &Hp, apic_id: u32, acpi_id: u32) -> Result<u32, i32> {
            self.step("map", true);
            assert_eq!(acpi_id, apic_id + 100);
            let cpu = self.map?;
            self.cpus.push((cpu, apic_id, false, false));
            Ok(cpu)
        }
        fn register(&mut self, _: &Hp, cpu: u32) -> Result<(), i32> {
            self.step("register", true);
            self.register?;
            self.cpu(cpu).unwrap().2 = true;
            Ok(())
        }
        fn unregister(&mut self, _: &Hp, cpu: u32) -> Result<(), i32> {
            self.step("unregister", true);
            let c = self.cpu(cpu).unwrap();
            assert!(!c.3, "unregistering an online CPU");
            c.2 = false;
            Ok(())
        }
        fn unmap(&mut self, _: &Hp, cpu: u32) -> Result<(), i32> {
            self.step("unmap", true);
            self.unmap?;
            let c = *self.cpu(cpu).unwrap();
            assert!(!c.2 && !c.3, "unmapping a registered or online CPU");
            self.cpus.retain(|c| c.0 != cpu);
            Ok(())
        }
        fn is_online(&mut self, cpu: u32) -> bool {
            self.cpu(cpu).is_some_and(|c| c.3)
        }
        fn num_online(&mut self) -> u32 {
            self.cpus.iter().filter(|c| c.3).count() as u32
        }
        fn bring_up(&mut self, cpu: u32) -> Result<(), i32> {
            self.step("up", false);
            self.bring_up?;
            self.cpu(cpu).unwrap().3 = true;
            Ok(())
        }
        fn take_down(&mut self, cpu: u32) -> Result<(), i32> {
            self.step("down", false);
            self.take_down?;
            let again = self.races_online;
            self.cpu(cpu).unwrap().3 = again;
            Ok(())
        }
    }

    const DC: u32 = NOTIFY_DEVICE_CHECK;
    const EJ: u32 = NOTIFY_EJECT_REQUEST;

    #[test]
    fn added_online_and_tracked() {
        let mut f = Fake::new();
        let o = guest_event(&mut f, DC, true);
        assert_eq!(
            o,
            Outcome::Added {
                cpu: 1,
                apic_id: 2,
                acpi_id: 102,
                online: Some(Ok(()))
            }
        );
        assert_eq!(o.ost(), ost::SUCCESS);
        assert_eq!(f.calls, ["mat", "map", "register", "up"]);
        assert_eq!(
            f.mine(),
            Some(Owned {
                cpu: 1,
                apic_id: 2,
                registered: true
            })
        );
        assert_eq!(f.disabled.get(), 0);
        // The same through a bus check.
        let mut f = Fake::new();
        assert!(matches!(
            guest_event(&mut f, NOTIFY_BUS_CHECK, true),
            Outcome::Added { .. }
        ));
    }

    #[test]
    fn added_offline_and_online_failure() {
        let mut f = Fake::new();
        let o = guest_event(&mut f, DC, false);
        assert!(matches!(o, Outcome::Added { online: None, .. }));
        assert!(!f.called("up"));
        let mut f = Fake::new();
        f.bring_up = Err(-5);
        let o = guest_event(&mut f, DC, true);
        assert!(matches!(
            o,
            Outcome::Added {
                online: Some(Err(-5)),
                ..
            }
        ));
        // Present but offline is consistent: success, and tracked.
        assert_eq!(o.ost(), ost::SUCCESS);
        assert!(f.mine().is_some_and(|o| o.registered));
    }

    #[test]
    fn insertion_failures() {
        // _MAT missing or malformed: nothing mapped.
        for m in [
            MatFailure::Missing(-2),
            MatFailure::Malformed {
                err: MatError::Short { len: 3 },
                head: Head::of(&[0, 8, 66]),
            },
        ] {
            let mut f = Fake::new();
            f.mat = Err(m);
            let o = guest_event(&mut f, DC, true);
            assert_eq!(o, Outcome::NoMat(m));
            assert_eq!(o.ost(), ost::FAILURE);
            assert!(!f.called("map"));
        }
        // No room in the table: nothing mapped.
        let mut f = Fake::new();
        f.room = false;
        let o = guest_event(&mut f, DC, true);
        assert_eq!(o, Outcome::NoRoom { apic_id: 2 });
        assert_eq!(o.ost(), ost::FAILURE);
        assert!(!f.called("map"));
        // No logical CPU for the APIC ID.
        let mut f = Fake::new();
        f.map = Err(-19);
        let o = guest_event(&mut f, DC, true);
        assert_eq!(
            o,
            Outcome::MapFailed {
                apic_id: 2,
                acpi_id: 102,
                err: -19
            }
        );
        assert_eq!(o.ost(), ost::FAILURE);
        assert_eq!(f.mine(), None);
        assert_eq!(f.cpus.len(), 1);
        // Registration fails, unmapped again: nothing left behind.
        let mut f = Fake::new();
        f.register = Err(-12);
        let o = guest_event(&mut f, DC, true);
        assert_eq!(
            o,
            Outcome::RegisterFailed {
                cpu: 1,
                apic_id: 2,
                err: -12,
                unmap: Ok(())
            }
        );
        assert_eq!(o.ost(), ost::FAILURE);
        assert_eq!(f.mine(), None);
        assert_eq!(f.cpus.len(), 1);
        assert!(!f.called("up"));
        // ... and the unmap fails too: still mapped, so tracked unregistered.
        let mut f = Fake::new();
        f.register = Err(-12);
        f.unmap = Err(-16);
        let o = guest_event(&mut f, DC, true);
        assert!(matches!(
            o,
            Outcome::RegisterFailed {
                unmap: Err(-16),
                ..
            }
        ));
        assert_eq!(
            f.mine(),
            Some(Owned {
                cpu: 1,
                apic_id: 2,
                registered: false
            })
        );
        // An eject then retries the unmap (the CPU never went online).
        f.unmap = Ok(());
        let o = guest_event(&mut f, EJ, true);
        assert_eq!(
            o,
            Outcome::Removed {
                cpu: 1,
                apic_id: 2,
                ejected: true
            }
        );
        assert_eq!(f.mine(), None);
        assert_eq!(f.cpus.len(), 1);
        assert_eq!(f.disabled.get(), 0);
    }

    #[test]
    fn eject_of_an_added_cpu() {
        let mut f = Fake::added();
        let o = guest_event(&mut f, EJ, true);
        assert_eq!(
            o,
            Outcome::Removed {
                cpu: 1,
                apic_id: 2,
                ejected: true
            }
        );
        assert_eq!(o.ost(), ost::SUCCESS);
        // _MAT is not read for a CPU in the table; _OST 0x84 first, _EJ0 last.
        assert_eq!(f.calls, ["ost84", "down", "unregister", "unmap", "ej0"]);
        assert_eq!(f.mine(), None);
        assert_eq!(f.cpus.len(), 1);
        // An offline one is not taken down again.
        let mut f = Fake::added();
        f.cpus[1].3 = false;
        guest_event(&mut f, EJ, true);
        assert!(!f.called("down"));
    }

    #[test]
    fn surprise_removal() {
        let mut f = Fake::added();
        f.sta = 0;
        let o = guest_event(&mut f, DC, true);
        assert_eq!(
            o,
            Outcome::Removed {
                cpu: 1,
                apic_id: 2,
                ejected: false
            }
        );
        assert!(!f.called("ej0") && !f.called("ost84"));
        assert_eq!(f.mine(), None);
    }

    #[test]
    fn removal_failures() {
        // Cannot go offline: busy, left running and tracked.
        let mut f = Fake::added();
        f.take_down = Err(-16);
        let o = guest_event(&mut f, EJ, true);
        assert_eq!(
            o,
            Outcome::OfflineFailed {
                cpu: 1,
                err: -16,
                last: false
            }
        );
        assert_eq!(o.ost(), ost::DEVICE_BUSY);
        assert!(f.mine().is_some() && f.is_online(1) && !f.called("ej0"));
        // The last online CPU says so.
        let mut f = Fake::added();
        f.cpus[0].3 = false;
        f.take_down = Err(-16);
        assert!(matches!(
            guest_event(&mut f, EJ, true),
            Outcome::OfflineFailed { last: true, .. }
        ));
        // Onlined again in between: busy, nothing unmapped.
        let mut f = Fake::added();
        f.races_online = true;
        let o = guest_event(&mut f, EJ, true);
        assert_eq!(o, Outcome::OnlineAgain { cpu: 1 });
        assert_eq!(o.ost(), ost::DEVICE_BUSY);
        assert!(!f.called("unregister") && !f.called("ej0"));
        assert!(f.mine().is_some_and(|o| o.registered));
        // Unmap fails: offline, tracked as unregistered, no _EJ0.
        let mut f = Fake::added();
        f.unmap = Err(-16);
        let o = guest_event(&mut f, EJ, true);
        assert_eq!(o, Outcome::UnmapFailed { cpu: 1, err: -16 });
        assert_eq!(o.ost(), ost::FAILURE);
        assert!(!f.called("ej0") && !f.is_online(1));
        assert_eq!(
            f.mine(),
            Some(Owned {
                cpu: 1,
                apic_id: 2,
                registered: false
            })
        );
        // _EJ0 fails: out of Linux, untracked, failure reported.
        let mut f = Fake::added();
        f.eject = Err(-5);
        let o = guest_event(&mut f, EJ, true);
        assert_eq!(
            o,
            Outcome::EjectFailed {
                cpu: 1,
                apic_id: 2,
                err: -5
            }
        );
        assert_eq!(o.ost(), ost::FAILURE);
        assert_eq!(f.mine(), None);
        assert_eq!(f.cpus.len(), 1);
        assert_eq!(f.disabled.get(), 0);
    }

    #[test]
    fn what_it_did_not_add_is_left_alone() {
        // Eject of the boot CPU (its APIC ID is mapped, not ours): refused.
        let mut f = Fake::new();
        f.mat = Ok(lapic(0));
        let o = guest_event(&mut f, EJ, true);
        assert_eq!(o, Outcome::NotOurs { cpu: Some(0) });
        assert_eq!(o.ost(), ost::EJECT_NOT_SUPPORTED);
        assert_eq!(f.calls, ["mat"]);
        // A device check on it: already present, nothing done.
        let mut f = Fake::new();
        f.mat = Ok(lapic(0));
        let o = guest_event(&mut f, DC, true);
        assert_eq!(o, Outcome::AlreadyPresent { cpu: 0 });
        assert_eq!(o.ost(), ost::SUCCESS);
        assert_eq!(f.calls, ["mat"]);
        // Eject without a usable _MAT: refused, nothing else done.
        let mut f = Fake::new();
        f.mat = Err(MatFailure::Missing(-2));
        let o = guest_event(&mut f, EJ, true);
        assert_eq!(o, Outcome::EjectNoMat(MatFailure::Missing(-2)));
        assert_eq!(o.ost(), ost::FAILURE);
        assert_eq!(f.calls, ["mat"]);
    }

    #[test]
    fn eject_of_an_object_without_a_cpu() {
        // Present, valid _MAT, no logical CPU (its hot-add failed): _EJ0.
        let mut f = Fake::new();
        let o = guest_event(&mut f, EJ, true);
        assert_eq!(o, Outcome::EjectedEmpty(Ok(())));
        assert_eq!(o.ost(), ost::SUCCESS);
        assert_eq!(f.calls, ["mat", "ej0"]);
        let mut f = Fake::new();
        f.eject = Err(-5);
        let o = guest_event(&mut f, EJ, true);
        assert_eq!(o, Outcome::EjectedEmpty(Err(-5)));
        assert_eq!(o.ost(), ost::FAILURE);
    }

    #[test]
    fn nothing_to_do() {
        // Ours and still present: a repeated check changes nothing.
        let mut f = Fake::added();
        let o = guest_event(&mut f, DC, true);
        assert_eq!(o, Outcome::Nothing);
        assert_eq!(o.ost(), ost::SUCCESS);
        assert!(f.calls.is_empty());
        // Absent and not ours (device check, eject of a gone CPU): nothing
        // read, nothing done.
        for n in [DC, NOTIFY_BUS_CHECK, EJ] {
            for sta in [0, 1] {
                let mut f = Fake::new();
                f.sta = sta;
                let o = guest_event(&mut f, n, true);
                assert_eq!(o, Outcome::Nothing, "notify {n} sta {sta}");
                assert_eq!(o.ost(), ost::SUCCESS);
                assert!(f.calls.is_empty());
            }
        }
        // Notifications hotplug does not use: nothing read.
        for n in [2, 4, 0x80] {
            let mut f = Fake::added();
            let o = guest_event(&mut f, n, true);
            assert_eq!(o, Outcome::Unrecognized(n));
            assert_eq!(o.ost(), ost::UNRECOGNIZED_NOTIFY);
            assert!(f.calls.is_empty());
        }
    }

    /// Every notification x `_STA` x (ours / someone else's / no CPU)
    /// ends in a consistent state: hotplug never left disabled, the table
    /// and Linux's CPUs agree, and a CPU not ours is never touched.
    #[test]
    fn every_path_leaves_a_consistent_state() {
        for n in [NOTIFY_BUS_CHECK, DC, EJ, 0x80] {
            for sta in [0, 1, 0xf] {
                for who in 0..3 {
                    for online in [true, false] {
                        let mut f = match who {
                            0 => Fake::added(),
                            1 => {
                                let mut f = Fake::new();
                                f.mat = Ok(lapic(0));
                                f
                            }
                            _ => Fake::new(),
                        };
                        f.sta = sta;
                        if who == 0 {
                            f.cpus[1].3 = online;
                        }
                        let o = guest_event(&mut f, n, online);
                        let case =
                            format!("notify {n} sta {sta:#x} who {who} online {online}: {o:?}");
                        assert_eq!(f.disabled.get(), 0, "{case}");
                        assert!(f.cpus.iter().any(|c| c == &(0, 0, true, true)), "{case}");
                        match f.mine() {
                            Some(m) => {
                                let c = f.cpus.iter().find(|c| c.0 == m.cpu);
                                assert!(c.is_some_and(|c| c.2 == m.registered), "{case}");
                            }
                            None => assert!(f.cpus.iter().all(|c| c.0 == 0), "{case}"),
                        }
                        if who != 0 {
                            assert!(!f.called("down") && !f.called("unmap"), "{case}");
                        }
                    }
                }
            }
        }
    }
}
