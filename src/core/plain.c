// SPDX-License-Identifier: MIT
/*
 * Plain devices: the parents and other devices a backend makes with
 * mdevfs_device_create() and friends, checked, claimed, announced, and
 * destroyed again (unregistered first if they are mdev parents).
 */
#include <errno.h>
#include <string.h>

#include "attrs.h"
#include "event.h"
#include "iommu.h"

static bool valid_path(const char *path)
{
	g_auto(GStrv) parts = NULL;

	if (!path || !*path || path[0] == '/')
		return false;
	parts = g_strsplit(path, "/", -1);
	for (char **p = parts; *p; p++)
		if (!device_valid_name(*p))
			return false;
	return true;
}

static bool valid_desc(const struct mdevfs_device_desc *desc)
{
	if (!desc || !device_valid_name(desc->name))
		return false;
	/* One of them, or neither: a device of no subsystem (the parent
	 * child of a vfio_ccw subchannel), which only its place shows. */
	if (desc->bus && desc->class_name)
		return false;
	if ((desc->bus && !device_valid_name(desc->bus)) ||
	    (desc->class_name && !device_valid_name(desc->class_name)) ||
	    (desc->driver && !device_valid_name(desc->driver)))
		return false;
	/* Only class devices have a default place. */
	if (desc->parent_path ? !valid_path(desc->parent_path) : !desc->class_name)
		return false;
	return !desc->driver || desc->bus;   /* drivers bind to bus devices */
}

struct device *mdevfs_device_create(struct mdevfs_host *host,
				    const struct mdevfs_device_desc *desc)
{
	return mdevfs_device_create_with(host, desc, NULL, NULL, NULL, NULL);
}

struct device *mdevfs_device_create_chr(struct mdevfs_host *host,
					const struct mdevfs_device_desc *desc,
					const struct device_chr *chr)
{
	return mdevfs_device_create_with(host, desc, chr, NULL, NULL, NULL);
}

static char *desc_devpath(const struct mdevfs_device_desc *desc)
{
	if (desc->parent_path)
		return g_strdup_printf("%s/%s", desc->parent_path, desc->name);
	return g_strdup_printf("devices/virtual/%s/%s", desc->class_name,
			       desc->name);
}

/* A plain device and what it owns (its names are in its block). */
static void plain_free(struct plain_device *plain)
{
	if (plain->iommu) {
		iommu_group_free(plain->iommu);
		g_free(plain->iommu);
	}
	g_strfreev(plain->uevent_vars);
	g_free(plain->owned_groups);
	if (plain->pci)
		plain->pci_free(plain->pci);
	g_free(plain);
}

/* NULL for a device of no subsystem. */
static const char *intern_subsystem(const struct mdevfs_device_desc *desc)
{
	g_autofree char *name = NULL;

	if (desc->bus)
		name = g_strdup_printf("bus/%s", desc->bus);
	else if (desc->class_name)
		name = g_strdup_printf("class/%s", desc->class_name);
	return g_intern_string(name);
}

/*
 * Root devices.  Every directory right below devices/ is a device in the
 * kernel, made by whoever owns what lies below it: the PCI host bridge
 * pci0000:00, the channel subsystem css0, root_device_register()'s
 * vfio_ap or ap.  A backend names only the place of its devices, so the
 * first device below such a directory makes it a device of no bus or
 * class (devices/virtual excepted), and the last one to go takes it
 * along.  Unless a backend made one there itself.
 */
struct root_device {
	struct device *dev;
	guint users;
};

/* The root below devices/ that devpath lies in, or NULL. */
static char *root_name(const char *parent_path)
{
	g_auto(GStrv) parts = g_strsplit(parent_path, "/", 3);

	if (g_strv_length(parts) < 2 || strcmp(parts[0], "devices") ||
	    strcmp(parts[1], "virtual") == 0)
		return NULL;
	return g_strdup(parts[1]);
}

/* A use of the root of parent_path, made if needed; its name (interned)
 * if this took one, NULL if there is none to take (or one a backend
 * made).  false if it could not be made. */
static bool root_get(struct mdevfs_host *host, const char *parent_path,
		     const char **used)
{
	g_autofree char *name = parent_path ? root_name(parent_path) : NULL;
	g_autofree char *path = name ? g_strdup_printf("devices/%s", name)
				     : NULL;
	struct root_device *r;
	bool ok = true;

	*used = NULL;
	if (!name)
		return true;
	g_mutex_lock(&host->roots_lock);
	r = g_hash_table_lookup(host->roots, name);
	if (!r && !device_path_claimed(host, path)) {
		const struct mdevfs_device_desc desc = {
			.name = name, .parent_path = "devices",
		};

		r = g_new0(struct root_device, 1);
		r->dev = mdevfs_device_create(host, &desc);
		if (r->dev)
			g_hash_table_insert(host->roots,
					    (gpointer)g_intern_string(name), r);
		else
			g_clear_pointer(&r, g_free);
		ok = r != NULL;
	}
	if (r) {
		r->users++;
		*used = g_intern_string(name);
	}
	g_mutex_unlock(&host->roots_lock);
	return ok;
}

/* The root goes with its last user, under the lock so that a device
 * made meanwhile finds it or makes a new one, never a dying one. */
static void root_put(struct mdevfs_host *host, const char *name)
{
	struct root_device *r;

	if (!name)
		return;
	g_mutex_lock(&host->roots_lock);
	r = g_hash_table_lookup(host->roots, name);
	if (r && --r->users == 0) {
		g_hash_table_remove(host->roots, name);
		mdevfs_device_destroy(r->dev);
		g_free(r);
	}
	g_mutex_unlock(&host->roots_lock);
}

struct device *mdevfs_device_create_with(struct mdevfs_host *host,
					 const struct mdevfs_device_desc *desc,
					 const struct device_chr *chr,
					 struct pci_function *pci,
					 void (*pci_free)(struct pci_function *),
					 const struct attribute_group **owned)
{
	g_autofree char *devpath = NULL;
	struct plain_device *plain;
	struct device *dev;

	if (!host || !valid_desc(desc)) {
		errno = EINVAL;
		return NULL;
	}
	devpath = desc_devpath(desc);
	plain = g_malloc0(sizeof(*plain) + device_names_size(devpath));
	dev = &plain->dev;
	device_names(dev, plain->names, desc->name, devpath);
	dev->host = host;
	dev->kind = DEVICE_PLAIN;
	dev->bus = g_intern_string(desc->bus);
	dev->groups = desc->groups;
	dev->subsystem = intern_subsystem(desc);
	plain->class_name = g_intern_string(desc->class_name);
	plain->driver = g_intern_string(desc->driver);
	plain->uevent_vars = g_strdupv((char **)desc->uevent_vars);
	if (chr) {
		plain->chr = *chr;
		plain->chr.devnode_dir = g_intern_string(chr->devnode_dir);
	}
	device_initialize(dev);
	if (!root_get(host, desc->parent_path, &plain->root)) {
		core_mutex_clear(&dev->lock);
		plain_free(plain);
		errno = ENOMEM;
		return NULL;
	}
	if (!device_claim_path(host, dev)) {
		root_put(host, plain->root);
		core_mutex_clear(&dev->lock);
		plain_free(plain);
		errno = EEXIST;
		return NULL;
	}
	plain->owned_groups = owned;
	plain->pci = pci;
	plain->pci_free = pci_free;
	/* An IOMMU puts every PCI function in a group from the start. */
	if (pci)
		plain->iommu = iommu_group_alloc_hw(host);
	mdev_emit(host, &(struct mdev_event){ .type = MDEV_EVENT_DEVICE_ADD,
					      .dev = dev });
	return dev;
}

struct device *mdevfs_class_device_create(struct mdevfs_host *host,
					  const char *class_name,
					  const char *name)
{
	const struct mdevfs_device_desc desc = {
		.name = name, .class_name = class_name,
	};

	return mdevfs_device_create(host, &desc);
}

void plain_release(struct device *dev)
{
	core_mutex_clear(&dev->lock);
	plain_free(plain_of(dev));
}

void mdevfs_device_destroy(struct device *dev)
{
	struct plain_device *plain = plain_of(dev);
	struct mdevfs_host *host;
	const char *root;

	/* Only what mdevfs_device_create() made. */
	if (!plain)
		return;
	host = dev->host;
	/* Out of the control interface's reach first; one that found it
	 * already holds a reference and waits for the device lock. */
	host_lock(dev->host);
	if (plain->ops)   /* set under the host lock by a registration */
		g_ptr_array_remove(dev->host->devices, dev);
	host_unlock(dev->host);
	device_lock(dev);
	plain->destroyed = true;
	if (plain->mdev_parent)
		mdev_unregister_device(dev);
	device_unlock(dev);
	mdev_emit(dev->host, &(struct mdev_event){ .type = MDEV_EVENT_DEVICE_DEL,
						   .dev = dev });
	device_release_path(dev->host, dev);
	root = plain->root;
	/* The creator's reference: a lookup in progress may hold others. */
	put_device(dev);
	root_put(host, root);
}
