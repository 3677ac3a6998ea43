/*
 * SMB2 SET_INFO (MS-SMB2 2.2.39, 3.3.5.21): times and attributes, size,
 * delete-on-close and rename of an open, following the object store rules
 * of MS-FSA 2.1.5.15. The buffers are decoded by smb2_info.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "smb2/ntacl.h"
#include "smb2/replay.h"
#include "smb2/lease.h"
#include "smb2/smb2_info.h"
#include "smb2/smb2_objects.h"
#include "smb2/smb2_server.h"
#include "smb2/streams.h"
#include "smb2/wtime.h"
#include "vfs/unicode.h"

static void set_info_resume(struct smb2_req *req);

static NTSTATUS errno_status(int rc)
{
	return ntstatus_from_errno(-rc);
}

/* MS-FSA 2.1.5.15.1 FileBasicInformation */
static NTSTATUS set_basic(struct smb2_open *o,
			  const struct smb2_set_file_info *si)
{
	int rc;

	if (!(o->access_mask & FILE_WRITE_ATTRIBUTES))
		return NT_STATUS_ACCESS_DENIED;
	if (si->attributes) {
		if ((si->attributes & FILE_ATTRIBUTE_DIRECTORY) && !o->is_dir)
			return NT_STATUS_INVALID_PARAMETER;
		if ((si->attributes & FILE_ATTRIBUTE_TEMPORARY) && o->is_dir)
			return NT_STATUS_INVALID_PARAMETER;
		rc = vfs_set_attributes(smb2_stream_meta_fd(o),
					si->attributes);
		if (rc != 0)
			return errno_status(rc);
	}
	if (si->create_time || si->access_time || si->write_time) {
		rc = vfs_set_times(smb2_stream_meta_fd(o), si->create_time,
				   si->access_time, si->write_time);
		if (rc != 0)
			return errno_status(rc);
	}
	smb2_wtime_set(o, si->write_time_raw);
	if (si->change_time) {
		o->file->change_time_set = true;
		o->file->change_time = si->change_time;
		o->user_set_change_time = true;
	}
	return NT_STATUS_OK;
}

/*
 * Changes made through an open that set ChangeTime do not update it
 * (MS-FSA Open.UserSetChangeTime), so the ctime they caused becomes the
 * one the set value stands for.
 */
static void keep_user_change_time(struct smb2_open *o)
{
	struct vfs_stat st;

	if (!o->user_set_change_time || !o->file->change_time_set)
		return;
	if (vfs_fstat(o->fd, &st) == 0)
		o->file->change_time_ctime = st.change_time;
	else
		o->file->change_time_set = false;
}

NTSTATUS smb2_ea_store(int fd, const struct smb2_ea *eas, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *xname = talloc_asprintf(NULL, SMB2_EA_XATTR_PREFIX "%s",
					      eas[i].name);
		int rc;

		if (!xname)
			return NT_STATUS_NO_MEMORY;
		for (char *p = xname + strlen(SMB2_EA_XATTR_PREFIX); *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		if (eas[i].value_len == 0)
			rc = fremovexattr(fd, xname);
		else
			rc = fsetxattr(fd, xname, eas[i].value,
				       eas[i].value_len, 0);
		talloc_free(xname);
		if (rc != 0 && !(eas[i].value_len == 0 && errno == ENODATA)) {
			if (errno == ENOTSUP)
				return NT_STATUS_EAS_NOT_SUPPORTED;
			/* a name too long for an xattr, or no room left */
			if (errno == ERANGE || errno == E2BIG)
				return NT_STATUS_EA_TOO_LARGE;
			return ntstatus_from_errno(errno);
		}
	}
	return NT_STATUS_OK;
}

/* MS-FSA 2.1.5.15.4 FileFullEaInformation */
static NTSTATUS set_full_ea(struct smb2_open *o, struct wire_slice buf)
{
	struct smb2_ea *eas;
	size_t n;
	NTSTATUS status;

	if (!(o->access_mask & FILE_WRITE_EA))
		return NT_STATUS_ACCESS_DENIED;
	status = smb2_ea_list_decode(NULL, buf, &eas, &n);
	if (!NT_STATUS_IS_OK(status))
		return status;
	status = smb2_ea_store(o->fd, eas, n);
	talloc_free(eas);
	return status;
}

/* EndOfFile, Allocation and ValidDataLength change the data of files. */
static NTSTATUS set_size(struct smb2_open *o,
			 const struct smb2_set_file_info *si)
{
	struct vfs_stat st;
	int rc;

	if (!(o->access_mask & FILE_WRITE_DATA))
		return NT_STATUS_ACCESS_DENIED;
	if (o->is_dir)
		return NT_STATUS_INVALID_PARAMETER;
	smb2_break_for_write(o);
	switch (si->cls) {
	case FSCC_FILE_END_OF_FILE_INFORMATION:
		rc = vfs_truncate(o->fd, si->value);
		if (rc == 0)
			smb2_wtime_resized(o);
		break;
	case FSCC_FILE_ALLOCATION_INFORMATION:
		rc = vfs_set_allocation(o->fd, si->value);
		break;
	default: /* ValidDataLength: all data up to EOF is valid on POSIX */
		rc = vfs_fstat(o->fd, &st);
		if (rc == 0 && si->value > st.size)
			return NT_STATUS_INVALID_PARAMETER;
		break;
	}
	return rc == 0 ? NT_STATUS_OK : errno_status(rc);
}

/* true if the directory has entries besides "." and "..". Reads at most
 * one getdents batch, so it is cheap enough for the event loop. */
static int dir_has_entries(int dirfd, bool *has)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		int err = errno;
		close(fd);
		return -err;
	}
	*has = false;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			*has = true;
			break;
		}
	}
	closedir(d);
	return 0;
}

/* MS-FSA 2.1.5.15.3 FileDispositionInformation(Ex) */
static NTSTATUS set_disposition(struct smb2_open *o,
				const struct smb2_set_file_info *si)
{
	struct vfs_stat st;
	bool has = false;
	int rc;

	if (!(o->access_mask & DELETE_ACCESS))
		return NT_STATUS_ACCESS_DENIED;
	if (!si->delete_pending) {
		o->file->delete_pending = false;
		return NT_STATUS_OK;
	}
	if (strcmp(smb2_open_relpath(o), ".") == 0)
		return NT_STATUS_CANNOT_DELETE; /* the share root */
	rc = vfs_fstat(o->fd, &st);
	if (rc != 0)
		return errno_status(rc);
	if ((st.attributes & FILE_ATTRIBUTE_READONLY) && !si->ignore_readonly)
		return NT_STATUS_CANNOT_DELETE;
	if (o->is_dir) {
		rc = dir_has_entries(o->fd, &has);
		if (rc != 0)
			return errno_status(rc);
		if (has)
			return NT_STATUS_DIRECTORY_NOT_EMPTY;
	}
	o->file->delete_pending = true;
	return NT_STATUS_OK;
}

/* True if some file open on this server lives below dir ("a/b" holds
 * "a/b/c"). */
static bool open_below(struct smb2_server *srv,
		       const struct smb2_share_state *share, const char *dir)
{
	size_t n = strlen(dir);

	for (struct smb2_file *f = srv->files; f; f = f->next) {
		if (f->share != share || strlen(f->relpath) <= n)
			continue;
		if (f->relpath[n] != '/')
			continue;
		char *prefix = talloc_strndup(NULL, f->relpath, n);
		bool below = prefix && name_equal_ci(prefix, dir);
		talloc_free(prefix);
		if (below)
			return true;
	}
	return false;
}

/* Other opens of the source must allow FILE_SHARE_DELETE (MS-FSA
 * 2.1.5.15.12 via the sharing check of a DELETE open). */
static bool others_deny_delete(const struct smb2_open *o)
{
	for (const struct smb2_open *p = o->file->opens; p; p = p->file_next)
		if (p != o && !(p->share_access & FILE_SHARE_DELETE))
			return true;
	return false;
}

/*
 * A rename opens the target's parent directory for FILE_ADD_FILE (or
 * FILE_ADD_SUBDIRECTORY) sharing only read and write, as Windows' I/O
 * manager does for SL_OPEN_TARGET_DIRECTORY; that open fails when the
 * directory is open without FILE_SHARE_WRITE or with DELETE access.
 * Opens for attributes only take no part in sharing (MS-FSA 2.1.5.1.2.1
 * share access check), which is why Word's habit of holding the parent
 * open for SYNCHRONIZE | FILE_READ_ATTRIBUTES with no sharing works.
 */
/* The access rights that take part in share mode checks. */
#define SHARING_ACCESS                                                   \
	(FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA |            \
	 FILE_EXECUTE | DELETE_ACCESS)

static bool target_parent_busy(struct smb2_open *o, const char *target)
{
	const char *slash = strrchr(target, '/');
	char *parent = slash ? talloc_strndup(NULL, target, slash - target)
			     : talloc_strdup(NULL, ".");
	struct smb2_file *dir;
	bool busy = false;

	if (!parent)
		return false;
	dir = smb2_file_find_path(o->tcon->session->srv, o->file->share,
				  parent);
	talloc_free(parent);
	for (const struct smb2_open *p = dir ? dir->opens : NULL; p;
	     p = p->file_next) {
		if (!(p->access_mask & SHARING_ACCESS))
			continue;
		if ((p->access_mask & DELETE_ACCESS) ||
		    !(p->share_access & FILE_SHARE_WRITE))
			busy = true;
	}
	return busy;
}

/* The target path on disk: the resolved parent plus, for a case-only
 * rename of the file onto itself, the client's spelling of the name. */
static char *rename_target_path(TALLOC_CTX *mem_ctx, const char *ondisk,
				const char *client_path)
{
	const char *slash = strrchr(ondisk, '/');
	const char *base = strrchr(client_path, '/');

	base = base ? base + 1 : client_path;
	if (!slash)
		return talloc_strdup(mem_ctx, base);
	return talloc_asprintf(mem_ctx, "%.*s/%s", (int)(slash - ondisk),
			       ondisk, base);
}

/* Converts a '/' path to the '\' form kept as the open's client name. */
static char *client_form(TALLOC_CTX *mem_ctx, const char *path)
{
	char *s = talloc_strdup(mem_ctx, path);

	for (char *p = s; p && *p; p++)
		if (*p == '/')
			*p = '\\';
	return s;
}

struct rename_target {
	char *client_path; /* '/' separated, as the client spelled it */
	char *ondisk;
	bool exists;
	bool same_file; /* case-only rename of the source itself */
};

static NTSTATUS resolve_target(TALLOC_CTX *mem_ctx, struct smb2_open *o,
			       const struct smb2_set_file_info *si,
			       struct rename_target *t)
{
	struct vfs_share *vfs = o->tcon->share->vfs;
	struct vfs_stat st;
	NTSTATUS status;
	int rc;

	if (si->root_directory != 0)
		return NT_STATUS_INVALID_PARAMETER; /* 3.3.5.21.1 */
	status = smb2_client_path(mem_ctx, si->name16, si->name16_len,
				  &t->client_path);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (t->client_path[0] == '\0')
		return NT_STATUS_OBJECT_NAME_INVALID;
	rc = vfs_resolve(vfs, mem_ctx, t->client_path, &t->ondisk, &t->exists);
	if (rc == -ENOENT || rc == -ENOTDIR)
		return NT_STATUS_OBJECT_PATH_NOT_FOUND;
	if (rc != 0)
		return errno_status(rc);
	t->same_file = false;
	if (!t->exists)
		return NT_STATUS_OK;
	rc = vfs_stat_path(vfs, t->ondisk, &st);
	if (rc != 0)
		return errno_status(rc);
	if (st.dev == o->file->dev && st.file_id == o->file->ino) {
		t->same_file = true;
		t->ondisk = rename_target_path(mem_ctx, t->ondisk,
					       t->client_path);
		return t->ondisk ? NT_STATUS_OK : NT_STATUS_NO_MEMORY;
	}
	/* MS-FSA 2.1.5.15.12: an existing target may be replaced only if
	 * asked, only if it is a file, and only if nobody has it open */
	if (!si->replace_if_exists)
		return NT_STATUS_OBJECT_NAME_COLLISION;
	if (st.is_dir || (st.attributes & FILE_ATTRIBUTE_READONLY))
		return NT_STATUS_ACCESS_DENIED;
	if (smb2_file_find_path(o->tcon->session->srv, o->tcon->share,
				t->ondisk))
		return NT_STATUS_ACCESS_DENIED;
	return NT_STATUS_OK;
}

/* MS-FSA 2.1.5.15.12 FileRenameInformation */
static NTSTATUS set_rename(struct smb2_open *o,
			   const struct smb2_set_file_info *si)
{
	struct smb2_server *srv = o->tcon->session->srv;
	struct smb2_file *f = o->file;
	TALLOC_CTX *tmp;
	struct rename_target t;
	char *relpath, *client_name;
	NTSTATUS status;
	int rc;

	if (!(o->access_mask & DELETE_ACCESS))
		return NT_STATUS_ACCESS_DENIED;
	if (smb2_stream_rename_target(si->name16, si->name16_len))
		return smb2_stream_rename(o, si->name16, si->name16_len,
					  si->replace_if_exists);
	if (o->stream)
		return NT_STATUS_INVALID_PARAMETER; /* a stream stays one */
	if (strcmp(f->relpath, ".") == 0)
		return NT_STATUS_ACCESS_DENIED; /* the share root */
	if (f->delete_pending)
		return NT_STATUS_DELETE_PENDING;
	if (others_deny_delete(o))
		return NT_STATUS_SHARING_VIOLATION;
	/* Windows refuses to move a directory with open files below it */
	if (o->is_dir && open_below(srv, f->share, f->relpath))
		return NT_STATUS_ACCESS_DENIED;

	tmp = talloc_new(NULL);
	if (!tmp)
		return NT_STATUS_NO_MEMORY;
	status = resolve_target(tmp, o, si, &t);
	if (!NT_STATUS_IS_OK(status))
		goto out;
	if (target_parent_busy(o, t.ondisk)) {
		status = NT_STATUS_SHARING_VIOLATION;
		goto out;
	}
	if (strcmp(t.ondisk, f->relpath) == 0)
		goto out; /* renamed onto itself, spelling and all */
	rc = vfs_rename(f->share->vfs, f->relpath, t.ondisk,
			si->replace_if_exists && !t.same_file);
	if (rc != 0) {
		status = rc == -EEXIST ? NT_STATUS_OBJECT_NAME_COLLISION
				       : errno_status(rc);
		goto out;
	}
	relpath = talloc_strdup(f, t.ondisk);
	client_name = client_form(o, t.client_path);
	if (!relpath || !client_name) {
		talloc_free(relpath);
		talloc_free(client_name);
		status = NT_STATUS_NO_MEMORY;
		goto out;
	}
	talloc_free(f->relpath);
	f->relpath = relpath;
	talloc_free(o->client_name);
	o->client_name = client_name;
out:
	talloc_free(tmp);
	return status;
}

static NTSTATUS set_file(struct smb2_req *req, struct smb2_open *o,
			 uint8_t cls, struct wire_slice buf)
{
	struct smb2_set_file_info si;
	NTSTATUS status;

	if (o->fd < 0 || !o->file)
		return NT_STATUS_INVALID_PARAMETER; /* pipes */
	if (cls == FSCC_FILE_FULL_EA_INFORMATION) {
		if (req->tcon->read_only)
			return NT_STATUS_ACCESS_DENIED;
		status = set_full_ea(o, buf);
		keep_user_change_time(o);
		return status;
	}
	status = smb2_info_decode_set_file(cls, buf, &si);
	if (!NT_STATUS_IS_OK(status))
		return status;

	switch (cls) {
	case FSCC_FILE_POSITION_INFORMATION:
		o->position = si.value;
		return NT_STATUS_OK;
	case FSCC_FILE_MODE_INFORMATION:
		o->mode = si.mode;
		return NT_STATUS_OK;
	default:
		break;
	}
	/* everything else modifies the share */
	if (req->tcon->read_only)
		return NT_STATUS_ACCESS_DENIED;
	switch (cls) {
	case FSCC_FILE_BASIC_INFORMATION:
		status = set_basic(o, &si);
		break;
	case FSCC_FILE_END_OF_FILE_INFORMATION:
	case FSCC_FILE_ALLOCATION_INFORMATION:
	case FSCC_FILE_VALID_DATA_LENGTH_INFORMATION:
		status = set_size(o, &si);
		break;
	case FSCC_FILE_DISPOSITION_INFORMATION:
	case FSCC_FILE_DISPOSITION_INFORMATION_EX:
		return set_disposition(o, &si);
	case FSCC_FILE_RENAME_INFORMATION:
		/* other opens' handle caches break first (MS-FSA 2.1.5.14.11) */
		status = smb2_break_for_rename(req, o, set_info_resume);
		if (!NT_STATUS_IS_OK(status))
			return status;
		status = set_rename(o, &si);
		break;
	default:
		return NT_STATUS_INVALID_INFO_CLASS;
	}
	keep_user_change_time(o);
	return status;
}

/* Runs a SET_INFO again once the breaks it waited for are done. */
static void set_info_resume(struct smb2_req *req)
{
	NTSTATUS st = smb2_cmd_set_info(req);

	if (!NT_STATUS_EQUAL(st, SMB2_STATUS_ASYNC))
		smb2_req_complete(req, st);
}

NTSTATUS smb2_cmd_set_info(struct smb2_req *req)
{
	struct wire_rd r;
	struct wire_slice buf;
	struct smb2_open *o;
	uint8_t info_type, cls;
	uint32_t buf_len, additional;
	uint16_t buf_off;
	NTSTATUS status;

	wire_rd_init_slice(&r, req->body);
	wire_rd_skip(&r, 2); /* StructureSize */
	info_type = wire_rd_u8(&r);
	cls = wire_rd_u8(&r);
	buf_len = wire_rd_u32(&r);
	buf_off = wire_rd_u16(&r);
	wire_rd_skip(&r, 2); /* Reserved */
	additional = wire_rd_u32(&r);
	if (r.err)
		return NT_STATUS_INVALID_PARAMETER;
	if (req->conn->max_trans && buf_len > req->conn->max_trans)
		return NT_STATUS_INVALID_PARAMETER; /* 3.3.5.21 */
	if (!wire_slice_at(&req->in, buf_off, buf_len, &buf))
		return NT_STATUS_INVALID_PARAMETER;
	o = smb2_open_lookup_at(req, 16);
	if (!o)
		return NT_STATUS_FILE_CLOSED;
	status = smb2_replay_check(req, o);
	if (!NT_STATUS_IS_OK(status))
		return status;

	switch (info_type) {
	case SMB2_0_INFO_FILE:
		status = set_file(req, o, cls, buf);
		break;
	case SMB2_0_INFO_SECURITY:
		status = smb2_ntacl_set(req, o, additional, buf.p, buf.len);
		break;
	case SMB2_0_INFO_FILESYSTEM:
	case SMB2_0_INFO_QUOTA:
		status = NT_STATUS_NOT_SUPPORTED;
		break;
	default:
		status = NT_STATUS_INVALID_PARAMETER;
		break;
	}
	if (NT_STATUS_IS_OK(status))
		wire_wr_u16(&req->out, 2); /* 2.2.40 StructureSize */
	return status;
}
