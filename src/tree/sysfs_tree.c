// SPDX-License-Identifier: MIT
#include "sysfs_tree.h"

#include <string.h>

#include "sysfs_log.h"

#include "attrs.h"
#include "driver.h"

/* ------------------------------------------------------------------ */
/* Helpers, called with the node tree locked                           */

static struct node *dir_of(struct sysfs_tree *tree, const void *obj)
{
	return g_hash_table_lookup(tree->dirs, obj);
}

/* The node at path if it is made, and the build log of the lazy
 * directory nearest to it on the way (the one with path's contents),
 * made or not. */
static struct node *walk(struct sysfs_tree *tree, const char *path,
			 struct build_log **log)
{
	char name[NODE_NAME_SIZE];
	struct node *node = tree->nodes.root;
	int more = 0;

	*log = NULL;
	while (node && (more = node_path_next(&path, name)) > 0) {
		void *obj = node_source_at(node, name);

		if (obj)
			*log = obj;
		node = node_child(node, name);
	}
	return more < 0 ? NULL : node;
}

/* A device's directory, if it is made (mdevs' and those inside them
 * come and go, and are found by their path). */
static struct node *dev_dir(struct sysfs_tree *tree, struct device *dev)
{
	struct node *dir = dir_of(tree, dev);
	struct build_log *log;

	return dir ? dir : walk(tree, dev->devpath, &log);
}

static void add_groups(struct sysfs_tree *tree, struct node *dir,
		       const struct attribute_group *const *groups,
		       enum attr_owner owner, void *obj)
{
	for (; groups && *groups; groups++) {
		const struct attribute_group *g = *groups;
		struct node *gdir = g->name ? node_dir(&tree->nodes, dir, g->name)
					    : dir;

		for (const struct attribute *const *a = g->attrs; gdir && a && *a; a++)
			node_file(&tree->nodes, gdir, *a, owner, obj);
	}
}

static void remove_child(struct sysfs_tree *tree, struct node *dir,
			 const char *name)
{
	node_remove_child(&tree->nodes, dir, name);
}

static void remove_groups(struct sysfs_tree *tree, struct node *dir,
			  const struct attribute_group *const *groups)
{
	for (; dir && groups && *groups; groups++) {
		const struct attribute_group *g = *groups;

		if (g->name) {
			remove_child(tree, dir, g->name);
			continue;
		}
		for (const struct attribute *const *a = g->attrs; a && *a; a++)
			remove_child(tree, dir, (*a)->name);
	}
}

/* Drop a directory the driver core made on demand once it is empty. */
static void remove_if_empty(struct sysfs_tree *tree, const char *path)
{
	struct build_log *log;
	struct node *dir = walk(tree, path, &log);
	g_autofree char *up = NULL, *name = NULL;

	if (dir) {
		if (dir->type == NODE_DIR && node_dir_empty(&tree->nodes, dir))
			node_remove(&tree->nodes, dir);
		return;
	}
	/* Not made: if it went, only the link count above it can tell. */
	up = g_path_get_dirname(path);
	name = g_path_get_basename(path);
	dir = walk(tree, up, &log);
	if (dir && dir->lazy)
		node_remove_child(&tree->nodes, dir, name);
}

static struct node *bus_dir(struct sysfs_tree *tree, const char *sub)
{
	g_autofree char *path = g_strdup_printf("bus/mdev/%s", sub);

	return node_dir_path(&tree->nodes, path);
}

/* ------------------------------------------------------------------ */
/* Devices                                                             */

static char *driver_path(const struct device *dev)
{
	return g_strdup_printf("bus/%s/drivers/%s", dev->bus, dev->driver);
}

/* Where the subsystem lists the device: bus/<bus>/devices or class/<c>. */
static char *subsystem_list(const struct device *dev)
{
	return dev->bus ? g_strdup_printf("bus/%s/devices", dev->bus)
			: g_strdup(dev->subsystem);
}

static bool replaying(const struct sysfs_tree *tree)
{
	return tree->nodes.replay != NULL;
}

/*
 * An mdev's directory is made on demand, when the kernel looks it up:
 * there may be 100,000 of them, of some thirty nodes each.  Until then it
 * is an entry of its parent's set, with the log that builds it.
 */
static struct node *mdev_dir(struct sysfs_tree *tree, struct device *dev)
{
	g_autofree char *up = g_path_get_dirname(dev->devpath);
	struct node *parent = node_dir_path(&tree->nodes, up);

	if (parent && !replaying(tree)) {
		struct build_log *log = build_log_new(tree, NULL);

		node_lazy_subdir(&tree->nodes, parent, dev->name,
				 &build_log_source, log);
		build_log_unref(log);
	}
	return node_child(parent, dev->name);
}

static void device_added(struct sysfs_tree *tree, struct device *dev)
{
	struct node *dir = dev->kind == DEVICE_MDEV ?
		mdev_dir(tree, dev) : node_dir_path(&tree->nodes, dev->devpath);
	g_autofree char *list = subsystem_list(dev);

	if (dir && !replaying(tree) && !node_is_lazy(dir))
		g_hash_table_insert(tree->dirs, dev, dir);
	add_groups(tree, dir, device_core_groups, ATTR_OF_DEVICE, dev);
	node_link(&tree->nodes, dir, "subsystem", dev->subsystem);
	node_device_link(&tree->nodes, node_dir_path(&tree->nodes, list),
			 dev->name, dev->devpath);
	if (dev->kind == DEVICE_PLAIN && dev->driver) {
		g_autofree char *drv = driver_path(dev);

		node_link(&tree->nodes, dir, "driver", drv);
		node_device_link(&tree->nodes, node_dir_path(&tree->nodes, drv),
				 dev->name, dev->devpath);
	}
	add_groups(tree, dir, dev->groups, ATTR_OF_DEVICE, dev);
}

static void device_deleted(struct sysfs_tree *tree, struct device *dev)
{
	g_autofree char *list = subsystem_list(dev);
	g_autofree char *parent_dir = g_path_get_dirname(dev->devpath);
	struct build_log *log;

	if (dev->kind == DEVICE_PLAIN && dev->driver) {
		g_autofree char *drv = driver_path(dev);

		remove_child(tree, node_dir_path(&tree->nodes, drv), dev->name);
		remove_if_empty(tree, drv);
	}
	remove_child(tree, node_dir_path(&tree->nodes, list), dev->name);
	if (dir_of(tree, dev))
		node_remove(&tree->nodes, dir_of(tree, dev));
	else   /* made on demand, or an entry */
		remove_child(tree, walk(tree, parent_dir, &log), dev->name);
	g_hash_table_remove(tree->dirs, dev);
	if (dev->kind == DEVICE_PLAIN) {
		/* Directories the driver core made on demand go when empty. */
		remove_if_empty(tree, parent_dir);
		remove_if_empty(tree, dev->subsystem);
	}
}

/* Whether dev has a directory in the tree, made or to be made. */
static bool shown(struct sysfs_tree *tree, struct device *dev)
{
	struct build_log *log;

	return walk(tree, dev->devpath, &log) || log;
}

static void link_added(struct sysfs_tree *tree, struct device *dev,
		       const char *name, struct device *target)
{
	if (shown(tree, target))
		node_link(&tree->nodes, dev_dir(tree, dev), name, target->devpath);
}

/* ------------------------------------------------------------------ */
/* Parents and types                                                   */

static void parent_added(struct sysfs_tree *tree, struct mdev_parent *parent)
{
	struct node *dir = dir_of(tree, parent->dev);
	struct node *types = node_dir(&tree->nodes, dir, "mdev_supported_types");

	for (unsigned int i = 0; i < parent->nr_types; i++) {
		struct mdev_type *type = parent->types[i];
		struct node *tdir = node_dir(&tree->nodes, types, type->id);

		g_hash_table_insert(tree->dirs, type, tdir);
		add_groups(tree, tdir, mdev_type_groups(type), ATTR_OF_MDEV_TYPE,
			   type);
		node_dir(&tree->nodes, tdir, "devices");
	}
	node_device_link(&tree->nodes,
			 node_dir_path(&tree->nodes, "class/mdev_bus"),
			 parent->dev->name, parent->dev->devpath);
}

static void parent_deleted(struct sysfs_tree *tree, struct mdev_parent *parent)
{
	remove_child(tree, node_dir_path(&tree->nodes, "class/mdev_bus"),
		     parent->dev->name);
	for (unsigned int i = 0; i < parent->nr_types; i++)
		g_hash_table_remove(tree->dirs, parent->types[i]);
	remove_child(tree, dir_of(tree, parent->dev), "mdev_supported_types");
}

static void available_changed(struct sysfs_tree *tree, struct mdev_parent *parent)
{
	for (unsigned int i = 0; i < parent->nr_types; i++) {
		struct node *tdir = dir_of(tree, parent->types[i]);
		struct node *file = tdir ? node_child(tdir, "available_instances")
					 : NULL;

		if (file)
			node_changed(&tree->nodes, file);
	}
}

static void attr_changed(struct sysfs_tree *tree, const struct mdev_event *ev)
{
	struct node *dir = dev_dir(tree, ev->dev);
	struct node *file;

	if (dir && ev->group)
		dir = node_child(dir, ev->group);
	file = dir ? node_child(dir, ev->attr) : NULL;
	if (file)
		node_notify(&tree->nodes, file);
}

/* ------------------------------------------------------------------ */
/* mdevs: type links, driver binding, IOMMU groups                     */

static void mdev_linked(struct sysfs_tree *tree, struct mdev_device *mdev)
{
	struct node *tdir = dir_of(tree, mdev->type);
	g_autofree char *type_path = node_path(tdir);

	node_device_link(&tree->nodes, node_child(tdir, "devices"),
			 mdev->dev.name, mdev->dev.devpath);
	node_link(&tree->nodes, dev_dir(tree, &mdev->dev), "mdev_type", type_path);
}

static void mdev_unlinked(struct sysfs_tree *tree, struct mdev_device *mdev)
{
	struct node *tdir = dir_of(tree, mdev->type);

	remove_child(tree, dev_dir(tree, &mdev->dev), "mdev_type");
	if (tdir)
		remove_child(tree, node_child(tdir, "devices"), mdev->dev.name);
}

/* An mdev's uevent names its driver (DRIVER=) while it is bound. */
static void uevent_changed(struct sysfs_tree *tree, struct node *dir)
{
	struct node *file = node_child(dir, "uevent");

	if (file)
		node_changed(&tree->nodes, file);
}

static char *group_path(const struct iommu_group *group)
{
	return g_strdup_printf("kernel/iommu_groups/%d", group->id);
}

/* The group's directory is made on demand too. */
static struct node *group_dir(struct sysfs_tree *tree,
			      const struct iommu_group *group)
{
	struct node *groups = node_dir_path(&tree->nodes, "kernel/iommu_groups");
	g_autofree char *name = g_strdup_printf("%d", group->id);

	if (groups && !replaying(tree)) {
		struct build_log *log = build_log_new(tree, name);

		node_lazy_subdir(&tree->nodes, groups, build_log_name(log),
				 &build_log_source, log);
		build_log_unref(log);
	}
	return node_child(groups, name);
}

static void bound(struct sysfs_tree *tree, struct mdev_device *mdev,
		  const struct mdev_driver *drv, struct iommu_group *group)
{
	struct node *dir = dev_dir(tree, &mdev->dev);
	g_autofree char *drv_path = g_strdup_printf("bus/mdev/drivers/%s",
						    drv->name);
	g_autofree char *gpath = group_path(group);
	struct node *gdir = group_dir(tree, group);

	add_groups(tree, gdir, iommu_group_groups(tree->host),
		   ATTR_OF_IOMMU_GROUP, group);
	node_link(&tree->nodes, node_dir(&tree->nodes, gdir, "devices"),
		  mdev->dev.name, mdev->dev.devpath);
	node_link(&tree->nodes, dir, "iommu_group", gpath);
	node_link(&tree->nodes, dir, "driver", drv_path);
	node_device_link(&tree->nodes, node_dir_path(&tree->nodes, drv_path),
			 mdev->dev.name, mdev->dev.devpath);
	if (!replaying(tree))
		uevent_changed(tree, dir);
}

static void unbound(struct sysfs_tree *tree, struct mdev_device *mdev)
{
	struct node *dir = dev_dir(tree, &mdev->dev);
	g_autofree char *drv_path = g_strdup_printf("bus/mdev/drivers/%s",
						    mdev->driver->name);
	g_autofree char *gpath = group_path(mdev->group);

	remove_child(tree, node_dir_path(&tree->nodes, drv_path), mdev->dev.name);
	remove_child(tree, dir, "driver");
	remove_child(tree, dir, "iommu_group");
	remove_child(tree, node_dir_path(&tree->nodes, "kernel/iommu_groups"),
		     gpath + strlen("kernel/iommu_groups/"));
	uevent_changed(tree, dir);
}

/* ------------------------------------------------------------------ */
/* Drivers                                                             */

static void driver_added(struct sysfs_tree *tree, struct driver_entry *entry)
{
	struct node *dir = node_dir(&tree->nodes, bus_dir(tree, "drivers"),
				    entry->drv->name);

	g_hash_table_insert(tree->dirs, entry, dir);
	add_groups(tree, dir, driver_core_groups, ATTR_OF_DRIVER, entry);
}

static void driver_deleted(struct sysfs_tree *tree, struct driver_entry *entry)
{
	node_remove(&tree->nodes, dir_of(tree, entry));
	g_hash_table_remove(tree->dirs, entry);
}

/* ------------------------------------------------------------------ */

void sysfs_tree_build(struct sysfs_tree *tree, const struct build_step *step)
{
	switch (step->type) {
	case MDEV_EVENT_DEVICE_ADD:
		device_added(tree, step->dev);
		break;
	case MDEV_EVENT_GROUPS_ADD:
		add_groups(tree, dev_dir(tree, step->dev), step->arg,
			   ATTR_OF_DEVICE, step->dev);
		break;
	case MDEV_EVENT_REMOVE_FILE_ADD:
		add_groups(tree, dev_dir(tree, step->dev), mdev_remove_groups,
			   ATTR_OF_DEVICE, step->dev);
		break;
	case MDEV_EVENT_MDEV_LINK:
		mdev_linked(tree, mdev_from_dev(step->dev));
		break;
	case MDEV_EVENT_BIND:
		bound(tree, mdev_from_dev(step->dev), step->arg,
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

/* Build, then keep the step in the logs of the lazy directories it
 * added to: the one holding the device's directory and, for a binding,
 * the IOMMU group's. */
static void add(struct sysfs_tree *tree, const struct build_step *step)
{
	struct build_log *log;

	sysfs_tree_build(tree, step);
	walk(tree, step->dev->devpath, &log);
	if (log)
		build_log_add(log, step);
	if (step->type == MDEV_EVENT_BIND) {
		g_autofree char *gpath = group_path(step->arg2);

		walk(tree, gpath, &log);
		if (log)
			build_log_add(log, step);
	}
}

/* Before removing: a replay must no longer make what goes. */
static void unlog(struct sysfs_tree *tree, const struct build_step *step)
{
	struct build_log *log;

	walk(tree, step->dev->devpath, &log);
	if (log)
		build_log_drop(log, step);
}

static void on_event(void *data, const struct mdev_event *ev)
{
	struct sysfs_tree *tree = data;
	struct build_step step = { .type = ev->type, .dev = ev->dev };

	node_tree_lock(&tree->nodes);
	switch (ev->type) {
	case MDEV_EVENT_DEVICE_ADD:
	case MDEV_EVENT_REMOVE_FILE_ADD:
	case MDEV_EVENT_MDEV_LINK:
		add(tree, &step);
		break;
	case MDEV_EVENT_DEVICE_DEL:
		unlog(tree, &(struct build_step){ .type = MDEV_EVENT_DEVICE_ADD, .dev = ev->dev });
		device_deleted(tree, ev->dev);
		break;
	case MDEV_EVENT_GROUPS_ADD:
		step.arg = ev->groups;
		add(tree, &step);
		break;
	case MDEV_EVENT_GROUPS_DEL:
		unlog(tree, &(struct build_step){ .type = MDEV_EVENT_GROUPS_ADD,
						  .dev = ev->dev, .arg = ev->groups });
		remove_groups(tree, dev_dir(tree, ev->dev), ev->groups);
		break;
	case MDEV_EVENT_REMOVE_FILE_DEL:
		unlog(tree, &(struct build_step){ .type = MDEV_EVENT_REMOVE_FILE_ADD,
						  .dev = ev->dev });
		remove_groups(tree, dev_dir(tree, ev->dev), mdev_remove_groups);
		break;
	case MDEV_EVENT_PARENT_ADD:
		parent_added(tree, ev->parent);
		break;
	case MDEV_EVENT_PARENT_DEL:
		parent_deleted(tree, ev->parent);
		break;
	case MDEV_EVENT_DRIVER_ADD:
		driver_added(tree, ev->entry);
		break;
	case MDEV_EVENT_DRIVER_DEL:
		driver_deleted(tree, ev->entry);
		break;
	case MDEV_EVENT_BIND:
		step.arg = ev->driver;
		step.arg2 = ev->mdev->group;
		add(tree, &step);
		break;
	case MDEV_EVENT_UNBIND:
		unlog(tree, &(struct build_step){ .type = MDEV_EVENT_BIND, .dev = ev->dev });
		unbound(tree, ev->mdev);
		break;
	case MDEV_EVENT_MDEV_UNLINK:
		unlog(tree, &(struct build_step){ .type = MDEV_EVENT_MDEV_LINK, .dev = ev->dev });
		mdev_unlinked(tree, ev->mdev);
		break;
	case MDEV_EVENT_AVAILABLE:
		available_changed(tree, ev->parent);
		break;
	case MDEV_EVENT_ATTR_CHANGED:
		attr_changed(tree, ev);
		break;
	case MDEV_EVENT_LINK_ADD:
		step.arg = ev->target;
		step.name = ev->attr;
		add(tree, &step);
		break;
	case MDEV_EVENT_LINK_DEL:
		unlog(tree, &(struct build_step){ .type = MDEV_EVENT_LINK_ADD,
						  .dev = ev->dev,
						  .name = ev->attr });
		remove_child(tree, dev_dir(tree, ev->dev), ev->attr);
		break;
	}
	node_tree_unlock(&tree->nodes);
}

static void lay_out_skeleton(struct sysfs_tree *tree)
{
	struct node *bus;

	node_tree_lock(&tree->nodes);
	bus = node_dir_path(&tree->nodes, "bus/mdev");
	node_dir(&tree->nodes, bus, "devices");
	node_dir(&tree->nodes, bus, "drivers");
	add_groups(tree, bus, bus_core_groups, ATTR_OF_BUS, tree->host);
	/* Until 6.13 the class appears with the first parent. */
	if (tree->host->profile->class_mdev_bus_at_init)
		node_dir_path(&tree->nodes, "class/mdev_bus");
	node_dir_path(&tree->nodes, "devices/virtual");
	node_dir_path(&tree->nodes, "kernel/iommu_groups");
	node_tree_unlock(&tree->nodes);
}

struct sysfs_tree *sysfs_tree_new(struct mdevfs_host *host)
{
	struct sysfs_tree *tree = g_new0(struct sysfs_tree, 1);

	node_tree_init(&tree->nodes);
	tree->host = host;
	tree->dirs = g_hash_table_new(NULL, NULL);
	lay_out_skeleton(tree);
	tree->listener.notify = on_event;
	tree->listener.data = tree;
	mdev_host_add_listener(host, &tree->listener);
	/* Drivers registered before the tree existed (vfio_mdev). */
	for (guint i = 0; i < host->drivers->len; i++) {
		node_tree_lock(&tree->nodes);
		driver_added(tree, host->drivers->pdata[i]);
		node_tree_unlock(&tree->nodes);
	}
	return tree;
}

void sysfs_tree_free(struct sysfs_tree *tree)
{
	if (!tree)
		return;
	mdev_host_remove_listener(tree->host, &tree->listener);
	tree->nodes.observer = (struct tree_observer){ 0 };
	node_tree_fini(&tree->nodes);
	g_hash_table_destroy(tree->dirs);
	g_free(tree);
}

void sysfs_tree_set_observer(struct sysfs_tree *tree,
			     const struct tree_observer *observer)
{
	node_tree_lock(&tree->nodes);
	tree->nodes.observer = observer ? *observer : (struct tree_observer){ 0 };
	node_tree_unlock(&tree->nodes);
}
