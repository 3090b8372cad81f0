/*
 * Disk images for the integration tests, and the tiny guest's data pattern and checksum
 * (guest-kernels/tiny/scenarios/blk_common.h), recomputed independently on the host.
 */
#ifndef KVMINI_TEST_PATTERN_H
#define KVMINI_TEST_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define SECTOR	512
#define BG_SEED 999 /* what the host fills an image with before a test */

/* Byte `offset` of `sector` in seed's pattern: 64-bit little-endian words of a hash. */
uint8_t pattern_byte(uint64_t seed, uint64_t sector, uint32_t offset);

/* The pattern with `seed` over sectors [first, last] of buf (a whole image). */
void fill_pattern(uint8_t *buf, uint64_t seed, uint64_t first, uint64_t last);

/* The guest's checksum of bytes [from, to): s1 += w, s2 += s1 over LE 64-bit words. */
uint32_t checksum_bytes(const uint8_t *buf, size_t from, size_t to);

/* Whole-image I/O; any failure fails the current test. */
uint8_t *read_image(const char *path, size_t *len);
void write_image(const char *path, const uint8_t *buf, size_t len);

/* A new image of `sectors`, every byte the background pattern. */
void make_image(const char *path, uint64_t sectors);

/* A scratch directory for a test binary's images ("/tmp/kvmini-<tag>-XXXXXX"), and its removal
 * with every file in it. Return 0 or -1, as cmocka group set-up wants. */
int scratch_make(char *dir, size_t len, const char *tag);
int scratch_remove(const char *dir);

#endif
