#!/usr/bin/env bash
# check-host: the machine-wide build cache is keyed by every input, so a
# change to any input rebuilds. The cache is found by key alone
# ($XENRAS_CACHE/kernel/NAME-KEY, $XENRAS_CACHE/xen/4.17-KEY): a new key has
# no finished entry, so the build runs. This test changes each input of the
# kernel and Xen keys in a scratch copy of scripts/ (tool versions through
# stand-ins on PATH) and checks that the key changes, and that undoing the
# change gives the old key back. TAP output.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
bindgen0=${BINDGEN-}
fresh() {
	rm -rf "$tmp/t"; mkdir -p "$tmp/t" "$tmp/bin"; cp -r "$top/scripts" "$tmp/t/"; rm -f "$tmp/bin"/*
	if [ -n "$bindgen0" ]; then export BINDGEN=$bindgen0; else unset BINDGEN; fi
}
kkey() { PATH="$tmp/bin:$PATH" XENRAS_BUILD="$tmp/build" bash "$tmp/t/scripts/build-kernel.sh" --key "$@"; }
xkey() { PATH="$tmp/bin:$PATH" XENRAS_BUILD="$tmp/build" bash "$tmp/t/scripts/build-xen.sh" --key; }
# changed WHAT KEYFN MUTATE: the key after MUTATE differs from before, and
# comes back after the scratch copy is restored.
changed() {
	local what=$1 fn=$2 mutate=$3 a b c
	fresh; a=$($fn); eval "$mutate"; b=$($fn); fresh; c=$($fn)
	if [ "$a" != "$b" ] && [ "$a" = "$c" ]; then ok "$what: key $a -> $b"; else notok "$what: key $a -> $b (back: $c)"; fi
}
stand_in() { # stand_in CMD OUTPUT: a CMD on PATH that prints OUTPUT
	printf '#!/bin/sh\necho "%s"\n' "$2" >"$tmp/bin/$1"; chmod +x "$tmp/bin/$1"
}
echo "TAP version 13"
echo "1..12"
fresh
k1=$(kkey) k2=$(kkey)
if [ -n "$k1" ] && [ "$k1" = "$k2" ]; then ok "kernel key is stable: $k1"; else notok "kernel key unstable: $k1 / $k2"; fi
changed "kernel: the base fragment (xen-ras.config)" kkey 'echo "# changed" >>"$tmp/t/scripts/kconfig/xen-ras.config"'
changed "kernel: the dom0 fragment (debian.config)" kkey 'echo "# changed" >>"$tmp/t/scripts/kconfig/debian.config"'
fresh
if [ "$(kkey debian)" = "$(kkey)" ]; then ok "kernel: 'debian' names the main kernel (same key)"; else notok "kernel: 'debian' and the main kernel differ: $(kkey debian) / $(kkey)"; fi
changed "kernel: the build recipe (KERNEL_RECIPE)" kkey 'sed -i "s/^KERNEL_RECIPE=.*/KERNEL_RECIPE=999/" "$tmp/t/scripts/build-kernel.sh"'
changed "kernel: the source package version (dpkg-query)" kkey 'stand_in dpkg-query "linux-source-6.12 6.12.999-1"'
changed "kernel: the bindgen version" kkey 'stand_in bindgen "bindgen 0.999.0"; export BINDGEN=$tmp/bin/bindgen'
changed "kernel debug-pv variant: its fragment" "kkey debug-pv" 'echo "# changed" >>"$tmp/t/scripts/kconfig/debug-pv.config"'
changed "kernel debug-pv variant: the base fragment too" "kkey debug-pv" 'echo "# changed" >>"$tmp/t/scripts/kconfig/xen-ras.config"'
changed "xen: a patch" xkey 'for p in "$tmp"/t/scripts/xen/*.patch; do echo " " >>"$p"; break; done'
changed "xen: the build recipe (XEN_RECIPE)" xkey 'sed -i "s/^XEN_RECIPE=.*/XEN_RECIPE=999/" "$tmp/t/scripts/build-xen.sh"'
changed "xen: the compiler version (gcc)" xkey 'stand_in gcc "gcc (Debian 99.0.0-1) 99.0.0"'
exit $fail
