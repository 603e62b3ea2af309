#!/usr/bin/env bash
# The usual ways to mount: `mount -t fuse.mdevfs` (through mount.fuse3,
# with every option spelled -o) and an /etc/fstab-style line.
# usage: fstab.sh BUILD_DIR
set -u
build=$1

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "mount(8) with a fuse type needs root here"
[ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse unusable"
command -v mount.fuse3 >/dev/null || fail "mount.fuse3 missing (package fuse3)"

if [ -n "${MDEVFS_FSTAB_INNER:-}" ]; then
	work=$MDEVFS_FSTAB_INNER
	trap 'grep -q " $work/mnt " /proc/self/mounts && umount -l "$work/mnt"' EXIT
else
	work=$(mktemp -d /tmp/mdevfs-fstab.XXXXXX) || fail mktemp
	trap 'rm -rf "$work"' EXIT
fi
if [ -z "${MDEVFS_FSTAB_INNER:-}" ]; then
	mkdir "$work/mnt" "$work/bin"
	ln -s "$build/mdevfs" "$work/bin/mdevfs"
fi

# mount.fuse3 runs "mdevfs none DIR -o OPTIONS" from a fixed PATH, so the
# rest runs in a private mount namespace where /usr/local/bin holds the
# mdevfs under test; the host sees none of it.
if [ -z "${MDEVFS_FSTAB_INNER:-}" ]; then
	MDEVFS_FSTAB_INNER=$work unshare -m --propagation private bash -c '
		mount --bind "$MDEVFS_FSTAB_INNER/bin" /usr/local/bin &&
		exec bash "$0" "$1"' "$0" "$build" || exit $?
	exit 0
fi

mount -t fuse.mdevfs none "$work/mnt" \
	-o backend=mtty,profile=5.15,cache_timeout=5 || fail "mount -t fuse.mdevfs"
grep -q " $work/mnt fuse.mdevfs " /proc/self/mounts || fail "not mounted"
# The 5.15 profile shows mtty's parent attribute group.
[ "$(cat "$work/mnt/devices/virtual/mtty/mtty/mtty_dev/sample_mtty_dev")" = \
  "This is phy device" ] || fail "-o profile=5.15 not applied"
umount "$work/mnt" || fail umount

cat > "$work/fstab" <<EOT
# A line as it would stand in /etc/fstab.
mdevfs $work/mnt fuse.mdevfs noauto,nofail,backend=mtty,backend=mdpy:count=2 0 0
EOT
mount --fstab "$work/fstab" "$work/mnt" || fail "mount from the fstab line"
[ "$(ls "$work/mnt/class/mdev_bus" | tr '\n' ' ')" = "mdpy mtty " ] ||
	fail "fstab backends: $(ls "$work/mnt/class/mdev_bus")"
[ "$(cat "$work/mnt/devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-vga/available_instances")" = 2 ] ||
	fail "backend arguments through -o"
umount "$work/mnt" || fail umount
echo "fstab: 2 passed, 0 failed"
