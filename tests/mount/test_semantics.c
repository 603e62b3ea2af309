// SPDX-License-Identifier: MIT
/*
 * The generic file semantics of sysfs, on the mount and, where a look is
 * enough, on the host's own /sys side by side: xattrs, mmap, O_DIRECT,
 * lseek, statfs, access(), and chmod/chown/utimes kept for a node's life.
 * What the host's /sys does to a write (setxattr, chmod) is what kernfs
 * does; those cases assert its answers without changing the host.
 *
 * "no_open" as the second argument runs them on a -o no_open mount,
 * where the kernel opens files without asking: mmap, O_DIRECT and
 * SEEK_END then follow FUSE's page cache (mdevfs(8) says so), and only
 * the other cases run.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "mount_check.h"
#include "mount_helper.h"

#define U "44444444-2222-4333-8444-555555555555"
#define MTTY "devices/virtual/mtty/mtty"
/* Host files every Linux /sys has: a read-only one and a directory. */
#define HOST_RO "/sys/kernel/uevent_seqnum"
#define HOST_DIR "/sys/kernel"

static struct mh_mount m;
static bool no_open;

static void setup(void)
{
	const char *const plain[] = { "-b", "mtty", NULL };
	const char *const by_inode[] = { "-b", "mtty", "-o", "no_open", NULL };
	char why[256];

	if (mh_prepare(&m, why, sizeof(why)) ||
	    mh_start(&m, no_open ? by_inode : plain, why, sizeof(why))) {
		fprintf(stderr, "mount failed: %s\n", why);
		exit(1);
	}
}

static void teardown(void)
{
	char why[256];

	if (!mh_teardown(&m, why, sizeof(why)))
		fprintf(stderr, "teardown: %s\n", why);
}

/* path below the mount, in a static buffer of its own per slot. */
static const char *at(int slot, const char *rel)
{
	static char paths[4][PATH_MAX + 256];

	snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", m.dir, rel);
	return paths[slot];
}

/* A read-only file of the mount's whose value may change, as HOST_RO's
 * does (a constant one is served from the page cache: see mmap). */
#define RO at(0, MTTY "/mdev_supported_types/mtty-1/available_instances")
#define RW at(1, MTTY "/uevent")

static void create_mdev(void)
{
	int fd = open(at(2, MTTY "/mdev_supported_types/mtty-2/create"),
		      O_WRONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, U, 36), 36);
	close(fd);
}

/* -errno of a call that returned < 0, or its value. */
#define RESULT(call) ((call) < 0 ? -errno : 0)

START_TEST(xattr_reads_as_on_host)
{
	char buf[64];

	/* Nothing is listed, and nothing is there in any namespace. */
	ck_assert_int_eq(listxattr(HOST_RO, buf, sizeof(buf)), 0);
	ck_assert_int_eq(listxattr(RO, buf, sizeof(buf)), 0);
	ck_assert_int_eq(listxattr(at(2, MTTY), buf, sizeof(buf)), 0);
	for (const char *const *n = (const char *const[]){ "user.x", "trusted.x",
							  "security.x", NULL };
	     *n; n++) {
		ck_assert_int_eq(RESULT(getxattr(HOST_RO, *n, buf, sizeof(buf))),
				 -ENODATA);
		ck_assert_int_eq(RESULT(getxattr(RO, *n, buf, sizeof(buf))),
				 -ENODATA);
	}
}
END_TEST

/* kernfs keeps trusted.* and security.*; user.* is cgroupfs's only. */
START_TEST(xattr_writes_as_kernfs)
{
	char buf[64];

	ck_assert_int_eq(RESULT(setxattr(RW, "user.x", "1", 1, 0)), -EOPNOTSUPP);
	if (geteuid() != 0) {
		/* trusted.* needs CAP_SYS_ADMIN: the kernel says so. */
		ck_assert_int_eq(RESULT(setxattr(RW, "trusted.a", "1", 1, 0)),
				 -EPERM);
		return;
	}
	ck_assert_int_eq(setxattr(RW, "trusted.a", "one", 3, 0), 0);
	ck_assert_int_eq(RESULT(setxattr(RW, "trusted.a", "x", 1, XATTR_CREATE)),
			 -EEXIST);
	ck_assert_int_eq(RESULT(setxattr(RW, "trusted.b", "x", 1, XATTR_REPLACE)),
			 -ENODATA);
	ck_assert_int_eq(setxattr(RW, "security.b", "two", 3, XATTR_CREATE), 0);
	ck_assert_int_eq(getxattr(RW, "trusted.a", NULL, 0), 3);
	ck_assert_int_eq(RESULT(getxattr(RW, "trusted.a", buf, 2)), -ERANGE);
	ck_assert_int_eq(getxattr(RW, "trusted.a", buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "one", 3);
	ck_assert_int_eq(listxattr(RW, buf, sizeof(buf)),
			 (ssize_t)sizeof("trusted.a") + (ssize_t)sizeof("security.b"));
	ck_assert_int_eq(removexattr(RW, "trusted.a"), 0);
	ck_assert_int_eq(RESULT(removexattr(RW, "trusted.a")), -ENODATA);
	ck_assert_int_eq(RESULT(getxattr(RW, "trusted.a", buf, sizeof(buf))),
			 -ENODATA);
	/* Bounded: a node takes no more than its share. */
	for (int i = 0; i < 200; i++) {
		char name[32];
		static char big[4096];

		snprintf(name, sizeof(name), "trusted.n%d", i);
		if (setxattr(RW, name, big, sizeof(big), 0) < 0) {
			ck_assert_int_eq(errno, ENOSPC);
			return;
		}
	}
	ck_abort_msg("200 xattrs of 4 KiB fitted on one node");
}
END_TEST

/* A value that may change is read through, so mmap() fails as sysfs's
 * does; a constant one (a type's name) stays in the page cache and can be
 * mapped (mdevfs(8), "Differences from sysfs"). */
START_TEST(mmap_direct_seek_as_on_host)
{
	const char *files[] = { HOST_RO, RO };

	if (no_open)
		return;   /* the page cache's rules (see the top) */
	for (int i = 0; i < 2; i++) {
		int fd = open(files[i], O_RDONLY);
		void *p;

		ck_assert_int_ge(fd, 0);
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		ck_assert_msg(p == MAP_FAILED && errno == ENODEV,
			      "%s: mmap did not fail with ENODEV", files[i]);
		ck_assert_int_eq(lseek(fd, 0, SEEK_END), 4096);
		ck_assert_int_eq(lseek(fd, 10, SEEK_END), 4106);
		ck_assert_int_eq(lseek(fd, 5000, SEEK_SET), 5000);
		close(fd);
		ck_assert_int_eq(RESULT(open(files[i], O_RDONLY | O_DIRECT)),
				 -EINVAL);
	}
}
END_TEST

START_TEST(statfs_and_stat_as_on_host)
{
	struct statvfs host, ours;
	struct stat hs, os;

	ck_assert_int_eq(statvfs("/sys", &host), 0);
	ck_assert_int_eq(statvfs(m.dir, &ours), 0);
	ck_assert_uint_eq(ours.f_bsize, host.f_bsize);
	ck_assert_uint_eq(ours.f_frsize, host.f_frsize);
	ck_assert_uint_eq(ours.f_namemax, host.f_namemax);
	ck_assert_uint_eq(ours.f_blocks, host.f_blocks);
	ck_assert_int_eq(stat(HOST_RO, &hs), 0);
	ck_assert_int_eq(stat(RO, &os), 0);
	ck_assert_int_eq(os.st_blksize, hs.st_blksize);
	ck_assert_int_eq(os.st_blocks, hs.st_blocks);
	if (!no_open)
		ck_assert_int_eq(os.st_size, hs.st_size);
}
END_TEST

/* The VFS answers access() from the mode (root may write anything); the
 * kernfs open then refuses a mode the file lacks, even root's. */
START_TEST(access_as_on_host)
{
	ck_assert_int_eq(access(RO, W_OK) == 0, access(HOST_RO, W_OK) == 0);
	ck_assert_int_eq(access(RO, R_OK) == 0, access(HOST_RO, R_OK) == 0);
	ck_assert_int_eq(access(at(2, MTTY), X_OK) == 0, access(HOST_DIR, X_OK) == 0);
	/* Without OPEN requests the refusal comes at the write. */
	if (!no_open)
		ck_assert_int_eq(RESULT(open(RO, O_WRONLY)),
				 RESULT(open(HOST_RO, O_WRONLY)));
}
END_TEST

/* Forget everything the kernel holds, so lazily made nodes would go. */
static void drop_kernel_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	if (fd < 0)
		return;   /* not root: the node may stay held anyway */
	ck_assert_int_eq(write(fd, "2", 1), 1);
	close(fd);
}

/* chmod, chown and utimes stay for the node's life, in a directory
 * that is built on demand (an mdev's) too. */
START_TEST(setattr_kept)
{
	const char *file = at(3, MTTY "/" U "/remove");
	struct timespec times[2] = { { 1000, 0 }, { 2000, 0 } };
	struct stat st;
	int fd;

	create_mdev();
	ck_assert_int_eq(chmod(file, 0600), 0);
	ck_assert_int_eq(chmod(at(2, MTTY "/" U), 0700), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, file, times, 0), 0);
	if (geteuid() == 0)
		ck_assert_int_eq(chown(file, 1, 2), 0);
	drop_kernel_caches();
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(st.st_atim.tv_sec, 1000);
	ck_assert_int_eq(st.st_mtim.tv_sec, 2000);
	ck_assert_int_ge(st.st_ctim.tv_sec, 2000);
	if (geteuid() == 0) {
		ck_assert_uint_eq(st.st_uid, 1);
		ck_assert_uint_eq(st.st_gid, 2);
	}
	ck_assert_int_eq(stat(at(2, MTTY "/" U), &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	/* The new mode is the one kernfs checks at open (without OPEN
	 * requests, at the write): none, even root. */
	ck_assert_int_eq(chmod(file, 0), 0);
	fd = open(file, O_WRONLY);
	if (no_open && fd >= 0) {
		ck_assert_int_eq(RESULT(write(fd, "1", 1)), -EACCES);
		close(fd);
	} else {
		ck_assert_int_eq(fd < 0 ? -errno : 0, -EACCES);
	}
	ck_assert_int_eq(chmod(file, 0200), 0);
	fd = open(file, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "1", 1), 1);
	close(fd);
	/* The device went, and its nodes with what they kept. */
	ck_assert_int_eq(RESULT(stat(file, &st)), -ENOENT);
}
END_TEST

/* O_TRUNC and truncate() are accepted, and change nothing. */
START_TEST(truncate_changes_nothing)
{
	char before[64] = "", after[64] = "";
	int fd = open(RO, O_RDONLY);

	ck_assert_int_gt(read(fd, before, sizeof(before) - 1), 0);
	close(fd);
	ck_assert_int_eq(truncate(RW, 0), 0);
	fd = open(RW, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = open(RO, O_RDONLY);
	ck_assert_int_gt(read(fd, after, sizeof(after) - 1), 0);
	close(fd);
	ck_assert_str_eq(before, after);
}
END_TEST

static Suite *semantics_suite(bool by_inode)
{
	Suite *s = suite_create("semantics");
	TCase *tc = tcase_create("sysfs");

	no_open = by_inode;
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, xattr_reads_as_on_host);
	tcase_add_test(tc, xattr_writes_as_kernfs);
	tcase_add_test(tc, mmap_direct_seek_as_on_host);
	tcase_add_test(tc, statfs_and_stat_as_on_host);
	tcase_add_test(tc, access_as_on_host);
	tcase_add_test(tc, setattr_kept);
	tcase_add_test(tc, truncate_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char *argv[])
{
	return mh_check_main(argc, argv, semantics_suite);
}
