// SPDX-License-Identifier: MIT
/*
 * Finding and filling the directories of the core's objects: by object,
 * by path through lazy directories, and their attribute groups.  With
 * the node tree locked.
 */
#include "sysfs_priv.h"

#include <string.h>

struct node *sysfs_dir_of(struct sysfs_tree *tree, const void *obj)
{
	return g_hash_table_lookup(tree->dirs, obj);
}

/* The node at path if it is made, and the build log of the lazy
 * directory nearest to it on the way (the one with path's contents),
 * made or not. */
struct node *sysfs_walk(struct sysfs_tree *tree, const char *path,
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
struct node *sysfs_dev_dir(struct sysfs_tree *tree, struct device *dev)
{
	struct node *dir = sysfs_dir_of(tree, dev);
	struct build_log *log;

	return dir ? dir : sysfs_walk(tree, dev->devpath, &log);
}

void sysfs_add_groups(struct sysfs_tree *tree, struct node *dir,
		      const struct attribute_group *const *groups,
		      enum attr_owner owner, void *obj)
{
	for (; groups && *groups; groups++) {
		const struct attribute_group *g = *groups;
		struct node *gdir = g->name ? node_dir(&tree->nodes, dir, g->name)
					    : dir;

		for (const struct attribute *const *a = g->attrs; gdir && a && *a; a++)
			sysfs_add_file(tree, gdir, *a, owner, obj);
		for (const struct bin_attribute *const *b = g->bin_attrs;
		     gdir && b && *b && owner == ATTR_OF_DEVICE; b++)
			sysfs_add_bin_file(tree, gdir, *b, obj);
	}
}

void sysfs_remove_child(struct sysfs_tree *tree, struct node *dir,
			const char *name)
{
	node_remove_child(&tree->nodes, dir, name);
}

void sysfs_remove_groups(struct sysfs_tree *tree, struct node *dir,
			 const struct attribute_group *const *groups)
{
	for (; dir && groups && *groups; groups++) {
		const struct attribute_group *g = *groups;

		if (g->name) {
			sysfs_remove_child(tree, dir, g->name);
			continue;
		}
		for (const struct attribute *const *a = g->attrs; a && *a; a++)
			sysfs_remove_child(tree, dir, (*a)->name);
		for (const struct bin_attribute *const *b = g->bin_attrs; b && *b;
		     b++)
			sysfs_remove_child(tree, dir, (*b)->attr.name);
	}
}

/* Drop a directory the driver core made on demand once it is empty. */
void sysfs_remove_if_empty(struct sysfs_tree *tree, const char *path)
{
	struct build_log *log;
	struct node *dir = sysfs_walk(tree, path, &log);
	g_autofree char *up = NULL, *name = NULL;

	if (dir) {
		if (dir->type == NODE_DIR && node_dir_empty(&tree->nodes, dir))
			node_remove(&tree->nodes, dir);
		return;
	}
	/* Not made: if it went, only the link count above it can tell. */
	up = g_path_get_dirname(path);
	name = g_path_get_basename(path);
	dir = sysfs_walk(tree, up, &log);
	if (dir && dir->lazy)
		node_remove_child(&tree->nodes, dir, name);
}

bool sysfs_replaying(const struct sysfs_tree *tree)
{
	return tree->nodes.replay != NULL;
}
