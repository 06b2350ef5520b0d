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
out="$XENRAS_BUILD/xen-4.20"

link() {
	mkdir -p "$out"
	ln -sfn "$cache/xen" "$out/xen"
}
if [ -f "$cache/.stamp" ] && [ -f "$cache/xen" ]; then
	link
	echo "fetch-xen-4.20: Xen $VERSION from the cache ($cache)"
	exit 0
fi
mkdir -p "$XENRAS_CACHE/xen"
exec 9>"$XENRAS_CACHE/xen/trixie.lock"
flock 9
apt="$XENRAS_CACHE/apt-trixie"
mkdir -p "$apt/lists/partial" "$apt/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
	>"$apt/sources.list"
opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache::Archives=$apt/archives"
      -o APT::Sandbox::User=root)
echo "fetch-xen-4.20: downloading $PKG=$VERSION from trixie"
apt-get "${opts[@]}" -qq update
rm -rf "$cache"
mkdir -p "$cache"
(cd "$cache" && apt-get "${opts[@]}" -qq download "$PKG=$VERSION")
dpkg-deb -x "$cache"/"$PKG"_*.deb "$cache/root"
gunzip -c "$cache"/root/boot/xen-4.20-amd64.gz >"$cache/xen"
cp "$cache/root/boot/xen-4.20-amd64.config" "$cache/config"
rm -rf "$cache/root" "$cache"/*.deb
date -u +%FT%TZ >"$cache/.stamp"
link
for old in "$XENRAS_CACHE/xen/trixie-"*; do
	[ "$old" = "$cache" ] || [ ! -d "$old" ] || { echo "fetch-xen-4.20: pruning $old"; rm -rf "$old"; }
done
echo "fetch-xen-4.20: done: $out/xen"
