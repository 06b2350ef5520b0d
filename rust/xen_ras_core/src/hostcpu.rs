// SPDX-License-Identifier: GPL-2.0
//! Physical CPU hot-add in dom0 (xen_acpi_cpu): the whole decision from an
//! ACPI notification to the `_OST` code, with the firmware reads and the
//! Xen platform operations behind a trait so that every path, failures
//! included, is tested on the host. The module implements [`HostCpuOps`]
//! with ACPI method evaluation and `XENPF_*` hypercalls, logs the
//! [`Outcome`] and reports [`Outcome::ost`].

use super::hotplug::{decide, ost, Action, Flavor, Sta, NOTIFY_EJECT_REQUEST};
use super::mat::{LocalApic, MatFailure};

/// Where the proximity domain came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PxmSource {
    /// `_PXM` on the processor object itself.
    Object,
    /// `_PXM` on the ancestor this many levels up.
    Ancestor(u32),
    /// No `_PXM` on the object or any ancestor: domain 0 (what Linux's
    /// `acpi_get_node()` falls back to on a single-node host).
    Default,
}

/// `_PXM` of an object or its nearest ancestor that has one: `chain` yields
/// `_PXM` (or `None`) for the object, its parent, and so on up to the root.
pub fn proximity<I: IntoIterator<Item = Option<u32>>>(chain: I) -> (u32, PxmSource) {
    for (depth, p) in chain.into_iter().enumerate() {
        if let Some(p) = p {
            let src = if depth == 0 {
                PxmSource::Object
            } else {
                PxmSource::Ancestor(depth as u32)
            };
            return (p, src);
        }
    }
    (0, PxmSource::Default)
}

/// What hot-add needs from ACPI and Xen, for one processor object.
pub trait HostCpuOps {
    /// An error from Xen (a negative errno).
    type Err: Copy + core::fmt::Debug + PartialEq;
    /// `_STA`; none means present and enabled.
    fn sta(&mut self) -> Sta;
    /// `_MAT`, read with `mat::read`.
    fn mat(&mut self) -> Result<LocalApic, MatFailure<Self::Err>>;
    /// The ACPI processor ID: `Processor` statement ID, `_UID`, else the
    /// `_MAT` entry's.
    fn acpi_id(&mut self, entry: &LocalApic) -> u32;
    /// `_PXM` of the object and of each ancestor (see [`proximity`]).
    fn proximity(&mut self) -> (u32, PxmSource);
    /// The Xen CPU number with this APIC ID, if Xen knows it
    /// (`XENPF_get_cpuinfo`).
    fn xen_cpu_by_apic(&mut self, apic_id: u32) -> Option<u32>;
    /// `XENPF_cpu_hotadd`; the new Xen CPU number.
    fn hotadd(&mut self, apic_id: u32, acpi_id: u32, pxm: u32) -> Result<u32, Self::Err>;
    /// `XENPF_cpu_online`.
    fn online(&mut self, cpu: u32) -> Result<(), Self::Err>;
}

/// What a notification led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<E> {
    /// The CPU is now present in Xen; `online` says what `XENPF_cpu_online`
    /// did (`None`: not asked, `auto_online` off).
    Added {
        cpu: u32,
        apic_id: u32,
        acpi_id: u32,
        pxm: u32,
        pxm_source: PxmSource,
        online: Option<Result<(), E>>,
    },
    /// Xen already has a CPU with this APIC ID: nothing done.
    AlreadyKnown { cpu: u32, apic_id: u32 },
    /// `_STA` says not present and enabled: nothing to do.
    NotPresent,
    /// `_MAT` missing or malformed: nothing done.
    NoMat(MatFailure<E>),
    /// Xen refused the hot-add: nothing half-done on our side.
    HotaddFailed {
        apic_id: u32,
        acpi_id: u32,
        pxm: u32,
        err: E,
    },
    /// Eject request: Xen cannot hot-remove a physical CPU.
    EjectRefused,
    /// A notification processor hotplug does not use.
    Unrecognized(u32),
}

impl<E> Outcome<E> {
    /// The `_OST` status code to report. A CPU present in Xen but not
    /// online (online failed) is a successful insertion: it is consistent
    /// and management tools can online it; the failure is logged.
    pub fn ost(&self) -> u32 {
        match self {
            Outcome::Added { .. } | Outcome::AlreadyKnown { .. } | Outcome::NotPresent => {
                ost::SUCCESS
            }
            Outcome::NoMat(_) | Outcome::HotaddFailed { .. } => ost::FAILURE,
            Outcome::EjectRefused => ost::EJECT_NOT_SUPPORTED,
            Outcome::Unrecognized(_) => ost::UNRECOGNIZED_NOTIFY,
        }
    }
}

/// Handles `notify` for one processor object (the load-time scan passes a
/// device check).
pub fn host_event<O: HostCpuOps>(ops: &mut O, notify: u32, auto_online: bool) -> Outcome<O::Err> {
    let sta = ops.sta();
    let entry = if sta.usable() && notify != NOTIFY_EJECT_REQUEST {
        match ops.mat() {
            Ok(e) => Some(e),
            Err(f) => return Outcome::NoMat(f),
        }
    } else {
        None
    };
    let known = entry.and_then(|e| ops.xen_cpu_by_apic(e.apic_id).map(|c| (c, e.apic_id)));
    match (decide(Flavor::XenHost, notify, sta, known.is_some()), entry) {
        (Action::Add, Some(e)) => {
            let acpi_id = ops.acpi_id(&e);
            let (pxm, pxm_source) = ops.proximity();
            match ops.hotadd(e.apic_id, acpi_id, pxm) {
                Err(err) => Outcome::HotaddFailed {
                    apic_id: e.apic_id,
                    acpi_id,
                    pxm,
                    err,
                },
                Ok(cpu) => Outcome::Added {
                    cpu,
                    apic_id: e.apic_id,
                    acpi_id,
                    pxm,
                    pxm_source,
                    online: auto_online.then(|| ops.online(cpu)),
                },
            }
        }
        (Action::Report(ost::EJECT_NOT_SUPPORTED), _) => Outcome::EjectRefused,
        (Action::Report(ost::UNRECOGNIZED_NOTIFY), _) => Outcome::Unrecognized(notify),
        (Action::Report(_), _) => match known {
            Some((cpu, apic_id)) => Outcome::AlreadyKnown { cpu, apic_id },
            None => Outcome::NotPresent,
        },
        // `decide` never removes for the Xen host, and adds only with `_MAT`
        // (usable `_STA` means `entry` was read above).
        (Action::Remove, _) | (Action::Add, None) | (Action::EjectOnly, _) => Outcome::NotPresent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hotplug::{NOTIFY_BUS_CHECK, NOTIFY_DEVICE_CHECK};
    use crate::mat::{Head, MatError};

    /// A scripted processor object and Xen.
    struct Fake {
        sta: u32,
        mat: Result<LocalApic, MatFailure<i32>>,
        pxm_chain: [Option<u32>; 3],
        xen: [(u32, u32); 4],
        xen_len: usize,
        hotadd: Result<u32, i32>,
        online: Result<(), i32>,
        calls: [&'static str; 8],
        ncalls: usize,
    }

    impl Fake {
        fn new() -> Self {
            Fake {
                sta: 0xf,
                mat: Ok(LocalApic {
                    kind: 0,
                    acpi_id: 2,
                    apic_id: 2,
                    flags: 1,
                }),
                pxm_chain: [None, None, None],
                xen: [(0, 0), (1, 1), (0, 0), (0, 0)],
                xen_len: 2,
                hotadd: Ok(2),
                online: Ok(()),
                calls: [""; 8],
                ncalls: 0,
            }
        }
        fn call(&mut self, c: &'static str) {
            self.calls[self.ncalls] = c;
            self.ncalls += 1;
        }
        fn called(&self, c: &str) -> bool {
            self.calls[..self.ncalls].contains(&c)
        }
    }

    impl HostCpuOps for Fake {
        type Err = i32;
        fn sta(&mut self) -> Sta {
            Sta(self.sta)
        }
        fn mat(&mut self) -> Result<LocalApic, MatFailure<i32>> {
            self.call("mat");
            self.mat
        }
        fn acpi_id(&mut self, e: &LocalApic) -> u32 {
            e.acpi_id
        }
        fn proximity(&mut self) -> (u32, PxmSource) {
            proximity(self.pxm_chain)
        }
        fn xen_cpu_by_apic(&mut self, apic_id: u32) -> Option<u32> {
            self.xen[..self.xen_len]
                .iter()
                .find(|(_, a)| *a == apic_id)
                .map(|(c, _)| *c)
        }
        fn hotadd(&mut self, _: u32, _: u32, _: u32) -> Result<u32, i32> {
            self.call("hotadd");
            self.hotadd
        }
        fn online(&mut self, _: u32) -> Result<(), i32> {
            self.call("online");
            self.online
        }
    }

    #[test]
    fn pxm_fallback() {
        assert_eq!(proximity([Some(3), Some(1)]), (3, PxmSource::Object));
        assert_eq!(proximity([None, Some(1)]), (1, PxmSource::Ancestor(1)));
        assert_eq!(
            proximity([None, None, Some(7)]),
            (7, PxmSource::Ancestor(2))
        );
        assert_eq!(proximity([None, None]), (0, PxmSource::Default));
        assert_eq!(proximity([]), (0, PxmSource::Default));
    }

    #[test]
    fn added_with_pxm_from_an_ancestor_and_left_offline() {
        let mut f = Fake::new();
        f.pxm_chain = [None, Some(1), Some(5)];
        let o = host_event(&mut f, NOTIFY_DEVICE_CHECK, false);
        assert_eq!(
            o,
            Outcome::Added {
                cpu: 2,
                apic_id: 2,
                acpi_id: 2,
                pxm: 1,
                pxm_source: PxmSource::Ancestor(1),
                online: None
            }
        );
        assert_eq!(o.ost(), ost::SUCCESS);
        assert!(!f.called("online"));
    }

    #[test]
    fn auto_online_success_and_failure() {
        let mut f = Fake::new();
        let o = host_event(&mut f, NOTIFY_BUS_CHECK, true);
        assert!(matches!(
            o,
            Outcome::Added {
                online: Some(Ok(())),
                pxm_source: PxmSource::Default,
                ..
            }
        ));
        let mut f = Fake::new();
        f.online = Err(-16);
        let o = host_event(&mut f, NOTIFY_DEVICE_CHECK, true);
        assert!(matches!(
            o,
            Outcome::Added {
                online: Some(Err(-16)),
                ..
            }
        ));
        // Present but offline is a consistent, successful insertion.
        assert_eq!(o.ost(), ost::SUCCESS);
    }

    #[test]
    fn every_failure_and_its_ost() {
        // _MAT missing / malformed / disabled: nothing asked of Xen.
        for (m, code) in [
            (MatFailure::Missing(-2), ost::FAILURE),
            (
                MatFailure::Malformed {
                    err: MatError::Short { len: 3 },
                    head: Head::of(&[0, 8, 2]),
                },
                ost::FAILURE,
            ),
            (
                MatFailure::Malformed {
                    err: MatError::WrongType { kind: 1 },
                    head: Head::of(&[1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                },
                ost::FAILURE,
            ),
            (
                MatFailure::Malformed {
                    err: MatError::Disabled { apic_id: 2 },
                    head: Head::of(&[0, 8, 2, 2, 0, 0, 0, 0]),
                },
                ost::FAILURE,
            ),
        ] {
            let mut f = Fake::new();
            f.mat = Err(m);
            let o = host_event(&mut f, NOTIFY_DEVICE_CHECK, true);
            assert_eq!(o, Outcome::NoMat(m));
            assert_eq!(o.ost(), code);
            assert!(!f.called("hotadd"));
        }
        // Xen refuses: failure, no online attempt.
        let mut f = Fake::new();
        f.hotadd = Err(-22);
        let o = host_event(&mut f, NOTIFY_DEVICE_CHECK, true);
        assert_eq!(
            o,
            Outcome::HotaddFailed {
                apic_id: 2,
                acpi_id: 2,
                pxm: 0,
                err: -22
            }
        );
        assert_eq!(o.ost(), ost::FAILURE);
        assert!(!f.called("online"));
    }

    #[test]
    fn idempotent_and_the_other_notifications() {
        // Xen already knows the APIC ID: not re-added.
        let mut f = Fake::new();
        f.xen[2] = (2, 2);
        f.xen_len = 3;
        let o = host_event(&mut f, NOTIFY_DEVICE_CHECK, true);
        assert_eq!(o, Outcome::AlreadyKnown { cpu: 2, apic_id: 2 });
        assert_eq!(o.ost(), ost::SUCCESS);
        assert!(!f.called("hotadd"));
        // Not present: _MAT is not even read.
        let mut f = Fake::new();
        f.sta = 0x1;
        assert_eq!(
            host_event(&mut f, NOTIFY_DEVICE_CHECK, true),
            Outcome::NotPresent
        );
        assert!(!f.called("mat"));
        // Eject: refused without touching anything.
        let mut f = Fake::new();
        let o = host_event(&mut f, NOTIFY_EJECT_REQUEST, true);
        assert_eq!(o, Outcome::EjectRefused);
        assert_eq!(o.ost(), ost::EJECT_NOT_SUPPORTED);
        assert_eq!(f.ncalls, 0);
        // Unknown notification.
        let mut f = Fake::new();
        let o = host_event(&mut f, 0x80, true);
        assert_eq!(o, Outcome::Unrecognized(0x80));
        assert_eq!(o.ost(), ost::UNRECOGNIZED_NOTIFY);
        assert!(!f.called("hotadd"));
    }
}
