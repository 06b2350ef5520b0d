#!/usr/bin/env bash
# QEMU 10 (Debian's bookworm-backports build of trixie's QEMU) for the Xen
# HVM guest machine (scripts/qemu.py xen_hvm, XENRAS_QEMU): the packages are
# downloaded with a private apt configuration (the system's sources and its
# QEMU 7.2 are left alone) and unpacked into the machine-wide cache,
# $XENRAS_CACHE/qemu/bpo-VERSION/root, its binary linked as
# $XENRAS_BUILD/qemu-10/qemu-system-x86_64. Its libraries are bookworm's
# (the backport is built against them). Version pinned here, as
# fetch-xen-4.20.sh does.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/env.sh"

VERSION=1:10.0.2+ds-2+deb13u1~bpo12+1
SEABIOS=1.16.3-2~bpo12+1
cache="$XENRAS_CACHE/qemu/bpo-${VERSION#1:}"
link="$XENRAS_BUILD/qemu-10/qemu-system-x86_64"
. "$top/scripts/cache.sh"
cache_use "$cache" qemu-system-x86_64 "$link" fetch-qemu-10
echo "fetch-qemu-10: downloading qemu-system-x86=$VERSION from bookworm-backports"
apt_private apt-bookworm-backports bookworm-backports
(cd "$cache" && apt-get "${APT_OPTS[@]}" -qq download "qemu-system-x86=$VERSION" \
	"qemu-system-common=$VERSION" "qemu-system-data=$VERSION" "seabios=$SEABIOS")
for d in "$cache"/*.deb; do dpkg-deb -x "$d" "$cache/root"; done
rm -f "$cache"/*.deb
# The binary, with the firmware directories it must use (-L, searched
# before the system's /usr/share/qemu): the package's and its seabios.
cat >"$cache/qemu-system-x86_64" <<EOF
#!/bin/sh
exec "$cache/root/usr/bin/qemu-system-x86_64" -L "$cache/root/usr/share/qemu" -L "$cache/root/usr/share/seabios" "\$@"
EOF
chmod +x "$cache/qemu-system-x86_64"
"$cache/qemu-system-x86_64" --version | head -1
cache_done "$cache" qemu-system-x86_64 "$link" fetch-qemu-10 "$XENRAS_CACHE/qemu/bpo-*"
echo "fetch-qemu-10: done: $link"
