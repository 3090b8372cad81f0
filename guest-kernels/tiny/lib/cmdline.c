#include "lib/cmdline.h"
#include "lib/string.h"

static const char *cmdline = "";

void cmdline_set(const char *s)
{
	cmdline = s ? s : "";
}

const char *cmdline_string(void)
{
	return cmdline;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int cmdline_get(const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *val = NULL;
	size_t vlen = 0;

	/*
	 * Scan every word so a later "key=" overrides an earlier one, as appending does in Linux.
	 */
	for (const char *p = cmdline; *p;) {
		while (is_space(*p))
			p++;
		const char *word = p;
		while (*p && !is_space(*p))
			p++;
		size_t wlen = p - word;

		if (wlen < klen || strncmp(word, key, klen))
			continue;
		if (wlen == klen) {
			val = word + wlen;
			vlen = 0;
		} else if (word[klen] == '=') {
			val = word + klen + 1;
			vlen = wlen - klen - 1;
		}
	}
	if (!val)
		return -1;
	if (!size)
		return -2;
	/* A truncated copy still helps error messages name what was asked for. */
	size_t n = vlen < size ? vlen : size - 1;
	memcpy(buf, val, n);
	buf[n] = '\0';
	return n == vlen ? (int)vlen : -2;
}

int cmdline_get_u64(const char *key, u64 *out)
{
	char buf[24];
	int n = cmdline_get(key, buf, sizeof(buf));
	const char *end;

	if (n < 0)
		return n;
	end = parse_u64(buf, out);
	if (!end || *end)
		return -3;
	return n;
}
