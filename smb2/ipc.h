/*
 * Named pipes on IPC$: the pipe object behind an SMB2 open (CREATE, READ,
 * WRITE, FSCTL_PIPE_TRANSCEIVE) and the RPC services it reaches. Only
 * srvsvc (MS-SRVS) is served: what share browsing needs.
 */
#ifndef USMBD_IPC_H
#define USMBD_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

#include "conf/conf.h"
#include "smb2/dcerpc.h"
#include "smb2/ntstatus.h"

#define NT_STATUS_PIPE_DISCONNECTED NT_STATUS(0xc00000b0)
#define NT_STATUS_PIPE_EMPTY NT_STATUS(0xc00000d9)

/* ---- srvsvc (MS-SRVS), pure: it sees only the configuration ---- */

struct srvsvc_ctx {
	const char *server_name; /* NetBIOS name */
	const struct conf_share *shares;
	size_t n_shares;
};

/* 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0; private_data is a
 * struct srvsvc_ctx. */
extern const struct dcerpc_iface srvsvc_iface;

#define SRVSVC_OPNUM_NETR_SHARE_ENUM 15 /* Samba's NetShareEnumAll */
#define SRVSVC_OPNUM_NETR_SHARE_GET_INFO 16
#define SRVSVC_OPNUM_NETR_SERVER_GET_INFO 21
#define SRVSVC_OPNUM_NETR_SHARE_ENUM_STICKY 36

#define STYPE_DISKTREE 0x00000000u
#define STYPE_IPC 0x00000003u
#define STYPE_SPECIAL 0x80000000u

#define SRVSVC_WERR_OK 0u
#define SRVSVC_WERR_ACCESS_DENIED 5u
#define SRVSVC_WERR_INVALID_LEVEL 124u
#define SRVSVC_WERR_NET_NAME_NOT_FOUND 2310u

/* ---- the pipe object on an SMB2 open ---- */

struct smb2_req;
struct smb2_open;

/*
 * Opens the named pipe pipe_name (UTF-8, "srvsvc", "\\PIPE\\srvsvc" and
 * '/' spellings accepted, case-insensitive) on the request's IPC$ tree
 * connect: a new smb2_open with fd -1 and its pipe state in open->pipe.
 * OBJECT_NAME_NOT_FOUND for a pipe that is not served. Encodes nothing.
 */
NTSTATUS smb2_ipc_open(struct smb2_req *req, const char *pipe_name_utf8,
		       struct smb2_open **out);

/* Client -> server bytes (one or more PDUs, or part of one). */
NTSTATUS smb2_ipc_write(struct smb2_open *o, const uint8_t *data, size_t len,
			uint32_t *written);

/*
 * Up to max bytes of the pending response message. BUFFER_OVERFLOW (with
 * data) when the message has more, as Windows reports for message-mode
 * pipes; PIPE_EMPTY when there is nothing to read.
 */
NTSTATUS smb2_ipc_read(struct smb2_open *o, TALLOC_CTX *mem_ctx, uint32_t max,
		       uint8_t **data, size_t *len);

/* FSCTL_PIPE_TRANSCEIVE (MS-FSCC 2.3.49): write in, then read one
 * message of at most max_out (BUFFER_OVERFLOW when it was cut). */
NTSTATUS smb2_ipc_transceive(struct smb2_open *o, const uint8_t *in,
			     size_t in_len, uint32_t max_out,
			     TALLOC_CTX *mem_ctx, uint8_t **out,
			     size_t *out_len);

#endif
