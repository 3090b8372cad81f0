#include "vmm/kvm_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

const char *const kvm_stat_names[] = {
    "exits",	      "io_exits",	  "mmio_exits",	  "halt_exits",
    "irq_exits",      "irq_window_exits", "signal_exits", "insn_emulation",
    "irq_injections", "hypercalls",	  "halt_wait_ns",
};
const unsigned kvm_stat_count = sizeof(kvm_stat_names) / sizeof(kvm_stat_names[0]);

int kvm_stats_open(struct kvm_stats *s, int vcpu_fd, struct err *err)
{
	for (unsigned i = 0; i < KVM_STATS_MAX; i++)
		s->offset[i] = -1;
	s->fd = ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (s->fd < 0)
		return err_set(err, "KVM_GET_STATS_FD failed: %s", strerror(errno));
	struct kvm_stats_header h;
	if (pread(s->fd, &h, sizeof(h), 0) != sizeof(h))
		goto bad;
	s->data_offset = h.data_offset;
	size_t desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	if (h.num_desc > 4096 || h.name_size > 4096)
		goto bad;
	char *descs = malloc(desc_size * h.num_desc);
	if (!descs || pread(s->fd, descs, desc_size * h.num_desc, h.desc_offset) !=
			  (ssize_t)(desc_size * h.num_desc)) {
		free(descs);
		goto bad;
	}
	for (uint32_t i = 0; i < h.num_desc; i++) {
		const struct kvm_stats_desc *d = (const void *)(descs + i * desc_size);
		if ((d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE || d->size != 1)
			continue;
		for (unsigned k = 0; k < kvm_stat_count; k++)
			if (strncmp(d->name, kvm_stat_names[k], h.name_size) == 0)
				s->offset[k] = d->offset;
	}
	free(descs);
	return 0;
bad:
	kvm_stats_close(s);
	return err_set(err, "unreadable KVM statistics header");
}

void kvm_stats_close(struct kvm_stats *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

void kvm_stats_read(const struct kvm_stats *s, uint64_t *values)
{
	for (unsigned k = 0; k < kvm_stat_count; k++) {
		values[k] = 0;
		if (s->fd >= 0 && s->offset[k] >= 0 &&
		    pread(s->fd, &values[k], sizeof(uint64_t),
			  (off_t)(s->data_offset + (uint64_t)s->offset[k])) != sizeof(uint64_t))
			values[k] = 0;
	}
}
