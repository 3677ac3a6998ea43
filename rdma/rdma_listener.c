/*
 * SMB Direct listeners: an rdma_cm id listening in the RDMA_PS_TCP port
 * space (where Windows and Linux clients connect, on 445 or 5445), whose
 * event channel is a file descriptor in the tevent loop. Each connection
 * request becomes a connection with its own event channel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "conf/log.h"
#include "rdma/rdma_internal.h"

#define SMBD_LISTEN_BACKLOG 64
#define SMBD_IWARP_PRIVATE_LEN 8

struct smbd_listener {
	struct tevent_context *ev;
	TALLOC_CTX *conn_ctx;
	struct rdma_event_channel *ch;
	struct rdma_cm_id *id;
	struct tevent_fd *fde;
	struct smbd_config cfg;
	const struct smbd_upper_ops *ops;
	void *priv;
	char name[INET6_ADDRSTRLEN + 16];
};

int smbd_device_count(void)
{
	int n = 0;
	struct ibv_device **list = ibv_get_device_list(&n);

	if (list == NULL)
		return 0;
	ibv_free_device_list(list);
	return n;
}

static void connect_request(struct smbd_listener *l, struct rdma_cm_event *e)
{
	struct rdma_cm_id *id = e->id;
	struct rdma_conn_param param = e->param.conn;
	uint8_t pdata[SMBD_IWARP_PRIVATE_LEN];

	/* the event's private data goes with the ack */
	param.private_data_len = 0;
	param.private_data = NULL;
	if (e->param.conn.private_data != NULL &&
	    e->param.conn.private_data_len >= sizeof(pdata)) {
		memcpy(pdata, e->param.conn.private_data, sizeof(pdata));
		param.private_data = pdata;
		param.private_data_len = sizeof(pdata);
	}
	/* acked before the id moves to its own channel: migrating waits
	 * for the id's events to be acked */
	rdma_ack_cm_event(e);
	smbd_vconn_accept(l->conn_ctx, l->ev, id, &param, &l->cfg, l->ops,
			  l->priv);
}

static void listener_readable(struct tevent_context *ev,
			      struct tevent_fd *fde, uint16_t flags,
			      void *private_data)
{
	struct smbd_listener *l = private_data;
	struct rdma_cm_event *e;

	for (int i = 0; i < 32 && rdma_get_cm_event(l->ch, &e) == 0; i++) {
		enum rdma_cm_event_type type = e->event;

		if (type == RDMA_CM_EVENT_CONNECT_REQUEST) {
			connect_request(l, e);
			continue;
		}
		rdma_ack_cm_event(e);
		if (type == RDMA_CM_EVENT_DEVICE_REMOVAL)
			LOG_WARN("SMB Direct listener %s: device removed",
				 l->name);
	}
}

static int listener_destructor(struct smbd_listener *l)
{
	TALLOC_FREE(l->fde);
	if (l->id != NULL)
		rdma_destroy_id(l->id);
	if (l->ch != NULL)
		rdma_destroy_event_channel(l->ch);
	return 0;
}

static int parse_addr(const char *addr, uint16_t port,
		      struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *s6 = (void *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return -EINVAL;
	} else {
		struct sockaddr_in *s4 = (void *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return -EINVAL;
	}
	return 0;
}

int smbd_listen(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		const char *addr, uint16_t port, const struct smbd_config *cfg,
		const struct smbd_upper_ops *ops, void *listen_priv)
{
	struct sockaddr_storage ss;
	struct smbd_listener *l;
	int one = 1, fl, rc;

	rc = parse_addr(addr, port, &ss);
	if (rc != 0)
		return rc;
	l = talloc_zero(mem_ctx, struct smbd_listener);
	if (l == NULL)
		return -ENOMEM;
	l->ev = ev;
	l->conn_ctx = mem_ctx;
	l->cfg = *cfg;
	l->ops = ops;
	l->priv = listen_priv;
	snprintf(l->name, sizeof(l->name), "%s%s%s:%u",
		 ss.ss_family == AF_INET6 ? "[" : "", addr,
		 ss.ss_family == AF_INET6 ? "]" : "", port);
	talloc_set_destructor(l, listener_destructor);
	l->ch = rdma_create_event_channel();
	if (l->ch == NULL)
		goto fail;
	fl = fcntl(l->ch->fd, F_GETFL);
	if (fl < 0 || fcntl(l->ch->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		goto fail;
	if (rdma_create_id(l->ch, &l->id, l, RDMA_PS_TCP) != 0)
		goto fail;
	/* like IPV6_V6ONLY on the TCP side: "::" and "0.0.0.0" coexist */
	if (ss.ss_family == AF_INET6 &&
	    rdma_set_option(l->id, RDMA_OPTION_ID, RDMA_OPTION_ID_AFONLY,
			    &one, sizeof(one)) != 0)
		goto fail;
	if (rdma_bind_addr(l->id, (struct sockaddr *)&ss) != 0 ||
	    rdma_listen(l->id, SMBD_LISTEN_BACKLOG) != 0)
		goto fail;
	l->fde = tevent_add_fd(ev, l, l->ch->fd, TEVENT_FD_READ,
			       listener_readable, l);
	if (l->fde == NULL) {
		talloc_free(l);
		return -ENOMEM;
	}
	return 0;
fail:
	rc = errno != 0 ? -errno : -EIO;
	talloc_free(l);
	return rc;
}
