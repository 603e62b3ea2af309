/* SPDX-License-Identifier: MIT */
/*
 * Kernel era profile: every behaviour of the mdev core that changed between
 * kernel releases is a field here, so that the lifecycle code reads the
 * profile instead of testing version numbers.
 */
#ifndef MDEVFS_PROFILE_H
#define MDEVFS_PROFILE_H

#include <stdbool.h>

struct mdev_profile {
	const char *name;            /* "6.13", shown in messages */
	/* Core (not the vendor) provides name/device_api/available/description. */
	bool core_type_attrs;
	/* Duplicate UUIDs are refused across all parents, not per parent. */
	bool global_uuid_check;
	/* The `active` flag exists: remove during create/remove is EAGAIN. */
	bool active_flag;
	/* The vendor create runs before the device becomes visible. */
	bool create_before_add;
	/* Bind the parent's own mdev driver (else the core's vfio_mdev). */
	bool bind_parent_driver;
	/* Core counter exhaustion gives EUSERS (the core owns max_instances). */
	bool core_instance_counter;
	/* A vendor remove error fails the remove write with EBUSY. */
	bool remove_can_fail;
	/* `remove` is a default group of the device (exists from device_add). */
	bool remove_in_device_groups;
	/* A failed remove puts the `remove` file back. */
	bool remove_file_restored;
	/* Parent change uevents with MDEV_STATE=registered/unregistered. */
	bool mdev_state_uevents;
	/* Parent dev_attr_groups (e.g. mtty_dev/) are shown. */
	bool parent_attr_groups;
	/* IOMMU group `name` file text, NULL when the group has none. */
	const char *iommu_group_name;
	/* IOMMU group has `type` and `reserved_regions`. */
	bool iommu_group_type_file;
	/* The type attribute `available_instances` is printed unsigned. */
	bool available_unsigned;
};

/* The newest era, the default. */
extern const struct mdev_profile mdev_profile_default;

/* Look a profile up by kernel version or alias; NULL if unknown. */
const struct mdev_profile *mdev_profile_find(const char *name);

#endif
