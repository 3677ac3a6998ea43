/*
 * SMB Direct (MS-SMBD) as a server sees it from an untrusted peer: the
 * wire decoders, the READ/WRITE channel-info planner, and the server-role
 * connection state fed the input's parts as received messages (the first
 * as the negotiate request, the rest as data transfer messages) under a
 * fake clock. Input: a list of parts, each a little-endian 16-bit length
 * followed by that many bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <talloc.h>

#include "rdma/smbdirect_proto.h"
#include "rdma/smbdirect_rw.h"
#include "rdma/smbdirect_wire.h"
#include "smb2/smb2_proto.h"
#include "tests/fuzz/fuzz.h"

static void touch(const uint8_t *p, size_t len)
{
	volatile uint8_t sink = 0;

	for (size_t i = 0; i < len; i++)
		sink ^= p[i];
	(void)sink;
}

static void check_slice_inside(struct wire_slice part, struct wire_slice s)
{
	if (s.len == 0)
		return;
	if (s.p < part.p || s.len > part.len ||
	    (size_t)(s.p - part.p) > part.len - s.len)
		abort();
	touch(s.p, s.len);
}

static void fuzz_wire(struct wire_slice part)
{
	struct smbd_negotiate_req req;
	struct smbd_negotiate_rsp rsp;
	struct smbd_data_hdr hdr;
	struct wire_slice payload;
	struct smbd_buffer_desc descs[SMBD_RW_MAX_DESCRIPTORS];
	size_t n;

	if (NT_STATUS_IS_OK(smbd_negotiate_req_decode(part.p, part.len, &req))) {
		uint8_t buf[SMBD_NEGOTIATE_REQ_SIZE];

		smbd_negotiate_req_encode(buf, &req);
	}
	if (NT_STATUS_IS_OK(smbd_negotiate_rsp_decode(part.p, part.len, &rsp))) {
		uint8_t buf[SMBD_NEGOTIATE_RSP_SIZE];

		smbd_negotiate_rsp_encode(buf, &rsp);
	}
	if (NT_STATUS_IS_OK(smbd_data_decode(part.p, part.len, &hdr, &payload)))
		check_slice_inside(part, payload);
	if (NT_STATUS_IS_OK(smbd_buffer_desc_list_decode(
		    part.p, part.len, descs, SMBD_RW_MAX_DESCRIPTORS, &n))) {
		if (n == 0 || n > SMBD_RW_MAX_DESCRIPTORS)
			abort();
	}
}

/* Every planned byte is accounted for once, within the device limits. */
static void check_plan(const struct smbd_rw_plan *plan,
		       const struct smbd_rw_limits *lim)
{
	struct smbd_rw_sge sges[64];
	uint64_t total = 0;

	for (size_t i = 0; i < plan->num_wrs; i++) {
		const struct smbd_rw_wr *wr = &plan->wrs[i];
		uint64_t sge_total = 0;
		size_t n;

		if (wr->length == 0 || wr->length > lim->max_wr_bytes ||
		    wr->num_sge == 0 || wr->num_sge > lim->max_sge ||
		    wr->local_offset != total)
			abort();
		total += wr->length;
		n = smbd_rw_wr_sges(wr, lim, sges, 64);
		if (n != wr->num_sge)
			abort();
		for (size_t j = 0; j < n; j++)
			sge_total += sges[j].length;
		if (sge_total != wr->length)
			abort();
	}
	if (total != plan->length)
		abort();
}

static void fuzz_plan(struct wire_slice part, unsigned idx)
{
	static const struct smbd_rw_limits limits[] = {
		{ .max_sge = 16, .max_wr_bytes = 1u << 20 },
		{ .max_sge = 2, .max_wr_bytes = 8192, .local_chunk = 4096 },
		{ .max_sge = 1, .max_wr_bytes = 512, .local_chunk = 4096,
		  .max_total = 65536 },
	};
	const struct smbd_rw_limits *lim = &limits[idx % 3];
	uint32_t channel = idx & 1 ? SMB2_CHANNEL_RDMA_V1_INVALIDATE
				   : SMB2_CHANNEL_RDMA_V1;
	struct smbd_buffer_desc descs[SMBD_RW_MAX_DESCRIPTORS];
	uint32_t lengths[3] = { 1, 0, 0 };
	size_t n = 0;

	/* The descriptors' own total makes a plan that can succeed. */
	if (NT_STATUS_IS_OK(smbd_buffer_desc_list_decode(
		    part.p, part.len, descs, SMBD_RW_MAX_DESCRIPTORS, &n))) {
		uint64_t sum = 0;

		for (size_t i = 0; i < n; i++)
			sum += descs[i].length;
		lengths[1] = (uint32_t)sum;
		lengths[2] = (uint32_t)(sum / 2 + 1);
	}
	for (int i = 0; i < 3; i++) {
		void *mem = talloc_new(NULL);
		struct smbd_rw_plan *plan = NULL;

		if (NT_STATUS_IS_OK(smbd_rw_plan_from_channel_info(
			    mem, channel, part.p, part.len, lengths[i], lim,
			    &plan))) {
			if (getenv("USMBD_FUZZ_LOG"))
				fprintf(stderr, "plan: %u bytes in %zu WRs\n",
					plan->length, plan->num_wrs);
			check_plan(plan, lim);
		}
		talloc_free(mem);
	}
}

struct fuzz_conn {
	struct smbd_conn_state st;
	uint64_t now_ms;
};

/* The glue's side: post what is asked, answer what is owed. */
static void glue_act(struct fuzz_conn *c, const struct smbd_actions *act)
{
	struct smbd_actions more = { 0 };
	struct smbd_data_hdr hdr;

	if (act->disconnect != SMBD_DISC_NONE)
		return;
	if (act->post_receives)
		smbd_conn_receives_posted(&c->st, act->post_receives, &more);
	if (act->send_empty || more.send_empty) {
		enum smbd_send_decision d =
			smbd_conn_prepare_send(&c->st, 0, 0, c->now_ms, &hdr);

		if (d == SMBD_SEND_POST_RECEIVE)
			smbd_conn_receives_posted(&c->st, 1, &more);
	}
}

static void fuzz_conn(const uint8_t *data, size_t size)
{
	struct fuzz_conn c = { .now_ms = 1000 };
	struct smbd_config cfg;
	struct smbd_actions act, posted;
	struct smbd_negotiate_rsp rsp;
	struct wire_slice part;

	smbd_config_default(&cfg);
	smbd_conn_init(&c.st, &cfg, c.now_ms, &act);
	smbd_conn_receives_posted(&c.st, act.post_receives, &posted);
	if (!fuzz_next_part(&data, &size, &part))
		return;
	c.now_ms += 5;
	smbd_conn_negotiate(&c.st, part.p, part.len, c.now_ms, &act);
	if (act.post_receives)
		smbd_conn_receives_posted(&c.st, act.post_receives, &posted);
	if (!act.send_negotiate_response)
		return;
	smbd_conn_negotiate_response(&c.st, &rsp, &act);
	if (getenv("USMBD_FUZZ_LOG"))
		fprintf(stderr, "negotiate: status 0x%08x, %u credits\n",
			rsp.status.v, rsp.credits_granted);
	if (act.disconnect != SMBD_DISC_NONE)
		return;

	while (c.st.phase == SMBD_PHASE_ESTABLISHED &&
	       fuzz_next_part(&data, &size, &part)) {
		struct smbd_fragment frag = { 0 };

		/* The clock moves by an amount the input picks, so the
		 * keepalive timer fires on some inputs. */
		c.now_ms += part.len ? part.p[0] * 100u : 1;
		smbd_conn_timer(&c.st, c.now_ms, &act);
		glue_act(&c, &act);
		if (c.st.phase != SMBD_PHASE_ESTABLISHED)
			break;
		smbd_conn_recv(&c.st, part.p, part.len, c.now_ms, &frag, &act);
		if (act.disconnect != SMBD_DISC_NONE)
			break;
		if (getenv("USMBD_FUZZ_LOG"))
			fprintf(stderr, "recv %zu: offset %u of %u%s\n",
				frag.data.len, frag.message_offset,
				frag.message_length,
				act.deliver ? ", deliver" : "");
		check_slice_inside(part, frag.data);
		if (frag.message_offset > frag.message_length ||
		    frag.data.len > frag.message_length - frag.message_offset)
			abort();
		glue_act(&c, &act);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *rest = data;
	size_t rest_size = size;
	struct wire_slice part;
	unsigned idx = 0;

	while (fuzz_next_part(&rest, &rest_size, &part)) {
		uint8_t *copy = fuzz_copy(NULL, part);
		struct wire_slice exact = { .p = copy, .len = part.len };

		fuzz_wire(exact);
		fuzz_plan(exact, idx++);
		talloc_free(copy);
	}
	fuzz_conn(data, size);
	return 0;
}
