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

/* What a fill() is asked for. */
struct node_replay {
	struct node *dir;          /* children of this directory */
	const char *name;          /* only this one; NULL: all of them */
	GHashTable *subdirs;       /* counting: names of subdirectories */
};

void node_set_source(struct node *dir, struct node_lazy_obj *obj)
{
	dir->lazy = true;
	as_dir(dir)->source_obj = obj;
}

bool node_is_lazy(const struct node *node)
{
	return node && node->lazy;
}

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

/* Whether a builder call may make child name of dir now (it has none by
 * that name).  Inside a replay, only what was asked for; outside one, not
 * in a lazy directory that lacks some children, where the new name is
 * only made known to the kernel.  A new node in a lazy directory is lazy. */
bool node_admit(struct node_tree *tree, struct node *dir, const char *name,
		enum node_type type)
{
	struct node_replay *want = tree->replay;

	/* A set entry's node is made only by a lookup of it. */
	if (node_set_has(dir, name))
		return false;
	if (want) {
		if (want->dir != dir)
			return false;
		if (want->subdirs) {
			if (type == NODE_DIR)
				g_hash_table_add(want->subdirs, g_strdup(name));
			return false;
		}
		return !want->name || strcmp(want->name, name) == 0;
	}
	if (dir->lazy && !dir->full) {
		node_name_unmade(tree, dir, name, type == NODE_DIR);
		return false;
	}
	return true;
}

struct node *node_lazy_child(struct node_tree *tree, struct node *dir,
			     const char *name)
{
	struct node *child = node_child(dir, name);

	if (!child && node_dir_links(dir))
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

/* A lazily made node nobody holds: it can go, and be made again. */
static bool droppable(const struct node *node)
{
	struct dir_node *d = as_dir(node);
	const struct node *dir = node->parent;

	if (!node->lazy || node->removed || !dir || dir->full ||
	    node->nlookup || node->handles)
		return false;
	/* A directory with a source goes only if its set entry stays. */
	return node->type != NODE_DIR ||
	       (!d->first && (!d->source_obj || node->in_set));
}

static void drop(struct node_tree *tree, struct node *node)
{
	node_dir_del(node->parent, node);
	node_free(tree, node);
}

void node_lazy_drop(struct node_tree *tree, struct node *node)
{
	while (node && droppable(node)) {
		struct node *dir = node->parent;

		drop(tree, node);
		node = dir;
	}
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
		if (droppable(child))
			drop(tree, child);
	}
}

void node_lazy_forgotten(struct node_tree *tree, struct node *node)
{
	if (node->type == NODE_DIR && node->lazy && !node->removed &&
	    node->nlookup == 0 && node->handles == 0)
		prune(tree, node);
}
