#!/usr/bin/env bash
# The `debian` machine's root filesystem (scripts/qemu.py debian): Debian 13
# "trixie" as an operator installs it, then the project's packages
# (build/deb/, `make deb`) installed into it with apt, as an operator would.
# Two entries in the machine-wide cache, each keyed by its inputs:
#
#   build-debian-rootfs.sh base    $XENRAS_CACHE/debian/base-KEY/base.tar:
#       debootstrap (minbase) from the registry, then `apt-get install` of
#       systemd, Xen 4.20 (hypervisor + toolstack), rasdaemon, DKMS and the
#       toolchain DKMS needs for Rust modules; then rasdaemon 0.8.4
#       backported from testing (scripts/debian/rebuild-rasdaemon.sh).
#       KEY: BASE_RECIPE, the suite, the package list and that script.
#       Downloads ~600 MB once.
#   build-debian-rootfs.sh image   $XENRAS_CACHE/debian/image-KEY/rootfs.img
#       (linked as build/debian/rootfs.img): base + `apt-get install
#       ./linux-image-*.deb ./linux-headers-*.deb ./xen-ras-rs-dkms_*.deb`
#       (DKMS builds the modules there for the project's kernel), the test
#       driver unit, as a sparse ext4 image made with mkfs.ext4 -d.
#       KEY: the base key, IMAGE_RECIPE, the .debs and scripts/debian/rootfs/.
#   build-debian-rootfs.sh --key base|image   print the key and exit
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/env.sh"
. "$top/scripts/cache.sh"

BASE_RECIPE=2
IMAGE_RECIPE=1
SUITE=trixie
MIRROR=http://deb.debian.org/debian
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# What a Debian 13 Xen host runs (systemd, Xen 4.20 and its toolstack,
# rasdaemon) and what DKMS needs to build Rust modules: the kernel's exact
# Rust compiler (trixie's rustc-web is 1.96.0, the version the project's
# kernel is built with: scripts/install-deps.sh), bindgen, and clang/lld,
# since the kernel is built with LLVM=1.
BASE_PKGS=(systemd-sysv udev dbus kmod procps iproute2 less
	xen-hypervisor-4.20-amd64 xen-utils-4.20
	rasdaemon
	dkms make rustc-web bindgen clang-19 lld-19 llvm-19 libc6-dev)

base_key() {
	{ echo "base $BASE_RECIPE $SUITE $MIRROR"; printf '%s\n' "${BASE_PKGS[@]}"
	  sha256sum "$top/scripts/debian/rebuild-rasdaemon.sh" | cut -c1-64; } | sha256sum | cut -c1-16
}
debs() { ls "$XENRAS_BUILD"/deb/*.deb 2>/dev/null | sort; }
image_key() {
	{
		echo "image $IMAGE_RECIPE base $(base_key)"
		for d in $(debs); do sha256sum "$d" | sed "s|$XENRAS_BUILD/||"; done
		(cd "$top" && find scripts/debian/rootfs selftests -type f | sort | xargs sha256sum)
		sha256sum "$top/scripts/build-debian-rootfs.sh" | sed "s|$top/||"
	} | sha256sum | cut -c1-16
}

chroot_mounts() {
	local r=$1
	mount -t proc proc "$r/proc"
	mount -t sysfs sys "$r/sys"
	mount --bind /dev "$r/dev"
	mount --bind /dev/pts "$r/dev/pts"
	trap "umount -l '$r/dev/pts' '$r/dev' '$r/sys' '$r/proc' 2>/dev/null || true" EXIT
}
chroot_umount() {
	local r=$1
	umount -l "$r/dev/pts" "$r/dev" "$r/sys" "$r/proc"
	trap - EXIT
}

build_base() {
	local key entry
	key=$(base_key)
	entry="$XENRAS_CACHE/debian/base-$key"
	local link="$XENRAS_BUILD/debian/base.tar"
	( cache_use "$entry" base.tar "$link" debian-rootfs-base
	  t0=$(date +%s)
	  r="$entry/root"
	  mkdir -p "$r"
	  echo "debian-rootfs: debootstrap $SUITE (minbase) into $r"
	  debootstrap --variant=minbase --keyring="$KEYRING" "$SUITE" "$r" "$MIRROR" \
		>"$entry/debootstrap.log" 2>&1 || { tail -30 "$entry/debootstrap.log"; exit 1; }
	  cat >"$r/etc/apt/sources.list" <<SRC
deb $MIRROR $SUITE main
SRC
	  cp /etc/resolv.conf "$r/etc/resolv.conf"
	  # No daemon starts inside the chroot.
	  printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
	  chmod +x "$r/usr/sbin/policy-rc.d"
	  chroot_mounts "$r"
	  echo "debian-rootfs: apt-get install ${BASE_PKGS[*]}"
	  chroot "$r" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	  chroot "$r" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${BASE_PKGS[@]}" >"$entry/apt.log" 2>&1 || { tail -40 "$entry/apt.log"; exit 1; }
	  echo "debian-rootfs: rasdaemon 0.8.4 backported from testing (trixie's 0.8.3 waits 30 s per absent tracepoint)"
	  cp "$top/scripts/debian/rebuild-rasdaemon.sh" "$r/tmp/"
	  chroot "$r" sh /tmp/rebuild-rasdaemon.sh >"$entry/rasdaemon.log" 2>&1 ||
		{ tail -40 "$entry/rasdaemon.log"; exit 1; }
	  rm "$r/tmp/rebuild-rasdaemon.sh"
	  tail -1 "$entry/rasdaemon.log" | sed 's/^/debian-rootfs: installed: /'
	  chroot "$r" apt-get clean
	  chroot_umount "$r"
	  tar -C "$r" --numeric-owner --xattrs -cf "$entry/base.tar" .
	  rm -rf "$r"
	  du -sh "$entry/base.tar"
	  echo "debian-rootfs: base built in $(($(date +%s) - t0)) s"
	  cache_done "$entry" base.tar "$link" debian-rootfs-base "$XENRAS_CACHE/debian/base-????????????????" )
}

build_image() {
	build_base
	[ -n "$(debs)" ] || { echo "debian-rootfs: no packages in $XENRAS_BUILD/deb: run make deb"; exit 1; }
	local key entry
	key=$(image_key)
	entry="$XENRAS_CACHE/debian/image-$key"
	local link="$XENRAS_BUILD/debian/rootfs.img"
	mkdir -p "$XENRAS_BUILD/debian"
	ln -sfn "$entry/vmlinuz" "$XENRAS_BUILD/debian/vmlinuz"
	( cache_use "$entry" rootfs.img "$link" debian-rootfs-image
	  t0=$(date +%s)
	  r="$entry/root"
	  mkdir -p "$r"
	  tar -C "$r" --numeric-owner --xattrs -xf "$XENRAS_BUILD/debian/base.tar"
	  mkdir -p "$r/tmp/debs"
	  cp $(debs) "$r/tmp/debs/"
	  chroot_mounts "$r"
	  echo "debian-rootfs: apt-get install the project's packages (DKMS builds the modules)"
	  chroot "$r" sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends /tmp/debs/*.deb' \
		>"$entry/install.log" 2>&1 || { tail -60 "$entry/install.log"; exit 1; }
	  cat "$entry/install.log" | grep -iE 'dkms|xen-ras|Building|Installing|error' | tail -30
	  chroot "$r" dkms status
	  rm -rf "$r/tmp/debs"
	  # The packaged kernel, for QEMU's multiboot loader (no boot loader
	  # in the image: Xen and this kernel are handed to QEMU directly).
	  cp "$(ls "$r"/boot/vmlinuz-* | head -1)" "$entry/vmlinuz"
	  # The machine: its hostname, root filesystem, the test driver unit.
	  cp -a "$top/scripts/debian/rootfs/." "$r/"
	  mkdir -p "$r/selftests"
	  cp "$top"/selftests/*.sh "$r/selftests/"
	  chroot "$r" systemctl enable xenras-selftests.service
	  # A test machine: root logs in on the console without a password
	  # (xenras.mode=run; in check mode no getty runs there).
	  chroot "$r" passwd -dq root
	  chroot "$r" apt-get clean
	  rm -f "$r/usr/sbin/policy-rc.d"
	  chroot_umount "$r"
	  size=$(( $(du -sm "$r" | cut -f1) * 13 / 10 + 512 ))
	  mkfs.ext4 -q -F -L root -d "$r" "$entry/rootfs.img" "${size}M"
	  rm -rf "$r"
	  echo "debian-rootfs: image ${size} MiB ($(du -sh "$entry/rootfs.img" | cut -f1) used) in $(($(date +%s) - t0)) s"
	  cache_done "$entry" rootfs.img "$link" debian-rootfs-image "$XENRAS_CACHE/debian/image-????????????????" )
}

case "${1:-}" in
--key) case "${2:-}" in base) base_key ;; image) image_key ;; *) exit 2 ;; esac ;;
base) build_base ;;
image) build_image ;;
*) echo "usage: $0 base|image|--key base|image"; exit 2 ;;
esac
