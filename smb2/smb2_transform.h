/*
 * SMB3 encryption: the SMB2 TRANSFORM_HEADER codec (MS-SMB2 2.2.41),
 * encrypting a message (MS-SMB2 3.1.4.3) and decrypting one in place
 * (MS-SMB2 3.3.5.2.1) with AES-128/256 in CCM or GCM mode. Pure functions
 * on caller-supplied keys and buffers; no session or connection state.
 */
#ifndef USMBD_SMB2_TRANSFORM_H
#define USMBD_SMB2_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "smb2/smb2_crypto.h"

#define SMB2_TRANSFORM_MUST_CHECK __attribute__((warn_unused_result))

/* MS-SMB2 2.2.41: 0xFD 'S' 'M' 'B', read as a little-endian uint32. */
#define SMB2_TRANSFORM_PROTOCOL_ID 0x424d53fdu
#define SMB2_TRANSFORM_HDR_SIZE 52
#define SMB2_TRANSFORM_SIGNATURE_OFF 4
#define SMB2_TRANSFORM_NONCE_OFF 20
/* The AEAD's associated data: Nonce through SessionId (MS-SMB2 3.1.4.3). */
#define SMB2_TRANSFORM_AAD_OFF SMB2_TRANSFORM_NONCE_OFF
#define SMB2_TRANSFORM_AAD_SIZE 32
#define SMB2_TRANSFORM_FLAG_ENCRYPTED 0x0001
#define SMB2_TRANSFORM_TAG_SIZE 16
#define SMB2_TRANSFORM_NONCE_SIZE 16
/* The leading bytes of Nonce that the cipher uses as its IV. */
#define SMB2_CCM_NONCE_SIZE 11
#define SMB2_GCM_NONCE_SIZE 12

struct smb2_transform_hdr {
	uint8_t signature[SMB2_TRANSFORM_TAG_SIZE];
	uint8_t nonce[SMB2_TRANSFORM_NONCE_SIZE];
	uint32_t orig_size;
	/* Flags (3.1.1) / EncryptionAlgorithm (3.0.x): 0x0001 = encrypted */
	uint16_t flags;
	uint64_t session_id;
};

/*
 * Decodes the first SMB2_TRANSFORM_HDR_SIZE bytes of p. False unless
 * ProtocolId is 0xFD 'S' 'M' 'B', Flags is 0x0001 and OriginalMessageSize
 * is non-zero and fits in the len - 52 bytes that follow the header.
 */
bool smb2_transform_hdr_decode(const uint8_t *p, size_t len,
			       struct smb2_transform_hdr *h);

/* Writes h as the 52 wire bytes (Reserved is zero). */
void smb2_transform_hdr_encode(const struct smb2_transform_hdr *h,
			       uint8_t out[SMB2_TRANSFORM_HDR_SIZE]);

/* 16 or 32 for the SMB2_CIPHER_* ids, 0 for any other value. */
size_t smb2_cipher_key_len(uint16_t cipher);

/*
 * Builds a transform Nonce from a counter: the counter (little-endian) in
 * bytes 0..7, a random salt drawn once per thread in the rest of the
 * cipher's IV (3 bytes for CCM, 4 for GCM) and zeros after it. The caller
 * must never reuse a counter value under one key: AES-CCM and AES-GCM lose
 * confidentiality and integrity when a (key, nonce) pair repeats. Since
 * every channel of a session encrypts with the same key, keep the counter
 * per session (the salt only separates threads that err). 0, -EINVAL for
 * an unknown cipher, -ENOMEM, or -errno from the random source.
 */
SMB2_TRANSFORM_MUST_CHECK int
smb2_transform_nonce(uint16_t cipher, uint64_t counter,
		     uint8_t out[SMB2_TRANSFORM_NONCE_SIZE]);

/*
 * Encrypts the SMB2 message given as iov (one message or a whole compound)
 * per MS-SMB2 3.1.4.3 with cipher (SMB2_CIPHER_*) under key (16 bytes for
 * the AES-128 ciphers, 32 for AES-256). nonce is copied whole into the
 * header; its first 11 (CCM) or 12 (GCM) bytes are the IV. With nonce NULL
 * a random IV is drawn (zeros after it); prefer smb2_transform_nonce(),
 * since random 88/96-bit nonces only stay unique for a bounded number of
 * messages per key. Writes the header, Signature (the AEAD tag) included,
 * to hdr_out and the ciphertext, exactly as long as the message, to out,
 * which must not overlap iov. 0, or -EINVAL (bad arguments, an empty
 * message or one over INT_MAX bytes), -ENOMEM, -EIO (OpenSSL failed).
 */
SMB2_TRANSFORM_MUST_CHECK int
smb2_transform_encrypt(uint16_t cipher, const uint8_t *key, size_t key_len,
		       uint64_t session_id,
		       const uint8_t nonce[SMB2_TRANSFORM_NONCE_SIZE],
		       const struct iovec *iov, int iovcnt,
		       uint8_t hdr_out[SMB2_TRANSFORM_HDR_SIZE], uint8_t *out);

/*
 * Decrypts in place the received message buf (transform header followed
 * by exactly OriginalMessageSize bytes of ciphertext, as one NBSS frame
 * carries it) per MS-SMB2 3.3.5.2.1. On success the plaintext lies at
 * buf + *plain_off for *plain_len bytes. The caller looks the session up
 * by the header's SessionId (smb2_transform_hdr_decode) to pick key and
 * cipher. -EINVAL for a malformed header, a size mismatch or bad
 * arguments; -EBADMSG when the tag does not verify, and then the
 * ciphertext area is zeroed so no unauthenticated plaintext is left in
 * buf; -ENOMEM, -EIO (OpenSSL failed).
 */
SMB2_TRANSFORM_MUST_CHECK int
smb2_transform_decrypt(uint16_t cipher, const uint8_t *key, size_t key_len,
		       uint8_t *buf, size_t len, size_t *plain_off,
		       size_t *plain_len);

/*
 * The AEAD underneath, exposed for its known-answer tests: iv is 11 bytes
 * for CCM and 12 for GCM, the tag 16 bytes. Encryption streams over iov
 * for GCM; CCM needs its input in one piece and so gathers iov into out
 * and encrypts there. Decryption works in place on data. The data must
 * not be empty. Same returns as above. Keys are expanded once per thread
 * and reused while the same key comes back, the common case of one busy
 * session.
 */
SMB2_TRANSFORM_MUST_CHECK int
smb2_aead_encrypt(uint16_t cipher, const uint8_t *key, size_t key_len,
		  const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		  const struct iovec *iov, int iovcnt, uint8_t *out,
		  uint8_t tag[SMB2_TRANSFORM_TAG_SIZE]);

SMB2_TRANSFORM_MUST_CHECK int
smb2_aead_decrypt(uint16_t cipher, const uint8_t *key, size_t key_len,
		  const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		  uint8_t *data, size_t len,
		  const uint8_t tag[SMB2_TRANSFORM_TAG_SIZE]);

#endif
