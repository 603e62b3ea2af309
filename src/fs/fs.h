/* SPDX-License-Identifier: MIT */
/* The FUSE layer: translates low-level FUSE requests into node-tree calls. */
#ifndef MDEVFS_FS_H
#define MDEVFS_FS_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include "sysfs.h"

struct mdevfs_fs {
	struct sysfs_tree *tree;
	struct fuse_session *se;
	double timeout;        /* entry and attribute cache lifetime, seconds */
	uid_t uid;             /* the daemon's own */
	bool no_open;          /* asked for: the kernel opens files alone */
	bool by_inode;         /* ... and this kernel can */
	GMutex poll_lock;
	GHashTable *pollers;   /* struct node_file * -> struct fuse_pollhandle * */
	GHashTable *ino_pollers;  /* by inode: ino -> GPtrArray of handles */
};

void mdevfs_fs_init(struct mdevfs_fs *fs, struct sysfs_tree *tree, double timeout);
void mdevfs_fs_fini(struct mdevfs_fs *fs);

extern const struct fuse_lowlevel_ops mdevfs_ll_ops;

/* Route the tree's invalidations to the kernel (after mounting). */
void mdevfs_fs_observe(struct mdevfs_fs *fs);

#endif
