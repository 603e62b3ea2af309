// SPDX-License-Identifier: MIT
/*
 * What chmod, chown, utimes and the xattr calls leave on a node, as
 * kernfs keeps it in its iattrs: only nodes that were given any have a
 * record, in a table beside the tree (a device's thirty files do not
 * pay for what almost none of them get).  With the tree lock held.
 */
#include "kernfs_priv.h"

struct node_iattr *node_iattr_of(struct node_tree *tree,
				 const struct node *node)
{
	return node->iattr ? g_hash_table_lookup(tree->iattrs, node) : NULL;
}

struct node_iattr *node_iattr_make(struct node_tree *tree, struct node *node)
{
	struct node_iattr *ia = node_iattr_of(tree, node);

	if (ia)
		return ia;
	ia = g_new0(struct node_iattr, 1);
	ia->uid = tree->uid;
	ia->gid = tree->gid;
	ia->atime_ns = ia->ctime_ns = node->time_ns;
	g_hash_table_insert(tree->iattrs, node, ia);
	node->iattr = true;
	return ia;
}

void node_iattr_free(struct node_tree *tree, struct node *node)
{
	struct node_iattr *ia = node_iattr_of(tree, node);

	if (!ia)
		return;
	tree->xattr_bytes -= ia->xattr_bytes;
	if (ia->xattrs)
		g_hash_table_destroy(ia->xattrs);
	g_hash_table_remove(tree->iattrs, node);
	g_free(ia);
	node->iattr = false;
}

void node_iattr_stat(struct node_tree *tree, const struct node *node,
		     struct stat *st)
{
	const struct node_iattr *ia = node_iattr_of(tree, node);

	st->st_mtim = node_ns_timespec(node->time_ns);
	if (!ia) {
		st->st_uid = tree->uid;
		st->st_gid = tree->gid;
		st->st_atim = st->st_ctim = st->st_mtim;
		return;
	}
	st->st_uid = ia->uid;
	st->st_gid = ia->gid;
	st->st_atim = node_ns_timespec(ia->atime_ns);
	/* A change after the last setattr moves ctime with mtime. */
	st->st_ctim = node_ns_timespec(MAX(ia->ctime_ns, node->time_ns));
}
