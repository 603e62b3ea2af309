/* SPDX-License-Identifier: MIT */
/*
 * Inside the sysfs mapping, lowest layer first: attr_file.c and dirs.c
 * (files and directories of the core's objects), build_log.c, index.c
 * (the mdevs and the directories that list them), device.c (what a
 * device's directory holds), tree.c (the core's events).  A file calls
 * only those before it; tests/arch checks.  All with the node tree locked.
 */
#ifndef MDEVFS_SYSFS_PRIV_H
#define MDEVFS_SYSFS_PRIV_H

#include "attrs.h"
#include "build_log.h"

/* dirs.c */
/* The directory node of a parent, type or driver entry (eager ones). */
struct node *sysfs_dir_of(struct sysfs_tree *tree, const void *obj);
/* The node at path if it is made, and the build log of the lazy
 * directory nearest to it on the way (the one with path's contents),
 * made or not. */
struct node *sysfs_walk(struct sysfs_tree *tree, const char *path,
			struct build_log **log);
/* A device's directory, if it is made. */
struct node *sysfs_dev_dir(struct sysfs_tree *tree, struct device *dev);
/* attr_file.c: an attribute of obj (of the owner kind) as a file. */
struct node *sysfs_add_file(struct sysfs_tree *tree, struct node *dir,
			    const struct attribute *attr,
			    enum attr_owner owner, void *obj);
/* A device's binary attribute as a file. */
struct node *sysfs_add_bin_file(struct sysfs_tree *tree, struct node *dir,
				const struct bin_attribute *attr, void *dev);
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

/*
 * index.c: the mdevs the tree shows, and the directories that list
 * them from one record each.  Each directory that lists a device gives
 * it a number of its own.
 */
enum sysfs_listing {
	SYSFS_LIST_BUS,       /* bus/mdev/devices/<uuid> */
	SYSFS_LIST_TYPE,      /* <type>/devices/<uuid> */
	SYSFS_LIST_DRIVER,    /* bus/mdev/drivers/<driver>/<uuid> */
	SYSFS_LIST_PARENT,    /* <parent>/<uuid>/ */
	SYSFS_LIST_GROUPS,    /* kernel/iommu_groups/<id>/ */
	SYSFS_LIST_VFIO,      /* class/vfio-dev/vfio<minor> */
};

/* With the bus, group and vfio-dev class directories listing from it. */
struct sysfs_index *sysfs_index_new(struct sysfs_tree *tree);
void sysfs_index_free(struct sysfs_index *index);
/* dir lists the mdevs of key (a type, driver or parent) from now on,
 * until sysfs_index_unlist() (dir NULL: when it is made again). */
void sysfs_index_list(struct sysfs_index *index, struct node *dir,
		      enum sysfs_listing kind, const void *key);
void sysfs_index_unlist(struct sysfs_index *index, struct node *dir,
			const void *key);
/* Whether a directory lists kind of the mdevs of key (NULL for the bus
 * and the groups) from the index.  It may not: a directory that holds a
 * set of its own keeps plain nodes instead. */
bool sysfs_index_lists(struct sysfs_index *index, enum sysfs_listing kind,
		       const void *key);
/* A new mdev, listed by the bus and its parent; the log that builds its
 * directory (the record's). */
struct build_log *sysfs_index_add(struct sysfs_index *index,
				  struct mdev_device *mdev);
void sysfs_index_del(struct sysfs_index *index, struct mdev_device *mdev);
/* The log of the mdev's record (NULL if it has none). */
struct build_log *sysfs_index_log(struct sysfs_index *index,
				  const struct mdev_device *mdev);
/* In its type's devices/ or not. */
void sysfs_index_link(struct sysfs_index *index, struct mdev_device *mdev,
		      bool linked);
/* Listed by driver's directory, and group's directory listed. */
void sysfs_index_bind(struct sysfs_index *index, struct mdev_device *mdev,
		      const void *driver, const struct iommu_group *group);
void sysfs_index_unbind(struct sysfs_index *index, struct mdev_device *mdev);
/* Its vfio-dev, listed by class/vfio-dev (NULL: it went). */
void sysfs_index_vfio(struct sysfs_index *index, struct mdev_device *mdev,
		      const struct vfio_dev *vdev);

/* device.c: what a device's directory holds.  sysfs_tree_build() carries
 * out the steps that add to it (build_log.h); the logs replay them
 * through sysfs_log_source, which the tree's log_source copies. */
void sysfs_tree_build(struct sysfs_tree *tree, const struct build_step *step);
extern const struct node_source sysfs_log_source;
void sysfs_device_deleted(struct sysfs_tree *tree, struct device *dev);
void sysfs_mdev_unlinked(struct sysfs_tree *tree, struct mdev_device *mdev);
/* The driver is the event's: what the core has now may differ. */
void sysfs_unbound(struct sysfs_tree *tree, struct mdev_device *mdev,
		   const struct mdev_driver *driver);

#endif
