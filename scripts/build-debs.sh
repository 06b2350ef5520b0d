#!/usr/bin/env bash
# `make deb`: the project as Debian packages, built with Debian's tools,
# into build/deb/:
#   linux-image-VER, linux-headers-VER   the main kernel
#       (xen-ras.config + debian.config: scripts/build-kernel.sh) through the
#       kernel's own `make bindeb-pkg` in the cached, built tree, the
#       headers completed with what out-of-tree Rust modules need
#       (scripts/deb-rust-headers.sh).
#       Cached machine-wide: $XENRAS_CACHE/deb/kernel-KEY (KEY: the
#       kernel's key and DEB_RECIPE).
#   xen-ras-rs-dkms_VERSION_all.deb      debian/ (dh, dh-dkms), built in a
#       copy of the sources under build/deb/src.
# then lintian over all of them (build/deb/lintian.txt).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/env.sh"
. "$top/scripts/cache.sh"

DEB_RECIPE=2
out="$XENRAS_BUILD/deb"
t0=$(date +%s)

bash "$top/scripts/build-kernel.sh"
kkey=$(bash "$top/scripts/build-kernel.sh" --key)
kdir=$(readlink -f "$XENRAS_BUILD/linux-source-6.12")
key=$({ echo "deb $DEB_RECIPE kernel $kkey"; sha256sum "$top/scripts/deb-rust-headers.sh" | cut -c1-64; } | sha256sum | cut -c1-16)
entry="$XENRAS_CACHE/deb/kernel-$key"

( cache_use "$entry" .stamp-debs "$out/.kernel-debs" build-debs
  echo "build-debs: make bindeb-pkg in $kdir"
  cd "$kdir"
  # The toolchain settings in the environment too: dpkg-buildpackage runs
  # debian/rules, whose `make olddefconfig` must find the same rustc,
  # bindgen and clang (or Kconfig drops CONFIG_RUST and all is rebuilt).
  # shellcheck disable=SC2086
  export $KMAKEFLAGS
  # The packages' maintainer (mkdebian takes it from DEBEMAIL/DEBFULLNAME;
  # else root@HOST, which lintian rejects).
  export DEBFULLNAME="xen-ras-rs developers" DEBEMAIL="xen-ras-rs@users.noreply.github.com"
  make $KMAKEFLAGS -j"$(nproc)" bindeb-pkg >"$entry/bindeb-pkg.log" 2>&1 ||
	{ tail -40 "$entry/bindeb-pkg.log"; exit 1; }
  mv "$(dirname "$kdir")"/linux-image-*.deb "$(dirname "$kdir")"/linux-headers-*.deb "$entry/"
  rm -f "$(dirname "$kdir")"/linux-libc-dev_*.deb "$(dirname "$kdir")"/linux-upstream_*.buildinfo \
	"$(dirname "$kdir")"/linux-upstream_*.changes
  rm -f "$entry"/linux-image-*-dbg_*.deb
  # The headers completed with what out-of-tree Rust modules need.
  sh "$top/scripts/deb-rust-headers.sh" "$(ls "$entry"/linux-headers-*.deb)" "$kdir"
  # Lintian over the kernel's packages once (a minute or two): cached too.
  lintian --tag-display-limit 0 "$entry"/*.deb >"$entry/lintian.txt" 2>&1 || true
  touch "$entry/.stamp-debs"
  cache_done "$entry" .stamp-debs "$out/.kernel-debs" build-debs "$XENRAS_CACHE/deb/kernel-????????????????" )

mkdir -p "$out"
rm -f "$out"/*.deb
cp "$entry"/*.deb "$out/"

echo "build-debs: xen-ras-rs-dkms (dpkg-buildpackage)"
src="$out/src"
rm -rf "$src"
mkdir -p "$src"
(cd "$top" && git ls-files -z -- debian Kbuild xen_mce xen_acpi_cpu xen_acpi_memory xen_vcpu_hotplug rust/xenras \
	rust/xen_ras_core/src | xargs -0 cp --parents -t "$src")
(cd "$src" && dpkg-buildpackage -b -us -uc >"$out/dpkg-buildpackage.log" 2>&1) ||
	{ tail -30 "$out/dpkg-buildpackage.log"; exit 1; }
rm -f "$out"/xen-ras-rs_*.buildinfo "$out"/xen-ras-rs_*.changes

echo "build-debs: lintian"
{ cat "$entry/lintian.txt"; lintian --tag-display-limit 0 "$out"/xen-ras-rs-dkms_*.deb 2>&1; } |
	grep -v '^running with root privileges' >"$out/lintian.txt" || true
sed 's/^/build-debs: lintian: /' "$out/lintian.txt"
ls -l "$out"/*.deb | awk '{print "build-debs: " $5 " " $9}'
echo "build-debs: done in $(($(date +%s) - t0)) s"
