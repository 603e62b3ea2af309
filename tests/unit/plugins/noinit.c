// SPDX-License-Identifier: MIT
/* A backend with the right ABI but no init function. */
#include "mdevfs/mdev.h"

MDEVFS_PLUGIN("noinit", NULL, NULL);
