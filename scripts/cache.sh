# Sourced by the scripts that keep build outputs in the machine-wide cache
# ($XENRAS_CACHE): one entry is a directory holding FILE, finished when its
# .stamp exists; the clone's build/ path is a symlink to FILE.
# shellcheck shell=bash

# cache_use ENTRY FILE LINK WHO: if ENTRY is finished, link LINK to
# ENTRY/FILE, say so and exit 0; otherwise take ENTRY's lock (one builder at
# a time, other clones wait), look again, and return with the lock held.
cache_use() {
	local entry=$1 file=$2 link=$3 who=$4
	if [ -f "$entry/.stamp" ] && [ -f "$entry/$file" ]; then
		mkdir -p "$(dirname "$link")"
		ln -sfn "$entry/$file" "$link"
		echo "$who: from the cache ($entry)"
		exit 0
	fi
	mkdir -p "$(dirname "$entry")"
	exec 9>"$entry.lock"
	flock 9
	if [ -f "$entry/.stamp" ] && [ -f "$entry/$file" ]; then
		cache_use "$@"
	fi
	# An unfinished entry (no stamp) is never trusted.
	rm -rf "$entry"
	mkdir -p "$entry"
}

# cache_done ENTRY FILE LINK WHO [PRUNE-GLOB]: stamp ENTRY, link LINK to
# it, and remove the other entries matching PRUNE-GLOB (older keys).
cache_done() {
	local entry=$1 file=$2 link=$3 who=$4 glob=${5:-}
	date -u +%FT%TZ >"$entry/.stamp"
	mkdir -p "$(dirname "$link")"
	ln -sfn "$entry/$file" "$link"
	[ -n "$glob" ] || return 0
	for old in $glob; do
		[ "$old" = "$entry" ] || [ ! -d "$old" ] || { echo "$who: pruning $old"; rm -rf "$old" "$old.lock"; }
	done
}
# apt_private NAME SUITE: a private apt configuration for Debian's SUITE
# (the system's sources are left alone), state under $XENRAS_CACHE/NAME; sets
# the array APT_OPTS for apt-get and fetches the package lists.
apt_private() {
	local apt="$XENRAS_CACHE/$1"
	mkdir -p "$apt/lists/partial" "$apt/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $2 main" \
		>"$apt/sources.list"
	APT_OPTS=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache::Archives=$apt/archives"
		-o APT::Sandbox::User=root)
	apt-get "${APT_OPTS[@]}" -qq update
}
