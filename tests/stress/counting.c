// SPDX-License-Identifier: MIT
/*
 * counting: a test-only backend for mdevfs_stress that checks the core
 * calls the vendor exactly as it promises, once per device.
 *
 * One parent, devices/virtual/counting/counting0, with two types
 * (counting-a, counting-b) sharing the core's counter of 32 instances.
 * It keeps a record per UUID and calls it a violation when:
 *   - a create (parent ops) or probe (its mdev driver) comes for a UUID
 *     that is already live;
 *   - a remove comes for a UUID that is not live (never created, or
 *     removed already), or for another mdev than the live one;
 *   - a show of a device's vendor file comes for a device that is not the
 *     live one of its UUID (after its remove, or before its create);
 *   - at exit (unload, daemon shutdown) a device is still live although
 *     the parent was unregistered.
 * Only one pair of the two entry points runs for a profile (the core calls
 * create/remove before 6.1 and with vfio_mdev, the driver's probe/remove
 * otherwise), so both count as the same life.
 *
 * Files:
 *   counting0/violations      how many so far, "0\n" when all is well
 *   counting0/counting_dev/live   devices live now (a dev_attr_group,
 *                                 shown before 6.1 only)
 *   <uuid>/counting/state     "live\n" (the vendor group of each mdev)
 *
 * Arguments: "report=PATH": every violation is also appended to PATH as
 * one line, so that those seen before an unload are not lost.
 */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "mdevfs/mdev.h"

#define COUNTING_INSTANCES 32

struct life {
	struct mdev_device *mdev;  /* the live one, NULL when not live */
	unsigned long creates, removes;
};

struct counting {
	struct device *dev;
	GMutex lock;
	GHashTable *lives;         /* UUID text -> struct life */
	unsigned long violations;
	char *report;
	struct mdev_parent_ops ops;
};

/* The one instance (the backend is loaded at most once). */
static struct counting *the;

static void uuid_text(struct mdev_device *mdev, char out[37])
{
	const unsigned char *u = mdev_uuid(mdev);

	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* Called with the lock held. */
static void violation(struct counting *c, const char *uuid, const char *what)
{
	FILE *f;

	c->violations++;
	fprintf(stderr, "counting: VIOLATION %s: %s\n", uuid, what);
	if (!c->report)
		return;
	f = fopen(c->report, "a");
	if (f) {
		fprintf(f, "%s %s\n", uuid, what);
		fclose(f);
	}
}

static struct counting *counting_of(struct mdev_device *mdev)
{
	return dev_get_drvdata(mdev_parent_dev(mdev));
}

static struct life *life_of(struct counting *c, const char *uuid)
{
	struct life *l = g_hash_table_lookup(c->lives, uuid);

	if (!l) {
		l = g_new0(struct life, 1);
		g_hash_table_insert(c->lives, g_strdup(uuid), l);
	}
	return l;
}

static int begin_life(struct mdev_device *mdev, const char *how)
{
	struct counting *c = counting_of(mdev);
	char uuid[37], what[96];
	struct life *l;

	uuid_text(mdev, uuid);
	g_mutex_lock(&c->lock);
	l = life_of(c, uuid);
	if (l->mdev) {
		snprintf(what, sizeof(what), "%s of a live device (%lu creates, "
			 "%lu removes)", how, l->creates, l->removes);
		violation(c, uuid, what);
	}
	l->mdev = mdev;
	l->creates++;
	g_mutex_unlock(&c->lock);
	return 0;
}

static void end_life(struct mdev_device *mdev, const char *how)
{
	struct counting *c = counting_of(mdev);
	char uuid[37], what[96];
	struct life *l;

	uuid_text(mdev, uuid);
	g_mutex_lock(&c->lock);
	l = life_of(c, uuid);
	if (l->mdev != mdev) {
		snprintf(what, sizeof(what), "%s of a device that is not live "
			 "(%lu creates, %lu removes%s)", how, l->creates,
			 l->removes, l->mdev ? ", another one is" : "");
		violation(c, uuid, what);
	} else {
		l->mdev = NULL;
	}
	l->removes++;
	g_mutex_unlock(&c->lock);
}

static int counting_create(struct mdev_device *mdev)
{
	return begin_life(mdev, "create");
}

static int counting_remove(struct mdev_device *mdev)
{
	end_life(mdev, "remove");
	return 0;
}

static int counting_probe(struct mdev_device *mdev)
{
	return begin_life(mdev, "probe");
}

static void counting_driver_remove(struct mdev_device *mdev)
{
	end_life(mdev, "driver remove");
}

static const struct mdev_driver counting_driver = {
	.name = "counting",
	.probe = counting_probe,
	.remove = counting_driver_remove,
};

/* ---- types ---- */

static const struct attribute *const type_attrs[] = { NULL };
static const struct attribute_group type_a = { .name = "a", .attrs = type_attrs };
static const struct attribute_group type_b = { .name = "b", .attrs = type_attrs };
static const struct attribute_group *const type_groups[] = {
	&type_a, &type_b, NULL
};

/* ---- vendor file of each mdev ---- */

static ssize_t state_show(struct device *dev,
			  const struct device_attribute *attr, char *buf)
{
	struct mdev_device *mdev = mdev_from_dev(dev);
	struct counting *c;
	char uuid[37];
	bool live;

	(void)attr;
	if (!mdev)
		return -ENODEV;
	c = counting_of(mdev);
	uuid_text(mdev, uuid);
	g_mutex_lock(&c->lock);
	live = life_of(c, uuid)->mdev == mdev;
	if (!live)
		violation(c, uuid, "show of a device that is not live");
	g_mutex_unlock(&c->lock);
	return sysfs_emit(buf, "%s\n", live ? "live" : "dead");
}

static DEVICE_ATTR_RO(state);

static const struct attribute *const mdev_attrs[] = { &dev_attr_state.attr, NULL };
static const struct attribute_group mdev_group = {
	.name = "counting", .attrs = mdev_attrs,
};
static const struct attribute_group *const mdev_groups[] = { &mdev_group, NULL };

/* ---- parent files ---- */

static ssize_t violations_show(struct device *dev,
			       const struct device_attribute *attr, char *buf)
{
	struct counting *c = dev_get_drvdata(dev);
	unsigned long n;

	(void)attr;
	g_mutex_lock(&c->lock);
	n = c->violations;
	g_mutex_unlock(&c->lock);
	return sysfs_emit(buf, "%lu\n", n);
}

static ssize_t live_show(struct device *dev,
			 const struct device_attribute *attr, char *buf)
{
	struct counting *c = dev_get_drvdata(dev);
	GHashTableIter it;
	gpointer value;
	unsigned long n = 0;

	(void)attr;
	g_mutex_lock(&c->lock);
	g_hash_table_iter_init(&it, c->lives);
	while (g_hash_table_iter_next(&it, NULL, &value))
		n += ((struct life *)value)->mdev != NULL;
	g_mutex_unlock(&c->lock);
	return sysfs_emit(buf, "%lu\n", n);
}

static DEVICE_ATTR_RO(violations);
static DEVICE_ATTR_RO(live);

static const struct attribute *const parent_attrs[] = {
	&dev_attr_violations.attr, NULL
};
static const struct attribute_group parent_group = { .attrs = parent_attrs };
static const struct attribute_group *const parent_groups[] = {
	&parent_group, NULL
};
static const struct attribute *const legacy_attrs[] = { &dev_attr_live.attr, NULL };
static const struct attribute_group legacy_group = {
	.name = "counting_dev", .attrs = legacy_attrs,
};
static const struct attribute_group *const legacy_groups[] = {
	&legacy_group, NULL
};

/* ---- plugin ---- */

static int counting_init(struct mdevfs_host *host, const char *args,
			 void **data)
{
	static const char *const keys[] = { "report", NULL };
	struct mdevfs_args *parsed = mdevfs_args_parse("counting", args, keys);
	struct mdevfs_device_desc desc = {
		.name = "counting0",
		.class_name = "counting",
		.groups = parent_groups,
	};
	struct counting *c;
	int ret;

	if (!parsed)
		return -EINVAL;
	if (the) {
		mdevfs_args_free(parsed);
		return -EEXIST;
	}
	c = g_new0(struct counting, 1);
	g_mutex_init(&c->lock);
	c->lives = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	c->report = g_strdup(mdevfs_arg_str(parsed, "report"));
	mdevfs_args_free(parsed);
	c->ops.device_driver = &counting_driver;
	c->ops.device_api = "vfio-pci";
	c->ops.max_instances = COUNTING_INSTANCES;
	c->ops.dev_attr_groups = legacy_groups;
	c->ops.mdev_attr_groups = mdev_groups;
	c->ops.supported_type_groups = type_groups;
	c->ops.create = counting_create;
	c->ops.remove = counting_remove;
	c->dev = mdevfs_device_create(host, &desc);
	if (!c->dev) {
		ret = errno ? -errno : -ENOMEM;
		goto err;
	}
	dev_set_drvdata(c->dev, c);
	mdevfs_device_announces_changes(c->dev);
	ret = mdev_register_device(c->dev, &c->ops);
	if (ret) {
		mdevfs_device_destroy(c->dev);
		goto err;
	}
	the = c;
	*data = c;
	return 0;
err:
	g_hash_table_destroy(c->lives);
	g_free(c->report);
	g_mutex_clear(&c->lock);
	g_free(c);
	return ret;
}

static void counting_exit(struct mdevfs_host *host, void *data)
{
	struct counting *c = data;
	GHashTableIter it;
	gpointer key, value;

	(void)host;
	mdev_unregister_device(c->dev);
	g_mutex_lock(&c->lock);
	g_hash_table_iter_init(&it, c->lives);
	while (g_hash_table_iter_next(&it, &key, &value))
		if (((struct life *)value)->mdev)
			violation(c, key, "still live after the parent was "
				  "unregistered");
	g_mutex_unlock(&c->lock);
	mdevfs_device_destroy(c->dev);
	the = NULL;
	g_hash_table_destroy(c->lives);
	g_free(c->report);
	g_mutex_clear(&c->lock);
	g_free(c);
}

MDEVFS_PLUGIN("counting", counting_init, counting_exit);
