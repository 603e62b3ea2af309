/* SPDX-License-Identifier: MIT */
/*
 * mdevfs plugin interface.
 *
 * A vendor backend is a shared object that registers one or more parent
 * devices with the mdev core, the way a kernel mdev vendor driver does.  The
 * names follow the kernel's <linux/mdev.h> so that a driver author finds the
 * familiar shape: parent_ops with create/remove and the VFIO device
 * callbacks, attribute groups with show/store, and an mdev bus driver with
 * probe/remove.
 *
 * Everything a plugin may touch is declared here; the core's structures are
 * opaque.  A plugin exports one `struct mdevfs_plugin` named
 * `mdevfs_plugin` (use MDEVFS_PLUGIN()), whose abi_version the loader
 * compares with its own MDEVFS_PLUGIN_ABI_VERSION.
 *
 * The daemon is built with hidden visibility and exports exactly the
 * functions declared here, nothing else: a backend that calls anything
 * else fails to load with an undefined-symbol message.
 *
 * Rule for this header: every function declared in it is exported, and
 * its declaration is preceded by a line holding only MDEVFS_API (as
 * GLib's headers do with GLIB_AVAILABLE_IN_ALL).  Declare nothing else
 * with external linkage here.  tests/abi compares the daemon's exported
 * symbols with these declarations both ways, so a declaration without
 * the marker, or an exported function not declared here, fails the
 * suite with its name.
 */
#ifndef MDEVFS_MDEV_H
#define MDEVFS_MDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Bump whenever a structure below changes layout or meaning, or a
 * function's signature changes.  2: the bin_attrs of attribute groups,
 * the PCI description's new members.  3: only the MDEVFS_API functions
 * are exported, struct mdev_driver is const everywhere, and the backend
 * arguments are a struct mdevfs_args instead of a GHashTable.
 */
#define MDEVFS_PLUGIN_ABI_VERSION 3

/* What the daemon exports to backends; see the rule above. */
#define MDEVFS_API __attribute__((visibility("default")))

/* Size of a show() buffer, like the kernel's PAGE_SIZE for sysfs. */
#define MDEVFS_ATTR_BUF_SIZE 4096

struct mdevfs_host;  /* the running instance a plugin is loaded into */
struct device;       /* any device in the emulated tree (parents, mdevs) */
struct mdev_device;  /* a mediated device */
struct mdev_type;    /* one supported type of a parent */

/* ------------------------------------------------------------------ */
/* Attributes                                                          */

struct attribute {
	const char *name;
	unsigned short mode; /* 0444, 0200, 0644 ... */
};

/* Attributes of a device (a parent, or an mdev via mdev_dev()). */
struct device_attribute {
	struct attribute attr;
	ssize_t (*show)(struct device *dev, const struct device_attribute *attr,
			char *buf);
	ssize_t (*store)(struct device *dev, const struct device_attribute *attr,
			 const char *buf, size_t count);
};

/* Attributes of a supported type (the files in mdev_supported_types/<id>/). */
struct mdev_type_attribute {
	struct attribute attr;
	ssize_t (*show)(struct mdev_type *mtype,
			const struct mdev_type_attribute *attr, char *buf);
	ssize_t (*store)(struct mdev_type *mtype,
			 const struct mdev_type_attribute *attr,
			 const char *buf, size_t count);
};

/*
 * A named group becomes a subdirectory; an unnamed one puts its files in
 * the object's own directory.  attrs is NULL-terminated and points at the
 * `attr` member of device_attribute or mdev_type_attribute, depending on
 * where the group is used.
 */
struct attribute_group {
	const char *name;
	const struct attribute *const *attrs;
	/* Binary files of the group (NULL-terminated, may be NULL); only
	 * groups of devices have them.  Added last: the layout above is
	 * unchanged. */
	const struct bin_attribute *const *bin_attrs;
};

/*
 * Binary attributes: a file of `size` bytes read and written at an
 * offset, such as a PCI function's `config` (the kernel's
 * bin_attribute).  The core bounds every call before it reaches read()
 * or write(): off < size, off + count <= size, count > 0; a read at or
 * past the end returns 0 and a write there fails with EFBIG, as sysfs
 * answers.  size 0 means unbounded (the callback checks).  file is the
 * open file the call comes through (see mdevfs_file_admin()).
 */
struct mdevfs_file;

struct bin_attribute {
	struct attribute attr;
	size_t size;
	void *private;   /* the owner's, e.g. a BAR number */
	ssize_t (*read)(struct mdevfs_file *file, struct device *dev,
			const struct bin_attribute *attr, char *buf, off_t off,
			size_t count);
	ssize_t (*write)(struct mdevfs_file *file, struct device *dev,
			 const struct bin_attribute *attr, const char *buf,
			 off_t off, size_t count);
};

#define MDEVFS_BIN_ATTR(_name, _mode, _read, _write, _size)                \
	{ .attr = { .name = #_name, .mode = (_mode) },                     \
	  .size = (_size), .read = (_read), .write = (_write) }

/*
 * Whether the process that opened file counts as holding CAP_SYS_ADMIN
 * (the kernel's file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN)),
 * which some binary files ask before showing all they hold.  The file
 * system decides it when the file is opened; false for a NULL file.
 */
MDEVFS_API
bool mdevfs_file_admin(const struct mdevfs_file *file);

#define MDEVFS_ATTR(_name, _mode, _show, _store)                           \
	{ .attr = { .name = #_name, .mode = (_mode) },                     \
	  .show = (_show), .store = (_store) }

#define DEVICE_ATTR_RO(_name)                                              \
	const struct device_attribute dev_attr_##_name =                   \
		MDEVFS_ATTR(_name, 0444, _name##_show, NULL)
#define DEVICE_ATTR_WO(_name)                                              \
	const struct device_attribute dev_attr_##_name =                   \
		MDEVFS_ATTR(_name, 0200, NULL, _name##_store)
#define DEVICE_ATTR_RW(_name)                                              \
	const struct device_attribute dev_attr_##_name =                   \
		MDEVFS_ATTR(_name, 0644, _name##_show, _name##_store)

#define MDEV_TYPE_ATTR_RO(_name)                                           \
	const struct mdev_type_attribute mdev_type_attr_##_name =          \
		MDEVFS_ATTR(_name, 0444, _name##_show, NULL)

/* Snprintf into a show() buffer; returns the length like sysfs_emit(). */
MDEVFS_API
int sysfs_emit(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Number parsing for store() handlers, with the kernel's rules: optional
 * '+', base 0 picks 0x hex / leading-0 octal / decimal, one trailing
 * newline allowed, nothing else.  Return 0, -EINVAL or -ERANGE.
 */
MDEVFS_API
int kstrtoul(const char *s, unsigned int base, unsigned long *res);
MDEVFS_API
int kstrtouint(const char *s, unsigned int base, unsigned int *res);
MDEVFS_API
int kstrtoint(const char *s, unsigned int base, int *res);
/* String equality that ignores one trailing newline on either side. */
MDEVFS_API
bool sysfs_streq(const char *s1, const char *s2);

/*
 * An errno as a name that <errno.h> defines ("ENOSPC", "EDQUOT",
 * "EHWPOISON", aliases such as "EWOULDBLOCK" included) or as a plain
 * decimal from 1 to MDEVFS_ERRNO_MAX.  Returns the positive number, or
 * -EINVAL for anything else.  The daemon's control socket uses the same
 * function, so a backend's configuration and `mdevfs-ctl fault` accept
 * the same errnos.
 */
#define MDEVFS_ERRNO_MAX 4095
MDEVFS_API
int mdevfs_errno_parse(const char *text);

/*
 * The kernel release being emulated (mdevfs --profile), for backends whose
 * kernel driver changed between releases: compare with
 * MDEVFS_KERNEL_VERSION(5, 15, 0).
 */
#define MDEVFS_KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + (c))
MDEVFS_API
unsigned int mdevfs_kernel_version(const struct mdevfs_host *host);

/*
 * Backend arguments, "KEY=VALUE" words separated by ',' or ';' (';' fits
 * inside an -o list).  Returns the set of values by key (free it with
 * mdevfs_args_free()), or NULL after one line "BACKEND: reason" (on
 * stderr, or as the load's error when called from init) for a word
 * without '=', a key not in keys (NULL-terminated) or a repeated key.
 * NULL or empty args give an empty set.  The set is opaque.
 */
struct mdevfs_args;
MDEVFS_API
struct mdevfs_args *mdevfs_args_parse(const char *backend, const char *args,
				      const char *const *keys);
/* The text given for key, or NULL when it was not given (or args is
 * NULL); it lives as long as args. */
MDEVFS_API
const char *mdevfs_arg_str(const struct mdevfs_args *args, const char *key);
/* The value of key as a plain decimal in [min, max] into *value (left
 * alone when key is absent): 0, or -EINVAL with a one-line message. */
MDEVFS_API
int mdevfs_arg_uint(const struct mdevfs_args *args, const char *key,
		    unsigned int min, unsigned int max, unsigned int *value);
/* Free a set from mdevfs_args_parse(); NULL is allowed. */
MDEVFS_API
void mdevfs_args_free(struct mdevfs_args *args);

/* ------------------------------------------------------------------ */
/* Parent devices                                                      */

/*
 * Where a device sits and what it looks like, the way the driver core
 * would lay it out.  Either bus or class_name is set, or neither for a
 * device of no subsystem below parent_path (no subsystem link, listing
 * or uevents, as the driver core shows one).
 */
struct mdevfs_device_desc {
	const char *name;          /* e.g. "0000:3b:00.0", "matrix", "mtty" */
	/* Directory below the mount root that holds it, e.g.
	 * "devices/pci0000:00"; NULL puts a class device under
	 * devices/virtual/<class_name>. */
	const char *parent_path;
	const char *bus;           /* e.g. "pci", "css", "matrix" */
	const char *class_name;    /* e.g. "mtty" */
	/* The driver bound to the device, e.g. "nvidia"; it also prefixes
	 * the type ids (the kernel's dev_driver_string()). */
	const char *driver;
	/* Extra uevent variables ("PCI_SLOT_NAME=0000:3b:00.0"), NULL-ended. */
	const char *const *uevent_vars;
	/* Attribute groups of the device itself (device_attribute). */
	const struct attribute_group *const *groups;
};

/* Returns NULL with errno set (EINVAL, EEXIST) on failure. */
MDEVFS_API
struct device *mdevfs_device_create(struct mdevfs_host *host,
				    const struct mdevfs_device_desc *desc);
/* A class device with no bus and no driver, like the kernel samples'. */
MDEVFS_API
struct device *mdevfs_class_device_create(struct mdevfs_host *host,
					  const char *class_name,
					  const char *name);
MDEVFS_API
void mdevfs_device_destroy(struct device *dev);

/* A BAR as the board decodes it (struct mdevfs_pci_desc). */
struct mdevfs_pci_bar {
	unsigned long long size;   /* bytes, a power of two; 0: none */
	unsigned long long addr;   /* bus address; 0: the core picks one */
	unsigned int flags;        /* MDEVFS_PCI_BAR_* */
};

/* Values of the BAR's own low bits. */
#define MDEVFS_PCI_BAR_IO       0x1   /* I/O space, else memory */
#define MDEVFS_PCI_BAR_64BIT    0x4   /* 64-bit memory BAR */
#define MDEVFS_PCI_BAR_PREFETCH 0x8   /* prefetchable memory */

/* PCIe link speeds, as LnkCap encodes them. */
#define MDEVFS_PCIE_2_5GT 1
#define MDEVFS_PCIE_5GT   2
#define MDEVFS_PCIE_8GT   3
#define MDEVFS_PCIE_16GT  4
#define MDEVFS_PCIE_32GT  5

/* PCIe device types (0: chosen from the BARs). */
#define MDEVFS_PCIE_ENDPOINT        1
#define MDEVFS_PCIE_LEGACY_ENDPOINT 2
#define MDEVFS_PCIE_RC_INTEGRATED   3

/*
 * A PCI function as the PCI core shows it: devices/pci<domain>:00/<bdf>
 * (or parent_path/<bdf>) on bus pci, bound to driver, with vendor,
 * device, subsystem_vendor, subsystem_device, class, revision, numa_node
 * and modalias files and the PCI_* and MODALIAS uevent variables, and
 * the rest of drivers/pci/pci-sysfs.c's files: config (binary, built
 * from the members below), resource, irq, enable, local_cpus and the
 * others, link files for PCI Express, sriov_* for an SR-IOV PF.
 * groups and uevent_vars add to those.  NULL with errno on failure
 * (EINVAL for a description that does not add up).
 */
struct mdevfs_pci_desc {
	const char *bdf;             /* "0000:3b:00.0" */
	const char *parent_path;     /* NULL: devices/pci<domain>:00 */
	const char *driver;          /* e.g. "nvidia", "i915" */
	unsigned short vendor, device;
	unsigned short subsystem_vendor, subsystem_device;
	unsigned int class_code;     /* 24 bits: 0x030000 */
	unsigned char revision;
	int numa_node;               /* -1 when the machine has no NUMA */
	const struct attribute_group *const *groups;
	const char *const *uevent_vars;

	/*
	 * Added for the config space and the PCI core's files (issue #16);
	 * a description that leaves them zero gets the defaults noted,
	 * derived from the class.  The core builds `config` from them and
	 * the `resource`, link, MSI and SR-IOV files agree with it.
	 */
	/* BARs; all zero: a display controller's usual three (16 MiB
	 * registers, 256 MiB and 32 MiB 64-bit prefetchable; a VGA one
	 * adds 128 bytes of I/O at BAR5), else one 4 KiB memory BAR.  A
	 * 64-bit BAR takes the next slot too, which must stay empty. */
	struct mdevfs_pci_bar bars[6];
	bool pcie;                   /* PCI Express: 4096-byte config */
	unsigned char pcie_type;     /* MDEVFS_PCIE_*; 0: endpoint, or
					legacy endpoint with an I/O BAR */
	/* Link speed (MDEVFS_PCIE_*GT) and width (1..32 lanes), most and
	 * current; 0: a display controller's 8 GT/s x16, else 5 GT/s x1,
	 * current = most.  A root-complex integrated endpoint has none. */
	unsigned char link_max_speed, link_max_width;
	unsigned char link_speed, link_width;
	unsigned char msi_vectors;   /* 1, 2, 4 .. 32; 0: 1 */
	bool msi_32bit;              /* no 64-bit message address */
	unsigned short msix_vectors; /* table size 1..2048; 0: no MSI-X */
	unsigned char msix_bar;      /* BAR (BIR) of table and PBA */
	/* Offsets in that BAR; 0 PBA: right after the table. */
	unsigned int msix_table_offset, msix_pba_offset;
	bool aer;                    /* Advanced Error Reporting (PCIe) */
	/* Where each capability sits in config (a board's own layout);
	 * all 0: one after another from 0x40, in the order PM, MSI,
	 * PCIe, MSI-X.  Give every present one or none.  cap_vendor
	 * adds a vendor-specific capability cap_vendor_len bytes long
	 * (0: 12) there. */
	unsigned char cap_pm, cap_msi, cap_pcie, cap_msix;
	unsigned char cap_vendor, cap_vendor_len;
	unsigned char interrupt_pin; /* 1..4 = INTA..INTD; 0: INTA */
	unsigned int irq;            /* the `irq` file; 0: an IO-APIC pin
					from the slot and interrupt pin */
	unsigned char dma_mask_bits; /* 0: 64 */
	const char *local_cpulist;   /* "0-15,32-47"; NULL: the node's */
	bool boot_vga;               /* VGA class: the firmware console */
	/* An SR-IOV physical function: total_vfs > 0. */
	unsigned short sriov_total_vfs;
	unsigned short sriov_num_vfs;     /* enabled when it is made */
	unsigned short sriov_offset, sriov_stride;  /* 0: 1 and 1 */
	unsigned short sriov_vf_device;   /* 0: device */
	struct mdevfs_pci_bar sriov_bars[6];  /* one VF's BARs */
	/* A write of sriov_numvfs that changes it, after the core's
	 * checks (the kernel's pci_driver.sriov_configure): returns the
	 * VFs now enabled or a negative errno.  NULL: the value is
	 * stored, no VF is made or removed. */
	int (*sriov_configure)(struct device *dev, int num_vfs);
	/* An SR-IOV virtual function: physfn is its PF (made with this
	 * call) and vf_index its number (virtfnN); the IDs, BARs and
	 * vendor come from the PF, and config reads 0xffff as the IDs,
	 * as a VF's does. */
	struct device *physfn;
	unsigned short vf_index;
	/* A recorded config space (256 or 4096 bytes, copied) shown as it
	 * is instead of one built from the members above, which still make
	 * the other files: a host replayed byte for byte.  Writes to it
	 * change nothing.  NULL: built. */
	const void *config;
	size_t config_size;
};

MDEVFS_API
struct device *mdevfs_pci_device_create(struct mdevfs_host *host,
					const struct mdevfs_pci_desc *pci);

/* A symlink `name` in dev's directory pointing at target's directory
 * (e.g. an SR-IOV physfn/virtfnN pair).  Returns 0 or -EEXIST/-EINVAL. */
MDEVFS_API
int device_create_link(struct device *dev, const char *name,
		       struct device *target);
MDEVFS_API
void device_remove_link(struct device *dev, const char *name);

MDEVFS_API
const char *dev_name(const struct device *dev);
MDEVFS_API
void dev_set_drvdata(struct device *dev, void *data);
MDEVFS_API
void *dev_get_drvdata(const struct device *dev);

/*
 * Tell readers and pollers that an attribute's value changed without a
 * write to it (the kernel's sysfs_notify()).  group is NULL for files in
 * the device directory itself.  Do not hold a lock that a show() takes
 * while calling it: the kernel may be waiting for that show's reply.
 */
MDEVFS_API
void dev_sysfs_notify(struct device *dev, const char *group, const char *attr);

/*
 * mdevfs extension: promise that every change of the values of dev's
 * attribute files other than a write to the file itself is announced
 * with dev_sysfs_notify() (or, for available_instances,
 * mdev_parent_notify_available()); for a parent device the promise
 * covers its types' and its mdevs' files too.  A tree mounted with
 * -o no_open then keeps those values in the kernel's page cache; without
 * it the kernel asks again at every read.  Call it once the device
 * exists, before mdev_register_device(); it cannot be taken back.
 */
MDEVFS_API
void mdevfs_device_announces_changes(struct device *dev);

/* ------------------------------------------------------------------ */
/* The VFIO device region/ioctl interface, as the core forwards it.    */

struct mdevfs_vma {            /* what an mmap() of a device region asks */
	unsigned long pgoff;   /* offset in pages */
	size_t len;
	int prot;
	void *addr;            /* the driver fills this in on success */
};

/* ------------------------------------------------------------------ */
/* Parent ops                                                          */

struct mdev_parent_ops {
	/* The parent's mdev bus driver (Era D/E binding); may be NULL. */
	const struct mdev_driver *device_driver;

	/* Value of every type's device_api file, e.g. "vfio-pci". */
	const char *device_api;

	/*
	 * Capacity.  Either the core keeps one counter for the whole parent,
	 * starting at max_instances (create beyond it fails with EUSERS), or
	 * get_available() reports a per-type figure and the driver's create
	 * refuses on its own.  With neither, nothing can be created.
	 */
	unsigned int max_instances;
	int (*get_available)(struct mdev_type *mtype);

	/* Type description text; the file exists only if this is set. */
	ssize_t (*show_description)(struct mdev_type *mtype, char *buf);

	/* Attribute groups on the parent (shown by Era A-D profiles). */
	const struct attribute_group *const *dev_attr_groups;
	/* Vendor attribute groups on every mdev (device_attribute). */
	const struct attribute_group *const *mdev_attr_groups;
	/*
	 * One group per type, NULL-terminated.  The group name is the
	 * suffix of the type id (<driver string>-<name>).  A `name`
	 * mdev_type_attribute in the group supplies the pretty name; other
	 * attributes are extra vendor type files (Era A-D profiles only).
	 */
	const struct attribute_group *const *supported_type_groups;

	/* Lifecycle.  Return 0 or a negative errno. */
	int (*create)(struct mdev_device *mdev);
	int (*remove)(struct mdev_device *mdev);

	/* VFIO device callbacks, forwarded by the core's device API. */
	int (*open_device)(struct mdev_device *mdev);
	void (*close_device)(struct mdev_device *mdev);
	ssize_t (*read)(struct mdev_device *mdev, char *buf, size_t count,
			off_t *ppos);
	ssize_t (*write)(struct mdev_device *mdev, const char *buf,
			 size_t count, off_t *ppos);
	long (*ioctl)(struct mdev_device *mdev, unsigned int cmd,
		      unsigned long arg);
	int (*mmap)(struct mdev_device *mdev, struct mdevfs_vma *vma);
};

MDEVFS_API
int mdev_register_device(struct device *dev, const struct mdev_parent_ops *ops);
MDEVFS_API
void mdev_unregister_device(struct device *dev);
/*
 * The available_instances of dev's types changed for a reason the core
 * cannot see (e.g. a create on a sibling SR-IOV function); the core
 * already announces changes from creates and removes on dev itself.
 * Like dev_sysfs_notify(), never call it holding a lock that a show()
 * takes: the kernel may be waiting for that show's reply.
 */
MDEVFS_API
void mdev_parent_notify_available(struct device *dev);

/* ------------------------------------------------------------------ */
/* mdev devices and types                                              */

MDEVFS_API
struct device *mdev_dev(struct mdev_device *mdev);
MDEVFS_API
struct mdev_device *mdev_from_dev(struct device *dev);
MDEVFS_API
struct device *mdev_parent_dev(struct mdev_device *mdev);
MDEVFS_API
struct mdev_type *mdev_get_type(struct mdev_device *mdev);
MDEVFS_API
void mdev_set_drvdata(struct mdev_device *mdev, void *data);
MDEVFS_API
void *mdev_get_drvdata(struct mdev_device *mdev);
/* The UUID's 16 bytes, in the order they are printed. */
MDEVFS_API
const unsigned char *mdev_uuid(const struct mdev_device *mdev);

/* Index of the type in ops->supported_type_groups. */
MDEVFS_API
int mtype_get_type_group_id(const struct mdev_type *mtype);
MDEVFS_API
int mdev_get_type_group_id(struct mdev_device *mdev);
MDEVFS_API
struct device *mtype_get_parent_dev(struct mdev_type *mtype);
/* The type's sysfs id, e.g. "mtty-2". */
MDEVFS_API
const char *mtype_name(const struct mdev_type *mtype);

/* ------------------------------------------------------------------ */
/* The mdev bus driver                                                  */

struct mdev_driver {
	const char *name;  /* directory under bus/mdev/drivers/ */
	int (*probe)(struct mdev_device *mdev);
	void (*remove)(struct mdev_device *mdev);
	/* Extra attribute groups added to each bound mdev. */
	const struct attribute_group *const *dev_groups;
};

MDEVFS_API
int mdev_register_driver(struct mdevfs_host *host,
			 const struct mdev_driver *drv);
MDEVFS_API
void mdev_unregister_driver(struct mdevfs_host *host,
			    const struct mdev_driver *drv);

/* ------------------------------------------------------------------ */
/* Plugin entry point                                                   */

struct mdevfs_plugin {
	unsigned int abi_version;  /* MDEVFS_PLUGIN_ABI_VERSION */
	const char *name;
	/*
	 * Called once after loading; args is the text after '=' in
	 * `-o backend=name:args` (NULL if none).  Register parents here.
	 * Return 0 or a negative errno.
	 */
	int (*init)(struct mdevfs_host *host, const char *args, void **state);
	/* Unregister what init registered. */
	void (*exit)(struct mdevfs_host *host, void *state);
};

/*
 * Say why init() fails, e.g. "host.conf:12: mode: 0666 ...": called from
 * init (on its thread), the first message becomes the text of the load's
 * error ("backend NAME failed to start: MESSAGE"), which reaches the
 * daemon's start-up error or the `mdevfs-ctl load` reply, instead of the
 * strerror() of init's return value.  init must still return a negative
 * errno.  Called at any other time it prints the message on stderr.
 * (Added without an ABI bump: no structure changed; a backend using it
 * fails to load on an older mdevfs with an undefined-symbol message.)
 */
MDEVFS_API
void mdevfs_backend_error(struct mdevfs_host *host, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define MDEVFS_PLUGIN(_name, _init, _exit)                                 \
	__attribute__((visibility("default")))                             \
	const struct mdevfs_plugin mdevfs_plugin = {                       \
		.abi_version = MDEVFS_PLUGIN_ABI_VERSION,                  \
		.name = (_name), .init = (_init), .exit = (_exit) }

#ifdef __cplusplus
}
#endif

#endif /* MDEVFS_MDEV_H */
