/*
 * The client connection: MessageIds and credits (MS-SMB2 3.2.4.1.5,
 * 3.2.5.1.4), the table of requests in flight, signing (3.2.4.1.1) and
 * encryption (3.2.4.1.8) of requests, and decryption, signature checks and
 * matching of responses (3.2.5.1).
 */
#include <errno.h>
#include <string.h>

#include "bench/client_internal.h"
#include "smb2/smb2_transform.h"

#define PENDING_BUCKETS 256
/* Credits we try to hold: enough for deep queues of 1 MiB requests. */
#define CREDIT_TARGET 512
#define CREDIT_ASK_EXTRA 32

struct call_state {
	struct call_state *hash_next;
	struct call_state *wait_prev, *wait_next;
	struct smb2c_conn *conn;
	struct smb2c_chan *ch;
	struct tevent_req *req;
	struct smb2c_call call;
	/* the caller's iovec array may be gone by the time credits come */
	struct iovec payload[SMB2C_MAX_PAYLOAD_IOV];
	uint8_t *out; /* header and body, top-level until queued */
	size_t out_len;
	uint64_t mid;
	bool in_hash, waiting;
	struct smb2c_rsp rsp;
};

struct smb2c_conn {
	struct tevent_context *ev;
	struct smb2c_transport *t;
	struct smb2c_options opt;
	struct smb2c_conn_info info;
	struct smb2c_chan bare;
	uint64_t next_mid;
	uint32_t credits;
	struct call_state *pending[PENDING_BUCKETS];
	struct call_state *wait_head, *wait_tail;
	struct smb2c_session *sessions[SMB2C_MAX_SESSIONS_PER_CONN];
	uint8_t preauth_hash[SMB2_PREAUTH_HASH_SIZE];
	uint64_t bytes_sent, bytes_received;
	bool dead;
};

static NTSTATUS req_status(struct tevent_req *req)
{
	enum tevent_req_state st;
	uint64_t err;

	if (!tevent_req_is_error(req, &st, &err))
		return NT_STATUS_OK;
	if (st == TEVENT_REQ_USER_ERROR)
		return NT_STATUS((uint32_t)err);
	return st == TEVENT_REQ_NO_MEMORY ? NT_STATUS_NO_MEMORY
					  : NT_STATUS_INTERNAL_ERROR;
}

NTSTATUS smb2c_req_status(struct tevent_req *req)
{
	return req_status(req);
}

void smb2c_req_fail(struct tevent_req *req, NTSTATUS status)
{
	if (NT_STATUS_IS_OK(status))
		status = NT_STATUS_UNSUCCESSFUL;
	tevent_req_error(req, NT_STATUS_V(status));
}

/* ---- the pending table and the credit queue ---- */

static void hash_add(struct smb2c_conn *c, struct call_state *s)
{
	struct call_state **b = &c->pending[s->mid % PENDING_BUCKETS];

	s->hash_next = *b;
	*b = s;
	s->in_hash = true;
}

static void hash_remove(struct smb2c_conn *c, struct call_state *s)
{
	struct call_state **p = &c->pending[s->mid % PENDING_BUCKETS];

	for (; *p; p = &(*p)->hash_next) {
		if (*p == s) {
			*p = s->hash_next;
			break;
		}
	}
	s->in_hash = false;
}

static struct call_state *hash_find(struct smb2c_conn *c, uint64_t mid)
{
	struct call_state *s = c->pending[mid % PENDING_BUCKETS];

	while (s && s->mid != mid)
		s = s->hash_next;
	return s;
}

static void wait_remove(struct smb2c_conn *c, struct call_state *s)
{
	if (s->wait_prev)
		s->wait_prev->wait_next = s->wait_next;
	else
		c->wait_head = s->wait_next;
	if (s->wait_next)
		s->wait_next->wait_prev = s->wait_prev;
	else
		c->wait_tail = s->wait_prev;
	s->wait_prev = s->wait_next = NULL;
	s->waiting = false;
}

static int call_state_destructor(struct call_state *s)
{
	if (s->in_hash)
		hash_remove(s->conn, s);
	if (s->waiting)
		wait_remove(s->conn, s);
	talloc_free(s->out);
	return 0;
}

/* ---- sending ---- */

static bool must_encrypt(const struct call_state *s)
{
	const struct smb2c_session *sess = s->ch->sess;

	return sess && sess->encrypt &&
	       s->call.command != SMB2_OP_SESSION_SETUP &&
	       s->call.command != SMB2_OP_NEGOTIATE;
}

static int encrypt_and_send(struct call_state *s, struct iovec *iov, int n,
			    size_t total)
{
	struct smb2c_session *sess = s->ch->sess;
	struct smb2c_conn *c = s->conn;
	uint8_t nonce[SMB2_TRANSFORM_NONCE_SIZE];
	uint8_t *t = talloc_size(NULL, SMB2_TRANSFORM_HDR_SIZE + total);
	struct iovec tiov;
	int rc;

	if (!t)
		return -ENOMEM;
	rc = smb2_transform_nonce(sess->cipher, ++sess->nonce_counter, nonce);
	/* we encrypt with the server's decryption key (smb2_crypto.h) */
	if (rc == 0)
		rc = smb2_transform_encrypt(sess->cipher, sess->keys.decryption,
					    smb2_cipher_key_len(sess->cipher),
					    sess->id, nonce, iov, n, t,
					    t + SMB2_TRANSFORM_HDR_SIZE);
	if (rc != 0) {
		talloc_free(t);
		return rc;
	}
	TALLOC_FREE(s->out);
	tiov = (struct iovec){ t, SMB2_TRANSFORM_HDR_SIZE + total };
	return c->t->ops->send(c->t, t, &tiov, 1);
}

/* Assigns the MessageId and puts the request on the wire. */
static int call_transmit(struct call_state *s)
{
	struct smb2c_conn *c = s->conn;
	const struct smb2c_call *call = &s->call;
	uint16_t charge = call->credit_charge ? call->credit_charge : 1;
	struct iovec iov[1 + SMB2C_MAX_PAYLOAD_IOV];
	struct smb2_hdr h = { 0 };
	size_t total = s->out_len;
	const uint8_t *key = must_encrypt(s) ? NULL : call->sign_key;
	uint32_t ask;
	int n = 0, rc;

	s->mid = c->next_mid;
	c->next_mid += charge;
	c->credits -= charge;
	ask = c->credits < CREDIT_TARGET ? CREDIT_TARGET - c->credits : 0;
	h.credit_charge = charge;
	h.command = call->command;
	h.credits = (uint16_t)(charge + (ask > CREDIT_ASK_EXTRA ?
						 CREDIT_ASK_EXTRA : ask));
	h.message_id = s->mid;
	h.tree_id = call->tree_id;
	h.session_id = s->ch->sess ? s->ch->sess->id : call->session_id;
	h.flags = call->flags;
	h.status = call->channel_sequence;
	if (!key && s->ch->sess && s->ch->sess->signing_required &&
	    !must_encrypt(s))
		key = s->ch->signing_key;
	if (key)
		h.flags |= SMB2_FLAGS_SIGNED;
	smb2_hdr_encode(s->out, &h);

	iov[n++] = (struct iovec){ s->out, s->out_len };
	for (int i = 0; i < call->npayload; i++) {
		iov[n++] = call->payload[i];
		total += call->payload[i].iov_len;
	}
	if (key) {
		rc = smb2_signature_compute(c->info.sign_alg, key, iov, n,
					    s->out + SMB2_SIGNATURE_OFFSET);
		if (rc != 0)
			return rc;
	}
	if (call->preauth_hash) {
		rc = smb2_preauth_update(call->preauth_hash, iov, n);
		if (rc != 0)
			return rc;
	}
	hash_add(c, s);
	c->bytes_sent += total;
	if (must_encrypt(s))
		return encrypt_and_send(s, iov, n, total);
	rc = c->t->ops->send(c->t, s->out, iov, n);
	s->out = NULL; /* the transport owns it now */
	return rc;
}

static void conn_fail_all(struct smb2c_conn *c, NTSTATUS status);

/* Sends what waits for credits, in order, while credits last. */
static void drain_waiters(struct smb2c_conn *c)
{
	while (c->wait_head && !c->dead) {
		struct call_state *s = c->wait_head;
		uint16_t charge = s->call.credit_charge ? s->call.credit_charge
							: 1;
		int rc;

		if (charge > c->credits)
			break;
		wait_remove(c, s);
		rc = call_transmit(s);
		if (rc != 0)
			smb2c_req_fail(s->req,
				       NT_STATUS_CONNECTION_DISCONNECTED);
	}
}

struct tevent_req *smb2c_call_send(TALLOC_CTX *mem_ctx,
				   struct tevent_context *ev,
				   struct smb2c_chan *ch,
				   const struct smb2c_call *call)
{
	struct smb2c_conn *c = ch->conn;
	struct call_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s,
						   struct call_state);
	uint16_t charge = call->credit_charge ? call->credit_charge : 1;

	if (!req)
		return NULL;
	s->conn = c;
	s->ch = ch;
	s->req = req;
	s->call = *call;
	talloc_set_destructor(s, call_state_destructor);
	if (call->npayload > SMB2C_MAX_PAYLOAD_IOV) {
		smb2c_req_fail(req, NT_STATUS_INVALID_PARAMETER);
		return tevent_req_post(req, ev);
	}
	if (c->dead) {
		smb2c_req_fail(req, NT_STATUS_CONNECTION_DISCONNECTED);
		return tevent_req_post(req, ev);
	}
	s->out_len = SMB2_HDR_SIZE + call->body_len;
	s->out = talloc_size(NULL, s->out_len);
	if (tevent_req_nomem(s->out, req))
		return tevent_req_post(req, ev);
	memcpy(s->out + SMB2_HDR_SIZE, call->body, call->body_len);
	s->call.body = NULL;
	for (int i = 0; i < call->npayload; i++)
		s->payload[i] = call->payload[i];
	s->call.payload = s->payload;
	if (charge <= c->credits && !c->wait_head) {
		if (call_transmit(s) != 0) {
			smb2c_req_fail(req, NT_STATUS_CONNECTION_DISCONNECTED);
			return tevent_req_post(req, ev);
		}
		return req;
	}
	s->waiting = true;
	s->wait_prev = c->wait_tail;
	if (c->wait_tail)
		c->wait_tail->wait_next = s;
	else
		c->wait_head = s;
	c->wait_tail = s;
	return req;
}

NTSTATUS smb2c_call_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			 struct smb2c_rsp *rsp)
{
	struct call_state *s = tevent_req_data(req, struct call_state);
	NTSTATUS st = req_status(req);

	if (!NT_STATUS_IS_OK(st)) {
		tevent_req_received(req);
		return st;
	}
	*rsp = s->rsp;
	talloc_steal(mem_ctx, rsp->buf);
	tevent_req_received(req);
	return NT_STATUS_OK;
}

/* ---- receiving ---- */

static struct smb2c_session *find_session(struct smb2c_conn *c, uint64_t id)
{
	for (size_t i = 0; i < SMB2C_MAX_SESSIONS_PER_CONN; i++)
		if (c->sessions[i] && c->sessions[i]->id == id)
			return c->sessions[i];
	return NULL;
}

/* Decrypts a transform message in place; the plaintext slice or false. */
static bool decrypt_message(struct smb2c_conn *c, uint8_t *buf, size_t len,
			    struct wire_slice *plain)
{
	struct smb2_transform_hdr th;
	struct smb2c_session *sess;
	size_t off, plen;

	if (!smb2_transform_hdr_decode(buf, len, &th))
		return false;
	sess = find_session(c, th.session_id);
	if (!sess || !sess->cipher)
		return false;
	/* we decrypt with the server's encryption key (smb2_crypto.h) */
	if (smb2_transform_decrypt(sess->cipher, sess->keys.encryption,
				   smb2_cipher_key_len(sess->cipher), buf, len,
				   &off, &plen) != 0)
		return false;
	plain->p = buf + off;
	plain->len = plen;
	return true;
}

static bool response_signature_ok(struct call_state *s,
				  const struct smb2_hdr *h,
				  const struct wire_slice *msg, bool encrypted)
{
	struct iovec iov = { (void *)msg->p, msg->len };
	struct smb2c_session *sess = s->ch->sess;

	/* SESSION_SETUP verifies its own: the keys come with the answer */
	if (encrypted || h->command == SMB2_OP_SESSION_SETUP ||
	    h->command == SMB2_OP_NEGOTIATE)
		return true;
	if (!(h->flags & SMB2_FLAGS_SIGNED))
		return !sess || !sess->signing_required ||
		       NT_STATUS_IS_ERR(NT_STATUS(h->status));
	if (!sess)
		return false;
	return smb2_signature_check(s->conn->info.sign_alg,
				    s->ch->signing_key, &iov, 1);
}

/* Handles one response of a (possibly compound) message. */
static void handle_response(struct smb2c_conn *c, uint8_t *buf,
			    bool whole, const struct wire_slice *msg,
			    bool encrypted)
{
	struct smb2_hdr h;
	struct call_state *s;

	if (!smb2_hdr_decode(msg->p, msg->len, &h) ||
	    !(h.flags & SMB2_FLAGS_SERVER_TO_REDIR))
		return;
	c->credits += h.credits;
	/* an interim answer: the real one follows (MS-SMB2 3.2.5.1.5) */
	if (h.status == NT_STATUS_V(NT_STATUS_PENDING) &&
	    (h.flags & SMB2_FLAGS_ASYNC_COMMAND))
		return;
	s = hash_find(c, h.message_id);
	if (!s)
		return;
	hash_remove(c, s);
	if (!response_signature_ok(s, &h, msg, encrypted)) {
		smb2c_req_fail(s->req, NT_STATUS_INVALID_NETWORK_RESPONSE);
		return;
	}
	s->rsp.hdr = h;
	s->rsp.status = NT_STATUS(h.status);
	if (whole) {
		s->rsp.buf = talloc_steal(s, buf);
		s->rsp.msg = *msg;
	} else {
		s->rsp.buf = talloc_memdup(s, msg->p, msg->len);
		if (tevent_req_nomem(s->rsp.buf, s->req))
			return;
		s->rsp.msg = (struct wire_slice){ s->rsp.buf, msg->len };
	}
	s->rsp.body = (struct wire_slice){ s->rsp.msg.p + SMB2_HDR_SIZE,
					   s->rsp.msg.len - SMB2_HDR_SIZE };
	tevent_req_done(s->req);
}

static void conn_received(void *upper, uint8_t *buf, size_t len)
{
	struct smb2c_conn *c = upper;
	struct wire_slice all = { buf, len };
	bool encrypted = false, first = true;

	talloc_steal(c, buf);
	c->bytes_received += len;
	if (len >= 4 && get_le32(buf) == SMB2_TRANSFORM_PROTOCOL_ID) {
		if (!decrypt_message(c, buf, len, &all)) {
			talloc_free(buf);
			conn_fail_all(c, NT_STATUS_INVALID_NETWORK_RESPONSE);
			return;
		}
		encrypted = true;
	}
	while (all.len >= SMB2_HDR_SIZE) {
		uint32_t next = get_le32(all.p + 20);
		struct wire_slice one = all;
		/* a lone response takes the whole buffer, without a copy */
		bool whole = next == 0 && first;

		if (next) {
			if (next < SMB2_HDR_SIZE || next > all.len)
				break;
			one.len = next;
		}
		handle_response(c, buf, whole, &one, encrypted);
		if (whole)
			buf = NULL;
		first = false;
		if (!next)
			break;
		all.p += next;
		all.len -= next;
	}
	talloc_free(buf);
	drain_waiters(c);
}

static void conn_fail_all(struct smb2c_conn *c, NTSTATUS status)
{
	c->dead = true;
	for (;;) {
		struct call_state *s = c->wait_head;

		for (size_t b = 0; !s && b < PENDING_BUCKETS; b++)
			s = c->pending[b];
		if (!s)
			break;
		if (s->waiting)
			wait_remove(c, s);
		else
			hash_remove(c, s);
		smb2c_req_fail(s->req, status);
	}
}

static void conn_transport_failed(void *upper, int err)
{
	conn_fail_all(upper, NT_STATUS_CONNECTION_DISCONNECTED);
}

/* ---- public ---- */

struct smb2c_conn *smb2c_conn_new(TALLOC_CTX *mem_ctx,
				  struct tevent_context *ev,
				  struct smb2c_transport *t,
				  const struct smb2c_options *opt)
{
	struct smb2c_conn *c = talloc_zero(mem_ctx, struct smb2c_conn);

	if (!c)
		return NULL;
	c->ev = ev;
	c->t = t;
	c->opt = *opt;
	c->credits = 1;
	c->bare.conn = c;
	talloc_steal(c, t);
	t->up = (struct smb2c_transport_upcalls){
		.received = conn_received,
		.failed = conn_transport_failed,
		.upper = c,
	};
	return c;
}

const struct smb2c_conn_info *smb2c_conn_info(const struct smb2c_conn *c)
{
	return &c->info;
}

struct smb2c_conn_info *smb2c_conn_info_mut(struct smb2c_conn *c)
{
	return &c->info;
}

const struct smb2c_options *smb2c_conn_options(const struct smb2c_conn *c)
{
	return &c->opt;
}

uint8_t *smb2c_conn_preauth(struct smb2c_conn *c)
{
	return c->preauth_hash;
}

uint32_t smb2c_conn_credits(const struct smb2c_conn *c)
{
	return c->credits;
}

struct smb2c_chan *smb2c_conn_bare_chan(struct smb2c_conn *c)
{
	return &c->bare;
}

void smb2c_conn_bytes(const struct smb2c_conn *c, uint64_t *sent,
		      uint64_t *received)
{
	*sent = c->bytes_sent;
	*received = c->bytes_received;
}

int smb2c_conn_add_session(struct smb2c_conn *c, struct smb2c_session *s)
{
	for (size_t i = 0; i < SMB2C_MAX_SESSIONS_PER_CONN; i++) {
		if (c->sessions[i] == s)
			return 0;
		if (!c->sessions[i]) {
			c->sessions[i] = s;
			return 0;
		}
	}
	return -ENOSPC;
}

bool smb2c_wait(struct tevent_context *ev, struct tevent_req *req)
{
	while (tevent_req_is_in_progress(req))
		if (tevent_loop_once(ev) != 0)
			return false;
	return true;
}
