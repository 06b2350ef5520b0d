// SPDX-License-Identifier: GPL-2.0
//! Module parameters and `.modinfo` entries (6.12's `module!` has neither
//! `params` nor `version`; upstream added params later in this shape).
//!
//! ```ignore
//! module_param!(ring_len: u32 = 256, 0o444, "Records /dev/mcelog holds");
//! let n = ring_len.get();
//! ```

use super::bindings;
use core::cell::UnsafeCell;

/// A `uint` or `bool` module parameter's storage.
#[repr(transparent)]
pub struct Param<T: Copy>(UnsafeCell<T>);

// SAFETY: the kernel writes parameters at load time (before `init`) and
// through sysfs only when `perm` allows it; reads are volatile, single
// aligned loads of a `Copy` scalar.
unsafe impl<T: Copy> Sync for Param<T> {}

impl<T: Copy> Param<T> {
    /// A parameter with its default value.
    pub const fn new(v: T) -> Self {
        Self(UnsafeCell::new(v))
    }

    /// The current value.
    pub fn get(&self) -> T {
        // SAFETY: see the `Sync` impl.
        unsafe { core::ptr::read_volatile(self.0.get()) }
    }

    /// Storage address, for `kernel_param.arg`.
    pub const fn as_arg(&self) -> *mut kernel::ffi::c_void {
        self.0.get().cast()
    }
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
/// whose `struct kernel_param` (with `param_ops_$ops`) sits in `__param`,
/// plus its `parm`/`parmtype` `.modinfo` entries. Use the typed wrappers.
#[macro_export]
macro_rules! module_param {
    ($name:ident: $ty:ty = $default:expr, $ops:ident, $tname:literal, $perm:expr, $desc:literal) => {
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
                ops: &raw const bindings::$ops,
                perm: $perm,
                level: -1,
                flags: 0,
                __bindgen_anon_1: bindings::kernel_param__bindgen_ty_1 {
                    arg: $name.as_arg(),
                },
            });
        };
        $crate::modinfo!(parm, concat!(stringify!($name), ":", $desc));
        $crate::modinfo!(parmtype, concat!(stringify!($name), ":", $tname));
    };
}

/// `module_param(name, uint, perm)` with a description.
#[macro_export]
macro_rules! module_param_uint {
    ($name:ident = $default:expr, $perm:expr, $desc:literal) => {
        $crate::module_param!($name: u32 = $default, param_ops_uint, "uint", $perm, $desc);
    };
}

/// `module_param(name, bool, perm)` with a description.
#[macro_export]
macro_rules! module_param_bool {
    ($name:ident = $default:expr, $perm:expr, $desc:literal) => {
        $crate::module_param!($name: bool = $default, param_ops_bool, "bool", $perm, $desc);
    };
}
