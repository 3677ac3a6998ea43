/*
 * Byte-range lock table: the Windows rules that smbtorture's smb2.lock
 * checks against Windows servers (zero-length locks, stacking, unlock
 * order, the 64-bit edge) and the read/write checks of MS-FSA 2.1.4.10.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <talloc.h>

#include "smb2/brlock.h"
#include "smb2/smb2_server.h"

static const int owner_a, owner_b;
#define A ((const void *)&owner_a)
#define B ((const void *)&owner_b)

struct fixture {
	TALLOC_CTX *mem;
	struct brl_table t;
};

static int setup(void **state)
{
	struct fixture *fx = talloc_zero(NULL, struct fixture);
	fx->mem = fx;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	talloc_free(*state);
	return 0;
}

static void lock_ok(struct fixture *fx, const void *owner, uint64_t off,
		    uint64_t len, bool excl)
{
	assert_false(brl_lock_conflicts(&fx->t, owner, off, len, excl));
	assert_int_equal(brl_add(fx->mem, &fx->t, owner, off, len, excl), 0);
}

static void test_range_valid(void **state)
{
	assert_true(brl_range_valid(0, 0));
	assert_true(brl_range_valid(UINT64_MAX, 0));
	assert_true(brl_range_valid(UINT64_MAX, 1));	 /* last byte */
	assert_false(brl_range_valid(UINT64_MAX, 2));
	assert_false(brl_range_valid(UINT64_MAX, UINT64_MAX));
	assert_true(brl_range_valid(1, UINT64_MAX));
	assert_false(brl_range_valid(2, UINT64_MAX));
}

/* smb2.lock.zerobytelength: a zero-length lock at 10 against others */
static void test_zero_length_overlap(void **state)
{
	static const struct {
		uint64_t off, len;
		bool overlap;
	} cases[] = {
		{ 10, 0, false }, { 9, 1, false }, { 10, 1, false },
		{ 11, 1, false }, { 9, 2, true },  { 10, 2, false },
		{ 9, 3, true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(brl_ranges_overlap(10, 0, cases[i].off,
						    cases[i].len),
				 cases[i].overlap);
		assert_int_equal(brl_ranges_overlap(cases[i].off, cases[i].len,
						    10, 0),
				 cases[i].overlap);
	}
	assert_false(brl_ranges_overlap(0, 0, 0, 0));
	/* ranges ending at the last 64-bit offset */
	assert_true(brl_ranges_overlap(UINT64_MAX, 1, UINT64_MAX - 1, 2));
	assert_false(brl_ranges_overlap(UINT64_MAX, 1, 0, UINT64_MAX));
	assert_true(brl_ranges_overlap(UINT64_MAX, 1, 1, UINT64_MAX));
}

static void test_exclusive_conflicts(void **state)
{
	struct fixture *fx = *state;

	lock_ok(fx, A, 100, 10, true);
	/* a second exclusive lock conflicts even for the same owner */
	assert_true(brl_lock_conflicts(&fx->t, A, 105, 1, true));
	assert_true(brl_lock_conflicts(&fx->t, B, 109, 5, true));
	assert_true(brl_lock_conflicts(&fx->t, B, 102, 0, true));
	assert_false(brl_lock_conflicts(&fx->t, B, 110, 5, true));
	assert_false(brl_lock_conflicts(&fx->t, B, 90, 10, true));
	/* shared: only another owner's exclusive lock conflicts */
	assert_false(brl_lock_conflicts(&fx->t, A, 100, 10, false));
	assert_true(brl_lock_conflicts(&fx->t, B, 100, 10, false));
}

/* smb2.lock.stacking: shared on own exclusive stacks; unlock takes the
 * exclusive one first, and each lock needs its own unlock */
static void test_stacking_and_unlock_order(void **state)
{
	struct fixture *fx = *state;

	lock_ok(fx, A, 0, 10, true);
	lock_ok(fx, A, 0, 10, false);
	lock_ok(fx, A, 0, 10, false);
	assert_true(brl_lock_conflicts(&fx->t, B, 0, 10, false));
	assert_true(brl_remove(&fx->t, A, 0, 10)); /* the exclusive one */
	assert_false(brl_lock_conflicts(&fx->t, B, 0, 10, false));
	assert_true(brl_lock_conflicts(&fx->t, B, 0, 10, true));
	assert_false(brl_remove(&fx->t, B, 0, 10)); /* not B's */
	assert_false(brl_remove(&fx->t, A, 0, 9));  /* not the same range */
	assert_true(brl_remove(&fx->t, A, 0, 10));
	assert_true(brl_remove(&fx->t, A, 0, 10));
	assert_false(brl_remove(&fx->t, A, 0, 10));
	assert_int_equal(fx->t.n, 0);
	/* an exclusive lock does not stack on a shared one */
	lock_ok(fx, A, 0, 10, false);
	assert_true(brl_lock_conflicts(&fx->t, A, 0, 10, true));
}

static void test_truncate_and_remove_owner(void **state)
{
	struct fixture *fx = *state;

	for (uint64_t i = 0; i < 20; i++) /* grows the array a few times */
		lock_ok(fx, (i & 1) ? B : A, i * 10, 5, true);
	assert_int_equal(fx->t.n, 20);
	brl_truncate(&fx->t, 18);
	assert_int_equal(fx->t.n, 18);
	assert_false(brl_lock_conflicts(&fx->t, A, 185, 5, true));
	assert_int_equal(brl_remove_owner(&fx->t, A), 9);
	assert_int_equal(fx->t.n, 9);
	for (size_t i = 0; i < fx->t.n; i++)
		assert_ptr_equal(fx->t.locks[i].owner, B);
	assert_false(brl_lock_conflicts(&fx->t, A, 0, 5, true));
	assert_true(brl_lock_conflicts(&fx->t, A, 10, 5, true));
}

/* smb2.lock.rw-shared, rw-exclusive, zerobyteread */
static void test_io_conflicts(void **state)
{
	struct fixture *fx = *state;

	lock_ok(fx, A, 100, 100, false);
	assert_false(brl_io_conflicts(&fx->t, A, 100, 100, false));
	assert_true(brl_io_conflicts(&fx->t, A, 100, 100, true));
	assert_false(brl_io_conflicts(&fx->t, B, 150, 100, false));
	assert_true(brl_io_conflicts(&fx->t, B, 150, 100, true));
	assert_false(brl_io_conflicts(&fx->t, B, 200, 100, true));
	brl_remove_owner(&fx->t, A);

	lock_ok(fx, A, 0, 10, true);
	assert_false(brl_io_conflicts(&fx->t, A, 0, 10, false));
	assert_false(brl_io_conflicts(&fx->t, A, 0, 10, true));
	assert_true(brl_io_conflicts(&fx->t, B, 9, 1, false));
	assert_true(brl_io_conflicts(&fx->t, B, 5, 1, true));
	assert_false(brl_io_conflicts(&fx->t, B, 5, 0, false));
	brl_remove_owner(&fx->t, A);

	lock_ok(fx, A, 5, 0, true); /* covers no byte */
	assert_false(brl_io_conflicts(&fx->t, B, 0, 10, true));
}

static void test_check_rw_on_open(void **state)
{
	struct fixture *fx = *state;
	struct smb2_file_locks *fl = talloc_zero(fx, struct smb2_file_locks);
	struct smb2_file file = { .locks = fl };
	struct smb2_open a = { .file = &file }, b = { .file = &file };
	struct smb2_open pipe = { .file = NULL };

	assert_int_equal(brl_add(fl, &fl->table, &a, 0, 10, true), 0);
	assert_true(NT_STATUS_IS_OK(smb2_brlock_check_rw(&a, 0, 10, true)));
	assert_true(NT_STATUS_EQUAL(smb2_brlock_check_rw(&b, 9, 1, false),
				    NT_STATUS_FILE_LOCK_CONFLICT));
	assert_true(NT_STATUS_IS_OK(smb2_brlock_check_rw(&b, 10, 1, true)));
	assert_true(NT_STATUS_IS_OK(smb2_brlock_check_rw(&pipe, 0, 1, true)));
	/* a range past the 64-bit end is checked up to it */
	assert_int_equal(brl_add(fl, &fl->table, &a, UINT64_MAX, 1, true), 0);
	assert_true(NT_STATUS_EQUAL(
		smb2_brlock_check_rw(&b, UINT64_MAX - 1, 5, false),
		NT_STATUS_FILE_LOCK_CONFLICT));
	file.locks = NULL;
	assert_true(NT_STATUS_IS_OK(smb2_brlock_check_rw(&b, 0, 10, true)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range_valid),
		cmocka_unit_test(test_zero_length_overlap),
		cmocka_unit_test_setup_teardown(test_exclusive_conflicts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stacking_and_unlock_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate_and_remove_owner,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_conflicts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_check_rw_on_open, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
