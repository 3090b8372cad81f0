/*
 * A minimal flattened device tree reader (libfdt is a host library). It validates the header
 * and every token against the blob's bounds, so a bad blob is reported, never dereferenced
 * out of bounds.
 */
#ifndef TINY_LIB_FDT_H
#define TINY_LIB_FDT_H

#include "lib/types.h"

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 0x1
#define FDT_END_NODE   0x2
#define FDT_PROP       0x3
#define FDT_NOP	       0x4
#define FDT_END	       0x9

struct fdt {
	const u8 *blob;
	u32 size; /* totalsize, already checked against the container */
	u32 struct_off, struct_size;
	u32 strings_off, strings_size;
	char err[80];
};

/* Callbacks for fdt_walk; any may be NULL. Returning false stops the walk (not an error). */
struct fdt_visitor {
	bool (*begin_node)(void *ctx, const char *name, int depth);
	bool (*prop)(void *ctx, const char *name, const u8 *val, u32 len, int depth);
	bool (*end_node)(void *ctx, int depth);
	void *ctx;
};

/* The tree stores integers big-endian; shifts keep this independent of alignment. */
static inline u32 fdt_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline u64 fdt_be64(const u8 *p)
{
	return (u64)fdt_be32(p) << 32 | fdt_be32(p + 4);
}

/*
 * Checks the header of the blob, of which `avail` bytes are readable. Returns NULL, or the
 * reason the blob is unusable.
 */
const char *fdt_init(struct fdt *fdt, const void *blob, u32 avail);

/*
 * Walks the structure block in order; the root node has depth 0 and name "". Returns NULL, or
 * the reason the structure block is malformed (callbacks may have run up to that point).
 */
const char *fdt_walk(struct fdt *fdt, const struct fdt_visitor *v);

/* True when a property value is exactly the string s (with its NUL). */
bool fdt_prop_is(const u8 *val, u32 len, const char *s);

/*
 * Node lookups, shaped like libfdt's: a node is named by the offset of its FDT_BEGIN_NODE token
 * in the structure block, and -1 means not found (or a malformed blob, which these check as
 * they go but do not report; fdt_walk does).
 */

/* The node after `node` in document order (-1: the root), with *depth tracking its level. */
int fdt_next_node(struct fdt *fdt, int node, int *depth);
/* First node whose compatible list holds the string. */
int fdt_node_by_compatible(struct fdt *fdt, const char *compatible);
int fdt_node_by_phandle(struct fdt *fdt, u32 phandle);
/* An absolute path; a component may leave out the unit address ("/isa/serial"). */
int fdt_node_by_path(struct fdt *fdt, const char *path);
/* The node's parent, -1 for the root. */
int fdt_parent(struct fdt *fdt, int node);
/* The node's name with its unit address ("" for the root or a bad offset). */
const char *fdt_node_name(struct fdt *fdt, int node);

/* A property's value and length, or NULL when the node has no such property. */
const u8 *fdt_getprop(struct fdt *fdt, int node, const char *name, u32 *len);
/* A property that is exactly one cell. */
bool fdt_getprop_u32(struct fdt *fdt, int node, const char *name, u32 *val);
/* Copies up to max cells of a property; returns how many it has (-1: absent). */
int fdt_read_cells(struct fdt *fdt, int node, const char *name, u32 *cells, int max);

#endif
