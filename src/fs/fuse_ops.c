// SPDX-License-Identifier: MIT
/*
 * Low-level FUSE handlers.  Each one only translates: it asks the node
 * tree and replies.  The kernel keeps entries, attributes, symlink text,
 * directory listings and read-only file pages cached; the tree tells us
 * exactly what to invalidate when the core changes something.
 */
#define _GNU_SOURCE  /* O_DIRECT */
#include "fs.h"
#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

static struct mdevfs_fs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static struct node_tree *nodes_of(fuse_req_t req)
{
	return &fs_of(req)->tree->nodes;
}

/* Whether the caller counts as the emulated machine's administrator (what
 * CAP_SYS_ADMIN would be: a PCI function's whole config space): root,
 * or the user the daemon runs as, whom mdevfs-run's tools reach it as. */
static bool privileged(fuse_req_t req)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	return ctx->uid == 0 || ctx->uid == fs_of(req)->uid;
}

/*
 * By default every open is an OPEN request, as kernfs sees every open:
 * EACCES at open even for root, one value per open file; only constant
 * values stay in the page cache.  With -o no_open the kernel opens files
 * alone (OPEN gets ENOSYS, after which neither OPEN, FLUSH nor RELEASE is
 * sent) and reads come from its page cache: no round trip while a value
 * stands.  The tree invalidates what changes, and a GETATTR that shows a
 * new mtime drops pages that raced with a change (auto_inval_data).
 * O_TRUNC must then reach us as a SETATTR, or the kernel would believe
 * the file is now empty.
 */
static void fs_init(void *userdata, struct fuse_conn_info *conn)
{
	struct mdevfs_fs *fs = userdata;

	/* Write through at once: each write() is one store. */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	/* A first listing of new devices gives their entries with their
	 * attributes (the kernel asks for it when lookups follow). */
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	fs->by_inode = fs->no_open &&
		       (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) &&
		       (conn->capable & FUSE_CAP_AUTO_INVAL_DATA);
	/* Both modes: a cached listing is checked against the directory's
	 * mtime at the next opendir, which drops one that raced with a
	 * change (inval.c). */
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
	if (fs->by_inode) {
		conn->want |= FUSE_CAP_NO_OPEN_SUPPORT;
		conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
	}
	node_tree_set_by_inode(&fs->tree->nodes, fs->by_inode);
}

/* How long the kernel may keep an entry or attributes: not at all when
 * the tree says so (a volatile value, an absent name it cannot track). */
static double cache_timeout(fuse_req_t req, bool recheck)
{
	return recheck ? 0 : fs_of(req)->timeout;
}

static void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { 0 };
	bool recheck = false;
	int ret = node_lookup(nodes_of(req), parent, name, &e.attr, &recheck);

	/* A volatile value may change length, hence inode, at any time:
	 * its name is looked up again at every path walk. */
	e.attr_timeout = cache_timeout(req, recheck);
	e.entry_timeout = cache_timeout(req, recheck);
	if (ret == -ENOENT) {
		/* Cached as a negative entry unless the tree cannot keep track
		 * of it; an added name is invalidated. */
		fuse_reply_entry(req, &e);
		return;
	}
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	e.ino = e.attr.st_ino;
	e.generation = 1;
	fuse_reply_entry(req, &e);
}

static void fs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	node_forget(nodes_of(req), ino, nlookup);
	fuse_reply_none(req);
}

static void fs_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		node_forget(nodes_of(req), forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void fs_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	bool recheck = false;
	int ret = node_getattr(nodes_of(req), ino, &st, &recheck);

	(void)fi;
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, cache_timeout(req, recheck));
}

/* chmod, chown and utimes are kept, as kernfs keeps them; O_TRUNC and
 * truncate() are accepted and change nothing. */
static void fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	static const struct { int fuse, node; } map[] = {
		{ FUSE_SET_ATTR_MODE, NODE_SET_MODE },
		{ FUSE_SET_ATTR_UID, NODE_SET_UID },
		{ FUSE_SET_ATTR_GID, NODE_SET_GID },
		{ FUSE_SET_ATTR_ATIME, NODE_SET_ATIME },
		{ FUSE_SET_ATTR_MTIME, NODE_SET_MTIME },
		{ FUSE_SET_ATTR_ATIME_NOW, NODE_SET_ATIME_NOW },
		{ FUSE_SET_ATTR_MTIME_NOW, NODE_SET_MTIME_NOW },
	};
	struct node_attr_change change = {
		.mode = attr->st_mode, .uid = attr->st_uid, .gid = attr->st_gid,
		.atime = attr->st_atim, .mtime = attr->st_mtim,
	};
	struct stat st;
	int ret;

	(void)fi;
	for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
		if (to_set & map[i].fuse)
			change.set |= map[i].node;
	ret = node_setattr(nodes_of(req), ino, &change, &st);
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, fs_of(req)->timeout);
}

static void fs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	fuse_reply_err(req, -node_setxattr(nodes_of(req), ino, name, value,
					   size, flags));
}

/* Size 0 asks for the length a buffer needs. */
static void reply_xattr_bytes(fuse_req_t req, ssize_t len, const char *buf,
			      size_t size)
{
	if (len < 0)
		fuse_reply_err(req, (int)-len);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)len);
	else
		fuse_reply_buf(req, buf, (size_t)len);
}

static void fs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	g_autofree char *buf = size ? g_try_malloc(size) : NULL;

	if (size && !buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	reply_xattr_bytes(req, node_getxattr(nodes_of(req), ino, name, buf, size),
			  buf, size);
}

static void fs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	g_autofree char *buf = size ? g_try_malloc(size) : NULL;

	if (size && !buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	reply_xattr_bytes(req, node_listxattr(nodes_of(req), ino, buf, size),
			  buf, size);
}

static void fs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	fuse_reply_err(req, -node_removexattr(nodes_of(req), ino, name));
}

/* sysfs's figures: 4096-byte blocks, none used, names up to NAME_MAX.
 * (f_type is FUSE's: the kernel fills it in, not the daemon.) */
static void fs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st = { .f_bsize = NODE_PAGE_SIZE,
			      .f_frsize = NODE_PAGE_SIZE,
			      .f_namemax = NAME_MAX };

	(void)ino;
	fuse_reply_statfs(req, &st);
}

static void fs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	g_autofree char *target = NULL;
	int ret = node_readlink(nodes_of(req), ino, &target);

	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_readlink(req, target);
}

static void fs_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	/* Every change to a directory invalidates one of its entries,
	 * which also drops the kernel's cached listing. */
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

struct dirbuf {
	fuse_req_t req;
	fuse_ino_t ino;        /* the directory listed, from off on */
	off_t off;
	char *buf;
	size_t size;
	size_t used;
};

static bool fill_entry(void *ctx, const char *name, uint64_t ino, mode_t type,
		       off_t next_off)
{
	struct dirbuf *d = ctx;
	struct stat st = { .st_ino = ino, .st_mode = type };
	size_t len = fuse_add_direntry(d->req, d->buf + d->used,
				       d->size - d->used, name, &st, next_off);

	if (len > d->size - d->used)
		return false;
	d->used += len;
	return true;
}

/* One listing reply of at most size bytes: list(), one of node_readdir()
 * and node_readdirplus() with its fill, writes the entries. */
static void reply_listing(fuse_req_t req, fuse_ino_t ino, off_t off,
			  size_t size, int (*list)(struct dirbuf *d))
{
	/* The size is the client's: a failure is its ENOMEM, not an abort. */
	struct dirbuf d = { .req = req, .ino = ino, .off = off,
			    .buf = g_try_malloc(size), .size = size };
	int ret;

	if (!d.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ret = list(&d);
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_buf(req, d.buf, d.used);
	g_free(d.buf);
}

static bool fill_entry_plus(void *ctx, const char *name, uint64_t ino,
			    mode_t type, const struct stat *st, off_t next_off)
{
	struct dirbuf *d = ctx;
	struct fuse_entry_param e = { .attr = { .st_ino = ino, .st_mode = type } };
	size_t len;

	/* No st: a bare entry (node 0), which the kernel does not link. */
	if (st) {
		e.ino = st->st_ino;
		e.generation = 1;
		e.attr = *st;
		e.attr_timeout = e.entry_timeout = fs_of(d->req)->timeout;
	}
	len = fuse_add_direntry_plus(d->req, d->buf + d->used, d->size - d->used,
				     name, &e, next_off);
	if (len > d->size - d->used)
		return false;
	d->used += len;
	return true;
}

static int list_plain(struct dirbuf *d)
{
	return node_readdir(nodes_of(d->req), d->ino, d->off, fill_entry, d);
}

static int list_plus(struct dirbuf *d)
{
	return node_readdirplus(nodes_of(d->req), d->ino, d->off,
				fill_entry_plus, d);
}

static void fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)fi;
	reply_listing(req, ino, off, size, list_plain);
}

static void fs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	reply_listing(req, ino, off, size, list_plus);
}

static void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node_file *file;
	int ret;

	if (fs_of(req)->by_inode) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	/* kernfs files have no direct I/O. */
	if (fi->flags & O_DIRECT) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	ret = node_open(nodes_of(req), ino, fi->flags, privileged(req), &file);
	if (ret) {
		fuse_reply_err(req, -ret);
		return;
	}
	fi->fh = (uintptr_t)file;
	fi->noflush = 1;
	/*
	 * Values that never change stay in the page cache.  Any other is
	 * read through: the kernel's short-read size bookkeeping can pair a
	 * re-read page with a stale length when a value changes under
	 * concurrent readers (the stress test saw "10" and "9\n\n").
	 * Writes are always through: each write() is one store.
	 */
	if ((fi->flags & O_ACCMODE) == O_RDONLY && file->constant)
		fi->keep_cache = 1;
	else
		fi->direct_io = 1;
	if (fuse_reply_open(req, fi) == -ENOENT)
		node_release(nodes_of(req), file);  /* the opener went away */
}

static void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct node_file *file = (struct node_file *)(uintptr_t)fi->fh;
	char *buf = g_try_malloc(size ? size : 1);
	ssize_t len;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	len = file ? node_read(nodes_of(req), file, buf, size, off)
		   : node_pread(nodes_of(req), ino, privileged(req), buf, size,
				off);
	if (len < 0)
		fuse_reply_err(req, (int)-len);
	else
		fuse_reply_buf(req, buf, (size_t)len);
	g_free(buf);
}

static void destroy_poll_handle(gpointer ph)
{
	fuse_pollhandle_destroy(ph);
}

static void interrupted(fuse_req_t req, void *data)
{
	(void)req;
	g_atomic_int_set((gint *)data, 1);
}

static void fs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct node_file *file = (struct node_file *)(uintptr_t)fi->fh;
	struct mdevfs_fs *fs = fs_of(req);
	bool drop_pages = false;
	gint cancelled = 0;
	ssize_t len;

	/* A store that waits (an injected delay) lets a signalled writer go. */
	fuse_req_interrupt_func(req, interrupted, &cancelled);
	mdev_fault_set_cancel_flag(&cancelled);
	len = file ? node_write(nodes_of(req), file, buf, size, off)
		   : node_pwrite(nodes_of(req), ino, privileged(req), buf, size,
				 off, &drop_pages);
	mdev_fault_set_cancel_flag(NULL);
	fuse_req_interrupt_func(req, NULL, NULL);

	if (len < 0)
		fuse_reply_err(req, (int)-len);
	else
		fuse_reply_write(req, (size_t)len);
	/* Only now: until the reply the writer holds those pages locked. */
	if (drop_pages)
		fuse_lowlevel_notify_inval_inode(fs->se, ino, 0, 0);
}

static void fs_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node_file *file = (struct node_file *)(uintptr_t)fi->fh;
	struct mdevfs_fs *fs = fs_of(req);

	(void)ino;
	g_mutex_lock(&fs->poll_lock);
	g_hash_table_remove(fs->pollers, file);
	g_mutex_unlock(&fs->poll_lock);
	node_release(nodes_of(req), file);
	fuse_reply_err(req, 0);
}

/*
 * By inode there is no handle to tell one poller from another (the
 * kernel's own handle, kh, is hidden in libfuse's pollhandle): a file
 * keeps every pollhandle until its next wake-up, at most POLLERS_MAX, the
 * oldest given up first.  They are kept by node number, whichever of the
 * file's inodes (one per value length) was polled.
 */
#define POLLERS_MAX 64

static void add_ino_poller(struct mdevfs_fs *fs, fuse_ino_t ino,
			   struct fuse_pollhandle *ph)
{
	uint64_t key = node_base_ino(ino);
	GPtrArray *handles = g_hash_table_lookup(fs->ino_pollers, &key);

	if (!handles) {
		handles = g_ptr_array_new_with_free_func(destroy_poll_handle);
		g_hash_table_insert(fs->ino_pollers, g_memdup2(&key, sizeof(key)),
				    handles);
	}
	if (handles->len == POLLERS_MAX)
		g_ptr_array_remove_index(handles, 0);
	g_ptr_array_add(handles, ph);
}

/*
 * sysfs poll semantics: always readable and writable; POLLPRI|POLLERR
 * once the value was notified as changed since the file was last read.
 * The kernel asks again with a fresh handle after each wake-up.
 */
static void fs_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	struct node_file *file = (struct node_file *)(uintptr_t)fi->fh;
	struct mdevfs_fs *fs = fs_of(req);
	unsigned int revents = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	bool changed;

	if (ph) {
		g_mutex_lock(&fs->poll_lock);
		if (file)
			g_hash_table_replace(fs->pollers, file, ph);
		else
			add_ino_poller(fs, ino, ph);
		g_mutex_unlock(&fs->poll_lock);
	}
	changed = file ? node_poll_changed(nodes_of(req), file)
		       : node_poll_changed_ino(nodes_of(req), ino);
	if (changed)
		revents |= POLLERR | POLLPRI;
	fuse_reply_poll(req, revents);
}

/* Creating a missing name in sysfs fails in the VFS with EACCES. */
static void fs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)fi;
	fuse_reply_err(req, EACCES);
}

static void fs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	(void)parent;
	(void)name;
	(void)rdev;
	fuse_reply_err(req, S_ISREG(mode) ? EACCES : EPERM);
}

/* sysfs directories have no mkdir, unlink, rmdir, rename, link or symlink. */
static void fs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	(void)parent;
	(void)name;
	(void)mode;
	fuse_reply_err(req, EPERM);
}

static void fs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	fuse_reply_err(req, EPERM);
}

static void fs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	(void)parent;
	(void)name;
	(void)newparent;
	(void)newname;
	(void)flags;
	fuse_reply_err(req, EPERM);
}

static void fs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	(void)link;
	(void)parent;
	(void)name;
	fuse_reply_err(req, EPERM);
}

static void fs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	(void)ino;
	(void)newparent;
	(void)newname;
	fuse_reply_err(req, EPERM);
}

const struct fuse_lowlevel_ops mdevfs_ll_ops = {
	.init = fs_init,
	.lookup = fs_lookup,
	.forget = fs_forget,
	.forget_multi = fs_forget_multi,
	.getattr = fs_getattr,
	.setattr = fs_setattr,
	.readlink = fs_readlink,
	.opendir = fs_opendir,
	.readdir = fs_readdir,
	.readdirplus = fs_readdirplus,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.release = fs_release,
	.poll = fs_poll,
	.setxattr = fs_setxattr,
	.getxattr = fs_getxattr,
	.listxattr = fs_listxattr,
	.removexattr = fs_removexattr,
	.statfs = fs_statfs,
	.create = fs_create,
	.mknod = fs_mknod,
	.mkdir = fs_mkdir,
	.unlink = fs_unlink,
	.rmdir = fs_unlink,
	.rename = fs_rename,
	.symlink = fs_symlink,
	.link = fs_link,
};

/* ------------------------------------------------------------------ */
/* Invalidation                                                        */

/* ENOENT only means the kernel had nothing cached. */
static void inval_entry(void *data, uint64_t parent, const char *name)
{
	struct mdevfs_fs *fs = data;

	fuse_lowlevel_notify_inval_entry(fs->se, parent, name, strlen(name));
}

static void inval_inode(void *data, uint64_t ino)
{
	struct mdevfs_fs *fs = data;

	fuse_lowlevel_notify_inval_inode(fs->se, ino, 0, 0);
}

/* Wake (once) every poller of the file ino. */
static void poll_wake(void *data, uint64_t ino)
{
	struct mdevfs_fs *fs = data;
	GHashTableIter it;
	gpointer key, value;

	GPtrArray *handles;

	g_mutex_lock(&fs->poll_lock);
	g_hash_table_iter_init(&it, fs->pollers);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		if (((struct node_file *)key)->node->ino != ino)
			continue;
		fuse_lowlevel_notify_poll(value);
		g_hash_table_iter_remove(&it);
	}
	handles = g_hash_table_lookup(fs->ino_pollers, &ino);
	for (guint i = 0; handles && i < handles->len; i++)
		fuse_lowlevel_notify_poll(handles->pdata[i]);
	g_hash_table_remove(fs->ino_pollers, &ino);
	g_mutex_unlock(&fs->poll_lock);
}

void mdevfs_fs_init(struct mdevfs_fs *fs, struct sysfs_tree *tree, double timeout)
{
	fs->tree = tree;
	fs->uid = getuid();
	fs->timeout = timeout;
	g_mutex_init(&fs->poll_lock);
	fs->pollers = g_hash_table_new_full(NULL, NULL, NULL, destroy_poll_handle);
	fs->ino_pollers = g_hash_table_new_full(g_int64_hash, g_int64_equal,
						g_free,
						(GDestroyNotify)g_ptr_array_unref);
}

void mdevfs_fs_fini(struct mdevfs_fs *fs)
{
	g_hash_table_destroy(fs->pollers);
	g_hash_table_destroy(fs->ino_pollers);
	g_mutex_clear(&fs->poll_lock);
}

void mdevfs_fs_observe(struct mdevfs_fs *fs)
{
	const struct tree_observer observer = {
		.inval_entry = inval_entry,
		.inval_inode = inval_inode,
		.poll_wake = poll_wake,
		.data = fs,
	};

	sysfs_tree_set_observer(fs->tree, &observer);
}
