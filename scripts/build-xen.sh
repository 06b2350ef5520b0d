#!/usr/bin/env bash
# Rebuild the Xen 4.17 hypervisor from Debian's own source package with the
# project's patches (scripts/xen/*.patch) and Debian's installed config.
# Debian 12's binary hypervisor never hands a machine check to dom0 (see
# scripts/xen/0001-*.patch). Output: $XENRAS_BUILD/xen/xen (multiboot ELF
# that QEMU's -kernel loads). Cached: rebuilt only when a patch changes.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/env.sh"

XEN_SRC_VERSION=4.17.5+72-g01140da4e8-1
out="$XENRAS_BUILD/xen"
work="$XENRAS_BUILD/xen-src"
stamp="$out/.stamp"
want=$(cat "$top"/scripts/xen/*.patch /boot/xen-4.17-amd64.config | sha256sum | cut -d' ' -f1)

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$out/xen" ]; then
	echo "build-xen: $out/xen is up to date"
	exit 0
fi

rm -rf "$work"
mkdir -p "$work" "$out"
cd "$work"
echo "build-xen: fetching Debian source xen=$XEN_SRC_VERSION"
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
} >"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
cp xen/xen "$out/xen"
echo "$want" >"$stamp"
echo "build-xen: done: $out/xen"
