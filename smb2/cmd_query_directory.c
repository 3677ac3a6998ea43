/*
 * SMB2 QUERY_DIRECTORY (MS-SMB2 2.2.33, 3.3.5.18). The first query of a
 * directory open (and RESTART_SCANS / REOPEN) lists the whole directory on
 * the thread pool and keeps the entries on the open; the following queries
 * page through them on the event loop. The search pattern of the first
 * query sticks until REOPEN, as on Windows.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <limits.h>
#include <stdio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "smb2/smb2_info.h"
#include "smb2/smb2_objects.h"
#include "smb2/smb2_server.h"
#include "vfs/unicode.h"

#define QD_OUTPUT_BUFFER_OFFSET (SMB2_HDR_SIZE + 8)

struct query_dir_in {
	uint8_t cls;
	uint8_t flags;
	uint32_t output_len;
	uint64_t fid_p, fid_v; /* of the open, once found */
};

/*
 * Entries kept from an earlier scan may have been removed or changed
 * since: a continued enumeration must not return names that are gone
 * (Windows reads the directory as it goes), so each one is looked at
 * again. false when the entry no longer exists.
 */
static bool refresh_entry(struct smb2_req *req, struct smb2_open *o,
			  struct vfs_dirent *e)
{
	const char *dir = smb2_open_relpath(o);
	struct vfs_stat st;
	char *path;
	int rc;

	if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
		return true;
	path = strcmp(dir, ".") == 0
		       ? talloc_strdup(req, e->name)
		       : talloc_asprintf(req, "%s/%s", dir, e->name);
	if (!path)
		return true; /* keep what we have */
	rc = vfs_stat_path(req->tcon->share->vfs, path, &st);
	talloc_free(path);
	if (rc == -ENOENT)
		return false;
	if (rc == 0)
		e->st = st;
	return true;
}

/* A ChangeTime a client set on an open file shows in listings too. */
static void apply_change_time(struct smb2_req *req, struct vfs_stat *st)
{
	struct smb2_file *f = smb2_file_find(req->conn->srv, st->dev,
					     st->file_id);

	if (f && f->change_time_set)
		smb2_info_apply_change_time(st, f->change_time,
					    f->change_time_ctime);
}

/*
 * Encodes matching entries from o->dir_pos on into req->out. An empty
 * result is NO_SUCH_FILE when this query started at the first entry (no
 * name matched at all, 3.3.5.18) and NO_MORE_FILES otherwise.
 */
static NTSTATUS encode_entries(struct smb2_req *req, struct smb2_open *o,
			       const struct query_dir_in *in, bool fresh)
{
	struct wire_wr *w = &req->out;
	struct smb2_dirlist l;
	size_t start_pos = o->dir_pos;
	bool too_small = false;

	wire_wr_u16(w, 9);
	wire_wr_u16(w, QD_OUTPUT_BUFFER_OFFSET);
	wire_wr_u32(w, 0);
	smb2_dirlist_init(&l, w, in->output_len);

	while (o->dir_pos < o->dir_n) {
		struct vfs_dirent *e = &o->dir_entries[o->dir_pos];
		struct vfs_stat st;
		char short_name[SMB2_SHORT_NAME_MAX + 1];
		uint8_t *name16;
		size_t len;
		bool fits;

		if (!name_wildcard_match(o->dir_pattern, e->name) ||
		    (!fresh && !refresh_entry(req, o, e)) ||
		    utf8_to_utf16le(req, e->name, &name16, &len) != 0) {
			o->dir_pos++;
			continue;
		}
		st = e->st;
		apply_change_time(req, &st);
		fits = smb2_dirlist_append(&l, in->cls, &st, e->ea_size, name16,
					   len,
					   smb2_info_short_name(e->name, short_name)
						   ? short_name
						   : NULL);
		talloc_free(name16);
		if (!fits) {
			too_small = l.count == 0;
			break;
		}
		o->dir_pos++;
		if (in->flags & SMB2_RETURN_SINGLE_ENTRY)
			break;
	}

	if (w->err) {
		w->len = 0;
		return NT_STATUS_NO_MEMORY;
	}
	if (l.count == 0) {
		w->len = 0;
		if (too_small)
			return NT_STATUS_INFO_LENGTH_MISMATCH;
		return start_pos == 0 ? NT_STATUS_NO_SUCH_FILE
				      : NT_STATUS_NO_MORE_FILES;
	}
	wire_wr_put_u32(w, 4, (uint32_t)smb2_dirlist_len(&l));
	return NT_STATUS_OK;
}

/* ---- directory scan on the thread pool ---- */

struct scan_job {
	int fd; /* our own, closed with the job */
	int rc;
	struct vfs_dirent *entries;
	size_t n;
};

struct scan_state {
	struct smb2_req *req;
	struct query_dir_in in;
	struct scan_job *job;
};

static int scan_job_destructor(struct scan_job *job)
{
	if (job->fd >= 0)
		close(job->fd);
	return 0;
}

/*
 * EaSize of a directory entry (MS-FSCC 2.4.8): what FileEaInformation
 * reports for it, i.e. the size of its FILE_FULL_EA_INFORMATION list.
 * Runs on the worker; most files have no EA xattrs, and then this is one
 * listxattr.
 */
static uint32_t entry_ea_size(int dirfd, const char *name)
{
	const size_t plen = strlen(SMB2_EA_XATTR_PREFIX);
	char path[64 + NAME_MAX], names[4096];
	ssize_t len;
	size_t total = 0;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, name) >=
		    (int)sizeof(path))
		return 0;
	len = llistxattr(path, names, sizeof(names));
	for (ssize_t i = 0; i > -1 && i < len; i += strlen(names + i) + 1) {
		const char *x = names + i;
		ssize_t vlen;

		if (strncmp(x, SMB2_EA_XATTR_PREFIX, plen) != 0 ||
		    x[plen] == '\0')
			continue;
		vlen = lgetxattr(path, x, NULL, 0);
		if (vlen < 0 || vlen > UINT16_MAX)
			continue;
		total = (total + 3) & ~(size_t)3;
		total += SMB2_EA_FIXED_SIZE + strlen(x + plen) + 1 +
			 (size_t)vlen;
	}
	return total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
}

static void scan_job_run(void *private_data)
{
	struct scan_job *job = private_data;

	job->rc = vfs_list_dir(job->fd, job, &job->entries, &job->n);
	for (size_t i = 0; job->rc == 0 && i < job->n; i++)
		job->entries[i].ea_size =
			entry_ea_size(job->fd, job->entries[i].name);
}

static void scan_done(struct tevent_req *subreq)
{
	struct scan_state *state = tevent_req_callback_data_void(subreq);
	struct smb2_req *req = state->req;
	struct scan_job *job = state->job;
	struct smb2_open *o;
	NTSTATUS status;
	int rc;

	rc = threadpool_run_recv(subreq);
	talloc_free(subreq);
	if (rc == 0)
		rc = job->rc;
	/* the open may have been closed while the worker listed */
	o = req->tcon ? smb2_open_lookup(req, state->in.fid_p,
					 state->in.fid_v)
		      : NULL;
	if (!o) {
		status = NT_STATUS_FILE_CLOSED;
	} else if (rc != 0) {
		status = ntstatus_from_errno(-rc);
	} else {
		talloc_free(o->dir_entries);
		o->dir_entries = talloc_steal(o, job->entries);
		o->dir_n = job->n;
		o->dir_pos = 0;
		o->dir_scanned = true;
		status = encode_entries(req, o, &state->in, true);
	}
	talloc_free(state);
	smb2_req_complete(req, status);
}

static NTSTATUS start_scan(struct smb2_req *req, struct smb2_open *o,
			   const struct query_dir_in *in)
{
	struct scan_state *state = talloc_zero(req, struct scan_state);
	struct tevent_req *subreq;
	struct smb2_server *srv = req->conn->srv;

	if (!state)
		return NT_STATUS_NO_MEMORY;
	state->req = req;
	state->in = *in;
	state->job = talloc_zero(state, struct scan_job);
	if (!state->job) {
		talloc_free(state);
		return NT_STATUS_NO_MEMORY;
	}
	/* a fresh description of the directory, owned by the job, so a close
	 * of the open cannot pull it from under the worker */
	state->job->fd = openat(o->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (state->job->fd < 0) {
		int err = errno;
		talloc_free(state);
		return ntstatus_from_errno(err);
	}
	talloc_set_destructor(state->job, scan_job_destructor);
	subreq = threadpool_run_send(state, srv->ev, srv->tp, scan_job_run,
				     state->job);
	if (!subreq) {
		talloc_free(state);
		return NT_STATUS_NO_MEMORY;
	}
	tevent_req_set_callback(subreq, scan_done, state);
	/* the entries listed before are stale now */
	TALLOC_FREE(o->dir_entries);
	o->dir_n = 0;
	o->dir_pos = 0;
	o->dir_scanned = false;
	return SMB2_STATUS_ASYNC;
}

/* Reads the search pattern (UTF-16LE at FileNameOffset from the header). */
static NTSTATUS read_pattern(struct smb2_req *req, uint16_t off, uint16_t len,
			     char **pattern)
{
	struct wire_slice s;

	*pattern = NULL;
	if (len == 0)
		return NT_STATUS_OK;
	if ((len & 1) || !wire_slice_at(&req->in, off, len, &s))
		return NT_STATUS_INVALID_PARAMETER;
	if (utf16le_to_utf8(req, s.p, s.len, pattern) != 0)
		return NT_STATUS_OBJECT_NAME_INVALID;
	return NT_STATUS_OK;
}

NTSTATUS smb2_cmd_query_directory(struct smb2_req *req)
{
	struct query_dir_in in;
	struct smb2_open *o;
	struct wire_rd r;
	uint16_t name_off, name_len;
	char *pattern;
	NTSTATUS status;
	bool rescan;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 2); /* StructureSize */
	in.cls = wire_rd_u8(&r);
	in.flags = wire_rd_u8(&r);
	wire_rd_skip(&r, 4 + 16); /* FileIndex (ignored), FileId */
	name_off = wire_rd_u16(&r);
	name_len = wire_rd_u16(&r);
	in.output_len = wire_rd_u32(&r);
	if (r.err)
		return NT_STATUS_INVALID_PARAMETER;

	o = smb2_open_lookup_at(req, 8);
	if (!o)
		return NT_STATUS_FILE_CLOSED;
	if (!o->is_dir || o->fd < 0)
		return NT_STATUS_INVALID_PARAMETER;
	if (!(o->access_mask & FILE_LIST_DIRECTORY))
		return NT_STATUS_ACCESS_DENIED;
	if (smb2_dirent_fixed_size(in.cls) == 0)
		return NT_STATUS_INVALID_INFO_CLASS;
	if (req->conn->max_trans && in.output_len > req->conn->max_trans)
		return NT_STATUS_INVALID_PARAMETER; /* 3.3.5.18 */
	if (in.output_len < smb2_dirent_fixed_size(in.cls))
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	status = read_pattern(req, name_off, name_len, &pattern);
	if (!NT_STATUS_IS_OK(status))
		return status;
	in.fid_p = o->persistent_id;
	in.fid_v = o->volatile_id;

	rescan = !o->dir_scanned ||
		 (in.flags & (SMB2_RESTART_SCANS | SMB2_REOPEN));
	if (!o->dir_pattern || (in.flags & SMB2_REOPEN)) {
		talloc_free(o->dir_pattern);
		o->dir_pattern = talloc_strdup(o, pattern ? pattern : "*");
		if (!o->dir_pattern)
			return NT_STATUS_NO_MEMORY;
	}
	talloc_free(pattern);
	if (rescan)
		return start_scan(req, o, &in);
	return encode_entries(req, o, &in, false);
}
