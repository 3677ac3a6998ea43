/*
 * NTLMSSP details shared between smb2/ntlmssp.c and its unit tests: the
 * negotiate flags and AV pair ids of MS-NLMP 2.2.2.5 / 2.2.2.1, and a hook
 * that replaces the random server challenge so published test vectors
 * (MS-NLMP 4.2.4) can be replayed.
 */
#ifndef USMBD_NTLMSSP_INTERNAL_H
#define USMBD_NTLMSSP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smb2/ntlmssp.h"

/* NEGOTIATE flags (MS-NLMP 2.2.2.5). */
#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u
#define NTLMSSP_NEGOTIATE_OEM 0x00000002u
#define NTLMSSP_REQUEST_TARGET 0x00000004u
#define NTLMSSP_NEGOTIATE_SIGN 0x00000010u
#define NTLMSSP_NEGOTIATE_SEAL 0x00000020u
#define NTLMSSP_NEGOTIATE_LM_KEY 0x00000080u
#define NTLMSSP_NEGOTIATE_NTLM 0x00000200u
#define NTLMSSP_NEGOTIATE_ALWAYS_SIGN 0x00008000u
#define NTLMSSP_TARGET_TYPE_DOMAIN 0x00010000u
#define NTLMSSP_TARGET_TYPE_SERVER 0x00020000u
#define NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLMSSP_NEGOTIATE_TARGET_INFO 0x00800000u
#define NTLMSSP_NEGOTIATE_VERSION 0x02000000u
#define NTLMSSP_NEGOTIATE_128 0x20000000u
#define NTLMSSP_NEGOTIATE_KEY_EXCH 0x40000000u
#define NTLMSSP_NEGOTIATE_56 0x80000000u

/* AV pair ids (MS-NLMP 2.2.2.1). */
#define MSV_AV_EOL 0x0000
#define MSV_AV_NB_COMPUTER_NAME 0x0001
#define MSV_AV_NB_DOMAIN_NAME 0x0002
#define MSV_AV_DNS_COMPUTER_NAME 0x0003
#define MSV_AV_DNS_DOMAIN_NAME 0x0004
#define MSV_AV_FLAGS 0x0006
#define MSV_AV_TIMESTAMP 0x0007

/* MsvAvFlags bit: the AUTHENTICATE_MESSAGE carries a MIC. */
#define MSV_AV_FLAG_MIC_PRESENT 0x00000002u

#define NTLMSSP_MESSAGE_NEGOTIATE 1
#define NTLMSSP_MESSAGE_CHALLENGE 2
#define NTLMSSP_MESSAGE_AUTHENTICATE 3

/* AUTHENTICATE_MESSAGE layout (MS-NLMP 2.2.1.3). */
#define NTLMSSP_AUTH_HEADER_SIZE 64
#define NTLMSSP_AUTH_MIC_OFFSET 72
#define NTLMSSP_MIC_SIZE 16

/*
 * Tests only: the next ntlmssp_server_negotiate uses challenge instead of
 * random bytes.
 */
void ntlmssp_server_set_challenge_for_test(struct ntlmssp_server *s,
					   const uint8_t challenge[8]);

/*
 * Tests only: puts the server in the state a NEGOTIATE leg would leave,
 * with the given messages (kept for the MIC) and the challenge taken from
 * the CHALLENGE_MESSAGE. The negotiated flags are those of the CHALLENGE.
 * 0, -EINVAL for a CHALLENGE shorter than 32 bytes, -ENOMEM.
 */
int ntlmssp_server_set_transcript_for_test(struct ntlmssp_server *s,
					   const uint8_t *negotiate,
					   size_t negotiate_len,
					   const uint8_t *challenge_msg,
					   size_t challenge_len);

/*
 * Tests only: advances the RC4 sealing handle of one direction by n bytes,
 * as sealing n bytes of data would (MS-NLMP 4.2.4.4 signs after sealing).
 */
void ntlmssp_server_skip_keystream_for_test(struct ntlmssp_server *s,
					    bool client_to_server, size_t n);

#endif
