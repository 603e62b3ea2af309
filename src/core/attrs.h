/* SPDX-License-Identifier: MIT */
/*
 * The attribute files the core itself provides, grouped by the object they
 * belong to.  The sysfs tree turns each group into files and calls the
 * show/store functions through sysfs_attr_show()/sysfs_attr_store().
 */
#ifndef MDEVFS_ATTRS_H
#define MDEVFS_ATTRS_H

#include "core.h"

/* Which object type an attribute's show/store expects. */
enum attr_owner {
	ATTR_OF_DEVICE,       /* struct device *, device_attribute */
	ATTR_OF_MDEV_TYPE,    /* struct mdev_type *, mdev_type_attribute */
	ATTR_OF_DRIVER,       /* struct driver_entry *, driver_attribute */
	ATTR_OF_BUS,          /* struct mdevfs_host *, bus_attribute */
	ATTR_OF_IOMMU_GROUP,  /* struct iommu_group *, iommu_group_attribute */
};

struct driver_entry;

struct driver_attribute {
	struct attribute attr;
	ssize_t (*show)(struct driver_entry *drv, char *buf);
	ssize_t (*store)(struct driver_entry *drv, const char *buf, size_t count);
};

struct bus_attribute {
	struct attribute attr;
	ssize_t (*show)(struct mdevfs_host *host, char *buf);
	ssize_t (*store)(struct mdevfs_host *host, const char *buf, size_t count);
};

struct iommu_group_attribute {
	struct attribute attr;
	ssize_t (*show)(struct iommu_group *group, char *buf);
	ssize_t (*store)(struct iommu_group *group, const char *buf,
			 size_t count);
};

/* uevent and power/ of every device. */
extern const struct attribute_group *const device_core_groups[];
/* The mdev's `remove` file. */
extern const struct attribute_group *const mdev_remove_groups[];
/* bind, unbind, uevent of a bus/mdev/drivers/<name> directory. */
extern const struct attribute_group *const driver_core_groups[];
/* drivers_autoprobe, drivers_probe, uevent of bus/mdev. */
extern const struct attribute_group *const bus_core_groups[];

/* The groups of one type directory, as the host's profile shows it. */
const struct attribute_group *const *mdev_type_groups(struct mdev_type *type);
/* The groups of an IOMMU group directory: a bound mdev's, a hardware
 * one's (a PCI function's). */
const struct attribute_group *const *iommu_group_groups(struct mdevfs_host *host);
const struct attribute_group *const *
iommu_hw_group_groups(struct mdevfs_host *host);

/*
 * Whether attr is one of the core's own files, whose value changes only
 * through core events (a vendor's show() may change at any time).
 */
bool sysfs_attr_is_core(enum attr_owner owner, const struct attribute *attr);
/* Whether the backend behind obj announces every change of its files. */
bool sysfs_attr_announced(enum attr_owner owner, void *obj);

/* Show or store through an attribute of the given owner type. */
ssize_t sysfs_attr_show(enum attr_owner owner, void *obj,
			const struct attribute *attr, char *buf);
ssize_t sysfs_attr_store(enum attr_owner owner, void *obj,
			 const struct attribute *attr, const char *buf,
			 size_t count);

/*
 * What the core knows of an open binary file: whether its opener counts
 * as holding CAP_SYS_ADMIN (mdevfs_file_admin()).  The file system fills
 * it in at open, from the opener's credentials as FUSE gives them, and
 * passes it to every read and write of the file.  There is no capability
 * to ask for, so the rule is: uid 0, or the uid the daemon runs as (the
 * owner of the emulated machine: mdevfs-run's unprivileged tools are
 * root in their namespace and reach the daemon as that user).  Other
 * openers read PCI config's first 64 bytes only, as on a real host;
 * libvirt and `lspci -v` need more, so they must count as privileged.
 */
struct mdevfs_file {
	bool admin;
};

/*
 * Read or write a binary attribute of obj (only ATTR_OF_DEVICE owners
 * have them) at off, as sysfs bounds it: count is cut to the file's
 * size; a read at or past the end returns 0, a write there -EFBIG; a
 * count of 0 returns 0 without a call; a missing callback gives -EIO.
 * Returns the bytes done or a negative errno.  file may be NULL (an
 * unprivileged opener).
 */
ssize_t sysfs_bin_attr_read(enum attr_owner owner, void *obj,
			    const struct bin_attribute *attr,
			    struct mdevfs_file *file, char *buf, off_t off,
			    size_t count);
ssize_t sysfs_bin_attr_write(enum attr_owner owner, void *obj,
			     const struct bin_attribute *attr,
			     struct mdevfs_file *file, const char *buf,
			     off_t off, size_t count);

/*
 * The self-removal of an mdev's `remove` file: true if this call removed
 * it, false if it was already gone.  restore puts it back (Era A/B).
 */
bool mdev_remove_file_self(struct mdev_device *mdev);
void mdev_remove_file_restore(struct mdev_device *mdev);

/* Whether a write to a uevent file names a known action. */
bool uevent_action_valid(const char *buf, size_t count);

#endif
