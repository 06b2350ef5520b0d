#!/usr/bin/env bash
# Build the four modules against a kernel variant (build/VARIANT/...) in a
# copy of the sources, so that the main build's objects are left alone.
# Output: build/VARIANT/src/*.ko
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/env.sh"
variant=$1
kdir="$XENRAS_BUILD/$variant/linux-source-6.12"
src="$XENRAS_BUILD/$variant/src"
mkdir -p "$src"
(cd "$top" && git ls-files -z Kbuild rust xen_mce xen_acpi_cpu xen_acpi_memory xen_vcpu_hotplug | xargs -0 tar -cf -) | tar -C "$src" -xf -
make -C "$kdir" M="$src" $KMAKEFLAGS modules >"$src/build.log" 2>&1 || { tail -30 "$src/build.log"; exit 1; }
ls "$src"/*.ko
