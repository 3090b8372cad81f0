/*
 * exit-compare: the same disk image, the same workloads, through full emulation (IDE) and
 * paravirtual I/O (virtio-blk in three modes), with every VM exit counted.
 *
 * For each workload and path it boots the tiny guest with `test=exits ...`; the guest opens
 * an empty calibration window (255), window 1 around the workload, and then window 3, idle
 * and exactly as long, for background exits (full-polling runs also open window 2, a probe of
 * notifies alone). kvmini's --exit-stats reports each window net of the marker's own cost.
 * The guest prints a checksum of the data it moved; read checksums must agree across paths,
 * and after a write workload every path's image must be byte-identical.
 *
 * The virtio modes: interrupts (the driver sleeps until the completion interrupt), driver
 * polling (vpoll=1: the driver polls the used ring, as Linux's poll queues do, and still
 * kicks the device) and full polling (vpoll=1 and --disk ...,poll=: the device polls its
 * ring too, so nobody kicks). A second table runs each mode at queue depth 1, 8 and 32.
 *
 * Exits are counted as tools/exit_report.h's exit_report_split says: "all" (raw) is every
 * exit, "background" the exits KVM counted for no I/O reason, "net" the rest. The idle
 * window measures background a second way. docs/exit-counts.md explains both.
 *
 * Usage: exit_compare KVMINI TINY_BZIMAGE WORKDIR PNG_PATH
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "tools/exit_report.h"

#define IMAGE_MIB  64
#define TIMEOUT_MS 120000
/* The device's poll window in full-polling runs: the longest kvmini allows, so that it still
 * polls through the idle window, however slowly this host runs the guest. */
#define POLL_DISK ",poll=1000000"
/* The other virtio paths sleep until kicked: kvmini's default adaptive polling would take
 * away some kicks, as many as timing allows, and the counts are meant to be exact. */
#define NOTIFIED_DISK ",poll=off"
#define PROBE	      64  /* notifies in the probe window of each full-polling run */
#define QD_COUNT      128 /* requests per queue-depth run */

struct path {
	const char *name;  /* column label */
	const char *dev;   /* guest scenario: ide or vblk */
	const char *extra; /* guest arguments */
	const char *disk;  /* kvmini option suffix */
};

static const struct path paths[] = {
    {"IDE", "ide", "", ""},
    {"IDE multi16", "ide", " multi=16", ""},
    {"virtio", "vblk", "", NOTIFIED_DISK},
    {"virtio drv-poll", "vblk", " vpoll=1", NOTIFIED_DISK},
    {"virtio full-poll", "vblk", " vpoll=1", POLL_DISK},
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))
#define VIRTIO 2 /* the interrupt-driven virtio path, the "vs virtio" reference */

struct workload {
	const char *name;
	const char *op; /* read or write */
	unsigned size;
	unsigned count;
	const char *order;
};

static const struct workload loads[] = {
    {"seq read 512B", "read", 512, 64, "seq"},	{"seq read 4K", "read", 4096, 32, "seq"},
    {"seq read 64K", "read", 65536, 8, "seq"},	{"seq write 512B", "write", 512, 64, "seq"},
    {"seq write 4K", "write", 4096, 32, "seq"}, {"seq write 64K", "write", 65536, 8, "seq"},
    {"rand read 4K", "read", 4096, 32, "rand"},
};
#define NLOADS (sizeof(loads) / sizeof(loads[0]))

/* The virtio modes of the queue-depth table (path index in paths[] for the same set-up). */
static const struct {
	const char *name;
	size_t path;
} modes[] = {{"interrupts", 2}, {"driver polling", 3}, {"full polling", 4}};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

static const unsigned qds[] = {1, 8, 32};
#define NQDS (sizeof(qds) / sizeof(qds[0]))

static const struct workload qloads[] = {
    {"rand read 4K", "read", 4096, QD_COUNT, "rand"},
    {"seq write 4K", "write", 4096, QD_COUNT, "seq"},
};
#define NQLOADS (sizeof(qloads) / sizeof(qloads[0]))

struct result {
	unsigned count;
	struct exit_report w1, idle; /* windows 1 and 3, net of the marker */
	uint64_t kvm_exits, user_exits, notifies, insn, time_us, halt_wait_us;
	bool have_kvm, have_insn, have_probe, have_driver;
	uint64_t probe_kvm, probe_notifies;
	unsigned kicks, skipped, irqs; /* the guest driver's own counts, window 1 */
	char checksum[32];
	/* Derived once the notify probe has spoken (derive()). */
	struct exit_split split;
	double idle_bg; /* the idle window's exits, scaled to the time window 1 ran */
};

static struct result results[NLOADS][NPATHS];
static struct result qresults[NQLOADS][NMODES][NQDS];
static struct exit_counting how; /* measured: the notify probes and the IDE reads */

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("exit-compare: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Runs argv with a timeout (killed by PID), capturing stdout and stderr; returns the status. */
static int run(char *const argv[], char *out, size_t outsz, char *err, size_t errsz)
{
	int po[2], pe[2];
	if (pipe(po) || pipe(pe))
		die("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	size_t no = 0, ne = 0;
	bool oo = true, eo = true;
	long long deadline = now_ms() + TIMEOUT_MS;
	while (oo || eo) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		struct pollfd fds[2] = {{oo ? po[0] : -1, POLLIN, 0}, {eo ? pe[0] : -1, POLLIN, 0}};
		if (poll(fds, 2, (int)left) < 0 && errno != EINTR)
			break;
		if (fds[0].revents) {
			ssize_t n = read(po[0], out + no, outsz - 1 - no);
			if (n <= 0)
				oo = false;
			else
				no += (size_t)n;
		}
		if (fds[1].revents) {
			ssize_t n = read(pe[0], err + ne, errsz - 1 - ne);
			if (n <= 0)
				eo = false;
			else
				ne += (size_t)n;
		}
	}
	out[no] = err[ne] = '\0';
	close(po[0]);
	close(pe[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0)
		die("cannot copy %s to %s: %s", from, to, strerror(errno));
	static char buf[1 << 20];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("write %s: %s", to, strerror(errno));
	close(in);
	close(out);
}

static bool same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	if (!fa || !fb)
		die("cannot compare %s and %s", a, b);
	static char ba[1 << 16], bb[1 << 16];
	bool same = true;
	for (;;) {
		size_t na = fread(ba, 1, sizeof(ba), fa), nb = fread(bb, 1, sizeof(bb), fb);
		if (na != nb || memcmp(ba, bb, na)) {
			same = false;
			break;
		}
		if (na == 0)
			break;
	}
	fclose(fa);
	fclose(fb);
	return same;
}

/* The base image: every byte a function of its offset, so any misplaced sector shows. */
static void make_image(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("cannot create %s: %s", path, strerror(errno));
	static uint8_t buf[1 << 20];
	for (uint64_t mib = 0; mib < IMAGE_MIB; mib++) {
		for (uint32_t i = 0; i < sizeof(buf); i++) {
			uint64_t off = (mib << 20) + i;
			buf[i] = (uint8_t)((off >> 9) * 31 + (off & 511) * 7 + 1);
		}
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("write %s: %s", path, strerror(errno));
	}
	close(fd);
}

/*
 * Boots the tiny guest on a fresh copy of the base image (img) with `test=exits` and args,
 * and reads back its windows into r. Any failure ends the program with both outputs shown.
 */
static void run_exits(const char *kvmini, const char *kernel, const char *dir, const char *img,
		      const char *label, const struct path *pa, const struct workload *l,
		      unsigned qd, struct result *r)
{
	char base[512], cmdline[512], disk[600];
	snprintf(base, sizeof(base), "%s/base.img", dir);
	copy_file(base, img);
	bool ide = !strcmp(pa->dev, "ide"), probe = !strcmp(pa->disk, POLL_DISK);
	char more[64] = "";
	if (qd > 1)
		snprintf(more, sizeof(more), " qd=%u", qd);
	if (probe)
		snprintf(more + strlen(more), sizeof(more) - strlen(more), " nprobe=%d", PROBE);
	snprintf(cmdline, sizeof(cmdline),
		 "console=ttyS0 test=exits dev=%s op=%s size=%u count=%u order=%s seed=7 "
		 "warmup=1 idle=1%s%s",
		 pa->dev, l->op, l->size, l->count, l->order, pa->extra, more);
	snprintf(disk, sizeof(disk), "%s%s", img, pa->disk);
	char *argv[] = {(char *)kvmini, "run",	 "--kernel", (char *)kernel,	       "--cmdline",
			cmdline,	"--mem", "128M",     ide ? "--ide" : "--disk", disk,
			"--exit-stats", NULL};
	static char out[1 << 16], err[1 << 16];
	int st = run(argv, out, sizeof(out), err, sizeof(err));
	memset(r, 0, sizeof(*r));
	r->count = l->count;
	struct exit_report probe_rep;
	const char *why = NULL;
	if (!exit_report_find(err, "1", true, &r->w1))
		why = r->w1.why;
	else if (!exit_report_find(err, "3", true, &r->idle))
		why = r->idle.why;
	else if (probe && !exit_report_find(err, "2", true, &probe_rep))
		why = probe_rep.why;
	const char *sum = strstr(out, "exits: dev=");
	if (st != 0 || why || !sum) {
		fprintf(stderr,
			"exit-compare: %s via %s failed (status %d%s%s)\n--- guest:\n%s--- "
			"kvmini:\n%s",
			l->name, label, st, why ? "; " : "", why ? why : "", out, err);
		exit(1);
	}
	r->have_kvm = exit_report_get(&r->w1, "kvm.exits", &r->kvm_exits);
	r->have_insn = exit_report_get(&r->w1, "kvm.insn_emulation", &r->insn) && r->insn > 0;
	exit_report_get(&r->w1, "user.exits", &r->user_exits);
	exit_report_get(&r->w1, "virtio.notifies", &r->notifies);
	exit_report_get(&r->w1, "time_us", &r->time_us);
	uint64_t ns = 0;
	exit_report_get(&r->w1, "kvm.halt_wait_ns", &ns);
	r->halt_wait_us = ns / 1000;
	if (probe && exit_report_get(&probe_rep, "kvm.exits", &r->probe_kvm)) {
		exit_report_get(&probe_rep, "virtio.notifies", &r->probe_notifies);
		r->have_probe = true;
	}
	const char *drv = strstr(out, "exits: driver: ");
	r->have_driver = drv && sscanf(drv,
				       "exits: driver: %u kicks, %u kicks skipped, %u "
				       "interrupts",
				       &r->kicks, &r->skipped, &r->irqs) == 3;
	const char *c = strstr(sum, "checksum=");
	if (!c)
		die("guest printed no checksum:\n%s", out);
	snprintf(r->checksum, sizeof(r->checksum), "%.*s", (int)strcspn(c + 9, " \n"), c + 9);
}

static void derive(struct result *r)
{
	exit_report_split(&r->w1, &how, &r->split);
	struct exit_split idle;
	exit_report_split(&r->idle, &how, &idle);
	uint64_t idle_us = 0;
	exit_report_get(&r->idle, "time_us", &idle_us);
	/* Background accrues while the vCPU runs, not while it sleeps in a halt. */
	double ran = r->time_us > r->halt_wait_us ? (double)(r->time_us - r->halt_wait_us) : 0.0;
	r->idle_bg = idle_us ? (double)idle.all * ran / (double)idle_us : 0.0;
}

static double per_req(double v, const struct result *r)
{
	return v / r->count;
}

static double net(const struct result *r)
{
	return (double)r->split.io;
}

static double per_kib(double v, const struct workload *l)
{
	return v / ((double)l->size * l->count / 1024.0);
}

/* Read checksums agree and written images are identical across runs of one workload. */
static void check_same(const char *what, const struct workload *l, const struct result *a,
		       const char *aname, const char *aimg, const struct result *b,
		       const char *bname, const char *bimg)
{
	if (strcmp(a->checksum, b->checksum))
		die("%s %s: %s read checksum %s, %s read %s", what, l->name, bname, b->checksum,
		    aname, a->checksum);
	if (!strcmp(l->op, "write") && !same_file(aimg, bimg))
		die("%s %s: the images of %s and %s differ", what, l->name, aname, bname);
}

/* Net exits per request of a mode at a queue depth, both 4 KiB workloads together. */
static double qd_net(size_t m, size_t q)
{
	double exits = 0, reqs = 0;
	for (size_t w = 0; w < NQLOADS; w++) {
		exits += net(&qresults[w][m][q]);
		reqs += qresults[w][m][q].count;
	}
	return exits / reqs;
}

static void plot(const char *dir, const char *png, bool kvm)
{
	char dat[512], qdat[512], gp[512];
	snprintf(dat, sizeof(dat), "%s/exits.dat", dir);
	snprintf(qdat, sizeof(qdat), "%s/qd.dat", dir);
	snprintf(gp, sizeof(gp), "%s/exits.gp", dir);
	/* Left: exits per KiB by request size, sequential reads, one line per path. */
	FILE *f = fopen(dat, "w");
	if (!f)
		die("cannot write %s", dat);
	fprintf(f, "size_bytes"); /* a plain header line: gnuplot's columnhead() reads it */
	for (size_t p = 0; p < NPATHS; p++)
		fprintf(f, " \"%s\"", paths[p].name);
	fprintf(f, "\n");
	for (size_t w = 0; w < 3; w++) { /* the three sequential-read rows */
		fprintf(f, "%u", loads[w].size);
		for (size_t p = 0; p < NPATHS; p++) {
			/* Log scale: a path with no exits at all is drawn at the floor. */
			double v = per_kib(net(&results[w][p]), &loads[w]);
			fprintf(f, " %g", v > 0.001 ? v : 0.001);
		}
		fprintf(f, "\n");
	}
	fclose(f);
	/* Right: exits per request by queue depth, one line per virtio mode. */
	f = fopen(qdat, "w");
	if (!f)
		die("cannot write %s", qdat);
	fprintf(f, "qd");
	for (size_t m = 0; m < NMODES; m++)
		fprintf(f, " \"%s\"", modes[m].name);
	fprintf(f, "\n");
	for (size_t q = 0; q < NQDS; q++) {
		fprintf(f, "%u", qds[q]);
		for (size_t m = 0; m < NMODES; m++)
			fprintf(f, " %g", qd_net(m, q));
		fprintf(f, "\n");
	}
	fclose(f);
	f = fopen(gp, "w");
	if (!f)
		die("cannot write %s", gp);
	fprintf(f,
		"set terminal pngcairo size 1400,560 font ',11'\n"
		"set output '%s'\n"
		"set multiplot layout 1,2 title 'VM exits net of background (kvmini, tiny guest, "
		"%s)'\n"
		"set title 'per KiB read, by request size (no exits: drawn at 0.001)'\n"
		"set xlabel 'request size (bytes)'\nset ylabel 'exits per KiB (log)'\n"
		"set logscale xy\nset xtics ('512' 512, '4K' 4096, '64K' 65536)\n"
		"set yrange [0.0005:5000]\nset key top right\nset grid\n"
		"plot for [i=2:%zu] '%s' using 1:i with linespoints lw 2 pt 7 title columnhead(i)\n"
		"unset logscale\nset logscale x 2\nset xtics ('1' 1, '8' 8, '32' 32)\n"
		"set xrange [0.8:40]\nset yrange [-0.1:*]\n"
		"set title 'virtio-blk, per 4 KiB request (random reads and sequential writes), "
		"by queue depth'\n"
		"set xlabel 'queue depth'\nset ylabel 'exits per request'\n"
		"plot for [i=2:%zu] '%s' using 1:i with linespoints lw 2 pt 7 title columnhead(i)\n"
		"unset multiplot\n",
		png, kvm ? "all exits KVM reports" : "exits to kvmini", NPATHS + 1, dat, NMODES + 1,
		qdat);
	fclose(f);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "gnuplot '%s'", gp);
	if (system(cmd) != 0)
		die("gnuplot failed; the tables above stand, but no plot was written");
	printf("plot: %s\n", png);
}

/* What the probes found, as counts for the legend. */
struct evidence {
	uint64_t probe_kvm, probe_notifies;	    /* notify probes */
	uint64_t ide_extra, ide_halts, ide_windows; /* IDE reads: KVM's exits beyond kvmini's */
};

static void print_legend(bool kvm, const struct evidence *e)
{
	printf(
	    "(raw and net, per request:\n"
	    " all/req   every exit in the window (raw): %s\n"
	    " bg/req    background: the exits KVM counted for no I/O reason (host timer ticks, the "
	    "vCPU thread preempted)\n"
	    " net/req   all minus background: exits to kvmini, notifies, and the halts and "
	    "interrupt windows that deliver completions%s\n"
	    " idle/req  background measured another way: the exits of an idle window of the same "
	    "length in the same VM run, scaled to the time the vCPU ran (not halted)\n"
	    " user: exits that reached kvmini; notify: virtio QueueNotify writes, from the "
	    "ioeventfds (exact); time ms: the workload's wall time on this machine, for scale)\n",
	    kvm ? (how.notifies_counted ? "KVM's count, which includes the notifies"
					: "KVM's count plus the notifies, which this host's KVM "
					  "leaves out of it")
		: "exits to kvmini plus notifies (no KVM statistics on this host)",
	    kvm ? "" : " (without KVM statistics: all of them)");
	if (!kvm)
		return;
	printf(
	    "(measured: %llu notifies alone raised KVM's count by %llu, so it %s them; in the IDE "
	    "reads KVM counted %llu exits beyond kvmini's for %llu halts and %llu interrupt "
	    "windows, so %s)\n",
	    (unsigned long long)e->probe_notifies, (unsigned long long)e->probe_kvm,
	    how.notifies_counted ? "counts" : "does not count", (unsigned long long)e->ide_extra,
	    (unsigned long long)e->ide_halts, (unsigned long long)e->ide_windows,
	    how.window_in_halt ? "a window shares its halt's exit (counted once)"
			       : "a window is an exit of its own");
}

int main(int argc, char **argv)
{
	if (argc != 5)
		die("usage: exit_compare KVMINI TINY_BZIMAGE WORKDIR PNG_PATH");
	const char *kvmini = argv[1], *kernel = argv[2], *dir = argv[3], *png = argv[4];
	char base[512];
	snprintf(base, sizeof(base), "%s/base.img", dir);
	make_image(base);

	char img[NPATHS][512];
	for (size_t p = 0; p < NPATHS; p++)
		snprintf(img[p], sizeof(img[p]), "%s/path%zu.img", dir, p);
	for (size_t w = 0; w < NLOADS; w++) {
		for (size_t p = 0; p < NPATHS; p++)
			run_exits(kvmini, kernel, dir, img[p], paths[p].name, &paths[p], &loads[w],
				  1, &results[w][p]);
		for (size_t p = 1; p < NPATHS; p++)
			check_same("", &loads[w], &results[w][0], paths[0].name, img[0],
				   &results[w][p], paths[p].name, img[p]);
	}
	char qimg[NMODES * NQDS][512];
	for (size_t w = 0; w < NQLOADS; w++) {
		for (size_t m = 0; m < NMODES; m++) {
			for (size_t q = 0; q < NQDS; q++) {
				size_t i = m * NQDS + q;
				char label[64];
				snprintf(label, sizeof(label), "%s QD%u", modes[m].name, qds[q]);
				snprintf(qimg[i], sizeof(qimg[i]), "%s/qd%zu.img", dir, i);
				run_exits(kvmini, kernel, dir, qimg[i], label,
					  &paths[modes[m].path], &qloads[w], qds[q],
					  &qresults[w][m][q]);
				if (i)
					check_same("queue depth", &qloads[w], &qresults[w][0][0],
						   "interrupts QD1", qimg[0], &qresults[w][m][q],
						   label, qimg[i]);
			}
		}
	}

	/* Does this host's KVM count a notify its ioeventfd handles? Every probe says. */
	struct evidence e = {0};
	for (size_t w = 0; w < NLOADS; w++)
		for (size_t p = 0; p < NPATHS; p++)
			if (results[w][p].have_probe) {
				e.probe_kvm += results[w][p].probe_kvm;
				e.probe_notifies += results[w][p].probe_notifies;
			}
	for (size_t w = 0; w < NQLOADS; w++)
		for (size_t m = 0; m < NMODES; m++)
			for (size_t q = 0; q < NQDS; q++)
				if (qresults[w][m][q].have_probe) {
					e.probe_kvm += qresults[w][m][q].probe_kvm;
					e.probe_notifies += qresults[w][m][q].probe_notifies;
				}
	/* At least half of them counted: the rest is the odd notify that did not exit. */
	how.notifies_counted = e.probe_notifies && e.probe_kvm * 2 >= e.probe_notifies;
	/*
	 * Are a halt and an interrupt window for one interrupt two exits? The IDE reads take an
	 * interrupt per sector and little else in KVM: if KVM's count beyond kvmini's has no room
	 * for the windows next to the halts, they shared exits.
	 */
	for (size_t w = 0; w < NLOADS; w++) {
		const struct result *r = &results[w][0];
		uint64_t h = 0, win = 0, io = 0, pio = 0;
		if (strcmp(loads[w].op, "read") || !r->have_kvm)
			continue;
		exit_report_get(&r->w1, "kvm.halt_exits", &h);
		exit_report_get(&r->w1, "kvm.irq_window_exits", &win);
		exit_report_get(&r->w1, "kvm.io_exits", &io);
		exit_report_get(&r->w1, "user.pio", &pio);
		uint64_t known = r->user_exits + (io > pio ? io - pio : 0);
		e.ide_extra += r->kvm_exits > known ? r->kvm_exits - known : 0;
		e.ide_halts += h;
		e.ide_windows += win;
	}
	how.window_in_halt = e.ide_windows && (e.ide_extra < e.ide_halts ||
					       e.ide_extra - e.ide_halts < e.ide_windows / 2);
	for (size_t w = 0; w < NLOADS; w++)
		for (size_t p = 0; p < NPATHS; p++)
			derive(&results[w][p]);
	for (size_t w = 0; w < NQLOADS; w++)
		for (size_t m = 0; m < NMODES; m++)
			for (size_t q = 0; q < NQDS; q++)
				derive(&qresults[w][m][q]);

	bool kvm = results[0][0].have_kvm;
	printf(
	    "\nVM exits for the same workloads on the same %d MiB image (tiny guest, queue depth "
	    "1; each row is one run; counts net of the marker's own exits)\n",
	    IMAGE_MIB);
	printf("%-15s %-16s %5s %6s %9s %7s %6s %8s %7s %8s %8s %8s %8s %8s %7s %9s\n", "workload",
	       "path", "reqs", "KiB", kvm ? "KVM exits" : "-", "user", "notify", "all/req",
	       "bg/req", "idle/req", "net/req", "net/KiB", "emul/req", "time ms", "MB/s",
	       "vs virtio");
	for (size_t w = 0; w < NLOADS; w++) {
		const struct workload *l = &loads[w];
		double vnet = net(&results[w][VIRTIO]);
		for (size_t p = 0; p < NPATHS; p++) {
			const struct result *r = &results[w][p];
			double kib = (double)l->size * l->count / 1024.0;
			char emul[16] = "-", kvmx[24] = "-", vs[16] = "-";
			if (r->have_insn)
				snprintf(emul, sizeof(emul), "%.0f", (double)r->insn / l->count);
			if (r->have_kvm)
				snprintf(kvmx, sizeof(kvmx), "%llu",
					 (unsigned long long)r->kvm_exits);
			if (vnet > 0)
				snprintf(vs, sizeof(vs), "%.1fx", net(r) / vnet);
			printf(
			    "%-15s %-16s %5u %6.0f %9s %7llu %6llu %8.2f %7.2f %8.2f %8.2f %8.2f "
			    "%8s %8.1f %7.2f %9s\n",
			    p ? "" : l->name, paths[p].name, l->count, kib, kvmx,
			    (unsigned long long)r->user_exits, (unsigned long long)r->notifies,
			    per_req((double)r->split.all, r),
			    per_req((double)r->split.background, r), per_req(r->idle_bg, r),
			    per_req(net(r), r), per_kib(net(r), l), emul, r->time_us / 1000.0,
			    r->time_us ? kib / 1024.0 / (r->time_us / 1e6) : 0.0, vs);
		}
	}
	printf("(KVM exits: KVM's own count, raw; emul/req: guest instructions KVM emulated, where "
	       "the host reports them; vs virtio: net exits against the interrupt-driven virtio "
	       "row; virtio drv-poll: the driver polls the used ring; virtio full-poll: the "
	       "device polls its ring as well)\n");
	print_legend(kvm, &e);

	printf("\nvirtio-blk by mode and queue depth: %u requests of 4 KiB per run (random reads, "
	       "sequential writes), EVENT_IDX on both sides\n",
	       QD_COUNT);
	printf("%-13s %-15s %3s %5s %6s %5s %6s %6s %8s %7s %8s %8s %9s %8s\n", "workload", "mode",
	       "QD", "reqs", "notify", "irqs", "user", "halts", "all/req", "bg/req", "idle/req",
	       "net/req", "net-idle", "time ms");
	for (size_t w = 0; w < NQLOADS; w++) {
		for (size_t m = 0; m < NMODES; m++) {
			for (size_t q = 0; q < NQDS; q++) {
				const struct result *r = &qresults[w][m][q];
				uint64_t halts = 0;
				exit_report_get(&r->w1, "kvm.halt_exits", &halts);
				char irqs[16] = "-";
				if (r->have_driver)
					snprintf(irqs, sizeof(irqs), "%u", r->irqs);
				printf(
				    "%-13s %-15s %3u %5u %6llu %5s %6llu %6llu %8.2f %7.2f %8.2f "
				    "%8.2f %9.2f %8.1f\n",
				    m || q ? "" : qloads[w].name, q ? "" : modes[m].name, qds[q],
				    r->count, (unsigned long long)r->notifies, irqs,
				    (unsigned long long)r->user_exits, (unsigned long long)halts,
				    per_req((double)r->split.all, r),
				    per_req((double)r->split.background, r), per_req(r->idle_bg, r),
				    per_req(net(r), r),
				    per_req((double)r->split.all - r->idle_bg, r),
				    r->time_us / 1000.0);
			}
		}
	}
	printf("(irqs: completion interrupts the guest took; halts: KVM's halt exits; net-idle: "
	       "all minus the idle window's background, for comparison with net)\n");

	plot(dir, png, kvm);

	/*
	 * Both ways of counting at 4 KiB: exits to kvmini, then all exits net of background
	 * (raw counts move with the host's load; net ones do not). Then the headline.
	 */
	const struct workload *l4 = &loads[1];
	double ide_u = per_kib((double)results[1][0].user_exits, l4);
	double vio_u = per_kib((double)results[1][VIRTIO].user_exits, l4);
	printf("IDE/virtio user-space exits per KiB at 4 KiB: %.1fx\n",
	       vio_u > 0 ? ide_u / vio_u : 0.0);
	double ide = per_kib(net(&results[1][0]), l4), vio = per_kib(net(&results[1][VIRTIO]), l4);
	printf("IDE/virtio exits per KiB at 4 KiB: %.1fx\n", vio > 0 ? ide / vio : 0.0);
	for (size_t q = 0; q < NQDS; q += NQDS - 1)
		printf("virtio exits per request at 4 KiB QD%u: interrupts %.2f, driver polling "
		       "%.2f, full polling %.2f\n",
		       qds[q], qd_net(0, q), qd_net(1, q), qd_net(2, q));
	return 0;
}
