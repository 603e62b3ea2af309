// SPDX-License-Identifier: MIT
/*
 * The sysfs tree with mtty loaded, driven through the node API the FUSE
 * layer uses: layout, modes and sizes (kernel.md 2.1), link targets (2.1,
 * 2.9), create/remove writes (3.1, 3.2, 3.5) and readdir offsets.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "kernfs_priv.h"
#include "plugin.h"
#include "sysfs.h"
#include "testutil.h"

#define ROOT_INO 1
#define MTTY "devices/virtual/mtty/mtty"
#define TYPES MTTY "/mdev_supported_types"
#define TYPE1 TYPES "/mtty-1"
#define TYPE2 TYPES "/mtty-2"
#define U1 "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"
#define U1_UPPER "83B8F4F2-509F-382F-3C1E-E6BFE0FA1001"
#define U2 "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002"
#define U3 "83b8f4f2-509f-382f-3c1e-e6bfe0fa1003"

static struct mdevfs_host *h;
static struct sysfs_tree *t;
static struct node_tree *nt;

static void setup_with(const struct mdev_profile *profile)
{
	GError *err = NULL;

	h = mdev_host_new(profile);
	t = sysfs_tree_new(h);
	nt = &t->nodes;
	if (!mdev_backend_load(h, MTTY_PATH, NULL, &err))
		ck_abort_msg("loading mtty: %s", err->message);
}

static void setup(void)
{
	setup_with(NULL);
}

static void teardown(void)
{
	mdev_backends_unload(h);
	sysfs_tree_free(t);
	mdev_host_free(h);
	h = NULL;
	t = NULL;
}

/* ---- helpers ------------------------------------------------------------- */

/* Look a path up component by component from the root, as FUSE does. */
static int walk(const char *path, struct stat *st)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	uint64_t ino = ROOT_INO;
	int ret = node_getattr(nt, ino, st, NULL);

	for (char **p = parts; *p && !ret; p++) {
		if (!**p)
			continue;
		ret = node_lookup(nt, ino, *p, st, NULL);
		if (!ret)
			ino = st->st_ino;
	}
	return ret;
}

static uint64_t ino_of(const char *path)
{
	struct stat st;
	int ret = walk(path, &st);

	ck_assert_msg(ret == 0, "lookup of %s: %d", path, ret);
	return st.st_ino;
}

static void assert_absent(const char *path)
{
	struct stat st;
	int ret = walk(path, &st);

	ck_assert_msg(ret == -ENOENT, "lookup of %s: %d, want -ENOENT", path, ret);
}

static void assert_node(const char *path, mode_t fmt, mode_t perm, off_t size)
{
	struct stat st, again;

	ck_assert_msg(walk(path, &st) == 0, "%s is missing", path);
	ck_assert_msg((st.st_mode & S_IFMT) == fmt, "%s: type %o, want %o",
		      path, st.st_mode & S_IFMT, fmt);
	ck_assert_msg((st.st_mode & 07777) == perm, "%s: mode %o, want %o",
		      path, st.st_mode & 07777, perm);
	ck_assert_msg(st.st_size == size, "%s: size %jd, want %jd", path,
		      (intmax_t)st.st_size, (intmax_t)size);
	ck_assert_int_eq(node_getattr(nt, st.st_ino, &again, NULL), 0);
	ck_assert_int_eq(again.st_mode, st.st_mode);
	ck_assert_int_eq(again.st_ino, st.st_ino);
}

static void assert_file(const char *path, mode_t perm)
{
	assert_node(path, S_IFREG, perm, 4096);
}

static void assert_dir(const char *path)
{
	assert_node(path, S_IFDIR, 0755, 0);
}

static void assert_nlink(const char *path, nlink_t n)
{
	struct stat st;

	ck_assert_int_eq(walk(path, &st), 0);
	ck_assert_msg(st.st_nlink == n, "%s: nlink %ju, want %ju", path,
		      (uintmax_t)st.st_nlink, (uintmax_t)n);
}

static void assert_link(const char *path, const char *target)
{
	char *text = NULL;

	assert_node(path, S_IFLNK, 0777, 0);
	ck_assert_int_eq(node_readlink(nt, ino_of(path), &text), 0);
	ck_assert_msg(strcmp(text, target) == 0, "%s -> '%s', want '%s'",
		      path, text, target);
	g_free(text);
}

static struct node_file *open_path(const char *path, int flags)
{
	struct node_file *file = NULL;
	int ret = node_open(nt, ino_of(path), flags, true, &file);

	ck_assert_msg(ret == 0, "open %s: %d", path, ret);
	return file;
}

static int open_error(const char *path, int flags)
{
	struct node_file *file = NULL;
	int ret = node_open(nt, ino_of(path), flags, true, &file);

	if (!ret)
		node_release(nt, file);
	return ret;
}

/* Read a file from offset 0; the result or a negative errno in *ret. */
static char *read_path(const char *path, ssize_t *ret)
{
	struct node_file *file = open_path(path, O_RDONLY);
	char buf[4096];

	*ret = node_read(nt, file, buf, sizeof(buf), 0);
	node_release(nt, file);
	return *ret >= 0 ? g_strndup(buf, (size_t)*ret) : NULL;
}

static void assert_reads(const char *path, const char *want)
{
	ssize_t ret;
	g_autofree char *got = read_path(path, &ret);

	ck_assert_msg(got != NULL, "read %s: %zd", path, ret);
	ck_assert_msg(strcmp(got, want) == 0, "%s reads '%s', want '%s'", path,
		      got, want);
	ck_assert_int_eq(ret, (ssize_t)strlen(want));
}

static ssize_t write_bytes(const char *path, const void *buf, size_t len)
{
	struct node_file *file = open_path(path, O_WRONLY);
	ssize_t ret = node_write(nt, file, buf, len, 0);

	node_release(nt, file);
	return ret;
}

static ssize_t write_str(const char *path, const char *text)
{
	return write_bytes(path, text, strlen(text));
}

static void create_u(const char *type_dir, const char *uuid)
{
	g_autofree char *create = g_strdup_printf("%s/create", type_dir);
	g_autofree char *line = g_strdup_printf("%s\n", uuid);

	ck_assert_int_eq(write_str(create, line), 37);
}

static void remove_u(const char *uuid)
{
	g_autofree char *path = g_strdup_printf(MTTY "/%s/remove", uuid);

	ck_assert_int_eq(write_str(path, "1"), 1);
}

/* ---- layout ------------------------------------------------------------ */

START_TEST(skeleton)
{
	assert_dir("bus");
	assert_dir("bus/mdev");
	assert_dir("bus/mdev/devices");
	assert_dir("bus/mdev/drivers");
	assert_file("bus/mdev/drivers_autoprobe", 0644);
	assert_file("bus/mdev/drivers_probe", 0200);
	assert_file("bus/mdev/uevent", 0200);
	assert_reads("bus/mdev/drivers_autoprobe", "1\n");
	assert_dir("class/mdev_bus");
	assert_dir("kernel/iommu_groups");
	/* Era E: only the vendor's driver, no vfio_mdev. */
	assert_dir("bus/mdev/drivers/mtty");
	assert_file("bus/mdev/drivers/mtty/bind", 0200);
	assert_file("bus/mdev/drivers/mtty/unbind", 0200);
	assert_file("bus/mdev/drivers/mtty/uevent", 0200);
	assert_absent("bus/mdev/drivers/vfio_mdev");
}
END_TEST

START_TEST(parent_layout)
{
	assert_dir(MTTY);
	assert_dir(TYPES);
	assert_nlink(TYPES, 4);
	assert_file(MTTY "/uevent", 0644);
	assert_dir(MTTY "/power");
	assert_link(MTTY "/subsystem", "../../../../class/mtty");
	assert_link("class/mtty/mtty", "../../devices/virtual/mtty/mtty");
	assert_link("class/mdev_bus/mtty", "../../devices/virtual/mtty/mtty");
	/* Era E shows no parent vendor groups. */
	assert_absent(MTTY "/mtty_dev");
}
END_TEST

START_TEST(type_dir_layout)
{
	static const char *const dirs[] = { TYPE1, TYPE2 };

	for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
		g_autofree char *create = g_strdup_printf("%s/create", dirs[i]);
		g_autofree char *avail = g_strdup_printf("%s/available_instances",
							 dirs[i]);
		g_autofree char *api = g_strdup_printf("%s/device_api", dirs[i]);
		g_autofree char *name = g_strdup_printf("%s/name", dirs[i]);
		g_autofree char *devs = g_strdup_printf("%s/devices", dirs[i]);
		g_autofree char *desc = g_strdup_printf("%s/description", dirs[i]);

		assert_dir(dirs[i]);
		assert_nlink(dirs[i], 3);
		assert_file(create, 0200);
		assert_file(avail, 0444);
		assert_file(api, 0444);
		assert_file(name, 0444);
		assert_dir(devs);
		assert_nlink(devs, 2);
		assert_absent(desc);
		assert_reads(api, "vfio-pci\n");
	}
	assert_reads(TYPE1 "/name", "Single port serial\n");
	assert_reads(TYPE2 "/name", "Dual port serial\n");
	assert_reads(TYPE1 "/available_instances", "24\n");
	assert_reads(TYPE2 "/available_instances", "12\n");
}
END_TEST

START_TEST(open_checks_mode_bits)
{
	ck_assert_int_eq(open_error(TYPE2 "/create", O_RDONLY), -EACCES);
	ck_assert_int_eq(open_error(TYPE2 "/create", O_RDWR), -EACCES);
	ck_assert_int_eq(open_error(TYPE2 "/create", O_WRONLY), 0);
	ck_assert_int_eq(open_error(TYPE2 "/available_instances", O_WRONLY),
			 -EACCES);
	ck_assert_int_eq(open_error(TYPE2 "/available_instances", O_RDWR),
			 -EACCES);
	ck_assert_int_eq(open_error(TYPE2 "/available_instances", O_RDONLY), 0);
	ck_assert_int_eq(open_error(TYPE2 "/name", O_WRONLY), -EACCES);
	ck_assert_int_eq(open_error(MTTY "/uevent", O_RDWR), 0);
	ck_assert_int_eq(open_error(TYPE2, O_RDONLY), -EISDIR);
}
END_TEST

/* Reads past offset 0 come from the value produced at offset 0. */
START_TEST(read_offsets)
{
	struct node_file *file = open_path(TYPE2 "/available_instances", O_RDONLY);
	char buf[16];

	ck_assert_int_eq(node_read(nt, file, buf, 2, 0), 2);
	ck_assert_mem_eq(buf, "12", 2);
	ck_assert_int_eq(node_read(nt, file, buf, sizeof(buf), 2), 1);
	ck_assert_int_eq(buf[0], '\n');
	ck_assert_int_eq(node_read(nt, file, buf, sizeof(buf), 3), 0);
	ck_assert_int_eq(node_read(nt, file, buf, sizeof(buf), 100), 0);

	/* A create in between shows at the next read from offset 0. */
	create_u(TYPE2, U1);
	ck_assert_int_eq(node_read(nt, file, buf, sizeof(buf), 1), 2);
	ck_assert_mem_eq(buf, "2\n", 2);
	ck_assert_int_eq(node_read(nt, file, buf, sizeof(buf), 0), 3);
	ck_assert_mem_eq(buf, "11\n", 3);
	node_release(nt, file);
}
END_TEST

/* ---- create ---------------------------------------------------------------- */

START_TEST(create_write_return_values)
{
	ck_assert_int_eq(write_str(TYPE2 "/create", U1 "\n"), 37);
	ck_assert_int_eq(write_str(TYPE1 "/create", U2), 36);
	ck_assert_uint_eq(mdev_host_device_count(h), 2);
	assert_reads(TYPE1 "/available_instances", "21\n");
	assert_reads(TYPE2 "/available_instances", "10\n");
}
END_TEST

START_TEST(created_device_layout)
{
	create_u(TYPE2, U1);

	assert_dir(MTTY "/" U1);
	assert_file(MTTY "/" U1 "/remove", 0200);
	assert_file(MTTY "/" U1 "/uevent", 0644);
	assert_dir(MTTY "/" U1 "/power");
	assert_dir(MTTY "/" U1 "/vendor");
	assert_file(MTTY "/" U1 "/vendor/sample_mdev_dev", 0444);
	assert_reads(MTTY "/" U1 "/uevent", "DRIVER=mtty\n");
	assert_reads(MTTY "/" U1 "/vendor/sample_mdev_dev",
		     "This is MDEV " U1 "\n");
	assert_reads(TYPE1 "/available_instances", "22\n");
	assert_reads(TYPE2 "/available_instances", "11\n");
	ck_assert_int_eq(open_error(MTTY "/" U1 "/remove", O_RDONLY), -EACCES);
}
END_TEST

START_TEST(created_device_links)
{
	create_u(TYPE2, U1);

	assert_link("bus/mdev/devices/" U1,
		    "../../../devices/virtual/mtty/mtty/" U1);
	assert_link(MTTY "/" U1 "/mdev_type", "../mdev_supported_types/mtty-2");
	assert_link(MTTY "/" U1 "/subsystem", "../../../../../bus/mdev");
	assert_link(MTTY "/" U1 "/driver",
		    "../../../../../bus/mdev/drivers/mtty");
	assert_link(MTTY "/" U1 "/iommu_group",
		    "../../../../../kernel/iommu_groups/0");
	assert_link("kernel/iommu_groups/0/devices/" U1,
		    "../../../../devices/virtual/mtty/mtty/" U1);
	assert_link("bus/mdev/drivers/mtty/" U1,
		    "../../../../devices/virtual/mtty/mtty/" U1);
	assert_link(TYPE2 "/devices/" U1, "../../../" U1);
	assert_absent(TYPE1 "/devices/" U1);
	assert_link("class/mdev_bus/mtty", "../../devices/virtual/mtty/mtty");
}
END_TEST

START_TEST(iommu_group_files)
{
	create_u(TYPE2, U1);

	assert_dir("kernel/iommu_groups/0");
	assert_dir("kernel/iommu_groups/0/devices");
	assert_file("kernel/iommu_groups/0/name", 0444);
	assert_file("kernel/iommu_groups/0/reserved_regions", 0444);
	assert_file("kernel/iommu_groups/0/type", 0644);
	assert_reads("kernel/iommu_groups/0/name", "vfio-noiommu\n");
	assert_reads("kernel/iommu_groups/0/type", "unknown\n");
	assert_reads("kernel/iommu_groups/0/reserved_regions", "");
}
END_TEST

/* kernel.md 2.4: the power/ files of an mdev. */
START_TEST(power_files)
{
	ssize_t ret;
	char *text;

	create_u(TYPE1, U1);
	assert_file(MTTY "/" U1 "/power/control", 0644);
	assert_file(MTTY "/" U1 "/power/runtime_status", 0444);
	assert_file(MTTY "/" U1 "/power/autosuspend_delay_ms", 0644);
	assert_reads(MTTY "/" U1 "/power/control", "auto\n");
	assert_reads(MTTY "/" U1 "/power/runtime_status", "unsupported\n");
	assert_reads(MTTY "/" U1 "/power/runtime_active_time", "0\n");
	assert_reads(MTTY "/" U1 "/power/runtime_suspended_time", "0\n");
	text = read_path(MTTY "/" U1 "/power/autosuspend_delay_ms", &ret);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(ret, -EIO);
}
END_TEST

/* The directory is named in lowercase whatever case was written. */
START_TEST(create_uppercase)
{
	ck_assert_int_eq(write_str(TYPE2 "/create", U1_UPPER "\n"), 37);
	assert_dir(MTTY "/" U1);
	assert_absent(MTTY "/" U1_UPPER);
	assert_link("bus/mdev/devices/" U1,
		    "../../../devices/virtual/mtty/mtty/" U1);
	ck_assert_int_eq(write_str(TYPE1 "/create", U1), -EEXIST);
	ck_assert_int_eq(write_str(TYPE2 "/create", U1_UPPER), -EEXIST);
	ck_assert_uint_eq(mdev_host_device_count(h), 1);
}
END_TEST

START_TEST(create_write_errors)
{
	char *big = g_malloc(5000);

	ck_assert_int_eq(write_str(TYPE2 "/create", "83b8f4f2-509f-382f-3c1e-e6bfe0fa100"),
			 -EINVAL);
	ck_assert_int_eq(write_str(TYPE2 "/create", "{" U1 "}"), -EINVAL);
	ck_assert_int_eq(write_str(TYPE2 "/create", " " U1), -EINVAL);
	ck_assert_int_eq(write_str(TYPE2 "/create", U1 "\r\n"), -EINVAL);
	ck_assert_int_eq(write_str(TYPE2 "/create", "83b8f4f2509f382f3c1ee6bfe0fa1001"),
			 -EINVAL);
	/* Longer than a page: cut to 4096 bytes, still the wrong length. */
	memset(big, '\n', 5000);
	memcpy(big, U1, 36);
	ck_assert_int_eq(write_bytes(TYPE2 "/create", big, 5000), -EINVAL);
	ck_assert_int_eq(write_bytes(TYPE2 "/create", big, 4096), -EINVAL);
	g_free(big);
	/* A zero-length write does nothing. */
	ck_assert_int_eq(write_bytes(TYPE2 "/create", U1, 0), 0);
	ck_assert_uint_eq(mdev_host_device_count(h), 0);
	assert_absent(MTTY "/" U1);
	/* The 37th byte is not examined. */
	ck_assert_int_eq(write_str(TYPE2 "/create", U1 "x"), 37);
	assert_dir(MTTY "/" U1);
}
END_TEST

START_TEST(create_until_full)
{
	char uuid[37];

	for (unsigned int i = 0; i < 12; i++) {
		snprintf(uuid, sizeof(uuid), "11111111-2222-3333-4444-%012u", i);
		create_u(TYPE2, uuid);
	}
	assert_reads(TYPE2 "/available_instances", "0\n");
	assert_reads(TYPE1 "/available_instances", "0\n");
	ck_assert_int_eq(write_str(TYPE2 "/create", U1 "\n"), -ENOSPC);
	ck_assert_int_eq(write_str(TYPE1 "/create", U1 "\n"), -ENOSPC);
	assert_absent(MTTY "/" U1);
	assert_absent("bus/mdev/devices/" U1);
	ck_assert_uint_eq(mdev_host_device_count(h), 12);
}
END_TEST

/* IOMMU group ids: the lowest free one. */
START_TEST(iommu_group_ids)
{
	create_u(TYPE1, U1);
	create_u(TYPE1, U2);
	assert_link(MTTY "/" U2 "/iommu_group",
		    "../../../../../kernel/iommu_groups/1");
	assert_link("kernel/iommu_groups/1/devices/" U2,
		    "../../../../devices/virtual/mtty/mtty/" U2);
	remove_u(U1);
	assert_absent("kernel/iommu_groups/0");
	create_u(TYPE1, U3);
	assert_link(MTTY "/" U3 "/iommu_group",
		    "../../../../../kernel/iommu_groups/0");
	assert_link("kernel/iommu_groups/0/devices/" U3,
		    "../../../../devices/virtual/mtty/mtty/" U3);
}
END_TEST

/* ---- remove ------------------------------------------------------------------ */

/* "0" followed by NULs: a valid no-op whatever its length. */
static char page_of_zero[5000] = "0";

START_TEST(remove_write_values)
{
	create_u(TYPE2, U1);
	ck_assert_int_eq(write_str(MTTY "/" U1 "/remove", "0"), 1);
	ck_assert_int_eq(write_str(MTTY "/" U1 "/remove", "00\n"), 3);
	ck_assert_int_eq(write_str(MTTY "/" U1 "/remove", "yes"), -EINVAL);
	ck_assert_int_eq(write_str(MTTY "/" U1 "/remove", "-1"), -EINVAL);
	ck_assert_int_eq(write_str(MTTY "/" U1 "/remove", " 1"), -EINVAL);
	ck_assert_int_eq(write_str(MTTY "/" U1 "/remove", "1 "), -EINVAL);
	assert_dir(MTTY "/" U1);
	assert_file(MTTY "/" U1 "/remove", 0200);
	/* More than a page: the store sees (and reports) 4096 bytes. */
	ck_assert_int_eq(write_bytes(MTTY "/" U1 "/remove", page_of_zero, 5000),
			 4096);
	ck_assert_int_eq(write_bytes(MTTY "/" U1 "/remove", page_of_zero, 4096),
			 4096);
	ck_assert_int_eq(write_str(MTTY "/" U1 "/remove", "0x1\n"), 4);
	assert_absent(MTTY "/" U1);
	ck_assert_uint_eq(mdev_host_device_count(h), 0);
}
END_TEST

START_TEST(remove_via_write)
{
	uint64_t mtty_ino = ino_of(MTTY);
	struct node_file *vendor, *remove;
	char buf[128];
	struct stat st;

	create_u(TYPE2, U1);
	vendor = open_path(MTTY "/" U1 "/vendor/sample_mdev_dev", O_RDONLY);
	ck_assert_int_eq(node_read(nt, vendor, buf, sizeof(buf), 0), 50);
	remove = open_path(MTTY "/" U1 "/remove", O_WRONLY);

	ck_assert_int_eq(node_write(nt, remove, "1", 1, 0), 1);
	ck_assert_int_eq(node_lookup(nt, mtty_ino, U1, &st, NULL), -ENOENT);
	assert_absent(MTTY "/" U1);
	assert_absent("bus/mdev/devices/" U1);
	assert_absent("bus/mdev/drivers/mtty/" U1);
	assert_absent(TYPE2 "/devices/" U1);
	assert_absent("kernel/iommu_groups/0");
	assert_dir("kernel/iommu_groups");
	assert_dir("bus/mdev/drivers/mtty");
	assert_reads(TYPE2 "/available_instances", "12\n");
	assert_reads(TYPE1 "/available_instances", "24\n");
	ck_assert_uint_eq(mdev_host_device_count(h), 0);

	/* Handles opened before the removal get ENODEV. */
	ck_assert_int_eq(node_read(nt, vendor, buf, sizeof(buf), 0), -ENODEV);
	ck_assert_int_eq(node_write(nt, remove, "1", 1, 0), -ENODEV);
	node_release(nt, vendor);
	node_release(nt, remove);

	/* The UUID is free again. */
	create_u(TYPE1, U1);
	assert_link(MTTY "/" U1 "/mdev_type", "../mdev_supported_types/mtty-1");
}
END_TEST

/* ---- readdir ------------------------------------------------------------------ */

struct entry {
	char *name;
	uint64_t ino;
	mode_t type;
	off_t next;
};

struct listing {
	GArray *entries;  /* struct entry */
	guint room;       /* entries accepted per call, 0 = unlimited */
	guint taken;
};

static bool fill(void *ctx, const char *name, uint64_t ino, mode_t type,
		 off_t next)
{
	struct listing *l = ctx;
	struct entry e = { NULL, ino, type, next };

	if (l->room && l->taken == l->room)
		return false;
	l->taken++;
	e.name = g_strdup(name);
	g_array_append_val(l->entries, e);
	return true;
}

static void clear_entry(gpointer data)
{
	g_free(((struct entry *)data)->name);
}

static GArray *new_entries(void)
{
	GArray *a = g_array_new(FALSE, TRUE, sizeof(struct entry));

	g_array_set_clear_func(a, clear_entry);
	return a;
}

static struct entry *entry_at(GArray *a, guint i)
{
	return &g_array_index(a, struct entry, i);
}

/* Everything from offset off, in calls of room entries each. */
static GArray *list_dir(uint64_t ino, off_t off, guint room)
{
	struct listing l = { new_entries(), room, 0 };

	for (;;) {
		guint before = l.entries->len;

		l.taken = 0;
		ck_assert_int_eq(node_readdir(nt, ino, off, fill, &l), 0);
		if (l.entries->len == before)
			return l.entries;
		off = entry_at(l.entries, l.entries->len - 1)->next;
		if (!room)
			return l.entries;
		/* Offsets that do not move on would loop forever. */
		ck_assert_uint_lt(l.entries->len, 64);
	}
}

static mode_t type_of(GArray *a, const char *name)
{
	for (guint i = 0; i < a->len; i++)
		if (strcmp(entry_at(a, i)->name, name) == 0)
			return entry_at(a, i)->type;
	return 0;
}

static void assert_same_listing(GArray *a, GArray *b, guint from)
{
	ck_assert_uint_eq(a->len - from, b->len);
	for (guint i = 0; i < b->len; i++) {
		ck_assert_str_eq(entry_at(a, i + from)->name, entry_at(b, i)->name);
		ck_assert_int_eq(entry_at(a, i + from)->ino, entry_at(b, i)->ino);
		ck_assert_int_eq(entry_at(a, i + from)->type, entry_at(b, i)->type);
	}
}

START_TEST(readdir_type_dir)
{
	uint64_t ino = ino_of(TYPE2);
	GArray *all = list_dir(ino, 0, 0);

	ck_assert_uint_eq(all->len, 7);
	ck_assert_str_eq(entry_at(all, 0)->name, ".");
	ck_assert_int_eq(entry_at(all, 0)->type, S_IFDIR);
	ck_assert_int_eq(entry_at(all, 0)->ino, ino);
	ck_assert_str_eq(entry_at(all, 1)->name, "..");
	ck_assert_int_eq(entry_at(all, 1)->type, S_IFDIR);
	ck_assert_int_eq(entry_at(all, 1)->ino, ino_of(TYPES));
	ck_assert_int_eq(type_of(all, "create"), S_IFREG);
	ck_assert_int_eq(type_of(all, "device_api"), S_IFREG);
	ck_assert_int_eq(type_of(all, "name"), S_IFREG);
	ck_assert_int_eq(type_of(all, "available_instances"), S_IFREG);
	ck_assert_int_eq(type_of(all, "devices"), S_IFDIR);
	for (guint i = 2; i < all->len; i++) {
		g_autofree char *path = g_strdup_printf(TYPE2 "/%s",
							entry_at(all, i)->name);

		ck_assert_int_eq(entry_at(all, i)->ino, ino_of(path));
	}
	g_array_free(all, TRUE);
}
END_TEST

START_TEST(readdir_resumes)
{
	uint64_t ino = ino_of(TYPE2);
	GArray *all = list_dir(ino, 0, 0);

	for (guint room = 1; room <= 3; room++) {
		GArray *paged = list_dir(ino, 0, room);

		assert_same_listing(all, paged, 0);
		g_array_free(paged, TRUE);
	}
	/* From each returned offset, the rest follows. */
	for (guint i = 0; i < all->len; i++) {
		GArray *rest = list_dir(ino, entry_at(all, i)->next, 0);

		assert_same_listing(all, rest, i + 1);
		g_array_free(rest, TRUE);
	}
	g_array_free(all, TRUE);
}
END_TEST

/* Entries added between calls show up after the resume point. */
START_TEST(readdir_sees_new_links)
{
	uint64_t ino = ino_of(TYPE2 "/devices");
	GArray *before = list_dir(ino, 0, 0), *after;
	off_t end;

	ck_assert_uint_eq(before->len, 2);
	end = entry_at(before, 1)->next;
	create_u(TYPE2, U1);
	after = list_dir(ino, end, 0);
	ck_assert_uint_eq(after->len, 1);
	ck_assert_str_eq(entry_at(after, 0)->name, U1);
	ck_assert_int_eq(entry_at(after, 0)->type, S_IFLNK);
	g_array_free(before, TRUE);
	g_array_free(after, TRUE);
}
END_TEST

/* READDIRPLUS: a set's links come with their attributes and a kernel
 * reference each, but only those that fit; files come bare. */
struct plus_listing {
	guint room, taken, with_attrs;
	GPtrArray *inos;   /* of the entries with attributes */
};

static bool fill_plus(void *ctx, const char *name, uint64_t ino, mode_t type,
		      const struct stat *st, off_t next)
{
	struct plus_listing *l = ctx;

	(void)name;
	(void)next;
	if (l->room && l->taken == l->room)
		return false;
	l->taken++;
	if (st) {
		ck_assert_uint_eq(st->st_ino, ino);
		ck_assert_uint_eq(st->st_mode & S_IFMT, type);
		l->with_attrs++;
		g_ptr_array_add(l->inos, GSIZE_TO_POINTER(ino));
	}
	return true;
}

START_TEST(readdirplus_gives_references)
{
	struct plus_listing l = { .room = 3, .inos = g_ptr_array_new() };
	uint64_t devices = ino_of("bus/mdev/devices");
	struct stat st;

	create_u(TYPE2, U1);
	create_u(TYPE2, U2);
	create_u(TYPE1, U3);
	/* ".", ".." and one link fit: one reference given. */
	ck_assert_int_eq(node_readdirplus(nt, devices, 0, fill_plus, &l), 0);
	ck_assert_uint_eq(l.with_attrs, 1);
	l.room = 0;
	l.taken = 0;
	ck_assert_int_eq(node_readdirplus(nt, devices, 0, fill_plus, &l), 0);
	ck_assert_uint_eq(l.with_attrs, 4);
	/* Each reference is the kernel's until it forgets it: the node then
	 * goes (its number stays the entry's). */
	for (guint i = 0; i < l.inos->len; i++)
		ck_assert_int_eq(node_getattr(nt, GPOINTER_TO_SIZE(l.inos->pdata[i]),
					      &st, NULL), 0);
	for (guint i = 0; i < l.inos->len; i++)
		node_forget(nt, GPOINTER_TO_SIZE(l.inos->pdata[i]), 1);
	for (guint i = 0; i < l.inos->len; i++)
		ck_assert_int_eq(node_getattr(nt, GPOINTER_TO_SIZE(l.inos->pdata[i]),
					      &st, NULL), -ENOENT);
	/* A directory of files lists them bare. */
	l = (struct plus_listing){ .inos = l.inos };
	ck_assert_int_eq(node_readdirplus(nt, ino_of(TYPE2), 0, fill_plus, &l), 0);
	ck_assert_uint_eq(l.with_attrs, 0);
	ck_assert_uint_gt(l.taken, 4);
	g_ptr_array_free(l.inos, TRUE);
}
END_TEST

START_TEST(readdir_not_a_dir)
{
	struct listing l = { new_entries(), 0, 0 };

	ck_assert_int_eq(node_readdir(nt, ino_of(TYPE2 "/create"), 0, fill, &l),
			 -ENOTDIR);
	ck_assert_uint_eq(l.entries->len, 0);
	g_array_free(l.entries, TRUE);
}
END_TEST

/* ---- invalidations ---------------------------------------------------------- */

/* What the tree asked the kernel to forget, as "E<parent>/<name>" and
 * "I<ino>" words. */
static GString *told;

static void note_entry(void *data, uint64_t parent, const char *name)
{
	(void)data;
	g_string_append_printf(told, "E%" G_GUINT64_FORMAT "/%s ", parent, name);
}

static void note_inode(void *data, uint64_t ino)
{
	(void)data;
	g_string_append_printf(told, "I%" G_GUINT64_FORMAT " ", ino);
}

static void setup_observed(void)
{
	const struct tree_observer observer = {
		.inval_entry = note_entry, .inval_inode = note_inode,
	};

	setup();
	told = g_string_new(NULL);
	sysfs_tree_set_observer(t, &observer);
}

static void teardown_observed(void)
{
	sysfs_tree_set_observer(t, NULL);
	g_string_free(told, TRUE);
	teardown();
}

static void assert_told(const char *want)
{
	ck_assert_str_eq(told->str, want);
	g_string_truncate(told, 0);
}

/*
 * Only what the kernel may hold is invalidated: a create or remove costs
 * the parent's link count, plus the name itself if it was looked up (or
 * looked up in vain); directories the kernel never saw, files it has no
 * pages of (read with direct_io) cost nothing.  Inside a removed
 * directory, what the kernel holds is told too: its dentries would stay
 * cached, and with them the removed nodes here.
 */
START_TEST(invalidates_only_what_the_kernel_holds)
{
	g_autofree char *mtty = NULL, *neg = NULL, *both = NULL;
	uint64_t dir = ino_of(MTTY), udir;
	struct stat st;

	ino_of(TYPE2 "/available_instances");
	mtty = g_strdup_printf("I%" G_GUINT64_FORMAT " ", dir);
	create_u(TYPE2, U1);
	assert_told(mtty);
	ino_of(MTTY "/" U1 "/remove");
	udir = ino_of(MTTY "/" U1);
	remove_u(U1);
	both = g_strdup_printf("E%" G_GUINT64_FORMAT "/remove E%" G_GUINT64_FORMAT
			       "/%s %s", udir, dir, U1, mtty);
	assert_told(both);
	/* So is a file that goes with its directory. */
	create_u(TYPE2, U1);
	assert_told(mtty);
	ino_of(MTTY "/" U1 "/uevent");
	udir = ino_of(MTTY "/" U1);
	remove_u(U1);
	g_free(both);
	both = g_strdup_printf("E%" G_GUINT64_FORMAT "/remove E%" G_GUINT64_FORMAT
			       "/%s %sE%" G_GUINT64_FORMAT "/uevent ", udir, dir,
			       U1, mtty, udir);
	assert_told(both);
	/* A failed lookup leaves a negative entry that a create must drop. */
	ck_assert_int_eq(walk(MTTY "/" U2, &st), -ENOENT);
	create_u(TYPE2, U2);
	neg = g_strdup_printf("E%" G_GUINT64_FORMAT "/%s %s", dir, U2, mtty);
	assert_told(neg);
	/* ... once: after a remove (which looked it up), the next create of
	 * that name tells only the count. */
	udir = ino_of(MTTY "/" U2);
	remove_u(U2);
	g_free(both);
	both = g_strdup_printf("E%" G_GUINT64_FORMAT "/remove E%" G_GUINT64_FORMAT
			       "/%s %s", udir, dir, U2, mtty);
	assert_told(both);
	create_u(TYPE2, U2);
	assert_told(mtty);
}
END_TEST

/* By inode, a changed value costs its view and its name (the next walk
 * learns whether the length, hence the view, changed), not the node's
 * own number, which the kernel never got. */
START_TEST(invalidates_views_by_inode)
{
	g_autofree char *want = NULL;
	uint64_t type2, avail;
	struct stat st;

	node_tree_set_by_inode(nt, true);
	type2 = ino_of(TYPE2);
	ck_assert_int_eq(walk(TYPE2 "/available_instances", &st), 0);
	avail = st.st_ino;
	ck_assert_uint_ne(avail, node_base_ino(avail));
	g_string_truncate(told, 0);
	ck_assert_int_eq(node_pwrite(nt, ino_of(TYPE2 "/create"), true, U1, 36, 0,
				     &(bool){ false }), 36);
	want = g_strdup_printf("I%" G_GUINT64_FORMAT " E%" G_GUINT64_FORMAT
			       "/available_instances ", avail, type2);
	ck_assert_msg(strstr(told->str, want), "told '%s', want '%s' in it",
		      told->str, want);
	g_free(want);
	want = g_strdup_printf("I%" G_GUINT64_FORMAT " ", node_base_ino(avail));
	ck_assert_msg(!strstr(told->str, want), "told '%s': the node's own number",
		      told->str);
}
END_TEST

/* ---- inode mode (-o no_open) ---------------------------------------------- */

static void setup_by_inode(void)
{
	setup();
	node_tree_set_by_inode(nt, true);
}

static ssize_t pread_ino(uint64_t ino, char *buf, size_t size, off_t off)
{
	ssize_t ret = node_pread(nt, ino, true, buf, size - 1, off);

	buf[ret >= 0 ? ret : 0] = '\0';
	return ret;
}

static void assert_ino_reads(uint64_t ino, const char *want)
{
	char buf[4096];
	struct stat st;

	ck_assert_int_eq(pread_ino(ino, buf, sizeof(buf), 0), (ssize_t)strlen(want));
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(node_getattr(nt, ino, &st, NULL), 0);
	ck_assert_int_eq(st.st_ino, ino);
	ck_assert_int_eq(st.st_size, (off_t)strlen(want));
}

/* A readable file's size is its value's length, under a view number. */
START_TEST(by_inode_sizes)
{
	struct stat st;
	bool recheck = true;

	ck_assert_int_eq(walk(TYPE2 "/available_instances", &st), 0);
	ck_assert_int_eq(st.st_size, 3);   /* "12\n" */
	ck_assert_uint_ne(node_base_ino(st.st_ino), st.st_ino);
	assert_ino_reads(st.st_ino, "12\n");
	ck_assert_int_eq(node_getattr(nt, st.st_ino, &st, &recheck), 0);
	ck_assert(!recheck);   /* a core file: the core announces changes */
	/* Write-only files keep sysfs's 4096 and their plain number. */
	ck_assert_int_eq(walk(TYPE2 "/create", &st), 0);
	ck_assert_int_eq(st.st_size, 4096);
	ck_assert_uint_eq(node_base_ino(st.st_ino), st.st_ino);
}
END_TEST

/* A change of the same length keeps the view; another length makes a new
 * one, and the old view keeps the text of its length. */
START_TEST(by_inode_views)
{
	struct stat st;
	uint64_t first, ten;

	first = ino_of(TYPE2 "/available_instances");
	create_u(TYPE2, U1);
	ck_assert_uint_eq(ino_of(TYPE2 "/available_instances"), first);
	assert_ino_reads(first, "11\n");
	create_u(TYPE2, U2);
	ten = ino_of(TYPE2 "/available_instances");
	ck_assert_uint_eq(ten, first);
	assert_ino_reads(ten, "10\n");
	create_u(TYPE2, U3);
	ck_assert_int_eq(walk(TYPE2 "/available_instances", &st), 0);
	ck_assert_uint_ne(st.st_ino, ten);
	ck_assert_uint_eq(node_base_ino(st.st_ino), node_base_ino(ten));
	assert_ino_reads(st.st_ino, "9\n");
	/* An fd opened at "10\n" goes on seeing a value of its length: a
	 * second read() never picks up another value's tail. */
	assert_ino_reads(ten, "10\n");
	/* Back to two digits: a new view again, never the old number. */
	remove_u(U3);
	ck_assert_uint_ne(ino_of(TYPE2 "/available_instances"), ten);
	assert_ino_reads(ino_of(TYPE2 "/available_instances"), "10\n");
}
END_TEST

/* From 6.1 the vendor takes its instance at probe: an unbind gives it
 * back, and the count the kernel keeps must follow (found by fuzzing). */
START_TEST(by_inode_unbind_frees_instance)
{
	uint64_t avail;
	char buf[16];

	create_u(TYPE1, U1);
	avail = ino_of(TYPE1 "/available_instances");
	assert_ino_reads(avail, "23\n");
	ck_assert_int_eq(write_str("bus/mdev/drivers/mtty/unbind", U1), 36);
	ck_assert_uint_eq(ino_of(TYPE1 "/available_instances"), avail);
	ck_assert_int_eq(pread_ino(avail, buf, sizeof(buf), 0), 3);
	ck_assert_str_eq(buf, "24\n");
}
END_TEST

/* A backend's file is looked at every read unless its backend promised
 * to announce every change (mtty does); a promise can come later. */
static ssize_t probe_show(struct device *dev,
			  const struct device_attribute *attr, char *buf)
{
	(void)dev;
	(void)attr;
	return sysfs_emit(buf, "x\n");
}
static DEVICE_ATTR_RO(probe);
static const struct attribute *const probe_attrs[] = { &dev_attr_probe.attr,
							NULL };
static const struct attribute_group probe_group = { .attrs = probe_attrs };
static const struct attribute_group *const probe_groups[] = { &probe_group,
							      NULL };

START_TEST(by_inode_announced_files)
{
	const struct mdevfs_device_desc desc = {
		.name = "probe0", .class_name = "probe", .groups = probe_groups,
	};
	struct device *dev = mdevfs_device_create(h, &desc);
	struct stat st;
	bool recheck = false;

	ck_assert_ptr_nonnull(dev);
	ck_assert_int_eq(node_lookup(nt, ino_of("devices/virtual/probe/probe0"),
				     "probe", &st, &recheck), 0);
	ck_assert(recheck);
	mdevfs_device_announces_changes(dev);
	ck_assert_int_eq(node_getattr(nt, st.st_ino, &st, &recheck), 0);
	ck_assert(!recheck);
	create_u(TYPE1, U1);
	ck_assert_int_eq(node_lookup(nt, ino_of(MTTY "/" U1 "/vendor"),
				     "sample_mdev_dev", &st, &recheck), 0);
	ck_assert(!recheck);
	mdevfs_device_destroy(dev);
}
END_TEST

/* No open to refuse: a read or write of the wrong mode gets EACCES, and
 * a file removed under a held inode ENODEV. */
START_TEST(by_inode_errors)
{
	char buf[64];
	bool drop = false;
	uint64_t avail = ino_of(TYPE2 "/available_instances");
	uint64_t create = ino_of(TYPE2 "/create");
	uint64_t remove, uevent;

	ck_assert_int_eq(node_pread(nt, create, true, buf, sizeof(buf), 0), -EACCES);
	ck_assert_int_eq(node_pwrite(nt, avail, true, "1", 1, 0, &drop), -EACCES);
	ck_assert_int_eq(node_pwrite(nt, create, true, U1, 36, 0, &drop), 36);
	ck_assert(!drop);   /* a partial page of a write-only file */
	remove = ino_of(MTTY "/" U1 "/remove");
	uevent = ino_of(MTTY "/" U1 "/uevent");
	ck_assert_int_gt(node_pread(nt, uevent, true, buf, sizeof(buf), 0), 0);
	ck_assert_int_eq(node_pwrite(nt, remove, true, "1", 1, 0, &drop), 1);
	ck_assert_int_eq(node_pread(nt, uevent, true, buf, sizeof(buf), 0), -ENODEV);
	ck_assert_int_eq(node_pread(nt, ino_of(MTTY), true, buf, sizeof(buf), 0),
			 -EISDIR);
}
END_TEST


/* ---- lazy directories ---------------------------------------------------- */

static guint nodes_made(void)
{
	guint n;

	node_tree_lock(nt);
	n = g_hash_table_size(nt->inodes);
	node_tree_unlock(nt);
	return n;
}

/* The kernel lets go of a node it looked up once. */
static void forget_path(const char *path)
{
	node_forget(nt, ino_of(path), 2);   /* ino_of() looked it up again */
}

/* A device's directory makes a node when it is looked up and drops it
 * when the kernel forgets it; what comes back is the same. */
START_TEST(lazy_makes_what_is_looked_up)
{
	guint before;

	create_u(TYPE2, U1);
	ino_of(MTTY "/" U1);
	before = nodes_made();
	assert_link(MTTY "/" U1 "/mdev_type", "../mdev_supported_types/mtty-2");
	ck_assert_uint_eq(nodes_made(), before + 1);
	/* assert_link() looked it up three times, ino_of() twice more. */
	node_forget(nt, ino_of(MTTY "/" U1 "/mdev_type"), 4);
	forget_path(MTTY "/" U1 "/mdev_type");
	ck_assert_uint_eq(nodes_made(), before);
	assert_reads(MTTY "/" U1 "/vendor/sample_mdev_dev",
		     "This is MDEV " U1 "\n");
	/* vendor/ and its file, no more. */
	ck_assert_uint_eq(nodes_made(), before + 2);
}
END_TEST

/* A listing makes every child, in the layout the kernel shows, and the
 * link count is the same before it as after. */
START_TEST(lazy_listing)
{
	static const char *const want[] = {
		"uevent", "power", "subsystem", "remove", "mdev_type",
		"iommu_group", "driver", "vendor", "vfio-dev", NULL,
	};
	uint64_t dir;
	GArray *all;
	struct stat st;
	nlink_t nlink;
	guint before;

	create_u(TYPE2, U1);
	ck_assert_int_eq(walk(MTTY "/" U1, &st), 0);
	dir = st.st_ino;
	nlink = st.st_nlink;
	before = nodes_made();
	all = list_dir(dir, 0, 0);
	ck_assert_uint_eq(all->len, 2 + g_strv_length((char **)want));
	for (const char *const *w = want; *w; w++)
		ck_assert_msg(type_of(all, *w) != 0, "%s not listed", *w);
	ck_assert_uint_gt(nodes_made(), before);
	assert_nlink(MTTY "/" U1, nlink);
	/* Listing again shows the same numbers. */
	{
		GArray *again = list_dir(dir, 0, 0);

		assert_same_listing(all, again, 0);
		g_array_free(again, TRUE);
	}
	g_array_free(all, TRUE);
	/* Once the kernel forgets the directory, it goes with its contents
	 * (it was made by the walk above). */
	node_forget(nt, dir, 4);
	ck_assert_uint_eq(nodes_made(), before - 1);
}
END_TEST

/* A name a lookup did not find, added to a directory whose children are
 * not all made, is still told to the kernel; so is the link count when a
 * subdirectory that was never made goes. */
START_TEST(lazy_tells_unmade_names)
{
	g_autofree char *want = NULL, *count = NULL;
	uint64_t dir;
	struct stat st;

	create_u(TYPE2, U1);
	dir = ino_of(MTTY "/" U1);
	count = g_strdup_printf("I%" G_GUINT64_FORMAT " ", dir);
	assert_nlink(MTTY "/" U1, 5);    /* power, vendor, vfio-dev (6.1+) */
	g_string_truncate(told, 0);
	ck_assert_int_eq(write_str("bus/mdev/drivers/mtty/unbind", U1), 36);
	/* vendor/ and vfio-dev/ went with the driver, never made. */
	ck_assert_msg(strstr(told->str, count), "told '%s', want '%s' in it",
		      told->str, count);
	assert_nlink(MTTY "/" U1, 3);

	/* Before 5.13 an mdev can be bound again through bus/mdev. */
	sysfs_tree_set_observer(t, NULL);
	teardown();
	setup_with(mdev_profile_find("5.4"));
	sysfs_tree_set_observer(t, &(struct tree_observer){
		.inval_entry = note_entry, .inval_inode = note_inode });
	create_u(TYPE2, U1);
	dir = ino_of(MTTY "/" U1);
	ck_assert_int_eq(write_str("bus/mdev/drivers/vfio_mdev/unbind", U1), 36);
	ck_assert_int_eq(walk(MTTY "/" U1 "/driver", &st), -ENOENT);
	g_string_truncate(told, 0);
	ck_assert_int_eq(write_str("bus/mdev/drivers/vfio_mdev/bind", U1), 36);
	want = g_strdup_printf("E%" G_GUINT64_FORMAT "/driver ", dir);
	ck_assert_msg(strstr(told->str, want), "told '%s', want '%s' in it",
		      told->str, want);
	assert_link(MTTY "/" U1 "/driver",
		    "../../../../../bus/mdev/drivers/vfio_mdev");
}
END_TEST

/* An IOMMU group's directory is built from its device's log: each of the
 * two directories gets only its own contents, and the group goes with the
 * binding while the device stays. */
START_TEST(lazy_group_from_device_log)
{
	static const char *const group_has[] = {
		"devices", "name", "reserved_regions", "type", NULL,
	};
	GArray *all;

	create_u(TYPE2, U1);
	create_u(TYPE2, U2);
	all = list_dir(ino_of("kernel/iommu_groups/0"), 0, 0);
	ck_assert_uint_eq(all->len, 2 + g_strv_length((char **)group_has));
	for (const char *const *w = group_has; *w; w++)
		ck_assert_msg(type_of(all, *w) != 0, "%s not listed", *w);
	g_array_free(all, TRUE);
	all = list_dir(ino_of("kernel/iommu_groups/0/devices"), 0, 0);
	ck_assert_uint_eq(all->len, 3);
	g_array_free(all, TRUE);
	assert_link("kernel/iommu_groups/0/devices/" U1,
		    "../../../../devices/virtual/mtty/mtty/" U1);
	assert_link("kernel/iommu_groups/1/devices/" U2,
		    "../../../../devices/virtual/mtty/mtty/" U2);
	/* The device's directory holds what it did before the group's was
	 * listed (lazy_listing has the names). */
	all = list_dir(ino_of(MTTY "/" U1), 0, 0);
	ck_assert_uint_eq(all->len, 2 + 9);
	ck_assert_int_eq(type_of(all, "devices"), 0);
	g_array_free(all, TRUE);
	assert_link(MTTY "/" U1 "/iommu_group",
		    "../../../../../kernel/iommu_groups/0");

	ck_assert_int_eq(write_str("bus/mdev/drivers/mtty/unbind", U1), 36);
	assert_absent("kernel/iommu_groups/0");
	assert_absent(MTTY "/" U1 "/iommu_group");
	assert_dir(MTTY "/" U1);
	assert_link("kernel/iommu_groups/1/devices/" U2,
		    "../../../../devices/virtual/mtty/mtty/" U2);
	remove_u(U1);
	assert_absent(MTTY "/" U1);
	assert_dir("kernel/iommu_groups/1/devices");
}
END_TEST

/* A binding's driver link and group directory get new numbers when the
 * device is bound again, while the kernel may still hold the old ones
 * (before 5.13 an mdev can be bound again through bus/mdev). */
START_TEST(rebinding_gets_new_numbers)
{
	const char *drv_link = "bus/mdev/drivers/vfio_mdev/" U1;
	uint64_t link, group, link2, group2;
	struct stat st;

	teardown();
	setup_with(mdev_profile_find("5.4"));
	create_u(TYPE2, U1);
	link = ino_of(drv_link);
	group = ino_of("kernel/iommu_groups/0");
	ck_assert_int_eq(write_str("bus/mdev/drivers/vfio_mdev/unbind", U1), 36);
	assert_absent(drv_link);
	assert_absent("kernel/iommu_groups/0");
	ck_assert_int_eq(write_str("bus/mdev/drivers/vfio_mdev/bind", U1), 36);
	link2 = ino_of(drv_link);
	group2 = ino_of("kernel/iommu_groups/0");
	ck_assert_uint_ne(link2, link);
	ck_assert_uint_ne(group2, group);
	assert_link(drv_link, "../../../../devices/virtual/mtty/mtty/" U1);
	/* The old ones go when the kernel forgets them; the new ones stay. */
	node_forget(nt, link, 1);
	node_forget(nt, group, 1);
	ck_assert_int_eq(node_getattr(nt, link, &st, NULL), -ENOENT);
	ck_assert_int_eq(node_getattr(nt, group, &st, NULL), -ENOENT);
	ck_assert_int_eq(node_getattr(nt, link2, &st, NULL), 0);
	ck_assert_int_eq(node_getattr(nt, group2, &st, NULL), 0);
}
END_TEST

/* class/vfio-dev lists from the mdevs' records: a listing and lookups
 * agree, and a minor that comes back with another device (or binding)
 * gets a new number, while the old node lives until forgotten. */
START_TEST(vfio_class_gets_new_numbers)
{
	const char *vfio0 = "class/vfio-dev/vfio0";
	uint64_t dir = ino_of("class/vfio-dev"), first, second;
	GArray *all;
	struct stat st;

	create_u(TYPE2, U1);
	create_u(TYPE2, U2);
	all = list_dir(dir, 0, 0);
	ck_assert_uint_eq(all->len, 4);
	for (guint i = 2; i < all->len; i++) {
		g_autofree char *path = g_strdup_printf("class/vfio-dev/%s",
							entry_at(all, i)->name);

		ck_assert_int_eq(entry_at(all, i)->type, S_IFLNK);
		ck_assert_int_eq(entry_at(all, i)->ino, ino_of(path));
	}
	g_array_free(all, TRUE);
	first = ino_of(vfio0);
	assert_link(vfio0, "../../devices/virtual/mtty/mtty/" U1 "/vfio-dev/vfio0");
	remove_u(U1);
	assert_absent(vfio0);
	create_u(TYPE2, U3);
	second = ino_of(vfio0);
	ck_assert_uint_ne(second, first);
	assert_link(vfio0, "../../devices/virtual/mtty/mtty/" U3 "/vfio-dev/vfio0");
	/* Every lookup above. */
	node_forget(nt, first, G_MAXUINT64);
	ck_assert_int_eq(node_getattr(nt, first, &st, NULL), -ENOENT);
	ck_assert_int_eq(node_getattr(nt, second, &st, NULL), 0);
}
END_TEST

/* A node's counters share words with its flags: an open or a call past
 * what handles can count is refused with ENFILE, and a lookup count that
 * reached its top stays there (the node is never freed under the kernel). */
START_TEST(node_counters_have_limits)
{
	const char *path = TYPE1 "/available_instances";
	uint64_t ino = ino_of(path);
	struct node *node = node_find(nt, ino);
	struct stat st;

	ck_assert_ptr_nonnull(node);
	node->handles = NODE_HANDLES_MAX;
	ck_assert_int_eq(open_error(path, O_RDONLY), -ENFILE);
	ck_assert_int_eq(node_getattr(nt, ino, &st, NULL), -ENFILE);
	node->handles = 0;
	assert_reads(path, "24\n");

	node->nlookup = NODE_NLOOKUP_MAX;
	ck_assert_int_eq(node_lookup(nt, ino_of(TYPE1), "available_instances",
				     &st, NULL), 0);
	ck_assert_uint_eq(node->nlookup, NODE_NLOOKUP_MAX);
	node_forget(nt, ino, 3);
	ck_assert_uint_eq(node->nlookup, NODE_NLOOKUP_MAX);
	ck_assert_int_eq(node->type, NODE_FILE);
	ck_assert_uint_eq(node_mode(node), 0444);
}
END_TEST


/* ---- link sets ------------------------------------------------------------ */

#define BUS_DEVICES "bus/mdev/devices"

/* A listing of bus/mdev/devices shows links with the numbers lookups
 * give; a node is made only for a link looked up, and goes when the
 * kernel forgets it. */
START_TEST(set_lists_and_makes_on_lookup)
{
	uint64_t dir = ino_of(BUS_DEVICES), u1;
	GArray *all;
	guint before;

	create_u(TYPE2, U1);
	create_u(TYPE2, U2);
	create_u(TYPE1, U3);
	before = nodes_made();
	all = list_dir(dir, 0, 0);
	ck_assert_uint_eq(all->len, 5);
	ck_assert_uint_eq(nodes_made(), before);
	for (guint i = 2; i < all->len; i++) {
		g_autofree char *path = g_strdup_printf(BUS_DEVICES "/%s",
							entry_at(all, i)->name);

		ck_assert_int_eq(entry_at(all, i)->type, S_IFLNK);
		ck_assert_int_eq(entry_at(all, i)->ino, ino_of(path));
	}
	ck_assert_uint_eq(nodes_made(), before + 3);
	for (guint room = 1; room <= 2; room++) {
		GArray *paged = list_dir(dir, 0, room);

		assert_same_listing(all, paged, 0);
		g_array_free(paged, TRUE);
	}
	g_array_free(all, TRUE);
	u1 = ino_of(BUS_DEVICES "/" U1);
	node_forget(nt, u1, 3);
	ck_assert_uint_eq(nodes_made(), before + 2);
	/* Made again, with the same number and text. */
	ck_assert_uint_eq(ino_of(BUS_DEVICES "/" U1), u1);
	assert_link(BUS_DEVICES "/" U1, "../../../devices/virtual/mtty/mtty/" U1);
	assert_link(TYPE2 "/devices/" U2, "../../../" U2);
	assert_absent(TYPE1 "/devices/" U1);
}
END_TEST

/* A set entry's node borrows its name and target from the device; when
 * the device goes while the kernel still holds the node, the node keeps
 * copies (the device's strings are freed: ASan checks this one). */
START_TEST(set_node_outlives_its_device)
{
	uint64_t link, dir;
	struct stat st;
	char *text = NULL;

	create_u(TYPE2, U1);
	link = ino_of(BUS_DEVICES "/" U1);
	dir = ino_of(MTTY "/" U1);
	assert_link(BUS_DEVICES "/" U1, "../../../devices/virtual/mtty/mtty/" U1);
	remove_u(U1);
	assert_absent(BUS_DEVICES "/" U1);
	ck_assert_int_eq(node_readlink(nt, link, &text), 0);
	ck_assert_str_eq(text, "../../../devices/virtual/mtty/mtty/" U1);
	g_free(text);
	ck_assert_int_eq(node_getattr(nt, dir, &st, NULL), 0);
	ck_assert_int_eq(st.st_mode & S_IFMT, S_IFDIR);
	/* The same UUID again: new entries, the old nodes stay apart. */
	create_u(TYPE1, U1);
	assert_link(BUS_DEVICES "/" U1, "../../../devices/virtual/mtty/mtty/" U1);
	ck_assert_uint_ne(ino_of(BUS_DEVICES "/" U1), link);
	node_forget(nt, link, 5);
	node_forget(nt, dir, 2);   /* ino_of() and remove_u() */
	ck_assert_int_eq(node_getattr(nt, link, &st, NULL), -ENOENT);
	ck_assert_int_eq(node_getattr(nt, dir, &st, NULL), -ENOENT);
}
END_TEST

/* The directories that list mdevs read one index: each shows its own,
 * in any paging, with numbers of its own, and forgets a removed one. */
START_TEST(listings_share_one_index)
{
	static const struct { const char *dir; guint n; } want[] = {
		{ BUS_DEVICES, 3 }, { TYPE2 "/devices", 2 },
		{ TYPE1 "/devices", 1 },
		{ "bus/mdev/drivers/mtty", 3 + 3 },   /* and bind, unbind, uevent */
		{ "kernel/iommu_groups", 3 },
	};
	GHashTable *inos = g_hash_table_new(g_int64_hash, g_int64_equal);

	create_u(TYPE2, U1);
	create_u(TYPE1, U2);
	create_u(TYPE2, U3);
	for (guint w = 0; w < G_N_ELEMENTS(want); w++) {
		uint64_t dir = ino_of(want[w].dir);
		GArray *all = list_dir(dir, 0, 0), *paged = list_dir(dir, 0, 1);

		ck_assert_msg(all->len == 2 + want[w].n, "%s lists %u",
			      want[w].dir, all->len - 2);
		assert_same_listing(all, paged, 0);
		for (guint i = 2; i < all->len; i++) {
			g_autofree char *path = g_strdup_printf(
				"%s/%s", want[w].dir, entry_at(all, i)->name);
			uint64_t *ino = &entry_at(all, i)->ino;

			ck_assert_int_eq(*ino, ino_of(path));
			ck_assert_msg(g_hash_table_add(inos, ino),
				      "%s shares its number", path);
		}
		g_array_free(paged, TRUE);
		g_array_free(all, TRUE);
	}
	assert_link(TYPE1 "/devices/" U2, "../../../" U2);
	assert_absent(TYPE1 "/devices/" U1);
	assert_absent(TYPE2 "/devices/" U2);
	remove_u(U1);
	assert_absent(BUS_DEVICES "/" U1);
	assert_absent(TYPE2 "/devices/" U1);
	assert_absent("bus/mdev/drivers/mtty/" U1);
	assert_absent("kernel/iommu_groups/0");
	assert_link(TYPE2 "/devices/" U3, "../../../" U3);
	g_hash_table_destroy(inos);
}
END_TEST

/* The core announces an mdev once; should it say so again, the listings
 * still show it once. */
START_TEST(listings_show_an_mdev_once)
{
	uuid_t uuid;
	GArray *all;

	create_u(TYPE2, U1);
	test_uuid(U1, uuid);
	mdev_emit(h, &(struct mdev_event){
		.type = MDEV_EVENT_DEVICE_ADD,
		.dev = mdev_dev(peek_mdev(h, uuid)) });
	all = list_dir(ino_of(BUS_DEVICES), 0, 0);
	ck_assert_uint_eq(all->len, 3);
	g_array_free(all, TRUE);
	remove_u(U1);
	all = list_dir(ino_of(BUS_DEVICES), 0, 0);
	ck_assert_uint_eq(all->len, 2);
	g_array_free(all, TRUE);
}
END_TEST

/* Entries removed leave holes, compacted out once they are the most of
 * the set; listings show exactly the links there are, in any paging. */
START_TEST(set_survives_many_removes)
{
	uint64_t dir = ino_of(TYPE2 "/devices");
	GArray *all, *paged;
	char u[37];

	create_u(TYPE2, U1);
	for (int i = 0; i < 300; i++) {
		snprintf(u, sizeof(u), "83b8f4f2-509f-382f-3c1e-%012x", 0x100000 + i);
		create_u(TYPE2, u);
		remove_u(u);
	}
	create_u(TYPE2, U2);
	all = list_dir(dir, 0, 0);
	ck_assert_uint_eq(all->len, 4);
	ck_assert_int_eq(type_of(all, U1), S_IFLNK);
	ck_assert_int_eq(type_of(all, U2), S_IFLNK);
	paged = list_dir(dir, 0, 1);
	assert_same_listing(all, paged, 0);
	g_array_free(paged, TRUE);
	g_array_free(all, TRUE);
	remove_u(U1);
	all = list_dir(dir, 0, 0);
	ck_assert_uint_eq(all->len, 3);
	ck_assert_str_eq(entry_at(all, 2)->name, U2);
	g_array_free(all, TRUE);
}
END_TEST

/* A link the kernel looked up, or looked up in vain, is told when it
 * comes or goes; one it never saw is not. */
START_TEST(set_tells_what_the_kernel_holds)
{
	g_autofree char *gone = NULL, *came = NULL;
	uint64_t dir = ino_of(BUS_DEVICES);
	struct stat st;

	create_u(TYPE2, U1);
	ino_of(BUS_DEVICES "/" U1);
	g_string_truncate(told, 0);
	remove_u(U1);
	gone = g_strdup_printf("E%" G_GUINT64_FORMAT "/%s ", dir, U1);
	ck_assert_msg(strstr(told->str, gone), "told '%s', want '%s' in it",
		      told->str, gone);
	ck_assert_int_eq(walk(BUS_DEVICES "/" U2, &st), -ENOENT);
	g_string_truncate(told, 0);
	create_u(TYPE2, U2);
	came = g_strdup_printf("E%" G_GUINT64_FORMAT "/%s ", dir, U2);
	ck_assert_msg(strstr(told->str, came), "told '%s', want '%s' in it",
		      told->str, came);
	g_string_truncate(told, 0);
	create_u(TYPE2, U3);
	ck_assert_ptr_null(strstr(told->str, "/" U3));
}
END_TEST


/* The parent's mdevs and kernel/iommu_groups are sets of directories:
 * listed once each, counted in the link count, made on lookup with the
 * number the listing showed, dropped when forgotten. */
START_TEST(set_of_directories)
{
	uint64_t parent = ino_of(MTTY), u1;
	GArray *all;
	guint before, n = 0;

	assert_nlink(MTTY, 4);   /* power/, mdev_supported_types/ */
	create_u(TYPE2, U1);
	create_u(TYPE2, U2);
	before = nodes_made();
	all = list_dir(parent, 0, 0);
	for (guint i = 0; i < all->len; i++)
		if (strcmp(entry_at(all, i)->name, U1) == 0 ||
		    strcmp(entry_at(all, i)->name, U2) == 0) {
			ck_assert_int_eq(entry_at(all, i)->type, S_IFDIR);
			n++;
		}
	ck_assert_uint_eq(n, 2);     /* once each */
	ck_assert_uint_eq(nodes_made(), before);
	assert_nlink(MTTY, 6);
	u1 = ino_of(MTTY "/" U1);
	for (guint i = 0; i < all->len; i++)
		if (strcmp(entry_at(all, i)->name, U1) == 0)
			ck_assert_int_eq(entry_at(all, i)->ino, u1);
	node_forget(nt, u1, 2);
	ck_assert_uint_eq(nodes_made(), before);
	ck_assert_uint_eq(ino_of(MTTY "/" U1), u1);
	assert_dir("kernel/iommu_groups/0");
	assert_reads("kernel/iommu_groups/1/name", "vfio-noiommu\n");
	remove_u(U1);
	assert_nlink(MTTY, 5);
	assert_absent(MTTY "/" U1);
	assert_absent("kernel/iommu_groups/0");
	g_array_free(all, TRUE);
}
END_TEST


/* A backend may place a parent where the tree keeps links to devices
 * (here class/fake, which lists the class device fake0): its mdevs then
 * get plain directory nodes, and everything still shows. */
static int plain_create(struct mdev_device *mdev)
{
	(void)mdev;
	return 0;
}

static int plain_remove(struct mdev_device *mdev)
{
	(void)mdev;
	return 0;
}

static const struct attribute *const no_attrs[] = { NULL };
static const struct attribute_group plain_type = { .name = "t",
						   .attrs = no_attrs };
static const struct attribute_group *const plain_types[] = { &plain_type,
							     NULL };
static const struct mdev_parent_ops plain_ops = {
	.device_api = "vfio-pci", .supported_type_groups = plain_types,
	.max_instances = 2, .create = plain_create, .remove = plain_remove,
};

START_TEST(set_mixed_kinds)
{
	const struct mdevfs_device_desc at_class = {
		.name = "fake", .class_name = "fakeparent", .parent_path = "class",
	};
	struct device *dev0 = mdevfs_class_device_create(h, "fake", "fake0");
	struct device *parent = mdevfs_device_create(h, &at_class);

	ck_assert_ptr_nonnull(dev0);
	ck_assert_ptr_nonnull(parent);
	ck_assert_int_eq(mdev_register_device(parent, &plain_ops), 0);
	create_u("class/fake/mdev_supported_types/fakeparent-t", U1);
	assert_link("class/fake/fake0", "../../devices/virtual/fake/fake0");
	assert_dir("class/fake/" U1);
	assert_link("class/fake/" U1 "/mdev_type",
		    "../mdev_supported_types/fakeparent-t");
	assert_link("bus/mdev/devices/" U1, "../../../class/fake/" U1);
	ck_assert_int_eq(write_str("class/fake/" U1 "/remove", "1"), 1);
	assert_absent("class/fake/" U1);
	mdev_unregister_device(parent);
	mdevfs_device_destroy(parent);
	mdevfs_device_destroy(dev0);
}
END_TEST


/* A set of lazy directories built by hand in the node tree, each with
 * one file whose show may wait at a gate. */
static struct gate *show_gate;

/* A kernfs file of the test's own, whose show() waits at the gate. */
static ssize_t slow_show(void *obj, const void *attr, char *page)
{
	(void)obj;
	(void)attr;
	if (show_gate)
		gate_pass(show_gate);
	return g_strlcpy(page, "slow\n", NODE_PAGE_SIZE);
}

static const struct node_file_ops slow_ops = { .show = slow_show };

static struct node *slow_set;

/* An entry of the slow set: its one file goes in its directory. */
struct slow_entry {
	struct node_lazy_obj lazy;
	const char *name;
};

static void slow_fill(void *obj)
{
	const struct slow_entry *e = obj;

	const struct node_file_desc slow = {
		.name = "slow", .mode = 0444, .cache = NODE_CACHE_VOLATILE,
		.ops = &slow_ops,
	};

	node_file(nt, node_child(slow_set, e->name), &slow);
}

static void slow_hold(void *obj)
{
	(void)obj;
}

static const struct node_source slow_source = {
	.fill = slow_fill, .hold = slow_hold, .release = slow_hold,
};

static void *read_slow(void *path)
{
	ssize_t ret;

	g_free(read_path(path, &ret));
	return NULL;
}

static void *remove_entry(void *set)
{
	node_tree_lock(nt);
	node_remove_child(nt, set, "a");
	node_tree_unlock(nt);
	return NULL;
}

static const char *const names[] = {
	"b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9",
	"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9",
	"d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9",
};

/*
 * Removing a set entry's node waits for a show running in it, with the
 * tree lock dropped, while other entries may be added and the set's
 * array move.  The removal must still take its own entry: it once kept a
 * pointer into the array across the wait (found by a long stress run
 * under ASan, as a set entry outliving its device).
 */
START_TEST(set_remove_waits_for_show)
{
	static struct slow_entry a = { { &slow_source }, "a" };
	static struct slow_entry more[G_N_ELEMENTS(names)];
	struct node *set;
	struct gate gate;
	pthread_t reader, remover;

	node_tree_lock(nt);
	set = slow_set = node_dir(nt, nt->root, "slowset");
	node_lazy_subdir(nt, set, "a", &a.lazy);
	node_tree_unlock(nt);
	gate_init(&gate);
	show_gate = &gate;
	pthread_create(&reader, NULL, read_slow, "slowset/a/slow");
	gate_wait_entered(&gate);
	pthread_create(&remover, NULL, remove_entry, set);
	g_usleep(100 * 1000);   /* the remover waits for the show */
	node_tree_lock(nt);
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		more[i] = (struct slow_entry){ { &slow_source }, names[i] };
		node_lazy_subdir(nt, set, names[i], &more[i].lazy);
	}
	node_tree_unlock(nt);
	gate_open(&gate);
	pthread_join(reader, NULL);
	pthread_join(remover, NULL);
	show_gate = NULL;
	assert_absent("slowset/a");
	assert_dir("slowset/b0");
	assert_dir("slowset/d9");
	gate_clear(&gate);
}
END_TEST


/* A removed directory the kernel still holds lists nothing, as kernfs
 * shows it: its set goes with its nodes (the entries borrow names from
 * devices that may be gone by the next READDIR). */
START_TEST(set_goes_with_its_directory)
{
	struct node *dir;
	uint64_t ino;
	GArray *all;

	node_tree_lock(nt);
	dir = node_dir(nt, nt->root, "links");
	node_device_link(nt, dir, "one", "devices/virtual/one");
	node_device_link(nt, dir, "two", "devices/virtual/two");
	node_tree_unlock(nt);
	ino = ino_of("links");
	all = list_dir(ino, 0, 0);
	ck_assert_uint_eq(all->len, 4);
	g_array_free(all, TRUE);
	node_tree_lock(nt);
	node_remove(nt, dir);
	node_tree_unlock(nt);
	all = list_dir(ino, 0, 0);
	ck_assert_uint_eq(all->len, 2);   /* . and .. */
	g_array_free(all, TRUE);
	node_forget(nt, ino, 1);
}
END_TEST

/* ---- stable readdir positions (issue #14) -------------------------------- */

/*
 * POSIX: an entry neither added nor removed while a directory is listed is
 * returned exactly once.  These list in small calls, resuming at the
 * offset of the last entry each time as the kernel does, and change the
 * directory between calls: removals enough to make the sets compact their
 * holes, and additions.
 */

/* Between two listing calls; call counts from 1. */
typedef void (*churn_fn)(guint call, void *data);

/* How often each name came in a listing of ino in calls of room entries,
 * with churn run after each call. */
static GHashTable *list_churning(uint64_t ino, guint room, churn_fn churn,
				 void *data)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal,
						 g_free, NULL);
	struct listing l = { new_entries(), room, 0 };
	off_t off = 0;

	for (guint call = 1;; call++) {
		ck_assert_uint_lt(call, 10000);
		g_array_set_size(l.entries, 0);
		l.taken = 0;
		ck_assert_int_eq(node_readdir(nt, ino, off, fill, &l), 0);
		if (l.entries->len == 0)
			break;
		for (guint i = 0; i < l.entries->len; i++) {
			const char *name = entry_at(l.entries, i)->name;
			guint n = GPOINTER_TO_UINT(g_hash_table_lookup(seen, name));

			g_hash_table_replace(seen, g_strdup(name),
					     GUINT_TO_POINTER(n + 1));
		}
		off = entry_at(l.entries, l.entries->len - 1)->next;
		churn(call, data);
	}
	g_array_free(l.entries, TRUE);
	return seen;
}

/* Every name in stayed came once, and no name twice. */
static void assert_once(GHashTable *seen, GPtrArray *stayed, const char *dir)
{
	GHashTableIter it;
	gpointer name, n;
	guint missing = 0;

	for (guint i = 0; i < stayed->len; i++) {
		guint times = GPOINTER_TO_UINT(
			g_hash_table_lookup(seen, stayed->pdata[i]));

		if (times != 1)
			fprintf(stderr, "%s: %s listed %u times\n", dir,
				(char *)stayed->pdata[i], times);
		missing += times == 0;
	}
	g_hash_table_iter_init(&it, seen);
	while (g_hash_table_iter_next(&it, &name, &n))
		ck_assert_msg(GPOINTER_TO_UINT(n) == 1, "%s: %s listed %u times",
			      dir, (char *)name, GPOINTER_TO_UINT(n));
	ck_assert_msg(missing == 0, "%s: %u of the %u entries that stayed "
		      "were not listed", dir, missing, stayed->len);
	ck_assert_uint_eq(GPOINTER_TO_UINT(g_hash_table_lookup(seen, ".")), 1);
	ck_assert_uint_eq(GPOINTER_TO_UINT(g_hash_table_lookup(seen, "..")), 1);
}

/* Positions go on past 2^32 (a guint would wrap there), keep their order
 * through a compaction, and make offsets that give them back. */
START_TEST(readdir_positions_past_32_bits)
{
	struct node_pos_array a;
	struct node_pos_head slot;
	static const char item[] = "x";
	uint64_t first = (UINT64_C(1) << 32) - 100;

	node_pos_init(&a, sizeof(slot));
	a.next = first;
	for (guint i = 0; i < 200; i++) {
		slot = (struct node_pos_head){ .item = item };
		ck_assert_uint_eq(node_pos_append(&a, &slot), first + i);
	}
	/* Remove all but every tenth: holes are compacted on the way. */
	for (guint i = 0; i < 200; i++)
		if (i % 10) {
			gint at = node_pos_find(&a, first + i);

			ck_assert_int_ge(at, 0);
			node_pos_remove(&a, (guint)at);
		}
	ck_assert_uint_lt(node_pos_len(&a), 100);
	ck_assert_uint_eq(node_pos_live(&a), 20);
	for (guint i = 0; i < 200; i++) {
		guint at = node_pos_from(&a, first + i);
		uint64_t want = first + (i + 9) / 10 * 10;
		const struct node_pos_head *got = node_pos_at(&a, at);

		if (want >= first + 200) {
			ck_assert_uint_eq(at, node_pos_len(&a));
			continue;
		}
		ck_assert_uint_eq(got->pos, want);
		/* The offset after an entry resumes right after it. */
		ck_assert_uint_eq(node_pos_off_set(node_pos_set_off(got->pos)),
				  got->pos + 1);
		ck_assert_int_gt(node_pos_set_off(got->pos), NODE_SET_OFF);
	}
	ck_assert_int_gt(node_pos_set_off(NODE_POS_MAX), 0);
	node_pos_fini(&a);
}
END_TEST

/* A set of the tree's own (src/kernfs/set.c): 300 links, listed 16 entries a
 * call; after the first call the 180 that do not stay go (the set
 * compacts its holes on the way) and 20 new ones come. */
#define OWN_N 300
#define OWN_NEW 20
static char own_names[OWN_N + OWN_NEW][8];

static bool own_stays(guint i)
{
	return i % 5 == 0 || i % 5 == 3;
}

static void own_churn(guint call, void *dir)
{
	if (call != 1)
		return;
	node_tree_lock(nt);
	for (guint i = 0; i < OWN_N; i++)
		if (!own_stays(i))
			node_remove_child(nt, dir, own_names[i]);
	for (guint i = OWN_N; i < OWN_N + OWN_NEW; i++)
		node_device_link(nt, dir, own_names[i], "devices/virtual/x");
	node_tree_unlock(nt);
}

START_TEST(readdir_stable_own_set)
{
	g_autoptr(GPtrArray) stayed = g_ptr_array_new();
	GHashTable *seen;
	struct node *dir;

	node_tree_lock(nt);
	dir = node_dir(nt, nt->root, "stable");
	for (guint i = 0; i < OWN_N + OWN_NEW; i++)
		snprintf(own_names[i], sizeof(own_names[i]), "%c%03u",
			 i < OWN_N ? 'n' : 'm', i % OWN_N);
	for (guint i = 0; i < OWN_N; i++) {
		node_device_link(nt, dir, own_names[i], "devices/virtual/x");
		if (own_stays(i))
			g_ptr_array_add(stayed, own_names[i]);
	}
	node_tree_unlock(nt);
	seen = list_churning(ino_of("stable"), 16, own_churn, dir);
	assert_once(seen, stayed, "stable");
	g_hash_table_destroy(seen);
}
END_TEST

/*
 * The index's views (src/sysfs/index.c): 20 mtty devices; once the listing
 * has shown a few of them, the 12 that do not stay are removed, and 60
 * devices are created and removed one by one (which leaves holes enough
 * to compact the records), and 2 new ones stay.  Between all later calls
 * one more device comes and goes.
 */
#define IDX_N 20
static const char *const stable_views[] = {
	BUS_DEVICES, TYPE1 "/devices", MTTY, "kernel/iommu_groups",
};

struct idx_churn {
	char uuids[IDX_N][37];
	GPtrArray *stayed;   /* the names the view shows for them */
	guint calls;         /* of the listing when the removals come */
	guint serial;
};

static void idx_uuid(char out[37], guint i)
{
	snprintf(out, 37, "83b8f4f2-509f-382f-3c1e-%012x", 0x200000 + i);
}

static void idx_churn(guint call, void *data)
{
	struct idx_churn *c = data;
	char u[37];

	if (call == c->calls) {
		for (guint i = 0; i < IDX_N; i++)
			if (!own_stays(i))
				remove_u(c->uuids[i]);
		for (guint i = 0; i < 60; i++) {
			idx_uuid(u, 0x1000 + c->serial++);
			create_u(TYPE1, u);
			remove_u(u);
		}
		for (guint i = 0; i < 2; i++) {
			idx_uuid(u, 0x1000 + c->serial++);
			create_u(TYPE1, u);
		}
	} else if (call > c->calls) {
		idx_uuid(u, 0x1000 + c->serial++);
		create_u(TYPE1, u);
		remove_u(u);
	}
}

/* The group a device is in, as kernel/iommu_groups names it. */
static char *group_of(const char *uuid)
{
	g_autofree char *path = g_strdup_printf(MTTY "/%s/iommu_group", uuid);
	g_autofree char *text = NULL;

	ck_assert_int_eq(node_readlink(nt, ino_of(path), &text), 0);
	return g_path_get_basename(text);
}

START_TEST(readdir_stable_views)
{
	const char *view = stable_views[_i];
	struct idx_churn c = { .stayed = g_ptr_array_new_with_free_func(g_free) };
	uint64_t ino = ino_of(view);
	guint room = 4, calls = 0, shown = 0;
	GArray *all;
	GHashTable *seen;

	for (guint i = 0; i < IDX_N; i++) {
		idx_uuid(c.uuids[i], i);
		create_u(TYPE1, c.uuids[i]);
		if (own_stays(i))
			g_ptr_array_add(c.stayed,
					_i == 3 ? group_of(c.uuids[i])
						: g_strdup(c.uuids[i]));
	}
	/* The removals come after the call that shows the fourth device
	 * (the parent lists its own nodes first). */
	all = list_dir(ino, 0, 0);
	for (guint i = 2; i < all->len && !calls; i++) {
		const char *name = entry_at(all, i)->name;

		if ((_i == 3 || strlen(name) == 36) && ++shown == 4)
			calls = i / room + 1;
	}
	ck_assert_uint_eq(shown, 4);
	g_array_free(all, TRUE);
	c.calls = calls;
	seen = list_churning(ino, room, idx_churn, &c);
	assert_once(seen, c.stayed, view);
	g_hash_table_destroy(seen);
	g_ptr_array_free(c.stayed, TRUE);
}
END_TEST

static Suite *tree_suite(void)
{
	Suite *s = suite_create("tree");
	TCase *tc = unit_tcase(s, "layout");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, skeleton);
	tcase_add_test(tc, parent_layout);
	tcase_add_test(tc, type_dir_layout);
	tcase_add_test(tc, open_checks_mode_bits);
	tcase_add_test(tc, read_offsets);

	tc = unit_tcase(s, "create");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, create_write_return_values);
	tcase_add_test(tc, created_device_layout);
	tcase_add_test(tc, created_device_links);
	tcase_add_test(tc, iommu_group_files);
	tcase_add_test(tc, power_files);
	tcase_add_test(tc, create_uppercase);
	tcase_add_test(tc, create_write_errors);
	tcase_add_test(tc, create_until_full);
	tcase_add_test(tc, iommu_group_ids);

	tc = unit_tcase(s, "remove");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, remove_write_values);
	tcase_add_test(tc, remove_via_write);

	tc = unit_tcase(s, "invalidation");
	tcase_add_checked_fixture(tc, setup_observed, teardown_observed);
	tcase_add_test(tc, invalidates_only_what_the_kernel_holds);
	tcase_add_test(tc, invalidates_views_by_inode);
	tcase_add_test(tc, lazy_tells_unmade_names);
	tcase_add_test(tc, lazy_group_from_device_log);
	tcase_add_test(tc, rebinding_gets_new_numbers);
	tcase_add_test(tc, vfio_class_gets_new_numbers);
	tcase_add_test(tc, node_counters_have_limits);
	tcase_add_test(tc, set_tells_what_the_kernel_holds);

	tc = unit_tcase(s, "by_inode");
	tcase_add_checked_fixture(tc, setup_by_inode, teardown);
	tcase_add_test(tc, by_inode_sizes);
	tcase_add_test(tc, by_inode_views);
	tcase_add_test(tc, by_inode_errors);
	tcase_add_test(tc, by_inode_announced_files);
	tcase_add_test(tc, by_inode_unbind_frees_instance);

	tc = unit_tcase(s, "readdir");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, readdir_type_dir);
	tcase_add_test(tc, readdir_resumes);
	tcase_add_test(tc, readdir_sees_new_links);
	tcase_add_test(tc, readdir_not_a_dir);
	tcase_add_test(tc, readdirplus_gives_references);
	tcase_add_test(tc, readdir_positions_past_32_bits);
	tcase_add_test(tc, readdir_stable_own_set);
	tcase_add_loop_test(tc, readdir_stable_views, 0,
			    G_N_ELEMENTS(stable_views));

	tc = unit_tcase(s, "lazy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lazy_makes_what_is_looked_up);
	tcase_add_test(tc, lazy_listing);
	tcase_add_test(tc, set_lists_and_makes_on_lookup);
	tcase_add_test(tc, set_node_outlives_its_device);
	tcase_add_test(tc, listings_share_one_index);
	tcase_add_test(tc, listings_show_an_mdev_once);
	tcase_add_test(tc, set_survives_many_removes);
	tcase_add_test(tc, set_of_directories);
	tcase_add_test(tc, set_mixed_kinds);
	tcase_add_test(tc, set_remove_waits_for_show);
	tcase_add_test(tc, set_goes_with_its_directory);
	return s;
}

int main(void)
{
	return run_suite(tree_suite());
}
