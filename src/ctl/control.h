/* SPDX-License-Identifier: MIT */
/*
 * The control interface: a Unix socket on which a running daemon takes
 * one-line commands from mdevfs-ctl(1) to load and unload backends,
 * hot-unplug and re-plug parents, and inject faults.  It drives the core
 * like the FUSE layer does and knows nothing of FUSE.
 */
#ifndef MDEVFS_CONTROL_H
#define MDEVFS_CONTROL_H

#include "core.h"

struct control;

/*
 * The socket a daemon mounted on mountpoint listens on by default:
 * <runtime dir>/mdevfs/<hash of the mount point's real path>.sock, where
 * the runtime dir is /run for root and $XDG_RUNTIME_DIR (or /tmp) else.
 */
char *control_default_path(const char *mountpoint);

/* Listen on path and serve in a thread; NULL with a message in error. */
struct control *control_start(struct mdevfs_host *host, const char *path,
			      const char *const *plugin_dirs, GError **error);
void control_stop(struct control *ctl);

/* Run one command line and return the reply (first line "ok" or
 * "error: ..."); also used by tests without a socket. */
char *control_execute(struct mdevfs_host *host, const char *const *plugin_dirs,
		      const char *line);

#endif
