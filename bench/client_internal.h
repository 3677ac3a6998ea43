/* Pieces of the benchmark client shared between its files. */
#ifndef USMBD_BENCH_CLIENT_INTERNAL_H
#define USMBD_BENCH_CLIENT_INTERNAL_H

#include "bench/smb2_client.h"

#define SMB2C_MAX_SESSIONS_PER_CONN 4
#define SMB2C_MAX_PAYLOAD_IOV 4

/* The status a failed tevent_req carries (OK when it did not fail). */
NTSTATUS smb2c_req_status(struct tevent_req *req);
void smb2c_req_fail(struct tevent_req *req, NTSTATUS status);

struct smb2c_conn_info *smb2c_conn_info_mut(struct smb2c_conn *c);
const struct smb2c_options *smb2c_conn_options(const struct smb2c_conn *c);
/* Connection.PreauthIntegrityHashValue (MS-SMB2 3.2.5.2). */
uint8_t *smb2c_conn_preauth(struct smb2c_conn *c);
/* Lets responses encrypted under s be decrypted on c. 0 or -ENOSPC. */
int smb2c_conn_add_session(struct smb2c_conn *c, struct smb2c_session *s);

#endif
