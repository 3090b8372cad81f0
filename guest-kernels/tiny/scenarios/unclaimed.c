/*
 * Touches I/O ports and MMIO that no kvmini device owns. Like an empty ISA bus or an unmapped
 * physical address, reads must return all-ones and writes must vanish, and the VM goes on.
 * kvmini counts exactly these 3 PIO and 2 MMIO accesses (checked with --verbose by the tests).
 */
#include "scenarios/scenario.h"
#include "arch/io.h"
#include "lib/printf.h"

#define NO_UART_PORT   0x2F8	  /* COM2: not present */
#define NO_LPT_PORT    0x378	  /* LPT1: not present */
#define NO_DEVICE_MMIO 0xD0000000 /* inside the MMIO hole, nothing mapped there */

int scenario_unclaimed(struct boot_params *bp)
{
	(void)bp;
	u8 lsr = inb(NO_UART_PORT + 5);
	u32 lpt = inl(NO_LPT_PORT);
	outb(0x55, NO_UART_PORT);
	u32 mmio = mmio_read32(NO_DEVICE_MMIO);
	mmio_write32(NO_DEVICE_MMIO, 0x12345678);
	printf("unclaimed: pio 0x%x 0x%x mmio 0x%x\n", lsr, lpt, mmio);
	int ok = lsr == 0xFF && lpt == 0xFFFFFFFF && mmio == 0xFFFFFFFF;
	printf("unclaimed: %s\n", ok ? "all-ones" : "FAIL: expected all-ones");
	return ok ? 0 : 1;
}
