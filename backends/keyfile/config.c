// SPDX-License-Identifier: MIT
/*
 * Reading a host file: GKeyFile for the syntax and the values, the scan
 * (scan.c) for line numbers, and here every semantic rule, each refusal
 * pointing at the line of the key or group header it concerns.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdevfs/mdev.h"
#include "scan.h"

struct loader {
	const char *file;
	GKeyFile *kf;
	struct kf_scan scan;
	char *msg;                /* the first error */
	struct kf_conf *conf;
	GHashTable *parents;      /* name -> struct kf_parent_conf * */
};

static void attr_free(gpointer data)
{
	struct kf_attr_conf *a = data;

	g_free(a->group);
	g_free(a->name);
	g_free(a->value);
	g_free(a->data);
	g_free(a);
}

static void link_free(gpointer data)
{
	struct kf_link_conf *l = data;

	g_free(l->name);
	g_free(l->target);
	g_free(l);
}

static void type_free(gpointer data)
{
	struct kf_type_conf *t = data;

	g_free(t->suffix);
	g_free(t->name);
	g_free(t->description);
	g_free(t);
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static bool failv(struct loader *ld, int line, const char *fmt, va_list ap)
	G_GNUC_PRINTF(3, 0);

static bool failv(struct loader *ld, int line, const char *fmt, va_list ap)
{
	g_autofree char *reason = g_strdup_vprintf(fmt, ap);

	if (ld->msg)
		return false;
	if (line > 0)
		ld->msg = g_strdup_printf("%s:%d: %s", ld->file, line, reason);
	else
		ld->msg = g_strdup_printf("%s: %s", ld->file, reason);
	return false;
}

static G_GNUC_PRINTF(3, 4) bool fail_at(struct loader *ld, int line,
					const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	failv(ld, line, fmt, ap);
	va_end(ap);
	return false;
}

/* Blame the group header. */
static G_GNUC_PRINTF(3, 4) bool fail_group(struct loader *ld,
					   const char *group,
					   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	failv(ld, kf_scan_group_line(&ld->scan, group), fmt, ap);
	va_end(ap);
	return false;
}

/* Blame a key's line. */
static G_GNUC_PRINTF(4, 5) bool fail_key(struct loader *ld, const char *group,
					 const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	failv(ld, kf_scan_key_line(&ld->scan, group, key), fmt, ap);
	va_end(ap);
	return false;
}

static bool has(struct loader *ld, const char *group, const char *key)
{
	return g_key_file_has_key(ld->kf, group, key, NULL);
}

/* Of two keys that are both present, the one written last. */
static const char *later_key(struct loader *ld, const char *group,
			     const char *a, const char *b)
{
	return kf_scan_key_line(&ld->scan, group, a) >
	       kf_scan_key_line(&ld->scan, group, b) ? a : b;
}

/* ------------------------------------------------------------------ */
/* Values                                                              */

/* The raw text of a key, trimmed; NULL if absent. */
static char *raw(struct loader *ld, const char *group, const char *key)
{
	char *value = g_key_file_get_value(ld->kf, group, key, NULL);

	return value ? g_strstrip(value) : NULL;
}

/* The first backslash sequence GKeyFile does not know, or NULL. */
static const char *bad_escape(const char *text)
{
	for (const char *c = text; c && *c; c++) {
		if (*c != '\\')
			continue;
		if (!c[1] || !strchr("sntr\\", c[1]))
			return c;
		c++;
	}
	return NULL;
}

static bool get_string(struct loader *ld, const char *group, const char *key,
		       char **out)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	const char *bad;

	if (!has(ld, group, key))
		return true;
	*out = g_key_file_get_string(ld->kf, group, key, &error);
	if (!error && strlen(*out) > KF_VALUE_MAX)
		return fail_key(ld, group, key,
				"%s: %zu bytes, more than the %u a sysfs file shows before its newline",
				key, strlen(*out), KF_VALUE_MAX);
	if (!error)
		return true;
	g_clear_pointer(out, g_free);
	text = raw(ld, group, key);
	bad = bad_escape(text);
	if (bad)
		return fail_key(ld, group, key,
				"%s: unknown escape '%.2s' (known: \\s \\n \\t \\r \\\\)",
				key, bad);
	return fail_key(ld, group, key, "%s: %s", key, error->message);
}

static bool get_uint(struct loader *ld, const char *group, const char *key,
		     unsigned int min, bool *present, unsigned int *out)
{
	g_autofree char *text = raw(ld, group, key);
	guint64 value;

	*present = text != NULL;
	if (!text)
		return true;
	if (!g_ascii_string_to_unsigned(text, 10, min, G_MAXINT, &value, NULL))
		return fail_key(ld, group, key,
				"%s: '%s' is not a whole number from %u to %d",
				key, text, min, G_MAXINT);
	*out = (unsigned int)value;
	return true;
}

/* The kernel's VERIFY_OCTAL_PERMISSIONS(): what a sysfs attribute may be. */
static bool sysfs_mode(guint64 m)
{
	if (m > 0777 || (m & 0002))
		return false;
	if (((m >> 6) & 4) < ((m >> 3) & 4) || ((m >> 3) & 4) < (m & 4))
		return false;
	return ((m >> 6) & 2) >= ((m >> 3) & 2);
}

static bool get_mode(struct loader *ld, const char *group, unsigned int *out)
{
	g_autofree char *text = raw(ld, group, "mode");
	guint64 value;

	if (!text)
		return true;
	if (!g_ascii_string_to_unsigned(text, 8, 0, 0777, &value, NULL))
		return fail_key(ld, group, "mode",
				"mode: '%s' is not an octal mode from 0 to 0777",
				text);
	if (!sysfs_mode(value))
		return fail_key(ld, group, "mode",
				"mode: %s is not a sysfs mode (others may not write; the user must read and write at least what the group may, the group read at least what others may)",
				text);
	*out = (unsigned int)value;
	return true;
}

static bool get_bool(struct loader *ld, const char *group, const char *key,
		     bool *out)
{
	g_autofree char *text = raw(ld, group, key);

	if (!text)
		return true;
	if (strcmp(text, "true") && strcmp(text, "false"))
		return fail_key(ld, group, key, "%s: '%s' is not true or false",
				key, text);
	*out = strcmp(text, "true") == 0;
	return true;
}

/* Any name <errno.h> defines, or 1..4095: the daemon's one table. */
static bool parse_errno(const char *text, int *out)
{
	int value = mdevfs_errno_parse(text);

	if (value <= 0)
		return false;
	*out = value;
	return true;
}

static bool get_errno(struct loader *ld, const char *group, int *out)
{
	g_autofree char *text = raw(ld, group, "errno");

	if (!text || parse_errno(text, out))
		return true;
	return fail_key(ld, group, "errno",
			"errno: '%s' is neither an errno name like ENOSPC nor a number from 1 to 4095",
			text);
}

/* A file or directory name in sysfs. */
static bool valid_name(const char *name)
{
	if (!name || !*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *c = name; *c; c++)
		if (*c == '/' || g_ascii_isspace(*c) || g_ascii_iscntrl(*c))
			return false;
	return true;
}

/* A name longer than NAME_MAX, blamed on the key's line (or the group
 * header's when key is NULL). */
static bool name_too_long(struct loader *ld, const char *group,
			  const char *key, const char *name)
{
	size_t len = strlen(name);

	if (len <= KF_NAME_MAX)
		return false;
	if (key)
		fail_key(ld, group, key,
			 "%s: '%.16s...' is %zu bytes, more than NAME_MAX (%u)",
			 key, name, len, KF_NAME_MAX);
	else
		fail_group(ld, group,
			   "name '%.16s...' is %zu bytes, more than NAME_MAX (%u)",
			   name, len, KF_NAME_MAX);
	return true;
}

static bool get_name(struct loader *ld, const char *group, const char *key,
		     char **out)
{
	if (!get_string(ld, group, key, out))
		return false;
	if (*out && name_too_long(ld, group, key, *out))
		return false;
	if (!*out || valid_name(*out))
		return true;
	return fail_key(ld, group, key,
			"%s: '%s' is not a name (no '/', spaces, '.' or '..')",
			key, *out);
}

/* parent_path: a directory below devices/, e.g. devices/pci0000:00. */
static bool get_path(struct loader *ld, const char *group, char **out)
{
	g_auto(GStrv) parts = NULL;

	if (!get_string(ld, group, "parent_path", out))
		return false;
	if (!*out)
		return true;
	parts = g_strsplit(*out, "/", -1);
	for (char **p = parts; *p; p++)
		if (name_too_long(ld, group, "parent_path", *p))
			return false;
	for (char **p = parts; *p; p++)
		if (!valid_name(*p))
			return fail_key(ld, group, "parent_path",
					"parent_path: '%s' is not a relative path of names",
					*out);
	if (!parts[0] || strcmp(parts[0], "devices"))
		return fail_key(ld, group, "parent_path",
				"parent_path: '%s' is not below devices/", *out);
	return true;
}

static bool valid_uevent_var(const char *var)
{
	const char *eq = strchr(var, '=');

	if (!eq || eq == var || g_ascii_isdigit(var[0]))
		return false;
	for (const char *c = var; c < eq; c++)
		if (!g_ascii_isalnum(*c) && *c != '_')
			return false;
	return !g_str_has_prefix(var, "DRIVER=");
}

static bool get_uevent(struct loader *ld, const char *group, char ***out)
{
	g_autoptr(GError) error = NULL;

	if (!has(ld, group, "uevent"))
		return true;
	*out = g_key_file_get_string_list(ld->kf, group, "uevent", NULL, &error);
	if (!*out)
		return fail_key(ld, group, "uevent", "uevent: %s", error->message);
	for (char **v = *out; *v; v++)
		if (!valid_uevent_var(*v))
			return fail_key(ld, group, "uevent",
					"uevent: '%s' is not VAR=value (DRIVER comes from driver=)",
					*v);
	return true;
}

/* A VFIO device API string: vfio-pci, vfio-platform, vfio-ccw ... */
static bool get_device_api(struct loader *ld, const char *group, char **out)
{
	const char *rest;

	if (!get_string(ld, group, "device_api", out))
		return false;
	if (!*out)
		return true;
	rest = g_str_has_prefix(*out, "vfio-") ? *out + 5 : "";
	for (const char *c = rest; *c; c++)
		if (!g_ascii_islower(*c) && !g_ascii_isdigit(*c) && *c != '-')
			rest = "";
	if (*rest)
		return true;
	return fail_key(ld, group, "device_api",
			"device_api: '%s' is not a VFIO device API like vfio-pci",
			*out);
}

/* ------------------------------------------------------------------ */
/* Groups and their keys                                               */

static const char *const parent_keys[] = {
	"class", "bus", "driver", "parent_path", "uevent", "mdev_driver",
	"device_api", "max_instances", "pool", "homogeneous", "errno", "config",
	NULL
};
static const char *const type_keys[] = {
	"name", "description", "device_api", "max", "cost", NULL
};
static const char *const link_keys[] = { "target", NULL };
static const char *const attr_keys[] = {
	"mode", "value", "base64", "write", "errno", NULL
};

enum group_kind { KIND_PARENT, KIND_TYPE, KIND_PARENT_ATTR, KIND_MDEV_ATTR,
		  KIND_PARENT_LINK };

static const struct {
	const char *word;
	guint words;
	const char *form;
	const char *const *keys;
} kinds[] = {
	[KIND_PARENT] = { "parent", 2, "[parent NAME]", parent_keys },
	[KIND_TYPE] = { "type", 3, "[type PARENT SUFFIX]", type_keys },
	[KIND_PARENT_ATTR] = { "parent-attribute", 3,
			       "[parent-attribute PARENT [GROUP/]NAME]",
			       attr_keys },
	[KIND_MDEV_ATTR] = { "mdev-attribute", 3,
			     "[mdev-attribute PARENT [GROUP/]NAME]", attr_keys },
	[KIND_PARENT_LINK] = { "parent-link", 3, "[parent-link PARENT NAME]",
			       link_keys },
};

static bool check_keys(struct loader *ld, const char *group,
		       const char *const *allowed)
{
	g_auto(GStrv) keys = g_key_file_get_keys(ld->kf, group, NULL, NULL);

	for (char **k = keys; k && *k; k++)
		if (!g_strv_contains(allowed, *k))
			return fail_key(ld, group, *k, "unknown key '%s' in [%s]",
					*k, group);
	return true;
}

/* The kind of a group and its words; -1 (error set) if not one we know. */
static int group_kind(struct loader *ld, const char *group, GStrv *words)
{
	*words = g_strsplit(group, " ", -1);
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
		bool shaped;

		if (strcmp((*words)[0], kinds[i].word))
			continue;
		shaped = g_strv_length(*words) == kinds[i].words &&
			 !g_strv_contains((const char *const *)*words, "");
		if (!shaped)
			fail_group(ld, group, "[%s] should be %s (single spaces)",
				   group, kinds[i].form);
		return shaped && check_keys(ld, group, kinds[i].keys) ? (int)i : -1;
	}
	fail_group(ld, group,
		   "unknown group [%s]: expected [parent ...], [type ...], [parent-attribute ...], [mdev-attribute ...] or [parent-link ...]",
		   group);
	return -1;
}

static struct kf_parent_conf *find_parent(struct loader *ld, const char *group,
					  const char *name)
{
	struct kf_parent_conf *p = g_hash_table_lookup(ld->parents, name);

	if (!p)
		fail_group(ld, group, "[%s]: no [parent %s] in the file", group,
			   name);
	return p;
}

/* ------------------------------------------------------------------ */
/* [parent NAME]                                                       */

static bool load_placement(struct loader *ld, const char *group,
			   struct kf_parent_conf *p)
{
	if (!get_name(ld, group, "class", &p->class_name) ||
	    !get_name(ld, group, "bus", &p->bus) ||
	    !get_name(ld, group, "driver", &p->driver) ||
	    !get_path(ld, group, &p->parent_path) ||
	    !get_uevent(ld, group, &p->uevent))
		return false;
	if (p->class_name && p->bus)
		return fail_key(ld, group, later_key(ld, group, "class", "bus"),
				"class and bus exclude each other: a parent is a class device or a bus device");
	if (!p->class_name && !p->bus)
		return fail_group(ld, group, "[%s] needs class= or bus=", group);
	if (p->driver && !p->bus)
		return fail_key(ld, group, "driver",
				"driver needs bus=: only bus devices bind a driver");
	if (p->bus && !p->parent_path)
		return fail_group(ld, group,
				  "[%s] is a bus device and needs parent_path=",
				  group);
	return true;
}

static bool load_budget(struct loader *ld, const char *group,
			struct kf_parent_conf *p)
{
	static const char *const vendor_keys[] = { "pool", "homogeneous", NULL };

	if (!get_uint(ld, group, "max_instances", 0, &p->has_max_instances,
		      &p->max_instances) ||
	    !get_uint(ld, group, "pool", 0, &p->has_pool, &p->pool) ||
	    !get_bool(ld, group, "homogeneous", &p->homogeneous) ||
	    !get_errno(ld, group, &p->err))
		return false;
	for (const char *const *k = vendor_keys; p->has_max_instances && *k; k++)
		if (has(ld, group, *k))
			return fail_key(ld, group, *k,
					"%s cannot be combined with max_instances (the core's counter)",
					*k);
	/* Before 6.1 there is no core counter: the backend refuses alike. */
	if (p->has_max_instances && !has(ld, group, "errno"))
		p->err = EUSERS;
	return true;
}

/* The bytes of a base64 value of at most max bytes; false (and an
 * error naming what) if it is none. */
static bool get_base64(struct loader *ld, const char *group, const char *key,
		       gsize max, const char *what, guint8 **out, gsize *size)
{
	g_autofree char *text = raw(ld, group, key);

	if (!text)
		return true;
	if (strlen(text) > (max + 2) / 3 * 4 ||
	    strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
		    strlen(text))
		return fail_key(ld, group, key, "%s: not the base64 of %s",
				key, what);
	*out = g_base64_decode(text, size);
	return true;
}

/* config = BASE64: a PCI function's config space as recorded. */
static bool load_config(struct loader *ld, const char *group,
			struct kf_parent_conf *p)
{
	if (!has(ld, group, "config"))
		return true;
	if (g_strcmp0(p->bus, "pci"))
		return fail_key(ld, group, "config",
				"config needs bus = pci: only PCI functions have a config space");
	if (!get_base64(ld, group, "config", KF_CONFIG_MAX, "a config space",
			&p->config, &p->config_size))
		return false;
	if (p->config_size != 256 && p->config_size != KF_CONFIG_MAX)
		return fail_key(ld, group, "config",
				"config: %zu bytes; a config space has 256 (PCI) or 4096 (PCI Express)",
				(size_t)p->config_size);
	return true;
}

static bool load_parent(struct loader *ld, const char *group, const char *name)
{
	struct kf_parent_conf *p = g_new0(struct kf_parent_conf, 1);

	p->name = g_strdup(name);
	p->line = kf_scan_group_line(&ld->scan, group);
	p->err = ENOSPC;
	p->types = g_ptr_array_new_with_free_func(type_free);
	p->parent_attrs = g_ptr_array_new_with_free_func(attr_free);
	p->mdev_attrs = g_ptr_array_new_with_free_func(attr_free);
	p->links = g_ptr_array_new_with_free_func(link_free);
	g_ptr_array_add(ld->conf->parents, p);
	g_hash_table_insert(ld->parents, p->name, p);
	if (name_too_long(ld, group, NULL, name))
		return false;
	if (!valid_name(name))
		return fail_group(ld, group, "parent name '%s' is not a name", name);
	p->device_api_line = kf_scan_key_line(&ld->scan, group, "device_api");
	return load_placement(ld, group, p) && load_budget(ld, group, p) &&
	       load_config(ld, group, p) &&
	       get_name(ld, group, "mdev_driver", &p->mdev_driver) &&
	       get_device_api(ld, group, &p->device_api);
}

/* ------------------------------------------------------------------ */
/* [type PARENT SUFFIX]                                                */

/* Every type of a parent shows the parent's one device API. */
static bool type_device_api(struct loader *ld, const char *group,
			    struct kf_parent_conf *p)
{
	g_autofree char *pgroup = g_strdup_printf("parent %s", p->name);
	g_autofree char *api = NULL;
	int line = kf_scan_key_line(&ld->scan, group, "device_api");

	if (!get_device_api(ld, group, &api))
		return false;
	if (!api && !has(ld, pgroup, "device_api"))
		return fail_group(ld, group,
				  "[%s] has no device_api (give it here or in [%s])",
				  group, pgroup);
	if (!api)
		return true;   /* the parent's */
	if (!p->device_api) {
		p->device_api = g_steal_pointer(&api);
		p->device_api_line = line;
		return true;
	}
	if (strcmp(p->device_api, api) == 0)
		return true;
	return fail_at(ld, line,
		       "device_api '%s' differs from '%s' (line %d): all types of a parent share one",
		       api, p->device_api, p->device_api_line);
}

static bool load_type_budget(struct loader *ld, const char *group,
			     struct kf_parent_conf *p, struct kf_type_conf *t)
{
	bool has_cost;

	if (!get_uint(ld, group, "max", 0, &t->has_max, &t->max) ||
	    !get_uint(ld, group, "cost", 1, &has_cost, &t->cost))
		return false;
	if (p->has_max_instances && (t->has_max || has_cost))
		return fail_key(ld, group, t->has_max ? "max" : "cost",
				"%s cannot be combined with max_instances of parent %s",
				t->has_max ? "max" : "cost", p->name);
	if (has_cost && !p->has_pool)
		return fail_key(ld, group, "cost", "cost needs pool= in [parent %s]",
				p->name);
	if (p->has_pool && !has_cost)
		t->cost = 1;
	if (!p->has_max_instances && !p->has_pool && !t->has_max)
		return fail_group(ld, group,
				  "[%s] has no budget: give it max=, or give [parent %s] pool= or max_instances=",
				  group, p->name);
	return true;
}

static bool load_type(struct loader *ld, const char *group, char **words)
{
	struct kf_parent_conf *p = find_parent(ld, group, words[1]);
	struct kf_type_conf *t;

	if (!p)
		return false;
	if (name_too_long(ld, group, NULL, words[2]))
		return false;
	if (!valid_name(words[2]))
		return fail_group(ld, group, "type suffix '%s' is not a name",
				  words[2]);
	t = g_new0(struct kf_type_conf, 1);
	t->suffix = g_strdup(words[2]);
	g_ptr_array_add(p->types, t);
	return get_string(ld, group, "name", &t->name) &&
	       get_string(ld, group, "description", &t->description) &&
	       type_device_api(ld, group, p) &&
	       load_type_budget(ld, group, p, t);
}

/* ------------------------------------------------------------------ */
/* [parent-attribute|mdev-attribute PARENT [GROUP/]NAME]               */

static const char *const parent_reserved[] = {
	"uevent", "power", "subsystem", "driver", "mdev_supported_types", NULL
};
static const char *const mdev_reserved[] = {
	"uevent", "power", "subsystem", "driver", "iommu_group", "mdev_type",
	"remove", "vfio-dev", NULL
};

static bool load_attr_path(struct loader *ld, const char *group,
			   const char *path, bool of_mdev,
			   struct kf_attr_conf *a)
{
	const char *const *reserved = of_mdev ? mdev_reserved : parent_reserved;
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	guint n = g_strv_length(parts);

	for (guint i = 0; i < n && i < 2; i++)
		if (name_too_long(ld, group, NULL, parts[i]))
			return false;
	if (n > 2 || !valid_name(parts[0]) || (n == 2 && !valid_name(parts[1])))
		return fail_group(ld, group, "'%s' is not NAME or GROUP/NAME",
				  path);
	if (g_strv_contains(reserved, parts[0]))
		return fail_group(ld, group,
				  "'%s' is made by the driver core and cannot be an attribute",
				  parts[0]);
	a->group = n == 2 ? g_strdup(parts[0]) : NULL;
	a->name = g_strdup(parts[n - 1]);
	return true;
}

/* A file and a group directory of the same name in one directory. */
static bool check_clash(struct loader *ld, const char *group,
			const char *kind, struct kf_parent_conf *p,
			GPtrArray *attrs, const struct kf_attr_conf *a)
{
	for (guint i = 0; i < attrs->len; i++) {
		const struct kf_attr_conf *o = attrs->pdata[i];
		const char *mine = a->group ? a->group : a->name;

		if (!a->group == !o->group || strcmp(mine, o->group ? o->group : o->name))
			continue;
		if (o->group)
			return fail_group(ld, group,
					  "[%s] clashes with the directory of [%s %s %s/%s]",
					  group, kind, p->name, o->group, o->name);
		return fail_group(ld, group, "[%s] clashes with the file [%s %s %s]",
				  group, kind, p->name, o->name);
	}
	return true;
}

static bool load_write_rule(struct loader *ld, const char *group,
			    struct kf_attr_conf *a)
{
	g_autofree char *write = raw(ld, group, "write");
	bool writable = a->mode & 0222;

	a->store = writable;
	a->err = EPERM;
	if (write && !writable)
		return fail_key(ld, group, "write",
				"write needs a writable mode (0%03o has no write bit)",
				a->mode);
	if (write && strcmp(write, "store") && strcmp(write, "refuse"))
		return fail_key(ld, group, "write",
				"write: '%s' is neither store nor refuse", write);
	if (write)
		a->store = strcmp(write, "store") == 0;
	if (has(ld, group, "errno") && (a->store || !writable))
		return fail_key(ld, group, "errno",
				"errno needs a writable mode and write = refuse");
	return get_errno(ld, group, &a->err);
}

/* base64 = BYTES: a binary attribute of the parent (a recorded rom, a
 * VPD), read and written at offsets. */
static bool load_binary(struct loader *ld, const char *group, bool of_mdev,
			struct kf_attr_conf *a)
{
	if (!has(ld, group, "base64"))
		return true;
	if (of_mdev)
		return fail_key(ld, group, "base64",
				"base64: only a parent's attributes can be binary");
	if (a->value)
		return fail_key(ld, group, later_key(ld, group, "value", "base64"),
				"value and base64 exclude each other: a file is text or binary");
	if (!get_base64(ld, group, "base64", KF_BINARY_MAX, "at most 64 KiB",
			&a->data, &a->size))
		return false;
	if (!a->size)
		return fail_key(ld, group, "base64", "base64: an empty binary file");
	return true;
}

static bool load_attr(struct loader *ld, const char *group, char **words,
		      bool of_mdev)
{
	struct kf_parent_conf *p = find_parent(ld, group, words[1]);
	GPtrArray *attrs = p ? (of_mdev ? p->mdev_attrs : p->parent_attrs) : NULL;
	struct kf_attr_conf *a;

	if (!p)
		return false;
	a = g_new0(struct kf_attr_conf, 1);
	a->mode = 0444;
	if (!load_attr_path(ld, group, words[2], of_mdev, a) ||
	    !check_clash(ld, group, words[0], p, attrs, a)) {
		attr_free(a);
		return false;
	}
	g_ptr_array_add(attrs, a);
	if (!get_mode(ld, group, &a->mode) ||
	    !get_string(ld, group, "value", &a->value) ||
	    !load_write_rule(ld, group, a) || !load_binary(ld, group, of_mdev, a))
		return false;
	if (!a->value)
		a->value = g_strdup("");
	return true;
}

/* [parent-link PARENT NAME]: target = another parent (an SR-IOV pair's
 * physfn and virtfnN, say). */
static bool load_link(struct loader *ld, const char *group, char **words)
{
	struct kf_parent_conf *p = find_parent(ld, group, words[1]);
	g_autofree char *target = NULL;
	struct kf_link_conf *l;

	if (!p || name_too_long(ld, group, NULL, words[2]))
		return false;
	if (!valid_name(words[2]) || g_strv_contains(parent_reserved, words[2]))
		return fail_group(ld, group,
				  "'%s' cannot be a link of a parent", words[2]);
	if (!get_name(ld, group, "target", &target))
		return false;
	if (!target)
		return fail_group(ld, group, "[%s] needs target=", group);
	if (!g_hash_table_contains(ld->parents, target) ||
	    strcmp(target, p->name) == 0)
		return fail_key(ld, group, "target",
				"target: '%s' is not another [parent] of the file",
				target);
	l = g_new0(struct kf_link_conf, 1);
	l->name = g_strdup(words[2]);
	l->target = g_steal_pointer(&target);
	g_ptr_array_add(p->links, l);
	return true;
}

/* ------------------------------------------------------------------ */

static bool load_groups(struct loader *ld)
{
	g_auto(GStrv) groups = g_key_file_get_groups(ld->kf, NULL);
	g_autoptr(GPtrArray) later = g_ptr_array_new();

	/* Parents first, so that the others may name any of them. */
	for (char **g = groups; *g; g++) {
		g_auto(GStrv) words = NULL;
		int kind = group_kind(ld, *g, &words);

		if (kind < 0)
			return false;
		if (kind != KIND_PARENT)
			g_ptr_array_add(later, *g);
		else if (!load_parent(ld, *g, words[1]))
			return false;
	}
	for (guint i = 0; i < later->len; i++) {
		const char *g = later->pdata[i];
		g_auto(GStrv) words = g_strsplit(g, " ", -1);
		bool ok;

		if (strcmp(words[0], "type") == 0)
			ok = load_type(ld, g, words);
		else if (strcmp(words[0], "parent-link") == 0)
			ok = load_link(ld, g, words);
		else
			ok = load_attr(ld, g, words,
				       strcmp(words[0], "mdev-attribute") == 0);
		if (!ok)
			return false;
	}
	return true;
}

static bool check_parents(struct loader *ld)
{
	for (guint i = 0; i < ld->conf->parents->len; i++) {
		struct kf_parent_conf *p = ld->conf->parents->pdata[i];

		if (!p->types->len)
			return fail_at(ld, p->line,
				       "[parent %s] has no [type %s SUFFIX] group",
				       p->name, p->name);
	}
	return true;
}

/*
 * The file's text: a regular file (no FIFO to block on, no device to read
 * forever: the open does not wait and fstat() decides) of at most
 * KF_FILE_MAX bytes, also if it grows while read.
 */
static bool read_text(struct loader *ld, char **text, gsize *len)
{
	int fd = open(ld->file, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	char *buf;
	gsize got = 0;
	int err = 0;

	if (fd < 0)
		return fail_at(ld, 0, "%s", g_strerror(errno));
	if (fstat(fd, &st) != 0) {
		err = errno;
		close(fd);
		return fail_at(ld, 0, "%s", g_strerror(err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail_at(ld, 0, "not a regular file");
	}
	if (st.st_size > (off_t)KF_FILE_MAX) {
		close(fd);
		return fail_at(ld, 0, "%lld bytes, more than the %u MiB a host file may have",
			       (long long)st.st_size, KF_FILE_MAX >> 20);
	}
	buf = g_malloc((gsize)st.st_size + 2);
	for (;;) {
		ssize_t n = read(fd, buf + got, (gsize)st.st_size + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = errno;
		if (n <= 0)
			break;
		got += (gsize)n;
		if (got > (gsize)st.st_size)
			break;
	}
	close(fd);
	if (err || got > (gsize)st.st_size) {
		g_free(buf);
		return err ? fail_at(ld, 0, "%s", g_strerror(err)) :
			     fail_at(ld, 0, "grew while it was read");
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return true;
}

/* GKeyFile would silently cut a value at a NUL byte. */
static bool check_nul(struct loader *ld, const char *text, gsize len)
{
	const char *nul = memchr(text, '\0', len);
	int line = 1;

	if (!nul)
		return true;
	for (const char *c = text; c < nul; c++)
		line += *c == '\n';
	return fail_at(ld, line, "NUL byte (the file must be text)");
}

static bool load(struct loader *ld)
{
	g_autofree char *text = NULL;
	g_autofree char *reason = NULL;
	gsize len = 0;
	int line = 0;

	if (!read_text(ld, &text, &len) || !check_nul(ld, text, len))
		return false;
	if (!kf_scan_parse(ld->kf, text, len, &line, &reason) ||
	    !kf_scan_index(&ld->scan, text, &line, &reason))
		return fail_at(ld, line, "%s", reason);
	return load_groups(ld) && check_parents(ld);
}

struct kf_conf *kf_conf_load(const char *file, char **msg)
{
	struct loader ld = { .file = file };

	ld.kf = g_key_file_new();
	ld.conf = g_new0(struct kf_conf, 1);
	ld.conf->file = g_strdup(file);
	ld.conf->parents = g_ptr_array_new();
	ld.parents = g_hash_table_new(g_str_hash, g_str_equal);
	if (!load(&ld)) {
		kf_conf_free(ld.conf);
		ld.conf = NULL;
		*msg = ld.msg;
	}
	g_hash_table_destroy(ld.parents);
	kf_scan_clear(&ld.scan);
	g_key_file_free(ld.kf);
	return ld.conf;
}

/* ------------------------------------------------------------------ */

static void parent_free(struct kf_parent_conf *p)
{
	g_free(p->config);
	g_ptr_array_free(p->types, TRUE);
	g_ptr_array_free(p->parent_attrs, TRUE);
	g_ptr_array_free(p->mdev_attrs, TRUE);
	g_ptr_array_free(p->links, TRUE);
	g_free(p->name);
	g_free(p->class_name);
	g_free(p->bus);
	g_free(p->driver);
	g_free(p->parent_path);
	g_strfreev(p->uevent);
	g_free(p->mdev_driver);
	g_free(p->device_api);
	g_free(p);
}

void kf_conf_free(struct kf_conf *conf)
{
	if (!conf)
		return;
	for (guint i = 0; i < conf->parents->len; i++)
		parent_free(conf->parents->pdata[i]);
	g_ptr_array_free(conf->parents, TRUE);
	g_free(conf->file);
	g_free(conf);
}
