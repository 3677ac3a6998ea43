/*
 * POSIX VFS backend. Every path is relative to the share root and opened with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) on the root directory fd,
 * so "..", absolute symlinks and symlinks leading out of the share never
 * escape it. Names are matched case-insensitively as Windows clients expect.
 * DOS attributes and the creation time live in the "user.usmbd.dos" xattr
 * (falling back to values derived from the inode where xattrs are missing).
 *
 * All functions return 0 or -errno and may block: callers on the event loop
 * use them for metadata only; data I/O and directory scans go through the
 * thread pool (vfs/threadpool.h).
 */
#ifndef USMBD_VFS_H
#define USMBD_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <talloc.h>

/* MS-FSCC 2.6 file attributes */
#define FILE_ATTRIBUTE_READONLY 0x00000001u
#define FILE_ATTRIBUTE_HIDDEN 0x00000002u
#define FILE_ATTRIBUTE_SYSTEM 0x00000004u
#define FILE_ATTRIBUTE_DIRECTORY 0x00000010u
#define FILE_ATTRIBUTE_ARCHIVE 0x00000020u
#define FILE_ATTRIBUTE_NORMAL 0x00000080u
#define FILE_ATTRIBUTE_TEMPORARY 0x00000100u
#define FILE_ATTRIBUTE_SPARSE_FILE 0x00000200u
#define FILE_ATTRIBUTE_REPARSE_POINT 0x00000400u
#define FILE_ATTRIBUTE_COMPRESSED 0x00000800u
#define FILE_ATTRIBUTE_OFFLINE 0x00001000u
#define FILE_ATTRIBUTE_NOT_CONTENT_INDEXED 0x00002000u
#define FILE_ATTRIBUTE_ENCRYPTED 0x00004000u
#define FILE_ATTRIBUTE_INTEGRITY_STREAM 0x00008000u
/* what a client may set with SET_INFO basic / CREATE */
#define FILE_ATTRIBUTE_SETTABLE                                           \
	(FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN |                 \
	 FILE_ATTRIBUTE_SYSTEM | FILE_ATTRIBUTE_ARCHIVE |                  \
	 FILE_ATTRIBUTE_TEMPORARY | FILE_ATTRIBUTE_OFFLINE |               \
	 FILE_ATTRIBUTE_NOT_CONTENT_INDEXED)

/* NT time: 100 ns units since 1601-01-01 UTC. */
#define NTTIME_UNIX_EPOCH 116444736000000000ull
uint64_t nttime_from_timespec(const struct timespec *ts);
struct timespec nttime_to_timespec(uint64_t nt);
uint64_t nttime_now(void);

struct vfs_stat {
	uint64_t file_id;   /* st_ino: stable 64-bit id */
	uint64_t dev;
	uint64_t size;
	uint64_t alloc_size; /* st_blocks * 512 */
	uint64_t create_time;
	uint64_t access_time;
	uint64_t write_time;
	uint64_t change_time;
	uint32_t attributes; /* includes DIRECTORY; ARCHIVE/NORMAL rules applied */
	uint32_t nlink;
	bool is_dir;
};

struct vfs_fsinfo {
	uint64_t total_bytes;
	uint64_t free_bytes;   /* available to unprivileged users */
	uint32_t block_size;   /* f_bsize */
	uint32_t name_max;
	uint64_t fsid;	       /* serial number source */
};

struct vfs_share;

/* The directory beneath each share root that holds alternate data
 * streams (smb2/streams.h): never listed, never resolved for a client,
 * and a file's streams there go when the file is unlinked. */
#define VFS_STREAMS_DIR ".usmbd-streams"

/* Opens the share root (must be an existing directory). */
int vfs_share_open(TALLOC_CTX *mem_ctx, const char *root_path,
		   struct vfs_share **out);
int vfs_share_root_fd(const struct vfs_share *s);

/*
 * Resolves a client path (UTF-8, '/' separated, no leading '/', "" = root)
 * to the on-disk relative path ("." for the root), matching each existing
 * component case-insensitively when the exact name does not exist.
 * Returns 0 and *exists=true/false for the final component (missing final
 * component keeps the client's spelling), -ENOENT when a parent directory is
 * missing, -ENOTDIR when a parent is not a directory, -EXDEV if resolution
 * would leave the share.
 */
int vfs_resolve(struct vfs_share *s, TALLOC_CTX *mem_ctx,
		const char *client_path, char **ondisk, bool *exists);

/* openat2 beneath the root. flags as open(2); O_NOFOLLOW is not implied. */
int vfs_open(struct vfs_share *s, const char *relpath, int flags, mode_t mode,
	     int *fd_out);
/* Creates a directory (mode 0755). */
int vfs_mkdir(struct vfs_share *s, const char *relpath);
/* Removes a file or (empty) directory. -ENOTEMPTY for a non-empty dir. */
int vfs_unlink(struct vfs_share *s, const char *relpath, bool is_dir);
/* Renames within the share; replace=false fails with -EEXIST if the target
 * exists (case-insensitive: a different-case existing target counts, except
 * when it is the same inode as the source, i.e. a case-only rename). */
int vfs_rename(struct vfs_share *s, const char *from, const char *to,
	       bool replace);

/* Stat of an open fd, DOS attributes and create time included. */
int vfs_fstat(int fd, struct vfs_stat *st);
/* Stat of a path beneath the root without following a final symlink out. */
int vfs_stat_path(struct vfs_share *s, const char *relpath, struct vfs_stat *st);

/* Sets DOS attributes (only FILE_ATTRIBUTE_SETTABLE bits are kept). */
int vfs_set_attributes(int fd, uint32_t attributes);
/* Sets or clears FILE_ATTRIBUTE_SPARSE_FILE (FSCTL_SET_SPARSE): reported
 * only once a client set it, never guessed from holes. */
int vfs_set_sparse(int fd, bool sparse);
/* Sets times; a value of 0 leaves that time unchanged. change_time cannot be
 * set on POSIX and is ignored; create_time goes to the xattr. */
int vfs_set_times(int fd, uint64_t create_time, uint64_t access_time,
		  uint64_t write_time);
/* Records a creation time and attributes for a file just created. */
int vfs_init_new(int fd, uint32_t attributes);

int vfs_truncate(int fd, uint64_t size);
/* Reserves space without changing size (FileAllocationInformation); may
 * shrink the file when alloc < size, as Windows does. */
int vfs_set_allocation(int fd, uint64_t alloc);
int vfs_fsinfo(struct vfs_share *s, struct vfs_fsinfo *out);

struct vfs_dirent {
	char *name; /* UTF-8 */
	struct vfs_stat st;
	uint32_t ea_size; /* 0 here; callers that report EAs fill it in */
};

/*
 * Reads a whole directory (by an fd opened on it; the fd's offset is not
 * used) with a stat of every entry, "." and ".." first. Entries that vanish
 * while listing are skipped. Blocking: call from the thread pool.
 */
int vfs_list_dir(int dirfd, TALLOC_CTX *mem_ctx, struct vfs_dirent **out,
		 size_t *n_out);

/*
 * The stored NT security descriptor blob (the "user.usmbd.ntacl" xattr;
 * its format belongs to the caller) of an open fd or of a path beneath
 * the root. -ENODATA when none is stored (or the file system keeps no
 * user xattrs); *blob is a talloc child of mem_ctx.
 */
int vfs_get_ntacl(int fd, TALLOC_CTX *mem_ctx, uint8_t **blob, size_t *len);
int vfs_get_ntacl_path(struct vfs_share *s, const char *relpath,
		       TALLOC_CTX *mem_ctx, uint8_t **blob, size_t *len);
int vfs_set_ntacl(int fd, const uint8_t *blob, size_t len);

#endif
