/* TREE_CONNECT and TREE_DISCONNECT (MS-SMB2 3.3.5.7, 3.3.5.8). */
#include <string.h>

#include "conf/log.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_objects.h"
#include "vfs/unicode.h"

#define MAX_ACCESS_READ_ONLY                                           \
	(FILE_READ_DATA | FILE_READ_EA | FILE_EXECUTE |                \
	 FILE_READ_ATTRIBUTES | READ_CONTROL | SYNCHRONIZE)

NTSTATUS smb2_cmd_tree_connect(struct smb2_req *req)
{
	struct smb2_session *s = req->session;
	struct smb2_server *srv = s->srv;
	struct wire_rd r;
	uint16_t path_off, path_len;
	struct wire_slice path;
	char *unc = NULL, *name;
	struct smb2_share_state *share = NULL;
	struct smb2_tcon *t;
	struct wire_wr *w = &req->out;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 4); /* StructureSize, Flags/Reserved */
	path_off = wire_rd_u16(&r);
	path_len = wire_rd_u16(&r);
	if (r.err || path_len == 0 || (path_len & 1) ||
	    !wire_slice_at(&req->in, path_off, path_len, &path))
		return NT_STATUS_INVALID_PARAMETER;
	if (utf16le_to_utf8(req, path.p, path.len, &unc) != 0)
		return NT_STATUS_BAD_NETWORK_NAME;
	/* \\server\share: the share is what follows the last backslash */
	name = strrchr(unc, '\\');
	if (!name || unc[0] != '\\' || unc[1] != '\\')
		return NT_STATUS_BAD_NETWORK_NAME;
	name++;
	for (size_t i = 0; i < srv->n_shares; i++)
		if (name_equal_ci(srv->shares[i].conf->name, name))
			share = &srv->shares[i];
	if (!share) {
		LOG_INFO("%s: tree connect to unknown share '%s'",
			 req->conn->peer, name);
		return NT_STATUS_BAD_NETWORK_NAME;
	}
	if (s->anonymous && !share->conf->guest_ok && !share->conf->is_ipc)
		return NT_STATUS_ACCESS_DENIED;
	if (s->n_opens > 0 && s->tcons && s->next_tree_id > 0xfffffff0u)
		return NT_STATUS_INSUFFICIENT_RESOURCES;
	enum conf_encrypt enc = share->conf->is_ipc
					? CONF_ENCRYPT_OFF
					: conf_share_encrypt(srv->conf, share->conf);
	if (enc == CONF_ENCRYPT_REQUIRED &&
	    (!req->conn->cipher || s->anonymous)) {
		LOG_INFO("%s: [%s] requires encryption, the client cannot",
			 req->conn->peer, share->conf->name);
		return NT_STATUS_ACCESS_DENIED;
	}
	t = smb2_tcon_new(s, share);
	if (!t)
		return NT_STATUS_NO_MEMORY;
	t->encrypt_data = enc != CONF_ENCRYPT_OFF && req->conn->cipher &&
			  !s->anonymous;
	t->max_access = t->read_only ? MAX_ACCESS_READ_ONLY : FILE_ALL_ACCESS;
	req->tcon = t;

	wire_wr_u16(w, 16);
	wire_wr_u8(w, t->is_ipc ? SMB2_SHARE_TYPE_PIPE : SMB2_SHARE_TYPE_DISK);
	wire_wr_u8(w, 0);
	wire_wr_u32(w, t->encrypt_data ? SMB2_SHAREFLAG_ENCRYPT_DATA : 0);
	wire_wr_u32(w, 0); /* Capabilities */
	wire_wr_u32(w, t->max_access);
	LOG_DBG("%s: tree %u connected to [%s]", req->conn->peer, t->id,
		share->conf->name);
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

NTSTATUS smb2_cmd_tree_disconnect(struct smb2_req *req)
{
	uint32_t id = req->tcon->id;

	talloc_free(req->tcon);
	req->tcon = NULL;
	req->hdr.tree_id = id;
	wire_wr_u16(&req->out, 4);
	wire_wr_u16(&req->out, 0);
	return NT_STATUS_OK;
}
