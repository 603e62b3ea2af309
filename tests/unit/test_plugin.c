// SPDX-License-Identifier: MIT
/*
 * Which files the plugin loader trusts (mdevfs-plugin(7), TRUST): only
 * regular files owned by root or the daemon's user, writable by nobody
 * else, in directories with the same properties all the way from /;
 * checked on the open descriptor that is then loaded, so no symlink or
 * rename can put an unchecked file in its place.  Each test loads copies
 * of the built mtty.so from a private directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin.h"
#include "testutil.h"

static char *top;     /* private temporary directory, 0700 */
static char *dir;     /* top/plugins, 0755, holds mtty.so */
static char *so;      /* dir/mtty.so, 0755 */

static void copy_mtty(const char *to)
{
	g_autofree char *data = NULL;
	gsize len = 0;

	ck_assert(g_file_get_contents(MTTY_PATH, &data, &len, NULL));
	ck_assert(g_file_set_contents(to, data, (gssize)len, NULL));
	ck_assert_int_eq(chmod(to, 0755), 0);
}

static void setup(void)
{
	top = g_dir_make_tmp("mdevfs-trust-XXXXXX", NULL);
	ck_assert_ptr_nonnull(top);
	dir = g_build_filename(top, "plugins", NULL);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	so = g_build_filename(dir, "mtty.so", NULL);
	copy_mtty(so);
}

static void teardown(void)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", top);

	ck_assert_int_eq(system(cmd), 0);
	g_clear_pointer(&top, g_free);
	g_clear_pointer(&dir, g_free);
	g_clear_pointer(&so, g_free);
}

/* Load spec; NULL if it loaded (then unloaded), else the message. */
static char *try_load(const char *spec, const char *const *dirs)
{
	struct mdevfs_host *host = mdev_host_new(NULL);
	GError *err = NULL;
	char *msg = NULL;

	if (!mdev_backend_load(host, spec, dirs, &err)) {
		msg = g_strdup(err->message);
		g_error_free(err);
		ck_assert_ptr_null(peek_parent(host, "mtty"));
	} else {
		ck_assert_ptr_nonnull(peek_parent(host, "mtty"));
	}
	mdev_backends_unload(host);
	mdev_host_free(host);
	return msg;
}

static void expect_loads(const char *spec, const char *const *dirs)
{
	g_autofree char *msg = try_load(spec, dirs);

	ck_assert_msg(!msg, "%s: %s", spec, msg);
}

/* Refused with a message naming what and why. */
static void expect_refused(const char *spec, const char *const *dirs,
			   const char *what, const char *why)
{
	g_autofree char *msg = try_load(spec, dirs);

	ck_assert_msg(msg, "%s loaded although it should not", spec);
	ck_assert_msg(strstr(msg, what) && strstr(msg, why),
		      "message '%s' lacks '%s' or '%s'", msg, what, why);
	ck_assert_msg(!strchr(msg, '\n'), "not one line: %s", msg);
}

START_TEST(private_copy_loads)
{
	const char *const dirs[] = { dir, NULL };

	expect_loads(so, NULL);
	expect_loads("mtty", dirs);
	/* Loaded, unloaded and loaded again under reused descriptors. */
	expect_loads(so, NULL);
}
END_TEST

START_TEST(world_writable_dir)
{
	const char *const dirs[] = { dir, NULL };

	ck_assert_int_eq(chmod(dir, 0777), 0);
	expect_refused(so, NULL, dir, "is writable by others");
	expect_refused("mtty", dirs, dir, "is writable by others");
	/* The sticky bit does not make the plugin's own directory safe. */
	ck_assert_int_eq(chmod(dir, 01777), 0);
	expect_refused(so, NULL, dir, "is writable by others");
	ck_assert_int_eq(chmod(dir, 0775), 0);
	expect_refused(so, NULL, dir, "is writable by its group");
}
END_TEST

/* A writable directory higher up can swap the whole subtree. */
START_TEST(writable_ancestor)
{
	ck_assert_int_eq(chmod(top, 0777), 0);
	expect_refused(so, NULL, top, "is writable by others");
	/* Sticky, like /tmp: nobody else may rename plugins/ away. */
	ck_assert_int_eq(chmod(top, 01777), 0);
	expect_loads(so, NULL);
}
END_TEST

START_TEST(writable_file)
{
	ck_assert_int_eq(chmod(so, 0775), 0);
	expect_refused(so, NULL, so, "is writable by its group");
	ck_assert_int_eq(chmod(so, 0757), 0);
	expect_refused(so, NULL, so, "is writable by others");
}
END_TEST

START_TEST(other_owner)
{
	if (geteuid() != 0)
		return;  /* only root can give a file away */
	ck_assert_int_eq(chown(so, 65534, (gid_t)-1), 0);
	expect_refused(so, NULL, so, "is owned by another user");
	ck_assert_int_eq(chown(so, 0, (gid_t)-1), 0);
	ck_assert_int_eq(chmod(so, 0755), 0);
	ck_assert_int_eq(chown(dir, 65534, (gid_t)-1), 0);
	expect_refused(so, NULL, dir, "is owned by another user");
}
END_TEST

/*
 * A symlinked .so is refused (the file is opened with O_NOFOLLOW), even
 * pointing at a trusted file; a symlinked directory is resolved once and
 * the resolved chain checked.
 */
START_TEST(symlinks)
{
	g_autofree char *link = g_build_filename(dir, "link.so", NULL);
	g_autofree char *linkdir = g_build_filename(top, "linkdir", NULL);
	g_autofree char *via = g_build_filename(linkdir, "mtty.so", NULL);
	g_autofree char *open_dir = g_build_filename(top, "open", NULL);
	g_autofree char *open_so = g_build_filename(open_dir, "mtty.so", NULL);
	g_autofree char *via_open = g_build_filename(top, "via-open", NULL);
	g_autofree char *via_open_so = g_build_filename(via_open, "mtty.so", NULL);

	ck_assert_int_eq(symlink(so, link), 0);
	expect_refused(link, NULL, "link.so", "symbolic link");
	ck_assert_int_eq(symlink(dir, linkdir), 0);
	expect_loads(via, NULL);
	/* A trusted-looking link into a world-writable directory. */
	ck_assert_int_eq(mkdir(open_dir, 0777), 0);
	ck_assert_int_eq(chmod(open_dir, 0777), 0);
	copy_mtty(open_so);
	ck_assert_int_eq(symlink(open_dir, via_open), 0);
	expect_refused(via_open_so, NULL, open_dir, "is writable by others");
}
END_TEST

START_TEST(relative_path)
{
	g_autofree char *cwd = g_get_current_dir();

	ck_assert_int_eq(chdir(dir), 0);
	expect_refused("./mtty.so", NULL, "./mtty.so", "must be absolute");
	expect_refused("plugins/mtty.so", NULL, "plugins", "must be absolute");
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

static Suite *plugin_suite(void)
{
	Suite *s = suite_create("plugin");
	TCase *tc = unit_tcase(s, "trust");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, private_copy_loads);
	tcase_add_test(tc, world_writable_dir);
	tcase_add_test(tc, writable_ancestor);
	tcase_add_test(tc, writable_file);
	tcase_add_test(tc, other_owner);
	tcase_add_test(tc, symlinks);
	tcase_add_test(tc, relative_path);
	return s;
}

int main(void)
{
	return run_suite(plugin_suite());
}
