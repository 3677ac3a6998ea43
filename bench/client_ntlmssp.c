/*
 * NTLMSSP client (MS-NLMP 3.1.5): NEGOTIATE, then an NTLMv2
 * AUTHENTICATE_MESSAGE with key exchange and MIC, and the SPNEGO
 * mechListMIC signatures (MS-NLMP 3.4.4.2). Only Unicode, extended session
 * security and NTLMv2 are spoken: it is what every SMB2 server accepts.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "bench/client_ntlmssp.h"
#include "smb2/ntlmssp_internal.h"
#include "smb2/smb2_crypto.h"
#include "smb2/wire.h"
#include "vfs/unicode.h"

#define NTLMSSP_NEGOTIATE_SIZE 40 /* with the Version field */
#define NTLMSSP_CHALLENGE_MIN_SIZE 48
#define NTLMSSP_AUTH_PAYLOAD_OFF 88 /* header, Version, MIC */
#define NTLMV2_PROOF_SIZE 16
#define LMV2_RESPONSE_SIZE 24
#define MSV_AV_FLAGS_SIZE 4
#define NT_EPOCH_OFFSET 116444736000000000ull

static const uint8_t ntlmssp_magic[8] = "NTLMSSP";

static const char client_sign_magic[] =
	"session key to client-to-server signing key magic constant";
static const char server_sign_magic[] =
	"session key to server-to-client signing key magic constant";
static const char client_seal_magic[] =
	"session key to client-to-server sealing key magic constant";
static const char server_seal_magic[] =
	"session key to server-to-client sealing key magic constant";

/* What we ask for; the server answers with the subset it supports. */
static const uint32_t client_flags =
	NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET |
	NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL |
	NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
	NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
	NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_NEGOTIATE_128 |
	NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56;

struct ntlmssp_client_dir {
	uint8_t sign_key[16];
	uint8_t seal_key[16];
	bool used;
};

struct ntlmssp_client {
	char *user, *domain, *workstation;
	uint8_t nt_hash[16];
	uint32_t flags;
	uint8_t *negotiate_msg;
	size_t negotiate_len;
	bool authenticated;
	uint8_t session_key[16];
	struct ntlmssp_client_dir to_server, to_client;
	/* test hooks */
	bool fixed;
	uint8_t fixed_challenge[8];
	uint8_t fixed_key[16];
	uint64_t fixed_time;
};

struct ntlmssp_client *ntlmssp_client_new(TALLOC_CTX *mem_ctx,
					  const char *user, const char *domain,
					  const char *password,
					  const char *workstation)
{
	struct ntlmssp_client *c = talloc_zero(mem_ctx, struct ntlmssp_client);

	if (!c)
		return NULL;
	c->user = talloc_strdup(c, user ? user : "");
	c->domain = talloc_strdup(c, domain ? domain : "");
	c->workstation = talloc_strdup(c, workstation ? workstation : "");
	if (!c->user || !c->domain || !c->workstation ||
	    smb_nt_hash(password ? password : "", c->nt_hash) != 0) {
		talloc_free(c);
		return NULL;
	}
	return c;
}

void ntlmssp_client_fix_for_test(struct ntlmssp_client *c,
				 const uint8_t client_challenge[8],
				 const uint8_t exported_key[16],
				 uint64_t nt_time)
{
	c->fixed = true;
	memcpy(c->fixed_challenge, client_challenge, 8);
	memcpy(c->fixed_key, exported_key, 16);
	c->fixed_time = nt_time;
}

/* Version (MS-NLMP 2.2.2.10): 10.0 build 0, NTLMSSP_REVISION_W2K3. */
static void put_version(struct wire_wr *w)
{
	wire_wr_u8(w, 10);
	wire_wr_u8(w, 0);
	wire_wr_u16(w, 0);
	wire_wr_zero(w, 3);
	wire_wr_u8(w, 15);
}

int ntlmssp_client_negotiate(struct ntlmssp_client *c, TALLOC_CTX *mem_ctx,
			     uint8_t **out, size_t *out_len)
{
	struct wire_wr w;

	wire_wr_init(&w, c, NTLMSSP_NEGOTIATE_SIZE);
	wire_wr_bytes(&w, ntlmssp_magic, sizeof(ntlmssp_magic));
	wire_wr_u32(&w, NTLMSSP_MESSAGE_NEGOTIATE);
	wire_wr_u32(&w, client_flags);
	wire_wr_zero(&w, 16); /* DomainNameFields, WorkstationFields */
	put_version(&w);
	if (w.err)
		return -ENOMEM;
	talloc_free(c->negotiate_msg);
	c->negotiate_msg = w.buf;
	c->negotiate_len = w.len;
	*out = talloc_memdup(mem_ctx, w.buf, w.len);
	if (!*out)
		return -ENOMEM;
	*out_len = w.len;
	return 0;
}

/* ---- AUTHENTICATE ---- */

struct challenge_info {
	uint32_t flags;
	uint8_t server_challenge[8];
	struct wire_slice target_info;
	bool have_timestamp;
	uint64_t timestamp;
	uint32_t av_flags;
};

static int parse_challenge(const uint8_t *in, size_t len,
			   struct challenge_info *ci)
{
	struct wire_slice msg = { in, len };
	struct wire_rd r;
	uint16_t ti_len;
	uint32_t ti_off;
	size_t off;

	memset(ci, 0, sizeof(*ci));
	if (!in || len < NTLMSSP_CHALLENGE_MIN_SIZE ||
	    memcmp(in, ntlmssp_magic, sizeof(ntlmssp_magic)) != 0 ||
	    get_le32(in + 8) != NTLMSSP_MESSAGE_CHALLENGE)
		return -EINVAL;
	wire_rd_init(&r, in, len);
	wire_rd_seek(&r, 20);
	ci->flags = wire_rd_u32(&r);
	wire_rd_bytes(&r, ci->server_challenge, 8);
	wire_rd_skip(&r, 8);
	ti_len = wire_rd_u16(&r);
	wire_rd_skip(&r, 2);
	ti_off = wire_rd_u32(&r);
	if (r.err || !(ci->flags & NTLMSSP_NEGOTIATE_UNICODE) || ti_len == 0 ||
	    !wire_slice_at(&msg, ti_off, ti_len, &ci->target_info))
		return -EINVAL;
	/* walk the AV pairs (MS-NLMP 2.2.2.1): must end with MsvAvEOL */
	for (off = 0; off + 4 <= ti_len;) {
		uint16_t id = get_le16(ci->target_info.p + off);
		uint16_t av_len = get_le16(ci->target_info.p + off + 2);
		const uint8_t *v = ci->target_info.p + off + 4;

		if (av_len > ti_len - off - 4)
			return -EINVAL;
		if (id == MSV_AV_EOL)
			return 0;
		if (id == MSV_AV_TIMESTAMP && av_len == 8) {
			ci->have_timestamp = true;
			ci->timestamp = get_le64(v);
		}
		if (id == MSV_AV_FLAGS && av_len == MSV_AV_FLAGS_SIZE)
			ci->av_flags = get_le32(v);
		off += 4 + av_len;
	}
	return -EINVAL;
}

/* UTF-16LE of s; upper-cased (simple mapping, as NTOWFv2 needs) if asked. */
static int to_utf16(TALLOC_CTX *mem_ctx, const char *s, bool upper,
		    uint8_t **out, size_t *out_len)
{
	int rc = utf8_to_utf16le(mem_ctx, s, out, out_len);

	if (rc != 0 || !upper)
		return rc;
	for (size_t i = 0; i + 1 < *out_len; i += 2) {
		uint16_t ch = get_le16(*out + i);

		if ((ch >= 'a' && ch <= 'z') ||
		    (ch >= 0xe0 && ch <= 0xfe && ch != 0xf7))
			put_le16(*out + i, (uint16_t)(ch - 0x20));
	}
	return 0;
}

/* NTOWFv2 (MS-NLMP 3.3.2): HMAC_MD5(NT hash, UPPER(user) || domain). */
static int ntowf_v2(const struct ntlmssp_client *c, TALLOC_CTX *tmp,
		    uint8_t out[16])
{
	uint8_t *user, *domain;
	size_t user_len, domain_len;
	struct iovec iov[2];

	if (to_utf16(tmp, c->user, true, &user, &user_len) != 0 ||
	    to_utf16(tmp, c->domain, false, &domain, &domain_len) != 0)
		return -EINVAL;
	iov[0] = (struct iovec){ user, user_len };
	iov[1] = (struct iovec){ domain, domain_len };
	return smb_hmac_md5(c->nt_hash, 16, iov, 2, out);
}

static uint64_t nt_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 10000000ull + (uint64_t)ts.tv_nsec / 100 +
	       NT_EPOCH_OFFSET;
}

/*
 * The NTLMv2_CLIENT_CHALLENGE "temp" (MS-NLMP 2.2.2.7, 3.3.2): the server's
 * AV pairs, with MsvAvFlags saying a MIC follows when we send one.
 */
static void build_blob(struct wire_wr *w, const struct challenge_info *ci,
		       const uint8_t client_challenge[8], uint64_t time,
		       bool mic)
{
	size_t off;

	wire_wr_u8(w, 1); /* RespType */
	wire_wr_u8(w, 1); /* HiRespType */
	wire_wr_zero(w, 6);
	wire_wr_u64(w, time);
	wire_wr_bytes(w, client_challenge, 8);
	wire_wr_zero(w, 4);
	for (off = 0; off + 4 <= ci->target_info.len;) {
		uint16_t id = get_le16(ci->target_info.p + off);
		uint16_t av_len = get_le16(ci->target_info.p + off + 2);

		if (id == MSV_AV_EOL)
			break;
		if (id != MSV_AV_FLAGS)
			wire_wr_bytes(w, ci->target_info.p + off, 4 + av_len);
		off += 4 + av_len;
	}
	if (mic || ci->av_flags) {
		wire_wr_u16(w, MSV_AV_FLAGS);
		wire_wr_u16(w, MSV_AV_FLAGS_SIZE);
		wire_wr_u32(w, ci->av_flags |
				       (mic ? MSV_AV_FLAG_MIC_PRESENT : 0));
	}
	wire_wr_u32(w, MSV_AV_EOL); /* id and length 0 */
	wire_wr_zero(w, 4);
}

struct auth_parts {
	uint8_t lm[LMV2_RESPONSE_SIZE];
	struct wire_wr nt;
	uint8_t enc_key[16];
	bool key_exch;
};

/* NtChallengeResponse, LmChallengeResponse and the keys (MS-NLMP 3.3.2). */
static int compute_responses(struct ntlmssp_client *c,
			     const struct challenge_info *ci, TALLOC_CTX *tmp,
			     struct auth_parts *ap)
{
	uint8_t ntowf[16], cc[8], proof[16], base_key[16];
	uint64_t time = ci->have_timestamp ? ci->timestamp : nt_time_now();
	struct iovec iov[2];
	int rc;

	if (c->fixed) {
		memcpy(cc, c->fixed_challenge, 8);
		time = c->fixed_time;
	} else if ((rc = smb_random(cc, 8)) != 0) {
		return rc;
	}
	rc = ntowf_v2(c, tmp, ntowf);
	if (rc != 0)
		return rc;
	wire_wr_init(&ap->nt, tmp, 256);
	wire_wr_zero(&ap->nt, NTLMV2_PROOF_SIZE);
	build_blob(&ap->nt, ci, cc, time, ci->have_timestamp);
	if (ap->nt.err)
		return -ENOMEM;
	iov[0] = (struct iovec){ (void *)ci->server_challenge, 8 };
	iov[1] = (struct iovec){ ap->nt.buf + NTLMV2_PROOF_SIZE,
				 ap->nt.len - NTLMV2_PROOF_SIZE };
	rc = smb_hmac_md5(ntowf, 16, iov, 2, proof);
	if (rc != 0)
		return rc;
	memcpy(ap->nt.buf, proof, NTLMV2_PROOF_SIZE);
	iov[0] = (struct iovec){ proof, 16 };
	rc = smb_hmac_md5(ntowf, 16, iov, 1, base_key);
	if (rc != 0)
		return rc;

	/* LMv2, or zeros when the server sent a timestamp (3.1.5.1.2) */
	memset(ap->lm, 0, sizeof(ap->lm));
	if (!ci->have_timestamp) {
		iov[0] = (struct iovec){ (void *)ci->server_challenge, 8 };
		iov[1] = (struct iovec){ cc, 8 };
		rc = smb_hmac_md5(ntowf, 16, iov, 2, ap->lm);
		memcpy(ap->lm + 16, cc, 8);
		if (rc != 0)
			return rc;
	}

	/* KeyExchangeKey is the SessionBaseKey for NTLMv2 */
	ap->key_exch = c->flags & NTLMSSP_NEGOTIATE_KEY_EXCH;
	memcpy(c->session_key, base_key, 16);
	if (ap->key_exch) {
		if (c->fixed)
			memcpy(c->session_key, c->fixed_key, 16);
		else if ((rc = smb_random(c->session_key, 16)) != 0)
			return rc;
		memcpy(ap->enc_key, c->session_key, 16);
		rc = smb_rc4(base_key, 16, ap->enc_key, 16);
	}
	memset(ntowf, 0, sizeof(ntowf));
	memset(base_key, 0, sizeof(base_key));
	return rc;
}

/* One (Len, MaxLen, Offset) field and its payload. */
static void put_field(struct wire_wr *w, size_t field_at, const void *p,
		      size_t len)
{
	wire_wr_put_u16(w, field_at, (uint16_t)len);
	wire_wr_put_u16(w, field_at + 2, (uint16_t)len);
	wire_wr_put_u32(w, field_at + 4, (uint32_t)w->len);
	wire_wr_bytes(w, p, len);
}

static int derive_key(const uint8_t *key, size_t key_len, const char *magic,
		      size_t magic_size, uint8_t out[16])
{
	uint8_t buf[16 + 64];

	memcpy(buf, key, key_len);
	memcpy(buf + key_len, magic, magic_size);
	return smb_md5(buf, key_len + magic_size, out);
}

/* MS-NLMP 3.4.5.2 SIGNKEY and 3.4.5.3 SEALKEY. */
static int derive_sign_seal(struct ntlmssp_client *c)
{
	size_t seal_len = (c->flags & NTLMSSP_NEGOTIATE_128) ? 16 :
			  (c->flags & NTLMSSP_NEGOTIATE_56)  ? 7 :
							       5;
	const uint8_t *k = c->session_key;
	int rc;

	rc = derive_key(k, 16, client_sign_magic, sizeof(client_sign_magic),
			c->to_server.sign_key);
	if (rc == 0)
		rc = derive_key(k, 16, server_sign_magic,
				sizeof(server_sign_magic),
				c->to_client.sign_key);
	if (rc == 0)
		rc = derive_key(k, seal_len, client_seal_magic,
				sizeof(client_seal_magic),
				c->to_server.seal_key);
	if (rc == 0)
		rc = derive_key(k, seal_len, server_seal_magic,
				sizeof(server_seal_magic),
				c->to_client.seal_key);
	c->to_server.used = c->to_client.used = false;
	return rc;
}

static int build_authenticate(struct ntlmssp_client *c,
			      const struct challenge_info *ci,
			      const struct auth_parts *ap,
			      const uint8_t *challenge, size_t challenge_len,
			      TALLOC_CTX *tmp, struct wire_wr *w)
{
	uint8_t *domain, *user, *ws, mic[16];
	size_t domain_len, user_len, ws_len;
	struct iovec iov[3];
	int rc;

	if (to_utf16(tmp, c->domain, false, &domain, &domain_len) != 0 ||
	    to_utf16(tmp, c->user, false, &user, &user_len) != 0 ||
	    to_utf16(tmp, c->workstation, false, &ws, &ws_len) != 0)
		return -EINVAL;
	wire_wr_bytes(w, ntlmssp_magic, sizeof(ntlmssp_magic));
	wire_wr_u32(w, NTLMSSP_MESSAGE_AUTHENTICATE);
	wire_wr_zero(w, 6 * 8); /* the six fields, filled below */
	wire_wr_u32(w, c->flags);
	put_version(w);
	wire_wr_zero(w, NTLMSSP_MIC_SIZE);
	put_field(w, 12, ap->lm, sizeof(ap->lm));
	put_field(w, 20, ap->nt.buf, ap->nt.len);
	put_field(w, 28, domain, domain_len);
	put_field(w, 36, user, user_len);
	put_field(w, 44, ws, ws_len);
	put_field(w, 52, ap->enc_key, ap->key_exch ? 16 : 0);
	if (w->err)
		return -ENOMEM;
	if (!ci->have_timestamp)
		return 0;
	/* MIC over the three messages, its own field zero (3.1.5.1.2) */
	iov[0] = (struct iovec){ c->negotiate_msg, c->negotiate_len };
	iov[1] = (struct iovec){ (void *)challenge, challenge_len };
	iov[2] = (struct iovec){ w->buf, w->len };
	rc = smb_hmac_md5(c->session_key, 16, iov, 3, mic);
	if (rc == 0)
		memcpy(w->buf + NTLMSSP_AUTH_MIC_OFFSET, mic, sizeof(mic));
	return rc;
}

int ntlmssp_client_authenticate(struct ntlmssp_client *c,
				const uint8_t *challenge, size_t len,
				TALLOC_CTX *mem_ctx, uint8_t **out,
				size_t *out_len)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	struct challenge_info ci;
	struct auth_parts ap;
	struct wire_wr w;
	int rc;

	c->authenticated = false;
	rc = parse_challenge(challenge, len, &ci);
	if (rc == 0 && !c->negotiate_msg)
		rc = -EINVAL;
	if (rc != 0)
		goto out;
	c->flags = ci.flags & client_flags;
	/* without extended session security there is no NTLMv2 signing */
	if (!(c->flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)) {
		rc = -EINVAL;
		goto out;
	}
	rc = compute_responses(c, &ci, tmp, &ap);
	if (rc != 0)
		goto out;
	wire_wr_init(&w, mem_ctx, NTLMSSP_AUTH_PAYLOAD_OFF + 512);
	rc = build_authenticate(c, &ci, &ap, challenge, len, tmp, &w);
	if (rc == 0)
		rc = derive_sign_seal(c);
	if (rc != 0) {
		talloc_free(w.buf);
		goto out;
	}
	*out = w.buf;
	*out_len = w.len;
	c->authenticated = true;
out:
	talloc_free(tmp);
	return rc;
}

const uint8_t *ntlmssp_client_session_key(const struct ntlmssp_client *c)
{
	return c->session_key;
}

/* MS-NLMP 3.4.4.2 with extended session security, first use of the RC4
 * sealing handle of the direction. */
static int signature(const struct ntlmssp_client *c,
		     struct ntlmssp_client_dir *d, const uint8_t *data,
		     size_t len, uint32_t seq, uint8_t sig[16])
{
	uint8_t seq_le[4], mac[16];
	struct iovec iov[2] = { { seq_le, 4 }, { (void *)data, len } };
	int rc;

	if (!c->authenticated)
		return -EINVAL;
	if (d->used)
		return -EALREADY;
	put_le32(seq_le, seq);
	rc = smb_hmac_md5(d->sign_key, 16, iov, 2, mac);
	if (rc == 0 && (c->flags & NTLMSSP_NEGOTIATE_KEY_EXCH))
		rc = smb_rc4(d->seal_key, 16, mac, 8);
	if (rc != 0)
		return rc;
	d->used = true;
	put_le32(sig, 1);
	memcpy(sig + 4, mac, 8);
	put_le32(sig + 12, seq);
	return 0;
}

int ntlmssp_client_sign(struct ntlmssp_client *c, const uint8_t *data,
			size_t len, uint32_t seq, uint8_t sig[16])
{
	return signature(c, &c->to_server, data, len, seq, sig);
}

bool ntlmssp_client_check(struct ntlmssp_client *c, const uint8_t *data,
			  size_t len, uint32_t seq, const uint8_t sig[16])
{
	uint8_t want[16];

	if (signature(c, &c->to_client, data, len, seq, want) != 0)
		return false;
	return smb_ct_equal(want, sig, 16);
}
