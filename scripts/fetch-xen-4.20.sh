#!/usr/bin/env bash
# Debian 13 "trixie"'s stock Xen 4.20 hypervisor, the one operators run, for
# the xen420 machine (scripts/qemu.py): the package is downloaded from
# Debian's registry with a private apt configuration (the system's sources
# are left alone) and its multiboot image unpacked into the machine-wide
# cache, $XENRAS_CACHE/xen/trixie-VERSION/xen, linked as
# $XENRAS_BUILD/xen-4.20/xen. The version is pinned here: trixie keeps only
# its newest build, so a removed version fails loudly and is bumped here.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/env.sh"

PKG=xen-hypervisor-4.20-amd64
VERSION=4.20.4+63-g7abfd2bce2-0+deb13u1
cache="$XENRAS_CACHE/xen/trixie-$VERSION"
link="$XENRAS_BUILD/xen-4.20/xen"
. "$top/scripts/cache.sh"
cache_use "$cache" xen "$link" fetch-xen-4.20
echo "fetch-xen-4.20: downloading $PKG=$VERSION from trixie"
apt_private apt-trixie trixie
(cd "$cache" && apt-get "${APT_OPTS[@]}" -qq download "$PKG=$VERSION")
dpkg-deb -x "$cache"/"$PKG"_*.deb "$cache/root"
gunzip -c "$cache"/root/boot/xen-4.20-amd64.gz >"$cache/xen"
cp "$cache/root/boot/xen-4.20-amd64.config" "$cache/config"
rm -rf "$cache/root" "$cache"/*.deb
cache_done "$cache" xen "$link" fetch-xen-4.20 "$XENRAS_CACHE/xen/trixie-*"
echo "fetch-xen-4.20: done: $link"
