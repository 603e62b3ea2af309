#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The basic user session on a fresh mdevfs mount, every result checked:
# read available_instances, create with `echo UUID > create`, follow the
# bus link, refuse a duplicate with EEXIST, remove with `echo 1 > remove`
# and find the device gone everywhere, then unmount with fusermount3 -u and
# require the daemon to exit 0.
#
# usage: session.sh MDEVFS_BINARY WRITE_ERRNO_BINARY
# exit:  0 pass, 1 fail, 77 skip (/dev/fuse unusable)

set -u -o pipefail

MDEVFS=${1:?usage: session.sh MDEVFS_BINARY WRITE_ERRNO_BINARY}
WRITE_ERRNO=${2:?usage: session.sh MDEVFS_BINARY WRITE_ERRNO_BINARY}
M=""
PID=""
LOG=""

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

show_log() {
	if [[ -n $LOG && -s $LOG ]]; then
		echo "---- mdevfs log ----" >&2
		cat "$LOG" >&2
		echo "---- end ----" >&2
	fi
}

fail() {
	echo "FAIL: $*" >&2
	show_log
	exit 1
}

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	if [[ -n $M ]] && mounted "$M"; then
		fusermount3 -u -z "$M" 2>/dev/null || umount -l "$M" 2>/dev/null
	fi
	if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			kill -0 "$PID" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$PID" 2>/dev/null
	fi
	[[ -n $PID ]] && wait "$PID" 2>/dev/null
	[[ -n $M ]] && rmdir "$M" 2>/dev/null
	[[ -n $LOG ]] && rm -f "$LOG"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# expect_file FILE CONTENT: FILE reads exactly CONTENT (newline included).
expect_file() {
	local got
	got=$(cat -- "$1" && printf x) || fail "cannot read $1"
	got=${got%x}
	[[ $got == "$2" ]] ||
		fail "$1 reads $(printf %q "$got"), want $(printf %q "$2")"
}

# expect_link LINK TEXT: readlink LINK is exactly TEXT.
expect_link() {
	local got
	got=$(readlink -- "$1") || fail "readlink $1 failed"
	[[ $got == "$2" ]] || fail "readlink $1 = '$got', want '$2'"
}

# expect_gone PATH: no entry at PATH (not even a dangling link).
expect_gone() {
	if [[ -e $1 || -L $1 ]]; then
		fail "$1 still exists after remove returned"
	fi
}

# listed DIR NAME: does a readdir of DIR show NAME?
listed() {
	ls -A -- "$1" | grep -qxF -- "$2"
}

for tool in uuidgen fusermount3 awk; do
	command -v "$tool" >/dev/null || fail "$tool is not installed"
done
[[ -x $MDEVFS ]] || fail "no mdevfs binary at $MDEVFS"
[[ -x $WRITE_ERRNO ]] || fail "no write_errno helper at $WRITE_ERRNO"

# Skip only when FUSE really cannot be used here.
if why=$(fuse_unusable); then
	skip "$why"
fi

M=$(mktemp -d "${TMPDIR:-/tmp}/mdevfs-session-XXXXXX") || fail "mktemp -d"
LOG=$(mktemp "${TMPDIR:-/tmp}/mdevfs-session-log-XXXXXX") || fail "mktemp"
# With setpriv the daemon gets SIGTERM (and unmounts) if this script is
# killed outright; setsid keeps it out of a process-group SIGKILL.
# (A background job of a script is no group leader, so setsid does not fork
# and $! stays the daemon's pid.)
launch=()
if command -v setsid >/dev/null; then
	launch+=(setsid)
fi
if command -v setpriv >/dev/null && setpriv --help 2>&1 | grep -q -- --pdeathsig; then
	launch+=(setpriv --pdeathsig TERM)
fi
LC_ALL=C "${launch[@]}" "$MDEVFS" -f "$M" </dev/null >"$LOG" 2>&1 &
PID=$!
for ((i = 0; ; i++)); do
	mounted "$M" fuse.mdevfs && break
	if ! kill -0 "$PID" 2>/dev/null; then
		wait "$PID"
		rc=$?
		PID=""
		if grep -qE 'Operation not permitted|Permission denied|No such device|device not found' "$LOG"; then
			skip "$(grep -m1 -E 'Operation not permitted|Permission denied|No such device|device not found' "$LOG")"
		fi
		fail "mdevfs exited $rc before mounting"
	fi
	((i < 500)) || fail "no fuse.mdevfs mount at $M after 10 s"
	sleep 0.02
done

# ---- the session ---------------------------------------------------------
T=$M/devices/virtual/mtty/mtty/mdev_supported_types
P=$M/devices/virtual/mtty/mtty

expect_file "$T/mtty-2/available_instances" $'12\n'

U=$(uuidgen) || fail "uuidgen failed"
[[ $U =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] ||
	fail "uuidgen gave '$U'"
echo $U > $T/mtty-2/create || fail "echo $U > mtty-2/create failed"

expect_link "$M/bus/mdev/devices/$U" "../../../devices/virtual/mtty/mtty/$U"
expect_file "$T/mtty-1/available_instances" $'22\n'

if echo $U > $T/mtty-1/create 2>/dev/null; then
	fail "a second create of $U on mtty-1 succeeded"
fi
got=$("$WRITE_ERRNO" "$T/mtty-1/create" "$U"$'\n')
[[ $got == EEXIST ]] || fail "duplicate create on mtty-1 gave '$got', want EEXIST"

# Everything the device owns, seen (and so cached) before the remove.
group=$(readlink "$P/$U/iommu_group") || fail "no iommu_group link"
N=${group##*/}
[[ $group == "../../../../../kernel/iommu_groups/$N" && $N =~ ^[0-9]+$ ]] ||
	fail "iommu_group link is '$group'"
[[ -d $M/kernel/iommu_groups/$N ]] || fail "iommu group $N does not exist"
[[ -L $M/kernel/iommu_groups/$N/devices/$U ]] || fail "group $N lacks $U"
[[ -L $T/mtty-2/devices/$U ]] || fail "mtty-2/devices/$U missing"
[[ -L $M/bus/mdev/drivers/mtty/$U ]] || fail "drivers/mtty/$U missing"
[[ -d $M/bus/mdev/devices/$U/ ]] || fail "bus link does not resolve"
listed "$P" "$U" || fail "$U not listed in the parent"
listed "$M/bus/mdev/devices" "$U" || fail "$U not listed in bus/mdev/devices"
listed "$T/mtty-2/devices" "$U" || fail "$U not listed in mtty-2/devices"
listed "$M/kernel/iommu_groups" "$N" || fail "group $N not listed"

echo 1 > $M/bus/mdev/devices/$U/remove || fail "echo 1 > remove failed"

# Gone everywhere as soon as the write returned.
expect_gone "$M/bus/mdev/devices/$U"
expect_gone "$P/$U"
expect_gone "$T/mtty-2/devices/$U"
expect_gone "$M/bus/mdev/drivers/mtty/$U"
expect_gone "$M/kernel/iommu_groups/$N"
listed "$P" "$U" && fail "$U still listed in the parent"
listed "$M/bus/mdev/devices" "$U" && fail "$U still listed in bus/mdev/devices"
listed "$T/mtty-2/devices" "$U" && fail "$U still listed in mtty-2/devices"
listed "$M/kernel/iommu_groups" "$N" && fail "group $N still listed"
expect_file "$T/mtty-1/available_instances" $'24\n'
expect_file "$T/mtty-2/available_instances" $'12\n'

# ---- unmount: the daemon must exit 0 by itself -----------------------------
fusermount3 -u "$M" || fail "fusermount3 -u $M failed"
for ((i = 0; i < 250; i++)); do
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.02
done
kill -0 "$PID" 2>/dev/null && fail "mdevfs still running 5 s after fusermount3 -u"
wait "$PID"
rc=$?
PID=""
[[ $rc == 0 ]] || fail "mdevfs exited $rc after fusermount3 -u"
mounted "$M" && fail "$M is still mounted"
echo "PASS: session on $M"
exit 0
