// SPDX-License-Identifier: MIT
/*
 * Emulated IOMMU groups: one fresh single-device group per bound mdev,
 * numbered with the lowest free id as the kernel's IDA does.
 */
#include <stdio.h>

#include "attrs.h"
#include "iommu.h"

struct iommu_group *iommu_group_alloc(struct mdevfs_host *host,
				      struct mdev_device *mdev)
{
	struct iommu_group *group = g_new0(struct iommu_group, 1);
	guint id;

	group->host = host;
	group->mdev = mdev;
	g_mutex_lock(&host->lock);
	for (id = host->iommu_first_free; id < host->iommu_groups->len; id++)
		if (!host->iommu_groups->pdata[id])
			break;
	if (id == host->iommu_groups->len)
		g_ptr_array_add(host->iommu_groups, group);
	else
		host->iommu_groups->pdata[id] = group;
	host->iommu_first_free = id + 1;
	group->id = (int)id;
	g_mutex_unlock(&host->lock);
	return group;
}

void iommu_group_free(struct iommu_group *group)
{
	struct mdevfs_host *host = group->host;

	g_mutex_lock(&host->lock);
	host->iommu_groups->pdata[group->id] = NULL;
	if ((guint)group->id < host->iommu_first_free)
		host->iommu_first_free = (guint)group->id;
	g_mutex_unlock(&host->lock);
	g_free(group);
}

struct iommu_group *mdev_iommu_group(struct mdev_device *mdev)
{
	return mdev->group;
}

static ssize_t name_show(struct iommu_group *group, char *buf)
{
	return sysfs_emit(buf, "%s\n", group->host->profile->iommu_group_name);
}

static ssize_t type_show(struct iommu_group *group, char *buf)
{
	(void)group;
	return sysfs_emit(buf, "unknown\n");
}

/* An emulated-IOMMU group reserves no address ranges. */
static ssize_t reserved_regions_show(struct iommu_group *group, char *buf)
{
	(void)group;
	(void)buf;
	return 0;
}

static const struct iommu_group_attribute group_attr_name = {
	.attr = { .name = "name", .mode = 0444 }, .show = name_show,
};
/* Writable in 6.x (changing the default domain type), refused here. */
static const struct iommu_group_attribute group_attr_type = {
	.attr = { .name = "type", .mode = 0644 }, .show = type_show,
};
static const struct iommu_group_attribute group_attr_reserved_regions = {
	.attr = { .name = "reserved_regions", .mode = 0444 },
	.show = reserved_regions_show,
};

static const struct attribute *const group_attrs_named[] = {
	&group_attr_name.attr, &group_attr_reserved_regions.attr,
	&group_attr_type.attr, NULL
};
static const struct attribute *const group_attrs_unnamed[] = {
	&group_attr_reserved_regions.attr, &group_attr_type.attr, NULL
};
static const struct attribute_group group_named = { .attrs = group_attrs_named };
static const struct attribute_group group_unnamed = { .attrs = group_attrs_unnamed };
static const struct attribute_group *const groups_named[] = { &group_named, NULL };
static const struct attribute_group *const groups_unnamed[] = { &group_unnamed, NULL };
static const struct attribute_group *const groups_none[] = { NULL };

const struct attribute_group *const *iommu_group_groups(struct mdevfs_host *host)
{
	if (!host->profile->iommu_group_type_file)
		return groups_none;
	return host->profile->iommu_group_name ? groups_named : groups_unnamed;
}
