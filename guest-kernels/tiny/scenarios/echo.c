#include "scenarios/scenario.h"
#include "drivers/uart.h"
#include "lib/printf.h"

int scenario_echo(struct boot_params *bp)
{
	bool line_start = true;

	(void)bp;
	printf("echo: ready\n");
	for (;;) {
		char c = uart_getc();

		/* 'q' ends the test and is not echoed. */
		if (c == 'q')
			break;
		uart_putc(c);
		line_start = c == '\n';
	}
	/* Keep "echo: bye" on a line of its own whatever was echoed before. */
	if (!line_start)
		uart_putc('\n');
	printf("echo: bye\n");
	return 0;
}
