// SPDX-License-Identifier: MIT
/*
 * Reading and writing attribute files through open handles, each with the
 * value its first read produced (kernfs's seq_file); and what both ways
 * share: active references, one show or store, the mode check.
 */
#include "kernfs_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

bool node_active_get(struct node_tree *tree, struct node *node)
{
	bool ok;

	g_mutex_lock(&tree->lock);
	ok = !node->removed;
	if (ok)
		as_file(node)->active++;
	g_mutex_unlock(&tree->lock);
	return ok;
}

void node_active_put(struct node_tree *tree, struct node *node)
{
	g_mutex_lock(&tree->lock);
	if (--as_file(node)->active == 0 && node->removed)
		g_cond_broadcast(&tree->drained);
	g_mutex_unlock(&tree->lock);
}

bool node_alive(struct node_tree *tree, struct node *node)
{
	bool alive;

	g_mutex_lock(&tree->lock);
	alive = !node->removed;
	g_mutex_unlock(&tree->lock);
	return alive;
}

/* One show() into a fresh page; ENODEV once the file is gone. */
ssize_t node_show_page(struct node_tree *tree, struct node *node, char **out)
{
	struct file_node *f = as_file(node);
	char *buf;
	ssize_t len;

	if (!node_active_get(tree, node))
		return -ENODEV;
	buf = g_malloc0(NODE_PAGE_SIZE);
	len = f->ops->show ? f->ops->show(f->obj, f->attr, buf) : -EIO;
	node_active_put(tree, node);
	if (len < 0)
		g_free(buf);
	else
		*out = buf;
	return len;
}

/* One store() of at most a page, NUL-terminated, as sysfs passes it. */
ssize_t node_store_page(struct node_tree *tree, struct node *node,
			const char *buf, size_t size)
{
	struct file_node *f = as_file(node);
	char text[NODE_PAGE_SIZE + 1];
	ssize_t ret;

	size = MIN(size, (size_t)NODE_PAGE_SIZE);
	memcpy(text, buf, size);
	text[size] = '\0';
	if (!node_active_get(tree, node))
		return -ENODEV;
	node_batch_begin();
	node_set_storing(node);
	ret = f->ops->store ? f->ops->store(f->obj, f->attr, text, size)
			     : -EIO;
	node_set_storing(NULL);
	node_active_put(tree, node);
	node_batch_end(tree);
	return ret > (ssize_t)size ? (ssize_t)size : ret;
}

/* A binary file's access at off: how many of size bytes it may move
 * (sysfs: a read past the end gets 0 bytes, a write EFBIG); a size of 0
 * leaves the bounds to the owner. */
static ssize_t bin_span(const struct node *node, size_t size, off_t off,
			bool write)
{
	size_t end = as_file(node)->size;

	if (off < 0)
		return -EINVAL;
	if (!end)
		return (ssize_t)MIN(size, (size_t)SSIZE_MAX);
	if ((uint64_t)off >= end)
		return write ? -EFBIG : 0;
	return (ssize_t)MIN(size, end - (size_t)off);
}

ssize_t node_bin_read(struct node_tree *tree, struct node *node,
		      bool privileged, char *buf, size_t size, off_t off)
{
	struct file_node *f = as_file(node);
	ssize_t n = bin_span(node, size, off, false), ret;

	if (n <= 0)
		return n;
	if (!node_active_get(tree, node))
		return -ENODEV;
	ret = f->ops->read ? f->ops->read(f->obj, f->attr, privileged, buf,
					  (size_t)n, off)
			   : -EIO;
	node_active_put(tree, node);
	return MIN(ret, n);
}

ssize_t node_bin_write(struct node_tree *tree, struct node *node,
		       bool privileged, const char *buf, size_t size, off_t off)
{
	struct file_node *f = as_file(node);
	ssize_t n = bin_span(node, size, off, true), ret;

	if (n <= 0)
		return n;
	if (!node_active_get(tree, node))
		return -ENODEV;
	node_batch_begin();
	ret = f->ops->write ? f->ops->write(f->obj, f->attr, privileged, buf,
					    (size_t)n, off)
			    : -EIO;
	node_active_put(tree, node);
	node_batch_end(tree);
	return MIN(ret, n);
}

ssize_t node_copy_out(char *buf, size_t size, off_t off, const char *text,
		      size_t len)
{
	size_t from = MIN((size_t)off, len);
	size_t n = MIN(size, len - from);

	memcpy(buf, text + from, n);
	return (ssize_t)n;
}

/* kernfs checks the mode bits itself, so even root gets EACCES. */
int node_check_access(const struct node *node, int acc)
{
	if (node->removed)
		return -ENOENT;
	if (node->type != NODE_FILE)
		return node->type == NODE_DIR ? -EISDIR : -ELOOP;
	if ((acc != O_WRONLY && !(node_mode(node) & 0444)) ||
	    (acc != O_RDONLY && !(node_mode(node) & 0222)))
		return -EACCES;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Open handles                                                        */

int node_open(struct node_tree *tree, uint64_t ino, int flags, bool privileged,
	      struct node_file **out)
{
	struct node *node;
	int ret;

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	ret = node ? node_check_access(node, flags & O_ACCMODE) : -ENOENT;
	if (!ret && !node_hold(node))
		ret = -ENFILE;
	if (!ret) {
		struct node_file *file = g_new0(struct node_file, 1);

		file->node = node;
		file->privileged = privileged;
		file->constant = node_is_constant(node);
		file->event = g_atomic_int_get(&as_file(node)->event);
		g_mutex_init(&file->lock);
		g_hash_table_add(tree->files, file);
		*out = file;
	}
	g_mutex_unlock(&tree->lock);
	return ret;
}

/* Produce the value, as the first read of a sysfs file does. */
static ssize_t show(struct node_tree *tree, struct node_file *file)
{
	char *buf = NULL;
	ssize_t len;

	/* Like kernfs: a read catches up with the notifications so far. */
	file->event = g_atomic_int_get(&as_file(file->node)->event);
	len = node_show_page(tree, file->node, &buf);
	if (len < 0)
		return len;
	g_free(file->shown);
	file->shown = buf;
	file->shown_len = (size_t)len;
	return len;
}

ssize_t node_read(struct node_tree *tree, struct node_file *file, char *buf,
		  size_t size, off_t off)
{
	ssize_t ret = 0;

	/* sysfs reads a binary file at the offset, every time. */
	if (as_file(file->node)->binary)
		return node_bin_read(tree, file->node, file->privileged, buf,
				     size, off);
	g_mutex_lock(&file->lock);
	if (off == 0 || !file->shown)
		ret = show(tree, file);
	else if (!node_alive(tree, file->node))
		ret = -ENODEV;
	if (ret >= 0)
		ret = node_copy_out(buf, size, off, file->shown, file->shown_len);
	g_mutex_unlock(&file->lock);
	return ret;
}

ssize_t node_write(struct node_tree *tree, struct node_file *file,
		   const char *buf, size_t size, off_t off)
{
	struct node *node = file->node;
	ssize_t ret;

	if (size == 0)
		return 0;
	g_mutex_lock(&file->lock);
	if (as_file(node)->binary)
		ret = node_bin_write(tree, node, file->privileged, buf, size,
				     off);
	else
		ret = node_store_page(tree, node, buf, size);
	g_mutex_unlock(&file->lock);
	/* A store may change what show() prints: drop any cached page.
	 * (An open file's mode is its own field, not the node's shared
	 * bits, so it is read without the tree lock.) */
	if (ret >= 0 && (as_file(node)->mode & 0444)) {
		g_mutex_lock(&tree->lock);
		node_changed(tree, node);
		node_tree_unlock(tree);
	}
	return ret;
}

bool node_poll_changed(struct node_tree *tree, struct node_file *file)
{
	bool changed;

	g_mutex_lock(&tree->lock);
	changed = file->node->removed ||
		  file->event != g_atomic_int_get(&as_file(file->node)->event);
	g_mutex_unlock(&tree->lock);
	return changed;
}

void node_release(struct node_tree *tree, struct node_file *file)
{
	g_mutex_lock(&tree->lock);
	file->node->handles--;
	node_maybe_free(tree, file->node);
	g_hash_table_remove(tree->files, file);
	g_mutex_unlock(&tree->lock);
}
