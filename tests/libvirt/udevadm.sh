#!/usr/bin/env bash
# udevadm (systemd 252's libudev) walks every mdev up to its parent:
# inside mdevfs-run --uevents with every bundled backend, an mdev is made
# on each parent and `udevadm info -a /sys/bus/mdev/devices/<uuid>` must
# show the device and its parents as the kernel lays them out: the mdev
# (SUBSYSTEM=="mdev", DRIVER=="<the mdev driver of the era>"), then its
# parent (KERNELS, SUBSYSTEMS and DRIVERS of the parent device).
#
#   udevadm.sh           the mdev and its parent, under the kernel
#                        profiles 6.13 (default), 5.15 and 5.10, in the
#                        default /sys layout
#   udevadm.sh --roots   the whole chain, in --layout=full (the emulated
#                        tree alone): above a PCI parent the host bridge
#                        pci0000:00, above a subchannel the channel
#                        subsystem css0, above the AP matrix the root
#                        device vfio_ap, each a device without subsystem
#                        or driver, as in the kernel; class-device
#                        parents (mtty, mdpy, mbochs) have nothing above
#
# Environment: MDEVFS_RUN; PLUGIN_DIR, the built backends.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

# shellcheck disable=SC2054 # a40,vfs=1 is one argument
BACKENDS=(-b mtty -b mdpy -b mbochs -b nvidia:board=t4 -b nvidia:board=p40
	-b nvidia:board=m10 -b nvidia:board=a40,vfs=1 -b gvtg -b vfio_ccw
	-b vfio_ap)

# Every parent: its backend, its device path, its SUBSYSTEMS and
# DRIVERS, and the devices above it (path|subsystem|driver, ...).
PARENTS=(
	"mtty mtty /devices/virtual/mtty/mtty mtty -"
	"mdpy mdpy /devices/virtual/mdpy/mdpy mdpy -"
	"mbochs mbochs /devices/virtual/mbochs/mbochs mbochs -"
	"0000:3b:00.0 nvidia /devices/pci0000:00/0000:3b:00.0 pci nvidia /devices/pci0000:00||"
	"0000:82:00.0 nvidia /devices/pci0000:00/0000:82:00.0 pci nvidia /devices/pci0000:00||"
	"0000:84:00.0 nvidia /devices/pci0000:00/0000:84:00.0 pci nvidia /devices/pci0000:00||"
	"0000:85:00.0 nvidia /devices/pci0000:00/0000:85:00.0 pci nvidia /devices/pci0000:00||"
	"0000:86:00.0 nvidia /devices/pci0000:00/0000:86:00.0 pci nvidia /devices/pci0000:00||"
	"0000:87:00.0 nvidia /devices/pci0000:00/0000:87:00.0 pci nvidia /devices/pci0000:00||"
	"0000:41:00.4 nvidia /devices/pci0000:00/0000:41:00.4 pci nvidia /devices/pci0000:00||"
	"0000:00:02.0 gvtg /devices/pci0000:00/0000:00:02.0 pci i915 /devices/pci0000:00||"
	"0.0.0313 vfio_ccw /devices/css0/0.0.0313 css vfio_ccw /devices/css0||"
	"matrix vfio_ap /devices/vfio_ap/matrix matrix vfio_ap /devices/vfio_ap||"
)

# The mdev driver an mdev binds, per kernel profile and backend
# (mdevfs(8), KERNEL PROFILES): everything binds vfio_mdev up to 5.10;
# from 5.14 the samples bind their own drivers; from 6.1 every parent's
# mdevs bind its driver's mdev driver.
mdev_driver() {
	local profile=$1 backend=$2

	case $profile/$backend in
	6.13/gvtg) echo intel_vgpu_mdev ;;
	6.13/vfio_ccw) echo vfio_ccw_mdev ;;
	6.13/vfio_ap) echo vfio_ap_mdev ;;
	6.13/*) echo "$backend" ;;
	5.15/mtty | 5.15/mdpy | 5.15/mbochs) echo "$backend" ;;
	*) echo vfio_mdev ;;
	esac
}

# The chain udevadm info -a shows, one device a line:
# path|KERNEL|SUBSYSTEM|DRIVER.
chain() {
	udevadm info -a "$1" | awk '
	function val(s) { sub(/^[^"]*"/, "", s); sub(/"$/, "", s); return s }
	/looking at (parent )?device/ {
		if (n++) print p "|" k "|" s "|" d
		p = $0; sub(/^[^\047]*\047/, "", p); sub(/\047:?$/, "", p)
		k = s = d = ""
	}
	/^ +KERNELS?==/ { k = val($0) }
	/^ +SUBSYSTEMS?==/ { s = val($0) }
	/^ +DRIVERS?==/ { d = val($0) }
	END { if (n) print p "|" k "|" s "|" d }'
}

inside() {
	local profile=$1 roots=$2 failures=0 line p backend path sub drv above
	local type types u want got a

	[[ ${SYSTEMD_DEVICE_VERIFY_SYSFS-} == 0 ]] ||
		fail "mdevfs-run did not set SYSTEMD_DEVICE_VERIFY_SYSFS=0"
	for line in "${PARENTS[@]}"; do
		read -r p backend path sub drv above <<<"$line"
		[[ $drv == - ]] && drv=
		types=("/sys/class/mdev_bus/$p/mdev_supported_types"/*)
		type=${types[0]##*/}
		u=$(cat /proc/sys/kernel/random/uuid)
		if ! echo "$u" >"/sys/class/mdev_bus/$p/mdev_supported_types/$type/create"; then
			echo "FAIL [$profile] $p: cannot create an mdev of $type"
			failures=$((failures + 1))
			continue
		fi
		want="$path/$u|$u|mdev|$(mdev_driver "$profile" "$backend")"$'\n'
		want+="$path|${path##*/}|$sub|$drv"
		got=$(chain "/sys/bus/mdev/devices/$u" 2>&1) || true
		if [[ $roots == yes ]]; then
			for a in ${above//,/ }; do
				a=${a%%|*}
				want+=$'\n'"$a|${a##*/}||"
			done
		else
			got=$(head -2 <<<"$got")
		fi
		if [[ $got == "$want" ]]; then
			echo "ok   [$profile] $p ($backend): $(tr '\n' ' ' <<<"$got" | sed "s/$u/<uuid>/g")"
		else
			echo "FAIL [$profile] $p ($backend): udevadm info -a shows"
			sed "s/^/       /" <<<"$got"
			echo "     expected (path|KERNEL|SUBSYSTEM|DRIVER)"
			sed "s/^/       /" <<<"$want"
			failures=$((failures + 1))
		fi
		echo 1 >"/sys/bus/mdev/devices/$u/remove"
	done
	return $((failures != 0))
}

if [[ ${1-} == --inside ]]; then
	inside "$2" "$3"
	exit
fi

need_fuse
need_cmds udevadm
failures=0
if [[ ${1-} == --roots ]]; then
	runs=("6.13 yes --layout=full")
else
	runs=("6.13 no" "5.15 no --profile=5.15" "5.10 no --profile=5.10")
fi
for run in "${runs[@]}"; do
	read -r profile roots opts <<<"$run"
	# shellcheck disable=SC2086
	sandbox --uevents ${PLUGIN_DIR:+--plugin-dir="$PLUGIN_DIR"} $opts \
		"${BACKENDS[@]}" -- bash "$here/udevadm.sh" --inside "$profile" "$roots" ||
		failures=$((failures + 1))
done
if ((failures)); then
	echo "FAIL: udevadm info -a: $failures run(s) with a wrong chain" >&2
	exit 1
fi
echo "udevadm info -a: every mdev's chain as the kernel has it"
