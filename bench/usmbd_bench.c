/*
 * usmbd-bench: an fio-like load generator for SMB 3.1.1 servers, built on
 * the project's client library. See bench/README.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench/bench.h"

#define LAYOUT_QD 8
#define LAYOUT_BS (1024 * 1024)
#define MAX_CHANNELS 32
#define MAX_QD 1024
#define INFO_ALLOCATION 19  /* MS-FSCC 2.4.4 FileAllocationInformation */
#define INFO_END_OF_FILE 20 /* MS-FSCC 2.4.13 FileEndOfFileInformation */
#define EXIT_SETUP 2

static void usage(FILE *f)
{
	fputs("usage: usmbd-bench -H host -U user[%pass] -s share [options]\n"
	      "  -H, --host HOST        server (default 127.0.0.1)\n"
	      "  -p, --port PORT        TCP port (default 445)\n"
	      "  -U, --user [DOM\\]USER[%PASS]  credentials (PASS also from "
	      "$USMBD_BENCH_PASSWORD)\n"
	      "  -s, --share SHARE      share name\n"
	      "      --channels N       connections bound to one session "
	      "(default 1)\n"
	      "      --transport tcp|rdma\n"
	      "      --rdma-threshold B payloads above B go by RDMA "
	      "(default 4096)\n"
	      "  -d, --qd N             requests in flight per channel "
	      "(default 8)\n"
	      "  -b, --bs SIZE          block size (default 1M)\n"
	      "      --rw read|write|randread|randwrite|mix=PCT\n"
	      "      --op io|create-close|stat\n"
	      "  -t, --time SECONDS     run time (default 10)\n"
	      "      --bytes SIZE       run until SIZE bytes moved instead\n"
	      "      --file-size SIZE   size of each test file (default 1G)\n"
	      "      --files N          number of test files (default 1)\n"
	      "      --prealloc         reserve and size the files first\n"
	      "      --sign             require signing\n"
	      "      --encrypt          encrypt everything\n"
	      "      --verify           write a pattern, check it on read "
	      "(fails on a mismatch)\n"
	      "      --json FILE        write results as JSON ('-': stdout)\n"
	      "  -q, --quiet            no progress lines\n",
	      f);
}

/* -U [DOMAIN\]user[%password] */
static void parse_user(struct bench_opts *o, char *arg)
{
	char *pct = strchr(arg, '%'), *bs = strchr(arg, '\\');

	if (pct) {
		*pct = '\0';
		o->password = pct + 1;
	}
	if (!bs)
		bs = strchr(arg, '/');
	if (bs) {
		*bs = '\0';
		o->domain = arg;
		o->user = bs + 1;
	} else {
		o->user = arg;
	}
}

enum {
	OPT_CHANNELS = 256, OPT_TRANSPORT, OPT_RDMA_THRESHOLD, OPT_RW, OPT_OP,
	OPT_BYTES, OPT_FILE_SIZE, OPT_FILES, OPT_PREALLOC, OPT_SIGN,
	OPT_ENCRYPT, OPT_JSON, OPT_VERIFY,
};

static const struct option long_opts[] = {
	{ "host", required_argument, NULL, 'H' },
	{ "port", required_argument, NULL, 'p' },
	{ "user", required_argument, NULL, 'U' },
	{ "share", required_argument, NULL, 's' },
	{ "channels", required_argument, NULL, OPT_CHANNELS },
	{ "transport", required_argument, NULL, OPT_TRANSPORT },
	{ "rdma-threshold", required_argument, NULL, OPT_RDMA_THRESHOLD },
	{ "qd", required_argument, NULL, 'd' },
	{ "bs", required_argument, NULL, 'b' },
	{ "rw", required_argument, NULL, OPT_RW },
	{ "op", required_argument, NULL, OPT_OP },
	{ "time", required_argument, NULL, 't' },
	{ "bytes", required_argument, NULL, OPT_BYTES },
	{ "file-size", required_argument, NULL, OPT_FILE_SIZE },
	{ "files", required_argument, NULL, OPT_FILES },
	{ "prealloc", no_argument, NULL, OPT_PREALLOC },
	{ "sign", no_argument, NULL, OPT_SIGN },
	{ "encrypt", no_argument, NULL, OPT_ENCRYPT },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_one(struct bench_opts *o, int c, char *arg)
{
	switch (c) {
	case 'H': o->host = arg; break;
	case 'p': o->port = (uint16_t)atoi(arg); return o->port ? 0 : -1;
	case 'U': parse_user(o, arg); break;
	case 's': o->share = arg; break;
	case OPT_CHANNELS:
		o->channels = (unsigned)atoi(arg);
		return o->channels >= 1 && o->channels <= MAX_CHANNELS ? 0 : -1;
	case OPT_TRANSPORT:
		if (strcmp(arg, "tcp") == 0)
			o->transport = TRANSPORT_TCP;
		else if (strcmp(arg, "rdma") == 0)
			o->transport = TRANSPORT_RDMA;
		else
			return -1;
		break;
	case OPT_RDMA_THRESHOLD:
		o->rdma_threshold = (uint32_t)bench_parse_size(arg);
		break;
	case 'd':
		o->qd = (unsigned)atoi(arg);
		return o->qd >= 1 && o->qd <= MAX_QD ? 0 : -1;
	case 'b':
		o->bs = (uint32_t)bench_parse_size(arg);
		return o->bs ? 0 : -1;
	case OPT_RW: return bench_parse_rw(o, arg);
	case OPT_OP:
		if (strcmp(arg, "io") == 0)
			o->op = OP_IO;
		else if (strcmp(arg, "create-close") == 0)
			o->op = OP_CREATE_CLOSE;
		else if (strcmp(arg, "stat") == 0)
			o->op = OP_STAT;
		else
			return -1;
		break;
	case 't':
		o->seconds = atof(arg);
		return o->seconds > 0 ? 0 : -1;
	case OPT_BYTES:
		o->bytes = bench_parse_size(arg);
		return o->bytes ? 0 : -1;
	case OPT_FILE_SIZE:
		o->file_size = bench_parse_size(arg);
		return o->file_size ? 0 : -1;
	case OPT_FILES:
		o->files = (unsigned)atoi(arg);
		return o->files >= 1 ? 0 : -1;
	case OPT_PREALLOC: o->prealloc = true; break;
	case OPT_SIGN: o->sign = true; break;
	case OPT_ENCRYPT: o->encrypt = true; break;
	case OPT_VERIFY: o->verify = true; break;
	case OPT_JSON: o->json = arg; break;
	case 'q': o->quiet = true; break;
	default: return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct bench_opts *o)
{
	int c;

	*o = (struct bench_opts){
		.host = "127.0.0.1", .port = 445, .domain = "",
		.channels = 1, .qd = 8, .bs = 1024 * 1024, .rw = RW_READ,
		.mix_read_pct = 70, .seconds = 10, .file_size = 1ull << 30,
		.files = 1, .rdma_threshold = 4096,
	};
	while ((c = getopt_long(argc, argv, "H:p:U:s:d:b:t:qh", long_opts,
				NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (parse_one(o, c, optarg) != 0) {
			if (optarg)
				fprintf(stderr, "usmbd-bench: bad value '%s'\n",
					optarg);
			usage(stderr);
			return -1;
		}
	}
	if (!o->password)
		o->password = getenv("USMBD_BENCH_PASSWORD");
	if (!o->user || !o->share || optind != argc) {
		fprintf(stderr, "usmbd-bench: -U user and -s share are "
				"required\n");
		usage(stderr);
		return -1;
	}
	if (!o->password)
		o->password = "";
	if (o->verify && (o->op != OP_IO || o->bs % 8 != 0 ||
			  o->rw == RW_MIX)) {
		fprintf(stderr, "usmbd-bench: --verify needs --op io, a "
				"block size in multiples of 8 and no mix\n");
		return -1;
	}
	if (o->op == OP_IO && o->file_size < o->bs) {
		fprintf(stderr, "usmbd-bench: --file-size is smaller than the "
				"block size\n");
		return -1;
	}
	return 0;
}

/* ---- set-up ---- */

struct setup {
	TALLOC_CTX *top;
	struct tevent_context *ev;
	const struct bench_opts *o;
	struct smb2c_options copt;
	struct smb2c_creds creds;
	struct smb2c_session *sess0;
	char unc[512];
	char mode[160];
	bool encrypted;
};

static const char *status_hint(NTSTATUS st)
{
	if (NT_STATUS_EQUAL(st, NT_STATUS_LOGON_FAILURE) ||
	    NT_STATUS_EQUAL(st, NT_STATUS_WRONG_PASSWORD) ||
	    NT_STATUS_EQUAL(st, NT_STATUS_NO_SUCH_USER))
		return "wrong user name or password";
	if (NT_STATUS_EQUAL(st, NT_STATUS_BAD_NETWORK_NAME))
		return "no such share";
	if (NT_STATUS_EQUAL(st, NT_STATUS_ACCESS_DENIED))
		return "access denied";
	if (NT_STATUS_EQUAL(st, NT_STATUS_NOT_SUPPORTED))
		return "the server does not speak SMB 3.1.1";
	if (NT_STATUS_EQUAL(st, NT_STATUS_CONNECTION_DISCONNECTED))
		return "the server closed the connection";
	if (NT_STATUS_EQUAL(st, NT_STATUS_INVALID_NETWORK_RESPONSE))
		return "the server's answer was malformed or failed its "
		       "signature check";
	return "";
}

static int fail(const char *what, NTSTATUS st)
{
	const char *hint = status_hint(st);

	fprintf(stderr, "usmbd-bench: %s failed: %s%s%s\n", what,
		ntstatus_name(st), *hint ? ": " : "", hint);
	return -1;
}

static NTSTATUS wait_status(struct tevent_context *ev, struct tevent_req *req,
			    NTSTATUS (*recv)(struct tevent_req *))
{
	if (!req)
		return NT_STATUS_NO_MEMORY;
	NTSTATUS st = NT_STATUS_INTERNAL_ERROR;

	if (smb2c_wait(ev, req))
		st = recv(req);
	talloc_free(req);
	return st;
}

static int connect_channel(struct setup *su, struct bench_chan *bc)
{
	const struct bench_opts *o = su->o;
	struct smb2c_transport *t;
	struct smb2c_conn *conn;
	const char *why = NULL;
	NTSTATUS st;
	int rc;

#ifdef HAVE_RDMA
	if (o->transport == TRANSPORT_RDMA)
		rc = smb2c_rdma_connect(su->top, su->ev, o->host, o->port, &t,
					&why);
	else
#endif
		rc = smb2c_tcp_connect(su->top, su->ev, o->host, o->port, &t,
				       &why);
	if (rc != 0) {
		fprintf(stderr, "usmbd-bench: cannot connect to %s port %u%s: "
				"%s\n",
			o->host, o->port,
			o->transport == TRANSPORT_RDMA ? " (SMB Direct)" : "",
			why ? why : strerror(-rc));
		return -1;
	}
	bc->t = t;
	conn = smb2c_conn_new(su->top, su->ev, t, &su->copt);
	if (!conn)
		return -1;
	st = wait_status(su->ev, smb2c_negotiate_send(conn, su->ev, conn),
			 smb2c_negotiate_recv);
	if (!NT_STATUS_IS_OK(st))
		return fail("NEGOTIATE", st);
	bc->ch = talloc_zero(conn, struct smb2c_chan);
	if (!bc->ch)
		return -1;
	bc->ch->conn = conn;
	return 0;
}

static int tree_connect(struct setup *su, struct bench_chan *bc)
{
	struct tevent_req *req = smb2c_tree_connect_send(bc->ch, su->ev,
							  bc->ch, su->unc);
	uint32_t flags = 0;
	NTSTATUS st;

	if (!req || !smb2c_wait(su->ev, req))
		return -1;
	st = smb2c_tree_connect_recv(req, &bc->tree_id, &flags);
	talloc_free(req);
	if (!NT_STATUS_IS_OK(st)) {
		fprintf(stderr,
			"usmbd-bench: TREE_CONNECT to %s failed: %s%s%s\n",
			su->unc, ntstatus_name(st),
			*status_hint(st) ? ": " : "", status_hint(st));
		return -1;
	}
	/* MS-SMB2 3.2.5.5: the share asks for encryption */
	if (flags & SMB2_SHAREFLAG_ENCRYPT_DATA)
		bc->ch->sess->encrypt = true;
	return 0;
}

static int session_setup(struct setup *su, struct bench_chan *bc,
			 struct smb2c_session *bind, NTSTATUS *out)
{
	NTSTATUS st = wait_status(
		su->ev,
		smb2c_session_setup_send(bc->ch, su->ev, bc->ch, &su->creds,
					 bind),
		smb2c_session_setup_recv);

	*out = st;
	if (!NT_STATUS_IS_OK(st))
		return -1;
	if (bc->ch->sess->encrypt)
		su->encrypted = true;
	return 0;
}

/*
 * Channel 0 makes the session; the others bind to it (MS-SMB2 3.2.4.2.3).
 * Where the server refuses binding, each further channel gets a session
 * of its own, and the mode says so.
 */
static int setup_channels(struct setup *su, struct bench_result *res)
{
	NTSTATUS st, bind_st = NT_STATUS_OK;
	unsigned bound = 0, separate = 0;

	for (unsigned i = 0; i < res->n_chans; i++) {
		struct bench_chan *bc = &res->chans[i];

		bc->index = i;
		if (connect_channel(su, bc) != 0)
			return -1;
		if (i > 0 && session_setup(su, bc, su->sess0, &st) == 0) {
			bc->tree_id = res->chans[0].tree_id;
			bound++;
			continue;
		}
		if (i > 0) {
			bind_st = st;
			separate++;
		}
		if (session_setup(su, bc, NULL, &st) != 0)
			return fail("SESSION_SETUP", st);
		if (i == 0)
			su->sess0 = bc->ch->sess;
		if (tree_connect(su, bc) != 0)
			return -1;
	}
	if (res->n_chans == 1)
		snprintf(su->mode, sizeof(su->mode), "single channel");
	else if (separate == 0)
		snprintf(su->mode, sizeof(su->mode),
			 "multichannel, %u connections bound to one session",
			 res->n_chans);
	else
		snprintf(su->mode, sizeof(su->mode),
			 "%u sessions, one per connection (binding refused: "
			 "%s)",
			 separate + 1 - bound, ntstatus_name(bind_st));
	return 0;
}

static NTSTATUS open_file(struct setup *su, struct bench_chan *bc,
			  const char *name, struct smb2c_fid *fid,
			  uint64_t *eof)
{
	struct smb2c_create_args a = {
		.name = name,
		.desired_access = FILE_READ_DATA | FILE_WRITE_DATA |
				  FILE_READ_ATTRIBUTES | FILE_WRITE_ATTRIBUTES |
				  SYNCHRONIZE,
		.disposition = FILE_OPEN_IF,
		.share_access = FILE_SHARE_READ | FILE_SHARE_WRITE |
				FILE_SHARE_DELETE,
		.create_options = FILE_NON_DIRECTORY_FILE,
	};
	struct tevent_req *req = smb2c_create_send(NULL, su->ev, bc->ch,
						    bc->tree_id, &a);

	NTSTATUS st = NT_STATUS_NO_MEMORY;

	if (req && smb2c_wait(su->ev, req))
		st = smb2c_create_recv(req, fid, eof);
	talloc_free(req);
	return st;
}

static NTSTATUS set_size_info(struct setup *su, struct bench_chan *bc,
			      struct smb2c_fid fid, uint8_t cls, uint64_t size)
{
	uint8_t buf[8];
	struct tevent_req *req;

	put_le64(buf, size);
	req = smb2c_set_info_send(NULL, su->ev, bc->ch, bc->tree_id, fid, cls,
				  buf, sizeof(buf));
	return wait_status(su->ev, req, smb2c_set_info_recv);
}

struct layout {
	struct tevent_context *ev;
	struct bench_chan *bc;
	struct smb2c_fid fid;
	uint8_t *buf;
	struct smb2c_rdma_buf *rbuf; /* SMB Direct: buf, registered */
	uint64_t next, end;
	unsigned inflight;
	NTSTATUS status;
};

static void layout_pump(struct layout *l);

static void layout_done(struct tevent_req *req)
{
	struct layout *l = tevent_req_callback_data_void(req);
	uint32_t n;
	NTSTATUS st = smb2c_write_recv(req, &n);

	talloc_free(req);
	l->inflight--;
	if (!NT_STATUS_IS_OK(st))
		l->status = st;
	layout_pump(l);
}

static void layout_pump(struct layout *l)
{
	while (NT_STATUS_IS_OK(l->status) && l->next < l->end &&
	       l->inflight < LAYOUT_QD) {
		uint64_t len = l->end - l->next;
		struct tevent_req *req;

		if (len > LAYOUT_BS)
			len = LAYOUT_BS;
		if (l->rbuf)
			req = smb2c_write_rdma_send(l->bc->ch, l->ev,
						    l->bc->ch, l->bc->tree_id,
						    l->fid, l->next, l->rbuf,
						    0, (uint32_t)len);
		else
			req = smb2c_write_send(l->bc->ch, l->ev, l->bc->ch,
					       l->bc->tree_id, l->fid, l->next,
					       l->buf, (uint32_t)len);
		if (!req) {
			l->status = NT_STATUS_NO_MEMORY;
			return;
		}
		tevent_req_set_callback(req, layout_done, l);
		l->next += len;
		l->inflight++;
	}
}

/* Writes [from, to) of a file so that reads find data, fio style. */
static NTSTATUS layout_file(struct setup *su, struct bench_chan *bc,
			    struct smb2c_fid fid, uint64_t from, uint64_t to)
{
	struct layout l = { .ev = su->ev, .bc = bc, .fid = fid, .next = from,
			    .end = to, .status = NT_STATUS_OK };
	struct smb2c_transport *t = bc->t;

	/* inline 1 MiB WRITEs would not fit SMB Direct's message limit */
	if (t->ops->rdma_buf_new && !bc->ch->sess->encrypt) {
		l.rbuf = t->ops->rdma_buf_new(t, NULL, LAYOUT_BS);
		if (!l.rbuf)
			return NT_STATUS_NO_MEMORY;
		l.buf = l.rbuf->data;
	} else {
		l.buf = talloc_size(NULL, LAYOUT_BS);
	}
	if (!l.buf)
		return NT_STATUS_NO_MEMORY;
	for (size_t i = 0; i < LAYOUT_BS; i++)
		l.buf[i] = (uint8_t)(i * 131 + 7);
	layout_pump(&l);
	while (l.inflight > 0)
		if (tevent_loop_once(su->ev) != 0)
			break;
	if (l.rbuf)
		talloc_free(l.rbuf);
	else
		talloc_free(l.buf);
	return l.status;
}

/* Opens the test files on every channel, sizing them first. */
static int setup_files(struct setup *su, struct bench_result *res)
{
	const struct bench_opts *o = su->o;
	bool reads = o->rw != RW_WRITE && o->rw != RW_RANDWRITE;

	for (unsigned i = 0; i < res->n_chans; i++) {
		res->chans[i].fids = talloc_array(res->chans, struct smb2c_fid,
						  o->files);
		if (!res->chans[i].fids)
			return -1;
	}
	for (unsigned f = 0; f < o->files; f++) {
		char name[64];
		uint64_t eof = 0;
		NTSTATUS st;

		snprintf(name, sizeof(name), "usmbd-bench.%u", f);
		for (unsigned i = 0; i < res->n_chans; i++) {
			st = open_file(su, &res->chans[i], name,
				       &res->chans[i].fids[f],
				       i == 0 ? &eof : NULL);
			if (!NT_STATUS_IS_OK(st))
				return fail("CREATE of the test file", st);
		}
		if (o->prealloc && eof < o->file_size) {
			st = set_size_info(su, &res->chans[0],
					   res->chans[0].fids[f],
					   INFO_ALLOCATION, o->file_size);
			if (NT_STATUS_IS_OK(st))
				st = set_size_info(su, &res->chans[0],
						   res->chans[0].fids[f],
						   INFO_END_OF_FILE,
						   o->file_size);
			if (!NT_STATUS_IS_OK(st))
				return fail("SET_INFO (preallocation)", st);
		} else if (o->op == OP_IO && reads && eof < o->file_size &&
			   o->verify) {
			fprintf(stderr, "usmbd-bench: --verify reads need %s "
					"written by a --verify write run "
					"first\n",
				name);
			return -1;
		} else if (o->op == OP_IO && reads && eof < o->file_size) {
			if (!o->quiet)
				fprintf(stderr, "laying out %s (%" PRIu64
						" bytes)\n",
					name, o->file_size);
			st = layout_file(su, &res->chans[0],
					 res->chans[0].fids[f], eof,
					 o->file_size);
			if (!NT_STATUS_IS_OK(st))
				return fail("WRITE (lay-out)", st);
		}
	}
	return 0;
}

static void close_files(struct setup *su, struct bench_result *res)
{
	for (unsigned i = 0; i < res->n_chans; i++) {
		struct bench_chan *bc = &res->chans[i];

		for (unsigned f = 0; bc->fids && f < su->o->files; f++) {
			struct tevent_req *req = smb2c_close_send(
				NULL, su->ev, bc->ch, bc->tree_id, bc->fids[f]);

			if (req && smb2c_wait(su->ev, req))
				(void)smb2c_close_recv(req);
			talloc_free(req);
		}
	}
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_result res = { 0 };
	struct setup su = { 0 };
	TALLOC_CTX *top;
	int rc = EXIT_SETUP;

	if (parse_args(argc, argv, &o) != 0)
		return EXIT_SETUP;
#ifndef HAVE_RDMA
	if (o.transport == TRANSPORT_RDMA) {
		fprintf(stderr, "usmbd-bench: --transport rdma: built without "
				"rdma-core, no SMB Direct\n");
		return EXIT_SETUP;
	}
#endif
	if (smb_crypto_init() != 0) {
		fprintf(stderr, "usmbd-bench: OpenSSL initialisation failed\n");
		return EXIT_SETUP;
	}
	top = talloc_new(NULL);
	su.top = top;
	su.ev = tevent_context_init(top);
	su.o = &o;
	su.copt.sign = o.sign;
	su.copt.encrypt = o.encrypt;
	su.creds = (struct smb2c_creds){ o.user, o.domain, o.password };
	if (!su.ev || smb_random(su.copt.client_guid, 16) != 0)
		goto out;
	snprintf(su.unc, sizeof(su.unc), "\\\\%s\\%s", o.host, o.share);
	res.o = &o;
	res.n_chans = o.channels;
	res.chans = talloc_zero_array(top, struct bench_chan, o.channels);
	if (!res.chans || setup_channels(&su, &res) != 0)
		goto out;
	if ((o.op == OP_IO || o.op == OP_STAT) && setup_files(&su, &res) != 0)
		goto out;
	res.info = smb2c_conn_info(res.chans[0].ch->conn);
	res.mode = su.mode;
	res.encrypted = su.encrypted;
	res.signed_ = !su.encrypted && res.chans[0].ch->sess->signing_required;
	if (bench_run(su.ev, &o, &res) != 0)
		goto out;
	close_files(&su, &res);
	bench_print_table(stdout, &res);
	if (o.transport == TRANSPORT_RDMA && o.op == OP_IO)
		printf("SMB Direct: %" PRIu64
		       " READ/WRITE with an RDMA channel (payloads above %u "
		       "bytes)\n",
		       res.rdma_ops, o.rdma_threshold);
	if (o.verify)
		printf("verify: %" PRIu64 " bytes read back and checked%s\n",
		       res.verified_bytes,
		       res.failed ? "" : ", no mismatch");

	if (o.json && bench_write_json(o.json, &res) != 0)
		fprintf(stderr, "usmbd-bench: cannot write %s\n", o.json);
	rc = res.failed ? 1 : 0;
out:
	talloc_free(top);
	return rc;
}
