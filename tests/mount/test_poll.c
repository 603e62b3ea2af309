// SPDX-License-Identifier: MIT
/*
 * poll() on attributes, as on sysfs: a file is always readable; POLLPRI
 * and POLLERR say its value was announced as changed (sysfs_notify) since
 * it was last read.  vfio_ap announces `matrix` when an adapter is
 * assigned, which makes it a real source of notifications.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "mount_check.h"
#include "mount_helper.h"

#define U "33333333-2222-4333-8444-555555555555"

static struct mh_mount m;
static char dev[PATH_MAX + 64];
/* "no_open" as the second argument: the same checks under -o no_open. */
static bool no_open;

static void setup(void)
{
	const char *const plain[] = { "-b", "vfio_ap", NULL };
	const char *const by_inode[] = { "-b", "vfio_ap", "-o", "no_open", NULL };
	const char *const *extra = no_open ? by_inode : plain;
	char why[256], path[PATH_MAX + 128];
	int fd;

	if (mh_prepare(&m, why, sizeof(why)) || mh_start(&m, extra, why, sizeof(why))) {
		fprintf(stderr, "mount failed: %s\n", why);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/devices/vfio_ap/matrix/mdev_supported_types/"
		 "vfio_ap-passthrough/create", m.dir);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, U, 36) != 36) {
		fprintf(stderr, "create: %s\n", strerror(errno));
		exit(1);
	}
	close(fd);
	snprintf(dev, sizeof(dev), "%s/devices/vfio_ap/matrix/" U, m.dir);
}

static void teardown(void)
{
	char why[256];

	if (!mh_teardown(&m, why, sizeof(why)))
		fprintf(stderr, "teardown: %s\n", why);
}

static int open_attr(const char *name, int flags)
{
	char path[sizeof(dev) + 64];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dev, name);
	fd = open(path, flags);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	return fd;
}

static short poll_events(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = poll(&p, 1, timeout_ms);

	ck_assert_int_ge(n, 0);
	return p.revents;
}

static short poll_once(int fd, int timeout_ms)
{
	return poll_events(fd, POLLPRI | POLLIN, timeout_ms);
}

static void write_attr(const char *name, const char *text)
{
	int fd = open_attr(name, O_WRONLY);

	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void read_all(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
}

START_TEST(poll_reports_notified_change)
{
	char buf[256];
	int fd = open_attr("matrix", O_RDONLY);

	read_all(fd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	/* Readable, nothing new. */
	ck_assert_int_eq(poll_once(fd, 0), POLLIN);
	write_attr("assign_adapter", "5");
	write_attr("assign_domain", "4");
	ck_assert_int_eq(poll_once(fd, 1000), POLLIN | POLLPRI | POLLERR);
	/* Reading catches up: quiet again, and the value is fresh. */
	read_all(fd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "05.0004\n");
	ck_assert_int_eq(poll_once(fd, 0), POLLIN);
	close(fd);
}
END_TEST

static void *assign_later(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	write_attr("assign_adapter", "7");
	return NULL;
}

/* A poll() that is already waiting wakes when the value changes. */
START_TEST(blocked_poll_wakes)
{
	char buf[256];
	int fd = open_attr("matrix", O_RDONLY);
	pthread_t t;
	struct timespec a, b;
	short revents;

	read_all(fd, buf, sizeof(buf));
	pthread_create(&t, NULL, assign_later, NULL);
	clock_gettime(CLOCK_MONOTONIC, &a);
	/* Waiters ask for POLLPRI only: POLLIN is always ready. */
	revents = poll_events(fd, POLLPRI, 5000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	pthread_join(t, NULL);
	ck_assert_int_eq(revents, POLLPRI | POLLERR);
	ck_assert_msg(b.tv_sec - a.tv_sec < 3, "poll waited for its timeout");
	close(fd);
}
END_TEST

/* A write that does not change the polled file does not wake it. */
START_TEST(unrelated_write_is_quiet)
{
	char buf[256];
	int fd = open_attr("control_domains", O_RDONLY);

	read_all(fd, buf, sizeof(buf));
	write_attr("assign_adapter", "9");
	ck_assert_int_eq(poll_once(fd, 200), POLLIN);
	close(fd);
}
END_TEST

static Suite *poll_suite(bool by_inode)
{
	Suite *s = suite_create("poll");
	TCase *tc = tcase_create("sysfs_notify");

	no_open = by_inode;
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, poll_reports_notified_change);
	tcase_add_test(tc, blocked_poll_wakes);
	tcase_add_test(tc, unrelated_write_is_quiet);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char *argv[])
{
	return mh_check_main(argc, argv, poll_suite);
}
