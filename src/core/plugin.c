// SPDX-License-Identifier: MIT
#define _GNU_SOURCE  /* O_PATH */
#include "plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct backend {
	void *handle;
	const struct mdevfs_plugin *plugin;
	void *state;
};

static char *find_plugin(const char *name, const char *const *dirs,
			 GError **error)
{
	if (strchr(name, '/')) {
		if (name[0] != '/') {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
				    "backend %s: a path must be absolute", name);
			return NULL;
		}
		if (g_file_test(name, G_FILE_TEST_IS_REGULAR))
			return g_strdup(name);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
			    "backend %s: no such file", name);
		return NULL;
	}
	if (!*name || strchr(name, '.')) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "backend '%s': not a backend name", name);
		return NULL;
	}
	for (; dirs && *dirs; dirs++) {
		g_autofree char *file = g_strdup_printf("%s.so", name);
		char *path = g_build_filename(*dirs, file, NULL);

		if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
			return path;
		g_free(path);
	}
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
		    "backend '%s' not found in the plugin directory", name);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Trust: what is dlopen()ed runs as the daemon, constructors first.    */

/*
 * The uid that the files of the initial namespace's root show here: 0,
 * or inside a user namespace that does not map it (mdevfs-run as a
 * user) the overflow uid, which is all the kernel shows for it.
 */
static uid_t root_uid_here(void)
{
	FILE *f = fopen("/proc/self/uid_map", "re");
	unsigned long inside, outside, count;
	unsigned long overflow = 65534;
	bool mapped = false;
	uid_t uid = 0;

	if (!f)
		return 0;
	while (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3)
		if (outside == 0 && count > 0) {
			uid = (uid_t)inside;
			mapped = true;
		}
	fclose(f);
	if (mapped)
		return uid;
	f = fopen("/proc/sys/kernel/overflowuid", "re");
	if (f) {
		if (fscanf(f, "%lu", &overflow) != 1)
			overflow = 65534;
		fclose(f);
	}
	return (uid_t)overflow;
}

static bool trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid() || uid == root_uid_here();
}

/*
 * st describes what fd `what` at path is: a directory (own: the plugin's
 * own directory) or the plugin file.  Owned by root or the daemon's user
 * and writable by nobody else; an ancestor directory may be writable by
 * others when it has the sticky bit (/tmp), since then nobody else can
 * rename or remove the entry below it, which is checked in turn.
 */
static bool check_trust(const struct stat *st, const char *path,
			bool is_dir, bool own, GError **error)
{
	const char *kind = is_dir ? "directory" : "file";
	const char *why = NULL;

	if (is_dir && !S_ISDIR(st->st_mode))
		why = "is not a directory";
	else if (!is_dir && !S_ISREG(st->st_mode))
		why = "is not a regular file";
	else if (!trusted_owner(st->st_uid))
		why = "is owned by another user (only root or the daemon's user are trusted)";
	else if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
		 (!is_dir || own || !(st->st_mode & S_ISVTX)))
		why = (st->st_mode & S_IWOTH) ? "is writable by others" :
						"is writable by its group";
	if (!why)
		return true;
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
		    "%s %s %s (uid %u, mode %04o)", kind, path, why,
		    (unsigned int)st->st_uid, (unsigned int)(st->st_mode & 07777));
	return false;
}

/*
 * Open the plugin at path (absolute), checking on the way each directory
 * from / down to its own, by file descriptor, and then the file itself,
 * opened with O_NOFOLLOW.  The directory is resolved once with realpath()
 * (an --plugin-dir may be a link); the walk then follows no links, so a
 * swap after that fails.  *checked gets the file's real path: only root
 * and the daemon's uid can change what lies there (as for sudo's plugins).
 */
static int open_trusted(const char *path, char **checked, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *base = g_path_get_basename(path);
	g_autofree char *real = NULL;
	g_auto(GStrv) parts = NULL;
	GString *walked = g_string_new("");
	struct stat st;
	bool ok = false;
	int fd, next;
	guint n;
	char *r;

	r = realpath(dir, NULL);
	if (!r) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "backend %s: directory %s: %s", path, dir,
			    g_strerror(errno));
		g_string_free(walked, TRUE);
		return -1;
	}
	real = g_strdup(r);
	free(r);
	parts = g_strsplit(real + 1, "/", -1);   /* real is absolute */
	if (!real[1])   /* "/" itself */
		g_clear_pointer(&parts, g_strfreev);
	n = parts ? g_strv_length(parts) : 0;
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (guint i = 0;; i++) {
		if (fd < 0 || fstat(fd, &st) != 0) {
			g_set_error(error, G_FILE_ERROR,
				    g_file_error_from_errno(errno),
				    "directory %s: %s (changed while checked?)",
				    walked->len ? walked->str : "/",
				    g_strerror(errno));
			break;
		}
		if (!check_trust(&st, walked->len ? walked->str : "/", true,
				 i == n, error))
			break;
		if (i == n) {
			ok = true;
			break;
		}
		next = openat(fd, parts[i],
			      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		g_string_append_printf(walked, "/%s", parts[i]);
	}
	if (!ok && fd >= 0) {
		close(fd);
		fd = -1;
	}
	if (fd >= 0) {
		int dirfd = fd;

		fd = openat(dirfd, base,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			g_set_error(error, G_FILE_ERROR,
				    g_file_error_from_errno(errno),
				    "file %s/%s: %s", walked->str, base,
				    errno == ELOOP ? "is a symbolic link (not followed)" :
				    g_strerror(errno));
		close(dirfd);
	}
	if (fd >= 0) {
		g_autofree char *file = g_build_filename(real, base, NULL);

		if (fstat(fd, &st) != 0 ||
		    !check_trust(&st, file, false, false, error)) {
			if (error && !*error)
				g_set_error(error, G_FILE_ERROR,
					    g_file_error_from_errno(errno),
					    "%s: %s", file, g_strerror(errno));
			close(fd);
			fd = -1;
		} else {
			*checked = g_steal_pointer(&file);
		}
	}
	g_string_free(walked, TRUE);
	return fd;
}

/* ------------------------------------------------------------------ */
/* Why a backend's init failed                                          */

/* The load running init() on this thread, and what the backend said. */
static __thread struct mdevfs_host *loading_host;
static __thread char *init_message;

/* The first thing said during a load on this thread is its error;
 * anything said at another time goes to stderr. */
static void say(bool loading, char *text)
{
	if (loading) {
		if (!init_message)
			init_message = text;
		else
			g_free(text);
		return;
	}
	fprintf(stderr, "mdevfs: %s\n", text);
	g_free(text);
}

void mdevfs_backend_error(struct mdevfs_host *host, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	say(host && host == loading_host, text);
}

void mdev_backend_say(const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	say(loading_host != NULL, text);
}

/*
 * dlopen() the checked file by its real path, and make sure it is the
 * file open at fd.  (Mapping it as /proc/self/fd/N would name every
 * backend after a descriptor number, and ld.so takes an object loaded
 * under a name for any later one asked for by it.)
 */
static void *dlopen_checked(int fd, const char *file, GError **error)
{
	struct stat want, got;
	void *handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);

	if (!handle) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "cannot load %s: %s", file, dlerror());
		return NULL;
	}
	if (fstat(fd, &want) != 0 || stat(file, &got) != 0 ||
	    want.st_dev != got.st_dev || want.st_ino != got.st_ino) {
		dlclose(handle);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
			    "refusing to load %s: it changed while it was loaded",
			    file);
		return NULL;
	}
	return handle;
}

static const struct mdevfs_plugin *check_plugin(void *handle, const char *path,
						GError **error)
{
	const struct mdevfs_plugin *plugin = dlsym(handle, "mdevfs_plugin");

	if (!plugin) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s is not an mdevfs backend (no mdevfs_plugin symbol)",
			    path);
		return NULL;
	}
	if (plugin->abi_version != MDEVFS_PLUGIN_ABI_VERSION) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s was built for plugin ABI %u, this mdevfs has ABI %u",
			    path, plugin->abi_version, MDEVFS_PLUGIN_ABI_VERSION);
		return NULL;
	}
	if (!plugin->init) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s has no init function", path);
		return NULL;
	}
	return plugin;
}

gboolean mdev_backend_load(struct mdevfs_host *host, const char *spec,
			   const char *const *dirs, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(spec ? spec : "", ":", 2);
	g_autofree char *path = NULL;
	g_autofree char *message = NULL;
	g_autoptr(GError) refused = NULL;
	const struct mdevfs_plugin *plugin;
	struct mdevfs_host *outer_host;
	char *outer_message;
	g_autofree char *checked = NULL;
	struct backend *b;
	void *handle;
	int ret, fd;

	path = find_plugin(parts[0] ? parts[0] : "", dirs, error);
	if (!path)
		return FALSE;
	fd = open_trusted(path, &checked, &refused);
	if (fd < 0) {
		g_set_error(error, G_FILE_ERROR, refused->code,
			    "refusing to load %s: %s", path, refused->message);
		return FALSE;
	}
	handle = dlopen_checked(fd, checked, error);
	close(fd);
	if (!handle)
		return FALSE;
	plugin = check_plugin(handle, path, error);
	if (!plugin) {
		dlclose(handle);
		return FALSE;
	}
	b = g_new0(struct backend, 1);
	b->handle = handle;
	b->plugin = plugin;
	outer_host = loading_host;
	outer_message = init_message;
	loading_host = host;
	init_message = NULL;
	ret = plugin->init(host, parts[1], &b->state);
	message = init_message;
	loading_host = outer_host;
	init_message = outer_message;
	if (ret) {
		if (message)
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
				    "backend %s failed to start: %s", plugin->name,
				    message);
		else
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
				    "backend %s failed to start: %s", plugin->name,
				    g_strerror(ret < 0 ? -ret : ret));
		dlclose(handle);
		g_free(b);
		return FALSE;
	}
	if (message)  /* said something but started: a warning */
		fprintf(stderr, "mdevfs: backend %s: %s\n", plugin->name, message);
	g_mutex_lock(&host->backends_lock);
	if (!host->backends)
		host->backends = g_ptr_array_new();
	g_ptr_array_add(host->backends, b);
	g_mutex_unlock(&host->backends_lock);
	return TRUE;
}

static void backend_free(struct mdevfs_host *host, struct backend *b)
{
	if (b->plugin->exit)
		b->plugin->exit(host, b->state);
	dlclose(b->handle);
	g_free(b);
}

gboolean mdev_backend_unload(struct mdevfs_host *host, const char *name,
			     GError **error)
{
	struct backend *found = NULL;

	g_mutex_lock(&host->backends_lock);
	for (guint i = 0; host->backends && i < host->backends->len; i++) {
		struct backend *b = host->backends->pdata[i];

		if (strcmp(b->plugin->name, name) == 0) {
			found = g_ptr_array_steal_index(host->backends, i);
			break;
		}
	}
	g_mutex_unlock(&host->backends_lock);
	if (!found) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
			    "no backend '%s' is loaded", name);
		return FALSE;
	}
	backend_free(host, found);
	return TRUE;
}

char **mdev_backend_names(struct mdevfs_host *host)
{
	GPtrArray *names = g_ptr_array_new();

	g_mutex_lock(&host->backends_lock);
	for (guint i = 0; host->backends && i < host->backends->len; i++)
		g_ptr_array_add(names, g_strdup(((struct backend *)
						 host->backends->pdata[i])->plugin->name));
	g_mutex_unlock(&host->backends_lock);
	g_ptr_array_add(names, NULL);
	return (char **)g_ptr_array_free(names, FALSE);
}

void mdev_backends_unload(struct mdevfs_host *host)
{
	for (;;) {
		struct backend *b = NULL;

		g_mutex_lock(&host->backends_lock);
		if (host->backends && host->backends->len)
			b = g_ptr_array_steal_index(host->backends,
						    host->backends->len - 1);
		g_mutex_unlock(&host->backends_lock);
		if (!b)
			break;
		backend_free(host, b);
	}
	if (host->backends)
		g_ptr_array_free(host->backends, TRUE);
	host->backends = NULL;
}
