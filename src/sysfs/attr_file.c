// SPDX-License-Identifier: MIT
/*
 * The core's attributes as kernfs files: the ops that call an attribute's
 * show/store through its owner's kind (attrs.h), and how long the kernel
 * may keep a file's value, which only the mapping can tell.
 */
#include "sysfs_priv.h"

#include <string.h>

#include "attrs.h"

/* A show() fills the page kernfs hands it: the same page. */
G_STATIC_ASSERT(NODE_PAGE_SIZE == MDEVFS_ATTR_BUF_SIZE);

/* One ops table per owner kind: kernfs hands back only obj and attr. */
#define OWNER_OPS(kind, owner)                                              \
	static ssize_t kind##_show(void *obj, const void *attr, char *page) \
	{                                                                   \
		return sysfs_attr_show(owner, obj, attr, page);             \
	}                                                                   \
	static ssize_t kind##_store(void *obj, const void *attr,            \
				    const char *buf, size_t len)            \
	{                                                                   \
		return sysfs_attr_store(owner, obj, attr, buf, len);        \
	}                                                                   \
	static bool kind##_announced(void *obj)                             \
	{                                                                   \
		return sysfs_attr_announced(owner, obj);                    \
	}

OWNER_OPS(device, ATTR_OF_DEVICE)
OWNER_OPS(mdev_type, ATTR_OF_MDEV_TYPE)
OWNER_OPS(driver, ATTR_OF_DRIVER)
OWNER_OPS(bus, ATTR_OF_BUS)
OWNER_OPS(iommu_group, ATTR_OF_IOMMU_GROUP)

#define OPS_OF(kind)                                                        \
	{ .show = kind##_show, .store = kind##_store,                       \
	  .announced = kind##_announced }

static const struct node_file_ops owner_ops[] = {
	[ATTR_OF_DEVICE] = OPS_OF(device),
	[ATTR_OF_MDEV_TYPE] = OPS_OF(mdev_type),
	[ATTR_OF_DRIVER] = OPS_OF(driver),
	[ATTR_OF_BUS] = OPS_OF(bus),
	[ATTR_OF_IOMMU_GROUP] = OPS_OF(iommu_group),
};

/* Files whose value cannot change while they exist: a type's identity
 * (its counts move, and old eras' extra vendor files may), and every
 * file of an IOMMU group. */
static bool is_constant(enum attr_owner owner, const struct attribute *attr)
{
	switch (owner) {
	case ATTR_OF_MDEV_TYPE:
		return strcmp(attr->name, "name") == 0 ||
		       strcmp(attr->name, "device_api") == 0 ||
		       strcmp(attr->name, "description") == 0;
	case ATTR_OF_IOMMU_GROUP:
		return true;
	default:
		return false;
	}
}

static enum node_cache cache_of(enum attr_owner owner,
				const struct attribute *attr)
{
	if (is_constant(owner, attr))
		return NODE_CACHE_CONSTANT;
	/* The core announces every change of its own files; a vendor's
	 * show() may print anything at any time. */
	return sysfs_attr_is_core(owner, attr) ? NODE_CACHE_TRACKED
					       : NODE_CACHE_VOLATILE;
}

/* Binary attributes: only devices have them.  The opener's privilege is
 * the one thing the core asks of the open file. */
static ssize_t bin_read(void *obj, const void *attr, bool privileged,
			char *buf, size_t count, off_t off)
{
	struct mdevfs_file file = { .admin = privileged };

	return sysfs_bin_attr_read(ATTR_OF_DEVICE, obj, attr, &file, buf, off,
				   count);
}

static ssize_t bin_write(void *obj, const void *attr, bool privileged,
			 const char *buf, size_t count, off_t off)
{
	struct mdevfs_file file = { .admin = privileged };

	return sysfs_bin_attr_write(ATTR_OF_DEVICE, obj, attr, &file, buf, off,
				    count);
}

static bool bin_announced(void *obj)
{
	return sysfs_attr_announced(ATTR_OF_DEVICE, obj);
}

static const struct node_file_ops bin_ops = {
	.read = bin_read, .write = bin_write, .announced = bin_announced,
};

/* A binary file changes through its own writes, which drop what the
 * kernel keeps; otherwise only if its backend says so. */
struct node *sysfs_add_bin_file(struct sysfs_tree *tree, struct node *dir,
				const struct bin_attribute *attr, void *dev)
{
	const struct node_file_desc desc = {
		.name = attr->attr.name,
		.mode = attr->attr.mode,
		.cache = NODE_CACHE_TRACKED,
		.ops = &bin_ops,
		.attr = attr,
		.obj = dev,
		.binary = true,
		.size = attr->size,
	};

	return node_file(&tree->nodes, dir, &desc);
}

struct node *sysfs_add_file(struct sysfs_tree *tree, struct node *dir,
			    const struct attribute *attr,
			    enum attr_owner owner, void *obj)
{
	const struct node_file_desc desc = {
		.name = attr->name,
		.mode = attr->mode,
		.cache = cache_of(owner, attr),
		.ops = &owner_ops[owner],
		.attr = attr,
		.obj = obj,
	};

	return node_file(&tree->nodes, dir, &desc);
}
