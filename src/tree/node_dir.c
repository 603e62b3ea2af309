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
	GHashTable *by_name;       /* name -> node */
	struct node *cursor;       /* where the last listing call started */
};

static void index_add(struct node_dir_index *index, struct node *child)
{
	g_hash_table_insert(index->by_name, (gpointer)child->name, child);
}

static void build_index(struct node *dir)
{
	struct node_dir_index *index = g_new(struct node_dir_index, 1);

	index->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	index->cursor = NULL;
	for (struct node *c = as_dir(dir)->first; c; c = c->next)
		index_add(index, c);
	as_dir(dir)->index = index;
}

struct node *node_child(struct node *dir, const char *name)
{
	if (!dir || dir->type != NODE_DIR)
		return NULL;
	if (as_dir(dir)->index)
		return g_hash_table_lookup(as_dir(dir)->index->by_name, name);
	for (struct node *c = as_dir(dir)->first; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void node_dir_add(struct node *dir, struct node *child)
{
	child->parent = dir;
	child->seq = as_dir(dir)->next_seq++;
	child->prev = as_dir(dir)->last;
	child->next = NULL;
	if (as_dir(dir)->last)
		as_dir(dir)->last->next = child;
	else
		as_dir(dir)->first = child;
	as_dir(dir)->last = child;
	as_dir(dir)->count++;
	/* A set's directories are counted by the set. */
	if (child->type == NODE_DIR && !child->in_set)
		as_dir(dir)->nsubdirs++;
	if (as_dir(dir)->index)
		index_add(as_dir(dir)->index, child);
	else if (as_dir(dir)->count > DIR_INDEX_MIN)
		build_index(dir);
}

void node_dir_del(struct node *dir, struct node *child)
{
	if (as_dir(dir)->index && as_dir(dir)->index->cursor == child)
		as_dir(dir)->index->cursor = child->next;
	if (child->prev)
		child->prev->next = child->next;
	else
		as_dir(dir)->first = child->next;
	if (child->next)
		child->next->prev = child->prev;
	else
		as_dir(dir)->last = child->prev;
	child->prev = child->next = NULL;
	child->parent = NULL;
	as_dir(dir)->count--;
	if (child->type == NODE_DIR && !child->in_set)
		as_dir(dir)->nsubdirs--;
	if (as_dir(dir)->index)
		g_hash_table_remove(as_dir(dir)->index->by_name, child->name);
}

struct node *node_dir_from(struct node *dir, uint64_t seq)
{
	struct node *c = as_dir(dir)->first;

	if (as_dir(dir)->index && as_dir(dir)->index->cursor && as_dir(dir)->index->cursor->seq <= seq)
		c = as_dir(dir)->index->cursor;
	for (; c && c->seq < seq; c = c->next)
		;
	if (as_dir(dir)->index)
		as_dir(dir)->index->cursor = c;
	return c;
}

void node_dir_free(struct node *dir)
{
	if (as_dir(dir)->index) {
		g_hash_table_destroy(as_dir(dir)->index->by_name);
		g_free(as_dir(dir)->index);
		as_dir(dir)->index = NULL;
	}
	if (as_dir(dir)->negative) {
		g_hash_table_destroy(as_dir(dir)->negative);
		as_dir(dir)->negative = NULL;
	}
}
