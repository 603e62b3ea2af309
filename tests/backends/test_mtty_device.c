// SPDX-License-Identifier: MIT
/*
 * mtty's device side through the core's VFIO entry points: config space,
 * BAR sizing, region/irq info, the loopback UART, interrupts on eventfds,
 * errors, and a remove that waits for the last close.
 */
#include <errno.h>
#include <linux/pci_regs.h>
#include <linux/serial_reg.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backend_test.h"

#define T "devices/virtual/mtty/mtty/mdev_supported_types"
#define U1 "7a1c0e4e-1f0b-4b2a-8d6e-3b5f0c9d1a01"
#define U2 "7a1c0e4e-1f0b-4b2a-8d6e-3b5f0c9d1a02"

#define CFG VFIO_PCI_CONFIG_REGION_INDEX

struct dut {
	struct bt bt;
	struct mdev_device *mdev;
};

static struct mdev_device *create(struct bt *bt, int ports, const char *uuid)
{
	char type[16];
	uuid_t u;

	snprintf(type, sizeof(type), "mtty-%d", ports);
	bt_expect_create(bt, T, type, uuid, 0);
	ck_assert_int_eq(uuid_parse(uuid, u), 0);
	return peek_mdev(bt->host, u);
}

/* A host with mtty loaded and one open device of `ports` ports. */
static void dut_start(struct dut *d, int ports)
{
	bt_start(&d->bt, NULL);
	bt_load(&d->bt, "mtty");
	d->mdev = create(&d->bt, ports, U1);
	ck_assert_ptr_nonnull(d->mdev);
	ck_assert_int_eq(mdev_device_open(d->mdev), 0);
}

static void dut_stop(struct dut *d)
{
	mdev_device_close(d->mdev);
	bt_stop(&d->bt);
}

static off_t at(unsigned int index, uint64_t off)
{
	return (off_t)(((uint64_t)index << 40) + off);
}

static uint32_t rd(struct dut *d, unsigned int index, uint64_t off,
		   unsigned int size)
{
	uint8_t b[4] = { 0 };
	off_t pos = at(index, off);
	uint32_t v = 0;

	ck_assert_int_eq(mdev_device_read(d->mdev, (char *)b, size, &pos),
			 size);
	ck_assert_int_eq(pos, at(index, off + size));
	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)b[i] << (8 * i);
	return v;
}

static void wr(struct dut *d, unsigned int index, uint64_t off,
	       unsigned int size, uint32_t v)
{
	uint8_t b[4];
	off_t pos = at(index, off);

	for (unsigned int i = 0; i < size; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	ck_assert_int_eq(mdev_device_write(d->mdev, (char *)b, size, &pos),
			 size);
}

static uint8_t uart_rd(struct dut *d, unsigned int port, unsigned int reg)
{
	return (uint8_t)rd(d, port, reg, 1);
}

static void uart_wr(struct dut *d, unsigned int port, unsigned int reg,
		    uint8_t v)
{
	wr(d, port, reg, 1, v);
}

static long ioc(struct dut *d, unsigned int cmd, void *arg)
{
	return mdev_device_ioctl(d->mdev, cmd, (unsigned long)arg);
}

/* ---- config space ---- */

START_TEST(config_ids_and_class)
{
	struct dut d;

	dut_start(&d, 1);
	ck_assert_uint_eq(rd(&d, CFG, PCI_VENDOR_ID, 2), 0x4348);
	ck_assert_uint_eq(rd(&d, CFG, PCI_DEVICE_ID, 2), 0x3253);
	ck_assert_uint_eq(rd(&d, CFG, PCI_VENDOR_ID, 4), 0x32534348);
	ck_assert_uint_eq(rd(&d, CFG, PCI_SUBSYSTEM_VENDOR_ID, 2), 0x4348);
	ck_assert_uint_eq(rd(&d, CFG, PCI_SUBSYSTEM_ID, 2), 0x3253);
	ck_assert_uint_eq(rd(&d, CFG, PCI_REVISION_ID, 1), 0x10);
	ck_assert_uint_eq(rd(&d, CFG, PCI_CLASS_PROG, 1), 0x02);
	ck_assert_uint_eq(rd(&d, CFG, PCI_CLASS_DEVICE, 1), 0x00);
	ck_assert_uint_eq(rd(&d, CFG, PCI_CLASS_DEVICE + 1, 1), 0x07);
	ck_assert_uint_eq(rd(&d, CFG, PCI_CLASS_REVISION, 4), 0x07000210);
	ck_assert_uint_eq(rd(&d, CFG, PCI_COMMAND, 2), PCI_COMMAND_IO);
	ck_assert_uint_eq(rd(&d, CFG, PCI_STATUS, 2), 0x0200);
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_0, 4),
			  PCI_BASE_ADDRESS_SPACE_IO);
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_1, 4), 0);
	ck_assert_uint_eq(rd(&d, CFG, PCI_INTERRUPT_PIN, 1), 1);
	ck_assert_uint_eq(rd(&d, CFG, PCI_CAPABILITY_LIST, 1), 0);
	/* The last byte of the 0xff-byte space is 0xfe. */
	ck_assert_uint_eq(rd(&d, CFG, 0xfe, 1), 0);
	dut_stop(&d);
}
END_TEST

/* One read call spanning several pieces (4 + 2 + 1 bytes). */
START_TEST(config_multi_piece_read)
{
	struct dut d;
	uint8_t b[7];
	off_t pos = at(CFG, 0);

	dut_start(&d, 2);
	ck_assert_int_eq(mdev_device_read(d.mdev, (char *)b, sizeof(b), &pos),
			 7);
	ck_assert_int_eq(pos, at(CFG, 7));
	ck_assert_mem_eq(b, "\x48\x43\x53\x32\x01\x00\x00", 7);
	/* Unaligned start: 1 + 2 + 1. */
	pos = at(CFG, 1);
	ck_assert_int_eq(mdev_device_read(d.mdev, (char *)b, 4, &pos), 4);
	ck_assert_mem_eq(b, "\x43\x53\x32\x01", 4);
	dut_stop(&d);
}
END_TEST

START_TEST(config_bar_sizing)
{
	struct dut d;

	dut_start(&d, 2);
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_1, 4),
			  PCI_BASE_ADDRESS_SPACE_IO);
	wr(&d, CFG, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_0, 4), 0xfffffff9);
	wr(&d, CFG, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_1, 4), 0xfffffff9);
	/* Program addresses: aligned to 8, I/O bit kept. */
	wr(&d, CFG, PCI_BASE_ADDRESS_0, 4, 0xc000);
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_0, 4), 0xc001);
	wr(&d, CFG, PCI_BASE_ADDRESS_1, 4, 0xc00e);
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_1, 4), 0xc009);
	/* A 16-bit write changes the low half only. */
	wr(&d, CFG, PCI_BASE_ADDRESS_0, 2, 0xd000);
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_0, 4), 0xd001);
	/* BAR2..4 do not exist. */
	wr(&d, CFG, PCI_BASE_ADDRESS_2, 4, 0xffffffff);
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_2, 4), 0);
	wr(&d, CFG, PCI_BASE_ADDRESS_4, 4, 0xffffffff);
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_4, 4), 0);
	dut_stop(&d);
}
END_TEST

START_TEST(config_single_port_bar1_absent)
{
	struct dut d;

	dut_start(&d, 1);
	wr(&d, CFG, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_0, 4), 0xfffffff9);
	wr(&d, CFG, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_1, 4), 0);
	dut_stop(&d);
}
END_TEST

/* Ids, command and status ignore writes; the interrupt line does not. */
START_TEST(config_read_only_fields)
{
	struct dut d;

	dut_start(&d, 1);
	wr(&d, CFG, PCI_VENDOR_ID, 4, 0);
	ck_assert_uint_eq(rd(&d, CFG, PCI_VENDOR_ID, 4), 0x32534348);
	wr(&d, CFG, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	ck_assert_uint_eq(rd(&d, CFG, PCI_COMMAND, 2), PCI_COMMAND_IO);
	wr(&d, CFG, PCI_STATUS, 2, 0xffff);
	ck_assert_uint_eq(rd(&d, CFG, PCI_STATUS, 2), 0x0200);
	wr(&d, CFG, PCI_CLASS_REVISION, 4, 0);
	ck_assert_uint_eq(rd(&d, CFG, PCI_CLASS_REVISION, 4), 0x07000210);
	wr(&d, CFG, PCI_INTERRUPT_LINE, 1, 11);
	ck_assert_uint_eq(rd(&d, CFG, PCI_INTERRUPT_LINE, 1), 11);
	wr(&d, CFG, PCI_INTERRUPT_PIN, 1, 4);
	ck_assert_uint_eq(rd(&d, CFG, PCI_INTERRUPT_PIN, 1), 1);
	dut_stop(&d);
}
END_TEST

/* ---- ioctls ---- */

START_TEST(device_info)
{
	struct dut d;
	struct vfio_device_info info = { .argsz = sizeof(info) };

	dut_start(&d, 1);
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_GET_INFO, &info), 0);
	ck_assert_uint_eq(info.flags, VFIO_DEVICE_FLAGS_PCI);
	ck_assert_uint_eq(info.num_regions, 9);
	ck_assert_uint_eq(info.num_irqs, 5);
	info.argsz = offsetof(struct vfio_device_info, num_irqs);
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_GET_INFO, &info), -EINVAL);
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_GET_INFO, NULL), -EFAULT);
	ck_assert_int_eq(ioc(&d, 0x1234, &info), -ENOTTY);
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_RESET, NULL), 0);
	dut_stop(&d);
}
END_TEST

static struct vfio_region_info region_info(struct dut *d, unsigned int index)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index,
				       .cap_offset = 77 };

	ck_assert_int_eq(ioc(d, VFIO_DEVICE_GET_REGION_INFO, &ri), 0);
	ck_assert_uint_eq(ri.index, index);
	ck_assert_uint_eq(ri.offset, (uint64_t)index << 40);
	ck_assert_uint_eq(ri.flags, VFIO_REGION_INFO_FLAG_READ |
					    VFIO_REGION_INFO_FLAG_WRITE);
	ck_assert_uint_eq(ri.cap_offset, 0);
	return ri;
}

static void check_regions(int ports)
{
	struct dut d;
	struct vfio_region_info ri = { .argsz = sizeof(ri) };

	dut_start(&d, ports);
	ck_assert_uint_eq(region_info(&d, VFIO_PCI_BAR0_REGION_INDEX).size, 8);
	ck_assert_uint_eq(region_info(&d, VFIO_PCI_BAR1_REGION_INDEX).size,
			  ports == 2 ? 8 : 0);
	for (unsigned int i = VFIO_PCI_BAR2_REGION_INDEX;
	     i <= VFIO_PCI_ROM_REGION_INDEX; i++)
		ck_assert_uint_eq(region_info(&d, i).size, 0);
	ck_assert_uint_eq(region_info(&d, CFG).size, 0xff);
	ck_assert_uint_eq(region_info(&d, VFIO_PCI_VGA_REGION_INDEX).size, 0);
	ri.index = VFIO_PCI_NUM_REGIONS;
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_GET_REGION_INFO, &ri), -EINVAL);
	ri.index = 0;
	ri.argsz = offsetof(struct vfio_region_info, offset);
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_GET_REGION_INFO, &ri), -EINVAL);
	dut_stop(&d);
}

START_TEST(region_info_single)
{
	check_regions(1);
}
END_TEST

START_TEST(region_info_dual)
{
	check_regions(2);
}
END_TEST

START_TEST(irq_info)
{
	struct dut d;
	struct vfio_irq_info ii = { .argsz = sizeof(ii) };

	dut_start(&d, 1);
	ii.index = VFIO_PCI_INTX_IRQ_INDEX;
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_GET_IRQ_INFO, &ii), 0);
	ck_assert_uint_eq(ii.flags, VFIO_IRQ_INFO_EVENTFD |
					    VFIO_IRQ_INFO_MASKABLE |
					    VFIO_IRQ_INFO_AUTOMASKED);
	ck_assert_uint_eq(ii.count, 1);
	ii.index = VFIO_PCI_MSI_IRQ_INDEX;
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_GET_IRQ_INFO, &ii), 0);
	ck_assert_uint_eq(ii.flags,
			  VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE);
	ck_assert_uint_eq(ii.count, 1);
	for (unsigned int i = VFIO_PCI_MSIX_IRQ_INDEX; i <= 5; i++) {
		ii.index = i;
		ck_assert_int_eq(ioc(&d, VFIO_DEVICE_GET_IRQ_INFO, &ii),
				 -EINVAL);
	}
	ii.index = 0;
	ii.argsz = 8;
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_GET_IRQ_INFO, &ii), -EINVAL);
	dut_stop(&d);
}
END_TEST

/* ---- the UART ---- */

START_TEST(uart_reset_values)
{
	struct dut d;

	dut_start(&d, 1);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_IER), 0);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_IIR), 0xc0 | UART_IIR_NO_INT);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LCR), 0);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_MCR), 0);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR),
			  UART_LSR_TEMT | UART_LSR_THRE);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_MSR),
			  UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS |
				  UART_MSR_DDSR | UART_MSR_DCTS);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_SCR), 0);
	dut_stop(&d);
}
END_TEST

START_TEST(uart_loopback)
{
	static const char msg[] = "hello";
	struct dut d;

	dut_start(&d, 1);
	for (size_t i = 0; i < strlen(msg); i++)
		uart_wr(&d, 0, UART_TX, (uint8_t)msg[i]);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR), UART_LSR_DR);
	for (size_t i = 0; i < strlen(msg); i++) {
		ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR) & UART_LSR_DR,
				  UART_LSR_DR);
		ck_assert_uint_eq(uart_rd(&d, 0, UART_RX), (uint8_t)msg[i]);
	}
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR),
			  UART_LSR_TEMT | UART_LSR_THRE);
	/* An empty FIFO reads 0. */
	ck_assert_uint_eq(uart_rd(&d, 0, UART_RX), 0);
	/* A 4-byte access to THR sends its low byte only. */
	wr(&d, 0, UART_TX, 4, 0x44332211);
	ck_assert_uint_eq(rd(&d, 0, UART_RX, 4), 0x11);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR) & UART_LSR_DR, 0);
	dut_stop(&d);
}
END_TEST

/* 16 bytes fit; the 17th is lost and flags an overrun. */
START_TEST(uart_fifo_capacity)
{
	struct dut d;

	dut_start(&d, 1);
	for (unsigned int i = 0; i < 16; i++)
		uart_wr(&d, 0, UART_TX, (uint8_t)('a' + i));
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR), UART_LSR_DR);
	uart_wr(&d, 0, UART_TX, 'X');
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR),
			  UART_LSR_DR | UART_LSR_OE);
	for (unsigned int i = 0; i < 16; i++)
		ck_assert_uint_eq(uart_rd(&d, 0, UART_RX), 'a' + i);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR),
			  UART_LSR_TEMT | UART_LSR_THRE | UART_LSR_OE);
	/* The ring wraps; a successful write clears the overrun. */
	for (unsigned int i = 0; i < 10; i++)
		uart_wr(&d, 0, UART_TX, (uint8_t)i);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR), UART_LSR_DR);
	for (unsigned int i = 0; i < 10; i++)
		ck_assert_uint_eq(uart_rd(&d, 0, UART_RX), i);
	dut_stop(&d);
}
END_TEST

START_TEST(uart_fcr)
{
	struct dut d;

	dut_start(&d, 1);
	uart_wr(&d, 0, UART_TX, 1);
	uart_wr(&d, 0, UART_TX, 2);
	uart_wr(&d, 0, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR),
			  UART_LSR_TEMT | UART_LSR_THRE);
	/* FIFO off: a one-byte holding register. */
	uart_wr(&d, 0, UART_FCR, 0);
	uart_wr(&d, 0, UART_TX, 7);
	uart_wr(&d, 0, UART_TX, 8);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR),
			  UART_LSR_DR | UART_LSR_OE);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_RX), 7);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR) & UART_LSR_DR, 0);
	dut_stop(&d);
}
END_TEST

START_TEST(uart_dlab)
{
	struct dut d;

	dut_start(&d, 1);
	uart_wr(&d, 0, UART_IER, UART_IER_RDI);
	uart_wr(&d, 0, UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LCR),
			  UART_LCR_DLAB | UART_LCR_WLEN8);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_DLL), 0);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_DLM), 0);
	uart_wr(&d, 0, UART_DLL, 0x0c);
	uart_wr(&d, 0, UART_DLM, 0x01);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_DLL), 0x0c);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_DLM), 0x01);
	/* The divisor latch did not feed the FIFO. */
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR) & UART_LSR_DR, 0);
	uart_wr(&d, 0, UART_LCR, UART_LCR_WLEN8);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_IER), UART_IER_RDI);
	uart_wr(&d, 0, UART_TX, 'z');
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	/* With DLAB set again, RBR is hidden behind DLL (reset to 0). */
	uart_wr(&d, 0, UART_LCR, UART_LCR_DLAB);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_DLL), 0);
	uart_wr(&d, 0, UART_LCR, 0);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_RX), 'z');
	dut_stop(&d);
}
END_TEST

START_TEST(uart_registers)
{
	struct dut d;

	dut_start(&d, 1);
	uart_wr(&d, 0, UART_SCR, 0x5a);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_SCR), 0x5a);
	uart_wr(&d, 0, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_MCR),
			  UART_MCR_LOOP | UART_MCR_OUT2);
	uart_wr(&d, 0, UART_IER, 0xff);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_IER), 0x0f);
	/* LSR and MSR ignore writes. */
	uart_wr(&d, 0, UART_LSR, 0xff);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR),
			  UART_LSR_TEMT | UART_LSR_THRE);
	uart_wr(&d, 0, UART_MSR, 0);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_MSR), 0xb3);
	dut_stop(&d);
}
END_TEST

START_TEST(uart_iir)
{
	struct dut d;

	dut_start(&d, 1);
	uart_wr(&d, 0, UART_IER, UART_IER_THRI);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_IIR), 0xc0 | UART_IIR_THRI);
	uart_wr(&d, 0, UART_IER, UART_IER_THRI | UART_IER_RDI);
	uart_wr(&d, 0, UART_TX, 1);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_IIR), 0xc0 | UART_IIR_RDI);
	uart_wr(&d, 0, UART_IER, UART_IER_RLSI | UART_IER_RDI);
	for (unsigned int i = 0; i < 16; i++)
		uart_wr(&d, 0, UART_TX, 1);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_IIR), 0xc0 | UART_IIR_RLSI);
	dut_stop(&d);
}
END_TEST

/* Auto flow control drops CTS while the FIFO is full. */
START_TEST(uart_afe_cts)
{
	struct dut d;

	dut_start(&d, 1);
	uart_wr(&d, 0, UART_MCR, UART_MCR_AFE);
	for (unsigned int i = 0; i < 16; i++)
		uart_wr(&d, 0, UART_TX, 1);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_MSR) & UART_MSR_CTS, 0);
	uart_rd(&d, 0, UART_RX);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_MSR) & UART_MSR_CTS,
			  UART_MSR_CTS);
	dut_stop(&d);
}
END_TEST

START_TEST(uart_dual_ports_independent)
{
	struct dut d;

	dut_start(&d, 2);
	uart_wr(&d, 0, UART_TX, 'A');
	uart_wr(&d, 1, UART_TX, 'B');
	uart_wr(&d, 1, UART_TX, 'C');
	uart_wr(&d, 1, UART_SCR, 9);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_SCR), 0);
	ck_assert_uint_eq(uart_rd(&d, 1, UART_RX), 'B');
	ck_assert_uint_eq(uart_rd(&d, 0, UART_RX), 'A');
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR) & UART_LSR_DR, 0);
	ck_assert_uint_eq(uart_rd(&d, 1, UART_RX), 'C');
	dut_stop(&d);
}
END_TEST

/* ---- bad accesses ---- */

static void expect_rw_fails(struct dut *d, off_t where, size_t len)
{
	char b[8] = { 0 };
	off_t pos = where;

	ck_assert_int_eq(mdev_device_read(d->mdev, b, len, &pos), -EFAULT);
	pos = where;
	ck_assert_int_eq(mdev_device_write(d->mdev, b, len, &pos), -EFAULT);
}

START_TEST(region_access_errors)
{
	struct dut d;
	char b[4];
	off_t pos;

	dut_start(&d, 1);
	expect_rw_fails(&d, at(CFG, 0xff), 1);
	expect_rw_fails(&d, at(CFG, 0xfc), 4);
	expect_rw_fails(&d, at(0, 8), 1);
	expect_rw_fails(&d, at(0, 6), 4);
	expect_rw_fails(&d, at(1, 0), 1);	/* no second port */
	expect_rw_fails(&d, at(2, 0), 1);
	expect_rw_fails(&d, at(VFIO_PCI_ROM_REGION_INDEX, 0), 1);
	expect_rw_fails(&d, at(VFIO_PCI_VGA_REGION_INDEX, 0), 1);
	expect_rw_fails(&d, at(9, 0), 1);
	expect_rw_fails(&d, -1, 1);
	/* A read running off the end fails after the pieces that fit. */
	pos = at(CFG, 0xfd);
	ck_assert_int_eq(mdev_device_read(d.mdev, b, 4, &pos), -EFAULT);
	ck_assert_int_eq(pos, at(CFG, 0xfe));
	/* Zero bytes is fine anywhere. */
	pos = at(9, 0);
	ck_assert_int_eq(mdev_device_read(d.mdev, b, 0, &pos), 0);
	ck_assert_int_eq(d.mdev->type->parent->ops->mmap(
				 d.mdev, &(struct mdevfs_vma){ .len = 4096 }),
			 -EINVAL);
	dut_stop(&d);
}
END_TEST

/* ---- interrupts ---- */

/* struct vfio_irq_set spelt out, with its data[] (clang will not have a
 * flexible-array struct as a member that is not the last). */
struct irq_set_hdr {
	uint32_t argsz, flags, index, start, count;
};

struct irq_set_fd {
	struct irq_set_hdr hdr;
	int32_t fd;
};

_Static_assert(sizeof(struct irq_set_hdr) == sizeof(struct vfio_irq_set),
	       "struct irq_set_hdr is struct vfio_irq_set");

static long set_irq_fd(struct dut *d, unsigned int index, int fd)
{
	struct irq_set_fd s = {
		.hdr = { .argsz = sizeof(s), .index = index, .count = 1,
			 .flags = VFIO_IRQ_SET_DATA_EVENTFD |
				  VFIO_IRQ_SET_ACTION_TRIGGER },
		.fd = fd,
	};

	return ioc(d, VFIO_DEVICE_SET_IRQS, &s);
}

static long set_irq(struct dut *d, unsigned int index, uint32_t flags,
		    uint32_t count)
{
	struct vfio_irq_set hdr = { .argsz = sizeof(hdr), .index = index,
				    .flags = flags, .count = count };

	return ioc(d, VFIO_DEVICE_SET_IRQS, &hdr);
}

static long set_irq_bool(struct dut *d, unsigned int index, uint32_t action,
			 uint8_t val)
{
	struct {
		struct irq_set_hdr hdr;
		uint8_t val;
	} s = { .hdr = { .argsz = sizeof(s), .index = index, .count = 1,
			 .flags = VFIO_IRQ_SET_DATA_BOOL | action },
		.val = val };

	return ioc(d, VFIO_DEVICE_SET_IRQS, &s);
}

static uint64_t events(int efd)
{
	uint64_t n = 0;

	if (read(efd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

#define NONE_TRIGGER (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER)
#define NONE_MASK (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK)
#define NONE_UNMASK (VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK)

START_TEST(intx_eventfd)
{
	struct dut d;
	int efd = eventfd(0, EFD_NONBLOCK);

	ck_assert_int_ge(efd, 0);
	dut_start(&d, 1);
	/* Nothing to mask or trigger before an eventfd is set. */
	ck_assert_int_eq(set_irq(&d, 0, NONE_MASK, 1), -EINVAL);
	ck_assert_int_eq(set_irq(&d, 0, NONE_TRIGGER, 1), -EINVAL);
	ck_assert_int_eq(set_irq_fd(&d, VFIO_PCI_INTX_IRQ_INDEX, efd), 0);
	/* The receive interrupt, then INTx stays masked until unmasked. */
	uart_wr(&d, 0, UART_IER, UART_IER_RDI);
	uart_wr(&d, 0, UART_TX, 'x');
	ck_assert_uint_eq(events(efd), 1);
	uart_rd(&d, 0, UART_RX);
	uart_wr(&d, 0, UART_TX, 'y');
	ck_assert_uint_eq(events(efd), 0);
	ck_assert_int_eq(set_irq(&d, 0, NONE_UNMASK, 1), 0);
	/* Software trigger. */
	ck_assert_int_eq(set_irq(&d, 0, NONE_TRIGGER, 1), 0);
	ck_assert_uint_eq(events(efd), 1);
	ck_assert_int_eq(set_irq_bool(&d, 0, VFIO_IRQ_SET_ACTION_UNMASK, 1), 0);
	ck_assert_int_eq(set_irq_bool(&d, 0, VFIO_IRQ_SET_ACTION_MASK, 1), 0);
	ck_assert_int_eq(set_irq(&d, 0, NONE_TRIGGER, 1), 0);
	ck_assert_uint_eq(events(efd), 0);
	ck_assert_int_eq(set_irq(&d, 0, NONE_UNMASK, 1), 0);
	ck_assert_int_eq(set_irq_bool(&d, 0, VFIO_IRQ_SET_ACTION_TRIGGER, 0),
			 0);
	ck_assert_uint_eq(events(efd), 0);
	ck_assert_int_eq(set_irq_bool(&d, 0, VFIO_IRQ_SET_ACTION_TRIGGER, 1),
			 0);
	ck_assert_uint_eq(events(efd), 1);
	/* MSI cannot be set while INTx is live. */
	ck_assert_int_eq(set_irq_fd(&d, VFIO_PCI_MSI_IRQ_INDEX, efd), -EINVAL);
	/* Disable: count 0, DATA_NONE. */
	ck_assert_int_eq(set_irq(&d, 0, NONE_TRIGGER, 0), 0);
	ck_assert_int_eq(set_irq(&d, 0, NONE_UNMASK, 1), -EINVAL);
	dut_stop(&d);
	close(efd);
}
END_TEST

START_TEST(msi_eventfd)
{
	struct dut d;
	int efd = eventfd(0, EFD_NONBLOCK);

	ck_assert_int_ge(efd, 0);
	dut_start(&d, 2);
	ck_assert_int_eq(set_irq_fd(&d, VFIO_PCI_MSI_IRQ_INDEX, efd), 0);
	/* MSI is not automasked: every event is delivered. */
	uart_wr(&d, 1, UART_IER, UART_IER_THRI);	/* FIFO empty: fires */
	ck_assert_uint_eq(events(efd), 1);
	ck_assert_int_eq(set_irq(&d, 1, NONE_TRIGGER, 1), 0);
	ck_assert_int_eq(set_irq(&d, 1, NONE_TRIGGER, 1), 0);
	ck_assert_uint_eq(events(efd), 2);
	ck_assert_int_eq(set_irq(&d, 1, NONE_MASK, 1), -ENOTTY);
	ck_assert_int_eq(set_irq(&d, 0, NONE_MASK, 1), -EINVAL);
	/* An fd of -1 unsets it. */
	ck_assert_int_eq(set_irq_fd(&d, VFIO_PCI_MSI_IRQ_INDEX, -1), 0);
	ck_assert_int_eq(set_irq(&d, 1, NONE_TRIGGER, 1), -EINVAL);
	ck_assert_int_eq(set_irq_fd(&d, VFIO_PCI_INTX_IRQ_INDEX, efd), 0);
	dut_stop(&d);
	close(efd);
}
END_TEST

/* The last close drops the eventfds. */
START_TEST(close_drops_irqs)
{
	struct dut d;
	int efd = eventfd(0, EFD_NONBLOCK);

	dut_start(&d, 1);
	ck_assert_int_eq(set_irq_fd(&d, VFIO_PCI_INTX_IRQ_INDEX, efd), 0);
	ck_assert_int_eq(mdev_device_open(d.mdev), 0);
	mdev_device_close(d.mdev);
	ck_assert_int_eq(set_irq(&d, 0, NONE_TRIGGER, 1), 0);
	ck_assert_uint_eq(events(efd), 1);
	mdev_device_close(d.mdev);
	ck_assert_int_eq(mdev_device_open(d.mdev), 0);
	ck_assert_int_eq(set_irq(&d, 0, NONE_TRIGGER, 1), -EINVAL);
	dut_stop(&d);
	close(efd);
}
END_TEST

START_TEST(set_irqs_errors)
{
	struct dut d;
	int pipefd[2];
	struct irq_set_fd s = {
		.hdr = { .argsz = sizeof(s), .count = 1,
			 .flags = VFIO_IRQ_SET_DATA_EVENTFD |
				  VFIO_IRQ_SET_ACTION_TRIGGER },
	};

	ck_assert_int_eq(pipe(pipefd), 0);
	dut_start(&d, 1);
	ck_assert_int_eq(set_irq_fd(&d, 0, pipefd[0]), -EINVAL);
	ck_assert_int_eq(set_irq_fd(&d, 0, 4000), -EBADF);
	ck_assert_int_eq(set_irq(&d, 5, NONE_TRIGGER, 1), -EINVAL);
	ck_assert_int_eq(set_irq(&d, VFIO_PCI_MSIX_IRQ_INDEX, NONE_TRIGGER, 1),
			 -ENOTTY);
	ck_assert_int_eq(set_irq(&d, VFIO_PCI_ERR_IRQ_INDEX, NONE_TRIGGER, 1),
			 -ENOTTY);
	ck_assert_int_eq(set_irq(&d, VFIO_PCI_REQ_IRQ_INDEX, NONE_TRIGGER, 1),
			 -ENOTTY);
	/* Two data types, two actions, no action, unknown flag bits. */
	ck_assert_int_eq(set_irq(&d, 0, NONE_TRIGGER | VFIO_IRQ_SET_DATA_BOOL,
				 1), -EINVAL);
	ck_assert_int_eq(set_irq(&d, 0, NONE_TRIGGER | NONE_MASK, 1), -EINVAL);
	ck_assert_int_eq(set_irq(&d, 0, VFIO_IRQ_SET_DATA_NONE, 1), -EINVAL);
	ck_assert_int_eq(set_irq(&d, 0, NONE_TRIGGER | 0x100, 1), -EINVAL);
	/* Out-of-range start/count, and an argsz too short for the data. */
	ck_assert_int_eq(set_irq(&d, 0, NONE_TRIGGER, 6), -EINVAL);
	s.hdr.argsz = sizeof(s.hdr);
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_SET_IRQS, &s), -EINVAL);
	s.hdr.argsz = 8;
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_SET_IRQS, &s), -EINVAL);
	s.hdr.argsz = sizeof(s);
	s.hdr.start = 1;
	s.fd = -1;
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_SET_IRQS, &s), -EINVAL);
	/* fd -1 on an unset index is accepted and does nothing. */
	s.hdr.start = 0;
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_SET_IRQS, &s), 0);
	dut_stop(&d);
	close(pipefd[0]);
	close(pipefd[1]);
}
END_TEST

START_TEST(intx_eventfd_mask_unsupported)
{
	struct dut d;
	int efd = eventfd(0, EFD_NONBLOCK);
	struct irq_set_fd s = {
		.hdr = { .argsz = sizeof(s), .count = 1,
			 .flags = VFIO_IRQ_SET_DATA_EVENTFD |
				  VFIO_IRQ_SET_ACTION_MASK },
		.fd = efd,
	};

	dut_start(&d, 1);
	ck_assert_int_eq(set_irq_fd(&d, 0, efd), 0);
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_SET_IRQS, &s), -ENOTTY);
	dut_stop(&d);
	close(efd);
}
END_TEST

/* ---- reset ---- */

/* The sample's reset only concerns migration; registers survive it. */
START_TEST(reset_keeps_state)
{
	struct dut d;

	dut_start(&d, 1);
	uart_wr(&d, 0, UART_SCR, 0x42);
	uart_wr(&d, 0, UART_TX, 'r');
	wr(&d, CFG, PCI_BASE_ADDRESS_0, 4, 0xc000);
	ck_assert_int_eq(ioc(&d, VFIO_DEVICE_RESET, NULL), 0);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_SCR), 0x42);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_RX), 'r');
	ck_assert_uint_eq(rd(&d, CFG, PCI_BASE_ADDRESS_0, 4), 0xc001);
	dut_stop(&d);
}
END_TEST

/* ---- lifecycle ---- */

/* Each device has its own state. */
START_TEST(devices_are_separate)
{
	struct dut d;
	struct mdev_device *other;
	uint8_t b = 0;
	off_t pos = at(0, UART_RX);

	dut_start(&d, 1);
	other = create(&d.bt, 2, U2);
	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(mdev_device_open(other), 0);
	uart_wr(&d, 0, UART_TX, 'q');
	ck_assert_int_eq(mdev_device_read(other, (char *)&b, 1, &pos), 1);
	ck_assert_uint_eq(b, 0);
	ck_assert_uint_eq(uart_rd(&d, 0, UART_RX), 'q');
	mdev_device_close(other);
	dut_stop(&d);
}
END_TEST

/* Two threads on one port: the FIFO stays consistent under the lock. */
static gpointer hammer_thread(gpointer data)
{
	struct dut *d = data;

	for (unsigned int i = 0; i < 2000; i++)
		uart_wr(d, 0, UART_TX, (uint8_t)i);
	return NULL;
}

START_TEST(concurrent_access)
{
	struct dut d;
	GThread *t;

	dut_start(&d, 1);
	t = g_thread_new("hammer", hammer_thread, &d);
	for (unsigned int i = 0; i < 2000; i++) {
		uint8_t lsr = uart_rd(&d, 0, UART_LSR);

		/* Data ready and transmitter empty exclude each other. */
		ck_assert(!(lsr & UART_LSR_DR) != !(lsr & UART_LSR_THRE));
		uart_rd(&d, 0, UART_RX);
		ck_assert_uint_eq(region_info(&d, CFG).size, 0xff);
	}
	g_thread_join(t);
	for (unsigned int i = 0; i < 16; i++)
		uart_rd(&d, 0, UART_RX);
	/* (OE may be set: the writer may have outrun the reader.) */
	ck_assert_uint_eq(uart_rd(&d, 0, UART_LSR) & ~UART_LSR_OE,
			  UART_LSR_TEMT | UART_LSR_THRE);
	dut_stop(&d);
}
END_TEST

struct remover {
	struct bt *bt;
	gint done;
	int err;
};

static gpointer remove_thread(gpointer data)
{
	struct remover *r = data;

	r->err = bt_write(r->bt, "bus/mdev/devices/" U1 "/remove", "1");
	g_atomic_int_set(&r->done, 1);
	return NULL;
}

START_TEST(remove_waits_for_close)
{
	struct dut d;
	struct remover r = { .bt = &d.bt };
	GThread *t;
	uuid_t u;

	dut_start(&d, 1);
	uart_wr(&d, 0, UART_TX, 'w');
	t = g_thread_new("remove", remove_thread, &r);
	g_usleep(200 * 1000);
	ck_assert_int_eq(g_atomic_int_get(&r.done), 0);
	/* The device still works while its removal waits. */
	ck_assert_uint_eq(uart_rd(&d, 0, UART_RX), 'w');
	mdev_device_close(d.mdev);
	g_thread_join(t);
	ck_assert_int_eq(r.err, 0);
	uuid_parse(U1, u);
	ck_assert_ptr_null(peek_mdev(d.bt.host, u));
	ck_assert(!bt_exists(&d.bt, "bus/mdev/devices/" U1));
	bt_expect(&d.bt, T "/mtty-1/available_instances", "24\n");
	bt_stop(&d.bt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend-mtty-device");
	TCase *cfg = tcase_create("config");
	TCase *ioctls = tcase_create("ioctls");
	TCase *uart = tcase_create("uart");
	TCase *irq = tcase_create("irq");
	TCase *life = tcase_create("lifecycle");

	tcase_add_test(cfg, config_ids_and_class);
	tcase_add_test(cfg, config_multi_piece_read);
	tcase_add_test(cfg, config_bar_sizing);
	tcase_add_test(cfg, config_single_port_bar1_absent);
	tcase_add_test(cfg, config_read_only_fields);
	tcase_add_test(ioctls, device_info);
	tcase_add_test(ioctls, region_info_single);
	tcase_add_test(ioctls, region_info_dual);
	tcase_add_test(ioctls, irq_info);
	tcase_add_test(ioctls, region_access_errors);
	tcase_add_test(ioctls, reset_keeps_state);
	tcase_add_test(uart, uart_reset_values);
	tcase_add_test(uart, uart_loopback);
	tcase_add_test(uart, uart_fifo_capacity);
	tcase_add_test(uart, uart_fcr);
	tcase_add_test(uart, uart_dlab);
	tcase_add_test(uart, uart_registers);
	tcase_add_test(uart, uart_iir);
	tcase_add_test(uart, uart_afe_cts);
	tcase_add_test(uart, uart_dual_ports_independent);
	tcase_add_test(irq, intx_eventfd);
	tcase_add_test(irq, msi_eventfd);
	tcase_add_test(irq, close_drops_irqs);
	tcase_add_test(irq, set_irqs_errors);
	tcase_add_test(irq, intx_eventfd_mask_unsupported);
	tcase_add_test(life, devices_are_separate);
	tcase_add_test(life, concurrent_access);
	tcase_add_test(life, remove_waits_for_close);
	suite_add_tcase(s, cfg);
	suite_add_tcase(s, ioctls);
	suite_add_tcase(s, uart);
	suite_add_tcase(s, irq);
	suite_add_tcase(s, life);
	return bt_run(s);
}
