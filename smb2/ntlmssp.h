/*
 * NTLMSSP server side (MS-NLMP): NEGOTIATE -> CHALLENGE, AUTHENTICATE
 * verification with NTLMv2 only (LM and NTLMv1 responses are rejected),
 * key exchange, MIC check, and the NTLMSSP message signature used for the
 * SPNEGO mechListMIC.
 */
#ifndef USMBD_NTLMSSP_H
#define USMBD_NTLMSSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

#include "smb2/ntstatus.h"

struct ntlmssp_server;

/* Looks up a user's NT hash; returns false when the user is unknown. */
typedef bool (*ntlmssp_lookup_fn)(void *priv, const char *user,
				  const char *domain, uint8_t nt_hash[16]);

struct ntlmssp_auth_result {
	char *user;	   /* UTF-8, as the client sent it */
	char *domain;
	char *workstation;
	bool anonymous;	   /* empty user and empty responses */
	uint8_t session_key[16]; /* ExportedSessionKey */
};

/*
 * netbios_name/dns_name: the server's names for the target info AV pairs.
 * now_nt: current time as NT time (100 ns since 1601) for MsvAvTimestamp.
 */
struct ntlmssp_server *ntlmssp_server_new(TALLOC_CTX *mem_ctx,
					  const char *netbios_name,
					  const char *dns_name);

/*
 * Consumes the client's NEGOTIATE_MESSAGE and returns the
 * CHALLENGE_MESSAGE (allocated on out_ctx). NT_STATUS_OK or
 * NT_STATUS_INVALID_PARAMETER for a malformed message.
 */
NTSTATUS ntlmssp_server_negotiate(struct ntlmssp_server *s, const uint8_t *in,
				  size_t in_len, TALLOC_CTX *out_ctx,
				  uint8_t **out, size_t *out_len);

/*
 * Verifies the AUTHENTICATE_MESSAGE. Returns NT_STATUS_OK (result filled,
 * strings on mem_ctx), NT_STATUS_LOGON_FAILURE for unknown users, wrong
 * passwords, LM/NTLMv1 responses or a bad MIC, NT_STATUS_INVALID_PARAMETER
 * for malformed input. Anonymous logons return OK with anonymous = true;
 * the caller decides whether to allow them.
 */
NTSTATUS ntlmssp_server_authenticate(struct ntlmssp_server *s,
				     const uint8_t *in, size_t in_len,
				     ntlmssp_lookup_fn lookup, void *priv,
				     TALLOC_CTX *mem_ctx,
				     struct ntlmssp_auth_result *res);

/*
 * After a successful authenticate: NTLMSSP signature (MS-NLMP 3.4.4) of
 * data with the client->server (check) or server->client (sign) keys, with
 * sequence number seq. Used for the SPNEGO mechListMIC (seq 0).
 */
int ntlmssp_server_sign(struct ntlmssp_server *s, const uint8_t *data,
			size_t len, uint32_t seq, uint8_t sig[16]);
bool ntlmssp_server_check(struct ntlmssp_server *s, const uint8_t *data,
			  size_t len, uint32_t seq, const uint8_t sig[16]);

#endif
