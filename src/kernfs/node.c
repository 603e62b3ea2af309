// SPDX-License-Identifier: MIT
#include "kernfs_priv.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define ROOT_INO 1

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
static char *share(struct node_tree *tree, const char *text)
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
static char *share_text(struct node_tree *tree, char *text)
{
	char *shared = share(tree, text);

	g_free(text);
	return shared;
}

static void unshare_text(struct node_tree *tree, const char *text)
{
	struct shared_text *st = g_hash_table_lookup(tree->shared_texts, text);

	if (st && --st->users == 0)
		g_hash_table_remove(tree->shared_texts, text);
}

/* borrow: the name is the caller's for as long as the node is not
 * removed (a file's always is: its attribute's). */
static struct node *node_new_ino(struct node_tree *tree, enum node_type type,
				 const char *name, uint64_t ino, bool borrow)
{
	static const size_t size[] = { [NODE_DIR] = sizeof(struct dir_node),
				       [NODE_FILE] = sizeof(struct file_node),
				       [NODE_LINK] = sizeof(struct link_node) };
	struct node *node = g_malloc0(size[type]);

	node->ino = ino;
	node->type = type;
	node->borrowed = borrow;
	node->name = type == NODE_FILE || borrow ? name : share(tree, name);
	node->time_ns = node_clock_ns();
	g_hash_table_add(tree->inodes, &node->ino);
	return node;
}

static struct node *node_new(struct node_tree *tree, enum node_type type,
			     const char *name)
{
	return node_new_ino(tree, type, name, tree->next_ino++, false);
}

/* What a node owns, and the node itself. */
static void node_release_parts(struct node_tree *tree, struct node *node)
{
	switch (node->type) {
	case NODE_DIR: {
		struct dir_node *d = as_dir(node);

		if (d->source_obj && d->source_obj->source->release)
			d->source_obj->source->release(d->source_obj);
		node_set_free(node);
		node_dir_free(node);
		if (!node->borrowed)
			unshare_text(tree, node->name);
		break;
	}
	case NODE_LINK:
		if (!node->borrowed) {
			unshare_text(tree, as_link(node)->target);
			unshare_text(tree, node->name);
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

static void file_free(gpointer data)
{
	struct node_file *file = data;

	g_mutex_clear(&file->lock);
	g_free(file->shown);
	g_free(file);
}

void node_tree_init(struct node_tree *tree)
{
	memset(tree, 0, sizeof(*tree));
	g_mutex_init(&tree->lock);
	g_cond_init(&tree->drained);
	tree->inodes = g_hash_table_new(g_int64_hash, g_int64_equal);
	tree->files = g_hash_table_new_full(NULL, NULL, file_free, NULL);
	tree->shared_texts = g_hash_table_new_full(g_str_hash, g_str_equal,
						   NULL, g_free);
	tree->next_ino = ROOT_INO;
	tree->root = node_new(tree, NODE_DIR, "");
	tree->uid = getuid();
	tree->gid = getgid();
}

void node_tree_fini(struct node_tree *tree)
{
	GHashTableIter it;
	gpointer value;

	g_mutex_lock(&tree->lock);
	node_remove(tree, tree->root);
	g_mutex_unlock(&tree->lock);
	/* Whatever the kernel still held is gone with the connection. */
	g_hash_table_destroy(tree->files);
	g_hash_table_iter_init(&it, tree->inodes);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		struct node *node = node_of_ino(value);

		g_hash_table_iter_steal(&it);
		node->ino = 0;
		node_release_parts(tree, node);
	}
	g_hash_table_destroy(tree->inodes);
	g_hash_table_destroy(tree->shared_texts);
	g_cond_clear(&tree->drained);
	g_mutex_clear(&tree->lock);
}

/* ------------------------------------------------------------------ */
/* Building                                                            */

static struct node *attach(struct node_tree *tree, struct node *dir,
			   struct node *node)
{
	node->lazy = dir->lazy;
	node_dir_add(dir, node);
	/* A replay makes what was there all along: nothing to tell. */
	if (!tree->replay)
		node_name_changed(tree, dir, node);
	return node;
}

struct node *node_dir(struct node_tree *tree, struct node *dir, const char *name)
{
	struct node *node = node_child(dir, name);

	if (node)
		return node->type == NODE_DIR ? node : NULL;
	if (!dir || !node_admit(tree, dir, name, NODE_DIR))
		return NULL;
	return attach(tree, dir, node_new(tree, NODE_DIR, name));
}

int node_path_next(const char **path, char *name)
{
	const char *p = *path;
	size_t len;

	while (*p == '/')
		p++;
	len = strcspn(p, "/");
	if (len >= NODE_NAME_SIZE)
		return -1;
	memcpy(name, p, len);
	name[len] = '\0';
	*path = p + len;
	return len > 0;
}

struct node *node_dir_path(struct node_tree *tree, const char *path)
{
	char name[NODE_NAME_SIZE];
	struct node *dir = tree->root;
	int more = 0;

	while (dir && (more = node_path_next(&path, name)) > 0)
		dir = node_dir(tree, dir, name);
	return more < 0 ? NULL : dir;
}

struct node *node_file(struct node_tree *tree, struct node *dir,
		       const struct node_file_desc *desc)
{
	struct node *node;
	struct file_node *f;

	if (!dir || node_child(dir, desc->name) ||
	    !node_admit(tree, dir, desc->name, NODE_FILE))
		return NULL;
	node = node_new(tree, NODE_FILE, desc->name);
	f = as_file(node);
	f->mode = desc->mode & 07777;
	f->cache = desc->cache;
	f->ops = desc->ops;
	f->attr = desc->attr;
	f->obj = desc->obj;
	return attach(tree, dir, node);
}

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

/* The kernfs rule: up from the link's directory to the common ancestor,
 * then down to the target. */
static char *relative_target(const char *from_dir, const char *target)
{
	g_auto(GStrv) from = g_strsplit(from_dir, "/", -1);
	g_auto(GStrv) to = g_strsplit(target, "/", -1);
	GString *text = g_string_new(NULL);
	guint common = 0, nfrom = g_strv_length(from), nto = g_strv_length(to);
	gsize len;

	if (!*from_dir)
		nfrom = 0;
	/* The common ancestor must be a proper ancestor of the target: a
	 * link to its own ancestor goes up past it and back down. */
	while (common < nfrom && common + 1 < nto &&
	       strcmp(from[common], to[common]) == 0)
		common++;
	for (guint i = common; i < nfrom; i++)
		g_string_append(text, "../");
	for (guint i = common; i < nto; i++)
		g_string_append_printf(text, "%s%s", to[i], i + 1 < nto ? "/" : "");
	len = text->len;
	/* Kept for the link's life: no room to spare. */
	return g_realloc(g_string_free(text, FALSE), len + 1);
}

static char *link_text(const struct node *dir, const char *target)
{
	g_autofree char *dir_path = node_path(dir);

	return relative_target(dir_path, target);
}

static struct node *new_link(struct node_tree *tree, struct node *dir,
			     const char *name, const char *target, uint64_t ino)
{
	struct node *node = node_new_ino(tree, NODE_LINK, name, ino, false);

	as_link(node)->target = share_text(tree, link_text(dir, target));
	return node;
}

/* A removed node outlives its set entry, and what it borrowed from it:
 * it takes copies (while it still has its parent). */
static void own_strings(struct node_tree *tree, struct node *node)
{
	if (!node->borrowed)
		return;
	if (node->type == NODE_LINK) {
		struct link_node *l = as_link(node);

		l->target = share_text(tree, link_text(node->parent, l->target));
	}
	node->name = share(tree, node->name);
	node->borrowed = false;
}

struct node *node_link(struct node_tree *tree, struct node *dir,
		       const char *name, const char *target)
{
	if (!dir || node_child(dir, name) || !node_admit(tree, dir, name, NODE_LINK))
		return NULL;
	return attach(tree, dir, new_link(tree, dir, name, target,
					  tree->next_ino++));
}

/* A set entry's node.  It was there all along: nothing to tell the
 * kernel; and it goes again once the kernel forgets it. */
static struct node *set_made(struct node *dir, struct node *node)
{
	node->lazy = true;
	node->in_set = true;
	node_dir_add(dir, node);
	return node;
}

/* The link text is worked out when asked for: the kernel keeps it. */
struct node *node_link_made(struct node_tree *tree, struct node *dir,
			    const char *name, const char *target, uint64_t ino)
{
	struct node *node = node_new_ino(tree, NODE_LINK, name, ino, true);

	as_link(node)->target = (char *)target;
	return set_made(dir, node);
}

struct node *node_dir_made(struct node_tree *tree, struct node *dir,
			   const char *name, uint64_t ino)
{
	return set_made(dir, node_new_ino(tree, NODE_DIR, name, ino, true));
}

/* Wait until no show/store runs on node (but the caller's own store). */
static void drain(struct node_tree *tree, struct node *node)
{
	int own = storing == node ? 1 : 0;

	while (as_file(node)->active > own)
		g_cond_wait(&tree->drained, &tree->lock);
}

static void remove_subtree(struct node_tree *tree, struct node *node)
{
	struct dir_node *d = as_dir(node);

	node->removed = true;
	if (node->type == NODE_DIR) {
		while (d->first) {
			struct node *child = d->first;

			own_strings(tree, child);
			node_held_child_removed(tree, node, child);
			node_dir_del(node, child);
			remove_subtree(tree, child);
		}
		/* Its set's entries go too (they borrow their names from
		 * devices that may go before the node does). */
		node_set_free(node);
	}
	if (node->type == NODE_FILE) {
		drain(tree, node);
		/* Pages cached for an open fd must go, so its next read fails
		 * with ENODEV as sysfs does. */
		if ((node_mode(node) & 0444) && node->nlookup > 0 &&
		    tree->observer.inval_inode) {
			/* Only constant files have pages with open handles. */
			if (!tree->by_inode &&
			    as_file(node)->cache == NODE_CACHE_CONSTANT)
				node_queue_inode(node->ino);
			else if (tree->by_inode && node != storing)
				node_queue_views(tree, node);
		}
	}
	node_maybe_free(tree, node);
}

void node_remove(struct node_tree *tree, struct node *node)
{
	struct node *dir;

	if (!node || node->removed)
		return;
	dir = node->parent;
	if (dir) {
		own_strings(tree, node);
		node_dir_del(dir, node);
		node_name_changed(tree, dir, node);
	}
	if (node == tree->root) {
		/* Shutdown: empty the root but keep it. */
		remove_subtree(tree, node);
		node->removed = false;
		return;
	}
	remove_subtree(tree, node);
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

void node_fill_stat(struct node_tree *tree, struct node *node,
		    struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = node->ino;
	st->st_uid = tree->uid;
	st->st_gid = tree->gid;
	st->st_atim = st->st_mtim = st->st_ctim = node_timespec(node);
	st->st_blksize = NODE_PAGE_SIZE;
	switch (node->type) {
	case NODE_DIR:
		st->st_mode = S_IFDIR | node_mode(node);
		st->st_nlink = 2 + node_lazy_nsubdirs(tree, node) +
			       node_set_subdirs(node);
		break;
	case NODE_FILE:
		st->st_mode = S_IFREG | node_mode(node);
		st->st_nlink = 1;
		st->st_size = NODE_PAGE_SIZE;
		break;
	case NODE_LINK:
		st->st_mode = S_IFLNK | node_mode(node);
		st->st_nlink = 1;
		break;
	}
}

/*
 * A backend file becomes cacheable once its backend promises to announce
 * every change; the promise may come after the file was made.  With the
 * tree lock held, while the node is not removed (so obj is alive).
 */
static void settle_cache(struct node *node)
{
	struct file_node *f = as_file(node);

	if (node->type == NODE_FILE && f->cache == NODE_CACHE_VOLATILE &&
	    !node->removed && f->ops->announced && f->ops->announced(f->obj))
		f->cache = NODE_CACHE_TRACKED;
}

/* Inode mode: a readable file's length is that of the value it shows. */
static bool shows_value(const struct node_tree *tree, const struct node *node)
{
	return tree->by_inode && node->type == NODE_FILE &&
	       (node_mode(node) & 0444);
}

/* What a stat of node needs, read with the tree lock held: the node's
 * type shares its word with counters that others change under the lock. */
struct stat_plan {
	bool value;      /* shows_value() */
	bool volatile_;  /* the kernel must ask again at every read */
};

static struct stat_plan plan_stat(const struct node_tree *tree,
				  const struct node *node)
{
	bool value = shows_value(tree, node);

	return (struct stat_plan){
		.value = value,
		.volatile_ = value && as_file(node)->cache == NODE_CACHE_VOLATILE,
	};
}

/* Without the tree lock (a value may take a show() to know). */
static void finish_stat(struct node_tree *tree, struct node *node,
			uint64_t ino, struct stat *st, bool *recheck,
			struct stat_plan plan)
{
	if (recheck)
		*recheck = plan.volatile_;
	if (plan.value)
		node_value_stat(tree, node, ino, st);
}

int node_lookup(struct node_tree *tree, uint64_t parent, const char *name,
		struct stat *st, bool *recheck)
{
	struct node *dir, *node = NULL;
	struct stat_plan plan = { 0 };
	int ret = -ENOENT;

	g_mutex_lock(&tree->lock);
	dir = node_find(tree, parent);
	if (!dir || dir->removed || dir->type != NODE_DIR)
		ret = dir && !dir->removed ? -ENOTDIR : -ENOENT;
	else if ((node = node_lazy_child(tree, dir, name))) {
		settle_cache(node);
		/* Also keeps it while we show its value. */
		if (node->nlookup < NODE_NLOOKUP_MAX)
			node->nlookup++;
		node_fill_stat(tree, node, st);
		plan = plan_stat(tree, node);
		ret = 0;
	} else {
		bool cached = node_remember_negative(dir, name);

		if (recheck)
			*recheck = !cached;
	}
	g_mutex_unlock(&tree->lock);
	if (!ret)
		finish_stat(tree, node, 0, st, recheck, plan);
	return ret;
}

void node_forget(struct node_tree *tree, uint64_t ino, uint64_t nlookup)
{
	struct node *node;

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	if (node && node != tree->root) {
		if (node->nlookup < NODE_NLOOKUP_MAX)
			node->nlookup -= MIN(nlookup, node->nlookup);
		if (node->nlookup == 0 && node->type == NODE_FILE)
			node_value_forgotten(node);
		if (node->nlookup == 0)
			node_lazy_forgotten(tree, node);
		node_maybe_free(tree, node);
	}
	g_mutex_unlock(&tree->lock);
}

int node_getattr(struct node_tree *tree, uint64_t ino, struct stat *st,
		 bool *recheck)
{
	struct node *node;
	struct stat_plan plan = { 0 };

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	if (node && !node_hold(node)) {
		g_mutex_unlock(&tree->lock);
		return -ENFILE;
	}
	if (node) {
		settle_cache(node);
		node_fill_stat(tree, node, st);
		plan = plan_stat(tree, node);
	}
	g_mutex_unlock(&tree->lock);
	if (!node)
		return -ENOENT;
	finish_stat(tree, node, ino, st, recheck, plan);
	g_mutex_lock(&tree->lock);
	node->handles--;
	node_maybe_free(tree, node);
	g_mutex_unlock(&tree->lock);
	return 0;
}

int node_readlink(struct node_tree *tree, uint64_t ino, char **target)
{
	struct node *node;
	int ret = 0;

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	if (!node)
		ret = -ENOENT;
	else if (node->type != NODE_LINK)
		ret = -EINVAL;
	else if (node->borrowed)
		*target = link_text(node->parent, as_link(node)->target);
	else
		*target = g_strdup(as_link(node)->target);
	g_mutex_unlock(&tree->lock);
	return ret;
}

struct readdir_walk {
	const struct node_tree *tree;
	node_fill_fn fill;
	void *ctx;
};

/* Fill one entry; false when the buffer is full. */
static bool readdir_one(struct readdir_walk *walk, const struct node *node)
{
	static const mode_t types[] = { [NODE_DIR] = S_IFDIR,
					[NODE_FILE] = S_IFREG,
					[NODE_LINK] = S_IFLNK };

	/* Offsets 1 and 2 are "." and ".."; pos.h has the rest. */
	return walk->fill(walk->ctx, node->name,
			  node_kernel_ino(walk->tree, node), types[node->type],
			  node_pos_seq_off(node->seq));
}

int node_readdir(struct node_tree *tree, uint64_t ino, off_t off,
		 node_fill_fn fill, void *ctx)
{
	struct readdir_walk walk = { tree, fill, ctx };
	struct node *dir;

	g_mutex_lock(&tree->lock);
	dir = node_find(tree, ino);
	if (!dir || dir->type != NODE_DIR) {
		g_mutex_unlock(&tree->lock);
		return dir ? -ENOTDIR : -ENOENT;
	}
	if (!dir->removed)
		node_lazy_fill(tree, dir);
	as_dir(dir)->listed = true;   /* the kernel may cache what it gets */
	if (off < 1 && !fill(ctx, ".", dir->ino, S_IFDIR, 1))
		goto out;
	if (off < 2 && !fill(ctx, "..", dir->parent ? dir->parent->ino : dir->ino,
			     S_IFDIR, 2))
		goto out;
	/* A removed directory still open lists nothing more, as in kernfs
	 * (and what listed it may be gone). */
	if (dir->removed)
		goto out;
	if (off >= NODE_SET_OFF) {
		node_set_readdir(dir, node_pos_off_set(off), fill, ctx);
		goto out;
	}
	for (struct node *c = node_dir_from(dir, node_pos_off_seq(off)); c;
	     c = c->next)
		if (!c->in_set && !readdir_one(&walk, c))
			goto out;
	node_set_readdir(dir, 0, fill, ctx);
out:
	g_mutex_unlock(&tree->lock);
	return 0;
}
