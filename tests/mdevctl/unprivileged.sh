#!/usr/bin/env bash
# mdevfs-run as an ordinary user: a user+mount namespace, the daemon
# mounting /dev/fuse itself inside it (no fusermount3), mdevctl as root of
# that namespace.  As root the test gives the user "nobody" a private
# /dev/fuse it may open (in a mount namespace of its own, so the host's
# node is untouched) and runs there as nobody; as another user it runs as
# itself.
# usage: unprivileged.sh CASE[,CASE...]
# Environment: MDEVFS_RUN, MDEVFS_CTL, PLUGIN_DIR, READERS.
. "$(dirname "$0")/lib.sh"

cases=$1
need_mdevctl
if [ "$(id -u)" -ne 0 ]; then
	need_fuse
	exec bash "$(dirname "$0")/run_case.sh" "$cases" -v
fi
command -v setpriv >/dev/null || fail "setpriv (util-linux) missing"

# What nobody runs has to be readable by nobody: copy it.
work=$(mktemp -d /tmp/mdevfs-run-unpriv.XXXXXX) || fail "mktemp"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
mkdir "$work/backends" "$work/tests" "$work/tmp"
cp "$MDEVFS_RUN" "$(dirname "$MDEVFS_RUN")/mdevfs" "$work/" || fail "copy"
cp "$PLUGIN_DIR"/*.so "$work/backends/" || fail "copy backends"
cp "$(dirname "$0")"/*.sh "$work/tests/" || fail "copy scripts"
readers=
for r in $READERS; do
	cp "$r" "$work/" && readers="$readers $work/$(basename "$r")"
done
ctl=
[ -x "$MDEVFS_CTL" ] && cp "$MDEVFS_CTL" "$work/" && ctl=$work/mdevfs-ctl
chmod -R a+rX "$work"
chown nobody "$work/tmp"
# The build tree, the usual cwd, may be closed to nobody.
cd "$work" || fail "cd $work"

unshare -m --propagation private bash -c '
	work=$1
	shift
	mknod "$work/fuse" c 10 229 2>/dev/null && chmod 666 "$work/fuse" &&
		mount --bind "$work/fuse" /dev/fuse || exit 78
	exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
' setup "$work" env TMPDIR="$work/tmp" MDEVFS_RUN="$work/mdevfs-run" \
	MDEVFS_CTL="$ctl" PLUGIN_DIR="$work/backends" READERS="$readers" \
	bash "$work/tests/run_case.sh" "$cases" --plugin-dir="$work/backends" -v
rc=$?
[ $rc -eq 78 ] && skip "/dev/fuse unusable: cannot give user nobody a private /dev/fuse"
exit $rc
