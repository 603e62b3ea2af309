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
	for (struct node *c = dir->first; c; c = c->next)
		index_add(index, c);
	dir->index = index;
}

struct node *node_child(struct node *dir, const char *name)
{
	if (!dir || dir->type != NODE_DIR)
		return NULL;
	if (dir->index)
		return g_hash_table_lookup(dir->index->by_name, name);
	for (struct node *c = dir->first; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void node_dir_add(struct node *dir, struct node *child)
{
	child->parent = dir;
	child->seq = dir->next_seq++;
	child->prev = dir->last;
	child->next = NULL;
	if (dir->last)
		dir->last->next = child;
	else
		dir->first = child;
	dir->last = child;
	dir->count++;
	/* A set's directories are counted by the set. */
	if (child->type == NODE_DIR && !child->in_set)
		dir->nsubdirs++;
	if (dir->index)
		index_add(dir->index, child);
	else if (dir->count > DIR_INDEX_MIN)
		build_index(dir);
}

void node_dir_del(struct node *dir, struct node *child)
{
	if (dir->index && dir->index->cursor == child)
		dir->index->cursor = child->next;
	if (child->prev)
		child->prev->next = child->next;
	else
		dir->first = child->next;
	if (child->next)
		child->next->prev = child->prev;
	else
		dir->last = child->prev;
	child->prev = child->next = NULL;
	child->parent = NULL;
	dir->count--;
	if (child->type == NODE_DIR && !child->in_set)
		dir->nsubdirs--;
	if (dir->index)
		g_hash_table_remove(dir->index->by_name, child->name);
}

struct node *node_dir_from(struct node *dir, uint64_t seq)
{
	struct node *c = dir->first;

	if (dir->index && dir->index->cursor && dir->index->cursor->seq <= seq)
		c = dir->index->cursor;
	for (; c && c->seq < seq; c = c->next)
		;
	if (dir->index)
		dir->index->cursor = c;
	return c;
}

void node_dir_free(struct node *dir)
{
	if (dir->index) {
		g_hash_table_destroy(dir->index->by_name);
		g_free(dir->index);
		dir->index = NULL;
	}
	if (dir->negative) {
		g_hash_table_destroy(dir->negative);
		dir->negative = NULL;
	}
}
