/*
 * The devices one VM has, where each sits and which interrupt it raises: one table, built once
 * by the board from platform/layout.h (platform_build). Device registration, the device tree,
 * the ACPI tables and the virtio_mmio.device= command line all read it.
 */
#ifndef KVMINI_PLATFORM_H
#define KVMINI_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "platform/layout.h"

enum plat_kind {
	PLAT_UART,	 /* 16550A (devices/serial.c) */
	PLAT_I8042,	 /* keyboard controller: data port, then status/command port */
	PLAT_TEST_EXIT,	 /* kvmini's own (platform/guest_abi.h) */
	PLAT_MARKER,	 /* kvmini's own (platform/guest_abi.h) */
	PLAT_BOOT_TIMER, /* kvmini's own (platform/guest_abi.h) */
	PLAT_ACPI_PM,	 /* PM1 event and control blocks; only with ACPI tables */
	PLAT_IDE,	 /* primary ATA channel: command block, then control port */
	PLAT_VIRTIO, /* a virtio-mmio transport; which device it carries is not the table's concern */
	PLAT_PVPANIC,
	PLAT_RTC,      /* MC146818 CMOS clock: index port, data port (devices/rtc.c) */
	PLAT_PCI_HOST, /* a host bridge alone on configuration mechanism #1 (devices/pci_host.c) */
};

struct plat_range {
	uint64_t base, size;
};

struct plat_device {
	enum plat_kind kind;
	bool pio; /* the ranges are I/O ports, else guest-physical MMIO */
	struct plat_range reg[2];
	unsigned nreg;
	int irq; /* the GSI it raises, or -1; every one is an edge, active high */
};

#define PLATFORM_MAX_DEVICES (10 + VIRTIO_MAX_DEVICES)

/* What the user asked for, as far as the map is concerned. */
struct platform_spec {
	unsigned nvirtio;    /* virtio-mmio transports */
	bool ide;	     /* the IDE channel */
	bool acpi;	     /* ACPI tables, hence the PM1 registers */
	bool virtio_isa_irq; /* --virtio-cmdline: virtio on free ISA IRQs, not pins 16-23 */
};

struct platform {
	struct plat_device dev[PLATFORM_MAX_DEVICES];
	unsigned ndev;
};

/*
 * Lays out the devices spec asks for. Fails, with err set, when there are too many virtio
 * devices; also checks that no two devices share a range or an interrupt.
 */
int platform_build(struct platform *p, const struct platform_spec *spec, struct err *err);

/* The nth device of a kind (0 = the first), or NULL. */
const struct plat_device *platform_find(const struct platform *p, enum plat_kind kind,
					unsigned nth);

#endif
