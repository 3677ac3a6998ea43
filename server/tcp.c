#include "server/tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "conf/log.h"

#define NBSS_HDR 4
#define NBSS_SESSION_MESSAGE 0x00
#define NBSS_KEEPALIVE 0x85

struct tcp_listener {
	int fd;
	struct smb2_server *srv;
	struct tevent_fd *fde;
};

struct tcp_send {
	struct tcp_send *next;
	struct iovec *iov;
	int iovcnt;
	int done_iov; /* first iov not yet fully sent */
	uint8_t nbss[NBSS_HDR];
	void *owner;
};

struct tcp_conn {
	struct tcp_conn *prev, *next; /* all connections, for per-client limits */
	char addr[INET6_ADDRSTRLEN];
	int fd;
	struct smb2_server *srv;
	struct tevent_fd *fde;
	struct smb2_conn *smb;
	/* receive state: header, then body straight into its buffer */
	uint8_t hdr[NBSS_HDR];
	size_t hdr_got;
	uint8_t *buf;
	size_t need, got;
	/* send queue */
	struct tcp_send *sq_head, *sq_tail;
	bool dead;
	struct tevent_immediate *free_im;
	/* receive deadline for a message that started arriving */
	struct tevent_timer *recv_timer;
	uint64_t msgs_done; /* completed messages, to tell if one stalled */
	uint64_t timer_msgs;
};

static struct tcp_conn *all_conns;

static void conn_free_now(struct tevent_context *ev,
			  struct tevent_immediate *im, void *private_data)
{
	talloc_free(private_data);
}

static void tcp_disconnect(void *transport, const char *why)
{
	struct tcp_conn *c = transport;

	if (c->dead)
		return;
	c->dead = true;
	if (strcmp(why, "peer closed") != 0)
		LOG_INFO("%s: connection dropped: %s",
			 c->smb ? c->smb->peer : c->addr, why);
	TEVENT_FD_NOT_READABLE(c->fde);
	TEVENT_FD_NOT_WRITEABLE(c->fde);
	/* freed from the loop, never under a caller still using it */
	tevent_schedule_immediate(c->free_im, c->srv->ev, conn_free_now, c);
}

/* Writes as much of the queue as the socket takes. -errno on failure. */
static int flush_queue(struct tcp_conn *c)
{
	while (c->sq_head) {
		struct tcp_send *s = c->sq_head;
		int cnt = s->iovcnt - s->done_iov;
		ssize_t n;

		if (cnt > IOV_MAX)
			cnt = IOV_MAX;
		n = writev(c->fd, s->iov + s->done_iov, cnt);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		while (n > 0) {
			struct iovec *v = &s->iov[s->done_iov];
			if ((size_t)n >= v->iov_len) {
				n -= (ssize_t)v->iov_len;
				v->iov_len = 0;
				s->done_iov++;
			} else {
				v->iov_base = (uint8_t *)v->iov_base + n;
				v->iov_len -= (size_t)n;
				n = 0;
			}
		}
		while (s->done_iov < s->iovcnt && s->iov[s->done_iov].iov_len == 0)
			s->done_iov++;
		if (s->done_iov < s->iovcnt)
			continue;
		c->sq_head = s->next;
		if (!c->sq_head)
			c->sq_tail = NULL;
		talloc_free(s->owner);
		talloc_free(s);
	}
	if (c->sq_head)
		TEVENT_FD_WRITEABLE(c->fde);
	else
		TEVENT_FD_NOT_WRITEABLE(c->fde);
	return 0;
}

static int tcp_send_msg(void *transport, const struct iovec *iov, int iovcnt,
			void *owner)
{
	struct tcp_conn *c = transport;
	struct tcp_send *s;
	size_t total = 0;
	int rc;

	if (c->dead) {
		talloc_free(owner);
		return -ENOTCONN;
	}
	s = talloc_zero(c, struct tcp_send);
	if (!s) {
		talloc_free(owner);
		return -ENOMEM;
	}
	s->iov = talloc_array(s, struct iovec, iovcnt + 1);
	if (!s->iov) {
		talloc_free(s);
		talloc_free(owner);
		return -ENOMEM;
	}
	for (int i = 0; i < iovcnt; i++) {
		s->iov[i + 1] = iov[i];
		total += iov[i].iov_len;
	}
	if (total > 0xffffff) {
		talloc_free(s);
		talloc_free(owner);
		return -EMSGSIZE;
	}
	put_be32(s->nbss, (uint32_t)total);
	s->iov[0].iov_base = s->nbss;
	s->iov[0].iov_len = NBSS_HDR;
	s->iovcnt = iovcnt + 1;
	s->owner = talloc_steal(s, owner);
	if (c->sq_tail)
		c->sq_tail->next = s;
	else
		c->sq_head = s;
	c->sq_tail = s;
	if (c->sq_head != s)
		return 0; /* the writable handler will get to it */
	rc = flush_queue(c);
	return rc;
}

static const struct smb2_transport_ops tcp_ops = {
	.send = tcp_send_msg,
	.disconnect = tcp_disconnect,
	.name = "tcp",
};

static void arm_recv_deadline(struct tcp_conn *c);

static void recv_deadline(struct tevent_context *ev, struct tevent_timer *te,
			  struct timeval now, void *private_data)
{
	struct tcp_conn *c = private_data;

	c->recv_timer = NULL;
	if (c->hdr_got > 0 && c->msgs_done == c->timer_msgs) {
		tcp_disconnect(c, "message not completed before the receive "
				  "timeout");
		return;
	}
	if (c->hdr_got > 0)
		arm_recv_deadline(c);
}

/*
 * A partly received message must complete within the receive timeout.
 * One timer per connection, armed only while a message is incomplete, so
 * the fast path (whole messages per read) never touches it.
 */
static void arm_recv_deadline(struct tcp_conn *c)
{
	if (c->recv_timer || c->hdr_got == 0)
		return;
	c->timer_msgs = c->msgs_done;
	c->recv_timer = tevent_add_timer(
		c->srv->ev, c,
		tevent_timeval_current_ofs(c->srv->conf->receive_timeout, 0),
		recv_deadline, c);
}

/* Reads what is available; hands complete messages to the SMB2 layer. */
static void tcp_readable(struct tcp_conn *c)
{
	for (int rounds = 0; rounds < 16 && !c->dead; rounds++) {
		ssize_t n;

		if (c->hdr_got < NBSS_HDR) {
			n = read(c->fd, c->hdr + c->hdr_got,
				 NBSS_HDR - c->hdr_got);
		} else {
			n = read(c->fd, c->buf + c->got, c->need - c->got);
		}
		if (n == 0) {
			tcp_disconnect(c, "peer closed");
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				tcp_disconnect(c, strerror(errno));
			else
				arm_recv_deadline(c);
			return;
		}
		if (c->hdr_got < NBSS_HDR) {
			c->hdr_got += (size_t)n;
			if (c->hdr_got < NBSS_HDR)
				continue;
			uint32_t len = get_be32(c->hdr) & 0xffffff;
			if (c->hdr[0] == NBSS_KEEPALIVE) {
				c->hdr_got = 0;
				continue;
			}
			if (c->hdr[0] != NBSS_SESSION_MESSAGE) {
				tcp_disconnect(c, "not an NBSS session message");
				return;
			}
			if (len > smb2_conn_max_recv(c->smb)) {
				tcp_disconnect(c, "message larger than allowed");
				return;
			}
			if (len == 0) {
				c->hdr_got = 0;
				continue;
			}
			c->buf = talloc_array(c, uint8_t, len);
			if (!c->buf) {
				tcp_disconnect(c, "out of memory");
				return;
			}
			c->need = len;
			c->got = 0;
			continue;
		}
		c->got += (size_t)n;
		if (c->got < c->need)
			continue;
		uint8_t *buf = c->buf;
		size_t len = c->need;
		c->buf = NULL;
		c->hdr_got = 0;
		c->need = c->got = 0;
		c->msgs_done++;
		smb2_conn_recv(c->smb, buf, len);
	}
	arm_recv_deadline(c);
}

static void tcp_fd_handler(struct tevent_context *ev, struct tevent_fd *fde,
			   uint16_t flags, void *private_data)
{
	struct tcp_conn *c = private_data;

	if (c->dead)
		return;
	if (flags & TEVENT_FD_WRITE) {
		int rc = flush_queue(c);
		if (rc != 0) {
			tcp_disconnect(c, strerror(-rc));
			return;
		}
	}
	if (flags & TEVENT_FD_READ)
		tcp_readable(c);
}

static int tcp_conn_destructor(struct tcp_conn *c)
{
	/* free the SMB2 state first: it may still queue sends */
	c->dead = true;
	TALLOC_FREE(c->smb);
	if (c->prev)
		c->prev->next = c->next;
	else if (all_conns == c)
		all_conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	LOG_DBG("connection closed");
	return 0;
}

static unsigned conns_from(const char *addr)
{
	unsigned n = 0;
	for (struct tcp_conn *c = all_conns; c; c = c->next)
		if (!c->dead && strcmp(c->addr, addr) == 0)
			n++;
	return n;
}

static void format_peer(const struct sockaddr_storage *ss, char *out,
			size_t len, char *host)
{
	uint16_t port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, INET6_ADDRSTRLEN);
		port = ntohs(s4->sin_port);
		snprintf(out, len, "%s:%u", host, port);
	} else {
		const struct sockaddr_in6 *s6 = (const void *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, INET6_ADDRSTRLEN);
		port = ntohs(s6->sin6_port);
		snprintf(out, len, "[%s]:%u", host, port);
	}
}

static void tcp_accept_handler(struct tevent_context *ev,
			       struct tevent_fd *fde, uint16_t flags,
			       void *private_data)
{
	struct tcp_listener *l = private_data;
	struct smb2_server *srv = l->srv;

	for (int i = 0; i < 32; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char peer[80], host[INET6_ADDRSTRLEN] = "?";
		int one = 1;
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				LOG_WARN("accept: %s", strerror(errno));
			return;
		}
		format_peer(&ss, peer, sizeof(peer), host);
		if (srv->n_conns >= srv->conf->max_connections) {
			LOG_WARN("%s: refused, %u connections open (max "
				 "connections)",
				 peer, srv->n_conns);
			close(fd);
			continue;
		}
		if (conns_from(host) >= srv->conf->max_connections_per_client) {
			LOG_WARN("%s: refused, too many connections from this "
				 "address (max connections per client)",
				 peer);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct tcp_conn *c = talloc_zero(srv, struct tcp_conn);
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->srv = srv;
		c->free_im = tevent_create_immediate(c);
		c->fde = tevent_add_fd(ev, c, fd, TEVENT_FD_READ,
				       tcp_fd_handler, c);
		if (!c->fde || !c->free_im) {
			close(fd);
			talloc_free(c);
			continue;
		}
		tevent_fd_set_auto_close(c->fde);
		c->smb = smb2_conn_new(c, srv, &tcp_ops, c, peer);
		if (!c->smb) {
			talloc_free(c);
			continue;
		}
		snprintf(c->addr, sizeof(c->addr), "%s", host);
		c->next = all_conns;
		if (all_conns)
			all_conns->prev = c;
		all_conns = c;
		talloc_set_destructor(c, tcp_conn_destructor);
		LOG_DBG("%s: connected", peer);
	}
}

static int listener_destructor(struct tcp_listener *l)
{
	TALLOC_FREE(l->fde);
	close(l->fd);
	return 0;
}

int tcp_listen(TALLOC_CTX *mem_ctx, struct smb2_server *srv, const char *addr,
	       uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	struct tcp_listener *l;
	int fd, one = 1;

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (void *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
			return -EINVAL;
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (void *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
			return -EINVAL;
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 128) != 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	l = talloc_zero(mem_ctx, struct tcp_listener);
	if (!l) {
		close(fd);
		return -ENOMEM;
	}
	l->fd = fd;
	l->srv = srv;
	l->fde = tevent_add_fd(srv->ev, l, fd, TEVENT_FD_READ,
			       tcp_accept_handler, l);
	if (!l->fde) {
		close(fd);
		talloc_free(l);
		return -ENOMEM;
	}
	talloc_set_destructor(l, listener_destructor);
	return 0;
}
