// SPDX-License-Identifier: MIT
/* A backend that exports a helper beside mdevfs_plugin, for
 * abi.exports.selftest. */
#include "mdevfs/mdev.h"

__attribute__((visibility("default"))) int stray_backend_helper(void);

int stray_backend_helper(void)
{
	return 19;
}

static int stray_init(struct mdevfs_host *host, const char *args,
		      void **state)
{
	(void)host;
	(void)args;
	*state = NULL;
	return stray_backend_helper() == 19 ? 0 : -1;
}

MDEVFS_PLUGIN("stray", stray_init, NULL);
