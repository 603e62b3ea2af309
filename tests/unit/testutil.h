/* SPDX-License-Identifier: MIT */
/* Helpers shared by the unit test programs. */
#ifndef UNIT_TESTUTIL_H
#define UNIT_TESTUTIL_H

#include <check.h>
#include <glib.h>
#include <stdbool.h>

#include "core.h"
#include "core_peek.h"
#include "parse.h"


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
