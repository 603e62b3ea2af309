#!/usr/bin/env bash
# udev events in a private network namespace: creating and removing a
# device sends add/bind and unbind/remove, and a parent's registration
# the MDEV_STATE change, in libudev's format.  In the host namespace the
# daemon refuses to start with --uevents.
# usage: uevents.sh MDEVFS LISTENER
set -u
mdevfs=$1 listen=$2

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root for unshare -n here"
[ -r /dev/fuse ] && [ -w /dev/fuse ] || skip "/dev/fuse unusable"
work=$(mktemp -d /tmp/mdevfs-uevent.XXXXXX) || fail mktemp
trap 'grep -q " $work/mnt " /proc/self/mounts && umount -l "$work/mnt"; rm -rf "$work"' EXIT
mkdir "$work/mnt"

if "$mdevfs" --uevents "$work/mnt" 2>"$work/err"; then
	fusermount3 -u "$work/mnt"
	fail "--uevents was accepted in the host network namespace"
fi
grep -q "refusing to send udev events" "$work/err" || fail "refusal: $(cat "$work/err")"

unshare -n bash -c '
	set -u
	mdevfs=$1 listen=$2 work=$3
	fail() { echo "FAIL: $*" >&2; exit 1; }
	"$listen" 10 5000 > "$work/events" &
	lpid=$!
	for i in $(seq 50); do grep -q listening "$work/events" 2>/dev/null && break; sleep 0.05; done
	"$mdevfs" -f --uevents "$work/mnt" 2>"$work/log" &
	dpid=$!
	for i in $(seq 100); do grep -q " $work/mnt fuse.mdevfs " /proc/self/mounts && break; sleep 0.05; done
	U=44444444-2222-4333-8444-555555555555
	echo $U > "$work/mnt/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/create" || fail create
	echo 1 > "$work/mnt/bus/mdev/devices/$U/remove" || fail remove
	kill -TERM $dpid; wait $dpid || fail "daemon exit $?"
	wait $lpid || fail "listener got too few events: $(cat "$work/events")"
' bash "$mdevfs" "$listen" "$work" || exit 1

U=44444444-2222-4333-8444-555555555555
D=/devices/virtual/mtty/mtty
expect() {
	grep -qx -- "$1" <(sed 's/ SEQNUM=[0-9]* USEC_INITIALIZED=[0-9]*$//' "$work/events") ||
		fail "missing event: $1 (got: $(cat "$work/events"))"
}
expect "ACTION=add DEVPATH=$D SUBSYSTEM=mtty"
expect "ACTION=change DEVPATH=$D SUBSYSTEM=mtty MDEV_STATE=registered"
expect "ACTION=add DEVPATH=$D/$U SUBSYSTEM=mdev"
expect "ACTION=add DEVPATH=$D/$U/vfio-dev/vfio0 SUBSYSTEM=vfio-dev MAJOR=511 MINOR=0 DEVNAME=vfio/devices/vfio0"
expect "ACTION=bind DEVPATH=$D/$U SUBSYSTEM=mdev DRIVER=mtty"
expect "ACTION=unbind DEVPATH=$D/$U SUBSYSTEM=mdev DRIVER=mtty"
expect "ACTION=remove DEVPATH=$D/$U/vfio-dev/vfio0 SUBSYSTEM=vfio-dev MAJOR=511 MINOR=0 DEVNAME=vfio/devices/vfio0"
expect "ACTION=remove DEVPATH=$D/$U SUBSYSTEM=mdev"
expect "ACTION=change DEVPATH=$D SUBSYSTEM=mtty MDEV_STATE=unregistered"
expect "ACTION=remove DEVPATH=$D SUBSYSTEM=mtty"
# Sequence numbers count up from 1 in the order sent.
[ "$(grep -o 'SEQNUM=[0-9]*' "$work/events" | cut -d= -f2 | tr '\n' ' ')" = \
  "1 2 3 4 5 6 7 8 9 10 " ] || fail "SEQNUM order: $(grep -o 'SEQNUM=[0-9]*' "$work/events")"
# The mdev add comes before its bind, and unbind before remove.
order=$(grep "DEVPATH=$D/$U " "$work/events" | cut -d' ' -f1 | tr '\n' ' ')
[ "$order" = "ACTION=add ACTION=bind ACTION=unbind ACTION=remove " ] ||
	fail "mdev event order: $order"
echo "uevents: 1 passed, 0 failed"
