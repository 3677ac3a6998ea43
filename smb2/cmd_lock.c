/*
 * SMB2 LOCK (MS-SMB2 2.2.26, 2.2.27, 3.3.5.14): lock and unlock ranges in
 * the per-file table of brlock.c, blocking locks that wait with an
 * interim STATUS_PENDING until the range is free, and LockSequence replay
 * detection.
 *
 * A blocked request is a struct smb2_lock_wait on its file's wait list.
 * Every release of locks retries the waiters in order; a waiter granted,
 * cancelled or left without its open is completed from a tevent
 * immediate, so completions never run inside the CLOSE, LOGOFF or
 * TREE_DISCONNECT that caused them.
 */
#include <string.h>

#include "smb2/brlock.h"
#include "smb2/lease.h"
#include "smb2/replay.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_objects.h"

/* SMB2_LOCK_ELEMENT Flags (MS-SMB2 2.2.26.1) */
#define SMB2_LOCKFLAG_SHARED_LOCK 0x00000001u
#define SMB2_LOCKFLAG_EXCLUSIVE_LOCK 0x00000002u
#define SMB2_LOCKFLAG_UNLOCK 0x00000004u
#define SMB2_LOCKFLAG_FAIL_IMMEDIATELY 0x00000010u

#define LOCK_ELEMENT_SIZE 24
#define LOCK_SEQ_ENTRIES 64 /* Open.LockSequenceArray */
/* Bound on the locks one file holds, so that a client cannot grow the
 * table without end (Windows answers STATUS_INSUFFICIENT_RESOURCES when
 * its lock memory runs out). */
#define LOCKS_PER_FILE_MAX 65536

struct lock_element {
	uint64_t offset;
	uint64_t length;
	uint32_t flags;
};

enum lock_wait_state {
	LOCK_WAITING,
	LOCK_GRANTED,
	LOCK_CANCELLED,
};

struct smb2_lock_wait {
	struct smb2_lock_wait *prev, *next; /* in smb2_file_locks.waits */
	struct smb2_file_locks *fl;	    /* NULL once detached */
	struct smb2_req *req;
	struct smb2_open *open; /* NULL once the open has gone */
	uint64_t offset;
	uint64_t length;
	bool exclusive;
	enum lock_wait_state state;
	bool finishing; /* completion scheduled */
	struct tevent_immediate *im;
	uint32_t seq; /* LockSequence of the request */
};

/* ---- LockSequence (MS-SMB2 3.3.5.14) ---- */

/*
 * Whether replays are tracked for this open. The 3.x family tracks every
 * open (as the 3.x text of MS-SMB2 3.3.5.14 and multichannel servers
 * do); 2.1 only resilient or durable opens, which usmbd does not grant
 * yet (FSCTL_LMR_REQUEST_RESILIENCY, DHnQ), so none.
 */
static bool lock_seq_tracked(const struct smb2_conn *conn,
			     const struct smb2_open *o)
{
	(void)o;
	return conn->dialect >= SMB2_DIALECT_300;
}

/* Entry number 0..63 of the LockSequenceIndex (the upper 28 bits), or -1
 * when the index is 0 or past the array. */
static int lock_seq_entry(uint32_t seq)
{
	uint32_t index = seq >> 4;

	if (index == 0 || index > LOCK_SEQ_ENTRIES)
		return -1;
	return (int)index - 1;
}

/* True when this LockSequence already succeeded on the open (a replay to
 * be answered with success); otherwise forgets the entry. */
static bool lock_seq_replayed(const struct smb2_conn *conn,
			      struct smb2_open *o, uint32_t seq)
{
	int e = lock_seq_entry(seq);
	uint64_t bit;

	if (!lock_seq_tracked(conn, o) || e < 0)
		return false;
	bit = UINT64_C(1) << e;
	if ((o->lock_seq_valid & bit) && o->lock_seq[e] == (seq & 0xf))
		return true;
	o->lock_seq_valid &= ~bit;
	return false;
}

static void lock_seq_record(const struct smb2_conn *conn, struct smb2_open *o,
			    uint32_t seq)
{
	int e = lock_seq_entry(seq);

	if (!lock_seq_tracked(conn, o) || e < 0)
		return;
	o->lock_seq[e] = seq & 0xf;
	o->lock_seq_valid |= UINT64_C(1) << e;
}

/* ---- waiting requests ---- */

static int file_locks_destructor(struct smb2_file_locks *fl)
{
	while (fl->waits) {
		struct smb2_lock_wait *w = fl->waits;
		DLIST_REMOVE(fl->waits, w);
		w->fl = NULL;
	}
	return 0;
}

static struct smb2_file_locks *file_locks_get(struct smb2_file *f)
{
	if (!f->locks) {
		f->locks = talloc_zero(f, struct smb2_file_locks);
		if (f->locks)
			talloc_set_destructor(f->locks, file_locks_destructor);
	}
	return f->locks;
}

static NTSTATUS lock_response(struct smb2_req *req)
{
	wire_wr_u16(&req->out, 4); /* StructureSize */
	wire_wr_u16(&req->out, 0);
	return req->out.err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

static int lock_wait_destructor(struct smb2_lock_wait *w)
{
	if (w->fl)
		DLIST_REMOVE(w->fl->waits, w);
	return 0;
}

static void lock_wait_finish(struct tevent_context *ev,
			     struct tevent_immediate *im, void *private_data)
{
	struct smb2_lock_wait *w = private_data;
	struct smb2_req *req = w->req;
	NTSTATUS status;

	switch (w->state) {
	case LOCK_GRANTED:
		status = NT_STATUS_OK;
		if (w->open)
			lock_seq_record(req->conn, w->open, w->seq);
		break;
	case LOCK_CANCELLED:
		status = NT_STATUS_CANCELLED;
		break;
	default:
		/* its open was closed while it waited (what Windows
		 * answers) */
		status = NT_STATUS_RANGE_NOT_LOCKED;
		break;
	}
	req->cancel_fn = NULL;
	req->cancel_private = NULL;
	talloc_free(w);
	if (NT_STATUS_IS_OK(status))
		status = lock_response(req);
	smb2_req_complete(req, status);
}

static void lock_wait_schedule_finish(struct smb2_lock_wait *w)
{
	if (w->finishing)
		return;
	w->finishing = true;
	tevent_schedule_immediate(w->im, w->req->conn->srv->ev,
				  lock_wait_finish, w);
}

static void lock_wait_cancel(struct smb2_req *req)
{
	struct smb2_lock_wait *w = req->cancel_private;

	if (!w || w->state != LOCK_WAITING)
		return;
	w->state = LOCK_CANCELLED;
	lock_wait_schedule_finish(w);
}

/*
 * Grants, in arrival order, the waiting requests whose range is free now.
 * A waiter whose open has gone is granted without taking the lock: the
 * lock would have been granted and released with the open.
 */
static void retry_waiters(struct smb2_file_locks *fl)
{
	for (struct smb2_lock_wait *w = fl->waits; w; w = w->next) {
		const void *owner = w->open ? (const void *)w->open
					    : (const void *)w;

		if (w->state != LOCK_WAITING ||
		    brl_lock_conflicts(&fl->table, owner, w->offset, w->length,
				       w->exclusive))
			continue;
		if (w->open && brl_add(fl, &fl->table, w->open, w->offset,
				       w->length, w->exclusive) != 0)
			continue; /* out of memory: stays waiting */
		w->state = LOCK_GRANTED;
		lock_wait_schedule_finish(w);
	}
}

/* Parks a blocking lock until its range is free (MS-FSA 2.1.5.8: the
 * request waits on the cancelable operation list). */
static NTSTATUS lock_wait(struct smb2_req *req, struct smb2_open *o,
			  struct smb2_file_locks *fl,
			  const struct lock_element *el, uint32_t seq)
{
	struct smb2_lock_wait *w = talloc_zero(req, struct smb2_lock_wait);

	if (!w)
		return NT_STATUS_NO_MEMORY;
	w->im = tevent_create_immediate(w);
	if (!w->im) {
		talloc_free(w);
		return NT_STATUS_NO_MEMORY;
	}
	w->fl = fl;
	w->req = req;
	w->open = o;
	w->offset = el->offset;
	w->length = el->length;
	w->exclusive = el->flags & SMB2_LOCKFLAG_EXCLUSIVE_LOCK;
	w->state = LOCK_WAITING;
	w->seq = seq;
	DLIST_ADD_END(fl->waits, w);
	talloc_set_destructor(w, lock_wait_destructor);
	req->cancel_fn = lock_wait_cancel;
	req->cancel_private = w;
	smb2_req_go_async(req);
	return SMB2_STATUS_ASYNC;
}

void smb2_brlock_open_closing(struct smb2_open *o)
{
	struct smb2_file_locks *fl = o->file ? o->file->locks : NULL;
	size_t released;

	if (!fl)
		return;
	released = brl_remove_owner(&fl->table, o);
	for (struct smb2_lock_wait *w = fl->waits; w; w = w->next) {
		if (w->open != o)
			continue;
		w->open = NULL;
		if (w->state == LOCK_WAITING)
			lock_wait_schedule_finish(w);
	}
	/* the waiters of this open stay listed until they finish: locks
	 * that other closes release meanwhile may still grant them */
	if (released > 0 || fl->waits)
		retry_waiters(fl);
}

/* ---- the request ---- */

/* MS-SMB2 3.3.5.14.1: every element must be a plain unlock; processing
 * stops at the first failure and earlier unlocks stay done. */
static NTSTATUS do_unlocks(struct smb2_file *f, struct smb2_open *o,
			   const struct lock_element *els, uint16_t count)
{
	struct smb2_file_locks *fl = f->locks;
	NTSTATUS status = NT_STATUS_OK;
	bool released = false;

	for (uint16_t i = 0; i < count; i++) {
		const struct lock_element *el = &els[i];

		if (el->flags != SMB2_LOCKFLAG_UNLOCK) {
			status = NT_STATUS_INVALID_PARAMETER;
			break;
		}
		if (!brl_range_valid(el->offset, el->length)) {
			status = NT_STATUS_INVALID_LOCK_RANGE;
			break;
		}
		if (!fl || !brl_remove(&fl->table, o, el->offset, el->length)) {
			status = NT_STATUS_RANGE_NOT_LOCKED;
			break;
		}
		released = true;
	}
	if (released)
		retry_waiters(fl);
	return status;
}

static bool lock_flags_valid(uint32_t flags)
{
	switch (flags & ~SMB2_LOCKFLAG_FAIL_IMMEDIATELY) {
	case SMB2_LOCKFLAG_SHARED_LOCK:
	case SMB2_LOCKFLAG_EXCLUSIVE_LOCK:
		return true;
	default:
		return false;
	}
}

/*
 * MS-SMB2 3.3.5.14.2: takes the locks in order; on any failure the locks
 * this request took are given back (as Windows does, also for an invalid
 * element). Only a single-element request may wait.
 */
static NTSTATUS do_locks(struct smb2_req *req, struct smb2_open *o,
			 const struct lock_element *els, uint16_t count,
			 uint32_t seq)
{
	struct smb2_file_locks *fl = file_locks_get(o->file);
	NTSTATUS status = NT_STATUS_OK;
	size_t n_before;

	if (!fl)
		return NT_STATUS_NO_MEMORY;
	n_before = fl->table.n;
	for (uint16_t i = 0; i < count; i++) {
		const struct lock_element *el = &els[i];
		bool fail_now = el->flags & SMB2_LOCKFLAG_FAIL_IMMEDIATELY;
		bool excl = el->flags & SMB2_LOCKFLAG_EXCLUSIVE_LOCK;

		if (!lock_flags_valid(el->flags) || (count > 1 && !fail_now)) {
			status = NT_STATUS_INVALID_PARAMETER;
			break;
		}
		if (!brl_range_valid(el->offset, el->length)) {
			status = NT_STATUS_INVALID_LOCK_RANGE;
			break;
		}
		if (brl_lock_conflicts(&fl->table, o, el->offset, el->length,
				       excl)) {
			if (!fail_now)
				return lock_wait(req, o, fl, el, seq);
			status = NT_STATUS_LOCK_NOT_GRANTED;
			break;
		}
		if (fl->table.n >= LOCKS_PER_FILE_MAX) {
			status = NT_STATUS_INSUFFICIENT_RESOURCES;
			break;
		}
		if (brl_add(fl, &fl->table, o, el->offset, el->length, excl) !=
		    0) {
			status = NT_STATUS_NO_MEMORY;
			break;
		}
	}
	if (!NT_STATUS_IS_OK(status))
		brl_truncate(&fl->table, n_before);
	return status;
}

NTSTATUS smb2_cmd_lock(struct smb2_req *req)
{
	struct wire_rd r;
	uint16_t count;
	uint32_t seq;
	struct smb2_open *o;
	struct lock_element *els;
	NTSTATUS status;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 2); /* StructureSize */
	count = wire_rd_u16(&r);
	seq = wire_rd_u32(&r);
	wire_rd_skip(&r, 16); /* FileId */
	if (r.err || count == 0)
		return NT_STATUS_INVALID_PARAMETER;
	o = smb2_open_lookup_at(req, 8);
	if (!o)
		return NT_STATUS_FILE_CLOSED;
	if (wire_rd_left(&r) < (size_t)count * LOCK_ELEMENT_SIZE)
		return NT_STATUS_INVALID_PARAMETER;
	if (!o->file)
		return NT_STATUS_INVALID_DEVICE_REQUEST; /* a pipe */
	status = smb2_replay_check(req, o);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (o->is_dir)
		return NT_STATUS_INVALID_PARAMETER; /* MS-FSA 2.1.5.8 */
	if (lock_seq_replayed(req->conn, o, seq))
		return lock_response(req);

	els = talloc_array(req, struct lock_element, count);
	if (!els)
		return NT_STATUS_NO_MEMORY;
	for (uint16_t i = 0; i < count; i++) {
		els[i].offset = wire_rd_u64(&r);
		els[i].length = wire_rd_u64(&r);
		els[i].flags = wire_rd_u32(&r);
		wire_rd_skip(&r, 4); /* Reserved */
	}
	if (els[0].flags & SMB2_LOCKFLAG_UNLOCK)
		status = do_unlocks(o->file, o, els, count);
	else {
		smb2_break_for_write(o); /* level II oplocks break on a lock */
		status = do_locks(req, o, els, count, seq);
	}
	talloc_free(els);
	if (!NT_STATUS_IS_OK(status))
		return status;
	lock_seq_record(req->conn, o, seq);
	return lock_response(req);
}
