/*
 * DCE/RPC pipe and srvsvc tests: bind / bind_ack bytes worked out by hand
 * from C706 12.6.4 and MS-RPCE 2.2.2, NetrShareEnum answers decoded with a
 * reader written here from the MS-SRVS IDL (not the server's own), response
 * fragmentation, and malformed PDUs that must give faults, never crashes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "smb2/dcerpc.h"
#include "smb2/ipc.h"

/* ---- hex vectors ---- */

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (const char *h = hex; *h;) {
		unsigned int v;

		if (*h == ' ') {
			h++;
			continue;
		}
		assert_int_equal(sscanf(h, "%2x", &v), 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

/* ---- the test's own PDU and NDR builders ---- */

struct buf {
	uint8_t b[65536];
	size_t len;
};

static void put8(struct buf *b, uint8_t v)
{
	assert_true(b->len < sizeof(b->b));
	b->b[b->len++] = v;
}
static void put16(struct buf *b, uint16_t v)
{
	put8(b, (uint8_t)v);
	put8(b, (uint8_t)(v >> 8));
}
static void put32(struct buf *b, uint32_t v)
{
	put16(b, (uint16_t)v);
	put16(b, (uint16_t)(v >> 16));
}
static void putn(struct buf *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->b));
	if (n)
		memcpy(b->b + b->len, p, n);
	b->len += n;
}
static void align4(struct buf *b)
{
	while (b->len & 3)
		put8(b, 0);
}
/* conformant varying string of ASCII text with its NUL */
static void put_ndr_string(struct buf *b, const char *s)
{
	uint32_t n = (uint32_t)strlen(s) + 1;

	align4(b);
	put32(b, n);
	put32(b, 0);
	put32(b, n);
	for (uint32_t i = 0; i < n; i++)
		put16(b, (uint8_t)s[i]);
}

static const uint8_t srvsvc_uuid[16] = { 0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16,
					 0xd3, 0x01, 0x12, 0x78, 0x5a, 0x47,
					 0xbf, 0x6e, 0xe1, 0x88 };
static const uint8_t ndr_uuid[16] = { 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c,
				      0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00,
				      0x2b, 0x10, 0x48, 0x60 };
static const uint8_t ndr64_uuid[16] = { 0x33, 0x05, 0x71, 0x71, 0xba, 0xbe,
					0x37, 0x49, 0x83, 0x19, 0xb5, 0xdb,
					0xef, 0x9c, 0xcc, 0x36 };
/* 6cb71c2c-9812-4540-0300-000000000000: both optional features asked */
static const uint8_t btfn_uuid[16] = { 0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98,
				       0x40, 0x45, 0x03, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x00, 0x00 };

static void hdr(struct buf *b, uint8_t ptype, uint8_t flags, uint32_t call_id)
{
	b->len = 0;
	put8(b, 5);
	put8(b, 0);
	put8(b, ptype);
	put8(b, flags);
	put32(b, 0x10);
	put16(b, 0); /* frag_length, set by fin() */
	put16(b, 0);
	put32(b, call_id);
}
static void fin(struct buf *b)
{
	b->b[8] = (uint8_t)b->len;
	b->b[9] = (uint8_t)(b->len >> 8);
}

static void ctx_elem(struct buf *b, uint16_t id, const uint8_t *abstract,
		     uint16_t abstract_ver, const uint8_t *transfer,
		     uint32_t transfer_ver)
{
	put16(b, id);
	put8(b, 1);
	put8(b, 0);
	putn(b, abstract, 16);
	put32(b, abstract_ver);
	putn(b, transfer, 16);
	put32(b, transfer_ver);
}

/* bind as Samba's client sends it: NDR, NDR64, feature negotiation */
static void make_bind(struct buf *b, uint32_t assoc)
{
	hdr(b, DCERPC_PKT_BIND, 3, 1);
	put16(b, 4280);
	put16(b, 4280);
	put32(b, assoc);
	put32(b, 3);
	ctx_elem(b, 0, srvsvc_uuid, 3, ndr_uuid, 2);
	ctx_elem(b, 1, srvsvc_uuid, 3, ndr64_uuid, 1);
	ctx_elem(b, 2, srvsvc_uuid, 3, btfn_uuid, 1);
	fin(b);
}

static void make_request(struct buf *b, uint8_t flags, uint32_t call_id,
			 uint16_t ctx, uint16_t opnum, const uint8_t *stub,
			 size_t stub_len, uint32_t alloc_hint)
{
	hdr(b, DCERPC_PKT_REQUEST, flags, call_id);
	put32(b, alloc_hint);
	put16(b, ctx);
	put16(b, opnum);
	putn(b, stub, stub_len);
	fin(b);
}

/* NetrShareEnum request stub (MS-SRVS 3.1.4.8) */
static void enum_stub(struct buf *s, uint32_t level, bool resume)
{
	s->len = 0;
	put32(s, 0x00020000);
	put_ndr_string(s, "\\\\127.0.0.1");
	align4(s);
	put32(s, level);
	put32(s, level);
	put32(s, 0x00020004); /* container */
	put32(s, 0);	      /* EntriesRead */
	put32(s, 0);	      /* Buffer: NULL */
	put32(s, 0xffffffff); /* PreferedMaximumLength */
	if (resume) {
		put32(s, 0x00020008);
		put32(s, 0);
	} else {
		put32(s, 0);
	}
}

/* ---- the test's own NDR reader ---- */

struct rd {
	const uint8_t *p;
	size_t len, off;
};

static uint32_t rd32(struct rd *r)
{
	uint32_t v;

	r->off = (r->off + 3) & ~(size_t)3;
	assert_true(r->off + 4 <= r->len);
	v = (uint32_t)r->p[r->off] | ((uint32_t)r->p[r->off + 1] << 8) |
	    ((uint32_t)r->p[r->off + 2] << 16) |
	    ((uint32_t)r->p[r->off + 3] << 24);
	r->off += 4;
	return v;
}

/* conformant varying UTF-16 string of ASCII text, into out */
static void rdstr(struct rd *r, char *out, size_t cap)
{
	uint32_t max = rd32(r), offset = rd32(r), actual = rd32(r);

	assert_int_equal(offset, 0);
	assert_int_equal(max, actual);
	assert_true(actual >= 1 && actual <= cap);
	assert_true(r->off + actual * 2 <= r->len);
	for (uint32_t i = 0; i < actual; i++) {
		assert_int_equal(r->p[r->off + 2 * i + 1], 0);
		out[i] = (char)r->p[r->off + 2 * i];
	}
	assert_int_equal(out[actual - 1], 0); /* the NUL is counted */
	r->off += actual * 2;
}

/* ---- pipe helpers ---- */

static const struct conf_share test_shares[] = {
	{ .name = (char *)"share", .comment = (char *)"A writable share" },
	{ .name = (char *)"ro", .comment = (char *)"" },
	{ .name = (char *)"hidden$", .comment = NULL },
	{ .name = (char *)"IPC$", .comment = (char *)"IPC Service",
	  .is_ipc = true },
};

static struct srvsvc_ctx test_ctx = {
	.server_name = "USMBD",
	.shares = test_shares,
	.n_shares = 4,
};

static struct dcerpc_pipe *new_pipe(TALLOC_CTX *mem_ctx)
{
	struct dcerpc_pipe *p = dcerpc_pipe_new(mem_ctx, &srvsvc_iface,
						&test_ctx, "\\PIPE\\srvsvc");
	assert_non_null(p);
	return p;
}

/* Writes an exact-size heap copy, so over-reads show under ASan. */
static int write_copy(struct dcerpc_pipe *p, const uint8_t *in, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, in, len);
	rc = dcerpc_pipe_write(p, copy, len);
	free(copy);
	return rc;
}

/* Reads one whole output message. */
static size_t read_msg(struct dcerpc_pipe *p, TALLOC_CTX *mem_ctx,
		       uint8_t **out)
{
	size_t len;
	bool more;

	assert_int_equal(dcerpc_pipe_read(p, mem_ctx, 65536, out, &len, &more),
			 0);
	assert_false(more);
	assert_true(len >= DCERPC_HDR_SIZE);
	assert_int_equal((*out)[8] | ((*out)[9] << 8), len);
	return len;
}

static void bind_ok(struct dcerpc_pipe *p, TALLOC_CTX *mem_ctx)
{
	struct buf b;
	uint8_t *out;

	make_bind(&b, 0x1234);
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	read_msg(p, mem_ctx, &out);
	assert_int_equal(out[2], DCERPC_PKT_BIND_ACK);
}

static uint32_t fault_status(const uint8_t *pdu, size_t len)
{
	assert_int_equal(len, DCERPC_FAULT_SIZE);
	assert_int_equal(pdu[2], DCERPC_PKT_FAULT);
	return (uint32_t)pdu[24] | ((uint32_t)pdu[25] << 8) |
	       ((uint32_t)pdu[26] << 16) | ((uint32_t)pdu[27] << 24);
}

/*
 * Runs one call and reassembles the response stub from its fragments,
 * checking each fragment's header on the way.
 */
static size_t call(struct dcerpc_pipe *p, TALLOC_CTX *mem_ctx, uint16_t opnum,
		   const struct buf *stub, uint8_t **stub_out,
		   unsigned *n_frags)
{
	struct buf rq;
	uint8_t *acc = NULL;
	size_t acc_len = 0;
	unsigned frags = 0;
	bool last = false;

	make_request(&rq, 3, 7, 0, opnum, stub->b, stub->len,
		     (uint32_t)stub->len);
	assert_int_equal(write_copy(p, rq.b, rq.len), 0);
	while (!last) {
		uint8_t *pdu;
		size_t len = read_msg(p, mem_ctx, &pdu);
		uint32_t hint;

		assert_int_equal(pdu[2], DCERPC_PKT_RESPONSE);
		assert_int_equal(pdu[3] & 1, frags == 0);
		assert_int_equal(pdu[12], 7); /* call_id */
		assert_true(len <= DCERPC_MAX_FRAG);
		hint = (uint32_t)pdu[16] | ((uint32_t)pdu[17] << 8) |
		       ((uint32_t)pdu[18] << 16) | ((uint32_t)pdu[19] << 24);
		last = pdu[3] & 2;
		if (!last)
			assert_int_equal((len - 24) % 8, 0);
		acc = talloc_realloc(mem_ctx, acc, uint8_t,
				     acc_len + len - 24 + 1);
		memcpy(acc + acc_len, pdu + 24, len - 24);
		acc_len += len - 24;
		/* alloc_hint: what remains from this fragment on */
		if (last)
			assert_int_equal(hint, len - 24);
		frags++;
	}
	assert_int_equal(dcerpc_pipe_pending(p), 0);
	*stub_out = acc;
	if (n_frags)
		*n_frags = frags;
	return acc_len;
}

/* ---- tests ---- */

static void test_bind_ack_bytes(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = new_pipe(mem);
	struct buf b;
	uint8_t *out, want[256];
	size_t len, want_len;

	(void)state;
	make_bind(&b, 0x1234);
	assert_int_equal(b.len, 16 + 12 + 3 * 44);
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	len = read_msg(p, mem, &out);
	want_len = unhex(
		/* header: bind_ack, first|last, LE, frag 116, call 1 */
		"05000c03 10000000 7400 0000 01000000"
		/* max frags, assoc group echoed */
		"b810b81034120000"
		/* secondary address "\\PIPE\\srvsvc" + NUL, 1 pad byte */
		"0d005c504950455c73727673766300"
		"00"
		/* three results */
		"03000000"
		/* accepted: NDR v2 */
		"00000000045d888aeb1cc9119fe808002b10486002000000"
		/* NDR64: provider rejection, transfer syntax not supported */
		"020002000000000000000000000000000000000000000000"
		/* feature negotiation: acknowledged, no features */
		"030000000000000000000000000000000000000000000000",
		want, sizeof(want));
	assert_int_equal(len, want_len);
	assert_memory_equal(out, want, want_len);
	talloc_free(mem);
}

static void test_bind_rejects(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = new_pipe(mem);
	static const uint8_t other_if[16] = { 1, 2, 3 };
	struct buf b;
	uint8_t *out;
	size_t len;

	(void)state;
	/* an interface this pipe does not serve */
	hdr(&b, DCERPC_PKT_BIND, 3, 2);
	put16(&b, 4280);
	put16(&b, 4280);
	put32(&b, 0);
	put32(&b, 1);
	ctx_elem(&b, 0, other_if, 1, ndr_uuid, 2);
	fin(&b);
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	len = read_msg(p, mem, &out);
	assert_int_equal(out[2], DCERPC_PKT_BIND_ACK);
	assert_int_equal(out[len - 24], DCERPC_RESULT_PROVIDER_REJECT);
	assert_int_equal(out[len - 22], DCERPC_REASON_ABSTRACT_NOT_SUPPORTED);
	/* the association exists but has no context: requests fault */
	make_request(&b, 3, 3, 0, 15, NULL, 0, 0);
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	len = read_msg(p, mem, &out);
	assert_int_equal(fault_status(out, len), DCERPC_NCA_S_UNKNOWN_IF);
	assert_int_equal(out[3], 0x23); /* first, last, did not execute */
	talloc_free(mem);

	/* a bind with authentication is refused with bind_nak */
	mem = talloc_new(NULL);
	p = new_pipe(mem);
	make_bind(&b, 0);
	b.b[10] = 16; /* auth_length */
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	len = read_msg(p, mem, &out);
	assert_int_equal(out[2], DCERPC_PKT_BIND_NAK);
	assert_int_equal(out[16], DCERPC_NAK_AUTH_TYPE_NOT_RECOGNIZED);
	/* a second bind on a bound pipe too */
	make_bind(&b, 0);
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	read_msg(p, mem, &out);
	assert_int_equal(out[2], DCERPC_PKT_BIND_ACK);
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	read_msg(p, mem, &out);
	assert_int_equal(out[2], DCERPC_PKT_BIND_NAK);
	talloc_free(mem);
}

static void test_alter_context(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = new_pipe(mem);
	struct buf b, s;
	uint8_t *out;
	size_t len;

	(void)state;
	bind_ok(p, mem);
	hdr(&b, DCERPC_PKT_ALTER, 3, 2);
	put16(&b, 4280);
	put16(&b, 4280);
	put32(&b, 0x1234);
	put32(&b, 1);
	ctx_elem(&b, 5, srvsvc_uuid, 3, ndr_uuid, 2);
	fin(&b);
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	len = read_msg(p, mem, &out);
	assert_int_equal(out[2], DCERPC_PKT_ALTER_RESP);
	/* empty secondary address: length 0 and 2 pad bytes */
	assert_int_equal(out[24] | (out[25] << 8), 0);
	assert_int_equal(len, 28 + 4 + 24);
	assert_int_equal(out[32], DCERPC_RESULT_ACCEPT);
	/* and the new context carries calls */
	enum_stub(&s, 1, false);
	make_request(&b, 3, 9, 5, 15, s.b, s.len, 0);
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	read_msg(p, mem, &out);
	assert_int_equal(out[2], DCERPC_PKT_RESPONSE);
	assert_int_equal(out[20], 5);
	talloc_free(mem);
}

/* Level 0 in full, worked out by hand from the IDL (MS-SRVS 2.2.4.38). */
static void test_enum_level0_bytes(void **state)
{
	static const struct conf_share two[] = {
		{ .name = (char *)"ab", .comment = (char *)"x" },
		{ .name = (char *)"IPC$", .comment = (char *)"IPC Service",
		  .is_ipc = true },
	};
	struct srvsvc_ctx ctx = { .server_name = "S", .shares = two,
				  .n_shares = 2 };
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = dcerpc_pipe_new(mem, &srvsvc_iface, &ctx,
						"\\PIPE\\srvsvc");
	struct buf s;
	uint8_t *stub, want[256];
	size_t len, want_len;

	(void)state;
	bind_ok(p, mem);
	enum_stub(&s, 0, true);
	len = call(p, mem, 15, &s, &stub, NULL);
	want_len = unhex("00000000 00000000"   /* Level, union tag */
			 "00000200"	       /* container referent */
			 "02000000 04000200"   /* EntriesRead, Buffer */
			 "02000000"	       /* conformance */
			 "08000200 0c000200"   /* two shi0_netname */
			 "03000000 00000000 03000000 610062000000 0000"
			 "05000000 00000000 05000000"
			 "49005000430024000000 0000"
			 "02000000"	       /* TotalEntries */
			 "10000200 00000000"   /* ResumeHandle */
			 "00000000",	       /* WERR_OK */
			 want, sizeof(want));
	assert_int_equal(len, want_len);
	assert_memory_equal(stub, want, want_len);
	talloc_free(mem);
}

static void test_enum_level1_decoded(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = new_pipe(mem);
	struct buf s;
	uint8_t *stub;
	size_t len;
	struct rd r;
	uint32_t n, type[4], name_ptr[4], remark_ptr[4];
	char str[64];

	(void)state;
	bind_ok(p, mem);
	enum_stub(&s, 1, false);
	len = call(p, mem, 15, &s, &stub, NULL);
	r = (struct rd){ stub, len, 0 };
	assert_int_equal(rd32(&r), 1);
	assert_int_equal(rd32(&r), 1);
	assert_int_not_equal(rd32(&r), 0);
	n = rd32(&r);
	assert_int_equal(n, 4);
	assert_int_not_equal(rd32(&r), 0);
	assert_int_equal(rd32(&r), 4);
	for (unsigned i = 0; i < 4; i++) {
		name_ptr[i] = rd32(&r);
		type[i] = rd32(&r);
		remark_ptr[i] = rd32(&r);
		assert_int_not_equal(name_ptr[i], 0);
		assert_int_not_equal(remark_ptr[i], 0);
		assert_int_not_equal(name_ptr[i], remark_ptr[i]);
	}
	for (unsigned i = 0; i < 4; i++) {
		rdstr(&r, str, sizeof(str));
		assert_string_equal(str, test_shares[i].name);
		rdstr(&r, str, sizeof(str));
		assert_string_equal(str, test_shares[i].comment
						 ? test_shares[i].comment
						 : "");
	}
	assert_int_equal(type[0], STYPE_DISKTREE);
	assert_int_equal(type[2], STYPE_DISKTREE);
	assert_int_equal(type[3], 0x80000003u);
	assert_int_equal(rd32(&r), 4); /* TotalEntries */
	assert_int_equal(rd32(&r), 0); /* no ResumeHandle asked */
	assert_int_equal(rd32(&r), SRVSVC_WERR_OK);
	assert_int_equal(r.off, len);
	talloc_free(mem);
}

static void test_enum_sticky_and_levels(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = new_pipe(mem);
	struct buf s;
	uint8_t *stub;
	size_t len;
	struct rd r;

	(void)state;
	bind_ok(p, mem);
	/* sticky: no special shares */
	enum_stub(&s, 1, false);
	len = call(p, mem, 36, &s, &stub, NULL);
	r = (struct rd){ stub, len, 0 };
	rd32(&r);
	rd32(&r);
	rd32(&r);
	assert_int_equal(rd32(&r), 2);
	/* level 2 reveals paths: refused, container NULL */
	enum_stub(&s, 2, true);
	len = call(p, mem, 15, &s, &stub, NULL);
	assert_int_equal(len, 7 * 4);
	r = (struct rd){ stub, len, 0 };
	assert_int_equal(rd32(&r), 2);
	assert_int_equal(rd32(&r), 2);
	assert_int_equal(rd32(&r), 0);
	assert_int_equal(rd32(&r), 0);
	assert_int_not_equal(rd32(&r), 0);
	assert_int_equal(rd32(&r), 0);
	assert_int_equal(rd32(&r), SRVSVC_WERR_ACCESS_DENIED);
	/* a level without an arm: nothing between tag and TotalEntries */
	enum_stub(&s, 7, false);
	s.len -= 5 * 4; /* no container for an arm that does not exist */
	put32(&s, 0xffffffff);
	put32(&s, 0);
	len = call(p, mem, 15, &s, &stub, NULL);
	r = (struct rd){ stub, len, 0 };
	assert_int_equal(rd32(&r), 7);
	assert_int_equal(rd32(&r), 7);
	assert_int_equal(rd32(&r), 0);
	assert_int_equal(rd32(&r), 0);
	assert_int_equal(rd32(&r), SRVSVC_WERR_INVALID_LEVEL);
	talloc_free(mem);
}

static void get_info_stub(struct buf *s, const char *name, uint32_t level)
{
	s->len = 0;
	put32(s, 0); /* ServerName NULL */
	put_ndr_string(s, name);
	align4(s);
	put32(s, level);
}

static void test_share_get_info(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = new_pipe(mem);
	struct buf s;
	uint8_t *stub;
	size_t len;
	struct rd r;
	char str[64];

	(void)state;
	bind_ok(p, mem);
	get_info_stub(&s, "ipc$", 1);
	len = call(p, mem, 16, &s, &stub, NULL);
	r = (struct rd){ stub, len, 0 };
	assert_int_equal(rd32(&r), 1);
	assert_int_not_equal(rd32(&r), 0);
	assert_int_not_equal(rd32(&r), 0);
	assert_int_equal(rd32(&r), 0x80000003u);
	assert_int_not_equal(rd32(&r), 0);
	rdstr(&r, str, sizeof(str));
	assert_string_equal(str, "IPC$");
	rdstr(&r, str, sizeof(str));
	assert_string_equal(str, "IPC Service");
	assert_int_equal(rd32(&r), SRVSVC_WERR_OK);
	assert_int_equal(r.off, len);

	get_info_stub(&s, "share", 1005);
	len = call(p, mem, 16, &s, &stub, NULL);
	assert_int_equal(len, 16); /* tag, pointer, flags, WERR */

	get_info_stub(&s, "nosuch", 1);
	len = call(p, mem, 16, &s, &stub, NULL);
	r = (struct rd){ stub, len, 0 };
	assert_int_equal(rd32(&r), 1);
	assert_int_equal(rd32(&r), 0);
	assert_int_equal(rd32(&r), SRVSVC_WERR_NET_NAME_NOT_FOUND);
	talloc_free(mem);
}

static void test_server_get_info(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = new_pipe(mem);
	struct buf s;
	uint8_t *stub;
	size_t len;
	struct rd r;
	char str[64];

	(void)state;
	bind_ok(p, mem);
	s.len = 0;
	put32(&s, 0x00020000);
	put_ndr_string(&s, "\\\\host");
	align4(&s);
	put32(&s, 101);
	len = call(p, mem, 21, &s, &stub, NULL);
	r = (struct rd){ stub, len, 0 };
	assert_int_equal(rd32(&r), 101);
	assert_int_not_equal(rd32(&r), 0);
	assert_int_equal(rd32(&r), 500); /* PLATFORM_ID_NT */
	assert_int_not_equal(rd32(&r), 0);
	rd32(&r);
	rd32(&r);
	assert_true(rd32(&r) & 0x2); /* SV_TYPE_SERVER */
	assert_int_not_equal(rd32(&r), 0);
	rdstr(&r, str, sizeof(str));
	assert_string_equal(str, "USMBD");
	rdstr(&r, str, sizeof(str));
	assert_int_equal(rd32(&r), SRVSVC_WERR_OK);
	assert_int_equal(r.off, len);
	talloc_free(mem);
}

/* Enough shares for the answer to need several fragments. */
static void test_response_fragments(void **state)
{
	enum { N = 300 };
	struct conf_share *many = calloc(N, sizeof(*many));
	struct srvsvc_ctx ctx = { .server_name = "S", .shares = many,
				  .n_shares = N };
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = dcerpc_pipe_new(mem, &srvsvc_iface, &ctx,
						"\\PIPE\\srvsvc");
	struct buf s;
	uint8_t *stub;
	unsigned frags;
	size_t len;
	struct rd r;
	char str[64];

	(void)state;
	assert_non_null(many);
	for (unsigned i = 0; i < N; i++) {
		many[i].name = talloc_asprintf(mem, "share%03u", i);
		many[i].comment = talloc_asprintf(mem, "comment %u", i);
	}
	bind_ok(p, mem);
	enum_stub(&s, 1, true);
	len = call(p, mem, 15, &s, &stub, &frags);
	assert_true(frags > 3);
	r = (struct rd){ stub, len, 0 };
	rd32(&r);
	rd32(&r);
	rd32(&r);
	assert_int_equal(rd32(&r), N);
	rd32(&r);
	assert_int_equal(rd32(&r), N);
	r.off += N * 12;
	for (unsigned i = 0; i < N; i++) {
		char want[32];

		rdstr(&r, str, sizeof(str));
		snprintf(want, sizeof(want), "share%03u", i);
		assert_string_equal(str, want);
		rdstr(&r, str, sizeof(str));
	}
	assert_int_equal(rd32(&r), N);

	/* a short read cuts a message and leaves the rest for the next */
	{
		struct buf rq;
		uint8_t *a, *b2;
		size_t la, lb;
		bool more;

		make_request(&rq, 3, 8, 0, 15, s.b, s.len, 0);
		assert_int_equal(write_copy(p, rq.b, rq.len), 0);
		assert_int_equal(
			dcerpc_pipe_read(p, mem, 100, &a, &la, &more), 0);
		assert_true(more);
		assert_int_equal(la, 100);
		assert_int_equal(a[8] | (a[9] << 8), DCERPC_MAX_FRAG);
		assert_int_equal(
			dcerpc_pipe_read(p, mem, 65536, &b2, &lb, &more), 0);
		assert_false(more);
		assert_int_equal(la + lb, DCERPC_MAX_FRAG);
	}
	talloc_free(mem);
	free(many);
}

/*
 * A request split over two fragments (the second over two writes), with
 * a wild alloc_hint, answers as the same request in one piece does.
 */
static void test_request_fragments(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = new_pipe(mem), *whole = new_pipe(mem);
	struct buf s, f1, f2;
	uint8_t *out, *want;
	size_t len, want_len, cut = 20;

	(void)state;
	bind_ok(p, mem);
	bind_ok(whole, mem);
	enum_stub(&s, 0, false);
	make_request(&f1, 3, 4, 0, 15, s.b, s.len, 0);
	assert_int_equal(write_copy(whole, f1.b, f1.len), 0);
	want_len = read_msg(whole, mem, &want);

	make_request(&f1, 1, 4, 0, 15, s.b, cut, 0xffffffff);
	make_request(&f2, 2, 4, 0, 99 /* ignored */, s.b + cut, s.len - cut,
		     0xffffffff);
	assert_int_equal(write_copy(p, f1.b, f1.len), 0);
	assert_int_equal(dcerpc_pipe_pending(p), 0);
	assert_int_equal(write_copy(p, f2.b, 10), 0);
	assert_int_equal(dcerpc_pipe_pending(p), 0);
	assert_int_equal(write_copy(p, f2.b + 10, f2.len - 10), 0);
	len = read_msg(p, mem, &out);
	assert_int_equal(out[2], DCERPC_PKT_RESPONSE);
	assert_int_equal(out[3], 3);
	assert_int_equal(len, want_len);
	assert_memory_equal(out, want, len);
	talloc_free(mem);
}

static void test_faults(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = new_pipe(mem);
	struct buf b, s;
	uint8_t *out;
	size_t len;

	(void)state;
	bind_ok(p, mem);
	/* an opnum srvsvc does not serve */
	make_request(&b, 3, 5, 0, 200, NULL, 0, 0);
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	len = read_msg(p, mem, &out);
	assert_int_equal(fault_status(out, len), DCERPC_NCA_S_OP_RNG_ERROR);
	assert_int_equal(out[3], 0x23);
	assert_int_equal(out[12], 5);
	/* truncated NDR in the stub */
	enum_stub(&s, 1, false);
	make_request(&b, 3, 6, 0, 15, s.b, 10, 0);
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	len = read_msg(p, mem, &out);
	assert_int_equal(fault_status(out, len), DCERPC_NCA_S_FAULT_NDR);
	/* a continuation fragment of no call */
	make_request(&b, 2, 77, 0, 15, s.b, s.len, 0);
	assert_int_equal(write_copy(p, b.b, b.len), -EPIPE);
	len = read_msg(p, mem, &out);
	assert_int_equal(fault_status(out, len), DCERPC_NCA_S_PROTO_ERROR);
	assert_true(dcerpc_pipe_broken(p));
	assert_int_equal(write_copy(p, b.b, b.len), -EPIPE);
	talloc_free(mem);
}

static void expect_proto_error(const uint8_t *pdu, size_t len, bool bind)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = new_pipe(mem);
	uint8_t *out;
	size_t olen;

	if (bind)
		bind_ok(p, mem);
	assert_int_equal(write_copy(p, pdu, len), -EPIPE);
	olen = read_msg(p, mem, &out);
	assert_int_equal(fault_status(out, olen), DCERPC_NCA_S_PROTO_ERROR);
	talloc_free(mem);
}

static void test_malformed(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p;
	struct buf b, s;
	uint8_t *out;
	size_t len;

	(void)state;
	/* a request before any bind */
	enum_stub(&s, 1, false);
	make_request(&b, 3, 1, 0, 15, s.b, s.len, 0);
	expect_proto_error(b.b, b.len, false);
	/* frag_length shorter than a header */
	b.b[8] = 8;
	b.b[9] = 0;
	expect_proto_error(b.b, b.len, true);
	/* version 4 */
	make_request(&b, 3, 1, 0, 15, s.b, s.len, 0);
	b.b[0] = 4;
	expect_proto_error(b.b, b.len, true);
	/* big-endian data representation */
	make_request(&b, 3, 1, 0, 15, s.b, s.len, 0);
	b.b[4] = 0x00;
	expect_proto_error(b.b, b.len, true);
	/* an unknown PDU type, and one only a server sends */
	make_request(&b, 3, 1, 0, 15, s.b, s.len, 0);
	b.b[2] = 42;
	expect_proto_error(b.b, b.len, true);
	b.b[2] = DCERPC_PKT_RESPONSE;
	expect_proto_error(b.b, b.len, true);
	/* a request whose frag_length is too short for its own header */
	make_request(&b, 3, 1, 0, 15, s.b, s.len, 0);
	b.b[8] = 20;
	expect_proto_error(b.b, b.len, true);

	/* frag_length beyond the bytes written: waits, answers nothing */
	p = new_pipe(mem);
	bind_ok(p, mem);
	make_request(&b, 3, 1, 0, 15, s.b, s.len, 0);
	assert_int_equal(write_copy(p, b.b, b.len - 1), 0);
	assert_int_equal(dcerpc_pipe_pending(p), 0);
	assert_int_equal(dcerpc_pipe_read(p, mem, 100, &out, &len,
					  &(bool){ false }),
			 -EAGAIN);
	/* a bind whose context list runs past the PDU */
	p = new_pipe(mem);
	make_bind(&b, 0);
	b.b[24] = 9; /* n_context_elem */
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	len = read_msg(p, mem, &out);
	assert_int_equal(out[2], DCERPC_PKT_BIND_NAK);
	/* a bind with no contexts */
	p = new_pipe(mem);
	make_bind(&b, 0);
	b.b[24] = 0;
	assert_int_equal(write_copy(p, b.b, b.len), 0);
	len = read_msg(p, mem, &out);
	assert_int_equal(out[2], DCERPC_PKT_BIND_NAK);
	talloc_free(mem);
}

/* A request growing past the reassembly limit breaks the pipe. */
static void test_request_too_big(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct dcerpc_pipe *p = new_pipe(mem);
	static uint8_t chunk[4000];
	struct buf b;
	uint8_t *out;
	size_t len, sent = 0;
	int rc = 0;

	(void)state;
	bind_ok(p, mem);
	for (unsigned i = 0; rc == 0; i++) {
		make_request(&b, i == 0 ? 1 : 0, 3, 0, 15, chunk,
			     sizeof(chunk), 0xffffffff);
		rc = write_copy(p, b.b, b.len);
		sent += sizeof(chunk);
		assert_true(sent < 2 * DCERPC_MAX_REQUEST_STUB);
	}
	assert_int_equal(rc, -EPIPE);
	len = read_msg(p, mem, &out);
	assert_int_equal(fault_status(out, len),
			 DCERPC_NCA_S_FAULT_REMOTE_NO_MEMORY);
	talloc_free(mem);
}

/* Random and mutated bytes: any outcome but a crash or a leak. */
static void test_garbage(void **state)
{
	struct buf bind, s, rq;
	uint32_t seed = 12345;

	(void)state;
	make_bind(&bind, 0);
	enum_stub(&s, 1, true);
	make_request(&rq, 3, 2, 0, 15, s.b, s.len, 0);
	for (unsigned iter = 0; iter < 3000; iter++) {
		TALLOC_CTX *mem = talloc_new(NULL);
		struct dcerpc_pipe *p = new_pipe(mem);
		struct buf m = iter & 1 ? rq : bind;
		unsigned flips = 1 + iter % 8;

		if (iter & 2)
			bind_ok(p, mem);
		for (unsigned f = 0; f < flips; f++) {
			seed = seed * 1103515245 + 12345;
			m.b[(seed >> 8) % m.len] = (uint8_t)(seed >> 20);
		}
		seed = seed * 1103515245 + 12345;
		m.len = (seed >> 8) % (m.len + 1);
		(void)write_copy(p, m.b, m.len);
		(void)write_copy(p, m.b, m.len);
		for (;;) {
			uint8_t *out;
			size_t len;
			bool more;

			if (dcerpc_pipe_read(p, mem, 1000, &out, &len,
					     &more) != 0)
				break;
		}
		talloc_free(mem);
	}
}

/* The NDR string primitives against each other and bad counts. */
static void test_ndr_strings(void **state)
{
	TALLOC_CTX *mem = talloc_new(NULL);
	struct ndr_push push;
	struct ndr_pull pull;
	char *s;
	static const uint8_t bad_offset[] = { 2, 0, 0, 0, 1, 0, 0, 0,
					      1, 0, 0, 0, 'a', 0 };
	static const uint8_t too_long[] = { 9, 0, 0, 0, 0, 0, 0, 0,
					    9, 0, 0, 0, 'a', 0 };

	(void)state;
	ndr_push_init(&push, mem);
	ndr_push_u16(&push, 7);
	ndr_push_string(&push, "h\xc3\xa9!");
	assert_false(push.w.err);
	assert_int_equal(push.w.len, 4 + 12 + 8);
	ndr_pull_init(&pull, push.w.buf, push.w.len);
	assert_int_equal(ndr_pull_u16(&pull), 7);
	s = ndr_pull_string(&pull, mem);
	assert_non_null(s);
	assert_string_equal(s, "h\xc3\xa9!");
	assert_false(pull.r.err);

	ndr_pull_init(&pull, bad_offset, sizeof(bad_offset));
	assert_null(ndr_pull_string(&pull, mem));
	assert_true(pull.r.err);
	ndr_pull_init(&pull, too_long, sizeof(too_long));
	assert_null(ndr_pull_string(&pull, mem));
	assert_true(pull.r.err);
	talloc_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_ack_bytes),
		cmocka_unit_test(test_bind_rejects),
		cmocka_unit_test(test_alter_context),
		cmocka_unit_test(test_enum_level0_bytes),
		cmocka_unit_test(test_enum_level1_decoded),
		cmocka_unit_test(test_enum_sticky_and_levels),
		cmocka_unit_test(test_share_get_info),
		cmocka_unit_test(test_server_get_info),
		cmocka_unit_test(test_response_fragments),
		cmocka_unit_test(test_request_fragments),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_request_too_big),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_ndr_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
