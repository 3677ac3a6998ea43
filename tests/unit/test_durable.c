/*
 * Durable handle contexts and rules, and the ChannelSequence replay
 * check (smb2/durable.c, smb2/replay.c): the pure parts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smb2/durable.h"
#include "smb2/replay.h"

static NTSTATUS parse(struct smb2_durable_req *d, const char *tag,
		      const uint8_t *data, size_t len, bool *handled)
{
	return smb2_durable_parse_context(d, (const uint8_t *)tag,
					  strlen(tag), data, len, handled);
}

/* MS-SMB2 2.2.13.2.11: Timeout, Flags, Reserved (8), CreateGuid */
static void test_dh2q_decode(void **state)
{
	uint8_t b[32] = { 0 };
	struct smb2_durable_req d = { 0 };
	bool handled = false;

	(void)state;
	put_le32(b, 30000);
	put_le32(b + 4, SMB2_DHANDLE_FLAG_PERSISTENT);
	for (int i = 0; i < 16; i++)
		b[16 + i] = (uint8_t)(0xa0 + i);
	assert_true(NT_STATUS_IS_OK(parse(&d, "DH2Q", b, 32, &handled)));
	assert_true(handled);
	assert_true(d.v2_request);
	assert_int_equal(d.timeout_ms, 30000);
	assert_int_equal(d.flags, SMB2_DHANDLE_FLAG_PERSISTENT);
	assert_int_equal(d.create_guid[0], 0xa0);
	assert_int_equal(d.create_guid[15], 0xaf);
	/* one byte short */
	memset(&d, 0, sizeof(d));
	assert_true(NT_STATUS_EQUAL(parse(&d, "DH2Q", b, 31, &handled),
				    NT_STATUS_INVALID_PARAMETER));
}

/* 2.2.13.2.12: FileId (16), CreateGuid (16), Flags */
static void test_dh2c_and_dhnc_decode(void **state)
{
	uint8_t b[36] = { 0 };
	struct smb2_durable_req d = { 0 };
	bool handled;

	(void)state;
	put_le64(b, 0x1122334455667788ull);
	put_le64(b + 8, 0x99);
	b[16] = 0x42;
	put_le32(b + 32, 0);
	assert_true(NT_STATUS_IS_OK(parse(&d, "DH2C", b, 36, &handled)));
	assert_true(d.v2_reconnect);
	assert_true(d.fid_p == 0x1122334455667788ull);
	assert_true(d.fid_v == 0x99);
	assert_int_equal(d.create_guid[0], 0x42);

	memset(&d, 0, sizeof(d));
	assert_true(NT_STATUS_IS_OK(parse(&d, "DHnC", b, 16, &handled)));
	assert_true(d.v1_reconnect);
	assert_true(d.fid_p == 0x1122334455667788ull);
	assert_true(NT_STATUS_EQUAL(parse(&d, "DHnC", b, 36, &handled),
				    NT_STATUS_INVALID_PARAMETER));
	assert_true(NT_STATUS_EQUAL(parse(&d, "DHnQ", b, 8, &handled),
				    NT_STATUS_INVALID_PARAMETER));
	/* other tags are not this module's */
	assert_true(NT_STATUS_IS_OK(parse(&d, "MxAc", b, 0, &handled)));
	assert_false(handled);
}

/* 2.2.13.2.13: the context is named by a GUID and starts with its
 * StructureSize, 20 */
static void test_app_instance_decode(void **state)
{
	static const uint8_t name[16] = {
		0x45, 0xbc, 0xa6, 0x6a, 0xef, 0xa7, 0xf7, 0x4a,
		0x90, 0x08, 0xfa, 0x46, 0x2e, 0x14, 0x4d, 0x74,
	};
	uint8_t b[20] = { 20, 0 };
	struct smb2_durable_req d = { 0 };
	bool handled;

	(void)state;
	b[4] = 0x77;
	assert_true(NT_STATUS_IS_OK(smb2_durable_parse_context(
	    &d, name, 16, b, 20, &handled)));
	assert_true(handled);
	assert_true(d.has_app_id);
	assert_int_equal(d.app_id[0], 0x77);
	b[0] = 24; /* wrong StructureSize */
	assert_true(NT_STATUS_EQUAL(
	    smb2_durable_parse_context(&d, name, 16, b, 20, &handled),
	    NT_STATUS_INVALID_PARAMETER));
}

/* 3.3.5.9.6/.7/.10: combinations */
static void test_check_request(void **state)
{
	struct smb2_durable_req d = { 0 };

	(void)state;
	d.v1_request = d.v2_request = true;
	assert_true(NT_STATUS_EQUAL(
	    smb2_durable_check_request(&d, SMB2_DIALECT_311),
	    NT_STATUS_INVALID_PARAMETER));
	/* before 3.0 the v2 context is not looked at */
	assert_true(NT_STATUS_IS_OK(
	    smb2_durable_check_request(&d, SMB2_DIALECT_210)));
	assert_false(d.v2_request);
	assert_true(d.v1_request);
	/* a v1 reconnect ignores the v1 request beside it */
	memset(&d, 0, sizeof(d));
	d.v1_request = d.v1_reconnect = true;
	assert_true(NT_STATUS_IS_OK(
	    smb2_durable_check_request(&d, SMB2_DIALECT_300)));
	assert_false(d.v1_request);
	assert_true(d.v1_reconnect);
	memset(&d, 0, sizeof(d));
	d.v2_reconnect = d.v1_reconnect = true;
	assert_true(NT_STATUS_EQUAL(
	    smb2_durable_check_request(&d, SMB2_DIALECT_302),
	    NT_STATUS_INVALID_PARAMETER));
}

static void test_grant_rules(void **state)
{
	(void)state;
	assert_true(smb2_durable_grantable(SMB2_OPLOCK_LEVEL_BATCH, 0, false));
	assert_false(smb2_durable_grantable(SMB2_OPLOCK_LEVEL_BATCH, 0, true));
	assert_false(
	    smb2_durable_grantable(SMB2_OPLOCK_LEVEL_EXCLUSIVE, 0, false));
	assert_false(smb2_durable_grantable(SMB2_OPLOCK_LEVEL_II, 0, false));
	assert_true(smb2_durable_grantable(
	    SMB2_OPLOCK_LEVEL_LEASE, SMB2_LEASE_READ | SMB2_LEASE_HANDLE,
	    false));
	assert_false(smb2_durable_grantable(
	    SMB2_OPLOCK_LEVEL_LEASE, SMB2_LEASE_READ | SMB2_LEASE_WRITE,
	    false));
	assert_int_equal(smb2_durable_v2_timeout(0),
			 SMB2_DURABLE_V2_DEFAULT_MS);
	assert_int_equal(smb2_durable_v2_timeout(1000), 1000);
	assert_int_equal(smb2_durable_v2_timeout(0xffffffffu),
			 SMB2_DURABLE_V2_MAX_MS);
}

/* MS-SMB2 3.3.5.2.10 */
static void test_replay_sequence(void **state)
{
	struct smb2_replay_state st = { .channel_sequence = 5 };

	(void)state;
	assert_int_equal(smb2_replay_admit(&st, 5, false),
			 SMB2_REPLAY_CURRENT);
	assert_int_equal(smb2_replay_admit(&st, 5, false),
			 SMB2_REPLAY_CURRENT);
	assert_int_equal(st.outstanding, 2);
	/* the client failed over: one request from before still runs */
	smb2_replay_done(&st, 5);
	assert_int_equal(smb2_replay_admit(&st, 6, false), SMB2_REPLAY_NEWER);
	assert_int_equal(st.channel_sequence, 6);
	assert_int_equal(st.outstanding_pre, 1);
	assert_int_equal(st.outstanding, 1);
	/* a replay may not overtake it */
	assert_int_equal(smb2_replay_admit(&st, 6, true),
			 SMB2_REPLAY_REFUSED);
	assert_int_equal(st.outstanding, 1);
	/* a late request of the old channel is stale */
	assert_int_equal(smb2_replay_admit(&st, 5, false),
			 SMB2_REPLAY_REFUSED);
	smb2_replay_done(&st, 5); /* the old one finishes */
	assert_int_equal(st.outstanding_pre, 0);
	assert_int_equal(smb2_replay_admit(&st, 6, true),
			 SMB2_REPLAY_CURRENT);
	/* 16-bit wrap: 0 is newer than 0xffff */
	st.channel_sequence = 0xffff;
	st.outstanding = 0;
	assert_int_equal(smb2_replay_admit(&st, 0, false), SMB2_REPLAY_NEWER);
	assert_int_equal(smb2_replay_admit(&st, 0x8000, false),
			 SMB2_REPLAY_REFUSED);
	/* a READ with a newer sequence moves the open on; a stale one
	 * is neither refused nor counted */
	st = (struct smb2_replay_state){ .channel_sequence = 1 };
	assert_int_equal(smb2_replay_admit_read(&st, 2), SMB2_REPLAY_NEWER);
	assert_int_equal(st.channel_sequence, 2);
	assert_int_equal(smb2_replay_admit_read(&st, 1),
			 SMB2_REPLAY_UNCOUNTED);
	assert_int_equal(smb2_replay_admit(&st, 1, false),
			 SMB2_REPLAY_REFUSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dh2q_decode),
		cmocka_unit_test(test_dh2c_and_dhnc_decode),
		cmocka_unit_test(test_app_instance_decode),
		cmocka_unit_test(test_check_request),
		cmocka_unit_test(test_grant_rules),
		cmocka_unit_test(test_replay_sequence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
