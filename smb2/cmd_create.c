/* CREATE (MS-SMB2 2.2.13, 2.2.14, 3.3.5.9) on the POSIX VFS. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "conf/log.h"
#include "smb2/durable.h"
#include "smb2/ipc.h"
#include "smb2/lease.h"
#include "smb2/ntacl.h"
#include "smb2/secdesc.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_info.h"
#include "smb2/smb2_objects.h"
#include "smb2/streams.h"
#include "vfs/unicode.h"

#define CREATE_RSP_FIXED 88

#define WRITE_LIKE_ACCESS                                                      \
	(FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA |                  \
	 FILE_WRITE_ATTRIBUTES | DELETE_ACCESS | WRITE_DAC | WRITE_OWNER |     \
	 FILE_DELETE_CHILD)
#define DATA_ACCESS                                                            \
	(FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_EXECUTE |  \
	 DELETE_ACCESS)
#define VALID_CREATE_OPTIONS 0x00ffffffu
/* tree connections by name, opens by file id and oplock filters */
#define UNSUPPORTED_CREATE_OPTIONS                                             \
	(0x00000080u /* FILE_CREATE_TREE_CONNECTION */ |                       \
	 FILE_OPEN_BY_FILE_ID | FILE_RESERVE_OPFILTER)
/* FileModeInformation bits an open keeps (MS-FSCC 2.4.26); the
 * synchronous I/O bits mean nothing to an SMB2 open and are dropped */
#define MODE_CREATE_OPTIONS                                                    \
	(FILE_WRITE_THROUGH | FILE_SEQUENTIAL_ONLY |                           \
	 FILE_NO_INTERMEDIATE_BUFFERING | FILE_DELETE_ON_CLOSE)

struct create_req {
	uint8_t oplock;
	uint32_t impersonation;
	uint32_t access;
	uint32_t attributes;
	uint32_t share_access;
	uint32_t disposition;
	uint32_t options;
	struct wire_slice name;
	struct wire_slice contexts;
	bool want_mxac, want_qfid;
	struct smb2_ea *eas; /* ExtA: EAs to store on a new file */
	size_t n_eas;
	bool has_twrp;	     /* TWrp: open a previous version */
	uint64_t alloc_size; /* AlSi, 0 when absent */
	bool has_lease;	     /* RqLs */
	const uint8_t *secd; /* SecD: the new file's descriptor */
	size_t secd_len;
	uint32_t max_access; /* MxAc */
	struct smb2_ntacl_create *acl;
	struct smb2_oplock_request rq; /* oplock or lease wanted */
	struct smb2_durable_req dh;    /* durable and app instance */
};

/* Generic rights to file rights (MS-SMB2 2.2.13.1.1). */
static uint32_t map_generic(uint32_t a, uint32_t max_access)
{
	uint32_t mapped = sec_map_generic(a & ~MAXIMUM_ALLOWED);

	return (a & MAXIMUM_ALLOWED) ? mapped | max_access : mapped;
}

static bool context_is(const struct wire_slice *name, const char *tag)
{
	return name->len == 4 && memcmp(name->p, tag, 4) == 0;
}

/* Acts on one create context (MS-SMB2 2.2.13.2, 3.3.5.9.x). Contexts this
 * server does not grant (durable handles, app instance, SecD on a store
 * without ACLs) are left out of the response. */
static NTSTATUS parse_context(TALLOC_CTX *mem_ctx, struct create_req *cr,
			      const struct wire_slice *name,
			      const struct wire_slice *data)
{
	/* tags are at least four bytes; Windows rejects shorter ones */
	if (name->len < 4)
		return NT_STATUS_INVALID_PARAMETER;
	if (context_is(name, "MxAc")) {
		cr->want_mxac = true;
	} else if (context_is(name, "QFid")) {
		cr->want_qfid = true;
	} else if (context_is(name, "ExtA")) {
		/* checked now so that a bad list creates nothing */
		return smb2_ea_list_decode(mem_ctx, *data, &cr->eas,
					   &cr->n_eas);
	} else if (context_is(name, "AlSi")) {
		if (data->len != 8)
			return NT_STATUS_INVALID_PARAMETER;
		cr->alloc_size = get_le64(data->p);
	} else if (context_is(name, "TWrp")) {
		if (data->len != 8)
			return NT_STATUS_INVALID_PARAMETER;
		cr->has_twrp = true;
	} else if (context_is(name, "SecD")) {
		cr->secd = data->p;
		cr->secd_len = data->len;
	} else if (context_is(name, "RqLs")) {
		if (!smb2_lease_ctx_decode(data->p, data->len, &cr->rq.lease))
			return NT_STATUS_INVALID_PARAMETER;
		cr->has_lease = true;
	} else {
		bool handled;

		return smb2_durable_parse_context(&cr->dh, name->p, name->len,
						  data->p, data->len,
						  &handled);
	}
	return NT_STATUS_OK;
}

static NTSTATUS parse_contexts(TALLOC_CTX *mem_ctx, struct create_req *cr)
{
	struct wire_slice all = cr->contexts;
	size_t off = 0;

	while (all.len > 0) {
		struct wire_rd r;
		uint32_t next;
		uint16_t name_off, name_len, data_off;
		uint32_t data_len;
		struct wire_slice elem, name, data;
		NTSTATUS status;

		if (off > all.len || all.len - off < 16)
			return NT_STATUS_INVALID_PARAMETER;
		wire_rd_init(&r, all.p + off, all.len - off);
		next = wire_rd_u32(&r);
		name_off = wire_rd_u16(&r);
		name_len = wire_rd_u16(&r);
		wire_rd_skip(&r, 2);
		data_off = wire_rd_u16(&r);
		data_len = wire_rd_u32(&r);
		elem.p = all.p + off;
		elem.len = next ? next : all.len - off;
		if (next && ((next & 7) || next > all.len - off))
			return NT_STATUS_INVALID_PARAMETER;
		if (!wire_slice_at(&elem, name_off, name_len, &name) ||
		    !wire_slice_at(&elem, data_off, data_len, &data))
			return NT_STATUS_INVALID_PARAMETER;
		status = parse_context(mem_ctx, cr, &name, &data);
		if (!NT_STATUS_IS_OK(status))
			return status;
		if (!next)
			break;
		off += next;
	}
	return NT_STATUS_OK;
}

static NTSTATUS decode(struct smb2_req *req, struct create_req *cr)
{
	struct wire_rd r;
	uint16_t name_off, name_len;
	uint32_t ctx_off, ctx_len;
	NTSTATUS ctx_status;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 3);
	cr->oplock = wire_rd_u8(&r);
	cr->impersonation = wire_rd_u32(&r);
	wire_rd_skip(&r, 16);
	cr->access = wire_rd_u32(&r);
	cr->attributes = wire_rd_u32(&r);
	cr->share_access = wire_rd_u32(&r);
	cr->disposition = wire_rd_u32(&r);
	cr->options = wire_rd_u32(&r);
	name_off = wire_rd_u16(&r);
	name_len = wire_rd_u16(&r);
	ctx_off = wire_rd_u32(&r);
	ctx_len = wire_rd_u32(&r);
	if (r.err)
		return NT_STATUS_INVALID_PARAMETER;
	if (!wire_slice_at(&req->in, name_off, name_len, &cr->name) ||
	    !wire_slice_at(&req->in, ctx_off, ctx_len, &cr->contexts))
		return NT_STATUS_INVALID_PARAMETER;
	/* a durable reconnect ignores every other field (3.3.5.9.7) */
	ctx_status = parse_contexts(req, cr);
	if (cr->dh.v1_reconnect || cr->dh.v2_reconnect)
		return ctx_status;
	if (cr->impersonation > 3)
		return NT_STATUS_BAD_IMPERSONATION_LEVEL;
	if (cr->disposition > FILE_OVERWRITE_IF)
		return NT_STATUS_INVALID_PARAMETER;
	if ((cr->options & FILE_DIRECTORY_FILE) &&
	    (cr->options & FILE_NON_DIRECTORY_FILE))
		return NT_STATUS_INVALID_PARAMETER;
	if (cr->options & ~VALID_CREATE_OPTIONS)
		return NT_STATUS_INVALID_PARAMETER;
	if (cr->options & UNSUPPORTED_CREATE_OPTIONS)
		return NT_STATUS_NOT_SUPPORTED;
	if (cr->share_access &
	    ~(FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE))
		return NT_STATUS_INVALID_PARAMETER;
	/* the access mask is judged before the attributes, as Windows does */
	if ((cr->access & ACCESS_SYSTEM_SECURITY) &&
	    !smb2_ntacl_has_privilege(req, SEC_PRIV_SECURITY))
		return NT_STATUS_PRIVILEGE_NOT_HELD;
	if (cr->access & 0x0ce0fe00u) /* reserved bits */
		return NT_STATUS_ACCESS_DENIED;
	if (cr->attributes & ~0x00007fb7u) /* MS-FSCC 2.6 valid bits */
		return NT_STATUS_INVALID_PARAMETER;
	if (!NT_STATUS_IS_OK(ctx_status))
		return ctx_status;
	/* an SMB2 open must ask for some access: Windows denies an empty
	 * DesiredAccess */
	if (cr->access == 0)
		return NT_STATUS_ACCESS_DENIED;
	return NT_STATUS_OK;
}

/* MS-FSA 2.1.5.1.2: does a new open conflict with the file's opens? */
static bool share_conflict(const struct smb2_file *f, uint32_t access,
			   uint32_t share)
{
	for (const struct smb2_open *o = f->opens; o; o = o->file_next) {
		if (!(o->access_mask & DATA_ACCESS))
			continue;
		if (!(access & DATA_ACCESS))
			continue;
		if (((access & (FILE_READ_DATA | FILE_EXECUTE)) &&
		     !(o->share_access & FILE_SHARE_READ)) ||
		    ((access & (FILE_WRITE_DATA | FILE_APPEND_DATA)) &&
		     !(o->share_access & FILE_SHARE_WRITE)) ||
		    ((access & DELETE_ACCESS) &&
		     !(o->share_access & FILE_SHARE_DELETE)) ||
		    ((o->access_mask & (FILE_READ_DATA | FILE_EXECUTE)) &&
		     !(share & FILE_SHARE_READ)) ||
		    ((o->access_mask & (FILE_WRITE_DATA | FILE_APPEND_DATA)) &&
		     !(share & FILE_SHARE_WRITE)) ||
		    ((o->access_mask & DELETE_ACCESS) &&
		     !(share & FILE_SHARE_DELETE)))
			return true;
	}
	return false;
}

static void put_context(struct wire_wr *w, size_t *prev_next_at,
			const char *name, const uint8_t *data, uint32_t len)
{
	size_t start;

	wire_wr_align(w, 8);
	start = w->len;
	if (*prev_next_at != SIZE_MAX)
		wire_wr_put_u32(w, *prev_next_at,
				(uint32_t)(start - *prev_next_at));
	*prev_next_at = start;
	wire_wr_u32(w, 0);  /* Next */
	wire_wr_u16(w, 16); /* NameOffset */
	wire_wr_u16(w, 4);  /* NameLength */
	wire_wr_u16(w, 0);
	wire_wr_u16(w, 24); /* DataOffset */
	wire_wr_u32(w, len);
	wire_wr_bytes(w, name, 4);
	wire_wr_zero(w, 4);
	wire_wr_bytes(w, data, len);
}

/* What the response reports besides the open itself. */
struct create_grant {
	uint8_t oplock;
	bool has_lease;
	struct smb2_lease_ctx lease;
	struct smb2_durable_rsp durable;
};

static NTSTATUS encode_response(struct smb2_req *req, struct smb2_open *o,
				const struct create_req *cr,
				const struct create_grant *g,
				const struct vfs_stat *st, uint32_t action)
{
	struct wire_wr *w = &req->out;
	size_t ctx_off_at, ctx_start, prev = SIZE_MAX;

	wire_wr_u16(w, 89);
	wire_wr_u8(w, g->oplock);
	wire_wr_u8(w, 0);
	wire_wr_u32(w, action);
	wire_wr_u64(w, st->create_time);
	wire_wr_u64(w, st->access_time);
	wire_wr_u64(w, st->write_time);
	wire_wr_u64(w, st->change_time);
	wire_wr_u64(w, st->is_dir ? 0 : st->alloc_size);
	wire_wr_u64(w, st->is_dir ? 0 : st->size);
	wire_wr_u32(w, st->attributes);
	wire_wr_u32(w, 0);
	wire_wr_u64(w, o->persistent_id);
	wire_wr_u64(w, o->volatile_id);
	ctx_off_at = wire_wr_reserve(w, 8);
	ctx_start = w->len;
	if (cr->want_mxac) {
		uint8_t d[8];
		put_le32(d, 0);
		put_le32(d + 4, cr->max_access);
		put_context(w, &prev, "MxAc", d, sizeof(d));
	}
	if (cr->want_qfid) {
		uint8_t d[32] = { 0 };
		put_le64(d, st->file_id);
		put_le64(d + 8, st->dev);
		put_context(w, &prev, "QFid", d, sizeof(d));
	}
	if (g->has_lease) {
		uint8_t d[SMB2_LEASE_V2_SIZE];
		size_t n = smb2_lease_ctx_encode(&g->lease, d);
		put_context(w, &prev, "RqLs", d, (uint32_t)n);
	}
	if (g->durable.tag)
		put_context(w, &prev, g->durable.tag, g->durable.data,
			    g->durable.len);
	if (w->len > ctx_start) {
		wire_wr_put_u32(w, ctx_off_at,
				(uint32_t)(SMB2_HDR_SIZE + ctx_start));
		wire_wr_put_u32(w, ctx_off_at + 4,
				(uint32_t)(w->len - ctx_start));
	}
	if (w->len == CREATE_RSP_FIXED)
		wire_wr_u8(w, 0); /* the one-byte Buffer of StructureSize 89 */
	return w->err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

/*
 * What a CREATE that writes a file's contents (a new file, or an overwrite)
 * cannot do here: encrypt (no EFS), or take delete-on-close on a file born
 * read-only (MS-FSA 2.1.5.1.1).
 */
static NTSTATUS check_new_contents(const struct create_req *cr)
{
	if (cr->attributes & FILE_ATTRIBUTE_ENCRYPTED)
		return NT_STATUS_ACCESS_DENIED;
	if ((cr->attributes & FILE_ATTRIBUTE_READONLY) &&
	    (cr->options & FILE_DELETE_ON_CLOSE))
		return NT_STATUS_CANNOT_DELETE;
	return NT_STATUS_OK;
}

/*
 * An overwritten file gets the EAs of the request in place of its own, as
 * it gets its attributes (MS-FSA 2.1.5.1.2.2).
 */
static NTSTATUS replace_eas(int fd, const struct create_req *cr)
{
	struct smb2_ea *old = NULL;
	size_t n_old = 0;
	NTSTATUS status;

	status = smb2_ea_load(NULL, fd, &old, &n_old);
	if (NT_STATUS_IS_OK(status)) {
		for (size_t i = 0; i < n_old; i++)
			old[i].value_len = 0; /* removes it */
		status = smb2_ea_store(fd, old, n_old);
	} else if (NT_STATUS_EQUAL(status, NT_STATUS_EAS_NOT_SUPPORTED)) {
		status = NT_STATUS_OK; /* nothing to remove */
	}
	talloc_free(old);
	if (NT_STATUS_IS_OK(status) && cr->n_eas > 0)
		status = smb2_ea_store(fd, cr->eas, cr->n_eas);
	return status;
}

static void create_resume(struct smb2_req *req);

/*
 * MS-FSA 2.1.5.1.2: oplocks and leases that stand in the way break
 * first, so that a holder caching a handle may close it; the open then
 * either waits for the holder (SMB2_STATUS_ASYNC) or meets the share
 * modes as they are.
 */
static NTSTATUS check_sharing(struct smb2_req *req, struct create_req *cr,
			      struct smb2_file *f, uint32_t access)
{
	bool violation = share_conflict(f, access, cr->share_access);
	NTSTATUS status;

	status = smb2_oplock_break_for_open(req, f, &cr->rq, violation,
					    create_resume);
	if (!NT_STATUS_IS_OK(status))
		return status;
	return violation ? NT_STATUS_SHARING_VIOLATION : NT_STATUS_OK;
}

static NTSTATUS open_existing(struct smb2_req *req, struct create_req *cr,
			      const char *relpath, uint32_t access, int *fd,
			      struct vfs_stat *st, uint32_t *action)
{
	struct vfs_share *vfs = req->tcon->share->vfs;
	bool overwrite = cr->disposition == FILE_SUPERSEDE ||
			 cr->disposition == FILE_OVERWRITE ||
			 cr->disposition == FILE_OVERWRITE_IF;
	struct smb2_file *f;
	NTSTATUS status;
	int rc, flags;

	rc = vfs_stat_path(vfs, relpath, st);
	if (rc != 0)
		return ntstatus_from_errno(rc);
	if (cr->disposition == FILE_CREATE)
		return NT_STATUS_OBJECT_NAME_COLLISION;
	if (st->is_dir && (cr->options & FILE_NON_DIRECTORY_FILE))
		return NT_STATUS_FILE_IS_A_DIRECTORY;
	if (!st->is_dir && (cr->options & FILE_DIRECTORY_FILE))
		return NT_STATUS_NOT_A_DIRECTORY;
	f = smb2_file_find(req->conn->srv, st->dev, st->file_id);
	status = smb2_lease_check_key(req->conn, &cr->rq, f);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (f && f->delete_pending)
		return NT_STATUS_DELETE_PENDING;
	if (f) {
		status = check_sharing(req, cr, f, access);
		if (!NT_STATUS_IS_OK(status))
			return status;
	}
	if (st->is_dir && cr->disposition != FILE_OPEN &&
	    cr->disposition != FILE_OPEN_IF)
		return NT_STATUS_INVALID_PARAMETER;
	if ((st->attributes & FILE_ATTRIBUTE_READONLY) &&
	    (access & (FILE_WRITE_DATA | FILE_APPEND_DATA)) && !st->is_dir)
		return NT_STATUS_ACCESS_DENIED;
	if ((st->attributes & FILE_ATTRIBUTE_READONLY) &&
	    (cr->options & FILE_DELETE_ON_CLOSE))
		return NT_STATUS_CANNOT_DELETE;
	if (overwrite && !st->is_dir) {
		status = check_new_contents(cr);
		if (!NT_STATUS_IS_OK(status))
			return status;
		/* a read-only file cannot be overwritten (MS-FSA 2.1.5.1.2) */
		if (st->attributes & FILE_ATTRIBUTE_READONLY)
			return NT_STATUS_ACCESS_DENIED;
	}

	if (st->is_dir)
		flags = O_RDONLY | O_DIRECTORY;
	else if (access & (FILE_WRITE_DATA | FILE_APPEND_DATA) || overwrite)
		flags = O_RDWR;
	else
		flags = O_RDONLY;
	rc = vfs_open(vfs, relpath, flags | O_CLOEXEC | O_NONBLOCK, 0, fd);
	if (rc != 0)
		return ntstatus_from_errno(rc);
	*action = FILE_OPENED;
	if (!st->is_dir && overwrite) {
		rc = vfs_truncate(*fd, 0);
		if (rc == 0)
			rc = vfs_set_attributes(
			    *fd, (cr->attributes & FILE_ATTRIBUTE_SETTABLE) |
				     FILE_ATTRIBUTE_ARCHIVE);
		if (rc == 0 && cr->alloc_size)
			rc = vfs_set_allocation(*fd, cr->alloc_size);
		if (rc != 0) {
			close(*fd);
			return ntstatus_from_errno(rc);
		}
		status = replace_eas(*fd, cr);
		if (!NT_STATUS_IS_OK(status)) {
			close(*fd);
			return status;
		}
		*action = cr->disposition == FILE_SUPERSEDE ? FILE_SUPERSEDED
							    : FILE_OVERWRITTEN;
	}
	rc = vfs_fstat(*fd, st);
	if (rc != 0) {
		close(*fd);
		return ntstatus_from_errno(rc);
	}
	return NT_STATUS_OK;
}

static NTSTATUS create_new(struct smb2_req *req, struct create_req *cr,
			   const char *relpath, int *fd, struct vfs_stat *st)
{
	struct vfs_share *vfs = req->tcon->share->vfs;
	bool dir = cr->options & FILE_DIRECTORY_FILE;
	uint32_t attrs = cr->attributes & FILE_ATTRIBUTE_SETTABLE;
	int rc;

	NTSTATUS status;

	if (cr->disposition == FILE_OPEN || cr->disposition == FILE_OVERWRITE)
		return NT_STATUS_OBJECT_NAME_NOT_FOUND;
	if (req->tcon->read_only)
		return NT_STATUS_ACCESS_DENIED;
	status = smb2_lease_check_key(req->conn, &cr->rq, NULL);
	if (!NT_STATUS_IS_OK(status))
		return status;
	status = check_new_contents(cr);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (dir) {
		rc = vfs_mkdir(vfs, relpath);
		if (rc == 0)
			rc =
			    vfs_open(vfs, relpath,
				     O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, fd);
	} else {
		attrs |= FILE_ATTRIBUTE_ARCHIVE;
		rc =
		    vfs_open(vfs, relpath,
			     O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NONBLOCK,
			     0644, fd);
	}
	if (rc != 0)
		return ntstatus_from_errno(rc);
	rc = vfs_init_new(*fd, attrs);
	/* AllocationSize only reserves space for a new file's data */
	if (rc == 0 && !dir && cr->alloc_size)
		rc = vfs_set_allocation(*fd, cr->alloc_size);
	if (rc == 0)
		rc = vfs_fstat(*fd, st);
	status = rc ? ntstatus_from_errno(rc) : NT_STATUS_OK;
	if (NT_STATUS_IS_OK(status) && cr->n_eas > 0)
		status = smb2_ea_store(*fd, cr->eas, cr->n_eas);
	/* a stream has the security of its file */
	if (NT_STATUS_IS_OK(status) && !smb2_stream_is_side_path(relpath))
		status = smb2_ntacl_create_new(req, cr->acl, *fd, dir, cr->secd,
					       cr->secd_len, &cr->max_access);
	if (!NT_STATUS_IS_OK(status)) {
		close(*fd);
		vfs_unlink(vfs, relpath, dir);
	}
	return status;
}

/* A named pipe on IPC$: the pipe object lives in ipc.c. */
static NTSTATUS create_pipe(struct smb2_req *req, struct create_req *cr)
{
	struct vfs_stat st = { .attributes = FILE_ATTRIBUTE_NORMAL,
			       .alloc_size = 4096 };
	struct smb2_open *o;
	char *name = NULL;
	NTSTATUS status;

	if (utf16le_to_utf8(req, cr->name.p, cr->name.len, &name) != 0)
		return NT_STATUS_OBJECT_NAME_INVALID;
	status = smb2_ipc_open(req, name, &o);
	if (!NT_STATUS_IS_OK(status))
		return status;
	o->access_mask = map_generic(cr->access, req->tcon->max_access);
	o->share_access = cr->share_access;
	o->create_options = cr->options;
	req->msg->related_fid_p = o->persistent_id;
	req->msg->related_fid_v = o->volatile_id;
	req->msg->related_fid_valid = true;
	status = encode_response(req, o, cr, &(struct create_grant){ 0 }, &st,
				 FILE_OPENED);
	if (!NT_STATUS_IS_OK(status))
		talloc_free(o);
	return status;
}

/* MS-SMB2 3.3.5.9.8/.11: leases from 2.1 on, version 2 from 3.0 on */
static void oplock_request_init(struct smb2_req *req, struct create_req *cr,
				uint32_t access)
{
	uint16_t dialect = req->conn->dialect;

	cr->rq.level = cr->oplock;
	cr->rq.has_lease =
	    cr->oplock == SMB2_OPLOCK_LEVEL_LEASE && cr->has_lease &&
	    dialect >= SMB2_DIALECT_210 &&
	    (cr->rq.lease.version < 2 || dialect >= SMB2_DIALECT_300);
	cr->rq.overwrite = cr->disposition == FILE_SUPERSEDE ||
			   cr->disposition == FILE_OVERWRITE ||
			   cr->disposition == FILE_OVERWRITE_IF;
	/* truncating writes data, whatever access was asked for */
	cr->rq.access = access | (cr->rq.overwrite ? FILE_WRITE_DATA : 0);
}

/*
 * Durable reconnects and replayed creates answer with an open that
 * exists (MS-SMB2 3.3.5.9.7, .10, .12). True when the CREATE is
 * answered, with the result in *status.
 */
static bool create_durable_first(struct smb2_req *req, struct create_req *cr,
				 NTSTATUS *status)
{
	struct create_grant grant = { 0 };
	struct smb2_open *o;
	struct vfs_stat st;
	char *path = NULL;
	uint32_t action;
	int rc;

	/* the name matters to a lease's reconnect (3.3.5.9.7) and to the
	 * disconnected opens a new open closes */
	if (!NT_STATUS_IS_OK(smb2_client_path(req, cr->name.p, cr->name.len,
					      &path)))
		path = NULL;
	oplock_request_init(req, cr,
			    map_generic(cr->access, req->tcon->max_access));
	*status = smb2_durable_create_begin(
	    req, &cr->dh, cr->has_lease ? &cr->rq.lease : NULL, &cr->rq,
	    path, &o);
	if (!NT_STATUS_IS_OK(*status) || !o)
		return !NT_STATUS_IS_OK(*status);
	rc = vfs_fstat(o->fd, &st);
	if (rc != 0) {
		*status = ntstatus_from_errno(rc);
		return true;
	}
	grant.has_lease = smb2_open_lease(o, &grant.lease);
	smb2_durable_existing_rsp(o, &cr->dh, cr->oplock, &grant.oplock,
				  &action, &grant.durable);
	req->msg->related_fid_p = o->persistent_id;
	req->msg->related_fid_v = o->volatile_id;
	req->msg->related_fid_valid = true;
	*status = encode_response(req, o, cr, &grant, &st, action);
	return true;
}

static NTSTATUS create_run(struct smb2_req *req, bool retry)
{
	struct smb2_tcon *t = req->tcon;
	struct create_req cr = { 0 };
	struct create_grant grant = { 0 };
	struct vfs_stat st;
	char *path = NULL, *relpath = NULL;
	struct smb2_stream_target *stream = NULL;
	struct smb2_open *o;
	uint32_t access, action = FILE_CREATED;
	bool exists = false;
	int fd = -1, rc;
	NTSTATUS status;

	status = decode(req, &cr);
	if (!NT_STATUS_IS_OK(status))
		return status;
	cr.max_access = t->max_access;
	if (t->is_ipc)
		return create_pipe(req, &cr);
	if (create_durable_first(req, &cr, &status))
		return status;
	if (cr.has_twrp) /* no previous versions are kept */
		return NT_STATUS_OBJECT_NAME_NOT_FOUND;
	if (cr.name.len >= 2 && get_le16(cr.name.p) == '\\')
		return NT_STATUS_INVALID_PARAMETER;
	status = smb2_stream_client_path(req, cr.name.p, cr.name.len, &path,
					 &stream);
	if (!NT_STATUS_IS_OK(status))
		return status;

	access = map_generic(cr.access, t->max_access);
	if (t->read_only &&
	    ((access & WRITE_LIKE_ACCESS) || cr.disposition == FILE_SUPERSEDE ||
	     cr.disposition == FILE_OVERWRITE ||
	     cr.disposition == FILE_OVERWRITE_IF ||
	     (cr.options & FILE_DELETE_ON_CLOSE)))
		return NT_STATUS_ACCESS_DENIED;
	if ((cr.options & FILE_DELETE_ON_CLOSE) && !(access & DELETE_ACCESS))
		return NT_STATUS_ACCESS_DENIED;
	oplock_request_init(req, &cr, access);
	cr.rq.retry = retry;
	if (t->session->n_opens >= t->session->srv->conf->max_opens_per_session)
		return NT_STATUS_INSUFFICIENT_RESOURCES;

	rc = vfs_resolve(t->share->vfs, req, path, &relpath, &exists);
	if (rc == -ENOENT || rc == -ENOTDIR)
		return NT_STATUS_OBJECT_PATH_NOT_FOUND;
	if (rc != 0)
		return ntstatus_from_errno(rc);
	cr.rq.existed = exists;
	status = smb2_ntacl_create_check(
	    req, relpath, exists, cr.options & FILE_DIRECTORY_FILE,
	    cr.disposition != FILE_OPEN && cr.disposition != FILE_OVERWRITE,
	    cr.access, &access, &cr.max_access, &cr.acl);
	if (NT_STATUS_IS_OK(status) && cr.secd)
		status = smb2_ntacl_check_secd(req, cr.secd, cr.secd_len);
	if (!NT_STATUS_IS_OK(status))
		return status;
	/* a named stream opens its side file (streams.h) */
	status = smb2_stream_prepare(req, stream, access, cr.disposition,
				     cr.options, &relpath, &exists);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (exists)
		status =
		    open_existing(req, &cr, relpath, access, &fd, &st, &action);
	else
		status = create_new(req, &cr, relpath, &fd, &st);
	if (NT_STATUS_EQUAL(status, NT_STATUS_OBJECT_NAME_COLLISION) && !exists)
		return status;
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (action == FILE_CREATED)
		access |= FILE_READ_ATTRIBUTES;

	o = smb2_open_new(t, fd, &st, relpath);
	if (!o) {
		close(fd);
		return NT_STATUS_NO_MEMORY;
	}
	o->access_mask = access;
	o->share_access = cr.share_access;
	o->create_options = cr.options;
	o->mode = cr.options & MODE_CREATE_OPTIONS;
	o->delete_on_close = cr.options & FILE_DELETE_ON_CLOSE;
	status = smb2_oplock_grant_open(req->conn, o, &cr.rq, &grant.oplock,
					&grant.lease, &grant.has_lease);
	if (!NT_STATUS_IS_OK(status)) {
		talloc_free(o);
		return status;
	}
	smb2_durable_grant(req, o, &cr.dh, action, grant.oplock,
			   grant.has_lease ? grant.lease.state : 0,
			   &grant.durable);
	o->client_name = talloc_strdup(o, path);
	if (o->client_name)
		for (char *c = o->client_name; *c; c++)
			if (*c == '/')
				*c = '\\';
	status = smb2_stream_opened(o, stream, action, &st);
	if (!NT_STATUS_IS_OK(status)) {
		talloc_free(o);
		return status;
	}
	req->msg->related_fid_p = o->persistent_id;
	req->msg->related_fid_v = o->volatile_id;
	req->msg->related_fid_valid = true;
	LOG_DBG("%s: create '%s' -> %s fid %llu", req->conn->peer, path,
		action == FILE_CREATED ? "created" : "opened",
		(unsigned long long)o->volatile_id);
	status = encode_response(req, o, &cr, &grant, &st, action);
	if (!NT_STATUS_IS_OK(status))
		talloc_free(o);
	return status;
}

/* A CREATE that waited for an oplock or lease break starts over. */
static void create_resume(struct smb2_req *req)
{
	NTSTATUS status;

	smb2_req_refresh(req);
	if (!req->tcon) {
		smb2_req_complete(req, NT_STATUS_NETWORK_NAME_DELETED);
		return;
	}
	status = create_run(req, true);
	if (!NT_STATUS_EQUAL(status, SMB2_STATUS_ASYNC))
		smb2_req_complete(req, status);
}

NTSTATUS smb2_cmd_create(struct smb2_req *req)
{
	return create_run(req, false);
}
