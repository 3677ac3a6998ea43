/* Internal entry points of the dispatcher shared with command handlers. */
#ifndef USMBD_SMB2_DISPATCH_H
#define USMBD_SMB2_DISPATCH_H

#include "smb2/smb2_server.h"

/* Asks the transport to drop the connection (once). */
void smb2_conn_terminate(struct smb2_conn *conn, const char *why);
/* Monotonic clock, seconds (session lifetimes). */
time_t smb2_now_seconds(void);
/* A session has been set up: stop the handshake deadline. */
void smb2_conn_handshake_done(struct smb2_conn *conn);
/* The SMB1 multi-protocol NEGOTIATE (MS-SMB2 3.3.5.3.1). */
void smb2_smb1_negotiate(struct smb2_msg *msg);
/* Sends an unsolicited message (oplock/lease break); -errno. */
int smb2_conn_send_unsolicited(struct smb2_conn *conn,
			       struct smb2_session *enc, uint64_t session_id,
			       uint16_t command, const uint8_t *body,
			       size_t len);
void smb2_msg_finish_single(struct smb2_msg *msg, struct smb2_req *req,
			    NTSTATUS st);

#endif
