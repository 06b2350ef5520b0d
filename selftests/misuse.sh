#!/bin/sh
# roles: xen hvm
# Misuse of every interface the modules offer, as root and as nobody: each
# gets its documented errno (Documentation/ABI/*.rst) and nothing is lost.
. /selftests/lib.sh
R=/selftests/mcelog_read
# nobody CMD...: run CMD as uid/gid 65534 with no capabilities.
nobody() { su -s /bin/sh nobody -c "$*"; }
# has TEXT WORDS: TEXT contains WORDS.
has() { case "$1" in *"$2"*) return 0 ;; esac; return 1; }
# write_err FILE VALUE: the error a write gets, or "ok".
write_err() { (echo "$2" >"$1") 2>&1 | sed 's/.*: //' | grep . || echo ok; }
if [ "$XENRAS_ROLE" = xen ]; then
	plan 13
	insmod /lib/xenras/xen_mce.ko
	insmod /lib/xenras/xen_acpi_cpu.ko
	insmod /lib/xenras/xen_acpi_memory.ko
	# xen_acpi_memory has no device, file or parameter: what is left to
	# misuse is loading it.
	# refused_still_loaded TEXT: the error said TEXT, the module is loaded.
	refused_still_loaded() { has "$r" "$1" && grep -q '^xen_acpi_memory ' /proc/modules; }
	r=$(insmod /lib/xenras/xen_acpi_memory.ko 2>&1)
	check "xen_acpi_memory loaded twice: refused ($r), the first still owns the memory devices" \
		refused_still_loaded "File exists"
	r=$(nobody "rmmod xen_acpi_memory" 2>&1)
	check "nobody cannot unload it: $r" refused_still_loaded "Operation not permitted"
	P=/sys/module/xen_mce/parameters
	r=$(nobody cat /dev/mcelog 2>&1)
	check "nobody cannot open /dev/mcelog (mode 0600): $r" has "$r" "Permission denied"
	chmod 0666 /dev/mcelog
	r=$(nobody cat /dev/mcelog 2>&1)
	check "nobody cannot open it even when the mode allows (CAP_SYS_ADMIN): $r" \
		has "$r" "Operation not permitted"
	chmod 0600 /dev/mcelog
	check "read at a non-zero offset: ESPIPE (the device is not seekable)" \
		sh -c "$R -t offset | grep -q 'pread_offset=Illegal seek'"
	r=$(write_err $P/kernel_log garbage)
	check "garbage to kernel_log: $r, value unchanged" sh -c "[ '$r' = 'Invalid argument' ] && [ \$(cat $P/kernel_log) = Y ]"
	r=$(write_err $P/ring_len 5)
	check "ring_len is read-only after load: $r" sh -c "[ '$r' != ok ] && [ \$(cat $P/ring_len) = 1024 ]"
	r=$(nobody "echo N > $P/kernel_log" 2>&1 | sed 's/.*: //')
	check "nobody cannot write kernel_log: $r" sh -c "[ '$r' = 'Permission denied' ] && [ \$(cat $P/kernel_log) = Y ]"
	r=$(write_err /sys/module/xen_acpi_cpu/parameters/auto_online 2)
	check "garbage to xen_acpi_cpu auto_online: $r, value unchanged" \
		sh -c "[ '$r' = 'Invalid argument' ] && [ \$(cat /sys/module/xen_acpi_cpu/parameters/auto_online) = N ]"
	r=$(write_err /sys/kernel/debug/xen_mce/lost 7)
	check "debugfs counters are read-only: $r" sh -c "[ '$r' != ok ] && [ \$(cat /sys/kernel/debug/xen_mce/lost) = 0 ]"

	# Two readers at once: each record reaches exactly one of them.
	$R -w 25 -n 2 >/tmp/r1 2>&1 &
	p1=$!
	$R -w 25 -n 2 >/tmp/r2 2>&1 &
	p2=$!
	sleep 1
	host_request "mce 0 1 0x9c0000400000009f 0x0 0x13000000 0x86 ; mce 1 2 0x9c0000400000009f 0x0 0x14000000 0x86"
	# A reader blocked in poll pins the module: rmmod refuses, nothing lost.
	sleep 1
	check "rmmod while readers wait in poll: refused (module in use)" sh -c "! rmmod xen_mce 2>/dev/null && grep -q '^xen_mce ' /proc/modules"
	wait $p1 $p2
	n=$(cat /tmp/r1 /tmp/r2 | grep -c '^rec ')
	u=$(cat /tmp/r1 /tmp/r2 | grep '^rec ' | grep -o 'addr=0x[0-9a-f]*' | sort -u | wc -l)
	diag "reader 1: $(grep -c '^rec ' /tmp/r1) records, reader 2: $(grep -c '^rec ' /tmp/r2) records"
	check "concurrent readers: both records delivered once ($n records, $u distinct)" [ "$n:$u" = 2:2 ]
	rmmod xen_acpi_cpu
	rmmod xen_acpi_memory
	check "rmmod once the readers are gone" rmmod xen_mce
else
	plan 3
	insmod /lib/xenras/xen_vcpu_hotplug.ko
	P=/sys/module/xen_vcpu_hotplug/parameters
	r=$(write_err $P/auto_online maybe)
	check "garbage to auto_online: $r, value unchanged" sh -c "[ '$r' = 'Invalid argument' ] && [ \$(cat $P/auto_online) = Y ]"
	r=$(nobody "echo N > $P/auto_online" 2>&1 | sed 's/.*: //')
	check "nobody cannot write auto_online: $r" sh -c "[ '$r' = 'Permission denied' ] && [ \$(cat $P/auto_online) = Y ]"
	check "unload" rmmod xen_vcpu_hotplug
fi
[ -z "$FAILED" ]
