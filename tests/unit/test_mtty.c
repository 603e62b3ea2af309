// SPDX-License-Identifier: MIT
/*
 * The mtty backend loaded as a plugin (vendors.md 4.1, kernel.md 5.1): a
 * 24-port pool shared by mtty-1 and mtty-2, ENOSPC when full; and the
 * plugin loader's error messages.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attrs.h"
#include "driver.h"
#include "plugin.h"
#include "testutil.h"

static struct mdevfs_host *h;
static struct mdev_parent *mtty;
static struct mdev_type *mtty1, *mtty2;

static void setup(void)
{
	GError *err = NULL;

	h = mdev_host_new(NULL);
	if (!mdev_backend_load(h, MTTY_PATH, NULL, &err))
		ck_abort_msg("loading mtty: %s", err->message);
	mtty = peek_parent(h, "mtty");
	ck_assert_ptr_nonnull(mtty);
	mtty1 = mdev_parent_find_type(mtty, "mtty-1");
	mtty2 = mdev_parent_find_type(mtty, "mtty-2");
	ck_assert_ptr_nonnull(mtty1);
	ck_assert_ptr_nonnull(mtty2);
}

static void teardown(void)
{
	mdev_backends_unload(h);
	mdev_host_free(h);
	h = NULL;
}

/* A distinct UUID per number. */
static void nth_uuid(unsigned int n, uuid_t out)
{
	char text[37];

	snprintf(text, sizeof(text), "11111111-2222-3333-4444-%012x", n);
	test_uuid(text, out);
}

static int create_nth(struct mdev_type *type, unsigned int n)
{
	uuid_t uuid;

	nth_uuid(n, uuid);
	return mdev_device_create(type, uuid);
}

static int remove_nth(unsigned int n)
{
	uuid_t uuid;
	struct mdev_device *mdev;

	nth_uuid(n, uuid);
	mdev = peek_mdev(h, uuid);
	ck_assert_msg(mdev != NULL, "device %u not found", n);
	return mdev_device_remove(mdev);
}

static void assert_available(int one, int two)
{
	ck_assert_int_eq(mdev_type_available(mtty1), one);
	ck_assert_int_eq(mdev_type_available(mtty2), two);
}

/* ---- the parent and its types ------------------------------------------- */

START_TEST(parent_and_types)
{
	char buf[MDEVFS_ATTR_BUF_SIZE];
	ssize_t len;

	ck_assert_str_eq(dev_name(mtty->dev), "mtty");
	ck_assert_str_eq(mtty->dev->devpath, "devices/virtual/mtty/mtty");
	ck_assert_uint_eq(mtty->nr_types, 2);
	ck_assert_ptr_eq(mtty->types[0], mtty1);
	ck_assert_ptr_eq(mtty->types[1], mtty2);
	ck_assert_str_eq(mtty->ops->device_api, "vfio-pci");
	ck_assert_ptr_null(mtty->ops->show_description);
	len = mdev_type_pretty_name(mtty1, buf);
	ck_assert_int_eq(len, 19);
	ck_assert_str_eq(buf, "Single port serial\n");
	len = mdev_type_pretty_name(mtty2, buf);
	ck_assert_int_eq(len, 17);
	ck_assert_str_eq(buf, "Dual port serial\n");
	ck_assert_ptr_eq(mdev_find_driver(h, "mtty"), mtty->driver);
}
END_TEST

START_TEST(available_at_start)
{
	assert_available(24, 12);
}
END_TEST

START_TEST(available_after_one_dual)
{
	ck_assert_int_eq(create_nth(mtty2, 1), 0);
	assert_available(22, 11);
}
END_TEST

/* The vendors.md mixed example: 21 ports free. */
START_TEST(available_mixed)
{
	ck_assert_int_eq(create_nth(mtty2, 1), 0);
	ck_assert_int_eq(create_nth(mtty1, 2), 0);
	assert_available(21, 10);
	ck_assert_int_eq(remove_nth(1), 0);
	assert_available(23, 11);
	ck_assert_int_eq(remove_nth(2), 0);
	assert_available(24, 12);
}
END_TEST

START_TEST(dual_port_pool_full)
{
	uuid_t uuid;

	for (unsigned int i = 0; i < 12; i++) {
		ck_assert_int_eq(create_nth(mtty2, i), 0);
		ck_assert_int_eq(mdev_type_available(mtty2), (int)(11 - i));
	}
	assert_available(0, 0);
	ck_assert_int_eq(create_nth(mtty2, 12), -ENOSPC);
	ck_assert_int_eq(create_nth(mtty1, 13), -ENOSPC);
	nth_uuid(12, uuid);
	ck_assert_ptr_null(peek_mdev(h, uuid));
	ck_assert_uint_eq(mdev_host_device_count(h), 12);
	assert_available(0, 0);

	/* One dual-port device back makes room for two single ones. */
	ck_assert_int_eq(remove_nth(5), 0);
	assert_available(2, 1);
	ck_assert_int_eq(create_nth(mtty1, 20), 0);
	assert_available(1, 0);
	ck_assert_int_eq(create_nth(mtty2, 21), -ENOSPC);
	ck_assert_int_eq(create_nth(mtty1, 22), 0);
	ck_assert_int_eq(create_nth(mtty1, 23), -ENOSPC);
	ck_assert_uint_eq(mdev_host_device_count(h), 13);
}
END_TEST

START_TEST(single_port_pool_full)
{
	for (unsigned int i = 0; i < 23; i++)
		ck_assert_int_eq(create_nth(mtty1, i), 0);
	/* One port left: no room for a dual-port device. */
	assert_available(1, 0);
	ck_assert_int_eq(create_nth(mtty2, 30), -ENOSPC);
	ck_assert_int_eq(create_nth(mtty1, 23), 0);
	ck_assert_int_eq(create_nth(mtty1, 24), -ENOSPC);
	assert_available(0, 0);
	ck_assert_uint_eq(mdev_host_device_count(h), 24);
}
END_TEST

/* mtty binds its own driver (Era D/E) and gets an IOMMU group. */
START_TEST(bound_to_mtty_driver)
{
	struct mdev_device *mdev;
	uuid_t uuid;

	ck_assert_int_eq(create_nth(mtty2, 7), 0);
	nth_uuid(7, uuid);
	mdev = peek_mdev(h, uuid);
	ck_assert_ptr_nonnull(mdev);
	ck_assert_ptr_nonnull(mdev->driver);
	ck_assert_str_eq(mdev->driver->name, "mtty");
	ck_assert_ptr_eq(mdev->iommu.mdev, mdev);
	ck_assert_int_eq(mdev->iommu.id, 0);
	ck_assert_str_eq(mdev->iommu.name, "0");
	ck_assert_ptr_eq(mdev_get_type(mdev), mtty2);
	ck_assert_int_eq(mdev_get_type_group_id(mdev), 1);
	ck_assert_str_eq(dev_name(mdev_dev(mdev)),
			 "11111111-2222-3333-4444-000000000007");
}
END_TEST

/* Unloading the backend removes its devices and its parent. */
START_TEST(unload_removes_everything)
{
	ck_assert_int_eq(create_nth(mtty2, 1), 0);
	ck_assert_int_eq(create_nth(mtty1, 2), 0);
	mdev_backends_unload(h);
	ck_assert_uint_eq(mdev_host_device_count(h), 0);
	ck_assert_ptr_null(peek_parent(h, "mtty"));
	ck_assert_ptr_null(mdev_find_driver(h, "mtty"));
}
END_TEST

/* ---- loader errors ------------------------------------------------------------ */

static void assert_load_fails(const char *spec, const char *const *dirs,
			      const char *fragment)
{
	struct mdevfs_host *host = mdev_host_new(NULL);
	GError *err = NULL;

	ck_assert(!mdev_backend_load(host, spec, dirs, &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err->message, fragment) != NULL,
		      "message '%s' lacks '%s'", err->message, fragment);
	ck_assert_msg(strchr(err->message, '\n') == NULL,
		      "message '%s' is not one line", err->message);
	ck_assert_ptr_null(peek_parent(host, "mtty"));
	ck_assert(host->backends == NULL || host->backends->len == 0);
	g_error_free(err);
	mdev_host_free(host);
}

START_TEST(load_missing_path)
{
	assert_load_fails("/nonexistent/dir/mtty.so", NULL, "no such file");
}
END_TEST

START_TEST(load_missing_name)
{
	static const char *const dirs[] = { BACKEND_DIR, NULL };

	assert_load_fails("nosuchbackend", dirs, "'nosuchbackend' not found");
	assert_load_fails("nosuchbackend", NULL, "'nosuchbackend' not found");
	assert_load_fails("mtty.so", dirs, "not a backend name");
}
END_TEST

/* An empty spec (mdevfs -o backend=) is refused, not a crash. */
START_TEST(load_empty_name)
{
	static const char *const dirs[] = { BACKEND_DIR, NULL };

	assert_load_fails("", dirs, "not a backend name");
}
END_TEST

START_TEST(load_not_a_shared_object)
{
	GError *err = NULL;
	/* A private directory: /tmp itself is writable by all, refused. */
	char *dir = g_dir_make_tmp("mdevfs-unit-XXXXXX", &err);
	char *path = g_build_filename(dir, "notelf.so", NULL);

	ck_assert_ptr_nonnull(dir);
	ck_assert(g_file_set_contents(path, "not an ELF file\n", 16, NULL));
	assert_load_fails(path, NULL, "cannot load");
	unlink(path);
	rmdir(dir);
	g_free(path);
	g_free(dir);
}
END_TEST

START_TEST(load_no_plugin_symbol)
{
	assert_load_fails(NOPLUGIN_PATH, NULL, "not an mdevfs backend");
}
END_TEST

START_TEST(load_abi_mismatch)
{
	g_autofree char *theirs = g_strdup_printf("ABI %u",
						 MDEVFS_PLUGIN_ABI_VERSION + 1);
	g_autofree char *ours = g_strdup_printf("ABI %u",
					       MDEVFS_PLUGIN_ABI_VERSION);

	assert_load_fails(BADABI_PATH, NULL, theirs);
	assert_load_fails(BADABI_PATH, NULL, ours);
}
END_TEST

START_TEST(load_no_init)
{
	assert_load_fails(NOINIT_PATH, NULL, "no init function");
}
END_TEST

/* mtty takes no arguments: its init fails and nothing stays behind. */
START_TEST(load_init_fails)
{
	assert_load_fails(MTTY_PATH ":ports=4", NULL,
			  "backend mtty failed to start: Invalid argument");
}
END_TEST

START_TEST(load_by_name)
{
	static const char *const dirs[] = { "/nonexistent", BACKEND_DIR, NULL };
	struct mdevfs_host *host = mdev_host_new(NULL);
	GError *err = NULL;
	struct mdev_parent *p;

	ck_assert(mdev_backend_load(host, "mtty", dirs, &err));
	ck_assert_ptr_null(err);
	p = peek_parent(host, "mtty");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(mdev_type_available(p->types[1]), 12);
	mdev_host_free(host);
}
END_TEST

static Suite *mtty_suite(void)
{
	Suite *s = suite_create("mtty");
	TCase *tc = unit_tcase(s, "pool");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, parent_and_types);
	tcase_add_test(tc, available_at_start);
	tcase_add_test(tc, available_after_one_dual);
	tcase_add_test(tc, available_mixed);
	tcase_add_test(tc, dual_port_pool_full);
	tcase_add_test(tc, single_port_pool_full);
	tcase_add_test(tc, bound_to_mtty_driver);
	tcase_add_test(tc, unload_removes_everything);

	tc = unit_tcase(s, "loader");
	tcase_add_test(tc, load_missing_path);
	tcase_add_test(tc, load_missing_name);
	tcase_add_test(tc, load_not_a_shared_object);
	tcase_add_test(tc, load_no_plugin_symbol);
	tcase_add_test(tc, load_abi_mismatch);
	tcase_add_test(tc, load_no_init);
	tcase_add_test(tc, load_init_fails);
	tcase_add_test(tc, load_by_name);

	/* Its own case: it used to crash the process (fixed in c3d9e04);
	 * CK_EXCLUDE_TAGS=crash skips it for CK_FORK=no runs. */
	tc = unit_tcase(s, "loader_empty_spec");
	tcase_set_tags(tc, "crash");
	tcase_add_test(tc, load_empty_name);
	return s;
}

int main(void)
{
	return run_suite(mtty_suite());
}
