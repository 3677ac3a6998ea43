/*
 * Codecs for the information classes carried by QUERY_INFO, SET_INFO and
 * QUERY_DIRECTORY (MS-FSCC 2.4 file classes, 2.5 file system classes,
 * 2.4.x directory entries, MS-DTYP 2.4.6 security descriptors). Pure
 * functions over struct vfs_stat / vfs_fsinfo and UTF-16LE names: no
 * server state, so everything here is unit-tested on its own.
 */
#ifndef USMBD_SMB2_INFO_H
#define USMBD_SMB2_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <talloc.h>

#include "smb2/ntstatus.h"
#include "smb2/wire.h"
#include "vfs/vfs.h"

#ifndef NT_STATUS_EAS_NOT_SUPPORTED
#define NT_STATUS_EAS_NOT_SUPPORTED NT_STATUS(0xc000004f)
#endif
#ifndef NT_STATUS_INVALID_EA_NAME
#define NT_STATUS_INVALID_EA_NAME NT_STATUS(0x80000013)
#endif
#ifndef NT_STATUS_EA_LIST_INCONSISTENT
#define NT_STATUS_EA_LIST_INCONSISTENT NT_STATUS(0x80000014)
#endif

/* File information classes (MS-FSCC 2.4). */
#define FSCC_FILE_DIRECTORY_INFORMATION 1
#define FSCC_FILE_FULL_DIRECTORY_INFORMATION 2
#define FSCC_FILE_BOTH_DIRECTORY_INFORMATION 3
#define FSCC_FILE_BASIC_INFORMATION 4
#define FSCC_FILE_STANDARD_INFORMATION 5
#define FSCC_FILE_INTERNAL_INFORMATION 6
#define FSCC_FILE_EA_INFORMATION 7
#define FSCC_FILE_ACCESS_INFORMATION 8
#define FSCC_FILE_NAME_INFORMATION 9
#define FSCC_FILE_RENAME_INFORMATION 10
#define FSCC_FILE_LINK_INFORMATION 11
#define FSCC_FILE_NAMES_INFORMATION 12
#define FSCC_FILE_DISPOSITION_INFORMATION 13
#define FSCC_FILE_POSITION_INFORMATION 14
#define FSCC_FILE_FULL_EA_INFORMATION 15
#define FSCC_FILE_MODE_INFORMATION 16
#define FSCC_FILE_ALIGNMENT_INFORMATION 17
#define FSCC_FILE_ALL_INFORMATION 18
#define FSCC_FILE_ALLOCATION_INFORMATION 19
#define FSCC_FILE_END_OF_FILE_INFORMATION 20
#define FSCC_FILE_ALTERNATE_NAME_INFORMATION 21
#define FSCC_FILE_STREAM_INFORMATION 22
#define FSCC_FILE_PIPE_INFORMATION 23
#define FSCC_FILE_COMPRESSION_INFORMATION 28
#define FSCC_FILE_NETWORK_OPEN_INFORMATION 34
#define FSCC_FILE_ATTRIBUTE_TAG_INFORMATION 35
#define FSCC_FILE_ID_BOTH_DIRECTORY_INFORMATION 37
#define FSCC_FILE_ID_FULL_DIRECTORY_INFORMATION 38
#define FSCC_FILE_VALID_DATA_LENGTH_INFORMATION 39
#define FSCC_FILE_SHORT_NAME_INFORMATION 40
#define FSCC_FILE_NORMALIZED_NAME_INFORMATION 48
#define FSCC_FILE_ID_EXTD_DIRECTORY_INFORMATION 60
#define FSCC_FILE_DISPOSITION_INFORMATION_EX 64

/* File system information classes (MS-FSCC 2.5). */
#define FSCC_FS_VOLUME_INFORMATION 1
#define FSCC_FS_SIZE_INFORMATION 3
#define FSCC_FS_DEVICE_INFORMATION 4
#define FSCC_FS_ATTRIBUTE_INFORMATION 5
#define FSCC_FS_CONTROL_INFORMATION 6
#define FSCC_FS_FULL_SIZE_INFORMATION 7
#define FSCC_FS_OBJECT_ID_INFORMATION 8
#define FSCC_FS_SECTOR_SIZE_INFORMATION 11

/* FileFsAttributeInformation flags (MS-FSCC 2.5.1). */
#define FILE_CASE_SENSITIVE_SEARCH 0x00000001u
#define FILE_CASE_PRESERVED_NAMES 0x00000002u
#define FILE_UNICODE_ON_DISK 0x00000004u
#define FILE_PERSISTENT_ACLS 0x00000008u

/* FileDispositionInformationEx flags (MS-FSCC 2.4.12). */
#define FILE_DISPOSITION_DELETE 0x00000001u
#define FILE_DISPOSITION_POSIX_SEMANTICS 0x00000002u
#define FILE_DISPOSITION_ON_CLOSE 0x00000008u
#define FILE_DISPOSITION_IGNORE_READONLY_ATTRIBUTE 0x00000010u

/* Security information flags (MS-DTYP 2.4.7). */
#define SECINFO_OWNER 0x00000001u
#define SECINFO_GROUP 0x00000002u
#define SECINFO_DACL 0x00000004u
#define SECINFO_SACL 0x00000008u

/* Fixed wire sizes (MS-FSCC field layouts). */
#define FSCC_BASIC_SIZE 40
#define FSCC_STANDARD_SIZE 24
#define FSCC_NETWORK_OPEN_SIZE 56
#define FSCC_ALL_FIXED_SIZE 100 /* up to NameInformation.FileName */
#define FSCC_STREAM_FIXED_SIZE 24
#define FSCC_FS_VOLUME_FIXED_SIZE 18
#define FSCC_FS_ATTRIBUTE_FIXED_SIZE 12

/* One extended attribute (MS-FSCC 2.4.15). */
struct smb2_ea {
	uint8_t flags;	   /* FILE_NEED_EA or 0 */
	const char *name;  /* ASCII, 1..255 characters */
	const uint8_t *value;
	uint16_t value_len; /* 0 in a SET means "remove" */
};

#define SMB2_EA_FIXED_SIZE 8 /* up to EaName */
#define FILE_NEED_EA 0x80u

/*
 * Decodes a FILE_FULL_EA_INFORMATION list (MS-FSCC 2.4.15) as SET_INFO
 * and CREATE carry it. Names and values point into in (names are copied
 * to NUL-terminated strings on mem_ctx). EA_LIST_INCONSISTENT for a
 * malformed chain (IoCheckEaBufferValidity's rules: 4-byte aligned
 * offsets, every entry inside the buffer, a NUL after each name),
 * INVALID_EA_NAME for an empty name or one with characters not allowed
 * (MS-FSCC 2.4.15), INVALID_PARAMETER for unknown flags.
 */
NTSTATUS smb2_ea_list_decode(TALLOC_CTX *mem_ctx, struct wire_slice in,
			     struct smb2_ea **eas, size_t *n);
/* Bytes the list takes encoded (FileEaInformation.EaSize). */
uint32_t smb2_ea_list_size(const struct smb2_ea *eas, size_t n);

/*
 * EAs live in "user.usmbd.ea.<NAME>" extended attributes of the file,
 * names upper-cased as Windows stores them (so "NewEA" and "newea" are
 * one EA). Both block briefly: metadata calls on an open fd.
 */
#define SMB2_EA_XATTR_PREFIX "user.usmbd.ea."
/* Reads all EAs of the file (cmd_query_info.c). */
NTSTATUS smb2_ea_load(TALLOC_CTX *mem_ctx, int fd, struct smb2_ea **eas,
		      size_t *n);
/* Sets or, for an empty value, removes each EA of the list
 * (MS-FSA 2.1.5.15.4; cmd_set_info.c). */
NTSTATUS smb2_ea_store(int fd, const struct smb2_ea *eas, size_t n);

/* One FileStreamInformation entry (MS-FSCC 2.4.43). */
struct smb2_stream_info {
	uint8_t *name16; /* ":name:$DATA", UTF-16LE */
	size_t name16_len;
	uint64_t size, alloc_size;
};

/* What the file classes report besides the stat: per-open state. */
struct smb2_info_file {
	const struct vfs_stat *st;
	uint32_t access_mask;
	uint64_t position;
	uint32_t mode;
	bool delete_pending;
	/* FileNameInformation: path from the share root with a leading '\' */
	const uint8_t *name16;
	size_t name16_len;
	/* FileAlternateNameInformation: the 8.3 name; NULL for none */
	const uint8_t *short16;
	size_t short16_len;
	uint32_t ea_size; /* FileEaInformation: smb2_ea_list_size() */
	/* FileFullEaInformation: the file's EAs (none: NO_EAS_ON_FILE) */
	const struct smb2_ea *eas;
	size_t n_eas;
	uint32_t out_len; /* whole entries that fit in it are returned */
	/* FileStreamInformation: the file's streams, "::$DATA" first */
	const struct smb2_stream_info *streams;
	size_t n_streams;
};

/* What the file system classes report. */
struct smb2_info_fs {
	const struct vfs_fsinfo *fs;
	uint64_t volume_create_time;
	const uint8_t *label16; /* share name, UTF-16LE */
	size_t label16_len;
};

/*
 * Appends the complete (untruncated) value of file class cls to w.
 * NT_STATUS_INVALID_INFO_CLASS for classes not queryable;
 * OBJECT_NAME_NOT_FOUND for FileAlternateNameInformation without a short
 * name. FileFullEaInformation is NO_EAS_ON_FILE without EAs, and
 * otherwise holds the whole entries that fit in f->out_len:
 * BUFFER_TOO_SMALL when not even the first does, BUFFER_OVERFLOW when
 * some were left out (MS-FSA 2.1.5.12.x FileFullEaInformation).
 */
NTSTATUS smb2_info_encode_file(struct wire_wr *w, uint8_t cls,
			       const struct smb2_info_file *f);
/* Longest 8.3 name: 8 + '.' + 3. */
#define SMB2_SHORT_NAME_MAX 12

/*
 * The 8.3 name reported for the last component name (MS-FSCC 2.1.5.2.1):
 * the name itself, upper-cased, when it already is a valid 8.3 name;
 * otherwise up to two characters of the name, four hex digits of a hash
 * of the whole name, "~1" and up to three characters of the extension,
 * the form Windows falls back to. Deterministic, so every query of a name
 * gives the same answer. Returns false (no short name) for "", "." and
 * "..".
 */
bool smb2_info_short_name(const char *name,
			  char out[SMB2_SHORT_NAME_MAX + 1]);

/*
 * A ChangeTime set by a client cannot be stored on POSIX; it is reported
 * for as long as the inode's ctime is still the one seen right after it
 * was set (nothing has changed the file since).
 */
static inline void smb2_info_apply_change_time(struct vfs_stat *st,
					       uint64_t set_time,
					       uint64_t ctime_at_set)
{
	if (st->change_time == ctime_at_set)
		st->change_time = set_time;
}

/* The same for file system class cls. */
NTSTATUS smb2_info_encode_fs(struct wire_wr *w, uint8_t cls,
			     const struct smb2_info_fs *v);

/*
 * Applies the client's OutputBufferLength to an encoded value of full_len
 * bytes (MS-FSA 2.1.5.12 / 2.1.5.13): NT_STATUS_INFO_LENGTH_MISMATCH when
 * out_len cannot hold the fixed part; NT_STATUS_BUFFER_OVERFLOW with
 * *send_len = what fits for the variable-length classes; NT_STATUS_OK and
 * *send_len = full_len otherwise. info_type is SMB2_0_INFO_FILE or
 * SMB2_0_INFO_FILESYSTEM.
 */
NTSTATUS smb2_info_fit(uint8_t info_type, uint8_t cls, size_t full_len,
		       uint32_t out_len, size_t *send_len);

/*
 * Appends a self-relative security descriptor (MS-DTYP 2.4.6) with the
 * parts secinfo asks for: owner S-1-22-1-uid, group S-1-22-2-gid (the
 * Unix-id SIDs Samba uses) and a DACL granting Everyone FILE_ALL_ACCESS.
 * A SACL is never included.
 */
void smb2_info_encode_security(struct wire_wr *w, uint32_t secinfo,
			       uint32_t uid, uint32_t gid);

/* ---- QUERY_DIRECTORY entries ---- */

/* Fixed size of an entry of class cls (offset of FileName); 0 if the class
 * is not a directory class we support. */
size_t smb2_dirent_fixed_size(uint8_t cls);

/* An output buffer being filled with chained entries. */
struct smb2_dirlist {
	struct wire_wr *w;
	size_t start;	 /* offset in w where the buffer starts */
	uint32_t max_len; /* OutputBufferLength */
	size_t last;	 /* offset in w of the previous entry */
	unsigned count;
};

void smb2_dirlist_init(struct smb2_dirlist *l, struct wire_wr *w,
		       uint32_t max_len);
/*
 * Appends one entry of class cls, 8-byte aligned and chained through the
 * previous entry's NextEntryOffset. short_name (ASCII, at most
 * SMB2_SHORT_NAME_MAX characters, NULL for none) fills ShortName of the
 * classes that have one. Returns false and leaves the buffer unchanged
 * when it does not fit in max_len (or on allocation failure: check
 * w->err).
 */
bool smb2_dirlist_append(struct smb2_dirlist *l, uint8_t cls,
			 const struct vfs_stat *st, uint32_t ea_size,
			 const uint8_t *name16, size_t name16_len,
			 const char *short_name);
/* Bytes used in the buffer so far. */
static inline size_t smb2_dirlist_len(const struct smb2_dirlist *l)
{
	return l->w->len - l->start;
}

/* ---- SET_INFO decoding ---- */

struct smb2_set_file_info {
	uint8_t cls;
	/* FileBasicInformation; 0 = leave unchanged (-1/-2 mapped to 0) */
	uint64_t create_time, access_time, write_time, change_time;
	uint64_t write_time_raw; /* as sent, -1 and -2 included (wtime.h) */
	uint32_t attributes;
	/* FileRenameInformation */
	bool replace_if_exists;
	uint64_t root_directory;
	const uint8_t *name16; /* points into the request */
	size_t name16_len;
	/* FileDispositionInformation(Ex) */
	bool delete_pending;
	bool ignore_readonly;
	/* EndOfFile, Allocation, Position, ValidDataLength */
	uint64_t value;
	/* FileModeInformation */
	uint32_t mode;
};

/*
 * Decodes the SET_INFO buffer of file class cls. Errors:
 * INFO_LENGTH_MISMATCH for a buffer shorter than the class's fixed part,
 * INVALID_PARAMETER for inconsistent contents, INVALID_INFO_CLASS for
 * unknown classes, NOT_SUPPORTED / EAS_NOT_SUPPORTED for classes usmbd
 * does not implement. Never reads outside in.
 */
NTSTATUS smb2_info_decode_set_file(uint8_t cls, struct wire_slice in,
				   struct smb2_set_file_info *out);

#endif
