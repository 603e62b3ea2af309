#!/usr/bin/env bash
# The mdevctl flows, run inside mdevfs-run (see run_case.sh): the default
# mtty tree is at /sys and /etc/mdevctl.d is private and empty.  Every
# output is compared exactly with what mdevctl 1.2.0 prints.
# usage: cases.sh CASE
. "$(dirname "$0")/lib.sh"

[ -n "$MDEVFS_RUN_LAYOUT" ] || fail "not run by mdevfs-run"

U=2b3a9e2c-1111-4f6e-9a3e-0123456789ab
V=5c6d7e8f-2222-4a1b-8c9d-abcdefabcdef
W=0a0b0c0d-3333-4e4e-9f9f-000000000001
T=/sys/class/mdev_bus/mtty/mdev_supported_types
JSON=$(mktemp) || fail "mktemp"
trap 'rm -f "$JSON"' EXIT

# The daemon's control socket, for fault injection (mdevfs-ctl).
ctl() { "$MDEVFS_CTL" --socket="$MDEVFS_CONTROL" "$@"; }
have_ctl() {
	[ -x "$MDEVFS_CTL" ] && [ -S "$MDEVFS_CONTROL" ] && return
	echo "NOTE: mdevfs-ctl or the control socket missing; no faults injected"
	return 1
}
avail() { cat $T/mtty-1/available_instances $T/mtty-2/available_instances; }
config() { cat "/etc/mdevctl.d/$1/$2"; echo; }
# mdevctl's log lines (stderr) without their time stamp.
untimed() {
	{ "$@" 2>&1 1>&3 3>&-; } 3>&1 | sed 's/^\[[^ ]* /[/' >&2
	return "${PIPESTATUS[0]}"
}

case_types() {
	expect 0 mdevctl types <<'EOF'
mtty
  mtty-1
    Available instances: 24
    Device API: vfio-pci
    Name: Single port serial
  mtty-2
    Available instances: 12
    Device API: vfio-pci
    Name: Dual port serial

EOF
	expect 0 mdevctl types --dumpjson <<'EOF'
[
  {
    "mtty": [
      {
        "mtty-1": {
          "available_instances": 24,
          "device_api": "vfio-pci",
          "name": "Single port serial"
        }
      },
      {
        "mtty-2": {
          "available_instances": 12,
          "device_api": "vfio-pci",
          "name": "Dual port serial"
        }
      }
    ]
  }
]
EOF
	expect 0 mdevctl types -p nosuch <<'EOF'

EOF
	expect 0 mdevctl types -p nosuch --dumpjson <<'EOF'
[]
EOF
	# The pool is shared: a dual-port device takes two of 24 ports.
	quiet mdevctl start -u $U -p mtty -t mtty-2
	expect 0 mdevctl types -p mtty <<'EOF'
mtty
  mtty-1
    Available instances: 22
    Device API: vfio-pci
    Name: Single port serial
  mtty-2
    Available instances: 11
    Device API: vfio-pci
    Name: Dual port serial

EOF
}

case_lifecycle() {
	quiet mdevctl start -u $U -p mtty -t mtty-2
	expect 0 mdevctl list <<EOF
$U mtty mtty-2 manual

EOF
	# Without -u mdevctl makes up the UUID and prints it.
	capture mdevctl start -p mtty -t mtty-1
	G=${OUT%$'\n'}
	[[ $RC = 0 && -z $ERR && $OUT =~ ^[0-9a-f-]{36}$'\n'$ ]]
	check "start -p -t prints a UUID: '$OUT' '$ERR'" test $? = 0
	check "the new device is there" test -L /sys/bus/mdev/devices/$G
	quiet mdevctl start -u $V -p mtty -t mtty-1
	expect 0 avail <<'EOF'
20
10
EOF
	expect 0 mdevctl list -u $V <<EOF
$V mtty mtty-1 manual

EOF
	# With -u, --dumpjson gives the device's own JSON only.
	expect 0 mdevctl list -p mtty -u $U --dumpjson <<'EOF'
{
  "mdev_type": "mtty-2",
  "start": "manual",
  "attrs": []
}
EOF
	quiet mdevctl stop -u $G
	expect 0 mdevctl list <<EOF
$U mtty mtty-2 manual
$V mtty mtty-1 manual

EOF
	expect 0 mdevctl list --dumpjson <<EOF
[
  {
    "mtty": [
      {
        "$U": {
          "mdev_type": "mtty-2",
          "start": "manual",
          "attrs": []
        }
      },
      {
        "$V": {
          "mdev_type": "mtty-1",
          "start": "manual",
          "attrs": []
        }
      }
    ]
  }
]
EOF
	expect 0 readlink -f /sys/bus/mdev/devices/$U <<EOF
/sys/devices/virtual/mtty/mtty/$U
EOF
	quiet mdevctl stop -u $U
	quiet mdevctl stop -u $V
	check "device $U still in sysfs" test ! -e /sys/bus/mdev/devices/$U
	expect 0 mdevctl list <<'EOF'

EOF
	expect 0 mdevctl list --dumpjson <<'EOF'
[]
EOF
	expect 0 avail <<'EOF'
24
12
EOF
	expect_error mdevctl stop -u $U <<EOF
Error: Error removing device $U

Caused by:
    No such file or directory (os error 2)
EOF
}

case_define() {
	quiet mdevctl define -u $V -p mtty -t mtty-1
	expect 0 config mtty $V <<'EOF'
{
  "mdev_type": "mtty-1",
  "start": "manual",
  "attrs": []
}
EOF
	expect 0 mdevctl list -d <<EOF
$V mtty mtty-1 manual

EOF
	expect 0 mdevctl list <<'EOF'

EOF
	expect_error mdevctl define -u $V -p mtty -t mtty-1 <<EOF
Error: Device $V on mtty already defined
EOF
	# Start the defined device by UUID alone.
	quiet mdevctl start -u $V
	expect 0 mdevctl list <<EOF
$V mtty mtty-1 manual (defined)

EOF
	expect 0 mdevctl list -d <<EOF
$V mtty mtty-1 manual (active)

EOF
	expect_error mdevctl start -u $V <<'EOF'
Error: Device already exists
EOF
	quiet mdevctl stop -u $V
	expect 0 mdevctl list -d --dumpjson <<EOF
[
  {
    "mtty": [
      {
        "$V": {
          "mdev_type": "mtty-1",
          "start": "manual",
          "attrs": []
        }
      }
    ]
  }
]
EOF
	quiet mdevctl undefine -u $V
	expect 0 mdevctl list -d <<'EOF'

EOF
	expect_error mdevctl undefine -u $V <<'EOF'
Error: No devices match the specified uuid
EOF
	# An active device is defined from sysfs without -p and -t.
	quiet mdevctl start -u $U -p mtty -t mtty-2
	quiet mdevctl define -u $U
	expect 0 config mtty $U <<'EOF'
{
  "mdev_type": "mtty-2",
  "start": "manual",
  "attrs": []
}
EOF
	expect 0 mdevctl list <<EOF
$U mtty mtty-2 manual (defined)

EOF
	# Defined from a JSON file, changed with modify.
	printf '{"mdev_type":"mtty-1","start":"manual","attrs":[]}' >"$JSON"
	quiet mdevctl define -u $W -p mtty --jsonfile "$JSON"
	expect_error mdevctl define -u $W -p mtty --jsonfile "$JSON" <<EOF
Error: Cowardly refusing to overwrite existing config for mtty/$W
EOF
	quiet mdevctl modify -u $W --auto
	quiet mdevctl start -u $W
	expect 0 mdevctl list <<EOF
$W mtty mtty-1 auto (defined)
$U mtty mtty-2 manual (defined)

EOF
	expect 0 config mtty $W <<'EOF'
{
  "mdev_type": "mtty-1",
  "start": "auto",
  "attrs": []
}
EOF
}

case_auto() {
	quiet mdevctl define -u $U -p mtty -t mtty-2 --auto
	quiet mdevctl define -u $V -p mtty -t mtty-1
	quiet mdevctl define -u $W -p mtty -t mtty-1 --auto
	expect 0 mdevctl list <<'EOF'

EOF
	# What udev runs when a parent registers: only "auto" ones start.
	quiet mdevctl start-parent-mdevs mtty
	expect 0 mdevctl list <<EOF
$W mtty mtty-1 auto (defined)
$U mtty mtty-2 auto (defined)

EOF
	expect 0 mdevctl list -d <<EOF
$W mtty mtty-1 auto (active)
$U mtty mtty-2 auto (active)
$V mtty mtty-1 manual

EOF
	expect 0 avail <<'EOF'
21
10
EOF
	# Already running: a warning each, and still success.
	capture untimed mdevctl start-parent-mdevs mtty
	check "second start-parent-mdevs: rc $RC, '$OUT', '$ERR'" \
		test "$RC/$OUT/$ERR" = "0//[WARN  mdevctl] Device already exists
[WARN  mdevctl] Device already exists
"
	quiet mdevctl stop -u $U
	capture untimed mdevctl start-parent-mdevs mtty
	check "third start-parent-mdevs: rc $RC, '$OUT', '$ERR'" \
		test "$RC/$OUT/$ERR" = "0//[WARN  mdevctl] Device already exists
"
	check "auto device $U not restarted" test -L /sys/bus/mdev/devices/$U
	quiet mdevctl start-parent-mdevs nosuch
}

# Use up the 24 ports with 12 dual-port devices.
fill_pool() {
	for i in $(seq -w 1 12); do
		quiet mdevctl start -u 00000000-0000-4000-8000-0000000000$i \
			-p mtty -t mtty-2
	done
}

case_errors() {
	expect_error mdevctl start -p mtty -t mtty-3 <<'EOF'
Error: Parent mtty does not support mdev type mtty-3
EOF
	expect_error mdevctl start -p nosuch -t mtty-1 <<'EOF'
Error: Unable to find parent device 'nosuch'
EOF
	expect_error mdevctl start -p MTTY -t mtty-1 <<'EOF'
Error: Unable to find parent device 'MTTY'. Did you mean 'mtty'?
EOF
	expect_error mdevctl start -p mtty <<'EOF'
Error: Device is insufficiently specified
EOF
	fill_pool
	expect 0 avail <<'EOF'
0
0
EOF
	expect_error mdevctl start -p mtty -t mtty-2 <<'EOF'
Error: No available instances of mtty-2 on mtty
EOF
	expect_error mdevctl start -p mtty -t mtty-1 <<'EOF'
Error: No available instances of mtty-1 on mtty
EOF
	expect_error mdevctl start -u 00000000-0000-4000-8000-000000000001 \
		-p mtty -t mtty-1 <<'EOF'
Error: Device exists with different type
EOF
	expect_error mdevctl start -u 00000000-0000-4000-8000-000000000001 \
		-p mtty -t mtty-2 <<'EOF'
Error: Device already exists
EOF
	for i in $(seq -w 1 12); do
		quiet mdevctl stop -u 00000000-0000-4000-8000-0000000000$i
	done
	attr_errors
	have_ctl && driver_errors
}

# The driver refuses a create or a remove (mdevctl issue #115).
driver_errors() {
	quiet ctl fault create mtty-1 errno=EINVAL
	expect_error mdevctl start -u $W -p mtty -t mtty-1 <<EOF
Error: Failed to create mdev $W, type mtty-1 on mtty

Caused by:
    Invalid argument (os error 22)
EOF
	check "$W made despite the failed create" \
		test ! -e /sys/bus/mdev/devices/$W
	quiet mdevctl start -u $W -p mtty -t mtty-1
	quiet ctl fault remove mtty-1 errno=EBUSY
	expect_error mdevctl stop -u $W <<EOF
Error: Error removing device $W

Caused by:
    Device or resource busy (os error 16)
EOF
	# As in the kernel, remove is gone once written, even if it failed:
	# the open with O_CREAT gets EACCES and the device stays.
	expect_error mdevctl stop -u $W <<EOF
Error: Error removing device $W

Caused by:
    Permission denied (os error 13)
EOF
	expect 0 mdevctl list <<EOF
$W mtty mtty-1 manual

EOF
}

# An attribute mdevctl cannot write: the device must go again.
attr_errors() {
	printf '{"mdev_type":"mtty-1","start":"manual","attrs":[%s]}' \
		'{"vendor/sample_mdev_dev":"hello"}' >"$JSON"
	expect_error mdevctl start -u $U -p mtty --jsonfile "$JSON" <<'EOF'
Error: Failed to write hello to attribute vendor/sample_mdev_dev

Caused by:
    Permission denied (os error 13)
EOF
	check "$U not torn down after the failed attribute" \
		test ! -e /sys/bus/mdev/devices/$U
	quiet mdevctl define -u $U -p mtty -t mtty-2
	quiet mdevctl modify -u $U --addattr foo --value 1
	expect_error mdevctl start -u $U <<'EOF'
Error: Invalid attribute 'foo'
EOF
	check "$U not torn down after the invalid attribute" \
		test ! -e /sys/bus/mdev/devices/$U
	expect 0 mdevctl list <<'EOF'

EOF
	expect 0 avail <<'EOF'
24
12
EOF
}

# A writable vendor attribute whose writes fail: vfio_ap's assign_*.
case_vfio_ap() {
	local p t

	p=$(ls /sys/class/mdev_bus)
	t=$(ls /sys/class/mdev_bus/$p/mdev_supported_types)
	check "one vfio_ap parent with one type: '$p' '$t'" \
		test "$(echo $p $t | wc -w)" = 2
	printf '{"mdev_type":"%s","start":"manual","attrs":[%s]}' "$t" \
		'{"assign_adapter":"foo"}' >"$JSON"
	expect_error mdevctl start -u $U -p $p --jsonfile "$JSON" <<'EOF'
Error: Failed to write foo to attribute assign_adapter

Caused by:
    Invalid argument (os error 22)
EOF
	check "$U not torn down after EINVAL" test ! -e /sys/bus/mdev/devices/$U
	# The first write works, the second is beyond any domain id.
	printf '{"mdev_type":"%s","start":"manual","attrs":[%s,%s]}' "$t" \
		'{"assign_adapter":"5"}' '{"assign_domain":"256"}' >"$JSON"
	expect_error mdevctl start -u $V -p $p --jsonfile "$JSON" <<'EOF'
Error: Failed to write 256 to attribute assign_domain

Caused by:
    No such device (os error 19)
EOF
	check "$V not torn down after ENODEV" test ! -e /sys/bus/mdev/devices/$V
	expect 0 mdevctl list <<'EOF'

EOF
	quiet mdevctl start -u $W -p $p -t "$t"
	expect 0 mdevctl list <<EOF
$W $p $t manual

EOF
	# If the teardown fails too, that is the error mdevctl reports, and
	# the device stays.
	have_ctl || return
	quiet ctl fault remove "$t" errno=EBUSY
	expect_error mdevctl start -u $V -p $p --jsonfile "$JSON" <<EOF
Error: Error removing device $V

Caused by:
    Device or resource busy (os error 16)
EOF
	expect 0 mdevctl list <<EOF
$W $p $t manual
$V $p $t manual

EOF
}

# The C stand-in for a Go reader (readdir d_type, readlink texts).
case_reader() {
	local reader

	check "no reader programs in \$READERS" test -n "$READERS"
	quiet mdevctl start -u $U -p mtty -t mtty-2
	quiet mdevctl start -u $V -p mtty -t mtty-1
	quiet mdevctl start -u $W -p mtty -t mtty-1
	quiet mdevctl stop -u $U
	# The lowest free group number is taken again.
	quiet mdevctl start -u $U -p mtty -t mtty-2
	for reader in $READERS; do
		expect 0 "$reader" <<EOF
parent mtty -> ../../devices/virtual/mtty/mtty
  type mtty-1 available_instances=20 device_api=vfio-pci name="Single port serial"
  type mtty-2 available_instances=10 device_api=vfio-pci name="Dual port serial"
mdev $W parent=mtty type=mtty-1 iommu_group=2
mdev $U parent=mtty type=mtty-2 iommu_group=0
mdev $V parent=mtty type=mtty-1 iommu_group=1
EOF
	done
}

# A short round for the user-namespace variants.
case_short() {
	check "uid $(id -u) inside the namespace, not 0" test "$(id -u)" = 0
	case_types
	quiet mdevctl stop -u $U
	case_lifecycle
	attr_errors
}

declare -F "case_$1" >/dev/null || fail "no case '$1'"
"case_$1"
finish
