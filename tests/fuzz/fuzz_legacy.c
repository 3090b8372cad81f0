/*
 * libFuzzer target for the small legacy devices a guest reaches by port or MMIO access: the
 * 16550A UART (COM1), the i8042 keyboard controller, the ACPI PM1 block, pvpanic (MMIO), the marker
 * port, the test-exit port and the PCI host bridge's configuration ports, each on the bus as the
 * board registers it. Accesses of every
 * size, at and around each range, single or as string I/O, plus host console input into the
 * UART. A fake irq_line and a fake machine_ctl record what the devices ask of the machine:
 * devices must end the VM through machine_ctl (libFuzzer reports an exit() as a crash), and
 * only from the documented registers and values.
 *
 * Input format (seeds: tests/fuzz/make_seeds.py writes corpus/legacy):
 *   byte 0   set-up: bits 0-2 the SLP_TYP that \_S5 names; bit 3 a host rx_drained callback
 *            is attached; bit 4 the UART transmits into a byte sink (else it has none)
 *   then steps until the input ends (a truncated step is dropped), each:
 *     sel    index into targets[] (mod its length); entry 31 is host console input
 *     flags  bit 0 write; bits 1-2 size 1, 2, 4 or 8 (port I/O is at most 4 wide: 8 -> 4);
 *            bit 3 string (rep ins/outs): a count byte follows, count = byte + 1
 *     [count]
 *     data   writes only: a single access takes `size` value bytes; a string takes one seed
 *            byte s and moves s, s+1, s+2, ...
 *   host console input instead: flags & 31 = n, then n bytes fed to serial_receive()
 *
 * The UART is checked against a shadow of its receive FIFO (what went in from the host and
 * through loopback, in order) and its IIR/LSR/IRQ against the FIFO count; the i8042 against
 * a model of its documented behaviour (devices/i8042.h: command byte and RAM, the one-byte
 * output buffer and its status bits, the data byte a command waits for, the absent devices'
 * timeouts, reset); the PCI host bridge against a model of configuration mechanism #1
 * (devices/pci_host.h: the dword address register, one host bridge at 00:00.0, all ones
 * elsewhere, nothing writable); every other device against the few documented values it may
 * read back or act on.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/acpi_pm.h"
#include "devices/i8042.h"
#include "devices/marker.h"
#include "devices/pci_host.h"
#include "devices/pvpanic.h"
#include "devices/serial.h"
#include "devices/test_exit.h"
#include "platform/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAGE	  4096
#define MAX_EVENT 4096 /* exit requests and marks in one step: at most one per element */

enum dev {
	D_NONE,
	D_UART,
	D_I8042_DATA,
	D_I8042_CMD,
	D_PM,
	D_PVPANIC,
	D_MARKER,
	D_TEST_EXIT,
	D_PCI
};

/* Where each device lives, written out here rather than asked of the bus. */
static const struct {
	bool mmio;
	uint64_t base, len;
	enum dev dev;
} ranges[] = {
    {false, SERIAL_COM1_BASE, SERIAL_NREGS, D_UART},
    {false, I8042_DATA_PORT, 1, D_I8042_DATA},
    {false, I8042_STATUS_PORT, 1, D_I8042_CMD},
    {false, ACPI_PM_BASE, ACPI_PM_LEN, D_PM},
    {false, MARKER_PORT, 1, D_MARKER},
    {false, TEST_EXIT_PORT, 1, D_TEST_EXIT},
    {true, PVPANIC_MMIO_BASE, PVPANIC_MMIO_SIZE, D_PVPANIC},
    {false, PCI_CONF1_PORT, PCI_HOST_NPORTS, D_PCI},
};

#define HOST_INPUT UINT64_MAX
static const struct {
	bool mmio;
	uint64_t addr;
} targets[] = {
    {false, 0x3F8},
    {false, 0x3F9},
    {false, 0x3FA},
    {false, 0x3FB},
    {false, 0x3FC},
    {false, 0x3FD},
    {false, 0x3FE},
    {false, 0x3FF},
    {false, 0x3F7},
    {false, 0x400},
    {false, 0x60},
    {false, 0x64},
    {false, 0x61},
    {false, 0x65},
    {false, 0x5FF},
    {false, 0x600},
    {false, 0x601},
    {false, 0x602},
    {false, 0x603},
    {false, 0x604},
    {false, 0x605},
    {false, 0x606},
    {false, 0x510},
    {false, 0x50F},
    {false, 0x501},
    {false, 0x500},
    {false, 0x502},
    {true, PVPANIC_MMIO_BASE},
    {true, PVPANIC_MMIO_BASE + 1},
    {true, PVPANIC_MMIO_BASE + 2},
    {true, PVPANIC_MMIO_BASE - 1},
    {false, HOST_INPUT},
    /* After the host input, so that the seeds' indices above stay as they were. */
    {false, 0xCF7},
    {false, 0xCF8},
    {false, 0xCF9},
    {false, 0xCFA},
    {false, 0xCFB},
    {false, 0xCFC},
    {false, 0xCFD},
    {false, 0xCFE},
    {false, 0xCFF},
    {false, 0xD00},
};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

static void fail(const char *rule, const char *detail)
{
	fprintf(stderr, "fuzz_legacy: rule broken: %s (%s)\n", rule, detail);
	abort();
}

/* ---- the fake machine ---- */

struct events {
	unsigned n;
	int v[MAX_EVENT];
};
/* What the devices did during the step, and what the rules expect them to have done. */
static struct events exits, want_exits, marks, want_marks;
static int irq_level;
static bool irq_repeated;
static unsigned drained, want_drained;

static void push(struct events *e, int v)
{
	if (e->n == MAX_EVENT)
		fail("one machine event per element at most", "event overflow");
	e->v[e->n++] = v;
}

/* A machine event as one number: the event, and its value (the test-exit byte) below it. */
static int event_code(enum machine_event ev, int value)
{
	return (int)ev << 8 | value;
}

static void machine_event_seen(void *ctx, enum machine_event ev, int value, const char *reason)
{
	(void)ctx;
	if (!reason || !*reason)
		fail("an exit request says why", "machine_ctl");
	push(&exits, event_code(ev, value));
}

static void mark(void *ctx, uint8_t value)
{
	(void)ctx;
	push(&marks, value);
}

static void set_level(void *ctx, unsigned gsi, int level)
{
	(void)ctx;
	if (gsi != SERIAL_COM1_IRQ)
		fail("the UART drives IRQ 4 only", "irq");
	if (level == irq_level)
		irq_repeated = true;
	irq_level = level;
}

static void on_drained(void *ctx)
{
	(void)ctx;
	drained++;
}

/* ---- the devices and their shadows ---- */

static struct bus pio, mmio;
static struct serial uart;
static struct i8042 kbc;
static struct acpi_pm pm;
static struct pvpanic panic_dev;
static struct pci_host pci;
static struct marker marker;
static struct test_exit texit;
static uint8_t s5_typ;

static struct {
	uint8_t fifo[SERIAL_FIFO_SIZE];
	unsigned count;
	uint16_t pm_en, pm_cnt;
	/* The i8042, as devices/i8042.h documents it. */
	uint8_t kbc_ram[32], kbc_out, kbc_out_flags, kbc_pending, kbc_outport;
	uint32_t pci_addr;
	bool kbc_obf, kbc_cmd;
} shadow;

static void shadow_push(uint8_t b)
{
	if (shadow.count < SERIAL_FIFO_SIZE)
		shadow.fifo[shadow.count++] = b;
}

static int shadow_pop(void)
{
	if (!shadow.count)
		return -1;
	uint8_t b = shadow.fifo[0];
	memmove(shadow.fifo, shadow.fifo + 1, --shadow.count);
	if (!shadow.count && uart.rx_drained)
		want_drained++;
	return b;
}

/* Which device owns [addr, addr + size), by the table above. */
static enum dev owner(bool is_mmio, uint64_t addr, unsigned size, uint64_t *off)
{
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (ranges[i].mmio == is_mmio && addr >= ranges[i].base &&
		    addr + size <= ranges[i].base + ranges[i].len) {
			*off = addr - ranges[i].base;
			return ranges[i].dev;
		}
	return D_NONE;
}

/* ---- the UART's rules ---- */

static bool uart_pending(const struct serial *s)
{
	return ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_OE)) ||
	       ((s->ier & UART_IER_RDI) && s->rx_count) ||
	       ((s->ier & UART_IER_THRI) && s->thr_ipending);
}

/* The interrupt identification a read of IIR must return, by 16550A priority. */
static uint8_t want_iir(const struct serial *s)
{
	static const unsigned trigger[4] = {1, 4, 8, 14};
	bool fifo = s->fcr & UART_FCR_ENABLE;
	uint8_t top = fifo ? UART_IIR_FIFO : 0;
	if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_OE))
		return top | UART_IIR_RLSI;
	if ((s->ier & UART_IER_RDI) && s->rx_count)
		return top |
		       (fifo && s->rx_count < trigger[s->fcr >> 6] ? UART_IIR_CTI : UART_IIR_RDI);
	if ((s->ier & UART_IER_THRI) && s->thr_ipending)
		return top | UART_IIR_THRI;
	return top | UART_IIR_NO_INT;
}

static void check_uart_state(const char *where)
{
	const struct serial *s = &uart;
	if (s->rx_count > SERIAL_FIFO_SIZE || s->rx_head >= SERIAL_FIFO_SIZE)
		fail("the RX FIFO's head and count stay inside it", where);
	if (s->rx_count != shadow.count)
		fail("the RX FIFO holds exactly the bytes received and not yet read", where);
	for (unsigned i = 0; i < s->rx_count; i++)
		if (s->rx[(s->rx_head + i) % SERIAL_FIFO_SIZE] != shadow.fifo[i])
			fail("the RX FIFO keeps its bytes in arrival order", where);
	if (!!(s->lsr & UART_LSR_DR) != (s->rx_count != 0))
		fail("LSR.DR is set exactly when the RX FIFO holds data", where);
	if ((s->lsr & (UART_LSR_THRE | UART_LSR_TEMT)) != (UART_LSR_THRE | UART_LSR_TEMT) ||
	    (s->lsr & ~(UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT)))
		fail("LSR: THR and the shifter are always empty, no other status bits", where);
	if (irq_repeated)
		fail("the IRQ line is only driven on a change of level", where);
	if (irq_level != uart_pending(s))
		fail("the IRQ line is high exactly when an enabled interrupt is pending", where);
	if (uart.rx_drained && drained != want_drained)
		fail("the host hears once each time the guest empties the RX FIFO", where);
}

/*
 * One element of a UART access: predict its effect on the shadow, and check a read's value.
 * `before` is the UART as the access found it: LCR and MCR hold for every element (a string
 * stays on one register), IIR and LSR only for the first (`first`), since reading them acts.
 */
static void uart_element(uint64_t off, bool write, const uint8_t *d, unsigned size,
			 const struct serial *before, bool first, const char *where)
{
	bool dlab = before->lcr & UART_LCR_DLAB;
	if (write) {
		if (off == UART_THR && !dlab && (before->mcr & UART_MCR_LOOP))
			shadow_push(d[0]);
		if (off == UART_FCR && (d[0] & UART_FCR_CLEAR_RX)) {
			if (shadow.count && uart.rx_drained)
				want_drained++;
			shadow.count = 0;
		}
		return;
	}
	for (unsigned i = 1; i < size; i++)
		if (d[i] != 0xFF)
			fail("the UART's registers are 8 bits: wider reads see all-ones above",
			     where);
	switch (off) {
	case UART_RBR:
		if (!dlab) {
			int want = shadow_pop();
			if (d[0] != (want < 0 ? 0 : want))
				fail("RBR returns the oldest received byte (0 when empty)", where);
		}
		break;
	case UART_IIR:
		/* Only a lone read sees the state the step started from. */
		if (first && d[0] != want_iir(before))
			fail("IIR names the highest-priority pending interrupt", where);
		break;
	case UART_LSR:
		if (first && !!(d[0] & UART_LSR_DR) != (before->rx_count != 0))
			fail("a read of LSR shows DR exactly when data waits", where);
		break;
	case UART_MSR: {
		uint8_t want = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
		uint8_t mcr = before->mcr;
		if (mcr & UART_MCR_LOOP)
			want = (uint8_t)(((mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
					 ((mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
					 ((mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
					 ((mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0));
		if (d[0] != want)
			fail("MSR: a terminal attached, or the modem outputs in loopback", where);
		break;
	}
	default:
		break;
	}
}

/* ---- the other devices ---- */

static void pm_bytes(uint8_t b[ACPI_PM_LEN])
{
	uint16_t cnt = (uint16_t)(shadow.pm_cnt | ACPI_PM1_SCI_EN);
	const uint8_t v[ACPI_PM_LEN] = {0,
					0,
					(uint8_t)shadow.pm_en,
					(uint8_t)(shadow.pm_en >> 8),
					(uint8_t)cnt,
					(uint8_t)(cnt >> 8)};
	memcpy(b, v, ACPI_PM_LEN);
}

/* ---- the i8042's model: devices/i8042.h, written out again ---- */

#define KBC_OBF	    0x01
#define KBC_SYS	    0x04
#define KBC_CMD	    0x08
#define KBC_UNLOCK  0x10
#define KBC_AUX	    0x20
#define KBC_TIMEOUT 0x40

static void kbc_reset_model(void)
{
	memset(shadow.kbc_ram, 0, sizeof(shadow.kbc_ram));
	shadow.kbc_ram[0] = 0x65; /* KBDINT, SYS, AUXDIS, XLATE */
	shadow.kbc_outport = 0xCF;
	shadow.kbc_out = shadow.kbc_out_flags = shadow.kbc_pending = 0;
	shadow.kbc_obf = shadow.kbc_cmd = false;
}

static void kbc_put(uint8_t byte, uint8_t flags)
{
	shadow.kbc_out = byte;
	shadow.kbc_out_flags = flags;
	shadow.kbc_obf = true;
}

/* A read of the status (cmd) or data port: what it must return, and its effect. */
static uint8_t kbc_read(bool cmd)
{
	if (cmd)
		return (uint8_t)(KBC_UNLOCK | (shadow.kbc_ram[0] & KBC_SYS) |
				 (shadow.kbc_cmd ? KBC_CMD : 0) |
				 (shadow.kbc_obf ? KBC_OBF | shadow.kbc_out_flags : 0));
	shadow.kbc_obf = false;
	shadow.kbc_out_flags = 0;
	return shadow.kbc_out;
}

/* A write; returns true if it must reset the machine. */
static bool kbc_write(bool cmd, uint8_t v)
{
	shadow.kbc_cmd = cmd;
	if (cmd) {
		shadow.kbc_pending = 0;
		if (v >= 0xF0)
			return !(v & 1);
		if (v >= 0x20 && v <= 0x3F)
			kbc_put(shadow.kbc_ram[v - 0x20], 0);
		else if ((v >= 0x60 && v <= 0x7F) || (v >= 0xD1 && v <= 0xD4))
			shadow.kbc_pending = v;
		else if (v == 0xA7 || v == 0xA8)
			shadow.kbc_ram[0] =
			    (uint8_t)((shadow.kbc_ram[0] & ~0x20) | (v == 0xA7 ? 0x20 : 0));
		else if (v == 0xAD || v == 0xAE)
			shadow.kbc_ram[0] =
			    (uint8_t)((shadow.kbc_ram[0] & ~0x10) | (v == 0xAD ? 0x10 : 0));
		else if (v == 0xA9)
			kbc_put(0x02, 0);
		else if (v == 0xAB)
			kbc_put(0x00, 0);
		else if (v == 0xAA) {
			shadow.kbc_ram[0] |= KBC_SYS;
			kbc_put(0x55, 0);
		} else if (v == 0xD0)
			kbc_put((uint8_t)((shadow.kbc_outport & 0xCC) | 0x03), 0);
		return false;
	}
	uint8_t p = shadow.kbc_pending;
	shadow.kbc_pending = 0;
	if (p >= 0x60 && p <= 0x7F)
		shadow.kbc_ram[p - 0x60] = p == 0x60 ? (uint8_t)(v & 0x7F) : v;
	else if (p == 0xD1) {
		shadow.kbc_outport = v;
		return !(v & 1);
	} else if (p == 0xD2)
		kbc_put(v, 0);
	else if (p == 0xD3 || p == 0xD4)
		kbc_put(0xFE, KBC_AUX | KBC_TIMEOUT);
	else
		kbc_put(0xFE, KBC_TIMEOUT); /* for the keyboard, which is not there */
	return false;
}

static void check_kbc_state(const char *where)
{
	if (memcmp(kbc.ram, shadow.kbc_ram, sizeof(kbc.ram)) || kbc.obf != shadow.kbc_obf ||
	    kbc.pending != shadow.kbc_pending)
		fail("the i8042 keeps its RAM, output buffer and waiting command as documented",
		     where);
}

/* The host bridge's configuration space, as devices/pci_host.h documents it. */
static uint8_t pci_config_model(unsigned reg)
{
	static const uint8_t head[12] = {0x36, 0x1b, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x06};
	return reg < sizeof(head) ? head[reg] : 0;
}

/* Byte j of an access at port offset off: the address register reads whole or not at all. */
static uint8_t pci_byte_model(uint64_t off, unsigned j)
{
	unsigned port = (unsigned)off + j;
	uint32_t a = shadow.pci_addr;
	if (port < 4 || !(a & 0x80000000u) || (a & 0x00ffff00u))
		return 0xFF;
	return pci_config_model((a & 0xfcu) + port - 4);
}

/* One element of an access to a device other than the UART: the value read, or the effect. */
static void other_element(enum dev dev, uint64_t off, bool write, const uint8_t *d, unsigned size,
			  const char *where)
{
	uint8_t want[8];
	switch (dev) {
	case D_I8042_DATA:
	case D_I8042_CMD:
		memset(want, 0xFF, size); /* one byte wide; a wider access is no one's anyway */
		if (write && kbc_write(dev == D_I8042_CMD, d[0]))
			push(&want_exits, event_code(MACHINE_RESET, 0));
		if (!write)
			want[0] = kbc_read(dev == D_I8042_CMD);
		break;
	case D_TEST_EXIT:
		if (write)
			push(&want_exits,
			     event_code(MACHINE_GUEST_EXIT, d[0])); /* the byte, any width */
		memset(want, 0xFF, size);
		break;
	case D_MARKER:
		if (write)
			push(&want_marks, d[0]);
		memset(want, 0, size);
		break;
	case D_PVPANIC:
		if (write && off == 0 && (d[0] & 1))
			push(&want_exits, event_code(MACHINE_PANIC, 0));
		memset(want, 0, size);
		if (off == 0)
			want[0] = 1; /* the events acted on: PANICKED */
		break;
	case D_PM: {
		uint8_t b[ACPI_PM_LEN];
		pm_bytes(b);
		if (!write) {
			memcpy(want, b + off, size);
			break;
		}
		/* Status stays 0 (nothing raises it); enable is stored; SLP_EN acts, unstored. */
		memcpy(b + off, d, size);
		uint16_t cnt = (uint16_t)(b[4] | b[5] << 8);
		shadow.pm_en = (uint16_t)(b[2] | b[3] << 8);
		shadow.pm_cnt = (uint16_t)(cnt & ~ACPI_PM1_SLP_EN);
		if ((cnt & ACPI_PM1_SLP_EN) && ACPI_PM1_SLP_TYP(cnt) == s5_typ)
			push(&want_exits, event_code(MACHINE_POWEROFF, 0));
		break;
	}
	case D_PCI:
		if (write && off == 0 && size == 4)
			shadow.pci_addr =
			    (uint32_t)(d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24) &
			    0x80fffffcu;
		if (off == 0 && size == 4)
			memcpy(want, &shadow.pci_addr, 4);
		else
			for (unsigned j = 0; j < size; j++)
				want[j] = pci_byte_model(off, j);
		break;
	default:
		memset(want, 0xFF, size); /* nobody's: all-ones */
		break;
	}
	if (!write && memcmp(d, want, size))
		fail("a read returns the device's documented value", where);
}

static void check_events(const char *where)
{
	if (exits.n != want_exits.n || memcmp(exits.v, want_exits.v, exits.n * sizeof(int)))
		fail("exit requests come only from the documented registers and values", where);
	if (marks.n != want_marks.n || memcmp(marks.v, want_marks.v, marks.n * sizeof(int)))
		fail("the marker reports exactly the bytes written to it", where);
	if (pm.sts != 0 || pm.en != shadow.pm_en || pm.cnt != shadow.pm_cnt)
		fail("PM1 keeps enable and control (less SLP_EN); status stays clear", where);
}

/* ---- the driver loop ---- */

/* Guest output goes nowhere, but through the same sink interface the console uses. */
static size_t sunk;
static void sink_write(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	sunk += len;
}

static void setup(uint8_t cfg)
{
	struct machine_ctl ctl = {.event = machine_event_seen};
	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	s5_typ = cfg & 7;
	irq_level = 0;
	irq_repeated = false;
	drained = want_drained = 0;
	memset(&shadow, 0, sizeof(shadow));
	kbc_reset_model();
	struct byte_sink out = {.write = (cfg & 16) ? sink_write : NULL};
	serial_init(&uart, out, (struct irq_line){.set_level = set_level, .gsi = SERIAL_COM1_IRQ});
	if (cfg & 8)
		uart.rx_drained = on_drained;
	if (serial_register(&uart, &pio, SERIAL_COM1_BASE) ||
	    i8042_register(&kbc, &pio, I8042_DATA_PORT, I8042_STATUS_PORT, ctl) ||
	    acpi_pm_register(&pm, &pio, ACPI_PM_BASE, s5_typ, ctl) ||
	    marker_register(&marker, &pio, MARKER_PORT, mark, NULL) ||
	    test_exit_register(&texit, &pio, TEST_EXIT_PORT, ctl) ||
	    pvpanic_register(&panic_dev, &mmio, PVPANIC_MMIO_BASE, ctl))
		abort();
	pci_host_init(&pci);
	if (pci_host_register(&pci, &pio, PCI_CONF1_PORT))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[PAGE];
	static struct serial before;
	if (size < 1)
		return 0;
	setup(data[0]);
	size_t i = 1;
	while (i + 2 <= size) {
		uint8_t sel = data[i], flags = data[i + 1];
		i += 2;
		char where[96];
		exits.n = want_exits.n = marks.n = want_marks.n = 0;
		if (targets[sel % NTARGETS].addr == HOST_INPUT) {
			size_t n = flags & 31;
			if (i + n > size)
				break;
			size_t room = SERIAL_FIFO_SIZE - shadow.count;
			size_t took = serial_receive(&uart, data + i, n);
			snprintf(where, sizeof(where), "host input of %zu bytes", n);
			if (took != (n < room ? n : room))
				fail("host input fills the RX FIFO, never past it", where);
			for (size_t k = 0; k < took; k++)
				shadow_push(data[i + k]);
			i += n;
			check_uart_state(where);
			continue;
		}
		bool is_mmio = targets[sel % NTARGETS].mmio, write = flags & 1;
		uint64_t addr = targets[sel % NTARGETS].addr;
		unsigned width = 1u << ((flags >> 1) & 3), count = 1;
		if (!is_mmio && width == 8)
			width = 4; /* KVM's port I/O is at most 4 bytes wide */
		if (flags & 8) {
			if (i >= size)
				break;
			count = data[i++] + 1u;
			if (count > PAGE / width)
				count = PAGE / width;
		}
		unsigned bytes = width * count;
		if (write) {
			size_t need = count == 1 ? width : 1;
			if (i + need > size)
				break;
			for (unsigned k = 0; k < bytes; k++)
				buf[k] = count == 1 ? data[i + k] : (uint8_t)(data[i] + k);
			i += need;
		} else {
			memset(buf, 0xAB, bytes);
		}
		snprintf(where, sizeof(where), "%s %s 0x%llx size %u count %u",
			 write ? "write" : "read", is_mmio ? "mmio" : "port",
			 (unsigned long long)addr, width, count);

		struct bus *bus = is_mmio ? &mmio : &pio;
		uint64_t off = 0;
		enum dev dev = owner(is_mmio, addr, width, &off);
		const struct bus_range *r = bus_find(bus, addr, width);
		if ((r != NULL) != (dev != D_NONE))
			fail("the bus routes an access to the device whose range holds all of it",
			     where);
		memcpy(&before, &uart, sizeof(uart));
		bus_dispatch_string(bus, r, addr, buf, width, count, write);

		for (unsigned k = 0; k < count; k++) {
			const uint8_t *d = buf + k * width;
			if (dev == D_UART)
				uart_element(off, write, d, width, &before, k == 0, where);
			else
				other_element(dev, off, write, d, width, where);
		}
		if (dev != D_UART && memcmp((uint8_t *)&before + offsetof(struct serial, ier),
					    (uint8_t *)&uart + offsetof(struct serial, ier),
					    sizeof(uart) - offsetof(struct serial, ier)))
			fail("an access to another device leaves the UART alone", where);
		check_uart_state(where);
		check_kbc_state(where);
		check_events(where);
	}
	serial_destroy(&uart);
	i8042_destroy(&kbc);
	return 0;
}
