/* Alternate data streams on side files (see streams.h for the layout). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/log.h"
#include "smb2/smb2_objects.h"
#include "smb2/streams.h"
#include "vfs/unicode.h"

#define STREAM_NAME_MAX 255 /* UTF-16 units (MS-FSCC 2.1.5.3) */
/* the access rights that take part in share mode checks */
#define SHARING_ACCESS                                                  \
	(FILE_READ_DATA | FILE_WRITE_DATA | FILE_APPEND_DATA |           \
	 FILE_EXECUTE | DELETE_ACCESS)

/* ---- names (pure) ---- */

static bool type_is(const char *type, const char *want)
{
	return strcasecmp(type, want) == 0;
}

NTSTATUS smb2_stream_parse(TALLOC_CTX *mem_ctx, const char *spec,
			   enum smb2_stream_kind *kind, char **name)
{
	const char *colon = strchr(spec, ':');
	size_t name_len = colon ? (size_t)(colon - spec) : strlen(spec);
	const char *type = colon ? colon + 1 : NULL;
	long units;

	*name = NULL;
	if (type && strchr(type, ':'))
		return NT_STATUS_OBJECT_NAME_INVALID;
	if (name_len == 0) {
		/* "file:" alone, or the unnamed stream by its type */
		if (!type)
			return NT_STATUS_OBJECT_NAME_INVALID;
		if (type_is(type, "$DATA")) {
			*kind = SMB2_STREAM_MAIN;
			return NT_STATUS_OK;
		}
		if (type_is(type, "$INDEX_ALLOCATION")) {
			*kind = SMB2_STREAM_INDEX;
			return NT_STATUS_OK;
		}
		return NT_STATUS_OBJECT_NAME_INVALID;
	}
	for (size_t i = 0; i < name_len; i++)
		if (spec[i] == '\\' || spec[i] == '/')
			return NT_STATUS_OBJECT_NAME_INVALID;
	*name = talloc_strndup(mem_ctx, spec, name_len);
	if (!*name)
		return NT_STATUS_NO_MEMORY;
	units = utf8_utf16_len(*name);
	if (units <= 0 || units > 2 * STREAM_NAME_MAX)
		goto invalid;
	if (!type || type_is(type, "$DATA")) {
		*kind = SMB2_STREAM_NAMED;
		return NT_STATUS_OK;
	}
	if (type_is(type, "$INDEX_ALLOCATION") && type_is(*name, "$I30")) {
		talloc_free(*name);
		*name = NULL;
		*kind = SMB2_STREAM_INDEX;
		return NT_STATUS_OK;
	}
invalid:
	talloc_free(*name);
	*name = NULL;
	return NT_STATUS_OBJECT_NAME_INVALID;
}

static bool needs_escape(unsigned char c, size_t pos)
{
	return c < 0x20 || c == '%' || c == '/' || (pos == 0 && c == '.');
}

int smb2_stream_encode(TALLOC_CTX *mem_ctx, const char *name, char **out)
{
	size_t n = 0, len = strlen(name);
	char *s;

	for (size_t i = 0; i < len; i++)
		n += needs_escape((unsigned char)name[i], i) ? 3 : 1;
	if (n == 0 || n > NAME_MAX)
		return n == 0 ? -EINVAL : -ENAMETOOLONG;
	s = talloc_size(mem_ctx, n + 1);
	if (!s)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (needs_escape(c, i)) {
			snprintf(s + n, 4, "%%%02X", c);
			n += 3;
		} else {
			s[n++] = (char)c;
		}
	}
	s[n] = '\0';
	*out = s;
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int smb2_stream_decode(TALLOC_CTX *mem_ctx, const char *enc, char **out)
{
	size_t len = strlen(enc), n = 0;
	char *s = talloc_size(mem_ctx, len + 1);

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)enc[i];

		if (c == '%') {
			int hi = i + 2 < len ? hex_value(enc[i + 1]) : -1;
			int lo = hi >= 0 ? hex_value(enc[i + 2]) : -1;

			if (lo < 0)
				goto bad;
			c = (unsigned char)(hi << 4 | lo);
			if (!needs_escape(c, n))
				goto bad; /* only what encode escapes */
			i += 2;
		} else if (needs_escape(c, n)) {
			goto bad;
		}
		s[n++] = (char)c;
	}
	if (n == 0)
		goto bad;
	s[n] = '\0';
	*out = s;
	return 0;
bad:
	talloc_free(s);
	return -EINVAL;
}

/* ---- the store ---- */

static char *store_dir(TALLOC_CTX *mem_ctx, uint64_t dev, uint64_t ino)
{
	return talloc_asprintf(mem_ctx, SMB2_STREAMS_DIR "/%" PRIu64 "-%" PRIu64,
			       dev, ino);
}

/* Opens the store directory of a base file; -ENOENT when it has none. */
static int store_open(struct vfs_share *vfs, uint64_t dev, uint64_t ino,
		      int *fd)
{
	char *dir = store_dir(NULL, dev, ino);
	int rc;

	if (!dir)
		return -ENOMEM;
	rc = vfs_open(vfs, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, fd);
	talloc_free(dir);
	return rc;
}

/* Makes the store directory of a base file (mode 0700, as the top). */
static int store_make(struct vfs_share *vfs, uint64_t dev, uint64_t ino)
{
	int root = vfs_share_root_fd(vfs);
	char *dir = store_dir(NULL, dev, ino);
	int rc = 0;

	if (!dir)
		return -ENOMEM;
	if (mkdirat(root, SMB2_STREAMS_DIR, 0700) < 0 && errno != EEXIST)
		rc = -errno;
	if (rc == 0 && mkdirat(root, dir, 0700) < 0 && errno != EEXIST)
		rc = -errno;
	talloc_free(dir);
	return rc;
}

/* Removes the store directory of a base file and every stream in it. */
static void store_purge(struct vfs_share *vfs, uint64_t dev, uint64_t ino)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = store_open(vfs, dev, ino, &fd);
	char *dir;

	if (rc != 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	dir = store_dir(NULL, dev, ino);
	if (dir)
		unlinkat(vfs_share_root_fd(vfs), dir, AT_REMOVEDIR);
	talloc_free(dir);
}

/*
 * Finds the side file of stream name (case-insensitively) in the store
 * directory dirfd: its on-disk name and the name as created.
 */
static bool store_find(TALLOC_CTX *mem_ctx, int dirfd, const char *name,
		       char **ondisk, char **stored)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while (!found && (de = readdir(d)) != NULL) {
		char *dec;

		if (smb2_stream_decode(mem_ctx, de->d_name, &dec) != 0)
			continue;
		if (name_equal_ci(dec, name)) {
			*ondisk = talloc_strdup(mem_ctx, de->d_name);
			*stored = dec;
			found = *ondisk != NULL;
		} else {
			talloc_free(dec);
		}
	}
	closedir(d);
	return found;
}

/* ---- CREATE ---- */

struct smb2_stream_target {
	enum smb2_stream_kind kind;
	char *name;   /* NAMED: as the client spelled it */
	char *stored; /* NAMED: as created, once known */
	int base_fd;  /* NAMED: handed to the open */
};

static int target_destructor(struct smb2_stream_target *t)
{
	if (t->base_fd >= 0)
		close(t->base_fd);
	return 0;
}

NTSTATUS smb2_stream_client_path(TALLOC_CTX *mem_ctx, const uint8_t *utf16,
				 size_t len, char **path,
				 struct smb2_stream_target **target)
{
	struct smb2_stream_target *t;
	char *spec = NULL;
	size_t colon = len;
	NTSTATUS status;

	*target = NULL;
	for (size_t i = 0; i + 1 < len; i += 2)
		if (get_le16(utf16 + i) == ':') {
			colon = i;
			break;
		}
	if (colon == len)
		return smb2_client_path(mem_ctx, utf16, len, path);
	status = smb2_client_path(mem_ctx, utf16, colon, path);
	if (!NT_STATUS_IS_OK(status))
		return status;
	if (utf16le_to_utf8(mem_ctx, utf16 + colon + 2, len - colon - 2,
			    &spec) != 0)
		return NT_STATUS_OBJECT_NAME_INVALID;
	t = talloc_zero(mem_ctx, struct smb2_stream_target);
	if (!t)
		return NT_STATUS_NO_MEMORY;
	t->base_fd = -1;
	talloc_set_destructor(t, target_destructor);
	status = smb2_stream_parse(t, spec, &t->kind, &t->name);
	talloc_free(spec);
	if (!NT_STATUS_IS_OK(status)) {
		talloc_free(t);
		return status;
	}
	*target = t;
	return NT_STATUS_OK;
}

/*
 * MS-FSA 2.1.5.1.2: an open of a file for DELETE conflicts with an open
 * of any of its streams that does not share delete.
 */
static NTSTATUS check_stream_delete_sharing(struct smb2_req *req,
					    const char *relpath)
{
	struct smb2_share_state *share = req->tcon->share;
	struct vfs_stat st;
	char *prefix;
	size_t plen;
	NTSTATUS status = NT_STATUS_OK;

	if (vfs_stat_path(share->vfs, relpath, &st) != 0)
		return NT_STATUS_OK; /* CREATE reports what is wrong */
	prefix = talloc_asprintf(req, "%s/", store_dir(req, st.dev,
						      st.file_id));
	if (!prefix)
		return NT_STATUS_NO_MEMORY;
	plen = strlen(prefix);
	for (struct smb2_file *f = req->conn->srv->files; f; f = f->next) {
		if (f->share != share || strncmp(f->relpath, prefix, plen))
			continue;
		for (struct smb2_open *o = f->opens; o; o = o->file_next)
			if ((o->access_mask & SHARING_ACCESS) &&
			    !(o->share_access & FILE_SHARE_DELETE))
				status = NT_STATUS_SHARING_VIOLATION;
	}
	talloc_free(prefix);
	return status;
}

/* A stream's file does not exist yet: make it, empty, as CREATE would. */
static NTSTATUS create_base(struct smb2_req *req, const char *relpath,
			    uint32_t disposition)
{
	struct vfs_stat st;
	int fd, rc;

	if (disposition == FILE_OPEN || disposition == FILE_OVERWRITE)
		return NT_STATUS_OBJECT_NAME_NOT_FOUND;
	if (req->tcon->read_only)
		return NT_STATUS_ACCESS_DENIED;
	rc = vfs_open(req->tcon->share->vfs, relpath,
		      O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NONBLOCK,
		      0644, &fd);
	if (rc != 0)
		return ntstatus_from_errno(rc);
	rc = vfs_init_new(fd, FILE_ATTRIBUTE_ARCHIVE);
	if (rc == 0)
		rc = vfs_fstat(fd, &st);
	close(fd);
	if (rc != 0)
		return ntstatus_from_errno(rc);
	/* an inode number used again must not bring back old streams */
	store_purge(req->tcon->share->vfs, st.dev, st.file_id);
	return NT_STATUS_OK;
}

static NTSTATUS prepare_named(struct smb2_req *req,
			      struct smb2_stream_target *t,
			      uint32_t disposition, char **relpath,
			      bool *exists)
{
	struct vfs_share *vfs = req->tcon->share->vfs;
	struct smb2_file *f;
	struct vfs_stat bst;
	char *ondisk = NULL, *dir;
	bool found = false;
	int dfd, rc;
	NTSTATUS status;

	if (!*exists) {
		status = create_base(req, *relpath, disposition);
		if (!NT_STATUS_IS_OK(status))
			return status;
	}
	rc = vfs_open(vfs, *relpath, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0,
		      &t->base_fd);
	if (rc == 0)
		rc = vfs_fstat(t->base_fd, &bst);
	if (rc != 0)
		return ntstatus_from_errno(rc);
	f = smb2_file_find(req->conn->srv, bst.dev, bst.file_id);
	if (f && f->delete_pending)
		return NT_STATUS_DELETE_PENDING;

	rc = store_open(vfs, bst.dev, bst.file_id, &dfd);
	if (rc == 0) {
		found = store_find(t, dfd, t->name, &ondisk, &t->stored);
		close(dfd);
	} else if (rc != -ENOENT) {
		return ntstatus_from_errno(rc);
	}
	if (!found) {
		rc = smb2_stream_encode(t, t->name, &ondisk);
		if (rc != 0)
			return rc == -ENAMETOOLONG
				   ? NT_STATUS_OBJECT_NAME_INVALID
				   : ntstatus_from_errno(rc);
		t->stored = t->name;
		if (disposition != FILE_OPEN &&
		    disposition != FILE_OVERWRITE && !req->tcon->read_only) {
			rc = store_make(vfs, bst.dev, bst.file_id);
			if (rc != 0)
				return ntstatus_from_errno(rc);
		}
	}
	dir = store_dir(req, bst.dev, bst.file_id);
	*relpath = dir ? talloc_asprintf(req, "%s/%s", dir, ondisk) : NULL;
	if (!*relpath)
		return NT_STATUS_NO_MEMORY;
	*exists = found;
	return NT_STATUS_OK;
}

NTSTATUS smb2_stream_prepare(struct smb2_req *req,
			     struct smb2_stream_target *t, uint32_t access,
			     uint32_t disposition, uint32_t options,
			     char **relpath, bool *exists)
{
	struct vfs_stat st;
	bool is_dir = false;

	if (!t)
		return (access & DELETE_ACCESS) && *exists
			   ? check_stream_delete_sharing(req, *relpath)
			   : NT_STATUS_OK;
	if (*exists &&
	    vfs_stat_path(req->tcon->share->vfs, *relpath, &st) == 0)
		is_dir = st.is_dir;
	switch (t->kind) {
	case SMB2_STREAM_MAIN:
		/* a directory has no unnamed data stream */
		if (options & FILE_DIRECTORY_FILE)
			return NT_STATUS_NOT_A_DIRECTORY;
		if (is_dir)
			return NT_STATUS_FILE_IS_A_DIRECTORY;
		break;
	case SMB2_STREAM_INDEX:
		if (*exists && !is_dir)
			return NT_STATUS_NOT_A_DIRECTORY;
		if (!*exists && !(options & FILE_DIRECTORY_FILE))
			return NT_STATUS_OBJECT_NAME_INVALID;
		break;
	case SMB2_STREAM_NAMED:
		if (options & FILE_DIRECTORY_FILE)
			return NT_STATUS_NOT_A_DIRECTORY;
		return prepare_named(req, t, disposition, relpath, exists);
	}
	return access & DELETE_ACCESS && *exists
		   ? check_stream_delete_sharing(req, *relpath)
		   : NT_STATUS_OK;
}

static int stream_open_destructor(struct smb2_stream_open *so)
{
	if (so->base_fd >= 0)
		close(so->base_fd);
	return 0;
}

/* The base file's times and attributes over the stream's stat. */
static void merge_base(struct vfs_stat *st, const struct vfs_stat *base)
{
	st->create_time = base->create_time;
	st->access_time = base->access_time;
	st->write_time = base->write_time;
	st->change_time = base->change_time;
	st->attributes = base->attributes & ~FILE_ATTRIBUTE_DIRECTORY;
	if (st->attributes == 0)
		st->attributes = FILE_ATTRIBUTE_NORMAL;
	st->is_dir = false;
}

NTSTATUS smb2_stream_opened(struct smb2_open *o,
			    struct smb2_stream_target *t, uint32_t action,
			    struct vfs_stat *st)
{
	struct smb2_stream_open *so;
	struct vfs_stat bst;
	char *name;

	if (!t || t->kind != SMB2_STREAM_NAMED) {
		/* an inode number used again must not bring back the
		 * streams of the file that had it */
		if (action == FILE_CREATED && o->file)
			store_purge(o->tcon->share->vfs, st->dev,
				    st->file_id);
		return NT_STATUS_OK;
	}
	so = talloc_zero(o, struct smb2_stream_open);
	if (!so)
		return NT_STATUS_NO_MEMORY;
	so->base_fd = t->base_fd;
	t->base_fd = -1;
	talloc_set_destructor(so, stream_open_destructor);
	so->name = talloc_strdup(so, t->stored);
	name = talloc_asprintf(o, "%s:%s",
			       o->client_name ? o->client_name : "",
			       t->stored);
	if (!so->name || !name) {
		talloc_free(so);
		return NT_STATUS_NO_MEMORY;
	}
	talloc_free(o->client_name);
	o->client_name = name;
	o->stream = so;
	if (vfs_fstat(so->base_fd, &bst) == 0)
		merge_base(st, &bst);
	return NT_STATUS_OK;
}

/* ---- stream opens ---- */

bool smb2_stream_is_side_path(const char *relpath)
{
	size_t n = strlen(SMB2_STREAMS_DIR);

	return strncmp(relpath, SMB2_STREAMS_DIR, n) == 0 && relpath[n] == '/';
}

int smb2_stream_meta_fd(const struct smb2_open *o)
{
	return o->stream ? o->stream->base_fd : o->fd;
}

int smb2_stream_fstat(const struct smb2_open *o, struct vfs_stat *st)
{
	struct vfs_stat bst;
	int rc = vfs_fstat(o->fd, st);

	if (rc != 0 || !o->stream)
		return rc;
	rc = vfs_fstat(o->stream->base_fd, &bst);
	if (rc == 0)
		merge_base(st, &bst);
	return rc;
}

static NTSTATUS add_entry(TALLOC_CTX *mem_ctx, struct smb2_stream_info **v,
			  size_t *n, const char *name, uint64_t size,
			  uint64_t alloc)
{
	struct smb2_stream_info *grown;
	struct smb2_stream_info *e;

	grown = talloc_realloc(mem_ctx, *v, struct smb2_stream_info, *n + 1);
	if (!grown)
		return NT_STATUS_NO_MEMORY;
	*v = grown;
	e = &grown[*n];
	e->size = size;
	e->alloc_size = alloc;
	if (utf8_to_utf16le(grown, name, &e->name16, &e->name16_len) != 0)
		return NT_STATUS_OBJECT_NAME_INVALID;
	(*n)++;
	return NT_STATUS_OK;
}

static NTSTATUS list_named(TALLOC_CTX *mem_ctx, int dfd,
			   struct smb2_stream_info **v, size_t *n)
{
	NTSTATUS status = NT_STATUS_OK;
	struct dirent *de;
	DIR *d = fdopendir(dfd);

	if (!d) {
		close(dfd);
		return ntstatus_from_errno(-errno);
	}
	while (NT_STATUS_IS_OK(status) && (de = readdir(d)) != NULL) {
		struct stat sb;
		char *dec, *full;

		if (smb2_stream_decode(mem_ctx, de->d_name, &dec) != 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(sb.st_mode)) {
			talloc_free(dec);
			continue;
		}
		full = talloc_asprintf(mem_ctx, ":%s:$DATA", dec);
		status = full ? add_entry(mem_ctx, v, n, full,
					  (uint64_t)sb.st_size,
					  (uint64_t)sb.st_blocks * 512)
			      : NT_STATUS_NO_MEMORY;
		talloc_free(full);
		talloc_free(dec);
	}
	closedir(d);
	return status;
}

NTSTATUS smb2_stream_list(TALLOC_CTX *mem_ctx, const struct smb2_open *o,
			  struct smb2_stream_info **out, size_t *n)
{
	struct smb2_stream_info *v = NULL;
	struct vfs_stat bst;
	NTSTATUS status = NT_STATUS_OK;
	int dfd, rc;

	*out = NULL;
	*n = 0;
	rc = vfs_fstat(smb2_stream_meta_fd(o), &bst);
	if (rc != 0)
		return ntstatus_from_errno(rc);
	if (!bst.is_dir)
		status = add_entry(mem_ctx, &v, n, "::$DATA", bst.size,
				   bst.alloc_size);
	if (NT_STATUS_IS_OK(status) && o->tcon->share->vfs) {
		rc = store_open(o->tcon->share->vfs, bst.dev, bst.file_id,
				&dfd);
		if (rc == 0)
			status = list_named(mem_ctx, dfd, &v, n);
		else if (rc != -ENOENT)
			status = ntstatus_from_errno(rc);
	}
	if (!NT_STATUS_IS_OK(status)) {
		talloc_free(v);
		*n = 0;
		return status;
	}
	*out = v;
	return NT_STATUS_OK;
}

/* ---- rename ---- */

bool smb2_stream_rename_target(const uint8_t *name16, size_t len)
{
	return len >= 2 && get_le16(name16) == ':';
}

static NTSTATUS rename_side_file(struct smb2_open *o, const char *to,
				 const char *stored, bool replace)
{
	struct smb2_file *f = o->file;
	int root = vfs_share_root_fd(o->tcon->share->vfs);
	char *name;

	if (smb2_file_find_path(o->tcon->session->srv, f->share, to))
		return NT_STATUS_SHARING_VIOLATION; /* the target is open */
	if (renameat2(root, f->relpath, root, to,
		      replace ? 0 : RENAME_NOREPLACE) != 0)
		return errno == EEXIST ? NT_STATUS_OBJECT_NAME_COLLISION
				       : ntstatus_from_errno(-errno);
	talloc_free(f->relpath);
	f->relpath = talloc_strdup(f, to);
	talloc_free(o->stream->name);
	o->stream->name = talloc_strdup(o->stream, stored);
	name = o->client_name ? strrchr(o->client_name, ':') : NULL;
	if (name) {
		*name = '\0';
		name = talloc_asprintf(o, "%s:%s", o->client_name, stored);
		talloc_free(o->client_name);
		o->client_name = name;
	}
	return f->relpath && o->stream->name ? NT_STATUS_OK
					     : NT_STATUS_NO_MEMORY;
}

NTSTATUS smb2_stream_rename(struct smb2_open *o, const uint8_t *name16,
			    size_t len, bool replace)
{
	TALLOC_CTX *tmp = talloc_new(NULL);
	enum smb2_stream_kind kind;
	char *spec = NULL, *name = NULL, *ondisk = NULL, *stored = NULL;
	char *dir, *to;
	int dfd;
	NTSTATUS status;

	if (!tmp)
		return NT_STATUS_NO_MEMORY;
	/* a file cannot become a stream, nor a stream the file */
	status = NT_STATUS_INVALID_PARAMETER;
	if (!o->stream || !o->file)
		goto out;
	if (utf16le_to_utf8(tmp, name16 + 2, len - 2, &spec) != 0) {
		status = NT_STATUS_OBJECT_NAME_INVALID;
		goto out;
	}
	status = smb2_stream_parse(tmp, spec, &kind, &name);
	if (!NT_STATUS_IS_OK(status))
		goto out;
	if (kind != SMB2_STREAM_NAMED) {
		status = NT_STATUS_INVALID_PARAMETER;
		goto out;
	}
	dir = talloc_strndup(tmp, o->file->relpath,
			     strrchr(o->file->relpath, '/') - o->file->relpath);
	if (!dir || vfs_open(o->tcon->share->vfs, dir,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, &dfd)) {
		status = NT_STATUS_INTERNAL_ERROR;
		goto out;
	}
	if (store_find(tmp, dfd, name, &ondisk, &stored)) {
		if (!replace && !name_equal_ci(stored, o->stream->name)) {
			close(dfd);
			status = NT_STATUS_OBJECT_NAME_COLLISION;
			goto out;
		}
	}
	close(dfd);
	if (smb2_stream_encode(tmp, name, &ondisk) != 0) {
		status = NT_STATUS_OBJECT_NAME_INVALID;
		goto out;
	}
	to = talloc_asprintf(tmp, "%s/%s", dir, ondisk);
	status = to ? rename_side_file(o, to, name, replace)
		    : NT_STATUS_NO_MEMORY;
out:
	talloc_free(tmp);
	return status;
}
