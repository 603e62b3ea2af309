// SPDX-License-Identifier: MIT
/*
 * A set's entries (set.c has what they are for): kept by readdir position
 * with a name index, or asked of the set's owner; found, counted, listed
 * and freed here, without making or telling anything.  With the tree
 * lock held.
 */
#include "kernfs_priv.h"

#include <string.h>

static const char *entry_name(const struct set_entry *e)
{
	return e->head.item;
}

/* dir's set, made if it has none; NULL if it holds the other kind (a
 * backend can place devices so: they then get plain nodes). */
struct node_set *node_set_for(struct node *dir,
			      const struct node_source *dirs)
{
	struct node_set *set = node_dir_set(dir);

	if (!set) {
		set = g_new0(struct node_set, 1);
		node_pos_init(&set->entries, sizeof(struct set_entry));
		set->by_name = g_hash_table_new(g_str_hash, g_str_equal);
		set->dirs = dirs;
		node_dir_extras(dir)->set = set;
	}
	return set->dirs == dirs && !set->ops ? set : NULL;
}

/* dir no longer has its set (freed by the caller). */
static void forget_set(struct node *dir)
{
	as_dir(dir)->extras->set = NULL;
}

bool node_set_owned(struct node *dir, const struct node_set_ops *ops,
		    void *owner)
{
	struct node_set *set = node_dir_set(dir);

	if (set && !set->ops)
		return false;
	if (!ops) {
		if (set) {
			g_free(set);
			forget_set(dir);
		}
		return true;
	}
	if (!set) {
		set = g_new0(struct node_set, 1);
		node_dir_extras(dir)->set = set;
	}
	set->ops = ops;
	set->owner = owner;
	set->dirs = ops->dirs;
	return true;
}

static struct set_entry *entry_at(struct node_set *set, guint i)
{
	return node_pos_at(&set->entries, i);
}

/* Let go of what a live entry holds. */
static void entry_release(struct node_set *set, struct set_entry *e)
{
	if (set->dirs && entry_name(e))
		node_obj_source(e->obj)->release(e->obj);
	e->obj = NULL;
}

void node_set_free(struct node *dir)
{
	struct node_set *set = node_dir_set(dir);

	if (!set)
		return;
	if (!set->ops) {
		for (guint i = 0; i < node_pos_len(&set->entries); i++)
			entry_release(set, entry_at(set, i));
		node_pos_fini(&set->entries);
		g_hash_table_destroy(set->by_name);
	}
	g_free(set);
	forget_set(dir);
}

static struct set_entry *find(struct node_set *set, const char *name)
{
	guint i = GPOINTER_TO_UINT(g_hash_table_lookup(set->by_name, name));

	return i ? entry_at(set, i - 1) : NULL;
}

/* dir's entry name, if dir has a set and it has one, into *out. */
bool node_set_find(const struct node *dir, const char *name,
		   struct node_set_entry *out)
{
	struct node_set *set = dir ? node_dir_set(dir) : NULL;
	struct set_entry *e;

	if (!set)
		return false;
	if (set->ops)
		return set->ops->find(set->owner, name, out);
	e = find(set, name);
	if (!e)
		return false;
	*out = (struct node_set_entry){
		.name = entry_name(e),
		.target = set->dirs ? NULL : e->target,
		.obj = set->dirs ? e->obj : NULL,
		.ino = e->ino,
		.pos = e->head.pos,
	};
	return true;
}

/* The name index after the entries moved (node_pos_remove()). */
static void reindex(struct node_set *set)
{
	g_hash_table_remove_all(set->by_name);
	for (guint i = 0; i < node_pos_len(&set->entries); i++)
		g_hash_table_insert(set->by_name,
				    (gpointer)entry_name(entry_at(set, i)),
				    GUINT_TO_POINTER(i + 1));
}

bool node_set_has(struct node *dir, const char *name)
{
	struct node_set_entry e;

	return node_set_find(dir, name, &e);
}

guint node_set_size(const struct node *dir)
{
	struct node_set *set = node_dir_set(dir);

	if (!set)
		return 0;
	if (set->ops)
		return set->ops->size(set->owner);
	return node_pos_live(&set->entries);
}

guint node_set_subdirs(const struct node *dir)
{
	struct node_set *set = node_dir_set(dir);

	return set && set->dirs ? node_set_size(dir) : 0;
}

/* An owner's set, from position from on. */
static void owned_readdir(struct node_set *set, uint64_t from,
			  mode_t type, node_fill_fn fill, void *ctx)
{
	struct node_set_entry e;

	for (uint64_t pos = from; set->ops->from(set->owner, pos, &e);
	     pos = e.pos + 1)
		if (!fill(ctx, e.name, e.ino, type, node_pos_set_off(e.pos)))
			return;
}

void node_set_readdir(struct node *dir, uint64_t from, node_fill_fn fill,
		      void *ctx)
{
	struct node_set *set = node_dir_set(dir);
	mode_t type = set && set->dirs ? S_IFDIR : S_IFLNK;

	if (set && set->ops) {
		owned_readdir(set, from, type, fill, ctx);
		return;
	}
	if (!set)
		return;
	for (guint i = node_pos_from(&set->entries, from);
	     i < node_pos_len(&set->entries); i++) {
		struct set_entry *e = entry_at(set, i);

		if (entry_name(e) &&
		    !fill(ctx, entry_name(e), e->ino, type,
			  node_pos_set_off(e->head.pos)))
			return;
	}
}

bool node_set_add(struct node_tree *tree, struct node *dir, struct node_set *set,
		  const char *name, const char *target, void *obj)
{
	struct set_entry entry = { .head.item = name, .ino = tree->next_ino };

	if (node_child(dir, name) || find(set, name))
		return false;
	if (set->dirs)
		entry.obj = obj;
	else
		entry.target = target;
	tree->next_ino++;
	node_pos_append(&set->entries, &entry);
	g_hash_table_insert(set->by_name, (gpointer)name,
			    GUINT_TO_POINTER(node_pos_len(&set->entries)));
	return true;
}

bool node_set_take(struct node_set *set, const char *name)
{
	struct set_entry *e;

	/* An owner lets go of its entry before the tree hears of it. */
	if (set->ops)
		return true;
	e = find(set, name);
	if (!e)
		return false;
	g_hash_table_remove(set->by_name, name);
	entry_release(set, e);
	if (node_pos_remove(&set->entries, (guint)(e - entry_at(set, 0))))
		reindex(set);
	return true;
}
