/*
 * The emulated IDE disk under KVM, end to end: the tiny guest's ATA PIO driver (which makes
 * the register accesses Linux 6.1's libata makes) against kvmini's device, on images in a
 * temporary directory; and the exact VM exits of a 1- and an 8-sector read through IDE and
 * through virtio-blk, from --exit-stats and --trace-exits. The data pattern and checksum are
 * the guest's (guest-kernels/tiny/README.md), recomputed here. Without a usable /dev/kvm the
 * whole binary reports SKIPPED (77).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "guest.h"
#include "pattern.h"
#include "tools/exit_report.h"

#define DISK_SECTORS 2048 /* 1 MiB images */

static void expect_range_line(const char *who, uint64_t first, uint64_t last, uint32_t sum)
{
	char line[128];
	snprintf(line, sizeof(line), "%s: sectors %llu-%llu ok checksum 0x%08x\n", who,
		 (unsigned long long)first, (unsigned long long)last, sum);
	expect_out(line);
}

/* ide-rw over [first, last] with seed and extra words, on a fresh image; checked byte by byte. */
static void guest_writes(const char *words, uint64_t first, uint64_t last, uint64_t seed)
{
	last = first + test_io_sectors(last - first + 1) - 1;
	char img[256], cmdline[256];
	scratch_path(img, sizeof(img), "a.img");
	make_image(img, DISK_SECTORS);
	snprintf(cmdline, sizeof(cmdline), "test=ide-rw sectors=%llu-%llu seed=%llu %s",
		 (unsigned long long)first, (unsigned long long)last, (unsigned long long)seed,
		 words);
	run_guest(cmdline, "--ide", img, NULL);
	expect_status(0);
	expect_range_line("ide-rw", first, last, check_image(img, first, last, seed));
	unlink(img);
}

/* (a) What the guest writes through IDE is in the image byte for byte, in every mode. */
static void test_guest_pattern_single(void **s)
{
	(void)s;
	guest_writes("", 3, 600, 11);
}

static void test_guest_pattern_multi8(void **s)
{
	(void)s;
	guest_writes("multi=8", 1, 700, 12); /* odd request sizes leave partial blocks */
}

static void test_guest_pattern_multi16(void **s)
{
	(void)s;
	guest_writes("multi=16", 0, 2047, 13); /* the whole disk */
}

static void test_guest_pattern_lba48(void **s)
{
	(void)s;
	guest_writes("lba48=1 multi=2", 5, 400, 14); /* the EXT commands, HOB registers */
}

/* And what the host wrote is read back and verified by the guest, single and multiple. */
static void test_host_pattern_read(void **s)
{
	(void)s;
	char img[256], cmdline[128];
	scratch_path(img, sizeof(img), "b.img");
	uint32_t sum = make_pattern_image(img, DISK_SECTORS, 23, 100, 499);

	static const char *const modes[] = {"", "multi=8", "multi=16"};
	for (unsigned i = 0; i < 3; i++) {
		snprintf(cmdline, sizeof(cmdline), "test=ide-read sectors=100-499 seed=23 %s",
			 modes[i]);
		run_guest(cmdline, "--ide", img, NULL);
		expect_status(0);
		expect_range_line("ide-read", 100, 499, sum);
	}
	/* The wrong seed is noticed: the guest really compares. */
	run_guest("test=ide-read sectors=100-499 seed=24 multi=16", "--ide", img, NULL);
	expect_status(1);
	expect_out("ide-read: mismatch at sector 100 offset 0");
	unlink(img);
}

/* IDENTIFY as the driver reads it; SET MULTIPLE shows in word 59. */
static void test_identify(void **s)
{
	(void)s;
	char img[256];
	scratch_path(img, sizeof(img), "id.img");
	make_image(img, DISK_SECTORS);
	run_guest("test=ide-id", "--ide", img, NULL);
	expect_status(0);
	expect_out("ide-id: model 'kvmini IDE disk' serial 'KVMINI-IDE-0' firmware '");
	expect_out("' capacity 2048 lba48 1 multiple max 16 current 0 pio 4\n");
	run_guest("test=ide-id multi=16", "--ide", img, NULL);
	expect_status(0);
	expect_out(" multiple max 16 current 16 pio 4\n");
	unlink(img);
}

/* (b) The device's error paths from the guest; the read-only image stays byte-identical. */
static void test_errors(void **s)
{
	(void)s;
	char img[256], spec[300];
	scratch_path(img, sizeof(img), "e.img");
	make_image(img, DISK_SECTORS);
	snprintf(spec, sizeof(spec), "%s,ro", img);
	run_guest("test=ide-errors", "--ide", spec, NULL);
	expect_status(0);
	if (strstr(res.out, "FAIL"))
		fail_msg("a check failed:\n%s", res.out);
	expect_out("ide-errors: unknown command 0xf5: ok (device error, status 0x41 error 0x04 "
		   "ABRT)\n");
	expect_out("ide-errors: read at LBA = capacity: ok (device error, status 0x41 error 0x10 "
		   "IDNF)\n");
	expect_out("ide-errors: READ SECTORS EXT past the end: ok (device error, status 0x41 "
		   "error 0x10 IDNF)\n");
	expect_out("ide-errors: READ MULTIPLE before SET MULTIPLE: ok (device error, status 0x41 "
		   "error 0x04 ABRT)\n");
	expect_out("ide-errors: write on a read-only drive: ok (device error, status 0x41 error "
		   "0x04 ABRT, 8 sectors too; sector 1 unchanged)\n");
	expect_out("ide-errors: data port with DRQ clear: ok (inw 0xffff, rep insw all 0xffff, "
		   "task file unchanged, no interrupt, sector 1 unchanged)\n");
	expect_out("ide-errors: SRST restores the signature: ok (before 12 34 56 78, after SRST "
		   "01 01 00 00 error 0x01, drive usable)\n");
	expect_out("ide-errors: 11/11 checks ok\n");
	expect_untouched(img);
	unlink(img);
}

/* ---- exact exit counts ---- */

/* The value of key in an --exit-stats line; -1 when the line lacks it. */
static long long stat_in(const struct exit_report *line, const char *key)
{
	uint64_t v;
	return exit_report_get(line, key, &v) ? (long long)v : -1;
}

/* Window 1's line net of the calibration window (net=1) in kvmini's stderr, parsed. */
static const struct exit_report *net_line(const char *err)
{
	static struct exit_report line;
	if (!exit_report_find(err, "1", true, &line))
		fail_msg("%s (calibration window missing?):\n%s", line.why, err);
	return &line;
}

struct want {
	long long user, pio, mmio, ide, ide_ctl, vblk, notifies, requests;
};

static void expect_stat(const struct exit_report *line, const char *key, long long want)
{
	long long got = stat_in(line, key);
	if (want == -1 ? got != -1 : got != want)
		fail_msg("%s is %lld, want %lld in:\n%.*s", key, got, want, (int)line->line_len,
			 line->line);
}

static void expect_counts(const struct exit_report *line, const struct want *w)
{
	expect_stat(line, "user.exits", w->user);
	expect_stat(line, "user.pio", w->pio);
	expect_stat(line, "user.mmio", w->mmio);
	expect_stat(line, "user.other", 0);
	/* Only devices with exits are listed: -1 (absent) means none. */
	expect_stat(line, "pio.ide@1f0", w->ide);
	expect_stat(line, "pio.ide-ctl@3f6", w->ide_ctl);
	expect_stat(line, "mmio.virtio-blk@d0000000", w->vblk);
	expect_stat(line, "pio.unclaimed", -1);
	expect_stat(line, "mmio.unclaimed", -1);
	expect_stat(line, "pio.marker@510", -1); /* the calibration took the close out */
	if (w->notifies >= 0)
		expect_stat(line, "virtio.notifies", w->notifies);
	expect_stat(line, "virtio.requests", w->requests);
	/* KVM sees every exit that reaches user space, and more (halts, interrupt windows). */
	long long kvm = stat_in(line, "kvm.exits");
	if (kvm != -1 && kvm < w->user)
		fail_msg("kvm.exits %lld < user.exits %lld:\n%.*s", kvm, w->user,
			 (int)line->line_len, line->line);
}

static char xdisk[256]; /* the image the exit tests share */

/* `test=exits ...` on the shared image, through --ide or --disk SPEC; returns its net line. */
static const struct exit_report *run_exits(const char *words, bool ide, const char *disk_opts)
{
	char cmdline[256], spec[300];
	snprintf(cmdline, sizeof(cmdline), "test=exits %s", words);
	snprintf(spec, sizeof(spec), "%s%s", xdisk, disk_opts ? disk_opts : "");
	run_guest(cmdline, ide ? "--ide" : "--disk", spec, "--exit-stats", NULL);
	expect_status(0);
	expect_out(" ok\n");
	return net_line(res.err);
}

/*
 * (c) IDE. Every count follows from the libata sequence the driver reproduces
 * (drivers/ata.h); per command, before any data:
 *
 *   ata_dev_select(ap, 0, wait=1)  IN status, OUT device, IN altstatus, IN status     4
 *   ata_sff_tf_load (ctl unchanged) OUT feature, nsect, lbal, lbam, lbah, device,
 *                                   IN status                                         7
 *   ata_sff_exec_command           OUT command, IN altstatus                          2
 *                                                                            issue = 13
 *   (ide: 3 status + 8 OUTs = 11 of them; ide-ctl: 2 altstatus)
 *
 * A PIO read then takes one interrupt per DRQ block; the handler reads altstatus and status
 * (clearing INTRQ), moves each sector with its own `rep insw` (one exit: KVM delivers up to
 * 1 KiB of string input per exit), and reads altstatus (ata_sff_sync); after the last block,
 * ata_wait_idle reads status once more:
 *
 *   1 sector:           13 + (2 + 1 + 1) + 1         = 18  (ide 14, ide-ctl 4)
 *   8 sectors, single:  13 + 8 x (2 + 1 + 1) + 1     = 46  (ide 28, ide-ctl 18)
 *   8 sectors, multi=8 or 16 (READ MULTIPLE, one block):
 *                       13 + (2 + 8 + 1) + 1         = 25  (ide 21, ide-ctl 4)
 *   1 sector, multi=8:  a 1-sector block, as single  = 18
 *
 * Writes differ in the data: KVM emulates `rep outsw` one element per exit (its emulator
 * batches string input only), so a sector written costs 256 exits. The first block is
 * polled (one status read, then the data, then altstatus), the rest by interrupt:
 *
 *   1 sector:           13 + (1 + 256 + 1) + 2       = 273 (ide 269, ide-ctl 4)
 *
 * The calibration window (255) holds just the marker write that closes a window, so net=1
 * counts exactly the workload. kvm.exits adds what KVM handles itself (the halt while
 * waiting, interrupt windows, local APIC EOIs) and varies by one or two from run to run.
 */
static void test_exits_ide(void **s)
{
	(void)s;
	const struct want r1 = {18, 18, 0, 14, 4, -1, 0, 0};
	const struct want r8 = {46, 46, 0, 28, 18, -1, 0, 0};
	const struct want r8m = {25, 25, 0, 21, 4, -1, 0, 0};
	const struct want w1 = {273, 273, 0, 269, 4, -1, 0, 0};
	expect_counts(run_exits("dev=ide op=read size=512 count=1", true, NULL), &r1);
	expect_counts(run_exits("dev=ide op=read size=4096 count=1", true, NULL), &r8);
	expect_counts(run_exits("dev=ide op=read size=512 count=1 multi=8", true, NULL), &r1);
	expect_counts(run_exits("dev=ide op=read size=4096 count=1 multi=8", true, NULL), &r8m);
	expect_counts(run_exits("dev=ide op=read size=4096 count=1 multi=16", true, NULL), &r8m);
	expect_counts(run_exits("dev=ide op=write size=512 count=1", true, NULL), &w1);
	/* Per request they add up: 4 one-sector reads are 4 x 18. */
	const struct want r1x4 = {72, 72, 0, 56, 16, -1, 0, 0};
	expect_counts(run_exits("dev=ide op=read size=512 count=4 order=rand seed=5", true, NULL),
		      &r1x4);
}

/*
 * virtio-blk, same reads: the request goes into the ring in guest RAM and the doorbell
 * (QueueNotify) is an ioeventfd KVM handles without user space (virtio.notifies = 1). The
 * completion interrupt's handler reads InterruptStatus and writes InterruptACK: 2 MMIO exits,
 * whatever the size. With a polling device (poll=USEC) the first request still kicks (the
 * worker is not polling yet), so a single request takes at most one notify there too.
 */
static void test_exits_vblk(void **s)
{
	(void)s;
	const struct want v = {2, 0, 2, -1, -1, 2, 1, 1};
	expect_counts(run_exits("dev=vblk op=read size=512 count=1", false, ",poll=off"), &v);
	expect_counts(run_exits("dev=vblk op=read size=4096 count=1", false, ",poll=off"), &v);
	const struct want vp = {2, 0, 2, -1, -1, 2, -1, 1};
	const struct exit_report *line =
	    run_exits("dev=vblk op=read size=4096 count=1", false, ",poll=200");
	expect_counts(line, &vp);
	long long notifies = stat_in(line, "virtio.notifies");
	if (notifies < 0 || notifies > 1)
		fail_msg("polling device: %lld notifies for one request", notifies);
}

/* Runs argv with stdout and stderr into files (a trace outgrows vmrun's buffers). */
static int run_to_files(const char *const argv[], const char *out, const char *err)
{
	pid_t pid = fork();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || o < 0 || e < 0)
			_exit(126);
		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_true(pid > 0);
	int st = 0;
	for (int ms = 0;; ms += 5) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		if (ms > VMRUN_TIMEOUT_MS) {
			kill(pid, SIGKILL); /* our own child, by PID */
			waitpid(pid, &st, 0);
			fail_msg("kvmini timed out");
		}
		usleep(5000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *read_text(const char *path)
{
	size_t len;
	uint8_t *buf = read_image(path, &len);
	char *s = realloc(buf, len + 1);
	assert_non_null(s);
	s[len] = '\0';
	return s;
}

/*
 * The 1-sector IDE read once more with --trace-exits: the lines between the marker's
 * `<- 0x01` (open window 1) and the next marker line (close) are the workload's exits, and
 * they match the counts of the same run's --exit-stats exactly, device by device.
 */
static void test_trace_matches_counts(void **s)
{
	(void)s;
	char out[256], err[256], spec[300];
	scratch_path(out, sizeof(out), "trace.out");
	scratch_path(err, sizeof(err), "trace.err");
	snprintf(spec, sizeof(spec), "%s", xdisk);
	const char *argv[] = {
	    KVMINI_BIN,	    "run",	 "--kernel",
	    TINY_BZIMAGE,   "--cmdline", "test=exits dev=ide op=read size=512 count=1",
	    "--ide",	    spec,	 "--trace-exits",
	    "--exit-stats", NULL};
	int st = run_to_files(argv, out, err);
	char *o = read_text(out), *e = read_text(err);
	if (st != 0 || !strstr(o, "exits: dev=ide op=read size=512 count=1 bytes=512 "))
		fail_msg("status %d\nstdout:\n%s", st, o);
	const char *open_ = strstr(e, "OUT    0x510      <- 0x01 ");
	if (!open_)
		fail_msg("no marker line opening window 1 in the trace:\n%.4000s", e);
	const char *p = strchr(open_, '\n') + 1;
	unsigned lines = 0, ide = 0, ctl = 0, insw = 0;
	for (;;) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		char line[160];
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (strstr(line, " marker"))
			break;
		lines++;
		ide += strstr(line, " ide: ") != NULL;
		ctl += strstr(line, " ide-ctl: ") != NULL;
		insw += !strncmp(line, "INSW   0x1f0      x256 (512 bytes)", 34);
		p = nl + 1;
	}
	if (strncmp(p, "OUT    0x510      <- 0x00 ", 26))
		fail_msg("window 1 does not end with the marker's close:\n%.200s", p);
	const struct exit_report *line = net_line(e);
	assert_int_equal(lines, stat_in(line, "user.exits"));
	assert_int_equal(ide, stat_in(line, "pio.ide@1f0"));
	assert_int_equal(ctl, stat_in(line, "pio.ide-ctl@3f6"));
	assert_int_equal(lines, 18);
	assert_int_equal(insw, 1);
	free(o);
	free(e);
	unlink(out);
	unlink(err);
}

/* The checksum an exits run printed. */
static unsigned long exits_checksum(void)
{
	const char *p = strstr(res.out, " checksum=0x");
	if (!p)
		fail_msg("no checksum in:\n%s", res.out);
	return strtoul(p + 12, NULL, 16);
}

/*
 * (d) The same workload through IDE and virtio-blk moves the same data: read checksums agree
 * (and, sequentially, equal the host's), and writes leave byte-identical images.
 */
static void test_same_data_both_paths(void **s)
{
	(void)s;
	/* Reads: sequential (the host knows the answer) and random. */
	size_t len;
	uint8_t *img = read_image(xdisk, &len);
	unsigned long host = checksum_bytes(img, 16 * SECTOR, (16 + 8 * 8) * SECTOR);
	free(img);
	static const char *const reads[] = {
	    "op=read size=4096 count=8 order=seq start=16",
	    "op=read size=4096 count=16 order=rand seed=9",
	    "op=read size=512 count=16 order=rand seed=4",
	};
	for (unsigned i = 0; i < 3; i++) {
		char words[128];
		snprintf(words, sizeof(words), "dev=ide %s", reads[i]);
		run_exits(words, true, NULL);
		unsigned long ide = exits_checksum();
		snprintf(words, sizeof(words), "dev=ide multi=16 %s", reads[i]);
		run_exits(words, true, NULL);
		unsigned long ide16 = exits_checksum();
		snprintf(words, sizeof(words), "dev=vblk %s", reads[i]);
		run_exits(words, false, NULL);
		unsigned long vblk = exits_checksum();
		if (ide != vblk || ide16 != vblk || (i == 0 && vblk != host))
			fail_msg("%s: ide 0x%08lx, ide multi=16 0x%08lx, vblk 0x%08lx, host "
				 "0x%08lx",
				 reads[i], ide, ide16, vblk, host);
	}

	/* Writes: the same requests on two copies of one image. */
	static const char *const writes[] = {
	    "op=write size=4096 count=6 order=seq start=40 seed=31",
	    "op=write size=512 count=12 order=rand seed=32",
	};
	char a[256], b[256], words[160], cmdline[200];
	scratch_path(a, sizeof(a), "wa.img");
	scratch_path(b, sizeof(b), "wb.img");
	for (unsigned i = 0; i < 2; i++) {
		make_image(a, DISK_SECTORS);
		make_image(b, DISK_SECTORS);
		snprintf(cmdline, sizeof(cmdline), "test=exits dev=ide %s", writes[i]);
		run_guest(cmdline, "--ide", a, NULL);
		expect_status(0);
		unsigned long ide = exits_checksum();
		snprintf(words, sizeof(words), "test=exits dev=vblk %s", writes[i]);
		run_guest(words, "--disk", b, NULL);
		expect_status(0);
		unsigned long vblk = exits_checksum();
		if (ide != vblk)
			fail_msg("%s: ide 0x%08lx, vblk 0x%08lx", writes[i], ide, vblk);
		size_t la, lb;
		uint8_t *ia = read_image(a, &la), *ib = read_image(b, &lb);
		assert_int_equal(la, lb);
		if (memcmp(ia, ib, la))
			fail_msg("%s: the IDE and virtio-blk images differ", writes[i]);
		free(ia);
		free(ib);
		/* The sequential one is exactly the pattern: sectors 40..87 with seed 31. */
		if (i == 0 && check_image(a, 40, 87, 31) != ide)
			fail_msg("checksum 0x%08lx is not the written pattern's", ide);
	}
	unlink(a);
	unlink(b);
}

static int setup(void **s)
{
	(void)s;
	if (scratch_make("ide"))
		return -1;
	scratch_path(xdisk, sizeof(xdisk), "x.img");
	make_image(xdisk, DISK_SECTORS);
	return 0;
}

int main(void)
{
	char why[128];
	if (!vmrun_kvm_usable(why, sizeof(why)))
		return vmrun_skip("KVM integration tests", why);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_guest_pattern_single),
	    cmocka_unit_test(test_guest_pattern_multi8),
	    cmocka_unit_test(test_guest_pattern_multi16),
	    cmocka_unit_test(test_guest_pattern_lba48),
	    cmocka_unit_test(test_host_pattern_read),
	    cmocka_unit_test(test_identify),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_exits_ide),
	    cmocka_unit_test(test_exits_vblk),
	    cmocka_unit_test(test_trace_matches_counts),
	    cmocka_unit_test(test_same_data_both_paths),
	};
	return cmocka_run_group_tests(tests, setup, scratch_group_teardown);
}
