#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "smb2/smb2_credits.h"

static void test_initial_window(void **state)
{
	struct smb2_credit_window w;
	smb2_credits_init(&w, 512);
	assert_int_equal(smb2_credits_outstanding(&w), 1);
	assert_false(smb2_credits_consume(&w, 1, 1)); /* not granted yet */
	assert_true(smb2_credits_consume(&w, 0, 1));
	assert_false(smb2_credits_consume(&w, 0, 1)); /* replayed id */
	assert_int_equal(smb2_credits_outstanding(&w), 0);
}

static void test_grant_and_exhaust(void **state)
{
	struct smb2_credit_window w;
	smb2_credits_init(&w, 16);
	assert_true(smb2_credits_consume(&w, 0, 1));
	assert_int_equal(smb2_credits_grant(&w, 100, 1), 16); /* capped */
	assert_int_equal(smb2_credits_outstanding(&w), 16);
	for (uint64_t id = 1; id <= 16; id++)
		assert_true(smb2_credits_consume(&w, id, 1));
	assert_false(smb2_credits_consume(&w, 17, 1)); /* exhausted */
	/* a request asking for 0 still gets one so the client can go on */
	assert_int_equal(smb2_credits_grant(&w, 0, 1), 1);
	assert_true(smb2_credits_consume(&w, 17, 1));
}

static void test_out_of_order_and_multi_credit(void **state)
{
	struct smb2_credit_window w;
	smb2_credits_init(&w, 64);
	assert_true(smb2_credits_consume(&w, 0, 1));
	assert_int_equal(smb2_credits_grant(&w, 10, 1), 10); /* ids 1..10 */
	assert_true(smb2_credits_consume(&w, 5, 4));	      /* 5..8 */
	assert_false(smb2_credits_consume(&w, 7, 1));	      /* overlap */
	assert_false(smb2_credits_consume(&w, 9, 3));	      /* past high */
	assert_true(smb2_credits_consume(&w, 1, 1));
	assert_int_equal(w.low, 2); /* 2..4 still open below the used ids */
	assert_true(smb2_credits_consume(&w, 2, 3));
	assert_int_equal(w.low, 9);
	assert_int_equal(smb2_credits_outstanding(&w), 2);
	/* charge 0 counts as one credit */
	assert_true(smb2_credits_consume(&w, 9, 0));
	assert_int_equal(w.low, 10);
}

static void test_window_wraps_bitmap(void **state)
{
	struct smb2_credit_window w;
	smb2_credits_init(&w, 8192);
	uint64_t id = 0;
	assert_true(smb2_credits_consume(&w, id++, 1));
	for (int round = 0; round < 5; round++) {
		assert_int_equal(smb2_credits_grant(&w, 8000, 1), 8000);
		for (int i = 0; i < 8000; i++)
			assert_true(smb2_credits_consume(&w, id++, 1));
	}
	assert_int_equal(w.low, id);
	assert_int_equal(smb2_credits_outstanding(&w), 0);
}

static void test_charge_rules(void **state)
{
	assert_true(NT_STATUS_IS_OK(smb2_credits_check_charge(true, 1, 65536)));
	assert_false(
		NT_STATUS_IS_OK(smb2_credits_check_charge(true, 1, 65537)));
	assert_true(NT_STATUS_IS_OK(smb2_credits_check_charge(true, 2, 65537)));
	assert_true(
		NT_STATUS_IS_OK(smb2_credits_check_charge(true, 16, 1048576)));
	assert_false(
		NT_STATUS_IS_OK(smb2_credits_check_charge(true, 15, 1048576)));
	assert_true(NT_STATUS_IS_OK(smb2_credits_check_charge(true, 0, 100)));
	/* 2.0.2: no multi-credit, 64 KiB at most */
	assert_true(NT_STATUS_IS_OK(smb2_credits_check_charge(false, 0, 65536)));
	assert_false(
		NT_STATUS_IS_OK(smb2_credits_check_charge(false, 0, 65537)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_window),
		cmocka_unit_test(test_grant_and_exhaust),
		cmocka_unit_test(test_out_of_order_and_multi_credit),
		cmocka_unit_test(test_window_wraps_bitmap),
		cmocka_unit_test(test_charge_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
