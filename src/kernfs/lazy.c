// SPDX-License-Identifier: MIT
/*
 * Lazy directories (see kernfs.h): what a replay of the builder makes, and
 * dropping what the kernel no longer holds.  With the tree lock held.
 *
 * A device directory holds some thirty files, links and subdirectories,
 * and a tree of 100,000 devices would spend most of its memory on nodes
 * nobody looks at.  The topmost lazy directory keeps a source that can
 * build its contents again at any time; the nodes exist only while the
 * kernel holds them, or while it may hold a listing of their directory.
 */
#include "kernfs_priv.h"

#include <string.h>


/* The directory whose source builds dir's contents. */
static struct node *source_of(struct node *dir)
{
	while (dir && dir->lazy && !as_dir(dir)->source_obj)
		dir = dir->parent;
	return dir && dir->lazy ? dir : NULL;
}

static void replay(struct node_tree *tree, struct node *dir,
		   struct node_replay *want)
{
	struct node *top = source_of(dir);

	if (!top || dir->removed || tree->replay)
		return;
	want->dir = dir;
	tree->replay = want;
	as_dir(top)->source_obj->source->fill(as_dir(top)->source_obj);
	tree->replay = NULL;
}

struct node *node_lazy_child(struct node_tree *tree, struct node *dir,
			     const char *name)
{
	struct node *child = node_child(dir, name);

	if (!child && node_dir_set(dir))
		return node_set_child(tree, dir, name);
	if (!child && dir->lazy && !dir->full) {
		replay(tree, dir, &(struct node_replay){ .name = name });
		child = node_child(dir, name);
	}
	return child;
}

void node_lazy_fill(struct node_tree *tree, struct node *dir)
{
	if (!dir->lazy || dir->full || dir->removed)
		return;
	replay(tree, dir, &(struct node_replay){ 0 });
	dir->full = true;
}

unsigned int node_lazy_nsubdirs(struct node_tree *tree, struct node *dir)
{
	struct dir_node *d = as_dir(dir);
	struct node_replay want = { 0 };

	if (!dir->lazy || dir->full || dir->removed)
		return d->nsubdirs;
	/* Kept until a subdirectory comes or goes (inval.c): a stat of
	 * a directory should not cost a replay each time. */
	if (d->subdirs_known)
		return d->subdirs_total;
	want.subdirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					     NULL);
	replay(tree, dir, &want);
	/* The replay counts only subdirectories not made yet. */
	d->subdirs_total = d->nsubdirs + g_hash_table_size(want.subdirs);
	d->subdirs_known = true;
	g_hash_table_destroy(want.subdirs);
	return d->subdirs_total;
}

bool node_dir_empty(struct node_tree *tree, struct node *dir)
{
	node_lazy_fill(tree, dir);
	return as_dir(dir)->count == 0 && node_set_size(dir) == 0;
}

void node_remove_child(struct node_tree *tree, struct node *dir,
		       const char *name)
{
	struct node *child;

	if (!dir || node_set_remove(tree, dir, name))
		return;
	child = node_child(dir, name);
	if (child)
		node_remove(tree, child);
	else if (dir->lazy && !dir->full)
		/* It may have been a subdirectory: the link count changes. */
		node_name_unmade(tree, dir, name, true);
}

/* The kernel forgot dir: keep of its contents only what it still holds. */
static void prune(struct node_tree *tree, struct node *dir)
{
	struct dir_node *d = as_dir(dir);
	struct node *child, *next;

	dir->full = false;
	d->listed = false;
	for (child = d->first; child; child = next) {
		next = child->next;
		if (child->type == NODE_DIR && child->lazy && child->nlookup == 0)
			prune(tree, child);
		if (node_droppable(child))
			node_drop(tree, child);
	}
}

void node_lazy_forgotten(struct node_tree *tree, struct node *node)
{
	if (node->type == NODE_DIR && node->lazy && !node->removed &&
	    node->nlookup == 0 && node->handles == 0)
		prune(tree, node);
}
