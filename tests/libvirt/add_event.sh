#!/usr/bin/env bash
# The udev "add" event of an mdev announces a complete device: inside
# mdevfs-run --uevents, a libudev-style listener (add_check) looks at the
# mdev's iommu_group, mdev_type and driver links the moment each "add"
# reaches it, as libvirtd does.  On a real host udevd sends its "add"
# after processing the kernel's, when the synchronous driver probe that
# gives the mdev its IOMMU group is long done; libvirt 9.0 drops an mdev
# whose iommu_group it cannot resolve and never looks again (its
# nodedev-create then waits 60 s and fails with "An error occurred, but
# the cause is unknown").
# Environment: MDEVFS_RUN; PLUGIN_DIR, the built backends; ADD_CHECK.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

COUNT=100
TYPES=(mtty/mtty-1 matrix/vfio_ap-passthrough 0.0.0313/vfio_ccw-io
	0000:3b:00.0/nvidia-222)

inside() {
	local pt out failures=0 rc u i

	out=$(mktemp)
	for pt in "${TYPES[@]}"; do
		: >"$out"
		"$ADD_CHECK" "$COUNT" 20000 >"$out" &
		wait_for 5 grep -q listening "$out" || fail "add_check does not listen"
		for ((i = 0; i < COUNT; i++)); do
			u=$(cat /proc/sys/kernel/random/uuid)
			echo "$u" >"/sys/class/mdev_bus/${pt%%/*}/mdev_supported_types/${pt#*/}/create"
			# Removed only once the listener has looked, as a real
			# host's udevd would have passed the add on long before.
			wait_for 5 grep -q "$u" "$out" ||
				fail "no add event for $u within 5 s"
			echo 1 >"/sys/bus/mdev/devices/$u/remove"
		done
		rc=0
		wait $! || rc=$?
		if [[ $rc == 0 ]]; then
			echo "ok   ${pt%%/*}: $(tail -1 "$out")"
		else
			echo "FAIL ${pt%%/*}: $(tail -1 "$out"); the first:"
			grep '^add ' "$out" | head -3 | sed 's/^/       /'
			failures=$((failures + 1))
		fi
	done
	rm -f "$out"
	return $((failures != 0))
}

if [[ ${1-} == --inside ]]; then
	inside
	exit
fi

need_fuse
[[ -x ${ADD_CHECK-} ]] || fail "ADD_CHECK is not set to the built add_check"
if ! sandbox --uevents ${PLUGIN_DIR:+--plugin-dir="$PLUGIN_DIR"} -b mtty \
	-b vfio_ap -b vfio_ccw -b nvidia -- bash "$here/add_event.sh" --inside; then
	echo "FAIL: udev add events arrive before the mdev is complete" >&2
	exit 1
fi
echo "udev add events: every mdev complete when its add arrives"
