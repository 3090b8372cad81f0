#include "pattern.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define PATTERN_A 0x9e3779b97f4a7c15ULL
#define PATTERN_B 0xbf58476d1ce4e5b9ULL

uint8_t pattern_byte(uint64_t seed, uint64_t sector, uint32_t offset)
{
	uint64_t w = (sector * 64 + offset / 8 + 1) * PATTERN_A + seed * PATTERN_B;
	return (uint8_t)(w >> (8 * (offset % 8)));
}

void fill_pattern(uint8_t *buf, uint64_t seed, uint64_t first, uint64_t last)
{
	for (uint64_t s = first; s <= last; s++)
		for (uint32_t off = 0; off < SECTOR; off++)
			buf[s * SECTOR + off] = pattern_byte(seed, s, off);
}

uint32_t checksum_bytes(const uint8_t *buf, size_t from, size_t to)
{
	uint64_t s1 = 0, s2 = 0;
	for (size_t i = from; i < to; i += 8) {
		uint64_t w = 0;
		for (int k = 7; k >= 0; k--)
			w = w << 8 | buf[i + (size_t)k];
		s1 += w;
		s2 += s1;
	}
	return (uint32_t)(s2 ^ (s2 >> 32));
}

uint8_t *read_image(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	uint8_t *buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

void write_image(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

void make_image(const char *path, uint64_t sectors)
{
	make_pattern_image(path, sectors, BG_SEED, 0, sectors - 1);
}

uint32_t make_pattern_image(const char *path, uint64_t sectors, uint64_t seed, uint64_t first,
			    uint64_t last)
{
	uint8_t *buf = malloc(sectors * SECTOR);
	assert_non_null(buf);
	fill_pattern(buf, BG_SEED, 0, sectors - 1);
	fill_pattern(buf, seed, first, last);
	write_image(path, buf, sectors * SECTOR);
	uint32_t sum = checksum_bytes(buf, first * SECTOR, (last + 1) * SECTOR);
	free(buf);
	return sum;
}

uint32_t check_image(const char *path, uint64_t first, uint64_t last, uint64_t seed)
{
	size_t len;
	uint8_t *img = read_image(path, &len);
	for (size_t i = 0; i < len; i++) {
		uint64_t s = i / SECTOR;
		uint32_t off = (uint32_t)(i % SECTOR);
		uint64_t want_seed = s >= first && s <= last ? seed : BG_SEED;
		if (img[i] != pattern_byte(want_seed, s, off))
			fail_msg("%s: sector %llu offset %u is 0x%02x, want 0x%02x (seed %llu)",
				 path, (unsigned long long)s, off, img[i],
				 pattern_byte(want_seed, s, off), (unsigned long long)want_seed);
	}
	uint32_t c = checksum_bytes(img, first * SECTOR, (last + 1) * SECTOR);
	free(img);
	return c;
}

void expect_untouched(const char *path)
{
	check_image(path, 1, 0, 0); /* an empty range */
}

int blank_image(char *path, size_t len, const char *tag)
{
	snprintf(path, len, "/tmp/kvmini-%s-XXXXXX", tag);
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	int err = ftruncate(fd, 1 << 20);
	close(fd);
	return err ? -1 : 0;
}

static char scratch[64];

int scratch_make(const char *tag)
{
	snprintf(scratch, sizeof(scratch), "/tmp/kvmini-%s-XXXXXX", tag);
	return mkdtemp(scratch) ? 0 : -1;
}

int scratch_group_setup(void **state)
{
	(void)state;
	return scratch_make(program_invocation_short_name);
}

int scratch_group_teardown(void **state)
{
	(void)state;
	return scratch_remove();
}

const char *scratch_dir(void)
{
	return scratch;
}

void scratch_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", scratch, name);
}

int scratch_remove(void)
{
	const char *dir = scratch;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		char path[512];
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
				unlink(path);
			}
		closedir(d);
	}
	return rmdir(dir);
}
