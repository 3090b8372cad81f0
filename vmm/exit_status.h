/*
 * kvmini's exit statuses, all of them, and the one mapping from what ended the VM to the
 * status kvmini exits with. README.md documents the same table for users.
 */
#ifndef KVMINI_EXIT_STATUS_H
#define KVMINI_EXIT_STATUS_H

#include "core/machine.h"

enum kvmini_status {
	KVMINI_EXIT_OK = 0,	 /* guest reset or powered off, or Ctrl-A x */
	KVMINI_EXIT_FAILURE = 1, /* kvmini could not run the VM (KVM missing, ioctl failed) */
	KVMINI_EXIT_USAGE = 2,	 /* bad command line or input file */
	KVMINI_EXIT_TRIPLE_FAULT = 3,
	KVMINI_EXIT_KVM_ERROR = 4, /* KVM internal error, failed entry, unhandled exit */
	KVMINI_EXIT_PANIC = 5,	   /* the guest kernel panicked (pvpanic) */
	KVMINI_EXIT_SANDBOX = 6,   /* a kvmini thread made a system call its sandbox forbids */
	/* N: the guest wrote N to the test-exit port; 128+N: ended by signal N. */
};

static inline int exit_status_for(enum machine_event ev, int value)
{
	switch (ev) {
	case MACHINE_RESET:
	case MACHINE_POWEROFF:
	case MACHINE_USER_QUIT:
		return KVMINI_EXIT_OK;
	case MACHINE_PANIC:
		return KVMINI_EXIT_PANIC;
	case MACHINE_GUEST_EXIT:
		return value & 0xff;
	case MACHINE_SIGNAL:
		return 128 + value;
	}
	return KVMINI_EXIT_FAILURE;
}

#endif
