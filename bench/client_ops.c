/*
 * File commands of the benchmark client: CREATE, CLOSE, READ, WRITE,
 * QUERY_INFO and SET_INFO (MS-SMB2 2.2.13 - 2.2.40). Each _send builds the
 * body and returns the raw call itself, so one I/O costs one tevent_req;
 * each _recv checks and decodes the answer.
 */
#include <errno.h>
#include <string.h>

#include "bench/client_internal.h"
#include "vfs/unicode.h"

#define CREATE_REQ_FIXED 56
#define CREATE_RSP_MIN 88
#define CLOSE_REQ_SIZE 24
#define READ_REQ_FIXED 48
#define READ_RSP_MIN 16
#define READ_PADDING 0x50 /* header and response fixed part */
#define WRITE_REQ_FIXED 48
#define WRITE_RSP_MIN 16
#define RDMA_DESC_SIZE 16 /* one Buffer Descriptor V1 */
#define QINFO_REQ_FIXED 40
#define QINFO_RSP_MIN 8
#define SINFO_REQ_FIXED 32
#define SINFO_MAX_BUF 64
#define IMPERSONATION_IMPERSONATE 2

static void put_fid(uint8_t *p, struct smb2c_fid fid)
{
	put_le64(p, fid.persistent);
	put_le64(p + 8, fid.volatile_);
}

/* Status of a finished call, its response freed; body checked to be at
 * least min bytes and copied out (up to cap) for the caller to decode. */
static NTSTATUS simple_recv(struct tevent_req *req, size_t min, uint8_t *out,
			    size_t cap)
{
	struct smb2c_rsp rsp;
	NTSTATUS st = smb2c_call_recv(req, NULL, &rsp);

	if (!NT_STATUS_IS_OK(st))
		return st;
	st = rsp.status;
	if (NT_STATUS_IS_OK(st) && rsp.body.len < min)
		st = NT_STATUS_INVALID_NETWORK_RESPONSE;
	if (NT_STATUS_IS_OK(st) && out)
		memcpy(out, rsp.body.p,
		       rsp.body.len < cap ? rsp.body.len : cap);
	talloc_free(rsp.buf);
	return st;
}

struct tevent_req *smb2c_create_send(TALLOC_CTX *mem_ctx,
				     struct tevent_context *ev,
				     struct smb2c_chan *ch, uint32_t tree_id,
				     const struct smb2c_create_args *a)
{
	struct smb2c_call call = { .command = SMB2_OP_CREATE,
				   .tree_id = tree_id };
	uint8_t body[CREATE_REQ_FIXED + 1024] = { 0 };
	uint8_t *name;
	size_t name_len;
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct tevent_req *req;

	if (!tmp || utf8_to_utf16le(tmp, a->name, &name, &name_len) != 0 ||
	    name_len > sizeof(body) - CREATE_REQ_FIXED) {
		talloc_free(tmp);
		return NULL;
	}
	put_le16(body, CREATE_REQ_FIXED + 1);
	put_le32(body + 4, IMPERSONATION_IMPERSONATE);
	put_le32(body + 24, a->desired_access);
	put_le32(body + 28, a->file_attributes);
	put_le32(body + 32, a->share_access);
	put_le32(body + 36, a->disposition);
	put_le32(body + 40, a->create_options);
	put_le16(body + 44, SMB2_HDR_SIZE + CREATE_REQ_FIXED);
	put_le16(body + 46, (uint16_t)name_len);
	memcpy(body + CREATE_REQ_FIXED, name, name_len);
	call.body = body;
	/* the buffer is at least one byte (StructureSize 57) */
	call.body_len = CREATE_REQ_FIXED + (name_len ? name_len : 1);
	req = smb2c_call_send(mem_ctx, ev, ch, &call);
	talloc_free(tmp);
	return req;
}

NTSTATUS smb2c_create_recv(struct tevent_req *req, struct smb2c_fid *fid,
			   uint64_t *end_of_file)
{
	uint8_t b[CREATE_RSP_MIN];
	NTSTATUS st = simple_recv(req, CREATE_RSP_MIN, b, sizeof(b));

	if (!NT_STATUS_IS_OK(st))
		return st;
	fid->persistent = get_le64(b + 64);
	fid->volatile_ = get_le64(b + 72);
	if (end_of_file)
		*end_of_file = get_le64(b + 48);
	return st;
}

struct tevent_req *smb2c_close_send(TALLOC_CTX *mem_ctx,
				    struct tevent_context *ev,
				    struct smb2c_chan *ch, uint32_t tree_id,
				    struct smb2c_fid fid)
{
	struct smb2c_call call = { .command = SMB2_OP_CLOSE,
				   .tree_id = tree_id };
	uint8_t body[CLOSE_REQ_SIZE] = { 0 };

	put_le16(body, CLOSE_REQ_SIZE);
	put_fid(body + 8, fid);
	call.body = body;
	call.body_len = sizeof(body);
	return smb2c_call_send(mem_ctx, ev, ch, &call);
}

NTSTATUS smb2c_close_recv(struct tevent_req *req)
{
	return simple_recv(req, 0, NULL, 0);
}

struct tevent_req *smb2c_read_send(TALLOC_CTX *mem_ctx,
				   struct tevent_context *ev,
				   struct smb2c_chan *ch, uint32_t tree_id,
				   struct smb2c_fid fid, uint64_t offset,
				   uint32_t len)
{
	struct smb2c_call call = { .command = SMB2_OP_READ,
				   .tree_id = tree_id };
	uint8_t body[READ_REQ_FIXED + 1] = { 0 };

	put_le16(body, READ_REQ_FIXED + 1);
	body[2] = READ_PADDING;
	put_le32(body + 4, len);
	put_le64(body + 8, offset);
	put_fid(body + 16, fid);
	call.body = body;
	call.body_len = sizeof(body);
	call.credit_charge = smb2c_credit_charge(len);
	return smb2c_call_send(mem_ctx, ev, ch, &call);
}

NTSTATUS smb2c_read_recv(struct tevent_req *req, uint32_t *got)
{
	uint8_t b[READ_RSP_MIN];
	NTSTATUS st = simple_recv(req, READ_RSP_MIN, b, sizeof(b));

	*got = NT_STATUS_IS_OK(st) ? get_le32(b + 4) : 0;
	return st;
}

struct tevent_req *smb2c_write_send(TALLOC_CTX *mem_ctx,
				    struct tevent_context *ev,
				    struct smb2c_chan *ch, uint32_t tree_id,
				    struct smb2c_fid fid, uint64_t offset,
				    const uint8_t *data, uint32_t len)
{
	struct smb2c_call call = { .command = SMB2_OP_WRITE,
				   .tree_id = tree_id };
	uint8_t body[WRITE_REQ_FIXED] = { 0 };
	struct iovec payload = { (void *)data, len };

	put_le16(body, WRITE_REQ_FIXED + 1);
	put_le16(body + 2, SMB2_HDR_SIZE + WRITE_REQ_FIXED);
	put_le32(body + 4, len);
	put_le64(body + 8, offset);
	put_fid(body + 16, fid);
	call.body = body;
	call.body_len = sizeof(body);
	call.payload = &payload;
	call.npayload = 1;
	call.credit_charge = smb2c_credit_charge(len);
	return smb2c_call_send(mem_ctx, ev, ch, &call);
}

NTSTATUS smb2c_write_recv(struct tevent_req *req, uint32_t *written)
{
	uint8_t b[WRITE_RSP_MIN];
	NTSTATUS st = simple_recv(req, WRITE_RSP_MIN, b, sizeof(b));

	*written = NT_STATUS_IS_OK(st) ? get_le32(b + 4) : 0;
	return st;
}

NTSTATUS smb2c_read_data_recv(struct tevent_req *req, uint8_t *dst,
			      uint32_t cap, uint32_t *got)
{
	struct smb2c_rsp rsp;
	struct wire_slice data;
	NTSTATUS st = smb2c_call_recv(req, NULL, &rsp);

	*got = 0;
	if (!NT_STATUS_IS_OK(st))
		return st;
	st = rsp.status;
	if (NT_STATUS_IS_OK(st) &&
	    (rsp.body.len < READ_RSP_MIN ||
	     !wire_slice_at(&rsp.msg, rsp.body.p[2], get_le32(rsp.body.p + 4),
			    &data)))
		st = NT_STATUS_INVALID_NETWORK_RESPONSE;
	if (NT_STATUS_IS_OK(st)) {
		*got = data.len < cap ? (uint32_t)data.len : cap;
		memcpy(dst, data.p, *got);
	}
	talloc_free(rsp.buf);
	return st;
}

/* The Buffer Descriptor V1 (MS-SMBD 2.2.3.1) of buf[off, off + len). */
static void put_rdma_desc(uint8_t *p, const struct smb2c_rdma_buf *buf,
			  size_t off, uint32_t len)
{
	put_le64(p, buf->addr + off);
	put_le32(p + 8, buf->token);
	put_le32(p + 12, len);
}

struct tevent_req *smb2c_read_rdma_send(TALLOC_CTX *mem_ctx,
					struct tevent_context *ev,
					struct smb2c_chan *ch, uint32_t tree_id,
					struct smb2c_fid fid, uint64_t offset,
					const struct smb2c_rdma_buf *buf,
					size_t off, uint32_t len)
{
	struct smb2c_call call = { .command = SMB2_OP_READ,
				   .tree_id = tree_id };
	uint8_t body[READ_REQ_FIXED + RDMA_DESC_SIZE] = { 0 };

	if (off > buf->len || len > buf->len - off)
		return NULL;
	put_le16(body, READ_REQ_FIXED + 1);
	body[2] = READ_PADDING;
	put_le32(body + 4, len);
	put_le64(body + 8, offset);
	put_fid(body + 16, fid);
	put_le32(body + 36, SMB2_CHANNEL_RDMA_V1);
	put_le16(body + 44, SMB2_HDR_SIZE + READ_REQ_FIXED);
	put_le16(body + 46, RDMA_DESC_SIZE);
	put_rdma_desc(body + READ_REQ_FIXED, buf, off, len);
	call.body = body;
	call.body_len = sizeof(body);
	call.credit_charge = smb2c_credit_charge(len);
	return smb2c_call_send(mem_ctx, ev, ch, &call);
}

NTSTATUS smb2c_read_rdma_recv(struct tevent_req *req, uint32_t *got,
			      uint32_t *inline_len)
{
	uint8_t b[READ_RSP_MIN];
	NTSTATUS st = simple_recv(req, READ_RSP_MIN, b, sizeof(b));

	/* MS-SMB2 3.3.5.12: DataRemaining is what went by RDMA */
	*inline_len = NT_STATUS_IS_OK(st) ? get_le32(b + 4) : 0;
	*got = NT_STATUS_IS_OK(st) ? get_le32(b + 8) : 0;
	return st;
}

struct tevent_req *smb2c_write_rdma_send(TALLOC_CTX *mem_ctx,
					 struct tevent_context *ev,
					 struct smb2c_chan *ch,
					 uint32_t tree_id, struct smb2c_fid fid,
					 uint64_t offset,
					 const struct smb2c_rdma_buf *buf,
					 size_t off, uint32_t len)
{
	struct smb2c_call call = { .command = SMB2_OP_WRITE,
				   .tree_id = tree_id };
	uint8_t body[WRITE_REQ_FIXED + RDMA_DESC_SIZE] = { 0 };

	if (off > buf->len || len > buf->len - off)
		return NULL;
	/* Length and DataOffset 0: all of it is in RemainingBytes */
	put_le16(body, WRITE_REQ_FIXED + 1);
	put_le64(body + 8, offset);
	put_fid(body + 16, fid);
	put_le32(body + 32, SMB2_CHANNEL_RDMA_V1);
	put_le32(body + 36, len);
	put_le16(body + 40, SMB2_HDR_SIZE + WRITE_REQ_FIXED);
	put_le16(body + 42, RDMA_DESC_SIZE);
	put_rdma_desc(body + WRITE_REQ_FIXED, buf, off, len);
	call.body = body;
	call.body_len = sizeof(body);
	call.credit_charge = smb2c_credit_charge(len);
	return smb2c_call_send(mem_ctx, ev, ch, &call);
}

struct tevent_req *smb2c_query_info_send(TALLOC_CTX *mem_ctx,
					 struct tevent_context *ev,
					 struct smb2c_chan *ch,
					 uint32_t tree_id, struct smb2c_fid fid,
					 uint8_t info_class, uint32_t max_len)
{
	struct smb2c_call call = { .command = SMB2_OP_QUERY_INFO,
				   .tree_id = tree_id };
	uint8_t body[QINFO_REQ_FIXED + 1] = { 0 };

	put_le16(body, QINFO_REQ_FIXED + 1);
	body[2] = SMB2_0_INFO_FILE;
	body[3] = info_class;
	put_le32(body + 4, max_len);
	put_fid(body + 24, fid);
	call.body = body;
	call.body_len = sizeof(body);
	return smb2c_call_send(mem_ctx, ev, ch, &call);
}

NTSTATUS smb2c_query_info_recv(struct tevent_req *req, uint32_t *len)
{
	uint8_t b[QINFO_RSP_MIN];
	NTSTATUS st = simple_recv(req, QINFO_RSP_MIN, b, sizeof(b));

	*len = NT_STATUS_IS_OK(st) ? get_le32(b + 4) : 0;
	return st;
}

struct tevent_req *smb2c_set_info_send(TALLOC_CTX *mem_ctx,
				       struct tevent_context *ev,
				       struct smb2c_chan *ch, uint32_t tree_id,
				       struct smb2c_fid fid,
				       uint8_t info_class, const uint8_t *buf,
				       uint32_t len)
{
	struct smb2c_call call = { .command = SMB2_OP_SET_INFO,
				   .tree_id = tree_id };
	uint8_t body[SINFO_REQ_FIXED + SINFO_MAX_BUF] = { 0 };

	if (len > SINFO_MAX_BUF)
		return NULL;
	put_le16(body, SINFO_REQ_FIXED + 1);
	body[2] = SMB2_0_INFO_FILE;
	body[3] = info_class;
	put_le32(body + 4, len);
	put_le16(body + 8, SMB2_HDR_SIZE + SINFO_REQ_FIXED);
	put_fid(body + 16, fid);
	memcpy(body + SINFO_REQ_FIXED, buf, len);
	call.body = body;
	call.body_len = SINFO_REQ_FIXED + len;
	return smb2c_call_send(mem_ctx, ev, ch, &call);
}

NTSTATUS smb2c_set_info_recv(struct tevent_req *req)
{
	return simple_recv(req, 0, NULL, 0);
}
