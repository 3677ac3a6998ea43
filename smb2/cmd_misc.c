/*
 * ECHO, IOCTL (FSCTL_VALIDATE_NEGOTIATE_INFO), and the commands whose
 * semantics come with the file-semantics work (LOCK, CHANGE_NOTIFY,
 * OPLOCK_BREAK), which answer with the status Windows gives when a
 * feature is not available.
 */
#include <string.h>

#include "conf/log.h"
#include "smb2/ipc.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_objects.h"

NTSTATUS smb2_cmd_echo(struct smb2_req *req)
{
	wire_wr_u16(&req->out, 4);
	wire_wr_u16(&req->out, 0);
	return NT_STATUS_OK;
}

static NTSTATUS ioctl_response(struct smb2_req *req, uint32_t ctl_code,
			       uint64_t fid_p, uint64_t fid_v,
			       const uint8_t *out, uint32_t out_len)
{
	struct wire_wr *w = &req->out;
	wire_wr_u16(w, 49);
	wire_wr_u16(w, 0);
	wire_wr_u32(w, ctl_code);
	wire_wr_u64(w, fid_p);
	wire_wr_u64(w, fid_v);
	wire_wr_u32(w, SMB2_HDR_SIZE + 48); /* InputOffset */
	wire_wr_u32(w, 0);
	wire_wr_u32(w, SMB2_HDR_SIZE + 48); /* OutputOffset */
	wire_wr_u32(w, out_len);
	wire_wr_u32(w, 0);
	wire_wr_u32(w, 0);
	wire_wr_bytes(w, out, out_len);
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

/* MS-SMB2 3.3.5.15.12: a mismatch means a man in the middle rewrote the
 * NEGOTIATE: drop the connection. */
static NTSTATUS validate_negotiate(struct smb2_req *req, struct wire_slice in,
				  uint32_t max_out)
{
	struct smb2_conn *conn = req->conn;
	struct wire_rd r;
	uint32_t caps;
	uint8_t guid[16];
	uint16_t mode, count, best = 0;
	uint8_t out[24];

	if (conn->dialect == SMB2_DIALECT_311) {
		smb2_conn_terminate(conn, "VALIDATE_NEGOTIATE_INFO on 3.1.1");
		return NT_STATUS_ACCESS_DENIED;
	}
	wire_rd_init_slice(&r, in);
	caps = wire_rd_u32(&r);
	wire_rd_bytes(&r, guid, 16);
	mode = wire_rd_u16(&r);
	count = wire_rd_u16(&r);
	if (r.err || wire_rd_left(&r) < (size_t)count * 2 || max_out < 24)
		return NT_STATUS_INVALID_PARAMETER;
	for (uint16_t i = 0; i < count; i++) {
		uint16_t d = wire_rd_u16(&r);
		if (d <= SMB2_DIALECT_302 && d > best)
			best = d;
	}
	if (caps != conn->client_capabilities ||
	    memcmp(guid, conn->client_guid, 16) != 0 ||
	    mode != conn->client_security_mode || best != conn->dialect) {
		smb2_conn_terminate(conn, "VALIDATE_NEGOTIATE_INFO mismatch");
		return NT_STATUS_ACCESS_DENIED;
	}
	put_le32(out, conn->server_capabilities);
	memcpy(out + 4, conn->srv->server_guid, 16);
	put_le16(out + 20, SMB2_NEGOTIATE_SIGNING_ENABLED |
				   (conn->signing_required
					    ? SMB2_NEGOTIATE_SIGNING_REQUIRED
					    : 0));
	put_le16(out + 22, conn->dialect);
	return ioctl_response(req, FSCTL_VALIDATE_NEGOTIATE_INFO, UINT64_MAX,
			      UINT64_MAX, out, sizeof(out));
}

/*
 * FILE_OBJECTID_BUFFER (MS-FSCC 2.1.3): a stable object id derived from
 * the inode and device, so it is the same for every open and restart.
 */
static NTSTATUS object_id(struct smb2_req *req, struct smb2_open *o,
			  uint32_t ctl_code, uint32_t max_out)
{
	struct vfs_stat st;
	uint8_t out[64] = { 0 };

	if (max_out < sizeof(out))
		return NT_STATUS_BUFFER_TOO_SMALL;
	if (o->fd < 0 || vfs_fstat(o->fd, &st) != 0)
		return NT_STATUS_INVALID_HANDLE;
	put_le64(out, st.file_id);
	put_le64(out + 8, st.dev);
	put_le64(out + 16, st.dev); /* BirthVolumeId */
	put_le64(out + 32, st.file_id); /* BirthObjectId */
	put_le64(out + 40, st.dev);
	return ioctl_response(req, ctl_code, o->persistent_id, o->volatile_id,
			      out, sizeof(out));
}

/* FSCTL_PIPE_TRANSCEIVE (MS-SMB2 3.3.5.15.1): an RPC round trip. */
static NTSTATUS pipe_transceive(struct smb2_req *req, uint64_t fid_p,
				uint64_t fid_v, struct wire_slice in,
				uint32_t max_out)
{
	struct smb2_open *o = smb2_open_lookup(req, fid_p, fid_v);
	uint8_t *out;
	size_t out_len;
	NTSTATUS status, rsp;

	if (!o)
		return NT_STATUS_FILE_CLOSED;
	if (!o->pipe)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	status = smb2_ipc_transceive(o, in.p, in.len, max_out, req, &out,
				     &out_len);
	if (!NT_STATUS_IS_OK(status) &&
	    !NT_STATUS_EQUAL(status, NT_STATUS_BUFFER_OVERFLOW))
		return status;
	rsp = ioctl_response(req, FSCTL_PIPE_TRANSCEIVE, o->persistent_id,
			     o->volatile_id, out, (uint32_t)out_len);
	return NT_STATUS_IS_OK(rsp) ? status : rsp;
}

NTSTATUS smb2_cmd_ioctl(struct smb2_req *req)
{
	struct wire_rd r;
	uint32_t ctl_code, in_off, in_count, max_out, flags;
	uint64_t fid_p, fid_v;
	struct wire_slice in;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 4);
	ctl_code = wire_rd_u32(&r);
	fid_p = wire_rd_u64(&r);
	fid_v = wire_rd_u64(&r);
	in_off = wire_rd_u32(&r);
	in_count = wire_rd_u32(&r);
	wire_rd_skip(&r, 4 + 4 + 4); /* MaxInput, OutputOffset/Count */
	max_out = wire_rd_u32(&r);
	flags = wire_rd_u32(&r);
	if (r.err || !wire_slice_at(&req->in, in_off, in_count, &in))
		return NT_STATUS_INVALID_PARAMETER;
	if (!(flags & SMB2_0_IOCTL_IS_FSCTL))
		return NT_STATUS_NOT_SUPPORTED;
	if (in_count > req->conn->max_trans || max_out > req->conn->max_trans)
		return NT_STATUS_INVALID_PARAMETER;
	switch (ctl_code) {
	case FSCTL_VALIDATE_NEGOTIATE_INFO:
		return validate_negotiate(req, in, max_out);
	case FSCTL_DFS_GET_REFERRALS:
	case 0x000601b0: /* FSCTL_DFS_GET_REFERRALS_EX */
		return NT_STATUS_FS_DRIVER_REQUIRED;
	case FSCTL_PIPE_TRANSCEIVE:
		return pipe_transceive(req, fid_p, fid_v, in, max_out);
	default:
		break;
	}
	/* the rest operate on an open */
	struct smb2_open *o = smb2_open_lookup(req, fid_p, fid_v);
	if (!o)
		return NT_STATUS_FILE_CLOSED;
	switch (ctl_code) {
	case FSCTL_CREATE_OR_GET_OBJECT_ID:
	case FSCTL_GET_OBJECT_ID:
		return object_id(req, o, ctl_code, max_out);
	default:
		break;
	}
	/* other FSCTLs come with the file-semantics work */
	if (req->tcon->is_ipc)
		return NT_STATUS_NOT_SUPPORTED;
	return NT_STATUS_INVALID_DEVICE_REQUEST;
}

NTSTATUS smb2_cmd_change_notify(struct smb2_req *req)
{
	if (!smb2_open_lookup_at(req, 8))
		return NT_STATUS_FILE_CLOSED;
	return NT_STATUS_NOT_SUPPORTED;
}

NTSTATUS smb2_cmd_oplock_break(struct smb2_req *req)
{
	/* no oplock or lease is ever granted, so no break is pending */
	return NT_STATUS_INVALID_OPLOCK_PROTOCOL;
}
