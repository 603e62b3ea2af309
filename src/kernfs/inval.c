// SPDX-License-Identifier: MIT
/*
 * The invalidation queue: what the kernel may have cached of a change,
 * queued by the thread that makes the change while it holds the tree
 * lock, and delivered to the observer (the FUSE layer) after the lock is
 * dropped, still in that thread, or once at the end of a store.
 */
#include "kernfs_priv.h"

/* Invalidations queued by this thread while it holds the tree lock. */
struct pending {
	uint64_t parent;   /* 0: inval_inode(ino), else inval_entry */
	uint64_t ino;
	char *name;
	bool wake;         /* with inval_inode: also wake pollers */
	bool held;         /* an entry inside a removed directory, held */
	bool skip;         /* found not to matter at delivery */
};

static __thread GArray *pending;
/* Inside a store: deliver once, when it ends (node_batch_end()). */
static __thread int batch_depth;

static bool kernel_knows(const struct node_tree *tree, const struct node *node)
{
	return node == tree->root || node->nlookup > 0;
}

static void queue(uint64_t parent, uint64_t ino, const char *name)
{
	struct pending p = { parent, ino, g_strdup(name), false, false, false };

	if (!pending)
		pending = g_array_new(FALSE, FALSE, sizeof(struct pending));
	g_array_append_val(pending, p);
}

void node_queue_inode(uint64_t ino)
{
	queue(0, ino, NULL);
}

/* An entry the kernel holds (or holds as absent) in dir: it matters even
 * if dir goes too, see node_held_child_removed(). */
static void queue_held_entry(uint64_t dir, const char *name)
{
	queue(dir, 0, name);
	g_array_index(pending, struct pending, pending->len - 1).held = true;
}

/*
 * A name came or went in dir: drop what the kernel may have cached.  Its
 * dentry, if it has one: a positive one while it holds the node, a
 * negative one if a lookup of the name failed since it was last dropped.
 * An entry invalidation also drops the directory's listing and link
 * count, but only if the kernel still had the dentry, so the directory
 * itself goes too if it was listed or its link count changes.
 */
static void name_changed(struct node_tree *tree, struct node *dir,
			 const char *name, bool known, bool is_dir)
{
	struct dir_node *d = as_dir(dir);

	/* A listing the kernel read just before the change may land in its
	 * cache after the invalidation; a new mtime makes it start again
	 * at the next opendir (FUSE_AUTO_INVAL_DATA).  kernfs moves a
	 * directory's times when a child comes or goes, too. */
	node_touch(dir);
	if (is_dir)
		d->subdirs_known = false;
	if (d->extras && d->extras->negative &&
	    g_hash_table_remove(d->extras->negative, name))
		known = true;
	if (!tree->observer.inval_entry || !kernel_knows(tree, dir))
		return;
	if (known)
		queue_held_entry(dir->ino, name);
	if (d->listed || is_dir)
		queue(0, dir->ino, NULL);
	d->listed = false;
}

void node_name_changed(struct node_tree *tree, struct node *dir,
		       const struct node *child)
{
	name_changed(tree, dir, child->name, child->nlookup > 0,
		     child->type == NODE_DIR);
}

void node_name_unmade(struct node_tree *tree, struct node *dir,
		      const char *name, bool is_dir)
{
	name_changed(tree, dir, name, false, is_dir);
}

/*
 * The kernel cannot reach what was inside a removed directory, but the
 * dentries it holds there (the remove file written to, say) stay in its
 * cache, and keep the directory's dentry with them, until memory runs
 * short: and with them their nodes here.  Invalidated, they go as soon
 * as nobody uses them.
 */
void node_held_child_removed(struct node_tree *tree, struct node *dir,
			     const struct node *child)
{
	if (child->nlookup > 0 && tree->observer.inval_entry)
		queue_held_entry(dir->ino, child->name);
}

/* At most this many failed lookups per directory are cached; beyond it
 * the kernel is told not to keep the negative entry. */
#define NEGATIVE_MAX 64

bool node_remember_negative(struct node *dir, const char *name)
{
	struct dir_extras *x = node_dir_extras(dir);

	if (!x->negative)
		x->negative = g_hash_table_new_full(g_str_hash, g_str_equal,
						    g_free, NULL);
	if (g_hash_table_contains(x->negative, name))
		return true;
	if (g_hash_table_size(x->negative) >= NEGATIVE_MAX)
		return false;
	g_hash_table_add(x->negative, g_strdup(name));
	return true;
}

void node_touch(struct node *node)
{
	int64_t now = node_clock_ns();

	/* Strictly forward, even if the clock is not (or too coarse). */
	node->time_ns = now > node->time_ns ? now : node->time_ns + 1;
}

/*
 * The new time matters in inode mode: a page the kernel read just before
 * the change may land in its cache after the invalidation, and is dropped
 * when the next GETATTR shows a different mtime (FUSE_AUTO_INVAL_DATA).
 */
void node_changed(struct node_tree *tree, struct node *node)
{
	g_atomic_int_inc(&as_file(node)->version);
	/* With open handles a changing file is read with direct_io: the
	 * kernel has no pages of it, and sysfs keeps its mtime. */
	if (!tree->by_inode)
		return;
	node_touch(node);
	/* The writer of this very file holds its pages locked until it is
	 * answered; node_pwrite() has them dropped after that. */
	if (tree->by_inode && node == node_storing())
		return;
	if (!tree->observer.inval_inode || node->removed || node->nlookup == 0)
		return;
	node_queue_views(tree, node);
	/* The new value may have another length, hence another view: the
	 * next path walk must look the name up again to learn which. */
	if (node->parent && tree->observer.inval_entry)
		queue(node->parent->ino, 0, node->name);
}

void node_notify(struct node_tree *tree, struct node *node)
{
	g_atomic_int_inc(&as_file(node)->event);
	node_changed(tree, node);
	/* Only open files can be polled; in inode mode we cannot tell which
	 * files are open, only which ones the kernel knows. */
	if (tree->observer.poll_wake && !node->removed &&
	    (tree->by_inode ? node->nlookup > 0 : node->handles > 0)) {
		queue(0, node->ino, NULL);  /* pollers are kept by node number */
		g_array_index(pending, struct pending, pending->len - 1).wake = true;
	}
}

void node_tree_lock(struct node_tree *tree)
{
	g_mutex_lock(&tree->lock);
}

/*
 * Whether an invalidation still matters once the change is complete:
 * nothing inside a directory that went with it does (the entry of the
 * topmost one removed takes the kernel's whole subtree) but the entries
 * the kernel holds there, nor anything of a node the kernel no longer
 * holds.  With the tree lock held.
 */
static bool still_matters(struct node_tree *tree, const struct pending *p)
{
	struct node *node = node_find(tree, p->parent ? p->parent : p->ino);

	if (p->wake || p->held)
		return true;
	if (!node)
		return false;
	return node->type == NODE_FILE || !node->removed || node == tree->root;
}

static void deliver(struct node_tree *tree, GArray *todo)
{
	g_autoptr(GHashTable) done = g_hash_table_new_full(g_str_hash, g_str_equal,
							   g_free, NULL);

	g_mutex_lock(&tree->lock);
	for (guint i = 0; i < todo->len; i++) {
		struct pending *p = &g_array_index(todo, struct pending, i);
		char *key = g_strdup_printf("%c%" G_GUINT64_FORMAT "/%s",
					    p->wake ? 'W' : p->parent ? 'E' : 'I',
					    p->parent ? p->parent : p->ino,
					    p->name ? p->name : "");

		p->skip = !still_matters(tree, p) ||
			  g_hash_table_contains(done, key);
		if (p->skip)
			g_free(key);
		else
			g_hash_table_add(done, key);
	}
	g_mutex_unlock(&tree->lock);
	for (guint i = 0; i < todo->len; i++) {
		struct pending *p = &g_array_index(todo, struct pending, i);

		if (p->skip)
			continue;
		if (p->parent)
			tree->observer.inval_entry(tree->observer.data, p->parent,
						   p->name);
		else if (p->wake)
			tree->observer.poll_wake(tree->observer.data, p->ino);
		else
			tree->observer.inval_inode(tree->observer.data, p->ino);
	}
	for (guint i = 0; i < todo->len; i++)
		g_free(g_array_index(todo, struct pending, i).name);
	g_array_free(todo, TRUE);
}

void node_tree_unlock(struct node_tree *tree)
{
	GArray *todo = batch_depth ? NULL : pending;

	if (todo)
		pending = NULL;
	g_mutex_unlock(&tree->lock);
	if (todo)
		deliver(tree, todo);
}

void node_batch_begin(void)
{
	batch_depth++;
}

void node_batch_flush(struct node_tree *tree)
{
	GArray *todo = pending;

	pending = NULL;
	if (todo)
		deliver(tree, todo);
}

void node_batch_end(struct node_tree *tree)
{
	GArray *todo;

	if (--batch_depth > 0 || !pending)
		return;
	todo = pending;
	pending = NULL;
	deliver(tree, todo);
}


void node_queue_views(struct node_tree *tree, struct node *node)
{
	struct file_node *f = as_file(node);

	(void)tree;
	/* The node's own number, if the kernel got it before a view. */
	if (!f->value || f->value->plain_known)
		node_queue_inode(node->ino);
	if (!f->value)
		return;
	if (f->value->view_ino)
		node_queue_inode(f->value->view_ino);
	for (GSList *l = f->value->superseded; l; l = l->next)
		node_queue_inode(((struct node_view *)l->data)->ino);
}
