/*
 * peerstat: launches one VMM inside the rig's L1 and measures one boot of the bench/peers
 * guest (bench/peers/l2-init), the same way whatever the VMM is. Statically linked.
 *
 *   peerstat LIMIT_S RAM_MIB LOG -- VMM ARGS...
 *
 * The VMM's stdout and stderr (the guest's serial console) come through a pipe; every line
 * goes to LOG, prefixed with milliseconds since launch, and the guest's lines drive the
 * measurements:
 *   "PEERS: init"            launch to the guest's /init (the first thing it prints);
 *   "PEERS: win NAME begin|end"   L1 KVM's exit counters (debugfs, /sys/kernel/debug/kvm:
 *                            exits, io_exits, mmio_exits, halt_exits, summed over every
 *                            VM, and only this one runs) read at each; the guest pads each
 *                            window with 0.3 s of sleep on both sides, so that the console
 *                            line's latency falls into idle time;
 *   "PEERS: result NAME n=.. bytes=.. us=.. bad=.."   uring-bench's figures for window NAME;
 *   "PEERS: devreqs NAME N"  the requests the guest's block layer sent its driver in NAME;
 *   "PEERS: rss"             /proc/PID/smaps and /proc/PID/status of the VMM, read while the
 *                            guest still runs (it sleeps before powering off);
 *   "PEERS: poweroff"        the guest powers off now: the VMM has 60 s to exit;
 * and launch to exit is when waitpid returns. The VMM is killed (SIGKILL) after LIMIT_S.
 *
 * Exits per request of window W, net of idle: the guest also runs two idle windows, idle1
 * (sleep 1) and idle3 (sleep 3), padded the same way; their difference gives the idle exit
 * rate r (per ms) and the fixed cost f of a window (its console lines, the padding's
 * processes), and W's net exits are E(W) - f - r * ms(W), per request. Exits that the
 * workload itself causes (timer ticks while busy, page faults, kicks, interrupts, the VMM's
 * device registers) are what remain.
 *
 * CPU per request of window W: each VMM thread's run time (/proc/PID/task/TID/schedstat, ns)
 * at W's begin and end, summed by kind: vCPU threads (comm "kvmini-vcpu" or QEMU's "CPU n/KVM";
 * their time includes the guest's), io_uring's kernel workers ("iou-wrk-*", which run the
 * requests io_uring cannot complete inline) and every other thread of the VMM (its I/O
 * threads, main loop, console), over W's requests. A thread gone by W's end is not counted;
 * io_uring's workers live 5 s idle, longer than any window here.
 *
 * Guest RAM: the VMM's mappings (VMAs) whose size is exactly RAM_MIB; there must be exactly
 * one. Its Rss is the guest RAM touched; the VMM's own memory is VmHWM (peak RSS of the
 * process) minus that, and also, at the same instant, the sum of every other VMA's Rss.
 *
 * Prints "peerstat: ..." lines and a last one, "peerstat: summary key=value ...".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WIN 16
#define NSTAT	4
static const char *const stat_names[NSTAT] = {"exits", "io_exits", "mmio_exits", "halt_exits"};

/* The VMM's threads at one moment: run time so far, by kind. */
enum { K_VCPU, K_IOWQ, K_OTHER, NKIND };
#define MAX_TASKS 256
struct tasks {
	int n, ok;
	struct {
		pid_t tid;
		int kind;
		uint64_t ns;
	} t[MAX_TASKS];
};

struct win {
	char name[32];
	double t0, t1; /* ms since launch */
	uint64_t s0[NSTAT], s1[NSTAT];
	struct tasks k0, k1;
	int ended, has_result;
	uint64_t n, bytes, us, bad;
	long devreqs; /* requests the guest's block layer sent the driver, -1: not told */
};

static struct win wins[MAX_WIN];
static int nwins;
static double t_launch;
static FILE *logf;

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int read_stats(uint64_t *v)
{
	for (int i = 0; i < NSTAT; i++) {
		char path[128];
		snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%s", stat_names[i]);
		FILE *f = fopen(path, "r");
		if (!f || fscanf(f, "%" SCNu64, &v[i]) != 1) {
			fprintf(stderr, "peerstat: cannot read %s\n", path);
			if (f)
				fclose(f);
			return -1;
		}
		fclose(f);
	}
	return 0;
}

static int task_kind(const char *comm)
{
	if (!strncmp(comm, "kvmini-vcpu", 11) ||
	    (!strncmp(comm, "CPU ", 4) && strstr(comm, "/KVM")))
		return K_VCPU;
	if (!strncmp(comm, "iou-wrk", 7))
		return K_IOWQ;
	return K_OTHER;
}

static void read_tasks(pid_t pid, struct tasks *k)
{
	char path[96], comm[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	k->n = 0;
	k->ok = 0;
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && k->n < MAX_TASKS) {
		pid_t tid = (pid_t)atoi(e->d_name);
		if (tid <= 0)
			continue;
		unsigned long long ns;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
		FILE *f = fopen(path, "r");
		if (!f)
			continue; /* gone meanwhile */
		int got = fgets(comm, sizeof(comm), f) != NULL;
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
		if (!got || !(f = fopen(path, "r")))
			continue;
		got = fscanf(f, "%llu", &ns) == 1;
		fclose(f);
		if (!got)
			continue;
		k->t[k->n].tid = tid;
		k->t[k->n].kind = task_kind(comm);
		k->t[k->n].ns = ns;
		k->n++;
	}
	closedir(d);
	k->ok = k->n > 0;
}

/* CPU ns by kind between a and b (threads alive at b; one born meanwhile counts from 0). */
static void task_delta(const struct tasks *a, const struct tasks *b, double *ns, int *iowq)
{
	for (int k = 0; k < NKIND; k++)
		ns[k] = 0;
	*iowq = 0;
	for (int i = 0; i < b->n; i++) {
		uint64_t before = 0;
		for (int j = 0; j < a->n; j++)
			if (a->t[j].tid == b->t[i].tid)
				before = a->t[j].ns;
		ns[b->t[i].kind] += (double)(b->t[i].ns - before);
		*iowq += b->t[i].kind == K_IOWQ;
	}
}

static struct win *find_win(const char *name, int create)
{
	for (int i = 0; i < nwins; i++)
		if (!strcmp(wins[i].name, name))
			return &wins[i];
	if (!create || nwins == MAX_WIN)
		return NULL;
	struct win *w = &wins[nwins++];
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->devreqs = -1;
	return w;
}

/* Guest RAM and the VMM's own memory, from smaps and status. */
static long ram_kib_want;
static long r_hwm = -1, r_total = -1, r_ram = -1, r_ram_vmas = -1;

static void read_rss(pid_t pid)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "peerstat: %s: %s\n", path, strerror(errno));
		return;
	}
	long size = 0, total = 0, ram = 0, vmas = 0, v;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Size: %ld kB", &v) == 1) {
			size = v;
		} else if (sscanf(line, "Rss: %ld kB", &v) == 1) {
			total += v;
			if (size == ram_kib_want) {
				ram += v;
				vmas++;
			}
		}
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &v) == 1)
			r_hwm = v;
	fclose(f);
	r_total = total;
	r_ram = ram;
	r_ram_vmas = vmas;
	printf("peerstat: rss VmHWM %ld KiB, all VMAs %ld KiB, guest RAM (%ld VMA(s) of %ld KiB) "
	       "%ld KiB\n",
	       r_hwm, r_total, r_ram_vmas, ram_kib_want, r_ram);
}

static double t_init = -1, t_poweroff = -1;

static void on_line(char *line, pid_t pid)
{
	double t = now_ms() - t_launch;
	size_t len = strlen(line);
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		line[--len] = 0;
	fprintf(logf, "%9.1f %s\n", t, line);
	const char *p = strstr(line, "PEERS: ");
	if (!p)
		return;
	p += 7;
	char name[32], what[16];
	if (!strncmp(p, "init", 4) && t_init < 0) {
		t_init = t;
		printf("peerstat: init at %.1f ms\n", t);
	} else if (sscanf(p, "win %31s %15s", name, what) == 2) {
		struct win *w = find_win(name, 1);
		if (!w)
			return;
		if (!strcmp(what, "begin")) {
			w->t0 = t;
			if (read_stats(w->s0))
				w->t0 = -1;
			read_tasks(pid, &w->k0);
		} else if (!strcmp(what, "end")) {
			read_tasks(pid, &w->k1);
			if (w->t0 >= 0) {
				w->t1 = t;
				w->ended = !read_stats(w->s1);
			}
		}
	} else if (sscanf(p, "result %31s", name) == 1) {
		struct win *w = find_win(name, 1);
		if (w &&
		    sscanf(p,
			   "result %*s n=%" SCNu64 " bytes=%" SCNu64 " us=%" SCNu64 " bad=%" SCNu64,
			   &w->n, &w->bytes, &w->us, &w->bad) == 4)
			w->has_result = 1;
	} else if (sscanf(p, "devreqs %31s", name) == 1) {
		struct win *w = find_win(name, 1);
		if (w && sscanf(p, "devreqs %*s %ld", &w->devreqs) != 1)
			w->devreqs = -1;
	} else if (!strncmp(p, "rss", 3)) {
		read_rss(pid);
	} else if (!strncmp(p, "poweroff", 8)) {
		t_poweroff = t;
	}
}

int main(int argc, char **argv)
{
	if (argc < 6 || strcmp(argv[4], "--")) {
		fprintf(stderr, "usage: peerstat LIMIT_S RAM_MIB LOG -- VMM ARGS...\n");
		return 2;
	}
	double limit_ms = atof(argv[1]) * 1e3;
	ram_kib_want = atol(argv[2]) * 1024;
	logf = fopen(argv[3], "w");
	if (!logf) {
		perror(argv[3]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	int fds[2];
	if (pipe2(fds, O_CLOEXEC)) {
		perror("pipe");
		return 2;
	}
	t_launch = now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0)
			_exit(127);
		execvp(argv[5], argv + 5);
		_exit(127);
	}
	close(fds[1]);
	char buf[4096], line[4096];
	size_t ll = 0;
	int killed = 0;
	for (;;) {
		double left = limit_ms - (now_ms() - t_launch);
		/* A guest that asked to power off gets 60 s for it. */
		if (t_poweroff >= 0 && t_poweroff + 60e3 - (now_ms() - t_launch) < left)
			left = t_poweroff + 60e3 - (now_ms() - t_launch);
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		int n = poll(&pfd, 1, (int)left + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		ssize_t r = read(fds[0], buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (ssize_t i = 0; i < r; i++) {
			if (ll == sizeof(line) - 1) { /* an overlong line: handled in pieces */
				line[ll] = 0;
				on_line(line, pid);
				ll = 0;
			}
			if (buf[i] == '\n') {
				line[ll] = 0;
				on_line(line, pid);
				ll = 0;
			} else {
				line[ll++] = buf[i];
			}
		}
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	double t_exit = now_ms() - t_launch;
	if (ll) {
		line[ll] = 0;
		on_line(line, pid);
	}
	fclose(logf);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("peerstat: exit at %.1f ms, status %d%s\n", t_exit, code,
	       !killed		 ? ""
	       : t_poweroff >= 0 ? " (killed: no exit 60 s after the guest's poweroff)"
				 : " (killed at the time limit)");

	/* The idle model from idle1 and idle3: fixed cost f and rate r per ms, per counter. */
	struct win *i1 = find_win("idle1", 0), *i3 = find_win("idle3", 0);
	int have_idle = i1 && i3 && i1->ended && i3->ended && i3->t1 - i3->t0 > i1->t1 - i1->t0;
	double rate[NSTAT] = {0}, fixed[NSTAT] = {0};
	if (have_idle) {
		double d1 = i1->t1 - i1->t0, d3 = i3->t1 - i3->t0;
		for (int k = 0; k < NSTAT; k++) {
			double e1 = (double)(i1->s1[k] - i1->s0[k]),
			       e3 = (double)(i3->s1[k] - i3->s0[k]);
			/* Never a negative rate: idle3 taking fewer exits than idle1 is noise. */
			rate[k] = e3 > e1 ? (e3 - e1) / (d3 - d1) : 0;
			fixed[k] = e1 - rate[k] * d1;
		}
		printf("peerstat: idle: %.3f exits/ms, %.0f exits a window (io %.3f/ms, mmio "
		       "%.3f/ms, halt %.3f/ms)\n",
		       rate[0], fixed[0], rate[1], rate[2], rate[3]);
	}

	for (int i = 0; i < nwins; i++) {
		struct win *w = &wins[i];
		if (w->ended)
			printf("peerstat: window %s: %.1f ms, exits %" PRIu64 ", io %" PRIu64
			       ", mmio %" PRIu64 ", halt %" PRIu64 "\n",
			       w->name, w->t1 - w->t0, w->s1[0] - w->s0[0], w->s1[1] - w->s0[1],
			       w->s1[2] - w->s0[2], w->s1[3] - w->s0[3]);
	}
	printf("peerstat: summary status=%d init_ms=%.1f exit_ms=%.1f", killed ? 137 : code, t_init,
	       t_exit);
	if (r_ram_vmas == 1)
		printf(" vmm_peak_kib=%ld vmm_now_kib=%ld ram_kib=%ld", r_hwm - r_ram,
		       r_total - r_ram, r_ram);
	else
		printf(" ram_vmas=%ld", r_ram_vmas);
	for (int i = 0; i < nwins; i++) {
		struct win *w = &wins[i];
		if (!w->has_result)
			continue;
		double secs = (double)w->us / 1e6;
		printf(" %s.iops=%.1f %s.mbs=%.2f %s.bad=%" PRIu64, w->name,
		       secs > 0 ? (double)w->n / secs : 0, w->name,
		       secs > 0 ? (double)w->bytes / 1e6 / secs : 0, w->name, w->bad);
		if (w->devreqs >= 0 && w->n)
			printf(" %s.devreqs=%.2f", w->name, (double)w->devreqs / (double)w->n);
		if (w->ended && have_idle && w->n) {
			double d = w->t1 - w->t0, net[NSTAT];
			for (int k = 0; k < NSTAT; k++)
				net[k] = ((double)(w->s1[k] - w->s0[k]) - fixed[k] - rate[k] * d) /
					 (double)w->n;
			printf(" %s.exits=%.2f %s.uexits=%.2f %s.halts=%.2f", w->name, net[0],
			       w->name, net[1] + net[2], w->name, net[3]);
		}
		if (w->k0.ok && w->k1.ok && w->n) {
			double ns[NKIND];
			int iowq;
			task_delta(&w->k0, &w->k1, ns, &iowq);
			printf(" %s.vcpu_ms=%.3f %s.io_ms=%.3f %s.iowq=%d", w->name,
			       ns[K_VCPU] / 1e6 / (double)w->n, w->name,
			       (ns[K_IOWQ] + ns[K_OTHER]) / 1e6 / (double)w->n, w->name, iowq);
		}
	}
	printf("\n");
	return 0;
}
