/* SPDX-License-Identifier: MIT */
/*
 * The mdev core: parents, types, mediated devices, the global UUID registry
 * and driver binding.  It knows nothing of FUSE or of the file tree; it
 * announces every change to registered listeners (see event.h), in the
 * thread that made the change, before the operation returns.
 */
#ifndef MDEVFS_CORE_H
#define MDEVFS_CORE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <uuid/uuid.h>

#include "lockdep.h"
#include "mdevfs/mdev.h"
#include "profile.h"

struct mdev_listener;
struct pci_function;  /* a PCI function's state (pci.c) */

enum device_kind {
	DEVICE_PLAIN,  /* a parent or other device a backend made */
	DEVICE_MDEV,   /* a mediated device under its parent */
	DEVICE_VFIO,   /* the vfio-dev class device of a bound mdev */
};

/* A char device's number (the kernel's devt), and the directory below
 * /dev of its node: its uevent shows MAJOR, MINOR and DEVNAME. */
struct device_chr {
	unsigned int major, minor;
	const char *devnode_dir;   /* interned, e.g. vfio/devices */
};

/*
 * Internal view of `struct device` (opaque to plugins): what every
 * device has, an mdev too (struct plain_device has the rest).
 *
 * Lifetime as in the driver core: whoever finds a device (by UUID, name
 * or from another object) holds a counted reference (get_device()), and
 * the last put_device() releases it, whatever was unregistered meanwhile.
 * Binding, unbinding and removal of an mdev run under its device lock.
 */
struct device {
	struct mdevfs_host *host;
	enum device_kind kind : 8;
	/* The backend announces every change of its files' values
	 * (mdevfs_device_announces_changes()). */
	bool announces;
	gint refcount;            /* atomic; see get_device() */
	struct core_mutex lock;   /* device_lock() */
	char *name;
	char *devpath;        /* below the mount root, e.g. devices/virtual/mtty/mtty */
	/* Interned (g_intern_string()): a handful of values shared by every
	 * device, never freed. */
	const char *subsystem;   /* e.g. class/mtty or bus/mdev */
	const char *bus;         /* NULL for class devices */
	const struct attribute_group *const *groups;
	void *drvdata;
};

/* A device a backend made (DEVICE_PLAIN), its names after it (there may
 * be 100,000 mdevs, which have none of this). */
struct plain_device {
	struct device dev;
	const char *class_name;  /* NULL for bus devices; interned */
	const char *driver;      /* its bound driver, or NULL; interned */
	char **uevent_vars;   /* extra uevent variables, NULL-terminated */
	struct device_chr chr;  /* a char device's number (major 0: none) */
	struct pci_function *pci;  /* a PCI function's state, or NULL */
	void (*pci_free)(struct pci_function *pci);  /* pci.c's, with it */
	/* groups when the core added its own to the backend's (PCI). */
	const struct attribute_group **owned_groups;
	struct mdev_parent *mdev_parent;  /* set while registered as a parent */
	/* A PCI function's hardware IOMMU group (the host has its IOMMU
	 * on, as a vGPU host must), or NULL. */
	struct iommu_group *iommu;
	/* The root device it holds a use of (plain.c), or NULL. */
	const char *root;
	/* The ops of the last registration, so the control interface can
	 * register the parent again after unregistering it. */
	const struct mdev_parent_ops *ops;
	bool destroyed;  /* by mdevfs_device_destroy(), under its device lock */
	char names[];
};

/* dev as the plain device it is (NULL for an mdev). */
static inline struct plain_device *plain_of(const struct device *dev)
{
	return dev && dev->kind == DEVICE_PLAIN ? (struct plain_device *)dev
						: NULL;
}

/*
 * References and the device lock (device.c).  A plain device's release
 * frees it; an mdev's gives its UUID and instance back (mdev_core.c); a
 * vfio-dev is part of its mdev and counts on the mdev's reference.
 */
struct device *get_device(struct device *dev);
void put_device(struct device *dev);
void device_initialize(struct device *dev);
/* Bind, unbind, probe and remove of one device are serialised by it.
 * Taken before host->lock, never while holding it. */
void device_lock(struct device *dev);
void device_unlock(struct device *dev);
#define device_lock_assert(dev) lockdep_assert_held(&(dev)->lock)

/* The fields of a plain device, read on any device (an mdev has none). */
const char *device_class_name(const struct device *dev);
const char *device_driver(const struct device *dev);
struct device_chr device_chr_of(const struct device *dev);
struct mdev_parent *device_mdev_parent(const struct device *dev);

/* mdevfs_device_create() for a char device. */
struct device *mdevfs_device_create_chr(struct mdevfs_host *host,
					const struct mdevfs_device_desc *desc,
					const struct device_chr *chr);

/* The general form: a char device number (or NULL), and a PCI
 * function's state and a groups array the device owns from now on
 * (freed with it, or by the caller if this fails). */
struct device *mdevfs_device_create_with(struct mdevfs_host *host,
					 const struct mdevfs_device_desc *desc,
					 const struct device_chr *chr,
					 struct pci_function *pci,
					 void (*pci_free)(struct pci_function *),
					 const struct attribute_group **owned);
/* A plain device's release (plain.c), an mdev's (mdev_core.c). */
void plain_release(struct device *dev);
void mdev_release(struct device *dev);

/* Whether a device sits at devpath. */
bool device_path_claimed(struct mdevfs_host *host, const char *devpath);

/* Whether name can name a device or a link (one path component). */
bool device_valid_name(const char *name);

/* A device's uevent variables: those of its number (MAJOR, MINOR,
 * DEVNAME), then its own; g_strfreev() them. */
char **device_uevent_vars(const struct device *dev);

/* The kernel's dev_driver_string(): driver, else bus, else class. */
const char *dev_driver_string(const struct device *dev);

/* Counted like a device: its mdevs and every lookup hold it, so a
 * parent that was unregistered lives on until the last of them is
 * released (mdev_parent_get()/mdev_parent_put()). */
struct mdev_parent {
	struct device *dev;       /* holds a reference on it */
	gint refcount;
	const struct mdev_parent_ops *ops;
	const struct mdev_driver *driver;  /* bound to new mdevs in Era D/E */
	struct mdev_type **types;
	unsigned int nr_types;
	/* Creates and removes hold it shared, unregistration exclusive. */
	GRWLock unreg_sem;
	bool unregistering;       /* under host->lock */
	GMutex serial;            /* Era A: serialises creates and removes */
	/* Core counter (max_instances drivers), under host->lock.  Before
	 * 6.1 it only feeds available_instances and may go below zero. */
	int available;
	bool core_counter;        /* no get_available(): the core counts */
};

struct mdev_type {
	struct mdev_parent *parent;
	int index;
	char *id;                 /* <driver string>-<suffix>, e.g. mtty-2 */
	const struct attribute_group *group;
	/* Era A-D: the vendor's attributes, shown in the type directory. */
	struct attribute_group vendor_group;
	const struct attribute_group *legacy_groups[3];
};

/* The IOMMU group of a bound mdev (vfio_mdev's, or VFIO's emulated one
 * from 5.x on): one per device, part of its block, and counted through
 * it (get_device(&group->mdev->dev)). */
struct iommu_group {
	struct mdevfs_host *host;
	int id;
	/* Its directory's name, the id, as the kernel names its kobject. */
	char name[12];
	/* A bound mdev's emulated group is part of the mdev (every mdev
	 * carries one: no more fields than it needs); a PCI function's
	 * hardware group has mdev NULL and belongs to its device. */
	struct mdev_device *mdev;
};

/*
 * The vfio-dev class device of a bound mdev (6.1+), the `device` that the
 * kernel's struct vfio_device holds.  As that one is part of its driver's
 * state, this one is part of its mdev, path included (after the mdev's
 * own): one more allocation, path claim and hash slot per device would
 * cost a quarter of what 100,000 mdevs take.  Its name and path are
 * unique because its minor and its mdev are.
 */
struct vfio_dev {
	struct device dev;        /* name vfio<minor>, below <mdev>/vfio-dev */
	unsigned int minor;
};

struct mdev_device {
	struct device dev;        /* name = lowercase UUID */
	struct mdev_type *type;
	uuid_t uuid;
	int open_count;           /* VFIO opens, under host->lock */
	/* Added and not yet deleted: lookups by name find only such mdevs,
	 * as bus_find_device() walks only the bus's list; under host->lock. */
	bool on_bus;
	bool active;              /* under host->lock */
	bool complete;            /* created; under host->lock */
	bool vendor_groups_added;
	bool remove_file;         /* `remove` exists; under host->lock */
	bool vendor_removed;      /* Era A/B: remove() already ran */
	bool vfio_registered;     /* vfio is in use: bound, 6.1+ */
	void *drvdata;
	/* Bound driver, NULL if none: set and cleared under the device
	 * lock, read atomically by those without it. */
	const struct mdev_driver *driver;
	struct iommu_group iommu;    /* its group while bound */
	struct vfio_dev vfio;
	/* dev.name and dev.devpath (device_names()); from 6.1 room for
	 * vfio's path after them (vfio_dev_block_size()). */
	char names[];
};

/* dev as the mdev it is, or NULL (mdev_from_dev() for plugins). */
static inline struct mdev_device *to_mdev_device(const struct device *dev)
{
	return dev && dev->kind == DEVICE_MDEV ?
		       (struct mdev_device *)((char *)dev -
					      offsetof(struct mdev_device, dev)) :
		       NULL;
}

/* dev as the vfio-dev device it is (NULL for the others). */
static inline struct vfio_dev *vfio_of(const struct device *dev)
{
	return dev && dev->kind == DEVICE_VFIO ? (struct vfio_dev *)dev : NULL;
}

/* The mdev whose vfio-dev vdev is. */
static inline struct mdev_device *vfio_dev_mdev(const struct vfio_dev *vdev)
{
	return (struct mdev_device *)((char *)vdev -
				      offsetof(struct mdev_device, vfio));
}

struct mdevfs_host {
	const struct mdev_profile *profile;
	/* Root devices made for the devices below them (plain.c):
	 * name -> struct root_device, under roots_lock. */
	GHashTable *roots;
	GMutex roots_lock;
	/* Each kind's release (a vfio-dev has none: it is its mdev's). */
	void (*release[DEVICE_VFIO])(struct device *dev);
	/* UUID registry, driver list, iommu ids.  Never held across a
	 * vendor callback or an event; taken after a device lock, never
	 * before one (host_lock()). */
	struct core_mutex lock;
	/* The most mdevs that may exist (reserved or created) at once: a
	 * create past it fails with ENOMEM (mdev_host_set_max_mdevs()). */
	unsigned int max_mdevs;
	/* bus/mdev/drivers_autoprobe: whether an added mdev is offered to
	 * the drivers (eras that bind through the bus; atomic). */
	gint drivers_autoprobe;
	/* The registry: a set of the mdevs' own uuid fields (mdev_of_uuid()),
	 * which costs less per slot than a map from UUID to mdev. */
	GHashTable *mdevs;
	GPtrArray *parents;       /* struct mdev_parent * */
	GPtrArray *drivers;       /* struct driver_entry *, see driver.h */
	GPtrArray *iommu_groups;  /* index = group id; NULL = free id */
	guint iommu_first_free;   /* no free id below this */
	GCond released;           /* an mdev's VFIO users all closed it */
	GPtrArray *listeners;
	GMutex backends_lock;
	GPtrArray *backends;      /* loaded plugins, see plugin.h */
	GPtrArray *devices;       /* devices ever registered as parents, under lock */
	GPtrArray *faults;        /* struct mdev_fault, under lock (fault.h) */
	GArray *vfio_minors;      /* guint64 words: a bit per minor in use */
	unsigned int vfio_first_free;  /* no free minor below this */
	/* Devices by path and by subsystem and name, to keep both unique;
	 * the keys are the devices' own strings. */
	GHashTable *claimed_paths, *claimed_names;
	/* The IOMMU group files of this era, built once (see iommu.c). */
	const struct attribute *iommu_attrs[4];
	struct attribute_group iommu_group;
	const struct attribute_group *iommu_group_list[2];
	/* A hardware group's files (iommu.c). */
	const struct attribute *iommu_hw_attrs[3];
	struct attribute_group iommu_hw_group;
	const struct attribute_group *iommu_hw_group_list[2];
	const struct mdev_driver *vfio_mdev;  /* fallback driver of older eras */
};

/* The mdev whose uuid field key is (a key of host->mdevs), or NULL. */
static inline struct mdev_device *mdev_of_uuid(const void *key)
{
	return key ? (struct mdev_device *)((char *)key -
					    offsetof(struct mdev_device, uuid))
		   : NULL;
}

static inline void host_lock(struct mdevfs_host *host)
{
	core_mutex_lock(&host->lock);
}

static inline void host_unlock(struct mdevfs_host *host)
{
	core_mutex_unlock(&host->lock);
}

struct mdevfs_host *mdev_host_new(const struct mdev_profile *profile);
/* Unregisters anything left (plugins should have done so) and frees. */
void mdev_host_free(struct mdevfs_host *host);

/*
 * Lifecycle entry points used by the sysfs attributes (and by tests).
 * Each returns 0 or a negative errno, as the kernel's store handlers do.
 */
int mdev_device_create(struct mdev_type *type, const uuid_t uuid);
int mdev_device_remove(struct mdev_device *mdev);
/* What put_device() does with an mdev's last reference. */
void mdev_device_release(struct mdev_device *mdev);
/* Tear down a device whose `active` flag the caller cleared (force);
 * it drops the reference the create made. */
void mdev_device_remove_common(struct mdev_device *mdev);
/*
 * A device's path, and its name at the path's end, live in its own
 * allocation, after the struct: device_names_size() more bytes, filled
 * by device_names().  One block per device instead of three, and one
 * copy of the name (there may be 100,000 mdevs).
 */
size_t device_names_size(const char *devpath);
void device_names(struct device *dev, char *room, const char *name,
		  const char *devpath);
void device_claims_init(struct mdevfs_host *host);
void device_claims_fini(struct mdevfs_host *host);
/* Reserve dev's path and bus/class name; false if another device has one. */
bool device_claim_path(struct mdevfs_host *host, struct device *dev);
void device_release_path(struct mdevfs_host *host, struct device *dev);

/* The mdev with this UUID while it is on the bus (added, not yet
 * deleted), with a reference the caller puts (put_device()); or NULL. */
struct mdev_device *mdev_host_find(struct mdevfs_host *host, const uuid_t uuid);
/* The registry's hash of a UUID: every bit counts, keyed per process. */
guint mdev_uuid_hash(gconstpointer uuid);
/* At most max mdevs at once (0: no limit); see mdev_memory_budget(). */
void mdev_host_set_max_mdevs(struct mdevfs_host *host, unsigned int max);
/* How many mdevs fit in this process's memory limit (the smallest of
 * RLIMIT_AS, RLIMIT_DATA and its cgroup's memory.max), at bytes_each;
 * 0 when nothing limits it. */
unsigned int mdev_memory_budget(size_t bytes_each);
/* What one mdev may cost the daemon at most: its block and record, and
 * the nodes of its directories while the kernel holds all of them
 * (bench/README.md, "Memory"). */
#define MDEV_BYTES_WORST 6144
/* Value of available_instances for a type (may be negative in old eras). */
int mdev_type_available(struct mdev_type *type);
unsigned int mdev_host_device_count(struct mdevfs_host *host);

/*
 * Hot-unplug and re-plug a parent by device name, as a driver unbind and
 * bind would: unregistration force-removes its mdevs.  0, -ENOENT (no
 * such device), -EALREADY (already in that state) or a registration error.
 */
int mdev_host_unregister_parent(struct mdevfs_host *host, const char *name);
int mdev_host_register_parent(struct mdevfs_host *host, const char *name);
/* "NAME registered|unregistered" lines for every device with ops. */
char *mdev_host_describe_parents(struct mdevfs_host *host);

/* Find a registered parent by device name, with a reference the caller
 * puts (mdev_parent_put()); NULL if none. */
struct mdev_parent *mdev_host_find_parent(struct mdevfs_host *host,
					  const char *name);
struct mdev_parent *mdev_parent_get(struct mdev_parent *parent);
void mdev_parent_put(struct mdev_parent *parent);
/* Whether a registered parent has a type of this id (e.g. mtty-2). */
bool mdev_host_has_type(struct mdevfs_host *host, const char *id);
/* A type lives as long as its parent: the caller's reference on the
 * parent covers it (mdev_type_get() takes one through it). */
static inline struct mdev_type *mdev_type_get(struct mdev_type *type)
{
	mdev_parent_get(type->parent);
	return type;
}

static inline void mdev_type_put(struct mdev_type *type)
{
	mdev_parent_put(type->parent);
}

struct mdev_type *mdev_parent_find_type(struct mdev_parent *parent,
					const char *id);

/* Whether the core calls the parent's create/remove itself (the device
 * binds vfio_mdev) rather than through the bound parent driver. */
bool mdev_core_calls_vendor(const struct mdev_parent *parent);

/* The pretty name of a type: the vendor's `name` show or the suffix. */
ssize_t mdev_type_pretty_name(struct mdev_type *type, char *buf);

/* The VFIO device interface, forwarded to the vendor's parent_ops. */
int mdev_device_open(struct mdev_device *mdev);
void mdev_device_close(struct mdev_device *mdev);
ssize_t mdev_device_read(struct mdev_device *mdev, char *buf, size_t count,
			 off_t *ppos);
ssize_t mdev_device_write(struct mdev_device *mdev, const char *buf,
			  size_t count, off_t *ppos);
long mdev_device_ioctl(struct mdev_device *mdev, unsigned int cmd,
		       unsigned long arg);

#endif
