// SPDX-License-Identifier: MIT
/*
 * Kernel era profiles: one test per behaviour that changed, checked on
 * both sides of the release where it changed.  The parent is defined
 * here with the public API, so every difference comes from the core.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend_test.h"
#include "driver.h"
#include "event.h"
#include "uevent.h"

#define P "devices/virtual/fake/fake0"
#define T P "/mdev_supported_types"
#define U1 "11111111-2222-4333-8444-555555555555"
#define U2 "11111111-2222-4333-8444-666666666666"
#define U3 "11111111-2222-4333-8444-777777777777"

/* What the fake vendor does, set per test. */
static struct {
	int remove_ret;
	struct gate {
		GMutex lock;
		GCond cond;
		bool entered, open;
	} *gate;
} vendor;

static void gate_pass(struct gate *g)
{
	g_mutex_lock(&g->lock);
	g->entered = true;
	g_cond_broadcast(&g->cond);
	while (!g->open)
		g_cond_wait(&g->cond, &g->lock);
	g_mutex_unlock(&g->lock);
}

static int fake_create(struct mdev_device *mdev)
{
	(void)mdev;
	if (vendor.gate)
		gate_pass(vendor.gate);
	return 0;
}

static int fake_remove(struct mdev_device *mdev)
{
	(void)mdev;
	return vendor.remove_ret;
}

static ssize_t extra_show(struct mdev_type *t,
			  const struct mdev_type_attribute *a, char *buf)
{
	(void)t;
	(void)a;
	return sysfs_emit(buf, "extra\n");
}

static ssize_t phy_show(struct device *d, const struct device_attribute *a,
			char *buf)
{
	(void)d;
	(void)a;
	return sysfs_emit(buf, "phy\n");
}

static ssize_t vattr_show(struct device *d, const struct device_attribute *a,
			  char *buf)
{
	(void)d;
	(void)a;
	return sysfs_emit(buf, "v\n");
}

static ssize_t desc_show(struct mdev_type *t, char *buf)
{
	(void)t;
	return sysfs_emit(buf, "a fake\n");
}

static const struct mdev_type_attribute type_attr_extra =
	MDEVFS_ATTR(extra, 0444, extra_show, NULL);
static const struct attribute *const type_attrs[] = { &type_attr_extra.attr, NULL };
static const struct attribute_group type_a = { .name = "a", .attrs = type_attrs };
static const struct attribute_group *const types[] = { &type_a, NULL };

static const struct device_attribute dev_attr_phy = MDEVFS_ATTR(phy, 0444, phy_show, NULL);
static const struct attribute *const parent_attrs[] = { &dev_attr_phy.attr, NULL };
static const struct attribute_group parent_group = { .name = "fake_dev", .attrs = parent_attrs };
static const struct attribute_group *const parent_groups[] = { &parent_group, NULL };

static const struct device_attribute dev_attr_v = MDEVFS_ATTR(v, 0444, vattr_show, NULL);
static const struct attribute *const mdev_attrs[] = { &dev_attr_v.attr, NULL };
static const struct attribute_group mdev_group = { .name = "vendor", .attrs = mdev_attrs };
static const struct attribute_group *const mdev_groups[] = { &mdev_group, NULL };

static const struct mdev_driver own_driver = { .name = "fake_mdev" };

static struct mdev_parent_ops fake_ops = {
	.device_api = "vfio-pci",
	.max_instances = 1,
	.show_description = desc_show,
	.dev_attr_groups = parent_groups,
	.mdev_attr_groups = mdev_groups,
	.supported_type_groups = types,
	.create = fake_create,
	.remove = fake_remove,
};

static struct bt bt;
static struct device *parent;

/* A host of the given era with the fake parent (own driver or not). */
static void start(const char *profile, bool own)
{
	memset(&vendor, 0, sizeof(vendor));
	fake_ops.device_driver = own ? &own_driver : NULL;
	bt_start(&bt, profile);
	parent = mdevfs_class_device_create(bt.host, "fake", "fake0");
	ck_assert_ptr_nonnull(parent);
	ck_assert_int_eq(mdev_register_device(parent, &fake_ops), 0);
}

static void stop(void)
{
	mdevfs_device_destroy(parent);
	bt_stop(&bt);
}

/* 1. Bound driver: vfio_mdev to 5.12, the parent's own from 5.13/6.1. */
static void check_binding(const char *profile, bool own, const char *drv,
			  const char *drivers)
{
	char want[128];

	snprintf(want, sizeof(want), "../../../../../bus/mdev/drivers/%s", drv);
	start(profile, own);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	bt_expect_link(&bt, "bus/mdev/devices/" U1 "/driver", want);
	bt_expect_list(&bt, "bus/mdev/drivers", drivers);
	stop();
}

START_TEST(binding_by_era)
{
	check_binding("5.10", true, "vfio_mdev", "vfio_mdev");
	check_binding("5.15", false, "vfio_mdev", "vfio_mdev");
	check_binding("5.15", true, "fake_mdev", "fake_mdev vfio_mdev");
	check_binding("6.1", true, "fake_mdev", "fake_mdev");
	check_binding("6.1", false, "fake", "fake");
}
END_TEST

/* 2. Type files: the vendor's before 6.1 (no name without one, extras
 * shown), the core's five from 6.1. */
START_TEST(type_files_by_era)
{
	start("5.15", false);
	bt_expect_list(&bt, T "/fake-a",
		       "available_instances create description device_api devices extra");
	stop();
	start("6.1", false);
	bt_expect_list(&bt, T "/fake-a",
		       "available_instances create description device_api devices name");
	bt_expect(&bt, T "/fake-a/name", "a\n");
	stop();
}
END_TEST

/* 3. The core instance counter: EUSERS from 6.1; before, the vendor
 * decides and the count printed with %d may go negative. */
START_TEST(instance_counter_by_era)
{
	start("5.15", false);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	bt_expect_write(&bt, T "/fake-a/create", U2, 0);
	bt_expect(&bt, T "/fake-a/available_instances", "-1\n");
	stop();
	start("6.1", false);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	bt_expect_write(&bt, T "/fake-a/create", U2, EUSERS);
	bt_expect(&bt, T "/fake-a/available_instances", "0\n");
	stop();
}
END_TEST

struct create_job {
	const char *path;
	int ret;
};

static gpointer create_thread(gpointer data)
{
	struct create_job *job = data;

	job->ret = bt_write(&bt, job->path, U1);
	return NULL;
}

static void wait_entered(struct gate *g)
{
	g_mutex_lock(&g->lock);
	while (!g->entered)
		g_cond_wait(&g->cond, &g->lock);
	g_mutex_unlock(&g->lock);
}

static void open_gate(struct gate *g)
{
	g_mutex_lock(&g->lock);
	g->open = true;
	g_cond_broadcast(&g->cond);
	g_mutex_unlock(&g->lock);
}

/*
 * 4. `remove` during the vendor create: from 6.1 it exists from
 * device_add and answers EAGAIN (and stays deleted); before, it is made
 * last, so there is nothing to write to yet.
 */
static void remove_during_create(const char *profile, int want_open_err)
{
	struct gate g = { 0 };
	struct create_job job = { T "/fake-a/create", -1 };
	GThread *t;

	start(profile, false);
	g_mutex_init(&g.lock);
	g_cond_init(&g.cond);
	vendor.gate = &g;
	t = g_thread_new("create", create_thread, &job);
	wait_entered(&g);
	ck_assert_int_eq(bt_write(&bt, P "/" U1 "/remove", "1"), want_open_err);
	open_gate(&g);
	g_thread_join(t);
	ck_assert_int_eq(job.ret, 0);
	ck_assert(bt_exists(&bt, "bus/mdev/devices/" U1));
	ck_assert_int_eq(bt_exists(&bt, P "/" U1 "/remove"), want_open_err == ENOENT);
	vendor.gate = NULL;
	g_cond_clear(&g.cond);
	g_mutex_clear(&g.lock);
	stop();
}

START_TEST(remove_during_create_by_era)
{
	remove_during_create("5.15", ENOENT);
	remove_during_create("6.1", EAGAIN);
}
END_TEST

/* 5. A vendor remove that refuses: EBUSY with the file put back up to
 * 5.0; from 5.4 the refusal is only logged. */
START_TEST(remove_refused_by_era)
{
	start("4.18", false);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	vendor.remove_ret = -EBUSY;
	bt_expect_write(&bt, P "/" U1 "/remove", "1", EBUSY);
	ck_assert(bt_exists(&bt, P "/" U1 "/remove"));
	vendor.remove_ret = 0;
	bt_expect_write(&bt, P "/" U1 "/remove", "1", 0);
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U1));
	stop();
	start("5.4", false);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	vendor.remove_ret = -EBUSY;
	bt_expect_write(&bt, P "/" U1 "/remove", "1", 0);
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/" U1));
	stop();
}
END_TEST

/* 6. IOMMU group files: none (4.10), reserved_regions (4.18), type (5.4),
 * name = vfio-noiommu and a writable type (6.1). */
static void check_group(const char *profile, const char *files)
{
	start(profile, false);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	bt_expect_list(&bt, "kernel/iommu_groups/0", files);
	stop();
}

START_TEST(iommu_group_by_era)
{
	check_group("4.10", "devices");
	check_group("4.18", "devices reserved_regions");
	check_group("5.4", "devices reserved_regions type");
	check_group("6.1", "devices name reserved_regions type");
	start("6.1", false);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	bt_expect(&bt, "kernel/iommu_groups/0/name", "vfio-noiommu\n");
	ck_assert_uint_eq(bt_mode(&bt, "kernel/iommu_groups/0/type") & 0777, 0644);
	bt_expect_write(&bt, "kernel/iommu_groups/0/type", "DMA", EBUSY);
	bt_expect_write(&bt, "kernel/iommu_groups/0/type", "bogus", EINVAL);
	stop();
	start("5.15", false);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	ck_assert_uint_eq(bt_mode(&bt, "kernel/iommu_groups/0/type") & 0777, 0444);
	stop();
}
END_TEST

/* 7. The parent's own attribute groups (mtty_dev/) exist up to 5.15. */
START_TEST(parent_groups_by_era)
{
	start("5.15", false);
	bt_expect(&bt, P "/fake_dev/phy", "phy\n");
	stop();
	start("6.1", false);
	ck_assert(!bt_exists(&bt, P "/fake_dev"));
	stop();
}
END_TEST

/* 8. class/mdev_bus: made with the first parent up to 6.1, at module
 * load from 6.13. */
START_TEST(class_dir_by_era)
{
	const char *profiles[] = { "6.1", "6.13" };

	for (int i = 0; i < 2; i++) {
		bt_start(&bt, profiles[i]);
		ck_assert_int_eq(bt_exists(&bt, "class/mdev_bus"), i == 1);
		bt_stop(&bt);
	}
	start("6.1", false);
	bt_expect_link(&bt, "class/mdev_bus/fake0", "../../devices/virtual/fake/fake0");
	stop();
}
END_TEST

/* 9. bind after unbind: re-attaches vfio_mdev up to 5.12, ENODEV after
 * (the bus never matches); the vendor files follow the driver from 6.1. */
START_TEST(rebind_by_era)
{
	start("5.10", false);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	bt_expect_write(&bt, "bus/mdev/drivers/vfio_mdev/unbind", U1, 0);
	ck_assert(!bt_exists(&bt, P "/" U1 "/driver"));
	ck_assert(bt_exists(&bt, P "/" U1 "/vendor/v"));
	bt_expect_write(&bt, "bus/mdev/drivers/vfio_mdev/bind", U1, 0);
	bt_expect_link(&bt, P "/" U1 "/driver", "../../../../../bus/mdev/drivers/vfio_mdev");
	stop();
	start("5.15", true);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	bt_expect_write(&bt, "bus/mdev/drivers/fake_mdev/unbind", U1, 0);
	ck_assert(bt_exists(&bt, P "/" U1 "/vendor/v"));
	bt_expect_write(&bt, "bus/mdev/drivers/fake_mdev/bind", U1, ENODEV);
	stop();
	start("6.1", false);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	bt_expect_write(&bt, "bus/mdev/drivers/fake/unbind", U1, 0);
	ck_assert(!bt_exists(&bt, P "/" U1 "/vendor"));
	bt_expect_write(&bt, "bus/mdev/drivers/fake/bind", U1, ENODEV);
	stop();
}
END_TEST

/* 9b. drivers_autoprobe keeps what was written; up to 5.12 an mdev is
 * bound by the bus's probe, which it turns off; from 5.13 the core
 * attaches the driver itself. */
START_TEST(autoprobe_by_era)
{
	start("5.10", false);
	bt_expectf(&bt, "1\n", "bus/mdev/drivers_autoprobe");
	bt_expect_write(&bt, "bus/mdev/drivers_autoprobe", "0", 0);
	bt_expectf(&bt, "0\n", "bus/mdev/drivers_autoprobe");
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	ck_assert(bt_exists(&bt, "bus/mdev/devices/" U1));
	ck_assert(!bt_exists(&bt, P "/" U1 "/driver"));
	/* drivers_probe offers it to the drivers anyway. */
	bt_expect_write(&bt, "bus/mdev/drivers_probe", U1, 0);
	bt_expect_link(&bt, P "/" U1 "/driver",
		       "../../../../../bus/mdev/drivers/vfio_mdev");
	bt_expect_write(&bt, "bus/mdev/drivers_autoprobe", "yes", 0);
	bt_expectf(&bt, "1\n", "bus/mdev/drivers_autoprobe");
	stop();
	start("6.1", false);
	bt_expect_write(&bt, "bus/mdev/drivers_autoprobe", "0", 0);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	bt_expect_link(&bt, P "/" U1 "/driver", "../../../../../bus/mdev/drivers/fake");
	stop();
}
END_TEST

/* 10. Duplicates: EEXIST in every era (4.10's per-parent check still
 * collided on the bus link). */
START_TEST(duplicate_by_era)
{
	const char *profiles[] = { "4.10", "4.18", "6.13" };

	for (int i = 0; i < 3; i++) {
		start(profiles[i], false);
		bt_expect_write(&bt, T "/fake-a/create", U3, 0);
		bt_expect_write(&bt, T "/fake-a/create", U3, EEXIST);
		stop();
	}
}
END_TEST

/* 11. The VFIO char device: vfio-dev/vfioN under a bound mdev from 6.1,
 * with dev, uevent, its links and the class link; gone with the driver.
 * The class itself comes with VFIO. */
START_TEST(vfio_dev_by_era)
{
	start("5.15", false);
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	ck_assert(!bt_exists(&bt, P "/" U1 "/vfio-dev"));
	ck_assert(!bt_exists(&bt, "class/vfio-dev"));
	stop();
	fake_ops.max_instances = 2;
	start("6.1", false);
	/* The class is there once VFIO is, devices or not. */
	bt_expect_list(&bt, "class/vfio-dev", "");
	bt_expect_write(&bt, T "/fake-a/create", U1, 0);
	bt_expect_list(&bt, P "/" U1 "/vfio-dev/vfio0",
		       "dev device power subsystem uevent");
	bt_expect(&bt, P "/" U1 "/vfio-dev/vfio0/dev", "511:0\n");
	bt_expect(&bt, P "/" U1 "/vfio-dev/vfio0/uevent",
		  "MAJOR=511\nMINOR=0\nDEVNAME=vfio/devices/vfio0\n");
	bt_expect_link(&bt, P "/" U1 "/vfio-dev/vfio0/device", "../../../" U1);
	bt_expect_link(&bt, P "/" U1 "/vfio-dev/vfio0/subsystem",
		       "../../../../../../../class/vfio-dev");
	bt_expect_link(&bt, "class/vfio-dev/vfio0",
		       "../../devices/virtual/fake/fake0/" U1 "/vfio-dev/vfio0");
	/* A second device takes the next minor; the class lists both. */
	bt_expect_write(&bt, T "/fake-a/create", U2, 0);
	bt_expect(&bt, P "/" U2 "/vfio-dev/vfio1/dev", "511:1\n");
	bt_expect_list(&bt, "class/vfio-dev", "vfio0 vfio1");
	ck_assert(!bt_exists(&bt, "class/vfio-dev/vfio01"));
	ck_assert(!bt_exists(&bt, "class/vfio-dev/vfio2"));
	ck_assert(!bt_exists(&bt, "class/vfio-dev/" U1));
	bt_expect_write(&bt, "bus/mdev/drivers/fake/unbind", U1, 0);
	ck_assert(!bt_exists(&bt, P "/" U1 "/vfio-dev"));
	ck_assert(!bt_exists(&bt, "class/vfio-dev/vfio0"));
	bt_expect_list(&bt, "class/vfio-dev", "vfio1");
	/* A new device gets the lowest free minor. */
	bt_expect_write(&bt, P "/" U2 "/remove", "1", 0);
	bt_expect_list(&bt, "class/vfio-dev", "");
	bt_expect_write(&bt, T "/fake-a/create", U3, 0);
	bt_expect_list(&bt, P "/" U3 "/vfio-dev", "vfio0");
	bt_expect_list(&bt, "class/vfio-dev", "vfio0");
	bt_expect_link(&bt, "class/vfio-dev/vfio0",
		       "../../devices/virtual/fake/fake0/" U3 "/vfio-dev/vfio0");
	stop();
	fake_ops.max_instances = 1;
}
END_TEST

/* 12. 4.10 made `remove` before the type links; later kernels after. */
static int order_step;
static int remove_seen_at, link_seen_at;

static void note_order(void *data, const struct mdev_event *ev)
{
	(void)data;
	order_step++;
	if (ev->type == MDEV_EVENT_REMOVE_FILE_ADD)
		remove_seen_at = order_step;
	if (ev->type == MDEV_EVENT_MDEV_LINK)
		link_seen_at = order_step;
}

START_TEST(remove_file_order_by_era)
{
	struct mdev_listener l = { note_order, NULL };
	const char *profiles[] = { "4.10", "4.18" };

	for (int i = 0; i < 2; i++) {
		start(profiles[i], false);
		mdev_host_add_listener(bt.host, &l);
		bt_expect_write(&bt, T "/fake-a/create", U1, 0);
		ck_assert_int_eq(remove_seen_at < link_seen_at, i == 0);
		mdev_host_remove_listener(bt.host, &l);
		stop();
	}
}
END_TEST

/*
 * 13. Where the vendor create runs: after the device is added up to 5.0,
 * before it is visible in 5.4-5.15 (vfio_mdev parents), and as the
 * driver's probe after device_add from 6.1.
 */
static bool seen_during_create;

static void check_visible(struct gate *g)
{
	wait_entered(g);
	seen_during_create = bt_exists(&bt, P "/" U1);
	open_gate(g);
}

static void create_visibility(const char *profile, bool want_visible)
{
	struct gate g = { 0 };
	struct create_job job = { T "/fake-a/create", -1 };
	GThread *t;

	start(profile, false);
	g_mutex_init(&g.lock);
	g_cond_init(&g.cond);
	vendor.gate = &g;
	t = g_thread_new("create", create_thread, &job);
	check_visible(&g);
	g_thread_join(t);
	ck_assert_int_eq(job.ret, 0);
	ck_assert_msg(seen_during_create == want_visible,
		      "%s: device %s during the vendor create", profile,
		      seen_during_create ? "visible" : "not visible");
	vendor.gate = NULL;
	g_cond_clear(&g.cond);
	g_mutex_clear(&g.lock);
	stop();
}

START_TEST(vendor_create_point_by_era)
{
	create_visibility("5.0", true);
	create_visibility("5.4", false);
	create_visibility("5.15", false);
	create_visibility("6.1", true);
}
END_TEST

/* 14. No `active` flag in 4.10: a remove that races a create waits for
 * it and succeeds; from 4.18 it gets EAGAIN at once. */
struct remove_job {
	struct mdev_device *mdev;
	int ret;
};

static gpointer remove_thread(gpointer data)
{
	struct remove_job *job = data;

	job->ret = mdev_device_remove(job->mdev);
	return NULL;
}

static void remove_races_create(const char *profile, int want)
{
	struct gate g = { 0 };
	struct create_job create = { T "/fake-a/create", -1 };
	struct remove_job remove = { NULL, 1 };
	GThread *c, *r = NULL;
	uuid_t uuid;

	start(profile, false);
	g_mutex_init(&g.lock);
	g_cond_init(&g.cond);
	vendor.gate = &g;
	c = g_thread_new("create", create_thread, &create);
	wait_entered(&g);
	uuid_parse(U1, uuid);
	remove.mdev = peek_mdev(bt.host, uuid);
	ck_assert_ptr_nonnull(remove.mdev);
	if (want == 0) {
		/* It must wait for the create, so let that finish after. */
		r = g_thread_new("remove", remove_thread, &remove);
		g_usleep(100000);
		ck_assert_int_eq(remove.ret, 1);  /* still waiting */
		open_gate(&g);
		g_thread_join(r);
	} else {
		remove_thread(&remove);
		open_gate(&g);
	}
	g_thread_join(c);
	ck_assert_int_eq(create.ret, 0);
	ck_assert_int_eq(remove.ret, want);
	ck_assert_int_eq(bt_exists(&bt, "bus/mdev/devices/" U1), want != 0);
	vendor.gate = NULL;
	g_cond_clear(&g.cond);
	g_mutex_clear(&g.lock);
	stop();
}

START_TEST(active_flag_by_era)
{
	remove_races_create("4.10", 0);
	remove_races_create("4.18", -EAGAIN);
}
END_TEST

/* 15. uevents: bind/unbind from 4.14 (so 4.18, not 4.10), the parents'
 * MDEV_STATE change from 5.4 (not 5.0). */
static const char *action_of(const char *profile, enum mdev_event_type type,
			     char **extra)
{
	static const struct mdev_driver drv = { .name = "d" };
	const struct mdev_event ev = { .type = type, .driver = &drv };

	return uevent_for(mdev_profile_find(profile), &ev, extra);
}

START_TEST(uevents_by_era)
{
	char *extra = NULL;

	ck_assert_ptr_null(action_of("4.10", MDEV_EVENT_BIND, &extra));
	ck_assert_str_eq(action_of("4.18", MDEV_EVENT_BIND, &extra), "bind");
	ck_assert_str_eq(extra, "DRIVER=d");
	g_free(extra);
	ck_assert_ptr_null(action_of("5.0", MDEV_EVENT_PARENT_ADD, &extra));
	ck_assert_str_eq(action_of("5.4", MDEV_EVENT_PARENT_ADD, &extra), "change");
	ck_assert_str_eq(extra, "MDEV_STATE=registered");
	g_free(extra);
	ck_assert_str_eq(action_of("6.13", MDEV_EVENT_PARENT_DEL, &extra), "change");
	ck_assert_str_eq(extra, "MDEV_STATE=unregistered");
	g_free(extra);
	ck_assert_str_eq(action_of("4.10", MDEV_EVENT_DEVICE_ADD, &extra), "add");
	ck_assert_ptr_null(extra);
}
END_TEST

/* Every documented profile name loads; unknown ones do not. */
START_TEST(profile_names)
{
	const char *names[] = { "4.10", "4.12", "4.18", "4.19", "5.0", "5.4",
				"5.10", "5.14", "5.15", "6.1", "6.13", "newest" };

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		ck_assert_msg(mdev_profile_find(names[i]), "%s", names[i]);
	ck_assert_ptr_null(mdev_profile_find("4.9"));
	ck_assert_ptr_null(mdev_profile_find("7.0"));
	ck_assert_uint_eq(mdev_profile_find("newest")->version,
			  MDEVFS_KERNEL_VERSION(6, 13, 0));
}
END_TEST

/* The samples as each era's kernel had them. */
START_TEST(samples_by_era)
{
	char *msg;

	bt_start(&bt, "4.10");
	msg = bt_try_load(&bt, "mdpy");
	ck_assert_msg(msg, "mdpy loaded on 4.10");
	g_free(msg);
	msg = bt_try_load(&bt, "mbochs");
	ck_assert_msg(msg, "mbochs loaded on 4.10");
	g_free(msg);
	bt_stop(&bt);

	/* mdpy full: ENOMEM from the driver before 6.1, EUSERS after. */
	bt_start(&bt, "5.15");
	bt_load(&bt, "mdpy:count=1");
	bt_expect_write(&bt, "devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-vga/create", U1, 0);
	bt_expect_write(&bt, "devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-hd/create", U2, ENOMEM);
	bt_expect(&bt, "devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-hd/available_instances", "0\n");
	bt_expect_link(&bt, "bus/mdev/devices/" U1 "/driver",
		       "../../../../../bus/mdev/drivers/mdpy");
	bt_stop(&bt);
	bt_start(&bt, "6.1");
	bt_load(&bt, "mdpy:count=1");
	bt_expect_write(&bt, "devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-vga/create", U1, 0);
	bt_expect_write(&bt, "devices/virtual/mdpy/mdpy/mdev_supported_types/mdpy-hd/create", U2, EUSERS);
	bt_stop(&bt);

	/* mtty: no capacity check before 5.15, the count goes negative. */
	bt_start(&bt, "5.10");
	bt_load(&bt, "mtty");
	for (int i = 0; i < 25; i++) {
		char u[40];

		snprintf(u, sizeof(u), "11111111-2222-4333-8444-%012d", i);
		bt_expect_write(&bt, "devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/create", u, 0);
	}
	bt_expect(&bt, "devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/available_instances", "-1\n");
	bt_expect(&bt, "devices/virtual/mtty/mtty/mtty_dev/sample_mtty_dev", "This is phy device\n");
	bt_stop(&bt);
	bt_start(&bt, "5.15");
	bt_load(&bt, "mtty");
	for (int i = 0; i < 24; i++) {
		char u[40];

		snprintf(u, sizeof(u), "11111111-2222-4333-8444-%012d", i);
		bt_expect_write(&bt, "devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/create", u, 0);
	}
	bt_expect_write(&bt, "devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/create", U1, ENOSPC);
	bt_expect_link(&bt, "bus/mdev/devices/11111111-2222-4333-8444-000000000000/driver",
		       "../../../../../bus/mdev/drivers/mtty");
	bt_stop(&bt);

	/* mbochs full: ENOMEM up to 5.12, ENOSPC from 5.13; vfio_mdev before. */
	bt_start(&bt, "5.10");
	bt_load(&bt, "mbochs:count=4");
	bt_expect_write(&bt, "devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-small/create", U1, 0);
	bt_expect_write(&bt, "devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-small/create", U2, ENOMEM);
	bt_expect_link(&bt, "bus/mdev/devices/" U1 "/driver",
		       "../../../../../bus/mdev/drivers/vfio_mdev");
	bt_stop(&bt);
	bt_start(&bt, "5.15");
	bt_load(&bt, "mbochs:count=4");
	bt_expect_write(&bt, "devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-small/create", U1, 0);
	bt_expect_write(&bt, "devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-small/create", U2, ENOSPC);
	bt_stop(&bt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("profiles");
	TCase *tc = tcase_create("eras");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, binding_by_era);
	tcase_add_test(tc, type_files_by_era);
	tcase_add_test(tc, instance_counter_by_era);
	tcase_add_test(tc, remove_during_create_by_era);
	tcase_add_test(tc, remove_refused_by_era);
	tcase_add_test(tc, iommu_group_by_era);
	tcase_add_test(tc, parent_groups_by_era);
	tcase_add_test(tc, class_dir_by_era);
	tcase_add_test(tc, rebind_by_era);
	tcase_add_test(tc, duplicate_by_era);
	tcase_add_test(tc, profile_names);
	tcase_add_test(tc, vfio_dev_by_era);
	tcase_add_test(tc, remove_file_order_by_era);
	tcase_add_test(tc, vendor_create_point_by_era);
	tcase_add_test(tc, active_flag_by_era);
	tcase_add_test(tc, uevents_by_era);
	tcase_add_test(tc, samples_by_era);
	tcase_add_test(tc, autoprobe_by_era);
	suite_add_tcase(s, tc);
	return bt_run(s);
}
