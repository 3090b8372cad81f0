/*
 * The tiny guest under kvmini, for every suite: start it with a command line and kvmini
 * options, and check what came out. A run lands in `res`, which the expect_* helpers check;
 * a failed check fails the current test and shows both output streams.
 */
#ifndef KVMINI_TEST_GUEST_H
#define KVMINI_TEST_GUEST_H

#include "vmrun.h"

/* The last run of run_guest (or of a suite's own vmrun into it). */
extern struct vm_result res;

/*
 * Runs the tiny guest (TINY_BZIMAGE) with cmdline and then the further kvmini options given
 * (--disk SPEC, --verbose, ...; NULL ends them), bounded by vmrun, into res.
 */
__attribute__((sentinel)) void run_guest(const char *cmdline, ...);

/* The same in the background (vm_bg_start), for a test that works beside the VM. */
__attribute__((sentinel)) void start_guest(struct vm_bg *bg, const char *cmdline, ...);

/* The run ended in time with this status. */
void expect_status(int status);

/* The guest's output (res.out), kvmini's stderr (res.err) or any text holds needle. */
void expect_out(const char *needle);
void expect_err(const char *needle);
void expect_in(const char *text, const char *needle);

/* kvmini refused to start: status 2, one line "kvmini: ...why..." on stderr, no output. */
void expect_one_line_error(const char *why);

/*
 * The device tree at dtb describes n virtio-mmio devices and no more: 512-byte windows from
 * 0xd0000000 up, device i interrupting on first_irq + i (edge rising, an irqfd's edge)
 * through the I/O APIC.
 */
void expect_virtio_mmio_nodes(const char *dtb, unsigned n, unsigned first_irq);

#endif
