// SPDX-License-Identifier: MIT
/*
 * The gvtg backend through the tree: the Gen9 types, their shared
 * aperture / hidden-memory / fence pool and the ENOSPC when a vGPU does
 * not fit (spec/vendors.md §2), vgpu_id, and the PCI parent's links.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "backend_test.h"

#define IGD "devices/pci0000:00/0000:00:02.0"
#define TYPES IGD "/mdev_supported_types"
#define T TYPES "/"

/* ---- helpers ---- */

static void uuid_of(char *buf, size_t len, int n)
{
	snprintf(buf, len, "b0a1c2d3-e4f5-4a6b-8c7d-%012x", n);
}

/* Create UUID n of GVTg_V5_<type>; want is the errno (0: made). */
static void expect_create(struct bt *bt, const char *type, int n, int want)
{
	char uuid[40];
	char name[32];

	uuid_of(uuid, sizeof(uuid), n);
	snprintf(name, sizeof(name), "i915-GVTg_V5_%s", type);
	bt_expect_create(bt, TYPES, name, uuid, want);
}

static void destroy(struct bt *bt, int n)
{
	char uuid[40];

	uuid_of(uuid, sizeof(uuid), n);
	bt_remove(bt, uuid, "1");
}

static void expect_vgpu_id(struct bt *bt, int n, int id)
{
	char uuid[40];
	char want[8];

	uuid_of(uuid, sizeof(uuid), n);
	snprintf(want, sizeof(want), "%d\n", id);
	bt_expectf(bt, want, "bus/mdev/devices/%s/intel_vgpu/vgpu_id", uuid);
}

/* available_instances of V5_8, V5_4, V5_2, V5_1 (-1: type absent). */
static void expect_avail(struct bt *bt, int v8, int v4, int v2, int v1)
{
	static const char *const types[] = { "8", "4", "2", "1" };
	const int want[] = { v8, v4, v2, v1 };

	for (size_t i = 0; i < 4; i++) {
		char *path = g_strdup_printf(T "i915-GVTg_V5_%s/available_instances",
					     types[i]);
		char text[16];

		if (want[i] < 0) {
			ck_assert_msg(!bt_exists(bt, path), "%s exists", path);
		} else {
			snprintf(text, sizeof(text), "%d\n", want[i]);
			bt_expect(bt, path, text);
		}
		g_free(path);
	}
}

/* ---- tests ---- */

START_TEST(types_and_descriptions)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "gvtg");
	bt_expect_list(&bt, T, "i915-GVTg_V5_1 i915-GVTg_V5_2 i915-GVTg_V5_4 "
		       "i915-GVTg_V5_8");
	bt_expect_list(&bt, T "i915-GVTg_V5_4",
		       "available_instances create description device_api "
		       "devices name");
	bt_expect(&bt, T "i915-GVTg_V5_8/name", "GVTg_V5_8\n");
	bt_expect(&bt, T "i915-GVTg_V5_4/name", "GVTg_V5_4\n");
	bt_expect(&bt, T "i915-GVTg_V5_1/device_api", "vfio-pci\n");
	bt_expect(&bt, T "i915-GVTg_V5_8/description",
		  "low_gm_size: 64MB\nhigh_gm_size: 384MB\nfence: 4\n"
		  "resolution: 1024x768\nweight: 2\n");
	bt_expect(&bt, T "i915-GVTg_V5_4/description",
		  "low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\n"
		  "resolution: 1920x1200\nweight: 4\n");
	bt_expect(&bt, T "i915-GVTg_V5_2/description",
		  "low_gm_size: 256MB\nhigh_gm_size: 1024MB\nfence: 4\n"
		  "resolution: 1920x1200\nweight: 8\n");
	bt_expect(&bt, T "i915-GVTg_V5_1/description",
		  "low_gm_size: 512MB\nhigh_gm_size: 2048MB\nfence: 4\n"
		  "resolution: 1920x1200\nweight: 16\n");
	/* The 1 GB aperture example of §2. */
	expect_avail(&bt, 7, 5, 2, 1);
	bt_stop(&bt);
}
END_TEST

START_TEST(shared_pool)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "gvtg:aperture=1024");
	/* §2: after one V5_4, V5_8 = 5, V5_4 = 4, V5_2 = 2, V5_1 = 1. */
	expect_create(&bt, "4", 1, 0);
	expect_avail(&bt, 5, 4, 2, 1);
	expect_vgpu_id(&bt, 1, 1);
	/* Types mix: low 896-128-512=256, high 2688-512-2048=128. */
	expect_create(&bt, "1", 2, 0);
	expect_vgpu_id(&bt, 2, 2);
	expect_avail(&bt, 0, 0, 0, 0);
	expect_create(&bt, "8", 3, ENOSPC);
	expect_create(&bt, "1", 3, ENOSPC);
	ck_assert(!bt_exists(&bt, "bus/mdev/devices/"
			     "b0a1c2d3-e4f5-4a6b-8c7d-000000000003"));
	destroy(&bt, 1);
	/* low 896-512=384, high 2688-2048=640, fences 24. */
	expect_avail(&bt, 1, 1, 0, 0);
	expect_create(&bt, "2", 3, ENOSPC);
	expect_create(&bt, "8", 3, 0);
	/* The lowest free id is reused. */
	expect_vgpu_id(&bt, 3, 1);
	destroy(&bt, 2);
	destroy(&bt, 3);
	expect_avail(&bt, 7, 5, 2, 1);
	bt_stop(&bt);
}
END_TEST

/* After i V5_8s (1 GB aperture): every type, worked out by hand. */
static const int after_v8[8][4] = {
	{ 7, 5, 2, 1 }, { 6, 4, 2, 1 }, { 5, 3, 1, 0 }, { 4, 3, 1, 0 },
	{ 3, 2, 1, 0 }, { 2, 1, 0, 0 }, { 1, 0, 0, 0 }, { 0, 0, 0, 0 },
};

START_TEST(seven_vgpus)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "gvtg");
	for (int i = 1; i <= 7; i++) {
		const int *w = after_v8[i];

		expect_create(&bt, "8", i, 0);
		expect_vgpu_id(&bt, i, i);
		expect_avail(&bt, w[0], w[1], w[2], w[3]);
	}
	/* The eighth finds neither an id nor room. */
	expect_create(&bt, "8", 8, ENOSPC);
	destroy(&bt, 4);
	expect_avail(&bt, 1, 0, 0, 0);
	expect_create(&bt, "4", 8, ENOSPC);
	expect_create(&bt, "8", 8, 0);
	expect_vgpu_id(&bt, 8, 4);
	bt_stop(&bt);
}
END_TEST

START_TEST(aperture_sizes)
{
	struct bt bt;

	/* 256 MB: only V5_8 and V5_4 register. */
	bt_start(&bt, NULL);
	bt_load(&bt, "gvtg:aperture=256");
	bt_expect_list(&bt, T, "i915-GVTg_V5_4 i915-GVTg_V5_8");
	expect_avail(&bt, 2, 1, -1, -1);
	expect_create(&bt, "4", 1, 0);
	expect_avail(&bt, 0, 0, -1, -1);
	expect_create(&bt, "8", 2, ENOSPC);
	bt_stop(&bt);

	bt_start(&bt, NULL);
	bt_load(&bt, "gvtg:aperture=512");
	expect_avail(&bt, 6, 3, 1, -1);
	bt_stop(&bt);

	/* 2 GB: hidden memory is now the tighter resource. */
	bt_start(&bt, NULL);
	bt_load(&bt, "gvtg:aperture=2048");
	expect_avail(&bt, 4, 3, 1, 0);
	expect_create(&bt, "1", 1, ENOSPC);
	bt_stop(&bt);
}
END_TEST

START_TEST(gen8_types)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "gvtg:gen=8");
	bt_expect_list(&bt, T, "i915-GVTg_V4_1 i915-GVTg_V4_2 i915-GVTg_V4_4 "
		       "i915-GVTg_V4_8");
	bt_expect(&bt, T "i915-GVTg_V4_2/name", "GVTg_V4_2\n");
	bt_expect(&bt, T "i915-GVTg_V4_8/available_instances", "7\n");
	bt_expect(&bt, IGD "/device", "0x1616\n");
	bt_stop(&bt);
}
END_TEST

#define U1 "b0a1c2d3-e4f5-4a6b-8c7d-000000000001"

START_TEST(pci_parent_and_links)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "gvtg");
	bt_expect_link(&bt, IGD "/subsystem", "../../../bus/pci");
	bt_expect_link(&bt, IGD "/driver", "../../../bus/pci/drivers/i915");
	bt_expect_link(&bt, "class/mdev_bus/0000:00:02.0",
		       "../../devices/pci0000:00/0000:00:02.0");
	bt_expect_link(&bt, "bus/pci/drivers/i915/0000:00:02.0",
		       "../../../../devices/pci0000:00/0000:00:02.0");
	bt_expect(&bt, IGD "/vendor", "0x8086\n");
	bt_expect(&bt, IGD "/class", "0x030000\n");
	bt_expect(&bt, IGD "/numa_node", "-1\n");
	bt_expect(&bt, IGD "/uevent",
		  "DRIVER=i915\nPCI_CLASS=30000\nPCI_ID=8086:3E92\n"
		  "PCI_SUBSYS_ID=8086:2212\nPCI_SLOT_NAME=0000:00:02.0\n"
		  "MODALIAS=pci:v00008086d00003E92sv00008086sd00002212bc03sc00i00\n");
	expect_create(&bt, "4", 1, 0);
	bt_expect_link(&bt, "bus/mdev/devices/" U1,
		       "../../../devices/pci0000:00/0000:00:02.0/" U1);
	bt_expect_link(&bt, IGD "/" U1 "/subsystem", "../../../../bus/mdev");
	bt_expect_link(&bt, IGD "/" U1 "/driver",
		       "../../../../bus/mdev/drivers/intel_vgpu_mdev");
	bt_expect_link(&bt, IGD "/" U1 "/mdev_type",
		       "../mdev_supported_types/i915-GVTg_V5_4");
	bt_expect(&bt, IGD "/" U1 "/uevent", "DRIVER=intel_vgpu_mdev\n");
	ck_assert_uint_eq(bt_mode(&bt, IGD "/" U1 "/intel_vgpu/vgpu_id"),
			  S_IFREG | 0444);
	bt_expect_list(&bt, IGD "/" U1 "/intel_vgpu", "vgpu_id");
	bt_expect_write(&bt, IGD "/" U1 "/intel_vgpu/vgpu_id", "2", EACCES);
	bt_expect_list(&bt, "bus/mdev/drivers/intel_vgpu_mdev",
		       U1 " bind uevent unbind");
	bt_stop(&bt);
}
END_TEST

START_TEST(bad_arguments)
{
	static const char *const bad[] = {
		"gvtg:aperture=128", "gvtg:aperture=300", "gvtg:aperture=4096",
		"gvtg:aperture=", "gvtg:gen=11", "gvtg:gen", "gvtg:bdf=0000:00:02.0",
	};
	struct bt bt;

	bt_start(&bt, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		char *msg = bt_try_load(&bt, bad[i]);

		ck_assert_msg(msg, "%s loaded", bad[i]);
		g_free(msg);
	}
	ck_assert(!bt_exists(&bt, IGD));
	bt_load(&bt, "gvtg:gen=9;aperture=512");
	bt_expect_list(&bt, "class/mdev_bus", "0000:00:02.0");
	{
		/* One iGPU per host. */
		char *msg = bt_try_load(&bt, "gvtg");

		ck_assert(msg);
		g_free(msg);
	}
	bt_stop(&bt);
}
END_TEST

/*
 * Before 6.1 GVT-g supplied the type files itself and had no `name`
 * ([GVT#202]); the mdevs went to vfio_mdev.  6.1 has intel_vgpu_mdev.
 */
START_TEST(older_kernels)
{
	static const char *const kernels[] = { "4.10", "5.10", "5.15" };
	struct bt bt;

	for (size_t i = 0; i < G_N_ELEMENTS(kernels); i++) {
		bt_start(&bt, kernels[i]);
		bt_load(&bt, "gvtg");
		bt_expect_list(&bt, T "i915-GVTg_V5_4",
			       "available_instances create description "
			       "device_api devices");
		bt_expect(&bt, T "i915-GVTg_V5_4/device_api", "vfio-pci\n");
		bt_expect(&bt, T "i915-GVTg_V5_4/description",
			  "low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\n"
			  "resolution: 1920x1200\nweight: 4\n");
		expect_avail(&bt, 7, 5, 2, 1);
		expect_create(&bt, "4", 1, 0);
		expect_avail(&bt, 5, 4, 2, 1);
		expect_vgpu_id(&bt, 1, 1);
		bt_expect_link(&bt, IGD "/" U1 "/driver",
			       "../../../../bus/mdev/drivers/vfio_mdev");
		expect_create(&bt, "1", 2, 0);
		expect_create(&bt, "8", 3, ENOSPC);
		destroy(&bt, 1);
		destroy(&bt, 2);
		expect_avail(&bt, 7, 5, 2, 1);
		bt_stop(&bt);
	}
	bt_start(&bt, "6.1");
	bt_load(&bt, "gvtg");
	expect_create(&bt, "4", 1, 0);
	bt_expect_link(&bt, IGD "/" U1 "/driver",
		       "../../../../bus/mdev/drivers/intel_vgpu_mdev");
	bt_stop(&bt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-gvtg");
	TCase *tc = tcase_create("gvtg");

	tcase_add_test(tc, types_and_descriptions);
	tcase_add_test(tc, shared_pool);
	tcase_add_test(tc, seven_vgpus);
	tcase_add_test(tc, aperture_sizes);
	tcase_add_test(tc, gen8_types);
	tcase_add_test(tc, pci_parent_and_links);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, older_kernels);
	suite_add_tcase(s, tc);
	return bt_run(s);
}
