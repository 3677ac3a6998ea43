/*
 * Durable, resilient and app-instance opens (MS-SMB2 3.3.5.9.6-3.3.5.9.14,
 * 3.3.5.15.9, 3.3.7.1): which opens survive the loss of their
 * connection, the server-wide table that keeps them while no session
 * holds them, their reconnection by the same user, their expiry, and the
 * CREATE replay that answers with the open a CreateGuid already made.
 *
 * A disconnected open keeps everything it had (fd, file registration,
 * share modes, byte-range locks, oplock or lease) and sits under a
 * stand-in session and tree connect that have no connection, so the
 * rest of the server sees an ordinary open whose break notifications
 * cannot be delivered.
 */
#ifndef USMBD_SMB2_DURABLE_H
#define USMBD_SMB2_DURABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "smb2/lease.h"
#include "smb2/smb2_server.h"

#define SMB2_DHANDLE_FLAG_PERSISTENT 0x00000002u
#define FSCTL_LMR_REQUEST_RESILIENCY 0x001401d4u

/* MS-SMB2 3.3.5.9.6 <footnote>: Windows keeps a v1 durable open 16
 * minutes; 3.3.5.9.10: a v2 Timeout of 0 means the server's default,
 * 60 s as Windows and Samba use; requests above 5 minutes are capped */
#define SMB2_DURABLE_V1_TIMEOUT_MS (16u * 60u * 1000u)
#define SMB2_DURABLE_V2_DEFAULT_MS 60000u
#define SMB2_DURABLE_V2_MAX_MS 300000u
/* MS-SMB2 3.3.5.15.9: MaxResiliencyTimeout, and the default for 0 */
#define SMB2_RESILIENT_MAX_MS 300000u
#define SMB2_RESILIENT_DEFAULT_MS 120000u

#define SMB2_DH_REQ_SIZE 16	 /* DHnQ */
#define SMB2_DH_RECONNECT_SIZE 16 /* DHnC: FileId */
#define SMB2_DH2_REQ_SIZE 32	 /* DH2Q */
#define SMB2_DH2_RECONNECT_SIZE 36 /* DH2C */
#define SMB2_APP_INSTANCE_ID_SIZE 20
#define SMB2_APP_INSTANCE_VERSION_SIZE 24
#define SMB2_NETWORK_RESILIENCY_SIZE 8

/* The durable and app-instance create contexts of one CREATE. */
struct smb2_durable_req {
	bool v1_request;   /* DHnQ */
	bool v1_reconnect; /* DHnC */
	bool v2_request;   /* DH2Q */
	bool v2_reconnect; /* DH2C */
	uint64_t fid_p, fid_v; /* reconnect: the open's FileId */
	uint8_t create_guid[16]; /* DH2Q / DH2C */
	uint32_t timeout_ms;	 /* DH2Q */
	uint32_t flags;		 /* DH2Q / DH2C */
	bool has_app_id;
	uint8_t app_id[16];
	bool has_app_version;
	uint64_t app_version_high, app_version_low;
};

/* The response context a granted durable open carries. */
struct smb2_durable_rsp {
	const char *tag; /* "DHnQ", "DH2Q" or NULL */
	uint8_t data[8];
	uint32_t len;
};

/*
 * If name is a durable or app-instance context, decodes data into d and
 * sets *handled; INVALID_PARAMETER for a malformed body. Pure.
 */
NTSTATUS smb2_durable_parse_context(struct smb2_durable_req *d,
				    const uint8_t *name, size_t name_len,
				    const uint8_t *data, size_t data_len,
				    bool *handled);

/*
 * MS-SMB2 3.3.5.9.6/.7/.10/.12: which combinations are refused, and
 * which contexts a dialect ignores (v2 and app instances are 3.x only,
 * durable handles 2.1 on... v1 is 2.x and 3.x). Drops what is ignored.
 * Pure.
 */
NTSTATUS smb2_durable_check_request(struct smb2_durable_req *d,
				    uint16_t dialect);

/* The timeout a v2 durable open gets for the one asked for. Pure. */
uint32_t smb2_durable_v2_timeout(uint32_t requested_ms);

/*
 * Whether an open with this caching may be durable: a batch oplock, or a
 * lease that caches handles, and never a directory. Pure.
 */
bool smb2_durable_grantable(uint8_t oplock_level, uint32_t lease_state,
			    bool is_dir);

/*
 * First step of a CREATE with durable contexts (the others pass through):
 * a DHnC/DH2C reconnect attaches the disconnected open to the request's
 * tree connect, and a DH2Q whose CreateGuid names an open already made
 * answers with that open (a replay, 3.3.5.9.10); both set *existing.
 * An app instance id closes the other client's open with the same id
 * (3.3.5.9.13), and a new open closes the disconnected opens of the
 * file that stand in its way: nobody could answer their breaks
 * (MS-SMB2 3.3.4.6/3.3.4.7). lease: the request's RqLs context, NULL if
 * none; rq: the oplock and lease it asks for; path: the name it gives
 * ('/' separated, NULL if unusable).
 */
NTSTATUS smb2_durable_create_begin(struct smb2_req *req,
				   struct smb2_durable_req *d,
				   const struct smb2_lease_ctx *lease,
				   const struct smb2_oplock_request *rq,
				   const char *path, struct smb2_open **existing);

/*
 * After the oplock or lease is granted: makes o durable when the rules
 * allow it, remembers its CreateGuid and app instance, and fills *rsp
 * (tag NULL when nothing is granted).
 */
void smb2_durable_grant(struct smb2_req *req, struct smb2_open *o,
			const struct smb2_durable_req *d, uint32_t action,
			uint8_t oplock_level, uint32_t lease_state,
			struct smb2_durable_rsp *rsp);

/*
 * The answer for an open found by smb2_durable_create_begin: OplockLevel
 * (a replay reports no more than it asks for, requested: its
 * RequestedOplockLevel), CreateAction and the durable context.
 */
void smb2_durable_existing_rsp(const struct smb2_open *o,
			       const struct smb2_durable_req *d,
			       uint8_t requested, uint8_t *oplock,
			       uint32_t *action, struct smb2_durable_rsp *rsp);

/*
 * conn is going away: sessions whose last channel it is keep their
 * durable and resilient opens, detached (3.3.7.1). Called before the
 * channels are dropped.
 */
void smb2_durable_conn_lost(struct smb2_conn *conn);

/*
 * SESSION_SETUP with PreviousSessionId (3.3.5.5.3): the previous session
 * of the same user ends as if its connection had been lost, so its
 * durable opens wait for a reconnect and the rest close.
 */
void smb2_durable_previous_session(struct smb2_session *s,
				   uint64_t previous_id);

/* LOGOFF: durable opens wait for a reconnect, as Windows keeps them. */
void smb2_durable_logoff(struct smb2_session *s);

/* FSCTL_LMR_REQUEST_RESILIENCY on o (3.3.5.15.9). */
NTSTATUS smb2_durable_request_resiliency(struct smb2_req *req,
					 struct smb2_open *o,
					 struct wire_slice in);

/* Closes every disconnected open; the server is going away. */
void smb2_durable_server_end(struct smb2_server *srv);

#endif
