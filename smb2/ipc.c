/*
 * Named pipes on IPC$: an smb2_open whose pipe state is an RPC server end
 * (dcerpc_pipe) in front of srvsvc. SMB2 WRITE feeds it PDUs, READ takes
 * the answers one message at a time, FSCTL_PIPE_TRANSCEIVE does both
 * (MS-SMB2 3.3.5.9, 3.3.5.12, 3.3.5.13, 3.3.5.15.1).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "conf/log.h"
#include "smb2/ipc.h"
#include "smb2/smb2_objects.h"
#include "vfs/unicode.h"

struct smb2_pipe {
	struct smb2_server *srv;
	struct srvsvc_ctx svc;
	struct dcerpc_pipe *rpc;
};

/* "srvsvc", "\srvsvc", "\PIPE\srvsvc", "/pipe/srvsvc": the bare name */
static const char *bare_pipe_name(const char *name)
{
	while (*name == '\\' || *name == '/')
		name++;
	if (strncasecmp(name, "PIPE", 4) == 0 &&
	    (name[4] == '\\' || name[4] == '/'))
		name += 5;
	return name;
}

NTSTATUS smb2_ipc_open(struct smb2_req *req, const char *pipe_name_utf8,
		       struct smb2_open **out)
{
	struct smb2_tcon *t = req->tcon;
	const char *name = bare_pipe_name(pipe_name_utf8);
	struct smb2_pipe *p;
	struct smb2_open *o;

	*out = NULL;
	if (!t || !t->is_ipc || !name_equal_ci(name, "srvsvc"))
		return NT_STATUS_OBJECT_NAME_NOT_FOUND;
	if (t->session->n_opens >= 16384)
		return NT_STATUS_INSUFFICIENT_RESOURCES;
	o = smb2_open_new(t, -1, NULL, NULL);
	if (!o)
		return NT_STATUS_NO_MEMORY;
	p = talloc_zero(o, struct smb2_pipe);
	if (!p)
		goto nomem;
	p->srv = t->session->srv;
	p->rpc = dcerpc_pipe_new(p, &srvsvc_iface, &p->svc, "\\PIPE\\srvsvc");
	o->client_name = talloc_strdup(o, "srvsvc");
	if (!p->rpc || !o->client_name)
		goto nomem;
	o->pipe = p;
	*out = o;
	LOG_DBG("%s: pipe srvsvc opened, fid %llu", req->conn->peer,
		(unsigned long long)o->volatile_id);
	return NT_STATUS_OK;
nomem:
	talloc_free(o);
	return NT_STATUS_NO_MEMORY;
}

static struct smb2_pipe *pipe_of(struct smb2_open *o)
{
	struct smb2_pipe *p = o->pipe;

	if (!p)
		return NULL;
	/* read the configuration at each call rather than keep pointers
	 * into one that a reload may have replaced */
	p->svc.server_name = p->srv->conf->server_name;
	p->svc.shares = p->srv->conf->shares;
	p->svc.n_shares = p->srv->conf->n_shares;
	return p;
}

NTSTATUS smb2_ipc_write(struct smb2_open *o, const uint8_t *data, size_t len,
			uint32_t *written)
{
	struct smb2_pipe *p = pipe_of(o);
	bool was_broken;
	int rc;

	*written = 0;
	if (!p)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	if (len > UINT32_MAX)
		return NT_STATUS_INVALID_PARAMETER;
	was_broken = dcerpc_pipe_broken(p->rpc);
	rc = dcerpc_pipe_write(p->rpc, data, len);
	/* a write that broke the pipe was taken: its fault is waiting */
	if (rc == -EPIPE && !was_broken)
		rc = 0;
	switch (rc) {
	case 0:
		*written = (uint32_t)len;
		return NT_STATUS_OK;
	case -EPIPE:
		return NT_STATUS_PIPE_DISCONNECTED;
	case -ENOMEM:
		return NT_STATUS_NO_MEMORY;
	default:
		return NT_STATUS_INSUFFICIENT_RESOURCES;
	}
}

NTSTATUS smb2_ipc_read(struct smb2_open *o, TALLOC_CTX *mem_ctx, uint32_t max,
		       uint8_t **data, size_t *len)
{
	struct smb2_pipe *p = pipe_of(o);
	bool more;
	int rc;

	*data = NULL;
	*len = 0;
	if (!p)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	rc = dcerpc_pipe_read(p->rpc, mem_ctx, max, data, len, &more);
	if (rc == -EAGAIN)
		return dcerpc_pipe_broken(p->rpc) ? NT_STATUS_PIPE_DISCONNECTED
						  : NT_STATUS_PIPE_EMPTY;
	if (rc != 0)
		return NT_STATUS_NO_MEMORY;
	return more ? NT_STATUS_BUFFER_OVERFLOW : NT_STATUS_OK;
}

NTSTATUS smb2_ipc_transceive(struct smb2_open *o, const uint8_t *in,
			     size_t in_len, uint32_t max_out,
			     TALLOC_CTX *mem_ctx, uint8_t **out,
			     size_t *out_len)
{
	uint32_t written;
	NTSTATUS status;

	*out = NULL;
	*out_len = 0;
	status = smb2_ipc_write(o, in, in_len, &written);
	if (!NT_STATUS_IS_OK(status))
		return status;
	return smb2_ipc_read(o, mem_ctx, max_out, out, out_len);
}
