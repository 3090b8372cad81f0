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

const char *fdt_walk(struct fdt *fdt, const struct fdt_visitor *v)
{
	const u8 *s = fdt->blob + fdt->struct_off;
	const char *strings = (const char *)fdt->blob + fdt->strings_off;
	u32 end = fdt->struct_size;
	int depth = 0;
	bool root_done = false;

	/* Offsets below are relative to the structure block; every read is bounds-checked. */
	for (u32 pos = 0;;) {
		if (!fits(pos, 4, end))
			return fail(fdt, "structure block ends at %u without FDT_END", end);
		u32 tok = fdt_be32(s + pos);
		u32 at = pos;

		switch (tok) {
		case FDT_BEGIN_NODE: {
			if (root_done)
				return fail(fdt, "second root node at %u", at);
			const char *name = (const char *)s + pos + 4;
			u32 max = end - (pos + 4);
			u32 n = strnlen(name, max);
			if (n == max)
				return fail(fdt, "unterminated node name at %u", at);
			pos = align4(pos + 4 + n + 1);
			if (v->begin_node && !v->begin_node(v->ctx, name, depth))
				return NULL;
			depth++;
			break;
		}
		case FDT_END_NODE:
			if (depth == 0)
				return fail(fdt, "unbalanced FDT_END_NODE at %u", at);
			depth--;
			pos += 4;
			if (v->end_node && !v->end_node(v->ctx, depth))
				return NULL;
			if (depth == 0)
				root_done = true;
			break;
		case FDT_PROP: {
			if (!fits(pos, 12, end))
				return fail(fdt, "truncated property at %u", at);
			u32 len = fdt_be32(s + pos + 4);
			u32 nameoff = fdt_be32(s + pos + 8);
			if (depth == 0)
				return fail(fdt, "property outside any node at %u", at);
			if (!fits(pos + 12, len, end))
				return fail(fdt, "property at %u: length %u overruns", at, len);
			if (nameoff >= fdt->strings_size ||
			    strnlen(strings + nameoff, fdt->strings_size - nameoff) ==
				fdt->strings_size - nameoff)
				return fail(fdt, "property at %u: bad name offset %u", at, nameoff);
			const u8 *val = s + pos + 12;
			pos = align4(pos + 12 + len);
			if (v->prop && !v->prop(v->ctx, strings + nameoff, val, len, depth - 1))
				return NULL;
			break;
		}
		case FDT_NOP:
			pos += 4;
			break;
		case FDT_END:
			if (depth)
				return fail(fdt, "FDT_END at %u inside a node (depth %d)", at,
					    depth);
			if (!root_done)
				return fail(fdt, "FDT_END at %u before any node", at);
			return NULL;
		default:
			return fail(fdt, "unknown token 0x%x at %u", tok, at);
		}
	}
}

bool fdt_prop_is(const u8 *val, u32 len, const char *s)
{
	size_t n = strlen(s);

	return len == n + 1 && !memcmp(val, s, len);
}
