// SPDX-License-Identifier: MIT
/*
 * The VFIO device interface of an mdev, forwarded to the vendor's
 * parent_ops the way vfio_mdev does.  A missing callback is EINVAL.
 * Open/close are counted so that removal can wait for the last user.
 */
#include <errno.h>

#include "core.h"

int mdev_device_open(struct mdev_device *mdev)
{
	const struct mdev_parent_ops *ops = mdev->type->parent->ops;
	struct mdevfs_host *host = mdev->dev.host;
	int ret;

	host_lock(host);
	if (!mdev->active) {
		host_unlock(host);
		return -ENODEV;
	}
	mdev->open_count++;
	host_unlock(host);
	ret = ops->open_device ? ops->open_device(mdev) : 0;
	if (ret)
		mdev_device_close(mdev);
	return ret > 0 ? -ret : ret;
}

void mdev_device_close(struct mdev_device *mdev)
{
	const struct mdev_parent_ops *ops = mdev->type->parent->ops;
	struct mdevfs_host *host = mdev->dev.host;

	if (ops->close_device)
		ops->close_device(mdev);
	host_lock(host);
	mdev->open_count--;
	g_cond_broadcast(&host->released);
	host_unlock(host);
}

ssize_t mdev_device_read(struct mdev_device *mdev, char *buf, size_t count,
			 off_t *ppos)
{
	const struct mdev_parent_ops *ops = mdev->type->parent->ops;

	return ops->read ? ops->read(mdev, buf, count, ppos) : -EINVAL;
}

ssize_t mdev_device_write(struct mdev_device *mdev, const char *buf,
			  size_t count, off_t *ppos)
{
	const struct mdev_parent_ops *ops = mdev->type->parent->ops;

	return ops->write ? ops->write(mdev, buf, count, ppos) : -EINVAL;
}

long mdev_device_ioctl(struct mdev_device *mdev, unsigned int cmd,
		       unsigned long arg)
{
	const struct mdev_parent_ops *ops = mdev->type->parent->ops;

	return ops->ioctl ? ops->ioctl(mdev, cmd, arg) : -EINVAL;
}
