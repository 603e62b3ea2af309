// SPDX-License-Identifier: MIT
/*
 * Link sets: the links a big directory holds to devices (bus/mdev/devices,
 * a type's devices/, a driver's directory) kept as entries rather than
 * nodes.  With 100,000 mdevs each such directory has 100,000 links; an
 * entry borrows the device's name and path and costs a few dozen bytes,
 * where a node with its own copies cost some four hundred.  A node is
 * made for an entry when the kernel looks it up, with the inode number
 * the entry was given (and a listing showed), and dropped when the
 * kernel forgets it.  With the tree lock held.
 */
#include "node_priv.h"

#include <string.h>

struct set_entry {
	const char *name;      /* borrowed from the device; NULL: a hole */
	const char *target;    /* the device's path below the root */
	uint64_t ino;
};

struct node_link_set {
	GArray *entries;       /* struct set_entry, in the order added */
	GHashTable *by_name;   /* name -> index + 1 */
	guint holes;
};

/* Fewer holes than this stay (squeezing them out moves the positions
 * a listing in progress resumes from). */
#define SET_HOLES_MIN 64

static struct node_link_set *set_new(void)
{
	struct node_link_set *set = g_new0(struct node_link_set, 1);

	set->entries = g_array_new(FALSE, FALSE, sizeof(struct set_entry));
	set->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	return set;
}

void node_set_free(struct node *dir)
{
	struct node_link_set *set = dir->links;

	if (!set)
		return;
	g_array_free(set->entries, TRUE);
	g_hash_table_destroy(set->by_name);
	g_free(set);
	dir->links = NULL;
}

static struct set_entry *entry_at(struct node_link_set *set, guint i)
{
	return &g_array_index(set->entries, struct set_entry, i);
}

static struct set_entry *find(struct node_link_set *set, const char *name)
{
	guint i = GPOINTER_TO_UINT(g_hash_table_lookup(set->by_name, name));

	return i ? entry_at(set, i - 1) : NULL;
}

struct node *node_device_link(struct node_tree *tree, struct node *dir,
			      const char *name, const char *target)
{
	struct set_entry entry = { name, target, 0 };

	if (!dir || dir->lazy)
		return node_link(tree, dir, name, target);
	/* A lazy directory's replay makes nothing outside it. */
	if (tree->replay)
		return NULL;
	if (!dir->links)
		dir->links = set_new();
	if (node_child(dir, name) || find(dir->links, name))
		return NULL;
	entry.ino = tree->next_ino++;
	g_array_append_val(dir->links->entries, entry);
	g_hash_table_insert(dir->links->by_name, (gpointer)name,
			    GUINT_TO_POINTER(dir->links->entries->len));
	node_name_unmade(tree, dir, name, false);
	return NULL;
}

/* Renumber once holes are the most of it. */
static void squeeze(struct node_link_set *set)
{
	guint kept = 0;

	if (set->holes < SET_HOLES_MIN || set->holes * 2 < set->entries->len)
		return;
	g_hash_table_remove_all(set->by_name);
	for (guint i = 0; i < set->entries->len; i++) {
		struct set_entry *e = entry_at(set, i);

		if (!e->name)
			continue;
		*entry_at(set, kept++) = *e;
		g_hash_table_insert(set->by_name, (gpointer)e->name,
				    GUINT_TO_POINTER(kept));
	}
	g_array_set_size(set->entries, kept);
	set->holes = 0;
}

bool node_set_remove(struct node_tree *tree, struct node *dir,
		     const char *name)
{
	struct node_link_set *set = dir->links;
	struct set_entry *e = set ? find(set, name) : NULL;
	struct node *made;

	if (!e)
		return false;
	g_hash_table_remove(set->by_name, name);
	e->name = e->target = NULL;
	set->holes++;
	made = node_child(dir, name);
	if (made)
		node_remove(tree, made);
	else
		node_name_unmade(tree, dir, name, false);
	squeeze(set);
	return true;
}

struct node *node_set_child(struct node_tree *tree, struct node *dir,
			    const char *name)
{
	struct set_entry *e = dir->links ? find(dir->links, name) : NULL;

	return e ? node_link_made(tree, dir, e->name, e->target, e->ino) : NULL;
}

guint node_set_size(const struct node *dir)
{
	return dir->links ? dir->links->entries->len - dir->links->holes : 0;
}

bool node_set_readdir(struct node *dir, guint from, node_fill_fn fill,
		      void *ctx)
{
	struct node_link_set *set = dir->links;

	for (guint i = from; set && i < set->entries->len; i++) {
		struct set_entry *e = entry_at(set, i);

		if (e->name && !fill(ctx, e->name, e->ino, S_IFLNK,
				     NODE_SET_OFF + (off_t)i + 1))
			return false;
	}
	return true;
}
