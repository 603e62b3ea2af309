// SPDX-License-Identifier: MIT
/*
 * Low-level FUSE handlers.  Each one only translates: it asks the node
 * tree and replies.  The kernel keeps entries, attributes, symlink text,
 * directory listings and read-only file pages cached; the tree tells us
 * exactly what to invalidate when the core changes something.
 */
#include "fs.h"
#include "fault.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

static struct mdevfs_fs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static struct node_tree *nodes_of(fuse_req_t req)
{
	return &fs_of(req)->tree->nodes;
}

static void fs_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* Page-cache everything read-only, write through at once. */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	conn->want &= ~FUSE_CAP_READDIRPLUS;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	/* Changes arrive only through us: no need to revalidate on open. */
	conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
}

static void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { 0 };
	int ret = node_lookup(nodes_of(req), parent, name, &e.attr);

	e.attr_timeout = fs_of(req)->timeout;
	e.entry_timeout = fs_of(req)->timeout;
	if (ret == -ENOENT) {
		/* Cached as a negative entry; an added name is invalidated. */
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
	int ret = node_getattr(nodes_of(req), ino, &st);

	(void)fi;
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, fs_of(req)->timeout);
}

/* chmod, chown, utimes and O_TRUNC are accepted and change nothing. */
static void fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	(void)attr;
	(void)to_set;
	fs_getattr(req, ino, fi);
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

static void fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct dirbuf d = { .req = req, .buf = g_malloc(size), .size = size };
	int ret = node_readdir(nodes_of(req), ino, off, fill_entry, &d);

	(void)fi;
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_buf(req, d.buf, d.used);
	g_free(d.buf);
}

static void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node_file *file;
	int ret = node_open(nodes_of(req), ino, fi->flags, &file);

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
	if ((fi->flags & O_ACCMODE) == O_RDONLY && node_is_constant(file->node))
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
	char *buf = g_malloc(size ? size : 1);
	ssize_t len = node_read(nodes_of(req), file, buf, size, off);

	(void)ino;
	if (len < 0)
		fuse_reply_err(req, (int)-len);
	else
		fuse_reply_buf(req, buf, (size_t)len);
	g_free(buf);
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
	gint cancelled = 0;
	ssize_t len;

	/* A store that waits (an injected delay) lets a signalled writer go. */
	fuse_req_interrupt_func(req, interrupted, &cancelled);
	mdev_fault_set_cancel_flag(&cancelled);
	len = node_write(nodes_of(req), file, buf, size);
	mdev_fault_set_cancel_flag(NULL);
	fuse_req_interrupt_func(req, NULL, NULL);

	(void)ino;
	(void)off;  /* sysfs stores ignore the file offset */
	if (len < 0)
		fuse_reply_err(req, (int)-len);
	else
		fuse_reply_write(req, (size_t)len);
}

static void fs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
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

	(void)ino;
	if (ph) {
		g_mutex_lock(&fs->poll_lock);
		g_hash_table_replace(fs->pollers, file, ph);
		g_mutex_unlock(&fs->poll_lock);
	}
	if (node_poll_changed(nodes_of(req), file))
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
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.flush = fs_flush,
	.release = fs_release,
	.poll = fs_poll,
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

	g_mutex_lock(&fs->poll_lock);
	g_hash_table_iter_init(&it, fs->pollers);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		if (((struct node_file *)key)->node->ino != ino)
			continue;
		fuse_lowlevel_notify_poll(value);
		g_hash_table_iter_remove(&it);
	}
	g_mutex_unlock(&fs->poll_lock);
}

static void destroy_poll_handle(gpointer ph)
{
	fuse_pollhandle_destroy(ph);
}

void mdevfs_fs_init(struct mdevfs_fs *fs, struct sysfs_tree *tree, double timeout)
{
	fs->tree = tree;
	fs->timeout = timeout;
	g_mutex_init(&fs->poll_lock);
	fs->pollers = g_hash_table_new_full(NULL, NULL, NULL, destroy_poll_handle);
}

void mdevfs_fs_fini(struct mdevfs_fs *fs)
{
	g_hash_table_destroy(fs->pollers);
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
