#!/usr/bin/env bash
# mdevfs inside the container (shape b): builds the image of
# examples/container/Containerfile from this repository, on a base made
# from the host's own files (no registry is reachable from CI), and runs
# mdevfs-run and mdevctl in it with rootful podman and, loaded into the
# test user's storage, rootless podman; finds which devices and
# capabilities each way of mounting needs.
#
# The base image (localhost/mdevfs-ctest-base:<digest of the packages>)
# is kept for the next run (about 15 s of a 65 s test); `podman rmi` it
# to get the space back.
# Functions run from traps and through check() look unreachable to it.
# shellcheck disable=SC2317
set -u
self=$(realpath "$0")
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$self")/lib.sh"

TEST_USER=mdevfs-test
need_fuse
[ "$(id -u)" = 0 ] ||
	skip "building the image needs rootful podman: run as root"
need_podman

work=$(mktemp -d /tmp/mdevfs-img.XXXXXX) || fail "mktemp"
chmod 755 "$work"
image=localhost/mdevfs-ctest-image:$$
cleanup() {
	podman rmi -f "$image" >/dev/null 2>&1
	if id "$TEST_USER" >/dev/null 2>&1; then
		(cd / && timeout 60 runuser -u "$TEST_USER" -- podman rmi -f "$image") >/dev/null 2>&1
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ------------------------------------------------------------------
# The base: the installed packages the build and the tools need, with
# their dependencies, as the host has them.

packages=(gcc libc6-dev make cmake pkg-config libfuse3-dev libglib2.0-dev
	uuid-dev mdevctl fuse3 libfuse3-3 libglib2.0-0 libuuid1 dash bash coreutils
	util-linux sed grep findutils uuid-runtime)
# shellcheck disable=SC2016  # dpkg-query's format, not the shell's
closure=$(apt-cache depends --recurse --installed --no-recommends \
	--no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
	"${packages[@]}" 2>/dev/null | sed -n 's/^\([a-z0-9][^ :<]*\).*/\1/p' | sort -u |
	xargs dpkg-query -W -f '${db:Status-Abbrev} ${Package} ${Version}\n' 2>/dev/null |
	awk '$1 == "ii" { print $2, $3 }')
[ -n "$closure" ] || fail "cannot list the installed packages for the base image"
digest=$(sha256sum <<<"$closure" | cut -c1-12)
base=localhost/mdevfs-ctest-base:$digest

make_base() {
	local list=$work/files

	# dpkg's names below merged-/usr links (/bin, /lib ...), then every
	# parent directory, so that the tar holds no entry without one.
	{
		awk '{ print $1 }' <<<"$closure" | xargs dpkg-query -L 2>/dev/null
		printf '%s\n' /etc/passwd /etc/group /etc/ld.so.cache \
			/etc/alternatives /etc/alternatives/*
		find /usr/bin /usr/sbin -maxdepth 1 -lname '/etc/alternatives/*'
		for l in bin sbin lib lib32 lib64 libx32; do
			[ -L "/$l" ] && echo "/$l"
		done
	} | sed -E 's#^/(bin|sbin|lib|lib32|lib64|libx32)/#/usr/\1/#' |
		awk '/^\// && $0 != "/" && $0 != "/." {
			print; p = $0
			while (sub("/[^/]*$", "", p) && p != "") print p
		}' | sed 's#^/##' | sort -u >"$list"
	tar -C / --no-recursion --ignore-failed-read -cf - -T "$list" 2>/dev/null |
		timeout 180 podman import - "$base" >"$work/import.log" 2>&1 ||
		{ tail -3 "$work/import.log"; return 1; }
}

t0=$SECONDS
# Bases of other package sets (the host was upgraded since) go.
for old in $(podman images --format '{{.Repository}}:{{.Tag}}' |
	     grep '^localhost/mdevfs-ctest-base:'); do
	[ "$old" = "$base" ] || podman rmi -f "$old" >/dev/null 2>&1
done
if podman image exists "$base"; then
	ok "base: $base is there from an earlier run"
else
	check "base: $base made from $(wc -l <<<"$closure") host packages" make_base
fi
podman image exists "$base" || finish

# ------------------------------------------------------------------
# The image, from the repository's files (tracked and new, not ignored:
# no build directories).

ctx=$work/ctx
mkdir "$ctx"
if git -C "$SRC_DIR" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$SRC_DIR" ls-files -co --exclude-standard -z |
		tar -C "$SRC_DIR" --null --ignore-failed-read -cf - -T - 2>/dev/null |
		tar -C "$ctx" -xf -
else
	tar -C "$SRC_DIR" --exclude='./build*' -cf - . | tar -C "$ctx" -xf -
fi
if ! out=$(timeout 300 podman build "${PODMAN_GLOBAL[@]}" "${RUN_OPTS[@]}" \
	--pull=never --layers=false --build-arg BASE="$base" \
	-f "$ctx/examples/container/Containerfile" -t "$image" "$ctx" 2>&1); then
	not_ok "image: podman build -f examples/container/Containerfile: $(tail -5 <<<"$out" | tr '\n' '|')"
	finish
fi
ok "image: podman build -f examples/container/Containerfile ($((SECONDS - t0)) s with the base)"

U=3c1f2e7a-8d4b-4f6a-9e21-0a1b2c3d4e5f
flow="echo $U > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2/create && mdevctl list"
img() { pod run --rm --pull=never "${RUN_OPTS[@]}" "$@"; }

out=$(img --device /dev/fuse "$image" 2>&1)
has "rootful: the image's command (mdevfs-run -b mtty -- mdevctl types) with --device /dev/fuse" \
	"Available instances: 24" "$out"
out=$(img --device /dev/fuse "$image" mdevfs-run -b mtty -- sh -c "$flow" 2>&1)
same "rootful: echo UUID > create, mdevctl list inside" "$U mtty mtty-2 manual" "$out"
out=$(img --cap-drop ALL --cap-add SETFCAP --device /dev/fuse "$image" \
	mdevfs-run -b mtty -- sh -c "$flow" 2>&1)
same "rootful: mdevfs-run needs no capability but SETFCAP (to map root in its user namespace)" \
	"$U mtty mtty-2 manual" "$out"
out=$(img --cap-drop ALL --device /dev/fuse "$image" mdevfs-run -b mtty -- true 2>&1)
has "rootful: without SETFCAP it says why" "writing the id maps" "$out"
out=$(img "$image" mdevfs-run -b mtty -- true 2>&1)
has "rootful: without --device /dev/fuse it says why" "modprobe fuse" "$out"
mount_in_ctr='mkdir -p /m && mdevfs -b mtty /m && readlink /m/class/mdev_bus/mtty'
out=$(img --device /dev/fuse --cap-add SYS_ADMIN "$image" sh -c "$mount_in_ctr" 2>&1)
same "rootful: mdevfs mounted in the container's own namespace needs SYS_ADMIN" \
	"../../devices/virtual/mtty/mtty" "$out"
out=$(img --device /dev/fuse "$image" sh -c "$mount_in_ctr" 2>&1)
has "rootful: without SYS_ADMIN that mount is refused" "mount failed" "$out"

# ------------------------------------------------------------------
# Rootless: the same image in the test user's storage.

if ! id "$TEST_USER" >/dev/null 2>&1; then
	useradd -m -s /bin/bash "$TEST_USER" || fail "useradd $TEST_USER failed"
fi
as_user() {
	(cd / && timeout 180 runuser -u "$TEST_USER" -- env -i \
		HOME="$(getent passwd "$TEST_USER" | cut -d: -f6)" \
		USER="$TEST_USER" PATH="$PATH" "$@")
}
t1=$SECONDS
out=$(podman save "$image" | as_user podman load 2>&1)
check "rootless: the image loads into $TEST_USER's storage ($((SECONDS - t1)) s)" \
	test $? -eq 0
upod() { as_user podman "${PODMAN_GLOBAL[@]}" run --rm --pull=never "${RUN_OPTS[@]}" "$@"; }
out=$(upod --device /dev/fuse "$image" mdevfs-run -b mtty -- sh -c "$flow" 2>&1)
same "rootless: echo UUID > create, mdevctl list inside with --device /dev/fuse" \
	"$U mtty mtty-2 manual" "$out"
out=$(upod --device /dev/fuse --cap-add SYS_ADMIN "$image" sh -c "$mount_in_ctr" 2>&1)
same "rootless: mdevfs mounted in the container's namespace needs SYS_ADMIN" \
	"../../devices/virtual/mtty/mtty" "$out"
out=$(upod --device /dev/fuse "$image" sh -c "$mount_in_ctr" 2>&1)
has "rootless: without SYS_ADMIN that mount is refused" "mount failed" "$out"

finish
