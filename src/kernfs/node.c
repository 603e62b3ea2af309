// SPDX-License-Identifier: MIT
/*
 * Nodes as objects: made with their inode number and shared strings,
 * found by number, and freed once nobody holds them (a lazily made one
 * as soon as nobody does; it can be made again).  With the tree lock
 * held.
 */
#include "kernfs_priv.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* The file whose store() this thread is running (kernfs self-removal). */
static __thread struct node *storing;

struct node *node_storing(void)
{
	return storing;
}

void node_set_storing(struct node *node)
{
	storing = node;
}

/* A text several nodes show: a link's target, or the name of a directory
 * or link (every device has a mdev_type, a subsystem, a power/ ...), with
 * how many show it (the table's key is text). */
struct shared_text {
	guint users;
	char text[];
};

/* The tree's shared copy of text. */
char *node_share(struct node_tree *tree, const char *text)
{
	struct shared_text *st = g_hash_table_lookup(tree->shared_texts, text);

	if (!st) {
		size_t len = strlen(text);

		st = g_malloc(sizeof(*st) + len + 1);
		st->users = 0;
		memcpy(st->text, text, len + 1);
		g_hash_table_insert(tree->shared_texts, st->text, st);
	}
	st->users++;
	return st->text;
}

/* share() a text the caller made, and free it. */
char *node_share_text(struct node_tree *tree, char *text)
{
	char *shared = node_share(tree, text);

	g_free(text);
	return shared;
}

static void unshare(struct node_tree *tree, const char *text)
{
	struct shared_text *st = g_hash_table_lookup(tree->shared_texts, text);

	if (st && --st->users == 0)
		g_hash_table_remove(tree->shared_texts, text);
}

/* borrow: the name is the caller's for as long as the node is not
 * removed (a file's always is: its attribute's). */
struct node *node_new_ino(struct node_tree *tree, enum node_type type,
			  const char *name, uint64_t ino, bool borrow)
{
	static const size_t size[] = { [NODE_DIR] = sizeof(struct dir_node),
				       [NODE_FILE] = sizeof(struct file_node),
				       [NODE_LINK] = sizeof(struct link_node) };
	struct node *node = g_malloc0(size[type]);

	node->ino = ino;
	node->type = type;
	node->borrowed = borrow;
	node->name = type == NODE_FILE || borrow ? name : node_share(tree, name);
	if (type == NODE_DIR)
		as_dir(node)->mode = 0755;
	node->time_ns = node_clock_ns();
	g_hash_table_add(tree->inodes, &node->ino);
	return node;
}

struct node *node_new(struct node_tree *tree, enum node_type type,
		      const char *name)
{
	return node_new_ino(tree, type, name, tree->next_ino++, false);
}

/* What a node owns, and the node itself. */
static void node_release_parts(struct node_tree *tree, struct node *node)
{
	node_iattr_free(tree, node);
	switch (node->type) {
	case NODE_DIR: {
		struct dir_node *d = as_dir(node);

		if (d->source_obj && d->source_obj->source->release)
			d->source_obj->source->release(d->source_obj);
		node_set_free(node);
		node_dir_free(node);
		if (!node->borrowed)
			unshare(tree, node->name);
		break;
	}
	case NODE_LINK:
		if (!node->borrowed) {
			unshare(tree, as_link(node)->target);
			unshare(tree, node->name);
		}
		break;
	case NODE_FILE:
		node_value_free(node);  /* the name is the attribute's */
		break;
	}
	g_free(node);
}

/* The inode table is a set of node numbers, each inside its node: a set
 * keeps no array of values beside the keys. */
static struct node *node_of_ino(gpointer ino)
{
	return ino ? (struct node *)((char *)ino - offsetof(struct node, ino))
		   : NULL;
}

void node_free(struct node_tree *tree, struct node *node)
{
	g_hash_table_remove(tree->inodes, &node->ino);
	node_release_parts(tree, node);
}

void node_maybe_free(struct node_tree *tree, struct node *node)
{
	if (node == tree->root)
		return;
	if (node->removed && node->nlookup == 0 && node->handles == 0)
		node_free(tree, node);
	else
		node_lazy_drop(tree, node);
}

/* ------------------------------------------------------------------ */
/* Building                                                            */

char *node_path(const struct node *node)
{
	GPtrArray *parts = g_ptr_array_new();
	char *path;

	for (; node && node->parent; node = node->parent)
		g_ptr_array_insert(parts, 0, (gpointer)node->name);
	g_ptr_array_add(parts, NULL);
	path = g_strjoinv("/", (char **)parts->pdata);
	g_ptr_array_free(parts, TRUE);
	return path;
}

/* ------------------------------------------------------------------ */
/* FUSE-facing queries                                                 */

uint64_t node_base_ino(uint64_t ino)
{
	return ino & NODE_INO_MASK;
}

struct node *node_find(struct node_tree *tree, uint64_t ino)
{
	ino &= NODE_INO_MASK;
	return node_of_ino(g_hash_table_lookup(tree->inodes, &ino));
}

void node_set_source(struct node *dir, struct node_lazy_obj *obj)
{
	dir->lazy = true;
	as_dir(dir)->source_obj = obj;
}

bool node_is_lazy(const struct node *node)
{
	return node && node->lazy;
}

/* A lazily made node nobody holds: it can go, and be made again. */
bool node_droppable(const struct node *node)
{
	struct dir_node *d = as_dir(node);
	const struct node *dir = node->parent;

	/* What a chmod or an xattr left would not be made again. */
	if (!node->lazy || node->removed || !dir || dir->full ||
	    node->nlookup || node->handles || node->iattr)
		return false;
	/* A directory with a source goes only if its set entry stays. */
	return node->type != NODE_DIR ||
	       (!d->first && (!d->source_obj || node->in_set));
}

void node_drop(struct node_tree *tree, struct node *node)
{
	node_dir_del(node->parent, node);
	node_free(tree, node);
}

void node_lazy_drop(struct node_tree *tree, struct node *node)
{
	while (node && node_droppable(node)) {
		struct node *dir = node->parent;

		node_drop(tree, node);
		node = dir;
	}
}

void node_free_all(struct node_tree *tree)
{
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, tree->inodes);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		struct node *node = node_of_ino(value);

		g_hash_table_iter_steal(&it);
		node->ino = 0;
		node_release_parts(tree, node);
	}
}
