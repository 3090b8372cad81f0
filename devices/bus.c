#include "devices/bus.h"

#include <string.h>

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	atomic_init(&bus->unclaimed, 0);
}

static bool overlaps(const struct bus_range *r, uint64_t base, uint64_t len)
{
	return base < r->base + r->len && r->base < base + len;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len, const char *name,
		 const struct bus_device_ops *ops, void *opaque)
{
	if (len == 0 || base + len < base || bus->nranges == BUS_MAX_RANGES)
		return -1;
	for (size_t i = 0; i < bus->nranges; i++)
		if (overlaps(&bus->ranges[i], base, len))
			return -1;
	bus->ranges[bus->nranges++] = (struct bus_range){
	    .base = base, .len = len, .name = name, .ops = ops, .opaque = opaque};
	return 0;
}

const struct bus_range *bus_find(const struct bus *bus, uint64_t addr, unsigned size)
{
	for (size_t i = 0; i < bus->nranges; i++) {
		const struct bus_range *r = &bus->ranges[i];
		if (addr >= r->base && addr - r->base < r->len && size <= r->len - (addr - r->base))
			return r;
	}
	return NULL;
}

void bus_dispatch(struct bus *bus, const struct bus_range *r, uint64_t addr, void *data,
		  unsigned size, bool write)
{
	bool handled = r && (write ? r->ops->write != NULL : r->ops->read != NULL);
	if (!handled) {
		if (!write)
			memset(data, 0xff, size);
		atomic_fetch_add(&bus->unclaimed, 1);
		return;
	}
	if (write)
		r->ops->write(r->opaque, addr - r->base, data, size);
	else
		r->ops->read(r->opaque, addr - r->base, data, size);
}

const struct bus_range *bus_read(struct bus *bus, uint64_t addr, void *data, unsigned size)
{
	const struct bus_range *r = bus_find(bus, addr, size);
	bus_dispatch(bus, r, addr, data, size, false);
	return r && r->ops->read ? r : NULL;
}

const struct bus_range *bus_write(struct bus *bus, uint64_t addr, const void *data, unsigned size)
{
	const struct bus_range *r = bus_find(bus, addr, size);
	bus_dispatch(bus, r, addr, (void *)data, size, true);
	return r && r->ops->write ? r : NULL;
}

void bus_dispatch_string(struct bus *bus, const struct bus_range *r, uint64_t port, uint8_t *data,
			 unsigned size, unsigned count, bool write)
{
	for (unsigned i = 0; i < count; i++, data += size)
		bus_dispatch(bus, r, port, data, size, write);
}
