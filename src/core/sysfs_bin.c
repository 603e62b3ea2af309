// SPDX-License-Identifier: MIT
/*
 * Binary attributes: the bounds sysfs puts around a bin_attribute's
 * read() and write() before the owner sees the call, so that no owner
 * has to check them itself (and none can get them wrong).
 */
#include <errno.h>

#include "attrs.h"

bool mdevfs_file_admin(const struct mdevfs_file *file)
{
	return file && file->admin;
}

/*
 * The part of [off, off + count) inside a file of size bytes (0: no
 * limit): the count to pass on, or 0 when nothing is left.
 */
static size_t bin_clamp(size_t size, off_t off, size_t count)
{
	if (size == 0)
		return count;
	if ((unsigned long long)off >= size)
		return 0;
	if (count > size - (size_t)off)
		return size - (size_t)off;
	return count;
}

ssize_t sysfs_bin_attr_read(enum attr_owner owner, void *obj,
			    const struct bin_attribute *attr,
			    struct mdevfs_file *file, char *buf, off_t off,
			    size_t count)
{
	if (owner != ATTR_OF_DEVICE || !attr)
		return -EIO;
	if (off < 0)
		return -EINVAL;
	count = bin_clamp(attr->size, off, count);
	if (count == 0)
		return 0;
	if (!attr->read)
		return -EIO;
	return attr->read(file, obj, attr, buf, off, count);
}

ssize_t sysfs_bin_attr_write(enum attr_owner owner, void *obj,
			     const struct bin_attribute *attr,
			     struct mdevfs_file *file, const char *buf,
			     off_t off, size_t count)
{
	if (owner != ATTR_OF_DEVICE || !attr)
		return -EIO;
	if (off < 0)
		return -EINVAL;
	/* A write that starts at or past the end is too big, not empty. */
	if (attr->size && (unsigned long long)off >= attr->size)
		return -EFBIG;
	count = bin_clamp(attr->size, off, count);
	if (count == 0)
		return 0;
	if (!attr->write)
		return -EIO;
	return attr->write(file, obj, attr, buf, off, count);
}
