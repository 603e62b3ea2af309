// SPDX-License-Identifier: MIT
/*
 * abi_stray: the daemon's core with one exported function that
 * include/mdevfs/mdev.h does not declare, for abi.exports.selftest.
 */
#include "mdevfs/mdev.h"

/* Exported the way a slip would export it: marked, but not in the header. */
MDEVFS_API int mdevfs_abi_stray(void);

int mdevfs_abi_stray(void)
{
	return 19;
}

int main(void)
{
	/* Use the core so that the program is the daemon's in miniature. */
	return sysfs_streq("a", "a") && mdevfs_abi_stray() == 19 ? 0 : 1;
}
