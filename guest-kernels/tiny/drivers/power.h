/* Ways to end the VM. */
#ifndef TINY_DRIVERS_POWER_H
#define TINY_DRIVERS_POWER_H

#include "lib/types.h"

/* kvmini exits with exactly this status byte. */
__attribute__((noreturn)) void power_exit(u8 status);

/* Pulses reset through the i8042; returns only if the VMM ignored it. */
void power_reset_i8042(void);

#endif
