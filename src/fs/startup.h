/* SPDX-License-Identifier: MIT */
/* Starting the daemon: one line on stderr for whatever fails (startup.c). */
#ifndef MDEVFS_STARTUP_H
#define MDEVFS_STARTUP_H

#include <glib.h>
#include <stdbool.h>

/*
 * libfuse's own error messages while starting ("fuse: bad mount point
 * ...", "fuse: mount failed: ...") are kept from begin on, and folded
 * into the one line mdevfs prints when the start fails; end(true) passes
 * them on after a successful start (libfuse then logs as usual: -d needs
 * that).
 */
void startup_log_begin(void);
void startup_log_end(bool flush);
/* Whether libfuse said anything since begin. */
bool startup_log_said(void);
/* "mdevfs: WHAT[: what libfuse said]", one line; ends the capture. */
void startup_failed(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* "mdevfs: what libfuse said", or "mdevfs: FALLBACK" if it said nothing. */
void startup_failed_log(const char *fallback);

/*
 * Refuse, before anything is mounted, what libfuse would mount badly or
 * fail on with a message of its own: a mount point that is no directory
 * (a directory tree mounted on a file gives EIO everywhere), a FUSE mount
 * whose daemon is gone (ENOTCONN), and a mount point a live mdevfs already
 * serves: mounting over it would hide that tree, and its daemon would keep
 * running with nobody able to reach it.  false after printing why.
 */
bool check_mountpoint(const char *dir);

#endif
