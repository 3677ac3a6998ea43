/*
 * Building blocks of smb2_crypto.c exposed so that unit tests can check
 * them against their own published vectors (RFC 1320, RFC 4231, RFC 4493,
 * NIST GCM). Not for use outside smb2_crypto.c and its tests.
 */
#ifndef USMBD_SMB2_CRYPTO_INTERNAL_H
#define USMBD_SMB2_CRYPTO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define SMB_CRYPTO_MUST_CHECK __attribute__((warn_unused_result))

/* True once smb_crypto_init() managed to load OpenSSL's legacy provider. */
bool smb_crypto_have_legacy(void);

/* MD4 through OpenSSL when it offers MD4, else smb_md4_fallback(). */
SMB_CRYPTO_MUST_CHECK int smb_md4(const uint8_t *data, size_t len,
				  uint8_t out[16]);

/* RFC 1320 MD4 without OpenSSL, for builds lacking the legacy provider. */
void smb_md4_fallback(const uint8_t *data, size_t len, uint8_t out[16]);

/* HMAC-SHA256 over the concatenation of iov. */
SMB_CRYPTO_MUST_CHECK int smb_hmac_sha256(const uint8_t *key, size_t key_len,
					  const struct iovec *iov, int iovcnt,
					  uint8_t out[32]);

/* AES-128-CMAC (RFC 4493) over the concatenation of iov. */
SMB_CRYPTO_MUST_CHECK int smb_aes128_cmac(const uint8_t key[16],
					  const struct iovec *iov, int iovcnt,
					  uint8_t out[16]);

/* AES-128-GMAC: GCM tag with iov as AAD and no plaintext. */
SMB_CRYPTO_MUST_CHECK int smb_aes128_gmac(const uint8_t key[16],
					  const uint8_t nonce[12],
					  const struct iovec *iov, int iovcnt,
					  uint8_t tag[16]);

/* The 12-byte AES-GMAC signing nonce of a 64-byte SMB2 header. */
void smb2_gmac_nonce(const uint8_t hdr[64], uint8_t nonce[12]);

#endif
