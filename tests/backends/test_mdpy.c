// SPDX-License-Identifier: MIT
/*
 * The mdpy backend seen through the tree (Era E): three display types that
 * share the core's instance counter, so one number moves on every type.
 */
#include <errno.h>
#include <string.h>

#include "backend_test.h"

#define P "devices/virtual/mdpy/mdpy"
#define T P "/mdev_supported_types"
#define U1 "5c3d0a0e-7a1f-4f0e-9a55-000000000001"
#define U2 "5c3d0a0e-7a1f-4f0e-9a55-000000000002"
#define U3 "5c3d0a0e-7a1f-4f0e-9a55-000000000003"
#define U4 "5c3d0a0e-7a1f-4f0e-9a55-000000000004"
#define U5 "5c3d0a0e-7a1f-4f0e-9a55-000000000005"

static const char *const type_ids[] = { "mdpy-vga", "mdpy-xga", "mdpy-hd" };

/* The one shared counter: every type shows the same number. */
static void expect_avail_all(struct bt *bt, unsigned int n)
{
	g_autofree char *want = g_strdup_printf("%u\n", n);

	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++)
		bt_expectf(bt, want, T "/%s/available_instances", type_ids[i]);
}

START_TEST(mdpy_type_directories)
{
	static const char *const desc[] = {
		"virtual display, 640x480 framebuffer\n",
		"virtual display, 1024x768 framebuffer\n",
		"virtual display, 1920x1080 framebuffer\n",
	};
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mdpy");
	bt_expect_list(&bt, T, "mdpy-hd mdpy-vga mdpy-xga");
	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++) {
		g_autofree char *dir = g_strdup_printf(T "/%s", type_ids[i]);
		g_autofree char *name = g_strdup_printf("%s\n", type_ids[i]);

		bt_expect_type(&bt, dir, name, desc[i], "vfio-pci\n");
		bt_expectf(&bt, "4\n", "%s/available_instances", dir);
	}
	/* Era E shows no parent vendor groups, and mdpy has none anyway. */
	ck_assert(!bt_exists(&bt, P "/mdpy_dev"));
	bt_expect_link(&bt, "class/mdev_bus/mdpy", "../../devices/virtual/mdpy/mdpy");
	bt_expect_list(&bt, "bus/mdev/drivers", "mdpy");
	bt_stop(&bt);
}
END_TEST

START_TEST(mdpy_one_counter_for_all_types)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mdpy");
	bt_expect_create(&bt, T, "mdpy-xga", U1 "\n", 0);
	expect_avail_all(&bt, 3);
	bt_expect_create(&bt, T, "mdpy-vga", U2, 0);
	expect_avail_all(&bt, 2);
	bt_expect_create(&bt, T, "mdpy-hd", U3, 0);
	expect_avail_all(&bt, 1);
	bt_expect_create(&bt, T, "mdpy-hd", U4, 0);
	expect_avail_all(&bt, 0);
	/* The core refuses the fifth before the driver sees it, on any type. */
	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++)
		bt_expect_create(&bt, T, type_ids[i], U5, EUSERS);
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U5));
	ck_assert(!bt_exists(&bt, P "/" U5));
	expect_avail_all(&bt, 0);
	bt_expect_list(&bt, "bus/mdev/devices", U1 " " U2 " " U3 " " U4);
	bt_expect_list(&bt, T "/mdpy-hd/devices", U3 " " U4);

	/* A remove of any type gives the one instance back to every type. */
	bt_remove(&bt, U1, "1");
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U1));
	expect_avail_all(&bt, 1);
	bt_expect_create(&bt, T, "mdpy-vga", U5, 0);
	expect_avail_all(&bt, 0);
	bt_expect_create(&bt, T, "mdpy-vga", U1, EUSERS);
	/* bt_stop unloads with four devices left: exit must tear them down. */
	bt_stop(&bt);
}
END_TEST

START_TEST(mdpy_device_files)
{
	static const char *const res[] = { "640x480\n", "1024x768\n",
					   "1920x1080\n" };
	static const char *const uuids[] = { U1, U2, U3 };
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mdpy");
	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++) {
		g_autofree char *dev = g_strdup_printf(P "/%s", uuids[i]);
		g_autofree char *vendor = g_strdup_printf("%s/vendor", dev);
		g_autofree char *res_path = g_strdup_printf("%s/resolution",
							    vendor);
		g_autofree char *bus_res = g_strdup_printf(
			"bus/mdev/devices/%s/vendor/resolution", uuids[i]);
		g_autofree char *type_link = g_strdup_printf(
			"../mdev_supported_types/%s", type_ids[i]);
		g_autofree char *mdev_type = g_strdup_printf("%s/mdev_type", dev);
		g_autofree char *driver = g_strdup_printf("%s/driver", dev);
		g_autofree char *remove = g_strdup_printf("%s/remove", dev);
		g_autofree char *bus_link = g_strdup_printf("bus/mdev/devices/%s",
							    uuids[i]);
		g_autofree char *bus_target = g_strdup_printf(
			"../../../" P "/%s", uuids[i]);

		bt_expect_create(&bt, T, type_ids[i], uuids[i], 0);
		bt_expect(&bt, res_path, res[i]);
		bt_expect(&bt, bus_res, res[i]);
		ck_assert_uint_eq(bt_mode(&bt, res_path), S_IFREG | 0444);
		ck_assert_uint_eq(bt_mode(&bt, remove), S_IFREG | 0200);
		bt_expect_list(&bt, vendor, "resolution");
		bt_expect_link(&bt, mdev_type, type_link);
		bt_expect_link(&bt, driver, "../../../../../bus/mdev/drivers/mdpy");
		bt_expect_link(&bt, bus_link, bus_target);
	}
	bt_expect_list(&bt, "bus/mdev/drivers/mdpy",
		       U1 " " U2 " " U3 " bind uevent unbind");
	/* Writing to a read-only vendor file is refused at open. */
	bt_expect_write(&bt, P "/" U1 "/vendor/resolution", "1x1", EACCES);
	bt_expect_write(&bt, P "/" U2 "/remove", "1\n", 0);
	ck_assert(!bt_exists(&bt, P "/" U2));
	bt_stop(&bt);
}
END_TEST

START_TEST(mdpy_count_argument)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mdpy:count=2");
	expect_avail_all(&bt, 2);
	bt_expect_create(&bt, T, "mdpy-hd", U1, 0);
	bt_expect_create(&bt, T, "mdpy-vga", U2, 0);
	expect_avail_all(&bt, 0);
	bt_expect_create(&bt, T, "mdpy-xga", U3, EUSERS);
	bt_stop(&bt);

	bt_start(&bt, NULL);
	bt_load(&bt, "mdpy:count=1");
	expect_avail_all(&bt, 1);
	bt_expect_create(&bt, T, "mdpy-vga", U1, 0);
	bt_expect_create(&bt, T, "mdpy-vga", U2, EUSERS);
	bt_stop(&bt);

	/* An empty argument text is no argument: the default 4. */
	bt_start(&bt, NULL);
	bt_load(&bt, "mdpy:");
	expect_avail_all(&bt, 4);
	bt_stop(&bt);

	bt_start(&bt, NULL);
	bt_load(&bt, "mdpy:count=2147483647");
	expect_avail_all(&bt, 2147483647u);
	bt_stop(&bt);
}
END_TEST

START_TEST(mdpy_bad_arguments)
{
	static const char *const bad[] = {
		"mdpy:count=0", "mdpy:count=", "mdpy:count=-1", "mdpy:count=+2",
		"mdpy:count= 2", "mdpy:count=2 ", "mdpy:count=2x",
		"mdpy:count=0x4", "mdpy:count=2147483648",
		"mdpy:count=99999999999999999999999", "mdpy:size=2",
		"mdpy:count", "mdpy:COUNT=2", "mdpy:count=2,count=3",
	};
	struct bt bt;

	bt_start(&bt, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *msg = bt_try_load(&bt, bad[i]);

		ck_assert_msg(msg, "%s was accepted", bad[i]);
		/* The parser's reason, not a bare errno. */
		ck_assert_msg(strstr(msg, "failed to start: mdpy: "), "%s: %s",
			      bad[i], msg);
		/* A refused start leaves nothing behind. */
		ck_assert(!bt_exists(&bt, P));
		ck_assert(!bt_exists(&bt, "class/mdev_bus/mdpy"));
	}
	/* ... so a good load in the same host still works. */
	bt_load(&bt, "mdpy:count=3");
	expect_avail_all(&bt, 3);
	bt_stop(&bt);
}
END_TEST

START_TEST(mdpy_loaded_twice)
{
	struct bt bt;
	g_autofree char *msg = NULL;

	bt_start(&bt, NULL);
	bt_load(&bt, "mdpy");
	bt_expect_create(&bt, T, "mdpy-vga", U1, 0);
	/* The second instance cannot have devices/virtual/mdpy/mdpy too. */
	msg = bt_try_load(&bt, "mdpy:count=2");
	ck_assert_msg(msg, "a second mdpy was accepted");
	expect_avail_all(&bt, 3);
	ck_assert(bt_exists(&bt, "bus/mdev/devices/" U1));
	bt_stop(&bt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-mdpy");
	TCase *tc = tcase_create("files");

	tcase_add_test(tc, mdpy_type_directories);
	tcase_add_test(tc, mdpy_one_counter_for_all_types);
	tcase_add_test(tc, mdpy_device_files);
	tcase_add_test(tc, mdpy_count_argument);
	tcase_add_test(tc, mdpy_bad_arguments);
	tcase_add_test(tc, mdpy_loaded_twice);
	suite_add_tcase(s, tc);
	return bt_run(s);
}
