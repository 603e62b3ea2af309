/* SPDX-License-Identifier: MIT */
/* Shared between node.c (the tree) and node_file.c (reading and writing). */
#ifndef MDEVFS_NODE_PRIV_H
#define MDEVFS_NODE_PRIV_H

#include "node.h"

#define ATTR_SIZE 4096

/* With the tree lock held. */
struct node *node_find(struct node_tree *tree, uint64_t ino);
/* A removed node goes once the kernel and every handle or pin let go. */
void node_maybe_free(struct node_tree *tree, struct node *node);
void node_fill_stat(const struct node_tree *tree, const struct node *node,
		    struct stat *st);
/* A newer modification time than the last one shown for node. */
void node_touch(struct node *node);

/* Without the tree lock: show/store calls hold an active reference, so
 * that removing the file waits for them (kernfs_get_active()). */
bool node_active_get(struct node_tree *tree, struct node *node);
void node_active_put(struct node_tree *tree, struct node *node);
/* The file whose store() this thread is running, if any. */
struct node *node_storing(void);
void node_set_storing(struct node *node);

/* Inode mode: bring node's value up to date for a LOOKUP or GETATTR and
 * put its length and time in st (the node is pinned by the caller). */
void node_value_stat(struct node_tree *tree, struct node *node,
		     struct stat *st);
void node_value_free(struct node *node);

#endif
