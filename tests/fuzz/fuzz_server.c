/*
 * The whole request path of the server: a real struct smb2_server with a
 * guest share in a private temporary directory, one fresh connection per
 * input on a fake transport, and the input split into messages (each a
 * little-endian 16-bit length, then the bytes). Messages go through
 * smb2_conn_recv() exactly as the TCP transport hands them over, so every
 * command decoder, the compound logic, credits, sessions, NTLMSSP and
 * SPNEGO are reached. Between messages the tevent loop runs until no
 * request is pending, so thread pool completions happen in order and the
 * run stays deterministic.
 *
 * Session, tree and file ids start at 1 for every input, and the share
 * is reset to the same few files, so seeds can name them.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <talloc.h>
#include <tevent.h>
#include <unistd.h>

#include "conf/conf.h"
#include "smb2/smb2_crypto.h"
#include "smb2/smb2_server.h"
#include "tests/fuzz/fuzz.h"

/* Bounds the loop turns per message: a request that stays pending (a
 * blocked lock, a change notify) must not hang the fuzzer. */
#define MAX_LOOP_TURNS 64

struct fake_transport {
	bool disconnected;
	size_t bytes_sent;
};

static struct tevent_context *ev;
static bool trace; /* USMBD_FUZZ_LOG: print each response's status */
static struct smb2_server *srv;
static char top_dir[64];
static char share_dir[96];

/* Prints command and status of each element of a response. */
static void trace_response(const struct iovec *iov, int iovcnt)
{
	uint8_t hdr[SMB2_HDR_SIZE];
	size_t elem_start = 0, pos = 0, got = 0;

	for (int i = 0; i < iovcnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		for (size_t k = 0; k < iov[i].iov_len; k++, pos++) {
			if (pos < elem_start || pos - elem_start >= sizeof(hdr))
				continue;
			hdr[pos - elem_start] = p[k];
			if (++got < sizeof(hdr))
				continue;
			fprintf(stderr, "fuzz: response %s status 0x%08x\n",
				smb2_command_name(get_le16(hdr + 12)),
				get_le32(hdr + 8));
			got = 0;
			if (!get_le32(hdr + 20))
				return;
			elem_start += get_le32(hdr + 20);
		}
	}
}

static int fake_send(void *transport, const struct iovec *iov, int iovcnt,
		     void *owner)
{
	struct fake_transport *t = transport;
	volatile uint8_t sink = 0;

	/* read every byte, so that a response built from freed or
	 * unallocated memory trips ASan here */
	for (int i = 0; i < iovcnt; i++) {
		const uint8_t *p = iov[i].iov_base;
		for (size_t k = 0; k < iov[i].iov_len; k++)
			sink ^= p[k];
		t->bytes_sent += iov[i].iov_len;
	}
	(void)sink;
	if (trace)
		trace_response(iov, iovcnt);
	talloc_free(owner);
	return 0;
}

static void fake_disconnect(void *transport, const char *why)
{
	struct fake_transport *t = transport;
	t->disconnected = true;
}

static const struct smb2_transport_ops fake_ops = {
	.send = fake_send,
	.disconnect = fake_disconnect,
	.name = "fuzz",
};

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-server: %s\n", what);
	abort();
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	if (ftw->level == 0)
		return 0; /* keep the share root: the server holds its fd */
	return remove(path) == 0 ? 0 : -1;
}

static void write_file(const char *rel, const char *text)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", share_dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		fail("cannot write a share file");
	close(fd);
}

/* The same share contents for every input. */
static void reset_share(void)
{
	char path[160];

	if (nftw(share_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fail("cannot empty the share");
	write_file("file.txt", "usmbd fuzz file\n");
	snprintf(path, sizeof(path), "%s/dir", share_dir);
	if (mkdir(path, 0755) != 0)
		fail("cannot make the share's directory");
	write_file("dir/inner.txt", "inner\n");
}

static void cleanup(void) __attribute__((destructor));
static void cleanup(void)
{
	if (!top_dir[0])
		return;
	TALLOC_FREE(srv);
	nftw(top_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	rmdir(top_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct usmbd_conf *conf;
	char *text, *err = NULL;

	fuzz_quiet_log();
	trace = getenv("USMBD_FUZZ_LOG") != NULL;
	if (smb_crypto_init() != 0)
		abort();
	snprintf(top_dir, sizeof(top_dir), "/tmp/usmbd-fuzz-server.XXXXXX");
	if (!mkdtemp(top_dir))
		abort();
	snprintf(share_dir, sizeof(share_dir), "%s/share", top_dir);
	if (mkdir(share_dir, 0755) != 0)
		abort();
	ev = tevent_context_init(NULL);
	if (!ev)
		abort();
	/* no failed-logon delay and no interim responses: both depend on
	 * timers, which would make runs differ */
	text = talloc_asprintf(NULL,
			       "[global]\n"
			       "users file = %s/users\n"
			       "state dir = %s\n"
			       "server name = FUZZ\n"
			       "io threads = 1\n"
			       "pending threshold ms = 60000\n"
			       "failed logon delay ms = 0\n"
			       "[share]\n"
			       "path = %s\n"
			       "guest ok = yes\n",
			       top_dir, top_dir, share_dir);
	if (!text || conf_load_string(ev, text, "fuzz", &conf, &err) != 0) {
		fprintf(stderr, "fuzz config: %s\n", err ? err : "no memory");
		abort();
	}
	talloc_free(text);
	srv = smb2_server_new(ev, ev, conf);
	if (!srv)
		abort();
	return 0;
}

/* tevent frees a timer once it has fired; forget it then. */
static void timer_fired(struct tevent_context *e, struct tevent_timer *te,
			struct timeval now, void *private_data)
{
	struct tevent_timer **slot = private_data;
	*slot = NULL;
}

/* Runs the loop until nothing is pending on conn (or the turns run out). */
static void drain(struct smb2_conn *conn)
{
	for (int i = 0; i < MAX_LOOP_TURNS && conn->pending; i++) {
		struct tevent_timer *te = NULL;

		te = tevent_add_timer(ev, ev,
				      tevent_timeval_current_ofs(0, 2000),
				      timer_fired, &te);
		tevent_loop_once(ev);
		TALLOC_FREE(te);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_transport t = { 0 };
	struct smb2_conn *conn;
	struct wire_slice part;

	reset_share();
	srv->next_session_id = 1;
	srv->next_persistent_id = 1;
	conn = smb2_conn_new(srv, srv, &fake_ops, &t, "192.0.2.1:445");
	if (!conn)
		abort();
	while (!t.disconnected && fuzz_next_part(&data, &size, &part)) {
		if (part.len == 0)
			continue; /* the transport skips empty messages */
		if (part.len > smb2_conn_max_recv(conn))
			break; /* the transport would drop the connection */
		uint8_t *buf = fuzz_copy(NULL, part);
		if (!buf)
			abort();
		smb2_conn_recv(conn, buf, part.len);
		drain(conn);
	}
	talloc_free(conn);
	if (srv->sessions || srv->files || srv->n_conns)
		fail("state outlived its connection");
	return 0;
}
