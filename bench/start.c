/*
 * bench/start: kvmini's start-up cost and memory overhead, side by side with QEMU's microvm
 * booting the same tiny guest. Run by hand (bench/run-start); see docs/benchmarks.md.
 *
 * The tiny guest writes the boot-timer port (platform/guest_abi.h) with its first
 * instructions, at whichever entry its loader uses. Per run:
 *
 * - first instruction: kvmini with KVMINI_BOOT_TIMER=1 timestamps that write itself (its own
 *   CLOCK_PROCESS_CPUTIME_ID and CLOCK_MONOTONIC, devices/boot_timer.c) and prints them; QEMU
 *   has an isa-debugcon on the port, so the write arrives here as a byte on its stdout. On
 *   either notice this bench reads the child's CPU clock (clock_getcpuclockid) and the time
 *   since the child's execve (CLOCK_MONOTONIC, taken in the child just before execve): the
 *   "external" figures, the same method for both VMMs. Then /proc/PID/smaps and VmHWM.
 * - at rest (kvmini only): the guest is test=idle, which prints a line and halts; smaps again
 *   once that line is out. QEMU's firmware enters tiny at its 16-bit entry, which halts right
 *   after the write, so QEMU is at rest at the first reading already.
 * - exit at the first instruction: KVMINI_BOOT_TIMER=exit for kvmini, isa-debug-exit on the
 *   port for QEMU; wall time from execve to the exit status, CPU time from wait4's rusage.
 * - test=hello (kvmini only: tiny has no 16-bit boot path to reach C code under QEMU).
 *
 * Memory: the guest's RAM is the one mapping at least as large as --mem; its Rss is the
 * guest pages touched. The overhead is the sum of every other mapping's Rss.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 60000
#define MAX_RUNS   101

struct opts {
	const char *kvmini, *kvmini_static, *kernel, *qemu, *qboot;
	unsigned runs, mem_mib;
	bool verbose;
};

static struct opts o = {
    .kvmini = "build/kvmini",
    .kernel = "build/tiny.bzImage",
    .qemu = "qemu-system-x86_64",
    .qboot = "/usr/share/qemu/qboot.rom",
    .runs = 11,
    .mem_mib = 128,
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static pid_t running = -1; /* the child to kill before giving up */

static void die(const char *fmt, ...)
{
	if (running > 0) {
		kill(running, SIGKILL);
		waitpid(running, NULL, 0);
	}
	va_list ap;
	va_start(ap, fmt);
	fputs("bench/start: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A child VMM: its pid, its execve time, pipes from its stdout and stderr. */
struct child {
	pid_t pid;
	uint64_t exec_ns;
	int out_fd, err_fd;
	clockid_t cpu_clock;
	char errbuf[8192]; /* what it said on stderr, for failures */
	size_t errlen;
};

static volatile uint64_t *exec_stamp; /* shared with the child: CLOCK_MONOTONIC before execve */

static void spawn(struct child *c, char *const argv[], const char *boot_timer)
{
	int out[2], err[2];
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	*exec_stamp = 0;
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(126);
		if (boot_timer)
			setenv("KVMINI_BOOT_TIMER", boot_timer, 1);
		else
			unsetenv("KVMINI_BOOT_TIMER");
		*exec_stamp = mono_ns();
		execvp(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	c->pid = running = pid;
	c->out_fd = out[0];
	c->err_fd = err[0];
	c->errlen = 0;
	if (clock_getcpuclockid(pid, &c->cpu_clock))
		die("clock_getcpuclockid: %s", strerror(errno));
}

static void kill_child(struct child *c)
{
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	running = -1;
	close(c->out_fd);
	close(c->err_fd);
}

static __attribute__((noreturn)) void fail_child(struct child *c, const char *what)
{
	kill_child(c);
	die("%s; its stderr:\n%.*s", what, (int)c->errlen, c->errbuf);
}

/*
 * Reads fd until a line starting with prefix has arrived (prefix NULL: any byte); keeps the
 * child's stderr for a report. Returns the line (in a static buffer) or NULL on EOF or
 * timeout.
 */
static const char *wait_for(struct child *c, int fd, const char *prefix)
{
	static char buf[8192];
	size_t len = 0;
	uint64_t deadline = mono_ns() + (uint64_t)TIMEOUT_MS * 1000000u;
	for (;;) {
		uint64_t now = mono_ns();
		if (now >= deadline)
			return NULL;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int rc = poll(&p, 1, (int)((deadline - now) / 1000000u) + 1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return NULL;
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return NULL;
		if (fd == c->err_fd && c->errlen + (size_t)n < sizeof(c->errbuf)) {
			memcpy(c->errbuf + c->errlen, buf + len, (size_t)n);
			c->errlen += (size_t)n;
		}
		if (!prefix)
			return buf;
		len += (size_t)n;
		buf[len] = '\0';
		char *line = buf, *nl;
		for (; (nl = strchr(line, '\n')); line = nl + 1) {
			*nl = '\0';
			if (!strncmp(line, prefix, strlen(prefix)))
				return line;
		}
		/* Keep the unfinished line; drop one that fills the buffer. */
		len = line == buf && len == sizeof(buf) - 1 ? 0 : strlen(line);
		memmove(buf, line, len + 1);
	}
}

/* The child's CPU time (all its threads, since fork) and the time since its execve, in ms. */
static void sample(const struct child *c, double *cpu_ms, double *wall_ms)
{
	struct timespec ts;
	uint64_t now = mono_ns();
	if (clock_gettime(c->cpu_clock, &ts))
		die("child CPU clock: %s", strerror(errno));
	*cpu_ms = ((double)ts.tv_sec * 1e3) + (double)ts.tv_nsec / 1e6;
	*wall_ms = (double)(now - c->exec_ns) / 1e6;
}

struct mem {
	double guest_kib, other_kib, hwm_kib;
	double private_kib; /* Private_Clean + Private_Dirty of the VMM's mappings: its own */
};

/*
 * The guest's RAM is the smallest writable mapping at least as large as --mem (kvmini and QEMU
 * both round it up for alignment); everything else is the VMM's.
 */
static void read_mem(pid_t pid, struct mem *m, bool show)
{
	static struct map {
		unsigned long long size_kib, rss_kib, private_kib;
		bool writable;
		char name[128];
	} map[4096];
	unsigned n = 0;
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, kib;
		char perms[8];
		int off = 0;
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &lo, &hi, perms, &off) == 3 &&
		    off) {
			if (n == sizeof(map) / sizeof(map[0]))
				die("%s: too many mappings", path);
			struct map *p = &map[n++];
			p->size_kib = (hi - lo) >> 10;
			p->rss_kib = p->private_kib = 0;
			p->writable = perms[1] == 'w';
			snprintf(p->name, sizeof(p->name), "%s", line + off);
			p->name[strcspn(p->name, "\n")] = '\0';
			if (!p->name[0])
				snprintf(p->name, sizeof(p->name), "(anonymous)");
		} else if (n && sscanf(line, "Rss: %llu kB", &kib) == 1) {
			map[n - 1].rss_kib = kib;
		} else if (n && (sscanf(line, "Private_Clean: %llu kB", &kib) == 1 ||
				 sscanf(line, "Private_Dirty: %llu kB", &kib) == 1)) {
			map[n - 1].private_kib += kib;
		}
	}
	fclose(f);
	*m = (struct mem){0};
	unsigned guest = n;
	for (unsigned i = 0; i < n; i++)
		if (map[i].writable && map[i].size_kib >= (unsigned long long)o.mem_mib << 10 &&
		    (guest == n || map[i].size_kib < map[guest].size_kib))
			guest = i;
	if (guest == n)
		die("pid %d has no writable mapping of --mem's size", (int)pid);
	for (unsigned i = 0; i < n; i++)
		if (i == guest)
			m->guest_kib = (double)map[i].rss_kib;
		else {
			m->other_kib += (double)map[i].rss_kib;
			m->private_kib += (double)map[i].private_kib;
		}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long kib;
		if (sscanf(line, "VmHWM: %llu kB", &kib) == 1)
			m->hwm_kib = (double)kib;
	}
	fclose(f);
	if (!show)
		return;
	/* Summed by name: one line per file, [heap], [stack], (anonymous), ... */
	for (unsigned i = 0; i < n; i++) {
		if (i == guest || !map[i].rss_kib)
			continue;
		unsigned long long sum = 0;
		bool first = true;
		for (unsigned j = 0; j < n; j++)
			if (j != guest && !strcmp(map[j].name, map[i].name)) {
				first = first && j >= i;
				sum += map[j].rss_kib;
			}
		if (first)
			printf("    %8llu KiB  %s\n", sum, map[i].name);
	}
	printf("    %8.0f KiB  total beyond guest RAM (%.0f KiB private; guest RAM Rss %.0f KiB, "
	       "VmHWM %.0f KiB)\n",
	       m->other_kib, m->private_kib, m->guest_kib, m->hwm_kib);
}

/* Waits for the child to exit; returns its wall time since execve and CPU time, in ms. */
static int reap(struct child *c, double *cpu_ms, double *wall_ms)
{
	int status;
	struct rusage ru;
	uint64_t deadline = mono_ns() + (uint64_t)TIMEOUT_MS * 1000000u;
	for (;;) {
		pid_t r = wait4(c->pid, &status, WNOHANG, &ru);
		if (r == c->pid) {
			running = -1;
			break;
		}
		if (r < 0 || mono_ns() > deadline) {
			kill_child(c);
			die("pid %d did not exit in time", (int)c->pid);
		}
		/* Drain its stderr meanwhile, so it never blocks on a full pipe. */
		struct pollfd p = {.fd = c->err_fd, .events = POLLIN};
		if (poll(&p, 1, 1) > 0) {
			char tmp[4096];
			ssize_t n = read(c->err_fd, tmp, sizeof(tmp));
			if (n > 0 && c->errlen + (size_t)n < sizeof(c->errbuf)) {
				memcpy(c->errbuf + c->errlen, tmp, (size_t)n);
				c->errlen += (size_t)n;
			}
		}
	}
	*wall_ms = (double)(mono_ns() - c->exec_ns) / 1e6;
	*cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		  (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	close(c->out_fd);
	close(c->err_fd);
	return status;
}

/* Blocks until the child has execve'd (its stamp is set just before). */
static void await_exec(struct child *c)
{
	while (!(c->exec_ns = *exec_stamp))
		sched_yield();
}

enum metric {
	M_CPU_INT,   /* the VMM's own CPU time at the boot-timer write (kvmini) */
	M_WALL_INT,  /* the VMM's CLOCK_MONOTONIC at the write, since execve (kvmini) */
	M_CPU_EXT,   /* the bench's sample of the child's CPU clock on the notice */
	M_WALL_EXT,  /* the bench's CLOCK_MONOTONIC on the notice, since execve */
	M_MEM_FIRST, /* Rss beyond guest RAM, right after the write */
	M_PRIV_FIRST,
	M_HWM_FIRST, /* VmHWM minus guest Rss */
	M_GUEST_FIRST,
	M_MEM_REST, /* at rest after test=idle's line (kvmini) */
	M_PRIV_REST,
	M_HWM_REST,
	M_GUEST_REST,
	M_EXIT_WALL, /* exec to exit, the guest exiting at its first instruction */
	M_EXIT_CPU,
	M_HELLO_WALL, /* exec to exit, test=hello (kvmini) */
	M_HELLO_CPU,
	NMETRICS
};

enum column { C_KVMINI, C_STATIC, C_QEMU, NCOLUMNS };
static double v[NCOLUMNS][NMETRICS][MAX_RUNS];
static bool have[NCOLUMNS][NMETRICS];

static void put(enum column col, enum metric m, unsigned i, double x)
{
	v[col][m][i] = x;
	have[col][m] = true;
}

static void put_mem(enum column col, enum metric first, unsigned i, const struct mem *m)
{
	put(col, first, i, m->other_kib);
	put(col, first + 1, i, m->private_kib);
	put(col, first + 2, i, m->hwm_kib - m->guest_kib);
	put(col, first + 3, i, m->guest_kib);
}

static void run_kvmini(enum column col, const char *bin, unsigned i, bool show)
{
	char mem[32];
	snprintf(mem, sizeof(mem), "%uM", o.mem_mib);
	struct child c;
	char *idle[] = {(char *)bin, "run",	  "--kernel", (char *)o.kernel, "--mem", mem,
			"--cmdline", "test=idle", NULL};
	spawn(&c, idle, "1");
	await_exec(&c);
	const char *line = wait_for(&c, c.err_fd, "kvmini: boot timer: ");
	double cpu, wall;
	sample(&c, &cpu, &wall);
	unsigned long long cpu_ns, mono;
	if (!line ||
	    sscanf(line, "kvmini: boot timer: cpu_ns=%llu monotonic_ns=%llu", &cpu_ns, &mono) != 2)
		fail_child(&c, "kvmini printed no boot-timer line");
	put(col, M_CPU_INT, i, (double)cpu_ns / 1e6);
	put(col, M_WALL_INT, i, (double)((int64_t)mono - (int64_t)c.exec_ns) / 1e6);
	put(col, M_CPU_EXT, i, cpu);
	put(col, M_WALL_EXT, i, wall);
	struct mem m;
	read_mem(c.pid, &m, false);
	put_mem(col, M_MEM_FIRST, i, &m);
	if (!wait_for(&c, c.out_fd, "idle: halting"))
		fail_child(&c, "the guest never said 'idle: halting'");
	if (show)
		printf("  %s at rest (test=idle), Rss by mapping:\n", bin);
	read_mem(c.pid, &m, show);
	put_mem(col, M_MEM_REST, i, &m);
	kill_child(&c);

	double x, y;
	spawn(&c, idle, "exit");
	await_exec(&c);
	int st = reap(&c, &x, &y);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("kvmini with KVMINI_BOOT_TIMER=exit: status %#x; stderr:\n%.*s", st,
		    (int)c.errlen, c.errbuf);
	put(col, M_EXIT_CPU, i, x);
	put(col, M_EXIT_WALL, i, y);

	char *hello[] = {(char *)bin, "run",	    "--kernel", (char *)o.kernel, "--mem", mem,
			 "--cmdline", "test=hello", NULL};
	spawn(&c, hello, NULL);
	await_exec(&c);
	st = reap(&c, &x, &y);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("kvmini test=hello: status %#x; stderr:\n%.*s", st, (int)c.errlen, c.errbuf);
	put(col, M_HELLO_CPU, i, x);
	put(col, M_HELLO_WALL, i, y);
}

/* QEMU's warnings (a CPUID feature PVM lacks) are fine; anything else is a failure. */
static bool qemu_quiet(const struct child *c)
{
	const char *p = c->errbuf, *end = c->errbuf + c->errlen;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n && !memmem(p, n, "warning:", 8))
			return false;
		p += n + 1;
	}
	return true;
}

static void run_qemu(unsigned i, bool show)
{
	char mem[32];
	snprintf(mem, sizeof(mem), "%uM", o.mem_mib);
	struct child c;
	/* The same machine both times but for the device on the boot-timer port. */
	char *argv[] = {(char *)o.qemu,
			"-M",
			"microvm",
			"-accel",
			"kvm",
			"-bios",
			(char *)o.qboot,
			"-nodefaults",
			"-no-user-config",
			"-display",
			"none",
			"-m",
			mem,
			"-kernel",
			(char *)o.kernel,
			"-append",
			"test=idle",
			"-chardev",
			"stdio,id=bt",
			"-device",
			"isa-debugcon,iobase=0x502,chardev=bt",
			NULL};
	spawn(&c, argv, NULL);
	await_exec(&c);
	if (!wait_for(&c, c.out_fd, NULL))
		fail_child(&c, "QEMU's debugcon never saw the boot-timer write");
	double cpu, wall;
	sample(&c, &cpu, &wall);
	put(C_QEMU, M_CPU_EXT, i, cpu);
	put(C_QEMU, M_WALL_EXT, i, wall);
	struct mem m;
	if (show)
		printf("  QEMU microvm at the first instruction (halted there), Rss by mapping:\n");
	read_mem(c.pid, &m, show);
	put_mem(C_QEMU, M_MEM_FIRST, i, &m);
	kill_child(&c);

	char **a = argv;
	while (*a && strcmp(*a, "-chardev"))
		a++;
	a[0] = "-device";
	a[1] = "isa-debug-exit,iobase=0x502,iosize=1";
	a[2] = NULL;
	spawn(&c, argv, NULL);
	await_exec(&c);
	int st = reap(&c, &cpu, &wall);
	/* isa-debug-exit exits with (value << 1) | 1: odd, whatever the guest's %al held. */
	if (!WIFEXITED(st) || !(WEXITSTATUS(st) & 1) || !qemu_quiet(&c))
		die("QEMU with isa-debug-exit: status %#x; stderr:\n%.*s", st, (int)c.errlen,
		    c.errbuf);
	put(C_QEMU, M_EXIT_CPU, i, cpu);
	put(C_QEMU, M_EXIT_WALL, i, wall);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double med(enum column col, enum metric m)
{
	double s[MAX_RUNS];
	memcpy(s, v[col][m], (size_t)o.runs * sizeof(double));
	qsort(s, o.runs, sizeof(double), cmp_double);
	return o.runs % 2 ? s[o.runs / 2] : (s[o.runs / 2 - 1] + s[o.runs / 2]) / 2;
}

static bool column_on(enum column col)
{
	return col == C_KVMINI || (col == C_STATIC && o.kvmini_static) || (col == C_QEMU && o.qemu);
}

static void header(void)
{
	printf("%-50s %9s", "median", "kvmini");
	if (column_on(C_STATIC))
		printf(" %9s", "static");
	if (column_on(C_QEMU))
		printf(" %9s %7s", "QEMU", "ratio");
	printf("\n");
}

/* One metric across the columns; ratio is QEMU over kvmini. */
static void row(const char *what, enum metric m, const char *fmt)
{
	printf("%-50s", what);
	for (enum column col = C_KVMINI; col < NCOLUMNS; col++) {
		if (!column_on(col))
			continue;
		char b[32] = "-";
		if (have[col][m])
			snprintf(b, sizeof(b), fmt, med(col, m));
		printf(" %9s", b);
	}
	if (column_on(C_QEMU)) {
		char r[32] = "-";
		if (have[C_QEMU][m] && med(C_KVMINI, m) > 0)
			snprintf(r, sizeof(r), "%.1fx", med(C_QEMU, m) / med(C_KVMINI, m));
		printf(" %7s", r);
	}
	printf("\n");
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: bench_start [-n RUNS] [-v] [--kvmini PATH] [--kvmini-static PATH]\n"
	    "                   [--kernel BZIMAGE] [--qemu PATH|none] [--qboot ROM] [--mem MIB]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"kvmini", required_argument, NULL, 'k'},
					   {"kvmini-static", required_argument, NULL, 's'},
					   {"kernel", required_argument, NULL, 'K'},
					   {"qemu", required_argument, NULL, 'q'},
					   {"qboot", required_argument, NULL, 'b'},
					   {"mem", required_argument, NULL, 'm'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	int ch;
	while ((ch = getopt_long(argc, argv, "n:vh", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o.runs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'k':
			o.kvmini = optarg;
			break;
		case 's':
			o.kvmini_static = optarg;
			break;
		case 'K':
			o.kernel = optarg;
			break;
		case 'q':
			o.qemu = strcmp(optarg, "none") ? optarg : NULL;
			break;
		case 'b':
			o.qboot = optarg;
			break;
		case 'm':
			o.mem_mib = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || o.runs < 1 || o.runs > MAX_RUNS || o.mem_mib < 2)
		die("bad arguments (-h for help)");
	exec_stamp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (exec_stamp == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);

	printf("bench/start: tiny guest (%s), --mem %u MiB; median of %u alternated runs\n",
	       o.kernel, o.mem_mib, o.runs);
	for (unsigned i = 0; i < o.runs; i++) {
		/* The breakdown of the last run only, once everything is warm. */
		bool show = o.verbose && i == o.runs - 1;
		run_kvmini(C_KVMINI, o.kvmini, i, show);
		if (o.kvmini_static)
			run_kvmini(C_STATIC, o.kvmini_static, i, show);
		if (o.qemu)
			run_qemu(i, show);
	}
	header();
	row("CPU ms to first instruction (VMM's own clocks)", M_CPU_INT, "%.2f");
	row("CPU ms to first instruction (bench's sample)", M_CPU_EXT, "%.2f");
	row("wall ms exec to first instruction (VMM's clocks)", M_WALL_INT, "%.2f");
	row("wall ms exec to first instruction (bench's sample)", M_WALL_EXT, "%.2f");
	row("wall ms exec to exit, guest exits at first insn", M_EXIT_WALL, "%.2f");
	row("CPU ms exec to exit, guest exits at first insn", M_EXIT_CPU, "%.2f");
	row("wall ms exec to exit, test=hello", M_HELLO_WALL, "%.2f");
	row("CPU ms exec to exit, test=hello", M_HELLO_CPU, "%.2f");
	row("KiB RSS beyond guest RAM, first instruction", M_MEM_FIRST, "%.0f");
	row("KiB of it private (not shared with the page cache)", M_PRIV_FIRST, "%.0f");
	row("KiB VmHWM minus guest RAM Rss, first instruction", M_HWM_FIRST, "%.0f");
	row("KiB guest RAM Rss, first instruction", M_GUEST_FIRST, "%.0f");
	row("KiB RSS beyond guest RAM, at rest (test=idle)", M_MEM_REST, "%.0f");
	row("KiB of it private", M_PRIV_REST, "%.0f");
	row("KiB VmHWM minus guest RAM Rss, at rest", M_HWM_REST, "%.0f");
	row("KiB guest RAM Rss, at rest", M_GUEST_REST, "%.0f");
	printf("start: %.2f CPU-ms, %.2f ms wall to first guest instruction\n",
	       med(C_KVMINI, M_CPU_INT), med(C_KVMINI, M_WALL_INT));
	/* The larger of the two moments: at rest kvmini has run a guest and its console. */
	double ov = med(C_KVMINI, M_MEM_REST) > med(C_KVMINI, M_MEM_FIRST)
			? med(C_KVMINI, M_MEM_REST)
			: med(C_KVMINI, M_MEM_FIRST);
	printf("overhead: %.0f KiB RSS beyond guest memory\n", ov);
	return 0;
}
