#!/usr/bin/env bash
# The SDK as a backend author uses it: install mdevfs into a scratch
# prefix, build examples/hello with nothing but pkg-config and make, and
# mount it next to the installed mtty backend.
# usage: sdk.sh BUILD_DIR SOURCE_DIR
set -u
build=$1 src=$2

fail() { echo "FAIL: $*" >&2; exit 1; }

work=$(mktemp -d /tmp/mdevfs-sdk.XXXXXX) || fail mktemp
mnt=$work/mnt
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	grep -q " $mnt " /proc/self/mounts && { umount -l "$mnt" 2>/dev/null ||
		fusermount3 -u -z "$mnt"; }
	rm -rf "$work"
}
trap cleanup EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null || fail "cmake --install"
pc=$(find "$work/prefix" -name mdevfs.pc) && [ -n "$pc" ] || fail "mdevfs.pc not installed"
export PKG_CONFIG_PATH=$(dirname "$pc")
plugindir=$(pkg-config --variable=plugindir mdevfs) || fail "pkg-config"
[ "$(pkg-config --variable=plugin_abi mdevfs)" = \
  "$(sed -n 's/^#define MDEVFS_PLUGIN_ABI_VERSION //p' "$src/include/mdevfs/mdev.h")" ] ||
	fail "plugin_abi in mdevfs.pc differs from the header"
[ -f "$plugindir/mtty.so" ] || fail "backends not installed in $plugindir"
[ -f "$work/prefix/include/mdevfs/mdev.h" ] || fail "header not installed"

cp -r "$src/examples/hello" "$work/hello"
make -s -C "$work/hello" CFLAGS="-O2 -Wall -Wextra -Werror" >/dev/null ||
	fail "examples/hello does not build against the installed SDK"
make -s -C "$work/hello" install DESTDIR="$work/dest" >/dev/null || fail "make install"
[ -f "$work/dest$plugindir/hello.so" ] || fail "make install put hello.so elsewhere"

if ! [ -r /dev/fuse ] || ! [ -w /dev/fuse ]; then
	echo "SKIP: /dev/fuse unusable: no read/write access"; exit 77
fi
mkdir "$mnt"
"$work/prefix/bin/mdevfs" -f --plugin-dir="$plugindir" -b "$work/hello/hello.so" \
	-b mtty "$mnt" 2>"$work/log" &
pid=$!
for i in $(seq 100); do grep -q " $mnt fuse.mdevfs " /proc/self/mounts && break; sleep 0.05; done
grep -q " $mnt fuse.mdevfs " /proc/self/mounts || { cat "$work/log"; fail "no mount"; }

T=$mnt/devices/virtual/hello/hello0/mdev_supported_types/hello-1
[ "$(readlink "$mnt/class/mdev_bus/hello0")" = ../../devices/virtual/hello/hello0 ] ||
	fail "class/mdev_bus/hello0"
[ -d "$mnt/class/mdev_bus/mtty" ] || fail "mtty missing beside hello"
[ "$(cat "$T/available_instances")" = 2 ] || fail "available_instances"
U1=$(cat /proc/sys/kernel/random/uuid) U2=$(cat /proc/sys/kernel/random/uuid)
echo "$U1" > "$T/create" && echo "$U2" > "$T/create" || fail "create"
[ "$(cat "$mnt/bus/mdev/devices/$U1/hello/greeting")" = hello ] || fail "greeting"
echo bonjour > "$mnt/bus/mdev/devices/$U1/hello/greeting" || fail "greeting store"
[ "$(cat "$mnt/bus/mdev/devices/$U1/hello/greeting")" = bonjour ] || fail "greeting read-back"
if (echo "$(cat /proc/sys/kernel/random/uuid)" > "$T/create") 2>"$work/err"; then
	fail "a third device was created"
fi
grep -q "Too many users" "$work/err" || fail "third create: $(cat "$work/err"), want EUSERS"
echo 1 > "$mnt/bus/mdev/devices/$U1/remove" || fail remove
[ "$(cat "$T/available_instances")" = 1 ] || fail "available after remove"
kill "$pid"; wait "$pid" || fail "daemon exit status $?"
pid=
echo "sdk: 1 passed, 0 failed"
