#!/bin/sh
# Called by DKMS (dkms.conf MAKE): build the modules for kernel $1 whose
# build tree is $2, with the compilers that kernel was built with.
set -eu
kver=$1 kdir=$2
if [ ! -f "$kdir/rust/libkernel.rmeta" ] || [ ! -f "$kdir/rust/libmacros.so" ]; then
	echo "xen-ras-rs: $kdir has no Rust metadata (rust/libkernel.rmeta, rust/libmacros.so):"
	echo "xen-ras-rs: the headers of $kver cannot build out-of-tree Rust modules"
	exit 1
fi
# The kernel's configuration: linux-headers packages made by bindeb-pkg
# carry include/config/auto.conf, not .config.
conf=$kdir/include/config/auto.conf
[ -f "$conf" ] || conf=$kdir/.config
llvm=
if grep -q '^CONFIG_CC_IS_CLANG=y' "$conf"; then
	# CONFIG_CLANG_VERSION=190107 -> clang-19's directory.
	major=$(sed -n 's/^CONFIG_CLANG_VERSION=\([0-9]*\)[0-9][0-9][0-9][0-9]$/\1/p' "$conf")
	[ -d "/usr/lib/llvm-$major/bin" ] && PATH="/usr/lib/llvm-$major/bin:$PATH"
	llvm=LLVM=1
fi
want=$(sed -n 's/^CONFIG_RUSTC_VERSION_TEXT="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$conf")
have=$(rustc --version 2>/dev/null || echo "no rustc")
if [ -n "$want" ] && [ "$want" != "$have" ]; then
	echo "xen-ras-rs: $kver was built with $want, this machine has $have;"
	echo "xen-ras-rs: Rust metadata is only readable by the same compiler"
	exit 1
fi
export PATH
exec make -C "$kdir" M="$(pwd)" $llvm modules
