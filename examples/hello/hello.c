// SPDX-License-Identifier: MIT
/*
 * hello: the smallest useful mdevfs backend.  One parent, hello/hello0,
 * with one type that allows two devices, and a per-device attribute
 * hello/greeting that remembers what was written to it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mdevfs/mdev.h>

static ssize_t greeting_show(struct device *dev,
			     const struct device_attribute *attr, char *buf)
{
	const char *text = mdev_get_drvdata(mdev_from_dev(dev));

	(void)attr;
	return sysfs_emit(buf, "%s\n", text ? text : "hello");
}

static ssize_t greeting_store(struct device *dev,
			      const struct device_attribute *attr,
			      const char *buf, size_t count)
{
	struct mdev_device *mdev = mdev_from_dev(dev);
	char *text = strndup(buf, strcspn(buf, "\n"));

	(void)attr;
	if (!text)
		return -ENOMEM;
	free(mdev_get_drvdata(mdev));
	mdev_set_drvdata(mdev, text);
	return (ssize_t)count;
}

static DEVICE_ATTR_RW(greeting);
static const struct attribute *const greeting_attrs[] = { &dev_attr_greeting.attr, NULL };
static const struct attribute_group greeting_group = { .name = "hello", .attrs = greeting_attrs };
static const struct attribute_group *const mdev_groups[] = { &greeting_group, NULL };

static const struct attribute_group type1 = { .name = "1" };
static const struct attribute_group *const types[] = { &type1, NULL };

static int hello_remove(struct mdev_device *mdev)
{
	free(mdev_get_drvdata(mdev));
	return 0;
}

static const struct mdev_parent_ops hello_ops = {
	.device_api = "vfio-pci",
	.max_instances = 2,
	.supported_type_groups = types,
	.mdev_attr_groups = mdev_groups,
	.remove = hello_remove,
};

static int hello_init(struct mdevfs_host *host, const char *args, void **state)
{
	struct device *dev = mdevfs_class_device_create(host, "hello", "hello0");
	int ret;

	(void)args;
	if (!dev)
		return -errno;
	ret = mdev_register_device(dev, &hello_ops);
	if (ret)
		mdevfs_device_destroy(dev);
	*state = dev;
	return ret;
}

static void hello_exit(struct mdevfs_host *host, void *state)
{
	(void)host;
	mdevfs_device_destroy(state);  /* unregisters the parent first */
}

MDEVFS_PLUGIN("hello", hello_init, hello_exit);
