#!/usr/bin/env bash
# Run the daemon under valgrind's memcheck: a leak or memory error makes
# it exit 99 instead of 0, which the mount tests' teardown reports.
# usage (as the tests' daemon): MDEVFS_BIN=mdevfs-valgrind.sh, with
# MDEVFS_REAL_BIN the daemon to run.
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--track-fds=no "${MDEVFS_REAL_BIN:?}" "$@"
