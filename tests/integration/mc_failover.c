/*
 * Multichannel failover: four connections bound to one session write a
 * file striped over all of them; half-way one connection's socket is
 * shut down, its unanswered WRITEs go again on the others with
 * SMB2_FLAGS_REPLAY_OPERATION and the ChannelSequence bumped (MS-SMB2
 * 3.2.4.1.8, 3.3.5.2.10), and the file read back over a surviving
 * channel must have the SHA-256 of what was written.
 *
 * Usage: mc_failover HOST PORT SHARE USER PASSWORD [MIB]
 * Exit status: 0 passed, 1 failed, 77 the server cannot bind channels.
 */
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/smb2_client.h"

#define N_CHANS 4
#define CHUNK 65536u
#define DEPTH 4 /* WRITEs in flight per channel */
#define MAX_RETRIES 200
#define EXIT_SKIP 77

struct chan {
	struct smb2c_chan *ch;
	struct smb2c_transport *t;
	bool dead;
	unsigned inflight;
};

struct chunk {
	unsigned index;
	bool done, sent, replay;
	unsigned retries;
};

struct run {
	struct tevent_context *ev;
	struct chan chans[N_CHANS];
	uint32_t tree_id;
	struct smb2c_fid fid;
	uint8_t *data;
	size_t size;
	struct chunk *chunks;
	unsigned n_chunks, n_done, next_chan;
	uint16_t channel_sequence;
	bool killed, failed;
	unsigned replays;
};

struct write_ctx {
	struct run *r;
	struct chunk *c;
	unsigned chan;
	uint8_t body[48];
	struct iovec iov;
};

static void pump(struct run *r);

static NTSTATUS wait_status(struct tevent_context *ev, struct tevent_req *req,
			    NTSTATUS (*recv)(struct tevent_req *))
{
	NTSTATUS st;

	if (!req || !smb2c_wait(ev, req))
		return NT_STATUS_INTERNAL_ERROR;
	st = recv(req);
	talloc_free(req);
	return st;
}

static void write_done(struct tevent_req *req)
{
	struct write_ctx *w = tevent_req_callback_data(req, struct write_ctx);
	struct run *r = w->r;
	struct smb2c_rsp rsp;
	NTSTATUS st = smb2c_call_recv(req, w, &rsp);

	talloc_free(req);
	r->chans[w->chan].inflight--;
	w->c->sent = false;
	if (NT_STATUS_IS_OK(st) && NT_STATUS_IS_OK(rsp.status)) {
		w->c->done = true;
		r->n_done++;
	} else if (!NT_STATUS_IS_OK(st)) {
		/* the channel is gone: the client's Open.ChannelSequence
		 * moves on and the write goes again as a replay */
		if (!r->chans[w->chan].dead) {
			r->chans[w->chan].dead = true;
			r->channel_sequence++;
		}
		w->c->replay = true;
		r->replays++;
	} else if (NT_STATUS_EQUAL(rsp.status, NT_STATUS_FILE_NOT_AVAILABLE) &&
		   ++w->c->retries < MAX_RETRIES) {
		/* requests of the dead channel still run on the server */
		usleep(5000);
	} else {
		fprintf(stderr, "# WRITE of chunk %u failed: 0x%08x\n",
			w->c->index, NT_STATUS_V(rsp.status));
		r->failed = true;
	}
	talloc_free(w);
	pump(r);
}

static bool send_write(struct run *r, unsigned chan, struct chunk *c)
{
	struct write_ctx *w = talloc_zero(r, struct write_ctx);
	uint64_t off = (uint64_t)c->index * CHUNK;
	uint32_t len = (uint32_t)(r->size - off < CHUNK ? r->size - off : CHUNK);
	struct smb2c_call call = { 0 };
	struct tevent_req *req;

	if (!w)
		return false;
	w->r = r;
	w->c = c;
	w->chan = chan;
	/* MS-SMB2 2.2.21 */
	put_le16(w->body, 49);
	put_le16(w->body + 2, SMB2_HDR_SIZE + 48);
	put_le32(w->body + 4, len);
	put_le64(w->body + 8, off);
	put_le64(w->body + 16, r->fid.persistent);
	put_le64(w->body + 24, r->fid.volatile_);
	w->iov = (struct iovec){ r->data + off, len };
	call.command = SMB2_OP_WRITE;
	call.tree_id = r->tree_id;
	call.body = w->body;
	call.body_len = sizeof(w->body);
	call.payload = &w->iov;
	call.npayload = 1;
	call.credit_charge = smb2c_credit_charge(len);
	call.channel_sequence = r->channel_sequence;
	if (c->replay)
		call.flags = SMB2_FLAGS_REPLAY_OPERATION;
	req = smb2c_call_send(w, r->ev, r->chans[chan].ch, &call);
	if (!req) {
		talloc_free(w);
		return false;
	}
	tevent_req_set_callback(req, write_done, w);
	c->sent = true;
	r->chans[chan].inflight++;
	return true;
}

/* Keeps DEPTH writes in flight on every live channel, round robin. */
static void pump(struct run *r)
{
	unsigned i = 0;

	/* kill a channel with writes in flight, half-way */
	if (!r->killed && r->n_done >= r->n_chunks / 2 &&
	    r->chans[2].inflight > 0) {
		fprintf(stderr, "# shutting channel 2 down with %u writes in "
				"flight\n",
			r->chans[2].inflight);
		smb2c_tcp_shutdown(r->chans[2].t);
		r->killed = true;
	}
	for (i = 0; i < r->n_chunks && !r->failed; i++) {
		struct chunk *c = &r->chunks[i];
		unsigned tries = 0;

		if (c->done || c->sent)
			continue;
		while (tries++ < N_CHANS) {
			unsigned k = r->next_chan++ % N_CHANS;
			struct chan *ch = &r->chans[k];

			if (ch->dead || ch->inflight >= DEPTH)
				continue;
			if (!send_write(r, k, c))
				r->failed = true;
			break;
		}
		if (tries > N_CHANS)
			break; /* every channel is busy */
	}
}

static int connect_chan(struct run *r, struct chan *c, const char *host,
			uint16_t port, const struct smb2c_options *opt)
{
	const char *why = NULL;
	struct smb2c_conn *conn;
	int rc = smb2c_tcp_connect(r, r->ev, host, port, &c->t, &why);

	if (rc != 0) {
		fprintf(stderr, "# connect: %s\n", why ? why : "failed");
		return -1;
	}
	conn = smb2c_conn_new(r, r->ev, c->t, opt);
	if (!conn || !NT_STATUS_IS_OK(wait_status(
			 r->ev, smb2c_negotiate_send(conn, r->ev, conn),
			 smb2c_negotiate_recv)))
		return -1;
	c->ch = smb2c_conn_bare_chan(conn);
	return c->ch ? 0 : -1;
}

/* Reads the file back over channel k and hashes it. */
static int read_back(struct run *r, unsigned k, uint8_t md[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned mdlen = 0;
	int ret = -1;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto out;
	for (uint64_t off = 0; off < r->size; off += CHUNK) {
		uint8_t body[49] = { 0 };
		struct smb2c_call call = { 0 };
		struct smb2c_rsp rsp;
		struct tevent_req *req;
		uint32_t len = (uint32_t)(r->size - off < CHUNK ? r->size - off
								: CHUNK);
		uint32_t doff, dlen;
		NTSTATUS st;

		/* MS-SMB2 2.2.19 */
		put_le16(body, 49);
		put_le32(body + 4, len);
		put_le64(body + 8, off);
		put_le64(body + 16, r->fid.persistent);
		put_le64(body + 24, r->fid.volatile_);
		call.command = SMB2_OP_READ;
		call.tree_id = r->tree_id;
		call.body = body;
		call.body_len = sizeof(body);
		call.credit_charge = smb2c_credit_charge(len);
		req = smb2c_call_send(r, r->ev, r->chans[k].ch, &call);
		if (!req || !smb2c_wait(r->ev, req))
			goto out;
		st = smb2c_call_recv(req, r, &rsp);
		talloc_free(req);
		if (!NT_STATUS_IS_OK(st) || !NT_STATUS_IS_OK(rsp.status) ||
		    rsp.body.len < 16) {
			fprintf(stderr, "# READ at %llu failed\n",
				(unsigned long long)off);
			goto out;
		}
		doff = rsp.body.p[2];
		dlen = get_le32(rsp.body.p + 4);
		if (dlen != len || doff < SMB2_HDR_SIZE ||
		    doff - SMB2_HDR_SIZE + (size_t)dlen > rsp.body.len + 0u)
			goto out;
		EVP_DigestUpdate(ctx, rsp.body.p + doff - SMB2_HDR_SIZE, dlen);
		talloc_free(rsp.buf);
	}
	ret = EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32 ? 0 : -1;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

static int setup(struct run *r, char **argv)
{
	struct smb2c_options opt = { .sign = true };
	struct smb2c_creds creds = { argv[4], "", argv[5] };
	struct smb2c_create_args ca = {
		.name = "mc_failover.bin",
		.desired_access = 0x0012019f, /* read, write, attributes */
		.disposition = 5,	      /* FILE_OVERWRITE_IF */
		.share_access = 7,
		.file_attributes = 0x80,
	};
	char unc[256];
	uint32_t share_flags;
	struct tevent_req *req;
	NTSTATUS st;

	smb_random(opt.client_guid, 16);
	for (int i = 0; i < N_CHANS; i++)
		if (connect_chan(r, &r->chans[i], argv[1],
				 (uint16_t)atoi(argv[2]), &opt) != 0)
			return 1;
	if (!(smb2c_conn_info(r->chans[0].ch->conn)->server_caps &
	      SMB2_GLOBAL_CAP_MULTI_CHANNEL)) {
		printf("# the server does not offer multichannel\n");
		return EXIT_SKIP;
	}
	st = wait_status(r->ev, smb2c_session_setup_send(r, r->ev,
							 r->chans[0].ch,
							 &creds, NULL),
			 smb2c_session_setup_recv);
	if (!NT_STATUS_IS_OK(st))
		return 1;
	for (int i = 1; i < N_CHANS; i++) {
		st = wait_status(
		    r->ev,
		    smb2c_session_setup_send(r, r->ev, r->chans[i].ch, &creds,
					     r->chans[0].ch->sess),
		    smb2c_session_setup_recv);
		if (!NT_STATUS_IS_OK(st)) {
			printf("# binding refused: 0x%08x\n", NT_STATUS_V(st));
			return EXIT_SKIP;
		}
	}
	snprintf(unc, sizeof(unc), "\\\\%s\\%s", argv[1], argv[3]);
	req = smb2c_tree_connect_send(r, r->ev, r->chans[0].ch, unc);
	if (!req || !smb2c_wait(r->ev, req))
		return 1;
	st = smb2c_tree_connect_recv(req, &r->tree_id, &share_flags);
	talloc_free(req);
	if (!NT_STATUS_IS_OK(st))
		return 1;
	if (share_flags & SMB2_SHAREFLAG_ENCRYPT_DATA)
		r->chans[0].ch->sess->encrypt = true;
	req = smb2c_create_send(r, r->ev, r->chans[0].ch, r->tree_id, &ca);
	if (!req || !smb2c_wait(r->ev, req))
		return 1;
	st = smb2c_create_recv(req, &r->fid, NULL);
	talloc_free(req);
	return NT_STATUS_IS_OK(st) ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct run *r = talloc_zero(NULL, struct run);
	uint8_t want[32], got[32];
	int rc;

	if (argc < 6) {
		fprintf(stderr, "usage: mc_failover HOST PORT SHARE USER "
				"PASSWORD [MIB]\n");
		return 2;
	}
	/* writing to the channel shut down must fail, not kill us */
	signal(SIGPIPE, SIG_IGN);
	r->ev = tevent_context_init(r);
	r->size = (size_t)(argc > 6 ? atoi(argv[6]) : 16) << 20;
	r->n_chunks = (unsigned)((r->size + CHUNK - 1) / CHUNK);
	r->data = talloc_size(r, r->size);
	r->chunks = talloc_zero_array(r, struct chunk, r->n_chunks);
	if (!r->ev || !r->data || !r->chunks ||
	    smb_random(r->data, r->size) != 0)
		return 1;
	for (unsigned i = 0; i < r->n_chunks; i++)
		r->chunks[i].index = i;
	if (!EVP_Digest(r->data, r->size, want, NULL, EVP_sha256(), NULL))
		return 1;
	rc = setup(r, argv);
	if (rc != 0) {
		talloc_free(r);
		return rc == EXIT_SKIP ? EXIT_SKIP : 1;
	}
	pump(r);
	while (r->n_done < r->n_chunks && !r->failed)
		if (tevent_loop_once(r->ev) != 0)
			break;
	printf("# %u chunks written over %d channels, channel 2 killed: %s, "
	       "%u writes replayed\n",
	       r->n_done, N_CHANS, r->killed ? "yes" : "no", r->replays);
	if (r->failed || r->n_done < r->n_chunks || !r->killed) {
		talloc_free(r);
		return 1;
	}
	if (read_back(r, 0, got) != 0 || memcmp(want, got, 32) != 0) {
		printf("# sha256 of the file read back differs\n");
		talloc_free(r);
		return 1;
	}
	printf("# sha256 matches\n");
	talloc_free(r);
	return 0;
}
