// SPDX-License-Identifier: MIT
/*
 * A directory's children: a list in readdir order (seq), and once the
 * directory is big an index by name and a cursor where the last listing
 * call started.  Most directories of the tree hold a handful of files,
 * and a hash table for each would cost more than the nodes themselves.
 * The kernel lists a directory in calls that each start where the one
 * before stopped, so a cursor finds the start in a few steps, without a
 * search tree over 100,000 entries.  With the tree lock held.
 */
#include "node_priv.h"

#include <string.h>

/* Beyond this many children a directory is indexed. */
#define DIR_INDEX_MIN 16

struct node_dir_index {
	/* The children themselves, hashed by name: a set keeps no array of
	 * values beside the keys (big directories have 100,000 children). */
	GHashTable *by_name;
	struct node *cursor;       /* where the last listing call started */
};

static guint name_hash(gconstpointer node)
{
	return g_str_hash(((const struct node *)node)->name);
}

static gboolean name_equal(gconstpointer a, gconstpointer b)
{
	return strcmp(((const struct node *)a)->name,
		      ((const struct node *)b)->name) == 0;
}

/* The child name of an indexed directory (a node stands in as the key). */
static struct node *index_find(struct node_dir_index *index, const char *name)
{
	struct node key = { .name = name };

	return g_hash_table_lookup(index->by_name, &key);
}

static void index_add(struct node_dir_index *index, struct node *child)
{
	g_hash_table_add(index->by_name, child);
}

static void build_index(struct node *dir)
{
	struct dir_node *d = as_dir(dir);
	struct node_dir_index *index = g_new(struct node_dir_index, 1);

	index->by_name = g_hash_table_new(name_hash, name_equal);
	index->cursor = NULL;
	for (struct node *c = d->first; c; c = c->next)
		index_add(index, c);
	d->index = index;
}

struct node *node_child(struct node *dir, const char *name)
{
	struct dir_node *d = as_dir(dir);

	if (!dir || dir->type != NODE_DIR)
		return NULL;
	if (d->index)
		return index_find(d->index, name);
	for (struct node *c = d->first; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void node_dir_add(struct node *dir, struct node *child)
{
	struct dir_node *d = as_dir(dir);

	child->parent = dir;
	child->seq = d->next_seq++;
	child->prev = d->last;
	child->next = NULL;
	if (d->last)
		d->last->next = child;
	else
		d->first = child;
	d->last = child;
	d->count++;
	/* A set's directories are counted by the set. */
	if (child->type == NODE_DIR && !child->in_set)
		d->nsubdirs++;
	if (d->index)
		index_add(d->index, child);
	else if (d->count > DIR_INDEX_MIN)
		build_index(dir);
}

void node_dir_del(struct node *dir, struct node *child)
{
	struct dir_node *d = as_dir(dir);

	if (d->index && d->index->cursor == child)
		d->index->cursor = child->next;
	if (child->prev)
		child->prev->next = child->next;
	else
		d->first = child->next;
	if (child->next)
		child->next->prev = child->prev;
	else
		d->last = child->prev;
	child->prev = child->next = NULL;
	child->parent = NULL;
	d->count--;
	if (child->type == NODE_DIR && !child->in_set)
		d->nsubdirs--;
	if (d->index)
		g_hash_table_remove(d->index->by_name, child);
}

struct node *node_dir_from(struct node *dir, uint64_t seq)
{
	struct dir_node *d = as_dir(dir);
	struct node *c = d->first;

	if (d->index && d->index->cursor && d->index->cursor->seq <= seq)
		c = d->index->cursor;
	for (; c && c->seq < seq; c = c->next)
		;
	if (d->index)
		d->index->cursor = c;
	return c;
}

void node_dir_free(struct node *dir)
{
	struct dir_node *d = as_dir(dir);

	if (d->index) {
		g_hash_table_destroy(d->index->by_name);
		g_free(d->index);
		d->index = NULL;
	}
	if (d->negative) {
		g_hash_table_destroy(d->negative);
		d->negative = NULL;
	}
}
