/* SMB Direct (MS-SMBD 2.2) message codecs. */
#include "rdma/smbdirect_wire.h"

NTSTATUS smbd_negotiate_req_decode(const uint8_t *p, size_t len,
				   struct smbd_negotiate_req *out)
{
	struct wire_rd r;

	wire_rd_init(&r, p, len);
	out->min_version = wire_rd_u16(&r);
	out->max_version = wire_rd_u16(&r);
	wire_rd_skip(&r, 2); /* Reserved */
	out->credits_requested = wire_rd_u16(&r);
	out->preferred_send_size = wire_rd_u32(&r);
	out->max_receive_size = wire_rd_u32(&r);
	out->max_fragmented_size = wire_rd_u32(&r);
	return r.err ? NT_STATUS_INVALID_PARAMETER : NT_STATUS_OK;
}

NTSTATUS smbd_negotiate_rsp_decode(const uint8_t *p, size_t len,
				   struct smbd_negotiate_rsp *out)
{
	struct wire_rd r;

	wire_rd_init(&r, p, len);
	out->min_version = wire_rd_u16(&r);
	out->max_version = wire_rd_u16(&r);
	out->negotiated_version = wire_rd_u16(&r);
	wire_rd_skip(&r, 2); /* Reserved */
	out->credits_requested = wire_rd_u16(&r);
	out->credits_granted = wire_rd_u16(&r);
	out->status = NT_STATUS(wire_rd_u32(&r));
	out->max_read_write_size = wire_rd_u32(&r);
	out->preferred_send_size = wire_rd_u32(&r);
	out->max_receive_size = wire_rd_u32(&r);
	out->max_fragmented_size = wire_rd_u32(&r);
	return r.err ? NT_STATUS_INVALID_PARAMETER : NT_STATUS_OK;
}

NTSTATUS smbd_data_decode(const uint8_t *p, size_t len,
			  struct smbd_data_hdr *hdr, struct wire_slice *payload)
{
	const struct wire_slice msg = { .p = p, .len = len };
	struct wire_rd r;

	payload->p = NULL;
	payload->len = 0;
	wire_rd_init(&r, p, len);
	hdr->credits_requested = wire_rd_u16(&r);
	hdr->credits_granted = wire_rd_u16(&r);
	hdr->flags = wire_rd_u16(&r);
	wire_rd_skip(&r, 2); /* Reserved: ignored on receipt */
	hdr->remaining_data_length = wire_rd_u32(&r);
	hdr->data_offset = wire_rd_u32(&r);
	hdr->data_length = wire_rd_u32(&r);
	if (r.err)
		return NT_STATUS_INVALID_PARAMETER;

	/* MS-SMBD 2.2.3: DataOffset is 8-byte aligned from the message start */
	if (hdr->data_offset % 8 != 0)
		return NT_STATUS_INVALID_PARAMETER;
	if (hdr->data_length == 0) {
		if (hdr->data_offset > len || hdr->remaining_data_length != 0)
			return NT_STATUS_INVALID_PARAMETER;
		return NT_STATUS_OK;
	}
	/* The payload cannot overlap the header. */
	if (hdr->data_offset < SMBD_DATA_HDR_SIZE)
		return NT_STATUS_INVALID_PARAMETER;
	if (!wire_slice_at(&msg, hdr->data_offset, hdr->data_length, payload))
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_OK;
}

NTSTATUS smbd_buffer_desc_list_decode(const uint8_t *p, size_t len,
				      struct smbd_buffer_desc *out, size_t max,
				      size_t *count)
{
	struct wire_rd r;
	size_t n;

	*count = 0;
	if (len == 0 || len % SMBD_BUFFER_DESC_V1_SIZE != 0)
		return NT_STATUS_INVALID_PARAMETER;
	n = len / SMBD_BUFFER_DESC_V1_SIZE;
	if (n > max)
		return NT_STATUS_INVALID_PARAMETER;
	wire_rd_init(&r, p, len);
	for (size_t i = 0; i < n; i++) {
		out[i].offset = wire_rd_u64(&r);
		out[i].token = wire_rd_u32(&r);
		out[i].length = wire_rd_u32(&r);
	}
	if (r.err)
		return NT_STATUS_INVALID_PARAMETER;
	*count = n;
	return NT_STATUS_OK;
}

void smbd_negotiate_req_encode(uint8_t buf[SMBD_NEGOTIATE_REQ_SIZE],
			       const struct smbd_negotiate_req *req)
{
	put_le16(buf + 0, req->min_version);
	put_le16(buf + 2, req->max_version);
	put_le16(buf + 4, 0); /* Reserved */
	put_le16(buf + 6, req->credits_requested);
	put_le32(buf + 8, req->preferred_send_size);
	put_le32(buf + 12, req->max_receive_size);
	put_le32(buf + 16, req->max_fragmented_size);
}

void smbd_negotiate_rsp_encode(uint8_t buf[SMBD_NEGOTIATE_RSP_SIZE],
			       const struct smbd_negotiate_rsp *rsp)
{
	put_le16(buf + 0, rsp->min_version);
	put_le16(buf + 2, rsp->max_version);
	put_le16(buf + 4, rsp->negotiated_version);
	put_le16(buf + 6, 0); /* Reserved */
	put_le16(buf + 8, rsp->credits_requested);
	put_le16(buf + 10, rsp->credits_granted);
	put_le32(buf + 12, NT_STATUS_V(rsp->status));
	put_le32(buf + 16, rsp->max_read_write_size);
	put_le32(buf + 20, rsp->preferred_send_size);
	put_le32(buf + 24, rsp->max_receive_size);
	put_le32(buf + 28, rsp->max_fragmented_size);
}

void smbd_buffer_desc_encode(uint8_t buf[SMBD_BUFFER_DESC_V1_SIZE],
			     const struct smbd_buffer_desc *d)
{
	put_le64(buf + 0, d->offset);
	put_le32(buf + 8, d->token);
	put_le32(buf + 12, d->length);
}

size_t smbd_data_hdr_encode(uint8_t *buf, size_t cap,
			    const struct smbd_data_hdr *hdr)
{
	size_t n = hdr->data_length != 0 ? SMBD_DATA_PAYLOAD_OFFSET
					 : SMBD_DATA_HDR_SIZE;

	if (cap < n)
		return 0;
	put_le16(buf + 0, hdr->credits_requested);
	put_le16(buf + 2, hdr->credits_granted);
	put_le16(buf + 4, hdr->flags);
	put_le16(buf + 6, 0); /* Reserved */
	put_le32(buf + 8, hdr->remaining_data_length);
	put_le32(buf + 12, hdr->data_offset);
	put_le32(buf + 16, hdr->data_length);
	if (n > SMBD_DATA_HDR_SIZE)
		memset(buf + SMBD_DATA_HDR_SIZE, 0, n - SMBD_DATA_HDR_SIZE);
	return n;
}
