/*
 * The ATA state machine through the PIO bus, as a driver sees it: IDENTIFY, LBA28/LBA48
 * PIO transfers single and multiple, interrupts and nIEN, SRST, and every error path.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/ide.h"
#include "platform/layout.h"

#define DISK_SIZE (4 << 20) /* 8192 sectors */
#define NSECT	  (DISK_SIZE / 512)

struct fix {
	struct bus pio;
	struct disk disk;
	struct ide ide;
	char path[64];
	uint8_t *image;
	int level, edges;
};

static void set_level(void *ctx, unsigned gsi, int level)
{
	struct fix *f = ctx;
	assert_int_equal(gsi, IDE_IRQ);
	f->level = level;
	f->edges += level;
}

static int setup_ro(void **state, bool ro)
{
	struct fix *f = calloc(1, sizeof(*f));
	f->image = malloc(DISK_SIZE);
	for (size_t i = 0; i < DISK_SIZE; i++)
		f->image[i] = (uint8_t)(i * 13 + i / 512);
	strcpy(f->path, "/tmp/kvmini-ide-XXXXXX");
	int fd = mkstemp(f->path);
	if (write(fd, f->image, DISK_SIZE) != DISK_SIZE)
		return -1;
	close(fd);
	struct err err;
	if (disk_open(&f->disk, f->path, ro, &err))
		return -1;
	bus_init(&f->pio, "pio");
	ide_init(&f->ide, &f->disk, "SERIAL-42",
		 (struct irq_line){.set_level = set_level, .ctx = f, .gsi = IDE_IRQ});
	if (ide_register(&f->ide, &f->pio, IDE_CMD_BASE, IDE_CTL_PORT))
		return -1;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_ro(state, false);
}

static int setup_readonly(void **state)
{
	return setup_ro(state, true);
}

static int teardown(void **state)
{
	struct fix *f = *state;
	ide_destroy(&f->ide);
	disk_close(&f->disk);
	unlink(f->path);
	free(f->image);
	free(f);
	return 0;
}

static void outb(struct fix *f, uint16_t port, uint8_t v)
{
	assert_non_null(bus_write(&f->pio, port, &v, 1));
}

static uint8_t inb(struct fix *f, uint16_t port)
{
	uint8_t v;
	assert_non_null(bus_read(&f->pio, port, &v, 1));
	return v;
}

/* rep insw / rep outsw: one "exit" moving count words. */
static void insw(struct fix *f, void *buf, unsigned count)
{
	const struct bus_range *r = bus_find(&f->pio, IDE_CMD_BASE, 2);
	bus_dispatch_string(&f->pio, r, IDE_CMD_BASE, buf, 2, count, false);
}

static void outsw(struct fix *f, const void *buf, unsigned count)
{
	const struct bus_range *r = bus_find(&f->pio, IDE_CMD_BASE, 2);
	bus_dispatch_string(&f->pio, r, IDE_CMD_BASE, (uint8_t *)buf, 2, count, true);
}

#define REG(r) (IDE_CMD_BASE + (r))

static void lba28(struct fix *f, uint8_t cmd, uint32_t lba, uint8_t count)
{
	outb(f, REG(IDE_DEVICE), (uint8_t)(ATA_DEV_LBA | ((lba >> 24) & 0x0F)));
	outb(f, REG(IDE_NSECT), count);
	outb(f, REG(IDE_LBAL), (uint8_t)lba);
	outb(f, REG(IDE_LBAM), (uint8_t)(lba >> 8));
	outb(f, REG(IDE_LBAH), (uint8_t)(lba >> 16));
	outb(f, REG(IDE_COMMAND), cmd);
}

/* libata's ata_tf_load order for LBA48: HOB bytes first, then the low ones. */
static void lba48(struct fix *f, uint8_t cmd, uint64_t lba, uint16_t count)
{
	outb(f, REG(IDE_NSECT), (uint8_t)(count >> 8));
	outb(f, REG(IDE_LBAL), (uint8_t)(lba >> 24));
	outb(f, REG(IDE_LBAM), (uint8_t)(lba >> 32));
	outb(f, REG(IDE_LBAH), (uint8_t)(lba >> 40));
	outb(f, REG(IDE_NSECT), (uint8_t)count);
	outb(f, REG(IDE_LBAL), (uint8_t)lba);
	outb(f, REG(IDE_LBAM), (uint8_t)(lba >> 8));
	outb(f, REG(IDE_LBAH), (uint8_t)(lba >> 16));
	outb(f, REG(IDE_DEVICE), ATA_DEV_LBA);
	outb(f, REG(IDE_COMMAND), cmd);
}

static uint8_t status(struct fix *f)
{
	return inb(f, REG(IDE_STATUS));
}

static void test_power_on(void **state)
{
	struct fix *f = *state;
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
	/* The ATA signature: count 1, LBA low 1, mid/high 0. */
	assert_int_equal(inb(f, REG(IDE_NSECT)), 1);
	assert_int_equal(inb(f, REG(IDE_LBAL)), 1);
	assert_int_equal(inb(f, REG(IDE_LBAM)), 0);
	assert_int_equal(inb(f, REG(IDE_LBAH)), 0);
	/* The absent slave: zeroes, and commands to it are not taken. */
	outb(f, REG(IDE_DEVICE), ATA_DEV_SLAVE);
	assert_int_equal(status(f), 0);
	assert_int_equal(inb(f, IDE_CTL_PORT), 0);
	outb(f, REG(IDE_COMMAND), ATA_CMD_IDENTIFY);
	assert_int_equal(f->edges, 0);
	outb(f, REG(IDE_DEVICE), 0);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
}

static void swapped(const uint16_t *w, unsigned nwords, char *out)
{
	for (unsigned i = 0; i < nwords; i++) {
		out[2 * i] = (char)(w[i] >> 8);
		out[2 * i + 1] = (char)w[i];
	}
	out[2 * nwords] = '\0';
}

static void test_identify(void **state)
{
	struct fix *f = *state;
	outb(f, REG(IDE_COMMAND), ATA_CMD_IDENTIFY);
	assert_int_equal(f->level, 1);
	assert_int_equal(inb(f, IDE_CTL_PORT) & ATA_DRQ, ATA_DRQ); /* alt status keeps INTRQ */
	assert_int_equal(f->level, 1);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC | ATA_DRQ);
	assert_int_equal(f->level, 0); /* status read acknowledged it */
	uint16_t id[256];
	insw(f, id, 256);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
	assert_int_equal(f->edges, 1); /* no interrupt at the end of a PIO read */
	char s[41];
	swapped(&id[10], 10, s);
	assert_string_equal(s, "SERIAL-42           ");
	swapped(&id[27], 20, s);
	assert_memory_equal(s, "kvmini IDE disk ", 16);
	assert_int_equal(id[47], 0x8000 | IDE_MAX_MULTIPLE);
	assert_true(id[49] & 0x0200); /* LBA */
	assert_int_equal(id[60] | (uint32_t)id[61] << 16, NSECT);
	assert_true(id[83] & (1 << 10)); /* LBA48 */
	assert_int_equal(id[100] | (uint64_t)id[101] << 16, NSECT);
	assert_true(id[64] & 0x3);   /* PIO 3 and 4 */
	assert_int_equal(id[59], 0); /* multiple mode off at power on */
}

static void test_read_lba28_single(void **state)
{
	struct fix *f = *state;
	lba28(f, ATA_CMD_READ, 100, 3);
	uint8_t buf[3 * 512];
	for (int s = 0; s < 3; s++) {
		/* One interrupt per sector, then 256 words. */
		assert_int_equal(f->edges, s + 1);
		assert_int_equal(status(f), ATA_DRDY | ATA_DSC | ATA_DRQ);
		insw(f, buf + s * 512, 256);
	}
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
	assert_int_equal(f->edges, 3);
	assert_memory_equal(buf, f->image + 100 * 512, sizeof(buf));
}

static void test_read_multiple(void **state)
{
	struct fix *f = *state;
	outb(f, REG(IDE_NSECT), 8);
	outb(f, REG(IDE_COMMAND), ATA_CMD_SET_MULTI);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
	f->edges = 0;
	lba28(f, ATA_CMD_READ_MULTI, 7, 12); /* blocks of 8 then 4 */
	uint8_t buf[12 * 512];
	assert_int_equal(f->edges, 1);
	status(f);
	insw(f, buf, 8 * 256);
	assert_int_equal(f->edges, 2);
	status(f);
	insw(f, buf + 8 * 512, 4 * 256);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
	assert_int_equal(f->edges, 2);
	assert_memory_equal(buf, f->image + 7 * 512, sizeof(buf));
	/* IDENTIFY now reports the setting. */
	outb(f, REG(IDE_COMMAND), ATA_CMD_IDENTIFY);
	uint16_t id[256];
	status(f);
	insw(f, id, 256);
	assert_int_equal(id[59], 0x0108);
}

static void test_set_multiple_rules(void **state)
{
	struct fix *f = *state;
	outb(f, REG(IDE_NSECT), 6); /* not a power of two */
	outb(f, REG(IDE_COMMAND), ATA_CMD_SET_MULTI);
	assert_int_equal(status(f), ATA_DRDY | ATA_ERR);
	assert_int_equal(inb(f, REG(IDE_ERROR)), ATA_ABRT);
	outb(f, REG(IDE_NSECT), 32); /* above the maximum */
	outb(f, REG(IDE_COMMAND), ATA_CMD_SET_MULTI);
	assert_int_equal(inb(f, REG(IDE_ERROR)), ATA_ABRT);
	/* READ MULTIPLE with multiple mode off is refused. */
	lba28(f, ATA_CMD_READ_MULTI, 0, 1);
	assert_int_equal(status(f), ATA_DRDY | ATA_ERR);
	assert_int_equal(inb(f, REG(IDE_ERROR)), ATA_ABRT);
}

static void test_write_lba28(void **state)
{
	struct fix *f = *state;
	uint8_t data[2 * 512];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0x55 ^ i);
	lba28(f, ATA_CMD_WRITE, 8000, 2);
	/* PIO out: DRQ for the first sector without an interrupt. */
	assert_int_equal(f->edges, 0);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC | ATA_DRQ);
	outsw(f, data, 256);
	assert_int_equal(f->edges, 1); /* ready for the second */
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC | ATA_DRQ);
	outsw(f, data + 512, 256);
	assert_int_equal(f->edges, 2); /* completion */
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
	uint8_t back[sizeof(data)];
	int fd = open(f->path, O_RDONLY);
	assert_int_equal(pread(fd, back, sizeof(back), 8000 * 512), sizeof(back));
	close(fd);
	assert_memory_equal(back, data, sizeof(data));
}

static void test_lba48(void **state)
{
	struct fix *f = *state;
	lba48(f, ATA_CMD_READ_EXT, 4096, 2);
	uint8_t buf[1024];
	status(f);
	insw(f, buf, 256);
	status(f);
	insw(f, buf + 512, 256);
	assert_memory_equal(buf, f->image + 4096 * 512, sizeof(buf));
	/* HOB: with the HOB bit set, the registers read back their previous (high) bytes. */
	lba48(f, ATA_CMD_FLUSH_EXT, 0x0000AABBCCDDULL, 0x0102);
	outb(f, IDE_CTL_PORT, ATA_CTL_HOB);
	assert_int_equal(inb(f, REG(IDE_NSECT)), 0x01);
	assert_int_equal(inb(f, REG(IDE_LBAL)), 0xAA);
	outb(f, IDE_CTL_PORT, 0);
	assert_int_equal(inb(f, REG(IDE_NSECT)), 0x02);
	assert_int_equal(inb(f, REG(IDE_LBAL)), 0xDD);
}

static void test_lba48_past_end(void **state)
{
	struct fix *f = *state;
	lba48(f, ATA_CMD_READ_EXT, 1ULL << 40, 1);
	assert_int_equal(status(f), ATA_DRDY | ATA_ERR);
	assert_int_equal(inb(f, REG(IDE_ERROR)), ATA_IDNF);
	assert_int_equal(f->edges, 1); /* the error still interrupts */
}

static void test_idnf(void **state)
{
	struct fix *f = *state;
	lba28(f, ATA_CMD_READ, NSECT - 1, 2); /* second sector is past the end */
	assert_int_equal(status(f), ATA_DRDY | ATA_ERR);
	assert_int_equal(inb(f, REG(IDE_ERROR)), ATA_IDNF);
	uint16_t w = 0;
	insw(f, &w, 1); /* DRQ clear: no data, no state change */
	assert_int_equal(w, 0xFFFF);
	assert_int_equal(status(f), ATA_DRDY | ATA_ERR);
	lba28(f, ATA_CMD_READ, NSECT - 1, 1); /* the last sector is fine */
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC | ATA_DRQ);
}

static void test_count_zero_means_256(void **state)
{
	struct fix *f = *state;
	lba28(f, ATA_CMD_READ, 0, 0);
	uint8_t buf[512];
	for (int s = 0; s < 256; s++) {
		assert_int_equal(status(f) & ATA_DRQ, ATA_DRQ);
		insw(f, buf, 256);
		assert_memory_equal(buf, f->image + s * 512, 512);
	}
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
	assert_int_equal(f->edges, 256);
	/* LBA48 count 0 is 65536 sectors: more than this disk, so IDNF at once. */
	lba48(f, ATA_CMD_READ_EXT, 0, 0);
	assert_int_equal(inb(f, REG(IDE_ERROR)), ATA_IDNF);
}

static void test_unknown_command(void **state)
{
	struct fix *f = *state;
	outb(f, REG(IDE_COMMAND), 0xC8); /* READ DMA: no DMA here */
	assert_int_equal(f->edges, 1);
	assert_int_equal(status(f), ATA_DRDY | ATA_ERR);
	assert_int_equal(inb(f, REG(IDE_ERROR)), ATA_ABRT);
	outb(f, REG(IDE_FEATURE), 0x03);
	outb(f, REG(IDE_NSECT), 0x42); /* UDMA mode 2 */
	outb(f, REG(IDE_COMMAND), ATA_CMD_SET_FEATURES);
	assert_int_equal(inb(f, REG(IDE_ERROR)), ATA_ABRT);
	outb(f, REG(IDE_NSECT), 0x0C); /* PIO 4 with flow control */
	outb(f, REG(IDE_COMMAND), ATA_CMD_SET_FEATURES);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
}

static void test_nien(void **state)
{
	struct fix *f = *state;
	outb(f, IDE_CTL_PORT, ATA_CTL_NIEN);
	lba28(f, ATA_CMD_READ, 0, 1);
	/* INTRQ is pending inside the drive but the line stays low. */
	assert_int_equal(f->level, 0);
	assert_int_equal(f->edges, 0);
	assert_int_equal(inb(f, IDE_CTL_PORT) & ATA_DRQ, ATA_DRQ);
	/* Clearing nIEN lets the pending interrupt out. */
	outb(f, IDE_CTL_PORT, 0);
	assert_int_equal(f->level, 1);
	status(f);
	assert_int_equal(f->level, 0);
}

static void test_srst(void **state)
{
	struct fix *f = *state;
	outb(f, REG(IDE_NSECT), 4);
	outb(f, REG(IDE_COMMAND), ATA_CMD_SET_MULTI);
	lba28(f, ATA_CMD_READ, 10, 4); /* leave a transfer half done */
	assert_int_equal(status(f) & ATA_DRQ, ATA_DRQ);
	outb(f, IDE_CTL_PORT, ATA_CTL_SRST | ATA_CTL_NIEN);
	assert_int_equal(inb(f, IDE_CTL_PORT), ATA_BSY);
	outb(f, IDE_CTL_PORT, ATA_CTL_NIEN);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
	assert_int_equal(inb(f, REG(IDE_ERROR)), 0x01);
	assert_int_equal(inb(f, REG(IDE_NSECT)), 1);
	assert_int_equal(inb(f, REG(IDE_LBAL)), 1);
	uint16_t w;
	insw(f, &w, 1);
	assert_int_equal(w, 0xFFFF); /* the transfer is gone */
	/* The multiple setting survives a software reset. */
	lba28(f, ATA_CMD_READ_MULTI, 0, 4);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC | ATA_DRQ);
}

static void test_diagnose(void **state)
{
	struct fix *f = *state;
	outb(f, REG(IDE_LBAL), 0x77);
	outb(f, REG(IDE_COMMAND), ATA_CMD_DIAGNOSE);
	assert_int_equal(inb(f, REG(IDE_ERROR)), 0x01);
	assert_int_equal(inb(f, REG(IDE_LBAL)), 1);
	assert_int_equal(f->edges, 1);
}

static void test_write_readonly(void **state)
{
	struct fix *f = *state;
	lba28(f, ATA_CMD_WRITE, 0, 1);
	assert_int_equal(status(f), ATA_DRDY | ATA_ERR);
	assert_int_equal(inb(f, REG(IDE_ERROR)), ATA_ABRT);
	uint8_t junk[512];
	memset(junk, 0xEE, sizeof(junk));
	outsw(f, junk, 256); /* DRQ clear: dropped */
	uint8_t back[DISK_SIZE / 8];
	int fd = open(f->path, O_RDONLY);
	assert_int_equal(pread(fd, back, sizeof(back), 0), sizeof(back));
	close(fd);
	assert_memory_equal(back, f->image, sizeof(back));
	lba28(f, ATA_CMD_READ, 0, 1); /* reads still work */
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC | ATA_DRQ);
}

static void test_chs(void **state)
{
	struct fix *f = *state;
	/* Cylinder 1, head 2, sector 3 with 16 heads x 63 sectors -> LBA (1*16+2)*63+2. */
	outb(f, REG(IDE_DEVICE), 2);
	outb(f, REG(IDE_NSECT), 1);
	outb(f, REG(IDE_LBAL), 3);
	outb(f, REG(IDE_LBAM), 1);
	outb(f, REG(IDE_LBAH), 0);
	outb(f, REG(IDE_COMMAND), ATA_CMD_READ);
	uint8_t buf[512];
	status(f);
	insw(f, buf, 256);
	assert_memory_equal(buf, f->image + ((1 * 16 + 2) * 63 + 2) * 512, 512);
	outb(f, REG(IDE_LBAL), 0); /* sector numbers start at 1 */
	outb(f, REG(IDE_COMMAND), ATA_CMD_READ);
	assert_int_equal(inb(f, REG(IDE_ERROR)), ATA_IDNF);
}

static void test_flush_and_32bit_data(void **state)
{
	struct fix *f = *state;
	outb(f, REG(IDE_COMMAND), ATA_CMD_FLUSH);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
	lba28(f, ATA_CMD_READ, 5, 1);
	status(f);
	/* 32-bit PIO: 128 dwords per sector. */
	uint8_t buf[512];
	const struct bus_range *r = bus_find(&f->pio, IDE_CMD_BASE, 4);
	bus_dispatch_string(&f->pio, r, IDE_CMD_BASE, buf, 4, 128, false);
	assert_memory_equal(buf, f->image + 5 * 512, 512);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
}

static void test_reg_names(void **state)
{
	(void)state;
	assert_string_equal(ide_reg_name(false, 2, true), "sector count");
	assert_string_equal(ide_reg_name(false, 7, false), "status");
	assert_string_equal(ide_reg_name(false, 7, true), "command");
	assert_string_equal(ide_reg_name(true, 0, false), "alternate status");
	assert_string_equal(ide_reg_name(true, 0, true), "device control");
	assert_null(ide_reg_name(false, 8, false));
	assert_null(ide_reg_name(true, 1, false));
}

/*
 * Writing the command register negates INTRQ even if the host never read Status: the line
 * drops and the next command's interrupt is a new edge (an edge-triggered IOAPIC pin sees
 * nothing otherwise).
 */
static void test_command_write_negates_intrq(void **state)
{
	struct fix *f = *state;
	outb(f, REG(IDE_DEVICE), 0);
	outb(f, REG(IDE_COMMAND), ATA_CMD_IDENTIFY);
	assert_int_equal(f->level, 1);
	assert_int_equal(f->edges, 1);
	uint16_t id[256];
	insw(f, id, 256); /* the data, but no Status read: INTRQ stays asserted */
	assert_int_equal(f->level, 1);
	outb(f, REG(IDE_COMMAND), ATA_CMD_IDENTIFY);
	assert_int_equal(f->edges, 2); /* it went low and high again */
	assert_int_equal(f->level, 1);
	inb(f, REG(IDE_STATUS));
	assert_int_equal(f->level, 0);
}

/*
 * Found by fuzz_ide: with the absent slave selected the host sees status 0 (DRQ clear), yet the
 * data port still moved the master's transfer. It must be ignored, and the master's transfer
 * resume untouched once the master is selected again.
 */
static void test_data_port_ignored_while_slave_selected(void **state)
{
	struct fix *f = *state;
	lba28(f, ATA_CMD_READ, 20, 1);
	outb(f, REG(IDE_DEVICE), ATA_DEV_SLAVE);
	assert_int_equal(inb(f, IDE_CTL_PORT), 0); /* DRQ clear, as the host sees it */
	uint8_t buf[512];
	memset(buf, 0, sizeof(buf));
	insw(f, buf, 256);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xFF);
	outb(f, REG(IDE_DEVICE), ATA_DEV_LBA);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC | ATA_DRQ);
	insw(f, buf, 256);
	assert_memory_equal(buf, f->image + 20 * 512, 512);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);

	/* The same for a write: data pushed while the slave is selected never reaches the disk. */
	lba28(f, ATA_CMD_WRITE, 30, 1);
	outb(f, REG(IDE_DEVICE), ATA_DEV_SLAVE);
	uint8_t junk[512];
	memset(junk, 0xEE, sizeof(junk));
	outsw(f, junk, 256);
	outb(f, REG(IDE_DEVICE), ATA_DEV_LBA);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC | ATA_DRQ); /* still waiting for its data */
	uint8_t data[512];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ 0x3C);
	outsw(f, data, 256);
	assert_int_equal(status(f), ATA_DRDY | ATA_DSC);
	uint8_t back[512];
	int fd = open(f->path, O_RDONLY);
	assert_int_equal(pread(fd, back, sizeof(back), 30 * 512), sizeof(back));
	close(fd);
	assert_memory_equal(back, data, sizeof(data));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_command_write_negates_intrq, setup, teardown),
	    T(test_power_on),
	    T(test_identify),
	    T(test_read_lba28_single),
	    T(test_read_multiple),
	    T(test_set_multiple_rules),
	    T(test_write_lba28),
	    T(test_lba48),
	    T(test_lba48_past_end),
	    T(test_idnf),
	    T(test_count_zero_means_256),
	    T(test_unknown_command),
	    T(test_nien),
	    T(test_srst),
	    T(test_diagnose),
	    cmocka_unit_test_setup_teardown(test_write_readonly, setup_readonly, teardown),
	    T(test_chs),
	    T(test_flush_and_32bit_data),
	    cmocka_unit_test(test_reg_names),
	    T(test_data_port_ignored_while_slave_selected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
