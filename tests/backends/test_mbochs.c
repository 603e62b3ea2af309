// SPDX-License-Identifier: MIT
/*
 * The mbochs backend seen through the tree (Era E): three types that draw
 * video memory from one pool, so a create moves every type's
 * available_instances by its own division; plus all three kernel samples
 * side by side in one host.
 */
#include <errno.h>
#include <string.h>

#include "backend_test.h"

#define P "devices/virtual/mbochs/mbochs"
#define T P "/mdev_supported_types"
#define U1 "9e0f1c2a-6b4d-4c8e-8f10-00000000000a"
#define U2 "9e0f1c2a-6b4d-4c8e-8f10-00000000000b"
#define U3 "9e0f1c2a-6b4d-4c8e-8f10-00000000000c"
#define U4 "9e0f1c2a-6b4d-4c8e-8f10-00000000000d"
#define U5 "9e0f1c2a-6b4d-4c8e-8f10-00000000000e"
#define U6 "9e0f1c2a-6b4d-4c8e-8f10-00000000000f"

static const char *const type_ids[] = { "mbochs-small", "mbochs-medium",
					"mbochs-large" };
static const unsigned int type_mb[] = { 4, 16, 64 };

static char *type_path(const char *type, const char *file)
{
	return g_strdup_printf(T "/%s/%s", type, file);
}

static void expect_type_file(struct bt *bt, const char *type, const char *file,
			     const char *want)
{
	g_autofree char *path = type_path(type, file);

	bt_expect(bt, path, want);
}

/* Every type's count follows from the free megabytes alone. */
static void expect_free_mb(struct bt *bt, unsigned int free_mb)
{
	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++) {
		g_autofree char *want = g_strdup_printf("%u\n",
							free_mb / type_mb[i]);

		expect_type_file(bt, type_ids[i], "available_instances", want);
	}
}

static void expect_avail(struct bt *bt, unsigned int small,
			 unsigned int medium, unsigned int large)
{
	const unsigned int want[] = { small, medium, large };

	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++) {
		g_autofree char *text = g_strdup_printf("%u\n", want[i]);

		expect_type_file(bt, type_ids[i], "available_instances", text);
	}
}

static void create_in(struct bt *bt, const char *types, const char *type,
		      const char *uuid, int err)
{
	g_autofree char *path = g_strdup_printf("%s/%s/create", types, type);

	bt_expect_write(bt, path, uuid, err);
}

static void create(struct bt *bt, const char *type, const char *uuid, int err)
{
	create_in(bt, T, type, uuid, err);
}

static void remove_mdev(struct bt *bt, const char *uuid)
{
	g_autofree char *path = g_strdup_printf("bus/mdev/devices/%s/remove",
						uuid);
	g_autofree char *dev = g_strdup_printf("bus/mdev/devices/%s", uuid);

	bt_expect_write(bt, path, "1\n", 0);
	ck_assert(!bt_exists(bt, dev));
}

static void expect_list(struct bt *bt, const char *path, const char *want)
{
	g_autofree char *got = bt_list(bt, path);

	ck_assert_str_eq(got, want);
}

static void expect_link(struct bt *bt, const char *path, const char *want)
{
	g_autofree char *got = bt_readlink(bt, path);

	ck_assert_msg(got, "no link %s", path);
	ck_assert_str_eq(got, want);
}

START_TEST(mbochs_type_directories)
{
	static const char *const desc[] = {
		"virtual display, 4 MB video memory\n",
		"virtual display, 16 MB video memory\n",
		"virtual display, 64 MB video memory\n",
	};
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mbochs");
	expect_list(&bt, T, "mbochs-large mbochs-medium mbochs-small");
	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++) {
		const char *id = type_ids[i];
		g_autofree char *dir = g_strdup_printf(T "/%s", id);
		g_autofree char *name = g_strdup_printf("%s\n", id);
		g_autofree char *create_path = type_path(id, "create");
		g_autofree char *name_path = type_path(id, "name");
		g_autofree char *desc_path = type_path(id, "description");
		g_autofree char *api_path = type_path(id, "device_api");
		g_autofree char *avail_path = type_path(id, "available_instances");
		g_autofree char *devs_path = type_path(id, "devices");

		expect_list(&bt, dir, "available_instances create description "
				      "device_api devices name");
		expect_type_file(&bt, id, "name", name);
		expect_type_file(&bt, id, "description", desc[i]);
		expect_type_file(&bt, id, "device_api", "vfio-pci\n");
		ck_assert_uint_eq(bt_mode(&bt, create_path), S_IFREG | 0200);
		ck_assert_uint_eq(bt_mode(&bt, name_path), S_IFREG | 0444);
		ck_assert_uint_eq(bt_mode(&bt, desc_path), S_IFREG | 0444);
		ck_assert_uint_eq(bt_mode(&bt, api_path), S_IFREG | 0444);
		ck_assert_uint_eq(bt_mode(&bt, avail_path), S_IFREG | 0444);
		ck_assert_uint_eq(bt_mode(&bt, devs_path), S_IFDIR | 0755);
		expect_list(&bt, devs_path, "");
	}
	expect_avail(&bt, 64, 16, 4);
	ck_assert(!bt_exists(&bt, P "/mbochs_dev"));
	expect_link(&bt, "class/mdev_bus/mbochs",
		    "../../devices/virtual/mbochs/mbochs");
	expect_list(&bt, "bus/mdev/drivers", "mbochs");
	bt_stop(&bt);
}
END_TEST

START_TEST(mbochs_shared_pool)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mbochs");
	create(&bt, "mbochs-medium", U1 "\n", 0);	/* 256 - 16 = 240 */
	expect_avail(&bt, 60, 15, 3);
	create(&bt, "mbochs-large", U2, 0);		/* 240 - 64 = 176 */
	expect_avail(&bt, 44, 11, 2);
	create(&bt, "mbochs-small", U3, 0);		/* 176 - 4 = 172 */
	expect_avail(&bt, 43, 10, 2);
	remove_mdev(&bt, U1);				/* 172 + 16 = 188 */
	expect_avail(&bt, 47, 11, 2);
	remove_mdev(&bt, U3);				/* 188 + 4 = 192 */
	expect_avail(&bt, 48, 12, 3);
	remove_mdev(&bt, U2);				/* back to 256 */
	expect_avail(&bt, 64, 16, 4);
	expect_list(&bt, "bus/mdev/devices", "");
	bt_stop(&bt);
}
END_TEST

START_TEST(mbochs_exhaustion)
{
	static const char *const large[] = { U1, U2, U3, U4 };
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mbochs");
	for (size_t i = 0; i < G_N_ELEMENTS(large); i++) {
		create(&bt, "mbochs-large", large[i], 0);
		expect_free_mb(&bt, 256 - 64 * (unsigned int)(i + 1));
	}
	expect_avail(&bt, 0, 0, 0);
	/* The driver's probe refuses; nothing of the device stays. */
	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++)
		create(&bt, type_ids[i], U5, ENOSPC);
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U5));
	ck_assert(!bt_exists(&bt, P "/" U5));
	expect_list(&bt, "bus/mdev/devices", U1 " " U2 " " U3 " " U4);
	expect_avail(&bt, 0, 0, 0);

	remove_mdev(&bt, U3);
	expect_avail(&bt, 16, 4, 1);
	/* The refused UUID was never taken. */
	create(&bt, "mbochs-medium", U5, 0);
	expect_avail(&bt, 12, 3, 0);
	create(&bt, "mbochs-large", U6, ENOSPC);
	/* Unloading with devices left must give all memory back cleanly. */
	bt_stop(&bt);
}
END_TEST

/* A pool that is not a multiple of every type leaves odd remainders. */
START_TEST(mbochs_count_argument)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mbochs:count=20");
	expect_avail(&bt, 5, 1, 0);
	create(&bt, "mbochs-large", U1, ENOSPC);
	create(&bt, "mbochs-medium", U1, 0);		/* 4 MB left */
	expect_avail(&bt, 1, 0, 0);
	create(&bt, "mbochs-medium", U2, ENOSPC);
	create(&bt, "mbochs-small", U2, 0);
	expect_avail(&bt, 0, 0, 0);
	create(&bt, "mbochs-small", U3, ENOSPC);
	bt_stop(&bt);

	bt_start(&bt, NULL);
	bt_load(&bt, "mbochs:count=3");
	expect_avail(&bt, 0, 0, 0);
	create(&bt, "mbochs-small", U1, ENOSPC);
	bt_stop(&bt);

	bt_start(&bt, NULL);
	bt_load(&bt, "mbochs:count=1024");
	expect_avail(&bt, 256, 64, 16);
	bt_stop(&bt);

	bt_start(&bt, NULL);
	bt_load(&bt, "mbochs:");
	expect_avail(&bt, 64, 16, 4);
	bt_stop(&bt);
}
END_TEST

START_TEST(mbochs_bad_arguments)
{
	static const char *const bad[] = {
		"mbochs:count=0", "mbochs:count=", "mbochs:count=-256",
		"mbochs:count=+256", "mbochs:count= 256", "mbochs:count=256\n",
		"mbochs:count=256MB", "mbochs:count=0x100",
		"mbochs:count=2147483648", "mbochs:count=184467440737095516160",
		"mbochs:mem=256", "mbochs:count",
	};
	struct bt bt;

	bt_start(&bt, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *msg = bt_try_load(&bt, bad[i]);

		ck_assert_msg(msg, "%s was accepted", bad[i]);
		ck_assert_msg(strstr(msg, "Invalid argument"), "%s: %s", bad[i],
			      msg);
		ck_assert(!bt_exists(&bt, P));
		ck_assert(!bt_exists(&bt, "class/mdev_bus/mbochs"));
	}
	bt_load(&bt, "mbochs:count=64");
	expect_avail(&bt, 16, 4, 1);
	bt_stop(&bt);
}
END_TEST

START_TEST(mbochs_device_files)
{
	static const char *const mem[] = { "4 MB\n", "16 MB\n", "64 MB\n" };
	static const char *const uuids[] = { U1, U2, U3 };
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mbochs");
	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++) {
		g_autofree char *dev = g_strdup_printf(P "/%s", uuids[i]);
		g_autofree char *vendor = g_strdup_printf("%s/vendor", dev);
		g_autofree char *mem_path = g_strdup_printf("%s/memory", vendor);
		g_autofree char *bus_mem = g_strdup_printf(
			"bus/mdev/devices/%s/vendor/memory", uuids[i]);
		g_autofree char *type_link = g_strdup_printf(
			"../mdev_supported_types/%s", type_ids[i]);
		g_autofree char *mdev_type = g_strdup_printf("%s/mdev_type", dev);
		g_autofree char *driver = g_strdup_printf("%s/driver", dev);
		g_autofree char *devs = type_path(type_ids[i], "devices");
		g_autofree char *dev_link = g_strdup_printf("%s/%s", devs,
							    uuids[i]);
		g_autofree char *dev_target = g_strdup_printf("../../../%s",
							      uuids[i]);

		create(&bt, type_ids[i], uuids[i], 0);
		bt_expect(&bt, mem_path, mem[i]);
		bt_expect(&bt, bus_mem, mem[i]);
		ck_assert_uint_eq(bt_mode(&bt, mem_path), S_IFREG | 0444);
		expect_list(&bt, vendor, "memory");
		expect_list(&bt, devs, uuids[i]);
		expect_link(&bt, mdev_type, type_link);
		expect_link(&bt, dev_link, dev_target);
		expect_link(&bt, driver, "../../../../../bus/mdev/drivers/mbochs");
	}
	expect_avail(&bt, 43, 10, 2);	/* 256 - 84 = 172 */
	bt_stop(&bt);
}
END_TEST

#define MDPY_T "devices/virtual/mdpy/mdpy/mdev_supported_types"
#define MTTY_T "devices/virtual/mtty/mtty/mdev_supported_types"

/* The three kernel samples side by side: separate parents, one UUID space. */
START_TEST(three_samples_together)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mtty");
	bt_load(&bt, "mdpy");
	bt_load(&bt, "mbochs");
	expect_list(&bt, "class/mdev_bus", "mbochs mdpy mtty");
	expect_list(&bt, "bus/mdev/drivers", "mbochs mdpy mtty");
	expect_list(&bt, "devices/virtual", "mbochs mdpy mtty");

	create_in(&bt, MTTY_T, "mtty-2", U1, 0);
	create_in(&bt, MDPY_T, "mdpy-hd", U2, 0);
	create(&bt, "mbochs-medium", U3, 0);
	expect_list(&bt, "bus/mdev/devices", U1 " " U2 " " U3);
	expect_link(&bt, "bus/mdev/devices/" U1 "/driver",
		    "../../../../../bus/mdev/drivers/mtty");
	expect_link(&bt, "bus/mdev/devices/" U2 "/driver",
		    "../../../../../bus/mdev/drivers/mdpy");
	expect_link(&bt, "bus/mdev/devices/" U3 "/driver",
		    "../../../../../bus/mdev/drivers/mbochs");
	bt_expect(&bt, "bus/mdev/devices/" U1 "/vendor/sample_mdev_dev",
		  "This is MDEV " U1 "\n");
	bt_expect(&bt, "bus/mdev/devices/" U2 "/vendor/resolution",
		  "1920x1080\n");
	bt_expect(&bt, "bus/mdev/devices/" U3 "/vendor/memory", "16 MB\n");

	/* Each budget moved on its own parent only. */
	bt_expect(&bt, MTTY_T "/mtty-1/available_instances", "22\n");
	bt_expect(&bt, MDPY_T "/mdpy-vga/available_instances", "3\n");
	expect_avail(&bt, 60, 15, 3);

	/* A UUID taken on one parent is taken on all of them. */
	create_in(&bt, MDPY_T, "mdpy-vga", U3, EEXIST);
	create(&bt, "mbochs-small", U1, EEXIST);
	create_in(&bt, MTTY_T, "mtty-1", U2, EEXIST);
	bt_expect(&bt, MDPY_T "/mdpy-vga/available_instances", "3\n");
	expect_avail(&bt, 60, 15, 3);

	remove_mdev(&bt, U2);
	bt_expect(&bt, MDPY_T "/mdpy-xga/available_instances", "4\n");
	expect_avail(&bt, 60, 15, 3);
	create(&bt, "mbochs-small", U2, 0);
	expect_avail(&bt, 59, 14, 3);
	bt_stop(&bt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-mbochs");
	TCase *tc = tcase_create("files");

	tcase_add_test(tc, mbochs_type_directories);
	tcase_add_test(tc, mbochs_shared_pool);
	tcase_add_test(tc, mbochs_exhaustion);
	tcase_add_test(tc, mbochs_count_argument);
	tcase_add_test(tc, mbochs_bad_arguments);
	tcase_add_test(tc, mbochs_device_files);
	tcase_add_test(tc, three_samples_together);
	suite_add_tcase(s, tc);
	return bt_run(s);
}
