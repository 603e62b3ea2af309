// SPDX-License-Identifier: MIT
/*
 * The mdev lifecycle in the core, Era E (the default profile): capacity,
 * duplicate UUIDs, vendor failures, parent (un)registration, EAGAIN and
 * ENODEV races, and concurrent creates.  kernel.md 3.2, 3.5, 3.6, 3.7.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "event.h"
#include "testutil.h"

#define U1 "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"
#define U1_UPPER "83B8F4F2-509F-382F-3C1E-E6BFE0FA1001"
#define U2 "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002"
#define U3 "83b8f4f2-509f-382f-3c1e-e6bfe0fa1003"

#define NR_THREADS 8

/* ---- a test vendor driver ------------------------------------------ */

static struct {
	int create_ret;            /* what the vendor create returns */
	struct gate *create_gate;  /* if set, create stops here */
	struct gate *remove_gate;  /* if set, remove stops here */
	int creates;               /* calls, counted atomically */
	int removes;
} vendor;

static int fake_create(struct mdev_device *mdev)
{
	(void)mdev;
	g_atomic_int_inc(&vendor.creates);
	if (vendor.create_gate)
		gate_pass(vendor.create_gate);
	return vendor.create_ret;
}

static int fake_remove(struct mdev_device *mdev)
{
	(void)mdev;
	g_atomic_int_inc(&vendor.removes);
	if (vendor.remove_gate)
		gate_pass(vendor.remove_gate);
	return 0;
}

static const struct attribute *const no_attrs[] = { NULL };
static const struct attribute_group group_a = { .name = "a", .attrs = no_attrs };
static const struct attribute_group group_b = { .name = "b", .attrs = no_attrs };
static const struct attribute_group group_a2 = { .name = "a", .attrs = no_attrs };
static const struct attribute_group group_noname = { .attrs = no_attrs };
static const struct attribute_group *const two_types[] = {
	&group_a, &group_b, NULL
};
static const struct attribute_group *const same_name_types[] = {
	&group_a, &group_a2, NULL
};
static const struct attribute_group *const noname_types[] = {
	&group_a, &group_noname, NULL
};
static const struct attribute_group *const empty_types[] = { NULL };

#define FAKE_OPS(...)                                                      \
	{ .device_api = "vfio-pci", .supported_type_groups = two_types,   \
	  .create = fake_create, .remove = fake_remove, __VA_ARGS__ }

/* Core counter of 2 shared by both types. */
static const struct mdev_parent_ops two_ops = FAKE_OPS(.max_instances = 2);
/* Room for the concurrency tests. */
static const struct mdev_parent_ops roomy_ops = FAKE_OPS(.max_instances = 16);
/* Neither max_instances nor get_available. */
static const struct mdev_parent_ops no_capacity_ops = FAKE_OPS();

/* ---- fixture ------------------------------------------------------- */

static struct mdevfs_host *h;

static void setup(void)
{
	memset(&vendor, 0, sizeof(vendor));
	h = mdev_host_new(NULL);
	ck_assert_ptr_nonnull(h);
}

static void teardown(void)
{
	mdev_host_free(h);
	h = NULL;
}

static struct mdev_parent *make_parent(const char *name,
				       const struct mdev_parent_ops *ops)
{
	struct device *dev = mdevfs_class_device_create(h, "fake", name);

	ck_assert_ptr_nonnull(dev);
	ck_assert_int_eq(mdev_register_device(dev, ops), 0);
	ck_assert_ptr_nonnull(device_mdev_parent(dev));
	return device_mdev_parent(dev);
}

static int create(struct mdev_type *type, const char *text)
{
	uuid_t uuid;

	test_uuid(text, uuid);
	return mdev_device_create(type, uuid);
}

static struct mdev_device *find(const char *text)
{
	uuid_t uuid;

	test_uuid(text, uuid);
	return peek_mdev(h, uuid);
}

static int remove_uuid(const char *text)
{
	struct mdev_device *mdev = find(text);

	ck_assert_msg(mdev != NULL, "%s not found", text);
	return mdev_device_remove(mdev);
}

static void assert_available(struct mdev_parent *p, int a, int b)
{
	ck_assert_int_eq(mdev_type_available(p->types[0]), a);
	ck_assert_int_eq(mdev_type_available(p->types[1]), b);
}

/* ---- registration ---------------------------------------------------- */

START_TEST(types_and_lookups)
{
	struct mdev_parent *p = make_parent("fake0", &two_ops);

	ck_assert_uint_eq(p->nr_types, 2);
	ck_assert_str_eq(mtype_name(p->types[0]), "fake-a");
	ck_assert_str_eq(mtype_name(p->types[1]), "fake-b");
	ck_assert_int_eq(mtype_get_type_group_id(p->types[1]), 1);
	ck_assert_ptr_eq(mdev_parent_find_type(p, "fake-b"), p->types[1]);
	ck_assert_ptr_null(mdev_parent_find_type(p, "fake-c"));
	ck_assert_ptr_null(mdev_parent_find_type(p, "b"));
	ck_assert_ptr_eq(peek_parent(h, "fake0"), p);
	ck_assert_ptr_null(peek_parent(h, "fake1"));
	ck_assert_ptr_eq(mtype_get_parent_dev(p->types[0]), p->dev);
	assert_available(p, 2, 2);
}
END_TEST

static void assert_register_fails(const struct mdev_parent_ops *ops, int err)
{
	struct device *dev = mdevfs_class_device_create(h, "fake", "bad0");

	ck_assert_ptr_nonnull(dev);
	ck_assert_int_eq(mdev_register_device(dev, ops), err);
	ck_assert_ptr_null(device_mdev_parent(dev));
	ck_assert_ptr_null(peek_parent(h, "bad0"));
	mdevfs_device_destroy(dev);
}

START_TEST(register_rejects_bad_ops)
{
	static const struct mdev_parent_ops no_api = {
		.max_instances = 1, .supported_type_groups = two_types,
	};
	static const struct mdev_parent_ops no_types = {
		.device_api = "vfio-pci", .max_instances = 1,
	};
	static const struct mdev_parent_ops zero_types = {
		.device_api = "vfio-pci", .supported_type_groups = empty_types,
	};
	static const struct mdev_parent_ops dup_types = {
		.device_api = "vfio-pci", .supported_type_groups = same_name_types,
	};
	static const struct mdev_parent_ops unnamed_type = {
		.device_api = "vfio-pci", .supported_type_groups = noname_types,
	};

	assert_register_fails(NULL, -EINVAL);
	assert_register_fails(&no_api, -EINVAL);
	assert_register_fails(&no_types, -EINVAL);
	assert_register_fails(&zero_types, -EINVAL);
	assert_register_fails(&dup_types, -EEXIST);
	assert_register_fails(&unnamed_type, -EINVAL);
}
END_TEST

START_TEST(register_twice)
{
	struct mdev_parent *p = make_parent("fake0", &two_ops);

	ck_assert_int_eq(mdev_register_device(p->dev, &roomy_ops), -EEXIST);
	ck_assert_ptr_eq(device_mdev_parent(p->dev), p);
	ck_assert_ptr_eq(p->ops, &two_ops);
	assert_available(p, 2, 2);
}
END_TEST

/* A path, and a name within a subsystem, belong to one device at a time. */
START_TEST(device_names_are_unique)
{
	const struct mdevfs_device_desc elsewhere = {
		.name = "dup0", .class_name = "fake",
		.parent_path = "devices/virtual/other",
	};
	const struct mdevfs_device_desc other_class = {
		.name = "dup0", .class_name = "fake2",
		.parent_path = "devices/virtual/third",
	};
	struct device *a = mdevfs_class_device_create(h, "fake", "dup0"), *b;

	ck_assert_ptr_nonnull(a);
	errno = 0;
	ck_assert_ptr_null(mdevfs_class_device_create(h, "fake", "dup0"));
	ck_assert_int_eq(errno, EEXIST);
	/* Another path, but class/fake/dup0 is taken. */
	errno = 0;
	ck_assert_ptr_null(mdevfs_device_create(h, &elsewhere));
	ck_assert_int_eq(errno, EEXIST);
	b = mdevfs_device_create(h, &other_class);
	ck_assert_ptr_nonnull(b);
	mdevfs_device_destroy(a);
	a = mdevfs_device_create(h, &elsewhere);
	ck_assert_ptr_nonnull(a);
	mdevfs_device_destroy(a);
	mdevfs_device_destroy(b);
}
END_TEST

START_TEST(class_device_bad_names)
{
	errno = 0;
	ck_assert_ptr_null(mdevfs_class_device_create(h, "fake", "a/b"));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(mdevfs_class_device_create(h, "", "x"));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(mdevfs_class_device_create(h, "fake", NULL));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* ---- capacity ----------------------------------------------------------- */

START_TEST(core_counter_shared_by_types)
{
	struct mdev_parent *p = make_parent("fake0", &two_ops);

	ck_assert_int_eq(create(p->types[0], U1), 0);
	assert_available(p, 1, 1);
	ck_assert_int_eq(create(p->types[1], U2), 0);
	assert_available(p, 0, 0);
	ck_assert_int_eq(create(p->types[0], U3), -EUSERS);
	ck_assert_int_eq(create(p->types[1], U3), -EUSERS);
	assert_available(p, 0, 0);
	ck_assert_ptr_null(find(U3));
	ck_assert_uint_eq(mdev_host_device_count(h), 2);
	ck_assert_int_eq(vendor.creates, 2);

	ck_assert_int_eq(remove_uuid(U1), 0);
	assert_available(p, 1, 1);
	ck_assert_int_eq(vendor.removes, 1);
	ck_assert_int_eq(create(p->types[1], U3), 0);
	assert_available(p, 0, 0);
	ck_assert_uint_eq(mdev_host_device_count(h), 2);
}
END_TEST

START_TEST(no_capacity_never_creates)
{
	struct mdev_parent *p = make_parent("fake0", &no_capacity_ops);

	assert_available(p, 0, 0);
	ck_assert_int_eq(create(p->types[0], U1), -EUSERS);
	ck_assert_int_eq(create(p->types[1], U2), -EUSERS);
	assert_available(p, 0, 0);
	ck_assert_uint_eq(mdev_host_device_count(h), 0);
	ck_assert_int_eq(vendor.creates, 0);
}
END_TEST

/* ---- duplicate UUIDs ---------------------------------------------------- */

START_TEST(duplicate_same_parent)
{
	struct mdev_parent *p = make_parent("fake0", &roomy_ops);

	ck_assert_int_eq(create(p->types[0], U1), 0);
	ck_assert_int_eq(create(p->types[0], U1), -EEXIST);
	ck_assert_int_eq(create(p->types[1], U1 "\n"), -EEXIST);
	ck_assert_uint_eq(mdev_host_device_count(h), 1);
	assert_available(p, 15, 15);
	ck_assert_int_eq(vendor.creates, 1);
}
END_TEST

/* Compared as binary UUIDs; the device is named in lowercase. */
START_TEST(duplicate_differs_in_case)
{
	struct mdev_parent *p = make_parent("fake0", &roomy_ops);
	uuid_t upper, lower;

	ck_assert_int_eq(mdev_parse_uuid(U1_UPPER "\n", 37, upper), 0);
	ck_assert_int_eq(mdev_parse_uuid(U1, 36, lower), 0);
	ck_assert_int_eq(mdev_device_create(p->types[0], upper), 0);
	ck_assert_str_eq(dev_name(mdev_dev(peek_mdev(h, upper))), U1);
	ck_assert_int_eq(mdev_device_create(p->types[1], lower), -EEXIST);
	ck_assert_ptr_eq(peek_mdev(h, lower), peek_mdev(h, upper));
	ck_assert_uint_eq(mdev_host_device_count(h), 1);
	assert_available(p, 15, 15);
}
END_TEST

START_TEST(duplicate_across_parents)
{
	struct mdev_parent *p0 = make_parent("fake0", &roomy_ops);
	struct mdev_parent *p1 = make_parent("fake1", &roomy_ops);
	struct mdev_device *mdev;

	ck_assert_int_eq(create(p0->types[0], U1), 0);
	ck_assert_int_eq(create(p1->types[0], U1), -EEXIST);
	ck_assert_int_eq(create(p1->types[1], U1_UPPER), -EEXIST);
	assert_available(p0, 15, 15);
	assert_available(p1, 16, 16);
	ck_assert_uint_eq(mdev_host_device_count(h), 1);
	mdev = find(U1);
	ck_assert_ptr_eq(mdev_parent_dev(mdev), p0->dev);
	ck_assert_ptr_eq(mdev_get_type(mdev), p0->types[0]);
	ck_assert_str_eq(mdev->dev.devpath, "devices/virtual/fake/fake0/" U1);
}
END_TEST

/* ---- vendor failures ---------------------------------------------------- */

/* How many mdevs of parent the registry holds, created or not. */
static guint devices_of(struct mdev_parent *parent)
{
	GHashTableIter it;
	gpointer key;
	guint n = 0;

	host_lock(h);
	g_hash_table_iter_init(&it, h->mdevs);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (mdev_of_uuid(key)->type->parent == parent)
			n++;
	host_unlock(h);
	return n;
}

static void assert_create_fails_cleanly(int vendor_ret, int want)
{
	struct mdev_parent *p = make_parent("fake0", &two_ops);

	vendor.create_ret = vendor_ret;
	ck_assert_int_eq(create(p->types[0], U1), want);
	ck_assert_ptr_null(find(U1));
	ck_assert_uint_eq(mdev_host_device_count(h), 0);
	assert_available(p, 2, 2);
	ck_assert_int_eq(vendor.creates, 1);
	ck_assert_int_eq(vendor.removes, 0);
	ck_assert_uint_eq(devices_of(p), 0);

	/* The UUID and the instance are free again. */
	vendor.create_ret = 0;
	ck_assert_int_eq(create(p->types[1], U1), 0);
	assert_available(p, 1, 1);
}

START_TEST(vendor_create_fails)
{
	assert_create_fails_cleanly(-EIO, -EIO);
}
END_TEST

/* A positive errno from the vendor still reaches the writer as -errno. */
START_TEST(vendor_create_fails_positive)
{
	assert_create_fails_cleanly(ENOSPC, -ENOSPC);
}
END_TEST

/* ---- remove ---------------------------------------------------------------- */

START_TEST(remove_then_gone)
{
	struct mdev_parent *p = make_parent("fake0", &two_ops);

	ck_assert_int_eq(create(p->types[0], U1), 0);
	ck_assert_int_eq(create(p->types[0], U2), 0);
	ck_assert_int_eq(remove_uuid(U1), 0);
	ck_assert_int_eq(vendor.removes, 1);
	/* A second remove cannot even find the device. */
	ck_assert_ptr_null(find(U1));
	ck_assert_ptr_nonnull(find(U2));
	ck_assert_uint_eq(mdev_host_device_count(h), 1);
	assert_available(p, 1, 1);
	/* The UUID can be used again, on either type. */
	ck_assert_int_eq(create(p->types[1], U1), 0);
	ck_assert_ptr_eq(mdev_get_type(find(U1)), p->types[1]);
}
END_TEST

/* A backend that hands an mdev's device to mdevfs_device_destroy() does
 * not free part of the mdev: only devices it made itself are destroyed
 * (ASan reports the free of an interior pointer otherwise). */
START_TEST(destroy_ignores_an_mdev)
{
	struct mdev_parent *p = make_parent("fake0", &two_ops);

	ck_assert_int_eq(create(p->types[0], U1), 0);
	mdevfs_device_destroy(mdev_dev(find(U1)));
	ck_assert_ptr_nonnull(find(U1));
	ck_assert_str_eq(dev_name(mdev_dev(find(U1))), U1);
	ck_assert_int_eq(remove_uuid(U1), 0);
	ck_assert_ptr_null(find(U1));
}
END_TEST

struct job {
	struct mdev_type *type;
	uuid_t uuid;
	struct mdev_device *mdev;
	int ret;
};

static gpointer create_job(gpointer data)
{
	struct job *job = data;

	job->ret = mdev_device_create(job->type, job->uuid);
	return NULL;
}

static gpointer remove_job(gpointer data)
{
	struct job *job = data;

	job->ret = mdev_device_remove(job->mdev);
	return NULL;
}

static gpointer unregister_job(gpointer data)
{
	mdev_unregister_device(data);
	return NULL;
}

/* What the test thread saw while another thread was stopped at a gate;
 * asserted only after that thread is released and joined. */
struct seen {
	struct mdev_device *found;
	int ret[3];
	int avail;
};

/* The device is findable while its create runs, and not yet removable. */
START_TEST(remove_during_create_eagain)
{
	struct mdev_parent *p = make_parent("fake0", &two_ops);
	struct job job = { .type = p->types[0], .ret = 1 };
	struct seen seen = { 0 };
	struct gate gate;
	GThread *thread;

	gate_init(&gate);
	vendor.create_gate = &gate;
	test_uuid(U1, job.uuid);
	thread = g_thread_new("create", create_job, &job);
	gate_wait_entered(&gate);

	seen.found = peek_mdev(h, job.uuid);
	if (seen.found) {
		seen.ret[0] = mdev_device_remove(seen.found);
		seen.ret[1] = mdev_device_remove(seen.found);
	}
	/* The same UUID being created right now is EEXIST. */
	seen.ret[2] = create(p->types[1], U1);
	/* The instance was taken at the start of create. */
	seen.avail = mdev_type_available(p->types[1]);

	gate_open(&gate);
	g_thread_join(thread);
	vendor.create_gate = NULL;
	gate_clear(&gate);
	ck_assert_ptr_nonnull(seen.found);
	ck_assert_int_eq(seen.ret[0], -EAGAIN);
	ck_assert_int_eq(seen.ret[1], -EAGAIN);
	ck_assert_int_eq(seen.ret[2], -EEXIST);
	ck_assert_int_eq(seen.avail, 1);
	ck_assert_int_eq(job.ret, 0);
	ck_assert_int_eq(vendor.removes, 0);
	ck_assert_ptr_eq(find(U1), seen.found);
	ck_assert_int_eq(mdev_device_remove(seen.found), 0);
	ck_assert_int_eq(vendor.removes, 1);
	ck_assert_uint_eq(mdev_host_device_count(h), 0);
	assert_available(p, 2, 2);
}
END_TEST

START_TEST(remove_during_remove_eagain)
{
	struct mdev_parent *p = make_parent("fake0", &two_ops);
	struct job job = { .ret = 1 };
	struct seen seen = { 0 };
	struct gate gate;
	GThread *thread;

	ck_assert_int_eq(create(p->types[0], U1), 0);
	job.mdev = find(U1);
	gate_init(&gate);
	vendor.remove_gate = &gate;
	thread = g_thread_new("remove", remove_job, &job);
	gate_wait_entered(&gate);

	seen.found = find(U1);
	seen.ret[0] = mdev_device_remove(job.mdev);
	/* Still on the UUID list until released. */
	seen.ret[1] = create(p->types[1], U1);

	gate_open(&gate);
	g_thread_join(thread);
	vendor.remove_gate = NULL;
	gate_clear(&gate);
	/* Off the bus once its removal began, as device_del() takes it
	 * off the bus's list before releasing the driver; its UUID is
	 * taken until the last reference goes. */
	ck_assert_ptr_null(seen.found);
	ck_assert_int_eq(seen.ret[0], -EAGAIN);
	ck_assert_int_eq(seen.ret[1], -EEXIST);
	ck_assert_int_eq(job.ret, 0);
	ck_assert_int_eq(vendor.removes, 1);
	ck_assert_ptr_null(find(U1));
	assert_available(p, 2, 2);
}
END_TEST

/* ---- parent unregistration ------------------------------------------------ */

START_TEST(unregister_removes_all)
{
	struct mdev_parent *p = make_parent("fake0", &roomy_ops);
	struct device *dev = p->dev;

	ck_assert_int_eq(create(p->types[0], U1), 0);
	ck_assert_int_eq(create(p->types[1], U2), 0);
	ck_assert_int_eq(create(p->types[0], U3), 0);
	mdev_unregister_device(dev);
	ck_assert_int_eq(vendor.removes, 3);
	ck_assert_uint_eq(mdev_host_device_count(h), 0);
	ck_assert_ptr_null(find(U1));
	ck_assert_ptr_null(find(U2));
	ck_assert_ptr_null(find(U3));
	ck_assert_ptr_null(device_mdev_parent(dev));
	ck_assert_ptr_null(peek_parent(h, "fake0"));

	/* The device can be registered again, with a fresh counter. */
	ck_assert_int_eq(mdev_register_device(dev, &two_ops), 0);
	assert_available(device_mdev_parent(dev), 2, 2);
	ck_assert_int_eq(create(device_mdev_parent(dev)->types[0], U1), 0);
	mdev_unregister_device(dev);
	ck_assert_int_eq(vendor.removes, 4);
	mdevfs_device_destroy(dev);
}
END_TEST

/* mdev_host_free() tears down what is left, calling the vendor remove. */
START_TEST(host_free_removes_all)
{
	struct mdev_parent *p0 = make_parent("fake0", &roomy_ops);
	struct mdev_parent *p1 = make_parent("fake1", &roomy_ops);

	ck_assert_int_eq(create(p0->types[0], U1), 0);
	ck_assert_int_eq(create(p1->types[1], U2), 0);
	mdev_host_free(h);
	h = NULL;
	ck_assert_int_eq(vendor.removes, 2);
}
END_TEST

static void wait_unregistering(struct mdev_parent *p)
{
	bool seen = false;

	while (!seen) {
		host_lock(h);
		seen = p->unregistering;
		host_unlock(h);
		if (!seen)
			g_usleep(1000);
	}
	/* Let the unregistering thread reach its write lock. */
	g_usleep(100 * 1000);
}

/*
 * Unregistration waits for the create in flight; meanwhile new creates
 * and removes on the parent fail with ENODEV (Era C+).
 */
START_TEST(unregister_waits_and_refuses)
{
	struct mdev_parent *p = make_parent("fake0", &roomy_ops);
	struct device *dev = p->dev;
	struct job job = { .type = p->types[0], .ret = 1 };
	struct mdev_device *existing;
	struct seen seen = { 0 };
	GThread *creator, *unreg;
	bool registered;
	struct gate gate;

	ck_assert_int_eq(create(p->types[1], U2), 0);
	existing = find(U2);
	gate_init(&gate);
	vendor.create_gate = &gate;
	test_uuid(U1, job.uuid);
	creator = g_thread_new("create", create_job, &job);
	gate_wait_entered(&gate);
	unreg = g_thread_new("unregister", unregister_job, dev);
	wait_unregistering(p);

	seen.ret[0] = create(p->types[0], U3);
	seen.ret[1] = mdev_device_remove(existing);

	gate_open(&gate);
	g_thread_join(creator);
	g_thread_join(unreg);
	vendor.create_gate = NULL;
	gate_clear(&gate);
	registered = device_mdev_parent(dev) != NULL;
	mdevfs_device_destroy(dev);
	ck_assert(!registered);
	ck_assert_int_eq(seen.ret[0], -ENODEV);
	ck_assert_int_eq(seen.ret[1], -ENODEV);
	ck_assert_int_eq(job.ret, 0);
	ck_assert_int_eq(vendor.creates, 2);
	ck_assert_int_eq(vendor.removes, 2);
	ck_assert_uint_eq(mdev_host_device_count(h), 0);
}
END_TEST

/*
 * An unregistration frees the parent as soon as it gets unreg_sem, so a
 * create must be done with the parent (its AVAILABLE announcement
 * included) before it drops its shared hold.  The listener runs in the
 * creating thread: if it can take the lock exclusively, nobody holds it.
 */
static void count_unlocked(void *data, const struct mdev_event *ev)
{
	int *unlocked = data;

	if (ev->type != MDEV_EVENT_AVAILABLE)
		return;
	if (g_rw_lock_writer_trylock(&ev->parent->unreg_sem)) {
		g_rw_lock_writer_unlock(&ev->parent->unreg_sem);
		(*unlocked)++;
	}
}

START_TEST(create_announces_under_unreg_sem)
{
	struct mdev_parent *p = make_parent("fake0", &two_ops);
	int unlocked[3] = { 0 };
	struct mdev_listener listener = { count_unlocked, &unlocked[0] };

	mdev_host_add_listener(h, &listener);
	ck_assert_int_eq(create(p->types[0], U1), 0);
	listener.data = &unlocked[1];
	vendor.create_ret = -EIO;
	ck_assert_int_eq(create(p->types[0], U2), -EIO);
	vendor.create_ret = 0;
	listener.data = &unlocked[2];
	ck_assert_int_eq(remove_uuid(U1), 0);
	mdev_host_remove_listener(h, &listener);
	ck_assert_msg(unlocked[0] == 0,
		      "successful create announced AVAILABLE without unreg_sem");
	ck_assert_msg(unlocked[1] == 0,
		      "failed create announced AVAILABLE without unreg_sem");
	ck_assert_int_eq(unlocked[2], 0);
}
END_TEST

/* ---- concurrency ---------------------------------------------------------- */

struct race {
	pthread_barrier_t barrier;
	struct mdev_parent *parents[2];
	uuid_t uuid;               /* same_uuid_racer */
	int results[NR_THREADS];
	int index;
};

static gpointer same_uuid_racer(gpointer data)
{
	struct race *race = data;
	int i = g_atomic_int_add(&race->index, 1);

	pthread_barrier_wait(&race->barrier);
	race->results[i] = mdev_device_create(race->parents[0]->types[i % 2],
					      race->uuid);
	return NULL;
}

static void run_racers(struct race *race, GThreadFunc fn)
{
	GThread *threads[NR_THREADS];

	race->index = 0;
	pthread_barrier_init(&race->barrier, NULL, NR_THREADS);
	for (int i = 0; i < NR_THREADS; i++)
		threads[i] = g_thread_new("racer", fn, race);
	for (int i = 0; i < NR_THREADS; i++)
		g_thread_join(threads[i]);
	pthread_barrier_destroy(&race->barrier);
}

START_TEST(concurrent_same_uuid)
{
	struct race race = { 0 };
	int ok = 0, exist = 0;

	race.parents[0] = make_parent("fake0", &roomy_ops);
	test_uuid(U1, race.uuid);
	run_racers(&race, same_uuid_racer);
	for (int i = 0; i < NR_THREADS; i++) {
		if (race.results[i] == 0)
			ok++;
		else if (race.results[i] == -EEXIST)
			exist++;
	}
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(exist, NR_THREADS - 1);
	ck_assert_uint_eq(mdev_host_device_count(h), 1);
	ck_assert_int_eq(vendor.creates, 1);
	assert_available(race.parents[0], 15, 15);
	ck_assert_ptr_nonnull(find(U1));
}
END_TEST

#define PER_THREAD 4

static void racer_uuid(int thread, int k, uuid_t out)
{
	memset(out, 0, sizeof(uuid_t));
	out[0] = (unsigned char)thread;
	out[1] = (unsigned char)k;
	out[6] = 0x40;
	out[14] = (unsigned char)thread;
	out[15] = (unsigned char)k;
}

/* Thread i creates PER_THREAD devices, alternating parents and types. */
static gpointer distinct_creator(gpointer data)
{
	struct race *race = data;
	int i = g_atomic_int_add(&race->index, 1);
	int failures = 0;

	pthread_barrier_wait(&race->barrier);
	for (int k = 0; k < PER_THREAD; k++) {
		struct mdev_parent *p = race->parents[(i + k) % 2];
		uuid_t uuid;

		racer_uuid(i, k, uuid);
		if (mdev_device_create(p->types[k % 2], uuid))
			failures++;
	}
	race->results[i] = failures;
	return NULL;
}

static gpointer distinct_remover(gpointer data)
{
	struct race *race = data;
	int i = g_atomic_int_add(&race->index, 1);
	int failures = 0;

	pthread_barrier_wait(&race->barrier);
	for (int k = 0; k < PER_THREAD; k++) {
		struct mdev_device *mdev;
		uuid_t uuid;

		racer_uuid(i, k, uuid);
		mdev = peek_mdev(h, uuid);
		if (!mdev || mdev_device_remove(mdev))
			failures++;
	}
	race->results[i] = failures;
	return NULL;
}

START_TEST(concurrent_distinct_uuids)
{
	struct race race = { 0 };
	const int total = NR_THREADS * PER_THREAD;

	race.parents[0] = make_parent("fake0", &roomy_ops);
	race.parents[1] = make_parent("fake1", &roomy_ops);
	run_racers(&race, distinct_creator);
	for (int i = 0; i < NR_THREADS; i++)
		ck_assert_int_eq(race.results[i], 0);
	ck_assert_uint_eq(mdev_host_device_count(h), (unsigned int)total);
	ck_assert_int_eq(vendor.creates, total);
	ck_assert_uint_eq(devices_of(race.parents[0]), total / 2);
	ck_assert_uint_eq(devices_of(race.parents[1]), total / 2);
	assert_available(race.parents[0], 0, 0);
	assert_available(race.parents[1], 0, 0);
	ck_assert_int_eq(create(race.parents[1]->types[0], U1), -EUSERS);

	run_racers(&race, distinct_remover);
	for (int i = 0; i < NR_THREADS; i++)
		ck_assert_int_eq(race.results[i], 0);
	ck_assert_uint_eq(mdev_host_device_count(h), 0);
	ck_assert_int_eq(vendor.removes, total);
	assert_available(race.parents[0], 16, 16);
	assert_available(race.parents[1], 16, 16);
}
END_TEST

static Suite *lifecycle_suite(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = unit_tcase(s, "register");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, types_and_lookups);
	tcase_add_test(tc, destroy_ignores_an_mdev);
	tcase_add_test(tc, register_rejects_bad_ops);
	tcase_add_test(tc, register_twice);
	tcase_add_test(tc, class_device_bad_names);
	tcase_add_test(tc, device_names_are_unique);

	tc = unit_tcase(s, "create");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, core_counter_shared_by_types);
	tcase_add_test(tc, no_capacity_never_creates);
	tcase_add_test(tc, duplicate_same_parent);
	tcase_add_test(tc, duplicate_differs_in_case);
	tcase_add_test(tc, duplicate_across_parents);
	tcase_add_test(tc, vendor_create_fails);
	tcase_add_test(tc, vendor_create_fails_positive);

	tc = unit_tcase(s, "remove");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, remove_then_gone);
	tcase_add_test(tc, remove_during_create_eagain);
	tcase_add_test(tc, remove_during_remove_eagain);

	tc = unit_tcase(s, "unregister");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unregister_removes_all);
	tcase_add_test(tc, host_free_removes_all);
	tcase_add_test(tc, unregister_waits_and_refuses);
	tcase_add_test(tc, create_announces_under_unreg_sem);

	tc = unit_tcase(s, "concurrency");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, concurrent_same_uuid);
	tcase_add_test(tc, concurrent_distinct_uuids);
	return s;
}

int main(void)
{
	return run_suite(lifecycle_suite());
}
