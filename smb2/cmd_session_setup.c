/*
 * SESSION_SETUP (MS-SMB2 2.2.5, 3.3.5.5) with SPNEGO + NTLMSSP, and LOGOFF
 * (3.3.5.6).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf/log.h"
#include "smb2/durable.h"
#include "smb2/ntlmssp.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_objects.h"
#include "smb2/spnego.h"

struct auth_state {
	struct ntlmssp_server *ntlmssp;
	bool ntlmssp_preferred;
	uint8_t *mech_types; /* DER of the client's mechTypes, for the MIC */
	size_t mech_types_len;
	bool raw; /* bare NTLMSSP without SPNEGO */
};

static bool lookup_user(void *priv, const char *user, const char *domain,
			uint8_t nt_hash[16])
{
	struct smb2_server *srv = priv;
	const struct usmbd_user *u = users_find(srv->users, user);
	if (!u)
		return false;
	memcpy(nt_hash, u->nt_hash, 16);
	return true;
}

static bool any_guest_share(const struct smb2_server *srv)
{
	for (size_t i = 0; i < srv->conf->n_shares; i++)
		if (srv->conf->shares[i].guest_ok)
			return true;
	return false;
}

static NTSTATUS write_response(struct smb2_req *req, uint16_t flags,
			       const uint8_t *token, size_t token_len)
{
	struct wire_wr *w = &req->out;
	wire_wr_u16(w, 9);
	wire_wr_u16(w, flags);
	wire_wr_u16(w, SMB2_HDR_SIZE + 8);
	wire_wr_u16(w, (uint16_t)token_len);
	wire_wr_bytes(w, token, token_len);
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

/*
 * The final SPNEGO token: accept-completed, with our mechListMIC when the
 * client sent one (checked here) or NTLMSSP was not its first choice
 * (RFC 4178 5).
 */
static NTSTATUS spnego_final(struct smb2_req *req, struct auth_state *as,
			     const struct ntlmssp_auth_result *res,
			     const struct spnego_client_token *tok,
			     uint8_t **out, size_t *out_len)
{
	uint8_t mic[16];
	bool send_mic = false;

	*out = NULL;
	*out_len = 0;
	if (!as->raw && !res->anonymous && as->mech_types) {
		if (tok->mech_list_mic) {
			if (tok->mech_list_mic_len != 16 ||
			    !ntlmssp_server_check(as->ntlmssp, as->mech_types,
						  as->mech_types_len, 0,
						  tok->mech_list_mic))
				return NT_STATUS_LOGON_FAILURE;
			send_mic = true;
		} else if (!as->ntlmssp_preferred) {
			send_mic = true;
		}
		if (send_mic &&
		    ntlmssp_server_sign(as->ntlmssp, as->mech_types,
					as->mech_types_len, 0, mic) != 0)
			return NT_STATUS_INTERNAL_ERROR;
	}
	if (!as->raw &&
	    spnego_server_response(req, SPNEGO_ACCEPT_COMPLETED, false, NULL,
				   0, send_mic ? mic : NULL, send_mic ? 16 : 0,
				   out, out_len) != 0)
		return NT_STATUS_NO_MEMORY;
	return NT_STATUS_OK;
}

/* 'session lifetime': when the session must reauthenticate. */
static void set_lifetime(struct smb2_session *s)
{
	uint32_t life = s->srv->conf->session_lifetime;

	s->expires = life ? smb2_now_seconds() + life : 0;
}

static NTSTATUS session_complete(struct smb2_req *req, struct smb2_session *s,
				 struct auth_state *as,
				 const struct ntlmssp_auth_result *res,
				 const struct spnego_client_token *tok)
{
	struct smb2_conn *conn = req->conn;
	uint8_t *out = NULL;
	size_t out_len = 0;
	uint16_t flags = 0;
	bool reauth = s->state == SMB2_SESSION_VALID ||
		      s->state == SMB2_SESSION_EXPIRED;
	NTSTATUS st;

	if (res->anonymous && !any_guest_share(conn->srv)) {
		LOG_INFO("%s: anonymous logon refused", conn->peer);
		return NT_STATUS_LOGON_FAILURE;
	}
	/* MS-SMB2 3.3.5.5.3: a server that requires encryption refuses
	 * sessions that cannot encrypt */
	if (conn->srv->conf->smb_encrypt == CONF_ENCRYPT_REQUIRED &&
	    (!conn->cipher || res->anonymous)) {
		LOG_INFO("%s: session refused: encryption required but the "
			 "client cannot encrypt",
			 conn->peer);
		return NT_STATUS_ACCESS_DENIED;
	}
	/* a reauthentication must stay the same user (its keys stay) */
	if (reauth && (res->anonymous != s->anonymous ||
		       strcasecmp(res->user ? res->user : "", s->user) != 0))
		return NT_STATUS_ACCESS_DENIED;
	st = spnego_final(req, as, res, tok, &out, &out_len);
	if (!NT_STATUS_IS_OK(st))
		return st;
	if (reauth) {
		s->state = SMB2_SESSION_VALID;
		set_lifetime(s);
		TALLOC_FREE(s->ntlmssp);
		req->session = s;
		if (s->encrypt_data)
			flags |= SMB2_SESSION_FLAG_ENCRYPT_DATA;
		if (!s->anonymous)
			req->sign_with = s;
		LOG_INFO("%s: session %llx: user %s reauthenticated",
			 conn->peer, (unsigned long long)s->id, s->user);
		return write_response(req, flags, out, out_len);
	}

	talloc_free(s->user);
	talloc_free(s->domain);
	s->user = talloc_strdup(s, res->user ? res->user : "");
	s->domain = talloc_strdup(s, res->domain ? res->domain : "");
	s->anonymous = res->anonymous;
	memcpy(s->session_key, res->session_key, 16);
	if (smb2_derive_session_keys(conn->dialect, s->session_key, 16,
				     s->preauth_hash, conn->cipher,
				     &s->keys) != 0)
		return NT_STATUS_INTERNAL_ERROR;
	struct smb2_channel *ch = smb2_channel_find(s, conn);
	if (ch)
		memcpy(ch->signing_key, s->keys.signing, 16);
	if (res->anonymous) {
		flags |= SMB2_SESSION_FLAG_IS_NULL;
		s->signing_required = false;
	} else {
		s->encrypt_data = conn->cipher &&
				  conn->srv->conf->smb_encrypt !=
					  CONF_ENCRYPT_OFF;
		if (s->encrypt_data)
			flags |= SMB2_SESSION_FLAG_ENCRYPT_DATA;
		/* MS-SMB2 3.3.5.5.3: signing required when either side
		 * requires it */
		s->signing_required =
			conn->signing_required ||
			(conn->client_security_mode &
			 SMB2_NEGOTIATE_SIGNING_REQUIRED) ||
			(req->body.p[3] & SMB2_NEGOTIATE_SIGNING_REQUIRED);
		/* the final response is signed for 3.1.1 (3.3.5.5.3), and
		 * whenever signing is on */
		if (conn->dialect >= SMB2_DIALECT_311 || s->signing_required)
			req->sign_with = s;
	}
	s->state = SMB2_SESSION_VALID;
	set_lifetime(s);
	TALLOC_FREE(s->ntlmssp);
	req->session = s;
	smb2_conn_handshake_done(conn);
	/* MS-SMB2 3.3.5.5.3: PreviousSessionId ends the user's old session */
	smb2_durable_previous_session(s, get_le64(req->body.p + 16));
	LOG_INFO("%s: session %llx: user %s%s%s%s authenticated (dialect %04x)",
		 conn->peer, (unsigned long long)s->id, s->domain,
		 *s->domain ? "\\" : "", s->user,
		 res->anonymous ? " (anonymous)" : "", conn->dialect);
	return write_response(req, flags, out, out_len);
}

/* ---- failed logons: answered late, per client address ---- */

#define LOGON_FAIL_WINDOW_S 600
#define LOGON_FAIL_MAX_DELAY_MS 30000
#define LOGON_FAIL_TRACKED 256

struct logon_failure {
	char addr[64];
	unsigned count;
	time_t last;
};

static struct logon_failure logon_failures[LOGON_FAIL_TRACKED];

/* Failures from addr within the window, this one included. */
static unsigned note_failure(const char *addr)
{
	time_t now = time(NULL);
	struct logon_failure *slot = NULL, *oldest = &logon_failures[0];

	for (size_t i = 0; i < LOGON_FAIL_TRACKED; i++) {
		struct logon_failure *f = &logon_failures[i];
		if (f->count && now - f->last > LOGON_FAIL_WINDOW_S)
			f->count = 0;
		if (f->count && strcmp(f->addr, addr) == 0)
			slot = f;
		if (f->last < oldest->last)
			oldest = f;
	}
	if (!slot) {
		slot = oldest;
		snprintf(slot->addr, sizeof(slot->addr), "%s", addr);
		slot->count = 0;
	}
	slot->count++;
	slot->last = now;
	return slot->count;
}

static void delayed_failure_fired(struct tevent_context *ev,
				  struct tevent_timer *te, struct timeval now,
				  void *private_data)
{
	smb2_req_complete(private_data, NT_STATUS_LOGON_FAILURE);
}

/*
 * Answers a failed logon after a delay that doubles with each failure
 * from the same address, without holding up anyone else: the request
 * just completes from a timer.
 */
static NTSTATUS delay_failure(struct smb2_req *req, NTSTATUS st)
{
	uint32_t base = req->conn->srv->conf->logon_delay_ms;
	char addr[64];
	char *colon;
	unsigned n;
	uint64_t ms;

	if (base == 0)
		return st;
	snprintf(addr, sizeof(addr), "%s", req->conn->peer);
	colon = strrchr(addr, ':');
	if (colon)
		*colon = '\0';
	n = note_failure(addr);
	/* doubling up to 64 times the base, and 30 s at most */
	ms = (uint64_t)base << (n > 7 ? 6 : n - 1);
	if (ms > LOGON_FAIL_MAX_DELAY_MS)
		ms = LOGON_FAIL_MAX_DELAY_MS;
	if (!tevent_add_timer(req->conn->srv->ev, req,
			      tevent_timeval_current_ofs(ms / 1000,
							 (ms % 1000) * 1000),
			      delayed_failure_fired, req))
		return st;
	return SMB2_STATUS_ASYNC;
}

/*
 * One NTLMSSP leg inside SPNEGO. NEGOTIATE: a fresh auth state under owner
 * (*asp), the CHALLENGE written as the response, MORE_PROCESSING_REQUIRED.
 * AUTHENTICATE: verified against the users file, res filled, OK.
 */
static NTSTATUS auth_leg(struct smb2_req *req, TALLOC_CTX *owner,
			 struct auth_state **asp,
			 const struct spnego_client_token *tok,
			 struct ntlmssp_auth_result *res)
{
	struct smb2_conn *conn = req->conn;
	struct smb2_server *srv = conn->srv;
	struct auth_state *as = *asp;
	uint32_t ntlm_type;
	NTSTATUS st;

	if (!tok->mech_token || tok->mech_token_len < 12)
		return tok->is_init && !tok->ntlmssp_offered
			       ? NT_STATUS_NOT_SUPPORTED
			       : NT_STATUS_INVALID_PARAMETER;
	ntlm_type = get_le32(tok->mech_token + 8);
	if (ntlm_type == 1) {
		uint8_t *challenge = NULL, *out = NULL;
		size_t challenge_len = 0, out_len = 0;

		smb2_server_reload_users(srv);
		TALLOC_FREE(*asp);
		as = *asp = talloc_zero(owner, struct auth_state);
		if (!as)
			return NT_STATUS_NO_MEMORY;
		as->ntlmssp = ntlmssp_server_new(as, srv->conf->server_name,
						 srv->conf->server_name);
		if (!as->ntlmssp)
			return NT_STATUS_NO_MEMORY;
		as->raw = tok->raw_ntlmssp;
		as->ntlmssp_preferred = tok->ntlmssp_preferred;
		if (tok->mech_types)
			as->mech_types = talloc_memdup(as, tok->mech_types,
						       tok->mech_types_len);
		as->mech_types_len = tok->mech_types_len;
		st = ntlmssp_server_negotiate(as->ntlmssp, tok->mech_token,
					      tok->mech_token_len, req,
					      &challenge, &challenge_len);
		if (!NT_STATUS_IS_OK(st))
			return st;
		if (as->raw) {
			out = challenge;
			out_len = challenge_len;
		} else if (spnego_server_response(
				   req, SPNEGO_ACCEPT_INCOMPLETE, true,
				   challenge, challenge_len, NULL, 0, &out,
				   &out_len) != 0) {
			return NT_STATUS_NO_MEMORY;
		}
		st = write_response(req, 0, out, out_len);
		if (!NT_STATUS_IS_OK(st))
			return st;
		if (conn->dialect == SMB2_DIALECT_311)
			req->preauth_update = true;
		return NT_STATUS_MORE_PROCESSING_REQUIRED;
	}
	if (ntlm_type == 3 && as) {
		st = ntlmssp_server_authenticate(as->ntlmssp, tok->mech_token,
						 tok->mech_token_len,
						 lookup_user, srv, req, res);
		if (!NT_STATUS_IS_OK(st))
			LOG_INFO("%s: logon failure for user %s", conn->peer,
				 res->user ? res->user : "?");
		return st;
	}
	LOG_INFO("%s: unexpected NTLMSSP message %u", conn->peer, ntlm_type);
	return NT_STATUS_INVALID_PARAMETER;
}

/*
 * Session binding: a new channel for an existing session (MS-SMB2
 * 3.3.5.5, 3.3.5.5.3). The session itself is never changed by a bind,
 * whether it succeeds or fails; only the new channel is.
 */
#define SMB2_MAX_CHANNELS 32

static NTSTATUS bind_channel(struct smb2_req *req,
			     const struct spnego_client_token *tok)
{
	struct smb2_conn *conn = req->conn;
	struct smb2_session *s = req->session; /* found by the dispatcher */
	struct smb2_channel *ch;
	struct auth_state *as;
	struct ntlmssp_auth_result res = { 0 };
	struct smb2_session_keys keys;
	uint8_t *out = NULL;
	size_t out_len = 0;
	NTSTATUS st;

	if (req->hdr.session_id == 0)
		return NT_STATUS_INVALID_PARAMETER;
	/* a GMAC session only ever binds GMAC channels (as Windows
	 * answers, before anything else) */
	if (s && smb2_signing_alg_for(s, NULL) == SMB2_SIGN_AES_GMAC &&
	    conn->sign_alg != SMB2_SIGN_AES_GMAC)
		return NT_STATUS_REQUEST_OUT_OF_SEQUENCE;
	if (conn->dialect < SMB2_DIALECT_300 ||
	    !(conn->server_capabilities & SMB2_GLOBAL_CAP_MULTI_CHANNEL))
		return NT_STATUS_REQUEST_NOT_ACCEPTED;
	if (!s) {
		s = smb2_session_lookup_global(conn->srv, req->hdr.session_id);
		if (!s)
			return NT_STATUS_USER_SESSION_DELETED;
		if (s->state == SMB2_SESSION_IN_PROGRESS)
			return NT_STATUS_REQUEST_NOT_ACCEPTED;
		if (s->state == SMB2_SESSION_EXPIRED)
			return NT_STATUS_NETWORK_SESSION_EXPIRED;
		if (s->anonymous)
			return NT_STATUS_NOT_SUPPORTED;
		return NT_STATUS_ACCESS_DENIED; /* bad signature */
	}
	if (!req->signed_in)
		return NT_STATUS_INVALID_PARAMETER;
	ch = smb2_channel_find(s, conn);
	if (ch && ch->ready)
		return NT_STATUS_REQUEST_NOT_ACCEPTED;
	/* the signing algorithms must agree where GMAC is involved; the
	 * checks come in the order Windows answers them */
	enum smb2_sign_alg sess_alg = smb2_signing_alg_for(s, NULL);
	if (sess_alg == SMB2_SIGN_AES_GMAC &&
	    conn->sign_alg != SMB2_SIGN_AES_GMAC)
		return NT_STATUS_REQUEST_OUT_OF_SEQUENCE;
	if (conn->sign_alg == SMB2_SIGN_AES_GMAC &&
	    sess_alg != SMB2_SIGN_AES_GMAC)
		return NT_STATUS_NOT_SUPPORTED;
	if (s->dialect != conn->dialect ||
	    memcmp(s->client_guid, conn->client_guid, 16) != 0)
		return NT_STATUS_INVALID_PARAMETER;
	if (conn->dialect == SMB2_DIALECT_311 &&
	    conn->cipher != s->conn->cipher)
		return NT_STATUS_INVALID_PARAMETER;
	if (req->bad_bind_signature)
		return NT_STATUS_ACCESS_DENIED;
	if (!ch) {
		/* Windows allows 32 channels per session */
		if (s->n_channels >= SMB2_MAX_CHANNELS ||
		    conn->n_sessions >=
			    conn->srv->conf->max_sessions_per_connection)
			return NT_STATUS_INSUFFICIENT_RESOURCES;
		ch = smb2_channel_new(s, conn);
		if (!ch)
			return NT_STATUS_NO_MEMORY;
	}
	if (conn->dialect == SMB2_DIALECT_311) {
		struct iovec iov = { (void *)req->in.p, req->in.len };
		smb2_preauth_update(ch->preauth_hash, &iov, 1);
	}
	as = ch->ntlmssp ? talloc_get_type(talloc_parent(ch->ntlmssp),
					   struct auth_state)
			 : NULL;
	st = auth_leg(req, ch, &as, tok, &res);
	ch->ntlmssp = as ? as->ntlmssp : NULL;
	if (NT_STATUS_EQUAL(st, NT_STATUS_MORE_PROCESSING_REQUIRED)) {
		req->bind_channel = ch; /* its preauth hash takes the reply */
		return st;
	}
	if (NT_STATUS_IS_OK(st) &&
	    (res.anonymous || strcasecmp(res.user, s->user) != 0)) {
		LOG_INFO("%s: bind to session %llx as another user refused",
			 conn->peer, (unsigned long long)s->id);
		st = NT_STATUS_ACCESS_DENIED;
	}
	if (NT_STATUS_IS_OK(st))
		st = spnego_final(req, as, &res, tok, &out, &out_len);
	/* the channel signs with a key of its own: from this bind's
	 * session key (and, for 3.1.1, this channel's preauth hash) */
	if (NT_STATUS_IS_OK(st) &&
	    smb2_derive_session_keys(conn->dialect, res.session_key, 16,
				     ch->preauth_hash, conn->cipher,
				     &keys) != 0)
		st = NT_STATUS_INTERNAL_ERROR;
	if (!NT_STATUS_IS_OK(st)) {
		req->out.len = 0;
		talloc_free(ch); /* the session stays as it was */
		return st;
	}
	memcpy(ch->signing_key, keys.signing, 16);
	ch->ready = true;
	TALLOC_FREE(as);
	ch->ntlmssp = NULL;
	req->sign_with = s;
	LOG_INFO("%s: channel %u bound to session %llx (%s)", conn->peer,
		 s->n_channels, (unsigned long long)s->id,
		 conn->ops->name);
	return write_response(req,
			      s->encrypt_data ? SMB2_SESSION_FLAG_ENCRYPT_DATA
					      : 0,
			      out, out_len);
}

NTSTATUS smb2_cmd_session_setup(struct smb2_req *req)
{
	struct smb2_conn *conn = req->conn;
	struct smb2_server *srv = conn->srv;
	struct wire_rd r;
	uint8_t flags;
	uint16_t sec_off, sec_len;
	struct wire_slice sec;
	struct smb2_session *s;
	struct auth_state *as;
	struct spnego_client_token tok;
	bool new_session = false;
	NTSTATUS st;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 2);
	flags = wire_rd_u8(&r);
	wire_rd_skip(&r, 1 + 4 + 4); /* SecurityMode, Capabilities, Channel */
	sec_off = wire_rd_u16(&r);
	sec_len = wire_rd_u16(&r);
	if (r.err || !wire_slice_at(&(struct wire_slice){ req->in.p,
							  req->in.len },
				    sec_off, sec_len, &sec) ||
	    sec_len == 0)
		return NT_STATUS_INVALID_PARAMETER;
	if (flags & SMB2_SESSION_FLAG_BINDING) {
		if (spnego_parse_client(sec.p, sec.len, &tok) != 0)
			return NT_STATUS_INVALID_PARAMETER;
		return bind_channel(req, &tok);
	}

	if (req->hdr.session_id == 0) {
		if (conn->n_sessions >= srv->conf->max_sessions_per_connection)
			return NT_STATUS_INSUFFICIENT_RESOURCES;
		s = smb2_session_new(conn);
		if (!s)
			return NT_STATUS_NO_MEMORY;
		new_session = true;
	} else {
		s = smb2_session_lookup(conn, req->hdr.session_id);
		if (!s)
			return NT_STATUS_USER_SESSION_DELETED;
		if (s->state != SMB2_SESSION_IN_PROGRESS && !s->ntlmssp) {
			/* reauthentication of a valid session (3.3.5.5.2) */
			memcpy(s->preauth_hash, conn->preauth_hash,
			       sizeof(s->preauth_hash));
		}
	}
	req->session = s;
	if (conn->dialect == SMB2_DIALECT_311) {
		struct iovec iov = { (void *)req->in.p, req->in.len };
		smb2_preauth_update(s->preauth_hash, &iov, 1);
	}

	if (spnego_parse_client(sec.p, sec.len, &tok) != 0) {
		LOG_INFO("%s: malformed SPNEGO token", conn->peer);
		st = NT_STATUS_INVALID_PARAMETER;
		goto fail;
	}
	as = s->ntlmssp ? talloc_get_type(talloc_parent(s->ntlmssp),
					  struct auth_state)
			: NULL;
	struct ntlmssp_auth_result res = { 0 };
	st = auth_leg(req, s, &as, &tok, &res);
	s->ntlmssp = as ? as->ntlmssp : NULL;
	if (NT_STATUS_EQUAL(st, NT_STATUS_MORE_PROCESSING_REQUIRED))
		return st;
	if (NT_STATUS_IS_OK(st)) {
		st = session_complete(req, s, as, &res, &tok);
		if (NT_STATUS_IS_OK(st)) {
			talloc_free(as);
			return NT_STATUS_OK;
		}
	}
fail:
	/* A failed authentication ends the session attempt; a failed
	 * reauthentication ends the session (MS-SMB2 3.3.5.5.3). */
	(void)new_session;
	req->out.len = 0;
	req->session = NULL;
	talloc_free(s);
	if (NT_STATUS_EQUAL(st, NT_STATUS_LOGON_FAILURE))
		return delay_failure(req, st);
	return st;
}

NTSTATUS smb2_cmd_logoff(struct smb2_req *req)
{
	struct smb2_session *s = req->session;

	LOG_DBG("%s: logoff session %llx", req->conn->peer,
		(unsigned long long)s->id);
	/* the session's opens and trees go now, but for durable ones that
	 * wait for a reconnect as Windows keeps them; the session itself
	 * once the response has been signed or encrypted with its keys */
	smb2_durable_logoff(s);
	while (s->tcons)
		talloc_free(s->tcons);
	if (s->signing_required || req->signed_in)
		req->sign_with = s;
	s->state = SMB2_SESSION_EXPIRED;
	req->free_after = s;
	wire_wr_u16(&req->out, 4);
	wire_wr_u16(&req->out, 0);
	return NT_STATUS_OK;
}
