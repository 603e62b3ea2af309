# shellcheck shell=bash
# Helpers for the mdevctl suite, sourced by its scripts (bash).
#
# Outside the runner: skip(), fail(), need_fuse(), need_mdevctl() and
# in_runner(), which runs mdevfs-run and checks that it left nothing
# behind on the host.
# Inside the runner: expect(), expect_error(), quiet() compare a
# command's output exactly and count failures in FAILURES; finish() exits.

FAILURES=0

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# Skip if FUSE cannot be used here: no /dev/fuse, no permission to open
# it, or the kernel refuses the mount (as the daemon reports it).
need_fuse() {
	local probe

	[ -c /dev/fuse ] || skip "/dev/fuse unusable: it does not exist"
	( exec 3<>/dev/fuse ) 2>/dev/null ||
		skip "/dev/fuse unusable: $(id -un) cannot open it"
	probe=$("$MDEVFS_RUN" -- true 2>&1) && return
	probe=$(grep -m1 '^fuse: ' <<<"$probe") &&
		skip "/dev/fuse unusable: $probe"
}

need_mdevctl() {
	command -v mdevctl >/dev/null || skip "mdevctl is not installed"
}

# Mount points and sources the runner could leak onto the host: anything
# below /sys, /etc or the staging area, and any mount it named.
host_mounts() {
	awk -v tmp="$1" '{
		for (i = 7; $i != "-"; i++) ;
		if ($5 ~ "^/(sys|etc)(/|$)" || index($5, tmp) == 1 ||
		    $(i + 2) == "mdevfs-run")
			print $5, $(i + 1), $(i + 2)
	}' /proc/self/mountinfo | sort
}

# procs_with(): tests/include/procs.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../include/procs.sh"

# in_runner [RUNNER-OPTIONS] -- COMMAND...: mdevfs-run with a private
# TMPDIR, then check that the host has no new mount, no staging
# directory left and no daemon still running.  Returns COMMAND's status.
in_runner() {
	local tmp before after rc

	tmp=$(mktemp -d "${TMPDIR:-/tmp}/mdevctl-test.XXXXXX") || fail "mktemp"
	chmod 755 "$tmp"
	before=$(host_mounts "$tmp")
	TMPDIR=$tmp "$MDEVFS_RUN" "$@"
	rc=$?
	after=$(host_mounts "$tmp")
	if [ "$before" != "$after" ]; then
		echo "FAIL: the host's mounts changed:" >&2
		diff <(echo "$before") <(echo "$after") >&2
		rc=1
	fi
	if [ -n "$(ls -A "$tmp")" ]; then
		echo "FAIL: left in TMPDIR: $(ls -A "$tmp")" >&2
		rc=1
	fi
	if [ -n "$(procs_with "$tmp/")" ]; then
		echo "FAIL: processes left: $(procs_with "$tmp/")" >&2
		rc=1
	fi
	rmdir "$tmp"
	return $rc
}

# capture COMMAND...: sets OUT, ERR (exact, trailing newlines kept), RC.
capture() {
	local o e

	o=$(mktemp) && e=$(mktemp) || fail "mktemp"
	"$@" >"$o" 2>"$e" </dev/null
	RC=$?
	OUT=$(cat "$o"; echo .) && OUT=${OUT%.}
	ERR=$(cat "$e"; echo .) && ERR=${ERR%.}
	rm -f "$o" "$e"
}

mismatch() {
	FAILURES=$((FAILURES + 1))
	{
		echo "FAIL: $CMD: $1 differs"
		echo "--- expected"
		printf '%s' "$2"
		echo "--- got"
		printf '%s' "$3"
		echo "---"
	} >&2
}

# expect STATUS COMMAND... <<EOF: stdout must be the here-document and
# stderr empty.
expect() {
	local want_rc=$1 want

	shift
	want=$(cat; echo .) && want=${want%.}
	CMD="$*"
	capture "$@"
	[ "$RC" = "$want_rc" ] || mismatch "exit status" "$want_rc"$'\n' "$RC"$'\n'
	[ "$OUT" = "$want" ] || mismatch "stdout" "$want" "$OUT"
	[ -z "$ERR" ] || mismatch "stderr" "" "$ERR"
}

# expect_error COMMAND... <<EOF: exit status 1, nothing on stdout, and
# stderr must be the here-document (mdevctl's "Error: ..." report).
expect_error() {
	local want

	want=$(cat; echo .) && want=${want%.}
	CMD="$*"
	capture "$@"
	[ "$RC" = 1 ] || mismatch "exit status" $'1\n' "$RC"$'\n'
	[ -z "$OUT" ] || mismatch "stdout" "" "$OUT"
	[ "$ERR" = "$want" ] || mismatch "stderr" "$want" "$ERR"
}

# quiet COMMAND...: succeeds without a word.
quiet() {
	expect 0 "$@" </dev/null
}

# check CONDITION-COMMAND... MESSAGE is spelled: check "message" test ...
check() {
	local msg=$1

	shift
	"$@" || { FAILURES=$((FAILURES + 1)); echo "FAIL: $msg" >&2; }
}

finish() {
	if [ "$FAILURES" -ne 0 ]; then
		echo "$FAILURES check(s) failed" >&2
		exit 1
	fi
	exit 0
}
