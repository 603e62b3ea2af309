// SPDX-License-Identifier: MIT
#include "event.h"

/*
 * Listeners are added at start-up and removed at shutdown, while no
 * operation runs, so delivery walks the array without a lock.
 */
void mdev_host_add_listener(struct mdevfs_host *host,
			    const struct mdev_listener *listener)
{
	g_ptr_array_add(host->listeners, (gpointer)listener);
}

void mdev_host_remove_listener(struct mdevfs_host *host,
			       const struct mdev_listener *listener)
{
	g_ptr_array_remove(host->listeners, (gpointer)listener);
}

void mdev_emit(struct mdevfs_host *host, const struct mdev_event *event)
{
	for (guint i = 0; i < host->listeners->len; i++) {
		const struct mdev_listener *l = host->listeners->pdata[i];

		l->notify(l->data, event);
	}
}
