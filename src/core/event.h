/* SPDX-License-Identifier: MIT */
/*
 * Change announcements from the core.  Listeners are called synchronously,
 * in the thread that changes the core, with no core lock held, and before
 * the operation that caused the change returns to its caller.  That is what
 * lets a write to `create` return only once every view of the new device
 * exists.
 */
#ifndef MDEVFS_EVENT_H
#define MDEVFS_EVENT_H

#include "core.h"

enum mdev_event_type {
	MDEV_EVENT_DEVICE_ADD,      /* dev: its directory, uevent, subsystem, power/ */
	MDEV_EVENT_DEVICE_DEL,
	MDEV_EVENT_GROUPS_ADD,      /* dev, groups: device_attribute groups */
	MDEV_EVENT_GROUPS_DEL,
	MDEV_EVENT_REMOVE_FILE_ADD, /* mdev: its `remove` attribute */
	MDEV_EVENT_REMOVE_FILE_DEL,
	MDEV_EVENT_PARENT_ADD,      /* parent: mdev_supported_types, mdev_bus link */
	MDEV_EVENT_PARENT_DEL,
	MDEV_EVENT_DRIVER_ADD,      /* driver: bus/mdev/drivers/<name>/ */
	MDEV_EVENT_DRIVER_DEL,
	MDEV_EVENT_BIND,            /* mdev: driver links and its IOMMU group */
	MDEV_EVENT_UNBIND,
	MDEV_EVENT_MDEV_LINK,       /* mdev: mdev_type and devices/<uuid> links */
	MDEV_EVENT_MDEV_UNLINK,
	MDEV_EVENT_AVAILABLE,       /* parent: available_instances may differ */
	MDEV_EVENT_ATTR_CHANGED,    /* dev, group, attr: a value changed */
	MDEV_EVENT_LINK_ADD,        /* dev, attr = link name, target */
	MDEV_EVENT_LINK_DEL,        /* dev, attr = link name */
	/* The create that added an mdev (its DEVICE_ADD, in this thread)
	 * is over, made or failed: what it did is complete, as udevd sees
	 * a device only once the kernel's probe has run. */
	MDEV_EVENT_CREATED,
};

struct mdev_event {
	enum mdev_event_type type;
	struct device *dev;
	struct mdev_device *mdev;
	struct mdev_parent *parent;
	const struct mdev_driver *driver;
	struct driver_entry *entry;  /* DRIVER_ADD/DEL: owner of its files */
	const struct attribute_group *const *groups;
	const char *group;          /* ATTR_CHANGED: group name or NULL */
	const char *attr;           /* ATTR_CHANGED: file name; LINK_*: name */
	struct device *target;      /* LINK_ADD */
};

struct mdev_listener {
	void (*notify)(void *data, const struct mdev_event *event);
	void *data;
};

/* Listeners hear each event in the order they were added, in the thread
 * that caused it. */
void mdev_host_add_listener(struct mdevfs_host *host,
			    const struct mdev_listener *listener);
void mdev_host_remove_listener(struct mdevfs_host *host,
			       const struct mdev_listener *listener);

/* Used inside the core. */
void mdev_emit(struct mdevfs_host *host, const struct mdev_event *event);

#endif
