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

#define CONTROL_ERROR control_error_quark()
GQuark control_error_quark(void);
enum {
	CONTROL_ERROR_IN_USE,  /* a live daemon listens on the path */
	CONTROL_ERROR_UNSAFE,  /* the socket's directory cannot be trusted */
};

/*
 * Bind and listen on path; NULL with a message in error.  The socket's
 * directory must be trustworthy, or the error is CONTROL_ERROR_UNSAFE:
 * with private_dir (the default path) it is made 0700 if missing, and
 * must be a directory (not a symbolic link) owned by the daemon's uid and
 * closed to group and others; else it must be owned by the daemon's uid
 * or root, and be writable by others only if sticky.  The socket is made
 * mode 0600.  A socket file
 * already at path is replaced only if nobody listens on it (left by a
 * daemon that died); if a daemon answers there, the error is
 * CONTROL_ERROR_IN_USE, "control socket PATH is in use by another daemon".
 * Anything else at path is left alone (an error too).
 */
struct control *control_open(struct mdevfs_host *host, const char *path,
			     bool private_dir, const char *const *plugin_dirs,
			     GError **error);
/*
 * Serving: only peers of the daemon's uid or root (SO_PEERCRED) are
 * heard; at most 16 clients at once, each with 5 s to send one line of
 * at most 4096 bytes (a longer one is refused whole); each command runs
 * in its own thread and its client gets an error after 10 s.
 */
/* Start serving commands in a thread (after any fork: threads do not
 * survive it).  A no-op for NULL or a control already running. */
void control_run(struct control *ctl);
/* Both at once. */
struct control *control_start(struct mdevfs_host *host, const char *path,
			      bool private_dir, const char *const *plugin_dirs,
			      GError **error);
/*
 * Stop serving, and remove the socket file if it is still the one this
 * control bound (a kill -9'd daemon's successor may own the path now).
 * Bounded in time: commands still running (a backend's init that never
 * returned) are left to themselves, and then it returns true: the host
 * they use must then not be freed.
 */
bool control_stop(struct control *ctl);

/* Run one command line and return the reply (first line "ok" or
 * "error: ..."); also used by tests without a socket. */
char *control_execute(struct mdevfs_host *host, const char *const *plugin_dirs,
		      const char *line);

#endif
