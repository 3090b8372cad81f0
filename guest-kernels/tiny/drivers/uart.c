#include "drivers/uart.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/io.h"
#include "arch/irq.h"
#include "lib/string.h"

/* Register offsets from UART_BASE. */
#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_IIR 2 /* interrupt identification (read) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_MSR 6 /* modem status */

#define LCR_8N1		    0x03
#define LCR_DLAB	    0x80
#define FCR_ENABLE_CLEAR_TX 0x05 /* FIFO on, transmit FIFO cleared */
#define MCR_DTR_RTS	    0x03
#define MCR_OUT2	    0x08 /* gates the UART's interrupt onto the PC's IRQ line */
#define LSR_DR		    0x01 /* data ready */
#define LSR_THRE	    0x20 /* transmit holding register empty */
#define IER_RDI		    0x01 /* received data available (and character timeout) */
#define IIR_NO_INT	    0x01
#define IIR_ID		    0x0e
#define IIR_MSI		    0x00
#define IIR_THRI	    0x02
#define IIR_RDI		    0x04
#define IIR_RLSI	    0x06
#define IIR_CTI		    0x0c

#define RX_BUF_SIZE 256 /* a power of two, so the free-running indices wrap cleanly */

/*
 * Bytes the interrupt handler has taken from the FIFO. The handler only advances head and the
 * reader only tail; both are free-running counters.
 */
static struct {
	u8 buf[RX_BUF_SIZE];
	volatile u32 head, tail;
	volatile unsigned irqs, dropped;
	bool irq_mode;
} rx;

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
	if (rx.irq_mode) {
		if (rx.tail == rx.head)
			return -1;
		u8 c = rx.buf[rx.tail % RX_BUF_SIZE];
		rx.tail++;
		return c;
	}
	if (!(inb(UART_BASE + UART_LSR) & LSR_DR))
		return -1;
	return inb(UART_BASE + UART_RBR);
}

char uart_getc(void)
{
	int c;

	if (rx.irq_mode) {
		wait_event((c = uart_trygetc()) >= 0);
		return (char)c;
	}
	while ((c = uart_trygetc()) < 0)
		cpu_relax();
	return (char)c;
}

/* Empties the receive FIFO: RBR until LSR says no more data (serial8250_rx_chars). */
static void rx_chars(void)
{
	do {
		u8 c = inb(UART_BASE + UART_RBR);
		if (rx.head - rx.tail < RX_BUF_SIZE)
			rx.buf[rx.head++ % RX_BUF_SIZE] = c;
		else
			rx.dropped++;
	} while (inb(UART_BASE + UART_LSR) & LSR_DR);
}

/*
 * The pin is edge-triggered and the line stays high while any cause is pending, so the
 * handler must clear every cause before it returns: otherwise the line never drops and the
 * next cause makes no new edge. Hence IIR is re-read until it reports none.
 */
static void uart_irq(void *ctx)
{
	(void)ctx;
	rx.irqs++;
	for (;;) {
		u8 iir = inb(UART_BASE + UART_IIR);
		if (iir & IIR_NO_INT)
			break;
		switch (iir & IIR_ID) {
		case IIR_RDI:
		case IIR_CTI:
			rx_chars();
			break;
		case IIR_RLSI:
			inb(UART_BASE + UART_LSR); /* reading LSR clears the error */
			break;
		case IIR_MSI:
			inb(UART_BASE + UART_MSR); /* reading MSR clears the change */
			break;
		default: /* IIR_THRI: reading IIR acknowledged it; never enabled anyway */
			break;
		}
	}
}

unsigned uart_irq_count(void)
{
	return rx.irqs;
}

unsigned uart_rx_dropped(void)
{
	return rx.dropped;
}

/* The console's node, as Linux's earlycon finds it: /chosen stdout-path, options cut off. */
static int console_node(struct fdt *fdt)
{
	char path[64];
	u32 len;
	const u8 *val = fdt_getprop(fdt, fdt_node_by_path(fdt, "/chosen"), "stdout-path", &len);

	if (!val || !len || len > sizeof(path))
		return -1;
	memcpy(path, val, len);
	path[len - 1] = '\0';
	char *opts = strchr(path, ':');
	if (opts)
		*opts = '\0';
	return fdt_node_by_path(fdt, path);
}

const char *uart_irq_enable(struct fdt *fdt)
{
	u32 reg[2];
	int node = console_node(fdt);

	if (node < 0)
		return "no console UART node (/chosen stdout-path)";
	/* ISA reg = <space addr size>, space 1 being I/O: it must be the port this driver uses. */
	if (fdt_read_cells(fdt, node, "reg", reg, 2) < 2 || reg[0] != 1 || reg[1] != UART_BASE)
		return "console UART node is not COM1 (I/O 0x3f8)";
	const char *err = irq_request_dt(fdt, node, uart_irq, NULL);
	if (err)
		return err;

	/*
	 * The pin is routed first: data already waiting raises the line as soon as RDI is
	 * enabled, and that edge must find the pin unmasked. irq_mode is set before too, in case
	 * the caller has interrupts on and the handler runs at once.
	 */
	rx.irq_mode = true;
	outb(MCR_DTR_RTS | MCR_OUT2, UART_BASE + UART_MCR);
	outb(IER_RDI, UART_BASE + UART_IER);
	return NULL;
}
