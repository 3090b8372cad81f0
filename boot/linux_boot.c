#include "boot/linux_boot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asm/bootparam.h>

#include "boot/boot_params.h"
#include "boot/bzimage.h"
#include "boot/cpu_state.h"
#include "platform/layout.h"

int boot_read_file(const char *what, const char *path, uint64_t max, uint8_t **data, size_t *size,
		   struct err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, "cannot open %s '%s': %s; check the path", what, path,
			       strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(err, "%s '%s' is not a regular file; pass a file", what, path);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return err_set(err, "%s '%s' (%llu MiB) cannot fit in guest RAM; raise --mem", what,
			       path, (unsigned long long)st.st_size >> 20);
	}
	size_t len = (size_t)st.st_size;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		close(fd);
		return err_set(err, "out of memory reading %s '%s'", what, path);
	}
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			free(buf);
			close(fd);
			/* A file that shrank under us is as unusable as one that cannot be read. */
			return err_set(err, "cannot read %s '%s': %s", what, path, strerror(e));
		}
		got += (size_t)n;
	}
	close(fd);
	*data = buf;
	*size = len;
	return 0;
}

/* setup_data node + blob, 8-byte aligned, below the EBDA. */
static int put_setup_data(const struct guest_mem *gm, uint32_t type, const void *blob, size_t len,
			  uint64_t *gpa, struct err *err)
{
	uint64_t addr = BOOT_SETUP_DATA_ADDR;
	if (len > BOOT_SETUP_DATA_END - addr - sizeof(struct setup_data))
		return err_set(err, "device tree too large (%zu bytes)", len);
	struct setup_data sd = {.next = 0, .type = type, .len = (uint32_t)len};
	if (!gm_write(gm, addr, &sd, sizeof(sd)) || !gm_write(gm, addr + sizeof(sd), blob, len))
		return err_set(err, "guest RAM too small for boot data; raise --mem");
	*gpa = addr;
	return 0;
}

int linux_boot_load(const struct guest_mem *gm, const struct linux_boot_args *args,
		    struct linux_boot_entry *entry, struct err *err)
{
	uint8_t *kbuf = NULL, *ibuf = NULL;
	size_t ksize = 0, isize = 0;
	struct err sub;
	int rc = -1;

	if (boot_read_file("kernel", args->kernel_path, gm->ram_size, &kbuf, &ksize, err))
		return -1;
	struct bzimage bz;
	if (bzimage_parse(kbuf, ksize, &bz, &sub)) {
		err_set(err, "kernel '%s' %s", args->kernel_path, sub.msg);
		goto out;
	}

	uint64_t kernel_end = BOOT_KERNEL_ADDR + bzimage_load_size(&bz);
	if (kernel_end > gm_low_end(gm)) {
		err_set(err, "kernel '%s' needs %llu MiB from 1 MiB up; raise --mem",
			args->kernel_path, (unsigned long long)(bzimage_load_size(&bz) >> 20) + 1);
		goto out;
	}
	if (!gm_write(gm, BOOT_KERNEL_ADDR, bz.kernel, bz.kernel_size)) {
		err_set(err, "kernel '%s' does not fit in guest RAM; raise --mem",
			args->kernel_path);
		goto out;
	}

	size_t cmdlen = strlen(args->cmdline);
	if (cmdlen > bp_cmdline_max(&bz.hdr)) {
		err_set(err, "command line is %zu bytes; this kernel accepts at most %zu", cmdlen,
			bp_cmdline_max(&bz.hdr));
		goto out;
	}
	gm_write(gm, BOOT_CMDLINE_ADDR, args->cmdline, cmdlen + 1);

	struct bp_args bpa = {.cmdline_gpa = BOOT_CMDLINE_ADDR, .acpi_rsdp_gpa = args->acpi_rsdp};
	if (args->initrd_path) {
		if (boot_read_file("initrd", args->initrd_path, gm->ram_size, &ibuf, &isize, err))
			goto out;
		if (bp_place_initrd(gm, &bz.hdr, kernel_end, isize, &bpa.initrd_gpa, &sub)) {
			err_set(err, "initrd '%s' %s", args->initrd_path, sub.msg);
			goto out;
		}
		gm_write(gm, bpa.initrd_gpa, ibuf, isize);
		bpa.initrd_size = isize;
	}
	if (args->dtb &&
	    put_setup_data(gm, SETUP_DTB, args->dtb, args->dtb_size, &bpa.setup_data_gpa, err))
		goto out;

	struct boot_params *bp = gm_ptr(gm, BOOT_PARAMS_ADDR, sizeof(*bp));
	if (!bp || boot_write_tables(gm)) {
		err_set(err, "guest RAM too small for boot data; raise --mem");
		goto out;
	}
	bp_fill(bp, &bz, gm, &bpa);
	entry->rip = BOOT_KERNEL_ADDR + BZ_ENTRY64_OFFSET;
	entry->boot_params = BOOT_PARAMS_ADDR;
	rc = 0;
out:
	free(kbuf);
	free(ibuf);
	return rc;
}
