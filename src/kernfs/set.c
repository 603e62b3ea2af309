// SPDX-License-Identifier: MIT
/*
 * Sets: what a big directory holds once per device, kept as entries rather
 * than nodes.  With 100,000 mdevs, bus/mdev/devices, a type's devices/
 * and a driver's directory each hold 100,000 links, the parent 100,000
 * device directories and kernel/iommu_groups as many group directories.
 * An entry borrows its name (and a link's target) from its device and
 * costs a few dozen bytes, where a node with its own copies cost some
 * four hundred.  A node is made for an entry when the kernel looks it up,
 * with the inode number the entry was given (and a listing showed) and
 * the entry's strings, and dropped when the kernel forgets it.  A
 * directory entry's node is a lazy directory built from the entry's
 * source (lazy.c).  A set holds links or directories, not both.
 * A set may also be its owner's (kernfs.h, node_set_owned()): then the
 * owner keeps the entries and this file only asks.  With the tree lock
 * held.
 */
#include "kernfs_priv.h"

#include <string.h>

void node_owned_set_added(struct node_tree *tree, struct node *dir,
			  const char *name)
{
	if (dir && !tree->replay)
		node_name_unmade(tree, dir, name, node_dir_set(dir)->dirs != NULL);
}

/* Add an entry unless dir has name already, and tell the kernel. */
static bool add(struct node_tree *tree, struct node *dir, struct node_set *set,
		const char *name, const char *target, void *obj)
{
	if (!node_set_add(tree, dir, set, name, target, obj))
		return false;
	node_name_unmade(tree, dir, name, set->dirs != NULL);
	return true;
}

struct node *node_device_link(struct node_tree *tree, struct node *dir,
			      const char *name, const char *target)
{
	struct node_set *set;

	if (!dir || dir->lazy)
		return node_link(tree, dir, name, target);
	/* A lazy directory's replay makes nothing outside it. */
	if (tree->replay)
		return NULL;
	set = node_set_for(dir, NULL);
	if (!set)
		return node_link(tree, dir, name, target);
	add(tree, dir, set, name, target, NULL);
	return NULL;
}

void node_lazy_subdir(struct node_tree *tree, struct node *dir,
		      const char *name, struct node_lazy_obj *obj)
{
	const struct node_source *src = obj->source;
	struct node_set *set;
	struct node *made;

	if (!dir || tree->replay)
		return;
	set = node_set_for(dir, src);
	if (set) {
		if (add(tree, dir, set, name, NULL, obj))
			src->hold(obj);
		return;
	}
	/* A plain lazy directory, kept like any other node. */
	made = node_dir(tree, dir, name);
	if (made && !made->lazy) {
		node_set_source(made, obj);
		src->hold(obj);
	}
}

void *node_source_at(struct node *dir, const char *name)
{
	struct node *child = node_child(dir, name);
	struct node_set_entry e;

	if (child)
		return child->type == NODE_DIR ? as_dir(child)->source_obj
					       : NULL;
	return node_set_find(dir, name, &e) ? e.obj : NULL;
}

/* The entry name went from set: its node goes, or the kernel is told. */
static void entry_gone(struct node_tree *tree, struct node *dir,
		       struct node_set *set, const char *name)
{
	struct node *made = node_child(dir, name);

	if (made)
		node_remove(tree, made);
	else
		node_name_unmade(tree, dir, name, set->dirs != NULL);
}

bool node_set_remove(struct node_tree *tree, struct node *dir,
		     const char *name)
{
	struct node_set *set = node_dir_set(dir);

	/* The entry goes first: removing its node may wait for a show or
	 * store with the tree lock dropped, and other entries may come and
	 * go meanwhile.  A made node holds the entry's object itself. */
	if (!set || !node_set_take(set, name))
		return false;
	entry_gone(tree, dir, set, name);
	return true;
}

static struct node *make_dir(struct node_tree *tree, struct node *dir,
			     const struct node_set_entry *e)
{
	struct node *made = node_dir_made(tree, dir, e->name, e->ino);

	node_set_source(made, e->obj);
	node_obj_source(e->obj)->hold(e->obj);
	return made;
}

struct node *node_set_child(struct node_tree *tree, struct node *dir,
			    const char *name)
{
	struct node_set_entry e;

	if (!node_set_find(dir, name, &e))
		return NULL;
	if (node_dir_set(dir)->dirs)
		return make_dir(tree, dir, &e);
	return node_link_made(tree, dir, e.name, e.target, e.ino);
}
