/*
 * smb2_transform against published vectors: the SMB 3.0 (AES-128-CCM) and
 * SMB 3.1.1 (AES-128-GCM) encrypted WRITE request / response examples of
 * Microsoft's Open Specifications blog ("Encryption in SMB 3.0: A protocol
 * perspective", "SMB 3.1.1 Encryption in Windows 10"), NIST CAVP CCM
 * (VNT128 / VNT256, 11-byte nonces, 16-byte tags) and the GCM
 * specification's test cases 4 and 16 (McGrew and Viega, 96-bit IVs).
 * Then what no vector covers: every cipher round trips over split iovs,
 * any flipped bit is rejected, sizes are checked, keys are per thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>

#include "smb2/smb2_transform.h"

#define HDR SMB2_TRANSFORM_HDR_SIZE
#define TAG SMB2_TRANSFORM_TAG_SIZE

#include "test_hex.h"
}

/* ---- Microsoft's SMB 3.x encryption examples ---------------------------- */

struct ms_vector {
	uint16_t cipher;
	const char *key;      /* the sender's encryption key */
	const char *nonce;    /* all 16 bytes of the header's Nonce */
	uint64_t session_id;
	const char *plain;    /* the SMB2 message */
	const char *transform; /* header + ciphertext as sent */
};

/* SMB 3.0, AES-128-CCM: the client's WRITE of "Smb3 encryption testing" */
static const struct ms_vector ms_ccm_request = {
	.cipher = SMB2_CIPHER_AES128_CCM,
	.key = "261B72350558F2E9DCF613070383EDBF",
	.nonce = "66E69A111892584FB5ED524A744DA3EE",
	.session_id = 0x8e40014000011ull,
	.plain = "FE534D4240000100000000000900400008000000000000000400000000000000"
		 "FFFE0000010000001100001400E4080000000000000000000000000000000000"
		 "3100700017000000000000000000000015010000390000020100000039020000"
		 "00000000000000007000000000000000536D623320656E6372797074696F6E20"
		 "74657374696E67",
	.transform =
		"FD534D4281A286535415445DAE393921E44FA42E66E69A111892584FB5ED524A"
		"744DA3EE87000000000001001100001400E4080025C8FEE16605A437832D1CD5"
		"2DA9F4645333482A175FE5384563F45FCDAFAEF38BC62BA4D5C62897996625A4"
		"4C29BE5658DE2E6117585779E7B59FFD971278D08580D7FA899E410E910EABF5"
		"AA1DB43050B33B49182637759AC15D84BFCDF5B6B238993C0F4CF4D6012023F6"
		"C627297075D84B7803912D0A9639634453595EF3E33FFE4E7AC2AB",
};

/* SMB 3.0, AES-128-CCM: the server's WRITE response */
static const struct ms_vector ms_ccm_response = {
	.cipher = SMB2_CIPHER_AES128_CCM,
	.key = "8FE2B57EC34D2DB5B1A9727F526BBDB5",
	.nonce = "86000000000000001100001400E40800",
	.session_id = 0x8e40014000011ull,
	.plain = "FE534D4240000100000000000900210009000000000000000400000000000000"
		 "FFFE0000010000001100001400E4080000000000000000000000000000000000"
		 "11000000170000000000000000000000",
	.transform =
		"FD534D42A6015530A18F6D9AFFE22AFAE8E66484860000000000000011000014"
		"00E4080050000000000001001100001400E40800DBF46435C5F14169293CE079"
		"E344479BF670227E49873F458672C3098DAC467DD5809F369D67409166515787"
		"1483E01F7BECD02064EAC3E235F913668BBC2F097980D4B378F1993EFF6E60D1"
		"77309E5B",
};

/* SMB 3.1.1, AES-128-GCM: the client's WRITE request */
static const struct ms_vector ms_gcm_request = {
	.cipher = SMB2_CIPHER_AES128_GCM,
	.key = "A2F5E80E5D59103034F32E52F698E5EC",
	.nonce = "C7D6822D269CAF48904C664C00000000",
	.session_id = 0x100000000025ull,
	.plain = "FE534D4240000100000000000900010008000000000000000500000000000000"
		 "FFFE0000010000002500000000100000000000000000000000000000000000"
		 "0031007000170000000000000000000000060000000400000001000000040000"
		 "0000000000000000007000000000000000536D623320656E6372797074696F6E"
		 "2074657374696E67",
	.transform =
		"FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C"
		"00000000870000000000010025000000001000006ECDD2A7AFC7B47763057A04"
		"1B8FD4DAFFE990B70C9E09D36C084E02D14EF247F8BDE38ACF6256F8B1D3B56F"
		"77FBDEB312FEA5E92CBCC1ED8FB2EBBFAA75E49A4A394BB44576545567C24D4C"
		"014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E9"
		"1AF013F00D17E3ABC2FC3D36C8C1B6B93973253852DBD442E46EE8",
};

/* SMB 3.1.1, AES-128-GCM: the server's WRITE response */
static const struct ms_vector ms_gcm_response = {
	.cipher = SMB2_CIPHER_AES128_GCM,
	.key = "748C50868C90F302962A5C35F5F9A8BF",
	.nonce = "E06831DD2E8EB7B40000000000000000",
	.session_id = 0x100000000025ull,
	.plain = "FE534D4240000100000000000900010001000000000000000500000000000000"
		 "FFFE0000010000002500000000100000000000000000000000000000000000"
		 "0011000000170000000000000000000000",
	.transform =
		"FD534D42ACBE1CB7ED343ADF1725EF144D90D4B0E06831DD2E8EB7B400000000"
		"000000005000000000000100250000000010000026BBBF949983A6C1C796559D"
		"0F2C510CB651D1F7B6AC8DED32A2A0B8F2D793A815C6F6B848D69767A215841A"
		"42D400AE6DDB5F0B44173A014973321FDD7950DA6179159B82E03C9E18A050FF"
		"0EA1C967",
};

static const struct ms_vector *const ms_vectors[] = {
	&ms_ccm_request, &ms_ccm_response, &ms_gcm_request, &ms_gcm_response,
};

/* Encrypts v's message cut into pieces at cut1 <= cut2; checks the bytes. */
static void ms_encrypt_split(const struct ms_vector *v, size_t cut1,
			     size_t cut2)
{
	size_t key_len, nonce_len, plain_len;
	uint8_t *key = unhex(v->key, &key_len);
	uint8_t *nonce = unhex(v->nonce, &nonce_len);
	uint8_t *plain = unhex(v->plain, &plain_len);
	uint8_t *wire = malloc(HDR + plain_len);
	struct iovec iov[3] = {
		{ plain, cut1 },
		{ plain + cut1, cut2 - cut1 },
		{ plain + cut2, plain_len - cut2 },
	};

	assert_non_null(wire);
	assert_int_equal(nonce_len, SMB2_TRANSFORM_NONCE_SIZE);
	assert_int_equal(smb2_transform_encrypt(v->cipher, key, key_len,
						v->session_id, nonce, iov, 3,
						wire, wire + HDR),
			 0);
	assert_hex_equal(wire, HDR + plain_len, v->transform);
	free(wire);
	free(plain);
	free(nonce);
	free(key);
}

static void test_ms_vectors_encrypt(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ms_vectors) / sizeof(ms_vectors[0]);
	     i++) {
		/* twice: the second run reuses the loaded key */
		ms_encrypt_split(ms_vectors[i], 0, 0);
		ms_encrypt_split(ms_vectors[i], 0, 0);
	}
}

/* Every two-way and many three-way splits, CCM (gathered) and GCM. */
static void test_ms_vectors_encrypt_splits(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ms_vectors) / sizeof(ms_vectors[0]);
	     i++) {
		size_t n = strlen(ms_vectors[i]->plain) / 2;

		for (size_t cut = 0; cut <= n; cut++) {
			ms_encrypt_split(ms_vectors[i], cut, cut);
			ms_encrypt_split(ms_vectors[i], cut / 2, cut);
		}
	}
}

static void ms_decrypt(const struct ms_vector *v)
{
	size_t key_len, len, off = 0, plain_len = 0;
	uint8_t *key = unhex(v->key, &key_len);
	uint8_t *buf = unhex(v->transform, &len);
	struct smb2_transform_hdr h;

	assert_true(smb2_transform_hdr_decode(buf, len, &h));
	assert_int_equal(h.session_id, v->session_id);
	assert_int_equal(h.orig_size, len - HDR);
	assert_int_equal(h.flags, SMB2_TRANSFORM_FLAG_ENCRYPTED);
	assert_hex_equal(h.nonce, sizeof(h.nonce), v->nonce);
	assert_int_equal(smb2_transform_decrypt(v->cipher, key, key_len, buf,
						len, &off, &plain_len),
			 0);
	assert_int_equal(off, HDR);
	assert_hex_equal(buf + off, plain_len, v->plain);
	free(buf);
	free(key);
}

static void test_ms_vectors_decrypt(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ms_vectors) / sizeof(ms_vectors[0]);
	     i++) {
		ms_decrypt(ms_vectors[i]);
		ms_decrypt(ms_vectors[i]);
	}
}

/* ---- raw AEAD: NIST CAVP CCM, GCM specification ------------------------- */

struct aead_vector {
	uint16_t cipher;
	const char *key, *iv, *aad, *plain, *cipher_text, *tag;
};

static const struct aead_vector aead_vectors[] = {
	/* NIST CAVP VNT128, [Alen = 32, Plen = 24, Nlen = 11, Tlen = 16] */
	{ SMB2_CIPHER_AES128_CCM, "e6ab9e70a4fb51b01c2e262233e64c0d",
	  "74e689eb5af9441dd690a6",
	  "42f6518ee0fbe42f28e13b4bb2eb60517b37c9744394d9143393a879c3e107c7",
	  "ba15916733550d7aa82b2f6b117cd3f54c83ddc16cd0288a",
	  "dcc151443288f35d39ed8fae6f0ce1d1eb656f4f7fd65c0b",
	  "16f322ce85d7c54e71ac560fd4da9651" },
	/* NIST CAVP VNT256, [Alen = 32, Plen = 24, Nlen = 11, Tlen = 16] */
	{ SMB2_CIPHER_AES256_CCM,
	  "97bc7482a87ba005475dfa3448f59d4b3f9c4c969d08b39b1b21ef965c0f5125",
	  "0bcf78103ec52d6df28887",
	  "049c10f0cb37ae08eae2d0766563b7c5a8454f841c2061a4f71a0a2158ae6ce5",
	  "b99bf4dc781795fc4d3a8467b06e1665d4e543657f23129f",
	  "0d3891fa0caac1f7ebe41b480920ffd34d4155064c24f3b1",
	  "7a483163dd8f228d1f20cd4f86cf38fd" },
	/* GCM specification test case 4 (AES-128) */
	{ SMB2_CIPHER_AES128_GCM, "feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	/* GCM specification test case 16 (AES-256) */
	{ SMB2_CIPHER_AES256_GCM,
	  "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
};

static void test_aead_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(aead_vectors) / sizeof(aead_vectors[0]);
	     i++) {
		const struct aead_vector *v = &aead_vectors[i];
		size_t key_len, iv_len, aad_len, len, ct_len, tag_len;
		uint8_t *key = unhex(v->key, &key_len);
		uint8_t *iv = unhex(v->iv, &iv_len);
		uint8_t *aad = unhex(v->aad, &aad_len);
		uint8_t *plain = unhex(v->plain, &len);
		uint8_t *want_ct = unhex(v->cipher_text, &ct_len);
		uint8_t *want_tag = unhex(v->tag, &tag_len);
		uint8_t *out = malloc(len);
		uint8_t tag[TAG];
		struct iovec iov = { plain, len };

		assert_non_null(out);
		assert_int_equal(smb2_aead_encrypt(v->cipher, key, key_len, iv,
						   aad, aad_len, &iov, 1, out,
						   tag),
				 0);
		assert_memory_equal(out, want_ct, len);
		assert_memory_equal(tag, want_tag, TAG);
		assert_int_equal(smb2_aead_decrypt(v->cipher, key, key_len, iv,
						   aad, aad_len, out, len,
						   want_tag),
				 0);
		assert_memory_equal(out, plain, len);
		/* a wrong tag fails and wipes what was decrypted */
		memcpy(out, want_ct, len);
		want_tag[TAG - 1] ^= 0x80;
		assert_int_equal(smb2_aead_decrypt(v->cipher, key, key_len, iv,
						   aad, aad_len, out, len,
						   want_tag),
				 -EBADMSG);
		for (size_t j = 0; j < len; j++)
			assert_int_equal(out[j], 0);
		free(out);
		free(want_tag);
		free(want_ct);
		free(plain);
		free(aad);
		free(iv);
		free(key);
	}
}

/* ---- properties --------------------------------------------------------- */

static const uint16_t all_ciphers[] = {
	SMB2_CIPHER_AES128_CCM,
	SMB2_CIPHER_AES128_GCM,
	SMB2_CIPHER_AES256_CCM,
	SMB2_CIPHER_AES256_GCM,
};

#define N_CIPHERS (sizeof(all_ciphers) / sizeof(all_ciphers[0]))

static void fill_pattern(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}

/* Encrypts plain (split in up to three pieces) into a fresh wire buffer. */
static uint8_t *seal(uint16_t cipher, const uint8_t *key, uint64_t counter,
		     const uint8_t *plain, size_t len, size_t cut1, size_t cut2)
{
	uint8_t nonce[SMB2_TRANSFORM_NONCE_SIZE];
	uint8_t *wire = malloc(HDR + len);
	struct iovec iov[3] = {
		{ (void *)plain, cut1 },
		{ (void *)(plain + cut1), cut2 - cut1 },
		{ (void *)(plain + cut2), len - cut2 },
	};

	assert_non_null(wire);
	assert_int_equal(smb2_transform_nonce(cipher, counter, nonce), 0);
	assert_int_equal(smb2_transform_encrypt(cipher, key,
						smb2_cipher_key_len(cipher),
						0x1122334455667788ull, nonce,
						iov, 3, wire, wire + HDR),
			 0);
	return wire;
}

static void test_round_trip_all_ciphers(void **state)
{
	static const size_t sizes[] = { 1, 15, 16, 17, 64, 1000, 65536 + 3 };
	uint8_t key[32];

	(void)state;
	fill_pattern(key, sizeof(key), 0x5a);
	for (size_t c = 0; c < N_CIPHERS; c++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			size_t len = sizes[s], off, plain_len;
			uint8_t *plain = malloc(len);
			uint8_t *wire;

			assert_non_null(plain);
			fill_pattern(plain, len, (uint8_t)s);
			wire = seal(all_ciphers[c], key, s, plain, len, len / 3,
				    len - len / 5);
			/* with a random salt in the nonce, a ciphertext of
			 * a few bytes equals its plaintext by chance (1 in
			 * 256 for one byte): compare 16 bytes or none */
			if (len >= 16)
				assert_memory_not_equal(wire + HDR, plain, 16);
			assert_int_equal(
				smb2_transform_decrypt(all_ciphers[c], key,
						       smb2_cipher_key_len(
							       all_ciphers[c]),
						       wire, HDR + len, &off,
						       &plain_len),
				0);
			assert_int_equal(plain_len, len);
			assert_memory_equal(wire + off, plain, len);
			free(wire);
			free(plain);
		}
	}
}

/* Any flipped bit past ProtocolId is caught, wherever it lands. */
static void test_tamper_rejected(void **state)
{
	enum { LEN = 100 };
	uint8_t key[32], plain[LEN], buf[HDR + LEN];

	(void)state;
	fill_pattern(key, sizeof(key), 3);
	fill_pattern(plain, sizeof(plain), 9);
	for (size_t c = 0; c < N_CIPHERS; c++) {
		uint16_t cipher = all_ciphers[c];
		size_t key_len = smb2_cipher_key_len(cipher);
		uint8_t *wire = seal(cipher, key, 7, plain, LEN, 10, 70);

		for (size_t pos = 0; pos < HDR + LEN; pos++) {
			size_t off, plain_len;
			int rc, want = -EBADMSG;

			memcpy(buf, wire, sizeof(buf));
			buf[pos] ^= (uint8_t)(1u << (pos % 8));
			rc = smb2_transform_decrypt(cipher, key, key_len, buf,
						    sizeof(buf), &off,
						    &plain_len);
			/* ProtocolId, OriginalMessageSize and Flags are
			 * checked before the cipher runs */
			if (pos < 4 || (pos >= 36 && pos < 40) ||
			    (pos >= 42 && pos < 44))
				want = -EINVAL;
			assert_int_equal(rc, want);
		}
		free(wire);
	}
}

static void test_wrong_key_or_cipher(void **state)
{
	enum { LEN = 80 };
	uint8_t key[32], other[32], plain[LEN], buf[HDR + LEN];
	size_t off, plain_len;

	(void)state;
	fill_pattern(key, sizeof(key), 1);
	memcpy(other, key, sizeof(other));
	other[5] ^= 1;
	fill_pattern(plain, sizeof(plain), 2);
	for (size_t c = 0; c < N_CIPHERS; c++) {
		uint16_t cipher = all_ciphers[c];
		size_t key_len = smb2_cipher_key_len(cipher);
		uint8_t *wire = seal(cipher, key, c, plain, LEN, 0, LEN);

		memcpy(buf, wire, sizeof(buf));
		assert_int_equal(smb2_transform_decrypt(cipher, other, key_len,
							buf, sizeof(buf), &off,
							&plain_len),
				 -EBADMSG);
		/* the same key bytes under each other cipher */
		for (size_t d = 0; d < N_CIPHERS; d++) {
			if (d == c)
				continue;
			memcpy(buf, wire, sizeof(buf));
			assert_int_equal(
				smb2_transform_decrypt(
					all_ciphers[d], key,
					smb2_cipher_key_len(all_ciphers[d]),
					buf, sizeof(buf), &off, &plain_len),
				-EBADMSG);
		}
		/* key length that does not match the cipher */
		memcpy(buf, wire, sizeof(buf));
		assert_int_equal(smb2_transform_decrypt(cipher, key,
							key_len == 16 ? 32 : 16,
							buf, sizeof(buf), &off,
							&plain_len),
				 -EINVAL);
		/* and the right key still works after the failures */
		memcpy(buf, wire, sizeof(buf));
		assert_int_equal(smb2_transform_decrypt(cipher, key, key_len,
							buf, sizeof(buf), &off,
							&plain_len),
				 0);
		assert_memory_equal(buf + off, plain, LEN);
		free(wire);
	}
	assert_int_equal(smb2_transform_decrypt(SMB2_CIPHER_NONE, key, 16, buf,
						sizeof(buf), &off, &plain_len),
			 -EINVAL);
	assert_int_equal(smb2_transform_decrypt(0x0005, key, 32, buf,
						sizeof(buf), &off, &plain_len),
			 -EINVAL);
}

static void test_sizes_checked(void **state)
{
	enum { LEN = 40 };
	uint8_t key[16], plain[LEN], buf[HDR + LEN + 1];
	struct smb2_transform_hdr h;
	size_t off, plain_len;
	uint8_t *wire;

	(void)state;
	fill_pattern(key, sizeof(key), 4);
	fill_pattern(plain, sizeof(plain), 5);
	wire = seal(SMB2_CIPHER_AES128_GCM, key, 1, plain, LEN, 0, 0);

	/* truncated: one ciphertext byte missing, or the header cut short */
	memcpy(buf, wire, HDR + LEN);
	assert_false(smb2_transform_hdr_decode(buf, HDR + LEN - 1, &h));
	assert_int_equal(smb2_transform_decrypt(SMB2_CIPHER_AES128_GCM, key, 16,
						buf, HDR + LEN - 1, &off,
						&plain_len),
			 -EINVAL);
	assert_false(smb2_transform_hdr_decode(buf, HDR - 1, &h));
	assert_false(smb2_transform_hdr_decode(buf, 0, &h));

	/* a trailing byte the tag would not cover */
	memcpy(buf, wire, HDR + LEN);
	buf[HDR + LEN] = 0;
	assert_true(smb2_transform_hdr_decode(buf, sizeof(buf), &h));
	assert_int_equal(smb2_transform_decrypt(SMB2_CIPHER_AES128_GCM, key, 16,
						buf, sizeof(buf), &off,
						&plain_len),
			 -EINVAL);

	/* OriginalMessageSize of zero, or larger than what arrived */
	memcpy(buf, wire, HDR + LEN);
	memset(buf + 36, 0, 4);
	assert_false(smb2_transform_hdr_decode(buf, HDR + LEN, &h));
	memset(buf + 36, 0xff, 4);
	assert_false(smb2_transform_hdr_decode(buf, HDR + LEN, &h));
	assert_int_equal(smb2_transform_decrypt(SMB2_CIPHER_AES128_GCM, key, 16,
						buf, HDR + LEN, &off,
						&plain_len),
			 -EINVAL);

	/* Flags other than "encrypted" (e.g. a 3.1.1 compression header) */
	memcpy(buf, wire, HDR + LEN);
	buf[42] = 0x02;
	assert_false(smb2_transform_hdr_decode(buf, HDR + LEN, &h));

	/* an SMB2 header is not a transform header */
	memcpy(buf, wire, HDR + LEN);
	buf[0] = 0xfe;
	assert_false(smb2_transform_hdr_decode(buf, HDR + LEN, &h));
	free(wire);
}

static void test_hdr_codec(void **state)
{
	struct smb2_transform_hdr in = { .orig_size = 0x1234,
					 .flags = SMB2_TRANSFORM_FLAG_ENCRYPTED,
					 .session_id = 0x0102030405060708ull };
	struct smb2_transform_hdr out;
	uint8_t wire[HDR + 0x1234];

	(void)state;
	fill_pattern(in.signature, sizeof(in.signature), 0x10);
	fill_pattern(in.nonce, sizeof(in.nonce), 0x20);
	memset(wire, 0xee, sizeof(wire));
	smb2_transform_hdr_encode(&in, wire);
	assert_hex_equal(wire, 4, "FD534D42");
	assert_hex_equal(wire + 36, 16, "34120000000001000807060504030201");
	assert_true(smb2_transform_hdr_decode(wire, sizeof(wire), &out));
	assert_memory_equal(out.signature, in.signature, TAG);
	assert_memory_equal(out.nonce, in.nonce, sizeof(in.nonce));
	assert_int_equal(out.orig_size, in.orig_size);
	assert_int_equal(out.flags, in.flags);
	assert_int_equal(out.session_id, in.session_id);
}

static void test_nonces(void **state)
{
	uint8_t a[SMB2_TRANSFORM_NONCE_SIZE], b[SMB2_TRANSFORM_NONCE_SIZE];
	uint8_t key[32], plain[32], hdr1[HDR], hdr2[HDR], ct1[32], ct2[32];
	struct iovec iov = { plain, sizeof(plain) };

	(void)state;
	assert_int_equal(smb2_transform_nonce(SMB2_CIPHER_AES128_CCM,
					      0x0807060504030201ull, a),
			 0);
	assert_hex_equal(a, 8, "0102030405060708");
	for (size_t i = SMB2_CCM_NONCE_SIZE; i < sizeof(a); i++)
		assert_int_equal(a[i], 0);
	assert_int_equal(smb2_transform_nonce(SMB2_CIPHER_AES256_GCM, 1, b), 0);
	assert_hex_equal(b, 8, "0100000000000000");
	for (size_t i = SMB2_GCM_NONCE_SIZE; i < sizeof(b); i++)
		assert_int_equal(b[i], 0);
	assert_int_equal(smb2_transform_nonce(SMB2_CIPHER_NONE, 1, a), -EINVAL);
	/* one thread's salt stays put; the counter alone tells nonces apart */
	assert_int_equal(smb2_transform_nonce(SMB2_CIPHER_AES128_GCM, 2, a), 0);
	assert_hex_equal(a, 8, "0200000000000000");
	assert_memory_equal(a + 8, b + 8, SMB2_GCM_NONCE_SIZE - 8);

	/* without a nonce: random IV, zeros after it, never the same twice */
	fill_pattern(key, sizeof(key), 6);
	fill_pattern(plain, sizeof(plain), 7);
	for (size_t c = 0; c < N_CIPHERS; c++) {
		uint16_t cipher = all_ciphers[c];
		size_t key_len = smb2_cipher_key_len(cipher);
		size_t iv_len = (cipher == SMB2_CIPHER_AES128_CCM ||
				 cipher == SMB2_CIPHER_AES256_CCM)
					? SMB2_CCM_NONCE_SIZE
					: SMB2_GCM_NONCE_SIZE;

		assert_int_equal(smb2_transform_encrypt(cipher, key, key_len, 1,
							NULL, &iov, 1, hdr1,
							ct1),
				 0);
		assert_int_equal(smb2_transform_encrypt(cipher, key, key_len, 1,
							NULL, &iov, 1, hdr2,
							ct2),
				 0);
		assert_memory_not_equal(hdr1 + 20, hdr2 + 20, iv_len);
		assert_memory_not_equal(ct1, ct2, sizeof(ct1));
		for (size_t i = iv_len; i < SMB2_TRANSFORM_NONCE_SIZE; i++)
			assert_int_equal(hdr1[20 + i], 0);
	}
}

static void test_bad_arguments(void **state)
{
	uint8_t key[32] = { 0 }, plain[8] = { 0 }, hdr[HDR], ct[8], tag[TAG];
	uint8_t nonce[SMB2_TRANSFORM_NONCE_SIZE] = { 0 };
	struct iovec iov = { plain, sizeof(plain) };
	struct iovec empty = { plain, 0 };
	struct iovec bad = { NULL, 4 };

	(void)state;
	assert_int_equal(smb2_transform_encrypt(SMB2_CIPHER_AES128_GCM, key, 16,
						1, nonce, &empty, 1, hdr, ct),
			 -EINVAL);
	assert_int_equal(smb2_transform_encrypt(SMB2_CIPHER_AES128_GCM, key, 16,
						1, nonce, &bad, 1, hdr, ct),
			 -EINVAL);
	assert_int_equal(smb2_transform_encrypt(SMB2_CIPHER_AES128_GCM, key, 32,
						1, nonce, &iov, 1, hdr, ct),
			 -EINVAL);
	assert_int_equal(smb2_transform_encrypt(SMB2_CIPHER_AES256_CCM, key, 16,
						1, nonce, &iov, 1, hdr, ct),
			 -EINVAL);
	assert_int_equal(smb2_transform_encrypt(0x0009, key, 16, 1, nonce, &iov,
						1, hdr, ct),
			 -EINVAL);
	assert_int_equal(smb2_transform_encrypt(SMB2_CIPHER_AES128_CCM, key, 16,
						1, nonce, &iov, -1, hdr, ct),
			 -EINVAL);
	assert_int_equal(smb2_aead_encrypt(SMB2_CIPHER_AES128_CCM, key, 16,
					   nonce, NULL, 4, &iov, 1, ct, tag),
			 -EINVAL);
	assert_int_equal(smb2_aead_decrypt(SMB2_CIPHER_AES128_GCM, key, 16,
					   nonce, NULL, 0, ct, 0, tag),
			 -EINVAL);
}

/* Threads each get their own contexts; their exit frees them. */
static void *thread_round_trips(void *arg)
{
	uint16_t cipher = *(const uint16_t *)arg;
	uint8_t key[32], plain[300], buf[HDR + 300];
	struct iovec iov = { plain, sizeof(plain) };
	size_t key_len = smb2_cipher_key_len(cipher);

	fill_pattern(key, sizeof(key), (uint8_t)cipher);
	for (int i = 0; i < 200; i++) {
		uint8_t nonce[SMB2_TRANSFORM_NONCE_SIZE];
		size_t off, plain_len;

		fill_pattern(plain, sizeof(plain), (uint8_t)i);
		key[0] = (uint8_t)(i / 50); /* change keys now and then */
		if (smb2_transform_nonce(cipher, (uint64_t)i, nonce) != 0 ||
		    smb2_transform_encrypt(cipher, key, key_len, 9, nonce, &iov,
					   1, buf, buf + HDR) != 0 ||
		    smb2_transform_decrypt(cipher, key, key_len, buf,
					   sizeof(buf), &off, &plain_len) != 0 ||
		    memcmp(buf + off, plain, sizeof(plain)) != 0)
			return (void *)1;
	}
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[N_CIPHERS];

	(void)state;
	for (size_t i = 0; i < N_CIPHERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_round_trips,
						(void *)&all_ciphers[i]),
				 0);
	for (size_t i = 0; i < N_CIPHERS; i++) {
		void *ret;

		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ms_vectors_encrypt),
		cmocka_unit_test(test_ms_vectors_encrypt_splits),
		cmocka_unit_test(test_ms_vectors_decrypt),
		cmocka_unit_test(test_aead_vectors),
		cmocka_unit_test(test_round_trip_all_ciphers),
		cmocka_unit_test(test_tamper_rejected),
		cmocka_unit_test(test_wrong_key_or_cipher),
		cmocka_unit_test(test_sizes_checked),
		cmocka_unit_test(test_hdr_codec),
		cmocka_unit_test(test_nonces),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
