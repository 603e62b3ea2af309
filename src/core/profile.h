/* SPDX-License-Identifier: MIT */
/*
 * Kernel era profile: every behaviour of the mdev core that changed between
 * kernel releases is a field here, so that the lifecycle code reads the
 * profile instead of testing version numbers.  The eras (A-E) are those of
 * the spec's kernel notes.
 */
#ifndef MDEVFS_PROFILE_H
#define MDEVFS_PROFILE_H

#include <stdbool.h>

enum mdev_binding {
	BIND_VFIO_MDEV,      /* A-C: every mdev binds vfio_mdev */
	BIND_PARENT_OR_VFIO, /* D: the parent's own driver if it names one */
	BIND_PARENT,         /* E: always the parent's driver */
};

struct mdev_profile {
	const char *name;            /* canonical name, e.g. "6.13" */
	unsigned int version;        /* MDEVFS_KERNEL_VERSION() of it */
	enum mdev_binding binding;
	/* vfio_mdev is registered on bus/mdev/drivers (A-D). */
	bool has_vfio_mdev;
	/* Core (not the vendor) provides name/device_api/available/description. */
	bool core_type_attrs;
	/* The `active` flag exists: remove during create/remove is EAGAIN.
	 * Without it (A) creates and removes of a parent are serialised. */
	bool active_flag;
	/* The vendor create runs before the device becomes visible (C, D). */
	bool create_before_add;
	/* Core counter exhaustion gives EUSERS (the core owns max_instances). */
	bool core_instance_counter;
	/* A vendor remove error fails the remove write with EBUSY (A, B). */
	bool remove_can_fail;
	/* `remove` is a default group of the device (exists from device_add). */
	bool remove_in_device_groups;
	/* A failed remove puts the `remove` file back (A, B). */
	bool remove_file_restored;
	/* Parent change uevents with MDEV_STATE=registered/unregistered. */
	bool mdev_state_uevents;
	/* Parent dev_attr_groups (e.g. mtty_dev/) are shown (A-D). */
	bool parent_attr_groups;
	/* IOMMU group `name` file text, NULL when the group has none. */
	const char *iommu_group_name;
	/* IOMMU group files: reserved_regions (B+), type (C+; 0644 in E). */
	bool iommu_reserved_regions;
	bool iommu_type_file;
	bool iommu_type_writable;
	/* available_instances is printed unsigned by the core (E). */
	bool available_unsigned;
	/* Bound mdevs get a vfio-dev/vfioN char device (6.1+). */
	bool vfio_dev_class;
	/* `remove` is made before the type links (4.10 only). */
	bool remove_before_links;
	/* class/mdev_bus exists before any parent registers (6.13+). */
	bool class_mdev_bus_at_init;
};

/* The newest era, the default. */
extern const struct mdev_profile mdev_profile_default;

/* Look a profile up by kernel version or alias; NULL if unknown. */
const struct mdev_profile *mdev_profile_find(const char *name);
/* The accepted names, for messages: "4.10, 4.12, ...". */
const char *mdev_profile_names(void);

#endif
