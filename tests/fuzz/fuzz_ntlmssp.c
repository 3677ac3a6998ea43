/*
 * NTLMSSP server (MS-NLMP 3.2.5): the input is a NEGOTIATE_MESSAGE and an
 * AUTHENTICATE_MESSAGE, each preceded by its length as a little-endian
 * 16-bit number. The server challenge is fixed so that a seed with a
 * valid NTLMv2 response for the one known user ("fuzz", password
 * "password", domain "DOM") gets past the proof check into key exchange
 * and the MIC.
 */
#include <string.h>
#include <strings.h>
#include <talloc.h>

#include "smb2/ntlmssp.h"
#include "smb2/ntlmssp_internal.h"
#include "smb2/smb2_crypto.h"
#include "smb2/wire.h"
#include "tests/fuzz/fuzz.h"

static const uint8_t fixed_challenge[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* MD4(UTF-16LE("password")) */
static const uint8_t password_hash[16] = {
	0x88, 0x46, 0xf7, 0xea, 0xee, 0x8f, 0xb1, 0x17,
	0xad, 0x06, 0xbd, 0xd8, 0x30, 0xb7, 0x58, 0x6c,
};

static bool lookup(void *priv, const char *user, const char *domain,
		   uint8_t nt_hash[16])
{
	if (strcasecmp(user, "fuzz") != 0)
		return false;
	memcpy(nt_hash, password_hash, 16);
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_log();
	return smb_crypto_init() == 0 ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct ntlmssp_server *s = ntlmssp_server_new(ctx, "FUZZ", "fuzz");
	struct ntlmssp_auth_result res;
	struct wire_slice neg = { 0 }, auth = { 0 };
	uint8_t *challenge = NULL, *copy;
	size_t challenge_len = 0;
	NTSTATUS st;

	if (!s)
		goto out;
	ntlmssp_server_set_challenge_for_test(s, fixed_challenge);
	if (!fuzz_next_part(&data, &size, &neg))
		goto out;
	(void)fuzz_next_part(&data, &size, &auth);

	copy = fuzz_copy(ctx, neg);
	st = ntlmssp_server_negotiate(s, copy, neg.len, ctx, &challenge,
				      &challenge_len);
	if (!NT_STATUS_IS_OK(st))
		goto out;
	copy = fuzz_copy(ctx, auth);
	memset(&res, 0, sizeof(res));
	st = ntlmssp_server_authenticate(s, copy, auth.len, lookup, NULL, ctx,
					 &res);
	if (NT_STATUS_IS_OK(st) && !res.anonymous) {
		uint8_t sig[16];
		if (ntlmssp_server_sign(s, copy, auth.len, 0, sig) == 0)
			(void)ntlmssp_server_check(s, copy, auth.len, 0, sig);
	}
out:
	talloc_free(ctx);
	return 0;
}
