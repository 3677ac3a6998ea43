/* The bounds-checked wire cursor and writer (smb2/wire.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "smb2/wire.h"

static void test_reads_in_bounds(void **state)
{
	const uint8_t buf[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
				0x0f };
	struct wire_rd r;

	wire_rd_init(&r, buf, sizeof(buf));
	assert_int_equal(wire_rd_u8(&r), 0x01);
	assert_int_equal(wire_rd_u16(&r), 0x0302);
	assert_int_equal(wire_rd_u32(&r), 0x07060504);
	assert_true(wire_rd_u64(&r) == 0x0f0e0d0c0b0a0908ull);
	assert_false(r.err);
	assert_int_equal(wire_rd_left(&r), 0);
}

static void test_overrun_is_sticky(void **state)
{
	const uint8_t buf[3] = { 1, 2, 3 };
	struct wire_rd r;
	uint8_t out[4] = { 0xff, 0xff, 0xff, 0xff };

	wire_rd_init(&r, buf, sizeof(buf));
	assert_int_equal(wire_rd_u32(&r), 0); /* needs 4, has 3 */
	assert_true(r.err);
	/* once failed, even reads that would fit fail */
	assert_int_equal(wire_rd_u8(&r), 0);
	assert_null(wire_rd_ptr(&r, 1));
	wire_rd_bytes(&r, out, sizeof(out));
	assert_memory_equal(out, "\0\0\0\0", 4); /* zero-filled */
	assert_int_equal(wire_rd_left(&r), 0);
}

static void test_truncated_at_every_length(void **state)
{
	uint8_t buf[32];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	for (size_t len = 0; len < 15; len++) {
		struct wire_rd r;
		wire_rd_init(&r, buf, len);
		(void)wire_rd_u8(&r);
		(void)wire_rd_u16(&r);
		(void)wire_rd_u32(&r);
		(void)wire_rd_u64(&r);
		assert_true(r.err); /* 15 bytes needed */
	}
}

static void test_seek_and_skip(void **state)
{
	const uint8_t buf[8] = { 0 };
	struct wire_rd r;

	wire_rd_init(&r, buf, sizeof(buf));
	wire_rd_seek(&r, 8); /* end is fine */
	assert_false(r.err);
	wire_rd_seek(&r, 9);
	assert_true(r.err);
	wire_rd_init(&r, buf, sizeof(buf));
	wire_rd_skip(&r, SIZE_MAX); /* huge skip must not wrap */
	assert_true(r.err);
}

static void test_slice_at_overflow_safe(void **state)
{
	uint8_t buf[100];
	struct wire_slice msg = { buf, sizeof(buf) }, out;

	assert_true(wire_slice_at(&msg, 10, 90, &out));
	assert_ptr_equal(out.p, buf + 10);
	assert_int_equal(out.len, 90);
	assert_false(wire_slice_at(&msg, 10, 91, &out));
	assert_false(wire_slice_at(&msg, 101, 1, &out));
	assert_false(wire_slice_at(&msg, UINT64_MAX, 2, &out));
	assert_false(wire_slice_at(&msg, 2, UINT64_MAX, &out));
	assert_false(wire_slice_at(&msg, UINT64_MAX - 1, UINT64_MAX, &out));
	/* an empty buffer may have any offset (MS-SMB2 allows 0/0) */
	assert_true(wire_slice_at(&msg, 5000, 0, &out));
	assert_int_equal(out.len, 0);
}

static void test_writer(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct wire_wr w;

	wire_wr_init(&w, ctx, 2); /* forces growth */
	wire_wr_u8(&w, 0xaa);
	wire_wr_u16(&w, 0x1234);
	size_t at = wire_wr_reserve(&w, 4);
	wire_wr_u64(&w, 0x0102030405060708ull);
	wire_wr_align(&w, 8);
	wire_wr_put_u32(&w, at, 0xdeadbeef);
	assert_false(w.err);
	assert_int_equal(w.len, 16);
	const uint8_t expect[16] = { 0xaa, 0x34, 0x12, 0xef, 0xbe, 0xad,
				     0xde, 0x08, 0x07, 0x06, 0x05, 0x04,
				     0x03, 0x02, 0x01, 0x00 };
	assert_memory_equal(w.buf, expect, 16);
	/* patching past the end is refused */
	wire_wr_put_u32(&w, 14, 1);
	assert_true(w.err);
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_in_bounds),
		cmocka_unit_test(test_overrun_is_sticky),
		cmocka_unit_test(test_truncated_at_every_length),
		cmocka_unit_test(test_seek_and_skip),
		cmocka_unit_test(test_slice_at_overflow_safe),
		cmocka_unit_test(test_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
