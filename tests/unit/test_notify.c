/*
 * CHANGE_NOTIFY pure parts: inotify event mapping and FILE_NOTIFY_INFORMATION
 * encoding (MS-FSCC 2.7.1). Expected bytes are written out from the
 * structure layout: NextEntryOffset, Action, FileNameLength (LE32 each),
 * FileName in UTF-16LE, the next entry on a 4-byte boundary.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/inotify.h>

#include <cmocka.h>

#include "smb2/notify.h"

static void test_encode_single(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x00, 0x00, 0x00, /* NextEntryOffset: last */
		0x01, 0x00, 0x00, 0x00, /* FILE_ACTION_ADDED */
		0x0a, 0x00, 0x00, 0x00, /* 10 bytes of name */
		'a',  0,    '.',  0,    't', 0, 'x', 0, 't', 0,
	};
	struct notify_change c = { FILE_ACTION_ADDED, (char *)"a.txt" };
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(notify_encode(NULL, &c, 1, 1000, &out, &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	talloc_free(out);
}

/* An 18-byte entry is padded to 20 before the next; the last entry is not
 * padded. */
static void test_encode_chain_padding(void **state)
{
	static const uint8_t want[] = {
		0x14, 0x00, 0x00, 0x00, /* next entry at 20 */
		0x04, 0x00, 0x00, 0x00, /* RENAMED_OLD_NAME */
		0x06, 0x00, 0x00, 0x00,
		'a',  0,    'b',  0,    'c',  0,
		0,    0,		/* padding */
		0x00, 0x00, 0x00, 0x00, /* last */
		0x05, 0x00, 0x00, 0x00, /* RENAMED_NEW_NAME */
		0x08, 0x00, 0x00, 0x00,
		'd',  0,    '\\', 0,    'e',  0,    'f', 0,
	};
	struct notify_change c[2] = {
		{ FILE_ACTION_RENAMED_OLD_NAME, (char *)"abc" },
		{ FILE_ACTION_RENAMED_NEW_NAME, (char *)"d\\ef" },
	};
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(notify_encode(NULL, c, 2, 1000, &out, &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	talloc_free(out);
}

/* An entry that is already a multiple of 4 needs no padding. */
static void test_encode_aligned_entry(void **state)
{
	struct notify_change c[2] = {
		{ FILE_ACTION_REMOVED, (char *)"ab" }, /* 12 + 4 = 16 */
		{ FILE_ACTION_ADDED, (char *)"x" },
	};
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(notify_encode(NULL, c, 2, 1000, &out, &len), 0);
	assert_int_equal(len, 16 + 14);
	assert_int_equal(out[0], 16);
	assert_int_equal(out[16 + 4], FILE_ACTION_ADDED);
	talloc_free(out);
}

/* More than OutputBufferLength: STATUS_NOTIFY_ENUM_DIR territory. */
static void test_encode_overflow(void **state)
{
	struct notify_change c[2] = {
		{ FILE_ACTION_ADDED, (char *)"abc" },
		{ FILE_ACTION_ADDED, (char *)"d" },
	};
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	/* 20 (padded) + 14 = 34 bytes */
	assert_int_equal(notify_encode(NULL, c, 2, 34, &out, &len), 0);
	assert_int_equal(len, 34);
	talloc_free(out);
	out = NULL;
	assert_int_equal(notify_encode(NULL, c, 2, 33, &out, &len),
			 -EOVERFLOW);
	assert_null(out);
	assert_int_equal(notify_encode(NULL, c, 1, 0, &out, &len), -EOVERFLOW);
	assert_int_equal(notify_encode(NULL, c, 0, 0, &out, &len), 0);
	assert_int_equal(len, 0);
	talloc_free(out);
}

static void test_encode_unicode(void **state)
{
	/* U+00E9 and U+1D11E (a surrogate pair: D834 DD1E) */
	struct notify_change c = { FILE_ACTION_MODIFIED,
				   (char *)"\xc3\xa9\xf0\x9d\x84\x9e" };
	static const uint8_t name16[] = { 0xe9, 0x00, 0x34, 0xd8, 0x1e, 0xdd };
	struct notify_change bad = { FILE_ACTION_ADDED, (char *)"\xff" };
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(notify_entry_size(c.name), 12 + 6);
	assert_int_equal(notify_encode(NULL, &c, 1, 100, &out, &len), 0);
	assert_int_equal(len, 18);
	assert_int_equal(out[8], 6);
	assert_memory_equal(out + 12, name16, sizeof(name16));
	talloc_free(out);
	assert_int_equal(notify_entry_size(bad.name), 0);
	assert_int_equal(notify_encode(NULL, &bad, 1, 100, &out, &len),
			 -EILSEQ);
}

static void expect_map(uint32_t in_mask, uint32_t action, uint32_t filter)
{
	uint32_t a = 0, f = 0;

	assert_true(notify_map_event(in_mask, &a, &f));
	assert_int_equal(a, action);
	assert_int_equal(f, filter);
}

static void test_map_names(void **state)
{
	(void)state;
	expect_map(IN_CREATE, FILE_ACTION_ADDED, FILE_NOTIFY_CHANGE_FILE_NAME);
	expect_map(IN_CREATE | IN_ISDIR, FILE_ACTION_ADDED,
		   FILE_NOTIFY_CHANGE_DIR_NAME);
	expect_map(IN_DELETE, FILE_ACTION_REMOVED,
		   FILE_NOTIFY_CHANGE_FILE_NAME);
	expect_map(IN_DELETE | IN_ISDIR, FILE_ACTION_REMOVED,
		   FILE_NOTIFY_CHANGE_DIR_NAME);
	/* unpaired halves of a rename */
	expect_map(IN_MOVED_FROM, FILE_ACTION_REMOVED,
		   FILE_NOTIFY_CHANGE_FILE_NAME);
	expect_map(IN_MOVED_TO | IN_ISDIR, FILE_ACTION_ADDED,
		   FILE_NOTIFY_CHANGE_DIR_NAME);
}

static void test_map_modified(void **state)
{
	uint32_t a = 0, f = 0;

	(void)state;
	assert_true(notify_map_event(IN_ATTRIB, &a, &f));
	assert_int_equal(a, FILE_ACTION_MODIFIED);
	/* chmod, utimens and setxattr all look alike */
	assert_true(f & FILE_NOTIFY_CHANGE_ATTRIBUTES);
	assert_true(f & FILE_NOTIFY_CHANGE_LAST_WRITE);
	assert_true(f & FILE_NOTIFY_CHANGE_LAST_ACCESS);
	assert_true(f & FILE_NOTIFY_CHANGE_CREATION);
	assert_true(f & FILE_NOTIFY_CHANGE_EA);
	assert_true(f & FILE_NOTIFY_CHANGE_SECURITY);
	assert_false(f & (FILE_NOTIFY_CHANGE_FILE_NAME |
			  FILE_NOTIFY_CHANGE_DIR_NAME |
			  FILE_NOTIFY_CHANGE_SIZE));
	expect_map(IN_MODIFY, FILE_ACTION_MODIFIED,
		   FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_LAST_WRITE);
}

static void test_map_ignored(void **state)
{
	uint32_t a = 0, f = 0;

	(void)state;
	assert_false(notify_map_event(IN_IGNORED, &a, &f));
	assert_false(notify_map_event(IN_Q_OVERFLOW, &a, &f));
	assert_false(notify_map_event(IN_UNMOUNT, &a, &f));
	assert_false(notify_map_event(IN_CLOSE_WRITE, &a, &f));
	assert_false(notify_map_event(IN_ACCESS, &a, &f));
}

static void test_rename_actions(void **state)
{
	uint32_t o = 0, n = 0;

	(void)state;
	notify_rename_actions(true, &o, &n);
	assert_int_equal(o, FILE_ACTION_RENAMED_OLD_NAME);
	assert_int_equal(n, FILE_ACTION_RENAMED_NEW_NAME);
	notify_rename_actions(false, &o, &n);
	assert_int_equal(o, FILE_ACTION_REMOVED);
	assert_int_equal(n, FILE_ACTION_ADDED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_single),
		cmocka_unit_test(test_encode_chain_padding),
		cmocka_unit_test(test_encode_aligned_entry),
		cmocka_unit_test(test_encode_overflow),
		cmocka_unit_test(test_encode_unicode),
		cmocka_unit_test(test_map_names),
		cmocka_unit_test(test_map_modified),
		cmocka_unit_test(test_map_ignored),
		cmocka_unit_test(test_rename_actions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
