// SPDX-License-Identifier: MIT
/*
 * Binary attributes through sysfs_bin_attr_read()/write(): the bounds
 * the core puts around the owner's callbacks (sysfs's), and the
 * opener's privilege reaching them.
 */
#include <errno.h>
#include <string.h>

#include "attrs.h"
#include "testutil.h"

/* What the last callback was given. */
static struct {
	int calls;
	off_t off;
	size_t count;
	bool admin;
} seen;

static ssize_t rec_read(struct mdevfs_file *file, struct device *dev,
			const struct bin_attribute *attr, char *buf, off_t off,
			size_t count)
{
	(void)dev;
	(void)attr;
	seen.calls++;
	seen.off = off;
	seen.count = count;
	seen.admin = mdevfs_file_admin(file);
	memset(buf, 'r', count);
	return (ssize_t)count;
}

static ssize_t rec_write(struct mdevfs_file *file, struct device *dev,
			 const struct bin_attribute *attr, const char *buf,
			 off_t off, size_t count)
{
	(void)file;
	(void)dev;
	(void)attr;
	(void)buf;
	seen.calls++;
	seen.off = off;
	seen.count = count;
	return (ssize_t)count;
}

static const struct bin_attribute sized =
	MDEVFS_BIN_ATTR(blob, 0644, rec_read, rec_write, 256);
static const struct bin_attribute unsized =
	MDEVFS_BIN_ATTR(stream, 0644, rec_read, rec_write, 0);
static const struct bin_attribute no_ops =
	MDEVFS_BIN_ATTR(empty, 0444, NULL, NULL, 16);

static ssize_t rd(const struct bin_attribute *a, struct mdevfs_file *f,
		  off_t off, size_t count)
{
	char buf[1024];

	memset(&seen, 0, sizeof(seen));
	return sysfs_bin_attr_read(ATTR_OF_DEVICE, NULL, a, f, buf, off,
				   MIN(count, sizeof(buf)));
}

static ssize_t wr(const struct bin_attribute *a, off_t off, size_t count)
{
	static const char buf[1024];

	memset(&seen, 0, sizeof(seen));
	return sysfs_bin_attr_write(ATTR_OF_DEVICE, NULL, a, NULL, buf, off,
				    MIN(count, sizeof(buf)));
}

START_TEST(read_bounds)
{
	ck_assert_int_eq(rd(&sized, NULL, 0, 100), 100);
	ck_assert_uint_eq(seen.count, 100);
	/* Cut at the end; nothing at or past it, and no call then. */
	ck_assert_int_eq(rd(&sized, NULL, 200, 100), 56);
	ck_assert_int_eq(seen.off, 200);
	ck_assert_int_eq(rd(&sized, NULL, 256, 10), 0);
	ck_assert_int_eq(seen.calls, 0);
	ck_assert_int_eq(rd(&sized, NULL, 1000, 10), 0);
	ck_assert_int_eq(seen.calls, 0);
	ck_assert_int_eq(rd(&sized, NULL, 0, 0), 0);
	ck_assert_int_eq(seen.calls, 0);
	ck_assert_int_eq(rd(&sized, NULL, -1, 10), -EINVAL);
	/* Size 0: the callback bounds itself. */
	ck_assert_int_eq(rd(&unsized, NULL, 5000, 10), 10);
	ck_assert_int_eq(rd(&no_ops, NULL, 0, 4), -EIO);
}
END_TEST

START_TEST(write_bounds)
{
	ck_assert_int_eq(wr(&sized, 250, 100), 6);
	ck_assert_uint_eq(seen.count, 6);
	ck_assert_int_eq(wr(&sized, 256, 1), -EFBIG);
	ck_assert_int_eq(seen.calls, 0);
	ck_assert_int_eq(wr(&sized, 10, 0), 0);
	ck_assert_int_eq(seen.calls, 0);
	ck_assert_int_eq(wr(&unsized, 1 << 20, 3), 3);
	ck_assert_int_eq(wr(&no_ops, 0, 4), -EIO);
	ck_assert_int_eq(wr(&no_ops, 16, 4), -EFBIG);
}
END_TEST

START_TEST(opener_privilege)
{
	struct mdevfs_file root = { .admin = true }, user = { .admin = false };

	rd(&sized, &root, 0, 1);
	ck_assert(seen.admin);
	rd(&sized, &user, 0, 1);
	ck_assert(!seen.admin);
	rd(&sized, NULL, 0, 1);
	ck_assert(!seen.admin);
	ck_assert_int_eq(sysfs_bin_attr_read(ATTR_OF_MDEV_TYPE, NULL, &sized,
					     NULL, NULL, 0, 1),
			 -EIO);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sysfs_bin");
	TCase *tc = unit_tcase(s, "bounds");

	tcase_add_test(tc, read_bounds);
	tcase_add_test(tc, write_bounds);
	tcase_add_test(tc, opener_privilege);
	return run_suite(s);
}
