// SPDX-License-Identifier: MIT
/*
 * The control interface's commands (what mdevfs-ctl sends), run against
 * a host directly: backends in and out, parent hot-unplug with live
 * devices, and fault injection.
 */
#include <errno.h>
#include <string.h>

#include "backend_test.h"
#include "control.h"

#define T "devices/virtual/mtty/mtty/mdev_supported_types"
#define U1 "22222222-2222-4333-8444-555555555555"
#define U2 "22222222-2222-4333-8444-666666666666"

static struct bt bt;
static const char *const dirs[] = { BACKEND_DIR, NULL };

/* Run a command; assert the reply's first line and return the rest. */
static char *run(const char *line, const char *status)
{
	char *reply = control_execute(bt.host, dirs, line);
	char *nl = strchr(reply, '\n');
	char *rest;

	ck_assert_msg(nl, "reply to '%s' has no line: %s", line, reply);
	ck_assert_msg(strncmp(reply, status, strlen(status)) == 0,
		      "'%s' answered '%s', want '%s...'", line, reply, status);
	rest = g_strdup(nl + 1);
	g_free(reply);
	return rest;
}

static void run_ok(const char *line)
{
	g_free(run(line, "ok"));
}

START_TEST(load_and_unload)
{
	char *out;

	bt_start(&bt, NULL);
	run_ok("load mtty");
	run_ok("load mdpy:count=2");
	out = run("backends", "ok");
	ck_assert_str_eq(out, "mtty\nmdpy\n");
	g_free(out);
	ck_assert(bt_exists(&bt, "class/mdev_bus/mdpy"));
	bt_expect_write(&bt, "devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-vga/create", U1, 0);
	run_ok("unload mdpy");
	ck_assert(!bt_exists(&bt, "class/mdev_bus/mdpy"));
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U1));
	ck_assert(!bt_exists(&bt, "bus/mdev/drivers/mdpy"));
	g_free(run("unload mdpy", "error: no backend 'mdpy'"));
	g_free(run("load nosuch", "error: backend 'nosuch' not found"));
	g_free(run("load", "error: usage"));
	bt_stop(&bt);
}
END_TEST

/* Unregistering a parent force-removes its devices (kernel.md 3.6) and
 * registering it again gives a fresh, full parent. */
START_TEST(parent_hot_unplug)
{
	char *out;

	bt_start(&bt, NULL);
	run_ok("load mtty");
	bt_expect_write(&bt, T "/mtty-2/create", U1, 0);
	bt_expect_write(&bt, T "/mtty-1/create", U2, 0);
	run_ok("unregister mtty");
	out = run("parents", "ok");
	ck_assert_str_eq(out, "mtty unregistered\n");
	g_free(out);
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U1));
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U2));
	ck_assert(!bt_exists(&bt, "class/mdev_bus/mtty"));
	ck_assert(!bt_exists(&bt, T));
	ck_assert(!bt_exists(&bt, "kernel/iommu_groups/0"));
	/* The device itself stays, like a PCI function whose driver left. */
	ck_assert(bt_exists(&bt, "devices/virtual/mtty/mtty/uevent"));
	g_free(run("unregister mtty", "error: mtty: Operation already in progress"));
	run_ok("register mtty");
	bt_expect(&bt, T "/mtty-1/available_instances", "24\n");
	bt_expect_write(&bt, T "/mtty-2/create", U1, 0);
	g_free(run("unregister nosuch", "error: nosuch: No such file"));
	bt_stop(&bt);
}
END_TEST

START_TEST(fault_errno_and_count)
{
	bt_start(&bt, NULL);
	run_ok("load mtty");
	run_ok("fault create mtty-2 errno=EIO count=2");
	bt_expect_write(&bt, T "/mtty-2/create", U1, EIO);
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U1));
	bt_expect(&bt, T "/mtty-2/available_instances", "12\n");
	bt_expect_write(&bt, T "/mtty-2/create", U1, EIO);
	bt_expect_write(&bt, T "/mtty-2/create", U1, 0);
	/* Other types are untouched. */
	run_ok("fault create mtty-1 errno=ENOSPC count=all");
	bt_expect_write(&bt, T "/mtty-1/create", U2, ENOSPC);
	bt_expect_write(&bt, T "/mtty-1/create", U2, ENOSPC);
	run_ok("fault clear");
	bt_expect_write(&bt, T "/mtty-1/create", U2, 0);
	run_ok("fault remove mtty-1 errno=EBUSY");
	bt_expect_write(&bt, "bus/mdev/devices/" U2 "/remove", "1", EBUSY);
	ck_assert(bt_exists(&bt, "bus/mdev/devices/" U2));
	run_ok("fault store mtty-2 errno=EINVAL");
	bt_expect_write(&bt, "bus/mdev/devices/" U1 "/uevent", "change", EINVAL);
	bt_expect_write(&bt, "bus/mdev/devices/" U1 "/uevent", "change", 0);
	g_free(run("fault create mtty-1", "error: a fault needs"));
	g_free(run("fault create mtty-1 errno=EWHAT", "error: bad fault argument"));
	g_free(run("fault bogus mtty-1 errno=EIO", "error: usage"));
	g_free(run("fault create mtty-3 errno=EIO", "error: no mdev type 'mtty-3'"));
	g_free(run("fault remove mdpy-vga errno=EIO", "error: no mdev type"));
	bt_stop(&bt);
}
END_TEST

/* Every errno name <errno.h> defines, as the keyfile backend reads them. */
START_TEST(fault_errno_any_name)
{
	bt_start(&bt, NULL);
	run_ok("load mtty");
	run_ok("fault create mtty-2 errno=EDQUOT");
	bt_expect_write(&bt, T "/mtty-2/create", U1, EDQUOT);
	run_ok("fault create mtty-2 errno=EHWPOISON");
	bt_expect_write(&bt, T "/mtty-2/create", U1, EHWPOISON);
	run_ok("fault create mtty-2 errno=EWOULDBLOCK");
	bt_expect_write(&bt, T "/mtty-2/create", U1, EAGAIN);
	run_ok("fault create mtty-2 errno=4095");
	bt_expect_write(&bt, T "/mtty-2/create", U1, 4095);
	g_free(run("fault create mtty-2 errno=0", "error: bad fault argument"));
	g_free(run("fault create mtty-2 errno=4096", "error: bad fault argument"));
	g_free(run("fault create mtty-2 errno=edquot", "error: bad fault argument"));
	bt_expect_write(&bt, T "/mtty-2/create", U1, 0);
	bt_stop(&bt);
}
END_TEST

struct job {
	const char *path, *text;
	int ret;
};

static gpointer write_job(gpointer data)
{
	struct job *job = data;

	job->ret = bt_write(&bt, job->path, job->text);
	return NULL;
}

/* A delayed create: the device is visible, and a remove now is EAGAIN. */
START_TEST(fault_delay_makes_remove_eagain)
{
	struct job create = { T "/mtty-2/create", U1, -1 };
	GThread *t;
	gint64 start;

	bt_start(&bt, NULL);
	run_ok("load mtty");
	run_ok("fault create mtty-2 delay=400");
	start = g_get_monotonic_time();
	t = g_thread_new("create", write_job, &create);
	while (!bt_exists(&bt, "devices/virtual/mtty/mtty/" U1 "/remove"))
		g_usleep(1000);
	bt_expect_write(&bt, "devices/virtual/mtty/mtty/" U1 "/remove", "1", EAGAIN);
	g_thread_join(t);
	ck_assert_int_eq(create.ret, 0);
	ck_assert_int_ge(g_get_monotonic_time() - start, 400000);
	ck_assert(bt_exists(&bt, "bus/mdev/devices/" U1));
	bt_stop(&bt);
}
END_TEST

START_TEST(bad_commands)
{
	bt_start(&bt, NULL);
	g_free(run("", "error: empty command"));
	g_free(run("launch rockets", "error: unknown command 'launch'"));
	g_free(run("backends extra", "error: usage"));
	bt_stop(&bt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("commands");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, load_and_unload);
	tcase_add_test(tc, parent_hot_unplug);
	tcase_add_test(tc, fault_errno_and_count);
	tcase_add_test(tc, fault_errno_any_name);
	tcase_add_test(tc, fault_delay_makes_remove_eagain);
	tcase_add_test(tc, bad_commands);
	suite_add_tcase(s, tc);
	return bt_run(s);
}
