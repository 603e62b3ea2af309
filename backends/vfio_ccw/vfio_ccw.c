// SPDX-License-Identifier: MIT
/*
 * vfio_ccw: s390 channel I/O subchannels handed to vfio-ccw.
 *
 * Each subchannel is a css bus device devices/css0/<cssid.ssid.schno>
 * bound to the vfio_ccw css driver.  It offers one type, vfio_ccw-io
 * ("I/O subchannel (Non-QDIO)", device_api vfio-ccw, no description), and
 * holds a single mdev: the core's per-parent counter starts at one, so a
 * second create fails with EUSERS.  The mdevs bind to the vfio_ccw_mdev
 * driver and have no vendor attributes.
 *
 * Older releases (mdevfs --profile): until 6.1 the driver counted the one
 * mdev itself and refused a second with EPERM; through 5.15 the mdevs bound
 * the generic vfio_mdev driver.
 *
 * Arguments, comma-separated; a list value continues over the commas:
 *   subchannels=<id>[,<id>...]  the subchannels (default 0.0.0313)
 *   nonoper=<id>[,<id>...]      of those, the ones that are not
 *                               operational: a create fails with ENODEV,
 *                               as the driver's probe does
 * An id is cssid.ssid.schno in hex, e.g. 0.0.0313 or fe.3.ffff.
 */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mdevfs/mdev.h"

#define CCW_DEFAULT_SUBCHANNEL "0.0.0313"
#define CCW_ID_LEN 10  /* "ff.3.ffff" and the NUL */
#define CCW_OWN_DRIVER_SINCE MDEVFS_KERNEL_VERSION(5, 16, 0)
/* The parent rework of 6.2 puts a device named "parent" (of no bus or
 * class) under each subchannel; the mdev parent stays the subchannel. */
#define CCW_PARENT_CHILD_SINCE MDEVFS_KERNEL_VERSION(6, 2, 0)

struct ccw_subchannel {
	struct device *dev;
	struct device *child;  /* "parent", from 6.2 */
	char name[CCW_ID_LEN];
	bool nonoper;
	gint in_use;  /* holds its mdev: the driver's own count before 6.1 */
};

struct ccw_state {
	GPtrArray *schs;  /* struct ccw_subchannel *, in argument order */
	struct mdev_parent_ops ops;  /* as the emulated release has them */
};

/* ---- the mdevs ---- */

static struct ccw_subchannel *sch_of(struct mdev_device *mdev)
{
	return dev_get_drvdata(mdev_parent_dev(mdev));
}

/*
 * A subchannel that is not operational refuses, as the probe does.  The
 * EPERM is the count of older drivers; from 6.1 the core refuses first.
 */
static int ccw_create(struct mdev_device *mdev)
{
	struct ccw_subchannel *sch = sch_of(mdev);

	if (sch->nonoper)
		return -ENODEV;
	return g_atomic_int_compare_and_exchange(&sch->in_use, 0, 1) ? 0 : -EPERM;
}

static int ccw_remove(struct mdev_device *mdev)
{
	g_atomic_int_set(&sch_of(mdev)->in_use, 0);
	return 0;
}

/* Only the name: the core runs ccw_create()/ccw_remove() in its place. */
static const struct mdev_driver vfio_ccw_mdev_driver = {
	.name = "vfio_ccw_mdev",
};

static ssize_t name_show(struct mdev_type *mtype,
			 const struct mdev_type_attribute *attr, char *buf)
{
	(void)mtype;
	(void)attr;
	return sysfs_emit(buf, "I/O subchannel (Non-QDIO)\n");
}

static MDEV_TYPE_ATTR_RO(name);

static const struct attribute *const ccw_type_attrs[] = {
	&mdev_type_attr_name.attr, NULL
};
static const struct attribute_group ccw_type_group_io = {
	.name = "io", .attrs = ccw_type_attrs,
};
static const struct attribute_group *const ccw_type_groups[] = {
	&ccw_type_group_io, NULL
};

static void ccw_fill_ops(struct mdev_parent_ops *ops, unsigned int version)
{
	if (version >= CCW_OWN_DRIVER_SINCE)
		ops->device_driver = &vfio_ccw_mdev_driver;
	ops->device_api = "vfio-ccw";
	ops->max_instances = 1;
	ops->supported_type_groups = ccw_type_groups;
	ops->create = ccw_create;
	ops->remove = ccw_remove;
}

/* ---- arguments ---- */

static int arg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int arg_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vfio_ccw: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

/* A field of 1..max_len hex digits (either case); its value in *value. */
static bool hex_field(const char *text, size_t max_len, unsigned int *value)
{
	size_t len = strlen(text);

	if (len == 0 || len > max_len)
		return false;
	*value = 0;
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isxdigit(text[i]))
			return false;
		*value = *value * 16 + (unsigned int)g_ascii_xdigit_value(text[i]);
	}
	return true;
}

/*
 * cssid.ssid.schno: a cssid of one or two hex digits, an ssid of 0-3 and
 * a four-digit subchannel number.  out gets the kernel's spelling of the
 * device name ("%x.%x.%04x").
 */
static bool parse_schid(const char *text, char out[CCW_ID_LEN])
{
	g_auto(GStrv) parts = g_strsplit(text, ".", -1);
	unsigned int cssid, ssid, schno;

	if (g_strv_length(parts) != 3 || strlen(parts[2]) != 4)
		return false;
	if (!hex_field(parts[0], 2, &cssid) || !hex_field(parts[1], 1, &ssid) ||
	    !hex_field(parts[2], 4, &schno) || ssid > 3)
		return false;
	snprintf(out, CCW_ID_LEN, "%x.%x.%04x", cssid, ssid, schno);
	return true;
}

static struct ccw_subchannel *find_sch(struct ccw_state *st, const char *name)
{
	for (guint i = 0; i < st->schs->len; i++) {
		struct ccw_subchannel *sch = st->schs->pdata[i];

		if (strcmp(sch->name, name) == 0)
			return sch;
	}
	return NULL;
}

static int add_subchannel_arg(struct ccw_state *st, const char *name)
{
	struct ccw_subchannel *sch;

	if (find_sch(st, name))
		return arg_error("subchannel %s is listed twice", name);
	sch = g_new0(struct ccw_subchannel, 1);
	g_strlcpy(sch->name, name, sizeof(sch->name));
	g_ptr_array_add(st->schs, sch);
	return 0;
}

/* One id of a list; nonoper ids are checked once all are known. */
static int take_id(struct ccw_state *st, GPtrArray *nonoper, const char *key,
		   const char *text)
{
	char name[CCW_ID_LEN];

	if (!parse_schid(text, name))
		return arg_error("'%s' is not a subchannel id (cssid.ssid.schno, e.g. %s)",
				 text, CCW_DEFAULT_SUBCHANNEL);
	if (strcmp(key, "subchannels") == 0)
		return add_subchannel_arg(st, name);
	g_ptr_array_add(nonoper, g_strdup(name));
	return 0;
}

static int mark_nonoper(struct ccw_state *st, GPtrArray *nonoper)
{
	for (guint i = 0; i < nonoper->len; i++) {
		struct ccw_subchannel *sch = find_sch(st, nonoper->pdata[i]);

		if (!sch)
			return arg_error("nonoper subchannel %s is not among the subchannels",
					 (const char *)nonoper->pdata[i]);
		sch->nonoper = true;
	}
	return 0;
}

/*
 * "key=value,value,key=value": a piece without '=' is one more id for the
 * key before it.
 */
static int split_args(struct ccw_state *st, GPtrArray *nonoper, const char *args)
{
	g_auto(GStrv) pieces = g_strsplit(args, ",", -1);
	const char *key = NULL;
	int ret = 0;

	for (char **p = pieces; *p && !ret; p++) {
		char *value = strchr(*p, '=');

		if (value) {
			*value++ = '\0';
			key = *p;
			if (strcmp(key, "subchannels") && strcmp(key, "nonoper"))
				return arg_error("unknown argument '%s' (known: subchannels, nonoper)",
						 key);
		} else if (!key) {
			return arg_error("'%s' is not key=value", *p);
		} else {
			value = *p;
		}
		ret = take_id(st, nonoper, key, value);
	}
	return ret;
}

static int parse_args(struct ccw_state *st, const char *args)
{
	GPtrArray *nonoper = g_ptr_array_new_with_free_func(g_free);
	int ret = 0;

	if (args && *args)
		ret = split_args(st, nonoper, args);
	if (!ret && st->schs->len == 0)
		ret = add_subchannel_arg(st, CCW_DEFAULT_SUBCHANNEL);
	if (!ret)
		ret = mark_nonoper(st, nonoper);
	g_ptr_array_free(nonoper, TRUE);
	return ret;
}

/* ---- subchannel devices ---- */

/* What the css bus adds to a subchannel's uevent (an I/O subchannel). */
static const char *const ccw_uevent_vars[] = {
	"ST=0", "MODALIAS=css:t0", NULL
};

/* The child device the driver's probe registers under the subchannel. */
static struct device *add_parent_child(struct mdevfs_host *host,
				       const struct ccw_subchannel *sch)
{
	g_autofree char *at = g_strdup_printf("devices/css0/%s", sch->name);
	const struct mdevfs_device_desc desc = {
		.name = "parent",
		.parent_path = at,
	};

	return mdevfs_device_create(host, &desc);
}

static void destroy_subchannel(struct ccw_subchannel *sch)
{
	if (sch->child)
		mdevfs_device_destroy(sch->child);
	mdevfs_device_destroy(sch->dev);
	sch->child = NULL;
	sch->dev = NULL;
}

static int add_subchannel(struct mdevfs_host *host, struct ccw_state *st,
			  struct ccw_subchannel *sch)
{
	const struct mdevfs_device_desc desc = {
		.name = sch->name,
		.parent_path = "devices/css0",
		.bus = "css",
		.driver = "vfio_ccw",
		.uevent_vars = ccw_uevent_vars,
	};
	int ret;

	sch->dev = mdevfs_device_create(host, &desc);
	if (!sch->dev)
		return errno ? -errno : -ENOMEM;
	if (mdevfs_kernel_version(host) >= CCW_PARENT_CHILD_SINCE &&
	    !(sch->child = add_parent_child(host, sch))) {
		mdevfs_device_destroy(sch->dev);
		sch->dev = NULL;
		return -ENOMEM;
	}
	dev_set_drvdata(sch->dev, sch);
	mdevfs_device_announces_changes(sch->dev);
	ret = mdev_register_device(sch->dev, &st->ops);
	if (ret)
		destroy_subchannel(sch);
	return ret;
}

static void remove_subchannels(struct ccw_state *st)
{
	for (guint i = st->schs->len; i > 0; i--) {
		struct ccw_subchannel *sch = st->schs->pdata[i - 1];

		if (!sch->dev)
			continue;
		mdev_unregister_device(sch->dev);
		destroy_subchannel(sch);
	}
}

static void free_state(struct ccw_state *st)
{
	g_ptr_array_free(st->schs, TRUE);
	g_free(st);
}

static int ccw_init(struct mdevfs_host *host, const char *args, void **data)
{
	struct ccw_state *st = g_new0(struct ccw_state, 1);
	int ret;

	st->schs = g_ptr_array_new_with_free_func(g_free);
	ccw_fill_ops(&st->ops, mdevfs_kernel_version(host));
	ret = parse_args(st, args);
	for (guint i = 0; !ret && i < st->schs->len; i++)
		ret = add_subchannel(host, st, st->schs->pdata[i]);
	if (ret) {
		remove_subchannels(st);
		free_state(st);
		return ret;
	}
	*data = st;
	return 0;
}

static void ccw_exit(struct mdevfs_host *host, void *data)
{
	(void)host;
	remove_subchannels(data);
	free_state(data);
}

MDEVFS_PLUGIN("vfio_ccw", ccw_init, ccw_exit);
