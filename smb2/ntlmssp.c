/*
 * NTLMSSP server side (MS-NLMP 3.2.5): answers NEGOTIATE with a CHALLENGE,
 * verifies the NTLMv2 response of the AUTHENTICATE message, performs the
 * key exchange and the MIC check, and computes the message signatures the
 * SPNEGO mechListMIC needs (MS-NLMP 3.4.4.2).
 *
 * Only NTLMv2 is accepted: LM and NTLMv1 responses carry too little
 * entropy to be worth supporting, and every SMB2 client speaks NTLMv2.
 * Only Unicode negotiation is supported, for the same reason.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "smb2/ntlmssp.h"
#include "vfs/unicode.h"
#include "smb2/ntlmssp_internal.h"
#include "smb2/smb2_crypto.h"
#include "smb2/wire.h"

#define NTLMSSP_CHALLENGE_HEADER_SIZE 56 /* incl. the Version field */
#define NTLMSSP_NEGOTIATE_MIN_SIZE 16
#define NTLMSSP_AUTH_PAYLOAD_WITH_MIC 88 /* header, Version and MIC */
#define NTLMV1_RESPONSE_SIZE 24
#define NTLMV2_PROOF_SIZE 16
/* NTLMv2_CLIENT_CHALLENGE up to the AV pairs (MS-NLMP 2.2.2.7) */
#define NTLMV2_BLOB_FIXED_SIZE 28
#define NTLMSSP_SIGNATURE_VERSION 1
/* Longest server name we put into AV pairs, in characters. */
#define NTLMSSP_MAX_NAME 255
/*
 * Keystream bytes a direction may consume with KEY_EXCH: the signing RC4
 * state is regenerated from the sealing key on every use, which is cheap
 * for the few signatures SMB2 needs (the SPNEGO mechListMIC).
 */
#define NTLMSSP_MAX_RC4_STREAM 4096

/* NT time of the Unix epoch: 100 ns units since 1601-01-01. */
#define NTLMSSP_NT_EPOCH_OFFSET 116444736000000000ull

static const uint8_t ntlmssp_magic[8] = "NTLMSSP";

/* MS-NLMP 3.4.5.2 and 3.4.5.3; sizeof() includes the terminating NUL. */
static const char client_sign_magic[] =
	"session key to client-to-server signing key magic constant";
static const char server_sign_magic[] =
	"session key to server-to-client signing key magic constant";
static const char client_seal_magic[] =
	"session key to client-to-server sealing key magic constant";
static const char server_seal_magic[] =
	"session key to server-to-client sealing key magic constant";

enum ntlmssp_state {
	NTLMSSP_EXPECT_NEGOTIATE,
	NTLMSSP_EXPECT_AUTHENTICATE,
	NTLMSSP_DONE,
	NTLMSSP_FAILED,
};

/* One direction of message signing (MS-NLMP 3.4.4.2). */
struct ntlmssp_direction {
	uint8_t sign_key[16];
	uint8_t seal_key[16];
	size_t rc4_used; /* keystream bytes of the sealing handle used */
};

struct ntlmssp_server {
	enum ntlmssp_state state;
	/* UTF-16LE names for the CHALLENGE */
	uint8_t *nb_name;
	size_t nb_name_len;
	uint8_t *dns_computer;
	size_t dns_computer_len;
	uint8_t *dns_domain;
	size_t dns_domain_len;

	uint8_t challenge[8];
	bool fixed_challenge;
	uint32_t flags; /* negotiated */
	/* kept for the MIC (MS-NLMP 3.1.5.1.2) */
	uint8_t *negotiate_msg;
	size_t negotiate_len;
	uint8_t *challenge_msg;
	size_t challenge_len;

	uint8_t session_key[16];
	struct ntlmssp_direction client_to_server;
	struct ntlmssp_direction server_to_client;
};

/* ---- Unicode ---- */

/*
 * Upper case of a UTF-16 code unit, covering ASCII, Latin-1, Latin
 * Extended-A, Greek and Cyrillic, the scripts Windows account names use
 * in practice. NTOWFv2 hashes the upper-cased user name (MS-NLMP 3.3.2).
 */
static uint16_t utf16_upper(uint16_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - 0x20;
	if (c < 0x80)
		return c;
	if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		return c - 0x20;
	if (c == 0xff)
		return 0x178;
	if ((c >= 0x100 && c <= 0x12f) || (c >= 0x132 && c <= 0x137) ||
	    (c >= 0x14a && c <= 0x177))
		return (c & 1) ? c - 1 : c;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
		return (c & 1) ? c : c - 1;
	if ((c >= 0x3b1 && c <= 0x3c1) || (c >= 0x3c3 && c <= 0x3cb))
		return c - 0x20;
	if (c >= 0x430 && c <= 0x44f)
		return c - 0x20;
	if (c >= 0x450 && c <= 0x45f)
		return c - 0x50;
	return c;
}

/* Upper-cased copy of UTF-16LE bytes (surrogates pass unchanged). */
static uint8_t *utf16_upper_dup(TALLOC_CTX *mem_ctx, const uint8_t *in,
				size_t len)
{
	uint8_t *u = talloc_array(mem_ctx, uint8_t, len ? len : 1);

	if (!u)
		return NULL;
	for (size_t i = 0; i + 1 < len; i += 2)
		put_le16(u + i, utf16_upper(get_le16(in + i)));
	return u;
}

/* ---- setup ---- */

struct ntlmssp_server *ntlmssp_server_new(TALLOC_CTX *mem_ctx,
					  const char *netbios_name,
					  const char *dns_name)
{
	struct ntlmssp_server *s;
	const char *dot;
	int rc;

	if (!netbios_name || !*netbios_name ||
	    strlen(netbios_name) > NTLMSSP_MAX_NAME)
		return NULL;
	if (!dns_name || !*dns_name)
		dns_name = netbios_name;
	if (strlen(dns_name) > NTLMSSP_MAX_NAME)
		return NULL;
	s = talloc_zero(mem_ctx, struct ntlmssp_server);
	if (!s)
		return NULL;
	/*
	 * A standalone server is its own NetBIOS domain; the DNS domain is
	 * what follows the host label of the DNS name.
	 */
	dot = strchr(dns_name, '.');
	rc = utf8_to_utf16le(s, netbios_name, &s->nb_name, &s->nb_name_len);
	/* NetBIOS names go out upper-cased */
	for (size_t i = 0; rc == 0 && i + 1 < s->nb_name_len; i += 2)
		put_le16(s->nb_name + i, utf16_upper(get_le16(s->nb_name + i)));
	if (rc == 0)
		rc = utf8_to_utf16le(s, dns_name, &s->dns_computer,
				     &s->dns_computer_len);
	if (rc == 0)
		rc = utf8_to_utf16le(s, dot && dot[1] ? dot + 1 : dns_name,
				     &s->dns_domain, &s->dns_domain_len);
	if (rc != 0) {
		talloc_free(s);
		return NULL;
	}
	s->state = NTLMSSP_EXPECT_NEGOTIATE;
	return s;
}

void ntlmssp_server_set_challenge_for_test(struct ntlmssp_server *s,
					   const uint8_t challenge[8])
{
	memcpy(s->challenge, challenge, 8);
	s->fixed_challenge = true;
}

int ntlmssp_server_set_transcript_for_test(struct ntlmssp_server *s,
					   const uint8_t *negotiate,
					   size_t negotiate_len,
					   const uint8_t *challenge_msg,
					   size_t challenge_len)
{
	if (challenge_len < 32)
		return -EINVAL;
	talloc_free(s->negotiate_msg);
	talloc_free(s->challenge_msg);
	s->negotiate_msg = talloc_memdup(s, negotiate, negotiate_len);
	s->challenge_msg = talloc_memdup(s, challenge_msg, challenge_len);
	if (!s->negotiate_msg || !s->challenge_msg)
		return -ENOMEM;
	s->negotiate_len = negotiate_len;
	s->challenge_len = challenge_len;
	s->flags = get_le32(challenge_msg + 20);
	memcpy(s->challenge, challenge_msg + 24, 8);
	s->state = NTLMSSP_EXPECT_AUTHENTICATE;
	return 0;
}

void ntlmssp_server_skip_keystream_for_test(struct ntlmssp_server *s,
					    bool client_to_server, size_t n)
{
	struct ntlmssp_direction *d = client_to_server ? &s->client_to_server :
							 &s->server_to_client;

	d->rc4_used += n;
}

/* ---- NEGOTIATE -> CHALLENGE ---- */

/*
 * MS-NLMP 3.2.5.1.1: answer with what the client asked for and we
 * support. NTLM, target info and the version are always there.
 */
static uint32_t ntlmssp_challenge_flags(uint32_t req)
{
	const uint32_t echoed =
		NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL |
		NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
		NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
		NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56 |
		NTLMSSP_NEGOTIATE_KEY_EXCH;
	uint32_t f = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_NTLM |
		     NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_VERSION;

	f |= req & echoed;
	if (req & NTLMSSP_REQUEST_TARGET)
		f |= NTLMSSP_REQUEST_TARGET | NTLMSSP_TARGET_TYPE_SERVER;
	return f;
}

static uint64_t ntlmssp_nt_time_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 10000000ull + (uint64_t)ts.tv_nsec / 100 +
	       NTLMSSP_NT_EPOCH_OFFSET;
}

static void put_av(struct wire_wr *w, uint16_t id, const void *v, size_t len)
{
	wire_wr_u16(w, id);
	wire_wr_u16(w, (uint16_t)len);
	wire_wr_bytes(w, v, len);
}

/* MS-NLMP 2.2.1.2 CHALLENGE_MESSAGE; s->flags and s->challenge are set. */
static int ntlmssp_build_challenge(struct ntlmssp_server *s)
{
	struct wire_wr w;
	size_t name_fields, info_fields, info_off;
	uint8_t now[8];

	wire_wr_init(&w, s, 256);
	wire_wr_bytes(&w, ntlmssp_magic, sizeof(ntlmssp_magic));
	wire_wr_u32(&w, NTLMSSP_MESSAGE_CHALLENGE);
	name_fields = wire_wr_reserve(&w, 8);
	wire_wr_u32(&w, s->flags);
	wire_wr_bytes(&w, s->challenge, 8);
	wire_wr_zero(&w, 8); /* Reserved */
	info_fields = wire_wr_reserve(&w, 8);
	/* Version (MS-NLMP 2.2.2.10): 6.1 build 7600, NTLMSSP_REVISION_W2K3 */
	wire_wr_u8(&w, 6);
	wire_wr_u8(&w, 1);
	wire_wr_u16(&w, 7600);
	wire_wr_zero(&w, 3);
	wire_wr_u8(&w, 15);

	wire_wr_put_u32(&w, name_fields + 4, (uint32_t)w.len);
	if (s->flags & NTLMSSP_REQUEST_TARGET) {
		wire_wr_put_u16(&w, name_fields, (uint16_t)s->nb_name_len);
		wire_wr_put_u16(&w, name_fields + 2, (uint16_t)s->nb_name_len);
		wire_wr_bytes(&w, s->nb_name, s->nb_name_len);
	}

	info_off = w.len;
	put_av(&w, MSV_AV_NB_DOMAIN_NAME, s->nb_name, s->nb_name_len);
	put_av(&w, MSV_AV_NB_COMPUTER_NAME, s->nb_name, s->nb_name_len);
	put_av(&w, MSV_AV_DNS_DOMAIN_NAME, s->dns_domain, s->dns_domain_len);
	put_av(&w, MSV_AV_DNS_COMPUTER_NAME, s->dns_computer,
	       s->dns_computer_len);
	put_le64(now, ntlmssp_nt_time_now());
	put_av(&w, MSV_AV_TIMESTAMP, now, sizeof(now));
	put_av(&w, MSV_AV_EOL, NULL, 0);
	wire_wr_put_u16(&w, info_fields, (uint16_t)(w.len - info_off));
	wire_wr_put_u16(&w, info_fields + 2, (uint16_t)(w.len - info_off));
	wire_wr_put_u32(&w, info_fields + 4, (uint32_t)info_off);
	if (w.err) {
		talloc_free(w.buf);
		return -ENOMEM;
	}
	talloc_free(s->challenge_msg);
	s->challenge_msg = w.buf;
	s->challenge_len = w.len;
	return 0;
}

NTSTATUS ntlmssp_server_negotiate(struct ntlmssp_server *s, const uint8_t *in,
				  size_t in_len, TALLOC_CTX *out_ctx,
				  uint8_t **out, size_t *out_len)
{
	uint32_t req;

	if (s->state != NTLMSSP_EXPECT_NEGOTIATE)
		return NT_STATUS_INVALID_PARAMETER;
	if (!in || in_len < NTLMSSP_NEGOTIATE_MIN_SIZE ||
	    memcmp(in, ntlmssp_magic, sizeof(ntlmssp_magic)) != 0 ||
	    get_le32(in + 8) != NTLMSSP_MESSAGE_NEGOTIATE)
		return NT_STATUS_INVALID_PARAMETER;
	req = get_le32(in + 12);
	if (!(req & NTLMSSP_NEGOTIATE_UNICODE))
		return NT_STATUS_INVALID_PARAMETER;

	s->flags = ntlmssp_challenge_flags(req);
	if (!s->fixed_challenge && smb_random(s->challenge, 8) != 0)
		return NT_STATUS_INTERNAL_ERROR;
	talloc_free(s->negotiate_msg);
	s->negotiate_msg = talloc_memdup(s, in, in_len);
	if (!s->negotiate_msg)
		return NT_STATUS_NO_MEMORY;
	s->negotiate_len = in_len;
	if (ntlmssp_build_challenge(s) != 0)
		return NT_STATUS_NO_MEMORY;
	*out = talloc_memdup(out_ctx, s->challenge_msg, s->challenge_len);
	if (!*out)
		return NT_STATUS_NO_MEMORY;
	*out_len = s->challenge_len;
	s->state = NTLMSSP_EXPECT_AUTHENTICATE;
	return NT_STATUS_OK;
}

/* ---- AUTHENTICATE ---- */

struct ntlmssp_auth_msg {
	struct wire_slice lm, nt, domain, user, workstation, enc_key;
	uint32_t flags;
	size_t payload_start; /* lowest offset of a non-empty field */
};

/*
 * One (Len, MaxLen, Offset) field (MS-NLMP 2.2.1.3). MaxLen is ignored on
 * receipt as the spec says; the payload must lie within the message and
 * after the fixed header.
 */
static bool read_field(struct wire_rd *r, const struct wire_slice *msg,
		       struct ntlmssp_auth_msg *m, struct wire_slice *out)
{
	uint16_t len = wire_rd_u16(r);
	uint32_t off;

	(void)wire_rd_u16(r); /* MaxLen */
	off = wire_rd_u32(r);
	if (r->err)
		return false;
	out->p = NULL;
	out->len = 0;
	if (len == 0)
		return true;
	if (off < NTLMSSP_AUTH_HEADER_SIZE ||
	    !wire_slice_at(msg, off, len, out))
		return false;
	if (off < m->payload_start)
		m->payload_start = off;
	return true;
}

static NTSTATUS parse_authenticate(const uint8_t *in, size_t in_len,
				   struct ntlmssp_auth_msg *m)
{
	struct wire_slice msg = { in, in_len };
	struct wire_rd r;
	bool ok;

	memset(m, 0, sizeof(*m));
	m->payload_start = in_len;
	if (!in || in_len < NTLMSSP_AUTH_HEADER_SIZE ||
	    memcmp(in, ntlmssp_magic, sizeof(ntlmssp_magic)) != 0 ||
	    get_le32(in + 8) != NTLMSSP_MESSAGE_AUTHENTICATE)
		return NT_STATUS_INVALID_PARAMETER;
	wire_rd_init(&r, in, in_len);
	wire_rd_seek(&r, 12);
	ok = read_field(&r, &msg, m, &m->lm) &&
	     read_field(&r, &msg, m, &m->nt) &&
	     read_field(&r, &msg, m, &m->domain) &&
	     read_field(&r, &msg, m, &m->user) &&
	     read_field(&r, &msg, m, &m->workstation) &&
	     read_field(&r, &msg, m, &m->enc_key);
	m->flags = wire_rd_u32(&r);
	if (!ok || r.err)
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_OK;
}

/* MsvAvFlags from the AV pairs of an NTLMv2 blob; 0 when absent. */
static uint32_t ntlmv2_blob_av_flags(const uint8_t *blob, size_t len)
{
	size_t off = NTLMV2_BLOB_FIXED_SIZE;

	while (off + 4 <= len) {
		uint16_t id = get_le16(blob + off);
		uint16_t av_len = get_le16(blob + off + 2);

		off += 4;
		if (id == MSV_AV_EOL || av_len > len - off)
			break;
		if (id == MSV_AV_FLAGS && av_len == 4)
			return get_le32(blob + off);
		off += av_len;
	}
	return 0;
}

/*
 * MS-NLMP 3.3.2: NTOWFv2 from the NT hash, user and domain, then
 * NTProofStr over ServerChallenge || blob. 1 and the SessionBaseKey when
 * the proof matches, 0 when not, -errno on a crypto failure.
 */
static int ntlmv2_verify(const uint8_t nt_hash[16], const uint8_t *user_upper,
			 size_t user_len, const uint8_t *domain,
			 size_t domain_len, const uint8_t challenge[8],
			 const struct wire_slice *nt, uint8_t base_key[16])
{
	uint8_t ntowf[16], proof[16];
	struct iovec id_iov[2] = {
		{ (void *)user_upper, user_len },
		{ (void *)domain, domain_len },
	};
	struct iovec proof_iov[2] = {
		{ (void *)challenge, 8 },
		{ (void *)(nt->p + NTLMV2_PROOF_SIZE),
		  nt->len - NTLMV2_PROOF_SIZE },
	};
	struct iovec key_iov = { proof, sizeof(proof) };
	int rc;

	rc = smb_hmac_md5(nt_hash, 16, id_iov, 2, ntowf);
	if (rc == 0)
		rc = smb_hmac_md5(ntowf, 16, proof_iov, 2, proof);
	if (rc != 0)
		return rc;
	if (!smb_ct_equal(proof, nt->p, NTLMV2_PROOF_SIZE))
		return 0;
	rc = smb_hmac_md5(ntowf, 16, &key_iov, 1, base_key);
	return rc == 0 ? 1 : rc;
}

/*
 * Windows hashes the domain as the client typed it; clients differ in the
 * case they send and some leave it out of the hash, so like Samba try the
 * domain as sent, upper-cased, and empty.
 */
static NTSTATUS ntlmv2_check_response(const struct ntlmssp_server *s,
				      const struct ntlmssp_auth_msg *m,
				      const uint8_t nt_hash[16],
				      uint8_t base_key[16])
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	uint8_t *user_upper = utf16_upper_dup(tmp, m->user.p, m->user.len);
	uint8_t *domain_upper = utf16_upper_dup(tmp, m->domain.p,
						m->domain.len);
	const uint8_t *domains[3];
	size_t n = 0;
	NTSTATUS status = NT_STATUS_LOGON_FAILURE;

	if (!user_upper || !domain_upper) {
		talloc_free(tmp);
		return NT_STATUS_NO_MEMORY;
	}
	domains[n++] = m->domain.p;
	if (m->domain.len &&
	    memcmp(domain_upper, m->domain.p, m->domain.len) != 0)
		domains[n++] = domain_upper;
	if (m->domain.len)
		domains[n++] = NULL;
	for (size_t i = 0; i < n; i++) {
		size_t dlen = domains[i] ? m->domain.len : 0;
		int rc = ntlmv2_verify(nt_hash, user_upper, m->user.len,
				       domains[i], dlen, s->challenge, &m->nt,
				       base_key);
		if (rc < 0) {
			status = NT_STATUS_INTERNAL_ERROR;
			break;
		}
		if (rc == 1) {
			status = NT_STATUS_OK;
			break;
		}
	}
	talloc_free(tmp);
	return status;
}

/*
 * MS-NLMP 3.2.5.1.2: MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE ||
 * CHALLENGE || AUTHENTICATE with the MIC field zeroed).
 */
static NTSTATUS ntlmssp_check_mic(const struct ntlmssp_server *s,
				  const uint8_t *in, size_t in_len,
				  const struct ntlmssp_auth_msg *m,
				  const uint8_t exported[16])
{
	static const uint8_t zero_mic[NTLMSSP_MIC_SIZE];
	const size_t mic_end = NTLMSSP_AUTH_MIC_OFFSET + NTLMSSP_MIC_SIZE;
	struct iovec iov[5];
	uint8_t mic[16];

	/* the MIC field must exist and no payload may overlap it */
	if (in_len < NTLMSSP_AUTH_PAYLOAD_WITH_MIC ||
	    m->payload_start < NTLMSSP_AUTH_PAYLOAD_WITH_MIC)
		return NT_STATUS_LOGON_FAILURE;
	iov[0] = (struct iovec){ s->negotiate_msg, s->negotiate_len };
	iov[1] = (struct iovec){ s->challenge_msg, s->challenge_len };
	iov[2] = (struct iovec){ (void *)in, NTLMSSP_AUTH_MIC_OFFSET };
	iov[3] = (struct iovec){ (void *)zero_mic, NTLMSSP_MIC_SIZE };
	iov[4] = (struct iovec){ (void *)(in + mic_end), in_len - mic_end };
	if (smb_hmac_md5(exported, 16, iov, 5, mic) != 0)
		return NT_STATUS_INTERNAL_ERROR;
	if (!smb_ct_equal(mic, in + NTLMSSP_AUTH_MIC_OFFSET, sizeof(mic)))
		return NT_STATUS_LOGON_FAILURE;
	return NT_STATUS_OK;
}

static int derive_key(const uint8_t *key, size_t key_len, const char *magic,
		      size_t magic_size, uint8_t out[16])
{
	uint8_t buf[16 + 64];

	if (key_len > 16 || magic_size > sizeof(buf) - 16)
		return -EINVAL;
	memcpy(buf, key, key_len);
	memcpy(buf + key_len, magic, magic_size);
	return smb_md5(buf, key_len + magic_size, out);
}

/* MS-NLMP 3.4.5.2 SIGNKEY and 3.4.5.3 SEALKEY, extended session security. */
static int ntlmssp_derive_keys(struct ntlmssp_server *s)
{
	size_t seal_len = 5;
	int rc;

	if (s->flags & NTLMSSP_NEGOTIATE_128)
		seal_len = 16;
	else if (s->flags & NTLMSSP_NEGOTIATE_56)
		seal_len = 7;
	rc = derive_key(s->session_key, 16, client_sign_magic,
			sizeof(client_sign_magic),
			s->client_to_server.sign_key);
	if (rc == 0)
		rc = derive_key(s->session_key, 16, server_sign_magic,
				sizeof(server_sign_magic),
				s->server_to_client.sign_key);
	if (rc == 0)
		rc = derive_key(s->session_key, seal_len, client_seal_magic,
				sizeof(client_seal_magic),
				s->client_to_server.seal_key);
	if (rc == 0)
		rc = derive_key(s->session_key, seal_len, server_seal_magic,
				sizeof(server_seal_magic),
				s->server_to_client.seal_key);
	s->client_to_server.rc4_used = 0;
	s->server_to_client.rc4_used = 0;
	return rc;
}

static bool is_anonymous(const struct ntlmssp_auth_msg *m)
{
	return m->user.len == 0 && m->nt.len == 0 &&
	       (m->lm.len == 0 || (m->lm.len == 1 && m->lm.p[0] == 0));
}

static NTSTATUS ntlmssp_decode_names(TALLOC_CTX *mem_ctx,
				     const struct ntlmssp_auth_msg *m,
				     struct ntlmssp_auth_result *res)
{
	if (utf16le_to_utf8(mem_ctx, m->user.p, m->user.len, &res->user) !=
		    0 ||
	    utf16le_to_utf8(mem_ctx, m->domain.p, m->domain.len,
			    &res->domain) != 0 ||
	    utf16le_to_utf8(mem_ctx, m->workstation.p, m->workstation.len,
			    &res->workstation) != 0)
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_OK;
}

/* The NTLMv2 user path: lookup, proof, key exchange and MIC. */
static NTSTATUS ntlmssp_auth_user(struct ntlmssp_server *s, const uint8_t *in,
				  size_t in_len,
				  const struct ntlmssp_auth_msg *m,
				  ntlmssp_lookup_fn lookup, void *priv,
				  const struct ntlmssp_auth_result *res,
				  uint8_t exported[16])
{
	uint8_t nt_hash[16], base_key[16];
	NTSTATUS status;

	/* LM-only, NTLMv1 and NTLM2 session responses are 24 bytes or less */
	if (m->nt.len <= NTLMV1_RESPONSE_SIZE ||
	    m->nt.len < NTLMV2_PROOF_SIZE + NTLMV2_BLOB_FIXED_SIZE)
		return NT_STATUS_LOGON_FAILURE;
	if (m->user.len == 0 || !lookup ||
	    !lookup(priv, res->user, res->domain, nt_hash))
		return NT_STATUS_LOGON_FAILURE;
	status = ntlmv2_check_response(s, m, nt_hash, base_key);
	memset(nt_hash, 0, sizeof(nt_hash));
	if (!NT_STATUS_IS_OK(status))
		return status;

	/* MS-NLMP 3.2.5.1.2: KeyExchangeKey is the SessionBaseKey for v2 */
	memcpy(exported, base_key, 16);
	if ((s->flags & NTLMSSP_NEGOTIATE_KEY_EXCH) && m->enc_key.len) {
		if (m->enc_key.len == 16) {
			memcpy(exported, m->enc_key.p, 16);
			if (smb_rc4(base_key, 16, exported, 16) != 0)
				status = NT_STATUS_INTERNAL_ERROR;
		} else {
			status = NT_STATUS_INVALID_PARAMETER;
		}
	}
	memset(base_key, 0, sizeof(base_key));
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (ntlmv2_blob_av_flags(m->nt.p + NTLMV2_PROOF_SIZE,
				 m->nt.len - NTLMV2_PROOF_SIZE) &
	    MSV_AV_FLAG_MIC_PRESENT)
		return ntlmssp_check_mic(s, in, in_len, m, exported);
	return NT_STATUS_OK;
}

NTSTATUS ntlmssp_server_authenticate(struct ntlmssp_server *s,
				     const uint8_t *in, size_t in_len,
				     ntlmssp_lookup_fn lookup, void *priv,
				     TALLOC_CTX *mem_ctx,
				     struct ntlmssp_auth_result *res)
{
	struct ntlmssp_auth_msg m;
	struct ntlmssp_auth_result r = { 0 };
	uint8_t exported[16] = { 0 };
	NTSTATUS status;

	memset(res, 0, sizeof(*res));
	if (s->state != NTLMSSP_EXPECT_AUTHENTICATE)
		return NT_STATUS_INVALID_PARAMETER;
	/* one attempt per challenge */
	s->state = NTLMSSP_FAILED;
	status = parse_authenticate(in, in_len, &m);
	if (!NT_STATUS_IS_OK(status))
		return status;
	/* the final flags are those both sides agreed on */
	s->flags &= m.flags | ~(NTLMSSP_NEGOTIATE_KEY_EXCH |
				NTLMSSP_NEGOTIATE_SIGN |
				NTLMSSP_NEGOTIATE_SEAL |
				NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
				NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56);
	status = ntlmssp_decode_names(mem_ctx, &m, &r);
	if (!NT_STATUS_IS_OK(status))
		goto fail;

	if (is_anonymous(&m)) {
		/* MS-NLMP 3.2.5.1.2: anonymous has an all-zero session key */
		r.anonymous = true;
	} else {
		status = ntlmssp_auth_user(s, in, in_len, &m, lookup, priv,
					   &r, exported);
		if (!NT_STATUS_IS_OK(status))
			goto fail;
	}
	memcpy(s->session_key, exported, 16);
	if (ntlmssp_derive_keys(s) != 0) {
		status = NT_STATUS_INTERNAL_ERROR;
		goto fail;
	}
	memcpy(r.session_key, exported, 16);
	memset(exported, 0, sizeof(exported));
	*res = r;
	s->state = NTLMSSP_DONE;
	return NT_STATUS_OK;
fail:
	/* the names stay for the caller's log; no key, no anonymous flag */
	memset(exported, 0, sizeof(exported));
	res->user = r.user;
	res->domain = r.domain;
	res->workstation = r.workstation;
	return status;
}

/* ---- signatures ---- */

/*
 * Encrypts buf with the direction's RC4 sealing handle, whose state runs
 * on across messages (MS-NLMP 3.4.4.2). The keystream is regenerated from
 * the key up to the bytes used so far, bounded by NTLMSSP_MAX_RC4_STREAM.
 */
static int seal_handle_apply(struct ntlmssp_direction *d, uint8_t *buf,
			     size_t len)
{
	uint8_t stream[NTLMSSP_MAX_RC4_STREAM];
	size_t total;
	int rc;

	if (d->rc4_used > sizeof(stream) || len > sizeof(stream) - d->rc4_used)
		return -ENOSPC;
	total = d->rc4_used + len;
	memset(stream, 0, total);
	rc = smb_rc4(d->seal_key, sizeof(d->seal_key), stream, total);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < len; i++)
		buf[i] ^= stream[d->rc4_used + i];
	d->rc4_used = total;
	memset(stream, 0, total);
	return 0;
}

/* MS-NLMP 3.4.4.2: signature with extended session security. */
static int ntlmssp_signature(const struct ntlmssp_server *s,
			     struct ntlmssp_direction *d, const uint8_t *data,
			     size_t len, uint32_t seq, uint8_t sig[16])
{
	uint8_t seq_le[4], mac[16];
	struct iovec iov[2] = {
		{ seq_le, sizeof(seq_le) },
		{ (void *)data, len },
	};
	int rc;

	if (s->state != NTLMSSP_DONE)
		return -EINVAL;
	/* the pre-ESS CRC32 signature is not supported */
	if (!(s->flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY))
		return -ENOTSUP;
	put_le32(seq_le, seq);
	rc = smb_hmac_md5(d->sign_key, 16, iov, 2, mac);
	if (rc == 0 && (s->flags & NTLMSSP_NEGOTIATE_KEY_EXCH))
		rc = seal_handle_apply(d, mac, 8);
	if (rc != 0)
		return rc;
	put_le32(sig, NTLMSSP_SIGNATURE_VERSION);
	memcpy(sig + 4, mac, 8);
	put_le32(sig + 12, seq);
	return 0;
}

int ntlmssp_server_sign(struct ntlmssp_server *s, const uint8_t *data,
			size_t len, uint32_t seq, uint8_t sig[16])
{
	return ntlmssp_signature(s, &s->server_to_client, data, len, seq, sig);
}

bool ntlmssp_server_check(struct ntlmssp_server *s, const uint8_t *data,
			  size_t len, uint32_t seq, const uint8_t sig[16])
{
	uint8_t expect[16];

	if (ntlmssp_signature(s, &s->client_to_server, data, len, seq,
			      expect) != 0)
		return false;
	return smb_ct_equal(expect, sig, sizeof(expect));
}
