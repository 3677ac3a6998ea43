/*
 * Oplock and lease rules (smb2/oplock.c): break decisions on open (the
 * Windows behaviour smbtorture's smb2.oplock and smb2.lease suites
 * check), grants, the lease break state machine, and the codecs checked
 * against the byte layouts of MS-SMB2 2.2.13.2.8/.10 and 2.2.23.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "smb2/oplock.h"
#include "smb2/smb2_proto.h"

#define R SMB2_LEASE_READ
#define H SMB2_LEASE_HANDLE
#define W SMB2_LEASE_WRITE

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(smb2_oplock_caching(SMB2_OPLOCK_LEVEL_BATCH),
			 R | W | H);
	assert_int_equal(smb2_oplock_caching(SMB2_OPLOCK_LEVEL_EXCLUSIVE),
			 R | W);
	assert_int_equal(smb2_oplock_caching(SMB2_OPLOCK_LEVEL_II), R);
	assert_int_equal(smb2_oplock_caching(SMB2_OPLOCK_LEVEL_NONE), 0);
	assert_int_equal(smb2_oplock_caching(SMB2_OPLOCK_LEVEL_LEASE), 0);
	assert_int_equal(smb2_oplock_from_caching(R | H),
			 SMB2_OPLOCK_LEVEL_II);
	assert_int_equal(smb2_oplock_from_caching(R | W | H),
			 SMB2_OPLOCK_LEVEL_BATCH);
	/* no oplock level caches handles or writes without reads */
	assert_int_equal(smb2_oplock_from_caching(H), SMB2_OPLOCK_LEVEL_NONE);
	assert_int_equal(smb2_oplock_from_caching(W | H),
			 SMB2_OPLOCK_LEVEL_NONE);
}

static void test_stat_open(void **state)
{
	(void)state;
	assert_true(smb2_oplock_stat_open(FILE_READ_ATTRIBUTES));
	assert_true(smb2_oplock_stat_open(FILE_READ_ATTRIBUTES | SYNCHRONIZE));
	assert_false(smb2_oplock_stat_open(0));
	assert_false(smb2_oplock_stat_open(FILE_READ_DATA));
	assert_false(smb2_oplock_stat_open(FILE_READ_ATTRIBUTES |
					   READ_CONTROL));
	assert_true(smb2_lease_stat_open(FILE_READ_ATTRIBUTES | READ_CONTROL));
	assert_false(smb2_lease_stat_open(FILE_READ_ATTRIBUTES |
					  DELETE_ACCESS));
}

static void test_break_on_open(void **state)
{
	struct smb2_break_decision d;

	(void)state;
	/* batch, second open without conflict: level II, wait for it */
	smb2_break_for_open(R | W | H, false, false, false, &d);
	assert_true(d.send);
	assert_true(d.wait);
	assert_int_equal(d.to, R);
	/* exclusive against a sharing violation: no break at all */
	smb2_break_for_open(R | W, false, true, false, &d);
	assert_false(d.send);
	assert_false(d.wait);
	/* batch against a sharing violation: break, the holder may close */
	smb2_break_for_open(R | W | H, false, true, false, &d);
	assert_true(d.send);
	assert_true(d.wait);
	assert_int_equal(d.to, R);
	/* level II survives an ordinary open ... */
	smb2_break_for_open(R, false, false, false, &d);
	assert_false(d.send);
	/* ... not an overwrite, but nobody waits for it */
	smb2_break_for_open(R, false, false, true, &d);
	assert_true(d.send);
	assert_false(d.wait);
	assert_int_equal(d.to, 0);
	/* a lease loses only what conflicts: RWH to RH */
	smb2_break_for_open(R | W | H, true, false, false, &d);
	assert_true(d.send);
	assert_true(d.wait);
	assert_int_equal(d.to, R | H);
	/* RH with a sharing violation: to R, waiting for the close */
	smb2_break_for_open(R | H, true, true, false, &d);
	assert_true(d.send);
	assert_true(d.wait);
	assert_int_equal(d.to, R);
	/* RH and an ordinary open: nothing */
	smb2_break_for_open(R | H, true, false, false, &d);
	assert_false(d.send);
	assert_false(d.wait);
	/* an overwrite takes everything, waits only for a writer */
	smb2_break_for_open(R | H, true, false, true, &d);
	assert_true(d.send);
	assert_false(d.wait);
	assert_int_equal(d.to, 0);
}

static void test_grant(void **state)
{
	struct smb2_grant_env alone = { 0 }, shared = { .others = true };
	struct smb2_grant_env with_oplock = { .others = true,
					      .other_oplock = true };
	struct smb2_grant_env with_h = { .others = true,
					 .other_handle_lease = true };
	struct smb2_grant_env dir = { .is_dir = true };

	(void)state;
	assert_int_equal(smb2_oplock_grant(SMB2_OPLOCK_LEVEL_BATCH, &alone),
			 SMB2_OPLOCK_LEVEL_BATCH);
	assert_int_equal(smb2_oplock_grant(SMB2_OPLOCK_LEVEL_BATCH, &shared),
			 SMB2_OPLOCK_LEVEL_II);
	assert_int_equal(
	    smb2_oplock_grant(SMB2_OPLOCK_LEVEL_EXCLUSIVE, &shared),
	    SMB2_OPLOCK_LEVEL_II);
	assert_int_equal(smb2_oplock_grant(SMB2_OPLOCK_LEVEL_BATCH, &with_h),
			 SMB2_OPLOCK_LEVEL_NONE);
	assert_int_equal(smb2_oplock_grant(SMB2_OPLOCK_LEVEL_II, &dir),
			 SMB2_OPLOCK_LEVEL_NONE);

	assert_int_equal(smb2_lease_grant(R | W | H, &alone), R | W | H);
	assert_int_equal(smb2_lease_grant(R | W | H, &shared), R | H);
	assert_int_equal(smb2_lease_grant(R | W | H, &with_oplock), R);
	assert_int_equal(smb2_lease_grant(R | W | H, &dir), R | H);
	/* states without R are not leases a client may hold */
	assert_int_equal(smb2_lease_grant(W, &alone), 0);
	assert_int_equal(smb2_lease_grant(W | H, &alone), 0);
	assert_int_equal(smb2_lease_grant(H, &alone), 0);
	assert_int_equal(smb2_lease_grant(0x08 | R, &alone), R);
}

static void test_lease_break_steps(void **state)
{
	struct smb2_lease_sm l = { .state = R | W | H, .epoch = 1 };
	uint32_t from, to;
	bool ack, again;

	(void)state;
	/* RWH to RH: acknowledged, new epoch */
	assert_true(smb2_lease_sm_break(&l, R | H, &from, &to, &ack));
	assert_int_equal(from, R | W | H);
	assert_int_equal(to, R | H);
	assert_true(ack);
	assert_true(l.breaking);
	assert_int_equal(l.epoch, 2);
	/* a second breaker wants none: no new notification yet */
	assert_false(smb2_lease_sm_break(&l, 0, &from, &to, &ack));
	assert_int_equal(l.required, 0);
	/* keeping more than offered is refused */
	assert_true(NT_STATUS_EQUAL(
	    smb2_lease_sm_ack(&l, R | W | H, &again, &from, &to, &ack),
	    NT_STATUS_REQUEST_NOT_ACCEPTED));
	/* the RH ack triggers the next step, RH to R, same epoch */
	assert_true(NT_STATUS_IS_OK(
	    smb2_lease_sm_ack(&l, R | H, &again, &from, &to, &ack)));
	assert_true(again);
	assert_int_equal(from, R | H);
	assert_int_equal(to, R);
	assert_true(ack);
	assert_int_equal(l.epoch, 2);
	/* then R to none needs no acknowledgment */
	assert_true(NT_STATUS_IS_OK(
	    smb2_lease_sm_ack(&l, R, &again, &from, &to, &ack)));
	assert_true(again);
	assert_int_equal(from, R);
	assert_int_equal(to, 0);
	assert_false(ack);
	assert_false(l.breaking);
	assert_int_equal(l.state, 0);
	/* nothing is breaking now */
	assert_true(NT_STATUS_EQUAL(
	    smb2_lease_sm_ack(&l, 0, &again, &from, &to, &ack),
	    NT_STATUS_UNSUCCESSFUL));
}

static void test_lease_break_read_only(void **state)
{
	struct smb2_lease_sm l = { .state = R };
	uint32_t from, to;
	bool ack;

	(void)state;
	assert_false(smb2_lease_sm_break(&l, R, &from, &to, &ack));
	assert_true(smb2_lease_sm_break(&l, 0, &from, &to, &ack));
	assert_false(ack);
	assert_false(l.breaking);
	assert_int_equal(l.state, 0);
	assert_int_equal(l.epoch, 1);
	l = (struct smb2_lease_sm){ .state = R | H, .breaking = true,
				    .breaking_to = R, .required = R };
	smb2_lease_sm_timeout(&l);
	assert_int_equal(l.state, 0);
	assert_false(l.breaking);
}

static void test_lease_ctx_codec(void **state)
{
	/* a v2 request: key 01..10, RWH, parent key set, parent 20..2f,
	 * epoch 5 (MS-SMB2 2.2.13.2.10) */
	uint8_t v2[SMB2_LEASE_V2_SIZE] = { 0 };
	uint8_t out[SMB2_LEASE_V2_SIZE];
	struct smb2_lease_ctx l;

	(void)state;
	for (int i = 0; i < 16; i++) {
		v2[i] = (uint8_t)(i + 1);
		v2[32 + i] = (uint8_t)(0x20 + i);
	}
	v2[16] = 0x07;
	v2[20] = 0x04;
	v2[48] = 5;
	assert_true(smb2_lease_ctx_decode(v2, sizeof(v2), &l));
	assert_int_equal(l.version, 2);
	assert_int_equal(l.state, R | W | H);
	assert_int_equal(l.flags, SMB2_LEASE_FLAG_PARENT_LEASE_KEY_SET);
	assert_int_equal(l.epoch, 5);
	assert_int_equal(l.key[15], 16);
	assert_int_equal(l.parent_key[0], 0x20);
	assert_int_equal(smb2_lease_ctx_encode(&l, out), SMB2_LEASE_V2_SIZE);
	assert_memory_equal(out, v2, sizeof(v2));

	/* v1 is the first 32 bytes; the response has no epoch */
	assert_true(smb2_lease_ctx_decode(v2, SMB2_LEASE_V1_SIZE, &l));
	assert_int_equal(l.version, 1);
	assert_int_equal(l.epoch, 0);
	assert_int_equal(smb2_lease_ctx_encode(&l, out), SMB2_LEASE_V1_SIZE);
	assert_memory_equal(out, v2, SMB2_LEASE_V1_SIZE);

	/* anything else is malformed */
	assert_false(smb2_lease_ctx_decode(v2, 31, &l));
	assert_false(smb2_lease_ctx_decode(v2, 40, &l));
	assert_false(smb2_lease_ctx_decode(v2, 0, &l));
}

static void test_break_codecs(void **state)
{
	static const uint8_t key[16] = { 0xaa, 0xbb, [15] = 0xcc };
	static const uint8_t oplock_ii[SMB2_OPLOCK_BREAK_SIZE] = {
		24, 0, 1, 0, 0, 0, 0, 0,
		0x11, 0, 0, 0, 0, 0, 0, 0,
		0x22, 0, 0, 0, 0, 0, 0, 0,
	};
	static const uint8_t lease_rh[SMB2_LEASE_BREAK_SIZE] = {
		44, 0, 3, 0, 1, 0, 0, 0, /* size, epoch 3, ack required */
		0xaa, 0xbb, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0xcc,
		7, 0, 0, 0, 3, 0, 0, 0, /* RWH -> RH */
		0, 0, 0, 0, 0, 0, 0, 0, /* reason, access hint */
		0, 0, 0, 0,		 /* share hint */
	};
	uint8_t out[SMB2_LEASE_BREAK_SIZE];

	(void)state;
	smb2_oplock_break_encode(out, SMB2_OPLOCK_LEVEL_II, 0x11, 0x22);
	assert_memory_equal(out, oplock_ii, sizeof(oplock_ii));
	smb2_lease_break_encode(out, key, 3,
				SMB2_NOTIFY_BREAK_LEASE_FLAG_ACK_REQUIRED,
				R | W | H, R | H);
	assert_memory_equal(out, lease_rh, sizeof(lease_rh));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_stat_open),
		cmocka_unit_test(test_break_on_open),
		cmocka_unit_test(test_grant),
		cmocka_unit_test(test_lease_break_steps),
		cmocka_unit_test(test_lease_break_read_only),
		cmocka_unit_test(test_lease_ctx_codec),
		cmocka_unit_test(test_break_codecs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
