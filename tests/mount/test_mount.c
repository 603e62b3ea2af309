// SPDX-License-Identifier: MIT
/*
 * Mount tests: run the real daemon on a fresh mount point and check what
 * programs see through the kernel (modes, link texts, contents, errnos and
 * cache freshness), against the Era E (6.x) kernel facts in
 * /work/shared/spec/kernel.md.
 *
 * Every test is its own TCase with an UNCHECKED fixture: the runner process
 * mounts a fresh tree before the test and unmounts it afterwards, so the
 * unmount happens even when an assertion fails in the forked test process.
 * The teardown also checks that the daemon exited 0 on SIGTERM and left no
 * mount behind; a failure there fails the whole run.
 *
 * Usage: mount_tests [MDEVFS_BINARY]   (or MDEVFS_BIN in the environment)
 * Exit: 0 pass, 1 fail, 77 skip (/dev/fuse unusable).
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "mount_helper.h"

#define PARENT "devices/virtual/mtty/mtty"
#define TYPES PARENT "/mdev_supported_types"
#define BUSDEV "bus/mdev/devices"
#define DRVDIR "bus/mdev/drivers/mtty"
#define GROUPS "kernel/iommu_groups"

#define TEST_TIMEOUT 20.0
#define LOOP_TIMEOUT 60.0
#define FRESH_ITERATIONS 500

static struct mh_mount g_mnt;
static int g_teardown_failures;
static int g_nonzero_exits;     /* daemons that exited != 0 on SIGTERM */
/* Names of the test cases in the order they run, for teardown messages. */
static const char *g_case_names[256];
static int g_case_count, g_case_next;
static const char *g_case_now = "?";
/* The test runs the daemon itself and judges how it stopped. */
static bool g_own_daemon;

/*
 * "no_open" as the second argument mounts with -o no_open: the kernel
 * opens files alone and keeps their pages.  Two things a test sees
 * change: a readable file's st_size is the length of its value (sysfs
 * says 4096), and root, whom the kernel's permission check lets through,
 * gets EACCES at the first read or write instead of at open.
 */
static bool g_strict = true;
static const char *const g_no_open_args[] = { "-o", "no_open", NULL };
#define MOUNT_ARGS (g_strict ? NULL : g_no_open_args)

/* ------------------------------------------------------------------ */
/* Fixtures (run in the runner process)                                 */

static void fixture_mount(void)
{
	char why[512];
	int ret;

	g_case_now = g_case_next < g_case_count ? g_case_names[g_case_next++] : "?";
	g_own_daemon = false;
	if (mh_prepare(&g_mnt, why, sizeof(why)) != 0)
		ck_abort_msg("%s: cannot prepare a mount point: %s", g_case_now, why);
	ret = mh_start(&g_mnt, MOUNT_ARGS, why, sizeof(why));
	if (ret != 0) {
		char why2[256];

		mh_dump_log(&g_mnt);
		mh_teardown(&g_mnt, why2, sizeof(why2));
		ck_abort_msg("%s: mount failed: %s", g_case_now, why);
	}
}

/* For tests that run the daemon themselves: only the directory. */
static void fixture_dir(void)
{
	char why[512];

	g_case_now = g_case_next < g_case_count ? g_case_names[g_case_next++] : "?";
	g_own_daemon = true;
	if (mh_prepare(&g_mnt, why, sizeof(why)) != 0)
		ck_abort_msg("%s: cannot prepare a mount point: %s", g_case_now, why);
}

static void fixture_unmount(void)
{
	char why[512];

	/* Own-daemon tests: a daemon killed with the failed test process
	 * leaves a mount that is simply cleaned up here. */
	if (!mh_teardown(&g_mnt, why, sizeof(why)) && !g_own_daemon) {
		fprintf(stderr, "TEARDOWN FAILURE after %s: %s\n", g_case_now, why);
		g_teardown_failures++;
	}
	if (g_mnt.exit_status > 0)
		g_nonzero_exits++;
}

/* ------------------------------------------------------------------ */
/* Helpers (run in the forked test process)                             */

/* A path below the mount root; a ring of buffers so several can coexist. */
static const char *P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *P(const char *fmt, ...)
{
	static char ring[64][PATH_MAX];
	static int next;
	char *buf = ring[next++ % 64];
	int n = snprintf(buf, PATH_MAX, "%s/", g_mnt.dir);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, (size_t)(PATH_MAX - n), fmt, ap);
	va_end(ap);
	return buf;
}

/* Printable form of a value for messages. */
static const char *esc(const char *s)
{
	static char ring[4][1024];
	static int next;
	char *buf = ring[next++ % 4], *o = buf;

	for (; *s && o < buf + sizeof(ring[0]) - 5; s++) {
		if (*s == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if ((unsigned char)*s < 32) {
			o += sprintf(o, "\\x%02x", (unsigned char)*s);
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return buf;
}

static const char *errname(int e)
{
	switch (e) {
	case 0: return "success";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EACCES: return "EACCES";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EUSERS: return "EUSERS";
	case EAGAIN: return "EAGAIN";
	case EBUSY: return "EBUSY";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case ENOTCONN: return "ENOTCONN";
	case ENOSYS: return "ENOSYS";
	case EROFS: return "EROFS";
	case ERANGE: return "ERANGE";
	default: return strerror(e);
	}
}

static void new_uuid(char out[37])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

/* Read a whole file: length, or -1 with *err set. */
static ssize_t slurp(const char *path, char *buf, size_t size, int *err)
{
	int fd = open(path, O_RDONLY);
	size_t used = 0;

	*err = 0;
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + used, size - 1 - used);

		if (n < 0) {
			*err = errno;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used == size - 1)
			break;
	}
	close(fd);
	buf[used] = '\0';
	return (ssize_t)used;
}

static void expect_content(const char *path, const char *want)
{
	char buf[8192];
	int err;
	ssize_t n = slurp(path, buf, sizeof(buf), &err);

	ck_assert_msg(n >= 0, "read %s failed: %s", path, errname(err));
	ck_assert_msg(strcmp(buf, want) == 0, "%s reads \"%s\", want \"%s\"",
		      path, esc(buf), esc(want));
}

/* The errno of reading path (0 if the read worked). */
static int read_errno(const char *path)
{
	char buf[8192];
	int err;

	slurp(path, buf, sizeof(buf), &err);
	return err;
}

/*
 * One write() of len bytes through a fresh O_WRONLY fd.  Returns 0 if the
 * write stored all of it, else the errno (opening must work).
 */
static int write_errno(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err;

	ck_assert_msg(fd >= 0, "open %s O_WRONLY: %s", path, errname(errno));
	n = write(fd, data, len);
	err = n < 0 ? errno : 0;
	close(fd);
	if (n >= 0)
		ck_assert_msg((size_t)n == len, "write %s returned %zd, want %zu",
			      path, n, len);
	return err;
}

static int write_str_errno(const char *path, const char *s)
{
	return write_errno(path, s, strlen(s));
}

#define expect_write_ok(path, s)                                            \
	do {                                                                \
		const char *p_ = (path), *s_ = (s);                         \
		int e_ = write_str_errno(p_, s_);                           \
		ck_assert_msg(e_ == 0, "writing \"%s\" to %s failed: %s",   \
			      esc(s_), p_, errname(e_));                    \
	} while (0)

#define expect_write_fails(path, s, want)                                   \
	do {                                                                \
		const char *p_ = (path), *s_ = (s);                         \
		int e_ = write_str_errno(p_, s_);                           \
		ck_assert_msg(e_ == (want),                                 \
			      "writing \"%s\" to %s: got %s, want %s",      \
			      esc(s_), p_, errname(e_), errname(want));     \
	} while (0)

static int lstat_errno(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? 0 : errno;
}

static int stat_errno(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? 0 : errno;
}

static void expect_absent(const char *path)
{
	int e = lstat_errno(path);

	ck_assert_msg(e == ENOENT, "lstat %s: got %s, want ENOENT", path,
		      errname(e));
}

/* The length of a file's value read in one go, -1 if it has none. */
static off_t value_length(const char *path)
{
	char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_msg(fd >= 0, "open %s: %s", path, errname(errno));
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n;
}

/* What st_size a file shows: sysfs's 4096, or its value's length (a
 * file whose show() fails has no value and keeps 4096). */
static off_t attr_size(const char *path, mode_t mode)
{
	off_t len;

	if (g_strict || !S_ISREG(mode) || !(mode & 0444))
		return 4096;
	len = value_length(path);
	return len < 0 ? 4096 : len;
}

static void expect_stat(const char *path, mode_t mode, off_t size)
{
	struct stat st;

	if (size == 4096)
		size = attr_size(path, mode);
	ck_assert_msg(lstat(path, &st) == 0, "lstat %s: %s", path,
		      errname(errno));
	ck_assert_msg(st.st_mode == mode, "%s: mode 0%o, want 0%o", path,
		      (unsigned)st.st_mode, (unsigned)mode);
	ck_assert_msg(st.st_size == size, "%s: st_size %lld, want %lld", path,
		      (long long)st.st_size, (long long)size);
}

static void expect_link(const char *path, const char *want)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	ck_assert_msg(n >= 0, "readlink %s: %s", path, errname(errno));
	buf[n] = '\0';
	ck_assert_msg(strcmp(buf, want) == 0, "readlink %s = \"%s\", want \"%s\"",
		      path, buf, want);
}

/* A directory listing without "." and "..". */
struct listing {
	int n;
	char names[256][NAME_MAX + 1];
	unsigned char types[256];
};

static struct listing *list_dir(const char *path)
{
	struct listing *l = calloc(1, sizeof(*l));
	DIR *d = opendir(path);
	struct dirent *e;

	ck_assert_msg(l != NULL, "out of memory");
	ck_assert_msg(d != NULL, "opendir %s: %s", path, errname(errno));
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		ck_assert_msg(l->n < 256, "%s: too many entries", path);
		snprintf(l->names[l->n], sizeof(l->names[0]), "%s", e->d_name);
		l->types[l->n++] = e->d_type;
	}
	closedir(d);
	return l;
}

/* The d_type of name in path's listing, or -1 if it is not listed. */
static int listed(const char *path, const char *name)
{
	struct listing *l = list_dir(path);
	int type = -1;

	for (int i = 0; i < l->n && type < 0; i++)
		if (strcmp(l->names[i], name) == 0)
			type = l->types[i];
	free(l);
	return type;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void join_sorted(const char **v, int n, char *out, size_t len)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_str);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		strncat(out, v[i], len - strlen(out) - 1);
		if (i + 1 < n)
			strncat(out, " ", len - strlen(out) - 1);
	}
}

/* The listing of path is exactly the NULL-terminated set want. */
static void expect_listing(const char *path, const char *const *want)
{
	struct listing *l = list_dir(path);
	const char *got_v[256], *want_v[256];
	char got[4096], exp[4096];
	int nwant = 0;

	for (int i = 0; i < l->n; i++)
		got_v[i] = l->names[i];
	while (want[nwant])
		want_v[nwant] = want[nwant], nwant++;
	join_sorted(got_v, l->n, got, sizeof(got));
	join_sorted(want_v, nwant, exp, sizeof(exp));
	free(l);
	ck_assert_msg(strcmp(got, exp) == 0, "%s lists [%s], want [%s]", path,
		      got, exp);
}

/* Create a device of a type; the UUID goes to out (may be NULL). */
static void make_dev(const char *type, char out[37])
{
	char u[37], text[40];
	int e;

	new_uuid(u);
	snprintf(text, sizeof(text), "%s\n", u);
	e = write_str_errno(P(TYPES "/%s/create", type), text);
	ck_assert_msg(e == 0, "create %s on %s failed: %s", u, type, errname(e));
	if (out)
		memcpy(out, u, 37);
}

static int try_create(const char *type, const char *uuid)
{
	char text[64];

	snprintf(text, sizeof(text), "%s\n", uuid);
	return write_str_errno(P(TYPES "/%s/create", type), text);
}

static void remove_dev_at(const char *parent, const char *uuid)
{
	expect_write_ok(P("%s/%s/remove", parent, uuid), "1\n");
}

static void remove_dev(const char *uuid)
{
	remove_dev_at(PARENT, uuid);
}

static void expect_available(const char *type, int n)
{
	char want[16];

	snprintf(want, sizeof(want), "%d\n", n);
	expect_content(P(TYPES "/%s/available_instances", type), want);
}

/* Root in inode mode: the open works, the first read or write does not. */
static int access_errno(int fd, int flags)
{
	char c = '1';
	int acc = flags & O_ACCMODE;

	if (acc != O_WRONLY && read(fd, &c, 1) < 0)
		return errno;
	if (acc != O_RDONLY && write(fd, &c, 1) < 0)
		return errno;
	return 0;
}

static void expect_open_errno(const char *path, int flags, int want)
{
	int fd = open(path, flags, 0644);
	int e = fd < 0 ? errno : 0;

	if (fd >= 0 && want == EACCES && !g_strict && geteuid() == 0)
		e = access_errno(fd, flags);
	if (fd >= 0)
		close(fd);
	ck_assert_msg(e == want, "open %s flags 0%o: got %s, want %s", path,
		      (unsigned)flags, errname(e), errname(want));
}

/* ------------------------------------------------------------------ */
/* Parent device directory                                              */

START_TEST(parent_listing)
{
	static const char *const want[] = { "mdev_supported_types", "power",
					    "subsystem", "uevent", NULL };

	expect_stat(P(PARENT), S_IFDIR | 0755, 0);
	expect_listing(P(PARENT), want);
}
END_TEST

START_TEST(parent_uevent)
{
	expect_stat(P(PARENT "/uevent"), S_IFREG | 0644, 4096);
	ck_assert_int_eq(read_errno(P(PARENT "/uevent")), 0);
}
END_TEST

START_TEST(parent_subsystem_link)
{
	expect_stat(P(PARENT "/subsystem"), S_IFLNK | 0777, 0);
	expect_link(P(PARENT "/subsystem"), "../../../../class/mtty");
}
END_TEST

START_TEST(parent_power_listing)
{
	static const char *const want[] = {
		"autosuspend_delay_ms", "control", "runtime_active_time",
		"runtime_status", "runtime_suspended_time", NULL
	};

	expect_stat(P(PARENT "/power"), S_IFDIR | 0755, 0);
	expect_listing(P(PARENT "/power"), want);
}
END_TEST

START_TEST(parent_power_control)
{
	expect_stat(P(PARENT "/power/control"), S_IFREG | 0644, 4096);
	expect_content(P(PARENT "/power/control"), "auto\n");
}
END_TEST

START_TEST(parent_power_runtime_status)
{
	expect_stat(P(PARENT "/power/runtime_status"), S_IFREG | 0444, 4096);
	expect_content(P(PARENT "/power/runtime_status"), "unsupported\n");
}
END_TEST

START_TEST(parent_power_times)
{
	expect_stat(P(PARENT "/power/runtime_active_time"), S_IFREG | 0444, 4096);
	expect_stat(P(PARENT "/power/runtime_suspended_time"), S_IFREG | 0444, 4096);
	expect_content(P(PARENT "/power/runtime_active_time"), "0\n");
	expect_content(P(PARENT "/power/runtime_suspended_time"), "0\n");
}
END_TEST

START_TEST(parent_power_autosuspend_eio)
{
	int e;

	expect_stat(P(PARENT "/power/autosuspend_delay_ms"), S_IFREG | 0644, 4096);
	e = read_errno(P(PARENT "/power/autosuspend_delay_ms"));
	ck_assert_msg(e == EIO, "read autosuspend_delay_ms: got %s, want EIO",
		      errname(e));
}
END_TEST

START_TEST(parent_types_dir)
{
	static const char *const want[] = { "mtty-1", "mtty-2", NULL };

	expect_stat(P(TYPES), S_IFDIR | 0755, 0);
	expect_listing(P(TYPES), want);
	ck_assert_int_eq(listed(P(TYPES), "mtty-1"), DT_DIR);
	ck_assert_int_eq(listed(P(TYPES), "mtty-2"), DT_DIR);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Type directories                                                     */

static const char *const type_ids[] = { "mtty-1", "mtty-2" };

START_TEST(type_listing)
{
	static const char *const want[] = { "available_instances", "create",
					    "device_api", "devices", "name",
					    NULL };

	for (int i = 0; i < 2; i++) {
		expect_stat(P(TYPES "/%s", type_ids[i]), S_IFDIR | 0755, 0);
		expect_listing(P(TYPES "/%s", type_ids[i]), want);
	}
}
END_TEST

START_TEST(type_create_mode)
{
	for (int i = 0; i < 2; i++)
		expect_stat(P(TYPES "/%s/create", type_ids[i]), S_IFREG | 0200, 4096);
}
END_TEST

START_TEST(type_name)
{
	expect_stat(P(TYPES "/mtty-1/name"), S_IFREG | 0444, 4096);
	expect_stat(P(TYPES "/mtty-2/name"), S_IFREG | 0444, 4096);
	expect_content(P(TYPES "/mtty-1/name"), "Single port serial\n");
	expect_content(P(TYPES "/mtty-2/name"), "Dual port serial\n");
}
END_TEST

START_TEST(type_device_api)
{
	for (int i = 0; i < 2; i++) {
		expect_stat(P(TYPES "/%s/device_api", type_ids[i]), S_IFREG | 0444,
			    4096);
		expect_content(P(TYPES "/%s/device_api", type_ids[i]), "vfio-pci\n");
	}
}
END_TEST

START_TEST(type_available_initial)
{
	expect_stat(P(TYPES "/mtty-1/available_instances"), S_IFREG | 0444, 4096);
	expect_stat(P(TYPES "/mtty-2/available_instances"), S_IFREG | 0444, 4096);
	expect_available("mtty-1", 24);
	expect_available("mtty-2", 12);
}
END_TEST

START_TEST(type_no_description)
{
	for (int i = 0; i < 2; i++) {
		expect_absent(P(TYPES "/%s/description", type_ids[i]));
		expect_open_errno(P(TYPES "/%s/description", type_ids[i]),
				  O_RDONLY, ENOENT);
	}
}
END_TEST

START_TEST(type_devices_dir)
{
	static const char *const none[] = { NULL };

	for (int i = 0; i < 2; i++) {
		expect_stat(P(TYPES "/%s/devices", type_ids[i]), S_IFDIR | 0755, 0);
		expect_listing(P(TYPES "/%s/devices", type_ids[i]), none);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* A created device                                                     */

START_TEST(mdev_dir_entries)
{
	static const struct { const char *name; int type; } want[] = {
		{ "driver", DT_LNK }, { "iommu_group", DT_LNK },
		{ "mdev_type", DT_LNK }, { "power", DT_DIR },
		{ "remove", DT_REG }, { "subsystem", DT_LNK },
		{ "uevent", DT_REG }, { "vendor", DT_DIR },
	};
	char u[37];
	struct listing *l;

	make_dev("mtty-2", u);
	expect_stat(P(PARENT "/%s", u), S_IFDIR | 0755, 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int t = listed(P(PARENT "/%s", u), want[i].name);

		ck_assert_msg(t == want[i].type, "%s/%s: d_type %d, want %d", u,
			      want[i].name, t, want[i].type);
	}
	/* Nothing else (Era E may add vfio-dev/). */
	l = list_dir(P(PARENT "/%s", u));
	for (int i = 0; i < l->n; i++) {
		bool known = strcmp(l->names[i], "vfio-dev") == 0;

		for (size_t j = 0; j < sizeof(want) / sizeof(want[0]); j++)
			known = known || strcmp(l->names[i], want[j].name) == 0;
		ck_assert_msg(known, "unexpected entry %s/%s", u, l->names[i]);
	}
	free(l);
}
END_TEST

START_TEST(mdev_remove_file)
{
	char u[37];

	make_dev("mtty-2", u);
	expect_stat(P(PARENT "/%s/remove", u), S_IFREG | 0200, 4096);
}
END_TEST

START_TEST(mdev_type_link)
{
	char u[37];

	make_dev("mtty-2", u);
	expect_stat(P(PARENT "/%s/mdev_type", u), S_IFLNK | 0777, 0);
	expect_link(P(PARENT "/%s/mdev_type", u), "../mdev_supported_types/mtty-2");
}
END_TEST

START_TEST(mdev_subsystem_link)
{
	char u[37];

	make_dev("mtty-2", u);
	expect_stat(P(PARENT "/%s/subsystem", u), S_IFLNK | 0777, 0);
	expect_link(P(PARENT "/%s/subsystem", u), "../../../../../bus/mdev");
}
END_TEST

START_TEST(mdev_driver_link)
{
	char u[37];

	make_dev("mtty-2", u);
	expect_stat(P(PARENT "/%s/driver", u), S_IFLNK | 0777, 0);
	expect_link(P(PARENT "/%s/driver", u), "../../../../../bus/mdev/drivers/mtty");
}
END_TEST

START_TEST(mdev_iommu_group_link)
{
	char u[37];

	make_dev("mtty-2", u);
	expect_stat(P(PARENT "/%s/iommu_group", u), S_IFLNK | 0777, 0);
	/* A fresh tree: the lowest free group id is 0. */
	expect_link(P(PARENT "/%s/iommu_group", u),
		    "../../../../../kernel/iommu_groups/0");
}
END_TEST

START_TEST(mdev_uevent)
{
	char u[37];

	make_dev("mtty-2", u);
	expect_stat(P(PARENT "/%s/uevent", u), S_IFREG | 0644, 4096);
	expect_content(P(PARENT "/%s/uevent", u), "DRIVER=mtty\n");
}
END_TEST

START_TEST(mdev_power)
{
	static const char *const want[] = {
		"autosuspend_delay_ms", "control", "runtime_active_time",
		"runtime_status", "runtime_suspended_time", NULL
	};
	char u[37];
	int e;

	make_dev("mtty-1", u);
	expect_stat(P(PARENT "/%s/power", u), S_IFDIR | 0755, 0);
	expect_listing(P(PARENT "/%s/power", u), want);
	expect_stat(P(PARENT "/%s/power/control", u), S_IFREG | 0644, 4096);
	expect_stat(P(PARENT "/%s/power/runtime_status", u), S_IFREG | 0444, 4096);
	expect_stat(P(PARENT "/%s/power/runtime_active_time", u), S_IFREG | 0444, 4096);
	expect_stat(P(PARENT "/%s/power/runtime_suspended_time", u), S_IFREG | 0444, 4096);
	expect_stat(P(PARENT "/%s/power/autosuspend_delay_ms", u), S_IFREG | 0644, 4096);
	expect_content(P(PARENT "/%s/power/control", u), "auto\n");
	expect_content(P(PARENT "/%s/power/runtime_status", u), "unsupported\n");
	expect_content(P(PARENT "/%s/power/runtime_active_time", u), "0\n");
	expect_content(P(PARENT "/%s/power/runtime_suspended_time", u), "0\n");
	e = read_errno(P(PARENT "/%s/power/autosuspend_delay_ms", u));
	ck_assert_msg(e == EIO, "read autosuspend_delay_ms: got %s, want EIO",
		      errname(e));
}
END_TEST

START_TEST(mdev_vendor_attr)
{
	static const char *const want[] = { "sample_mdev_dev", NULL };
	char u[37], text[64];

	make_dev("mtty-2", u);
	expect_stat(P(PARENT "/%s/vendor", u), S_IFDIR | 0755, 0);
	expect_listing(P(PARENT "/%s/vendor", u), want);
	expect_stat(P(PARENT "/%s/vendor/sample_mdev_dev", u), S_IFREG | 0444, 4096);
	snprintf(text, sizeof(text), "This is MDEV %s\n", u);
	expect_content(P(PARENT "/%s/vendor/sample_mdev_dev", u), text);
}
END_TEST

START_TEST(type_devices_link)
{
	static const char *const none[] = { NULL };
	char u[37], target[64];
	const char *one[] = { u, NULL };

	make_dev("mtty-2", u);
	snprintf(target, sizeof(target), "../../../%s", u);
	expect_stat(P(TYPES "/mtty-2/devices/%s", u), S_IFLNK | 0777, 0);
	expect_link(P(TYPES "/mtty-2/devices/%s", u), target);
	expect_listing(P(TYPES "/mtty-2/devices"), one);
	expect_listing(P(TYPES "/mtty-1/devices"), none);
}
END_TEST

START_TEST(bus_devices_link)
{
	char u[37], target[128];
	const char *one[] = { u, NULL };

	make_dev("mtty-2", u);
	snprintf(target, sizeof(target), "../../../devices/virtual/mtty/mtty/%s", u);
	expect_stat(P(BUSDEV "/%s", u), S_IFLNK | 0777, 0);
	expect_link(P(BUSDEV "/%s", u), target);
	expect_listing(P(BUSDEV), one);
	ck_assert_int_eq(listed(P(BUSDEV), u), DT_LNK);
}
END_TEST

START_TEST(driver_device_link)
{
	char u[37], target[128];

	make_dev("mtty-2", u);
	snprintf(target, sizeof(target),
		 "../../../../devices/virtual/mtty/mtty/%s", u);
	expect_stat(P(DRVDIR "/%s", u), S_IFLNK | 0777, 0);
	expect_link(P(DRVDIR "/%s", u), target);
}
END_TEST

/* 6.x: unbind releases the driver (its files, link and IOMMU group go);
 * the device stays and can still be removed. */
START_TEST(driver_unbind)
{
	char u[37];

	make_dev("mtty-2", u);
	expect_write_ok(P(DRVDIR "/unbind"), u);
	expect_absent(P(DRVDIR "/%s", u));
	expect_absent(P(PARENT "/%s/driver", u));
	expect_absent(P(PARENT "/%s/iommu_group", u));
	expect_absent(P(PARENT "/%s/vendor", u));
	expect_absent(P(GROUPS "/0"));
	expect_content(P(PARENT "/%s/uevent", u), "");
	expect_link(P(PARENT "/%s/mdev_type", u), "../mdev_supported_types/mtty-2");
	/* The driver released the ports with the device. */
	expect_available("mtty-2", 12);
	ck_assert_int_eq(write_str_errno(P(DRVDIR "/unbind"), u), ENODEV);
	remove_dev(u);
	expect_absent(P(BUSDEV "/%s", u));
}
END_TEST

/* 6.x: the mdev bus never matches, so bind cannot re-attach. */
START_TEST(driver_bind_refused)
{
	char u[37], upper[37];

	make_dev("mtty-1", u);
	ck_assert_int_eq(write_str_errno(P(DRVDIR "/bind"), u), ENODEV);
	expect_write_ok(P(DRVDIR "/unbind"), u);
	ck_assert_int_eq(write_str_errno(P(DRVDIR "/bind"), u), ENODEV);
	for (int i = 0; i < 37; i++)
		upper[i] = (char)toupper((unsigned char)u[i]);
	ck_assert_int_eq(write_str_errno(P(DRVDIR "/unbind"), upper), ENODEV);
	ck_assert_int_eq(write_str_errno(P(DRVDIR "/unbind"), "nonsense"), ENODEV);
}
END_TEST

START_TEST(bus_layout)
{
	static const char *const bus[] = { "devices", "drivers",
					   "drivers_autoprobe", "drivers_probe",
					   "uevent", NULL };
	static const char *const drivers[] = { "mtty", NULL };
	static const char *const drv[] = { "bind", "uevent", "unbind", NULL };
	static const char *const none[] = { NULL };

	expect_listing(P("bus/mdev"), bus);
	expect_stat(P(BUSDEV), S_IFDIR | 0755, 0);
	expect_listing(P(BUSDEV), none);
	expect_stat(P("bus/mdev/drivers"), S_IFDIR | 0755, 0);
	expect_listing(P("bus/mdev/drivers"), drivers);
	expect_stat(P(DRVDIR), S_IFDIR | 0755, 0);
	expect_listing(P(DRVDIR), drv);
	expect_stat(P(DRVDIR "/bind"), S_IFREG | 0200, 4096);
	expect_stat(P(DRVDIR "/unbind"), S_IFREG | 0200, 4096);
	expect_stat(P(DRVDIR "/uevent"), S_IFREG | 0200, 4096);
	expect_stat(P("bus/mdev/drivers_autoprobe"), S_IFREG | 0644, 4096);
	expect_stat(P("bus/mdev/drivers_probe"), S_IFREG | 0200, 4096);
	expect_stat(P("bus/mdev/uevent"), S_IFREG | 0200, 4096);
	expect_content(P("bus/mdev/drivers_autoprobe"), "1\n");
}
END_TEST

START_TEST(class_mdev_bus_link)
{
	static const char *const want[] = { "mtty", NULL };
	char real[PATH_MAX], expect[PATH_MAX + 64];

	expect_stat(P("class/mdev_bus"), S_IFDIR | 0755, 0);
	expect_listing(P("class/mdev_bus"), want);
	expect_stat(P("class/mdev_bus/mtty"), S_IFLNK | 0777, 0);
	expect_link(P("class/mdev_bus/mtty"), "../../devices/virtual/mtty/mtty");
	ck_assert_msg(realpath(P("class/mdev_bus/mtty"), real) != NULL,
		      "realpath class/mdev_bus/mtty: %s", errname(errno));
	snprintf(expect, sizeof(expect), "%s/" PARENT, g_mnt.dir);
	ck_assert_str_eq(real, expect);
}
END_TEST

START_TEST(iommu_groups_initially_empty)
{
	static const char *const none[] = { NULL };

	expect_stat(P(GROUPS), S_IFDIR | 0755, 0);
	expect_listing(P(GROUPS), none);
}
END_TEST

START_TEST(iommu_group_listing)
{
	static const char *const want[] = { "devices", "name",
					    "reserved_regions", "type", NULL };
	char u[37];
	const char *one[] = { u, NULL };

	make_dev("mtty-2", u);
	expect_stat(P(GROUPS "/0"), S_IFDIR | 0755, 0);
	expect_listing(P(GROUPS "/0"), want);
	expect_stat(P(GROUPS "/0/devices"), S_IFDIR | 0755, 0);
	expect_listing(P(GROUPS "/0/devices"), one);
}
END_TEST

START_TEST(iommu_group_devices_link)
{
	char u[37], target[128];

	make_dev("mtty-2", u);
	snprintf(target, sizeof(target),
		 "../../../../devices/virtual/mtty/mtty/%s", u);
	expect_stat(P(GROUPS "/0/devices/%s", u), S_IFLNK | 0777, 0);
	expect_link(P(GROUPS "/0/devices/%s", u), target);
}
END_TEST

START_TEST(iommu_group_name)
{
	make_dev("mtty-2", NULL);
	expect_stat(P(GROUPS "/0/name"), S_IFREG | 0444, 4096);
	expect_content(P(GROUPS "/0/name"), "vfio-noiommu\n");
}
END_TEST

START_TEST(iommu_group_type)
{
	make_dev("mtty-2", NULL);
	expect_stat(P(GROUPS "/0/type"), S_IFREG | 0644, 4096);
	expect_content(P(GROUPS "/0/type"), "unknown\n");
}
END_TEST

START_TEST(iommu_group_reserved_regions)
{
	make_dev("mtty-2", NULL);
	expect_stat(P(GROUPS "/0/reserved_regions"), S_IFREG | 0444, 4096);
	expect_content(P(GROUPS "/0/reserved_regions"), "");
}
END_TEST

/* One fresh group per device, numbered with the lowest free id. */
START_TEST(iommu_group_ids)
{
	char a[37], b[37], c[37], d[37];

	make_dev("mtty-1", a);
	make_dev("mtty-1", b);
	expect_link(P(PARENT "/%s/iommu_group", a), "../../../../../kernel/iommu_groups/0");
	expect_link(P(PARENT "/%s/iommu_group", b), "../../../../../kernel/iommu_groups/1");
	remove_dev(a);
	make_dev("mtty-2", c);
	expect_link(P(PARENT "/%s/iommu_group", c), "../../../../../kernel/iommu_groups/0");
	make_dev("mtty-2", d);
	expect_link(P(PARENT "/%s/iommu_group", d), "../../../../../kernel/iommu_groups/2");
}
END_TEST

/* ------------------------------------------------------------------ */
/* The whole tree                                                       */

typedef void (*visit_fn)(const char *path, const struct stat *st,
			 unsigned char d_type, void *ctx);

/* Depth-first walk with readdir + lstat only (never reads a file). */
static int walk(const char *dir, visit_fn visit, void *ctx)
{
	struct listing *l = list_dir(dir);
	int count = 0;

	for (int i = 0; i < l->n; i++) {
		char path[PATH_MAX];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, l->names[i]);
		ck_assert_msg(lstat(path, &st) == 0, "lstat %s: %s", path,
			      errname(errno));
		visit(path, &st, l->types[i], ctx);
		count++;
		if (S_ISDIR(st.st_mode))
			count += walk(path, visit, ctx);
	}
	free(l);
	return count;
}

/* A tree with one device of each type, so every kind of entry exists. */
static void populate(void)
{
	make_dev("mtty-1", NULL);
	make_dev("mtty-2", NULL);
}

static void visit_attr_size(const char *path, const struct stat *st,
			    unsigned char d_type, void *ctx)
{
	(void)d_type;
	if (S_ISREG(st->st_mode)) {
		off_t want = attr_size(path, st->st_mode);

		ck_assert_msg(st->st_size == want, "%s: st_size %lld, want %lld",
			      path, (long long)st->st_size, (long long)want);
		(*(int *)ctx)++;
	}
}

START_TEST(tree_attr_size_fresh)
{
	int files = 0;

	populate();
	walk(g_mnt.dir, visit_attr_size, &files);
	ck_assert_msg(files >= 40, "only %d attribute files found", files);
}
END_TEST

static void visit_dir_link(const char *path, const struct stat *st,
			   unsigned char d_type, void *ctx)
{
	(void)d_type;
	(void)ctx;
	if (S_ISDIR(st->st_mode)) {
		ck_assert_msg(st->st_size == 0, "%s: dir st_size %lld, want 0",
			      path, (long long)st->st_size);
		ck_assert_msg((st->st_mode & 07777) == 0755, "%s: dir mode 0%o",
			      path, (unsigned)(st->st_mode & 07777));
	} else if (S_ISLNK(st->st_mode)) {
		ck_assert_msg(st->st_size == 0, "%s: link st_size %lld, want 0",
			      path, (long long)st->st_size);
		ck_assert_msg((st->st_mode & 07777) == 0777, "%s: link mode 0%o",
			      path, (unsigned)(st->st_mode & 07777));
	} else {
		ck_assert_msg(S_ISREG(st->st_mode), "%s: mode 0%o is no dir, "
			      "link or regular file", path, (unsigned)st->st_mode);
	}
}

START_TEST(tree_dirs_and_links_size)
{
	populate();
	walk(g_mnt.dir, visit_dir_link, NULL);
}
END_TEST

static void visit_dtype(const char *path, const struct stat *st,
			unsigned char d_type, void *ctx)
{
	(void)ctx;
	ck_assert_msg(d_type != DT_UNKNOWN, "%s: d_type DT_UNKNOWN", path);
	ck_assert_msg(d_type == IFTODT(st->st_mode),
		      "%s: d_type %d, lstat says %d", path, d_type,
		      IFTODT(st->st_mode));
}

START_TEST(tree_dtype)
{
	populate();
	walk(g_mnt.dir, visit_dtype, NULL);
}
END_TEST

static void visit_link(const char *path, const struct stat *st,
		       unsigned char d_type, void *ctx)
{
	char text[PATH_MAX], real[PATH_MAX];
	size_t rootlen = strlen(g_mnt.dir);
	struct stat target;
	ssize_t n;

	(void)d_type;
	if (!S_ISLNK(st->st_mode))
		return;
	(*(int *)ctx)++;
	n = readlink(path, text, sizeof(text) - 1);
	ck_assert_msg(n > 0, "readlink %s: %s", path, errname(errno));
	text[n] = '\0';
	ck_assert_msg(text[0] != '/', "%s -> %s is not relative", path, text);
	ck_assert_msg(realpath(path, real) != NULL, "realpath %s (-> %s): %s",
		      path, text, errname(errno));
	ck_assert_msg(strncmp(real, g_mnt.dir, rootlen) == 0 &&
		      real[rootlen] == '/',
		      "%s resolves to %s, outside the mount", path, real);
	ck_assert_msg(stat(path, &target) == 0 && S_ISDIR(target.st_mode),
		      "%s -> %s is not a directory", path, text);
}

START_TEST(tree_links_resolve)
{
	int links = 0;

	populate();
	walk(g_mnt.dir, visit_link, &links);
	/* class x2, parent subsystem, and 8 per device (2 devices). */
	ck_assert_msg(links >= 19, "only %d links found", links);
}
END_TEST

/* ------------------------------------------------------------------ */
/* create                                                               */

START_TEST(create_36_bytes)
{
	char u[37];
	int e;

	new_uuid(u);
	e = write_errno(P(TYPES "/mtty-2/create"), u, 36);
	ck_assert_msg(e == 0, "36-byte create failed: %s", errname(e));
	expect_stat(P(PARENT "/%s", u), S_IFDIR | 0755, 0);
}
END_TEST

START_TEST(create_37_bytes)
{
	char u[37], text[38];
	int e;

	new_uuid(u);
	snprintf(text, sizeof(text), "%s\n", u);
	e = write_errno(P(TYPES "/mtty-2/create"), text, 37);
	ck_assert_msg(e == 0, "37-byte create failed: %s", errname(e));
	expect_stat(P(PARENT "/%s", u), S_IFDIR | 0755, 0);
}
END_TEST

/* The 37th byte is never examined (kernel.md 3.2). */
START_TEST(create_37th_byte_unchecked)
{
	char u[37], text[38];
	int e;

	new_uuid(u);
	snprintf(text, sizeof(text), "%sX", u);
	e = write_errno(P(TYPES "/mtty-1/create"), text, 37);
	ck_assert_msg(e == 0, "UUID + 'X' create failed: %s", errname(e));
	expect_stat(P(PARENT "/%s", u), S_IFDIR | 0755, 0);
}
END_TEST

START_TEST(create_uppercase)
{
	uuid_t bin;
	char upper[37], lower[37], text[38];

	uuid_generate_random(bin);
	uuid_unparse_upper(bin, upper);
	uuid_unparse_lower(bin, lower);
	ck_assert_str_ne(upper, lower);
	snprintf(text, sizeof(text), "%s\n", upper);
	expect_write_ok(P(TYPES "/mtty-2/create"), text);
	expect_stat(P(PARENT "/%s", lower), S_IFDIR | 0755, 0);
	expect_stat(P(BUSDEV "/%s", lower), S_IFLNK | 0777, 0);
	expect_absent(P(PARENT "/%s", upper));
	expect_absent(P(BUSDEV "/%s", upper));
}
END_TEST

START_TEST(create_bad_length)
{
	static const char *const none[] = { NULL };
	char u[37], text[64], *big;
	int e;

	new_uuid(u);
	e = write_errno(P(TYPES "/mtty-2/create"), u, 35);
	ck_assert_msg(e == EINVAL, "35 bytes: got %s, want EINVAL", errname(e));
	snprintf(text, sizeof(text), "%s\r\n", u);
	e = write_errno(P(TYPES "/mtty-2/create"), text, 38);
	ck_assert_msg(e == EINVAL, "38 bytes: got %s, want EINVAL", errname(e));
	snprintf(text, sizeof(text), "%s\n\n", u);
	e = write_errno(P(TYPES "/mtty-2/create"), text, 38);
	ck_assert_msg(e == EINVAL, "UUID + 2 newlines: got %s, want EINVAL",
		      errname(e));
	/* 32 hex digits without dashes. */
	snprintf(text, sizeof(text), "%.8s%.4s%.4s%.4s%.12s", u, u + 9, u + 14,
		 u + 19, u + 24);
	e = write_errno(P(TYPES "/mtty-2/create"), text, 32);
	ck_assert_msg(e == EINVAL, "32 bytes: got %s, want EINVAL", errname(e));
	/* More than a page: cut to 4096 bytes, still the wrong length. */
	big = malloc(5000);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', 5000);
	memcpy(big, u, 36);
	e = write_errno(P(TYPES "/mtty-2/create"), big, 5000);
	free(big);
	ck_assert_msg(e == EINVAL, "5000 bytes: got %s, want EINVAL", errname(e));
	expect_listing(P(BUSDEV), none);
	expect_available("mtty-2", 12);
}
END_TEST

START_TEST(create_braces)
{
	char u[37], text[64];

	new_uuid(u);
	snprintf(text, sizeof(text), "{%s}", u);
	expect_write_fails(P(TYPES "/mtty-2/create"), text, EINVAL);
	snprintf(text, sizeof(text), "{%s}\n", u);
	expect_write_fails(P(TYPES "/mtty-2/create"), text, EINVAL);
	expect_absent(P(PARENT "/%s", u));
}
END_TEST

START_TEST(create_leading_space)
{
	char u[37], text[64];

	new_uuid(u);
	snprintf(text, sizeof(text), " %s", u);
	expect_write_fails(P(TYPES "/mtty-2/create"), text, EINVAL);
	expect_absent(P(PARENT "/%s", u));
}
END_TEST

START_TEST(create_bad_format)
{
	char u[37], text[64];

	new_uuid(u);
	memcpy(text, u, 37);
	text[0] = 'g';                   /* not a hex digit */
	expect_write_fails(P(TYPES "/mtty-2/create"), text, EINVAL);
	memcpy(text, u, 37);
	text[8] = '0';                   /* dash moved */
	text[9] = '-';
	expect_write_fails(P(TYPES "/mtty-2/create"), text, EINVAL);
	memcpy(text, u, 37);
	text[10] = '\0';                 /* a NUL inside the 36 bytes */
	ck_assert_int_eq(write_errno(P(TYPES "/mtty-2/create"), text, 36), EINVAL);
	expect_available("mtty-2", 12);
}
END_TEST

START_TEST(create_duplicate_same_type)
{
	char u[37];

	make_dev("mtty-2", u);
	ck_assert_msg(try_create("mtty-2", u) == EEXIST,
		      "second create of %s on mtty-2 is not EEXIST", u);
	expect_available("mtty-2", 11);
}
END_TEST

START_TEST(create_duplicate_other_type)
{
	char u[37];
	int e;

	make_dev("mtty-2", u);
	e = try_create("mtty-1", u);
	ck_assert_msg(e == EEXIST, "create of %s on mtty-1: got %s, want EEXIST",
		      u, errname(e));
	expect_available("mtty-1", 22);
	expect_link(P(PARENT "/%s/mdev_type", u), "../mdev_supported_types/mtty-2");
}
END_TEST

START_TEST(create_duplicate_any_case)
{
	uuid_t bin;
	char upper[37], lower[37];
	int e;

	uuid_generate_random(bin);
	uuid_unparse_upper(bin, upper);
	uuid_unparse_lower(bin, lower);
	ck_assert_int_eq(try_create("mtty-1", lower), 0);
	e = try_create("mtty-1", upper);
	ck_assert_msg(e == EEXIST, "uppercase duplicate: got %s, want EEXIST",
		      errname(e));
	e = try_create("mtty-2", upper);
	ck_assert_msg(e == EEXIST, "uppercase duplicate on mtty-2: got %s, "
		      "want EEXIST", errname(e));
	remove_dev(lower);
	ck_assert_int_eq(try_create("mtty-2", upper), 0);
	e = try_create("mtty-1", lower);
	ck_assert_msg(e == EEXIST, "lowercase duplicate: got %s, want EEXIST",
		      errname(e));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Capacity                                                             */

START_TEST(pool_exhaust_dual)
{
	char u[37];
	int e;

	for (int i = 0; i < 12; i++)
		make_dev("mtty-2", NULL);
	expect_available("mtty-2", 0);
	expect_available("mtty-1", 0);
	new_uuid(u);
	e = try_create("mtty-2", u);
	ck_assert_msg(e == ENOSPC, "13th mtty-2: got %s, want ENOSPC", errname(e));
	e = try_create("mtty-1", u);
	ck_assert_msg(e == ENOSPC, "mtty-1 with 24 ports used: got %s, want ENOSPC",
		      errname(e));
}
END_TEST

START_TEST(pool_exhaust_single)
{
	char u[37];
	int e;

	for (int i = 0; i < 24; i++)
		make_dev("mtty-1", NULL);
	expect_available("mtty-1", 0);
	expect_available("mtty-2", 0);
	new_uuid(u);
	e = try_create("mtty-1", u);
	ck_assert_msg(e == ENOSPC, "25th mtty-1: got %s, want ENOSPC", errname(e));
	e = try_create("mtty-2", u);
	ck_assert_msg(e == ENOSPC, "mtty-2 with 24 ports used: got %s, want ENOSPC",
		      errname(e));
}
END_TEST

START_TEST(pool_exhaust_mixed)
{
	char u[37];
	int e;

	for (int i = 0; i < 23; i++)
		make_dev("mtty-1", NULL);
	expect_available("mtty-1", 1);
	expect_available("mtty-2", 0);
	new_uuid(u);
	e = try_create("mtty-2", u);
	ck_assert_msg(e == ENOSPC, "mtty-2 with 1 port left: got %s, want ENOSPC",
		      errname(e));
	expect_available("mtty-1", 1);
	ck_assert_int_eq(try_create("mtty-1", u), 0);
	expect_available("mtty-1", 0);
}
END_TEST

/* A create that fails leaves nothing behind and does not keep the UUID. */
START_TEST(failed_create_leaves_nothing)
{
	char u[37], first[37];
	int e;

	make_dev("mtty-2", first);
	for (int i = 0; i < 11; i++)
		make_dev("mtty-2", NULL);
	new_uuid(u);
	expect_absent(P(PARENT "/%s", u));
	expect_absent(P(BUSDEV "/%s", u));
	e = try_create("mtty-1", u);
	ck_assert_msg(e == ENOSPC, "got %s, want ENOSPC", errname(e));
	expect_absent(P(PARENT "/%s", u));
	expect_absent(P(BUSDEV "/%s", u));
	expect_absent(P(TYPES "/mtty-1/devices/%s", u));
	expect_absent(P(GROUPS "/12"));
	ck_assert_int_eq(listed(P(PARENT), u), -1);
	ck_assert_int_eq(listed(P(BUSDEV), u), -1);
	remove_dev(first);
	e = try_create("mtty-1", u);
	ck_assert_msg(e == 0, "create of %s after freeing ports: %s", u,
		      errname(e));
	expect_stat(P(BUSDEV "/%s", u), S_IFLNK | 0777, 0);
}
END_TEST

START_TEST(available_tracks_devices)
{
	char a[37], b[37], c[37];

	expect_available("mtty-1", 24);
	expect_available("mtty-2", 12);
	make_dev("mtty-2", a);
	expect_available("mtty-1", 22);
	expect_available("mtty-2", 11);
	make_dev("mtty-1", b);
	expect_available("mtty-1", 21);
	expect_available("mtty-2", 10);
	make_dev("mtty-1", c);
	expect_available("mtty-1", 20);
	expect_available("mtty-2", 10);
	remove_dev(a);
	expect_available("mtty-1", 22);
	expect_available("mtty-2", 11);
	remove_dev(b);
	remove_dev(c);
	expect_available("mtty-1", 24);
	expect_available("mtty-2", 12);
}
END_TEST

/* ------------------------------------------------------------------ */
/* remove                                                               */

START_TEST(remove_accepts)
{
	static const char *const values[] = { "1", "1\n", "0x1", "+1", "01",
					      "2", "+0x10\n" };

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char u[37];

		make_dev("mtty-1", u);
		expect_write_ok(P(PARENT "/%s/remove", u), values[i]);
		expect_absent(P(PARENT "/%s", u));
	}
	expect_available("mtty-1", 24);
}
END_TEST

START_TEST(remove_zero_is_noop)
{
	static const char *const values[] = { "0", "0\n", "00", "0x0", "+0" };
	char u[37];

	make_dev("mtty-1", u);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		expect_write_ok(P(PARENT "/%s/remove", u), values[i]);
		expect_stat(P(PARENT "/%s", u), S_IFDIR | 0755, 0);
		expect_stat(P(PARENT "/%s/remove", u), S_IFREG | 0200, 4096);
		expect_stat(P(BUSDEV "/%s", u), S_IFLNK | 0777, 0);
	}
	expect_available("mtty-1", 23);
}
END_TEST

START_TEST(remove_invalid)
{
	static const char *const values[] = { "yes", "-1", " 1", "1 ", "1\n\n",
					      "0x", "1x", "\n" };
	char u[37];

	make_dev("mtty-1", u);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		expect_write_fails(P(PARENT "/%s/remove", u), values[i], EINVAL);
		expect_stat(P(PARENT "/%s", u), S_IFDIR | 0755, 0);
	}
	expect_available("mtty-1", 23);
}
END_TEST

/* ------------------------------------------------------------------ */
/* open() permission rules                                              */

START_TEST(open_create_for_reading)
{
	expect_open_errno(P(TYPES "/mtty-2/create"), O_RDONLY, EACCES);
	expect_open_errno(P(TYPES "/mtty-2/create"), O_RDWR, EACCES);
}
END_TEST

START_TEST(open_readonly_for_writing)
{
	expect_open_errno(P(TYPES "/mtty-2/available_instances"), O_WRONLY, EACCES);
	expect_open_errno(P(TYPES "/mtty-2/available_instances"), O_RDWR, EACCES);
	expect_open_errno(P(TYPES "/mtty-1/name"), O_WRONLY, EACCES);
	expect_open_errno(P(TYPES "/mtty-1/device_api"), O_WRONLY | O_TRUNC, EACCES);
	expect_open_errno(P(PARENT "/power/runtime_status"), O_WRONLY, EACCES);
}
END_TEST

START_TEST(open_remove_for_reading)
{
	char u[37];

	make_dev("mtty-1", u);
	expect_open_errno(P(PARENT "/%s/remove", u), O_RDONLY, EACCES);
	expect_open_errno(P(PARENT "/%s/remove", u), O_RDWR, EACCES);
	expect_open_errno(P("bus/mdev/drivers_probe"), O_RDONLY, EACCES);
}
END_TEST

START_TEST(open_creat_missing_name)
{
	expect_open_errno(P(TYPES "/mtty-2/creat"), O_WRONLY | O_CREAT, EACCES);
	expect_open_errno(P(TYPES "/mtty-2/creat"), O_WRONLY | O_CREAT | O_TRUNC,
			  EACCES);
	expect_open_errno(P(BUSDEV "/new"), O_WRONLY | O_CREAT, EACCES);
	expect_absent(P(TYPES "/mtty-2/creat"));
	expect_absent(P(BUSDEV "/new"));
}
END_TEST

START_TEST(open_create_with_creat_trunc)
{
	char u[37];
	int fd;
	ssize_t n;

	new_uuid(u);
	fd = open(P(TYPES "/mtty-2/create"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_msg(fd >= 0, "open create O_WRONLY|O_CREAT|O_TRUNC: %s",
		      errname(errno));
	n = write(fd, u, 36);
	ck_assert_msg(n == 36, "write returned %zd (%s)", n,
		      n < 0 ? errname(errno) : "short");
	ck_assert_int_eq(close(fd), 0);
	expect_stat(P(PARENT "/%s", u), S_IFDIR | 0755, 0);
	expect_stat(P(TYPES "/mtty-2/create"), S_IFREG | 0200, 4096);
	/* O_CREAT|O_EXCL on an existing name is the usual EEXIST. */
	expect_open_errno(P(TYPES "/mtty-2/create"), O_WRONLY | O_CREAT | O_EXCL,
			  EEXIST);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Namespace operations                                                 */

START_TEST(mkdir_eperm)
{
	static const char *const dirs[] = { "", TYPES "/mtty-2", BUSDEV, PARENT,
					    GROUPS };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		const char *path = P("%s%snewdir", dirs[i], *dirs[i] ? "/" : "");
		int e = mkdir(path, 0755) == 0 ? 0 : errno;

		ck_assert_msg(e == EPERM, "mkdir %s: got %s, want EPERM", path,
			      errname(e));
		expect_absent(path);
	}
}
END_TEST

START_TEST(unlink_eperm)
{
	char u[37];
	const char *paths[4];
	int e;

	make_dev("mtty-2", u);
	paths[0] = P(TYPES "/mtty-2/create");
	paths[1] = P(BUSDEV "/%s", u);
	paths[2] = P(PARENT "/%s/remove", u);
	paths[3] = P(TYPES "/mtty-2/devices/%s", u);
	for (int i = 0; i < 4; i++) {
		e = unlink(paths[i]) == 0 ? 0 : errno;
		ck_assert_msg(e == EPERM, "unlink %s: got %s, want EPERM", paths[i],
			      errname(e));
		ck_assert_int_eq(lstat_errno(paths[i]), 0);
	}
}
END_TEST

START_TEST(other_namespace_ops_refused)
{
	char u[37];
	int e;

	make_dev("mtty-2", u);
	e = rmdir(P(PARENT "/%s", u)) == 0 ? 0 : errno;
	ck_assert_msg(e == EPERM, "rmdir device dir: got %s", errname(e));
	e = rmdir(P(TYPES "/mtty-1/devices")) == 0 ? 0 : errno;
	ck_assert_msg(e == EPERM, "rmdir empty devices/: got %s", errname(e));
	e = rename(P(TYPES "/mtty-2/name"), P(TYPES "/mtty-2/name2")) == 0 ? 0 : errno;
	ck_assert_msg(e == EPERM, "rename: got %s", errname(e));
	e = symlink("x", P(BUSDEV "/sym")) == 0 ? 0 : errno;
	ck_assert_msg(e == EPERM, "symlink: got %s", errname(e));
	e = link(P(TYPES "/mtty-2/name"), P(TYPES "/mtty-2/name3")) == 0 ? 0 : errno;
	ck_assert_msg(e == EPERM, "link: got %s", errname(e));
	e = mkfifo(P(TYPES "/mtty-2/fifo"), 0644) == 0 ? 0 : errno;
	ck_assert_msg(e == EPERM, "mkfifo: got %s", errname(e));
	e = mknod(P(TYPES "/mtty-2/reg"), S_IFREG | 0644, 0) == 0 ? 0 : errno;
	ck_assert_msg(e == EACCES, "mknod S_IFREG: got %s, want EACCES", errname(e));
	expect_stat(P(PARENT "/%s", u), S_IFDIR | 0755, 0);
	expect_stat(P(TYPES "/mtty-2/name"), S_IFREG | 0444, 4096);
	expect_absent(P(TYPES "/mtty-2/name2"));
	expect_absent(P(BUSDEV "/sym"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Open files across removal                                            */

START_TEST(stale_fd_read_enodev)
{
	char u[37], buf[128];
	int fd;
	ssize_t n;

	make_dev("mtty-2", u);
	fd = open(P(PARENT "/%s/vendor/sample_mdev_dev", u), O_RDONLY);
	ck_assert_msg(fd >= 0, "open: %s", errname(errno));
	remove_dev(u);
	n = read(fd, buf, sizeof(buf));
	ck_assert_msg(n < 0 && errno == ENODEV,
		      "read after removal returned %zd (%s), want ENODEV", n,
		      n < 0 ? errname(errno) : "data");
	close(fd);
}
END_TEST

/* Same, but the value was read (and so cached) before the removal. */
START_TEST(stale_fd_reread_enodev)
{
	char u[37], buf[128];
	int fd;
	ssize_t n;

	make_dev("mtty-2", u);
	fd = open(P(PARENT "/%s/vendor/sample_mdev_dev", u), O_RDONLY);
	ck_assert_msg(fd >= 0, "open: %s", errname(errno));
	n = read(fd, buf, sizeof(buf));
	ck_assert_int_eq(n, 50);
	remove_dev(u);
	n = pread(fd, buf, sizeof(buf), 0);
	ck_assert_msg(n < 0 && errno == ENODEV,
		      "pread at 0 after removal returned %zd (%s), want ENODEV",
		      n, n < 0 ? errname(errno) : "data");
	close(fd);
}
END_TEST

START_TEST(stale_fd_write_enodev)
{
	char u[37];
	int fd;
	ssize_t n;

	make_dev("mtty-2", u);
	fd = open(P(PARENT "/%s/remove", u), O_WRONLY);
	ck_assert_msg(fd >= 0, "open: %s", errname(errno));
	remove_dev(u);
	n = write(fd, "1", 1);
	ck_assert_msg(n < 0 && errno == ENODEV,
		      "write after removal returned %zd (%s), want ENODEV", n,
		      n < 0 ? errname(errno) : "ok");
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */
/* write() boundaries                                                   */

START_TEST(zero_length_write)
{
	static const char *const none[] = { NULL };
	int fd = open(P(TYPES "/mtty-2/create"), O_WRONLY);
	ssize_t n;

	ck_assert_msg(fd >= 0, "open: %s", errname(errno));
	n = write(fd, "", 0);
	ck_assert_msg(n == 0, "zero-length write returned %zd (%s)", n,
		      n < 0 ? errname(errno) : "");
	close(fd);
	expect_listing(P(BUSDEV), none);
	expect_available("mtty-2", 12);
}
END_TEST

START_TEST(split_write_is_two_stores)
{
	char u[37], text[38];
	int fd;
	ssize_t n;

	new_uuid(u);
	snprintf(text, sizeof(text), "%s\n", u);
	fd = open(P(TYPES "/mtty-2/create"), O_WRONLY);
	ck_assert_msg(fd >= 0, "open: %s", errname(errno));
	n = write(fd, text, 18);
	ck_assert_msg(n < 0 && errno == EINVAL,
		      "first half returned %zd (%s), want EINVAL", n,
		      n < 0 ? errname(errno) : "ok");
	n = write(fd, text + 18, 19);
	ck_assert_msg(n < 0 && errno == EINVAL,
		      "second half returned %zd (%s), want EINVAL", n,
		      n < 0 ? errname(errno) : "ok");
	/* The same fd then takes a whole UUID in one write. */
	n = write(fd, text, 37);
	ck_assert_msg(n == 37, "whole UUID returned %zd (%s)", n,
		      n < 0 ? errname(errno) : "short");
	n = write(fd, text, 37);
	ck_assert_msg(n < 0 && errno == EEXIST,
		      "repeat on the same fd returned %zd (%s), want EEXIST", n,
		      n < 0 ? errname(errno) : "ok");
	close(fd);
	expect_stat(P(PARENT "/%s", u), S_IFDIR | 0755, 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Freshness: nothing the kernel caches may outlive a change            */

START_TEST(fresh_create_remove_loop)
{
	char text[40], u[37], avail[PATH_MAX], create[PATH_MAX];

	snprintf(avail, sizeof(avail), "%s", P(TYPES "/mtty-1/available_instances"));
	snprintf(create, sizeof(create), "%s", P(TYPES "/mtty-1/create"));

	for (int i = 0; i < FRESH_ITERATIONS; i++) {
		int e;

		expect_content(avail, "24\n");
		new_uuid(u);
		snprintf(text, sizeof(text), "%s\n", u);
		e = write_str_errno(create, text);
		ck_assert_msg(e == 0, "iteration %d: create: %s", i, errname(e));
		expect_content(avail, "23\n");
		e = stat_errno(P(BUSDEV "/%s", u));
		ck_assert_msg(e == 0, "iteration %d: stat bus link after create: %s",
			      i, errname(e));
		e = write_str_errno(P(PARENT "/%s/remove", u), "1\n");
		ck_assert_msg(e == 0, "iteration %d: remove: %s", i, errname(e));
		expect_content(avail, "24\n");
		e = stat_errno(P(BUSDEV "/%s", u));
		ck_assert_msg(e == ENOENT, "iteration %d: stat bus link after "
			      "remove: %s, want ENOENT", i, errname(e));
		e = lstat_errno(P(BUSDEV "/%s", u));
		ck_assert_msg(e == ENOENT, "iteration %d: lstat bus link after "
			      "remove: %s, want ENOENT", i, errname(e));
		ck_assert_msg(listed(P(PARENT), u) == -1,
			      "iteration %d: %s still listed in the parent", i, u);
	}
}
END_TEST

START_TEST(fresh_negative_lookup)
{
	char u[37];
	const char *paths[3];
	int e;

	new_uuid(u);
	paths[0] = P(PARENT "/%s", u);
	paths[1] = P(BUSDEV "/%s", u);
	paths[2] = P(TYPES "/mtty-2/devices/%s", u);
	for (int i = 0; i < 3; i++)
		expect_absent(paths[i]);      /* cached as negative entries */
	expect_absent(P(GROUPS "/0"));
	expect_absent(P(DRVDIR "/%s", u));
	ck_assert_int_eq(try_create("mtty-2", u), 0);
	for (int i = 0; i < 3; i++) {
		e = lstat_errno(paths[i]);
		ck_assert_msg(e == 0, "lstat %s after create: %s", paths[i],
			      errname(e));
	}
	ck_assert_int_eq(lstat_errno(P(GROUPS "/0")), 0);
	ck_assert_int_eq(lstat_errno(P(DRVDIR "/%s", u)), 0);
}
END_TEST

static void append_stale(char *buf, size_t len, const char *dir,
			 const char *name)
{
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%s%s (%s)", used ? ", " : "", dir,
		 strlen(name) > 8 ? "uuid" : name);
}

/* Directory listings read before a create must show the new entries. */
START_TEST(fresh_listing_after_create)
{
	static const char *const dirs[] = { BUSDEV, PARENT, TYPES "/mtty-2/devices",
					    GROUPS, DRVDIR };
	const size_t ndirs = sizeof(dirs) / sizeof(dirs[0]);
	const char *names[5];
	char u[37], stale[1024] = "";

	for (size_t i = 0; i < ndirs; i++)
		free(list_dir(P("%s", dirs[i])));  /* now cached */
	make_dev("mtty-2", u);
	names[0] = u;
	names[1] = u;
	names[2] = u;
	names[3] = "0";
	names[4] = u;
	for (size_t i = 0; i < ndirs; i++)
		if (listed(P("%s", dirs[i]), names[i]) < 0)
			append_stale(stale, sizeof(stale), dirs[i], names[i]);
	ck_assert_msg(!stale[0], "cached listings lack the new entry right "
		      "after the create: %s", stale);
}
END_TEST

START_TEST(fresh_listing_after_remove)
{
	static const char *const dirs[] = { BUSDEV, PARENT, TYPES "/mtty-2/devices",
					    GROUPS, DRVDIR };
	const size_t ndirs = sizeof(dirs) / sizeof(dirs[0]);
	const char *names[5];
	char u[37], stale[1024] = "";

	make_dev("mtty-2", u);
	names[0] = u;
	names[1] = u;
	names[2] = u;
	names[3] = "0";
	names[4] = u;
	for (size_t i = 0; i < ndirs; i++)
		free(list_dir(P("%s", dirs[i])));  /* now cached */
	remove_dev(u);
	for (size_t i = 0; i < ndirs; i++)
		if (listed(P("%s", dirs[i]), names[i]) != -1)
			append_stale(stale, sizeof(stale), dirs[i], names[i]);
	ck_assert_msg(!stale[0], "cached listings still show the entry right "
		      "after the remove: %s", stale);
}
END_TEST

/* st_nlink of a directory is 2 + its subdirectories, kept current. */
START_TEST(fresh_dir_nlink)
{
	struct stat st;
	char u[37];

	ck_assert_int_eq(stat(P(PARENT), &st), 0);
	ck_assert_msg(st.st_nlink == 4, "parent nlink %lu, want 4",
		      (unsigned long)st.st_nlink);
	make_dev("mtty-2", u);
	ck_assert_int_eq(stat(P(PARENT), &st), 0);
	ck_assert_msg(st.st_nlink == 5, "parent nlink %lu after create, want 5",
		      (unsigned long)st.st_nlink);
	remove_dev(u);
	ck_assert_int_eq(stat(P(PARENT), &st), 0);
	ck_assert_msg(st.st_nlink == 4, "parent nlink %lu after remove, want 4",
		      (unsigned long)st.st_nlink);
}
END_TEST

/* Both types' values are fresh after a create on either one. */
START_TEST(fresh_available_both_types)
{
	char a[37];

	expect_available("mtty-1", 24);
	expect_available("mtty-2", 12);
	make_dev("mtty-1", a);
	expect_available("mtty-2", 11);
	expect_available("mtty-1", 23);
	make_dev("mtty-2", NULL);
	expect_available("mtty-1", 21);
	expect_available("mtty-2", 10);
	remove_dev(a);
	expect_available("mtty-2", 11);
	expect_available("mtty-1", 22);
}
END_TEST

/* An fd kept open sees the new value when it reads from offset 0 again. */
START_TEST(fresh_open_fd_rereads)
{
	char buf[32];
	int fd = open(P(TYPES "/mtty-1/available_instances"), O_RDONLY);
	ssize_t n;

	ck_assert_msg(fd >= 0, "open: %s", errname(errno));
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_int_eq(n, 3);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "24\n");
	make_dev("mtty-1", NULL);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_msg(n >= 0, "pread: %s", errname(errno));
	buf[n] = '\0';
	ck_assert_msg(strcmp(buf, "23\n") == 0, "open fd rereads \"%s\", want 23",
		      esc(buf));
	close(fd);
}
END_TEST

/* After remove returns, nothing of the device is reachable anywhere. */
START_TEST(fresh_gone_everywhere)
{
	char u[37], text[64];
	const char *paths[8];

	make_dev("mtty-2", u);
	paths[0] = P(BUSDEV "/%s", u);
	paths[1] = P(PARENT "/%s", u);
	paths[2] = P(TYPES "/mtty-2/devices/%s", u);
	paths[3] = P(DRVDIR "/%s", u);
	paths[4] = P(GROUPS "/0");
	paths[5] = P(GROUPS "/0/devices/%s", u);
	paths[6] = P(PARENT "/%s/vendor/sample_mdev_dev", u);
	paths[7] = P(PARENT "/%s/remove", u);
	/* Get everything into the kernel's caches first. */
	for (int i = 0; i < 8; i++)
		ck_assert_msg(lstat_errno(paths[i]) == 0, "lstat %s", paths[i]);
	ck_assert_int_eq(stat_errno(P(BUSDEV "/%s", u)), 0);
	snprintf(text, sizeof(text), "This is MDEV %s\n", u);
	expect_content(paths[6], text);
	expect_content(P(GROUPS "/0/name"), "vfio-noiommu\n");
	remove_dev(u);
	for (int i = 0; i < 8; i++)
		expect_absent(paths[i]);
	ck_assert_int_eq(stat_errno(P(BUSDEV "/%s", u)), ENOENT);
	ck_assert_int_eq(read_errno(P(GROUPS "/0/name")), ENOENT);
	expect_available("mtty-2", 12);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Listings that change while they are read (issue #14)                 */

#define MDPY "devices/virtual/mdpy/mdpy"
#define MDPY_TYPES MDPY "/mdev_supported_types"
#define STABLE_N 300

/* The test process runs mdevfs with mdpy, room for count devices. */
static void start_mdpy_daemon(unsigned int count)
{
	char why[512], backend[32];
	const char *argv[6];
	int n = 0, ret;

	snprintf(backend, sizeof(backend), "mdpy:count=%u", count);
	argv[n++] = "-b";
	argv[n++] = backend;
	if (!g_strict) {
		argv[n++] = "-o";
		argv[n++] = "no_open";
	}
	argv[n] = NULL;
	ret = mh_start(&g_mnt, argv, why, sizeof(why));
	ck_assert_msg(ret == 0, "mount failed: %s", why);
}

struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Count each name of one getdents64 call on fd into seen (by index in
 * uuids, which has n; "." and ".." in dots); the bytes it returned. */
static long getdents_count(int fd, size_t room, char (*uuids)[37], int n,
			   int *seen, int *dots)
{
	char buf[4096] __attribute__((aligned(8)));
	long got = syscall(SYS_getdents64, fd, buf, room);

	ck_assert_msg(got >= 0, "getdents64: %s", errname(errno));
	for (long at = 0; at < got;) {
		const struct dirent64_raw *d = (const void *)(buf + at);
		int i = 0;

		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0) {
			dots[d->d_name[1] == '.']++;
		} else {
			while (i < n && strcmp(uuids[i], d->d_name) != 0)
				i++;
			ck_assert_msg(i < n, "unknown entry %s", d->d_name);
			seen[i]++;
		}
		at += d->d_reclen;
	}
	return got;
}

/*
 * The reproduction of issue #14, item 2: 300 mdevs (those with in_dir
 * false on mdpy-xga, the others on mdpy-vga), the first getdents64
 * chunk of dir read with a small buffer, 180 devices removed, the
 * listing finished: each of the 120 devices that stayed and that dir
 * lists must have come exactly once, and no entry twice.
 */
static void listing_keeps_untouched(const char *dir, bool (*in_dir)(int))
{
	static char uuids[STABLE_N][37];
	int seen[STABLE_N] = { 0 }, dots[2] = { 0 }, fd, first = 0;
	int missing = 0, kept = 0;

	start_mdpy_daemon(STABLE_N);
	for (int i = 0; i < STABLE_N; i++) {
		char text[40];

		new_uuid(uuids[i]);
		snprintf(text, sizeof(text), "%s\n", uuids[i]);
		expect_write_ok(P(MDPY_TYPES "/%s/create",
				  in_dir(i) ? "mdpy-vga" : "mdpy-xga"),
				text);
	}
	fd = open(P("%s", dir), O_RDONLY | O_DIRECTORY);
	ck_assert_msg(fd >= 0, "open %s: %s", dir, errname(errno));
	ck_assert_int_gt(getdents_count(fd, 512, uuids, STABLE_N, seen, dots), 0);
	for (int i = 0; i < STABLE_N; i++)
		first += seen[i];
	ck_assert_int_gt(first, 0);
	ck_assert_int_lt(first, 60);
	/* Kept: every fifth and the third after it, 120 in all. */
	for (int i = 0; i < STABLE_N; i++)
		if (i % 5 != 0 && i % 5 != 3)
			remove_dev_at(MDPY, uuids[i]);
	while (getdents_count(fd, 512, uuids, STABLE_N, seen, dots) > 0)
		;
	close(fd);
	for (int i = 0; i < STABLE_N; i++) {
		ck_assert_msg(seen[i] <= 1, "%s listed %d times", uuids[i], seen[i]);
		if (in_dir(i) && (i % 5 == 0 || i % 5 == 3)) {
			kept++;
			missing += seen[i] == 0;
		} else if (!in_dir(i)) {
			ck_assert_msg(seen[i] == 0, "%s listed in %s", uuids[i], dir);
		}
	}
	ck_assert_msg(missing == 0, "%d of the %d untouched devices were not "
		      "listed in %s (%d came in the first chunk)", missing, kept,
		      dir, first);
	ck_assert_int_eq(dots[0], 1);
	ck_assert_int_eq(dots[1], 1);
}

static bool every_device(int i)
{
	(void)i;
	return true;
}

/* Three in four on the type listed, the fourth on another. */
static bool three_in_four(int i)
{
	return i % 4 != 1;
}

START_TEST(listing_bus_keeps_untouched)
{
	listing_keeps_untouched(BUSDEV, every_device);
}
END_TEST

START_TEST(listing_type_keeps_untouched)
{
	listing_keeps_untouched(MDPY_TYPES "/mdpy-vga/devices", three_in_four);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Process life (the test process runs the daemon itself)               */

static void start_own_daemon(void)
{
	char why[512];
	int ret = mh_start(&g_mnt, MOUNT_ARGS, why, sizeof(why));

	ck_assert_msg(ret == 0, "mount failed: %s", why);
}

static void expect_clean_exit(int sig)
{
	int status = 0;
	int ret = mh_signal_and_wait(&g_mnt, sig, 5000, &status);

	if (ret != 0)
		kill(g_mnt.pid, SIGKILL);
	if (ret != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		mh_dump_log(&g_mnt);
	ck_assert_msg(ret == 0, "mdevfs still running 5 s after signal %d", sig);
	ck_assert_msg(WIFEXITED(status), "mdevfs died of signal %d",
		      WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	ck_assert_msg(WEXITSTATUS(status) == 0, "mdevfs exited %d after signal %d",
		      WEXITSTATUS(status), sig);
	ck_assert_msg(!mh_is_mountpoint(g_mnt.dir), "%s still mounted", g_mnt.dir);
}

START_TEST(life_sigterm)
{
	start_own_daemon();
	expect_available("mtty-2", 12);
	expect_clean_exit(SIGTERM);
}
END_TEST

START_TEST(life_sigint)
{
	start_own_daemon();
	expect_available("mtty-2", 12);
	expect_clean_exit(SIGINT);
}
END_TEST

/* Shut down with devices present and a file still open in the mount. */
START_TEST(life_sigterm_with_devices)
{
	char u[37];
	int fd;

	start_own_daemon();
	make_dev("mtty-2", u);
	make_dev("mtty-1", NULL);
	fd = open(P(PARENT "/%s/vendor/sample_mdev_dev", u), O_RDONLY);
	ck_assert_msg(fd >= 0, "open: %s", errname(errno));
	expect_clean_exit(SIGTERM);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */

struct test_entry {
	const char *name;
	const TTest *fn;
	double timeout;
	bool own_daemon;
};

#define T(fn) { #fn, fn, TEST_TIMEOUT, false }
#define T_LONG(fn) { #fn, fn, LOOP_TIMEOUT, false }
#define T_OWN(fn) { #fn, fn, TEST_TIMEOUT, true }
#define T_OWN_LONG(fn) { #fn, fn, LOOP_TIMEOUT, true }


static Suite *mount_suite(void)
{
	/* Not static: START_TEST makes each test a pointer variable. */
	const struct test_entry tests[] = {
		T(parent_listing), T(parent_uevent), T(parent_subsystem_link),
		T(parent_power_listing), T(parent_power_control),
		T(parent_power_runtime_status), T(parent_power_times),
		T(parent_power_autosuspend_eio), T(parent_types_dir),

		T(type_listing), T(type_create_mode), T(type_name), T(type_device_api),
		T(type_available_initial), T(type_no_description), T(type_devices_dir),

		T(mdev_dir_entries), T(mdev_remove_file), T(mdev_type_link),
		T(mdev_subsystem_link), T(mdev_driver_link), T(mdev_iommu_group_link),
		T(mdev_uevent), T(mdev_power), T(mdev_vendor_attr),
		T(type_devices_link), T(bus_devices_link), T(driver_device_link),
		T(driver_unbind), T(driver_bind_refused),
		T(bus_layout), T(class_mdev_bus_link), T(iommu_groups_initially_empty),
		T(iommu_group_listing), T(iommu_group_devices_link), T(iommu_group_name),
		T(iommu_group_type), T(iommu_group_reserved_regions), T(iommu_group_ids),

		T(tree_attr_size_fresh), T(tree_dirs_and_links_size), T(tree_dtype),
		T(tree_links_resolve),

		T(create_36_bytes), T(create_37_bytes), T(create_37th_byte_unchecked),
		T(create_uppercase), T(create_bad_length), T(create_braces),
		T(create_leading_space), T(create_bad_format),
		T(create_duplicate_same_type), T(create_duplicate_other_type),
		T(create_duplicate_any_case),

		T(pool_exhaust_dual), T(pool_exhaust_single), T(pool_exhaust_mixed),
		T(failed_create_leaves_nothing), T(available_tracks_devices),

		T(remove_accepts), T(remove_zero_is_noop), T(remove_invalid),

		T(open_create_for_reading), T(open_readonly_for_writing),
		T(open_remove_for_reading), T(open_creat_missing_name),
		T(open_create_with_creat_trunc),

		T(mkdir_eperm), T(unlink_eperm), T(other_namespace_ops_refused),

		T(stale_fd_read_enodev), T(stale_fd_reread_enodev),
		T(stale_fd_write_enodev),

		T(zero_length_write), T(split_write_is_two_stores),

		T_LONG(fresh_create_remove_loop), T(fresh_negative_lookup),
		T(fresh_listing_after_create), T(fresh_listing_after_remove),
		T(fresh_dir_nlink), T(fresh_available_both_types),
		T(fresh_open_fd_rereads), T(fresh_gone_everywhere),

		T_OWN(life_sigterm), T_OWN(life_sigint), T_OWN(life_sigterm_with_devices),

		T_OWN_LONG(listing_bus_keeps_untouched),
		T_OWN_LONG(listing_type_keeps_untouched),
	};
	Suite *s = suite_create("mount");

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		const struct test_entry *t = &tests[i];
		TCase *tc = tcase_create(t->name);

		if (t->own_daemon)
			tcase_add_unchecked_fixture(tc, fixture_dir, fixture_unmount);
		else
			tcase_add_unchecked_fixture(tc, fixture_mount, fixture_unmount);
		tcase_set_timeout(tc, t->timeout);
		tcase_add_test(tc, t->fn);
		suite_add_tcase(s, tc);
		if (g_case_count < (int)(sizeof(g_case_names) / sizeof(g_case_names[0])))
			g_case_names[g_case_count++] = t->name;
	}
	return s;
}

/* Check that FUSE works here at all; 77 means skip, 1 fail, 0 go on. */
static int probe(void)
{
	struct mh_mount m;
	char why[512];
	int ret = mh_fuse_device_usable();

	if (ret != 0) {
		printf("SKIP: /dev/fuse unusable: open: %s\n", strerror(-ret));
		return 77;
	}
	if (mh_prepare(&m, why, sizeof(why)) != 0) {
		printf("FAIL: %s\n", why);
		return 1;
	}
	ret = mh_start(&m, MOUNT_ARGS, why, sizeof(why));
	if (ret == MH_UNUSABLE) {
		mh_teardown(&m, NULL, 0);
		printf("SKIP: /dev/fuse unusable: %s\n", why);
		return 77;
	}
	if (ret != 0) {
		mh_dump_log(&m);
		mh_teardown(&m, NULL, 0);
		printf("FAIL: probe mount: %s\n", why);
		return 1;
	}
	if (!mh_teardown(&m, why, sizeof(why))) {
		printf("FAIL: probe unmount: %s\n", why);
		return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	SRunner *sr;
	int failed, ret;

	if (argc > 1)
		mh_set_daemon(argv[1]);
	g_strict = !(argc > 2 && strcmp(argv[2], "no_open") == 0);
	if (!mh_daemon() || access(mh_daemon(), X_OK) != 0) {
		printf("FAIL: no mdevfs binary (argument or MDEVFS_BIN): %s\n",
		       mh_daemon() ? mh_daemon() : "(unset)");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mh_install_cleanup();
	ret = probe();
	if (ret != 0)
		return ret;

	sr = srunner_create(mount_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (g_nonzero_exits)
		printf("note: mdevfs exited non-zero on SIGTERM in %d teardown(s) "
		       "(the life_* tests judge that)\n", g_nonzero_exits);
	if (g_teardown_failures)
		printf("%d teardown failure(s): the daemon did not stop cleanly\n",
		       g_teardown_failures);
	return failed == 0 && g_teardown_failures == 0 ? 0 : 1;
}
