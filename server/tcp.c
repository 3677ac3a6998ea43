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

/*
 * Receive: one read() fills a staging buffer with as many messages as the
 * socket holds, so a client with many small requests in flight costs one
 * system call per batch, not two per message. A message too big to be
 * worth staging is read straight into its own buffer once its first bytes
 * have been staged.
 */
#define RECV_STAGE_SIZE (64 * 1024)
#define RECV_DIRECT_MIN (16 * 1024)
/* iovecs gathered into one writev() from the whole send queue */
#define SEND_BATCH_IOV 256

struct tcp_listener {
	int fd;
	struct smb2_server *srv;
	struct tevent_fd *fde;
};

/* One queued message: a talloc child of its owner, freed with it. */
struct tcp_send {
	struct tcp_send *next;
	void *owner; /* NULL: the entry is its own allocation */
	int iovcnt;
	int done_iov; /* first iov not yet fully sent */
	uint8_t nbss[NBSS_HDR];
	struct iovec iov[]; /* the NBSS header, then the message */
};

struct tcp_conn {
	struct tcp_conn *prev, *next; /* all connections, for per-client limits */
	char addr[INET6_ADDRSTRLEN];
	int fd;
	struct smb2_server *srv;
	struct tevent_fd *fde;
	struct smb2_conn *smb;
	/* staged bytes: [stage_start, stage_end) not yet handed out */
	uint8_t *stage;
	size_t stage_start, stage_end;
	/* a large message being read straight into its buffer */
	uint8_t *buf;
	size_t need, got;
	/* send queue, written out once per loop iteration */
	struct tcp_send *sq_head, *sq_tail;
	struct tevent_immediate *flush_im;
	bool dead;
	struct tevent_immediate *free_im;
	/* receive deadline for a message that started arriving */
	struct tevent_timer *recv_timer;
	uint64_t msgs_done; /* completed messages, to tell if one stalled */
	uint64_t timer_msgs;
};

static struct tcp_conn *all_conns;

static int flush_queue(struct tcp_conn *c);

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
	/* what was queued before the drop would have gone out at once
	 * without the batching: give it its chance */
	if (c->sq_head && strcmp(why, "peer closed") != 0)
		(void)flush_queue(c);
	c->dead = true;
	if (strcmp(why, "peer closed") != 0)
		LOG_INFO("%s: connection dropped: %s",
			 c->smb ? c->smb->peer : c->addr, why);
	TEVENT_FD_NOT_READABLE(c->fde);
	TEVENT_FD_NOT_WRITEABLE(c->fde);
	/* freed from the loop, never under a caller still using it */
	tevent_schedule_immediate(c->free_im, c->srv->ev, conn_free_now, c);
}

static void send_free(struct tcp_send *s)
{
	talloc_free(s->owner ? s->owner : s);
}

/* Takes n written bytes off the head of the queue. */
static void queue_advance(struct tcp_conn *c, size_t n)
{
	while (c->sq_head) {
		struct tcp_send *s = c->sq_head;

		while (s->done_iov < s->iovcnt) {
			struct iovec *v = &s->iov[s->done_iov];
			if (n < v->iov_len) {
				v->iov_base = (uint8_t *)v->iov_base + n;
				v->iov_len -= n;
				return;
			}
			n -= v->iov_len;
			s->done_iov++;
		}
		c->sq_head = s->next;
		if (!c->sq_head)
			c->sq_tail = NULL;
		send_free(s);
	}
}

/*
 * Writes as much of the queue as the socket takes, several messages per
 * writev(). -errno on failure.
 */
static int flush_queue(struct tcp_conn *c)
{
	struct iovec iov[SEND_BATCH_IOV];

	while (c->sq_head) {
		size_t total = 0;
		int cnt = 0;
		ssize_t n;

		for (struct tcp_send *s = c->sq_head;
		     s && cnt < SEND_BATCH_IOV; s = s->next) {
			for (int i = s->done_iov;
			     i < s->iovcnt && cnt < SEND_BATCH_IOV; i++) {
				iov[cnt] = s->iov[i];
				total += iov[cnt++].iov_len;
			}
		}
		n = writev(c->fd, iov, cnt);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		queue_advance(c, (size_t)n);
		if ((size_t)n < total)
			break; /* the socket is full: wait until writable */
	}
	if (c->sq_head)
		TEVENT_FD_WRITEABLE(c->fde);
	else
		TEVENT_FD_NOT_WRITEABLE(c->fde);
	return 0;
}

static void flush_soon(struct tevent_context *ev, struct tevent_immediate *im,
		       void *private_data)
{
	struct tcp_conn *c = private_data;
	int rc;

	if (c->dead)
		return;
	rc = flush_queue(c);
	if (rc != 0)
		tcp_disconnect(c, strerror(-rc));
}

/*
 * Queues a message. The queue is written when the loop comes round (or
 * the socket turns writable), so the responses that complete in one loop
 * iteration leave in one system call.
 */
static int tcp_send_msg(void *transport, const struct iovec *iov, int iovcnt,
			void *owner)
{
	struct tcp_conn *c = transport;
	struct tcp_send *s;
	size_t total = 0;

	if (c->dead) {
		talloc_free(owner);
		return -ENOTCONN;
	}
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (total > 0xffffff) {
		talloc_free(owner);
		return -EMSGSIZE;
	}
	s = talloc_size(owner ? owner : c,
			sizeof(*s) + (size_t)(iovcnt + 1) * sizeof(s->iov[0]));
	if (!s) {
		talloc_free(owner);
		return -ENOMEM;
	}
	talloc_set_name_const(s, "struct tcp_send");
	s->next = NULL;
	s->owner = owner;
	s->iovcnt = iovcnt + 1;
	s->done_iov = 0;
	put_be32(s->nbss, (uint32_t)total);
	s->iov[0].iov_base = s->nbss;
	s->iov[0].iov_len = NBSS_HDR;
	memcpy(&s->iov[1], iov, (size_t)iovcnt * sizeof(*iov));
	if (c->sq_tail) {
		/* a flush is scheduled or waits for the socket already */
		c->sq_tail->next = s;
		c->sq_tail = s;
		return 0;
	}
	c->sq_head = c->sq_tail = s;
	tevent_schedule_immediate(c->flush_im, c->srv->ev, flush_soon, c);
	return 0;
}

static const struct smb2_transport_ops tcp_ops = {
	.send = tcp_send_msg,
	.disconnect = tcp_disconnect,
	.name = "tcp",
};

/* Whether part of a message has arrived and the rest has not. */
static bool recv_partial(const struct tcp_conn *c)
{
	return c->buf != NULL || c->stage_end > c->stage_start;
}

static void arm_recv_deadline(struct tcp_conn *c);

static void recv_deadline(struct tevent_context *ev, struct tevent_timer *te,
			  struct timeval now, void *private_data)
{
	struct tcp_conn *c = private_data;

	c->recv_timer = NULL;
	if (recv_partial(c) && c->msgs_done == c->timer_msgs) {
		tcp_disconnect(c, "message not completed before the receive "
				  "timeout");
		return;
	}
	if (recv_partial(c))
		arm_recv_deadline(c);
}

/*
 * A partly received message must complete within the receive timeout.
 * One timer per connection, armed only while a message is incomplete, so
 * the fast path (whole messages per read) never touches it.
 */
static void arm_recv_deadline(struct tcp_conn *c)
{
	if (c->recv_timer || !recv_partial(c))
		return;
	c->timer_msgs = c->msgs_done;
	c->recv_timer = tevent_add_timer(
		c->srv->ev, c,
		tevent_timeval_current_ofs(c->srv->conf->receive_timeout, 0),
		recv_deadline, c);
}

static void deliver(struct tcp_conn *c, uint8_t *buf, size_t len)
{
	c->msgs_done++;
	smb2_conn_recv(c->smb, buf, len);
}

/*
 * Hands out the complete messages in the stage, in order; a large one that
 * is not complete yet gets its own buffer for the rest. false when the
 * connection was dropped.
 */
static bool parse_stage(struct tcp_conn *c)
{
	while (!c->dead && c->stage_end - c->stage_start >= NBSS_HDR) {
		const uint8_t *h = c->stage + c->stage_start;
		size_t avail = c->stage_end - c->stage_start - NBSS_HDR;
		uint32_t len = get_be32(h) & 0xffffff;
		uint8_t *buf;

		if (h[0] == NBSS_KEEPALIVE) {
			c->stage_start += NBSS_HDR;
			continue;
		}
		if (h[0] != NBSS_SESSION_MESSAGE) {
			tcp_disconnect(c, "not an NBSS session message");
			return false;
		}
		if (len > smb2_conn_max_recv(c->smb)) {
			tcp_disconnect(c, "message larger than allowed");
			return false;
		}
		if (len == 0) {
			c->stage_start += NBSS_HDR;
			continue;
		}
		if (avail < len && len < RECV_DIRECT_MIN)
			break; /* the rest comes into the stage */
		buf = talloc_array(c, uint8_t, len);
		if (!buf) {
			tcp_disconnect(c, "out of memory");
			return false;
		}
		if (avail < len) {
			memcpy(buf, h + NBSS_HDR, avail);
			c->buf = buf;
			c->need = len;
			c->got = avail;
			c->stage_start = c->stage_end = 0;
			break;
		}
		memcpy(buf, h + NBSS_HDR, len);
		c->stage_start += NBSS_HDR + len;
		deliver(c, buf, len);
	}
	if (c->stage_start == c->stage_end)
		c->stage_start = c->stage_end = 0;
	return !c->dead;
}

/* Reads what is available; hands complete messages to the SMB2 layer. */
static void tcp_readable(struct tcp_conn *c)
{
	for (int rounds = 0; rounds < 16 && !c->dead; rounds++) {
		size_t want;
		ssize_t n;

		if (c->buf) {
			want = c->need - c->got;
			n = read(c->fd, c->buf + c->got, want);
		} else {
			if (c->stage_start > 0) {
				/* the start of a message: move it to the front */
				memmove(c->stage, c->stage + c->stage_start,
					c->stage_end - c->stage_start);
				c->stage_end -= c->stage_start;
				c->stage_start = 0;
			}
			want = RECV_STAGE_SIZE - c->stage_end;
			n = read(c->fd, c->stage + c->stage_end, want);
		}
		if (n == 0) {
			tcp_disconnect(c, "peer closed");
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				tcp_disconnect(c, strerror(errno));
				return;
			}
			break;
		}
		if (c->buf) {
			c->got += (size_t)n;
			if (c->got == c->need) {
				uint8_t *buf = c->buf;
				c->buf = NULL;
				deliver(c, buf, c->need);
			}
		} else {
			c->stage_end += (size_t)n;
			if (!parse_stage(c))
				return;
		}
		/* a short read drained the socket: the loop says when more
		 * has come, without a read() that fails with EAGAIN */
		if ((size_t)n < want)
			break;
	}
	if (!c->dead)
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
	/* unsent messages go first (their owners may live under the SMB2
	 * state); then the SMB2 state, which may still try to send */
	c->dead = true;
	while (c->sq_head) {
		struct tcp_send *s = c->sq_head;
		c->sq_head = s->next;
		send_free(s);
	}
	c->sq_tail = NULL;
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
		c->flush_im = tevent_create_immediate(c);
		c->stage = talloc_array(c, uint8_t, RECV_STAGE_SIZE);
		c->fde = tevent_add_fd(ev, c, fd, TEVENT_FD_READ,
				       tcp_fd_handler, c);
		if (!c->fde || !c->free_im || !c->flush_im || !c->stage) {
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
