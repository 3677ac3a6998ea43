/*
 * SMB3 encryption on OpenSSL 3 EVP. The four AES ciphers are fetched once
 * per process. Each thread keeps two cipher contexts (one that encrypts,
 * one that decrypts) together with the key last loaded into each, so a
 * stream of messages under one session key sets only a new IV per message
 * instead of expanding the key (and, for GCM, the GHASH tables) again.
 * Tags are compared by OpenSSL with CRYPTO_memcmp (constant time).
 */
#include "smb2/smb2_transform.h"
#include "smb2/wire.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#define AES128_KEY_SIZE 16
#define AES256_KEY_SIZE 32
#define AEAD_MAX_KEY_SIZE AES256_KEY_SIZE

/* MS-SMB2 2.2.41: fields after Signature and Nonce */
#define TRANSFORM_ORIG_SIZE_OFF 36
#define TRANSFORM_RESERVED_OFF 40
#define TRANSFORM_FLAGS_OFF 42
#define TRANSFORM_SESSION_ID_OFF 44

enum { CIPHER_COUNT = 4 };

static struct {
	int status;
	pthread_key_t cache_key;
	EVP_CIPHER *evp[CIPHER_COUNT]; /* indexed by SMB2_CIPHER_* - 1 */
} transform;

static pthread_once_t transform_once = PTHREAD_ONCE_INIT;

/* One direction's context and the key (and cipher) currently loaded. */
struct aead_slot {
	EVP_CIPHER_CTX *ctx;
	uint16_t cipher; /* SMB2_CIPHER_NONE: nothing reusable loaded */
	size_t key_len;
	uint8_t key[AEAD_MAX_KEY_SIZE];
};

struct aead_cache {
	struct aead_slot enc;
	struct aead_slot dec;
	/* nonce salt, drawn once per thread: the random source costs more
	 * than encrypting a small message, and uniqueness comes from the
	 * caller's counter anyway */
	bool have_salt;
	uint8_t salt[SMB2_GCM_NONCE_SIZE - sizeof(uint64_t)];
};

static void slot_release(struct aead_slot *s)
{
	EVP_CIPHER_CTX_free(s->ctx);
	OPENSSL_cleanse(s->key, sizeof(s->key));
}

/* pthread key destructor: runs when a thread that encrypted exits. */
static void aead_cache_free(void *p)
{
	struct aead_cache *cache = p;

	slot_release(&cache->enc);
	slot_release(&cache->dec);
	free(cache);
}

static void transform_load(void)
{
	static const char *const names[CIPHER_COUNT] = {
		"AES-128-CCM", "AES-128-GCM", "AES-256-CCM", "AES-256-GCM"
	};

	transform.status = smb_crypto_init(); /* loads the providers */
	if (transform.status != 0)
		return;
	if (pthread_key_create(&transform.cache_key, aead_cache_free) != 0) {
		transform.status = -EAGAIN;
		return;
	}
	for (int i = 0; i < CIPHER_COUNT; i++) {
		transform.evp[i] = EVP_CIPHER_fetch(NULL, names[i], NULL);
		if (transform.evp[i] == NULL)
			transform.status = -ENOTSUP;
	}
	ERR_clear_error();
}

/* This thread's contexts, created on first use; NULL when out of memory. */
static struct aead_cache *aead_cache_get(void)
{
	struct aead_cache *cache;

	cache = pthread_getspecific(transform.cache_key);
	if (cache != NULL)
		return cache;
	/* plain calloc: the cache belongs to the thread, not to a talloc tree */
	cache = calloc(1, sizeof(*cache));
	if (cache == NULL)
		return NULL;
	cache->enc.ctx = EVP_CIPHER_CTX_new();
	cache->dec.ctx = EVP_CIPHER_CTX_new();
	if (cache->enc.ctx == NULL || cache->dec.ctx == NULL ||
	    pthread_setspecific(transform.cache_key, cache) != 0) {
		aead_cache_free(cache);
		return NULL;
	}
	return cache;
}

size_t smb2_cipher_key_len(uint16_t cipher)
{
	switch (cipher) {
	case SMB2_CIPHER_AES128_CCM:
	case SMB2_CIPHER_AES128_GCM:
		return AES128_KEY_SIZE;
	case SMB2_CIPHER_AES256_CCM:
	case SMB2_CIPHER_AES256_GCM:
		return AES256_KEY_SIZE;
	default:
		return 0;
	}
}

static bool cipher_is_ccm(uint16_t cipher)
{
	return cipher == SMB2_CIPHER_AES128_CCM ||
	       cipher == SMB2_CIPHER_AES256_CCM;
}

/* The cipher's IV length (MS-SMB2 2.2.41 AES_CCM_Nonce / AES_GCM_Nonce). */
static size_t cipher_iv_len(uint16_t cipher)
{
	if (smb2_cipher_key_len(cipher) == 0)
		return 0;
	return cipher_is_ccm(cipher) ? SMB2_CCM_NONCE_SIZE
				     : SMB2_GCM_NONCE_SIZE;
}

/* Loads cipher and key into the slot's context from scratch. */
static int slot_load_key(struct aead_slot *s, uint16_t cipher,
			 const uint8_t *key, size_t key_len, int enc,
			 const uint8_t *iv)
{
	const EVP_CIPHER *evp = transform.evp[cipher - 1];
	int iv_len = (int)cipher_iv_len(cipher);

	s->cipher = SMB2_CIPHER_NONE;
	/* a reset drops whatever a failed operation left half done */
	if (EVP_CIPHER_CTX_reset(s->ctx) != 1 ||
	    EVP_CipherInit_ex2(s->ctx, evp, NULL, NULL, enc, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_IVLEN, iv_len,
				NULL) != 1)
		return -EIO;
	/* CCM fixes the tag length (the M of RFC 3610) before the key */
	if (cipher_is_ccm(cipher) &&
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG,
				SMB2_TRANSFORM_TAG_SIZE, NULL) != 1)
		return -EIO;
	if (EVP_CipherInit_ex2(s->ctx, NULL, key, iv, enc, NULL) != 1)
		return -EIO;
	memcpy(s->key, key, key_len);
	s->key_len = key_len;
	s->cipher = cipher;
	return 0;
}

/*
 * Prepares the slot for one message: a new IV under the loaded key when
 * cipher and key are the ones loaded, else a full load. For CCM decryption
 * the expected tag must be known before the data goes through.
 */
static int slot_begin(struct aead_slot *s, uint16_t cipher,
		      const uint8_t *key, size_t key_len, int enc,
		      const uint8_t *iv, const uint8_t *ccm_tag)
{
	bool loaded = s->cipher == cipher && s->key_len == key_len &&
		      smb_ct_equal(s->key, key, key_len);
	int rc = 0;

	if (!loaded)
		rc = slot_load_key(s, cipher, key, key_len, enc, iv);
	else if (EVP_CipherInit_ex2(s->ctx, NULL, NULL, iv, enc, NULL) != 1)
		rc = -EIO;
	if (rc == 0 && ccm_tag != NULL &&
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG,
				SMB2_TRANSFORM_TAG_SIZE,
				(void *)ccm_tag) != 1)
		rc = -EIO;
	return rc;
}

/* A failed operation leaves the context unusable for a plain IV change. */
static int slot_fail(struct aead_slot *s, int rc)
{
	s->cipher = SMB2_CIPHER_NONE;
	ERR_clear_error();
	return rc;
}

static int iov_total(const struct iovec *iov, int iovcnt, size_t *total)
{
	size_t sum = 0;

	if (iovcnt < 0 || (iov == NULL && iovcnt > 0))
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_base == NULL && iov[i].iov_len != 0)
			return -EINVAL;
		if (iov[i].iov_len > SIZE_MAX - sum)
			return -EINVAL;
		sum += iov[i].iov_len;
	}
	*total = sum;
	return 0;
}

/* Checks what every AEAD entry point takes; 0 or -EINVAL / -errno. */
static int aead_check_args(uint16_t cipher, const uint8_t *key,
			   size_t key_len, const uint8_t *iv,
			   const uint8_t *aad, size_t aad_len, size_t data_len)
{
	/* SMB never encrypts an empty message; EVP takes int lengths */
	if (smb2_cipher_key_len(cipher) == 0 || key == NULL ||
	    key_len != smb2_cipher_key_len(cipher) || iv == NULL ||
	    (aad == NULL && aad_len != 0) || aad_len > INT_MAX ||
	    data_len == 0 || data_len > INT_MAX)
		return -EINVAL;
	if (pthread_once(&transform_once, transform_load) != 0)
		return -EAGAIN;
	return transform.status;
}

static int ctx_update(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in,
		      size_t len)
{
	int n;

	return EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 ? 0 : -EIO;
}

/* CCM takes the message length up front and the data in one update. */
static int ccm_encrypt(EVP_CIPHER_CTX *ctx, const uint8_t *aad,
		       size_t aad_len, const struct iovec *iov, int iovcnt,
		       uint8_t *out, size_t total)
{
	size_t off = 0;
	int n;

	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		memcpy(out + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	if (EVP_EncryptUpdate(ctx, NULL, &n, NULL, (int)total) != 1)
		return -EIO;
	if (aad_len > 0 && ctx_update(ctx, NULL, aad, aad_len) != 0)
		return -EIO;
	return ctx_update(ctx, out, out, total);
}

/* GCM streams: AAD first, then each iov entry straight into out. */
static int gcm_encrypt(EVP_CIPHER_CTX *ctx, const uint8_t *aad,
		       size_t aad_len, const struct iovec *iov, int iovcnt,
		       uint8_t *out)
{
	size_t off = 0;

	if (aad_len > 0 && ctx_update(ctx, NULL, aad, aad_len) != 0)
		return -EIO;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		if (ctx_update(ctx, out + off, iov[i].iov_base,
			       iov[i].iov_len) != 0)
			return -EIO;
		off += iov[i].iov_len;
	}
	return 0;
}

int smb2_aead_encrypt(uint16_t cipher, const uint8_t *key, size_t key_len,
		      const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		      const struct iovec *iov, int iovcnt, uint8_t *out,
		      uint8_t tag[SMB2_TRANSFORM_TAG_SIZE])
{
	struct aead_cache *cache;
	struct aead_slot *s;
	size_t total;
	int rc, n;

	rc = iov_total(iov, iovcnt, &total);
	if (rc != 0)
		return rc;
	if (out == NULL || tag == NULL)
		return -EINVAL;
	rc = aead_check_args(cipher, key, key_len, iv, aad, aad_len, total);
	if (rc != 0)
		return rc;
	cache = aead_cache_get();
	if (cache == NULL)
		return -ENOMEM;
	s = &cache->enc;
	rc = slot_begin(s, cipher, key, key_len, 1, iv, NULL);
	if (rc != 0)
		return slot_fail(s, rc);
	if (cipher_is_ccm(cipher))
		rc = ccm_encrypt(s->ctx, aad, aad_len, iov, iovcnt, out, total);
	else
		rc = gcm_encrypt(s->ctx, aad, aad_len, iov, iovcnt, out);
	/* neither mode holds back output, so Final writes nothing */
	if (rc == 0 && (EVP_EncryptFinal_ex(s->ctx, out + total, &n) != 1 ||
			EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_GET_TAG,
					    SMB2_TRANSFORM_TAG_SIZE,
					    tag) != 1))
		rc = -EIO;
	if (rc != 0)
		return slot_fail(s, rc);
	return 0;
}

/* Runs the cipher over data in place; 0 or -EBADMSG, -EIO. */
static int aead_decrypt_data(struct aead_slot *s, uint16_t cipher,
			     const uint8_t *aad, size_t aad_len, uint8_t *data,
			     size_t len, const uint8_t *tag)
{
	int n;

	if (cipher_is_ccm(cipher)) {
		if (EVP_DecryptUpdate(s->ctx, NULL, &n, NULL, (int)len) != 1)
			return -EIO;
		if (aad_len > 0 && ctx_update(s->ctx, NULL, aad, aad_len) != 0)
			return -EIO;
		/* CCM verifies the tag within this update */
		return ctx_update(s->ctx, data, data, len) == 0 ? 0 : -EBADMSG;
	}
	if (aad_len > 0 && ctx_update(s->ctx, NULL, aad, aad_len) != 0)
		return -EIO;
	if (ctx_update(s->ctx, data, data, len) != 0)
		return -EIO;
	if (EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG,
				SMB2_TRANSFORM_TAG_SIZE, (void *)tag) != 1)
		return -EIO;
	return EVP_DecryptFinal_ex(s->ctx, data + len, &n) == 1 ? 0 : -EBADMSG;
}

int smb2_aead_decrypt(uint16_t cipher, const uint8_t *key, size_t key_len,
		      const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		      uint8_t *data, size_t len,
		      const uint8_t tag[SMB2_TRANSFORM_TAG_SIZE])
{
	struct aead_cache *cache;
	struct aead_slot *s;
	int rc;

	if (data == NULL || tag == NULL)
		return -EINVAL;
	rc = aead_check_args(cipher, key, key_len, iv, aad, aad_len, len);
	if (rc != 0)
		return rc;
	cache = aead_cache_get();
	if (cache == NULL)
		return -ENOMEM;
	s = &cache->dec;
	rc = slot_begin(s, cipher, key, key_len, 0, iv,
			cipher_is_ccm(cipher) ? tag : NULL);
	if (rc == 0)
		rc = aead_decrypt_data(s, cipher, aad, aad_len, data, len, tag);
	if (rc != 0) {
		/* never leave unauthenticated plaintext behind */
		OPENSSL_cleanse(data, len);
		return slot_fail(s, rc);
	}
	return 0;
}

bool smb2_transform_hdr_decode(const uint8_t *p, size_t len,
			       struct smb2_transform_hdr *h)
{
	struct wire_rd r;
	uint32_t protocol_id;

	if (p == NULL || len < SMB2_TRANSFORM_HDR_SIZE)
		return false;
	wire_rd_init(&r, p, SMB2_TRANSFORM_HDR_SIZE);
	protocol_id = wire_rd_u32(&r);
	wire_rd_bytes(&r, h->signature, sizeof(h->signature));
	wire_rd_bytes(&r, h->nonce, sizeof(h->nonce));
	h->orig_size = wire_rd_u32(&r);
	wire_rd_skip(&r, 2); /* Reserved */
	h->flags = wire_rd_u16(&r);
	h->session_id = wire_rd_u64(&r);
	if (r.err || protocol_id != SMB2_TRANSFORM_PROTOCOL_ID)
		return false;
	if (h->flags != SMB2_TRANSFORM_FLAG_ENCRYPTED)
		return false;
	return h->orig_size > 0 &&
	       h->orig_size <= len - SMB2_TRANSFORM_HDR_SIZE;
}

void smb2_transform_hdr_encode(const struct smb2_transform_hdr *h,
			       uint8_t out[SMB2_TRANSFORM_HDR_SIZE])
{
	put_le32(out, SMB2_TRANSFORM_PROTOCOL_ID);
	memcpy(out + SMB2_TRANSFORM_SIGNATURE_OFF, h->signature,
	       sizeof(h->signature));
	memcpy(out + SMB2_TRANSFORM_NONCE_OFF, h->nonce, sizeof(h->nonce));
	put_le32(out + TRANSFORM_ORIG_SIZE_OFF, h->orig_size);
	put_le16(out + TRANSFORM_RESERVED_OFF, 0);
	put_le16(out + TRANSFORM_FLAGS_OFF, h->flags);
	put_le64(out + TRANSFORM_SESSION_ID_OFF, h->session_id);
}

int smb2_transform_nonce(uint16_t cipher, uint64_t counter,
			 uint8_t out[SMB2_TRANSFORM_NONCE_SIZE])
{
	size_t iv_len = cipher_iv_len(cipher);
	struct aead_cache *cache;
	int rc;

	if (iv_len == 0 || out == NULL)
		return -EINVAL;
	if (pthread_once(&transform_once, transform_load) != 0)
		return -EAGAIN;
	if (transform.status != 0)
		return transform.status;
	cache = aead_cache_get();
	if (cache == NULL)
		return -ENOMEM;
	if (!cache->have_salt) {
		rc = smb_random(cache->salt, sizeof(cache->salt));
		if (rc != 0)
			return rc;
		cache->have_salt = true;
	}
	memset(out, 0, SMB2_TRANSFORM_NONCE_SIZE);
	put_le64(out, counter);
	memcpy(out + sizeof(counter), cache->salt, iv_len - sizeof(counter));
	return 0;
}

int smb2_transform_encrypt(uint16_t cipher, const uint8_t *key, size_t key_len,
			   uint64_t session_id,
			   const uint8_t nonce[SMB2_TRANSFORM_NONCE_SIZE],
			   const struct iovec *iov, int iovcnt,
			   uint8_t hdr_out[SMB2_TRANSFORM_HDR_SIZE],
			   uint8_t *out)
{
	struct smb2_transform_hdr h = { .flags = SMB2_TRANSFORM_FLAG_ENCRYPTED,
					.session_id = session_id };
	size_t iv_len = cipher_iv_len(cipher);
	size_t total;
	int rc;

	if (iv_len == 0 || hdr_out == NULL)
		return -EINVAL;
	rc = iov_total(iov, iovcnt, &total);
	if (rc != 0)
		return rc;
	if (total == 0 || total > INT_MAX)
		return -EINVAL;
	if (nonce != NULL)
		memcpy(h.nonce, nonce, sizeof(h.nonce));
	else
		rc = smb_random(h.nonce, iv_len);
	if (rc != 0)
		return rc;
	h.orig_size = (uint32_t)total;
	smb2_transform_hdr_encode(&h, hdr_out);
	/* MS-SMB2 3.1.4.3: the header from Nonce on is the associated data */
	return smb2_aead_encrypt(cipher, key, key_len, h.nonce,
				 hdr_out + SMB2_TRANSFORM_AAD_OFF,
				 SMB2_TRANSFORM_AAD_SIZE, iov, iovcnt, out,
				 hdr_out + SMB2_TRANSFORM_SIGNATURE_OFF);
}

int smb2_transform_decrypt(uint16_t cipher, const uint8_t *key, size_t key_len,
			   uint8_t *buf, size_t len, size_t *plain_off,
			   size_t *plain_len)
{
	struct smb2_transform_hdr h;
	int rc;

	if (plain_off == NULL || plain_len == NULL)
		return -EINVAL;
	if (!smb2_transform_hdr_decode(buf, len, &h))
		return -EINVAL;
	/* bytes after the ciphertext would be unauthenticated: refuse them */
	if (h.orig_size != len - SMB2_TRANSFORM_HDR_SIZE)
		return -EINVAL;
	rc = smb2_aead_decrypt(cipher, key, key_len, h.nonce,
			       buf + SMB2_TRANSFORM_AAD_OFF,
			       SMB2_TRANSFORM_AAD_SIZE,
			       buf + SMB2_TRANSFORM_HDR_SIZE, h.orig_size,
			       h.signature);
	if (rc != 0)
		return rc;
	*plain_off = SMB2_TRANSFORM_HDR_SIZE;
	*plain_len = h.orig_size;
	return 0;
}
