#!/usr/bin/env bash
# Unpack Debian's linux-source-6.12, configure it from allnoconfig + the
# fragments below, build bzImage and the module build environment.
#
# The main kernel is xen-ras.config (what the modules and the busybox
# machines need) + debian.config (what a real dom0 needs: systemd, a disk
# root, Xen's toolstack, memory hotplug as Debian's kernel has it). It is
# the one non-debug kernel of every machine: busybox dom0 and guests, the
# Debian dom0 (packaged by `make deb`), the Xen HVM machine's dom0 and
# guest. One build serves them all; `debian` is accepted as its old name.
# The debug variants stay on the minimal xen-ras.config (sanitizers make
# every extra line of config cost build and boot time); any other variant
# goes on top of the main kernel's fragments, so that it differs from the
# main kernel by its own fragment and nothing else. (make bench's
# upstream-mce variant, CONFIG_XEN_MCE_LOG=y, is gone: upstream's driver
# is now built as a module for the main kernel, make upstream-mcelog.)
#
# The tree lives in a machine-wide cache outside the clone
# ($XENRAS_CACHE/kernel/NAME-KEY, default /var/cache/xen-ras-rs), and the
# clone's build/ path is a symlink to it, so a fresh clone on a machine that
# built the same kernel before reuses it. KEY hashes every input: the
# source package's version, the fragments, the toolchain versions (rustc,
# clang, bindgen) and KERNEL_RECIPE below. Change any of them and the kernel
# is rebuilt under a new key; older keys of the same NAME are pruned.
#
#   build-kernel.sh            build/linux-source-6.12 (the main kernel)
#   build-kernel.sh debian     the same tree, also linked as
#                              build/debian/linux-source-6.12
#   build-kernel.sh VARIANT    build/VARIANT/linux-source-6.12, with
#                              scripts/kconfig/VARIANT.config on top
#                              (debug, debug-pv: sanitizers)
#   build-kernel.sh --key [VARIANT]   print the cache key and exit
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/env.sh"

# Bump when the build steps below change what ends up in the tree.
KERNEL_RECIPE=1
src=/usr/src/linux-source-6.12.tar.xz
print_key=0
[ "${1:-}" = --key ] && { print_key=1; shift; }
variant=${1:-}
k=$top/scripts/kconfig
base=("$k/xen-ras.config")
main=("${base[@]}" "$k/debian.config")
# Extra links to the same tree (the main kernel's old variant name).
alias_links=()
case $variant in
"" | debian)
	frags=("${main[@]}")
	[ "$variant" = debian ] && alias_links+=("$XENRAS_BUILD/debian/linux-source-6.12")
	variant= ;;
debug | debug-pv) frags=("${base[@]}" "$k/$variant.config") ;;
*) frags=("${main[@]}" "$k/$variant.config") ;;
esac
link="$XENRAS_BUILD${variant:+/$variant}/linux-source-6.12"
inputs() {
	echo "recipe $KERNEL_RECIPE"
	dpkg-query -W -f='${Package} ${Version}\n' linux-source-6.12
	sha256sum "${frags[@]}" | sed "s|$top/||"
	/usr/bin/rustc --version
	clang --version | head -1
	${BINDGEN:-bindgen} --version 2>/dev/null || echo "bindgen missing"
}
key=$(inputs | sha256sum | cut -c1-16)
[ $print_key = 1 ] && { echo "$key"; exit 0; }
name=${variant:-main}
cache="$XENRAS_CACHE/kernel/$name-$key"
kdir="$cache/linux-source-6.12"
stamp="$cache/.xenras-stamp"

use_cached() {
	local l
	for l in "$link" "${alias_links[@]}"; do
		mkdir -p "$(dirname "$l")"
		if [ -L "$l" ] || [ ! -e "$l" ]; then
			ln -sfn "$kdir" "$l"
		else
			echo "build-kernel: $l is a directory, not the cache link; remove it"; exit 1
		fi
	done
}

if [ -f "$stamp" ] && [ -f "$kdir/arch/x86/boot/bzImage" ]; then
	use_cached
	echo "build-kernel: $name kernel from the cache ($cache)"
	exit 0
fi

# Only one build per key at a time (two clones on one machine).
mkdir -p "$XENRAS_CACHE/kernel"
exec 9>"$XENRAS_CACHE/kernel/$name.lock"
flock 9
if [ -f "$stamp" ] && [ -f "$kdir/arch/x86/boot/bzImage" ]; then
	use_cached; echo "build-kernel: $name kernel built meanwhile ($cache)"; exit 0
fi
# An unfinished tree (no stamp) is never trusted.
rm -rf "$cache"
mkdir -p "$cache"
inputs >"$cache/inputs"
echo "build-kernel: building $name kernel, key $key (inputs: $cache/inputs)"
echo "build-kernel: unpacking $src"
tar -C "$cache" -xf "$src"

cd "$kdir"
echo "build-kernel: configuring"
make $KMAKEFLAGS allnoconfig >/dev/null
scripts/kconfig/merge_config.sh -m .config "${frags[@]}" >/dev/null
make $KMAKEFLAGS olddefconfig >/dev/null
# Every setting of the fragments (a later fragment overriding an earlier
# one) must have survived olddefconfig.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" .config || { echo "build-kernel: config lost: $line"; bad=1; } ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" .config || { echo "build-kernel: config should be unset: $opt"; bad=1; } ;;
	esac
done < <(cat "${frags[@]}" | sed -n 's/^\(# \)\{0,1\}\(CONFIG_[A-Z0-9_]*\)[= ].*/\2 &/p' |
	awk '{opt=$1; sub(/^[^ ]* /, ""); last[opt]=$0; order[opt]=NR} END {for (o in last) print last[o]}')
[ $bad = 0 ] || exit 1

echo "build-kernel: building (6-13 minutes on 2 cores)"
log="$cache/build.log"
# Two jobs more than CPUs: with -j$(nproc) the main kernel's build kept
# 1.4 of 2 cores busy on average (load average over its 11.5 minutes:
# single-job stretches such as the Rust crates and the links).
jobs=$(($(nproc) + 2))
make $KMAKEFLAGS -j$jobs bzImage modules_prepare >"$log" 2>&1 || { tail -40 "$log"; exit 1; }
# Out-of-tree Rust modules need the kernel crate's metadata from a full build.
make $KMAKEFLAGS -j$jobs modules >>"$log" 2>&1 || { tail -40 "$log"; exit 1; }
echo "build-kernel: built in $(($(date +%s) - $(stat -c %Y "$cache/inputs"))) s"
date -u +%FT%TZ >"$stamp"
use_cached
# Older keys of this kernel are dead weight (a few GiB each).
# Exactly NAME-KEY (16 hex digits): "debug-*" would also match debug-pv-*.
for old in "$XENRAS_CACHE/kernel/$name"-????????????????; do
	[ "$old" = "$cache" ] || [ ! -d "$old" ] || { echo "build-kernel: pruning $old"; rm -rf "$old"; }
done
echo "build-kernel: done: $kdir/arch/x86/boot/bzImage"
