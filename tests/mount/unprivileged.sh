#!/usr/bin/env bash
# mdevfs as an ordinary user: the mount goes through fusermount3 and the
# user creates and removes devices.  As root the test makes a private
# mount namespace whose /dev/fuse the user "nobody" may open, and runs the
# daemon and the session as nobody; as another user it runs as itself.
# usage: unprivileged.sh MDEVFS PLUGIN_DIR [MOUNT_OPTION]
set -u
mdevfs=$1 plugins=$2 opt=${3:-}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

work=$(mktemp -d /tmp/mdevfs-unpriv.XXXXXX) || fail "mktemp"
cleanup() {
	fusermount3 -u -z "$work/mnt" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
mkdir "$work/mnt" "$work/backends"
cp "$mdevfs" "$work/mdevfs" && cp "$plugins"/*.so "$work/backends/" || fail "copy"
chmod -R a+rX "$work"

# The session, run as the unprivileged user.  $1 = mount point.
session='
	set -u
	M=$1 D=$2 O=$3
	fail() { echo "FAIL: $*" >&2; exit 1; }
	"$D/mdevfs" --plugin-dir="$D/backends" ${O:+-o "$O"} "$M" ||
		fail "mount as $(id -un)"
	grep -q " $M fuse.mdevfs .*user_id=$(id -u)," /proc/self/mounts ||
		fail "no fuse.mdevfs mount owned by uid $(id -u)"
	T=$M/devices/virtual/mtty/mtty/mdev_supported_types
	[ "$(cat $T/mtty-2/available_instances)" = 12 ] || fail "available"
	[ "$(stat -c "%u %a" $T/mtty-2/create)" = "$(id -u) 200" ] ||
		fail "create owner/mode: $(stat -c "%u %a" $T/mtty-2/create)"
	# As from sysfs, a mode the file lacks is refused at open.
	( exec 3>"$T/mtty-2/available_instances" ) 2>/dev/null &&
		fail "opened a read-only attribute for writing"
	( exec 3<"$T/mtty-2/create" ) 2>/dev/null &&
		fail "opened a write-only attribute for reading"
	U=$(cat /proc/sys/kernel/random/uuid)
	echo $U > $T/mtty-2/create || fail "create as $(id -un)"
	[ "$(readlink $M/bus/mdev/devices/$U)" = \
	  "../../../devices/virtual/mtty/mtty/$U" ] || fail "bus link"
	[ "$(cat $T/mtty-1/available_instances)" = 22 ] || fail "pool"
	echo 1 > $M/bus/mdev/devices/$U/remove || fail "remove"
	[ ! -e $M/bus/mdev/devices/$U ] || fail "device still there"
	fusermount3 -u "$M" || fail "fusermount3 -u"
	for i in $(seq 50); do pgrep -f "$D/mdevfs" >/dev/null || exit 0; sleep 0.1; done
	fail "daemon did not exit after unmount"
'

if [ "$(id -u)" -ne 0 ]; then
	[ -r /dev/fuse ] && [ -w /dev/fuse ] ||
		skip "/dev/fuse unusable: no read/write access for $(id -un)"
	bash -c "$session" session "$work/mnt" "$work" "$opt"
	exit $?
fi

command -v setpriv >/dev/null || fail "setpriv (util-linux) missing"
chown nobody "$work/mnt"
unshare -m --propagation private bash -c '
	work=$1 session=$2 opt=$3
	mknod "$work/fuse" c 10 229 2>/dev/null && chmod 666 "$work/fuse" &&
		mount --bind "$work/fuse" /dev/fuse || exit 77
	exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
		bash -c "$session" session "$work/mnt" "$work" "$opt"
' setup "$work" "$session" "$opt"
rc=$?
[ $rc -eq 77 ] && skip "/dev/fuse unusable: cannot give user nobody a private /dev/fuse"
exit $rc
