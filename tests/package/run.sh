#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages as a user gets them: build mdevfs and mdevfs-dev
# from a copy of the tree with dpkg-buildpackage, lint them, install them
# with apt-get, use everything from the installed paths only (PATH holds
# no build directory), then purge them and check that nothing is left.
#
# This CHANGES THE MACHINE: it installs packages system-wide and purges
# them again.  .ci/run runs it last, after every other suite, so no other
# test ever sees an installed mdevfs.  Packages of mdevfs already
# installed when it starts are purged first.
#
# usage: tests/package/run.sh [SOURCE_DIR]      (as root, or with sudo)
# Prints one line per step and "package: N passed, 0 failed" at the end;
# exits 1 on the first failure, 77 when /dev/fuse cannot be used (then the
# mount steps are skipped, and the build, lint, install and purge still
# run).
set -u

src=$(cd "${1:-$(dirname "$(readlink -f "$0")")/../..}" && pwd) || exit 1
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null && exec sudo -- bash "$0" "$src"
	echo "FAIL [package]: must run as root (it installs packages), and sudo is missing" >&2
	exit 1
fi
# shellcheck source=../mount/lib.sh
. "$src/tests/mount/lib.sh"        # mounted, fuse_unusable

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C DEBIAN_FRONTEND=noninteractive
unset MDEVFS_CONTROL
packages=(mdevfs mdevfs-dev)
apt_opts=(-y -q -o DPkg::Lock::Timeout=120)

passes=0
work=$(mktemp -d /tmp/mdevfs-package.XXXXXX) || exit 1
chmod 755 "$work"
mnt=$work/sys
plugin_installed=

say() { printf 'package: %s\n' "$*"; }
ok() { passes=$((passes + 1)); say "ok   $*"; }
fail() { echo "FAIL [package]: $*" >&2; exit 1; }
# log FILE CMD...: run CMD with its output in FILE, shown on failure.
log() {
	local f=$1; shift
	"$@" >"$f" 2>&1 && return 0
	tail -n 40 "$f" >&2
	return 1
}
# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}
not() { ! "$@"; }
installed() { dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qx installed; }
# Is any of the packages known to dpkg beyond "not installed" (config
# files left count)?
any_installed() {
	local p s
	for p in "${packages[@]}"; do
		s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) || continue
		[ "${s:1:1}" != n ] && return 0
	done
	return 1
}
# Daemons running the packaged binary (the packages are the only owner of
# /usr/bin/mdevfs; daemons of build trees elsewhere are not ours).
packaged_daemons() {
	local p exe
	for p in /proc/[0-9]*; do
		exe=$(readlink "$p/exe" 2>/dev/null) || continue
		[[ $exe == /usr/bin/mdevfs || $exe == "/usr/bin/mdevfs (deleted)" ]] &&
			echo "${p#/proc/}"
	done
}
no_daemons() { [ -z "$(packaged_daemons)" ]; }
unmount_all() {
	local m
	for m in $(awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/self/mounts | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || fusermount3 -u -z "$m" 2>/dev/null
	done
}
purge() {
	timeout 300 apt-get purge "${apt_opts[@]}" "${packages[@]}" >"$work/purge.log" 2>&1
}

cleanup() {
	local rc=$? p
	trap - EXIT
	unmount_all
	for p in $(packaged_daemons); do kill -TERM "$p" 2>/dev/null; done
	[ -n "$plugin_installed" ] && rm -f "$plugin_installed"
	if any_installed; then
		say "cleanup: purging ${packages[*]}"
		purge || cat "$work/purge.log" >&2
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in dpkg-buildpackage dh lintian apt-get git; do
	command -v "$tool" >/dev/null ||
		fail "$tool missing (.ci/install-deps installs the packaging tools)"
done
if any_installed; then
	say "a previous install of ${packages[*]} is here: purging it first"
	purge || { cat "$work/purge.log" >&2; fail "purging the previous install"; }
fi

# --- Build, from a copy of the tree (tracked and new files, not ignored
# ones), so the packages land in $work and nothing in the tree changes.
t0=$SECONDS
copy=$work/mdevfs
mkdir "$copy"
git -C "$src" ls-files -z --cached --others --exclude-standard >"$work/files" ||
	fail "git ls-files in $src"
tar -C "$src" --null --ignore-failed-read -T "$work/files" -cf - 2>/dev/null |
	tar -C "$copy" -xf - || fail "copying the tree"
# nocheck: the suite itself ran earlier in .ci/run.
opts="nocheck noautodbgsym parallel=$(nproc)"
(cd "$copy" && export DEB_BUILD_OPTIONS="$opts" &&
	log "$work/build.log" timeout 900 dpkg-buildpackage -b -us -uc) ||
	fail "dpkg-buildpackage (log above)"
version=$(cd "$copy" && dpkg-parsechangelog -S Version) || fail "dpkg-parsechangelog"
arch=$(dpkg --print-architecture)
debs=()
for p in "${packages[@]}"; do
	debs+=("$work/${p}_${version}_$arch.deb")
	[ -f "${debs[-1]}" ] || fail "dpkg-buildpackage made no ${debs[-1]##*/}"
done
ok "built ${debs[*]##*/} in $((SECONDS - t0)) s"

# Whatever an in-tree dpkg-buildpackage leaves must be ignored by git.
(cd "$copy" && find . -path ./.git -prune -o -type f -print | sed 's|^\./||') |
	sort >"$work/after"
tr '\0' '\n' <"$work/files" | sort >"$work/before"
comm -13 "$work/before" "$work/after" >"$work/made"
git -C "$src" check-ignore --no-index --stdin -v -n <"$work/made" |
	awk -F'\t' '$1 == "::" { print $2 }' >"$work/seen"
[ ! -s "$work/seen" ] ||
	fail "dpkg-buildpackage leaves files git would see (add them to .gitignore): $(head -5 "$work/seen" | tr '\n' ' ')"
ok "the build output in the tree ($(wc -l <"$work/made") files) is all git-ignored"

# --- Lint: no error; warnings and the rest are shown.
timeout 300 lintian --fail-on error --display-info --tag-display-limit 0 \
	"$work/mdevfs_${version}_$arch.changes" >"$work/lintian.log" 2>&1
rc=$?
grep -v '^running with root privileges' "$work/lintian.log" | sed 's/^/  lintian: /'
[ "$rc" -eq 0 ] || fail "lintian exit status $rc (errors above)"
ok "lintian: no errors, $(grep -c '^[WIPX]: ' "$work/lintian.log") other tags (listed above)"

# --- Install, with apt resolving the dependencies.
log "$work/install.log" timeout 300 apt-get install "${apt_opts[@]}" "${debs[@]}" ||
	fail "apt-get install"
for p in "${packages[@]}"; do
	installed "$p" || fail "$p is not installed after apt-get install"
done
dpkg -L "${packages[@]}" | sort -u >"$work/owned"
hash -r
[ "$(command -v mdevfs)" = /usr/bin/mdevfs ] || fail "mdevfs on PATH is $(command -v mdevfs)"
export PKG_CONFIG_PATH=
plugindir=$(pkg-config --variable=plugindir mdevfs) || fail "pkg-config finds no mdevfs.pc"
plugindir=$(readlink -f "$plugindir")
[ "$plugindir" = "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/mdevfs/backends" ] ||
	fail "plugindir is $plugindir"
[ -f "$plugindir/mtty.so" ] || fail "no mtty.so in $plugindir"
abi=$(pkg-config --variable=plugin_abi mdevfs)
[ "$(sed -n 's/^#define MDEVFS_PLUGIN_ABI_VERSION //p' /usr/include/mdevfs/mdev.h)" = "$abi" ] ||
	fail "plugin_abi $abi in mdevfs.pc differs from /usr/include/mdevfs/mdev.h"
[ "$(pkg-config --modversion mdevfs)" = "$version" ] || fail "mdevfs.pc version"
v=$(mdevfs --version) || fail "mdevfs --version"
[ "$v" = "mdevfs $version (plugin ABI $abi)" ] || fail "mdevfs --version says '$v'"
[ "$(mdevfs-run --version)" = "mdevfs-run $version" ] || fail "mdevfs-run --version"
ok "installed: $v, backends in $plugindir"

# --- Everything below mounts; only an unusable /dev/fuse skips it.
if why=$(fuse_unusable); then
	say "SKIP the mount steps: /dev/fuse unusable: $why"
	skipped=1
else
	skipped=
fi

if [ -z "$skipped" ]; then
	# The README's walkthrough.
	mkdir "$mnt"
	log "$work/daemon.log" timeout 30 mdevfs "$mnt" || fail "mdevfs $mnt"
	wait_for 10 mounted "$mnt" fuse.mdevfs || fail "no fuse.mdevfs mount at $mnt"
	T=$mnt/devices/virtual/mtty/mtty/mdev_supported_types
	[ "$(cat "$T/mtty-2/available_instances")" = 12 ] || fail "mtty-2 available_instances"
	U=$(uuidgen 2>/dev/null || cat /proc/sys/kernel/random/uuid)
	echo "$U" >"$T/mtty-2/create" || fail "create $U"
	[ "$(readlink "$mnt/bus/mdev/devices/$U")" = "../../../devices/virtual/mtty/mtty/$U" ] ||
		fail "bus/mdev/devices/$U"
	[ "$(cat "$T/mtty-1/available_instances")" = 22 ] || fail "mtty-1 available_instances"
	if (echo "$U" >"$T/mtty-1/create") 2>"$work/err"; then
		fail "a second create of $U succeeded"
	fi
	grep -q "File exists" "$work/err" || fail "second create: $(cat "$work/err"), want EEXIST"
	# mdevfs-record reads the tree as it would a real /sys.
	mkdir "$work/root" && ln -s "$mnt" "$work/root/sys"
	mdevfs-record --root="$work/root" -o "$work/host.conf" 2>"$work/err" ||
		fail "mdevfs-record: $(cat "$work/err")"
	echo 1 >"$mnt/bus/mdev/devices/$U/remove" || fail "remove $U"
	[ ! -e "$mnt/bus/mdev/devices/$U" ] || fail "$U still there after remove"
	fusermount3 -u "$mnt" || fail "fusermount3 -u"
	wait_for 10 not mounted "$mnt" || fail "still mounted after fusermount3 -u"
	ok "walkthrough: mdevfs MOUNTPOINT, create, duplicate EEXIST, remove, fusermount3 -u"

	# The recorded host, replayed by the keyfile backend, through mount(8)
	# and mount.fuse3, which find /usr/bin/mdevfs for the type fuse.mdevfs.
	timeout 30 mount -t fuse.mdevfs mdevfs "$mnt" \
		-o "backend=keyfile:$work/host.conf,profile=5.15" 2>"$work/err" ||
		fail "mount -t fuse.mdevfs: $(cat "$work/err")"
	mounted "$mnt" fuse.mdevfs || fail "mount -t fuse.mdevfs: no mount"
	[ -d "$mnt/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2" ] ||
		fail "the recorded mtty parent is not replayed: $(ls "$mnt/class/mdev_bus")"
	umount "$mnt" || fail "umount"
	wait_for 10 not mounted "$mnt" || fail "still mounted after umount"
	cat >"$work/fstab" <<-EOT
	mdevfs $mnt fuse.mdevfs noauto,backend=mtty,backend=mdpy:count=2 0 0
	EOT
	timeout 30 mount --fstab "$work/fstab" "$mnt" || fail "mount from an fstab line"
	[ "$(ls "$mnt/class/mdev_bus" | tr '\n' ' ')" = "mdpy mtty " ] ||
		fail "fstab line: parents $(ls "$mnt/class/mdev_bus" | tr '\n' ' ')"
	umount "$mnt" || fail "umount"
	wait_for 10 not mounted "$mnt" || fail "still mounted after umount"
	ok "mount -t fuse.mdevfs (keyfile from mdevfs-record) and an fstab line"

	# mdevctl, unmodified, through mdevfs-run; mdevfs-ctl on its socket.
	command -v mdevctl >/dev/null || fail "mdevctl missing (.ci/install-deps installs it)"
	out=$(timeout 120 mdevfs-run -b mtty -- sh -c '
		mdevctl start -p mtty -t mtty-2 >/dev/null && mdevctl list &&
		mdevfs-ctl -s "$MDEVFS_CONTROL" backends' 2>&1) ||
		fail "mdevfs-run -b mtty -- mdevctl list: $out"
	printf '%s\n' "$out" | grep -Eq '^[0-9a-f-]{36} mtty mtty-2 manual' ||
		fail "mdevctl list shows no started mtty-2 device: $out"
	printf '%s\n' "$out" | grep -qw mtty || fail "mdevfs-ctl backends: $out"
	ok "mdevfs-run -b mtty -- mdevctl start, mdevctl list, mdevfs-ctl backends"

	# An out-of-tree backend from the installed example's source, built with
	# pkg-config alone, installed where the daemon looks and loaded by name.
	cp -r /usr/share/doc/mdevfs-dev/examples/hello "$work/hello" || fail "no example source"
	# shellcheck disable=SC2046
	(cd "$work/hello" && log "$work/cc.log" cc -O2 -Wall -Wextra -Werror -fPIC \
		-fvisibility=hidden -shared -o hello.so hello.c \
		$(pkg-config --cflags --libs mdevfs)) || fail "building the example backend"
	plugin_installed=$plugindir/hello.so
	install -m 0644 "$work/hello/hello.so" "$plugin_installed" || fail "installing hello.so"
	timeout 30 mdevfs -b hello -b mtty "$mnt" 2>"$work/err" || fail "mdevfs -b hello: $(cat "$work/err")"
	wait_for 10 mounted "$mnt" fuse.mdevfs || fail "no mount with -b hello"
	H=$mnt/devices/virtual/hello/hello0/mdev_supported_types/hello-1
	U=$(cat /proc/sys/kernel/random/uuid)
	echo "$U" >"$H/create" || fail "create on hello-1"
	[ "$(cat "$mnt/bus/mdev/devices/$U/hello/greeting")" = hello ] || fail "hello greeting"
	[ -d "$mnt/class/mdev_bus/mtty" ] || fail "mtty missing beside hello"
	fusermount3 -u "$mnt" || fail "fusermount3 -u"
	wait_for 10 not mounted "$mnt" || fail "still mounted after fusermount3 -u"
	rm -f "$plugin_installed" && plugin_installed=
	ok "example backend built with pkg-config --cflags --libs mdevfs, loaded as -b hello"
fi

# --- Purge, and nothing may be left.
wait_for 10 no_daemons || fail "daemons still running: $(packaged_daemons)"
purge || { cat "$work/purge.log" >&2; fail "apt-get purge"; }
any_installed && fail "still known to dpkg after purge: $(dpkg -l "${packages[@]}" | grep '^[a-z]')"
left=$(while read -r f; do
	# Directories the packages share with others (/usr/bin, /lib, which
	# may be a link to usr/lib) stay, and should; their own are below.
	[ -d "$f" ] && continue
	[ -e "$f" ] || [ -L "$f" ] && echo "$f"
done <"$work/owned")
[ -z "$left" ] || fail "left after purge: $left"
while read -r d; do
	[ -d "$d" ] && fail "directory left after purge: $d"
done < <(grep mdevfs "$work/owned")
# A mount of ours is under $work or served by the packaged daemon; others
# (a build tree's tests running beside this one) are not ours to judge.
mine=$(awk -v w="$work/" '$3 == "fuse.mdevfs" && index($2, w) == 1' /proc/mounts)
[ -z "$mine" ] || fail "an mdevfs mount is left: $mine"
no_daemons || fail "the packaged daemon still runs after purge: $(packaged_daemons)"
enabled=$(find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled \
	-name 'mdevfs*' 2>/dev/null)
[ -z "$enabled" ] || fail "unit state left: $enabled"
if command -v systemctl >/dev/null; then
	units=$(systemctl --root=/ list-unit-files --no-legend --state=enabled \
		'mdevfs*' 2>/dev/null)
	[ -z "$units" ] || fail "enabled after purge: $units"
fi
ok "purged: the $(wc -l <"$work/owned") paths dpkg -L listed are gone (shared directories aside), no mount, no unit enabled"

if [ -n "$skipped" ]; then
	say "$passes passed, 0 failed (mount steps skipped: /dev/fuse unusable)"
	exit 77
fi
echo "package: $passes passed, 0 failed"
