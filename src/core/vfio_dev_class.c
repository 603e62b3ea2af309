// SPDX-License-Identifier: MIT
/*
 * From 6.1 the VFIO core gives every registered device a char device of
 * class vfio-dev: <mdev>/vfio-dev/vfioN with dev, uevent and a `device`
 * link back, and /sys/class/vfio-dev/vfioN.  N is the lowest free minor.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "event.h"
#include "vfio_dev_class.h"

static ssize_t dev_show(struct device *dev, const struct device_attribute *attr,
			char *buf)
{
	struct device_chr chr = device_chr_of(dev);

	(void)attr;
	return sysfs_emit(buf, "%u:%u\n", chr.major, chr.minor);
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

	host_lock(host);
	minor = host->vfio_first_free;
	while (minor_taken(host->vfio_minors, minor))
		minor++;
	minor_set(host->vfio_minors, minor, true);
	host->vfio_first_free = minor + 1;
	host_unlock(host);
	return minor;
}

static void minor_free(struct mdevfs_host *host, unsigned int minor)
{
	host_lock(host);
	minor_set(host->vfio_minors, minor, false);
	if (minor < host->vfio_first_free)
		host->vfio_first_free = minor;
	host_unlock(host);
}

/* <mdev>/vfio-dev/vfio<minor>, the minor up to ten digits. */
#define VFIO_DEV_SUFFIX "/vfio-dev/vfio"
#define MINOR_DIGITS 10

size_t vfio_dev_block_size(const char *mdev_devpath)
{
	return sizeof(struct mdev_device) + device_names_size(mdev_devpath) +
	       strlen(mdev_devpath) + strlen(VFIO_DEV_SUFFIX) + MINOR_DIGITS + 1;
}

/* The room vfio_dev_block_size() kept for its path: after the mdev's. */
static char *path_room(struct mdev_device *mdev)
{
	return mdev->names + device_names_size(mdev->dev.devpath);
}

void vfio_dev_add(struct mdev_device *mdev)
{
	struct mdevfs_host *host = mdev->dev.host;
	struct vfio_dev *vdev = &mdev->vfio;
	unsigned int minor = minor_alloc(host);
	char name[sizeof("vfio") + MINOR_DIGITS];
	g_autofree char *devpath = NULL;

	g_snprintf(name, sizeof(name), "vfio%u", minor);
	devpath = g_strdup_printf("%s/vfio-dev/%s", mdev->dev.devpath, name);
	*vdev = (struct vfio_dev){
		.dev = {
			.host = host,
			.kind = DEVICE_VFIO,
			.subsystem = g_intern_static_string("class/vfio-dev"),
			.groups = vfio_dev_groups,
		},
		.minor = minor,
	};
	device_names(&vdev->dev, path_room(mdev), name, devpath);
	mdev->vfio_registered = true;
	mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_DEVICE_ADD,
					      .dev = &vdev->dev });
	device_create_link(&vdev->dev, "device", &mdev->dev);
}

void vfio_dev_del(struct mdev_device *mdev)
{
	if (!mdev->vfio_registered)
		return;
	mdev_emit(mdev->dev.host,
		  &(struct mdev_event){ .type = MDEV_EVENT_DEVICE_DEL,
					.dev = &mdev->vfio.dev });
	minor_free(mdev->dev.host, mdev->vfio.minor);
	mdev->vfio_registered = false;
}
