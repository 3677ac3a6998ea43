#include "smb2/wire.h"

static const uint8_t *rd_take(struct wire_rd *r, size_t n)
{
	if (r->err || n > r->len - r->off) {
		r->err = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

uint8_t wire_rd_u8(struct wire_rd *r)
{
	const uint8_t *p = rd_take(r, 1);
	return p ? p[0] : 0;
}

uint16_t wire_rd_u16(struct wire_rd *r)
{
	const uint8_t *p = rd_take(r, 2);
	return p ? get_le16(p) : 0;
}

uint32_t wire_rd_u32(struct wire_rd *r)
{
	const uint8_t *p = rd_take(r, 4);
	return p ? get_le32(p) : 0;
}

uint64_t wire_rd_u64(struct wire_rd *r)
{
	const uint8_t *p = rd_take(r, 8);
	return p ? get_le64(p) : 0;
}

void wire_rd_bytes(struct wire_rd *r, void *dst, size_t n)
{
	const uint8_t *p = rd_take(r, n);
	if (p)
		memcpy(dst, p, n);
	else if (n)
		memset(dst, 0, n);
}

const uint8_t *wire_rd_ptr(struct wire_rd *r, size_t n)
{
	return rd_take(r, n);
}

void wire_rd_skip(struct wire_rd *r, size_t n)
{
	(void)rd_take(r, n);
}

void wire_rd_seek(struct wire_rd *r, size_t off)
{
	if (r->err || off > r->len) {
		r->err = true;
		return;
	}
	r->off = off;
}

bool wire_slice_at(const struct wire_slice *msg, uint64_t off, uint64_t len,
		   struct wire_slice *out)
{
	if (len == 0) {
		out->p = msg->p;
		out->len = 0;
		return true;
	}
	if (off > msg->len || len > msg->len - off)
		return false;
	out->p = msg->p + off;
	out->len = (size_t)len;
	return true;
}

void wire_wr_init(struct wire_wr *w, TALLOC_CTX *mem_ctx, size_t initial_cap)
{
	w->mem_ctx = mem_ctx;
	w->len = 0;
	w->cap = initial_cap ? initial_cap : 64;
	w->err = false;
	w->buf = talloc_array(mem_ctx, uint8_t, w->cap);
	if (!w->buf) {
		w->err = true;
		w->cap = 0;
	}
}

size_t wire_wr_reserve(struct wire_wr *w, size_t n)
{
	size_t at = w->len;
	if (w->err)
		return at;
	if (n > SIZE_MAX / 2 - w->len) {
		w->err = true;
		return at;
	}
	if (w->len + n > w->cap) {
		size_t ncap = w->cap * 2;
		if (ncap < w->len + n)
			ncap = w->len + n;
		uint8_t *nb = talloc_realloc(w->mem_ctx, w->buf, uint8_t, ncap);
		if (!nb) {
			w->err = true;
			return at;
		}
		w->buf = nb;
		w->cap = ncap;
	}
	memset(w->buf + w->len, 0, n);
	w->len += n;
	return at;
}

#define WR_PUT(bits, fn)                                            \
	void wire_wr_u##bits(struct wire_wr *w, uint##bits##_t v)   \
	{                                                           \
		size_t at = wire_wr_reserve(w, bits / 8);           \
		if (!w->err)                                        \
			fn(w->buf + at, v);                         \
	}
WR_PUT(16, put_le16)
WR_PUT(32, put_le32)
WR_PUT(64, put_le64)

void wire_wr_u8(struct wire_wr *w, uint8_t v)
{
	size_t at = wire_wr_reserve(w, 1);
	if (!w->err)
		w->buf[at] = v;
}

void wire_wr_bytes(struct wire_wr *w, const void *p, size_t n)
{
	size_t at = wire_wr_reserve(w, n);
	if (!w->err && n)
		memcpy(w->buf + at, p, n);
}

void wire_wr_zero(struct wire_wr *w, size_t n)
{
	(void)wire_wr_reserve(w, n);
}

void wire_wr_align(struct wire_wr *w, size_t align)
{
	size_t pad = (align - (w->len & (align - 1))) & (align - 1);
	(void)wire_wr_reserve(w, pad);
}

#define WR_PATCH(bits, fn)                                                    \
	void wire_wr_put_u##bits(struct wire_wr *w, size_t at, uint##bits##_t v) \
	{                                                                     \
		if (w->err || at > w->len || bits / 8 > w->len - at) {        \
			w->err = true;                                        \
			return;                                               \
		}                                                             \
		fn(w->buf + at, v);                                           \
	}
WR_PATCH(16, put_le16)
WR_PATCH(32, put_le32)
WR_PATCH(64, put_le64)
