/*
 * SMB2 over SMB Direct (MS-SMB2 2.1, MS-SMBD): the client half of the
 * project's verbs glue (rdma/smbdirect_client.h) as a transport of the
 * benchmark client. Messages go whole to the SMB Direct layer, which
 * fragments them within the server's credits; registered buffers back
 * READ/WRITE requests with an RDMA channel.
 */
#include <errno.h>
#include <string.h>

#include "bench/smb2_client.h"
#include "rdma/smbdirect_client.h"

struct rdma_transport {
	struct smb2c_transport t; /* first: the pointer the conn holds */
	struct smbd_client *cl;
	bool dead;
};

static void rdma_received(void *priv, uint8_t *msg, size_t len)
{
	struct rdma_transport *rt = priv;

	if (rt->t.up.received == NULL) {
		talloc_free(msg); /* nothing is asked before the conn exists */
		return;
	}
	rt->t.up.received(rt->t.up.upper, msg, len);
}

static void rdma_closed(void *priv, const char *why)
{
	struct rdma_transport *rt = priv;

	if (rt->dead)
		return;
	rt->dead = true;
	if (rt->t.up.failed != NULL)
		rt->t.up.failed(rt->t.up.upper, -ECONNRESET);
}

static const struct smbd_client_ops client_ops = {
	.recv = rdma_received,
	.closed = rdma_closed,
};

static int rdma_send(struct smb2c_transport *t, TALLOC_CTX *owner,
		     const struct iovec *iov, int iovcnt)
{
	struct rdma_transport *rt = (struct rdma_transport *)t;

	if (rt->dead) {
		talloc_free(owner);
		return -ENOTCONN;
	}
	return smbd_client_send(rt->cl, iov, iovcnt, owner);
}

static size_t rdma_queued(const struct smb2c_transport *t)
{
	return 0; /* copied into registered send buffers right away */
}

static struct smb2c_rdma_buf *rdma_buf_new(struct smb2c_transport *t,
					   TALLOC_CTX *mem_ctx, size_t len)
{
	struct rdma_transport *rt = (struct rdma_transport *)t;
	struct smb2c_rdma_buf *b = talloc_zero(mem_ctx, struct smb2c_rdma_buf);
	struct smbd_client_buf *cb;

	if (b == NULL)
		return NULL;
	cb = smbd_client_buf_new(b, rt->cl, len);
	if (cb == NULL) {
		talloc_free(b);
		return NULL;
	}
	*b = (struct smb2c_rdma_buf){
		.data = cb->data,
		.len = cb->len,
		.addr = cb->addr,
		.token = cb->token,
		.max_rw = smbd_client_max_read_write(rt->cl),
	};
	return b;
}

static const struct smb2c_transport_ops rdma_ops = {
	.name = "rdma",
	.send = rdma_send,
	.queued = rdma_queued,
	.rdma_buf_new = rdma_buf_new,
};

int smb2c_rdma_connect(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		       const char *host, uint16_t port,
		       struct smb2c_transport **out, const char **why)
{
	struct rdma_transport *rt = talloc_zero(mem_ctx, struct rdma_transport);
	/* the reason outlives the failed connection; one caller at once */
	static char reason[128];
	struct smbd_config cfg;
	struct tevent_req *req;
	int rc;

	if (rt == NULL)
		return -ENOMEM;
	rt->t.ops = &rdma_ops;
	smbd_client_config_default(&cfg);
	req = smbd_client_connect_send(rt, ev, host, port, &cfg, &client_ops,
				       rt);
	if (req == NULL || !tevent_req_poll(req, ev)) {
		talloc_free(rt);
		return -ENOMEM;
	}
	rc = smbd_client_connect_recv(req, &rt->cl, reason, sizeof(reason));
	if (rc != 0) {
		if (why != NULL)
			*why = reason;
		talloc_free(rt);
		return rc;
	}
	talloc_steal(rt, rt->cl);
	talloc_free(req);
	*out = &rt->t;
	return 0;
}
