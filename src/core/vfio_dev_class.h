/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_VFIO_DEV_CLASS_H
#define MDEVFS_VFIO_DEV_CLASS_H

#include "core.h"

/* The size of an mdev's block at devpath with room for its vfio-dev
 * (6.1+); without, it is sizeof(struct mdev_device) + the names. */
size_t vfio_dev_block_size(const char *mdev_devpath);
/* The vfio-dev class device of a bound mdev (6.1+), its vfio member
 * (the mdev's block must have room for its path). */
void vfio_dev_add(struct mdev_device *mdev);
/* Unregister the mdev's vfio-dev, if it has one. */
void vfio_dev_del(struct mdev_device *mdev);
/* The kernel allocates the major dynamically; one fixed value here. */
#define VFIO_DEV_MAJOR 511

/* Its char device number (device_chr_of()), and the node the kernel's
 * vfio_device_devnode() names. */
static inline struct device_chr vfio_dev_chr(const struct device *dev)
{
	return (struct device_chr){ VFIO_DEV_MAJOR, vfio_of(dev)->minor,
				    "vfio/devices" };
}

#endif
