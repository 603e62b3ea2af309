// SPDX-License-Identifier: MIT
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

void test_uuid(const char *text, uuid_t out)
{
	ck_assert_int_eq(mdev_parse_uuid(text, strlen(text), out), 0);
}

int run_suite(Suite *suite)
{
	SRunner *runner = srunner_create(suite);
	int failed;

	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

TCase *unit_tcase(Suite *suite, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, UNIT_TIMEOUT);
	suite_add_tcase(suite, tc);
	return tc;
}

void gate_init(struct gate *gate)
{
	g_mutex_init(&gate->lock);
	g_cond_init(&gate->cond);
	gate->entered = false;
	gate->open = false;
}

void gate_clear(struct gate *gate)
{
	g_cond_clear(&gate->cond);
	g_mutex_clear(&gate->lock);
}

void gate_pass(struct gate *gate)
{
	g_mutex_lock(&gate->lock);
	gate->entered = true;
	g_cond_broadcast(&gate->cond);
	while (!gate->open)
		g_cond_wait(&gate->cond, &gate->lock);
	g_mutex_unlock(&gate->lock);
}

void gate_wait_entered(struct gate *gate)
{
	g_mutex_lock(&gate->lock);
	while (!gate->entered)
		g_cond_wait(&gate->cond, &gate->lock);
	g_mutex_unlock(&gate->lock);
}

void gate_open(struct gate *gate)
{
	g_mutex_lock(&gate->lock);
	gate->open = true;
	g_cond_broadcast(&gate->cond);
	g_mutex_unlock(&gate->lock);
}
