// SPDX-License-Identifier: MIT
/*
 * Config space builder.  The register layouts are those of the PCI Local
 * Bus, PCI Power Management, PCI Express Base and SR-IOV specifications;
 * the values a field gets when the description says nothing are those a
 * typical board shows with its driver bound (memory decoding and bus
 * mastering on, MSI enabled, D0).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "pci_config.h"

/* Header registers. */
#define HDR_VENDOR     0x00
#define HDR_DEVICE     0x02
#define HDR_COMMAND    0x04
#define HDR_STATUS     0x06
#define HDR_REVISION   0x08
#define HDR_CLASS      0x09
#define HDR_CACHE_LINE 0x0c
#define HDR_LATENCY    0x0d
#define HDR_TYPE       0x0e
#define HDR_BAR0       0x10
#define HDR_SUBVENDOR  0x2c
#define HDR_SUBSYSTEM  0x2e
#define HDR_CAP_PTR    0x34
#define HDR_IRQ_LINE   0x3c
#define HDR_IRQ_PIN    0x3d
#define HDR_END        0x40   /* capabilities start here at the earliest */

#define CMD_IO        0x0001
#define CMD_MEMORY    0x0002
#define CMD_MASTER    0x0004
#define CMD_INTX_OFF  0x0400
#define STATUS_CAPS   0x0010

/* Capability sizes, as laid out here. */
#define PM_SIZE      8
#define MSI32_SIZE   10
#define MSI64_SIZE   14
#define EXP_SIZE     0x3c     /* version 2 */
#define MSIX_SIZE    12
#define AER_SIZE     0x48
#define ARI_SIZE     8
#define SRIOV_SIZE   0x40
#define EXT_START    0x100

/* PCIe device/port types (the capability register's field). */
#define EXP_TYPE_ENDPOINT 0x0
#define EXP_TYPE_LEGACY   0x1
#define EXP_TYPE_RCIEP    0x9

/* struct resource flags (the kernel's IORESOURCE_*). */
#define RES_IO        0x00000100ULL
#define RES_MEM       0x00000200ULL
#define RES_PREFETCH  0x00002000ULL
#define RES_SIZEALIGN 0x00040000ULL
#define RES_MEM_64    0x00100000ULL

/* ------------------------------------------------------------------ */
/* Addresses                                                           */

static bool hex_digits(const char *s, size_t n, unsigned int *out)
{
	unsigned int v = 0;

	for (size_t i = 0; i < n; i++) {
		int d = g_ascii_xdigit_value(s[i]);

		if (d < 0)
			return false;
		v = v << 4 | (unsigned int)d;
	}
	*out = v;
	return true;
}

bool pci_addr_parse(const char *bdf, struct pci_addr *out)
{
	unsigned int slot, fn;

	if (!bdf || strlen(bdf) != 12 || bdf[4] != ':' || bdf[7] != ':' ||
	    bdf[10] != '.')
		return false;
	if (!hex_digits(bdf, 4, &out->domain) ||
	    !hex_digits(bdf + 5, 2, &out->bus) ||
	    !hex_digits(bdf + 8, 2, &slot) || !hex_digits(bdf + 11, 1, &fn) ||
	    slot > 31 || fn > 7)
		return false;
	out->devfn = slot << 3 | fn;
	return true;
}

/* ------------------------------------------------------------------ */
/* Defaults and checks                                                 */

static bool is_display(const struct mdevfs_pci_desc *d)
{
	return d->class_code >> 16 == 0x03;
}

static bool is_vga(const struct mdevfs_pci_desc *d)
{
	return d->class_code >> 8 == 0x0300;
}

static bool bars_empty(const struct mdevfs_pci_bar *bars)
{
	for (int i = 0; i < 6; i++)
		if (bars[i].size)
			return false;
	return true;
}

/* A display controller's usual BARs, or one small register BAR. */
static void default_bars(struct mdevfs_pci_desc *d)
{
	const unsigned int pref64 = MDEVFS_PCI_BAR_64BIT |
				    MDEVFS_PCI_BAR_PREFETCH;

	if (!is_display(d)) {
		d->bars[0].size = 4096;
		return;
	}
	d->bars[0].size = 16ULL << 20;
	d->bars[1] = (struct mdevfs_pci_bar){ .size = 256ULL << 20,
					      .flags = pref64 };
	d->bars[3] = (struct mdevfs_pci_bar){ .size = 32ULL << 20,
					      .flags = pref64 };
	if (is_vga(d))
		d->bars[5] = (struct mdevfs_pci_bar){
			.size = 128, .flags = MDEVFS_PCI_BAR_IO };
}

static bool pow2(unsigned long long v)
{
	return v && !(v & (v - 1));
}

/* One BAR array: sizes, flags and the slot a 64-bit BAR borrows. */
static bool bars_valid(const struct mdevfs_pci_bar *bars)
{
	for (int i = 0; i < 6; i++) {
		const struct mdevfs_pci_bar *b = &bars[i];
		bool io = b->flags & MDEVFS_PCI_BAR_IO;

		if (!b->size) {
			if (b->flags || b->addr)
				return false;
			continue;
		}
		if (!pow2(b->size) || b->addr % b->size)
			return false;
		if (b->flags & ~(MDEVFS_PCI_BAR_IO | MDEVFS_PCI_BAR_64BIT |
				 MDEVFS_PCI_BAR_PREFETCH))
			return false;
		if (io && (b->flags != MDEVFS_PCI_BAR_IO || b->size < 4 ||
			   b->size > 256 || b->addr > 0xffff))
			return false;
		if (!io && b->size < 16)
			return false;
		if (b->flags & MDEVFS_PCI_BAR_64BIT) {
			if (i == 5 || bars[i + 1].size || bars[i + 1].flags)
				return false;
			i++;
		} else if (!io && (b->size > 1ULL << 31 ||
				   b->addr + b->size > 1ULL << 32)) {
			return false;
		}
	}
	return true;
}

/*
 * Invented but stable addresses: a window per bus for each kind of
 * space, each BAR aligned to its size, in BAR order.  Functions on one
 * bus that both need the core's placement would overlap, which no tool
 * checks; a backend that cares gives addresses.
 */
struct bar_windows {
	unsigned long long io, mem32, mem64;
};

/* len bytes at the next address aligned to align (a power of two). */
static unsigned long long place(unsigned long long *next,
				unsigned long long len, unsigned long long align)
{
	unsigned long long at = (*next + align - 1) & ~(align - 1);

	*next = at + len;
	return at;
}

/* Bridges forward non-prefetchable memory below 4 GiB only, so a 64-bit
 * BAR goes above only when it is prefetchable. */
static unsigned long long *mem_window(struct bar_windows *w,
				      const struct mdevfs_pci_bar *b)
{
	const unsigned int high = MDEVFS_PCI_BAR_64BIT |
				  MDEVFS_PCI_BAR_PREFETCH;

	return (b->flags & high) == high ? &w->mem64 : &w->mem32;
}

static void place_bars(struct mdevfs_pci_bar *bars, struct bar_windows *w)
{
	for (int i = 0; i < 6; i++) {
		struct mdevfs_pci_bar *b = &bars[i];

		if (!b->size || b->addr)
			continue;
		if (b->flags & MDEVFS_PCI_BAR_IO)
			b->addr = place(&w->io, b->size, b->size);
		else
			b->addr = place(mem_window(w, b), b->size, b->size);
	}
}

static struct bar_windows windows_of(const struct pci_addr *a)
{
	return (struct bar_windows){
		.io = 0x1000 + (a->bus % 14) * 0x1000ULL,
		.mem32 = 0x80000000ULL + (a->bus % 32) * 0x3000000ULL,
		.mem64 = 0x200000000000ULL + ((unsigned long long)a->bus << 38),
	};
}

static bool has_io_bar(const struct mdevfs_pci_desc *d)
{
	for (int i = 0; i < 6; i++)
		if (d->bars[i].size && d->bars[i].flags & MDEVFS_PCI_BAR_IO)
			return true;
	return false;
}

static bool link_valid(unsigned int speed, unsigned int width)
{
	static const unsigned char widths[] = { 1, 2, 4, 8, 12, 16, 32 };

	if (speed < MDEVFS_PCIE_2_5GT || speed > MDEVFS_PCIE_32GT)
		return false;
	for (size_t i = 0; i < sizeof(widths); i++)
		if (width == widths[i])
			return true;
	return false;
}

/* PCIe type and link, with the class's defaults. */
static int resolve_pcie(struct mdevfs_pci_desc *d)
{
	if (!d->pcie) {
		d->pcie_type = 0;
		d->link_max_speed = d->link_max_width = 0;
		d->link_speed = d->link_width = 0;
		return d->aer || d->sriov_total_vfs ? -EINVAL : 0;
	}
	if (!d->pcie_type)
		d->pcie_type = has_io_bar(d) ? MDEVFS_PCIE_LEGACY_ENDPOINT
					     : MDEVFS_PCIE_ENDPOINT;
	if (d->pcie_type > MDEVFS_PCIE_RC_INTEGRATED)
		return -EINVAL;
	if (d->pcie_type == MDEVFS_PCIE_RC_INTEGRATED) {
		/* No link registers: the link files read Unknown and 0. */
		if (d->link_max_speed || d->link_max_width || d->link_speed ||
		    d->link_width)
			return -EINVAL;
		return 0;
	}
	if (!d->link_max_speed)
		d->link_max_speed = is_display(d) ? MDEVFS_PCIE_8GT
						  : MDEVFS_PCIE_5GT;
	if (!d->link_max_width)
		d->link_max_width = is_display(d) ? 16 : 1;
	if (!d->link_speed)
		d->link_speed = d->link_max_speed;
	if (!d->link_width)
		d->link_width = d->link_max_width;
	if (!link_valid(d->link_max_speed, d->link_max_width) ||
	    !link_valid(d->link_speed, d->link_width) ||
	    d->link_speed > d->link_max_speed ||
	    d->link_width > d->link_max_width)
		return -EINVAL;
	return 0;
}

static int resolve_msix(struct mdevfs_pci_desc *d)
{
	const struct mdevfs_pci_bar *bar;
	unsigned long long table_end;

	if (!d->msix_vectors)
		return d->msix_bar || d->msix_table_offset ||
		       d->msix_pba_offset ? -EINVAL : 0;
	if (d->msix_vectors > 2048 || d->msix_bar > 5)
		return -EINVAL;
	bar = &d->bars[d->msix_bar];
	if (!bar->size || bar->flags & MDEVFS_PCI_BAR_IO)
		return -EINVAL;
	table_end = d->msix_table_offset + 16ULL * d->msix_vectors;
	if (!d->msix_pba_offset)
		d->msix_pba_offset = (unsigned int)((table_end + 7) & ~7ULL);
	if (d->msix_table_offset % 8 || d->msix_pba_offset % 8 ||
	    table_end > bar->size ||
	    d->msix_pba_offset + 8ULL * ((d->msix_vectors + 63) / 64) >
		    bar->size)
		return -EINVAL;
	return 0;
}

static int resolve_sriov(struct mdevfs_pci_desc *d, struct bar_windows *w)
{
	if (!d->sriov_total_vfs) {
		if (d->sriov_num_vfs || d->sriov_offset || d->sriov_stride ||
		    d->sriov_vf_device || !bars_empty(d->sriov_bars) ||
		    d->sriov_configure)
			return -EINVAL;
		return 0;
	}
	if (d->sriov_num_vfs > d->sriov_total_vfs || !bars_valid(d->sriov_bars))
		return -EINVAL;
	if (!d->sriov_offset)
		d->sriov_offset = 1;
	if (!d->sriov_stride)
		d->sriov_stride = 1;
	if (!d->sriov_vf_device)
		d->sriov_vf_device = d->device;
	/* Every VF's copy of a BAR, one after another, after the PF's. */
	for (int i = 0; i < 6; i++) {
		struct mdevfs_pci_bar *b = &d->sriov_bars[i];
		unsigned long long all = b->size * d->sriov_total_vfs;

		if (!b->size)
			continue;
		if (b->flags & MDEVFS_PCI_BAR_IO)
			return -EINVAL;   /* VFs have no I/O space */
		if (b->addr)
			continue;
		b->addr = place(mem_window(w, b), all, b->size);
	}
	return 0;
}

/* A VF: what the PF says of it (the SR-IOV capability's fields). */
static int resolve_vf(struct mdevfs_pci_desc *d,
		      const struct mdevfs_pci_desc *pf)
{
	if (!pf || d->vf_index >= pf->sriov_total_vfs ||
	    !bars_empty(d->bars) || d->sriov_total_vfs)
		return -EINVAL;
	d->vendor = pf->vendor;
	d->device = pf->sriov_vf_device;
	if (!d->subsystem_vendor && !d->subsystem_device) {
		d->subsystem_vendor = pf->subsystem_vendor;
		d->subsystem_device = pf->subsystem_device;
	}
	for (int i = 0; i < 6; i++) {
		const struct mdevfs_pci_bar *b = &pf->sriov_bars[i];

		if (b->size)
			d->bars[i] = (struct mdevfs_pci_bar){
				.size = b->size,
				.addr = b->addr + b->size * d->vf_index,
				.flags = b->flags,
			};
	}
	d->pcie = pf->pcie;
	d->pcie_type = MDEVFS_PCIE_ENDPOINT;
	d->link_max_speed = pf->link_max_speed;
	d->link_max_width = pf->link_max_width;
	d->link_speed = pf->link_speed;
	d->link_width = pf->link_width;
	/* VFs have no INTx and no legacy irq. */
	d->interrupt_pin = 0;
	d->irq = 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Capability layout                                                   */

struct cap_slot {
	unsigned char *at;   /* the description's offset field */
	unsigned int size;
};

static unsigned int msi_size(const struct mdevfs_pci_desc *d)
{
	return d->msi_32bit ? MSI32_SIZE : MSI64_SIZE;
}

/* The capabilities present, in the automatic layout's order. */
static size_t cap_slots(struct mdevfs_pci_desc *d, bool vf,
			struct cap_slot slots[5])
{
	size_t n = 0;

	if (!vf)
		slots[n++] = (struct cap_slot){ &d->cap_pm, PM_SIZE };
	if (d->msi_vectors)
		slots[n++] = (struct cap_slot){ &d->cap_msi, msi_size(d) };
	if (d->pcie)
		slots[n++] = (struct cap_slot){ &d->cap_pcie, EXP_SIZE };
	if (d->msix_vectors)
		slots[n++] = (struct cap_slot){ &d->cap_msix, MSIX_SIZE };
	if (d->cap_vendor) {
		if (!d->cap_vendor_len)
			d->cap_vendor_len = 12;
		slots[n++] = (struct cap_slot){ &d->cap_vendor,
						d->cap_vendor_len };
	}
	return n;
}

static bool overlaps(unsigned int a, unsigned int alen, unsigned int b,
		     unsigned int blen)
{
	return a < b + blen && b < a + alen;
}

static int layout_caps(struct mdevfs_pci_desc *d, bool vf)
{
	struct cap_slot slots[5];
	size_t n;
	bool explicit_at = false;
	unsigned int next = HDR_END;

	if (d->cap_vendor_len && (!d->cap_vendor || d->cap_vendor_len < 3))
		return -EINVAL;
	if (vf)
		d->cap_pm = 0;   /* a VF's PM is optional; these have none */
	n = cap_slots(d, vf, slots);
	for (size_t i = 0; i < n; i++)
		explicit_at |= *slots[i].at != 0;
	for (size_t i = 0; i < n; i++) {
		if (!explicit_at) {
			*slots[i].at = (unsigned char)next;
			next = (next + slots[i].size + 3) & ~3u;
		}
		if (*slots[i].at < HDR_END || *slots[i].at % 4 ||
		    *slots[i].at + slots[i].size > PCI_CFG_SIZE)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (overlaps(*slots[i].at, slots[i].size, *slots[j].at,
				     slots[j].size))
				return -EINVAL;
	}
	/* Offsets of capabilities not present must stay 0. */
	if (!d->msi_vectors && d->cap_msi)
		return -EINVAL;
	if (!d->pcie && d->cap_pcie)
		return -EINVAL;
	if (!d->msix_vectors && d->cap_msix)
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Resolution                                                          */

static int resolve_irq(struct mdevfs_pci_desc *d, const struct pci_addr *a,
		       bool vf)
{
	if (vf)
		return 0;
	if (!d->interrupt_pin)
		d->interrupt_pin = 1;
	if (d->interrupt_pin > 4)
		return -EINVAL;
	/* An IO-APIC pin from the usual swizzle of slot and pin. */
	if (!d->irq)
		d->irq = 16 + ((a->devfn >> 3) + d->interrupt_pin - 1 +
			       a->bus) % 8;
	return 0;
}

static int resolve_msi(struct mdevfs_pci_desc *d, bool vf)
{
	if (vf) {
		if (d->msi_vectors)
			return -EINVAL;
		return 0;
	}
	if (!d->msi_vectors)
		d->msi_vectors = 1;
	return pow2(d->msi_vectors) && d->msi_vectors <= 32 ? 0 : -EINVAL;
}

int pci_desc_resolve(const struct mdevfs_pci_desc *in,
		     const struct mdevfs_pci_desc *pf,
		     struct mdevfs_pci_desc *out)
{
	bool vf = in->physfn != NULL;
	struct pci_addr a;
	struct bar_windows w;
	int ret;

	if (!pci_addr_parse(in->bdf, &a) || (!vf && in->vf_index))
		return -EINVAL;
	*out = *in;
	if (vf) {
		ret = resolve_vf(out, pf);
		if (ret)
			return ret;
	} else if (bars_empty(out->bars)) {
		default_bars(out);
	}
	if (!bars_valid(out->bars))
		return -EINVAL;
	w = windows_of(&a);
	place_bars(out->bars, &w);
	if (!out->dma_mask_bits)
		out->dma_mask_bits = 64;
	if (out->dma_mask_bits > 64)
		return -EINVAL;
	ret = resolve_pcie(out);
	if (!ret)
		ret = resolve_msi(out, vf);
	if (!ret)
		ret = resolve_msix(out);
	if (!ret)
		ret = resolve_irq(out, &a, vf);
	if (!ret)
		ret = resolve_sriov(out, &w);
	if (!ret)
		ret = layout_caps(out, vf);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Building                                                            */

static void put8(uint8_t *cfg, size_t off, unsigned int v)
{
	cfg[off] = (uint8_t)v;
}

static void put16(uint8_t *cfg, size_t off, unsigned int v)
{
	cfg[off] = (uint8_t)v;
	cfg[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *cfg, size_t off, uint32_t v)
{
	put16(cfg, off, v & 0xffff);
	put16(cfg, off + 2, v >> 16);
}

/* A BAR register pair (the second only for 64-bit), and its mask: the
 * address bits above the size are writable, which is how software
 * sizes a BAR (write all ones, read back). */
static void put_bar(uint8_t *cfg, uint8_t *wmask, size_t off,
		    const struct mdevfs_pci_bar *b)
{
	uint64_t mask = ~(b->size - 1);

	if (!b->size)
		return;
	put32(cfg, off, (uint32_t)b->addr | b->flags);
	put32(wmask, off, (uint32_t)mask & (b->flags & MDEVFS_PCI_BAR_IO ?
					    ~3u : ~15u));
	if (b->flags & MDEVFS_PCI_BAR_64BIT) {
		put32(cfg, off + 4, (uint32_t)(b->addr >> 32));
		put32(wmask, off + 4, (uint32_t)(mask >> 32));
	}
}

static unsigned int command_of(const struct mdevfs_pci_desc *d, bool vf)
{
	unsigned int cmd = CMD_MASTER;

	/* A VF's memory decoding is the PF's SR-IOV VF MSE bit. */
	for (int i = 0; i < 6 && !vf; i++) {
		if (!d->bars[i].size)
			continue;
		cmd |= d->bars[i].flags & MDEVFS_PCI_BAR_IO ? CMD_IO
							    : CMD_MEMORY;
	}
	if (d->msi_vectors)
		cmd |= CMD_INTX_OFF;   /* the driver uses MSI */
	return cmd;
}

static void build_header(const struct mdevfs_pci_desc *d, uint8_t *cfg,
			 uint8_t *wmask)
{
	bool vf = d->physfn != NULL;

	/* A VF's ID registers read all ones; the PF's SR-IOV capability
	 * tells the IDs (and sysfs shows those). */
	put16(cfg, HDR_VENDOR, vf ? 0xffff : d->vendor);
	put16(cfg, HDR_DEVICE, vf ? 0xffff : d->device);
	put16(cfg, HDR_COMMAND, command_of(d, vf));
	put16(wmask, HDR_COMMAND, 0x0547);
	put16(cfg, HDR_STATUS, STATUS_CAPS);
	put8(cfg, HDR_REVISION, d->revision);
	put8(cfg, HDR_CLASS, d->class_code & 0xff);
	put16(cfg, HDR_CLASS + 1, (d->class_code >> 8) & 0xffff);
	put8(cfg, HDR_CACHE_LINE, 0x10);   /* 64 bytes, as Linux sets it */
	put8(wmask, HDR_CACHE_LINE, 0xff);
	put8(cfg, HDR_TYPE, 0x00);
	for (int i = 0; i < 6 && !vf; i++) {
		put_bar(cfg, wmask, HDR_BAR0 + 4 * (size_t)i, &d->bars[i]);
		if (d->bars[i].flags & MDEVFS_PCI_BAR_64BIT)
			i++;
	}
	put16(cfg, HDR_SUBVENDOR, d->subsystem_vendor);
	put16(cfg, HDR_SUBSYSTEM, d->subsystem_device);
	put8(cfg, HDR_IRQ_LINE, d->interrupt_pin ? d->irq & 0xff : 0);
	put8(wmask, HDR_IRQ_LINE, 0xff);
	put8(cfg, HDR_IRQ_PIN, d->interrupt_pin);
}

static void build_pm(uint8_t *cfg, uint8_t *wmask, unsigned int at)
{
	put16(cfg, at + 2, 0x0003);       /* version 3, no D1/D2, no PME */
	put16(cfg, at + 4, 0x0008);       /* D0, No_Soft_Reset */
	put16(wmask, at + 4, 0x0103);     /* PowerState, PME_En */
}

static void build_msi(const struct mdevfs_pci_desc *d, uint8_t *cfg,
		      uint8_t *wmask, unsigned int at)
{
	unsigned int mmc = (unsigned int)__builtin_ctz(d->msi_vectors);
	unsigned int ctl = mmc << 1 | 0x0001;   /* enabled, one vector */
	unsigned int data_at = d->msi_32bit ? at + 8 : at + 12;

	if (!d->msi_32bit)
		ctl |= 0x0080;
	put16(cfg, at + 2, ctl);
	put16(wmask, at + 2, 0x0071);
	put32(cfg, at + 4, 0xfee00000u | (d->irq & 0xff) << 12);
	put32(wmask, at + 4, 0xfffffffc);
	if (!d->msi_32bit)
		put32(wmask, at + 8, 0xffffffff);
	put16(cfg, data_at, 0x0020 + (d->irq & 0xff));
	put16(wmask, data_at, 0xffff);
}

static void build_msix(const struct mdevfs_pci_desc *d, uint8_t *cfg,
		       uint8_t *wmask, unsigned int at)
{
	put16(cfg, at + 2, d->msix_vectors - 1u);   /* not enabled */
	put16(wmask, at + 2, 0xc000);
	put32(cfg, at + 4, d->msix_table_offset | d->msix_bar);
	put32(cfg, at + 8, d->msix_pba_offset | d->msix_bar);
}

static unsigned int exp_type(const struct mdevfs_pci_desc *d)
{
	switch (d->pcie_type) {
	case MDEVFS_PCIE_LEGACY_ENDPOINT:
		return EXP_TYPE_LEGACY;
	case MDEVFS_PCIE_RC_INTEGRATED:
		return EXP_TYPE_RCIEP;
	default:
		return EXP_TYPE_ENDPOINT;
	}
}

/* Link Capabilities, Control, Status and their second versions. */
static void build_link(const struct mdevfs_pci_desc *d, uint8_t *cfg,
		       uint8_t *wmask, unsigned int at)
{
	/* ASPM L0s and L1, exits <2us and <4us, clock PM. */
	uint32_t lnkcap = d->link_max_speed | d->link_max_width << 4 |
			  3u << 10 | 5u << 12 | 2u << 15 | 1u << 18;

	put32(cfg, at + 0x0c, lnkcap);
	put16(cfg, at + 0x10, 0x0040);                 /* common clock */
	put16(wmask, at + 0x10, 0x0fc3);
	put16(cfg, at + 0x12, d->link_speed | d->link_width << 4 |
				      1u << 12);        /* slot clock */
	/* Supported speeds: every one up to the most. */
	put32(cfg, at + 0x2c, ((1u << d->link_max_speed) - 1) << 1);
	put16(cfg, at + 0x30, d->link_max_speed);     /* target speed */
	put16(wmask, at + 0x30, 0x000f);
	/* 8 GT/s and up: equalization complete, phases 1-3 passed. */
	if (d->link_speed >= MDEVFS_PCIE_8GT)
		put16(cfg, at + 0x32, 0x001e);
}

static void build_pcie(const struct mdevfs_pci_desc *d, uint8_t *cfg,
		       uint8_t *wmask, unsigned int at)
{
	bool rciep = d->pcie_type == MDEVFS_PCIE_RC_INTEGRATED;
	/* Max payload 256 (128 integrated), L0s any, L1 <64us, ExtTag,
	 * role-based errors, FLR. */
	uint32_t devcap = (rciep ? 0u : 1u) | 1u << 5 | 7u << 6 | 6u << 9 |
			  1u << 15 | 1u << 28;
	/* Relaxed ordering, ExtTag, no snoop; payload as capped; max
	 * read request 512. */
	unsigned int devctl = 1u << 4 | 1u << 8 | 1u << 11 | 2u << 12 |
			      (rciep ? 0u : 1u << 5);

	put16(cfg, at + 2, 0x0002 | exp_type(d) << 4);
	put32(cfg, at + 0x04, devcap);
	put16(cfg, at + 0x08, devctl);
	put16(wmask, at + 0x08, 0x7fff);
	/* Completion timeout ranges A-D and its disable. */
	put32(cfg, at + 0x24, 0x0000001f);
	put16(wmask, at + 0x28, 0xffff);
	if (!rciep)
		build_link(d, cfg, wmask, at);
}

static void build_vendor(const struct mdevfs_pci_desc *d, uint8_t *cfg)
{
	put8(cfg, d->cap_vendor + 2u, d->cap_vendor_len);
}

/* Chain the capabilities in address order from the header's pointer. */
static void chain_caps(const struct mdevfs_pci_desc *d, uint8_t *cfg)
{
	const struct { unsigned char at, id; } caps[] = {
		{ d->cap_pm, PCI_CAP_PM }, { d->cap_msi, PCI_CAP_MSI },
		{ d->cap_pcie, PCI_CAP_EXP }, { d->cap_msix, PCI_CAP_MSIX },
		{ d->cap_vendor, PCI_CAP_VENDOR },
	};
	unsigned int prev = HDR_CAP_PTR, done = 0;

	for (;;) {
		unsigned int best = 0, id = 0;

		for (size_t i = 0; i < G_N_ELEMENTS(caps); i++)
			if (caps[i].at > done && (!best || caps[i].at < best)) {
				best = caps[i].at;
				id = caps[i].id;
			}
		if (!best)
			break;
		put8(cfg, best, id);
		put8(cfg, prev == HDR_CAP_PTR ? prev : prev + 1, best);
		prev = best;
		done = best;
	}
}

/* An extended capability header: id, version, next. */
static void put_ext_header(uint8_t *cfg, unsigned int at, unsigned int id,
			   unsigned int version, unsigned int next)
{
	put32(cfg, at, id | version << 16 | next << 20);
}

static void build_aer(uint8_t *cfg, uint8_t *wmask, unsigned int at)
{
	put32(cfg, at + 0x0c, 0x00462030);   /* default severities */
	put32(cfg, at + 0x14, 0x00002000);   /* advisory non-fatal masked */
	put32(cfg, at + 0x18, 0x000000a0);   /* ECRC generation, check */
	put32(wmask, at + 0x08, 0xffffffff);
	put32(wmask, at + 0x0c, 0xffffffff);
	put32(wmask, at + 0x14, 0xffffffff);
}

static void build_sriov(const struct mdevfs_pci_desc *d, uint8_t *cfg,
			uint8_t *wmask, unsigned int at)
{
	struct pci_addr a;
	unsigned int ctl = 0;

	pci_addr_parse(d->bdf, &a);
	if (d->sriov_num_vfs)
		ctl = 0x0001 | 0x0008 | 0x0010;   /* VF Enable, MSE, ARI */
	put16(cfg, at + 0x08, ctl);
	put16(wmask, at + 0x08, 0x001f);
	put16(cfg, at + 0x0c, d->sriov_total_vfs);   /* InitialVFs */
	put16(cfg, at + 0x0e, d->sriov_total_vfs);
	put16(cfg, at + 0x10, d->sriov_num_vfs);
	put16(wmask, at + 0x10, 0xffff);
	put8(cfg, at + 0x12, a.devfn & 7);   /* function dependency link */
	put16(cfg, at + 0x14, d->sriov_offset);
	put16(cfg, at + 0x16, d->sriov_stride);
	put16(cfg, at + 0x1a, d->sriov_vf_device);
	put32(cfg, at + 0x1c, 0x00000553);   /* 4K 8K 64K 256K 1M 4M pages */
	put32(cfg, at + 0x20, 0x00000001);   /* 4K system pages */
	put32(wmask, at + 0x20, 0xffffffff);
	for (int i = 0; i < 6; i++) {
		put_bar(cfg, wmask, at + 0x24 + 4 * (size_t)i,
			&d->sriov_bars[i]);
		if (d->sriov_bars[i].flags & MDEVFS_PCI_BAR_64BIT)
			i++;
	}
}

/* AER, ARI and SR-IOV one after another from 0x100. */
static void build_ext_caps(const struct mdevfs_pci_desc *d, uint8_t *cfg,
			   uint8_t *wmask)
{
	unsigned int at = EXT_START, aer = 0, ari = 0, sriov = 0;

	if (d->aer) {
		aer = at;
		at += AER_SIZE;
	}
	if (d->sriov_total_vfs) {
		ari = at;
		sriov = ari + ARI_SIZE;
	}
	if (aer) {
		put_ext_header(cfg, aer, PCI_EXT_CAP_AER, 2, ari);
		build_aer(cfg, wmask, aer);
	}
	if (sriov) {
		put_ext_header(cfg, ari, PCI_EXT_CAP_ARI, 1, sriov);
		put_ext_header(cfg, sriov, PCI_EXT_CAP_SRIOV, 1, 0);
		build_sriov(d, cfg, wmask, sriov);
	}
}

size_t pci_config_build(const struct mdevfs_pci_desc *d, uint8_t *cfg,
			uint8_t *wmask)
{
	memset(cfg, 0, PCI_CFG_EXP_SIZE);
	memset(wmask, 0, PCI_CFG_EXP_SIZE);
	build_header(d, cfg, wmask);
	if (d->cap_pm)
		build_pm(cfg, wmask, d->cap_pm);
	if (d->cap_msi)
		build_msi(d, cfg, wmask, d->cap_msi);
	if (d->cap_pcie)
		build_pcie(d, cfg, wmask, d->cap_pcie);
	if (d->cap_msix)
		build_msix(d, cfg, wmask, d->cap_msix);
	if (d->cap_vendor)
		build_vendor(d, cfg);
	chain_caps(d, cfg);
	if (!d->pcie)
		return PCI_CFG_SIZE;
	build_ext_caps(d, cfg, wmask);
	return PCI_CFG_EXP_SIZE;
}

void pci_config_write(uint8_t *cfg, const uint8_t *wmask, size_t size,
		      const uint8_t *buf, size_t off, size_t count)
{
	for (size_t i = 0; i < count && off + i < size; i++)
		cfg[off + i] = (uint8_t)((cfg[off + i] & ~wmask[off + i]) |
					 (buf[i] & wmask[off + i]));
}

/* ------------------------------------------------------------------ */
/* Resources and lookups                                               */

static struct pci_resource resource_of(const struct mdevfs_pci_bar *b,
				       unsigned long long len)
{
	uint64_t flags = RES_SIZEALIGN | b->flags;

	if (b->flags & MDEVFS_PCI_BAR_IO) {
		flags |= RES_IO;
	} else {
		flags |= RES_MEM;
		if (b->flags & MDEVFS_PCI_BAR_PREFETCH)
			flags |= RES_PREFETCH;
		if (b->flags & MDEVFS_PCI_BAR_64BIT)
			flags |= RES_MEM_64;
	}
	return (struct pci_resource){ b->addr, b->addr + len - 1, flags };
}

void pci_resources(const struct mdevfs_pci_desc *d,
		   struct pci_resource res[PCI_NUM_RESOURCES])
{
	memset(res, 0, sizeof(*res) * PCI_NUM_RESOURCES);
	for (int i = 0; i < 6; i++) {
		const struct mdevfs_pci_bar *b = &d->bars[i];
		const struct mdevfs_pci_bar *vf = &d->sriov_bars[i];

		if (b->size)
			res[i] = resource_of(b, b->size);
		/* A VF BAR's line spans the copies of every VF. */
		if (vf->size && d->sriov_total_vfs)
			res[PCI_IOV_RESOURCE + i] =
				resource_of(vf, vf->size * d->sriov_total_vfs);
	}
}

unsigned int pci_config_find_cap(const uint8_t *cfg, size_t size, uint8_t id)
{
	unsigned int at;

	if (size < PCI_CFG_SIZE ||
	    !(pci_get16(cfg, HDR_STATUS) & STATUS_CAPS))
		return 0;
	at = cfg[HDR_CAP_PTR] & ~3u;
	/* At most 48 capabilities fit in 192 bytes: no loop survives. */
	for (int ttl = 48; ttl > 0 && at >= HDR_END; ttl--) {
		if (cfg[at] == id)
			return at;
		at = cfg[at + 1] & ~3u;
	}
	return 0;
}
