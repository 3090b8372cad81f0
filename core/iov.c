#include "core/iov.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* The byte walk behind both copy directions. */
static size_t iov_copy(const struct iovec *iov, unsigned n, size_t offset, uint8_t *buf, size_t len,
		       bool to_buf)
{
	size_t done = 0;
	for (unsigned i = 0; i < n && done < len; i++) {
		if (offset >= iov[i].iov_len) {
			offset -= iov[i].iov_len;
			continue;
		}
		size_t take = iov[i].iov_len - offset;
		if (take > len - done)
			take = len - done;
		uint8_t *p = (uint8_t *)iov[i].iov_base + offset;
		memcpy(to_buf ? buf + done : p, to_buf ? p : buf + done, take);
		done += take;
		offset = 0;
	}
	return done;
}

size_t iov_to_buf(const struct iovec *iov, unsigned n, size_t offset, void *buf, size_t len)
{
	return iov_copy(iov, n, offset, buf, len, true);
}

size_t iov_from_buf(const struct iovec *iov, unsigned n, size_t offset, const void *buf, size_t len)
{
	return iov_copy(iov, n, offset, (uint8_t *)buf, len, false);
}

unsigned iov_slice(const struct iovec *src, unsigned n, size_t offset, size_t len,
		   struct iovec *dst)
{
	unsigned out = 0;
	for (unsigned i = 0; i < n && len; i++) {
		if (offset >= src[i].iov_len) {
			offset -= src[i].iov_len;
			continue;
		}
		size_t take = src[i].iov_len - offset;
		if (take > len)
			take = len;
		dst[out++] = (struct iovec){(uint8_t *)src[i].iov_base + offset, take};
		len -= take;
		offset = 0;
	}
	return out;
}
