/*
 * NTLMSSP server tests. The anchors are published vectors:
 * - MS-NLMP 4.2.1 / 4.2.4: user "User", domain "Domain", password
 *   "Password", server challenge 0123456789abcdef, NTProofStr
 *   68cd0ab8..., SessionBaseKey 8de40cca..., EncryptedRandomSessionKey
 *   c5dad254... for RandomSessionKey 55 * 16;
 * - MS-NLMP 4.2.4.4: signing/sealing of "Plaintext" with that key;
 * - an AUTHENTICATE with MIC (f7361633...) over the 4.2.4.3 CHALLENGE,
 *   published with Chromium's NTLM client tests (net/ntlm), built from the
 *   same 4.2.1 inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smb2/ntlmssp.h"
#include "smb2/ntlmssp_internal.h"
#include "smb2/smb2_crypto.h"
#include "smb2/spnego.h"
#include "smb2/wire.h"

#define NT_EQUAL(a, b) assert_int_equal(NT_STATUS_V(a), NT_STATUS_V(b))

/* MS-NLMP 4.2.4 values */
static const char spec_challenge_hex[] = "0123456789abcdef";
static const char spec_proof_hex[] = "68cd0ab851e51c96aabc927bebef6a1c";
static const char spec_base_key_hex[] = "8de40ccadbc14a82f15cb0ad0de95ca3";
static const char spec_enc_key_hex[] = "c5dad2544fc9799094ce1ce90bc9d03e";
static const char spec_nt_hash_hex[] = "a4f49c406510bdcab6824ee7c30fd852";
/* temp = blob: 0101 0000, reserved, timestamp 0, client challenge aa*8,
 * reserved, AV pairs (Domain, Server, EOL), 4 zero bytes */
static const char spec_blob_hex[] =
	"0101000000000000"
	"0000000000000000"
	"aaaaaaaaaaaaaaaa"
	"00000000"
	"02000c0044006f006d00610069006e00"
	"01000c00530065007200760065007200"
	"00000000"
	"00000000";

/* Chromium's V2 AUTHENTICATE with MIC (net/ntlm/ntlm_test_data.h) */
static const char cr_negotiate_hex[] = "4e544c4d5353500001000000078208000000"
				       "0000200000000000000020000000";
static const char cr_proof_hex[] = "8c0260dbef690662af9c42d50782d2ed";
static const char cr_blob_hex[] =
	"0101000000000000"
	"800bc8fd00d4d201"
	"aaaaaaaaaaaaaaaa"
	"00000000"
	"02000c0044006f006d00610069006e00"
	"01000c00530065007200760065007200"
	"0600040002000000"
	"0a0010006586e99d81c2fc984e47172fd4dd0310"
	"0900160048005400540050002f00530065007200760065007200"
	"00000000"
	"00000000";
static const char cr_mic_hex[] = "f7361633f0ad9bdf4a7c421bc6b824a3";
static const char cr_base_key_hex[] = "623dbd071be7a530b6a95c2eb4982470";

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_int_equal(strlen(hex) % 2, 0);
	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static size_t to_utf16(const char *ascii, uint8_t *out)
{
	size_t n = strlen(ascii);

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = (uint8_t)ascii[i];
		out[2 * i + 1] = 0;
	}
	return 2 * n;
}

/* ---- a minimal client ---- */

struct auth_fields {
	const uint8_t *lm;
	size_t lm_len;
	const uint8_t *nt;
	size_t nt_len;
	const char *domain, *user, *workstation; /* ASCII */
	const uint8_t *enc_key;
	size_t enc_key_len;
	uint32_t flags;
	bool with_mic; /* Version and MIC fields present (88-byte header) */
};

static void put_field(uint8_t *msg, size_t at, size_t *end, size_t header,
		      const uint8_t *data, size_t len)
{
	put_le16(msg + at, (uint16_t)len);
	put_le16(msg + at + 2, (uint16_t)len);
	put_le32(msg + at + 4, (uint32_t)(len ? *end : header));
	if (len)
		memcpy(msg + *end, data, len);
	*end += len;
}

/* AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3), payloads in field order. */
static uint8_t *build_auth(TALLOC_CTX *ctx, const struct auth_fields *f,
			   size_t *len)
{
	size_t header = f->with_mic ? 88 : 64, end = header;
	uint8_t dom[256], user[256], ws[256];
	size_t dom_len = to_utf16(f->domain ? f->domain : "", dom);
	size_t user_len = to_utf16(f->user ? f->user : "", user);
	size_t ws_len = to_utf16(f->workstation ? f->workstation : "", ws);
	uint8_t *m = talloc_zero_array(ctx, uint8_t,
				       header + f->lm_len + f->nt_len +
					       dom_len + user_len + ws_len +
					       f->enc_key_len);

	memcpy(m, "NTLMSSP", 8);
	put_le32(m + 8, NTLMSSP_MESSAGE_AUTHENTICATE);
	put_field(m, 12, &end, header, f->lm, f->lm_len);
	put_field(m, 20, &end, header, f->nt, f->nt_len);
	put_field(m, 28, &end, header, dom, dom_len);
	put_field(m, 36, &end, header, user, user_len);
	put_field(m, 44, &end, header, ws, ws_len);
	put_field(m, 52, &end, header, f->enc_key, f->enc_key_len);
	put_le32(m + 60, f->flags);
	*len = end;
	return m;
}

static void ref_hmac_md5(const uint8_t key[16], const void *a, size_t alen,
			 const void *b, size_t blen, uint8_t out[16])
{
	struct iovec iov[2] = { { (void *)a, alen }, { (void *)b, blen } };

	assert_int_equal(smb_hmac_md5(key, 16, iov, 2, out), 0);
}

/* MS-NLMP 3.3.2 as a client computes it. */
static size_t ref_ntlmv2(const char *password, const char *user,
			 const char *domain, const uint8_t challenge[8],
			 const uint8_t *blob, size_t blob_len, uint8_t *nt,
			 uint8_t base_key[16])
{
	uint8_t hash[16], ntowf[16], id[512], up[64];
	size_t n, i;

	assert_int_equal(smb_nt_hash(password, hash), 0);
	for (i = 0; user[i]; i++)
		up[i] = (uint8_t)(user[i] >= 'a' && user[i] <= 'z' ?
					  user[i] - 0x20 :
					  user[i]);
	up[i] = 0;
	n = to_utf16((char *)up, id);
	n += to_utf16(domain, id + n);
	ref_hmac_md5(hash, id, n, NULL, 0, ntowf);
	ref_hmac_md5(ntowf, challenge, 8, blob, blob_len, nt);
	memcpy(nt + 16, blob, blob_len);
	ref_hmac_md5(ntowf, nt, 16, NULL, 0, base_key);
	return 16 + blob_len;
}

/*
 * MS-NLMP 3.4.4.2 signature with ESS and KEY_EXCH from the client's or
 * the server's keys; skip = keystream bytes already used.
 */
static void ref_signature(const uint8_t session_key[16], bool client,
			  size_t skip, const uint8_t *data, size_t len,
			  uint32_t seq, uint8_t sig[16])
{
	const char *dir = client ? "client-to-server" : "server-to-client";
	char sign_magic[80], seal_magic[80];
	uint8_t buf[128], sign_key[16], seal_key[16], mac[16], seq_le[4];
	uint8_t stream[256] = { 0 };

	snprintf(sign_magic, sizeof(sign_magic),
		 "session key to %s signing key magic constant", dir);
	snprintf(seal_magic, sizeof(seal_magic),
		 "session key to %s sealing key magic constant", dir);
	memcpy(buf, session_key, 16);
	memcpy(buf + 16, sign_magic, strlen(sign_magic) + 1);
	assert_int_equal(smb_md5(buf, 16 + strlen(sign_magic) + 1, sign_key),
			 0);
	memcpy(buf + 16, seal_magic, strlen(seal_magic) + 1);
	assert_int_equal(smb_md5(buf, 16 + strlen(seal_magic) + 1, seal_key),
			 0);
	put_le32(seq_le, seq);
	ref_hmac_md5(sign_key, seq_le, 4, data, len, mac);
	assert_true(skip + 8 <= sizeof(stream));
	assert_int_equal(smb_rc4(seal_key, 16, stream, skip + 8), 0);
	put_le32(sig, 1);
	for (int i = 0; i < 8; i++)
		sig[4 + i] = mac[i] ^ stream[skip + i];
	put_le32(sig + 12, seq);
}

struct lookup_ctx {
	const char *user;
	const char *password;
	int calls;
	char last_user[64];
	char last_domain[64];
};

static bool test_lookup(void *priv, const char *user, const char *domain,
			uint8_t nt_hash[16])
{
	struct lookup_ctx *l = priv;

	l->calls++;
	snprintf(l->last_user, sizeof(l->last_user), "%s", user);
	snprintf(l->last_domain, sizeof(l->last_domain), "%s", domain);
	if (strcmp(user, l->user) != 0)
		return false;
	assert_int_equal(smb_nt_hash(l->password, nt_hash), 0);
	return true;
}

/* Windows 7's NEGOTIATE flags. */
#define CLIENT_FLAGS 0xe2088297u

static struct ntlmssp_server *spec_server(TALLOC_CTX *ctx, uint32_t flags)
{
	struct ntlmssp_server *s = ntlmssp_server_new(ctx, "server",
						      "server.example.com");
	uint8_t challenge[8], neg[40] = "NTLMSSP", *out;
	size_t out_len;

	assert_non_null(s);
	unhex(spec_challenge_hex, challenge, sizeof(challenge));
	ntlmssp_server_set_challenge_for_test(s, challenge);
	put_le32(neg + 8, NTLMSSP_MESSAGE_NEGOTIATE);
	put_le32(neg + 12, flags);
	NT_EQUAL(ntlmssp_server_negotiate(s, neg, sizeof(neg), ctx, &out,
					  &out_len),
		 NT_STATUS_OK);
	assert_memory_equal(out + 24, challenge, 8);
	return s;
}

/* The MS-NLMP 4.2.4 NtChallengeResponse, in nt (bytes returned). */
static size_t spec_nt_response(uint8_t *nt)
{
	size_t n = unhex(spec_proof_hex, nt, 16);

	return n + unhex(spec_blob_hex, nt + n, 256);
}

static void spec_fields(struct auth_fields *f, const uint8_t *nt,
			size_t nt_len)
{
	static const uint8_t lm[24];

	memset(f, 0, sizeof(*f));
	f->lm = lm;
	f->lm_len = sizeof(lm);
	f->nt = nt;
	f->nt_len = nt_len;
	f->domain = "Domain";
	f->user = "User";
	f->workstation = "COMPUTER";
	f->flags = CLIENT_FLAGS & ~NTLMSSP_NEGOTIATE_KEY_EXCH;
}

static int setup_crypto(void **state)
{
	(void)state;
	return smb_crypto_init() == 0 ? 0 : -1;
}

/* ---- tests ---- */

static void test_nt_hash_vector(void **state)
{
	uint8_t h[16], want[16];

	(void)state;
	unhex(spec_nt_hash_hex, want, sizeof(want));
	assert_int_equal(smb_nt_hash("Password", h), 0);
	assert_memory_equal(h, want, 16);
}

static void test_challenge_message(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_server *s = ntlmssp_server_new(ctx, "fileserv",
						      "fileserv.corp.example");
	uint8_t neg[32] = "NTLMSSP", *out, name[64];
	size_t out_len, off, end, name_len;
	uint16_t ti_len;
	uint32_t ti_off;
	unsigned int seen = 0;

	put_le32(neg + 8, NTLMSSP_MESSAGE_NEGOTIATE);
	put_le32(neg + 12, CLIENT_FLAGS);
	NT_EQUAL(ntlmssp_server_negotiate(s, neg, sizeof(neg), ctx, &out,
					  &out_len),
		 NT_STATUS_OK);
	assert_true(out_len > 56);
	assert_memory_equal(out, "NTLMSSP", 8);
	assert_int_equal(get_le32(out + 8), NTLMSSP_MESSAGE_CHALLENGE);
	/* what Windows servers answer to these flags */
	assert_int_equal(get_le32(out + 20), 0xe28a8215u);
	/* TargetName: NetBIOS name, upper case */
	name_len = to_utf16("FILESERV", name);
	assert_int_equal(get_le16(out + 12), name_len);
	off = get_le32(out + 16);
	assert_true(off + name_len <= out_len);
	assert_memory_equal(out + off, name, name_len);
	/* Version: 6.1.7600, revision 15 */
	assert_int_equal(out[48], 6);
	assert_int_equal(out[49], 1);
	assert_int_equal(get_le16(out + 50), 7600);
	assert_int_equal(out[55], 15);

	ti_len = get_le16(out + 40);
	ti_off = get_le32(out + 44);
	assert_true(ti_off + ti_len == out_len);
	off = ti_off;
	end = ti_off + ti_len;
	while (off + 4 <= end) {
		uint16_t id = get_le16(out + off);
		uint16_t len = get_le16(out + off + 2);

		off += 4;
		assert_true(off + len <= end);
		seen |= 1u << id;
		if (id == MSV_AV_NB_COMPUTER_NAME ||
		    id == MSV_AV_NB_DOMAIN_NAME) {
			assert_int_equal(len, name_len);
			assert_memory_equal(out + off, name, name_len);
		}
		if (id == MSV_AV_DNS_COMPUTER_NAME) {
			uint8_t dns[64];
			size_t n = to_utf16("fileserv.corp.example", dns);

			assert_int_equal(len, n);
			assert_memory_equal(out + off, dns, n);
		}
		if (id == MSV_AV_DNS_DOMAIN_NAME) {
			uint8_t dns[64];
			size_t n = to_utf16("corp.example", dns);

			assert_int_equal(len, n);
			assert_memory_equal(out + off, dns, n);
		}
		if (id == MSV_AV_TIMESTAMP) {
			/* after 2020-01-01 (NT time) */
			const uint64_t y2020 = 132223104000000000ull;

			assert_int_equal(len, 8);
			assert_true(get_le64(out + off) > y2020);
		}
		off += len;
		if (id == MSV_AV_EOL)
			break;
	}
	assert_int_equal(off, end);
	assert_int_equal(seen, (1u << MSV_AV_EOL) |
				       (1u << MSV_AV_NB_COMPUTER_NAME) |
				       (1u << MSV_AV_NB_DOMAIN_NAME) |
				       (1u << MSV_AV_DNS_COMPUTER_NAME) |
				       (1u << MSV_AV_DNS_DOMAIN_NAME) |
				       (1u << MSV_AV_TIMESTAMP));
	talloc_free(ctx);
}

static void test_challenge_is_random(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_server *a = ntlmssp_server_new(ctx, "srv", NULL);
	struct ntlmssp_server *b = ntlmssp_server_new(ctx, "srv", NULL);
	uint8_t neg[16] = "NTLMSSP", *ca, *cb;
	size_t la, lb;

	put_le32(neg + 8, NTLMSSP_MESSAGE_NEGOTIATE);
	put_le32(neg + 12, NTLMSSP_NEGOTIATE_UNICODE);
	NT_EQUAL(ntlmssp_server_negotiate(a, neg, 16, ctx, &ca, &la),
		 NT_STATUS_OK);
	NT_EQUAL(ntlmssp_server_negotiate(b, neg, 16, ctx, &cb, &lb),
		 NT_STATUS_OK);
	assert_memory_not_equal(ca + 24, cb + 24, 8);
	/* nothing requested beyond Unicode: no target name, no signing */
	assert_int_equal(get_le32(ca + 20),
			 NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_NTLM |
				 NTLMSSP_NEGOTIATE_TARGET_INFO |
				 NTLMSSP_NEGOTIATE_VERSION);
	assert_int_equal(get_le16(ca + 12), 0);
	talloc_free(ctx);
}

static void test_negotiate_malformed(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_server *s = ntlmssp_server_new(ctx, "srv", NULL);
	uint8_t neg[16] = "NTLMSSP", *out;
	size_t out_len;
	struct ntlmssp_auth_result res;

	put_le32(neg + 8, NTLMSSP_MESSAGE_NEGOTIATE);
	put_le32(neg + 12, CLIENT_FLAGS);
	/* authenticate before negotiate */
	NT_EQUAL(ntlmssp_server_authenticate(s, neg, 16, test_lookup, NULL,
					     ctx, &res),
		 NT_STATUS_INVALID_PARAMETER);
	for (size_t len = 0; len < 16; len++) {
		uint8_t *copy = talloc_memdup(ctx, neg, len ? len : 1);

		NT_EQUAL(ntlmssp_server_negotiate(s, copy, len, ctx, &out,
						  &out_len),
			 NT_STATUS_INVALID_PARAMETER);
	}
	neg[3] = 'X';
	NT_EQUAL(ntlmssp_server_negotiate(s, neg, 16, ctx, &out, &out_len),
		 NT_STATUS_INVALID_PARAMETER);
	neg[3] = 'M';
	put_le32(neg + 8, NTLMSSP_MESSAGE_AUTHENTICATE);
	NT_EQUAL(ntlmssp_server_negotiate(s, neg, 16, ctx, &out, &out_len),
		 NT_STATUS_INVALID_PARAMETER);
	put_le32(neg + 8, NTLMSSP_MESSAGE_NEGOTIATE);
	put_le32(neg + 12, NTLMSSP_NEGOTIATE_OEM); /* OEM only */
	NT_EQUAL(ntlmssp_server_negotiate(s, neg, 16, ctx, &out, &out_len),
		 NT_STATUS_INVALID_PARAMETER);
	put_le32(neg + 12, CLIENT_FLAGS);
	NT_EQUAL(ntlmssp_server_negotiate(s, neg, 16, ctx, &out, &out_len),
		 NT_STATUS_OK);
	/* a second NEGOTIATE on the same context */
	NT_EQUAL(ntlmssp_server_negotiate(s, neg, 16, ctx, &out, &out_len),
		 NT_STATUS_INVALID_PARAMETER);
	assert_null(ntlmssp_server_new(ctx, "", NULL));
	assert_null(ntlmssp_server_new(ctx, "bad\xff", NULL));
	talloc_free(ctx);
}

static void test_spec_login(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_server *s = spec_server(ctx, CLIENT_FLAGS);
	struct lookup_ctx l = { "User", "Password" };
	struct auth_fields f;
	struct ntlmssp_auth_result res;
	uint8_t nt[256], want[16], *msg;
	size_t nt_len = spec_nt_response(nt), len;

	spec_fields(&f, nt, nt_len);
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_OK);
	assert_int_equal(l.calls, 1);
	assert_string_equal(l.last_user, "User");
	assert_string_equal(l.last_domain, "Domain");
	assert_string_equal(res.user, "User");
	assert_string_equal(res.domain, "Domain");
	assert_string_equal(res.workstation, "COMPUTER");
	assert_false(res.anonymous);
	/* no key exchange: ExportedSessionKey = SessionBaseKey */
	unhex(spec_base_key_hex, want, sizeof(want));
	assert_memory_equal(res.session_key, want, 16);
	/* one AUTHENTICATE per challenge */
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_INVALID_PARAMETER);
	talloc_free(ctx);
}

static void test_spec_key_exchange(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_server *s = spec_server(ctx, CLIENT_FLAGS);
	struct lookup_ctx l = { "User", "Password" };
	struct auth_fields f;
	struct ntlmssp_auth_result res;
	uint8_t nt[256], enc[16], *msg;
	uint8_t random_key[16];
	size_t nt_len = spec_nt_response(nt), len;

	spec_fields(&f, nt, nt_len);
	unhex(spec_enc_key_hex, enc, sizeof(enc));
	f.enc_key = enc;
	f.enc_key_len = 16;
	f.flags = CLIENT_FLAGS;
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_OK);
	memset(random_key, 0x55, sizeof(random_key));
	assert_memory_equal(res.session_key, random_key, 16);
	talloc_free(ctx);
}

/* The published KEY_EXCH result must also drive the signing keys. */
static void test_spec_signature(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_server *s = spec_server(ctx, CLIENT_FLAGS);
	struct lookup_ctx l = { "User", "Password" };
	struct auth_fields f;
	struct ntlmssp_auth_result res;
	uint8_t nt[256], enc[16], *msg, plain[18], sig[16], want[16];
	uint8_t session_key[16], stream[18] = { 0 }, seal_key[16], buf[96];
	static const char seal_magic[] =
		"session key to client-to-server sealing key magic constant";
	size_t nt_len = spec_nt_response(nt), len;

	spec_fields(&f, nt, nt_len);
	unhex(spec_enc_key_hex, enc, sizeof(enc));
	f.enc_key = enc;
	f.enc_key_len = 16;
	f.flags = CLIENT_FLAGS;
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_OK);

	/* MS-NLMP 4.2.4.4: the reference helper reproduces the spec */
	memset(session_key, 0x55, 16);
	to_utf16("Plaintext", plain);
	memcpy(buf, session_key, 16);
	memcpy(buf + 16, seal_magic, sizeof(seal_magic));
	assert_int_equal(smb_md5(buf, 16 + sizeof(seal_magic), seal_key), 0);
	unhex("59f600973cc4960a25480a7c196e4c58", want, 16);
	assert_memory_equal(seal_key, want, 16);
	assert_int_equal(smb_rc4(seal_key, 16, stream, sizeof(stream)), 0);
	for (size_t i = 0; i < sizeof(stream); i++)
		stream[i] ^= plain[i];
	unhex("54e50165bf1936dc996020c1811b0f06fb5f", buf, sizeof(buf));
	assert_memory_equal(stream, buf, 18);
	ref_signature(session_key, true, 18, plain, 18, 0, sig);
	unhex("010000007fb38ec5c55d497600000000", want, 16);
	assert_memory_equal(sig, want, 16);

	/* the server accepts the spec's client signature after the seal */
	ntlmssp_server_skip_keystream_for_test(s, true, 18);
	assert_true(ntlmssp_server_check(s, plain, 18, 0, want));
	/* the RC4 handle moved on: replaying the same signature fails */
	assert_false(ntlmssp_server_check(s, plain, 18, 0, want));

	/* server -> client: first message of its direction */
	assert_int_equal(ntlmssp_server_sign(s, plain, 18, 0, sig), 0);
	ref_signature(session_key, false, 0, plain, 18, 0, want);
	assert_memory_equal(sig, want, 16);
	assert_int_equal(ntlmssp_server_sign(s, plain, 18, 1, sig), 0);
	ref_signature(session_key, false, 8, plain, 18, 1, want);
	assert_memory_equal(sig, want, 16);
	talloc_free(ctx);
}

static void test_wrong_password(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_server *s = spec_server(ctx, CLIENT_FLAGS);
	struct lookup_ctx l = { "User", "password" }; /* case matters */
	struct auth_fields f;
	struct ntlmssp_auth_result res;
	uint8_t nt[256], sig[16], *msg;
	size_t nt_len = spec_nt_response(nt), len;

	spec_fields(&f, nt, nt_len);
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_LOGON_FAILURE);
	/* the name is kept for logging, the key is not handed out */
	assert_string_equal(res.user, "User");
	assert_false(res.anonymous);
	for (int i = 0; i < 16; i++)
		assert_int_equal(res.session_key[i], 0);
	/* no keys after a failure */
	assert_int_not_equal(ntlmssp_server_sign(s, msg, len, 0, sig), 0);
	assert_false(ntlmssp_server_check(s, msg, len, 0, sig));
	talloc_free(ctx);
}

static void test_unknown_user(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_server *s = spec_server(ctx, CLIENT_FLAGS);
	struct lookup_ctx l = { "Someone", "Password" };
	struct auth_fields f;
	struct ntlmssp_auth_result res;
	uint8_t nt[256], *msg;
	size_t nt_len = spec_nt_response(nt), len;

	spec_fields(&f, nt, nt_len);
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_LOGON_FAILURE);
	assert_int_equal(l.calls, 1);
	talloc_free(ctx);
}

/* NTLMv1 (MS-NLMP 4.2.2.1.3) and LM-only responses are refused. */
static void test_ntlmv1_rejected(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct lookup_ctx l = { "User", "Password" };
	struct auth_fields f;
	struct ntlmssp_auth_result res;
	uint8_t nt[24], *msg;
	size_t len;
	struct ntlmssp_server *s = spec_server(ctx, CLIENT_FLAGS);

	unhex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94", nt,
	      sizeof(nt));
	spec_fields(&f, nt, sizeof(nt));
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_LOGON_FAILURE);
	assert_int_equal(l.calls, 0);

	s = spec_server(ctx, CLIENT_FLAGS);
	spec_fields(&f, NULL, 0); /* LM only */
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_LOGON_FAILURE);
	talloc_free(ctx);
}

/* A proof computed without the domain is accepted (third try). */
static void test_domain_fallback(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct lookup_ctx l = { "User", "Password" };
	struct auth_fields f;
	struct ntlmssp_auth_result res;
	uint8_t nt[256], blob[256], challenge[8], base[16], *msg;
	size_t blob_len = unhex(spec_blob_hex, blob, sizeof(blob));
	size_t nt_len, len;
	struct ntlmssp_server *s;

	unhex(spec_challenge_hex, challenge, 8);
	/* hashed with "DOMAIN", sent as "Domain" */
	nt_len = ref_ntlmv2("Password", "User", "DOMAIN", challenge, blob,
			    blob_len, nt, base);
	s = spec_server(ctx, CLIENT_FLAGS);
	spec_fields(&f, nt, nt_len);
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_OK);
	assert_memory_equal(res.session_key, base, 16);

	nt_len = ref_ntlmv2("Password", "User", "", challenge, blob, blob_len,
			    nt, base);
	s = spec_server(ctx, CLIENT_FLAGS);
	spec_fields(&f, nt, nt_len);
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_OK);
	assert_memory_equal(res.session_key, base, 16);

	/* a different domain is not among the candidates */
	nt_len = ref_ntlmv2("Password", "User", "Other", challenge, blob,
			    blob_len, nt, base);
	s = spec_server(ctx, CLIENT_FLAGS);
	spec_fields(&f, nt, nt_len);
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_LOGON_FAILURE);
	talloc_free(ctx);
}

/* MS-NLMP 4.2.4.3 CHALLENGE_MESSAGE (target name "Server"). */
static const char spec_challenge_msg_hex[] =
	"4e544c4d53535000020000000c000c003800000033828ae2"
	"0123456789abcdef0000000000000000"
	"2400240044000000060070170000000f"
	"530065007200760065007200"
	"02000c0044006f006d00610069006e00"
	"01000c00530065007200760065007200"
	"00000000";

static struct ntlmssp_server *mic_server(TALLOC_CTX *ctx, bool bad_transcript)
{
	struct ntlmssp_server *s = ntlmssp_server_new(ctx, "Server", NULL);
	uint8_t neg[64], chal[128];
	size_t neg_len = unhex(cr_negotiate_hex, neg, sizeof(neg));
	size_t chal_len = unhex(spec_challenge_msg_hex, chal, sizeof(chal));

	assert_int_equal(chal_len, 104);
	if (bad_transcript)
		neg[12] ^= 0x01;
	assert_int_equal(ntlmssp_server_set_transcript_for_test(
				 s, neg, neg_len, chal, chal_len),
			 0);
	return s;
}

static uint8_t *mic_message(TALLOC_CTX *ctx, uint8_t *nt, size_t *len)
{
	struct auth_fields f;
	size_t nt_len = unhex(cr_proof_hex, nt, 16);
	uint8_t *msg;

	nt_len += unhex(cr_blob_hex, nt + nt_len, 256);
	assert_int_equal(nt_len, 138);
	spec_fields(&f, nt, nt_len);
	f.flags = 0x00088203;
	f.with_mic = true;
	msg = build_auth(ctx, &f, len);
	assert_int_equal(*len, 286);
	unhex(cr_mic_hex, msg + NTLMSSP_AUTH_MIC_OFFSET, NTLMSSP_MIC_SIZE);
	return msg;
}

static void test_mic(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct lookup_ctx l = { "User", "Password" };
	struct ntlmssp_auth_result res;
	uint8_t nt[256], want[16], *msg;
	size_t len;

	msg = mic_message(ctx, nt, &len);
	NT_EQUAL(ntlmssp_server_authenticate(mic_server(ctx, false), msg, len,
					     test_lookup, &l, ctx, &res),
		 NT_STATUS_OK);
	unhex(cr_base_key_hex, want, sizeof(want));
	assert_memory_equal(res.session_key, want, 16);

	/* a flipped MIC bit */
	msg[NTLMSSP_AUTH_MIC_OFFSET + 5] ^= 0x20;
	NT_EQUAL(ntlmssp_server_authenticate(mic_server(ctx, false), msg, len,
					     test_lookup, &l, ctx, &res),
		 NT_STATUS_LOGON_FAILURE);
	msg[NTLMSSP_AUTH_MIC_OFFSET + 5] ^= 0x20;

	/* a NEGOTIATE tampered with on the way */
	NT_EQUAL(ntlmssp_server_authenticate(mic_server(ctx, true), msg, len,
					     test_lookup, &l, ctx, &res),
		 NT_STATUS_LOGON_FAILURE);

	/* a changed workstation name (outside the NTLMv2 proof) */
	msg[len - 1] ^= 0x01;
	NT_EQUAL(ntlmssp_server_authenticate(mic_server(ctx, false), msg, len,
					     test_lookup, &l, ctx, &res),
		 NT_STATUS_LOGON_FAILURE);
	talloc_free(ctx);
}

/* MsvAvFlags announces a MIC but the message has no room for one. */
static void test_mic_missing(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct lookup_ctx l = { "User", "Password" };
	struct ntlmssp_auth_result res;
	struct auth_fields f;
	uint8_t nt[256], *msg;
	size_t len, nt_len = unhex(cr_proof_hex, nt, 16);

	nt_len += unhex(cr_blob_hex, nt + nt_len, 256);
	spec_fields(&f, nt, nt_len);
	f.flags = 0x00088203;
	msg = build_auth(ctx, &f, &len); /* 64-byte header */
	NT_EQUAL(ntlmssp_server_authenticate(mic_server(ctx, false), msg, len,
					     test_lookup, &l, ctx, &res),
		 NT_STATUS_LOGON_FAILURE);
	talloc_free(ctx);
}

static void test_anonymous(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct lookup_ctx l = { "User", "Password" };
	struct ntlmssp_auth_result res;
	struct auth_fields f = { 0 };
	static const uint8_t zero[16], lm_zero[1], lm_junk[24] = { 1 };
	uint8_t sig[16], *msg;
	size_t len;
	struct ntlmssp_server *s = spec_server(ctx, CLIENT_FLAGS);

	f.lm = lm_zero;
	f.lm_len = 1;
	f.flags = CLIENT_FLAGS;
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_OK);
	assert_true(res.anonymous);
	assert_string_equal(res.user, "");
	assert_memory_equal(res.session_key, zero, 16);
	assert_int_equal(l.calls, 0);
	assert_int_equal(ntlmssp_server_sign(s, msg, len, 0, sig), 0);

	/* empty LM response too */
	s = spec_server(ctx, CLIENT_FLAGS);
	f.lm_len = 0;
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_OK);
	assert_true(res.anonymous);

	/* no user but an LM response: not anonymous, and not valid */
	s = spec_server(ctx, CLIENT_FLAGS);
	f.lm = lm_junk;
	f.lm_len = sizeof(lm_junk);
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(ntlmssp_server_authenticate(s, msg, len, test_lookup, &l, ctx,
					     &res),
		 NT_STATUS_LOGON_FAILURE);
	assert_int_equal(l.calls, 0);
	talloc_free(ctx);
}

static NTSTATUS auth_spec_copy(TALLOC_CTX *ctx, const uint8_t *msg, size_t len)
{
	struct lookup_ctx l = { "User", "Password" };
	struct ntlmssp_auth_result res;
	/* exact-size copy so that any over-read shows under ASan */
	uint8_t *copy = talloc_memdup(ctx, msg, len ? len : 1);
	struct ntlmssp_server *s = spec_server(ctx, CLIENT_FLAGS);
	NTSTATUS st = ntlmssp_server_authenticate(s, copy, len, test_lookup,
						  &l, ctx, &res);

	talloc_free(copy);
	return st;
}

static void test_malformed(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct auth_fields f;
	uint8_t nt[256], enc[16] = { 0 }, *msg;
	size_t nt_len = spec_nt_response(nt), len;

	spec_fields(&f, nt, nt_len);
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(auth_spec_copy(ctx, msg, len), NT_STATUS_OK);

	/* every truncation: the last payload no longer fits */
	for (size_t n = 0; n < len; n++)
		NT_EQUAL(auth_spec_copy(ctx, msg, n),
			 NT_STATUS_INVALID_PARAMETER);

	/* NT response offset far beyond the message, and wrapping */
	put_le32(msg + 24, 0xffffffffu);
	NT_EQUAL(auth_spec_copy(ctx, msg, len), NT_STATUS_INVALID_PARAMETER);
	put_le32(msg + 24, 0xfffffff0u);
	NT_EQUAL(auth_spec_copy(ctx, msg, len), NT_STATUS_INVALID_PARAMETER);
	put_le32(msg + 24, (uint32_t)(len - nt_len + 1));
	NT_EQUAL(auth_spec_copy(ctx, msg, len), NT_STATUS_INVALID_PARAMETER);
	msg = build_auth(ctx, &f, &len);
	/* length beyond the end */
	put_le16(msg + 20, 0xffff);
	NT_EQUAL(auth_spec_copy(ctx, msg, len), NT_STATUS_INVALID_PARAMETER);
	msg = build_auth(ctx, &f, &len);
	/* user name overlapping the fixed header */
	put_le32(msg + 40, 8);
	NT_EQUAL(auth_spec_copy(ctx, msg, len), NT_STATUS_INVALID_PARAMETER);
	msg = build_auth(ctx, &f, &len);
	/* odd-length user name */
	put_le16(msg + 36, 7);
	NT_EQUAL(auth_spec_copy(ctx, msg, len), NT_STATUS_INVALID_PARAMETER);
	msg = build_auth(ctx, &f, &len);
	/* unpaired high surrogate in the user name, and an embedded NUL */
	put_le16(msg + get_le32(msg + 40) + 2, 0xd800);
	NT_EQUAL(auth_spec_copy(ctx, msg, len), NT_STATUS_INVALID_PARAMETER);
	put_le16(msg + get_le32(msg + 40) + 2, 0x0000);
	NT_EQUAL(auth_spec_copy(ctx, msg, len), NT_STATUS_INVALID_PARAMETER);
	msg = build_auth(ctx, &f, &len);
	put_le32(msg + 8, NTLMSSP_MESSAGE_CHALLENGE);
	NT_EQUAL(auth_spec_copy(ctx, msg, len), NT_STATUS_INVALID_PARAMETER);
	msg = build_auth(ctx, &f, &len);
	msg[0] = 'X';
	NT_EQUAL(auth_spec_copy(ctx, msg, len), NT_STATUS_INVALID_PARAMETER);

	/* a session key that is not 16 bytes under KEY_EXCH */
	f.enc_key = enc;
	f.enc_key_len = 8;
	f.flags = CLIENT_FLAGS;
	msg = build_auth(ctx, &f, &len);
	NT_EQUAL(auth_spec_copy(ctx, msg, len), NT_STATUS_INVALID_PARAMETER);
	talloc_free(ctx);
}

/* Random corruption of a valid message must never crash or over-read. */
static void test_mutations(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct auth_fields f;
	uint8_t nt[256], *msg, *copy;
	size_t nt_len = spec_nt_response(nt), len;
	uint32_t rng = 12345;
	int accepted = 0;

	spec_fields(&f, nt, nt_len);
	msg = build_auth(ctx, &f, &len);
	copy = talloc_array(ctx, uint8_t, len);
	for (int iter = 0; iter < 3000; iter++) {
		TALLOC_CTX *it = talloc_new(ctx);
		NTSTATUS st;

		memcpy(copy, msg, len);
		for (int k = 0; k < 1 + iter % 4; k++) {
			rng = rng * 1103515245u + 12345u;
			/* mostly the header, where the fields live */
			size_t at = (rng >> 8) % (iter % 2 ? 64 : len);

			copy[at] ^= (uint8_t)(1u << ((rng >> 24) % 8));
		}
		st = auth_spec_copy(it, copy, len);
		if (NT_STATUS_IS_OK(st))
			accepted++;
		talloc_free(it);
	}
	/* flips in the LM response, workstation or flags keep it valid */
	assert_true(accepted < 3000);
	talloc_free(ctx);
}

/* ---- SESSION_SETUP as the server runs it: SPNEGO around NTLMSSP ---- */

static size_t der_tlv(uint8_t *out, uint8_t tag, const uint8_t *content,
		      size_t len)
{
	size_t h = 0;

	out[h++] = tag;
	if (len < 0x80) {
		out[h++] = (uint8_t)len;
	} else {
		out[h++] = 0x82;
		out[h++] = (uint8_t)(len >> 8);
		out[h++] = (uint8_t)len;
	}
	memmove(out + h, content, len);
	return h + len;
}

static size_t client_init_token(const uint8_t *neg, size_t neg_len,
				uint8_t *out)
{
	static const uint8_t spnego_oid[] = { 0x06, 0x06, 0x2b, 0x06,
					      0x01, 0x05, 0x05, 0x02 };
	static const uint8_t mech_types[] = { 0xa0, 0x0e, 0x30, 0x0c, 0x06,
					      0x0a, 0x2b, 0x06, 0x01, 0x04,
					      0x01, 0x82, 0x37, 0x02, 0x02,
					      0x0a };
	uint8_t a[1024], b[1024];
	size_t n;

	n = der_tlv(a, 0x04, neg, neg_len);
	n = der_tlv(b, 0xa2, a, n);
	memcpy(a, mech_types, sizeof(mech_types));
	memcpy(a + sizeof(mech_types), b, n);
	n = der_tlv(b, 0x30, a, sizeof(mech_types) + n);
	n = der_tlv(a, 0xa0, b, n);
	memcpy(b, spnego_oid, sizeof(spnego_oid));
	memcpy(b + sizeof(spnego_oid), a, n);
	return der_tlv(out, 0x60, b, sizeof(spnego_oid) + n);
}

static size_t client_resp_token(const uint8_t *auth, size_t auth_len,
				const uint8_t mic[16], uint8_t *out)
{
	uint8_t a[2048], b[2048], c[64];
	size_t n, m;

	n = der_tlv(a, 0x04, auth, auth_len);
	n = der_tlv(b, 0xa2, a, n);
	m = der_tlv(c, 0x04, mic, 16);
	n += der_tlv(b + n, 0xa3, c, m);
	n = der_tlv(a, 0x30, b, n);
	return der_tlv(out, 0xa1, a, n);
}

/* NTLMv2 blob for the server's target info, with MsvAvFlags = MIC. */
static size_t client_blob(const uint8_t *chal, size_t chal_len, uint8_t *blob)
{
	size_t ti_len = get_le16(chal + 40), ti_off = get_le32(chal + 44);
	size_t n = 0, off = ti_off;
	uint64_t ts = 0;

	assert_true(ti_off + ti_len <= chal_len);
	memset(blob, 0, 28);
	blob[0] = blob[1] = 1;
	memset(blob + 16, 0xcc, 8); /* client challenge */
	n = 28;
	while (off + 4 <= ti_off + ti_len) {
		uint16_t id = get_le16(chal + off);
		uint16_t len = get_le16(chal + off + 2);

		if (id == MSV_AV_EOL)
			break;
		if (id == MSV_AV_TIMESTAMP)
			ts = get_le64(chal + off + 4);
		memcpy(blob + n, chal + off, 4 + len);
		n += 4 + len;
		off += 4 + len;
	}
	put_le64(blob + 8, ts);
	put_le16(blob + n, MSV_AV_FLAGS);
	put_le16(blob + n + 2, 4);
	put_le32(blob + n + 4, MSV_AV_FLAG_MIC_PRESENT);
	n += 8;
	memset(blob + n, 0, 8); /* EOL and the trailing reserved zeros */
	return n + 8;
}

static void test_session_setup_flow(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_server *s = ntlmssp_server_new(ctx, "usmbd", NULL);
	struct lookup_ctx l = { "alice", "secret" };
	struct spnego_client_token tok, back;
	struct ntlmssp_auth_result res;
	struct auth_fields f;
	uint8_t neg[40] = "NTLMSSP", token[512], token2[2048];
	uint8_t *chal, *rsp, *auth;
	uint8_t blob[512], nt[600], base[16], key[16], enc[16], mic[16];
	uint8_t sig[16], want[16];
	size_t chal_len, rsp_len, n, blob_len, nt_len, auth_len;
	struct iovec iov[3];

	/* leg 1 */
	put_le32(neg + 8, NTLMSSP_MESSAGE_NEGOTIATE);
	put_le32(neg + 12, CLIENT_FLAGS);
	n = client_init_token(neg, sizeof(neg), token);
	assert_int_equal(spnego_parse_client(token, n, &tok), 0);
	assert_true(tok.is_init && tok.ntlmssp_preferred);
	assert_int_equal(tok.mech_token_len, sizeof(neg));
	NT_EQUAL(ntlmssp_server_negotiate(s, tok.mech_token, tok.mech_token_len,
					  ctx, &chal, &chal_len),
		 NT_STATUS_OK);
	assert_int_equal(spnego_server_response(ctx, SPNEGO_ACCEPT_INCOMPLETE,
						true, chal, chal_len, NULL, 0,
						&rsp, &rsp_len),
			 0);
	assert_int_equal(spnego_parse_client(rsp, rsp_len, &back), 0);
	assert_int_equal(back.mech_token_len, chal_len);
	assert_memory_equal(back.mech_token, chal, chal_len);

	/* the client's AUTHENTICATE with key exchange and MIC */
	blob_len = client_blob(chal, chal_len, blob);
	nt_len = ref_ntlmv2("secret", "alice", "WORKGROUP", chal + 24, blob,
			    blob_len, nt, base);
	memset(key, 0x3c, sizeof(key));
	memcpy(enc, key, 16);
	assert_int_equal(smb_rc4(base, 16, enc, 16), 0);
	spec_fields(&f, nt, nt_len);
	f.user = "alice";
	f.domain = "WORKGROUP";
	f.enc_key = enc;
	f.enc_key_len = 16;
	f.flags = CLIENT_FLAGS;
	f.with_mic = true;
	auth = build_auth(ctx, &f, &auth_len);
	iov[0] = (struct iovec){ neg, sizeof(neg) };
	iov[1] = (struct iovec){ chal, chal_len };
	iov[2] = (struct iovec){ auth, auth_len };
	assert_int_equal(smb_hmac_md5(key, 16, iov, 3, mic), 0);
	memcpy(auth + NTLMSSP_AUTH_MIC_OFFSET, mic, 16);

	/* leg 2, with the client's mechListMIC over its mechTypes */
	ref_signature(key, true, 0, tok.mech_types, tok.mech_types_len, 0,
		      sig);
	n = client_resp_token(auth, auth_len, sig, token2);
	assert_int_equal(spnego_parse_client(token2, n, &back), 0);
	assert_false(back.is_init);
	assert_int_equal(back.mech_token_len, auth_len);
	assert_int_equal(back.mech_list_mic_len, 16);
	NT_EQUAL(ntlmssp_server_authenticate(s, back.mech_token,
					     back.mech_token_len, test_lookup,
					     &l, ctx, &res),
		 NT_STATUS_OK);
	assert_memory_equal(res.session_key, key, 16);
	assert_string_equal(res.domain, "WORKGROUP");
	assert_true(ntlmssp_server_check(s, tok.mech_types, tok.mech_types_len,
					 0, back.mech_list_mic));
	assert_int_equal(ntlmssp_server_sign(s, tok.mech_types,
					     tok.mech_types_len, 0, sig),
			 0);
	ref_signature(key, false, 0, tok.mech_types, tok.mech_types_len, 0,
		      want);
	assert_memory_equal(sig, want, 16);
	assert_int_equal(spnego_server_response(ctx, SPNEGO_ACCEPT_COMPLETED,
						false, NULL, 0, sig, 16, &rsp,
						&rsp_len),
			 0);
	assert_int_equal(spnego_parse_client(rsp, rsp_len, &back), 0);
	assert_null(back.mech_token);
	assert_memory_equal(back.mech_list_mic, want, 16);
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nt_hash_vector),
		cmocka_unit_test(test_challenge_message),
		cmocka_unit_test(test_challenge_is_random),
		cmocka_unit_test(test_negotiate_malformed),
		cmocka_unit_test(test_spec_login),
		cmocka_unit_test(test_spec_key_exchange),
		cmocka_unit_test(test_spec_signature),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_ntlmv1_rejected),
		cmocka_unit_test(test_domain_fallback),
		cmocka_unit_test(test_mic),
		cmocka_unit_test(test_mic_missing),
		cmocka_unit_test(test_anonymous),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_session_setup_flow),
	};

	return cmocka_run_group_tests(tests, setup_crypto, NULL);
}
