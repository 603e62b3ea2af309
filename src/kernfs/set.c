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

struct set_entry {
	/* Its readdir position (pos.h), and its name, borrowed from
	 * the device; a NULL name is a hole. */
	struct node_pos_head head;
	union {
		const char *target;    /* a link: the device's path */
		void *obj;             /* a directory: what builds it */
	};
	uint64_t ino;
};

struct node_link_set {
	struct node_pos_array entries;   /* struct set_entry, by position */
	GHashTable *by_name;   /* name -> index + 1 */
	/* A set of directories: their source; NULL for links. */
	const struct node_source *dirs;
	/* An owner's set: no entries here. */
	const struct node_set_ops *ops;
	void *owner;
};

static const char *entry_name(const struct set_entry *e)
{
	return e->head.item;
}

/* dir's set, made if it has none; NULL if it holds the other kind (a
 * backend can place devices so: they then get plain nodes). */
static struct node_link_set *set_of(struct node *dir,
				    const struct node_source *dirs)
{
	struct node_link_set *set = node_dir_links(dir);

	if (!set) {
		set = g_new0(struct node_link_set, 1);
		node_pos_init(&set->entries, sizeof(struct set_entry));
		set->by_name = g_hash_table_new(g_str_hash, g_str_equal);
		set->dirs = dirs;
		node_dir_extras(dir)->links = set;
	}
	return set->dirs == dirs && !set->ops ? set : NULL;
}

/* dir no longer has its set (freed by the caller). */
static void forget_set(struct node *dir)
{
	as_dir(dir)->extras->links = NULL;
}

bool node_set_owned(struct node *dir, const struct node_set_ops *ops,
		    void *owner)
{
	struct node_link_set *set = node_dir_links(dir);

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
		set = g_new0(struct node_link_set, 1);
		node_dir_extras(dir)->links = set;
	}
	set->ops = ops;
	set->owner = owner;
	set->dirs = ops->dirs;
	return true;
}

void node_owned_set_added(struct node_tree *tree, struct node *dir,
			  const char *name)
{
	if (dir && !tree->replay)
		node_name_unmade(tree, dir, name, node_dir_links(dir)->dirs != NULL);
}

/* What builds the directory of an entry of a set of directories. */
static const struct node_source *source_of_obj(void *obj)
{
	return ((struct node_lazy_obj *)obj)->source;
}

static struct set_entry *entry_at(struct node_link_set *set, guint i)
{
	return node_pos_at(&set->entries, i);
}

/* Let go of what a live entry holds. */
static void entry_release(struct node_link_set *set, struct set_entry *e)
{
	if (set->dirs && entry_name(e))
		source_of_obj(e->obj)->release(e->obj);
	e->obj = NULL;
}

void node_set_free(struct node *dir)
{
	struct node_link_set *set = node_dir_links(dir);

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

static struct set_entry *find(struct node_link_set *set, const char *name)
{
	guint i = GPOINTER_TO_UINT(g_hash_table_lookup(set->by_name, name));

	return i ? entry_at(set, i - 1) : NULL;
}

/* dir's entry name, if dir has a set and it has one, into *out. */
static bool entry_of(const struct node *dir, const char *name,
		     struct node_set_entry *out)
{
	struct node_link_set *set = dir ? node_dir_links(dir) : NULL;
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

/* Add an entry unless dir has name already; false then. */
static bool add(struct node_tree *tree, struct node *dir,
		struct node_link_set *set, struct set_entry entry)
{
	const char *name = entry_name(&entry);

	if (node_child(dir, name) || find(set, name))
		return false;
	entry.ino = tree->next_ino++;
	node_pos_append(&set->entries, &entry);
	g_hash_table_insert(set->by_name, (gpointer)name,
			    GUINT_TO_POINTER(node_pos_len(&set->entries)));
	node_name_unmade(tree, dir, name, set->dirs != NULL);
	return true;
}

struct node *node_device_link(struct node_tree *tree, struct node *dir,
			      const char *name, const char *target)
{
	struct node_link_set *set;

	if (!dir || dir->lazy)
		return node_link(tree, dir, name, target);
	/* A lazy directory's replay makes nothing outside it. */
	if (tree->replay)
		return NULL;
	set = set_of(dir, NULL);
	if (!set)
		return node_link(tree, dir, name, target);
	add(tree, dir, set, (struct set_entry){ .head.item = name,
						 .target = target });
	return NULL;
}

void node_lazy_subdir(struct node_tree *tree, struct node *dir,
		      const char *name, struct node_lazy_obj *obj)
{
	const struct node_source *src = obj->source;
	struct node_link_set *set;
	struct node *made;

	if (!dir || tree->replay)
		return;
	set = set_of(dir, src);
	if (set) {
		if (add(tree, dir, set,
			(struct set_entry){ .head.item = name, .obj = obj }))
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
	return entry_of(dir, name, &e) ? e.obj : NULL;
}

/* The name index after the entries moved (node_pos_remove()). */
static void reindex(struct node_link_set *set)
{
	g_hash_table_remove_all(set->by_name);
	for (guint i = 0; i < node_pos_len(&set->entries); i++)
		g_hash_table_insert(set->by_name,
				    (gpointer)entry_name(entry_at(set, i)),
				    GUINT_TO_POINTER(i + 1));
}

/* The entry name went from set: its node goes, or the kernel is told. */
static void entry_gone(struct node_tree *tree, struct node *dir,
		       struct node_link_set *set, const char *name)
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
	struct node_link_set *set = node_dir_links(dir);
	struct set_entry *e;

	/* An owner lets go of its entry before it calls here. */
	if (set && set->ops) {
		entry_gone(tree, dir, set, name);
		return true;
	}
	e = set ? find(set, name) : NULL;
	if (!e)
		return false;
	/* The entry goes first: removing its node may wait for a show or
	 * store with the tree lock dropped, and other entries may come and
	 * go meanwhile (e would point into a moved array).  A made node
	 * holds the entry's object itself. */
	g_hash_table_remove(set->by_name, name);
	entry_release(set, e);
	if (node_pos_remove(&set->entries, (guint)(e - entry_at(set, 0))))
		reindex(set);
	entry_gone(tree, dir, set, name);
	return true;
}

static struct node *make_dir(struct node_tree *tree, struct node *dir,
			     const struct node_set_entry *e)
{
	struct node *made = node_dir_made(tree, dir, e->name, e->ino);

	node_set_source(made, e->obj);
	source_of_obj(e->obj)->hold(e->obj);
	return made;
}

struct node *node_set_child(struct node_tree *tree, struct node *dir,
			    const char *name)
{
	struct node_set_entry e;

	if (!entry_of(dir, name, &e))
		return NULL;
	if (node_dir_links(dir)->dirs)
		return make_dir(tree, dir, &e);
	return node_link_made(tree, dir, e.name, e.target, e.ino);
}

bool node_set_has(struct node *dir, const char *name)
{
	struct node_set_entry e;

	return entry_of(dir, name, &e);
}

guint node_set_size(const struct node *dir)
{
	struct node_link_set *set = node_dir_links(dir);

	if (!set)
		return 0;
	if (set->ops)
		return set->ops->size(set->owner);
	return node_pos_live(&set->entries);
}

guint node_set_subdirs(const struct node *dir)
{
	struct node_link_set *set = node_dir_links(dir);

	return set && set->dirs ? node_set_size(dir) : 0;
}

/* An owner's set, from position from on. */
static void owned_readdir(struct node_link_set *set, uint64_t from,
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
	struct node_link_set *set = node_dir_links(dir);
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
