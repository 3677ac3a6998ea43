/*
 * One SMB Direct connection over an RC queue pair (MS-SMBD 3.1, 3.3).
 *
 * Events come from two file descriptors in the tevent loop: the
 * connection's own rdma_cm event channel (the id is migrated off the
 * listener's) and its completion channel. A completion event is handled
 * the usual way: take the event, re-arm, then poll the CQ until it is
 * empty, so nothing that completes meanwhile is missed; events are acked
 * in batches. Receives land in one registered region of fixed-size
 * buffers, sends are copied into another: SMB Direct messages are small
 * (the peer's receive size), bulk data goes by RDMA READ/WRITE
 * (rdma_io.c). Every decision about credits, fragments and keepalives is
 * smbdirect_proto's; this file executes its actions.
 *
 * Teardown runs from the loop: the upper layer goes first (it may still
 * free buffers and requests), then the QP (after which the device touches
 * no memory of ours), the CQ, the buffers, and last the shared resources
 * (rdma_pool.c), which wait for registered buffers still out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "conf/log.h"
#include "rdma/rdma_internal.h"

/* Send queue entries kept for RDMA READ/WRITE work requests. */
#define SMBD_RW_SLOTS 64
/* Completions taken per ibv_poll_cq call, and events acked at once. */
#define SMBD_POLL_BATCH 16
#define SMBD_ACK_BATCH 32

static void pump_sends(struct smbd_vconn *c);
static void conn_actions(struct smbd_vconn *c, const struct smbd_actions *in);
static void negotiate_response_received(struct smbd_vconn *c,
					struct smbd_recvbuf *rb, uint32_t len);
static void send_negotiate_request(struct smbd_vconn *c);

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* ---- teardown ---- */

static void free_now(struct tevent_context *ev, struct tevent_immediate *im,
		     void *private_data)
{
	talloc_free(private_data);
}

void smbd_disconnect(struct smbd_vconn *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	c->why = talloc_strdup(c, why);
	/* moves the QP to the error state: what is posted gets flushed */
	rdma_disconnect(c->res->id);
	tevent_schedule_immediate(c->free_im, c->ev, free_now, c);
}

static void log_close(const struct smbd_vconn *c)
{
	const struct smbd_counters *k = &c->counters;

	LOG_INFO("%s: SMB Direct connection on %s closed (%s): rdma read "
		 "%llu bytes, rdma write %llu bytes, inline sent %llu bytes "
		 "in %llu messages, received %llu bytes in %llu; credits "
		 "granted %llu, received %llu, used %llu, waits %llu; "
		 "invalidations %llu",
		 c->peer, c->dev, c->why ? c->why : "shutdown",
		 (unsigned long long)k->rdma_read_bytes,
		 (unsigned long long)k->rdma_write_bytes,
		 (unsigned long long)k->inline_send_bytes,
		 (unsigned long long)k->sends,
		 (unsigned long long)k->inline_recv_bytes,
		 (unsigned long long)k->recvs,
		 (unsigned long long)k->credits_granted,
		 (unsigned long long)k->credits_received,
		 (unsigned long long)k->credits_used,
		 (unsigned long long)k->credit_waits,
		 (unsigned long long)k->invalidations);
}

static int vconn_destructor(struct smbd_vconn *c)
{
	c->dead = true;
	if (c->upper != NULL) {
		void *upper = c->upper;

		c->upper = NULL;
		c->ops->closed(upper, c->why ? c->why : "shutdown");
	}
	if (c->established)
		log_close(c);
	TALLOC_FREE(c->timer);
	TALLOC_FREE(c->cq_fde);
	TALLOC_FREE(c->cm_fde);
	if (c->qp != NULL) {
		rdma_destroy_qp(c->res->id);
		c->qp = NULL;
	}
	smbd_rw_abort_all(c);
	if (c->cq != NULL) {
		if (c->cq_unacked > 0)
			ibv_ack_cq_events(c->cq, c->cq_unacked);
		ibv_destroy_cq(c->cq);
	}
	if (c->comp_ch != NULL)
		ibv_destroy_comp_channel(c->comp_ch);
	if (c->recv_mr != NULL)
		ibv_dereg_mr(c->recv_mr);
	if (c->send_mr != NULL)
		ibv_dereg_mr(c->send_mr);
	free(c->recv_mem);
	free(c->send_mem);
	smbd_res_unref(c->res);
	return 0;
}

/* ---- timer ---- */

static void timer_fired(struct tevent_context *ev, struct tevent_timer *te,
			struct timeval tv, void *private_data)
{
	struct smbd_vconn *c = private_data;
	struct smbd_actions act;

	c->timer = NULL;
	c->timer_ms = 0;
	smbd_conn_timer(&c->st, smbd_now_ms(), &act);
	conn_actions(c, &act);
}

static void arm_timer(struct smbd_vconn *c, uint64_t at_ms)
{
	uint64_t now, delay;

	if (at_ms == c->timer_ms && (c->timer != NULL || at_ms == 0))
		return;
	TALLOC_FREE(c->timer);
	c->timer_ms = at_ms;
	if (at_ms == 0 || c->dead)
		return;
	now = smbd_now_ms();
	delay = at_ms > now ? at_ms - now : 0;
	c->timer = tevent_add_timer(
		c->ev, c,
		tevent_timeval_current_ofs((uint32_t)(delay / 1000),
					   (uint32_t)(delay % 1000) * 1000),
		timer_fired, c);
}

/* ---- receives ---- */

static uint32_t post_receives(struct smbd_vconn *c, uint32_t n)
{
	uint32_t done = 0;

	while (done < n && c->recv_free != NULL && !c->dead) {
		struct smbd_recvbuf *rb = c->recv_free;
		struct ibv_sge sge = {
			.addr = (uintptr_t)rb->data,
			.length = c->recv_size,
			.lkey = c->recv_mr->lkey,
		};
		struct ibv_recv_wr wr = {
			.wr_id = (uintptr_t)rb,
			.sg_list = &sge,
			.num_sge = 1,
		};
		struct ibv_recv_wr *bad;

		if (ibv_post_recv(c->qp, &wr, &bad) != 0)
			break;
		c->recv_free = rb->next;
		done++;
	}
	return done;
}

static void recvbuf_put(struct smbd_vconn *c, struct smbd_recvbuf *rb)
{
	rb->next = c->recv_free;
	c->recv_free = rb;
}

/* Creates the upper layer's side once the connection is up: at the
 * ESTABLISHED event, or at the first message if that comes first. */
static bool ensure_upper(struct smbd_vconn *c)
{
	if (c->upper != NULL)
		return true;
	if (c->dead)
		return false;
	c->established = true;
	c->upper = c->ops->accepted(c->listen_priv, c, c, c->peer);
	if (c->upper == NULL) {
		smbd_disconnect(c, "refused by the server");
		return false;
	}
	return true;
}

/* A data transfer message: its payload goes into the message being
 * reassembled, which is delivered when complete. */
static void recv_data(struct smbd_vconn *c, struct smbd_recvbuf *rb,
		      uint32_t len)
{
	struct smbd_fragment frag;
	struct smbd_actions act;
	uint32_t credits_before = c->st.send_credits;
	uint8_t *msg = NULL;
	size_t msg_len = 0;

	smbd_conn_recv(&c->st, rb->data, len, smbd_now_ms(), &frag, &act);
	if (act.disconnect == SMBD_DISC_NONE) {
		c->counters.recvs++;
		if (c->st.send_credits > credits_before)
			c->counters.credits_received +=
				c->st.send_credits - credits_before;
		if (frag.first) {
			TALLOC_FREE(c->reasm);
			c->reasm = talloc_array(c, uint8_t,
						frag.message_length);
		}
		if (frag.data.len > 0 && c->reasm == NULL) {
			recvbuf_put(c, rb);
			smbd_disconnect(c, "out of memory");
			return;
		}
		if (frag.data.len > 0) {
			/* smbdirect_proto placed it inside message_length */
			memcpy(c->reasm + frag.message_offset, frag.data.p,
			       frag.data.len);
			c->counters.inline_recv_bytes += frag.data.len;
		}
		if (act.deliver) {
			msg = c->reasm;
			msg_len = frag.message_length;
			c->reasm = NULL;
		}
	}
	recvbuf_put(c, rb);
	conn_actions(c, &act);
	if (msg == NULL)
		return;
	if (c->dead || !ensure_upper(c)) {
		talloc_free(msg);
		return;
	}
	c->ops->recv(c->upper, msg, msg_len);
}

static void recv_done(struct smbd_vconn *c, struct smbd_recvbuf *rb,
		      const struct ibv_wc *wc)
{
	struct smbd_actions act;

	if (wc->status != IBV_WC_SUCCESS || c->dead) {
		recvbuf_put(c, rb);
		if (wc->status != IBV_WC_SUCCESS &&
		    wc->status != IBV_WC_WR_FLUSH_ERR)
			LOG_INFO("%s: SMB Direct receive failed: %s", c->peer,
				 ibv_wc_status_str(wc->status));
		smbd_disconnect(c, "receive failed");
		return;
	}
	if (c->st.phase != SMBD_PHASE_NEGOTIATE) {
		recv_data(c, rb, wc->byte_len);
		return;
	}
	if (c->st.initiator) {
		negotiate_response_received(c, rb, wc->byte_len);
		return;
	}
	smbd_conn_negotiate(&c->st, rb->data, wc->byte_len, smbd_now_ms(),
			    &act);
	recvbuf_put(c, rb);
	conn_actions(c, &act);
}

/* ---- sends ---- */

static int post_send_buf(struct smbd_vconn *c, struct smbd_sendbuf *sb,
			 uint32_t len, bool invalidate, uint32_t token)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)sb->data,
		.length = len,
		.lkey = c->send_mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = (uintptr_t)sb,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = invalidate ? IBV_WR_SEND_WITH_INV : IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	};
	struct ibv_send_wr *bad;
	int rc;

	if (invalidate) {
		wr.invalidate_rkey = token;
		/* libsiw takes the STag to invalidate from here */
		wr.wr.rdma.rkey = token;
	}
	c->send_free = sb->next;
	rc = ibv_post_send(c->qp, &wr, &bad);
	if (rc != 0) {
		sb->next = c->send_free;
		c->send_free = sb;
		return -rc;
	}
	return 0;
}

/* MS-SMBD 3.1.5.6: the negotiate response, granting what is posted. */
static void send_negotiate_response(struct smbd_vconn *c)
{
	struct smbd_negotiate_rsp rsp;
	struct smbd_actions act;
	struct smbd_sendbuf *sb = c->send_free;

	smbd_conn_negotiate_response(&c->st, &rsp, &act);
	if (sb == NULL) {
		smbd_disconnect(c, "no send buffer for the negotiate response");
		return;
	}
	smbd_negotiate_rsp_encode(sb->data, &rsp);
	sb->last_of_conn = act.disconnect != SMBD_DISC_NONE;
	if (post_send_buf(c, sb, SMBD_NEGOTIATE_RSP_SIZE, false, 0) != 0) {
		smbd_disconnect(c, "posting the negotiate response failed");
		return;
	}
	c->counters.credits_granted += rsp.credits_granted;
	if (act.disconnect != SMBD_DISC_NONE) {
		LOG_INFO("%s: SMB Direct negotiation failed (status 0x%08x)",
			 c->peer, NT_STATUS_V(rsp.status));
		return; /* the send completion disconnects */
	}
	LOG_DBG("%s: SMB Direct negotiated: send %u, receive %u, peer "
		"reassembles %u, %u credits granted",
		c->peer, c->st.max_send_size, c->st.max_receive_size,
		c->st.max_fragmented_send_size, rsp.credits_granted);
	arm_timer(c, act.timer_ms);
}

/* Copies the next len bytes of the queued message. */
static void copy_from_msg(struct smbd_outmsg *m, uint8_t *dst, uint32_t len)
{
	while (len > 0 && m->cur_iov < m->iovcnt) {
		const struct iovec *v = &m->iov[m->cur_iov];
		size_t n = v->iov_len - m->cur_off;

		if (n == 0) {
			m->cur_iov++;
			m->cur_off = 0;
			continue;
		}
		if (n > len)
			n = len;
		memcpy(dst, (const uint8_t *)v->iov_base + m->cur_off, n);
		dst += n;
		len -= (uint32_t)n;
		m->cur_off += n;
	}
}

/* Asks the protocol whether the next message may go; false: stop. */
static bool may_send(struct smbd_vconn *c,
		     const struct smbd_send_fragment *frag,
		     struct smbd_data_hdr *hdr)
{
	struct smbd_actions act;

	for (;;) {
		switch (smbd_conn_prepare_send(&c->st, frag->length,
					       frag->remaining, smbd_now_ms(),
					       hdr)) {
		case SMBD_SEND_OK:
			c->waiting_credit = false;
			return true;
		case SMBD_SEND_NOTHING:
			c->want_empty = false;
			return false;
		case SMBD_SEND_WAIT_CREDIT:
			if (!c->waiting_credit)
				c->counters.credit_waits++;
			c->waiting_credit = true;
			return false;
		case SMBD_SEND_POST_RECEIVE:
			break;
		}
		uint32_t n = post_receives(c, 1);

		smbd_conn_receives_posted(&c->st, n, &act);
		if (act.disconnect != SMBD_DISC_NONE) {
			smbd_disconnect(c, smbd_disconnect_reason_name(
						   act.disconnect));
			return false;
		}
		if (n == 0)
			return false;
	}
}

/* Sends queued messages (and owed empty ones) while buffers and credits
 * allow; send completions and credit grants call it again. */
static void pump_sends(struct smbd_vconn *c)
{
	while (!c->dead && c->st.phase == SMBD_PHASE_ESTABLISHED) {
		struct smbd_outmsg *m = c->sq_head;
		struct smbd_send_fragment frag = { 0 };
		struct smbd_data_hdr hdr;
		struct smbd_sendbuf *sb = c->send_free;
		bool last, inv;
		size_t hlen;

		if ((m == NULL && !c->want_empty) || sb == NULL)
			return;
		if (m != NULL &&
		    !NT_STATUS_IS_OK(smbd_conn_next_fragment(&c->st, m->total,
							     m->sent, &frag))) {
			smbd_disconnect(c, "message too large for the peer");
			return;
		}
		if (!may_send(c, &frag, &hdr))
			return;
		hlen = smbd_data_hdr_encode(sb->data, c->send_size, &hdr);
		if (hlen == 0 || hlen + frag.length > c->send_size) {
			smbd_disconnect(c, "send buffer too small");
			return;
		}
		if (frag.length > 0)
			copy_from_msg(m, sb->data + hlen, frag.length);
		last = m != NULL && frag.remaining == 0;
		inv = last && m->invalidate && c->send_inv_ok;
		if (post_send_buf(c, sb, (uint32_t)hlen + frag.length, inv,
				  inv ? m->token : 0) != 0) {
			smbd_disconnect(c, "posting a send failed");
			return;
		}
		c->want_empty = false;
		c->counters.sends++;
		c->counters.credits_used++;
		c->counters.credits_granted += hdr.credits_granted;
		c->counters.inline_send_bytes += frag.length;
		if (inv)
			c->counters.invalidations++;
		if (m == NULL)
			continue;
		m->sent += frag.length;
		if (last) {
			c->sq_head = m->next;
			if (c->sq_head == NULL)
				c->sq_tail = NULL;
			talloc_free(m);
		}
	}
}

int smbd_send(struct smbd_vconn *c, const struct iovec *iov, int iovcnt,
	      void *owner, bool invalidate, uint32_t token)
{
	struct smbd_outmsg *m;
	uint64_t total = 0;

	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (c->dead || c->st.phase != SMBD_PHASE_ESTABLISHED) {
		talloc_free(owner);
		return -ENOTCONN;
	}
	if (total == 0 || total > c->st.max_fragmented_send_size) {
		talloc_free(owner);
		return -EMSGSIZE;
	}
	m = talloc_zero(c, struct smbd_outmsg);
	if (m != NULL)
		m->iov = talloc_memdup(m, iov, sizeof(*iov) * (size_t)iovcnt);
	if (m == NULL || m->iov == NULL) {
		talloc_free(m);
		talloc_free(owner);
		return -ENOMEM;
	}
	m->iovcnt = iovcnt;
	m->total = (uint32_t)total;
	m->owner = talloc_steal(m, owner);
	m->invalidate = invalidate;
	m->token = token;
	if (c->sq_tail != NULL)
		c->sq_tail->next = m;
	else
		c->sq_head = m;
	c->sq_tail = m;
	pump_sends(c);
	return 0;
}

static void send_done(struct smbd_vconn *c, struct smbd_sendbuf *sb,
		      const struct ibv_wc *wc)
{
	bool last = sb->last_of_conn;

	sb->last_of_conn = false;
	sb->next = c->send_free;
	c->send_free = sb;
	if (wc->status != IBV_WC_SUCCESS) {
		if (wc->status != IBV_WC_WR_FLUSH_ERR && !c->dead)
			LOG_INFO("%s: SMB Direct send failed: %s", c->peer,
				 ibv_wc_status_str(wc->status));
		smbd_disconnect(c, "send failed");
		return;
	}
	if (last) {
		smbd_disconnect(c, "negotiation failed");
		return;
	}
	pump_sends(c);
}

/* Carries out what smbdirect_proto asked for, in its order. */
static void conn_actions(struct smbd_vconn *c, const struct smbd_actions *in)
{
	struct smbd_actions act = *in;

	if (c->dead)
		return;
	if (act.disconnect != SMBD_DISC_NONE) {
		smbd_disconnect(c, smbd_disconnect_reason_name(act.disconnect));
		return;
	}
	if (act.post_receives > 0) {
		struct smbd_actions more;
		uint32_t n = post_receives(c, act.post_receives);

		smbd_conn_receives_posted(&c->st, n, &more);
		if (more.disconnect != SMBD_DISC_NONE) {
			smbd_disconnect(c, smbd_disconnect_reason_name(
						   more.disconnect));
			return;
		}
		act.send_empty = act.send_empty || more.send_empty;
		act.timer_ms = more.timer_ms;
	}
	if (act.send_negotiate_response) {
		send_negotiate_response(c);
		return;
	}
	if (act.send_empty)
		c->want_empty = true;
	arm_timer(c, act.timer_ms);
	pump_sends(c);
}

/* ---- completion and rdma_cm events ---- */

static void handle_wc(struct smbd_vconn *c, const struct ibv_wc *wc)
{
	enum smbd_wr_kind *kind = (void *)(uintptr_t)wc->wr_id;

	switch (*kind) {
	case SMBD_WR_RECV:
		recv_done(c, (struct smbd_recvbuf *)kind, wc);
		break;
	case SMBD_WR_SEND:
		send_done(c, (struct smbd_sendbuf *)kind, wc);
		break;
	case SMBD_WR_RW:
		smbd_rw_completion((struct smbd_rw_op *)kind, wc);
		break;
	}
}

static void cq_readable(struct tevent_context *ev, struct tevent_fd *fde,
			uint16_t flags, void *private_data)
{
	struct smbd_vconn *c = private_data;
	struct ibv_wc wc[SMBD_POLL_BATCH];
	struct ibv_cq *cq;
	void *cq_ctx;
	int n;

	while (ibv_get_cq_event(c->comp_ch, &cq, &cq_ctx) == 0)
		c->cq_unacked++;
	if (c->cq_unacked >= SMBD_ACK_BATCH) {
		ibv_ack_cq_events(c->cq, c->cq_unacked);
		c->cq_unacked = 0;
	}
	if (ibv_req_notify_cq(c->cq, 0) != 0) {
		smbd_disconnect(c, "arming the completion queue failed");
		return;
	}
	do {
		n = ibv_poll_cq(c->cq, SMBD_POLL_BATCH, wc);
		if (n < 0) {
			smbd_disconnect(c, "polling the CQ failed");
			return;
		}
		for (int i = 0; i < n; i++)
			handle_wc(c, &wc[i]);
	} while (n == SMBD_POLL_BATCH);
}

static void cm_readable(struct tevent_context *ev, struct tevent_fd *fde,
			uint16_t flags, void *private_data)
{
	struct smbd_vconn *c = private_data;
	struct rdma_cm_event *e;

	while (!c->dead && rdma_get_cm_event(c->res->cm_ch, &e) == 0) {
		enum rdma_cm_event_type type = e->event;

		rdma_ack_cm_event(e);
		switch (type) {
		case RDMA_CM_EVENT_ESTABLISHED:
			if (c->st.initiator)
				send_negotiate_request(c);
			else
				ensure_upper(c);
			break;
		case RDMA_CM_EVENT_DISCONNECTED:
			smbd_disconnect(c, "peer disconnected");
			break;
		case RDMA_CM_EVENT_DEVICE_REMOVAL:
			smbd_disconnect(c, "RDMA device removed");
			break;
		case RDMA_CM_EVENT_CONNECT_ERROR:
		case RDMA_CM_EVENT_UNREACHABLE:
		case RDMA_CM_EVENT_REJECTED:
			smbd_disconnect(c, rdma_event_str(type));
			break;
		default:
			break;
		}
	}
}

/* ---- setup ---- */

/* Queue sizes within what the device allows. */
static int size_queues(struct smbd_vconn *c, const struct ibv_device_attr *da,
		       struct smbd_config *cfg, uint32_t *cqe)
{
	uint32_t max_wr = da->max_qp_wr > 0 ? (uint32_t)da->max_qp_wr : 0;
	uint32_t max_cqe = da->max_cqe > 0 ? (uint32_t)da->max_cqe : 0;
	uint32_t rw = SMBD_RW_SLOTS;

	c->n_recv = (uint32_t)cfg->receive_credit_max + 1;
	c->n_send = (uint32_t)cfg->send_credit_target + 1;
	if (c->n_send + rw > max_wr) {
		rw = max_wr / 4;
		c->n_send = max_wr - rw;
	}
	if (c->n_recv > max_wr)
		c->n_recv = max_wr;
	while (c->n_send + rw + c->n_recv > max_cqe && c->n_recv > 8) {
		c->n_recv /= 2;
		c->n_send = c->n_send / 2 + 1;
		rw = rw / 2 + 1;
	}
	if (c->n_recv < 2 || c->n_send < 2 || rw < 1)
		return -ENOSPC;
	cfg->receive_credit_max = (uint16_t)(c->n_recv - 1);
	if (cfg->send_credit_target > c->n_send - 1)
		cfg->send_credit_target = (uint16_t)(c->n_send - 1);
	c->rw_slots = rw;
	c->recv_size = cfg->max_receive_size;
	c->send_size = cfg->max_send_size;
	*cqe = c->n_send + rw + c->n_recv;
	return 0;
}

static int register_buffers(struct smbd_vconn *c)
{
	struct ibv_pd *pd = c->res->pd;
	size_t rsz = (size_t)c->n_recv * c->recv_size;
	size_t ssz = (size_t)c->n_send * c->send_size;

	c->recvbufs = talloc_zero_array(c, struct smbd_recvbuf, c->n_recv);
	c->sendbufs = talloc_zero_array(c, struct smbd_sendbuf, c->n_send);
	if (c->recvbufs == NULL || c->sendbufs == NULL ||
	    posix_memalign((void **)&c->recv_mem, 4096, rsz) != 0)
		return -ENOMEM;
	if (posix_memalign((void **)&c->send_mem, 4096, ssz) != 0)
		return -ENOMEM;
	c->recv_mr = ibv_reg_mr(pd, c->recv_mem, rsz, IBV_ACCESS_LOCAL_WRITE);
	if (c->recv_mr == NULL)
		return -errno;
	c->send_mr = ibv_reg_mr(pd, c->send_mem, ssz, 0);
	if (c->send_mr == NULL)
		return -errno;
	for (uint32_t i = c->n_recv; i-- > 0;) {
		c->recvbufs[i].kind = SMBD_WR_RECV;
		c->recvbufs[i].data = c->recv_mem + (size_t)i * c->recv_size;
		recvbuf_put(c, &c->recvbufs[i]);
	}
	for (uint32_t i = c->n_send; i-- > 0;) {
		c->sendbufs[i].kind = SMBD_WR_SEND;
		c->sendbufs[i].data = c->send_mem + (size_t)i * c->send_size;
		c->sendbufs[i].next = c->send_free;
		c->send_free = &c->sendbufs[i];
	}
	return 0;
}

static int create_queues(struct smbd_vconn *c, uint32_t cqe)
{
	struct rdma_cm_id *id = c->res->id;
	struct ibv_qp_init_attr qa = { 0 };

	c->comp_ch = ibv_create_comp_channel(id->verbs);
	if (c->comp_ch == NULL)
		return -errno;
	if (set_nonblock(c->comp_ch->fd) != 0)
		return -errno;
	c->cq = ibv_create_cq(id->verbs, (int)cqe, c, c->comp_ch, 0);
	if (c->cq == NULL)
		return -errno;
	if (ibv_req_notify_cq(c->cq, 0) != 0)
		return -EIO;
	c->cq_fde = tevent_add_fd(c->ev, c, c->comp_ch->fd, TEVENT_FD_READ,
				  cq_readable, c);
	if (c->cq_fde == NULL)
		return -ENOMEM;
	qa.send_cq = c->cq;
	qa.recv_cq = c->cq;
	qa.qp_type = IBV_QPT_RC;
	qa.sq_sig_all = 1;
	qa.cap.max_send_wr = c->n_send + c->rw_slots;
	qa.cap.max_recv_wr = c->n_recv;
	/* one SGE per work request: iWARP devices allow only a few */
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	if (rdma_create_qp(id, c->res->pd, &qa) != 0)
		return -errno;
	c->qp = id->qp;
	return 0;
}

static void describe_peer(struct smbd_vconn *c, struct rdma_cm_id *id)
{
	const struct sockaddr *sa = rdma_get_peer_addr(id);
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(c->peer, sizeof(c->peer), "[%s]:%u", host,
			 ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(c->peer, sizeof(c->peer), "%s:%u", host,
			 ntohs(s4->sin_port));
	}
	snprintf(c->dev, sizeof(c->dev), "%s",
		 ibv_get_device_name(id->verbs->device));
}

/*
 * RDMA read depth (MS-SMBD leaves it to the transport). The values in
 * param are already from our side: initiator_depth is what the peer lets
 * us have outstanding. iWARP peers that predate MPA v2 negotiation also
 * send them as 8 bytes of private data, IRD then ORD, big endian (older
 * Linux clients wrote them in host order); those win when they differ.
 */
static void read_depths(const struct smbd_vconn *c,
			const struct rdma_conn_param *param, uint32_t *ird,
			uint32_t *ord)
{
	*ird = param->initiator_depth;
	*ord = param->responder_resources;
	if (c->iwarp && param->private_data_len >= 8 &&
	    param->private_data != NULL) {
		const uint8_t *p = param->private_data;
		uint32_t be_ird = get_be32(p), be_ord = get_be32(p + 4);
		uint32_t le_ird = get_le32(p), le_ord = get_le32(p + 4);

		if (be_ird <= UINT8_MAX && be_ord <= UINT8_MAX) {
			*ird = be_ird;
			*ord = be_ord;
		} else if (le_ird <= UINT8_MAX && le_ord <= UINT8_MAX) {
			*ird = le_ird;
			*ord = le_ord;
		}
	}
}

static int accept_peer(struct smbd_vconn *c,
		       const struct rdma_conn_param *param,
		       const struct ibv_device_attr *da)
{
	struct rdma_conn_param cp = { 0 };
	uint8_t blob[8];
	uint32_t ird, ord;

	read_depths(c, param, &ird, &ord);
	cp.initiator_depth =
		(uint8_t)(ird < (uint32_t)da->max_qp_init_rd_atom
				  ? ird
				  : (uint32_t)da->max_qp_init_rd_atom);
	cp.responder_resources =
		(uint8_t)(ord < (uint32_t)da->max_qp_rd_atom
				  ? ord
				  : (uint32_t)da->max_qp_rd_atom);
	cp.rnr_retry_count = 7;
	if (c->iwarp) {
		put_be32(blob, cp.responder_resources);
		put_be32(blob + 4, cp.initiator_depth);
		cp.private_data = blob;
		cp.private_data_len = sizeof(blob);
	}
	if (cp.initiator_depth == 0)
		LOG_WARN("%s: the peer allows no RDMA READ: SMB2 WRITEs over "
			 "RDMA will fail", c->peer);
	if (rdma_accept(c->res->id, &cp) != 0)
		return -errno;
	return 0;
}

/* The verbs resources of a connection, in either role. */
static int vconn_setup_verbs(struct smbd_vconn *c, struct smbd_config *cfg,
			     struct ibv_device_attr *out_da)
{
	struct rdma_cm_id *id = c->res->id;
	struct ibv_device_attr da;
	struct ibv_port_attr pa;
	uint32_t cqe;
	int rc;

	c->res->cm_ch = rdma_create_event_channel();
	if (c->res->cm_ch == NULL)
		return -errno;
	if (set_nonblock(c->res->cm_ch->fd) != 0 ||
	    rdma_migrate_id(id, c->res->cm_ch) != 0)
		return -errno;
	c->cm_fde = tevent_add_fd(c->ev, c, c->res->cm_ch->fd, TEVENT_FD_READ,
				  cm_readable, c);
	if (c->cm_fde == NULL)
		return -ENOMEM;
	if (ibv_query_device(id->verbs, &da) != 0 ||
	    ibv_query_port(id->verbs, id->port_num, &pa) != 0)
		return -EIO;
	c->iwarp = id->verbs->device->transport_type == IBV_TRANSPORT_IWARP;
	c->send_inv_ok = (da.device_cap_flags &
			  IBV_DEVICE_MEM_MGT_EXTENSIONS) != 0;
	c->res->pd = ibv_alloc_pd(id->verbs);
	if (c->res->pd == NULL)
		return -errno;
	/* iWARP writes RDMA READ responses into the sink: remote write */
	c->res->io_access = IBV_ACCESS_LOCAL_WRITE |
			    (c->iwarp ? IBV_ACCESS_REMOTE_WRITE : 0);
	c->rw_lim = (struct smbd_rw_limits){
		.max_sge = 1,
		.max_wr_bytes = pa.max_msg_sz != 0 && pa.max_msg_sz < 1u << 30
					? pa.max_msg_sz
					: 1u << 30,
		.local_chunk = 0,
		.max_total = cfg->max_read_write_size,
	};
	rc = size_queues(c, &da, cfg, &cqe);
	if (rc == 0)
		rc = create_queues(c, cqe);
	if (rc == 0)
		rc = register_buffers(c);
	*out_da = da;
	return rc;
}

static int vconn_setup(struct smbd_vconn *c, struct smbd_config *cfg,
		       const struct rdma_conn_param *param)
{
	struct ibv_device_attr da;
	struct smbd_actions act;
	int rc = vconn_setup_verbs(c, cfg, &da);

	if (rc != 0)
		return rc;
	/* one receive for the negotiate request, posted before accepting */
	smbd_conn_init(&c->st, cfg, smbd_now_ms(), &act);
	conn_actions(c, &act);
	if (c->dead || c->st.recv_posted == 0)
		return -EIO;
	return accept_peer(c, param, &da);
}

/* A connection on id, which it takes over; NULL when out of memory. */
static struct smbd_vconn *vconn_new(TALLOC_CTX *mem_ctx,
				    struct tevent_context *ev,
				    struct rdma_cm_id *id,
				    const struct smbd_upper_ops *ops,
				    void *listen_priv)
{
	struct smbd_vconn *c = talloc_zero(mem_ctx, struct smbd_vconn);
	struct smbd_res *res = smbd_res_new();

	if (c == NULL || res == NULL ||
	    (c->free_im = tevent_create_immediate(c)) == NULL) {
		talloc_free(c);
		free(res);
		return NULL;
	}
	res->id = id;
	c->res = res;
	c->ev = ev;
	c->ops = ops;
	c->listen_priv = listen_priv;
	id->context = c;
	describe_peer(c, id);
	talloc_set_destructor(c, vconn_destructor);
	return c;
}

void smbd_vconn_accept(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		       struct rdma_cm_id *id,
		       const struct rdma_conn_param *param,
		       const struct smbd_config *cfg,
		       const struct smbd_upper_ops *ops, void *listen_priv)
{
	struct smbd_vconn *c = vconn_new(mem_ctx, ev, id, ops, listen_priv);
	struct smbd_config ccfg = *cfg;
	int rc;

	if (c == NULL) {
		rdma_reject(id, NULL, 0);
		rdma_destroy_id(id);
		return;
	}
	rc = vconn_setup(c, &ccfg, param);
	if (rc != 0) {
		LOG_WARN("%s: SMB Direct connection on %s not accepted: %s",
			 c->peer, c->dev, strerror(-rc));
		rdma_reject(id, NULL, 0);
		talloc_free(c);
		return;
	}
	LOG_DBG("%s: SMB Direct connection request on %s accepted", c->peer,
		c->dev);
}

/* ---- client role (rdma_client.c) ---- */

/* MS-SMBD 3.1.5.2: the first message, once the connection is up. */
static void send_negotiate_request(struct smbd_vconn *c)
{
	struct smbd_negotiate_req req;
	struct smbd_sendbuf *sb = c->send_free;

	if (c->dead || c->st.phase != SMBD_PHASE_NEGOTIATE)
		return;
	if (sb == NULL) {
		smbd_disconnect(c, "no send buffer for the negotiate request");
		return;
	}
	smbd_conn_negotiate_request(&c->st, &req);
	smbd_negotiate_req_encode(sb->data, &req);
	if (post_send_buf(c, sb, SMBD_NEGOTIATE_REQ_SIZE, false, 0) != 0)
		smbd_disconnect(c, "posting the negotiate request failed");
}

/* MS-SMBD 3.1.5.7: the server's answer; the upper layer learns of the
 * connection once it is established. */
static void negotiate_response_received(struct smbd_vconn *c,
					struct smbd_recvbuf *rb, uint32_t len)
{
	struct smbd_actions act;

	smbd_conn_negotiate_response_recv(&c->st, rb->data, len,
					  smbd_now_ms(), &act);
	recvbuf_put(c, rb);
	if (act.disconnect != SMBD_DISC_NONE) {
		LOG_INFO("%s: SMB Direct negotiation with the server failed",
			 c->peer);
		conn_actions(c, &act);
		return;
	}
	c->send_inv_ok = false; /* only the server sends with invalidate */
	LOG_DBG("%s: SMB Direct negotiated: send %u, receive %u, server "
		"reassembles %u, %u send credits",
		c->peer, c->st.max_send_size, c->st.max_receive_size,
		c->st.max_fragmented_send_size, c->st.send_credits);
	conn_actions(c, &act); /* posts receives, grants them */
	ensure_upper(c);
}

/*
 * RDMA read depths for the server: it reads our buffers for SMB2 WRITEs,
 * so we offer what the device allows as responder and ask for little as
 * initiator. iWARP peers also get them as private data, IRD then ORD,
 * big endian (what read_depths() expects of a client).
 */
static int connect_peer(struct smbd_vconn *c, const struct ibv_device_attr *da)
{
	struct rdma_conn_param cp = { 0 };
	uint8_t blob[8];
	int ird = da->max_qp_rd_atom, ord = da->max_qp_init_rd_atom;

	cp.responder_resources = (uint8_t)(ird > UINT8_MAX ? UINT8_MAX : ird);
	cp.initiator_depth = (uint8_t)(ord > 1 ? 1 : ord);
	cp.retry_count = 7;
	cp.rnr_retry_count = 7;
	if (c->iwarp) {
		put_be32(blob, cp.responder_resources);
		put_be32(blob + 4, cp.initiator_depth);
		cp.private_data = blob;
		cp.private_data_len = sizeof(blob);
	}
	if (rdma_connect(c->res->id, &cp) != 0)
		return -errno;
	return 0;
}

struct smbd_vconn *smbd_vconn_connect(TALLOC_CTX *mem_ctx,
				      struct tevent_context *ev,
				      struct rdma_cm_id *id,
				      const struct smbd_config *cfg,
				      const struct smbd_upper_ops *ops,
				      void *priv, int *err)
{
	struct smbd_vconn *c = vconn_new(mem_ctx, ev, id, ops, priv);
	struct smbd_config ccfg = *cfg;
	struct ibv_device_attr da;
	struct smbd_actions act;
	int rc;

	if (c == NULL) {
		rdma_destroy_id(id);
		*err = -ENOMEM;
		return NULL;
	}
	rc = vconn_setup_verbs(c, &ccfg, &da);
	if (rc == 0) {
		/* the server reads and writes our I/O buffers */
		c->res->io_access = IBV_ACCESS_LOCAL_WRITE |
				    IBV_ACCESS_REMOTE_READ |
				    IBV_ACCESS_REMOTE_WRITE;
		/* one receive for the negotiate response, before connecting */
		smbd_conn_init_client(&c->st, &ccfg, smbd_now_ms(), &act);
		conn_actions(c, &act);
		if (c->dead || c->st.recv_posted == 0)
			rc = -EIO;
	}
	if (rc == 0)
		rc = connect_peer(c, &da);
	if (rc != 0) {
		talloc_free(c);
		*err = rc;
		return NULL;
	}
	return c;
}

/* The buffer's registration, for the server's RDMA (client role). */
struct smbd_iobuf *smbd_vconn_iobuf_get(struct smbd_vconn *c, size_t len)
{
	return c->dead ? NULL : smbd_pool_get(c->res, len);
}

const struct smbd_counters *smbd_vconn_counters(const struct smbd_vconn *c)
{
	return &c->counters;
}

const struct smbd_conn_state *smbd_vconn_state(const struct smbd_vconn *c)
{
	return &c->st;
}

const char *smbd_vconn_device(const struct smbd_vconn *c)
{
	return c->dev;
}
