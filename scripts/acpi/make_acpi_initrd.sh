#!/bin/sh
# usage: make_acpi_initrd.sh [--bad-processors] BASE_INITRD OUT_INITRD -- <qemu args of the real boot>
#        make_acpi_initrd.sh --bad-memory BASE_INITRD OUT_INITRD
# Probes QEMU's ACPI tables for exactly this config (no guest OS, <1 s), patches
# FACP (-> rev 6.5) + APIC (online-capable bits), prepends the table-upgrade cpio.
# --bad-processors: also compiles bad_processors.asl (iasl) into
# $XENRAS_BUILD/acpi/ and adds it as a new SSDT: fake processor devices with
# missing/malformed _MAT (machine role hvm_badfw only).
# --bad-memory: only compiles bad_memory.asl and adds it as a new SSDT, no
# probe and nothing patched: fake memory devices with missing/malformed
# _CRS for xen_acpi_memory (machine role xen_badfw: dom0's initrd).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bad= asl=bad_processors
if [ "$1" = --bad-processors ]; then bad=1; shift; fi
if [ "$1" = --bad-memory ]; then bad=1 asl=bad_memory; shift; fi
base=$1 out=$2; shift 2; [ $# -gt 0 ] && [ "$1" = "--" ] && shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
extra=
if [ -n "$bad" ]; then
	build=${XENRAS_BUILD:-$here/../../build}
	mkdir -p "$build/acpi"
	if ! iasl -p "$tmp/$asl" "$here/$asl.asl" >"$tmp/iasl.log" 2>&1; then
		cat "$tmp/iasl.log" >&2
		echo "make_acpi_initrd.sh: iasl failed on $asl.asl" >&2
		exit 1
	fi
	# A copy to look at (iasl -d); written atomically, runs may overlap.
	cp "$tmp/$asl.aml" "$build/acpi/.$asl.aml.$$"
	mv -f "$build/acpi/.$asl.aml.$$" "$build/acpi/$asl.aml"
	extra="--add-table $tmp/$asl.aml"
fi
if [ "$asl" = bad_memory ]; then
	# shellcheck disable=SC2086
	python3 "$here/gen_acpi_override.py" -o "$tmp/acpi.cpio" $extra
else
	python3 "$here/probe_qemu_acpi.py" "$tmp/tables" -- "$@"
	# shellcheck disable=SC2086
	python3 "$here/gen_acpi_override.py" --from-dump "$tmp/tables" -o "$tmp/acpi.cpio" $extra
fi
cat "$tmp/acpi.cpio" "$base" > "$out"
