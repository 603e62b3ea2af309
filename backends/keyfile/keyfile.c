// SPDX-License-Identifier: MIT
/*
 * keyfile: a host described by a GKeyFile instead of C (mdevfs.conf(5)).
 * "-b keyfile:/path/host.conf" registers every [parent] of the file with
 * its [type]s, budget and attribute files.
 *
 * Budgets: a parent with max_instances leaves the counting to the core
 * (one counter for all types, EUSERS when exhausted; before 6.1, where
 * the core has none, the backend counts alike and refuses with the
 * parent's errno, EUSERS unless given).  Otherwise the
 * backend answers get_available() per type as the least of: the type's
 * max minus its instances, the parent pool's free units divided by the
 * type's cost, and 0 while the parent is homogeneous and another type is
 * in use; a create that finds 0 fails with the parent's errno.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "mdevfs/mdev.h"

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct kf_parent;

/* One parent or mdev attribute file (a parent's may be binary). */
struct kf_attr {
	struct device_attribute dattr;
	struct bin_attribute battr;
	const struct kf_attr_conf *conf;
	struct kf_parent *parent;
	bool of_mdev;           /* values live in each mdev's drvdata */
	unsigned int index;     /* into that value array */
};

struct kf_type {
	const struct kf_type_conf *conf;
	struct kf_parent *parent;
	/* The pretty name; the core makes the other type files. */
	struct mdev_type_attribute name;
	const struct attribute *attrs[2];
	struct attribute_group group;   /* name = the suffix */
	unsigned int used;              /* instances, under parent->lock */
};

struct kf_parent {
	const struct kf_parent_conf *conf;
	struct device *dev;
	struct mdev_parent_ops ops;
	GMutex lock;               /* counts and attribute values */
	unsigned int used;         /* instances of all types */
	unsigned int pool_used;    /* units of the pool in use */
	struct kf_type *types;
	struct kf_attr *parent_attrs;
	struct kf_attr *mdev_attrs;
	char **values;             /* of the parent attributes */
	GPtrArray *owned;          /* group arrays, freed with the parent */
};

struct kf_state {
	struct kf_conf *conf;
	GPtrArray *parents;        /* struct kf_parent *, registration order */
	GHashTable *drivers;       /* mdev_driver name -> struct mdev_driver * */
};

/* ------------------------------------------------------------------ */
/* Budget                                                              */

static struct kf_type *type_of(struct mdev_type *mtype)
{
	struct kf_parent *p = dev_get_drvdata(mtype_get_parent_dev(mtype));

	return &p->types[mtype_get_type_group_id(mtype)];
}

/* Instances of t that may still be created; parent->lock held. */
static unsigned int available(const struct kf_type *t)
{
	const struct kf_parent *p = t->parent;
	const struct kf_parent_conf *pc = p->conf;
	unsigned int avail = INT_MAX;

	if (pc->has_max_instances)
		return pc->max_instances - p->used;
	if (pc->homogeneous && p->used > t->used)
		return 0;
	if (t->conf->has_max)
		avail = MIN(avail, t->conf->max - t->used);
	if (pc->has_pool)
		avail = MIN(avail, (pc->pool - p->pool_used) / t->conf->cost);
	return avail;
}

static int kf_get_available(struct mdev_type *mtype)
{
	struct kf_type *t = type_of(mtype);
	unsigned int avail;

	g_mutex_lock(&t->parent->lock);
	avail = available(t);
	g_mutex_unlock(&t->parent->lock);
	return (int)avail;
}

static int take(struct kf_type *t)
{
	struct kf_parent *p = t->parent;
	int ret = 0;

	g_mutex_lock(&p->lock);
	if (available(t) == 0) {
		/* With max_instances the 6.1+ core refuses first (EUSERS). */
		ret = -p->conf->err;
	} else {
		p->used++;
		t->used++;
		p->pool_used += t->conf->cost;
	}
	g_mutex_unlock(&p->lock);
	return ret;
}

static void give_back(struct kf_type *t)
{
	struct kf_parent *p = t->parent;

	g_mutex_lock(&p->lock);
	p->used--;
	t->used--;
	p->pool_used -= t->conf->cost;
	g_mutex_unlock(&p->lock);
}

/* ------------------------------------------------------------------ */
/* Lifecycle: each mdev's drvdata is the values of its attributes      */

static char **initial_values(const GPtrArray *confs)
{
	char **values = g_new0(char *, confs->len + 1);

	for (guint i = 0; i < confs->len; i++) {
		const struct kf_attr_conf *c = confs->pdata[i];

		/* A binary file's bytes, in the same array (never NULL). */
		values[i] = c->data ? g_memdup2(c->data, c->size)
				    : g_strdup(c->value);
	}
	return values;
}

static int kf_create(struct mdev_device *mdev)
{
	struct kf_type *t = type_of(mdev_get_type(mdev));
	int ret = take(t);

	if (ret)
		return ret;
	mdev_set_drvdata(mdev, initial_values(t->parent->conf->mdev_attrs));
	return 0;
}

static int kf_remove(struct mdev_device *mdev)
{
	give_back(type_of(mdev_get_type(mdev)));
	g_strfreev(mdev_get_drvdata(mdev));
	mdev_set_drvdata(mdev, NULL);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Attribute files                                                     */

static char **values_of(const struct kf_attr *a, struct device *dev)
{
	struct mdev_device *mdev = a->of_mdev ? mdev_from_dev(dev) : NULL;

	if (!a->of_mdev)
		return a->parent->values;
	return mdev ? mdev_get_drvdata(mdev) : NULL;
}

static ssize_t attr_show(struct device *dev,
			 const struct device_attribute *attr, char *buf)
{
	const struct kf_attr *a = container_of(attr, struct kf_attr, dattr);
	char **values = values_of(a, dev);
	ssize_t len;

	g_mutex_lock(&a->parent->lock);
	len = sysfs_emit(buf, "%s\n", values ? values[a->index] : a->conf->value);
	g_mutex_unlock(&a->parent->lock);
	return len;
}

/* A stored write keeps the text without one trailing newline. */
static ssize_t attr_store(struct device *dev,
			  const struct device_attribute *attr,
			  const char *buf, size_t count)
{
	const struct kf_attr *a = container_of(attr, struct kf_attr, dattr);
	char **values = values_of(a, dev);
	size_t len = strnlen(buf, count);

	if (!a->conf->store)
		return -a->conf->err;
	if (!values)
		return -ENODEV;
	if (len && buf[len - 1] == '\n')
		len--;
	g_mutex_lock(&a->parent->lock);
	g_free(values[a->index]);
	values[a->index] = g_strndup(buf, len);
	g_mutex_unlock(&a->parent->lock);
	return (ssize_t)count;
}

/* A binary file's bytes at off; the core has bounded off and count by
 * its size. */
static ssize_t bin_read(struct mdevfs_file *file, struct device *dev,
			const struct bin_attribute *attr, char *buf, off_t off,
			size_t count)
{
	const struct kf_attr *a = container_of(attr, struct kf_attr, battr);

	(void)file;
	(void)dev;
	g_mutex_lock(&a->parent->lock);
	memcpy(buf, a->parent->values[a->index] + off, count);
	g_mutex_unlock(&a->parent->lock);
	return (ssize_t)count;
}

static ssize_t bin_write(struct mdevfs_file *file, struct device *dev,
			 const struct bin_attribute *attr, const char *buf,
			 off_t off, size_t count)
{
	const struct kf_attr *a = container_of(attr, struct kf_attr, battr);

	(void)file;
	(void)dev;
	if (!a->conf->store)
		return -a->conf->err;
	g_mutex_lock(&a->parent->lock);
	memcpy(a->parent->values[a->index] + off, buf, count);
	g_mutex_unlock(&a->parent->lock);
	return (ssize_t)count;
}

static struct kf_attr *make_attrs(struct kf_parent *p, const GPtrArray *confs,
				  bool of_mdev)
{
	struct kf_attr *attrs = g_new0(struct kf_attr, confs->len + 1);

	for (guint i = 0; i < confs->len; i++) {
		const struct kf_attr_conf *c = confs->pdata[i];

		attrs[i] = (struct kf_attr){
			.dattr = { .attr = { .name = c->name,
					     .mode = (unsigned short)c->mode },
				   .show = attr_show, .store = attr_store },
			.battr = { .attr = { .name = c->name,
					     .mode = (unsigned short)c->mode },
				   .size = c->size, .read = bin_read,
				   .write = bin_write },
			.conf = c, .parent = p, .of_mdev = of_mdev, .index = i,
		};
	}
	return attrs;
}

/* A group's text and binary files, as they are collected. */
struct kf_members {
	struct attribute_group *group;
	GPtrArray *text, *binary;
};

/* The attribute groups of n files: one per directory, in file order. */
static const struct attribute_group *const *
build_groups(struct kf_attr *attrs, guint n, GPtrArray *owned)
{
	g_autoptr(GArray) found = g_array_new(FALSE, TRUE,
					      sizeof(struct kf_members));
	GPtrArray *groups = g_ptr_array_new();
	gpointer list;

	if (!n) {
		g_ptr_array_free(groups, TRUE);
		return NULL;
	}
	for (guint i = 0; i < n; i++) {
		guint g;
		struct kf_members *m;

		for (g = 0; g < found->len; g++)
			if (!g_strcmp0(g_array_index(found, struct kf_members, g).group->name,
				       attrs[i].conf->group))
				break;
		if (g == found->len) {
			struct kf_members add = {
				.group = g_new0(struct attribute_group, 1),
				.text = g_ptr_array_new(),
				.binary = g_ptr_array_new(),
			};

			add.group->name = attrs[i].conf->group;
			g_ptr_array_add(owned, add.group);
			g_ptr_array_add(groups, add.group);
			g_array_append_val(found, add);
		}
		m = &g_array_index(found, struct kf_members, g);
		if (attrs[i].conf->data)
			g_ptr_array_add(m->binary, &attrs[i].battr);
		else
			g_ptr_array_add(m->text, &attrs[i].dattr.attr);
	}
	for (guint g = 0; g < found->len; g++) {
		struct kf_members *m = &g_array_index(found, struct kf_members, g);

		g_ptr_array_add(m->text, NULL);
		g_ptr_array_add(m->binary, NULL);
		m->group->attrs = (const struct attribute *const *)
			g_ptr_array_free(m->text, FALSE);
		m->group->bin_attrs = (const struct bin_attribute *const *)
			g_ptr_array_free(m->binary, FALSE);
		g_ptr_array_add(owned, (gpointer)m->group->attrs);
		g_ptr_array_add(owned, (gpointer)m->group->bin_attrs);
	}
	g_ptr_array_add(groups, NULL);
	list = g_ptr_array_free(groups, FALSE);
	g_ptr_array_add(owned, list);
	return list;
}

/* ------------------------------------------------------------------ */
/* Types                                                               */

static ssize_t name_show(struct mdev_type *mtype,
			 const struct mdev_type_attribute *attr, char *buf)
{
	const struct kf_type *t = container_of(attr, struct kf_type, name);

	(void)mtype;
	return sysfs_emit(buf, "%s\n", t->conf->name);
}

/* A type without a description next to ones with it reads empty. */
static ssize_t kf_show_description(struct mdev_type *mtype, char *buf)
{
	const char *text = type_of(mtype)->conf->description;

	return text ? sysfs_emit(buf, "%s\n", text) : 0;
}

static void setup_type(struct kf_parent *p, struct kf_type *t,
		       const struct kf_type_conf *c)
{
	t->conf = c;
	t->parent = p;
	t->name = (struct mdev_type_attribute)MDEVFS_ATTR(name, 0444, name_show, NULL);
	/* Without one the core shows the suffix (6.1+) or no name file. */
	t->attrs[0] = c->name ? &t->name.attr : NULL;
	t->group.name = c->suffix;
	t->group.attrs = t->attrs;
}

/* ------------------------------------------------------------------ */
/* Parents                                                             */

/* One struct mdev_driver per name, shared by the parents that name it. */
static struct mdev_driver *driver_named(struct kf_state *st, const char *name)
{
	struct mdev_driver *drv;

	if (!name)
		return NULL;
	drv = g_hash_table_lookup(st->drivers, name);
	if (!drv) {
		drv = g_new0(struct mdev_driver, 1);
		drv->name = name;
		g_hash_table_insert(st->drivers, (gpointer)name, drv);
	}
	return drv;
}

static void setup_ops(struct kf_state *st, struct kf_parent *p)
{
	const struct kf_parent_conf *c = p->conf;
	const struct attribute_group **types;
	bool described = false;

	types = g_new0(const struct attribute_group *, c->types->len + 1);
	g_ptr_array_add(p->owned, types);
	for (guint i = 0; i < c->types->len; i++) {
		types[i] = &p->types[i].group;
		described |= p->types[i].conf->description != NULL;
	}
	p->ops.device_driver = driver_named(st, c->mdev_driver);
	p->ops.device_api = c->device_api;
	if (c->has_max_instances)
		p->ops.max_instances = c->max_instances;
	else
		p->ops.get_available = kf_get_available;
	p->ops.show_description = described ? kf_show_description : NULL;
	p->ops.mdev_attr_groups = build_groups(p->mdev_attrs, c->mdev_attrs->len,
					       p->owned);
	p->ops.supported_type_groups = types;
	p->ops.create = kf_create;
	p->ops.remove = kf_remove;
}

static struct kf_parent *parent_new(struct kf_state *st,
				    const struct kf_parent_conf *c)
{
	struct kf_parent *p = g_new0(struct kf_parent, 1);

	p->conf = c;
	g_mutex_init(&p->lock);
	p->owned = g_ptr_array_new_with_free_func(g_free);
	p->types = g_new0(struct kf_type, c->types->len);
	for (guint i = 0; i < c->types->len; i++)
		setup_type(p, &p->types[i], c->types->pdata[i]);
	p->parent_attrs = make_attrs(p, c->parent_attrs, false);
	p->mdev_attrs = make_attrs(p, c->mdev_attrs, true);
	p->values = initial_values(c->parent_attrs);
	setup_ops(st, p);
	return p;
}

static void parent_free(struct kf_parent *p)
{
	if (p->dev) {
		mdev_unregister_device(p->dev);
		mdevfs_device_destroy(p->dev);
	}
	g_ptr_array_free(p->owned, TRUE);
	g_strfreev(p->values);
	g_free(p->parent_attrs);
	g_free(p->mdev_attrs);
	g_free(p->types);
	g_mutex_clear(&p->lock);
	g_free(p);
}

/* The uevent variables the PCI core makes itself are left to it. */
static bool pci_core_var(const char *var)
{
	static const char *const made[] = { "PCI_CLASS=", "PCI_ID=",
					    "PCI_SUBSYS_ID=", "PCI_SLOT_NAME=",
					    "MODALIAS=" };

	for (size_t i = 0; i < G_N_ELEMENTS(made); i++)
		if (g_str_has_prefix(var, made[i]))
			return true;
	return false;
}

static guint16 le16(const guint8 *b)
{
	return (guint16)(b[0] | b[1] << 8);
}

/* A PCI function replayed from its recorded config space: the IDs from
 * its header, the rest as the PCI core derives it from the class. */
static struct device *pci_parent_create(struct mdevfs_host *host,
					const struct kf_parent_conf *c,
					const struct attribute_group *const *groups)
{
	const guint8 *h = c->config;
	g_autoptr(GPtrArray) vars = g_ptr_array_new();
	struct mdevfs_pci_desc pci = {
		.bdf = c->name, .parent_path = c->parent_path,
		.driver = c->driver,
		.vendor = le16(h), .device = le16(h + 2),
		.revision = h[8],
		.class_code = (unsigned int)(h[11] << 16 | h[10] << 8 | h[9]),
		.subsystem_vendor = le16(h + 0x2c),
		.subsystem_device = le16(h + 0x2e),
		.numa_node = -1,
		.pcie = c->config_size > 256,
		.groups = groups,
		.config = c->config, .config_size = c->config_size,
	};

	for (char **v = c->uevent; v && *v; v++)
		if (!pci_core_var(*v))
			g_ptr_array_add(vars, *v);
	g_ptr_array_add(vars, NULL);
	pci.uevent_vars = (const char *const *)vars->pdata;
	return mdevfs_pci_device_create(host, &pci);
}

static int parent_register(struct mdevfs_host *host, struct kf_parent *p,
			   const char *file)
{
	const struct kf_parent_conf *c = p->conf;
	const struct mdevfs_device_desc desc = {
		.name = c->name, .parent_path = c->parent_path, .bus = c->bus,
		.class_name = c->class_name, .driver = c->driver,
		.uevent_vars = (const char *const *)c->uevent,
		.groups = build_groups(p->parent_attrs, c->parent_attrs->len,
				       p->owned),
	};
	struct device *dev = c->config ? pci_parent_create(host, c, desc.groups)
				       : mdevfs_device_create(host, &desc);
	int ret;

	if (!dev) {
		ret = -errno;
		mdevfs_backend_error(host, "%s:%d: [parent %s]: cannot make the device: %s",
				     file, c->line, c->name, g_strerror(errno));
		return ret;
	}
	dev_set_drvdata(dev, p);
	mdevfs_device_announces_changes(dev);
	ret = mdev_register_device(dev, &p->ops);
	if (ret) {
		mdevfs_backend_error(host, "%s:%d: [parent %s]: cannot register it: %s",
				     file, c->line, c->name, g_strerror(-ret));
		mdevfs_device_destroy(dev);
		return ret;
	}
	p->dev = dev;
	return 0;
}

/* ------------------------------------------------------------------ */

/* The parent's links, once every parent exists. */
static int parent_links(struct mdevfs_host *host, struct kf_state *st,
			struct kf_parent *p)
{
	for (guint i = 0; i < p->conf->links->len; i++) {
		const struct kf_link_conf *l = p->conf->links->pdata[i];
		struct device *target = NULL;
		int ret;

		for (guint j = 0; j < st->parents->len && !target; j++) {
			struct kf_parent *o = st->parents->pdata[j];

			if (strcmp(o->conf->name, l->target) == 0)
				target = o->dev;
		}
		ret = device_create_link(p->dev, l->name, target);
		if (ret) {
			mdevfs_backend_error(host, "%s: [parent-link %s %s]: %s",
					     st->conf->file, p->conf->name,
					     l->name, g_strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void kf_exit(struct mdevfs_host *host, void *data)
{
	struct kf_state *st = data;

	(void)host;
	for (guint i = st->parents->len; i > 0; i--)
		parent_free(st->parents->pdata[i - 1]);
	g_ptr_array_free(st->parents, TRUE);
	g_hash_table_destroy(st->drivers);
	kf_conf_free(st->conf);
	g_free(st);
}

static int kf_init(struct mdevfs_host *host, const char *args, void **data)
{
	g_autofree char *msg = NULL;
	struct kf_conf *conf;
	struct kf_state *st;

	if (!args || !*args) {
		mdevfs_backend_error(host, "keyfile: needs the path of a host file (-b keyfile:/path/host.conf)");
		return -EINVAL;
	}
	conf = kf_conf_load(args, &msg);
	if (!conf) {
		mdevfs_backend_error(host, "%s", msg);
		return -EINVAL;
	}
	st = g_new0(struct kf_state, 1);
	st->conf = conf;
	st->parents = g_ptr_array_new();
	st->drivers = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					    g_free);
	for (guint i = 0; i < conf->parents->len; i++) {
		struct kf_parent *p = parent_new(st, conf->parents->pdata[i]);
		int ret;

		g_ptr_array_add(st->parents, p);
		ret = parent_register(host, p, conf->file);
		if (ret) {
			kf_exit(host, st);
			return ret;
		}
	}
	for (guint i = 0; i < st->parents->len; i++) {
		int ret = parent_links(host, st, st->parents->pdata[i]);

		if (ret) {
			kf_exit(host, st);
			return ret;
		}
	}
	*data = st;
	return 0;
}

MDEVFS_PLUGIN("keyfile", kf_init, kf_exit);
