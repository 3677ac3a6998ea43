/*
 * SMB Direct connection decisions (MS-SMBD 3.1.5, 3.3.5). See
 * smbdirect_proto.h for how the glue drives them.
 */
#include "rdma/smbdirect_proto.h"

#include <string.h>

/*
 * The peer counts as short of credits when it holds a quarter of what it
 * asked for or less: then grants go out in an empty message instead of
 * waiting for the next response, so a long fragmented request does not
 * stall (MS-SMBD 3.1.5.8 asks for prompt grants).
 */
#define SMBD_PEER_LOW_CREDITS_DIVISOR 4

/* Our own send credits are low at this many left after a send. */
#define SMBD_OWN_LOW_CREDITS 1

/* CreditsGranted is 16 bits; totals beyond it are clamped. */
#define SMBD_CREDITS_CAP UINT16_MAX

void smbd_config_default(struct smbd_config *cfg)
{
	*cfg = (struct smbd_config){
		.receive_credit_max = 255,
		.send_credit_target = 255,
		.max_send_size = 1364,
		.max_receive_size = 8192,
		.max_fragmented_size = 1024 * 1024,
		.max_read_write_size = 8 * 1024 * 1024,
		.negotiate_timeout_ms = 5000,
		.keepalive_interval_ms = 120000,
		.keepalive_timeout_ms = 5000,
	};
}

const char *smbd_disconnect_reason_name(enum smbd_disconnect_reason r)
{
	switch (r) {
	case SMBD_DISC_NONE:
		return "none";
	case SMBD_DISC_PROTOCOL:
		return "protocol error";
	case SMBD_DISC_NEGOTIATE_FAILED:
		return "negotiation failed";
	case SMBD_DISC_NEGOTIATE_TIMEOUT:
		return "negotiate timeout";
	case SMBD_DISC_KEEPALIVE_TIMEOUT:
		return "keepalive timeout";
	case SMBD_DISC_NO_RECEIVES:
		return "no receive buffers";
	}
	return "unknown";
}

static uint64_t next_timer(const struct smbd_conn_state *st)
{
	switch (st->phase) {
	case SMBD_PHASE_NEGOTIATE:
		return st->negotiate_deadline_ms;
	case SMBD_PHASE_ESTABLISHED:
		if (st->keepalive != SMBD_KEEPALIVE_NONE)
			return st->keepalive_deadline_ms;
		if (st->cfg.keepalive_interval_ms == 0)
			return 0;
		return st->last_recv_ms + st->cfg.keepalive_interval_ms;
	case SMBD_PHASE_DISCONNECTED:
		break;
	}
	return 0;
}

static void actions_begin(const struct smbd_conn_state *st,
			  struct smbd_actions *act)
{
	memset(act, 0, sizeof(*act));
	act->disconnect = st->disconnect;
}

static void fail(struct smbd_conn_state *st, struct smbd_actions *act,
		 enum smbd_disconnect_reason reason)
{
	st->phase = SMBD_PHASE_DISCONNECTED;
	st->disconnect = reason;
	memset(act, 0, sizeof(*act));
	act->disconnect = reason;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Receives posted but not yet announced to the peer. */
static uint32_t ungranted(const struct smbd_conn_state *st)
{
	return min_u32(st->recv_posted - st->recv_granted, SMBD_CREDITS_CAP);
}

/* MS-SMBD 3.1.5.9: keep ReceiveCredits at the peer's target, capped. */
static void request_receives(struct smbd_conn_state *st,
			     struct smbd_actions *act)
{
	uint32_t want =
		min_u32(st->recv_credit_target, st->cfg.receive_credit_max);
	uint32_t have = st->recv_posted + st->recv_requested;

	if (have < want) {
		st->recv_requested += want - have;
		act->post_receives = want - have;
	}
}

static bool peer_low_on_credits(const struct smbd_conn_state *st)
{
	return (uint64_t)st->recv_granted * SMBD_PEER_LOW_CREDITS_DIVISOR <=
	       st->recv_credit_target;
}

static void maybe_grant_now(const struct smbd_conn_state *st,
			    struct smbd_actions *act)
{
	if (st->phase == SMBD_PHASE_ESTABLISHED && ungranted(st) > 0 &&
	    peer_low_on_credits(st))
		act->send_empty = true;
}

void smbd_conn_init(struct smbd_conn_state *st, const struct smbd_config *cfg,
		    uint64_t now_ms, struct smbd_actions *act)
{
	memset(st, 0, sizeof(*st));
	st->cfg = *cfg;
	st->phase = SMBD_PHASE_NEGOTIATE;
	st->negotiate_status = NT_STATUS_OK;
	st->max_send_size = cfg->max_send_size;
	st->max_receive_size = cfg->max_receive_size;
	st->negotiate_deadline_ms = now_ms + cfg->negotiate_timeout_ms;
	st->last_recv_ms = now_ms;
	actions_begin(st, act);
	/* One receive for the negotiate request, posted before accepting. */
	st->recv_requested = 1;
	act->post_receives = 1;
	act->timer_ms = next_timer(st);
}

void smbd_conn_receives_posted(struct smbd_conn_state *st, uint32_t n,
			       struct smbd_actions *act)
{
	actions_begin(st, act);
	if (st->phase == SMBD_PHASE_DISCONNECTED)
		return;
	/* What was asked and not posted is given up, not retried later. */
	st->recv_posted += min_u32(n, st->recv_requested);
	st->recv_requested = 0;
	if (st->phase == SMBD_PHASE_ESTABLISHED && st->recv_posted == 0) {
		/* The peer could never send again. */
		fail(st, act, SMBD_DISC_NO_RECEIVES);
		return;
	}
	maybe_grant_now(st, act);
	act->timer_ms = next_timer(st);
}

/*
 * The receive a negotiate message arrived in is consumed; false (and the
 * connection failed) when neither the phase nor the role expects one: the
 * listening side takes requests, the initiator responses.
 */
static bool negotiate_receive(struct smbd_conn_state *st, bool initiator,
			      struct smbd_actions *act)
{
	if (st->phase != SMBD_PHASE_NEGOTIATE || st->recv_posted == 0 ||
	    st->initiator != initiator) {
		fail(st, act, SMBD_DISC_PROTOCOL);
		return false;
	}
	st->recv_posted--;
	return true;
}

/* MS-SMBD 3.1.5.6, 3.1.5.7: what both roles take from the peer's
 * negotiate message. */
static void adopt_peer_limits(struct smbd_conn_state *st,
			      uint16_t credits_requested,
			      uint32_t preferred_send_size,
			      uint32_t max_receive_size,
			      uint32_t max_fragmented_size)
{
	st->max_receive_size =
		min_u32(st->cfg.max_receive_size, preferred_send_size);
	if (st->max_receive_size < SMBD_MIN_RECEIVE_SIZE)
		st->max_receive_size = SMBD_MIN_RECEIVE_SIZE;
	st->max_send_size = min_u32(st->cfg.max_send_size, max_receive_size);
	st->max_fragmented_send_size = max_fragmented_size;
	st->recv_credit_target = (uint16_t)min_u32(credits_requested,
						   st->cfg.receive_credit_max);
}

void smbd_conn_negotiate(struct smbd_conn_state *st, const uint8_t *p,
			 size_t len, uint64_t now_ms, struct smbd_actions *act)
{
	struct smbd_negotiate_req req;

	actions_begin(st, act);
	if (st->phase == SMBD_PHASE_DISCONNECTED)
		return;
	if (!negotiate_receive(st, false, act))
		return;

	/* MS-SMBD 3.1.5.6: too short to be a request: no response at all */
	if (!NT_STATUS_IS_OK(smbd_negotiate_req_decode(p, len, &req))) {
		fail(st, act, SMBD_DISC_PROTOCOL);
		return;
	}
	if (req.min_version > SMBD_VERSION_1 ||
	    req.max_version < SMBD_VERSION_1) {
		st->negotiate_status = NT_STATUS_NOT_SUPPORTED;
		act->send_negotiate_response = true;
		act->timer_ms = next_timer(st);
		return;
	}
	if (req.credits_requested == 0 ||
	    req.max_receive_size < SMBD_MIN_RECEIVE_SIZE ||
	    req.max_fragmented_size < SMBD_MIN_FRAGMENTED_SIZE) {
		fail(st, act, SMBD_DISC_PROTOCOL);
		return;
	}

	adopt_peer_limits(st, req.credits_requested, req.preferred_send_size,
			  req.max_receive_size, req.max_fragmented_size);
	st->last_recv_ms = now_ms;

	request_receives(st, act);
	act->send_negotiate_response = true;
	act->timer_ms = next_timer(st);
}

void smbd_conn_negotiate_response(struct smbd_conn_state *st,
				  struct smbd_negotiate_rsp *rsp,
				  struct smbd_actions *act)
{
	actions_begin(st, act);
	*rsp = (struct smbd_negotiate_rsp){
		.min_version = SMBD_VERSION_1,
		.max_version = SMBD_VERSION_1,
		.negotiated_version = SMBD_VERSION_1,
		.credits_requested = st->cfg.send_credit_target,
		.status = st->negotiate_status,
		.max_read_write_size = st->cfg.max_read_write_size,
		.preferred_send_size = st->max_send_size,
		.max_receive_size = st->max_receive_size,
		.max_fragmented_size = st->cfg.max_fragmented_size,
	};
	if (st->phase != SMBD_PHASE_NEGOTIATE) {
		rsp->status = NT_STATUS_INTERNAL_ERROR;
		fail(st, act, SMBD_DISC_PROTOCOL);
		return;
	}
	/* MS-SMBD 3.1.5.6: no receive credits means no connection */
	if (NT_STATUS_IS_OK(rsp->status) && st->recv_posted == 0)
		rsp->status = NT_STATUS_INSUFFICIENT_RESOURCES;
	if (!NT_STATUS_IS_OK(rsp->status)) {
		rsp->credits_requested = 0;
		fail(st, act, SMBD_DISC_NEGOTIATE_FAILED);
		return;
	}
	rsp->credits_granted = (uint16_t)ungranted(st);
	st->recv_granted += rsp->credits_granted;
	st->phase = SMBD_PHASE_ESTABLISHED;
	act->timer_ms = next_timer(st);
}

/*
 * Places the payload of one received message in the upper-layer message
 * (MS-SMBD 3.1.5.8): the first fragment fixes the total length, every
 * following one must account for exactly what is left.
 */
static bool reassemble(struct smbd_conn_state *st,
		       const struct smbd_data_hdr *hdr,
		       struct smbd_fragment *frag, struct smbd_actions *act)
{
	uint64_t total;

	if (frag->data.len == 0)
		return true; /* credits or keepalive only */
	if (!st->reasm_active) {
		total = (uint64_t)hdr->data_length + hdr->remaining_data_length;
		if (total > st->cfg.max_fragmented_size)
			return false;
		st->reasm_total = (uint32_t)total;
		st->reasm_have = 0;
		frag->first = true;
	} else {
		total = (uint64_t)st->reasm_have + hdr->data_length +
			hdr->remaining_data_length;
		if (total != st->reasm_total)
			return false;
	}
	frag->message_length = st->reasm_total;
	frag->message_offset = st->reasm_have;
	st->reasm_have += hdr->data_length;
	st->reasm_active = hdr->remaining_data_length != 0;
	act->deliver = !st->reasm_active;
	return true;
}

void smbd_conn_recv(struct smbd_conn_state *st, const uint8_t *p, size_t len,
		    uint64_t now_ms, struct smbd_fragment *frag,
		    struct smbd_actions *act)
{
	struct smbd_data_hdr hdr;
	uint32_t credits;

	actions_begin(st, act);
	memset(frag, 0, sizeof(*frag));
	if (st->phase != SMBD_PHASE_ESTABLISHED) {
		if (st->phase != SMBD_PHASE_DISCONNECTED)
			fail(st, act, SMBD_DISC_PROTOCOL);
		return;
	}
	/* A message arriving on a receive the peer held no credit for. */
	if (st->recv_granted == 0 || st->recv_posted == 0) {
		fail(st, act, SMBD_DISC_PROTOCOL);
		return;
	}
	st->recv_posted--;
	st->recv_granted--;

	if (len > st->max_receive_size ||
	    !NT_STATUS_IS_OK(smbd_data_decode(p, len, &hdr, &frag->data)) ||
	    hdr.credits_requested == 0 || !reassemble(st, &hdr, frag, act)) {
		memset(frag, 0, sizeof(*frag)); /* nothing to copy */
		fail(st, act, SMBD_DISC_PROTOCOL);
		return;
	}

	st->recv_credit_target = (uint16_t)min_u32(hdr.credits_requested,
						   st->cfg.receive_credit_max);
	credits = st->send_credits + hdr.credits_granted;
	st->send_credits = min_u32(credits, SMBD_CREDITS_CAP);

	/* Any message answers a keepalive probe and restarts the idle time. */
	st->last_recv_ms = now_ms;
	st->keepalive = SMBD_KEEPALIVE_NONE;
	st->keepalive_deadline_ms = 0;

	if (hdr.flags & SMBD_FLAG_RESPONSE_REQUESTED) {
		st->send_immediate = true;
		act->send_empty = true;
	}
	request_receives(st, act);
	maybe_grant_now(st, act);
	act->timer_ms = next_timer(st);
}

enum smbd_send_decision smbd_conn_prepare_send(struct smbd_conn_state *st,
					       uint32_t data_length,
					       uint32_t remaining,
					       uint64_t now_ms,
					       struct smbd_data_hdr *hdr)
{
	uint32_t grant;
	uint16_t flags = 0;

	if (st->phase != SMBD_PHASE_ESTABLISHED)
		return SMBD_SEND_NOTHING;
	grant = ungranted(st);
	if (data_length == 0 && grant == 0 && !st->send_immediate &&
	    st->keepalive != SMBD_KEEPALIVE_PENDING)
		return SMBD_SEND_NOTHING;
	/*
	 * MS-SMBD 3.1.5.1: the last credit only goes with a message that
	 * grants credits; otherwise the peer could be left unable to give
	 * us more and both sides would wait forever.
	 */
	if (st->send_credits == 0)
		return SMBD_SEND_WAIT_CREDIT;
	if (st->send_credits == 1 && grant == 0) {
		/* MS-SMBD 3.1.5.9: post a receive so there is one to grant */
		if (st->recv_requested != 0 ||
		    st->recv_posted > st->cfg.receive_credit_max)
			return SMBD_SEND_WAIT_CREDIT;
		st->recv_requested = 1;
		return SMBD_SEND_POST_RECEIVE;
	}

	st->send_credits--;
	st->recv_granted += grant;
	st->send_immediate = false;
	if (st->keepalive == SMBD_KEEPALIVE_PENDING) {
		flags |= SMBD_FLAG_RESPONSE_REQUESTED;
		st->keepalive = SMBD_KEEPALIVE_SENT;
		st->keepalive_deadline_ms =
			now_ms + st->cfg.keepalive_timeout_ms;
	} else if (st->send_credits <= SMBD_OWN_LOW_CREDITS) {
		/* Ask for a prompt reply: it carries the grants we need. */
		flags |= SMBD_FLAG_RESPONSE_REQUESTED;
	}

	*hdr = (struct smbd_data_hdr){
		.credits_requested = st->cfg.send_credit_target,
		.credits_granted = (uint16_t)grant,
		.flags = flags,
		.remaining_data_length = data_length != 0 ? remaining : 0,
		.data_offset = data_length != 0 ? SMBD_DATA_PAYLOAD_OFFSET : 0,
		.data_length = data_length,
	};
	return SMBD_SEND_OK;
}

void smbd_conn_timer(struct smbd_conn_state *st, uint64_t now_ms,
		     struct smbd_actions *act)
{
	actions_begin(st, act);
	switch (st->phase) {
	case SMBD_PHASE_DISCONNECTED:
		return;
	case SMBD_PHASE_NEGOTIATE:
		if (now_ms >= st->negotiate_deadline_ms) {
			fail(st, act, SMBD_DISC_NEGOTIATE_TIMEOUT);
			return;
		}
		break;
	case SMBD_PHASE_ESTABLISHED:
		/* MS-SMBD 3.1.6.2 Idle Connection Timer */
		if (st->keepalive != SMBD_KEEPALIVE_NONE) {
			if (now_ms >= st->keepalive_deadline_ms) {
				fail(st, act, SMBD_DISC_KEEPALIVE_TIMEOUT);
				return;
			}
		} else if (st->cfg.keepalive_interval_ms != 0 &&
			   now_ms >= st->last_recv_ms +
					     st->cfg.keepalive_interval_ms) {
			/* Probe; the deadline also covers waiting for a
			 * credit to send it with. */
			st->keepalive = SMBD_KEEPALIVE_PENDING;
			st->keepalive_deadline_ms =
				now_ms + st->cfg.keepalive_timeout_ms;
			act->send_empty = true;
		}
		break;
	}
	act->timer_ms = next_timer(st);
}

uint32_t smbd_conn_max_fragment_payload(const struct smbd_conn_state *st)
{
	if (st->max_send_size <= SMBD_DATA_PAYLOAD_OFFSET)
		return 0;
	return st->max_send_size - SMBD_DATA_PAYLOAD_OFFSET;
}

uint32_t smbd_conn_fragment_count(const struct smbd_conn_state *st,
				  uint32_t total)
{
	uint32_t per = smbd_conn_max_fragment_payload(st);

	if (per == 0 || total == 0)
		return 0;
	return (uint32_t)(((uint64_t)total + per - 1) / per);
}

NTSTATUS smbd_conn_next_fragment(const struct smbd_conn_state *st,
				 uint32_t total, uint32_t sent,
				 struct smbd_send_fragment *frag)
{
	uint32_t per = smbd_conn_max_fragment_payload(st);

	if (total == 0 || total > st->max_fragmented_send_size || per == 0)
		return NT_STATUS_INVALID_BUFFER_SIZE;
	if (sent >= total)
		return NT_STATUS_INVALID_PARAMETER;
	frag->offset = sent;
	frag->length = min_u32(per, total - sent);
	frag->remaining = total - sent - frag->length;
	return NT_STATUS_OK;
}

/* ---- client role ---- */

void smbd_conn_init_client(struct smbd_conn_state *st,
			   const struct smbd_config *cfg, uint64_t now_ms,
			   struct smbd_actions *act)
{
	/* the same start as the listening side: one receive, a deadline */
	smbd_conn_init(st, cfg, now_ms, act);
	st->initiator = true;
}

void smbd_conn_negotiate_request(const struct smbd_conn_state *st,
				 struct smbd_negotiate_req *req)
{
	*req = (struct smbd_negotiate_req){
		.min_version = SMBD_VERSION_1,
		.max_version = SMBD_VERSION_1,
		.credits_requested = st->cfg.send_credit_target,
		.preferred_send_size = st->cfg.max_send_size,
		.max_receive_size = st->cfg.max_receive_size,
		.max_fragmented_size = st->cfg.max_fragmented_size,
	};
}

/* MS-SMBD 3.1.5.7: the checks a response must pass. */
static bool negotiate_response_acceptable(const struct smbd_conn_state *st,
					  const struct smbd_negotiate_rsp *r)
{
	return NT_STATUS_IS_OK(r->status) &&
	       r->negotiated_version == SMBD_VERSION_1 &&
	       r->max_receive_size >= SMBD_MIN_RECEIVE_SIZE &&
	       r->max_fragmented_size >= SMBD_MIN_FRAGMENTED_SIZE &&
	       r->credits_granted > 0 && r->credits_requested > 0 &&
	       r->preferred_send_size <= st->cfg.max_receive_size;
}

void smbd_conn_negotiate_response_recv(struct smbd_conn_state *st,
				       const uint8_t *p, size_t len,
				       uint64_t now_ms,
				       struct smbd_actions *act)
{
	struct smbd_negotiate_rsp rsp;

	actions_begin(st, act);
	if (st->phase == SMBD_PHASE_DISCONNECTED)
		return;
	if (!negotiate_receive(st, true, act))
		return;
	if (!NT_STATUS_IS_OK(smbd_negotiate_rsp_decode(p, len, &rsp))) {
		fail(st, act, SMBD_DISC_PROTOCOL);
		return;
	}
	if (!negotiate_response_acceptable(st, &rsp)) {
		fail(st, act, SMBD_DISC_NEGOTIATE_FAILED);
		return;
	}
	adopt_peer_limits(st, rsp.credits_requested, rsp.preferred_send_size,
			  rsp.max_receive_size, rsp.max_fragmented_size);
	st->max_read_write_size = min_u32(st->cfg.max_read_write_size,
					  rsp.max_read_write_size);
	st->send_credits = rsp.credits_granted;
	st->last_recv_ms = now_ms;
	st->phase = SMBD_PHASE_ESTABLISHED;
	/* the peer holds no credits yet: post receives and grant them */
	request_receives(st, act);
	maybe_grant_now(st, act);
	act->timer_ms = next_timer(st);
}
