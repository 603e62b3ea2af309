/* SPDX-License-Identifier: MIT */
/*
 * Build logs: how the contents of a lazy directory (a device's directory,
 * an IOMMU group's) came to be, as the steps the core announced, so that
 * any part of them can be built again when the kernel asks for it
 * (node.h, lazy directories).  The log keeps what each step said at the
 * time, so a replay never reads core state that is changing under it.
 */
#ifndef MDEVFS_SYSFS_LOG_H
#define MDEVFS_SYSFS_LOG_H

#include "sysfs_tree.h"

/* One announcement that added to a directory: an *_ADD event, MDEV_LINK
 * or BIND. */
struct build_step {
	enum mdev_event_type type;
	struct device *dev;
	const void *arg;    /* GROUPS_ADD: groups; LINK_ADD: target; BIND: driver */
	union {
		const void *arg2;   /* BIND: the IOMMU group */
		const char *name;   /* LINK_ADD: the link's name */
	};
};

/* Carry out one step (sysfs_tree.c); inside a replay it makes only what
 * the replay asks for. */
void sysfs_tree_build(struct sysfs_tree *tree, const struct build_step *step);

/* Make dir lazy, built from a new, empty log. */
void build_log_attach(struct sysfs_tree *tree, struct node *dir);
/* Append step to the log of dir (a lazy directory with a source). */
void build_log_add(struct node *dir, const struct build_step *step);
/* Forget the steps like step: same type, device, arg and name (a NULL
 * arg or name matches any).  Every step of the device if type is
 * MDEV_EVENT_DEVICE_ADD. */
void build_log_drop(struct node *dir, const struct build_step *step);

#endif
