#include "drivers/uart.h"
#include "arch/cpu.h"
#include "arch/io.h"

/* Register offsets from UART_BASE. */
#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */

#define LCR_8N1		    0x03
#define LCR_DLAB	    0x80
#define FCR_ENABLE_CLEAR_TX 0x05 /* FIFO on, transmit FIFO cleared */
#define MCR_DTR_RTS	    0x03
#define LSR_DR		    0x01 /* data ready */
#define LSR_THRE	    0x20 /* transmit holding register empty */

void uart_init(void)
{
	/* Polled: no interrupts, and OUT2 (the PC's IRQ gate) off until a driver wants IRQ 4. */
	outb(0x00, UART_BASE + UART_IER);
	outb(LCR_DLAB, UART_BASE + UART_LCR);
	outb(1, UART_BASE + UART_DLL); /* 115200 baud */
	outb(0, UART_BASE + UART_DLM);
	outb(LCR_8N1, UART_BASE + UART_LCR);
	/* The receive FIFO is kept: input piped in before this runs is already queued there. */
	outb(FCR_ENABLE_CLEAR_TX, UART_BASE + UART_FCR);
	outb(MCR_DTR_RTS, UART_BASE + UART_MCR);
}

void uart_putc(char c)
{
	while (!(inb(UART_BASE + UART_LSR) & LSR_THRE))
		cpu_relax();
	outb((u8)c, UART_BASE + UART_THR);
}

void uart_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

int uart_trygetc(void)
{
	if (!(inb(UART_BASE + UART_LSR) & LSR_DR))
		return -1;
	return inb(UART_BASE + UART_RBR);
}

char uart_getc(void)
{
	int c;

	while ((c = uart_trygetc()) < 0)
		cpu_relax();
	return (char)c;
}
