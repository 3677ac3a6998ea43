/*
 * POSIX VFS backend (see vfs/vfs.h for the contract).
 *
 * Confinement: every path-based operation goes through openat2(2) with
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS relative to the share root fd.
 * Operations on a name (mkdir, unlink, rename, stat) open the parent that
 * way and then use the *at() call on a single validated component.
 *
 * DOS metadata: MS-FSCC 2.6 attributes and the creation time are stored in
 * the "user.usmbd.dos" xattr as a little-endian blob:
 *	u16 version (1) | u32 attributes | u64 create time (NT time)
 * Files without it get values derived from the inode.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "vfs/unicode.h"
#include "vfs/vfs.h"

#define DOS_XATTR_NAME "user.usmbd.dos"
#define DOS_XATTR_VERSION 1
#define DOS_XATTR_LEN 14 /* 2 + 4 + 8 */
#define OPENAT2_EAGAIN_RETRIES 16
#define STATX_WANTED (STATX_BASIC_STATS | STATX_BTIME)
/* "/proc/self/fd/" + an int + "/" + a name */
#define PROC_PATH_MAX (32 + NAME_MAX + 1)

struct vfs_share {
	struct vfs_share *next; /* registry, under shares_lock */
	int root_fd;		/* O_PATH | O_DIRECTORY */
	dev_t dev;
	ino_t ino;
	char *path; /* canonical, without trailing '/' ("" for "/") */
};

/*
 * Open shares, so that a directory listing (which only gets a directory fd)
 * can tell whether it lists a share root and resolve symlinks beneath it.
 */
static pthread_mutex_t shares_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vfs_share *shares;

struct dos_info {
	uint32_t attrs;
	uint64_t create_time;
};

/* ---- paths ---------------------------------------------------------- */

static bool is_root_path(const char *p)
{
	return p[0] == '\0' || strcmp(p, ".") == 0;
}

/* A relative path without empty, "." or ".." components. */
static int check_relpath(const char *p)
{
	const char *c = p;

	if (strlen(p) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (is_root_path(p))
		return 0;
	for (;;) {
		const char *slash = strchr(c, '/');
		size_t len = slash != NULL ? (size_t)(slash - c) : strlen(c);

		if (len == 0 || len > NAME_MAX)
			return len == 0 ? -EINVAL : -ENAMETOOLONG;
		if ((len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return -EINVAL;
		if (slash == NULL)
			return 0;
		c = slash + 1;
	}
}

static int open_beneath(int root_fd, const char *path, int flags, mode_t mode,
			int *fd_out)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int tries = 0;

	/* openat2 insists on mode 0 unless a file may be created */
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		how.mode = mode;
	if (is_root_path(path))
		path = ".";
	for (;;) {
		long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));

		if (fd >= 0) {
			*fd_out = (int)fd;
			return 0;
		}
		/* EAGAIN: a concurrent rename made ".." checks unreliable */
		if (errno == EINTR ||
		    (errno == EAGAIN && ++tries < OPENAT2_EAGAIN_RETRIES))
			continue;
		return -errno;
	}
}

/*
 * Opens the parent directory of relpath (O_PATH) beneath the root and
 * points *name at the final component. Close *dirfd when != root_fd.
 */
static int open_parent(const struct vfs_share *s, const char *relpath,
		       int *dirfd, const char **name)
{
	char parent[PATH_MAX];
	const char *slash;
	int rc = check_relpath(relpath);

	if (rc < 0)
		return rc;
	if (is_root_path(relpath))
		return -EINVAL; /* the root has no name to operate on */
	slash = strrchr(relpath, '/');
	if (slash == NULL) {
		*dirfd = s->root_fd;
		*name = relpath;
		return 0;
	}
	memcpy(parent, relpath, (size_t)(slash - relpath));
	parent[slash - relpath] = '\0';
	*name = slash + 1;
	return open_beneath(s->root_fd, parent, O_PATH | O_DIRECTORY, 0, dirfd);
}

static void close_parent(const struct vfs_share *s, int dirfd)
{
	if (dirfd >= 0 && dirfd != s->root_fd)
		close(dirfd);
}

static void proc_fd_path(char *buf, size_t len, int fd, const char *name)
{
	if (name == NULL)
		snprintf(buf, len, "/proc/self/fd/%d", fd);
	else
		snprintf(buf, len, "/proc/self/fd/%d/%s", fd, name);
}

/* ---- DOS metadata xattr --------------------------------------------- */

static void dos_encode(const struct dos_info *d, uint8_t *b)
{
	unsigned i;

	b[0] = DOS_XATTR_VERSION & 0xff;
	b[1] = DOS_XATTR_VERSION >> 8;
	for (i = 0; i < 4; i++)
		b[2 + i] = (uint8_t)(d->attrs >> (8 * i));
	for (i = 0; i < 8; i++)
		b[6 + i] = (uint8_t)(d->create_time >> (8 * i));
}

static bool dos_decode(const uint8_t *b, size_t len, struct dos_info *d)
{
	unsigned i;

	/* longer blobs may come from a later version appending fields */
	if (len < DOS_XATTR_LEN || (b[0] | (b[1] << 8)) != DOS_XATTR_VERSION)
		return false;
	d->attrs = 0;
	d->create_time = 0;
	for (i = 0; i < 4; i++)
		d->attrs |= (uint32_t)b[2 + i] << (8 * i);
	for (i = 0; i < 8; i++)
		d->create_time |= (uint64_t)b[6 + i] << (8 * i);
	return true;
}

/*
 * Reads the blob of fd (name == NULL) or of name inside directory fd,
 * without following a final symlink. Returns true if a valid one exists.
 */
static bool dos_get(int fd, const char *name, struct dos_info *d)
{
	char path[PROC_PATH_MAX];
	uint8_t buf[64];
	ssize_t n = -1;

	if (name == NULL) {
		n = fgetxattr(fd, DOS_XATTR_NAME, buf, sizeof(buf));
		/* O_PATH fds refuse f*xattr; go through the fd's proc link */
		if (n < 0 && errno == EBADF) {
			proc_fd_path(path, sizeof(path), fd, NULL);
			n = getxattr(path, DOS_XATTR_NAME, buf, sizeof(buf));
		}
	} else {
		proc_fd_path(path, sizeof(path), fd, name);
		n = lgetxattr(path, DOS_XATTR_NAME, buf, sizeof(buf));
	}
	return n > 0 && dos_decode(buf, (size_t)n, d);
}

static int dos_set(int fd, const struct dos_info *d)
{
	uint8_t buf[DOS_XATTR_LEN];
	char path[PROC_PATH_MAX];

	dos_encode(d, buf);
	if (fsetxattr(fd, DOS_XATTR_NAME, buf, sizeof(buf), 0) == 0)
		return 0;
	if (errno != EBADF)
		return -errno;
	proc_fd_path(path, sizeof(path), fd, NULL);
	if (setxattr(path, DOS_XATTR_NAME, buf, sizeof(buf), 0) == 0)
		return 0;
	return -errno;
}

/* ---- stat ----------------------------------------------------------- */

static uint64_t nt_of(const struct statx_timestamp *t)
{
	struct timespec ts = { .tv_sec = t->tv_sec, .tv_nsec = t->tv_nsec };

	return nttime_from_timespec(&ts);
}

/* The earliest time known for the inode stands in for a creation time. */
static uint64_t derived_create_time(const struct statx *stx)
{
	uint64_t t = nt_of(&stx->stx_mtime);
	uint64_t c = nt_of(&stx->stx_ctime);

	if (c < t)
		t = c;
	if (stx->stx_mask & STATX_BTIME) {
		uint64_t b = nt_of(&stx->stx_btime);

		if (b != 0 && b < t)
			t = b;
	}
	return t;
}

static uint32_t derived_attributes(const struct statx *stx)
{
	if (S_ISDIR(stx->stx_mode))
		return 0;
	if (!(stx->stx_mode & S_IWUSR))
		return FILE_ATTRIBUTE_ARCHIVE | FILE_ATTRIBUTE_READONLY;
	return FILE_ATTRIBUTE_ARCHIVE;
}

static void fill_stat(const struct statx *stx, const struct dos_info *dos,
		      struct vfs_stat *st)
{
	bool is_dir = S_ISDIR(stx->stx_mode);
	uint32_t attrs;

	memset(st, 0, sizeof(*st));
	st->file_id = stx->stx_ino;
	st->dev = ((uint64_t)stx->stx_dev_major << 32) | stx->stx_dev_minor;
	st->size = stx->stx_size;
	st->alloc_size = stx->stx_blocks * 512;
	st->access_time = nt_of(&stx->stx_atime);
	st->write_time = nt_of(&stx->stx_mtime);
	st->change_time = nt_of(&stx->stx_ctime);
	st->nlink = stx->stx_nlink;
	st->is_dir = is_dir;
	if (dos != NULL && dos->create_time != 0)
		st->create_time = dos->create_time;
	else
		st->create_time = derived_create_time(stx);
	/* SPARSE only when a client set it; never derived from holes */
	if (dos != NULL)
		attrs = dos->attrs &
			(FILE_ATTRIBUTE_SETTABLE | FILE_ATTRIBUTE_SPARSE_FILE);
	else
		attrs = derived_attributes(stx);
	if (is_dir)
		attrs |= FILE_ATTRIBUTE_DIRECTORY;
	/* MS-FSCC 2.6: NORMAL is valid only alone */
	st->attributes = attrs != 0 ? attrs : FILE_ATTRIBUTE_NORMAL;
}

static int statx_fd(int fd, struct statx *stx)
{
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STATX_WANTED,
		  stx) < 0)
		return -errno;
	return 0;
}

int vfs_fstat(int fd, struct vfs_stat *st)
{
	struct dos_info dos;
	struct statx stx;
	int rc = statx_fd(fd, &stx);

	if (rc < 0)
		return rc;
	fill_stat(&stx, dos_get(fd, NULL, &dos) ? &dos : NULL, st);
	return 0;
}

int vfs_stat_path(struct vfs_share *s, const char *relpath, struct vfs_stat *st)
{
	int fd, rc;

	rc = check_relpath(relpath);
	if (rc < 0)
		return rc;
	/* follows symlinks only while they stay beneath the root */
	rc = open_beneath(s->root_fd, relpath, O_PATH, 0, &fd);
	if (rc < 0)
		return rc;
	rc = vfs_fstat(fd, st);
	close(fd);
	return rc;
}

/* ---- share ---------------------------------------------------------- */

static int share_destructor(struct vfs_share *s)
{
	struct vfs_share **pp;

	pthread_mutex_lock(&shares_lock);
	for (pp = &shares; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	pthread_mutex_unlock(&shares_lock);
	if (s->root_fd >= 0)
		close(s->root_fd);
	return 0;
}

int vfs_share_open(TALLOC_CTX *mem_ctx, const char *root_path,
		   struct vfs_share **out)
{
	struct vfs_share *s;
	struct stat sb;
	char *real;
	size_t len;

	s = talloc_zero(mem_ctx, struct vfs_share);
	if (s == NULL)
		return -ENOMEM;
	s->root_fd = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0) {
		int rc = -errno;

		talloc_free(s);
		return rc;
	}
	talloc_set_destructor(s, share_destructor);
	real = realpath(root_path, NULL);
	if (real == NULL || fstat(s->root_fd, &sb) < 0) {
		int rc = -errno;

		free(real);
		talloc_free(s);
		return rc;
	}
	len = strlen(real);
	if (len > 0 && real[len - 1] == '/')
		real[len - 1] = '\0';
	s->path = talloc_strdup(s, real);
	free(real);
	if (s->path == NULL) {
		talloc_free(s);
		return -ENOMEM;
	}
	s->dev = sb.st_dev;
	s->ino = sb.st_ino;

	pthread_mutex_lock(&shares_lock);
	s->next = shares;
	shares = s;
	pthread_mutex_unlock(&shares_lock);
	*out = s;
	return 0;
}

int vfs_share_root_fd(const struct vfs_share *s)
{
	return s->root_fd;
}

int vfs_fsinfo(struct vfs_share *s, struct vfs_fsinfo *out)
{
	struct statvfs sv;

	if (fstatvfs(s->root_fd, &sv) < 0)
		return -errno;
	memset(out, 0, sizeof(*out));
	out->total_bytes = (uint64_t)sv.f_blocks * sv.f_frsize;
	out->free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	out->block_size = (uint32_t)sv.f_bsize;
	out->name_max = (uint32_t)sv.f_namemax;
	out->fsid = sv.f_fsid;
	return 0;
}

/* ---- names ---------------------------------------------------------- */

/*
 * A stream of its own on directory dirfd (which may be O_PATH): reopening
 * "." gives a fresh file offset, unlike dup().
 */
static int open_dir_stream(int dirfd, DIR **out)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	*out = fdopendir(fd);
	if (*out == NULL) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return 0;
}

/*
 * Calls match(name, priv) for every entry of dirfd (any fd on a directory,
 * O_PATH included) whose name equals want case-insensitively, until it
 * returns true. Returns 1 if stopped by match, 0 if not, or -errno.
 */
static int scan_dir_ci(int dirfd, const char *want,
		       bool (*match)(const char *name, void *priv), void *priv)
{
	struct dirent *de;
	DIR *dir;
	int rc = open_dir_stream(dirfd, &dir);

	if (rc < 0)
		return rc;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (name_equal_ci(de->d_name, want) && match(de->d_name, priv)) {
			rc = 1;
			break;
		}
	}
	closedir(dir);
	return rc;
}

struct first_match {
	char name[NAME_MAX + 1];
};

static bool take_first_match(const char *name, void *priv)
{
	struct first_match *m = priv;

	snprintf(m->name, sizeof(m->name), "%s", name);
	return true;
}

static bool exists_at(int dirfd, const char *name)
{
	struct stat sb;

	return fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Appends component c to the on-disk path being built. */
static char *path_append(TALLOC_CTX *mem_ctx, char *path, const char *c)
{
	if (path == NULL)
		return talloc_strdup(mem_ctx, c);
	return talloc_asprintf_append_buffer(path, "/%s", c);
}

/* The stream store, or anything in it: no client may name it. */
static bool is_streams_dir(const char *client_path)
{
	size_t n = strlen(VFS_STREAMS_DIR);
	char first[NAME_MAX + 1];
	const char *slash = strchr(client_path, '/');
	size_t len = slash ? (size_t)(slash - client_path) : strlen(client_path);

	if (len != n)
		return false;
	memcpy(first, client_path, len);
	first[len] = '\0';
	return name_equal_ci(first, VFS_STREAMS_DIR);
}

/* Slow path of vfs_resolve: component by component, matching names
 * case-insensitively where the exact spelling does not exist. */
static int resolve_walk(struct vfs_share *s, TALLOC_CTX *mem_ctx,
			const char *client_path, char **ondisk, bool *exists)
{
	char *copy, *comp, *save = NULL, *path = NULL;
	int dirfd = s->root_fd, rc = 0;

	copy = talloc_strdup(mem_ctx, client_path);
	if (copy == NULL)
		return -ENOMEM;
	comp = strtok_r(copy, "/", &save);
	while (comp != NULL) {
		char *next = strtok_r(NULL, "/", &save);
		struct first_match m;
		const char *name = comp;
		bool found = exists_at(dirfd, comp);

		if (!found) {
			rc = scan_dir_ci(dirfd, comp, take_first_match, &m);
			if (rc < 0)
				break;
			found = rc == 1;
			if (!found && next != NULL) {
				rc = -ENOENT; /* a parent is missing */
				break;
			}
			if (found)
				name = m.name;
		}
		path = path_append(mem_ctx, path, name);
		if (path == NULL) {
			rc = -ENOMEM;
			break;
		}
		if (next == NULL) {
			*exists = found;
			rc = 0;
			break;
		}
		close_parent(s, dirfd);
		dirfd = -1;
		/* from the root again: a symlink may lead elsewhere beneath */
		rc = open_beneath(s->root_fd, path, O_PATH | O_DIRECTORY, 0,
				  &dirfd);
		if (rc < 0)
			break;
		comp = next;
	}
	close_parent(s, dirfd);
	talloc_free(copy);
	if (rc < 0) {
		talloc_free(path);
		return rc;
	}
	*ondisk = path;
	return 0;
}

int vfs_resolve(struct vfs_share *s, TALLOC_CTX *mem_ctx,
		const char *client_path, char **ondisk, bool *exists)
{
	int fd, rc = check_relpath(client_path);

	if (rc < 0)
		return rc;
	if (is_streams_dir(client_path))
		return -EACCES;
	if (is_root_path(client_path)) {
		*ondisk = talloc_strdup(mem_ctx, ".");
		*exists = true;
		return *ondisk != NULL ? 0 : -ENOMEM;
	}
	/* fast path: the exact spelling exists (a final symlink counts) */
	rc = open_beneath(s->root_fd, client_path, O_PATH | O_NOFOLLOW, 0, &fd);
	if (rc == 0) {
		close(fd);
		*ondisk = talloc_strdup(mem_ctx, client_path);
		*exists = true;
		return *ondisk != NULL ? 0 : -ENOMEM;
	}
	if (rc != -ENOENT && rc != -ENOTDIR)
		return rc;
	return resolve_walk(s, mem_ctx, client_path, ondisk, exists);
}

int vfs_open(struct vfs_share *s, const char *relpath, int flags, mode_t mode,
	     int *fd_out)
{
	int rc = check_relpath(relpath);

	if (rc < 0)
		return rc;
	return open_beneath(s->root_fd, relpath, flags, mode, fd_out);
}

int vfs_mkdir(struct vfs_share *s, const char *relpath)
{
	const char *name;
	int dirfd, rc;

	rc = open_parent(s, relpath, &dirfd, &name);
	if (rc < 0)
		return rc;
	rc = mkdirat(dirfd, name, 0755) < 0 ? -errno : 0;
	close_parent(s, dirfd);
	return rc;
}

/* Removes the alternate data streams of a file that is gone. */
static void purge_streams(const struct vfs_share *s, const struct stat *sb)
{
	char dir[64];
	struct dirent *de;
	DIR *d;
	int fd;

	snprintf(dir, sizeof(dir), VFS_STREAMS_DIR "/%llu-%llu",
		 (unsigned long long)sb->st_dev, (unsigned long long)sb->st_ino);
	if (open_beneath(s->root_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
			 0, &fd) < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	unlinkat(s->root_fd, dir, AT_REMOVEDIR);
}

int vfs_unlink(struct vfs_share *s, const char *relpath, bool is_dir)
{
	const char *name;
	struct stat sb;
	bool had_stat;
	int dirfd, rc;

	rc = open_parent(s, relpath, &dirfd, &name);
	if (rc < 0)
		return rc;
	had_stat = fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
	rc = unlinkat(dirfd, name, is_dir ? AT_REMOVEDIR : 0) < 0 ? -errno : 0;
	close_parent(s, dirfd);
	/* the last name of the file: its streams go with it */
	if (rc == 0 && had_stat && (is_dir || sb.st_nlink <= 1) &&
	    !S_ISLNK(sb.st_mode))
		purge_streams(s, &sb);
	/* POSIX allows EEXIST for a non-empty directory */
	return rc == -EEXIST ? -ENOTEMPTY : rc;
}

struct rename_conflict {
	int dirfd;
	dev_t src_dev;
	ino_t src_ino;
	char name[NAME_MAX + 1];
};

/* A case-insensitive namesake of the target that is not the source. */
static bool is_other_file(const char *name, void *priv)
{
	struct rename_conflict *c = priv;
	struct stat sb;

	if (fstatat(c->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	if (sb.st_dev == c->src_dev && sb.st_ino == c->src_ino)
		return false;
	snprintf(c->name, sizeof(c->name), "%s", name);
	return true;
}

static int do_rename(int fdir, const char *fname, int tdir, const char *tname,
		     bool replace)
{
	if (renameat2(fdir, fname, tdir, tname,
		      replace ? 0 : RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL || replace)
		return -errno;
	/* file systems without RENAME_NOREPLACE: check, then rename */
	if (exists_at(tdir, tname))
		return -EEXIST;
	return renameat(fdir, fname, tdir, tname) < 0 ? -errno : 0;
}

static int rename_at(int fdir, const char *fname, int tdir, const char *tname,
		     bool replace)
{
	struct rename_conflict c = { .dirfd = tdir };
	struct stat sb;
	int rc;

	if (fstatat(fdir, fname, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	c.src_dev = sb.st_dev;
	c.src_ino = sb.st_ino;
	if (fstatat(tdir, tname, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    sb.st_dev == c.src_dev && sb.st_ino == c.src_ino &&
	    strcmp(fname, tname) == 0)
		return 0; /* renamed onto itself */

	rc = scan_dir_ci(tdir, tname, is_other_file, &c);
	if (rc < 0)
		return rc;
	if (rc == 0) /* no namesake, or only the source (case-only rename) */
		return do_rename(fdir, fname, tdir, tname, false);
	if (!replace)
		return -EEXIST;
	/*
	 * Replace the namesake atomically under its own spelling, then take
	 * the spelling the client asked for, as Windows would show it.
	 */
	rc = do_rename(fdir, fname, tdir, c.name, true);
	if (rc == 0 && strcmp(c.name, tname) != 0)
		(void)do_rename(tdir, c.name, tdir, tname, false);
	return rc;
}

int vfs_rename(struct vfs_share *s, const char *from, const char *to,
	       bool replace)
{
	const char *fname, *tname;
	int fdir, tdir, rc;

	rc = open_parent(s, from, &fdir, &fname);
	if (rc < 0)
		return rc;
	rc = open_parent(s, to, &tdir, &tname);
	if (rc == 0) {
		rc = rename_at(fdir, fname, tdir, tname, replace);
		close_parent(s, tdir);
	}
	close_parent(s, fdir);
	return rc;
}

/* ---- metadata updates ----------------------------------------------- */

/* The stored blob, or one holding the values currently reported. */
static int dos_current(int fd, struct dos_info *d)
{
	struct statx stx;
	int rc;

	if (dos_get(fd, NULL, d))
		return 0;
	rc = statx_fd(fd, &stx);
	if (rc < 0)
		return rc;
	d->attrs = derived_attributes(&stx);
	d->create_time = derived_create_time(&stx);
	return 0;
}

int vfs_set_attributes(int fd, uint32_t attributes)
{
	struct dos_info d;
	int rc = dos_current(fd, &d);

	if (rc < 0)
		return rc;
	d.attrs = (attributes & FILE_ATTRIBUTE_SETTABLE) |
		  (d.attrs & FILE_ATTRIBUTE_SPARSE_FILE);
	return dos_set(fd, &d);
}

int vfs_set_sparse(int fd, bool sparse)
{
	struct dos_info d;
	int rc = dos_current(fd, &d);

	if (rc < 0)
		return rc;
	if (sparse)
		d.attrs |= FILE_ATTRIBUTE_SPARSE_FILE;
	else
		d.attrs &= ~FILE_ATTRIBUTE_SPARSE_FILE;
	return dos_set(fd, &d);
}

int vfs_set_times(int fd, uint64_t create_time, uint64_t access_time,
		  uint64_t write_time)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
				  { .tv_nsec = UTIME_OMIT } };
	char path[PROC_PATH_MAX];

	if (access_time != 0)
		ts[0] = nttime_to_timespec(access_time);
	if (write_time != 0)
		ts[1] = nttime_to_timespec(write_time);
	if ((access_time != 0 || write_time != 0) && futimens(fd, ts) < 0) {
		if (errno != EBADF)
			return -errno;
		proc_fd_path(path, sizeof(path), fd, NULL);
		if (utimensat(AT_FDCWD, path, ts, 0) < 0)
			return -errno;
	}
	if (create_time != 0) {
		struct dos_info d;
		int rc = dos_current(fd, &d);

		if (rc < 0)
			return rc;
		d.create_time = create_time;
		return dos_set(fd, &d);
	}
	return 0;
}

int vfs_init_new(int fd, uint32_t attributes)
{
	struct dos_info d = {
		.attrs = attributes & FILE_ATTRIBUTE_SETTABLE,
		.create_time = nttime_now(),
	};
	struct statx stx;
	int rc = statx_fd(fd, &stx);

	if (rc < 0)
		return rc;
	/* MS-FSA 2.1.5.1.2.1: a new file gets ARCHIVE, a directory not */
	if (!S_ISDIR(stx.stx_mode))
		d.attrs |= FILE_ATTRIBUTE_ARCHIVE;
	rc = dos_set(fd, &d);
	/* without user xattrs the derived values are the best we have */
	return rc == -EOPNOTSUPP ? 0 : rc;
}

int vfs_truncate(int fd, uint64_t size)
{
	if (size > INT64_MAX)
		return -EFBIG;
	return ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
}

int vfs_set_allocation(int fd, uint64_t alloc)
{
	struct stat sb;

	if (alloc > INT64_MAX)
		return -EFBIG;
	if (fstat(fd, &sb) < 0)
		return -errno;
	/* MS-FSA 2.1.5.14.1: a smaller allocation truncates the file */
	if (alloc < (uint64_t)sb.st_size)
		return ftruncate(fd, (off_t)alloc) < 0 ? -errno : 0;
	if (alloc == 0)
		return 0;
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)alloc) == 0)
		return 0;
	/* a reservation is only a hint where the file system has none */
	return errno == EOPNOTSUPP ? 0 : -errno;
}

/* ---- directory listing ---------------------------------------------- */

struct dir_ctx {
	int dirfd;
	int root_fd;	 /* dup of the enclosing share's root, or -1 */
	char rel[PATH_MAX]; /* the directory relative to that root */
	bool is_top;	 /* a share root, or in no share: ".." is itself */
};

/*
 * Finds the share the directory belongs to: by inode for a share root,
 * otherwise by its current path (a path that changed under us only makes
 * symlink targets fail to resolve; they still cannot leave the root).
 */
static int dir_ctx_init(int dirfd, struct dir_ctx *dc)
{
	char link[PROC_PATH_MAX], dirpath[PATH_MAX];
	const struct vfs_share *s, *best = NULL;
	const char *rel = NULL;
	struct stat sb;
	ssize_t n;

	dc->dirfd = dirfd;
	dc->root_fd = -1;
	dc->is_top = true;
	if (fstat(dirfd, &sb) < 0)
		return -errno;
	proc_fd_path(link, sizeof(link), dirfd, NULL);
	n = readlink(link, dirpath, sizeof(dirpath) - 1);
	dirpath[n > 0 ? n : 0] = '\0';

	pthread_mutex_lock(&shares_lock);
	for (s = shares; s != NULL; s = s->next) {
		size_t plen = strlen(s->path);

		if (s->dev == sb.st_dev && s->ino == sb.st_ino) {
			best = s;
			rel = ".";
			break;
		}
		if (strncmp(dirpath, s->path, plen) == 0 &&
		    dirpath[plen] == '/' && dirpath[plen + 1] != '\0' &&
		    (best == NULL || plen > strlen(best->path))) {
			best = s;
			rel = dirpath + plen + 1;
		}
	}
	if (best != NULL) {
		dc->root_fd = fcntl(best->root_fd, F_DUPFD_CLOEXEC, 0);
		snprintf(dc->rel, sizeof(dc->rel), "%s", rel);
	}
	n = dc->root_fd < 0 ? errno : 0;
	pthread_mutex_unlock(&shares_lock);
	if (best != NULL && dc->root_fd < 0)
		return -(int)n;
	dc->is_top = best == NULL || strcmp(dc->rel, ".") == 0;
	return 0;
}

/* A symlink is listed as its target if that resolves beneath the root. */
static int stat_link_target(const struct dir_ctx *dc, const char *name,
			    struct vfs_stat *st)
{
	char path[PATH_MAX];
	int fd, rc;

	if (dc->root_fd < 0) {
		rc = open_beneath(dc->dirfd, name, O_PATH, 0, &fd);
	} else {
		if (strcmp(dc->rel, ".") == 0)
			rc = snprintf(path, sizeof(path), "%s", name);
		else
			rc = snprintf(path, sizeof(path), "%s/%s", dc->rel,
				      name);
		if (rc < 0 || (size_t)rc >= sizeof(path))
			return -ENAMETOOLONG;
		rc = open_beneath(dc->root_fd, path, O_PATH, 0, &fd);
	}
	if (rc < 0)
		return rc;
	rc = vfs_fstat(fd, st);
	close(fd);
	return rc;
}

static int stat_entry(const struct dir_ctx *dc, const char *name,
		      struct vfs_stat *st)
{
	struct dos_info dos;
	struct statx stx;

	if (statx(dc->dirfd, name, AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT,
		  STATX_WANTED, &stx) < 0)
		return -errno;
	if (S_ISLNK(stx.stx_mode))
		return stat_link_target(dc, name, st);
	fill_stat(&stx, dos_get(dc->dirfd, name, &dos) ? &dos : NULL, st);
	return 0;
}

struct dirent_list {
	struct vfs_dirent *ents;
	size_t n, cap;
};

static int list_add(struct dirent_list *l, const char *name,
		    const struct vfs_stat *st)
{
	if (l->n == l->cap) {
		size_t cap = l->cap * 2;
		struct vfs_dirent *ents;

		ents = talloc_realloc(NULL, l->ents, struct vfs_dirent, cap);
		if (ents == NULL)
			return -ENOMEM;
		l->ents = ents;
		l->cap = cap;
	}
	l->ents[l->n].name = talloc_strdup(l->ents, name);
	if (l->ents[l->n].name == NULL)
		return -ENOMEM;
	l->ents[l->n].st = *st;
	l->n++;
	return 0;
}

static int list_entries(const struct dir_ctx *dc, struct dirent_list *l)
{
	struct vfs_stat st;
	struct dirent *de;
	DIR *dir;
	int rc = open_dir_stream(dc->dirfd, &dir);

	if (rc < 0)
		return rc;
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (de == NULL) {
			rc = -errno;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		/* names a client could not be sent */
		if (utf8_utf16_len(de->d_name) < 0)
			continue;
		if (dc->is_top && dc->root_fd >= 0 &&
		    strcmp(de->d_name, VFS_STREAMS_DIR) == 0)
			continue;
		/* vanished, or a symlink leading out of the share */
		if (stat_entry(dc, de->d_name, &st) < 0)
			continue;
		rc = list_add(l, de->d_name, &st);
		if (rc < 0)
			break;
	}
	closedir(dir);
	return rc;
}

int vfs_list_dir(int dirfd, TALLOC_CTX *mem_ctx, struct vfs_dirent **out,
		 size_t *n_out)
{
	struct dirent_list l = { .cap = 16 };
	struct vfs_stat self, parent;
	struct dir_ctx *dc;
	int rc;

	/* PATH_MAX inside: keep it off the (worker thread's) stack */
	dc = talloc(NULL, struct dir_ctx);
	if (dc == NULL)
		return -ENOMEM;
	rc = dir_ctx_init(dirfd, dc);
	if (rc == 0)
		rc = vfs_fstat(dirfd, &self);
	if (rc < 0)
		goto out;
	/* never describe what lies above a share root */
	if (dc->is_top || stat_entry(dc, "..", &parent) < 0)
		parent = self;
	l.ents = talloc_array(mem_ctx, struct vfs_dirent, l.cap);
	if (l.ents == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = list_add(&l, ".", &self);
	if (rc == 0)
		rc = list_add(&l, "..", &parent);
	if (rc == 0)
		rc = list_entries(dc, &l);
	if (rc < 0) {
		talloc_free(l.ents);
		goto out;
	}
	*out = l.ents;
	*n_out = l.n;
out:
	if (dc->root_fd >= 0)
		close(dc->root_fd);
	talloc_free(dc);
	return rc;
}

/* ---- NT ACL xattr --------------------------------------------------- */

#define NTACL_XATTR_NAME "user.usmbd.ntacl"
#define NTACL_MAX 65536 /* a security descriptor's size is a u16 */

/* fgetxattr, through the fd's proc link for O_PATH fds. */
static ssize_t ntacl_read(int fd, void *buf, size_t len)
{
	char path[PROC_PATH_MAX];
	ssize_t n = fgetxattr(fd, NTACL_XATTR_NAME, buf, len);

	if (n < 0 && errno == EBADF) {
		proc_fd_path(path, sizeof(path), fd, NULL);
		n = getxattr(path, NTACL_XATTR_NAME, buf, len);
	}
	return n;
}

int vfs_get_ntacl(int fd, TALLOC_CTX *mem_ctx, uint8_t **blob, size_t *len)
{
	uint8_t small[512];
	ssize_t n = ntacl_read(fd, small, sizeof(small));

	if (n < 0 && errno == ERANGE) {
		uint8_t *big = talloc_size(mem_ctx, NTACL_MAX);

		if (!big)
			return -ENOMEM;
		n = ntacl_read(fd, big, NTACL_MAX);
		if (n < 0) {
			int err = errno == ENOTSUP ? ENODATA : errno;

			talloc_free(big);
			return -err;
		}
		*blob = talloc_realloc(mem_ctx, big, uint8_t, n ? n : 1);
		*len = (size_t)n;
		return *blob ? 0 : -ENOMEM;
	}
	/* a file system without user xattrs stores no ACLs either */
	if (n < 0)
		return errno == ENOTSUP ? -ENODATA : -errno;
	*blob = talloc_memdup(mem_ctx, small, n ? (size_t)n : 1);
	*len = (size_t)n;
	return *blob ? 0 : -ENOMEM;
}

int vfs_get_ntacl_path(struct vfs_share *s, const char *relpath,
		       TALLOC_CTX *mem_ctx, uint8_t **blob, size_t *len)
{
	int fd, rc;

	rc = vfs_open(s, relpath, O_PATH | O_CLOEXEC, 0, &fd);
	if (rc != 0)
		return rc;
	rc = vfs_get_ntacl(fd, mem_ctx, blob, len);
	close(fd);
	return rc;
}

int vfs_set_ntacl(int fd, const uint8_t *blob, size_t len)
{
	char path[PROC_PATH_MAX];

	if (fsetxattr(fd, NTACL_XATTR_NAME, blob, len, 0) == 0)
		return 0;
	if (errno != EBADF)
		return -errno;
	proc_fd_path(path, sizeof(path), fd, NULL);
	if (setxattr(path, NTACL_XATTR_NAME, blob, len, 0) == 0)
		return 0;
	return -errno;
}
