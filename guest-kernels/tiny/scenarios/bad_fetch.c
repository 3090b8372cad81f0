/*
 * Executes from guest-physical memory that is no RAM: 0xd0000000 is in kvmini's MMIO hole and
 * no device is there. KVM on VMX/SVM cannot fetch an instruction through MMIO emulation and
 * reports KVM_EXIT_INTERNAL_ERROR, which kvmini turns into exit status 4 with registers.
 */
#include "scenarios/scenario.h"
#include "lib/printf.h"

#define NO_RAM 0xd0000000UL

int scenario_bad_fetch(struct boot_params *bp)
{
	void (*fn)(void) = (void (*)(void))NO_RAM;

	(void)bp;
	printf("bad-fetch: jumping to 0x%lx\n", NO_RAM);
	fn();
	printf("bad-fetch: returned from 0x%lx\n", NO_RAM);
	return 1;
}
