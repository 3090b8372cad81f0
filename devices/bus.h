/*
 * A bus maps address ranges (I/O ports or guest-physical MMIO) to devices. vCPU threads look
 * devices up without a lock, so every device is registered before the first vCPU runs.
 */
#ifndef KVMINI_BUS_H
#define KVMINI_BUS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Accesses are 1, 2, 4 or 8 bytes, little-endian in data; offset is relative to the range base. */
struct bus_device_ops {
	void (*read)(void *opaque, uint64_t offset, void *data, unsigned size);
	void (*write)(void *opaque, uint64_t offset, const void *data, unsigned size);
	/* Optional: the register at offset, for --trace-exits ("sector count", "THR"...). */
	const char *(*reg_name)(void *opaque, uint64_t offset, bool write);
};

struct bus_range {
	uint64_t base;
	uint64_t len;
	const char *name;
	const struct bus_device_ops *ops;
	void *opaque;
};

#define BUS_MAX_RANGES 32

struct bus {
	const char *name; /* "pio" or "mmio", for messages */
	size_t nranges;
	struct bus_range ranges[BUS_MAX_RANGES];
	atomic_ullong unclaimed; /* accesses no device owned */
};

void bus_init(struct bus *bus, const char *name);

/* Returns 0, or -1 when the range is empty, wraps, overlaps another or the bus is full. */
int bus_register(struct bus *bus, uint64_t base, uint64_t len, const char *name,
		 const struct bus_device_ops *ops, void *opaque);

/* The range wholly containing [addr, addr+size), or NULL. */
const struct bus_range *bus_find(const struct bus *bus, uint64_t addr, unsigned size);

/*
 * Dispatch an access; returns the range that took it. An access no device owns reads as
 * all-ones and a write to it is dropped; both are counted, NULL is returned, and the guest
 * carries on.
 */
const struct bus_range *bus_read(struct bus *bus, uint64_t addr, void *data, unsigned size);
/* The same, for a caller that has already looked the range up with bus_find(). */
void bus_dispatch(struct bus *bus, const struct bus_range *r, uint64_t addr, void *data,
		  unsigned size, bool write);

/*
 * String I/O (rep ins/outs): KVM delivers `count` elements of `size` bytes in one exit; each
 * is one access to the same port, in order.
 */
void bus_dispatch_string(struct bus *bus, const struct bus_range *r, uint64_t port, uint8_t *data,
			 unsigned size, unsigned count, bool write);
const struct bus_range *bus_write(struct bus *bus, uint64_t addr, const void *data, unsigned size);

#endif
