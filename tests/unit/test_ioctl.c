/* FSCTL buffer codecs (smb2/fsctl.c) against the layouts of MS-SMB2
 * 2.2.31.1 / 2.2.32 and MS-FSCC 2.3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "smb2/fsctl.h"

static struct wire_slice slice(const uint8_t *p, size_t len)
{
	return (struct wire_slice){ .p = p, .len = len };
}

/* SRV_COPYCHUNK_COPY with two chunks, built byte by byte. */
static void test_copychunk_decode(void **state)
{
	uint8_t buf[32 + 2 * 24] = { 0 };
	struct fsctl_copychunk cc;
	TALLOC_CTX *ctx = talloc_new(NULL);

	for (int i = 0; i < 24; i++)
		buf[i] = (uint8_t)(0xa0 + i); /* SourceKey */
	buf[24] = 2;			      /* ChunkCount */
	buf[28] = 0xff;			      /* Reserved: ignored */
	/* chunk 0: source 0x1122334455667788, target 0x10, length 4096 */
	put_le64(buf + 32, 0x1122334455667788ull);
	put_le64(buf + 40, 0x10);
	put_le32(buf + 48, 4096);
	/* chunk 1 */
	put_le64(buf + 56, 4096);
	put_le64(buf + 64, 8192);
	put_le32(buf + 72, 1);
	assert_int_equal(NT_STATUS_V(fsctl_copychunk_decode(
				 ctx, slice(buf, sizeof(buf)), &cc)),
			 0);
	assert_int_equal(cc.count, 2);
	assert_int_equal(cc.source_key[0], 0xa0);
	assert_int_equal(cc.source_key[23], 0xa0 + 23);
	assert_true(cc.chunks[0].source_off == 0x1122334455667788ull);
	assert_true(cc.chunks[0].target_off == 0x10);
	assert_int_equal(cc.chunks[0].length, 4096);
	assert_true(cc.chunks[1].source_off == 4096);
	assert_true(cc.chunks[1].target_off == 8192);
	assert_int_equal(cc.chunks[1].length, 1);
	assert_true(fsctl_copychunk_within_limits(&cc));

	/* ChunkCount larger than the chunks present */
	buf[24] = 3;
	assert_true(NT_STATUS_EQUAL(
		fsctl_copychunk_decode(ctx, slice(buf, sizeof(buf)), &cc),
		NT_STATUS_INVALID_PARAMETER));
	/* truncated header */
	assert_true(NT_STATUS_EQUAL(
		fsctl_copychunk_decode(ctx, slice(buf, 31), &cc),
		NT_STATUS_INVALID_PARAMETER));
	/* a huge count must not allocate before the size check */
	put_le32(buf + 24, 0xffffffffu);
	assert_true(NT_STATUS_EQUAL(
		fsctl_copychunk_decode(ctx, slice(buf, sizeof(buf)), &cc),
		NT_STATUS_INVALID_PARAMETER));
	talloc_free(ctx);
}

static void test_copychunk_limits(void **state)
{
	struct fsctl_chunk chunks[257] = { 0 };
	struct fsctl_copychunk cc = { .count = 1, .chunks = chunks };
	struct fsctl_copychunk_rsp lim = fsctl_copychunk_limits();
	uint8_t out[FSCTL_COPYCHUNK_RSP_SIZE];
	static const uint8_t want[12] = {
		0x00, 0x01, 0x00, 0x00, /* 256 chunks */
		0x00, 0x00, 0x10, 0x00, /* 1 MiB per chunk */
		0x00, 0x00, 0x00, 0x01, /* 16 MiB in all */
	};

	chunks[0].length = 1024 * 1024;
	assert_true(fsctl_copychunk_within_limits(&cc));
	chunks[0].length = 1024 * 1024 + 1;
	assert_false(fsctl_copychunk_within_limits(&cc));
	chunks[0].length = 0; /* zero-length chunks are invalid */
	assert_false(fsctl_copychunk_within_limits(&cc));
	/* 17 chunks of 1 MiB: each fine, the total too large */
	for (int i = 0; i < 17; i++)
		chunks[i].length = 1024 * 1024;
	cc.count = 16;
	assert_true(fsctl_copychunk_within_limits(&cc));
	cc.count = 17;
	assert_false(fsctl_copychunk_within_limits(&cc));
	for (int i = 0; i < 257; i++)
		chunks[i].length = 1;
	cc.count = 256;
	assert_true(fsctl_copychunk_within_limits(&cc));
	cc.count = 257;
	assert_false(fsctl_copychunk_within_limits(&cc));

	fsctl_copychunk_rsp_encode(out, &lim);
	assert_memory_equal(out, want, sizeof(want));
}

static void test_resume_key(void **state)
{
	uint8_t key[FSCTL_RESUME_KEY_SIZE];
	uint64_t p = 0, v = 0;

	fsctl_resume_key_encode(key, 0x0102030405060708ull, 42, 7);
	assert_int_equal(key[0], 0x08);
	assert_int_equal(key[8], 42);
	assert_true(fsctl_resume_key_decode(key, 7, &p, &v));
	assert_true(p == 0x0102030405060708ull);
	assert_true(v == 42);
	/* another session cannot use it */
	assert_false(fsctl_resume_key_decode(key, 8, &p, &v));
	/* nor can a made-up key */
	memcpy(key, "deadbeefdeadbeefdeadbeef", 24);
	assert_false(fsctl_resume_key_decode(key, 7, &p, &v));
}

static void test_qar_decode(void **state)
{
	uint8_t buf[32] = { 0 };
	struct fsctl_range r;

	put_le64(buf, 4096);
	put_le64(buf + 8, 1024);
	assert_true(NT_STATUS_IS_OK(fsctl_qar_decode(slice(buf, 16), &r)));
	assert_true(r.off == 4096 && r.len == 1024);
	/* a larger buffer is accepted, as Windows does */
	assert_true(NT_STATUS_IS_OK(fsctl_qar_decode(slice(buf, 32), &r)));
	assert_true(NT_STATUS_EQUAL(fsctl_qar_decode(slice(buf, 15), &r),
				    NT_STATUS_INVALID_PARAMETER));
	assert_true(NT_STATUS_EQUAL(fsctl_qar_decode(slice(buf, 0), &r),
				    NT_STATUS_INVALID_PARAMETER));
	/* off + len wraps (smbtorture sparse_qar_overflow) */
	put_le64(buf, 512);
	put_le64(buf + 8, UINT64_MAX);
	assert_true(NT_STATUS_EQUAL(fsctl_qar_decode(slice(buf, 16), &r),
				    NT_STATUS_INVALID_PARAMETER));
	/* negative offset */
	put_le64(buf, (uint64_t)INT64_MAX + 1);
	put_le64(buf + 8, 0);
	assert_true(NT_STATUS_EQUAL(fsctl_qar_decode(slice(buf, 16), &r),
				    NT_STATUS_INVALID_PARAMETER));
}

static void test_qar_encode(void **state)
{
	const struct fsctl_range ranges[2] = {
		{ .off = 0, .len = 1024 },
		{ .off = 0x100000, .len = 0x200 },
	};
	static const uint8_t want[32] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x04, 0, 0, 0, 0, 0, 0,
		0, 0, 0x10, 0, 0, 0, 0, 0, 0x00, 0x02, 0, 0, 0, 0, 0, 0,
	};
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct wire_wr w;

	wire_wr_init(&w, ctx, 8);
	assert_true(NT_STATUS_IS_OK(fsctl_qar_encode(&w, ranges, 2, 32)));
	assert_int_equal(w.len, 32);
	assert_memory_equal(w.buf, want, 32);

	/* room for one and a half: one, and BUFFER_OVERFLOW */
	wire_wr_init(&w, ctx, 8);
	assert_true(NT_STATUS_EQUAL(fsctl_qar_encode(&w, ranges, 2, 31),
				    NT_STATUS_BUFFER_OVERFLOW));
	assert_int_equal(w.len, 16);
	assert_memory_equal(w.buf, want, 16);

	/* no room at all */
	wire_wr_init(&w, ctx, 8);
	assert_true(NT_STATUS_EQUAL(fsctl_qar_encode(&w, ranges, 2, 15),
				    NT_STATUS_BUFFER_TOO_SMALL));
	/* nothing to report needs no room */
	assert_true(NT_STATUS_IS_OK(fsctl_qar_encode(&w, ranges, 0, 0)));
	assert_int_equal(w.len, 0);
	talloc_free(ctx);
}

static void test_zero_data_and_trim(void **state)
{
	uint8_t buf[8 + 2 * 16] = { 0 };
	struct fsctl_range r, *ranges;
	uint32_t n = 0;
	TALLOC_CTX *ctx = talloc_new(NULL);

	put_le64(buf, 4096);
	put_le64(buf + 8, 8192);
	assert_true(NT_STATUS_IS_OK(fsctl_zero_data_decode(slice(buf, 16),
							   &r)));
	assert_true(r.off == 4096 && r.len == 4096);
	/* FileOffset past BeyondFinalZero (sparse_punch_invalid) */
	put_le64(buf, 4096);
	put_le64(buf + 8, 4095);
	assert_true(NT_STATUS_EQUAL(fsctl_zero_data_decode(slice(buf, 16),
							   &r),
				    NT_STATUS_INVALID_PARAMETER));
	assert_true(NT_STATUS_EQUAL(fsctl_zero_data_decode(slice(buf, 8),
							   &r),
				    NT_STATUS_INVALID_PARAMETER));

	memset(buf, 0, sizeof(buf));
	put_le32(buf + 4, 2); /* NumRanges */
	put_le64(buf + 8, 0);
	put_le64(buf + 16, 65536);
	put_le64(buf + 24, 131072);
	put_le64(buf + 32, 4096);
	assert_true(NT_STATUS_IS_OK(fsctl_trim_decode(
		ctx, slice(buf, sizeof(buf)), &ranges, &n)));
	assert_int_equal(n, 2);
	assert_true(ranges[0].off == 0 && ranges[0].len == 65536);
	assert_true(ranges[1].off == 131072 && ranges[1].len == 4096);
	put_le32(buf + 4, 3);
	assert_true(NT_STATUS_EQUAL(fsctl_trim_decode(ctx,
						      slice(buf, sizeof(buf)),
						      &ranges, &n),
				    NT_STATUS_INVALID_PARAMETER));
	talloc_free(ctx);
}

static void test_dup_extents_decode(void **state)
{
	uint8_t buf[48] = { 0 };
	struct fsctl_dup_extents d;

	put_le64(buf, 5);
	put_le64(buf + 8, 6);
	put_le64(buf + 16, 4096);
	put_le64(buf + 24, 8192);
	put_le64(buf + 32, 65536);
	assert_true(NT_STATUS_IS_OK(fsctl_dup_extents_decode(slice(buf, 40),
							     &d)));
	assert_true(d.src_fid_p == 5 && d.src_fid_v == 6);
	assert_true(d.source_off == 4096 && d.target_off == 8192);
	assert_true(d.byte_count == 65536);
	assert_true(NT_STATUS_EQUAL(fsctl_dup_extents_decode(slice(buf, 39),
							     &d),
				    NT_STATUS_INVALID_PARAMETER));
}

/* Two entries: 192.0.2.10 on ifindex 2 (RSS, 1 Gb/s) and 2001:db8::1
 * on ifindex 3; MS-SMB2 2.2.32.5 layout, 152 bytes each. */
static void test_net_iface_encode(void **state)
{
	struct fsctl_net_iface ifs[2] = {
		{ .if_index = 2,
		  .capability = FSCTL_NET_IFACE_RSS_CAPABLE,
		  .link_speed = 1000000000ull,
		  .family = FSCTL_NET_AF_INET,
		  .addr = { 192, 0, 2, 10 } },
		{ .if_index = 3,
		  .link_speed = 10000000000ull,
		  .family = FSCTL_NET_AF_INET6,
		  .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
		  .scope_id = 0 },
	};
	uint8_t want[2 * 152] = { 0 };
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct wire_wr w;

	/* entry 0 */
	put_le32(want + 0, 152);	    /* Next */
	put_le32(want + 4, 2);		    /* IfIndex */
	put_le32(want + 8, 1);		    /* Capability: RSS */
	put_le64(want + 16, 1000000000ull); /* LinkSpeed */
	put_le16(want + 24, 0x0002);	    /* Family AF_INET */
	want[28] = 192;			    /* after Port(2) */
	want[29] = 0;
	want[30] = 2;
	want[31] = 10;
	/* entry 1 */
	put_le32(want + 152 + 0, 0); /* last */
	put_le32(want + 152 + 4, 3);
	put_le64(want + 152 + 16, 10000000000ull);
	put_le16(want + 152 + 24, 0x0017); /* AF_INET6 */
	/* Port(2) FlowInfo(4) then the address */
	want[152 + 32] = 0x20;
	want[152 + 33] = 0x01;
	want[152 + 34] = 0x0d;
	want[152 + 35] = 0xb8;
	want[152 + 47] = 1;

	wire_wr_init(&w, ctx, 16);
	assert_true(NT_STATUS_IS_OK(fsctl_net_iface_encode(&w, ifs, 2,
							   65536)));
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(w.buf, want, sizeof(want));

	wire_wr_init(&w, ctx, 16);
	assert_true(NT_STATUS_EQUAL(fsctl_net_iface_encode(&w, ifs, 2, 303),
				    NT_STATUS_BUFFER_TOO_SMALL));
	talloc_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copychunk_decode),
		cmocka_unit_test(test_copychunk_limits),
		cmocka_unit_test(test_resume_key),
		cmocka_unit_test(test_qar_decode),
		cmocka_unit_test(test_qar_encode),
		cmocka_unit_test(test_zero_data_and_trim),
		cmocka_unit_test(test_dup_extents_decode),
		cmocka_unit_test(test_net_iface_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
