/*
 * kvmini confines itself once set-up is done, so that a bug a guest manages to exploit in a
 * device finds little to work with. Every thread, before it touches anything the guest
 * controls, calls sandbox_enter() with its kind:
 * - no new privileges, and no capabilities at all (effective, permitted, inheritable,
 *   ambient and bounding sets), when it had any;
 * - a Landlock domain that allows no file-system access (kvmini opens nothing after set-up);
 *   skipped with a one-line notice where the kernel has no Landlock;
 * - a seccomp filter (libseccomp) that allows only the system calls its kind makes, ioctls
 *   by request and, where the fd is known, by fd. Anything else traps: one line names the
 *   thread kind and the system call, and kvmini ends with KVMINI_EXIT_SANDBOX.
 * The main thread goes last (sandbox_lockdown), after it has also limited open files and
 * core dumps and kept guest RAM out of any core dump, and before any vCPU runs the guest.
 * Confining a thread opens no fd: the Landlock ruleset is made once, by sandbox_init.
 * docs/security.md lists what each kind may do and why.
 */
#ifndef KVMINI_SANDBOX_H
#define KVMINI_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

enum sandbox_kind {
	SANDBOX_MAIN,
	SANDBOX_VCPU,
	SANDBOX_CONSOLE,
	SANDBOX_CONSOLE_OUT,
	SANDBOX_BLK,
	SANDBOX_NET_RX,
	SANDBOX_NET_TX,
	SANDBOX_RNG,
	SANDBOX_RTC,
	SANDBOX_KINDS,
};

#define SANDBOX_MAX_FDS 16

struct sandbox {
	bool enabled;
	bool core;  /* --core: keep core dumps (guest RAM is left out of them all the same) */
	int vm_fd;  /* KVM_IRQ_LINE_STATUS from devices */
	int tty_fd; /* the terminal kvmini restores on the way out, or -1 */
	int tap_fds[SANDBOX_MAX_FDS]; /* TUNSETOFFLOAD at DRIVER_OK, on a vCPU thread */
	unsigned ntaps;
	void *guest_ram; /* excluded from core dumps */
	size_t guest_ram_size;
	int landlock_fd; /* the ruleset every thread restricts itself with, or -1 (no Landlock) */
};

/* Human names for messages: "blk worker", "vCPU"... */
const char *sandbox_kind_name(enum sandbox_kind kind);

/*
 * On the main thread, before any other thread exists: makes the Landlock ruleset and
 * prepares the SIGSYS report. Says on stderr when the sandbox is off, or Landlock missing.
 */
int sandbox_init(struct sandbox *sb, bool enabled, bool core, struct err *err);

/*
 * Confines the calling thread as `kind`. own_fd is the thread's own KVM fd (a vCPU's), or -1.
 * On failure kvmini cannot run safely: it says why on one line and exits with status 1.
 */
void sandbox_enter(const struct sandbox *sb, enum sandbox_kind kind, int own_fd);

/*
 * On the main thread, after set-up and before any vCPU runs the guest (they wait for it,
 * already confined): limits open files to those in use, turns core dumps off (unless --core),
 * keeps guest RAM out of them, then confines the main thread.
 */
void sandbox_lockdown(const struct sandbox *sb);

/* The number of system calls `kind` may make, for docs and tests. */
unsigned sandbox_allowed_count(enum sandbox_kind kind);

#endif
