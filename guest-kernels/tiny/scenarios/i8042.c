/*
 * test=i8042: the keyboard controller probed as Linux 6.1's i8042 driver does it
 * (drivers/input/serio/i8042.c: i8042_controller_check, _selftest, _init, i8042_check_aux),
 * with every wait loop bounded and counted. kvmini's controller has no keyboard and no aux
 * device attached. Each check prints `i8042: CHECK: ok (WHAT)` or `i8042: CHECK: FAIL (WHY)`,
 * then `i8042: N/M checks ok, W waits`; exit 0 only if all are ok. A wait is a status read
 * that found the controller not ready; Linux would spend 50 us on each, so W must be 0.
 *
 * - flush: the output buffer is empty from the start (i8042_controller_check);
 * - self-test: 0xAA answers 0x55;
 * - ctr: two reads of the command byte (0x20) agree, and the status shows no keylock;
 * - ctr-write: 0x60 with the keyboard disabled reads back as written, and again restored;
 * - kbd-test: the keyboard interface test (0xAB) answers 0x00;
 * - aux-absent: the aux loopback (0xD3 0x5A) does not come back as 0x5A, and the aux
 *   interface test (0xA9) answers neither 0x00, 0xFA nor 0xFF: Linux takes the aux port for
 *   absent without testing IRQ 12;
 * - kbd-absent: a byte for the keyboard (atkbd's GET ID, 0xF2) is answered by the
 *   controller with 0xFE and the timeout bit: no keyboard;
 * - flush-end: after all that, nothing is left in the output buffer.
 */
#include "scenarios/scenario.h"
#include "arch/io.h"
#include "lib/printf.h"

#define DATA	0x60
#define STATUS	0x64 /* the command register when written */
#define OBF	0x01
#define IBF	0x02
#define UNLOCK	0x10 /* no keylock */
#define AUXDATA 0x20
#define TIMEOUT 0x40
#define KBDDIS	0x10
#define KBDINT	0x01
#define TRIES	1000 /* Linux's I8042_CTL_TIMEOUT is 10000 polls 50 us apart */

static unsigned checks, passed, waits;

static void result(const char *check, bool ok, const char *what)
{
	checks++;
	passed += ok;
	printf("i8042: %s: %s (%s)\n", check, ok ? "ok" : "FAIL", what);
}

static bool wait_write(void)
{
	for (int i = 0; i < TRIES; i++) {
		if (!(inb(STATUS) & IBF))
			return true;
		waits++;
	}
	return false;
}

static bool wait_read(void)
{
	for (int i = 0; i < TRIES; i++) {
		if (inb(STATUS) & OBF)
			return true;
		waits++;
	}
	return false;
}

/*
 * __i8042_command: the command, `nparam` data bytes from param, then one answer byte into
 * *answer if it is non-NULL. Returns false on a timeout.
 */
static bool command(u8 cmd, const u8 *param, int nparam, u8 *answer)
{
	if (!wait_write())
		return false;
	outb(cmd, STATUS);
	for (int i = 0; i < nparam; i++) {
		if (!wait_write())
			return false;
		outb(param[i], DATA);
	}
	if (!answer)
		return true;
	if (!wait_read())
		return false;
	*answer = inb(DATA);
	return true;
}

/* i8042_flush: how many bytes were waiting (at most 16, as Linux reads). */
static int flush(void)
{
	int n = 0;

	while ((inb(STATUS) & OBF) && n < 16) {
		inb(DATA);
		n++;
	}
	return n;
}

int scenario_i8042(struct boot_params *bp)
{
	char why[96];
	u8 v = 0, ctr[2] = {0, 0};
	(void)bp;

	int n = flush();
	snprintf(why, sizeof(why), "%d bytes waiting", n);
	result("flush", n == 0, why);

	bool ok = command(0xAA, NULL, 0, &v);
	snprintf(why, sizeof(why), "answer 0x%x%s", v, ok ? "" : ", timeout");
	result("self-test", ok && v == 0x55, why);

	ok = command(0x20, NULL, 0, &ctr[0]) && command(0x20, NULL, 0, &ctr[1]);
	u8 st = inb(STATUS);
	snprintf(why, sizeof(why), "0x%x then 0x%x, status 0x%x%s", ctr[0], ctr[1], st,
		 ok ? "" : ", timeout");
	result("ctr", ok && ctr[0] == ctr[1] && (st & UNLOCK), why);

	/* i8042_controller_init: keyboard port disabled, its interrupt off; written back. */
	u8 want = (u8)((ctr[0] | KBDDIS) & ~KBDINT), back = 0, again = 0;
	ok = command(0x60, &want, 1, NULL) && command(0x20, NULL, 0, &back) &&
	     command(0x60, &ctr[0], 1, NULL) && command(0x20, NULL, 0, &again);
	snprintf(why, sizeof(why), "wrote 0x%x read 0x%x; restored 0x%x%s", want, back, again,
		 ok ? "" : ", timeout");
	result("ctr-write", ok && back == want && again == ctr[0], why);

	ok = command(0xAB, NULL, 0, &v);
	snprintf(why, sizeof(why), "answer 0x%x%s", v, ok ? "" : ", timeout");
	result("kbd-test", ok && v == 0x00, why);

	/* i8042_check_aux: flush, the loopback, then (the loopback failing) the interface test. */
	flush();
	u8 loop = 0x5A, test = 0;
	ok = command(0xD3, &loop, 1, NULL) && wait_read();
	u8 loop_st = inb(STATUS);
	u8 loop_v = ok ? inb(DATA) : 0;
	bool test_ok = command(0xA9, NULL, 0, &test);
	snprintf(why, sizeof(why), "loopback 0x%x status 0x%x; interface test 0x%x", loop_v,
		 loop_st, test);
	result("aux-absent",
	       ok && test_ok && (!(loop_st & AUXDATA) || loop_v != 0x5A) && test != 0x00 &&
		   test != 0xFA && test != 0xFF,
	       why);

	/* atkbd's first command, as i8042_kbd_write sends it; polled here, not by IRQ 1. */
	ok = wait_write();
	outb(0xF2, DATA);
	ok = ok && wait_read();
	st = inb(STATUS);
	v = ok ? inb(DATA) : 0;
	snprintf(why, sizeof(why), "answer 0x%x status 0x%x", v, st);
	result("kbd-absent", ok && v == 0xFE && (st & TIMEOUT) && !(st & AUXDATA), why);

	n = flush();
	snprintf(why, sizeof(why), "%d bytes waiting, status 0x%x", n, inb(STATUS));
	result("flush-end", n == 0, why);

	printf("i8042: %u/%u checks ok, %u waits\n", passed, checks, waits);
	return passed == checks && waits == 0 ? 0 : 1;
}
