/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_IOMMU_H
#define MDEVFS_IOMMU_H

#include "attrs.h"

/* Set up mdev's group (its iommu member) with the lowest free id;
 * iommu_group_free() gives the id back. */
void iommu_group_alloc(struct mdevfs_host *host, struct mdev_device *mdev);
void iommu_group_free(struct iommu_group *group);
/* A hardware group of its own for a PCI function (which holds it), with
 * the lowest free id; iommu_group_free() and g_free() end it. */
struct iommu_group *iommu_group_alloc_hw(struct mdevfs_host *host);
/* Pick the group files of the host's era; once, at host creation. */
void iommu_group_files_init(struct mdevfs_host *host);

#endif
