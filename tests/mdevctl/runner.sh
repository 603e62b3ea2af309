#!/usr/bin/env bash
# mdevfs-run itself: exit statuses, what the command sees at /sys and
# /etc/mdevctl.d, the options, signals, a daemon that dies, and that
# nothing is left on the host afterwards, however the runner ends
# (in_runner and nothing_left check mounts, TMPDIR and processes).
# Environment: MDEVFS_RUN.
. "$(dirname "$0")/lib.sh"

need_fuse
need_mdevctl
R=$MDEVFS_RUN
U=2b3a9e2c-1111-4f6e-9a3e-0123456789ab
work=$(mktemp -d /tmp/mdevfs-run-test.XXXXXX) || fail "mktemp"
trap 'rm -rf "$work"' EXIT

# status WANT [RUNNER-OPTIONS] -- COMMAND...: the runner's exit status.
status() {
	local want=$1

	shift
	capture in_runner "$@"
	check "mdevfs-run $*: status $RC, not $want; stderr: $ERR" \
		test "$RC" = "$want"
}

exit_statuses() {
	status 0 -- true
	status 3 -- sh -c 'exit 3'
	status 137 -- sh -c 'kill -KILL $$'
	status 143 -- sh -c 'kill -TERM $$'
	status 127 -- /nonexistent/command
	status 126 -- /etc/passwd
	status 125 -b no-such-backend -- true
	status 125 --profile=2.6 -- true
	status 125 -o no_such_option -- true
	status 125 --mdevfs=/bin/false -- true
	status 125
	status 125 --layout=sideways -- true
	status 125 --keep-etc --mdevctl-dir=/tmp -- true
	status 0 -b mtty --profile=newest -o cache_timeout=0 -- true
	status 0 -bmtty -ocache_timeout=0,allow_other -- true
	# Options after the command are the command's.
	status 0 mdevctl list -d
}

output() {
	expect 0 in_runner -- echo the command alone writes stdout <<'EOF'
the command alone writes stdout
EOF
	capture in_runner --keep-etc
	check "no command: '$ERR'" \
		test "$ERR" = $'mdevfs-run: no command given (try --help)\n'
	capture "$R" --help
	check "--help: rc $RC" test "$RC" = 0 -a -z "$ERR"
	[[ $OUT == *"[--] COMMAND [ARG"* ]]
	check "--help: usage line missing" test $? = 0
	capture in_runner --mdevfs=/bin/false -- true
	check "a daemon that fails: '$ERR'" test "$ERR" = \
		$'mdevfs-run: mdevfs ended (exit status 1) before mounting the tree\n'
}

# The daemon is found next to the runner, then in $PATH.
find_daemon() {
	mkdir "$work/bin"
	cp "$R" "$work/bin/"
	if ! PATH=/usr/bin:/bin command -v mdevfs >/dev/null; then
		capture env PATH=/usr/bin:/bin "$work/bin/mdevfs-run" -- true
		check "no daemon anywhere: rc $RC, '$ERR'" test "$RC/$ERR" = \
			"125/mdevfs-run: cannot find mdevfs (use --mdevfs=PATH)"$'\n'
	fi
	capture env PATH="$(dirname "$R"):$PATH" "$work/bin/mdevfs-run" -- \
		test -d /sys/class/mdev_bus/mtty
	check "daemon from \$PATH: rc $RC, '$ERR'" test "$RC" = 0
}

etc() {
	expect 0 in_runner -- sh -c 'find /etc/mdevctl.d | sort' <<'EOF'
/etc/mdevctl.d
/etc/mdevctl.d/scripts.d
/etc/mdevctl.d/scripts.d/callouts
/etc/mdevctl.d/scripts.d/notifiers
EOF
	status 0 -- mdevctl define -u $U -p mtty -t mtty-1
	check "a definition reached the host" test ! -e /etc/mdevctl.d/mtty/$U
	# --keep-etc: the host's own directory, or none, as on the host.
	if [ -e /etc/mdevctl.d ]; then
		expect 0 in_runner --keep-etc -- stat -c %d:%i /etc/mdevctl.d \
			< <(stat -c %d:%i /etc/mdevctl.d)
	else
		status 1 --keep-etc -- test -e /etc/mdevctl.d
	fi
	# --mdevctl-dir: definitions persist from one run to the next.
	mkdir "$work/conf"
	status 0 --mdevctl-dir="$work/conf" -- \
		mdevctl define -u $U -p mtty -t mtty-2 --auto
	check "definition not in --mdevctl-dir" test -f "$work/conf/mtty/$U"
	check "scripts.d not made" test -d "$work/conf/scripts.d/callouts"
	expect 0 in_runner --mdevctl-dir="$work/conf" -- \
		sh -c 'mdevctl start-parent-mdevs mtty && mdevctl list' <<EOF
$U mtty mtty-2 auto (defined)

EOF
}

# What /sys looks like in each layout.
layouts() {
	local layout

	capture in_runner -v -- sh -c 'echo $MDEVFS_RUN_LAYOUT'
	layout=${OUT%$'\n'}
	echo "layout here: $layout; mdevfs-run -v said:"
	grep "layout" <<<"$ERR"
	check "MDEVFS_RUN_LAYOUT is '$layout'" \
		test "$layout" = overlay -o "$layout" = full
	grep -q "^mdevfs-run: /sys layout: $layout " <<<"$ERR"
	check "-v does not say which layout" test $? = 0
	if [ "$layout" = overlay ]; then
		overlay_layout
	else
		status 125 --layout=overlay -- true
	fi
	expect 0 in_runner --layout=full -- sh -c \
		'ls /sys; echo $MDEVFS_RUN_LAYOUT; realpath /sys/class/mdev_bus/mtty' <<'EOF'
bus
class
devices
kernel
full
/sys/devices/virtual/mtty/mtty
EOF
}

# The rest of the real /sys is still there, submounts included.
overlay_layout() {
	local outside missing

	outside=$(awk '$5 ~ "^/sys/" { print $5 }' /proc/self/mountinfo | sort)
	expect 0 in_runner --layout=overlay -- sh -c '
		echo $MDEVFS_RUN_LAYOUT
		realpath /sys/class/mdev_bus/mtty
		ls /sys/bus/mdev/drivers /sys/class/mtty
		test -e /sys/class/net/lo && echo lo
		test -e /sys/kernel/mm && echo mm' <<'EOF'
overlay
/sys/devices/virtual/mtty/mtty
/sys/bus/mdev/drivers:
mtty

/sys/class/mtty:
mtty
lo
mm
EOF
	# Every mount below /sys outside is one inside too.
	capture in_runner -- awk '$5 ~ "^/sys/" { print $5 }' /proc/self/mountinfo
	missing=$(comm -23 <(echo "$outside") <(echo "$OUT" | sort))
	check "submounts of /sys lost: $missing" test -z "$missing"
}

# ^C is the command's business; SIGTERM and SIGHUP are forwarded.
signals() {
	local rpid rc tmp=$work/sig

	mkdir "$tmp"
	TMPDIR=$tmp "$R" -- sh -c "trap 'exit 42' TERM; touch $tmp/ready
		while :; do sleep 0.05; done" &
	rpid=$!
	wait_for "$tmp/ready"
	kill -TERM $rpid
	wait $rpid
	rc=$?
	check "SIGTERM: status $rc, not 42" test $rc = 42
	TMPDIR=$tmp "$R" -- sh -c "trap 'exit 43' HUP; touch $tmp/ready2
		while :; do sleep 0.05; done" &
	rpid=$!
	wait_for "$tmp/ready2"
	kill -HUP $rpid
	wait $rpid
	rc=$?
	check "SIGHUP: status $rc, not 43" test $rc = 43
	# A runner that is killed outright takes the daemon with it.
	TMPDIR=$tmp "$R" -- sh -c "echo \$\$ >$tmp/pid; exec sleep 60" &
	rpid=$!
	wait_for "$tmp/pid"
	kill -KILL $rpid
	wait $rpid 2>/dev/null
	for _ in $(seq 50); do
		[ -n "$(procs_with "$tmp/mdevfs-run")" ] || break
		sleep 0.1
	done
	check "daemon outlived a killed runner" \
		test -z "$(procs_with "$tmp/mdevfs-run")"
	kill "$(cat "$tmp/pid")"
	# Then the namespace is gone and the staging dir is only a dir.
	for _ in $(seq 50); do
		rmdir "$tmp"/mdevfs-run.* 2>/dev/null && break
		sleep 0.1
	done
	rm -f "$tmp/ready" "$tmp/ready2" "$tmp/pid"
	check "staging dir left: $(ls -A "$tmp")" rmdir "$tmp"
}

# Nothing left after a runner that ended on a signal: no staging dir in
# TMP, no process of the run, no new mount.  LABEL names the case.
# TMP is removed afterwards, whatever is in it.
nothing_left() {
	local tmp=$1 label=$2 before=$3

	# The daemon of a runner that was killed ends on its own, shortly.
	for _ in $(seq 50); do
		[ -n "$(procs_with "$tmp/")" ] || break
		sleep 0.1
	done
	check "$label: processes left: $(procs_with "$tmp/")" \
		test -z "$(procs_with "$tmp/")"
	check "$label: left in TMPDIR: $(ls -A "$tmp")" test -z "$(ls -A "$tmp")"
	check "$label: the host's mounts changed" \
		test "$before" = "$(host_mounts "$tmp")"
	rm -rf "$tmp"
}

# The kinds of end that used to leave the staging directory behind.
cleanup_on_signals() {
	local tmp=$work/clean rpid rc before

	mkdir "$work/flags"
	before=$(host_mounts "$tmp")
	# A TMPDIR of its own for each case.
	mkdir "$tmp"
	# The runner's own stderr is the pipe: its last note meets EPIPE
	# (SIGPIPE is ignored; the command dies of it, 141, as it should).
	TMPDIR=$tmp "$R" -v -- seq 200000 2>&1 | head -1 >/dev/null
	rc=${PIPESTATUS[0]}
	check "SIGPIPE: status $rc, not 141" test "$rc" = 141
	nothing_left "$tmp" "SIGPIPE" "$before"

	# SIGTERM while the command runs: passed on, then the clean-up.
	mkdir "$tmp"
	TMPDIR=$tmp "$R" -- sh -c "touch $work/flags/sleeping; exec sleep 60" &
	rpid=$!
	wait_for "$work/flags/sleeping"
	kill -TERM $rpid
	wait $rpid
	rc=$?
	check "SIGTERM during the command: status $rc, not 143" test $rc = 143
	nothing_left "$tmp" "SIGTERM during the command" "$before"

	# SIGTERM while the daemon starts: clean up, then die of SIGTERM.
	mkdir "$tmp"
	printf '#!/bin/sh\ntouch %s\nsleep 2\nexec %s "$@"\n' \
		"$work/flags/starting" "$(dirname "$R")/mdevfs" >"$work/slow-mdevfs"
	chmod +x "$work/slow-mdevfs"
	TMPDIR=$tmp "$R" --mdevfs="$work/slow-mdevfs" -- true &
	rpid=$!
	wait_for "$work/flags/starting"
	kill -TERM $rpid
	wait $rpid
	rc=$?
	check "SIGTERM during start-up: status $rc, not 143" test $rc = 143
	nothing_left "$tmp" "SIGTERM during start-up" "$before"

	# SIGINT sent with kill (not from a terminal) goes on to the command.
	mkdir "$tmp"
	# (A background job starts with SIGINT ignored; env resets it.)
	TMPDIR=$tmp env --default-signal=INT "$R" -- sh -c "trap 'exit 44' INT
		touch $work/flags/int; i=0
		while [ \$i -lt 200 ]; do sleep 0.05; i=\$((i + 1)); done; exit 1" &
	rpid=$!
	wait_for "$work/flags/int"
	kill -INT $rpid
	wait $rpid
	rc=$?
	check "SIGINT during the command: status $rc, not 44" test $rc = 44
	nothing_left "$tmp" "SIGINT during the command" "$before"
}

# The daemon killed under the command: one line says so, and the status
# is the runner's own (125), whatever the command's.
daemon_death() {
	local kill_daemon='for f in /proc/[0-9]*/cmdline; do
		{ tr "\0" "\n" <"$f"; } 2>/dev/null |
			grep -qxF -- "--control=$MDEVFS_CONTROL" || continue
		f=${f%/cmdline}; kill -KILL "${f#/proc/}"
	done; sleep 0.5'

	capture in_runner -- sh -c "$kill_daemon; exit 0"
	check "daemon killed, command fine: status $RC, not 125" test "$RC" = 125
	check "daemon killed: stderr '$ERR'" test "$ERR" = \
		$'mdevfs-run: the mdevfs daemon died (signal 9) while sh ran\n'
	capture in_runner -- sh -c "$kill_daemon; exit 3"
	check "daemon killed, command failed: status $RC, not 125" \
		test "$RC" = 125
	check "daemon killed (exit 3): stderr '$ERR'" test "$ERR" = \
		$'mdevfs-run: the mdevfs daemon died (signal 9) while sh ran\n'
}

wait_for() {
	for _ in $(seq 300); do
		[ -e "$1" ] && return
		sleep 0.05
	done
	fail "timed out waiting for $1"
}

exit_statuses
output
find_daemon
etc
layouts
signals
cleanup_on_signals
daemon_death
finish
