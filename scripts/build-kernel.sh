#!/usr/bin/env bash
# Unpack Debian's linux-source-6.12, configure it from allnoconfig +
# scripts/kconfig/xen-ras.config (+ the variant's fragment), build bzImage
# and the module build environment.
#
# The tree lives in a machine-wide cache outside the clone
# ($XENRAS_CACHE/kernel/NAME-KEY, default /var/cache/xen-ras-rs), and the
# clone's build/ path is a symlink to it, so a fresh clone on a machine that
# built the same kernel before reuses it. KEY hashes every input: the
# source package's version, the fragments, the toolchain versions (rustc,
# clang, bindgen) and KERNEL_RECIPE below. Change any of them and the kernel
# is rebuilt under a new key; older keys of the same NAME are pruned.
#
#   build-kernel.sh            build/linux-source-6.12
#   build-kernel.sh VARIANT    build/VARIANT/linux-source-6.12, with
#                              scripts/kconfig/VARIANT.config on top
#                              (debug: sanitizers; upstream-mce: the C
#                              drivers/xen/mcelog.c, for benchmarks)
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
frags=("$top/scripts/kconfig/xen-ras.config")
link="$XENRAS_BUILD/linux-source-6.12"
if [ -n "$variant" ]; then
	frags+=("$top/scripts/kconfig/$variant.config")
	link="$XENRAS_BUILD/$variant/linux-source-6.12"
fi
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
	mkdir -p "$(dirname "$link")"
	if [ -L "$link" ] || [ ! -e "$link" ]; then
		ln -sfn "$kdir" "$link"
	else
		echo "build-kernel: $link is a directory, not the cache link; remove it"; exit 1
	fi
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
make $KMAKEFLAGS -j"$(nproc)" bzImage modules_prepare >"$log" 2>&1 || { tail -40 "$log"; exit 1; }
# Out-of-tree Rust modules need the kernel crate's metadata from a full build.
make $KMAKEFLAGS -j"$(nproc)" modules >>"$log" 2>&1 || { tail -40 "$log"; exit 1; }
date -u +%FT%TZ >"$stamp"
use_cached
# Older keys of this kernel are dead weight (a few GiB each).
# Exactly NAME-KEY (16 hex digits): "debug-*" would also match debug-pv-*.
for old in "$XENRAS_CACHE/kernel/$name"-????????????????; do
	[ "$old" = "$cache" ] || [ ! -d "$old" ] || { echo "build-kernel: pruning $old"; rm -rf "$old"; }
done
echo "build-kernel: done: $kdir/arch/x86/boot/bzImage"
