// SPDX-License-Identifier: MIT
/*
 * Regression tests for issue #14 against the real daemon:
 *
 *  unbind_races_remove  an unbind and a remove of one mtty device at
 *                       once, 3000 times (the daemon of 9a60a7d died
 *                       within about 1000): the daemon lives, every write
 *                       gets a kernel answer, and the ports all come back
 *                       (a vendor remove run twice frees a device's ports
 *                       twice; before the fix the daemon crashed);
 *  max_mdevs            -o max_mdevs=5: the sixth create is ENOMEM and the
 *                       five devices and the daemon are unaffected;
 *  memory_limit         under RLIMIT_DATA the default budget refuses
 *                       creates with ENOMEM long before an allocation
 *                       could fail (skipped in sanitizer builds, whose
 *                       shadow memory does not fit such a limit).
 *
 * Usage: mount_lifetimes MDEVFS_BINARY
 * Exit: 0 pass, 1 fail, 77 skip (/dev/fuse unusable).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mount_helper.h"

#define MTTY "devices/virtual/mtty/mtty/mdev_supported_types"
#define MDPY "devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-vga"

static int failures;

static void fail(const char *test, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(const char *test, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s: ", test);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

/* One write(); 0 or the errno of the open or the write. */
static int write_at(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) < 0)
		err = errno;
	close(fd);
	return err;
}

static long read_number(const char *dir, const char *rel)
{
	char path[PATH_MAX], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] ? strtol(buf, NULL, 10) : -1;
}

static void nth_uuid(unsigned int n, char out[37])
{
	snprintf(out, 37, "6f1d0c2a-52a4-4c33-8a0b-%012x", n);
}

/* Mount with extra options; 0, MH_UNUSABLE, or -1 (reported). */
static int mount_with(struct mh_mount *m, const char *test,
		      const char *const *extra)
{
	char why[512];
	int ret;

	if (mh_prepare(m, why, sizeof(why)) != 0) {
		fail(test, "cannot prepare a mount point: %s", why);
		return -1;
	}
	ret = mh_start(m, extra, why, sizeof(why));
	if (ret == MH_UNUSABLE)
		fprintf(stderr, "SKIP: %s\n", why);
	else if (ret != 0)
		fail(test, "cannot mount: %s", why);
	return ret;
}

/* The daemon must still be alive, and exit 0 on SIGTERM. */
static void unmount(struct mh_mount *m, const char *test)
{
	char why[512];

	if (!mh_is_mounted(m->dir))
		fail(test, "the mount died");
	if (!mh_teardown(m, why, sizeof(why)) || m->exit_status != 0) {
		mh_dump_log(m);
		fail(test, "daemon did not stop cleanly (exit %d): %s",
		     m->exit_status, why);
	}
}

/* ------------------------------------------------------------------ */

struct racer {
	const char *dir;
	char rel[PATH_MAX];
	char text[40];
	int err;
};

static void *write_thread(void *data)
{
	struct racer *r = data;

	r->err = write_at(r->dir, r->rel, r->text);
	return NULL;
}

/* MDEVFS_RACE_ROUNDS overrides the rounds for a longer hunt. */
static unsigned int rounds(void)
{
	const char *env = getenv("MDEVFS_RACE_ROUNDS");

	return env && atoi(env) > 0 ? (unsigned int)atoi(env) : 3000;
}

static int unbind_races_remove(const char *daemon)
{
	static const char *const test = "unbind_races_remove";
	struct mh_mount m;
	int ret;

	(void)daemon;
	ret = mount_with(&m, test, NULL);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < rounds() && mh_is_mounted(m.dir); i++) {
		struct racer unbind = { .dir = m.dir }, remove = { .dir = m.dir };
		char uuid[37];
		pthread_t a, b;
		int err;

		nth_uuid(i, uuid);
		err = write_at(m.dir, MTTY "/mtty-2/create", uuid);
		if (err) {
			fail(test, "create %s: %s", uuid, strerror(err));
			break;
		}
		snprintf(unbind.rel, sizeof(unbind.rel), "bus/mdev/drivers/mtty/unbind");
		snprintf(unbind.text, sizeof(unbind.text), "%s\n", uuid);
		snprintf(remove.rel, sizeof(remove.rel), "bus/mdev/devices/%s/remove",
			 uuid);
		strcpy(remove.text, "1\n");
		pthread_create(&a, NULL, write_thread, &unbind);
		pthread_create(&b, NULL, write_thread, &remove);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		/* The remove file goes with the device: a remover that opens
		 * it after the unbind still finds it (unbind keeps the device). */
		if (remove.err)
			fail(test, "round %u: remove: %s", i, strerror(remove.err));
		if (unbind.err && unbind.err != ENODEV)
			fail(test, "round %u: unbind: %s", i, strerror(unbind.err));
		if (failures)
			break;
	}
	if (read_number(m.dir, MTTY "/mtty-1/available_instances") != 24)
		fail(test, "mtty-1 shows %ld free ports, not all 24",
		     read_number(m.dir, MTTY "/mtty-1/available_instances"));
	unmount(&m, test);
	return 0;
}

static int max_mdevs(const char *daemon)
{
	static const char *const test = "max_mdevs";
	static const char *const args[] = { "-o", "max_mdevs=5", "-b",
					    "mdpy:count=64", NULL };
	struct mh_mount m;
	char uuid[37];
	int ret, err;

	(void)daemon;
	ret = mount_with(&m, test, args);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < 5; i++) {
		nth_uuid(i, uuid);
		if ((err = write_at(m.dir, MDPY "/create", uuid)))
			fail(test, "create %u: %s", i, strerror(err));
	}
	nth_uuid(5, uuid);
	err = write_at(m.dir, MDPY "/create", uuid);
	if (err != ENOMEM)
		fail(test, "the sixth create gave %s, not ENOMEM", strerror(err));
	if (read_number(m.dir, MDPY "/available_instances") != 59)
		fail(test, "available_instances is %ld, not 59",
		     read_number(m.dir, MDPY "/available_instances"));
	nth_uuid(0, uuid);
	char rel[128];
	snprintf(rel, sizeof(rel), "bus/mdev/devices/%s/remove", uuid);
	if ((err = write_at(m.dir, rel, "1")))
		fail(test, "remove: %s", strerror(err));
	nth_uuid(5, uuid);
	if ((err = write_at(m.dir, MDPY "/create", uuid)))
		fail(test, "a create after a remove: %s", strerror(err));
	unmount(&m, test);
	return 0;
}

/* RLIMIT_DATA of 160 MiB: a budget of (160 - 128) MiB / 6 KiB = 5461
 * mdevs; creates past it are ENOMEM and the daemon goes on. */
static int memory_limit(const char *daemon)
{
	static const char *const test = "memory_limit";
	static const char *const args[] = { "-b", "mdpy:count=100000", NULL };
	struct rlimit old, lim;
	struct mh_mount m;
	unsigned int made = 0;
	int ret, err = 0;

	(void)daemon;
#ifdef MDEVFS_SANITIZED
	fprintf(stderr, "%s: skipped in a sanitizer build\n", test);
	return 0;
#endif
	getrlimit(RLIMIT_DATA, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)160 << 20;
	setrlimit(RLIMIT_DATA, &lim);
	ret = mount_with(&m, test, args);
	setrlimit(RLIMIT_DATA, &old);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < 20000; i++) {
		char uuid[37];

		nth_uuid(i, uuid);
		err = write_at(m.dir, MDPY "/create", uuid);
		if (err)
			break;
		made++;
	}
	if (err != ENOMEM)
		fail(test, "after %u creates: %s, not ENOMEM", made, strerror(err));
	else if (made < 1000 || made > 5461)
		fail(test, "ENOMEM after %u creates, not within the budget", made);
	if (read_number(m.dir, MDPY "/available_instances") != 100000 - (long)made)
		fail(test, "available_instances is %ld after %u creates",
		     read_number(m.dir, MDPY "/available_instances"), made);
	fprintf(stderr, "%s: ENOMEM after %u creates\n", test, made);
	unmount(&m, test);
	return 0;
}

int main(int argc, char **argv)
{
	int (*const tests[])(const char *) = { unbind_races_remove, max_mdevs,
					       memory_limit };
	int passed = 0, failed = 0;

	if (argc > 1)
		mh_set_daemon(argv[1]);
	mh_install_cleanup();
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int before = failures;

		if (tests[i](mh_daemon()) == MH_UNUSABLE)
			return 77;
		if (failures == before)
			passed++;
		else
			failed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
