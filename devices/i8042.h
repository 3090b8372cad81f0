/*
 * An i8042 (PS/2 keyboard controller) with nothing plugged into it: the controller answers,
 * no keyboard and no mouse ever do. Enough for Linux's i8042 driver to finish its probe at
 * once and say nothing (drivers/input/serio/i8042.c, 6.1), and for `reboot=k` to reset.
 *
 * Ports: data (0x60) and status/command (0x64), one byte each; the bus hands any wider
 * access to neither (it is no one's), and should one arrive, a read sees the byte then
 * all-ones and a write uses its first byte.
 *
 * Status (read 0x64): OBF when a byte waits in the output buffer, with AUXDATA and TIMEOUT
 * as they came with that byte; IBF never (every write is taken at once, so `reboot=k`'s wait
 * and Linux's i8042_wait_write never wait); SYS from the command byte; CMD when the last
 * write was to 0x64; UNLOCKED always (no keylock: Linux would warn "Keylock active").
 *
 * Output buffer: one byte, as on the chip. A new byte replaces one the guest has not read;
 * a read with none waiting returns the last byte again.
 *
 * Commands (write 0x64); anything else is ignored, and a command cancels one still waiting
 * for its data byte:
 *   0x20-0x3F  read byte N of the controller's 32-byte RAM; byte 0 is the command byte
 *   0x60-0x7F  write byte N: the next byte written to 0x60 (bit 7 of the command byte is
 *              reserved and kept 0)
 *   0xA7/0xA8  disable/enable the aux port (command byte bit 5)
 *   0xA9       aux interface test: 0x02, "clock line stuck high": no aux port is wired
 *   0xAA       controller self-test: 0x55, and the command byte's system flag is set
 *   0xAB       keyboard interface test: 0x00, the interface is fine (nothing is on it)
 *   0xAD/0xAE  disable/enable the keyboard port (command byte bit 4)
 *   0xD0       read the output port: reset line and A20 high (KVM has no A20 gate), the
 *              two IRQ bits low, the clock and data bits as last written
 *   0xD1       write the output port: the next data byte; bit 0 clear pulls the reset line
 *   0xD2       the next data byte comes back in the output buffer as keyboard data
 *   0xD3/0xD4  the next data byte is for the aux port, which is not there: it times out
 *   0xF0-0xFF  pulse the output lines whose bits are clear; bit 0 is reset, so 0xFE (what
 *              Linux writes) and every even value reset the machine, odd ones do nothing
 *
 * A byte written to 0x60 with no command waiting for it is for the keyboard, which is not
 * there: the controller gives up on it as a real one does, with 0xFE in the output buffer
 * and TIMEOUT set (Linux's i8042_interrupt reads that as SERIO_TIMEOUT: no device).
 *
 * The "no aux" answers: a loopback (0xD3) times out like any aux byte, with 0xFE, AUXDATA
 * and TIMEOUT, and the aux interface test fails. Linux's i8042_check_aux then takes the
 * port for absent at once. Had the loopback echoed and the test passed, Linux would test
 * IRQ 12 delivery and wait 250 ms for it.
 *
 * Interrupts: IRQ 1 and IRQ 12 are never raised, since no device is attached to send a byte
 * unasked; the command byte's interrupt-enable bits are stored and nothing more. Linux
 * still registers the keyboard port (it always does), and atkbd's probe, which waits for
 * an interrupt-delivered ACK, gives up after its own timeouts (2 x 200 ms, in its worker
 * thread, not in the boot path).
 *
 * Reset (0xFE, any even 0xF0-0xFE, or 0xD1 with bit 0 clear) asks the machine to end with
 * MACHINE_RESET. All state is under the device's lock; the machine is told after it is
 * released.
 */
#ifndef KVMINI_I8042_H
#define KVMINI_I8042_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "core/machine.h"

/* Status register bits (port 0x64, read). */
#define I8042_STR_OBF	   0x01 /* output buffer full: a byte waits at 0x60 */
#define I8042_STR_IBF	   0x02 /* input buffer full: never */
#define I8042_STR_SYS	   0x04 /* system flag, from the command byte */
#define I8042_STR_CMD	   0x08 /* the last write was to 0x64 */
#define I8042_STR_UNLOCKED 0x10 /* keyboard not inhibited by a keylock */
#define I8042_STR_AUXDATA  0x20 /* the waiting byte is from the aux port */
#define I8042_STR_TIMEOUT  0x40 /* the waiting byte reports a device that did not answer */
#define I8042_STR_PARITY   0x80 /* never */

/* Command byte (controller RAM byte 0) bits. */
#define I8042_CTR_KBDINT     0x01
#define I8042_CTR_AUXINT     0x02
#define I8042_CTR_SYS	     0x04
#define I8042_CTR_IGNKEYLOCK 0x08
#define I8042_CTR_KBDDIS     0x10
#define I8042_CTR_AUXDIS     0x20
#define I8042_CTR_XLATE	     0x40
#define I8042_CTR_RESERVED   0x80

/* As firmware leaves it: keyboard port on with its interrupt, aux off, translation, POST ok. */
#define I8042_CTR_INITIAL (I8042_CTR_KBDINT | I8042_CTR_SYS | I8042_CTR_AUXDIS | I8042_CTR_XLATE)

/* Commands (port 0x64, write). */
#define I8042_CMD_READ_RAM	0x20 /* 0x20-0x3F */
#define I8042_CMD_WRITE_RAM	0x60 /* 0x60-0x7F */
#define I8042_CMD_AUX_DISABLE	0xA7
#define I8042_CMD_AUX_ENABLE	0xA8
#define I8042_CMD_AUX_TEST	0xA9
#define I8042_CMD_SELF_TEST	0xAA
#define I8042_CMD_KBD_TEST	0xAB
#define I8042_CMD_KBD_DISABLE	0xAD
#define I8042_CMD_KBD_ENABLE	0xAE
#define I8042_CMD_READ_OUTPORT	0xD0
#define I8042_CMD_WRITE_OUTPORT 0xD1
#define I8042_CMD_KBD_LOOP	0xD2
#define I8042_CMD_AUX_LOOP	0xD3
#define I8042_CMD_AUX_SEND	0xD4
#define I8042_CMD_PULSE		0xF0 /* 0xF0-0xFF: pulse the lines whose bits are clear */
#define I8042_CMD_RESET		0xFE

/* Answers. */
#define I8042_SELF_TEST_OK 0x55
#define I8042_KBD_TEST_OK  0x00
#define I8042_AUX_TEST_BAD 0x02 /* clock line stuck high */
#define I8042_NO_DEVICE	   0xFE /* with TIMEOUT: the device never took the byte */

/* Output port bits (0xD0/0xD1). */
#define I8042_OUT_RESET	  0x01 /* low resets the CPU */
#define I8042_OUT_A20	  0x02
#define I8042_OUT_IRQS	  0x30 /* IRQ 1 and IRQ 12 outputs: never raised */
#define I8042_OUT_INITIAL 0xCF /* lines idle high, no IRQ */
#define I8042_RAM_SIZE	  32

struct i8042 {
	pthread_mutex_t lock;
	struct machine_ctl machine;
	uint8_t ram[I8042_RAM_SIZE]; /* ram[0] is the command byte */
	uint8_t out;		     /* the output buffer: the last byte placed there */
	uint8_t out_flags;	     /* AUXDATA and TIMEOUT that came with it */
	bool obf;		     /* out is waiting to be read */
	bool last_was_cmd;	     /* status CMD */
	uint8_t pending;	     /* a command waiting for its data byte, or 0 */
	uint8_t out_port;
};

extern const struct bus_device_ops i8042_data_ops, i8042_command_ops;

/* The controller as firmware leaves it, before anything is registered. */
void i8042_init(struct i8042 *dev, struct machine_ctl machine);
void i8042_destroy(struct i8042 *dev);

/* i8042_init, then registers the data and status/command ports on the PIO bus. */
int i8042_register(struct i8042 *dev, struct bus *pio, uint64_t data_port, uint64_t status_port,
		   struct machine_ctl machine);

#endif
