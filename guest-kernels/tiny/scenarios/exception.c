/* A #DE with the IDT in place: the exception handler must report it and exit with 99. */
#include "scenarios/scenario.h"
#include "lib/printf.h"

int scenario_exception(struct boot_params *bp)
{
	u32 lo = 1, hi = 0;

	(void)bp;
	printf("exception: dividing by zero\n");
	/* The zero divisor exists only inside the asm, so the compiler cannot fold the division. */
	__asm__ volatile("xorl %%ecx, %%ecx\n\tdivl %%ecx" : "+a"(lo), "+d"(hi) : : "ecx");
	printf("exception: still running after #DE\n");
	return 1;
}
