/*
 * Alternate data streams (MS-FSCC 2.1.5.3 names, 2.4.43
 * FileStreamInformation; MS-SMB2 3.3.5.9 "file:stream:$DATA").
 *
 * A named stream is one side file per stream, in a directory per base
 * file beneath the share root:
 *
 *     .usmbd-streams/<dev>-<ino>/<encoded stream name>
 *
 * The store lives under the share root, not the state dir, so that a
 * stream is an ordinary file beside the data it belongs to: same file
 * system, same quota and backups, no size limit (xattrs stop at 64 KiB on
 * ext4), and every VFS call beneath the root works on it unchanged. The
 * key is the base file's inode, so renames of the base keep its streams;
 * deleting the base through the VFS removes them. The directory is mode
 * 0700, never listed and never resolved for a client (vfs_posix.c).
 *
 * A stream open is an ordinary open of its side file: READ, WRITE, size,
 * share modes, oplocks and delete-on-close act on the stream alone. The
 * open also holds an fd on the base file (struct smb2_stream_open), whose
 * times and attributes a stream reports and sets, as NTFS keeps them per
 * file.
 */
#ifndef USMBD_SMB2_STREAMS_H
#define USMBD_SMB2_STREAMS_H

#include <stdbool.h>
#include <stdint.h>
#include <talloc.h>

#include "smb2/ntstatus.h"
#include "smb2/smb2_info.h"
#include "smb2/smb2_server.h"

#define SMB2_STREAMS_DIR VFS_STREAMS_DIR

/* What the part of a CREATE name after the first ':' asks for. */
enum smb2_stream_kind {
	SMB2_STREAM_NAMED, /* "name" or "name:$DATA" */
	SMB2_STREAM_MAIN,  /* "::$DATA": the unnamed data stream */
	SMB2_STREAM_INDEX, /* "::$INDEX_ALLOCATION", "$I30:$INDEX_ALLOCATION" */
};

/*
 * Parses spec, the text after the first ':' of a name (UTF-8). Stream
 * names are 1..255 UTF-16 units without '\\', '/' or ':' (MS-FSCC
 * 2.1.5.3); the type, when given, is $DATA or, for directories,
 * $INDEX_ALLOCATION (case-insensitive). *name is set for NAMED only.
 * OBJECT_NAME_INVALID otherwise.
 */
NTSTATUS smb2_stream_parse(TALLOC_CTX *mem_ctx, const char *spec,
			   enum smb2_stream_kind *kind, char **name);

/*
 * A stream name as a file name of the store and back: bytes below 0x20,
 * '%', '/' and a leading '.' become "%XX". -ENAMETOOLONG when the result
 * exceeds NAME_MAX; decode gives -EINVAL for a name it did not make.
 */
int smb2_stream_encode(TALLOC_CTX *mem_ctx, const char *name, char **out);
int smb2_stream_decode(TALLOC_CTX *mem_ctx, const char *enc, char **out);

/* The stream part of one CREATE, from the name to the open. */
struct smb2_stream_target;

/*
 * Splits a CREATE name (UTF-16LE) into the file path (smb2_client_path
 * rules) and the stream; *target stays NULL for a name without ':'.
 */
NTSTATUS smb2_stream_client_path(TALLOC_CTX *mem_ctx, const uint8_t *utf16,
				 size_t len, char **path,
				 struct smb2_stream_target **target);

/*
 * Before CREATE opens relpath (the resolved file, *exists as resolved):
 * for a stream, checks it against the base file, creates the base file
 * when the disposition creates and it is missing, and points *relpath and
 * *exists at the stream's side file. For an open of a file with DELETE
 * access, checks that no open of one of its streams denies delete
 * sharing.
 */
NTSTATUS smb2_stream_prepare(struct smb2_req *req,
			     struct smb2_stream_target *t, uint32_t access,
			     uint32_t disposition, uint32_t options,
			     char **relpath, bool *exists);

/*
 * After CREATE made open o (action FILE_CREATED etc.): ties a stream open
 * to its base file and reports the base's times and attributes in *st.
 * A newly created file drops any streams a former file of the same inode
 * left behind.
 */
NTSTATUS smb2_stream_opened(struct smb2_open *o,
			    struct smb2_stream_target *t, uint32_t action,
			    struct vfs_stat *st);

/* True for the relpath of a stream's side file. */
bool smb2_stream_is_side_path(const char *relpath);

/* A stream open's tie to its base file (o->stream). */
struct smb2_stream_open {
	int base_fd; /* the base file or directory, read-only */
	char *name;  /* the stream's name as created */
};

/*
 * The fd that carries the file's times and attributes: the base's for a
 * stream open, o->fd otherwise.
 */
int smb2_stream_meta_fd(const struct smb2_open *o);

/*
 * The stat a stream open reports: size and allocation of the stream,
 * everything else of the base file. Plain opens: vfs_fstat(o->fd).
 */
int smb2_stream_fstat(const struct smb2_open *o, struct vfs_stat *st);

/*
 * FileStreamInformation entries of the open's file: "::$DATA" for a file,
 * then every named stream with its size.
 */
NTSTATUS smb2_stream_list(TALLOC_CTX *mem_ctx, const struct smb2_open *o,
			  struct smb2_stream_info **out, size_t *n);

/* True when the FileRenameInformation target (UTF-16LE) names a stream. */
bool smb2_stream_rename_target(const uint8_t *name16, size_t len);

/*
 * Renames the stream open o to the stream the target names (":new" or
 * ":new:$DATA", MS-FSA 2.1.5.15.12.1).
 */
NTSTATUS smb2_stream_rename(struct smb2_open *o, const uint8_t *name16,
			    size_t len, bool replace);

#endif
