#!/usr/bin/env bash
# mdevfs-run --uevents: inside the runner (a private network namespace)
# a libudev listener sees the mdev come and go while mdevctl starts and
# stops it; udevadm monitor --udev too, where udev is installed.  The
# host's listeners see nothing.
# Environment: MDEVFS_RUN, PLUGIN_DIR, UEVENT_LISTEN (the listener).
. "$(dirname "$0")/lib.sh"

need_fuse
need_mdevctl
out=$(mktemp -d) || fail mktemp
trap 'rm -rf "$out"' EXIT

# A listener in the host namespace must stay silent.
"$UEVENT_LISTEN" 1 4000 > "$out/host" &
host=$!
# shellcheck disable=SC2016
in_runner --uevents -b mtty -- bash -c '
	set -u
	out=$1 listen=$2
	"$listen" 6 5000 > "$out/events" &   # mdev and vfio-dev: 3 each
	l=$!
	if command -v udevadm >/dev/null; then
		udevadm monitor --udev > "$out/udevadm" 2>&1 &
		u=$!
	fi
	for i in $(seq 50); do grep -q listening "$out/events" && break; sleep 0.05; done
	sleep 0.3
	U=$(mdevctl start -p mtty -t mtty-2) || exit 1
	mdevctl stop -u "$U" || exit 1
	echo "$U" > "$out/uuid"
	wait $l || exit 1
	[ -n "${u:-}" ] && { sleep 0.3; kill $u; }
	exit 0
' bash "$out" "$UEVENT_LISTEN" || fail "runner: $(cat "$out/events" 2>/dev/null)"
wait $host && fail "the host's udev group saw: $(cat "$out/host")"

U=$(cat "$out/uuid")
got=$(grep "DEVPATH=/devices/virtual/mtty/mtty/$U " "$out/events" | cut -d' ' -f1 | tr '\n' ' ')
[ "$got" = "ACTION=add ACTION=bind ACTION=unbind ACTION=remove " ] ||
	fail "mdev events inside the runner: $got ($(cat "$out/events"))"
if [ -s "$out/udevadm" ]; then
	for a in add bind unbind remove; do
		grep -Eq "^UDEV .* $a +/devices/virtual/mtty/mtty/$U \(mdev\)" "$out/udevadm" ||
			fail "udevadm monitor did not print $a: $(cat "$out/udevadm")"
	done
fi
echo "uevents: 1 passed, 0 failed"
