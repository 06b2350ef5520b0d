#!/bin/sh
# usage: make_acpi_initrd.sh [--bad-processors] BASE_INITRD OUT_INITRD -- <qemu args of the real boot>
# Probes QEMU's ACPI tables for exactly this config (no guest OS, <1 s), patches
# FACP (-> rev 6.5) + APIC (online-capable bits), prepends the table-upgrade cpio.
# --bad-processors: also compiles bad_processors.asl (iasl) into
# $XENRAS_BUILD/acpi/ and adds it as a new SSDT: fake processor devices with
# missing/malformed _MAT (machine role hvm_badfw only).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bad=
if [ "$1" = --bad-processors ]; then bad=1; shift; fi
base=$1 out=$2; shift 2; [ "$1" = "--" ] && shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
extra=
if [ -n "$bad" ]; then
	build=${XENRAS_BUILD:-$here/../../build}
	mkdir -p "$build/acpi"
	if ! iasl -p "$tmp/bad_processors" "$here/bad_processors.asl" >"$tmp/iasl.log" 2>&1; then
		cat "$tmp/iasl.log" >&2
		echo "make_acpi_initrd.sh: iasl failed on bad_processors.asl" >&2
		exit 1
	fi
	# A copy to look at (iasl -d); written atomically, runs may overlap.
	cp "$tmp/bad_processors.aml" "$build/acpi/.bad_processors.aml.$$"
	mv -f "$build/acpi/.bad_processors.aml.$$" "$build/acpi/bad_processors.aml"
	extra="--add-table $tmp/bad_processors.aml"
fi
python3 "$here/probe_qemu_acpi.py" "$tmp/tables" -- "$@"
# shellcheck disable=SC2086
python3 "$here/gen_acpi_override.py" --from-dump "$tmp/tables" -o "$tmp/acpi.cpio" $extra
cat "$tmp/acpi.cpio" "$base" > "$out"
