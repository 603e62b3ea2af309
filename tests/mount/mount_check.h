/* SPDX-License-Identifier: MIT */
/*
 * The main() of a Check-based mount test: the daemon from argv[1] (or
 * $MDEVFS_BIN), "no_open" as argv[2] for the same checks on a -o no_open
 * mount, a skip (77) with the reason when /dev/fuse cannot be used, then
 * the suite made by make_suite(no_open), run without forking (a mount
 * per test is made by its fixture).  Exit 0 if every test passed.
 */
#ifndef MDEVFS_MOUNT_CHECK_H
#define MDEVFS_MOUNT_CHECK_H

#include <check.h>
#include <stdbool.h>

int mh_check_main(int argc, char *argv[], Suite *(*make_suite)(bool no_open));

#endif
