// SPDX-License-Identifier: MIT
/*
 * What chmod, chown, utimes and the xattr calls ask of the tree.  sysfs
 * keeps what they set for the node's life (kernfs's iattrs), so the
 * kernel's permission checks and stat() see it; a size is accepted and
 * changes nothing.  Each takes the tree lock itself.
 */
#include "kernfs_priv.h"

#include <errno.h>
#include <string.h>
#include <sys/xattr.h>

/* <linux/xattr.h>'s prefixes; <sys/xattr.h> has only the flags. */
#define XATTR_TRUSTED_PREFIX "trusted."
#define XATTR_SECURITY_PREFIX "security."

/* Room for xattrs: what kernfs allows its users, and a bound on what
 * one tree may hold in all (every node could get some). */
#define XATTRS_PER_NODE 128
#define XATTR_BYTES_PER_NODE (128 * 1024)
#define XATTR_BYTES_PER_TREE (16 * 1024 * 1024)

static int64_t ns_of(struct timespec ts)
{
	return (int64_t)ts.tv_sec * NODE_NS_PER_SEC + ts.tv_nsec;
}

static void apply(struct node_tree *tree, struct node *node,
		  const struct node_attr_change *c)
{
	struct node_iattr *ia = node_iattr_make(tree, node);
	int64_t now = node_clock_ns();

	/* Links keep 0777 (chmod follows them; the VFS refuses lchmod). */
	if ((c->set & NODE_SET_MODE) && node->type == NODE_FILE)
		as_file(node)->mode = c->mode & 07777;
	if ((c->set & NODE_SET_MODE) && node->type == NODE_DIR)
		as_dir(node)->mode = c->mode & 07777;
	if (c->set & NODE_SET_UID)
		ia->uid = c->uid;
	if (c->set & NODE_SET_GID)
		ia->gid = c->gid;
	if (c->set & NODE_SET_ATIME_NOW)
		ia->atime_ns = now;
	else if (c->set & NODE_SET_ATIME)
		ia->atime_ns = ns_of(c->atime);
	if (c->set & NODE_SET_MTIME_NOW)
		node->time_ns = now;
	else if (c->set & NODE_SET_MTIME)
		node->time_ns = ns_of(c->mtime);
	ia->ctime_ns = now;
}

int node_setattr(struct node_tree *tree, uint64_t ino,
		 const struct node_attr_change *change, struct stat *st)
{
	struct node *node;

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	if (node && !node->removed && change->set)
		apply(tree, node, change);
	g_mutex_unlock(&tree->lock);
	return node ? node_getattr(tree, ino, st, NULL) : -ENOENT;
}

/* ------------------------------------------------------------------ */
/* Extended attributes                                                 */

/* The namespaces kernfs stores for sysfs. */
static bool stored(const char *name)
{
	return g_str_has_prefix(name, XATTR_TRUSTED_PREFIX) ||
	       g_str_has_prefix(name, XATTR_SECURITY_PREFIX);
}

static size_t cost(const char *name, size_t size)
{
	return strlen(name) + 1 + size;
}

/* Whether node may take name=size without passing a bound. */
static bool room(const struct node_tree *tree, const struct node_iattr *ia,
		 const char *name, size_t size)
{
	GBytes *old = ia->xattrs ? g_hash_table_lookup(ia->xattrs, name) : NULL;
	size_t freed = old ? cost(name, g_bytes_get_size(old)) : 0;
	size_t add = cost(name, size);
	guint count = ia->xattrs ? g_hash_table_size(ia->xattrs) : 0;

	if (!old && count >= XATTRS_PER_NODE)
		return false;
	return ia->xattr_bytes - freed + add <= XATTR_BYTES_PER_NODE &&
	       tree->xattr_bytes - freed + add <= XATTR_BYTES_PER_TREE;
}

static void put(struct node_tree *tree, struct node_iattr *ia,
		const char *name, const void *value, size_t size)
{
	GBytes *old;

	if (!ia->xattrs)
		ia->xattrs = g_hash_table_new_full(g_str_hash, g_str_equal,
						   g_free, (GDestroyNotify)g_bytes_unref);
	old = g_hash_table_lookup(ia->xattrs, name);
	if (old) {
		ia->xattr_bytes -= cost(name, g_bytes_get_size(old));
		tree->xattr_bytes -= cost(name, g_bytes_get_size(old));
	}
	g_hash_table_insert(ia->xattrs, g_strdup(name),
			    g_bytes_new(value, size));
	ia->xattr_bytes += cost(name, size);
	tree->xattr_bytes += cost(name, size);
}

static GBytes *lookup_xattr(struct node_tree *tree, struct node *node,
			    const char *name)
{
	struct node_iattr *ia = node_iattr_of(tree, node);

	return ia && ia->xattrs ? g_hash_table_lookup(ia->xattrs, name) : NULL;
}

int node_setxattr(struct node_tree *tree, uint64_t ino, const char *name,
		  const void *value, size_t size, int flags)
{
	struct node *node;
	bool have;
	int ret = 0;

	if (!stored(name))
		return -EOPNOTSUPP;
	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	if (!node || node->removed) {
		ret = -ENOENT;
		goto out;
	}
	have = lookup_xattr(tree, node, name) != NULL;
	if ((flags & XATTR_CREATE) && have)
		ret = -EEXIST;
	else if ((flags & XATTR_REPLACE) && !have)
		ret = -ENODATA;
	else if (!room(tree, node_iattr_make(tree, node), name, size))
		ret = -ENOSPC;
	else
		put(tree, node_iattr_of(tree, node), name, value, size);
out:
	g_mutex_unlock(&tree->lock);
	return ret;
}

/* Copy len bytes out, or say how many a buffer needs (size 0). */
static ssize_t reply_bytes(void *buf, size_t size, const void *data,
			   size_t len)
{
	if (size == 0)
		return (ssize_t)len;
	if (size < len)
		return -ERANGE;
	memcpy(buf, data, len);
	return (ssize_t)len;
}

ssize_t node_getxattr(struct node_tree *tree, uint64_t ino, const char *name,
		      void *buf, size_t size)
{
	struct node *node;
	GBytes *value;
	ssize_t ret;

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	value = node ? lookup_xattr(tree, node, name) : NULL;
	if (!node)
		ret = -ENOENT;
	else if (!value)
		ret = -ENODATA;
	else
		ret = reply_bytes(buf, size, g_bytes_get_data(value, NULL),
				  g_bytes_get_size(value));
	g_mutex_unlock(&tree->lock);
	return ret;
}

ssize_t node_listxattr(struct node_tree *tree, uint64_t ino, char *buf,
		       size_t size)
{
	g_autoptr(GString) names = g_string_new(NULL);
	struct node_iattr *ia;
	struct node *node;
	ssize_t ret = -ENOENT;

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	ia = node ? node_iattr_of(tree, node) : NULL;
	if (ia && ia->xattrs) {
		GHashTableIter it;
		gpointer name;

		g_hash_table_iter_init(&it, ia->xattrs);
		while (g_hash_table_iter_next(&it, &name, NULL))
			g_string_append_len(names, name, (gssize)strlen(name) + 1);
	}
	if (node)
		ret = reply_bytes(buf, size, names->str, names->len);
	g_mutex_unlock(&tree->lock);
	return ret;
}

int node_removexattr(struct node_tree *tree, uint64_t ino, const char *name)
{
	struct node_iattr *ia;
	struct node *node;
	GBytes *value;
	int ret = 0;

	g_mutex_lock(&tree->lock);
	node = node_find(tree, ino);
	ia = node ? node_iattr_of(tree, node) : NULL;
	value = node ? lookup_xattr(tree, node, name) : NULL;
	if (!node) {
		ret = -ENOENT;
	} else if (!value) {
		ret = stored(name) ? -ENODATA : -EOPNOTSUPP;
	} else {
		ia->xattr_bytes -= cost(name, g_bytes_get_size(value));
		tree->xattr_bytes -= cost(name, g_bytes_get_size(value));
		g_hash_table_remove(ia->xattrs, name);
	}
	g_mutex_unlock(&tree->lock);
	return ret;
}
