// SPDX-License-Identifier: MIT
/*
 * struct device: names, claims, references and the device lock, the
 * accessors plugins use, and what every device directory has (uevent,
 * power/).  A device's release is its kind's, which the host holds
 * (host.c), as the kernel's device_type holds it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "attrs.h"
#include "event.h"
#include "iommu.h"
#include "vfio_dev_class.h"

static guint path_hash(gconstpointer dev)
{
	return g_str_hash(((const struct device *)dev)->devpath);
}

static gboolean path_equal(gconstpointer a, gconstpointer b)
{
	return strcmp(((const struct device *)a)->devpath,
		      ((const struct device *)b)->devpath) == 0;
}

/* Subsystems are interned: their pointers compare. */
static guint name_hash(gconstpointer dev)
{
	const struct device *d = dev;

	return g_str_hash(d->name) ^ g_direct_hash(d->subsystem);
}

static gboolean name_equal(gconstpointer a, gconstpointer b)
{
	const struct device *x = a, *y = b;

	return x->subsystem == y->subsystem && strcmp(x->name, y->name) == 0;
}

void device_claims_init(struct mdevfs_host *host)
{
	host->claimed_paths = g_hash_table_new(path_hash, path_equal);
	host->claimed_names = g_hash_table_new(name_hash, name_equal);
}

void device_claims_fini(struct mdevfs_host *host)
{
	g_hash_table_destroy(host->claimed_paths);
	g_hash_table_destroy(host->claimed_names);
}

bool device_claim_path(struct mdevfs_host *host, struct device *dev)
{
	bool free_;

	host_lock(host);
	/* A name is unique within its subsystem; a device of none has
	 * only its path to claim. */
	free_ = !g_hash_table_contains(host->claimed_paths, dev) &&
		(!dev->subsystem ||
		 !g_hash_table_contains(host->claimed_names, dev));
	if (free_) {
		g_hash_table_add(host->claimed_paths, dev);
		if (dev->subsystem)
			g_hash_table_add(host->claimed_names, dev);
	}
	host_unlock(host);
	return free_;
}

bool device_path_claimed(struct mdevfs_host *host, const char *devpath)
{
	struct device probe = { .devpath = (char *)devpath };
	bool claimed;

	host_lock(host);
	claimed = g_hash_table_contains(host->claimed_paths, &probe);
	host_unlock(host);
	return claimed;
}

void device_release_path(struct mdevfs_host *host, struct device *dev)
{
	host_lock(host);
	/* Only dev's own claims: another device may hold an equal key if
	 * dev's claim failed. */
	if (g_hash_table_lookup(host->claimed_paths, dev) == dev)
		g_hash_table_remove(host->claimed_paths, dev);
	if (g_hash_table_lookup(host->claimed_names, dev) == dev)
		g_hash_table_remove(host->claimed_names, dev);
	host_unlock(host);
}

const char *device_class_name(const struct device *dev)
{
	if (dev->kind == DEVICE_VFIO)
		return "vfio-dev";
	return plain_of(dev) ? plain_of(dev)->class_name : NULL;
}

const char *device_driver(const struct device *dev)
{
	return plain_of(dev) ? plain_of(dev)->driver : NULL;
}

struct device_chr device_chr_of(const struct device *dev)
{
	if (dev->kind == DEVICE_VFIO)
		return vfio_dev_chr(dev);
	return plain_of(dev) ? plain_of(dev)->chr : (struct device_chr){ 0 };
}

struct mdev_parent *device_mdev_parent(const struct device *dev)
{
	return plain_of(dev) ? plain_of(dev)->mdev_parent : NULL;
}

const char *dev_driver_string(const struct device *dev)
{
	const char *driver = device_driver(dev);
	const char *class_name = device_class_name(dev);

	if (driver)
		return driver;
	if (dev->bus)
		return dev->bus;
	return class_name ? class_name : "";
}

size_t device_names_size(const char *devpath)
{
	return strlen(devpath) + 1;
}

/* A device's name is the last component of its path: one copy serves. */
void device_names(struct device *dev, char *room, const char *name,
		  const char *devpath)
{
	size_t len = strlen(devpath), name_len = strlen(name);

	g_assert(name_len <= len &&
		 strcmp(devpath + len - name_len, name) == 0);
	dev->devpath = strcpy(room, devpath);
	dev->name = room + len - name_len;
}


/* ------------------------------------------------------------------ */
/* References and the device lock                                      */

void device_initialize(struct device *dev)
{
	dev->refcount = 1;
	core_mutex_init(&dev->lock);
}

/* A vfio-dev is part of its mdev: it counts on the mdev's references. */
static struct device *counted(struct device *dev)
{
	return vfio_of(dev) ? &vfio_dev_mdev(vfio_of(dev))->dev : dev;
}

struct device *get_device(struct device *dev)
{
	if (dev) {
		dev = counted(dev);
		/* Only a holder may take another: 0 would be a resurrection. */
		g_assert(g_atomic_int_get(&dev->refcount) > 0);
		g_atomic_int_inc(&dev->refcount);
	}
	return dev;
}

void put_device(struct device *dev)
{
	if (!dev)
		return;
	dev = counted(dev);
	if (!g_atomic_int_dec_and_test(&dev->refcount))
		return;
	/* The release may take the host lock and announce: like the
	 * kernel's, it must not run under a core lock. */
	lockdep_assert_not_held(&dev->lock);
	lockdep_assert_not_held(&dev->host->lock);
	dev->host->release[dev->kind](dev);
}

void device_lock(struct device *dev)
{
	/* Lock order: a device, then the host; never the other way. */
	lockdep_assert_not_held(&dev->host->lock);
	core_mutex_lock(&dev->lock);
}

void device_unlock(struct device *dev)
{
	core_mutex_unlock(&dev->lock);
}

bool device_valid_name(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

int device_create_link(struct device *dev, const char *name,
		       struct device *target)
{
	if (!dev || !target || !device_valid_name(name) || dev->host != target->host)
		return -EINVAL;
	mdev_emit(dev->host, &(struct mdev_event){ .type = MDEV_EVENT_LINK_ADD,
						   .dev = dev, .attr = name,
						   .target = target });
	return 0;
}

void device_remove_link(struct device *dev, const char *name)
{
	if (dev && device_valid_name(name))
		mdev_emit(dev->host, &(struct mdev_event){ .type = MDEV_EVENT_LINK_DEL,
							   .dev = dev, .attr = name });
}

const char *dev_name(const struct device *dev)
{
	return dev->name;
}

void dev_set_drvdata(struct device *dev, void *data)
{
	dev->drvdata = data;
}

void *dev_get_drvdata(const struct device *dev)
{
	return dev->drvdata;
}

void mdevfs_device_announces_changes(struct device *dev)
{
	if (dev)
		dev->announces = true;
}

void dev_sysfs_notify(struct device *dev, const char *group, const char *attr)
{
	mdev_emit(dev->host, &(struct mdev_event){ .type = MDEV_EVENT_ATTR_CHANGED,
						   .dev = dev, .group = group,
						   .attr = attr });
}

/* uevent: the variables the driver core adds beyond ACTION/DEVPATH. */
static ssize_t uevent_show(struct device *dev,
			   const struct device_attribute *attr, char *buf)
{
	g_auto(GStrv) vars = device_uevent_vars(dev);
	GString *text = g_string_new(NULL);
	const char *driver = device_driver(dev);
	ssize_t len;

	(void)attr;
	if (dev->kind == DEVICE_MDEV) {
		struct mdev_device *mdev = to_mdev_device(dev);

		/* Read once: an unbind may clear it while we show. */
		const struct mdev_driver *drv = g_atomic_pointer_get(&mdev->driver);

		driver = drv ? drv->name : NULL;
	}
	if (driver)
		g_string_append_printf(text, "DRIVER=%s\n", driver);
	for (char **v = vars; *v; v++)
		g_string_append_printf(text, "%s\n", *v);
	len = sysfs_emit(buf, "%s", text->str);
	g_string_free(text, TRUE);
	return len;
}

char **device_uevent_vars(const struct device *dev)
{
	GPtrArray *vars = g_ptr_array_new();
	struct device_chr chr = device_chr_of(dev);

	if (chr.major) {
		g_ptr_array_add(vars, g_strdup_printf("MAJOR=%u", chr.major));
		g_ptr_array_add(vars, g_strdup_printf("MINOR=%u", chr.minor));
		g_ptr_array_add(vars, g_strdup_printf("DEVNAME=%s/%s",
						      chr.devnode_dir,
						      dev->name));
	}
	for (char **v = plain_of(dev) ? plain_of(dev)->uevent_vars : NULL;
	     v && *v; v++)
		g_ptr_array_add(vars, g_strdup(*v));
	g_ptr_array_add(vars, NULL);
	return (char **)g_ptr_array_free(vars, FALSE);
}

/* Writing an action name to a uevent file asks for a synthetic event. */
bool uevent_action_valid(const char *buf, size_t count)
{
	static const char *const actions[] = { "add", "remove", "change",
					       "move", "online", "offline",
					       "bind", "unbind" };
	size_t len = strnlen(buf, count);
	const char *end;

	while (len > 0 && g_ascii_isspace(buf[len - 1]))
		len--;
	/* An action may be followed by a space and UUID/variables. */
	end = memchr(buf, ' ', len);
	if (end)
		len = (size_t)(end - buf);
	for (size_t i = 0; i < G_N_ELEMENTS(actions); i++)
		if (len == strlen(actions[i]) &&
		    strncmp(buf, actions[i], len) == 0)
			return true;
	return false;
}

static ssize_t uevent_store(struct device *dev,
			    const struct device_attribute *attr,
			    const char *buf, size_t count)
{
	(void)dev;
	(void)attr;
	return uevent_action_valid(buf, count) ? (ssize_t)count : -EINVAL;
}

static DEVICE_ATTR_RW(uevent);

static const struct attribute *const device_uevent_attrs[] = {
	&dev_attr_uevent.attr, NULL
};

/* Runtime PM is never enabled for these devices. */
static ssize_t control_show(struct device *dev,
			    const struct device_attribute *attr, char *buf)
{
	(void)dev;
	(void)attr;
	return sysfs_emit(buf, "auto\n");
}

static ssize_t control_store(struct device *dev,
			     const struct device_attribute *attr,
			     const char *buf, size_t count)
{
	size_t len = strnlen(buf, count);

	(void)dev;
	(void)attr;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if ((len == 2 && strncmp(buf, "on", 2) == 0) ||
	    (len == 4 && strncmp(buf, "auto", 4) == 0))
		return (ssize_t)count;
	return -EINVAL;
}

static ssize_t runtime_status_show(struct device *dev,
				   const struct device_attribute *attr,
				   char *buf)
{
	(void)dev;
	(void)attr;
	return sysfs_emit(buf, "unsupported\n");
}

static ssize_t zero_show(struct device *dev,
			 const struct device_attribute *attr, char *buf)
{
	(void)dev;
	(void)attr;
	return sysfs_emit(buf, "0\n");
}

/* Autosuspend is not in use, so the kernel answers EIO. */
static ssize_t autosuspend_delay_ms_show(struct device *dev,
					 const struct device_attribute *attr,
					 char *buf)
{
	(void)dev;
	(void)attr;
	(void)buf;
	return -EIO;
}

static ssize_t autosuspend_delay_ms_store(struct device *dev,
					  const struct device_attribute *attr,
					  const char *buf, size_t count)
{
	(void)dev;
	(void)attr;
	(void)buf;
	(void)count;
	return -EIO;
}

static DEVICE_ATTR_RW(control);
static DEVICE_ATTR_RO(runtime_status);
static DEVICE_ATTR_RW(autosuspend_delay_ms);
static const struct device_attribute dev_attr_runtime_active_time =
	MDEVFS_ATTR(runtime_active_time, 0444, zero_show, NULL);
static const struct device_attribute dev_attr_runtime_suspended_time =
	MDEVFS_ATTR(runtime_suspended_time, 0444, zero_show, NULL);

static const struct attribute *const device_power_attrs[] = {
	&dev_attr_control.attr,
	&dev_attr_runtime_status.attr,
	&dev_attr_runtime_active_time.attr,
	&dev_attr_runtime_suspended_time.attr,
	&dev_attr_autosuspend_delay_ms.attr,
	NULL
};

static const struct attribute_group device_uevent_group = {
	.attrs = device_uevent_attrs,
};
static const struct attribute_group device_power_group = {
	.name = "power", .attrs = device_power_attrs,
};

const struct attribute_group *const device_core_groups[] = {
	&device_uevent_group, &device_power_group, NULL
};
