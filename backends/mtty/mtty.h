/* SPDX-License-Identifier: MIT */
/*
 * mtty's device side: a virtual PCI serial card with one or two 16550-style
 * ports, each looping what is written to THR back into RBR through a
 * 16-byte FIFO.  mtty_uart.c models a port, mtty_vfio.c the PCI function
 * and its VFIO region/ioctl interface; mtty.c owns the sysfs side.
 */
#ifndef MTTY_H
#define MTTY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mdevfs/mdev.h"

#define MTTY_MAX_PORTS		2
#define MTTY_FIFO_SIZE		16
#define MTTY_CONFIG_SIZE	0xff	/* sic: 255 bytes, as the sample says */
#define MTTY_IO_BAR_SIZE	8
#define MTTY_OFFSET_SHIFT	40	/* region offset = index << 40 */

/* One 16550-style port.  All fields are under the device's lock. */
struct mtty_port {
	uint8_t fifo[MTTY_FIFO_SIZE];
	unsigned int head;	/* next byte RBR returns */
	unsigned int count;	/* bytes in the FIFO */
	unsigned int depth;	/* 16, or 1 once FCR turns the FIFO off */
	bool overrun;
	uint16_t divisor;	/* DLL/DLM, reached with LCR.DLAB set */
	uint8_t ier;
	uint8_t fcr;
	uint8_t lcr;
	uint8_t mcr;
	uint8_t scr;
};

void mtty_port_init(struct mtty_port *p);
/* Register accesses at offset reg (0-7); *irq is set when the port raises
 * its interrupt. */
uint8_t mtty_port_read(struct mtty_port *p, unsigned int reg, bool *irq);
void mtty_port_write(struct mtty_port *p, unsigned int reg, uint8_t val,
		     bool *irq);

/* Per-mdev state, the mdev's drvdata. */
struct mdev_state {
	unsigned int nr_ports;
	GMutex lock;		/* callbacks are not serialised by the core */
	unsigned int opens;
	uint8_t config[MTTY_CONFIG_SIZE];
	struct mtty_port ports[MTTY_MAX_PORTS];
	int irq_index;		/* VFIO_PCI_{INTX,MSI}_IRQ_INDEX or -1 */
	int intx_fd;		/* our duplicates of the user's eventfds */
	int msi_fd;
	bool intx_masked;
};

struct mdev_state *mtty_state_new(unsigned int nr_ports);
void mtty_state_free(struct mdev_state *ms);

int mtty_open_device(struct mdev_device *mdev);
void mtty_close_device(struct mdev_device *mdev);
ssize_t mtty_read(struct mdev_device *mdev, char *buf, size_t count,
		  off_t *ppos);
ssize_t mtty_write(struct mdev_device *mdev, const char *buf, size_t count,
		   off_t *ppos);
long mtty_ioctl(struct mdev_device *mdev, unsigned int cmd,
		unsigned long arg);
int mtty_mmap(struct mdev_device *mdev, struct mdevfs_vma *vma);

#endif
