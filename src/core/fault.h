/* SPDX-License-Identifier: MIT */
/*
 * Fault injection, for testing how management tools handle errors: the
 * next N creates, removes or vendor attribute writes on devices of a type
 * fail with a chosen errno and/or take a chosen delay.  A delayed create
 * waits where the vendor's create runs, so the device is already visible
 * and a concurrent remove gets EAGAIN, as with a slow kernel driver.
 */
#ifndef MDEVFS_FAULT_H
#define MDEVFS_FAULT_H

#include "core.h"

enum mdev_fault_op { FAULT_CREATE, FAULT_REMOVE, FAULT_STORE };

struct mdev_fault {
	enum mdev_fault_op op;
	char *type_id;         /* e.g. "mtty-2" */
	int count;             /* operations still affected; -1 = all */
	int error;             /* positive errno, or 0 for a delay only */
	unsigned int delay_ms;
};

/* Add a rule; later rules for the same op and type come after it. */
void mdev_fault_add(struct mdevfs_host *host, enum mdev_fault_op op,
		    const char *type_id, int count, int error,
		    unsigned int delay_ms);
void mdev_fault_clear(struct mdevfs_host *host);
/* One line per rule, for `mdevfs-ctl faults`. */
char *mdev_fault_describe(struct mdevfs_host *host);

/*
 * Called at the point where op happens on a device of type: consumes one
 * use of the first matching rule, sleeps its delay, and returns its
 * -errno (0 if none or delay only).
 */
int mdev_fault_hit(struct mdevfs_host *host, enum mdev_fault_op op,
		   const struct mdev_type *type);

/*
 * A delay ends early with -EINTR when the caller gives up (a signal
 * interrupted the request).  The front end points the current thread at
 * a flag it sets from its interrupt callback; NULL when it has none.
 */
void mdev_fault_set_cancel_flag(const volatile gint *flag);

void mdev_fault_free(gpointer fault);
const char *mdev_fault_op_name(enum mdev_fault_op op);

#endif
