/*
 * 16550A at COM1. It starts polled; uart_irq_enable switches reception to interrupts, as
 * Linux's 8250 driver runs it. Transmission stays polled either way, as Linux's serial
 * console does, so printf works in any context, exception handlers included.
 */
#ifndef TINY_DRIVERS_UART_H
#define TINY_DRIVERS_UART_H

#include "lib/fdt.h"
#include "lib/types.h"

#define UART_BASE 0x3f8
#define UART_IRQ  4

void uart_init(void);
void uart_putc(char c);
void uart_puts(const char *s);
/* Blocks until a character arrives: asleep in hlt once interrupt-driven, else polling. */
char uart_getc(void);
/* Returns -1 when nothing is waiting. */
int uart_trygetc(void);

/*
 * Receives by interrupt from now on: takes the console UART's node (/chosen stdout-path) and
 * its interrupt from the device tree, so apic_init must have run. Returns NULL, or why not.
 */
const char *uart_irq_enable(struct fdt *fdt);
/* Interrupts taken so far, and received bytes dropped because the buffer was full. */
unsigned uart_irq_count(void);
unsigned uart_rx_dropped(void);

#endif
