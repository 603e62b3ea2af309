/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_VFIO_DEV_H
#define MDEVFS_VFIO_DEV_H

#include "core.h"

/* The vfio-dev class device of a bound mdev (6.1+); NULL on failure. */
struct device *vfio_dev_add(struct mdev_device *mdev);
void vfio_dev_del(struct device *vdev);

#endif
