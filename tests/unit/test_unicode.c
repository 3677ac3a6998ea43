#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vfs/unicode.h"

/* "a" U+20AC U+1D11E: the surrogate pair example of RFC 2781 / Unicode 3.8 */
static const char sample_utf8[] = "a\xE2\x82\xAC\xF0\x9D\x84\x9E";
static const uint8_t sample_utf16[] = { 0x61, 0x00, 0xAC, 0x20,
					0x34, 0xD8, 0x1E, 0xDD };

static void test_utf8_to_utf16_surrogates(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	uint8_t *out = NULL;
	size_t len = 0;

	assert_int_equal(utf8_utf16_len(sample_utf8), sizeof(sample_utf16));
	assert_int_equal(utf8_to_utf16le(ctx, sample_utf8, &out, &len), 0);
	assert_int_equal(len, sizeof(sample_utf16));
	assert_memory_equal(out, sample_utf16, len);

	assert_int_equal(utf8_to_utf16le(ctx, "", &out, &len), 0);
	assert_non_null(out);
	assert_int_equal(len, 0);
	talloc_free(ctx);
}

static void test_utf16_to_utf8_surrogates(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	char *out = NULL;

	assert_int_equal(utf16le_to_utf8(ctx, sample_utf16,
					 sizeof(sample_utf16), &out),
			 0);
	assert_string_equal(out, sample_utf8);
	assert_int_equal(utf16le_to_utf8(ctx, sample_utf16, 0, &out), 0);
	assert_string_equal(out, "");
	talloc_free(ctx);
}

static void test_utf16_invalid(void **state)
{
	static const uint8_t lone_high_end[] = { 0x61, 0x00, 0x34, 0xD8 };
	static const uint8_t lone_low[] = { 0x1E, 0xDD, 0x61, 0x00 };
	static const uint8_t high_then_bmp[] = { 0x34, 0xD8, 0x61, 0x00 };
	static const uint8_t two_highs[] = { 0x34, 0xD8, 0x34, 0xD8 };
	static const uint8_t embedded_nul[] = { 0x61, 0x00, 0x00, 0x00 };
	TALLOC_CTX *ctx = talloc_new(NULL);
	char *out = NULL;

	assert_int_equal(utf16le_to_utf8(ctx, lone_high_end,
					 sizeof(lone_high_end), &out),
			 -EILSEQ);
	assert_int_equal(utf16le_to_utf8(ctx, lone_low, sizeof(lone_low),
					 &out),
			 -EILSEQ);
	assert_int_equal(utf16le_to_utf8(ctx, high_then_bmp,
					 sizeof(high_then_bmp), &out),
			 -EILSEQ);
	assert_int_equal(utf16le_to_utf8(ctx, two_highs, sizeof(two_highs),
					 &out),
			 -EILSEQ);
	assert_int_equal(utf16le_to_utf8(ctx, embedded_nul,
					 sizeof(embedded_nul), &out),
			 -EILSEQ);
	/* odd byte count */
	assert_int_not_equal(utf16le_to_utf8(ctx, sample_utf16, 3, &out), 0);
	talloc_free(ctx);
}

static void test_utf8_invalid(void **state)
{
	static const char *const bad[] = {
		"\xC0\xAF",	    /* overlong '/' */
		"\xE0\x80\xAF",	    /* overlong '/', 3 bytes */
		"\xF0\x80\x80\xAF", /* overlong '/', 4 bytes */
		"\xE2\x82",	    /* truncated U+20AC */
		"a\xF0\x9D\x84",    /* truncated U+1D11E */
		"\xED\xA0\x80",	    /* encoded surrogate U+D800 */
		"\xF4\x90\x80\x80", /* U+110000 */
		"\x80",		    /* stray continuation */
		"\xFF",
		"ok\xFE",
	};
	TALLOC_CTX *ctx = talloc_new(NULL);
	uint8_t *out = NULL;
	size_t len, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(utf8_utf16_len(bad[i]), -EILSEQ);
		assert_int_equal(utf8_to_utf16le(ctx, bad[i], &out, &len),
				 -EILSEQ);
		assert_false(name_equal_ci(bad[i], bad[i]));
		assert_false(name_wildcard_match("?*", bad[i]));
	}
	/* the largest code point and the last BMP ones are fine */
	assert_int_equal(utf8_utf16_len("\xF4\x8F\xBF\xBF"), 4);
	assert_int_equal(utf8_utf16_len("\xEF\xBF\xBD\xED\x9F\xBF"), 4);
	talloc_free(ctx);
}

static void test_round_trip_all_planes(void **state)
{
	/* one code point from each UTF-8 length and both sides of the
	 * surrogate range */
	static const char s[] = "A\xC3\xA9\xE4\xB8\xAD\xED\x9F\xBF"
				"\xEE\x80\x80\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF";
	TALLOC_CTX *ctx = talloc_new(NULL);
	uint8_t *u16;
	char *back;
	size_t len;

	assert_int_equal(utf8_to_utf16le(ctx, s, &u16, &len), 0);
	assert_int_equal(len, 2 * 5 + 4 * 2);
	assert_int_equal(utf16le_to_utf8(ctx, u16, len, &back), 0);
	assert_string_equal(back, s);
	talloc_free(ctx);
}

static void test_equal_ci(void **state)
{
	assert_true(name_equal_ci("Readme.TXT", "README.txt"));
	assert_true(name_equal_ci("\xC3\x84\xC3\x96\xC3\x9C",	 /* ÄÖÜ */
				  "\xC3\xA4\xC3\xB6\xC3\xBC")); /* äöü */
	assert_true(name_equal_ci("\xCE\x91\xCE\x92\xCE\x93",	 /* ΑΒΓ */
				  "\xCE\xB1\xCE\xB2\xCE\xB3")); /* αβγ */
	/* Σ, σ and final ς are one letter */
	assert_true(name_equal_ci("\xCE\xA3", "\xCF\x82"));
	assert_true(name_equal_ci("\xCE\xA3", "\xCF\x83"));
	/* Greek with tonos: ά / Ά */
	assert_true(name_equal_ci("\xCE\xAC", "\xCE\x86"));
	/* Cyrillic Ж/ж, Ё/ё, Ґ/ґ */
	assert_true(name_equal_ci("\xD0\x96", "\xD0\xB6"));
	assert_true(name_equal_ci("\xD0\x81", "\xD1\x91"));
	assert_true(name_equal_ci("\xD2\x90", "\xD2\x91"));
	/* Latin Extended-A: Ł/ł, Ž/ž, Ÿ/ÿ */
	assert_true(name_equal_ci("\xC5\x81", "\xC5\x82"));
	assert_true(name_equal_ci("\xC5\xBD", "\xC5\xBE"));
	assert_true(name_equal_ci("\xC5\xB8", "\xC3\xBF"));

	assert_false(name_equal_ci("abc", "abcd"));
	assert_false(name_equal_ci("abcd", "abc"));
	assert_false(name_equal_ci("a", "b"));
	/* ß has no single-letter upper case; ı is not i */
	assert_false(name_equal_ci("stra\xC3\x9F" "e", "STRASSE"));
	assert_false(name_equal_ci("\xC4\xB1", "I"));
	/* ÷ and × are not a case pair */
	assert_false(name_equal_ci("\xC3\xB7", "\xC3\x97"));
	assert_true(name_equal_ci("", ""));
}

static void test_wildcard_basic(void **state)
{
	assert_true(name_wildcard_match("*", "abc"));
	assert_true(name_wildcard_match("*", "."));
	assert_false(name_wildcard_match("*", ""));
	/* "*.*" matches names without a dot too */
	assert_true(name_wildcard_match("*.*", "abc"));
	assert_true(name_wildcard_match("*.*", "a.b.c"));
	assert_true(name_wildcard_match("a?c", "abc"));
	assert_true(name_wildcard_match("a?c", "A.C"));
	assert_false(name_wildcard_match("a?c", "ac"));
	assert_false(name_wildcard_match("a?c", "abbc"));
	assert_true(name_wildcard_match("*.txt", "Notes.TXT"));
	assert_false(name_wildcard_match("*.txt", "notes.txt.bak"));
	assert_true(name_wildcard_match("*a*b", "xaxxb"));
	assert_false(name_wildcard_match("*a*b", "xaxxbc"));
	assert_true(name_wildcard_match("\xC3\x84*", "\xC3\xA4rger"));
	assert_true(name_wildcard_match("exact", "EXACT"));
	assert_false(name_wildcard_match("exact", "exactly"));
	assert_false(name_wildcard_match("", "a"));
	assert_true(name_wildcard_match("", ""));
}

static void test_wildcard_dos(void **state)
{
	/* DOS_STAR: anything up to (not past) the final dot */
	assert_true(name_wildcard_match("<", "abc"));
	assert_false(name_wildcard_match("<", "a.b"));
	assert_true(name_wildcard_match("<.b", "a.b"));
	assert_true(name_wildcard_match("<.b", "a.c.b"));
	assert_false(name_wildcard_match("<.c", "a.c.b"));
	/* Win32 "*." becomes <": names without an extension */
	assert_true(name_wildcard_match("<\"", "abc"));
	assert_true(name_wildcard_match("<\"", "abc."));
	assert_false(name_wildcard_match("<\"", "a.b"));

	/* DOS_QM: one character, or nothing at a dot or the end */
	assert_true(name_wildcard_match(">>>.txt", "ab.txt"));
	assert_true(name_wildcard_match(">>>.txt", "abc.txt"));
	assert_false(name_wildcard_match(">>>.txt", "abcd.txt"));
	assert_true(name_wildcard_match("a>", "a"));
	assert_true(name_wildcard_match("a>", "ab"));
	assert_false(name_wildcard_match("a>", "abc"));
	assert_false(name_wildcard_match(">", ".x"));

	/* DOS_DOT: a dot, or nothing past the end */
	assert_true(name_wildcard_match("a\"b", "a.b"));
	assert_false(name_wildcard_match("a\"b", "ab"));
	assert_true(name_wildcard_match("abc\"", "abc"));
	assert_true(name_wildcard_match("abc\"", "abc."));
	assert_false(name_wildcard_match("abc\"", "abcd"));
	/* Win32 "foo.*" becomes foo"* */
	assert_true(name_wildcard_match("foo\"*", "foo"));
	assert_true(name_wildcard_match("foo\"*", "FOO.bar"));
	assert_false(name_wildcard_match("foo\"*", "food"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_to_utf16_surrogates),
		cmocka_unit_test(test_utf16_to_utf8_surrogates),
		cmocka_unit_test(test_utf16_invalid),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_round_trip_all_planes),
		cmocka_unit_test(test_equal_ci),
		cmocka_unit_test(test_wildcard_basic),
		cmocka_unit_test(test_wildcard_dos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
