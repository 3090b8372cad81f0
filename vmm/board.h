/*
 * The machine kvmini builds around a VM: the platform table of what sits where (built from
 * platform/layout.h), each device plugged in at its table entry, the device tree and ACPI
 * tables generated from the same table, and the kernel loaded to boot on it.
 */
#ifndef KVMINI_BOARD_H
#define KVMINI_BOARD_H

#include "devices/boot_timer.h"
#include "devices/i8042.h"
#include "devices/ide.h"
#include "devices/marker.h"
#include "devices/pci_host.h"
#include "devices/pvpanic.h"
#include "devices/rtc.h"
#include "devices/serial.h"
#include "devices/test_exit.h"
#include "virtio/blk.h"
#include "devices/acpi_pm.h"
#include "devices/disk.h"
#include "devices/tap.h"
#include "virtio/mmio.h"
#include "virtio/net.h"
#include "virtio/rng.h"
#include "core/err.h"
#include "platform/platform.h"
#include "vmm/cli.h"
#include "vmm/vm.h"

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
	struct platform platform; /* built first; every address below comes from it */
	struct serial serial;
	bool has_serial; /* initialised: board_destroy undoes only what set-up did */
	struct i8042 i8042;
	struct test_exit test_exit;
	struct marker marker;
	struct boot_timer boot_timer;
	struct pvpanic pvpanic;
	struct pci_host pci_host;
	struct acpi_pm acpi_pm; /* registered only with ACPI tables */
	struct rtc rtc;		/* with its timer thread */
	bool has_rtc;
	struct board_blk blks[VIRTIO_MAX_DEVICES];
	unsigned nblks;
	struct board_net nets[VIRTIO_MAX_DEVICES];
	unsigned nnets;
	struct board_rng rng; /* --rng */
	bool has_rng;
	/* Every virtio transport in slot order: the platform's PLAT_VIRTIO entries, in order. */
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
