/* SPDX-License-Identifier: MIT */
/* Shared by the control server's files (control*.c); not for clients. */
#ifndef MDEVFS_CONTROL_PRIV_H
#define MDEVFS_CONTROL_PRIV_H

#include <stdbool.h>
#include <sys/types.h>

#include "control.h"

#define MAX_LINE 4096

struct control {
	struct mdevfs_host *host;
	const char *const *plugin_dirs;
	char *path;
	int dirfd;             /* the socket's directory, checked */
	char *name;            /* the socket's name in it */
	dev_t dev;             /* the socket file we bound */
	ino_t ino;
	int fd;
	int stop_pipe[2];
	int wake_pipe[2];      /* a command finished */
	GPtrArray *running;    /* struct request *: command threads */
	GThread *thread;
};


/* control_cmd.c: an error reply, "error: ...". */
char *control_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* control_socket.c: bind and listen on path in a directory that can be
 * trusted (see control_open()); the listening descriptor, or -1. */
int control_listen(struct control *ctl, const char *path, bool private_dir,
		   GError **error);
/* Remove the socket file if it is still the one we bound. */
void control_unlink_own_socket(struct control *ctl);

#endif
