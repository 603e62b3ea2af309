// SPDX-License-Identifier: MIT
/*
 * kernfs alone, with files of the test's own (no core, no mdev): binary
 * files read and written at offsets, attributes kept by setattr across a
 * lazy directory's drop, and the bounds on extended attributes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

#include "kernfs_priv.h"
#include "testutil.h"

#define ROOT_INO 1
#define BIN_SIZE 256

static struct node_tree tree;
static unsigned char blob[BIN_SIZE];
static int reads;

static ssize_t blob_read(void *obj, const void *attr, bool privileged,
			 char *buf, size_t count, off_t off)
{
	(void)obj;
	(void)attr;
	(void)privileged;
	reads++;
	memcpy(buf, blob + off, count);
	return (ssize_t)count;
}

static ssize_t blob_write(void *obj, const void *attr, bool privileged,
			  const char *buf, size_t count, off_t off)
{
	(void)obj;
	(void)attr;
	(void)privileged;
	memcpy(blob + off, buf, count);
	return (ssize_t)count;
}

static const struct node_file_ops blob_ops = {
	.read = blob_read, .write = blob_write,
};

/* A lazy directory "lazy" whose fill makes "f", a text file of 0644. */
static ssize_t text_show(void *obj, const void *attr, char *page)
{
	(void)obj;
	(void)attr;
	return g_strlcpy(page, "text\n", NODE_PAGE_SIZE);
}

static const struct node_file_ops text_ops = { .show = text_show };

static struct node *lazy_dir;

static void lazy_fill(void *obj)
{
	const struct node_file_desc f = {
		.name = "f", .mode = 0644, .cache = NODE_CACHE_VOLATILE,
		.ops = &text_ops,
	};

	(void)obj;
	node_file(&tree, lazy_dir, &f);
}

static void lazy_nop(void *obj)
{
	(void)obj;
}

static const struct node_source lazy_source = {
	.fill = lazy_fill, .hold = lazy_nop, .release = lazy_nop,
};
static struct node_lazy_obj lazy_obj = { &lazy_source };

static void setup(void)
{
	const struct node_file_desc bin = {
		.name = "config", .mode = 0644, .cache = NODE_CACHE_TRACKED,
		.ops = &blob_ops, .binary = true, .size = BIN_SIZE,
	};

	for (int i = 0; i < BIN_SIZE; i++)
		blob[i] = (unsigned char)i;
	reads = 0;
	node_tree_init(&tree);
	node_tree_lock(&tree);
	node_file(&tree, tree.root, &bin);
	lazy_dir = node_dir(&tree, tree.root, "lazy");
	node_set_source(lazy_dir, &lazy_obj);
	node_tree_unlock(&tree);
}

static void teardown(void)
{
	node_tree_fini(&tree);
}

static uint64_t lookup(uint64_t dir, const char *name, struct stat *st)
{
	ck_assert_int_eq(node_lookup(&tree, dir, name, st, NULL), 0);
	return st->st_ino;
}

START_TEST(bin_file_reads_at_offsets)
{
	struct stat st;
	uint64_t ino = lookup(ROOT_INO, "config", &st);
	struct node_file *file;
	char buf[512];

	ck_assert_int_eq(st.st_size, BIN_SIZE);
	ck_assert_int_eq(node_open(&tree, ino, O_RDWR, true, &file), 0);
	/* Every read asks the owner: no value is kept per open file. */
	ck_assert_int_eq(node_read(&tree, file, buf, 16, 64), 16);
	ck_assert_int_eq((unsigned char)buf[0], 64);
	ck_assert_int_eq(node_read(&tree, file, buf, sizeof(buf), 200), 56);
	ck_assert_int_eq(node_read(&tree, file, buf, 16, BIN_SIZE), 0);
	ck_assert_int_eq(node_read(&tree, file, buf, 16, BIN_SIZE + 100), 0);
	ck_assert_int_eq(reads, 2);
	/* Writes land at their offset, clamped; past the end EFBIG. */
	ck_assert_int_eq(node_write(&tree, file, "\xff\xfe", 2, 10), 2);
	ck_assert_int_eq(blob[10], 0xff);
	ck_assert_int_eq(blob[11], 0xfe);
	ck_assert_int_eq(node_write(&tree, file, "abcd", 4, BIN_SIZE - 2), 2);
	ck_assert_int_eq(node_write(&tree, file, "x", 1, BIN_SIZE), -EFBIG);
	node_release(&tree, file);
	/* The same by inode (-o no_open). */
	ck_assert_int_eq(node_pread(&tree, ino, true, buf, 4, 10), 4);
	ck_assert_int_eq((unsigned char)buf[0], 0xff);
}
END_TEST

START_TEST(bin_file_size_is_bounded)
{
	const struct node_file_desc huge = {
		.name = "huge", .mode = 0444, .ops = &blob_ops, .binary = true,
		.size = NODE_BIN_SIZE_MAX + (size_t)1,
	};

	node_tree_lock(&tree);
	ck_assert_ptr_null(node_file(&tree, tree.root, &huge));
	node_tree_unlock(&tree);
}
END_TEST

/* What a chmod, chown or utimes left stays when the kernel forgets the
 * node: it is not dropped and made again with the builder's values. */
START_TEST(setattr_survives_forget)
{
	struct node_attr_change c = {
		.set = NODE_SET_MODE | NODE_SET_UID | NODE_SET_MTIME,
		.mode = 0600, .uid = 4242, .mtime = { 1234, 5 },
	};
	struct stat st, dir_st;
	uint64_t dir = lookup(ROOT_INO, "lazy", &dir_st);
	uint64_t ino = lookup(dir, "f", &st);

	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(node_setattr(&tree, ino, &c, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(st.st_uid, 4242);
	ck_assert_int_eq(st.st_mtim.tv_sec, 1234);
	ck_assert_int_eq(st.st_mtim.tv_nsec, 5);
	node_forget(&tree, ino, 1);
	ck_assert_int_eq(node_lookup(&tree, dir, "f", &st, NULL), 0);
	ck_assert_uint_eq(st.st_ino, ino);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_uint_eq(st.st_uid, 4242);
	/* The kernfs rule at open uses the new mode. */
	c = (struct node_attr_change){ .set = NODE_SET_MODE, .mode = 0 };
	ck_assert_int_eq(node_setattr(&tree, ino, &c, &st), 0);
	{
		struct node_file *file;

		ck_assert_int_eq(node_open(&tree, ino, O_RDONLY, true, &file), -EACCES);
	}
}
END_TEST

START_TEST(xattrs_bounded_per_node)
{
	struct stat st;
	uint64_t ino = lookup(ROOT_INO, "config", &st);
	static char big[4096];
	char name[32], buf[8];
	int i;

	ck_assert_int_eq(node_setxattr(&tree, ino, "user.a", "1", 1, 0),
			 -EOPNOTSUPP);
	ck_assert_int_eq(node_getxattr(&tree, ino, "user.a", buf, sizeof(buf)),
			 -ENODATA);
	ck_assert_int_eq(node_setxattr(&tree, ino, "trusted.a", "1", 1,
				       XATTR_REPLACE), -ENODATA);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "trusted.n%d", i);
		if (node_setxattr(&tree, ino, name, big, sizeof(big), 0))
			break;
	}
	ck_assert_int_lt(i, 1000);
	ck_assert_int_eq(node_setxattr(&tree, ino, name, big, sizeof(big), 0),
			 -ENOSPC);
	/* Replacing one with a smaller value still fits. */
	ck_assert_int_eq(node_setxattr(&tree, ino, "trusted.n0", "x", 1, 0), 0);
	ck_assert_int_eq(node_getxattr(&tree, ino, "trusted.n0", NULL, 0), 1);
	ck_assert_int_eq(node_removexattr(&tree, ino, "trusted.n0"), 0);
	ck_assert_int_eq(node_removexattr(&tree, ino, "trusted.n0"), -ENODATA);
	ck_assert_int_eq(node_listxattr(&tree, ino, buf, 1), -ERANGE);
}
END_TEST

static Suite *kernfs_suite(void)
{
	Suite *s = suite_create("kernfs");
	TCase *tc = unit_tcase(s, "files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bin_file_reads_at_offsets);
	tcase_add_test(tc, bin_file_size_is_bounded);
	tcase_add_test(tc, setattr_survives_forget);
	tcase_add_test(tc, xattrs_bounded_per_node);
	return s;
}

int main(void)
{
	return run_suite(kernfs_suite());
}
