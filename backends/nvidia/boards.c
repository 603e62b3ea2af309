// SPDX-License-Identifier: MIT
/*
 * The board tables.  Type ids, profiles and maxima are those of
 * spec/vendors.md §1.3 (a vgpuConfig.xml dump of driver 510.47.03 with
 * spot checks); rows marked "derived" fill a gap in the spec by its own
 * rule max = floor(FB per GPU / profile FB) under the board's cap.
 *
 * The PCI ids are not in the spec: they are the public pci.ids entries
 * for these boards as remembered, so treat them as illustrative.  The
 * default BDFs come from the spec where it shows one (T4 3b:00.0, M10
 * 84..87:00.0, A40 PF 41:00.0); the P40's 82:00.0 is one of the example
 * addresses the spec lists for pre-Ampere parents.
 */
#include <stddef.h>
#include <string.h>

#include "boards.h"

#define P(_id, _gb, _s, _max) \
	{ .id = (_id), .size_gb = (_gb), .series = NV_##_s, .max = (_max) }
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Tesla T4: 1 GPU, 16 GB. */
static const struct nv_profile t4_profiles[] = {
	P(222, 1, B, 16), P(223, 2, B, 8), P(224, 2, B4, 8),
	P(225, 1, A, 16), P(226, 2, A, 8), P(227, 4, A, 4),
	P(228, 8, A, 2), P(229, 16, A, 1),
	P(230, 1, Q, 16), P(231, 2, Q, 8), P(232, 4, Q, 4),
	P(233, 8, Q, 2), P(234, 16, Q, 1),
	P(252, 1, B4, 16),
	P(319, 4, C, 4), P(320, 8, C, 2), P(321, 16, C, 1),
};

/* Tesla P40: 1 GPU, 24 GB. */
static const struct nv_profile p40_profiles[] = {
	P(46, 1, Q, 24), P(47, 2, Q, 12), P(48, 3, Q, 8), P(49, 4, Q, 6),
	P(50, 6, Q, 4), P(51, 8, Q, 3), P(52, 12, Q, 2), P(53, 24, Q, 1),
	/* 54-61: the A series in the Q order; maxima derived. */
	P(54, 1, A, 24), P(55, 2, A, 12), P(56, 3, A, 8), P(57, 4, A, 6),
	P(58, 6, A, 4), P(59, 8, A, 3), P(60, 12, A, 2), P(61, 24, A, 1),
	P(62, 1, B, 24), P(156, 2, B, 12), P(215, 2, B4, 12),
	P(241, 1, B4, 24),
	P(283, 4, C, 6), P(284, 6, C, 4), P(285, 8, C, 3), P(286, 12, C, 2),
	P(287, 24, C, 1),
};

/* Tesla M10: 4 GPUs x 8 GB, each GPU its own parent. */
static const struct nv_profile m10_profiles[] = {
	P(35, 0, B, 16), P(36, 0, Q, 16), P(37, 1, A, 8), P(38, 1, B, 8),
	P(39, 1, Q, 8), P(40, 2, A, 4), P(41, 2, Q, 4), P(42, 4, A, 2),
	P(43, 4, Q, 2), P(44, 8, A, 1), P(45, 8, Q, 1), P(155, 2, B, 4),
	P(208, 2, B4, 4), P(240, 1, B4, 8),
};

/*
 * A40: 48 GB, SR-IOV.  1Q is capped at 32 (not 48).  The spec gives the
 * Q profiles and maxima; the B maxima follow the Q caps, the A series
 * (567-576) follows the Q profile order, and 581-587 are taken as
 * 4C..48C (all derived).
 */
static const struct nv_profile a40_profiles[] = {
	P(555, 1, B, 32), P(556, 2, B, 24),
	P(557, 1, Q, 32), P(558, 2, Q, 24), P(559, 3, Q, 16),
	P(560, 4, Q, 12), P(561, 6, Q, 8), P(562, 8, Q, 6),
	P(563, 12, Q, 4), P(564, 16, Q, 3), P(565, 24, Q, 2),
	P(566, 48, Q, 1),
	P(567, 1, A, 32), P(568, 2, A, 24), P(569, 3, A, 16),
	P(570, 4, A, 12), P(571, 6, A, 8), P(572, 8, A, 6),
	P(573, 12, A, 4), P(574, 16, A, 3), P(575, 24, A, 2),
	P(576, 48, A, 1),
	P(581, 4, C, 12), P(582, 6, C, 8), P(583, 8, C, 6),
	P(584, 12, C, 4), P(585, 16, C, 3), P(586, 24, C, 2),
	P(587, 48, C, 1),
};

/*
 * PCI layouts, as lspci shows these boards on hosts people published:
 * BAR0 the 16 MiB register space, BAR1 the framebuffer aperture, BAR3
 * 32 MiB more (64-bit prefetchable); capabilities PM at 0x60, MSI at
 * 0x68, PCI Express at 0x78, NVIDIA's vendor capability at 0xb4 and,
 * from Turing on, MSI-X at 0xc8.  BAR1 sizes, MSI-X placement and the
 * A40's VF BARs are from memory or invented; treat them as examples.
 */
#define MIB (1ULL << 20)
#define GIB (1ULL << 30)
#define REGS { .size = 16 * MIB }
#define PREF64(_size) \
	{ .size = (_size), \
	  .flags = MDEVFS_PCI_BAR_64BIT | MDEVFS_PCI_BAR_PREFETCH }
#define NV_CAPS \
	.cap_pm = 0x60, .cap_msi = 0x68, .cap_pcie = 0x78, \
	.cap_vendor = 0xb4, .cap_vendor_len = 0x14

static const char *const t4_bdfs[] = { "0000:3b:00.0" };
static const char *const p40_bdfs[] = { "0000:82:00.0" };
static const char *const m10_bdfs[] = {
	"0000:84:00.0", "0000:85:00.0", "0000:86:00.0", "0000:87:00.0",
};
static const char *const a40_bdfs[] = { "0000:41:00.0" };

static const struct nv_board boards[] = {
	{
		.key = "t4", .prefix = "GRID", .model = "T4",
		.device = 0x1eb8, .subvendor = NV_VENDOR, .subdevice = 0x12a2,
		.class_code = 0x030200, .revision = 0xa1,
		/* The spec's derived T4 descriptions use the 510-era value. */
		.c_resolution = "4096x2160",
		.nr_gpus = N_OF(t4_bdfs), .bdfs = t4_bdfs,
		.layout = {
			.bars = { REGS, PREF64(256 * MIB), { 0 },
				  PREF64(32 * MIB) },
			.pcie = true, .aer = true,
			.link_max_speed = MDEVFS_PCIE_8GT, .link_max_width = 16,
			.msix_vectors = 6, .msix_table_offset = 0xb90000,
			.msix_pba_offset = 0xba0000,
			NV_CAPS, .cap_msix = 0xc8,
		},
		.profiles = t4_profiles, .nr_profiles = N_OF(t4_profiles),
	},
	{
		.key = "p40", .prefix = "GRID", .model = "P40",
		.device = 0x1b38, .subvendor = NV_VENDOR, .subdevice = 0x11d9,
		.class_code = 0x030200, .revision = 0xa1,
		/* Observed for GRID P40-4C with a 2024 driver [MDEVCTL#115]. */
		.c_resolution = "4096x2400",
		.nr_gpus = N_OF(p40_bdfs), .bdfs = p40_bdfs,
		.layout = {
			.bars = { REGS, PREF64(32 * GIB), { 0 },
				  PREF64(32 * MIB) },
			.pcie = true, .aer = true,
			.link_max_speed = MDEVFS_PCIE_8GT, .link_max_width = 16,
			NV_CAPS,
		},
		.profiles = p40_profiles, .nr_profiles = N_OF(p40_profiles),
	},
	{
		/* A VGA controller, unlike the 3D-controller Teslas. */
		.key = "m10", .prefix = "GRID", .model = "M10",
		.device = 0x13bd, .subvendor = NV_VENDOR, .subdevice = 0x1160,
		.class_code = 0x030000, .revision = 0xa2,
		.c_resolution = NULL,	/* no C profiles */
		.nr_gpus = N_OF(m10_bdfs), .bdfs = m10_bdfs,
		/* Behind the board's own PCIe switch; the I/O BAR makes
		 * each GPU a legacy endpoint. */
		.layout = {
			.bars = { REGS, PREF64(256 * MIB), { 0 },
				  PREF64(32 * MIB), { 0 },
				  { .size = 128, .flags = MDEVFS_PCI_BAR_IO } },
			.pcie = true, .aer = true,
			.link_max_speed = MDEVFS_PCIE_8GT, .link_max_width = 16,
			NV_CAPS,
		},
		.profiles = m10_profiles, .nr_profiles = N_OF(m10_profiles),
	},
	{
		.key = "a40", .prefix = "NVIDIA", .model = "A40",
		.device = 0x2235, .subvendor = NV_VENDOR, .subdevice = 0x145a,
		.class_code = 0x030200, .revision = 0xa1,
		/* "NVIDIA" names come with the newer drivers. */
		.c_resolution = "4096x2400",
		.nr_gpus = N_OF(a40_bdfs), .bdfs = a40_bdfs,
		/* sriov_totalvfs of an A40 (not in the spec; it matches
		 * the 1Q cap of 32, one vGPU per VF). */
		.nr_vfs = 32,
		.layout = {
			.bars = { REGS, PREF64(64 * GIB), { 0 },
				  PREF64(32 * MIB) },
			.pcie = true, .aer = true,
			.link_max_speed = MDEVFS_PCIE_16GT, .link_max_width = 16,
			.msix_vectors = 6, .msix_table_offset = 0xb90000,
			.msix_pba_offset = 0xba0000,
			NV_CAPS, .cap_msix = 0xc8,
			.sriov_bars = { { .size = 4 * MIB }, PREF64(1 * GIB),
					{ 0 }, PREF64(32 * MIB) },
		},
		.vf_msix_vectors = 6, .vf_msix_offset = 0x100000,
		.profiles = a40_profiles, .nr_profiles = N_OF(a40_profiles),
	},
};

const struct nv_board *nv_board_find(const char *key)
{
	for (size_t i = 0; i < N_OF(boards); i++)
		if (strcmp(boards[i].key, key) == 0)
			return &boards[i];
	return NULL;
}

const struct nv_board *nv_board_default(void)
{
	return &boards[0];
}
