/* SPDX-License-Identifier: MIT */
/* Loading vendor backends (.so plugins) into a host. */
#ifndef MDEVFS_PLUGIN_H
#define MDEVFS_PLUGIN_H

#include "core.h"

/*
 * Load one backend.  spec is "NAME[:ARGS]", looked up as NAME.so in each
 * of dirs (NULL-terminated), or "PATH[:ARGS]" when it contains a '/'.
 * Returns FALSE with a one-line message in error.
 */
gboolean mdev_backend_load(struct mdevfs_host *host, const char *spec,
			   const char *const *dirs, GError **error);
/* Call every backend's exit() (newest first) and unload it. */
void mdev_backends_unload(struct mdevfs_host *host);
/* Unload the backend loaded under this name (its plugin name). */
gboolean mdev_backend_unload(struct mdevfs_host *host, const char *name,
			     GError **error);
/* What the core says for a backend (its arguments, say): the reason of
 * the load running on this thread, if any, else a line on stderr. */
void mdev_backend_say(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* The names of the loaded backends, oldest first (g_strfreev). */
char **mdev_backend_names(struct mdevfs_host *host);

#endif
