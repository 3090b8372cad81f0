#include "vmm/board.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "boot/devicetree.h"
#include "boot/linux_boot.h"
#include "vmm/vcpu.h"

#define DTB_MAX_SIZE (64 << 10)

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

static int plug_devices(struct board *b, struct vm *vm, struct err *err)
{
	serial_init(&b->serial, STDOUT_FILENO, vm_irq_line(vm, SERIAL_COM1_IRQ));
	if (serial_register(&b->serial, &vm->pio, SERIAL_COM1_BASE) ||
	    i8042_register(&b->i8042, &vm->pio, vm_machine_ctl(vm)) ||
	    test_exit_register(&b->test_exit, &vm->pio, vm_machine_ctl(vm)))
		return err_set(err, "device address ranges overlap (a kvmini bug)");
	return 0;
}

int board_setup(struct board *b, struct vm *vm, const struct kvmini_config *cfg, struct err *err)
{
	if (plug_devices(b, vm, err))
		return KVMINI_EXIT_FAILURE;

	static uint8_t dtb[DTB_MAX_SIZE];
	struct dt_params dtp = {.ncpus = vm->ncpus, .mem = &vm->mem};
	int dtb_size = dt_build(dtb, sizeof(dtb), &dtp, err);
	if (dtb_size < 0)
		return KVMINI_EXIT_FAILURE;
	if (cfg->dump_dtb && write_file(cfg->dump_dtb, dtb, (size_t)dtb_size, err))
		return KVMINI_EXIT_USAGE;

	struct linux_boot_args args = {
	    .kernel_path = cfg->kernel,
	    .initrd_path = cfg->initrd,
	    .cmdline = cfg->cmdline,
	    .dtb = dtb,
	    .dtb_size = (size_t)dtb_size,
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
	serial_destroy(&b->serial);
}
