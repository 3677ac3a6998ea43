/*
 * Client handshake: NEGOTIATE 3.1.1 (MS-SMB2 2.2.3, 3.2.4.2.2),
 * SESSION_SETUP with SPNEGO + NTLMv2, new or binding (3.2.4.2.3,
 * 3.2.5.3), and TREE_CONNECT (3.2.4.2.4).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench/client_internal.h"
#include "bench/client_ntlmssp.h"
#include "bench/client_spnego.h"
#include "smb2/spnego.h"
#include "vfs/unicode.h"

#define NEG_REQ_FIXED 36
#define NEG_CTX_OFFSET 104 /* header, fixed part, one dialect, padding */
#define NEG_RSP_MIN 64
#define SESS_REQ_FIXED 24
#define SESS_RSP_MIN 8
#define TCON_REQ_FIXED 8
#define TCON_RSP_SIZE 16

/* ---- NEGOTIATE ---- */

static void put_neg_context(struct wire_wr *w, uint16_t type,
			    const uint8_t *data, size_t len)
{
	wire_wr_align(w, 8);
	wire_wr_u16(w, type);
	wire_wr_u16(w, (uint16_t)len);
	wire_wr_u32(w, 0);
	wire_wr_bytes(w, data, len);
}

/* Body of the NEGOTIATE request: 3.1.1 only, with our three contexts. */
static int build_negotiate(struct smb2c_conn *c, TALLOC_CTX *mem_ctx,
			   struct wire_wr *w)
{
	const struct smb2c_options *opt = smb2c_conn_options(c);
	uint8_t preauth[38], enc[6], sign[6];

	wire_wr_init(w, mem_ctx, 256);
	wire_wr_u16(w, NEG_REQ_FIXED);
	wire_wr_u16(w, 1); /* DialectCount */
	wire_wr_u16(w, SMB2_NEGOTIATE_SIGNING_ENABLED |
			       (opt->sign ? SMB2_NEGOTIATE_SIGNING_REQUIRED
					  : 0));
	wire_wr_u16(w, 0);
	wire_wr_u32(w, SMB2_GLOBAL_CAP_LARGE_MTU |
			       SMB2_GLOBAL_CAP_MULTI_CHANNEL |
			       SMB2_GLOBAL_CAP_ENCRYPTION);
	wire_wr_bytes(w, opt->client_guid, 16);
	wire_wr_u32(w, NEG_CTX_OFFSET);
	wire_wr_u16(w, 3);
	wire_wr_u16(w, 0);
	wire_wr_u16(w, SMB2_DIALECT_311);

	put_le16(preauth, 1);
	put_le16(preauth + 2, 32);
	put_le16(preauth + 4, SMB2_PREAUTH_HASH_SHA512);
	if (smb_random(preauth + 6, 32) != 0)
		return -EIO;
	put_le16(enc, 2);
	put_le16(enc + 2, SMB2_CIPHER_AES128_GCM);
	put_le16(enc + 4, SMB2_CIPHER_AES128_CCM);
	put_le16(sign, 2);
	put_le16(sign + 2, SMB2_SIGN_AES_GMAC);
	put_le16(sign + 4, SMB2_SIGN_AES_CMAC);
	wire_wr_align(w, 8);
	put_neg_context(w, SMB2_PREAUTH_INTEGRITY_CAPABILITIES, preauth,
			sizeof(preauth));
	put_neg_context(w, SMB2_ENCRYPTION_CAPABILITIES, enc, sizeof(enc));
	put_neg_context(w, SMB2_SIGNING_CAPABILITIES, sign, sizeof(sign));
	return w->err ? -ENOMEM : 0;
}

static NTSTATUS parse_neg_contexts(struct smb2c_conn_info *info,
				   const struct wire_slice *msg, uint32_t off,
				   uint16_t count)
{
	struct wire_rd r;
	bool preauth = false;

	wire_rd_init(&r, msg->p, msg->len);
	wire_rd_seek(&r, off);
	for (uint16_t i = 0; i < count && !r.err; i++) {
		uint16_t type, len;
		struct wire_rd d;

		wire_rd_seek(&r, (r.off + 7) & ~(size_t)7);
		type = wire_rd_u16(&r);
		len = wire_rd_u16(&r);
		wire_rd_skip(&r, 4);
		if (r.err || wire_rd_left(&r) < len)
			return NT_STATUS_INVALID_NETWORK_RESPONSE;
		wire_rd_init(&d, r.p + r.off, len);
		wire_rd_skip(&r, len);
		if (type == SMB2_PREAUTH_INTEGRITY_CAPABILITIES) {
			preauth = wire_rd_u16(&d) == 1 && (wire_rd_skip(&d, 2),
				  wire_rd_u16(&d) == SMB2_PREAUTH_HASH_SHA512);
		} else if (type == SMB2_ENCRYPTION_CAPABILITIES) {
			if (wire_rd_u16(&d) == 1)
				info->cipher = wire_rd_u16(&d);
		} else if (type == SMB2_SIGNING_CAPABILITIES) {
			if (wire_rd_u16(&d) == 1)
				info->sign_alg = wire_rd_u16(&d);
		}
		if (d.err)
			return NT_STATUS_INVALID_NETWORK_RESPONSE;
	}
	if (r.err || !preauth)
		return NT_STATUS_INVALID_NETWORK_RESPONSE;
	if (info->cipher != SMB2_CIPHER_AES128_GCM &&
	    info->cipher != SMB2_CIPHER_AES128_CCM)
		info->cipher = 0;
	if (info->sign_alg != SMB2_SIGN_AES_GMAC)
		info->sign_alg = SMB2_SIGN_AES_CMAC;
	return NT_STATUS_OK;
}

struct negotiate_state {
	struct smb2c_conn *conn;
};

static void negotiate_done(struct tevent_req *subreq);

struct tevent_req *smb2c_negotiate_send(TALLOC_CTX *mem_ctx,
					struct tevent_context *ev,
					struct smb2c_conn *c)
{
	struct negotiate_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s,
						   struct negotiate_state);
	struct tevent_req *subreq;
	struct smb2c_call call = { .command = SMB2_OP_NEGOTIATE };
	struct wire_wr w;

	if (!req)
		return NULL;
	s->conn = c;
	if (build_negotiate(c, s, &w) != 0) {
		smb2c_req_fail(req, NT_STATUS_NO_MEMORY);
		return tevent_req_post(req, ev);
	}
	memset(smb2c_conn_preauth(c), 0, SMB2_PREAUTH_HASH_SIZE);
	call.body = w.buf;
	call.body_len = w.len;
	call.preauth_hash = smb2c_conn_preauth(c);
	subreq = smb2c_call_send(s, ev, smb2c_conn_bare_chan(c), &call);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, negotiate_done, req);
	return req;
}

static void negotiate_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq,
							  struct tevent_req);
	struct negotiate_state *s = tevent_req_data(req,
						    struct negotiate_state);
	struct smb2c_conn_info *info = smb2c_conn_info_mut(s->conn);
	struct smb2c_rsp rsp;
	struct wire_rd r;
	struct iovec iov;
	uint32_t ctx_off;
	uint16_t ctx_count;
	NTSTATUS st = smb2c_call_recv(subreq, s, &rsp);

	TALLOC_FREE(subreq);
	if (NT_STATUS_IS_OK(st))
		st = rsp.status;
	if (!NT_STATUS_IS_OK(st)) {
		smb2c_req_fail(req, st);
		return;
	}
	wire_rd_init_slice(&r, rsp.body);
	wire_rd_skip(&r, 2);
	info->server_security_mode = wire_rd_u16(&r);
	info->dialect = wire_rd_u16(&r);
	ctx_count = wire_rd_u16(&r);
	wire_rd_skip(&r, 16);
	info->server_caps = wire_rd_u32(&r);
	info->max_trans = wire_rd_u32(&r);
	info->max_read = wire_rd_u32(&r);
	info->max_write = wire_rd_u32(&r);
	wire_rd_skip(&r, 16 + 4);
	ctx_off = wire_rd_u32(&r);
	if (r.err || rsp.body.len < NEG_RSP_MIN) {
		smb2c_req_fail(req, NT_STATUS_INVALID_NETWORK_RESPONSE);
		return;
	}
	if (info->dialect != SMB2_DIALECT_311) {
		smb2c_req_fail(req, NT_STATUS_NOT_SUPPORTED);
		return;
	}
	st = parse_neg_contexts(info, &rsp.msg, ctx_off, ctx_count);
	if (!NT_STATUS_IS_OK(st)) {
		smb2c_req_fail(req, st);
		return;
	}
	iov = (struct iovec){ (void *)rsp.msg.p, rsp.msg.len };
	if (smb2_preauth_update(smb2c_conn_preauth(s->conn), &iov, 1) != 0) {
		smb2c_req_fail(req, NT_STATUS_INTERNAL_ERROR);
		return;
	}
	talloc_free(rsp.buf);
	tevent_req_done(req);
}

NTSTATUS smb2c_negotiate_recv(struct tevent_req *req)
{
	NTSTATUS st = smb2c_req_status(req);

	tevent_req_received(req);
	return st;
}

/* ---- SESSION_SETUP ---- */

struct session_setup_state {
	struct tevent_context *ev;
	struct smb2c_chan *ch;
	struct smb2c_session *bind; /* binding: the session joined */
	struct smb2c_session *sess; /* new session: the one being made */
	struct ntlmssp_client *ntlm;
	uint8_t preauth[SMB2_PREAUTH_HASH_SIZE];
	uint64_t session_id;
};

static void session_setup_leg1_done(struct tevent_req *subreq);
static void session_setup_leg2_done(struct tevent_req *subreq);

static struct tevent_req *
session_setup_leg(struct session_setup_state *s, const uint8_t *token,
		  size_t token_len)
{
	const struct smb2c_options *opt = smb2c_conn_options(s->ch->conn);
	struct smb2c_call call = { .command = SMB2_OP_SESSION_SETUP };
	struct wire_wr w;
	struct tevent_req *subreq;

	wire_wr_init(&w, s, SESS_REQ_FIXED + token_len);
	wire_wr_u16(&w, SESS_REQ_FIXED + 1);
	wire_wr_u8(&w, s->bind ? SMB2_SESSION_FLAG_BINDING : 0);
	wire_wr_u8(&w, SMB2_NEGOTIATE_SIGNING_ENABLED |
			       (opt->sign ? SMB2_NEGOTIATE_SIGNING_REQUIRED
					  : 0));
	wire_wr_u32(&w, 0); /* Capabilities */
	wire_wr_u32(&w, 0); /* Channel */
	wire_wr_u16(&w, SMB2_HDR_SIZE + SESS_REQ_FIXED);
	wire_wr_u16(&w, (uint16_t)token_len);
	wire_wr_u64(&w, 0); /* PreviousSessionId */
	wire_wr_bytes(&w, token, token_len);
	if (w.err)
		return NULL;
	call.body = w.buf;
	call.body_len = w.len;
	call.session_id = s->session_id;
	call.preauth_hash = s->preauth;
	/* binding legs are signed with the session's key (3.2.4.2.3) */
	if (s->bind)
		call.sign_key = s->bind->keys.signing;
	subreq = smb2c_call_send(s, s->ev, s->ch, &call);
	talloc_free(w.buf);
	return subreq;
}

struct tevent_req *smb2c_session_setup_send(TALLOC_CTX *mem_ctx,
					    struct tevent_context *ev,
					    struct smb2c_chan *ch,
					    const struct smb2c_creds *cr,
					    struct smb2c_session *bind)
{
	struct session_setup_state *s;
	struct tevent_req *req = tevent_req_create(mem_ctx, &s,
						   struct session_setup_state);
	struct tevent_req *subreq;
	uint8_t *neg, *token;
	size_t neg_len, token_len;

	if (!req)
		return NULL;
	s->ev = ev;
	s->ch = ch;
	s->bind = bind;
	s->session_id = bind ? bind->id : 0;
	memcpy(s->preauth, smb2c_conn_preauth(ch->conn), sizeof(s->preauth));
	s->ntlm = ntlmssp_client_new(s, cr->user, cr->domain, cr->password,
				     "USMBD-BENCH");
	if (tevent_req_nomem(s->ntlm, req))
		return tevent_req_post(req, ev);
	if (ntlmssp_client_negotiate(s->ntlm, s, &neg, &neg_len) != 0 ||
	    spnego_client_init(s, neg, neg_len, &token, &token_len) != 0) {
		smb2c_req_fail(req, NT_STATUS_NO_MEMORY);
		return tevent_req_post(req, ev);
	}
	subreq = session_setup_leg(s, token, token_len);
	if (tevent_req_nomem(subreq, req))
		return tevent_req_post(req, ev);
	tevent_req_set_callback(subreq, session_setup_leg1_done, req);
	return req;
}

/* Status, checked signature and SPNEGO token of a SESSION_SETUP answer. */
static NTSTATUS session_rsp(struct tevent_req *subreq, TALLOC_CTX *mem_ctx,
			    const uint8_t *sign_key, enum smb2_sign_alg alg,
			    struct smb2c_rsp *rsp,
			    struct spnego_client_token *t)
{
	NTSTATUS st = smb2c_call_recv(subreq, mem_ctx, rsp);
	struct iovec iov;
	struct wire_slice sec;
	uint16_t off, len;

	if (!NT_STATUS_IS_OK(st))
		return st;
	if (!NT_STATUS_IS_OK(rsp->status) &&
	    !NT_STATUS_EQUAL(rsp->status, NT_STATUS_MORE_PROCESSING_REQUIRED))
		return rsp->status;
	if (sign_key) {
		iov = (struct iovec){ (void *)rsp->msg.p, rsp->msg.len };
		if (!(rsp->hdr.flags & SMB2_FLAGS_SIGNED) ||
		    !smb2_signature_check(alg, sign_key, &iov, 1))
			return NT_STATUS_INVALID_NETWORK_RESPONSE;
	}
	if (rsp->body.len < SESS_RSP_MIN)
		return NT_STATUS_INVALID_NETWORK_RESPONSE;
	off = get_le16(rsp->body.p + 4);
	len = get_le16(rsp->body.p + 6);
	memset(t, 0, sizeof(*t));
	if (len == 0)
		return NT_STATUS_OK;
	if (!wire_slice_at(&rsp->msg, off, len, &sec) ||
	    spnego_parse_client(sec.p, sec.len, t) != 0)
		return NT_STATUS_INVALID_NETWORK_RESPONSE;
	return NT_STATUS_OK;
}

static void session_setup_leg1_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq,
							  struct tevent_req);
	struct session_setup_state *s =
		tevent_req_data(req, struct session_setup_state);
	enum smb2_sign_alg alg = smb2c_conn_info(s->ch->conn)->sign_alg;
	struct spnego_client_token tok;
	struct smb2c_rsp rsp;
	uint8_t *auth, *token, mic[16];
	size_t auth_len, token_len;
	struct iovec iov;
	NTSTATUS st;

	st = session_rsp(subreq, s, s->bind ? s->bind->keys.signing : NULL,
			 alg, &rsp, &tok);
	TALLOC_FREE(subreq);
	if (NT_STATUS_IS_OK(st) && !NT_STATUS_EQUAL(
		    rsp.status, NT_STATUS_MORE_PROCESSING_REQUIRED))
		st = NT_STATUS_INVALID_NETWORK_RESPONSE;
	if (NT_STATUS_IS_OK(st) && !tok.mech_token)
		st = NT_STATUS_INVALID_NETWORK_RESPONSE;
	if (!NT_STATUS_IS_OK(st)) {
		smb2c_req_fail(req, st);
		return;
	}
	s->session_id = rsp.hdr.session_id;
	iov = (struct iovec){ (void *)rsp.msg.p, rsp.msg.len };
	if (smb2_preauth_update(s->preauth, &iov, 1) != 0 ||
	    ntlmssp_client_authenticate(s->ntlm, tok.mech_token,
					tok.mech_token_len, s, &auth,
					&auth_len) != 0 ||
	    ntlmssp_client_sign(s->ntlm, spnego_client_mech_types,
				spnego_client_mech_types_len, 0, mic) != 0 ||
	    spnego_client_response(s, auth, auth_len, mic, sizeof(mic), &token,
				   &token_len) != 0) {
		smb2c_req_fail(req, NT_STATUS_INVALID_NETWORK_RESPONSE);
		return;
	}
	talloc_free(rsp.buf);
	subreq = session_setup_leg(s, token, token_len);
	if (tevent_req_nomem(subreq, req))
		return;
	tevent_req_set_callback(subreq, session_setup_leg2_done, req);
}

/* MS-SMB2 3.2.5.3.1 / 3.2.5.3.3: keys once the server said yes. */
static NTSTATUS session_established(struct session_setup_state *s,
				    struct smb2_session_keys *keys)
{
	struct smb2c_conn *c = s->ch->conn;
	const struct smb2c_conn_info *info = smb2c_conn_info(c);
	const uint8_t *key = ntlmssp_client_session_key(s->ntlm);

	if (smb2_derive_session_keys(SMB2_DIALECT_311, key, 16, s->preauth,
				     info->cipher, keys) != 0)
		return NT_STATUS_INTERNAL_ERROR;
	if (s->bind)
		return NT_STATUS_OK;
	s->sess = talloc_zero(c, struct smb2c_session);
	if (!s->sess)
		return NT_STATUS_NO_MEMORY;
	s->sess->id = s->session_id;
	memcpy(s->sess->session_key, key, 16);
	s->sess->keys = *keys;
	s->sess->cipher = info->cipher;
	s->sess->signing_required =
		smb2c_conn_options(c)->sign ||
		(info->server_security_mode & SMB2_NEGOTIATE_SIGNING_REQUIRED);
	s->sess->encrypt = smb2c_conn_options(c)->encrypt;
	return NT_STATUS_OK;
}

static void session_setup_leg2_done(struct tevent_req *subreq)
{
	struct tevent_req *req = tevent_req_callback_data(subreq,
							  struct tevent_req);
	struct session_setup_state *s =
		tevent_req_data(req, struct session_setup_state);
	enum smb2_sign_alg alg = smb2c_conn_info(s->ch->conn)->sign_alg;
	struct smb2_session_keys keys;
	struct spnego_client_token tok;
	struct smb2c_rsp rsp;
	NTSTATUS st;

	/* the final answer is signed with the new (channel) key, which
	 * needs the preauth hash up to our last request: derive first */
	st = session_established(s, &keys);
	if (NT_STATUS_IS_OK(st))
		st = session_rsp(subreq, s, keys.signing, alg, &rsp, &tok);
	TALLOC_FREE(subreq);
	if (NT_STATUS_IS_OK(st) && !NT_STATUS_IS_OK(rsp.status))
		st = NT_STATUS_INVALID_NETWORK_RESPONSE;
	if (NT_STATUS_IS_OK(st) && tok.mech_list_mic &&
	    (tok.mech_list_mic_len != 16 ||
	     !ntlmssp_client_check(s->ntlm, spnego_client_mech_types,
				   spnego_client_mech_types_len, 0,
				   tok.mech_list_mic)))
		st = NT_STATUS_INVALID_NETWORK_RESPONSE;
	if (!NT_STATUS_IS_OK(st)) {
		TALLOC_FREE(s->sess);
		smb2c_req_fail(req, st);
		return;
	}
	if (get_le16(rsp.body.p + 2) & SMB2_SESSION_FLAG_ENCRYPT_DATA) {
		if (s->sess)
			s->sess->encrypt = true;
	}
	s->ch->sess = s->bind ? s->bind : s->sess;
	memcpy(s->ch->signing_key, keys.signing, 16);
	if (smb2c_conn_add_session(s->ch->conn, s->ch->sess) != 0) {
		smb2c_req_fail(req, NT_STATUS_INSUFFICIENT_RESOURCES);
		return;
	}
	talloc_free(rsp.buf);
	tevent_req_done(req);
}

NTSTATUS smb2c_session_setup_recv(struct tevent_req *req)
{
	NTSTATUS st = smb2c_req_status(req);

	tevent_req_received(req);
	return st;
}

/* ---- TREE_CONNECT ---- */

struct tevent_req *smb2c_tree_connect_send(TALLOC_CTX *mem_ctx,
					   struct tevent_context *ev,
					   struct smb2c_chan *ch,
					   const char *unc)
{
	struct smb2c_call call = { .command = SMB2_OP_TREE_CONNECT };
	uint8_t body[TCON_REQ_FIXED + 1024];
	uint8_t *path;
	size_t path_len;
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct tevent_req *req;

	if (!tmp || utf8_to_utf16le(tmp, unc, &path, &path_len) != 0 ||
	    path_len > sizeof(body) - TCON_REQ_FIXED) {
		talloc_free(tmp);
		return NULL;
	}
	put_le16(body, TCON_REQ_FIXED + 1);
	put_le16(body + 2, 0);
	put_le16(body + 4, SMB2_HDR_SIZE + TCON_REQ_FIXED);
	put_le16(body + 6, (uint16_t)path_len);
	memcpy(body + TCON_REQ_FIXED, path, path_len);
	call.body = body;
	call.body_len = TCON_REQ_FIXED + path_len;
	/* 3.1.1 always signs TREE_CONNECT (MS-SMB2 3.2.4.2.4), so that the
	 * server knows the negotiate was not tampered with */
	call.sign_key = ch->signing_key;
	req = smb2c_call_send(mem_ctx, ev, ch, &call);
	talloc_free(tmp);
	return req;
}

NTSTATUS smb2c_tree_connect_recv(struct tevent_req *req, uint32_t *tree_id,
				 uint32_t *share_flags)
{
	struct smb2c_rsp rsp;
	NTSTATUS st = smb2c_call_recv(req, NULL, &rsp);

	if (!NT_STATUS_IS_OK(st))
		return st;
	st = rsp.status;
	if (NT_STATUS_IS_OK(st) && rsp.body.len < TCON_RSP_SIZE)
		st = NT_STATUS_INVALID_NETWORK_RESPONSE;
	if (NT_STATUS_IS_OK(st)) {
		*tree_id = rsp.hdr.tree_id;
		*share_flags = get_le32(rsp.body.p + 4);
	}
	talloc_free(rsp.buf);
	return st;
}
