#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Issue #15, the control socket (root only: it acts as two other uids,
# UA and UB, with setpriv; no users are created).  Cases:
#
#   hostile    /tmp/mdevfs-UA made by UB (0777, then 0700): a daemon run
#              as UA without XDG_RUNTIME_DIR exits 1 with one line
#              "mdevfs: ..." naming it (in a private mount namespace, with
#              a directory of the test bound on /tmp)
#   nochmod    strace: the daemon calls no chmod at all, and its socket is
#              0600 from bind on
#   peer       UB connects (the socket loosened to 0666 by the test) and
#              sends "unregister mtty": nothing is run
#   ctlpeer    mdevfs-ctl sends nothing to a socket served by UB
#   long       "unregister mtty" padded past 4096 bytes is refused whole
#   relload    `load ../plug/mdpy.so` from another cwd works through
#              mdevfs-ctl; a raw relative path is refused (the daemon's
#              cwd would have found it)
#   errtext    a failed load prints the daemon's message
#   idle       a client that sends nothing does not hold up mdevfs-ctl
#   stuck      a backend whose init never returns: its client gets an error
#              in ~10 s, others are still answered meanwhile
#   sigterm    SIGTERM with an idle client and the stuck init: exit 0 within
#              3 s, unmounted, socket removed
#
# usage: control_socket.sh MDEVFS MDEVFS_CTL PLUGIN_DIR CTL_RAW STUCK_SO
# exit:  0 pass, 1 fail, 77 skip (/dev/fuse unusable)

set -u -o pipefail

MDEVFS=${1:?usage} CTL=${2:?usage} PLUGINS=${3:?usage} RAW=${4:?usage}
STUCK=${5:?usage}
UA=61501 UB=61502
WORK=""
PIDS=()
failures=0
passes=0

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	stop_pids "${PIDS[@]}"
	if [[ -n $WORK ]]; then
		for i in 1 2 3; do
			mounted "$WORK/m" && { fusermount3 -u -z "$WORK/m" 2>/dev/null || umount -l "$WORK/m"; }
			mounted "$WORK/m1" && { fusermount3 -u -z "$WORK/m1" 2>/dev/null || umount -l "$WORK/m1"; }
		done
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP


# start DIR [ARGS...]: `mdevfs -f ARGS DIR` in the background (cwd $WORK),
# wait for the mount; pid in $STARTED.
start() {
	local dir=$1 i
	shift
	(cd "$WORK" && LC_ALL=C exec setsid "$MDEVFS" -f "$@" "$dir" \
		</dev/null >"$WORK/log" 2>&1) &
	STARTED=$!
	PIDS+=("$STARTED")
	for ((i = 0; i < 500; i++)); do
		mounted "$dir" fuse.mdevfs && return 0
		kill -0 "$STARTED" 2>/dev/null || break
		sleep 0.02
	done
	echo "mdevfs on $dir did not mount: $(cat "$WORK/log")" >&2
	return 1
}

as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --clear-groups "$@"; }

if [[ $(id -u) != 0 ]]; then
	echo "SKIP: needs root (acts as other uids)"
	exit 77
fi
for tool in fusermount3 setpriv unshare strace timeout setsid; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed" >&2; exit 1; }
done
if why=$(fuse_unusable); then
	skip "$why"
fi
for u in $UA $UB; do
	if getent passwd "$u" >/dev/null; then
		echo "FAIL: uid $u is taken here; the test needs two free uids" >&2
		exit 1
	fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mdevfs-ctlsock-XXXXXX") || exit 1
WORK=$(realpath "$WORK")
chmod 755 "$WORK"
mkdir "$WORK/bin" "$WORK/m" "$WORK/m1" "$WORK/plug" "$WORK/cwd"
cp "$MDEVFS" "$RAW" "$PLUGINS/mtty.so" "$WORK/bin/"
cp "$PLUGINS/mdpy.so" "$WORK/plug/"
RAW=$WORK/bin/$(basename "$RAW")
chmod -R a+rX "$WORK"

# ---- hostile default directory ---------------------------------------------
case=hostile
ft=$WORK/faketmp
mkdir -m 1777 "$ft" "$ft/bin" && chmod 1777 "$ft"
cp "$WORK/bin/mdevfs" "$WORK/bin/mtty.so" "$ft/bin/" && chmod -R a+rX "$ft/bin"
mkdir "$ft/mnt" && chown $UA "$ft/mnt"
# /tmp is another directory in there: a sanitizer's suppressions file
# under the real /tmp (a CI clone) would be out of the daemon's reach.
tsan_opts=$(printf '%s\n' ${TSAN_OPTIONS:-} | grep -v '^suppressions=' | tr '\n' ' ')
for mode in 0777 0700; do
	rm -rf "$ft/mdevfs-$UA"
	mkdir "$ft/mdevfs-$UA" && chown $UB "$ft/mdevfs-$UA" && chmod $mode "$ft/mdevfs-$UA"
	err=$(timeout -k 2 10 unshare -m --propagation private sh -c '
		mount --bind "$1" /tmp || exit 99
		exec env -u XDG_RUNTIME_DIR LC_ALL=C TSAN_OPTIONS="$3" \
			setpriv --reuid="$2" --regid="$2" --clear-groups \
			/tmp/bin/mdevfs -f --plugin-dir=/tmp/bin /tmp/mnt' \
		sh "$ft" $UA "$tsan_opts" 2>&1 >/dev/null)
	rc=$?
	socks=$(find "$ft/mdevfs-$UA" -name '*.sock' 2>/dev/null)
	if [[ $rc == 99 ]]; then
		bad "$mode: cannot bind a directory on /tmp in a mount namespace"
	elif [[ $rc != 1 ]]; then
		bad "$mode: exit $rc, want 1; stderr: ${err:-(none)}"
	elif [[ $(printf '%s\n' "$err" | grep -c .) != 1 ||
		$err != "mdevfs: "*"/tmp/mdevfs-$UA"* ]]; then
		bad "$mode: want one line 'mdevfs: ... /tmp/mdevfs-$UA ...', got: $err"
	elif [[ -n $socks ]]; then
		bad "$mode: a socket was made in it: $socks"
	else
		good "$mode by uid $UB: exit 1, $err"
	fi
done
rm -rf "$ft/mdevfs-$UA"

# ---- no chmod(), socket 0600 from the start ----------------------------------
case=nochmod
(exec strace -f -qq -o "$WORK/strace.log" -e trace=chmod,fchmod,fchmodat \
	"$MDEVFS" -f --plugin-dir="$PLUGINS" --control="$WORK/s1.sock" "$WORK/m1" </dev/null >/dev/null 2>&1) &
ST=$!
PIDS+=("$ST")
for ((i = 0; i < 500; i++)); do
	mounted "$WORK/m1" fuse.mdevfs && break
	sleep 0.02
done
if mounted "$WORK/m1" fuse.mdevfs; then
	mode=$(stat -c %a "$WORK/s1.sock" 2>/dev/null)
	[[ $mode == 600 ]] && good "socket mode 600" || bad "socket mode ${mode:-(none)}, want 600"
	"$CTL" --socket="$WORK/s1.sock" parents | grep -q mtty || bad "no answer on s1.sock"
	fusermount3 -u "$WORK/m1"
	for ((i = 0; i < 100; i++)); do kill -0 "$ST" 2>/dev/null || break; sleep 0.05; done
	wait "$ST"
	calls=$(grep -E 'chmod' "$WORK/strace.log")
	[[ -z $calls ]] && good "no chmod call" || bad "chmod calls: $calls"
else
	bad "mdevfs under strace did not mount"
fi

# ---- the daemon for the rest -------------------------------------------------
SOCK=$WORK/s.sock
start "$WORK/m" --plugin-dir="$PLUGINS" --control="$SOCK" || { echo "FAIL: cannot mount" >&2; exit 1; }
D=$STARTED
registered() { "$CTL" --socket="$SOCK" parents 2>/dev/null | grep -q '^mtty registered'; }
registered || bad "mdevfs-ctl parents does not list mtty registered"

case=peer
chmod 666 "$SOCK"
out=$(timeout 5 setpriv --reuid=$UB --regid=$UB --clear-groups "$RAW" send "$SOCK" "unregister mtty" 2>&1)
chmod 600 "$SOCK"
if registered; then
	good "uid $UB's command not run (reply: ${out:-none})"
else
	bad "uid $UB unregistered mtty (reply: $out)"
	"$CTL" --socket="$SOCK" register mtty >/dev/null
fi

case=ctlpeer
mkdir "$WORK/ub" && chown $UB "$WORK/ub"
as $UB "$RAW" serve "$WORK/ub/evil.sock" 10 >"$WORK/serve.out" 2>&1 &
SV=$!
PIDS+=("$SV")
for ((i = 0; i < 100; i++)); do grep -q listening "$WORK/serve.out" && break; sleep 0.05; done
err=$(timeout 5 "$CTL" --socket="$WORK/ub/evil.sock" parents 2>&1 >/dev/null)
rc=$?
wait "$SV"
got=$(tail -n1 "$WORK/serve.out")
if [[ $rc == 1 && $err == "mdevfs-ctl: "*"uid $UB"* && $got == "got 0 bytes" ]]; then
	good "refused: $err"
else
	bad "exit $rc, stderr '$err', server: $got"
fi

case=long
out=$(timeout 10 "$RAW" long "$SOCK" "unregister mtty" 5000)
if ! registered; then
	bad "the first 4096 bytes were run (reply: $out)"
	"$CTL" --socket="$SOCK" register mtty >/dev/null
elif [[ $out != "error: "*4096* ]]; then
	bad "reply: ${out:-(none)}"
else
	good "$out"
fi

case=relload
out=$(timeout 10 "$RAW" send "$SOCK" "load plug/mdpy.so")
if [[ $out == "error: "*relative* ]]; then
	good "raw relative path: $out"
else
	bad "raw 'load plug/mdpy.so' answered: ${out:-(none)}"
fi
out=$(cd "$WORK/cwd" && timeout 10 "$CTL" --socket="$SOCK" load ../plug/mdpy.so 2>&1)
rc=$?
if [[ $rc == 0 ]] && "$CTL" --socket="$SOCK" backends | grep -qx mdpy; then
	good "mdevfs-ctl load ../plug/mdpy.so from $WORK/cwd"
else
	bad "mdevfs-ctl load ../plug/mdpy.so: exit $rc: $out"
fi

case=errtext
err=$(timeout 10 "$CTL" --socket="$SOCK" load "$WORK/nosuch.so" 2>&1 >/dev/null)
if [[ $err == "mdevfs-ctl: error: "*"$WORK/nosuch.so"* ]]; then
	good "$err"
else
	bad "stderr: ${err:-(none)}"
fi

case=idle
timeout 20 "$RAW" idle "$SOCK" 6 &
IDLE=$!
PIDS+=("$IDLE")
sleep 0.3
if timeout 3 "$CTL" --socket="$SOCK" parents | grep -q mtty; then
	good "answered beside an idle client"
else
	bad "no answer within 3 s beside an idle client"
fi
wait "$IDLE"

case=stuck
begin=$SECONDS
timeout 20 "$CTL" --socket="$SOCK" load "$STUCK" >/dev/null 2>"$WORK/stuck.err" &
SL=$!
PIDS+=("$SL")
sleep 0.5
timeout 3 "$CTL" --socket="$SOCK" parents | grep -q mtty ||
	bad "no answer within 3 s while a load is stuck"
wait "$SL"
rc=$?
if [[ $rc == 1 && $(cat "$WORK/stuck.err") == *"did not finish"* ]]; then
	good "after $((SECONDS - begin)) s: $(cat "$WORK/stuck.err")"
else
	bad "exit $rc after $((SECONDS - begin)) s: $(cat "$WORK/stuck.err")"
fi

case=sigterm
timeout 30 "$RAW" idle "$SOCK" 20 &
IDLE=$!
PIDS+=("$IDLE")
sleep 0.3
begin=$(date +%s%N)
kill -TERM "$D"
for ((i = 0; i < 100; i++)); do kill -0 "$D" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$D" 2>/dev/null; then
	bad "still running 5 s after SIGTERM"
else
	wait "$D"
	rc=$?
	ms=$((($(date +%s%N) - begin) / 1000000))
	if [[ $rc == 0 ]] && ((ms <= 3000)); then
		good "exit 0 after $ms ms"
	else
		bad "exit $rc after $ms ms"
	fi
	mounted "$WORK/m" && bad "still mounted"
	[[ -e $SOCK ]] && bad "socket left behind"
fi
kill "$IDLE" 2>/dev/null

echo "control_socket: $passes passed, $failures failed"
((failures == 0))
