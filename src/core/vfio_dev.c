// SPDX-License-Identifier: MIT
/*
 * From 6.1 the VFIO core gives every registered device a char device of
 * class vfio-dev: <mdev>/vfio-dev/vfioN with dev, uevent and a `device`
 * link back, and /sys/class/vfio-dev/vfioN.  N is the lowest free minor.
 */
#include <errno.h>
#include <stdio.h>

#include "core.h"
#include "vfio_dev.h"

/* The kernel allocates the major dynamically; one fixed value here. */
#define VFIO_DEV_MAJOR 511

static ssize_t dev_show(struct device *dev, const struct device_attribute *attr,
			char *buf)
{
	(void)attr;
	return sysfs_emit(buf, "%u:%u\n", device_chr_of(dev)->major,
			  device_chr_of(dev)->minor);
}

static const struct device_attribute dev_attr_dev =
	MDEVFS_ATTR(dev, 0444, dev_show, NULL);
static const struct attribute *const vfio_dev_attrs[] = { &dev_attr_dev.attr, NULL };
static const struct attribute_group vfio_dev_group = { .attrs = vfio_dev_attrs };
static const struct attribute_group *const vfio_dev_groups[] = {
	&vfio_dev_group, NULL
};

/* A bit per minor, 64 to a word. */
static bool minor_taken(GArray *words, unsigned int minor)
{
	guint w = minor / 64;

	return w < words->len &&
	       (g_array_index(words, guint64, w) >> (minor % 64) & 1);
}

static void minor_set(GArray *words, unsigned int minor, bool taken)
{
	guint w = minor / 64;
	guint64 bit = (guint64)1 << (minor % 64);

	if (w >= words->len)
		g_array_set_size(words, w + 1);   /* zero-filled */
	if (taken)
		g_array_index(words, guint64, w) |= bit;
	else
		g_array_index(words, guint64, w) &= ~bit;
}

/* The lowest free minor; host->vfio_first_free keeps the scan short. */
static unsigned int minor_alloc(struct mdevfs_host *host)
{
	unsigned int minor;

	g_mutex_lock(&host->lock);
	minor = host->vfio_first_free;
	while (minor_taken(host->vfio_minors, minor))
		minor++;
	minor_set(host->vfio_minors, minor, true);
	host->vfio_first_free = minor + 1;
	g_mutex_unlock(&host->lock);
	return minor;
}

static void minor_free(struct mdevfs_host *host, unsigned int minor)
{
	g_mutex_lock(&host->lock);
	minor_set(host->vfio_minors, minor, false);
	if (minor < host->vfio_first_free)
		host->vfio_first_free = minor;
	g_mutex_unlock(&host->lock);
}

struct device *vfio_dev_add(struct mdev_device *mdev)
{
	struct mdevfs_host *host = mdev->dev.host;
	unsigned int minor = minor_alloc(host);
	g_autofree char *name = g_strdup_printf("vfio%u", minor);
	g_autofree char *where = g_strdup_printf("%s/vfio-dev", mdev->dev.devpath);
	const struct mdevfs_device_desc desc = {
		.name = name, .parent_path = where, .class_name = "vfio-dev",
		.groups = vfio_dev_groups,
	};
	/* The node the kernel's vfio_device_devnode() names. */
	const struct device_chr chr = { VFIO_DEV_MAJOR, minor, "vfio/devices" };
	struct device *vdev;

	vdev = mdevfs_device_create_chr(host, &desc, &chr);
	if (!vdev) {
		minor_free(host, minor);
		return NULL;
	}
	device_create_link(vdev, "device", &mdev->dev);
	return vdev;
}

void vfio_dev_del(struct device *vdev)
{
	struct mdevfs_host *host;
	unsigned int minor;

	if (!vdev)
		return;
	host = vdev->host;
	minor = device_chr_of(vdev)->minor;
	mdevfs_device_destroy(vdev);
	minor_free(host, minor);
}
