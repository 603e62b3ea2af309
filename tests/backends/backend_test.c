// SPDX-License-Identifier: MIT
#include "backend_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

void bt_start(struct bt *bt, const char *profile)
{
	const struct mdev_profile *p = NULL;

	if (profile) {
		p = mdev_profile_find(profile);
		ck_assert_msg(p, "no profile %s", profile);
	}
	bt->host = mdev_host_new(p);
	bt->tree = sysfs_tree_new(bt->host);
}

char *bt_try_load(struct bt *bt, const char *spec)
{
	const char *const dirs[] = { BACKEND_DIR, NULL };
	GError *error = NULL;
	char *msg;

	if (mdev_backend_load(bt->host, spec, dirs, &error))
		return NULL;
	msg = g_strdup(error->message);
	g_error_free(error);
	return msg;
}

void bt_load(struct bt *bt, const char *spec)
{
	char *msg = bt_try_load(bt, spec);

	ck_assert_msg(!msg, "loading %s: %s", spec, msg);
}

void bt_stop(struct bt *bt)
{
	mdev_backends_unload(bt->host);
	sysfs_tree_free(bt->tree);
	mdev_host_free(bt->host);
}

/*
 * Walk path from the root with FUSE lookups, following symlinks met on the
 * way (not a final one); 0 if missing.
 */
static uint64_t walk(struct bt *bt, const char *path, struct stat *st)
{
	GQueue todo = G_QUEUE_INIT;     /* components still to walk */
	GPtrArray *at = g_ptr_array_new();  /* inodes of the dirs walked */
	gchar **parts = g_strsplit(path, "/", -1);
	uint64_t ino = 1;
	int hops = 0;

	for (gchar **p = parts; *p; p++)
		if (**p)
			g_queue_push_tail(&todo, g_strdup(*p));
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFDIR;
	while (ino && !g_queue_is_empty(&todo)) {
		char *name = g_queue_pop_head(&todo);

		if (strcmp(name, "..") == 0) {
			ino = at->len ? (uint64_t)(uintptr_t)g_ptr_array_steal_index(
						at, at->len - 1) : 1;
		} else if (node_lookup(&bt->tree->nodes, ino, name, st, NULL)) {
			ino = 0;
		} else if (S_ISLNK(st->st_mode) && !g_queue_is_empty(&todo)) {
			char *target = NULL;
			gchar **tparts;

			if (++hops > 40 ||
			    node_readlink(&bt->tree->nodes, st->st_ino, &target))
				ino = 0;
			tparts = g_strsplit(target ? target : "", "/", -1);
			for (guint i = g_strv_length(tparts); i > 0; i--)
				if (*tparts[i - 1])
					g_queue_push_head(&todo, g_strdup(tparts[i - 1]));
			g_strfreev(tparts);
			g_free(target);
		} else {
			g_ptr_array_add(at, (gpointer)(uintptr_t)ino);
			ino = st->st_ino;
		}
		g_free(name);
	}
	g_queue_clear_full(&todo, g_free);
	g_ptr_array_free(at, TRUE);
	g_strfreev(parts);
	return ino;
}

bool bt_exists(struct bt *bt, const char *path)
{
	struct stat st;

	return walk(bt, path, &st) != 0;
}

unsigned int bt_mode(struct bt *bt, const char *path)
{
	struct stat st;

	return walk(bt, path, &st) ? st.st_mode : 0;
}

GBytes *bt_read_bytes(struct bt *bt, const char *path, int *err)
{
	struct stat st;
	uint64_t ino = walk(bt, path, &st);
	struct node_file *file;
	char buf[4096];
	ssize_t len;
	int ret;

	if (!ino) {
		*err = ENOENT;
		return NULL;
	}
	ret = node_open(&bt->tree->nodes, ino, O_RDONLY, true, &file);
	if (ret) {
		*err = -ret;
		return NULL;
	}
	len = node_read(&bt->tree->nodes, file, buf, sizeof(buf), 0);
	node_release(&bt->tree->nodes, file);
	if (len < 0) {
		*err = (int)-len;
		return NULL;
	}
	return g_bytes_new(buf, (size_t)len);
}

char *bt_read(struct bt *bt, const char *path, int *err)
{
	g_autoptr(GBytes) bytes = bt_read_bytes(bt, path, err);
	gsize len;
	const char *data = bytes ? g_bytes_get_data(bytes, &len) : NULL;

	return data ? g_strndup(data, len) : bytes ? g_strdup("") : NULL;
}

int bt_write(struct bt *bt, const char *path, const char *text)
{
	struct stat st;
	uint64_t ino = walk(bt, path, &st);
	struct node_file *file;
	ssize_t len;
	int ret;

	if (!ino)
		return ENOENT;
	ret = node_open(&bt->tree->nodes, ino, O_WRONLY, true, &file);
	if (ret)
		return -ret;
	len = node_write(&bt->tree->nodes, file, text, strlen(text), 0);
	node_release(&bt->tree->nodes, file);
	return len < 0 ? (int)-len : 0;
}

char *bt_readlink(struct bt *bt, const char *path)
{
	struct stat st;
	uint64_t ino = walk(bt, path, &st);
	char *target = NULL;

	if (!ino || node_readlink(&bt->tree->nodes, ino, &target))
		return NULL;
	return target;
}

static bool collect(void *ctx, const char *name, uint64_t ino, mode_t type,
		    off_t next_off)
{
	(void)ino;
	(void)type;
	(void)next_off;
	if (strcmp(name, ".") && strcmp(name, ".."))
		g_ptr_array_add(ctx, g_strdup(name));
	return true;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *bt_list(struct bt *bt, const char *path)
{
	struct stat st;
	uint64_t ino = walk(bt, path, &st);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	char *joined;

	if (ino)
		node_readdir(&bt->tree->nodes, ino, 0, collect, names);
	g_ptr_array_sort(names, by_name);
	g_ptr_array_add(names, NULL);
	joined = g_strjoinv(" ", (char **)names->pdata);
	g_ptr_array_free(names, TRUE);
	return joined;
}

void bt_expectf(struct bt *bt, const char *want, const char *fmt, ...)
{
	va_list ap;
	char *path;

	va_start(ap, fmt);
	path = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	bt_expect(bt, path, want);
	g_free(path);
}

void bt_expect_read_error(struct bt *bt, const char *path, int want)
{
	int err = 0;
	char *got = bt_read(bt, path, &err);

	ck_assert_msg(!got, "read %s gave '%s'", path, got);
	ck_assert_msg(err == want, "read %s: got %s, want %s", path,
		      g_strerror(err), g_strerror(want));
}

void bt_expect_link(struct bt *bt, const char *path, const char *want)
{
	char *got = bt_readlink(bt, path);

	ck_assert_msg(got, "no link %s", path);
	ck_assert_msg(strcmp(got, want) == 0, "%s -> %s, want %s", path, got,
		      want);
	g_free(got);
}

void bt_expect_list(struct bt *bt, const char *path, const char *want)
{
	char *got = bt_list(bt, path);

	ck_assert_msg(strcmp(got, want) == 0, "ls %s: got '%s', want '%s'",
		      path, got, want);
	g_free(got);
}

void bt_expect_type(struct bt *bt, const char *dir, const char *name,
		    const char *desc, const char *api)
{
	static const struct {
		const char *file;
		unsigned int mode;
	} modes[] = {
		{ "create", S_IFREG | 0200 },
		{ "name", S_IFREG | 0444 },
		{ "description", S_IFREG | 0444 },
		{ "device_api", S_IFREG | 0444 },
		{ "available_instances", S_IFREG | 0444 },
		{ "devices", S_IFDIR | 0755 },
	};
	char *devices = g_strdup_printf("%s/devices", dir);

	bt_expect_list(bt, dir, "available_instances create description "
				"device_api devices name");
	bt_expectf(bt, name, "%s/name", dir);
	bt_expectf(bt, desc, "%s/description", dir);
	bt_expectf(bt, api, "%s/device_api", dir);
	for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
		char *path = g_strdup_printf("%s/%s", dir, modes[i].file);
		unsigned int mode = bt_mode(bt, path);

		ck_assert_msg(mode == modes[i].mode,
			      "mode of %s: 0%o, want 0%o", path, mode,
			      modes[i].mode);
		g_free(path);
	}
	bt_expect_list(bt, devices, "");
	g_free(devices);
}

void bt_expect_create(struct bt *bt, const char *types, const char *type,
		      const char *uuid, int want)
{
	char *path = g_strdup_printf("%s/%s/create", types, type);
	int got = bt_write(bt, path, uuid);

	ck_assert_msg(got == want, "create %s in %s: got %s, want %s", uuid,
		      path, g_strerror(got), g_strerror(want));
	g_free(path);
}

void bt_remove(struct bt *bt, const char *uuid, const char *text)
{
	char *path = g_strdup_printf("bus/mdev/devices/%s/remove", uuid);

	bt_expect_write(bt, path, text, 0);
	g_free(path);
}

int bt_run(Suite *suite)
{
	SRunner *runner = srunner_create(suite);
	int failed;

	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
