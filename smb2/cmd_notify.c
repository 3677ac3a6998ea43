/* CHANGE_NOTIFY (MS-SMB2 2.2.35, 2.2.36, 3.3.5.19). */
#include <errno.h>

#include "smb2/notify.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_objects.h"

NTSTATUS smb2_cmd_change_notify(struct smb2_req *req)
{
	struct wire_rd r;
	uint16_t flags;
	uint32_t max_len, filter;
	uint64_t fid_p, fid_v;
	struct smb2_open *o;
	NTSTATUS status;
	int rc;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 2); /* StructureSize */
	flags = wire_rd_u16(&r);
	max_len = wire_rd_u32(&r);
	fid_p = wire_rd_u64(&r);
	fid_v = wire_rd_u64(&r);
	filter = wire_rd_u32(&r);
	if (r.err)
		return NT_STATUS_INVALID_PARAMETER;
	o = smb2_open_lookup(req, fid_p, fid_v);
	if (!o)
		return NT_STATUS_FILE_CLOSED;
	if (max_len > req->conn->max_trans)
		return NT_STATUS_INVALID_PARAMETER;
	if (!o->is_dir || !o->file || o->fd < 0)
		return NT_STATUS_INVALID_PARAMETER;
	/* watching needs FILE_LIST_DIRECTORY (MS-FSA 2.1.5.10) */
	if (!(o->access_mask & FILE_LIST_DIRECTORY))
		return NT_STATUS_ACCESS_DENIED;

	/* changes made before this request arrived are buffered first, and
	 * a watch that starts now must not see them */
	smb2_notify_poll(req->conn->srv);
	rc = smb2_notify_start(o, filter, flags & SMB2_WATCH_TREE, max_len);
	if (rc == -ENOMEM)
		return NT_STATUS_NO_MEMORY;
	if (rc != 0)
		return NT_STATUS_NOT_SUPPORTED;
	if (smb2_notify_take(o, req, max_len, &status))
		return status;
	/* only the last element of a compound may go async; Windows fails
	 * the others (MS-SMB2 3.3.5.2.7, <Windows behaviour> notes) */
	if (req->next_elem)
		return NT_STATUS_INTERNAL_ERROR;
	if (smb2_notify_wait(o, req, max_len) != 0)
		return NT_STATUS_NO_MEMORY;
	/* the interim response names the session and tree */
	req->session_id = req->session->id;
	req->tree_id = req->tcon->id;
	smb2_req_go_async(req);
	return SMB2_STATUS_ASYNC;
}
