/*
 * SMB2 TRANSFORM_HEADER decoding and decryption (MS-SMB2 2.2.41,
 * 3.3.5.2.1). The first byte picks the cipher and the mode: with bit 7
 * clear the rest is a received message to decode and decrypt under a
 * fixed key; with it set the rest is a plaintext message that is
 * encrypted, then decoded and decrypted again, and must come back
 * unchanged (the input cannot forge a tag, so this is how the code after
 * the tag check is reached).
 */
#include <stdlib.h>
#include <string.h>
#include <talloc.h>

#include "smb2/smb2_transform.h"
#include "tests/fuzz/fuzz.h"

static const uint16_t ciphers[4] = {
	SMB2_CIPHER_AES128_CCM, SMB2_CIPHER_AES128_GCM,
	SMB2_CIPHER_AES256_CCM, SMB2_CIPHER_AES256_GCM,
};

static const uint8_t key[32] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
	0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_log();
	return smb_crypto_init() == 0 ? 0 : -1;
}

static void decrypt_received(uint16_t cipher, size_t key_len,
			     uint8_t *buf, size_t len)
{
	struct smb2_transform_hdr h;
	size_t off = 0, plain_len = 0;

	if (smb2_transform_hdr_decode(buf, len, &h) &&
	    h.orig_size > len - SMB2_TRANSFORM_HDR_SIZE)
		abort();
	if (smb2_transform_decrypt(cipher, key, key_len, buf, len, &off,
				   &plain_len) == 0 &&
	    (off > len || plain_len > len - off))
		abort();
}

static void round_trip(TALLOC_CTX *ctx, uint16_t cipher, size_t key_len,
		       const uint8_t *msg, size_t len)
{
	uint8_t nonce[SMB2_TRANSFORM_NONCE_SIZE] = { 0 };
	uint8_t *wire = talloc_size(ctx, SMB2_TRANSFORM_HDR_SIZE + len);
	struct iovec iov = { (void *)msg, len };
	size_t off = 0, plain_len = 0;
	int rc;

	if (!wire)
		return;
	memcpy(nonce, msg, len < 8 ? len : 8);
	rc = smb2_transform_encrypt(cipher, key, key_len, 0x1234, nonce, &iov,
				    1, wire, wire + SMB2_TRANSFORM_HDR_SIZE);
	if (rc != 0)
		return; /* an empty message is refused */
	rc = smb2_transform_decrypt(cipher, key, key_len, wire,
				    SMB2_TRANSFORM_HDR_SIZE + len, &off,
				    &plain_len);
	if (rc != 0 || plain_len != len ||
	    memcmp(wire + off, msg, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TALLOC_CTX *ctx;
	struct wire_slice rest;
	uint16_t cipher;
	size_t key_len;
	uint8_t *buf;

	if (size < 1)
		return 0;
	cipher = ciphers[data[0] & 3];
	key_len = smb2_cipher_key_len(cipher);
	rest.p = data + 1;
	rest.len = size - 1;
	ctx = talloc_new(NULL);
	buf = fuzz_copy(ctx, rest);
	if (buf) {
		if (data[0] & 0x80)
			round_trip(ctx, cipher, key_len, buf, rest.len);
		else
			decrypt_received(cipher, key_len, buf, rest.len);
	}
	talloc_free(ctx);
	return 0;
}
