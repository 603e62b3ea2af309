/* SPDX-License-Identifier: MIT */
/*
 * Showing one directory tree over another inside a private mount
 * namespace (mdevfs-run's /sys and /etc/mdevctl.d).
 */
#ifndef MDEVFS_RUN_LAYOUT_H
#define MDEVFS_RUN_LAYOUT_H

#include <stdbool.h>

#include <glib.h>

/* Every mount made on the target side, so that a failed layout can go. */
struct mount_log {
	GPtrArray *paths;       /* char *, in the order they were mounted */
};

void mount_log_init(struct mount_log *log);
/* Detach everything logged, newest first, and forget it. */
void mount_log_undo(struct mount_log *log);
void mount_log_clear(struct mount_log *log);

struct graft {
	const char *src;        /* the tree to show, e.g. the mdevfs mount */
	const char *dst;        /* where, e.g. "/sys" */
	/* Directories (relative) shown from src even where dst has them. */
	const char *const *replace;
	/* Also replace dst's directories for which src has a device (a
	 * directory below devices/ with a uevent file). */
	bool devices;
	const char *scratch;    /* an empty private directory to work in */
	bool verbose;
};

/*
 * Show every entry of g->src at the same relative path below g->dst while
 * dst's own entries stay visible: src's subtrees are bind mounted where
 * dst lacks them or where they replace dst's, and directories that have
 * to gain entries get a read-only overlay whose upper lower layer holds
 * the mount points and src's symlinks.  Returns FALSE with nothing left
 * mounted if the kernel refuses.
 */
bool graft_merge(const struct graft *g, struct mount_log *log, GError **error);

/* The mdev core's own subtrees, always shown from the emulation in /sys
 * (struct graft's replace for an mdevfs tree over a /sys). */
extern const char *const graft_sys_replace[];

/* Cover g->dst with g->src as a whole. */
bool graft_cover(const struct graft *g, struct mount_log *log, GError **error);

#endif
