// SPDX-License-Identifier: MIT
/*
 * The nvidia backend through the tree: the boards' types, names and
 * descriptions (spec/vendors.md §1.3), the homogeneous per-GPU budget
 * (§1.5, §1.6), the A40's SR-IOV layout, PCI parent links (kernel.md
 * §2.1) and the mdev's nvidia/ group (§1.4).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "backend_test.h"
#include "event.h"
#include "plugin.h"

#define PCI "devices/pci0000:00/"
#define T4 "0000:3b:00.0"
#define P40 "0000:82:00.0"
#define A40_PF "0000:41:00.0"

struct row {
	unsigned int id;
	const char *name;
	unsigned int max;
	const char *desc;	/* NULL: not checked */
};

#define Q_DESC(fb, res, max) \
	"num_heads=4, frl_config=60, framebuffer=" fb ", max_resolution=" \
	res ", max_instance=" max "\n"
#define B_DESC(fb, max) \
	"num_heads=4, frl_config=45, framebuffer=" fb \
	", max_resolution=5120x2880, max_instance=" max "\n"
#define A_DESC(fb, max) \
	"num_heads=1, frl_config=60, framebuffer=" fb \
	", max_resolution=1280x1024, max_instance=" max "\n"
#define C_DESC(fb, res, max) \
	"num_heads=1, frl_config=60, framebuffer=" fb ", max_resolution=" \
	res ", max_instance=" max "\n"

static const struct row t4_rows[] = {
	{ 222, "GRID T4-1B", 16, B_DESC("1024M", "16") },
	{ 223, "GRID T4-2B", 8, B_DESC("2048M", "8") },
	{ 224, "GRID T4-2B4", 8, B_DESC("2048M", "8") },
	{ 225, "GRID T4-1A", 16, A_DESC("1024M", "16") },
	{ 226, "GRID T4-2A", 8, A_DESC("2048M", "8") },
	{ 227, "GRID T4-4A", 4, A_DESC("4096M", "4") },
	{ 228, "GRID T4-8A", 2, A_DESC("8192M", "2") },
	{ 229, "GRID T4-16A", 1, A_DESC("16384M", "1") },
	{ 230, "GRID T4-1Q", 16, Q_DESC("1024M", "5120x2880", "16") },
	{ 231, "GRID T4-2Q", 8, Q_DESC("2048M", "7680x4320", "8") },
	{ 232, "GRID T4-4Q", 4, Q_DESC("4096M", "7680x4320", "4") },
	{ 233, "GRID T4-8Q", 2, Q_DESC("8192M", "7680x4320", "2") },
	{ 234, "GRID T4-16Q", 1, Q_DESC("16384M", "7680x4320", "1") },
	{ 252, "GRID T4-1B4", 16, B_DESC("1024M", "16") },
	{ 319, "GRID T4-4C", 4, C_DESC("4096M", "4096x2160", "4") },
	{ 320, "GRID T4-8C", 2, C_DESC("8192M", "4096x2160", "2") },
	{ 321, "GRID T4-16C", 1, C_DESC("16384M", "4096x2160", "1") },
};

/* Descriptions checked where the spec shows an observed one. */
static const struct row p40_rows[] = {
	{ 46, "GRID P40-1Q", 24, Q_DESC("1024M", "5120x2880", "24") },
	{ 47, "GRID P40-2Q", 12, Q_DESC("2048M", "7680x4320", "12") },
	{ 48, "GRID P40-3Q", 8, NULL },
	{ 49, "GRID P40-4Q", 6, NULL },
	{ 50, "GRID P40-6Q", 4, NULL },
	{ 51, "GRID P40-8Q", 3, NULL },
	{ 52, "GRID P40-12Q", 2, NULL },
	{ 53, "GRID P40-24Q", 1, Q_DESC("24576M", "7680x4320", "1") },
	{ 54, "GRID P40-1A", 24, NULL },
	{ 55, "GRID P40-2A", 12, NULL },
	{ 56, "GRID P40-3A", 8, NULL },
	{ 57, "GRID P40-4A", 6, NULL },
	{ 58, "GRID P40-6A", 4, NULL },
	{ 59, "GRID P40-8A", 3, NULL },
	{ 60, "GRID P40-12A", 2, NULL },
	{ 61, "GRID P40-24A", 1, NULL },
	{ 62, "GRID P40-1B", 24, NULL },
	{ 156, "GRID P40-2B", 12, NULL },
	{ 215, "GRID P40-2B4", 12, B_DESC("2048M", "12") },
	{ 241, "GRID P40-1B4", 24, NULL },
	{ 283, "GRID P40-4C", 6, C_DESC("4096M", "4096x2400", "6") },
	{ 284, "GRID P40-6C", 4, NULL },
	{ 285, "GRID P40-8C", 3, NULL },
	{ 286, "GRID P40-12C", 2, NULL },
	{ 287, "GRID P40-24C", 1, NULL },
};

#define LEGACY_DESC \
	"num_heads=2, frl_config=60, framebuffer=512M, " \
	"max_resolution=2560x1600, max_instance=16\n"

static const struct row m10_rows[] = {
	{ 35, "GRID M10-0B", 16, LEGACY_DESC },
	{ 36, "GRID M10-0Q", 16, LEGACY_DESC },
	{ 37, "GRID M10-1A", 8, NULL },
	{ 38, "GRID M10-1B", 8, NULL },
	{ 39, "GRID M10-1Q", 8, Q_DESC("1024M", "5120x2880", "8") },
	{ 40, "GRID M10-2A", 4, NULL },
	{ 41, "GRID M10-2Q", 4, NULL },
	{ 42, "GRID M10-4A", 2, NULL },
	{ 43, "GRID M10-4Q", 2, NULL },
	{ 44, "GRID M10-8A", 1, NULL },
	{ 45, "GRID M10-8Q", 1, Q_DESC("8192M", "7680x4320", "1") },
	{ 155, "GRID M10-2B", 4, NULL },
	{ 208, "GRID M10-2B4", 4, NULL },
	{ 240, "GRID M10-1B4", 8, NULL },
};

static const struct row a40_rows[] = {
	{ 555, "NVIDIA A40-1B", 32, B_DESC("1024M", "32") },
	{ 556, "NVIDIA A40-2B", 24, NULL },
	{ 557, "NVIDIA A40-1Q", 32, Q_DESC("1024M", "5120x2880", "32") },
	{ 558, "NVIDIA A40-2Q", 24, Q_DESC("2048M", "7680x4320", "24") },
	{ 559, "NVIDIA A40-3Q", 16, NULL },
	{ 560, "NVIDIA A40-4Q", 12, NULL },
	{ 561, "NVIDIA A40-6Q", 8, NULL },
	{ 562, "NVIDIA A40-8Q", 6, NULL },
	{ 563, "NVIDIA A40-12Q", 4, NULL },
	{ 564, "NVIDIA A40-16Q", 3, NULL },
	{ 565, "NVIDIA A40-24Q", 2, NULL },
	{ 566, "NVIDIA A40-48Q", 1, Q_DESC("49152M", "7680x4320", "1") },
	{ 567, "NVIDIA A40-1A", 32, NULL },
	{ 568, "NVIDIA A40-2A", 24, NULL },
	{ 569, "NVIDIA A40-3A", 16, NULL },
	{ 570, "NVIDIA A40-4A", 12, NULL },
	{ 571, "NVIDIA A40-6A", 8, NULL },
	{ 572, "NVIDIA A40-8A", 6, NULL },
	{ 573, "NVIDIA A40-12A", 4, NULL },
	{ 574, "NVIDIA A40-16A", 3, NULL },
	{ 575, "NVIDIA A40-24A", 2, NULL },
	{ 576, "NVIDIA A40-48A", 1, NULL },
	{ 581, "NVIDIA A40-4C", 12, C_DESC("4096M", "4096x2400", "12") },
	{ 582, "NVIDIA A40-6C", 8, NULL },
	{ 583, "NVIDIA A40-8C", 6, NULL },
	{ 584, "NVIDIA A40-12C", 4, NULL },
	{ 585, "NVIDIA A40-16C", 3, NULL },
	{ 586, "NVIDIA A40-24C", 2, NULL },
	{ 587, "NVIDIA A40-48C", 1, NULL },
};

/* ---- helpers ---- */

static void uuid_of(char *buf, size_t len, int n)
{
	snprintf(buf, len, "5e1c7a30-7d1b-4c5e-9a3f-%012x", n);
}

/* Write UUID n to a type's create; want is the errno (0: made). */
static void expect_create(struct bt *bt, const char *bdf, unsigned int id,
			  int n, int want)
{
	char uuid[40];
	char type[24];
	char *types = g_strdup_printf(PCI "%s/mdev_supported_types", bdf);

	uuid_of(uuid, sizeof(uuid), n);
	snprintf(type, sizeof(type), "nvidia-%u", id);
	bt_expect_create(bt, types, type, uuid, want);
	g_free(types);
}

static void destroy(struct bt *bt, int n)
{
	char uuid[40];

	uuid_of(uuid, sizeof(uuid), n);
	bt_remove(bt, uuid, "1\n");
}

static void expect_avail(struct bt *bt, const char *bdf, unsigned int id,
			 unsigned int want)
{
	char text[16];

	snprintf(text, sizeof(text), "%u\n", want);
	bt_expectf(bt, text, PCI "%s/mdev_supported_types/nvidia-%u/"
		   "available_instances", bdf, id);
}

/*
 * Every type shows its max (VF: 1) while the GPU is empty; once `used`
 * instances of type `held` exist, that type shows max - used and every
 * other type 0.
 */
static void expect_all_avail(struct bt *bt, const char *bdf,
			     const struct row *rows, size_t n,
			     unsigned int held, unsigned int used)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int want = rows[i].max;

		if (used)
			want = rows[i].id == held ? rows[i].max - used : 0;
		expect_avail(bt, bdf, rows[i].id, want);
	}
}

static gint by_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The exact type list, names, device_api and the given descriptions. */
static void expect_types(struct bt *bt, const char *bdf, const struct row *rows,
			 size_t n)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	char *want, *dir;

	for (size_t i = 0; i < n; i++)
		g_ptr_array_add(ids, g_strdup_printf("nvidia-%u", rows[i].id));
	g_ptr_array_sort(ids, by_str);
	g_ptr_array_add(ids, NULL);
	want = g_strjoinv(" ", (char **)ids->pdata);
	dir = g_strdup_printf(PCI "%s/mdev_supported_types", bdf);
	bt_expect_list(bt, dir, want);
	for (size_t i = 0; i < n; i++) {
		char *name = g_strdup_printf("%s\n", rows[i].name);

		bt_expectf(bt, name, "%s/nvidia-%u/name", dir, rows[i].id);
		bt_expectf(bt, "vfio-pci\n", "%s/nvidia-%u/device_api", dir,
			   rows[i].id);
		if (rows[i].desc)
			bt_expectf(bt, rows[i].desc, "%s/nvidia-%u/description",
				   dir, rows[i].id);
		g_free(name);
	}
	g_free(dir);
	g_free(want);
	g_ptr_array_free(ids, TRUE);
}

/* ---- T4 ---- */

START_TEST(t4_types)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia");
	expect_types(&bt, T4, t4_rows, G_N_ELEMENTS(t4_rows));
	expect_all_avail(&bt, T4, t4_rows, G_N_ELEMENTS(t4_rows), 0, 0);
	bt_expect_list(&bt, "class/mdev_bus", T4);
	bt_stop(&bt);
}
END_TEST

/* §1.6: one T4-2Q makes nvidia-231 show 7 and everything else 0. */
START_TEST(t4_homogeneous)
{
	struct bt bt;
	size_t n = G_N_ELEMENTS(t4_rows);

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=t4");
	expect_create(&bt, T4, 231, 1, 0);
	expect_all_avail(&bt, T4, t4_rows, n, 231, 1);
	expect_create(&bt, T4, 230, 2, EINVAL);
	expect_create(&bt, T4, 222, 2, EINVAL);
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/"
			     "5e1c7a30-7d1b-4c5e-9a3f-000000000002"));
	expect_create(&bt, T4, 231, 2, 0);
	expect_all_avail(&bt, T4, t4_rows, n, 231, 2);
	bt_expect_list(&bt, PCI T4 "/mdev_supported_types/nvidia-230/devices", "");
	bt_expect_list(&bt, PCI T4 "/mdev_supported_types/nvidia-231/devices",
		       "5e1c7a30-7d1b-4c5e-9a3f-000000000001 "
		       "5e1c7a30-7d1b-4c5e-9a3f-000000000002");
	destroy(&bt, 1);
	expect_all_avail(&bt, T4, t4_rows, n, 231, 1);
	expect_create(&bt, T4, 230, 3, EINVAL);
	destroy(&bt, 2);
	/* The GPU is empty again: every type back at its max. */
	expect_all_avail(&bt, T4, t4_rows, n, 0, 0);
	expect_create(&bt, T4, 230, 3, 0);
	expect_all_avail(&bt, T4, t4_rows, n, 230, 1);
	bt_stop(&bt);
}
END_TEST

START_TEST(t4_fill_up)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia");
	for (int i = 0; i < 4; i++)
		expect_create(&bt, T4, 232, i, 0);
	expect_all_avail(&bt, T4, t4_rows, G_N_ELEMENTS(t4_rows), 232, 4);
	expect_create(&bt, T4, 232, 4, EINVAL);
	bt_expect_list(&bt, PCI T4 "/mdev_supported_types/nvidia-232/devices",
		       "5e1c7a30-7d1b-4c5e-9a3f-000000000000 "
		       "5e1c7a30-7d1b-4c5e-9a3f-000000000001 "
		       "5e1c7a30-7d1b-4c5e-9a3f-000000000002 "
		       "5e1c7a30-7d1b-4c5e-9a3f-000000000003");
	for (int i = 0; i < 4; i++)
		destroy(&bt, i);
	expect_all_avail(&bt, T4, t4_rows, G_N_ELEMENTS(t4_rows), 0, 0);
	bt_stop(&bt);
}
END_TEST

START_TEST(t4_pci_parent)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia");
	bt_expect_link(&bt, PCI T4 "/subsystem", "../../../bus/pci");
	bt_expect_link(&bt, PCI T4 "/driver", "../../../bus/pci/drivers/nvidia");
	bt_expect_link(&bt, "class/mdev_bus/" T4, "../../devices/pci0000:00/" T4);
	bt_expect_link(&bt, "bus/pci/devices/" T4, "../../../devices/pci0000:00/" T4);
	bt_expect_link(&bt, "bus/pci/drivers/nvidia/" T4,
		       "../../../../devices/pci0000:00/" T4);
	bt_expect(&bt, PCI T4 "/vendor", "0x10de\n");
	bt_expect(&bt, PCI T4 "/device", "0x1eb8\n");
	bt_expect(&bt, PCI T4 "/class", "0x030200\n");
	bt_expect(&bt, PCI T4 "/numa_node", "0\n");
	bt_expect(&bt, PCI T4 "/modalias",
		  "pci:v000010DEd00001EB8sv000010DEsd000012A2bc03sc02i00\n");
	bt_expect(&bt, PCI T4 "/uevent",
		  "DRIVER=nvidia\nPCI_CLASS=30200\nPCI_ID=10DE:1EB8\n"
		  "PCI_SUBSYS_ID=10DE:12A2\nPCI_SLOT_NAME=0000:3b:00.0\n"
		  "MODALIAS=pci:v000010DEd00001EB8sv000010DEsd000012A2bc03sc02i00\n");
	ck_assert_uint_eq(bt_mode(&bt, PCI T4 "/vendor"), S_IFREG | 0444);
	ck_assert(!bt_exists(&bt, PCI T4 "/sriov_totalvfs"));
	/* Its driver enabled MSI (config's MSI control says so): one
	 * interrupt, the one the irq file names. */
	bt_expect(&bt, PCI T4 "/irq", "19\n");
	bt_expect_list(&bt, PCI T4 "/msi_irqs", "19");
	bt_expect(&bt, PCI T4 "/msi_irqs/19", "msi\n");
	/* The host bridge is a device too (of no bus or class). */
	ck_assert(S_ISREG(bt_mode(&bt, "devices/pci0000:00/uevent")));
	ck_assert(!bt_exists(&bt, "devices/pci0000:00/subsystem"));
	mdev_backends_unload(bt.host);
	ck_assert(!bt_exists(&bt, "devices/pci0000:00"));
	bt_stop(&bt);
}
END_TEST

#define U1 "5e1c7a30-7d1b-4c5e-9a3f-000000000001"

/* The GPU has a hardware IOMMU group of its own from the start; an
 * mdev's emulated group takes the next free id. */
START_TEST(t4_hardware_iommu_group)
{
	struct bt bt;
	char *group;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=t4");
	group = bt_readlink(&bt, PCI T4 "/iommu_group");
	ck_assert_str_eq(group, "../../../kernel/iommu_groups/0");
	g_free(group);
	bt_expect_link(&bt, "kernel/iommu_groups/0/devices/" T4,
		       "../../../../devices/pci0000:00/" T4);
	bt_expect(&bt, "kernel/iommu_groups/0/type", "DMA-FQ\n");
	bt_expect(&bt, "kernel/iommu_groups/0/reserved_regions",
		  "0x00000000fee00000 0x00000000feefffff msi\n");
	ck_assert(!bt_exists(&bt, "kernel/iommu_groups/0/name"));
	bt_expect_write(&bt, PCI T4 "/mdev_supported_types/nvidia-222/create",
			U1, 0);
	bt_expect_link(&bt, PCI T4 "/" U1 "/iommu_group",
		       "../../../../kernel/iommu_groups/1");
	bt_expect_list(&bt, "kernel/iommu_groups", "0 1");
	bt_remove(&bt, U1, "1");
	bt_expect_list(&bt, "kernel/iommu_groups", "0");
	bt_stop(&bt);
}
END_TEST

START_TEST(t4_mdev_links)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia");
	expect_create(&bt, T4, 231, 1, 0);
	bt_expect_link(&bt, "bus/mdev/devices/" U1,
		       "../../../devices/pci0000:00/" T4 "/" U1);
	bt_expect_link(&bt, PCI T4 "/" U1 "/subsystem", "../../../../bus/mdev");
	bt_expect_link(&bt, PCI T4 "/" U1 "/driver",
		       "../../../../bus/mdev/drivers/nvidia");
	bt_expect_link(&bt, PCI T4 "/" U1 "/mdev_type",
		       "../mdev_supported_types/nvidia-231");
	bt_expect_link(&bt, PCI T4 "/mdev_supported_types/nvidia-231/devices/" U1,
		       "../../../" U1);
	bt_expect(&bt, "bus/mdev/devices/" U1 "/mdev_type/name",
		  "GRID T4-2Q\n");
	bt_expect(&bt, "class/mdev_bus/" T4 "/" U1 "/mdev_type/available_instances",
		  "7\n");
	bt_stop(&bt);
}
END_TEST

#define VP "bus/mdev/devices/" U1 "/nvidia/vgpu_params"
#define VM "bus/mdev/devices/" U1 "/nvidia/vm_name"

START_TEST(vgpu_params_and_vm_name)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia");
	expect_create(&bt, T4, 231, 1, 0);
	bt_expect_list(&bt, "bus/mdev/devices/" U1 "/nvidia", "vgpu_params vm_name");
	ck_assert_uint_eq(bt_mode(&bt, VP), S_IFREG | 0644);
	ck_assert_uint_eq(bt_mode(&bt, VM), S_IFREG | 0444);
	bt_expect(&bt, VP, "\n");
	bt_expect(&bt, VM, "\n");
	bt_expect_write(&bt, VP, "frame_rate_limiter=0\n", 0);
	bt_expect(&bt, VP, "frame_rate_limiter=0\n");
	bt_expect_write(&bt, VP, "frame_rate_limiter=0,disable_vnc=1", 0);
	bt_expect(&bt, VP, "frame_rate_limiter=0,disable_vnc=1\n");
	bt_expect_write(&bt, VP, "intervaltime=16667,vgaintervaltime=16667\n", 0);
	bt_expect(&bt, VP, "intervaltime=16667,vgaintervaltime=16667\n");
	/* Malformed lists are refused and leave the value alone. */
	bt_expect_write(&bt, VP, "loglevel", EINVAL);
	bt_expect_write(&bt, VP, "loglevel=5,", EINVAL);
	bt_expect_write(&bt, VP, "=5", EINVAL);
	bt_expect_write(&bt, VP, "\n", EINVAL);
	bt_expect(&bt, VP, "intervaltime=16667,vgaintervaltime=16667\n");
	/* A single space clears. */
	bt_expect_write(&bt, VP, " ", 0);
	bt_expect(&bt, VP, "\n");
	bt_expect_write(&bt, VP, "loglevel=5\n", 0);
	bt_expect_write(&bt, VP, " \n", 0);
	bt_expect(&bt, VP, "\n");
	bt_expect_write(&bt, VM, "vm1", EACCES);
	/* Each vGPU has its own parameters. */
	bt_expect_write(&bt, VP, "loglevel=5", 0);
	destroy(&bt, 1);
	expect_create(&bt, T4, 231, 1, 0);
	bt_expect(&bt, VP, "\n");
	bt_stop(&bt);
}
END_TEST

/* lock=size: same-size types show max - used, yet cannot be created. */
START_TEST(t4_lock_size)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:lock=size");
	expect_create(&bt, T4, 231, 1, 0);
	expect_avail(&bt, T4, 231, 7);
	expect_avail(&bt, T4, 223, 7);
	expect_avail(&bt, T4, 224, 7);
	expect_avail(&bt, T4, 226, 7);
	expect_avail(&bt, T4, 230, 0);
	expect_avail(&bt, T4, 232, 0);
	expect_avail(&bt, T4, 319, 0);
	expect_create(&bt, T4, 223, 2, EINVAL);
	expect_create(&bt, T4, 230, 2, EINVAL);
	destroy(&bt, 1);
	expect_all_avail(&bt, T4, t4_rows, G_N_ELEMENTS(t4_rows), 0, 0);
	bt_stop(&bt);
}
END_TEST

/* ---- P40 ---- */

START_TEST(p40_types)
{
	struct bt bt;
	size_t n = G_N_ELEMENTS(p40_rows);

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=p40");
	expect_types(&bt, P40, p40_rows, n);
	/* A fresh P40 (§1.5): 1Q=24, 2Q=12, 2B4=12, 1B4=24, 4C=6 ... */
	expect_all_avail(&bt, P40, p40_rows, n, 0, 0);
	expect_create(&bt, P40, 46, 1, 0);
	expect_create(&bt, P40, 46, 2, 0);
	expect_all_avail(&bt, P40, p40_rows, n, 46, 2);
	expect_avail(&bt, P40, 46, 22);
	expect_create(&bt, P40, 283, 3, EINVAL);
	destroy(&bt, 1);
	destroy(&bt, 2);
	expect_all_avail(&bt, P40, p40_rows, n, 0, 0);
	bt_expect(&bt, PCI P40 "/device", "0x1b38\n");
	bt_expect(&bt, PCI P40 "/numa_node", "1\n");
	ck_assert(!bt_exists(&bt, PCI T4));
	bt_stop(&bt);
}
END_TEST

START_TEST(bdf_argument)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=p40,bdf=0000:AF:00.0");
	bt_expect_list(&bt, "class/mdev_bus", "0000:af:00.0");
	bt_expectf(&bt, "GRID P40-1Q\n",
		   PCI "%s/mdev_supported_types/nvidia-46/name", "0000:af:00.0");
	bt_expect(&bt, PCI "0000:af:00.0/uevent",
		  "DRIVER=nvidia\nPCI_CLASS=30200\nPCI_ID=10DE:1B38\n"
		  "PCI_SUBSYS_ID=10DE:11D9\nPCI_SLOT_NAME=0000:af:00.0\n"
		  "MODALIAS=pci:v000010DEd00001B38sv000010DEsd000011D9bc03sc02i00\n");
	/* A second T4 elsewhere in the same host. */
	bt_load(&bt, "nvidia:bdf=0000:5e:00.0;board=t4");
	bt_expect_list(&bt, "class/mdev_bus", "0000:5e:00.0 0000:af:00.0");
	expect_create(&bt, "0000:5e:00.0", 231, 1, 0);
	expect_avail(&bt, "0000:af:00.0", 47, 12);
	bt_stop(&bt);
}
END_TEST

START_TEST(bad_arguments)
{
	static const char *const bad[] = {
		"nvidia:board=v100", "nvidia:bdf=0000:3b:00",
		"nvidia:bdf=0000:3b:20.0",
		"nvidia:bdf=0000:3b:00.8", "nvidia:board=m10,bdf=0000:84:00.0",
		"nvidia:vfs=4", "nvidia:board=a40,vfs=0", "nvidia:board=a40,vfs=33",
		"nvidia:lock=board", "nvidia:board", "nvidia:colour=green",
	};
	struct bt bt;

	bt_start(&bt, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *msg = bt_try_load(&bt, bad[i]);

		ck_assert_msg(msg, "%s loaded", bad[i]);
		g_free(msg);
	}
	bt_expect_list(&bt, "class/mdev_bus", "");
	/* The same BDF twice cannot be. */
	bt_load(&bt, "nvidia");
	{
		char *msg = bt_try_load(&bt, "nvidia:board=p40,bdf=" T4);

		ck_assert(msg);
		g_free(msg);
	}
	bt_expect_list(&bt, "class/mdev_bus", T4);
	bt_stop(&bt);
}
END_TEST

/* ---- M10: four GPUs, four independent parents ---- */

static const char *const m10_bdfs[] = {
	"0000:84:00.0", "0000:85:00.0", "0000:86:00.0", "0000:87:00.0",
};

START_TEST(m10_four_parents)
{
	struct bt bt;
	size_t n = G_N_ELEMENTS(m10_rows);

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=m10");
	bt_expect_list(&bt, "class/mdev_bus",
		       "0000:84:00.0 0000:85:00.0 0000:86:00.0 0000:87:00.0");
	for (size_t i = 0; i < 4; i++) {
		expect_types(&bt, m10_bdfs[i], m10_rows, n);
		expect_all_avail(&bt, m10_bdfs[i], m10_rows, n, 0, 0);
		bt_expectf(&bt, "0x030000\n", PCI "%s/class", m10_bdfs[i]);
	}
	/* 0Q on the first GPU, 8Q on the second: each GPU its own lock. */
	expect_create(&bt, m10_bdfs[0], 36, 1, 0);
	expect_create(&bt, m10_bdfs[0], 36, 2, 0);
	expect_create(&bt, m10_bdfs[1], 45, 3, 0);
	expect_all_avail(&bt, m10_bdfs[0], m10_rows, n, 36, 2);
	expect_all_avail(&bt, m10_bdfs[1], m10_rows, n, 45, 1);
	expect_all_avail(&bt, m10_bdfs[2], m10_rows, n, 0, 0);
	expect_all_avail(&bt, m10_bdfs[3], m10_rows, n, 0, 0);
	expect_create(&bt, m10_bdfs[1], 45, 4, EINVAL);
	expect_create(&bt, m10_bdfs[0], 39, 4, EINVAL);
	expect_create(&bt, m10_bdfs[2], 39, 4, 0);
	destroy(&bt, 3);
	expect_all_avail(&bt, m10_bdfs[1], m10_rows, n, 0, 0);
	expect_all_avail(&bt, m10_bdfs[0], m10_rows, n, 36, 2);
	bt_stop(&bt);
}
END_TEST

/* ---- A40: SR-IOV ---- */

#define VF(n) vf_name(n)

static const char *vf_name(unsigned int n)
{
	static char names[64][24];
	unsigned int devfn = 4 + n;

	snprintf(names[n], sizeof(names[n]), "0000:41:%02x.%x", devfn >> 3,
		 devfn & 7);
	return names[n];
}

START_TEST(a40_layout)
{
	struct bt bt;
	GString *want = g_string_new(NULL);

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=a40");
	ck_assert(bt_exists(&bt, PCI A40_PF));
	ck_assert(!bt_exists(&bt, PCI A40_PF "/mdev_supported_types"));
	ck_assert(!bt_exists(&bt, "class/mdev_bus/" A40_PF));
	bt_expect_link(&bt, PCI A40_PF "/driver", "../../../bus/pci/drivers/nvidia");
	bt_expect(&bt, PCI A40_PF "/sriov_totalvfs", "32\n");
	bt_expect(&bt, PCI A40_PF "/sriov_numvfs", "32\n");
	bt_expect(&bt, PCI A40_PF "/sriov_offset", "4\n");
	bt_expect(&bt, PCI A40_PF "/sriov_stride", "1\n");
	bt_expect(&bt, PCI A40_PF "/sriov_vf_device", "2235\n");
	bt_expect_write(&bt, PCI A40_PF "/sriov_numvfs", "32\n", 0);
	bt_expect_write(&bt, PCI A40_PF "/sriov_numvfs", "0\n", EBUSY);
	bt_expect_write(&bt, PCI A40_PF "/sriov_numvfs", "x\n", EINVAL);
	bt_expect_link(&bt, PCI A40_PF "/virtfn0", "../0000:41:00.4");
	bt_expect_link(&bt, PCI A40_PF "/virtfn3", "../0000:41:00.7");
	bt_expect_link(&bt, PCI A40_PF "/virtfn4", "../0000:41:01.0");
	bt_expect_link(&bt, PCI A40_PF "/virtfn31", "../0000:41:04.3");
	ck_assert(!bt_exists(&bt, PCI A40_PF "/virtfn32"));
	for (unsigned int i = 0; i < 32; i++) {
		char *path = g_strdup_printf(PCI "%s/physfn", VF(i));

		bt_expect_link(&bt, path, "../" A40_PF);
		g_free(path);
		g_string_append_printf(want, "%s%s", i ? " " : "", VF(i));
	}
	/* The VFs are the parents, and only they. */
	bt_expect_list(&bt, "class/mdev_bus", want->str);
	bt_expect_link(&bt, "class/mdev_bus/0000:41:00.4",
		       "../../devices/pci0000:00/0000:41:00.4");
	bt_expect_link(&bt, PCI "0000:41:00.4/subsystem", "../../../bus/pci");
	bt_expect(&bt, PCI "0000:41:00.4/device", "0x2235\n");
	ck_assert(!bt_exists(&bt, PCI "0000:41:00.4/sriov_totalvfs"));
	expect_types(&bt, VF(0), a40_rows, G_N_ELEMENTS(a40_rows));
	expect_types(&bt, VF(31), a40_rows, G_N_ELEMENTS(a40_rows));
	/* Through the PF's virtfn link. */
	bt_expect(&bt, PCI A40_PF "/virtfn0/mdev_supported_types/nvidia-558/name",
		  "NVIDIA A40-2Q\n");
	g_string_free(want, TRUE);
	bt_stop(&bt);
}
END_TEST

/* Expect every type of a VF at 1 except held (avail_held), or all 0. */
static void expect_vf(struct bt *bt, unsigned int vf, unsigned int held,
		      unsigned int avail_held)
{
	for (size_t i = 0; i < G_N_ELEMENTS(a40_rows); i++) {
		unsigned int want = held ? 0 : 1;

		if (held && a40_rows[i].id == held)
			want = avail_held;
		expect_avail(bt, VF(vf), a40_rows[i].id, want);
	}
}

START_TEST(a40_one_vgpu_per_vf)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=a40,vfs=4");
	bt_expect_list(&bt, "class/mdev_bus",
		       "0000:41:00.4 0000:41:00.5 0000:41:00.6 0000:41:00.7");
	bt_expect(&bt, PCI A40_PF "/sriov_numvfs", "4\n");
	for (unsigned int i = 0; i < 4; i++)
		expect_vf(&bt, i, 0, 0);
	/* A 2Q on VF0: VF0 is full, the others offer only 2Q. */
	expect_create(&bt, VF(0), 558, 1, 0);
	expect_vf(&bt, 0, 558, 0);
	for (unsigned int i = 1; i < 4; i++)
		expect_vf(&bt, i, 558, 1);
	expect_create(&bt, VF(0), 558, 2, EINVAL);
	expect_create(&bt, VF(1), 557, 2, EINVAL);
	expect_create(&bt, VF(1), 558, 2, 0);
	expect_vf(&bt, 1, 558, 0);
	expect_vf(&bt, 2, 558, 1);
	destroy(&bt, 1);
	destroy(&bt, 2);
	for (unsigned int i = 0; i < 4; i++)
		expect_vf(&bt, i, 0, 0);
	/* 24Q allows two per board: the third VF shows 0 and refuses. */
	expect_create(&bt, VF(2), 565, 3, 0);
	expect_create(&bt, VF(3), 565, 4, 0);
	expect_vf(&bt, 0, 565, 0);
	expect_vf(&bt, 1, 565, 0);
	expect_create(&bt, VF(0), 565, 5, EINVAL);
	destroy(&bt, 3);
	expect_vf(&bt, 0, 565, 1);
	expect_vf(&bt, 2, 565, 1);
	expect_vf(&bt, 3, 565, 0);
	expect_create(&bt, VF(0), 565, 5, 0);
	bt_expect_link(&bt, "bus/mdev/devices/5e1c7a30-7d1b-4c5e-9a3f-000000000005",
		       "../../../devices/pci0000:00/0000:41:00.4/"
		       "5e1c7a30-7d1b-4c5e-9a3f-000000000005");
	bt_expect(&bt, "bus/mdev/devices/5e1c7a30-7d1b-4c5e-9a3f-000000000005/"
		  "nvidia/vgpu_params", "\n");
	bt_stop(&bt);
}
END_TEST

/* A create on one VF changes its siblings' counts: they must be
 * announced, or a kernel-cached available_instances would go stale. */
static void count_available(void *data, const struct mdev_event *ev)
{
	GHashTable *seen = data;

	if (ev->type == MDEV_EVENT_AVAILABLE)
		g_hash_table_add(seen, g_strdup(ev->dev->name));
}

START_TEST(a40_siblings_announced)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal,
						 g_free, NULL);
	struct mdev_listener listener = { count_available, seen };
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=a40,vfs=3");
	mdev_host_add_listener(bt.host, &listener);
	expect_create(&bt, VF(0), 558, 1, 0);
	for (unsigned int i = 0; i < 3; i++)
		ck_assert_msg(g_hash_table_contains(seen, i == 0 ? "0000:41:00.4" :
						    i == 1 ? "0000:41:00.5" :
							     "0000:41:00.6"),
			      "VF%u not announced after a create on VF0", i);
	g_hash_table_remove_all(seen);
	destroy(&bt, 1);
	ck_assert(g_hash_table_contains(seen, "0000:41:00.5"));
	ck_assert(g_hash_table_contains(seen, "0000:41:00.6"));
	mdev_host_remove_listener(bt.host, &listener);
	bt_stop(&bt);
	g_hash_table_destroy(seen);
}
END_TEST

/* ---- several backends in one host ---- */

START_TEST(with_gvtg_and_mtty)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "mtty");
	bt_load(&bt, "nvidia");
	bt_load(&bt, "gvtg");
	bt_expect_list(&bt, "class/mdev_bus", "0000:00:02.0 " T4 " mtty");
	bt_expect_list(&bt, "bus/pci/drivers", "i915 nvidia");
	bt_expect_list(&bt, "bus/pci/devices", "0000:00:02.0 " T4);
	expect_create(&bt, T4, 231, 1, 0);
	bt_expect_write(&bt, "devices/virtual/mtty/mtty/mdev_supported_types/"
			"mtty-1/create", U1, EEXIST);
	bt_expect_write(&bt, PCI "0000:00:02.0/mdev_supported_types/"
			"i915-GVTg_V5_4/create", U1, EEXIST);
	bt_expect_write(&bt, PCI "0000:00:02.0/mdev_supported_types/"
			"i915-GVTg_V5_4/create",
			"5e1c7a30-7d1b-4c5e-9a3f-000000000002", 0);
	expect_avail(&bt, T4, 231, 7);
	bt_expect(&bt, PCI "0000:00:02.0/mdev_supported_types/i915-GVTg_V5_8/"
		  "available_instances", "5\n");
	bt_expect(&bt, "devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/"
		  "available_instances", "24\n");
	ck_assert(bt_exists(&bt, "bus/mdev/drivers/nvidia/" U1));
	ck_assert(bt_exists(&bt, "bus/mdev/drivers/intel_vgpu_mdev/"
			    "5e1c7a30-7d1b-4c5e-9a3f-000000000002"));
	bt_stop(&bt);
}
END_TEST

/* Unloading with vGPUs present tears everything down. */
START_TEST(unload_with_vgpus)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=a40,vfs=2");
	expect_create(&bt, VF(0), 558, 1, 0);
	expect_create(&bt, VF(1), 558, 2, 0);
	mdev_backends_unload(bt.host);
	bt_expect_list(&bt, "class/mdev_bus", "");
	bt_expect_list(&bt, "bus/mdev/devices", "");
	ck_assert(!bt_exists(&bt, PCI A40_PF));
	ck_assert(!bt_exists(&bt, "bus/pci/drivers/nvidia"));
	bt_stop(&bt);
}
END_TEST

/* Before 6.1 the vendor's own type files; mdevs go to vfio_mdev. */
START_TEST(older_kernels)
{
	static const char *const kernels[] = { "4.10", "5.10", "5.15" };
	struct bt bt;

	for (size_t i = 0; i < G_N_ELEMENTS(kernels); i++) {
		bt_start(&bt, kernels[i]);
		bt_load(&bt, "nvidia");
		bt_expect_list(&bt, PCI T4 "/mdev_supported_types/nvidia-231",
			       "available_instances create description "
			       "device_api devices name");
		expect_types(&bt, T4, t4_rows, G_N_ELEMENTS(t4_rows));
		expect_all_avail(&bt, T4, t4_rows, G_N_ELEMENTS(t4_rows), 0, 0);
		expect_create(&bt, T4, 231, 1, 0);
		expect_all_avail(&bt, T4, t4_rows, G_N_ELEMENTS(t4_rows), 231, 1);
		expect_create(&bt, T4, 230, 2, EINVAL);
		bt_expect_link(&bt, PCI T4 "/" U1 "/driver",
			       "../../../../bus/mdev/drivers/vfio_mdev");
		bt_expect_write(&bt, VP, "loglevel=5", 0);
		bt_expect(&bt, VP, "loglevel=5\n");
		destroy(&bt, 1);
		expect_all_avail(&bt, T4, t4_rows, G_N_ELEMENTS(t4_rows), 0, 0);
		bt_stop(&bt);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-nvidia");
	TCase *tc = tcase_create("boards");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t4_types);
	tcase_add_test(tc, t4_homogeneous);
	tcase_add_test(tc, t4_fill_up);
	tcase_add_test(tc, t4_pci_parent);
	tcase_add_test(tc, t4_hardware_iommu_group);
	tcase_add_test(tc, t4_mdev_links);
	tcase_add_test(tc, vgpu_params_and_vm_name);
	tcase_add_test(tc, t4_lock_size);
	tcase_add_test(tc, p40_types);
	tcase_add_test(tc, bdf_argument);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, m10_four_parents);
	tcase_add_test(tc, a40_layout);
	tcase_add_test(tc, a40_one_vgpu_per_vf);
	tcase_add_test(tc, a40_siblings_announced);
	tcase_add_test(tc, with_gvtg_and_mtty);
	tcase_add_test(tc, unload_with_vgpus);
	tcase_add_test(tc, older_kernels);
	suite_add_tcase(s, tc);
	return bt_run(s);
}
