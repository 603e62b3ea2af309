// SPDX-License-Identifier: MIT
/*
 * The keyfile backend seen through the tree: budgets and their errnos,
 * attribute files, parent placement and link texts, several parents, and
 * the "FILE:LINE: reason" refusal of every kind of bad file.
 */
#include "backend_test.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define U1 "11111111-2222-3333-4444-555555555501"
#define U2 "11111111-2222-3333-4444-555555555502"
#define U3 "11111111-2222-3333-4444-555555555503"
#define U4 "11111111-2222-3333-4444-555555555504"
#define U5 "11111111-2222-3333-4444-555555555505"

/* A class device "card0" of class "gpu", whose types are gpu-<suffix>. */
#define GPU "[parent card0]\nclass = gpu\ndevice_api = vfio-pci\n"
#define T "devices/virtual/gpu/card0/mdev_supported_types"
#define DEV "devices/virtual/gpu/card0/"

/* The host file of a test, removed by bt_done(). */
static char *conf_path;

static void write_conf(const char *text)
{
	GError *error = NULL;
	int fd = g_file_open_tmp("keyfile-XXXXXX.conf", &conf_path, &error);

	ck_assert_msg(fd >= 0, "temp file: %s", error ? error->message : "?");
	close(fd);
	ck_assert(g_file_set_contents(conf_path, text, -1, NULL));
}

static void load(struct bt *bt, const char *text)
{
	g_autofree char *spec = NULL;

	write_conf(text);
	spec = g_strdup_printf("keyfile:%s", conf_path);
	bt_start(bt, NULL);
	bt_load(bt, spec);
}

static void done(struct bt *bt)
{
	bt_stop(bt);
	g_unlink(conf_path);
	g_clear_pointer(&conf_path, g_free);
}

/* Load spec; the load must fail.  Returns the loader's message. */
static char *failed_load(struct bt *bt, const char *spec)
{
	char *msg = bt_try_load(bt, spec);

	ck_assert_msg(msg, "%s loaded although it should not", spec);
	ck_assert_msg(!strchr(msg, '\n'), "not one line: %s", msg);
	return msg;
}

#define FAILED "backend keyfile failed to start: "

/* The reason for refusing the file at path, with its path as "FILE". */
static char *refusal_of(const char *path)
{
	struct bt bt;
	g_autofree char *spec = g_strdup_printf("keyfile:%s", path);
	g_autofree char *msg = NULL;
	g_autofree char *want = g_strconcat(FAILED, path, NULL);
	char *line;

	bt_start(&bt, NULL);
	msg = failed_load(&bt, spec);
	ck_assert_msg(g_str_has_prefix(msg, want), "message: %s", msg);
	line = g_strconcat("FILE", msg + strlen(want), NULL);
	ck_assert(!bt_exists(&bt, "class/mdev_bus/card0"));
	bt_stop(&bt);
	return line;
}

/* The one-line reason for refusing text, with the file's path as "FILE". */
static char *refusal(const char *text)
{
	char *line;

	write_conf(text);
	line = refusal_of(conf_path);
	g_unlink(conf_path);
	g_clear_pointer(&conf_path, g_free);
	return line;
}

static void expect_avail(struct bt *bt, const char *type, const char *want)
{
	bt_expectf(bt, want, T "/%s/available_instances", type);
}

/* ------------------------------------------------------------------ */
/* Budgets                                                             */

START_TEST(core_counter_shared_by_types)
{
	struct bt bt;

	load(&bt, GPU "max_instances = 3\n[type card0 a]\n[type card0 b]\n");
	expect_avail(&bt, "gpu-a", "3\n");
	expect_avail(&bt, "gpu-b", "3\n");
	bt_expect(&bt, T "/gpu-a/name", "a\n");
	ck_assert(!bt_exists(&bt, T "/gpu-a/description"));
	bt_expect_create(&bt, T, "gpu-a", U1, 0);
	expect_avail(&bt, "gpu-b", "2\n");
	bt_expect_create(&bt, T, "gpu-b", U2, 0);
	bt_expect_create(&bt, T, "gpu-b", U3, 0);
	expect_avail(&bt, "gpu-a", "0\n");
	bt_expect_create(&bt, T, "gpu-a", U4, EUSERS);
	bt_remove(&bt, U2, "1");
	expect_avail(&bt, "gpu-a", "1\n");
	bt_expect_create(&bt, T, "gpu-a", U4, 0);
	done(&bt);
}
END_TEST

START_TEST(per_type_max)
{
	struct bt bt;

	load(&bt, GPU "[type card0 small]\nmax = 2\n[type card0 big]\nmax = 1\n"
		  "[type card0 none]\nmax = 0\n");
	expect_avail(&bt, "gpu-small", "2\n");
	expect_avail(&bt, "gpu-big", "1\n");
	expect_avail(&bt, "gpu-none", "0\n");
	bt_expect_create(&bt, T, "gpu-none", U1, ENOSPC);
	bt_expect_create(&bt, T, "gpu-big", U1, 0);
	expect_avail(&bt, "gpu-big", "0\n");
	expect_avail(&bt, "gpu-small", "2\n");
	bt_expect_create(&bt, T, "gpu-big", U2, ENOSPC);
	bt_expect_create(&bt, T, "gpu-small", U2, 0);
	bt_expect_create(&bt, T, "gpu-small", U3, 0);
	expect_avail(&bt, "gpu-small", "0\n");
	bt_expect_create(&bt, T, "gpu-small", U4, ENOSPC);
	bt_remove(&bt, U1, "1");
	expect_avail(&bt, "gpu-big", "1\n");
	done(&bt);
}
END_TEST

START_TEST(weighted_pool)
{
	struct bt bt;

	load(&bt, GPU "pool = 8\n[type card0 s]\n[type card0 m]\ncost = 3\n"
		  "[type card0 l]\ncost = 4\nmax = 1\n");
	expect_avail(&bt, "gpu-s", "8\n");
	expect_avail(&bt, "gpu-m", "2\n");
	expect_avail(&bt, "gpu-l", "1\n");
	bt_expect_create(&bt, T, "gpu-l", U1, 0); /* 4 of 8 used */
	expect_avail(&bt, "gpu-s", "4\n");
	expect_avail(&bt, "gpu-m", "1\n");
	expect_avail(&bt, "gpu-l", "0\n");        /* its own max */
	bt_expect_create(&bt, T, "gpu-m", U2, 0); /* 7 used */
	expect_avail(&bt, "gpu-s", "1\n");
	expect_avail(&bt, "gpu-m", "0\n");
	bt_expect_create(&bt, T, "gpu-m", U3, ENOSPC);
	bt_expect_create(&bt, T, "gpu-s", U3, 0); /* 8 used */
	expect_avail(&bt, "gpu-s", "0\n");
	bt_expect_create(&bt, T, "gpu-s", U4, ENOSPC);
	bt_remove(&bt, U1, "1");                  /* 4 used */
	expect_avail(&bt, "gpu-s", "4\n");
	expect_avail(&bt, "gpu-m", "1\n");
	expect_avail(&bt, "gpu-l", "1\n");
	done(&bt);
}
END_TEST

START_TEST(homogeneous_with_errno)
{
	struct bt bt;

	load(&bt, GPU "homogeneous = true\nerrno = EINVAL\n"
		  "[type card0 x]\nmax = 4\n[type card0 y]\nmax = 2\n");
	bt_expect_create(&bt, T, "gpu-x", U1, 0);
	expect_avail(&bt, "gpu-x", "3\n");
	expect_avail(&bt, "gpu-y", "0\n");
	bt_expect_create(&bt, T, "gpu-y", U2, EINVAL);
	bt_expect_create(&bt, T, "gpu-x", U2, 0);
	expect_avail(&bt, "gpu-x", "2\n");
	bt_remove(&bt, U1, "1");
	expect_avail(&bt, "gpu-y", "0\n");
	bt_remove(&bt, U2, "1");
	expect_avail(&bt, "gpu-y", "2\n");
	bt_expect_create(&bt, T, "gpu-y", U3, 0);
	bt_expect_create(&bt, T, "gpu-y", U4, 0);
	bt_expect_create(&bt, T, "gpu-y", U5, EINVAL);
	expect_avail(&bt, "gpu-x", "0\n");
	bt_expect_create(&bt, T, "gpu-x", U5, EINVAL);
	done(&bt);
}
END_TEST

/* Before 6.1 no core counter refuses: the backend does, with errno. */
static const char *const old_profiles[] = { "4.10", "4.18", "5.4", "5.15" };

START_TEST(older_kernel_profile)
{
	struct bt bt;

	write_conf(GPU "max_instances = 2\nerrno = ENOMEM\nmdev_driver = gpu_mdev\n"
		   "[type card0 a]\nname = A\ndescription = first\\nsecond\n"
		   "[type card0 b]\n"
		   "[mdev-attribute card0 vendor/resolution]\nvalue = 640x480\n");
	bt_start(&bt, old_profiles[_i]);
	{
		g_autofree char *spec = g_strdup_printf("keyfile:%s", conf_path);

		bt_load(&bt, spec);
	}
	bt_expect(&bt, T "/gpu-a/name", "A\n");
	bt_expect(&bt, T "/gpu-a/description", "first\nsecond\n");
	bt_expect(&bt, T "/gpu-a/device_api", "vfio-pci\n");
	ck_assert(!bt_exists(&bt, T "/gpu-b/name"));
	bt_expect(&bt, T "/gpu-b/description", "");   /* a sibling has one */
	expect_avail(&bt, "gpu-b", "2\n");
	bt_expect_create(&bt, T, "gpu-a", U1, 0);
	bt_expect_create(&bt, T, "gpu-b", U2, 0);
	expect_avail(&bt, "gpu-a", "0\n");
	bt_expect_create(&bt, T, "gpu-a", U3, ENOMEM);
	bt_expect(&bt, DEV U1 "/vendor/resolution", "640x480\n");
	/* 5.15 binds the parent's own driver, older eras vfio_mdev. */
	bt_expect_link(&bt, DEV U1 "/driver", strcmp(old_profiles[_i], "5.15") ?
		       "../../../../../bus/mdev/drivers/vfio_mdev" :
		       "../../../../../bus/mdev/drivers/gpu_mdev");
	bt_remove(&bt, U1, "1");
	expect_avail(&bt, "gpu-b", "1\n");
	done(&bt);
}
END_TEST

START_TEST(errno_by_number)
{
	struct bt bt;

	load(&bt, GPU "pool = 1\nerrno = 12\n[type card0 a]\n");
	bt_expect_create(&bt, T, "gpu-a", U1, 0);
	bt_expect_create(&bt, T, "gpu-a", U2, ENOMEM);
	done(&bt);
}
END_TEST

/* Any errno name <errno.h> defines, the same table as mdevfs-ctl fault. */
START_TEST(errno_any_name)
{
	static const struct {
		const char *name;
		int value;
	} names[] = { { "EDQUOT", EDQUOT }, { "EHWPOISON", EHWPOISON },
		      { "ENOTSUP", ENOTSUP }, { "ERFKILL", ERFKILL } };
	struct bt bt;

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *text = g_strdup_printf(GPU "pool = 1\nerrno = %s\n"
							"[type card0 a]\n",
							names[i].name);

		load(&bt, text);
		bt_expect_create(&bt, T, "gpu-a", U1, 0);
		bt_expect_create(&bt, T, "gpu-a", U2, names[i].value);
		done(&bt);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Attributes                                                          */

#define ATTRS GPU "[type card0 a]\nmax = 4\n"                               \
	"[parent-attribute card0 vendor]\nvalue = 0x10de\n"                  \
	"[parent-attribute card0 config/label]\nmode = 0644\nvalue = none\n" \
	"[parent-attribute card0 config/locked]\nmode = 0644\nwrite = refuse\n" \
	"[mdev-attribute card0 nvidia/vgpu_params]\nmode = 0644\n"          \
	"[mdev-attribute card0 nvidia/vm_name]\n"                           \
	"[mdev-attribute card0 nvidia/mode]\nmode = 0600\nvalue = auto\n"   \
	"write = refuse\nerrno = EBUSY\n"                                    \
	"[mdev-attribute card0 notes]\nvalue = line one\\nline two\n"       \
	"[mdev-attribute card0 nvidia/kick]\nmode = 0200\n"

START_TEST(parent_attributes)
{
	struct bt bt;

	load(&bt, ATTRS);
	bt_expect(&bt, DEV "vendor", "0x10de\n");
	ck_assert_uint_eq(bt_mode(&bt, DEV "vendor"), S_IFREG | 0444);
	bt_expect_write(&bt, DEV "vendor", "0x8086", EACCES);
	bt_expect_list(&bt, DEV "config", "label locked");
	ck_assert_uint_eq(bt_mode(&bt, DEV "config"), S_IFDIR | 0755);
	bt_expect(&bt, DEV "config/label", "none\n");
	bt_expect_write(&bt, DEV "config/label", "fancy\n", 0);
	bt_expect(&bt, DEV "config/label", "fancy\n");
	bt_expect_write(&bt, DEV "config/locked", "1", EPERM);
	bt_expect(&bt, DEV "config/locked", "\n");
	done(&bt);
}
END_TEST

START_TEST(mdev_attributes)
{
	struct bt bt;

	load(&bt, ATTRS);
	bt_expect_create(&bt, T, "gpu-a", U1, 0);
	bt_expect_create(&bt, T, "gpu-a", U2, 0);
	bt_expect_list(&bt, DEV U1 "/nvidia", "kick mode vgpu_params vm_name");
	bt_expect(&bt, DEV U1 "/nvidia/vgpu_params", "\n");
	bt_expect_write(&bt, DEV U1 "/nvidia/vgpu_params",
			"frame_rate_limiter=0\n", 0);
	bt_expect(&bt, DEV U1 "/nvidia/vgpu_params", "frame_rate_limiter=0\n");
	bt_expect(&bt, DEV U2 "/nvidia/vgpu_params", "\n");   /* per mdev */
	bt_expect(&bt, DEV U1 "/nvidia/vm_name", "\n");
	bt_expect_write(&bt, DEV U1 "/nvidia/vm_name", "vm", EACCES);
	ck_assert_uint_eq(bt_mode(&bt, DEV U1 "/nvidia/mode"), S_IFREG | 0600);
	bt_expect_write(&bt, DEV U1 "/nvidia/mode", "manual", EBUSY);
	bt_expect(&bt, DEV U1 "/nvidia/mode", "auto\n");
	bt_expect(&bt, DEV U1 "/notes", "line one\nline two\n");
	bt_expect_write(&bt, DEV U1 "/nvidia/kick", "1", 0);
	bt_expect_read_error(&bt, DEV U1 "/nvidia/kick", EACCES);
	/* A new device starts from the initial values. */
	bt_remove(&bt, U1, "1");
	bt_expect_create(&bt, T, "gpu-a", U1, 0);
	bt_expect(&bt, DEV U1 "/nvidia/vgpu_params", "\n");
	done(&bt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Placement                                                           */

#define PCI "devices/pci0000:00/0000:3b:00.0"
#define NV PCI "/mdev_supported_types/"
#define T4 "[parent 0000:3b:00.0]\nbus = pci\ndriver = nvidia\n"           \
	"parent_path = devices/pci0000:00\n"                                \
	"uevent = PCI_CLASS=30200;PCI_SLOT_NAME=0000:3b:00.0\n"             \
	"homogeneous = true\n"                                              \
	"[type 0000:3b:00.0 231]\nname = GRID T4-2Q\n"                      \
	"description = num_heads=4, frl_config=60, framebuffer=2048M, "     \
	"max_resolution=7680x4320, max_instance=8\n"                        \
	"device_api = vfio-pci\nmax = 8\n"                                  \
	"[type 0000:3b:00.0 232]\nname = GRID T4-4Q\n"                      \
	"description = two\\nlines\ndevice_api = vfio-pci\nmax = 4\n"

START_TEST(pci_parent_with_driver)
{
	struct bt bt;

	load(&bt, T4);
	bt_expect_list(&bt, NV, "nvidia-231 nvidia-232");
	bt_expect_link(&bt, "class/mdev_bus/0000:3b:00.0",
		       "../../devices/pci0000:00/0000:3b:00.0");
	bt_expect_link(&bt, PCI "/subsystem", "../../../bus/pci");
	bt_expect_link(&bt, PCI "/driver", "../../../bus/pci/drivers/nvidia");
	bt_expect_link(&bt, "bus/pci/devices/0000:3b:00.0",
		       "../../../devices/pci0000:00/0000:3b:00.0");
	bt_expect_link(&bt, "bus/pci/drivers/nvidia/0000:3b:00.0",
		       "../../../../devices/pci0000:00/0000:3b:00.0");
	bt_expect(&bt, PCI "/uevent",
		  "DRIVER=nvidia\nPCI_CLASS=30200\nPCI_SLOT_NAME=0000:3b:00.0\n");
	bt_expect(&bt, NV "nvidia-231/name", "GRID T4-2Q\n");
	bt_expect(&bt, NV "nvidia-231/description",
		  "num_heads=4, frl_config=60, framebuffer=2048M, "
		  "max_resolution=7680x4320, max_instance=8\n");
	bt_expect(&bt, NV "nvidia-232/description", "two\nlines\n");
	bt_expect(&bt, NV "nvidia-232/device_api", "vfio-pci\n");
	bt_expect(&bt, NV "nvidia-231/available_instances", "8\n");
	bt_expect_write(&bt, NV "nvidia-231/create", U1, 0);
	bt_expect_link(&bt, PCI "/" U1 "/mdev_type",
		       "../mdev_supported_types/nvidia-231");
	bt_expect_link(&bt, PCI "/" U1 "/driver",
		       "../../../../bus/mdev/drivers/nvidia");
	bt_expect_link(&bt, "bus/mdev/devices/" U1, "../../../" PCI "/" U1);
	bt_expect(&bt, NV "nvidia-231/available_instances", "7\n");
	bt_expect(&bt, NV "nvidia-232/available_instances", "0\n");
	bt_expect_write(&bt, NV "nvidia-232/create", U2, ENOSPC);
	done(&bt);
}
END_TEST

/* A recorded config space: the PCI core makes the function, with the
 * IDs of its header and the bytes as they were. */
START_TEST(pci_parent_from_config)
{
	guint8 config[256] = { 0 };
	g_autofree char *b64 = NULL, *text = NULL;
	g_autoptr(GBytes) got = NULL;
	struct bt bt;
	int err = 0;

	config[0] = 0xde; config[1] = 0x10;          /* vendor 10de */
	config[2] = 0xb8; config[3] = 0x1e;          /* device 1eb8 */
	config[8] = 0xa1;                            /* revision */
	config[9] = 0x00; config[10] = 0x02; config[11] = 0x03;  /* 030200 */
	config[0x2c] = 0xde; config[0x2d] = 0x10;
	config[0x2e] = 0xa2; config[0x2f] = 0x12;
	config[0xff] = 0x5a;                         /* a last byte */
	b64 = g_base64_encode(config, sizeof(config));
	text = g_strdup_printf("[parent 0000:3b:00.0]\nbus = pci\ndriver = nvidia\n"
			       "parent_path = devices/pci0000:00\n"
			       "uevent = PCI_CLASS=30200;EXTRA=1\nconfig = %s\n"
			       "device_api = vfio-pci\n"
			       "[type 0000:3b:00.0 231]\nmax = 1\n", b64);
	load(&bt, text);
	bt_expect(&bt, PCI "/vendor", "0x10de\n");
	bt_expect(&bt, PCI "/device", "0x1eb8\n");
	bt_expect(&bt, PCI "/class", "0x030200\n");
	bt_expect(&bt, PCI "/revision", "0xa1\n");
	bt_expect(&bt, PCI "/subsystem_device", "0x12a2\n");
	/* The PCI core's uevent variables, once, and the file's others. */
	bt_expect(&bt, PCI "/uevent",
		  "DRIVER=nvidia\nPCI_CLASS=30200\nPCI_ID=10DE:1EB8\n"
		  "PCI_SUBSYS_ID=10DE:12A2\nPCI_SLOT_NAME=0000:3b:00.0\n"
		  "MODALIAS=pci:v000010DEd00001EB8sv000010DEsd000012A2bc03sc02i00\n"
		  "EXTRA=1\n");
	got = bt_read_bytes(&bt, PCI "/config", &err);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(g_bytes_get_size(got), sizeof(config));
	ck_assert_mem_eq(g_bytes_get_data(got, NULL), config, sizeof(config));
	ck_assert(S_ISDIR(bt_mode(&bt, NV "nvidia-231")));
	done(&bt);
}
END_TEST

/* base64 = makes a binary file of the parent: its bytes, at offsets. */
START_TEST(binary_parent_attribute)
{
	static const guint8 rom[8] = { 0x55, 0xaa, 0, 1, 2, 3, 0xfe, 0xff };
	g_autofree char *b64 = g_base64_encode(rom, sizeof(rom));
	g_autofree char *text = g_strdup_printf(
		GPU "max_instances = 1\n[type card0 a]\n"
		"[parent-attribute card0 rom]\nmode = 0600\nbase64 = %s\n"
		"[parent-attribute card0 vpd]\nbase64 = %s\n", b64, b64);
	g_autoptr(GBytes) got = NULL;
	struct bt bt;
	int err = 0;

	load(&bt, text);
	got = bt_read_bytes(&bt, DEV "rom", &err);
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(g_bytes_get_size(got), sizeof(rom));
	ck_assert_mem_eq(g_bytes_get_data(got, NULL), rom, sizeof(rom));
	ck_assert_uint_eq(bt_mode(&bt, DEV "rom") & 07777, 0600);
	/* A stored write lands in the bytes; a read-only file refuses. */
	bt_expect_write(&bt, DEV "rom", "AB", 0);
	g_bytes_unref(got);
	got = bt_read_bytes(&bt, DEV "rom", &err);
	ck_assert_mem_eq(g_bytes_get_data(got, NULL), "AB\0\1\2\3\xfe\xff", 8);
	ck_assert_int_eq(bt_write(&bt, DEV "vpd", "x"), EACCES);
	done(&bt);
}
END_TEST

/* [parent-link] joins parents, as an SR-IOV PF and its VF are. */
START_TEST(parent_links)
{
	struct bt bt;

	load(&bt, "[parent 0000:41:00.0]\nbus = pci\nparent_path = devices/pci0000:00\n"
		  "device_api = vfio-pci\nmax_instances = 1\n"
		  "[type 0000:41:00.0 a]\n"
		  "[parent 0000:41:00.4]\nbus = pci\nparent_path = devices/pci0000:00\n"
		  "device_api = vfio-pci\nmax_instances = 1\n"
		  "[type 0000:41:00.4 a]\n"
		  "[parent-link 0000:41:00.0 virtfn0]\ntarget = 0000:41:00.4\n"
		  "[parent-link 0000:41:00.4 physfn]\ntarget = 0000:41:00.0\n");
	bt_expect_link(&bt, "devices/pci0000:00/0000:41:00.0/virtfn0", "../0000:41:00.4");
	bt_expect_link(&bt, "devices/pci0000:00/0000:41:00.4/physfn", "../0000:41:00.0");
	done(&bt);
}
END_TEST

START_TEST(class_parent_placement)
{
	struct bt bt;

	load(&bt, GPU "mdev_driver = gpu_mdev\nuevent = MAJOR=240;MINOR=0\n"
		  "[type card0 a]\nmax = 1\n"
		  "[parent box]\nclass = box\nparent_path = devices/platform/hub\n"
		  "device_api = vfio-platform\nmax_instances = 1\n"
		  "[type box x]\nname = X\n");
	bt_expect_link(&bt, "class/mdev_bus/card0", "../../devices/virtual/gpu/card0");
	bt_expect_link(&bt, "class/gpu/card0", "../../devices/virtual/gpu/card0");
	bt_expect_link(&bt, DEV "subsystem", "../../../../class/gpu");
	ck_assert(!bt_exists(&bt, DEV "driver"));
	bt_expect(&bt, DEV "uevent", "MAJOR=240\nMINOR=0\n");
	bt_expect_create(&bt, T, "gpu-a", U1, 0);
	bt_expect_link(&bt, DEV U1 "/driver", "../../../../../bus/mdev/drivers/gpu_mdev");
	bt_expect_link(&bt, "class/mdev_bus/box", "../../devices/platform/hub/box");
	bt_expect_link(&bt, "devices/platform/hub/box/subsystem",
		       "../../../../class/box");
	bt_expect(&bt, "devices/platform/hub/box/mdev_supported_types/box-x/device_api",
		  "vfio-platform\n");
	bt_expect(&bt, "devices/platform/hub/box/mdev_supported_types/box-x/name",
		  "X\n");
	done(&bt);
}
END_TEST

START_TEST(several_parents)
{
	struct bt bt;

	load(&bt, "[parent 0000:3b:00.0]\nbus = pci\ndriver = nvidia\n"
		  "parent_path = devices/pci0000:00\nmdev_driver = nvidia-vgpu\n"
		  "device_api = vfio-pci\n[type 0000:3b:00.0 1]\nmax = 1\n"
		  "[parent 0000:3c:00.0]\nbus = pci\ndriver = nvidia\n"
		  "parent_path = devices/pci0000:00\nmdev_driver = nvidia-vgpu\n"
		  "device_api = vfio-pci\n[type 0000:3c:00.0 1]\nmax = 1\n"
		  GPU "max_instances = 1\n[type card0 a]\n");
	bt_expect_list(&bt, "class/mdev_bus", "0000:3b:00.0 0000:3c:00.0 card0");
	bt_expect_list(&bt, "bus/pci/drivers/nvidia", "0000:3b:00.0 0000:3c:00.0");
	bt_expect_write(&bt, "devices/pci0000:00/0000:3b:00.0/mdev_supported_types/nvidia-1/create",
			U1, 0);
	bt_expect(&bt, "devices/pci0000:00/0000:3b:00.0/mdev_supported_types/nvidia-1/available_instances",
		  "0\n");
	bt_expect(&bt, "devices/pci0000:00/0000:3c:00.0/mdev_supported_types/nvidia-1/available_instances",
		  "1\n");
	bt_expect_write(&bt, "devices/pci0000:00/0000:3c:00.0/mdev_supported_types/nvidia-1/create",
			U2, 0);
	bt_expect_list(&bt, "bus/mdev/drivers/nvidia-vgpu",
		       U1 " " U2 " bind uevent unbind");
	bt_expect_create(&bt, T, "gpu-a", U3, 0);
	bt_expect_create(&bt, T, "gpu-a", U4, EUSERS);
	done(&bt);
}
END_TEST

START_TEST(empty_file_is_an_empty_host)
{
	struct bt bt;

	load(&bt, "# nothing here yet\n\n");
	bt_expect_list(&bt, "class/mdev_bus", "");
	done(&bt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The example of mdevfs.conf(5), and what the page says it does       */

/* The EXAMPLE section's .EX block, roff escapes undone. */
static char *man_example(void)
{
	g_autofree char *tests = g_path_get_dirname(__FILE__);
	g_autofree char *page = g_build_filename(tests, "..", "..", "man",
						 "mdevfs.conf.5", NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	GString *out = g_string_new(NULL);
	int state = 0;   /* 0 before EXAMPLE, 1 before .EX, 2 inside */

	ck_assert_msg(g_file_get_contents(page, &text, NULL, NULL), "no %s", page);
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l && state < 3; l++) {
		if (state == 0 && strcmp(*l, ".SH EXAMPLE") == 0)
			state = 1;
		else if (state == 1 && strcmp(*l, ".EX") == 0)
			state = 2;
		else if (state == 2 && strcmp(*l, ".EE") == 0)
			state = 3;
		else if (state == 2)
			g_string_append_printf(out, "%s\n", *l);
	}
	ck_assert_int_eq(state, 3);
	for (gsize i = 0; i + 1 < out->len; i++)
		if (out->str[i] == '\\')
			g_string_erase(out, (gssize)i, 1);   /* \- \e \& */
	return g_string_free(out, FALSE);
}

#define NVT "devices/pci0000:00/0000:3b:00.0/mdev_supported_types/"
#define MBT "devices/virtual/mbochs/mbochs/mdev_supported_types/"
#define MDT "devices/virtual/mdpy/mdpy/mdev_supported_types/"

START_TEST(man_page_example)
{
	static const char *const uuids[] = { U1, U2, U3, U4, U5 };
	static const char *const left[] = { "3\n", "2\n", "1\n", "0\n" };
	g_autofree char *text = man_example();
	struct bt bt;

	load(&bt, text);
	bt_expect(&bt, NVT "nvidia-230/available_instances", "16\n");
	bt_expect(&bt, NVT "nvidia-231/available_instances", "8\n");
	bt_expect_write(&bt, NVT "nvidia-231/create", U1, 0);
	bt_expect(&bt, NVT "nvidia-231/available_instances", "7\n");
	bt_expect(&bt, NVT "nvidia-230/available_instances", "0\n");
	bt_expect_write(&bt, NVT "nvidia-230/create", U2, EINVAL);
	bt_expect_write(&bt, "devices/pci0000:00/0000:3b:00.0/sriov_numvfs", "2",
			EOPNOTSUPP);
	bt_expect(&bt, MBT "mbochs-small/available_instances", "64\n");
	bt_expect(&bt, MBT "mbochs-large/available_instances", "4\n");
	bt_expect_write(&bt, MBT "mbochs-large/create", U2, 0);
	bt_expect(&bt, MBT "mbochs-small/available_instances", "48\n");
	bt_expect(&bt, MBT "mbochs-large/available_instances", "3\n");
	bt_stop(&bt);
	g_unlink(conf_path);
	g_clear_pointer(&conf_path, g_free);

	load(&bt, text);
	for (int i = 0; i < 4; i++) {
		bt_expect_write(&bt, i % 2 ? MDT "mdpy-hd/create" :
				MDT "mdpy-vga/create", uuids[i], 0);
		bt_expect(&bt, MDT "mdpy-vga/available_instances", left[i]);
	}
	bt_expect_write(&bt, MDT "mdpy-hd/create", U5, EUSERS);
	bt_expect(&bt, "devices/virtual/mdpy/mdpy/" U1 "/vendor/resolution",
		  "640x480\n");
	done(&bt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Refusals                                                            */

static const struct {
	const char *text;
	const char *want;   /* a trailing '*' matches any rest */
} bad_files[] = {
	/* links */
	{ GPU "[type card0 a]\nmax = 1\n[parent-link card0 peer]\ntarget = card9\n",
	  "FILE:7: target: 'card9' is not another [parent] of the file" },
	{ GPU "[type card0 a]\nmax = 1\n[parent-link card0 driver]\ntarget = card0\n",
	  "FILE:6: 'driver' cannot be a link of a parent" },
	/* binary attributes */
	{ GPU "[type card0 a]\nmax = 1\n[mdev-attribute card0 rom]\nbase64 = AAAA\n",
	  "FILE:7: base64: only a parent's attributes can be binary" },
	{ GPU "[type card0 a]\nmax = 1\n[parent-attribute card0 rom]\nvalue = x\nbase64 = AAAA\n",
	  "FILE:8: value and base64 exclude each other: a file is text or binary" },
	{ GPU "[type card0 a]\nmax = 1\n[parent-attribute card0 rom]\nbase64 = A%AA\n",
	  "FILE:7: base64: not the base64 of at most 64 KiB" },
	/* a recorded config space */
	{ GPU "config = AAAA\n",
	  "FILE:4: config needs bus = pci: only PCI functions have a config space" },
	{ "[parent 0000:3b:00.0]\nbus = pci\nparent_path = devices/pci0000:00\n"
	  "config = AAAA\n",
	  "FILE:4: config: 3 bytes; a config space has 256 (PCI) or 4096 (PCI Express)" },
	{ "[parent 0000:3b:00.0]\nbus = pci\nparent_path = devices/pci0000:00\n"
	  "config = A*AA\n",
	  "FILE:4: config: not the base64 of a config space" },
	/* syntax */
	{ "[parent card0]\nclass = gpu\nfoo\n",
	  "FILE:3: 'foo' is not a [group] header, a key = value line or a # comment" },
	{ "# host\n[parent card0\nclass = gpu\n",
	  "FILE:2: malformed group header '[parent card0'" },
	{ "\nclass = gpu\n[parent card0]\n",
	  "FILE:2: key 'class' comes before the first [group]" },
	{ GPU "[type card0 a]\nmax = 1\n[type card0 a]\nmax = 2\n",
	  "FILE:6: duplicate group [type card0 a] (first at line 4)" },
	{ GPU "[type card0 a]\nmax = 1\nmax = 2\n",
	  "FILE:6: duplicate key 'max' in [type card0 a] (first at line 5)" },
	{ GPU "[type card0 a]\nmax = 1\ndescription = a\\qb\n",
	  "FILE:6: description: unknown escape '\\q' (known: \\s \\n \\t \\r \\\\)" },
	/* groups and keys */
	{ GPU "[type card0 a]\nmaxx = 3\n",
	  "FILE:5: unknown key 'maxx' in [type card0 a]" },
	{ GPU "homogenous = true\n[type card0 a]\nmax = 1\n",
	  "FILE:4: unknown key 'homogenous' in [parent card0]" },
	{ GPU "[type card0 a]\nmax = 1\nname[fr] = A\n",
	  "FILE:6: unknown key 'name[fr]' in [type card0 a]" },
	{ GPU "[typ card0 a]\n",
	  "FILE:4: unknown group [typ card0 a]: expected [parent ...], [type ...], [parent-attribute ...], [mdev-attribute ...] or [parent-link ...]" },
	{ GPU "[type card0]\n",
	  "FILE:4: [type card0] should be [type PARENT SUFFIX] (single spaces)" },
	{ GPU "[type  card0 a]\n",
	  "FILE:4: [type  card0 a] should be [type PARENT SUFFIX] (single spaces)" },
	{ GPU "[type card1 a]\nmax = 1\n",
	  "FILE:4: [type card1 a]: no [parent card1] in the file" },
	{ GPU, "FILE:1: [parent card0] has no [type card0 SUFFIX] group" },
	/* types */
	{ "[parent card0]\nclass = gpu\n[type card0 a]\nmax = 1\n",
	  "FILE:3: [type card0 a] has no device_api (give it here or in [parent card0])" },
	{ GPU "[type card0 a]\nmax = 1\ndevice_api = vfio-ccw\n",
	  "FILE:6: device_api 'vfio-ccw' differs from 'vfio-pci' (line 3): all types of a parent share one" },
	{ "[parent card0]\nclass = gpu\ndevice_api = vfio_pci\n",
	  "FILE:3: device_api: 'vfio_pci' is not a VFIO device API like vfio-pci" },
	{ GPU "[type card0 a]\nmax = ten\n",
	  "FILE:5: max: 'ten' is not a whole number from 0 to 2147483647" },
	{ GPU "[type card0 a]\nmax = -1\n",
	  "FILE:5: max: '-1' is not a whole number from 0 to 2147483647" },
	{ GPU "max_instances = 99999999999\n",
	  "FILE:4: max_instances: '99999999999' is not a whole number from 0 to 2147483647" },
	{ GPU "pool = 4\n[type card0 a]\ncost = 0\n",
	  "FILE:6: cost: '0' is not a whole number from 1 to 2147483647" },
	{ GPU "[type card0 a]\nname = A\n",
	  "FILE:4: [type card0 a] has no budget: give it max=, or give [parent card0] pool= or max_instances=" },
	{ GPU "[type card0 a]\nmax = 1\ncost = 2\n",
	  "FILE:6: cost needs pool= in [parent card0]" },
	{ GPU "max_instances = 4\npool = 8\n",
	  "FILE:5: pool cannot be combined with max_instances (the core's counter)" },
	{ GPU "max_instances = 4\n[type card0 a]\nmax = 1\n",
	  "FILE:6: max cannot be combined with max_instances of parent card0" },
	{ GPU "homogeneous = yes\n",
	  "FILE:4: homogeneous: 'yes' is not true or false" },
	{ GPU "errno = ENOPE\n",
	  "FILE:4: errno: 'ENOPE' is neither an errno name like ENOSPC nor a number from 1 to 4095" },
	/* placement */
	{ "[parent card0]\nclass = gpu\nbus = pci\n",
	  "FILE:3: class and bus exclude each other: a parent is a class device or a bus device" },
	{ "[parent card0]\ndevice_api = vfio-pci\n",
	  "FILE:1: [parent card0] needs class= or bus=" },
	{ "\n[parent 0000:3b:00.0]\nbus = pci\n",
	  "FILE:2: [parent 0000:3b:00.0] is a bus device and needs parent_path=" },
	{ GPU "driver = nvidia\n",
	  "FILE:4: driver needs bus=: only bus devices bind a driver" },
	{ "[parent p]\nbus = pci\nparent_path = /sys/devices\n",
	  "FILE:3: parent_path: '/sys/devices' is not a relative path of names" },
	{ "[parent p]\nbus = pci\nparent_path = bus/pci\n",
	  "FILE:3: parent_path: 'bus/pci' is not below devices/" },
	{ GPU "uevent = PCI_ID=1;oops\n",
	  "FILE:4: uevent: 'oops' is not VAR=value (DRIVER comes from driver=)" },
	{ GPU "mdev_driver = a/b\n",
	  "FILE:4: mdev_driver: 'a/b' is not a name (no '/', spaces, '.' or '..')" },
	/* attributes */
	{ GPU "[type card0 a]\nmax = 1\n[mdev-attribute card0 v/x]\nmode = 0844\n",
	  "FILE:7: mode: '0844' is not an octal mode from 0 to 0777" },
	{ GPU "[type card0 a]\nmax = 1\n[mdev-attribute card0 v/x]\nwrite = store\n",
	  "FILE:7: write needs a writable mode (0444 has no write bit)" },
	{ GPU "[type card0 a]\nmax = 1\n[mdev-attribute card0 v/x]\nmode = 0644\nwrite = keep\n",
	  "FILE:8: write: 'keep' is neither store nor refuse" },
	{ GPU "[type card0 a]\nmax = 1\n[mdev-attribute card0 v/x]\nmode = 0644\nerrno = EIO\n",
	  "FILE:8: errno needs a writable mode and write = refuse" },
	{ GPU "[type card0 a]\nmax = 1\n[mdev-attribute card0 remove]\n",
	  "FILE:6: 'remove' is made by the driver core and cannot be an attribute" },
	{ GPU "[type card0 a]\nmax = 1\n[parent-attribute card0 power/x]\n",
	  "FILE:6: 'power' is made by the driver core and cannot be an attribute" },
	{ GPU "[type card0 a]\nmax = 1\n[mdev-attribute card0 a/b/c]\n",
	  "FILE:6: 'a/b/c' is not NAME or GROUP/NAME" },
	{ GPU "[type card0 a]\nmax = 1\n[mdev-attribute card0 vendor]\n"
	  "[mdev-attribute card0 vendor/x]\n",
	  "FILE:7: [mdev-attribute card0 vendor/x] clashes with the file [mdev-attribute card0 vendor]" },
	{ GPU "[type card0 a]\nmax = 1\n[mdev-attribute card1 x]\n",
	  "FILE:6: [mdev-attribute card1 x]: no [parent card1] in the file" },
};

START_TEST(bad_file)
{
	const char *want = bad_files[_i].want;
	g_autofree char *got = refusal(bad_files[_i].text);
	size_t n = strlen(want);

	if (want[n - 1] == '*')
		ck_assert_msg(strncmp(got, want, n - 1) == 0, "got '%s'", got);
	else
		ck_assert_str_eq(got, want);
}
END_TEST

START_TEST(missing_file_and_arguments)
{
	struct bt bt;
	g_autofree char *missing = NULL;
	g_autofree char *none = NULL;

	bt_start(&bt, NULL);
	missing = failed_load(&bt, "keyfile:/nonexistent/host.conf");
	ck_assert_str_eq(missing, FAILED "/nonexistent/host.conf: No such file or directory");
	none = failed_load(&bt, "keyfile");
	ck_assert_str_eq(none, FAILED "keyfile: needs the path of a host file (-b keyfile:/path/host.conf)");
	bt_stop(&bt);
}
END_TEST

/* A parent another backend already made: refused, nothing left behind. */
START_TEST(taken_device_path)
{
	struct bt bt;
	g_autofree char *spec = NULL;
	g_autofree char *out = NULL;
	g_autofree char *want = NULL;

	write_conf(GPU "[type card0 a]\nmax = 1\n"
		   "[parent mtty]\nclass = mtty\ndevice_api = vfio-pci\n"
		   "[type mtty 9]\nmax = 1\n");
	spec = g_strdup_printf("keyfile:%s", conf_path);
	bt_start(&bt, NULL);
	bt_load(&bt, "mtty");
	out = failed_load(&bt, spec);
	want = g_strdup_printf(FAILED "%s:6: [parent mtty]: cannot make the device: File exists",
			       conf_path);
	ck_assert_str_eq(out, want);
	bt_expect_list(&bt, "class/mdev_bus", "mtty");
	done(&bt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Limits                                                              */

/* Refused at once: run in a child that an alarm kills if it hangs. */
static void expect_quick_refusal(const char *path, const char *want)
{
	g_autofree char *got = NULL;

	alarm(10);
	got = refusal_of(path);
	alarm(0);
	ck_assert_str_eq(got, want);
}

START_TEST(device_file_refused)
{
	expect_quick_refusal("/dev/zero", "FILE: not a regular file");
}
END_TEST

START_TEST(fifo_refused)
{
	g_autofree char *tmp = g_dir_make_tmp("keyfile-fifo-XXXXXX", NULL);
	g_autofree char *fifo = g_build_filename(tmp, "host.conf", NULL);

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	expect_quick_refusal(fifo, "FILE: not a regular file");
	g_unlink(fifo);
	g_rmdir(tmp);
}
END_TEST

START_TEST(oversized_file_refused)
{
	g_autofree char *want = NULL;
	int fd;

	write_conf(GPU);
	fd = open(conf_path, O_WRONLY);
	ck_assert(fd >= 0 && ftruncate(fd, (16 << 20) + 1) == 0);
	close(fd);
	want = g_strdup_printf("FILE: %d bytes, more than the 16 MiB a host file may have",
			       (16 << 20) + 1);
	expect_quick_refusal(conf_path, want);
	g_unlink(conf_path);
	g_clear_pointer(&conf_path, g_free);
}
END_TEST

static char *repeat(char c, size_t n)
{
	char *s = g_malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

#define ATTR_OF(text) GPU "[type card0 a]\nmax = 1\n[mdev-attribute card0 x]\n" text

START_TEST(long_values_and_names)
{
	g_autofree char *v4094 = repeat('v', 4094);
	g_autofree char *v4095 = repeat('v', 4095);
	g_autofree char *v5000 = repeat('v', 5000);
	g_autofree char *n255 = repeat('n', 255);
	g_autofree char *n300 = repeat('n', 300);
	g_autofree char *text = NULL;
	g_autofree char *got = NULL;
	g_autofree char *want = NULL;
	g_autofree char *shown = NULL;
	struct bt bt;

	/* The longest value, and the longest name, load and read back. */
	text = g_strdup_printf(GPU "[type card0 a]\nmax = 1\n"
			       "[parent-attribute card0 %s]\nvalue = %s\n",
			       n255, v4094);
	load(&bt, text);
	shown = g_strdup_printf("%s\n", v4094);
	bt_expectf(&bt, shown, DEV "%s", n255);
	done(&bt);
	g_free(text);

	text = g_strdup_printf(ATTR_OF("value = %s\n"), v5000);
	got = refusal(text);
	ck_assert_str_eq(got, "FILE:7: value: 5000 bytes, more than the 4094 a sysfs file shows before its newline");
	g_free(text);
	g_free(got);
	text = g_strdup_printf(ATTR_OF("value = %s\n"), v4095);
	got = refusal(text);
	ck_assert_str_eq(got, "FILE:7: value: 4095 bytes, more than the 4094 a sysfs file shows before its newline");
	g_free(text);
	g_free(got);

	text = g_strdup_printf(GPU "[type card0 a]\nmax = 1\n[mdev-attribute card0 %s]\n",
			       n300);
	got = refusal(text);
	ck_assert_str_eq(got, "FILE:6: name 'nnnnnnnnnnnnnnnn...' is 300 bytes, more than NAME_MAX (255)");
	g_free(text);
	g_free(got);
	text = g_strdup_printf(GPU "[type card0 %s]\nmax = 1\n", n300);
	got = refusal(text);
	ck_assert_str_eq(got, "FILE:4: name 'nnnnnnnnnnnnnnnn...' is 300 bytes, more than NAME_MAX (255)");
	g_free(text);
	g_free(got);
	text = g_strdup_printf(GPU "mdev_driver = %s\n", n300);
	got = refusal(text);
	want = g_strdup("FILE:4: mdev_driver: 'nnnnnnnnnnnnnnnn...' is 300 bytes, more than NAME_MAX (255)");
	ck_assert_str_eq(got, want);
}
END_TEST

START_TEST(nul_byte_refused)
{
	static const char text[] = GPU "[type card0 a]\nmax = 1\n"
		"[mdev-attribute card0 x]\nvalue = ab\0cd\n";
	g_autofree char *got = NULL;
	GError *error = NULL;
	int fd = g_file_open_tmp("keyfile-XXXXXX.conf", &conf_path, &error);

	ck_assert(fd >= 0);
	close(fd);
	ck_assert(g_file_set_contents(conf_path, text, sizeof(text) - 1, NULL));
	got = refusal_of(conf_path);
	ck_assert_str_eq(got, "FILE:7: NUL byte (the file must be text)");
	g_unlink(conf_path);
	g_clear_pointer(&conf_path, g_free);
}
END_TEST

/* VERIFY_OCTAL_PERMISSIONS(): never world-writable, u >= g >= o. */
START_TEST(sysfs_modes_only)
{
	static const char *const bad[] = { "0666", "0646", "0222", "0044",
					   "0004", "0260", "0777" };
	static const char *const good[] = { "0444", "0400", "0440", "0644",
					    "0664", "0200", "0220", "0600",
					    "0000", "0755" };
	struct bt bt;

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree char *text = g_strdup_printf(ATTR_OF("mode = %s\n"), bad[i]);
		g_autofree char *got = refusal(text);
		g_autofree char *want = g_strdup_printf(
			"FILE:7: mode: %s is not a sysfs mode (others may not write; "
			"the user must read and write at least what the group may, "
			"the group read at least what others may)", bad[i]);

		ck_assert_str_eq(got, want);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autofree char *text = g_strdup_printf(ATTR_OF("mode = %s\n"), good[i]);

		load(&bt, text);
		done(&bt);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-keyfile");
	TCase *budget = tcase_create("budget");
	TCase *attrs = tcase_create("attributes");
	TCase *place = tcase_create("placement");
	TCase *bad = tcase_create("refusals");

	tcase_add_test(budget, core_counter_shared_by_types);
	tcase_add_test(budget, per_type_max);
	tcase_add_test(budget, weighted_pool);
	tcase_add_test(budget, homogeneous_with_errno);
	tcase_add_test(budget, errno_by_number);
	tcase_add_test(budget, errno_any_name);
	tcase_add_loop_test(budget, older_kernel_profile, 0,
			    (int)G_N_ELEMENTS(old_profiles));
	tcase_add_test(attrs, parent_attributes);
	tcase_add_test(attrs, mdev_attributes);
	tcase_add_test(place, pci_parent_with_driver);
	tcase_add_test(place, pci_parent_from_config);
	tcase_add_test(place, parent_links);
	tcase_add_test(place, binary_parent_attribute);
	tcase_add_test(place, class_parent_placement);
	tcase_add_test(place, several_parents);
	tcase_add_test(place, empty_file_is_an_empty_host);
	tcase_add_test(place, man_page_example);
	tcase_add_loop_test(bad, bad_file, 0, (int)G_N_ELEMENTS(bad_files));
	tcase_add_test(bad, missing_file_and_arguments);
	tcase_add_test(bad, taken_device_path);
	tcase_add_test(bad, device_file_refused);
	tcase_add_test(bad, fifo_refused);
	tcase_add_test(bad, oversized_file_refused);
	tcase_add_test(bad, long_values_and_names);
	tcase_add_test(bad, nul_byte_refused);
	tcase_add_test(bad, sysfs_modes_only);
	suite_add_tcase(s, budget);
	suite_add_tcase(s, attrs);
	suite_add_tcase(s, place);
	suite_add_tcase(s, bad);
	return bt_run(s);
}
