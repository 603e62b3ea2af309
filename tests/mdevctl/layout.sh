#!/usr/bin/env bash
# The overlay layout on awkward hosts, simulated in a private mount
# namespace (unshare -m as root, unshare -Urm otherwise) that acts as the
# host for mdevfs-run:
#  - /sys/kernel lacks iommu_groups and has a submount, so the overlay
#    goes on /sys/kernel: as root the submount must survive it; in a user
#    namespace it is locked, the overlay fails and /sys is replaced whole;
#  - /etc lacks mdevctl.d, so /etc itself gets an overlay.
# Environment: MDEVFS_RUN.
. "$(dirname "$0")/lib.sh"

if [ "$1" != --inside ]; then
	need_fuse
	need_mdevctl
	if [ "$(id -u)" = 0 ]; then
		exec unshare -m --propagation private bash "$0" --inside
	fi
	exec unshare -Urm --propagation private bash "$0" --inside
fi

U=2b3a9e2c-1111-4f6e-9a3e-0123456789ab
work=$(mktemp -d /tmp/mdevfs-layout.XXXXXX) || fail "mktemp"
trap 'rm -rf "$work"' EXIT

# A kernel without overlayfs (or without it in user namespaces) gets the
# full layout everywhere; then only that fallback can be checked.
capture in_runner -- sh -c 'echo $MDEVFS_RUN_LAYOUT'
if [ "$OUT" != $'overlay\n' ]; then
	echo "NOTE: no overlay layout on this host ($OUT); checking the fallback"
	expect 0 in_runner -- sh -c 'echo $MDEVFS_RUN_LAYOUT; ls /sys/class' <<'EOF'
full
mdev_bus
mtty
EOF
	finish
fi

# As the host would have it: a /sys/kernel with a submount and no groups.
mount -t tmpfs kernel-sim /sys/kernel || fail "tmpfs on /sys/kernel"
mkdir /sys/kernel/security /sys/kernel/mm
mount -t tmpfs security-sim /sys/kernel/security || fail "submount"
touch /sys/kernel/security/marker

kernel_overlay() {
	expect 0 in_runner -- sh -c "
		echo \$MDEVFS_RUN_LAYOUT; ls /sys/kernel /sys/kernel/security
		mdevctl start -u $U -p mtty -t mtty-1
		readlink -f /sys/bus/mdev/devices/$U/iommu_group
		ls /sys/kernel/iommu_groups; test -e /sys/class/net/lo && echo lo" <<'EOF'
overlay
/sys/kernel:
iommu_groups
mm
security

/sys/kernel/security:
marker
/sys/kernel/iommu_groups/0
0
lo
EOF
	capture in_runner -v -- true
	grep -q '^mdevfs-run: /sys: overlay on:.* kernel' <<<"$ERR"
	check "no overlay on /sys/kernel: $ERR" test $? = 0
}

# In a user namespace the submount is locked: the whole tree goes on /sys.
kernel_locked() {
	capture in_runner -v --userns -- sh -c \
		'echo $MDEVFS_RUN_LAYOUT; ls /sys; mdevctl types -p mtty | head -2'
	check "locked submount: '$OUT'" test "$OUT" = 'full
bus
class
devices
kernel
mtty
  mtty-1
'
	grep -q '^mdevfs-run: cannot keep the real /sys: mount overlay on /sys/kernel: .* (1 mount is below it)$' <<<"$ERR"
	check "-v does not say why: $ERR" test $? = 0
	capture in_runner --userns --layout=overlay -- true
	check "--layout=overlay must fail here: $RC" test "$RC" = 125
}

# No /etc/mdevctl.d on the host: an overlay on /etc adds one.
etc_overlay() {
	local opt

	mkdir "$work/etc"
	cp -a /etc/. "$work/etc/" 2>/dev/null
	rm -rf "$work/etc/mdevctl.d"
	mount --bind "$work/etc" /etc || fail "bind /etc"
	for opt in --layout=auto --userns; do
		expect 0 in_runner "$opt" -- sh -c '
			find /etc/mdevctl.d | sort; test -s /etc/passwd && echo passwd
			mdevctl define -u '$U' -p mtty -t mtty-1 && mdevctl list -d' <<EOF
/etc/mdevctl.d
/etc/mdevctl.d/scripts.d
/etc/mdevctl.d/scripts.d/callouts
/etc/mdevctl.d/scripts.d/notifiers
passwd
$U mtty mtty-1 manual

EOF
	done
	check "/etc/mdevctl.d made on the host" test ! -e /etc/mdevctl.d
	capture in_runner -v -- true
	grep -q '^mdevfs-run: /etc: overlay on: \.$' <<<"$ERR"
	check "no overlay on /etc: $ERR" test $? = 0
	umount /etc
}

kernel_overlay
kernel_locked
etc_overlay
finish
