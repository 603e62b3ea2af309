#!/bin/sh
# abi.exports must be able to fail: run exports.sh where it must find one
# named symbol too many or too few, and check that it fails naming it.
#
# usage: selftest.sh EXPORTS_SH CC HEADER MDEVFS STRAY_PROGRAM STRAY_BACKEND
set -u
exports=$1 cc=$2 header=$3 mdevfs=$4 stray=$5 stray_backend=$6

work=$(mktemp -d "${TMPDIR:-/tmp}/mdevfs-abi-self.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
failures=0

# must_fail WHAT TEXT ARGS...: exports.sh ARGS must exit 1 and print TEXT.
must_fail() {
	what=$1 text=$2
	shift 2
	sh "$exports" "$@" >"$work/out" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -qF -- "$text" "$work/out"; then
		echo "ok: $what"
		return
	fi
	echo "FAIL: $what: exit $rc, wanted 1 and \"$text\"; output:"
	sed 's/^/  /' "$work/out"
	failures=$((failures + 1))
}

must_fail "a stray export is found" \
	"exports mdevfs_abi_stray, which" "$cc" "$header" "$stray"
must_fail "a backend's stray export is found" \
	"exports stray_backend_helper (a backend" "$cc" "$header" "$mdevfs" "$stray_backend"

# The header with one more declaration, marked, that nothing defines,
# and one without the marker: both are declared but not exported.
sed 's|^#endif /\* MDEVFS_MDEV_H \*/|MDEVFS_API\nint mdevfs_abi_missing(void);\nint mdevfs_abi_unmarked(const char *s,\n\t\t\t int n);\n&|' \
	"$header" >"$work/mdev.h"
grep -q mdevfs_abi_missing "$work/mdev.h" || { echo "FAIL: could not extend $header"; exit 1; }
must_fail "a declaration without a definition is found" \
	"declares mdevfs_abi_missing, which" "$cc" "$work/mdev.h" "$mdevfs"
must_fail "a declaration without MDEVFS_API is found" \
	"declares mdevfs_abi_unmarked, which $mdevfs does not export (its declaration lacks MDEVFS_API)" \
	"$cc" "$work/mdev.h" "$mdevfs"

[ $failures -eq 0 ] && echo "all 4 slips were caught"
exit $((failures > 0))
