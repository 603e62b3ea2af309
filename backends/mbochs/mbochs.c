// SPDX-License-Identifier: MIT
/*
 * mbochs: the kernel's bochs-compatible display sample.  One class device
 * devices/virtual/mbochs/mbochs offering three types that differ in video
 * memory and draw it from one pool (256 MB unless "count=N" says
 * otherwise; the sample's parameter is called count but counts megabytes).
 * available_instances is the free memory divided by the type's size, so
 * every create moves all three types; a create that does not fit fails
 * with ENOSPC, as the sample's probe does from 5.15 on.
 *
 * Video memory is not actually allocated: nothing reads it without the
 * VFIO region emulation, and a pool count is all the files need.
 */
#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdevfs/mdev.h"

#define MBOCHS_DEFAULT_POOL_MB 256

struct mbochs_type {
	unsigned int mbytes;
};

/* Indexed by the type group id: the order of mbochs_type_groups below. */
static const struct mbochs_type mbochs_types[] = {
	{ 4 },	/* small */
	{ 16 },	/* medium */
	{ 64 },	/* large */
};

struct mbochs_state {
	struct device *dev;
	GMutex lock;
	unsigned int avail_mbytes;	/* free part of the pool */
	int full_errno;        /* what a create that does not fit gets */
};

static struct mbochs_state *state_of(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static unsigned int type_mbytes(const struct mdev_type *mtype)
{
	return mbochs_types[mtype_get_type_group_id(mtype)].mbytes;
}

/* ---- lifecycle: take and give back video memory ---- */

static int mbochs_create(struct mdev_device *mdev)
{
	struct mbochs_state *st = state_of(mdev_parent_dev(mdev));
	unsigned int need = type_mbytes(mdev_get_type(mdev));
	int ret = 0;

	g_mutex_lock(&st->lock);
	if (st->avail_mbytes < need)
		ret = st->full_errno;
	else
		st->avail_mbytes -= need;
	g_mutex_unlock(&st->lock);
	return ret;
}

/* Only devices whose create succeeded come here; the type says how much. */
static int mbochs_remove(struct mdev_device *mdev)
{
	struct mbochs_state *st = state_of(mdev_parent_dev(mdev));

	g_mutex_lock(&st->lock);
	st->avail_mbytes += type_mbytes(mdev_get_type(mdev));
	g_mutex_unlock(&st->lock);
	return 0;
}

static int mbochs_get_available(struct mdev_type *mtype)
{
	struct mbochs_state *st = state_of(mtype_get_parent_dev(mtype));
	int avail;

	g_mutex_lock(&st->lock);
	avail = (int)(st->avail_mbytes / type_mbytes(mtype));
	g_mutex_unlock(&st->lock);
	return avail;
}

/* ---- type groups ---- */

/* The sample names each type after its full id, prefix included. */
static ssize_t name_show(struct mdev_type *mtype,
			 const struct mdev_type_attribute *attr, char *buf)
{
	(void)attr;
	return sysfs_emit(buf, "%s\n", mtype_name(mtype));
}

static MDEV_TYPE_ATTR_RO(name);

static const struct attribute *const mbochs_type_attrs[] = {
	&mdev_type_attr_name.attr, NULL
};
static const struct attribute_group mbochs_type_small = {
	.name = "small", .attrs = mbochs_type_attrs,
};
static const struct attribute_group mbochs_type_medium = {
	.name = "medium", .attrs = mbochs_type_attrs,
};
static const struct attribute_group mbochs_type_large = {
	.name = "large", .attrs = mbochs_type_attrs,
};
static const struct attribute_group *const mbochs_type_groups[] = {
	&mbochs_type_small, &mbochs_type_medium, &mbochs_type_large, NULL
};
G_STATIC_ASSERT(G_N_ELEMENTS(mbochs_types) + 1 ==
		G_N_ELEMENTS(mbochs_type_groups));

static ssize_t mbochs_show_description(struct mdev_type *mtype, char *buf)
{
	return sysfs_emit(buf, "virtual display, %u MB video memory\n",
			  type_mbytes(mtype));
}

/* ---- vendor attributes of each mdev ---- */

static ssize_t memory_show(struct device *dev,
			   const struct device_attribute *attr, char *buf)
{
	struct mdev_device *mdev = mdev_from_dev(dev);

	(void)attr;
	if (!mdev)
		return -ENODEV;
	return sysfs_emit(buf, "%u MB\n", type_mbytes(mdev_get_type(mdev)));
}

static DEVICE_ATTR_RO(memory);

static const struct attribute *const mbochs_dev_attrs[] = {
	&dev_attr_memory.attr, NULL
};
static const struct attribute_group mbochs_dev_group = {
	.name = "vendor", .attrs = mbochs_dev_attrs,
};
static const struct attribute_group *const mbochs_dev_groups[] = {
	&mbochs_dev_group, NULL
};

/* From 5.13 the sample binds its own mdev driver. */
static const struct mdev_driver mbochs_driver = { .name = "mbochs" };

static const struct mdev_parent_ops mbochs_ops = {
	.device_driver = &mbochs_driver,
	.device_api = "vfio-pci",
	.get_available = mbochs_get_available,
	.show_description = mbochs_show_description,
	.mdev_attr_groups = mbochs_dev_groups,
	.supported_type_groups = mbochs_type_groups,
	.create = mbochs_create,
	.remove = mbochs_remove,
};

/* ---- arguments ---- */

/* Only "count=N" (the module parameter); as a plain decimal. */
static int mbochs_parse_args(const char *args, unsigned int *pool_mb)
{
	static const char *const keys[] = { "count", NULL };
	struct mdevfs_args *parsed = mdevfs_args_parse("mbochs", args, keys);
	int ret;

	*pool_mb = MBOCHS_DEFAULT_POOL_MB;
	if (!parsed)
		return -EINVAL;
	/* The bound keeps every figure within the int the core reports. */
	ret = mdevfs_arg_uint(parsed, "count", 1, INT_MAX, pool_mb);
	mdevfs_args_free(parsed);
	return ret;
}

/* ---- plugin ---- */

static int mbochs_init(struct mdevfs_host *host, const char *args, void **data)
{
	struct mbochs_state *st;
	unsigned int pool_mb;
	int ret;

	/* The sample arrived in 4.19 (kernel notes: absent in 4.10). */
	if (mdevfs_kernel_version(host) < MDEVFS_KERNEL_VERSION(4, 18, 0)) {
		fprintf(stderr, "mbochs: the sample does not exist before Linux 4.18\n");
		return -ENODEV;
	}
	ret = mbochs_parse_args(args, &pool_mb);
	if (ret)
		return ret;
	st = g_new0(struct mbochs_state, 1);
	/* Out of video memory: ENOMEM until 5.12, ENOSPC from 5.13. */
	st->full_errno = mdevfs_kernel_version(host) < MDEVFS_KERNEL_VERSION(5, 13, 0) ?
				 -ENOMEM : -ENOSPC;
	g_mutex_init(&st->lock);
	st->avail_mbytes = pool_mb;
	st->dev = mdevfs_class_device_create(host, "mbochs", "mbochs");
	if (!st->dev) {
		ret = errno ? -errno : -ENOMEM;
		goto err_free;
	}
	dev_set_drvdata(st->dev, st);
	mdevfs_device_announces_changes(st->dev);
	ret = mdev_register_device(st->dev, &mbochs_ops);
	if (ret) {
		mdevfs_device_destroy(st->dev);
		goto err_free;
	}
	*data = st;
	return 0;

err_free:
	g_mutex_clear(&st->lock);
	g_free(st);
	return ret;
}

static void mbochs_exit(struct mdevfs_host *host, void *data)
{
	struct mbochs_state *st = data;

	(void)host;
	/* Removes the remaining mdevs first, which refills the pool. */
	mdev_unregister_device(st->dev);
	mdevfs_device_destroy(st->dev);
	g_mutex_clear(&st->lock);
	g_free(st);
}

MDEVFS_PLUGIN("mbochs", mbochs_init, mbochs_exit);
