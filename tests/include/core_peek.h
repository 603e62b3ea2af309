/* SPDX-License-Identifier: MIT */
/*
 * Lookups for single-threaded tests: the core's lookups give a counted
 * reference; a test that has one writer per object drops it at once and
 * keeps the pointer, which stays valid until the test removes the object.
 */
#ifndef MDEVFS_TEST_CORE_PEEK_H
#define MDEVFS_TEST_CORE_PEEK_H

#include "core.h"

/* The mdev with uuid, without keeping the reference a lookup gives: a
 * test has one writer per device, so it lives until the test removes it. */
static inline struct mdev_device *peek_mdev(struct mdevfs_host *host,
					    const uuid_t uuid)
{
	struct mdev_device *mdev = mdev_host_find(host, uuid);

	if (mdev)
		put_device(mdev_dev(mdev));
	return mdev;
}

/* The same for a parent: the test's backend keeps it registered. */
static inline struct mdev_parent *peek_parent(struct mdevfs_host *host,
					      const char *name)
{
	struct mdev_parent *parent = mdev_host_find_parent(host, name);

	if (parent)
		mdev_parent_put(parent);
	return parent;
}

/* The device at devpath (e.g. "devices/pci0000:00/0000:3b:00.0"),
 * parent or not, without a reference: its backend keeps it. */
static inline struct device *peek_device_at(struct mdevfs_host *host,
					    const char *devpath)
{
	struct device key = { .devpath = (char *)devpath };

	return g_hash_table_lookup(host->claimed_paths, &key);
}

#endif
