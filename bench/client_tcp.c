/*
 * SMB2 over direct TCP (MS-SMB2 2.1): a 4-byte length in front of every
 * message. Sends queued in one loop iteration go out in one writev; reads
 * land in a staging buffer, and a message too large for it is read
 * straight into its own buffer, so a 1 MiB READ response is copied once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/smb2_client.h"

#define TCP_STAGE_SIZE (256 * 1024)
#define TCP_MAX_FRAME 0x00ffffffu /* 24-bit length in direct TCP */
#define TCP_WRITEV_MAX 64
#define TCP_CONNECT_TIMEOUT_MS 5000

struct tcp_out {
	struct tcp_out *next;
	TALLOC_CTX *owner;
	struct iovec *iov;
	int iovcnt;
	int cur; /* first iov not fully written */
	uint8_t nbss[4];
};

struct tcp_transport {
	struct smb2c_transport t;
	struct tevent_context *ev;
	int fd;
	struct tevent_fd *fde;
	struct tevent_immediate *flush_im;
	bool flush_scheduled;
	struct tcp_out *head, *tail;
	size_t queued;
	uint8_t *stage;
	size_t stage_len;
	uint8_t *frame; /* a message being read in place */
	size_t frame_len, frame_got;
	bool dead;
};

static void tcp_fail(struct tcp_transport *tt, int err)
{
	if (tt->dead)
		return;
	tt->dead = true;
	TALLOC_FREE(tt->fde);
	tt->t.up.failed(tt->t.up.upper, err);
}

/* Writes as much of the queue as the socket takes, several messages per
 * writev. */
static void tcp_flush(struct tcp_transport *tt)
{
	while (tt->head && !tt->dead) {
		struct iovec iov[TCP_WRITEV_MAX];
		int n = 0;
		ssize_t w;

		for (struct tcp_out *o = tt->head; o && n < TCP_WRITEV_MAX;
		     o = o->next) {
			int i = o->cur;

			while (i < o->iovcnt && n < TCP_WRITEV_MAX)
				iov[n++] = o->iov[i++];
		}
		w = writev(tt->fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			TEVENT_FD_WRITEABLE(tt->fde);
			return;
		}
		if (w < 0) {
			tcp_fail(tt, -errno);
			return;
		}
		tt->queued -= (size_t)w;
		/* retire what was written, and messages now complete */
		while (w > 0 ||
		       (tt->head && tt->head->cur == tt->head->iovcnt)) {
			struct tcp_out *o = tt->head;
			struct iovec *v;

			if (o->cur == o->iovcnt) {
				tt->head = o->next;
				if (!tt->head)
					tt->tail = NULL;
				talloc_free(o->owner);
				talloc_free(o);
				continue;
			}
			v = &o->iov[o->cur];
			if ((size_t)w >= v->iov_len) {
				w -= (ssize_t)v->iov_len;
				o->cur++;
			} else {
				v->iov_base = (uint8_t *)v->iov_base + w;
				v->iov_len -= (size_t)w;
				w = 0;
			}
		}
	}
	if (!tt->dead)
		TEVENT_FD_NOT_WRITEABLE(tt->fde);
}

static void tcp_flush_now(struct tevent_context *ev,
			  struct tevent_immediate *im, void *priv)
{
	struct tcp_transport *tt = priv;

	tt->flush_scheduled = false;
	tcp_flush(tt);
}

static int tcp_send(struct smb2c_transport *t, TALLOC_CTX *owner,
		    const struct iovec *iov, int iovcnt)
{
	struct tcp_transport *tt = (struct tcp_transport *)t;
	struct tcp_out *o;
	size_t len = 0;

	if (tt->dead)
		return -ENOTCONN;
	o = talloc_zero(tt, struct tcp_out);
	if (!o)
		return -ENOMEM;
	o->iov = talloc_array(o, struct iovec, iovcnt + 1);
	if (!o->iov) {
		talloc_free(o);
		return -ENOMEM;
	}
	o->iovcnt = 1;
	for (int i = 0; i < iovcnt; i++) {
		/* empty pieces would stall the partial-write bookkeeping */
		if (iov[i].iov_len == 0)
			continue;
		o->iov[o->iovcnt++] = iov[i];
		len += iov[i].iov_len;
	}
	if (len > TCP_MAX_FRAME) {
		talloc_free(o);
		return -EMSGSIZE;
	}
	put_be32(o->nbss, (uint32_t)len);
	o->iov[0] = (struct iovec){ o->nbss, 4 };
	o->owner = owner;
	if (owner)
		talloc_steal(o, owner);
	if (tt->tail)
		tt->tail->next = o;
	else
		tt->head = o;
	tt->tail = o;
	tt->queued += len + 4;
	if (!tt->flush_scheduled) {
		tt->flush_scheduled = true;
		tevent_schedule_immediate(tt->flush_im, tt->ev, tcp_flush_now,
					  tt);
	}
	return 0;
}

static size_t tcp_queued(const struct smb2c_transport *t)
{
	return ((const struct tcp_transport *)t)->queued;
}

/* Hands complete messages in the staging buffer up; starts an in-place
 * read for one that does not fit. */
static void tcp_parse_stage(struct tcp_transport *tt)
{
	size_t off = 0;

	while (!tt->dead && tt->stage_len - off >= 4) {
		uint32_t hdr = get_be32(tt->stage + off);
		size_t len = hdr & TCP_MAX_FRAME;
		uint8_t *buf;

		if (hdr >> 24) { /* only session messages (type 0) */
			tcp_fail(tt, -EPROTO);
			return;
		}
		if (tt->stage_len - off - 4 < len) {
			if (len + 4 <= TCP_STAGE_SIZE)
				break; /* the rest comes into the stage */
			tt->frame = talloc_size(tt, len ? len : 1);
			if (!tt->frame) {
				tcp_fail(tt, -ENOMEM);
				return;
			}
			tt->frame_len = len;
			tt->frame_got = tt->stage_len - off - 4;
			memcpy(tt->frame, tt->stage + off + 4, tt->frame_got);
			off = tt->stage_len;
			break;
		}
		buf = talloc_memdup(tt, tt->stage + off + 4, len ? len : 1);
		off += 4 + len;
		if (!buf) {
			tcp_fail(tt, -ENOMEM);
			return;
		}
		tt->t.up.received(tt->t.up.upper, buf, len);
	}
	memmove(tt->stage, tt->stage + off, tt->stage_len - off);
	tt->stage_len -= off;
}

static void tcp_readable(struct tcp_transport *tt)
{
	ssize_t n;

	if (tt->frame) {
		n = read(tt->fd, tt->frame + tt->frame_got,
			 tt->frame_len - tt->frame_got);
	} else {
		n = read(tt->fd, tt->stage + tt->stage_len,
			 TCP_STAGE_SIZE - tt->stage_len);
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		tcp_fail(tt, n == 0 ? -ECONNRESET : -errno);
		return;
	}
	if (tt->frame) {
		tt->frame_got += (size_t)n;
		if (tt->frame_got == tt->frame_len) {
			uint8_t *buf = tt->frame;

			tt->frame = NULL;
			talloc_steal(NULL, buf);
			tt->t.up.received(tt->t.up.upper, buf, tt->frame_len);
		}
		return;
	}
	tt->stage_len += (size_t)n;
	tcp_parse_stage(tt);
}

static void tcp_fd_handler(struct tevent_context *ev, struct tevent_fd *fde,
			   uint16_t flags, void *priv)
{
	struct tcp_transport *tt = priv;

	if (flags & TEVENT_FD_WRITE)
		tcp_flush(tt);
	if (!tt->dead && (flags & TEVENT_FD_READ))
		tcp_readable(tt);
}

static int tcp_destructor(struct tcp_transport *tt)
{
	TALLOC_FREE(tt->fde);
	if (tt->fd >= 0)
		close(tt->fd);
	return 0;
}

static const struct smb2c_transport_ops tcp_ops = {
	.name = "tcp",
	.send = tcp_send,
	.queued = tcp_queued,
};

/* connect() with a timeout on a non-blocking socket. */
static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t elen = sizeof(err);

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -errno;
	if (poll(&pfd, 1, TCP_CONNECT_TIMEOUT_MS) == 0)
		return -ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
		return -errno;
	return -err;
}

static int tcp_open_socket(const char *host, uint16_t port, const char **why)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char service[8];
	int rc, fd = -1, err = -EHOSTUNREACH;

	snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		if (why)
			*why = gai_strerror(rc);
		return -ENOENT;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
			    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		err = connect_timeout(fd, ai->ai_addr, ai->ai_addrlen);
		if (err == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0 && why)
		*why = strerror(-err);
	return fd < 0 ? err : fd;
}

int smb2c_tcp_connect(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		      const char *host, uint16_t port,
		      struct smb2c_transport **out, const char **why)
{
	struct tcp_transport *tt;
	int one = 1, fd;

	fd = tcp_open_socket(host, port, why);
	if (fd < 0)
		return fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	tt = talloc_zero(mem_ctx, struct tcp_transport);
	if (!tt) {
		close(fd);
		return -ENOMEM;
	}
	tt->fd = fd;
	talloc_set_destructor(tt, tcp_destructor);
	tt->ev = ev;
	tt->t.ops = &tcp_ops;
	tt->stage = talloc_size(tt, TCP_STAGE_SIZE);
	tt->flush_im = tevent_create_immediate(tt);
	tt->fde = tevent_add_fd(ev, tt, fd, TEVENT_FD_READ, tcp_fd_handler,
				tt);
	if (!tt->stage || !tt->flush_im || !tt->fde) {
		talloc_free(tt);
		return -ENOMEM;
	}
	*out = &tt->t;
	return 0;
}

void smb2c_tcp_shutdown(struct smb2c_transport *t)
{
	struct tcp_transport *tt = (struct tcp_transport *)t;

	/* the read side then sees the end of the stream and fails the
	 * connection through the usual path */
	if (tt->fd >= 0)
		shutdown(tt->fd, SHUT_RDWR);
}
