/* SPDX-License-Identifier: MIT */
/*
 * AP matrix arithmetic for the vfio_ap backend: 256-bit masks of adapter
 * and domain ids, sets of APQNs (adapter.domain queue numbers), the
 * APQN and ap_config parsers, and the text formats of the mdev files.
 * Nothing in here locks; the callers do.
 */
#ifndef VFIO_AP_MATRIX_H
#define VFIO_AP_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define AP_IDS 256  /* adapter and domain ids are 0..255 */

/* A mask of ids; id 0 is the leftmost (most significant) bit of b[0]. */
struct ap_bits {
	unsigned char b[AP_IDS / 8];
};

/* What an mdev is given: adapters, usage domains and control domains. */
struct ap_matrix {
	struct ap_bits apm;
	struct ap_bits aqm;
	struct ap_bits adm;
};

/* A set of APQNs: domain d of adapter a is in it if queues[a] has d. */
struct ap_apqns {
	struct ap_bits queues[AP_IDS];
};

bool ap_test(const struct ap_bits *m, unsigned int id);
void ap_assign(struct ap_bits *m, unsigned int id, bool on);
/* Whether a and b have an id in common. */
bool ap_meets(const struct ap_bits *a, const struct ap_bits *b);
/* The highest id set, or -1 if none. */
int ap_highest(const struct ap_bits *m);
bool ap_bits_equal(const struct ap_bits *a, const struct ap_bits *b);

/* Whether an APQN of apm x aqm is in set. */
bool ap_apqns_hit(const struct ap_apqns *set, const struct ap_bits *apm,
		  const struct ap_bits *aqm);
/* The adapters and domains with at least one queue in set. */
void ap_apqns_ids(const struct ap_apqns *set, struct ap_bits *apm,
		  struct ap_bits *aqm);

/*
 * The part of m a guest gets: adapters and domains the host has
 * (host_apm, host_aqm), less every adapter with an APQN that is not bound
 * to vfio_ap (bound == NULL: all are).  The architecture cannot leave out
 * a single APQN, so a whole adapter goes.
 */
void ap_guest_matrix(const struct ap_matrix *m, const struct ap_apqns *bound,
		     const struct ap_bits *host_apm, const struct ap_bits *host_aqm,
		     struct ap_bits *apm, struct ap_bits *aqm);

/* "05.0004": hex adapter (1-2 digits) and domain (1-4 digits), both < 256. */
bool ap_parse_apqn(const char *text, unsigned int *apid, unsigned int *apqi);
/* An ap_config write: three hex masks APM,AQM,ADM.  0 or -EINVAL. */
int ap_parse_config(const char *buf, size_t count, struct ap_matrix *out);

/* The show texts; each returns the length, at most a page less one. */
ssize_t ap_show_matrix(char *buf, const struct ap_bits *apm,
		       const struct ap_bits *aqm);
ssize_t ap_show_domains(char *buf, const struct ap_bits *adm);
ssize_t ap_show_config(char *buf, const struct ap_matrix *m);

#endif
