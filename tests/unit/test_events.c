// SPDX-License-Identifier: MIT
/*
 * The order in which the core announces changes (event.h), Era E.  The
 * sysfs tree follows these events, so their order is the order in which
 * files and links appear: kernel.md 3.2 (Era E steps), 3.4 and 3.5.
 */
#include <errno.h>
#include <string.h>

#include "attrs.h"
#include "event.h"
#include "testutil.h"

#define U1 "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"
#define U2 "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002"

/* Vendor callbacks are logged as pseudo events between the real ones. */
enum { VENDOR_CREATE = 100, VENDOR_REMOVE, DRIVER_PROBE, DRIVER_REMOVE };

#define END (-1)

static struct mdevfs_host *h;
static GArray *log_types;              /* int */
static GArray *log_events;             /* struct mdev_event */
static int create_ret;

static void record(int type, const struct mdev_event *ev)
{
	struct mdev_event copy = { 0 };

	if (ev)
		copy = *ev;
	g_array_append_val(log_types, type);
	g_array_append_val(log_events, copy);
}

/* The VFIO char device under a bound mdev has its own events (checked in
 * vfio_dev_events); the lists here are the mdev's own lifecycle. */
static bool is_vfio_dev(const struct mdev_event *ev)
{
	return ev->dev && device_class_name(ev->dev) &&
	       strcmp(device_class_name(ev->dev), "vfio-dev") == 0;
}

static void on_event(void *data, const struct mdev_event *ev)
{
	ck_assert_ptr_eq(data, &log_types);
	if (!is_vfio_dev(ev))
		record((int)ev->type, ev);
}

static const struct mdev_listener listener = {
	.notify = on_event, .data = &log_types,
};

static int fake_create(struct mdev_device *mdev)
{
	(void)mdev;
	record(VENDOR_CREATE, NULL);
	return create_ret;
}

static int fake_remove(struct mdev_device *mdev)
{
	(void)mdev;
	record(VENDOR_REMOVE, NULL);
	return 0;
}

static int drv_probe(struct mdev_device *mdev)
{
	(void)mdev;
	record(DRIVER_PROBE, NULL);
	return 0;
}

static void drv_remove(struct mdev_device *mdev)
{
	(void)mdev;
	record(DRIVER_REMOVE, NULL);
}

static ssize_t info_show(struct device *dev, const struct device_attribute *attr,
			 char *buf)
{
	(void)dev;
	(void)attr;
	return sysfs_emit(buf, "info\n");
}

static DEVICE_ATTR_RO(info);
static const struct attribute *const info_attrs[] = { &dev_attr_info.attr, NULL };
static const struct attribute_group info_group = {
	.name = "vendor", .attrs = info_attrs,
};
static const struct attribute_group *const info_groups[] = { &info_group, NULL };
static const struct attribute_group drv_group = { .name = "drv", .attrs = info_attrs };
static const struct attribute_group *const drv_groups[] = { &drv_group, NULL };

static const struct attribute *const no_attrs[] = { NULL };
static const struct attribute_group group_a = { .name = "a", .attrs = no_attrs };
static const struct attribute_group *const one_type[] = { &group_a, NULL };

static const struct mdev_parent_ops plain_ops = {
	.device_api = "vfio-pci", .max_instances = 1,
	.supported_type_groups = one_type,
	.create = fake_create, .remove = fake_remove,
};
/* Vendor groups on every mdev, and parent groups (not shown in Era E). */
static const struct mdev_parent_ops grouped_ops = {
	.device_api = "vfio-pci", .max_instances = 1,
	.supported_type_groups = one_type,
	.mdev_attr_groups = info_groups, .dev_attr_groups = info_groups,
	.create = fake_create, .remove = fake_remove,
};

static const struct mdev_driver own_driver = {
	.name = "owndrv", .probe = drv_probe, .remove = drv_remove,
	.dev_groups = drv_groups,
};
/* A parent naming its own mdev driver: its probe replaces create. */
static const struct mdev_parent_ops driver_ops = {
	.device_driver = &own_driver, .device_api = "vfio-pci",
	.max_instances = 1, .supported_type_groups = one_type,
	.create = fake_create, .remove = fake_remove,
};

static void setup(void)
{
	create_ret = 0;
	log_types = g_array_new(FALSE, FALSE, sizeof(int));
	log_events = g_array_new(FALSE, FALSE, sizeof(struct mdev_event));
	h = mdev_host_new(NULL);
	mdev_host_add_listener(h, &listener);
}

static void teardown(void)
{
	if (h) {
		mdev_host_remove_listener(h, &listener);
		mdev_host_free(h);
	}
	h = NULL;
	g_array_free(log_types, TRUE);
	g_array_free(log_events, TRUE);
}

static void log_reset(void)
{
	g_array_set_size(log_types, 0);
	g_array_set_size(log_events, 0);
}

static const char *type_name(int type)
{
	static const char *const names[] = {
		[MDEV_EVENT_DEVICE_ADD] = "DEVICE_ADD",
		[MDEV_EVENT_DEVICE_DEL] = "DEVICE_DEL",
		[MDEV_EVENT_GROUPS_ADD] = "GROUPS_ADD",
		[MDEV_EVENT_GROUPS_DEL] = "GROUPS_DEL",
		[MDEV_EVENT_REMOVE_FILE_ADD] = "REMOVE_FILE_ADD",
		[MDEV_EVENT_REMOVE_FILE_DEL] = "REMOVE_FILE_DEL",
		[MDEV_EVENT_PARENT_ADD] = "PARENT_ADD",
		[MDEV_EVENT_PARENT_DEL] = "PARENT_DEL",
		[MDEV_EVENT_DRIVER_ADD] = "DRIVER_ADD",
		[MDEV_EVENT_DRIVER_DEL] = "DRIVER_DEL",
		[MDEV_EVENT_BIND] = "BIND",
		[MDEV_EVENT_UNBIND] = "UNBIND",
		[MDEV_EVENT_MDEV_LINK] = "MDEV_LINK",
		[MDEV_EVENT_MDEV_UNLINK] = "MDEV_UNLINK",
		[MDEV_EVENT_AVAILABLE] = "AVAILABLE",
		[MDEV_EVENT_ATTR_CHANGED] = "ATTR_CHANGED",
		[MDEV_EVENT_LINK_ADD] = "LINK_ADD",
		[MDEV_EVENT_LINK_DEL] = "LINK_DEL",
		[MDEV_EVENT_CREATED] = "CREATED",
	};

	switch (type) {
	case VENDOR_CREATE: return "vendor create";
	case VENDOR_REMOVE: return "vendor remove";
	case DRIVER_PROBE: return "driver probe";
	case DRIVER_REMOVE: return "driver remove";
	}
	if (type >= 0 && type < (int)G_N_ELEMENTS(names) && names[type])
		return names[type];
	return "?";
}

static char *describe(const int *types, guint n)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < n; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", type_name(types[i]));
	return g_string_free(s, FALSE);
}

/* The log must be exactly the END-terminated list want. */
static void assert_log(const int *want)
{
	guint n = 0;
	const int *got = (const int *)(void *)log_types->data;
	bool same;

	while (want[n] != END)
		n++;
	same = n == log_types->len && memcmp(got, want, n * sizeof(int)) == 0;
	if (!same) {
		g_autofree char *w = describe(want, n);
		g_autofree char *g = describe(got, log_types->len);

		ck_abort_msg("events:\n  got  [%s]\n  want [%s]", g, w);
	}
}

static const struct mdev_event *logged(guint i)
{
	ck_assert_uint_lt(i, log_events->len);
	return &g_array_index(log_events, struct mdev_event, i);
}

static struct mdev_parent *make_parent(const struct mdev_parent_ops *ops)
{
	struct device *dev = mdevfs_class_device_create(h, "fake", "fake0");

	ck_assert_ptr_nonnull(dev);
	ck_assert_int_eq(mdev_register_device(dev, ops), 0);
	return device_mdev_parent(dev);
}

static struct mdev_device *create(struct mdev_parent *p, const char *text,
				  int want)
{
	uuid_t uuid;

	test_uuid(text, uuid);
	ck_assert_int_eq(mdev_device_create(p->types[0], uuid), want);
	return peek_mdev(h, uuid);
}

/* ---- parents ------------------------------------------------------------- */

START_TEST(register_and_unregister)
{
	static const int want_add[] = {
		MDEV_EVENT_DEVICE_ADD, MDEV_EVENT_DRIVER_ADD,
		MDEV_EVENT_PARENT_ADD, END
	};
	static const int want_del[] = {
		MDEV_EVENT_PARENT_DEL, MDEV_EVENT_DRIVER_DEL,
		MDEV_EVENT_DEVICE_DEL, END
	};
	/* Era E shows no parent attribute groups: no GROUPS_ADD here. */
	struct mdev_parent *p = make_parent(&grouped_ops);
	struct device *dev = p->dev;

	assert_log(want_add);
	ck_assert_ptr_eq(logged(0)->dev, dev);
	/* The synthetic driver is named after the class. */
	ck_assert_str_eq(logged(1)->driver->name, "fake");
	ck_assert_ptr_eq(logged(2)->parent, p);
	log_reset();
	mdev_unregister_device(dev);
	mdevfs_device_destroy(dev);
	assert_log(want_del);
}
END_TEST

/* ---- create ---------------------------------------------------------------- */

START_TEST(create_order)
{
	static const int want[] = {
		MDEV_EVENT_DEVICE_ADD, MDEV_EVENT_REMOVE_FILE_ADD, VENDOR_CREATE,
		MDEV_EVENT_BIND, MDEV_EVENT_MDEV_LINK, MDEV_EVENT_AVAILABLE,
		MDEV_EVENT_CREATED, END
	};
	struct mdev_parent *p = make_parent(&plain_ops);
	struct mdev_device *mdev;

	log_reset();
	mdev = create(p, U1, 0);
	assert_log(want);
	for (guint i = 0; i < 5; i++) {
		if (i == 2)
			continue;
		ck_assert_ptr_eq(logged(i)->dev, mdev_dev(mdev));
	}
	ck_assert_ptr_eq(logged(1)->mdev, mdev);
	ck_assert_ptr_eq(logged(3)->mdev, mdev);
	ck_assert_str_eq(logged(3)->driver->name, "fake");
	ck_assert_ptr_eq(logged(4)->mdev, mdev);
	ck_assert_ptr_eq(logged(5)->parent, p);
}
END_TEST

START_TEST(create_order_with_vendor_groups)
{
	static const int want[] = {
		MDEV_EVENT_DEVICE_ADD, MDEV_EVENT_REMOVE_FILE_ADD, VENDOR_CREATE,
		MDEV_EVENT_BIND, MDEV_EVENT_GROUPS_ADD, MDEV_EVENT_MDEV_LINK,
		MDEV_EVENT_AVAILABLE,
		MDEV_EVENT_CREATED, END
	};
	struct mdev_parent *p = make_parent(&grouped_ops);
	struct mdev_device *mdev;

	log_reset();
	mdev = create(p, U1, 0);
	assert_log(want);
	ck_assert_ptr_eq(logged(4)->dev, mdev_dev(mdev));
	ck_assert_ptr_eq(logged(4)->groups, info_groups);
}
END_TEST

/* The parent's own driver probes (create is not called); its dev_groups
 * come right after the bind. */
START_TEST(create_order_own_driver)
{
	static const int want_reg[] = {
		MDEV_EVENT_DEVICE_ADD, MDEV_EVENT_DRIVER_ADD,
		MDEV_EVENT_PARENT_ADD, END
	};
	static const int want[] = {
		MDEV_EVENT_DEVICE_ADD, MDEV_EVENT_REMOVE_FILE_ADD, DRIVER_PROBE,
		MDEV_EVENT_BIND, MDEV_EVENT_GROUPS_ADD, MDEV_EVENT_MDEV_LINK,
		MDEV_EVENT_AVAILABLE,
		MDEV_EVENT_CREATED, END
	};
	static const int want_remove[] = {
		MDEV_EVENT_REMOVE_FILE_DEL, MDEV_EVENT_MDEV_UNLINK,
		MDEV_EVENT_GROUPS_DEL, DRIVER_REMOVE, MDEV_EVENT_UNBIND,
		MDEV_EVENT_DEVICE_DEL, MDEV_EVENT_AVAILABLE, END
	};
	struct mdev_parent *p = make_parent(&driver_ops);
	struct mdev_device *mdev;

	assert_log(want_reg);
	ck_assert_ptr_eq(logged(1)->driver, &own_driver);
	log_reset();
	mdev = create(p, U1, 0);
	assert_log(want);
	ck_assert_ptr_eq(logged(3)->driver, &own_driver);
	ck_assert_ptr_eq(logged(4)->groups, drv_groups);
	log_reset();
	ck_assert_int_eq(mdev_device_remove(mdev), 0);
	assert_log(want_remove);
	ck_assert_ptr_eq(logged(2)->groups, drv_groups);
}
END_TEST

/* A failing probe: the device was added and is deleted again. */
START_TEST(create_failure_order)
{
	static const int want[] = {
		MDEV_EVENT_DEVICE_ADD, MDEV_EVENT_REMOVE_FILE_ADD, VENDOR_CREATE,
		MDEV_EVENT_REMOVE_FILE_DEL, MDEV_EVENT_DEVICE_DEL,
		MDEV_EVENT_AVAILABLE,
		MDEV_EVENT_CREATED, END
	};
	struct mdev_parent *p = make_parent(&grouped_ops);

	log_reset();
	create_ret = -EIO;
	ck_assert_ptr_null(create(p, U1, -EIO));
	assert_log(want);
}
END_TEST

/* Refused before anything exists: no events at all. */
START_TEST(refused_creates_are_silent)
{
	static const int none[] = { END };
	struct mdev_parent *p = make_parent(&plain_ops);

	create(p, U1, 0);
	log_reset();
	create(p, U1, -EEXIST);
	assert_log(none);
	create(p, U2, -EUSERS);
	assert_log(none);
}
END_TEST

/* ---- remove ------------------------------------------------------------------ */

START_TEST(remove_order)
{
	static const int want[] = {
		MDEV_EVENT_REMOVE_FILE_DEL, MDEV_EVENT_MDEV_UNLINK, VENDOR_REMOVE,
		MDEV_EVENT_UNBIND, MDEV_EVENT_DEVICE_DEL, MDEV_EVENT_AVAILABLE,
		END
	};
	struct mdev_parent *p = make_parent(&plain_ops);
	struct mdev_device *mdev = create(p, U1, 0);

	log_reset();
	ck_assert_int_eq(mdev_device_remove(mdev), 0);
	assert_log(want);
	ck_assert_ptr_eq(logged(5)->parent, p);
}
END_TEST

START_TEST(remove_order_with_vendor_groups)
{
	static const int want[] = {
		MDEV_EVENT_REMOVE_FILE_DEL, MDEV_EVENT_MDEV_UNLINK,
		MDEV_EVENT_GROUPS_DEL, VENDOR_REMOVE, MDEV_EVENT_UNBIND,
		MDEV_EVENT_DEVICE_DEL, MDEV_EVENT_AVAILABLE, END
	};
	struct mdev_parent *p = make_parent(&grouped_ops);
	struct mdev_device *mdev = create(p, U1, 0);

	log_reset();
	ck_assert_int_eq(mdev_device_remove(mdev), 0);
	assert_log(want);
	ck_assert_ptr_eq(logged(2)->groups, info_groups);
}
END_TEST

/* The `remove` file deletes itself first; a later remove call on the
 * device removes nothing twice (the file event is not repeated). */
START_TEST(remove_file_self_then_remove)
{
	static const int want_self[] = { MDEV_EVENT_REMOVE_FILE_DEL, END };
	static const int want[] = {
		MDEV_EVENT_MDEV_UNLINK, VENDOR_REMOVE, MDEV_EVENT_UNBIND,
		MDEV_EVENT_DEVICE_DEL, MDEV_EVENT_AVAILABLE, END
	};
	struct mdev_parent *p = make_parent(&plain_ops);
	struct mdev_device *mdev = create(p, U1, 0);

	log_reset();
	ck_assert(mdev_remove_file_self(mdev));
	ck_assert(!mdev_remove_file_self(mdev));
	assert_log(want_self);
	log_reset();
	ck_assert_int_eq(mdev_device_remove(mdev), 0);
	assert_log(want);
}
END_TEST

START_TEST(unregister_with_live_device)
{
	static const int want[] = {
		MDEV_EVENT_REMOVE_FILE_DEL, MDEV_EVENT_MDEV_UNLINK, VENDOR_REMOVE,
		MDEV_EVENT_UNBIND, MDEV_EVENT_DEVICE_DEL, MDEV_EVENT_AVAILABLE,
		MDEV_EVENT_PARENT_DEL, MDEV_EVENT_DRIVER_DEL, END
	};
	struct mdev_parent *p = make_parent(&plain_ops);
	struct device *dev = p->dev;

	create(p, U1, 0);
	log_reset();
	mdev_unregister_device(dev);
	assert_log(want);
	mdevfs_device_destroy(dev);
}
END_TEST

START_TEST(sysfs_notify_event)
{
	static const int want[] = { MDEV_EVENT_ATTR_CHANGED, END };
	struct mdev_parent *p = make_parent(&plain_ops);

	log_reset();
	dev_sysfs_notify(p->dev, "grp", "attr");
	assert_log(want);
	ck_assert_ptr_eq(logged(0)->dev, p->dev);
	ck_assert_str_eq(logged(0)->group, "grp");
	ck_assert_str_eq(logged(0)->attr, "attr");
}
END_TEST

static Suite *events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = unit_tcase(s, "parent");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, register_and_unregister);
	tcase_add_test(tc, unregister_with_live_device);
	tcase_add_test(tc, sysfs_notify_event);

	tc = unit_tcase(s, "create");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, create_order);
	tcase_add_test(tc, create_order_with_vendor_groups);
	tcase_add_test(tc, create_order_own_driver);
	tcase_add_test(tc, create_failure_order);
	tcase_add_test(tc, refused_creates_are_silent);

	tc = unit_tcase(s, "remove");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, remove_order);
	tcase_add_test(tc, remove_order_with_vendor_groups);
	tcase_add_test(tc, remove_file_self_then_remove);
	return s;
}

int main(void)
{
	return run_suite(events_suite());
}
