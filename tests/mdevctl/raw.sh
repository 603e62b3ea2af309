#!/usr/bin/env bash
# A shell script driving the raw sysfs files at /sys, as admins and the
# kernel documentation do it, run inside mdevfs-run with the mtty tree.
# bash reports a failed open or write as "...: <strerror>", which shows
# the errno the kernel would give.
. "$(dirname "$0")/lib.sh"

[ -n "$MDEVFS_RUN_LAYOUT" ] || fail "not run by mdevfs-run"

P=/sys/devices/virtual/mtty/mtty
T=$P/mdev_supported_types
U=$(cat /proc/sys/kernel/random/uuid)
V=$(cat /proc/sys/kernel/random/uuid)

# put TEXT FILE: write with the shell, print the error text or "ok".
put() {
	local msg

	msg=$( { printf '%s\n' "$1" >"$2"; } 2>&1 ) && { echo ok; return; }
	echo "${msg##*: }"
}

expect 0 readlink /sys/class/mdev_bus/mtty <<'EOF'
../../devices/virtual/mtty/mtty
EOF
expect 0 ls $T <<'EOF'
mtty-1
mtty-2
EOF
expect 0 cat $T/mtty-2/name $T/mtty-2/device_api $T/mtty-2/available_instances <<'EOF'
Dual port serial
vfio-pci
12
EOF

# Create: the device is complete when the write returns.
expect 0 put $U $T/mtty-2/create <<'EOF'
ok
EOF
expect 0 readlink /sys/bus/mdev/devices/$U <<EOF
../../../devices/virtual/mtty/mtty/$U
EOF
expect 0 readlink $P/$U/mdev_type $P/$U/iommu_group $P/$U/driver <<'EOF'
../mdev_supported_types/mtty-2
../../../../../kernel/iommu_groups/0
../../../../../bus/mdev/drivers/mtty
EOF
expect 0 realpath /sys/bus/mdev/devices/$U/mdev_type /sys/bus/mdev/devices/$U/iommu_group <<'EOF'
/sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2
/sys/kernel/iommu_groups/0
EOF
expect 0 readlink $T/mtty-2/devices/$U /sys/kernel/iommu_groups/0/devices/$U <<EOF
../../../$U
../../../../devices/virtual/mtty/mtty/$U
EOF
expect 0 cat $P/$U/vendor/sample_mdev_dev <<EOF
This is MDEV $U
EOF
expect 0 cat $T/mtty-1/available_instances $T/mtty-2/available_instances <<'EOF'
22
11
EOF
# mdevctl sees what the shell made.
expect 0 mdevctl list <<EOF
$U mtty mtty-2 manual

EOF

# The kernel's errors.
expect 0 put $U $T/mtty-1/create <<'EOF'
File exists
EOF
expect 0 put not-a-uuid $T/mtty-1/create <<'EOF'
Invalid argument
EOF
expect 0 put x $T/mtty-1/name <<'EOF'
Permission denied
EOF
expect 0 put x $T/mtty-1/no-such-file <<'EOF'
Permission denied
EOF
expect 0 put two $P/$U/remove <<'EOF'
Invalid argument
EOF
capture cat $T/mtty-1/create
check "reading create: rc $RC, '$ERR'" \
	test "$RC/${ERR##*: }" = "1/Permission denied"$'\n'

# Fill the pool with single ports, then remove.
expect 0 put $V $T/mtty-1/create <<'EOF'
ok
EOF
expect 0 put 0 $P/$V/remove <<'EOF'
ok
EOF
check "remove 0 removed $V" test -d $P/$V
expect 0 put 1 /sys/bus/mdev/devices/$V/remove <<'EOF'
ok
EOF
expect 0 put 1 $P/$U/remove <<'EOF'
ok
EOF
check "$U still there" test ! -e /sys/bus/mdev/devices/$U
expect 0 ls -A /sys/bus/mdev/devices /sys/kernel/iommu_groups <<'EOF'
/sys/bus/mdev/devices:

/sys/kernel/iommu_groups:
EOF
expect 0 cat $T/mtty-1/available_instances <<'EOF'
24
EOF
finish
