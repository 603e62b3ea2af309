// SPDX-License-Identifier: MIT
/*
 * Crash recovery and independent mounts, against the real daemon.
 *
 *   1. Two daemons (`-b mtty`) on two directories are independent: a
 *      device created on one is not listed, counted or reachable on the
 *      other, the same UUID may exist on both with different types, and
 *      removing, unregistering or re-registering on one leaves the other
 *      as it was.
 *   2. After `kill -9` of one daemon its mount stays in the table and
 *      every access (stat, opendir, open) fails with ENOTCONN, while the
 *      other mount keeps working.
 *   3. `fusermount3 -u DIR` (as root, `umount -l` if that fails) takes the
 *      dead mount away, leaving the plain empty directory.
 *   4. A new daemon mounts on that same directory and starts from nothing
 *      (no devices, full counters); its control socket, at the path of the
 *      killed daemon's stale one, answers; creates and removes work.
 *   5. Both daemons exit 0 on SIGTERM and nothing stays mounted.
 *
 * usage: mdevfs_recovery [-c MDEVFS_CTL] [MDEVFS_BIN]
 * Exit: 0 pass, 1 fail, 77 skip (/dev/fuse unusable).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "mount_helper.h"

#define U1 "5eed0000-0ec0-4000-8000-000000000001"
#define U2 "5eed0000-0ec0-4000-8000-000000000002"
#define U3 "5eed0000-0ec0-4000-8000-000000000003"
#define TYPES "devices/virtual/mtty/mtty/mdev_supported_types"

static int failures;
static const char *ctl_bin;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			failures++;                                        \
			fprintf(stderr, "FAIL (%s:%d): ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
		}                                                          \
	} while (0)

static const char *P(const struct mh_mount *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A path below a mount root; a ring of buffers so several can coexist. */
static const char *P(const struct mh_mount *m, const char *fmt, ...)
{
	static char ring[16][PATH_MAX];
	static int next;
	char *buf = ring[next++ % 16];
	int n = snprintf(buf, PATH_MAX, "%s/", m->dir);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, (size_t)(PATH_MAX - n), fmt, ap);
	va_end(ap);
	return buf;
}

static int put(const struct mh_mount *m, const char *path, const char *text)
{
	char stage;

	return fs_write(P(m, "%s", path), text, strlen(text), &stage);
}

static int create(const struct mh_mount *m, const char *type, const char *uuid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), TYPES "/%s/create", type);
	return put(m, path, uuid);
}

static int destroy(const struct mh_mount *m, const char *uuid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "bus/mdev/devices/%s/remove", uuid);
	return put(m, path, "1");
}

/* The devices listed, joined by spaces ("" if none, "?" on error). */
static const char *listing(const struct mh_mount *m)
{
	static char ring[4][1024];
	static int next;
	char *out = ring[next++ % 4];
	char names[16][64];
	int n;

	if (fs_list(P(m, "bus/mdev/devices"), names, 16, &n))
		return "?";
	out[0] = '\0';
	for (int i = 0; i < n && i < 16; i++)
		snprintf(out + strlen(out), 1024 - strlen(out), "%s%s",
			 i ? " " : "", names[i]);
	return out;
}

static long counter(const struct mh_mount *m, const char *type)
{
	char buf[64];

	if (fs_read(P(m, TYPES "/%s/available_instances", type), buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

static const char *type_of(const struct mh_mount *m, const char *uuid)
{
	static char buf[PATH_MAX];
	const char *slash;

	if (fs_readlink(P(m, "bus/mdev/devices/%s/mdev_type", uuid), buf,
			sizeof(buf)))
		return "(none)";
	slash = strrchr(buf, '/');
	return slash ? slash + 1 : buf;
}

static int ctl(const struct mh_mount *m, const char *cmd, const char *arg)
{
	const char *argv[] = { ctl_bin, m->dir, cmd, arg, NULL };

	return fs_run(argv);
}

static int start(struct mh_mount *m, bool prepare)
{
	static const char *const extra[] = { "-b", "mtty", NULL };
	char why[512];
	int ret;

	if (prepare && mh_prepare(m, why, sizeof(why))) {
		fprintf(stderr, "FAIL: %s\n", why);
		return 1;
	}
	ret = mh_start(m, extra, why, sizeof(why));
	if (ret) {
		mh_dump_log(m);
		fprintf(stderr, "%s: mount on %s: %s\n",
			ret == MH_UNUSABLE ? "SKIP" : "FAIL", m->dir, why);
	}
	return ret;
}

static void independence(struct mh_mount *a, struct mh_mount *b)
{
	int err;

	CHECK(create(a, "mtty-1", U1) == 0, "create %s on A", U1);
	CHECK(strcmp(listing(a), U1) == 0, "A lists '%s'", listing(a));
	CHECK(strcmp(listing(b), "") == 0, "B lists '%s'", listing(b));
	err = access(P(b, "bus/mdev/devices/" U1), F_OK) ? errno : 0;
	CHECK(err == ENOENT, "%s on B: %s", U1, strerror(err));
	CHECK(counter(a, "mtty-1") == 23 && counter(b, "mtty-1") == 24,
	      "counters A %ld, B %ld", counter(a, "mtty-1"), counter(b, "mtty-1"));

	/* Separate UUID registries: the same UUID on both, other types. */
	CHECK(create(b, "mtty-2", U1) == 0, "create %s on B too", U1);
	CHECK(strcmp(type_of(a, U1), "mtty-1") == 0 &&
	      strcmp(type_of(b, U1), "mtty-2") == 0,
	      "types A %s, B %s", type_of(a, U1), type_of(b, U1));
	CHECK(counter(a, "mtty-1") == 23 && counter(b, "mtty-1") == 22,
	      "counters A %ld, B %ld", counter(a, "mtty-1"), counter(b, "mtty-1"));
	CHECK(destroy(b, U1) == 0, "remove %s on B", U1);
	CHECK(strcmp(listing(a), U1) == 0, "A lists '%s' after B's remove",
	      listing(a));
	CHECK(strcmp(listing(b), "") == 0, "B lists '%s'", listing(b));

	CHECK(create(b, "mtty-1", U2) == 0, "create %s on B", U2);
	CHECK(strcmp(listing(a), U1) == 0, "A lists '%s'", listing(a));
	CHECK(strcmp(listing(b), U2) == 0, "B lists '%s'", listing(b));

	if (!ctl_bin)
		return;
	/* Hot-unplug on A only. */
	CHECK(ctl(a, "unregister", "mtty") == 0, "mdevfs-ctl A unregister mtty");
	CHECK(strcmp(listing(a), "") == 0, "A lists '%s' after unregister",
	      listing(a));
	CHECK(strcmp(listing(b), U2) == 0, "B lists '%s' after A's unregister",
	      listing(b));
	CHECK(ctl(a, "register", "mtty") == 0, "mdevfs-ctl A register mtty");
	CHECK(counter(a, "mtty-1") == 24, "A mtty-1 %ld", counter(a, "mtty-1"));
	CHECK(counter(b, "mtty-1") == 23, "B mtty-1 %ld", counter(b, "mtty-1"));
	CHECK(create(a, "mtty-1", U1) == 0, "create %s on A again", U1);
}

static int err_of(int ret)
{
	return ret ? errno : 0;
}

static void dead_mount(struct mh_mount *a, struct mh_mount *b)
{
	struct statvfs vfs;
	struct stat st;
	DIR *d;
	int status = 0, fd, err;
	pid_t pid = a->pid;

	CHECK(mh_signal_and_wait(a, SIGKILL, 5000, &status) == 0,
	      "daemon %d did not die of SIGKILL", (int)pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "daemon status 0x%x", status);
	CHECK(mh_is_mounted(a->dir), "%s no longer a fuse.mdevfs mount", a->dir);

	/* statfs always asks the daemon (a stat of the root may be answered
	 * from the attributes the kernel keeps for its permission checks). */
	err = err_of(statvfs(a->dir, &vfs));
	CHECK(err == ENOTCONN, "statfs %s: %s", a->dir, strerror(err));
	err = err_of(stat(P(a, "bus/mdev/devices"), &st));
	CHECK(err == ENOTCONN, "stat bus/mdev/devices: %s", strerror(err));
	d = opendir(a->dir);
	err = d ? 0 : errno;
	if (d)
		closedir(d);
	CHECK(err == ENOTCONN, "opendir: %s", strerror(err));
	fd = open(P(a, TYPES "/mtty-1/create"), O_WRONLY);
	err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	CHECK(err == ENOTCONN, "open create: %s", strerror(err));

	/* The other mount does not care. */
	CHECK(strcmp(listing(b), U2) == 0, "B lists '%s'", listing(b));
	CHECK(create(b, "mtty-2", U3) == 0, "create %s on B", U3);
	CHECK(counter(b, "mtty-1") == 21, "B mtty-1 %ld", counter(b, "mtty-1"));
}

static void unmount_dead(struct mh_mount *a)
{
	const char *argv[] = { "fusermount3", "-u", a->dir, NULL };
	int status = fs_run(argv);
	DIR *d;
	int entries = 0;

	if (status != 0) {
		fprintf(stderr, "note: fusermount3 -u exited %d\n", status);
		if (geteuid() == 0 && umount2(a->dir, MNT_DETACH) == 0)
			printf("recovered with umount -l (fusermount3 failed)\n");
	} else {
		printf("recovered with fusermount3 -u\n");
	}
	CHECK(!mh_is_mountpoint(a->dir), "%s still mounted", a->dir);
	d = opendir(a->dir);
	CHECK(d != NULL, "opendir %s after unmount: %s", a->dir, strerror(errno));
	if (d) {
		struct dirent *e;

		while ((e = readdir(d)))
			entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
		closedir(d);
	}
	CHECK(entries == 0, "%s has %d entries after unmount", a->dir, entries);
}

static void restarted(struct mh_mount *a, struct mh_mount *b)
{
	CHECK(strcmp(listing(a), "") == 0, "new A lists '%s'", listing(a));
	CHECK(counter(a, "mtty-1") == 24 && counter(a, "mtty-2") == 12,
	      "new A counters %ld %ld", counter(a, "mtty-1"),
	      counter(a, "mtty-2"));
	CHECK(fs_exists(P(a, "kernel/iommu_groups")), "no kernel/iommu_groups");
	CHECK(create(a, "mtty-2", U1) == 0, "create %s on new A", U1);
	CHECK(create(a, "mtty-1", U2) == 0, "create %s on new A", U2);
	CHECK(create(a, "mtty-1", U2) == EEXIST, "second create of %s", U2);
	CHECK(strcmp(listing(a), U1 " " U2) == 0, "new A lists '%s'", listing(a));
	CHECK(counter(a, "mtty-1") == 21, "new A mtty-1 %ld", counter(a, "mtty-1"));
	if (ctl_bin) {
		/* The socket path is the killed daemon's; it must answer. */
		CHECK(ctl(a, "parents", NULL) == 0, "mdevfs-ctl on new A");
		CHECK(ctl(a, "unregister", "mtty") == 0, "unregister on new A");
		CHECK(strcmp(listing(a), "") == 0, "new A lists '%s'", listing(a));
		CHECK(ctl(a, "register", "mtty") == 0, "register on new A");
	} else {
		CHECK(destroy(a, U1) == 0 && destroy(a, U2) == 0, "removes on new A");
	}
	CHECK(counter(a, "mtty-1") == 24, "new A mtty-1 %ld", counter(a, "mtty-1"));
	CHECK(strcmp(listing(b), U2 " " U3) == 0, "B lists '%s'", listing(b));
}

static void stop(struct mh_mount *m, const char *name)
{
	char why[512];
	bool clean = mh_teardown(m, why, sizeof(why));

	CHECK(clean, "%s teardown: %s", name, why);
	CHECK(!clean || m->exit_status == 0, "%s exited %d on SIGTERM", name,
	      m->exit_status);
}

int main(int argc, char **argv)
{
	struct mh_mount a, b;
	char dir_a[PATH_MAX], dir_b[PATH_MAX];
	int c, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c') {
			fprintf(stderr, "usage: %s [-c MDEVFS_CTL] [MDEVFS_BIN]\n",
				argv[0]);
			return 2;
		}
		ctl_bin = optarg;
	}
	if (optind < argc)
		mh_set_daemon(argv[optind]);
	if (!mh_daemon()) {
		fprintf(stderr, "no daemon binary: give it or set MDEVFS_BIN\n");
		return 2;
	}
	ret = mh_fuse_device_usable();
	if (ret) {
		printf("SKIP: /dev/fuse unusable: %s\n", strerror(-ret));
		return 77;
	}
	mh_install_cleanup();
	ret = start(&a, true);
	if (ret) {
		mh_teardown(&a, NULL, 0);
		return ret == MH_UNUSABLE ? 77 : 1;
	}
	ret = start(&b, true);
	if (ret) {
		mh_teardown(&b, NULL, 0);
		mh_teardown(&a, NULL, 0);
		return ret == MH_UNUSABLE ? 77 : 1;
	}
	printf("mounts: A %s, B %s\n", a.dir, b.dir);
	snprintf(dir_a, sizeof(dir_a), "%s", a.dir);
	snprintf(dir_b, sizeof(dir_b), "%s", b.dir);

	independence(&a, &b);
	dead_mount(&a, &b);
	unmount_dead(&a);
	if (!mh_is_mountpoint(a.dir) && start(&a, false) == 0)
		restarted(&a, &b);
	else
		CHECK(false, "no new daemon on %s", a.dir);
	stop(&a, "A");
	stop(&b, "B");
	CHECK(!mh_is_mountpoint(dir_a) && !mh_is_mountpoint(dir_b),
	      "something is still mounted");
	if (failures) {
		printf("FAIL: %d checks failed\n", failures);
		return 1;
	}
	printf("PASS\n");
	return 0;
}
