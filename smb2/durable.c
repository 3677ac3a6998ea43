/* Durable, resilient and app-instance opens (see durable.h). */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "conf/log.h"
#include "smb2/durable.h"
#include "smb2/smb2_objects.h"

#define NT_STATUS_FILE_FORCED_CLOSED_ NT_STATUS(0xc00000b6)

/* Opens that can be found by persistent id, CreateGuid or app instance
 * (MS-SMB2 3.3.1.1 GlobalOpenTable, for the opens that need it). */
struct smb2_durable_table {
	struct smb2_durable_open *opens;
	struct smb2_server *srv;
};

/* A stand-in session and tree connect for one disconnected open. */
struct durable_limbo {
	struct smb2_session session;
	struct smb2_tcon tcon;
};

struct smb2_durable_open {
	struct smb2_durable_open *prev, *next; /* in the table */
	struct smb2_durable_table *table;
	struct smb2_open *open;
	bool durable;	/* survives a disconnect (DHnQ, DH2Q) */
	bool resilient; /* FSCTL_LMR_REQUEST_RESILIENCY */
	bool v2;
	bool has_create_guid;
	uint8_t create_guid[16];
	uint8_t client_guid[16];
	uint32_t timeout_ms;
	uint32_t create_action; /* what a replayed CREATE reports again */
	char *user, *domain; /* Open.DurableOwner */
	bool anonymous;
	bool has_app_id;
	uint8_t app_id[16];
	bool has_app_version;
	uint64_t app_version_high, app_version_low;
	/* while disconnected: the stand-in holding the open, its expiry */
	struct durable_limbo *limbo;
	struct tevent_timer *expiry;
};

/* ---- pure parts ---- */

static bool tag_is(const uint8_t *name, size_t len, const char *tag)
{
	return len == 4 && memcmp(name, tag, 4) == 0;
}

/* SMB2_CREATE_APP_INSTANCE_ID / _VERSION are named by GUIDs */
static const uint8_t app_instance_id_tag[16] = {
	0x45, 0xbc, 0xa6, 0x6a, 0xef, 0xa7, 0xf7, 0x4a,
	0x90, 0x08, 0xfa, 0x46, 0x2e, 0x14, 0x4d, 0x74,
};
static const uint8_t app_instance_version_tag[16] = {
	0xb9, 0x82, 0xd0, 0xb7, 0x3b, 0x56, 0x07, 0x4f,
	0xa0, 0x7b, 0x52, 0x4a, 0x81, 0x16, 0xa0, 0x10,
};

NTSTATUS smb2_durable_parse_context(struct smb2_durable_req *d,
				    const uint8_t *name, size_t name_len,
				    const uint8_t *data, size_t data_len,
				    bool *handled)
{
	*handled = true;
	if (tag_is(name, name_len, "DHnQ")) {
		if (data_len != SMB2_DH_REQ_SIZE)
			return NT_STATUS_INVALID_PARAMETER;
		d->v1_request = true;
	} else if (tag_is(name, name_len, "DHnC")) {
		if (data_len != SMB2_DH_RECONNECT_SIZE)
			return NT_STATUS_INVALID_PARAMETER;
		d->v1_reconnect = true;
		d->fid_p = get_le64(data);
		d->fid_v = get_le64(data + 8);
	} else if (tag_is(name, name_len, "DH2Q")) {
		if (data_len != SMB2_DH2_REQ_SIZE)
			return NT_STATUS_INVALID_PARAMETER;
		d->v2_request = true;
		d->timeout_ms = get_le32(data);
		d->flags = get_le32(data + 4);
		memcpy(d->create_guid, data + 16, 16);
	} else if (tag_is(name, name_len, "DH2C")) {
		if (data_len != SMB2_DH2_RECONNECT_SIZE)
			return NT_STATUS_INVALID_PARAMETER;
		d->v2_reconnect = true;
		d->fid_p = get_le64(data);
		d->fid_v = get_le64(data + 8);
		memcpy(d->create_guid, data + 16, 16);
		d->flags = get_le32(data + 32);
	} else if (name_len == 16 &&
		   memcmp(name, app_instance_id_tag, 16) == 0) {
		/* 2.2.13.2.13: StructureSize 20, Reserved, AppInstanceId */
		if (data_len != SMB2_APP_INSTANCE_ID_SIZE ||
		    get_le16(data) != SMB2_APP_INSTANCE_ID_SIZE)
			return NT_STATUS_INVALID_PARAMETER;
		d->has_app_id = true;
		memcpy(d->app_id, data + 4, 16);
	} else if (name_len == 16 &&
		   memcmp(name, app_instance_version_tag, 16) == 0) {
		/* 2.2.13.2.18: StructureSize 24, Reserved, Padding, High,
		 * Low */
		if (data_len != SMB2_APP_INSTANCE_VERSION_SIZE ||
		    get_le16(data) != SMB2_APP_INSTANCE_VERSION_SIZE)
			return NT_STATUS_INVALID_PARAMETER;
		d->has_app_version = true;
		d->app_version_high = get_le64(data + 8);
		d->app_version_low = get_le64(data + 16);
	} else {
		*handled = false;
	}
	return NT_STATUS_OK;
}

NTSTATUS smb2_durable_check_request(struct smb2_durable_req *d,
				    uint16_t dialect)
{
	if (dialect < SMB2_DIALECT_300) {
		/* v2 contexts and app instances mean nothing before 3.0 */
		d->v2_request = d->v2_reconnect = false;
		d->has_app_id = d->has_app_version = false;
	}
	/* 3.3.5.9.10/.12: v2 with any other durable context */
	if ((d->v2_request || d->v2_reconnect) &&
	    (d->v1_request || d->v1_reconnect ||
	     (d->v2_request && d->v2_reconnect)))
		return NT_STATUS_INVALID_PARAMETER;
	/* 3.3.5.9.7: a reconnect ignores a request next to it */
	if (d->v1_reconnect)
		d->v1_request = false;
	/* durable handles start with 2.1 (the contexts date from 2.0.2,
	 * but reconnecting needs leases or batch oplocks kept) */
	if (dialect < SMB2_DIALECT_202)
		d->v1_request = d->v1_reconnect = false;
	return NT_STATUS_OK;
}

uint32_t smb2_durable_v2_timeout(uint32_t requested_ms)
{
	if (requested_ms == 0)
		return SMB2_DURABLE_V2_DEFAULT_MS;
	return requested_ms > SMB2_DURABLE_V2_MAX_MS ? SMB2_DURABLE_V2_MAX_MS
						     : requested_ms;
}

bool smb2_durable_grantable(uint8_t oplock_level, uint32_t lease_state,
			    bool is_dir)
{
	if (is_dir)
		return false;
	if (oplock_level == SMB2_OPLOCK_LEVEL_BATCH)
		return true;
	return oplock_level == SMB2_OPLOCK_LEVEL_LEASE &&
	       (lease_state & SMB2_LEASE_HANDLE);
}

/* ---- the table ---- */

static struct smb2_durable_table *table_get(struct smb2_server *srv)
{
	if (!srv->durable) {
		srv->durable = talloc_zero(srv, struct smb2_durable_table);
		if (srv->durable)
			srv->durable->srv = srv;
	}
	return srv->durable;
}

static int entry_destructor(struct smb2_durable_open *e)
{
	DLIST_REMOVE(e->table->opens, e);
	if (e->open)
		e->open->durable = NULL;
	return 0;
}

/* The open's entry, made on first use (a child of the open). */
static struct smb2_durable_open *entry_get(struct smb2_open *o)
{
	struct smb2_server *srv = o->tcon->session->srv;
	struct smb2_durable_table *t = table_get(srv);
	struct smb2_durable_open *e;

	if (o->durable)
		return o->durable;
	if (!t || !(e = talloc_zero(o, struct smb2_durable_open)))
		return NULL;
	e->table = t;
	e->open = o;
	DLIST_ADD(t->opens, e);
	talloc_set_destructor(e, entry_destructor);
	o->durable = e;
	return e;
}

static bool set_owner(struct smb2_durable_open *e,
		      const struct smb2_session *s)
{
	talloc_free(e->user);
	talloc_free(e->domain);
	e->user = talloc_strdup(e, s->user ? s->user : "");
	e->domain = talloc_strdup(e, s->domain ? s->domain : "");
	e->anonymous = s->anonymous;
	return e->user && e->domain;
}

static bool same_owner(const struct smb2_durable_open *e,
		       const struct smb2_session *s)
{
	return e->anonymous == s->anonymous &&
	       strcasecmp(e->user, s->user ? s->user : "") == 0 &&
	       strcasecmp(e->domain, s->domain ? s->domain : "") == 0;
}

/* ---- disconnect, expiry, reconnect ---- */

static void close_disconnected(struct smb2_durable_open *e)
{
	/* frees the stand-in session, its tree connect and the open:
	 * locks, lease or oplock and delete-on-close go as on CLOSE */
	talloc_free(e->limbo);
}

static void expiry_fired(struct tevent_context *ev, struct tevent_timer *te,
			 struct timeval now, void *private_data)
{
	struct smb2_durable_open *e = private_data;

	e->expiry = NULL;
	LOG_DBG("durable open %llu expired",
		(unsigned long long)e->open->persistent_id);
	close_disconnected(e);
}

/* Whether o is kept across the loss of its session (3.3.7.1): a durable
 * open must still hold a batch oplock or a handle-caching lease. */
static bool keep_on_disconnect(struct smb2_open *o)
{
	struct smb2_durable_open *e = o->durable;
	struct smb2_lease_ctx lease;
	uint32_t state = 0;

	if (!e || !o->file || o->fd < 0)
		return false;
	if (e->resilient)
		return true;
	if (!e->durable)
		return false;
	if (smb2_open_lease(o, &lease))
		state = lease.state;
	return smb2_durable_grantable(smb2_open_oplock_level(o), state,
				      o->is_dir);
}

/* Moves o from its tree connect to a stand-in of its own. */
static void detach(struct smb2_open *o)
{
	struct smb2_durable_open *e = o->durable;
	struct smb2_tcon *old = o->tcon;
	struct durable_limbo *l = talloc_zero(e->table, struct durable_limbo);

	if (!l) {
		talloc_free(o);
		return;
	}
	l->session.srv = old->session->srv;
	l->session.id = 0;
	l->session.state = SMB2_SESSION_EXPIRED;
	l->session.dialect = old->session->dialect;
	l->tcon.session = &l->session;
	l->tcon.share = old->share;
	l->tcon.id = old->id;

	DLIST_REMOVE(old->opens, o);
	old->session->n_opens--;
	talloc_steal(l, o);
	o->tcon = &l->tcon;
	DLIST_ADD(l->tcon.opens, o);
	l->session.n_opens++;
	e->limbo = l;
	e->expiry = tevent_add_timer(
	    l->session.srv->ev, e,
	    tevent_timeval_current_ofs(e->timeout_ms / 1000,
				       e->timeout_ms % 1000 * 1000),
	    expiry_fired, e);
	LOG_DBG("open %llu of %s kept for %u ms after disconnect",
		(unsigned long long)o->persistent_id, o->file->relpath,
		e->timeout_ms);
}

static void session_lost(struct smb2_session *s)
{
	for (struct smb2_tcon *t = s->tcons; t; t = t->next) {
		struct smb2_open *o, *next;

		for (o = t->opens; o; o = next) {
			next = o->next;
			if (keep_on_disconnect(o))
				detach(o);
		}
	}
}

void smb2_durable_conn_lost(struct smb2_conn *conn)
{
	for (struct smb2_session *s = conn->srv->sessions; s; s = s->next) {
		struct smb2_channel *ch = smb2_channel_find(s, conn);
		bool others = false;

		if (!ch || !s->n_opens || s->state == SMB2_SESSION_IN_PROGRESS)
			continue;
		for (struct smb2_channel *c = s->channels; c; c = c->next)
			if (c != ch && c->ready)
				others = true;
		if (!others)
			session_lost(s);
	}
}

void smb2_durable_logoff(struct smb2_session *s)
{
	session_lost(s);
}

void smb2_durable_previous_session(struct smb2_session *s,
				   uint64_t previous_id)
{
	struct smb2_session *prev;

	if (!previous_id || previous_id == s->id)
		return;
	prev = smb2_session_lookup_global(s->srv, previous_id);
	/* only the same user may end a session this way */
	if (!prev || prev->state != SMB2_SESSION_VALID || prev->anonymous ||
	    s->anonymous || strcasecmp(prev->user, s->user) != 0 ||
	    strcasecmp(prev->domain, s->domain) != 0)
		return;
	LOG_DBG("session %llx replaces previous session %llx",
		(unsigned long long)s->id, (unsigned long long)previous_id);
	session_lost(prev);
	talloc_free(prev);
}

/* Moves a disconnected open into the request's tree connect. */
static void attach(struct smb2_req *req, struct smb2_durable_open *e)
{
	struct smb2_open *o = e->open;
	struct smb2_tcon *t = req->tcon;

	DLIST_REMOVE(e->limbo->tcon.opens, o);
	e->limbo->session.n_opens--;
	talloc_steal(t, o);
	o->tcon = t;
	o->volatile_id = t->next_volatile_id++;
	DLIST_ADD(t->opens, o);
	t->session->n_opens++;
	TALLOC_FREE(e->expiry);
	TALLOC_FREE(e->limbo);
	/* breaks and replays now go to this client's connection */
	memcpy(e->client_guid, req->conn->client_guid, 16);
}

static struct smb2_durable_open *find_persistent(struct smb2_server *srv,
						 uint64_t fid_p)
{
	if (!srv->durable)
		return NULL;
	for (struct smb2_durable_open *e = srv->durable->opens; e;
	     e = e->next)
		if (e->open->persistent_id == fid_p)
			return e;
	return NULL;
}

/* MS-SMB2 3.3.5.9.7 and 3.3.5.9.12. */
static bool same_name(const char *client_name, const char *path)
{
	if (!client_name || !path)
		return false;
	for (; *client_name && *path; client_name++, path++) {
		char a = *client_name == '\\' ? '/' : *client_name;

		if (tolower((unsigned char)a) != tolower((unsigned char)*path))
			return false;
	}
	return *client_name == *path;
}

static NTSTATUS reconnect(struct smb2_req *req, const struct smb2_durable_req *d,
			  const struct smb2_lease_ctx *rq_lease,
			  const char *path, struct smb2_open **existing)
{
	struct smb2_durable_open *e = find_persistent(req->conn->srv, d->fid_p);
	struct smb2_lease_ctx lease;
	bool has_lease;

	if (!e || !e->limbo || (!e->durable && !e->resilient))
		return NT_STATUS_OBJECT_NAME_NOT_FOUND;
	/* a v1 durable open has a CreateGuid of zeros */
	if (d->v2_reconnect && memcmp(e->create_guid, d->create_guid, 16) != 0)
		return NT_STATUS_OBJECT_NAME_NOT_FOUND;
	if (e->open->tcon->share != req->tcon->share)
		return NT_STATUS_OBJECT_NAME_NOT_FOUND;
	has_lease = smb2_open_lease(e->open, &lease);
	if (has_lease) {
		/* the lease belongs to its client, and is named again */
		if (memcmp(e->client_guid, req->conn->client_guid, 16) != 0 ||
		    !rq_lease || memcmp(rq_lease->key, lease.key, 16) != 0)
			return NT_STATUS_OBJECT_NAME_NOT_FOUND;
		if (!same_name(e->open->client_name, path))
			return NT_STATUS_INVALID_PARAMETER;
	} else if (rq_lease && !e->resilient) {
		return NT_STATUS_OBJECT_NAME_NOT_FOUND;
	}
	if (!same_owner(e, req->session))
		return NT_STATUS_ACCESS_DENIED;
	attach(req, e);
	LOG_DBG("%s: durable open %llu reconnected", req->conn->peer,
		(unsigned long long)d->fid_p);
	*existing = e->open;
	return NT_STATUS_OK;
}

/* MS-SMB2 3.3.5.9.10: a CreateGuid this client used already. */
static NTSTATUS replay_create(struct smb2_req *req,
			      const struct smb2_durable_req *d,
			      const struct smb2_lease_ctx *rq_lease,
			      const struct smb2_oplock_request *rq,
			      struct smb2_open **existing)
{
	struct smb2_durable_table *t = req->conn->srv->durable;
	struct smb2_lease_ctx lease;

	if (!t)
		return NT_STATUS_OK;
	for (struct smb2_durable_open *e = t->opens; e; e = e->next) {
		if (!e->has_create_guid ||
		    memcmp(e->create_guid, d->create_guid, 16) != 0 ||
		    memcmp(e->client_guid, req->conn->client_guid, 16) != 0)
			continue;
		if (e->limbo)
			return NT_STATUS_OK; /* disconnected: a new open */
		if (!(req->hdr.flags & SMB2_FLAGS_REPLAY_OPERATION))
			return NT_STATUS_DUPLICATE_OBJECTID;
		if (!same_owner(e, req->session))
			return NT_STATUS_ACCESS_DENIED;
		if (e->open->tcon != req->tcon)
			return NT_STATUS_OK;
		/* the replay must ask for the same kind of caching */
		if (smb2_open_lease(e->open, &lease) ?
			!rq_lease || memcmp(rq_lease->key, lease.key, 16) :
			rq_lease && rq->level == SMB2_OPLOCK_LEVEL_LEASE)
			return NT_STATUS_ACCESS_DENIED;
		*existing = e->open;
		return NT_STATUS_OK;
	}
	return NT_STATUS_OK;
}

/* MS-SMB2 3.3.5.9.13/.14: one open per app instance across clients. */
static NTSTATUS close_app_instance(struct smb2_req *req,
				   const struct smb2_durable_req *d)
{
	struct smb2_durable_table *t = req->conn->srv->durable;
	struct smb2_durable_open *e, *next;

	if (!t || !d->has_app_id || !d->v2_request)
		return NT_STATUS_OK;
	for (e = t->opens; e; e = next) {
		next = e->next;
		if (!e->has_app_id || memcmp(e->app_id, d->app_id, 16) != 0 ||
		    memcmp(e->client_guid, req->conn->client_guid, 16) == 0)
			continue;
		if (e->has_app_version && d->has_app_version &&
		    (e->app_version_high > d->app_version_high ||
		     (e->app_version_high == d->app_version_high &&
		      e->app_version_low >= d->app_version_low)))
			return NT_STATUS_FILE_FORCED_CLOSED_;
		LOG_DBG("%s: app instance takes over open %llu",
			req->conn->peer,
			(unsigned long long)e->open->persistent_id);
		if (e->limbo)
			close_disconnected(e);
		else
			talloc_free(e->open);
	}
	return NT_STATUS_OK;
}

/* Closes the disconnected opens of the file at path that a new open
 * would have to break. */
static void purge(struct smb2_req *req, const char *path,
		  const struct smb2_oplock_request *rq)
{
	struct smb2_file *f;
	struct smb2_open *o, *next;

	if (!path || !req->conn->srv->durable)
		return;
	f = smb2_file_find_path(req->conn->srv, req->tcon->share, path);
	/* an open that only reads attributes breaks nothing */
	if (!f || (smb2_oplock_stat_open(rq->access) && !rq->overwrite))
		return;
	for (o = f->opens; o; o = next) {
		struct smb2_durable_open *e = o->durable;
		struct smb2_lease_ctx lease;

		next = o->file_next;
		if (!e || !e->limbo)
			continue;
		/* the same client's lease is shared, not broken */
		if (rq->has_lease && smb2_open_lease(o, &lease) &&
		    memcmp(lease.key, rq->lease.key, 16) == 0 &&
		    memcmp(e->client_guid, req->conn->client_guid, 16) == 0)
			continue;
		LOG_DBG("disconnected open %llu of %s closed for a new open",
			(unsigned long long)o->persistent_id, f->relpath);
		if (f->n_opens == 1) {
			close_disconnected(e); /* f goes with its last open */
			break;
		}
		close_disconnected(e);
	}
}

NTSTATUS smb2_durable_create_begin(struct smb2_req *req,
				   struct smb2_durable_req *d,
				   const struct smb2_lease_ctx *lease,
				   const struct smb2_oplock_request *rq,
				   const char *path, struct smb2_open **existing)
{
	NTSTATUS status;

	*existing = NULL;
	status = smb2_durable_check_request(d, req->conn->dialect);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (d->v1_reconnect || d->v2_reconnect)
		return reconnect(req, d, lease, path, existing);
	if (d->v2_request) {
		status = replay_create(req, d, lease, rq, existing);
		if (!NT_STATUS_IS_OK(status) || *existing)
			return status;
	}
	status = close_app_instance(req, d);
	if (NT_STATUS_IS_OK(status))
		purge(req, path, rq);
	return status;
}

static void put_rsp(const struct smb2_durable_open *e,
		    struct smb2_durable_rsp *rsp)
{
	memset(rsp, 0, sizeof(*rsp));
	if (!e || !e->durable)
		return;
	rsp->len = 8;
	if (e->v2) {
		rsp->tag = "DH2Q";
		put_le32(rsp->data, e->timeout_ms);
		put_le32(rsp->data + 4, 0); /* never persistent */
	} else {
		rsp->tag = "DHnQ";
	}
}

void smb2_durable_grant(struct smb2_req *req, struct smb2_open *o,
			const struct smb2_durable_req *d, uint32_t action,
			uint8_t oplock_level, uint32_t lease_state,
			struct smb2_durable_rsp *rsp)
{
	struct smb2_durable_open *e;
	bool durable = (d->v1_request || d->v2_request) &&
		       smb2_durable_grantable(oplock_level, lease_state,
					      o->is_dir);

	memset(rsp, 0, sizeof(*rsp));
	if (!durable && !d->v2_request && !d->has_app_id)
		return;
	if (!o->file || !(e = entry_get(o)) || !set_owner(e, req->session))
		return;
	memcpy(e->client_guid, req->conn->client_guid, 16);
	e->create_action = action;
	if (d->v2_request) {
		e->has_create_guid = true;
		memcpy(e->create_guid, d->create_guid, 16);
	}
	if (d->has_app_id && d->v2_request) {
		e->has_app_id = true;
		memcpy(e->app_id, d->app_id, 16);
		e->has_app_version = d->has_app_version;
		e->app_version_high = d->app_version_high;
		e->app_version_low = d->app_version_low;
	}
	if (!durable)
		return;
	e->durable = true;
	e->v2 = d->v2_request;
	e->timeout_ms = e->v2 ? smb2_durable_v2_timeout(d->timeout_ms)
			      : SMB2_DURABLE_V1_TIMEOUT_MS;
	put_rsp(e, rsp);
}

void smb2_durable_existing_rsp(const struct smb2_open *o,
			       const struct smb2_durable_req *d,
			       uint8_t requested, uint8_t *oplock,
			       uint32_t *action, struct smb2_durable_rsp *rsp)
{
	const struct smb2_durable_open *e = o->durable;
	struct smb2_lease_ctx lease;
	uint32_t state = 0;

	*oplock = smb2_open_oplock_level(o);
	*action = FILE_OPENED;
	memset(rsp, 0, sizeof(*rsp));
	/* a reconnect answers without a durable context */
	if (d->v1_reconnect || d->v2_reconnect)
		return;
	/* a replay: what the first answer said, as far as the replay
	 * asks for it (smbtorture smb2.replay.replay-dhv2-oplock2) */
	*action = e->create_action;
	if (smb2_open_lease(o, &lease))
		state = lease.state;
	else if (requested < *oplock)
		*oplock = requested;
	if (smb2_durable_grantable(*oplock, state, o->is_dir))
		put_rsp(e, rsp);
}

NTSTATUS smb2_durable_request_resiliency(struct smb2_req *req,
					 struct smb2_open *o,
					 struct wire_slice in)
{
	struct smb2_durable_open *e;
	uint32_t timeout;

	if (req->conn->dialect < SMB2_DIALECT_210)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	if (in.len < SMB2_NETWORK_RESILIENCY_SIZE)
		return NT_STATUS_INVALID_PARAMETER;
	timeout = get_le32(in.p);
	if (timeout > SMB2_RESILIENT_MAX_MS)
		return NT_STATUS_INVALID_PARAMETER;
	if (!o->file || o->fd < 0)
		return NT_STATUS_INVALID_PARAMETER;
	e = entry_get(o);
	if (!e || !set_owner(e, req->session))
		return NT_STATUS_NO_MEMORY;
	memcpy(e->client_guid, req->conn->client_guid, 16);
	e->durable = false;
	e->resilient = true;
	e->timeout_ms = timeout ? timeout : SMB2_RESILIENT_DEFAULT_MS;
	return NT_STATUS_OK;
}

void smb2_durable_server_end(struct smb2_server *srv)
{
	struct smb2_durable_table *t = srv->durable;

	if (!t)
		return;
	while (t->opens) {
		struct smb2_durable_open *e = t->opens;

		if (e->limbo)
			close_disconnected(e);
		else
			talloc_free(e); /* its open goes with its session */
	}
	TALLOC_FREE(srv->durable);
}
