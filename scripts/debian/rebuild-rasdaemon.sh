#!/bin/sh
# Run inside the trixie root filesystem (scripts/build-debian-rootfs.sh
# base): rebuild trixie's rasdaemon with one upstream fix, as an operator
# would until Debian ships it, under a local version, and install it.
#
# rasdaemon 0.8.3 opens each tracepoint's format file through
# wait_access(), which polls 30000 times with usleep(1000) (meant for files
# that appear late in its freshly created tracing instance), and it does so
# for tracepoints the kernel does not have at all, one after the other,
# before it opens its database: until then `ras-mc-ctl --errors` fails with
# "no such table: mc_event". Debian's own kernel lacks the 8 cxl events
# unless cxl_core is loaded (4 minutes); the test kernel also lacks devlink
# and extlog (10 events), and one usleep(1000) in its dom0 under TCG takes
# 23 ms (measured), so recording would start about two hours after boot.
# Upstream 0.8.4 skips an event whose directory is absent ("rasdaemon: skip
# doesn't exist event"); this does the same (the kernel's own events
# directory, which every tracing instance mirrors).
set -eu
LOCAL=+xenras1
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -q --no-install-recommends dpkg-dev
apt-get build-dep -y -q --no-install-recommends rasdaemon
rm -rf /tmp/rasdaemon
mkdir -p /tmp/rasdaemon
cd /tmp/rasdaemon
apt-get source -q rasdaemon
cd rasdaemon-*/
f=ras-events.c
[ "$(grep -c 'snprintf(fname, sizeof(fname), "events/%s/%s/format", group, event);' $f)" = 1 ] || {
	echo "rebuild-rasdaemon: $f changed: the fix needs a new look" >&2
	exit 1
}
awk '
/snprintf\(fname, sizeof\(fname\), "events\/%s\/%s\/format", group, event\);/ {
	print "\t/* xen-ras-rs: skip an event this kernel lacks (as upstream 0.8.4) */"
	print "\tsnprintf(fname, sizeof(fname), \"%s/tracing/events/%s/%s\", ras->debugfs, group, event);"
	print "\tif (access(fname, F_OK) != 0) {"
	print "\t\tlog(ALL, LOG_INFO, \"%s:%s not in this kernel: skipped\\n\", group, event);"
	print "\t\treturn EVENT_DISABLED;"
	print "\t}"
}
{ print }' $f >$f.new
mv $f.new $f
grep -q 'not in this kernel: skipped' $f
v=$(dpkg-parsechangelog -SVersion)
{
	echo "rasdaemon ($v$LOCAL) trixie; urgency=medium"
	echo
	echo "  * Skip tracepoints the kernel lacks instead of waiting 30 s for each"
	echo "    before recording starts (as upstream 0.8.4)."
	echo
	echo " -- xen-ras-rs developers <xen-ras-rs@users.noreply.github.com>  $(date -R)"
	echo
	cat debian/changelog
} >debian/changelog.new
mv debian/changelog.new debian/changelog
dpkg-buildpackage -b -uc -us
cd ..
apt-get install -y -q --no-install-recommends ./rasdaemon_*"$LOCAL"_amd64.deb
# Keep the local build until trixie's own version has the fix.
apt-mark hold rasdaemon
cd /
rm -rf /tmp/rasdaemon
# The build dependencies go again (apt's builddeps:rasdaemon package).
apt-get purge -y -q 'builddeps:rasdaemon' || true
apt-get autoremove -y -q
dpkg-query -W rasdaemon
