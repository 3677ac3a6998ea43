/*
 * Oplock and lease holders on the server: the lease table (one lease per
 * ClientGuid + LeaseKey, shared by the opens of that client and key on
 * one file), the oplock of each open, the break notifications sent to the
 * holder's connection, the break acknowledgment timer, and the requests
 * that wait for a break to finish (MS-SMB2 3.3.4.6, 3.3.4.7, 3.3.5.9.8,
 * 3.3.5.9.11, 3.3.5.22; MS-FSA 2.1.4.12). The rules themselves are the
 * pure functions of oplock.h.
 */
#ifndef USMBD_SMB2_LEASE_H
#define USMBD_SMB2_LEASE_H

#include "smb2/oplock.h"
#include "smb2/smb2_server.h"

/* MS-SMB2 3.3.2.1/3.3.2.5: Windows waits 35 s for an acknowledgment */
#define SMB2_OPLOCK_BREAK_TIMEOUT_MS 35000

/* What a CREATE asks for, as the break and grant steps need it. */
struct smb2_oplock_request {
	uint8_t level;		    /* RequestedOplockLevel */
	bool has_lease;		    /* level LEASE with a usable RqLs */
	struct smb2_lease_ctx lease; /* the request's lease context */
	uint32_t access;	    /* granted access of the new open */
	bool overwrite;		    /* SUPERSEDE, OVERWRITE(_IF) */
	bool existed;		    /* the file was there before */
	bool retry;		    /* tried before, waited for a break */
};

/*
 * MS-SMB2 3.3.5.9.8: a lease key names one file; a key the client
 * already uses for another file is refused with INVALID_PARAMETER.
 * f: the file the open names, NULL when it is being created.
 */
NTSTATUS smb2_lease_check_key(struct smb2_conn *conn,
			      const struct smb2_oplock_request *rq,
			      const struct smb2_file *f);

/*
 * Breaks what the new open cannot coexist with (MS-FSA 2.1.4.12) before
 * its share modes are judged. Returns OK to go on, or SMB2_STATUS_ASYNC
 * when a holder must acknowledge first: the request then went async and
 * resume(req) runs once a holder acknowledges, times out, closes or goes
 * away (the caller starts over and may wait again).
 */
NTSTATUS smb2_oplock_break_for_open(struct smb2_req *req, struct smb2_file *f,
				    const struct smb2_oplock_request *rq,
				    bool sharing_violation,
				    void (*resume)(struct smb2_req *req));

/*
 * Grants the new open o what the other opens of its file allow; returns
 * the OplockLevel of the response and, for a lease, fills *rsp with the
 * lease response context (*has_rsp). NO_MEMORY leaves o without any.
 */
NTSTATUS smb2_oplock_grant_open(struct smb2_conn *conn, struct smb2_open *o,
				const struct smb2_oplock_request *rq,
				uint8_t *level, struct smb2_lease_ctx *rsp,
				bool *has_rsp);

/* The oplock level an open holds (LEASE for a lease). */
uint8_t smb2_open_oplock_level(const struct smb2_open *o);

/* The lease o holds as a create response reports it (key, state, epoch,
 * flags, version); false when it holds none. */
bool smb2_open_lease(const struct smb2_open *o, struct smb2_lease_ctx *out);

/*
 * Before a WRITE, a size change (SET_INFO end of file / allocation) or a
 * byte-range LOCK through o: level II oplocks and read leases of other
 * owners break to none; nobody waits (MS-FSA 2.1.4.12, "write" and
 * "set end of file" operations).
 */
void smb2_break_for_write(struct smb2_open *o);

/*
 * Before a rename or a delete disposition through o (SET_INFO): other
 * owners' handle caching breaks (MS-FSA 2.1.5.14.11/2.1.5.14.3, the
 * "rename"/"set disposition" operations) and the request waits for it.
 * Returns OK, or SMB2_STATUS_ASYNC with resume(req) to run later as for
 * smb2_oplock_break_for_open.
 */
NTSTATUS smb2_break_for_rename(struct smb2_req *req, struct smb2_open *o,
			       void (*resume)(struct smb2_req *req));

#endif
