/* Polled 16550A at COM1. */
#ifndef TINY_DRIVERS_UART_H
#define TINY_DRIVERS_UART_H

#include "lib/types.h"

#define UART_BASE 0x3f8
#define UART_IRQ  4

void uart_init(void);
void uart_putc(char c);
void uart_puts(const char *s);
/* Blocks until a character arrives. */
char uart_getc(void);
/* Returns -1 when nothing is waiting. */
int uart_trygetc(void);

#endif
