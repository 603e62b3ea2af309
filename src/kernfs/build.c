// SPDX-License-Identifier: MIT
/*
 * Building and removing: directories, files and links added by their
 * owner (or made again by a lazy directory's replay, when asked for),
 * the nodes of set entries, and removal with its drain of show/store
 * calls.  With the tree lock held.
 */
#include "kernfs_priv.h"

#include <string.h>

static struct node *attach(struct node_tree *tree, struct node *dir,
			   struct node *node)
{
	node->lazy = dir->lazy;
	node_dir_add(dir, node);
	/* A replay makes what was there all along: nothing to tell. */
	if (!tree->replay)
		node_name_changed(tree, dir, node);
	return node;
}

struct node *node_dir(struct node_tree *tree, struct node *dir, const char *name)
{
	struct node *node = node_child(dir, name);

	if (node)
		return node->type == NODE_DIR ? node : NULL;
	if (!dir || !node_admit(tree, dir, name, NODE_DIR))
		return NULL;
	return attach(tree, dir, node_new(tree, NODE_DIR, name));
}

int node_path_next(const char **path, char *name)
{
	const char *p = *path;
	size_t len;

	while (*p == '/')
		p++;
	len = strcspn(p, "/");
	if (len >= NODE_NAME_SIZE)
		return -1;
	memcpy(name, p, len);
	name[len] = '\0';
	*path = p + len;
	return len > 0;
}

struct node *node_dir_path(struct node_tree *tree, const char *path)
{
	char name[NODE_NAME_SIZE];
	struct node *dir = tree->root;
	int more = 0;

	while (dir && (more = node_path_next(&path, name)) > 0)
		dir = node_dir(tree, dir, name);
	return more < 0 ? NULL : dir;
}

struct node *node_file(struct node_tree *tree, struct node *dir,
		       const struct node_file_desc *desc)
{
	struct node *node;
	struct file_node *f;

	if (!dir || desc->size > NODE_BIN_SIZE_MAX ||
	    node_child(dir, desc->name) ||
	    !node_admit(tree, dir, desc->name, NODE_FILE))
		return NULL;
	node = node_new(tree, NODE_FILE, desc->name);
	f = as_file(node);
	f->mode = desc->mode & 07777;
	f->cache = desc->cache;
	f->ops = desc->ops;
	f->attr = desc->attr;
	f->obj = desc->obj;
	f->binary = desc->binary;
	f->size = (uint32_t)desc->size;
	return attach(tree, dir, node);
}

/* The kernfs rule: up from the link's directory to the common ancestor,
 * then down to the target. */
static char *relative_target(const char *from_dir, const char *target)
{
	g_auto(GStrv) from = g_strsplit(from_dir, "/", -1);
	g_auto(GStrv) to = g_strsplit(target, "/", -1);
	GString *text = g_string_new(NULL);
	guint common = 0, nfrom = g_strv_length(from), nto = g_strv_length(to);
	gsize len;

	if (!*from_dir)
		nfrom = 0;
	/* The common ancestor must be a proper ancestor of the target: a
	 * link to its own ancestor goes up past it and back down. */
	while (common < nfrom && common + 1 < nto &&
	       strcmp(from[common], to[common]) == 0)
		common++;
	for (guint i = common; i < nfrom; i++)
		g_string_append(text, "../");
	for (guint i = common; i < nto; i++)
		g_string_append_printf(text, "%s%s", to[i], i + 1 < nto ? "/" : "");
	len = text->len;
	/* Kept for the link's life: no room to spare. */
	return g_realloc(g_string_free(text, FALSE), len + 1);
}

char *node_link_text(const struct node *dir, const char *target)
{
	g_autofree char *dir_path = node_path(dir);

	return relative_target(dir_path, target);
}

static struct node *new_link(struct node_tree *tree, struct node *dir,
			     const char *name, const char *target, uint64_t ino)
{
	struct node *node = node_new_ino(tree, NODE_LINK, name, ino, false);

	as_link(node)->target = node_share_text(tree, node_link_text(dir, target));
	return node;
}

/* A removed node outlives its set entry, and what it borrowed from it:
 * it takes copies (while it still has its parent). */
static void own_strings(struct node_tree *tree, struct node *node)
{
	if (!node->borrowed)
		return;
	if (node->type == NODE_LINK) {
		struct link_node *l = as_link(node);

		l->target = node_share_text(tree, node_link_text(node->parent, l->target));
	}
	node->name = node_share(tree, node->name);
	node->borrowed = false;
}

struct node *node_link(struct node_tree *tree, struct node *dir,
		       const char *name, const char *target)
{
	if (!dir || node_child(dir, name) || !node_admit(tree, dir, name, NODE_LINK))
		return NULL;
	return attach(tree, dir, new_link(tree, dir, name, target,
					  tree->next_ino++));
}

/* A set entry's node.  It was there all along: nothing to tell the
 * kernel; and it goes again once the kernel forgets it. */
static struct node *set_made(struct node *dir, struct node *node)
{
	node->lazy = true;
	node->in_set = true;
	node_dir_add(dir, node);
	return node;
}

/* The link text is worked out when asked for: the kernel keeps it. */
struct node *node_link_made(struct node_tree *tree, struct node *dir,
			    const char *name, const char *target, uint64_t ino)
{
	struct node *node = node_new_ino(tree, NODE_LINK, name, ino, true);

	as_link(node)->target = (char *)target;
	return set_made(dir, node);
}

struct node *node_dir_made(struct node_tree *tree, struct node *dir,
			   const char *name, uint64_t ino)
{
	return set_made(dir, node_new_ino(tree, NODE_DIR, name, ino, true));
}

/* Wait until no show/store runs on node (but the caller's own store). */
static void drain(struct node_tree *tree, struct node *node)
{
	int own = node_storing() == node ? 1 : 0;

	while (as_file(node)->active > own)
		g_cond_wait(&tree->drained, &tree->lock);
}

static void remove_subtree(struct node_tree *tree, struct node *node)
{
	struct dir_node *d = as_dir(node);

	node->removed = true;
	if (node->type == NODE_DIR) {
		while (d->first) {
			struct node *child = d->first;

			own_strings(tree, child);
			node_held_child_removed(tree, node, child);
			node_dir_del(node, child);
			remove_subtree(tree, child);
		}
		/* Its set's entries go too (they borrow their names from
		 * devices that may go before the node does). */
		node_set_free(node);
	}
	if (node->type == NODE_FILE) {
		drain(tree, node);
		/* Pages cached for an open fd must go, so its next read fails
		 * with ENODEV as sysfs does. */
		if ((node_mode(node) & 0444) && node->nlookup > 0 &&
		    tree->observer.inval_inode) {
			/* Only constant files have pages with open handles. */
			if (!tree->by_inode &&
			    as_file(node)->cache == NODE_CACHE_CONSTANT)
				node_queue_inode(node->ino);
			else if (tree->by_inode && node != node_storing())
				node_queue_views(tree, node);
		}
	}
	node_maybe_free(tree, node);
}

void node_remove(struct node_tree *tree, struct node *node)
{
	struct node *dir;

	if (!node || node->removed)
		return;
	dir = node->parent;
	if (dir) {
		own_strings(tree, node);
		node_dir_del(dir, node);
		node_name_changed(tree, dir, node);
	}
	if (node == tree->root) {
		/* Shutdown: empty the root but keep it. */
		remove_subtree(tree, node);
		node->removed = false;
		return;
	}
	remove_subtree(tree, node);
}

/* Whether a builder call may make child name of dir now (it has none by
 * that name).  Inside a replay, only what was asked for; outside one, not
 * in a lazy directory that lacks some children, where the new name is
 * only made known to the kernel.  A new node in a lazy directory is lazy. */
bool node_admit(struct node_tree *tree, struct node *dir, const char *name,
		enum node_type type)
{
	struct node_replay *want = tree->replay;

	/* A set entry's node is made only by a lookup of it. */
	if (node_set_has(dir, name))
		return false;
	if (want) {
		if (want->dir != dir)
			return false;
		if (want->subdirs) {
			if (type == NODE_DIR)
				g_hash_table_add(want->subdirs, g_strdup(name));
			return false;
		}
		return !want->name || strcmp(want->name, name) == 0;
	}
	if (dir->lazy && !dir->full) {
		node_name_unmade(tree, dir, name, type == NODE_DIR);
		return false;
	}
	return true;
}
