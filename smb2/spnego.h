/*
 * SPNEGO (RFC 4178, MS-SPNG) DER codec: the server's NegTokenInit2 hint in
 * the NEGOTIATE response, the client's NegTokenInit / NegTokenResp, and the
 * server's NegTokenResp. Only the NTLMSSP mechanism is offered.
 */
#ifndef USMBD_SPNEGO_H
#define USMBD_SPNEGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

enum spnego_neg_state {
	SPNEGO_ACCEPT_COMPLETED = 0,
	SPNEGO_ACCEPT_INCOMPLETE = 1,
	SPNEGO_REJECT = 2,
	SPNEGO_NO_STATE = -1, /* field omitted */
};

struct spnego_client_token {
	bool raw_ntlmssp;	  /* the token was a bare NTLMSSP message */
	bool is_init;		  /* NegTokenInit (first leg) */
	bool ntlmssp_offered;	  /* NTLMSSP OID in mechTypes (init only) */
	bool ntlmssp_preferred;	  /* NTLMSSP is the first mech (init only) */
	const uint8_t *mech_types; /* DER of the mechTypes SEQUENCE (init) */
	size_t mech_types_len;
	const uint8_t *mech_token; /* NTLMSSP bytes, may be NULL */
	size_t mech_token_len;
	const uint8_t *mech_list_mic; /* may be NULL */
	size_t mech_list_mic_len;
};

/* NegTokenInit2 for the NEGOTIATE response SecurityBuffer. 0 or -errno. */
int spnego_server_hint(TALLOC_CTX *mem_ctx, uint8_t **out, size_t *out_len);

/*
 * Parses a SESSION_SETUP security buffer. Pointers in out point into in.
 * 0, or -EINVAL for malformed DER (every length checked against its
 * enclosing length).
 */
int spnego_parse_client(const uint8_t *in, size_t in_len,
			struct spnego_client_token *out);

/*
 * NegTokenResp. supported_mech: include supportedMech = NTLMSSP (first
 * reply). token/mic may be NULL. 0 or -errno.
 */
int spnego_server_response(TALLOC_CTX *mem_ctx, enum spnego_neg_state state,
			   bool supported_mech, const uint8_t *token,
			   size_t token_len, const uint8_t *mic,
			   size_t mic_len, uint8_t **out, size_t *out_len);

#endif
