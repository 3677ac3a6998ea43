/*
 * Message processing: compound splitting, the per-element checks of
 * MS-SMB2 3.3.5.2 (credits, session, signature, tree connect, structure
 * size), dispatch to the command handlers, async/interim responses and
 * CANCEL, and response assembly (signing, compound padding).
 */
#include <errno.h>
#include <string.h>

#include "conf/log.h"
#include "smb2/durable.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_objects.h"
#include "smb2/smb2_transform.h"

#define SMB2_MAX_COMPOUND 128
#define SMB2_PRE_NEGOTIATE_MAX (64 * 1024)

typedef NTSTATUS (*smb2_handler)(struct smb2_req *req);

enum {
	NEED_SESSION = 1,
	NEED_TCON = 2,
};

static const struct {
	smb2_handler fn;
	unsigned needs;
} handlers[SMB2_OP_MAX] = {
	[SMB2_OP_NEGOTIATE] = { smb2_cmd_negotiate, 0 },
	[SMB2_OP_SESSION_SETUP] = { smb2_cmd_session_setup, 0 },
	[SMB2_OP_LOGOFF] = { smb2_cmd_logoff, NEED_SESSION },
	[SMB2_OP_TREE_CONNECT] = { smb2_cmd_tree_connect, NEED_SESSION },
	[SMB2_OP_TREE_DISCONNECT] = { smb2_cmd_tree_disconnect,
				      NEED_SESSION | NEED_TCON },
	[SMB2_OP_CREATE] = { smb2_cmd_create, NEED_SESSION | NEED_TCON },
	[SMB2_OP_CLOSE] = { smb2_cmd_close, NEED_SESSION | NEED_TCON },
	[SMB2_OP_FLUSH] = { smb2_cmd_flush, NEED_SESSION | NEED_TCON },
	[SMB2_OP_READ] = { smb2_cmd_read, NEED_SESSION | NEED_TCON },
	[SMB2_OP_WRITE] = { smb2_cmd_write, NEED_SESSION | NEED_TCON },
	[SMB2_OP_LOCK] = { smb2_cmd_lock, NEED_SESSION | NEED_TCON },
	[SMB2_OP_IOCTL] = { smb2_cmd_ioctl, NEED_SESSION | NEED_TCON },
	[SMB2_OP_ECHO] = { smb2_cmd_echo, 0 },
	[SMB2_OP_QUERY_DIRECTORY] = { smb2_cmd_query_directory,
				      NEED_SESSION | NEED_TCON },
	[SMB2_OP_CHANGE_NOTIFY] = { smb2_cmd_change_notify,
				    NEED_SESSION | NEED_TCON },
	[SMB2_OP_QUERY_INFO] = { smb2_cmd_query_info,
				 NEED_SESSION | NEED_TCON },
	[SMB2_OP_SET_INFO] = { smb2_cmd_set_info, NEED_SESSION | NEED_TCON },
	[SMB2_OP_OPLOCK_BREAK] = { smb2_cmd_oplock_break,
				   NEED_SESSION | NEED_TCON },
};

static void msg_continue(struct smb2_msg *msg, struct smb2_req *from);
static void capture_ids(struct smb2_req *req);

/* ---- connection lifecycle ---- */

void smb2_conn_terminate(struct smb2_conn *conn, const char *why)
{
	if (conn->terminating)
		return;
	conn->terminating = true;
	LOG_INFO("%s: dropping connection: %s", conn->peer, why);
	conn->ops->disconnect(conn->transport, why);
}

static void handshake_expired(struct tevent_context *ev,
			      struct tevent_timer *te, struct timeval now,
			      void *private_data)
{
	struct smb2_conn *conn = private_data;
	conn->handshake_timer = NULL;
	smb2_conn_terminate(conn, "no session set up before the deadline");
}

void smb2_conn_handshake_done(struct smb2_conn *conn)
{
	TALLOC_FREE(conn->handshake_timer);
}

static int conn_destructor(struct smb2_conn *conn)
{
	smb2_conn_shutdown(conn);
	conn->srv->n_conns--;
	DLIST_REMOVE(conn->srv->conns, conn);
	return 0;
}

struct smb2_conn *smb2_conn_new(TALLOC_CTX *mem_ctx, struct smb2_server *srv,
				const struct smb2_transport_ops *ops,
				void *transport, const char *peer)
{
	struct smb2_conn *conn = talloc_zero(mem_ctx, struct smb2_conn);

	if (!conn)
		return NULL;
	conn->srv = srv;
	conn->ops = ops;
	conn->transport = transport;
	conn->peer = talloc_strdup(conn, peer);
	conn->next_async_id = 1;
	smb2_credits_init(&conn->credits, srv->conf->max_credits);
	conn->handshake_timer = tevent_add_timer(
		srv->ev, conn,
		tevent_timeval_current_ofs(srv->conf->handshake_timeout, 0),
		handshake_expired, conn);
	srv->n_conns++;
	DLIST_ADD_END(srv->conns, conn);
	talloc_set_destructor(conn, conn_destructor);
	return conn;
}

void smb2_conn_shutdown(struct smb2_conn *conn)
{
	struct smb2_session *s, *next;

	/* durable opens outlive the session (MS-SMB2 3.3.7.1) */
	smb2_durable_conn_lost(conn);
	/* a session loses this channel; it ends with its last one */
	for (s = conn->srv->sessions; s; s = next) {
		next = s->next;
		smb2_channel_drop(s, conn);
	}
}

uint32_t smb2_conn_max_recv(const struct smb2_conn *conn)
{
	return conn->negotiated ? conn->srv->conf->max_pdu_size
				: SMB2_PRE_NEGOTIATE_MAX;
}

/* ---- response assembly ---- */

static bool req_should_sign(const struct smb2_req *req,
			    struct smb2_session **sess)
{
	struct smb2_session *s = req->sign_with;

	if (!s && req->session && req->session->state == SMB2_SESSION_VALID &&
	    !req->session->anonymous &&
	    (req->session->signing_required || req->signed_in))
		s = req->session;
	*sess = s;
	return s != NULL;
}

static const uint8_t zero_pad[8];

/*
 * Appends one element's response to iov (up to 4 entries: header, body,
 * payload, padding). interim: STATUS_PENDING with an error body.
 */
static int build_element(TALLOC_CTX *owner, struct smb2_req *req,
			 bool interim, bool last, bool encrypting,
			 struct iovec *iov)
{
	struct smb2_conn *conn = req->conn;
	struct smb2_hdr h = { 0 };
	uint8_t *hdr = talloc_array(owner, uint8_t, SMB2_HDR_SIZE);
	const uint8_t *body;
	size_t body_len, payload_len = 0, total, pad = 0;
	struct smb2_session *sess = NULL;
	int n = 0;
	static const uint8_t error_body[9] = { 9, 0 };

	if (!hdr)
		return -ENOMEM;
	if (interim || req->out.len == 0 || req->out.err) {
		body = error_body;
		body_len = sizeof(error_body);
	} else {
		body = talloc_steal(owner, req->out.buf);
		body_len = req->out.len;
		req->out.buf = NULL;
		req->out.len = 0;
		if (req->payload_len) {
			payload_len = req->payload_len;
			talloc_steal(owner, req->payload_owner);
		}
	}
	total = SMB2_HDR_SIZE + body_len + payload_len;
	if (!last && (total & 7))
		pad = 8 - (total & 7);

	h.credit_charge = req->hdr.credit_charge;
	h.status = interim ? NT_STATUS_V(NT_STATUS_PENDING)
			   : NT_STATUS_V(req->status);
	h.command = req->hdr.command;
	if (!req->credits_done) {
		h.credits = smb2_credits_grant(&conn->credits, req->hdr.credits,
					       req->charge);
		req->credits_done = true;
	}
	h.flags = SMB2_FLAGS_SERVER_TO_REDIR |
		  (req->hdr.flags & SMB2_FLAGS_RELATED_OPERATIONS);
	if (req->async) {
		h.flags |= SMB2_FLAGS_ASYNC_COMMAND;
		h.async_id = req->async_id;
	} else {
		h.tree_id = req->tree_id;
	}
	h.next_command = last ? 0 : (uint32_t)(total + pad);
	h.message_id = req->hdr.message_id;
	h.session_id = req->session_id;
	smb2_hdr_encode(hdr, &h);

	iov[n].iov_base = hdr;
	iov[n++].iov_len = SMB2_HDR_SIZE;
	iov[n].iov_base = (void *)body;
	iov[n++].iov_len = body_len;
	if (payload_len) {
		iov[n].iov_base = (void *)req->payload;
		iov[n++].iov_len = payload_len;
	}
	if (pad) {
		iov[n].iov_base = (void *)zero_pad;
		iov[n++].iov_len = pad;
	}
	/* a signed request for a session this connection does not carry:
	 * nothing to sign with, but the flag tells the client the status
	 * is not a forgery it must drop (it skips the signature check
	 * for USER_SESSION_DELETED) */
	if (!encrypting && !interim && (req->hdr.flags & SMB2_FLAGS_SIGNED) &&
	    NT_STATUS_EQUAL(req->status, NT_STATUS_USER_SESSION_DELETED))
		hdr[16] |= SMB2_FLAGS_SIGNED;
	/* an encrypted message is not signed as well (MS-SMB2 3.3.4.1.1) */
	if (!encrypting && req_should_sign(req, &sess)) {
		uint8_t sig[16];
		hdr[16] |= SMB2_FLAGS_SIGNED;
		if (smb2_signature_compute(smb2_signing_alg_for(sess, conn),
					   smb2_signing_key_for(sess, conn), iov, n,
					   sig) == 0)
			memcpy(hdr + SMB2_SIGNATURE_OFFSET, sig, 16);
	}
	/* the preauth hash takes the response as sent, signature and all */
	if (req->preauth_update && req->bind_channel && !interim)
		smb2_preauth_update(req->bind_channel->preauth_hash, iov, n);
	else if (req->preauth_update && req->session && !interim)
		smb2_preauth_update(req->session->preauth_hash, iov, n);
	if (req->preauth_conn && !interim)
		smb2_preauth_update(conn->preauth_hash, iov, n);
	return n;
}

/*
 * The session whose key encrypts a response: the one an encrypted request
 * came under, or any session of the compound that encrypts all its
 * traffic (its refusals of plain requests included, MS-SMB2 3.3.4.1.4).
 */
static struct smb2_session *encrypting_session(struct smb2_msg *msg,
					       struct smb2_req **list,
					       unsigned n)
{
	struct smb2_conn *conn = msg->conn;

	if (!conn->cipher)
		return NULL;
	if (msg->encrypted) {
		for (unsigned i = 0; i < n; i++)
			if (list[i]->session &&
			    list[i]->session->id == msg->enc_session_id)
				return list[i]->session;
		return smb2_session_lookup(conn, msg->enc_session_id);
	}
	for (unsigned i = 0; i < n; i++) {
		struct smb2_session *s = list[i]->session;
		if (s && s->encrypt_data && s->state == SMB2_SESSION_VALID &&
		    list[i]->hdr.command != SMB2_OP_SESSION_SETUP)
			return s;
	}
	return NULL;
}

/* Replaces iov with [transform header][ciphertext]. */
static int encrypt_iov(struct smb2_conn *conn, struct smb2_session *s,
		       TALLOC_CTX *owner, struct iovec **iov, int *niov,
		       size_t bytes)
{
	uint8_t nonce[SMB2_TRANSFORM_NONCE_SIZE];
	uint8_t *hdr = talloc_array(owner, uint8_t, SMB2_TRANSFORM_HDR_SIZE);
	uint8_t *out = talloc_array(owner, uint8_t, bytes);
	struct iovec *enc = talloc_array(owner, struct iovec, 2);
	int rc;

	if (!hdr || !out || !enc)
		return -ENOMEM;
	rc = smb2_transform_nonce(conn->cipher, ++s->nonce_counter, nonce);
	if (rc == 0)
		rc = smb2_transform_encrypt(conn->cipher, s->keys.encryption,
					    smb2_cipher_key_len(conn->cipher),
					    s->id, nonce, *iov, *niov, hdr,
					    out);
	if (rc != 0)
		return rc;
	enc[0].iov_base = hdr;
	enc[0].iov_len = SMB2_TRANSFORM_HDR_SIZE;
	enc[1].iov_base = out;
	enc[1].iov_len = bytes;
	*iov = enc;
	*niov = 2;
	return 0;
}

/* Sends the done-but-unsent elements of msg (and an interim for
 * `pending`, if given) as one compound response. */
static void flush_responses(struct smb2_msg *msg, struct smb2_req *pending)
{
	struct smb2_conn *conn = msg->conn;
	struct smb2_req *r, *list[SMB2_MAX_COMPOUND + 1];
	unsigned n = 0;
	TALLOC_CTX *owner;
	struct iovec *iov;
	int niov = 0;
	size_t bytes = 0;
	struct smb2_session *enc;

	for (r = msg->first; r; r = r->next_elem) {
		if (r == pending || (r->done && !r->sent && !r->no_response))
			list[n++] = r;
		if (r == pending)
			break;
	}
	if (n == 0 || conn->terminating)
		return;
	owner = talloc_new(conn);
	iov = talloc_array(owner, struct iovec, 4 * n);
	if (!owner || !iov) {
		talloc_free(owner);
		smb2_conn_terminate(conn, "out of memory");
		return;
	}
	enc = encrypting_session(msg, list, n);
	for (unsigned i = 0; i < n; i++) {
		bool interim = list[i] == pending;
		int k = build_element(owner, list[i], interim, i == n - 1,
				      enc != NULL, iov + niov);
		if (k < 0) {
			talloc_free(owner);
			smb2_conn_terminate(conn, "out of memory");
			return;
		}
		niov += k;
		if (!interim)
			list[i]->sent = true;
	}
	for (int i = 0; i < niov; i++)
		bytes += iov[i].iov_len;
	conn->srv->bytes_out += bytes;
	conn->bytes_out += bytes;
	if (enc && encrypt_iov(conn, enc, owner, &iov, &niov, bytes) != 0) {
		talloc_free(owner);
		smb2_conn_terminate(conn, "encryption failed");
		return;
	}
	for (unsigned i = 0; i < n; i++)
		if (list[i]->free_after && list[i] != pending)
			TALLOC_FREE(list[i]->free_after);
	if (conn->ops->send(conn->transport, iov, niov, owner) != 0)
		smb2_conn_terminate(conn, "send failed");
}

/*
 * Sends a message the client did not ask for (an oplock or lease break,
 * MS-SMB2 3.3.4.6, 3.3.4.7): MessageId all ones, no credits, never
 * signed; encrypted with enc's keys when enc is given (3.3.4.1.4).
 */
int smb2_conn_send_unsolicited(struct smb2_conn *conn,
			       struct smb2_session *enc, uint64_t session_id,
			       uint16_t command, const uint8_t *body,
			       size_t len)
{
	struct smb2_hdr h = { 0 };
	struct iovec plain, *iov = &plain;
	int niov = 1, rc;
	TALLOC_CTX *owner;
	uint8_t *buf;

	if (conn->terminating)
		return -ENOTCONN;
	owner = talloc_new(conn);
	buf = owner ? talloc_array(owner, uint8_t, SMB2_HDR_SIZE + len) : NULL;
	if (!buf) {
		talloc_free(owner);
		return -ENOMEM;
	}
	h.command = command;
	h.flags = SMB2_FLAGS_SERVER_TO_REDIR;
	h.message_id = UINT64_MAX;
	h.session_id = session_id;
	smb2_hdr_encode(buf, &h);
	memcpy(buf + SMB2_HDR_SIZE, body, len);
	plain.iov_base = buf;
	plain.iov_len = SMB2_HDR_SIZE + len;
	if (enc && conn->cipher) {
		rc = encrypt_iov(conn, enc, owner, &iov, &niov, plain.iov_len);
		if (rc != 0) {
			talloc_free(owner);
			return rc;
		}
	}
	conn->srv->bytes_out += plain.iov_len;
	return conn->ops->send(conn->transport, iov, niov, owner);
}

/* ---- async requests ---- */

static void req_send_interim(struct smb2_req *req)
{
	if (req->async || req->done)
		return;
	if (req->in_handler)
		capture_ids(req); /* the handler itself went async */
	else
		smb2_req_refresh(req);
	req->async = true;
	req->async_id = req->conn->next_async_id++;
	flush_responses(req->msg, req);
}

static void interim_timer_fired(struct tevent_context *ev,
				struct tevent_timer *te, struct timeval now,
				void *private_data)
{
	struct smb2_req *req = private_data;
	req->interim_timer = NULL;
	req_send_interim(req);
}

void smb2_req_go_async(struct smb2_req *req)
{
	TALLOC_FREE(req->interim_timer);
	req_send_interim(req);
}

static int pending_req_destructor(struct smb2_req *req)
{
	if (!req->done)
		DLIST_REMOVE(req->conn->pending, req);
	return 0;
}

static void req_went_async(struct smb2_req *req)
{
	uint32_t ms = req->conn->srv->conf->pending_threshold_ms;

	DLIST_ADD(req->conn->pending, req);
	talloc_set_destructor(req, pending_req_destructor);
	/* a delayed SESSION_SETUP answer is never announced as pending */
	if (!req->async && req->hdr.command != SMB2_OP_SESSION_SETUP)
		req->interim_timer = tevent_add_timer(
			req->conn->srv->ev, req,
			tevent_timeval_current_ofs(ms / 1000,
						   (ms % 1000) * 1000),
			interim_timer_fired, req);
}

static void finish_elem(struct smb2_req *req, NTSTATUS status)
{
	struct smb2_msg *msg = req->msg;

	req->status = status;
	req->done = true;
	if (req->hdr.command == SMB2_OP_CREATE && !NT_STATUS_IS_OK(status) &&
	    NT_STATUS_IS_OK(msg->related_status))
		msg->related_status = status;
}

void smb2_req_refresh(struct smb2_req *req)
{
	req->session = req->session ? smb2_session_lookup(req->conn,
							  req->session_id)
				    : NULL;
	req->tcon = req->tcon && req->session
			    ? smb2_tcon_lookup(req->session, req->tree_id)
			    : NULL;
	if (req->sign_with)
		req->sign_with = req->session;
}

void smb2_req_complete(struct smb2_req *req, NTSTATUS status)
{
	if (req->done)
		return;
	if (!req->in_handler)
		smb2_req_refresh(req);
	TALLOC_FREE(req->interim_timer);
	DLIST_REMOVE(req->conn->pending, req);
	talloc_set_destructor(req, NULL);
	if (req->cancelled && NT_STATUS_IS_OK(status) == false &&
	    !NT_STATUS_EQUAL(status, NT_STATUS_CANCELLED))
		status = NT_STATUS_CANCELLED;
	finish_elem(req, status);
	if (req->in_handler)
		return; /* the dispatcher picks it up on return */
	msg_continue(req->msg, req->next_elem);
}

static void handle_cancel(struct smb2_req *req)
{
	struct smb2_req *p;

	for (p = req->conn->pending; p; p = p->next) {
		bool match = (req->hdr.flags & SMB2_FLAGS_ASYNC_COMMAND)
				     ? (p->async && p->async_id ==
							    req->hdr.async_id)
				     : (p->hdr.message_id ==
					req->hdr.message_id);
		if (!match)
			continue;
		p->cancelled = true;
		if (p->cancel_fn)
			p->cancel_fn(p);
		return;
	}
}

/* ---- per element checks (MS-SMB2 3.3.5.2) ---- */

time_t smb2_now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Size the CreditCharge must cover for the commands that move data. */
static uint64_t payload_size(const struct smb2_req *req)
{
	const uint8_t *b = req->body.p;
	uint64_t a, c;

	switch (req->hdr.command) {
	case SMB2_OP_READ:
	case SMB2_OP_WRITE:
		return get_le32(b + 4);
	case SMB2_OP_IOCTL:
		a = get_le32(b + 28); /* InputCount */
		c = get_le32(b + 44); /* MaxOutputResponse */
		return a > c ? a : c;
	case SMB2_OP_QUERY_DIRECTORY:
		return get_le32(b + 28);
	case SMB2_OP_CHANGE_NOTIFY:
		return get_le32(b + 4);
	case SMB2_OP_QUERY_INFO:
		return get_le32(b + 4);
	default:
		return 0;
	}
}

static bool is_related(const struct smb2_req *req)
{
	return req->index > 0 &&
	       (req->hdr.flags & SMB2_FLAGS_RELATED_OPERATIONS);
}

/*
 * A SESSION_SETUP that binds a new channel (MS-SMB2 3.3.5.5): the session
 * lives on other connections, and the request is signed with its key
 * (the channel has none yet). The handler checks the rest.
 */
static NTSTATUS check_binding(struct smb2_req *req, uint64_t sid)
{
	struct smb2_conn *conn = req->conn;
	struct smb2_session *s = smb2_session_lookup_global(conn->srv, sid);
	struct iovec iov = { (void *)req->in.p, req->in.len };

	if (!s || s->state != SMB2_SESSION_VALID || s->anonymous)
		return NT_STATUS_OK; /* the handler answers */
	/* the handler judges dialects before the signature, as Windows
	 * does, so a mismatch gets its own status */
	if (req->hdr.flags & SMB2_FLAGS_SIGNED) {
		enum smb2_sign_alg alg = smb2_signing_alg_for(s, conn);
		req->signed_in = true;
		req->bad_bind_signature = !smb2_signature_check(
			alg, smb2_signing_key_for(s, conn), &iov, 1);
	}
	req->session = s;
	return NT_STATUS_OK;
}

static NTSTATUS check_session(struct smb2_req *req, unsigned needs)
{
	struct smb2_conn *conn = req->conn;
	uint64_t sid = req->hdr.session_id;
	struct smb2_session *s;

	/* a related element works on the previous element's session
	 * (MS-SMB2 3.3.5.2.7.2), whatever that element made of it */
	if (is_related(req) && sid == UINT64_MAX)
		sid = req->msg->related_session_id;
	req->msg->related_session_id = sid;
	if (sid == 0 && !(needs & NEED_SESSION))
		return NT_STATUS_OK;
	if (req->hdr.command == SMB2_OP_SESSION_SETUP &&
	    req->body.len > 2 && (req->body.p[2] & SMB2_SESSION_FLAG_BINDING))
		return check_binding(req, sid);
	s = smb2_session_lookup(conn, sid);
	if (!s) {
		if (!(needs & NEED_SESSION))
			return NT_STATUS_OK;
		return is_related(req) ? NT_STATUS_INVALID_PARAMETER
				       : NT_STATUS_USER_SESSION_DELETED;
	}
	if (s->state == SMB2_SESSION_VALID && s->expires &&
	    smb2_now_seconds() >= s->expires)
		s->state = SMB2_SESSION_EXPIRED; /* 'session lifetime' over */
	if (s->state == SMB2_SESSION_EXPIRED &&
	    req->hdr.command != SMB2_OP_SESSION_SETUP &&
	    req->hdr.command != SMB2_OP_LOGOFF &&
	    req->hdr.command != SMB2_OP_CLOSE &&
	    req->hdr.command != SMB2_OP_LOCK)
		return NT_STATUS_NETWORK_SESSION_EXPIRED;
	if (s->state != SMB2_SESSION_IN_PROGRESS && s->encrypt_data &&
	    !req->msg->encrypted) {
		/* MS-SMB2 3.3.5.2.9: refused, and the answer is encrypted */
		req->session = s;
		return NT_STATUS_ACCESS_DENIED;
	}
	if (s->state != SMB2_SESSION_IN_PROGRESS && !s->anonymous &&
	    !req->msg->encrypted) {
		struct iovec iov = { (void *)req->in.p, req->in.len };
		bool signed_flag = req->hdr.flags & SMB2_FLAGS_SIGNED;
		enum smb2_sign_alg alg = smb2_signing_alg_for(s, conn);
		if (signed_flag) {
			if (!smb2_signature_check(alg,
						  smb2_signing_key_for(s, conn),
						  &iov, 1)) {
				/* a forged or damaged message is not carried
				 * out (MS-SMB2 3.3.5.2.4: ACCESS_DENIED, as
				 * Windows answers and clients expect) */
				LOG_WARN("%s: bad signature on %s, mid %llu",
					 conn->peer,
					 smb2_command_name(req->hdr.command),
					 (unsigned long long)
						 req->hdr.message_id);
				return NT_STATUS_ACCESS_DENIED;
			}
			req->signed_in = true;
		} else if (s->signing_required &&
			   req->hdr.command != SMB2_OP_SESSION_SETUP &&
			   req->hdr.command != SMB2_OP_ECHO) {
			return NT_STATUS_ACCESS_DENIED;
		}
	}
	/* an expired session got here only for LOGOFF, CLOSE or LOCK */
	if (s->state == SMB2_SESSION_IN_PROGRESS &&
	    req->hdr.command != SMB2_OP_SESSION_SETUP) {
		if (needs & NEED_SESSION)
			return NT_STATUS_USER_SESSION_DELETED;
		return NT_STATUS_OK;
	}
	req->session = s;
	return NT_STATUS_OK;
}

static NTSTATUS check_tcon(struct smb2_req *req)
{
	uint32_t tid = req->hdr.tree_id;

	if (is_related(req) && tid == UINT32_MAX)
		tid = req->msg->related_tree_id;
	req->msg->related_tree_id = tid;
	req->tcon = smb2_tcon_lookup(req->session, tid);
	if (!req->tcon)
		return NT_STATUS_NETWORK_NAME_DELETED;
	/* MS-SMB2 3.3.5.2.11 */
	if (req->tcon->encrypt_data && !req->msg->encrypted)
		return NT_STATUS_ACCESS_DENIED;
	return NT_STATUS_OK;
}

/* Remembers the ids of the session and tree the request ended up with. */
static void capture_ids(struct smb2_req *req)
{
	req->session_id = req->session ? req->session->id
				       : req->hdr.session_id;
	req->tree_id = req->tcon ? req->tcon->id : req->hdr.tree_id;
}

/*
 * Runs one element. Returns its status, SMB2_STATUS_ASYNC, or sets
 * conn->terminating for errors that must drop the connection.
 */
static NTSTATUS run_elem(struct smb2_req *req)
{
	struct smb2_conn *conn = req->conn;
	uint16_t cmd = req->hdr.command;
	uint16_t need_size;
	unsigned needs;
	NTSTATUS st;

	if (req->hdr.flags & SMB2_FLAGS_SERVER_TO_REDIR) {
		smb2_conn_terminate(conn, "response flag on a request");
		return NT_STATUS_INVALID_PARAMETER;
	}
	if (cmd == SMB2_OP_CANCEL) {
		/* CANCEL consumes no credit and gets no response
		 * (MS-SMB2 3.3.5.2.3, 3.3.5.16) */
		req->no_response = true;
		handle_cancel(req);
		return NT_STATUS_OK;
	}
	req->charge = conn->dialect > SMB2_DIALECT_202 ? req->hdr.credit_charge
						       : 1;
	if (!smb2_credits_consume(&conn->credits, req->hdr.message_id,
				  req->charge)) {
		smb2_conn_terminate(conn, "MessageId outside the credit window");
		return NT_STATUS_INVALID_PARAMETER;
	}
	if (cmd == SMB2_OP_NEGOTIATE ? conn->negotiated : !conn->negotiated) {
		smb2_conn_terminate(conn, cmd == SMB2_OP_NEGOTIATE
						  ? "second NEGOTIATE"
						  : "request before NEGOTIATE");
		return NT_STATUS_INVALID_PARAMETER;
	}
	if (cmd >= SMB2_OP_MAX || !handlers[cmd].fn)
		return NT_STATUS_INVALID_PARAMETER;
	need_size = smb2_req_structure_size(cmd);
	/* OPLOCK_BREAK acknowledges an oplock (24) or a lease (36) */
	if (cmd == SMB2_OP_OPLOCK_BREAK && req->body.len >= 36 &&
	    get_le16(req->body.p) == 36)
		need_size = 36;
	if (req->body.len < (size_t)(need_size & ~1u) ||
	    get_le16(req->body.p) != need_size)
		return NT_STATUS_INVALID_PARAMETER;

	/* MS-SMB2 3.3.5.2.7.2: a related element inherits its FileId from
	 * the chain it belongs to; an unrelated one starts a new chain. A
	 * chain whose first element claims to be related is invalid, and a
	 * failed CREATE fails the rest of its chain with its status. */
	if (!is_related(req)) {
		req->msg->related_fid_valid = false;
		req->msg->related_status = NT_STATUS_OK;
		if (req->hdr.flags & SMB2_FLAGS_RELATED_OPERATIONS) {
			req->msg->related_status = NT_STATUS_INVALID_PARAMETER;
			return NT_STATUS_INVALID_PARAMETER;
		}
	} else if (!NT_STATUS_IS_OK(req->msg->related_status)) {
		return req->msg->related_status;
	}
	needs = handlers[cmd].needs;
	st = check_session(req, needs);
	if (!NT_STATUS_IS_OK(st))
		return st;
	if (needs & NEED_TCON) {
		st = check_tcon(req);
		if (!NT_STATUS_IS_OK(st))
			return st;
	}
	st = smb2_credits_check_charge(conn->dialect > SMB2_DIALECT_202 &&
					       (conn->server_capabilities &
						SMB2_GLOBAL_CAP_LARGE_MTU),
				       req->charge, payload_size(req));
	if (!NT_STATUS_IS_OK(st))
		return st;

	req->in_handler = true;
	req->in_handler_ran = true;
	st = handlers[cmd].fn(req);
	req->in_handler = false;
	capture_ids(req);
	return st;
}

/* Processes elements from `from` on, in order, until one goes async. */
static void msg_continue(struct smb2_msg *msg, struct smb2_req *from)
{
	struct smb2_conn *conn = msg->conn;

	for (struct smb2_req *req = from; req; req = req->next_elem) {
		if (conn->terminating)
			break;
		NTSTATUS st = run_elem(req);
		if (!req->in_handler_ran)
			capture_ids(req);
		if (NT_STATUS_EQUAL(st, SMB2_STATUS_ASYNC)) {
			if (req->done)
				continue; /* completed within the handler */
			req_went_async(req);
			return;
		}
		finish_elem(req, st);
	}
	if (!conn->terminating)
		flush_responses(msg, NULL);
	talloc_free(msg);
}

/* ---- message intake ---- */

/*
 * MS-SMB2 3.3.5.2.1: decrypt with the keys of the session the transform
 * header names. Anything that does not authenticate drops the connection.
 */
static bool decrypt_msg(struct smb2_msg *msg)
{
	struct smb2_conn *conn = msg->conn;
	struct smb2_transform_hdr th;
	struct smb2_session *s;
	size_t off, plain_len;

	if (!conn->negotiated || conn->dialect < SMB2_DIALECT_300 ||
	    !conn->cipher) {
		smb2_conn_terminate(conn, "encryption was not negotiated");
		return false;
	}
	if (!smb2_transform_hdr_decode(msg->buf, msg->len, &th)) {
		smb2_conn_terminate(conn, "malformed transform header");
		return false;
	}
	s = smb2_session_lookup(conn, th.session_id);
	/* an expired session still takes LOGOFF, CLOSE, LOCK and its
	 * reauthentication, encrypted as before (MS-SMB2 3.3.5.2.9) */
	if (!s || s->state == SMB2_SESSION_IN_PROGRESS || s->anonymous) {
		smb2_conn_terminate(conn, "encrypted message for no session");
		return false;
	}
	if (smb2_transform_decrypt(conn->cipher, s->keys.decryption,
				   smb2_cipher_key_len(conn->cipher), msg->buf,
				   msg->len, &off, &plain_len) != 0) {
		smb2_conn_terminate(conn, "message failed to decrypt");
		return false;
	}
	msg->data = msg->buf + off;
	msg->len = plain_len;
	msg->encrypted = true;
	msg->enc_session_id = s->id;
	return true;
}

static void msg_process(struct smb2_msg *msg)
{
	struct smb2_conn *conn = msg->conn;
	struct smb2_req *prev = NULL;
	size_t off = 0;

	while (off < msg->len) {
		struct smb2_req *req;
		size_t elem_len;

		if (msg->n_elems >= SMB2_MAX_COMPOUND) {
			smb2_conn_terminate(conn, "compound too long");
			talloc_free(msg);
			return;
		}
		req = talloc_zero(msg, struct smb2_req);
		if (!req || !smb2_hdr_decode(msg->data + off, msg->len - off,
					     &req->hdr)) {
			smb2_conn_terminate(conn, "malformed SMB2 header");
			talloc_free(msg);
			return;
		}
		elem_len = msg->len - off;
		if (req->hdr.next_command) {
			if ((req->hdr.next_command & 7) ||
			    req->hdr.next_command < SMB2_HDR_SIZE ||
			    req->hdr.next_command > elem_len) {
				smb2_conn_terminate(conn,
						    "bad NextCommand in compound");
				talloc_free(msg);
				return;
			}
			elem_len = req->hdr.next_command;
		}
		req->conn = conn;
		req->msg = msg;
		req->index = msg->n_elems++;
		req->in.p = msg->data + off;
		req->in.len = elem_len;
		req->body.p = req->in.p + SMB2_HDR_SIZE;
		req->body.len = elem_len - SMB2_HDR_SIZE;
		wire_wr_init(&req->out, req, 128);
		if (prev)
			prev->next_elem = req;
		else
			msg->first = req;
		prev = req;
		off += elem_len;
		if (!req->hdr.next_command)
			break;
	}
	if (off != msg->len) {
		smb2_conn_terminate(conn, "trailing bytes after compound");
		talloc_free(msg);
		return;
	}
	msg_continue(msg, msg->first);
}

void smb2_conn_recv(struct smb2_conn *conn, uint8_t *buf, size_t len)
{
	struct smb2_msg *msg;

	if (conn->terminating) {
		talloc_free(buf);
		return;
	}
	conn->srv->bytes_in += len;
	conn->bytes_in += len;
	msg = talloc_zero(conn, struct smb2_msg);
	if (!msg) {
		talloc_free(buf);
		smb2_conn_terminate(conn, "out of memory");
		return;
	}
	msg->conn = conn;
	msg->buf = talloc_steal(msg, buf);
	msg->data = buf;
	msg->len = len;
	msg->related_status = NT_STATUS_OK;

	if (len >= 4 && get_le32(buf) == SMB1_PROTOCOL_ID) {
		smb2_smb1_negotiate(msg);
		return;
	}
	if (len >= 4 && get_le32(buf) == SMB2_TRANSFORM_ID) {
		if (!decrypt_msg(msg)) {
			talloc_free(msg);
			return;
		}
		if (msg->len < SMB2_HDR_SIZE ||
		    get_le32(msg->data) != SMB2_PROTOCOL_ID) {
			smb2_conn_terminate(conn, "encrypted non-SMB2 message");
			talloc_free(msg);
			return;
		}
	}
	if (msg->len < SMB2_HDR_SIZE ||
	    get_le32(msg->data) != SMB2_PROTOCOL_ID) {
		smb2_conn_terminate(conn, "not an SMB2 message");
		talloc_free(msg);
		return;
	}
	msg_process(msg);
}

/* ---- helpers for handlers ---- */

struct smb2_open *smb2_open_lookup(struct smb2_req *req, uint64_t fid_p,
				   uint64_t fid_v)
{
	struct smb2_msg *msg = req->msg;
	struct smb2_open *o;

	if (fid_p == UINT64_MAX && fid_v == UINT64_MAX && is_related(req)) {
		if (!msg->related_fid_valid)
			return NULL;
		fid_p = msg->related_fid_p;
		fid_v = msg->related_fid_v;
	}
	if (!req->in_handler)
		smb2_req_refresh(req); /* called back after going async */
	if (!req->tcon)
		return NULL;
	o = smb2_open_find(req->tcon, fid_p, fid_v);
	if (o) {
		msg->related_fid_p = fid_p;
		msg->related_fid_v = fid_v;
		msg->related_fid_valid = true;
	}
	return o;
}

struct smb2_open *smb2_open_lookup_at(struct smb2_req *req, size_t off)
{
	if (off > req->body.len || req->body.len - off < 16)
		return NULL;
	return smb2_open_lookup(req, get_le64(req->body.p + off),
				get_le64(req->body.p + off + 8));
}

/* Finishes a synthetic single-element message (SMB1 negotiate). */
void smb2_msg_finish_single(struct smb2_msg *msg, struct smb2_req *req,
			    NTSTATUS st)
{
	msg->first = req;
	msg->n_elems = 1;
	finish_elem(req, st);
	flush_responses(msg, NULL);
	talloc_free(msg);
}
