// SPDX-License-Identifier: MIT
/*
 * shim_plugin: a module that shim_proof dlopen()s ("plugin" mode), built
 * like a backend (MODULE, hidden visibility, the shim linked in).  It
 * increments the program's counter under the program's lock, through its
 * own copy of the shim; both copies must agree on the lock.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <glib.h>
#include <stdio.h>

__attribute__((visibility("default")))
void shim_plugin_bump(GMutex *lock, long *counter, int iters)
{
	for (int i = 0; i < iters; i++) {
		g_mutex_lock(lock);
		(*counter)++;
		g_mutex_unlock(lock);
	}
}

__attribute__((visibility("default")))
const char *shim_plugin_where(void)
{
	Dl_info info;

	return dladdr((void *)g_mutex_lock, &info) ? info.dli_fname : "?";
}
