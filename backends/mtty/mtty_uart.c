// SPDX-License-Identifier: MIT
/*
 * One mtty port: a 16550-style UART whose transmitter feeds its own
 * receiver.  A byte written to THR lands in a 16-byte FIFO that RBR drains
 * in order; a write to a full FIFO is dropped and flags an overrun.
 *
 * As in the kernel sample: the receive interrupt fires when the FIFO
 * reaches one byte (there is no character-timeout timer, so the FCR
 * trigger bits are accepted but the level stays 1); setting LCR.DLAB
 * clears the divisor; MSR always reports DCD and DSR, and CTS unless
 * auto-flow control is on and the FIFO is full; the caller's lock covers
 * every access.
 */
#include <linux/serial_reg.h>
#include <string.h>

#include "mtty.h"

#define RX_TRIGGER_LEVEL 1

void mtty_port_init(struct mtty_port *p)
{
	memset(p, 0, sizeof(*p));
	p->depth = MTTY_FIFO_SIZE;
}

static bool dlab(const struct mtty_port *p)
{
	return p->lcr & UART_LCR_DLAB;
}

static void fifo_flush(struct mtty_port *p)
{
	p->head = 0;
	p->count = 0;
}

/* THR: loop the byte back into the receive FIFO. */
static void thr_write(struct mtty_port *p, uint8_t val, bool *irq)
{
	if (p->count >= p->depth) {
		p->overrun = true;
		if (p->ier & UART_IER_RLSI)
			*irq = true;
		return;
	}
	p->fifo[(p->head + p->count) % MTTY_FIFO_SIZE] = val;
	p->count++;
	p->overrun = false;
	if ((p->ier & UART_IER_RDI) && p->count == RX_TRIGGER_LEVEL)
		*irq = true;
}

static uint8_t rbr_read(struct mtty_port *p, bool *irq)
{
	uint8_t val = 0;

	if (p->count) {
		val = p->fifo[p->head];
		p->head = (p->head + 1) % MTTY_FIFO_SIZE;
		p->count--;
	}
	if (!p->count && (p->ier & UART_IER_THRI))
		*irq = true;
	return val;
}

static void ier_write(struct mtty_port *p, uint8_t val, bool *irq)
{
	p->ier = val & 0x0f;
	if ((p->ier & UART_IER_THRI) && !p->count)
		*irq = true;
}

static void fcr_write(struct mtty_port *p, uint8_t val)
{
	p->fcr = val;
	if (val & (UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT))
		fifo_flush(p);
	p->depth = (val & UART_FCR_ENABLE_FIFO) ? MTTY_FIFO_SIZE : 1;
}

static void lcr_write(struct mtty_port *p, uint8_t val)
{
	if (val & UART_LCR_DLAB)
		p->divisor = 0;
	p->lcr = val;
}

static void mcr_write(struct mtty_port *p, uint8_t val, bool *irq)
{
	p->mcr = val;
	if ((p->ier & UART_IER_MSI) &&
	    (val & (UART_MCR_OUT2 | UART_MCR_RTS | UART_MCR_DTR)))
		*irq = true;
}

/* The highest-priority pending interrupt; bits 7:6 say "FIFOs on". */
static uint8_t iir_read(const struct mtty_port *p)
{
	uint8_t id = UART_IIR_NO_INT;

	if ((p->ier & UART_IER_RLSI) && p->overrun)
		id = UART_IIR_RLSI;
	else if ((p->ier & UART_IER_RDI) && p->count >= RX_TRIGGER_LEVEL)
		id = UART_IIR_RDI;
	else if ((p->ier & UART_IER_THRI) && !p->count)
		id = UART_IIR_THRI;
	else if ((p->ier & UART_IER_MSI) &&
		 (p->mcr & (UART_MCR_RTS | UART_MCR_DTR)))
		id = UART_IIR_MSI;
	return id | 0xc0;
}

static uint8_t lsr_read(const struct mtty_port *p)
{
	uint8_t lsr = 0;

	if (p->count)
		lsr |= UART_LSR_DR;
	else
		lsr |= UART_LSR_TEMT | UART_LSR_THRE;
	if (p->overrun)
		lsr |= UART_LSR_OE;
	return lsr;
}

static uint8_t msr_read(const struct mtty_port *p)
{
	uint8_t msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_DDSR;

	if (!(p->mcr & UART_MCR_AFE) || p->count < p->depth)
		msr |= UART_MSR_CTS | UART_MSR_DCTS;
	return msr;
}

uint8_t mtty_port_read(struct mtty_port *p, unsigned int reg, bool *irq)
{
	switch (reg) {
	case UART_RX:
		return dlab(p) ? (uint8_t)p->divisor : rbr_read(p, irq);
	case UART_IER:
		return dlab(p) ? (uint8_t)(p->divisor >> 8) : p->ier;
	case UART_IIR:
		return iir_read(p);
	case UART_LCR:
		return p->lcr;
	case UART_MCR:
		return p->mcr;
	case UART_LSR:
		return lsr_read(p);
	case UART_MSR:
		return msr_read(p);
	case UART_SCR:
		return p->scr;
	default:
		return 0;
	}
}

void mtty_port_write(struct mtty_port *p, unsigned int reg, uint8_t val,
		     bool *irq)
{
	switch (reg) {
	case UART_TX:
		if (dlab(p))
			p->divisor = (uint16_t)((p->divisor & 0xff00) | val);
		else
			thr_write(p, val, irq);
		break;
	case UART_IER:
		if (dlab(p))
			p->divisor = (uint16_t)((p->divisor & 0x00ff) | val << 8);
		else
			ier_write(p, val, irq);
		break;
	case UART_FCR:
		fcr_write(p, val);
		break;
	case UART_LCR:
		lcr_write(p, val);
		break;
	case UART_MCR:
		mcr_write(p, val, irq);
		break;
	case UART_SCR:
		p->scr = val;
		break;
	default:	/* LSR and MSR are read-only */
		break;
	}
}
