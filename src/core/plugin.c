// SPDX-License-Identifier: MIT
#include "plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

struct backend {
	void *handle;
	const struct mdevfs_plugin *plugin;
	void *state;
};

static char *find_plugin(const char *name, const char *const *dirs,
			 GError **error)
{
	if (strchr(name, '/')) {
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
	const struct mdevfs_plugin *plugin;
	struct backend *b;
	void *handle;
	int ret;

	path = find_plugin(parts[0] ? parts[0] : "", dirs, error);
	if (!path)
		return FALSE;
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "cannot load %s: %s", path, dlerror());
		return FALSE;
	}
	plugin = check_plugin(handle, path, error);
	if (!plugin) {
		dlclose(handle);
		return FALSE;
	}
	b = g_new0(struct backend, 1);
	b->handle = handle;
	b->plugin = plugin;
	ret = plugin->init(host, parts[1], &b->state);
	if (ret) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "backend %s failed to start: %s", plugin->name,
			    g_strerror(ret < 0 ? -ret : ret));
		dlclose(handle);
		g_free(b);
		return FALSE;
	}
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
