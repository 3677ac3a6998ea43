/* RDMA READ/WRITE work-request planning for SMB2 RDMA channels. */
#include "rdma/smbdirect_rw.h"

#include "smb2/smb2_proto.h"

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t sges_spanned(uint32_t off, uint32_t len, uint32_t chunk)
{
	if (chunk == 0 || len == 0)
		return len == 0 ? 0 : 1;
	return (off + len - 1) / chunk - off / chunk + 1;
}

/* Bytes one WR starting at local offset off may carry. */
static uint32_t wr_room(uint32_t off, const struct smbd_rw_limits *lim)
{
	uint64_t room = lim->max_wr_bytes;

	if (lim->local_chunk != 0) {
		uint64_t end =
			((uint64_t)off / lim->local_chunk + lim->max_sge) *
			lim->local_chunk;
		if (end - off < room)
			room = end - off;
	}
	return (uint32_t)room;
}

/* MS-SMB2 3.3.5.12/3.3.5.13: the descriptors must be usable as a whole. */
static NTSTATUS check_descs(const struct smbd_buffer_desc *descs, size_t ndescs,
			    uint32_t length, const struct smbd_rw_limits *lim)
{
	uint32_t cap = SMBD_RW_MAX_TOTAL;
	uint64_t total = 0;

	if (lim->max_total != 0)
		cap = min_u32(cap, lim->max_total);
	if (ndescs == 0 || ndescs > SMBD_RW_MAX_DESCRIPTORS)
		return NT_STATUS_INVALID_PARAMETER;
	for (size_t i = 0; i < ndescs; i++) {
		if (descs[i].length == 0 ||
		    descs[i].offset > UINT64_MAX - descs[i].length)
			return NT_STATUS_INVALID_PARAMETER;
		total += descs[i].length;
	}
	if (total > cap || total < length)
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_OK;
}

/* Walks the plan; fills wrs when given, returns the number of WRs. */
static size_t plan_walk(const struct smbd_buffer_desc *descs, size_t ndescs,
			uint32_t length, const struct smbd_rw_limits *lim,
			struct smbd_rw_wr *wrs)
{
	uint32_t local = 0;
	size_t n = 0;

	for (size_t i = 0; i < ndescs && local < length; i++) {
		uint32_t done = 0;
		uint32_t want = min_u32(descs[i].length, length - local);

		while (done < want) {
			uint32_t len =
				min_u32(want - done, wr_room(local, lim));

			if (wrs != NULL) {
				wrs[n] = (struct smbd_rw_wr){
					.remote_addr = descs[i].offset + done,
					.rkey = descs[i].token,
					.length = len,
					.local_offset = local,
					.num_sge = sges_spanned(
						local, len, lim->local_chunk),
				};
			}
			n++;
			done += len;
			local += len;
		}
	}
	return n;
}

NTSTATUS smbd_rw_plan_build(TALLOC_CTX *mem_ctx, uint32_t channel,
			    const struct smbd_buffer_desc *descs, size_t ndescs,
			    uint32_t length, const struct smbd_rw_limits *lim,
			    struct smbd_rw_plan **out)
{
	struct smbd_rw_plan *plan;
	NTSTATUS status;
	size_t n;

	*out = NULL;
	if (channel != SMB2_CHANNEL_RDMA_V1 &&
	    channel != SMB2_CHANNEL_RDMA_V1_INVALIDATE)
		return NT_STATUS_INVALID_PARAMETER;
	/* Device limits come from the glue; zero would never make progress */
	if (lim->max_sge == 0 || lim->max_wr_bytes == 0)
		return NT_STATUS_INVALID_PARAMETER;
	status = check_descs(descs, ndescs, length, lim);
	if (!NT_STATUS_IS_OK(status))
		return status;

	plan = talloc_zero(mem_ctx, struct smbd_rw_plan);
	if (plan == NULL)
		return NT_STATUS_NO_MEMORY;
	n = plan_walk(descs, ndescs, length, lim, NULL);
	if (n > 0) {
		plan->wrs = talloc_array(plan, struct smbd_rw_wr, n);
		if (plan->wrs == NULL) {
			talloc_free(plan);
			return NT_STATUS_NO_MEMORY;
		}
		plan_walk(descs, ndescs, length, lim, plan->wrs);
	}
	plan->num_wrs = n;
	plan->length = length;
	if (channel == SMB2_CHANNEL_RDMA_V1_INVALIDATE) {
		plan->invalidate = true;
		plan->invalidate_token = descs[0].token;
	}
	*out = plan;
	return NT_STATUS_OK;
}

NTSTATUS smbd_rw_plan_from_channel_info(TALLOC_CTX *mem_ctx, uint32_t channel,
					const uint8_t *info, size_t info_len,
					uint32_t length,
					const struct smbd_rw_limits *lim,
					struct smbd_rw_plan **out)
{
	struct smbd_buffer_desc descs[SMBD_RW_MAX_DESCRIPTORS];
	size_t n;
	NTSTATUS status;

	*out = NULL;
	status = smbd_buffer_desc_list_decode(info, info_len, descs,
					      SMBD_RW_MAX_DESCRIPTORS, &n);
	if (!NT_STATUS_IS_OK(status))
		return status;
	return smbd_rw_plan_build(mem_ctx, channel, descs, n, length, lim, out);
}

size_t smbd_rw_wr_sges(const struct smbd_rw_wr *wr,
		       const struct smbd_rw_limits *lim,
		       struct smbd_rw_sge *sges, size_t max)
{
	uint32_t off = wr->local_offset;
	uint32_t left = wr->length;
	size_t n = 0;

	while (left > 0 && n < max) {
		uint32_t len = left;

		if (lim->local_chunk != 0)
			len = min_u32(left, lim->local_chunk -
						    off % lim->local_chunk);
		sges[n++] = (struct smbd_rw_sge){ .local_offset = off,
						  .length = len };
		off += len;
		left -= len;
	}
	return n;
}
