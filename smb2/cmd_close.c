/* CLOSE (MS-SMB2 2.2.15, 2.2.16, 3.3.5.10). */
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_info.h"
#include "smb2/smb2_objects.h"
#include "smb2/streams.h"

NTSTATUS smb2_cmd_close(struct smb2_req *req)
{
	struct wire_wr *w = &req->out;
	uint16_t flags = get_le16(req->body.p + 2);
	struct smb2_open *o = smb2_open_lookup_at(req, 8);
	struct vfs_stat st = { 0 };
	bool post = flags & SMB2_CLOSE_FLAGS_POSTQUERY_ATTRIB;

	if (!o)
		return NT_STATUS_FILE_CLOSED;
	/* the times as they stand at the close (MS-SMB2 3.3.5.10) */
	if (post && (o->fd < 0 || smb2_stream_fstat(o, &st) != 0))
		post = false;
	if (post && o->file && o->file->change_time_set)
		smb2_info_apply_change_time(&st, o->file->change_time,
					    o->file->change_time_ctime);
	talloc_free(o);

	wire_wr_u16(w, 60);
	wire_wr_u16(w, post ? SMB2_CLOSE_FLAGS_POSTQUERY_ATTRIB : 0);
	wire_wr_u32(w, 0);
	if (post) {
		wire_wr_u64(w, st.create_time);
		wire_wr_u64(w, st.access_time);
		wire_wr_u64(w, st.write_time);
		wire_wr_u64(w, st.change_time);
		wire_wr_u64(w, st.is_dir ? 0 : st.alloc_size);
		wire_wr_u64(w, st.is_dir ? 0 : st.size);
		wire_wr_u32(w, st.attributes);
	} else {
		wire_wr_zero(w, 52);
	}
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}
