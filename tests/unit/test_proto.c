/* SMB2 header codec and request structure sizes (MS-SMB2 2.2.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smb2/smb2_proto.h"
#include "smb2/wire.h"

/* A sync READ request header as a Windows client sends it. */
static const uint8_t read_hdr[64] = {
	0xfe, 'S',  'M',  'B',	0x40, 0x00, 0x01, 0x00, /* size, charge */
	0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x1f, 0x00, /* READ, credits */
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* SIGNED */
	0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* MessageId 42 */
	0xff, 0xfe, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, /* TreeId 5 */
	0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, /* SessionId */
	1,    2,    3,	  4,	5,    6,    7,	  8,
	9,    10,   11,	  12,	13,   14,   15,	  16,
};

static void test_decode_sync(void **state)
{
	struct smb2_hdr h;
	assert_true(smb2_hdr_decode(read_hdr, sizeof(read_hdr), &h));
	assert_int_equal(h.command, SMB2_OP_READ);
	assert_int_equal(h.credit_charge, 1);
	assert_int_equal(h.credits, 31);
	assert_int_equal(h.flags, SMB2_FLAGS_SIGNED);
	assert_int_equal(h.message_id, 42);
	assert_int_equal(h.tree_id, 5);
	assert_true(h.session_id == 0x4000000000000011ull);
	assert_int_equal(h.signature[15], 16);
}

static void test_decode_async(void **state)
{
	uint8_t b[64];
	struct smb2_hdr h;
	memcpy(b, read_hdr, sizeof(b));
	put_le32(b + 16, SMB2_FLAGS_ASYNC_COMMAND);
	put_le64(b + 32, 0x1122334455667788ull);
	assert_true(smb2_hdr_decode(b, sizeof(b), &h));
	assert_true(h.async_id == 0x1122334455667788ull);
	assert_int_equal(h.tree_id, 0);
}

static void test_reject_bad_headers(void **state)
{
	uint8_t b[64];
	struct smb2_hdr h;

	for (size_t len = 0; len < 64; len++)
		assert_false(smb2_hdr_decode(read_hdr, len, &h));
	memcpy(b, read_hdr, sizeof(b));
	b[0] = 0xff; /* SMB1 */
	assert_false(smb2_hdr_decode(b, sizeof(b), &h));
	memcpy(b, read_hdr, sizeof(b));
	b[0] = 0xfd; /* transform header is not a plain header */
	assert_false(smb2_hdr_decode(b, sizeof(b), &h));
	memcpy(b, read_hdr, sizeof(b));
	b[4] = 0x41; /* StructureSize must be 64 */
	assert_false(smb2_hdr_decode(b, sizeof(b), &h));
}

static void test_encode_roundtrip(void **state)
{
	struct smb2_hdr h, back;
	uint8_t out[64];

	assert_true(smb2_hdr_decode(read_hdr, sizeof(read_hdr), &h));
	h.flags |= SMB2_FLAGS_SERVER_TO_REDIR;
	h.status = 0xc0000022;
	smb2_hdr_encode(out, &h);
	assert_true(smb2_hdr_decode(out, sizeof(out), &back));
	assert_int_equal(back.status, 0xc0000022);
	assert_int_equal(back.flags, h.flags);
	assert_int_equal(back.message_id, 42);
	assert_int_equal(back.tree_id, 5);
	assert_memory_equal(back.signature, h.signature, 16);
}

static void test_structure_sizes(void **state)
{
	/* MS-SMB2 2.2.3 .. 2.2.39 */
	assert_int_equal(smb2_req_structure_size(SMB2_OP_NEGOTIATE), 36);
	assert_int_equal(smb2_req_structure_size(SMB2_OP_SESSION_SETUP), 25);
	assert_int_equal(smb2_req_structure_size(SMB2_OP_CREATE), 57);
	assert_int_equal(smb2_req_structure_size(SMB2_OP_READ), 49);
	assert_int_equal(smb2_req_structure_size(SMB2_OP_WRITE), 49);
	assert_int_equal(smb2_req_structure_size(SMB2_OP_QUERY_DIRECTORY),
			 33);
	assert_int_equal(smb2_req_structure_size(SMB2_OP_QUERY_INFO), 41);
	assert_int_equal(smb2_req_structure_size(SMB2_OP_SET_INFO), 33);
	assert_int_equal(smb2_req_structure_size(SMB2_OP_OPLOCK_BREAK), 24);
	assert_int_equal(smb2_req_structure_size(0x13), 0);
	assert_int_equal(smb2_req_structure_size(0xffff), 0);
	assert_string_equal(smb2_command_name(0xffff), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_sync),
		cmocka_unit_test(test_decode_async),
		cmocka_unit_test(test_reject_bad_headers),
		cmocka_unit_test(test_encode_roundtrip),
		cmocka_unit_test(test_structure_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
