/* SPDX-License-Identifier: MIT */
#ifndef MDEVFS_PCI_MSI_H
#define MDEVFS_PCI_MSI_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* A function's msi_irqs/ group, its files numbered from irq. */
struct pci_msi {
	struct attribute_group group;
	const struct attribute **attrs;
	unsigned int count;
	struct device_attribute files[];
};

/* The group for the config space's enabled MSI or MSI-X, or NULL when
 * neither is enabled; pci_msi_free() it with the function. */
struct pci_msi *pci_msi_new(const uint8_t *cfg, size_t size, unsigned int irq);
void pci_msi_free(struct pci_msi *msi);

#endif
