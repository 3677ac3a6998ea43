/*
 * READ, WRITE and FLUSH (MS-SMB2 3.3.5.12, 3.3.5.13, 3.3.5.11). The blocking
 * pread/pwrite/fsync run on the thread pool; READ data goes from the job's
 * buffer straight into the response iovec, WRITE data straight from the
 * received message, with no copy.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "smb2/ipc.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_objects.h"

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

static NTSTATUS io_start(struct smb2_req *req, struct smb2_open *o,
			 struct io_job *job, uint32_t min_count)
{
	struct io_state *state = talloc_zero(req, struct io_state);
	struct tevent_req *subreq;

	if (!state)
		return NT_STATUS_NO_MEMORY;
	state->req = req;
	state->job = job;
	state->min_count = min_count;
	job->fdref = smb2_fdref_get(o->fdref);
	talloc_set_destructor(job, io_job_destructor);
	smb2_open_watch(&state->open, o);
	talloc_set_destructor(state, io_state_destructor);
	subreq = threadpool_run_send(state, req->conn->srv->ev,
				     req->conn->srv->tp, io_job_run, job);
	if (!subreq)
		return NT_STATUS_NO_MEMORY;
	tevent_req_set_callback(subreq, io_done, state);
	return SMB2_STATUS_ASYNC;
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

static void io_done(struct tevent_req *subreq)
{
	struct io_state *state = tevent_req_callback_data(subreq,
							  struct io_state);
	struct smb2_req *req = state->req;
	struct io_job *job = state->job;
	struct wire_wr *w = &req->out;
	int rc = threadpool_run_recv(subreq);

	TALLOC_FREE(subreq);
	if (rc != 0) {
		smb2_req_complete(req, ntstatus_from_errno(rc));
		return;
	}
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
		wire_wr_u16(w, 17);
		wire_wr_u16(w, 0);
		wire_wr_u32(w, (uint32_t)job->result);
		wire_wr_u32(w, 0);
		wire_wr_u32(w, 0);
		break;
	case IO_FLUSH:
		wire_wr_u16(w, 4);
		wire_wr_u16(w, 0);
		break;
	}
	smb2_req_complete(req, w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK);
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
	if (o->pipe)
		return read_pipe(req, o, length);
	if (o->fd < 0 || o->is_dir)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	if (channel != SMB2_CHANNEL_NONE)
		return NT_STATUS_INVALID_PARAMETER; /* no RDMA on this link */
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
	job = talloc_zero(req, struct io_job);
	if (!job)
		return NT_STATUS_NO_MEMORY;
	job->kind = IO_READ;
	job->len = length;
	job->offset = offset;
	job->buf = talloc_array(job, uint8_t, length);
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
	uint32_t length, channel, flags;
	uint64_t offset;
	struct wire_slice data;
	struct smb2_open *o;
	struct io_job *job;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 2);
	data_off = wire_rd_u16(&r);
	length = wire_rd_u32(&r);
	offset = wire_rd_u64(&r);
	wire_rd_skip(&r, 16);
	channel = wire_rd_u32(&r);
	wire_rd_skip(&r, 8);
	flags = wire_rd_u32(&r);
	if (r.err)
		return NT_STATUS_INVALID_PARAMETER;
	o = smb2_open_lookup_at(req, 16);
	if (!o)
		return NT_STATUS_FILE_CLOSED;
	if (o->pipe) {
		struct wire_wr *w = &req->out;
		uint32_t written;
		NTSTATUS status;

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
	if (channel != SMB2_CHANNEL_NONE)
		return NT_STATUS_INVALID_PARAMETER;
	if (!(o->access_mask & (FILE_WRITE_DATA | FILE_APPEND_DATA)))
		return NT_STATUS_ACCESS_DENIED;
	if (length > req->conn->max_write ||
	    !wire_slice_at(&req->in, data_off, length, &data))
		return NT_STATUS_INVALID_PARAMETER;
	if (offset == UINT64_MAX && (o->access_mask & FILE_APPEND_DATA)) {
		struct vfs_stat st;
		if (vfs_fstat(o->fd, &st) != 0)
			return NT_STATUS_UNSUCCESSFUL;
		offset = st.size; /* append (MS-FSA 2.1.5.3) */
	}
	if (offset > INT64_MAX || length > INT64_MAX - offset)
		return NT_STATUS_INVALID_PARAMETER;
	job = talloc_zero(req, struct io_job);
	if (!job)
		return NT_STATUS_NO_MEMORY;
	job->kind = IO_WRITE;
	job->data = data.p;
	job->len = length;
	job->offset = offset;
	job->sync_after = (flags & SMB2_WRITEFLAG_WRITE_THROUGH) ||
			  (o->create_options & FILE_WRITE_THROUGH);
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
