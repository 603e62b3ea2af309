// SPDX-License-Identifier: MIT
/*
 * mtty's PCI function and its VFIO device interface, answering as the
 * kernel sample does:
 *
 *  - config space: 0xff bytes; ids 4348:3253 (also the subsystem pair),
 *    revision 0x10, class 07/00/02; command reads I/O+ and, like status,
 *    ignores writes; BAR0 (and BAR1 on the dual-port type) is an 8-byte
 *    I/O BAR that answers 0xffffffff with its size mask; BAR2-4 read 0;
 *    the interrupt line is writable, the pin is INTA.
 *  - regions: index << 40 is the offset; config is index 7 (0xff bytes),
 *    BAR n is port n (8 bytes); everything read/write, nothing mmappable.
 *    Accesses are split into naturally aligned 4/2/1-byte pieces; one
 *    outside a region fails the call with EFAULT.
 *  - ioctls: GET_INFO, GET_REGION_INFO, GET_IRQ_INFO (INTx and MSI, one
 *    vector each), SET_IRQS (eventfd triggers, INTx mask/unmask, software
 *    triggers), RESET (which, as in the sample, leaves the ports alone).
 *
 * Interrupts are signalled on the eventfds the user passed (we keep our
 * own duplicates); INTx masks itself when it fires.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mtty.h"

_Static_assert(sizeof(off_t) >= 8, "region offsets need a 64-bit off_t");

#define MTTY_VENDOR_ID		0x4348
#define MTTY_DEVICE_ID		0x3253
#define MTTY_REVISION		0x10
#define MTTY_CLASS		0x0700	/* simple communication, serial */
#define MTTY_PROG_IF		0x02	/* 16550-compatible */
#define MTTY_OFFSET_MASK	((UINT64_C(1) << MTTY_OFFSET_SHIFT) - 1)

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/* ---- little-endian helpers ---- */

static uint32_t get_le(const uint8_t *p, unsigned int size)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void put_le(uint8_t *p, unsigned int size, uint32_t v)
{
	for (unsigned int i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- configuration space ---- */

static void config_init(struct mdev_state *ms)
{
	static const char vendor_string[] = "PCI Serial/UART";
	uint8_t *c = ms->config;

	put_le(c + PCI_VENDOR_ID, 2, MTTY_VENDOR_ID);
	put_le(c + PCI_DEVICE_ID, 2, MTTY_DEVICE_ID);
	put_le(c + PCI_COMMAND, 2, PCI_COMMAND_IO);
	put_le(c + PCI_STATUS, 2, PCI_STATUS_DEVSEL_MEDIUM);
	c[PCI_REVISION_ID] = MTTY_REVISION;
	c[PCI_CLASS_PROG] = MTTY_PROG_IF;
	put_le(c + PCI_CLASS_DEVICE, 2, MTTY_CLASS);
	for (unsigned int i = 0; i < ms->nr_ports; i++)
		put_le(c + PCI_BASE_ADDRESS_0 + 4 * i, 4,
		       PCI_BASE_ADDRESS_SPACE_IO);
	put_le(c + PCI_SUBSYSTEM_VENDOR_ID, 2, MTTY_VENDOR_ID);
	put_le(c + PCI_SUBSYSTEM_ID, 2, MTTY_DEVICE_ID);
	c[PCI_INTERRUPT_PIN] = 1;	/* INTA# */
	/* The sample's vendor-specific bytes. */
	c[0x40] = 0x23;
	c[0x43] = 0x80;
	c[0x44] = 0x23;
	c[0x48] = 0x23;
	c[0x4c] = 0x23;
	memcpy(c + 0x60, vendor_string, sizeof(vendor_string) - 1);
}

/* A write covering a BAR: its low `size` bytes change, then the address
 * is aligned to the BAR size and the I/O space bit put back, so sizing
 * with 0xffffffff reads back 0xfffffff9.  A BAR with no port reads 0. */
static void config_bar_write(struct mdev_state *ms, unsigned int off,
			     unsigned int size, uint32_t val)
{
	unsigned int bar = (off - PCI_BASE_ADDRESS_0) / 4;
	uint8_t bytes[4];

	if (bar >= ms->nr_ports) {
		put_le(ms->config + off, 4, 0);
		return;
	}
	memcpy(bytes, ms->config + off, 4);
	put_le(bytes, size, val);
	val = get_le(bytes, 4) & ~(uint32_t)(MTTY_IO_BAR_SIZE - 1);
	put_le(ms->config + off, 4, val | PCI_BASE_ADDRESS_SPACE_IO);
}

/* Writes are decoded by the offset they start at, as the sample does. */
static void config_write(struct mdev_state *ms, unsigned int off,
			 unsigned int size, uint32_t val)
{
	switch (off) {
	case PCI_INTERRUPT_LINE:
		ms->config[off] = (uint8_t)val;
		break;
	case PCI_BASE_ADDRESS_0:
	case PCI_BASE_ADDRESS_1:
		config_bar_write(ms, off, size, val);
		break;
	case PCI_BASE_ADDRESS_2:
	case PCI_BASE_ADDRESS_3:
	case PCI_BASE_ADDRESS_4:
		put_le(ms->config + off, 4, 0);
		break;
	default:	/* ids, command, status, pin ...: read-only */
		break;
	}
}

/* ---- interrupts ---- */

static bool is_eventfd(int fd)
{
	char path[32], target[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventfd]") == 0;
}

/* Our own reference to the user's eventfd (the kernel's fdget). */
static int eventfd_get(int fd)
{
	int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (own < 0)
		return -EBADF;
	if (!is_eventfd(own)) {
		close(own);
		return -EINVAL;
	}
	return own;
}

static void eventfd_signal(int fd)
{
	uint64_t one = 1;
	ssize_t n = write(fd, &one, sizeof(one));

	(void)n;	/* a saturated counter stays saturated */
}

static void irq_disable(struct mdev_state *ms, unsigned int index)
{
	int *fd = index == VFIO_PCI_INTX_IRQ_INDEX ? &ms->intx_fd : &ms->msi_fd;

	if (*fd < 0)
		return;
	close(*fd);
	*fd = -1;
	ms->irq_index = -1;
	if (index == VFIO_PCI_INTX_IRQ_INDEX)
		ms->intx_masked = false;
}

static void irq_raise(struct mdev_state *ms)
{
	if (ms->irq_index == VFIO_PCI_MSI_IRQ_INDEX && ms->msi_fd >= 0) {
		eventfd_signal(ms->msi_fd);
	} else if (ms->irq_index == VFIO_PCI_INTX_IRQ_INDEX &&
		   ms->intx_fd >= 0 && !ms->intx_masked) {
		eventfd_signal(ms->intx_fd);
		ms->intx_masked = true;
	}
}

/* ---- state ---- */

struct mdev_state *mtty_state_new(unsigned int nr_ports)
{
	struct mdev_state *ms = g_new0(struct mdev_state, 1);

	ms->nr_ports = nr_ports;
	g_mutex_init(&ms->lock);
	ms->irq_index = -1;
	ms->intx_fd = -1;
	ms->msi_fd = -1;
	for (unsigned int i = 0; i < MTTY_MAX_PORTS; i++)
		mtty_port_init(&ms->ports[i]);
	config_init(ms);
	return ms;
}

void mtty_state_free(struct mdev_state *ms)
{
	irq_disable(ms, VFIO_PCI_INTX_IRQ_INDEX);
	irq_disable(ms, VFIO_PCI_MSI_IRQ_INDEX);
	g_mutex_clear(&ms->lock);
	g_free(ms);
}

/* ---- regions ---- */

static uint64_t region_size(const struct mdev_state *ms, unsigned int index)
{
	if (index == VFIO_PCI_CONFIG_REGION_INDEX)
		return MTTY_CONFIG_SIZE;
	if (index <= VFIO_PCI_BAR5_REGION_INDEX && index < ms->nr_ports)
		return MTTY_IO_BAR_SIZE;
	return 0;
}

static void bar_access(struct mdev_state *ms, unsigned int index,
		       unsigned int off, uint32_t *val, bool write)
{
	struct mtty_port *port = &ms->ports[index];
	bool irq = false;

	if (write)
		mtty_port_write(port, off, (uint8_t)*val, &irq);
	else
		*val = mtty_port_read(port, off, &irq);
	if (irq)
		irq_raise(ms);
}

/* One aligned access of 1, 2 or 4 bytes at device offset pos. */
static int region_access(struct mdev_state *ms, uint64_t pos,
			 unsigned int size, uint32_t *val, bool write)
{
	uint64_t index = pos >> MTTY_OFFSET_SHIFT;
	uint64_t off = pos & MTTY_OFFSET_MASK;

	if (index >= VFIO_PCI_NUM_REGIONS ||
	    off + size > region_size(ms, (unsigned int)index))
		return -EFAULT;
	if (index != VFIO_PCI_CONFIG_REGION_INDEX)
		bar_access(ms, (unsigned int)index, (unsigned int)off, val,
			   write);
	else if (write)
		config_write(ms, (unsigned int)off, size, *val);
	else
		*val = get_le(ms->config + off, size);
	return 0;
}

static unsigned int piece_size(uint64_t pos, size_t left)
{
	if (left >= 4 && !(pos % 4))
		return 4;
	if (left >= 2 && !(pos % 2))
		return 2;
	return 1;
}

/* Read into out, or write from in; *ppos advances piece by piece. */
static ssize_t region_rw(struct mdev_device *mdev, const uint8_t *in,
			 uint8_t *out, size_t count, off_t *ppos)
{
	struct mdev_state *ms = mdev_get_drvdata(mdev);
	size_t done = 0;
	int ret = 0;

	if (!ms)
		return -ENODEV;
	if ((!in && !out) || !ppos || *ppos < 0)
		return -EFAULT;
	if (count > SSIZE_MAX)
		return -EINVAL;
	g_mutex_lock(&ms->lock);
	while (done < count) {
		unsigned int n = piece_size((uint64_t)*ppos, count - done);
		uint32_t val = in ? get_le(in + done, n) : 0;

		ret = region_access(ms, (uint64_t)*ppos, n, &val, in != NULL);
		if (ret)
			break;
		if (out)
			put_le(out + done, n, val);
		done += n;
		*ppos += n;
	}
	g_mutex_unlock(&ms->lock);
	return ret ? ret : (ssize_t)done;
}

ssize_t mtty_read(struct mdev_device *mdev, char *buf, size_t count,
		  off_t *ppos)
{
	return region_rw(mdev, NULL, (uint8_t *)buf, count, ppos);
}

ssize_t mtty_write(struct mdev_device *mdev, const char *buf, size_t count,
		   off_t *ppos)
{
	return region_rw(mdev, (const uint8_t *)buf, NULL, count, ppos);
}

/* ---- ioctls ---- */

/* Copy in the fixed part of the caller's struct once its argsz says it is
 * all there; EINVAL otherwise. */
static int copy_in(void *dst, const void *arg, size_t minsz)
{
	uint32_t argsz;

	memcpy(&argsz, arg, sizeof(argsz));
	if (argsz < minsz)
		return -EINVAL;
	memcpy(dst, arg, minsz);
	return 0;
}

static long get_device_info(void *arg)
{
	const size_t minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_in(&info, arg, minsz))
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	memcpy(arg, &info, minsz);
	return 0;
}

static long get_region_info(struct mdev_state *ms, void *arg)
{
	const size_t minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;

	if (copy_in(&info, arg, minsz) || info.index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	info.cap_offset = 0;
	info.size = region_size(ms, info.index);
	info.offset = (uint64_t)info.index << MTTY_OFFSET_SHIFT;
	memcpy(arg, &info, minsz);
	return 0;
}

static long get_irq_info(void *arg)
{
	const size_t minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_in(&info, arg, minsz) ||
	    (info.index != VFIO_PCI_INTX_IRQ_INDEX &&
	     info.index != VFIO_PCI_MSI_IRQ_INDEX))
		return -EINVAL;
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
	info.count = 1;
	memcpy(arg, &info, minsz);
	return 0;
}

/* The VFIO core's header checks (vfio_set_irqs_validate_and_prepare),
 * plus: exactly one action. */
static int irq_set_validate(const struct vfio_irq_set *hdr, size_t minsz)
{
	uint32_t action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	size_t size;

	if (hdr->argsz < minsz || hdr->index >= VFIO_PCI_NUM_IRQS ||
	    hdr->count >= UINT32_MAX - hdr->start ||
	    (hdr->flags & ~(uint32_t)(VFIO_IRQ_SET_DATA_TYPE_MASK |
				      VFIO_IRQ_SET_ACTION_TYPE_MASK)) ||
	    !action || (action & (action - 1)))
		return -EINVAL;
	if (hdr->start >= VFIO_PCI_NUM_IRQS ||
	    hdr->start + hdr->count > VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	switch (hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		size = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		size = sizeof(uint8_t);
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		size = sizeof(int32_t);
		break;
	default:
		return -EINVAL;
	}
	if (hdr->argsz - minsz < (size_t)hdr->count * size)
		return -EINVAL;
	return 0;
}

/* DATA_NONE, or a true DATA_BOOL. */
static bool irq_set_asserted(const struct vfio_irq_set *hdr,
			     const uint8_t *data)
{
	return (hdr->flags & VFIO_IRQ_SET_DATA_NONE) ||
	       ((hdr->flags & VFIO_IRQ_SET_DATA_BOOL) && data[0]);
}

static long intx_mask(struct mdev_state *ms, const struct vfio_irq_set *hdr,
		      const uint8_t *data, bool mask)
{
	if (ms->irq_index != VFIO_PCI_INTX_IRQ_INDEX || hdr->start ||
	    hdr->count != 1)
		return -EINVAL;
	if (hdr->flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return -ENOTTY;	/* no irqfd masking */
	if (irq_set_asserted(hdr, data))
		ms->intx_masked = mask;
	return 0;
}

static long irq_set_eventfd(struct mdev_state *ms, unsigned int index,
			    const uint8_t *data)
{
	int32_t fd;
	int own;

	memcpy(&fd, data, sizeof(fd));
	irq_disable(ms, index);
	if (fd < 0)
		return 0;
	own = eventfd_get(fd);
	if (own < 0)
		return own;
	if (index == VFIO_PCI_INTX_IRQ_INDEX)
		ms->intx_fd = own;
	else
		ms->msi_fd = own;
	ms->irq_index = (int)index;
	return 0;
}

/* ACTION_TRIGGER on INTx or MSI: only one of them is live at a time. */
static long irq_trigger(struct mdev_state *ms, const struct vfio_irq_set *hdr,
			const uint8_t *data)
{
	int index = (int)hdr->index;

	if (ms->irq_index == index && !hdr->count &&
	    (hdr->flags & VFIO_IRQ_SET_DATA_NONE)) {
		irq_disable(ms, hdr->index);
		return 0;
	}
	if ((ms->irq_index != index && ms->irq_index != -1) || hdr->start ||
	    hdr->count != 1)
		return -EINVAL;
	if (hdr->flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return irq_set_eventfd(ms, hdr->index, data);
	if (ms->irq_index != index)
		return -EINVAL;
	if (irq_set_asserted(hdr, data))
		irq_raise(ms);
	return 0;
}

static long irq_set(struct mdev_state *ms, const struct vfio_irq_set *hdr,
		    const uint8_t *data)
{
	uint32_t action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;

	switch (hdr->index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return irq_trigger(ms, hdr, data);
		return intx_mask(ms, hdr, data,
				 action == VFIO_IRQ_SET_ACTION_MASK);
	case VFIO_PCI_MSI_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return irq_trigger(ms, hdr, data);
		return -ENOTTY;	/* MSI cannot be masked */
	default:		/* MSI-X, ERR, REQ: not implemented */
		return -ENOTTY;
	}
}

static long set_irqs(struct mdev_state *ms, void *arg)
{
	const size_t minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	long ret;

	if (copy_in(&hdr, arg, minsz) || irq_set_validate(&hdr, minsz))
		return -EINVAL;
	g_mutex_lock(&ms->lock);
	ret = irq_set(ms, &hdr, (const uint8_t *)arg + minsz);
	g_mutex_unlock(&ms->lock);
	return ret;
}

long mtty_ioctl(struct mdev_device *mdev, unsigned int cmd,
		unsigned long arg)
{
	struct mdev_state *ms = mdev_get_drvdata(mdev);
	void *uarg = (void *)arg;

	if (!ms)
		return -ENODEV;
	if (cmd == VFIO_DEVICE_RESET)
		return 0;
	if (!uarg)
		return -EFAULT;
	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return get_device_info(uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return get_region_info(ms, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return get_irq_info(uarg);
	case VFIO_DEVICE_SET_IRQS:
		return set_irqs(ms, uarg);
	default:
		return -ENOTTY;
	}
}

/* ---- open, close, mmap ---- */

int mtty_open_device(struct mdev_device *mdev)
{
	struct mdev_state *ms = mdev_get_drvdata(mdev);

	if (!ms)
		return -ENODEV;
	g_mutex_lock(&ms->lock);
	ms->opens++;
	g_mutex_unlock(&ms->lock);
	return 0;
}

/* The last close drops the interrupt eventfds, as the sample's does. */
void mtty_close_device(struct mdev_device *mdev)
{
	struct mdev_state *ms = mdev_get_drvdata(mdev);

	if (!ms)
		return;
	g_mutex_lock(&ms->lock);
	if (ms->opens && !--ms->opens) {
		irq_disable(ms, VFIO_PCI_INTX_IRQ_INDEX);
		irq_disable(ms, VFIO_PCI_MSI_IRQ_INDEX);
	}
	g_mutex_unlock(&ms->lock);
}

int mtty_mmap(struct mdev_device *mdev, struct mdevfs_vma *vma)
{
	(void)mdev;
	(void)vma;
	return -EINVAL;	/* no region is mmappable */
}
