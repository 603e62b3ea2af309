// SPDX-License-Identifier: MIT
/*
 * Reading and writing attribute files: through open handles, each with
 * the value its first read produced (kernfs's seq_file), or in inode mode
 * through the one value per file whose length the kernel was last told.
 */
#include "node_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

bool node_active_get(struct node_tree *tree, struct node *node)
{
	bool ok;

	g_mutex_lock(&tree->lock);
	ok = !node->removed;
	if (ok)
		node->active++;
	g_mutex_unlock(&tree->lock);
	return ok;
}

void node_active_put(struct node_tree *tree, struct node *node)
{
	g_mutex_lock(&tree->lock);
	if (--node->active == 0 && node->removed)
		g_cond_broadcast(&tree->drained);
	g_mutex_unlock(&tree->lock);
}

static bool node_alive(struct node_tree *tree, struct node *node)
{
	bool alive;

	g_mutex_lock(&tree->lock);
	alive = !node->removed;
	g_mutex_unlock(&tree->lock);
	return alive;
}

/* One show() into a fresh page; ENODEV once the file is gone. */
static ssize_t show_page(struct node_tree *tree, struct node *node, char **out)
{
	char *buf;
	ssize_t len;

	if (!node_active_get(tree, node))
		return -ENODEV;
	buf = g_malloc0(ATTR_SIZE);
	len = sysfs_attr_show(node->owner, node->obj, node->attr, buf);
	node_active_put(tree, node);
	if (len < 0)
		g_free(buf);
	else
		*out = buf;
	return len;
}

/* One store() of at most a page, NUL-terminated, as sysfs passes it. */
static ssize_t store_page(struct node_tree *tree, struct node *node,
			  const char *buf, size_t size)
{
	char text[ATTR_SIZE + 1];
	ssize_t ret;

	size = MIN(size, (size_t)ATTR_SIZE);
	memcpy(text, buf, size);
	text[size] = '\0';
	if (!node_active_get(tree, node))
		return -ENODEV;
	node_set_storing(node);
	ret = sysfs_attr_store(node->owner, node->obj, node->attr, text, size);
	node_set_storing(NULL);
	node_active_put(tree, node);
	return ret > (ssize_t)size ? (ssize_t)size : ret;
}

/* kernfs checks the mode bits itself, so even root gets EACCES. */
static int check_access(const struct node *node, int acc)
{
	if (node->removed)
		return -ENOENT;
	if (node->type != NODE_FILE)
		return node->type == NODE_DIR ? -EISDIR : -ELOOP;
	if ((acc != O_WRONLY && !(node->mode & 0444)) ||
	    (acc != O_RDONLY && !(node->mode & 0222)))
		return -EACCES;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Open handles                                                        */

int node_open(struct node_tree *tree, uint64_t ino, int flags,
	      struct node_file **out)
{
	struct node *node;
	int ret;

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	ret = node ? check_access(node, flags & O_ACCMODE) : -ENOENT;
	if (!ret) {
		struct node_file *file = g_new0(struct node_file, 1);

		file->node = node;
		file->event = g_atomic_int_get(&node->event);
		g_mutex_init(&file->lock);
		node->handles++;
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
	file->event = g_atomic_int_get(&file->node->event);
	len = show_page(tree, file->node, &buf);
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

	g_mutex_lock(&file->lock);
	if (off == 0 || !file->shown)
		ret = show(tree, file);
	else if (!node_alive(tree, file->node))
		ret = -ENODEV;
	if (ret >= 0) {
		size_t from = MIN((size_t)off, file->shown_len);

		ret = (ssize_t)MIN(size, file->shown_len - from);
		memcpy(buf, file->shown + from, (size_t)ret);
	}
	g_mutex_unlock(&file->lock);
	return ret;
}

ssize_t node_write(struct node_tree *tree, struct node_file *file,
		   const char *buf, size_t size)
{
	struct node *node = file->node;
	ssize_t ret;

	if (size == 0)
		return 0;
	g_mutex_lock(&file->lock);
	ret = store_page(tree, node, buf, size);
	g_mutex_unlock(&file->lock);
	/* A store may change what show() prints: drop any cached page. */
	if (ret >= 0 && (node->mode & 0444)) {
		g_mutex_lock(&tree->lock);
		node_changed(tree, node);
		node_tree_unlock(tree);
	}
	return ret;
}

bool node_is_constant(const struct node *node)
{
	switch (node->owner) {
	case ATTR_OF_MDEV_TYPE:
		/* Counts move; extra vendor type files of old eras may too. */
		return strcmp(node->name, "name") == 0 ||
		       strcmp(node->name, "device_api") == 0 ||
		       strcmp(node->name, "description") == 0;
	case ATTR_OF_IOMMU_GROUP:
		return true;
	default:
		return false;
	}
}

bool node_poll_changed(struct node_tree *tree, struct node_file *file)
{
	bool changed;

	g_mutex_lock(&tree->lock);
	changed = file->node->removed ||
		  file->event != g_atomic_int_get(&file->node->event);
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

/* ------------------------------------------------------------------ */
/* Inode mode                                                          */

void node_tree_set_by_inode(struct node_tree *tree, bool on)
{
	g_mutex_lock(&tree->lock);
	tree->by_inode = on;
	g_mutex_unlock(&tree->lock);
}

void node_value_free(struct node *node)
{
	g_free(node->value);
	node->value = NULL;
	g_mutex_clear(&node->value_lock);
}

/* Show again, with value_lock held.  A volatile value that came out
 * different gets a new mtime, which makes the kernel drop its pages. */
static ssize_t value_refresh(struct node_tree *tree, struct node *node)
{
	guint version = g_atomic_int_get(&node->version);
	gint event = g_atomic_int_get(&node->event);
	char *buf = NULL;
	ssize_t len = show_page(tree, node, &buf);

	if (len < 0)
		return len;
	if (node->value_valid && node->cache == NODE_CACHE_VOLATILE &&
	    ((size_t)len != node->value_len || memcmp(buf, node->value, len))) {
		g_mutex_lock(&tree->lock);
		node_touch(node);
		g_mutex_unlock(&tree->lock);
	}
	g_free(node->value);
	node->value = buf;
	node->value_len = (size_t)len;
	node->value_valid = true;
	node->value_version = version;
	g_atomic_int_set(&node->value_event, event);
	return len;
}

void node_value_stat(struct node_tree *tree, struct node *node, struct stat *st)
{
	bool stale;

	g_mutex_lock(&node->value_lock);
	stale = !node->value_valid || node->cache == NODE_CACHE_VOLATILE ||
		node->value_version != (guint)g_atomic_int_get(&node->version);
	/* A failing show() (or a removed file) leaves the last length; the
	 * READ that follows reports the error. */
	if (!stale || value_refresh(tree, node) >= 0)
		st->st_size = (off_t)node->value_len;
	g_mutex_unlock(&node->value_lock);
	g_mutex_lock(&tree->lock);
	st->st_mtim = st->st_ctim = node->time;
	g_mutex_unlock(&tree->lock);
}

/* Find and pin a file for a read or write without an open handle. */
static struct node *pin(struct node_tree *tree, uint64_t ino, int acc, int *err)
{
	struct node *node;

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	*err = !node ? -ENOENT : check_access(node, acc);
	/* A file removed under an fd the kernel still holds: ENODEV. */
	if (*err == -ENOENT && node && node->type == NODE_FILE)
		*err = -ENODEV;
	if (*err)
		node = NULL;
	else
		node->handles++;
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
 * Serve the value whose length the kernel holds, even if it changed
 * since: a READ between a GETATTR and the change's invalidation belongs
 * to a read() that overlapped the change, and a newer value of another
 * length would come out cut or padded.  The next read asks GETATTR again.
 */
ssize_t node_pread(struct node_tree *tree, uint64_t ino, char *buf,
		   size_t size, off_t off)
{
	int err;
	struct node *node = pin(tree, ino, O_RDONLY, &err);
	ssize_t ret = 0;

	if (!node)
		return err;
	g_mutex_lock(&node->value_lock);
	if (!node->value_valid)
		ret = value_refresh(tree, node);
	if (ret >= 0 && !node_alive(tree, node))
		ret = -ENODEV;
	if (ret >= 0) {
		size_t from = MIN((size_t)off, node->value_len);

		ret = (ssize_t)MIN(size, node->value_len - from);
		memcpy(buf, node->value + from, (size_t)ret);
	}
	g_mutex_unlock(&node->value_lock);
	unpin(tree, node);
	return ret;
}

ssize_t node_pwrite(struct node_tree *tree, uint64_t ino, const char *buf,
		    size_t size, bool *drop_pages)
{
	int err;
	struct node *node = pin(tree, ino, O_WRONLY, &err);
	ssize_t ret;

	*drop_pages = false;
	if (!node)
		return err;
	ret = size ? store_page(tree, node, buf, size) : 0;
	if (ret >= 0 && size) {
		/* The next GETATTR shows a new time and length; the pages
		 * the kernel filled from the written data go after the
		 * reply.  A write-only file's pages matter only if a whole
		 * page was written: a partial one is never up to date. */
		if (node->mode & 0444) {
			g_mutex_lock(&tree->lock);
			g_atomic_int_inc(&node->version);
			node_touch(node);
			g_mutex_unlock(&tree->lock);
		}
		*drop_pages = (node->mode & 0444) || size >= ATTR_SIZE;
	}
	unpin(tree, node);
	return ret;
}

bool node_poll_changed_ino(struct node_tree *tree, uint64_t ino)
{
	struct node *node;
	bool changed;

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	changed = !node || node->removed ||
		  g_atomic_int_get(&node->value_event) !=
			  g_atomic_int_get(&node->event);
	g_mutex_unlock(&tree->lock);
	return changed;
}
