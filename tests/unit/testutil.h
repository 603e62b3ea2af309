/* SPDX-License-Identifier: MIT */
/* Helpers shared by the unit test programs. */
#ifndef UNIT_TESTUTIL_H
#define UNIT_TESTUTIL_H

#include <check.h>
#include <glib.h>
#include <stdbool.h>

#include "core.h"
#include "parse.h"

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

/* Seconds a test case may take (valgrind runs are slow). */
#define UNIT_TIMEOUT 120

/* Parse a UUID literal with the product's parser; fails the test if bad. */
void test_uuid(const char *text, uuid_t out);

/* Run one suite with CK_NORMAL output; returns the exit status. */
int run_suite(Suite *suite);

/* A new test case with the unit timeout, added to suite. */
TCase *unit_tcase(Suite *suite, const char *name);

/*
 * A one-shot gate a vendor callback can stop at: gate_pass() records that
 * the caller arrived and blocks until gate_open(); the test thread waits
 * for the arrival with gate_wait_entered().
 */
struct gate {
	GMutex lock;
	GCond cond;
	bool entered;
	bool open;
};

void gate_init(struct gate *gate);
void gate_clear(struct gate *gate);
void gate_pass(struct gate *gate);
void gate_wait_entered(struct gate *gate);
void gate_open(struct gate *gate);

#endif
