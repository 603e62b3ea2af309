/* SPDX-License-Identifier: MIT */
/*
 * Inside kernfs: what its files share, grouped by the file that defines
 * it, lowest layer first.  A file calls only those above it in this
 * list (pos.c, dir.c, entries.c, value.c, iattr.c, node.c, inval.c,
 * file.c, view.c, build.c, set.c, lazy.c, lookup.c, setattr.c, tree.c);
 * tests/arch checks.
 */
#ifndef MDEVFS_KERNFS_PRIV_H
#define MDEVFS_KERNFS_PRIV_H

#include "kernfs.h"
#include "pos.h"

#include <time.h>

/* Inode numbers: the node's own in the low bits, a view above them. */
#define NODE_INO_BITS 40
#define NODE_INO_MASK ((UINT64_C(1) << NODE_INO_BITS) - 1)

/* Times: nanoseconds since the epoch. */
#define NODE_NS_PER_SEC INT64_C(1000000000)

/* The wall clock as a node keeps its time. */
static inline int64_t node_clock_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * NODE_NS_PER_SEC + now.tv_nsec;
}

/* A time in nanoseconds as stat() shows it (tv_nsec stays in [0, 1e9)
 * before the epoch too, as the clock gave it). */
static inline struct timespec node_ns_timespec(int64_t ns)
{
	int64_t sec = ns / NODE_NS_PER_SEC;
	int64_t nsec = ns % NODE_NS_PER_SEC;

	if (nsec < 0) {
		sec--;
		nsec += NODE_NS_PER_SEC;
	}
	return (struct timespec){ .tv_sec = (time_t)sec, .tv_nsec = (long)nsec };
}

/* ------------------------------------------------------------------ */
/* dir.c */

/* A directory's children (dir.c), with the tree lock held.  add
 * gives child the next readdir position; from finds the first child at
 * or after position seq (then follow ->next). */
void node_dir_add(struct node *dir, struct node *child);
void node_dir_del(struct node *dir, struct node *child);
struct node *node_dir_from(struct node *dir, uint64_t seq);
void node_dir_free(struct node *dir);

/*
 * What only some directories need, apart from struct dir_node: made the
 * first time a directory needs one of them (node_dir_extras()), freed
 * with the directory.  The kernel holds a device's directory for every
 * mdev it has looked up, and those need none of it: they stay a pointer
 * smaller than they would be with these inside.
 */
struct dir_extras {
	struct node_dir_index *index;  /* once it is big (dir.c) */
	GHashTable *negative;   /* names it may cache as absent (inval.c) */
	struct node_set *set;   /* entries rather than nodes (set.c) */
};

/* dir's extras, made now if it has none. */
struct dir_extras *node_dir_extras(struct node *dir);

/* dir's set, or NULL; makes no extras. */
static inline struct node_set *node_dir_set(const struct node *dir)
{
	const struct dir_extras *x = as_dir(dir)->extras;

	return x ? x->set : NULL;
}

/* ------------------------------------------------------------------ */
/* entries.c: a set's entries, by position and name (set.c says why). */

struct set_entry {
	/* Its readdir position (pos.h), and its name, borrowed from
	 * the device; a NULL name is a hole. */
	struct node_pos_head head;
	union {
		const char *target;    /* a link: the device's path */
		void *obj;             /* a directory: what builds it */
	};
	uint64_t ino;
};

struct node_set {
	struct node_pos_array entries;   /* struct set_entry, by position */
	GHashTable *by_name;   /* name -> index + 1 */
	/* A set of directories: their source; NULL for links. */
	const struct node_source *dirs;
	/* An owner's set: no entries here. */
	const struct node_set_ops *ops;
	void *owner;
};

/* What builds the directory of an entry of a set of directories. */
static inline const struct node_source *node_obj_source(void *obj)
{
	return ((struct node_lazy_obj *)obj)->source;
}

/* With the tree lock held.  A listing shows a
 * set's entries after the directory's nodes, from NODE_SET_OFF on
 * (pos.h). */
/* dir's set, made if it has none; NULL if it holds the other kind (a
 * set holds links, dirs NULL, or directories built by dirs). */
struct node_set *node_set_for(struct node *dir, const struct node_source *dirs);
/* An entry for a link to target, or a directory built from obj; false if
 * dir has name already.  Tells nobody. */
bool node_set_add(struct node_tree *tree, struct node *dir, struct node_set *set,
		  const char *name, const char *target, void *obj);
/* The entry name leaves set (an owner's has left already); false if it
 * has none.  Its node, if made, stays. */
bool node_set_take(struct node_set *set, const char *name);
/* dir's entry name, if dir has a set and it has one, into *out. */
bool node_set_find(const struct node *dir, const char *name,
		   struct node_set_entry *out);
void node_set_free(struct node *dir);
guint node_set_size(const struct node *dir);
bool node_set_has(struct node *dir, const char *name);
/* The subdirectories a set of directories adds to dir's link count. */
guint node_set_subdirs(const struct node *dir);
/* Fill entries from position from on (pos.h), until fill is full. */
void node_set_readdir(struct node *dir, uint64_t from, node_fill_fn fill,
		      void *ctx);

/* ------------------------------------------------------------------ */
/* value.c: inode mode's values and views, as data. */

/* An older view: what the kernel was last told its inode holds. */
struct node_view {
	uint64_t ino;
	size_t len;
	char *text;
	gint event;                /* the file's event when text was shown */
};

/* A file's value in inode mode, made at its first LOOKUP or READ. */
struct node_value {
	GMutex lock;               /* one show() at a time */
	char *text;
	size_t len;                /* also under the tree lock */
	bool valid;                /* also under the tree lock */
	uint64_t view_ino;         /* the current view's number, 0: none yet */
	uint32_t views;            /* views made so far */
	bool plain_known;          /* node->ino was handed out (no value yet) */
	GSList *superseded;        /* struct node_view: older views */
	guint version;             /* the file's version the text reflects */
	gint event;                /* the file's event when it was shown */
};

void node_value_free(struct node *node);
/* The kernel holds none of node's inodes: older views can go. */
void node_value_forgotten(struct node *node);
/* The number the kernel knows node by now (with the tree lock held). */
uint64_t node_kernel_ino(const struct node_tree *tree, const struct node *node);

/* ------------------------------------------------------------------ */
/* iattr.c: what chmod, chown, utimes and xattrs leave on a node. */

struct node_iattr {
	uid_t uid;
	gid_t gid;
	/* The node's own time is its mtime (moved by changes, as kernfs
	 * moves a directory's when a child comes or goes). */
	int64_t atime_ns, ctime_ns;
	GHashTable *xattrs;        /* name -> GBytes, made by the first */
	size_t xattr_bytes;        /* their names and values */
};

/* node's record, or NULL if it has none. */
struct node_iattr *node_iattr_of(struct node_tree *tree,
				 const struct node *node);
/* node's record, made now if it has none (the node is then kept). */
struct node_iattr *node_iattr_make(struct node_tree *tree, struct node *node);
void node_iattr_free(struct node_tree *tree, struct node *node);
/* st's owner and times, from the record if node has one. */
void node_iattr_stat(struct node_tree *tree, const struct node *node,
		     struct stat *st);

/* ------------------------------------------------------------------ */
/* node.c: nodes as objects: made, found, freed.  With the tree lock. */

/* A node of type named name (a file's, or one borrowed, is not copied)
 * with the next number, or with ino. */
struct node *node_new(struct node_tree *tree, enum node_type type,
		      const char *name);
struct node *node_new_ino(struct node_tree *tree, enum node_type type,
			  const char *name, uint64_t ino, bool borrow);
/* The tree's shared copy of text (node_share_text() frees text). */
char *node_share(struct node_tree *tree, const char *text);
char *node_share_text(struct node_tree *tree, char *text);
struct node *node_find(struct node_tree *tree, uint64_t ino);
/* Unhash and free a node (detached from its directory). */
void node_free(struct node_tree *tree, struct node *node);
/* Every node, when the tree ends. */
void node_free_all(struct node_tree *tree);
/* A removed node goes once the kernel and every handle or pin let go;
 * a lazily made one once nobody holds it (node_lazy_drop()). */
void node_maybe_free(struct node_tree *tree, struct node *node);
/* A lazily made node nobody holds can go, and be made again. */
bool node_droppable(const struct node *node);
void node_drop(struct node_tree *tree, struct node *node);
/* Free node, and the directories above it, while nobody holds them. */
void node_lazy_drop(struct node_tree *tree, struct node *node);
/* The file whose store() this thread is running, if any. */
struct node *node_storing(void);
void node_set_storing(struct node *node);

/* ------------------------------------------------------------------ */
/* inval.c: the invalidation queue.  With the tree lock held. */

/* A newer modification time than the last one shown for node. */
void node_touch(struct node *node);
/* Queue an invalidation of every view of node. */
void node_queue_views(struct node_tree *tree, struct node *node);
/* Queue an inode invalidation for this thread. */
void node_queue_inode(uint64_t ino);
/* child came into or went out of dir: queue what the kernel may hold. */
void node_name_changed(struct node_tree *tree, struct node *dir,
		       const struct node *child);
/* As node_name_changed(), for a child of a lazy directory that was not
 * made; is_dir: it may be a subdirectory. */
void node_name_unmade(struct node_tree *tree, struct node *dir,
		      const char *name, bool is_dir);
/* child, which the kernel may hold, goes with its removed directory dir
 * (before it is detached): have the kernel drop its dentry. */
void node_held_child_removed(struct node_tree *tree, struct node *dir,
			     const struct node *child);
/* A failed lookup of name in dir: whether the kernel may cache it. */
bool node_remember_negative(struct node *dir, const char *name);
/* Without the lock: hold back this thread's invalidations until the
 * store that causes them ends, then deliver what still matters, once. */
void node_batch_begin(void);
void node_batch_end(struct node_tree *tree);

/* ------------------------------------------------------------------ */
/* file.c: show and store, and files read through open handles. */

/* Without the tree lock: show/store calls hold an active reference, so
 * that removing the file waits for them (kernfs_get_active()). */
bool node_active_get(struct node_tree *tree, struct node *node);
void node_active_put(struct node_tree *tree, struct node *node);
/* With an active reference: one show() into a fresh page (g_free), or
 * one store() of at most a page, NUL-terminated; ENODEV once gone. */
ssize_t node_show_page(struct node_tree *tree, struct node *node, char **out);
ssize_t node_store_page(struct node_tree *tree, struct node *node,
			const char *buf, size_t size);
bool node_alive(struct node_tree *tree, struct node *node);
/* Without the tree lock: a binary file read or written at off. */
ssize_t node_bin_read(struct node_tree *tree, struct node *node,
		      bool privileged, char *buf, size_t size, off_t off);
ssize_t node_bin_write(struct node_tree *tree, struct node *node,
		       bool privileged, const char *buf, size_t size, off_t off);
/* Copy what a read at off of size bytes gets of text; its length. */
ssize_t node_copy_out(char *buf, size_t size, off_t off, const char *text,
		      size_t len);
/* The kernfs rule: EACCES for a mode the file lacks (even for root). */
int node_check_access(const struct node *node, int acc);

/* ------------------------------------------------------------------ */
/* view.c: files read and written by inode (-o no_open). */

/*
 * Bring node's value up to date for a LOOKUP (ino 0: the current view)
 * or a GETATTR of ino, and fill in st_ino, st_size and the times (the
 * node is pinned by the caller).
 */
void node_value_stat(struct node_tree *tree, struct node *node, uint64_t ino,
		     struct stat *st);

/* ------------------------------------------------------------------ */
/* build.c: adding and removing nodes.  With the tree lock held. */

/* What a lazy directory's fill() is asked for (lazy.c). */
struct node_replay {
	struct node *dir;          /* children of this directory */
	const char *name;          /* only this one; NULL: all of them */
	GHashTable *subdirs;       /* counting: names of subdirectories */
};

/* Whether a builder call may make dir's child name now. */
bool node_admit(struct node_tree *tree, struct node *dir, const char *name,
		enum node_type type);
/* The relative text of a link in dir to target (a path below the root). */
char *node_link_text(const struct node *dir, const char *target);
/* Make the node of a set entry. */
struct node *node_link_made(struct node_tree *tree, struct node *dir,
			    const char *name, const char *target, uint64_t ino);
struct node *node_dir_made(struct node_tree *tree, struct node *dir,
			   const char *name, uint64_t ino);

/* ------------------------------------------------------------------ */
/* set.c: the nodes of set entries.  With the tree lock held. */

/* Remove the entry name (and its node); false if there is none. */
bool node_set_remove(struct node_tree *tree, struct node *dir,
		     const char *name);
/* The node of the entry name, made now; NULL if there is no entry. */
struct node *node_set_child(struct node_tree *tree, struct node *dir,
			    const char *name);

/* ------------------------------------------------------------------ */
/* lazy.c: replays of lazy directories.  With the tree lock held. */

/* dir's child name, made now if it is one dir lacks. */
struct node *node_lazy_child(struct node_tree *tree, struct node *dir,
			     const char *name);
/* Make every child dir lacks (for a listing). */
void node_lazy_fill(struct node_tree *tree, struct node *dir);
/* The subdirectories dir has, made or not. */
unsigned int node_lazy_nsubdirs(struct node_tree *tree, struct node *dir);
/* The kernel holds node no more: a lazy directory keeps only what the
 * kernel still holds inside it. */
void node_lazy_forgotten(struct node_tree *tree, struct node *node);

#endif
