#include "virtio/blk.h"
#include "virtio/blk_uring.h"

#include <errno.h>
#include <string.h>

#include <linux/virtio_ids.h>

#define F(bit) (1ULL << (bit))

static uint64_t blk_features(void *dev)
{
	struct virtio_blk *b = dev;
	uint64_t f = F(VIRTIO_BLK_F_SEG_MAX) | F(VIRTIO_BLK_F_BLK_SIZE) | F(VIRTIO_BLK_F_FLUSH);
	if (b->disk->ro)
		f |= F(VIRTIO_BLK_F_RO);
	else
		f |= F(VIRTIO_BLK_F_DISCARD) | F(VIRTIO_BLK_F_WRITE_ZEROES);
	if (b->nqueues > 1)
		f |= F(VIRTIO_BLK_F_MQ);
	return f;
}

static const void *blk_config(void *dev)
{
	struct virtio_blk *b = dev;
	return &b->config;
}

static int blk_activate(void *dev, uint64_t features)
{
	struct virtio_blk *b = dev;
	b->features = features;
	return 0;
}

static void blk_reset(void *dev)
{
	struct virtio_blk *b = dev;
	b->features = 0;
}

/* Sector range check that no sector or count from a guest can overflow. */
static bool in_range(const struct virtio_blk *b, uint64_t sector, uint64_t nsectors)
{
	uint64_t cap = b->config.capacity;
	return sector <= cap && nsectors <= cap - sector;
}

struct blk_req {
	struct virtio_blk *b;
	const struct virtq_elem *elem;
	struct virtio_blk_outhdr hdr;
	size_t data_out; /* readable bytes after the header */
	size_t data_in;	 /* writable bytes before the status byte */
	struct iovec iov[VIRTQ_MAX_SEGS];
};

static const struct iovec *out_iov(const struct blk_req *r)
{
	return r->elem->iov;
}

static const struct iovec *in_iov(const struct blk_req *r)
{
	return r->elem->iov + r->elem->nout;
}

static int do_rw(struct blk_req *r, bool write, size_t *written)
{
	struct virtio_blk *b = r->b;
	size_t len = write ? r->data_out : r->data_in;
	if (len % BLK_SECTOR || !in_range(b, r->hdr.sector, len / BLK_SECTOR))
		return VIRTIO_BLK_S_IOERR;
	if (write && b->disk->ro)
		return VIRTIO_BLK_S_IOERR;
	if (len == 0)
		return VIRTIO_BLK_S_OK;
	unsigned n = write ? iov_slice(out_iov(r), r->elem->nout, sizeof(r->hdr), len, r->iov)
			   : iov_slice(in_iov(r), r->elem->nin, 0, len, r->iov);
	uint64_t off = r->hdr.sector * BLK_SECTOR;
	int rc = write ? b->disk->ops->writev(b->disk, r->iov, n, off)
		       : b->disk->ops->readv(b->disk, r->iov, n, off);
	if (rc)
		return VIRTIO_BLK_S_IOERR;
	/* Without FLUSH negotiated the driver assumes write-through (5.2.6.2). */
	if (write && !(b->features & F(VIRTIO_BLK_F_FLUSH)) && b->disk->ops->flush(b->disk))
		return VIRTIO_BLK_S_IOERR;
	if (!write)
		*written = len;
	return VIRTIO_BLK_S_OK;
}

static int do_get_id(struct blk_req *r, size_t *written)
{
	size_t n = r->data_in < VIRTIO_BLK_ID_BYTES ? r->data_in : VIRTIO_BLK_ID_BYTES;
	*written = iov_from_buf(in_iov(r), r->elem->nin, 0, r->b->serial, n);
	return VIRTIO_BLK_S_OK;
}

static int do_discard_or_zero(struct blk_req *r, bool zero)
{
	struct virtio_blk *b = r->b;
	uint64_t need = zero ? F(VIRTIO_BLK_F_WRITE_ZEROES) : F(VIRTIO_BLK_F_DISCARD);
	if (!(b->features & need))
		return VIRTIO_BLK_S_UNSUPP;
	if (b->disk->ro)
		return VIRTIO_BLK_S_IOERR;
	struct virtio_blk_discard_write_zeroes seg[BLK_MAX_DWZ_SEGS];
	size_t nseg = r->data_out / sizeof(seg[0]);
	if (r->data_out % sizeof(seg[0]) || nseg == 0 || nseg > BLK_MAX_DWZ_SEGS)
		return VIRTIO_BLK_S_UNSUPP;
	iov_to_buf(out_iov(r), r->elem->nout, sizeof(r->hdr), seg, r->data_out);
	/* Check every range before touching any, so a bad request changes nothing. */
	for (size_t i = 0; i < nseg; i++) {
		uint32_t flags = seg[i].flags;
		if (flags & ~(uint32_t)(zero ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0))
			return VIRTIO_BLK_S_UNSUPP;
		if (seg[i].num_sectors > BLK_MAX_DWZ_SECTORS ||
		    !in_range(b, seg[i].sector, seg[i].num_sectors))
			return VIRTIO_BLK_S_IOERR;
	}
	for (size_t i = 0; i < nseg; i++) {
		uint64_t off = seg[i].sector * BLK_SECTOR,
			 len = (uint64_t)seg[i].num_sectors * BLK_SECTOR;
		int rc =
		    zero ? b->disk->ops->write_zeroes(
			       b->disk, off, len, seg[i].flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)
			 : b->disk->ops->discard(b->disk, off, len);
		if (rc)
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

int virtio_blk_request(struct virtio_blk *b, const struct virtq_elem *elem, uint32_t *used_len)
{
	/* The status byte is the last writable byte; without one nothing can be reported. */
	if (elem->in_len == 0)
		return -1;
	struct blk_req r; /* ~16 KiB of iovecs: fine on a worker thread's 8 MiB stack */
	r.b = b;
	r.elem = elem;
	r.data_in = elem->in_len - 1;
	size_t written = 0;
	uint8_t status;
	if (elem->out_len < sizeof(r.hdr)) {
		status = VIRTIO_BLK_S_IOERR; /* header too short */
	} else {
		iov_to_buf(elem->iov, elem->nout, 0, &r.hdr, sizeof(r.hdr));
		r.data_out = elem->out_len - sizeof(r.hdr);
		switch (r.hdr.type) {
		case VIRTIO_BLK_T_IN:
			status = do_rw(&r, false, &written);
			break;
		case VIRTIO_BLK_T_OUT:
			status = do_rw(&r, true, &written);
			break;
		case VIRTIO_BLK_T_FLUSH:
			status =
			    b->disk->ops->flush(b->disk) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
			break;
		case VIRTIO_BLK_T_GET_ID:
			status = do_get_id(&r, &written);
			break;
		case VIRTIO_BLK_T_DISCARD:
			status = do_discard_or_zero(&r, false);
			break;
		case VIRTIO_BLK_T_WRITE_ZEROES:
			status = do_discard_or_zero(&r, true);
			break;
		default:
			status = VIRTIO_BLK_S_UNSUPP;
			break;
		}
	}
	iov_from_buf(in_iov(&r), elem->nin, r.data_in, &status, 1);
	/* written < in_len <= UINT32_MAX (virtq_pop caps a chain), so this cannot wrap. */
	*used_len = (uint32_t)(written + 1);
	return 0;
}

bool virtio_blk_write_through(const struct virtio_blk *b)
{
	return !(b->features & F(VIRTIO_BLK_F_FLUSH));
}

enum blk_route virtio_blk_route(const struct virtio_blk *b, const struct virtq_elem *elem,
				struct blk_rw *rw, struct iovec *iov)
{
	struct virtio_blk_outhdr hdr;
	if (elem->in_len == 0 || elem->out_len < sizeof(hdr))
		return BLK_NOW;
	iov_to_buf(elem->iov, elem->nout, 0, &hdr, sizeof(hdr));
	/* virtq_pop keeps no empty buffers: the last writable one ends in the status byte. */
	const struct iovec *last = &elem->iov[elem->nout + elem->nin - 1];
	rw->status = (uint8_t *)last->iov_base + last->iov_len - 1;
	if (hdr.type == VIRTIO_BLK_T_FLUSH)
		return BLK_FLUSH;
	if (hdr.type != VIRTIO_BLK_T_IN && hdr.type != VIRTIO_BLK_T_OUT)
		return BLK_NOW;
	/* The same checks as do_rw(); whatever fails them gets its answer there. */
	rw->write = hdr.type == VIRTIO_BLK_T_OUT;
	rw->len = rw->write ? elem->out_len - sizeof(hdr) : elem->in_len - 1u;
	if (rw->len == 0 || rw->len % BLK_SECTOR ||
	    !in_range(b, hdr.sector, rw->len / BLK_SECTOR) || (rw->write && b->disk->ro))
		return BLK_NOW;
	rw->off = hdr.sector * BLK_SECTOR;
	rw->n = rw->write ? iov_slice(elem->iov, elem->nout, sizeof(hdr), rw->len, iov)
			  : iov_slice(elem->iov + elem->nout, elem->nin, 0, rw->len, iov);
	return BLK_RW;
}

static void blk_handle_queue(void *dev, unsigned q, struct virtq *vq, struct virtq_elem *elem)
{
	struct virtio_blk *b = dev;
	if (b->uring[q]) {
		virtio_blk_uring_handle(b, q, vq, elem);
		return;
	}
	for (unsigned n = 0; n < vq->size && virtq_pop(vq, elem) > 0; n++) {
		uint32_t written;
		if (virtio_blk_request(b, elem, &written)) {
			/* Nowhere to say how it went: completed empty; the driver must reset us. */
			virtq_fail(vq, elem->head, VQ_ERR_NO_STATUS);
			break;
		}
		virtq_push(vq, elem->head, written);
	}
}

const struct virtio_device_ops virtio_blk_ops = {
    .name = "virtio-blk",
    .device_id = VIRTIO_ID_BLOCK,
    .config_size = sizeof(struct virtio_blk_config),
    .features = blk_features,
    .config = blk_config,
    .activate = blk_activate,
    .handle_queue = blk_handle_queue,
    .reset = blk_reset,
    .queue_fd = virtio_blk_uring_fd,
    .queue_ready = virtio_blk_uring_ready,
    .queue_quiesce = virtio_blk_uring_quiesce,
};

void virtio_blk_init(struct virtio_blk *b, struct disk *disk, const char *serial, unsigned nqueues)
{
	memset(b, 0, sizeof(*b));
	b->disk = disk;
	b->nqueues = nqueues;
	/* Exactly 20 bytes, NUL-padded, and without a terminator when the serial fills them. */
	size_t n = strnlen(serial, sizeof(b->serial));
	memcpy(b->serial, serial, n);
	struct virtio_blk_config *c = &b->config;
	c->capacity = disk->size / BLK_SECTOR;
	/* Two descriptors of every chain are the header and the status byte. */
	c->seg_max = BLK_QUEUE_SIZE - 2;
	c->blk_size = BLK_SECTOR;
	c->num_queues = (uint16_t)nqueues;
	c->max_discard_sectors = BLK_MAX_DWZ_SECTORS;
	c->max_discard_seg = BLK_MAX_DWZ_SEGS;
	c->discard_sector_alignment = 1;
	c->max_write_zeroes_sectors = BLK_MAX_DWZ_SECTORS;
	c->max_write_zeroes_seg = BLK_MAX_DWZ_SEGS;
	c->write_zeroes_may_unmap = 1;
}
