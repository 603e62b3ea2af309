// SPDX-License-Identifier: MIT
/* The vfio_ccw backend seen through the tree. */
#include <errno.h>
#include <sys/stat.h>

#include "backend_test.h"
#include "plugin.h"

#define SCH "devices/css0/0.0.0313"
#define T SCH "/mdev_supported_types/vfio_ccw-io"
#define U1 "7e0c1a34-5f0e-4c5b-8d8e-2c1f3a9b0001"
#define U2 "7e0c1a34-5f0e-4c5b-8d8e-2c1f3a9b0002"

START_TEST(ccw_subchannel_in_the_tree)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "vfio_ccw");
	ck_assert(S_ISDIR(bt_mode(&bt, "devices/css0")));
	ck_assert(S_ISDIR(bt_mode(&bt, SCH)));
	bt_expect_link(&bt, SCH "/subsystem", "../../../bus/css");
	bt_expect_link(&bt, SCH "/driver", "../../../bus/css/drivers/vfio_ccw");
	bt_expect_link(&bt, "bus/css/devices/0.0.0313",
		       "../../../devices/css0/0.0.0313");
	bt_expect_link(&bt, "bus/css/drivers/vfio_ccw/0.0.0313",
		       "../../../../devices/css0/0.0.0313");
	bt_expect_link(&bt, "class/mdev_bus/0.0.0313",
		       "../../devices/css0/0.0.0313");
	bt_expect(&bt, SCH "/uevent", "DRIVER=vfio_ccw\nST=0\nMODALIAS=css:t0\n");
	bt_expect_list(&bt, "bus/css/devices", "0.0.0313");
	bt_expect_list(&bt, "class/mdev_bus", "0.0.0313");
	/* The mdev driver is there before any mdev. */
	ck_assert(S_ISDIR(bt_mode(&bt, "bus/mdev/drivers/vfio_ccw_mdev")));
	bt_stop(&bt);
}
END_TEST

START_TEST(ccw_type_files)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "vfio_ccw");
	bt_expect_list(&bt, SCH "/mdev_supported_types", "vfio_ccw-io");
	bt_expect_list(&bt, T, "available_instances create device_api devices name");
	bt_expect(&bt, T "/name", "I/O subchannel (Non-QDIO)\n");
	bt_expect(&bt, T "/device_api", "vfio-ccw\n");
	bt_expect(&bt, T "/available_instances", "1\n");
	ck_assert(!bt_exists(&bt, T "/description"));
	ck_assert_uint_eq(bt_mode(&bt, T "/create"), S_IFREG | 0200);
	ck_assert_uint_eq(bt_mode(&bt, T "/name"), S_IFREG | 0444);
	bt_expect_list(&bt, T "/devices", "");
	bt_stop(&bt);
}
END_TEST

START_TEST(ccw_one_mdev_per_subchannel)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "vfio_ccw");
	bt_expect_write(&bt, T "/create", U1 "\n", 0);
	bt_expect(&bt, T "/available_instances", "0\n");
	bt_expect_write(&bt, T "/create", U2 "\n", EUSERS);
	ck_assert(!bt_exists(&bt, SCH "/" U2));
	bt_expect(&bt, T "/available_instances", "0\n");
	/* The same UUID again is a duplicate before it is a capacity issue. */
	bt_expect_write(&bt, T "/create", U1, EEXIST);

	bt_remove(&bt, U1, "1");
	bt_expect(&bt, T "/available_instances", "1\n");
	bt_expect_write(&bt, T "/create", U2, 0);
	bt_expect(&bt, T "/available_instances", "0\n");
	bt_expect_list(&bt, T "/devices", U2);
	bt_stop(&bt);
}
END_TEST

START_TEST(ccw_mdev_in_the_tree)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "vfio_ccw");
	bt_expect_write(&bt, T "/create", U1, 0);
	bt_expect_link(&bt, SCH "/" U1 "/driver",
		       "../../../../bus/mdev/drivers/vfio_ccw_mdev");
	bt_expect_link(&bt, SCH "/" U1 "/subsystem", "../../../../bus/mdev");
	bt_expect_link(&bt, SCH "/" U1 "/mdev_type",
		       "../mdev_supported_types/vfio_ccw-io");
	bt_expect_link(&bt, T "/devices/" U1, "../../../" U1);
	bt_expect_link(&bt, "bus/mdev/devices/" U1,
		       "../../../devices/css0/0.0.0313/" U1);
	bt_expect_link(&bt, "bus/mdev/drivers/vfio_ccw_mdev/" U1,
		       "../../../../devices/css0/0.0.0313/" U1);
	/* No vendor attributes: only what the core gives every mdev (and,
	 * from 6.1, the VFIO char device). */
	bt_expect_list(&bt, SCH "/" U1,
		       "driver iommu_group mdev_type power remove subsystem uevent "
		       "vfio-dev");
	bt_expect(&bt, "bus/mdev/devices/" U1 "/uevent",
		  "DRIVER=vfio_ccw_mdev\n");
	bt_stop(&bt);
}
END_TEST

START_TEST(ccw_several_subchannels)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "vfio_ccw:subchannels=0.0.0313,0.0.0314,0.1.ABCD,fe.3.ffff");
	bt_expect_list(&bt, "bus/css/devices", "0.0.0313 0.0.0314 0.1.abcd fe.3.ffff");
	bt_expect_list(&bt, "devices/css0", "0.0.0313 0.0.0314 0.1.abcd fe.3.ffff power uevent");
	bt_expect_list(&bt, "class/mdev_bus", "0.0.0313 0.0.0314 0.1.abcd fe.3.ffff");
	bt_expect_link(&bt, "class/mdev_bus/0.1.abcd", "../../devices/css0/0.1.abcd");
	/* Each subchannel counts on its own. */
	bt_expect_write(&bt, T "/create", U1, 0);
	bt_expect(&bt, T "/available_instances", "0\n");
	bt_expect(&bt, "devices/css0/0.0.0314/mdev_supported_types/vfio_ccw-io/"
		  "available_instances", "1\n");
	bt_expect_write(&bt, "devices/css0/0.0.0314/mdev_supported_types/"
			"vfio_ccw-io/create", U2, 0);
	bt_expect_link(&bt, "bus/mdev/devices/" U2,
		       "../../../devices/css0/0.0.0314/" U2);
	bt_stop(&bt);
}
END_TEST

START_TEST(ccw_not_operational)
{
	struct bt bt;
	const char *t314 = "devices/css0/0.0.0314/mdev_supported_types/vfio_ccw-io";
	char *create = g_strdup_printf("%s/create", t314);
	char *avail = g_strdup_printf("%s/available_instances", t314);

	bt_start(&bt, NULL);
	bt_load(&bt, "vfio_ccw:subchannels=0.0.0313,0.0.0314,nonoper=0.0.0314");
	bt_expect_write(&bt, create, U1, ENODEV);
	ck_assert(!bt_exists(&bt, "devices/css0/0.0.0314/" U1));
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U1));
	bt_expect(&bt, avail, "1\n");
	bt_expect_write(&bt, T "/create", U1, 0);
	bt_stop(&bt);
	g_free(create);
	g_free(avail);
}
END_TEST

/* Until 6.1 the driver counted (EPERM); until 5.15 mdevs bound vfio_mdev. */
START_TEST(ccw_older_releases)
{
	static const char *const profiles[] = { "4.10", "5.4", "5.15" };
	struct bt bt;

	for (size_t i = 0; i < G_N_ELEMENTS(profiles); i++) {
		bt_start(&bt, profiles[i]);
		bt_load(&bt, "vfio_ccw");
		bt_expect_list(&bt, T, "available_instances create device_api "
			       "devices name");
		bt_expect(&bt, T "/name", "I/O subchannel (Non-QDIO)\n");
		bt_expect(&bt, T "/device_api", "vfio-ccw\n");
		bt_expect(&bt, T "/available_instances", "1\n");
		bt_expect_write(&bt, T "/create", U1, 0);
		bt_expect(&bt, T "/available_instances", "0\n");
		bt_expect_write(&bt, T "/create", U2, EPERM);
		ck_assert(!bt_exists(&bt, SCH "/" U2));
		bt_expect(&bt, T "/available_instances", "0\n");
		bt_expect_link(&bt, SCH "/" U1 "/driver",
			       "../../../../bus/mdev/drivers/vfio_mdev");
		ck_assert(!bt_exists(&bt, "bus/mdev/drivers/vfio_ccw_mdev"));
		bt_remove(&bt, U1, "1");
		bt_expect(&bt, T "/available_instances", "1\n");
		bt_expect_write(&bt, T "/create", U2, 0);
		bt_stop(&bt);
	}
}
END_TEST

START_TEST(ccw_release_6_1)
{
	struct bt bt;

	bt_start(&bt, "6.1");
	bt_load(&bt, "vfio_ccw");
	bt_expect_write(&bt, T "/create", U1, 0);
	bt_expect_write(&bt, T "/create", U2, EUSERS);
	bt_expect_link(&bt, SCH "/" U1 "/driver",
		       "../../../../bus/mdev/drivers/vfio_ccw_mdev");
	bt_stop(&bt);
}
END_TEST

/* From 6.2 a device named "parent" of no bus or class sits under the
 * subchannel: no subsystem link, in no listing; the mdev parent is still
 * the subchannel. */
START_TEST(ccw_parent_child_since_6_2)
{
	struct bt bt;

	bt_start(&bt, "6.1");
	bt_load(&bt, "vfio_ccw");
	ck_assert(!bt_exists(&bt, SCH "/parent"));
	bt_stop(&bt);
	bt_start(&bt, "6.13");
	bt_load(&bt, "vfio_ccw:subchannels=0.0.0313,0.0.0314");
	ck_assert(S_ISDIR(bt_mode(&bt, SCH "/parent")));
	ck_assert(S_ISDIR(bt_mode(&bt, "devices/css0/0.0.0314/parent")));
	ck_assert(S_ISREG(bt_mode(&bt, SCH "/parent/uevent")));
	ck_assert(S_ISDIR(bt_mode(&bt, SCH "/parent/power")));
	ck_assert(!bt_exists(&bt, SCH "/parent/subsystem"));
	ck_assert(!bt_exists(&bt, SCH "/parent/driver"));
	bt_expect(&bt, SCH "/parent/uevent", "");
	bt_expect_list(&bt, "bus/css/devices", "0.0.0313 0.0.0314");
	ck_assert(S_ISDIR(bt_mode(&bt, T)));
	bt_expect_write(&bt, T "/create", U1, 0);
	mdev_backends_unload(bt.host);
	ck_assert(!bt_exists(&bt, "devices/css0"));
	bt_stop(&bt);
}
END_TEST

static const char *const bad_args[] = {
	"subchannels=0.0.313",      /* schno needs four digits */
	"subchannels=0.0.03130",
	"subchannels=0.4.0313",     /* ssid 0-3 */
	"subchannels=100.0.0313",   /* cssid two digits at most */
	"subchannels=x.0.0313",
	"subchannels=0.0.031g",
	"subchannels=0.0",
	"subchannels=0.0.0313.1",
	"subchannels=",
	"subchannels=0.0.0313,,0.0.0314",
	"subchannels=0.0.0313,0.0.0313",  /* twice */
	"subchannels=0.0.0313,subchannels=0.0.0313",
	"subchannels=0.0.0313,00.0.0313", /* the same one spelled twice */
	"nonoper=0.0.0314",               /* not among the subchannels */
	"bogus=1",
	"0.0.0313",
};

START_TEST(ccw_bad_arguments)
{
	struct bt bt;
	char *spec = g_strdup_printf("vfio_ccw:%s", bad_args[_i]);
	char *msg;

	bt_start(&bt, NULL);
	msg = bt_try_load(&bt, spec);
	ck_assert_msg(msg, "%s loaded", spec);
	ck_assert(!bt_exists(&bt, "devices/css0"));
	ck_assert(!bt_exists(&bt, "bus/mdev/drivers/vfio_ccw_mdev"));
	g_free(msg);
	g_free(spec);
	bt_stop(&bt);
}
END_TEST

START_TEST(ccw_unload_tears_down)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "vfio_ccw:subchannels=0.0.0313,0.0.0314");
	bt_expect_write(&bt, T "/create", U1, 0);
	mdev_backends_unload(bt.host);
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U1));
	ck_assert(!bt_exists(&bt, "devices/css0"));
	ck_assert(!bt_exists(&bt, "class/mdev_bus/0.0.0313"));
	ck_assert(!bt_exists(&bt, "bus/mdev/drivers/vfio_ccw_mdev"));
	bt_stop(&bt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-vfio_ccw");
	TCase *tree = tcase_create("tree");
	TCase *life = tcase_create("lifecycle");
	TCase *args = tcase_create("arguments");
	TCase *eras = tcase_create("eras");

	tcase_add_test(tree, ccw_subchannel_in_the_tree);
	tcase_add_test(tree, ccw_type_files);
	tcase_add_test(tree, ccw_mdev_in_the_tree);
	tcase_add_test(life, ccw_one_mdev_per_subchannel);
	tcase_add_test(life, ccw_several_subchannels);
	tcase_add_test(life, ccw_not_operational);
	tcase_add_test(life, ccw_unload_tears_down);
	tcase_add_loop_test(args, ccw_bad_arguments, 0, G_N_ELEMENTS(bad_args));
	suite_add_tcase(s, tree);
	suite_add_tcase(s, life);
	tcase_add_test(eras, ccw_older_releases);
	tcase_add_test(eras, ccw_release_6_1);
	tcase_add_test(eras, ccw_parent_child_since_6_2);
	suite_add_tcase(s, args);
	suite_add_tcase(s, eras);
	return bt_run(s);
}
