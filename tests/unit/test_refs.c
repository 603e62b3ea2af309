// SPDX-License-Identifier: MIT
/*
 * Lifetimes as the driver core has them: lookups hold references, a
 * device outlives its removal while one is held, binding and removal of
 * one device are serialised, the lock rules are asserted in debug
 * builds, the registry's hash reads every byte of a UUID, and a create
 * past the memory budget is ENOMEM.  Issue #14, items 1, 3 and 4.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "attrs.h"
#include "driver.h"
#include "testutil.h"

#define U1 "2b8f5b0e-1c43-4b1e-9d5e-a3c0e2b4a001"

/* ---- a vendor that checks its callbacks ------------------------------ */

/* Every mdev the vendor has been given and not yet had taken back; a
 * second create of one, or a remove of one it does not have, is a
 * violation (the bug of the issue: two removes for one device). */
static struct {
	GMutex lock;
	GHashTable *live;
	int creates, removes, violations;
} vendor;

static int counting_create(struct mdev_device *mdev)
{
	g_mutex_lock(&vendor.lock);
	vendor.creates++;
	if (!g_hash_table_add(vendor.live, mdev))
		vendor.violations++;
	g_mutex_unlock(&vendor.lock);
	return 0;
}

static int counting_remove(struct mdev_device *mdev)
{
	g_mutex_lock(&vendor.lock);
	vendor.removes++;
	if (!g_hash_table_remove(vendor.live, mdev))
		vendor.violations++;
	g_mutex_unlock(&vendor.lock);
	return 0;
}

static const struct attribute *const no_attrs[] = { NULL };
static const struct attribute_group type_a = { .name = "a", .attrs = no_attrs };
static const struct attribute_group *const types[] = { &type_a, NULL };
static const struct mdev_parent_ops counting_ops = {
	.device_api = "vfio-pci", .supported_type_groups = types,
	.max_instances = 64,
	.create = counting_create, .remove = counting_remove,
};

static struct mdevfs_host *h;
static struct mdev_parent *parent;

static void start(const char *profile)
{
	struct device *dev;

	memset(&vendor, 0, sizeof(vendor));
	g_mutex_init(&vendor.lock);
	vendor.live = g_hash_table_new(NULL, NULL);
	h = mdev_host_new(profile ? mdev_profile_find(profile) : NULL);
	dev = mdevfs_class_device_create(h, "counting", "counting0");
	ck_assert_ptr_nonnull(dev);
	ck_assert_int_eq(mdev_register_device(dev, &counting_ops), 0);
	parent = device_mdev_parent(dev);
}

static void setup(void)
{
	start(NULL);
}

static void setup_5_10(void)
{
	start("5.10");
}

static void teardown(void)
{
	mdev_host_free(h);
	h = NULL;
	ck_assert_int_eq(vendor.violations, 0);
	ck_assert_int_eq(vendor.creates, vendor.removes);
	g_hash_table_destroy(vendor.live);
	g_mutex_clear(&vendor.lock);
}

/* ---- files, written as the tree writes them -------------------------- */

static const struct attribute *named(const struct attribute_group *const *g,
				     const char *name)
{
	for (const struct attribute *const *a = g[0]->attrs; *a; a++)
		if (strcmp((*a)->name, name) == 0)
			return *a;
	ck_abort_msg("no attribute %s", name);
	return NULL;
}

static struct driver_entry *entry_of(const struct mdev_driver *drv)
{
	for (guint i = 0; i < h->drivers->len; i++) {
		struct driver_entry *e = h->drivers->pdata[i];

		if (e->drv == drv)
			return e;
	}
	ck_abort_msg("driver not registered");
	return NULL;
}

static ssize_t write_driver(const char *file, const char *text)
{
	struct driver_entry *e = entry_of(parent->driver);

	return sysfs_attr_store(ATTR_OF_DRIVER, e,
				named(driver_core_groups, file), text,
				strlen(text));
}

static ssize_t write_bus(const char *file, const char *text)
{
	return sysfs_attr_store(ATTR_OF_BUS, h, named(bus_core_groups, file),
				text, strlen(text));
}

static ssize_t write_remove(struct mdev_device *mdev)
{
	return sysfs_attr_store(ATTR_OF_DEVICE, mdev_dev(mdev),
				mdev_remove_groups[0]->attrs[0], "1\n", 2);
}

static struct mdev_device *create_nth(unsigned int n, char *name)
{
	uuid_t uuid;

	snprintf(name, 37, "2b8f5b0e-1c43-4b1e-9d5e-%012x", n);
	test_uuid(name, uuid);
	ck_assert_int_eq(mdev_device_create(parent->types[0], uuid), 0);
	return peek_mdev(h, uuid);
}

/* ---- item 1: unbind racing remove ------------------------------------ */

struct racer {
	struct mdev_device *mdev;
	char name[40];
	ssize_t ret;
};

static gpointer unbind_thread(gpointer data)
{
	struct racer *r = data;

	r->ret = write_driver("unbind", r->name);
	return NULL;
}

static gpointer remove_thread(gpointer data)
{
	struct racer *r = data;

	r->ret = write_remove(r->mdev);
	return NULL;
}

/*
 * The reproduction of the issue: an unbind and a remove of one device at
 * once.  Each device must get exactly one vendor remove, the write to
 * remove must succeed, and the unbind may find it or not (ENODEV).
 */
START_TEST(unbind_races_remove)
{
	for (unsigned int i = 0; i < 300; i++) {
		struct racer unbind = { 0 }, remove = { 0 };
		GThread *a, *b;

		remove.mdev = create_nth(i, unbind.name);
		strcat(unbind.name, "\n");
		a = g_thread_new("unbind", unbind_thread, &unbind);
		b = g_thread_new("remove", remove_thread, &remove);
		g_thread_join(a);
		g_thread_join(b);
		ck_assert_int_eq(remove.ret, 2);
		ck_assert_msg(unbind.ret == 37 || unbind.ret == -ENODEV,
			      "unbind gave %zd", unbind.ret);
		ck_assert_int_eq(vendor.creates, (int)i + 1);
		ck_assert_int_eq(vendor.removes, (int)i + 1);
		ck_assert_int_eq(vendor.violations, 0);
	}
	ck_assert_uint_eq(mdev_host_device_count(h), 0);
	ck_assert_int_eq(mdev_type_available(parent->types[0]), 64);
}
END_TEST

/* A lookup's reference keeps the device, and its UUID, past its removal;
 * the last put gives both back. */
START_TEST(lookup_reference_outlives_remove)
{
	char name[40];
	struct mdev_device *mdev = create_nth(1, name);
	struct mdev_device *held;
	uuid_t uuid;

	test_uuid(name, uuid);
	held = mdev_host_find(h, uuid);
	ck_assert_ptr_eq(held, mdev);
	ck_assert_int_eq(write_remove(mdev), 2);
	/* Gone from the bus: no lookup finds it, no unbind reaches it. */
	ck_assert_ptr_null(mdev_host_find(h, uuid));
	strcat(name, "\n");
	ck_assert_int_eq(write_driver("unbind", name), -ENODEV);
	ck_assert_int_eq(write_bus("drivers_probe", name), -ENODEV);
	/* Still ours to read, and the UUID is still taken. */
	ck_assert_str_eq(dev_name(mdev_dev(held)), "2b8f5b0e-1c43-4b1e-9d5e-000000000001");
	ck_assert_int_eq(mdev_device_create(parent->types[0], uuid), -EEXIST);
	ck_assert_int_eq(mdev_type_available(parent->types[0]), 63);
	put_device(mdev_dev(held));
	ck_assert_int_eq(mdev_type_available(parent->types[0]), 64);
	ck_assert_int_eq(mdev_device_create(parent->types[0], uuid), 0);
	ck_assert_int_eq(vendor.removes, 1);
}
END_TEST

/* A parent unregistered while one of its mdevs is held lives on until
 * that mdev goes: the mdev's release still finds its parent. */
START_TEST(parent_outlives_unregistration)
{
	char name[40];
	struct mdev_device *mdev = create_nth(2, name);
	struct device *dev = parent->dev;
	uuid_t uuid;

	test_uuid(name, uuid);
	ck_assert_ptr_eq(mdev_host_find(h, uuid), mdev);
	ck_assert_int_eq(mdev_host_unregister_parent(h, "counting0"), 0);
	ck_assert_ptr_null(device_mdev_parent(dev));
	ck_assert_int_eq(vendor.removes, 1);
	/* Released now: under ASan a freed parent would show here. */
	put_device(mdev_dev(mdev));
	ck_assert_uint_eq(mdev_host_device_count(h), 0);
	ck_assert_int_eq(mdev_host_register_parent(h, "counting0"), 0);
	parent = device_mdev_parent(dev);
}
END_TEST

/* Control commands run concurrently with a backend's unload: register
 * and unregister of the parent racing the destruction of its device. */
static gpointer toggle_thread(gpointer data)
{
	int *stop = data;

	while (!g_atomic_int_get(stop)) {
		mdev_host_unregister_parent(h, "counting1");
		mdev_host_register_parent(h, "counting1");
	}
	return NULL;
}

START_TEST(control_races_device_destroy)
{
	for (int round = 0; round < 50; round++) {
		struct device *dev = mdevfs_class_device_create(h, "counting",
								 "counting1");
		int stop = 0;
		GThread *t;

		ck_assert_ptr_nonnull(dev);
		ck_assert_int_eq(mdev_register_device(dev, &counting_ops), 0);
		t = g_thread_new("toggle", toggle_thread, &stop);
		g_usleep(200);
		mdevfs_device_destroy(dev);
		g_atomic_int_set(&stop, 1);
		g_thread_join(t);
		/* Gone for good: nothing registered it again. */
		ck_assert_ptr_null(peek_parent(h, "counting1"));
		ck_assert_int_eq(mdev_host_register_parent(h, "counting1"), -ENOENT);
	}
}
END_TEST

/* ---- item 1 before 5.13: bind, unbind, drivers_probe and remove ------ */

struct churn {
	struct mdev_device *mdev;
	char name[48];
	int op;
};

static gpointer churn_thread(gpointer data)
{
	struct churn *c = data;

	switch (c->op) {
	case 0:
		write_driver("unbind", c->name);
		break;
	case 1:
		write_driver("bind", c->name);
		break;
	case 2:
		write_bus("drivers_probe", c->name);
		break;
	default:
		write_remove(c->mdev);
	}
	return NULL;
}

/* Where the bus matches, a device can be bound again; all four writers
 * at once on one device, over and over: never a second vendor remove. */
START_TEST(bind_unbind_probe_remove_race)
{
	for (unsigned int i = 0; i < 200; i++) {
		struct churn c[4];
		GThread *t[4];
		char name[40];
		struct mdev_device *mdev = create_nth(i, name);

		for (int k = 0; k < 4; k++) {
			c[k].mdev = mdev;
			c[k].op = k;
			snprintf(c[k].name, sizeof(c[k].name), "%s\n", name);
			t[k] = g_thread_new("churn", churn_thread, &c[k]);
		}
		for (int k = 0; k < 4; k++)
			g_thread_join(t[k]);
	}
	ck_assert_uint_eq(mdev_host_device_count(h), 0);
	ck_assert_int_eq(vendor.creates, 200);
	ck_assert_int_eq(vendor.removes, 200);
}
END_TEST

/* Before 5.13 an unbound device is bound again by drivers_probe. */
START_TEST(drivers_probe_binds_unbound)
{
	char name[40];
	struct mdev_device *mdev = create_nth(3, name);

	strcat(name, "\n");
	ck_assert_ptr_nonnull(mdev->driver);
	ck_assert_int_eq(write_driver("unbind", name), 37);
	ck_assert_ptr_null(mdev->driver);
	ck_assert_int_eq(write_bus("drivers_probe", name), 37);
	ck_assert_ptr_eq(mdev->driver, parent->driver);
	ck_assert_int_eq(write_driver("bind", name), -EBUSY);
	ck_assert_int_eq(write_remove(mdev), 2);
}
END_TEST

/* ---- item 1: lock rules asserted in debug builds --------------------- */

#ifndef NDEBUG
/* Binding without the device lock is a bug the core refuses to run. */
START_TEST(bind_without_device_lock_aborts)
{
	char name[40];
	struct mdev_device *mdev = create_nth(4, name);

	ck_assert_int_eq(write_driver("unbind", name), 36);
	mdev_bind(mdev, parent->driver);
}
END_TEST

/* The host lock comes after a device lock, never before one. */
START_TEST(device_lock_under_host_lock_aborts)
{
	host_lock(h);
	device_lock(parent->dev);
}
END_TEST
#endif

/* ---- item 3: the UUID hash ------------------------------------------- */

/* UUIDs that differ only in one part must still spread over the hash:
 * the old hash read bytes 12-15 alone, so UUIDs alike there collided. */
static guint distinct_hashes(unsigned int vary_at)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);

	for (guint32 i = 0; i < 4096; i++) {
		uuid_t uuid;

		test_uuid(U1, uuid);
		memcpy(uuid + vary_at, &i, sizeof(i));
		g_hash_table_add(seen, GUINT_TO_POINTER(mdev_uuid_hash(uuid)));
	}
	return g_hash_table_size(seen);
}

START_TEST(uuid_hash_reads_every_byte)
{
	for (unsigned int at = 0; at <= 12; at += 4)
		ck_assert_msg(distinct_hashes(at) >= 4090,
			      "varying bytes %u-%u: %u distinct hashes of 4096",
			      at, at + 3, distinct_hashes(at));
}
END_TEST

/* ---- item 4: the memory budget --------------------------------------- */

START_TEST(create_past_budget_is_enomem)
{
	char name[40];
	struct mdev_device *first;
	uuid_t uuid;

	mdev_host_set_max_mdevs(h, 3);
	first = create_nth(10, name);
	create_nth(11, name);
	create_nth(12, name);
	snprintf(name, sizeof(name), "2b8f5b0e-1c43-4b1e-9d5e-%012x", 13);
	test_uuid(name, uuid);
	ck_assert_int_eq(mdev_device_create(parent->types[0], uuid), -ENOMEM);
	/* Nothing changed: the count, the capacity and the others stay. */
	ck_assert_uint_eq(mdev_host_device_count(h), 3);
	ck_assert_int_eq(mdev_type_available(parent->types[0]), 61);
	ck_assert_int_eq(vendor.creates, 3);
	ck_assert_int_eq(write_remove(first), 2);
	ck_assert_int_eq(mdev_device_create(parent->types[0], uuid), 0);
}
END_TEST

/* A limit on the process gives a budget.  Not in sanitizer builds,
 * whose runtime cannot live within such a limit. */
#ifndef MDEVFS_SANITIZED
START_TEST(budget_follows_rlimit)
{
	struct rlimit old, lim;

	ck_assert_int_eq(getrlimit(RLIMIT_DATA, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)640 << 20;
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < lim.rlim_cur)
		lim.rlim_cur = old.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_DATA, &lim), 0);
	/* (640 MiB - the 128 MiB reserve) / 4 KiB, unless a smaller limit
	 * (RLIMIT_AS, the cgroup) applies too. */
	ck_assert_uint_le(mdev_memory_budget(4096), 131072);
	ck_assert_uint_gt(mdev_memory_budget(4096), 0);
	ck_assert_int_eq(setrlimit(RLIMIT_DATA, &old), 0);
}
END_TEST
#endif

int main(void)
{
	Suite *s = suite_create("refs");
	TCase *tc;

	tc = unit_tcase(s, "lifetimes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unbind_races_remove);
	tcase_add_test(tc, lookup_reference_outlives_remove);
	tcase_add_test(tc, parent_outlives_unregistration);
	tcase_add_test(tc, control_races_device_destroy);
	tcase_add_test(tc, uuid_hash_reads_every_byte);
	tcase_add_test(tc, create_past_budget_is_enomem);
#ifndef MDEVFS_SANITIZED
	tcase_add_test(tc, budget_follows_rlimit);
#endif

	tc = unit_tcase(s, "bus_matches");
	tcase_add_checked_fixture(tc, setup_5_10, teardown);
	tcase_add_test(tc, bind_unbind_probe_remove_race);
	tcase_add_test(tc, drivers_probe_binds_unbound);

#ifndef NDEBUG
	tc = unit_tcase(s, "lockdep");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test_raise_signal(tc, bind_without_device_lock_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, device_lock_under_host_lock_aborts, SIGABRT);
#endif
	return run_suite(s);
}
