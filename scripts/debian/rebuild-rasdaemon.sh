#!/bin/sh
# Run inside the trixie root filesystem (scripts/build-debian-rootfs.sh
# base): backport rasdaemon 0.8.4 from Debian testing ("forky") to trixie,
# the way an operator backports a package (its source package rebuilt
# against stable's libraries, under a ~ version below the official one),
# and install it in place of trixie's 0.8.3.
#
# Why: rasdaemon 0.8.3 opens each tracepoint's format file through
# wait_access(), which polls 30000 times with usleep(1000) (meant for files
# that appear late in its freshly created tracing instance), and it does so
# for tracepoints the kernel does not have at all, one after the other,
# before it opens its database: until then `ras-mc-ctl --errors` fails with
# "no such table: mc_event" (measured in the debian machine: rasdaemon was
# still waiting 200 s after its start, with no database yet). Debian's own
# kernel lacks the 8 cxl events unless cxl_core is loaded (4 minutes); the
# test kernel also lacks devlink and extlog (10 events), and one
# usleep(1000) in its dom0 under TCG took 23 ms (measured), so recording
# would start about two hours after boot. 0.8.4 skips an event whose
# directory is absent ("rasdaemon: skip doesn't exist event"). Trixie's own
# 0.8.3 source cannot be rebuilt with a patch instead: the registry answers
# 404 for it (measured), while testing's 0.8.4-2 source is served.
set -eu
VERSION=0.8.4-2
LOCAL='~xenras13+1'
export DEBIAN_FRONTEND=noninteractive
# check-valid-until=no: the mirror serves a snapshot whose testing Release
# file has expired by this machine's clock (measured); stable has no expiry.
echo "deb-src [check-valid-until=no] http://deb.debian.org/debian forky main" >/etc/apt/sources.list.d/forky-src.list
apt-get update -qq
apt-get install -y -q --no-install-recommends dpkg-dev
# Build dependencies from trixie (only the source comes from forky).
apt-get build-dep -y -q --no-install-recommends "rasdaemon=$VERSION"
rm -rf /tmp/rasdaemon
mkdir -p /tmp/rasdaemon
cd /tmp/rasdaemon
apt-get source -q "rasdaemon=$VERSION"
cd rasdaemon-0.8.4/
grep -q 'check_event_exist' ras-events.c
{
	echo "rasdaemon ($VERSION$LOCAL) trixie; urgency=medium"
	echo
	echo "  * Rebuilt for trixie: 0.8.4 skips tracepoints the kernel lacks instead"
	echo "    of waiting 30 s for each before recording starts."
	echo
	echo " -- xen-ras-rs developers <xen-ras-rs@users.noreply.github.com>  $(date -R)"
	echo
	cat debian/changelog
} >debian/changelog.new
mv debian/changelog.new debian/changelog
dpkg-buildpackage -b -uc -us
cd ..
apt-get install -y -q --no-install-recommends ./rasdaemon_"$VERSION$LOCAL"_amd64.deb
cd /
rm -rf /tmp/rasdaemon /etc/apt/sources.list.d/forky-src.list
# The build dependencies go again (apt's builddeps:rasdaemon package).
apt-get purge -y -q 'builddeps:rasdaemon' || true
apt-get autoremove -y -q
apt-get update -qq
dpkg-query -W rasdaemon
