#include "devices/pci_host.h"

#include <string.h>

#define ADDR_ENABLE (1u << 31)
/* Enable, bus, device, function and dword register; bits 30:24 and 1:0 read back as 0. */
#define ADDR_MASK 0x80fffffcu

void pci_host_init(struct pci_host *h)
{
	atomic_init(&h->address, 0);
}

uint8_t pci_host_config_byte(unsigned reg)
{
	switch (reg) {
	case 0x00: /* vendor ID */
		return PCI_HOST_VENDOR & 0xff;
	case 0x01:
		return PCI_HOST_VENDOR >> 8;
	case 0x02: /* device ID */
		return PCI_HOST_DEVICE & 0xff;
	case 0x03:
		return PCI_HOST_DEVICE >> 8;
	case 0x0b: /* base class: bridge; subclass (0x0a) and programming interface (0x09): host */
		return 0x06;
	default: /* command, status, revision, header type 0, no BARs, no capabilities... */
		return 0;
	}
}

/* The byte at port offset off (0-7), given CONFIG_ADDRESS a. */
static uint8_t read_byte(uint32_t a, unsigned off)
{
	if (off < 4) /* the address register is read whole, as a dword */
		return 0xff;
	/* Only bus 0, device 0, function 0 exists. */
	if (!(a & ADDR_ENABLE) || (a & 0x00ffff00u))
		return 0xff;
	return pci_host_config_byte((a & 0xfcu) + off - 4);
}

static void pci_host_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct pci_host *h = opaque;
	uint32_t a = atomic_load(&h->address);
	if (offset == 0 && size == 4) {
		memcpy(data, &a, 4);
		return;
	}
	uint8_t *b = data;
	for (unsigned i = 0; i < size; i++)
		b[i] = offset + i < PCI_HOST_NPORTS ? read_byte(a, (unsigned)offset + i) : 0xff;
}

static void pci_host_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct pci_host *h = opaque;
	/*
	 * CONFIG_ADDRESS takes dword writes only (a byte to 0xCFB is another chipset's register);
	 * the data window has nothing writable behind it.
	 */
	if (offset == 0 && size == 4) {
		uint32_t v;
		memcpy(&v, data, 4);
		atomic_store(&h->address, v & ADDR_MASK);
	}
}

static const char *pci_host_reg_name(void *opaque, uint64_t offset, bool write)
{
	(void)opaque;
	(void)write;
	return offset < 4 ? "CONFIG_ADDRESS" : "CONFIG_DATA";
}

static const struct bus_device_ops pci_host_ops = {
    .read = pci_host_read, .write = pci_host_write, .reg_name = pci_host_reg_name};

int pci_host_register(struct pci_host *h, struct bus *pio, uint64_t base)
{
	return bus_register(pio, base, PCI_HOST_NPORTS, "pci-host", &pci_host_ops, h);
}
