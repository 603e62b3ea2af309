// SPDX-License-Identifier: MIT
/* A backend built against a newer plugin ABI than the loader's. */
#include <errno.h>

#include "mdevfs/mdev.h"

static int badabi_init(struct mdevfs_host *host, const char *args, void **state)
{
	(void)host;
	(void)args;
	(void)state;
	return -EINVAL;
}

__attribute__((visibility("default")))
const struct mdevfs_plugin mdevfs_plugin = {
	.abi_version = MDEVFS_PLUGIN_ABI_VERSION + 1,
	.name = "badabi",
	.init = badabi_init,
};
