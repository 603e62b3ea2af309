// SPDX-License-Identifier: MIT
/*
 * Inode mode's values as data (view.c has how they are shown): the views
 * a file has given the kernel, the number it knows the file by now, and
 * freeing them.  With the tree lock held.
 */
#include "kernfs_priv.h"

static void view_free(gpointer data)
{
	struct node_view *v = data;

	g_free(v->text);
	g_free(v);
}

void node_value_free(struct node *node)
{
	struct file_node *f = as_file(node);
	struct node_value *v = f->value;

	if (!v)
		return;
	g_free(v->text);
	g_slist_free_full(v->superseded, view_free);
	g_mutex_clear(&v->lock);
	g_free(v);
	f->value = NULL;
}

/* With the tree lock held; no request can be reading the list then. */
void node_value_forgotten(struct node *node)
{
	struct file_node *f = as_file(node);

	if (node->handles > 0 || !f->value)
		return;
	g_slist_free_full(f->value->superseded, view_free);
	f->value->superseded = NULL;
}

uint64_t node_kernel_ino(const struct node_tree *tree, const struct node *node)
{
	struct file_node *f = as_file(node);

	if (tree->by_inode && node->type == NODE_FILE && f->value &&
	    f->value->view_ino)
		return f->value->view_ino;
	return node->ino;
}
