/* SPDX-License-Identifier: MIT */
/*
 * udev events for sandboxes: a core listener that sends the add, bind,
 * unbind, remove and MDEV_STATE change events the kernel and udevd would,
 * in libudev's netlink format, so `udevadm monitor --udev` and libudev
 * consumers (libvirt) see mdevs come and go.  Never in the host's network
 * namespace: real udev listeners there would believe it.
 */
#ifndef MDEVFS_UEVENT_H
#define MDEVFS_UEVENT_H

#include "core.h"
#include "event.h"

struct uevent_sender;

/*
 * Start sending for host.  Refused (NULL, message in error) unless the
 * process is in a network namespace other than the host's.
 */
struct uevent_sender *uevent_sender_start(struct mdevfs_host *host,
					  GError **error);
void uevent_sender_stop(struct uevent_sender *sender);

/* Whether this process's network namespace is a private one. */
gboolean uevent_netns_is_private(GError **error);

/* The property block of one event ("KEY=VALUE\0..."), for tests. */
GByteArray *uevent_properties(const char *action, const struct device *dev,
			      const char *const *extra, unsigned long long seqnum);

/*
 * The uevent a core event makes under profile: its action, and one extra
 * KEY=VALUE in *extra (g_free; NULL if none), or NULL for no uevent.
 */
const char *uevent_for(const struct mdev_profile *profile,
		       const struct mdev_event *ev, char **extra);

/* MurmurHash2 of data (the filter hash libudev puts in its header). */
guint32 uevent_murmur2(const void *data, size_t len, guint32 seed);

#endif
