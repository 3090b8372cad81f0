#include "vmm/board.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/virtio_ids.h>

#include "boot/acpi.h"
#include "boot/devicetree.h"
#include "boot/linux_boot.h"
#include "devices/disk_uring.h"
#include "vmm/sandbox.h"
#include "vmm/vcpu.h"

static int write_file(const char *path, const void *data, size_t len, struct err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(err, "cannot create '%s' for --dump-dtb: %s", path, strerror(errno));
	ssize_t n = write(fd, data, len);
	int e = errno;
	if (close(fd) < 0 && n == (ssize_t)len) {
		n = -1;
		e = errno;
	}
	if (n != (ssize_t)len)
		return err_set(err, "cannot write '%s' for --dump-dtb: %s", path,
			       n < 0 ? strerror(e) : "short write");
	return 0;
}

/* The platform devices every VM has, each at its table entry. */
static int plug_platform_device(struct board *b, struct vm *vm, const struct plat_device *d)
{
	uint64_t base = d->reg[0].base;
	switch (d->kind) {
	case PLAT_UART:
		/* Output goes nowhere until the console attaches its buffer (console_start). */
		serial_init(&b->serial, (struct byte_sink){0}, vm_irq_line(vm, (unsigned)d->irq));
		b->has_serial = true;
		return serial_register(&b->serial, &vm->pio, base);
	case PLAT_I8042:
		return i8042_register(&b->i8042, &vm->pio, base, d->reg[1].base,
				      vm_machine_ctl(vm));
	case PLAT_TEST_EXIT:
		return test_exit_register(&b->test_exit, &vm->pio, base, vm_machine_ctl(vm));
	case PLAT_MARKER:
		return marker_register(&b->marker, &vm->pio, base, exit_stats_mark, &vm->stats);
	case PLAT_BOOT_TIMER: {
		/* Checked in board_setup already. */
		int mode = boot_timer_mode_parse(getenv("KVMINI_BOOT_TIMER"));
		return boot_timer_register(&b->boot_timer, &vm->pio, base,
					   mode < 0 ? BOOT_TIMER_QUIET : (enum boot_timer_mode)mode,
					   STDERR_FILENO, vm_machine_ctl(vm));
	}
	case PLAT_ACPI_PM:
		return acpi_pm_register(&b->acpi_pm, &vm->pio, base, ACPI_S5_SLP_TYP,
					vm_machine_ctl(vm));
	case PLAT_PVPANIC:
		return pvpanic_register(&b->pvpanic, &vm->mmio, base, vm_machine_ctl(vm));
	case PLAT_RTC: /* its timer thread starts in start_rtc */
		rtc_init(&b->rtc, vm_irq_line(vm, (unsigned)d->irq), NULL);
		b->has_rtc = true;
		return rtc_register(&b->rtc, &vm->pio, base);
	case PLAT_PCI_HOST:
		pci_host_init(&b->pci_host);
		return pci_host_register(&b->pci_host, &vm->pio, base);
	case PLAT_IDE:	  /* plug_ide, with its disk */
	case PLAT_VIRTIO: /* plug_virtio, in slot order */
		return 0;
	}
	return -1;
}

static int plug_devices(struct board *b, struct vm *vm, struct err *err)
{
	for (unsigned i = 0; i < b->platform.ndev; i++)
		if (plug_platform_device(b, vm, &b->platform.dev[i]))
			return err_set(err, "device address ranges overlap (a kvmini bug)");
	return 0;
}

_Static_assert(RTC_CMOS_CENTURY == RTC_CENTURY, "the FADT's century index is the RTC's");

/* The RTC's timer thread confines itself before anything else. */
static void rtc_thread_init(void *ctx)
{
	const struct vm *vm = ctx;
	sandbox_enter(vm->sandbox, SANDBOX_RTC, -1);
}

static int start_rtc(struct board *b, struct vm *vm, struct err *err)
{
	if (!b->has_rtc)
		return 0;
	if (rtc_start(&b->rtc, rtc_thread_init, vm, err))
		return -1;
	const struct plat_device *d = platform_find(&b->platform, PLAT_RTC, 0);
	vm_log(vm, "RTC (MC146818) at port 0x%llx, IRQ %d: the host's clock, UTC",
	       (unsigned long long)d->reg[0].base, d->irq);
	return 0;
}

/* For exit statistics: kicks and requests over every virtio queue. */
static void virtio_counts(void *ctx, uint64_t *notifies, uint64_t *requests)
{
	const struct board *b = ctx;
	for (unsigned i = 0; i < b->nvirtio; i++) {
		struct virtio_mmio *t = b->virtio[i];
		for (unsigned q = 0; q < t->nqueues; q++) {
			*notifies += virtio_mmio_notifies(&t->queues[q]);
			*requests += atomic_load(&t->queues[q].chains);
		}
	}
}

/* KVM catches each queue's QueueNotify write (datamatch = queue index) and the irqfd. */
static int wire_to_kvm(struct vm *vm, struct virtio_mmio *t, struct err *err)
{
	for (unsigned q = 0; q < t->nqueues; q++)
		if (vm_ioeventfd(vm, t->base + VIRTIO_MMIO_NOTIFY_OFF, 4, q, t->queues[q].notify_fd,
				 err))
			return -1;
	return vm_irqfd(vm, t->irq, t->irq_fd, err);
}

/* Each virtio queue thread confines itself as the kind of worker it is, before anything else. */
static void queue_thread_init(void *ctx, struct virtio_mmio_queue *q)
{
	const struct vm *vm = ctx;
	enum sandbox_kind kind = SANDBOX_BLK;
	if (q->t->ops->device_id == VIRTIO_ID_NET)
		kind = q->index == NET_RXQ ? SANDBOX_NET_RX : SANDBOX_NET_TX;
	else if (q->t->ops->device_id == VIRTIO_ID_RNG)
		kind = SANDBOX_RNG;
	sandbox_enter(vm->sandbox, kind, -1);
}

/* Initialises the next virtio slot's transport for dev and wires it to the bus and KVM. */
static int plug_virtio(struct board *b, struct vm *vm, struct virtio_mmio *t,
		       const struct virtio_device_ops *ops, void *dev, const char *label,
		       unsigned nqueues, uint16_t queue_max, unsigned poll_us,
		       unsigned auto_poll_us, struct err *err)
{
	unsigned slot = b->nvirtio;
	const struct plat_device *d = platform_find(&b->platform, PLAT_VIRTIO, slot);
	if (!d)
		return err_set(err, "no virtio slot left in the platform table (a kvmini bug)");
	if (virtio_mmio_init(t, ops, dev, &vm->mem, d->reg[0].base, (unsigned)d->irq, nqueues,
			     queue_max, poll_us, err))
		return -1;
	virtio_mmio_set_adaptive_poll(t, auto_poll_us);
	b->virtio[slot] = t;
	b->virtio_label[slot] = label;
	b->nvirtio++;
	if (virtio_mmio_register(t, &vm->mmio))
		return err_set(err, "virtio device ranges overlap (a kvmini bug)");
	if (wire_to_kvm(vm, t, err))
		return -1;
	return virtio_mmio_spawn_workers(t, queue_thread_init, vm, err);
}

/* Returns 0 or a kvmini exit status. */
static int plug_disk(struct board *b, struct vm *vm, const struct disk_opt *o, struct err *err)
{
	struct board_blk *d = &b->blks[b->nblks];
	if (disk_open(&d->disk, o->path, o->ro, err))
		return KVMINI_EXIT_USAGE;
	b->nblks++; /* from here on board_destroy() cleans it up */
	if (o->serial)
		snprintf(d->serial, sizeof(d->serial), "%s", o->serial);
	else
		snprintf(d->serial, sizeof(d->serial), "kvmini-vd%c", 'a' + (b->nblks - 1));
	virtio_blk_init(&d->blk, &d->disk, d->serial, o->queues);
	/* By default not for an image in memory, where io_uring only adds a hop (disk_uring.h). */
	bool in_memory = o->aio == DISK_AIO_DEFAULT && !disk_uring_suits(&d->disk);
	bool uring = o->aio == DISK_AIO_IO_URING || (o->aio == DISK_AIO_DEFAULT && !in_memory);
	if (uring && virtio_blk_use_uring(&d->blk, err)) {
		if (o->aio == DISK_AIO_IO_URING)
			return KVMINI_EXIT_USAGE;
		/* Not asked for by name: say why once, and go on one request at a time. */
		fprintf(stderr, "kvmini: %s: %s\n", d->serial, err->msg);
		virtio_blk_destroy(&d->blk);
		uring = false;
	}
	if (plug_virtio(b, vm, &d->transport, &virtio_blk_ops, &d->blk, d->serial, o->queues,
			BLK_QUEUE_SIZE, o->poll_us, o->auto_poll_us, err))
		return KVMINI_EXIT_FAILURE;
	char poll[40];
	if (o->poll_us)
		snprintf(poll, sizeof(poll), "poll %u us", o->poll_us);
	else if (o->auto_poll_us)
		snprintf(poll, sizeof(poll), "adaptive poll up to %u us", o->auto_poll_us);
	else
		snprintf(poll, sizeof(poll), "no polling");
	vm_log(vm,
	       "virtio-blk %s at 0x%llx, GSI %u: '%s'%s, %llu sectors, %u queue(s), %s, aio=%s%s",
	       d->serial, (unsigned long long)d->transport.base, d->transport.irq, o->path,
	       o->ro ? " (read-only)" : "", (unsigned long long)d->blk.config.capacity, o->queues,
	       poll, uring ? "io_uring" : "sync",
	       in_memory ? " (the image is in memory, which io_uring cannot read inline)" : "");
	return 0;
}

static int plug_net(struct board *b, struct vm *vm, const struct net_opt *o, struct err *err)
{
	struct board_net *n = &b->nets[b->nnets];
	if (tap_open(&n->tap, o->tap, NET_HDR_LEN, err))
		return KVMINI_EXIT_USAGE;
	b->nnets++;
	if (virtio_net_init(&n->net, &tap_backend_ops, &n->tap, n->tap.name,
			    o->has_mac ? o->mac : NULL, o->mtu)) {
		err_set(err, "out of memory");
		return KVMINI_EXIT_FAILURE;
	}
	if (plug_virtio(b, vm, &n->transport, &virtio_net_ops, &n->net, n->tap.name, 2,
			NET_QUEUE_SIZE, 0, 0, err))
		return KVMINI_EXIT_FAILURE;
	const uint8_t *m = n->net.config.mac;
	vm_log(vm, "virtio-net %s at 0x%llx, GSI %u: mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u%s",
	       n->tap.name, (unsigned long long)n->transport.base, n->transport.irq, m[0], m[1],
	       m[2], m[3], m[4], m[5], n->net.config.mtu, n->tap.offloads ? ", offloads" : "");
	return 0;
}

/* --rng: virtio-rng, one queue filled from the host's getrandom. */
static int plug_rng(struct board *b, struct vm *vm, struct err *err)
{
	struct board_rng *r = &b->rng;
	if (virtio_rng_init(&r->rng, err))
		return KVMINI_EXIT_FAILURE;
	if (plug_virtio(b, vm, &r->transport, &virtio_rng_ops, &r->rng, "rng", 1, RNG_QUEUE_SIZE, 0,
			0, err))
		return KVMINI_EXIT_FAILURE;
	b->has_rng = true;
	vm_log(vm, "virtio-rng at 0x%llx, GSI %u: getrandom, up to %u bytes a request",
	       (unsigned long long)r->transport.base, r->transport.irq, RNG_MAX_PER_CHAIN);
	return 0;
}

static int plug_ide(struct board *b, struct vm *vm, const struct kvmini_config *cfg,
		    struct err *err)
{
	if (disk_open(&b->ide_disk, cfg->ide_path, cfg->ide_ro, err))
		return KVMINI_EXIT_USAGE;
	b->has_ide = true;
	const struct plat_device *d = platform_find(&b->platform, PLAT_IDE, 0);
	ide_init(&b->ide, &b->ide_disk, NULL, vm_irq_line(vm, (unsigned)d->irq));
	if (ide_register(&b->ide, &vm->pio, d->reg[0].base, d->reg[1].base)) {
		err_set(err, "IDE ports overlap another device (a kvmini bug)");
		return KVMINI_EXIT_FAILURE;
	}
	vm_log(vm, "IDE primary master: '%s'%s, %llu sectors", cfg->ide_path,
	       cfg->ide_ro ? " (read-only)" : "", (unsigned long long)b->ide.nsectors);
	return 0;
}

/*
 * ACPI tables in the BIOS area: what a kernel without device tree support (a distribution's,
 * say) needs to find the CPUs, the virtio devices and pvpanic, and to power off through the
 * PM1 registers (plugged with the other platform devices).
 */
static int build_acpi(struct board *b, struct vm *vm, struct err *err)
{
	struct acpi_params ap = {.ncpus = vm->ncpus, .platform = &b->platform};
	uint8_t *tables = gm_ptr(&vm->mem, ACPI_TABLES_ADDR, ACPI_TABLES_MAX);
	if (!tables)
		return err_set(err, "guest RAM does not cover the ACPI area (a kvmini bug)");
	if (acpi_build(tables, ACPI_TABLES_MAX, ACPI_TABLES_ADDR, &ap, err) < 0)
		return -1;
	return 0;
}

/* The command line, plus virtio_mmio.device=<size>@<base>:<irq> per device if asked. */
static int build_cmdline(struct board *b, const struct kvmini_config *cfg, struct err *err)
{
	size_t len = strlen(cfg->cmdline) + 1 + (size_t)b->nvirtio * 64;
	b->cmdline = malloc(len);
	if (!b->cmdline)
		return err_set(err, "out of memory");
	size_t n = (size_t)snprintf(b->cmdline, len, "%s", cfg->cmdline);
	for (unsigned i = 0; cfg->virtio_cmdline && i < b->platform.ndev; i++) {
		const struct plat_device *d = &b->platform.dev[i];
		if (d->kind == PLAT_VIRTIO)
			n += (size_t)snprintf(b->cmdline + n, len - n,
					      " virtio_mmio.device=%llu@0x%llx:%d",
					      (unsigned long long)d->reg[0].size,
					      (unsigned long long)d->reg[0].base, d->irq);
	}
	return 0;
}

/* The map this configuration needs. */
static int build_platform(struct board *b, const struct kvmini_config *cfg, struct err *err)
{
	struct platform_spec spec = {
	    .nvirtio = cfg->ndisks + cfg->nnets + (cfg->rng ? 1 : 0),
	    .ide = cfg->ide_path != NULL,
	    .acpi = !cfg->no_acpi,
	    .virtio_isa_irq = cfg->virtio_cmdline,
	};
	return platform_build(&b->platform, &spec, err);
}

int board_setup(struct board *b, struct vm *vm, const struct kvmini_config *cfg, struct err *err)
{
	if (build_platform(b, cfg, err))
		return KVMINI_EXIT_USAGE;
	if (boot_timer_mode_parse(getenv("KVMINI_BOOT_TIMER")) < 0) {
		err_set(err, "KVMINI_BOOT_TIMER must be 1 or exit (devices/boot_timer.h)");
		return KVMINI_EXIT_USAGE;
	}
	if (plug_devices(b, vm, err) || start_rtc(b, vm, err))
		return KVMINI_EXIT_FAILURE;
	for (unsigned i = 0; i < cfg->ndisks; i++) {
		int rc = plug_disk(b, vm, &cfg->disks[i], err);
		if (rc)
			return rc;
	}
	for (unsigned i = 0; i < cfg->nnets; i++) {
		int rc = plug_net(b, vm, &cfg->nets[i], err);
		if (rc)
			return rc;
	}
	if (cfg->rng) {
		int rc = plug_rng(b, vm, err);
		if (rc)
			return rc;
	}
	if (cfg->ide_path) {
		int rc = plug_ide(b, vm, cfg, err);
		if (rc)
			return rc;
	}
	if (build_cmdline(b, cfg, err))
		return KVMINI_EXIT_FAILURE;
	vm->stats.virtio_counts = virtio_counts;
	vm->stats.virtio_ctx = b;

	uint8_t *dtb = b->dtb;
	struct dt_params dtp = {.ncpus = vm->ncpus, .mem = &vm->mem, .platform = &b->platform};
	int dtb_size = dt_build(dtb, sizeof(b->dtb), &dtp, err);
	if (dtb_size < 0)
		return KVMINI_EXIT_FAILURE;
	if (cfg->dump_dtb && write_file(cfg->dump_dtb, dtb, (size_t)dtb_size, err))
		return KVMINI_EXIT_USAGE;

	uint64_t rsdp = 0;
	if (!cfg->no_acpi) {
		if (build_acpi(b, vm, err))
			return KVMINI_EXIT_FAILURE;
		rsdp = ACPI_TABLES_ADDR;
	}

	struct linux_boot_args args = {
	    .kernel_path = cfg->kernel,
	    .initrd_path = cfg->initrd,
	    .cmdline = b->cmdline,
	    .dtb = dtb,
	    .dtb_size = (size_t)dtb_size,
	    .acpi_rsdp = rsdp,
	};
	struct linux_boot_entry entry;
	if (linux_boot_load(&vm->mem, &args, &entry, err))
		return KVMINI_EXIT_USAGE;
	vm_log(vm, "kernel '%s' loaded, entry 0x%llx, boot_params 0x%llx, device tree %d bytes",
	       cfg->kernel, (unsigned long long)entry.rip, (unsigned long long)entry.boot_params,
	       dtb_size);
	if (vcpu_set_boot_state(&vm->vcpus[0], entry.rip, entry.boot_params, err))
		return KVMINI_EXIT_FAILURE;
	return 0;
}

void board_destroy(struct board *b)
{
	/* Queue workers first: they may be in the middle of I/O on a disk or tap. */
	for (unsigned i = 0; i < b->nvirtio; i++)
		virtio_mmio_destroy(b->virtio[i]);
	b->nvirtio = 0;
	if (b->has_rtc) {
		rtc_destroy(&b->rtc);
		b->has_rtc = false;
	}
	for (unsigned i = 0; i < b->nblks; i++) {
		virtio_blk_destroy(&b->blks[i].blk);
		disk_close(&b->blks[i].disk);
	}
	b->nblks = 0;
	for (unsigned i = 0; i < b->nnets; i++) {
		virtio_net_destroy(&b->nets[i].net);
		tap_close(&b->nets[i].tap);
	}
	b->nnets = 0;
	if (b->has_ide) {
		ide_destroy(&b->ide);
		disk_close(&b->ide_disk);
		b->has_ide = false;
	}
	free(b->cmdline);
	b->cmdline = NULL;
	if (b->has_serial)
		serial_destroy(&b->serial);
	b->has_serial = false;
}

void board_report(const struct board *b, const struct vm *vm)
{
	if (atomic_load(&b->boot_timer.fired))
		vm_log(vm, "boot timer: first written after %.3f ms of kvmini's CPU time",
		       (double)b->boot_timer.cpu_ns / 1e6);
	if (b->has_ide)
		vm_log(vm, "IDE: %llu commands", (unsigned long long)b->ide.commands);
	if (b->has_rtc)
		vm_log(vm,
		       "RTC: %llu interrupt(s), %llu timer wake-up(s), guest clock %+lld s from "
		       "the host's",
		       (unsigned long long)atomic_load(&b->rtc.irqs),
		       (unsigned long long)atomic_load(&b->rtc.wakeups),
		       (long long)rtc_offset_seconds(&b->rtc));
	for (unsigned i = 0; i < b->nvirtio; i++) {
		struct virtio_mmio *t = b->virtio[i];
		for (unsigned q = 0; q < t->nqueues; q++) {
			const struct virtio_mmio_queue *vq = &t->queues[q];
			vm_log(vm, "%s %s queue %u: %llu notifies, %llu requests", t->ops->name,
			       b->virtio_label[i], q,
			       (unsigned long long)virtio_mmio_notifies(&t->queues[q]),
			       (unsigned long long)atomic_load(&vq->chains));
			/* What polling cost and saved: CPU time spun, wake-ups spared. */
			if (vq->poll_us || vq->poll_max_ns)
				vm_log(vm,
				       "%s %s queue %u: slept %llu times; polled %.3f ms, finding "
				       "work %llu times",
				       t->ops->name, b->virtio_label[i], q,
				       (unsigned long long)atomic_load(&vq->sleeps),
				       (double)atomic_load(&vq->spin_ns) / 1e6,
				       (unsigned long long)atomic_load(&vq->spin_hits));
		}
		if (atomic_load(&t->resets_requested))
			vm_log(vm, "%s %s asked for a reset %u time(s), last: %s", t->ops->name,
			       b->virtio_label[i], atomic_load(&t->resets_requested), t->error);
	}
	for (unsigned i = 0; i < b->nnets; i++) {
		const struct virtio_net *n = &b->nets[i].net;
		vm_log(
		    vm,
		    "virtio-net %s: rx %llu frames (%llu dropped), tx %llu frames (%llu dropped)",
		    n->name, (unsigned long long)atomic_load(&n->rx_frames),
		    (unsigned long long)atomic_load(&n->rx_dropped),
		    (unsigned long long)atomic_load(&n->tx_frames),
		    (unsigned long long)atomic_load(&n->tx_dropped));
	}
	if (b->has_rng)
		vm_log(vm,
		       "virtio-rng: %llu bytes given, %llu request(s) refused, %llu getrandom "
		       "error(s)",
		       (unsigned long long)atomic_load(&b->rng.rng.bytes),
		       (unsigned long long)atomic_load(&b->rng.rng.rejected),
		       (unsigned long long)atomic_load(&b->rng.rng.failures));
}
