/*
 * Running kvmini from a test: every VM is bounded by a timeout and, if it overstays, killed by
 * its PID (never by name). Output is captured for assertions.
 */
#ifndef KVMINI_TEST_VMRUN_H
#define KVMINI_TEST_VMRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <termios.h>

#define VMRUN_TIMEOUT_MS 30000

struct vm_result {
	int status;	/* exit status, or 128+signal if it was killed */
	bool timed_out; /* we killed it */
	char out[65536];
	size_t out_len;
	char err[262144];
	size_t err_len;
};

/*
 * Every run's "tiny: lost wakeups: N" fails the test that ran it, or with
 * KVMINI_TEST_LOST_WAKEUPS=report is counted, printed, and summed into the suite's closing
 * "lost wakeups: N" line. A test that makes them on purpose (test_lost_wakeups) sets this to
 * check them itself.
 */
extern bool vmrun_lost_wakeups_made;
/* N from a guest output's "tiny: lost wakeups: N", 0 without one. */
unsigned long vmrun_lost_wakeups(const char *out);
/* KVMINI_TEST_LOST_WAKEUPS=report: lost wakeups are counted, not failed. */
bool vmrun_lost_wakeups_reported(void);

/* Runs argv (NULL-terminated) with stdin fed from `input` (NULL: /dev/null). */
void vmrun(const char *const argv[], const char *input, struct vm_result *r);

/*
 * Runs argv on a fresh pseudo-terminal as its controlling terminal (stdin, stdout and stderr),
 * in the usual cooked mode. Once `ready` has appeared in the output, it sends `keys` (if any)
 * and then `sig` (if non-zero) to the VM's PID. Records the terminal settings before, while
 * running (just after `ready`) and after exit. Then, once `ready2` (if any) has appeared after
 * that point, it sends `keys2`. Output of both streams lands in r->out.
 */
struct pty_run {
	const char *ready;
	const char *keys;
	const char *ready2;
	const char *keys2;
	int sig;
	struct termios before, during, after;
};
void vmrun_pty(const char *const argv[], struct pty_run *p, struct vm_result *r);

/*
 * A VM running in the background while the test does other things (start a second kvmini on
 * the same disk, wait for a line and then kill it). stdout and stderr share one pipe.
 */
struct vm_bg {
	pid_t pid;
	int fd;
	bool open_;
	long long deadline; /* killed with SIGKILL at vm_bg_stop if still running past it */
	char out[65536];
	size_t out_len;
};
void vm_bg_start(const char *const argv[], struct vm_bg *bg);
/* Collects output until `needle` appears (true), the VM closes its output, or timeout_ms. */
bool vm_bg_wait_for(struct vm_bg *bg, const char *needle, int timeout_ms);
/*
 * Sends sig (if non-zero) to the VM's PID, then reaps it, killing it with SIGKILL if it has
 * not ended within VMRUN_TIMEOUT_MS of its start. Returns its exit status, or 128+signal.
 */
int vm_bg_stop(struct vm_bg *bg, int sig);

/* Whether /dev/kvm can be opened read-write; if not, why (for the SKIPPED banner). */
bool vmrun_kvm_usable(char *why, size_t len);

/* Prints a loud SKIPPED banner for `what` and returns 77, ctest's skip status. */
int vmrun_skip(const char *what, const char *why);

/* How many lines s holds. */
size_t count_lines(const char *s);

/*
 * How many sectors a data test should move when it wants `want`: want itself, unless the
 * environment sets KVMINI_TEST_IO_SECTORS lower. The nested-SVM rig does: there every 16-bit
 * word an IDE PIO write moves is its own VM exit through an emulated CPU (about 1 ms), and
 * the suites' full ranges would take tens of minutes. The checks stay the same.
 */
unsigned long test_io_sectors(unsigned long want);

#endif
