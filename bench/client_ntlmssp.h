/*
 * NTLMSSP client side (MS-NLMP 3.1.5) for the benchmark client: the
 * NEGOTIATE_MESSAGE, then an AUTHENTICATE_MESSAGE with an NTLMv2 response,
 * key exchange and MIC, and the message signatures the SPNEGO mechListMIC
 * needs. Pure code: no I/O.
 */
#ifndef USMBD_BENCH_CLIENT_NTLMSSP_H
#define USMBD_BENCH_CLIENT_NTLMSSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

struct ntlmssp_client;

/* user/domain/workstation are UTF-8 (domain and workstation may be ""). */
struct ntlmssp_client *ntlmssp_client_new(TALLOC_CTX *mem_ctx,
					  const char *user, const char *domain,
					  const char *password,
					  const char *workstation);

/* The NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1), kept for the MIC. 0 or -errno. */
int ntlmssp_client_negotiate(struct ntlmssp_client *c, TALLOC_CTX *mem_ctx,
			     uint8_t **out, size_t *out_len);

/*
 * Consumes the CHALLENGE_MESSAGE and builds the AUTHENTICATE_MESSAGE
 * (MS-NLMP 3.1.5.1.2). 0, -EINVAL for a malformed or unusable challenge
 * (no Unicode, no target info), -ENOMEM or a crypto -errno.
 */
int ntlmssp_client_authenticate(struct ntlmssp_client *c,
				const uint8_t *challenge, size_t len,
				TALLOC_CTX *mem_ctx, uint8_t **out,
				size_t *out_len);

/* The ExportedSessionKey, valid after a successful authenticate. */
const uint8_t *ntlmssp_client_session_key(const struct ntlmssp_client *c);

/*
 * MS-NLMP 3.4.4.2 signature of data with the client->server keys (sign)
 * or check of one made with the server->client keys (check), at sequence
 * number seq. Each direction's RC4 handle is used once, which is all the
 * SPNEGO mechListMIC needs; a second use returns -EALREADY / false.
 */
int ntlmssp_client_sign(struct ntlmssp_client *c, const uint8_t *data,
			size_t len, uint32_t seq, uint8_t sig[16]);
bool ntlmssp_client_check(struct ntlmssp_client *c, const uint8_t *data,
			  size_t len, uint32_t seq, const uint8_t sig[16]);

/*
 * Tests only: fixed client challenge, exported session key and timestamp
 * (NT time) instead of random and current values, as MS-NLMP 4.2.4 uses.
 */
void ntlmssp_client_fix_for_test(struct ntlmssp_client *c,
				 const uint8_t client_challenge[8],
				 const uint8_t exported_key[16],
				 uint64_t nt_time);

#endif
