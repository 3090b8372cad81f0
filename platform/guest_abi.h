/*
 * What a guest of kvmini's may rely on beyond standard PC hardware: the ports of kvmini's own
 * devices. Shared by the VMM (platform/layout.h) and the tiny guest (guest-kernels/tiny), so
 * the two cannot disagree. Plain numbers only: no host code, no types.
 */
#ifndef KVMINI_GUEST_ABI_H
#define KVMINI_GUEST_ABI_H

/* Write one byte N: kvmini ends the VM with exit status N (devices/test_exit.c). */
#define KVMINI_TEST_EXIT_PORT 0x501

/*
 * Write N (1-255) to open exit-count window N, 0 to close it (devices/marker.c). Window 255
 * is by convention an empty calibration window: its counts are the marker's own cost.
 */
#define KVMINI_MARKER_PORT	  0x510
#define KVMINI_MARKER_CALIBRATION 255

/*
 * Write anything: kvmini timestamps the first write (devices/boot_timer.c). The tiny guest does
 * it with its first instructions, as Firecracker's boot timer is written; bench/start uses it.
 */
#define KVMINI_BOOT_TIMER_PORT 0x502

#endif
