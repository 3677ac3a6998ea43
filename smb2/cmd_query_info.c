/*
 * SMB2 QUERY_INFO (MS-SMB2 2.2.37, 3.3.5.20): file, file system and
 * security information of an open. The encodings live in smb2_info.c.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "smb2/ntacl.h"
#include "smb2/smb2_info.h"
#include "smb2/smb2_server.h"
#include "smb2/streams.h"
#include "vfs/unicode.h"

#define QI_OUTPUT_BUFFER_OFFSET (SMB2_HDR_SIZE + 8)

struct query_info_in {
	uint8_t info_type;
	uint8_t cls;
	uint32_t output_len;
	uint32_t additional;
};

/* Response body: StructureSize 9, OutputBufferOffset, OutputBufferLength
 * (patched once known), then the buffer. Returns the buffer's start. */
static size_t begin_response(struct wire_wr *w)
{
	wire_wr_u16(w, 9);
	wire_wr_u16(w, QI_OUTPUT_BUFFER_OFFSET);
	wire_wr_u32(w, 0);
	return w->len;
}

/*
 * Cuts the encoded value to what the client accepts and patches the
 * length. An error status leaves req->out empty (standard error body);
 * BUFFER_OVERFLOW keeps the truncated data (MS-SMB2 3.3.5.20.1).
 */
static NTSTATUS finish_response(struct smb2_req *req,
				const struct query_info_in *in, size_t start,
				NTSTATUS status)
{
	struct wire_wr *w = &req->out;
	size_t send_len = w->len - start;

	if (NT_STATUS_IS_OK(status))
		status = smb2_info_fit(in->info_type, in->cls, w->len - start,
				       in->output_len, &send_len);
	if (w->err)
		status = NT_STATUS_NO_MEMORY;
	if (NT_STATUS_IS_ERR(status)) {
		w->len = 0;
		return status;
	}
	w->len = start + send_len;
	wire_wr_put_u32(w, 4, (uint32_t)send_len);
	return status;
}

/* "\dir\name" as FileNameInformation reports it, in UTF-16LE. */
static NTSTATUS open_name16(TALLOC_CTX *mem_ctx, const struct smb2_open *o,
			    uint8_t **name16, size_t *len)
{
	const char *cn = o->client_name ? o->client_name : "";
	char *name = talloc_asprintf(mem_ctx, "%s%s",
				     cn[0] == '\\' ? "" : "\\", cn);

	if (!name)
		return NT_STATUS_NO_MEMORY;
	if (utf8_to_utf16le(mem_ctx, name, name16, len) != 0)
		return NT_STATUS_OBJECT_NAME_INVALID;
	return NT_STATUS_OK;
}

/*
 * FileNormalizedNameInformation (MS-FSCC 2.4.30): the path from the share
 * root as stored on disk, without a leading '\\'; empty for the root.
 */
static NTSTATUS normalized_name16(TALLOC_CTX *mem_ctx,
				  const struct smb2_open *o, uint8_t **name16,
				  size_t *len)
{
	const char *rel = smb2_open_relpath(o);
	char *name = talloc_strdup(mem_ctx, strcmp(rel, ".") == 0 ? "" : rel);

	if (!name)
		return NT_STATUS_NO_MEMORY;
	for (char *p = name; *p; p++)
		if (*p == '/')
			*p = '\\';
	if (utf8_to_utf16le(mem_ctx, name, name16, len) != 0)
		return NT_STATUS_OBJECT_NAME_INVALID;
	return NT_STATUS_OK;
}

/* The 8.3 name of the open's last path component; none for the root. */
static NTSTATUS short_name16(TALLOC_CTX *mem_ctx, const struct smb2_open *o,
			     uint8_t **name16, size_t *len)
{
	const char *rel = smb2_open_relpath(o);
	const char *base = strrchr(rel, '/');
	char short_name[SMB2_SHORT_NAME_MAX + 1];

	*name16 = NULL;
	*len = 0;
	if (!smb2_info_short_name(base ? base + 1 : rel, short_name))
		return NT_STATUS_OK;
	if (utf8_to_utf16le(mem_ctx, short_name, name16, len) != 0)
		return NT_STATUS_OBJECT_NAME_INVALID;
	return NT_STATUS_OK;
}

/*
 * The access a query of class cls needs (MS-SMB2 3.3.5.20.1 defers to
 * the object store; Windows' I/O manager asks for these): attribute
 * classes need FILE_READ_ATTRIBUTES, the EA list FILE_READ_EA; standard,
 * internal, position, mode, name and the like need none.
 */
static uint32_t file_class_access(uint8_t cls)
{
	switch (cls) {
	case FSCC_FILE_BASIC_INFORMATION:
	case FSCC_FILE_ALL_INFORMATION:
	case FSCC_FILE_NETWORK_OPEN_INFORMATION:
	case FSCC_FILE_ATTRIBUTE_TAG_INFORMATION:
		return FILE_READ_ATTRIBUTES;
	case FSCC_FILE_FULL_EA_INFORMATION:
		return FILE_READ_EA;
	default:
		return 0;
	}
}

/* The names a class reports, converted only when it needs them. */
static NTSTATUS file_names(struct smb2_req *req, struct smb2_open *o,
			   uint8_t cls, struct smb2_info_file *f,
			   uint8_t **name16)
{
	NTSTATUS status = NT_STATUS_OK;

	*name16 = NULL;
	switch (cls) {
	case FSCC_FILE_NAME_INFORMATION:
	case FSCC_FILE_ALL_INFORMATION:
		status = open_name16(req, o, name16, &f->name16_len);
		f->name16 = *name16;
		break;
	case FSCC_FILE_NORMALIZED_NAME_INFORMATION:
		/* a 3.1.1 class (MS-SMB2 3.3.5.20.1) */
		if (req->conn->dialect < SMB2_DIALECT_311)
			return NT_STATUS_NOT_SUPPORTED;
		status = normalized_name16(req, o, name16, &f->name16_len);
		f->name16 = *name16;
		break;
	case FSCC_FILE_ALTERNATE_NAME_INFORMATION:
		status = short_name16(req, o, name16, &f->short16_len);
		f->short16 = *name16;
		break;
	default:
		break;
	}
	return status;
}

static NTSTATUS ea_errno_status(int err)
{
	return err == ENOTSUP ? NT_STATUS_EAS_NOT_SUPPORTED
			      : ntstatus_from_errno(err);
}

/* Reads the EA stored as xattr xname (prefix already checked). 0,
 * -ENODATA when it went away meanwhile, or another -errno. */
static int load_one_ea(TALLOC_CTX *mem_ctx, int fd, const char *xname,
		       struct smb2_ea *ea)
{
	ssize_t len = fgetxattr(fd, xname, NULL, 0);
	uint8_t *value;

	if (len < 0)
		return -errno;
	if (len > UINT16_MAX)
		return -E2BIG; /* not one of ours: EaValueLength is 16 bits */
	value = talloc_size(mem_ctx, len ? (size_t)len : 1);
	if (!value)
		return -ENOMEM;
	len = fgetxattr(fd, xname, value, len);
	if (len < 0)
		return errno == ERANGE ? -EAGAIN : -errno;
	ea->flags = 0;
	ea->name = talloc_strdup(mem_ctx, xname + strlen(SMB2_EA_XATTR_PREFIX));
	ea->value = value;
	ea->value_len = (uint16_t)len;
	return ea->name ? 0 : -ENOMEM;
}

NTSTATUS smb2_ea_load(TALLOC_CTX *mem_ctx, int fd, struct smb2_ea **eas_out,
		      size_t *n_out)
{
	const size_t plen = strlen(SMB2_EA_XATTR_PREFIX);
	struct smb2_ea *eas = NULL;
	ssize_t len = flistxattr(fd, NULL, 0);
	char *names;
	size_t n = 0;
	int rc = 0;

	*eas_out = NULL;
	*n_out = 0;
	if (len < 0)
		return errno == ENOTSUP ? NT_STATUS_OK : ea_errno_status(errno);
	names = talloc_size(mem_ctx, len + 1);
	if (!names)
		return NT_STATUS_NO_MEMORY;
	len = flistxattr(fd, names, len);
	if (len < 0)
		rc = -errno;
	for (ssize_t i = 0; rc == 0 && i < len; i += strlen(names + i) + 1) {
		const char *x = names + i;
		struct smb2_ea *grown;

		if (strncmp(x, SMB2_EA_XATTR_PREFIX, plen) != 0 ||
		    strlen(x) == plen)
			continue;
		grown = talloc_realloc(mem_ctx, eas, struct smb2_ea, n + 1);
		if (!grown) {
			rc = -ENOMEM;
			break;
		}
		eas = grown;
		rc = load_one_ea(eas, fd, x, &eas[n]);
		if (rc == 0)
			n++;
		else if (rc == -ENODATA || rc == -E2BIG)
			rc = 0; /* removed meanwhile, or not an EA */
	}
	talloc_free(names);
	if (rc != 0) {
		talloc_free(eas);
		return ea_errno_status(-rc);
	}
	*eas_out = eas;
	*n_out = n;
	return NT_STATUS_OK;
}

/* Named pipes answer FileStandardInformation and FilePipeInformation. */
static NTSTATUS query_pipe(struct smb2_req *req, const struct query_info_in *in)
{
	struct vfs_stat st = { .nlink = 1 };
	struct smb2_info_file f = { .st = &st };
	size_t start;
	NTSTATUS status = NT_STATUS_OK;

	if (in->cls != FSCC_FILE_STANDARD_INFORMATION &&
	    in->cls != FSCC_FILE_PIPE_INFORMATION)
		return NT_STATUS_INVALID_PARAMETER;
	start = begin_response(&req->out);
	if (in->cls == FSCC_FILE_PIPE_INFORMATION) {
		/* MS-FSCC 2.4.35: message read mode, queued completion */
		wire_wr_u32(&req->out, 1);
		wire_wr_u32(&req->out, 0);
	} else {
		status = smb2_info_encode_file(&req->out, in->cls, &f);
	}
	return finish_response(req, in, start, status);
}

static NTSTATUS query_file(struct smb2_req *req, struct smb2_open *o,
			   const struct query_info_in *in)
{
	struct vfs_stat st;
	struct smb2_info_file f = { .st = &st };
	uint8_t *name16 = NULL;
	struct smb2_ea *eas = NULL;
	struct smb2_stream_info *streams = NULL;
	uint32_t need = file_class_access(in->cls);
	size_t start;
	NTSTATUS status;
	int rc;

	if (o->fd < 0)
		return query_pipe(req, in);
	if ((o->access_mask & need) != need)
		return NT_STATUS_ACCESS_DENIED;
	rc = smb2_stream_fstat(o, &st);
	if (rc != 0)
		return ntstatus_from_errno(-rc);
	if (o->file && o->file->change_time_set)
		smb2_info_apply_change_time(&st, o->file->change_time,
					    o->file->change_time_ctime);
	f.access_mask = o->access_mask;
	f.position = o->position;
	f.mode = o->mode;
	f.delete_pending = o->file && o->file->delete_pending;
	status = file_names(req, o, in->cls, &f, &name16);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (in->cls == FSCC_FILE_EA_INFORMATION ||
	    in->cls == FSCC_FILE_ALL_INFORMATION ||
	    in->cls == FSCC_FILE_FULL_EA_INFORMATION) {
		status = smb2_ea_load(req, smb2_stream_meta_fd(o), &eas,
				      &f.n_eas);
		if (!NT_STATUS_IS_OK(status))
			goto out;
		f.eas = eas;
		f.ea_size = smb2_ea_list_size(eas, f.n_eas);
		f.out_len = in->output_len;
	}
	if (in->cls == FSCC_FILE_STREAM_INFORMATION) {
		status = smb2_stream_list(req, o, &streams, &f.n_streams);
		if (!NT_STATUS_IS_OK(status))
			goto out;
		f.streams = streams;
	}
	start = begin_response(&req->out);
	status = smb2_info_encode_file(&req->out, in->cls, &f);
	status = finish_response(req, in, start, status);
out:
	talloc_free(streams);
	talloc_free(eas);
	talloc_free(name16);
	return status;
}

static NTSTATUS query_fs(struct smb2_req *req, struct smb2_open *o,
			 const struct query_info_in *in)
{
	struct smb2_share_state *share = req->tcon->share;
	struct vfs_fsinfo fs;
	struct vfs_stat root;
	struct smb2_info_fs v = { .fs = &fs };
	uint8_t *label16 = NULL;
	size_t start;
	NTSTATUS status;
	int rc;

	if (o->fd < 0 || !share->vfs)
		return NT_STATUS_INVALID_PARAMETER;
	rc = vfs_fsinfo(share->vfs, &fs);
	if (rc != 0)
		return ntstatus_from_errno(-rc);
	if (in->cls == FSCC_FS_VOLUME_INFORMATION) {
		/* the share root's creation time stands for the volume's */
		if (vfs_stat_path(share->vfs, ".", &root) == 0)
			v.volume_create_time = root.create_time;
		if (utf8_to_utf16le(req, share->conf->name, &label16,
				    &v.label16_len) != 0)
			return NT_STATUS_INTERNAL_ERROR;
		v.label16 = label16;
	}
	start = begin_response(&req->out);
	status = smb2_info_encode_fs(&req->out, in->cls, &v);
	status = finish_response(req, in, start, status);
	talloc_free(label16);
	return status;
}

/*
 * The descriptor of the open's file (smb2/ntacl.c). A buffer too small
 * gets STATUS_BUFFER_TOO_SMALL with the needed size as ErrorData
 * (MS-SMB2 3.3.5.20.3, 2.2.2), which clients use to retry.
 */
static NTSTATUS query_security(struct smb2_req *req, struct smb2_open *o,
			       const struct query_info_in *in)
{
	struct wire_wr *w = &req->out;
	size_t start, len;
	NTSTATUS status;

	start = begin_response(w);
	status = smb2_ntacl_query(req, o, in->additional, w);
	if (!NT_STATUS_IS_OK(status)) {
		w->len = 0;
		return status;
	}
	len = w->len - start;
	if (len > in->output_len) {
		w->len = 0;
		wire_wr_u16(w, 9);  /* SMB2 ERROR StructureSize */
		wire_wr_u8(w, 0);   /* ErrorContextCount */
		wire_wr_u8(w, 0);   /* Reserved */
		wire_wr_u32(w, 4);  /* ByteCount */
		wire_wr_u32(w, (uint32_t)len);
		return NT_STATUS_BUFFER_TOO_SMALL;
	}
	wire_wr_put_u32(w, 4, (uint32_t)len);
	return NT_STATUS_OK;
}

NTSTATUS smb2_cmd_query_info(struct smb2_req *req)
{
	struct query_info_in in;
	struct smb2_open *o;
	struct wire_rd r;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 2); /* StructureSize */
	in.info_type = wire_rd_u8(&r);
	in.cls = wire_rd_u8(&r);
	in.output_len = wire_rd_u32(&r);
	wire_rd_skip(&r, 2 + 2 + 4); /* InputBuffer{Offset,,Length} */
	in.additional = wire_rd_u32(&r);
	if (r.err)
		return NT_STATUS_INVALID_PARAMETER;

	o = smb2_open_lookup_at(req, 24);
	if (!o)
		return NT_STATUS_FILE_CLOSED;
	/* 3.3.5.20: larger than MaxTransactSize is invalid */
	if (req->conn->max_trans && in.output_len > req->conn->max_trans)
		return NT_STATUS_INVALID_PARAMETER;

	switch (in.info_type) {
	case SMB2_0_INFO_FILE:
		return query_file(req, o, &in);
	case SMB2_0_INFO_FILESYSTEM:
		return query_fs(req, o, &in);
	case SMB2_0_INFO_SECURITY:
		return query_security(req, o, &in);
	case SMB2_0_INFO_QUOTA:
		return NT_STATUS_NOT_SUPPORTED;
	default:
		return NT_STATUS_INVALID_PARAMETER;
	}
}
