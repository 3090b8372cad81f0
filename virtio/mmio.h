/*
 * The virtio-mmio transport, version 2 register layout (virtio 1.2, section 4.2.2). One
 * instance per device, on the MMIO bus. QueueNotify writes are meant to be caught by KVM
 * (an ioeventfd per queue on notify_fd, datamatch = queue index); completions leave through
 * irq_fd (a KVM irqfd). Without KVM, tests drive the same eventfds directly.
 */
#ifndef KVMINI_VIRTIO_MMIO_H
#define KVMINI_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_mmio.h>

#include "devices/bus.h"
#include "virtio/device.h"
#include "virtio/virtqueue.h"
#include "core/err.h"
#include "core/guest_mem.h"

#define VIRTIO_MMIO_SIZE       0x200
#define VIRTIO_MMIO_MAGIC      0x74726976 /* "virt" */
#define VIRTIO_MMIO_VENDOR     0x494D564B /* "KVMI" */
#define VIRTIO_MMIO_NOTIFY_OFF VIRTIO_MMIO_QUEUE_NOTIFY

struct virtio_mmio;

struct virtio_mmio_queue {
	struct virtio_mmio *t;
	unsigned index;
	/* Registers as the driver wrote them; the vq is built from them at QueueReady. */
	uint32_t num;
	bool ready;
	uint64_t desc, driver, device;
	struct virtq vq;
	struct virtq_elem *elem; /* the worker's scratch chain */
	int notify_fd;		 /* eventfd the guest's QueueNotify lands on */
	unsigned poll_us;	 /* 0: sleep until notified */
	/*
	 * Adaptive polling (virtio/worker.c): after serving, poll for poll_ns before sleeping,
	 * self-tuned up to poll_max_ns (0: never). The worker's own, but for the totals below
	 * (--verbose reports them: the CPU time polling costs, and the wake-ups it saves).
	 */
	uint64_t poll_max_ns, poll_ns;
	atomic_ullong spin_ns;	 /* time spent polling an idle ring, in all */
	atomic_ullong spin_hits; /* times polling found work: no kick, no sleep, no wake-up */
	atomic_ullong sleeps;	 /* times the worker slept and was woken */
	pthread_t thread;	 /* lives from virtio_mmio_spawn_workers() to destroy */
	bool spawned;
	/*
	 * A session is live (DRIVER_OK .. reset): set and cleared only by Status writes (under
	 * ctl_lock) and teardown.
	 */
	bool running;
	/* The thread's parking place between sessions; see virtio/worker.c. */
	pthread_mutex_t park_lock;
	pthread_cond_t park_cond;
	bool go, busy, quit;
	bool confined;		    /* thread_init has returned: set once, before the guest runs */
	pthread_mutex_t count_lock; /* notifies + what still waits in notify_fd, consistently */
	uint64_t notifies;	    /* kicks counted: each is one guest write to QueueNotify */
	uint64_t credited;	    /* of those, still in notify_fd (put back by a sampler) */
	atomic_ullong chains;	    /* chains the device completed */
};

struct virtio_mmio {
	const struct virtio_device_ops *ops;
	void *dev;
	const struct guest_mem *mem;
	uint64_t base;
	unsigned irq; /* GSI of this device's interrupt */
	int irq_fd;   /* eventfd: written to raise the interrupt */
	unsigned nqueues;
	uint16_t queue_max;

	pthread_mutex_t ctl_lock; /* serializes Status transitions (activate/reset) */
	pthread_mutex_t lock;	  /* guards the registers below */
	uint32_t status;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t driver_features;
	uint32_t config_generation;
	atomic_uint interrupt_status;
	struct virtio_mmio_queue *queues;

	/* Called first on every queue thread, e.g. to confine it (set before spawning). */
	void (*thread_init)(void *ctx, struct virtio_mmio_queue *q);
	void *thread_ctx;

	int stop_fd; /* eventfd that wakes workers to stop */
	atomic_bool stopping;
	atomic_bool halted; /* DEVICE_NEEDS_RESET is set: workers serve nothing until reset */
	atomic_uint resets_requested; /* times the device set DEVICE_NEEDS_RESET */
	char error[128];	      /* why, the last time */
};

extern const struct bus_device_ops virtio_mmio_bus_ops;

int virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops, void *dev,
		     const struct guest_mem *mem, uint64_t base, unsigned irq, unsigned nqueues,
		     uint16_t queue_max, unsigned poll_us, struct err *err);
/*
 * Creates the queue threads, parked until the driver sets DRIVER_OK. thread_init (may be
 * NULL) runs first on each. Call once, before the guest runs. Returns 0 or -1 with err set.
 */
int virtio_mmio_spawn_workers(struct virtio_mmio *t,
			      void (*thread_init)(void *ctx, struct virtio_mmio_queue *q),
			      void *ctx, struct err *err);
void virtio_mmio_destroy(struct virtio_mmio *t);
int virtio_mmio_register(struct virtio_mmio *t, struct bus *mmio);

/*
 * Adaptive polling on every queue of t, up to max_us (0: off); before the workers start. Not
 * with poll_us, which polls for a fixed time instead.
 */
void virtio_mmio_set_adaptive_poll(struct virtio_mmio *t, unsigned max_us);

/* From a worker (or the transport): the device is in an error state the driver must reset. */
void virtio_mmio_needs_reset(struct virtio_mmio *t, const char *why);

/*
 * Every QueueNotify write so far, including kicks still waiting in the eventfd (a polling
 * worker reads them late): exact at any moment, for exit accounting.
 */
uint64_t virtio_mmio_notifies(struct virtio_mmio_queue *q);

/* Takes and counts the kicks waiting in q's eventfd; returns how many there were. */
uint64_t virtio_mmio_take_kicks(struct virtio_mmio_queue *q);

/* From a worker: raise the used-buffer interrupt if the driver wants one for queue q. */
void virtio_mmio_used(struct virtio_mmio *t, struct virtio_mmio_queue *q);

#endif
