// SPDX-License-Identifier: MIT
/* A tree's start and end. */
#include "kernfs_priv.h"

#include <string.h>
#include <unistd.h>

/* The root's number: FUSE's. */
#define ROOT_INO 1

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
	tree->iattrs = g_hash_table_new(NULL, NULL);
	tree->next_ino = ROOT_INO;
	tree->root = node_new(tree, NODE_DIR, "");
	tree->uid = getuid();
	tree->gid = getgid();
}

void node_tree_fini(struct node_tree *tree)
{
	g_mutex_lock(&tree->lock);
	node_remove(tree, tree->root);
	g_mutex_unlock(&tree->lock);
	/* Whatever the kernel still held is gone with the connection. */
	g_hash_table_destroy(tree->files);
	node_free_all(tree);
	g_hash_table_destroy(tree->inodes);
	g_hash_table_destroy(tree->shared_texts);
	g_hash_table_destroy(tree->iattrs);
	g_cond_clear(&tree->drained);
	g_mutex_clear(&tree->lock);
}
