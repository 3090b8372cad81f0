#include "devices/marker.h"

#include <string.h>

static void marker_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	(void)opaque;
	(void)offset;
	memset(data, 0, size);
}

static void marker_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct marker *m = opaque;
	(void)offset;
	(void)size;
	m->mark(m->ctx, *(const uint8_t *)data);
}

static const struct bus_device_ops marker_ops = {.read = marker_read, .write = marker_write};

int marker_register(struct marker *m, struct bus *pio, uint64_t port, void (*mark)(void *, uint8_t),
		    void *ctx)
{
	m->mark = mark;
	m->ctx = ctx;
	return bus_register(pio, port, 1, "marker", &marker_ops, m);
}
