/* SPDX-License-Identifier: MIT */
/*
 * Build logs: how the contents of a lazy directory (a device's directory,
 * and the IOMMU group's of a bound mdev, which shares the device's log)
 * came to be, as the steps the core announced, so that
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

struct build_log;

/* How a lazy directory is built from its log (node.h). */
extern const struct node_source build_log_source;

/* A new, empty log with one reference, for owner's directory. */
struct build_log *build_log_new(struct sysfs_tree *tree, struct device *owner);
void build_log_unref(struct build_log *log);
void build_log_add(struct build_log *log, const struct build_step *step);
/* Forget the steps like step: same type, device, arg and name (a NULL
 * arg or name matches any).  Every step of the device if type is
 * MDEV_EVENT_DEVICE_ADD. */
void build_log_drop(struct build_log *log, const struct build_step *step);

#endif
