/* FSCTL buffer codecs (see smb2/fsctl.h). */
#include <string.h>

#include "smb2/fsctl.h"

/* tells keys from other 24-byte values a client may send */
#define RESUME_KEY_TAG 0x79656b656d757365ull

NTSTATUS fsctl_copychunk_decode(TALLOC_CTX *mem_ctx, struct wire_slice in,
				struct fsctl_copychunk *out)
{
	struct wire_rd r;

	memset(out, 0, sizeof(*out));
	wire_rd_init_slice(&r, in);
	wire_rd_bytes(&r, out->source_key, FSCTL_RESUME_KEY_SIZE);
	out->count = wire_rd_u32(&r);
	wire_rd_skip(&r, 4); /* Reserved */
	if (r.err || wire_rd_left(&r) / FSCTL_COPYCHUNK_CHUNK_SIZE < out->count)
		return NT_STATUS_INVALID_PARAMETER;
	if (out->count == 0)
		return NT_STATUS_OK;
	/* bounded by the input size checked above */
	out->chunks = talloc_array(mem_ctx, struct fsctl_chunk, out->count);
	if (!out->chunks)
		return NT_STATUS_NO_MEMORY;
	for (uint32_t i = 0; i < out->count; i++) {
		out->chunks[i].source_off = wire_rd_u64(&r);
		out->chunks[i].target_off = wire_rd_u64(&r);
		out->chunks[i].length = wire_rd_u32(&r);
		wire_rd_skip(&r, 4);
	}
	return r.err ? NT_STATUS_INVALID_PARAMETER : NT_STATUS_OK;
}

bool fsctl_copychunk_within_limits(const struct fsctl_copychunk *cc)
{
	uint64_t total = 0;

	if (cc->count > FSCTL_COPYCHUNK_MAX_CHUNKS)
		return false;
	for (uint32_t i = 0; i < cc->count; i++) {
		uint32_t len = cc->chunks[i].length;

		if (len == 0 || len > FSCTL_COPYCHUNK_MAX_CHUNK_LEN)
			return false;
		total += len;
	}
	return total <= FSCTL_COPYCHUNK_MAX_TOTAL;
}

struct fsctl_copychunk_rsp fsctl_copychunk_limits(void)
{
	return (struct fsctl_copychunk_rsp){
		.chunks_written = FSCTL_COPYCHUNK_MAX_CHUNKS,
		.chunk_bytes_written = FSCTL_COPYCHUNK_MAX_CHUNK_LEN,
		.total_bytes_written = FSCTL_COPYCHUNK_MAX_TOTAL,
	};
}

void fsctl_copychunk_rsp_encode(uint8_t out[FSCTL_COPYCHUNK_RSP_SIZE],
				const struct fsctl_copychunk_rsp *rsp)
{
	put_le32(out, rsp->chunks_written);
	put_le32(out + 4, rsp->chunk_bytes_written);
	put_le32(out + 8, rsp->total_bytes_written);
}

void fsctl_resume_key_encode(uint8_t out[FSCTL_RESUME_KEY_SIZE],
			     uint64_t fid_p, uint64_t fid_v,
			     uint64_t session_id)
{
	put_le64(out, fid_p);
	put_le64(out + 8, fid_v);
	put_le64(out + 16, session_id ^ RESUME_KEY_TAG);
}

bool fsctl_resume_key_decode(const uint8_t key[FSCTL_RESUME_KEY_SIZE],
			     uint64_t session_id, uint64_t *fid_p,
			     uint64_t *fid_v)
{
	if (get_le64(key + 16) != (session_id ^ RESUME_KEY_TAG))
		return false;
	*fid_p = get_le64(key);
	*fid_v = get_le64(key + 8);
	return true;
}

/* MS-FSA 2.1.5.9.22 / 2.1.5.9.38: offsets are signed 64-bit on the wire */
static bool range_valid(uint64_t off, uint64_t len)
{
	return off <= INT64_MAX && len <= INT64_MAX && off + len <= INT64_MAX;
}

NTSTATUS fsctl_qar_decode(struct wire_slice in, struct fsctl_range *out)
{
	struct wire_rd r;

	wire_rd_init_slice(&r, in);
	out->off = wire_rd_u64(&r);
	out->len = wire_rd_u64(&r);
	if (r.err || !range_valid(out->off, out->len))
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_OK;
}

NTSTATUS fsctl_qar_encode(struct wire_wr *w, const struct fsctl_range *r,
			  size_t n, uint32_t max_out)
{
	size_t fit = max_out / FSCTL_ALLOCATED_RANGE_SIZE;

	if (n > 0 && fit == 0)
		return NT_STATUS_BUFFER_TOO_SMALL;
	for (size_t i = 0; i < n && i < fit; i++) {
		wire_wr_u64(w, r[i].off);
		wire_wr_u64(w, r[i].len);
	}
	if (w->err)
		return NT_STATUS_NO_MEMORY;
	return n > fit ? NT_STATUS_BUFFER_OVERFLOW : NT_STATUS_OK;
}

NTSTATUS fsctl_zero_data_decode(struct wire_slice in, struct fsctl_range *out)
{
	struct wire_rd r;
	uint64_t off, beyond;

	wire_rd_init_slice(&r, in);
	off = wire_rd_u64(&r);
	beyond = wire_rd_u64(&r);
	if (r.err || off > INT64_MAX || beyond > INT64_MAX || off > beyond)
		return NT_STATUS_INVALID_PARAMETER;
	out->off = off;
	out->len = beyond - off;
	return NT_STATUS_OK;
}

NTSTATUS fsctl_trim_decode(TALLOC_CTX *mem_ctx, struct wire_slice in,
			   struct fsctl_range **ranges, uint32_t *n)
{
	struct wire_rd r;
	uint32_t count;

	wire_rd_init_slice(&r, in);
	wire_rd_skip(&r, 4); /* Key */
	count = wire_rd_u32(&r);
	if (r.err || wire_rd_left(&r) / 16 < count)
		return NT_STATUS_INVALID_PARAMETER;
	*ranges = talloc_array(mem_ctx, struct fsctl_range, count ? count : 1);
	if (!*ranges)
		return NT_STATUS_NO_MEMORY;
	for (uint32_t i = 0; i < count; i++) {
		(*ranges)[i].off = wire_rd_u64(&r);
		(*ranges)[i].len = wire_rd_u64(&r);
		if (!range_valid((*ranges)[i].off, (*ranges)[i].len))
			return NT_STATUS_INVALID_PARAMETER;
	}
	*n = count;
	return r.err ? NT_STATUS_INVALID_PARAMETER : NT_STATUS_OK;
}

NTSTATUS fsctl_dup_extents_decode(struct wire_slice in,
				  struct fsctl_dup_extents *out)
{
	struct wire_rd r;

	wire_rd_init_slice(&r, in);
	out->src_fid_p = wire_rd_u64(&r);
	out->src_fid_v = wire_rd_u64(&r);
	out->source_off = wire_rd_u64(&r);
	out->target_off = wire_rd_u64(&r);
	out->byte_count = wire_rd_u64(&r);
	if (r.err || !range_valid(out->source_off, out->byte_count) ||
	    !range_valid(out->target_off, out->byte_count))
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_OK;
}

/* SOCKADDR_STORAGE (MS-SMB2 2.2.32.5.1): Family and 126 bytes. */
static void put_sockaddr(struct wire_wr *w, const struct fsctl_net_iface *f)
{
	size_t start = w->len;

	wire_wr_u16(w, f->family);
	wire_wr_u16(w, 0); /* Port */
	if (f->family == FSCTL_NET_AF_INET) {
		wire_wr_bytes(w, f->addr, 4);
	} else {
		wire_wr_u32(w, 0); /* FlowInfo */
		wire_wr_bytes(w, f->addr, 16);
		wire_wr_u32(w, f->scope_id);
	}
	wire_wr_zero(w, 128 - (w->len - start));
}

NTSTATUS fsctl_net_iface_encode(struct wire_wr *w,
				const struct fsctl_net_iface *ifs, size_t n,
				uint32_t max_out)
{
	if ((uint64_t)n * FSCTL_NET_IFACE_SIZE > max_out)
		return NT_STATUS_BUFFER_TOO_SMALL;
	for (size_t i = 0; i < n; i++) {
		wire_wr_u32(w, i + 1 < n ? FSCTL_NET_IFACE_SIZE : 0); /* Next */
		wire_wr_u32(w, ifs[i].if_index);
		wire_wr_u32(w, ifs[i].capability);
		wire_wr_u32(w, 0); /* Reserved */
		wire_wr_u64(w, ifs[i].link_speed);
		put_sockaddr(w, &ifs[i]);
	}
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}
