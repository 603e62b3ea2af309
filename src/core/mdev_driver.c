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
#include "vfio_dev.h"

/*
 * A driver without probe/remove (the one the core makes for a parent that
 * names none, or a backend's that only names itself) runs the parent's
 * create/remove in their place, as the samples' drivers do from 6.1 on.
 */
static int driver_probe(struct mdev_driver *drv, struct mdev_device *mdev)
{
	const struct mdev_parent_ops *ops = mdev->type->parent->ops;
	int ret;

	if (drv->probe)
		ret = drv->probe(mdev);
	else
		ret = ops->create ? ops->create(mdev) : 0;
	return ret > 0 ? -ret : ret;
}

static void driver_remove(struct mdev_driver *drv, struct mdev_device *mdev)
{
	const struct mdev_parent_ops *ops = mdev->type->parent->ops;

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

struct mdev_driver *mdev_find_driver(struct mdevfs_host *host,
				     const char *name)
{
	struct driver_entry *e;

	g_mutex_lock(&host->lock);
	e = find_entry(host, name);
	g_mutex_unlock(&host->lock);
	return e ? e->drv : NULL;
}

static struct driver_entry *add_entry(struct mdevfs_host *host,
				      struct mdev_driver *drv)
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
	struct mdev_driver *drv = e->drv;

	if (e->registered || e->users)
		return;
	g_mutex_lock(&host->lock);
	g_ptr_array_remove(host->drivers, e);
	g_mutex_unlock(&host->lock);
	mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_DRIVER_DEL,
					      .driver = drv, .entry = e });
	if (e->synthetic) {
		g_free((char *)drv->name);
		g_free(drv);
	}
	g_free(e);
}

int mdev_register_driver(struct mdevfs_host *host, struct mdev_driver *drv)
{
	struct driver_entry *e;
	bool added = false;

	if (!host || !drv || !drv->name || !*drv->name ||
	    strchr(drv->name, '/'))
		return -EINVAL;
	g_mutex_lock(&host->lock);
	e = find_entry(host, drv->name);
	if (e && (e->registered || e->drv != drv)) {
		g_mutex_unlock(&host->lock);
		return -EEXIST;
	}
	if (!e) {
		e = add_entry(host, drv);
		added = true;
	}
	e->registered = true;
	g_mutex_unlock(&host->lock);
	if (added)
		mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_DRIVER_ADD,
						      .driver = drv, .entry = e });
	return 0;
}

/* Detach every device bound to drv, as driver_unregister() does. */
static void unbind_all(struct mdevfs_host *host, struct mdev_driver *drv)
{
	GPtrArray *bound = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;

	g_mutex_lock(&host->lock);
	g_hash_table_iter_init(&it, host->mdevs);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (mdev_of_uuid(key)->driver == drv)
			g_ptr_array_add(bound, mdev_of_uuid(key));
	g_mutex_unlock(&host->lock);
	for (guint i = 0; i < bound->len; i++)
		mdev_unbind(bound->pdata[i]);
	g_ptr_array_free(bound, TRUE);
}

void mdev_unregister_driver(struct mdevfs_host *host, struct mdev_driver *drv)
{
	struct driver_entry *e;

	g_mutex_lock(&host->lock);
	e = find_entry(host, drv->name);
	g_mutex_unlock(&host->lock);
	if (!e || e->drv != drv || !e->registered)
		return;
	unbind_all(host, drv);
	e->registered = false;
	drop_entry_if_unused(host, e);
}

struct mdev_driver *mdev_parent_driver_get(struct mdev_parent *parent)
{
	struct mdevfs_host *host = parent->dev->host;
	struct mdev_driver *own = parent->ops->device_driver;
	const char *name = own ? own->name : dev_driver_string(parent->dev);
	struct driver_entry *e;
	bool added = false;

	if (host->profile->binding == BIND_VFIO_MDEV ||
	    (host->profile->binding == BIND_PARENT_OR_VFIO && !own))
		return host->vfio_mdev;
	g_mutex_lock(&host->lock);
	e = find_entry(host, name);
	if (e && own && e->drv != own)
		e = NULL;  /* a name clash: fall back to a private entry */
	if (!e) {
		struct mdev_driver *drv = own;

		if (!drv) {
			drv = g_new0(struct mdev_driver, 1);
			drv->name = g_strdup(name);
		}
		e = add_entry(host, drv);
		e->synthetic = !own;
		added = true;
	}
	e->users++;
	g_mutex_unlock(&host->lock);
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
	g_mutex_lock(&host->lock);
	for (guint i = 0; i < host->drivers->len; i++) {
		struct driver_entry *cur = host->drivers->pdata[i];

		if (cur->drv == parent->driver)
			e = cur;
	}
	if (e)
		e->users--;
	g_mutex_unlock(&host->lock);
	if (e)
		drop_entry_if_unused(host, e);
}

int mdev_bind(struct mdev_device *mdev, struct mdev_driver *drv)
{
	struct mdevfs_host *host = mdev->dev.host;
	int ret = driver_probe(drv, mdev);

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
	struct mdev_driver *drv = mdev->driver;

	if (!drv)
		return;
	if (host->profile->binding == BIND_PARENT)
		mdev_vendor_groups(mdev, false);
	if (drv->dev_groups)
		mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_GROUPS_DEL,
						      .dev = &mdev->dev,
						      .groups = drv->dev_groups });
	/* VFIO unregistration waits until every user has closed the device. */
	g_mutex_lock(&host->lock);
	while (mdev->open_count > 0)
		g_cond_wait(&host->released, &host->lock);
	g_mutex_unlock(&host->lock);
	vfio_dev_del(mdev);
	driver_remove(drv, mdev);
	mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_UNBIND,
					      .mdev = mdev, .dev = &mdev->dev,
					      .driver = drv });
	iommu_group_free(&mdev->iommu);
	g_atomic_pointer_set(&mdev->driver, NULL);
}

void mdev_drivers_init(struct mdevfs_host *host)
{
	host->drivers = g_ptr_array_new();
	if (!host->profile->has_vfio_mdev)
		return;
	host->vfio_mdev = g_new0(struct mdev_driver, 1);
	host->vfio_mdev->name = "vfio_mdev";
	host->vfio_mdev->probe = vfio_mdev_probe;
	mdev_register_driver(host, host->vfio_mdev);
}

void mdev_drivers_fini(struct mdevfs_host *host)
{
	if (host->vfio_mdev) {
		mdev_unregister_driver(host, host->vfio_mdev);
		g_free(host->vfio_mdev);
	}
	/* Entries a plugin forgot to unregister. */
	while (host->drivers->len) {
		struct driver_entry *e = host->drivers->pdata[0];

		e->registered = false;
		e->users = 0;
		drop_entry_if_unused(host, e);
	}
	g_ptr_array_free(host->drivers, TRUE);
}
