/*
 * test=ide-id [multi=N]: what IDENTIFY DEVICE says, as libata reads it:
 * "ide-id: model 'M' serial 'S' firmware 'F' capacity SECTORS lba48 0|1 multiple max M
 * current C pio P" (current is IDENTIFY word 59: 0 until SET MULTIPLE MODE, which multi=N
 * issues first).
 */
#include "scenarios/scenario.h"
#include "scenarios/ide_common.h"
#include "lib/printf.h"

int scenario_ide_id(struct boot_params *bp)
{
	struct ata_port *ap = &ide_port;

	if (ide_setup(bp, "ide-id", ap))
		return 1;
	printf("ide-id: model '%s' serial '%s' firmware '%s' capacity %llu lba48 %d multiple max "
	       "%u current %u pio %u\n",
	       ap->model, ap->serial, ap->firmware, ap->n_sectors, ap->lba48 ? 1 : 0, ap->max_multi,
	       ap->multi_count, ap->pio_mode);
	return 0;
}
