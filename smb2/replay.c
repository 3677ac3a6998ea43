/* ChannelSequence checks of modifying requests (see replay.h). */
#include "smb2/replay.h"
#include "smb2/smb2_objects.h"

enum smb2_replay_count smb2_replay_admit(struct smb2_replay_state *st,
					 uint16_t seq, bool replay_flag)
{
	uint16_t diff = (uint16_t)(seq - st->channel_sequence);
	enum smb2_replay_count how;

	if (diff == 0) {
		st->outstanding++;
		how = SMB2_REPLAY_CURRENT;
	} else if (diff <= 0x7fff) {
		/* a newer sequence: what ran under the old one is "pre" */
		st->outstanding_pre += st->outstanding;
		st->outstanding = 1;
		st->channel_sequence = seq;
		how = SMB2_REPLAY_NEWER;
	} else {
		return SMB2_REPLAY_REFUSED; /* a stale channel */
	}
	/* a replay must not overtake requests still running from before
	 * the failover: it would be applied under them */
	if (replay_flag && st->outstanding_pre > 0) {
		st->outstanding--;
		return SMB2_REPLAY_REFUSED;
	}
	return how;
}

enum smb2_replay_count smb2_replay_admit_read(struct smb2_replay_state *st,
					      uint16_t seq)
{
	uint16_t diff = (uint16_t)(seq - st->channel_sequence);

	if (diff > 0x7fff)
		return SMB2_REPLAY_UNCOUNTED;
	return smb2_replay_admit(st, seq, false);
}

void smb2_replay_done(struct smb2_replay_state *st, uint16_t seq)
{
	if (seq == st->channel_sequence && st->outstanding > 0)
		st->outstanding--;
	else if (st->outstanding_pre > 0)
		st->outstanding_pre--;
}

/* One admitted request; freed with the request. */
struct replay_token {
	struct smb2_open_watch watch;
	uint16_t seq;
};

static int token_destructor(struct replay_token *t)
{
	struct smb2_open *o = t->watch.open;

	if (o && o->replay)
		smb2_replay_done(o->replay, t->seq);
	smb2_open_unwatch(&t->watch);
	return 0;
}

static NTSTATUS admit(struct smb2_req *req, struct smb2_open *o, bool modify)
{
	uint16_t seq = (uint16_t)(req->hdr.status & 0xffff);
	bool replay = req->hdr.flags & SMB2_FLAGS_REPLAY_OPERATION;
	enum smb2_replay_count how;
	struct replay_token *t;

	/* ChannelSequence exists from 3.0 on; before, the field is Status */
	if (req->conn->dialect < SMB2_DIALECT_300 || !o->file)
		return NT_STATUS_OK;
	if (!o->replay) {
		o->replay = talloc_zero(o, struct smb2_replay_state);
		if (!o->replay)
			return NT_STATUS_NO_MEMORY;
		o->replay->channel_sequence = seq;
	}
	t = talloc_zero(req, struct replay_token);
	if (!t)
		return NT_STATUS_NO_MEMORY;
	how = modify ? smb2_replay_admit(o->replay, seq, replay)
		     : smb2_replay_admit_read(o->replay, seq);
	if (how == SMB2_REPLAY_REFUSED || how == SMB2_REPLAY_UNCOUNTED) {
		talloc_free(t);
		return how == SMB2_REPLAY_REFUSED ? NT_STATUS_FILE_NOT_AVAILABLE
						  : NT_STATUS_OK;
	}
	t->seq = seq;
	smb2_open_watch(&t->watch, o);
	talloc_set_destructor(t, token_destructor);
	return NT_STATUS_OK;
}

NTSTATUS smb2_replay_check(struct smb2_req *req, struct smb2_open *o)
{
	return admit(req, o, true);
}

void smb2_replay_note(struct smb2_req *req, struct smb2_open *o)
{
	/* a READ that cannot be counted (no memory) just goes on */
	(void)admit(req, o, false);
}
