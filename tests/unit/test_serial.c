/* 16550A register behaviour as Linux's 8250 driver relies on it, through the bus interface. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devices/serial.h"
#include "platform/layout.h"

struct fix {
	struct serial s;
	uint8_t sent[64]; /* what the UART transmitted through its sink */
	size_t nsent;
	int level; /* last IRQ level driven */
	int edges; /* number of level changes */
	int drained;
};

static void set_level(void *ctx, unsigned gsi, int level)
{
	struct fix *f = ctx;
	assert_int_equal(gsi, SERIAL_COM1_IRQ);
	f->level = level;
	f->edges++;
}

static void on_drained(void *ctx)
{
	((struct fix *)ctx)->drained++;
}

static void sink_write(void *ctx, const uint8_t *buf, size_t len)
{
	struct fix *f = ctx;
	assert_true(f->nsent + len <= sizeof(f->sent));
	memcpy(f->sent + f->nsent, buf, len);
	f->nsent += len;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	serial_init(&f->s, (struct byte_sink){.write = sink_write, .ctx = f},
		    (struct irq_line){.set_level = set_level, .ctx = f, .gsi = SERIAL_COM1_IRQ});
	f->s.rx_drained = on_drained;
	f->s.rx_drained_ctx = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	serial_destroy(&f->s);
	free(f);
	return 0;
}

static uint8_t rd(struct fix *f, unsigned reg)
{
	uint8_t v;
	serial_ops.read(&f->s, reg, &v, 1);
	return v;
}

static void wr(struct fix *f, unsigned reg, uint8_t v)
{
	serial_ops.write(&f->s, reg, &v, 1);
}

static void test_reset_state(void **state)
{
	struct fix *f = *state;
	assert_int_equal(rd(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(rd(f, UART_IIR), UART_IIR_NO_INT);
	assert_int_equal(rd(f, UART_IER), 0);
	assert_int_equal(f->edges, 0);
}

static void test_transmit(void **state)
{
	struct fix *f = *state;
	const char *msg = "hi\n";
	for (const char *p = msg; *p; p++)
		wr(f, UART_THR, (uint8_t)*p);
	assert_int_equal(f->nsent, 3);
	assert_memory_equal(f->sent, msg, 3);
	/* Transmission is instant: THR is empty again at once. */
	assert_true(rd(f, UART_LSR) & UART_LSR_THRE);
}

static void test_divisor_latch(void **state)
{
	struct fix *f = *state;
	wr(f, UART_LCR, UART_LCR_DLAB | 0x03);
	wr(f, UART_DLL, 0x01);
	wr(f, UART_DLM, 0x00);
	assert_int_equal(rd(f, UART_DLL), 0x01);
	assert_int_equal(rd(f, UART_DLM), 0x00);
	wr(f, UART_LCR, 0x03);
	/* With DLAB set, offsets 0 and 1 were the divisor: nothing was sent, IER untouched. */
	assert_int_equal(f->nsent, 0);
	assert_int_equal(rd(f, UART_IER), 0);
	assert_int_equal(rd(f, UART_LCR), 0x03);
}

static void test_thre_interrupt(void **state)
{
	struct fix *f = *state;
	/* Enabling THRI while THR is empty raises the line at once. */
	wr(f, UART_IER, UART_IER_THRI);
	assert_int_equal(f->level, 1);
	assert_int_equal(rd(f, UART_IIR) & 0x0F, UART_IIR_THRI);
	/* Reading IIR acknowledged it. */
	assert_int_equal(f->level, 0);
	assert_int_equal(rd(f, UART_IIR) & 0x0F, UART_IIR_NO_INT);
	/* Each transmitted byte empties THR again and re-arms THRE. */
	wr(f, UART_THR, 'x');
	assert_int_equal(f->level, 1);
	wr(f, UART_IER, 0);
	assert_int_equal(f->level, 0);
}

static void test_receive(void **state)
{
	struct fix *f = *state;
	wr(f, UART_IER, UART_IER_RDI);
	assert_int_equal(serial_receive(&f->s, (const uint8_t *)"ab", 2), 2);
	assert_int_equal(f->level, 1);
	assert_true(rd(f, UART_LSR) & UART_LSR_DR);
	assert_int_equal(rd(f, UART_IIR) & 0x0F, UART_IIR_RDI);
	assert_int_equal(rd(f, UART_RBR), 'a');
	assert_int_equal(f->drained, 0);
	assert_int_equal(rd(f, UART_RBR), 'b');
	assert_int_equal(f->drained, 1);
	assert_false(rd(f, UART_LSR) & UART_LSR_DR);
	assert_int_equal(f->level, 0);
}

static void test_fifo_trigger_and_timeout(void **state)
{
	struct fix *f = *state;
	wr(f, UART_FCR, UART_FCR_ENABLE | 0x80); /* trigger at 8 bytes */
	wr(f, UART_IER, UART_IER_RDI);
	serial_receive(&f->s, (const uint8_t *)"1234", 4);
	/* Below the trigger: reported as a character timeout, FIFO bits set. */
	assert_int_equal(rd(f, UART_IIR), UART_IIR_FIFO | UART_IIR_CTI);
	serial_receive(&f->s, (const uint8_t *)"5678", 4);
	assert_int_equal(rd(f, UART_IIR), UART_IIR_FIFO | UART_IIR_RDI);
	/* FCR can clear the receive FIFO. */
	wr(f, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	assert_false(rd(f, UART_LSR) & UART_LSR_DR);
	assert_int_equal(f->level, 0);
	/* ...and the host side hears there is room again. */
	assert_int_equal(f->drained, 1);
}

static void test_host_side_never_overruns(void **state)
{
	struct fix *f = *state;
	uint8_t buf[40];
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(serial_receive(&f->s, buf, sizeof(buf)), SERIAL_FIFO_SIZE);
	assert_int_equal(serial_rx_room(&f->s), 0);
	assert_false(rd(f, UART_LSR) & UART_LSR_OE);
	rd(f, UART_RBR);
	assert_int_equal(serial_rx_room(&f->s), 1);
}

static void test_loopback(void **state)
{
	struct fix *f = *state;
	/* Linux's probe: loopback with RTS|OUT2 must read back as CTS|DCD in MSR. */
	wr(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(rd(f, UART_MSR) & 0xF0, UART_MSR_CTS | UART_MSR_DCD);
	wr(f, UART_THR, 0x55);
	assert_int_equal(f->nsent, 0); /* not sent out */
	assert_true(rd(f, UART_LSR) & UART_LSR_DR);
	assert_int_equal(rd(f, UART_RBR), 0x55);
	/*
	 * Overrun: a 17th byte into a full FIFO is lost and flagged, and the flag clears on read.
	 */
	for (int i = 0; i < SERIAL_FIFO_SIZE + 1; i++)
		wr(f, UART_THR, (uint8_t)i);
	wr(f, UART_IER, UART_IER_RLSI);
	assert_int_equal(rd(f, UART_IIR) & 0x0F, UART_IIR_RLSI);
	assert_true(rd(f, UART_LSR) & UART_LSR_OE);
	assert_false(rd(f, UART_LSR) & UART_LSR_OE);
	for (int i = 0; i < SERIAL_FIFO_SIZE; i++)
		assert_int_equal(rd(f, UART_RBR), i);
	wr(f, UART_MCR, 0);
	assert_int_equal(rd(f, UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
}

static void test_interrupt_priority(void **state)
{
	struct fix *f = *state;
	wr(f, UART_IER, UART_IER_RDI | UART_IER_THRI);
	serial_receive(&f->s, (const uint8_t *)"k", 1);
	/* Received data outranks THRE; once read, THRE shows. */
	assert_int_equal(rd(f, UART_IIR) & 0x0F, UART_IIR_RDI);
	rd(f, UART_RBR);
	assert_int_equal(rd(f, UART_IIR) & 0x0F, UART_IIR_THRI);
}

static void test_scratch_and_wide_access(void **state)
{
	struct fix *f = *state;
	wr(f, UART_SCR, 0x5A);
	assert_int_equal(rd(f, UART_SCR), 0x5A);
	/* A 4-byte read returns the register in the low byte and all-ones above. */
	uint32_t v = 0;
	serial_ops.read(&f->s, UART_SCR, &v, 4);
	assert_int_equal(v, 0xFFFFFF5A);
}

/* Until the console attaches its sink, output is discarded; the UART works the same. */
static void test_output_sink_replaced(void **state)
{
	struct fix *f = *state;
	serial_set_output(&f->s, (struct byte_sink){0});
	wr(f, UART_THR, 'x');
	assert_int_equal(f->nsent, 0);
	assert_true(rd(f, UART_LSR) & UART_LSR_THRE);
	serial_set_output(&f->s, (struct byte_sink){.write = sink_write, .ctx = f});
	wr(f, UART_THR, 'y');
	assert_int_equal(f->nsent, 1);
	assert_int_equal(f->sent[0], 'y');
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_reset_state),
	    T(test_transmit),
	    T(test_divisor_latch),
	    T(test_thre_interrupt),
	    T(test_receive),
	    T(test_fifo_trigger_and_timeout),
	    T(test_host_side_never_overruns),
	    T(test_loopback),
	    T(test_interrupt_priority),
	    T(test_scratch_and_wide_access),
	    T(test_output_sink_replaced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
