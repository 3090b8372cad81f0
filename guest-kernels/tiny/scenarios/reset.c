#include "scenarios/scenario.h"
#include "drivers/power.h"
#include "lib/printf.h"

int scenario_reset(struct boot_params *bp)
{
	(void)bp;
	printf("reset: writing 0xfe to the i8042\n");
	power_reset_i8042();
	printf("reset: still running after reset\n");
	return 1;
}
