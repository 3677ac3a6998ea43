/*
 * Byte-range locks with Windows semantics (MS-FSA 2.1.4.10, 2.1.5.8,
 * 2.1.5.9): shared and exclusive locks owned by an open, zero-length
 * locks, stacking by the same open, and the read/write checks against
 * them. The table is kept per file in the server; POSIX locks are not
 * used, since their semantics (per process, merged ranges) differ.
 */
#ifndef USMBD_SMB2_BRLOCK_H
#define USMBD_SMB2_BRLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

#include "smb2/ntstatus.h"

#ifndef NT_STATUS_INVALID_LOCK_RANGE
#define NT_STATUS_INVALID_LOCK_RANGE NT_STATUS(0xc00001a1)
#endif

struct brl_lock {
	uint64_t offset;
	uint64_t length; /* 0 is a valid, zero-length lock */
	const void *owner; /* the open holding it */
	bool exclusive;
};

/* Locks in the order they were granted. */
struct brl_table {
	struct brl_lock *locks; /* talloc array */
	size_t n;
};

/* False when the range runs past the last 64-bit offset, which Windows
 * refuses with STATUS_INVALID_LOCK_RANGE (MS-FSA 2.1.5.8). */
bool brl_range_valid(uint64_t offset, uint64_t length);

/* Whether the two ranges share a byte; a zero-length range at X meets a
 * range only when X lies inside it past its first byte, and two
 * zero-length ranges never meet (what Windows does). */
bool brl_ranges_overlap(uint64_t off_a, uint64_t len_a, uint64_t off_b,
			uint64_t len_b);

/*
 * Whether owner may not take the lock now (MS-FSA 2.1.4.10 with
 * LockIntent): an exclusive lock conflicts with every overlapping lock,
 * its owner's included; a shared lock only with other owners' exclusive
 * locks.
 */
bool brl_lock_conflicts(const struct brl_table *t, const void *owner,
			uint64_t offset, uint64_t length, bool exclusive);

/* Appends a lock (no conflict check). 0 or -ENOMEM. */
int brl_add(TALLOC_CTX *mem_ctx, struct brl_table *t, const void *owner,
	    uint64_t offset, uint64_t length, bool exclusive)
	__attribute__((warn_unused_result));

/* Removes owner's lock of exactly this range, an exclusive one before a
 * shared one (MS-FSA 2.1.5.9). False when there is none. */
bool brl_remove(struct brl_table *t, const void *owner, uint64_t offset,
		uint64_t length);

/* Drops the locks granted after the first n (undoing a partly granted
 * LOCK request). */
void brl_truncate(struct brl_table *t, size_t n);

/* Removes every lock of owner; returns how many. */
size_t brl_remove_owner(struct brl_table *t, const void *owner);

/*
 * Whether a read or write of the range by owner hits a lock: a read
 * conflicts with other owners' exclusive locks, a write also with every
 * shared lock, its owner's included. Zero-length I/O and zero-length
 * locks cover no byte and never conflict.
 */
bool brl_io_conflicts(const struct brl_table *t, const void *owner,
		      uint64_t offset, uint64_t length, bool write);

/* ---- server glue ---- */

struct smb2_open;
struct smb2_lock_wait;

/* The lock state of one file (struct smb2_file.locks), made on the first
 * LOCK. Freeing it detaches the LOCK requests still waiting. */
struct smb2_file_locks {
	struct brl_table table;
	struct smb2_lock_wait *waits; /* blocked LOCK requests, in order */
};

/* READ/WRITE check: STATUS_FILE_LOCK_CONFLICT when the range is locked
 * against this open, else STATUS_SUCCESS. */
NTSTATUS smb2_brlock_check_rw(struct smb2_open *o, uint64_t offset,
			      uint64_t length, bool write);

/* Called when an open goes (close, tree disconnect, logoff): releases its
 * locks, ends its blocked LOCK requests and lets waiting ones retry. */
void smb2_brlock_open_closing(struct smb2_open *o);

#endif
