// SPDX-License-Identifier: MIT
#include "mount_check.h"

#include <stdio.h>
#include <string.h>

#include "mount_helper.h"

int mh_check_main(int argc, char *argv[], Suite *(*make_suite)(bool no_open))
{
	bool no_open = argc > 2 && strcmp(argv[2], "no_open") == 0;
	SRunner *sr;
	int failed, unusable;

	if (argc > 1)
		mh_set_daemon(argv[1]);
	mh_install_cleanup();
	unusable = mh_fuse_device_usable();
	if (unusable) {
		printf("SKIP: /dev/fuse unusable: %s\n", strerror(-unusable));
		return 77;
	}
	sr = srunner_create(make_suite(no_open));
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
