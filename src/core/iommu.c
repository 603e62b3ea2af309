// SPDX-License-Identifier: MIT
/*
 * IOMMU groups: one fresh single-device group per bound mdev, kept in the
 * mdev itself (struct mdev_device's iommu), and the hardware group of
 * each PCI function, which an IOMMU puts in a group of its own from the
 * start; all numbered with the lowest free id as the kernel's IDA does.
 */
#include <stdio.h>

#include "attrs.h"
#include "iommu.h"

/* The lowest free id for group, as the kernel's IDA gives it. */
static void take_id(struct mdevfs_host *host, struct iommu_group *group)
{
	guint id;

	host_lock(host);
	for (id = host->iommu_first_free; id < host->iommu_groups->len; id++)
		if (!host->iommu_groups->pdata[id])
			break;
	if (id == host->iommu_groups->len)
		g_ptr_array_add(host->iommu_groups, group);
	else
		host->iommu_groups->pdata[id] = group;
	host->iommu_first_free = id + 1;
	group->id = (int)id;
	host_unlock(host);
	g_snprintf(group->name, sizeof(group->name), "%u", id);
}

void iommu_group_alloc(struct mdevfs_host *host, struct mdev_device *mdev)
{
	mdev->iommu = (struct iommu_group){ .host = host, .mdev = mdev };
	take_id(host, &mdev->iommu);
}

struct iommu_group *iommu_group_alloc_hw(struct mdevfs_host *host)
{
	struct iommu_group *group = g_new0(struct iommu_group, 1);

	group->host = host;
	take_id(host, group);
	return group;
}

void iommu_group_free(struct iommu_group *group)
{
	struct mdevfs_host *host = group->host;

	host_lock(host);
	host->iommu_groups->pdata[group->id] = NULL;
	if ((guint)group->id < host->iommu_first_free)
		host->iommu_first_free = (guint)group->id;
	host_unlock(host);
}

static ssize_t name_show(struct iommu_group *group, char *buf)
{
	return sysfs_emit(buf, "%s\n", group->host->profile->iommu_group_name);
}

/* DMA with a flush queue, x86's default since 5.15, for hardware. */
#define DMA_FQ_SINCE MDEVFS_KERNEL_VERSION(5, 15, 0)

static ssize_t type_show(struct iommu_group *group, char *buf)
{
	const char *type = "unknown";

	if (!group->mdev)
		type = group->host->profile->version >= DMA_FQ_SINCE ? "DMA-FQ"
								     : "DMA";
	return sysfs_emit(buf, "%s\n", type);
}

/* An emulated-IOMMU group reserves no address ranges; a hardware one
 * keeps x86's MSI window. */
static ssize_t reserved_regions_show(struct iommu_group *group, char *buf)
{
	if (group->mdev)
		return 0;
	return sysfs_emit(buf, "0x00000000fee00000 0x00000000feefffff msi\n");
}

/* 6.x lets root change the default domain type; with a bound device it
 * answers EBUSY, and names it does not know EINVAL. */
static ssize_t type_store(struct iommu_group *group, const char *buf,
			  size_t count)
{
	static const char *const types[] = { "identity", "DMA", "DMA-FQ", "auto" };

	(void)group;
	for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
		if (sysfs_streq(buf, types[i]))
			return -EBUSY;
	(void)count;
	return -EINVAL;
}

static const struct iommu_group_attribute group_attr_name = {
	.attr = { .name = "name", .mode = 0444 }, .show = name_show,
};
static const struct iommu_group_attribute group_attr_type_ro = {
	.attr = { .name = "type", .mode = 0444 }, .show = type_show,
};
static const struct iommu_group_attribute group_attr_type_rw = {
	.attr = { .name = "type", .mode = 0644 }, .show = type_show,
	.store = type_store,
};
static const struct iommu_group_attribute group_attr_reserved_regions = {
	.attr = { .name = "reserved_regions", .mode = 0444 },
	.show = reserved_regions_show,
};

/* The files of a group as the host's era has them; a hardware group has
 * no name (the IOMMU driver gives none). */
static void fill_files(const struct mdev_profile *p, const struct attribute **a,
		       bool named)
{
	if (named && p->iommu_group_name)
		*a++ = &group_attr_name.attr;
	if (p->iommu_reserved_regions)
		*a++ = &group_attr_reserved_regions.attr;
	if (p->iommu_type_file)
		*a++ = p->iommu_type_writable ? &group_attr_type_rw.attr
					      : &group_attr_type_ro.attr;
	*a = NULL;
}

void iommu_group_files_init(struct mdevfs_host *host)
{
	fill_files(host->profile, host->iommu_attrs, true);
	host->iommu_group.attrs = host->iommu_attrs;
	host->iommu_group_list[0] = &host->iommu_group;
	host->iommu_group_list[1] = NULL;
	fill_files(host->profile, host->iommu_hw_attrs, false);
	host->iommu_hw_group.attrs = host->iommu_hw_attrs;
	host->iommu_hw_group_list[0] = &host->iommu_hw_group;
	host->iommu_hw_group_list[1] = NULL;
}

const struct attribute_group *const *iommu_group_groups(struct mdevfs_host *host)
{
	return host->iommu_group_list;
}

const struct attribute_group *const *
iommu_hw_group_groups(struct mdevfs_host *host)
{
	return host->iommu_hw_group_list;
}
