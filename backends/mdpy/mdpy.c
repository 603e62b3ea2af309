// SPDX-License-Identifier: MIT
/*
 * mdpy: the kernel's simple PCI framebuffer sample.  One class device
 * devices/virtual/mdpy/mdpy offering three display types.  All three
 * share one budget of `count` devices (default 4); from 6.1 on that budget
 * is the core's per-parent instance counter, so every type shows the same
 * available_instances and the create after the last one fails with EUSERS
 * in the core, before this driver is asked.
 *
 * The framebuffer itself is not emulated: everything the sysfs files show
 * follows from the type, so the driver keeps no per-device state.
 *
 * Arguments: "count=N" (N >= 1), the sample's read-only module parameter.
 */
#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdevfs/mdev.h"

#define MDPY_DEFAULT_COUNT 4

struct mdpy_type {
	unsigned int width;
	unsigned int height;
};

/* Indexed by the type group id: the order of mdpy_type_groups below. */
static const struct mdpy_type mdpy_types[] = {
	{ 640, 480 },	/* vga */
	{ 1024, 768 },	/* xga */
	{ 1920, 1080 },	/* hd */
};

struct mdpy_state {
	struct device *dev;
	/* Before 6.1 the driver counted its devices itself (ENOMEM when
	 * full); from 6.1 the core's counter refuses first. */
	GMutex lock;
	unsigned int used;
	unsigned int count;
	/* Per instance, because max_instances comes from the arguments. */
	struct mdev_parent_ops ops;
};

static const struct mdpy_type *mdpy_type_of(const struct mdev_type *mtype)
{
	return &mdpy_types[mtype_get_type_group_id(mtype)];
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

static const struct attribute *const mdpy_type_attrs[] = {
	&mdev_type_attr_name.attr, NULL
};
static const struct attribute_group mdpy_type_vga = {
	.name = "vga", .attrs = mdpy_type_attrs,
};
static const struct attribute_group mdpy_type_xga = {
	.name = "xga", .attrs = mdpy_type_attrs,
};
static const struct attribute_group mdpy_type_hd = {
	.name = "hd", .attrs = mdpy_type_attrs,
};
static const struct attribute_group *const mdpy_type_groups[] = {
	&mdpy_type_vga, &mdpy_type_xga, &mdpy_type_hd, NULL
};
G_STATIC_ASSERT(G_N_ELEMENTS(mdpy_types) + 1 == G_N_ELEMENTS(mdpy_type_groups));

static ssize_t mdpy_show_description(struct mdev_type *mtype, char *buf)
{
	const struct mdpy_type *t = mdpy_type_of(mtype);

	return sysfs_emit(buf, "virtual display, %ux%u framebuffer\n",
			  t->width, t->height);
}

/* ---- vendor attributes of each mdev ---- */

static ssize_t resolution_show(struct device *dev,
			       const struct device_attribute *attr, char *buf)
{
	struct mdev_device *mdev = mdev_from_dev(dev);
	const struct mdpy_type *t;

	(void)attr;
	if (!mdev)
		return -ENODEV;
	t = mdpy_type_of(mdev_get_type(mdev));
	return sysfs_emit(buf, "%ux%u\n", t->width, t->height);
}

static DEVICE_ATTR_RO(resolution);

static const struct attribute *const mdpy_dev_attrs[] = {
	&dev_attr_resolution.attr, NULL
};
static const struct attribute_group mdpy_dev_group = {
	.name = "vendor", .attrs = mdpy_dev_attrs,
};
static const struct attribute_group *const mdpy_dev_groups[] = {
	&mdpy_dev_group, NULL
};

static struct mdpy_state *state_of(struct mdev_device *mdev)
{
	return dev_get_drvdata(mdev_parent_dev(mdev));
}

static int mdpy_create(struct mdev_device *mdev)
{
	struct mdpy_state *st = state_of(mdev);
	int ret = 0;

	g_mutex_lock(&st->lock);
	if (st->used >= st->count)
		ret = -ENOMEM;
	else
		st->used++;
	g_mutex_unlock(&st->lock);
	return ret;
}

static int mdpy_remove(struct mdev_device *mdev)
{
	struct mdpy_state *st = state_of(mdev);

	g_mutex_lock(&st->lock);
	st->used--;
	g_mutex_unlock(&st->lock);
	return 0;
}

/* From 5.13 the sample binds its own mdev driver. */
static const struct mdev_driver mdpy_driver = { .name = "mdpy" };

/* ---- arguments ---- */

/* Only "count=N" (the module parameter); as a plain decimal. */
static int mdpy_parse_args(const char *args, unsigned int *count)
{
	static const char *const keys[] = { "count", NULL };
	struct mdevfs_args *parsed = mdevfs_args_parse("mdpy", args, keys);
	int ret;

	*count = MDPY_DEFAULT_COUNT;
	if (!parsed)
		return -EINVAL;
	/* The bound keeps every figure within the int the core reports. */
	ret = mdevfs_arg_uint(parsed, "count", 1, INT_MAX, count);
	mdevfs_args_free(parsed);
	return ret;
}

/* ---- plugin ---- */

static void mdpy_fill_ops(struct mdev_parent_ops *ops, unsigned int count)
{
	ops->device_api = "vfio-pci";
	/* No get_available: the core's counter is the whole budget. */
	ops->max_instances = count;
	ops->show_description = mdpy_show_description;
	ops->mdev_attr_groups = mdpy_dev_groups;
	ops->supported_type_groups = mdpy_type_groups;
	ops->create = mdpy_create;
	ops->remove = mdpy_remove;
	ops->device_driver = &mdpy_driver;
}

static int mdpy_init(struct mdevfs_host *host, const char *args, void **data)
{
	struct mdpy_state *st;
	unsigned int count;
	int ret;

	/* The sample arrived in 4.19 (kernel notes: absent in 4.10). */
	if (mdevfs_kernel_version(host) < MDEVFS_KERNEL_VERSION(4, 18, 0)) {
		fprintf(stderr, "mdpy: the sample does not exist before Linux 4.18\n");
		return -ENODEV;
	}
	ret = mdpy_parse_args(args, &count);
	if (ret)
		return ret;
	st = g_new0(struct mdpy_state, 1);
	g_mutex_init(&st->lock);
	st->count = count;
	mdpy_fill_ops(&st->ops, count);
	st->dev = mdevfs_class_device_create(host, "mdpy", "mdpy");
	if (!st->dev) {
		ret = errno ? -errno : -ENOMEM;
		goto err_free;
	}
	dev_set_drvdata(st->dev, st);
	mdevfs_device_announces_changes(st->dev);
	ret = mdev_register_device(st->dev, &st->ops);
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

static void mdpy_exit(struct mdevfs_host *host, void *data)
{
	struct mdpy_state *st = data;

	(void)host;
	mdev_unregister_device(st->dev);
	mdevfs_device_destroy(st->dev);
	g_mutex_clear(&st->lock);
	g_free(st);
}

MDEVFS_PLUGIN("mdpy", mdpy_init, mdpy_exit);
