/*
 * kvmini confines itself (vmm/sandbox.h): a running kvmini with a disk, a NIC and an rng shows
 * Seccomp 2 and NoNewPrivs 1 on every thread, and no capabilities when started as root; a
 * forbidden system call in any kind of thread ends it with the documented line and status 6
 * (through kvmini-testhooks, the test-only build of the same VMM); --no-sandbox says so and
 * confines nothing; and the release binary carries its hardening.
 *
 * Each test runs in a network namespace of its own (the NIC's tap lives and dies there).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "netns.h"
#include "pattern.h"
#include "vmrun.h"

#define KVMINI_EXIT_SANDBOX 6

static char image[64];

static int set_up(void **state)
{
	if (fresh_netns(state))
		return -1;
	return blank_image(image, sizeof(image), "sandbox");
}

static int tear_down(void **state)
{
	(void)state;
	unlink(image);
	return 0;
}

/* A guest that waits for console input forever, with a disk, a NIC and an rng. */
static void start(const char *bin, const char *extra, struct vm_bg *vm)
{
	const char *argv[] = {bin,	   "run",    "--kernel", TINY_BZIMAGE, "--cmdline",
			      "test=echo", "--disk", image,	 "--net",      "tap=sbx0",
			      "--rng",	   extra,    NULL};
	vm_bg_start(argv, vm);
}

/* One field of /proc/PID/task/TID/status ("Seccomp", "NoNewPrivs", "CapEff"). */
static bool status_field(const char *status, const char *key, char *val, size_t len)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "\n%s:", key);
	const char *p = strstr(status, pat);
	if (!p)
		return false;
	p += strlen(pat);
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strcspn(p, "\n");
	snprintf(val, len, "%.*s", (int)(n < len ? n : len - 1), p);
	return true;
}

static size_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n > 0 ? (size_t)n : 0;
}

/*
 * Whether a thread is kvmini's own: KVM adds kernel workers to the VMM's thread group
 * ("kvm-nx-lpage-re"), and ThreadSanitizer runs a background thread of its own; neither is
 * kvmini's code. Every kvmini thread but the main one is named "kvmini-...".
 */
static bool is_kvmini_thread(pid_t pid, const char *tid, const char *comm)
{
	if (!strncmp(comm, "kvm-", 4))
		return false;
	if (atoi(tid) == pid || !strncmp(comm, "kvmini-", 7))
		return true;
	return strcmp(KVMINI_TEST_SANITIZER, "thread") != 0; /* anything else counts, but TSan's */
}

struct threads {
	unsigned total, confined, privileged;
	char kinds[512];
};

static void inspect(pid_t pid, struct threads *t)
{
	memset(t, 0, sizeof(*t));
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[400], status[4096], comm[32], seccomp[16], nnp[16], capeff[32];
		snprintf(path, sizeof(path), "%s/%s/comm", dir, e->d_name);
		read_file(path, comm, sizeof(comm));
		comm[strcspn(comm, "\n")] = 0;
		if (!is_kvmini_thread(pid, e->d_name, comm))
			continue;
		snprintf(path, sizeof(path), "%s/%s/status", dir, e->d_name);
		assert_true(read_file(path, status, sizeof(status)) > 0);
		assert_true(status_field(status, "Seccomp", seccomp, sizeof(seccomp)));
		assert_true(status_field(status, "NoNewPrivs", nnp, sizeof(nnp)));
		assert_true(status_field(status, "CapEff", capeff, sizeof(capeff)));
		t->total++;
		if (!strcmp(seccomp, "2") && !strcmp(nnp, "1"))
			t->confined++;
		else
			printf("  thread %s (%s): Seccomp %s, NoNewPrivs %s\n", e->d_name, comm,
			       seccomp, nnp);
		if (strcmp(capeff, "0000000000000000"))
			t->privileged++;
		size_t used = strlen(t->kinds);
		snprintf(t->kinds + used, sizeof(t->kinds) - used, "%s%s", used ? " " : "", comm);
	}
	closedir(d);
}

/* The issue's "done when": every thread of a running kvmini is confined, none privileged. */
static void test_every_thread_confined(void **state)
{
	(void)state;
	struct vm_bg vm;
	start(KVMINI_BIN, NULL, &vm);
	assert_true(vm_bg_wait_for(&vm, "echo: ready", VMRUN_TIMEOUT_MS));
	struct threads t;
	inspect(vm.pid, &t);
	int status = vm_bg_stop(&vm, SIGTERM);
	printf("  threads: %s\n", t.kinds);
	/* main, vCPU, console, console output, blk worker, net RX and TX workers, rng worker,
	 * rtc timer */
	assert_true(t.total >= 9);
	for (const char *k = "kvmini-vcpu\0kvmini-console\0kvmini-con-out\0kvmini-blk\0"
			     "kvmini-net-rx\0kvmini-net-tx\0kvmini-rng\0kvmini-rtc\0";
	     *k; k += strlen(k) + 1)
		if (!strstr(t.kinds, k))
			fail_msg("no %s thread among: %s", k, t.kinds);
	assert_int_equal(t.confined, t.total);
	if (geteuid() == 0)
		assert_int_equal(t.privileged, 0);
	assert_int_equal(status, 128 + SIGTERM);
}

/* Each kind of thread that breaks its sandbox ends kvmini with the line and the status. */
static void forbidden_in(const char *kind)
{
	char env[96];
	snprintf(env, sizeof(env), "KVMINI_TEST_FORBIDDEN=%s", kind);
	putenv(env);
	struct vm_bg vm;
	start(KVMINI_TESTHOOKS_BIN, NULL, &vm);
	char want[160];
	snprintf(want, sizeof(want),
		 "kvmini: sandbox: %s made a forbidden syscall: socket (run with --no-sandbox "
		 "to debug)",
		 kind);
	bool said = vm_bg_wait_for(&vm, want, VMRUN_TIMEOUT_MS);
	int status = vm_bg_stop(&vm, 0);
	unsetenv("KVMINI_TEST_FORBIDDEN");
	if (!said || status != KVMINI_EXIT_SANDBOX)
		fail_msg("kind %s: status %d, output:\n%s", kind, status, vm.out);
}

static void test_forbidden_main(void **s)
{
	(void)s;
	forbidden_in("main thread");
}

static void test_forbidden_vcpu(void **s)
{
	(void)s;
	forbidden_in("vCPU");
}

static void test_forbidden_console(void **s)
{
	(void)s;
	forbidden_in("console");
}

static void test_forbidden_console_output(void **s)
{
	(void)s;
	forbidden_in("console output");
}

static void test_forbidden_blk(void **s)
{
	(void)s;
	forbidden_in("blk worker");
}

static void test_forbidden_net_rx(void **s)
{
	(void)s;
	forbidden_in("net RX worker");
}

static void test_forbidden_net_tx(void **s)
{
	(void)s;
	forbidden_in("net TX worker");
}

static void test_forbidden_rng(void **s)
{
	(void)s;
	forbidden_in("rng worker");
}

static void test_forbidden_rtc(void **s)
{
	(void)s;
	forbidden_in("rtc timer");
}

/* The release binary has no test hook: the same variable does nothing there. */
static void test_release_has_no_hook(void **s)
{
	(void)s;
	putenv("KVMINI_TEST_FORBIDDEN=vCPU");
	struct vm_bg vm;
	start(KVMINI_BIN, NULL, &vm);
	bool ready = vm_bg_wait_for(&vm, "echo: ready", VMRUN_TIMEOUT_MS);
	int status = vm_bg_stop(&vm, SIGTERM);
	unsetenv("KVMINI_TEST_FORBIDDEN");
	if (!ready)
		fail_msg("status %d, output:\n%s", status, vm.out);
	assert_int_equal(status, 128 + SIGTERM);
}

/* --no-sandbox says so on stderr and leaves the threads as they were. */
static void test_no_sandbox(void **s)
{
	(void)s;
	struct vm_bg vm;
	start(KVMINI_BIN, "--no-sandbox", &vm);
	assert_true(vm_bg_wait_for(&vm, "echo: ready", VMRUN_TIMEOUT_MS));
	struct threads t;
	inspect(vm.pid, &t);
	int status = vm_bg_stop(&vm, SIGTERM);
	assert_non_null(strstr(vm.out, "kvmini: sandbox off (--no-sandbox)"));
	assert_int_equal(t.confined, 0);
	assert_int_equal(status, 128 + SIGTERM);
}

/* What readelf says of the release binary: PIE, full RELRO, canaries, FORTIFY, CET. */
static void test_hardened_binary(void **s)
{
	(void)s;
	if (strcmp(KVMINI_TEST_SANITIZER, "") != 0)
		skip(); /* sanitizer builds are instrumented instead */
	char cmd[512], out[1 << 16];
	snprintf(cmd, sizeof(cmd), "readelf -hlndsW %s 2>&1", KVMINI_BIN);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	static const struct {
		const char *needle, *what;
	} checks[] = {
	    {"DYN (Position-Independent Executable file)", "a PIE"},
	    {"GNU_RELRO", "a RELRO segment"},
	    {"BIND_NOW", "immediate binding (-z now: full RELRO)"},
	    {"__stack_chk_fail", "stack canaries (-fstack-protector-strong)"},
	    {"_chk@", "FORTIFY_SOURCE checked libc calls"},
	};
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (!strstr(out, checks[i].needle))
			fail_msg("%s: no '%s' in readelf's output", checks[i].what,
				 checks[i].needle);
	/*
	 * CET (-fcf-protection): every object of kvmini's own is marked IBT and SHSTK. The linked
	 * binary is not, on Debian 12: its glibc start files (Scrt1.o, crti.o) carry no marker,
	 * and the linker keeps only what every input has.
	 */
	snprintf(cmd, sizeof(cmd), "readelf -nW %s 2>&1", KVMINI_CORE_LIB);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	unsigned objects = 0, marked = 0;
	for (const char *q = out; (q = strstr(q, "File: ")); q++)
		objects++;
	for (const char *q = out; (q = strstr(q, "x86 feature: IBT, SHSTK")); q++)
		marked++;
	assert_true(objects > 10);
	assert_int_equal(marked, objects);
}

#define T(f) cmocka_unit_test_setup_teardown(f, set_up, tear_down)

int main(void)
{
	char why[160];
	if (!vmrun_kvm_usable(why, sizeof(why)))
		return vmrun_skip("sandbox integration tests", why);
	if (unshare(CLONE_NEWNET))
		return vmrun_skip("sandbox integration tests", "cannot make a network namespace");
	const struct CMUnitTest tests[] = {
	    T(test_every_thread_confined),
	    T(test_forbidden_main),
	    T(test_forbidden_vcpu),
	    T(test_forbidden_console),
	    T(test_forbidden_console_output),
	    T(test_forbidden_blk),
	    T(test_forbidden_net_rx),
	    T(test_forbidden_net_tx),
	    T(test_forbidden_rng),
	    T(test_forbidden_rtc),
	    T(test_release_has_no_hook),
	    T(test_no_sandbox),
	    cmocka_unit_test(test_hardened_binary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
