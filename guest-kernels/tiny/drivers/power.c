#include "drivers/power.h"
#include "arch/cpu.h"
#include "arch/io.h"
#include "guest_abi.h"

#define I8042_STATUS	 0x64
#define I8042_COMMAND	 0x64
#define I8042_STATUS_IBF 0x02 /* input buffer full: controller busy */
#define I8042_CMD_RESET	 0xfe

void power_exit(u8 status)
{
	outb(status, KVMINI_TEST_EXIT_PORT);
	/* Only a broken VMM gets here; stop rather than run on. */
	halt_forever();
}

void power_reset_i8042(void)
{
	/* Linux waits for the controller as real hardware needs; bounded in case it never is. */
	for (int i = 0; i < 1000 && (inb(I8042_STATUS) & I8042_STATUS_IBF); i++)
		cpu_relax();
	outb(I8042_CMD_RESET, I8042_COMMAND);
}
