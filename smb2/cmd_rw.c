/*
 * READ, WRITE and FLUSH (MS-SMB2 3.3.5.12, 3.3.5.13, 3.3.5.11). The blocking
 * pread/pwrite/fsync run on the thread pool; READ data goes from the job's
 * buffer straight into the response iovec, WRITE data straight from the
 * received message, with no copy.
 *
 * Over SMB Direct a READ or WRITE may carry an RDMA channel: the job's
 * buffer is then a registered one from the transport's pool, a READ
 * pushes it to the client's buffers by RDMA WRITE after the pread, and a
 * WRITE pulls the data by RDMA READ before the pwrite.
 */
#include <errno.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "smb2/brlock.h"
#include "smb2/ipc.h"
#include "smb2/lease.h"
#include "smb2/replay.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_objects.h"
#include "smb2/wtime.h"

#define READ_RSP_DATA_OFFSET (SMB2_HDR_SIZE + 16)

enum io_kind { IO_READ, IO_WRITE, IO_FLUSH };

struct io_job {
	enum io_kind kind;
	struct smb2_fdref *fdref;
	uint8_t *buf; /* READ: the data; WRITE: the message holding it */
	const uint8_t *data;
	size_t len;
	uint64_t offset;
	bool sync_after; /* write-through */
	ssize_t result;	 /* bytes, or -errno */
	struct smb2_rdma_io *rdma; /* RDMA channel: owns buf's memory */
};

struct io_state {
	struct smb2_req *req;
	struct io_job *job;
	uint32_t min_count;
	struct smb2_open_watch open; /* to update its position */
};

static int io_state_destructor(struct io_state *state)
{
	smb2_open_unwatch(&state->open);
	return 0;
}

static int io_job_destructor(struct io_job *job)
{
	smb2_fdref_put(job->fdref);
	return 0;
}

static void io_job_run(void *private_data)
{
	struct io_job *job = private_data;
	int fd = job->fdref->fd;
	size_t done = 0;
	ssize_t n = 0;

	switch (job->kind) {
	case IO_READ:
		while (done < job->len) {
			n = pread(fd, job->buf + done, job->len - done,
				  (off_t)(job->offset + done));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			done += (size_t)n;
		}
		job->result = (done > 0 || n >= 0) ? (ssize_t)done : -errno;
		break;
	case IO_WRITE:
		while (done < job->len) {
			n = pwrite(fd, job->data + done, job->len - done,
				   (off_t)(job->offset + done));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			done += (size_t)n;
		}
		job->result = done == job->len ? (ssize_t)done : -errno;
		if (job->result >= 0 && job->sync_after &&
		    fdatasync(fd) != 0)
			job->result = -errno;
		break;
	case IO_FLUSH:
		job->result = fsync(fd) == 0 ? 0 : -errno;
		break;
	}
}

static void io_done(struct tevent_req *subreq);
static void io_finish(struct io_state *state);

/*
 * Reads and writes that cannot block run on the loop thread: from or into
 * the page cache they cost less than the hand-off to a worker and back (a
 * futex wake, an eventfd write and two context switches), and a write
 * copies from a message that is still in this core's cache. Large reads
 * stay on the pool, which copies while the loop sends. What cannot block
 * is up to the file system: RWF_NOWAIT says so where it is supported
 * (reads on most disk file systems); memory file systems never wait for a
 * device, but refuse RWF_NOWAIT. Learned per device, once.
 */
#define IO_INLINE_READ_MAX (64 * 1024)
#define IO_INLINE_WRITE_MAX (1024 * 1024)
#define IO_INLINE_DEVS 8

enum inline_mode { INLINE_UNKNOWN, INLINE_NOWAIT, INLINE_PLAIN, INLINE_NO };

static struct {
	uint64_t dev;
	uint8_t mode[2]; /* enum inline_mode, for reads and for writes */
} inline_devs[IO_INLINE_DEVS];
static unsigned inline_devs_next;

static uint8_t *inline_mode_of(const struct smb2_open *o, bool write, int fd)
{
	struct statfs sf;
	unsigned i;

	for (i = 0; i < IO_INLINE_DEVS; i++)
		if (inline_devs[i].mode[0] != INLINE_UNKNOWN &&
		    inline_devs[i].dev == o->file->dev)
			return &inline_devs[i].mode[write];
	i = inline_devs_next++ % IO_INLINE_DEVS;
	inline_devs[i].dev = o->file->dev;
	inline_devs[i].mode[0] = inline_devs[i].mode[1] = INLINE_NOWAIT;
	if (fstatfs(fd, &sf) == 0 &&
	    (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC))
		inline_devs[i].mode[0] = inline_devs[i].mode[1] = INLINE_PLAIN;
	return &inline_devs[i].mode[write];
}

/* Runs job at once if it cannot block; false: it goes to the pool. */
static bool io_try_inline(const struct smb2_open *o, struct io_job *job)
{
	bool write = job->kind == IO_WRITE;
	int fd = job->fdref->fd;
	struct iovec v = { write ? (void *)job->data : job->buf, job->len };
	uint8_t *mode;
	ssize_t n;

	if (job->kind == IO_FLUSH || job->rdma || job->sync_after ||
	    job->len > (write ? IO_INLINE_WRITE_MAX : IO_INLINE_READ_MAX) ||
	    !o->file)
		return false;
	mode = inline_mode_of(o, write, fd);
	if (*mode == INLINE_NO)
		return false;
	if (write)
		n = pwritev2(fd, &v, 1, (off_t)job->offset,
			     *mode == INLINE_NOWAIT ? RWF_NOWAIT : 0);
	else
		n = preadv2(fd, &v, 1, (off_t)job->offset,
			    *mode == INLINE_NOWAIT ? RWF_NOWAIT : 0);
	if (n < 0 && errno == EOPNOTSUPP && *mode == INLINE_NOWAIT)
		*mode = INLINE_NO;
	/* a short transfer may be the end of the file or what was cached:
	 * the worker does it all again and tells which */
	if (n != (ssize_t)job->len)
		return false;
	job->result = n;
	return true;
}

static struct io_state *io_state_new(struct smb2_req *req, struct smb2_open *o,
				     struct io_job *job, uint32_t min_count)
{
	struct io_state *state = talloc_zero(req, struct io_state);

	if (!state)
		return NULL;
	state->req = req;
	state->job = job;
	state->min_count = min_count;
	job->fdref = smb2_fdref_get(o->fdref);
	talloc_set_destructor(job, io_job_destructor);
	smb2_open_watch(&state->open, o);
	talloc_set_destructor(state, io_state_destructor);
	return state;
}

static NTSTATUS io_dispatch(struct io_state *state)
{
	struct smb2_server *srv = state->req->conn->srv;
	struct tevent_req *subreq;

	subreq = threadpool_run_send(state, srv->ev, srv->tp, io_job_run,
				     state->job);
	if (!subreq)
		return NT_STATUS_NO_MEMORY;
	tevent_req_set_callback(subreq, io_done, state);
	return SMB2_STATUS_ASYNC;
}

static NTSTATUS io_start(struct smb2_req *req, struct smb2_open *o,
			 struct io_job *job, uint32_t min_count)
{
	struct io_state *state = io_state_new(req, o, job, min_count);

	if (!state)
		return NT_STATUS_NO_MEMORY;
	if (io_try_inline(o, job)) {
		io_finish(state); /* completes req within the handler */
		return SMB2_STATUS_ASYNC;
	}
	return io_dispatch(state);
}

/*
 * SMB2 opens have no file pointer of their own; like Samba, keep
 * CurrentByteOffset where the last successful READ or WRITE ended, as
 * MS-FSA 2.1.5.2 / 2.1.5.3 do for synchronous opens, so that
 * FilePositionInformation reports it.
 */
static void io_note_position(struct io_state *state)
{
	struct io_job *job = state->job;

	if (state->open.open)
		state->open.open->position =
			job->offset + (uint64_t)job->result;
}

static void read_rdma_done(struct tevent_req *subreq);

/* READ over an RDMA channel: the data read goes to the client by RDMA
 * WRITE before the response (MS-SMB2 3.3.5.12). */
static void read_rdma_start(struct io_state *state)
{
	struct smb2_req *req = state->req;
	struct io_job *job = state->job;
	struct tevent_req *subreq;

	subreq = req->conn->ops->rdma_write_send(state, job->rdma,
						 (uint32_t)job->result);
	if (!subreq) {
		smb2_req_complete(req, NT_STATUS_NO_MEMORY);
		return;
	}
	tevent_req_set_callback(subreq, read_rdma_done, state);
}

static void read_rdma_done(struct tevent_req *subreq)
{
	struct io_state *state = tevent_req_callback_data(subreq,
							  struct io_state);
	struct smb2_req *req = state->req;
	struct io_job *job = state->job;
	struct wire_wr *w = &req->out;
	uint32_t n = (uint32_t)job->result;
	int rc = req->conn->ops->rdma_write_recv(subreq);

	TALLOC_FREE(subreq);
	if (rc != 0) {
		/* the QP is in error: the connection is going away */
		smb2_req_complete(req, NT_STATUS_CONNECTION_DISCONNECTED);
		return;
	}
	io_note_position(state);
	/* the data is in the client's buffers: DataLength 0, DataRemaining
	 * the bytes written there, and no Buffer byte (clients read the 16
	 * fixed bytes and expect the message to end there, as Windows and
	 * ksmbd send it) */
	wire_wr_u16(w, 17);
	wire_wr_u8(w, READ_RSP_DATA_OFFSET);
	wire_wr_u8(w, 0);
	wire_wr_u32(w, 0);
	wire_wr_u32(w, n);
	wire_wr_u32(w, 0);
	if (job->rdma->invalidate)
		req->conn->ops->send_with_invalidate(
			req->conn->transport, req->hdr.message_id,
			job->rdma->invalidate_token);
	TALLOC_FREE(state->job); /* the buffer back to the pool now */
	smb2_req_complete(req, w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK);
}

static void io_done(struct tevent_req *subreq)
{
	struct io_state *state = tevent_req_callback_data(subreq,
							  struct io_state);
	int rc = threadpool_run_recv(subreq);

	TALLOC_FREE(subreq);
	if (rc != 0) {
		smb2_req_complete(state->req, ntstatus_from_errno(rc));
		return;
	}
	io_finish(state);
}

/* Answers a READ, WRITE or FLUSH whose job has run. */
static void io_finish(struct io_state *state)
{
	struct smb2_req *req = state->req;
	struct io_job *job = state->job;
	struct wire_wr *w = &req->out;

	if (job->result < 0) {
		smb2_req_complete(req, ntstatus_from_errno((int)-job->result));
		return;
	}
	switch (job->kind) {
	case IO_READ:
		if (job->result == 0 ||
		    (size_t)job->result < state->min_count) {
			smb2_req_complete(req, NT_STATUS_END_OF_FILE);
			return;
		}
		if (job->rdma) {
			read_rdma_start(state);
			return;
		}
		io_note_position(state);
		wire_wr_u16(w, 17);
		wire_wr_u8(w, READ_RSP_DATA_OFFSET);
		wire_wr_u8(w, 0);
		wire_wr_u32(w, (uint32_t)job->result);
		wire_wr_u32(w, 0); /* DataRemaining */
		wire_wr_u32(w, 0); /* Flags */
		req->payload = job->buf;
		req->payload_len = (size_t)job->result;
		req->payload_owner = job;
		break;
	case IO_WRITE:
		io_note_position(state);
		if (state->open.open) /* MS-FSA 2.1.5.4 LastWriteTime */
			smb2_wtime_written(state->open.open);
		wire_wr_u16(w, 17);
		wire_wr_u16(w, 0);
		wire_wr_u32(w, (uint32_t)job->result);
		wire_wr_u32(w, 0);
		wire_wr_u32(w, 0);
		/* V1_INVALIDATE: the client's buffer is done with */
		if (job->rdma && job->rdma->invalidate)
			req->conn->ops->send_with_invalidate(
				req->conn->transport, req->hdr.message_id,
				job->rdma->invalidate_token);
		break;
	case IO_FLUSH:
		wire_wr_u16(w, 4);
		wire_wr_u16(w, 0);
		break;
	}
	smb2_req_complete(req, w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK);
}

/*
 * The channel info of a READ/WRITE with an RDMA channel (MS-SMB2
 * 3.3.5.12, 3.3.5.13): only over SMB Direct, 3.x (V1_INVALIDATE from
 * 3.0.2 on), with the descriptors inside the request. info_at: body
 * offset of the ChannelInfoOffset/Length pair. The descriptors themselves
 * are checked by the transport.
 */
static NTSTATUS rdma_channel_info(struct smb2_req *req, uint32_t channel,
				  size_t info_at, struct wire_slice *info)
{
	const struct smb2_conn *conn = req->conn;
	struct wire_rd r;
	uint16_t off, len;

	if (channel != SMB2_CHANNEL_RDMA_V1 &&
	    channel != SMB2_CHANNEL_RDMA_V1_INVALIDATE)
		return NT_STATUS_INVALID_PARAMETER;
	if (!(conn->ops->caps & SMB2_TRANSPORT_CAP_RDMA) ||
	    conn->dialect < SMB2_DIALECT_300 ||
	    (conn->dialect == SMB2_DIALECT_300 &&
	     channel == SMB2_CHANNEL_RDMA_V1_INVALIDATE))
		return NT_STATUS_INVALID_PARAMETER; /* no RDMA on this link */
	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, info_at);
	off = wire_rd_u16(&r);
	len = wire_rd_u16(&r);
	if (r.err || len == 0 || !wire_slice_at(&req->in, off, len, info))
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_OK;
}

/*
 * Encrypted traffic keeps READ data inline, inside the encrypted response:
 * RDMA would put it on the wire in the clear.
 */
static bool rdma_needs_inline(const struct smb2_req *req)
{
	return req->msg->encrypted ||
	       (req->session && req->session->encrypt_data);
}

static void write_rdma_done(struct tevent_req *subreq);

/* WRITE over an RDMA channel: the data comes by RDMA READ into the
 * registered buffer, then goes to the file (MS-SMB2 3.3.5.13). */
static NTSTATUS write_rdma_start(struct smb2_req *req, struct smb2_open *o,
				 struct io_job *job)
{
	struct io_state *state = io_state_new(req, o, job, 0);
	struct tevent_req *subreq;

	if (!state)
		return NT_STATUS_NO_MEMORY;
	subreq = req->conn->ops->rdma_read_send(state, job->rdma);
	if (!subreq)
		return NT_STATUS_NO_MEMORY;
	tevent_req_set_callback(subreq, write_rdma_done, state);
	return SMB2_STATUS_ASYNC;
}

static void write_rdma_done(struct tevent_req *subreq)
{
	struct io_state *state = tevent_req_callback_data(subreq,
							  struct io_state);
	int rc = state->req->conn->ops->rdma_read_recv(subreq);

	TALLOC_FREE(subreq);
	if (rc != 0) {
		smb2_req_complete(state->req,
				  NT_STATUS_CONNECTION_DISCONNECTED);
		return;
	}
	if (!NT_STATUS_EQUAL(io_dispatch(state), SMB2_STATUS_ASYNC))
		smb2_req_complete(state->req, NT_STATUS_NO_MEMORY);
}

/* READ on a named pipe: one message, BUFFER_OVERFLOW when it was cut. */
static NTSTATUS read_pipe(struct smb2_req *req, struct smb2_open *o,
			 uint32_t length)
{
	struct wire_wr *w = &req->out;
	uint8_t *data;
	size_t len;
	NTSTATUS status;

	if (length > req->conn->max_read)
		return NT_STATUS_INVALID_PARAMETER;
	status = smb2_ipc_read(o, req, length, &data, &len);
	if (!NT_STATUS_IS_OK(status) &&
	    !NT_STATUS_EQUAL(status, NT_STATUS_BUFFER_OVERFLOW))
		return status;
	wire_wr_u16(w, 17);
	wire_wr_u8(w, READ_RSP_DATA_OFFSET);
	wire_wr_u8(w, 0);
	wire_wr_u32(w, (uint32_t)len);
	wire_wr_u32(w, 0); /* DataRemaining */
	wire_wr_u32(w, 0); /* Flags */
	req->payload = data;
	req->payload_len = len;
	req->payload_owner = data;
	return w->err ? NT_STATUS_NO_MEMORY : status;
}

NTSTATUS smb2_cmd_read(struct smb2_req *req)
{
	struct wire_rd r;
	uint32_t length, min_count, channel;
	uint64_t offset;
	struct smb2_open *o;
	struct io_job *job;
	struct wire_slice info = { 0 };
	bool use_rdma = false;
	NTSTATUS status;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 4);
	length = wire_rd_u32(&r);
	offset = wire_rd_u64(&r);
	wire_rd_skip(&r, 16);
	min_count = wire_rd_u32(&r);
	channel = wire_rd_u32(&r);
	if (r.err)
		return NT_STATUS_INVALID_PARAMETER;
	o = smb2_open_lookup_at(req, 16);
	if (!o)
		return NT_STATUS_FILE_CLOSED;
	smb2_replay_note(req, o);
	if (o->pipe)
		return read_pipe(req, o, length);
	if (o->fd < 0 || o->is_dir)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	if (channel != SMB2_CHANNEL_NONE) {
		status = rdma_channel_info(req, channel, 44, &info);
		if (!NT_STATUS_IS_OK(status))
			return status;
		use_rdma = !rdma_needs_inline(req);
	}
	if (!(o->access_mask & (FILE_READ_DATA | FILE_EXECUTE)))
		return NT_STATUS_ACCESS_DENIED;
	if (length > req->conn->max_read)
		return NT_STATUS_INVALID_PARAMETER;
	if (offset > INT64_MAX || length > INT64_MAX - offset)
		return NT_STATUS_INVALID_PARAMETER;
	if (length == 0) {
		struct wire_wr *w = &req->out;
		if (min_count > 0)
			return NT_STATUS_END_OF_FILE;
		wire_wr_u16(w, 17);
		wire_wr_u8(w, READ_RSP_DATA_OFFSET);
		wire_wr_zero(w, 13);
		return NT_STATUS_OK;
	}
	/* MS-FSA 2.1.5.2: another open's exclusive lock blocks reads */
	if (!NT_STATUS_IS_OK(smb2_brlock_check_rw(o, offset, length, false)))
		return NT_STATUS_FILE_LOCK_CONFLICT;
	job = talloc_zero(req, struct io_job);
	if (!job)
		return NT_STATUS_NO_MEMORY;
	job->kind = IO_READ;
	job->len = length;
	job->offset = offset;
	if (use_rdma) {
		/* pread straight into the registered buffer */
		status = req->conn->ops->rdma_io_new(req->conn->transport, job,
						     channel, info.p, info.len,
						     length, &job->rdma);
		if (!NT_STATUS_IS_OK(status)) {
			talloc_free(job);
			return status;
		}
		job->buf = job->rdma->buf;
	} else {
		job->buf = talloc_array(job, uint8_t, length);
	}
	if (!job->buf) {
		talloc_free(job);
		return NT_STATUS_NO_MEMORY;
	}
	return io_start(req, o, job, min_count);
}

NTSTATUS smb2_cmd_write(struct smb2_req *req)
{
	struct wire_rd r;
	uint16_t data_off;
	uint32_t length, channel, remaining, flags;
	uint64_t offset;
	struct wire_slice data, info = { 0 };
	struct smb2_open *o;
	struct io_job *job;
	NTSTATUS status;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 2);
	data_off = wire_rd_u16(&r);
	length = wire_rd_u32(&r);
	offset = wire_rd_u64(&r);
	wire_rd_skip(&r, 16);
	channel = wire_rd_u32(&r);
	remaining = wire_rd_u32(&r);
	wire_rd_skip(&r, 4);
	flags = wire_rd_u32(&r);
	if (r.err)
		return NT_STATUS_INVALID_PARAMETER;
	o = smb2_open_lookup_at(req, 16);
	if (!o)
		return NT_STATUS_FILE_CLOSED;
	status = smb2_replay_check(req, o);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (o->pipe) {
		struct wire_wr *w = &req->out;
		uint32_t written;

		if (length > req->conn->max_write ||
		    !wire_slice_at(&req->in, data_off, length, &data))
			return NT_STATUS_INVALID_PARAMETER;
		status = smb2_ipc_write(o, data.p, data.len, &written);
		if (!NT_STATUS_IS_OK(status))
			return status;
		wire_wr_u16(w, 17);
		wire_wr_u16(w, 0);
		wire_wr_u32(w, written);
		wire_wr_u32(w, 0);
		wire_wr_u32(w, 0);
		return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
	}
	if (o->fd < 0 || o->is_dir)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	if (channel != SMB2_CHANNEL_NONE) {
		status = rdma_channel_info(req, channel, 40, &info);
		if (!NT_STATUS_IS_OK(status))
			return status;
		/* the data is in the client's buffers, RemainingBytes of
		 * it; none may come inline as well */
		if (length != 0)
			return NT_STATUS_INVALID_PARAMETER;
		length = remaining;
	}
	if (!(o->access_mask & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
		return NT_STATUS_ACCESS_DENIED;
	smb2_break_for_write(o); /* other opens' read caches go stale */
	if (length > req->conn->max_write ||
	    (info.p == NULL &&
	     !wire_slice_at(&req->in, data_off, length, &data)))
		return NT_STATUS_INVALID_PARAMETER;
	if (offset == UINT64_MAX && (o->access_mask & FILE_APPEND_DATA)) {
		struct vfs_stat st;
		if (vfs_fstat(o->fd, &st) != 0)
			return NT_STATUS_UNSUCCESSFUL;
		offset = st.size; /* append (MS-FSA 2.1.5.3) */
	}
	if (offset > INT64_MAX || length > INT64_MAX - offset)
		return NT_STATUS_INVALID_PARAMETER;
	/* MS-FSA 2.1.5.3: any lock of another open blocks writes */
	if (!NT_STATUS_IS_OK(smb2_brlock_check_rw(o, offset, length, true)))
		return NT_STATUS_FILE_LOCK_CONFLICT;
	job = talloc_zero(req, struct io_job);
	if (!job)
		return NT_STATUS_NO_MEMORY;
	job->kind = IO_WRITE;
	job->len = length;
	job->offset = offset;
	job->sync_after = (flags & SMB2_WRITEFLAG_WRITE_THROUGH) ||
			  (o->create_options & FILE_WRITE_THROUGH);
	if (info.p != NULL && length > 0) {
		status = req->conn->ops->rdma_io_new(req->conn->transport, job,
						     channel, info.p, info.len,
						     length, &job->rdma);
		if (!NT_STATUS_IS_OK(status)) {
			talloc_free(job);
			return status;
		}
		job->data = job->rdma->buf;
		return write_rdma_start(req, o, job);
	}
	if (info.p != NULL)
		return io_start(req, o, job, 0); /* nothing to write */
	job->data = data.p;
	/* the worker reads from the received message: make it the job's so
	 * it outlives the request if the connection goes away meanwhile */
	job->buf = talloc_steal(job, req->msg->buf);
	return io_start(req, o, job, 0);
}

NTSTATUS smb2_cmd_flush(struct smb2_req *req)
{
	struct smb2_open *o = smb2_open_lookup_at(req, 8);
	struct io_job *job;

	if (!o)
		return NT_STATUS_FILE_CLOSED;
	if (o->fd < 0)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	if (!o->is_dir &&
	    !(o->access_mask & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
		return NT_STATUS_ACCESS_DENIED;
	job = talloc_zero(req, struct io_job);
	if (!job)
		return NT_STATUS_NO_MEMORY;
	job->kind = IO_FLUSH;
	return io_start(req, o, job, 0);
}
