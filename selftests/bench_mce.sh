#!/bin/sh
# roles: bench-xen_mce bench-upstream
# MCE storm benchmark (make bench): corrected errors injected with QEMU's
# `mce`, 20 at a time (2 CPUs x 10 banks: Xen's poller reads each bank once
# per poll), read continuously the way mcelog does. Prints BENCH lines.
. /selftests/lib.sh
plan 2
R=/selftests/mcelog_read
D=/sys/kernel/debug/xen_mce
driver=${XENRAS_ROLE#bench-}
[ "$driver" = xen_mce ] && insmod /lib/xenras/xen_mce.ko
up() { cut -d' ' -f1 /proc/uptime; }
for n in 100 1000; do
	$R -w $((n / 2 + 60)) -n $n >/tmp/bench.$n 2>&1 &
	rp=$!
	t0=$(up)
	sent=0
	while [ $sent -lt $n ]; do
		batch=""
		for cpu in 0 1; do
			for bank in 0 1 2 3 4 5 6 7 8 9; do
				[ $sent -lt $n ] || break
				batch="$batch ; mce $cpu $bank 0x9c0000400000009f 0x0 $(printf '0x%x' $((0x20000000 + sent * 0x1000))) 0x86"
				sent=$((sent + 1))
			done
		done
		echo "XENRAS-REQ $batch"
		sleep 3
	done
	wait $rp
	t1=$(up)
	got=$(grep -c '^rec ' /tmp/bench.$n)
	flags=$($R -t flags 2>/dev/null | sed -n 's/flags=//p')
	lostd=unknown
	[ "$driver" = xen_mce ] && lostd=$(cat $D/lost)
	[ "$driver" = upstream ] && { [ "$flags" = 0x1 ] && lostd=overflowed || lostd=0; }
	echo "BENCH mce driver=$driver injected=$n delivered=$got lost_in_xen=$((n - got)) lost_in_dom0=$lostd seconds=$(echo "$t1 $t0" | awk '{printf "%.1f", $1 - $2}')"
	check "storm of $n: something delivered" [ "$got" -gt 0 ]
done
[ -z "$FAILED" ]
