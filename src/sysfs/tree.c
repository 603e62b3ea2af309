// SPDX-License-Identifier: MIT
/*
 * The sysfs tree: the core's events, each carried out and kept in the
 * build logs of the lazy directories it adds to; the parents, types and
 * drivers (device.c has what a device's directory holds).
 */
#include "sysfs_priv.h"

#include <string.h>

#include "attrs.h"
#include "driver.h"

/* ------------------------------------------------------------------ */
/* Helpers, called with the node tree locked                           */

static struct node *bus_dir(struct sysfs_tree *tree, const char *sub)
{
	g_autofree char *path = g_strdup_printf("bus/mdev/%s", sub);

	return node_dir_path(&tree->nodes, path);
}

/* ------------------------------------------------------------------ */
/* Parents and types                                                   */

static void parent_added(struct sysfs_tree *tree, struct mdev_parent *parent)
{
	struct node *dir = sysfs_dir_of(tree, parent->dev);
	struct node *types = node_dir(&tree->nodes, dir, "mdev_supported_types");

	for (unsigned int i = 0; i < parent->nr_types; i++) {
		struct mdev_type *type = parent->types[i];
		struct node *tdir = node_dir(&tree->nodes, types, type->id);

		g_hash_table_insert(tree->dirs, type, tdir);
		sysfs_add_groups(tree, tdir, mdev_type_groups(type),
				 ATTR_OF_MDEV_TYPE, type);
		sysfs_index_list(tree->mdevs, node_dir(&tree->nodes, tdir, "devices"),
				 SYSFS_LIST_TYPE, type);
	}
	sysfs_index_list(tree->mdevs, dir, SYSFS_LIST_PARENT, parent);
	node_device_link(&tree->nodes,
			 node_dir_path(&tree->nodes, "class/mdev_bus"),
			 parent->dev->name, parent->dev->devpath);
}

static void parent_deleted(struct sysfs_tree *tree, struct mdev_parent *parent)
{
	sysfs_remove_child(tree, node_dir_path(&tree->nodes, "class/mdev_bus"),
			   parent->dev->name);
	/* The types' devices/ stop listing from their views before they go:
	 * the kernel may still hold one and list it. */
	for (unsigned int i = 0; i < parent->nr_types; i++) {
		struct node *tdir = sysfs_dir_of(tree, parent->types[i]);

		sysfs_index_unlist(tree->mdevs,
				   tdir ? node_child(tdir, "devices") : NULL,
				   parent->types[i]);
		g_hash_table_remove(tree->dirs, parent->types[i]);
	}
	sysfs_remove_child(tree, sysfs_dir_of(tree, parent->dev),
			   "mdev_supported_types");
	sysfs_index_unlist(tree->mdevs, sysfs_dir_of(tree, parent->dev),
			   parent);
}

static void available_changed(struct sysfs_tree *tree, struct mdev_parent *parent)
{
	for (unsigned int i = 0; i < parent->nr_types; i++) {
		struct node *tdir = sysfs_dir_of(tree, parent->types[i]);
		struct node *file = tdir ? node_child(tdir, "available_instances")
					 : NULL;

		if (file)
			node_changed(&tree->nodes, file);
	}
}

static void attr_changed(struct sysfs_tree *tree, const struct mdev_event *ev)
{
	struct node *dir = sysfs_dev_dir(tree, ev->dev);
	struct node *file;

	if (dir && ev->group)
		dir = node_child(dir, ev->group);
	file = dir ? node_child(dir, ev->attr) : NULL;
	if (file)
		node_notify(&tree->nodes, file);
}

/* ------------------------------------------------------------------ */
/* Drivers                                                             */

static void driver_added(struct sysfs_tree *tree, struct driver_entry *entry)
{
	struct node *dir = node_dir(&tree->nodes, bus_dir(tree, "drivers"),
				    entry->drv->name);

	g_hash_table_insert(tree->dirs, entry, dir);
	sysfs_add_groups(tree, dir, driver_core_groups, ATTR_OF_DRIVER, entry);
	sysfs_index_list(tree->mdevs, dir, SYSFS_LIST_DRIVER, entry->drv);
}

static void driver_deleted(struct sysfs_tree *tree, struct driver_entry *entry)
{
	struct node *dir = sysfs_dir_of(tree, entry);

	sysfs_index_unlist(tree->mdevs, dir, entry->drv);
	node_remove(&tree->nodes, dir);
	g_hash_table_remove(tree->dirs, entry);
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

/* Build, then keep the step in the log of the lazy directory it added
 * to, the one holding the device's directory (a binding's IOMMU group
 * directory is built from that same log). */
static void add(struct sysfs_tree *tree, const struct build_step *step)
{
	struct build_log *log;

	sysfs_tree_build(tree, step);
	sysfs_walk(tree, step->dev->devpath, &log);
	if (log)
		build_log_add(log, step);
}

/* Before removing: a replay must no longer make what goes (the steps
 * of type for dev; with arg or name, only those). */
static void unlog(struct sysfs_tree *tree, enum mdev_event_type type,
		  struct device *dev, const void *arg, const char *name)
{
	const struct build_step like = { .type = type, .dev = dev, .arg = arg,
					 .name = name };
	struct build_log *log;

	sysfs_walk(tree, dev->devpath, &log);
	if (log)
		build_log_drop(log, &like);
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
		unlog(tree, MDEV_EVENT_DEVICE_ADD, ev->dev, NULL, NULL);
		sysfs_device_deleted(tree, ev->dev);
		break;
	case MDEV_EVENT_GROUPS_ADD:
		step.arg = ev->groups;
		add(tree, &step);
		break;
	case MDEV_EVENT_GROUPS_DEL:
		unlog(tree, MDEV_EVENT_GROUPS_ADD, ev->dev, ev->groups, NULL);
		sysfs_remove_groups(tree, sysfs_dev_dir(tree, ev->dev),
				    ev->groups);
		break;
	case MDEV_EVENT_REMOVE_FILE_DEL:
		unlog(tree, MDEV_EVENT_REMOVE_FILE_ADD, ev->dev, NULL, NULL);
		sysfs_remove_groups(tree, sysfs_dev_dir(tree, ev->dev),
				    mdev_remove_groups);
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
		step.arg2 = &ev->mdev->iommu;
		add(tree, &step);
		break;
	case MDEV_EVENT_UNBIND:
		unlog(tree, MDEV_EVENT_BIND, ev->dev, NULL, NULL);
		sysfs_unbound(tree, ev->mdev, ev->driver);
		break;
	case MDEV_EVENT_MDEV_UNLINK:
		unlog(tree, MDEV_EVENT_MDEV_LINK, ev->dev, NULL, NULL);
		sysfs_mdev_unlinked(tree, ev->mdev);
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
		unlog(tree, MDEV_EVENT_LINK_ADD, ev->dev, NULL, ev->attr);
		sysfs_remove_child(tree, sysfs_dev_dir(tree, ev->dev),
				   ev->attr);
		break;
	case MDEV_EVENT_CREATED:   /* the tree shows each step as it comes */
		break;
	}
	node_tree_unlock(&tree->nodes);
	/* The kernel must have forgotten what the create changed before
	 * the udev events that announce it leave (a name looked up before
	 * it existed stays absent in its cache until then). */
	if (ev->type == MDEV_EVENT_CREATED)
		node_batch_flush(&tree->nodes);
}

static void lay_out_skeleton(struct sysfs_tree *tree)
{
	struct node *bus;

	node_tree_lock(&tree->nodes);
	bus = node_dir_path(&tree->nodes, "bus/mdev");
	node_dir(&tree->nodes, bus, "devices");
	node_dir(&tree->nodes, bus, "drivers");
	sysfs_add_groups(tree, bus, bus_core_groups, ATTR_OF_BUS, tree->host);
	/* Until 6.13 the class appears with the first parent. */
	if (tree->host->profile->class_mdev_bus_at_init)
		node_dir_path(&tree->nodes, "class/mdev_bus");
	/* From 6.1 VFIO registers its device class when it loads. */
	if (tree->host->profile->vfio_dev_class)
		node_dir_path(&tree->nodes, "class/vfio-dev");
	node_dir_path(&tree->nodes, "devices/virtual");
	node_dir_path(&tree->nodes, "kernel/iommu_groups");
	node_tree_unlock(&tree->nodes);
}

struct sysfs_tree *sysfs_tree_new(struct mdevfs_host *host)
{
	struct sysfs_tree *tree = g_new0(struct sysfs_tree, 1);

	node_tree_init(&tree->nodes);
	tree->host = host;
	tree->log_source = sysfs_log_source;
	tree->dirs = g_hash_table_new(NULL, NULL);
	lay_out_skeleton(tree);
	node_tree_lock(&tree->nodes);
	tree->mdevs = sysfs_index_new(tree);
	node_tree_unlock(&tree->nodes);
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
	sysfs_index_free(tree->mdevs);
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
