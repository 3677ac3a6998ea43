/*
 * The measured run: qd requests in flight per channel, each completion
 * recording its latency and sending the next request, until the time or
 * byte budget is spent. Everything runs on one tevent loop, so the client
 * costs one core at most however deep the queues are.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"

#define INFO_ALL_INFORMATION 18 /* MS-FSCC 2.4.2 FileAllInformation */
#define INFO_MAX_LEN 4096

struct run_state;

struct slot {
	struct run_state *run;
	struct bench_chan *bc;
	unsigned index;
	uint64_t start_ns;
	uint32_t len;
	bool is_read;
	unsigned file;
	uint64_t off;
	uint8_t *buf; /* --verify over an inline transport */
	struct smb2c_rdma_buf *rbuf; /* RDMA channel: the slot's own buffer */
	struct smb2c_fid meta_fid; /* create-close: the open being closed */
	char meta_name[64];
};

struct run_state {
	struct tevent_context *ev;
	const struct bench_opts *o;
	struct bench_result *res;
	uint8_t *wbuf;
	uint64_t t0_ns, stop_ns;
	uint64_t issued_bytes, seq_cursor;
	uint64_t rng;
	unsigned inflight;
	bool stopping;
	bool use_rdma; /* payloads go by RDMA READ/WRITE */
	uint64_t last_progress_ns, progress_bytes, progress_ops;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: cheap and good enough to spread offsets. */
static uint64_t rnd(struct run_state *r)
{
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 2685821657736338717ull;
}

static void run_fail(struct run_state *r, const char *what, NTSTATUS st)
{
	if (!r->res->failed)
		snprintf(r->res->error, sizeof(r->res->error),
			 "%s: %s (0x%08x)", what, ntstatus_name(st),
			 NT_STATUS_V(st));
	r->res->failed = true;
	r->stopping = true;
}

static bool budget_left(struct run_state *r)
{
	if (r->stopping)
		return false;
	if (r->o->bytes)
		return r->issued_bytes < r->o->bytes;
	return now_ns() < r->stop_ns;
}

/* File and offset of the next I/O (MS-SMB2 offsets are per file). */
static void pick_offset(struct run_state *r, bool random, unsigned *file,
			uint64_t *off)
{
	const struct bench_opts *o = r->o;
	uint64_t blocks = o->file_size / o->bs;

	if (random) {
		*file = (unsigned)(rnd(r) % o->files);
		*off = (rnd(r) % blocks) * o->bs;
		return;
	}
	*file = (unsigned)((r->seq_cursor / blocks) % o->files);
	*off = (r->seq_cursor % blocks) * o->bs;
	r->seq_cursor++;
}

static void io_done(struct tevent_req *subreq);
static void meta_create_done(struct tevent_req *subreq);
static void meta_close_done(struct tevent_req *subreq);
static void stat_done(struct tevent_req *subreq);

static struct tevent_req *issue_io(struct slot *s)
{
	struct run_state *r = s->run;
	const struct bench_opts *o = r->o;
	struct bench_chan *bc = s->bc;
	bool random = o->rw == RW_RANDREAD || o->rw == RW_RANDWRITE ||
		      o->rw == RW_MIX;
	unsigned file;
	uint64_t off;

	switch (o->rw) {
	case RW_READ:
	case RW_RANDREAD:
		s->is_read = true;
		break;
	case RW_MIX:
		s->is_read = rnd(r) % 100 < o->mix_read_pct;
		break;
	default:
		s->is_read = false;
	}
	pick_offset(r, random, &file, &off);
	s->len = o->bs;
	s->file = file;
	s->off = off;
	r->issued_bytes += o->bs;
	if (!s->is_read && o->verify)
		bench_pattern_fill(s->rbuf ? s->rbuf->data : s->buf, o->bs,
				   file, off);
	if (s->rbuf && s->is_read)
		return smb2c_read_rdma_send(s, r->ev, bc->ch, bc->tree_id,
					    bc->fids[file], off, s->rbuf, 0,
					    o->bs);
	if (s->rbuf)
		return smb2c_write_rdma_send(s, r->ev, bc->ch, bc->tree_id,
					     bc->fids[file], off, s->rbuf, 0,
					     o->bs);
	if (s->is_read)
		return smb2c_read_send(s, r->ev, bc->ch, bc->tree_id,
				       bc->fids[file], off, o->bs);
	return smb2c_write_send(s, r->ev, bc->ch, bc->tree_id, bc->fids[file],
				off, s->buf ? s->buf : r->wbuf, o->bs);
}

/* Status of a finished READ; with --verify the data is checked. */
static NTSTATUS read_recv(struct slot *s, struct tevent_req *subreq,
			  uint32_t *n)
{
	struct run_state *r = s->run;
	uint32_t inline_len = 0;
	const uint8_t *data;
	NTSTATUS st;
	int64_t bad;

	if (s->rbuf) {
		st = smb2c_read_rdma_recv(subreq, n, &inline_len);
		/* an RDMA channel asked for, data sent inline instead */
		if (NT_STATUS_IS_OK(st) && inline_len != 0)
			return NT_STATUS_INVALID_NETWORK_RESPONSE;
		data = s->rbuf->data;
		r->res->rdma_ops++;
	} else if (s->buf) {
		st = smb2c_read_data_recv(subreq, s->buf, s->len, n);
		data = s->buf;
	} else {
		return smb2c_read_recv(subreq, n);
	}
	if (!NT_STATUS_IS_OK(st) || !r->o->verify)
		return st;
	bad = bench_pattern_check(data, *n, s->file, s->off);
	if (bad >= 0 || *n != s->len) {
		snprintf(r->res->error, sizeof(r->res->error),
			 "verify: file %u offset %" PRIu64 ": %s", s->file,
			 s->off + (bad >= 0 ? (uint64_t)bad : *n),
			 bad >= 0 ? "data differs" : "short read");
		r->res->failed = true;
		r->stopping = true;
		return st;
	}
	r->res->verified_bytes += *n;
	return st;
}

static struct tevent_req *issue_meta(struct slot *s)
{
	struct run_state *r = s->run;
	struct bench_chan *bc = s->bc;
	struct smb2c_create_args a = {
		.name = s->meta_name,
		.desired_access = FILE_READ_ATTRIBUTES | SYNCHRONIZE,
		.disposition = FILE_OPEN_IF,
		.share_access = FILE_SHARE_READ | FILE_SHARE_WRITE |
				FILE_SHARE_DELETE,
		.create_options = FILE_NON_DIRECTORY_FILE,
	};

	if (r->o->op == OP_STAT)
		return smb2c_query_info_send(s, r->ev, bc->ch, bc->tree_id,
					     bc->fids[s->index % r->o->files],
					     INFO_ALL_INFORMATION,
					     INFO_MAX_LEN);
	return smb2c_create_send(s, r->ev, bc->ch, bc->tree_id, &a);
}

/* Sends the slot's next operation, or retires the slot. */
static void slot_next(struct slot *s)
{
	struct run_state *r = s->run;
	struct tevent_req *subreq;
	tevent_req_fn fn;

	if (!budget_left(r))
		return;
	s->start_ns = now_ns();
	switch (r->o->op) {
	case OP_IO:
		subreq = issue_io(s);
		fn = io_done;
		break;
	case OP_STAT:
		subreq = issue_meta(s);
		fn = stat_done;
		break;
	default:
		subreq = issue_meta(s);
		fn = meta_create_done;
	}
	if (!subreq) {
		run_fail(r, "request", NT_STATUS_NO_MEMORY);
		return;
	}
	tevent_req_set_callback(subreq, fn, s);
	r->inflight++;
	s->bc->inflight++;
}

static void slot_finished(struct slot *s, uint64_t rd, uint64_t wr)
{
	struct bench_stats *st = &s->bc->st;

	s->run->inflight--;
	s->bc->inflight--;
	st->ops++;
	st->bytes_read += rd;
	st->bytes_written += wr;
	hist_add(&st->lat, now_ns() - s->start_ns);
	slot_next(s);
}

static void io_done(struct tevent_req *subreq)
{
	struct slot *s = tevent_req_callback_data(subreq, struct slot);
	uint32_t n = 0;
	NTSTATUS st = s->is_read ? read_recv(s, subreq, &n)
				 : smb2c_write_recv(subreq, &n);

	TALLOC_FREE(subreq);
	if (s->rbuf && !s->is_read)
		s->run->res->rdma_ops++;
	if (!NT_STATUS_IS_OK(st)) {
		s->run->inflight--;
		s->bc->inflight--;
		run_fail(s->run, s->is_read ? "READ" : "WRITE", st);
		return;
	}
	slot_finished(s, s->is_read ? n : 0, s->is_read ? 0 : n);
}

static void stat_done(struct tevent_req *subreq)
{
	struct slot *s = tevent_req_callback_data(subreq, struct slot);
	uint32_t n;
	NTSTATUS st = smb2c_query_info_recv(subreq, &n);

	TALLOC_FREE(subreq);
	if (!NT_STATUS_IS_OK(st)) {
		s->run->inflight--;
		s->bc->inflight--;
		run_fail(s->run, "QUERY_INFO", st);
		return;
	}
	slot_finished(s, 0, 0);
}

static void meta_create_done(struct tevent_req *subreq)
{
	struct slot *s = tevent_req_callback_data(subreq, struct slot);
	struct run_state *r = s->run;
	NTSTATUS st = smb2c_create_recv(subreq, &s->meta_fid, NULL);

	TALLOC_FREE(subreq);
	if (NT_STATUS_IS_OK(st)) {
		subreq = smb2c_close_send(s, r->ev, s->bc->ch, s->bc->tree_id,
					  s->meta_fid);
		if (subreq) {
			tevent_req_set_callback(subreq, meta_close_done, s);
			return;
		}
		st = NT_STATUS_NO_MEMORY;
	}
	r->inflight--;
	s->bc->inflight--;
	run_fail(r, "CREATE", st);
}

static void meta_close_done(struct tevent_req *subreq)
{
	struct slot *s = tevent_req_callback_data(subreq, struct slot);
	NTSTATUS st = smb2c_close_recv(subreq);

	TALLOC_FREE(subreq);
	if (!NT_STATUS_IS_OK(st)) {
		s->run->inflight--;
		s->bc->inflight--;
		run_fail(s->run, "CLOSE", st);
		return;
	}
	slot_finished(s, 0, 0);
}

static void progress_tick(struct tevent_context *ev, struct tevent_timer *te,
			  struct timeval now, void *priv)
{
	struct run_state *r = priv;
	uint64_t t = now_ns(), bytes = 0, ops = 0;
	double dt = (double)(t - r->last_progress_ns) / 1e9;

	for (unsigned i = 0; i < r->res->n_chans; i++) {
		const struct bench_stats *st = &r->res->chans[i].st;

		bytes += st->bytes_read + st->bytes_written;
		ops += st->ops;
	}
	fprintf(stderr, "%s[%5.1f s] %9.1f MB/s %9.0f IOPS%s",
		isatty(2) ? "\r" : "", (double)(t - r->t0_ns) / 1e9,
		(double)(bytes - r->progress_bytes) / dt / 1e6,
		(double)(ops - r->progress_ops) / dt, isatty(2) ? "" : "\n");
	r->last_progress_ns = t;
	r->progress_bytes = bytes;
	r->progress_ops = ops;
	if (!r->stopping && r->inflight)
		tevent_add_timer(ev, r, tevent_timeval_current_ofs(1, 0),
				 progress_tick, r);
}

void bench_pattern_fill(uint8_t *buf, uint32_t len, unsigned file,
			uint64_t off)
{
	/* offsets are block-aligned: every word is whole */
	for (uint32_t i = 0; i + 8 <= len; i += 8)
		put_le64(buf + i, (off + i) ^ ((uint64_t)file << 48) ^
					  0x5553424d00000000ull);
}

int64_t bench_pattern_check(const uint8_t *buf, uint32_t len, unsigned file,
			    uint64_t off)
{
	for (uint32_t i = 0; i + 8 <= len; i += 8)
		if (get_le64(buf + i) != ((off + i) ^ ((uint64_t)file << 48) ^
					  0x5553424d00000000ull))
			return i;
	return -1;
}

/* Slot index of channel bc, with its buffers: a registered one when
 * payloads go by RDMA, a plain one when --verify needs the data. */
static int slot_buffers(struct run_state *r, struct slot *s,
			struct bench_chan *bc, unsigned index)
{
	const struct bench_opts *o = r->o;
	struct smb2c_transport *t = bc->t;

	s->run = r;
	s->bc = bc;
	s->index = index;
	snprintf(s->meta_name, sizeof(s->meta_name), "usmbd-bench-meta.%u.%u",
		 bc->index, index);

	if (r->use_rdma) {
		s->rbuf = t->ops->rdma_buf_new(t, s, o->bs);
		if (!s->rbuf || o->bs > s->rbuf->max_rw) {
			snprintf(r->res->error, sizeof(r->res->error),
				 "cannot register a %u-byte buffer for RDMA "
				 "(the server takes %u at most)",
				 o->bs, s->rbuf ? s->rbuf->max_rw : 0);
			return -ENOMEM;
		}
		memcpy(s->rbuf->data, r->wbuf, o->bs);
	} else if (o->verify) {
		s->buf = talloc_size(s, o->bs);
		if (!s->buf)
			return -ENOMEM;
	}
	return 0;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int bench_run(struct tevent_context *ev, const struct bench_opts *o,
	      struct bench_result *res)
{
	struct run_state *r = talloc_zero(NULL, struct run_state);
	struct rusage ru0, ru1;
	struct slot **slots;
	uint64_t t_end;

	if (!r)
		return -ENOMEM;
	r->ev = ev;
	r->o = o;
	r->res = res;
	r->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	r->wbuf = talloc_size(r, o->bs ? o->bs : 1);
	if (!r->wbuf) {
		talloc_free(r);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < o->bs; i++)
		r->wbuf[i] = (uint8_t)rnd(r);
	/* encrypted traffic keeps its data inline (MS-SMB2 3.3.5.12) */
	r->use_rdma = o->transport == TRANSPORT_RDMA && o->op == OP_IO &&
		      o->bs > o->rdma_threshold && !res->encrypted;
	/* every slot and its buffers first: registering memory is set-up,
	 * not part of the measured run */
	slots = talloc_array(r, struct slot *, res->n_chans * o->qd);
	for (unsigned i = 0; slots && i < res->n_chans * o->qd; i++) {
		struct slot *s = talloc_zero(r, struct slot);

		if (!s || slot_buffers(r, s, &res->chans[i / o->qd],
				       i % o->qd) != 0) {
			if (res->error[0])
				fprintf(stderr, "usmbd-bench: %s\n",
					res->error);
			talloc_free(r);
			return -ENOMEM;
		}
		slots[i] = s;
	}
	if (!slots) {
		talloc_free(r);
		return -ENOMEM;
	}
	getrusage(RUSAGE_SELF, &ru0);
	r->t0_ns = now_ns();
	r->stop_ns = r->t0_ns + (uint64_t)(o->seconds * 1e9);
	r->last_progress_ns = r->t0_ns;
	for (unsigned i = 0; i < res->n_chans * o->qd; i++)
		slot_next(slots[i]);
	/* progress on runs long enough to want it */
	if (!o->quiet && (o->bytes || o->seconds >= 5))
		tevent_add_timer(ev, r, tevent_timeval_current_ofs(1, 0),
				 progress_tick, r);
	while (r->inflight > 0)
		if (tevent_loop_once(ev) != 0)
			break;
	t_end = now_ns();
	getrusage(RUSAGE_SELF, &ru1);
	if (!o->quiet && (o->bytes || o->seconds >= 5) && isatty(2))
		fputc('\n', stderr);
	res->wall_s = (double)(t_end - r->t0_ns) / 1e9;
	res->cpu_user_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
	res->cpu_sys_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
	talloc_free(r);
	return 0;
}
