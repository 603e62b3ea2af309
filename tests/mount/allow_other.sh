#!/usr/bin/env bash
# Security defaults: without allow_other only the mount's owner sees the
# tree; with it, default_permissions makes the kernel enforce the modes,
# so another user can read attributes but not create or remove devices.
# usage: allow_other.sh MDEVFS
set -u
mdevfs=$1

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root to act as another user"
[ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse unusable"
command -v setpriv >/dev/null || fail "setpriv (util-linux) missing"
work=$(mktemp -d /tmp/mdevfs-perm.XXXXXX) || fail mktemp
chmod 755 "$work"
trap 'grep -q " $work/mnt " /proc/self/mounts && umount -l "$work/mnt"; rm -rf "$work"' EXIT
mkdir "$work/mnt"
T=$work/mnt/devices/virtual/mtty/mtty/mdev_supported_types
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

"$mdevfs" "$work/mnt" || fail mount
opts=$(grep " $work/mnt fuse.mdevfs " /proc/self/mounts | cut -d' ' -f4)
case ",$opts," in *,allow_other,*) fail "allow_other without asking: $opts";; esac
as_nobody cat "$T/mtty-1/available_instances" >/dev/null 2>&1 &&
	fail "another user could read a private mount"
umount "$work/mnt" || fail umount

"$mdevfs" -o allow_other "$work/mnt" || fail "mount -o allow_other"
opts=$(grep " $work/mnt fuse.mdevfs " /proc/self/mounts | cut -d' ' -f4)
case ",$opts," in *,default_permissions,*) ;; *) fail "no default_permissions: $opts";; esac
[ "$(as_nobody cat "$T/mtty-1/available_instances")" = 24 ] ||
	fail "another user cannot read attributes"
U=55555555-2222-4333-8444-555555555555
as_nobody sh -c "echo $U > $T/mtty-1/create" 2>/dev/null &&
	fail "another user created a device"
[ -e "$work/mnt/bus/mdev/devices/$U" ] && fail "device exists"
echo $U > "$T/mtty-1/create" || fail "the owner cannot create"
as_nobody sh -c "echo 1 > $work/mnt/bus/mdev/devices/$U/remove" 2>/dev/null &&
	fail "another user removed a device"
# Root still gets the kernfs EACCES for a read of a write-only file.
cat "$T/mtty-1/create" 2>/dev/null && fail "root read create"
echo 1 > "$work/mnt/bus/mdev/devices/$U/remove" || fail "owner remove"
umount "$work/mnt" || fail umount

# A PCI function's config: the machine's administrator (root here) reads
# all 4096 bytes, another user the first 64, as on a real host.
"$mdevfs" -o allow_other -b nvidia:board=t4 "$work/mnt" || fail "mount nvidia"
config=$work/mnt/bus/pci/devices/0000:3b:00.0/config
[ "$(wc -c < "$config")" -eq 4096 ] || fail "root reads $(wc -c < "$config") bytes of config"
[ "$(as_nobody sh -c "wc -c < $config")" -eq 64 ] ||
	fail "another user reads $(as_nobody sh -c "wc -c < $config") bytes of config"
cmp -n 64 "$config" <(as_nobody cat "$config") || fail "the first 64 bytes differ"
umount "$work/mnt" || fail umount
echo "allow_other: 3 passed, 0 failed"
