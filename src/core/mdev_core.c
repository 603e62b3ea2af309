// SPDX-License-Identifier: MIT
/*
 * mdev core: parent registration and the mdev lifecycle (host.c makes
 * the host).
 *
 * Locking: host->lock guards the UUID registry, each parent's counter,
 * device list and `unregistering` flag, and every mdev's `active` flag.  It
 * is never held across a vendor callback or an event.  parent->unreg_sem is
 * held shared by creates and removes and exclusively by unregistration, so
 * creates on different parents (and on the same one) run concurrently.
 */
#include <errno.h>
#include <string.h>

#include "attrs.h"
#include "driver.h"
#include "event.h"
#include "fault.h"
#include "iommu.h"
#include "parse.h"
#include "plugin.h"
#include "vfio_dev_class.h"

/* ------------------------------------------------------------------ */
/* Parents                                                             */

static int check_parent_ops(struct mdevfs_host *host,
			    const struct mdev_parent_ops *ops)
{
	const struct attribute_group *const *g;

	if (!ops || !ops->supported_type_groups || !ops->supported_type_groups[0])
		return -EINVAL;
	if (host->profile->core_type_attrs && !ops->device_api)
		return -EINVAL;
	for (g = ops->supported_type_groups; *g; g++) {
		if (!(*g)->name || !*(*g)->name || strchr((*g)->name, '/'))
			return -EINVAL;
		for (const struct attribute_group *const *h =
			     ops->supported_type_groups; h < g; h++)
			if (strcmp((*h)->name, (*g)->name) == 0)
				return -EEXIST;
	}
	return 0;
}

static void add_types(struct mdev_parent *parent)
{
	const struct attribute_group *const *groups =
		parent->ops->supported_type_groups;
	unsigned int n = 0;

	while (groups[n])
		n++;
	parent->nr_types = n;
	parent->types = g_new0(struct mdev_type *, n);
	for (unsigned int i = 0; i < n; i++) {
		struct mdev_type *type = g_new0(struct mdev_type, 1);

		type->parent = parent;
		type->index = (int)i;
		type->group = groups[i];
		type->id = g_strdup_printf("%s-%s",
					   dev_driver_string(parent->dev),
					   groups[i]->name);
		parent->types[i] = type;
	}
}

static void free_types(struct mdev_parent *parent)
{
	for (unsigned int i = 0; i < parent->nr_types; i++) {
		g_free(parent->types[i]->id);
		g_free(parent->types[i]);
	}
	g_free(parent->types);
}

int mdev_register_device(struct device *dev, const struct mdev_parent_ops *ops)
{
	struct mdevfs_host *host;
	struct mdev_parent *parent;
	int ret;

	if (!dev || dev->kind != DEVICE_PLAIN)
		return -EINVAL;
	host = dev->host;
	ret = check_parent_ops(host, ops);
	if (ret)
		return ret;
	parent = g_new0(struct mdev_parent, 1);
	parent->refcount = 1;     /* the registration's */
	parent->dev = get_device(dev);
	parent->ops = ops;
	parent->available = (int)MIN(ops->max_instances, (unsigned int)G_MAXINT);
	parent->core_counter = !ops->get_available;
	g_rw_lock_init(&parent->unreg_sem);
	g_mutex_init(&parent->serial);
	host_lock(host);
	if (device_mdev_parent(dev)) {
		host_unlock(host);
		mdev_parent_put(parent);
		return -EEXIST;
	}
	plain_of(dev)->mdev_parent = parent;
	if (!plain_of(dev)->ops)
		g_ptr_array_add(host->devices, dev);
	plain_of(dev)->ops = ops;
	g_ptr_array_add(host->parents, parent);
	host_unlock(host);

	add_types(parent);
	parent->driver = mdev_parent_driver_get(parent);
	mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_PARENT_ADD,
					      .dev = dev, .parent = parent });
	if (host->profile->parent_attr_groups && ops->dev_attr_groups)
		mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_GROUPS_ADD,
						      .dev = dev,
						      .groups = ops->dev_attr_groups });
	return 0;
}

/* The parent's created mdevs, each made inactive.  A parent has no list
 * of its own: 100,000 mdevs would pay for it, and only this asks. */
static GPtrArray *deactivate_all(struct mdev_parent *parent)
{
	struct mdevfs_host *host = parent->dev->host;
	GPtrArray *found = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;

	host_lock(host);
	g_hash_table_iter_init(&it, host->mdevs);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		struct mdev_device *mdev = mdev_of_uuid(key);

		/* Skip reservations whose create is backing out. */
		if (mdev->type->parent == parent && mdev->complete) {
			mdev->active = false;
			g_ptr_array_add(found, get_device(&mdev->dev));
		}
	}
	host_unlock(host);
	return found;
}

static void remove_all_devices(struct mdev_parent *parent)
{
	g_autoptr(GPtrArray) found = deactivate_all(parent);

	for (guint i = 0; i < found->len; i++) {
		mdev_device_remove_common(to_mdev_device(found->pdata[i]));
		put_device(found->pdata[i]);
	}
}

void mdev_unregister_device(struct device *dev)
{
	struct mdevfs_host *host = dev->host;
	struct mdev_parent *parent = device_mdev_parent(dev);

	if (!parent)
		return;
	host_lock(host);
	parent->unregistering = true;
	host_unlock(host);

	/* Waits for creates and removes in flight; later ones get ENODEV. */
	g_rw_lock_writer_lock(&parent->unreg_sem);
	remove_all_devices(parent);
	if (host->profile->parent_attr_groups && parent->ops->dev_attr_groups)
		mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_GROUPS_DEL,
						      .dev = dev,
						      .groups = parent->ops->dev_attr_groups });
	mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_PARENT_DEL,
					      .dev = dev, .parent = parent });
	g_rw_lock_writer_unlock(&parent->unreg_sem);

	host_lock(host);
	g_ptr_array_remove(host->parents, parent);
	plain_of(dev)->mdev_parent = NULL;
	host_unlock(host);
	mdev_parent_driver_put(parent);
	/* mdevs whose last reference a lookup still holds keep it. */
	mdev_parent_put(parent);
}

struct mdev_parent *mdev_parent_get(struct mdev_parent *parent)
{
	g_assert(g_atomic_int_get(&parent->refcount) > 0);
	g_atomic_int_inc(&parent->refcount);
	return parent;
}

void mdev_parent_put(struct mdev_parent *parent)
{
	struct device *dev = parent->dev;

	if (!g_atomic_int_dec_and_test(&parent->refcount))
		return;
	if (parent->types)
		free_types(parent);
	g_mutex_clear(&parent->serial);
	g_rw_lock_clear(&parent->unreg_sem);
	g_free(parent);
	put_device(dev);
}

static struct device *find_device(struct mdevfs_host *host, const char *name)
{
	struct device *found = NULL;

	host_lock(host);
	for (guint i = 0; i < host->devices->len && !found; i++) {
		struct device *dev = host->devices->pdata[i];

		if (plain_of(dev)->ops && strcmp(dev->name, name) == 0)
			found = get_device(dev);
	}
	host_unlock(host);
	return found;
}

/* Control commands run concurrently, with each other and with a
 * backend's unload: the device lock orders them, as the driver core's
 * bind and unbind (mdevfs_device_destroy() takes it too). */
int mdev_host_unregister_parent(struct mdevfs_host *host, const char *name)
{
	struct device *dev = find_device(host, name);
	int ret = 0;

	if (!dev)
		return -ENOENT;
	device_lock(dev);
	if (device_mdev_parent(dev))
		mdev_unregister_device(dev);
	else
		ret = -EALREADY;
	device_unlock(dev);
	put_device(dev);
	return ret;
}

int mdev_host_register_parent(struct mdevfs_host *host, const char *name)
{
	struct device *dev = find_device(host, name);
	int ret;

	if (!dev)
		return -ENOENT;
	device_lock(dev);
	if (plain_of(dev)->destroyed)
		ret = -ENOENT;   /* its backend went while we waited */
	else if (device_mdev_parent(dev))
		ret = -EALREADY;
	else
		ret = mdev_register_device(dev, plain_of(dev)->ops);
	device_unlock(dev);
	put_device(dev);
	return ret;
}

char *mdev_host_describe_parents(struct mdevfs_host *host)
{
	GString *text = g_string_new(NULL);

	host_lock(host);
	for (guint i = 0; i < host->devices->len; i++) {
		struct device *dev = host->devices->pdata[i];

		if (plain_of(dev)->ops)
			g_string_append_printf(text, "%s %s\n", dev->name,
					       device_mdev_parent(dev) ? "registered"
								: "unregistered");
	}
	host_unlock(host);
	return g_string_free(text, FALSE);
}

struct mdev_parent *mdev_host_find_parent(struct mdevfs_host *host,
					  const char *name)
{
	struct mdev_parent *found = NULL;

	host_lock(host);
	for (guint i = 0; i < host->parents->len && !found; i++) {
		struct mdev_parent *parent = host->parents->pdata[i];

		if (strcmp(parent->dev->name, name) == 0)
			found = mdev_parent_get(parent);
	}
	host_unlock(host);
	return found;
}

bool mdev_host_has_type(struct mdevfs_host *host, const char *id)
{
	bool found = false;

	host_lock(host);
	for (guint i = 0; i < host->parents->len && !found; i++)
		found = mdev_parent_find_type(host->parents->pdata[i], id) != NULL;
	host_unlock(host);
	return found;
}

struct mdev_type *mdev_parent_find_type(struct mdev_parent *parent,
					const char *id)
{
	for (unsigned int i = 0; i < parent->nr_types; i++)
		if (strcmp(parent->types[i]->id, id) == 0)
			return parent->types[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Capacity                                                            */

/* Read from the parent, not its ops: a release may come after the
 * backend that owns the ops was unloaded. */
static bool uses_core_counter(const struct mdev_parent *parent)
{
	return parent->core_counter;
}

int mdev_type_available(struct mdev_type *type)
{
	struct mdev_parent *parent = type->parent;
	int value;

	if (!uses_core_counter(parent))
		return parent->ops->get_available(type);
	host_lock(parent->dev->host);
	value = parent->available;
	host_unlock(parent->dev->host);
	/* 6.1+ never goes below zero; older drivers refused on their own. */
	if (value < 0 && parent->dev->host->profile->core_instance_counter)
		value = 0;
	return value;
}

static void announce_available(struct mdev_parent *parent)
{
	mdev_emit(parent->dev->host,
		  &(struct mdev_event){ .type = MDEV_EVENT_AVAILABLE,
					.dev = parent->dev, .parent = parent });
}

void mdev_parent_notify_available(struct device *dev)
{
	struct mdev_parent *parent;

	host_lock(dev->host);
	parent = device_mdev_parent(dev);
	if (parent)
		mdev_parent_get(parent);
	host_unlock(dev->host);
	if (parent) {
		announce_available(parent);
		mdev_parent_put(parent);
	}
}

/* ------------------------------------------------------------------ */
/* Create                                                              */

/* Reserve the UUID and, for counter drivers, one instance. */
static int reserve(struct mdev_type *type, const uuid_t uuid,
		   struct mdev_device **out)
{
	struct mdev_parent *parent = type->parent;
	struct mdevfs_host *host = parent->dev->host;
	struct mdev_device *mdev;
	g_autofree char *devpath = NULL;
	char name[UUID_STRING_LEN + 1];

	host_lock(host);
	/* Era A checked only its own parent, but the bus link of a UUID used
	 * elsewhere already existed: EEXIST either way. */
	if (g_hash_table_contains(host->mdevs, uuid)) {
		host_unlock(host);
		return -EEXIST;
	}
	if (parent->unregistering) {
		host_unlock(host);
		return -ENODEV;
	}
	/* The budget (mdev_host_set_max_mdevs()) stands between a writer
	 * and the allocator's abort: the kernel answers ENOMEM and goes on. */
	if (host->max_mdevs &&
	    g_hash_table_size(host->mdevs) >= host->max_mdevs) {
		host_unlock(host);
		return -ENOMEM;
	}
	if (uses_core_counter(parent)) {
		if (parent->available <= 0 && host->profile->core_instance_counter) {
			host_unlock(host);
			return -EUSERS;
		}
		parent->available--;
	}
	uuid_unparse_lower(uuid, name);
	devpath = g_strdup_printf("%s/%s", parent->dev->devpath, name);
	mdev = g_try_malloc0(host->profile->vfio_dev_class ?
				     vfio_dev_block_size(devpath) :
				     sizeof(*mdev) + device_names_size(devpath));
	if (!mdev) {
		if (uses_core_counter(parent))
			parent->available++;
		host_unlock(host);
		return -ENOMEM;
	}
	device_names(&mdev->dev, mdev->names, name, devpath);
	device_initialize(&mdev->dev);
	memcpy(mdev->uuid, uuid, sizeof(uuid_t));
	mdev->type = type;
	mdev_parent_get(parent);    /* the mdev's, until its release */
	mdev->dev.host = host;
	mdev->dev.kind = DEVICE_MDEV;
	mdev->dev.subsystem = g_intern_static_string("bus/mdev");
	mdev->dev.bus = g_intern_static_string("mdev");
	g_hash_table_add(host->mdevs, mdev->uuid);
	host_unlock(host);
	*out = mdev;
	return 0;
}

/* Undo reserve(), once the last reference to the mdev is gone (from
 * put_device(), through the host's release of mdevs): as in the
 * kernel, its UUID is taken until then. */
void mdev_device_release(struct mdev_device *mdev)
{
	struct mdev_parent *parent = mdev->type->parent;
	struct mdevfs_host *host = mdev->dev.host;

	host_lock(host);
	g_hash_table_remove(host->mdevs, mdev->uuid);
	if (uses_core_counter(parent))
		parent->available++;
	host_unlock(host);
	core_mutex_clear(&mdev->dev.lock);
	g_free(mdev);
	announce_available(parent);
	mdev_parent_put(parent);
}

void mdev_release(struct device *dev)
{
	mdev_device_release(to_mdev_device(dev));
}

/* Vendor callbacks run with no host lock: they may call back in. */
static int vendor_create(struct mdev_device *mdev)
{
	const struct mdev_parent_ops *ops = mdev->type->parent->ops;
	int ret;

	lockdep_assert_not_held(&mdev->dev.host->lock);
	ret = ops->create ? ops->create(mdev) : 0;
	return ret > 0 ? -ret : ret;
}

static void vendor_remove(struct mdev_device *mdev)
{
	const struct mdev_parent_ops *ops = mdev->type->parent->ops;

	lockdep_assert_not_held(&mdev->dev.host->lock);
	if (ops->remove)
		ops->remove(mdev);
}

static void emit_mdev(struct mdev_device *mdev, enum mdev_event_type type,
		      const struct attribute_group *const *groups)
{
	mdev_emit(mdev->dev.host,
		  &(struct mdev_event){ .type = type, .dev = &mdev->dev,
					.mdev = mdev, .groups = groups });
}

/* Add or drop the `remove` file; false if it already was that way. */
static bool set_remove_file(struct mdev_device *mdev, bool present)
{
	struct mdevfs_host *host = mdev->dev.host;
	bool changed;

	host_lock(host);
	changed = mdev->remove_file != present;
	mdev->remove_file = present;
	host_unlock(host);
	if (changed)
		emit_mdev(mdev, present ? MDEV_EVENT_REMOVE_FILE_ADD :
					  MDEV_EVENT_REMOVE_FILE_DEL, NULL);
	return changed;
}

bool mdev_remove_file_self(struct mdev_device *mdev)
{
	return set_remove_file(mdev, false);
}

void mdev_remove_file_restore(struct mdev_device *mdev)
{
	set_remove_file(mdev, true);
}

static void set_on_bus(struct mdev_device *mdev, bool on)
{
	host_lock(mdev->dev.host);
	mdev->on_bus = on;
	host_unlock(mdev->dev.host);
}

static void device_add(struct mdev_device *mdev)
{
	emit_mdev(mdev, MDEV_EVENT_DEVICE_ADD, NULL);
	set_on_bus(mdev, true);
	if (mdev->dev.host->profile->remove_in_device_groups)
		set_remove_file(mdev, true);
}

/* Off the bus first, so that no bind or unbind finds it any more; then
 * its driver goes under the device lock, as device_del() releases it. */
static void device_del(struct mdev_device *mdev)
{
	set_on_bus(mdev, false);
	device_lock(&mdev->dev);
	mdev_vendor_groups(mdev, false);
	mdev_unbind(mdev);
	device_unlock(&mdev->dev);
	emit_mdev(mdev, MDEV_EVENT_DEVICE_DEL, NULL);
}

bool mdev_core_calls_vendor(const struct mdev_parent *parent)
{
	return parent->driver == parent->dev->host->vfio_mdev;
}

/*
 * Make the device visible and bind it.  Where the vendor create runs
 * depends on the era: before the device is added (C, D), after binding
 * vfio_mdev (A, B), or as the bound parent driver's probe (D, E).
 */
static int add_and_bind(struct mdev_device *mdev)
{
	struct mdev_parent *parent = mdev->type->parent;
	const struct mdev_profile *profile = mdev->dev.host->profile;
	bool core_calls = mdev_core_calls_vendor(parent);
	bool early = core_calls && profile->create_before_add;
	int ret = 0;

	if (early) {
		ret = vendor_create(mdev);
		if (ret)
			return ret;
	}
	device_add(mdev);
	/* An injected fault stands in for a slow or failing vendor probe. */
	ret = mdev_fault_hit(mdev->dev.host, FAULT_CREATE, mdev->type);
	/* Eras that bind through the bus probe only with drivers_autoprobe
	 * on; later ones attach the driver themselves. */
	if (!ret && (profile->binding != BIND_VFIO_MDEV ||
		     g_atomic_int_get(&mdev->dev.host->drivers_autoprobe)))
		ret = mdev_driver_attach(mdev, parent->driver);
	/* Bound meanwhile through the bus's `bind`: the probe is done. */
	if (ret == -EBUSY)
		ret = 0;
	if (!ret && core_calls && !early)
		ret = vendor_create(mdev);
	if (ret) {
		set_remove_file(mdev, false);
		device_del(mdev);
		if (early)
			vendor_remove(mdev);
		return ret;
	}
	if (profile->binding != BIND_PARENT) {
		device_lock(&mdev->dev);
		mdev_vendor_groups(mdev, true);
		device_unlock(&mdev->dev);
	}
	return 0;
}

static bool uuid_taken(struct mdevfs_host *host, const uuid_t uuid)
{
	bool taken;

	host_lock(host);
	taken = g_hash_table_contains(host->mdevs, uuid);
	host_unlock(host);
	return taken;
}

/*
 * The whole create runs with unreg_sem held shared, so the parent cannot
 * be freed under it; only then is the UUID reserved.
 */
int mdev_device_create(struct mdev_type *type, const uuid_t uuid)
{
	struct mdev_parent *parent = type->parent;
	struct mdevfs_host *host = parent->dev->host;
	struct mdev_device *mdev;
	int ret;

	if (!g_rw_lock_reader_trylock(&parent->unreg_sem))
		return uuid_taken(host, uuid) ? -EEXIST : -ENODEV;
	if (!host->profile->active_flag)
		g_mutex_lock(&parent->serial);
	/* reserve() refuses once unregistration has begun. */
	ret = reserve(type, uuid, &mdev);
	if (ret)
		goto out;
	ret = add_and_bind(mdev);
	if (ret) {
		put_device(&mdev->dev);
		goto done;
	}
	/* 4.10 made `remove` first, later kernels after the two links, and
	 * from 6.1 it came with the device (and stays gone if a remover
	 * already deleted it). */
	if (host->profile->remove_before_links)
		set_remove_file(mdev, true);
	emit_mdev(mdev, MDEV_EVENT_MDEV_LINK, NULL);
	if (!host->profile->remove_in_device_groups)
		set_remove_file(mdev, true);
	host_lock(host);
	mdev->active = true;
	mdev->complete = true;
	host_unlock(host);
	announce_available(parent);
done:
	mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_CREATED });
out:
	if (!host->profile->active_flag)
		g_mutex_unlock(&parent->serial);
	g_rw_lock_reader_unlock(&parent->unreg_sem);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Remove                                                              */

/* Tear down a device whose `active` flag the caller has cleared. */
void mdev_device_remove_common(struct mdev_device *mdev)
{
	struct mdev_parent *parent = mdev->type->parent;

	host_lock(mdev->dev.host);
	mdev->complete = false;
	host_unlock(mdev->dev.host);
	set_remove_file(mdev, false);
	emit_mdev(mdev, MDEV_EVENT_MDEV_UNLINK, NULL);
	device_del(mdev);
	if (mdev_core_calls_vendor(parent) && !mdev->vendor_removed)
		vendor_remove(mdev);
	/* The reference reserve() made: a lookup may still hold the mdev
	 * (and its UUID, as in the kernel) a little longer. */
	put_device(&mdev->dev);
}

/* Eras A and B ask the vendor first; a refusal is EBUSY and undoes nothing. */
static int vendor_remove_first(struct mdev_device *mdev)
{
	struct mdev_parent *parent = mdev->type->parent;
	int ret;

	if (!mdev->dev.host->profile->remove_can_fail ||
	    !mdev_core_calls_vendor(parent) || !parent->ops->remove)
		return 0;
	ret = parent->ops->remove(mdev);
	if (ret)
		return -EBUSY;
	mdev->vendor_removed = true;
	return 0;
}

int mdev_device_remove(struct mdev_device *mdev)
{
	struct mdevfs_host *host = mdev->dev.host;
	struct mdev_parent *parent = mdev->type->parent;
	bool serial = !host->profile->active_flag;
	int ret;

	host_lock(host);
	if (!mdev->active && !serial) {
		host_unlock(host);
		return -EAGAIN;
	}
	mdev->active = false;
	/* A waiting unregistration makes the kernel's down_read_trylock fail. */
	if (parent->unregistering) {
		host_unlock(host);
		return -ENODEV;
	}
	host_unlock(host);
	if (!g_rw_lock_reader_trylock(&parent->unreg_sem))
		return -ENODEV;
	ret = mdev_fault_hit(host, FAULT_REMOVE, mdev->type);
	if (ret) {
		host_lock(host);
		mdev->active = true;
		host_unlock(host);
		g_rw_lock_reader_unlock(&parent->unreg_sem);
		return ret;
	}
	/* Era A: the parent's mutex orders this after a create in flight. */
	if (serial)
		g_mutex_lock(&parent->serial);
	ret = vendor_remove_first(mdev);
	if (ret) {
		host_lock(host);
		mdev->active = true;
		host_unlock(host);
	} else {
		mdev_device_remove_common(mdev);
	}
	if (serial)
		g_mutex_unlock(&parent->serial);
	g_rw_lock_reader_unlock(&parent->unreg_sem);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Lookups and accessors                                               */

struct mdev_device *mdev_host_find(struct mdevfs_host *host, const uuid_t uuid)
{
	struct mdev_device *mdev;

	host_lock(host);
	mdev = mdev_of_uuid(g_hash_table_lookup(host->mdevs, uuid));
	/* One that is gone from the bus may be past its last reference. */
	if (mdev && mdev->on_bus)
		get_device(&mdev->dev);
	else
		mdev = NULL;
	host_unlock(host);
	return mdev;
}

void mdev_host_set_max_mdevs(struct mdevfs_host *host, unsigned int max)
{
	host_lock(host);
	host->max_mdevs = max;
	host_unlock(host);
}

unsigned int mdev_host_device_count(struct mdevfs_host *host)
{
	unsigned int n;

	host_lock(host);
	n = g_hash_table_size(host->mdevs);
	host_unlock(host);
	return n;
}

unsigned int mdevfs_kernel_version(const struct mdevfs_host *host)
{
	return host->profile->version;
}

struct device *mdev_dev(struct mdev_device *mdev)
{
	return &mdev->dev;
}

struct mdev_device *mdev_from_dev(struct device *dev)
{
	return to_mdev_device(dev);
}

struct device *mdev_parent_dev(struct mdev_device *mdev)
{
	return mdev->type->parent->dev;
}

struct mdev_type *mdev_get_type(struct mdev_device *mdev)
{
	return mdev->type;
}

void mdev_set_drvdata(struct mdev_device *mdev, void *data)
{
	mdev->drvdata = data;
}

void *mdev_get_drvdata(struct mdev_device *mdev)
{
	return mdev->drvdata;
}

const unsigned char *mdev_uuid(const struct mdev_device *mdev)
{
	return mdev->uuid;
}

int mtype_get_type_group_id(const struct mdev_type *mtype)
{
	return mtype->index;
}

int mdev_get_type_group_id(struct mdev_device *mdev)
{
	return mdev->type->index;
}

struct device *mtype_get_parent_dev(struct mdev_type *mtype)
{
	return mtype->parent->dev;
}

const char *mtype_name(const struct mdev_type *mtype)
{
	return mtype->id;
}
