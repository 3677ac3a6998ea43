/*
 * LastWriteTime of an open as MS-FSA keeps it (2.1.4.17, 2.1.5.14.2):
 * a write or a size change through an open sets it to the current time,
 * unless the open has taken the time over: a client that set
 * LastWriteTime through SET_INFO, or passed -1 to stop the updates, keeps
 * its value through later writes on that handle; -2 gives the updates
 * back (MS-FSCC 2.4.7 FileBasicInformation).
 *
 * POSIX moves mtime on every write, so a held time is written back
 * after each write through the open that holds it.
 */
#ifndef USMBD_SMB2_WTIME_H
#define USMBD_SMB2_WTIME_H

#include <stdint.h>

#include "smb2/smb2_server.h"

/* FileBasicInformation.LastWriteTime values that steer the updates. */
#define SMB2_WTIME_FREEZE UINT64_MAX	   /* -1: stop updating */
#define SMB2_WTIME_THAW (UINT64_MAX - 1) /* -2: update again */

/*
 * SET_INFO FileBasicInformation through o with LastWriteTime raw (as
 * sent: 0 leaves things as they are). Call after the time was stored.
 */
void smb2_wtime_set(struct smb2_open *o, uint64_t raw);

/* After data was written through o (WRITE, copy-chunk target). */
void smb2_wtime_written(struct smb2_open *o);

/* After EndOfFile or AllocationSize was set through o: a size change
 * is a write, even when the size stays the same. */
void smb2_wtime_resized(struct smb2_open *o);

#endif
