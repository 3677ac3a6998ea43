/*
 * smb2_crypto against published vectors: RFC 1320 (MD4), RFC 1321 (MD5),
 * RFC 2104 (HMAC-MD5), RFC 4231 (HMAC-SHA256), RFC 4493 (AES-CMAC), the
 * GCM specification and NIST CAVP (GMAC), MS-NLMP 4.2.1 (NT hash) and the
 * SMB 3.0 / 3.1.1 key derivation and preauth integrity vectors published
 * by Microsoft's Open Specifications blog. Signing is checked by its
 * definition in MS-SMB2 3.1.4.1 on top of the vector-tested primitives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>

#include "smb2/smb2_crypto.h"
#include "smb2/smb2_crypto_internal.h"

#define HDR_SIG_OFF 48

#include "test_hex.h"
}

static int setup_crypto(void **state)
{
	(void)state;
	return smb_crypto_init();
}

/* ---- hashes ------------------------------------------------------------ */

static const struct {
	const char *msg;
	const char *md4;
} rfc1320[] = {
	{ "", "31d6cfe0d16ae931b73c59d7e0c089c0" },
	{ "a", "bde52cb31de33e46245e05fbdbd6fb24" },
	{ "abc", "a448017aaf21d8525fc10ae87aa6729d" },
	{ "message digest", "d9130a8164549fe818874806e1c7014b" },
	{ "abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	  "043f8582f241db351ce627e153e7f0e4" },
	{ "123456789012345678901234567890123456789012345678901234567890123"
	  "45678901234567890",
	  "e33b4ddc9c38f2199c3e7b164fcc0536" },
};

static void test_md4_rfc1320(void **state)
{
	uint8_t out[16];

	for (size_t i = 0; i < sizeof(rfc1320) / sizeof(rfc1320[0]); i++) {
		const uint8_t *m = (const uint8_t *)rfc1320[i].msg;
		size_t len = strlen(rfc1320[i].msg);

		assert_int_equal(smb_md4(m, len, out), 0);
		assert_hex_equal(out, 16, rfc1320[i].md4);
		memset(out, 0, sizeof(out));
		smb_md4_fallback(m, len, out);
		assert_hex_equal(out, 16, rfc1320[i].md4);
	}
}

/* The fallback's padding across block boundaries, against OpenSSL's MD4. */
static void test_md4_fallback_lengths(void **state)
{
	uint8_t buf[200], a[16], b[16];

	if (!smb_crypto_have_legacy())
		skip();
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof(buf); len++) {
		assert_int_equal(smb_md4(buf, len, a), 0);
		smb_md4_fallback(buf, len, b);
		assert_memory_equal(a, b, 16);
	}
}

static void test_nt_hash(void **state)
{
	/* U+00E9 and U+1F600 (a surrogate pair), written out as UTF-16LE */
	static const uint8_t utf16[] = { 'p', 0,    0xe9, 0x00,
					 0x3d, 0xd8, 0x00, 0xde };
	uint8_t out[16], want[16];

	/* MS-NLMP 4.2.1: NTOWFv1("Password") */
	assert_int_equal(smb_nt_hash("Password", out), 0);
	assert_hex_equal(out, 16, "a4f49c406510bdcab6824ee7c30fd852");

	/* MD4 of empty input: the empty password */
	assert_int_equal(smb_nt_hash("", out), 0);
	assert_hex_equal(out, 16, "31d6cfe0d16ae931b73c59d7e0c089c0");

	assert_int_equal(smb_nt_hash("p\xc3\xa9\xf0\x9f\x98\x80", out), 0);
	smb_md4_fallback(utf16, sizeof(utf16), want);
	assert_memory_equal(out, want, 16);

	/* truncated, bad continuation, overlong, surrogate, past U+10FFFF */
	assert_int_equal(smb_nt_hash("ab\xc3", out), -EINVAL);
	assert_int_equal(smb_nt_hash("\xc3\x28", out), -EINVAL);
	assert_int_equal(smb_nt_hash("\xc0\xaf", out), -EINVAL);
	assert_int_equal(smb_nt_hash("\xe0\x80\xaf", out), -EINVAL);
	assert_int_equal(smb_nt_hash("\xed\xa0\x80", out), -EINVAL);
	assert_int_equal(smb_nt_hash("\xf4\x90\x80\x80", out), -EINVAL);
	assert_int_equal(smb_nt_hash("\xff", out), -EINVAL);
}

static void test_md5_rfc1321(void **state)
{
	uint8_t out[16];

	assert_int_equal(smb_md5((const uint8_t *)"", 0, out), 0);
	assert_hex_equal(out, 16, "d41d8cd98f00b204e9800998ecf8427e");
	assert_int_equal(smb_md5((const uint8_t *)"abc", 3, out), 0);
	assert_hex_equal(out, 16, "900150983cd24fb0d6963f7d28e17f72");
	assert_int_equal(smb_md5((const uint8_t *)"message digest", 14, out),
			 0);
	assert_hex_equal(out, 16, "f96b697d7cb7938d525a2f31aaf161d0");
}

static void test_hmac_md5_rfc2104(void **state)
{
	uint8_t key[16], out[16];
	char hi[] = "Hi There";
	char what[] = "what do ya want for nothing?";
	struct iovec one = { hi, 8 };
	struct iovec split[] = {
		{ what, 4 },
		{ what + 4, 0 },
		{ what + 4, 24 },
	};

	memset(key, 0x0b, sizeof(key));
	assert_int_equal(smb_hmac_md5(key, 16, &one, 1, out), 0);
	assert_hex_equal(out, 16, "9294727a3638bb1c13f48ef8158bfc9d");
	assert_int_equal(
		smb_hmac_md5((const uint8_t *)"Jefe", 4, split, 3, out), 0);
	assert_hex_equal(out, 16, "750c783e6ab0b503eaa86e310a5db738");
}

static void test_rc4(void **state)
{
	uint8_t buf[16];

	if (!smb_crypto_have_legacy()) {
		assert_int_equal(smb_rc4((const uint8_t *)"Key", 3, buf, 1),
				 -ENOTSUP);
		skip();
	}
	/* RFC 6229: 40-bit key 0x0102030405, keystream from offset 0 */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(
		smb_rc4((const uint8_t *)"\x01\x02\x03\x04\x05", 5, buf, 16),
		0);
	assert_hex_equal(buf, 16, "b2396305f03dc027ccc3524a0a1118a8");

	/* the classic "Key"/"Plaintext" example, and back again */
	memcpy(buf, "Plaintext", 9);
	assert_int_equal(smb_rc4((const uint8_t *)"Key", 3, buf, 9), 0);
	assert_hex_equal(buf, 9, "bbf316e8d940af0ad3");
	assert_int_equal(smb_rc4((const uint8_t *)"Key", 3, buf, 9), 0);
	assert_memory_equal(buf, "Plaintext", 9);

	assert_int_equal(smb_rc4(NULL, 0, buf, 9), -EINVAL);
}

static void test_hmac_sha256_rfc4231(void **state)
{
	uint8_t key[20], out[32];
	char hi[] = "Hi There";
	char what[] = "what do ya want for nothing?";
	struct iovec one = { hi, 8 };
	struct iovec split[] = { { what, 10 }, { what + 10, 18 } };

	memset(key, 0x0b, sizeof(key));
	assert_int_equal(smb_hmac_sha256(key, 20, &one, 1, out), 0);
	assert_hex_equal(out, 32,
			 "b0344c61d8db38535ca8afceaf0bf12b"
			 "881dc200c9833da726e9376c2e32cff7");
	assert_int_equal(
		smb_hmac_sha256((const uint8_t *)"Jefe", 4, split, 2, out), 0);
	assert_hex_equal(out, 32,
			 "5bdcc146bf60754e6a042426089575c7"
			 "5a003f089d2739839dec58b964ec3843");
}

/* ---- CMAC and GMAC primitives ------------------------------------------ */

static const char rfc4493_msg[] = "6bc1bee22e409f96e93d7e117393172a"
				  "ae2d8a571e03ac9c9eb76fac45af8e51"
				  "30c81c46a35ce411e5fbc1191a0a52ef"
				  "f69f2445df4f9b17ad2b417be66c3710";

static void test_cmac_rfc4493(void **state)
{
	static const struct {
		size_t len;
		const char *mac;
	} cases[] = {
		{ 0, "bb1d6929e95937287fa37d129b756746" },
		{ 16, "070a16b46b4d4144f79bdd9dd04a287c" },
		{ 40, "dfa66747de9ae63030ca32611497c827" },
		{ 64, "51f0bebf7e3b9d92fc49741779363cfe" },
	};
	size_t key_len, msg_len;
	uint8_t *key = unhex("2b7e151628aed2a6abf7158809cf4f3c", &key_len);
	uint8_t *msg = unhex(rfc4493_msg, &msg_len);
	uint8_t out[16];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t cut = cases[i].len / 3;
		struct iovec iov[] = { { msg, cut },
				       { msg + cut, cases[i].len - cut } };

		assert_int_equal(smb_aes128_cmac(key, iov, 2, out), 0);
		assert_hex_equal(out, 16, cases[i].mac);
	}
	free(key);
	free(msg);
}

static void test_gmac_vectors(void **state)
{
	uint8_t zero_key[16] = { 0 }, zero_nonce[12] = { 0 }, tag[16];
	size_t len;
	uint8_t *key = unhex("77be63708971c4e240d1cb79e8d77feb", &len);
	uint8_t *nonce = unhex("e0e00f19fed7ba0136a797f3", &len);
	uint8_t *aad = unhex("7a43ec1d9c0a5a78a0b16533a6213cab", &len);
	struct iovec iov[] = { { aad, 5 }, { aad + 5, 11 } };

	/* GCM specification (McGrew, Viega) test case 1: nothing at all */
	assert_int_equal(smb_aes128_gmac(zero_key, zero_nonce, NULL, 0, tag),
			 0);
	assert_hex_equal(tag, 16, "58e2fccefa7e3061367f1d57a4e7455a");

	/* NIST CAVP gcmEncryptExtIV128, PTlen 0, AADlen 128, count 0 */
	assert_int_equal(smb_aes128_gmac(key, nonce, iov, 2, tag), 0);
	assert_hex_equal(tag, 16, "209fcc8d3675ed938e9c7166709dd946");
	free(key);
	free(nonce);
	free(aad);
}

/* ---- KDF, preauth hash and session keys -------------------------------- */

/*
 * Open Specifications blog, "Encryption in SMB 3.0: A Protocol
 * Perspective" (2012) and "SMB 3.1.1 Encryption in Windows 10" (2015). The
 * blogs name keys from the client's side; the server encrypts with the
 * client's decryption key and vice versa.
 */
#define SMB30_SESSION_KEY "b4546771b515f766a86735532dd6c4f0"
#define SMB30_SERVER_IN_KEY "261b72350558f2e9dcf613070383edbf"
#define SMB30_SERVER_OUT_KEY "8fe2b57ec34d2db5b1a9727f526bbdb5"
#define SMB311_SESSION_KEY "419fddf34c1e001909d362ae7fb6af79"
#define SMB311_PREAUTH_HASH                                                \
	"b23f3cbfd69487d9832b79b1594a367cdd950909b774c3a4c412b4fcea9edddb" \
	"a7db256ba2ea30e977f11f9b113247578e0e915c6d2a513b8f2fca5707dc8770"
#define SMB311_C2S_KEY "a2f5e80e5d59103034f32e52f698e5ec"
#define SMB311_S2C_KEY "748c50868c90f302962a5c35f5f9a8bf"

static void test_kdf_smb30(void **state)
{
	size_t len;
	uint8_t *sk = unhex(SMB30_SESSION_KEY, &len);
	uint8_t out[16];

	assert_int_equal(smb2_kdf(sk, 16, (const uint8_t *)"SMB2AESCCM", 11,
				  (const uint8_t *)"ServerIn ", 10, out, 16),
			 0);
	assert_hex_equal(out, 16, SMB30_SERVER_IN_KEY);
	assert_int_equal(smb2_kdf(sk, 16, (const uint8_t *)"SMB2AESCCM", 11,
				  (const uint8_t *)"ServerOut", 10, out, 16),
			 0);
	assert_hex_equal(out, 16, SMB30_SERVER_OUT_KEY);
	assert_int_equal(smb2_kdf(sk, 16, NULL, 0, NULL, 0, out, 0), -EINVAL);
	free(sk);
}

static void test_derive_keys_smb30(void **state)
{
	size_t len;
	uint8_t *sk = unhex(SMB30_SESSION_KEY, &len);
	struct smb2_session_keys keys;
	uint8_t sign[16];

	assert_int_equal(smb2_derive_session_keys(SMB2_DIALECT_300, sk, 16,
						  NULL, SMB2_CIPHER_NONE,
						  &keys),
			 0);
	assert_int_equal(keys.cipher_key_len, 16);
	assert_hex_equal(keys.encryption, 16, SMB30_SERVER_OUT_KEY);
	assert_hex_equal(keys.decryption, 16, SMB30_SERVER_IN_KEY);
	assert_int_equal(smb2_kdf(sk, 16, (const uint8_t *)"SMB2AESCMAC", 12,
				  (const uint8_t *)"SmbSign", 8, sign, 16),
			 0);
	assert_memory_equal(keys.signing, sign, 16);

	/* 3.0.x has no 256-bit ciphers */
	assert_int_equal(smb2_derive_session_keys(SMB2_DIALECT_302, sk, 16,
						  NULL, SMB2_CIPHER_AES256_GCM,
						  &keys),
			 -EINVAL);
	free(sk);
}

static void test_derive_keys_smb311(void **state)
{
	size_t len;
	uint8_t *sk = unhex(SMB311_SESSION_KEY, &len);
	uint8_t *hash = unhex(SMB311_PREAUTH_HASH, &len);
	struct smb2_session_keys keys, keys256;

	assert_int_equal(smb2_derive_session_keys(SMB2_DIALECT_311, sk, 16,
						  hash, SMB2_CIPHER_AES128_GCM,
						  &keys),
			 0);
	assert_int_equal(keys.cipher_key_len, 16);
	assert_hex_equal(keys.decryption, 16, SMB311_C2S_KEY);
	assert_hex_equal(keys.encryption, 16, SMB311_S2C_KEY);

	/* L = 256 changes every output block, not just the length */
	assert_int_equal(smb2_derive_session_keys(SMB2_DIALECT_311, sk, 16,
						  hash, SMB2_CIPHER_AES256_GCM,
						  &keys256),
			 0);
	assert_int_equal(keys256.cipher_key_len, 32);
	assert_memory_not_equal(keys256.encryption, keys.encryption, 16);
	assert_memory_equal(keys256.signing, keys.signing, 16);
	assert_memory_equal(keys256.application, keys.application, 16);

	assert_int_equal(smb2_derive_session_keys(SMB2_DIALECT_311, sk, 16,
						  NULL, SMB2_CIPHER_AES128_GCM,
						  &keys),
			 -EINVAL);
	free(sk);
	free(hash);
}

static void test_derive_keys_misc(void **state)
{
	uint8_t sk[16] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t hash[SMB2_PREAUTH_HASH_SIZE] = { 9 };
	struct smb2_session_keys a, b;

	/* 2.x signs with the session key itself */
	assert_int_equal(smb2_derive_session_keys(SMB2_DIALECT_210, sk, 16,
						  NULL, 0, &a),
			 0);
	assert_memory_equal(a.signing, sk, 16);

	/* MS-SMB2 3.3.1.8: short keys are zero padded to 16 bytes */
	assert_int_equal(smb2_derive_session_keys(SMB2_DIALECT_311, sk, 8,
						  hash, SMB2_CIPHER_AES128_CCM,
						  &a),
			 0);
	assert_int_equal(smb2_derive_session_keys(SMB2_DIALECT_311, sk, 16,
						  hash, SMB2_CIPHER_AES128_CCM,
						  &b),
			 0);
	assert_memory_equal(&a, &b, sizeof(a));

	assert_int_equal(smb2_derive_session_keys(0x0200, sk, 16, NULL, 0, &a),
			 -EINVAL);
	assert_int_equal(smb2_derive_session_keys(SMB2_DIALECT_311, sk, 16,
						  hash, 0x0005, &a),
			 -EINVAL);
}

/*
 * "SMB 3.1.1 Pre-authentication integrity in Windows 10" (2015): the
 * NEGOTIATE and SESSION_SETUP exchange, the running hash after each
 * message, and the signing key derived from the final value.
 */
static const struct {
	const char *msg;
	const char *hash;
} preauth_steps[] = {
	{ "FE534D4240000100000000000000800000000000000000000100000000000000"
	  "FFFE000000000000000000000000000000000000000000000000000000000000"
	  "24000500000000003F000000ECD86F326276024F9F7752B89BB33F3A70000000"
	  "020000000202100200030203110300000100260000000000010020000100FA49"
	  "E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF0000"
	  "0200060000000000020002000100",
	  "DD94EFC5321BB618A2E208BA8920D2F422992526947A409B5037DE1E0FE8C736"
	  "2B8C47122594CDE0CE26AA9DFC8BCDBDE0621957672623351A7540F1E54A0426" },
	{ "FE534D4240000100000000000000010001000000000000000100000000000000"
	  "FFFE000000000000000000000000000000000000000000000000000000000000"
	  "410001001103020039CBCAF329714942BDCE5D60F09AB3FB2F00000000008000"
	  "0000800000008000D8DAE5ADCBAED00109094AB095AED00180004001C0010000"
	  "6082013C06062B0601050502A08201303082012CA01A3018060A2B0601040182"
	  "3702021E060A2B06010401823702020AA282010C048201084E45474F45585453"
	  "010000000000000060000000700000007C7CC0FD06D6362D02DDE1CF343BFE29"
	  "2900F49750B4AA97934D9C4296B26E51FD370471B235E15A50DAE15BD5489C87"
	  "0000000000000000600000000100000000000000000000005C33530DEAF90D4D"
	  "B2EC4AE3786EC3084E45474F4558545303000000010000004000000098000000"
	  "7C7CC0FD06D6362D02DDE1CF343BFE295C33530DEAF90D4DB2EC4AE3786EC308"
	  "40000000580000003056A05430523027802530233121301F0603550403131854"
	  "6F6B656E205369676E696E67205075626C6963204B6579302780253023312130"
	  "1F06035504031318546F6B656E205369676E696E67205075626C6963204B6579"
	  "010026000000000001002000010060A3C3B95C3C7CCD51EC536648D9B3AC74C4"
	  "83CA5B65385A251117BEB30712E50000020004000000000001000200",
	  "324BFA92A4F3A190E466EBEA08D9C110DC88BFED758D9846ECC6F541CC1D02AE"
	  "3C94A79F36011E997E13F841B91B50957AD07B19C8E2539C0B23FDAE09D2C513" },
	{ "FE534D4240000100000000000100800000000000000000000200000000000000"
	  "FFFE000000000000000000000000000000000000000000000000000000000000"
	  "19000001010000000000000058004A000000000000000000604806062B060105"
	  "0502A03E303CA00E300C060A2B06010401823702020AA22A04284E544C4D5353"
	  "500001000000978208E200000000000000000000000000000000060380250000"
	  "000F",
	  "AC0B0F2B9986257700365E416D142A6EDC96DF03594A19E52A15F6BD0D041CD5"
	  "D432F8ED42C55E33197A50C9EC00F1462B50C592211B1471A04B56088FDFD5F9" },
	{ "FE534D4240000100160000C00100010001000000000000000200000000000000"
	  "FFFE000000000000190000000010000000000000000000000000000000000000"
	  "090000004800B300A181B03081ADA0030A0101A10C060A2B0601040182370202"
	  "0AA281970481944E544C4D53535000020000000C000C003800000015828AE20D"
	  "1D8BA31179D008000000000000000050005000440000000A0092270000000F53"
	  "005500540033003100310002000C0053005500540033003100310001000C0053"
	  "005500540033003100310004000C0053005500540033003100310003000C0053"
	  "005500540033003100310007000800A1A1F5ADCBAED00100000000",
	  "2729E3440DFDDD839E37193F6E8F20C20CEFB3469E453A70CD980EEC06B88357"
	  "40A73760085633364C8989895ECE81BF102DEEB14D4B7D48AFA76901A7A38387" },
	{ "FE534D4240000100000000000100800000000000000000000300000000000000"
	  "FFFE000000000000190000000010000000000000000000000000000000000000"
	  "1900000101000000000000005800CF010000000000000000A18201CB308201C7"
	  "A0030A0101A28201AA048201A64E544C4D535350000300000018001800900000"
	  "00EE00EE00A80000000C000C00580000001A001A0064000000120012007E0000"
	  "001000100096010000158288E2060380250000000FECAC77A5F385A8BF9C38C7"
	  "06EEEDDCD3530055005400330031003100610064006D0069006E006900730074"
	  "007200610074006F007200440052004900560045005200330031003100000000"
	  "00000000000000000000000000000000000000000063078EB639FE03E20A231C"
	  "3AE3BF23080101000000000000A1A1F5ADCBAED001BC4AD05F223CC90F000000"
	  "0002000C0053005500540033003100310001000C005300550054003300310031"
	  "0004000C0053005500540033003100310003000C005300550054003300310031"
	  "0007000800A1A1F5ADCBAED00106000400020000000800300030000000000000"
	  "000000000000300000B61FEFCAA857EA57BF1EDCEBF8974B8E0EBA5A6DFD9D07"
	  "A31D11B548F8C9D0CC0A00100000000000000000000000000000000000090016"
	  "0063006900660073002F00530055005400330031003100000000000000000000"
	  "0000003B9BDFF38F5EE8F9663F11A0F4C03A78A31204100100000063775A9A5F"
	  "D97F0600000000",
	  "0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB79"
	  "28622DDDAD522D9751640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01" },
};

static void test_preauth_and_signing_key(void **state)
{
	uint8_t hash[SMB2_PREAUTH_HASH_SIZE] = { 0 };
	struct smb2_session_keys keys;
	size_t len;
	uint8_t *sk;

	for (size_t i = 0; i < sizeof(preauth_steps) / sizeof(preauth_steps[0]);
	     i++) {
		uint8_t *msg = unhex(preauth_steps[i].msg, &len);
		/* split inside the header, as a transport may hand it over */
		struct iovec iov[] = { { msg, 30 }, { msg + 30, len - 30 } };

		assert_int_equal(smb2_preauth_update(hash, iov, 2), 0);
		assert_hex_equal(hash, sizeof(hash), preauth_steps[i].hash);
		free(msg);
	}
	sk = unhex("270E1BA896585EEB7AF3472D3B4C75A7", &len);
	assert_int_equal(smb2_derive_session_keys(SMB2_DIALECT_311, sk, len,
						  hash, SMB2_CIPHER_AES128_GCM,
						  &keys),
			 0);
	assert_hex_equal(keys.signing, 16, "73FE7A9A77BEF0BDE49C650D8CCB5F76");
	free(sk);
}

/* ---- message signing (MS-SMB2 3.1.4.1) --------------------------------- */

#define MSG_LEN 150

/* A response header: MessageId 0x1122334455667788, Flags with SIGNED. */
static void make_message(uint8_t msg[MSG_LEN])
{
	for (size_t i = 0; i < MSG_LEN; i++)
		msg[i] = (uint8_t)(i * 31 + 17);
	memcpy(msg, "\xfeSMB", 4);
	msg[12] = 0x08, msg[13] = 0x00; /* READ */
	msg[16] = 0x09, msg[17] = msg[18] = msg[19] = 0; /* REDIR | SIGNED */
	memcpy(msg + 24, "\x88\x77\x66\x55\x44\x33\x22\x11", 8);
}

static const uint8_t sign_key[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
				      0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
				      0xcc, 0xdd, 0xee, 0xff };

/* The signature as MS-SMB2 3.1.4.1 defines it, from the primitives. */
static void reference_signature(enum smb2_sign_alg alg, const uint8_t *msg,
				uint8_t sig[16])
{
	uint8_t copy[MSG_LEN], full[32], nonce[12];
	struct iovec iov = { copy, MSG_LEN };

	memcpy(copy, msg, MSG_LEN);
	memset(copy + HDR_SIG_OFF, 0, 16);
	switch (alg) {
	case SMB2_SIGN_HMAC_SHA256:
		assert_int_equal(smb_hmac_sha256(sign_key, 16, &iov, 1, full),
				 0);
		memcpy(sig, full, 16);
		break;
	case SMB2_SIGN_AES_CMAC:
		assert_int_equal(smb_aes128_cmac(sign_key, &iov, 1, sig), 0);
		break;
	case SMB2_SIGN_AES_GMAC:
		/* MessageId, then bit 0 for SERVER_TO_REDIR */
		memcpy(nonce, "\x88\x77\x66\x55\x44\x33\x22\x11\x01\0\0\0", 12);
		assert_int_equal(
			smb_aes128_gmac(sign_key, nonce, &iov, 1, sig), 0);
		break;
	}
}

static const enum smb2_sign_alg all_algs[] = {
	SMB2_SIGN_HMAC_SHA256,
	SMB2_SIGN_AES_CMAC,
	SMB2_SIGN_AES_GMAC,
};

static void test_sign_matches_definition(void **state)
{
	uint8_t msg[MSG_LEN], saved[MSG_LEN], sig[16], want[16];
	struct iovec iov = { msg, MSG_LEN };

	make_message(msg);
	memcpy(saved, msg, MSG_LEN);
	for (size_t a = 0; a < 3; a++) {
		reference_signature(all_algs[a], msg, want);
		assert_int_equal(
			smb2_signature_compute(all_algs[a], sign_key, &iov, 1,
					       sig),
			0);
		assert_memory_equal(sig, want, 16);
		/* the Signature field was read as zeros, not written */
		assert_memory_equal(msg, saved, MSG_LEN);
	}
}

static void test_sign_any_iov_split(void **state)
{
	uint8_t msg[MSG_LEN], whole[16], sig[16];
	struct iovec one = { msg, MSG_LEN };

	make_message(msg);
	for (size_t a = 0; a < 3; a++) {
		assert_int_equal(smb2_signature_compute(all_algs[a], sign_key,
							&one, 1, whole),
				 0);
		for (size_t cut = 0; cut <= MSG_LEN; cut++) {
			size_t cut2 = cut + (MSG_LEN - cut) / 2;
			struct iovec iov[] = {
				{ msg, cut },
				{ msg + cut, cut2 - cut },
				{ msg + cut2, MSG_LEN - cut2 },
			};

			assert_int_equal(
				smb2_signature_compute(all_algs[a], sign_key,
						       iov, 3, sig),
				0);
			assert_memory_equal(sig, whole, 16);
		}
	}
}

static void test_signature_field_ignored(void **state)
{
	uint8_t msg[MSG_LEN], a_sig[16], b_sig[16];
	struct iovec iov = { msg, MSG_LEN };

	make_message(msg);
	for (size_t a = 0; a < 3; a++) {
		memset(msg + HDR_SIG_OFF, 0x00, 16);
		assert_int_equal(smb2_signature_compute(all_algs[a], sign_key,
							&iov, 1, a_sig),
				 0);
		memset(msg + HDR_SIG_OFF, 0xa5, 16);
		assert_int_equal(smb2_signature_compute(all_algs[a], sign_key,
							&iov, 1, b_sig),
				 0);
		assert_memory_equal(a_sig, b_sig, 16);
	}
}

static void test_signature_check(void **state)
{
	uint8_t msg[MSG_LEN];
	struct iovec iov = { msg, MSG_LEN };
	struct iovec short_iov = { msg, 63 };

	make_message(msg);
	for (size_t a = 0; a < 3; a++) {
		enum smb2_sign_alg alg = all_algs[a];

		assert_int_equal(smb2_signature_compute(alg, sign_key, &iov, 1,
							msg + HDR_SIG_OFF),
				 0);
		assert_true(smb2_signature_check(alg, sign_key, &iov, 1));
		/* any single flipped bit, header, signature or body */
		for (size_t bit = 0; bit < MSG_LEN * 8; bit += 13) {
			msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_false(
				smb2_signature_check(alg, sign_key, &iov, 1));
			msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		assert_true(smb2_signature_check(alg, sign_key, &iov, 1));
		/* the wrong algorithm or key */
		assert_false(smb2_signature_check(all_algs[(a + 1) % 3],
						  sign_key, &iov, 1));
		assert_false(smb2_signature_check(alg, msg, &iov, 1));
	}
	assert_false(smb2_signature_check(SMB2_SIGN_AES_CMAC, sign_key,
					  &short_iov, 1));
	assert_int_equal(smb2_signature_compute(SMB2_SIGN_AES_CMAC, sign_key,
						&short_iov, 1, msg),
			 -EINVAL);
}

static void test_gmac_nonce(void **state)
{
	uint8_t hdr[64] = { 0 }, nonce[12];
	uint8_t msg[MSG_LEN], base[16], sig[16];
	struct iovec iov = { msg, MSG_LEN };

	memcpy(hdr + 24, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	hdr[16] = 0x08; /* SIGNED alone changes nothing */
	smb2_gmac_nonce(hdr, nonce);
	assert_memory_equal(nonce, "\x08\x07\x06\x05\x04\x03\x02\x01\0\0\0\0",
			    12);
	hdr[16] = 0x09; /* SERVER_TO_REDIR */
	smb2_gmac_nonce(hdr, nonce);
	assert_memory_equal(nonce + 8, "\x01\0\0\0", 4);
	hdr[12] = 0x0c; /* CANCEL */
	smb2_gmac_nonce(hdr, nonce);
	assert_memory_equal(nonce + 8, "\x03\0\0\0", 4);
	hdr[16] = 0x00;
	smb2_gmac_nonce(hdr, nonce);
	assert_memory_equal(nonce + 8, "\x02\0\0\0", 4);

	/* so the signature moves with MessageId, direction and CANCEL */
	make_message(msg);
	assert_int_equal(smb2_signature_compute(SMB2_SIGN_AES_GMAC, sign_key,
						&iov, 1, base),
			 0);
	msg[24] ^= 1;
	assert_int_equal(smb2_signature_compute(SMB2_SIGN_AES_GMAC, sign_key,
						&iov, 1, sig),
			 0);
	assert_memory_not_equal(sig, base, 16);
	msg[24] ^= 1;
	msg[16] &= (uint8_t)~1;
	assert_int_equal(smb2_signature_compute(SMB2_SIGN_AES_GMAC, sign_key,
						&iov, 1, sig),
			 0);
	assert_memory_not_equal(sig, base, 16);
}

/* ---- small helpers ----------------------------------------------------- */

static void test_ct_equal_and_random(void **state)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 };

	assert_true(smb_ct_equal(a, b, sizeof(a)));
	b[31] = 1;
	assert_false(smb_ct_equal(a, b, sizeof(a)));
	assert_true(smb_ct_equal(a, b, 31));

	assert_int_equal(smb_random(a, sizeof(a)), 0);
	assert_int_equal(smb_random(b, sizeof(b)), 0);
	/* two 256-bit draws colliding would mean a broken generator */
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(smb_random(NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md4_rfc1320),
		cmocka_unit_test(test_md4_fallback_lengths),
		cmocka_unit_test(test_nt_hash),
		cmocka_unit_test(test_md5_rfc1321),
		cmocka_unit_test(test_hmac_md5_rfc2104),
		cmocka_unit_test(test_rc4),
		cmocka_unit_test(test_hmac_sha256_rfc4231),
		cmocka_unit_test(test_cmac_rfc4493),
		cmocka_unit_test(test_gmac_vectors),
		cmocka_unit_test(test_kdf_smb30),
		cmocka_unit_test(test_derive_keys_smb30),
		cmocka_unit_test(test_derive_keys_smb311),
		cmocka_unit_test(test_derive_keys_misc),
		cmocka_unit_test(test_preauth_and_signing_key),
		cmocka_unit_test(test_sign_matches_definition),
		cmocka_unit_test(test_sign_any_iov_split),
		cmocka_unit_test(test_signature_field_ignored),
		cmocka_unit_test(test_signature_check),
		cmocka_unit_test(test_gmac_nonce),
		cmocka_unit_test(test_ct_equal_and_random),
	};
	return cmocka_run_group_tests(tests, setup_crypto, NULL);
}
