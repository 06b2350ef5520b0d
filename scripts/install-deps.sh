#!/usr/bin/env bash
# Install everything the build and the test tiers need, from Debian's and
# crates.io's registries only. Idempotent: what is present is skipped, so a
# second run takes seconds. Must run as root (apt-get).
set -euo pipefail

BINDGEN_VERSION=0.71.1

log() { printf 'install-deps: %s\n' "$*"; }

pkgs=(rustc-web rust-web-src rust-web-clippy rustfmt-web clang-19 lld-19 llvm-19 libclang-19-dev
      linux-source-6.12 flex bison bc libelf-dev libssl-dev cpio busybox-static
      qemu-system-x86 xen-hypervisor-4.17-amd64 xen-utils-4.17 rasdaemon
      qemu-system-xen xenstore-utils
      dpkg-dev build-essential python3 socat kmod xz-utils acpica-tools sqlite3
      debhelper dh-dkms lintian fakeroot debootstrap e2fsprogs
      rsync) # rsync: a Build-Depends of the kernel's `make bindeb-pkg` (debian tier)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { log "need root to install: ${missing[*]}"; exit 1; }
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	extra=()
	# The image ships qemu-utils 10.x from backports, which blocks
	# qemu-system-x86 7.2: take bookworm's matching qemu-utils.
	if printf '%s\n' "${missing[@]}" | grep -qx qemu-system-x86; then
		extra+=(qemu-utils/bookworm qemu-block-extra/bookworm)
	fi
	apt-get install -y -qq --no-install-recommends --allow-downgrades \
		"${missing[@]}" "${extra[@]}" >/dev/null
fi

# deb-src for the Xen hypervisor rebuild (scripts/build-xen.sh).
if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/xen-ras-src.sources; then
	cat >/etc/apt/sources.list.d/xen-ras-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt-get update -qq
fi

if ! command -v bindgen >/dev/null 2>&1 || ! bindgen --version | grep -q " $BINDGEN_VERSION\$"; then
	log "installing bindgen-cli $BINDGEN_VERSION"
	cargo install --locked --quiet --version "$BINDGEN_VERSION" bindgen-cli
fi
log "all dependencies present"
