// SPDX-License-Identifier: MIT
/*
 * The host: one emulated machine, made and torn down here, above every
 * other part of the core, with the UUID registry's hash and the release
 * of each kind of device (the kernel's device_type.release).
 */
#include <string.h>

#include "attrs.h"
#include "driver.h"
#include "fault.h"
#include "iommu.h"
#include "plugin.h"

/*
 * The registry's hash: all 128 bits, each half mixed with a key drawn
 * per host, so that neither UUIDs alike in some bytes (a tool that
 * varies only a counter) nor UUIDs chosen by someone who can write to
 * `create` pile up in one bucket.
 */
static guint64 mix64(guint64 x)
{
	x ^= x >> 33;
	x *= G_GUINT64_CONSTANT(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= G_GUINT64_CONSTANT(0xc4ceb9fe1a85ec53);
	return x ^ (x >> 33);
}

/* Drawn once per process (uuid_key_init()); a lookup hashes a bare
 * UUID, so the key cannot live in the host. */
static guint64 uuid_key[2];

static void uuid_key_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		for (int i = 0; i < 2; i++)
			uuid_key[i] = (guint64)g_random_int() << 32 |
				      g_random_int();
		g_once_init_leave(&done, 1);
	}
}

guint mdev_uuid_hash(gconstpointer key)
{
	const unsigned char *uuid = key;
	guint64 lo, hi;

	memcpy(&lo, uuid, sizeof(lo));
	memcpy(&hi, uuid + 8, sizeof(hi));
	return (guint)mix64(mix64(lo ^ uuid_key[0]) ^ hi ^ uuid_key[1]);
}

static gboolean uuid_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, sizeof(uuid_t)) == 0;
}

struct mdevfs_host *mdev_host_new(const struct mdev_profile *profile)
{
	struct mdevfs_host *host = g_new0(struct mdevfs_host, 1);

	uuid_key_init();
	host->profile = profile ? profile : &mdev_profile_default;
	host->drivers_autoprobe = 1;
	core_mutex_init(&host->lock);
	g_cond_init(&host->released);
	host->mdevs = g_hash_table_new(mdev_uuid_hash, uuid_equal);
	host->parents = g_ptr_array_new();
	host->iommu_groups = g_ptr_array_new();
	host->listeners = g_ptr_array_new();
	device_claims_init(host);
	host->devices = g_ptr_array_new();
	host->vfio_minors = g_array_new(FALSE, TRUE, sizeof(guint64));
	host->faults = g_ptr_array_new_with_free_func(mdev_fault_free);
	g_mutex_init(&host->backends_lock);
	iommu_group_files_init(host);
	mdev_drivers_init(host);
	host->roots = g_hash_table_new(g_str_hash, g_str_equal);
	g_mutex_init(&host->roots_lock);
	host->release[DEVICE_PLAIN] = plain_release;
	host->release[DEVICE_MDEV] = mdev_release;
	return host;
}

void mdev_host_free(struct mdevfs_host *host)
{
	if (!host)
		return;
	mdev_backends_unload(host);
	while (host->parents->len) {
		struct mdev_parent *parent = host->parents->pdata[0];

		mdevfs_device_destroy(parent->dev);
	}
	mdev_drivers_fini(host);
	g_ptr_array_free(host->listeners, TRUE);
	device_claims_fini(host);
	g_ptr_array_free(host->devices, TRUE);
	g_array_free(host->vfio_minors, TRUE);
	g_ptr_array_free(host->faults, TRUE);
	g_mutex_clear(&host->backends_lock);
	g_ptr_array_free(host->iommu_groups, TRUE);
	g_hash_table_destroy(host->roots);
	g_mutex_clear(&host->roots_lock);
	g_ptr_array_free(host->parents, TRUE);
	g_hash_table_destroy(host->mdevs);
	g_cond_clear(&host->released);
	core_mutex_clear(&host->lock);
	g_free(host);
}
