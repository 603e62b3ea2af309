// SPDX-License-Identifier: MIT
/*
 * What the FUSE layer asks of the tree: lookups and the kernel's
 * references, attributes, link texts and listings.  Each takes the tree
 * lock itself.
 */
#include "kernfs_priv.h"

#include <errno.h>
#include <string.h>

static void node_fill_stat(struct node_tree *tree, struct node *node,
		    struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = node->ino;
	node_iattr_stat(tree, node, st);
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
		/* sysfs: a page for a text attribute, its size for a
		 * binary one. */
		st->st_size = as_file(node)->binary ? as_file(node)->size
						    : NODE_PAGE_SIZE;
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
	       !as_file(node)->binary && (node_mode(node) & 0444);
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
		*target = node_link_text(node->parent, as_link(node)->target);
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

/* List dir from off, with the tree lock held. */
static void list_dir(struct node_tree *tree, struct node *dir, off_t off,
		     node_fill_fn fill, void *ctx)
{
	struct readdir_walk walk = { tree, fill, ctx };

	if (!dir->removed)
		node_lazy_fill(tree, dir);
	as_dir(dir)->listed = true;   /* the kernel may cache what it gets */
	if (off < 1 && !fill(ctx, ".", dir->ino, S_IFDIR, 1))
		return;
	if (off < 2 && !fill(ctx, "..", dir->parent ? dir->parent->ino : dir->ino,
			     S_IFDIR, 2))
		return;
	/* A removed directory still open lists nothing more, as in kernfs
	 * (and what listed it may be gone). */
	if (dir->removed)
		return;
	if (off >= NODE_SET_OFF) {
		node_set_readdir(dir, node_pos_off_set(off), fill, ctx);
		return;
	}
	for (struct node *c = node_dir_from(dir, node_pos_off_seq(off)); c;
	     c = c->next)
		if (!c->in_set && !readdir_one(&walk, c))
			return;
	node_set_readdir(dir, 0, fill, ctx);
}

/* The directory ino, with the tree lock held; or -errno, unlocked. */
static int lock_dir(struct node_tree *tree, uint64_t ino, struct node **dir)
{
	g_mutex_lock(&tree->lock);
	*dir = node_find(tree, ino);
	if (*dir && (*dir)->type == NODE_DIR)
		return 0;
	g_mutex_unlock(&tree->lock);
	return *dir ? -ENOTDIR : -ENOENT;
}

int node_readdir(struct node_tree *tree, uint64_t ino, off_t off,
		 node_fill_fn fill, void *ctx)
{
	struct node *dir;
	int ret = lock_dir(tree, ino, &dir);

	if (ret)
		return ret;
	list_dir(tree, dir, off, fill, ctx);
	g_mutex_unlock(&tree->lock);
	return 0;
}

struct plus_walk {
	struct node_tree *tree;
	struct node *dir;
	node_fill_plus_fn fill;
	void *ctx;
};

/* An entry with its attributes and a kernel reference, as a LOOKUP of it
 * would give: a link or directory of a directory that keeps a set (those
 * a listing is followed by a lookup of each: ls -l, mdevctl, libvirt).
 * Files and the rest come bare; the kernel looks them up when it needs
 * them, and in inode mode a file's size takes a show() to know. */
static bool fill_plus(void *ctx, const char *name, uint64_t ino, mode_t type,
		      off_t next_off)
{
	struct plus_walk *w = ctx;
	struct node *node = NULL;
	struct stat st;

	if (node_dir_set(w->dir) && type != S_IFREG && strcmp(name, ".") &&
	    strcmp(name, ".."))
		node = node_lazy_child(w->tree, w->dir, name);
	if (!node)
		return w->fill(w->ctx, name, ino, type, NULL, next_off);
	if (node->nlookup < NODE_NLOOKUP_MAX)
		node->nlookup++;
	node_fill_stat(w->tree, node, &st);
	if (w->fill(w->ctx, name, ino, type, &st, next_off))
		return true;
	/* Not sent: the reference goes back. */
	if (node->nlookup < NODE_NLOOKUP_MAX)
		node->nlookup--;
	node_maybe_free(w->tree, node);
	return false;
}

int node_readdirplus(struct node_tree *tree, uint64_t ino, off_t off,
		     node_fill_plus_fn fill, void *ctx)
{
	struct plus_walk walk = { tree, NULL, fill, ctx };
	int ret = lock_dir(tree, ino, &walk.dir);

	if (ret)
		return ret;
	list_dir(tree, walk.dir, off, fill_plus, &walk);
	g_mutex_unlock(&tree->lock);
	return 0;
}
