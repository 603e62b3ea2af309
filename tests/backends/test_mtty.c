// SPDX-License-Identifier: MIT
/* The mtty backend seen through the tree: a smoke test of the helpers. */
#include "backend_test.h"

#define T "devices/virtual/mtty/mtty/mdev_supported_types"
#define U "0f3c6a52-3a51-4d1a-9b10-1d9a2bd8a001"

START_TEST(mtty_pool_through_files)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mtty");
	bt_expect(&bt, T "/mtty-1/available_instances", "24\n");
	bt_expect_write(&bt, T "/mtty-2/create", U "\n", 0);
	bt_expect(&bt, T "/mtty-1/available_instances", "22\n");
	bt_expect(&bt, "bus/mdev/devices/" U "/vendor/sample_mdev_dev",
		  "This is MDEV " U "\n");
	bt_expect_write(&bt, T "/mtty-1/create", U, EEXIST);
	bt_remove(&bt, U, "1");
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U));
	bt_stop(&bt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-mtty");
	TCase *tc = tcase_create("files");

	tcase_add_test(tc, mtty_pool_through_files);
	suite_add_tcase(s, tc);
	return bt_run(s);
}
