// SPDX-License-Identifier: MIT
/*
 * mdevfs-record and the keyfile backend together: a fake host tree laid
 * out on disk as the kernel does (real directories and files, relative
 * links), recorded, replayed, and the replayed tree compared with it.
 *
 * The recorder is a separate program built in src/record; from the
 * backends' build directory it is at ../src/record/mdevfs-record.
 */
#define _GNU_SOURCE   /* nftw() */
#include "backend_test.h"

#include <ftw.h>
#include <glib/gstdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define RECORDER BACKEND_DIR "/../src/record/mdevfs-record"

#define NVP "devices/pci0000:00/0000:3b:00.0"
#define NVT NVP "/mdev_supported_types/"
#define MTP "devices/virtual/mtty/mtty"
#define APP "devices/vfio_ap/matrix"
#define U0 "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"
#define U1 "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002"

static char *root;   /* the fake host: root/sys is its /sys */

static char *on_disk(const char *rel)
{
	return g_build_filename(root, "sys", rel, NULL);
}

static void put(const char *rel, const char *text)
{
	g_autofree char *path = on_disk(rel);
	g_autofree char *dir = g_path_get_dirname(path);

	ck_assert(g_mkdir_with_parents(dir, 0755) == 0);
	ck_assert(g_file_set_contents(path, text, -1, NULL));
}

static void link_to(const char *rel, const char *target)
{
	g_autofree char *path = on_disk(rel);
	g_autofree char *dir = g_path_get_dirname(path);

	ck_assert(g_mkdir_with_parents(dir, 0755) == 0);
	ck_assert_msg(symlink(target, path) == 0, "symlink %s", path);
}

/* The T4's config space as root reads it: 4096 bytes, IDs in front. */
static guint8 t4_config[4096];

static void put_config(void)
{
	g_autofree char *path = on_disk(NVP "/config");
	static const guint8 header[] = { 0xde, 0x10, 0xb8, 0x1e, 0x06, 0x04,
					 0x10, 0x00, 0xa1, 0x00, 0x02, 0x03 };

	memcpy(t4_config, header, sizeof(header));
	t4_config[0x2c] = 0xde;
	t4_config[0x2d] = 0x10;
	t4_config[0x2e] = 0xa2;
	t4_config[0x2f] = 0x12;
	t4_config[4095] = 0x77;
	ck_assert(g_file_set_contents(path, (const char *)t4_config,
				      sizeof(t4_config), NULL));
}

static void add_type(const char *types, const char *id, const char *name,
		     const char *description, const char *api,
		     const char *avail)
{
	g_autofree char *dir = g_strdup_printf("%s/%s", types, id);
	g_autofree char *devices = g_strdup_printf("%s/devices", dir);
	g_autofree char *devices_path = on_disk(devices);
	const struct { const char *file, *text; } files[] = {
		{ "name", name }, { "description", description },
		{ "device_api", api }, { "available_instances", avail },
		{ "create", "" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *rel = NULL;
		g_autofree char *text = NULL;

		if (!files[i].text)
			continue;
		rel = g_strdup_printf("%s/%s", dir, files[i].file);
		text = *files[i].text ? g_strconcat(files[i].text, "\n", NULL)
				      : g_strdup("");
		put(rel, text);
	}
	ck_assert(g_mkdir_with_parents(devices_path, 0755) == 0);
}

/* A T4 on PCI, the mtty sample and a vfio_ap matrix with one mdev. */
static void make_host(void)
{
	root = g_dir_make_tmp("record-XXXXXX", NULL);
	ck_assert(root);
	link_to("class/mdev_bus/0000:3b:00.0", "../../" NVP);
	link_to(NVP "/subsystem", "../../../bus/pci");
	link_to(NVP "/driver", "../../../bus/pci/drivers/nvidia");
	put(NVP "/uevent", "DRIVER=nvidia\nPCI_CLASS=30200\nPCI_ID=10DE:1EB8\n"
	    "PCI_SUBSYS_ID=10DE:12A2\n"
	    "PCI_SLOT_NAME=0000:3b:00.0\n"
	    "MODALIAS=pci:v000010DEd00001EB8sv000010DEsd000012A2bc03sc02i00\n");
	put(NVP "/vendor", "0x10de\n");
	put_config();
	/* A link to another parent is recorded; one to any other device not. */
	link_to(NVP "/virtfn0", "../../virtual/mtty/mtty");
	link_to(NVP "/virtfn1", "../../virtual/net/lo");
	add_type(NVT, "nvidia-222", "GRID T4-1B",
		 "num_heads=4, frl_config=45, framebuffer=1024M, max_resolution=5120x2880, max_instance=16",
		 "vfio-pci", "16");
	add_type(NVT, "nvidia-231", "GRID T4-2Q",
		 "num_heads=4, frl_config=60, framebuffer=2048M, max_resolution=7680x4320, max_instance=8",
		 "vfio-pci", "8");
	add_type(NVT, "nvidia-234", "GRID T4-16Q",
		 "num_heads=4, frl_config=60, framebuffer=16384M, max_resolution=7680x4320, max_instance=1",
		 "vfio-pci", "1");

	link_to("class/mdev_bus/mtty", "../../" MTP);
	link_to(MTP "/subsystem", "../../../../class/mtty");
	put(MTP "/uevent", "");
	add_type(MTP "/mdev_supported_types", "mtty-1", "Single port serial",
		 NULL, "vfio-pci", "24");
	add_type(MTP "/mdev_supported_types", "mtty-2", "Dual port serial",
		 NULL, "vfio-pci", "12");

	link_to("class/mdev_bus/matrix", "../../" APP);
	link_to(APP "/subsystem", "../../../bus/matrix");
	link_to(APP "/driver", "../../../bus/matrix/drivers/vfio_ap");
	put(APP "/uevent", "DRIVER=vfio_ap\n");
	add_type(APP "/mdev_supported_types", "vfio_ap-passthrough",
		 "VFIO AP Passthrough Device", "multi\nline", "vfio-ap", "65534");
	link_to(APP "/mdev_supported_types/vfio_ap-passthrough/devices/" U0,
		"../../../" U0);
	link_to(APP "/" U0 "/mdev_type",
		"../mdev_supported_types/vfio_ap-passthrough");
	link_to(APP "/" U0 "/driver",
		"../../../../bus/mdev/drivers/vfio_ap_mdev");
	put(APP "/" U0 "/uevent", "DRIVER=vfio_ap_mdev\n");
}

static int unlink_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void drop_host(void)
{
	ck_assert(nftw(root, unlink_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
	g_clear_pointer(&root, g_free);
}

/* Run the recorder on the fake host; its exit status and stderr. */
static int record(const char *out, char **err)
{
	const char *argv[] = { RECORDER, "--root", root, "-o", out, NULL };
	g_autoptr(GError) error = NULL;
	int status = 0;

	ck_assert_msg(g_file_test(RECORDER, G_FILE_TEST_IS_EXECUTABLE),
		      "%s is not built: the top-level CMakeLists.txt needs add_subdirectory(src/record)",
		      RECORDER);
	ck_assert_msg(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT,
				   NULL, NULL, NULL, err, &status, &error),
		      "running %s: %s", RECORDER, error ? error->message : "?");
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ------------------------------------------------------------------ */
/* The replayed tree against the recorded one                          */

static void same_file(struct bt *bt, const char *rel)
{
	g_autofree char *path = on_disk(rel);
	g_autofree char *want = NULL;

	if (!g_file_get_contents(path, &want, NULL, NULL)) {
		ck_assert_msg(!bt_exists(bt, rel), "%s should not exist", rel);
		return;
	}
	bt_expect(bt, rel, want);
}

static void same_link(struct bt *bt, const char *rel)
{
	g_autofree char *path = on_disk(rel);
	g_autofree char *want = g_file_read_link(path, NULL);
	g_autofree char *got = bt_readlink(bt, rel);

	if (!want) {
		ck_assert_msg(!got, "%s should not exist", rel);
		return;
	}
	ck_assert_msg(got, "no link %s", rel);
	ck_assert_str_eq(got, want);
}

static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in a directory on disk, sorted and joined as bt_list() does. */
static char *disk_list(const char *rel)
{
	g_autofree char *path = on_disk(rel);
	GDir *dir = g_dir_open(path, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	ck_assert_msg(dir, "no directory %s", path);
	while ((name = g_dir_read_name(dir)))
		g_ptr_array_add(names, g_strdup(name));
	g_dir_close(dir);
	g_ptr_array_sort(names, by_name);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(" ", (char **)names->pdata);
}

static void same_types(struct bt *bt, const char *devpath)
{
	static const char *const files[] = { "name", "description", "device_api",
					     "available_instances", NULL };
	g_autofree char *types = g_strdup_printf("%s/mdev_supported_types",
						 devpath);
	g_autofree char *want = disk_list(types);
	g_autofree char *got = bt_list(bt, types);
	g_auto(GStrv) ids = g_strsplit(want, " ", -1);

	ck_assert_str_eq(got, want);
	for (char **id = ids; *id; id++)
		for (const char *const *f = files; *f; f++) {
			g_autofree char *rel = g_strdup_printf("%s/%s/%s", types,
							       *id, *f);

			same_file(bt, rel);
		}
}

static void same_parent(struct bt *bt, const char *name, const char *devpath)
{
	g_autofree char *link = g_strdup_printf("class/mdev_bus/%s", name);
	g_autofree char *sub = g_strdup_printf("%s/subsystem", devpath);
	g_autofree char *drv = g_strdup_printf("%s/driver", devpath);
	g_autofree char *uevent = g_strdup_printf("%s/uevent", devpath);

	same_link(bt, link);
	same_link(bt, sub);
	same_link(bt, drv);
	same_file(bt, uevent);
	same_types(bt, devpath);
}

START_TEST(record_and_replay)
{
	struct bt bt;
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autofree char *spec = NULL;
	g_autofree char *parents = NULL;

	make_host();
	out = g_build_filename(root, "host.conf", NULL);
	ck_assert_int_eq(record(out, &err), 0);
	ck_assert_str_eq(err, "");
	spec = g_strdup_printf("keyfile:%s", out);
	bt_start(&bt, NULL);
	bt_load(&bt, spec);

	parents = bt_list(&bt, "class/mdev_bus");
	ck_assert_str_eq(parents, "0000:3b:00.0 matrix mtty");
	same_parent(&bt, "0000:3b:00.0", NVP);
	same_parent(&bt, "mtty", MTP);
	same_parent(&bt, "matrix", APP);
	/* The config space replays byte for byte. */
	{
		int e = 0;
		g_autoptr(GBytes) config = bt_read_bytes(&bt, NVP "/config", &e);

		ck_assert_int_eq(e, 0);
		ck_assert_uint_eq(g_bytes_get_size(config), sizeof(t4_config));
		ck_assert_mem_eq(g_bytes_get_data(config, NULL), t4_config,
				 sizeof(t4_config));
		bt_expect(&bt, NVP "/device", "0x1eb8\n");
	}
	/* The link between two parents replays; the other one is gone. */
	{
		g_autofree char *got = bt_readlink(&bt, NVP "/virtfn0");

		ck_assert_str_eq(got, "../../virtual/mtty/mtty");
		ck_assert(!bt_exists(&bt, NVP "/virtfn1"));
	}
	/* Spot checks of what the comparison covered. */
	bt_expect(&bt, NVT "nvidia-231/available_instances", "8\n");
	bt_expect(&bt, APP "/mdev_supported_types/vfio_ap-passthrough/description",
		  "multi\nline\n");
	ck_assert(!bt_exists(&bt, MTP "/mdev_supported_types/mtty-1/description"));

	/* A new mdev binds to the mdev driver the recorded one showed. */
	bt_expect_write(&bt, APP "/mdev_supported_types/vfio_ap-passthrough/create",
			U1, 0);
	ck_assert(!bt_exists(&bt, APP "/" U0));   /* mdevs are not replayed */
	{
		g_autofree char *want = NULL;
		g_autofree char *got = bt_readlink(&bt, APP "/" U1 "/driver");
		g_autofree char *disk = on_disk(APP "/" U0 "/driver");

		want = g_file_read_link(disk, NULL);
		ck_assert_str_eq(got, want);
	}
	/* Recorded figures are per-type maxima. */
	bt_expect_write(&bt, NVT "nvidia-234/create", U0, 0);
	bt_expect(&bt, NVT "nvidia-234/available_instances", "0\n");
	bt_expect(&bt, NVT "nvidia-231/available_instances", "8\n");
	bt_stop(&bt);
	drop_host();
}
END_TEST

/* ------------------------------------------------------------------ */
/* Bad hosts: one line on stderr, exit status 1                        */

static void no_host(void)
{
	g_autofree char *sys = NULL;

	drop_host();
	root = g_dir_make_tmp("record-XXXXXX", NULL);
	sys = on_disk("");
	ck_assert(g_mkdir_with_parents(sys, 0755) == 0);
}

static void bad_number(void)
{
	put(NVT "nvidia-231/available_instances", "lots\n");
}

static void no_device_api(void)
{
	g_autofree char *path = on_disk(NVT "nvidia-231/device_api");

	ck_assert(g_unlink(path) == 0);
}

static void foreign_type_id(void)
{
	add_type(NVT, "i915-GVTg_V5_4", NULL, NULL, "vfio-pci", "1");
}

static void link_out_of_sys(void)
{
	link_to("class/mdev_bus/bad", "../../../../bad");
}

static void not_a_link(void)
{
	put("class/mdev_bus/zzz", "");
}

static const struct {
	void (*spoil)(void);
	const char *want;   /* ROOT stands for the host's directory */
} bad_hosts[] = {
	{ no_host, "mdevfs-record: ROOT/sys/class/mdev_bus: No such file or directory\n" },
	{ bad_number, "mdevfs-record: ROOT/sys/" NVT "nvidia-231/available_instances: 'lots' is not a number\n" },
	{ no_device_api, "mdevfs-record: ROOT/sys/" NVT "nvidia-231/device_api: No such file or directory\n" },
	{ foreign_type_id, "mdevfs-record: ROOT/sys/" NVT "i915-GVTg_V5_4: type id does not start with 'nvidia-' (the parent's driver string)\n" },
	{ link_out_of_sys, "mdevfs-record: ROOT/sys/class/mdev_bus/bad: link '../../../../bad' leads out of ROOT/sys\n" },
	{ not_a_link, "mdevfs-record: ROOT/sys/class/mdev_bus/zzz: not a symbolic link\n" },
};

START_TEST(bad_host)
{
	g_autofree char *out = NULL;
	g_autofree char *err = NULL;
	g_autofree char *want = NULL;
	g_auto(GStrv) parts = g_strsplit(bad_hosts[_i].want, "ROOT", -1);

	make_host();
	bad_hosts[_i].spoil();
	out = g_build_filename(root, "host.conf", NULL);
	ck_assert_int_eq(record(out, &err), 1);
	want = g_strjoinv(root, parts);
	ck_assert_str_eq(err, want);
	ck_assert(!g_file_test(out, G_FILE_TEST_EXISTS));
	drop_host();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-record");
	TCase *tc = tcase_create("record");

	tcase_add_test(tc, record_and_replay);
	tcase_add_loop_test(tc, bad_host, 0, (int)G_N_ELEMENTS(bad_hosts));
	suite_add_tcase(s, tc);
	return bt_run(s);
}
