/*
 * ECHO, and the commands whose semantics come with the file-semantics
 * work (LOCK, CHANGE_NOTIFY, OPLOCK_BREAK), which answer with the status
 * Windows gives when a feature is not available. IOCTL is in cmd_ioctl.c.
 */
#include <string.h>

#include "conf/log.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_objects.h"

NTSTATUS smb2_cmd_echo(struct smb2_req *req)
{
	wire_wr_u16(&req->out, 4);
	wire_wr_u16(&req->out, 0);
	return NT_STATUS_OK;
}
