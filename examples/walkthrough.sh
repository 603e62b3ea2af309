#!/usr/bin/env bash
# A guided tour of an emulated mdev host: mount, inspect, create, poke a
# vendor attribute, remove, unmount.  Run it from a build tree:
#   examples/walkthrough.sh build/mdevfs
set -eu
mdevfs=${1:-build/mdevfs}
sys=$(mktemp -d /tmp/mdevfs-tour.XXXXXX)
trap 'fusermount3 -u "$sys" 2>/dev/null; rmdir "$sys"' EXIT
step() { printf '\n## %s\n' "$*"; }

step "Mount the default tree (the mtty sample) on $sys"
"$mdevfs" "$sys"
ls "$sys"

step "Parents that support mediated devices"
ls -l "$sys/class/mdev_bus/"

T=$sys/devices/virtual/mtty/mtty/mdev_supported_types
step "Their types: name, device API and how many more fit"
for t in "$T"/*; do
	printf '%s: %s, %s, %s left\n' "$(basename "$t")" "$(cat "$t/name")" \
		"$(cat "$t/device_api")" "$(cat "$t/available_instances")"
done

step "Create a dual-port device; it exists as soon as the write returns"
U=$(cat /proc/sys/kernel/random/uuid)
echo "$U" > "$T/mtty-2/create"
ls -l "$sys/bus/mdev/devices/"
ls "$sys/bus/mdev/devices/$U/"
cat "$sys/bus/mdev/devices/$U/vendor/sample_mdev_dev"
printf 'iommu_group -> %s\n' "$(readlink "$sys/bus/mdev/devices/$U/iommu_group")"

step "The ports are a shared pool: the single-port type lost two"
cat "$T/mtty-1/available_instances"

step "The same UUID again fails the way the kernel does"
echo "$U" > "$T/mtty-1/create" || true

step "Remove it; it is gone when the write returns"
echo 1 > "$sys/bus/mdev/devices/$U/remove"
ls "$sys/bus/mdev/devices/"
cat "$T/mtty-1/available_instances"
