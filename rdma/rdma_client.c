/*
 * SMB Direct client connections (see smbdirect_client.h). Address and
 * route resolution run on an rdma_cm event channel of their own in the
 * tevent loop; the resolved id then goes to rdma_conn.c, which moves it to
 * the connection's channel, connects, negotiates as initiator and runs
 * the same send and receive machinery as for the server.
 *
 * Lifetimes: the client (struct smbd_client) owns the connection. The
 * connection may die on its own (peer gone, keepalive timeout); a small
 * watch object under it tells the client when it is freed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "rdma/rdma_internal.h"
#include "rdma/smbdirect_client.h"

#define SMBD_RESOLVE_TIMEOUT_MS 2000
#define SMBD_CONNECT_TIMEOUT_S 10

struct vc_watch;

struct smbd_client {
	struct tevent_context *ev;
	struct smbd_vconn *vc;	  /* NULL once it is gone */
	struct vc_watch *watch;
	struct tevent_req *connecting; /* until established */
	const struct smbd_client_ops *ops;
	void *priv;
	bool freeing;
	char why[96];
};

struct vc_watch {
	struct smbd_client *cl;
};

struct client_buf {
	struct smbd_client_buf pub; /* first: the pointer callers hold */
	struct smbd_res *res;
	struct smbd_iobuf *b;
};

struct connect_state {
	struct smbd_client *cl;
	struct rdma_event_channel *ch;
	struct rdma_cm_id *id; /* until handed to the connection */
	struct tevent_fd *fde;
	struct smbd_config cfg;
	char why[96];
};

static void set_why(struct connect_state *s, const char *why)
{
	snprintf(s->why, sizeof(s->why), "%s", why);
}

void smbd_client_config_default(struct smbd_config *cfg)
{
	smbd_config_default(cfg);
	/* inline READ responses up to 8 MiB under --rdma-threshold */
	cfg->max_fragmented_size = 8 * 1024 * 1024 + 4096;
	cfg->receive_credit_max = 255;
	cfg->send_credit_target = 255;
}

/* ---- the connection's upcalls ---- */

static void connect_finish(struct smbd_client *cl, int err, const char *why);

static void *on_established(void *priv, TALLOC_CTX *mem_ctx,
			    struct smbd_vconn *vc, const char *peer)
{
	struct smbd_client *cl = priv;

	connect_finish(cl, 0, NULL);
	return cl;
}

static void on_recv(void *upper, uint8_t *msg, size_t len)
{
	struct smbd_client *cl = upper;

	cl->ops->recv(cl->priv, talloc_steal(NULL, msg), len);
}

static void on_closed(void *upper, const char *why)
{
	struct smbd_client *cl = upper;

	snprintf(cl->why, sizeof(cl->why), "%s", why);
}

static const struct smbd_upper_ops client_upper_ops = {
	.accepted = on_established,
	.recv = on_recv,
	.closed = on_closed,
};

/* The connection is being freed (by itself or by us). */
static int watch_destructor(struct vc_watch *w)
{
	struct smbd_client *cl = w->cl;

	if (cl == NULL)
		return 0;
	cl->vc = NULL;
	cl->watch = NULL;
	if (cl->connecting != NULL) {
		connect_finish(cl, -ECONNREFUSED,
			       cl->why[0] ? cl->why : "connection refused");
		return 0;
	}
	if (!cl->freeing)
		cl->ops->closed(cl->priv, cl->why[0] ? cl->why : "closed");
	return 0;
}

static int client_destructor(struct smbd_client *cl)
{
	cl->freeing = true;
	if (cl->watch != NULL)
		cl->watch->cl = NULL;
	if (cl->vc != NULL) {
		smbd_disconnect(cl->vc, "client closed");
		TALLOC_FREE(cl->vc);
	}
	return 0;
}

/* ---- connecting ---- */

static void connect_finish(struct smbd_client *cl, int err, const char *why)
{
	struct tevent_req *req = cl->connecting;
	struct connect_state *s;

	if (req == NULL)
		return;
	cl->connecting = NULL;
	s = tevent_req_data(req, struct connect_state);
	if (err == 0) {
		tevent_req_done(req);
		return;
	}
	set_why(s, why);
	tevent_req_defer_callback(req, cl->ev);
	tevent_req_error(req, -err);
}

static int connect_state_destructor(struct connect_state *s)
{
	TALLOC_FREE(s->fde);
	if (s->id != NULL)
		rdma_destroy_id(s->id);
	if (s->ch != NULL)
		rdma_destroy_event_channel(s->ch);
	if (s->cl != NULL && s->cl->connecting != NULL)
		s->cl->connecting = NULL;
	return 0;
}

/* The route is known: the connection takes the id over. */
static void start_connection(struct tevent_req *req, struct connect_state *s)
{
	struct smbd_client *cl = s->cl;
	struct rdma_cm_id *id = s->id;
	int err = 0;

	s->id = NULL;
	TALLOC_FREE(s->fde);
	cl->vc = smbd_vconn_connect(cl, cl->ev, id, &s->cfg,
				    &client_upper_ops, cl, &err);
	if (cl->vc == NULL) {
		set_why(s, "setting up the queue pair failed");
		tevent_req_error(req, -err);
		return;
	}
	cl->watch = talloc_zero(cl->vc, struct vc_watch);
	if (cl->watch == NULL) {
		tevent_req_error(req, ENOMEM);
		return;
	}
	cl->watch->cl = cl;
	talloc_set_destructor(cl->watch, watch_destructor);
	/* the id is on the connection's own channel now */
	rdma_destroy_event_channel(s->ch);
	s->ch = NULL;
}

static void resolve_event(struct tevent_context *ev, struct tevent_fd *fde,
			  uint16_t flags, void *private_data)
{
	struct tevent_req *req = private_data;
	struct connect_state *s = tevent_req_data(req, struct connect_state);
	struct rdma_cm_event *e;
	enum rdma_cm_event_type type;

	if (rdma_get_cm_event(s->ch, &e) != 0)
		return;
	type = e->event;
	rdma_ack_cm_event(e);
	switch (type) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
		if (rdma_resolve_route(s->id, SMBD_RESOLVE_TIMEOUT_MS) != 0) {
			set_why(s, "route resolution failed");
			tevent_req_error(req, errno ? errno : EIO);
		}
		return;
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		start_connection(req, s);
		return;
	case RDMA_CM_EVENT_ADDR_ERROR:
		set_why(s, "no RDMA device reaches this address");
		break;
	case RDMA_CM_EVENT_ROUTE_ERROR:
		set_why(s, "no route over RDMA");
		break;
	default:
		set_why(s, rdma_event_str(type));
		break;
	}
	tevent_req_error(req, EHOSTUNREACH);
}

static int lookup(const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	char service[8];

	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(addr, service, &hints, &res) != 0)
		return -ENOENT;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

struct tevent_req *smbd_client_connect_send(TALLOC_CTX *mem_ctx,
					    struct tevent_context *ev,
					    const char *addr, uint16_t port,
					    const struct smbd_config *cfg,
					    const struct smbd_client_ops *ops,
					    void *priv)
{
	struct tevent_req *req;
	struct connect_state *s;
	struct sockaddr_storage ss;
	int fl;

	req = tevent_req_create(mem_ctx, &s, struct connect_state);
	if (req == NULL)
		return NULL;
	talloc_set_destructor(s, connect_state_destructor);
	s->cfg = *cfg;
	s->cl = talloc_zero(s, struct smbd_client);
	if (tevent_req_nomem(s->cl, req))
		return tevent_req_post(req, ev);
	s->cl->ev = ev;
	s->cl->ops = ops;
	s->cl->priv = priv;
	s->cl->connecting = req;
	talloc_set_destructor(s->cl, client_destructor);
	if (lookup(addr, port, &ss) != 0) {
		set_why(s, "unknown host");
		tevent_req_error(req, ENOENT);
		return tevent_req_post(req, ev);
	}
	s->ch = rdma_create_event_channel();
	if (s->ch == NULL || (fl = fcntl(s->ch->fd, F_GETFL)) < 0 ||
	    fcntl(s->ch->fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    rdma_create_id(s->ch, &s->id, NULL, RDMA_PS_TCP) != 0 ||
	    rdma_resolve_addr(s->id, NULL, (struct sockaddr *)&ss,
			      SMBD_RESOLVE_TIMEOUT_MS) != 0) {
		set_why(s, "rdma_cm is not available");
		tevent_req_error(req, errno ? errno : EIO);
		return tevent_req_post(req, ev);
	}
	s->fde = tevent_add_fd(ev, s, s->ch->fd, TEVENT_FD_READ,
			       resolve_event, req);
	if (tevent_req_nomem(s->fde, req) ||
	    !tevent_req_set_endtime(req, ev,
				    tevent_timeval_current_ofs(
					    SMBD_CONNECT_TIMEOUT_S, 0)))
		return tevent_req_post(req, ev);
	return req;
}

int smbd_client_connect_recv(struct tevent_req *req, struct smbd_client **out,
			     char *why, size_t why_len)
{
	struct connect_state *s = tevent_req_data(req, struct connect_state);
	enum tevent_req_state state;
	uint64_t err;

	if (tevent_req_is_error(req, &state, &err)) {
		if (state == TEVENT_REQ_TIMED_OUT)
			snprintf(why, why_len, "timed out");
		else if (s->why[0] != '\0')
			snprintf(why, why_len, "%s", s->why);
		else
			snprintf(why, why_len, "%s", strerror((int)err));
		if (state == TEVENT_REQ_TIMED_OUT)
			return -ETIMEDOUT;
		return state == TEVENT_REQ_USER_ERROR ? -(int)err : -ENOMEM;
	}
	s->cl->connecting = NULL;
	*out = talloc_steal(talloc_parent(req), s->cl);
	s->cl = NULL;
	return 0;
}

/* ---- use ---- */

int smbd_client_send(struct smbd_client *cl, const struct iovec *iov,
		     int iovcnt, void *owner)
{
	if (cl->vc == NULL) {
		talloc_free(owner);
		return -ENOTCONN;
	}
	return smbd_send(cl->vc, iov, iovcnt, owner, false, 0);
}

uint32_t smbd_client_max_read_write(const struct smbd_client *cl)
{
	return cl->vc != NULL ? cl->vc->st.max_read_write_size : 0;
}

const struct smbd_counters *smbd_client_counters(const struct smbd_client *cl)
{
	static const struct smbd_counters none;

	return cl->vc != NULL ? &cl->vc->counters : &none;
}

const char *smbd_client_device(const struct smbd_client *cl)
{
	return cl->vc != NULL ? cl->vc->dev : "";
}

static int client_buf_destructor(struct client_buf *cb)
{
	smbd_pool_put(cb->res, cb->b);
	return 0;
}

struct smbd_client_buf *smbd_client_buf_new(TALLOC_CTX *mem_ctx,
					    struct smbd_client *cl,
					    size_t len)
{
	struct client_buf *cb;

	if (cl->vc == NULL)
		return NULL;
	cb = talloc_zero(mem_ctx, struct client_buf);
	if (cb == NULL)
		return NULL;
	cb->b = smbd_vconn_iobuf_get(cl->vc, len);
	if (cb->b == NULL) {
		talloc_free(cb);
		return NULL;
	}
	cb->res = cl->vc->res;
	cb->pub.data = cb->b->data;
	cb->pub.len = cb->b->size;
	cb->pub.addr = (uint64_t)(uintptr_t)cb->b->data;
	cb->pub.token = cb->b->mr->rkey;
	talloc_set_destructor(cb, client_buf_destructor);
	return &cb->pub;
}
