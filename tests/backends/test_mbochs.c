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

/* Every type's count follows from the free megabytes alone. */
static void expect_free_mb(struct bt *bt, unsigned int free_mb)
{
	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++) {
		g_autofree char *want = g_strdup_printf("%u\n",
							free_mb / type_mb[i]);

		bt_expectf(bt, want, T "/%s/available_instances", type_ids[i]);
	}
}

static void expect_avail(struct bt *bt, unsigned int small,
			 unsigned int medium, unsigned int large)
{
	const unsigned int want[] = { small, medium, large };

	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++) {
		g_autofree char *text = g_strdup_printf("%u\n", want[i]);

		bt_expectf(bt, text, T "/%s/available_instances", type_ids[i]);
	}
}

/* bt_remove, and the device is gone before the pool is looked at. */
static void remove_mdev(struct bt *bt, const char *uuid)
{
	g_autofree char *dev = g_strdup_printf("bus/mdev/devices/%s", uuid);

	bt_remove(bt, uuid, "1\n");
	ck_assert(!bt_exists(bt, dev));
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
	bt_expect_list(&bt, T, "mbochs-large mbochs-medium mbochs-small");
	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++) {
		g_autofree char *dir = g_strdup_printf(T "/%s", type_ids[i]);
		g_autofree char *name = g_strdup_printf("%s\n", type_ids[i]);

		bt_expect_type(&bt, dir, name, desc[i], "vfio-pci\n");
	}
	expect_avail(&bt, 64, 16, 4);
	ck_assert(!bt_exists(&bt, P "/mbochs_dev"));
	bt_expect_link(&bt, "class/mdev_bus/mbochs",
		       "../../devices/virtual/mbochs/mbochs");
	bt_expect_list(&bt, "bus/mdev/drivers", "mbochs");
	bt_stop(&bt);
}
END_TEST

START_TEST(mbochs_shared_pool)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mbochs");
	bt_expect_create(&bt, T, "mbochs-medium", U1 "\n", 0);	/* 256 - 16 = 240 */
	expect_avail(&bt, 60, 15, 3);
	bt_expect_create(&bt, T, "mbochs-large", U2, 0);	/* 240 - 64 = 176 */
	expect_avail(&bt, 44, 11, 2);
	bt_expect_create(&bt, T, "mbochs-small", U3, 0);	/* 176 - 4 = 172 */
	expect_avail(&bt, 43, 10, 2);
	remove_mdev(&bt, U1);					/* 172 + 16 = 188 */
	expect_avail(&bt, 47, 11, 2);
	remove_mdev(&bt, U3);					/* 188 + 4 = 192 */
	expect_avail(&bt, 48, 12, 3);
	remove_mdev(&bt, U2);					/* back to 256 */
	expect_avail(&bt, 64, 16, 4);
	bt_expect_list(&bt, "bus/mdev/devices", "");
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
		bt_expect_create(&bt, T, "mbochs-large", large[i], 0);
		expect_free_mb(&bt, 256 - 64 * (unsigned int)(i + 1));
	}
	expect_avail(&bt, 0, 0, 0);
	/* The driver's probe refuses; nothing of the device stays. */
	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++)
		bt_expect_create(&bt, T, type_ids[i], U5, ENOSPC);
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U5));
	ck_assert(!bt_exists(&bt, P "/" U5));
	bt_expect_list(&bt, "bus/mdev/devices", U1 " " U2 " " U3 " " U4);
	expect_avail(&bt, 0, 0, 0);

	remove_mdev(&bt, U3);
	expect_avail(&bt, 16, 4, 1);
	/* The refused UUID was never taken. */
	bt_expect_create(&bt, T, "mbochs-medium", U5, 0);
	expect_avail(&bt, 12, 3, 0);
	bt_expect_create(&bt, T, "mbochs-large", U6, ENOSPC);
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
	bt_expect_create(&bt, T, "mbochs-large", U1, ENOSPC);
	bt_expect_create(&bt, T, "mbochs-medium", U1, 0);	/* 4 MB left */
	expect_avail(&bt, 1, 0, 0);
	bt_expect_create(&bt, T, "mbochs-medium", U2, ENOSPC);
	bt_expect_create(&bt, T, "mbochs-small", U2, 0);
	expect_avail(&bt, 0, 0, 0);
	bt_expect_create(&bt, T, "mbochs-small", U3, ENOSPC);
	bt_stop(&bt);

	bt_start(&bt, NULL);
	bt_load(&bt, "mbochs:count=3");
	expect_avail(&bt, 0, 0, 0);
	bt_expect_create(&bt, T, "mbochs-small", U1, ENOSPC);
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
		/* The parser's reason, not a bare errno. */
		ck_assert_msg(strstr(msg, "failed to start: mbochs: "), "%s: %s",
			      bad[i], msg);
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
		g_autofree char *devs = g_strdup_printf(T "/%s/devices",
							type_ids[i]);
		g_autofree char *dev_link = g_strdup_printf("%s/%s", devs,
							    uuids[i]);
		g_autofree char *dev_target = g_strdup_printf("../../../%s",
							      uuids[i]);

		bt_expect_create(&bt, T, type_ids[i], uuids[i], 0);
		bt_expect(&bt, mem_path, mem[i]);
		bt_expect(&bt, bus_mem, mem[i]);
		ck_assert_uint_eq(bt_mode(&bt, mem_path), S_IFREG | 0444);
		bt_expect_list(&bt, vendor, "memory");
		bt_expect_list(&bt, devs, uuids[i]);
		bt_expect_link(&bt, mdev_type, type_link);
		bt_expect_link(&bt, dev_link, dev_target);
		bt_expect_link(&bt, driver, "../../../../../bus/mdev/drivers/mbochs");
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
	bt_expect_list(&bt, "class/mdev_bus", "mbochs mdpy mtty");
	bt_expect_list(&bt, "bus/mdev/drivers", "mbochs mdpy mtty");
	bt_expect_list(&bt, "devices/virtual", "mbochs mdpy mtty");

	bt_expect_create(&bt, MTTY_T, "mtty-2", U1, 0);
	bt_expect_create(&bt, MDPY_T, "mdpy-hd", U2, 0);
	bt_expect_create(&bt, T, "mbochs-medium", U3, 0);
	bt_expect_list(&bt, "bus/mdev/devices", U1 " " U2 " " U3);
	bt_expect_link(&bt, "bus/mdev/devices/" U1 "/driver",
		       "../../../../../bus/mdev/drivers/mtty");
	bt_expect_link(&bt, "bus/mdev/devices/" U2 "/driver",
		       "../../../../../bus/mdev/drivers/mdpy");
	bt_expect_link(&bt, "bus/mdev/devices/" U3 "/driver",
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
	bt_expect_create(&bt, MDPY_T, "mdpy-vga", U3, EEXIST);
	bt_expect_create(&bt, T, "mbochs-small", U1, EEXIST);
	bt_expect_create(&bt, MTTY_T, "mtty-1", U2, EEXIST);
	bt_expect(&bt, MDPY_T "/mdpy-vga/available_instances", "3\n");
	expect_avail(&bt, 60, 15, 3);

	remove_mdev(&bt, U2);
	bt_expect(&bt, MDPY_T "/mdpy-xga/available_instances", "4\n");
	expect_avail(&bt, 60, 15, 3);
	bt_expect_create(&bt, T, "mbochs-small", U2, 0);
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
