/*
 * A 16550A-compatible UART (the PC's COM1; platform/layout.h), enough for Linux's 8250 driver in
 * interrupt mode: RX FIFO with trigger levels, THRE and RX interrupts, LSR, IIR, FCR, loopback.
 * Transmission is instant (the byte goes straight to the output sink, which never blocks), so
 * THR is always empty again by the time the guest looks.
 */
#ifndef KVMINI_SERIAL_H
#define KVMINI_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/bus.h"
#include "core/machine.h"

#define SERIAL_NREGS	 8
#define SERIAL_FIFO_SIZE 16

/* Register offsets and bits (names follow the 16550 datasheet and Linux's serial_reg.h). */
enum {
	UART_RBR = 0, /* read, DLAB=0 */
	UART_THR = 0, /* write, DLAB=0 */
	UART_DLL = 0, /* DLAB=1 */
	UART_IER = 1, /* DLAB=0 */
	UART_DLM = 1, /* DLAB=1 */
	UART_IIR = 2, /* read */
	UART_FCR = 2, /* write */
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define UART_IER_RDI  0x01
#define UART_IER_THRI 0x02
#define UART_IER_RLSI 0x04
#define UART_IER_MSI  0x08

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI	0x00
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_RLSI	0x06
#define UART_IIR_CTI	0x0C /* character timeout: data below the trigger level */
#define UART_IIR_FIFO	0xC0

#define UART_FCR_ENABLE	   0x01
#define UART_FCR_CLEAR_RX  0x02
#define UART_FCR_CLEAR_TX  0x04
#define UART_FCR_TRIG_MASK 0xC0

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR   0x01
#define UART_LSR_OE   0x02
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI  0x40
#define UART_MSR_DCD 0x80

struct serial {
	pthread_mutex_t lock;
	struct byte_sink out; /* transmitted bytes; called with the lock held */
	struct irq_line irq;
	/* Called, without the lock held, when the guest has drained the RX FIFO. */
	void (*rx_drained)(void *ctx);
	void *rx_drained_ctx;

	uint8_t ier, lcr, mcr, lsr, scr, fcr, dll, dlm;
	bool thr_ipending; /* THRE interrupt pending until IIR is read or THR written */
	int irq_level;
	uint8_t rx[SERIAL_FIFO_SIZE];
	unsigned rx_head, rx_count;
};

extern const struct bus_device_ops serial_ops;

void serial_init(struct serial *s, struct byte_sink out, struct irq_line irq);
/* Replaces the output sink (the console attaches its own once it runs). */
void serial_set_output(struct serial *s, struct byte_sink out);
void serial_destroy(struct serial *s);
int serial_register(struct serial *s, struct bus *pio, uint64_t base);

/* Feed received bytes (from the host side). Returns how many fit in the RX FIFO. */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len);

/* Room left in the RX FIFO. */
size_t serial_rx_room(struct serial *s);

#endif
