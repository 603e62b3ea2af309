// SPDX-License-Identifier: MIT
#include "profile.h"

#include <string.h>

#include "mdevfs/mdev.h"

/* Era A: v4.10-v4.12, the first mdev core. */
static const struct mdev_profile era_a = {
	.name = "4.10",
	.version = MDEVFS_KERNEL_VERSION(4, 10, 0),
	.binding = BIND_VFIO_MDEV,
	.has_vfio_mdev = true,
	.remove_can_fail = true,
	.remove_file_restored = true,
	.remove_before_links = true,
	.parent_attr_groups = true,
};

/* Era B: v4.18-v5.0: global UUID list and the `active` flag. */
static const struct mdev_profile era_b = {
	.name = "4.18",
	.version = MDEVFS_KERNEL_VERSION(4, 18, 0),
	.binding = BIND_VFIO_MDEV,
	.has_vfio_mdev = true,
	.active_flag = true,
	.remove_can_fail = true,
	.remove_file_restored = true,
	.parent_attr_groups = true,
	.iommu_reserved_regions = true,
};

/* Era C: v5.4-v5.12: vendor create before device_add, MDEV_STATE. */
static const struct mdev_profile era_c = {
	.name = "5.4",
	.version = MDEVFS_KERNEL_VERSION(5, 4, 0),
	.binding = BIND_VFIO_MDEV,
	.has_vfio_mdev = true,
	.active_flag = true,
	.create_before_add = true,
	.mdev_state_uevents = true,
	.parent_attr_groups = true,
	.iommu_reserved_regions = true,
	.iommu_type_file = true,
};

/* Era D: v5.13-v5.15: parents may bind their own mdev driver. */
static const struct mdev_profile era_d = {
	.name = "5.15",
	.version = MDEVFS_KERNEL_VERSION(5, 15, 0),
	.binding = BIND_PARENT_OR_VFIO,
	.has_vfio_mdev = true,
	.active_flag = true,
	.create_before_add = true,
	.mdev_state_uevents = true,
	.parent_attr_groups = true,
	.iommu_reserved_regions = true,
	.iommu_type_file = true,
};

/* Era E: v6.1+: the core owns the type files and the instance counter. */
#define ERA_E                                                              \
	.binding = BIND_PARENT,                                            \
	.core_type_attrs = true,                                           \
	.active_flag = true,                                               \
	.core_instance_counter = true,                                     \
	.remove_in_device_groups = true,                                   \
	.mdev_state_uevents = true,                                        \
	.iommu_group_name = "vfio-noiommu",                                \
	.iommu_reserved_regions = true,                                    \
	.iommu_type_file = true,                                           \
	.iommu_type_writable = true,                                       \
	.vfio_dev_class = true,                                            \
	.available_unsigned = true

static const struct mdev_profile era_e61 = {
	.name = "6.1",
	.version = MDEVFS_KERNEL_VERSION(6, 1, 0),
	ERA_E,
};

const struct mdev_profile mdev_profile_default = {
	.name = "6.13",
	.version = MDEVFS_KERNEL_VERSION(6, 13, 0),
	ERA_E,
	.class_mdev_bus_at_init = true,
};

static const struct {
	const char *alias;
	const struct mdev_profile *profile;
} profiles[] = {
	{ "4.10", &era_a }, { "4.12", &era_a },
	{ "4.18", &era_b }, { "4.19", &era_b }, { "5.0", &era_b },
	{ "5.4", &era_c }, { "5.10", &era_c },
	{ "5.14", &era_d }, { "5.15", &era_d },
	{ "6.1", &era_e61 },
	{ "6.13", &mdev_profile_default }, { "newest", &mdev_profile_default },
};

const struct mdev_profile *mdev_profile_find(const char *name)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].alias, name) == 0)
			return profiles[i].profile;
	return NULL;
}

const char *mdev_profile_names(void)
{
	return "4.10, 4.12, 4.18, 4.19, 5.0, 5.4, 5.10, 5.14, 5.15, 6.1, 6.13, newest";
}
