#!/usr/bin/env bash
# make bench: build upstream's C driver (drivers/xen/mcelog.c of the kernel
# tree in XENRAS_KDIR) as the module xen_mcelog_upstream.ko, so that one
# dom0 boot alternates it with xen_mce (selftests/bench_mce_inj.sh, role
# bench-mce). The C file is copied from the kernel tree into the build
# directory at build time, never into this repository; the wrapper
# (scripts/upstream-mcelog/) only adds an exit function.
# Output: $XENRAS_BUILD/upstream-mcelog/xen_mcelog_upstream.ko
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/env.sh"
src=$XENRAS_KDIR/drivers/xen/mcelog.c
out=$XENRAS_BUILD/upstream-mcelog
[ -f "$src" ] || { echo "build-upstream-mcelog: no $src" >&2; exit 1; }
if grep -q '^CONFIG_XEN_MCE_LOG=y' "$XENRAS_KDIR/.config"; then
	echo "build-upstream-mcelog: $XENRAS_KDIR has CONFIG_XEN_MCE_LOG=y built in" >&2
	exit 1
fi
mkdir -p "$out"
cp "$src" "$out/mcelog.c"
cp "$top/scripts/upstream-mcelog/Kbuild" "$top/scripts/upstream-mcelog/xen_mcelog_upstream.c" "$out/"
# shellcheck disable=SC2086
make -s -C "$XENRAS_KDIR" M="$out" $KMAKEFLAGS modules
ls -l "$out/xen_mcelog_upstream.ko"
