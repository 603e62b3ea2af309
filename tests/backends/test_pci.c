// SPDX-License-Identifier: MIT
/*
 * PCI parents as lspci and libvirt read them (issue #16): every board of
 * the nvidia and gvtg backends has a config space whose header and
 * capability list are well formed, which the real lspci decodes (it must
 * be installed: .ci/install-deps brings pciutils), whose BARs the
 * `resource` file agrees with; and the PCI core's files read and refuse
 * writes as the kernel's do.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrs.h"
#include "backend_test.h"
#include "pci_config.h"

#define PCI "devices/pci0000:00/"
#define T4 "0000:3b:00.0"
#define P40 "0000:82:00.0"
#define M10 "0000:84:00.0"
#define A40_PF "0000:41:00.0"
#define A40_VF0 "0000:41:00.4"
#define IGD "0000:00:02.0"

/* ------------------------------------------------------------------ */
/* Reading config                                                      */

static struct device *pci_device(struct bt *bt, const char *bdf)
{
	g_autofree char *path = g_strdup_printf(PCI "%s", bdf);
	struct device *dev = peek_device_at(bt->host, path);

	ck_assert_msg(dev, "no device %s", path);
	return dev;
}

/* The device's `config` binary attribute, from its groups. */
static const struct bin_attribute *config_attr(struct device *dev)
{
	for (const struct attribute_group *const *g = dev->groups; *g; g++)
		for (const struct bin_attribute *const *b = (*g)->bin_attrs;
		     b && *b; b++)
			if (strcmp((*b)->attr.name, "config") == 0)
				return *b;
	ck_abort_msg("%s has no config", dev->name);
	return NULL;
}

/* All of config as a privileged reader sees it; returns its size. */
static size_t read_config(struct device *dev, uint8_t *cfg)
{
	struct mdevfs_file root = { .admin = true };
	const struct bin_attribute *attr = config_attr(dev);
	ssize_t n;

	memset(cfg, 0, PCI_CFG_EXP_SIZE);
	n = sysfs_bin_attr_read(ATTR_OF_DEVICE, dev, attr, &root, (char *)cfg,
				0, PCI_CFG_EXP_SIZE + 100);
	ck_assert_int_eq(n, (ssize_t)attr->size);
	return (size_t)n;
}

/* ------------------------------------------------------------------ */
/* Capability lists                                                    */

struct caps {
	uint8_t ids[48];
	size_t n;
	uint16_t ext_ids[64];
	size_t ext_n;
};

/* Walk the list from 0x34: in range, aligned, no loop, ends with 0. */
static void walk_caps(const uint8_t *cfg, struct caps *c)
{
	bool seen[256] = { false };
	unsigned int at = cfg[0x34];

	ck_assert_msg(pci_get16(cfg, 0x06) & 0x10, "status lacks Cap+");
	c->n = 0;
	while (at) {
		ck_assert_msg(at >= 0x40 && at <= 0xfc && at % 4 == 0,
			      "capability pointer %#x", at);
		ck_assert_msg(!seen[at], "capability loop at %#x", at);
		ck_assert_uint_lt(c->n, G_N_ELEMENTS(c->ids));
		seen[at] = true;
		c->ids[c->n++] = cfg[at];
		at = cfg[at + 1];
	}
}

/* The extended list from 0x100 of a 4096-byte config. */
static void walk_ext_caps(const uint8_t *cfg, struct caps *c)
{
	bool seen[PCI_CFG_EXP_SIZE / 4] = { false };
	unsigned int at = 0x100;

	c->ext_n = 0;
	while (at) {
		uint32_t hdr = pci_get32(cfg, at);

		ck_assert_msg(at >= 0x100 && at <= 0xffc && at % 4 == 0,
			      "extended capability at %#x", at);
		ck_assert_msg(!seen[at / 4], "extended loop at %#x", at);
		seen[at / 4] = true;
		if (!hdr)
			break;
		ck_assert_uint_lt(c->ext_n, G_N_ELEMENTS(c->ext_ids));
		c->ext_ids[c->ext_n++] = hdr & 0xffff;
		at = hdr >> 20;
	}
}

static bool has_cap(const struct caps *c, uint8_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->ids[i] == id)
			return true;
	return false;
}

static bool has_ext_cap(const struct caps *c, uint16_t id)
{
	for (size_t i = 0; i < c->ext_n; i++)
		if (c->ext_ids[i] == id)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* lspci                                                               */

/* config in the `lspci -xxxx` form that `lspci -F` reads. */
static char *write_dump(const char *bdf, const uint8_t *cfg, size_t size)
{
	GString *text = g_string_new(NULL);
	g_autoptr(GError) err = NULL;
	char *path = NULL;
	int fd = g_file_open_tmp("mdevfs-lspci-XXXXXX", &path, &err);

	ck_assert_msg(fd >= 0, "tmp file: %s", err ? err->message : "?");
	close(fd);
	g_string_append_printf(text, "%s Device\n", bdf);
	for (size_t off = 0; off < size; off += 16) {
		g_string_append_printf(text, "%02zx:", off);
		for (size_t i = 0; i < 16; i++)
			g_string_append_printf(text, " %02x", cfg[off + i]);
		g_string_append_c(text, '\n');
	}
	ck_assert(g_file_set_contents(path, text->str, (gssize)text->len,
				      NULL));
	g_string_free(text, TRUE);
	return path;
}

/* `lspci -F DUMP -nnvvv` of the device's config; its stdout. */
static char *lspci(struct device *dev)
{
	uint8_t cfg[PCI_CFG_EXP_SIZE];
	size_t size = read_config(dev, cfg);
	g_autofree char *dump = write_dump(dev->name, cfg, size);
	char *argv[] = { "lspci", "-F", dump, "-nnvvv", NULL };
	g_autoptr(GError) err = NULL;
	char *out = NULL, *errs = NULL;
	int status = -1;

	/* No skip: CI installs pciutils, and these checks need it. */
	ck_assert_msg(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
				   NULL, &out, &errs, &status, &err),
		      "cannot run lspci: %s", err ? err->message : "?");
	ck_assert_msg(g_spawn_check_wait_status(status, NULL),
		      "lspci failed: %s", errs);
	g_free(errs);
	unlink(dump);
	return out;
}

#define ck_assert_has(haystack, needle)                                    \
	ck_assert_msg(strstr((haystack), (needle)),                        \
		      "no \"%s\" in:\n%s", (needle), (haystack))

/* ------------------------------------------------------------------ */
/* resource against the BARs                                           */

struct res_line {
	unsigned long long start, end, flags;
};

static void read_resources(struct bt *bt, const char *bdf,
			   struct res_line res[PCI_NUM_RESOURCES])
{
	g_autofree char *path = g_strdup_printf(PCI "%s/resource", bdf);
	g_autofree char *text = bt_read(bt, path, NULL);
	g_auto(GStrv) lines = NULL;

	ck_assert(text);
	lines = g_strsplit(text, "\n", -1);
	ck_assert_uint_eq(g_strv_length(lines), PCI_NUM_RESOURCES + 1);
	for (int i = 0; i < PCI_NUM_RESOURCES; i++) {
		ck_assert_uint_eq(strlen(lines[i]), 3 * 18 + 2);
		ck_assert_int_eq(sscanf(lines[i], "0x%16llx 0x%16llx 0x%16llx",
					&res[i].start, &res[i].end,
					&res[i].flags), 3);
	}
}

/* A BAR's size the way software finds it: all ones, read back. */
static unsigned long long bar_size(struct device *dev, unsigned int reg)
{
	struct mdevfs_file root = { .admin = true };
	const struct bin_attribute *attr = config_attr(dev);
	uint8_t old[8], ones[8], back[8];
	bool is64, io;
	unsigned long long mask;

	sysfs_bin_attr_read(ATTR_OF_DEVICE, dev, attr, &root, (char *)old, reg,
			    8);
	io = old[0] & 1;
	is64 = !io && (old[0] & 6) == 4;
	memset(ones, 0xff, sizeof(ones));
	sysfs_bin_attr_write(ATTR_OF_DEVICE, dev, attr, &root,
			     (const char *)ones, reg, is64 ? 8 : 4);
	sysfs_bin_attr_read(ATTR_OF_DEVICE, dev, attr, &root, (char *)back,
			    reg, 8);
	sysfs_bin_attr_write(ATTR_OF_DEVICE, dev, attr, &root,
			     (const char *)old, reg, is64 ? 8 : 4);
	mask = pci_get32(back, 0) & (io ? ~3u : ~15u);
	if (is64)
		mask |= (unsigned long long)pci_get32(back, 4) << 32;
	else
		mask |= 0xffffffff00000000ULL;
	return ~mask + 1;
}

/* Every BAR register and resource line 0-5 tell the same. */
static void expect_resources_match(struct bt *bt, const char *bdf)
{
	struct device *dev = pci_device(bt, bdf);
	struct res_line res[PCI_NUM_RESOURCES];
	uint8_t cfg[PCI_CFG_EXP_SIZE];

	read_config(dev, cfg);
	read_resources(bt, bdf, res);
	for (unsigned int i = 0; i < 6; i++) {
		unsigned int reg = 0x10 + 4 * i;
		uint32_t lo = pci_get32(cfg, reg);
		bool io = lo & 1, is64 = !io && (lo & 6) == 4;
		unsigned long long addr = lo & (io ? ~3u : ~15u);

		if (is64)
			addr |= (unsigned long long)pci_get32(cfg, reg + 4) << 32;
		if (!lo) {
			ck_assert_msg(!res[i].flags, "%s BAR%u empty", bdf, i);
			continue;
		}
		ck_assert_uint_eq(res[i].start, addr);
		ck_assert_uint_eq(res[i].end - res[i].start + 1,
				  bar_size(dev, reg));
		ck_assert_uint_eq(res[i].flags & 0xf, lo & 0xf);
		ck_assert_uint_eq(!!(res[i].flags & 0x100), io);
		ck_assert_uint_eq(!!(res[i].flags & 0x200), !io);
		ck_assert_uint_eq(!!(res[i].flags & 0x100000), is64);
		ck_assert_uint_eq(!!(res[i].flags & 0x2000), !!(lo & 8));
		if (is64) {
			i++;
			ck_assert_uint_eq(res[i].flags, 0);
		}
	}
	ck_assert_uint_eq(res[6].flags, 0);   /* no expansion ROM */
}

/* ------------------------------------------------------------------ */
/* Per board                                                           */

/* Header fields every board shares, and a well-formed list. */
static void expect_header(struct device *dev, uint16_t vendor,
			  uint16_t device, uint32_t class_code, size_t size,
			  struct caps *caps)
{
	uint8_t cfg[PCI_CFG_EXP_SIZE];

	ck_assert_uint_eq(read_config(dev, cfg), size);
	ck_assert_uint_eq(pci_get16(cfg, 0x00), vendor);
	ck_assert_uint_eq(pci_get16(cfg, 0x02), device);
	ck_assert_uint_eq(pci_get32(cfg, 0x08) >> 8, class_code);
	ck_assert_uint_eq(cfg[0x0e] & 0x7f, 0);   /* header type 0 */
	walk_caps(cfg, caps);
	if (size == PCI_CFG_EXP_SIZE)
		walk_ext_caps(cfg, caps);
	ck_assert(has_cap(caps, PCI_CAP_EXP) == (size == PCI_CFG_EXP_SIZE));
}

START_TEST(t4_config)
{
	struct bt bt;
	struct caps caps;
	g_autofree char *out = NULL;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=t4");
	expect_header(pci_device(&bt, T4), 0x10de, 0x1eb8, 0x030200,
		      PCI_CFG_EXP_SIZE, &caps);
	ck_assert(has_cap(&caps, PCI_CAP_PM) && has_cap(&caps, PCI_CAP_MSI) &&
		  has_cap(&caps, PCI_CAP_MSIX));
	ck_assert(has_ext_cap(&caps, PCI_EXT_CAP_AER));
	ck_assert(!has_ext_cap(&caps, PCI_EXT_CAP_SRIOV));
	out = lspci(pci_device(&bt, T4));
	fprintf(stderr, "---- lspci -vvv, T4 ----\n%s", out);
	ck_assert_has(out, "3b:00.0 3D controller [0302]: NVIDIA Corporation");
	ck_assert_has(out, "[10de:1eb8] (rev a1)");
	ck_assert_has(out, "Subsystem: NVIDIA Corporation");
	ck_assert_has(out, "[10de:12a2]");
	ck_assert_has(out, "Capabilities: [60] Power Management version 3");
	ck_assert_has(out, "Capabilities: [68] MSI: Enable+ Count=1/1");
	ck_assert_has(out, "Capabilities: [78] Express (v2) Endpoint");
	ck_assert_has(out, "LnkCap:\tPort #0, Speed 8GT/s, Width x16");
	ck_assert_has(out, "LnkSta:\tSpeed 8GT/s");
	ck_assert_has(out, "Width x16");
	ck_assert_has(out, "Capabilities: [c8] MSI-X: Enable- Count=6");
	ck_assert_has(out, "Advanced Error Reporting");
	ck_assert_has(out, "Region 1: Memory at");
	ck_assert_has(out, "(64-bit, prefetchable)");
	expect_resources_match(&bt, T4);
	bt_stop(&bt);
}
END_TEST

START_TEST(p40_m10_config)
{
	struct bt bt;
	struct caps caps;
	g_autofree char *p40 = NULL, *m10 = NULL;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=p40");
	expect_header(pci_device(&bt, P40), 0x10de, 0x1b38, 0x030200,
		      PCI_CFG_EXP_SIZE, &caps);
	ck_assert(!has_cap(&caps, PCI_CAP_MSIX));
	p40 = lspci(pci_device(&bt, P40));
	ck_assert_has(p40, "[10de:1b38]");
	ck_assert_has(p40, "Express (v2) Endpoint");
	ck_assert_has(p40, "LnkSta:\tSpeed 8GT/s");
	expect_resources_match(&bt, P40);
	bt_stop(&bt);

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=m10");
	for (int bus = 0x84; bus <= 0x87; bus++) {
		char bdf[16];

		snprintf(bdf, sizeof(bdf), "0000:%02x:00.0", bus);
		expect_header(pci_device(&bt, bdf), 0x10de, 0x13bd, 0x030000,
			      PCI_CFG_EXP_SIZE, &caps);
		expect_resources_match(&bt, bdf);
	}
	m10 = lspci(pci_device(&bt, M10));
	ck_assert_has(m10, "VGA compatible controller [0300]");
	ck_assert_has(m10, "[10de:13bd]");
	ck_assert_has(m10, "Express (v2) Legacy Endpoint");
	ck_assert_has(m10, "Region 5: I/O ports at");
	bt_stop(&bt);
}
END_TEST

START_TEST(a40_sriov_config)
{
	struct bt bt;
	struct caps caps;
	struct res_line pf[PCI_NUM_RESOURCES], vf[PCI_NUM_RESOURCES];
	g_autofree char *out = NULL, *vf_out = NULL;
	uint8_t cfg[PCI_CFG_EXP_SIZE];

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=a40");
	expect_header(pci_device(&bt, A40_PF), 0x10de, 0x2235, 0x030200,
		      PCI_CFG_EXP_SIZE, &caps);
	ck_assert(has_ext_cap(&caps, PCI_EXT_CAP_SRIOV));
	ck_assert(has_ext_cap(&caps, PCI_EXT_CAP_ARI));
	out = lspci(pci_device(&bt, A40_PF));
	fprintf(stderr, "---- lspci -vvv, A40 PF ----\n%s", out);
	ck_assert_has(out, "[10de:2235]");
	ck_assert_has(out, "LnkCap:\tPort #0, Speed 16GT/s, Width x16");
	ck_assert_has(out, "LnkSta:\tSpeed 16GT/s");
	ck_assert_has(out, "Single Root I/O Virtualization (SR-IOV)");
	ck_assert_has(out, "Initial VFs: 32, Total VFs: 32, Number of VFs: 32");
	ck_assert_has(out, "VF offset: 4, stride: 1, Device ID: 2235");
	ck_assert_has(out, "Alternative Routing-ID Interpretation (ARI)");
	expect_resources_match(&bt, A40_PF);

	/* A VF: all-ones IDs in config, IDs from the PF in sysfs, its BARs
	 * a slice of the PF's VF BARs. */
	read_config(pci_device(&bt, A40_VF0), cfg);
	ck_assert_uint_eq(pci_get32(cfg, 0), 0xffffffff);
	ck_assert_uint_eq(pci_get32(cfg, 0x10), 0);
	walk_caps(cfg, &caps);
	ck_assert(has_cap(&caps, PCI_CAP_EXP) && has_cap(&caps, PCI_CAP_MSIX));
	ck_assert(!has_cap(&caps, PCI_CAP_MSI));
	bt_expect(&bt, PCI A40_VF0 "/vendor", "0x10de\n");
	bt_expect(&bt, PCI A40_VF0 "/device", "0x2235\n");
	bt_expect(&bt, PCI A40_VF0 "/irq", "0\n");
	read_resources(&bt, A40_PF, pf);
	read_resources(&bt, A40_VF0, vf);
	for (int i = 0; i < 6; i++) {
		ck_assert_uint_eq(vf[i].start, pf[PCI_IOV_RESOURCE + i].start);
		ck_assert_uint_eq(vf[i].flags, pf[PCI_IOV_RESOURCE + i].flags);
		if (vf[i].flags)
			ck_assert_uint_eq((vf[i].end - vf[i].start + 1) * 32,
					  pf[PCI_IOV_RESOURCE + i].end -
						  pf[PCI_IOV_RESOURCE + i].start + 1);
	}
	ck_assert_uint_eq(pf[PCI_IOV_RESOURCE + 1].end -
				  pf[PCI_IOV_RESOURCE + 1].start + 1,
			  32ULL << 30);
	vf_out = lspci(pci_device(&bt, A40_VF0));
	ck_assert_has(vf_out, "Express (v2) Endpoint");
	ck_assert_has(vf_out, "MSI-X: Enable- Count=6");
	bt_stop(&bt);
}
END_TEST

START_TEST(igd_config)
{
	struct bt bt;
	struct caps caps;
	g_autofree char *out = NULL;

	bt_start(&bt, NULL);
	bt_load(&bt, "gvtg:aperture=512");
	expect_header(pci_device(&bt, IGD), 0x8086, 0x3e92, 0x030000,
		      PCI_CFG_EXP_SIZE, &caps);
	ck_assert_uint_eq(caps.n, 4);
	ck_assert_uint_eq(caps.ids[0], PCI_CAP_VENDOR);
	ck_assert_uint_eq(caps.ids[3], PCI_CAP_PM);
	ck_assert_uint_eq(caps.ext_n, 0);
	out = lspci(pci_device(&bt, IGD));
	ck_assert_has(out, "00:02.0 VGA compatible controller [0300]: Intel");
	ck_assert_has(out, "[8086:3e92]");
	ck_assert_has(out, "Capabilities: [70] Express (v2) Root Complex Integrated Endpoint");
	ck_assert_has(out, "Capabilities: [ac] MSI: Enable+ Count=1/1 Maskable- 64bit-");
	ck_assert_has(out, "Capabilities: [d0] Power Management");
	ck_assert_msg(!strstr(out, "LnkCap"), "an integrated endpoint has no link");
	expect_resources_match(&bt, IGD);
	/* The kernel makes the link files and they read as no link. */
	bt_expect(&bt, PCI IGD "/current_link_speed", "Unknown\n");
	bt_expect(&bt, PCI IGD "/max_link_width", "0\n");
	bt_expect(&bt, PCI IGD "/boot_vga", "1\n");
	bt_expect(&bt, PCI IGD "/dma_mask_bits", "39\n");
	bt_expect(&bt, PCI IGD "/local_cpulist", "0-63\n");
	bt_stop(&bt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The config file's readers                                           */

START_TEST(config_unprivileged_64_bytes)
{
	struct bt bt;
	struct device *dev;
	const struct bin_attribute *attr;
	struct mdevfs_file user = { .admin = false };
	uint8_t all[PCI_CFG_EXP_SIZE], part[PCI_CFG_EXP_SIZE];

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=t4");
	dev = pci_device(&bt, T4);
	attr = config_attr(dev);
	ck_assert_uint_eq(attr->attr.mode, 0644);
	read_config(dev, all);
	ck_assert_int_eq(sysfs_bin_attr_read(ATTR_OF_DEVICE, dev, attr, &user,
					     (char *)part, 0, sizeof(part)),
			 64);
	ck_assert_mem_eq(part, all, 64);
	ck_assert_int_eq(sysfs_bin_attr_read(ATTR_OF_DEVICE, dev, attr, NULL,
					     (char *)part, 60, 16),
			 4);
	ck_assert_int_eq(sysfs_bin_attr_read(ATTR_OF_DEVICE, dev, attr, &user,
					     (char *)part, 64, 16),
			 0);
	/* A write past the end is too big; read-only bits stay. */
	ck_assert_int_eq(sysfs_bin_attr_write(ATTR_OF_DEVICE, dev, attr, NULL,
					      "\0", PCI_CFG_EXP_SIZE, 1),
			 -EFBIG);
	ck_assert_int_eq(sysfs_bin_attr_write(ATTR_OF_DEVICE, dev, attr, NULL,
					      "\0\0\0\0", 0, 4),
			 4);
	read_config(dev, part);
	ck_assert_mem_eq(part, all, sizeof(all));
	bt_stop(&bt);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The text files                                                      */

START_TEST(pci_files)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=t4");
	bt_expect(&bt, PCI T4 "/current_link_speed", "8.0 GT/s PCIe\n");
	bt_expect(&bt, PCI T4 "/current_link_width", "16\n");
	bt_expect(&bt, PCI T4 "/max_link_speed", "8.0 GT/s PCIe\n");
	bt_expect(&bt, PCI T4 "/max_link_width", "16\n");
	bt_expect(&bt, PCI T4 "/enable", "1\n");
	bt_expect(&bt, PCI T4 "/msi_bus", "1\n");
	bt_expect(&bt, PCI T4 "/d3cold_allowed", "1\n");
	bt_expect(&bt, PCI T4 "/broken_parity_status", "0\n");
	bt_expect(&bt, PCI T4 "/ari_enabled", "0\n");
	bt_expect(&bt, PCI T4 "/driver_override", "(null)\n");
	bt_expect(&bt, PCI T4 "/dma_mask_bits", "64\n");
	bt_expect(&bt, PCI T4 "/consistent_dma_mask_bits", "64\n");
	bt_expect(&bt, PCI T4 "/local_cpulist", "0-15,32-47\n");
	bt_expect(&bt, PCI T4 "/local_cpus", "0000ffff,0000ffff\n");
	ck_assert(!bt_exists(&bt, PCI T4 "/boot_vga"));   /* 3D class */
	ck_assert(!bt_exists(&bt, PCI T4 "/sriov_numvfs"));
	ck_assert_uint_eq(bt_mode(&bt, PCI T4 "/resource"), S_IFREG | 0444);
	ck_assert_uint_eq(bt_mode(&bt, PCI T4 "/enable"), S_IFREG | 0644);
	ck_assert_uint_eq(bt_mode(&bt, PCI T4 "/numa_node"), S_IFREG | 0644);
	ck_assert_uint_eq(bt_mode(&bt, PCI T4 "/remove"), S_IFREG | 0220);
	ck_assert_uint_eq(bt_mode(&bt, PCI T4 "/rescan"), S_IFREG | 0200);
	ck_assert_uint_eq(bt_mode(&bt, PCI T4 "/reset"), S_IFREG | 0200);

	/* Writes, and the kernel's errnos for bad ones. */
	bt_expect_write(&bt, PCI T4 "/enable", "x", EINVAL);
	bt_expect_write(&bt, PCI T4 "/enable", "99999999999999999999999", ERANGE);
	bt_expect_write(&bt, PCI T4 "/enable", "0", 0);
	bt_expect(&bt, PCI T4 "/enable", "0\n");
	bt_expect_write(&bt, PCI T4 "/enable", "0", EIO);
	bt_expect_write(&bt, PCI T4 "/enable", "1", 0);
	bt_expect_write(&bt, PCI T4 "/msi_bus", "0", 0);
	bt_expect(&bt, PCI T4 "/msi_bus", "0\n");
	bt_expect_write(&bt, PCI T4 "/msi_bus", "no", EINVAL);
	bt_expect_write(&bt, PCI T4 "/d3cold_allowed", "5", 0);
	bt_expect(&bt, PCI T4 "/d3cold_allowed", "1\n");
	bt_expect_write(&bt, PCI T4 "/broken_parity_status", "-", EINVAL);
	bt_expect_write(&bt, PCI T4 "/driver_override", "vfio-pci\n", 0);
	bt_expect(&bt, PCI T4 "/driver_override", "vfio-pci\n");
	bt_expect_write(&bt, PCI T4 "/driver_override", "\n", 0);
	bt_expect(&bt, PCI T4 "/driver_override", "(null)\n");
	bt_expect_write(&bt, PCI T4 "/reset", "1", 0);
	bt_expect_write(&bt, PCI T4 "/reset", "2", EINVAL);
	bt_expect_write(&bt, PCI T4 "/reset", "one", EINVAL);
	bt_expect_write(&bt, PCI T4 "/rescan", "1", 0);
	bt_expect_write(&bt, PCI T4 "/rescan", "y", EINVAL);
	bt_expect_write(&bt, PCI T4 "/remove", "0", 0);
	bt_expect_write(&bt, PCI T4 "/remove", "1", EBUSY);
	bt_expect_write(&bt, PCI T4 "/numa_node", "1", 0);
	bt_expect(&bt, PCI T4 "/local_cpulist", "16-31,48-63\n");
	bt_expect_write(&bt, PCI T4 "/numa_node", "2", EINVAL);
	bt_expect_write(&bt, PCI T4 "/numa_node", "-2", EINVAL);
	bt_expect_write(&bt, PCI T4 "/numa_node", "z", EINVAL);
	bt_stop(&bt);
}
END_TEST

START_TEST(sriov_files)
{
	struct bt bt;

	bt_start(&bt, NULL);
	bt_load(&bt, "nvidia:board=a40,vfs=4");
	bt_expect(&bt, PCI A40_PF "/sriov_totalvfs", "32\n");
	bt_expect(&bt, PCI A40_PF "/sriov_numvfs", "4\n");
	bt_expect(&bt, PCI A40_PF "/sriov_offset", "4\n");
	bt_expect(&bt, PCI A40_PF "/sriov_stride", "1\n");
	bt_expect(&bt, PCI A40_PF "/sriov_vf_device", "2235\n");
	bt_expect(&bt, PCI A40_PF "/sriov_drivers_autoprobe", "1\n");
	bt_expect(&bt, PCI A40_PF "/ari_enabled", "1\n");
	bt_expect(&bt, PCI A40_PF "/current_link_speed", "16.0 GT/s PCIe\n");
	ck_assert_uint_eq(bt_mode(&bt, PCI A40_PF "/sriov_numvfs"),
			  S_IFREG | 0664);
	bt_expect_write(&bt, PCI A40_PF "/sriov_numvfs", "4", 0);
	bt_expect_write(&bt, PCI A40_PF "/sriov_numvfs", "33", ERANGE);
	bt_expect_write(&bt, PCI A40_PF "/sriov_numvfs", "70000", ERANGE);
	bt_expect_write(&bt, PCI A40_PF "/sriov_numvfs", "8", EBUSY);
	bt_expect_write(&bt, PCI A40_PF "/sriov_numvfs", "four", EINVAL);
	/* The backend keeps its VFs: its sriov_configure refuses. */
	bt_expect_write(&bt, PCI A40_PF "/sriov_numvfs", "0", EBUSY);
	bt_expect(&bt, PCI A40_PF "/sriov_numvfs", "4\n");
	bt_expect_write(&bt, PCI A40_PF "/sriov_drivers_autoprobe", "off", 0);
	bt_expect(&bt, PCI A40_PF "/sriov_drivers_autoprobe", "0\n");
	bt_expect_write(&bt, PCI A40_PF "/sriov_drivers_autoprobe", "x", EINVAL);
	/* A VF: no hot-plug files, no SR-IOV files. */
	ck_assert(!bt_exists(&bt, PCI A40_VF0 "/remove"));
	ck_assert(!bt_exists(&bt, PCI A40_VF0 "/sriov_totalvfs"));
	ck_assert(bt_exists(&bt, PCI A40_VF0 "/reset"));
	bt_stop(&bt);
}
END_TEST

/* A function made without a backend's callback: sriov_numvfs stores,
 * with the kernel's rules, and the SR-IOV capability follows it. */
START_TEST(sriov_numvfs_without_driver_callback)
{
	struct bt bt;
	struct mdevfs_pci_desc pci = {
		.bdf = "0000:5e:00.0", .vendor = 0x15b3, .device = 0x101d,
		.class_code = 0x020000, .numa_node = -1, .pcie = true,
		.sriov_total_vfs = 8, .sriov_vf_device = 0x101e,
		.sriov_bars = { { .size = 1 << 20,
				  .flags = MDEVFS_PCI_BAR_64BIT |
					   MDEVFS_PCI_BAR_PREFETCH } },
	};
	struct device *dev;
	struct caps caps;
	uint8_t cfg[PCI_CFG_EXP_SIZE];
	unsigned int at = 0;

	bt_start(&bt, NULL);
	dev = mdevfs_pci_device_create(bt.host, &pci);
	ck_assert(dev);
	expect_header(dev, 0x15b3, 0x101d, 0x020000, PCI_CFG_EXP_SIZE, &caps);
	bt_expect(&bt, PCI "0000:5e:00.0/sriov_numvfs", "0\n");
	bt_expect(&bt, PCI "0000:5e:00.0/sriov_vf_device", "101e\n");
	/* Not a display controller: a 5 GT/s x1 link by default. */
	bt_expect(&bt, PCI "0000:5e:00.0/max_link_speed", "5.0 GT/s PCIe\n");
	bt_expect(&bt, PCI "0000:5e:00.0/max_link_width", "1\n");
	bt_expect_write(&bt, PCI "0000:5e:00.0/sriov_numvfs", "4", 0);
	bt_expect(&bt, PCI "0000:5e:00.0/sriov_numvfs", "4\n");
	bt_expect_write(&bt, PCI "0000:5e:00.0/sriov_numvfs", "2", EBUSY);
	read_config(dev, cfg);
	for (unsigned int off = 0x100; off; off = pci_get32(cfg, off) >> 20)
		if ((pci_get32(cfg, off) & 0xffff) == PCI_EXT_CAP_SRIOV)
			at = off;
	ck_assert_uint_ne(at, 0);
	ck_assert_uint_eq(pci_get16(cfg, at + 0x10), 4);
	ck_assert_uint_eq(cfg[at + 8] & 1, 1);   /* VF Enable */
	bt_expect_write(&bt, PCI "0000:5e:00.0/sriov_numvfs", "0", 0);
	read_config(dev, cfg);
	ck_assert_uint_eq(pci_get16(cfg, at + 0x10), 0);
	ck_assert_uint_eq(cfg[at + 8] & 1, 0);
	bt_expect_write(&bt, PCI "0000:5e:00.0/sriov_numvfs", "2", 0);
	mdevfs_device_destroy(dev);
	bt_stop(&bt);
}
END_TEST

/* Conventional PCI: 256 bytes of config and no link files. */
START_TEST(conventional_function)
{
	struct bt bt;
	struct mdevfs_pci_desc pci = {
		.bdf = "0000:02:01.0", .vendor = 0x1af4, .device = 0x1050,
		.class_code = 0x030000, .numa_node = -1,
	};
	struct device *dev;
	struct caps caps;

	bt_start(&bt, NULL);
	dev = mdevfs_pci_device_create(bt.host, &pci);
	ck_assert(dev);
	expect_header(dev, 0x1af4, 0x1050, 0x030000, PCI_CFG_SIZE, &caps);
	ck_assert(has_cap(&caps, PCI_CAP_PM) && has_cap(&caps, PCI_CAP_MSI));
	ck_assert(!bt_exists(&bt, PCI "0000:02:01.0/current_link_speed"));
	bt_expect(&bt, PCI "0000:02:01.0/boot_vga", "0\n");
	expect_resources_match(&bt, "0000:02:01.0");
	/* A description that does not add up is refused. */
	pci.bdf = "0000:02:02.0";
	pci.bars[0] = (struct mdevfs_pci_bar){ .size = 1000 };
	errno = 0;
	ck_assert(!mdevfs_pci_device_create(bt.host, &pci));
	ck_assert_int_eq(errno, EINVAL);
	mdevfs_device_destroy(dev);
	bt_stop(&bt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-pci");
	TCase *tc = tcase_create("pci");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t4_config);
	tcase_add_test(tc, p40_m10_config);
	tcase_add_test(tc, a40_sriov_config);
	tcase_add_test(tc, igd_config);
	tcase_add_test(tc, config_unprivileged_64_bytes);
	tcase_add_test(tc, pci_files);
	tcase_add_test(tc, sriov_files);
	tcase_add_test(tc, sriov_numvfs_without_driver_callback);
	tcase_add_test(tc, conventional_function);
	suite_add_tcase(s, tc);
	return bt_run(s);
}
