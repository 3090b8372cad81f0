#include "tools/exit_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "exit-stats: "

/* The end of the token at p: a space, a line end (\r too: a log of a serial console) or NUL. */
static size_t token_len(const char *p)
{
	return strcspn(p, " \r\n");
}

/* Says what is wrong with tok (len bytes) in r->why; returns false. */
static bool fail(struct exit_report *r, const char *what, const char *tok, size_t len)
{
	snprintf(r->why, sizeof(r->why), "%s '%.*s'", what, (int)len, tok);
	r->nfields = 0;
	return false;
}

bool exit_report_parse(const char *line, struct exit_report *r)
{
	memset(r, 0, sizeof(*r));
	r->line = line;
	r->line_len = strcspn(line, "\n");
	if (strncmp(line, PREFIX, strlen(PREFIX)))
		return fail(r, "not an exit-stats line:", line, r->line_len);
	const char *p = line + strlen(PREFIX);
	size_t n = token_len(p);
	if (strncmp(p, "window=", 7) || n == 7 || n - 7 >= sizeof(r->window))
		return fail(r, "no window=ID first in", line, r->line_len);
	memcpy(r->window, p + 7, n - 7);
	p += n;
	if (strncmp(p, " net=0", 6) && strncmp(p, " net=1", 6))
		return fail(r, "no net=0 or net=1 after the window in", line, r->line_len);
	r->net = p[5] == '1';
	p += 6;
	while (*p == ' ') {
		p++;
		n = token_len(p);
		const char *eq = memchr(p, '=', n);
		if (!eq || eq == p || (size_t)(eq - p) >= EXIT_REPORT_KEY_MAX || eq + 1 == p + n)
			return fail(r, "not a key=count field:", p, n);
		char *end;
		errno = 0;
		unsigned long long v = strtoull(eq + 1, &end, 10);
		if (end != p + n || errno || eq[1] == '-' || eq[1] == '+')
			return fail(r, "not a key=count field:", p, n);
		if (r->nfields == EXIT_REPORT_MAX_FIELDS)
			return fail(r, "more fields than EXIT_REPORT_MAX_FIELDS in", line,
				    r->line_len);
		struct exit_report_field *f = &r->fields[r->nfields++];
		memcpy(f->key, p, (size_t)(eq - p));
		f->value = v;
		p += n;
	}
	if (*p == '\r')
		p++;
	if (*p && *p != '\n')
		return fail(r, "stray text in", line, r->line_len);
	return true;
}

bool exit_report_find(const char *text, const char *window, bool net, struct exit_report *r)
{
	char head[64];
	int len = snprintf(head, sizeof(head), PREFIX "window=%s net=%d", window, net);
	for (const char *p = text; (p = strstr(p, head)); p += len) {
		if (p != text && p[-1] != '\n')
			continue; /* inside another line */
		char after = p[len];
		if (after == ' ' || after == '\r' || after == '\n' || after == '\0')
			return exit_report_parse(p, r);
	}
	memset(r, 0, sizeof(*r));
	snprintf(r->why, sizeof(r->why), "no '%s' line", head);
	return false;
}

bool exit_report_get(const struct exit_report *r, const char *key, uint64_t *value)
{
	for (size_t i = 0; i < r->nfields; i++) {
		if (!strcmp(r->fields[i].key, key)) {
			*value = r->fields[i].value;
			return true;
		}
	}
	return false;
}

/* The value of key, or 0 when the line lacks it. */
static uint64_t value_or_0(const struct exit_report *r, const char *key)
{
	uint64_t v = 0;
	exit_report_get(r, key, &v);
	return v;
}

void exit_report_split(const struct exit_report *r, const struct exit_counting *how,
		       struct exit_split *s)
{
	uint64_t kvm, user = value_or_0(r, "user.exits"),
		      notifies = value_or_0(r, "virtio.notifies");
	s->have_kvm = exit_report_get(r, "kvm.exits", &kvm);
	s->io = user + notifies;
	if (!s->have_kvm) {
		s->all = s->io;
		s->background = 0;
		return;
	}
	uint64_t io_exits = value_or_0(r, "kvm.io_exits"), pio = value_or_0(r, "user.pio");
	uint64_t halts = value_or_0(r, "kvm.halt_exits"),
		 windows = value_or_0(r, "kvm.irq_window_exits");
	s->io += (io_exits > pio ? io_exits - pio : 0) + (!how->window_in_halt ? halts + windows
							  : halts > windows    ? halts
									       : windows);
	s->all = kvm + (how->notifies_counted ? 0 : notifies);
	s->background = (int64_t)(s->all - s->io);
}
