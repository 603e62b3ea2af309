// SPDX-License-Identifier: MIT
/*
 * PCI functions for backends: the files and uevent variables the PCI core
 * gives every function, so that each GPU backend does not write them again.
 */
#include <errno.h>
#include <stdio.h>

#include "core.h"

static const struct mdevfs_pci_desc *pci_of(const struct device *dev)
{
	return plain_of(dev) ? plain_of(dev)->pci : NULL;
}

static void modalias(const struct mdevfs_pci_desc *p, char *buf, size_t len)
{
	snprintf(buf, len, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X",
		 p->vendor, p->device, p->subsystem_vendor, p->subsystem_device,
		 p->class_code >> 16, (p->class_code >> 8) & 0xff,
		 p->class_code & 0xff);
}

#define PCI_ID_SHOW(field, format)                                          \
	static ssize_t field##_show(struct device *dev,                     \
				    const struct device_attribute *attr,    \
				    char *buf)                              \
	{                                                                   \
		(void)attr;                                                 \
		return sysfs_emit(buf, format "\n", pci_of(dev)->field);    \
	}                                                                   \
	static DEVICE_ATTR_RO(field)

PCI_ID_SHOW(vendor, "0x%04x");
PCI_ID_SHOW(device, "0x%04x");
PCI_ID_SHOW(subsystem_vendor, "0x%04x");
PCI_ID_SHOW(subsystem_device, "0x%04x");
PCI_ID_SHOW(revision, "0x%02x");
PCI_ID_SHOW(numa_node, "%d");

static ssize_t class_show(struct device *dev,
			  const struct device_attribute *attr, char *buf)
{
	(void)attr;
	return sysfs_emit(buf, "0x%06x\n", pci_of(dev)->class_code);
}

static ssize_t modalias_show(struct device *dev,
			     const struct device_attribute *attr, char *buf)
{
	char text[64];

	(void)attr;
	modalias(pci_of(dev), text, sizeof(text));
	return sysfs_emit(buf, "%s\n", text);
}

static DEVICE_ATTR_RO(class);
static DEVICE_ATTR_RO(modalias);

static const struct attribute *const pci_attrs[] = {
	&dev_attr_vendor.attr, &dev_attr_device.attr,
	&dev_attr_subsystem_vendor.attr, &dev_attr_subsystem_device.attr,
	&dev_attr_class.attr, &dev_attr_revision.attr,
	&dev_attr_numa_node.attr, &dev_attr_modalias.attr, NULL
};
static const struct attribute_group pci_group = { .attrs = pci_attrs };

/* The PCI core's variables, then the backend's. */
static char **uevent_vars(const struct mdevfs_pci_desc *p)
{
	GPtrArray *vars = g_ptr_array_new();
	char text[64];

	modalias(p, text, sizeof(text));
	g_ptr_array_add(vars, g_strdup_printf("PCI_CLASS=%X", p->class_code));
	g_ptr_array_add(vars, g_strdup_printf("PCI_ID=%04X:%04X", p->vendor,
					      p->device));
	g_ptr_array_add(vars, g_strdup_printf("PCI_SUBSYS_ID=%04X:%04X",
					      p->subsystem_vendor,
					      p->subsystem_device));
	g_ptr_array_add(vars, g_strdup_printf("PCI_SLOT_NAME=%s", p->bdf));
	g_ptr_array_add(vars, g_strdup_printf("MODALIAS=%s", text));
	for (const char *const *v = p->uevent_vars; v && *v; v++)
		g_ptr_array_add(vars, g_strdup(*v));
	g_ptr_array_add(vars, NULL);
	return (char **)g_ptr_array_free(vars, FALSE);
}

static const struct attribute_group **all_groups(const struct mdevfs_pci_desc *p)
{
	GPtrArray *groups = g_ptr_array_new();

	g_ptr_array_add(groups, (gpointer)&pci_group);
	for (const struct attribute_group *const *g = p->groups; g && *g; g++)
		g_ptr_array_add(groups, (gpointer)*g);
	g_ptr_array_add(groups, NULL);
	return (const struct attribute_group **)g_ptr_array_free(groups, FALSE);
}

struct device *mdevfs_pci_device_create(struct mdevfs_host *host,
					const struct mdevfs_pci_desc *pci)
{
	g_autofree char *parent = NULL;
	g_auto(GStrv) vars = NULL;
	const struct attribute_group **groups;
	struct mdevfs_device_desc desc = { 0 };
	unsigned int domain;
	struct device *dev;

	if (!pci || !pci->bdf || sscanf(pci->bdf, "%x:", &domain) != 1) {
		errno = EINVAL;
		return NULL;
	}
	parent = pci->parent_path ? g_strdup(pci->parent_path)
				  : g_strdup_printf("devices/pci%04x:00", domain);
	vars = uevent_vars(pci);
	groups = all_groups(pci);
	desc.name = pci->bdf;
	desc.parent_path = parent;
	desc.bus = "pci";
	desc.driver = pci->driver;
	desc.uevent_vars = (const char *const *)vars;
	desc.groups = groups;
	dev = mdevfs_device_create_with(host, &desc, NULL, pci, groups);
	if (!dev)
		g_free(groups);
	return dev;
}
