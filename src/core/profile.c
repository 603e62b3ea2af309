// SPDX-License-Identifier: MIT
#include "profile.h"

#include <string.h>

/* Era E: v6.1 and later (read in v6.1-rc7 and v6.13.7). */
const struct mdev_profile mdev_profile_default = {
	.name = "6.13",
	.core_type_attrs = true,
	.global_uuid_check = true,
	.active_flag = true,
	.create_before_add = false,
	.bind_parent_driver = true,
	.core_instance_counter = true,
	.remove_can_fail = false,
	.remove_in_device_groups = true,
	.remove_file_restored = false,
	.mdev_state_uevents = true,
	.parent_attr_groups = false,
	.iommu_group_name = "vfio-noiommu",
	.iommu_group_type_file = true,
	.available_unsigned = true,
};

static const struct {
	const char *alias;
	const struct mdev_profile *profile;
} profiles[] = {
	{ "6.13", &mdev_profile_default },
	{ "6.1", &mdev_profile_default },
	{ "newest", &mdev_profile_default },
};

const struct mdev_profile *mdev_profile_find(const char *name)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].alias, name) == 0)
			return profiles[i].profile;
	return NULL;
}
