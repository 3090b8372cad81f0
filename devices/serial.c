#include "devices/serial.h"

#include <string.h>

static const unsigned trigger_levels[4] = {1, 4, 8, 14};

/* IIR for the highest-priority pending source; callers hold the lock. */
static uint8_t serial_iir(const struct serial *s)
{
	uint8_t fifo = (s->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0;
	if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_OE))
		return fifo | UART_IIR_RLSI;
	if ((s->ier & UART_IER_RDI) && s->rx_count) {
		/*
		 * With the FIFO on, data below the trigger level is reported as a character
		 * timeout, as the real chip does after four idle character times; we have no clock,
		 * so it is reported at once. Linux treats both as "read what is there".
		 */
		if ((s->fcr & UART_FCR_ENABLE) && s->rx_count < trigger_levels[s->fcr >> 6])
			return fifo | UART_IIR_CTI;
		return fifo | UART_IIR_RDI;
	}
	if ((s->ier & UART_IER_THRI) && s->thr_ipending)
		return fifo | UART_IIR_THRI;
	/* No modem-status changes are ever generated, so MSI is never pending. */
	return fifo | UART_IIR_NO_INT;
}

/* The line follows "an interrupt is pending", like the chip's INTRPT pin. */
static void serial_update_irq(struct serial *s)
{
	int level = !(serial_iir(s) & UART_IIR_NO_INT);
	if (level != s->irq_level) {
		s->irq_level = level;
		irq_line_set(&s->irq, level);
	}
}

static void rx_push(struct serial *s, uint8_t byte)
{
	if (s->rx_count == SERIAL_FIFO_SIZE) {
		s->lsr |= UART_LSR_OE; /* the byte is lost, as on the chip */
		return;
	}
	s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO_SIZE] = byte;
	s->rx_count++;
	s->lsr |= UART_LSR_DR;
}

static uint8_t rx_pop(struct serial *s)
{
	if (!s->rx_count)
		return 0;
	uint8_t byte = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
	if (--s->rx_count == 0)
		s->lsr &= ~UART_LSR_DR;
	return byte;
}

static void transmit(struct serial *s, uint8_t byte)
{
	if (s->mcr & UART_MCR_LOOP) {
		rx_push(s, byte);
		return;
	}
	/*
	 * The sink queues or drops; it never waits for the terminal, so a stdout nobody reads
	 * cannot stall this vCPU (with the lock held) or the shutdown that needs it back.
	 */
	byte_sink_write(&s->out, &byte, 1);
}

static uint8_t msr_value(const struct serial *s)
{
	if (s->mcr & UART_MCR_LOOP) {
		/*
		 * Loopback wires the modem outputs back to the inputs; Linux's probe checks this.
		 */
		uint8_t msr = 0;
		if (s->mcr & UART_MCR_RTS)
			msr |= UART_MSR_CTS;
		if (s->mcr & UART_MCR_DTR)
			msr |= UART_MSR_DSR;
		if (s->mcr & UART_MCR_OUT1)
			msr |= UART_MSR_RI;
		if (s->mcr & UART_MCR_OUT2)
			msr |= UART_MSR_DCD;
		return msr;
	}
	return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS; /* a terminal is always attached */
}

static uint8_t serial_read_reg(struct serial *s, unsigned reg, bool *drained)
{
	switch (reg) {
	case UART_RBR:
		if (s->lcr & UART_LCR_DLAB)
			return s->dll;
		{
			bool had = s->rx_count != 0;
			uint8_t byte = rx_pop(s);
			*drained = had && s->rx_count == 0;
			return byte;
		}
	case UART_IER:
		return (s->lcr & UART_LCR_DLAB) ? s->dlm : s->ier;
	case UART_IIR: {
		uint8_t iir = serial_iir(s);
		/* Reading IIR is how a THRE interrupt is acknowledged. */
		if ((iir & 0x0F) == UART_IIR_THRI)
			s->thr_ipending = false;
		return iir;
	}
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR: {
		uint8_t lsr = s->lsr;
		s->lsr &= ~UART_LSR_OE; /* error bits clear on read */
		return lsr;
	}
	case UART_MSR:
		return msr_value(s);
	default:
		return s->scr;
	}
}

static void serial_write_reg(struct serial *s, unsigned reg, uint8_t val)
{
	switch (reg) {
	case UART_THR:
		if (s->lcr & UART_LCR_DLAB) {
			s->dll = val;
			break;
		}
		transmit(s, val);
		/* Sent at once, so THR is empty again: a fresh THRE interrupt becomes pending. */
		s->thr_ipending = true;
		break;
	case UART_IER:
		if (s->lcr & UART_LCR_DLAB) {
			s->dlm = val;
			break;
		}
		/* Enabling THRI while THR is empty raises THRE at once; Linux's TX start relies on
		 * it. */
		if ((val & UART_IER_THRI) && !(s->ier & UART_IER_THRI))
			s->thr_ipending = true;
		s->ier = val & 0x0F;
		break;
	case UART_FCR:
		if (val & UART_FCR_CLEAR_RX) {
			s->rx_head = s->rx_count = 0;
			s->lsr &= ~UART_LSR_DR;
		}
		s->fcr = val & (UART_FCR_ENABLE | UART_FCR_TRIG_MASK);
		break;
	case UART_LCR:
		s->lcr = val;
		break;
	case UART_MCR:
		s->mcr = val & 0x1F;
		break;
	case UART_LSR:
	case UART_MSR:
		break; /* read-only */
	default:
		s->scr = val;
		break;
	}
}

static void serial_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct serial *s = opaque;
	uint8_t *out = data;
	bool drained = false;
	pthread_mutex_lock(&s->lock);
	out[0] = offset < SERIAL_NREGS ? serial_read_reg(s, offset, &drained) : 0xff;
	serial_update_irq(s);
	void (*notify)(void *) = drained ? s->rx_drained : NULL;
	void *ctx = s->rx_drained_ctx;
	pthread_mutex_unlock(&s->lock);
	/* The UART's registers are 8 bits wide: a wider access sees all-ones above. */
	memset(out + 1, 0xff, size - 1);
	if (notify)
		notify(ctx);
}

static void serial_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct serial *s = opaque;
	(void)size;
	if (offset >= SERIAL_NREGS)
		return;
	pthread_mutex_lock(&s->lock);
	bool had = s->rx_count != 0;
	serial_write_reg(s, offset, *(const uint8_t *)data);
	serial_update_irq(s);
	/* An FCR clear empties the FIFO too; the host side may be waiting for that room. */
	void (*notify)(void *) = had && s->rx_count == 0 ? s->rx_drained : NULL;
	void *ctx = s->rx_drained_ctx;
	pthread_mutex_unlock(&s->lock);
	if (notify)
		notify(ctx);
}

static const char *serial_reg_name(void *opaque, uint64_t offset, bool write)
{
	const struct serial *s = opaque;
	static const char *const rd[8] = {"RBR", "IER", "IIR", "LCR", "MCR", "LSR", "MSR", "SCR"};
	static const char *const wr[8] = {"THR", "IER", "FCR", "LCR", "MCR", "LSR", "MSR", "SCR"};
	if (offset >= SERIAL_NREGS)
		return NULL;
	/* Unlocked peek at DLAB: a trace label only. */
	if ((s->lcr & UART_LCR_DLAB) && offset < 2)
		return offset ? "DLM" : "DLL";
	return (write ? wr : rd)[offset];
}

const struct bus_device_ops serial_ops = {
    .read = serial_read, .write = serial_write, .reg_name = serial_reg_name};

void serial_init(struct serial *s, struct byte_sink out, struct irq_line irq)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->out = out;
	s->irq = irq;
	s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
	s->dll = 0x0C; /* 9600 baud, the power-on divisor */
}

void serial_set_output(struct serial *s, struct byte_sink out)
{
	pthread_mutex_lock(&s->lock);
	s->out = out;
	pthread_mutex_unlock(&s->lock);
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

int serial_register(struct serial *s, struct bus *pio, uint64_t base)
{
	return bus_register(pio, base, SERIAL_NREGS, "serial", &serial_ops, s);
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;
	pthread_mutex_lock(&s->lock);
	/* Never overrun from the host side: what does not fit waits for the guest to read. */
	while (n < len && s->rx_count < SERIAL_FIFO_SIZE)
		rx_push(s, buf[n++]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t serial_rx_room(struct serial *s)
{
	pthread_mutex_lock(&s->lock);
	size_t room = SERIAL_FIFO_SIZE - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return room;
}
