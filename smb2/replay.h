/*
 * Replay detection for requests that change a file (MS-SMB2 3.3.5.2.10):
 * a 3.x client stamps WRITE, SET_INFO, IOCTL and LOCK with the
 * ChannelSequence it is at; after a channel fails it bumps the number and
 * resends on another channel with SMB2_FLAGS_REPLAY_OPERATION. The open
 * counts the requests in flight under its current and its previous
 * sequence, and refuses a request from an older sequence, or a new one
 * while older ones are still running, with STATUS_FILE_NOT_AVAILABLE, so
 * that a late request from a dead channel cannot undo a newer one.
 */
#ifndef USMBD_SMB2_REPLAY_H
#define USMBD_SMB2_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "smb2/smb2_server.h"

/* Open.ChannelSequence and its request counts. */
struct smb2_replay_state {
	uint16_t channel_sequence;
	uint32_t outstanding;	  /* Open.OutstandingRequestCount */
	uint32_t outstanding_pre; /* Open.OutstandingPreRequestCount */
};

/* Which counter a request was counted in. */
enum smb2_replay_count {
	SMB2_REPLAY_REFUSED,
	SMB2_REPLAY_CURRENT,
	SMB2_REPLAY_NEWER, /* moved the open to a newer sequence */
	SMB2_REPLAY_UNCOUNTED,
};

/*
 * The decision for one request with ChannelSequence seq (pure): updates
 * st and returns how the request was counted (REFUSED: answer
 * STATUS_FILE_NOT_AVAILABLE).
 */
enum smb2_replay_count smb2_replay_admit(struct smb2_replay_state *st,
					 uint16_t seq, bool replay_flag);
/* The same for a request that changes nothing (READ): it moves the open
 * to a newer sequence too but is never refused (UNCOUNTED when stale). */
enum smb2_replay_count smb2_replay_admit_read(struct smb2_replay_state *st,
					      uint16_t seq);

/* The request counted under seq has finished (pure). */
void smb2_replay_done(struct smb2_replay_state *st, uint16_t seq);

/*
 * Called by the WRITE, SET_INFO, IOCTL and LOCK handlers once they have
 * found the open: OK to go on, or STATUS_FILE_NOT_AVAILABLE. The request
 * stays counted until it is freed (after its response has gone).
 */
NTSTATUS smb2_replay_check(struct smb2_req *req, struct smb2_open *o);
/* Called by READ: notes a newer ChannelSequence; never refuses. */
void smb2_replay_note(struct smb2_req *req, struct smb2_open *o);

#endif
