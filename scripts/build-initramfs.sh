#!/usr/bin/env bash
# Build the busybox initramfs both QEMU machines boot: the modules, the
# selftests (and their compiled helpers) and the userspace they use.
# Output: $XENRAS_BUILD/initramfs.cpio.gz
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/env.sh"

# XENRAS_MODDIR: where the .ko files are (a kernel variant's module build);
# XENRAS_INITRD: the output.
moddir=${XENRAS_MODDIR:-$top}
out=${XENRAS_INITRD:-$XENRAS_BUILD/initramfs.cpio.gz}
root="${out%.cpio.gz}.d"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,root,lib/xenras,selftests,var/lib/rasdaemon,var/log}
# An unprivileged user for the misuse selftests (su nobody).
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

cp /bin/busybox "$root/bin/busybox"
for app in $("$root/bin/busybox" --list); do
	[ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"
done

# Copy a dynamically linked program and the libraries it needs.
copy_elf() {
	local src=$1 dst=${2:-$1}
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$src" "$root$dst"
	ldd "$src" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | while read -r lib; do
		[ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
	done
}

# Userspace the selftests use.
copy_elf /usr/sbin/rasdaemon
copy_elf /usr/bin/sqlite3
copy_elf /usr/lib/xen-4.17/bin/xen-hptool /usr/sbin/xen-hptool
# Xen's MCE injector (XEN_MC_msrinject + XEN_MC_mceinject): bench_mce_inj.sh.
copy_elf /usr/lib/xen-4.17/bin/xen-mceinj /usr/sbin/xen-mceinj
# libgcc_s is dlopen()ed by glibc for pthread_cancel; xl/xen tools need it.
for l in /lib/x86_64-linux-gnu/libgcc_s.so.1; do cp -L "$l" "$root$l"; done

cp "$moddir"/xen_mce.ko "$moddir"/xen_acpi_cpu.ko "$moddir"/xen_acpi_memory.ko "$moddir"/xen_vcpu_hotplug.ko "$root/lib/xenras/"

# Selftests: shell tests and C helpers (static).
cp "$top"/selftests/*.sh "$root/selftests/"
for c in "$top"/selftests/*.c; do
	[ -e "$c" ] || continue
	gcc -static -O2 -Wall -Werror -o "$root/selftests/$(basename "$c" .c)" "$c"
done
cp "$top/scripts/initramfs/init" "$root/init"
chmod +x "$root/init" "$root"/selftests/*

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
echo "build-initramfs: $out ($(du -h "$out" | cut -f1))"
