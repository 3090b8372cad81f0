/*
 * Prints numbered lines through the UART, as fast as it can: for ever (a hostile guest whose
 * console nobody reads must not wedge kvmini), or `lines=N` of them and then `spew: done`. The
 * numbers let a test check that every line arrived, in order.
 */
#include "scenarios/scenario.h"
#include "lib/cmdline.h"
#include "lib/printf.h"

int scenario_spew(struct boot_params *bp)
{
	u64 lines = 0;
	int have = cmdline_get_u64("lines", &lines);

	(void)bp;
	if (have != -1 && have < 0) {
		printf("spew: bad lines= value\n");
		return 1;
	}
	for (u64 i = 0; have == -1 || i < lines; i++)
		printf("spew: %llu\n", i);
	printf("spew: done\n");
	return 0;
}
