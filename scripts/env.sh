# Sourced by every script: one place for paths and toolchain settings.
# shellcheck shell=bash
XENRAS_TOP=${XENRAS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
XENRAS_BUILD=${XENRAS_BUILD:-$XENRAS_TOP/build}
# Machine-wide cache of kernels, Xen and downloads, shared by every clone.
XENRAS_CACHE=${XENRAS_CACHE:-/var/cache/xen-ras-rs}
XENRAS_KDIR=${XENRAS_KDIR:-$XENRAS_BUILD/linux-source-6.12}
# The kernel's Rust needs rustc with library source: Debian's rustc-web,
# not the rustup toolchain (which has no rust-src here).
export PATH="/usr/lib/llvm-19/bin:$PATH"
KMAKEFLAGS="LLVM=1 RUSTC=/usr/bin/rustc RUSTFMT=/usr/bin/rustfmt CLIPPY_DRIVER=/usr/bin/clippy-driver BINDGEN=$(command -v bindgen || echo "$HOME/.cargo/bin/bindgen")"
export XENRAS_TOP XENRAS_BUILD XENRAS_CACHE XENRAS_KDIR KMAKEFLAGS
