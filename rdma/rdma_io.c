/*
 * RDMA READ and WRITE for SMB2 READ/WRITE requests with an RDMA channel
 * (MS-SMB2 3.3.5.12, 3.3.5.13; MS-SMBD 3.1.4.5, 3.1.4.6): the client's
 * buffer descriptors become a plan of work requests (smbdirect_rw), posted
 * from a registered pool buffer as send queue room allows.
 *
 * Lifetimes: a transfer (struct smbd_rw_op) belongs to the connection, not
 * to its caller, because the device may write into the buffer until the
 * work requests complete or the QP is destroyed. A caller that goes away
 * early only detaches; the buffer goes back to the pool when the last
 * work request using it is done.
 */
#include <errno.h>
#include <string.h>

#include "conf/log.h"
#include "rdma/rdma_internal.h"

#define SMBD_POST_BATCH 16

struct rw_state {
	struct smbd_rw_op *op;
};

static void op_unlink(struct smbd_rw_op *op)
{
	struct smbd_vconn *c = op->c;

	if (op->prev != NULL)
		op->prev->next = op->next;
	else
		c->rw_ops = op->next;
	if (op->next != NULL)
		op->next->prev = op->prev;
	op->prev = op->next = NULL;
}

/* All its work requests are done (or will never be): tell the caller. */
static void op_finish(struct smbd_rw_op *op)
{
	struct smbd_vconn *c = op->c;
	struct tevent_req *req = op->req;
	int error = op->error;

	op_unlink(op);
	if (op->io != NULL)
		op->io->op = NULL;
	else if (op->buf->busy == 0)
		smbd_pool_put(c->res, op->buf); /* its io is gone */
	if (req != NULL) {
		struct rw_state *s = tevent_req_data(req, struct rw_state);

		s->op = NULL;
	}
	talloc_free(op);
	if (req == NULL)
		return;
	/* from the loop: a callback may start the next transfer */
	tevent_req_defer_callback(req, c->ev);
	if (error != 0)
		tevent_req_error(req, -error);
	else
		tevent_req_done(req);
}

/* Posts as many of op's work requests as the send queue takes. */
static void op_post(struct smbd_vconn *c, struct smbd_rw_op *op)
{
	struct ibv_send_wr wrs[SMBD_POST_BATCH], *bad = NULL;
	struct ibv_sge sges[SMBD_POST_BATCH];
	size_t left = op->plan->num_wrs - op->next_wr;
	size_t n = left < SMBD_POST_BATCH ? left : SMBD_POST_BATCH;
	size_t posted;
	int rc;

	if (n > c->rw_slots)
		n = c->rw_slots;
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct smbd_rw_wr *w = &op->plan->wrs[op->next_wr + i];

		sges[i] = (struct ibv_sge){
			.addr = (uintptr_t)(op->buf->data + w->local_offset),
			.length = w->length,
			.lkey = op->buf->mr->lkey,
		};
		wrs[i] = (struct ibv_send_wr){
			.wr_id = (uintptr_t)op,
			.next = i + 1 < n ? &wrs[i + 1] : NULL,
			.sg_list = &sges[i],
			.num_sge = 1,
			.opcode = op->to_peer ? IBV_WR_RDMA_WRITE
					      : IBV_WR_RDMA_READ,
			.send_flags = IBV_SEND_SIGNALED,
		};
		wrs[i].wr.rdma.remote_addr = w->remote_addr;
		wrs[i].wr.rdma.rkey = w->rkey;
	}
	rc = ibv_post_send(c->qp, wrs, &bad);
	/* those before bad went out and will complete */
	posted = rc == 0 ? n : (size_t)(bad - wrs);
	op->next_wr += posted;
	op->posted += (unsigned)posted;
	op->buf->busy += (unsigned)posted;
	c->rw_slots -= (uint32_t)posted;
	if (rc != 0) {
		op->error = -rc;
		smbd_disconnect(c, "posting an RDMA transfer failed");
	}
}

void smbd_rw_pump(struct smbd_vconn *c)
{
	struct smbd_rw_op *op, *next;

	for (op = c->rw_ops; op != NULL && !c->dead; op = next) {
		next = op->next;
		if (op->error == 0 && op->next_wr < op->plan->num_wrs)
			op_post(c, op);
		if (op->posted == 0 &&
		    (op->error != 0 || op->next_wr == op->plan->num_wrs))
			op_finish(op);
		if (c->rw_slots == 0)
			break;
	}
}

void smbd_rw_completion(struct smbd_rw_op *op, const struct ibv_wc *wc)
{
	struct smbd_vconn *c = op->c;
	size_t done = op->next_wr - op->posted; /* completions come in order */

	c->rw_slots++;
	op->posted--;
	op->buf->busy--;
	if (wc->status != IBV_WC_SUCCESS) {
		if (op->error == 0)
			op->error = -EIO;
		if (wc->status != IBV_WC_WR_FLUSH_ERR && !c->dead)
			LOG_INFO("%s: RDMA %s failed: %s", c->peer,
				 op->to_peer ? "WRITE" : "READ",
				 ibv_wc_status_str(wc->status));
		/* the QP is in the error state now */
		smbd_disconnect(c, "RDMA transfer failed");
	} else {
		uint32_t len = op->plan->wrs[done].length;

		if (op->to_peer) {
			c->counters.rdma_write_bytes += len;
			c->counters.rdma_write_wrs++;
		} else {
			c->counters.rdma_read_bytes += len;
			c->counters.rdma_read_wrs++;
		}
	}
	if (op->posted == 0 &&
	    (op->error != 0 || op->next_wr == op->plan->num_wrs))
		op_finish(op);
	smbd_rw_pump(c);
}

void smbd_rw_abort_all(struct smbd_vconn *c)
{
	struct smbd_io *io, *next;

	while (c->rw_ops != NULL) {
		struct smbd_rw_op *op = c->rw_ops;

		/* the QP is gone: nothing posted will complete */
		op->buf->busy -= op->posted;
		c->rw_slots += op->posted;
		op->posted = 0;
		op->error = -ECONNABORTED;
		op_finish(op);
	}
	for (io = c->ios; io != NULL; io = next) {
		next = io->next;
		io->c = NULL;
		io->prev = io->next = NULL;
	}
	c->ios = NULL;
}

/* ---- the buffer and channel of one SMB2 request ---- */

static int io_destructor(struct smbd_io *io)
{
	struct smbd_vconn *c = io->c;

	if (c != NULL) {
		if (io->prev != NULL)
			io->prev->next = io->next;
		else
			c->ios = io->next;
		if (io->next != NULL)
			io->next->prev = io->prev;
	}
	if (io->op != NULL)
		io->op->io = NULL; /* the transfer gives the buffer back */
	else if (io->buf != NULL)
		smbd_pool_put(io->res, io->buf);
	return 0;
}

NTSTATUS smbd_io_new(struct smbd_vconn *c, TALLOC_CTX *mem_ctx,
		     uint32_t channel, const uint8_t *info, size_t info_len,
		     uint32_t len, struct smbd_io **out)
{
	struct smbd_rw_plan *plan;
	struct smbd_io *io;
	NTSTATUS status;

	*out = NULL;
	io = talloc_zero(mem_ctx, struct smbd_io);
	if (io == NULL)
		return NT_STATUS_NO_MEMORY;
	/* MS-SMB2 3.3.5.12/13: an empty, over-long, wrapping or too short
	 * descriptor list fails the request, not the connection */
	status = smbd_buffer_desc_list_decode(info, info_len, io->descs,
					      SMBD_RW_MAX_DESCRIPTORS,
					      &io->ndescs);
	if (NT_STATUS_IS_OK(status))
		status = smbd_rw_plan_build(io, channel, io->descs,
					    io->ndescs, len, &c->rw_lim,
					    &plan);
	if (!NT_STATUS_IS_OK(status)) {
		talloc_free(io);
		return NT_STATUS_INVALID_PARAMETER;
	}
	io->invalidate = plan->invalidate;
	io->token = plan->invalidate_token;
	talloc_free(plan);
	if (c->dead) {
		talloc_free(io);
		return NT_STATUS_CONNECTION_DISCONNECTED;
	}
	io->buf = smbd_pool_get(c->res, len);
	if (io->buf == NULL) {
		talloc_free(io);
		return NT_STATUS_NO_MEMORY;
	}
	io->res = c->res;
	io->c = c;
	io->len = len;
	io->channel = channel;
	io->next = c->ios;
	if (c->ios != NULL)
		c->ios->prev = io;
	c->ios = io;
	talloc_set_destructor(io, io_destructor);
	*out = io;
	return NT_STATUS_OK;
}

uint8_t *smbd_io_buf(const struct smbd_io *io)
{
	return io->buf->data;
}

bool smbd_io_invalidate(const struct smbd_io *io, uint32_t *token)
{
	*token = io->token;
	return io->invalidate;
}

static int rw_state_destructor(struct rw_state *s)
{
	if (s->op != NULL)
		s->op->req = NULL;
	return 0;
}

struct tevent_req *smbd_io_rdma_send(TALLOC_CTX *mem_ctx, struct smbd_io *io,
				     bool to_peer, uint32_t len)
{
	struct smbd_vconn *c = io->c;
	struct tevent_context *ev = c != NULL ? c->ev : NULL;
	struct tevent_req *req;
	struct smbd_rw_op *op;
	struct rw_state *s;
	NTSTATUS status;

	if (ev == NULL)
		return NULL; /* the connection is gone */
	req = tevent_req_create(mem_ctx, &s, struct rw_state);
	if (req == NULL)
		return NULL;
	talloc_set_destructor(s, rw_state_destructor);
	if (c->dead || io->op != NULL || len > io->len ||
	    (!to_peer && len != io->len)) {
		tevent_req_error(req, c->dead ? ENOTCONN : EINVAL);
		return tevent_req_post(req, ev);
	}
	if (len == 0) {
		tevent_req_done(req);
		return tevent_req_post(req, ev);
	}
	op = talloc_zero(c, struct smbd_rw_op);
	if (op == NULL) {
		tevent_req_error(req, ENOMEM);
		return tevent_req_post(req, ev);
	}
	status = smbd_rw_plan_build(op, io->channel, io->descs, io->ndescs,
				    len, &c->rw_lim, &op->plan);
	if (!NT_STATUS_IS_OK(status)) {
		talloc_free(op);
		tevent_req_error(req, EINVAL);
		return tevent_req_post(req, ev);
	}
	op->kind = SMBD_WR_RW;
	op->c = c;
	op->req = req;
	op->io = io;
	op->buf = io->buf;
	op->to_peer = to_peer;
	io->op = op;
	s->op = op;
	/* in order behind the transfers already queued */
	if (c->rw_ops == NULL) {
		c->rw_ops = op;
	} else {
		struct smbd_rw_op *last = c->rw_ops;

		while (last->next != NULL)
			last = last->next;
		last->next = op;
		op->prev = last;
	}
	smbd_rw_pump(c); /* a failure there reports through the loop */
	return req;
}

int smbd_io_rdma_recv(struct tevent_req *req)
{
	enum tevent_req_state state;
	uint64_t err;

	if (tevent_req_is_error(req, &state, &err))
		return state == TEVENT_REQ_USER_ERROR ? -(int)err : -EIO;
	return 0;
}
