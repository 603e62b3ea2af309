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

/* The one shared counter: every type shows the same number. */
static void expect_avail_all(struct bt *bt, unsigned int n)
{
	g_autofree char *want = g_strdup_printf("%u\n", n);

	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++)
		expect_type_file(bt, type_ids[i], "available_instances", want);
}

static void create(struct bt *bt, const char *type, const char *uuid, int err)
{
	g_autofree char *path = type_path(type, "create");

	bt_expect_write(bt, path, uuid, err);
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
	expect_list(&bt, T, "mdpy-hd mdpy-vga mdpy-xga");
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
		expect_type_file(&bt, id, "available_instances", "4\n");
		ck_assert_uint_eq(bt_mode(&bt, create_path), S_IFREG | 0200);
		ck_assert_uint_eq(bt_mode(&bt, name_path), S_IFREG | 0444);
		ck_assert_uint_eq(bt_mode(&bt, desc_path), S_IFREG | 0444);
		ck_assert_uint_eq(bt_mode(&bt, api_path), S_IFREG | 0444);
		ck_assert_uint_eq(bt_mode(&bt, avail_path), S_IFREG | 0444);
		ck_assert_uint_eq(bt_mode(&bt, devs_path), S_IFDIR | 0755);
		expect_list(&bt, devs_path, "");
	}
	/* Era E shows no parent vendor groups, and mdpy has none anyway. */
	ck_assert(!bt_exists(&bt, P "/mdpy_dev"));
	expect_link(&bt, "class/mdev_bus/mdpy", "../../devices/virtual/mdpy/mdpy");
	expect_list(&bt, "bus/mdev/drivers", "mdpy");
	bt_stop(&bt);
}
END_TEST

START_TEST(mdpy_one_counter_for_all_types)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mdpy");
	create(&bt, "mdpy-xga", U1 "\n", 0);
	expect_avail_all(&bt, 3);
	create(&bt, "mdpy-vga", U2, 0);
	expect_avail_all(&bt, 2);
	create(&bt, "mdpy-hd", U3, 0);
	expect_avail_all(&bt, 1);
	create(&bt, "mdpy-hd", U4, 0);
	expect_avail_all(&bt, 0);
	/* The core refuses the fifth before the driver sees it, on any type. */
	for (size_t i = 0; i < G_N_ELEMENTS(type_ids); i++)
		create(&bt, type_ids[i], U5, EUSERS);
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U5));
	ck_assert(!bt_exists(&bt, P "/" U5));
	expect_avail_all(&bt, 0);
	expect_list(&bt, "bus/mdev/devices", U1 " " U2 " " U3 " " U4);
	expect_list(&bt, T "/mdpy-hd/devices", U3 " " U4);

	/* A remove of any type gives the one instance back to every type. */
	bt_expect_write(&bt, "bus/mdev/devices/" U1 "/remove", "1", 0);
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U1));
	expect_avail_all(&bt, 1);
	create(&bt, "mdpy-vga", U5, 0);
	expect_avail_all(&bt, 0);
	create(&bt, "mdpy-vga", U1, EUSERS);
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

		create(&bt, type_ids[i], uuids[i], 0);
		bt_expect(&bt, res_path, res[i]);
		bt_expect(&bt, bus_res, res[i]);
		ck_assert_uint_eq(bt_mode(&bt, res_path), S_IFREG | 0444);
		ck_assert_uint_eq(bt_mode(&bt, remove), S_IFREG | 0200);
		expect_list(&bt, vendor, "resolution");
		expect_link(&bt, mdev_type, type_link);
		expect_link(&bt, driver, "../../../../../bus/mdev/drivers/mdpy");
		expect_link(&bt, bus_link, bus_target);
	}
	expect_list(&bt, "bus/mdev/drivers/mdpy",
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
	create(&bt, "mdpy-hd", U1, 0);
	create(&bt, "mdpy-vga", U2, 0);
	expect_avail_all(&bt, 0);
	create(&bt, "mdpy-xga", U3, EUSERS);
	bt_stop(&bt);

	bt_start(&bt, NULL);
	bt_load(&bt, "mdpy:count=1");
	expect_avail_all(&bt, 1);
	create(&bt, "mdpy-vga", U1, 0);
	create(&bt, "mdpy-vga", U2, EUSERS);
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
		ck_assert_msg(strstr(msg, "Invalid argument"), "%s: %s", bad[i],
			      msg);
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
	create(&bt, "mdpy-vga", U1, 0);
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
