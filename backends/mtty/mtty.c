// SPDX-License-Identifier: MIT
/*
 * mtty: the kernel's virtual serial-card sample.  One class device
 * devices/virtual/mtty/mtty offering a single-port and a dual-port type
 * that share a pool of 24 ports; a create that does not fit fails with
 * ENOSPC, as the sample's probe does from 5.15 on.  The device side (the
 * VFIO callbacks) lives in mtty_vfio.c and mtty_uart.c.
 */
#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#include "mtty.h"

#define MAX_MTTYS 24

struct mtty_state {
	struct device *dev;
	GMutex lock;
	int avail_ports;          /* below zero on kernels that never checked */
	bool check_capacity;      /* the probe refuses when full (5.15+) */
};

static struct mtty_state *state_of(struct device *dev)
{
	return dev_get_drvdata(dev);
}

/* The type index is the port count minus one. */
static unsigned int type_ports(const struct mdev_type *mtype)
{
	return (unsigned int)mtype_get_type_group_id(mtype) + 1;
}

static int mtty_create(struct mdev_device *mdev)
{
	struct mtty_state *st = state_of(mdev_parent_dev(mdev));
	int ports = (int)type_ports(mdev_get_type(mdev));
	struct mdev_state *ms;

	g_mutex_lock(&st->lock);
	if (st->check_capacity && st->avail_ports < ports) {
		g_mutex_unlock(&st->lock);
		return -ENOSPC;
	}
	st->avail_ports -= ports;
	g_mutex_unlock(&st->lock);
	ms = mtty_state_new(ports);
	mdev_set_drvdata(mdev, ms);
	return 0;
}

static int mtty_remove(struct mdev_device *mdev)
{
	struct mtty_state *st = state_of(mdev_parent_dev(mdev));
	struct mdev_state *ms = mdev_get_drvdata(mdev);

	g_mutex_lock(&st->lock);
	st->avail_ports += (int)ms->nr_ports;
	g_mutex_unlock(&st->lock);
	mdev_set_drvdata(mdev, NULL);
	mtty_state_free(ms);
	return 0;
}

static int mtty_get_available(struct mdev_type *mtype)
{
	struct mtty_state *st = state_of(mtype_get_parent_dev(mtype));
	int avail;

	g_mutex_lock(&st->lock);
	/* Signed, as the sample computes it: -1 after 25 single ports. */
	avail = st->avail_ports / (int)type_ports(mtype);
	g_mutex_unlock(&st->lock);
	return avail;
}

/* ---- type groups: the suffix and the pretty name ---- */

static ssize_t name_show(struct mdev_type *mtype,
			 const struct mdev_type_attribute *attr, char *buf)
{
	static const char *const names[] = { "Single port serial",
					     "Dual port serial" };

	(void)attr;
	return sysfs_emit(buf, "%s\n", names[type_ports(mtype) - 1]);
}

static MDEV_TYPE_ATTR_RO(name);

static const struct attribute *const mtty_type_attrs[] = {
	&mdev_type_attr_name.attr, NULL
};
static const struct attribute_group mtty_type_group1 = {
	.name = "1", .attrs = mtty_type_attrs,
};
static const struct attribute_group mtty_type_group2 = {
	.name = "2", .attrs = mtty_type_attrs,
};
static const struct attribute_group *const mtty_type_groups[] = {
	&mtty_type_group1, &mtty_type_group2, NULL
};

/* ---- vendor attributes ---- */

static ssize_t sample_mdev_dev_show(struct device *dev,
				    const struct device_attribute *attr,
				    char *buf)
{
	(void)attr;
	return sysfs_emit(buf, "This is MDEV %s\n", dev_name(dev));
}

static DEVICE_ATTR_RO(sample_mdev_dev);

static const struct attribute *const mdev_dev_attrs[] = {
	&dev_attr_sample_mdev_dev.attr, NULL
};
static const struct attribute_group mdev_dev_group = {
	.name = "vendor", .attrs = mdev_dev_attrs,
};
static const struct attribute_group *const mdev_dev_groups[] = {
	&mdev_dev_group, NULL
};

/* Shown by kernels before 6.1 only. */
static ssize_t sample_mtty_dev_show(struct device *dev,
				    const struct device_attribute *attr,
				    char *buf)
{
	(void)dev;
	(void)attr;
	return sysfs_emit(buf, "This is phy device\n");
}

static DEVICE_ATTR_RO(sample_mtty_dev);

static const struct attribute *const mtty_dev_attrs[] = {
	&dev_attr_sample_mtty_dev.attr, NULL
};
static const struct attribute_group mtty_dev_group = {
	.name = "mtty_dev", .attrs = mtty_dev_attrs,
};
static const struct attribute_group *const mtty_dev_groups[] = {
	&mtty_dev_group, NULL
};

/* From 5.13 the sample binds its own mdev driver. */
static const struct mdev_driver mtty_driver = { .name = "mtty" };

static const struct mdev_parent_ops mtty_ops = {
	.device_driver = &mtty_driver,
	.device_api = "vfio-pci",
	.get_available = mtty_get_available,
	.dev_attr_groups = mtty_dev_groups,
	.mdev_attr_groups = mdev_dev_groups,
	.supported_type_groups = mtty_type_groups,
	.create = mtty_create,
	.remove = mtty_remove,
	.open_device = mtty_open_device,
	.close_device = mtty_close_device,
	.read = mtty_read,
	.write = mtty_write,
	.ioctl = mtty_ioctl,
	.mmap = mtty_mmap,
};

static int mtty_init(struct mdevfs_host *host, const char *args, void **data)
{
	struct mtty_state *st;
	int ret;

	if (args && *args) {
		fprintf(stderr, "mtty: takes no arguments (got '%s')\n", args);
		return -EINVAL;
	}
	st = g_new0(struct mtty_state, 1);
	g_mutex_init(&st->lock);
	st->avail_ports = MAX_MTTYS;
	st->check_capacity = mdevfs_kernel_version(host) >=
			     MDEVFS_KERNEL_VERSION(5, 15, 0);
	st->dev = mdevfs_class_device_create(host, "mtty", "mtty");
	if (!st->dev) {
		ret = -errno;
		g_free(st);
		return ret;
	}
	dev_set_drvdata(st->dev, st);
	mdevfs_device_announces_changes(st->dev);
	ret = mdev_register_device(st->dev, &mtty_ops);
	if (ret) {
		mdevfs_device_destroy(st->dev);
		g_free(st);
		return ret;
	}
	*data = st;
	return 0;
}

static void mtty_exit(struct mdevfs_host *host, void *data)
{
	struct mtty_state *st = data;

	(void)host;
	mdev_unregister_device(st->dev);
	mdevfs_device_destroy(st->dev);
	g_mutex_clear(&st->lock);
	g_free(st);
}

MDEVFS_PLUGIN("mtty", mtty_init, mtty_exit);
