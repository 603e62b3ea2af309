#!/usr/bin/env bash
# The layering of src/ (src/README.md), checked on the sources and on the
# objects CMake built from them:
#  - what each folder may include: kernfs only itself; sysfs itself,
#    kernfs and the core; the core itself and the public header; none of
#    them FUSE;
#  - no loop of files calling each other inside the core, kernfs or
#    sysfs (a file calls only those below it), from the symbols their
#    objects define and use.
# usage: layers.sh SOURCE_DIR BUILD_DIR
set -euo pipefail

src=$1
build=$2
here=$(dirname "$(readlink -f "$0")")
failed=0

bad() {
	echo "FAIL: $*"
	failed=1
}

# Every quoted include of folder's files must name a file in one of the
# allowed folders; no file may include <fuse*>.
check_includes() {
	local folder=$1
	shift
	local file inc dir found
	for file in "$src/src/$folder"/*.[ch]; do
		if grep -q '^#include <fuse' "$file"; then
			bad "${file#"$src"/} includes FUSE"
		fi
		while read -r inc; do
			found=0
			for dir in "$@"; do
				[ -e "$src/$dir/$inc" ] && found=1
			done
			[ $found = 1 ] ||
				bad "${file#"$src"/} includes \"$inc\", outside ${*}"
		done < <(sed -n 's/^#include "\(.*\)"$/\1/p' "$file")
	done
}

check_includes kernfs src/kernfs
check_includes sysfs src/sysfs src/kernfs src/core include
check_includes core src/core include include/mdevfs

# Objects of one library: a loop in its file calls fails.
check_loops() {
	local target=$1 folder=$2 objs
	objs=("$build/CMakeFiles/$target.dir/src/$folder"/*.o)
	if [ ! -e "${objs[0]}" ]; then
		bad "no objects of $target in $build"
		return
	fi
	if ! out=$("$here/file_calls.sh" "${objs[@]}" | tsort 2>&1 >/dev/null); then
		bad "src/$folder has a loop of files calling each other:"
		echo "$out" | sed -n 's/^tsort: \([a-z_]*\)$/    \1.c/p' | sort -u
	fi
}

check_loops kernfs kernfs
check_loops sysfs_tree sysfs
check_loops mdev_core core

if [ $failed = 0 ]; then
	echo "PASS: includes point one way; no loops in the core, kernfs or sysfs"
fi
exit $failed
