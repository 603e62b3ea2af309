// SPDX-License-Identifier: MIT
/* The vfio_ap backend seen through the tree. */
#include <errno.h>
#include <sys/stat.h>

#include "backend_test.h"

#define M "devices/vfio_ap/matrix"
#define T M "/mdev_supported_types/vfio_ap-passthrough"
#define U1 "3d1f1c55-8b1e-4bd6-9a44-5a0f3e7c0001"
#define U2 "3d1f1c55-8b1e-4bd6-9a44-5a0f3e7c0002"
#define D1 "bus/mdev/devices/" U1 "/"
#define D2 "bus/mdev/devices/" U2 "/"

/* A host with vfio_ap loaded (args may be NULL) and one mdev U1. */
static void start(struct bt *bt, const char *args)
{
	char *spec = g_strdup_printf("vfio_ap%s%s", args ? ":" : "",
				     args ? args : "");

	bt_start(bt, NULL);
	bt_load(bt, spec);
	bt_expect_write(bt, T "/create", U1, 0);
	g_free(spec);
}

/* One ap_config mask: "0x", lead, then zeros to 64 digits. */
static void append_mask(GString *s, const char *lead)
{
	gsize end = s->len + 2 + 64;

	g_string_append(s, "0x");
	g_string_append(s, lead);
	while (s->len < end)
		g_string_append_c(s, '0');
}

/* The ap_config text whose masks begin with the given digits. */
static char *config(const char *apm, const char *aqm, const char *adm)
{
	GString *s = g_string_new(NULL);

	append_mask(s, apm);
	g_string_append_c(s, ',');
	append_mask(s, aqm);
	g_string_append_c(s, ',');
	append_mask(s, adm);
	g_string_append_c(s, '\n');
	return g_string_free(s, FALSE);
}

static void expect_config(struct bt *bt, const char *path, const char *apm,
			  const char *aqm, const char *adm)
{
	char *want = config(apm, aqm, adm);

	bt_expect(bt, path, want);
	g_free(want);
}

/* ------------------------------------------------------------------ */

START_TEST(ap_matrix_device_in_the_tree)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "vfio_ap");
	ck_assert(S_ISDIR(bt_mode(&bt, "devices/vfio_ap")));
	ck_assert(S_ISDIR(bt_mode(&bt, M)));
	bt_expect_link(&bt, M "/subsystem", "../../../bus/matrix");
	bt_expect_link(&bt, M "/driver", "../../../bus/matrix/drivers/vfio_ap");
	bt_expect_link(&bt, "bus/matrix/devices/matrix",
		       "../../../devices/vfio_ap/matrix");
	bt_expect_link(&bt, "bus/matrix/drivers/vfio_ap/matrix",
		       "../../../../devices/vfio_ap/matrix");
	bt_expect_link(&bt, "class/mdev_bus/matrix", "../../devices/vfio_ap/matrix");
	bt_expect(&bt, M "/uevent", "DRIVER=vfio_ap\n");
	bt_expect(&bt, M "/features", "guest_matrix hotplug ap_config\n");
	ck_assert_uint_eq(bt_mode(&bt, M "/features"), S_IFREG | 0444);
	ck_assert(S_ISDIR(bt_mode(&bt, "bus/mdev/drivers/vfio_ap_mdev")));
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_type_files)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "vfio_ap");
	bt_expect_list(&bt, M "/mdev_supported_types", "vfio_ap-passthrough");
	bt_expect_list(&bt, T, "available_instances create device_api devices name");
	bt_expect(&bt, T "/name", "VFIO AP Passthrough Device\n");
	bt_expect(&bt, T "/device_api", "vfio-ap\n");
	bt_expect(&bt, T "/available_instances", "65536\n");
	bt_expect_write(&bt, T "/create", U1, 0);
	bt_expect(&bt, T "/available_instances", "65535\n");
	bt_expect_write(&bt, T "/create", U2, 0);
	bt_expect(&bt, T "/available_instances", "65534\n");
	bt_remove(&bt, U1, "1");
	bt_expect(&bt, T "/available_instances", "65535\n");
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_mdev_files)
{
	struct bt bt;
	static const char *const wo[] = {
		"assign_adapter", "unassign_adapter", "assign_domain",
		"unassign_domain", "assign_control_domain",
		"unassign_control_domain",
	};
	static const char *const ro[] = {
		"matrix", "guest_matrix", "control_domains",
	};

	start(&bt, NULL);
	bt_expect_list(&bt, M "/" U1,
		       "ap_config assign_adapter assign_control_domain assign_domain "
		       "control_domains driver guest_matrix iommu_group matrix "
		       "mdev_type power remove subsystem uevent unassign_adapter "
		       "unassign_control_domain unassign_domain vfio-dev");
	for (size_t i = 0; i < G_N_ELEMENTS(wo); i++) {
		char *path = g_strdup_printf(D1 "%s", wo[i]);

		ck_assert_uint_eq(bt_mode(&bt, path), S_IFREG | 0200);
		bt_expect_read_error(&bt, path, EACCES);
		g_free(path);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(ro); i++) {
		char *path = g_strdup_printf(D1 "%s", ro[i]);

		ck_assert_uint_eq(bt_mode(&bt, path), S_IFREG | 0444);
		bt_expect(&bt, path, "");
		bt_expect_write(&bt, path, "1", EACCES);
		g_free(path);
	}
	ck_assert_uint_eq(bt_mode(&bt, D1 "ap_config"), S_IFREG | 0644);
	expect_config(&bt, D1 "ap_config", "", "", "");
	bt_expect_link(&bt, M "/" U1 "/driver",
		       "../../../../bus/mdev/drivers/vfio_ap_mdev");
	bt_expect_link(&bt, M "/" U1 "/subsystem", "../../../../bus/mdev");
	bt_expect_link(&bt, "bus/mdev/devices/" U1,
		       "../../../devices/vfio_ap/matrix/" U1);
	bt_expect(&bt, D1 "uevent", "DRIVER=vfio_ap_mdev\n");
	bt_stop(&bt);
}
END_TEST

/* kstrtoul(buf, 0): every accepted spelling, then the errors. */
START_TEST(ap_number_parsing)
{
	struct bt bt;
	static const char *const good[] = {
		"1", "0x2", "0X3", "010" /* octal 8 */, "+4", "5\n", "00",
		"+0x0b", "0x0C\n", "017" /* 15 */, "63",
	};
	static const char *const einval[] = {
		"abc", "-1", " 5", "5 ", "\n", "5\n\n", "0x", "0xg", "08",
		"+", "++5", "+-5", "1.5", "5\r\n", "0x5g", "5x", "0b1", "x5",
	};

	start(&bt, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
		bt_expect_write(&bt, D1 "assign_adapter", good[i], 0);
	bt_expect(&bt, D1 "matrix",
		  "00.\n01.\n02.\n03.\n04.\n05.\n08.\n0b.\n0c.\n0f.\n3f.\n");
	for (size_t i = 0; i < G_N_ELEMENTS(einval); i++)
		bt_expect_write(&bt, D1 "assign_adapter", einval[i], EINVAL);
	/* Numbers beyond an unsigned long are ERANGE, as kstrtoul says. */
	bt_expect_write(&bt, D1 "assign_adapter", "18446744073709551616", ERANGE);
	bt_expect_write(&bt, D1 "assign_adapter", "0x10000000000000000", ERANGE);
	bt_expect_write(&bt, D1 "assign_adapter", "99999999999999999999x", ERANGE);
	/* Numbers that fit but are no adapter of this machine. */
	bt_expect_write(&bt, D1 "assign_adapter", "64", ENODEV);
	bt_expect_write(&bt, D1 "assign_adapter", "0x40", ENODEV);
	bt_expect_write(&bt, D1 "assign_adapter", "0100", ENODEV);
	bt_expect_write(&bt, D1 "assign_adapter", "18446744073709551615", ENODEV);
	bt_expect(&bt, D1 "matrix",
		  "00.\n01.\n02.\n03.\n04.\n05.\n08.\n0b.\n0c.\n0f.\n3f.\n");
	bt_stop(&bt);
}
END_TEST

/* The same rules for each of the six files, with each file's limit. */
START_TEST(ap_limits_of_each_file)
{
	struct bt bt;
	static const struct {
		const char *file;
		const char *last;
		const char *beyond;
	} cases[] = {
		{ "assign_adapter", "63", "64" },
		{ "unassign_adapter", "63", "64" },
		{ "assign_domain", "15", "16" },
		{ "unassign_domain", "0xf", "0x10" },
		{ "assign_control_domain", "017", "020" },
		{ "unassign_control_domain", "15\n", "16\n" },
	};

	start(&bt, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *path = g_strdup_printf(D1 "%s", cases[i].file);

		bt_expect_write(&bt, path, cases[i].last, 0);
		bt_expect_write(&bt, path, cases[i].beyond, ENODEV);
		bt_expect_write(&bt, path, "abc", EINVAL);
		bt_expect_write(&bt, path, "-1", EINVAL);
		g_free(path);
	}
	/* Everything was assigned and taken back again. */
	bt_expect(&bt, D1 "matrix", "");
	bt_expect(&bt, D1 "control_domains", "");
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_configured_limits)
{
	struct bt bt;

	start(&bt, "max_adapter=255,max_domain=0x54");
	bt_expect_write(&bt, D1 "assign_adapter", "255", 0);
	bt_expect_write(&bt, D1 "assign_adapter", "256", ENODEV);
	bt_expect_write(&bt, D1 "assign_domain", "0x54", 0);
	bt_expect_write(&bt, D1 "assign_domain", "0x55", ENODEV);
	bt_expect_write(&bt, D1 "assign_control_domain", "84", 0);
	bt_expect_write(&bt, D1 "assign_control_domain", "85", ENODEV);
	bt_expect(&bt, D1 "matrix", "ff.0054\n");
	bt_expect(&bt, D1 "control_domains", "0054\n");
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_matrix_formats)
{
	struct bt bt;

	start(&bt, "max_adapter=255,max_domain=255");
	/* Domains only. */
	bt_expect_write(&bt, D1 "assign_domain", "0x54", 0);
	bt_expect_write(&bt, D1 "assign_domain", "4", 0);
	bt_expect(&bt, D1 "matrix", ".0004\n.0054\n");
	/* Both: every adapter with every domain, sorted. */
	bt_expect_write(&bt, D1 "assign_adapter", "0x10", 0);
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect(&bt, D1 "matrix", "05.0004\n05.0054\n10.0004\n10.0054\n");
	bt_expect_write(&bt, D1 "assign_domain", "0xff", 0);
	bt_expect_write(&bt, D1 "assign_adapter", "0xab", 0);
	bt_expect(&bt, D1 "matrix",
		  "05.0004\n05.0054\n05.00ff\n10.0004\n10.0054\n10.00ff\n"
		  "ab.0004\nab.0054\nab.00ff\n");
	/* Adapters only. */
	bt_expect_write(&bt, D1 "unassign_domain", "4", 0);
	bt_expect_write(&bt, D1 "unassign_domain", "0x54", 0);
	bt_expect_write(&bt, D1 "unassign_domain", "255", 0);
	bt_expect(&bt, D1 "matrix", "05.\n10.\nab.\n");
	/* Taking back what is not assigned does nothing, and succeeds. */
	bt_expect_write(&bt, D1 "unassign_domain", "7", 0);
	bt_expect_write(&bt, D1 "unassign_adapter", "6", 0);
	bt_expect(&bt, D1 "matrix", "05.\n10.\nab.\n");
	/* Assigning what is assigned does nothing either. */
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect(&bt, D1 "matrix", "05.\n10.\nab.\n");
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_big_matrix_is_cut_to_a_page)
{
	struct bt bt;
	char *text;
	int err = 0;

	start(&bt, "max_adapter=255,max_domain=255");
	for (int i = 0; i < 64; i++) {
		char id[8];

		g_snprintf(id, sizeof(id), "%d", i);
		bt_expect_write(&bt, D1 "assign_adapter", id, 0);
		bt_expect_write(&bt, D1 "assign_domain", id, 0);
	}
	/* 4096 lines of 8 bytes: sysfs keeps a page less one byte. */
	text = bt_read(&bt, D1 "matrix", &err);
	ck_assert(text);
	ck_assert_uint_eq(strlen(text), 4095);
	ck_assert(g_str_has_prefix(text, "00.0000\n00.0001\n"));
	g_free(text);
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_control_domains)
{
	struct bt bt;

	start(&bt, "max_domain=255");
	bt_expect_write(&bt, D1 "assign_control_domain", "0x54", 0);
	bt_expect_write(&bt, D1 "assign_control_domain", "4", 0);
	bt_expect_write(&bt, D1 "assign_control_domain", "4", 0);
	bt_expect_write(&bt, D1 "assign_control_domain", "0xab", 0);
	bt_expect(&bt, D1 "control_domains", "0004\n0054\n00ab\n");
	/* Control domains are not usage domains. */
	bt_expect(&bt, D1 "matrix", "");
	bt_expect_write(&bt, D1 "unassign_control_domain", "0x54", 0);
	bt_expect_write(&bt, D1 "unassign_control_domain", "9", 0);
	bt_expect(&bt, D1 "control_domains", "0004\n00ab\n");
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_config_read)
{
	struct bt bt;

	start(&bt, NULL);
	bt_expect_write(&bt, D1 "assign_adapter", "0", 0);
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect_write(&bt, D1 "assign_adapter", "63", 0);
	bt_expect_write(&bt, D1 "assign_domain", "4", 0);
	bt_expect_write(&bt, D1 "assign_control_domain", "4", 0);
	bt_expect_write(&bt, D1 "assign_control_domain", "15", 0);
	/* id 0 is the leftmost bit: 0 and 5 are 0x84, 63 ends the 8th byte. */
	expect_config(&bt, D1 "ap_config", "8400000000000001", "08", "0801");
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_config_write)
{
	struct bt bt;
	char *text;
	int err = 0;

	start(&bt, "max_domain=255");
	text = config("04", "08", "0801");
	bt_expect_write(&bt, D1 "ap_config", text, 0);
	bt_expect(&bt, D1 "ap_config", text);
	bt_expect(&bt, D1 "matrix", "05.0004\n");
	bt_expect(&bt, D1 "control_domains", "0004\n000f\n");
	g_free(text);
	/* What a read gives can be written back. */
	text = bt_read(&bt, D1 "ap_config", &err);
	bt_expect_write(&bt, D1 "ap_config", text, 0);
	bt_expect(&bt, D1 "ap_config", text);
	g_free(text);
	/* Short masks, "x" or no prefix, no newline: the rest is zero. */
	bt_expect_write(&bt, D1 "ap_config", "0x4,x8,", 0);
	bt_expect(&bt, D1 "matrix", "01.0000\n");
	bt_expect(&bt, D1 "control_domains", "");
	bt_expect_write(&bt, D1 "ap_config", "04,00000000000000000000000008,c", 0);
	bt_expect(&bt, D1 "matrix", "05.0064\n");
	bt_expect(&bt, D1 "control_domains", "0000\n0001\n");
	/* Fields end at a newline too; what follows the third is not read. */
	bt_expect_write(&bt, D1 "ap_config", "0x04\n0x08\n0x08\nnot read", 0);
	bt_expect_write(&bt, D1 "ap_config", "0x04,0x08,0x08,not read", 0);
	bt_expect(&bt, D1 "matrix", "05.0004\n");
	bt_expect(&bt, D1 "control_domains", "0004\n");
	/* Empty masks take everything back. */
	bt_expect_write(&bt, D1 "ap_config", ",,\n", 0);
	bt_expect(&bt, D1 "matrix", "");
	expect_config(&bt, D1 "ap_config", "", "", "");
	bt_stop(&bt);
}
END_TEST

/* A refused write changes nothing at all. */
START_TEST(ap_config_all_or_nothing)
{
	struct bt bt;
	static const char *const einval[] = {
		"0x04,0x08",               /* two masks */
		"0x04",
		"0x04,0xzz,0x08",
		"0x04,0x08,0x08 ",
		"0X04,0x08,0x08",          /* only a lowercase x */
		"0x0x4,0x08,0x08",
		"-0x04,0x08,0x08",
		" 0x04,0x08,0x08",
	};
	char *good, *text;
	GString *long_mask = g_string_new("0x");

	start(&bt, NULL);
	good = config("04", "08", "08");
	bt_expect_write(&bt, D1 "ap_config", good, 0);
	for (size_t i = 0; i < G_N_ELEMENTS(einval); i++)
		bt_expect_write(&bt, D1 "ap_config", einval[i], EINVAL);
	/* 65 digits do not fit 256 bits. */
	for (int i = 0; i < 65; i++)
		g_string_append_c(long_mask, '0');
	g_string_append(long_mask, ",0x08,0x08");
	bt_expect_write(&bt, D1 "ap_config", long_mask->str, EINVAL);
	/* Adapter 64, usage domain 16, control domain 16: beyond the limits. */
	text = config("0000000000000000800", "08", "08");
	bt_expect_write(&bt, D1 "ap_config", text, ENODEV);
	g_free(text);
	text = config("04", "08008", "08");
	bt_expect_write(&bt, D1 "ap_config", text, ENODEV);
	g_free(text);
	text = config("04", "08", "00008");
	bt_expect_write(&bt, D1 "ap_config", text, ENODEV);
	g_free(text);
	bt_expect(&bt, D1 "ap_config", good);
	bt_expect(&bt, D1 "matrix", "05.0004\n");
	bt_expect(&bt, D1 "control_domains", "0004\n");
	g_string_free(long_mask, TRUE);
	g_free(good);
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_apqns_are_exclusive)
{
	struct bt bt;
	char *text;

	start(&bt, NULL);
	bt_expect_write(&bt, T "/create", U2, 0);
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect_write(&bt, D1 "assign_domain", "4", 0);
	/* An adapter alone forms no APQN yet. */
	bt_expect_write(&bt, D2 "assign_adapter", "5", 0);
	bt_expect_write(&bt, D2 "assign_domain", "4", EADDRINUSE);
	bt_expect(&bt, D2 "matrix", "05.\n");
	bt_expect_write(&bt, D2 "assign_domain", "6", 0);
	bt_expect(&bt, D2 "matrix", "05.0006\n");
	/* Now 05.0006 is U2's. */
	bt_expect_write(&bt, D1 "assign_domain", "6", EADDRINUSE);
	bt_expect(&bt, D1 "matrix", "05.0004\n");
	bt_expect_write(&bt, D1 "assign_adapter", "7", 0);
	bt_expect_write(&bt, D2 "assign_adapter", "7", 0);
	bt_expect(&bt, D1 "matrix", "05.0004\n07.0004\n");
	bt_expect(&bt, D2 "matrix", "05.0006\n07.0006\n");
	/* U1 has 07.0004: U2 may not take domain 4 through ap_config either. */
	text = config("05", "0a", "");
	bt_expect_write(&bt, D2 "ap_config", text, EADDRINUSE);
	g_free(text);
	bt_expect(&bt, D2 "matrix", "05.0006\n07.0006\n");
	/* Assigning what U1 already has is still a no-op for U1. */
	bt_expect_write(&bt, D1 "assign_domain", "4", 0);
	/* Control domains may be shared. */
	bt_expect_write(&bt, D1 "assign_control_domain", "4", 0);
	bt_expect_write(&bt, D2 "assign_control_domain", "4", 0);
	/* Removing U1 frees its APQNs. */
	bt_remove(&bt, U1, "1");
	bt_expect_write(&bt, D2 "assign_domain", "4", 0);
	bt_expect(&bt, D2 "matrix", "05.0004\n05.0006\n07.0004\n07.0006\n");
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_reserved_for_the_host)
{
	struct bt bt;
	char *text;

	start(&bt, "reserved=05.0004");
	bt_expect_write(&bt, T "/create", U2, 0);
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect_write(&bt, D1 "assign_domain", "4", EADDRNOTAVAIL);
	bt_expect_write(&bt, D1 "assign_domain", "3", 0);
	bt_expect(&bt, D1 "matrix", "05.0003\n");
	bt_expect_write(&bt, D2 "assign_domain", "4", 0);
	bt_expect_write(&bt, D2 "assign_adapter", "5", EADDRNOTAVAIL);
	bt_expect_write(&bt, D2 "assign_adapter", "6", 0);
	text = config("04", "08", "");
	bt_expect_write(&bt, D1 "ap_config", text, EADDRNOTAVAIL);
	g_free(text);
	bt_expect(&bt, D1 "matrix", "05.0003\n");
	/* 05.0004 is reserved and 06.0004 is U2's: reserved is told first. */
	bt_expect(&bt, D2 "matrix", "06.0004\n");
	text = config("06", "08", "");
	bt_expect_write(&bt, D1 "ap_config", text, EADDRNOTAVAIL);
	g_free(text);
	text = config("02", "08", "");
	bt_expect_write(&bt, D1 "ap_config", text, EADDRINUSE);
	g_free(text);
	bt_expect(&bt, D1 "matrix", "05.0003\n");
	bt_stop(&bt);
}
END_TEST

/* guest_matrix: what exists and is bound, a whole adapter at a time. */
START_TEST(ap_guest_matrix_filters)
{
	struct bt bt;

	start(&bt, "queues=05.0004,05.0054,06.0004,max_domain=255");
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect(&bt, D1 "guest_matrix", "05.\n");
	/* Domain 9 has no queue on this host. */
	bt_expect_write(&bt, D1 "assign_domain", "9", 0);
	bt_expect(&bt, D1 "matrix", "05.0009\n");
	bt_expect(&bt, D1 "guest_matrix", "05.\n");
	bt_expect_write(&bt, D1 "assign_domain", "4", 0);
	bt_expect(&bt, D1 "guest_matrix", "05.0004\n");
	bt_expect_write(&bt, D1 "assign_adapter", "6", 0);
	bt_expect(&bt, D1 "guest_matrix", "05.0004\n06.0004\n");
	/* 06.0054 is not bound, so adapter 6 is left out. */
	bt_expect_write(&bt, D1 "assign_domain", "0x54", 0);
	bt_expect(&bt, D1 "guest_matrix", "05.0004\n05.0054\n");
	/* Adapter 7 does not exist. */
	bt_expect_write(&bt, D1 "assign_adapter", "7", 0);
	bt_expect(&bt, D1 "guest_matrix", "05.0004\n05.0054\n");
	bt_expect(&bt, D1 "matrix",
		  "05.0004\n05.0009\n05.0054\n06.0004\n06.0009\n06.0054\n"
		  "07.0004\n07.0009\n07.0054\n");
	bt_expect_write(&bt, D1 "unassign_domain", "0x54", 0);
	bt_expect(&bt, D1 "guest_matrix", "05.0004\n06.0004\n");
	bt_expect_write(&bt, D1 "unassign_adapter", "5", 0);
	bt_expect_write(&bt, D1 "unassign_adapter", "6", 0);
	bt_expect_write(&bt, D1 "unassign_adapter", "7", 0);
	bt_expect(&bt, D1 "guest_matrix", ".0004\n");
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_guest_matrix_default_is_matrix)
{
	struct bt bt;

	start(&bt, NULL);
	bt_expect_write(&bt, D1 "assign_domain", "4", 0);
	bt_expect(&bt, D1 "guest_matrix", ".0004\n");
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect_write(&bt, D1 "assign_adapter", "63", 0);
	bt_expect_write(&bt, D1 "assign_domain", "15", 0);
	bt_expect(&bt, D1 "guest_matrix",
		  "05.0004\n05.000f\n3f.0004\n3f.000f\n");
	bt_stop(&bt);
}
END_TEST

/* The APQNs given are on the AP bus: cards under the bus's root device,
 * queues under their cards, bound to vfio_ap or (reserved) to zcrypt. */
START_TEST(ap_bus_cards_and_queues)
{
	struct bt bt;

	start(&bt, "queues=05.0004,05.0005,06.0004,reserved=07.0001");
	ck_assert(S_ISDIR(bt_mode(&bt, "devices/ap")));
	ck_assert(S_ISREG(bt_mode(&bt, "devices/ap/uevent")));
	ck_assert(!bt_exists(&bt, "devices/ap/subsystem"));
	bt_expect_list(&bt, "bus/ap/devices",
		       "05.0004 05.0005 06.0004 07.0001 card05 card06 card07");
	bt_expect_list(&bt, "bus/ap/drivers/cex4card", "card05 card06 card07");
	bt_expect_list(&bt, "bus/ap/drivers/vfio_ap", "05.0004 05.0005 06.0004");
	bt_expect_list(&bt, "bus/ap/drivers/cex4queue", "07.0001");
	bt_expect_link(&bt, "bus/ap/devices/05.0004",
		       "../../../devices/ap/card05/05.0004");
	bt_expect_link(&bt, "devices/ap/card05/05.0004/driver",
		       "../../../../bus/ap/drivers/vfio_ap");
	bt_expect(&bt, "devices/ap/card05/uevent",
		  "DRIVER=cex4card\nDEVTYPE=ap_card\nDEV_TYPE=000D\n"
		  "MODALIAS=ap:t0D\nMODE=cca\n");
	bt_expect(&bt, "devices/ap/card05/hwtype", "13\n");
	bt_expect(&bt, "devices/ap/card05/modalias", "ap:t0D\n");
	bt_expect(&bt, "devices/ap/card05/ap_functions", "0x92000000\n");
	bt_expect_write(&bt, "devices/ap/card05/config", "2", EINVAL);
	bt_expect_write(&bt, "devices/ap/card05/config", "0", 0);
	bt_expect(&bt, "devices/ap/card05/config", "0\n");
	bt_expect(&bt, "devices/ap/card07/07.0001/interrupt",
		  "Interrupts enabled.\n");
	ck_assert(!bt_exists(&bt, "devices/ap/card07/07.0001/status"));
	/* vfio_ap's status follows the mdevs' matrices. */
	bt_expect(&bt, "devices/ap/card05/05.0004/status", "unassigned\n");
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect_write(&bt, D1 "assign_domain", "4", 0);
	bt_expect(&bt, "devices/ap/card05/05.0004/status", "assigned\n");
	bt_expect(&bt, "devices/ap/card05/05.0005/status", "unassigned\n");
	bt_expect_write(&bt, D1 "unassign_adapter", "5", 0);
	bt_expect(&bt, "devices/ap/card05/05.0004/status", "unassigned\n");
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_no_queues_bound)
{
	struct bt bt;

	start(&bt, "queues=");
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect_write(&bt, D1 "assign_domain", "4", 0);
	bt_expect(&bt, D1 "matrix", "05.0004\n");
	bt_expect(&bt, D1 "guest_matrix", "");
	bt_stop(&bt);
}
END_TEST

/* ---- freshness: which files a write announces as changed ----
 * In inode mode (-o no_open), where the kernel keeps every value's pages;
 * with open handles changing files are read through and nothing is. */

static GArray *invalidated;

static void record_inode(void *data, uint64_t ino)
{
	(void)data;
	g_array_append_val(invalidated, ino);
}

static void ignore_entry(void *data, uint64_t parent, const char *name)
{
	(void)data;
	(void)parent;
	(void)name;
}

/* The inode of a path without links, looked up as the kernel would. */
static uint64_t ino_of(struct bt *bt, const char *path)
{
	gchar **parts = g_strsplit(path, "/", -1);
	uint64_t ino = 1;
	struct stat st;

	for (gchar **p = parts; *p && ino; p++)
		ino = node_lookup(&bt->tree->nodes, ino, *p, &st, NULL) ? 0 : st.st_ino;
	g_strfreev(parts);
	ck_assert_msg(ino, "no %s", path);
	return ino;
}

static bool was_invalidated(uint64_t ino)
{
	for (guint i = 0; i < invalidated->len; i++)
		if (g_array_index(invalidated, uint64_t, i) == ino)
			return true;
	return false;
}

/* Which of matrix, guest_matrix, control_domains, ap_config went stale. */
static void expect_stale(const uint64_t inos[4], const char *want)
{
	char got[5];

	for (int i = 0; i < 4; i++)
		got[i] = was_invalidated(inos[i]) ? 'x' : '-';
	got[4] = '\0';
	ck_assert_str_eq(got, want);
	g_array_set_size(invalidated, 0);
}

START_TEST(ap_writes_announce_changed_files)
{
	static const char *const files[] = {
		"matrix", "guest_matrix", "control_domains", "ap_config",
	};
	const struct tree_observer observer = {
		.inval_entry = ignore_entry, .inval_inode = record_inode,
	};
	struct bt bt;
	uint64_t inos[4];
	char *text;

	start(&bt, "queues=05.0004");
	node_tree_set_by_inode(&bt.tree->nodes, true);
	for (int i = 0; i < 4; i++) {
		char *path = g_strdup_printf(M "/" U1 "/%s", files[i]);

		inos[i] = ino_of(&bt, path);
		g_free(path);
	}
	invalidated = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	sysfs_tree_set_observer(bt.tree, &observer);
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	expect_stale(inos, "xx-x");
	bt_expect(&bt, D1 "matrix", "05.\n");
	/* Adapter 6 does not exist: the guest's view stays. */
	bt_expect_write(&bt, D1 "assign_adapter", "6", 0);
	expect_stale(inos, "x--x");
	bt_expect_write(&bt, D1 "assign_control_domain", "3", 0);
	expect_stale(inos, "--xx");
	bt_expect(&bt, D1 "control_domains", "0003\n");
	/* No change, nothing stale; a refused write changes nothing either. */
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect_write(&bt, D1 "assign_domain", "99", ENODEV);
	expect_stale(inos, "----");
	/* ap_config itself is refreshed by the tree after its own write. */
	text = config("04", "08", "18");
	bt_expect_write(&bt, D1 "ap_config", text, 0);
	expect_stale(inos, "xxxx");
	bt_expect(&bt, D1 "ap_config", text);
	bt_expect(&bt, D1 "guest_matrix", "05.0004\n");
	g_free(text);
	sysfs_tree_set_observer(bt.tree, NULL);
	g_array_free(invalidated, TRUE);
	bt_stop(&bt);
}
END_TEST

/* ---- older releases ---- */

/* A host of the given release with vfio_ap loaded and one mdev U1. */
static void start_release(struct bt *bt, const char *profile)
{
	bt_start(bt, profile);
	bt_load(bt, "vfio_ap");
	bt_expect_write(bt, T "/create", U1, 0);
}

/* 6.1: guest_matrix, but neither ap_config nor features (6.10). */
START_TEST(ap_release_6_1)
{
	struct bt bt;

	start_release(&bt, "6.1");
	ck_assert(!bt_exists(&bt, M "/features"));
	bt_expect_list(&bt, M "/" U1,
		       "assign_adapter assign_control_domain assign_domain "
		       "control_domains driver guest_matrix iommu_group matrix "
		       "mdev_type power remove subsystem uevent unassign_adapter "
		       "unassign_control_domain unassign_domain vfio-dev");
	bt_expect_link(&bt, M "/" U1 "/driver",
		       "../../../../bus/mdev/drivers/vfio_ap_mdev");
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect_write(&bt, D1 "assign_domain", "4", 0);
	bt_expect(&bt, D1 "guest_matrix", "05.0004\n");
	bt_stop(&bt);
}
END_TEST

/* 5.15: no guest_matrix yet, and the mdevs bind vfio_mdev. */
START_TEST(ap_release_5_15)
{
	struct bt bt;

	start_release(&bt, "5.15");
	bt_expect_list(&bt, T, "available_instances create device_api devices name");
	bt_expect(&bt, T "/name", "VFIO AP Passthrough Device\n");
	bt_expect(&bt, T "/available_instances", "65535\n");
	bt_expect_list(&bt, M "/" U1,
		       "assign_adapter assign_control_domain assign_domain "
		       "control_domains driver iommu_group matrix "
		       "mdev_type power remove subsystem uevent unassign_adapter "
		       "unassign_control_domain unassign_domain");
	bt_expect_link(&bt, M "/" U1 "/driver",
		       "../../../../bus/mdev/drivers/vfio_mdev");
	ck_assert(!bt_exists(&bt, "bus/mdev/drivers/vfio_ap_mdev"));
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect_write(&bt, D1 "assign_domain", "4", 0);
	bt_expect(&bt, D1 "matrix", "05.0004\n");
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_not_before_4_20)
{
	struct bt bt;
	char *msg;

	bt_start(&bt, "4.10");
	msg = bt_try_load(&bt, "vfio_ap");
	ck_assert(msg);
	ck_assert(!bt_exists(&bt, M));
	g_free(msg);
	bt_stop(&bt);
}
END_TEST

/* ---- arguments ---- */

static const char *const bad_args[] = {
	"max_adapter=256",
	"max_adapter=-1",
	"max_adapter=",
	"max_adapter=1,2",
	"max_domain=x",
	"queues=5",
	"queues=05.0004,xyz",
	"queues=05.0004,,06.0004",
	"queues=100.0004",
	"queues=05.00100",
	"queues=05.0100",            /* domain 256 */
	"queues=40.0004",            /* adapter 64, beyond the default 63 */
	"queues=05.0010",            /* domain 16, beyond the default 15 */
	"max_domain=3,queues=05.0004",
	"reserved=05.0004,queues=05.0004",
	"bogus=1",
	"5",
};

START_TEST(ap_bad_arguments)
{
	struct bt bt;
	char *spec = g_strdup_printf("vfio_ap:%s", bad_args[_i]);
	char *msg;

	bt_start(&bt, NULL);
	msg = bt_try_load(&bt, spec);
	ck_assert_msg(msg, "%s loaded", spec);
	ck_assert(!bt_exists(&bt, M));
	g_free(msg);
	g_free(spec);
	bt_stop(&bt);
}
END_TEST

START_TEST(ap_unload_with_mdevs)
{
	struct bt bt;

	start(&bt, "queues=05.0004,05.0005");
	bt_expect_write(&bt, T "/create", U2, 0);
	bt_expect_write(&bt, D1 "assign_adapter", "5", 0);
	bt_expect_write(&bt, D1 "assign_domain", "4", 0);
	bt_stop(&bt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-vfio_ap");
	TCase *tree = tcase_create("tree");
	TCase *files = tcase_create("files");
	TCase *rules = tcase_create("rules");
	TCase *args = tcase_create("arguments");
	TCase *eras = tcase_create("eras");

	tcase_add_test(tree, ap_matrix_device_in_the_tree);
	tcase_add_test(tree, ap_type_files);
	tcase_add_test(tree, ap_mdev_files);
	tcase_add_test(files, ap_number_parsing);
	tcase_add_test(files, ap_limits_of_each_file);
	tcase_add_test(files, ap_configured_limits);
	tcase_add_test(files, ap_matrix_formats);
	tcase_add_test(files, ap_big_matrix_is_cut_to_a_page);
	tcase_add_test(files, ap_control_domains);
	tcase_add_test(files, ap_config_read);
	tcase_add_test(files, ap_config_write);
	tcase_add_test(files, ap_config_all_or_nothing);
	tcase_add_test(rules, ap_apqns_are_exclusive);
	tcase_add_test(rules, ap_reserved_for_the_host);
	tcase_add_test(rules, ap_guest_matrix_filters);
	tcase_add_test(rules, ap_guest_matrix_default_is_matrix);
	tcase_add_test(rules, ap_no_queues_bound);
	tcase_add_test(rules, ap_writes_announce_changed_files);
	tcase_add_test(rules, ap_unload_with_mdevs);
	tcase_add_loop_test(args, ap_bad_arguments, 0, G_N_ELEMENTS(bad_args));
	suite_add_tcase(s, tree);
	suite_add_tcase(s, files);
	suite_add_tcase(s, rules);
	tcase_add_test(eras, ap_release_6_1);
	tcase_add_test(eras, ap_bus_cards_and_queues);
	tcase_add_test(eras, ap_release_5_15);
	tcase_add_test(eras, ap_not_before_4_20);
	suite_add_tcase(s, args);
	suite_add_tcase(s, eras);
	return bt_run(s);
}
