#include "virtio/worker.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>

#include "core/clock.h"

static bool stopping(const struct virtio_mmio *t)
{
	return atomic_load(&t->stopping);
}

/*
 * Whether the queue may be served now: not broken, and the device not waiting for a reset
 * (DEVICE_NEEDS_RESET stops every queue, not only the one that failed).
 */
static bool serviceable(const struct virtio_mmio_queue *q)
{
	return !q->vq.error && !atomic_load(&q->t->halted);
}

/* Whether the device has completions of its own waiting (I/O in flight that finished). */
static bool device_ready(struct virtio_mmio_queue *q)
{
	return q->t->ops->queue_ready && q->t->ops->queue_ready(q->t->dev, q->index);
}

/*
 * One pass of the device over the queue, then the interrupt if the driver wants one. Returns
 * whether the device made progress: completed or consumed anything. A device can be unable
 * to (net RX holding a frame larger than the buffers posted so far).
 */
static bool run_device(struct virtio_mmio_queue *q)
{
	struct virtio_mmio *t = q->t;
	uint16_t before = q->vq.used_idx, taken = q->vq.last_avail;
	t->ops->handle_queue(t->dev, q->index, &q->vq, q->elem);
	atomic_fetch_add(&q->chains, (uint16_t)(q->vq.used_idx - before));
	if (q->vq.used_idx != before)
		virtio_mmio_used(t, q);
	if (q->vq.error)
		virtio_mmio_needs_reset(t, virtq_error_str(q->vq.error));
	return q->vq.used_idx != before || q->vq.last_avail != taken;
}

/*
 * Kicks stay off while we work (the driver need not exit to tell us what we will see
 * anyway); after turning them back on, look once more, or a chain published in between
 * would wait for a kick that never comes.
 */
static void service(struct virtio_mmio_queue *q)
{
	for (;;) {
		virtq_set_notify(&q->vq, false);
		uint16_t seen = virtq_avail_idx(&q->vq);
		bool progress = run_device(q);
		if (!serviceable(q))
			return;
		virtq_set_notify(&q->vq, true);
		if (stopping(q->t))
			return;
		/* Stuck on what is there: wait for the driver to publish more (it will kick). */
		if (progress ? !virtq_has_avail(&q->vq) : virtq_avail_idx(&q->vq) == seen)
			return;
	}
}

/*
 * Polling: kicks stay off from the moment we wake until the ring has been idle for budget_ns,
 * so a driver that keeps submitting meanwhile never needs to kick. Only after that are they
 * turned back on, with one last look for a chain published in between. The idle time spun
 * is counted in spin_ns, each wait the spin covered in spin_hits.
 */
static void poll_ring(struct virtio_mmio_queue *q, uint64_t budget_ns)
{
	uint64_t idle_since = now_ns(), spun = 0, hits = 0, t;
	bool first = true; /* what woke us is not polling's catch */
	virtq_set_notify(&q->vq, false);
	while (!stopping(q->t) && serviceable(q)) {
		if ((virtq_has_avail(&q->vq) || device_ready(q)) && run_device(q)) {
			/* Chains were consumed: move the event index along, out of the driver's reach. */
			virtq_set_notify(&q->vq, false);
			t = now_ns();
			if (!first) {
				spun += t - idle_since;
				hits++;
			}
			first = false;
			idle_since = now_ns();
		} else if ((t = now_ns()) - idle_since >= budget_ns) {
			spun += t - idle_since;
			break;
		} else {
			__builtin_ia32_pause();
		}
	}
	atomic_fetch_add_explicit(&q->spin_ns, spun, memory_order_relaxed);
	atomic_fetch_add_explicit(&q->spin_hits, hits, memory_order_relaxed);
	if (serviceable(q)) {
		virtq_set_notify(&q->vq, true);
		if (virtq_has_avail(&q->vq))
			service(q);
	}
}

/*
 * Adaptive polling, the default for virtio-blk, as QEMU's iothreads do it (poll-max-ns):
 * after serving, the worker polls (poll_ring) for poll_ns before it sleeps, so that a driver
 * submitting again soon after a completion, as a queue-depth-1 stream does, finds it awake: no
 * kick, no sleep, no wake-up. The price is the CPU time spun (spin_ns: --verbose reports it,
 * bench/blk shows it), so poll_ns tunes itself from how long each sleep lasted, as QEMU's does:
 * a wait the spin covered changes nothing; a wait longer than poll_max_ns halves poll_ns
 * (spinning would not have caught it); one in between doubles it (from 4 us, up to the max).
 */
static void adapt(struct virtio_mmio_queue *q, uint64_t block_ns)
{
	if (block_ns <= q->poll_ns)
		return;
	if (block_ns > q->poll_max_ns)
		q->poll_ns /= 2;
	else if (q->poll_ns < q->poll_max_ns)
		q->poll_ns = q->poll_ns ? q->poll_ns * 2 : 4000;
	if (q->poll_ns > q->poll_max_ns)
		q->poll_ns = q->poll_max_ns;
	if (q->poll_ns < 1000)
		q->poll_ns = 0; /* too short to catch anything: sleep at once */
}

/*
 * Session over: the device finishes (or waits out) what it has in flight, so nothing touches
 * guest RAM once the transport reports the queue stopped.
 */
static void quiesce(struct virtio_mmio_queue *q)
{
	if (q->t->ops->queue_quiesce)
		q->t->ops->queue_quiesce(q->t->dev, q->index);
}

/* One session of a queue, from DRIVER_OK until the transport asks its workers to stop. */
static void serve(struct virtio_mmio_queue *q)
{
	struct virtio_mmio *t = q->t;
	/*
	 * A polling queue starts polling. A notified one just waits: a chain published before we
	 * started came with a kick, still counted in the eventfd, and toggling notifications here
	 * would race the driver's first request (it may see them off and not kick at all).
	 */
	if (q->poll_us)
		poll_ring(q, (uint64_t)q->poll_us * 1000);
	while (!stopping(t)) {
		uint64_t slept = now_ns();
		/*
		 * The device's own fd (net RX: the tap) only while the queue can be served: a
		 * readable fd nobody will read would wake us at once, forever.
		 */
		int extra =
		    t->ops->queue_fd && serviceable(q) ? t->ops->queue_fd(t->dev, q->index) : -1;
		struct pollfd fds[3] = {{.fd = q->notify_fd, .events = POLLIN},
					{.fd = t->stop_fd, .events = POLLIN},
					{.fd = extra, .events = POLLIN}};
		if (poll(fds, 3, -1) < 0 && errno != EINTR)
			break;
		if (stopping(t))
			break;
		atomic_fetch_add_explicit(&q->sleeps, 1, memory_order_relaxed);
		if (q->poll_max_ns) /* the whole wait: the spin that gave up, then the sleep */
			adapt(q, q->poll_ns + (now_ns() - slept));
		virtio_mmio_take_kicks(q);
		if (!serviceable(q))
			continue; /* kicks are taken and counted; nothing is served until reset */
		/* Not service() then poll: kicks re-enabled in between would invite one more. */
		if (q->poll_us)
			poll_ring(q, (uint64_t)q->poll_us * 1000);
		else if (q->poll_ns)
			poll_ring(q, q->poll_ns);
		else
			service(q);
	}
	quiesce(q);
}

/*
 * A queue's thread lives as long as the transport: created at set-up (so it can confine
 * itself before the guest runs, and a guest cannot make kvmini create threads), it parks
 * until DRIVER_OK, serves one session, and parks again at reset.
 */
static void *worker(void *arg)
{
	struct virtio_mmio_queue *q = arg;
	struct virtio_mmio *t = q->t;
	if (t->thread_init)
		t->thread_init(t->thread_ctx, q);
	pthread_mutex_lock(&q->park_lock);
	q->confined = true;
	pthread_cond_broadcast(&q->park_cond);
	for (;;) {
		while (!q->go && !q->quit)
			pthread_cond_wait(&q->park_cond, &q->park_lock);
		if (q->quit)
			break;
		q->busy = true;
		pthread_mutex_unlock(&q->park_lock);
		serve(q);
		pthread_mutex_lock(&q->park_lock);
		q->go = q->busy = false;
		pthread_cond_broadcast(&q->park_cond);
	}
	pthread_mutex_unlock(&q->park_lock);
	return NULL;
}

int vq_workers_spawn(struct virtio_mmio *t)
{
	for (unsigned i = 0; i < t->nqueues; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];
		int rc = pthread_create(&q->thread, NULL, worker, q);
		if (rc)
			return rc;
		q->spawned = true;
	}
	/* Back only once every thread has confined itself: none is ever seen unconfined. */
	for (unsigned i = 0; i < t->nqueues; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];
		pthread_mutex_lock(&q->park_lock);
		while (!q->confined)
			pthread_cond_wait(&q->park_cond, &q->park_lock);
		pthread_mutex_unlock(&q->park_lock);
	}
	return 0;
}

int vq_worker_start(struct virtio_mmio_queue *q)
{
	if (!q->spawned)
		return -1;
	pthread_mutex_lock(&q->park_lock);
	q->go = true;
	pthread_cond_broadcast(&q->park_cond);
	pthread_mutex_unlock(&q->park_lock);
	q->running = true;
	return 0;
}

void vq_workers_stop(struct virtio_mmio *t)
{
	atomic_store(&t->stopping, true);
	eventfd_write(t->stop_fd, 1);
	for (unsigned i = 0; i < t->nqueues; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];
		pthread_mutex_lock(&q->park_lock);
		while (q->go || q->busy)
			pthread_cond_wait(&q->park_cond, &q->park_lock);
		pthread_mutex_unlock(&q->park_lock);
		q->running = false;
	}
	eventfd_t v;
	eventfd_read(t->stop_fd, &v);
	atomic_store(&t->stopping, false);
}

void vq_workers_join(struct virtio_mmio *t)
{
	vq_workers_stop(t);
	for (unsigned i = 0; i < t->nqueues; i++) {
		struct virtio_mmio_queue *q = &t->queues[i];
		if (!q->spawned)
			continue;
		pthread_mutex_lock(&q->park_lock);
		q->quit = true;
		pthread_cond_broadcast(&q->park_cond);
		pthread_mutex_unlock(&q->park_lock);
		pthread_join(q->thread, NULL);
		q->spawned = false;
	}
}
