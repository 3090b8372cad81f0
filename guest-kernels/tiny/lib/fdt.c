#include "lib/fdt.h"
#include "lib/printf.h"
#include "lib/string.h"

#define FDT_HEADER_SIZE	   40 /* version 17 */
#define FDT_VERSION	   17
#define FDT_RSV_ENTRY_SIZE 16

/* Header field offsets. */
#define H_MAGIC		    0
#define H_TOTALSIZE	    4
#define H_OFF_DT_STRUCT	    8
#define H_OFF_DT_STRINGS    12
#define H_OFF_MEM_RSVMAP    16
#define H_VERSION	    20
#define H_LAST_COMP_VERSION 24
#define H_SIZE_DT_STRINGS   32
#define H_SIZE_DT_STRUCT    36

__attribute__((format(printf, 2, 3))) static const char *fail(struct fdt *fdt, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fdt->err, sizeof(fdt->err), fmt, ap);
	va_end(ap);
	return fdt->err;
}

/* off + len within size, written so it cannot overflow. */
static bool fits(u32 off, u32 len, u32 size)
{
	return off <= size && len <= size - off;
}

const char *fdt_init(struct fdt *fdt, const void *blob, u32 avail)
{
	const u8 *h = blob;

	memset(fdt, 0, sizeof(*fdt));
	if (avail < FDT_HEADER_SIZE)
		return fail(fdt, "only %u bytes, header needs %u", avail, FDT_HEADER_SIZE);
	if (fdt_be32(h + H_MAGIC) != FDT_MAGIC)
		return fail(fdt, "magic 0x%x, want 0x%x", fdt_be32(h + H_MAGIC), FDT_MAGIC);

	u32 total = fdt_be32(h + H_TOTALSIZE);
	if (total < FDT_HEADER_SIZE || total > avail)
		return fail(fdt, "totalsize %u, container has %u", total, avail);
	/* Node offsets are ints (-1 is "none"), so the blob must stay below 2 GiB. */
	if (total > 0x7fffffff)
		return fail(fdt, "totalsize %u too large", total);
	if (fdt_be32(h + H_VERSION) < FDT_VERSION ||
	    fdt_be32(h + H_LAST_COMP_VERSION) > FDT_VERSION)
		return fail(fdt, "version %u (last compatible %u), want 17",
			    fdt_be32(h + H_VERSION), fdt_be32(h + H_LAST_COMP_VERSION));

	u32 rsv = fdt_be32(h + H_OFF_MEM_RSVMAP);
	if (rsv % 8 || rsv < FDT_HEADER_SIZE || !fits(rsv, FDT_RSV_ENTRY_SIZE, total))
		return fail(fdt, "off_mem_rsvmap %u bad for totalsize %u", rsv, total);

	fdt->blob = h;
	fdt->size = total;
	fdt->struct_off = fdt_be32(h + H_OFF_DT_STRUCT);
	fdt->struct_size = fdt_be32(h + H_SIZE_DT_STRUCT);
	fdt->strings_off = fdt_be32(h + H_OFF_DT_STRINGS);
	fdt->strings_size = fdt_be32(h + H_SIZE_DT_STRINGS);
	if (fdt->struct_off % 4 || fdt->struct_off < FDT_HEADER_SIZE ||
	    !fits(fdt->struct_off, fdt->struct_size, total))
		return fail(fdt, "structure block at %u size %u outside the blob", fdt->struct_off,
			    fdt->struct_size);
	if (fdt->strings_off < FDT_HEADER_SIZE || !fits(fdt->strings_off, fdt->strings_size, total))
		return fail(fdt, "strings block at %u size %u outside the blob", fdt->strings_off,
			    fdt->strings_size);
	return NULL;
}

static u32 align4(u32 x)
{
	return (x + 3) & ~3u;
}

/* One token of the structure block, decoded. */
struct token {
	u32 tag;
	u32 next;	  /* offset of the token after it */
	const char *name; /* node name (BEGIN_NODE) or property name (PROP) */
	const u8 *val;	  /* property value */
	u32 len;
};

/*
 * Decodes the token at structure-block offset pos, checking every byte it covers against the
 * block. Both the walker and the node lookups go through here, so neither needs a blob that
 * was validated first.
 */
static const char *token_at(struct fdt *fdt, u32 pos, struct token *t)
{
	const u8 *s = fdt->blob + fdt->struct_off;
	const char *strings = (const char *)fdt->blob + fdt->strings_off;
	u32 end = fdt->struct_size;

	if (!fits(pos, 4, end))
		return fail(fdt, "structure block ends at %u without FDT_END", end);
	t->tag = fdt_be32(s + pos);
	switch (t->tag) {
	case FDT_BEGIN_NODE: {
		u32 max = end - (pos + 4);
		t->name = (const char *)s + pos + 4;
		u32 n = strnlen(t->name, max);
		if (n == max)
			return fail(fdt, "unterminated node name at %u", pos);
		t->next = align4(pos + 4 + n + 1);
		return NULL;
	}
	case FDT_PROP: {
		if (!fits(pos, 12, end))
			return fail(fdt, "truncated property at %u", pos);
		u32 len = fdt_be32(s + pos + 4);
		u32 nameoff = fdt_be32(s + pos + 8);
		if (!fits(pos + 12, len, end))
			return fail(fdt, "property at %u: length %u overruns", pos, len);
		if (nameoff >= fdt->strings_size ||
		    strnlen(strings + nameoff, fdt->strings_size - nameoff) ==
			fdt->strings_size - nameoff)
			return fail(fdt, "property at %u: bad name offset %u", pos, nameoff);
		t->name = strings + nameoff;
		t->val = s + pos + 12;
		t->len = len;
		t->next = align4(pos + 12 + len);
		return NULL;
	}
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		t->next = pos + 4;
		return NULL;
	default:
		return fail(fdt, "unknown token 0x%x at %u", t->tag, pos);
	}
}

const char *fdt_walk(struct fdt *fdt, const struct fdt_visitor *v)
{
	int depth = 0;
	bool root_done = false;
	struct token t;
	const char *err;

	for (u32 pos = 0;; pos = t.next) {
		if ((err = token_at(fdt, pos, &t)))
			return err;
		switch (t.tag) {
		case FDT_BEGIN_NODE:
			if (root_done)
				return fail(fdt, "second root node at %u", pos);
			if (v->begin_node && !v->begin_node(v->ctx, t.name, depth))
				return NULL;
			depth++;
			break;
		case FDT_END_NODE:
			if (depth == 0)
				return fail(fdt, "unbalanced FDT_END_NODE at %u", pos);
			depth--;
			if (v->end_node && !v->end_node(v->ctx, depth))
				return NULL;
			if (depth == 0)
				root_done = true;
			break;
		case FDT_PROP:
			if (depth == 0)
				return fail(fdt, "property outside any node at %u", pos);
			if (v->prop && !v->prop(v->ctx, t.name, t.val, t.len, depth - 1))
				return NULL;
			break;
		case FDT_NOP:
			break;
		default: /* FDT_END */
			if (depth)
				return fail(fdt, "FDT_END at %u inside a node (depth %d)", pos,
					    depth);
			if (!root_done)
				return fail(fdt, "FDT_END at %u before any node", pos);
			return NULL;
		}
	}
}

int fdt_next_node(struct fdt *fdt, int node, int *depth)
{
	struct token t;
	u32 pos = 0;

	if (node >= 0) {
		/* Step over this node's own BEGIN_NODE so the scan finds what follows it. */
		if (token_at(fdt, (u32)node, &t) || t.tag != FDT_BEGIN_NODE)
			return -1;
		pos = t.next;
	}
	for (;; pos = t.next) {
		if (token_at(fdt, pos, &t))
			return -1;
		switch (t.tag) {
		case FDT_BEGIN_NODE:
			if (node >= 0)
				++*depth;
			else
				*depth = 0;
			return (int)pos;
		case FDT_END_NODE:
			/* The root itself has ended: nothing follows. */
			if (node >= 0 && --*depth < 0)
				return -1;
			break;
		case FDT_END:
			return -1;
		}
	}
}

const u8 *fdt_getprop(struct fdt *fdt, int node, const char *name, u32 *len)
{
	struct token t;

	if (node < 0 || token_at(fdt, (u32)node, &t) || t.tag != FDT_BEGIN_NODE)
		return NULL;
	/* A node's properties come before its subnodes. */
	for (u32 pos = t.next;; pos = t.next) {
		if (token_at(fdt, pos, &t))
			return NULL;
		if (t.tag == FDT_PROP && !strcmp(t.name, name)) {
			if (len)
				*len = t.len;
			return t.val;
		}
		if (t.tag != FDT_PROP && t.tag != FDT_NOP)
			return NULL;
	}
}

bool fdt_getprop_u32(struct fdt *fdt, int node, const char *name, u32 *val)
{
	u32 len;
	const u8 *p = fdt_getprop(fdt, node, name, &len);

	if (!p || len != 4)
		return false;
	*val = fdt_be32(p);
	return true;
}

int fdt_read_cells(struct fdt *fdt, int node, const char *name, u32 *cells, int max)
{
	u32 len;
	const u8 *p = fdt_getprop(fdt, node, name, &len);

	if (!p)
		return -1;
	int n = (int)(len / 4);
	for (int i = 0; i < n && i < max; i++)
		cells[i] = fdt_be32(p + 4 * i);
	return n;
}

/* Whether a string-list value (NUL-separated strings) holds s. */
static bool stringlist_has(const u8 *val, u32 len, const char *s)
{
	size_t n = strlen(s);

	for (u32 i = 0; i < len;) {
		size_t item = strnlen((const char *)val + i, len - i);
		if (item == n && !memcmp(val + i, s, n) && i + n < len)
			return true;
		i += item + 1;
	}
	return false;
}

int fdt_node_by_compatible(struct fdt *fdt, const char *compatible)
{
	int depth = 0;

	for (int n = fdt_next_node(fdt, -1, &depth); n >= 0; n = fdt_next_node(fdt, n, &depth)) {
		u32 len;
		const u8 *val = fdt_getprop(fdt, n, "compatible", &len);
		if (val && stringlist_has(val, len, compatible))
			return n;
	}
	return -1;
}

int fdt_node_by_phandle(struct fdt *fdt, u32 phandle)
{
	int depth = 0;

	if (phandle == 0 || phandle == 0xffffffff) /* never valid phandles */
		return -1;
	for (int n = fdt_next_node(fdt, -1, &depth); n >= 0; n = fdt_next_node(fdt, n, &depth)) {
		u32 ph;
		if (fdt_getprop_u32(fdt, n, "phandle", &ph) && ph == phandle)
			return n;
	}
	return -1;
}

/* A path component names a node by its full name, or by the part before '@' alone. */
static bool name_matches(const char *name, const char *comp, size_t len)
{
	if (strncmp(name, comp, len))
		return false;
	if (name[len] == '\0')
		return true;
	for (size_t i = 0; i < len; i++) {
		if (comp[i] == '@')
			return false; /* a full name was asked for and this one is longer */
	}
	return name[len] == '@';
}

int fdt_node_by_path(struct fdt *fdt, const char *path)
{
	int depth = 0;
	int n = fdt_next_node(fdt, -1, &depth);

	if (*path != '/')
		return -1;
	for (const char *p = path; n >= 0;) {
		while (*p == '/')
			p++;
		if (!*p)
			return n;
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		/* Look among n's children only: stop when the scan leaves n's subtree. */
		int want = depth + 1;
		do
			n = fdt_next_node(fdt, n, &depth);
		while (n >= 0 && depth >= want &&
		       (depth > want || !name_matches(fdt_node_name(fdt, n), p, len)));
		if (n >= 0 && depth < want)
			return -1;
		p += len;
	}
	return -1;
}

const char *fdt_node_name(struct fdt *fdt, int node)
{
	struct token t;

	if (node < 0 || token_at(fdt, (u32)node, &t) || t.tag != FDT_BEGIN_NODE)
		return "";
	return t.name;
}

int fdt_parent(struct fdt *fdt, int node)
{
	enum { MAX_DEPTH = 16 };
	int stack[MAX_DEPTH];
	int depth = 0;

	/* The blob links children to nothing: re-walk from the root, remembering each level. */
	for (int n = fdt_next_node(fdt, -1, &depth); n >= 0 && depth < MAX_DEPTH;
	     n = fdt_next_node(fdt, n, &depth)) {
		stack[depth] = n;
		if (n == node)
			return depth ? stack[depth - 1] : -1;
	}
	return -1;
}

bool fdt_prop_is(const u8 *val, u32 len, const char *s)
{
	size_t n = strlen(s);

	return len == n + 1 && !memcmp(val, s, len);
}
