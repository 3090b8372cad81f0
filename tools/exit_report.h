/*
 * kvmini's --exit-stats lines, read back. vmm/exit_stats.c ends a run with one line per
 * marker window, raw (net=0) and, for every window but the calibration one, net of it
 * (net=1), then one for the whole run:
 *
 *   exit-stats: window=1 net=1 kvm.exits=25 ... user.exits=18 pio.ide@1f0=14 ... time_us=96
 *   exit-stats: window=run net=0 ...
 *
 * Every field after window and net is key=decimal count; which keys appear depends on the
 * host (kvm.* only with KVM's binary statistics) and on the run (a device only where it took
 * exits). The integration tests, examples/exit_compare.c and the rig's scenarios (through
 * the exit-report command, tools/exit_report_main.c) all read the lines with this parser.
 */
#ifndef KVMINI_TOOLS_EXIT_REPORT_H
#define KVMINI_TOOLS_EXIT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXIT_REPORT_MAX_FIELDS 96 /* 10 kvm.*, 4 user.*, 2 x 33 devices, 3 more */
#define EXIT_REPORT_KEY_MAX    64

struct exit_report_field {
	char key[EXIT_REPORT_KEY_MAX];
	uint64_t value;
};

struct exit_report {
	char window[16]; /* "1" .. "255", or "run" */
	bool net;
	const char *line; /* where the line starts in the text searched */
	size_t line_len;  /* up to, not including, its newline */
	size_t nfields;
	struct exit_report_field fields[EXIT_REPORT_MAX_FIELDS];
	char why[160]; /* what went wrong, when a function below returns false */
};

/*
 * Finds the first line "exit-stats: window=WINDOW net=0|1 ..." (net says which) at the start
 * of a line of text (kvmini's stderr, or a log holding it) and parses it into r. False, with
 * r->why, when there is no such line or it is not made of key=number fields.
 */
bool exit_report_find(const char *text, const char *window, bool net, struct exit_report *r);

/* Parses the one line at `line` (up to a newline or the end), which starts "exit-stats: ". */
bool exit_report_parse(const char *line, struct exit_report *r);

/* The value of key ("user.exits", "kvm.exits", "pio.ide@1f0", ...); false when r lacks it. */
bool exit_report_get(const struct exit_report *r, const char *key, uint64_t *value);

/*
 * How a host's KVM counts what kvm.exits leaves ambiguous; measured, never assumed (the tiny
 * guest's notify probe, and its IDE reads, which take an interrupt per sector).
 */
struct exit_counting {
	/* kvm.exits includes the QueueNotify writes its ioeventfds handle (VMX and SVM do). */
	bool notifies_counted;
	/*
	 * A halt and an interrupt window for the same interrupt are one exit: a host that
	 * handles the guest's `sti; hlt` in one go when the interrupt is already pending (PVM,
	 * which emulates the guest kernel) still bumps both counters.
	 */
	bool window_in_halt;
};

/*
 * One window's exits by cause (docs/exit-counts.md, "Background"). Keys a line lacks count 0.
 *
 *   all         every exit: KVM's count (kvm.exits), plus the virtio notifies where KVM
 *               leaves them out of it. Without KVM statistics (have_kvm false): the exits to
 *               kvmini plus the notifies.
 *   io          the exits whose reason is the I/O: those to kvmini (user.exits), the notifies
 *               (virtio.notifies), port I/O KVM handled itself (kvm.io_exits beyond
 *               user.pio, on hosts that count port I/O there), and the exits that deliver
 *               completion interrupts: the halts waiting for them (kvm.halt_exits) plus the
 *               interrupt windows (kvm.irq_window_exits), or the larger of the two where a
 *               window shares its halt's exit.
 *   background  all - io: exits KVM counted for no I/O reason (host timer ticks, the vCPU
 *               thread preempted). Negative only if a host counts in some other way.
 */
struct exit_split {
	bool have_kvm;
	uint64_t all, io;
	int64_t background;
};

void exit_report_split(const struct exit_report *r, const struct exit_counting *how,
		       struct exit_split *s);

#endif
