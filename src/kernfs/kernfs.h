/* SPDX-License-Identifier: MIT */
/*
 * A small kernfs: directories, attribute files and symlinks with stable
 * inode numbers, kernel-style lifetimes (a node lives until it is removed
 * *and* the kernel has forgotten it and every open handle is closed) and
 * active references (removing a file waits for show/store calls running
 * on it, and later calls fail with ENODEV).
 *
 * Every change queues a cache invalidation for the thread that made it;
 * sysfs_tree_unlock() delivers them to the observer after the lock is
 * dropped, still in that thread, so a write returns only once the kernel
 * has forgotten everything it changed.
 *
 * The tree does not keep a node for everything it shows.  A directory
 * that holds one child per device (bus/mdev/devices, a parent's mdev
 * directories, kernel/iommu_groups and the like) keeps them as entries of
 * a set, its own or one its owner keeps for several such directories,
 * and makes a node for one only while the kernel holds it
 * (node_device_link(), node_lazy_subdir(), node_set_owned()).  A
 * device's directory is lazy: its contents are made when the kernel looks
 * them up or lists them, by replaying how they were built, and dropped
 * once it forgets them.  At 100,000 devices that is the difference
 * between a gigabyte and a fifth of one.
 *
 * Files are served in one of two ways.  With open handles (node_open())
 * each open file keeps the value its first read produced, as kernfs does.
 * In inode mode (the kernel opens files without asking us, FUSE's "no
 * open") the kernel keeps file pages and sizes cached, from separate
 * replies.  A readable file then shows itself under one inode number per
 * *view*: the current view's text changes only for one of the same
 * length, and a value of another length gets a new view (and number);
 * the old view, still held by files opened before, keeps its last text
 * until a GETATTR tells the kernel a new size for it.  So no read pairs
 * one value's length with another's text.
 */
#ifndef MDEVFS_NODE_H
#define MDEVFS_NODE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

enum node_type { NODE_DIR, NODE_FILE, NODE_LINK };

/* What a show() may fill and a store() gets at most, as sysfs's page. */
#define NODE_PAGE_SIZE 4096

/* Whether the kernel may keep a file's value while nobody says it changed. */
enum node_cache {
	NODE_CACHE_CONSTANT,   /* it never changes while the file exists */
	NODE_CACHE_TRACKED,    /* only the core changes it, and announces it */
	NODE_CACHE_VOLATILE,   /* a vendor's show(): checked at every read */
};

/*
 * What the owner of attribute files supplies (kernfs_ops): their values
 * and their writes.  Called without the tree lock, with an active
 * reference on the file; attr and obj are those the file was made with.
 */
struct node_file_ops {
	/* Into a zeroed page of NODE_PAGE_SIZE bytes: the length or -errno. */
	ssize_t (*show)(void *obj, const void *attr, char *page);
	/* buf is NUL-terminated, len at most NODE_PAGE_SIZE. */
	ssize_t (*store)(void *obj, const void *attr, const char *buf,
			 size_t len);
	/* For a NODE_CACHE_VOLATILE file, with the tree lock held: whether
	 * obj's owner now announces every change (node_changed()), so the
	 * file may be cached from then on.  NULL: never. */
	bool (*announced)(void *obj);
	/* A binary file's, at an offset already clamped to the file's
	 * size (if it has one): the bytes moved or -errno.  privileged:
	 * whether the opener counts as the machine's administrator, which
	 * the FUSE layer decides (the owner decides what that allows). */
	ssize_t (*read)(void *obj, const void *attr, bool privileged,
			char *buf, size_t count, off_t off);
	ssize_t (*write)(void *obj, const void *attr, bool privileged,
			 const char *buf, size_t count, off_t off);
};

/* A file to make (node_file()). */
struct node_file_desc {
	const char *name;          /* borrowed for the file's life */
	unsigned short mode;       /* permission bits */
	enum node_cache cache;
	const struct node_file_ops *ops;
	const void *attr;
	void *obj;
	/* A binary file (bin_attribute) and its size, at most
	 * NODE_BIN_SIZE_MAX; 0 for one the owner bounds itself. */
	bool binary;
	size_t size;
};

/* kernfs keeps a binary file's size in 32 bits; PCI config is 4096. */
#define NODE_BIN_SIZE_MAX ((size_t)UINT32_MAX)

/*
 * Kept as small as it can be (NODE_SIZE_MAX): the kernel holds three
 * nodes per device it has listed, two of them links, and memory per
 * device is what limits a big host.  So the counters share words with
 * each other and the flags, each as wide as it can need to be (see
 * NODE_HANDLES_MAX and NODE_NLOOKUP_MAX), and the permission bits are a
 * file's alone.
 */
struct node {
	uint64_t ino;
	/* A file's is its attribute's name; the others own theirs, unless
	 * borrowed (below). */
	const char *name;
	struct node *parent;       /* NULL for the root and removed nodes */
	struct node *prev, *next;  /* siblings, in readdir order */
	/* Its times (all three alike), in nanoseconds since the epoch: half
	 * a struct timespec, and every node has one (its mtime). */
	int64_t time_ns;
	/* Readdir position within the parent, given when it is added
	 * and never changed (pos.h); at most NODE_SEQ_MAX, below
	 * the offsets of a set's entries. */
	uint64_t seq : 40;
	uint64_t handles : 24;     /* open files and calls in progress */
	uint64_t nlookup : 56;     /* kernel references */
	uint64_t type : 2;         /* enum node_type */
	uint64_t removed : 1;
	/* A directory made on demand, see node_set_source(); so is all
	 * below it.  A full one has every child it would have made. */
	uint64_t lazy : 1, full : 1;
	uint64_t in_set : 1;       /* made for an entry of its dir's set */
	/* Made for a set entry: the name (and a link's target path below
	 * the root) are the entry's, until the node is removed. */
	uint64_t borrowed : 1;
	/* Has attributes set by chmod/chown/utimes or xattrs (iattr.c):
	 * kept for the node's life, so it is not dropped lazily. */
	uint64_t iattr : 1;
};

/* Open files and calls in progress past this are refused (ENFILE). */
#define NODE_HANDLES_MAX ((UINT64_C(1) << 24) - 1)
/* A count of kernel references that got this high stays: the node lives
 * on rather than going while the kernel may still hold it. */
#define NODE_NLOOKUP_MAX ((UINT64_C(1) << 56) - 1)

/* Checked at build time: a field added to every node must earn its
 * place (bench/README.md has the memory figures it would move). */
#define NODE_SIZE_MAX 64
G_STATIC_ASSERT(sizeof(struct node) <= NODE_SIZE_MAX);

/* What each type adds, in one allocation with its struct node: a link,
 * the node the kernel holds most of, adds least. */
struct dir_node {            /* NODE_DIR (dir.c) */
	struct node node;
	struct node *first, *last;
	/* What few directories need; NULL until one does (kernfs_priv.h). */
	struct dir_extras *extras;
	uint64_t next_seq;
	unsigned int count, nsubdirs;
	/* A lazy directory's subdirectories, made or not, as last counted
	 * (valid while subdirs_known). */
	unsigned int subdirs_total;
	bool subdirs_known;
	bool listed;            /* read since the kernel dropped it */
	unsigned short mode;    /* permission bits, 0755 until a chmod */
	/* A lazy directory's builder: set on the topmost. */
	struct node_lazy_obj *source_obj;
};

struct file_node {           /* NODE_FILE */
	struct node node;
	const struct node_file_ops *ops;
	const void *attr;       /* the owner's, for ops */
	void *obj;
	unsigned char cache;    /* enum node_cache */
	/* A binary file (bin_attribute): read and written at offsets
	 * through ops->read/write, within size unless that is 0. */
	bool binary;
	unsigned short mode;    /* permission bits */
	uint32_t size;
	int active;             /* show/store calls in progress */
	gint event;             /* bumped by node_notify(), poll */
	guint version;          /* bumped by node_changed() */
	/* Inode mode: the value last shown and its views. */
	struct node_value *value;
};

struct link_node {           /* NODE_LINK */
	struct node node;
	/* The relative target text; if borrowed, the target's path below
	 * the root. */
	char *target;
};

/* A node as the type it is (the caller has checked node->type). */
static inline struct dir_node *as_dir(const struct node *node)
{
	return (struct dir_node *)node;
}

static inline struct file_node *as_file(const struct node *node)
{
	return (struct file_node *)node;
}

static inline struct link_node *as_link(const struct node *node)
{
	return (struct link_node *)node;
}

/* A node's permission bits: a file's own and a directory's (0755 when
 * made, as kernfs makes them, until a chmod); a link's 0777. */
static inline unsigned short node_mode(const struct node *node)
{
	switch (node->type) {
	case NODE_FILE:
		return as_file(node)->mode;
	case NODE_DIR:
		return as_dir(node)->mode;
	default:
		return 0777;
	}
}

/* Count an open file or a call in progress on node; false (ENFILE) if it
 * has as many as it can count. */
static inline bool node_hold(struct node *node)
{
	if (node->handles >= NODE_HANDLES_MAX)
		return false;
	node->handles++;
	return true;
}

/*
 * Lazy directories.  The tree keeps every node while it is needed, which
 * for most of a device's directory is never: its files and links are made
 * when the kernel looks them up or lists their directory, and dropped
 * again once it forgets them.  fill() replays, with the tree lock held,
 * the same node_dir/node_file/node_link calls that built the directory's
 * contents from the start; during the replay those calls make only the
 * nodes asked for.  Outside a replay, adding to a lazy directory that is
 * not full makes nothing but tells the kernel what it must forget.
 */
struct node_source {
	void (*fill)(void *obj);
	/* obj is shared by the directory's set entry and its node while
	 * both exist: each holds it, and releases it when it goes. */
	void (*hold)(void *obj);
	void (*release)(void *obj);
};

/* What a lazy directory is built from: an object that begins with its
 * source, so that a directory keeps one pointer for both (the kernel may
 * hold 100,000 device directories). */
struct node_lazy_obj {
	const struct node_source *source;
};

struct tree_observer {
	void (*inval_entry)(void *data, uint64_t parent_ino, const char *name);
	void (*inval_inode)(void *data, uint64_t ino);
	/* Wake poll()ers of the file ino (after its inval_inode). */
	void (*poll_wake)(void *data, uint64_t ino);
	void *data;
};

struct node_tree {
	GMutex lock;
	GCond drained;
	struct node *root;
	GHashTable *inodes;        /* ino -> node */
	GHashTable *files;         /* open struct node_file, freed at fini */
	/* Link texts and the names of directories and links, shared by
	 * the nodes that show them (most are alike: every mdev's
	 * mdev_type, with the same text within a type), with how many do. */
	GHashTable *shared_texts;  /* text -> struct shared_text (node.c) */
	GHashTable *iattrs;        /* node -> struct node_iattr (iattr.c) */
	size_t xattr_bytes;        /* all nodes' xattrs, names and values */
	uint64_t next_ino;
	struct tree_observer observer;
	uid_t uid;
	gid_t gid;
	bool by_inode;             /* inode mode, see the top of this file */
	struct node_replay *replay;  /* during a lazy directory's fill() */
};

void node_tree_init(struct node_tree *tree);
void node_tree_fini(struct node_tree *tree);

void node_tree_lock(struct node_tree *tree);
/* Drop the lock and deliver this thread's queued invalidations. */
void node_tree_unlock(struct node_tree *tree);
/* Without the lock: deliver them now, inside a store too (before
 * something outside the file system tells anyone of the change). */
void node_batch_flush(struct node_tree *tree);

/* --- with the lock held ------------------------------------------- */
struct node *node_child(struct node *dir, const char *name);
/* The child directory name of dir, made if missing. */
struct node *node_dir(struct node_tree *tree, struct node *dir, const char *name);
/* Path walks without copies: the next non-empty component of *path into
 * name (NODE_NAME_SIZE bytes), *path moved past it.  1, or 0 at the end,
 * or -1 for a component longer than a name can be (NAME_MAX). */
#define NODE_NAME_SIZE 256
int node_path_next(const char **path, char *name);
/* The directory at a slash-separated path below the root, made if missing. */
struct node *node_dir_path(struct node_tree *tree, const char *path);
struct node *node_file(struct node_tree *tree, struct node *dir,
		       const struct node_file_desc *desc);
/* A relative link in dir to the node at target (a path below the root). */
struct node *node_link(struct node_tree *tree, struct node *dir,
		       const char *name, const char *target);
/*
 * The same for a link named after a device to the device's directory,
 * in a directory of many such links: kept as an entry of dir's link set
 * (set.c), which borrows name and target until the link is removed
 * with node_remove_child().  Returns NULL then.
 */
struct node *node_device_link(struct node_tree *tree, struct node *dir,
			      const char *name, const char *target);
/* Unlink a subtree; waits for show/store calls in it to finish. */
void node_remove(struct node_tree *tree, struct node *node);
/* Remove dir's child name, made or not (NULL dir: nothing to do). */
void node_remove_child(struct node_tree *tree, struct node *dir,
		       const char *name);
/* Make dir lazy: its contents come from obj's source's fill(obj)
 * (kernfs.h); the node releases obj when it is freed. */
void node_set_source(struct node *dir, struct node_lazy_obj *obj);
/*
 * A lazy subdirectory name of dir, built by obj's source's fill(obj),
 * kept as an entry of dir's set (set.c) until the kernel looks it
 * up.  name is borrowed until node_remove_child(); the entry holds obj.
 * Nothing is made during a replay.
 */
void node_lazy_subdir(struct node_tree *tree, struct node *dir,
		      const char *name, struct node_lazy_obj *obj);
/* The source object of dir's child name, made or an entry; or NULL. */
void *node_source_at(struct node *dir, const char *name);

/*
 * A set its owner keeps: when many directories list the same devices
 * (bus/mdev/devices, a type's devices/, a driver's, the parent's), one
 * record per device can answer for all of them, where a set of the
 * tree's own costs an entry and an index slot in each.  The tree asks the
 * owner for an entry by name and for the entries from a position on; the
 * owner tells the tree when one comes (node_owned_set_added()) or goes
 * (node_remove_child(), once find() no longer gives it).  The entry's
 * strings are borrowed until then, and its number must be dir's alone.
 */
struct node_set_entry {
	const char *name;
	const char *target;    /* a link: its target's path below the root */
	void *obj;             /* a directory: its source's object */
	uint64_t ino;
	/* Its readdir position (pos.h): never another entry's of the
	 * set, and unchanged while it exists.  A listing goes on after it. */
	uint64_t pos;
};

struct node_set_ops {
	const struct node_source *dirs;   /* its directories'; NULL: links */
	bool (*find)(void *owner, const char *name, struct node_set_entry *e);
	/* The first entry at position pos or after it. */
	bool (*from)(void *owner, uint64_t pos, struct node_set_entry *e);
	guint (*size)(void *owner);
};

/* dir's entries come from owner from now on (NULL ops: no more); false
 * if dir has a set of its own (its owner's names then get plain nodes). */
bool node_set_owned(struct node *dir, const struct node_set_ops *ops,
		    void *owner);
/* The owner's set of dir has a new entry name: tell the kernel. */
void node_owned_set_added(struct node_tree *tree, struct node *dir,
			  const char *name);
/* Whether node is a lazy directory or lies inside one. */
bool node_is_lazy(const struct node *node);
/* Whether dir has no children, made or not. */
bool node_dir_empty(struct node_tree *tree, struct node *dir);
/* The value of a file may have changed: drop the kernel's copy. */
void node_changed(struct node_tree *tree, struct node *node);
/* It did, and pollers are told (the kernel's sysfs_notify()). */
void node_notify(struct node_tree *tree, struct node *node);
char *node_path(const struct node *node);

/* --- FUSE-facing, each takes the lock itself --------------------- */
/*
 * In inode mode a readable file's st_size is the length of its value and
 * *recheck (may be NULL) says whether the kernel must ask for the
 * attributes again at every read (NODE_CACHE_VOLATILE).  With -ENOENT,
 * *recheck says the kernel must not cache the name as absent (we keep
 * track of a bounded number of such names per directory).
 */
int node_lookup(struct node_tree *tree, uint64_t parent, const char *name,
		struct stat *st, bool *recheck);
void node_forget(struct node_tree *tree, uint64_t ino, uint64_t nlookup);
int node_getattr(struct node_tree *tree, uint64_t ino, struct stat *st,
		 bool *recheck);
int node_readlink(struct node_tree *tree, uint64_t ino, char **target);

/*
 * chmod, chown and utimes, stored for the node's life as kernfs keeps
 * them; the kernel checks permissions against them.  A size (O_TRUNC,
 * truncate) is accepted and changes nothing, as in sysfs.  *st is the
 * result.
 */
enum {
	NODE_SET_MODE = 1 << 0,
	NODE_SET_UID = 1 << 1,
	NODE_SET_GID = 1 << 2,
	NODE_SET_ATIME = 1 << 3,   /* to atime; _NOW: to the clock */
	NODE_SET_MTIME = 1 << 4,
	NODE_SET_ATIME_NOW = 1 << 5,
	NODE_SET_MTIME_NOW = 1 << 6,
};

struct node_attr_change {
	int set;                   /* NODE_SET_* */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime;
};

int node_setattr(struct node_tree *tree, uint64_t ino,
		 const struct node_attr_change *change, struct stat *st);

/*
 * Extended attributes as sysfs has them: trusted.* and security.* are
 * kept per node (the kernel lets only root set trusted.*); others cannot
 * be set (-EOPNOTSUPP) and are never there (-ENODATA).  flags are
 * setxattr()'s XATTR_CREATE/XATTR_REPLACE.  Bounded per node and per
 * tree (-ENOSPC).  get and list return the length, or with size 0 the
 * length needed, or -ERANGE if size is short.
 */
int node_setxattr(struct node_tree *tree, uint64_t ino, const char *name,
		  const void *value, size_t size, int flags);
ssize_t node_getxattr(struct node_tree *tree, uint64_t ino, const char *name,
		      void *buf, size_t size);
ssize_t node_listxattr(struct node_tree *tree, uint64_t ino, char *buf,
		       size_t size);
int node_removexattr(struct node_tree *tree, uint64_t ino, const char *name);

/* Fill entries from offset off; fill returns false when full. */
typedef bool (*node_fill_fn)(void *ctx, const char *name, uint64_t ino,
			     mode_t type, off_t next_off);
int node_readdir(struct node_tree *tree, uint64_t ino, off_t off,
		 node_fill_fn fill, void *ctx);
/*
 * READDIRPLUS: the same entries, and st for the links and directories of
 * a directory that keeps a set (bus/mdev/devices and the like), each of
 * which then holds a kernel reference as after a LOOKUP if fill took it
 * (NULL st: a bare entry, no reference).
 */
typedef bool (*node_fill_plus_fn)(void *ctx, const char *name, uint64_t ino,
				  mode_t type, const struct stat *st,
				  off_t next_off);
int node_readdirplus(struct node_tree *tree, uint64_t ino, off_t off,
		     node_fill_plus_fn fill, void *ctx);

struct node_file {
	struct node *node;
	bool privileged;           /* the opener's, for a binary file */
	bool constant;             /* node_is_constant() at open */
	GMutex lock;
	char *shown;               /* the value produced at offset 0 */
	size_t shown_len;
	gint event;                /* node->event when last read */
};

/* privileged: the opener's, for a binary file's reads and writes. */
int node_open(struct node_tree *tree, uint64_t ino, int flags, bool privileged,
	      struct node_file **out);
ssize_t node_read(struct node_tree *tree, struct node_file *file, char *buf,
		  size_t size, off_t off);
/* off matters only to a binary file: a text file's store takes the
 * whole write, wherever the file offset is. */
ssize_t node_write(struct node_tree *tree, struct node_file *file,
		   const char *buf, size_t size, off_t off);
void node_release(struct node_tree *tree, struct node_file *file);
/* Whether a file's value can never change while it exists (with the
 * tree lock held: the type shares a word with counters). */
static inline bool node_is_constant(const struct node *node)
{
	return node->type == NODE_FILE &&
	       as_file(node)->cache == NODE_CACHE_CONSTANT;
}

/* Whether a poll() on file reports POLLPRI|POLLERR: the value changed
 * since it was read, or the file is gone. */
bool node_poll_changed(struct node_tree *tree, struct node_file *file);

/* --- inode mode -------------------------------------------------- */
/* Set before the first request. */
void node_tree_set_by_inode(struct node_tree *tree, bool on);
/* The node part of an inode number (without a view). */
uint64_t node_base_ino(uint64_t ino);
/* EACCES for a mode the file lacks: kernfs refuses even root, but here
 * only a read or write can tell, since there was no open. */
ssize_t node_pread(struct node_tree *tree, uint64_t ino, bool privileged,
		   char *buf, size_t size, off_t off);
/*
 * One store.  *drop_pages says the kernel may have kept pages of what was
 * written: they must be invalidated once the write is answered (not
 * before: the writer holds them locked until then).
 */
ssize_t node_pwrite(struct node_tree *tree, uint64_t ino, bool privileged,
		    const char *buf, size_t size, off_t off, bool *drop_pages);
/* As node_poll_changed(), for the file: changed since its value was shown. */
bool node_poll_changed_ino(struct node_tree *tree, uint64_t ino);

#endif
