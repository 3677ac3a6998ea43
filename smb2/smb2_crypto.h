/*
 * SMB2/3 cryptographic primitives on OpenSSL 3 EVP: NT hash, SP800-108 KDF
 * (MS-SMB2 3.1.4.2), message signing (MS-SMB2 3.1.4.1: HMAC-SHA256,
 * AES-128-CMAC, AES-128-GMAC), preauth integrity hash (SHA-512, MS-SMB2
 * 3.3.5.4) and per-session key derivation (MS-SMB2 3.3.5.5.3).
 */
#ifndef USMBD_SMB2_CRYPTO_H
#define USMBD_SMB2_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define SMB2_DIALECT_202 0x0202
#define SMB2_DIALECT_210 0x0210
#define SMB2_DIALECT_300 0x0300
#define SMB2_DIALECT_302 0x0302
#define SMB2_DIALECT_311 0x0311

enum smb2_sign_alg {
	SMB2_SIGN_HMAC_SHA256 = 0,
	SMB2_SIGN_AES_CMAC = 1,
	SMB2_SIGN_AES_GMAC = 2,
};

/* Encryption cipher ids as on the wire (MS-SMB2 2.2.3.1.2). */
#define SMB2_CIPHER_NONE 0x0000
#define SMB2_CIPHER_AES128_CCM 0x0001
#define SMB2_CIPHER_AES128_GCM 0x0002
#define SMB2_CIPHER_AES256_CCM 0x0003
#define SMB2_CIPHER_AES256_GCM 0x0004

#define SMB2_PREAUTH_HASH_SIZE 64

/* Loads what OpenSSL needs (the legacy provider for MD4/RC4). 0 or -errno. */
int smb_crypto_init(void);

/* NT hash = MD4(UTF-16LE(password)). 0 or -errno (-EINVAL for bad UTF-8). */
int smb_nt_hash(const char *password_utf8, uint8_t out[16]);

/* HMAC-MD5 over the concatenation of iov. 0 or -errno. */
int smb_hmac_md5(const uint8_t *key, size_t key_len, const struct iovec *iov,
		 int iovcnt, uint8_t out[16]);

/* MD5 of data. 0 or -errno. */
int smb_md5(const uint8_t *data, size_t len, uint8_t out[16]);

/* RC4 in place (NTLMSSP key exchange / sealing). 0 or -errno. */
int smb_rc4(const uint8_t *key, size_t key_len, uint8_t *data, size_t len);

/*
 * SP800-108 counter-mode KDF with HMAC-SHA256, r=32, L=out_len*8, as
 * MS-SMB2 3.1.4.2 uses it. label/context are taken as given (include the
 * terminating NUL in label_len where the spec's label has one).
 */
int smb2_kdf(const uint8_t *key, size_t key_len, const uint8_t *label,
	     size_t label_len, const uint8_t *context, size_t context_len,
	     uint8_t *out, size_t out_len);

/*
 * Computes the 16-byte SMB2 signature of one message given as iov; iov[0]
 * must begin with the whole 64-byte SMB2 header. The header's Signature
 * field (bytes 48..63) is treated as zero whatever it holds; the buffers are
 * not modified. For AES-GMAC the nonce comes from the header (MessageId,
 * SERVER_TO_REDIR flag, CANCEL command) per MS-SMB2 3.1.4.1.
 * key is 16 bytes (HMAC-SHA256 uses the 16-byte session key as key).
 */
int smb2_signature_compute(enum smb2_sign_alg alg, const uint8_t key[16],
			   const struct iovec *iov, int iovcnt,
			   uint8_t sig[16]);

/* Checks the header's Signature against the computed one, constant time. */
bool smb2_signature_check(enum smb2_sign_alg alg, const uint8_t key[16],
			  const struct iovec *iov, int iovcnt);

/* hash = SHA-512(hash || message) (MS-SMB2 3.3.5.4 / 3.3.5.5). */
int smb2_preauth_update(uint8_t hash[SMB2_PREAUTH_HASH_SIZE],
			const struct iovec *iov, int iovcnt);

struct smb2_session_keys {
	uint8_t signing[16];
	/* key the server encrypts with (client's decryption key), and the
	 * key it decrypts with; 32 bytes for AES-256, else first 16 used */
	uint8_t encryption[32];
	uint8_t decryption[32];
	uint8_t application[16];
	size_t cipher_key_len;
};

/*
 * Derives the session's keys from the (first 16 bytes of the) session key
 * per MS-SMB2 3.3.5.5.3. dialect is one of SMB2_DIALECT_*; preauth_hash is
 * used for 3.1.1 only; cipher is SMB2_CIPHER_* (256-bit ciphers derive
 * 32-byte keys from the full session key, MS-SMB2 3.2.5.3.1).
 */
int smb2_derive_session_keys(uint16_t dialect, const uint8_t *session_key,
			     size_t session_key_len,
			     const uint8_t preauth_hash[SMB2_PREAUTH_HASH_SIZE],
			     uint16_t cipher, struct smb2_session_keys *out);

/* Constant-time equality. */
bool smb_ct_equal(const void *a, const void *b, size_t n);

/* Cryptographically random bytes. 0 or -errno. */
int smb_random(void *buf, size_t n);

#endif
