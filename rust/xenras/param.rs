// SPDX-License-Identifier: GPL-2.0
//! Module parameters and `.modinfo` entries (6.12's `module!` has neither
//! `params` nor `version`).
//!
//! ```ignore
//! module_param_uint!(ring_len = 256, 0o444, "Records /dev/mcelog holds");
//! let n = ring_len.get();
//! ```
//!
//! The `kernel_param_ops` come from the Rust type ([`ParamType`]), never
//! from the caller, so a `bool` can only get `param_ops_bool`.
//!
//! Deviations from upstream (6.15+ `module!` `params: { name: type { default,
//! description } }`, read with `name.value()`): upstream's parameters are
//! read-only (perm 0) and parsed in Rust; here they are the kernel's own
//! `uint`/`bool` ops, and `perm` may make them writable through sysfs (the
//! modules' `auto_online`), which upstream does not support yet. Porting
//! means moving each parameter into `module!` and dropping writability or
//! keeping this file.

use super::bindings;
use core::cell::UnsafeCell;

/// A Rust type with kernel parameter ops that read and write exactly it.
///
/// # Safety
///
/// `ops()` must point to `kernel_param_ops` whose `set` stores a valid `Self`
/// through `kernel_param.arg` (and nothing beyond `size_of::<Self>()`) and
/// whose `get` reads `Self` from it.
pub unsafe trait ParamType: Copy + 'static {
    /// The ops (`param_ops_uint`, ...).
    const OPS: *const bindings::kernel_param_ops;
    /// The `parmtype` name (`uint`, ...).
    const NAME: &'static str;
}

// SAFETY: `param_ops_uint` parses with `kstrtouint` into an `unsigned int`,
// which is `u32` on every Linux target.
unsafe impl ParamType for u32 {
    const OPS: *const bindings::kernel_param_ops = &raw const bindings::param_ops_uint;
    const NAME: &'static str = "uint";
}

// SAFETY: `param_ops_bool` stores a C `bool` (one byte, 0 or 1), which is
// Rust's `bool`.
unsafe impl ParamType for bool {
    const OPS: *const bindings::kernel_param_ops = &raw const bindings::param_ops_bool;
    const NAME: &'static str = "bool";
}

/// A module parameter's storage.
///
/// # Invariants
///
/// Only the kernel's `T::OPS` write the cell (at load, before `init`, and
/// through sysfs when `perm` allows it), each write storing a valid `T`.
#[repr(transparent)]
pub struct Param<T: ParamType>(UnsafeCell<T>);

// SAFETY: every write is by `T::OPS` (type invariant) and stores a whole,
// valid `T`; reads are volatile, single aligned loads of a `Copy` scalar no
// wider than a machine word, as the C side's plain reads of its parameters.
unsafe impl<T: ParamType> Sync for Param<T> {}

impl<T: ParamType> Param<T> {
    /// A parameter with its default value.
    pub const fn new(v: T) -> Self {
        Self(UnsafeCell::new(v))
    }

    /// The current value.
    pub fn get(&self) -> T {
        // SAFETY: see the `Sync` impl.
        unsafe { core::ptr::read_volatile(self.0.get()) }
    }

    /// Storage address, for `kernel_param.arg` together with [`Param::OPS`].
    pub const fn as_arg(&self) -> *mut kernel::ffi::c_void {
        self.0.get().cast()
    }

    /// The ops that go with this storage (`T::OPS`).
    pub const OPS: *const bindings::kernel_param_ops = T::OPS;
}

/// `struct kernel_param`, placed in the `__param` section by [`module_param!`].
#[repr(transparent)]
pub struct KernelParam(pub bindings::kernel_param);

// SAFETY: read by the module loader only; every pointer in it is to static data.
unsafe impl Sync for KernelParam {}

/// Opaque `struct module` for `THIS_MODULE`'s address.
#[repr(C)]
pub struct ModuleOpaque {
    _p: [u8; 0],
}

extern "C" {
    /// `THIS_MODULE`, defined by modpost's `.mod.c`.
    pub static __this_module: ModuleOpaque;
}

/// Copies a string into a NUL-terminated byte array of length `N`
/// (compile-time; `N` must be `s.len() + 1`).
pub const fn modinfo_bytes<const N: usize>(s: &str) -> [u8; N] {
    let b = s.as_bytes();
    assert!(b.len() + 1 == N);
    let mut out = [0u8; N];
    let mut i = 0;
    while i < b.len() {
        out[i] = b[i];
        i += 1;
    }
    out
}

/// `parmtype=<name>:<type>\0` (what `__MODULE_PARM_TYPE()` emits), with
/// the type name taken from [`ParamType::NAME`]. `N` must fit exactly.
pub const fn parmtype_bytes<const N: usize>(name: &str, ty: &str) -> [u8; N] {
    let parts: [&[u8]; 4] = [b"parmtype=", name.as_bytes(), b":", ty.as_bytes()];
    let mut out = [0u8; N];
    let mut o = 0;
    let mut p = 0;
    while p < parts.len() {
        let b = parts[p];
        let mut i = 0;
        while i < b.len() {
            out[o] = b[i];
            o += 1;
            i += 1;
        }
        p += 1;
    }
    assert!(o + 1 == N);
    out
}

/// Emits one `.modinfo` entry `key=value` (as `MODULE_INFO()` does).
#[macro_export]
macro_rules! modinfo {
    ($key:ident, $value:expr) => {
        const _: () = {
            const S: &str = concat!(stringify!($key), "=", $value);
            #[link_section = ".modinfo"]
            #[used]
            static INFO: [u8; S.len() + 1] = $crate::xenras::param::modinfo_bytes(S);
        };
    };
}

/// Declares a module parameter `name`: a `static` of type `Param<$ty>`
/// whose `struct kernel_param` (with `$ty`'s [`ParamType::OPS`]) sits in
/// `__param`, plus its `parm`/`parmtype` `.modinfo` entries. `$ty` must
/// implement [`ParamType`]: any other type does not compile.
#[macro_export]
macro_rules! module_param {
    ($name:ident: $ty:ty = $default:expr, $perm:expr, $desc:literal) => {
        #[allow(non_upper_case_globals)]
        static $name: $crate::xenras::param::Param<$ty> =
            $crate::xenras::param::Param::new($default);
        const _: () = {
            use $crate::xenras::{bindings, param};
            const NAME: &str = concat!(stringify!($name), "\0");
            static NAME_C: [u8; NAME.len()] =
                param::modinfo_bytes::<{ NAME.len() }>(stringify!($name));
            #[link_section = "__param"]
            #[used]
            static KP: param::KernelParam = param::KernelParam(bindings::kernel_param {
                name: NAME_C.as_ptr().cast(),
                mod_: (&raw const param::__this_module).cast_mut().cast(),
                ops: param::Param::<$ty>::OPS,
                perm: $perm,
                level: -1,
                flags: 0,
                __bindgen_anon_1: bindings::kernel_param__bindgen_ty_1 {
                    arg: $name.as_arg(),
                },
            });
            const TYPE: &str = <$ty as param::ParamType>::NAME;
            const PARMTYPE_LEN: usize = stringify!($name).len() + 1 + TYPE.len() + 1;
            #[link_section = ".modinfo"]
            #[used]
            static PARMTYPE: [u8; 9 + PARMTYPE_LEN] =
                param::parmtype_bytes::<{ 9 + PARMTYPE_LEN }>(stringify!($name), TYPE);
        };
        $crate::modinfo!(parm, concat!(stringify!($name), ":", $desc));
    };
}

/// `module_param(name, uint, perm)` with a description.
#[macro_export]
macro_rules! module_param_uint {
    ($name:ident = $default:expr, $perm:expr, $desc:literal) => {
        $crate::module_param!($name: u32 = $default, $perm, $desc);
    };
}

/// `module_param(name, bool, perm)` with a description.
#[macro_export]
macro_rules! module_param_bool {
    ($name:ident = $default:expr, $perm:expr, $desc:literal) => {
        $crate::module_param!($name: bool = $default, $perm, $desc);
    };
}
