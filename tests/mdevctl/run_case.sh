#!/usr/bin/env bash
# mdevctl flows run by the unmodified mdevctl through mdevfs-run, each in
# a runner of its own; the host must look the same afterwards.
# usage: run_case.sh CASE[,CASE...] [RUNNER-OPTION]...
# A CASE is a script CASE.sh next to this one or a case of cases.sh.
# Environment: MDEVFS_RUN (the runner), PLUGIN_DIR (the built backends),
# READERS (the reader programs for the "reader" case), MDEVFS_CTL
# (mdevfs-ctl, for the injected faults; optional).
. "$(dirname "$0")/lib.sh"

cases=$1
shift
need_fuse
need_mdevctl
rc=0
for case in ${cases//,/ }; do
	opts=("$@")
	if [ "$case" = vfio_ap ]; then
		if [ ! -e "$PLUGIN_DIR/vfio_ap.so" ]; then
			why="the vfio_ap backend is not built ($PLUGIN_DIR/vfio_ap.so)"
			[ "$cases" = vfio_ap ] && skip "$why"
			echo "NOTE: case vfio_ap left out: $why"
			continue
		fi
		opts+=(-b vfio_ap)
	fi
	script=("$(dirname "$0")/$case.sh")
	[ -e "${script[0]}" ] || script=("$(dirname "$0")/cases.sh" "$case")
	in_runner "${opts[@]}" -- bash "${script[@]}" ||
		{ rc=1; echo "FAIL: case $case" >&2; }
done
exit $rc
