/*
 * SPNEGO (RFC 4178) encoding for the client side of SESSION_SETUP:
 * NegTokenInit offering NTLMSSP only, and the NegTokenResp that carries
 * the AUTHENTICATE message and the mechListMIC. The server's answers are
 * parsed with spnego_parse_client() (smb2/spnego.h), whose NegTokenResp
 * decoder reads either direction.
 */
#ifndef USMBD_BENCH_CLIENT_SPNEGO_H
#define USMBD_BENCH_CLIENT_SPNEGO_H

#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

/* DER of the MechTypeList SEQUENCE (NTLMSSP), what the mechListMIC
 * covers (RFC 4178 5). */
extern const uint8_t spnego_client_mech_types[];
extern const size_t spnego_client_mech_types_len;

/* InitialContextToken with NegTokenInit { mechTypes, mechToken }. */
int spnego_client_init(TALLOC_CTX *mem_ctx, const uint8_t *token,
		       size_t token_len, uint8_t **out, size_t *out_len);

/* NegTokenResp { responseToken, mechListMIC (may be NULL) }. */
int spnego_client_response(TALLOC_CTX *mem_ctx, const uint8_t *token,
			   size_t token_len, const uint8_t *mic,
			   size_t mic_len, uint8_t **out, size_t *out_len);

#endif
