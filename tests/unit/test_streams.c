/* Stream name parsing (MS-FSCC 2.1.5.3) and the store's name encoding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "smb2/streams.h"

static void expect_named(const char *spec, const char *want)
{
	enum smb2_stream_kind kind;
	char *name = NULL;
	NTSTATUS status = smb2_stream_parse(NULL, spec, &kind, &name);

	assert_true(NT_STATUS_IS_OK(status));
	assert_int_equal(kind, SMB2_STREAM_NAMED);
	assert_non_null(name);
	assert_string_equal(name, want);
	talloc_free(name);
}

static void expect_kind(const char *spec, enum smb2_stream_kind want)
{
	enum smb2_stream_kind kind;
	char *name = (char *)"unset";
	NTSTATUS status = smb2_stream_parse(NULL, spec, &kind, &name);

	assert_true(NT_STATUS_IS_OK(status));
	assert_int_equal(kind, want);
	assert_null(name);
}

static void expect_invalid(const char *spec)
{
	enum smb2_stream_kind kind;
	char *name = NULL;
	NTSTATUS status = smb2_stream_parse(NULL, spec, &kind, &name);

	assert_true(NT_STATUS_EQUAL(status, NT_STATUS_OBJECT_NAME_INVALID));
	assert_null(name);
}

static void test_parse_named(void **state)
{
	(void)state;
	expect_named("Stream One", "Stream One");
	expect_named("Second Stream:$DaTa", "Second Stream");
	expect_named("x:$DATA", "x");
	/* control characters, '?' and '*' are valid in stream names */
	expect_named("\x05Stream\n One", "\x05Stream\n One");
	expect_named("?Stream*", "?Stream*");
	expect_named("\xc3\xa4\xc3\xb6", "\xc3\xa4\xc3\xb6");
}

static void test_parse_main_and_index(void **state)
{
	(void)state;
	expect_kind(":$DATA", SMB2_STREAM_MAIN);
	expect_kind(":$data", SMB2_STREAM_MAIN);
	expect_kind(":$INDEX_ALLOCATION", SMB2_STREAM_INDEX);
	expect_kind("$I30:$INDEX_ALLOCATION", SMB2_STREAM_INDEX);
	expect_kind("$i30:$index_allocation", SMB2_STREAM_INDEX);
}

static void test_parse_invalid(void **state)
{
	char long_name[300];

	(void)state;
	expect_invalid("");		/* "file:" */
	expect_invalid(":");		/* "file::" */
	expect_invalid("name:");	/* empty type */
	expect_invalid("name:$FOO");	/* unknown type */
	expect_invalid("name:?D*a");
	expect_invalid("name:$DATA:x"); /* a third part */
	expect_invalid(":$FOO");
	expect_invalid("a\\b");
	expect_invalid("a/b");
	expect_invalid("name:$INDEX_ALLOCATION"); /* only $I30 */
	memset(long_name, 'a', 256);
	long_name[256] = '\0';
	expect_invalid(long_name);
	long_name[255] = '\0';
	expect_named(long_name, long_name);
}

static void expect_roundtrip(const char *name, const char *enc_want)
{
	char *enc = NULL, *dec = NULL;

	assert_int_equal(smb2_stream_encode(NULL, name, &enc), 0);
	assert_string_equal(enc, enc_want);
	assert_int_equal(smb2_stream_decode(NULL, enc, &dec), 0);
	assert_string_equal(dec, name);
	talloc_free(enc);
	talloc_free(dec);
}

static void test_encode(void **state)
{
	char *out = NULL;
	char big[300];

	(void)state;
	expect_roundtrip("Stream One", "Stream One");
	expect_roundtrip("\x05S\n", "%05S%0A");
	expect_roundtrip("50%", "50%25");
	expect_roundtrip(".hidden.x", "%2Ehidden.x");
	expect_roundtrip("..", "%2E.");
	expect_roundtrip("?*<>|\"", "?*<>|\"");
	/* 85 escaped bytes fill NAME_MAX exactly; one more is too long */
	memset(big, '\n', 85);
	big[85] = '\0';
	assert_int_equal(smb2_stream_encode(NULL, big, &out), 0);
	assert_int_equal(strlen(out), 255);
	talloc_free(out);
	big[85] = '\n';
	big[86] = '\0';
	assert_int_equal(smb2_stream_encode(NULL, big, &out), -ENAMETOOLONG);
}

static void test_decode_rejects_foreign_names(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(smb2_stream_decode(NULL, ".", &out), -EINVAL);
	assert_int_equal(smb2_stream_decode(NULL, "..", &out), -EINVAL);
	assert_int_equal(smb2_stream_decode(NULL, "%", &out), -EINVAL);
	assert_int_equal(smb2_stream_decode(NULL, "a%2", &out), -EINVAL);
	assert_int_equal(smb2_stream_decode(NULL, "a%zz", &out), -EINVAL);
	/* lower-case hex and needless escapes are not ours */
	assert_int_equal(smb2_stream_decode(NULL, "%0a", &out), -EINVAL);
	assert_int_equal(smb2_stream_decode(NULL, "%41", &out), -EINVAL);
	assert_int_equal(smb2_stream_decode(NULL, "", &out), -EINVAL);
	assert_null(out);
}

/* The UTF-16 name of a CREATE split at its first ':' */
static void test_client_path(void **state)
{
	static const uint8_t name[] = { 'd', 0, '\\', 0, 'f', 0, ':', 0,
					's', 0, ':', 0, '$', 0, 'D', 0,
					'A', 0, 'T', 0, 'A', 0 };
	static const uint8_t plain[] = { 'd', 0, '\\', 0, 'f', 0 };
	static const uint8_t colon_in_dir[] = { 'd', 0, ':', 0, 's', 0,
						'\\', 0, 'f', 0 };
	static const uint8_t bad_base[] = { 'd', 0, '*', 0, ':', 0, 's', 0 };
	struct smb2_stream_target *t = NULL;
	void *ctx = talloc_new(NULL);
	char *path = NULL;

	(void)state;
	assert_true(NT_STATUS_IS_OK(smb2_stream_client_path(
	    ctx, name, sizeof(name), &path, &t)));
	assert_string_equal(path, "d/f");
	assert_non_null(t);
	assert_true(NT_STATUS_IS_OK(smb2_stream_client_path(
	    ctx, plain, sizeof(plain), &path, &t)));
	assert_string_equal(path, "d/f");
	assert_null(t);
	assert_true(NT_STATUS_EQUAL(
	    smb2_stream_client_path(ctx, colon_in_dir, sizeof(colon_in_dir),
				    &path, &t),
	    NT_STATUS_OBJECT_NAME_INVALID));
	assert_true(NT_STATUS_EQUAL(
	    smb2_stream_client_path(ctx, bad_base, sizeof(bad_base), &path,
				    &t),
	    NT_STATUS_OBJECT_NAME_INVALID));
	assert_true(smb2_stream_rename_target(name + 6, sizeof(name) - 6));
	assert_false(smb2_stream_rename_target(plain, sizeof(plain)));
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_named),
		cmocka_unit_test(test_parse_main_and_index),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_decode_rejects_foreign_names),
		cmocka_unit_test(test_client_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
