// SPDX-License-Identifier: MIT
/*
 * nvidia: NVIDIA vGPU on the mdev interface, as nvidia.ko with
 * nvidia-vgpu-vfio presents it up to vGPU 16 (spec/vendors.md §1).
 *
 * Each physical GPU is a PCI device devices/pci0000:00/<BDF> bound to the
 * PCI driver "nvidia", so its types are nvidia-<N>.  Pre-Ampere boards
 * make each GPU an mdev parent (an M10 is four of them).  On the A40 the
 * GPU is an SR-IOV physical function without mdev_supported_types: its
 * virtual functions are the parents, each holding at most one vGPU, with
 * physfn/virtfnN links between them.
 *
 * Budget (§1.5): per physical GPU and homogeneous.  While a GPU holds any
 * vGPU it is locked to that type: the type shows max - used, every other
 * type 0, and a create of another type fails.  The spec documents no
 * errno for that; it suggests EINVAL (one report shows EINVAL from a
 * failed start), used here for a type conflict and for a full GPU alike.
 * With lock=size, types of the same framebuffer size also show max - used
 * (as seen on a V100S) while a create of them is still refused.
 *
 * The name of NVIDIA's mdev driver is not documented, so the parents name
 * none: from 6.1 their mdevs bind to the core's driver named after the
 * parent's driver, "nvidia"; older profiles bind them to vfio_mdev.  The
 * type files other than `name` in the type groups are what the pre-6.1
 * profiles show (there the vendor supplied them).
 *
 * Arguments, separated by ',' or ';':
 *   board=t4|p40|m10|a40  the board (default t4)
 *   bdf=DDDD:BB:DD.F      where a single-GPU board, or the A40's PF, sits
 *   vfs=N                 A40: VFs enabled, 1..32 (default 32)
 *   lock=type|size        what a GPU in use is locked to (default type)
 */
#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdevfs/mdev.h"

#include "boards.h"

/* First VF's routing-id offset from its PF and the step between VFs:
 * PF 41:00.0 has virtfn0 = 41:00.4 in the spec's example. */
#define NV_VF_OFFSET 4
#define NV_VF_STRIDE 1

enum nv_lock { NV_LOCK_TYPE, NV_LOCK_SIZE };

struct nv_bdf {
	unsigned int domain, bus, slot, func;
};

/* One physical GPU: the budget its vGPUs share. */
struct nv_gpu {
	const struct nv_board *board;
	enum nv_lock lock_mode;
	GMutex lock;
	int cur;		/* profile index in use, -1 while empty */
	unsigned int used;	/* vGPUs on the GPU */
	GPtrArray *fns;		/* its functions (struct nv_fn *) */
};

/* One PCI function this backend made: a GPU, a PF or a VF. */
struct nv_fn {
	struct device *dev;
	struct nv_gpu *gpu;
	struct nv_fn *pf;	/* a VF's physical function */
	struct nv_bdf bdf;
	char name[16];
	int vf;			/* VF number, -1 for a PF or plain GPU */
	unsigned int nr_vfs;	/* a PF's enabled VFs */
	bool parent;		/* registered with the mdev core */
	bool busy;		/* a VF holds its vGPU; under gpu->lock */
};

/* Per-vGPU state. */
struct nv_vgpu {
	GMutex lock;
	char *params;		/* vgpu_params, "" when clear */
};

struct nv_state {
	struct mdevfs_host *host;
	const struct nv_board *board;
	/* Per instance: the type groups depend on the board. */
	struct mdev_parent_ops ops;
	struct attribute_group *type_groups;
	const struct attribute_group **type_list;
	GPtrArray *gpus;		/* struct nv_gpu * */
	GPtrArray *fns;			/* struct nv_fn *, oldest first */
};

struct nv_args {
	const struct nv_board *board;
	bool have_bdf;
	struct nv_bdf bdf;
	bool have_vfs;
	unsigned int vfs;
	enum nv_lock lock;
};

/* ------------------------------------------------------------------ */
/* PCI addresses                                                       */

static bool hex_field(const char *s, size_t len, unsigned int *out)
{
	char tmp[8];

	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isxdigit(s[i]))
			return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	*out = (unsigned int)strtoul(tmp, NULL, 16);
	return true;
}

/* "DDDD:BB:SS.F", the kernel's pci_name() form. */
static bool bdf_parse(const char *s, struct nv_bdf *b)
{
	if (strlen(s) != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.')
		return false;
	if (!hex_field(s, 4, &b->domain) || !hex_field(s + 5, 2, &b->bus) ||
	    !hex_field(s + 8, 2, &b->slot) || !hex_field(s + 11, 1, &b->func))
		return false;
	return b->slot < 32 && b->func < 8;
}

static void bdf_format(const struct nv_bdf *b, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", b->domain, b->bus, b->slot,
		 b->func);
}

/* The function `off` routing ids after b on the same bus. */
static bool bdf_add(const struct nv_bdf *b, unsigned int off,
		    struct nv_bdf *out)
{
	unsigned int devfn = (b->slot << 3 | b->func) + off;

	if (devfn > 0xff)
		return false;
	*out = *b;
	out->slot = devfn >> 3;
	out->func = devfn & 7;
	return true;
}

/* Invented: the usual two-socket layout, buses 00-7f on node 0. */
static int bdf_numa_node(const struct nv_bdf *b)
{
	return b->bus < 0x80 ? 0 : 1;
}

/* ------------------------------------------------------------------ */
/* PCI device attributes                                               */

static struct nv_fn *fn_of(const struct device *dev)
{
	return dev_get_drvdata(dev);
}

/*
 * The VFs hold mdev parents, so the count the backend was started with
 * stays: disabling them (the only change the PCI core lets through while
 * VFs are enabled) fails with EBUSY.  The PCI core gives the PF its
 * sriov_* files.
 */
static int nv_sriov_configure(struct device *dev, int num_vfs)
{
	(void)dev;
	(void)num_vfs;
	return -EBUSY;
}

/* ------------------------------------------------------------------ */
/* Profiles and descriptions                                           */

static const struct nv_profile *profile_at(const struct nv_gpu *gpu, int idx)
{
	return &gpu->board->profiles[idx];
}

static unsigned int fb_mib(const struct nv_profile *p)
{
	return p->size_gb ? p->size_gb * 1024 : 512;
}

/* The 512 MB Maxwell profiles (0Q, 0B) have their own values. */
static bool legacy(const struct nv_profile *p)
{
	return p->size_gb == 0;
}

static unsigned int num_heads(const struct nv_profile *p)
{
	if (legacy(p))
		return 2;
	return p->series == NV_A || p->series == NV_C ? 1 : 4;
}

static unsigned int frl_config(const struct nv_profile *p)
{
	if (legacy(p))
		return 60;
	return p->series == NV_B || p->series == NV_B4 ? 45 : 60;
}

static const char *max_resolution(const struct nv_board *b,
				  const struct nv_profile *p)
{
	if (legacy(p))
		return "2560x1600";
	switch (p->series) {
	case NV_Q:
		return p->size_gb == 1 ? "5120x2880" : "7680x4320";
	case NV_B:
	case NV_B4:
		return "5120x2880";
	case NV_A:
		return "1280x1024";
	case NV_C:
		return b->c_resolution;
	}
	return "";
}

static const char *series_suffix(enum nv_series s)
{
	static const char *const suffix[] = {
		[NV_Q] = "Q", [NV_B] = "B", [NV_B4] = "B4", [NV_A] = "A",
		[NV_C] = "C",
	};

	return suffix[s];
}

static struct nv_fn *fn_of_type(struct mdev_type *mtype)
{
	return fn_of(mtype_get_parent_dev(mtype));
}

static const struct nv_profile *profile_of_type(struct mdev_type *mtype)
{
	int idx = mtype_get_type_group_id(mtype);

	return profile_at(fn_of_type(mtype)->gpu, idx);
}

static ssize_t nv_show_description(struct mdev_type *mtype, char *buf)
{
	const struct nv_board *b = fn_of_type(mtype)->gpu->board;
	const struct nv_profile *p = profile_of_type(mtype);

	return sysfs_emit(buf, "num_heads=%u, frl_config=%u, framebuffer=%uM, "
			  "max_resolution=%s, max_instance=%u\n",
			  num_heads(p), frl_config(p), fb_mib(p),
			  max_resolution(b, p), p->max);
}

/* ------------------------------------------------------------------ */
/* The homogeneous budget                                              */

static bool vf_busy(const struct nv_fn *fn)
{
	return fn->vf >= 0 && fn->busy;
}

/* May a GPU holding vGPUs show type idx?  Under gpu->lock. */
static bool shows_type(const struct nv_gpu *gpu, int idx)
{
	if (!gpu->used || gpu->cur == idx)
		return true;
	if (gpu->lock_mode != NV_LOCK_SIZE)
		return false;
	return fb_mib(profile_at(gpu, idx)) ==
	       fb_mib(profile_at(gpu, gpu->cur));
}

/* Instances of type idx the GPU could still take.  Under gpu->lock. */
static unsigned int gpu_left(const struct nv_gpu *gpu, int idx)
{
	unsigned int max = profile_at(gpu, idx)->max;

	if (!shows_type(gpu, idx) || gpu->used >= max)
		return 0;
	return max - gpu->used;
}

/* A VF offers 1 while it is free and the GPU could take one more. */
static int nv_get_available(struct mdev_type *mtype)
{
	struct nv_fn *fn = fn_of_type(mtype);
	struct nv_gpu *gpu = fn->gpu;
	unsigned int left;

	g_mutex_lock(&gpu->lock);
	left = vf_busy(fn) ? 0 : gpu_left(gpu, mtype_get_type_group_id(mtype));
	g_mutex_unlock(&gpu->lock);
	if (fn->vf >= 0)
		return left ? 1 : 0;
	return (int)left;
}

/* Take one instance of type idx on fn: 0 or -EINVAL. */
static int gpu_claim(struct nv_fn *fn, int idx)
{
	struct nv_gpu *gpu = fn->gpu;
	int ret = -EINVAL;

	g_mutex_lock(&gpu->lock);
	if (!vf_busy(fn) && (!gpu->used || gpu->cur == idx) &&
	    gpu_left(gpu, idx) > 0) {
		gpu->cur = idx;
		gpu->used++;
		fn->busy = fn->vf >= 0;
		ret = 0;
	}
	g_mutex_unlock(&gpu->lock);
	return ret;
}

static void gpu_release(struct nv_fn *fn)
{
	struct nv_gpu *gpu = fn->gpu;

	g_mutex_lock(&gpu->lock);
	if (gpu->used && --gpu->used == 0)
		gpu->cur = -1;
	fn->busy = false;
	g_mutex_unlock(&gpu->lock);
}

/*
 * The VFs of one GPU share its budget: a create or remove on one changes
 * what its siblings offer, which the core cannot know.  No lock is held:
 * a reader of a sibling's available_instances takes gpu->lock, and the
 * kernel may wait for that read while we invalidate its page.  The list
 * is only changed during set-up and after every parent is unregistered.
 */
static void notify_siblings(struct nv_fn *fn)
{
	for (guint i = 0; i < fn->gpu->fns->len; i++) {
		struct nv_fn *other = fn->gpu->fns->pdata[i];

		if (other != fn && other->parent)
			mdev_parent_notify_available(other->dev);
	}
}

static int nv_create(struct mdev_device *mdev)
{
	struct nv_fn *fn = fn_of(mdev_parent_dev(mdev));
	struct nv_vgpu *vgpu;
	int ret;

	ret = gpu_claim(fn, mdev_get_type_group_id(mdev));
	if (ret)
		return ret;
	notify_siblings(fn);
	vgpu = g_new0(struct nv_vgpu, 1);
	g_mutex_init(&vgpu->lock);
	vgpu->params = g_strdup("");
	mdev_set_drvdata(mdev, vgpu);
	return 0;
}

static int nv_remove(struct mdev_device *mdev)
{
	struct nv_vgpu *vgpu = mdev_get_drvdata(mdev);

	gpu_release(fn_of(mdev_parent_dev(mdev)));
	notify_siblings(fn_of(mdev_parent_dev(mdev)));
	mdev_set_drvdata(mdev, NULL);
	g_mutex_clear(&vgpu->lock);
	g_free(vgpu->params);
	g_free(vgpu);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Type attributes                                                     */

static ssize_t name_show(struct mdev_type *mtype,
			 const struct mdev_type_attribute *attr, char *buf)
{
	const struct nv_board *b = fn_of_type(mtype)->gpu->board;
	const struct nv_profile *p = profile_of_type(mtype);

	(void)attr;
	return sysfs_emit(buf, "%s %s-%u%s\n", b->prefix, b->model, p->size_gb,
			  series_suffix(p->series));
}

static MDEV_TYPE_ATTR_RO(name);

static const struct attribute *const nv_type_attrs[] = {
	&mdev_type_attr_name.attr, NULL
};

/* ------------------------------------------------------------------ */
/* The mdev's nvidia/ group                                            */

static struct nv_vgpu *vgpu_of(struct device *dev)
{
	return mdev_get_drvdata(mdev_from_dev(dev));
}

static ssize_t vgpu_params_show(struct device *dev,
				const struct device_attribute *attr, char *buf)
{
	struct nv_vgpu *vgpu = vgpu_of(dev);
	ssize_t len;

	(void)attr;
	g_mutex_lock(&vgpu->lock);
	len = sysfs_emit(buf, "%s\n", vgpu->params);
	g_mutex_unlock(&vgpu->lock);
	return len;
}

static bool key_char(char c)
{
	return g_ascii_isalnum(c) || c == '_';
}

/* One "key=value" of the comma-separated list. */
static bool param_valid(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && key_char(s[i]))
		i++;
	if (i == 0 || i + 1 >= len || s[i] != '=')
		return false;
	for (i++; i < len; i++)
		if (!g_ascii_isgraph(s[i]) || s[i] == '=')
			return false;
	return true;
}

static bool params_valid(const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ',')
			continue;
		if (!param_valid(s + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

/*
 * A comma-separated key=value list replaces the parameters (they apply
 * at the next VM start); a single space clears them.  Anything else is
 * EINVAL (our choice: the spec names no error).
 */
static ssize_t vgpu_params_store(struct device *dev,
				 const struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct nv_vgpu *vgpu = vgpu_of(dev);
	size_t len = strnlen(buf, count);
	char *text, *old;

	(void)attr;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len == 1 && buf[0] == ' ')
		text = g_strdup("");
	else if (params_valid(buf, len))
		text = g_strndup(buf, len);
	else
		return -EINVAL;
	g_mutex_lock(&vgpu->lock);
	old = vgpu->params;
	vgpu->params = text;
	g_mutex_unlock(&vgpu->lock);
	g_free(old);
	return (ssize_t)count;
}

/* No VM is attached to an emulated vGPU. */
static ssize_t vm_name_show(struct device *dev,
			    const struct device_attribute *attr, char *buf)
{
	(void)dev;
	(void)attr;
	return sysfs_emit(buf, "\n");
}

static DEVICE_ATTR_RW(vgpu_params);
static DEVICE_ATTR_RO(vm_name);

static const struct attribute *const nv_mdev_attrs[] = {
	&dev_attr_vgpu_params.attr, &dev_attr_vm_name.attr, NULL
};
static const struct attribute_group nv_mdev_group = {
	.name = "nvidia", .attrs = nv_mdev_attrs,
};
static const struct attribute_group *const nv_mdev_groups[] = {
	&nv_mdev_group, NULL
};

static const struct mdev_parent_ops nv_ops_template = {
	.device_api = "vfio-pci",
	.get_available = nv_get_available,
	.show_description = nv_show_description,
	.mdev_attr_groups = nv_mdev_groups,
	.create = nv_create,
	.remove = nv_remove,
};

/* ------------------------------------------------------------------ */
/* Arguments                                                           */

static int parse_uint(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!g_ascii_isdigit(*s))
		return -EINVAL;
	v = strtoul(s, &end, 10);
	if (*end || v > 1024)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int parse_arg(struct nv_args *a, const char *key, const char *val)
{
	if (strcmp(key, "board") == 0) {
		a->board = nv_board_find(val);
		return a->board ? 0 : -EINVAL;
	}
	if (strcmp(key, "bdf") == 0) {
		a->have_bdf = true;
		return bdf_parse(val, &a->bdf) ? 0 : -EINVAL;
	}
	if (strcmp(key, "vfs") == 0) {
		a->have_vfs = true;
		return parse_uint(val, &a->vfs);
	}
	if (strcmp(key, "lock") == 0) {
		if (strcmp(val, "type") == 0)
			a->lock = NV_LOCK_TYPE;
		else if (strcmp(val, "size") == 0)
			a->lock = NV_LOCK_SIZE;
		else
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

/* Combinations the board does not allow. */
static int check_args(struct nv_args *a)
{
	if (a->have_bdf && a->board->nr_gpus != 1) {
		fprintf(stderr, "nvidia: bdf= needs a single-GPU board\n");
		return -EINVAL;
	}
	if (a->have_vfs && !a->board->nr_vfs) {
		fprintf(stderr, "nvidia: vfs= needs an SR-IOV board\n");
		return -EINVAL;
	}
	if (a->have_vfs && (a->vfs < 1 || a->vfs > a->board->nr_vfs)) {
		fprintf(stderr, "nvidia: vfs= must be 1..%u\n",
			a->board->nr_vfs);
		return -EINVAL;
	}
	if (!a->have_vfs)
		a->vfs = a->board->nr_vfs;
	return 0;
}

static int parse_args(const char *args, struct nv_args *a)
{
	g_auto(GStrv) items = g_strsplit_set(args ? args : "", ",;", -1);

	memset(a, 0, sizeof(*a));
	a->board = nv_board_default();
	for (char **it = items; *it; it++) {
		char *eq = strchr(*it, '=');
		g_autofree char *key = NULL;

		if (!**it)
			continue;
		key = eq ? g_strndup(*it, (gsize)(eq - *it)) : g_strdup(*it);
		if (!eq || parse_arg(a, key, eq + 1)) {
			fprintf(stderr, "nvidia: bad argument '%s'\n", *it);
			return -EINVAL;
		}
	}
	return check_args(a);
}

/* ------------------------------------------------------------------ */
/* Devices                                                             */

/* A VF: its PF gives the IDs and BARs; it has MSI-X only. */
static void vf_layout(const struct nv_board *b, const struct nv_fn *fn,
		      struct mdevfs_pci_desc *pci)
{
	pci->physfn = fn->pf->dev;
	pci->vf_index = (unsigned short)fn->vf;
	pci->pcie = true;
	pci->msix_vectors = b->vf_msix_vectors;
	pci->msix_table_offset = b->vf_msix_offset;
}

/* A GPU or a PF: the board's layout, and its SR-IOV capability. */
static void pf_layout(const struct nv_board *b, const struct nv_fn *fn,
		      struct mdevfs_pci_desc *pci)
{
	*pci = b->layout;
	pci->vendor = NV_VENDOR;
	pci->device = b->device;
	pci->subsystem_vendor = b->subvendor;
	pci->subsystem_device = b->subdevice;
	if (!b->nr_vfs)
		return;
	pci->sriov_total_vfs = (unsigned short)b->nr_vfs;
	pci->sriov_num_vfs = (unsigned short)fn->nr_vfs;
	pci->sriov_offset = NV_VF_OFFSET;
	pci->sriov_stride = NV_VF_STRIDE;
	/* Assumed: the VFs report the PF's device id. */
	pci->sriov_vf_device = b->device;
	pci->sriov_configure = nv_sriov_configure;
}

/* Create the PCI device of fn, bound to the PCI driver "nvidia". */
static int fn_device_create(struct nv_state *st, struct nv_fn *fn)
{
	const struct nv_board *b = st->board;
	struct mdevfs_pci_desc pci = { 0 };

	if (fn->pf)
		vf_layout(b, fn, &pci);
	else
		pf_layout(b, fn, &pci);
	pci.bdf = fn->name;
	pci.driver = "nvidia";
	pci.class_code = b->class_code;
	pci.revision = b->revision;
	pci.numa_node = bdf_numa_node(&fn->bdf);
	fn->dev = mdevfs_pci_device_create(st->host, &pci);
	if (!fn->dev)
		return -errno;
	dev_set_drvdata(fn->dev, fn);
	return 0;
}

static struct nv_fn *fn_add(struct nv_state *st, struct nv_gpu *gpu,
			    const struct nv_bdf *bdf, struct nv_fn *pf, int vf,
			    unsigned int nr_vfs, int *ret)
{
	struct nv_fn *fn = g_new0(struct nv_fn, 1);

	fn->gpu = gpu;
	fn->bdf = *bdf;
	fn->pf = pf;
	fn->vf = vf;
	fn->nr_vfs = nr_vfs;
	bdf_format(bdf, fn->name, sizeof(fn->name));
	*ret = fn_device_create(st, fn);
	if (*ret) {
		fprintf(stderr, "nvidia: cannot create %s: %s\n", fn->name,
			g_strerror(-*ret));
		g_free(fn);
		return NULL;
	}
	g_ptr_array_add(st->fns, fn);
	g_ptr_array_add(gpu->fns, fn);
	return fn;
}

static int fn_register(struct nv_state *st, struct nv_fn *fn)
{
	int ret;

	/* Budgets shared between functions are announced (see above). */
	mdevfs_device_announces_changes(fn->dev);
	ret = mdev_register_device(fn->dev, &st->ops);

	fn->parent = ret == 0;
	return ret;
}

/* VF n of pf: its device, the physfn/virtfnN pair, then the parent. */
static int vf_add(struct nv_state *st, struct nv_fn *pf, unsigned int n)
{
	char link[24];
	struct nv_bdf bdf;
	struct nv_fn *vf;
	int ret;

	if (!bdf_add(&pf->bdf, NV_VF_OFFSET + n * NV_VF_STRIDE, &bdf))
		return -EINVAL;
	vf = fn_add(st, pf->gpu, &bdf, pf, (int)n, 0, &ret);
	if (!vf)
		return ret;
	snprintf(link, sizeof(link), "virtfn%u", n);
	ret = device_create_link(pf->dev, link, vf->dev);
	if (!ret)
		ret = device_create_link(vf->dev, "physfn", pf->dev);
	return ret ? ret : fn_register(st, vf);
}

static struct nv_gpu *gpu_new(struct nv_state *st, enum nv_lock lock_mode)
{
	struct nv_gpu *gpu = g_new0(struct nv_gpu, 1);

	gpu->board = st->board;
	gpu->lock_mode = lock_mode;
	gpu->cur = -1;
	gpu->fns = g_ptr_array_new();
	g_mutex_init(&gpu->lock);
	g_ptr_array_add(st->gpus, gpu);
	return gpu;
}

static int gpu_add(struct nv_state *st, const struct nv_bdf *bdf,
		   const struct nv_args *a)
{
	struct nv_gpu *gpu = gpu_new(st, a->lock);
	struct nv_fn *fn;
	int ret;

	fn = fn_add(st, gpu, bdf, NULL, -1, a->vfs, &ret);
	if (!fn)
		return ret;
	if (!st->board->nr_vfs)
		return fn_register(st, fn);
	for (unsigned int n = 0; n < a->vfs && !ret; n++)
		ret = vf_add(st, fn, n);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Set-up and tear-down                                                */

static void types_build(struct nv_state *st)
{
	unsigned int n = st->board->nr_profiles;

	st->type_groups = g_new0(struct attribute_group, n);
	st->type_list = g_new0(const struct attribute_group *, n + 1);
	for (unsigned int i = 0; i < n; i++) {
		st->type_groups[i].name =
			g_strdup_printf("%u", st->board->profiles[i].id);
		st->type_groups[i].attrs = nv_type_attrs;
		st->type_list[i] = &st->type_groups[i];
	}
	st->ops = nv_ops_template;
	st->ops.supported_type_groups = st->type_list;
}

static void types_free(struct nv_state *st)
{
	for (unsigned int i = 0; i < st->board->nr_profiles; i++)
		g_free((char *)st->type_groups[i].name);
	g_free(st->type_groups);
	g_free(st->type_list);
}

static void fn_destroy(struct nv_fn *fn)
{
	char link[24];

	if (fn->pf) {
		snprintf(link, sizeof(link), "virtfn%d", fn->vf);
		device_remove_link(fn->pf->dev, link);
		device_remove_link(fn->dev, "physfn");
	}
	mdevfs_device_destroy(fn->dev);
	g_free(fn);
}

/* Undo whatever part of the set-up was done, VFs before their PF. */
static void nv_teardown(struct nv_state *st)
{
	/*
	 * Unregister every parent before freeing any function: a create still
	 * running on one VF notifies its siblings, whose devices must live
	 * until no create can run anywhere on the GPU.
	 */
	for (guint i = st->fns->len; i > 0; i--) {
		struct nv_fn *fn = st->fns->pdata[i - 1];

		if (fn->parent)
			mdev_unregister_device(fn->dev);
	}
	for (guint i = st->fns->len; i > 0; i--)
		fn_destroy(st->fns->pdata[i - 1]);
	for (guint i = 0; i < st->gpus->len; i++) {
		struct nv_gpu *gpu = st->gpus->pdata[i];

		g_ptr_array_free(gpu->fns, TRUE);
		g_mutex_clear(&gpu->lock);
		g_free(gpu);
	}
	g_ptr_array_free(st->fns, TRUE);
	g_ptr_array_free(st->gpus, TRUE);
	types_free(st);
	g_free(st);
}

static int nv_init(struct mdevfs_host *host, const char *args, void **data)
{
	struct nv_state *st;
	struct nv_args a;
	int ret = parse_args(args, &a);

	if (ret)
		return ret;
	st = g_new0(struct nv_state, 1);
	st->host = host;
	st->board = a.board;
	st->gpus = g_ptr_array_new();
	st->fns = g_ptr_array_new();
	types_build(st);
	for (unsigned int i = 0; i < a.board->nr_gpus && !ret; i++) {
		struct nv_bdf bdf = a.bdf;

		if (!a.have_bdf && !bdf_parse(a.board->bdfs[i], &bdf))
			ret = -EINVAL;
		else
			ret = gpu_add(st, &bdf, &a);
	}
	if (ret) {
		nv_teardown(st);
		return ret;
	}
	*data = st;
	return 0;
}

static void nv_exit(struct mdevfs_host *host, void *data)
{
	(void)host;
	nv_teardown(data);
}

MDEVFS_PLUGIN("nvidia", nv_init, nv_exit);
