#!/usr/bin/env bash
# mdevfs-hook under podman: a tree on the host shared by containers, a
# private instance per container (isolation), unmodified mdevctl inside,
# the rest of the container's /sys still real, the hook's refusals, and
# the lifecycle: a stopped container leaves no daemon and no mount, a
# daemon that dies gives ENOTCONN and a line in the hook's log.
#
#   hook.sh              as root: rootful podman (and a CDI spec)
#   hook.sh --rootless   rootless podman as the user mdevfs-test (made
#                        when missing, with subordinate ids), or as the
#                        calling user when not root
# Functions run from traps and through check() look unreachable to it.
# shellcheck disable=SC2317
set -u
self=$(realpath "$0")
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$self")/lib.sh"

TEST_USER=mdevfs-test
mode=rootful
case "${1:-}" in
--rootless) mode=rootless ;;
--as-user) mode=rootless; as_user=1 ;;
"") ;;
*) fail "usage: hook.sh [--rootless]" ;;
esac

need_fuse

# Rootless, started as root: become the test user.
if [ "$mode" = rootless ] && [ "$(id -u)" = 0 ] && [ -z "${as_user:-}" ]; then
	if ! id "$TEST_USER" >/dev/null 2>&1; then
		useradd -m -s /bin/bash "$TEST_USER" ||
			fail "useradd $TEST_USER failed"
	fi
	for f in /etc/subuid /etc/subgid; do
		grep -q "^$TEST_USER:" "$f" ||
			usermod "--add-sub${f#/etc/sub}s" 300000-365535 "$TEST_USER" ||
			fail "cannot give $TEST_USER subordinate ids in $f"
	done
	home=$(getent passwd "$TEST_USER" | cut -d: -f6)
	cd / || fail "cd /"
	exec runuser -u "$TEST_USER" -- env -i HOME="$home" USER="$TEST_USER" \
		LOGNAME="$TEST_USER" PATH="$PATH" MDEVFS="$MDEVFS" \
		MDEVFS_HOOK="$MDEVFS_HOOK" PLUGIN_DIR="$PLUGIN_DIR" \
		bash "$self" --as-user
fi
if [ "$mode" = rootful ] && [ "$(id -u)" != 0 ]; then
	skip "rootful podman needs root (hook.sh --rootless covers ordinary users)"
fi
if [ "$mode" = rootless ] && ! grep -q "^$(id -un):" /etc/subuid; then
	fail "$(id -un) has no subordinate ids in /etc/subuid (rootless podman needs them)"
fi

base=/tmp
[ "$mode" = rootless ] && base=$HOME
work=$(mktemp -d "$base/mdevfs-ctr.XXXXXX") || fail "mktemp"
chmod 755 "$work"
tree=$work/t4
mkdir -p "$tree" "$work/log" && chmod 700 "$work/log"
HOOKS_DIR=$work/hooks.d
hooks_json "$HOOKS_DIR" "$work/log"
cdi_spec=
[ "$mode" = rootless ] && rootless_rootfs "$work"

# In the rootless case the shared tree lives in podman's own namespace
# (podman unshare), where every container of this user can reach it.
in_ns() {
	if [ "$mode" = rootless ]; then
		timeout 30 podman unshare "$@"
	else
		"$@"
	fi
}

stop_shared() {
	in_ns umount "$tree" 2>/dev/null
	[ -n "${shared_pid:-}" ] && kill -TERM "$shared_pid" 2>/dev/null
	[ -n "${shared_pid:-}" ] && wait_for 10 test ! -e "/proc/$shared_pid"
	shared_pid=
}

cleanup() {
	remove_containers
	stop_shared
	[ -n "$cdi_spec" ] && rm -f "$cdi_spec"
	in_ns rm -rf "$work" 2>/dev/null || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

need_podman
echo "# $mode podman $(podman --version | cut -d' ' -f3), runc $(runc --version | sed -n '1s/.* //p'), as $(id -un)"

before=$(host_mounts "$work")

# run [PODMAN-RUN-OPTIONS] -- COMMAND...: a container from the host's root.
run() {
	local opts=()

	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	pod run "${RUN_OPTS[@]}" "${opts[@]}" "${ROOTFS[@]}" "$@"
}

# Processes of container ID's private instance, seen from the host.
instance_procs() { procs_with "$1/userdata/mdevfs-hook.d/fs"; }
no_instance() { test -z "$(instance_procs "$1")"; }
no_procs() { test -z "$(procs_with "$1")"; }
cid_of() { pod inspect -f '{{.Id}}' "$1" 2>/dev/null; }

types=/sys/class/mdev_bus/mtty/mdev_supported_types

# ------------------------------------------------------------------
# (a) one daemon for the host, its tree shared by two containers

in_ns "$MDEVFS" -b mtty --plugin-dir="$PLUGIN_DIR" --control=none "$tree" ||
	fail "cannot start mdevfs on $tree"
# Its pid, to stop it at the end: unmounting alone does not end it while
# another mount namespace made meanwhile (any unshare -m on the host,
# podman's own in the rootless case) still holds a copy of the mount.
shared_pid=$(procs_with "$tree" | awk 'NR == 1 { print $1 }')

A=mdevfs-ctr-a-$$
CONTAINERS+=("$A")
out=$(run -d --name "$A" --annotation io.mdevfs.tree="$tree" -- sleep 120 2>&1)
check "shared: a container starts with --annotation io.mdevfs.tree ($out)" \
	test -n "$(cid_of "$A")"

U1=6b0d1e64-5c3a-4c0e-9d43-1a2b3c4d5e01
out=$(run --rm --annotation io.mdevfs.tree="$tree" -- sh -c \
	"echo $U1 > $types/mtty-2/create && readlink /sys/bus/mdev/devices/$U1" 2>&1)
same "shared: echo UUID > create in one container makes the device" \
	"../../../devices/virtual/mtty/mtty/$U1" "$out"
out=$(pod exec "$A" sh -c "cat /sys/bus/mdev/devices/$U1/mdev_type/name" 2>&1)
same "shared: the other container sees it" "Dual port serial" "$out"
check "shared: the host's tree has it" in_ns test -d "$tree/bus/mdev/devices/$U1"
out=$(pod exec "$A" sh -c "echo 1 > /sys/bus/mdev/devices/$U1/remove && ls /sys/bus/mdev/devices" 2>&1)
same "shared: echo 1 > remove in the other container removes it" "" "$out"

# shellcheck disable=SC2016  # expanded in the container
out=$(pod exec "$A" sh -c '
	test -d /sys/kernel/mm && test -e /sys/class/net/lo &&
	test -d /sys/devices/system/cpu/cpu0 && test -d /sys/bus/pci/devices &&
	grep -q " /sys/fs/cgroup " /proc/self/mountinfo &&
	test "$(ls /sys/class | wc -l)" -gt 10 && echo intact' 2>&1)
same "shared: the rest of /sys is the real one (kernel, class/net, cpus, pci, cgroup)" \
	intact "$out"
out=$(pod exec "$A" sh -c 'cat /sys/kernel/iommu_groups/*/devices/*/mdev_type/name 2>/dev/null; readlink /sys/class/mdev_bus/mtty' 2>&1)
same "shared: mdev_bus is the emulated one" "../../devices/virtual/mtty/mtty" "$out"

# Unmodified mdevctl: start, list, define, stop, start, undefine.
# shellcheck disable=SC2016  # expanded in the container
out=$(run --rm --tmpfs /etc/mdevctl.d --annotation io.mdevfs.tree="$tree" -- sh -c '
	mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
	set -e
	u=$(mdevctl start -p mtty -t mtty-1)
	echo "list: $(mdevctl list | sed "s/$u/U/")"
	mdevctl define -u "$u"
	echo "defined: $(mdevctl list -d | sed "s/$u/U/")"
	mdevctl stop -u "$u"
	echo "stopped: $(mdevctl list)"
	mdevctl start -u "$u"
	echo "started: $(mdevctl list | sed "s/$u/U/")"
	mdevctl stop -u "$u"
	mdevctl undefine -u "$u"
	echo "undefined: $(mdevctl list -d)"' 2>&1)
same "shared: mdevctl start/list/define/stop/start/undefine in a container" \
	"list: U mtty mtty-1 manual
defined: U mtty mtty-1 manual (active)
stopped: 
started: U mtty mtty-1 manual (defined)
undefined: " "$out"

# ------------------------------------------------------------------
# (a) one private instance per container: isolation

C=mdevfs-ctr-c-$$
CONTAINERS+=("$C")
out=$(run -d --name "$C" --annotation io.mdevfs.backends=mtty -- sleep 120 2>&1)
cidC=$(cid_of "$C")
check "private: a container starts with --annotation io.mdevfs.backends=mtty ($out)" \
	test -n "$cidC"
D=mdevfs-ctr-d-$$
CONTAINERS+=("$D")
U2=6b0d1e64-5c3a-4c0e-9d43-1a2b3c4d5e02
out=$(run --name "$D" --annotation io.mdevfs.backends=mtty -- sh -c \
	"echo $U2 > $types/mtty-1/create && ls /sys/bus/mdev/devices && cat $types/mtty-1/available_instances" 2>&1)
same "private: a second container creates a device in its own instance" \
	"$U2
23" "$out"
cidD=$(cid_of "$D")
out=$(pod exec "$C" sh -c "ls /sys/bus/mdev/devices; cat $types/mtty-1/available_instances" 2>&1)
same "private: the first container does not see it" 24 "$out"
check "private: nor does the shared tree" in_ns test ! -e "$tree/bus/mdev/devices/$U2"
check "lifecycle: podman rm of the stopped container" quietly pod rm -f -t 0 "$D"
check "lifecycle: the stopped container's daemon is gone" \
	wait_for 10 no_instance "$cidD"
has "lifecycle: the hook's log says the instance ended with the container" \
	"container stopped: its mdevfs instance ended with the container's PID namespace" \
	"$(cat "$work/log/$cidD.log" 2>&1)"
wait_for 10 grep -q "daemon ended with its container" "$work/log/$cidD.log"
has "lifecycle: the monitor saw the daemon end with its container" \
	"the mdevfs daemon ended with its container (killed by signal 9 (Killed))" \
	"$(cat "$work/log/$cidD.log" 2>&1)"

# The daemon dies while its container runs: ENOTCONN, not a hang.
pid=$(instance_procs "$cidC" | awk 'NR == 1 { print $1 }')
check "lifecycle: the running container's daemon is visible from the host" \
	test -n "$pid"
[ -n "$pid" ] && kill -KILL "$pid"
out=$(pod exec "$C" timeout 10 cat "$types/mtty-1/available_instances" 2>&1)
has "lifecycle: a killed daemon gives ENOTCONN in the container" \
	"Transport endpoint is not connected" "$out"
wait_for 10 grep -q "ended while the container ran" "$work/log/$cidC.log"
has "lifecycle: the hook's log says why" \
	"the mdevfs daemon (pid 8) ended while the container ran: killed by signal 9" \
	"$(sed 's/pid [0-9]*)/pid 8)/' "$work/log/$cidC.log" 2>&1)"
check "lifecycle: podman rm -f of the running container" quietly pod rm -f -t 0 "$C"
check "lifecycle: nothing of the killed instance is left" \
	wait_for 10 no_instance "$cidC"

# ------------------------------------------------------------------
# What the hook refuses (the container does not start)

refused() {
	local what=$1 want=$2 out

	shift 2
	if out=$(run --rm "$@" -- true 2>&1); then
		not_ok "refused: $what: the container started"
	else
		has "refused: $what" "$want" "$out"
	fi
}
mkdir -p "$work/empty" "$work/open/t"
chmod 777 "$work/open"
refused "a directory without mdevfs" "no mdevfs is mounted there" \
	--annotation io.mdevfs.tree="$work/empty"
refused "a tree below a directory others may write" "is writable by others" \
	--annotation io.mdevfs.tree="$work/open/t"
refused "a relative tree" "not an absolute path" \
	--annotation io.mdevfs.tree=tmp/t4
refused "a backend given as a path" "is not NAME[:ARGS]" \
	--annotation io.mdevfs.backends=/tmp/evil.so
refused "both annotations" "exclude each other" \
	--annotation io.mdevfs.backends=mtty --annotation io.mdevfs.tree="$tree"
if [ "$mode" = rootful ]; then
	install -d -o nobody "$work/other"
	refused "a tree of another user" "belongs to uid" \
		--annotation io.mdevfs.tree="$work/other"
fi

# ------------------------------------------------------------------
# CDI: the same tree as a device, mdevfs.io/host=NAME (rootful: the spec
# goes in /var/run/cdi).

if [ "$mode" = rootful ]; then
	name=ctest$$
	cdi_spec=/var/run/cdi/mdevfs-$name.json
	mkdir -p /var/run/cdi
	if "$MDEVFS_HOOK" --cdi-spec --name="$name" --tree="$tree" \
		--hook-path="$MDEVFS_HOOK" --log-dir="$work/log" >"$cdi_spec"; then
		out=$(HOOKS_DIR='' run --rm --device "mdevfs.io/host=$name" -- \
			readlink /sys/class/mdev_bus/mtty 2>&1)
		same "CDI: --device mdevfs.io/host=$name shows the tree" \
			"../../devices/virtual/mtty/mtty" "$out"
	else
		not_ok "CDI: mdevfs-hook --cdi-spec failed"
	fi
fi

# ------------------------------------------------------------------

remove_containers
same "lifecycle: no container of this test is left" "" \
	"$(pod ps -a --format '{{.Names}}' | grep -- "^mdevfs-ctr-.*-$$\$")"
stop_shared
check "lifecycle: no daemon of this test is left" \
	wait_for 10 no_procs "$work/"
same_mounts "lifecycle: the host's mount table is as before" "$before" "$work"
finish
