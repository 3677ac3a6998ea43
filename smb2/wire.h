/*
 * Bounds-checked little-endian cursor decoding and growable encoding of wire
 * bytes. Decoders never cast structs over buffers: every read goes through a
 * wire_rd that keeps a sticky error flag, so a sequence of reads can be
 * checked once at the end.
 */
#ifndef USMBD_WIRE_H
#define USMBD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <talloc.h>

struct wire_slice {
	const uint8_t *p;
	size_t len;
};

struct wire_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}
static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | ((uint64_t)get_le32(p + 4) << 32);
}
static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}
static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}
static inline uint32_t get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}
static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void wire_rd_init(struct wire_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = false;
}
static inline void wire_rd_init_slice(struct wire_rd *r, struct wire_slice s)
{
	wire_rd_init(r, s.p, s.len);
}
static inline size_t wire_rd_left(const struct wire_rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

uint8_t wire_rd_u8(struct wire_rd *r);
uint16_t wire_rd_u16(struct wire_rd *r);
uint32_t wire_rd_u32(struct wire_rd *r);
uint64_t wire_rd_u64(struct wire_rd *r);
/* Copies n bytes into dst (zero-filled on overrun). */
void wire_rd_bytes(struct wire_rd *r, void *dst, size_t n);
/* Returns a pointer to the next n bytes and advances, or NULL on overrun. */
const uint8_t *wire_rd_ptr(struct wire_rd *r, size_t n);
void wire_rd_skip(struct wire_rd *r, size_t n);
/* Absolute position; setting past the end sets the error. */
void wire_rd_seek(struct wire_rd *r, size_t off);

/*
 * The sub-slice [off, off+len) of msg, overflow safe. len == 0 gives an
 * empty slice (any offset accepted, as MS-SMB2 allows for empty buffers).
 */
bool wire_slice_at(const struct wire_slice *msg, uint64_t off, uint64_t len,
		   struct wire_slice *out);

/* Growable little-endian writer on a talloc buffer. */
struct wire_wr {
	TALLOC_CTX *mem_ctx;
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool err;
};

void wire_wr_init(struct wire_wr *w, TALLOC_CTX *mem_ctx, size_t initial_cap);
/* Reserves n zeroed bytes at the end and returns their offset. */
size_t wire_wr_reserve(struct wire_wr *w, size_t n);
void wire_wr_u8(struct wire_wr *w, uint8_t v);
void wire_wr_u16(struct wire_wr *w, uint16_t v);
void wire_wr_u32(struct wire_wr *w, uint32_t v);
void wire_wr_u64(struct wire_wr *w, uint64_t v);
void wire_wr_bytes(struct wire_wr *w, const void *p, size_t n);
void wire_wr_zero(struct wire_wr *w, size_t n);
/* Pads with zeros to a multiple of align (a power of two). */
void wire_wr_align(struct wire_wr *w, size_t align);
/* Overwrites earlier bytes; ignored if out of range (sets err). */
void wire_wr_put_u16(struct wire_wr *w, size_t at, uint16_t v);
void wire_wr_put_u32(struct wire_wr *w, size_t at, uint32_t v);
void wire_wr_put_u64(struct wire_wr *w, size_t at, uint64_t v);

#endif
