/* SPDX-License-Identifier: MIT */
/*
 * The sysfs tree: listens to the mdev core and keeps the kernel's /sys
 * layout of its objects in a node tree (kernfs.h).  The FUSE layer serves
 * the node tree and observes it for cache invalidations.
 */
#ifndef MDEVFS_SYSFS_TREE_H
#define MDEVFS_SYSFS_TREE_H

#include "core.h"
#include "event.h"
#include "kernfs.h"

struct sysfs_tree {
	struct node_tree nodes;
	struct mdevfs_host *host;
	struct mdev_listener listener;
	GHashTable *dirs;      /* core object -> its directory node */
	struct sysfs_index *mdevs;  /* the mdevs shown (index.c) */
	/* build_log_source, as the tree's own: a log points to it, and
	 * finds its tree from it (build_log.h). */
	struct node_source log_source;
};

/* Lays out the bus, class and IOMMU skeleton and starts listening. */
struct sysfs_tree *sysfs_tree_new(struct mdevfs_host *host);
/* Stops listening and frees every node. */
void sysfs_tree_free(struct sysfs_tree *tree);
void sysfs_tree_set_observer(struct sysfs_tree *tree,
			     const struct tree_observer *observer);

#endif
