#include "scenarios/scenario.h"
#include "arch/cpu.h"
#include "lib/printf.h"

int scenario_triple_fault(struct boot_params *bp)
{
	/* Limit 0: #UD's gate is out of bounds, so is #GP's, so is #DF's: shutdown. */
	static const struct desc_ptr empty_idt = {.limit = 0, .base = 0};

	(void)bp;
	printf("triple-fault: loading an empty IDT and raising #UD\n");
	lidt(&empty_idt);
	ud2();
	printf("triple-fault: still running after #UD\n");
	return 1;
}
