// SPDX-License-Identifier: MIT
/*
 * Inode mode (-o no_open): files read and written without open handles,
 * from the kernel's page cache.  Each readable file shows itself under
 * views (see kernfs.h): the text served for an inode number always has the
 * length the kernel was told for it.
 */
#include "kernfs_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

void node_tree_set_by_inode(struct node_tree *tree, bool on)
{
	g_mutex_lock(&tree->lock);
	tree->by_inode = on;
	g_mutex_unlock(&tree->lock);
}

/* The value state of a pinned node, made if missing. */
static struct node_value *value_of_node(struct node_tree *tree, struct node *node)
{
	struct file_node *f = as_file(node);

	g_mutex_lock(&tree->lock);
	if (!f->value) {
		f->value = g_new0(struct node_value, 1);
		g_mutex_init(&f->value->lock);
	}
	g_mutex_unlock(&tree->lock);
	return f->value;
}

static struct node_view *find_view(const struct node_value *v, uint64_t ino)
{
	for (GSList *l = v->superseded; l; l = l->next)
		if (((struct node_view *)l->data)->ino == ino)
			return l->data;
	return NULL;
}

static uint64_t new_view(struct node *node)
{
	struct node_value *v = as_file(node)->value;

	return node->ino | ((uint64_t)++v->views << NODE_INO_BITS);
}

/*
 * Make text (of length len) the current value; with the value's lock and
 * the tree lock held.  A value of another length starts a new view and
 * the old one keeps its text for the files that hold it.
 */
static void value_commit(struct node *node, char *text, size_t len)
{
	struct node_value *v = as_file(node)->value;
	bool same = v->valid && len == v->len && memcmp(text, v->text, len) == 0;

	if (v->valid && len != v->len) {
		struct node_view *old = g_new(struct node_view, 1);

		*old = (struct node_view){ v->view_ino, v->len, v->text,
					   g_atomic_int_get(&v->event) };
		v->superseded = g_slist_prepend(v->superseded, old);
		v->view_ino = new_view(node);
	} else {
		g_free(v->text);
		if (!v->view_ino)
			v->view_ino = new_view(node);
	}
	/* New text under a known inode: the next GETATTR or LOOKUP shows a
	 * new mtime, and the kernel drops its pages (auto_inval_data). */
	if (!same)
		node_touch(node);
	v->text = text;
	v->len = len;
	v->valid = true;
}

/* Show again if the value may have changed; with the value's lock held. */
static ssize_t value_refresh(struct node_tree *tree, struct node *node)
{
	struct file_node *f = as_file(node);
	struct node_value *v = f->value;
	guint version = g_atomic_int_get(&f->version);
	gint event = g_atomic_int_get(&f->event);
	char *buf = NULL;
	ssize_t len;

	if (v->valid && f->cache != NODE_CACHE_VOLATILE &&
	    v->version == version)
		return (ssize_t)v->len;
	len = node_show_page(tree, node, &buf);
	if (len < 0)
		return len;
	g_mutex_lock(&tree->lock);
	value_commit(node, buf, (size_t)len);
	g_mutex_unlock(&tree->lock);
	v->version = version;
	g_atomic_int_set(&v->event, event);
	return len;
}

/*
 * What inode ino holds: the current value for the current view, an older
 * view's own text, and for the number the file had before its first
 * value (show() failed at that LOOKUP; its size was 4096) the current one.
 */
static const char *text_of(struct node *node, uint64_t ino, size_t *len)
{
	struct node_value *v = as_file(node)->value;
	struct node_view *view;

	if (ino == v->view_ino || (ino == node->ino && v->valid)) {
		*len = v->len;
		return v->text;
	}
	view = find_view(v, ino);
	if (view)
		*len = view->len;
	return view ? view->text : NULL;
}

void node_value_stat(struct node_tree *tree, struct node *node, uint64_t ino,
		     struct stat *st)
{
	struct node_value *v = value_of_node(tree, node);
	struct node_view *view;

	g_mutex_lock(&v->lock);
	/* A failing show() (or a removed file) changes nothing here; the
	 * READ that follows reports the error. */
	value_refresh(tree, node);
	if (ino == 0)
		ino = v->view_ino ? v->view_ino : node->ino;
	st->st_ino = ino;
	if (ino == v->view_ino) {
		st->st_size = (off_t)v->len;
	} else if ((view = find_view(v, ino))) {
		/*
		 * Only files opened before the value changed length read an
		 * older view.  Its text stands, so that a read() that goes on
		 * from where the last one stopped never picks up the tail of
		 * another value (sysfs continues the first read's buffer).
		 * After a sysfs_notify() the poller reads again, and must see
		 * the new value: the view takes it with this reply.
		 */
		if (v->valid && view->event != g_atomic_int_get(&v->event)) {
			g_free(view->text);
			view->text = g_memdup2(v->text, v->len);
			view->len = v->len;
			view->event = g_atomic_int_get(&v->event);
		}
		st->st_size = (off_t)view->len;
	}
	g_mutex_unlock(&v->lock);
	g_mutex_lock(&tree->lock);
	if (ino == node->ino)
		v->plain_known = true;
	node_iattr_stat(tree, node, st);
	g_mutex_unlock(&tree->lock);
}

/* Find and pin a file for a read or write without an open handle. */
static struct node *pin(struct node_tree *tree, uint64_t ino, int acc, int *err)
{
	struct node *node;

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	*err = !node ? -ENOENT : node_check_access(node, acc);
	/* A file removed under an fd the kernel still holds: ENODEV. */
	if (*err == -ENOENT && node && node->type == NODE_FILE)
		*err = -ENODEV;
	if (!*err && !node_hold(node))
		*err = -ENFILE;
	if (*err)
		node = NULL;
	g_mutex_unlock(&tree->lock);
	return node;
}

static void unpin(struct node_tree *tree, struct node *node)
{
	g_mutex_lock(&tree->lock);
	node->handles--;
	node_maybe_free(tree, node);
	g_mutex_unlock(&tree->lock);
}

/*
 * Serve what inode ino holds.  For the current view that is the current
 * value; if refreshing it made a new view, ino's text is the value before
 * (the one whose length the reader was told): the read overlapped the
 * change.
 */
ssize_t node_pread(struct node_tree *tree, uint64_t ino, bool privileged,
		   char *buf, size_t size, off_t off)
{
	int err;
	struct node *node = pin(tree, ino, O_RDONLY, &err);
	struct node_value *v;
	const char *text;
	size_t len = 0;
	ssize_t ret;

	if (!node)
		return err;
	if (as_file(node)->binary) {   /* no value, no views */
		ret = node_bin_read(tree, node, privileged, buf, size, off);
		unpin(tree, node);
		return ret;
	}
	v = value_of_node(tree, node);
	g_mutex_lock(&v->lock);
	ret = value_refresh(tree, node);
	if (ret >= 0 && !node_alive(tree, node))
		ret = -ENODEV;
	if (ret >= 0) {
		text = text_of(node, ino, &len);
		/* A number never handed out: ESTALE. */
		ret = text ? node_copy_out(buf, size, off, text, len) : -ESTALE;
	}
	g_mutex_unlock(&v->lock);
	unpin(tree, node);
	return ret;
}

ssize_t node_pwrite(struct node_tree *tree, uint64_t ino, bool privileged,
		    const char *buf, size_t size, off_t off, bool *drop_pages)
{
	int err;
	struct node *node = pin(tree, ino, O_WRONLY, &err);
	ssize_t ret;

	*drop_pages = false;
	if (!node)
		return err;
	if (!size)
		ret = 0;
	else if (as_file(node)->binary)
		ret = node_bin_write(tree, node, privileged, buf, size, off);
	else
		ret = node_store_page(tree, node, buf, size);
	if (ret >= 0 && size) {
		/* The next GETATTR shows a new time and length; the pages
		 * the kernel filled from the written data go after the
		 * reply.  A write-only file's pages matter only if a whole
		 * page was written: a partial one is never up to date. */
		bool readable = as_file(node)->mode & 0444;  /* pinned: a file */

		if (readable) {
			g_mutex_lock(&tree->lock);
			g_atomic_int_inc(&as_file(node)->version);
			node_touch(node);
			g_mutex_unlock(&tree->lock);
		}
		*drop_pages = readable || size >= NODE_PAGE_SIZE;
	}
	unpin(tree, node);
	return ret;
}

bool node_poll_changed_ino(struct node_tree *tree, uint64_t ino)
{
	struct node *node;
	struct file_node *f;
	bool changed;

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	f = node ? as_file(node) : NULL;
	changed = !node || node->removed || node->type != NODE_FILE ||
		  (f->value ? g_atomic_int_get(&f->value->event) : 0) !=
			  g_atomic_int_get(&f->event);
	g_mutex_unlock(&tree->lock);
	return changed;
}
