/*
 * The benchmark client's NTLMSSP and SPNEGO (bench/client_ntlmssp.c,
 * bench/client_spnego.c): the MS-NLMP 4.2.4 NTLMv2 vectors, and the
 * server's own ntlmssp.c and spnego.c accepting what the client sends.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bench/client_ntlmssp.h"
#include "bench/client_spnego.h"
#include "smb2/ntlmssp.h"
#include "smb2/ntlmssp_internal.h"
#include "smb2/smb2_crypto.h"
#include "smb2/spnego.h"
#include "smb2/wire.h"

#define NT_EQUAL(a, b) assert_int_equal(NT_STATUS_V(a), NT_STATUS_V(b))

static const char spec_proof_hex[] = "68cd0ab851e51c96aabc927bebef6a1c";
static const char spec_lmv2_hex[] =
	"86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa";
static const char spec_enc_key_hex[] = "c5dad2544fc9799094ce1ce90bc9d03e";
static const char spec_blob_hex[] = "0101000000000000"
				    "0000000000000000"
				    "aaaaaaaaaaaaaaaa"
				    "00000000"
				    "02000c0044006f006d00610069006e00"
				    "01000c00530065007200760065007200"
				    "00000000"
				    "00000000";

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

static size_t utf16(const char *s, uint8_t *out)
{
	size_t n = 0;

	for (; *s; s++) {
		out[n++] = (uint8_t)*s;
		out[n++] = 0;
	}
	return n;
}

/*
 * MS-NLMP 4.2.4.3 CHALLENGE_MESSAGE, assembled from its parts so each is
 * visible: TargetName "Server", flags 0xe28a8233, challenge 0123..ef,
 * Version 6.0.6000/15, TargetInfo { NbDomainName "Domain", NbComputerName
 * "Server", EOL }.
 */
static size_t spec_challenge(uint8_t *m)
{
	size_t name_len, off = 56;

	memset(m, 0, 256);
	memcpy(m, "NTLMSSP", 8);
	put_le32(m + 8, NTLMSSP_MESSAGE_CHALLENGE);
	put_le32(m + 20, 0xe28a8233u);
	unhex("0123456789abcdef", m + 24, 8);
	m[48] = 6;
	put_le16(m + 50, 6000);
	m[55] = 15;
	name_len = utf16("Server", m + off);
	put_le16(m + 12, (uint16_t)name_len);
	put_le16(m + 14, (uint16_t)name_len);
	put_le32(m + 16, (uint32_t)off);
	off += name_len;
	put_le32(m + 44, (uint32_t)off);
	put_le16(m + off, MSV_AV_NB_DOMAIN_NAME);
	put_le16(m + off + 2, 12);
	utf16("Domain", m + off + 4);
	put_le16(m + off + 16, MSV_AV_NB_COMPUTER_NAME);
	put_le16(m + off + 18, 12);
	utf16("Server", m + off + 20);
	put_le32(m + off + 32, 0); /* EOL */
	put_le16(m + 40, 36);
	put_le16(m + 42, 36);
	return off + 36;
}

static struct wire_slice auth_field(const uint8_t *m, size_t len,
				    size_t field)
{
	struct wire_slice all = { m, len }, out = { NULL, 0 };

	assert_true(wire_slice_at(&all, get_le32(m + field + 4),
				  get_le16(m + field), &out));
	return out;
}

static bool lookup_password(void *priv, const char *user, const char *domain,
			    uint8_t nt_hash[16])
{
	(void)domain;
	if (strcmp(user, "User") != 0)
		return false;
	return smb_nt_hash(priv, nt_hash) == 0;
}

static int setup_crypto(void **state)
{
	(void)state;
	return smb_crypto_init() == 0 ? 0 : -1;
}

static struct ntlmssp_client *spec_client(TALLOC_CTX *ctx)
{
	uint8_t cc[8], key[16];
	struct ntlmssp_client *c = ntlmssp_client_new(ctx, "User", "Domain",
						      "Password", "COMPUTER");

	assert_non_null(c);
	memset(cc, 0xaa, sizeof(cc));
	memset(key, 0x55, sizeof(key));
	ntlmssp_client_fix_for_test(c, cc, key, 0);
	return c;
}

static void test_spec_vectors(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_client *c = spec_client(ctx);
	uint8_t chal[256], want[256], *neg, *auth;
	size_t chal_len = spec_challenge(chal), neg_len, auth_len, n;
	struct wire_slice nt, lm, key;

	(void)state;
	assert_int_equal(ntlmssp_client_negotiate(c, ctx, &neg, &neg_len), 0);
	assert_int_equal(ntlmssp_client_authenticate(c, chal, chal_len, ctx,
						     &auth, &auth_len),
			 0);
	nt = auth_field(auth, auth_len, 20);
	n = unhex(spec_proof_hex, want, sizeof(want));
	n += unhex(spec_blob_hex, want + n, sizeof(want) - n);
	assert_int_equal(nt.len, n);
	assert_memory_equal(nt.p, want, n);
	lm = auth_field(auth, auth_len, 12);
	n = unhex(spec_lmv2_hex, want, sizeof(want));
	assert_int_equal(lm.len, n);
	assert_memory_equal(lm.p, want, n);
	key = auth_field(auth, auth_len, 52);
	n = unhex(spec_enc_key_hex, want, sizeof(want));
	assert_int_equal(key.len, n);
	assert_memory_equal(key.p, want, n);
	memset(want, 0x55, 16);
	assert_memory_equal(ntlmssp_client_session_key(c), want, 16);
	talloc_free(ctx);
}

/* The server, given the same transcript, accepts the spec exchange. */
static void test_spec_accepted_by_server(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_client *c = spec_client(ctx);
	struct ntlmssp_server *s = ntlmssp_server_new(ctx, "Server", NULL);
	struct ntlmssp_auth_result res;
	uint8_t chal[256], *neg, *auth;
	size_t chal_len = spec_challenge(chal), neg_len, auth_len;

	(void)state;
	assert_int_equal(ntlmssp_client_negotiate(c, ctx, &neg, &neg_len), 0);
	assert_int_equal(ntlmssp_client_authenticate(c, chal, chal_len, ctx,
						     &auth, &auth_len),
			 0);
	assert_int_equal(ntlmssp_server_set_transcript_for_test(
				 s, neg, neg_len, chal, chal_len),
			 0);
	NT_EQUAL(ntlmssp_server_authenticate(s, auth, auth_len,
					     lookup_password, "Password", ctx,
					     &res),
		 NT_STATUS_OK);
	assert_memory_equal(res.session_key, ntlmssp_client_session_key(c),
			    16);
	talloc_free(ctx);
}

struct exchange {
	struct ntlmssp_client *c;
	struct ntlmssp_server *s;
	uint8_t *auth;
	size_t auth_len;
};

/* NEGOTIATE and CHALLENGE with the real server (timestamp, so MIC). */
static void exchange(TALLOC_CTX *ctx, const char *password,
		     struct exchange *x)
{
	uint8_t *neg, *chal;
	size_t neg_len, chal_len;

	x->c = ntlmssp_client_new(ctx, "User", "WORKGROUP", password, "WS");
	x->s = ntlmssp_server_new(ctx, "fileserv", "fileserv.example.org");
	assert_non_null(x->c);
	assert_non_null(x->s);
	assert_int_equal(ntlmssp_client_negotiate(x->c, ctx, &neg, &neg_len),
			 0);
	NT_EQUAL(ntlmssp_server_negotiate(x->s, neg, neg_len, ctx, &chal,
					  &chal_len),
		 NT_STATUS_OK);
	assert_int_equal(ntlmssp_client_authenticate(x->c, chal, chal_len, ctx,
						     &x->auth, &x->auth_len),
			 0);
}

static void test_server_accepts_client(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_auth_result res;
	struct exchange x;
	uint8_t sig[16];

	(void)state;
	exchange(ctx, "Secret-1", &x);
	/* the blob carries MsvAvFlags = MIC present, so the MIC is checked */
	NT_EQUAL(ntlmssp_server_authenticate(x.s, x.auth, x.auth_len,
					     lookup_password, "Secret-1", ctx,
					     &res),
		 NT_STATUS_OK);
	assert_false(res.anonymous);
	assert_string_equal(res.user, "User");
	assert_string_equal(res.domain, "WORKGROUP");
	assert_string_equal(res.workstation, "WS");
	assert_memory_equal(res.session_key, ntlmssp_client_session_key(x.c),
			    16);

	/* SPNEGO mechListMIC both ways (RFC 4178 5, MS-NLMP 3.4.4.2) */
	assert_int_equal(ntlmssp_client_sign(x.c, spnego_client_mech_types,
					     spnego_client_mech_types_len, 0,
					     sig),
			 0);
	assert_true(ntlmssp_server_check(x.s, spnego_client_mech_types,
					 spnego_client_mech_types_len, 0, sig));
	assert_int_equal(ntlmssp_server_sign(x.s, spnego_client_mech_types,
					     spnego_client_mech_types_len, 0,
					     sig),
			 0);
	assert_true(ntlmssp_client_check(x.c, spnego_client_mech_types,
					 spnego_client_mech_types_len, 0, sig));
	talloc_free(ctx);
}

static void test_server_rejects_wrong_password(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_auth_result res;
	struct exchange x;

	(void)state;
	exchange(ctx, "not-the-password", &x);
	NT_EQUAL(ntlmssp_server_authenticate(x.s, x.auth, x.auth_len,
					     lookup_password, "Secret-1", ctx,
					     &res),
		 NT_STATUS_LOGON_FAILURE);
	talloc_free(ctx);
}

static void test_server_rejects_bad_mic(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_auth_result res;
	struct exchange x;

	(void)state;
	exchange(ctx, "Secret-1", &x);
	x.auth[NTLMSSP_AUTH_MIC_OFFSET] ^= 1;
	NT_EQUAL(ntlmssp_server_authenticate(x.s, x.auth, x.auth_len,
					     lookup_password, "Secret-1", ctx,
					     &res),
		 NT_STATUS_LOGON_FAILURE);
	talloc_free(ctx);
}

static void test_malformed_challenge(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_client *c = spec_client(ctx);
	uint8_t chal[256], *neg, *auth;
	size_t chal_len = spec_challenge(chal), neg_len, auth_len;

	(void)state;
	assert_int_equal(ntlmssp_client_negotiate(c, ctx, &neg, &neg_len), 0);
	/* truncated, and target info running past the end */
	for (size_t len = 0; len < chal_len; len += 7)
		assert_int_equal(ntlmssp_client_authenticate(c, chal, len, ctx,
							     &auth, &auth_len),
				 -EINVAL);
	put_le16(chal + 40, 200);
	assert_int_equal(ntlmssp_client_authenticate(c, chal, chal_len, ctx,
						     &auth, &auth_len),
			 -EINVAL);
	talloc_free(ctx);
}

static void test_spnego_tokens(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct spnego_client_token t;
	uint8_t token[300], mic[16], *out;
	size_t out_len;

	(void)state;
	memset(token, 'N', sizeof(token));
	memset(mic, 'M', sizeof(mic));
	/* long enough for two-octet DER lengths */
	assert_int_equal(spnego_client_init(ctx, token, sizeof(token), &out,
					    &out_len),
			 0);
	assert_int_equal(spnego_parse_client(out, out_len, &t), 0);
	assert_true(t.is_init);
	assert_true(t.ntlmssp_preferred);
	assert_int_equal(t.mech_types_len, spnego_client_mech_types_len);
	assert_memory_equal(t.mech_types, spnego_client_mech_types,
			    spnego_client_mech_types_len);
	assert_int_equal(t.mech_token_len, sizeof(token));
	assert_memory_equal(t.mech_token, token, sizeof(token));

	assert_int_equal(spnego_client_response(ctx, token, 20, mic,
						sizeof(mic), &out, &out_len),
			 0);
	assert_int_equal(spnego_parse_client(out, out_len, &t), 0);
	assert_false(t.is_init);
	assert_int_equal(t.mech_token_len, 20);
	assert_int_equal(t.mech_list_mic_len, sizeof(mic));
	assert_memory_equal(t.mech_list_mic, mic, sizeof(mic));

	/* and the server's answer reads back as the client needs it */
	assert_int_equal(spnego_server_response(ctx, SPNEGO_ACCEPT_INCOMPLETE,
						true, token, 40, NULL, 0, &out,
						&out_len),
			 0);
	assert_int_equal(spnego_parse_client(out, out_len, &t), 0);
	assert_int_equal(t.mech_token_len, 40);
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_vectors),
		cmocka_unit_test(test_spec_accepted_by_server),
		cmocka_unit_test(test_server_accepts_client),
		cmocka_unit_test(test_server_rejects_wrong_password),
		cmocka_unit_test(test_server_rejects_bad_mic),
		cmocka_unit_test(test_malformed_challenge),
		cmocka_unit_test(test_spnego_tokens),
	};

	return cmocka_run_group_tests(tests, setup_crypto, NULL);
}
