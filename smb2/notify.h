/*
 * CHANGE_NOTIFY plumbing (MS-SMB2 3.3.5.19, MS-FSA 2.1.5.10): one inotify
 * instance per server driven by the tevent loop, kernel watches shared
 * between the opens that watch the same directory, per-open buffers of
 * changes, and the pure parts (event mapping, FILE_NOTIFY_INFORMATION
 * encoding) that the unit tests exercise.
 */
#ifndef USMBD_SMB2_NOTIFY_H
#define USMBD_SMB2_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

#include "smb2/ntstatus.h"

struct smb2_server;
struct smb2_open;
struct smb2_file;
struct smb2_req;

#ifndef NT_STATUS_NOTIFY_CLEANUP
#define NT_STATUS_NOTIFY_CLEANUP NT_STATUS(0x0000010b)
#endif

/* CHANGE_NOTIFY Flags (MS-SMB2 2.2.35) */
#define SMB2_WATCH_TREE 0x0001

/* CompletionFilter bits (MS-SMB2 2.2.35) */
#define FILE_NOTIFY_CHANGE_FILE_NAME 0x00000001u
#define FILE_NOTIFY_CHANGE_DIR_NAME 0x00000002u
#define FILE_NOTIFY_CHANGE_ATTRIBUTES 0x00000004u
#define FILE_NOTIFY_CHANGE_SIZE 0x00000008u
#define FILE_NOTIFY_CHANGE_LAST_WRITE 0x00000010u
#define FILE_NOTIFY_CHANGE_LAST_ACCESS 0x00000020u
#define FILE_NOTIFY_CHANGE_CREATION 0x00000040u
#define FILE_NOTIFY_CHANGE_EA 0x00000080u
#define FILE_NOTIFY_CHANGE_SECURITY 0x00000100u
#define FILE_NOTIFY_CHANGE_STREAM_NAME 0x00000200u
#define FILE_NOTIFY_CHANGE_STREAM_SIZE 0x00000400u
#define FILE_NOTIFY_CHANGE_STREAM_WRITE 0x00000800u

/* FILE_NOTIFY_INFORMATION Action (MS-FSCC 2.7.1) */
#define FILE_ACTION_ADDED 1u
#define FILE_ACTION_REMOVED 2u
#define FILE_ACTION_MODIFIED 3u
#define FILE_ACTION_RENAMED_OLD_NAME 4u
#define FILE_ACTION_RENAMED_NEW_NAME 5u

/* Fixed part of one FILE_NOTIFY_INFORMATION entry. */
#define NOTIFY_INFO_FIXED_SIZE 12u

/* One buffered change: name relative to the watched directory, UTF-8
 * with '\\' between components. */
struct notify_change {
	uint32_t action;
	char *name;
};

/* ---- pure parts ---- */

/*
 * What one inotify event (its mask, without the rename pairing) means:
 * the action to report and the completion-filter bits that select it.
 * False for events that report nothing (overflow, IN_IGNORED, ...).
 */
bool notify_map_event(uint32_t in_mask, uint32_t *action, uint32_t *filter);

/* Actions for the two halves of one rename a watcher sees both of: within
 * one directory RENAMED_OLD_NAME/NEW_NAME, across directories
 * REMOVED/ADDED (MS-FSA 2.1.5.14.2). */
void notify_rename_actions(bool same_dir, uint32_t *old_action,
			   uint32_t *new_action);

/* Bytes one entry for name takes, padded to the 4-byte boundary the next
 * entry starts on; 0 for a name that is not valid UTF-8. */
size_t notify_entry_size(const char *name);

/*
 * Encodes changes as chained FILE_NOTIFY_INFORMATION entries, each
 * NextEntryOffset a multiple of 4 and the last one 0. -EOVERFLOW when
 * they need more than max_len bytes (the caller then answers
 * STATUS_NOTIFY_ENUM_DIR), -EILSEQ, -ENOMEM.
 */
int notify_encode(TALLOC_CTX *mem_ctx, const struct notify_change *changes,
		  size_t n, uint32_t max_len, uint8_t **out, size_t *out_len);

/* ---- server plumbing ---- */

/*
 * Starts (on the first request) or reuses the open's watch; filter and
 * WATCH_TREE of the first request stay for the life of the open, as
 * Windows does. max_len (the first OutputBufferLength) bounds the changes
 * buffered between requests. 0 or -errno.
 */
int smb2_notify_start(struct smb2_open *o, uint32_t filter, bool recursive,
		      uint32_t max_len);

/* Reads what inotify has queued, so changes made before this call are
 * in the buffers. */
void smb2_notify_poll(struct smb2_server *srv);

/*
 * Answers req from the open's buffered changes when there are any (the
 * response body written, *status set): true. False when nothing is
 * buffered and the request has to wait.
 */
bool smb2_notify_take(struct smb2_open *o, struct smb2_req *req,
		      uint32_t max_len, NTSTATUS *status);

/* Queues req until a change arrives; it is completed from the loop, on
 * CANCEL, or when the open goes. 0 or -ENOMEM. */
int smb2_notify_wait(struct smb2_open *o, struct smb2_req *req,
		     uint32_t max_len);

/* The file became delete-pending while still open: pending requests on
 * its directory opens complete with STATUS_DELETE_PENDING. */
void smb2_notify_delete_pending(struct smb2_file *f);

#endif
