/*
 * Receives by interrupt only: between characters the CPU sleeps in hlt and the UART's
 * interrupt (IOAPIC pin and type from the device tree) wakes it. Each byte is echoed; 'q' ends
 * the test and reports how many interrupts it took.
 */
#include "scenarios/scenario.h"
#include "arch/apic.h"
#include "boot/boot.h"
#include "drivers/uart.h"
#include "lib/printf.h"

int scenario_serial_irq(struct boot_params *bp)
{
	struct fdt fdt;
	bool line_start = true;
	const char *err = boot_dt(bp, &fdt);

	if (!err)
		err = apic_init(&fdt);
	if (!err)
		err = uart_irq_enable(&fdt);
	if (err) {
		printf("serial-irq: %s\n", err);
		return 1;
	}
	printf("serial-irq: ready\n");
	for (;;) {
		char c = uart_getc();

		if (c == 'q')
			break;
		uart_putc(c);
		line_start = c == '\n';
	}
	if (!line_start)
		uart_putc('\n');
	if (uart_rx_dropped())
		printf("serial-irq: dropped %u bytes\n", uart_rx_dropped());
	printf("serial-irq: bye irqs=%u\n", uart_irq_count());
	return uart_irq_count() && !uart_rx_dropped() ? 0 : 1;
}
