/*
 * The measurement marker: a guest writes a window id (1-255) to open a measurement window and
 * 0 to close it, so a workload's exits are counted without boot noise. Window 255 is, by
 * convention, an empty calibration window whose counts are the marker's own cost.
 */
#ifndef KVMINI_MARKER_H
#define KVMINI_MARKER_H

#include <stdint.h>

#include "devices/bus.h"

#include "platform/guest_abi.h"

#define MARKER_CALIBRATION KVMINI_MARKER_CALIBRATION

struct marker {
	void (*mark)(void *ctx, uint8_t value);
	void *ctx;
};

int marker_register(struct marker *m, struct bus *pio, uint64_t port, void (*mark)(void *, uint8_t),
		    void *ctx);

#endif
