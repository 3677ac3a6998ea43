/*
 * NEGOTIATE (MS-SMB2 2.2.3, 2.2.4, 3.3.5.3) and the SMB1 multi-protocol
 * negotiate that older clients send first (3.3.5.3.1).
 */
#include <string.h>

#include "conf/log.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/spnego.h"

#define SMB2_DIALECT_WILDCARD 0x02ff
#define NEG_RSP_FIXED 64 /* body bytes before the security buffer */

static const uint16_t supported_dialects[] = {
	SMB2_DIALECT_311, SMB2_DIALECT_302, SMB2_DIALECT_300,
	SMB2_DIALECT_210, SMB2_DIALECT_202,
};

/* Server preference: GCM before CCM, 128 before 256 (cheaper). */
static const uint16_t cipher_preference[] = {
	SMB2_CIPHER_AES128_GCM, SMB2_CIPHER_AES128_CCM,
	SMB2_CIPHER_AES256_GCM, SMB2_CIPHER_AES256_CCM,
};

struct neg_ctx_result {
	bool have_preauth, have_encryption, have_signing;
	uint16_t cipher;
	uint16_t sign_alg_id; /* wire id: 0 HMAC, 1 CMAC, 2 GMAC */
	uint8_t salt[32];
};

static NTSTATUS parse_contexts(struct smb2_req *req, uint32_t off,
			       uint16_t count, struct neg_ctx_result *res)
{
	struct wire_rd r;

	/* offsets are from the header start */
	if (off < SMB2_HDR_SIZE || off > req->in.len)
		return NT_STATUS_INVALID_PARAMETER;
	wire_rd_init(&r, req->in.p, req->in.len);
	wire_rd_seek(&r, off);
	for (uint16_t i = 0; i < count; i++) {
		size_t start;
		uint16_t type, len;

		/* each context starts 8-byte aligned (MS-SMB2 2.2.3.1) */
		if (r.off & 7)
			wire_rd_seek(&r, (r.off + 7) & ~(size_t)7);
		type = wire_rd_u16(&r);
		len = wire_rd_u16(&r);
		wire_rd_skip(&r, 4);
		start = r.off;
		if (r.err || wire_rd_left(&r) < len)
			return NT_STATUS_INVALID_PARAMETER;
		struct wire_rd d;
		wire_rd_init(&d, r.p + start, len);
		switch (type) {
		case SMB2_PREAUTH_INTEGRITY_CAPABILITIES: {
			uint16_t nalg = wire_rd_u16(&d);
			uint16_t salt_len = wire_rd_u16(&d);
			bool sha512 = false;
			if (res->have_preauth)
				return NT_STATUS_INVALID_PARAMETER;
			for (uint16_t k = 0; k < nalg; k++)
				if (wire_rd_u16(&d) == SMB2_PREAUTH_HASH_SHA512)
					sha512 = true;
			wire_rd_skip(&d, salt_len);
			if (d.err || nalg == 0)
				return NT_STATUS_INVALID_PARAMETER;
			if (!sha512)
				return NT_STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP;
			res->have_preauth = true;
			break;
		}
		case SMB2_ENCRYPTION_CAPABILITIES: {
			uint16_t n = wire_rd_u16(&d);
			uint16_t offered[32];
			size_t k, m = 0;
			if (res->have_encryption || n == 0)
				return NT_STATUS_INVALID_PARAMETER;
			for (k = 0; k < n; k++) {
				uint16_t c = wire_rd_u16(&d);
				if (m < 32)
					offered[m++] = c;
			}
			if (d.err)
				return NT_STATUS_INVALID_PARAMETER;
			res->have_encryption = true;
			for (k = 0; k < 4 && !res->cipher; k++)
				for (size_t j = 0; j < m; j++)
					if (offered[j] == cipher_preference[k])
						res->cipher = offered[j];
			break;
		}
		case SMB2_SIGNING_CAPABILITIES: {
			uint16_t n = wire_rd_u16(&d);
			bool gmac = false, cmac = false, hmac = false;
			if (res->have_signing || n == 0)
				return NT_STATUS_INVALID_PARAMETER;
			for (uint16_t k = 0; k < n; k++) {
				uint16_t a = wire_rd_u16(&d);
				gmac |= a == SMB2_SIGN_AES_GMAC;
				cmac |= a == SMB2_SIGN_AES_CMAC;
				hmac |= a == SMB2_SIGN_HMAC_SHA256;
			}
			if (d.err)
				return NT_STATUS_INVALID_PARAMETER;
			res->have_signing = true;
			/* ours, in order of preference, among the client's;
			 * CMAC, the 3.x default, when it offered none of them
			 * (MS-SMB2 3.3.5.4) */
			res->sign_alg_id = gmac	  ? SMB2_SIGN_AES_GMAC
					   : cmac ? SMB2_SIGN_AES_CMAC
					   : hmac ? SMB2_SIGN_HMAC_SHA256
						  : SMB2_SIGN_AES_CMAC;
			break;
		}
		default:
			/* compression, netname, transport, RDMA transform:
			 * not offered, ignored (MS-SMB2 3.3.5.3.1) */
			break;
		}
		wire_rd_skip(&r, len);
	}
	if (r.err)
		return NT_STATUS_INVALID_PARAMETER;
	if (!res->have_preauth)
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_OK;
}

static void put_context(struct wire_wr *w, uint16_t type,
			const struct wire_wr *data)
{
	wire_wr_align(w, 8);
	wire_wr_u16(w, type);
	wire_wr_u16(w, (uint16_t)data->len);
	wire_wr_u32(w, 0);
	wire_wr_bytes(w, data->buf, data->len);
}

static NTSTATUS encode_response(struct smb2_req *req, uint16_t dialect,
				const struct neg_ctx_result *ctx)
{
	struct smb2_conn *conn = req->conn;
	const struct usmbd_conf *conf = conn->srv->conf;
	struct wire_wr *w = &req->out;
	uint8_t *spnego = NULL;
	size_t spnego_len = 0;
	uint16_t security_mode = SMB2_NEGOTIATE_SIGNING_ENABLED;
	size_t ctx_off_at, ctx_count_at;

	if (conf->server_signing == CONF_SIGNING_REQUIRED)
		security_mode |= SMB2_NEGOTIATE_SIGNING_REQUIRED;
	if (spnego_server_hint(req, &spnego, &spnego_len) != 0)
		return NT_STATUS_NO_MEMORY;

	wire_wr_u16(w, 65);
	wire_wr_u16(w, security_mode);
	wire_wr_u16(w, dialect);
	ctx_count_at = wire_wr_reserve(w, 2);
	wire_wr_bytes(w, conn->srv->server_guid, 16);
	wire_wr_u32(w, conn->server_capabilities);
	wire_wr_u32(w, conn->max_trans);
	wire_wr_u32(w, conn->max_read);
	wire_wr_u32(w, conn->max_write);
	wire_wr_u64(w, nttime_now());
	wire_wr_u64(w, conn->srv->start_time);
	wire_wr_u16(w, SMB2_HDR_SIZE + NEG_RSP_FIXED);
	wire_wr_u16(w, (uint16_t)spnego_len);
	ctx_off_at = wire_wr_reserve(w, 4);
	wire_wr_bytes(w, spnego, spnego_len);
	talloc_free(spnego);

	if (dialect == SMB2_DIALECT_311) {
		struct wire_wr d;
		uint16_t n = 1;

		/* contexts start 8-aligned relative to the header */
		wire_wr_align(w, 8);
		wire_wr_put_u32(w, ctx_off_at, (uint32_t)(SMB2_HDR_SIZE + w->len));
		wire_wr_init(&d, req, 64);
		wire_wr_u16(&d, 1);
		wire_wr_u16(&d, sizeof(ctx->salt));
		wire_wr_u16(&d, SMB2_PREAUTH_HASH_SHA512);
		wire_wr_bytes(&d, ctx->salt, sizeof(ctx->salt));
		put_context(w, SMB2_PREAUTH_INTEGRITY_CAPABILITIES, &d);
		if (ctx->have_encryption) {
			wire_wr_init(&d, req, 8);
			wire_wr_u16(&d, 1);
			wire_wr_u16(&d, ctx->cipher);
			put_context(w, SMB2_ENCRYPTION_CAPABILITIES, &d);
			n++;
		}
		if (ctx->have_signing) {
			wire_wr_init(&d, req, 8);
			wire_wr_u16(&d, 1);
			wire_wr_u16(&d, ctx->sign_alg_id);
			put_context(w, SMB2_SIGNING_CAPABILITIES, &d);
			n++;
		}
		wire_wr_put_u16(w, ctx_count_at, n);
	}
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

static void conn_set_dialect(struct smb2_conn *conn, uint16_t dialect)
{
	const struct usmbd_conf *conf = conn->srv->conf;

	conn->dialect = dialect;
	conn->negotiated = dialect != SMB2_DIALECT_WILDCARD;
	conn->server_capabilities = 0;
	if (dialect >= SMB2_DIALECT_210)
		conn->server_capabilities |=
		    SMB2_GLOBAL_CAP_LARGE_MTU | SMB2_GLOBAL_CAP_LEASING;
	conn->max_trans = conf->max_trans_size;
	conn->max_read = conf->max_read_size;
	conn->max_write = conf->max_write_size;
	if (dialect <= SMB2_DIALECT_202) {
		/* 2.0.2 has no multi-credit requests: 64 KiB at most */
		conn->max_trans = conn->max_read = conn->max_write = 65536;
	}
	conn->sign_alg = dialect >= SMB2_DIALECT_300 ? SMB2_SIGN_AES_CMAC
						      : SMB2_SIGN_HMAC_SHA256;
	conn->signing_required = conf->server_signing == CONF_SIGNING_REQUIRED;
}

NTSTATUS smb2_cmd_negotiate(struct smb2_req *req)
{
	struct smb2_conn *conn = req->conn;
	struct wire_rd r;
	uint16_t count, security_mode, chosen = 0;
	uint32_t caps, ctx_off;
	uint16_t ctx_count;
	struct neg_ctx_result ctx = { 0 };
	NTSTATUS st;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 2);
	count = wire_rd_u16(&r);
	security_mode = wire_rd_u16(&r);
	wire_rd_skip(&r, 2);
	caps = wire_rd_u32(&r);
	wire_rd_bytes(&r, conn->client_guid, 16);
	ctx_off = wire_rd_u32(&r);
	ctx_count = wire_rd_u16(&r);
	wire_rd_skip(&r, 2);
	if (r.err || count == 0 || wire_rd_left(&r) < (size_t)count * 2)
		return NT_STATUS_INVALID_PARAMETER;
	for (size_t k = 0; k < sizeof(supported_dialects) / 2 && !chosen; k++)
		for (uint16_t i = 0; i < count; i++)
			if (get_le16(r.p + r.off + 2 * i) ==
			    supported_dialects[k])
				chosen = supported_dialects[k];
	if (!chosen) {
		LOG_INFO("%s: no common dialect", conn->peer);
		return NT_STATUS_NOT_SUPPORTED;
	}
	conn->client_security_mode = security_mode;
	conn->client_capabilities = caps;
	conn_set_dialect(conn, chosen);
	if (chosen >= SMB2_DIALECT_300 && conn->srv->conf->multichannel &&
	    (caps & SMB2_GLOBAL_CAP_MULTI_CHANNEL))
		conn->server_capabilities |= SMB2_GLOBAL_CAP_MULTI_CHANNEL;
	/* 3.0/3.0.2 negotiate encryption by capability, with AES-128-CCM
	 * (MS-SMB2 3.3.5.4); 3.1.1 through its context below */
	if ((chosen == SMB2_DIALECT_300 || chosen == SMB2_DIALECT_302) &&
	    (caps & SMB2_GLOBAL_CAP_ENCRYPTION)) {
		conn->server_capabilities |= SMB2_GLOBAL_CAP_ENCRYPTION;
		conn->cipher = SMB2_CIPHER_AES128_CCM;
	}

	if (chosen == SMB2_DIALECT_311) {
		st = parse_contexts(req, ctx_off, ctx_count, &ctx);
		if (!NT_STATUS_IS_OK(st)) {
			conn->negotiated = false;
			conn->dialect = 0;
			return st;
		}
		conn->cipher = ctx.cipher;
		if (ctx.have_signing)
			conn->sign_alg = ctx.sign_alg_id;
		if (smb_random(ctx.salt, sizeof(ctx.salt)) != 0)
			return NT_STATUS_INTERNAL_ERROR;
		/* preauth hash over this request and our response
		 * (MS-SMB2 3.3.5.4) */
		struct iovec iov = { (void *)req->in.p, req->in.len };
		memset(conn->preauth_hash, 0, sizeof(conn->preauth_hash));
		smb2_preauth_update(conn->preauth_hash, &iov, 1);
		req->preauth_update = false;
	}
	st = encode_response(req, chosen, &ctx);
	if (NT_STATUS_IS_OK(st) && chosen == SMB2_DIALECT_311)
		req->preauth_conn = true;
	LOG_DBG("%s: negotiated dialect %04x", conn->peer, chosen);
	return st;
}

/*
 * SMB1 NEGOTIATE carrying "SMB 2.002" and/or "SMB 2.???": answer with an
 * SMB2 NEGOTIATE response, dialect 0x02FF when the client can go on with
 * an SMB2 NEGOTIATE (MS-SMB2 3.3.5.3.1). Anything else of SMB1 is refused.
 */
void smb2_smb1_negotiate(struct smb2_msg *msg)
{
	struct smb2_conn *conn = msg->conn;
	const uint8_t *p = msg->data;
	size_t len = msg->len;
	bool want_wild = false, want_202 = false;
	struct smb2_req *req;
	size_t off, end;
	uint16_t dialect;

	/* 32-byte SMB header, command 0x72, WordCount 0, ByteCount */
	if (conn->negotiated || len < 35 || p[4] != 0x72 || p[32] != 0) {
		smb2_conn_terminate(conn, "SMB1 is not supported");
		talloc_free(msg);
		return;
	}
	end = 35 + (size_t)get_le16(p + 33);
	if (end > len)
		end = len;
	for (off = 35; off < end;) {
		const uint8_t *s = p + off + 1;
		size_t max = end - off - 1;
		size_t n = strnlen((const char *)s, max);
		if (p[off] != 0x02 || n == max)
			break;
		if (n == 9 && memcmp(s, "SMB 2.???", 9) == 0)
			want_wild = true;
		if (n == 9 && memcmp(s, "SMB 2.002", 9) == 0)
			want_202 = true;
		off += n + 2;
	}
	if (!want_wild && !want_202) {
		smb2_conn_terminate(conn, "SMB1 client without SMB2 dialects");
		talloc_free(msg);
		return;
	}
	dialect = want_wild ? SMB2_DIALECT_WILDCARD : SMB2_DIALECT_202;
	/* MessageId 0 is used up: the SMB2 NEGOTIATE that follows uses 1 */
	if (!smb2_credits_consume(&conn->credits, 0, 1)) {
		smb2_conn_terminate(conn, "SMB1 negotiate out of sequence");
		talloc_free(msg);
		return;
	}
	req = talloc_zero(msg, struct smb2_req);
	if (!req) {
		talloc_free(msg);
		return;
	}
	req->conn = conn;
	req->msg = msg;
	req->hdr.command = SMB2_OP_NEGOTIATE;
	req->hdr.credits = 1;
	req->charge = 1;
	wire_wr_init(&req->out, req, 256);
	conn_set_dialect(conn, dialect);
	struct neg_ctx_result ctx = { 0 };
	NTSTATUS st = encode_response(req, dialect, &ctx);
	smb2_msg_finish_single(msg, req, st);
}
