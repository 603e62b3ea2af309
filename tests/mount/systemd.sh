#!/usr/bin/env bash
# The systemd unit template: it passes systemd-analyze, and its ExecStart,
# run as systemd would with an instance's /etc/mdevfs/NAME.conf, mounts
# the configured tree and unmounts on SIGTERM with status 0.
# usage: systemd.sh UNIT_FILE BUILD_DIR
set -u
unit=$1 build=$2

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

work=$(mktemp -d /tmp/mdevfs-unit.XXXXXX) || fail mktemp
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; grep -q " $work/mnt " /proc/self/mounts &&
	umount -l "$work/mnt"; rm -rf "$work"' EXIT

installed=$(sed -n 's|^ExecStart=\([^ ]*\)/mdevfs .*|\1|p' "$unit")
[ -n "$installed" ] || fail "no ExecStart running mdevfs in $unit"
sed "s|$installed/mdevfs|$build/mdevfs|" "$unit" > "$work/mdevfs@.service"
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify --man=no "$work/mdevfs@.service" 2>&1) ||
		fail "systemd-analyze verify: $out"
fi

[ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse unusable"
cat > "$work/test.conf" <<EOT
MOUNTPOINT=$work/mnt
OPTIONS="-b mtty --profile=6.1"
EOT
# What systemd does: read the environment file, expand, exec.
start=$(sed -n 's/^ExecStart=//p' "$work/mdevfs@.service")
pre=$(sed -n 's/^ExecStartPre=//p' "$work/mdevfs@.service")
(set -a; . "$work/test.conf"; eval "$pre") || fail "ExecStartPre"
(set -a; . "$work/test.conf"; eval "exec $start") 2>"$work/log" &
pid=$!
for i in $(seq 100); do
	grep -q " $work/mnt fuse.mdevfs " /proc/self/mounts && break
	sleep 0.05
done
grep -q " $work/mnt fuse.mdevfs " /proc/self/mounts || fail "not mounted: $(cat "$work/log")"
[ -d "$work/mnt/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1" ] ||
	fail "configured backend missing"
kill -TERM $pid
wait $pid || fail "exit status $? after SIGTERM"
pid=
grep -q " $work/mnt " /proc/self/mounts && fail "still mounted after SIGTERM"
echo "systemd: 1 passed, 0 failed"
