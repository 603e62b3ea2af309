// SPDX-License-Identifier: MIT
/*
 * The files the mdev core owns: a type's create/name/device_api/
 * available_instances/description, an mdev's remove, the bus and driver
 * files, and the dispatch from a file to its show/store.
 */
#include <errno.h>
#include <string.h>

#include "attrs.h"
#include "driver.h"
#include "event.h"
#include "fault.h"
#include "parse.h"

#define to_attr(ptr, type) \
	((const type *)((const char *)(ptr) - offsetof(type, attr)))

/* ------------------------------------------------------------------ */
/* mdev_supported_types/<type>/                                         */

static ssize_t create_store(struct mdev_type *type,
			    const struct mdev_type_attribute *attr,
			    const char *buf, size_t count)
{
	uuid_t uuid;
	int ret;

	(void)attr;
	ret = mdev_parse_uuid(buf, count, uuid);
	if (ret)
		return ret;
	/* The parent stays for the whole create, even one unregistered
	 * meanwhile (its unreg_sem then refuses). */
	mdev_type_get(type);
	ret = mdev_device_create(type, uuid);
	mdev_type_put(type);
	return ret ? ret : (ssize_t)count;
}

static const struct mdev_type_attribute *vendor_type_attr(struct mdev_type *type,
							  const char *name)
{
	for (const struct attribute *const *a = type->group->attrs; a && *a; a++)
		if (strcmp((*a)->name, name) == 0)
			return to_attr(*a, struct mdev_type_attribute);
	return NULL;
}

ssize_t mdev_type_pretty_name(struct mdev_type *type, char *buf)
{
	const struct mdev_type_attribute *name = vendor_type_attr(type, "name");

	if (name && name->show)
		return name->show(type, name, buf);
	return sysfs_emit(buf, "%s\n", type->group->name);
}

static ssize_t name_show(struct mdev_type *type,
			 const struct mdev_type_attribute *attr, char *buf)
{
	(void)attr;
	return mdev_type_pretty_name(type, buf);
}

static ssize_t device_api_show(struct mdev_type *type,
			       const struct mdev_type_attribute *attr, char *buf)
{
	(void)attr;
	return sysfs_emit(buf, "%s\n", type->parent->ops->device_api);
}

static ssize_t available_instances_show(struct mdev_type *type,
					const struct mdev_type_attribute *attr,
					char *buf)
{
	int value = mdev_type_available(type);

	(void)attr;
	if (type->parent->dev->host->profile->available_unsigned)
		return sysfs_emit(buf, "%u\n", (unsigned int)value);
	return sysfs_emit(buf, "%d\n", value);
}

static ssize_t description_show(struct mdev_type *type,
				const struct mdev_type_attribute *attr,
				char *buf)
{
	(void)attr;
	return type->parent->ops->show_description(type, buf);
}

static const struct mdev_type_attribute mdev_type_attr_create =
	MDEVFS_ATTR(create, 0200, NULL, create_store);
static MDEV_TYPE_ATTR_RO(name);
static MDEV_TYPE_ATTR_RO(device_api);
static MDEV_TYPE_ATTR_RO(available_instances);
static MDEV_TYPE_ATTR_RO(description);

static const struct attribute *const type_attrs[] = {
	&mdev_type_attr_create.attr, &mdev_type_attr_device_api.attr,
	&mdev_type_attr_name.attr, &mdev_type_attr_available_instances.attr,
	NULL
};
static const struct attribute *const type_attrs_described[] = {
	&mdev_type_attr_create.attr, &mdev_type_attr_device_api.attr,
	&mdev_type_attr_name.attr, &mdev_type_attr_available_instances.attr,
	&mdev_type_attr_description.attr, NULL
};
static const struct attribute_group type_group = { .attrs = type_attrs };
static const struct attribute_group type_group_described = {
	.attrs = type_attrs_described
};
static const struct attribute_group *const type_groups[] = { &type_group, NULL };
static const struct attribute_group *const type_groups_described[] = {
	&type_group_described, NULL
};

/*
 * Before 6.1 the vendor's group made the files; a backend written for the
 * newest era has its device_api, capacity and description in its ops, so
 * those become the files its older kernel driver showed, next to the
 * group's own attributes (its `name` among them, if it has one).
 */
static const struct attribute *const legacy_attrs[] = {
	&mdev_type_attr_create.attr, &mdev_type_attr_device_api.attr,
	&mdev_type_attr_available_instances.attr, NULL
};
static const struct attribute *const legacy_attrs_described[] = {
	&mdev_type_attr_create.attr, &mdev_type_attr_device_api.attr,
	&mdev_type_attr_available_instances.attr,
	&mdev_type_attr_description.attr, NULL
};
static const struct attribute_group legacy_group = { .attrs = legacy_attrs };
static const struct attribute_group legacy_group_described = {
	.attrs = legacy_attrs_described
};

const struct attribute_group *const *mdev_type_groups(struct mdev_type *type)
{
	const struct mdev_parent_ops *ops = type->parent->ops;

	if (type->parent->dev->host->profile->core_type_attrs)
		return ops->show_description ? type_groups_described : type_groups;
	type->vendor_group.attrs = type->group->attrs;
	type->legacy_groups[0] = ops->show_description ? &legacy_group_described
						       : &legacy_group;
	type->legacy_groups[1] = &type->vendor_group;
	type->legacy_groups[2] = NULL;
	return type->legacy_groups;
}

/* ------------------------------------------------------------------ */
/* <uuid>/remove                                                        */

static ssize_t remove_store(struct device *dev,
			    const struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct mdev_device *mdev = to_mdev_device(dev);
	unsigned long value;
	int ret = 0;

	(void)attr;
	if (parse_ulong(buf, count, &value))
		return -EINVAL;
	if (value == 0)
		return (ssize_t)count;
	/* Once its file is gone, nothing keeps the device for this writer
	 * but a reference of its own. */
	get_device(dev);
	/* The file removes itself first; a writer that loses the race to
	 * another remover succeeds without doing anything. */
	if (mdev_remove_file_self(mdev)) {
		ret = mdev_device_remove(mdev);
		if (ret && dev->host->profile->remove_file_restored)
			mdev_remove_file_restore(mdev);
	}
	put_device(dev);
	return ret ? ret : (ssize_t)count;
}

static const struct device_attribute dev_attr_remove =
	MDEVFS_ATTR(remove, 0200, NULL, remove_store);
static const struct attribute *const remove_attrs[] = {
	&dev_attr_remove.attr, NULL
};
static const struct attribute_group remove_group = { .attrs = remove_attrs };
const struct attribute_group *const mdev_remove_groups[] = { &remove_group, NULL };

/* ------------------------------------------------------------------ */
/* bus/mdev/drivers/<name>/                                             */

/* The name written must be a device on the bus: its exact lowercase
 * UUID.  With a reference (bus_find_device_by_name()). */
static struct mdev_device *find_by_name(struct mdevfs_host *host,
					const char *buf, size_t count)
{
	char name[UUID_STRING_LEN + 1];
	uuid_t uuid;
	size_t len = strnlen(buf, count);
	struct mdev_device *mdev;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len != UUID_STRING_LEN)
		return NULL;
	memcpy(name, buf, UUID_STRING_LEN);
	name[UUID_STRING_LEN] = '\0';
	if (uuid_parse(name, uuid))
		return NULL;
	mdev = mdev_host_find(host, uuid);
	if (mdev && strcmp(mdev->dev.name, name) != 0) {
		put_device(&mdev->dev);
		mdev = NULL;
	}
	return mdev;
}

/*
 * A vendor that takes its instance at probe (from 6.1) gives it back at
 * remove: a bind or unbind on its own, outside create and remove (which
 * announce the count themselves), changes available_instances.
 */
static void bind_changed_count(struct mdev_device *mdev)
{
	mdev_parent_notify_available(mdev->type->parent->dev);
}

/* The kernel checks the driver without the lock, then again under it:
 * a remove or another unbind in between leaves nothing to do. */
static ssize_t unbind_store(struct driver_entry *e, const char *buf,
			    size_t count)
{
	struct mdev_device *mdev = find_by_name(e->host, buf, count);
	ssize_t ret = -ENODEV;

	if (!mdev)
		return -ENODEV;
	if (g_atomic_pointer_get(&mdev->driver) == e->drv) {
		if (mdev_driver_detach(mdev, e->drv))
			bind_changed_count(mdev);
		ret = (ssize_t)count;
	}
	put_device(&mdev->dev);
	return ret;
}

/* From 5.13 the mdev bus never matches: binding is the core's job. */
static bool bus_matches(struct mdevfs_host *host)
{
	return host->profile->binding == BIND_VFIO_MDEV;
}

static ssize_t bind_store(struct driver_entry *e, const char *buf,
			  size_t count)
{
	struct mdev_device *mdev = find_by_name(e->host, buf, count);
	int ret = -ENODEV;

	if (mdev && bus_matches(e->host))
		ret = mdev_driver_attach(mdev, e->drv);
	if (!ret)
		bind_changed_count(mdev);
	if (mdev)
		put_device(&mdev->dev);
	return ret ? ret : (ssize_t)count;
}

static ssize_t driver_uevent_store(struct driver_entry *e, const char *buf,
				   size_t count)
{
	(void)e;
	return uevent_action_valid(buf, count) ? (ssize_t)count : -EINVAL;
}

static const struct driver_attribute driver_attr_bind =
	MDEVFS_ATTR(bind, 0200, NULL, bind_store);
static const struct driver_attribute driver_attr_unbind =
	MDEVFS_ATTR(unbind, 0200, NULL, unbind_store);
static const struct driver_attribute driver_attr_uevent =
	MDEVFS_ATTR(uevent, 0200, NULL, driver_uevent_store);
static const struct attribute *const driver_attrs[] = {
	&driver_attr_bind.attr, &driver_attr_uevent.attr,
	&driver_attr_unbind.attr, NULL
};
static const struct attribute_group driver_group = { .attrs = driver_attrs };
const struct attribute_group *const driver_core_groups[] = { &driver_group, NULL };

/* ------------------------------------------------------------------ */
/* bus/mdev/                                                            */

static ssize_t drivers_autoprobe_show(struct mdevfs_host *host, char *buf)
{
	return sysfs_emit(buf, "%d\n", g_atomic_int_get(&host->drivers_autoprobe));
}

/* As the driver core reads it: "0..." turns probing off, anything else
 * on. */
static ssize_t drivers_autoprobe_store(struct mdevfs_host *host,
				       const char *buf, size_t count)
{
	/* Only this store changes it, and a store drops the cached value. */
	g_atomic_int_set(&host->drivers_autoprobe, buf[0] != '0');
	return (ssize_t)count;
}

/*
 * An unbound device is offered to the drivers again: where the bus
 * matches (before 5.13), the one its parent binds to takes it; later
 * nothing does.  Either way the write succeeds for a device on the bus.
 */
static ssize_t drivers_probe_store(struct mdevfs_host *host, const char *buf,
				   size_t count)
{
	struct mdev_device *mdev = find_by_name(host, buf, count);

	if (!mdev)
		return -ENODEV;
	if (bus_matches(host) && !g_atomic_pointer_get(&mdev->driver) &&
	    mdev_driver_attach(mdev, mdev->type->parent->driver) == 0)
		bind_changed_count(mdev);
	put_device(&mdev->dev);
	return (ssize_t)count;
}

static ssize_t bus_uevent_store(struct mdevfs_host *host, const char *buf,
				size_t count)
{
	(void)host;
	return uevent_action_valid(buf, count) ? (ssize_t)count : -EINVAL;
}

static const struct bus_attribute bus_attr_drivers_autoprobe =
	MDEVFS_ATTR(drivers_autoprobe, 0644, drivers_autoprobe_show,
		    drivers_autoprobe_store);
static const struct bus_attribute bus_attr_drivers_probe =
	MDEVFS_ATTR(drivers_probe, 0200, NULL, drivers_probe_store);
static const struct bus_attribute bus_attr_uevent =
	MDEVFS_ATTR(uevent, 0200, NULL, bus_uevent_store);
static const struct attribute *const bus_attrs[] = {
	&bus_attr_drivers_autoprobe.attr, &bus_attr_drivers_probe.attr,
	&bus_attr_uevent.attr, NULL
};
static const struct attribute_group bus_group = { .attrs = bus_attrs };
const struct attribute_group *const bus_core_groups[] = { &bus_group, NULL };

static bool in_groups(const struct attribute_group *const *groups,
		      const struct attribute *attr)
{
	for (; *groups; groups++)
		for (const struct attribute *const *a = (*groups)->attrs; *a; a++)
			if (*a == attr)
				return true;
	return false;
}

bool sysfs_attr_is_core(enum attr_owner owner, const struct attribute *attr)
{
	switch (owner) {
	case ATTR_OF_DEVICE:
		return in_groups(device_core_groups, attr) ||
		       in_groups(mdev_remove_groups, attr);
	case ATTR_OF_MDEV_TYPE:
		return in_groups(type_groups_described, attr);
	default:
		return true;
	}
}

bool sysfs_attr_announced(enum attr_owner owner, void *obj)
{
	struct device *dev = obj;

	switch (owner) {
	case ATTR_OF_DEVICE:
		if (dev->kind == DEVICE_MDEV)
			dev = to_mdev_device(dev)->type->parent->dev;
		return dev->announces;
	case ATTR_OF_MDEV_TYPE:
		return ((struct mdev_type *)obj)->parent->dev->announces;
	default:
		return false;
	}
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                             */

/* show() output is capped like a sysfs page: PAGE_SIZE - 1 bytes. */
static ssize_t clamp_shown(ssize_t len)
{
	if (len > MDEVFS_ATTR_BUF_SIZE - 1)
		return MDEVFS_ATTR_BUF_SIZE - 1;
	return len;
}

ssize_t sysfs_attr_show(enum attr_owner owner, void *obj,
			const struct attribute *attr, char *buf)
{
	switch (owner) {
	case ATTR_OF_DEVICE: {
		const struct device_attribute *a =
			to_attr(attr, struct device_attribute);
		return a->show ? clamp_shown(a->show(obj, a, buf)) : -EIO;
	}
	case ATTR_OF_MDEV_TYPE: {
		const struct mdev_type_attribute *a =
			to_attr(attr, struct mdev_type_attribute);
		return a->show ? clamp_shown(a->show(obj, a, buf)) : -EIO;
	}
	case ATTR_OF_DRIVER: {
		const struct driver_attribute *a =
			to_attr(attr, struct driver_attribute);
		return a->show ? clamp_shown(a->show(obj, buf)) : -EIO;
	}
	case ATTR_OF_BUS: {
		const struct bus_attribute *a = to_attr(attr, struct bus_attribute);
		return a->show ? clamp_shown(a->show(obj, buf)) : -EIO;
	}
	case ATTR_OF_IOMMU_GROUP: {
		const struct iommu_group_attribute *a =
			to_attr(attr, struct iommu_group_attribute);
		return a->show ? clamp_shown(a->show(obj, buf)) : -EIO;
	}
	}
	return -EIO;
}

ssize_t sysfs_attr_store(enum attr_owner owner, void *obj,
			 const struct attribute *attr, const char *buf,
			 size_t count)
{
	switch (owner) {
	case ATTR_OF_DEVICE: {
		const struct device_attribute *a =
			to_attr(attr, struct device_attribute);
		struct mdev_device *mdev = to_mdev_device(obj);
		int fault;

		/* Injected faults hit the vendor's files, not remove. */
		if (mdev && a != &dev_attr_remove) {
			fault = mdev_fault_hit(mdev->dev.host, FAULT_STORE,
					       mdev->type);
			if (fault)
				return fault;
		}
		return a->store ? a->store(obj, a, buf, count) : -EIO;
	}
	case ATTR_OF_MDEV_TYPE: {
		const struct mdev_type_attribute *a =
			to_attr(attr, struct mdev_type_attribute);
		return a->store ? a->store(obj, a, buf, count) : -EIO;
	}
	case ATTR_OF_DRIVER: {
		const struct driver_attribute *a =
			to_attr(attr, struct driver_attribute);
		return a->store ? a->store(obj, buf, count) : -EIO;
	}
	case ATTR_OF_BUS: {
		const struct bus_attribute *a = to_attr(attr, struct bus_attribute);
		return a->store ? a->store(obj, buf, count) : -EIO;
	}
	case ATTR_OF_IOMMU_GROUP: {
		const struct iommu_group_attribute *a =
			to_attr(attr, struct iommu_group_attribute);
		return a->store ? a->store(obj, buf, count) : -EIO;
	}
	}
	return -EIO;
}
