// SPDX-License-Identifier: MIT
/*
 * A directory's children: a list in readdir order (seq, pos.h),
 * and once the directory is big an index by name and a cursor where the
 * last listing call started.  Most directories of the tree hold a handful of files,
 * and a hash table for each would cost more than the nodes themselves.
 * The kernel lists a directory in calls that each start where the one
 * before stopped, so a cursor finds the start in a few steps, without a
 * search tree over 100,000 entries.  With the tree lock held.
 */
#include "kernfs_priv.h"

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

/* dir's index, or NULL while it is small. */
static struct node_dir_index *index_of(const struct node *dir)
{
	const struct dir_extras *x = as_dir(dir)->extras;

	return x ? x->index : NULL;
}

static void build_index(struct node *dir)
{
	struct node_dir_index *index = g_new(struct node_dir_index, 1);

	index->by_name = g_hash_table_new(name_hash, name_equal);
	index->cursor = NULL;
	for (struct node *c = as_dir(dir)->first; c; c = c->next)
		index_add(index, c);
	node_dir_extras(dir)->index = index;
}

struct dir_extras *node_dir_extras(struct node *dir)
{
	struct dir_node *d = as_dir(dir);

	if (!d->extras)
		d->extras = g_new0(struct dir_extras, 1);
	return d->extras;
}

struct node *node_child(struct node *dir, const char *name)
{
	struct node_dir_index *index;

	if (!dir || dir->type != NODE_DIR)
		return NULL;
	index = index_of(dir);
	if (index)
		return index_find(index, name);
	for (struct node *c = as_dir(dir)->first; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void node_dir_add(struct node *dir, struct node *child)
{
	struct dir_node *d = as_dir(dir);
	struct node_dir_index *index = index_of(dir);

	/* A child's seq is its readdir position (pos.h): given once,
	 * in the order of the list, never changed while it is a child.
	 * 2^40 additions to one directory are out of reach (35 years at a
	 * thousand a second); past them a listing could not be resumed. */
	if (d->next_seq > NODE_SEQ_MAX)
		g_error("readdir positions of %s exhausted", dir->name);
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
	if (index)
		index_add(index, child);
	else if (d->count > DIR_INDEX_MIN)
		build_index(dir);
}

void node_dir_del(struct node *dir, struct node *child)
{
	struct dir_node *d = as_dir(dir);
	struct node_dir_index *index = index_of(dir);

	if (index && index->cursor == child)
		index->cursor = child->next;
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
	if (index)
		g_hash_table_remove(index->by_name, child);
}

struct node *node_dir_from(struct node *dir, uint64_t seq)
{
	struct node_dir_index *index = index_of(dir);
	struct node *c = as_dir(dir)->first;

	if (index && index->cursor && index->cursor->seq <= seq)
		c = index->cursor;
	for (; c && c->seq < seq; c = c->next)
		;
	if (index)
		index->cursor = c;
	return c;
}

/* After node_set_free(): the set is gone from the extras by then. */
void node_dir_free(struct node *dir)
{
	struct dir_node *d = as_dir(dir);
	struct dir_extras *x = d->extras;

	if (!x)
		return;
	if (x->index) {
		g_hash_table_destroy(x->index->by_name);
		g_free(x->index);
	}
	if (x->negative)
		g_hash_table_destroy(x->negative);
	g_clear_pointer(&d->extras, g_free);
}
