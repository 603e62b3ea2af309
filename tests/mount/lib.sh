# Shared by the mount tests written in bash (source it).

# mounted DIR [FSTYPE]: is there a mount (of that type) at DIR?
mounted() {
	awk -v m="$1" -v t="${2:-}" '
		{ for (i = 7; i <= NF; i++) if ($i == "-") { type = $(i + 1); break } }
		$5 == m && (t == "" || type == t) { found = 1 }
		END { exit !found }' /proc/self/mountinfo
}

# fuse_unusable: print why /dev/fuse cannot be used here and succeed, or
# fail if it can.  (<> would create a missing /dev/fuse as a plain file,
# so it must be a device first.)
fuse_unusable() {
	local err
	if [[ ! -e /dev/fuse ]]; then
		echo "open: No such file or directory"
	elif [[ ! -c /dev/fuse ]]; then
		echo "/dev/fuse is not a character device"
	elif ! err=$( (exec 3<>/dev/fuse) 2>&1); then
		echo "open: ${err##*: }"
	else
		return 1
	fi
}

# stop_pids PID...: SIGTERM, up to 3 s to go, then SIGKILL; reaped.
stop_pids() {
	local p i
	for p; do
		kill -TERM "$p" 2>/dev/null
	done
	for p; do
		for ((i = 0; i < 60; i++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

# skip REASON: /dev/fuse cannot be used here (the only reason to skip).
skip() {
	echo "SKIP: /dev/fuse unusable: $*"
	exit 77
}

# bad/good WHAT: one result of the current $case, counted in $failures
# and $passes.
bad() { echo "FAIL [$case]: $*" >&2; failures=$((failures + 1)); }
good() { echo "ok   [$case] $*"; passes=$((passes + 1)); }
