/* SPDX-License-Identifier: MIT */
/*
 * The host a key file describes, checked and ready to register (the format
 * is documented in mdevfs.conf(5)).  Strings are owned by the structures.
 */
#ifndef KEYFILE_CONFIG_H
#define KEYFILE_CONFIG_H

#include <glib.h>
#include <stdbool.h>

/* A file of a parent or of every mdev: [parent-attribute|mdev-attribute]. */
struct kf_attr_conf {
	char *group;          /* subdirectory, NULL for the device directory */
	char *name;
	unsigned int mode;
	char *value;          /* initial text, shown with a '\n' after it */
	/* A binary attribute instead (base64 =): its bytes, read and
	 * written at offsets; its size is theirs. */
	guint8 *data;
	gsize size;
	bool store;           /* writes are kept and read back */
	int err;              /* else a write fails with this errno */
};

/* A link of a parent to another: [parent-link PARENT NAME]. */
struct kf_link_conf {
	char *name;
	char *target;         /* the other parent's name */
};

struct kf_type_conf {
	char *suffix;         /* type id = <driver string>-<suffix> */
	char *name;           /* pretty name, NULL: the core shows the suffix */
	char *description;    /* NULL: none */
	bool has_max;
	unsigned int max;     /* per-type limit */
	unsigned int cost;    /* units of the parent's pool, 0 if no pool */
};

struct kf_parent_conf {
	char *name;
	char *class_name;     /* exactly one of class_name and bus */
	char *bus;
	char *driver;         /* bus devices only; NULL if unbound */
	char *parent_path;    /* NULL: devices/virtual/<class> */
	char **uevent;        /* "VAR=value", NULL-terminated */
	char *mdev_driver;    /* mdev bus driver name, NULL: driver string */
	char *device_api;     /* of every type (one per parent, as in 6.1+) */
	/* A PCI function's recorded config space (256 or 4096 bytes): the
	 * parent is then made by the PCI core, its IDs from the header. */
	guint8 *config;
	gsize config_size;
	int device_api_line;  /* where that value was first given */
	bool has_max_instances;  /* the core counter (EUSERS) */
	unsigned int max_instances;
	bool has_pool;
	unsigned int pool;
	bool homogeneous;     /* one type in use at a time */
	int err;              /* errno of a refused create */
	int line;             /* of the [parent] header */
	GPtrArray *types;        /* struct kf_type_conf *, file order */
	GPtrArray *parent_attrs; /* struct kf_attr_conf * */
	GPtrArray *mdev_attrs;   /* struct kf_attr_conf * */
	GPtrArray *links;        /* struct kf_link_conf * */
};

struct kf_conf {
	char *file;
	GPtrArray *parents;   /* struct kf_parent_conf *, file order */
};

/* Limits (mdevfs.conf(5), LIMITS). */
#define KF_FILE_MAX (16u << 20)   /* bytes of a host file */
#define KF_VALUE_MAX 4094u        /* a value and its '\n' fill a sysfs page */
#define KF_NAME_MAX 255u          /* NAME_MAX */
#define KF_CONFIG_MAX 4096u       /* a PCI Express config space */
#define KF_BINARY_MAX (64u << 10) /* a binary attribute's bytes */

/*
 * Read and check a host file.  On error returns NULL and sets *msg to
 * "FILE:LINE: reason" (or "FILE: reason" when no line applies).
 */
struct kf_conf *kf_conf_load(const char *file, char **msg);
void kf_conf_free(struct kf_conf *conf);

#endif
