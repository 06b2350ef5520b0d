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
# make bench: upstream's drivers/xen/mcelog.c as a module, when built
# (scripts/build-upstream-mcelog.sh; only the bench-mce role loads it).
up=$XENRAS_BUILD/upstream-mcelog/xen_mcelog_upstream.ko
if [ -z "${XENRAS_MODDIR:-}" ] && [ -f "$up" ]; then cp "$up" "$root/lib/xenras/"; fi

# Selftests: shell tests and C helpers (static).
cp "$top"/selftests/*.sh "$root/selftests/"
for c in "$top"/selftests/*.c; do
	[ -e "$c" ] || continue
	gcc -static -O2 -Wall -Werror -o "$root/selftests/$(basename "$c" .c)" "$c"
done
cp "$top/scripts/initramfs/init" "$root/init"
chmod +x "$root/init" "$root"/selftests/*

# The xen_hvm machine (XENRAS_XEN_HVM=1): Xen's toolstack in dom0 and an
# HVM guest image for `xl create` (selftests/xen_hvm_lib.sh).
if [ "${XENRAS_XEN_HVM:-0}" = 1 ]; then
	X=/usr/lib/xen-4.17
	# xenctx and xen-hvmctx read a guest kept after a crash (guest_postmortem).
	for b in xenstored xenconsoled xen-init-dom0 xenctx xen-hvmctx; do copy_elf $X/bin/$b; done
	# /usr/sbin/xl is Debian's version wrapper: the 4.17 binary itself.
	copy_elf $X/bin/xl /usr/sbin/xl
	for b in xenstore-read xenstore-write xenstore-ls socat; do copy_elf /usr/bin/$b; done
	# The device model libxl 4.17 runs (Debian's qemu-system-xen), the
	# firmware libxl loads (hvmloader, SeaBIOS) and the option ROM QEMU's
	# direct kernel boot uses.
	copy_elf /usr/libexec/xen-qemu-system-i386
	mkdir -p "$root$X/boot" "$root/usr/share/seabios" "$root/usr/share/qemu"
	cp $X/boot/hvmloader "$root$X/boot/"
	cp /usr/share/seabios/bios-256k.bin "$root/usr/share/seabios/"
	cp /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/linuxboot.bin "$root/usr/share/qemu/"
	# libxl passes "-vnc none", for which QEMU still loads its default keymap.
	mkdir -p "$root/usr/share/qemu/keymaps" "$root/etc/xen"
	cp /usr/share/qemu/keymaps/en-us "$root/usr/share/qemu/keymaps/"
	: >"$root/etc/xen/xl.conf"
	# The guest: the project's main kernel (XEN_PVHVM, ACPI CPU hotplug)
	# and a busybox initramfs with xen_vcpu_hotplug built for it.
	gkdir=${XENRAS_GUEST_KDIR:-$XENRAS_BUILD/linux-source-6.12}
	gmoddir=${XENRAS_GUEST_MODDIR:-$top}
	groot="${out%.cpio.gz}.guest.d"
	rm -rf "$groot"
	mkdir -p "$groot"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,lib/xenras,selftests}
	cp /bin/busybox "$groot/bin/busybox"
	for app in $("$groot/bin/busybox" --list); do
		[ "$app" = busybox ] || ln -sf busybox "$groot/bin/$app"
	done
	cp "$gmoddir/xen_vcpu_hotplug.ko" "$groot/lib/xenras/"
	cp "$top/selftests/lib.sh" "$top/selftests/xen_hvm_guest.sh" "$root/selftests/vcpu_wait" "$groot/selftests/"
	cp "$top/scripts/initramfs/guest-init" "$groot/init"
	chmod +x "$groot/init" "$groot"/selftests/*
	mkdir -p "$root/guest"
	cp "$gkdir/arch/x86/boot/bzImage" "$root/guest/bzImage"
	cp "$gkdir/System.map" "$root/guest/System.map"
	(cd "$groot" && find . | cpio -o -H newc --quiet | gzip -1) >"$root/guest/initrd.gz"
fi

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
echo "build-initramfs: $out ($(du -h "$out" | cut -f1))"
