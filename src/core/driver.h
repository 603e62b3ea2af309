/* SPDX-License-Identifier: MIT */
/* mdev bus drivers and binding (the kernel's mdev_driver.c and dd.c). */
#ifndef MDEVFS_DRIVER_H
#define MDEVFS_DRIVER_H

#include "core.h"

/*
 * A driver on bus/mdev.  drv is the plugin's (const: the core never
 * writes into a plugin's driver), or &own for the one the core makes for
 * a parent that names none (then own_name is set), which the entry owns.
 */
struct driver_entry {
	struct mdevfs_host *host;
	const struct mdev_driver *drv;
	bool registered;     /* by mdev_register_driver() */
	unsigned int users;  /* parents that bind with it */
	struct mdev_driver own;
	char *own_name;
};

void mdev_drivers_init(struct mdevfs_host *host);
void mdev_drivers_fini(struct mdevfs_host *host);

/* The driver a parent's new devices bind to under the host's profile. */
const struct mdev_driver *mdev_parent_driver_get(struct mdev_parent *parent);
void mdev_parent_driver_put(struct mdev_parent *parent);

/* Probe drv for mdev; on success the device is bound.  The caller
 * holds the device lock. */
int mdev_bind(struct mdev_device *mdev, const struct mdev_driver *drv);
/* Release the bound driver, if any; the caller holds the device lock. */
void mdev_unbind(struct mdev_device *mdev);
/* Each takes the device lock (device_driver_attach() and
 * device_release_driver()).  attach: -EBUSY if mdev is bound already,
 * -ENODEV if it left the bus; detach: only from drv (any if NULL),
 * false if it was not bound to it by the time the lock was had. */
int mdev_driver_attach(struct mdev_device *mdev,
		       const struct mdev_driver *drv);
bool mdev_driver_detach(struct mdev_device *mdev,
			const struct mdev_driver *drv);

/* Add or drop the parent's mdev_attr_groups on mdev (idempotent), under
 * its device lock. */
void mdev_vendor_groups(struct mdev_device *mdev, bool add);

const struct mdev_driver *mdev_find_driver(struct mdevfs_host *host,
					   const char *name);

#endif
