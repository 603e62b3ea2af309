// SPDX-License-Identifier: MIT
/*
 * The config-space builder on its own: the defaults a bare description
 * gets from its class, the descriptions it refuses, and that what it
 * builds is a well-formed list whatever the layout.
 */
#include <errno.h>
#include <string.h>

#include "pci_config.h"
#include "testutil.h"

#define PREF64 (MDEVFS_PCI_BAR_64BIT | MDEVFS_PCI_BAR_PREFETCH)

static struct mdevfs_pci_desc display(bool pcie)
{
	return (struct mdevfs_pci_desc){
		.bdf = "0000:3b:00.0", .vendor = 0x1234, .device = 0x5678,
		.class_code = 0x030000, .pcie = pcie,
	};
}

static int resolve(const struct mdevfs_pci_desc *in,
		   struct mdevfs_pci_desc *out)
{
	return pci_desc_resolve(in, NULL, out);
}

START_TEST(display_defaults)
{
	struct mdevfs_pci_desc in = display(true), d;
	uint8_t cfg[PCI_CFG_EXP_SIZE], wmask[PCI_CFG_EXP_SIZE];
	unsigned int exp;

	ck_assert_int_eq(resolve(&in, &d), 0);
	/* VGA: registers, two 64-bit prefetchable BARs, I/O. */
	ck_assert_uint_eq(d.bars[0].size, 16 << 20);
	ck_assert_uint_eq(d.bars[1].flags, PREF64);
	ck_assert_uint_eq(d.bars[5].flags, MDEVFS_PCI_BAR_IO);
	ck_assert_uint_eq(d.pcie_type, MDEVFS_PCIE_LEGACY_ENDPOINT);
	ck_assert_uint_eq(d.link_max_speed, MDEVFS_PCIE_8GT);
	ck_assert_uint_eq(d.link_width, 16);
	ck_assert_uint_eq(d.msi_vectors, 1);
	ck_assert_uint_eq(d.interrupt_pin, 1);
	ck_assert_uint_eq(pci_config_build(&d, cfg, wmask), PCI_CFG_EXP_SIZE);
	ck_assert_uint_eq(pci_config_find_cap(cfg, PCI_CFG_EXP_SIZE,
					      PCI_CAP_PM), 0x40);
	ck_assert_uint_ne(pci_config_find_cap(cfg, PCI_CFG_EXP_SIZE,
					      PCI_CAP_MSI), 0);
	exp = pci_config_find_cap(cfg, PCI_CFG_EXP_SIZE, PCI_CAP_EXP);
	ck_assert_uint_ne(exp, 0);
	ck_assert_uint_eq(pci_get16(cfg, exp + PCI_EXP_LNKSTA), 3 | 16 << 4 |
						    1 << 12);
	ck_assert_uint_eq(pci_get32(cfg, 0x100), 0);   /* no extended caps */

	/* Conventional PCI: 256 bytes, no PCIe capability. */
	in = display(false);
	ck_assert_int_eq(resolve(&in, &d), 0);
	ck_assert_uint_eq(pci_config_build(&d, cfg, wmask), PCI_CFG_SIZE);
	ck_assert_uint_eq(pci_config_find_cap(cfg, PCI_CFG_SIZE, PCI_CAP_EXP),
			  0);
}
END_TEST

START_TEST(refused)
{
	struct mdevfs_pci_desc in, d;

#define REFUSE(...)                                                        \
	do {                                                               \
		in = display(true);                                        \
		__VA_ARGS__;                                               \
		ck_assert_int_eq(resolve(&in, &d), -EINVAL);               \
	} while (0)

	REFUSE(in.bdf = "3b:00.0");
	REFUSE(in.bdf = "0000:3b:20.0");
	REFUSE(in.bars[0].size = 3000);                        /* not 2^n */
	REFUSE(in.bars[5] = (struct mdevfs_pci_bar){ 4096, 0, PREF64 });
	REFUSE(in.bars[0] = (struct mdevfs_pci_bar){ 4096, 0, PREF64 };
	       in.bars[1].size = 4096);                     /* slot taken */
	REFUSE(in.bars[0] = (struct mdevfs_pci_bar){
		       1024, 0, MDEVFS_PCI_BAR_IO });       /* I/O > 256 */
	REFUSE(in.bars[0] = (struct mdevfs_pci_bar){ 4096, 0x1800, 0 });
	REFUSE(in.link_max_speed = 6);
	REFUSE(in.link_max_width = 3);
	REFUSE(in.link_max_speed = MDEVFS_PCIE_5GT;
	       in.link_speed = MDEVFS_PCIE_8GT);
	REFUSE(in.msi_vectors = 3);
	REFUSE(in.msix_vectors = 8; in.msix_bar = 2);         /* no BAR2 */
	REFUSE(in.msix_vectors = 8; in.msix_table_offset = (16 << 20) - 8);
	REFUSE(in.cap_pm = 0x40);               /* the others not placed */
	REFUSE(in.cap_pm = 0x40; in.cap_msi = 0x44; in.cap_pcie = 0x60);
	REFUSE(in.cap_pm = 0x3c; in.cap_msi = 0x50; in.cap_pcie = 0x60);
	REFUSE(in.pcie = false; in.sriov_total_vfs = 4);
	REFUSE(in.sriov_total_vfs = 4; in.sriov_num_vfs = 5);
	REFUSE(in.sriov_num_vfs = 1);
	REFUSE(in.pcie_type = MDEVFS_PCIE_RC_INTEGRATED;
	       in.link_max_width = 4);
}
END_TEST

/* An SR-IOV PF: VF BARs after the PF's, a VF's slice of them. */
START_TEST(sriov_layout)
{
	struct mdevfs_pci_desc in = display(true), pf, vf_in = { 0 }, vf;
	struct pci_resource res[PCI_NUM_RESOURCES];
	struct device *fake_pf = (struct device *)&pf;  /* only tested != NULL */

	in.class_code = 0x030200;
	in.sriov_total_vfs = 8;
	in.sriov_num_vfs = 8;
	in.sriov_bars[0] = (struct mdevfs_pci_bar){ .size = 1 << 20 };
	in.sriov_bars[2] = (struct mdevfs_pci_bar){ .size = 1 << 30,
						     .flags = PREF64 };
	ck_assert_int_eq(resolve(&in, &pf), 0);
	ck_assert_uint_eq(pf.sriov_offset, 1);
	ck_assert_uint_eq(pf.sriov_vf_device, 0x5678);
	pci_resources(&pf, res);
	ck_assert_uint_eq(res[PCI_IOV_RESOURCE + 2].end -
				  res[PCI_IOV_RESOURCE + 2].start + 1,
			  8ULL << 30);
	/* No overlap with the PF's own 64-bit BARs. */
	ck_assert_uint_gt(res[PCI_IOV_RESOURCE + 2].start, res[3].end);

	vf_in.bdf = "0000:3b:00.3";
	vf_in.class_code = 0x030200;
	vf_in.physfn = fake_pf;
	vf_in.vf_index = 2;
	ck_assert_int_eq(pci_desc_resolve(&vf_in, &pf, &vf), 0);
	ck_assert_uint_eq(vf.device, 0x5678);
	ck_assert_uint_eq(vf.bars[2].addr, pf.sriov_bars[2].addr + (2ULL << 30));
	ck_assert_uint_eq(vf.cap_pm, 0);
	ck_assert_uint_eq(vf.msi_vectors, 0);
	ck_assert_uint_eq(vf.interrupt_pin, 0);
	vf_in.vf_index = 8;
	ck_assert_int_eq(pci_desc_resolve(&vf_in, &pf, &vf), -EINVAL);
}
END_TEST

/* The chain follows addresses, not the order of the members. */
START_TEST(explicit_offsets_chain)
{
	struct mdevfs_pci_desc in = display(true), d;
	uint8_t cfg[PCI_CFG_EXP_SIZE], wmask[PCI_CFG_EXP_SIZE];

	in.cap_pm = 0xd0;
	in.cap_msi = 0xac;
	in.cap_pcie = 0x70;
	in.cap_vendor = 0x40;
	ck_assert_int_eq(resolve(&in, &d), 0);
	pci_config_build(&d, cfg, wmask);
	ck_assert_uint_eq(cfg[0x34], 0x40);
	ck_assert_uint_eq(cfg[0x41], 0x70);
	ck_assert_uint_eq(cfg[0x71], 0xac);
	ck_assert_uint_eq(cfg[0xad], 0xd0);
	ck_assert_uint_eq(cfg[0xd1], 0x00);
	ck_assert_uint_eq(cfg[0x42], 12);   /* the vendor cap's length */
	/* A loop is caught by the walk. */
	cfg[0xd1] = 0x40;
	ck_assert_uint_eq(pci_config_find_cap(cfg, PCI_CFG_EXP_SIZE, 0x33), 0);
}
END_TEST

/* Writes change only writable bits; a BAR sizes itself. */
START_TEST(write_mask)
{
	struct mdevfs_pci_desc in = display(false), d;
	uint8_t cfg[PCI_CFG_EXP_SIZE], wmask[PCI_CFG_EXP_SIZE];
	const uint8_t ones[4] = { 0xff, 0xff, 0xff, 0xff };

	ck_assert_int_eq(resolve(&in, &d), 0);
	pci_config_build(&d, cfg, wmask);
	pci_config_write(cfg, wmask, PCI_CFG_SIZE, ones, 0, 4);
	ck_assert_uint_eq(pci_get16(cfg, 0), 0x1234);
	pci_config_write(cfg, wmask, PCI_CFG_SIZE, ones, 0x10, 4);
	ck_assert_uint_eq(pci_get32(cfg, 0x10), 0xff000000);
	pci_config_write(cfg, wmask, PCI_CFG_SIZE, ones, 254, 4);   /* cut */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pci_config");
	TCase *tc = unit_tcase(s, "build");

	tcase_add_test(tc, display_defaults);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, sriov_layout);
	tcase_add_test(tc, explicit_offsets_chain);
	tcase_add_test(tc, write_mask);
	return run_suite(s);
}
