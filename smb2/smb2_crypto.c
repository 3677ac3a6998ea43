/*
 * SMB2/3 cryptography on OpenSSL 3: algorithms are fetched once from the
 * default and legacy providers and shared (fetched EVP objects are safe to
 * use from several threads); every operation gets its own short-lived
 * context. The only hand-written algorithm is an MD4 fallback for systems
 * whose OpenSSL ships without the legacy provider: NTLM cannot work without
 * MD4, while RC4 (only needed for NTLMSSP key exchange) then reports
 * -ENOTSUP.
 */
#include "smb2/smb2_crypto.h"
#include "smb2/smb2_crypto_internal.h"
#include "smb2/wire.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

/* MS-SMB2 2.2.1: the header and where its fields used here sit. */
#define SMB2_HDR_SIZE 64
#define SMB2_HDR_COMMAND_OFF 12
#define SMB2_HDR_FLAGS_OFF 16
#define SMB2_HDR_MESSAGE_ID_OFF 24
#define SMB2_HDR_SIGNATURE_OFF 48
#define SMB2_SIGNATURE_SIZE 16

#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001
#define SMB2_OP_CANCEL 0x000c

#define GMAC_NONCE_SIZE 12
#define SHA256_SIZE 32
#define RC4_MAX_KEY_SIZE 256

static struct {
	int status;
	bool have_legacy;
	EVP_MD *md4; /* NULL without the legacy provider */
	EVP_MD *md5;
	EVP_MD *sha512;
	EVP_MAC *hmac;
	EVP_MAC *cmac;
	EVP_CIPHER *aes128_gcm;
	EVP_CIPHER *rc4; /* NULL without the legacy provider */
} crypto;

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;

static void crypto_load(void)
{
	/*
	 * Loading any provider explicitly stops OpenSSL from loading the
	 * default one on demand, so both are loaded here.
	 */
	if (OSSL_PROVIDER_load(NULL, "default") == NULL) {
		crypto.status = -ENOTSUP;
		ERR_clear_error();
		return;
	}
	crypto.have_legacy = OSSL_PROVIDER_load(NULL, "legacy") != NULL;
	if (crypto.have_legacy) {
		crypto.md4 = EVP_MD_fetch(NULL, "MD4", NULL);
		crypto.rc4 = EVP_CIPHER_fetch(NULL, "RC4", NULL);
	}
	crypto.md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	crypto.sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
	crypto.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	crypto.cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	crypto.aes128_gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	if (crypto.md5 == NULL || crypto.sha512 == NULL ||
	    crypto.hmac == NULL || crypto.cmac == NULL ||
	    crypto.aes128_gcm == NULL)
		crypto.status = -ENOTSUP;
	/* failed optional fetches leave errors that are not ours to report */
	ERR_clear_error();
}

static int crypto_ready(void)
{
	if (pthread_once(&crypto_once, crypto_load) != 0)
		return -EAGAIN;
	return crypto.status;
}

int smb_crypto_init(void)
{
	return crypto_ready();
}

bool smb_crypto_have_legacy(void)
{
	return crypto_ready() == 0 && crypto.have_legacy;
}

/* ---- iovec plumbing ---------------------------------------------------- */

typedef int (*chunk_sink_fn)(void *sink_ctx, const uint8_t *p, size_t n);

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

/* Copies [off, off + n) of the concatenated iov; the caller checked size. */
static void iov_gather(const struct iovec *iov, int iovcnt, size_t off,
		       uint8_t *dst, size_t n)
{
	for (int i = 0; i < iovcnt && n > 0; i++) {
		size_t len = iov[i].iov_len;
		size_t take;

		if (off >= len) {
			off -= len;
			continue;
		}
		take = len - off < n ? len - off : n;
		memcpy(dst, (const uint8_t *)iov[i].iov_base + off, take);
		dst += take;
		n -= take;
		off = 0;
	}
}

/* The library is usable and iov well formed; *total is its byte count. */
static int ready_for_iov(const struct iovec *iov, int iovcnt, size_t *total)
{
	int ret = crypto_ready();

	return ret != 0 ? ret : iov_total(iov, iovcnt, total);
}

/*
 * Hands the concatenated iov to sink in pieces. With zero_signature the
 * SMB2 header's Signature field goes out as zeros (MS-SMB2 3.1.4.1) while
 * the caller's buffers stay untouched, wherever the iov boundaries fall.
 */
static int feed_iov(const struct iovec *iov, int iovcnt, bool zero_signature,
		    chunk_sink_fn sink, void *sink_ctx)
{
	static const uint8_t zeros[SMB2_SIGNATURE_SIZE];
	const size_t sig_start = SMB2_HDR_SIGNATURE_OFF;
	const size_t sig_end = sig_start + SMB2_SIGNATURE_SIZE;
	size_t off = 0;

	for (int i = 0; i < iovcnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left > 0) {
			const uint8_t *src = p;
			size_t take = left;
			int ret;

			if (zero_signature && off < sig_start) {
				if (take > sig_start - off)
					take = sig_start - off;
			} else if (zero_signature && off < sig_end) {
				if (take > sig_end - off)
					take = sig_end - off;
				src = zeros;
			}
			ret = sink(sink_ctx, src, take);
			if (ret != 0)
				return ret;
			p += take;
			left -= take;
			off += take;
		}
	}
	return 0;
}

static int mac_sink(void *sink_ctx, const uint8_t *p, size_t n)
{
	return EVP_MAC_update(sink_ctx, p, n) ? 0 : -EIO;
}

static int digest_sink(void *sink_ctx, const uint8_t *p, size_t n)
{
	return EVP_DigestUpdate(sink_ctx, p, n) ? 0 : -EIO;
}

/* Feeds GCM additional authenticated data; EVP takes int lengths. */
static int gcm_aad_sink(void *sink_ctx, const uint8_t *p, size_t n)
{
	while (n > 0) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;
		int out_len;

		if (!EVP_EncryptUpdate(sink_ctx, NULL, &out_len, p, chunk))
			return -EIO;
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

/* ---- generic MAC, digest and GMAC over iov ----------------------------- */

static int mac_iov(EVP_MAC *mac, const OSSL_PARAM *params, const uint8_t *key,
		   size_t key_len, const struct iovec *iov, int iovcnt,
		   bool zero_signature, uint8_t *out, size_t out_size)
{
	static const uint8_t empty_key[1];
	EVP_MAC_CTX *ctx;
	size_t out_len = 0;
	int ret;

	if (key == NULL && key_len != 0)
		return -EINVAL;
	ctx = EVP_MAC_CTX_new(mac);
	if (ctx == NULL)
		return -ENOMEM;
	ret = -EIO;
	/* a NULL key would mean "keep the previous key" to OpenSSL */
	if (!EVP_MAC_init(ctx, key_len ? key : empty_key, key_len, params))
		goto out;
	ret = feed_iov(iov, iovcnt, zero_signature, mac_sink, ctx);
	if (ret != 0)
		goto out;
	ret = -EIO;
	if (!EVP_MAC_final(ctx, out, &out_len, out_size) || out_len != out_size)
		goto out;
	ret = 0;
out:
	EVP_MAC_CTX_free(ctx);
	return ret;
}

static int hmac_iov(const char *digest, const uint8_t *key, size_t key_len,
		    const struct iovec *iov, int iovcnt, bool zero_signature,
		    uint8_t *out, size_t out_size)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 (char *)digest, 0),
		OSSL_PARAM_construct_end(),
	};
	size_t total;
	int ret = ready_for_iov(iov, iovcnt, &total);

	if (ret != 0)
		return ret;
	return mac_iov(crypto.hmac, params, key, key_len, iov, iovcnt,
		       zero_signature, out, out_size);
}

static int cmac_iov(const uint8_t key[16], const struct iovec *iov,
		    int iovcnt, bool zero_signature, uint8_t out[16])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
						 (char *)"AES-128-CBC", 0),
		OSSL_PARAM_construct_end(),
	};

	return mac_iov(crypto.cmac, params, key, 16, iov, iovcnt,
		       zero_signature, out, 16);
}

static int gmac_iov(const uint8_t key[16], const uint8_t nonce[12],
		    const struct iovec *iov, int iovcnt, bool zero_signature,
		    uint8_t tag[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t unused[16];
	int out_len;
	int ret;

	if (ctx == NULL)
		return -ENOMEM;
	ret = -EIO;
	/* AES-128-GCM's default IV length is the 12 bytes GMAC uses */
	if (!EVP_EncryptInit_ex2(ctx, crypto.aes128_gcm, key, nonce, NULL))
		goto out;
	ret = feed_iov(iov, iovcnt, zero_signature, gcm_aad_sink, ctx);
	if (ret != 0)
		goto out;
	ret = -EIO;
	if (!EVP_EncryptFinal_ex(ctx, unused, &out_len) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag))
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

/* out = md(prefix || iov); prefix may be empty. */
static int digest_iov(const EVP_MD *md, const uint8_t *prefix,
		      size_t prefix_len, const struct iovec *iov, int iovcnt,
		      uint8_t *out, unsigned int out_size)
{
	EVP_MD_CTX *ctx;
	unsigned int out_len = 0;
	size_t total;
	int ret = iov_total(iov, iovcnt, &total);

	if (ret != 0)
		return ret;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return -ENOMEM;
	ret = -EIO;
	if (!EVP_DigestInit_ex2(ctx, md, NULL) ||
	    !EVP_DigestUpdate(ctx, prefix, prefix_len))
		goto out;
	ret = feed_iov(iov, iovcnt, false, digest_sink, ctx);
	if (ret != 0)
		goto out;
	ret = -EIO;
	if (!EVP_DigestFinal_ex(ctx, out, &out_len) || out_len != out_size)
		goto out;
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* ---- MD4 fallback (RFC 1320) ------------------------------------------- */

static uint32_t rol32(uint32_t v, unsigned int s)
{
	return (v << s) | (v >> (32 - s));
}

static void md4_block(uint32_t state[4], const uint8_t block[64])
{
	static const uint8_t round2_word[16] = { 0, 4, 8,  12, 1, 5, 9,  13,
						 2, 6, 10, 14, 3, 7, 11, 15 };
	static const uint8_t round3_word[16] = { 0, 8, 4, 12, 2, 10, 6, 14,
						 1, 9, 5, 13, 3, 11, 7, 15 };
	static const uint8_t shift[3][4] = { { 3, 7, 11, 19 },
					     { 3, 5, 9, 13 },
					     { 3, 9, 11, 15 } };
	uint32_t x[16];
	uint32_t v[4] = { state[0], state[1], state[2], state[3] };

	for (int i = 0; i < 16; i++)
		x[i] = get_le32(block + 4 * i);
	/* step i updates a, d, c, b in turn; the others rotate along */
	for (int i = 0; i < 48; i++) {
		unsigned int t = (4 - (i & 3)) & 3;
		uint32_t b = v[(t + 1) & 3], c = v[(t + 2) & 3];
		uint32_t d = v[(t + 3) & 3];
		uint32_t f;
		unsigned int k;

		if (i < 16) {
			f = (b & c) | (~b & d);
			k = (unsigned int)i;
		} else if (i < 32) {
			f = ((b & c) | (b & d) | (c & d)) + 0x5a827999;
			k = round2_word[i - 16];
		} else {
			f = (b ^ c ^ d) + 0x6ed9eba1;
			k = round3_word[i - 32];
		}
		v[t] = rol32(v[t] + f + x[k], shift[i / 16][i & 3]);
	}
	for (int i = 0; i < 4; i++)
		state[i] += v[i];
}

void smb_md4_fallback(const uint8_t *data, size_t len, uint8_t out[16])
{
	uint32_t state[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	uint8_t tail[128] = { 0 };
	size_t full = len & ~(size_t)63;
	size_t rest = len - full;
	size_t tail_len = rest < 56 ? 64 : 128;

	for (size_t off = 0; off < full; off += 64)
		md4_block(state, data + off);
	if (rest > 0)
		memcpy(tail, data + full, rest);
	tail[rest] = 0x80;
	put_le64(tail + tail_len - 8, (uint64_t)len << 3);
	md4_block(state, tail);
	if (tail_len == 128)
		md4_block(state, tail + 64);
	for (int i = 0; i < 4; i++)
		put_le32(out + 4 * i, state[i]);
	OPENSSL_cleanse(tail, sizeof(tail));
}

int smb_md4(const uint8_t *data, size_t len, uint8_t out[16])
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	int ret = crypto_ready();

	if (ret != 0)
		return ret;
	if (data == NULL && len != 0)
		return -EINVAL;
	if (crypto.md4 == NULL) {
		smb_md4_fallback(data, len, out);
		return 0;
	}
	return digest_iov(crypto.md4, NULL, 0, &iov, 1, out, 16);
}

/* ---- NT hash ----------------------------------------------------------- */

/* Decodes one well-formed UTF-8 sequence (no overlongs, no surrogates). */
static int utf8_decode_one(const uint8_t *s, size_t len, size_t *pos,
			   uint32_t *cp)
{
	uint8_t lead = s[*pos];
	size_t trail;
	uint32_t min, v;

	if (lead < 0x80) {
		*cp = lead;
		*pos += 1;
		return 0;
	}
	if (lead >= 0xc2 && lead <= 0xdf) {
		trail = 1, min = 0x80, v = lead & 0x1f;
	} else if (lead >= 0xe0 && lead <= 0xef) {
		trail = 2, min = 0x800, v = lead & 0x0f;
	} else if (lead >= 0xf0 && lead <= 0xf4) {
		trail = 3, min = 0x10000, v = lead & 0x07;
	} else {
		return -EINVAL;
	}
	if (len - *pos <= trail)
		return -EINVAL;
	for (size_t k = 1; k <= trail; k++) {
		uint8_t c = s[*pos + k];

		if ((c & 0xc0) != 0x80)
			return -EINVAL;
		v = (v << 6) | (c & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return -EINVAL;
	*cp = v;
	*pos += trail + 1;
	return 0;
}

/*
 * UTF-8 to UTF-16LE with surrogate pairs; out holds 2 * len bytes, which is
 * enough as no UTF-8 sequence yields more than two bytes per input byte.
 */
static int utf8_to_utf16le_bytes(const uint8_t *in, size_t len, uint8_t *out,
				 size_t *out_len)
{
	size_t pos = 0, n = 0;

	while (pos < len) {
		uint32_t cp;
		int ret = utf8_decode_one(in, len, &pos, &cp);

		if (ret != 0)
			return ret;
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;

			put_le16(out + n, (uint16_t)(0xd800 | v >> 10));
			put_le16(out + n + 2, (uint16_t)(0xdc00 | (v & 0x3ff)));
			n += 4;
		} else {
			put_le16(out + n, (uint16_t)cp);
			n += 2;
		}
	}
	*out_len = n;
	return 0;
}

/* MS-NLMP 3.3.1: NTOWFv1 = MD4(UNICODE(Passwd)). */
int smb_nt_hash(const char *password_utf8, uint8_t out[16])
{
	size_t len, utf16_len = 0;
	uint8_t *utf16;
	int ret;

	if (password_utf8 == NULL || out == NULL)
		return -EINVAL;
	len = strlen(password_utf8);
	if (len > SIZE_MAX / 2 - 1)
		return -EINVAL;
	/* +1 keeps the allocation non-empty for the empty password */
	utf16 = OPENSSL_malloc(2 * len + 1);
	if (utf16 == NULL)
		return -ENOMEM;
	ret = utf8_to_utf16le_bytes((const uint8_t *)password_utf8, len, utf16,
				    &utf16_len);
	if (ret == 0)
		ret = smb_md4(utf16, utf16_len, out);
	OPENSSL_clear_free(utf16, 2 * len + 1);
	return ret;
}

/* ---- MD5, HMAC-MD5, RC4 (NTLMSSP) -------------------------------------- */

int smb_hmac_md5(const uint8_t *key, size_t key_len, const struct iovec *iov,
		 int iovcnt, uint8_t out[16])
{
	if (out == NULL)
		return -EINVAL;
	return hmac_iov("MD5", key, key_len, iov, iovcnt, false, out, 16);
}

int smb_md5(const uint8_t *data, size_t len, uint8_t out[16])
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	int ret = crypto_ready();

	if (ret != 0)
		return ret;
	if (out == NULL)
		return -EINVAL;
	return digest_iov(crypto.md5, NULL, 0, &iov, 1, out, 16);
}

int smb_rc4(const uint8_t *key, size_t key_len, uint8_t *data, size_t len)
{
	EVP_CIPHER_CTX *ctx;
	int ret = crypto_ready();

	if (ret != 0)
		return ret;
	if (crypto.rc4 == NULL)
		return -ENOTSUP;
	if (key == NULL || key_len == 0 || key_len > RC4_MAX_KEY_SIZE ||
	    (data == NULL && len != 0))
		return -EINVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return -ENOMEM;
	ret = -EIO;
	/* RC4 keys vary in length: set it before handing over the key */
	if (!EVP_EncryptInit_ex2(ctx, crypto.rc4, NULL, NULL, NULL) ||
	    !EVP_CIPHER_CTX_set_key_length(ctx, (int)key_len) ||
	    !EVP_EncryptInit_ex2(ctx, NULL, key, NULL, NULL))
		goto out;
	while (len > 0) {
		int chunk = len > INT_MAX ? INT_MAX : (int)len;
		int out_len;

		if (!EVP_EncryptUpdate(ctx, data, &out_len, data, chunk) ||
		    out_len != chunk)
			goto out;
		data += chunk;
		len -= (size_t)chunk;
	}
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

/* ---- SHA-256 based: HMAC, KDF ------------------------------------------ */

int smb_hmac_sha256(const uint8_t *key, size_t key_len,
		    const struct iovec *iov, int iovcnt, uint8_t out[32])
{
	if (out == NULL)
		return -EINVAL;
	return hmac_iov("SHA256", key, key_len, iov, iovcnt, false, out,
			SHA256_SIZE);
}

/*
 * SP800-108 5.1 counter mode, PRF HMAC-SHA256, r = 32:
 * K(i) = PRF(key, [i]_32 || Label || 0x00 || Context || [L]_32).
 */
int smb2_kdf(const uint8_t *key, size_t key_len, const uint8_t *label,
	     size_t label_len, const uint8_t *context, size_t context_len,
	     uint8_t *out, size_t out_len)
{
	static const uint8_t separator;
	uint8_t counter[4], length_bits[4], block[SHA256_SIZE];
	struct iovec fixed[] = {
		{ .iov_base = counter, .iov_len = sizeof(counter) },
		{ .iov_base = (void *)label, .iov_len = label_len },
		{ .iov_base = (void *)&separator, .iov_len = 1 },
		{ .iov_base = (void *)context, .iov_len = context_len },
		{ .iov_base = length_bits, .iov_len = sizeof(length_bits) },
	};
	size_t done = 0;
	int ret = 0;

	if (out == NULL || out_len == 0 || out_len > UINT32_MAX / 8 ||
	    (key == NULL && key_len != 0))
		return -EINVAL;
	put_be32(length_bits, (uint32_t)(out_len * 8));
	for (uint32_t i = 1; done < out_len; i++) {
		size_t take = out_len - done;

		put_be32(counter, i);
		ret = smb_hmac_sha256(key, key_len, fixed, 5, block);
		if (ret != 0)
			break;
		if (take > sizeof(block))
			take = sizeof(block);
		memcpy(out + done, block, take);
		done += take;
	}
	OPENSSL_cleanse(block, sizeof(block));
	if (ret != 0)
		OPENSSL_cleanse(out, out_len);
	return ret;
}

/* ---- signing (MS-SMB2 3.1.4.1) ----------------------------------------- */

int smb_aes128_cmac(const uint8_t key[16], const struct iovec *iov,
		    int iovcnt, uint8_t out[16])
{
	size_t total;
	int ret = ready_for_iov(iov, iovcnt, &total);

	if (ret != 0)
		return ret;
	if (key == NULL || out == NULL)
		return -EINVAL;
	return cmac_iov(key, iov, iovcnt, false, out);
}

int smb_aes128_gmac(const uint8_t key[16], const uint8_t nonce[12],
		    const struct iovec *iov, int iovcnt, uint8_t tag[16])
{
	size_t total;
	int ret = ready_for_iov(iov, iovcnt, &total);

	if (ret != 0)
		return ret;
	if (key == NULL || nonce == NULL || tag == NULL)
		return -EINVAL;
	return gmac_iov(key, nonce, iov, iovcnt, false, tag);
}

/*
 * MS-SMB2 3.1.4.1: MessageId as on the wire, then a 32-bit little-endian
 * word with bit 0 set for responses (SMB2_FLAGS_SERVER_TO_REDIR) and bit 1
 * for CANCEL, so a request, its response and a cancel never share a nonce.
 */
void smb2_gmac_nonce(const uint8_t hdr[64], uint8_t nonce[12])
{
	uint32_t extra = 0;

	if (get_le32(hdr + SMB2_HDR_FLAGS_OFF) & SMB2_FLAGS_SERVER_TO_REDIR)
		extra |= 1;
	if (get_le16(hdr + SMB2_HDR_COMMAND_OFF) == SMB2_OP_CANCEL)
		extra |= 2;
	memcpy(nonce, hdr + SMB2_HDR_MESSAGE_ID_OFF, 8);
	put_le32(nonce + 8, extra);
}

int smb2_signature_compute(enum smb2_sign_alg alg, const uint8_t key[16],
			   const struct iovec *iov, int iovcnt,
			   uint8_t sig[16])
{
	uint8_t hdr[SMB2_HDR_SIZE], nonce[GMAC_NONCE_SIZE];
	uint8_t full[SHA256_SIZE];
	size_t total;
	int ret = ready_for_iov(iov, iovcnt, &total);

	if (ret != 0)
		return ret;
	if (key == NULL || sig == NULL || total < SMB2_HDR_SIZE)
		return -EINVAL;

	switch (alg) {
	case SMB2_SIGN_HMAC_SHA256:
		ret = hmac_iov("SHA256", key, 16, iov, iovcnt, true, full,
			       sizeof(full));
		if (ret == 0)
			memcpy(sig, full, SMB2_SIGNATURE_SIZE);
		OPENSSL_cleanse(full, sizeof(full));
		return ret;
	case SMB2_SIGN_AES_CMAC:
		return cmac_iov(key, iov, iovcnt, true, sig);
	case SMB2_SIGN_AES_GMAC:
		iov_gather(iov, iovcnt, 0, hdr, sizeof(hdr));
		smb2_gmac_nonce(hdr, nonce);
		return gmac_iov(key, nonce, iov, iovcnt, true, sig);
	}
	return -EINVAL;
}

bool smb2_signature_check(enum smb2_sign_alg alg, const uint8_t key[16],
			  const struct iovec *iov, int iovcnt)
{
	uint8_t expected[SMB2_SIGNATURE_SIZE], received[SMB2_SIGNATURE_SIZE];
	bool ok;

	/* this also checks that the iov holds a whole header */
	if (smb2_signature_compute(alg, key, iov, iovcnt, expected) != 0)
		return false;
	iov_gather(iov, iovcnt, SMB2_HDR_SIGNATURE_OFF, received,
		   sizeof(received));
	ok = CRYPTO_memcmp(expected, received, sizeof(expected)) == 0;
	OPENSSL_cleanse(expected, sizeof(expected));
	return ok;
}

/* ---- preauth integrity and session keys -------------------------------- */

int smb2_preauth_update(uint8_t hash[SMB2_PREAUTH_HASH_SIZE],
			const struct iovec *iov, int iovcnt)
{
	int ret = crypto_ready();

	if (ret != 0)
		return ret;
	if (hash == NULL)
		return -EINVAL;
	/* the digest reads the old value before it writes the new one */
	return digest_iov(crypto.sha512, hash, SMB2_PREAUTH_HASH_SIZE, iov,
			  iovcnt, hash, SMB2_PREAUTH_HASH_SIZE);
}

/* A KDF label or context written as a C string, its NUL included. */
#define KDF_STR(s) (const uint8_t *)(s), sizeof(s)

/* MS-SMB2 3.3.5.5.3 for dialects 3.0 and 3.0.2. */
static int derive_keys_30(const uint8_t session_key[16],
			  struct smb2_session_keys *out)
{
	int ret;

	ret = smb2_kdf(session_key, 16, KDF_STR("SMB2AESCMAC"),
		       KDF_STR("SmbSign"), out->signing, 16);
	if (ret == 0)
		ret = smb2_kdf(session_key, 16, KDF_STR("SMB2APP"),
			       KDF_STR("SmbRpc"), out->application, 16);
	/* the server encrypts what the client decrypts: "ServerOut" */
	if (ret == 0)
		ret = smb2_kdf(session_key, 16, KDF_STR("SMB2AESCCM"),
			       KDF_STR("ServerOut"), out->encryption, 16);
	if (ret == 0)
		ret = smb2_kdf(session_key, 16, KDF_STR("SMB2AESCCM"),
			       KDF_STR("ServerIn "), out->decryption, 16);
	out->cipher_key_len = 16;
	return ret;
}

/*
 * MS-SMB2 3.3.5.5.3 for dialect 3.1.1: the preauth hash is the context.
 * The 256-bit ciphers derive their keys from the full session key with
 * L = 256; signing and application keys stay 128-bit from SessionKey.
 */
static int derive_keys_311(const uint8_t session_key[16],
			   const uint8_t *full_key, size_t full_key_len,
			   const uint8_t hash[SMB2_PREAUTH_HASH_SIZE],
			   bool aes256, struct smb2_session_keys *out)
{
	const uint8_t *cipher_key = aes256 ? full_key : session_key;
	size_t cipher_key_in = aes256 ? full_key_len : 16;
	size_t len = aes256 ? 32 : 16;
	int ret;

	ret = smb2_kdf(session_key, 16, KDF_STR("SMBSigningKey"), hash,
		       SMB2_PREAUTH_HASH_SIZE, out->signing, 16);
	if (ret == 0)
		ret = smb2_kdf(session_key, 16, KDF_STR("SMBAppKey"), hash,
			       SMB2_PREAUTH_HASH_SIZE, out->application, 16);
	if (ret == 0)
		ret = smb2_kdf(cipher_key, cipher_key_in,
			       KDF_STR("SMBS2CCipherKey"), hash,
			       SMB2_PREAUTH_HASH_SIZE, out->encryption, len);
	if (ret == 0)
		ret = smb2_kdf(cipher_key, cipher_key_in,
			       KDF_STR("SMBC2SCipherKey"), hash,
			       SMB2_PREAUTH_HASH_SIZE, out->decryption, len);
	out->cipher_key_len = len;
	return ret;
}

int smb2_derive_session_keys(uint16_t dialect, const uint8_t *session_key,
			     size_t session_key_len,
			     const uint8_t preauth_hash[SMB2_PREAUTH_HASH_SIZE],
			     uint16_t cipher, struct smb2_session_keys *out)
{
	/* MS-SMB2 3.3.1.8: SessionKey is the first 16 bytes, zero padded */
	uint8_t key16[16] = { 0 };
	bool aes256 = cipher == SMB2_CIPHER_AES256_CCM ||
		      cipher == SMB2_CIPHER_AES256_GCM;
	int ret;

	if (out == NULL || session_key == NULL || session_key_len == 0 ||
	    cipher > SMB2_CIPHER_AES256_GCM)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memcpy(key16, session_key, session_key_len < 16 ? session_key_len : 16);

	switch (dialect) {
	case SMB2_DIALECT_202:
	case SMB2_DIALECT_210:
		/* signing uses the session key itself; no encryption */
		memcpy(out->signing, key16, 16);
		ret = 0;
		break;
	case SMB2_DIALECT_300:
	case SMB2_DIALECT_302:
		/* 256-bit ciphers are negotiated by 3.1.1 contexts only */
		ret = aes256 ? -EINVAL : derive_keys_30(key16, out);
		break;
	case SMB2_DIALECT_311:
		if (preauth_hash == NULL) {
			ret = -EINVAL;
			break;
		}
		if (session_key_len < 16)
			ret = derive_keys_311(key16, key16, 16, preauth_hash,
					      aes256, out);
		else
			ret = derive_keys_311(key16, session_key,
					      session_key_len, preauth_hash,
					      aes256, out);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	OPENSSL_cleanse(key16, sizeof(key16));
	if (ret != 0)
		OPENSSL_cleanse(out, sizeof(*out));
	return ret;
}

/* ---- small helpers ----------------------------------------------------- */

bool smb_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int smb_random(void *buf, size_t n)
{
	uint8_t *p = buf;

	if (buf == NULL && n != 0)
		return -EINVAL;
	while (n > 0) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;

		if (RAND_bytes(p, chunk) != 1)
			return -EIO;
		p += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}
