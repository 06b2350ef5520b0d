#!/bin/sh
# deb-rust-headers.sh HEADERS.deb KDIR: add to a linux-headers package made
# by the kernel's `make bindeb-pkg` (6.12) what out-of-tree Rust modules
# need and install-extmod-build leaves out, from the built tree KDIR; the
# package is rewritten in place (same name and version, md5sums updated).
#   rust/*.rmeta          metadata of the crates modules link against
#                         (core, alloc, compiler_builtins, kernel,
#                         bindings, uapi, build_error, ...)
#   rust/libmacros.so     the `macros` proc-macro crate (loaded by rustc)
#   rust/bindgen_parameters  the kernel's bindgen options (xen-ras-rs'
#                         Kbuild generates its bindings with them)
# scripts/target.json and include/generated/rustc_cfg are already in it.
# Used by scripts/build-debs.sh; an operator runs it on their own build
# (README.md, "On a real Debian 13 Xen host").
set -eu
deb=$(readlink -f "$1") kdir=$(readlink -f "$2")
[ -f "$kdir/rust/libkernel.rmeta" ] || { echo "deb-rust-headers: $kdir has no rust/libkernel.rmeta (CONFIG_RUST, built?)"; exit 1; }
kver=$(cat "$kdir/include/config/kernel.release")
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
dpkg-deb -R "$deb" "$w/p"
dest="$w/p/usr/src/linux-headers-$kver"
[ -d "$dest" ] || { echo "deb-rust-headers: $deb has no usr/src/linux-headers-$kver"; exit 1; }
(cd "$kdir" && ls rust/*.rmeta rust/libmacros.so rust/bindgen_parameters) >"$w/list"
tar -C "$kdir" -cf - -T "$w/list" | tar -C "$dest" -xf -
# What lintian finds in the kernel's own headers package, fixed as
# Debian's linux-headers packages do: host programs stripped (strip
# --strip-unneeded keeps the dynamic symbols rustc loads libmacros.so by),
# no .gitignore files, the libraries its programs run with declared.
find "$dest" -type f \( -perm -u+x -o -name '*.so' \) -exec sh -c \
	'for f; do head -c4 "$f" | grep -q ELF && strip --strip-unneeded "$f"; done' sh {} +
find "$dest" -name .gitignore -delete
sed -i '/^Depends:/d; /^Package:/a Depends: libc6, libelf1, libgcc-s1' "$w/p/DEBIAN/control"
(cd "$w/p" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
	xargs -0 md5sum >DEBIAN/md5sums)
# Reproducible: file dates clamped to the kernel's config date.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$kdir/.config")} \
	dpkg-deb --root-owner-group -Zxz -b "$w/p" "$deb" >/dev/null
echo "deb-rust-headers: added to $(basename "$deb"): $(tr '\n' ' ' <"$w/list")"
