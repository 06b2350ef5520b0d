#!/usr/bin/env bash
# Rebuild the Xen 4.17 hypervisor from Debian's own source package with the
# project's patches (scripts/xen/*.patch) and Debian's installed config.
# Debian 12's binary hypervisor never hands a machine check to dom0 (see
# scripts/xen/0001-*.patch). Output: $XENRAS_BUILD/xen/xen (multiboot ELF
# that QEMU's -kernel loads), a symlink into the machine-wide cache
# ($XENRAS_CACHE/xen/KEY). KEY hashes the source version, the patches,
# Debian's config, the compiler and XEN_RECIPE: any change rebuilds.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/env.sh"

XEN_SRC_VERSION=4.17.5+72-g01140da4e8-1
XEN_RECIPE=1
key=$( { echo "recipe $XEN_RECIPE source $XEN_SRC_VERSION"; cat "$top"/scripts/xen/*.patch \
	/boot/xen-4.17-amd64.config; gcc --version | head -1; } | sha256sum | cut -c1-16)
[ "${1:-}" = --key ] && { echo "$key"; exit 0; }
cache="$XENRAS_CACHE/xen/4.17-$key"
. "$top/scripts/cache.sh"
cache_use "$cache" xen "$XENRAS_BUILD/xen/xen" build-xen
work="$cache/src"
mkdir -p "$work"
cd "$work"
echo "build-xen: fetching Debian source xen=$XEN_SRC_VERSION (key $key)"
apt-get source -qq "xen=$XEN_SRC_VERSION" >"$work/source.log" 2>&1 || {
	cat "$work/source.log"; exit 1; }
cd xen-*/
for p in "$top"/scripts/xen/*.patch; do
	echo "build-xen: applying $(basename "$p")"
	patch -p1 -s <"$p"
done
cp /boot/xen-4.17-amd64.config xen/.config
echo "build-xen: building the hypervisor (about a minute)"
{
	make -C xen olddefconfig
	make -C xen -j"$(nproc)" XEN_BUILD_DATE="$(date -u +%F)"
} >"$cache/build.log" 2>&1 || { tail -30 "$cache/build.log"; exit 1; }
cp xen/xen "$cache/xen"
cd "$cache"
rm -rf "$work"
cache_done "$cache" xen "$XENRAS_BUILD/xen/xen" build-xen "$XENRAS_CACHE/xen/4.17-????????????????"
echo "build-xen: done: $XENRAS_BUILD/xen/xen"
