#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Every way mdevfs can fail to mount must end with exit status 1 and one
# line "mdevfs: ..." on stderr, in the foreground (-f) and when it would
# put itself in the background; and a second daemon on a mount point that
# a live mdevfs serves must be refused without harming the first one's
# control socket.  Cases:
#
#   missing      the mount point does not exist
#   regular      the mount point is a regular file
#   stale        a FUSE mount whose daemon was killed -9 (ENOTCONN)
#   fusermount   a user without user_allow_other asks for -o allow_other
#                (root only: runs as nobody; /etc/fuse.conf is not changed)
#   devnull      /dev/fuse is /dev/null (root only, private mount namespace)
#   devmissing   there is no /dev/fuse (idem, an empty tmpfs on /dev)
#   second       a second daemon on a served mount point (default control
#                socket, --control=none, and another mount point with the
#                first's socket as --control): exit 1, nothing mounted, and
#                the first daemon's socket still answers mdevfs-ctl
#   notmine      a daemon whose socket path was taken over leaves the new
#                socket alone when it exits
#   stalesock    the socket file of a daemon killed -9 is replaced by the
#                next daemon on that mount point (after fusermount3 -u)
#   remount      umount and an immediate new mount, five times: the new
#                daemon waits for the old one's socket to go
#
# usage: exit_status.sh MDEVFS MDEVFS_CTL PLUGIN_DIR
# exit:  0 pass, 1 fail, 77 skip (/dev/fuse unusable)

set -u -o pipefail

MDEVFS=${1:?usage: exit_status.sh MDEVFS MDEVFS_CTL PLUGIN_DIR}
CTL=${2:?usage: exit_status.sh MDEVFS MDEVFS_CTL PLUGIN_DIR}
PLUGINS=${3:?usage: exit_status.sh MDEVFS MDEVFS_CTL PLUGIN_DIR}
WORK=""
PIDS=()
failures=0
passes=0

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# unmount_all DIR: take every mount at DIR down (lazily if need be).
unmount_all() {
	local i
	for ((i = 0; i < 10; i++)); do
		mounted "$1" || return 0
		fusermount3 -u -z "$1" 2>/dev/null || umount -l "$1" 2>/dev/null
	done
}

cleanup() {
	local rc=$? d p i
	trap - EXIT INT TERM HUP
	if [[ -n $WORK ]]; then
		for d in "$WORK"/*; do
			unmount_all "$d"
		done
	fi
	stop_pids "${PIDS[@]}"
	if [[ -n $WORK ]]; then
		for d in "$WORK"/*; do
			unmount_all "$d"
			[[ -d $d ]] && rm -f "$(socket_of "$d")"
		done
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# socket_of DIR: the default control socket of a root daemon on DIR (as
# src/ctl/control_path.c derives it).
socket_of() {
	local real
	real=$(realpath -- "$1" 2>/dev/null) || real=$1
	echo "/run/mdevfs/$(printf %s "$real" | sha256sum | cut -c1-16).sock"
}

# expect_refusal HOW DIR -- COMMAND...: COMMAND (an mdevfs run, HOW is fg
# or bg) must exit 1 within 10 s, print exactly one line, starting
# "mdevfs: ", of its own (lines of fusermount3 may come before it), and
# leave no new mount at DIR, nor (as root) a control socket for it.
expect_refusal() {
	local how=$1 dir=$2 err rc lines ours before=0 had_socket=1
	shift 3
	mounted "$dir" && before=1
	[[ -e $(socket_of "$dir") ]] || had_socket=0
	err=$(timeout -k 2 10 "$@" 2>&1 >/dev/null)
	rc=$?
	lines=$(printf '%s\n' "$err" | grep -c .)
	ours=$(printf '%s\n' "$err" | grep -c '^mdevfs: ')
	if [[ $rc == 124 || $rc == 137 ]]; then
		bad "$how: still running after 10 s (it mounted?); stderr: $err"
	elif [[ $rc != 1 ]]; then
		bad "$how: exit status $rc, want 1; stderr: ${err:-(none)}"
	elif [[ $ours != 1 ]] || ! printf '%s\n' "$err" | tail -n1 | grep -q '^mdevfs: '; then
		bad "$how: want one last line 'mdevfs: ...' on stderr, got: ${err:-(none)}"
	elif [[ $lines != 1 && $case != fusermount ]]; then
		bad "$how: more than one line on stderr: $err"
	else
		good "$how: exit 1, $(printf '%s\n' "$err" | tail -n1)"
	fi
	# A daemon that did mount (the bug) must not outlive the case.
	if ((before == 0)) && mounted "$dir"; then
		bad "$how: $dir got mounted"
		unmount_all "$dir"
	fi
	if ((had_socket == 0)) && [[ $(id -u) == 0 && -e $(socket_of "$dir") ]]; then
		bad "$how: control socket $(socket_of "$dir") left behind"
	fi
}

# both DIR -- ARGS...: expect_refusal of `mdevfs -f ARGS` and `mdevfs ARGS`.
both() {
	local dir=$1
	shift 2
	expect_refusal fg "$dir" -- "${RUN[@]}" "$MDEVFS" -f "$@"
	expect_refusal bg "$dir" -- "${RUN[@]}" "$MDEVFS" "$@"
}

# start DIR [ARGS...]: run `mdevfs -f ARGS DIR` in the background, wait for
# the mount; the pid goes to $STARTED (and PIDS).
start() {
	local dir=$1 i log
	shift
	log=$WORK/log.$RANDOM
	LC_ALL=C setsid "$MDEVFS" -f "$@" "$dir" </dev/null >"$log" 2>&1 &
	STARTED=$!
	PIDS+=("$STARTED")
	for ((i = 0; i < 500; i++)); do
		mounted "$dir" fuse.mdevfs && return 0
		if ! kill -0 "$STARTED" 2>/dev/null; then
			wait "$STARTED"
			echo "mdevfs on $dir exited $? before mounting: $(cat "$log")" >&2
			return 1
		fi
		sleep 0.02
	done
	echo "no mount at $dir after 10 s" >&2
	return 1
}

# stop PID: SIGTERM, wait; its exit status in $STOPPED.
stop() {
	local i
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	wait "$1"
	STOPPED=$?
}

# answers DIR|--socket=PATH: mdevfs-ctl gets a reply listing mtty.
answers() {
	"$CTL" "$1" parents 2>&1 | grep -q mtty
}

for tool in fusermount3 awk timeout setsid sha256sum realpath; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
[[ -x $MDEVFS ]] || { echo "FAIL: no mdevfs at $MDEVFS" >&2; exit 1; }
[[ -x $CTL ]] || { echo "FAIL: no mdevfs-ctl at $CTL" >&2; exit 1; }

if why=$(fuse_unusable); then
	skip "$why"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mdevfs-exit-XXXXXX") || exit 1
WORK=$(realpath "$WORK")
chmod 755 "$WORK"
RUN=(env LC_ALL=C)

# A first mount proves FUSE works here; if it cannot, skip.
case=setup
mkdir "$WORK/live"
if ! start "$WORK/live"; then
	wait "$STARTED" 2>/dev/null
	if grep -qsE 'Operation not permitted|Permission denied|No such device|device not found' "$WORK"/log.*; then
		skip "$(grep -hm1 -E 'Operation not permitted|Permission denied|No such device|device not found' "$WORK"/log.*)"
	fi
	echo "FAIL: cannot mount mdevfs at all" >&2
	exit 1
fi
LIVE=$STARTED
answers "$WORK/live" || bad "the first daemon's control socket does not answer"

# ---- item 5: failed mounts -------------------------------------------------
case=missing
both "$WORK/missing" -- "$WORK/missing"

case=regular
: >"$WORK/regular"
both "$WORK/regular" -- "$WORK/regular"

case=stale
mkdir "$WORK/stale"
if start "$WORK/stale"; then
	kill -KILL "$STARTED"
	wait "$STARTED" 2>/dev/null
	err=$(stat -- "$WORK/stale" 2>&1)
	if [[ $err == *"not connected"* ]]; then
		both "$WORK/stale" -- "$WORK/stale"
	else
		bad "a killed daemon's mount does not give ENOTCONN: $err"
	fi
else
	bad "cannot mount $WORK/stale"
fi

case=fusermount
if [[ $(id -u) != 0 ]]; then
	echo "note [$case]: not checked (needs root to act as nobody)"
elif grep -qE '^[[:space:]]*user_allow_other' /etc/fuse.conf 2>/dev/null; then
	echo "note [$case]: not checked (/etc/fuse.conf has user_allow_other)"
elif ! command -v setpriv >/dev/null; then
	bad "setpriv (util-linux) is missing"
else
	mkdir "$WORK/nobody" "$WORK/nobody/mnt" "$WORK/nobody/backends" \
	      "$WORK/nobody/run"
	cp "$MDEVFS" "$WORK/nobody/mdevfs" && cp "$PLUGINS"/mtty.so "$WORK/nobody/backends/"
	chmod -R a+rX "$WORK/nobody"
	chown nobody "$WORK/nobody/mnt" "$WORK/nobody/run"
	RUN=(env LC_ALL=C XDG_RUNTIME_DIR="$WORK/nobody/run"
	     setpriv --reuid=nobody --regid=nogroup --clear-groups)
	dir=$WORK/nobody/mnt
	expect_refusal fg "$dir" -- "${RUN[@]}" "$WORK/nobody/mdevfs" -f \
		--plugin-dir="$WORK/nobody/backends" -o allow_other "$dir"
	expect_refusal bg "$dir" -- "${RUN[@]}" "$WORK/nobody/mdevfs" \
		--plugin-dir="$WORK/nobody/backends" -o allow_other "$dir"
	left=$(find "$WORK/nobody/run" -name '*.sock')
	[[ -z $left ]] || bad "control socket left behind: $left"
	RUN=(env LC_ALL=C)
fi

# /dev/fuse replaced in a private mount namespace: by /dev/null (it opens,
# but mount(2) refuses it), or gone (an empty /dev: open fails).
for case in devnull devmissing; do
	if [[ $(id -u) != 0 ]] || ! command -v unshare >/dev/null; then
		echo "note [$case]: not checked (needs root and unshare)"
		continue
	fi
	mkdir -p "$WORK/$case"
	if ! unshare -m --propagation private true 2>/dev/null; then
		echo "note [$case]: not checked (unshare -m refused)"
		continue
	fi
	if [[ $case == devnull ]]; then
		setup='mount --bind /dev/null /dev/fuse'
	else
		setup='mount -t tmpfs none /dev && [ ! -e /dev/fuse ]'
	fi
	RUN=(unshare -m --propagation private sh -c
	     "$setup"' && exec env LC_ALL=C "$@"' sh)
	both "$WORK/$case" -- "$WORK/$case"
	RUN=(env LC_ALL=C)
done

# ---- item 6: a second daemon on a served mount point -----------------------
case=second
sock=$(socket_of "$WORK/live")
[[ -S $sock ]] || bad "no control socket at $sock"
ino=$(stat -c %i "$sock" 2>/dev/null)
both "$WORK/live" -- "$WORK/live"
both "$WORK/live" -- --control=none "$WORK/live"
mkdir "$WORK/other"
both "$WORK/other" -- --control="$sock" "$WORK/other"
[[ $(stat -c %i "$sock" 2>/dev/null) == "$ino" ]] ||
	bad "the first daemon's socket $sock was replaced or removed"
if answers "$WORK/live"; then
	good "the first daemon still answers mdevfs-ctl"
else
	bad "the first daemon no longer answers mdevfs-ctl"
fi
n=$(awk -v m="$WORK/live" '$5 == m' /proc/self/mountinfo | wc -l)
[[ $n == 1 ]] || bad "$n mounts at $WORK/live, want 1"
kill -0 "$LIVE" 2>/dev/null || bad "the first daemon died"

# ---- a socket taken over is not removed by its former owner ----------------
case=notmine
mkdir "$WORK/a" "$WORK/b"
own=$WORK/own.sock
if start "$WORK/a" --control="$own"; then
	A=$STARTED
	rm -f "$own"   # someone removed it by hand...
	if start "$WORK/b" --control="$own"; then   # ...and a new daemon took it
		B=$STARTED
		stop "$A"
		[[ $STOPPED == 0 ]] || bad "daemon A exited $STOPPED after SIGTERM"
		if answers --socket="$own"; then
			good "A left B's socket alone"
		else
			bad "B's socket $own is gone after A exited"
		fi
		stop "$B"
		[[ $STOPPED == 0 ]] || bad "daemon B exited $STOPPED after SIGTERM"
		[[ -e $own ]] && bad "B left its socket $own behind"
	else
		bad "cannot start daemon B on a removed socket path"
	fi
else
	bad "cannot start daemon A"
fi

# ---- the socket of a daemon killed -9 is replaced --------------------------
case=stalesock
mkdir "$WORK/crash"
sock=$(socket_of "$WORK/crash")
if start "$WORK/crash"; then
	kill -KILL "$STARTED"
	wait "$STARTED" 2>/dev/null
	[[ -S $sock ]] || bad "no socket left by the killed daemon at $sock"
	fusermount3 -u "$WORK/crash" 2>/dev/null || umount -l "$WORK/crash"
	if start "$WORK/crash"; then
		if answers "$WORK/crash"; then
			good "the new daemon answers on the stale socket's path"
		else
			bad "the new daemon does not answer mdevfs-ctl"
		fi
		stop "$STARTED"
		[[ $STOPPED == 0 ]] || bad "exit $STOPPED after SIGTERM"
		[[ -e $sock ]] && bad "socket $sock left behind after SIGTERM"
	else
		bad "cannot remount after kill -9 and fusermount3 -u"
	fi
else
	bad "cannot mount $WORK/crash"
fi

# ---- unmount and mount again at once: the old daemon may still be exiting
# with its socket open; the new one waits for it instead of failing ------
case=remount
mkdir "$WORK/again"
for ((n = 0; n < 5; n++)); do
	err=$(LC_ALL=C "$MDEVFS" "$WORK/again" 2>&1) ||
		{ bad "mount $n exited $?: $err"; break; }
	answers "$WORK/again" || { bad "mount $n: mdevfs-ctl gets no answer"; break; }
	umount "$WORK/again" 2>/dev/null || fusermount3 -u "$WORK/again" ||
		{ bad "cannot unmount $WORK/again"; break; }
done
((n == 5)) && good "5 mounts in a row, each answering mdevfs-ctl"

# ---- the first daemon still exits 0 and takes its socket with it ----------
case=live
stop "$LIVE"
[[ $STOPPED == 0 ]] || bad "the first daemon exited $STOPPED after SIGTERM"
[[ -e $(socket_of "$WORK/live") ]] && bad "the first daemon left its socket behind"

echo "exit_status: $passes passed, $failures failed"
((failures == 0))
