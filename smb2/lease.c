/* Oplock and lease holders, breaks and waits (see lease.h). */
#include <string.h>

#include "conf/log.h"
#include "smb2/lease.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_objects.h"

/* One lease: ClientGuid + LeaseKey, on one file (MS-SMB2 3.3.1.12). */
struct smb2_lease {
	struct smb2_lease *prev, *next; /* in its lease table bucket */
	struct smb2_server *srv;
	uint8_t client_guid[16];
	struct smb2_lease_ctx ctx; /* key, parent key, flags, version */
	struct smb2_lease_sm sm;   /* state, break in progress, epoch */
	const struct smb2_file *file;
	uint64_t dev, ino;
	struct smb2_oplock *holders; /* the opens sharing it */
	struct tevent_timer *timer;  /* acknowledgment timer */
	struct tevent_immediate *again_im; /* a further break after an ack */
	uint32_t again_from, again_to;
	bool again_ack;
	unsigned visit; /* one break per lease in a pass over the opens */
};

/* What one open holds: an oplock, or its share of a lease. */
struct smb2_oplock {
	struct smb2_oplock *prev, *next; /* in lease->holders */
	struct smb2_open *open;
	struct smb2_server *srv;
	uint64_t dev, ino; /* of the file: it may go before this does */
	uint8_t level;	   /* granted oplock level, LEASE for a lease */
	bool breaking;	   /* oplock break sent, acknowledgment due */
	uint8_t breaking_to;
	struct smb2_lease *lease;
	struct tevent_timer *timer;
};

/* A request that waits for breaks on a file to finish. */
struct smb2_break_wait {
	struct smb2_break_wait *prev, *next; /* in srv->break_waits */
	struct smb2_server *srv;
	struct smb2_req *req;
	uint64_t dev, ino;
	void (*resume)(struct smb2_req *req);
	struct tevent_immediate *im;
	bool woken;
};

/* MS-SMB2 3.3.1.4 GlobalLeaseTableList, hashed on ClientGuid + LeaseKey:
 * clients that ask for leases name one on every CREATE */
#define LEASE_BUCKETS 1024u

struct smb2_lease_table {
	struct smb2_lease *bucket[LEASE_BUCKETS];
};

static unsigned visit_counter;

/* ---- waiting requests ---- */

static int wait_destructor(struct smb2_break_wait *w)
{
	DLIST_REMOVE(w->srv->break_waits, w);
	return 0;
}

static void wait_fire(struct tevent_context *ev, struct tevent_immediate *im,
		      void *private_data)
{
	struct smb2_break_wait *w = private_data;
	struct smb2_req *req = w->req;
	void (*resume)(struct smb2_req *req) = w->resume;

	req->cancel_fn = NULL;
	req->cancel_private = NULL;
	talloc_free(w);
	resume(req);
}

/* Something changed on the file: the waiters try again. */
static void wake_waiters(struct smb2_server *srv, uint64_t dev, uint64_t ino)
{
	for (struct smb2_break_wait *w = srv->break_waits; w; w = w->next) {
		if (w->woken || w->dev != dev || w->ino != ino)
			continue;
		w->woken = true;
		tevent_schedule_immediate(w->im, srv->ev, wait_fire, w);
	}
}

static void wait_cancel(struct smb2_req *req)
{
	talloc_free(req->cancel_private);
	req->cancel_fn = NULL;
	req->cancel_private = NULL;
	smb2_req_complete(req, NT_STATUS_CANCELLED);
}

static NTSTATUS wait_for_break(struct smb2_req *req, uint64_t dev,
			       uint64_t ino, void (*resume)(struct smb2_req *))
{
	struct smb2_server *srv = req->conn->srv;
	struct smb2_break_wait *w = talloc_zero(req, struct smb2_break_wait);

	if (!w || !(w->im = tevent_create_immediate(w))) {
		talloc_free(w);
		return NT_STATUS_NO_MEMORY;
	}
	w->srv = srv;
	w->req = req;
	w->dev = dev;
	w->ino = ino;
	w->resume = resume;
	DLIST_ADD_END(srv->break_waits, w);
	talloc_set_destructor(w, wait_destructor);
	req->cancel_fn = wait_cancel;
	req->cancel_private = w;
	/* the dispatcher sends the interim response of a request that a
	 * handler left pending; one resumed later announces it now */
	if (!req->in_handler)
		smb2_req_go_async(req);
	return SMB2_STATUS_ASYNC;
}

/* ---- notifications ---- */

static void send_break(struct smb2_session *s, bool tcon_encrypts,
		       uint64_t session_id, const uint8_t *body, size_t len)
{
	struct smb2_session *enc = NULL;
	int rc;

	if (!s || !s->conn)
		return;
	if ((s->encrypt_data || tcon_encrypts) &&
	    s->state == SMB2_SESSION_VALID)
		enc = s;
	rc = smb2_conn_send_unsolicited(s->conn, enc, session_id,
					SMB2_OP_OPLOCK_BREAK, body, len);
	if (rc != 0)
		LOG_DBG("%s: break notification not sent: %d", s->conn->peer,
			rc);
}

/* MS-SMB2 3.3.4.6: the open's session id goes in the header. */
static void send_oplock_break(struct smb2_oplock *op, uint8_t level)
{
	struct smb2_open *o = op->open;
	uint8_t body[SMB2_OPLOCK_BREAK_SIZE];

	smb2_oplock_break_encode(body, level, o->persistent_id,
				 o->volatile_id);
	send_break(o->tcon->session, o->tcon->encrypt_data,
		   o->tcon->session->id, body, sizeof(body));
}

static void lease_timer_fired(struct tevent_context *ev,
			      struct tevent_timer *te, struct timeval now,
			      void *private_data);

static struct timeval break_deadline(void)
{
	return tevent_timeval_current_ofs(SMB2_OPLOCK_BREAK_TIMEOUT_MS / 1000,
					  SMB2_OPLOCK_BREAK_TIMEOUT_MS % 1000 *
					      1000);
}

/* MS-SMB2 3.3.4.7: a lease break goes to the client on any connection
 * it holds the lease through; SessionId 0. */
static void send_lease_break(struct smb2_lease *l, uint32_t from,
			     uint32_t to, bool ack)
{
	uint8_t body[SMB2_LEASE_BREAK_SIZE];
	struct smb2_open *o = l->holders ? l->holders->open : NULL;

	TALLOC_FREE(l->timer);
	if (ack)
		l->timer = tevent_add_timer(l->srv->ev, l, break_deadline(),
					    lease_timer_fired, l);
	if (!o)
		return;
	smb2_lease_break_encode(body, l->ctx.key,
				l->ctx.version >= 2 ? l->sm.epoch : 0,
				ack ? SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED
				    : 0,
				from, to);
	send_break(o->tcon->session, o->tcon->encrypt_data, 0, body,
		   sizeof(body));
}

/* ---- breaking ---- */

static void oplock_timer_fired(struct tevent_context *ev,
			       struct tevent_timer *te, struct timeval now,
			       void *private_data)
{
	struct smb2_oplock *op = private_data;

	/* MS-SMB2 3.3.6.1: no acknowledgment, no oplock */
	op->timer = NULL;
	op->breaking = false;
	op->level = SMB2_OPLOCK_LEVEL_NONE;
	LOG_INFO("oplock break timed out on fid %llu",
		 (unsigned long long)op->open->volatile_id);
	wake_waiters(op->srv, op->dev, op->ino);
}

static void lease_timer_fired(struct tevent_context *ev,
			      struct tevent_timer *te, struct timeval now,
			      void *private_data)
{
	struct smb2_lease *l = private_data;

	l->timer = NULL;
	smb2_lease_sm_timeout(&l->sm);
	LOG_INFO("lease break timed out");
	wake_waiters(l->srv, l->dev, l->ino);
}

/* Lowers an oplock to the caching `to` allows (II or none). */
static void oplock_break_to(struct smb2_oplock *op, uint32_t to)
{
	uint8_t level = (to & SMB2_LEASE_READ) ? SMB2_OPLOCK_LEVEL_II
					       : SMB2_OPLOCK_LEVEL_NONE;

	if (op->breaking || op->level == SMB2_OPLOCK_LEVEL_NONE ||
	    op->level == level)
		return;
	if (op->level == SMB2_OPLOCK_LEVEL_II) {
		/* level II to none needs no acknowledgment (2.2.24.1) */
		op->level = SMB2_OPLOCK_LEVEL_NONE;
		send_oplock_break(op, SMB2_OPLOCK_LEVEL_NONE);
		return;
	}
	op->breaking = true;
	op->breaking_to = level;
	op->timer = tevent_add_timer(op->srv->ev, op, break_deadline(),
				     oplock_timer_fired, op);
	send_oplock_break(op, level);
}

static void lease_break_to(struct smb2_lease *l, uint32_t to)
{
	uint32_t from, new_state;
	bool ack;

	if (smb2_lease_sm_break(&l->sm, to, &from, &new_state, &ack))
		send_lease_break(l, from, new_state, ack);
}

static bool lease_is(const struct smb2_lease *l, const uint8_t guid[16],
		     const uint8_t key[16])
{
	return memcmp(l->client_guid, guid, 16) == 0 &&
	       memcmp(l->ctx.key, key, 16) == 0;
}

/* FNV-1a: lease keys are random GUIDs, any mixing does */
static struct smb2_lease **lease_bucket(struct smb2_lease_table *t,
					const uint8_t guid[16],
					const uint8_t key[16])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ guid[i]) * 16777619u;
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return &t->bucket[h % LEASE_BUCKETS];
}

static struct smb2_lease *lease_find(struct smb2_server *srv,
				     const uint8_t guid[16],
				     const uint8_t key[16])
{
	if (!srv->leases)
		return NULL;
	for (struct smb2_lease *l = *lease_bucket(srv->leases, guid, key); l;
	     l = l->next)
		if (lease_is(l, guid, key))
			return l;
	return NULL;
}

/* Does the request name the lease op belongs to? */
static bool same_lease(struct smb2_conn *conn,
		       const struct smb2_oplock_request *rq,
		       const struct smb2_oplock *op)
{
	return rq->has_lease && op->lease &&
	       lease_is(op->lease, conn->client_guid, rq->lease.key);
}

NTSTATUS smb2_lease_check_key(struct smb2_conn *conn,
			      const struct smb2_oplock_request *rq,
			      const struct smb2_file *f)
{
	struct smb2_lease *l;

	if (!rq->has_lease)
		return NT_STATUS_OK;
	l = lease_find(conn->srv, conn->client_guid, rq->lease.key);
	if (l && l->file != f)
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_OK;
}

/* One holder against the new open; true when the open must wait. */
static bool break_holder(struct smb2_oplock *op,
			 const struct smb2_oplock_request *rq,
			 bool sharing_violation)
{
	struct smb2_break_decision d;
	struct smb2_lease *l = op->lease;
	bool was_breaking;

	if (!l) {
		smb2_break_for_open(smb2_oplock_caching(op->level), false,
				    sharing_violation, rq->overwrite, &d);
		if (d.send)
			oplock_break_to(op, d.to);
		return d.wait;
	}
	/* a lease is broken once, whatever the number of its opens */
	if (l->visit == visit_counter || smb2_lease_stat_open(rq->access))
		return false;
	l->visit = visit_counter;
	was_breaking = l->sm.breaking;
	smb2_break_for_open(l->sm.state, true, sharing_violation,
			    rq->overwrite, &d);
	/* a break in progress ends before anyone who needs nothing more of
	 * it gets in; one who needs more waits from its second try on */
	if (!d.send)
		return was_breaking;
	lease_break_to(l, d.to);
	return d.wait || (was_breaking && rq->retry);
}

NTSTATUS smb2_oplock_break_for_open(struct smb2_req *req, struct smb2_file *f,
				    const struct smb2_oplock_request *rq,
				    bool sharing_violation,
				    void (*resume)(struct smb2_req *req))
{
	bool wait = false;

	if (smb2_oplock_stat_open(rq->access))
		return NT_STATUS_OK;
	visit_counter++;
	for (struct smb2_open *o = f->opens; o; o = o->file_next) {
		if (!o->oplock || same_lease(req->conn, rq, o->oplock))
			continue;
		if (break_holder(o->oplock, rq, sharing_violation))
			wait = true;
	}
	if (!wait)
		return NT_STATUS_OK;
	return wait_for_break(req, f->dev, f->ino, resume);
}

/* ---- granting ---- */

static int oplock_destructor(struct smb2_oplock *op)
{
	struct smb2_lease *l = op->lease;

	if (l) {
		DLIST_REMOVE(l->holders, op);
		/* the lease ends with its last open */
		if (!l->holders)
			talloc_free(l);
	}
	op->open->oplock = NULL;
	wake_waiters(op->srv, op->dev, op->ino);
	return 0;
}

static int lease_destructor(struct smb2_lease *l)
{
	struct smb2_lease **head =
	    lease_bucket(l->srv->leases, l->client_guid, l->ctx.key);

	DLIST_REMOVE(*head, l);
	return 0;
}

static struct smb2_oplock *oplock_new(struct smb2_open *o, uint8_t level)
{
	struct smb2_oplock *op = talloc_zero(o, struct smb2_oplock);

	if (!op)
		return NULL;
	op->open = o;
	op->srv = o->tcon->session->srv;
	op->dev = o->file->dev;
	op->ino = o->file->ino;
	op->level = level;
	o->oplock = op;
	talloc_set_destructor(op, oplock_destructor);
	return op;
}

static void grant_env(const struct smb2_open *o, struct smb2_conn *conn,
		      const struct smb2_oplock_request *rq,
		      struct smb2_grant_env *env)
{
	memset(env, 0, sizeof(*env));
	env->is_dir = o->is_dir;
	for (const struct smb2_open *p = o->file->opens; p;
	     p = p->file_next) {
		const struct smb2_oplock *op = p->oplock;

		if (p == o || (op && same_lease(conn, rq, op)))
			continue;
		/* a lease counts even at none; an oplock while held */
		if ((op && (op->lease || op->level)) ||
		    !smb2_oplock_stat_open(p->access_mask))
			env->others = true;
		if (op && !op->lease && op->level)
			env->other_oplock = true;
		if (op && op->lease &&
		    (op->lease->sm.state & SMB2_LEASE_HANDLE))
			env->other_handle_lease = true;
	}
}

static struct smb2_lease *lease_new(struct smb2_conn *conn,
				    const struct smb2_open *o,
				    const struct smb2_lease_ctx *want,
				    uint32_t granted)
{
	struct smb2_server *srv = conn->srv;
	struct smb2_lease *l;
	struct smb2_lease **head;

	if (!srv->leases)
		srv->leases = talloc_zero(srv, struct smb2_lease_table);
	if (!srv->leases)
		return NULL;
	/* under the table, so that it can always unlink itself */
	l = talloc_zero(srv->leases, struct smb2_lease);
	if (!l || !(l->again_im = tevent_create_immediate(l))) {
		talloc_free(l);
		return NULL;
	}
	l->srv = srv;
	memcpy(l->client_guid, conn->client_guid, 16);
	l->ctx = *want;
	l->ctx.flags &= SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET;
	if (l->ctx.version < 2 || !l->ctx.flags)
		memset(l->ctx.parent_key, 0, 16);
	l->file = o->file;
	l->dev = o->file->dev;
	l->ino = o->file->ino;
	l->sm.state = granted;
	/* a new lease starts one past the client's epoch (3.3.5.9.11) */
	l->sm.epoch = want->epoch + (granted ? 1 : 0);
	head = lease_bucket(srv->leases, l->client_guid, l->ctx.key);
	DLIST_ADD(*head, l);
	talloc_set_destructor(l, lease_destructor);
	return l;
}

/* MS-SMB2 3.3.5.9.8: an existing lease only ever grows on open, and only
 * when all that was asked can be had. */
static void lease_upgrade(struct smb2_lease *l, uint32_t requested,
			  uint32_t granted)
{
	uint32_t cur = l->sm.state;

	requested &= SMB2_LEASE_RWH;
	if (l->sm.breaking || (cur & requested) != cur || granted == cur ||
	    granted != requested)
		return;
	l->sm.state = granted;
	l->sm.epoch++;
}

static NTSTATUS grant_lease(struct smb2_conn *conn, struct smb2_open *o,
			    const struct smb2_oplock_request *rq,
			    const struct smb2_grant_env *env,
			    struct smb2_lease_ctx *rsp)
{
	uint32_t granted = smb2_lease_grant(rq->lease.state, env);
	struct smb2_lease *l;
	struct smb2_oplock *op;

	l = lease_find(conn->srv, conn->client_guid, rq->lease.key);
	if (l)
		lease_upgrade(l, rq->lease.state, granted);
	else if (!(l = lease_new(conn, o, &rq->lease, granted)))
		return NT_STATUS_NO_MEMORY;
	op = oplock_new(o, SMB2_OPLOCK_LEVEL_LEASE);
	if (!op) {
		if (!l->holders)
			talloc_free(l);
		return NT_STATUS_NO_MEMORY;
	}
	op->lease = l;
	DLIST_ADD_END(l->holders, op);
	/* the response has the lease's own version, whatever the request
	 * used (smbtorture smb2.lease.v2_epoch2/3 on Windows) */
	*rsp = l->ctx;
	rsp->state = l->sm.state;
	rsp->epoch = l->sm.epoch;
	if (l->sm.breaking)
		rsp->flags |= SMB2_LEASE_FLAG_BREAK_IN_PROGRESS;
	return NT_STATUS_OK;
}

NTSTATUS smb2_oplock_grant_open(struct smb2_conn *conn, struct smb2_open *o,
				const struct smb2_oplock_request *rq,
				uint8_t *level, struct smb2_lease_ctx *rsp,
				bool *has_rsp)
{
	struct smb2_grant_env env;
	uint8_t granted;
	NTSTATUS status;

	*level = SMB2_OPLOCK_LEVEL_NONE;
	*has_rsp = false;
	if (!rq->has_lease && (rq->level == SMB2_OPLOCK_LEVEL_NONE ||
			       rq->level == SMB2_OPLOCK_LEVEL_LEASE))
		return NT_STATUS_OK;
	/* no directory caching without SMB2_GLOBAL_CAP_DIRECTORY_LEASING */
	if (!o->file || o->is_dir)
		return NT_STATUS_OK;
	grant_env(o, conn, rq, &env);
	if (rq->has_lease) {
		status = grant_lease(conn, o, rq, &env, rsp);
		if (!NT_STATUS_IS_OK(status))
			return status;
		*level = SMB2_OPLOCK_LEVEL_LEASE;
		*has_rsp = true;
		return NT_STATUS_OK;
	}
	/* an open for attributes only gets no oplock on an existing file */
	if (rq->existed && smb2_oplock_stat_open(rq->access))
		return NT_STATUS_OK;
	granted = smb2_oplock_grant(rq->level, &env);
	if (granted == SMB2_OPLOCK_LEVEL_NONE)
		return NT_STATUS_OK;
	if (!oplock_new(o, granted))
		return NT_STATUS_NO_MEMORY;
	*level = granted;
	return NT_STATUS_OK;
}

uint8_t smb2_open_oplock_level(const struct smb2_open *o)
{
	if (!o->oplock)
		return SMB2_OPLOCK_LEVEL_NONE;
	return o->oplock->lease ? SMB2_OPLOCK_LEVEL_LEASE : o->oplock->level;
}

bool smb2_open_lease(const struct smb2_open *o, struct smb2_lease_ctx *out)
{
	const struct smb2_lease *l = o->oplock ? o->oplock->lease : NULL;

	if (!l)
		return false;
	*out = l->ctx;
	out->state = l->sm.state;
	out->epoch = l->sm.epoch;
	if (l->sm.breaking)
		out->flags |= SMB2_LEASE_FLAG_BREAK_IN_PROGRESS;
	return true;
}

/* ---- breaks caused by other operations ---- */

void smb2_break_for_write(struct smb2_open *o)
{
	struct smb2_lease *own = o->oplock ? o->oplock->lease : NULL;

	if (!o->file)
		return;
	/* a writer with write caching is alone on the file */
	if (own && (own->sm.state & SMB2_LEASE_WRITE))
		return;
	if (o->oplock && !own &&
	    (smb2_oplock_caching(o->oplock->level) & SMB2_LEASE_WRITE))
		return;
	visit_counter++;
	for (struct smb2_open *p = o->file->opens; p; p = p->file_next) {
		struct smb2_oplock *op = p->oplock;

		if (!op)
			continue;
		if (!op->lease) {
			if (op->level == SMB2_OPLOCK_LEVEL_II)
				oplock_break_to(op, SMB2_LEASE_NONE);
			continue;
		}
		if (op->lease == own || op->lease->visit == visit_counter)
			continue;
		op->lease->visit = visit_counter;
		if (op->lease->sm.state & SMB2_LEASE_READ)
			lease_break_to(op->lease, SMB2_LEASE_NONE);
	}
}

NTSTATUS smb2_break_for_rename(struct smb2_req *req, struct smb2_open *o,
			       void (*resume)(struct smb2_req *req))
{
	struct smb2_lease *own = o->oplock ? o->oplock->lease : NULL;
	bool wait = false;

	if (!o->file)
		return NT_STATUS_OK;
	visit_counter++;
	for (struct smb2_open *p = o->file->opens; p; p = p->file_next) {
		struct smb2_oplock *op = p->oplock;
		struct smb2_lease *l;

		if (!op || p == o)
			continue;
		if (!op->lease) {
			/* a batch oplock caches the handle */
			if (op->level == SMB2_OPLOCK_LEVEL_BATCH ||
			    (op->breaking &&
			     (smb2_oplock_caching(op->level) &
			      SMB2_LEASE_HANDLE))) {
				oplock_break_to(op, SMB2_LEASE_READ);
				wait = true;
			}
			continue;
		}
		l = op->lease;
		if (l == own || l->visit == visit_counter)
			continue;
		l->visit = visit_counter;
		if (l->sm.state & SMB2_LEASE_HANDLE)
			lease_break_to(l, l->sm.state & ~SMB2_LEASE_HANDLE);
		if (l->sm.breaking)
			wait = true;
	}
	if (!wait)
		return NT_STATUS_OK;
	return wait_for_break(req, o->file->dev, o->file->ino, resume);
}

/* ---- OPLOCK_BREAK acknowledgments (MS-SMB2 3.3.5.22) ---- */

static NTSTATUS oplock_ack(struct smb2_req *req)
{
	uint8_t level = req->body.p[2];
	struct smb2_open *o = smb2_open_lookup_at(req, 8);
	struct smb2_oplock *op;
	struct wire_wr *w = &req->out;

	if (!o)
		return NT_STATUS_FILE_CLOSED;
	op = o->oplock;
	if (!op || op->lease || !op->breaking)
		return NT_STATUS_INVALID_OPLOCK_PROTOCOL;
	if (level != SMB2_OPLOCK_LEVEL_NONE && level != SMB2_OPLOCK_LEVEL_II)
		return NT_STATUS_INVALID_PARAMETER;
	if (op->breaking_to == SMB2_OPLOCK_LEVEL_NONE)
		level = SMB2_OPLOCK_LEVEL_NONE;
	op->level = level;
	op->breaking = false;
	TALLOC_FREE(op->timer);
	wake_waiters(op->srv, op->dev, op->ino);

	wire_wr_u16(w, SMB2_OPLOCK_BREAK_SIZE);
	wire_wr_u8(w, level);
	wire_wr_u8(w, 0);
	wire_wr_u32(w, 0);
	wire_wr_u64(w, o->persistent_id);
	wire_wr_u64(w, o->volatile_id);
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

/* The further break goes out after the acknowledgment's response. */
static void lease_break_again(struct tevent_context *ev,
			      struct tevent_immediate *im, void *private_data)
{
	struct smb2_lease *l = private_data;

	send_lease_break(l, l->again_from, l->again_to, l->again_ack);
}

static NTSTATUS lease_ack(struct smb2_req *req)
{
	struct wire_wr *w = &req->out;
	struct smb2_lease *l;
	struct wire_rd r;
	uint8_t key[16];
	uint32_t state;
	bool again;
	NTSTATUS status;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 8); /* StructureSize, Reserved, Flags */
	wire_rd_bytes(&r, key, 16);
	state = wire_rd_u32(&r);
	if (r.err)
		return NT_STATUS_INVALID_PARAMETER;
	l = lease_find(req->conn->srv, req->conn->client_guid, key);
	if (!l)
		return NT_STATUS_OBJECT_NAME_NOT_FOUND;
	status = smb2_lease_sm_ack(&l->sm, state, &again, &l->again_from,
				   &l->again_to, &l->again_ack);
	if (!NT_STATUS_IS_OK(status))
		return status;
	TALLOC_FREE(l->timer);
	if (again)
		tevent_schedule_immediate(l->again_im, l->srv->ev,
					  lease_break_again, l);
	wake_waiters(l->srv, l->dev, l->ino);

	wire_wr_u16(w, SMB2_LEASE_ACK_SIZE);
	wire_wr_u16(w, 0);
	wire_wr_u32(w, 0);
	wire_wr_bytes(w, key, 16);
	wire_wr_u32(w, state);
	wire_wr_u64(w, 0); /* LeaseDuration */
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

NTSTATUS smb2_cmd_oplock_break(struct smb2_req *req)
{
	if (get_le16(req->body.p) == SMB2_LEASE_ACK_SIZE)
		return lease_ack(req);
	return oplock_ack(req);
}
