// SPDX-License-Identifier: MIT
/*
 * gvtg: Intel GVT-g, i915 with kvmgt (spec/vendors.md §2).
 *
 * The parent is the integrated GPU, the PCI device 0000:00:02.0 bound to
 * the PCI driver i915, so its types are i915-GVTg_V5_<n> (GVTg_V4_<n> on
 * Gen8).  Every vGPU takes a slice of three shared resources: the CPU
 * visible part of the global GTT (the aperture, "low GM"), the rest of
 * the 4 GB GGTT ("high GM", hidden) and the 32 fence registers, each less
 * a host reserve.  Every type's available_instances follows from what is
 * left, so types mix freely and all of them drop together.  vGPU ids come
 * from 1..7 (0 is the idle vGPU).  A create that does not fit, or finds no
 * free id, fails with ENOSPC.
 *
 * From 6.1 the mdevs bind to kvmgt's mdev driver intel_vgpu_mdev (the spec
 * pins it no earlier; before, kvmgt had only parent ops and the mdevs went
 * to vfio_mdev) and carry intel_vgpu/vgpu_id.  No type has a vendor name, so since 6.1 the core's
 * `name` reads the bare sysfs name (GVTg_V5_4); the older profiles, where
 * the vendor group supplies the files, have none, as GVT-g had none.
 *
 * Arguments, separated by ',' or ';':
 *   aperture=MB  BIOS aperture size: 256, 512, 1024 (default) or 2048
 *   gen=9|8      Gen9 (SKL..CML, V5 types, default) or Gen8 (BDW, V4)
 */
#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdevfs/mdev.h"

#define GVT_BDF		"0000:00:02.0"
#define GVT_GGTT_MB	4096	/* aperture + hidden */
#define HOST_LOW_GM_MB	128
#define HOST_HIGH_GM_MB	384
#define HOST_FENCE	4
#define GVT_MAX_FENCES	32
#define GVT_MAX_VGPU	8	/* ids 1..7 */
#define GVT_DEF_APERTURE 1024	/* the usual BIOS maximum */

#define INTEL_VENDOR	0x8086
#define GVT_CLASS	0x030000

struct gvt_type {
	const char *suffix;	/* n of GVTg_V5_<n> */
	unsigned int low_mb;
	unsigned int high_mb;
	unsigned int fence;
	unsigned int weight;
	const char *resolution;	/* EDID */
};

/* Smallest first: the order in which i915 registers them. */
static const struct gvt_type gvt_types[] = {
	{ "8", 64, 384, 4, 2, "1024x768" },
	{ "4", 128, 512, 4, 4, "1920x1200" },
	{ "2", 256, 1024, 4, 8, "1920x1200" },
	{ "1", 512, 2048, 4, 16, "1920x1200" },
};
#define GVT_NR_TYPES (sizeof(gvt_types) / sizeof(gvt_types[0]))

/*
 * PCI identity per generation.  Not in the spec: device ids of a common
 * part of each generation (Coffee Lake-S GT2 UHD 630, Broadwell-U GT2
 * HD 5500) from pci.ids as remembered; subsystem and revision invented.
 */
struct gvt_pci_id {
	unsigned int gen;
	const char *type_prefix;	/* "GVTg_V5_" */
	unsigned short device;
	unsigned short subvendor;
	unsigned short subdevice;
	unsigned char revision;
};

static const struct gvt_pci_id gvt_pci_ids[] = {
	{ 9, "GVTg_V5_", 0x3e92, INTEL_VENDOR, 0x2212, 0x00 },
	{ 8, "GVTg_V4_", 0x1616, INTEL_VENDOR, 0x2212, 0x09 },
};

struct gvt_vgpu {
	int id;
	const struct gvt_type *type;
};

struct gvt {
	struct device *dev;
	const struct gvt_pci_id *pci;
	unsigned int aperture_mb;
	GMutex lock;
	unsigned int used_low_mb;
	unsigned int used_high_mb;
	unsigned int used_fence;
	unsigned int ids;		/* bit n set: vGPU id n in use */
	unsigned int nr_types;
	char *type_names[GVT_NR_TYPES];
	struct attribute_group type_groups[GVT_NR_TYPES];
	const struct attribute_group *type_list[GVT_NR_TYPES + 1];
	bool registered;
	struct mdev_parent_ops ops;
};

static struct gvt *gvt_of(const struct device *dev)
{
	return dev_get_drvdata(dev);
}

static struct gvt *gvt_of_type(struct mdev_type *mtype)
{
	return gvt_of(mtype_get_parent_dev(mtype));
}

static const struct gvt_type *type_of(const struct mdev_type *mtype)
{
	return &gvt_types[mtype_get_type_group_id(mtype)];
}

/* ------------------------------------------------------------------ */
/* The shared budget                                                   */

static unsigned int hidden_mb(const struct gvt *gvt)
{
	return GVT_GGTT_MB - gvt->aperture_mb;
}

static unsigned int low_left(const struct gvt *gvt)
{
	return gvt->aperture_mb - HOST_LOW_GM_MB - gvt->used_low_mb;
}

static unsigned int high_left(const struct gvt *gvt)
{
	return hidden_mb(gvt) - HOST_HIGH_GM_MB - gvt->used_high_mb;
}

static unsigned int fence_left(const struct gvt *gvt)
{
	return GVT_MAX_FENCES - HOST_FENCE - gvt->used_fence;
}

/*
 * How many of t still fit: kvmgt's min of the three quotients.  The id
 * cap is not part of it (with 4 fences per vGPU the fences run out at 7
 * anyway); it is enforced at create.  Under gvt->lock.
 */
static unsigned int fits(const struct gvt *gvt, const struct gvt_type *t)
{
	unsigned int n = low_left(gvt) / t->low_mb;

	n = MIN(n, high_left(gvt) / t->high_mb);
	return MIN(n, fence_left(gvt) / t->fence);
}

static int gvt_get_available(struct mdev_type *mtype)
{
	struct gvt *gvt = gvt_of_type(mtype);
	unsigned int n;

	g_mutex_lock(&gvt->lock);
	n = fits(gvt, type_of(mtype));
	g_mutex_unlock(&gvt->lock);
	return (int)n;
}

/* The lowest free vGPU id, or -ENOSPC (the IDR is full). */
static int id_alloc(struct gvt *gvt)
{
	for (int id = 1; id < GVT_MAX_VGPU; id++) {
		if (!(gvt->ids & (1u << id))) {
			gvt->ids |= 1u << id;
			return id;
		}
	}
	return -ENOSPC;
}

/* Allocate an id, then the three resources, as intel_gvt_create_vgpu(). */
static int gvt_claim(struct gvt *gvt, const struct gvt_type *t)
{
	int id;

	g_mutex_lock(&gvt->lock);
	id = id_alloc(gvt);
	if (id > 0 && !fits(gvt, t)) {
		gvt->ids &= ~(1u << id);
		id = -ENOSPC;
	}
	if (id > 0) {
		gvt->used_low_mb += t->low_mb;
		gvt->used_high_mb += t->high_mb;
		gvt->used_fence += t->fence;
	}
	g_mutex_unlock(&gvt->lock);
	return id;
}

static void gvt_release(struct gvt *gvt, const struct gvt_vgpu *vgpu)
{
	g_mutex_lock(&gvt->lock);
	gvt->ids &= ~(1u << vgpu->id);
	gvt->used_low_mb -= vgpu->type->low_mb;
	gvt->used_high_mb -= vgpu->type->high_mb;
	gvt->used_fence -= vgpu->type->fence;
	g_mutex_unlock(&gvt->lock);
}

static int gvt_create(struct mdev_device *mdev)
{
	struct gvt *gvt = gvt_of(mdev_parent_dev(mdev));
	const struct gvt_type *t = type_of(mdev_get_type(mdev));
	struct gvt_vgpu *vgpu;
	int id = gvt_claim(gvt, t);

	if (id < 0)
		return id;
	vgpu = g_new0(struct gvt_vgpu, 1);
	vgpu->id = id;
	vgpu->type = t;
	mdev_set_drvdata(mdev, vgpu);
	return 0;
}

static int gvt_remove(struct mdev_device *mdev)
{
	struct gvt_vgpu *vgpu = mdev_get_drvdata(mdev);

	gvt_release(gvt_of(mdev_parent_dev(mdev)), vgpu);
	mdev_set_drvdata(mdev, NULL);
	g_free(vgpu);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Type attributes                                                     */

static ssize_t gvt_show_description(struct mdev_type *mtype, char *buf)
{
	const struct gvt_type *t = type_of(mtype);

	return sysfs_emit(buf, "low_gm_size: %uMB\nhigh_gm_size: %uMB\n"
			  "fence: %u\nresolution: %s\nweight: %u\n",
			  t->low_mb, t->high_mb, t->fence, t->resolution,
			  t->weight);
}

/* No vendor type files: before 6.1 the core shows what the driver did. */
static const struct attribute *const gvt_type_attrs[] = { NULL };

/* ------------------------------------------------------------------ */
/* The mdev's intel_vgpu/ group                                        */

static ssize_t vgpu_id_show(struct device *dev,
			    const struct device_attribute *attr, char *buf)
{
	const struct gvt_vgpu *vgpu = mdev_get_drvdata(mdev_from_dev(dev));

	(void)attr;
	return sysfs_emit(buf, "%d\n", vgpu->id);
}

static DEVICE_ATTR_RO(vgpu_id);

static const struct attribute *const gvt_mdev_attrs[] = {
	&dev_attr_vgpu_id.attr, NULL
};
static const struct attribute_group gvt_mdev_group = {
	.name = "intel_vgpu", .attrs = gvt_mdev_attrs,
};
static const struct attribute_group *const gvt_mdev_groups[] = {
	&gvt_mdev_group, NULL
};

/* kvmgt's mdev driver; with no probe the core calls create/remove. */
static const struct mdev_driver gvt_mdev_driver = {
	.name = "intel_vgpu_mdev",
};

static const struct mdev_parent_ops gvt_ops_template = {
	.device_driver = &gvt_mdev_driver,
	.device_api = "vfio-pci",
	.get_available = gvt_get_available,
	.show_description = gvt_show_description,
	.mdev_attr_groups = gvt_mdev_groups,
	.create = gvt_create,
	.remove = gvt_remove,
};


/* ------------------------------------------------------------------ */
/* Arguments                                                           */

struct gvt_args {
	unsigned int aperture_mb;
	const struct gvt_pci_id *pci;
};

static bool aperture_valid(unsigned long mb)
{
	return mb == 256 || mb == 512 || mb == 1024 || mb == 2048;
}

static int parse_arg(struct gvt_args *a, const char *key, const char *val)
{
	char *end;
	unsigned long v;

	if (!g_ascii_isdigit(*val))
		return -EINVAL;
	v = strtoul(val, &end, 10);
	if (*end)
		return -EINVAL;
	if (strcmp(key, "aperture") == 0 && aperture_valid(v)) {
		a->aperture_mb = (unsigned int)v;
		return 0;
	}
	if (strcmp(key, "gen") == 0) {
		for (size_t i = 0; i < G_N_ELEMENTS(gvt_pci_ids); i++) {
			if (gvt_pci_ids[i].gen == v) {
				a->pci = &gvt_pci_ids[i];
				return 0;
			}
		}
	}
	return -EINVAL;
}

static int parse_args(const char *args, struct gvt_args *a)
{
	g_auto(GStrv) items = g_strsplit_set(args ? args : "", ",;", -1);

	a->aperture_mb = GVT_DEF_APERTURE;
	a->pci = &gvt_pci_ids[0];
	for (char **it = items; *it; it++) {
		char *eq = strchr(*it, '=');
		g_autofree char *key = NULL;

		if (!**it)
			continue;
		key = eq ? g_strndup(*it, (gsize)(eq - *it)) : g_strdup(*it);
		if (!eq || parse_arg(a, key, eq + 1)) {
			fprintf(stderr, "gvtg: bad argument '%s'\n", *it);
			return -EINVAL;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */

/* Types smallest first, up to the first whose low GM does not fit once. */
static void types_build(struct gvt *gvt, unsigned int kernel)
{
	unsigned int room = gvt->aperture_mb - HOST_LOW_GM_MB;
	unsigned int n = 0;

	while (n < GVT_NR_TYPES && room / gvt_types[n].low_mb >= 1) {
		gvt->type_names[n] = g_strdup_printf("%s%s",
						     gvt->pci->type_prefix,
						     gvt_types[n].suffix);
		gvt->type_groups[n].name = gvt->type_names[n];
		gvt->type_groups[n].attrs = gvt_type_attrs;
		gvt->type_list[n] = &gvt->type_groups[n];
		n++;
	}
	gvt->nr_types = n;
	gvt->ops = gvt_ops_template;
	gvt->ops.supported_type_groups = gvt->type_list;
	if (kernel < MDEVFS_KERNEL_VERSION(6, 1, 0))
		gvt->ops.device_driver = NULL;
}

/*
 * The iGPU, bound to i915 (which prefixes the type ids).  Its layout as
 * lspci shows a Gen8/Gen9 iGPU: BAR0 the 16 MiB GTT and registers (64-bit,
 * not prefetchable), BAR2 the aperture (its size is the BIOS setting),
 * BAR4 64 bytes of I/O; an Intel vendor capability at 0x40, PCI Express
 * as a root-complex integrated endpoint (no link) at 0x70, MSI with
 * 32-bit addresses at 0xac, PM at 0xd0.  It is the boot VGA device.
 */
static int device_create(struct mdevfs_host *host, struct gvt *gvt)
{
	const struct mdevfs_pci_desc pci = {
		.bdf = GVT_BDF,
		.driver = "i915",
		.vendor = INTEL_VENDOR,
		.device = gvt->pci->device,
		.subsystem_vendor = gvt->pci->subvendor,
		.subsystem_device = gvt->pci->subdevice,
		.class_code = GVT_CLASS,
		.revision = gvt->pci->revision,
		.numa_node = -1,
		.bars = {
			[0] = { .size = 16ULL << 20,
				.flags = MDEVFS_PCI_BAR_64BIT },
			[2] = { .size = (unsigned long long)gvt->aperture_mb << 20,
				.flags = MDEVFS_PCI_BAR_64BIT |
					 MDEVFS_PCI_BAR_PREFETCH },
			[4] = { .size = 64, .flags = MDEVFS_PCI_BAR_IO },
		},
		.pcie = true,
		.pcie_type = MDEVFS_PCIE_RC_INTEGRATED,
		.msi_32bit = true,
		.cap_vendor = 0x40, .cap_vendor_len = 0x0c,
		.cap_pcie = 0x70, .cap_msi = 0xac, .cap_pm = 0xd0,
		.dma_mask_bits = 39,
		.boot_vga = true,
	};

	gvt->dev = mdevfs_pci_device_create(host, &pci);
	if (!gvt->dev)
		return -errno;
	dev_set_drvdata(gvt->dev, gvt);
	return 0;
}

static void gvt_free(struct gvt *gvt)
{
	if (gvt->registered)
		mdev_unregister_device(gvt->dev);
	mdevfs_device_destroy(gvt->dev);
	for (unsigned int i = 0; i < gvt->nr_types; i++)
		g_free(gvt->type_names[i]);
	g_mutex_clear(&gvt->lock);
	g_free(gvt);
}

static int gvt_init(struct mdevfs_host *host, const char *args, void **data)
{
	struct gvt_args a;
	struct gvt *gvt;
	int ret = parse_args(args, &a);

	if (ret)
		return ret;
	gvt = g_new0(struct gvt, 1);
	gvt->aperture_mb = a.aperture_mb;
	gvt->pci = a.pci;
	g_mutex_init(&gvt->lock);
	types_build(gvt, mdevfs_kernel_version(host));
	ret = device_create(host, gvt);
	if (!ret) {
		mdevfs_device_announces_changes(gvt->dev);
		ret = mdev_register_device(gvt->dev, &gvt->ops);
		gvt->registered = ret == 0;
	}
	if (ret) {
		fprintf(stderr, "gvtg: cannot set up %s: %s\n", GVT_BDF,
			g_strerror(-ret));
		gvt_free(gvt);
		return ret;
	}
	*data = gvt;
	return 0;
}

static void gvt_exit(struct mdevfs_host *host, void *data)
{
	(void)host;
	gvt_free(data);
}

MDEVFS_PLUGIN("gvtg", gvt_init, gvt_exit);
