#!/bin/bash
# SPDX-License-Identifier: MIT
#
# mdevfs benchmark (issue #5): one run, one machine, one table.
#
#   bench/run.sh BUILD_DIR
#
# BUILD_DIR is an existing build: it needs BUILD_DIR/mdevfs with the mdpy
# backend beside it, and mdevfs-bench in BUILD_DIR/bench/ or BUILD_DIR/.
# Nothing is built here.  If BUILD_DIR/mdevfs-run exists and works, the
# mdevctl figure goes through it.  Needs root for the `unshare -m` parts
# (the mdevctl comparison); the rest runs as any user who may mount FUSE.
#
# Environment knobs (defaults in brackets):
#   REPS [5]            repetitions of every timed loop; the median is shown
#   READ_ITERS [20000]  open+read+close per repetition
#   WRITE_ITERS [20000] tmpfs open+write+close per repetition
#   CYCLE_ITERS [1000]  create+remove cycles per repetition
#   MAX_DEVICES [100000]  largest tree (1k, 10k and 100k are the steps)
#   MDEVCTL_REPS [10]   runs of `mdevctl list`
#   UUID_COUNT [20000]  creates of each kind in the UUID-shape comparison
#   UUID_REPS [3]       its repetitions (each kind UUID_COUNT creates, removed)
#
# Everything this script mounts is undone by the EXIT trap, whatever
# happens; the mounts made for mdevctl live in private mount namespaces.

set -eu
export LC_ALL=C

die() { echo "run.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 BUILD_DIR"
BUILD=$(cd "$1" && pwd) || die "no build dir $1"
MDEVFS=$BUILD/mdevfs
[ -x "$MDEVFS" ] || die "$MDEVFS is missing (build first)"
BENCH=
for b in "${MDEVFS_BENCH:-}" "$BUILD/bench/mdevfs-bench" "$BUILD/mdevfs-bench"; do
	if [ -n "$b" ] && [ -x "$b" ]; then BENCH=$b; break; fi
done
[ -n "$BENCH" ] || die "mdevfs-bench not found in $BUILD/bench or $BUILD"

REPS=${REPS:-5}
READ_ITERS=${READ_ITERS:-20000}
WRITE_ITERS=${WRITE_ITERS:-20000}
CYCLE_ITERS=${CYCLE_ITERS:-1000}
MAX_DEVICES=${MAX_DEVICES:-100000}
MDEVCTL_REPS=${MDEVCTL_REPS:-10}
UUID_COUNT=${UUID_COUNT:-20000}
UUID_REPS=${UUID_REPS:-3}
[ "$MAX_DEVICES" -ge 1000 ] || die "MAX_DEVICES must be at least 1000"
# The CPU the timed client loops of the rounds and the listings run on:
# the cores of a virtual machine may differ in speed by half, and a ratio
# must compare like with like.  Empty: not pinned.
BENCH_CPU=${BENCH_CPU-$(($(nproc) - 1))}
PIN=()
if [ -n "$BENCH_CPU" ] && command -v taskset >/dev/null; then
	PIN=(taskset -c "$BENCH_CPU")
else
	BENCH_CPU=
fi

TMP=$(mktemp -d /tmp/mdevfs-bench.XXXXXX)
SHM=$(mktemp -d /dev/shm/mdevfs-bench.XXXXXX)
MNT=$TMP/mnt            # the tree that grows to MAX_DEVICES
MNT2=$TMP/mnt2          # a fresh one, for the first 1k creates
MNT3=$TMP/mnt3          # one with -o no_open, for reads and cycles
LOG=$TMP/log
mkdir "$MNT" "$MNT2" "$MNT3" "$LOG"
DAEMON=
DAEMON2=
DAEMON3=
T0=$(date +%s)

mounted() { grep -q " ${1:-$MNT} fuse" /proc/self/mounts; }

# unmount DIR PID: unmount DIR and see its daemon PID exit.  A daemon may
# outlive its unmount: a mount namespace made elsewhere on the machine
# while the tree was mounted keeps a copy of the mount, so the kernel does
# not end the session.  It gets 5 s, then SIGTERM, then SIGKILL.
unmount() {
	if mounted "$1"; then
		fusermount3 -u "$1" 2>/dev/null || fusermount3 -u -z "$1" 2>/dev/null ||
			umount -l "$1" 2>/dev/null || true
	fi
	[ -n "$2" ] || return 0
	for sig in 0 TERM KILL; do
		[ "$sig" = 0 ] || kill -s "$sig" "$2" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$2" 2>/dev/null || break 2
			sleep 0.1
		done
	done
	wait "$2" 2>/dev/null || true
}

cleanup() {
	local rc=$?

	trap - EXIT INT TERM
	unmount "$MNT3" "$DAEMON3"
	unmount "$MNT2" "$DAEMON2"
	unmount "$MNT" "$DAEMON"
	rm -rf "$SHM"
	if [ $rc -ne 0 ] && [ -s "$LOG/mdevfs.err" ]; then
		echo "--- mdevfs stderr ---" >&2
		tail -20 "$LOG/mdevfs.err" >&2
	fi
	# Never recurse into a tree that is still mounted.
	if mounted "$MNT" || mounted "$MNT2" || mounted "$MNT3"; then
		echo "run.sh: WARNING: still mounted below $TMP, left in place" >&2
	else
		rmdir "$MNT" "$MNT2" "$MNT3" 2>/dev/null || true
		rm -rf "$TMP"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '# %s\n' "$*" >&2; }

# field KEY LINE: the value of KEY=... in a mdevfs-bench output line.
field() {
	local kv

	for kv in $2; do
		case $kv in "$1"=*) echo "${kv#*=}"; return 0;; esac
	done
	die "no $1 in '$2'"
}

# column_median FILE COLUMN
column_median() {
	awk -v c="$2" '{ print $c }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# rounds FILE CMD...: REPS rounds of one repetition of each mdevfs-bench
# command CMD (its words, without the REPS argument); FILE gets one line
# per round with the median_ns of each command in turn.
rounds() {
	local out=$1 cmd r

	shift
	: >"$out"
	for _ in $(seq "$REPS"); do
		for cmd in "$@"; do
			# shellcheck disable=SC2086 # the words of cmd are its arguments
			r=$("${PIN[@]}" "$BENCH" $cmd 1)
			printf '%s ' "$(field median_ns "$r")" >>"$out"
		done
		echo >>"$out"
	done
}

# ---------------------------------------------------------------------
# The machine

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
CORES=$(nproc)
KERNEL=$(uname -r)
FUSELIB=$(ldd "$MDEVFS" | awk '/libfuse3/ { print $3 }')
FUSEVER=$(basename "$(readlink -f "$FUSELIB")" | sed 's/^libfuse3\.so\.//')
MEM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
MDEVCTL_VER=$(mdevctl --version 2>/dev/null | awk '{ print $2 }' || true)
GIT=$(git -C "$(dirname "$0")/.." describe --always --dirty 2>/dev/null || echo unknown)
BUILT=$(date -u -r "$MDEVFS" '+%Y-%m-%d %H:%M UTC')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------
# The daemon

TYPE_REL=devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-vga
PARENT_REL=devices/virtual/mdpy/mdpy
TYPEDIR=$MNT/$TYPE_REL
PARENTDIR=$MNT/$PARENT_REL
DEVDIR=$MNT/bus/mdev/devices

# start_mdevfs DIR COUNT [OPTION...]: mount mdevfs -b mdpy:count=COUNT on
# DIR in the foreground, in the background; sets STARTED to its pid.
start_mdevfs() {
	local dir=$1 count=$2

	shift 2
	say "mounting mdevfs -b mdpy:count=$count $* on $dir"
	"$MDEVFS" -f -b "mdpy:count=$count" "$@" "$dir" 2>>"$LOG/mdevfs.err" &
	STARTED=$!
	for _ in $(seq 100); do
		mounted "$dir" && break
		kill -0 "$STARTED" 2>/dev/null || die "mdevfs exited early"
		sleep 0.1
	done
	mounted "$dir" || die "mdevfs did not mount within 10 s"
	[ -d "$dir/$TYPE_REL" ] || die "no $TYPE_REL in the tree (mdpy backend missing?)"
}

# One spare instance: "after a create+remove" listings need it when full.
start_mdevfs "$MNT" $((MAX_DEVICES + 1))
DAEMON=$STARTED

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON/status"; }

# Results: one line per row, tab-separated:
#   label, mdevfs value, baseline value, unit, limit ratio
# PASS when value/baseline <= limit; a limit of "-" marks a row without
# a target (shown as "info").
ROWS=$TMP/rows
: >"$ROWS"
row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS"; }

uuid_of() { printf '00000000-0000-4000-8000-%012x' "$1"; }

# ---------------------------------------------------------------------
# Empty tree: memory, the first 1k creates, baselines

# rss_row N RSS_KIB
rss_row() {
	local limit=$((16 * 1024 + $1))

	echo "$1 $(awk '/^Threads/ { print $2 }' "/proc/$DAEMON/status")" >>"$LOG/threads"
	echo "$1 $2" >>"$LOG/rss"
	row "daemon RSS at $1 devices (limit 16 MiB + 1 KiB/dev)" "$2" "$limit" KiB 1
}
rss_row 0 "$(rss_kib)"

say "first 1k creates ($REPS reps)"
R=$("$BENCH" trial "$TYPEDIR" "$PARENTDIR" 0 1000 "$REPS")
FIRST1K=$(field median_ns "$R")

# The small operations and their baselines take turns, one repetition
# of each per round, so that load elsewhere on the machine hits all alike.
say "attribute reads, create+remove cycles and their baselines ($REPS rounds)"
printf '1\n' >"$SHM/attr"
: >"$SHM/create"
PROBE=$((0x200000000))
PROBE_UUID=$(uuid_of $PROBE)
"$BENCH" create "$TYPEDIR" $PROBE 1 >/dev/null
# The same work on a tree mounted with -o no_open (reads from the page cache).
start_mdevfs "$MNT3" 1000 -o no_open
DAEMON3=$STARTED
"$BENCH" create "$MNT3/$TYPE_REL" $PROBE 1 >/dev/null
rounds "$LOG/small" "read $TYPEDIR/available_instances $READ_ITERS" \
	"read $PARENTDIR/$PROBE_UUID/vendor/resolution $READ_ITERS" \
	"read /sys/kernel/uevent_seqnum $READ_ITERS" \
	"read $SHM/attr $READ_ITERS" \
	"cycle $TYPEDIR $PARENTDIR $CYCLE_ITERS" \
	"write $SHM/create $(uuid_of 0) $WRITE_ITERS" \
	"read $MNT3/$TYPE_REL/available_instances $READ_ITERS" \
	"read $MNT3/$PARENT_REL/$PROBE_UUID/vendor/resolution $READ_ITERS" \
	"cycle $MNT3/$TYPE_REL $MNT3/$PARENT_REL $CYCLE_ITERS" \
	"readat $MNT3/$TYPE_REL/available_instances $READ_ITERS" \
	"readat /sys/kernel/uevent_seqnum $READ_ITERS" \
	"readat $SHM/attr $READ_ITERS"
"$BENCH" remove "$PARENTDIR" $PROBE 1 >/dev/null
unmount "$MNT3" "$DAEMON3"
DAEMON3=
AI_READ=$(column_median "$LOG/small" 1)
VA_READ=$(column_median "$LOG/small" 2)
SYSFS_READ=$(column_median "$LOG/small" 3)
TMPFS_READ=$(column_median "$LOG/small" 4)
CYCLE=$(column_median "$LOG/small" 5)
TMPFS_WRITE=$(column_median "$LOG/small" 6)
NO_AI_READ=$(column_median "$LOG/small" 7)
NO_VA_READ=$(column_median "$LOG/small" 8)
NO_CYCLE=$(column_median "$LOG/small" 9)
AT_AI_READ=$(column_median "$LOG/small" 10)
AT_SYSFS_READ=$(column_median "$LOG/small" 11)
AT_TMPFS_READ=$(column_median "$LOG/small" 12)

row "read available_instances vs sysfs" "$AI_READ" "$SYSFS_READ" ns 1.0
row "read available_instances vs tmpfs" "$AI_READ" "$TMPFS_READ" ns 1.5
row "read vendor/resolution vs sysfs" "$VA_READ" "$SYSFS_READ" ns 1.0
row "read vendor/resolution vs tmpfs" "$VA_READ" "$TMPFS_READ" ns 1.5
row "create+remove cycle vs tmpfs write" "$CYCLE" "$TMPFS_WRITE" ns 10
row "-o no_open: read available_instances vs sysfs" "$NO_AI_READ" "$SYSFS_READ" ns 1.0
row "-o no_open: read available_instances vs tmpfs" "$NO_AI_READ" "$TMPFS_READ" ns 1.5
row "-o no_open: read vendor/resolution vs sysfs" "$NO_VA_READ" "$SYSFS_READ" ns 1.0
row "-o no_open: read vendor/resolution vs tmpfs" "$NO_VA_READ" "$TMPFS_READ" ns 1.5
row "-o no_open: create+remove cycle vs tmpfs write" "$NO_CYCLE" "$TMPFS_WRITE" ns 10
# The same file operations without the path walks, whose depths differ
# (10 path components to the mdevfs file, 3 to the sysfs one, 4 to tmpfs).
row "-o no_open: read available_instances, openat vs sysfs" "$AT_AI_READ" "$AT_SYSFS_READ" ns 1.0
row "-o no_open: read available_instances, openat vs tmpfs" "$AT_AI_READ" "$AT_TMPFS_READ" ns 1.5

# ---------------------------------------------------------------------
# Growing the tree: listings, memory, the last 1k creates

# list_rows N: listings of the mdevfs tree and of a tmpfs image, N devices.
# The first listing after growing is timed once; then the warm listing,
# the listing after a create+remove and the tmpfs one take turns, one
# repetition each, so that a burst of load elsewhere hits all three.
# (Each mdevfs-bench call lists once untimed before its timed pass.)
list_rows() {
	local n=$1 lr cold reps

	# Small listings take a few ms: repeat them more (about 50k entries).
	reps=$((50000 / n > REPS ? 50000 / n : REPS))
	say "listing at $n devices ($reps reps)"
	"$BENCH" mirror "$SHM/tree" "$MIRRORED" $((n - MIRRORED)) >/dev/null
	MIRRORED=$n
	lr=$("$BENCH" list "$DEVDIR" 1)
	[ "$(field entries "$lr")" -eq "$n" ] || die "listed $(field entries "$lr") of $n devices"
	cold=$(field first_ms "$lr")
	: >"$LOG/list"
	for _ in $(seq "$reps"); do
		lr=$("${PIN[@]}" "$BENCH" list "$DEVDIR" 1)
		printf '%s ' "$(field median_ms "$lr")" >>"$LOG/list"
		lr=$("${PIN[@]}" "$BENCH" list "$DEVDIR" 1 "$TYPEDIR" "$PARENTDIR")
		printf '%s ' "$(field median_ms "$lr")" >>"$LOG/list"
		lr=$("${PIN[@]}" "$BENCH" list "$SHM/tree/bus/mdev/devices" 1)
		[ "$(field entries "$lr")" -eq "$n" ] || die "tmpfs image has $(field entries "$lr") entries"
		field median_ms "$lr" >>"$LOG/list"
	done
	row "listing ${n} (kernel caches warm)" "$(column_median "$LOG/list" 1)" \
		"$(column_median "$LOG/list" 3)" ms 2
	row "listing ${n} (after a create+remove)" "$(column_median "$LOG/list" 2)" \
		"$(column_median "$LOG/list" 3)" ms 2
	row "listing ${n} (first after growing; new entries)" "$cold" \
		"$(column_median "$LOG/list" 3)" ms 2
	echo "$n $(awk -v c="$cold" -v n=$((n - LISTED)) 'BEGIN { printf "%.0f", c * 1000 / n }')" \
		>>"$LOG/cold"
	LISTED=$n
}
LISTED=0

# grow_to N: bulk-create devices CREATED..N-1.
CREATED=0
MIRRORED=0
grow_to() {
	local r

	[ "$1" -gt "$CREATED" ] || return 0
	say "creating devices $CREATED..$(($1 - 1))"
	r=$("$BENCH" create "$TYPEDIR" "$CREATED" $(($1 - CREATED)))
	echo "$CREATED..$(($1 - 1)): $r" >>"$LOG/create"
	CREATE_MS=$(( ${CREATE_MS:-0} + $(field total_ms "$r" | cut -d. -f1) ))
	CREATED=$1
}

# runner_mdevctl NAME [RUNNER OPTION]...: mdevctl list through the
# runner, on a tree of its own with 1000 devices.
RUNNER=$BUILD/mdevfs-run
runner_mdevctl() {
	local name=$1

	shift
	"$RUNNER" "$@" -b mdpy:count=1000 -- env BENCH="$BENCH" \
		T="/sys/$TYPE_REL" R="$MDEVCTL_REPS" OUT="$LOG" N="$name" sh -ec '
		"$BENCH" create "$T" 0 1000 >/dev/null
		mdevctl list >"$OUT/mdevctl-$N.txt"
		"$BENCH" exec "$R" mdevctl list >"$OUT/mdevctl-$N.res"
	' 2>>"$LOG/runner.err" &&
		[ "$(grep -c . "$LOG/mdevctl-$name.txt")" -eq 1000 ]
}

# mdevctl_rows: `mdevctl list` on mdevfs and on a static copy of the tree,
# with the 1000 devices there are when it is called.
mdevctl_rows() {
	if [ "$(id -u)" -ne 0 ]; then
		say "not root: the mdevctl rows (unshare -m) are skipped"
		RUNNER_NOTE="not used (not root)"
		return 0
	fi
	say "mdevctl list at 1000 devices"
	MDEVCTL_SETUP='
		mount -t tmpfs mdevctl-etc /etc/mdevctl.d
		mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
	'
	# The static copy: the tree as it stands, copied into a tmpfs on /sys.
	# Write-only files cannot be read (kernfs refuses even root), so cp leaves
	# them out; they are added empty with their mode afterwards.
	unshare -m --propagation private env M="$MNT" BENCH="$BENCH" R="$MDEVCTL_REPS" \
		OUT="$LOG" sh -ec "$MDEVCTL_SETUP"'
		mount -t tmpfs mdevfs-static /sys
		cp -a "$M/bus" "$M/class" "$M/devices" "$M/kernel" /sys/ 2>"$OUT/cp.err" || true
		(cd "$M" && find . -type f ! -perm /0444 -print0) | (cd /sys && xargs -0 -r touch)
		(cd "$M" && find . -type f ! -perm /0444 -print0) | (cd /sys && xargs -0 -r chmod 0200)
		mdevctl list >"$OUT/mdevctl-static.txt"
		"$BENCH" exec "$R" mdevctl list >"$OUT/mdevctl-static.res"
	'
	# The same tree, bind-mounted on /sys in a private namespace.
	unshare -m --propagation private env M="$MNT" BENCH="$BENCH" R="$MDEVCTL_REPS" \
		OUT="$LOG" sh -ec "$MDEVCTL_SETUP"'
		mount --bind "$M" /sys
		mdevctl list >"$OUT/mdevctl-bind.txt"
		"$BENCH" exec "$R" mdevctl list >"$OUT/mdevctl-bind.res"
	'
	n_static=$(grep -c . "$LOG/mdevctl-static.txt" || true)
	n_bind=$(grep -c . "$LOG/mdevctl-bind.txt" || true)
	[ "$n_static" -eq 1000 ] || die "mdevctl list on the static copy printed $n_static devices"
	[ "$n_bind" -eq 1000 ] || die "mdevctl list on mdevfs printed $n_bind devices"
	cmp -s "$LOG/mdevctl-static.txt" "$LOG/mdevctl-bind.txt" ||
		say "WARNING: mdevctl list prints differently on the static copy"
	MDEVCTL_STATIC=$(field median_ns "$(cat "$LOG/mdevctl-static.res")")
	MDEVCTL_BIND=$(field median_ns "$(cat "$LOG/mdevctl-bind.res")")

	# Through the runner, when there is one that works: its default /sys
	# layout and, when it has one, the layout that replaces all of /sys.
	RUNNER_NOTE="absent"
	if [ -x "$RUNNER" ]; then
		if ! "$RUNNER" -b mdpy:count=1000 -- mdevctl list >/dev/null 2>"$LOG/runner.err"; then
			RUNNER_NOTE="does not work: $(head -1 "$LOG/runner.err")"
		elif ! runner_mdevctl runner; then
			RUNNER_NOTE="fails with 1000 devices: $(tail -1 "$LOG/runner.err")"
		else
			RUNNER_NOTE=ok
		fi
	fi
	if [ "$RUNNER_NOTE" = ok ]; then
		MDEVCTL_RUNNER=$(field median_ns "$(cat "$LOG/mdevctl-runner.res")")
		row "mdevctl list, 1000 devs, mdevfs-run vs static" "$((MDEVCTL_RUNNER / 1000))" \
			"$((MDEVCTL_STATIC / 1000))" us 1.5
		if runner_mdevctl runner-full --layout full; then
			MDEVCTL_FULL=$(field median_ns "$(cat "$LOG/mdevctl-runner-full.res")")
			row "mdevctl list, 1000 devs, mdevfs-run --layout full" \
				"$((MDEVCTL_FULL / 1000))" "$((MDEVCTL_STATIC / 1000))" us 1.5
		fi
	else
		say "mdevfs-run: $RUNNER_NOTE; mdevctl runs on a bind mount of the tree only"
	fi
	row "mdevctl list, 1000 devs, tree bind-mounted on /sys" "$((MDEVCTL_BIND / 1000))" \
		"$((MDEVCTL_STATIC / 1000))" us 1.5
}

# at_size N: everything measured at N devices.
at_size() {
	grow_to "$1"
	list_rows "$1"
	if [ "$1" -eq 1000 ]; then
		mdevctl_rows
	fi
	rss_row "$1" "$(rss_kib)"
}

RUNNER_NOTE="not run"
for n in 1000 10000; do
	if [ "$n" -lt "$MAX_DEVICES" ]; then
		at_size "$n"
	fi
done
# The last 1k creates of the largest tree (devices MAX_DEVICES-1000 on),
# interleaved with the first 1k on a fresh daemon so that both see the
# same load on the machine; one repetition of each in turn.
grow_to $((MAX_DEVICES - 1000))
start_mdevfs "$MNT2" 1000
DAEMON2=$STARTED
say "last 1k creates, interleaved with the first 1k on a fresh tree ($REPS reps)"
: >"$LOG/last1k"
: >"$LOG/first1k"
"$BENCH" trial "$MNT2/$TYPE_REL" "$MNT2/$PARENT_REL" 0 1000 1 >/dev/null  # warm-up
for _ in $(seq "$REPS"); do
	R=$("$BENCH" trial "$TYPEDIR" "$PARENTDIR" $((MAX_DEVICES - 1000)) 1000 1)
	echo "$(field median_ns "$R") $(field rm_median_ns "$R")" >>"$LOG/last1k"
	R=$("$BENCH" trial "$MNT2/$TYPE_REL" "$MNT2/$PARENT_REL" 0 1000 1)
	echo "$(field median_ns "$R") $(field rm_median_ns "$R")" >>"$LOG/first1k"
done
unmount "$MNT2" "$DAEMON2"
DAEMON2=
LAST1K=$(column_median "$LOG/last1k" 1)
LAST1K_RM=$(column_median "$LOG/last1k" 2)
FRESH1K=$(column_median "$LOG/first1k" 1)
FRESH1K_RM=$(column_median "$LOG/first1k" 2)
at_size "$MAX_DEVICES"
row "create, last 1k of $MAX_DEVICES vs first 1k (interleaved)" "$LAST1K" "$FRESH1K" ns 1.2
row "create, last 1k vs first 1k at the start of the run" "$LAST1K" "$FIRST1K" ns -
row "remove, newest 1k at $MAX_DEVICES devs vs first 1k" "$LAST1K_RM" "$FRESH1K_RM" ns -

say "attribute reads with $MAX_DEVICES devices ($REPS rounds)"
rounds "$LOG/big" "read $TYPEDIR/available_instances $READ_ITERS" \
	"read $PARENTDIR/$(uuid_of $((MAX_DEVICES - 1)))/vendor/resolution $READ_ITERS" \
	"read /sys/kernel/uevent_seqnum $READ_ITERS"
row "read available_instances at $MAX_DEVICES devs vs sysfs" \
	"$(column_median "$LOG/big" 1)" "$(column_median "$LOG/big" 3)" ns 1.0
row "read vendor/resolution at $MAX_DEVICES devs vs sysfs" \
	"$(column_median "$LOG/big" 2)" "$(column_median "$LOG/big" 3)" ns 1.0

# Last, as it shrinks the tree: removing the oldest devices.
say "removing the oldest 1000 devices"
R=$("$BENCH" remove "$PARENTDIR" 0 1000)
row "remove, oldest 1k at $MAX_DEVICES devs vs first 1k" \
	"$(awk -v t="$(field total_ms "$R")" 'BEGIN { printf "%.0f", t * 1000 }')" \
	"$FRESH1K_RM" ns -

# ---------------------------------------------------------------------
# Done with the daemon

say "unmounting"
unmount "$MNT" "$DAEMON"
DAEMON=
mounted "$MNT" && die "$MNT still mounted"

# ---------------------------------------------------------------------
# Create cost by the shape of the UUIDs, on a fresh tree: UUID_COUNT
# creates of UUIDs that share their last 6 bytes against as many random
# ones, taking turns (mdevfs-bench uuidcost).  A UUID registry that
# hashes only part of the UUID (bytes 12-15) puts the first kind in one
# bucket, and each create then costs more than the one before.

start_mdevfs "$MNT2" $((UUID_COUNT + 1))
DAEMON2=$STARTED
say "create cost: $UUID_COUNT same-tail vs random UUIDs ($UUID_REPS reps)"
R=$("${PIN[@]}" "$BENCH" uuidcost "$MNT2/$TYPE_REL" "$MNT2/$PARENT_REL" "$UUID_COUNT" "$UUID_REPS")
echo "$R" >"$LOG/uuidcost"
unmount "$MNT2" "$DAEMON2"
DAEMON2=
row "create $UUID_COUNT, UUIDs sharing last 6 bytes vs random" \
	"$(field same_tail_ns "$R")" "$(field random_ns "$R")" ns 1.2
row "remove $UUID_COUNT, UUIDs sharing last 6 bytes vs random" \
	"$(field same_tail_rm_ns "$R")" "$(field random_rm_ns "$R")" ns -
T1=$(date +%s)

# ---------------------------------------------------------------------
# The table

echo
echo "mdevfs benchmark, $DATE"
echo "machine: $CPU, $CORES cores, $MEM RAM, Linux $KERNEL, libfuse $FUSEVER, mdevctl ${MDEVCTL_VER:-?}"
echo "mdevfs: $MDEVFS, built $BUILT, tree $GIT; mdevfs-run: $RUNNER_NOTE"
echo "$REPS repetitions of each loop, medians shown; load average before: $LOAD0, after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "$BENCH_CPU" ]; then
	echo "reads, writes, cycles and listings: client pinned to CPU $BENCH_CPU"
else
	echo "reads, writes, cycles and listings: client not pinned"
fi
echo
awk -F'\t' '
function fmt(v, u) {
	if (u == "ns" && v >= 10000) return sprintf("%.1f us", v / 1000)
	if (u == "ns") return sprintf("%.0f ns", v)
	if (u == "KiB") return sprintf("%.1f MiB", v / 1024)
	if (u == "ms") return sprintf("%.2f ms", v)
	if (u == "us") return sprintf("%.1f ms", v / 1000)
	return sprintf("%s %s", v, u)
}
BEGIN {
	printf "%-56s %12s %12s %8s %8s  %s\n", "measurement", "mdevfs", "baseline",
	       "ratio", "target", "result"
}
{
	ratio = $3 > 0 ? $2 / $3 : 0
	if ($5 == "-") {
		target = "-"
		res = "info"
	} else {
		target = "<=" $5 "x"
		res = ratio <= $5 ? "PASS" : "MISS"
	}
	printf "%-56s %12s %12s %7.2fx %7s  %s\n", $1, fmt($2, $4), fmt($3, $4),
	       ratio, target, res
}' "$ROWS"
echo
echo "baselines: sysfs = /sys/kernel/uevent_seqnum, tmpfs = a file in /dev/shm;"
echo "  create+remove is one 36-byte write to create plus one \"1\" to remove,"
echo "  compared with one tmpfs open+write(36)+close; listings compare with a"
echo "  tmpfs tree of the same symlinks; RSS compares with its limit."
echo "bulk creation of $CREATED devices took $((CREATE_MS / 1000)).$(( (CREATE_MS % 1000) / 100 )) s; whole run $((T1 - T0)) s"
sed 's/^/  create /' "$LOG/create"
echo "  create cost by UUID shape ($UUID_REPS reps, medians per create): $(cat "$LOG/uuidcost")"
while read -r n us; do
	echo "  first listing after growing to $n devices: $us us per new device"
done <"$LOG/cold"
while read -r n t; do
	echo "  daemon threads when RSS was read at $n devices: $t"
done <"$LOG/threads"
# What each device added to the daemon's RSS, from the empty tree on.
awk 'NR == 1 { base = $2 } NR > 1 && $1 > 0 {
	printf "  daemon RSS per device, 0 to %d devices: %d bytes\n", $1,
	       ($2 - base) * 1024 / $1
}' "$LOG/rss"
