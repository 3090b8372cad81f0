/*
 * The machine kvmini builds around a VM: which devices sit where, the device tree describing
 * them, and the kernel loaded to boot on it.
 */
#ifndef KVMINI_BOARD_H
#define KVMINI_BOARD_H

#include "devices/i8042.h"
#include "devices/ide.h"
#include "devices/marker.h"
#include "devices/pvpanic.h"
#include "devices/serial.h"
#include "devices/test_exit.h"
#include "virtio/blk.h"
#include "devices/acpi_pm.h"
#include "devices/disk.h"
#include "devices/tap.h"
#include "virtio/mmio.h"
#include "virtio/net.h"
#include "virtio/rng.h"
#include "vmm/cli.h"
#include "core/err.h"
#include "vmm/vm.h"

/*
 * virtio-mmio devices sit 0x200 apart from VIRTIO_MMIO_BASE, each with its own IOAPIC pin from
 * VIRTIO_FIRST_GSI on: pins 16-23 are beyond the ISA range the 8259s also see. A kernel that
 * learns of them from the command line instead (--virtio-cmdline) usually has no IOAPIC
 * description at all and only the 8259s, so that mode takes ISA IRQs nothing else on the board
 * uses (board_virtio_gsi).
 */
#define VIRTIO_MMIO_BASE   0xD0000000ULL
#define VIRTIO_FIRST_GSI   16
#define VIRTIO_MAX_DEVICES 8

/* The GSI of virtio slot 0..VIRTIO_MAX_DEVICES-1; isa: the --virtio-cmdline numbering. */
unsigned board_virtio_gsi(unsigned slot, bool isa);

struct board_blk {
	struct disk disk;
	struct virtio_blk blk;
	struct virtio_mmio transport;
	char serial[24];
};

struct board_net {
	struct tap tap;
	struct virtio_net net;
	struct virtio_mmio transport;
};

struct board_rng {
	struct virtio_rng rng;
	struct virtio_mmio transport;
};

struct board {
	struct serial serial;
	struct i8042 i8042;
	struct test_exit test_exit;
	struct marker marker;
	struct pvpanic pvpanic;
	struct acpi_pm acpi_pm; /* registered only with ACPI tables */
	struct board_blk blks[VIRTIO_MAX_DEVICES];
	unsigned nblks;
	struct board_net nets[VIRTIO_MAX_DEVICES];
	unsigned nnets;
	struct board_rng rng; /* --rng */
	bool has_rng;
	/* Every virtio transport in slot order: slot i is at base + 0x200 i, GSI 16 + i. */
	struct virtio_mmio *virtio[VIRTIO_MAX_DEVICES];
	const char *virtio_label[VIRTIO_MAX_DEVICES];
	unsigned nvirtio;
	bool has_ide;
	struct disk ide_disk;
	struct ide ide;
	char *cmdline; /* the kernel command line as finally given */
	uint8_t dtb[64 << 10];
};

/*
 * Plugs the devices into vm's buses, builds the device tree (written to cfg->dump_dtb if asked),
 * loads the kernel and sets up the boot vCPU. Returns 0, or a kvmini exit status with err set.
 */
int board_setup(struct board *b, struct vm *vm, const struct kvmini_config *cfg, struct err *err);
void board_destroy(struct board *b);

/* --verbose: per-device counters (kicks, requests, reset requests). */
void board_report(const struct board *b, const struct vm *vm);

#endif
