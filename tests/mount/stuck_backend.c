// SPDX-License-Identifier: MIT
/* A backend whose init never returns, for control_socket.sh. */
#include <unistd.h>

#include "mdevfs/mdev.h"

static int stuck_init(struct mdevfs_host *host, const char *args, void **state)
{
	(void)host;
	(void)args;
	(void)state;
	for (;;)
		pause();
	return 0;
}

MDEVFS_PLUGIN("stuck", stuck_init, NULL);
