/*
 * The tiny guest: kvmini's own kvm-unit-tests. entry.S calls main with the zero page; main
 * runs the scenario the command line names and ends the VM through the test-exit port.
 */
#include <asm/bootparam.h>
#include "arch/irq.h"
#include "boot/boot.h"
#include "drivers/power.h"
#include "drivers/uart.h"
#include "lib/cmdline.h"
#include "lib/printf.h"
#include "scenarios/scenario.h"

int main(struct boot_params *bp)
{
	char name[32];
	u64 exit_status = 0;
	int have_exit;

	uart_init();
	/* Before anything can fault, so a bug reports itself instead of triple-faulting. */
	idt_init();
	cmdline_set(boot_cmdline(bp));

	have_exit = cmdline_get_u64("exit", &exit_status);
	if (have_exit != -1 && (have_exit < 0 || exit_status > 255)) {
		printf("tiny: bad exit= value (want 0-255)\n");
		power_exit(1);
	}

	/* A missing test= reports as '', a too long one truncated. */
	int n = cmdline_get("test", name, sizeof(name));
	if (n == -1)
		name[0] = '\0';
	const struct scenario *sc = n >= 0 ? scenario_find(name) : NULL;
	if (!sc) {
		printf("tiny: unknown test '%s'\n", name);
		printf("tiny: tests:");
		for (size_t i = 0; i < scenario_count; i++)
			printf(" %s", scenarios[i].name);
		printf("\n");
		power_exit(1);
	}

	int status = sc->run(bp);
	/* Interrupts that never came, taken by the timer fallback instead (arch/irq.h). */
	if (irq_lost_wakeups())
		printf("tiny: lost wakeups: %u\n", irq_lost_wakeups());
	if (have_exit >= 0)
		status = (int)exit_status;
	power_exit((u8)status);
}
