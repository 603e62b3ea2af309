# shellcheck shell=bash
# Helpers for the libvirt suite (the real clients as judges), sourced by
# its scripts, which run with set -euo pipefail.
#
# Outside the runner: skip(), fail(), need_fuse(), need_cmds() and
# sandbox(), which runs mdevfs-run with a private TMPDIR and then checks
# that nothing was left behind on the host (mounts, files, processes).
# Inside the runner: wait_for(), and stop_pid() for the daemons a test
# starts there.

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "$*"; }

# Skip when, and only when, /dev/fuse cannot be used here (as
# tests/mount/lib.sh's fuse_unusable judges it, plus the kernel refusing
# the mount as the daemon reports it).
need_fuse() {
	local err probe

	[[ -n ${MDEVFS_RUN-} ]] || fail "MDEVFS_RUN is not set (run the test with ctest)"
	[[ -e /dev/fuse ]] || skip "/dev/fuse unusable: it does not exist"
	[[ -c /dev/fuse ]] || skip "/dev/fuse unusable: not a character device"
	err=$( (exec 3<>/dev/fuse) 2>&1) ||
		skip "/dev/fuse unusable: open: ${err##*: }"
	if ! probe=$("$MDEVFS_RUN" -- true 2>&1); then
		probe=$(grep -m1 '^fuse: ' <<<"$probe") &&
			skip "/dev/fuse unusable: $probe"
		fail "mdevfs-run -- true: $probe"
	fi
	return 0
}

# need_cmds CMD...: every command must be installed (.ci/install-deps
# installs them); a missing one is a failure, not a skip.
need_cmds() {
	local c

	for c; do
		command -v "$c" >/dev/null ||
			fail "$c is not installed (run .ci/install-deps)"
	done
}

# Mounts a run could leak onto the host: anything below /sys or /etc,
# /run itself and /run/libvirt (the tests mount a private /run), the
# staging area, and any mount the runner named.
host_mounts() {
	awk -v tmp="$1" '{
		for (i = 7; $i != "-"; i++) ;
		if ($5 ~ "^/(sys|etc)(/|$)" || $5 ~ "^/run(/libvirt.*)?$" ||
		    index($5, tmp) == 1 || $(i + 2) == "mdevfs-run")
			print $5, $(i + 1), $(i + 2)
	}' /proc/self/mountinfo | sort
}

# procs_with(): tests/include/procs.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../include/procs.sh"

# sandbox [RUNNER-OPTIONS] -- COMMAND...: mdevfs-run with a private
# TMPDIR (the command keeps its daemons' files there, so that one left
# running is found by its command line), then check the host: no new
# mount, nothing left in TMPDIR, no process of the run.  Returns the
# command's status, or 1 if something was left.
sandbox() {
	local tmp before after rc=0 left

	tmp=$(mktemp -d "${TMPDIR:-/tmp}/libvirt-test.XXXXXX")
	chmod 755 "$tmp"
	before=$(host_mounts "$tmp")
	TMPDIR=$tmp "$MDEVFS_RUN" "$@" || rc=$?
	# A daemon of a killed run may take a moment to go.
	for _ in $(seq 50); do
		[[ -z $(procs_with "$tmp/") ]] && break
		sleep 0.1
	done
	left=$(procs_with "$tmp/")
	if [[ -n $left ]]; then
		echo "FAIL: processes left running: $left" >&2
		rc=1
	fi
	after=$(host_mounts "$tmp")
	if [[ $before != "$after" ]]; then
		echo "FAIL: the host's mounts changed:" >&2
		diff <(echo "$before") <(echo "$after") >&2 || true
		rc=1
	fi
	if [[ -n $(ls -A "$tmp") ]]; then
		echo "FAIL: left in TMPDIR: $(ls -A "$tmp")" >&2
		rc=1
	fi
	rm -rf "$tmp"
	return "$rc"
}

# wait_for SECONDS COMMAND...: run COMMAND every 0.1 s until it succeeds
# (0) or SECONDS have passed (1).
wait_for() {
	local end=$((SECONDS + $1))

	shift
	while :; do
		"$@" && return 0
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}

# stop_pid PID: SIGTERM, up to 5 s to go, then SIGKILL; reaped if ours.
stop_pid() {
	local i

	kill -TERM "$1" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
