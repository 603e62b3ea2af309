// SPDX-License-Identifier: MIT
/*
 * msi_irqs/: a PCI function whose driver enabled MSI or MSI-X has one
 * file per interrupt it was given, named by the interrupt's number and
 * reading "msi" or "msix".  The numbers follow the function's irq file,
 * which the kernel sets to the first MSI interrupt.
 */
#include <glib.h>
#include <stdio.h>

#include "pci_config.h"
#include "pci_msi.h"

#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_MSIX 0x11

static ssize_t msi_show(struct device *dev, const struct device_attribute *attr,
			char *buf)
{
	(void)dev;
	(void)attr;
	return sysfs_emit(buf, "msi\n");
}

static ssize_t msix_show(struct device *dev, const struct device_attribute *attr,
			 char *buf)
{
	(void)dev;
	(void)attr;
	return sysfs_emit(buf, "msix\n");
}

/* How many interrupts the enabled capability gives, and which kind. */
static unsigned int enabled_vectors(const uint8_t *cfg, size_t size,
				    bool *msix)
{
	unsigned int at = pci_config_find_cap(cfg, size, PCI_CAP_ID_MSIX);
	uint16_t ctl;

	*msix = false;
	if (at && (ctl = pci_get16(cfg, at + 2)) & 0x8000) {
		*msix = true;
		return (ctl & 0x7ff) + 1u;
	}
	at = pci_config_find_cap(cfg, size, PCI_CAP_ID_MSI);
	if (at && (ctl = pci_get16(cfg, at + 2)) & 0x1)
		return 1u << ((ctl >> 4) & 0x7);
	return 0;
}

struct pci_msi *pci_msi_new(const uint8_t *cfg, size_t size, unsigned int irq)
{
	bool msix;
	unsigned int n = enabled_vectors(cfg, size, &msix);
	struct pci_msi *msi;

	if (!n)
		return NULL;
	msi = g_malloc0(sizeof(*msi) + n * sizeof(msi->files[0]));
	msi->attrs = g_new0(const struct attribute *, n + 1);
	for (unsigned int i = 0; i < n; i++) {
		struct device_attribute *a = &msi->files[i];

		a->attr.name = g_strdup_printf("%u", irq + i);
		a->attr.mode = 0444;
		a->show = msix ? msix_show : msi_show;
		msi->attrs[i] = &a->attr;
	}
	msi->count = n;
	msi->group.name = "msi_irqs";
	msi->group.attrs = msi->attrs;
	return msi;
}

void pci_msi_free(struct pci_msi *msi)
{
	if (!msi)
		return;
	for (unsigned int i = 0; i < msi->count; i++)
		g_free((char *)msi->files[i].attr.name);
	g_free(msi->attrs);
	g_free(msi);
}
