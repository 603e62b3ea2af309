#!/usr/bin/env bash
# A request the caller gives up on (a signal, FUSE_INTERRUPT) does not
# wedge it: a create held up by an injected 20 s delay returns EINTR about
# when the alarm fires, leaves no device, and the daemon stays healthy.
# usage: interrupt.sh MDEVFS MDEVFS_CTL INTERRUPT_WRITE [MOUNT_OPTION]
set -u
mdevfs=$1 ctl=$2 iw=$3 opt=${4:-}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse unusable"
work=$(mktemp -d /tmp/mdevfs-intr.XXXXXX) || fail mktemp
trap 'grep -q " $work/mnt " /proc/self/mounts && fusermount3 -u -z "$work/mnt"; rm -rf "$work"' EXIT
mkdir "$work/mnt"
"$mdevfs" --control="$work/ctl.sock" ${opt:+-o "$opt"} "$work/mnt" || fail mount
T=$work/mnt/devices/virtual/mtty/mtty/mdev_supported_types
U=77777777-2222-4333-8444-555555555555

"$ctl" --socket="$work/ctl.sock" fault create mtty-1 delay=20000 || fail "fault"
out=$("$iw" "$T/mtty-1/create" "$U" 1)
case "$out" in
"errno=EINTR seconds=1"|"errno=EINTR seconds=2") ;;
*) fail "interrupted create: $out" ;;
esac
[ -e "$work/mnt/bus/mdev/devices/$U" ] && fail "the interrupted create left a device"
[ "$(cat "$T/mtty-1/available_instances")" = 24 ] || fail "counter moved"
echo "$U" > "$T/mtty-1/create" || fail "create after the interruption"
echo 1 > "$work/mnt/bus/mdev/devices/$U/remove" || fail remove
fusermount3 -u "$work/mnt" || fail unmount
echo "interrupt: 1 passed, 0 failed"
