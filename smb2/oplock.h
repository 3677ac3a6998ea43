/*
 * Oplock and lease rules as pure functions: what a new open breaks and
 * waits for (MS-FSA 2.1.4.12, MS-SMB2 3.3.5.9.8/.11), what it is granted,
 * how a lease moves through a break (MS-SMB2 3.3.4.7, 3.3.5.22.2), and the
 * wire codecs of the lease create contexts (2.2.13.2.8/.10, 2.2.14.2.10/
 * .11) and of the break notifications (2.2.23). No server state here; the
 * holders, timers and waiting opens live in lease.c.
 */
#ifndef USMBD_SMB2_OPLOCK_H
#define USMBD_SMB2_OPLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smb2/ntstatus.h"

#define SMB2_OPLOCK_LEVEL_NONE 0x00
#define SMB2_OPLOCK_LEVEL_II 0x01
#define SMB2_OPLOCK_LEVEL_EXCLUSIVE 0x08
#define SMB2_OPLOCK_LEVEL_BATCH 0x09
#define SMB2_OPLOCK_LEVEL_LEASE 0xff

/* caching states (MS-SMB2 2.2.13.2.8); oplocks map onto them */
#define SMB2_LEASE_NONE 0x00u
#define SMB2_LEASE_READ 0x01u
#define SMB2_LEASE_HANDLE 0x02u
#define SMB2_LEASE_WRITE 0x04u
#define SMB2_LEASE_RWH (SMB2_LEASE_READ | SMB2_LEASE_WRITE | SMB2_LEASE_HANDLE)

/* LeaseFlags of the create contexts */
#define SMB2_LEASE_FLAG_BREAK_IN_PROGRESS 0x02u
#define SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET 0x04u
/* Flags of the lease break notification */
#define SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED 0x01u

#define SMB2_LEASE_V1_SIZE 32
#define SMB2_LEASE_V2_SIZE 52
#define SMB2_OPLOCK_BREAK_SIZE 24
#define SMB2_LEASE_BREAK_SIZE 44
#define SMB2_LEASE_ACK_SIZE 36

/* SMB2_CREATE_REQUEST_LEASE(_V2) and its response. */
struct smb2_lease_ctx {
	uint8_t key[16];
	uint32_t state;
	uint32_t flags;
	uint8_t parent_key[16]; /* v2 */
	uint16_t epoch;		/* v2 */
	uint8_t version;	/* 1 or 2 */
};

/* Decodes an RqLs context body: 32 bytes is v1, 52 is v2. */
bool smb2_lease_ctx_decode(const uint8_t *p, size_t len,
			   struct smb2_lease_ctx *out);
/* Encodes the response body; returns its size (32 or 52). */
size_t smb2_lease_ctx_encode(const struct smb2_lease_ctx *l,
			     uint8_t out[SMB2_LEASE_V2_SIZE]);

void smb2_oplock_break_encode(uint8_t out[SMB2_OPLOCK_BREAK_SIZE],
			      uint8_t level, uint64_t fid_p, uint64_t fid_v);
void smb2_lease_break_encode(uint8_t out[SMB2_LEASE_BREAK_SIZE],
			     const uint8_t key[16], uint16_t new_epoch,
			     uint32_t flags, uint32_t current,
			     uint32_t new_state);

/* The caching an oplock level stands for, and back (RH maps to II). */
uint32_t smb2_oplock_caching(uint8_t level);
uint8_t smb2_oplock_from_caching(uint32_t caching);

/*
 * Opens that only read or write attributes neither break oplocks nor
 * get them; for leases, reading the security descriptor is as harmless.
 */
bool smb2_oplock_stat_open(uint32_t access);
bool smb2_lease_stat_open(uint32_t access);

/* What a new open does to one holder's caching. */
struct smb2_break_decision {
	bool send;     /* notify the holder */
	uint32_t to;   /* the caching it may keep */
	bool wait;     /* the open waits for the acknowledgment */
};

/*
 * held: the holder's caching now; is_lease: a lease (oplocks only break
 * to level II or none); sharing_violation: the open conflicts with the
 * share modes, so only a handle cache (a holder that may close) is worth
 * waiting for; overwrite: SUPERSEDE/OVERWRITE(_IF) purge read caches too.
 */
void smb2_break_for_open(uint32_t held, bool is_lease, bool sharing_violation,
			 bool overwrite, struct smb2_break_decision *d);

/* What the other opens of the file allow a new open. */
struct smb2_grant_env {
	bool others;		/* a non-stat open or any oplock/lease (not
				   of the same lease): no write caching */
	bool other_oplock;	/* an oplock: no handle caching for a lease */
	bool other_handle_lease; /* a lease with H: no oplock at all */
	bool is_dir;
};

/* The lease state granted for a requested one (0 when none). */
uint32_t smb2_lease_grant(uint32_t requested, const struct smb2_grant_env *e);
/* The oplock level granted for a requested level. */
uint8_t smb2_oplock_grant(uint8_t requested, const struct smb2_grant_env *e);

/* A lease as the break machinery sees it. */
struct smb2_lease_sm {
	uint32_t state;
	bool breaking;
	uint32_t breaking_to;	/* what the notification offered */
	uint32_t required;	/* what the breakers need in the end */
	uint16_t epoch;
};

/*
 * Asks the lease to drop to at most `to`. Returns true when a
 * notification is due: *from / *new_state go in it and *ack whether the
 * client must acknowledge (only when W or H is lost). A lease already
 * breaking only narrows its target; one holding just R drops at once.
 */
bool smb2_lease_sm_break(struct smb2_lease_sm *l, uint32_t to,
			 uint32_t *from, uint32_t *new_state, bool *ack);

/*
 * The client acknowledges with `state` (MS-SMB2 3.3.5.22.2). Returns
 * UNSUCCESSFUL when no break is in progress, REQUEST_NOT_ACCEPTED when
 * it keeps more than offered. When the breakers need less than the
 * client kept, *again is set with the next notification (a further
 * break, in steps as Windows does) in *from / *new_state / *ack.
 */
NTSTATUS smb2_lease_sm_ack(struct smb2_lease_sm *l, uint32_t state,
			   bool *again, uint32_t *from, uint32_t *new_state,
			   bool *ack);

/* The break timed out: the lease keeps what the breakers allow. */
void smb2_lease_sm_timeout(struct smb2_lease_sm *l);

#endif
