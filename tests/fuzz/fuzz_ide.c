/*
 * libFuzzer target for the emulated IDE disk (devices/ide.c) as a hostile guest drives it: a
 * sequence of port accesses, each delivered the way the vCPU loop delivers a KVM_EXIT_IO
 * (bus_find on the port and size, then bus_dispatch_string with the exit's count), against
 * the command block (0x1F0-0x1F7), the control block (0x3F6) and the ports just around them,
 * over a small in-memory disk (a memfd) that is sometimes read-only and sometimes fails.
 *
 * Input format (seeds: tests/fuzz/make_seeds.py writes corpus/ide):
 *   byte 0   set-up: bit 0 read-only disk; bits 1-2 disk size, an index into disk_sizes[]
 *   byte 1   backend fault: 0 none, n: the n-th disk call (read, write or flush) fails (EIO)
 *   then steps until the input ends (a truncated step is dropped), each:
 *     sel    bits 0-3 index ports[] (0-7 command block, 8 control, 9-12 just outside both
 *            ranges, 13-15 the data port again, since most of a transfer is data)
 *     flags  bit 0 write; bits 1-2 size, an index into sizes[]; bit 3 string (rep ins/outs):
 *            a count byte follows, count = (byte + 1) << (bit 4 ? 4 : 0), at most one page of
 *            data as KVM bounds it (4096 / size)
 *     [count]
 *     data   writes only: a single access takes `size` value bytes; a string takes one seed
 *            byte s and moves s, s+1, s+2, ...
 *
 * After every step the rules in step_rules[] must hold (a failure prints the rule and aborts);
 * every disk call is checked by the backend below; ASan/UBSan catch memory errors.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/ide.h"
#include "platform/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small disks, an odd size with a partial last sector, and one big enough for LBA48 count 0. */
static const uint64_t disk_sizes[4] = {8 * IDE_SECTOR, 300 * IDE_SECTOR, 300 * IDE_SECTOR + 200,
				       70000 * IDE_SECTOR};
static const uint16_t ports[16] = {0x1F0, 0x1F1, 0x1F2, 0x1F3, 0x1F4, 0x1F5, 0x1F6, 0x1F7,
				   0x3F6, 0x1EF, 0x1F8, 0x3F5, 0x3F7, 0x1F0, 0x1F0, 0x1F0};
static const unsigned sizes[4] = {1, 2, 4, 2}; /* PIO is at most 4 bytes wide */
#define PAGE	  4096
#define TAIL_BYTE 0xA5 /* fills the partial last sector, which the drive must never touch */

static void fail(const char *rule, const char *detail)
{
	fprintf(stderr, "fuzz_ide: rule broken: %s (%s)\n", rule, detail);
	abort();
}

/* ---- the disk backend: the real file code on a memfd, every call checked ---- */

struct backend {
	int fd;
	uint64_t size;	     /* bytes, as the drive was told */
	unsigned calls;	     /* disk calls in this input */
	unsigned step_calls; /* ...and in the current step */
	unsigned fail_at;    /* the call that fails, 0 for none */
	bool faulted;	     /* a call failed during the current step */
	bool window_known;   /* the fuzzer knows the running command's sector range */
	uint64_t next, end;  /* byte offsets: where the command's next I/O must start, its end */
};
static struct backend be;

static bool inject_fault(void)
{
	be.step_calls++;
	if (++be.calls != be.fail_at)
		return false;
	be.faulted = true;
	return true;
}

static void check_io(const struct iovec *iov, unsigned iovcnt, uint64_t off)
{
	uint64_t len = 0;
	for (unsigned i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	uint64_t whole = be.size / IDE_SECTOR * IDE_SECTOR;
	if (off % IDE_SECTOR || len % IDE_SECTOR || len == 0 || len > IDE_MAX_MULTIPLE * IDE_SECTOR)
		fail("disk I/O is whole sectors, one DRQ block at most", "backend");
	if (off > whole || len > whole - off)
		fail("disk I/O stays inside the disk's whole sectors", "backend");
	if (be.window_known) {
		if (off != be.next || len > be.end - be.next)
			fail("disk I/O walks the command's own range, in order", "backend");
		be.next += len;
	}
}

static int be_readv(struct disk *d, const struct iovec *iov, unsigned iovcnt, uint64_t off)
{
	check_io(iov, iovcnt, off);
	return inject_fault() ? -EIO : disk_file_ops.readv(d, iov, iovcnt, off);
}

static int be_writev(struct disk *d, const struct iovec *iov, unsigned iovcnt, uint64_t off)
{
	if (d->ro)
		fail("a read-only disk is never written", "backend");
	check_io(iov, iovcnt, off);
	return inject_fault() ? -EIO : disk_file_ops.writev(d, iov, iovcnt, off);
}

static int be_flush(struct disk *d)
{
	return inject_fault() ? -EIO : disk_file_ops.flush(d);
}

static const struct disk_ops be_ops = {.readv = be_readv, .writev = be_writev, .flush = be_flush};

/* ---- the interrupt line ---- */

struct line {
	int level;
	bool repeated; /* set_level called with the level the line already had */
};
static struct line irq;

static void set_level(void *ctx, unsigned gsi, int level)
{
	(void)ctx;
	if (gsi != IDE_IRQ)
		fail("the drive drives IRQ 14 only", "irq");
	if (level == irq.level)
		irq.repeated = true;
	irq.level = level;
}

/* ---- one step and what the rules see of it ---- */

struct step {
	uint16_t port;
	unsigned size, count;
	bool write, string, claimed;
	uint8_t visible; /* the status the host could read just before (alternate status) */
	struct ide before, after;
	uint8_t buf[PAGE];
};
static struct step st;

static bool is_data(const struct step *s)
{
	return s->claimed && s->port == IDE_CMD_BASE;
}

static bool is_command(const struct step *s)
{
	return s->claimed && s->write && s->port == IDE_CMD_BASE + IDE_COMMAND;
}

/* The task-file and transfer state, without the lock (whose bytes are not the model's). */
static bool unchanged(const struct step *s)
{
	size_t from = offsetof(struct ide, disk);
	return !memcmp((const uint8_t *)&s->before + from, (const uint8_t *)&s->after + from,
		       sizeof(struct ide) - from);
}

static bool reads_all_ones(const struct step *s)
{
	if (s->write)
		return true;
	for (unsigned i = 0; i < s->size * s->count; i++)
		if (s->buf[i] != 0xFF)
			return false;
	return true;
}

/* ---- what ATA8-ACS says a command does, from the task file the host loaded ---- */

enum kind { K_UNKNOWN, K_READ, K_WRITE, K_IDENTIFY, K_OTHER };

static const struct {
	uint8_t op;
	enum kind kind;
	bool multi, lba48;
} commands[] = {
    {ATA_CMD_READ, K_READ, false, false},	    {ATA_CMD_READ_NORETRY, K_READ, false, false},
    {ATA_CMD_READ_EXT, K_READ, false, true},	    {ATA_CMD_READ_MULTI, K_READ, true, false},
    {ATA_CMD_READ_MULTI_EXT, K_READ, true, true},   {ATA_CMD_WRITE, K_WRITE, false, false},
    {ATA_CMD_WRITE_NORETRY, K_WRITE, false, false}, {ATA_CMD_WRITE_EXT, K_WRITE, false, true},
    {ATA_CMD_WRITE_MULTI, K_WRITE, true, false},    {ATA_CMD_WRITE_MULTI_EXT, K_WRITE, true, true},
    {ATA_CMD_IDENTIFY, K_IDENTIFY, false, false},   {ATA_CMD_SET_MULTI, K_OTHER, false, false},
    {ATA_CMD_SET_FEATURES, K_OTHER, false, false},  {ATA_CMD_FLUSH, K_OTHER, false, false},
    {ATA_CMD_FLUSH_EXT, K_OTHER, false, false},	    {ATA_CMD_INIT_PARAMS, K_OTHER, false, false},
    {ATA_CMD_DIAGNOSE, K_OTHER, false, false},	    {ATA_CMD_CHECK_POWER, K_OTHER, false, false},
    {ATA_CMD_RECALIBRATE, K_OTHER, false, false},
};

static int find_command(uint8_t op)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].op == op)
			return (int)i;
	return -1;
}

/*
 * The sectors a read/write names: LBA28 (sector count 0 = 256), LBA48 (0 = 65536) or CHS
 * under the current translation. false for an address that names no sector.
 */
static bool task_range(const struct ide *t, bool lba48, uint64_t *lba, uint64_t *count)
{
	if (lba48) {
		*lba = 0;
		const uint8_t b[6] = {t->lbal,	   t->lbam,	t->lbah,
				      t->hob_lbal, t->hob_lbam, t->hob_lbah};
		for (int i = 5; i >= 0; i--)
			*lba = *lba << 8 | b[i];
		unsigned n = (unsigned)t->hob_nsect << 8 | t->nsect;
		*count = n ? n : 65536;
		return true;
	}
	*count = t->nsect ? t->nsect : 256;
	if (t->device & ATA_DEV_LBA) {
		*lba = (uint64_t)(t->device & 0x0F) << 24 | (uint64_t)t->lbah << 16 |
		       (uint64_t)t->lbam << 8 | t->lbal;
		return true;
	}
	unsigned cyl = (unsigned)t->lbah << 8 | t->lbam, head = t->device & 0x0F;
	if (t->lbal == 0 || t->lbal > t->spt || head >= t->heads)
		return false;
	*lba = ((uint64_t)cyl * t->heads + head) * t->spt + t->lbal - 1;
	return true;
}

static bool ok_status(const struct ide *t)
{
	return t->status == (ATA_DRDY | ATA_DSC) && !t->error && t->xfer == IDE_XFER_NONE;
}

static bool error_status(const struct ide *t, uint8_t allowed)
{
	return t->status == (ATA_DRDY | ATA_ERR) && t->error && !(t->error & ~allowed) &&
	       !(t->error & (t->error - 1)) && t->xfer == IDE_XFER_NONE;
}

/* Sets the backend's window for the command now running, when the fuzzer can name it. */
static void expect_window(bool known, uint64_t lba, uint64_t count)
{
	be.window_known = known;
	be.next = lba * IDE_SECTOR;
	be.end = (lba + count) * IDE_SECTOR;
}

/*
 * Before a command-register write: the disk range the command may move, if the drive takes
 * it. A refused or non-data command gets an empty window, so any disk I/O breaks a rule.
 */
static void window_for_command(const struct ide *t, const struct step *s)
{
	if (s->string) {
		expect_window(false, 0, 0); /* the task file between its commands is not visible */
		return;
	}
	if ((t->status & ATA_BSY) || (t->device & ATA_DEV_SLAVE))
		return; /* not taken: the running transfer, if any, goes on */
	int c = find_command(s->buf[0]);
	uint64_t lba, count;
	if (c < 0 || (commands[c].kind != K_READ && commands[c].kind != K_WRITE) ||
	    !task_range(t, commands[c].lba48, &lba, &count) || lba > t->nsectors ||
	    count > t->nsectors - lba) {
		expect_window(true, 0, 0);
		return;
	}
	expect_window(true, lba, count);
}

/* A read or write: refusals first, then a data phase offering the first DRQ block. */
static const char *check_rw(const struct step *s, int c)
{
	const struct ide *b = &s->before, *a = &s->after;
	bool write = commands[c].kind == K_WRITE, multi = commands[c].multi;
	uint64_t lba, count;
	bool valid = task_range(b, commands[c].lba48, &lba, &count);
	bool past_end = !valid || lba > b->nsectors || count > b->nsectors - lba;
	uint8_t refusals = 0;
	if (multi && !b->multiple)
		refusals |= ATA_ABRT;
	if (write && b->disk->ro)
		refusals |= ATA_ABRT;
	if (past_end)
		refusals |= ATA_IDNF;
	if (refusals) {
		/* The order of several refusals is the drive's choice; each is a real one. */
		if (!error_status(a, refusals) || be.step_calls != 0)
			return "a refused read/write ends in ERR with ABRT or IDNF and moves "
			       "nothing";
		return NULL;
	}
	uint32_t per_block = multi ? b->multiple : 1;
	uint32_t first = count < per_block ? (uint32_t)count : per_block;
	if (!write && s->after.xfer == IDE_XFER_NONE && be.faulted)
		return error_status(a, ATA_UNC) ? NULL : "a failed disk read ends in ERR with UNC";
	if (!(a->status & ATA_DRQ) || a->buf_len != first * IDE_SECTOR || a->buf_pos != 0 ||
	    a->xfer != (write ? IDE_XFER_OUT : IDE_XFER_IN))
		return "a good read/write offers its first DRQ block of min(count, multiple) "
		       "sectors";
	if (a->remaining != count - (write ? 0 : first) || a->lba != lba + (write ? 0 : first))
		return "a good read/write takes its LBA and sector count from the task file";
	/* PIO in interrupts when each block is ready; PIO out asks for its first block silently. */
	if (a->intrq != !write)
		return "INTRQ with a read's first block, none with a write's";
	return NULL;
}

static const char *check_command(struct step *s)
{
	const struct ide *b = &s->before, *a = &s->after;
	uint8_t op = s->string ? 0 : s->buf[0];
	if (s->string)
		return NULL; /* the task file between the string's commands is not visible here */
	if ((b->status & ATA_BSY) || (b->device & ATA_DEV_SLAVE))
		return unchanged(s) ? NULL : "a command the drive cannot take changes nothing";
	int c = find_command(op);
	enum kind kind = c < 0 ? K_UNKNOWN : commands[c].kind;
	const char *why = NULL;
	switch (kind) {
	case K_UNKNOWN:
		if (!error_status(a, ATA_ABRT) || !a->intrq)
			why = "an unknown command is aborted: ERR, ABRT, INTRQ";
		break;
	case K_READ:
	case K_WRITE:
		why = check_rw(s, c);
		break;
	case K_IDENTIFY:
		if (a->status != (ATA_DRDY | ATA_DSC | ATA_DRQ) || a->xfer != IDE_XFER_IN ||
		    a->buf_len != IDE_SECTOR || !a->intrq)
			why = "IDENTIFY offers one 512-byte block with DRQ and INTRQ";
		break;
	case K_OTHER:
		/* Non-data commands complete at once, well or with an abort. */
		if (!(ok_status(a) || error_status(a, ATA_ABRT) ||
		      (op == ATA_CMD_DIAGNOSE && a->error == 0x01 &&
		       a->status == (ATA_DRDY | ATA_DSC))) ||
		    !a->intrq)
			why = "a non-data command completes at once with INTRQ";
		else if (op == ATA_CMD_SET_MULTI && ok_status(a) != !(b->nsect > IDE_MAX_MULTIPLE ||
								      (b->nsect & (b->nsect - 1))))
			why = "SET MULTIPLE takes 0 or a power of two up to 16, aborts the rest";
		else if ((op == ATA_CMD_FLUSH || op == ATA_CMD_FLUSH_EXT) && !ok_status(a) &&
			 !be.faulted)
			why = "FLUSH succeeds unless the disk fails";
		break;
	}
	return why;
}

/* ---- the rules, checked after every step ---- */

static const char *rule_busy(struct step *s)
{
	const struct ide *a = &s->after;
	if (a->ctl & ATA_CTL_SRST)
		return a->status == ATA_BSY ? NULL : "status is exactly BSY while SRST is held";
	/* The model is synchronous: nothing is ever in progress between two exits. */
	return a->status & ATA_BSY ? "BSY is never left set once SRST is released" : NULL;
}

static const char *rule_drq(struct step *s)
{
	const struct ide *a = &s->after;
	if (!!(a->status & ATA_DRQ) != (a->xfer != IDE_XFER_NONE))
		return "DRQ is set exactly during a data phase";
	if (a->xfer != IDE_XFER_NONE && (a->buf_len == 0 || a->buf_len % IDE_SECTOR ||
					 a->buf_len > sizeof(a->buf) || a->buf_pos >= a->buf_len))
		return "a data phase has a whole, unfinished block in the buffer";
	if (a->xfer != IDE_XFER_NONE && a->cmd != ATA_CMD_IDENTIFY &&
	    (a->lba > a->nsectors || a->remaining > a->nsectors - a->lba))
		return "a transfer never runs past the end of the disk";
	return NULL;
}

static const char *rule_err(struct step *s)
{
	const struct ide *a = &s->after;
	if ((a->status & ATA_ERR) && ((a->status & ATA_DRQ) || !a->error))
		return "ERR comes with an error code and without DRQ";
	if (!(a->status & ATA_BSY) && !(a->status & ATA_DRDY))
		return "DRDY is set whenever the drive is not busy";
	if (a->multiple > IDE_MAX_MULTIPLE || (a->multiple & (a->multiple - 1)))
		return "the multiple count is 0 or a power of two up to 16";
	return NULL;
}

static const char *rule_irq(struct step *s)
{
	const struct ide *a = &s->after;
	if (irq.repeated)
		return "the IRQ line is only driven on a change of level";
	if (irq.level != (a->intrq && !(a->ctl & ATA_CTL_NIEN)))
		return "the IRQ line is INTRQ gated by nIEN";
	return NULL;
}

static const char *rule_unclaimed(struct step *s)
{
	if (s->claimed)
		return NULL;
	return unchanged(s) && reads_all_ones(s) && !be.step_calls
		   ? NULL
		   : "an access outside the drive's ports changes nothing and reads all-ones";
}

static const char *rule_drq_clear(struct step *s)
{
	/* ATA8-ACS: the host moves data only while it sees DRQ; otherwise nothing happens. */
	if (!is_data(s) || (s->visible & ATA_DRQ))
		return NULL;
	return unchanged(s) && reads_all_ones(s)
		   ? NULL
		   : "a data-port access with DRQ clear is ignored and reads all-ones";
}

static const char *rule_wide_taskfile(struct step *s)
{
	if (!s->claimed || s->port == IDE_CMD_BASE || s->size == 1)
		return NULL;
	return unchanged(s) && reads_all_ones(s)
		   ? NULL
		   : "a wider-than-byte access to an 8-bit register changes nothing";
}

static const char *rule_command(struct step *s)
{
	return is_command(s) ? check_command(s) : NULL;
}

static const char *rule_srst_release(struct step *s)
{
	const struct ide *b = &s->before, *a = &s->after;
	if (!s->claimed || !s->write || s->port != IDE_CTL_PORT || !(b->ctl & ATA_CTL_SRST) ||
	    (a->ctl & ATA_CTL_SRST))
		return NULL;
	if (a->status != (ATA_DRDY | ATA_DSC) || a->error != 0x01 || a->nsect != 1 ||
	    a->lbal != 1 || a->lbam || a->lbah || a->xfer != IDE_XFER_NONE)
		return "releasing SRST leaves a ready drive and the ATA signature";
	return NULL;
}

static const char *(*const step_rules[])(struct step *) = {
    rule_busy,	    rule_drq,		rule_err,     rule_irq,		 rule_unclaimed,
    rule_drq_clear, rule_wide_taskfile, rule_command, rule_srst_release,
};

/* ---- the driver loop ---- */

static void reset_disk(uint64_t size, unsigned fail_at)
{
	/* Truncating to 0 and back gives a zeroed, sparse disk: cheap even at 35 MB. */
	if (ftruncate(be.fd, 0) || ftruncate(be.fd, (off_t)size))
		abort();
	uint64_t tail = size % IDE_SECTOR;
	if (tail) {
		uint8_t fill[IDE_SECTOR];
		memset(fill, TAIL_BYTE, sizeof(fill));
		if (pwrite(be.fd, fill, tail, (off_t)(size - tail)) != (ssize_t)tail)
			abort();
	}
	be.size = size;
	be.calls = 0;
	be.fail_at = fail_at;
	expect_window(true, 0, 0); /* no command yet: no disk data may move */
}

static void check_disk_after(void)
{
	struct stat sb;
	if (fstat(be.fd, &sb) || (uint64_t)sb.st_size != be.size)
		fail("the image never grows or shrinks", "after the input");
	uint64_t tail = be.size % IDE_SECTOR;
	if (tail) {
		uint8_t back[IDE_SECTOR];
		if (pread(be.fd, back, tail, (off_t)(be.size - tail)) != (ssize_t)tail)
			abort();
		for (uint64_t i = 0; i < tail; i++)
			if (back[i] != TAIL_BYTE)
				fail("the partial last sector is never written", "after the input");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct disk disk;
	static struct bus pio;
	static struct ide ide;
	if (!disk.ops) {
		be.fd = memfd_create("kvmini-fuzz-ide", 0);
		if (be.fd < 0)
			abort();
		disk = (struct disk){.ops = &be_ops, .path = "fuzz", .fd = be.fd};
	}
	if (size < 2)
		return 0;
	disk.size = disk_sizes[(data[0] >> 1) & 3];
	disk.ro = data[0] & 1;
	reset_disk(disk.size, data[1]);
	irq = (struct line){0};
	bus_init(&pio, "pio");
	ide_init(&ide, &disk, "FUZZ", (struct irq_line){.set_level = set_level, .gsi = IDE_IRQ});
	if (ide_register(&ide, &pio, IDE_CMD_BASE, IDE_CTL_PORT))
		abort();

	size_t i = 2;
	while (i + 2 <= size) {
		uint8_t sel = data[i], flags = data[i + 1];
		i += 2;
		st.port = ports[sel & 15];
		st.write = flags & 1;
		st.size = sizes[(flags >> 1) & 3];
		st.string = flags & 8;
		st.count = 1;
		if (st.string) {
			if (i >= size)
				break;
			st.count = (unsigned)(data[i++] + 1) << ((flags & 16) ? 4 : 0);
			if (st.count > PAGE / st.size)
				st.count = PAGE / st.size;
		}
		unsigned bytes = st.size * st.count;
		if (st.write) {
			if (!st.string) {
				if (i + st.size > size)
					break;
				memcpy(st.buf, data + i, st.size);
				i += st.size;
			} else {
				if (i >= size)
					break;
				for (unsigned k = 0; k < bytes; k++)
					st.buf[k] = (uint8_t)(data[i] + k);
				i++;
			}
		} else {
			memset(st.buf, 0xAB, bytes);
		}

		/* The status as the host sees it, without acknowledging anything. */
		st.visible = 0xFF;
		bus_read(&pio, IDE_CTL_PORT, &st.visible, 1);
		memcpy(&st.before, &ide, sizeof(ide));
		be.faulted = false;
		be.step_calls = 0;

		const struct bus_range *r = bus_find(&pio, st.port, st.size);
		st.claimed = r != NULL;
		if (is_command(&st))
			window_for_command(&ide, &st);
		bus_dispatch_string(&pio, r, st.port, st.buf, st.size, st.count, st.write);

		memcpy(&st.after, &ide, sizeof(ide));
		for (size_t k = 0; k < sizeof(step_rules) / sizeof(step_rules[0]); k++) {
			const char *why = step_rules[k](&st);
			if (why) {
				char detail[96];
				snprintf(detail, sizeof(detail),
					 "%s port 0x%x size %u count %u, step at input byte %zu",
					 st.write ? "write" : "read", st.port, st.size, st.count,
					 i);
				fail(why, detail);
			}
		}
	}
	check_disk_after();
	ide_destroy(&ide);
	return 0;
}
