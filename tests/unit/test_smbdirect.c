/*
 * SMB Direct protocol half (rdma/): MS-SMBD message codecs, the connection
 * decisions (negotiation, credits, fragmentation, keepalive) under a fake
 * clock, and RDMA work-request plans.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rdma/smbdirect_proto.h"
#include "rdma/smbdirect_rw.h"
#include "rdma/smbdirect_wire.h"
#include "smb2/smb2_proto.h"

#define assert_status(s, expected)                                             \
	assert_int_equal(NT_STATUS_V(s), NT_STATUS_V(expected))

/* MS-SMBD 4.1 step 1: the initiator's negotiate request. */
static const uint8_t example_negotiate_req[SMBD_NEGOTIATE_REQ_SIZE] = {
	0x00, 0x01,		/* MinVersion 0x0100 */
	0x00, 0x01,		/* MaxVersion 0x0100 */
	0x00, 0x00,		/* Reserved */
	0x0a, 0x00,		/* CreditsRequested 10 */
	0x00, 0x04, 0x00, 0x00, /* PreferredSendSize 1 KiB */
	0x00, 0x04, 0x00, 0x00, /* MaxReceiveSize 1 KiB */
	0x00, 0x00, 0x02, 0x00, /* MaxFragmentedSize 128 KiB */
};

/* MS-SMBD 4.1 step 2: the peer's negotiate response. */
static const uint8_t example_negotiate_rsp[SMBD_NEGOTIATE_RSP_SIZE] = {
	0x00, 0x01,		/* MinVersion */
	0x00, 0x01,		/* MaxVersion */
	0x00, 0x01,		/* NegotiatedVersion */
	0x00, 0x00,		/* Reserved */
	0x0a, 0x00,		/* CreditsRequested 10 */
	0x0a, 0x00,		/* CreditsGranted 10 */
	0x00, 0x00, 0x00, 0x00, /* Status STATUS_SUCCESS */
	0x00, 0x00, 0x10, 0x00, /* MaxReadWriteSize 1 MiB */
	0x00, 0x04, 0x00, 0x00, /* PreferredSendSize 1 KiB */
	0x00, 0x04, 0x00, 0x00, /* MaxReceiveSize 1 KiB */
	0x00, 0x00, 0x02, 0x00, /* MaxFragmentedSize 128 KiB */
};

/* ---- wire codecs ---- */

static void test_negotiate_req_example(void **state)
{
	struct smbd_negotiate_req req;
	uint8_t out[SMBD_NEGOTIATE_REQ_SIZE];

	assert_status(smbd_negotiate_req_decode(example_negotiate_req,
						sizeof(example_negotiate_req),
						&req),
		      NT_STATUS_OK);
	assert_int_equal(req.min_version, 0x0100);
	assert_int_equal(req.max_version, 0x0100);
	assert_int_equal(req.credits_requested, 10);
	assert_int_equal(req.preferred_send_size, 1024);
	assert_int_equal(req.max_receive_size, 1024);
	assert_int_equal(req.max_fragmented_size, 128 * 1024);

	memset(out, 0xee, sizeof(out));
	smbd_negotiate_req_encode(out, &req);
	assert_memory_equal(out, example_negotiate_req, sizeof(out));
}

static void test_negotiate_rsp_example(void **state)
{
	struct smbd_negotiate_rsp rsp;
	uint8_t out[SMBD_NEGOTIATE_RSP_SIZE];

	assert_status(smbd_negotiate_rsp_decode(example_negotiate_rsp,
						sizeof(example_negotiate_rsp),
						&rsp),
		      NT_STATUS_OK);
	assert_int_equal(rsp.min_version, 0x0100);
	assert_int_equal(rsp.max_version, 0x0100);
	assert_int_equal(rsp.negotiated_version, 0x0100);
	assert_int_equal(rsp.credits_requested, 10);
	assert_int_equal(rsp.credits_granted, 10);
	assert_status(rsp.status, NT_STATUS_OK);
	assert_int_equal(rsp.max_read_write_size, 1024 * 1024);
	assert_int_equal(rsp.preferred_send_size, 1024);
	assert_int_equal(rsp.max_receive_size, 1024);
	assert_int_equal(rsp.max_fragmented_size, 128 * 1024);

	memset(out, 0xee, sizeof(out));
	smbd_negotiate_rsp_encode(out, &rsp);
	assert_memory_equal(out, example_negotiate_rsp, sizeof(out));
}

static void test_negotiate_status_byte_order(void **state)
{
	struct smbd_negotiate_rsp rsp = { .status = NT_STATUS_NOT_SUPPORTED };
	uint8_t out[SMBD_NEGOTIATE_RSP_SIZE];

	smbd_negotiate_rsp_encode(out, &rsp);
	assert_memory_equal(out + 12, "\xbb\x00\x00\xc0", 4);
}

static void test_negotiate_truncated(void **state)
{
	struct smbd_negotiate_req req;
	struct smbd_negotiate_rsp rsp;
	uint8_t longer[64] = { 0 };

	for (size_t len = 0; len < SMBD_NEGOTIATE_REQ_SIZE; len++)
		assert_status(smbd_negotiate_req_decode(example_negotiate_req,
							len, &req),
			      NT_STATUS_INVALID_PARAMETER);
	for (size_t len = 0; len < SMBD_NEGOTIATE_RSP_SIZE; len++)
		assert_status(smbd_negotiate_rsp_decode(example_negotiate_rsp,
							len, &rsp),
			      NT_STATUS_INVALID_PARAMETER);
	/* MS-SMBD 3.1.5.6 asks for at least 20 bytes; more is accepted */
	memcpy(longer, example_negotiate_req, sizeof(example_negotiate_req));
	assert_status(smbd_negotiate_req_decode(longer, sizeof(longer), &req),
		      NT_STATUS_OK);
	assert_int_equal(req.max_fragmented_size, 128 * 1024);
}

/* MS-SMBD 4.1 step 3 shape: credits 10/10, payload at 0x18. */
static void test_data_message_layout(void **state)
{
	uint8_t msg[24 + 8] = {
		0x0a, 0x00,		/* CreditsRequested 10 */
		0x0a, 0x00,		/* CreditsGranted 10 */
		0x00, 0x00,		/* Flags */
		0x00, 0x00,		/* Reserved */
		0x00, 0x00, 0x00, 0x00, /* RemainingDataLength */
		0x18, 0x00, 0x00, 0x00, /* DataOffset 24 */
		0x08, 0x00, 0x00, 0x00, /* DataLength 8 */
		0x00, 0x00, 0x00, 0x00, /* Padding */
		0xfe, 'S',  'M',  'B',	0x40, 0x00, 0x01, 0x00,
	};
	struct smbd_data_hdr hdr;
	struct wire_slice payload;
	uint8_t out[32];

	assert_status(smbd_data_decode(msg, sizeof(msg), &hdr, &payload),
		      NT_STATUS_OK);
	assert_int_equal(hdr.credits_requested, 10);
	assert_int_equal(hdr.credits_granted, 10);
	assert_int_equal(hdr.flags, 0);
	assert_int_equal(hdr.remaining_data_length, 0);
	assert_int_equal(hdr.data_offset, 24);
	assert_int_equal(hdr.data_length, 8);
	assert_ptr_equal(payload.p, msg + 24);
	assert_int_equal(payload.len, 8);

	memset(out, 0xee, sizeof(out));
	assert_int_equal(smbd_data_hdr_encode(out, sizeof(out), &hdr), 24);
	assert_memory_equal(out, msg, 24);
	assert_int_equal(out[24], 0xee); /* nothing past the header */
	assert_int_equal(smbd_data_hdr_encode(out, 23, &hdr), 0);
}

static void test_data_message_empty(void **state)
{
	const uint8_t msg[SMBD_DATA_HDR_SIZE] = {
		0xff, 0x00,		/* CreditsRequested 255 */
		0x05, 0x00,		/* CreditsGranted 5 */
		0x01, 0x00,		/* Flags RESPONSE_REQUESTED */
		0x34, 0x12,		/* Reserved, ignored */
		0x00, 0x00, 0x00, 0x00, /* RemainingDataLength */
		0x00, 0x00, 0x00, 0x00, /* DataOffset */
		0x00, 0x00, 0x00, 0x00, /* DataLength */
	};
	struct smbd_data_hdr hdr;
	struct wire_slice payload;
	uint8_t out[SMBD_DATA_HDR_SIZE];

	assert_status(smbd_data_decode(msg, sizeof(msg), &hdr, &payload),
		      NT_STATUS_OK);
	assert_int_equal(hdr.credits_requested, 255);
	assert_int_equal(hdr.credits_granted, 5);
	assert_int_equal(hdr.flags, SMBD_FLAG_RESPONSE_REQUESTED);
	assert_int_equal(payload.len, 0);

	assert_int_equal(smbd_data_hdr_encode(out, sizeof(out), &hdr), 20);
	assert_memory_equal(out, msg, 6);
	assert_memory_equal(out + 6, "\0\0", 2); /* Reserved sent as 0 */
	assert_memory_equal(out + 8, msg + 8, 12);
	assert_int_equal(smbd_data_hdr_encode(out, 19, &hdr), 0);
}

static size_t build_data(uint8_t *buf, uint16_t credits_requested,
			 uint16_t credits_granted, uint16_t flags,
			 uint32_t remaining, uint32_t offset, uint32_t length)
{
	struct smbd_data_hdr hdr = {
		.credits_requested = credits_requested,
		.credits_granted = credits_granted,
		.flags = flags,
		.remaining_data_length = remaining,
		.data_offset = offset,
		.data_length = length,
	};
	size_t n = smbd_data_hdr_encode(buf, 64, &hdr);

	return length != 0 ? offset + length : n;
}

static void test_data_message_truncated(void **state)
{
	uint8_t msg[64] = { 0 };
	struct smbd_data_hdr hdr;
	struct wire_slice payload;
	size_t full = build_data(msg, 1, 0, 0, 0, 24, 40);

	assert_int_equal(full, 64);
	for (size_t len = 0; len < full; len++)
		assert_status(smbd_data_decode(msg, len, &hdr, &payload),
			      NT_STATUS_INVALID_PARAMETER);
	assert_status(smbd_data_decode(msg, full, &hdr, &payload),
		      NT_STATUS_OK);
	assert_int_equal(payload.len, 40);
}

static void test_data_message_bad_offsets(void **state)
{
	uint8_t msg[64] = { 0 };
	struct smbd_data_hdr hdr;
	struct wire_slice payload;
	size_t len;

	/* not 8-byte aligned */
	build_data(msg, 1, 0, 0, 0, 28, 8);
	assert_status(smbd_data_decode(msg, 64, &hdr, &payload),
		      NT_STATUS_INVALID_PARAMETER);
	/* aligned but inside the header */
	build_data(msg, 1, 0, 0, 0, 16, 8);
	assert_status(smbd_data_decode(msg, 64, &hdr, &payload),
		      NT_STATUS_INVALID_PARAMETER);
	build_data(msg, 1, 0, 0, 0, 0, 8);
	assert_status(smbd_data_decode(msg, 64, &hdr, &payload),
		      NT_STATUS_INVALID_PARAMETER);
	/* past the end, and offset + length wrapping 32 bits */
	build_data(msg, 1, 0, 0, 0, 24, 41);
	assert_status(smbd_data_decode(msg, 64, &hdr, &payload),
		      NT_STATUS_INVALID_PARAMETER);
	build_data(msg, 1, 0, 0, 0, 0xfffffff8u, 0x10);
	assert_status(smbd_data_decode(msg, 64, &hdr, &payload),
		      NT_STATUS_INVALID_PARAMETER);
	build_data(msg, 1, 0, 0, 0, 24, 0xffffffffu);
	assert_status(smbd_data_decode(msg, 64, &hdr, &payload),
		      NT_STATUS_INVALID_PARAMETER);
	/* 32 is aligned and fits: accepted (padding may be longer) */
	build_data(msg, 1, 0, 0, 0, 32, 32);
	assert_status(smbd_data_decode(msg, 64, &hdr, &payload), NT_STATUS_OK);
	assert_ptr_equal(payload.p, msg + 32);

	/* no payload: offset aligned and inside, nothing remaining */
	len = build_data(msg, 1, 0, 0, 0, 24, 0);
	assert_int_equal(len, 20);
	assert_status(smbd_data_decode(msg, 20, &hdr, &payload),
		      NT_STATUS_INVALID_PARAMETER);
	assert_status(smbd_data_decode(msg, 24, &hdr, &payload), NT_STATUS_OK);
	build_data(msg, 1, 0, 0, 0, 4, 0);
	assert_status(smbd_data_decode(msg, 24, &hdr, &payload),
		      NT_STATUS_INVALID_PARAMETER);
	build_data(msg, 1, 0, 0, 100, 0, 0);
	assert_status(smbd_data_decode(msg, 20, &hdr, &payload),
		      NT_STATUS_INVALID_PARAMETER);
}

static void test_buffer_desc_layout(void **state)
{
	const uint8_t bytes[32] = {
		0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, /* Offset */
		0x78, 0x56, 0x34, 0x12,				/* Token */
		0x00, 0x00, 0x01, 0x00,				/* Length */
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
		0xef, 0xbe, 0xad, 0xde, 0x00, 0x02, 0x00, 0x00,
	};
	struct smbd_buffer_desc d[4];
	uint8_t out[16];
	size_t n = 99;

	assert_status(
		smbd_buffer_desc_list_decode(bytes, sizeof(bytes), d, 4, &n),
		NT_STATUS_OK);
	assert_int_equal(n, 2);
	assert_true(d[0].offset == 0xdcba987654321000ull);
	assert_int_equal(d[0].token, 0x12345678);
	assert_int_equal(d[0].length, 0x10000);
	assert_true(d[1].offset == 0x0102030405060708ull);
	assert_int_equal(d[1].token, 0xdeadbeef);
	assert_int_equal(d[1].length, 512);

	smbd_buffer_desc_encode(out, &d[1]);
	assert_memory_equal(out, bytes + 16, 16);

	/* not a whole number of entries, empty, or over the cap */
	for (size_t len = 0; len < sizeof(bytes); len++) {
		if (len == 16)
			continue;
		assert_status(
			smbd_buffer_desc_list_decode(bytes, len, d, 4, &n),
			NT_STATUS_INVALID_PARAMETER);
		assert_int_equal(n, 0);
	}
	assert_status(smbd_buffer_desc_list_decode(bytes, 16, d, 4, &n),
		      NT_STATUS_OK);
	assert_int_equal(n, 1);
	assert_status(smbd_buffer_desc_list_decode(bytes, 32, d, 1, &n),
		      NT_STATUS_INVALID_PARAMETER);
}

/* ---- connection decisions ---- */

#define T0 1000000u

struct conn_fixture {
	struct smbd_config cfg;
	struct smbd_conn_state st;
	struct smbd_actions act;
	struct smbd_negotiate_rsp rsp;
};

/* Accepts at T0 and negotiates with the MS-SMBD 4.1 example request. */
static void negotiate(struct conn_fixture *f, const uint8_t *req, size_t len,
		      uint32_t post_ok)
{
	smbd_conn_init(&f->st, &f->cfg, T0, &f->act);
	assert_int_equal(f->act.post_receives, 1);
	assert_int_equal(f->act.timer_ms, T0 + f->cfg.negotiate_timeout_ms);
	smbd_conn_receives_posted(&f->st, 1, &f->act);
	smbd_conn_negotiate(&f->st, req, len, T0 + 10, &f->act);
	if (f->act.disconnect != SMBD_DISC_NONE)
		return;
	assert_true(f->act.send_negotiate_response);
	if (f->act.post_receives != 0) {
		uint32_t n = post_ok < f->act.post_receives
				     ? post_ok
				     : f->act.post_receives;
		smbd_conn_receives_posted(&f->st, n, &f->act);
		assert_int_equal(f->act.disconnect, SMBD_DISC_NONE);
	}
	smbd_conn_negotiate_response(&f->st, &f->rsp, &f->act);
}

static void establish(struct conn_fixture *f)
{
	smbd_config_default(&f->cfg);
	negotiate(f, example_negotiate_req, sizeof(example_negotiate_req),
		  UINT32_MAX);
	assert_int_equal(f->act.disconnect, SMBD_DISC_NONE);
	assert_int_equal(f->st.phase, SMBD_PHASE_ESTABLISHED);
}

/* The peer sends one message; returns the actions. */
static void peer_sends(struct conn_fixture *f, uint16_t requested,
		       uint16_t granted, uint16_t flags, uint32_t remaining,
		       uint32_t length, uint64_t now,
		       struct smbd_fragment *frag)
{
	uint8_t msg[1024];
	size_t len;

	memset(msg, 0x5a, sizeof(msg));
	len = build_data(msg, requested, granted, flags, remaining,
			 length ? 24 : 0, length);
	smbd_conn_recv(&f->st, msg, len, now, frag, &f->act);
}

/* Executes the post_receives decision fully. */
static void glue_posts(struct conn_fixture *f)
{
	if (f->act.post_receives != 0)
		smbd_conn_receives_posted(&f->st, f->act.post_receives,
					  &f->act);
}

/* Posts, then sends the empty message asked for, as the glue would. */
static void glue_step(struct conn_fixture *f)
{
	struct smbd_data_hdr hdr;

	glue_posts(f);
	if (f->act.send_empty)
		assert_int_equal(smbd_conn_prepare_send(&f->st, 0, 0, T0, &hdr),
				 SMBD_SEND_OK);
}

static void test_negotiate_success(void **state)
{
	struct conn_fixture f;
	uint8_t out[SMBD_NEGOTIATE_RSP_SIZE];
	const uint8_t expect[SMBD_NEGOTIATE_RSP_SIZE] = {
		0x00, 0x01,		/* MinVersion */
		0x00, 0x01,		/* MaxVersion */
		0x00, 0x01,		/* NegotiatedVersion */
		0x00, 0x00,		/* Reserved */
		0xff, 0x00,		/* CreditsRequested 255 */
		0x0a, 0x00,		/* CreditsGranted 10 */
		0x00, 0x00, 0x00, 0x00, /* Status */
		0x00, 0x00, 0x80, 0x00, /* MaxReadWriteSize 8 MiB */
		0x00, 0x04, 0x00, 0x00, /* PreferredSendSize 1 KiB */
		0x00, 0x04, 0x00, 0x00, /* MaxReceiveSize 1 KiB */
		0x00, 0x00, 0x10, 0x00, /* MaxFragmentedSize 1 MiB */
	};

	establish(&f);
	/* The client asked for 10 credits: 10 receives were posted. */
	assert_int_equal(f.st.recv_posted, 10);
	assert_int_equal(f.st.recv_granted, 10);
	/* Our sends fit the client's 1 KiB receives; we receive no more
	 * than the client prefers to send. */
	assert_int_equal(f.st.max_send_size, 1024);
	assert_int_equal(f.st.max_receive_size, 1024);
	assert_int_equal(f.st.max_fragmented_send_size, 128 * 1024);
	assert_int_equal(f.st.send_credits, 0);
	smbd_negotiate_rsp_encode(out, &f.rsp);
	assert_memory_equal(out, expect, sizeof(expect));
	/* The negotiate deadline is replaced by the idle timer. */
	assert_int_equal(f.act.timer_ms, T0 + 10 + 120000);
}

static void test_negotiate_caps_credits(void **state)
{
	struct conn_fixture f;
	uint8_t req[SMBD_NEGOTIATE_REQ_SIZE];

	memcpy(req, example_negotiate_req, sizeof(req));
	put_le16(req + 6, 1000);
	put_le32(req + 8, 64); /* PreferredSendSize below the minimum */
	smbd_config_default(&f.cfg);
	f.cfg.receive_credit_max = 16;
	negotiate(&f, req, sizeof(req), UINT32_MAX);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
	assert_int_equal(f.rsp.credits_granted, 16);
	assert_int_equal(f.st.max_receive_size, SMBD_MIN_RECEIVE_SIZE);

	/* Only 3 of the 16 receives could be posted: grant just those. */
	negotiate(&f, req, sizeof(req), 3);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
	assert_int_equal(f.rsp.credits_granted, 3);
	assert_int_equal(f.st.recv_posted, 3);
}

static void test_negotiate_no_receives(void **state)
{
	struct conn_fixture f;

	smbd_config_default(&f.cfg);
	negotiate(&f, example_negotiate_req, sizeof(example_negotiate_req), 0);
	assert_status(f.rsp.status, NT_STATUS_INSUFFICIENT_RESOURCES);
	assert_int_equal(f.rsp.credits_granted, 0);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NEGOTIATE_FAILED);
}

static void test_negotiate_bad_version(void **state)
{
	const uint16_t ranges[][2] = {
		{ 0x0200, 0x0300 },
		{ 0x0000, 0x00ff },
		{ 0x0101, 0x0101 },
		{ 0x0200, 0x0100 },
	};
	struct conn_fixture f;
	uint8_t req[SMBD_NEGOTIATE_REQ_SIZE];

	smbd_config_default(&f.cfg);
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		memcpy(req, example_negotiate_req, sizeof(req));
		put_le16(req + 0, ranges[i][0]);
		put_le16(req + 2, ranges[i][1]);
		negotiate(&f, req, sizeof(req), UINT32_MAX);
		assert_status(f.rsp.status, NT_STATUS_NOT_SUPPORTED);
		assert_int_equal(f.rsp.credits_granted, 0);
		assert_int_equal(f.rsp.negotiated_version, 0x0100);
		assert_int_equal(f.act.disconnect, SMBD_DISC_NEGOTIATE_FAILED);
		assert_int_equal(f.st.phase, SMBD_PHASE_DISCONNECTED);
	}
	/* a range around 1.0 is fine */
	memcpy(req, example_negotiate_req, sizeof(req));
	put_le16(req + 0, 0x0001);
	put_le16(req + 2, 0x0300);
	negotiate(&f, req, sizeof(req), UINT32_MAX);
	assert_status(f.rsp.status, NT_STATUS_OK);
}

static void test_negotiate_malformed(void **state)
{
	struct conn_fixture f;
	uint8_t req[SMBD_NEGOTIATE_REQ_SIZE];

	smbd_config_default(&f.cfg);
	for (size_t len = 0; len < sizeof(req); len++) {
		negotiate(&f, example_negotiate_req, len, UINT32_MAX);
		assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);
		assert_false(f.act.send_negotiate_response);
	}
	memcpy(req, example_negotiate_req, sizeof(req));
	put_le16(req + 6, 0); /* CreditsRequested */
	negotiate(&f, req, sizeof(req), UINT32_MAX);
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);

	memcpy(req, example_negotiate_req, sizeof(req));
	put_le32(req + 12, 127); /* MaxReceiveSize */
	negotiate(&f, req, sizeof(req), UINT32_MAX);
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);

	memcpy(req, example_negotiate_req, sizeof(req));
	put_le32(req + 16, 131071); /* MaxFragmentedSize */
	negotiate(&f, req, sizeof(req), UINT32_MAX);
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);
	assert_false(f.act.send_negotiate_response);

	/* the minimums themselves are accepted */
	memcpy(req, example_negotiate_req, sizeof(req));
	put_le32(req + 12, 128);
	put_le32(req + 16, 131072);
	negotiate(&f, req, sizeof(req), UINT32_MAX);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
	assert_int_equal(f.st.max_send_size, 128);
}

static void test_negotiate_deadline(void **state)
{
	struct conn_fixture f;
	struct smbd_fragment frag;

	smbd_config_default(&f.cfg);
	smbd_conn_init(&f.st, &f.cfg, T0, &f.act);
	smbd_conn_receives_posted(&f.st, 1, &f.act);
	smbd_conn_timer(&f.st, T0 + 4999, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
	assert_int_equal(f.act.timer_ms, T0 + 5000);
	smbd_conn_timer(&f.st, T0 + 5000, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NEGOTIATE_TIMEOUT);
	assert_int_equal(f.act.timer_ms, 0);
	/* everything after says disconnected */
	peer_sends(&f, 1, 1, 0, 0, 8, T0 + 5001, &frag);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NEGOTIATE_TIMEOUT);
	smbd_conn_negotiate(&f.st, example_negotiate_req,
			    sizeof(example_negotiate_req), T0 + 5001, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NEGOTIATE_TIMEOUT);

	/* a data message before negotiation is a protocol error */
	smbd_conn_init(&f.st, &f.cfg, T0, &f.act);
	smbd_conn_receives_posted(&f.st, 1, &f.act);
	peer_sends(&f, 1, 1, 0, 0, 8, T0 + 1, &frag);
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);
}

static void test_send_credits_exhaustion(void **state)
{
	struct conn_fixture f;
	struct smbd_fragment frag;
	struct smbd_data_hdr hdr;

	establish(&f);
	/* nothing granted by the client yet: a response has to wait */
	assert_int_equal(smbd_conn_prepare_send(&f.st, 100, 0, T0, &hdr),
			 SMBD_SEND_WAIT_CREDIT);

	/* the client grants 3 and we do not repost (glue declines) */
	peer_sends(&f, 10, 3, 0, 0, 100, T0 + 20, &frag);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
	assert_true(f.act.deliver);
	assert_int_equal(f.act.post_receives, 1);
	smbd_conn_receives_posted(&f.st, 0, &f.act);
	assert_int_equal(f.st.send_credits, 3);

	assert_int_equal(smbd_conn_prepare_send(&f.st, 100, 0, T0, &hdr),
			 SMBD_SEND_OK);
	assert_int_equal(hdr.credits_requested, 255);
	assert_int_equal(hdr.credits_granted, 0);
	assert_int_equal(hdr.flags, 0);
	assert_int_equal(hdr.data_offset, 24);
	assert_int_equal(hdr.data_length, 100);
	/* two left, one after this: ask for a prompt reply */
	assert_int_equal(smbd_conn_prepare_send(&f.st, 100, 0, T0, &hdr),
			 SMBD_SEND_OK);
	assert_int_equal(hdr.flags, SMBD_FLAG_RESPONSE_REQUESTED);
	assert_int_equal(f.st.send_credits, 1);
	/* the last credit is not spent on a message that grants nothing:
	 * a receive must be posted first, and here the pool is empty */
	assert_int_equal(smbd_conn_prepare_send(&f.st, 100, 0, T0, &hdr),
			 SMBD_SEND_POST_RECEIVE);
	assert_int_equal(smbd_conn_prepare_send(&f.st, 100, 0, T0, &hdr),
			 SMBD_SEND_WAIT_CREDIT); /* post still outstanding */
	smbd_conn_receives_posted(&f.st, 0, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
	assert_int_equal(smbd_conn_prepare_send(&f.st, 0, 0, T0, &hdr),
			 SMBD_SEND_NOTHING);
	assert_int_equal(f.st.send_credits, 1);

	/* the client sends again, we repost: now the last credit may carry
	 * the queued message because it grants the new receive */
	peer_sends(&f, 10, 0, 0, 0, 100, T0 + 30, &frag);
	assert_int_equal(f.act.post_receives, 2);
	glue_posts(&f);
	assert_int_equal(smbd_conn_prepare_send(&f.st, 100, 0, T0, &hdr),
			 SMBD_SEND_OK);
	assert_int_equal(hdr.credits_granted, 2);
	assert_int_equal(hdr.flags, SMBD_FLAG_RESPONSE_REQUESTED);
	assert_int_equal(f.st.send_credits, 0);
	/* at zero nothing goes, not even grants */
	peer_sends(&f, 10, 0, 0, 0, 100, T0 + 40, &frag);
	glue_posts(&f);
	assert_int_equal(smbd_conn_prepare_send(&f.st, 0, 0, T0, &hdr),
			 SMBD_SEND_WAIT_CREDIT);

	/* a regrant unblocks */
	peer_sends(&f, 10, 5, 0, 0, 0, T0 + 50, &frag);
	glue_posts(&f);
	assert_int_equal(f.st.send_credits, 5);
	assert_int_equal(smbd_conn_prepare_send(&f.st, 100, 0, T0, &hdr),
			 SMBD_SEND_OK);
	assert_int_equal(hdr.credits_granted, 2);
	assert_int_equal(hdr.flags, 0);
}

static void test_reserve_credit_for_grant(void **state)
{
	struct conn_fixture f;
	struct smbd_fragment frag;
	struct smbd_data_hdr hdr;

	establish(&f);
	peer_sends(&f, 10, 1, 0, 0, 100, T0 + 20, &frag);
	assert_int_equal(f.st.send_credits, 1);
	/* before reposting there is nothing to grant */
	assert_int_equal(smbd_conn_prepare_send(&f.st, 0, 0, T0, &hdr),
			 SMBD_SEND_NOTHING);
	glue_posts(&f);
	/* an empty message granting the reposted receive may use it */
	assert_int_equal(smbd_conn_prepare_send(&f.st, 0, 0, T0, &hdr),
			 SMBD_SEND_OK);
	assert_int_equal(hdr.credits_granted, 1);
	assert_int_equal(hdr.data_length, 0);
	assert_int_equal(hdr.data_offset, 0);
	assert_int_equal(hdr.remaining_data_length, 0);
	assert_int_equal(f.st.send_credits, 0);
	assert_int_equal(f.st.recv_granted, 10);
}

static void test_last_credit_posts_receive(void **state)
{
	struct conn_fixture f;
	struct smbd_fragment frag;
	struct smbd_data_hdr hdr;

	establish(&f);
	/* the client grants one credit; its receive is not reposted, so
	 * everything posted is already granted */
	peer_sends(&f, 10, 1, 0, 0, 100, T0 + 20, &frag);
	smbd_conn_receives_posted(&f.st, 0, &f.act);
	assert_int_equal(f.st.recv_posted, f.st.recv_granted);
	assert_int_equal(smbd_conn_prepare_send(&f.st, 100, 0, T0, &hdr),
			 SMBD_SEND_POST_RECEIVE);
	smbd_conn_receives_posted(&f.st, 1, &f.act);
	assert_int_equal(smbd_conn_prepare_send(&f.st, 100, 0, T0, &hdr),
			 SMBD_SEND_OK);
	assert_int_equal(hdr.credits_granted, 1);
	assert_int_equal(f.st.send_credits, 0);
}

static void test_receive_credits(void **state)
{
	struct conn_fixture f;
	struct smbd_fragment frag;
	struct smbd_data_hdr hdr;

	establish(&f);
	peer_sends(&f, 10, 20, 0, 0, 100, T0 + 20, &frag);
	/* one used, one reposted; the client still holds 9 of its 10 */
	assert_int_equal(f.act.post_receives, 1);
	assert_false(f.act.send_empty);
	glue_posts(&f);
	assert_false(f.act.send_empty);
	assert_int_equal(f.st.recv_posted, 10);
	assert_int_equal(f.st.recv_granted, 9);

	/* the client now wants 4 only: no reposts until below that */
	for (int i = 0; i < 5; i++) {
		peer_sends(&f, 4, 0, 0, 0, 100, T0 + 30, &frag);
		assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
		assert_int_equal(f.act.post_receives, 0);
	}
	assert_int_equal(f.st.recv_posted, 5);
	assert_int_equal(f.st.recv_granted, 4);
	/* grants never exceed what is posted */
	assert_int_equal(smbd_conn_prepare_send(&f.st, 10, 0, T0, &hdr),
			 SMBD_SEND_OK);
	assert_int_equal(hdr.credits_granted, 1);
	assert_int_equal(f.st.recv_granted, f.st.recv_posted);
	assert_int_equal(smbd_conn_prepare_send(&f.st, 10, 0, T0, &hdr),
			 SMBD_SEND_OK);
	assert_int_equal(hdr.credits_granted, 0);

	/* the client spends its credits; we keep 4 posted and, once it is
	 * down to a quarter of its target, grant at once */
	for (int i = 1; i <= 4; i++) {
		peer_sends(&f, 4, 0, 0, 0, 100, T0 + 40, &frag);
		assert_int_equal(f.act.post_receives, i == 1 ? 0 : 1);
		glue_posts(&f);
		assert_int_equal(f.st.recv_posted, 4);
		assert_int_equal(f.act.send_empty, i == 4);
	}
	assert_int_equal(f.st.recv_granted, 1);
	assert_int_equal(smbd_conn_prepare_send(&f.st, 0, 0, T0, &hdr),
			 SMBD_SEND_OK);
	assert_int_equal(hdr.credits_granted, 3);
	assert_int_equal(f.st.recv_granted, 4);

	/* it spends those 4; a fifth message had no credit */
	for (int i = 0; i < 4; i++) {
		peer_sends(&f, 4, 0, 0, 0, 100, T0 + 50, &frag);
		assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
	}
	peer_sends(&f, 4, 0, 0, 0, 100, T0 + 50, &frag);
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);
	assert_int_equal(f.st.phase, SMBD_PHASE_DISCONNECTED);
}

static void test_peer_low_gets_empty_grant(void **state)
{
	struct conn_fixture f;
	struct smbd_fragment frag;
	int sent_empty_at = -1;

	establish(&f); /* client target 10, holds 10 */
	for (int i = 1; i <= 8 && sent_empty_at < 0; i++) {
		peer_sends(&f, 10, 0, 0, 0, 100, T0 + 20, &frag);
		assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
		glue_posts(&f);
		if (f.act.send_empty)
			sent_empty_at = i;
	}
	/* 10 held, 2 left after 8 sends: 2 * 4 <= 10 */
	assert_int_equal(sent_empty_at, 8);
}

static void test_response_requested(void **state)
{
	struct conn_fixture f;
	struct smbd_fragment frag;
	struct smbd_data_hdr hdr;

	establish(&f);
	peer_sends(&f, 10, 10, SMBD_FLAG_RESPONSE_REQUESTED, 0, 0, T0 + 20,
		   &frag);
	assert_true(f.act.send_empty);
	assert_false(f.act.deliver);
	assert_int_equal(frag.data.len, 0);
	smbd_conn_receives_posted(&f.st, 0, &f.act);
	/* the answer goes even with nothing to grant, and does not itself
	 * ask for a response */
	assert_int_equal(smbd_conn_prepare_send(&f.st, 0, 0, T0, &hdr),
			 SMBD_SEND_OK);
	assert_int_equal(hdr.credits_granted, 0);
	assert_int_equal(hdr.flags, 0);
	/* once answered, nothing more is owed */
	assert_int_equal(smbd_conn_prepare_send(&f.st, 0, 0, T0, &hdr),
			 SMBD_SEND_NOTHING);
}

static void test_bad_data_messages_disconnect(void **state)
{
	struct conn_fixture f;
	struct smbd_fragment frag;
	uint8_t big[2048] = { 0 };

	establish(&f);
	peer_sends(&f, 0, 1, 0, 0, 100, T0 + 20, &frag); /* asks 0 credits */
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);

	establish(&f);
	/* larger than the 1 KiB receive size negotiated */
	build_data(big, 10, 1, 0, 0, 24, 1001);
	smbd_conn_recv(&f.st, big, 1025, T0 + 20, &frag, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);

	establish(&f);
	smbd_conn_recv(&f.st, big, 19, T0 + 20, &frag, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);
}

static void test_reassembly_many_fragments(void **state)
{
	struct conn_fixture f;
	struct smbd_fragment frag;
	enum { TOTAL = 5000, PER = 1000 };
	uint8_t message[TOTAL], out[TOTAL];
	uint8_t msg[1024];
	uint32_t sent = 0;
	int delivered = 0;
	bool deliver;

	establish(&f);
	for (size_t i = 0; i < TOTAL; i++)
		message[i] = (uint8_t)(i * 7 + 3);
	memset(out, 0, sizeof(out));
	while (sent < TOTAL) {
		uint32_t len = TOTAL - sent < PER ? TOTAL - sent : PER;
		size_t mlen =
			build_data(msg, 10, 1, 0, TOTAL - sent - len, 24, len);

		memcpy(msg + 24, message + sent, len);
		smbd_conn_recv(&f.st, msg, mlen, T0 + 20, &frag, &f.act);
		assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
		deliver = f.act.deliver;
		glue_step(&f);
		assert_int_equal(frag.first, sent == 0);
		assert_int_equal(frag.message_length, TOTAL);
		assert_int_equal(frag.message_offset, sent);
		assert_int_equal(frag.data.len, len);
		memcpy(out + frag.message_offset, frag.data.p, frag.data.len);
		sent += len;
		if (deliver)
			delivered++;
		assert_int_equal(deliver, sent == TOTAL);
		/* an empty credit message in between changes nothing */
		peer_sends(&f, 10, 1, 0, 0, 0, T0 + 21, &frag);
		assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
		assert_false(f.act.deliver);
		glue_step(&f);
	}
	assert_int_equal(delivered, 1);
	assert_memory_equal(out, message, TOTAL);
	assert_false(f.st.reasm_active);

	/* the next message starts afresh */
	peer_sends(&f, 10, 0, 0, 0, 64, T0 + 30, &frag);
	assert_true(frag.first);
	assert_true(f.act.deliver);
	assert_int_equal(frag.message_length, 64);
}

static void test_reassembly_limits(void **state)
{
	struct conn_fixture f;
	struct smbd_fragment frag;

	/* exactly MaxFragmentedSize (1 MiB) is fine */
	establish(&f);
	peer_sends(&f, 10, 1, 0, 1024 * 1024 - 100, 100, T0 + 20, &frag);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
	assert_int_equal(frag.message_length, 1024 * 1024);
	/* one byte more is not */
	establish(&f);
	peer_sends(&f, 10, 1, 0, 1024 * 1024 - 99, 100, T0 + 20, &frag);
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);
	/* nor a RemainingDataLength that would wrap 32 bits */
	establish(&f);
	peer_sends(&f, 10, 1, 0, 0xffffffffu, 100, T0 + 20, &frag);
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);
}

static void test_reassembly_inconsistent(void **state)
{
	const uint32_t second_remaining[] = { 1000, 801, 799, 0, 0xffffff00u };
	struct conn_fixture f;
	struct smbd_fragment frag;

	for (size_t i = 0;
	     i < sizeof(second_remaining) / sizeof(second_remaining[0]); i++) {
		/* 1000 announced: 100 now, 900 remaining */
		establish(&f);
		peer_sends(&f, 10, 1, 0, 900, 100, T0 + 20, &frag);
		assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
		assert_false(f.act.deliver);
		/* a 100-byte fragment must leave exactly 800 */
		peer_sends(&f, 10, 1, 0, second_remaining[i], 100, T0 + 21,
			   &frag);
		assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);
		assert_int_equal(frag.data.len, 0); /* nothing to copy */
		assert_false(f.act.deliver);
	}
	/* the consistent one passes */
	establish(&f);
	peer_sends(&f, 10, 1, 0, 900, 100, T0 + 20, &frag);
	peer_sends(&f, 10, 1, 0, 800, 100, T0 + 21, &frag);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
	assert_int_equal(frag.message_offset, 100);
}

static void test_keepalive(void **state)
{
	struct conn_fixture f;
	struct smbd_fragment frag;
	struct smbd_data_hdr hdr;
	const uint64_t t = T0 + 10; /* negotiated at */

	establish(&f);
	peer_sends(&f, 10, 10, 0, 0, 0, t, &frag);
	glue_posts(&f);
	assert_int_equal(f.act.timer_ms, t + 120000);

	smbd_conn_timer(&f.st, t + 119999, &f.act);
	assert_false(f.act.send_empty);
	assert_int_equal(f.act.timer_ms, t + 120000);
	smbd_conn_timer(&f.st, t + 120000, &f.act);
	assert_true(f.act.send_empty);
	assert_int_equal(f.act.timer_ms, t + 125000);
	/* the probe asks for a response */
	assert_int_equal(smbd_conn_prepare_send(&f.st, 0, 0, t + 120001, &hdr),
			 SMBD_SEND_OK);
	assert_int_equal(hdr.flags, SMBD_FLAG_RESPONSE_REQUESTED);
	assert_int_equal(f.st.keepalive, SMBD_KEEPALIVE_SENT);
	smbd_conn_timer(&f.st, t + 122000, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
	assert_false(f.act.send_empty);
	assert_int_equal(f.act.timer_ms, t + 125001);

	/* any message answers it and restarts the idle time */
	peer_sends(&f, 10, 0, 0, 0, 0, t + 123000, &frag);
	assert_int_equal(f.act.timer_ms, t + 123000 + 120000);
	assert_int_equal(f.st.keepalive, SMBD_KEEPALIVE_NONE);
	smbd_conn_timer(&f.st, t + 126000, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);

	/* unanswered: disconnect after the timeout */
	smbd_conn_timer(&f.st, t + 243000, &f.act);
	assert_true(f.act.send_empty);
	assert_int_equal(smbd_conn_prepare_send(&f.st, 0, 0, t + 243000, &hdr),
			 SMBD_SEND_OK);
	smbd_conn_timer(&f.st, t + 247999, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
	smbd_conn_timer(&f.st, t + 248000, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_KEEPALIVE_TIMEOUT);
	assert_int_equal(f.st.phase, SMBD_PHASE_DISCONNECTED);
}

static void test_keepalive_without_credit(void **state)
{
	struct conn_fixture f;
	struct smbd_data_hdr hdr;

	establish(&f); /* the client granted nothing */
	smbd_conn_timer(&f.st, T0 + 10 + 120000, &f.act);
	assert_true(f.act.send_empty);
	assert_int_equal(smbd_conn_prepare_send(&f.st, 0, 0, T0, &hdr),
			 SMBD_SEND_WAIT_CREDIT);
	assert_int_equal(f.st.keepalive, SMBD_KEEPALIVE_PENDING);
	smbd_conn_timer(&f.st, T0 + 10 + 125000, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_KEEPALIVE_TIMEOUT);
}

static void test_keepalive_disabled(void **state)
{
	struct conn_fixture f;

	smbd_config_default(&f.cfg);
	f.cfg.keepalive_interval_ms = 0;
	negotiate(&f, example_negotiate_req, sizeof(example_negotiate_req),
		  UINT32_MAX);
	assert_int_equal(f.act.timer_ms, 0);
	smbd_conn_timer(&f.st, UINT64_MAX / 2, &f.act);
	assert_false(f.act.send_empty);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
}

static void test_send_fragmentation(void **state)
{
	struct conn_fixture f;
	struct smbd_send_fragment frag;
	uint32_t sent = 0, n = 0;

	establish(&f); /* max send 1 KiB: 1000 bytes of payload each */
	assert_int_equal(smbd_conn_max_fragment_payload(&f.st), 1000);
	assert_int_equal(smbd_conn_fragment_count(&f.st, 0), 0);
	assert_int_equal(smbd_conn_fragment_count(&f.st, 1), 1);
	assert_int_equal(smbd_conn_fragment_count(&f.st, 1000), 1);
	assert_int_equal(smbd_conn_fragment_count(&f.st, 1001), 2);
	assert_int_equal(smbd_conn_fragment_count(&f.st, 4500), 5);

	while (sent < 4500) {
		assert_status(smbd_conn_next_fragment(&f.st, 4500, sent, &frag),
			      NT_STATUS_OK);
		assert_int_equal(frag.offset, sent);
		assert_int_equal(frag.length, n < 4 ? 1000 : 500);
		assert_int_equal(frag.remaining, 4500 - sent - frag.length);
		sent += frag.length;
		n++;
	}
	assert_int_equal(n, 5);
	assert_status(smbd_conn_next_fragment(&f.st, 4500, 4500, &frag),
		      NT_STATUS_INVALID_PARAMETER);
	assert_status(smbd_conn_next_fragment(&f.st, 0, 0, &frag),
		      NT_STATUS_INVALID_BUFFER_SIZE);
	/* the client reassembles at most 128 KiB */
	assert_status(smbd_conn_next_fragment(&f.st, 128 * 1024, 0, &frag),
		      NT_STATUS_OK);
	assert_status(smbd_conn_next_fragment(&f.st, 128 * 1024 + 1, 0, &frag),
		      NT_STATUS_INVALID_BUFFER_SIZE);
}

/* A fragmented send and our own reassembly agree on RemainingDataLength. */
static void test_fragment_round_trip(void **state)
{
	struct conn_fixture tx, rx;
	struct smbd_send_fragment sf;
	struct smbd_fragment rf;
	struct smbd_data_hdr hdr;
	uint8_t msg[1024];
	uint32_t sent = 0;

	establish(&tx);
	establish(&rx);
	peer_sends(&tx, 10, 10, 0, 0, 0, T0 + 20, &rf); /* credits for tx */
	while (sent < 3500) {
		size_t n;

		assert_status(smbd_conn_next_fragment(&tx.st, 3500, sent, &sf),
			      NT_STATUS_OK);
		assert_int_equal(smbd_conn_prepare_send(&tx.st, sf.length,
							sf.remaining, T0, &hdr),
				 SMBD_SEND_OK);
		n = smbd_data_hdr_encode(msg, sizeof(msg), &hdr);
		memset(msg + n, 0x11, sf.length);
		smbd_conn_recv(&rx.st, msg, n + sf.length, T0 + 30, &rf,
			       &rx.act);
		assert_int_equal(rx.act.disconnect, SMBD_DISC_NONE);
		sent += sf.length;
		assert_int_equal(rx.act.deliver, sent == 3500);
		assert_int_equal(rf.message_offset, sent - sf.length);
		glue_posts(&rx);
	}
}

/* ---- client role ---- */

/* The client with default settings, its negotiate receive posted. */
static void client_start(struct conn_fixture *f)
{
	smbd_config_default(&f->cfg);
	smbd_conn_init_client(&f->st, &f->cfg, T0, &f->act);
	assert_int_equal(f->act.post_receives, 1);
	assert_int_equal(f->act.timer_ms, T0 + f->cfg.negotiate_timeout_ms);
	smbd_conn_receives_posted(&f->st, 1, &f->act);
	assert_int_equal(f->act.disconnect, SMBD_DISC_NONE);
}

static void test_client_negotiate_request(void **state)
{
	struct conn_fixture f;
	struct smbd_negotiate_req req;
	uint8_t out[SMBD_NEGOTIATE_REQ_SIZE];

	/* MS-SMBD 4.1 step 1 is a client asking for 10 credits with 1 KiB
	 * sends and receives and 128 KiB reassembly. */
	smbd_config_default(&f.cfg);
	f.cfg.send_credit_target = 10;
	f.cfg.max_send_size = 1024;
	f.cfg.max_receive_size = 1024;
	f.cfg.max_fragmented_size = 128 * 1024;
	smbd_conn_init_client(&f.st, &f.cfg, T0, &f.act);
	smbd_conn_negotiate_request(&f.st, &req);
	smbd_negotiate_req_encode(out, &req);
	assert_memory_equal(out, example_negotiate_req, sizeof(out));
}

static void test_client_negotiate_response(void **state)
{
	struct conn_fixture f;
	struct smbd_data_hdr hdr;

	client_start(&f);
	smbd_conn_negotiate_response_recv(&f.st, example_negotiate_rsp,
					  sizeof(example_negotiate_rsp),
					  T0 + 5, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_NONE);
	assert_int_equal(f.st.phase, SMBD_PHASE_ESTABLISHED);
	/* MS-SMBD 3.1.5.7: sizes are the smaller of ours and the peer's */
	assert_int_equal(f.st.max_send_size, 1024);
	assert_int_equal(f.st.max_receive_size, 1024);
	assert_int_equal(f.st.max_fragmented_send_size, 128 * 1024);
	assert_int_equal(f.st.max_read_write_size, 1024 * 1024);
	assert_int_equal(f.st.send_credits, 10);
	/* receives for the peer's 10 requested credits, granted at once */
	assert_int_equal(f.act.post_receives, 10);
	smbd_conn_receives_posted(&f.st, 10, &f.act);
	assert_true(f.act.send_empty);
	assert_int_equal(smbd_conn_prepare_send(&f.st, 0, 0, T0 + 6, &hdr),
			 SMBD_SEND_OK);
	assert_int_equal(hdr.credits_granted, 10);
	assert_int_equal(hdr.credits_requested, 255);
	assert_int_equal(f.st.send_credits, 9);
	assert_int_equal(f.act.timer_ms, T0 + 5 + 120000);
}

static void test_client_negotiate_response_rejected(void **state)
{
	static const struct {
		size_t at;
		uint8_t value;
	} bad[] = {
		{ 5, 0x02 },  /* NegotiatedVersion 0x0200 */
		{ 10, 0x00 }, /* CreditsGranted 0 */
		{ 8, 0x00 },  /* CreditsRequested 0 */
		{ 12, 0x0d }, /* Status 0xc000000d */
		{ 22, 0x01 }, /* PreferredSendSize 64 KiB + 1 KiB */
		{ 25, 0x00 }, /* MaxReceiveSize 0 */
		{ 30, 0x01 }, /* MaxFragmentedSize 64 KiB */
	};
	struct conn_fixture f;
	uint8_t rsp[SMBD_NEGOTIATE_RSP_SIZE];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		client_start(&f);
		memcpy(rsp, example_negotiate_rsp, sizeof(rsp));
		rsp[bad[i].at] = bad[i].value;
		if (bad[i].at == 12)
			rsp[15] = 0xc0;
		smbd_conn_negotiate_response_recv(&f.st, rsp, sizeof(rsp),
						  T0 + 1, &f.act);
		assert_int_equal(f.act.disconnect, SMBD_DISC_NEGOTIATE_FAILED);
		assert_int_equal(f.st.phase, SMBD_PHASE_DISCONNECTED);
	}
	/* too short to be a response */
	client_start(&f);
	smbd_conn_negotiate_response_recv(&f.st, example_negotiate_rsp,
					  SMBD_NEGOTIATE_RSP_SIZE - 1, T0 + 1,
					  &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);
	/* the client role takes no negotiate request, the server no
	 * response */
	client_start(&f);
	smbd_conn_negotiate(&f.st, example_negotiate_req,
			    sizeof(example_negotiate_req), T0 + 1, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);
	smbd_config_default(&f.cfg);
	smbd_conn_init(&f.st, &f.cfg, T0, &f.act);
	smbd_conn_receives_posted(&f.st, 1, &f.act);
	smbd_conn_negotiate_response_recv(&f.st, example_negotiate_rsp,
					  sizeof(example_negotiate_rsp),
					  T0 + 1, &f.act);
	assert_int_equal(f.act.disconnect, SMBD_DISC_PROTOCOL);
}

/*
 * A client and a server state machine talking to each other through the
 * codecs: negotiation, the client's first grant, and one request and its
 * response in several fragments each way.
 */
static void test_client_server_exchange(void **state)
{
	struct conn_fixture cl, sv;
	struct smbd_negotiate_req req;
	struct smbd_negotiate_rsp rsp;
	struct smbd_data_hdr hdr;
	struct smbd_fragment frag;
	struct smbd_send_fragment sf;
	uint8_t wire[SMBD_NEGOTIATE_RSP_SIZE], msg[2048];
	uint32_t total = 3000, sent = 0, got = 0;
	size_t len;

	client_start(&cl);
	cl.cfg.max_send_size = 1024; /* fragments of 1000 bytes */
	cl.st.cfg.max_send_size = 1024;
	smbd_config_default(&sv.cfg);
	smbd_conn_init(&sv.st, &sv.cfg, T0, &sv.act);
	smbd_conn_receives_posted(&sv.st, 1, &sv.act);

	smbd_conn_negotiate_request(&cl.st, &req);
	smbd_negotiate_req_encode(wire, &req);
	smbd_conn_negotiate(&sv.st, wire, SMBD_NEGOTIATE_REQ_SIZE, T0,
			    &sv.act);
	smbd_conn_receives_posted(&sv.st, sv.act.post_receives, &sv.act);
	smbd_conn_negotiate_response(&sv.st, &rsp, &sv.act);
	assert_int_equal(sv.act.disconnect, SMBD_DISC_NONE);
	smbd_negotiate_rsp_encode(wire, &rsp);
	smbd_conn_negotiate_response_recv(&cl.st, wire, sizeof(wire), T0,
					  &cl.act);
	assert_int_equal(cl.act.disconnect, SMBD_DISC_NONE);
	assert_int_equal(cl.st.send_credits, 255);
	assert_int_equal(cl.st.max_send_size, 1024);
	smbd_conn_receives_posted(&cl.st, cl.act.post_receives, &cl.act);

	/* a 3000-byte request from the client in three fragments, the
	 * first one granting the server its credits */
	while (sent < total) {
		assert_status(smbd_conn_next_fragment(&cl.st, total, sent, &sf),
			      NT_STATUS_OK);
		assert_int_equal(smbd_conn_prepare_send(&cl.st, sf.length,
							sf.remaining, T0,
							&hdr),
				 SMBD_SEND_OK);
		if (sent == 0)
			assert_int_equal(hdr.credits_granted, 255);
		len = smbd_data_hdr_encode(msg, sizeof(msg), &hdr);
		memset(msg + len, 0x11, sf.length);
		smbd_conn_recv(&sv.st, msg, len + sf.length, T0, &frag,
			       &sv.act);
		assert_int_equal(sv.act.disconnect, SMBD_DISC_NONE);
		assert_int_equal(frag.message_offset, sent);
		got += (uint32_t)frag.data.len;
		sent += sf.length;
		assert_int_equal(sv.act.deliver, sent == total);
		glue_posts(&sv);
	}
	assert_int_equal(got, total);
	assert_int_equal(sv.st.send_credits, 255);

	/* the server's one-fragment response reaches the client */
	assert_int_equal(smbd_conn_prepare_send(&sv.st, 100, 0, T0, &hdr),
			 SMBD_SEND_OK);
	len = smbd_data_hdr_encode(msg, sizeof(msg), &hdr);
	memset(msg + len, 0x22, 100);
	smbd_conn_recv(&cl.st, msg, len + 100, T0, &frag, &cl.act);
	assert_int_equal(cl.act.disconnect, SMBD_DISC_NONE);
	assert_true(cl.act.deliver);
	assert_int_equal(frag.message_length, 100);
	/* the server granted back what our three fragments used */
	assert_int_equal(cl.st.send_credits, 255 - 3 + hdr.credits_granted);
}

/* ---- RDMA work-request plans ---- */

static const struct smbd_rw_limits big_limits = {
	.max_sge = 16,
	.max_wr_bytes = 1u << 30,
};

static void test_rw_single_descriptor(void **state)
{
	const struct smbd_buffer_desc d = { 0x7f0000001000ull, 0xabcd, 65536 };
	struct smbd_rw_plan *plan;

	assert_status(smbd_rw_plan_build(NULL, SMB2_CHANNEL_RDMA_V1, &d, 1,
					 65536, &big_limits, &plan),
		      NT_STATUS_OK);
	assert_int_equal(plan->num_wrs, 1);
	assert_true(plan->wrs[0].remote_addr == 0x7f0000001000ull);
	assert_int_equal(plan->wrs[0].rkey, 0xabcd);
	assert_int_equal(plan->wrs[0].length, 65536);
	assert_int_equal(plan->wrs[0].local_offset, 0);
	assert_int_equal(plan->wrs[0].num_sge, 1);
	assert_int_equal(plan->length, 65536);
	assert_false(plan->invalidate);
	talloc_free(plan);

	/* a shorter read moves only what was read */
	assert_status(smbd_rw_plan_build(NULL, SMB2_CHANNEL_RDMA_V1, &d, 1, 100,
					 &big_limits, &plan),
		      NT_STATUS_OK);
	assert_int_equal(plan->num_wrs, 1);
	assert_int_equal(plan->wrs[0].length, 100);
	talloc_free(plan);
}

static void test_rw_multi_descriptor(void **state)
{
	const struct smbd_buffer_desc d[3] = {
		{ 0x1000, 1, 4096 },
		{ 0x9000, 2, 1000 },
		{ 0x20000, 3, 8192 },
	};
	struct smbd_rw_plan *plan;

	assert_status(smbd_rw_plan_build(NULL, SMB2_CHANNEL_RDMA_V1_INVALIDATE,
					 d, 3, 6000, &big_limits, &plan),
		      NT_STATUS_OK);
	assert_int_equal(plan->num_wrs, 3);
	assert_true(plan->wrs[0].remote_addr == 0x1000);
	assert_int_equal(plan->wrs[0].rkey, 1);
	assert_int_equal(plan->wrs[0].length, 4096);
	assert_int_equal(plan->wrs[0].local_offset, 0);
	assert_true(plan->wrs[1].remote_addr == 0x9000);
	assert_int_equal(plan->wrs[1].rkey, 2);
	assert_int_equal(plan->wrs[1].length, 1000);
	assert_int_equal(plan->wrs[1].local_offset, 4096);
	assert_true(plan->wrs[2].remote_addr == 0x20000);
	assert_int_equal(plan->wrs[2].rkey, 3);
	assert_int_equal(plan->wrs[2].length, 904);
	assert_int_equal(plan->wrs[2].local_offset, 5096);
	/* V1_INVALIDATE: the first descriptor's token */
	assert_true(plan->invalidate);
	assert_int_equal(plan->invalidate_token, 1);
	talloc_free(plan);
}

static void test_rw_size_split(void **state)
{
	const struct smbd_buffer_desc d[2] = {
		{ 0x10000, 7, 10000 },
		{ 0x90000, 8, 4096 },
	};
	const struct smbd_rw_limits lim = { .max_sge = 4,
					    .max_wr_bytes = 4096 };
	struct smbd_rw_plan *plan;

	assert_status(smbd_rw_plan_build(NULL, SMB2_CHANNEL_RDMA_V1, d, 2,
					 14096, &lim, &plan),
		      NT_STATUS_OK);
	assert_int_equal(plan->num_wrs, 4);
	assert_true(plan->wrs[0].remote_addr == 0x10000);
	assert_int_equal(plan->wrs[0].length, 4096);
	assert_true(plan->wrs[1].remote_addr == 0x10000 + 4096);
	assert_int_equal(plan->wrs[1].length, 4096);
	assert_int_equal(plan->wrs[1].local_offset, 4096);
	assert_true(plan->wrs[2].remote_addr == 0x10000 + 8192);
	assert_int_equal(plan->wrs[2].length, 1808);
	assert_int_equal(plan->wrs[2].rkey, 7);
	assert_true(plan->wrs[3].remote_addr == 0x90000);
	assert_int_equal(plan->wrs[3].length, 4096);
	assert_int_equal(plan->wrs[3].local_offset, 10000);
	assert_int_equal(plan->wrs[3].rkey, 8);
	talloc_free(plan);
}

static void test_rw_sge_split(void **state)
{
	/* local buffer in 4 KiB chunks, 2 SGEs per WR: a WR spans at most
	 * two chunks, so it ends at a chunk boundary */
	const struct smbd_buffer_desc d[2] = {
		{ 0x1000, 1, 1000 },
		{ 0x100000, 2, 20000 },
	};
	const struct smbd_rw_limits lim = { .max_sge = 2,
					    .max_wr_bytes = 1u << 20,
					    .local_chunk = 4096 };
	const uint32_t expect_len[] = { 1000, 7192, 8192, 4616 };
	struct smbd_rw_plan *plan;
	struct smbd_rw_sge sge[4];
	uint32_t local = 0;

	assert_status(smbd_rw_plan_build(NULL, SMB2_CHANNEL_RDMA_V1, d, 2,
					 21000, &lim, &plan),
		      NT_STATUS_OK);
	assert_int_equal(plan->num_wrs, 4);
	for (size_t i = 0; i < plan->num_wrs; i++) {
		const struct smbd_rw_wr *wr = &plan->wrs[i];
		size_t n = smbd_rw_wr_sges(wr, &lim, sge, 4);
		uint32_t sum = 0;

		assert_int_equal(wr->length, expect_len[i]);
		assert_int_equal(wr->local_offset, local);
		assert_int_equal(n, wr->num_sge);
		assert_true(n >= 1 && n <= lim.max_sge);
		for (size_t k = 0; k < n; k++) {
			assert_int_equal(sge[k].local_offset, local + sum);
			/* no SGE crosses a chunk */
			assert_int_equal(sge[k].local_offset / 4096,
					 (sge[k].local_offset + sge[k].length -
					  1) / 4096);
			sum += sge[k].length;
		}
		assert_int_equal(sum, wr->length);
		local += wr->length;
	}
	assert_int_equal(plan->wrs[1].num_sge, 2); /* 1000..8191 */
	assert_true(plan->wrs[1].remote_addr == 0x100000);
	assert_true(plan->wrs[2].remote_addr == 0x100000 + 7192);
	talloc_free(plan);
}

static void test_rw_invalid_lists(void **state)
{
	struct smbd_buffer_desc d[SMBD_RW_MAX_DESCRIPTORS + 1];
	struct smbd_rw_limits lim = big_limits;
	struct smbd_rw_plan dummy, *plan;

	for (size_t i = 0; i < SMBD_RW_MAX_DESCRIPTORS + 1; i++)
		d[i] = (struct smbd_buffer_desc){ 0x1000 * (i + 1), 1, 512 };

#define EXPECT_INVALID(channel, n, len)                                        \
	do {                                                                   \
		plan = &dummy;                                                 \
		assert_status(smbd_rw_plan_build(NULL, channel, d, n, len,     \
						 &lim, &plan),                 \
			      NT_STATUS_INVALID_PARAMETER);                    \
		assert_null(plan);                                             \
	} while (0)

	EXPECT_INVALID(SMB2_CHANNEL_RDMA_V1, 0, 0);    /* empty */
	EXPECT_INVALID(SMB2_CHANNEL_RDMA_V1, 17, 512); /* long */
	EXPECT_INVALID(SMB2_CHANNEL_NONE, 1, 512);     /* channel */
	EXPECT_INVALID(3, 1, 512);
	EXPECT_INVALID(SMB2_CHANNEL_RDMA_V1, 2, 1025); /* total too short */

	d[1].length = 0; /* zero-length entry, even if not needed */
	EXPECT_INVALID(SMB2_CHANNEL_RDMA_V1, 2, 100);
	d[1].length = 512;

	d[1].offset = UINT64_MAX - 100; /* wraps */
	EXPECT_INVALID(SMB2_CHANNEL_RDMA_V1, 2, 100);
	d[1].offset = UINT64_MAX - 512; /* ends exactly at the top: fine */
	assert_status(smbd_rw_plan_build(NULL, SMB2_CHANNEL_RDMA_V1, d, 2, 1024,
					 &lim, &plan),
		      NT_STATUS_OK);
	talloc_free(plan);

	/* over 8 MiB in total */
	d[0].length = 8u * 1024 * 1024;
	assert_status(smbd_rw_plan_build(NULL, SMB2_CHANNEL_RDMA_V1, d, 1, 512,
					 &lim, &plan),
		      NT_STATUS_OK);
	talloc_free(plan);
	EXPECT_INVALID(SMB2_CHANNEL_RDMA_V1, 2, 512);
	/* the connection's own MaxReadWriteSize */
	lim.max_total = 1024 * 1024;
	EXPECT_INVALID(SMB2_CHANNEL_RDMA_V1, 1, 512);
	d[0].length = 1024 * 1024;
	assert_status(smbd_rw_plan_build(NULL, SMB2_CHANNEL_RDMA_V1, d, 1, 512,
					 &lim, &plan),
		      NT_STATUS_OK);
	talloc_free(plan);

	/* device limits of zero */
	lim.max_sge = 0;
	EXPECT_INVALID(SMB2_CHANNEL_RDMA_V1, 1, 512);
	lim.max_sge = 1;
	lim.max_wr_bytes = 0;
	EXPECT_INVALID(SMB2_CHANNEL_RDMA_V1, 1, 512);
#undef EXPECT_INVALID
}

static void test_rw_from_channel_info(void **state)
{
	const struct smbd_buffer_desc d[2] = {
		{ 0x123456789000ull, 0x11223344, 3000 },
		{ 0x2000, 0x55667788, 3000 },
	};
	uint8_t info[40] = { 0 };
	struct smbd_rw_plan *plan;

	smbd_buffer_desc_encode(info, &d[0]);
	smbd_buffer_desc_encode(info + 16, &d[1]);
	assert_status(smbd_rw_plan_from_channel_info(
			      NULL, SMB2_CHANNEL_RDMA_V1_INVALIDATE, info, 32,
			      5000, &big_limits, &plan),
		      NT_STATUS_OK);
	assert_int_equal(plan->num_wrs, 2);
	assert_true(plan->wrs[0].remote_addr == 0x123456789000ull);
	assert_int_equal(plan->wrs[1].length, 2000);
	assert_true(plan->invalidate);
	assert_int_equal(plan->invalidate_token, 0x11223344);
	talloc_free(plan);

	for (size_t len = 0; len < sizeof(info); len++) {
		if (len == 16 || len == 32)
			continue;
		assert_status(smbd_rw_plan_from_channel_info(
				      NULL, SMB2_CHANNEL_RDMA_V1, info, len,
				      100, &big_limits, &plan),
			      NT_STATUS_INVALID_PARAMETER);
		assert_null(plan);
	}
	/* one descriptor of 3000 does not cover 5000 */
	assert_status(smbd_rw_plan_from_channel_info(NULL, SMB2_CHANNEL_RDMA_V1,
						     info, 16, 5000,
						     &big_limits, &plan),
		      NT_STATUS_INVALID_PARAMETER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate_req_example),
		cmocka_unit_test(test_negotiate_rsp_example),
		cmocka_unit_test(test_negotiate_status_byte_order),
		cmocka_unit_test(test_negotiate_truncated),
		cmocka_unit_test(test_data_message_layout),
		cmocka_unit_test(test_data_message_empty),
		cmocka_unit_test(test_data_message_truncated),
		cmocka_unit_test(test_data_message_bad_offsets),
		cmocka_unit_test(test_buffer_desc_layout),
		cmocka_unit_test(test_negotiate_success),
		cmocka_unit_test(test_negotiate_caps_credits),
		cmocka_unit_test(test_negotiate_no_receives),
		cmocka_unit_test(test_negotiate_bad_version),
		cmocka_unit_test(test_negotiate_malformed),
		cmocka_unit_test(test_negotiate_deadline),
		cmocka_unit_test(test_send_credits_exhaustion),
		cmocka_unit_test(test_reserve_credit_for_grant),
		cmocka_unit_test(test_last_credit_posts_receive),
		cmocka_unit_test(test_receive_credits),
		cmocka_unit_test(test_peer_low_gets_empty_grant),
		cmocka_unit_test(test_response_requested),
		cmocka_unit_test(test_bad_data_messages_disconnect),
		cmocka_unit_test(test_reassembly_many_fragments),
		cmocka_unit_test(test_reassembly_limits),
		cmocka_unit_test(test_reassembly_inconsistent),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_keepalive_without_credit),
		cmocka_unit_test(test_keepalive_disabled),
		cmocka_unit_test(test_send_fragmentation),
		cmocka_unit_test(test_fragment_round_trip),
		cmocka_unit_test(test_client_negotiate_request),
		cmocka_unit_test(test_client_negotiate_response),
		cmocka_unit_test(test_client_negotiate_response_rejected),
		cmocka_unit_test(test_client_server_exchange),
		cmocka_unit_test(test_rw_single_descriptor),
		cmocka_unit_test(test_rw_multi_descriptor),
		cmocka_unit_test(test_rw_size_split),
		cmocka_unit_test(test_rw_sge_split),
		cmocka_unit_test(test_rw_invalid_lists),
		cmocka_unit_test(test_rw_from_channel_info),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
