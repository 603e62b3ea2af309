/* SPDX-License-Identifier: MIT */
/*
 * Build logs: how the contents of a lazy directory (a device's directory,
 * and the IOMMU group's of a bound mdev, which shares the device's log)
 * came to be, as the steps the core announced, so that
 * any part of them can be built again when the kernel asks for it
 * (kernfs.h, lazy directories).  The log keeps what each step said at the
 * time, so a replay never reads core state that is changing under it.
 */
#ifndef MDEVFS_SYSFS_LOG_H
#define MDEVFS_SYSFS_LOG_H

#include "sysfs.h"

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

/* Carries out one step (device.c's sysfs_tree_build()); inside a replay
 * it makes only what the replay asks for. */
typedef void build_step_fn(struct sysfs_tree *tree,
			   const struct build_step *step);

/* The steps that every bound mdev has once, its own and those of the
 * one device inside it (its vfio-dev class device, with its link back):
 * a bit each, and their arguments, instead of a step each. */
enum owned_step { OWN_ADD, OWN_REMOVE_FILE, OWN_TYPE_LINK, OWN_GROUPS,
		  OWN_BIND, OWN_CHILD_ADD, OWN_CHILD_LINK, OWN_COUNT };

/* Shared by a directory's set entry and its node (when made), and by
 * those of the device's IOMMU group: each holds a reference.  The steps
 * are exactly as many as there are: one log per device, and it changes
 * only when the device does.  Its fields are build_log.c's (the record
 * of its device, which holds it, reads its owner). */
struct build_log {
	/* First: its tree's log_source, where the tree finds it. */
	struct node_lazy_obj lazy;
	struct device *owner;       /* whose directory it builds */
	guint refs, len;
	guint owned;                /* a bit per enum owned_step it holds */
	const void *groups;         /* OWN_GROUPS: the groups */
	const void *driver, *group; /* OWN_BIND: the driver and group */
	struct device *child;       /* OWN_CHILD_ADD: the device inside */
	const void *link_target;    /* OWN_CHILD_LINK: its link's target */
	const char *link_name;      /* and name (interned) */
	struct build_step *steps;   /* the others, in the order announced */
};

/* Every step of log, owned ones first, each given to carry_out. */
void build_log_replay(struct build_log *log, build_step_fn *carry_out);

/* An empty log with one reference, for owner's directory.  log is the
 * first member of a block from g_malloc(): the last reference frees the
 * block. */
void build_log_init(struct build_log *log, struct sysfs_tree *tree,
		    struct device *owner);
void build_log_ref(struct build_log *log);
void build_log_unref(struct build_log *log);
void build_log_add(struct build_log *log, const struct build_step *step);
/* Forget the steps like step: same type, device, arg and name (a NULL
 * arg or name matches any).  Every step of the device if type is
 * MDEV_EVENT_DEVICE_ADD. */
void build_log_drop(struct build_log *log, const struct build_step *step);

#endif
