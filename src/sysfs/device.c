// SPDX-License-Identifier: MIT
/*
 * What a device's directory holds, and its links elsewhere: the steps the
 * core announces (device added, groups, the remove file, type links,
 * binding, links) carried out on the node tree.  The same code builds a
 * lazy directory again when the kernel asks for part of it (kernfs.h):
 * then it makes only that part, and nothing outside the directory.
 */
#include "sysfs_priv.h"

#include "attrs.h"
#include "driver.h"

/* ------------------------------------------------------------------ */
/* Devices                                                             */

static char *driver_path(const struct device *dev)
{
	return g_strdup_printf("bus/%s/drivers/%s", dev->bus,
			       device_driver(dev));
}

/* Where the subsystem lists the device: bus/<bus>/devices or class/<c>. */
static char *subsystem_list(const struct device *dev)
{
	return dev->bus ? g_strdup_printf("bus/%s/devices", dev->bus)
			: g_strdup(dev->subsystem);   /* NULL: none */
}

/*
 * A name comes into dir, a directory that lists kind of the devices of
 * key.  Two kinds of listing, by what is listed:
 *  - mdevs: dir reads the index, where one record per mdev answers for
 *    the bus, its type, driver, parent and IOMMU group directories (a set
 *    in each would cost an entry per mdev in each);
 *  - anything else, and a directory that held other devices before its
 *    first mdev: an entry of dir's own kernfs set, a link to target or a
 *    directory built by log, made when the kernel looks it up.
 * name is borrowed until it is removed.
 */
static void listed(struct sysfs_tree *tree, struct node *dir,
		   enum sysfs_listing kind, const void *key, const char *name,
		   const char *target, struct build_log *log)
{
	if (!dir || sysfs_replaying(tree))
		return;
	if (sysfs_index_lists(tree->mdevs, kind, key))
		node_owned_set_added(&tree->nodes, dir, name);
	else if (log)
		node_lazy_subdir(&tree->nodes, dir, name, &log->lazy);
	else
		node_device_link(&tree->nodes, dir, name, target);
}

/* An mdev's directory: there may be 100,000 of them, of some thirty
 * nodes each.  Its record in the index comes with it. */
static struct node *mdev_dir(struct sysfs_tree *tree, struct device *dev)
{
	g_autofree char *up = g_path_get_dirname(dev->devpath);
	struct node *parent = node_dir_path(&tree->nodes, up);
	struct mdev_device *mdev = to_mdev_device(dev);

	if (!sysfs_replaying(tree))
		listed(tree, parent, SYSFS_LIST_PARENT, mdev->type->parent,
		       dev->name, NULL, sysfs_index_add(tree->mdevs, mdev));
	return node_child(parent, dev->name);
}

static char *group_path(const struct iommu_group *group)
{
	return g_strdup_printf("kernel/iommu_groups/%s", group->name);
}

/* A PCI function's own group: a plain directory among the mdevs'
 * groups, which the index lists (a few, for as long as the device is). */
static void hw_group_added(struct sysfs_tree *tree, struct node *dir,
			   struct device *dev, struct iommu_group *group)
{
	g_autofree char *gpath = group_path(group);
	struct node *gdir = node_dir_path(&tree->nodes, gpath);

	sysfs_add_groups(tree, gdir, iommu_hw_group_groups(tree->host),
			 ATTR_OF_IOMMU_GROUP, group);
	node_link(&tree->nodes, node_dir(&tree->nodes, gdir, "devices"),
		  dev->name, dev->devpath);
	node_link(&tree->nodes, dir, "iommu_group", gpath);
}

static void device_added(struct sysfs_tree *tree, struct device *dev)
{
	struct node *dir = dev->kind == DEVICE_MDEV ?
		mdev_dir(tree, dev) : node_dir_path(&tree->nodes, dev->devpath);
	g_autofree char *list = subsystem_list(dev);

	if (dir && !sysfs_replaying(tree) && !node_is_lazy(dir))
		g_hash_table_insert(tree->dirs, dev, dir);
	sysfs_add_groups(tree, dir, device_core_groups, ATTR_OF_DEVICE, dev);
	if (dev->subsystem)
		node_link(&tree->nodes, dir, "subsystem", dev->subsystem);
	if (vfio_of(dev) && !sysfs_replaying(tree))
		sysfs_index_vfio(tree->mdevs, vfio_dev_mdev(vfio_of(dev)),
				 vfio_of(dev));
	if (!dev->subsystem)
		;   /* no subsystem lists it */
	else if (dev->kind == DEVICE_PLAIN)
		node_device_link(&tree->nodes, node_dir_path(&tree->nodes, list),
				 dev->name, dev->devpath);
	else
		listed(tree, node_dir_path(&tree->nodes, list),
		       dev->kind == DEVICE_MDEV ? SYSFS_LIST_BUS : SYSFS_LIST_VFIO,
		       NULL, dev->name, dev->devpath, NULL);
	if (device_driver(dev)) {
		g_autofree char *drv = driver_path(dev);

		node_link(&tree->nodes, dir, "driver", drv);
		node_device_link(&tree->nodes, node_dir_path(&tree->nodes, drv),
				 dev->name, dev->devpath);
	}
	sysfs_add_groups(tree, dir, dev->groups, ATTR_OF_DEVICE, dev);
	if (plain_of(dev) && plain_of(dev)->iommu)
		hw_group_added(tree, dir, dev, plain_of(dev)->iommu);
}

void sysfs_device_deleted(struct sysfs_tree *tree, struct device *dev)
{
	g_autofree char *list = subsystem_list(dev);
	g_autofree char *parent_dir = g_path_get_dirname(dev->devpath);
	struct build_log *log;

	/* The record goes first: the listings no longer show it, and the
	 * removals below tell the kernel. */
	if (dev->kind == DEVICE_MDEV)
		sysfs_index_del(tree->mdevs, to_mdev_device(dev));
	if (vfio_of(dev))
		sysfs_index_vfio(tree->mdevs, vfio_dev_mdev(vfio_of(dev)), NULL);
	if (device_driver(dev)) {
		g_autofree char *drv = driver_path(dev);

		sysfs_remove_child(tree, node_dir_path(&tree->nodes, drv),
				   dev->name);
		sysfs_remove_if_empty(tree, drv);
	}
	if (dev->subsystem)
		sysfs_remove_child(tree, node_dir_path(&tree->nodes, list),
				   dev->name);
	/* A node, made or not, or an entry of its parent's set. */
	sysfs_remove_child(tree, sysfs_walk(tree, parent_dir, &log), dev->name);
	g_hash_table_remove(tree->dirs, dev);
	/* Directories the driver core made on demand go when empty; the
	 * vfio-dev class stays as long as VFIO is loaded. */
	if (dev->kind != DEVICE_MDEV)
		sysfs_remove_if_empty(tree, parent_dir);
	if (dev->kind == DEVICE_PLAIN && dev->subsystem)
		sysfs_remove_if_empty(tree, dev->subsystem);
	if (plain_of(dev) && plain_of(dev)->iommu)
		sysfs_remove_child(tree,
				   node_dir_path(&tree->nodes, "kernel/iommu_groups"),
				   plain_of(dev)->iommu->name);
}

/* Whether dev has a directory in the tree, made or to be made. */
static bool shown(struct sysfs_tree *tree, struct device *dev)
{
	struct build_log *log;

	return sysfs_walk(tree, dev->devpath, &log) || log;
}

static void link_added(struct sysfs_tree *tree, struct device *dev,
		       const char *name, struct device *target)
{
	if (shown(tree, target))
		node_link(&tree->nodes, sysfs_dev_dir(tree, dev), name,
			  target->devpath);
}

/* ------------------------------------------------------------------ */
/* mdevs: type links, driver binding, IOMMU groups                     */

static void mdev_linked(struct sysfs_tree *tree, struct mdev_device *mdev)
{
	struct node *tdir = sysfs_dir_of(tree, mdev->type);
	g_autofree char *type_path = node_path(tdir);

	if (!sysfs_replaying(tree))
		sysfs_index_link(tree->mdevs, mdev, true);
	listed(tree, node_child(tdir, "devices"), SYSFS_LIST_TYPE, mdev->type,
	       mdev->dev.name, mdev->dev.devpath, NULL);
	node_link(&tree->nodes, sysfs_dev_dir(tree, &mdev->dev), "mdev_type",
		  type_path);
}

void sysfs_mdev_unlinked(struct sysfs_tree *tree, struct mdev_device *mdev)
{
	struct node *tdir = sysfs_dir_of(tree, mdev->type);

	sysfs_index_link(tree->mdevs, mdev, false);
	sysfs_remove_child(tree, sysfs_dev_dir(tree, &mdev->dev), "mdev_type");
	if (tdir)
		sysfs_remove_child(tree, node_child(tdir, "devices"),
				   mdev->dev.name);
}

/* An mdev's uevent names its driver (DRIVER=) while it is bound. */
static void uevent_changed(struct sysfs_tree *tree, struct node *dir)
{
	struct node *file = node_child(dir, "uevent");

	if (file)
		node_changed(&tree->nodes, file);
}

/*
 * The group's directory is made on demand too, from its one device's
 * log: only the binding adds to it, and that step is in the device's log
 * anyway.  A replay for the group makes nothing in the device's
 * directory, and the other way round.
 */
static struct node *group_dir(struct sysfs_tree *tree,
			      const struct mdev_device *mdev,
			      const struct iommu_group *group)
{
	struct node *groups = node_dir_path(&tree->nodes, "kernel/iommu_groups");
	struct build_log *log = sysfs_index_log(tree->mdevs, mdev);

	if (log)
		listed(tree, groups, SYSFS_LIST_GROUPS, NULL, group->name, NULL,
		       log);
	return node_child(groups, group->name);
}

static void bound(struct sysfs_tree *tree, struct mdev_device *mdev,
		  const struct mdev_driver *drv, struct iommu_group *group)
{
	struct node *dir = sysfs_dev_dir(tree, &mdev->dev);
	g_autofree char *drv_path = g_strdup_printf("bus/mdev/drivers/%s",
						    drv->name);
	g_autofree char *gpath = group_path(group);
	struct node *gdir;

	if (!sysfs_replaying(tree))
		sysfs_index_bind(tree->mdevs, mdev, drv, group);
	gdir = group_dir(tree, mdev, group);

	sysfs_add_groups(tree, gdir, iommu_group_groups(tree->host),
			 ATTR_OF_IOMMU_GROUP, group);
	node_link(&tree->nodes, node_dir(&tree->nodes, gdir, "devices"),
		  mdev->dev.name, mdev->dev.devpath);
	node_link(&tree->nodes, dir, "iommu_group", gpath);
	node_link(&tree->nodes, dir, "driver", drv_path);
	listed(tree, node_dir_path(&tree->nodes, drv_path), SYSFS_LIST_DRIVER,
	       drv, mdev->dev.name, mdev->dev.devpath, NULL);
	if (!sysfs_replaying(tree))
		uevent_changed(tree, dir);
}

void sysfs_unbound(struct sysfs_tree *tree, struct mdev_device *mdev,
		   const struct mdev_driver *driver)
{
	struct node *dir = sysfs_dev_dir(tree, &mdev->dev);
	g_autofree char *drv_path = g_strdup_printf("bus/mdev/drivers/%s",
						    driver->name);

	sysfs_index_unbind(tree->mdevs, mdev);
	sysfs_remove_child(tree, node_dir_path(&tree->nodes, drv_path),
			   mdev->dev.name);
	sysfs_remove_child(tree, dir, "driver");
	sysfs_remove_child(tree, dir, "iommu_group");
	sysfs_remove_child(tree,
			   node_dir_path(&tree->nodes, "kernel/iommu_groups"),
			   mdev->iommu.name);
	uevent_changed(tree, dir);
}

void sysfs_tree_build(struct sysfs_tree *tree, const struct build_step *step)
{
	switch (step->type) {
	case MDEV_EVENT_DEVICE_ADD:
		device_added(tree, step->dev);
		break;
	case MDEV_EVENT_GROUPS_ADD:
		sysfs_add_groups(tree, sysfs_dev_dir(tree, step->dev),
				 step->arg, ATTR_OF_DEVICE, step->dev);
		break;
	case MDEV_EVENT_REMOVE_FILE_ADD:
		sysfs_add_groups(tree, sysfs_dev_dir(tree, step->dev),
				 mdev_remove_groups, ATTR_OF_DEVICE, step->dev);
		break;
	case MDEV_EVENT_MDEV_LINK:
		mdev_linked(tree, to_mdev_device(step->dev));
		break;
	case MDEV_EVENT_BIND:
		bound(tree, to_mdev_device(step->dev), step->arg,
		      (struct iommu_group *)step->arg2);
		break;
	case MDEV_EVENT_LINK_ADD:
		link_added(tree, step->dev, step->name,
			   (struct device *)step->arg);
		break;
	default:
		break;
	}
}


/* How a lazy directory is built from its log (kernfs.h): the tree's
 * log_source. */
static void log_fill(void *obj)
{
	build_log_replay(obj, sysfs_tree_build);
}

static void log_hold(void *obj)
{
	build_log_ref(obj);
}

static void log_release(void *obj)
{
	build_log_unref(obj);
}

const struct node_source sysfs_log_source = {
	.fill = log_fill,
	.hold = log_hold,
	.release = log_release,
};
