/*
 * usmbd-bench's own arithmetic: option values (bench_parse_size,
 * bench_parse_rw), the latency histogram's buckets and quantiles, and the
 * MB/s and IOPS figures it reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bench/bench.h"

/* The documented resolution: 32 sub-buckets per power of two. */
#define HIST_REL_ERR (1.0 / HIST_SUB)

static void test_size_units(void **state)
{
	(void)state;
	assert_int_equal(bench_parse_size("512"), 512);
	assert_int_equal(bench_parse_size("512B"), 512);
	assert_int_equal(bench_parse_size("4k"), 4096);
	assert_int_equal(bench_parse_size("4K"), 4096);
	assert_int_equal(bench_parse_size("4KiB"), 4096);
	assert_int_equal(bench_parse_size("4kB"), 4096);
	assert_int_equal(bench_parse_size("1M"), 1048576);
	assert_int_equal(bench_parse_size("64m"), 64ull << 20);
	assert_int_equal(bench_parse_size("1G"), 1073741824ull);
	assert_int_equal(bench_parse_size("3G"), 3ull << 30);
	assert_int_equal(bench_parse_size("2T"), 2ull << 40);
	/* the largest that fits, and one unit more */
	assert_int_equal(bench_parse_size("17179869183G"),
			 UINT64_MAX - ((1ull << 30) - 1));
	assert_int_equal(bench_parse_size("17179869184G"), 0);
	assert_int_equal(bench_parse_size("18446744073709551615"),
			 UINT64_MAX);
}

static void test_size_bad(void **state)
{
	static const char *const bad[] = {
		"", "k", "M", "4x", "4kk", "4kBB", "4Ki", "4iB", "4BB", "1.5M", "-1", "-4k",
		" 4k", "+4k", "4 k", "4k ", "0x10", "1P",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bench_parse_size(bad[i]) != 0)
			fail_msg("'%s' parsed as a size", bad[i]);
	}
	assert_int_equal(bench_parse_size(NULL), 0);
	/* "0" is well-formed but zero: callers refuse it like bad input */
	assert_int_equal(bench_parse_size("0"), 0);
}

static void test_rw_names(void **state)
{
	static const struct {
		const char *arg;
		enum bench_rw rw;
	} ok[] = {
		{ "read", RW_READ },
		{ "write", RW_WRITE },
		{ "randread", RW_RANDREAD },
		{ "randwrite", RW_RANDWRITE },
	};
	struct bench_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&o, 0, sizeof(o));
		o.rw = RW_MIX;
		assert_int_equal(bench_parse_rw(&o, ok[i].arg), 0);
		assert_int_equal(o.rw, ok[i].rw);
	}
	assert_int_equal(bench_parse_rw(&o, "READ"), -1);
	assert_int_equal(bench_parse_rw(&o, "readwrite"), -1);
	assert_int_equal(bench_parse_rw(&o, "rand"), -1);
	assert_int_equal(bench_parse_rw(&o, ""), -1);
}

static void test_rw_mix_bounds(void **state)
{
	static const char *const bad[] = {
		"mix=101", "mix=-1", "mix=", "mix=50x", "mix= 50", "mixed",
		"mix50", "mix=4294967346", "mix=+5",
	};
	struct bench_opts o = { .rw = RW_READ, .mix_read_pct = 70 };

	(void)state;
	assert_int_equal(bench_parse_rw(&o, "mix=0"), 0);
	assert_int_equal(o.rw, RW_MIX);
	assert_int_equal(o.mix_read_pct, 0);
	assert_int_equal(bench_parse_rw(&o, "mix=100"), 0);
	assert_int_equal(o.mix_read_pct, 100);
	assert_int_equal(bench_parse_rw(&o, "mix=35"), 0);
	assert_int_equal(o.mix_read_pct, 35);
	assert_int_equal(bench_parse_rw(&o, "mix"), 0);
	assert_int_equal(o.mix_read_pct, 70);

	/* a refused value leaves the earlier choice alone */
	o.rw = RW_READ;
	o.mix_read_pct = 70;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bench_parse_rw(&o, bad[i]) != -1)
			fail_msg("--rw %s accepted", bad[i]);
		assert_int_equal(o.rw, RW_READ);
		assert_int_equal(o.mix_read_pct, 70);
	}
}

/* Every bucket's upper bound is the last value it holds, and the next
 * value opens the next bucket: no gaps, no overlaps. */
static void test_hist_buckets(void **state)
{
	(void)state;
	assert_int_equal(hist_index(0), 0);
	assert_int_equal(hist_index(63), 63);
	assert_int_equal(hist_index(64), 64);
	for (unsigned i = 0; i + 1 < HIST_BUCKETS; i++) {
		uint64_t u = hist_upper(i);

		assert_int_equal(hist_index(u), i);
		assert_int_equal(hist_index(u + 1), i + 1);
		if (i >= 64) {
			/* a bucket spans at most 1/32 of its lower bound */
			uint64_t lo = hist_upper(i - 1) + 1;

			assert_true((double)(u - lo + 1) <=
				    (double)lo * HIST_REL_ERR);
		}
	}
	/* 2^42 ns (73 minutes) still has its own buckets; the last one
	 * is open-ended */
	assert_int_equal(hist_index(1ull << 42), 64 + 36 * HIST_SUB);
	assert_int_equal(hist_index(1ull << 43), HIST_BUCKETS - 1);
	assert_int_equal(hist_index(UINT64_MAX), HIST_BUCKETS - 1);
}

static void assert_within_resolution(uint64_t got, uint64_t exact)
{
	/* reported as the bucket's upper bound: never below the truth */
	if (got < exact || (double)got > (double)exact * (1 + HIST_REL_ERR))
		fail_msg("quantile %llu for %llu: outside the bucket",
			 (unsigned long long)got, (unsigned long long)exact);
}

static void test_hist_quantiles_uniform(void **state)
{
	static struct bench_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	/* 1 µs .. 10 ms in 1 µs steps, shuffled by a stride coprime to n */
	for (uint64_t k = 0; k < 10000; k++)
		hist_add(&h, ((k * 7919) % 10000 + 1) * 1000);
	assert_int_equal(h.count, 10000);
	assert_int_equal(h.max_ns, 10000000);
	assert_within_resolution(hist_quantile(&h, 0.5), 5000000);
	assert_within_resolution(hist_quantile(&h, 0.99), 9900000);
	assert_within_resolution(hist_quantile(&h, 0.999), 9990000);
	assert_int_equal(hist_quantile(&h, 1.0), 10000000);
}

static void test_hist_small_exact(void **state)
{
	static struct bench_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(hist_quantile(&h, 0.5), 0);
	for (uint64_t ns = 0; ns < 64; ns++)
		hist_add(&h, ns);
	/* below 64 ns every value has its own bucket */
	assert_int_equal(hist_quantile(&h, 0.5), 31);
	assert_int_equal(hist_quantile(&h, 1.0), 63);
	assert_int_equal(hist_quantile(&h, 0.0), 0);
}

static void test_hist_tail(void **state)
{
	static struct bench_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	/* 1000 requests at 100 µs and two stalls of 50 ms */
	for (int i = 0; i < 1000; i++)
		hist_add(&h, 100000);
	hist_add(&h, 50000000);
	hist_add(&h, 50000000);
	assert_within_resolution(hist_quantile(&h, 0.5), 100000);
	assert_within_resolution(hist_quantile(&h, 0.99), 100000);
	/* rank ceil(0.999 * 1002) = 1001 is a stall; capped at the max */
	assert_int_equal(hist_quantile(&h, 0.999), 50000000);

	/* a single sample is reported exactly, not as its bucket's bound */
	memset(&h, 0, sizeof(h));
	hist_add(&h, 123457);
	assert_int_equal(hist_quantile(&h, 0.5), 123457);
	assert_int_equal(hist_quantile(&h, 0.999), 123457);

	/* past the last bucket: the maximum is what is left to report */
	memset(&h, 0, sizeof(h));
	hist_add(&h, 5ull << 42);
	assert_int_equal(hist_quantile(&h, 0.5), 5ull << 42);
}

static void test_hist_merge(void **state)
{
	static struct bench_hist a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (int i = 0; i < 90; i++)
		hist_add(&a, 20000);
	for (int i = 0; i < 10; i++)
		hist_add(&b, 2000000);
	hist_merge(&a, &b);
	assert_int_equal(a.count, 100);
	assert_int_equal(a.max_ns, 2000000);
	assert_within_resolution(hist_quantile(&a, 0.89), 20000);
	assert_int_equal(hist_quantile(&a, 0.91), 2000000);
}

static void test_rates(void **state)
{
	(void)state;
	/* MB is 10^6 bytes, as the report says */
	assert_float_equal(bench_mb_per_s(1000000000, 2.0), 500.0, 1e-9);
	assert_float_equal(bench_mb_per_s(64ull << 20, 1.0), 67.108864,
			   1e-9);
	assert_float_equal(bench_mb_per_s(1ull << 30, 0.5), 2147.483648,
			   1e-6);
	assert_float_equal(bench_iops(1000, 0.5), 2000.0, 1e-9);
	assert_float_equal(bench_iops(262144, 3.0), 87381.333333, 1e-5);
	/* 4 KiB at that rate */
	assert_float_equal(bench_mb_per_s(262144ull * 4096, 3.0),
			   357.913941, 1e-5);
	/* no elapsed time: nothing to divide by */
	assert_float_equal(bench_mb_per_s(4096, 0), 0.0, 0);
	assert_float_equal(bench_iops(7, 0), 0.0, 0);
	assert_float_equal(bench_iops(7, -1.0), 0.0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_units),
		cmocka_unit_test(test_size_bad),
		cmocka_unit_test(test_rw_names),
		cmocka_unit_test(test_rw_mix_bounds),
		cmocka_unit_test(test_hist_buckets),
		cmocka_unit_test(test_hist_quantiles_uniform),
		cmocka_unit_test(test_hist_small_exact),
		cmocka_unit_test(test_hist_tail),
		cmocka_unit_test(test_hist_merge),
		cmocka_unit_test(test_rates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
