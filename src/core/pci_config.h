/* SPDX-License-Identifier: MIT */
/*
 * A PCI function's configuration space, built from its description the
 * way firmware and the PCI core would leave a real board's: the type 0
 * header, the capability list and, for PCI Express, the extended
 * capabilities from 0x100.  Also the `resource` lines that go with it.
 */
#ifndef MDEVFS_PCI_CONFIG_H
#define MDEVFS_PCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mdevfs/mdev.h"

#define PCI_CFG_SIZE     256    /* conventional PCI */
#define PCI_CFG_EXP_SIZE 4096   /* PCI Express */
/* Lines of a function's `resource` file: 6 BARs, the ROM and the 6 VF
 * BARs of SR-IOV (the kernel's PCI_BRIDGE_RESOURCES). */
#define PCI_NUM_RESOURCES 13
#define PCI_IOV_RESOURCE  7     /* the first VF BAR's line */

/* Capability ids (PCI and extended). */
#define PCI_CAP_PM      0x01
#define PCI_CAP_MSI     0x05
#define PCI_CAP_VENDOR  0x09
#define PCI_CAP_EXP     0x10
#define PCI_CAP_MSIX    0x11
#define PCI_EXT_CAP_AER   0x0001
#define PCI_EXT_CAP_ARI   0x000e
#define PCI_EXT_CAP_SRIOV 0x0010

/* Registers the link files read, relative to the PCIe capability. */
#define PCI_EXP_LNKCAP 0x0c
#define PCI_EXP_LNKSTA 0x12

struct pci_addr {
	unsigned int domain, bus, devfn;
};

/* "DDDD:BB:DD.F" (pci_name()'s form, hex of either case). */
bool pci_addr_parse(const char *bdf, struct pci_addr *out);

/*
 * The description with every default filled in, checked: out has the
 * BARs placed, the capabilities' offsets (0: absent), msi_vectors 0 for
 * no MSI, interrupt_pin 0 for none, the link of a function without one
 * zero.  pf is the resolved description of in->physfn for a VF, else
 * NULL.  Returns 0 or -EINVAL; out's strings are in's.
 */
int pci_desc_resolve(const struct mdevfs_pci_desc *in,
		     const struct mdevfs_pci_desc *pf,
		     struct mdevfs_pci_desc *out);

/* The config space of a resolved description (cfg and wmask hold
 * PCI_CFG_EXP_SIZE bytes; wmask gets the bits a write may change).
 * Returns its size, PCI_CFG_SIZE or PCI_CFG_EXP_SIZE. */
size_t pci_config_build(const struct mdevfs_pci_desc *d, uint8_t *cfg,
			uint8_t *wmask);

/* A write of count bytes at off into config, through wmask. */
void pci_config_write(uint8_t *cfg, const uint8_t *wmask, size_t size,
		      const uint8_t *buf, size_t off, size_t count);

struct pci_resource {
	uint64_t start, end, flags;   /* all 0: unused */
};

/* The `resource` lines of a resolved description. */
void pci_resources(const struct mdevfs_pci_desc *d,
		   struct pci_resource res[PCI_NUM_RESOURCES]);

/* The offset of capability id in cfg, or 0; a bounded walk that stops
 * at a loop or a pointer out of range. */
unsigned int pci_config_find_cap(const uint8_t *cfg, size_t size,
				 uint8_t id);

static inline uint16_t pci_get16(const uint8_t *cfg, size_t off)
{
	return (uint16_t)(cfg[off] | cfg[off + 1] << 8);
}

static inline uint32_t pci_get32(const uint8_t *cfg, size_t off)
{
	return (uint32_t)pci_get16(cfg, off) |
	       (uint32_t)pci_get16(cfg, off + 2) << 16;
}

#endif
