// SPDX-License-Identifier: MIT
/*
 * mdev bus drivers: registration, the driver a parent's devices bind to,
 * and bind/unbind with the IOMMU group each bound device gets.
 */
#include <errno.h>
#include <string.h>

#include "attrs.h"
#include "driver.h"
#include "event.h"
#include "iommu.h"
#include "vfio_dev_class.h"

/*
 * A driver without probe/remove (the one the core makes for a parent that
 * names none, or a backend's that only names itself) runs the parent's
 * create/remove in their place, as the samples' drivers do from 6.1 on.
 */
static int driver_probe(const struct mdev_driver *drv,
			struct mdev_device *mdev)
{
	const struct mdev_parent_ops *ops = mdev->type->parent->ops;
	int ret;

	lockdep_assert_not_held(&mdev->dev.host->lock);
	if (drv->probe)
		ret = drv->probe(mdev);
	else
		ret = ops->create ? ops->create(mdev) : 0;
	return ret > 0 ? -ret : ret;
}

static void driver_remove(const struct mdev_driver *drv,
			  struct mdev_device *mdev)
{
	const struct mdev_parent_ops *ops = mdev->type->parent->ops;

	lockdep_assert_not_held(&mdev->dev.host->lock);
	if (drv->remove)
		drv->remove(mdev);
	else if (drv != mdev->dev.host->vfio_mdev && ops->remove)
		ops->remove(mdev);
}

/* Older eras bind every mdev to vfio_mdev; the core calls the vendor. */
static int vfio_mdev_probe(struct mdev_device *mdev)
{
	(void)mdev;
	return 0;
}

/* Immutable like a plugin's, so one object serves every host. */
static const struct mdev_driver vfio_mdev_driver = {
	.name = "vfio_mdev",
	.probe = vfio_mdev_probe,
};

static struct driver_entry *find_entry(struct mdevfs_host *host,
				       const char *name)
{
	for (guint i = 0; i < host->drivers->len; i++) {
		struct driver_entry *e = host->drivers->pdata[i];

		if (strcmp(e->drv->name, name) == 0)
			return e;
	}
	return NULL;
}

const struct mdev_driver *mdev_find_driver(struct mdevfs_host *host,
					   const char *name)
{
	struct driver_entry *e;

	host_lock(host);
	e = find_entry(host, name);
	host_unlock(host);
	return e ? e->drv : NULL;
}

static struct driver_entry *add_entry(struct mdevfs_host *host,
				      const struct mdev_driver *drv)
{
	struct driver_entry *e = g_new0(struct driver_entry, 1);

	e->host = host;
	e->drv = drv;
	g_ptr_array_add(host->drivers, e);
	return e;
}

static void drop_entry_if_unused(struct mdevfs_host *host,
				 struct driver_entry *e)
{
	const struct mdev_driver *drv = e->drv;

	if (e->registered || e->users)
		return;
	host_lock(host);
	g_ptr_array_remove(host->drivers, e);
	host_unlock(host);
	mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_DRIVER_DEL,
					      .driver = drv, .entry = e });
	g_free(e->own_name);
	g_free(e);
}

int mdev_register_driver(struct mdevfs_host *host,
			 const struct mdev_driver *drv)
{
	struct driver_entry *e;
	bool added = false;

	if (!host || !drv || !drv->name || !*drv->name ||
	    strchr(drv->name, '/'))
		return -EINVAL;
	host_lock(host);
	e = find_entry(host, drv->name);
	if (e && (e->registered || e->drv != drv)) {
		host_unlock(host);
		return -EEXIST;
	}
	if (!e) {
		e = add_entry(host, drv);
		added = true;
	}
	e->registered = true;
	host_unlock(host);
	if (added)
		mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_DRIVER_ADD,
						      .driver = drv, .entry = e });
	return 0;
}

/* Detach every device bound to drv, as driver_unregister() does. */
static void unbind_all(struct mdevfs_host *host,
		       const struct mdev_driver *drv)
{
	GPtrArray *bound = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;

	host_lock(host);
	g_hash_table_iter_init(&it, host->mdevs);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		struct mdev_device *mdev = mdev_of_uuid(key);

		if (mdev->on_bus && g_atomic_pointer_get(&mdev->driver) == drv)
			g_ptr_array_add(bound, get_device(&mdev->dev));
	}
	host_unlock(host);
	for (guint i = 0; i < bound->len; i++) {
		mdev_driver_detach(to_mdev_device(bound->pdata[i]), drv);
		put_device(bound->pdata[i]);
	}
	g_ptr_array_free(bound, TRUE);
}

void mdev_unregister_driver(struct mdevfs_host *host,
			    const struct mdev_driver *drv)
{
	struct driver_entry *e;

	host_lock(host);
	e = find_entry(host, drv->name);
	host_unlock(host);
	if (!e || e->drv != drv || !e->registered)
		return;
	unbind_all(host, drv);
	e->registered = false;
	drop_entry_if_unused(host, e);
}

const struct mdev_driver *mdev_parent_driver_get(struct mdev_parent *parent)
{
	struct mdevfs_host *host = parent->dev->host;
	const struct mdev_driver *own = parent->ops->device_driver;
	const char *name = own ? own->name : dev_driver_string(parent->dev);
	struct driver_entry *e;
	bool added = false;

	if (host->profile->binding == BIND_VFIO_MDEV ||
	    (host->profile->binding == BIND_PARENT_OR_VFIO && !own))
		return host->vfio_mdev;
	host_lock(host);
	e = find_entry(host, name);
	if (e && own && e->drv != own)
		e = NULL;  /* a name clash: fall back to a private entry */
	if (!e) {
		e = add_entry(host, own);
		if (!own) {
			e->own_name = g_strdup(name);
			e->own.name = e->own_name;
			e->drv = &e->own;
		}
		added = true;
	}
	e->users++;
	host_unlock(host);
	if (added)
		mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_DRIVER_ADD,
						      .driver = e->drv, .entry = e });
	return e->drv;
}

void mdev_parent_driver_put(struct mdev_parent *parent)
{
	struct mdevfs_host *host = parent->dev->host;
	struct driver_entry *e = NULL;

	if (!parent->driver || parent->driver == host->vfio_mdev)
		return;
	host_lock(host);
	for (guint i = 0; i < host->drivers->len; i++) {
		struct driver_entry *cur = host->drivers->pdata[i];

		if (cur->drv == parent->driver)
			e = cur;
	}
	if (e)
		e->users--;
	host_unlock(host);
	if (e)
		drop_entry_if_unused(host, e);
}

/*
 * The parent's mdev_attr_groups: part of the device in older eras, the
 * bound driver's dev_groups from 6.1 on (so they go away with an unbind).
 * Under the device lock, which orders it with binding.
 */
void mdev_vendor_groups(struct mdev_device *mdev, bool add)
{
	const struct attribute_group *const *groups =
		mdev->type->parent->ops->mdev_attr_groups;

	device_lock_assert(&mdev->dev);
	if (!groups || mdev->vendor_groups_added == add)
		return;
	mdev->vendor_groups_added = add;
	mdev_emit(mdev->dev.host,
		  &(struct mdev_event){ .type = add ? MDEV_EVENT_GROUPS_ADD
						    : MDEV_EVENT_GROUPS_DEL,
					.dev = &mdev->dev, .mdev = mdev,
					.groups = groups });
}

int mdev_bind(struct mdev_device *mdev, const struct mdev_driver *drv)
{
	struct mdevfs_host *host = mdev->dev.host;
	int ret;

	device_lock_assert(&mdev->dev);
	ret = driver_probe(drv, mdev);
	if (ret)
		return ret;
	iommu_group_alloc(host, mdev);
	/* 6.1+: the VFIO registration in probe makes vfio-dev/vfioN. */
	if (host->profile->vfio_dev_class)
		vfio_dev_add(mdev);
	g_atomic_pointer_set(&mdev->driver, drv);
	mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_BIND,
					      .mdev = mdev, .dev = &mdev->dev,
					      .driver = drv });
	if (drv->dev_groups)
		mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_GROUPS_ADD,
						      .dev = &mdev->dev,
						      .groups = drv->dev_groups });
	/* From 6.1 the vendor's files are the bound driver's dev_groups. */
	if (host->profile->binding == BIND_PARENT)
		mdev_vendor_groups(mdev, true);
	return 0;
}

void mdev_unbind(struct mdev_device *mdev)
{
	struct mdevfs_host *host = mdev->dev.host;
	const struct mdev_driver *drv = mdev->driver;

	device_lock_assert(&mdev->dev);
	if (!drv)
		return;
	if (host->profile->binding == BIND_PARENT)
		mdev_vendor_groups(mdev, false);
	if (drv->dev_groups)
		mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_GROUPS_DEL,
						      .dev = &mdev->dev,
						      .groups = drv->dev_groups });
	/* VFIO unregistration waits until every user has closed the device. */
	host_lock(host);
	while (mdev->open_count > 0)
		core_cond_wait(&host->released, &host->lock);
	host_unlock(host);
	vfio_dev_del(mdev);
	driver_remove(drv, mdev);
	mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_UNBIND,
					      .mdev = mdev, .dev = &mdev->dev,
					      .driver = drv });
	iommu_group_free(&mdev->iommu);
	g_atomic_pointer_set(&mdev->driver, NULL);
}

static bool mdev_on_bus(struct mdev_device *mdev)
{
	bool on;

	host_lock(mdev->dev.host);
	on = mdev->on_bus;
	host_unlock(mdev->dev.host);
	return on;
}

int mdev_driver_attach(struct mdev_device *mdev,
		       const struct mdev_driver *drv)
{
	int ret;

	device_lock(&mdev->dev);
	if (mdev->driver)
		ret = -EBUSY;
	else if (!mdev_on_bus(mdev))
		ret = -ENODEV;
	else
		ret = mdev_bind(mdev, drv);
	device_unlock(&mdev->dev);
	return ret;
}

bool mdev_driver_detach(struct mdev_device *mdev,
			const struct mdev_driver *drv)
{
	bool detached = false;

	device_lock(&mdev->dev);
	if (mdev->driver && (!drv || mdev->driver == drv)) {
		mdev_unbind(mdev);
		detached = true;
	}
	device_unlock(&mdev->dev);
	return detached;
}

void mdev_drivers_init(struct mdevfs_host *host)
{
	host->drivers = g_ptr_array_new();
	if (!host->profile->has_vfio_mdev)
		return;
	host->vfio_mdev = &vfio_mdev_driver;
	mdev_register_driver(host, host->vfio_mdev);
}

void mdev_drivers_fini(struct mdevfs_host *host)
{
	if (host->vfio_mdev)
		mdev_unregister_driver(host, host->vfio_mdev);
	/* Entries a plugin forgot to unregister. */
	while (host->drivers->len) {
		struct driver_entry *e = host->drivers->pdata[0];

		e->registered = false;
		e->users = 0;
		drop_entry_if_unused(host, e);
	}
	g_ptr_array_free(host->drivers, TRUE);
}
