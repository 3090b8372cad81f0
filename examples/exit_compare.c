/*
 * exit-compare: the same disk image, the same workloads, through full emulation (IDE) and
 * paravirtual I/O (virtio-blk, notified and polling), with every VM exit counted.
 *
 * For each workload and path it boots the tiny guest with `test=exits ...`; the guest opens
 * an empty calibration window (255) and then window 1 around the workload, and kvmini's
 * --exit-stats reports each window's exits net of the marker's own cost. The guest prints a
 * checksum of the data it moved; read checksums must agree across paths, and after a write
 * workload every path's image must be byte-identical.
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

struct path {
	const char *name;  /* column label */
	const char *dev;   /* guest scenario: ide or vblk */
	const char *extra; /* guest arguments */
	const char *disk;  /* kvmini option suffix */
};

static const struct path paths[] = {
    {"IDE", "ide", "", ""},
    {"IDE multi16", "ide", " multi=16", ""},
    {"virtio", "vblk", "", ""},
    /* 100 ms: longer than this guest's gap between requests on any host, so none kicks. */
    {"virtio poll", "vblk", "", ",poll=100000"},
};
#define NPATHS (sizeof(paths) / sizeof(paths[0]))

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

struct result {
	bool ok;
	uint64_t kvm_exits, user_exits, notifies, insn, time_us;
	bool have_kvm, have_insn;
	char checksum[32];
};

static struct result results[NLOADS][NPATHS];

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
	int ca, cb;
	bool same = true;
	do {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb) {
			same = false;
			break;
		}
	} while (ca != EOF);
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

static void run_one(const char *kvmini, const char *kernel, const char *dir, size_t w, size_t p)
{
	const struct workload *l = &loads[w];
	const struct path *pa = &paths[p];
	char img[512], base[512], cmdline[512], disk[600];
	snprintf(base, sizeof(base), "%s/base.img", dir);
	snprintf(img, sizeof(img), "%s/path%zu.img", dir, p);
	copy_file(base, img);
	snprintf(
	    cmdline, sizeof(cmdline),
	    "console=ttyS0 test=exits dev=%s op=%s size=%u count=%u order=%s seed=7 warmup=1%s",
	    pa->dev, l->op, l->size, l->count, l->order, pa->extra);
	bool ide = !strcmp(pa->dev, "ide");
	snprintf(disk, sizeof(disk), "%s%s", img, pa->disk);
	char *argv[] = {(char *)kvmini, "run",	 "--kernel", (char *)kernel,	       "--cmdline",
			cmdline,	"--mem", "128M",     ide ? "--ide" : "--disk", disk,
			"--exit-stats", NULL};
	static char out[1 << 16], err[1 << 16];
	int st = run(argv, out, sizeof(out), err, sizeof(err));
	struct result *r = &results[w][p];
	struct exit_report rep;
	bool have = exit_report_find(err, "1", true, &rep);
	const char *sum = strstr(out, "exits: ");
	if (st != 0 || !have || !sum) {
		fprintf(stderr,
			"exit-compare: %s via %s failed (status %d%s%s)\n--- guest:\n%s--- "
			"kvmini:\n%s",
			l->name, pa->name, st, have ? "" : "; ", rep.why, out, err);
		exit(1);
	}
	r->have_kvm = exit_report_get(&rep, "kvm.exits", &r->kvm_exits);
	r->have_insn = exit_report_get(&rep, "kvm.insn_emulation", &r->insn) && r->insn > 0;
	exit_report_get(&rep, "user.exits", &r->user_exits);
	exit_report_get(&rep, "virtio.notifies", &r->notifies);
	exit_report_get(&rep, "time_us", &r->time_us);
	const char *c = strstr(sum, "checksum=");
	if (!c)
		die("guest printed no checksum:\n%s", out);
	snprintf(r->checksum, sizeof(r->checksum), "%.*s", (int)strcspn(c + 9, " \n"), c + 9);
	r->ok = true;
}

static double per_kib(uint64_t v, const struct workload *l)
{
	return (double)v / ((double)l->size * l->count / 1024.0);
}

int main(int argc, char **argv)
{
	if (argc != 5)
		die("usage: exit_compare KVMINI TINY_BZIMAGE WORKDIR PNG_PATH");
	const char *kvmini = argv[1], *kernel = argv[2], *dir = argv[3], *png = argv[4];
	char base[512];
	snprintf(base, sizeof(base), "%s/base.img", dir);
	make_image(base);

	for (size_t w = 0; w < NLOADS; w++) {
		for (size_t p = 0; p < NPATHS; p++)
			run_one(kvmini, kernel, dir, w, p);
		/* Same data on every path: reads agree, writes leave identical images. */
		for (size_t p = 1; p < NPATHS; p++) {
			if (strcmp(results[w][p].checksum, results[w][0].checksum))
				die("%s: %s read checksum %s, %s read %s", loads[w].name,
				    paths[p].name, results[w][p].checksum, paths[0].name,
				    results[w][0].checksum);
			if (!strcmp(loads[w].op, "write")) {
				char a[512], b[512];
				snprintf(a, sizeof(a), "%s/path0.img", dir);
				snprintf(b, sizeof(b), "%s/path%zu.img", dir, p);
				if (!same_file(a, b))
					die("%s: the images of %s and %s differ", loads[w].name,
					    paths[0].name, paths[p].name);
			}
		}
	}

	bool kvm = results[0][0].have_kvm;
	printf("\nVM exits for the same workloads on the same %d MiB image (tiny guest; each row "
	       "is one run; counts net of the marker's own exits)\n",
	       IMAGE_MIB);
	printf("%-15s %-12s %5s %7s %9s %8s %8s %8s %8s %8s %8s %7s %8s\n", "workload", "path",
	       "reqs", "KiB", kvm ? "KVM exits" : "-", "user", "notify", "exit/req", "exit/KiB",
	       "emul/req", "time ms", "MB/s", "vs virtio");
	for (size_t w = 0; w < NLOADS; w++) {
		const struct workload *l = &loads[w];
		const struct result *v = &results[w][2];
		uint64_t vtotal = kvm ? v->kvm_exits : v->user_exits;
		for (size_t p = 0; p < NPATHS; p++) {
			const struct result *r = &results[w][p];
			uint64_t total = kvm ? r->kvm_exits : r->user_exits;
			double kib = (double)l->size * l->count / 1024.0;
			char emul[16] = "-";
			if (r->have_insn)
				snprintf(emul, sizeof(emul), "%.0f", (double)r->insn / l->count);
			printf(
			    "%-15s %-12s %5u %7.0f %9llu %8llu %8llu %8.1f %8.2f %8s %8.1f %7.2f "
			    "%7.1fx\n",
			    p ? "" : l->name, paths[p].name, l->count, kib,
			    (unsigned long long)total, (unsigned long long)r->user_exits,
			    (unsigned long long)r->notifies, (double)total / l->count,
			    per_kib(total, l), emul, r->time_us / 1000.0,
			    r->time_us ? kib / 1024.0 / (r->time_us / 1e6) : 0.0,
			    vtotal ? (double)total / (double)vtotal : 0.0);
		}
	}
	printf(
	    "(KVM exits: every VM exit, from KVM's per-vCPU statistics; user: exits that reached "
	    "kvmini; notify: virtio QueueNotify writes, each one exit handled inside KVM by an "
	    "ioeventfd; emul/req: guest instructions KVM emulated, where the host reports "
	    "them; time ms: the workload's wall time inside its window; time and MB/s on this "
	    "machine's KVM, for scale only)\n");

	/* The plot: exits per KiB by request size, sequential reads, one line per path. */
	char dat[512], gp[512];
	snprintf(dat, sizeof(dat), "%s/exits.dat", dir);
	snprintf(gp, sizeof(gp), "%s/exits.gp", dir);
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
			const struct result *r = &results[w][p];
			/* Log scale: a path with no exits at all is drawn at the floor. */
			double v = per_kib(kvm ? r->kvm_exits : r->user_exits, &loads[w]);
			fprintf(f, " %g", v > 0.001 ? v : 0.001);
		}
		fprintf(f, "\n");
	}
	fclose(f);
	f = fopen(gp, "w");
	fprintf(
	    f,
	    "set terminal pngcairo size 900,560 font ',11'\n"
	    "set output '%s'\n"
	    "set title 'VM exits per KiB read, by request size (kvmini, tiny guest)'\n"
	    "set xlabel 'request size (bytes)'\nset ylabel '%s exits per KiB (log)'\n"
	    "set logscale xy\nset xtics ('512' 512, '4K' 4096, '64K' 65536)\n"
	    "set key top right\nset grid\n"
	    "plot for [i=2:%zu] '%s' using 1:i with linespoints lw 2 pt 7 title columnhead(i)\n",
	    png, kvm ? "KVM" : "user-space", NPATHS + 1, dat);
	fclose(f);
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "gnuplot '%s'", gp);
	if (system(cmd) != 0)
		die("gnuplot failed; the table above stands, but no plot was written");
	printf("plot: %s\n", png);

	/* Both ways of counting, then the headline: all exits where the host reports them. */
	const struct workload *l4 = &loads[1];
	double ide_u = per_kib(results[1][0].user_exits, l4);
	double vio_u = per_kib(results[1][2].user_exits, l4);
	printf("IDE/virtio user-space exits per KiB at 4 KiB: %.1fx\n",
	       vio_u > 0 ? ide_u / vio_u : 0.0);
	double ide = per_kib(kvm ? results[1][0].kvm_exits : results[1][0].user_exits, l4);
	double vio = per_kib(kvm ? results[1][2].kvm_exits : results[1][2].user_exits, l4);
	printf("IDE/virtio exits per KiB at 4 KiB: %.1fx\n", vio > 0 ? ide / vio : 0.0);
	return 0;
}
