# shellcheck shell=bash
# Helpers for the containers suite (podman + mdevfs-hook), sourced by its
# scripts.  Every check prints one line, "ok - WHAT" or "FAIL - WHAT: WHY";
# finish() exits 1 if any failed.  Every podman call is bounded by
# timeout(1), and the scripts' traps remove their containers and unmount
# their trees however they end.
#
# Environment (from CMake): MDEVFS, MDEVFS_HOOK, MDEVFS_RUN, PLUGIN_DIR,
# SRC_DIR.

FAILURES=0
CONTAINERS=()           # names to remove at exit

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL - $*"; exit 1; }
ok() { echo "ok - $*"; }
not_ok() { echo "FAIL - $*"; FAILURES=$((FAILURES + 1)); }

# check WHAT COMMAND...: one line for the outcome of COMMAND.
check() {
	local what=$1

	shift
	if "$@"; then
		ok "$what"
	else
		not_ok "$what"
	fi
}

# quietly COMMAND...: COMMAND without its output.
quietly() { "$@" >/dev/null 2>&1; }

# same WHAT WANT GOT: compare two strings.
same() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1: wanted '$2', got '$(printf %s "$3" | tr '\n' '|' | head -c 600)'"
	fi
}

# has WHAT NEEDLE TEXT: TEXT contains NEEDLE.
has() {
	if [[ $3 == *"$2"* ]]; then
		ok "$1"
	else
		not_ok "$1: no '$2' in '$(printf %s "$3" | tr '\n' '|' | head -c 600)'"
	fi
}

finish() {
	if [ "$FAILURES" -gt 0 ]; then
		echo "$FAILURES check(s) failed"
		exit 1
	fi
	exit 0
}

# Skip only when FUSE cannot be used at all here.
need_fuse() {
	[ -c /dev/fuse ] || skip "/dev/fuse unusable: it does not exist"
	( exec 3<>/dev/fuse ) 2>/dev/null ||
		skip "/dev/fuse unusable: $(id -un) cannot open it"
}

# podman must run: if it cannot, the test fails with podman's own words.
need_podman() {
	local out

	command -v podman >/dev/null ||
		fail "podman is not installed (.ci/install-deps installs it)"
	command -v runc >/dev/null ||
		fail "runc is not installed (.ci/install-deps installs it)"
	out=$(pod run --rm "${RUN_OPTS[@]}" "${ROOTFS[@]}" true 2>&1) ||
		fail "podman cannot run a container here: $(tr '\n' ' ' <<<"$out")"
}

# The options every podman call takes on these machines: crun refuses
# the hybrid cgroup layout, so runc with cgroupfs; the test processes may
# lack CAP_SYS_RESOURCE, so podman may not raise the open-file and
# process limits past ours (its defaults for root are higher).
PODMAN_GLOBAL=(--runtime runc --cgroup-manager=cgroupfs)
RUN_OPTS=(--network none --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)"
	  --ulimit "nproc=4096:4096")

# pod ARGS...: podman with the global options and our hooks.d, bounded.
pod() {
	timeout 90 podman "${PODMAN_GLOBAL[@]}" ${HOOKS_DIR:+--hooks-dir "$HOOKS_DIR"} "$@"
}

# The container's root: the host's own.  As root an overlay of / keeps
# the host unchanged; a user namespace cannot put an overlay on / (its
# submounts are locked), so rootless containers get a skeleton of their
# own with the host's /usr read-only and a copy of /etc.
ROOTFS=(--rootfs /:O)
rootless_rootfs() {
	local r=$1/rootfs

	mkdir -p "$r"/{usr,proc,sys,dev,run,tmp,var/tmp,etc,root,home}
	for l in bin lib lib64 sbin; do
		[ -L "/$l" ] && ln -sfn "usr/$l" "$r/$l"
	done
	cp -a /etc/. "$r/etc/" 2>/dev/null || true
	ROOTFS=(-v /usr:/usr:ro --rootfs "$r")
}

# Mounts that a run could leave on the host: anything below /sys, below
# DIR (the test's directory) or in a hook's staging directory, and fuse
# mounts in podman's storage.  (Other fuse mounts on the host are other
# programs': CI may run other suites at the same time.)
host_mounts() {
	awk -v dir="$1" '{
		for (i = 7; $i != "-"; i++) ;
		if ($5 ~ "^/sys(/|$)" || index($5, dir) == 1 ||
		    $5 ~ "mdevfs-hook" || $(i + 2) == "mdevfs-hook" ||
		    ($5 ~ "/containers/" && $(i + 1) ~ "^fuse"))
			print $5, $(i + 1), $(i + 2)
	}' /proc/self/mountinfo | sort
}

# same_mounts WHAT BEFORE DIR: the host's mounts (host_mounts DIR) are still BEFORE.
same_mounts() {
	local now

	now=$(host_mounts "$3")
	if [ "$2" = "$now" ]; then
		ok "$1"
	else
		not_ok "$1: $(diff <(echo "$2") <(echo "$now") | grep '^[<>]' | tr '\n' '|')"
	fi
}

# procs_with(): tests/include/procs.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../include/procs.sh"

# wait_for SECONDS COMMAND...: until COMMAND succeeds, at most SECONDS.
wait_for() {
	local end=$((SECONDS + $1))

	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# hooks_json DIR LOGDIR: a hooks.d file for the build tree's hook.
hooks_json() {
	mkdir -p "$1"
	cat >"$1/mdevfs.json" <<EOF
{
  "version": "1.0.0",
  "hook": {
    "path": "$MDEVFS_HOOK",
    "args": ["mdevfs-hook", "--mdevfs=$MDEVFS", "--plugin-dir=$PLUGIN_DIR",
             "--log-dir=$2"],
    "timeout": 30
  },
  "when": { "annotations": { "^io\\\\.mdevfs\\\\.(tree|backends)\$": ".+" } },
  "stages": ["createRuntime", "poststop"]
}
EOF
}

# Remove the containers started so far, without waiting for them.
remove_containers() {
	[ "${#CONTAINERS[@]}" -gt 0 ] || return 0
	pod rm -f -t 0 --ignore "${CONTAINERS[@]}" >/dev/null 2>&1 || true
	CONTAINERS=()
}
