/*
 * Prints one line and halts for good with interrupts off, so the host can look at kvmini at
 * rest after a guest has used it (bench/start reads its memory here). The host ends the VM.
 */
#include "arch/cpu.h"
#include "lib/printf.h"
#include "scenarios/scenario.h"

int scenario_idle(struct boot_params *bp)
{
	(void)bp;
	printf("idle: halting\n");
	halt_forever();
}
