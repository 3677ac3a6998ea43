/*
 * SPNEGO codec tests: the NegTokenInit2 hint against the bytes Windows and
 * Samba servers send (MS-SPNG 2.2.1), client tokens shaped like those of
 * Windows clients, every truncation and corruption of them, and the
 * NegTokenResp encoder through the parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "smb2/spnego.h"

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

/* Parses an exact-size heap copy, so over-reads show under ASan. */
static int parse_copy(const uint8_t *in, size_t len,
		      struct spnego_client_token *t)
{
	uint8_t *copy = test_malloc(len ? len : 1);
	int rc;

	memcpy(copy, in, len);
	rc = spnego_parse_client(copy, len, t);
	test_free(copy);
	return rc;
}

#define NTLMSSP_OID_TLV "060a2b06010401823702020a"
#define KRB5_OID_TLV "06092a864886f712010202"
#define MS_KRB5_OID_TLV "06092a864882f712010202"

/*
 * A Windows-style NegTokenInit: mechTypes { MS-KRB5, KRB5, NTLMSSP },
 * reqFlags, an optimistic Kerberos token, and a mechListMIC.
 */
static const char init_krb_first_hex[] =
	"604c"			 /* [APPLICATION 0] */
	"06062b0601050502"	 /* SPNEGO */
	"a042" "3040"		 /* [0] NegTokenInit SEQUENCE */
	"a024" "3022" MS_KRB5_OID_TLV KRB5_OID_TLV NTLMSSP_OID_TLV
	"a104" "03020080"	 /* reqFlags BIT STRING */
	"a208" "0406" "6e0401020304" /* mechToken */
	"a308" "0406" "0a0b0c0d0e0f"; /* mechListMIC */

/* NegTokenInit as Samba and Windows send it with NTLMSSP only. */
static const char init_ntlm_hex[] =
	"603a"
	"06062b0601050502"
	"a030" "302e"
	"a00e" "300c" NTLMSSP_OID_TLV
	"a21c" "041a"
	"4e544c4d5353500001000000978208e2"
	"00000000000000000000";

static const char resp_hex[] =
	"a12b" "3029"
	"a0030a0101"		  /* accept-incomplete */
	"a10c" NTLMSSP_OID_TLV
	"a20a" "0408" "4e544c4d53535000"
	"a308" "0406" "010203040506";

static void test_hint(void **state)
{
	uint8_t *out, want[128];
	size_t out_len;
	size_t n = unhex("604806062b0601050502a03e303ca00e300c060a2b060104"
			 "01823702020aa32a3028a0261b24"
			 "6e6f745f646566696e65645f696e5f524643343137384070"
			 "6c656173655f69676e6f7265",
			 want, sizeof(want));

	(void)state;
	assert_int_equal(spnego_server_hint(NULL, &out, &out_len), 0);
	assert_int_equal(out_len, n);
	assert_memory_equal(out, want, n);
	talloc_free(out);
}

static void test_raw_ntlmssp(void **state)
{
	static const uint8_t raw[] = "NTLMSSP\0\x01\0\0\0\x97\x82\x08\xe2";
	struct spnego_client_token t;

	(void)state;
	assert_int_equal(spnego_parse_client(raw, sizeof(raw) - 1, &t), 0);
	assert_true(t.raw_ntlmssp);
	assert_ptr_equal(t.mech_token, raw);
	assert_int_equal(t.mech_token_len, sizeof(raw) - 1);
	assert_false(t.is_init);
}

static void test_parse_init(void **state)
{
	uint8_t in[256], mech[64];
	size_t len = unhex(init_ntlm_hex, in, sizeof(in));
	size_t mech_len = unhex("300c" NTLMSSP_OID_TLV, mech, sizeof(mech));
	struct spnego_client_token t;

	(void)state;
	assert_int_equal(spnego_parse_client(in, len, &t), 0);
	assert_false(t.raw_ntlmssp);
	assert_true(t.is_init);
	assert_true(t.ntlmssp_offered);
	assert_true(t.ntlmssp_preferred);
	assert_int_equal(t.mech_types_len, mech_len);
	assert_memory_equal(t.mech_types, mech, mech_len);
	assert_int_equal(t.mech_token_len, 26);
	assert_memory_equal(t.mech_token, "NTLMSSP", 8);
	assert_null(t.mech_list_mic);

	len = unhex(init_krb_first_hex, in, sizeof(in));
	mech_len = unhex("3022" MS_KRB5_OID_TLV KRB5_OID_TLV NTLMSSP_OID_TLV,
			 mech, sizeof(mech));
	assert_int_equal(spnego_parse_client(in, len, &t), 0);
	assert_true(t.is_init);
	assert_true(t.ntlmssp_offered);
	assert_false(t.ntlmssp_preferred);
	/* the MIC covers exactly the MechTypeList SEQUENCE (RFC 4178 5) */
	assert_int_equal(t.mech_types_len, mech_len);
	assert_memory_equal(t.mech_types, mech, mech_len);
	assert_int_equal(t.mech_token_len, 6);
	assert_int_equal(t.mech_token[0], 0x6e);
	assert_int_equal(t.mech_list_mic_len, 6);
	assert_int_equal(t.mech_list_mic[0], 0x0a);

	/* Kerberos only */
	len = unhex("601f06062b0601050502a0153013a00d300b" KRB5_OID_TLV
		    "a2020400",
		    in, sizeof(in));
	assert_int_equal(spnego_parse_client(in, len, &t), 0);
	assert_false(t.ntlmssp_offered);
	assert_int_equal(t.mech_token_len, 0);
	assert_non_null(t.mech_token);
}

static void test_parse_resp(void **state)
{
	uint8_t in[128];
	size_t len = unhex(resp_hex, in, sizeof(in));
	struct spnego_client_token t;

	(void)state;
	assert_int_equal(spnego_parse_client(in, len, &t), 0);
	assert_false(t.is_init);
	assert_false(t.raw_ntlmssp);
	assert_null(t.mech_types);
	assert_int_equal(t.mech_token_len, 8);
	assert_memory_equal(t.mech_token, "NTLMSSP", 8);
	assert_int_equal(t.mech_list_mic_len, 6);

	/* only a responseToken, as Windows sends the AUTHENTICATE */
	len = unhex("a10e300ca20a04084e544c4d53535000", in, sizeof(in));
	assert_int_equal(spnego_parse_client(in, len, &t), 0);
	assert_int_equal(t.mech_token_len, 8);
	assert_null(t.mech_list_mic);

	/* long-form lengths (non-minimal, as BER allows) */
	len = unhex("a183000013308110a2840000000a04084e544c4d53535000", in,
		    sizeof(in));
	assert_int_equal(spnego_parse_client(in, len, &t), 0);
	assert_int_equal(t.mech_token_len, 8);
	assert_memory_equal(t.mech_token, "NTLMSSP", 8);
}

static void test_truncation_and_corruption(void **state)
{
	const char *tokens[] = { init_krb_first_hex, init_ntlm_hex, resp_hex };
	struct spnego_client_token t;

	(void)state;
	for (size_t k = 0; k < sizeof(tokens) / sizeof(tokens[0]); k++) {
		uint8_t in[256], bad[256];
		size_t len = unhex(tokens[k], in, sizeof(in));

		assert_int_equal(parse_copy(in, len, &t), 0);
		for (size_t n = 0; n < len; n++)
			assert_int_equal(parse_copy(in, n, &t), -EINVAL);
		/* one extra byte after a complete token */
		in[len] = 0;
		assert_int_equal(parse_copy(in, len + 1, &t), -EINVAL);
		/* every single-byte corruption: no crash, no over-read */
		for (size_t i = 0; i < len; i++) {
			for (unsigned int v = 0; v < 256; v += 17) {
				memcpy(bad, in, len);
				bad[i] = (uint8_t)v;
				(void)parse_copy(bad, len, &t);
			}
		}
	}
}

static void expect_invalid(const char *hex)
{
	uint8_t in[256];
	size_t len = unhex(hex, in, sizeof(in));
	struct spnego_client_token t;

	assert_int_equal(parse_copy(in, len, &t), -EINVAL);
	assert_false(t.is_init);
	assert_null(t.mech_token);
}

static void test_rejects(void **state)
{
	static const uint8_t min_init[] = {
		0x60, 0x1c, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
		0xa0, 0x12, 0x30, 0x10, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a,
		0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
	};
	struct spnego_client_token t;

	(void)state;
	assert_int_equal(spnego_parse_client(NULL, 0, &t), -EINVAL);
	/* indefinite length */
	expect_invalid("a180302ba0030a010100000000");
	/* five length octets */
	expect_invalid("a1850000000005300300000000");
	/* inner length larger than the enclosing one */
	expect_invalid("a1073010a0030a0101");
	/* four length octets claiming 4 GiB */
	expect_invalid("a184ffffffff3000");
	/* the smallest valid NegTokenInit, then with the wrong OID */
	assert_int_equal(parse_copy(min_init, sizeof(min_init), &t), 0);
	assert_true(t.ntlmssp_preferred);
	expect_invalid("601c06062b0601050503a0123010a00e300c" NTLMSSP_OID_TLV);
	/* high tag number form */
	expect_invalid("1f0100");
	/* NegTokenInit without mechTypes */
	expect_invalid("601006062b0601050502a0063004a2020400");
	/* mechTypes holding something that is not an OID */
	expect_invalid("601406062b0601050502a00a3008a00630040402aabb");
	/* OID with a dangling continuation octet */
	expect_invalid("601306062b0601050502a0093007a0053003060182");
	/* fields out of order: mechToken before mechTypes */
	expect_invalid("601e06062b0601050502a0143012a2020400a00c300a"
		       "06082a864886f7120102");
	/* negState out of range */
	expect_invalid("a1073005a0030a0109");
	/* negState with two octets */
	expect_invalid("a1083006a0040a020001");
	/* constructed OCTET STRING (BER only) */
	expect_invalid("a10a3008a2062404040201ff");
	/* an unknown field [4] */
	expect_invalid("a1083006a4040402aabb");
	/* two elements inside a [2] wrapper */
	expect_invalid("a1083006a20404000400");
	/* NegTokenInit without the InitialContextToken wrapper */
	expect_invalid("a0123010a00e300c" NTLMSSP_OID_TLV);
	/* a NegTokenResp that is not a SEQUENCE */
	expect_invalid("a1043102a000");
}

static void check_roundtrip(enum spnego_neg_state state, bool mech,
			    const uint8_t *token, size_t token_len,
			    const uint8_t *mic, size_t mic_len)
{
	struct spnego_client_token t;
	uint8_t *out;
	size_t out_len;

	assert_int_equal(spnego_server_response(NULL, state, mech, token,
						token_len, mic, mic_len, &out,
						&out_len),
			 0);
	assert_int_equal(spnego_parse_client(out, out_len, &t), 0);
	assert_false(t.is_init);
	if (token) {
		assert_int_equal(t.mech_token_len, token_len);
		assert_memory_equal(t.mech_token, token, token_len);
	} else {
		assert_null(t.mech_token);
	}
	if (mic) {
		assert_int_equal(t.mech_list_mic_len, mic_len);
		assert_memory_equal(t.mech_list_mic, mic, mic_len);
	} else {
		assert_null(t.mech_list_mic);
	}
	talloc_free(out);
}

static void test_response(void **state)
{
	static uint8_t big[70000];
	uint8_t want[64], mic[16], *out;
	size_t out_len, n;

	(void)state;
	/* the first reply of a session setup, byte for byte */
	assert_int_equal(spnego_server_response(NULL, SPNEGO_ACCEPT_INCOMPLETE,
						true, (const uint8_t *)"abc",
						3, NULL, 0, &out, &out_len),
			 0);
	n = unhex("a11c301aa0030a0101a10c" NTLMSSP_OID_TLV "a2050403616263",
		  want, sizeof(want));
	assert_int_equal(out_len, n);
	assert_memory_equal(out, want, n);
	talloc_free(out);

	/* the last reply: accept-completed and the mechListMIC only */
	memset(mic, 0x5a, sizeof(mic));
	assert_int_equal(spnego_server_response(NULL, SPNEGO_ACCEPT_COMPLETED,
						false, NULL, 0, mic, 16, &out,
						&out_len),
			 0);
	n = unhex("a11b3019a0030a0100a3120410", want, sizeof(want));
	assert_int_equal(out_len, n + 16);
	assert_memory_equal(out, want, n);
	assert_memory_equal(out + n, mic, 16);
	talloc_free(out);

	/* rejection without anything else */
	assert_int_equal(spnego_server_response(NULL, SPNEGO_REJECT, false,
						NULL, 0, NULL, 0, &out,
						&out_len),
			 0);
	n = unhex("a1073005a0030a0102", want, sizeof(want));
	assert_int_equal(out_len, n);
	assert_memory_equal(out, want, n);
	talloc_free(out);

	assert_int_equal(spnego_server_response(NULL, 7, false, NULL, 0, NULL,
						0, &out, &out_len),
			 -EINVAL);

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	/* short, one-, two- and three-octet lengths */
	check_roundtrip(SPNEGO_NO_STATE, false, NULL, 0, NULL, 0);
	check_roundtrip(SPNEGO_ACCEPT_INCOMPLETE, true, big, 0, NULL, 0);
	check_roundtrip(SPNEGO_ACCEPT_INCOMPLETE, true, big, 100, mic, 16);
	check_roundtrip(SPNEGO_ACCEPT_INCOMPLETE, true, big, 200, mic, 16);
	check_roundtrip(SPNEGO_ACCEPT_COMPLETED, false, big, 1000, NULL, 0);
	check_roundtrip(SPNEGO_ACCEPT_COMPLETED, true, big, sizeof(big), mic,
			16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hint),
		cmocka_unit_test(test_raw_ntlmssp),
		cmocka_unit_test(test_parse_init),
		cmocka_unit_test(test_parse_resp),
		cmocka_unit_test(test_truncation_and_corruption),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_response),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
