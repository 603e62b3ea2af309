// SPDX-License-Identifier: MIT
/*
 * vfio_ap: s390 crypto adapters passed through with vfio-ap.
 *
 * One software parent, devices/vfio_ap/matrix, on bus "matrix" and bound
 * to the vfio_ap driver, offers the type vfio_ap-passthrough ("VFIO AP
 * Passthrough Device", device_api vfio-ap) with the core's counter at
 * 65536.  The real limit is APQN exclusivity: an mdev is given adapters
 * and usage domains, and each adapter.domain pair (APQN) they form may
 * belong to one mdev only.  Every mdev has, in its own directory:
 *   assign_adapter, unassign_adapter, assign_domain, unassign_domain,
 *   assign_control_domain, unassign_control_domain  (0200, one id each)
 *   matrix, guest_matrix, control_domains (0444), ap_config (0644)
 * The parent has `features`.  Older releases are followed too (mdevfs
 * --profile): ap_config and features exist from 6.10 on, guest_matrix
 * from 6.0; until 6.1 the driver counts the 65536 mdevs itself and
 * refuses with EPERM, and through 5.15 the mdevs bind the generic vfio_mdev.
 *
 * Arguments, comma-separated; a list value continues over the commas:
 *   max_adapter=N   largest adapter id (default 63, the machine without APXA)
 *   max_domain=N    largest usage/control domain id (default 15)
 *   queues=A.D,...  the APQNs that exist and are bound to vfio_ap; a guest
 *                   gets only those (default: every APQN)
 *   reserved=A.D,.. APQNs the host's zcrypt drivers own: assigning an id
 *                   that forms one fails with EADDRNOTAVAIL (default none)
 * The APQNs of queues= and reserved= are on the AP bus too (ap_bus.h):
 * cards and queues, bound to vfio_ap or to the host's cex4queue.
 */
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ap_bus.h"
#include "ap_matrix.h"
#include "mdevfs/mdev.h"

#define AP_DEFAULT_MAX_ADAPTER 63  /* no APXA */
#define AP_DEFAULT_MAX_DOMAIN 15
#define AP_MAX_MDEVS 65536         /* MAX_ZDEV_ENTRIES_EXT, 256 x 256 */
#define AP_NR_MDEV_ATTRS 10

/* Releases that changed what the driver shows. */
#define AP_SINCE MDEVFS_KERNEL_VERSION(4, 18, 0)          /* 4.20 really */
#define AP_OWN_DRIVER_SINCE MDEVFS_KERNEL_VERSION(5, 16, 0)
#define AP_GUEST_MATRIX_SINCE MDEVFS_KERNEL_VERSION(6, 0, 0)
#define AP_CONFIG_SINCE MDEVFS_KERNEL_VERSION(6, 10, 0)    /* and features */

struct ap_parent {
	struct device *dev;
	struct ap_bus *bus;         /* cards and queues of bound and reserved */
	unsigned int max_adapter;
	unsigned int max_domain;
	struct ap_apqns *bound;     /* bound to vfio_ap; NULL: every APQN */
	struct ap_apqns *reserved;  /* owned by the host; NULL: none */
	struct ap_bits host_apm;    /* adapters and domains the host has */
	struct ap_bits host_aqm;
	GMutex lock;                /* mdevs and every mdev's matrix */
	GList *mdevs;               /* struct ap_mdev * */
	unsigned int nr_mdevs;      /* the driver's own count (before 6.1) */
	/* What this release shows: per parent, chosen at init. */
	struct mdev_parent_ops ops;
	const struct attribute *attrs[AP_NR_MDEV_ATTRS + 1];
	struct attribute_group group;
	const struct attribute_group *groups[2];
};

struct ap_mdev {
	struct ap_parent *parent;
	struct ap_matrix matrix;
};

enum ap_field { AP_ADAPTER, AP_DOMAIN, AP_CONTROL };

/* A change to an mdev's matrix: a whole new one, or one id of one mask. */
struct ap_edit {
	const struct ap_matrix *whole;
	enum ap_field field;
	unsigned int id;
	bool assign;
};

static struct ap_mdev *ap_mdev_of(struct device *dev)
{
	return mdev_get_drvdata(mdev_from_dev(dev));
}

static struct ap_bits *field_of(struct ap_matrix *m, enum ap_field field)
{
	if (field == AP_ADAPTER)
		return &m->apm;
	return field == AP_DOMAIN ? &m->aqm : &m->adm;
}

static unsigned int field_max(const struct ap_parent *p, enum ap_field field)
{
	return field == AP_ADAPTER ? p->max_adapter : p->max_domain;
}

static bool matrix_equal(const struct ap_matrix *a, const struct ap_matrix *b)
{
	return ap_bits_equal(&a->apm, &b->apm) && ap_bits_equal(&a->aqm, &b->aqm) &&
	       ap_bits_equal(&a->adm, &b->adm);
}

/* ------------------------------------------------------------------ */
/* Changing a matrix                                                   */

static bool beyond_limits(const struct ap_parent *p, const struct ap_matrix *m)
{
	return ap_highest(&m->apm) > (int)p->max_adapter ||
	       ap_highest(&m->aqm) > (int)p->max_domain ||
	       ap_highest(&m->adm) > (int)p->max_domain;
}

/* Whether another mdev has an APQN that m forms. */
static bool shared(const struct ap_parent *p, const struct ap_mdev *am,
		   const struct ap_matrix *m)
{
	for (const GList *l = p->mdevs; l; l = l->next) {
		const struct ap_mdev *other = l->data;

		if (other != am && ap_meets(&other->matrix.apm, &m->apm) &&
		    ap_meets(&other->matrix.aqm, &m->aqm))
			return true;
	}
	return false;
}

/* Give am the matrix m if it may have it; parent locked. */
static int commit(struct ap_parent *p, struct ap_mdev *am,
		  const struct ap_matrix *m)
{
	if (p->reserved && ap_apqns_hit(p->reserved, &m->apm, &m->aqm))
		return -EADDRNOTAVAIL;
	if (shared(p, am, m))
		return -EADDRINUSE;
	if (beyond_limits(p, m))
		return -ENODEV;
	am->matrix = *m;
	return 0;
}

static void guest_of(const struct ap_parent *p, const struct ap_matrix *m,
		     struct ap_bits *apm, struct ap_bits *aqm)
{
	ap_guest_matrix(m, p->bound, &p->host_apm, &p->host_aqm, apm, aqm);
}

/*
 * Drop cached values of the files an edit changed.  The file written to
 * is refreshed by the tree itself (ap_config when whole).
 */
static void announce(struct device *dev, const struct ap_parent *p,
		     const struct ap_matrix *old, const struct ap_matrix *new,
		     bool whole)
{
	bool usage = !ap_bits_equal(&old->apm, &new->apm) ||
		     !ap_bits_equal(&old->aqm, &new->aqm);
	bool control = !ap_bits_equal(&old->adm, &new->adm);
	struct ap_bits old_apm, old_aqm, new_apm, new_aqm;

	guest_of(p, old, &old_apm, &old_aqm);
	guest_of(p, new, &new_apm, &new_aqm);
	if (usage)
		dev_sysfs_notify(dev, NULL, "matrix");
	if (!ap_bits_equal(&old_apm, &new_apm) || !ap_bits_equal(&old_aqm, &new_aqm))
		dev_sysfs_notify(dev, NULL, "guest_matrix");
	if (control)
		dev_sysfs_notify(dev, NULL, "control_domains");
	if ((usage || control) && !whole)
		dev_sysfs_notify(dev, NULL, "ap_config");
}

static int update(struct device *dev, const struct ap_edit *edit)
{
	struct ap_mdev *am = ap_mdev_of(dev);
	struct ap_parent *p = am->parent;
	struct ap_matrix old, new;
	int ret = 0;

	g_mutex_lock(&p->lock);
	old = am->matrix;
	new = edit->whole ? *edit->whole : old;
	if (!edit->whole)
		ap_assign(field_of(&new, edit->field), edit->id, edit->assign);
	/* Assigning what is assigned, or dropping what is not, does nothing. */
	if (!matrix_equal(&old, &new))
		ret = commit(p, am, &new);
	g_mutex_unlock(&p->lock);
	if (!ret)
		announce(dev, p, &old, &new, edit->whole != NULL);
	return ret;
}

/* A write of one id: parse errors, then ENODEV beyond the limit. */
static ssize_t change_id(struct device *dev, const char *buf, size_t count,
			 enum ap_field field, bool assign)
{
	struct ap_edit edit = { .field = field, .assign = assign };
	unsigned long id;
	int ret = kstrtoul(buf, 0, &id);

	if (ret)
		return ret;
	if (id > field_max(ap_mdev_of(dev)->parent, field))
		return -ENODEV;
	edit.id = (unsigned int)id;
	ret = update(dev, &edit);
	return ret ? ret : (ssize_t)count;
}

/* ------------------------------------------------------------------ */
/* mdev attributes                                                     */

#define AP_ID_STORE(_name, _field, _assign)                                \
	static ssize_t _name##_store(struct device *dev,                   \
				     const struct device_attribute *attr,  \
				     const char *buf, size_t count)        \
	{                                                                  \
		(void)attr;                                                \
		return change_id(dev, buf, count, _field, _assign);        \
	}                                                                  \
	static DEVICE_ATTR_WO(_name)

AP_ID_STORE(assign_adapter, AP_ADAPTER, true);
AP_ID_STORE(unassign_adapter, AP_ADAPTER, false);
AP_ID_STORE(assign_domain, AP_DOMAIN, true);
AP_ID_STORE(unassign_domain, AP_DOMAIN, false);
AP_ID_STORE(assign_control_domain, AP_CONTROL, true);
AP_ID_STORE(unassign_control_domain, AP_CONTROL, false);

static struct ap_matrix matrix_copy(struct device *dev)
{
	struct ap_mdev *am = ap_mdev_of(dev);
	struct ap_matrix m;

	g_mutex_lock(&am->parent->lock);
	m = am->matrix;
	g_mutex_unlock(&am->parent->lock);
	return m;
}

static ssize_t matrix_show(struct device *dev,
			   const struct device_attribute *attr, char *buf)
{
	struct ap_matrix m = matrix_copy(dev);

	(void)attr;
	return ap_show_matrix(buf, &m.apm, &m.aqm);
}

static ssize_t guest_matrix_show(struct device *dev,
				 const struct device_attribute *attr, char *buf)
{
	struct ap_matrix m = matrix_copy(dev);
	struct ap_bits apm, aqm;

	(void)attr;
	guest_of(ap_mdev_of(dev)->parent, &m, &apm, &aqm);
	return ap_show_matrix(buf, &apm, &aqm);
}

static ssize_t control_domains_show(struct device *dev,
				    const struct device_attribute *attr,
				    char *buf)
{
	struct ap_matrix m = matrix_copy(dev);

	(void)attr;
	return ap_show_domains(buf, &m.adm);
}

static ssize_t ap_config_show(struct device *dev,
			      const struct device_attribute *attr, char *buf)
{
	struct ap_matrix m = matrix_copy(dev);

	(void)attr;
	return ap_show_config(buf, &m);
}

/* All or nothing: EINVAL, EADDRNOTAVAIL, EADDRINUSE, ENODEV, in that order. */
static ssize_t ap_config_store(struct device *dev,
			       const struct device_attribute *attr,
			       const char *buf, size_t count)
{
	struct ap_matrix m;
	struct ap_edit edit = { .whole = &m };
	int ret = ap_parse_config(buf, count, &m);

	(void)attr;
	if (!ret)
		ret = update(dev, &edit);
	return ret ? ret : (ssize_t)count;
}

static DEVICE_ATTR_RO(matrix);
static DEVICE_ATTR_RO(guest_matrix);
static DEVICE_ATTR_RO(control_domains);
static DEVICE_ATTR_RW(ap_config);

/* What every release has; guest_matrix and ap_config came later. */
static const struct attribute *const ap_mdev_base_attrs[] = {
	&dev_attr_assign_adapter.attr,
	&dev_attr_unassign_adapter.attr,
	&dev_attr_assign_domain.attr,
	&dev_attr_unassign_domain.attr,
	&dev_attr_assign_control_domain.attr,
	&dev_attr_unassign_control_domain.attr,
	&dev_attr_control_domains.attr,
	&dev_attr_matrix.attr,
};
G_STATIC_ASSERT(G_N_ELEMENTS(ap_mdev_base_attrs) + 2 == AP_NR_MDEV_ATTRS);

static void ap_fill_attrs(struct ap_parent *p, unsigned int version)
{
	size_t n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(ap_mdev_base_attrs); i++)
		p->attrs[n++] = ap_mdev_base_attrs[i];
	if (version >= AP_GUEST_MATRIX_SINCE)
		p->attrs[n++] = &dev_attr_guest_matrix.attr;
	if (version >= AP_CONFIG_SINCE)
		p->attrs[n++] = &dev_attr_ap_config.attr;
	p->attrs[n] = NULL;
	p->group.attrs = p->attrs;
	p->groups[0] = &p->group;
	p->groups[1] = NULL;
}

/* ------------------------------------------------------------------ */
/* The type, the parent's own attribute, create and remove             */

static ssize_t name_show(struct mdev_type *mtype,
			 const struct mdev_type_attribute *attr, char *buf)
{
	(void)mtype;
	(void)attr;
	return sysfs_emit(buf, "VFIO AP Passthrough Device\n");
}

static MDEV_TYPE_ATTR_RO(name);

static const struct attribute *const ap_type_attrs[] = {
	&mdev_type_attr_name.attr, NULL
};
static const struct attribute_group ap_type_group = {
	.name = "passthrough", .attrs = ap_type_attrs,
};
static const struct attribute_group *const ap_type_groups[] = {
	&ap_type_group, NULL
};

static ssize_t features_show(struct device *dev,
			     const struct device_attribute *attr, char *buf)
{
	(void)dev;
	(void)attr;
	return sysfs_emit(buf, "guest_matrix hotplug ap_config\n");
}

static DEVICE_ATTR_RO(features);

static const struct attribute *const matrix_dev_attrs[] = {
	&dev_attr_features.attr, NULL
};
static const struct attribute_group matrix_dev_group = {
	.attrs = matrix_dev_attrs,
};
static const struct attribute_group *const matrix_dev_groups[] = {
	&matrix_dev_group, NULL
};

/*
 * A new mdev has nothing assigned.  Before 6.1 the driver counted and
 * refused with EPERM; from 6.1 the core's counter refuses first (EUSERS).
 */
static int ap_create(struct mdev_device *mdev)
{
	struct ap_parent *p = dev_get_drvdata(mdev_parent_dev(mdev));
	struct ap_mdev *am;

	g_mutex_lock(&p->lock);
	if (p->nr_mdevs >= AP_MAX_MDEVS) {
		g_mutex_unlock(&p->lock);
		return -EPERM;
	}
	am = g_new0(struct ap_mdev, 1);
	am->parent = p;
	p->nr_mdevs++;
	p->mdevs = g_list_prepend(p->mdevs, am);
	g_mutex_unlock(&p->lock);
	mdev_set_drvdata(mdev, am);
	return 0;
}

/* Its APQNs become free for the other mdevs. */
static int ap_remove(struct mdev_device *mdev)
{
	struct ap_mdev *am = mdev_get_drvdata(mdev);
	struct ap_parent *p = am->parent;

	g_mutex_lock(&p->lock);
	p->mdevs = g_list_remove(p->mdevs, am);
	p->nr_mdevs--;
	g_mutex_unlock(&p->lock);
	mdev_set_drvdata(mdev, NULL);
	g_free(am);
	return 0;
}

/* Only the name: the core runs ap_create()/ap_remove() as probe/remove. */
static const struct mdev_driver vfio_ap_mdev_driver = {
	.name = "vfio_ap_mdev",
};

static void ap_fill_ops(struct ap_parent *p, unsigned int version)
{
	struct mdev_parent_ops *ops = &p->ops;

	ap_fill_attrs(p, version);
	if (version >= AP_OWN_DRIVER_SINCE)
		ops->device_driver = &vfio_ap_mdev_driver;
	ops->device_api = "vfio-ap";
	ops->max_instances = AP_MAX_MDEVS;
	ops->mdev_attr_groups = p->groups;
	ops->supported_type_groups = ap_type_groups;
	ops->create = ap_create;
	ops->remove = ap_remove;
}

/* ------------------------------------------------------------------ */
/* Arguments                                                           */

struct ap_args {
	unsigned long max_adapter;
	unsigned long max_domain;
	struct ap_apqns *bound;
	struct ap_apqns *reserved;
};

static int arg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int arg_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vfio_ap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

static int take_max(unsigned long *max, const char *key, const char *value)
{
	if (kstrtoul(value, 0, max) || *max >= AP_IDS)
		return arg_error("%s=%s: want a number from 0 to %d", key, value,
				 AP_IDS - 1);
	return 0;
}

/* One APQN of a list; an empty value makes the list empty. */
static int take_apqn(struct ap_apqns **set, const char *key, const char *value,
		     bool first)
{
	unsigned int apid, apqi;

	if (!*set)
		*set = g_new0(struct ap_apqns, 1);
	if (first && !*value)
		return 0;
	if (!ap_parse_apqn(value, &apid, &apqi))
		return arg_error("%s: '%s' is not an APQN (adapter.domain in hex, e.g. 05.0004)",
				 key, value);
	ap_assign(&(*set)->queues[apid], apqi, true);
	return 0;
}

/* first: the value came with its key (not a continued list). */
static int take_value(struct ap_args *a, const char *key, const char *value,
		      bool first)
{
	if (strcmp(key, "queues") == 0)
		return take_apqn(&a->bound, key, value, first);
	if (strcmp(key, "reserved") == 0)
		return take_apqn(&a->reserved, key, value, first);
	if (!first)
		return arg_error("%s takes one number, not a list", key);
	if (strcmp(key, "max_adapter") == 0)
		return take_max(&a->max_adapter, key, value);
	if (strcmp(key, "max_domain") == 0)
		return take_max(&a->max_domain, key, value);
	return arg_error("unknown argument '%s' (known: max_adapter, max_domain, queues, reserved)",
			 key);
}

static int split_args(struct ap_args *a, const char *args)
{
	g_auto(GStrv) pieces = g_strsplit(args, ",", -1);
	const char *key = NULL;
	int ret = 0;

	for (char **p = pieces; *p && !ret; p++) {
		char *value = strchr(*p, '=');

		if (value) {
			*value++ = '\0';
			key = *p;
		} else if (!key) {
			return arg_error("'%s' is not key=value", *p);
		}
		ret = take_value(a, key, value ? value : *p, value != NULL);
	}
	return ret;
}

static int check_set(const struct ap_args *a, const struct ap_apqns *set,
		     const char *key)
{
	struct ap_bits apm, aqm;

	if (!set)
		return 0;
	ap_apqns_ids(set, &apm, &aqm);
	if (ap_highest(&apm) > (int)a->max_adapter ||
	    ap_highest(&aqm) > (int)a->max_domain)
		return arg_error("%s: an APQN is beyond max_adapter=%lu/max_domain=%lu",
				 key, a->max_adapter, a->max_domain);
	return 0;
}

/* The sets must fit the limits, and a queue has one driver only. */
static int check_args(const struct ap_args *a)
{
	int ret = check_set(a, a->bound, "queues");

	if (!ret)
		ret = check_set(a, a->reserved, "reserved");
	for (unsigned int i = 0; !ret && a->bound && a->reserved && i < AP_IDS; i++)
		if (ap_meets(&a->bound->queues[i], &a->reserved->queues[i]))
			ret = arg_error("an APQN of adapter %02x is both in queues and reserved",
					i);
	return ret;
}

/* On failure nothing is left to free. */
static int parse_args(struct ap_args *a, const char *args)
{
	int ret = 0;

	a->max_adapter = AP_DEFAULT_MAX_ADAPTER;
	a->max_domain = AP_DEFAULT_MAX_DOMAIN;
	if (args && *args)
		ret = split_args(a, args);
	if (!ret)
		ret = check_args(a);
	if (ret) {
		g_clear_pointer(&a->bound, g_free);
		g_clear_pointer(&a->reserved, g_free);
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* The plugin                                                          */

static struct ap_parent *parent_new(struct ap_args *a, unsigned int version)
{
	struct ap_parent *p = g_new0(struct ap_parent, 1);

	g_mutex_init(&p->lock);
	ap_fill_ops(p, version);
	p->max_adapter = (unsigned int)a->max_adapter;
	p->max_domain = (unsigned int)a->max_domain;
	p->bound = g_steal_pointer(&a->bound);
	p->reserved = g_steal_pointer(&a->reserved);
	if (p->bound) {
		ap_apqns_ids(p->bound, &p->host_apm, &p->host_aqm);
		return p;
	}
	for (unsigned int id = 0; id <= p->max_adapter; id++)
		ap_assign(&p->host_apm, id, true);
	for (unsigned int id = 0; id <= p->max_domain; id++)
		ap_assign(&p->host_aqm, id, true);
	return p;
}

static void parent_free(struct ap_parent *p)
{
	g_list_free(p->mdevs);
	g_free(p->bound);
	g_free(p->reserved);
	g_mutex_clear(&p->lock);
	g_free(p);
}

/* The matrix device: a child of the root device vfio_ap. */
static struct device *matrix_create(struct mdevfs_host *host,
				    unsigned int version)
{
	const struct mdevfs_device_desc desc = {
		.name = "matrix",
		.parent_path = "devices/vfio_ap",
		.bus = "matrix",
		.driver = "vfio_ap",
		.groups = version >= AP_CONFIG_SINCE ? matrix_dev_groups : NULL,
	};

	return mdevfs_device_create(host, &desc);
}

/* A queue's status: whether an mdev's matrix holds its APQN. */
static bool queue_assigned(void *ctx, unsigned int apid, unsigned int apqi)
{
	struct ap_parent *p = ctx;
	bool held = false;

	g_mutex_lock(&p->lock);
	for (GList *l = p->mdevs; l && !held; l = l->next) {
		const struct ap_mdev *am = l->data;

		held = ap_test(&am->matrix.apm, apid) &&
		       ap_test(&am->matrix.aqm, apqi);
	}
	g_mutex_unlock(&p->lock);
	return held;
}

static int ap_init(struct mdevfs_host *host, const char *args, void **data)
{
	unsigned int version = mdevfs_kernel_version(host);
	struct ap_args a = { 0 };
	struct ap_parent *p;
	int ret;

	if (version < AP_SINCE) {
		fprintf(stderr, "vfio_ap: the driver does not exist before Linux 4.20\n");
		return -ENODEV;
	}
	ret = parse_args(&a, args);
	if (ret)
		return ret;
	p = parent_new(&a, version);
	p->dev = matrix_create(host, version);
	if (!p->dev) {
		ret = errno ? -errno : -ENOMEM;
		parent_free(p);
		return ret;
	}
	dev_set_drvdata(p->dev, p);
	mdevfs_device_announces_changes(p->dev);
	if ((p->bound || p->reserved) &&
	    !(p->bus = ap_bus_create(host, p->bound, p->reserved,
				     queue_assigned, p))) {
		ret = errno ? -errno : -ENOMEM;
		mdevfs_device_destroy(p->dev);
		parent_free(p);
		return ret;
	}
	ret = mdev_register_device(p->dev, &p->ops);
	if (ret) {
		ap_bus_destroy(p->bus);
		mdevfs_device_destroy(p->dev);
		parent_free(p);
		return ret;
	}
	*data = p;
	return 0;
}

static void ap_exit(struct mdevfs_host *host, void *data)
{
	struct ap_parent *p = data;

	(void)host;
	mdev_unregister_device(p->dev);
	ap_bus_destroy(p->bus);
	mdevfs_device_destroy(p->dev);
	parent_free(p);
}

MDEVFS_PLUGIN("vfio_ap", ap_init, ap_exit);
