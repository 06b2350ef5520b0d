#!/usr/bin/env bash
# Unpack Debian's linux-source-6.12 into the build directory, configure it
# from allnoconfig + scripts/kconfig/xen-ras.config (+ the variant's
# fragment), build bzImage and the module build environment. Rebuilds only
# when a fragment or the source tarball changed (a stamp file records both).
#
#   build-kernel.sh            build/linux-source-6.12
#   build-kernel.sh VARIANT    build/VARIANT/linux-source-6.12, with
#                              scripts/kconfig/VARIANT.config on top
#                              (debug: sanitizers; upstream-mce: the C
#                              drivers/xen/mcelog.c, for benchmarks)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/env.sh"

src=/usr/src/linux-source-6.12.tar.xz
variant=${1:-}
frags=("$top/scripts/kconfig/xen-ras.config")
kdir="$XENRAS_KDIR"
if [ -n "$variant" ]; then
	frags+=("$top/scripts/kconfig/$variant.config")
	kdir="$XENRAS_BUILD/$variant/linux-source-6.12"
fi
stamp="$kdir/.xenras-stamp"
want=$( { sha256sum "${frags[@]}"; stat -c '%s %Y' "$src"; } | sha256sum | cut -d' ' -f1)

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$kdir/arch/x86/boot/bzImage" ]; then
	echo "build-kernel: $kdir is up to date"
	exit 0
fi

if [ ! -f "$kdir/Makefile" ]; then
	echo "build-kernel: unpacking $src"
	mkdir -p "$(dirname "$kdir")"
	tar -C "$(dirname "$kdir")" -xf "$src"
fi

cd "$kdir"
# An interrupted build must not look finished.
rm -f "$stamp"
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

echo "build-kernel: building (about 4 minutes on 2 cores)"
log="$kdir/../kernel-build${variant:+-$variant}.log"
make $KMAKEFLAGS -j"$(nproc)" bzImage modules_prepare >"$log" 2>&1 || { tail -40 "$log"; exit 1; }
# Out-of-tree Rust modules need the kernel crate's metadata from a full build.
make $KMAKEFLAGS -j"$(nproc)" modules >>"$log" 2>&1 || { tail -40 "$log"; exit 1; }
echo "$want" >"$stamp"
echo "build-kernel: done: $kdir/arch/x86/boot/bzImage"
