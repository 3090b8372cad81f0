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

/*
 * A new image of `sectors` holding seed's pattern over sectors [first, last] and the
 * background everywhere else. Returns the guest's checksum of the range.
 */
uint32_t make_pattern_image(const char *path, uint64_t sectors, uint64_t seed, uint64_t first,
			    uint64_t last);

/*
 * The image at path holds seed's pattern over sectors [first, last] and the background
 * everywhere else, byte for byte (or the current test fails). Returns the guest's checksum of
 * the range.
 */
uint32_t check_image(const char *path, uint64_t first, uint64_t last, uint64_t seed);

/* Every byte of the image at path is still the background make_image wrote. */
void expect_untouched(const char *path);

/*
 * A new 1 MiB image of zeros, "/tmp/kvmini-<tag>-XXXXXX", its name in path (64 bytes are
 * plenty), for a test that needs a disk but not its data. Returns 0 or -1, as cmocka set-up
 * wants.
 */
int blank_image(char *path, size_t len, const char *tag);

/*
 * The suite's scratch directory for its images ("/tmp/kvmini-<tag>-XXXXXX"), and its removal
 * with every file in it: cmocka group set-up and tear-down, returning 0 or -1.
 */
int scratch_make(const char *tag);
int scratch_remove(void);

/* The same with cmocka's group signature; the tag is the suite's program name. */
int scratch_group_setup(void **state);
int scratch_group_teardown(void **state);

/* The scratch directory, and the path of a file name in it. */
const char *scratch_dir(void);
void scratch_path(char *buf, size_t len, const char *name);

#endif
