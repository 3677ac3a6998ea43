/*
 * The SMB Direct transport: smb2_transport_ops over rdma/smbdirect_verbs.
 * Reassembled messages go to smb2_conn_recv() like NBSS payloads do;
 * responses come back through .send and are fragmented by the glue. The
 * RDMA channel ops serve READ and WRITE (smb2/cmd_rw.c).
 */
#include "server/rdma_transport.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "conf/log.h"
#include "rdma/smbdirect_verbs.h"

/* Responses awaiting SEND_WITH_INV; more than this many outstanding is a
 * client that never reads its responses, and the oldest are dropped
 * (the client then invalidates itself, MS-SMBD 3.1.4.2). */
#define RDMA_MAX_PENDING_INV 64

struct pending_inv {
	uint64_t message_id;
	uint32_t token;
};

struct rdma_tconn {
	struct rdma_tconn *prev, *next; /* all, for per-client limits */
	struct smbd_vconn *vc;
	struct smb2_conn *smb;
	char host[64];
	struct pending_inv inv[RDMA_MAX_PENDING_INV];
	unsigned n_inv;
};

/* The registered buffer and channel of one READ/WRITE. */
struct rdma_io_wrap {
	struct smb2_rdma_io pub; /* first: the talloc pointer cmd_rw sees */
	struct smbd_io *io;
};

static struct rdma_tconn *all_conns;

/* Reads len bytes at off of the message the iov describes. */
static bool iov_read(const struct iovec *iov, int iovcnt, size_t off,
		     uint8_t *dst, size_t len)
{
	for (int i = 0; i < iovcnt && len > 0; i++) {
		size_t n;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		n = iov[i].iov_len - off;
		if (n > len)
			n = len;
		memcpy(dst, (const uint8_t *)iov[i].iov_base + off, n);
		dst += n;
		len -= n;
		off = 0;
	}
	return len == 0;
}

static bool take_invalidation(struct rdma_tconn *t, uint64_t message_id,
			      uint32_t *token)
{
	for (unsigned i = 0; i < t->n_inv; i++) {
		if (t->inv[i].message_id != message_id)
			continue;
		*token = t->inv[i].token;
		t->inv[i] = t->inv[--t->n_inv];
		return true;
	}
	return false;
}

/*
 * Whether this response carries the final answer to a request that asked
 * for remote invalidation: walks the SMB2 headers of the (possibly
 * compound) plain-text response. One SEND_WITH_INV per message; others in
 * the same compound are left to the client.
 */
static bool response_invalidates(struct rdma_tconn *t,
				 const struct iovec *iov, int iovcnt,
				 uint32_t *token)
{
	uint8_t hdr[SMB2_HDR_SIZE];
	size_t off = 0;
	bool found = false;

	for (unsigned n = 0; n < 128; n++) {
		uint32_t next, status;
		uint32_t tok;

		if (!iov_read(iov, iovcnt, off, hdr, sizeof(hdr)) ||
		    memcmp(hdr, "\xfeSMB", 4) != 0)
			break;
		status = get_le32(hdr + 8);
		next = get_le32(hdr + 20);
		if (status != NT_STATUS_V(NT_STATUS_PENDING) &&
		    take_invalidation(t, get_le64(hdr + 24), &tok) && !found) {
			*token = tok;
			found = true;
		}
		if (next == 0)
			break;
		off += next;
	}
	return found;
}

static int rdma_t_send(void *transport, const struct iovec *iov, int iovcnt,
		       void *owner)
{
	struct rdma_tconn *t = transport;
	uint32_t token = 0;
	bool inv = t->n_inv > 0 &&
		   response_invalidates(t, iov, iovcnt, &token);

	return smbd_send(t->vc, iov, iovcnt, owner, inv, token);
}

static void rdma_t_disconnect(void *transport, const char *why)
{
	struct rdma_tconn *t = transport;

	smbd_disconnect(t->vc, why);
}

static void rdma_t_describe(void *transport, char *buf, size_t len)
{
	struct rdma_tconn *t = transport;
	const struct smbd_counters *k = smbd_vconn_counters(t->vc);
	const struct smbd_conn_state *st = smbd_vconn_state(t->vc);

	snprintf(buf, len,
		 "transport=rdma device=%s rdma_read_bytes=%" PRIu64
		 " rdma_write_bytes=%" PRIu64 " inline_send_bytes=%" PRIu64
		 " inline_recv_bytes=%" PRIu64 " sends=%" PRIu64
		 " recvs=%" PRIu64 " credits_granted=%" PRIu64
		 " credits_received=%" PRIu64 " credits_used=%" PRIu64
		 " credit_waits=%" PRIu64 " invalidations=%" PRIu64
		 " send_credits=%u recv_posted=%u",
		 smbd_vconn_device(t->vc), k->rdma_read_bytes,
		 k->rdma_write_bytes, k->inline_send_bytes,
		 k->inline_recv_bytes, k->sends, k->recvs, k->credits_granted,
		 k->credits_received, k->credits_used, k->credit_waits,
		 k->invalidations, st->send_credits, st->recv_posted);
}

static NTSTATUS rdma_t_io_new(void *transport, TALLOC_CTX *mem_ctx,
			      uint32_t channel, const uint8_t *info,
			      size_t info_len, uint32_t len,
			      struct smb2_rdma_io **out)
{
	struct rdma_tconn *t = transport;
	struct rdma_io_wrap *w = talloc_zero(mem_ctx, struct rdma_io_wrap);
	NTSTATUS status;

	*out = NULL;
	if (w == NULL)
		return NT_STATUS_NO_MEMORY;
	status = smbd_io_new(t->vc, w, channel, info, info_len, len, &w->io);
	if (!NT_STATUS_IS_OK(status)) {
		talloc_free(w);
		return status;
	}
	w->pub.buf = smbd_io_buf(w->io);
	w->pub.len = len;
	w->pub.invalidate = smbd_io_invalidate(w->io,
					       &w->pub.invalidate_token);
	*out = &w->pub;
	return NT_STATUS_OK;
}

static struct tevent_req *rdma_t_write_send(TALLOC_CTX *mem_ctx,
					    struct smb2_rdma_io *io,
					    uint32_t len)
{
	struct rdma_io_wrap *w = (struct rdma_io_wrap *)io;

	return smbd_io_rdma_send(mem_ctx, w->io, true, len);
}

static struct tevent_req *rdma_t_read_send(TALLOC_CTX *mem_ctx,
					   struct smb2_rdma_io *io)
{
	struct rdma_io_wrap *w = (struct rdma_io_wrap *)io;

	return smbd_io_rdma_send(mem_ctx, w->io, false, io->len);
}

static void rdma_t_send_with_invalidate(void *transport, uint64_t message_id,
					uint32_t token)
{
	struct rdma_tconn *t = transport;

	if (t->n_inv == RDMA_MAX_PENDING_INV) {
		memmove(&t->inv[0], &t->inv[1],
			sizeof(t->inv[0]) * (RDMA_MAX_PENDING_INV - 1));
		t->n_inv--;
	}
	t->inv[t->n_inv++] = (struct pending_inv){ message_id, token };
}

static const struct smb2_transport_ops rdma_ops = {
	.send = rdma_t_send,
	.disconnect = rdma_t_disconnect,
	.describe = rdma_t_describe,
	.name = "rdma",
	.caps = SMB2_TRANSPORT_CAP_RDMA,
	.rdma_io_new = rdma_t_io_new,
	.rdma_write_send = rdma_t_write_send,
	.rdma_write_recv = smbd_io_rdma_recv,
	.rdma_read_send = rdma_t_read_send,
	.rdma_read_recv = smbd_io_rdma_recv,
	.send_with_invalidate = rdma_t_send_with_invalidate,
};

static unsigned conns_from(const char *host)
{
	unsigned n = 0;

	for (struct rdma_tconn *t = all_conns; t != NULL; t = t->next)
		if (strcmp(t->host, host) == 0)
			n++;
	return n;
}

static int tconn_destructor(struct rdma_tconn *t)
{
	TALLOC_FREE(t->smb); /* sessions and opens first */
	if (t->prev != NULL)
		t->prev->next = t->next;
	else if (all_conns == t)
		all_conns = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	return 0;
}

static void *on_accepted(void *listen_priv, TALLOC_CTX *mem_ctx,
			 struct smbd_vconn *vc, const char *peer)
{
	struct smb2_server *srv = listen_priv;
	struct rdma_tconn *t;
	const char *colon = strrchr(peer, ':');
	size_t hlen = colon != NULL ? (size_t)(colon - peer) : strlen(peer);
	char host[64];

	snprintf(host, sizeof(host), "%.*s", (int)hlen, peer);
	if (srv->n_conns >= srv->conf->max_connections) {
		LOG_WARN("%s: SMB Direct refused, %u connections open (max "
			 "connections)", peer, srv->n_conns);
		return NULL;
	}
	if (conns_from(host) >= srv->conf->max_connections_per_client) {
		LOG_WARN("%s: SMB Direct refused, too many connections from "
			 "this address (max connections per client)", peer);
		return NULL;
	}
	t = talloc_zero(mem_ctx, struct rdma_tconn);
	if (t == NULL)
		return NULL;
	t->vc = vc;
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->smb = smb2_conn_new(t, srv, &rdma_ops, t, peer);
	if (t->smb == NULL) {
		talloc_free(t);
		return NULL;
	}
	t->next = all_conns;
	if (all_conns != NULL)
		all_conns->prev = t;
	all_conns = t;
	talloc_set_destructor(t, tconn_destructor);
	LOG_INFO("%s: SMB Direct connection on %s", peer,
		 smbd_vconn_device(vc));
	return t;
}

static void on_recv(void *upper, uint8_t *msg, size_t len)
{
	struct rdma_tconn *t = upper;

	if (len > smb2_conn_max_recv(t->smb)) {
		talloc_free(msg);
		smbd_disconnect(t->vc, "message larger than allowed");
		return;
	}
	smb2_conn_recv(t->smb, msg, len);
}

static void on_closed(void *upper, const char *why)
{
	talloc_free(upper);
}

static const struct smbd_upper_ops upper_ops = {
	.accepted = on_accepted,
	.recv = on_recv,
	.closed = on_closed,
};

int rdma_transport_start(struct smb2_server *srv)
{
	const struct usmbd_conf *conf = srv->conf;
	struct smbd_config cfg;
	int started = 0;

	if (conf->n_rdma_listen == 0)
		return 0;
	if (smbd_device_count() == 0) {
		LOG_INFO("SMB Direct: no RDMA device found, serving TCP only");
		return 0;
	}
	smbd_config_default(&cfg);
	cfg.max_read_write_size = conf->max_read_size > conf->max_write_size
					  ? conf->max_read_size
					  : conf->max_write_size;
	for (size_t i = 0; i < conf->n_rdma_listen; i++) {
		const struct conf_listen *l = &conf->rdma_listen[i];
		bool v6 = strchr(l->addr, ':') != NULL;
		int rc = smbd_listen(srv, srv->ev, l->addr, l->port, &cfg,
				     &upper_ops, srv);

		if (rc != 0) {
			LOG_ERR("SMB Direct listen on %s%s%s:%u: %s",
				v6 ? "[" : "", l->addr, v6 ? "]" : "",
				l->port, strerror(-rc));
			continue;
		}
		LOG_INFO("listening for SMB Direct on %s%s%s:%u",
			 v6 ? "[" : "", l->addr, v6 ? "]" : "", l->port);
		started++;
	}
	return started;
}
