/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_VFIO_DEV_H
#define MDEVFS_VFIO_DEV_H

#include "core.h"

/* The size of an mdev's block at devpath with room for its vfio-dev
 * (6.1+); without, it is sizeof(struct mdev_device) + the names. */
size_t vfio_dev_block_size(const char *mdev_devpath);
/* The vfio-dev class device of a bound mdev (6.1+), its vfio member
 * (the mdev's block must have room for its path). */
void vfio_dev_add(struct mdev_device *mdev);
/* Unregister the mdev's vfio-dev, if it has one. */
void vfio_dev_del(struct mdev_device *mdev);
/* Its char device number (device_chr_of()). */
struct device_chr vfio_dev_chr(const struct device *dev);

#endif
