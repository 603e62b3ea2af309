// SPDX-License-Identifier: MIT
/*
 * PCI functions for backends: the files and uevent variables the PCI core
 * gives every function (drivers/pci/pci-sysfs.c lays them out), so that
 * each GPU backend does not write them again.  `config` is built from the
 * description (pci_config.c) and every other file that tells something
 * the config space also tells agrees with it.
 *
 * Where the kernel asks for CAP_SYS_ADMIN the emulation asks the open
 * file (mdevfs_file_admin()) for `config`, and relies on the files'
 * modes (writes are root's only) elsewhere.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "pci_config.h"
#include "pci_msi.h"

/* A PCI function's state: its resolved description, its config space
 * and what its writable files hold. */
struct pci_function {
	struct mdevfs_pci_desc desc;   /* resolved; bdf, local_cpulist ours */
	size_t config_size;
	GMutex lock;                   /* everything below */
	uint8_t config[PCI_CFG_EXP_SIZE];
	uint8_t wmask[PCI_CFG_EXP_SIZE];
	unsigned int enable_cnt;
	char *driver_override;
	int numa_node;
	bool broken_parity, d3cold_allowed, no_msi, sriov_autoprobe;
	/* sriov_numvfs writes take turns (the kernel's device lock). */
	GMutex sriov_lock;
	struct pci_msi *msi;           /* msi_irqs/, or NULL */
};

/* Unprivileged readers of `config` see only the header's first bytes. */
#define CONFIG_UNPRIVILEGED 64

/* The emulated machine: two nodes of 16 cores with 2 threads each,
 * numbered as Linux numbers a two-socket x86 server. */
static const char *const node_cpulists[] = { "0-15,32-47", "16-31,48-63" };
#define MACHINE_CPULIST "0-63"
#define MACHINE_NODES 2
#define MAX_CPUS 4096

static struct pci_function *fn_of(const struct device *dev)
{
	return plain_of(dev) ? plain_of(dev)->pci : NULL;
}

static const struct mdevfs_pci_desc *pci_of(const struct device *dev)
{
	return &fn_of(dev)->desc;
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
PCI_ID_SHOW(irq, "%u");
PCI_ID_SHOW(dma_mask_bits, "%u");

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

/* The driver sets both masks alike. */
static ssize_t consistent_dma_mask_bits_show(struct device *dev,
					     const struct device_attribute *attr,
					     char *buf)
{
	(void)attr;
	return sysfs_emit(buf, "%u\n", pci_of(dev)->dma_mask_bits);
}

static DEVICE_ATTR_RO(class);
static DEVICE_ATTR_RO(modalias);
static DEVICE_ATTR_RO(consistent_dma_mask_bits);

/* ------------------------------------------------------------------ */
/* resource                                                            */

static ssize_t resource_show(struct device *dev,
			     const struct device_attribute *attr, char *buf)
{
	struct pci_resource res[PCI_NUM_RESOURCES];
	int len = 0;

	(void)attr;
	pci_resources(pci_of(dev), res);
	for (int i = 0; i < PCI_NUM_RESOURCES; i++)
		len += sysfs_emit(buf + len,
				  "0x%016llx 0x%016llx 0x%016llx\n",
				  (unsigned long long)res[i].start,
				  (unsigned long long)res[i].end,
				  (unsigned long long)res[i].flags);
	return len;
}

static DEVICE_ATTR_RO(resource);

/* ------------------------------------------------------------------ */
/* NUMA node and local CPUs                                            */

static int fn_numa_node(struct pci_function *fn)
{
	int node;

	g_mutex_lock(&fn->lock);
	node = fn->numa_node;
	g_mutex_unlock(&fn->lock);
	return node;
}

static const char *fn_cpulist(struct pci_function *fn)
{
	int node = fn_numa_node(fn);

	if (fn->desc.local_cpulist)
		return fn->desc.local_cpulist;
	return node >= 0 && node < MACHINE_NODES ? node_cpulists[node]
						   : MACHINE_CPULIST;
}

/* One "N" or "N-M" of a CPU list. */
static bool cpu_range(const char *item, unsigned int *lo, unsigned int *hi)
{
	char *end;
	unsigned long a, b;

	if (!g_ascii_isdigit(*item))
		return false;
	a = strtoul(item, &end, 10);
	b = a;
	if (*end == '-') {
		if (!g_ascii_isdigit(end[1]))
			return false;
		b = strtoul(end + 1, &end, 10);
	}
	if (*end || a > b || b >= MAX_CPUS)
		return false;
	*lo = (unsigned int)a;
	*hi = (unsigned int)b;
	return true;
}

/* A CPU list into bits (MAX_CPUS of them); false if it is malformed. */
static bool cpulist_parse(const char *list, uint32_t *bits, unsigned int *top)
{
	g_auto(GStrv) items = g_strsplit(list, ",", -1);

	*top = 0;
	if (!*list)
		return false;
	for (char **it = items; *it; it++) {
		unsigned int lo, hi;

		if (!cpu_range(*it, &lo, &hi))
			return false;
		for (unsigned int c = lo; c <= hi; c++)
			bits[c / 32] |= 1u << (c % 32);
		*top = MAX(*top, hi + 1);
	}
	return true;
}

static ssize_t local_cpulist_show(struct device *dev,
				  const struct device_attribute *attr,
				  char *buf)
{
	(void)attr;
	return sysfs_emit(buf, "%s\n", fn_cpulist(fn_of(dev)));
}

/* The mask as the kernel prints a cpumask: 32-bit words in hex, most
 * significant first, as many as the machine's CPUs need. */
static ssize_t local_cpus_show(struct device *dev,
			       const struct device_attribute *attr, char *buf)
{
	uint32_t bits[MAX_CPUS / 32] = { 0 };
	unsigned int top, words;
	int len = 0;

	(void)attr;
	if (!cpulist_parse(fn_cpulist(fn_of(dev)), bits, &top))
		return -EINVAL;
	words = MAX(64u, top) / 32 + (MAX(64u, top) % 32 != 0);
	for (unsigned int w = words; w > 0; w--)
		len += sysfs_emit(buf + len, "%08x%s", bits[w - 1],
				  w > 1 ? "," : "\n");
	return len;
}

static ssize_t numa_node_show(struct device *dev,
			      const struct device_attribute *attr, char *buf)
{
	(void)attr;
	return sysfs_emit(buf, "%d\n", fn_numa_node(fn_of(dev)));
}

/* The firmware-bug override: a node of the machine, or -1. */
static ssize_t numa_node_store(struct device *dev,
			       const struct device_attribute *attr,
			       const char *buf, size_t count)
{
	struct pci_function *fn = fn_of(dev);
	int node, ret = kstrtoint(buf, 0, &node);

	(void)attr;
	if (ret)
		return ret;
	if (node < -1 || node >= MACHINE_NODES)
		return -EINVAL;
	g_mutex_lock(&fn->lock);
	fn->numa_node = node;
	g_mutex_unlock(&fn->lock);
	return (ssize_t)count;
}

static DEVICE_ATTR_RO(local_cpus);
static DEVICE_ATTR_RO(local_cpulist);
static DEVICE_ATTR_RW(numa_node);

/* ------------------------------------------------------------------ */
/* Flags user space may set                                            */

/* A kstrtoul() flag file: any number, stored as 0 or 1 (or inverted). */
static ssize_t flag_store(struct device *dev, bool *flag, bool invert,
			  const char *buf, size_t count)
{
	struct pci_function *fn = fn_of(dev);
	unsigned long val;

	if (kstrtoul(buf, 0, &val))
		return -EINVAL;
	g_mutex_lock(&fn->lock);
	*flag = (val != 0) != invert;
	g_mutex_unlock(&fn->lock);
	return (ssize_t)count;
}

static ssize_t flag_show(struct device *dev, const bool *flag, bool invert,
			 char *buf)
{
	struct pci_function *fn = fn_of(dev);
	bool val;

	g_mutex_lock(&fn->lock);
	val = *flag != invert;
	g_mutex_unlock(&fn->lock);
	return sysfs_emit(buf, "%u\n", val);
}

#define PCI_FLAG_ATTR(name, field, invert)                                  \
	static ssize_t name##_show(struct device *dev,                      \
				   const struct device_attribute *attr,     \
				   char *buf)                               \
	{                                                                   \
		(void)attr;                                                 \
		return flag_show(dev, &fn_of(dev)->field, invert, buf);     \
	}                                                                   \
	static ssize_t name##_store(struct device *dev,                     \
				    const struct device_attribute *attr,    \
				    const char *buf, size_t count)          \
	{                                                                   \
		(void)attr;                                                 \
		return flag_store(dev, &fn_of(dev)->field, invert, buf,     \
				  count);                                   \
	}                                                                   \
	static DEVICE_ATTR_RW(name)

PCI_FLAG_ATTR(broken_parity_status, broken_parity, false);
PCI_FLAG_ATTR(d3cold_allowed, d3cold_allowed, false);
PCI_FLAG_ATTR(msi_bus, no_msi, true);

static ssize_t enable_show(struct device *dev,
			   const struct device_attribute *attr, char *buf)
{
	struct pci_function *fn = fn_of(dev);
	unsigned int cnt;

	(void)attr;
	g_mutex_lock(&fn->lock);
	cnt = fn->enable_cnt;
	g_mutex_unlock(&fn->lock);
	return sysfs_emit(buf, "%u\n", cnt);
}

/* Each enable counts; a disable undoes one and fails with EIO when the
 * function is not enabled at all. */
static ssize_t enable_store(struct device *dev,
			    const struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct pci_function *fn = fn_of(dev);
	unsigned long val;
	int ret = kstrtoul(buf, 0, &val);

	(void)attr;
	if (ret)
		return ret;
	g_mutex_lock(&fn->lock);
	if (val)
		fn->enable_cnt++;
	else if (fn->enable_cnt)
		fn->enable_cnt--;
	else
		ret = -EIO;
	g_mutex_unlock(&fn->lock);
	return ret ? ret : (ssize_t)count;
}

static DEVICE_ATTR_RW(enable);

static ssize_t driver_override_show(struct device *dev,
				    const struct device_attribute *attr,
				    char *buf)
{
	struct pci_function *fn = fn_of(dev);
	ssize_t len;

	(void)attr;
	g_mutex_lock(&fn->lock);
	/* The kernel prints the unset override with %s of NULL. */
	len = sysfs_emit(buf, "%s\n",
			 fn->driver_override ? fn->driver_override : "(null)");
	g_mutex_unlock(&fn->lock);
	return len;
}

/* The text up to the first newline; empty clears it.  A page less one
 * byte is too long (room for the newline the show adds). */
static ssize_t driver_override_store(struct device *dev,
				     const struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct pci_function *fn = fn_of(dev);
	char *text, *nl, *old;

	(void)attr;
	if (count >= MDEVFS_ATTR_BUF_SIZE - 1)
		return -EINVAL;
	text = g_strndup(buf, count);
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	if (!*text) {
		g_free(text);
		text = NULL;
	}
	g_mutex_lock(&fn->lock);
	old = fn->driver_override;
	fn->driver_override = text;
	g_mutex_unlock(&fn->lock);
	g_free(old);
	return (ssize_t)count;
}

static DEVICE_ATTR_RW(driver_override);

/* ARI forwarding is on where an SR-IOV device sits (its root port
 * enabled it for the VFs' routing IDs), off elsewhere. */
static ssize_t ari_enabled_show(struct device *dev,
				const struct device_attribute *attr, char *buf)
{
	const struct mdevfs_pci_desc *p = pci_of(dev);

	(void)attr;
	return sysfs_emit(buf, "%u\n", p->sriov_total_vfs || p->physfn);
}

static DEVICE_ATTR_RO(ari_enabled);

static const struct attribute *const pci_attrs[] = {
	&dev_attr_resource.attr, &dev_attr_vendor.attr, &dev_attr_device.attr,
	&dev_attr_subsystem_vendor.attr, &dev_attr_subsystem_device.attr,
	&dev_attr_revision.attr, &dev_attr_class.attr, &dev_attr_irq.attr,
	&dev_attr_local_cpus.attr, &dev_attr_local_cpulist.attr,
	&dev_attr_modalias.attr, &dev_attr_numa_node.attr,
	&dev_attr_dma_mask_bits.attr, &dev_attr_consistent_dma_mask_bits.attr,
	&dev_attr_enable.attr, &dev_attr_broken_parity_status.attr,
	&dev_attr_msi_bus.attr, &dev_attr_d3cold_allowed.attr,
	&dev_attr_driver_override.attr, &dev_attr_ari_enabled.attr, NULL
};
static const struct attribute_group pci_group = { .attrs = pci_attrs };

/* ------------------------------------------------------------------ */
/* config                                                              */

static ssize_t config_read(struct mdevfs_file *file, struct device *dev,
			   const struct bin_attribute *attr, char *buf,
			   off_t off, size_t count)
{
	struct pci_function *fn = fn_of(dev);
	size_t limit = mdevfs_file_admin(file) ? fn->config_size
					       : CONFIG_UNPRIVILEGED;

	(void)attr;
	if ((size_t)off >= limit)
		return 0;
	count = MIN(count, limit - (size_t)off);
	g_mutex_lock(&fn->lock);
	memcpy(buf, fn->config + off, count);
	g_mutex_unlock(&fn->lock);
	return (ssize_t)count;
}

/* Writes change the bits the registers let change (BAR sizing, the
 * command register, MSI set-up ...); the other files keep showing what
 * the kernel recorded at enumeration, as they do on a real host. */
static ssize_t config_write(struct mdevfs_file *file, struct device *dev,
			    const struct bin_attribute *attr, const char *buf,
			    off_t off, size_t count)
{
	struct pci_function *fn = fn_of(dev);

	(void)file;
	(void)attr;
	g_mutex_lock(&fn->lock);
	pci_config_write(fn->config, fn->wmask, fn->config_size,
			 (const uint8_t *)buf, (size_t)off, count);
	g_mutex_unlock(&fn->lock);
	return (ssize_t)count;
}

/* One attribute per size: the kernel patches a shared one's size. */
static const struct bin_attribute bin_attr_config_pci =
	MDEVFS_BIN_ATTR(config, 0644, config_read, config_write,
			PCI_CFG_SIZE);
static const struct bin_attribute bin_attr_config_pcie =
	MDEVFS_BIN_ATTR(config, 0644, config_read, config_write,
			PCI_CFG_EXP_SIZE);
static const struct bin_attribute *const config_pci_attrs[] = {
	&bin_attr_config_pci, NULL
};
static const struct bin_attribute *const config_pcie_attrs[] = {
	&bin_attr_config_pcie, NULL
};
static const struct attribute_group config_pci_group = {
	.bin_attrs = config_pci_attrs,
};
static const struct attribute_group config_pcie_group = {
	.bin_attrs = config_pcie_attrs,
};

/* ------------------------------------------------------------------ */
/* PCI Express link                                                    */

/* The link registers as they are now (config may have been written). */
static uint32_t exp_read32(struct pci_function *fn, unsigned int reg)
{
	uint32_t v = 0;

	g_mutex_lock(&fn->lock);
	if (fn->desc.cap_pcie)
		v = pci_get32(fn->config, fn->desc.cap_pcie + reg);
	g_mutex_unlock(&fn->lock);
	return v;
}

static const char *speed_text(const struct device *dev, unsigned int speed)
{
	static const char *const now[] = {
		"Unknown", "2.5 GT/s PCIe", "5.0 GT/s PCIe", "8.0 GT/s PCIe",
		"16.0 GT/s PCIe", "32.0 GT/s PCIe", "64.0 GT/s PCIe",
	};
	static const char *const old[] = {
		"Unknown speed", "2.5 GT/s", "5 GT/s", "8 GT/s", "16 GT/s",
		"32 GT/s", "Unknown speed",
	};

	if (speed >= G_N_ELEMENTS(now))
		speed = 0;
	/* 5.5 switched to the strings the boot log prints. */
	if (dev->host->profile->version < MDEVFS_KERNEL_VERSION(5, 5, 0))
		return old[speed];
	return now[speed];
}

/* The kernel prefers Link Capabilities 2's vector when it has one. */
static unsigned int max_speed(struct pci_function *fn)
{
	uint32_t vector = exp_read32(fn, 0x2c) & 0xfe;

	if (vector)
		return 31u - (unsigned int)__builtin_clz(vector);
	return exp_read32(fn, PCI_EXP_LNKCAP) & 0xf;
}

static ssize_t max_link_speed_show(struct device *dev,
				   const struct device_attribute *attr,
				   char *buf)
{
	(void)attr;
	return sysfs_emit(buf, "%s\n", speed_text(dev, max_speed(fn_of(dev))));
}

static ssize_t max_link_width_show(struct device *dev,
				   const struct device_attribute *attr,
				   char *buf)
{
	(void)attr;
	return sysfs_emit(buf, "%u\n",
			  (exp_read32(fn_of(dev), PCI_EXP_LNKCAP) >> 4) & 0x3f);
}

static ssize_t current_link_speed_show(struct device *dev,
				       const struct device_attribute *attr,
				       char *buf)
{
	uint32_t sta = exp_read32(fn_of(dev), 0x10) >> 16;

	(void)attr;
	return sysfs_emit(buf, "%s\n", speed_text(dev, sta & 0xf));
}

static ssize_t current_link_width_show(struct device *dev,
				       const struct device_attribute *attr,
				       char *buf)
{
	uint32_t sta = exp_read32(fn_of(dev), 0x10) >> 16;

	(void)attr;
	return sysfs_emit(buf, "%u\n", (sta >> 4) & 0x3f);
}

static DEVICE_ATTR_RO(max_link_speed);
static DEVICE_ATTR_RO(max_link_width);
static DEVICE_ATTR_RO(current_link_speed);
static DEVICE_ATTR_RO(current_link_width);

static const struct attribute *const pcie_attrs[] = {
	&dev_attr_current_link_speed.attr, &dev_attr_current_link_width.attr,
	&dev_attr_max_link_width.attr, &dev_attr_max_link_speed.attr, NULL
};
static const struct attribute_group pcie_group = { .attrs = pcie_attrs };

/* ------------------------------------------------------------------ */
/* VGA, hot-plug and reset                                             */

static ssize_t boot_vga_show(struct device *dev,
			     const struct device_attribute *attr, char *buf)
{
	(void)attr;
	return sysfs_emit(buf, "%u\n", pci_of(dev)->boot_vga);
}

static DEVICE_ATTR_RO(boot_vga);
static const struct attribute *const vga_attrs[] = {
	&dev_attr_boot_vga.attr, NULL
};
static const struct attribute_group vga_group = { .attrs = vga_attrs };

/*
 * Removing a backend's function from under it is not emulated: a write
 * of a non-zero value fails with EBUSY.  (mdevfs-ctl unplug does the
 * mdev side of a removal.)
 */
static ssize_t remove_store(struct device *dev,
			    const struct device_attribute *attr,
			    const char *buf, size_t count)
{
	unsigned long val;

	(void)dev;
	(void)attr;
	if (kstrtoul(buf, 0, &val))
		return -EINVAL;
	return val ? -EBUSY : (ssize_t)count;
}

/* A rescan finds nothing new: the backends made every device. */
static ssize_t rescan_store(struct device *dev,
			    const struct device_attribute *attr,
			    const char *buf, size_t count)
{
	unsigned long val;

	(void)dev;
	(void)attr;
	if (kstrtoul(buf, 0, &val))
		return -EINVAL;
	return (ssize_t)count;
}

/* Only "1" resets; the function comes back as it was (its driver
 * restores its state). */
static ssize_t reset_store(struct device *dev,
			   const struct device_attribute *attr,
			   const char *buf, size_t count)
{
	unsigned long val;
	int ret = kstrtoul(buf, 0, &val);

	(void)dev;
	(void)attr;
	if (ret)
		return ret;
	return val == 1 ? (ssize_t)count : -EINVAL;
}

static const struct device_attribute dev_attr_remove =
	MDEVFS_ATTR(remove, 0220, NULL, remove_store);
static const struct device_attribute dev_attr_rescan =
	MDEVFS_ATTR(rescan, 0200, NULL, rescan_store);
static DEVICE_ATTR_WO(reset);

/* Not on VFs: the PF owns their presence. */
static const struct attribute *const hotplug_attrs[] = {
	&dev_attr_remove.attr, &dev_attr_rescan.attr, NULL
};
static const struct attribute_group hotplug_group = { .attrs = hotplug_attrs };
/* Every function here can reset (FLR in its PCIe capability, or a
 * bus reset of its slot). */
static const struct attribute *const reset_attrs[] = {
	&dev_attr_reset.attr, NULL
};
static const struct attribute_group reset_group = { .attrs = reset_attrs };

/* ------------------------------------------------------------------ */
/* SR-IOV physical functions                                           */

static unsigned int fn_num_vfs(struct pci_function *fn)
{
	unsigned int n;

	g_mutex_lock(&fn->lock);
	n = fn->desc.sriov_num_vfs;
	g_mutex_unlock(&fn->lock);
	return n;
}

/* NumVFs and VF Enable in the capability follow the count. */
static void set_num_vfs(struct pci_function *fn, unsigned int n)
{
	g_mutex_lock(&fn->lock);
	fn->desc.sriov_num_vfs = (unsigned short)n;
	/* Bounded: 4 KiB hold at most 960 extended capabilities. */
	for (unsigned int off = 0x100, ttl = 960;
	     off >= 0x100 && off < PCI_CFG_EXP_SIZE && ttl; ttl--) {
		uint32_t hdr = pci_get32(fn->config, off);

		if ((hdr & 0xffff) == PCI_EXT_CAP_SRIOV &&
		    off + 0x12 <= PCI_CFG_EXP_SIZE) {
			uint8_t ctl = n ? 0x19 : 0x00;   /* enable, MSE, ARI */
			uint8_t num[2] = { n & 0xff, n >> 8 };

			fn->config[off + 8] = ctl;
			memcpy(fn->config + off + 0x10, num, 2);
			break;
		}
		off = hdr >> 20;
	}
	g_mutex_unlock(&fn->lock);
}

#define SRIOV_SHOW(name, format, field)                                     \
	static ssize_t name##_show(struct device *dev,                      \
				   const struct device_attribute *attr,     \
				   char *buf)                               \
	{                                                                   \
		(void)attr;                                                 \
		return sysfs_emit(buf, format "\n", pci_of(dev)->field);   \
	}                                                                   \
	static DEVICE_ATTR_RO(name)

SRIOV_SHOW(sriov_totalvfs, "%u", sriov_total_vfs);
SRIOV_SHOW(sriov_offset, "%u", sriov_offset);
SRIOV_SHOW(sriov_stride, "%u", sriov_stride);
SRIOV_SHOW(sriov_vf_device, "%x", sriov_vf_device);

static ssize_t sriov_numvfs_show(struct device *dev,
				 const struct device_attribute *attr, char *buf)
{
	(void)attr;
	return sysfs_emit(buf, "%u\n", fn_num_vfs(fn_of(dev)));
}

/* The kernel's order of checks: the number (a u16), the total, no
 * change, then no going from some VFs to other VFs without 0 between. */
static int numvfs_change(struct device *dev, struct pci_function *fn,
			 unsigned int want)
{
	unsigned int cur = fn_num_vfs(fn);
	int ret;

	if (want == cur)
		return 0;
	if (want && cur)
		return -EBUSY;
	if (!fn->desc.sriov_configure) {
		set_num_vfs(fn, want);
		return 0;
	}
	ret = fn->desc.sriov_configure(dev, (int)want);
	if (ret < 0)
		return ret;
	set_num_vfs(fn, want ? (unsigned int)MIN(ret, (int)want) : 0);
	return 0;
}

static ssize_t sriov_numvfs_store(struct device *dev,
				  const struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct pci_function *fn = fn_of(dev);
	unsigned long want;
	int ret = kstrtoul(buf, 0, &want);

	(void)attr;
	if (ret)
		return ret;
	if (want > 0xffff || want > fn->desc.sriov_total_vfs)
		return -ERANGE;
	g_mutex_lock(&fn->sriov_lock);
	ret = numvfs_change(dev, fn, (unsigned int)want);
	g_mutex_unlock(&fn->sriov_lock);
	return ret ? ret : (ssize_t)count;
}

/* kstrtobool(): y/Y/1/on true, n/N/0/off false, by the first bytes. */
static int parse_bool(const char *s, bool *out)
{
	switch (s[0]) {
	case 'y': case 'Y': case '1':
		*out = true;
		return 0;
	case 'n': case 'N': case '0':
		*out = false;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N')
			*out = true;
		else if (s[1] == 'f' || s[1] == 'F')
			*out = false;
		else
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

static ssize_t sriov_drivers_autoprobe_show(struct device *dev,
					    const struct device_attribute *attr,
					    char *buf)
{
	(void)attr;
	return flag_show(dev, &fn_of(dev)->sriov_autoprobe, false, buf);
}

static ssize_t sriov_drivers_autoprobe_store(struct device *dev,
					     const struct device_attribute *attr,
					     const char *buf, size_t count)
{
	struct pci_function *fn = fn_of(dev);
	bool val;

	(void)attr;
	if (parse_bool(buf, &val))
		return -EINVAL;
	g_mutex_lock(&fn->lock);
	fn->sriov_autoprobe = val;
	g_mutex_unlock(&fn->lock);
	return (ssize_t)count;
}

static const struct device_attribute dev_attr_sriov_numvfs =
	MDEVFS_ATTR(sriov_numvfs, 0664, sriov_numvfs_show, sriov_numvfs_store);
static const struct device_attribute dev_attr_sriov_drivers_autoprobe =
	MDEVFS_ATTR(sriov_drivers_autoprobe, 0664,
		    sriov_drivers_autoprobe_show,
		    sriov_drivers_autoprobe_store);

static const struct attribute *const sriov_attrs[] = {
	&dev_attr_sriov_totalvfs.attr, &dev_attr_sriov_numvfs.attr,
	&dev_attr_sriov_offset.attr, &dev_attr_sriov_stride.attr,
	&dev_attr_sriov_vf_device.attr,
	&dev_attr_sriov_drivers_autoprobe.attr, NULL
};
static const struct attribute_group sriov_group = { .attrs = sriov_attrs };

/* ------------------------------------------------------------------ */
/* Creation                                                            */

/* The PCI core's variables, then the backend's. */
static char **uevent_vars(const struct mdevfs_pci_desc *p,
			  const char *const *extra)
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
	for (const char *const *v = extra; v && *v; v++)
		g_ptr_array_add(vars, g_strdup(*v));
	g_ptr_array_add(vars, NULL);
	return (char **)g_ptr_array_free(vars, FALSE);
}

/* The groups the kernel's visibility rules leave for this function,
 * then the backend's. */
static const struct attribute_group **
all_groups(const struct pci_function *fn,
	   const struct attribute_group *const *extra)
{
	const struct mdevfs_pci_desc *p = &fn->desc;
	GPtrArray *groups = g_ptr_array_new();

	g_ptr_array_add(groups, (gpointer)&pci_group);
	g_ptr_array_add(groups, (gpointer)(p->pcie ? &config_pcie_group
						   : &config_pci_group));
	g_ptr_array_add(groups, (gpointer)&reset_group);
	if (p->class_code >> 8 == 0x0300)
		g_ptr_array_add(groups, (gpointer)&vga_group);
	if (!p->physfn)
		g_ptr_array_add(groups, (gpointer)&hotplug_group);
	if (p->sriov_total_vfs)
		g_ptr_array_add(groups, (gpointer)&sriov_group);
	if (p->pcie)
		g_ptr_array_add(groups, (gpointer)&pcie_group);
	if (fn->msi)
		g_ptr_array_add(groups, &fn->msi->group);
	for (const struct attribute_group *const *g = extra; g && *g; g++)
		g_ptr_array_add(groups, (gpointer)*g);
	g_ptr_array_add(groups, NULL);
	return (const struct attribute_group **)g_ptr_array_free(groups, FALSE);
}

static void pci_function_free(struct pci_function *fn)
{
	pci_msi_free(fn->msi);
	if (!fn)
		return;
	g_free((char *)fn->desc.bdf);
	g_free((char *)fn->desc.local_cpulist);
	g_free(fn->driver_override);
	g_mutex_clear(&fn->lock);
	g_mutex_clear(&fn->sriov_lock);
	g_free(fn);
}

/* The state of a function from its description; NULL with errno. */
/* A recorded config space, as it was: no byte of it is writable (the
 * write mask stays zero).  The files read from its capabilities find
 * them where the recording has them. */
static size_t config_copy(const struct mdevfs_pci_desc *in,
			  struct pci_function *fn)
{
	memcpy(fn->config, in->config, in->config_size);
	fn->desc.cap_pm = (unsigned char)pci_config_find_cap(fn->config,
							     in->config_size, 0x01);
	fn->desc.cap_msi = (unsigned char)pci_config_find_cap(fn->config,
							      in->config_size, 0x05);
	fn->desc.cap_pcie = (unsigned char)pci_config_find_cap(fn->config,
							       in->config_size, 0x10);
	fn->desc.cap_msix = (unsigned char)pci_config_find_cap(fn->config,
							       in->config_size, 0x11);
	return in->config_size;
}

static struct pci_function *fn_new(const struct mdevfs_pci_desc *in)
{
	const struct mdevfs_pci_desc *pf = NULL;
	struct pci_function *fn;
	uint32_t bits[MAX_CPUS / 32] = { 0 };
	unsigned int top;

	if (in->physfn) {
		if (!fn_of(in->physfn)) {
			errno = EINVAL;
			return NULL;
		}
		pf = &fn_of(in->physfn)->desc;
	}
	if ((in->local_cpulist && !cpulist_parse(in->local_cpulist, bits, &top)) ||
	    (in->config && in->config_size != PCI_CFG_SIZE &&
	     in->config_size != PCI_CFG_EXP_SIZE)) {
		errno = EINVAL;
		return NULL;
	}
	fn = g_new0(struct pci_function, 1);
	if (pci_desc_resolve(in, pf, &fn->desc)) {
		g_free(fn);
		errno = EINVAL;
		return NULL;
	}
	fn->desc.bdf = g_strdup(in->bdf);
	fn->desc.local_cpulist = g_strdup(in->local_cpulist);
	fn->desc.parent_path = NULL;   /* not kept */
	fn->desc.groups = NULL;
	fn->desc.uevent_vars = NULL;
	fn->desc.config = NULL;        /* copied below */
	g_mutex_init(&fn->lock);
	g_mutex_init(&fn->sriov_lock);
	if (in->config)
		fn->config_size = config_copy(in, fn);
	else
		fn->config_size = pci_config_build(&fn->desc, fn->config,
						   fn->wmask);
	fn->enable_cnt = in->driver ? 1 : 0;   /* its driver enabled it */
	fn->numa_node = in->numa_node;
	fn->d3cold_allowed = true;
	fn->sriov_autoprobe = true;
	return fn;
}

struct device *mdevfs_pci_device_create(struct mdevfs_host *host,
					const struct mdevfs_pci_desc *pci)
{
	g_autofree char *parent = NULL;
	g_auto(GStrv) vars = NULL;
	const struct attribute_group **groups;
	struct mdevfs_device_desc desc = { 0 };
	struct pci_function *fn;
	struct pci_addr addr;
	struct device *dev;

	if (!pci || !pci_addr_parse(pci->bdf, &addr)) {
		errno = EINVAL;
		return NULL;
	}
	fn = fn_new(pci);
	if (!fn)
		return NULL;
	parent = pci->parent_path ?
		g_strdup(pci->parent_path) :
		g_strdup_printf("devices/pci%04x:00", addr.domain);
	vars = uevent_vars(&fn->desc, pci->uevent_vars);
	/* Its driver enabled what config says; the irq file names the
	 * first interrupt. */
	fn->msi = pci_msi_new(fn->config, fn->config_size, fn->desc.irq);
	groups = all_groups(fn, pci->groups);
	desc.name = pci->bdf;
	desc.parent_path = parent;
	desc.bus = "pci";
	desc.driver = pci->driver;
	desc.uevent_vars = (const char *const *)vars;
	desc.groups = groups;
	dev = mdevfs_device_create_with(host, &desc, NULL, fn, pci_function_free,
					groups);
	if (!dev) {
		g_free(groups);
		pci_function_free(fn);
	}
	return dev;
}
