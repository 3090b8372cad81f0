/*
 * A PCI host bridge with nothing behind it, on configuration mechanism #1: the address
 * register at port 0xCF8 (32-bit) and the data window at 0xCFC-0xCFF. kvmini's devices are
 * virtio-mmio and ISA, so there is no PCI bus to speak of; what this gives a distribution
 * kernel is the answer it looks for before it decides PCI works: bus 0, device 0, function
 * 0 is a host bridge (class 0x0600) with no BARs, no capabilities and no interrupt. Every
 * other function reads as absent (all ones), and every write to configuration space is
 * dropped (all of the bridge's registers are read-only). Without it, Linux logs "PCI: Fatal:
 * No config space access function found" with or without pci=off.
 */
#ifndef KVMINI_PCI_HOST_H
#define KVMINI_PCI_HOST_H

#include <stdatomic.h>
#include <stdint.h>

#include "devices/bus.h"

#define PCI_HOST_NPORTS 8 /* the address register, then the data window */

/*
 * The identity it reports: Red Hat's generic host bridge ID, which Linux names "QEMU PCIe
 * Host bridge"; any vendor would do, the class is what a kernel checks.
 */
#define PCI_HOST_VENDOR 0x1b36
#define PCI_HOST_DEVICE 0x0008

struct pci_host {
	/* CONFIG_ADDRESS, as last written: vCPUs may race on it, as on hardware. */
	_Atomic uint32_t address;
};

void pci_host_init(struct pci_host *h);
int pci_host_register(struct pci_host *h, struct bus *pio, uint64_t base);

/* One byte of the host bridge's configuration space (0-255). */
uint8_t pci_host_config_byte(unsigned reg);

#endif
