#!/usr/bin/env bash
# libvirt end to end: the unmodified libvirt 9 node-device driver of
# Debian 12 judges every bundled backend's parents and a keyfile host.
#
# For each group of backends, one `mdevfs-run --uevents` runs this script
# again (--inside) in a mount and PID namespace of its own with a private
# /run; there it starts libvirtd with only the node-device driver, a private
# config, socket directory and pid file, and for every parent in
# /sys/class/mdev_bus runs the steps below with virsh and records each
# one (ok, FAIL or "-" for not run) with libvirt's own message.  Back
# outside, the table is printed and judged against `expect` below.
#
# Steps, per parent:
#   list      virsh nodedev-list --cap mdev_types names the parent
#   types     nodedev-dumpxml of the parent has every type of
#             mdev_supported_types, with name, deviceAPI and
#             availableInstances equal to the sysfs files
#   create    nodedev-create of an mdev XML (transient): the mdev is in
#             sysfs under the parent, and libvirt lists it under the parent
#   destroy   nodedev-destroy of it: gone from sysfs and from libvirt
#   define    nodedev-define (mdevctl define): mdevctl and libvirt list it
#   start     nodedev-start (mdevctl start): in sysfs, active in libvirt
#   stop      nodedev-destroy of the defined mdev: gone from sysfs, still
#             defined in libvirt
#   undefine  nodedev-undefine: gone from mdevctl and from libvirt
#   byhand    echo UUID > .../create: libvirt lists it (udev event) with
#             <parent> the parent's node device
#   removal   echo 1 > .../remove: libvirt drops it (udev event)
# and once, for the A40's physical function (no parent itself):
#   sriov     nodedev-dumpxml of the PF has the virt_functions capability
#             (maxCount = sriov_totalvfs, the address of each virtfnN), and
#             each VF parent's has phys_function with the PF's address
#
# Environment: MDEVFS_RUN; PLUGIN_DIR, the built backends; MDEVFS_RECORD;
# LIBVIRT_TEST_KEEP_LOG, a directory to keep libvirtd's logs in.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

STEPS=(list types create destroy define start stop undefine byhand removal)

# ----------------------------------------------------------------------
# What libvirt 9.0 is expected to do with each backend's parents.
#   works        every step must succeed.
#   unsupported  libvirt 9.0 does not take this kind of parent at all: the
#                list step must fail because libvirtd's udev backend has no
#                device type for it ("Could not determine device type");
#                the other steps run and are reported, not judged.
declare -A expect=(
	[mtty]=works
	# libvirt 9.0 (node_device_udev.c, udevGetDeviceType) takes a class
	# device as an mdev parent only for the subsystem mtty: the mdpy and
	# mbochs samples' parents are no node devices there, and it refuses
	# them as parents ("invalid parent device 'mdpy_mdpy'").
	[mdpy]=unsupported
	[mbochs]=unsupported
	# PCI parents: libvirt discards a PCI device whose config space it
	# cannot read (virPCIDeviceNew: "could not access .../config").
	[nvidia]=works
	[gvtg]=works
	[vfio_ccw]=works
	[vfio_ap]=works
	# The keyfile host below, recorded with mdevfs-record: an NVIDIA T4,
	# the mtty sample and a subchannel.
	[keyfile]=works
)
# ----------------------------------------------------------------------

# The groups: one mdevfs-run and one libvirtd each.  Every parent the
# group registers is listed with its backend and a label for the table.
# shellcheck disable=SC2054 # a40,vfs=2 is one argument
BUNDLED=(-b mtty -b mdpy -b mbochs
	-b nvidia:board=t4 -b nvidia:board=p40 -b nvidia:board=m10
	-b nvidia:board=a40,vfs=2 -b gvtg -b vfio_ccw -b vfio_ap)
BUNDLED_PARENTS=(
	mtty=mtty/- mdpy=mdpy/- mbochs=mbochs/-
	0000:3b:00.0=nvidia/t4 0000:82:00.0=nvidia/p40
	0000:84:00.0=nvidia/m10 0000:85:00.0=nvidia/m10
	0000:86:00.0=nvidia/m10 0000:87:00.0=nvidia/m10
	0000:41:00.4=nvidia/a40-vf 0000:41:00.5=nvidia/a40-vf
	0000:00:02.0=gvtg/- 0.0.0313=vfio_ccw/- matrix=vfio_ap/-
)
KEYFILE_PARENTS=(
	0000:3b:00.0=keyfile/pci mtty=keyfile/mtty 0.0.0a00=keyfile/css
)

# The keyfile host: what mdevfs-record writes of a host with an NVIDIA
# T4 (its config space included), the mtty sample and one subchannel,
# replayed by the keyfile backend.
RECORDED=(-b nvidia:board=t4 -b mtty -b vfio_ccw:subchannels=0.0.0a00)
record_host() {
	sandbox ${PLUGIN_DIR:+--plugin-dir="$PLUGIN_DIR"} "${RECORDED[@]}" -- \
		"$MDEVFS_RECORD" -o "$1" || fail "mdevfs-record in mdevfs-run ${RECORDED[*]}"
	grep -q '^config=' "$1" || fail "mdevfs-record wrote no config= for the T4"
}

# ======================================================================
# Inside the runner (mdevfs-run --uevents, then unshare -m).
# ======================================================================

# The node device name libvirt gives a parent: the subsystem and the
# device name with every other character than letters and digits as _
# (the s390 crypto matrix is ap_matrix).
parent_node() {
	local sub=$1 name=$2

	if [[ $sub == matrix ]]; then
		echo ap_matrix
	else
		echo "${sub}_${name//[^a-zA-Z0-9]/_}"
	fi
}

# vsh SECONDS ARG...: virsh on our libvirtd; sets OUT, RC and MSG (the
# last "error: " line, libvirt's own message).
vsh() {
	local t=$1

	shift
	RC=0
	OUT=$(timeout -k 5 "$t" virsh -q -c "$URI" "$@" 2>"$LV/virsh.err") || RC=$?
	MSG=$(sed -n 's/^error: //p' "$LV/virsh.err" | tail -1)
	if [[ $RC == 124 || $RC == 137 ]]; then
		MSG="virsh $1 gave no answer within $t s"
	elif [[ $RC != 0 && -z $MSG ]]; then
		MSG="virsh $1: exit status $RC: $(tr '\n' ' ' <"$LV/virsh.err")"
	fi
	# libvirt 9.0 reports nothing when mdevctl fails without a word:
	# what libvirtd saw of the last mdevctl it ran, then.
	if [[ $RC != 0 && $MSG == *"cause is unknown"* ]]; then
		MSG+="; libvirtd's last mdevctl: $(grep -A1 'About to run mdevctl' "$LV/libvirtd.log" |
			tail -2 | sed 's/^.* : \([A-Za-z]*\):[0-9]* : /\1: /' | tr '\n' ' ')"
	fi
	return 0
}

# The types of a parent as "id|name|deviceAPI|availableInstances" lines,
# from sysfs and from libvirt's XML.
sysfs_types() {
	local t name

	for t in "$1"/mdev_supported_types/*/; do
		t=${t%/}
		name=
		[[ -e $t/name ]] && name=$(<"$t/name")
		printf '%s|%s|%s|%s\n' "${t##*/}" "$name" "$(<"$t/device_api")" \
			"$(<"$t/available_instances")"
	done | sort
}

xml_types() {
	awk '
	function text(s) {
		sub(/^[^>]*>/, "", s); sub(/<.*$/, "", s)
		gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&apos;/, "'\''", s)
		gsub(/&quot;/, "\"", s); gsub(/&amp;/, "\\&", s)
		return s
	}
	/<type id=.*[^\/]>$/ { id = $0; sub(/^.*id=./, "", id); sub(/.>$/, "", id)
		name = api = avail = ""; intype = 1; next }
	intype && /<name>/ { name = text($0) }
	intype && /<deviceAPI>/ { api = text($0) }
	intype && /<availableInstances>/ { avail = text($0) }
	intype && /<\/type>/ { print id "|" name "|" api "|" avail; intype = 0 }
	' <<<"$1" | sort
}

# mdev_xml PARENT-NODE TYPE UUID
mdev_xml() {
	cat <<EOF
<device>
  <parent>$1</parent>
  <capability type='mdev'>
    <type id='$2'/>
    <uuid>$3</uuid>
  </capability>
</device>
EOF
}

# The node device name of the mdev UUID in `nodedev-list --cap mdev
# [FLAG]`, or nothing.
mdev_node() {
	local u=${1//-/_}

	vsh 20 nodedev-list --cap mdev ${2:+"$2"}
	[[ $RC == 0 ]] || return 0
	grep -m1 "^mdev_${u}_" <<<"$OUT" || true
}
listed() { [[ -n $(mdev_node "$@") ]]; }
unlisted() { [[ -z $(mdev_node "$@") ]]; }

# in_sysfs UUID PARENT TYPE: the mdev exists under PARENT, of TYPE.
in_sysfs() {
	local d=/sys/bus/mdev/devices/$1 real

	[[ -e $d ]] || return 1
	real=$(realpath "$d")
	[[ $(basename "$(dirname "$real")") == "$2" ]] &&
		[[ $(basename "$(realpath "$d/mdev_type")") == "$3" ]]
}

# The <parent> of a node device.
node_parent() {
	vsh 20 nodedev-dumpxml "$1"
	sed -n 's|^ *<parent>\(.*\)</parent>$|\1|p' <<<"$OUT"
}

# record STEP STATUS [MESSAGE]: one result, on stdout and in the file.
record() {
	local step=$1 status=$2 msg=${3:-} why

	# The error libvirtd logged about the step's mdev, if any (such as
	# why it dropped the device a udev event announced).
	if [[ $status == FAIL && -n ${CUR_UUID:-} ]]; then
		why=$(log_about "$CUR_UUID")
		[[ -z $why || $msg == *"$why"* ]] || msg+="; libvirtd: $why"
	fi

	printf '%s\t%s\t%s\t%s\t%s\n' "$BACKEND" "$PARENT" "$step" "$status" \
		"${msg//$'\n'/ }" >>"$RESULTS"
	echo "  $BACKEND $PARENT $step: $status${msg:+ ($msg)}"
}

# What libvirtd logged about the device named $1: its last error naming
# it, else why the udev backend would not take it (a debug message).
log_about() {
	local line

	line=$(grep -F -e " error : " "$LV/libvirtd.log" | grep -v ethtool |
		grep -F -- "$1" | tail -1) || true
	[[ -n $line ]] || line=$(grep -F -- "Could not determine device type for device with sysfs name '$1'" \
		"$LV/libvirtd.log" | tail -1) || true
	sed 's/^.* : \([A-Za-z]*\):[0-9]* : /\1: /' <<<"$line"
}

new_uuid() { cat /proc/sys/kernel/random/uuid; }

# Take away what a failed step left: mdevs of ours and definitions.
tidy() {
	local u

	for u; do
		[[ -n $u ]] || continue
		if [[ -e /sys/bus/mdev/devices/$u ]]; then
			echo 1 >"/sys/bus/mdev/devices/$u/remove" 2>/dev/null || true
		fi
		mdevctl undefine -u "$u" >/dev/null 2>&1 || true
	done
}

# The steps for one parent.
parent_steps() {
	local p=$PARENT pdir sub pnode type='' u1 u2 u3 node want got why defined

	pdir=$(realpath "/sys/class/mdev_bus/$p")
	sub=$(basename "$(readlink "$pdir/subsystem")")
	pnode=$(parent_node "$sub" "$p")
	u1=$(new_uuid) u2=$(new_uuid) u3=$(new_uuid)

	# list
	vsh 20 nodedev-list --cap mdev_types
	if [[ $RC == 0 ]] && grep -qxF -- "$pnode" <<<"$OUT"; then
		record list ok
	else
		why=$MSG
		vsh 20 nodedev-dumpxml "$pnode"
		why=${why:-$MSG}
		got=$(log_about "$p")
		record list FAIL "$pnode not listed: $why${got:+; libvirtd: $got}"
	fi

	# types
	vsh 20 nodedev-dumpxml "$pnode"
	if [[ $RC != 0 ]]; then
		record types FAIL "$MSG"
	else
		want=$(sysfs_types "$pdir")
		got=$(xml_types "$OUT")
		if [[ $want == "$got" && -n $want ]]; then
			record types ok
		else
			record types FAIL "sysfs: $(tr '\n' ' ' <<<"$want")/ libvirt: $(tr '\n' ' ' <<<"$got")"
		fi
	fi

	# A type with room for one more device.
	for t in "$pdir"/mdev_supported_types/*/; do
		t=${t%/}
		if (($(<"$t/available_instances") > 0)); then
			type=${t##*/}
			break
		fi
	done
	if [[ -z $type ]]; then
		for s in create destroy define start stop undefine byhand removal; do
			record "$s" FAIL "no type of $p has available instances"
		done
		return 0
	fi
	mdev_xml "$pnode" "$type" "$u1" >"$LV/create.xml"
	mdev_xml "$pnode" "$type" "$u2" >"$LV/define.xml"

	# create, destroy
	CUR_UUID=$u1
	vsh 75 nodedev-create "$LV/create.xml"
	node=$(mdev_node "$u1")
	if [[ $RC != 0 ]]; then
		record create FAIL "$MSG"
		record destroy -
	elif ! in_sysfs "$u1" "$p" "$type"; then
		record create FAIL "virsh succeeded, but no mdev $u1 of $type under $p in sysfs"
		record destroy -
	elif [[ -z $node ]]; then
		record create FAIL "created, but libvirt does not list mdev $u1"
		record destroy -
	else
		got=$(node_parent "$node")
		if [[ $got == "$pnode" ]]; then
			record create ok
		else
			record create FAIL "$node has <parent>$got</parent>, not $pnode"
		fi
		vsh 20 nodedev-destroy "$node"
		if [[ $RC != 0 ]]; then
			record destroy FAIL "$MSG"
		elif [[ -e /sys/bus/mdev/devices/$u1 ]]; then
			record destroy FAIL "virsh succeeded, but mdev $u1 is still in sysfs"
		elif ! wait_for 5 unlisted "$u1"; then
			record destroy FAIL "removed, but libvirt still lists $node after 5 s"
		else
			record destroy ok
		fi
	fi
	tidy "$u1"

	# define, start, stop, undefine
	CUR_UUID=$u2
	vsh 20 nodedev-define "$LV/define.xml"
	if [[ $RC != 0 ]]; then
		record define FAIL "$MSG"
		record start -
		record stop -
		record undefine -
	elif ! defined=$(mdevctl list -d) || ! grep -qx "$u2 $p $type manual" <<<"$defined"; then
		record define FAIL "virsh succeeded, but mdevctl list -d says: $(tr '\n' ' ' <<<"$defined")"
		record start -
		record stop -
		record undefine -
	elif ! wait_for 5 listed "$u2" --inactive; then
		record define FAIL "defined, but libvirt lists no inactive mdev $u2 after 5 s"
		record start -
		record stop -
		record undefine -
	else
		record define ok
		node=$(mdev_node "$u2" --inactive)
		vsh 75 nodedev-start "$node"
		if [[ $RC != 0 ]]; then
			record start FAIL "$MSG"
		elif ! in_sysfs "$u2" "$p" "$type"; then
			record start FAIL "virsh succeeded, but no mdev $u2 of $type under $p in sysfs"
		elif ! wait_for 5 listed "$u2"; then
			record start FAIL "started, but libvirt does not list $node as active after 5 s"
		else
			record start ok
		fi
		if [[ -e /sys/bus/mdev/devices/$u2 ]]; then
			vsh 20 nodedev-destroy "$node"
			if [[ $RC != 0 ]]; then
				record stop FAIL "$MSG"
			elif [[ -e /sys/bus/mdev/devices/$u2 ]]; then
				record stop FAIL "virsh succeeded, but mdev $u2 is still in sysfs"
			elif ! wait_for 5 unlisted "$u2"; then
				record stop FAIL "stopped, but libvirt still lists $node as active after 5 s"
			elif ! listed "$u2" --inactive; then
				record stop FAIL "stopped, and libvirt forgot the definition of $node"
			else
				record stop ok
			fi
		else
			record stop -
		fi
		vsh 20 nodedev-undefine "$node"
		if [[ $RC != 0 ]]; then
			record undefine FAIL "$MSG"
		elif ! defined=$(mdevctl list -d) || grep -q "^$u2 " <<<"$defined"; then
			record undefine FAIL "virsh succeeded, but mdevctl still has $u2 defined"
		elif ! wait_for 5 unlisted "$u2" --all; then
			record undefine FAIL "undefined, but libvirt still lists $node after 5 s"
		else
			record undefine ok
		fi
	fi
	tidy "$u2"

	# byhand, removal
	CUR_UUID=$u3
	if ! why=$( (echo "$u3" >"$pdir/mdev_supported_types/$type/create") 2>&1); then
		record byhand FAIL "echo > $type/create: $why"
		record removal -
	else
		if ! wait_for 5 listed "$u3"; then
			record byhand FAIL "libvirt does not list mdev $u3 after 5 s"
		else
			node=$(mdev_node "$u3")
			got=$(node_parent "$node")
			if [[ $got == "$pnode" ]]; then
				record byhand ok
			else
				record byhand FAIL "$node is listed with <parent>$got</parent>, not $pnode"
			fi
		fi
		if ! why=$( (echo 1 >"/sys/bus/mdev/devices/$u3/remove") 2>&1); then
			record removal FAIL "echo 1 > remove: $why"
		elif ! wait_for 5 unlisted "$u3"; then
			record removal FAIL "removed, but libvirt still lists mdev $u3 after 5 s"
		else
			record removal ok
		fi
	fi
	tidy "$u3"
	CUR_UUID=
}

# libvirt's address element of a PCI address DDDD:BB:SS.F.
pci_address_xml() {
	local a=$1

	printf "<address domain='0x%s' bus='0x%s' slot='0x%s' function='0x%s'/>\n" \
		"${a:0:4}" "${a:5:2}" "${a:8:2}" "${a:11:1}"
}

# The opening tags of capability TYPE and of what it holds, on one line
# (from libvirt's XML on stdin; "<capability type='TYPE' .../>" alone
# when it holds nothing).
cap_tags() {
	awk -v t="<capability type='$1'" '
		index($0, t) { on = 1 }
		on && /<\/capability>/ { exit }
		on { sub(/^ */, ""); printf "%s%s", sep, $0; sep = " " }
		on && /\/>$/ && index($0, t) { exit }'
}

# The SR-IOV step: the physical function of the VF parents in libvirt's
# view, as sysfs has it: the PF's virt_functions capability (maxCount =
# sriov_totalvfs, one address per virtfnN) and each VF's phys_function.
sriov_steps() {
	local p vf pf pdir want got n why
	local -a vfs=()

	for p; do
		[[ -e /sys/class/mdev_bus/${p%%=*}/physfn ]] && vfs+=("${p%%=*}")
	done
	((${#vfs[@]})) || return 0
	pf=$(basename "$(realpath "/sys/class/mdev_bus/${vfs[0]}/physfn")")
	pdir=/sys/bus/pci/devices/$pf
	PARENT=$pf BACKEND=${owner[${vfs[0]}]%-vf}-pf
	vsh 20 nodedev-dumpxml "pci_${pf//[^a-zA-Z0-9]/_}"
	if [[ $RC != 0 ]]; then
		why=$(log_about "$pf")
		record sriov FAIL "$MSG${why:+; libvirtd: $why}"
		return 0
	fi
	want="<capability type='virt_functions' maxCount='$(<"$pdir/sriov_totalvfs")'>"
	for ((n = 0; n < $(<"$pdir/sriov_numvfs"); n++)); do
		want+=" $(pci_address_xml "$(basename "$(realpath "$pdir/virtfn$n")")")"
	done
	got=$(cap_tags virt_functions <<<"$OUT")
	if [[ $got != "$want" ]]; then
		record sriov FAIL "PF: libvirt has '$got', sysfs says '$want'"
		return 0
	fi
	for vf in "${vfs[@]}"; do
		vsh 20 nodedev-dumpxml "pci_${vf//[^a-zA-Z0-9]/_}"
		want="<capability type='phys_function'> $(pci_address_xml "$pf")"
		got=$(cap_tags phys_function <<<"$OUT")
		if [[ $got != "$want" ]]; then
			record sriov FAIL "VF $vf: libvirt has '$got', sysfs says '$want'"
			return 0
		fi
	done
	record sriov ok
}

inside_cleanup() {
	local rc=$?

	if [[ -n ${LVPID:-} ]]; then
		stop_pid "$LVPID"
		if [[ $rc != 0 && -s $LV/libvirtd.log ]]; then
			echo "libvirtd's log (errors, without the ethtool noise of the host's links):"
			grep ' error : ' "$LV/libvirtd.log" | grep -v ethtool | tail -20 || true
		fi
	fi
	if [[ -n ${LIBVIRT_TEST_KEEP_LOG:-} && -e $LV/libvirtd.log ]]; then
		cp "$LV/libvirtd.log" "$LIBVIRT_TEST_KEEP_LOG/libvirtd.$$.log" || true
	fi
	rm -rf "$LV"
	exit "$rc"
}

inside() {
	local driver p want got
	local -A owner=()

	RESULTS=$1
	shift
	for p; do
		owner[${p%%=*}]=${p#*=}
	done
	[[ ${SYSTEMD_DEVICE_VERIFY_SYSFS-} == 0 ]] ||
		fail "mdevfs-run did not set SYSTEMD_DEVICE_VERIFY_SYSFS=0"
	# A /run of our own: libvirtd keeps its node-device state and lock
	# in /run/libvirt whatever its configuration says.
	mount -t tmpfs -o mode=0755 libvirt-test-run /run
	LV=$(mktemp -d) # in the runner's private TMPDIR
	trap inside_cleanup EXIT
	driver=
	for p in /usr/lib/*/libvirt/connection-driver/libvirt_driver_nodedev.so \
		/usr/lib64/libvirt/connection-driver/libvirt_driver_nodedev.so; do
		[[ -e $p ]] && driver=$p && break
	done
	[[ -n $driver ]] || fail "libvirt_driver_nodedev.so not found (libvirt-daemon)"
	mkdir "$LV/drivers" "$LV/sock"
	ln -s "$driver" "$LV/drivers/"
	cat >"$LV/libvirtd.conf" <<-EOF
		unix_sock_dir = "$LV/sock"
		unix_sock_rw_perms = "0700"
		auth_unix_rw = "none"
		auth_unix_ro = "none"
		log_filters = "1:node_device 1:util.command 3:*"
		log_outputs = "1:file:$LV/libvirtd.log"
	EOF
	URI="nodedev:///system?socket=$LV/sock/libvirt-sock"
	export XDG_CONFIG_HOME=$LV XDG_CACHE_HOME=$LV XDG_RUNTIME_DIR=$LV
	# Only the node-device driver: the QEMU driver would stop the daemon
	# for lack of the libvirt-qemu user (no libvirt-daemon-system).
	LIBVIRT_DRIVER_DIR=$LV/drivers libvirtd -f "$LV/libvirtd.conf" \
		-p "$LV/libvirtd.pid" >"$LV/libvirtd.out" 2>&1 &
	LVPID=$!
	# Answering nodedev-list means the first enumeration is done.
	# shellcheck disable=SC2016 # expanded by eval, at each try
	if ! wait_for 30 eval 'kill -0 $LVPID 2>/dev/null && vsh 10 nodedev-list && [[ $RC == 0 ]]'; then
		kill -0 "$LVPID" 2>/dev/null || fail "libvirtd ended: $(cat "$LV/libvirtd.out")"
		fail "libvirtd does not answer after 30 s: $MSG"
	fi
	echo "libvirtd $(libvirtd --version | awk '{ print $NF }') up (pid $LVPID)"

	want=$(printf '%s\n' "${!owner[@]}" | sort)
	got=$(cd /sys/class/mdev_bus && printf '%s\n' * | sort)
	[[ $want == "$got" ]] ||
		fail "parents in /sys/class/mdev_bus: $(tr '\n' ' ' <<<"$got")expected $(tr '\n' ' ' <<<"$want")"
	for p; do
		PARENT=${p%%=*} BACKEND=${p#*=}
		parent_steps
	done
	sriov_steps "$@"
	# libvirtd must still be there: a crash would explain any FAIL.
	kill -0 "$LVPID" 2>/dev/null || fail "libvirtd died during the steps"
}

if [[ ${1-} == --inside ]]; then
	shift
	inside "$@"
	exit 0
fi

# ======================================================================
# Outside: the groups, then the table.
# ======================================================================

need_fuse
need_cmds libvirtd virsh mdevctl unshare timeout
[[ -x ${MDEVFS_RECORD-} ]] || fail "MDEVFS_RECORD is not set to the built mdevfs-record"

work=$(mktemp -d "${TMPDIR:-/tmp}/libvirt-nodedev.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
record_host "$work/host.conf"
: >"$work/results"
failures=0

# group NAME PARENTS-ARRAY-NAME BACKEND-OPTIONS...
group() {
	local name=$1 start=$SECONDS rc=0
	local -n parents=$2

	shift 2
	echo "== group $name: mdevfs-run --uevents $*"
	# A PID namespace of its own: whatever ends the script inside, even
	# SIGKILL, the kernel takes libvirtd (and mdevctl) with it.
	sandbox --uevents ${PLUGIN_DIR:+--plugin-dir="$PLUGIN_DIR"} "$@" -- \
		unshare --mount --propagation private --pid --fork --kill-child \
		--mount-proc \
		bash "$here/nodedev.sh" --inside "$work/results" "${parents[@]}" || rc=$?
	echo "== group $name: $((SECONDS - start)) s, exit status $rc"
	if [[ $rc != 0 ]]; then
		echo "FAIL: group $name did not complete (exit status $rc)" >&2
		failures=$((failures + 1))
	fi
}

group bundled BUNDLED_PARENTS "${BUNDLED[@]}"
group keyfile KEYFILE_PARENTS -b "keyfile:$work/host.conf"

# The table: one row per parent, one column per step.
# (The SR-IOV step is about a PF, which is no parent: a line of its own.)
declare -A cell=() msgs=() seen=()
rows=() sriov=()
while IFS=$'\t' read -r label parent step status msg; do
	row="$label $parent"
	if [[ $step == sriov ]]; then
		sriov+=("$row")
	elif [[ ! -v "seen[$row]" ]]; then
		seen[$row]=1
		rows+=("$row")
	fi
	cell[$row|$step]=$status
	[[ -n $msg ]] && msgs[$row|$step]=$msg
done <"$work/results"

echo
echo "libvirt $(libvirtd --version | awk '{ print $NF }') node devices on mdevfs: ok, FAIL, unsup (libvirt does not support the parent kind), - (not run: an earlier step failed); stop = nodedev-destroy of a defined mdev"
printf '%-9s %-8s %-13s %-11s' backend board parent expect
printf ' %-8s' "${STEPS[@]}"
echo
notes=() noted=
for row in "${rows[@]}"; do
	read -r label parent <<<"$row"
	backend=${label%%/*} board=${label#*/}
	exp=${expect[$backend]:-works}
	printf '%-9s %-8s %-13s %-11s' "$backend" "$board" "$parent" "$exp"
	for step in "${STEPS[@]}"; do
		st=${cell[$row|$step]:-missing}
		shown=$st
		if [[ $exp == unsupported && $st == FAIL ]]; then
			shown=unsup
		fi
		printf ' %-8s' "$shown"
		if [[ -n ${msgs[$row|$step]:-} ]]; then
			[[ $noted == "$row" ]] || notes+=("$backend $board $parent:")
			noted=$row
			notes+=("  $step: ${msgs[$row|$step]}")
		fi
		if [[ $exp == works && ($st == FAIL || $st == missing) ]]; then
			failures=$((failures + 1))
		fi
	done
	echo
	if [[ $exp == unsupported && ${cell[$row|list]:-} != FAIL ]]; then
		notes+=("UNEXPECTED: libvirt lists $parent as an mdev parent: set expect[$backend]=works")
		failures=$((failures + 1))
	elif [[ $exp == unsupported && ${msgs[$row|list]:-} != *"Could not determine device type"* ]]; then
		notes+=("UNEXPECTED: libvirt drops $parent, but not for its kind (udevGetDeviceType)")
		failures=$((failures + 1))
	fi
done
for row in "${sriov[@]}"; do
	read -r label parent <<<"$row"
	backend=${label%%/*} board=${label#*/}
	exp=${expect[$backend]:-works}
	printf '%-9s %-8s %-13s %-11s sriov: %s (the PF and its VFs in libvirt: virt_functions, phys_function)\n' \
		"$backend" "$board" "$parent" "$exp" "${cell[$row|sriov]}"
	if [[ -n ${msgs[$row|sriov]:-} ]]; then
		notes+=("$backend $board $parent:" "  sriov: ${msgs[$row|sriov]}")
	fi
	if [[ $exp == works && ${cell[$row|sriov]} != ok ]]; then
		failures=$((failures + 1))
	fi
done
if ((${#sriov[@]} != 1)); then
	notes+=("the SR-IOV step ran ${#sriov[@]} times, not once (for the A40)")
	failures=$((failures + 1))
fi
# Every parent of every group has its row.
want=$((${#BUNDLED_PARENTS[@]} + ${#KEYFILE_PARENTS[@]}))
if ((${#rows[@]} != want)); then
	notes+=("only ${#rows[@]} of $want parents were tried")
	failures=$((failures + 1))
fi
if ((${#notes[@]})); then
	echo
	echo "libvirt's messages:"
	printf '  %s\n' "${notes[@]}"
fi
echo
if ((failures)); then
	echo "FAIL: $failures step(s) expected to work did not" >&2
	exit 1
fi
echo "libvirt nodedev: every step expected to work did"
