#include "server/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf/log.h"

#define CTL_MAX_REQUEST 256

struct ctl_listener {
	int fd;
	char *path;
	struct smb2_server *srv;
	struct tevent_fd *fde;
};

struct ctl_client {
	int fd;
	struct smb2_server *srv;
	struct tevent_fd *fde;
	char req[CTL_MAX_REQUEST];
	size_t got;
	char *answer;
	size_t sent, len;
};

static const char *dialect_name(uint16_t d)
{
	switch (d) {
	case SMB2_DIALECT_202:
		return "2.0.2";
	case SMB2_DIALECT_210:
		return "2.1";
	case SMB2_DIALECT_300:
		return "3.0";
	case SMB2_DIALECT_302:
		return "3.0.2";
	case SMB2_DIALECT_311:
		return "3.1.1";
	default:
		return "-";
	}
}

static char *conn_line(TALLOC_CTX *ctx, const struct smb2_conn *c)
{
	char extra[256] = "";

	if (c->ops->describe)
		c->ops->describe(c->transport, extra, sizeof(extra));
	return talloc_asprintf(ctx,
			       "%s %s dialect=%s bytes_in=%llu bytes_out=%llu%s%s",
			       c->ops->name, c->peer, dialect_name(c->dialect),
			       (unsigned long long)c->bytes_in,
			       (unsigned long long)c->bytes_out,
			       extra[0] ? " " : "", extra);
}

char *ctl_status_text(TALLOC_CTX *mem_ctx, struct smb2_server *srv)
{
	char *out = talloc_asprintf(
		mem_ctx,
		"connections: %u  bytes_in=%llu bytes_out=%llu\n",
		srv->n_conns, (unsigned long long)srv->bytes_in,
		(unsigned long long)srv->bytes_out);
	unsigned n_sessions = 0;

	for (struct smb2_session *s = srv->sessions; s; s = s->next)
		n_sessions++;
	out = talloc_asprintf_append(out, "sessions: %u\n", n_sessions);
	for (struct smb2_session *s = srv->sessions; s && out; s = s->next) {
		unsigned n_trees = 0;
		for (struct smb2_tcon *t = s->tcons; t; t = t->next)
			n_trees++;
		out = talloc_asprintf_append(
			out,
			"session %llx user=%s%s%s state=%s dialect=%s "
			"signing=%s encryption=%s trees=%u opens=%u "
			"channels=%u\n",
			(unsigned long long)s->id, s->domain ? s->domain : "",
			s->domain && *s->domain ? "\\" : "",
			s->user ? s->user : "",
			s->state == SMB2_SESSION_VALID	     ? "valid"
			: s->state == SMB2_SESSION_EXPIRED ? "expired"
							   : "in-progress",
			dialect_name(s->dialect),
			s->signing_required ? "required" : "auto",
			s->encrypt_data ? "on" : "off", n_trees, s->n_opens,
			s->n_channels);
		for (struct smb2_channel *ch = s->channels; ch && out;
		     ch = ch->next) {
			char *line = conn_line(out, ch->conn);
			out = talloc_asprintf_append(out, "  channel %s%s\n",
						     line ? line : "",
						     ch->ready ? ""
							       : " (binding)");
		}
	}
	return out;
}

static void client_io(struct tevent_context *ev, struct tevent_fd *fde,
		      uint16_t flags, void *private_data)
{
	struct ctl_client *c = private_data;

	if (c->answer) {
		ssize_t n = write(c->fd, c->answer + c->sent, c->len - c->sent);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n > 0)
			c->sent += (size_t)n;
		if (n <= 0 || c->sent == c->len)
			talloc_free(c);
		return;
	}
	ssize_t n = read(c->fd, c->req + c->got, sizeof(c->req) - 1 - c->got);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		talloc_free(c);
		return;
	}
	c->got += (size_t)n;
	c->req[c->got] = '\0';
	char *nl = strchr(c->req, '\n');
	if (!nl && c->got < sizeof(c->req) - 1)
		return;
	if (nl)
		*nl = '\0';
	if (strcmp(c->req, "status") == 0)
		c->answer = ctl_status_text(c, c->srv);
	else
		c->answer = talloc_asprintf(c, "error: unknown command '%s' "
					       "(try: status)\n",
					    c->req);
	if (!c->answer) {
		talloc_free(c);
		return;
	}
	c->len = strlen(c->answer);
	TEVENT_FD_NOT_READABLE(fde);
	TEVENT_FD_WRITEABLE(fde);
}

static void ctl_accept(struct tevent_context *ev, struct tevent_fd *fde,
		       uint16_t flags, void *private_data)
{
	struct ctl_listener *l = private_data;
	int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct ctl_client *c;

	if (fd < 0)
		return;
	c = talloc_zero(l, struct ctl_client);
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->srv = l->srv;
	c->fde = tevent_add_fd(ev, c, fd, TEVENT_FD_READ, client_io, c);
	if (!c->fde) {
		close(fd);
		talloc_free(c);
		return;
	}
	tevent_fd_set_auto_close(c->fde);
}

static int listener_destructor(struct ctl_listener *l)
{
	TALLOC_FREE(l->fde);
	close(l->fd);
	unlink(l->path);
	return 0;
}

int ctl_listen(TALLOC_CTX *mem_ctx, struct smb2_server *srv)
{
	struct ctl_listener *l = talloc_zero(mem_ctx, struct ctl_listener);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int rc;

	if (!l)
		return -ENOMEM;
	l->srv = srv;
	l->path = talloc_asprintf(l, "%s/%s", srv->conf->state_dir,
				  USMBD_CTL_SOCKET);
	if (!l->path || strlen(l->path) >= sizeof(sa.sun_path)) {
		talloc_free(l);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, l->path);
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		rc = -errno;
		talloc_free(l);
		return rc;
	}
	unlink(l->path);
	old = umask(0077); /* only root may ask */
	rc = bind(l->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || listen(l->fd, 8) != 0) {
		rc = -errno;
		close(l->fd);
		talloc_free(l);
		return rc;
	}
	l->fde = tevent_add_fd(srv->ev, l, l->fd, TEVENT_FD_READ, ctl_accept,
			       l);
	if (!l->fde) {
		close(l->fd);
		talloc_free(l);
		return -ENOMEM;
	}
	talloc_set_destructor(l, listener_destructor);
	return 0;
}
