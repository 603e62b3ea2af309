/* SPDX-License-Identifier: MIT */
/*
 * The AP bus as an s390 host shows it for the APQNs the backend was given:
 * the bus's root device devices/ap, a card device per adapter
 * (cardAA, bound to cex4card) and a queue device per APQN below its card
 * (AA.DDDD, bound to vfio_ap, or to cex4queue when the host's zcrypt
 * drivers keep it).  The values are those of a CEX7 coprocessor in CCA
 * mode, which the backend does not otherwise emulate.
 */
#ifndef VFIO_AP_BUS_H
#define VFIO_AP_BUS_H

#include <stdbool.h>

#include "ap_matrix.h"
#include "mdevfs/mdev.h"

struct ap_bus;

/* Whether an mdev holds APQN apid.apqi (a queue's vfio_ap status). */
typedef bool ap_assigned_fn(void *ctx, unsigned int apid, unsigned int apqi);

/* The devices for bound (vfio_ap) and reserved (cex4queue) APQNs; either
 * may be NULL.  NULL with errno set on failure (nothing left behind). */
struct ap_bus *ap_bus_create(struct mdevfs_host *host,
			     const struct ap_apqns *bound,
			     const struct ap_apqns *reserved,
			     ap_assigned_fn *assigned, void *ctx);
void ap_bus_destroy(struct ap_bus *bus);

#endif
