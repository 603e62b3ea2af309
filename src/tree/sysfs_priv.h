/* SPDX-License-Identifier: MIT */
/*
 * Shared by the two halves of the sysfs tree: sysfs_tree.c (the events,
 * parents, types and drivers, and the helpers below) and sysfs_dev.c (what
 * a device's directory holds, built from the steps of its log).  All with
 * the node tree locked.
 */
#ifndef MDEVFS_SYSFS_PRIV_H
#define MDEVFS_SYSFS_PRIV_H

#include "sysfs_log.h"

/* sysfs_tree.c */
/* The directory node of a parent, type or driver entry (eager ones). */
struct node *sysfs_dir_of(struct sysfs_tree *tree, const void *obj);
/* The node at path if it is made, and the build log of the lazy
 * directory nearest to it on the way (the one with path's contents),
 * made or not. */
struct node *sysfs_walk(struct sysfs_tree *tree, const char *path,
			struct build_log **log);
/* A device's directory, if it is made. */
struct node *sysfs_dev_dir(struct sysfs_tree *tree, struct device *dev);
void sysfs_add_groups(struct sysfs_tree *tree, struct node *dir,
		      const struct attribute_group *const *groups,
		      enum attr_owner owner, void *obj);
void sysfs_remove_groups(struct sysfs_tree *tree, struct node *dir,
			 const struct attribute_group *const *groups);
void sysfs_remove_child(struct sysfs_tree *tree, struct node *dir,
			const char *name);
/* Drop a directory the driver core made on demand once it is empty. */
void sysfs_remove_if_empty(struct sysfs_tree *tree, const char *path);
/* Whether a lazy directory is being built again (nothing else is made). */
bool sysfs_replaying(const struct sysfs_tree *tree);

/* sysfs_dev.c; sysfs_tree_build() (sysfs_log.h) carries out the steps
 * that add to a device's directory. */
void sysfs_device_deleted(struct sysfs_tree *tree, struct device *dev);
void sysfs_mdev_unlinked(struct sysfs_tree *tree, struct mdev_device *mdev);
void sysfs_unbound(struct sysfs_tree *tree, struct mdev_device *mdev);
char *sysfs_group_path(const struct iommu_group *group);

#endif
