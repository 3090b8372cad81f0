/* Copying to, from and between iovec lists: the shape every device sees a request in. */
#ifndef KVMINI_IOV_H
#define KVMINI_IOV_H

#include <stddef.h>
#include <sys/uio.h>

/*
 * Copies between an iovec list and a flat buffer, from byte `offset` of the list. Return the
 * bytes copied, which is less than len only when the list is shorter.
 */
size_t iov_to_buf(const struct iovec *iov, unsigned n, size_t offset, void *buf, size_t len);
size_t iov_from_buf(const struct iovec *iov, unsigned n, size_t offset, const void *buf,
		    size_t len);

/* Bytes [offset, offset + len) of an iovec list as a new list in dst; returns its length. */
unsigned iov_slice(const struct iovec *src, unsigned n, size_t offset, size_t len,
		   struct iovec *dst);

#endif
