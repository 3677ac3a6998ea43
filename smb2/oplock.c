/* Oplock and lease rules and codecs (see oplock.h). */
#include <string.h>

#include "smb2/oplock.h"
#include "smb2/smb2_proto.h"
#include "smb2/wire.h"

bool smb2_lease_ctx_decode(const uint8_t *p, size_t len,
			   struct smb2_lease_ctx *out)
{
	struct wire_rd r;

	memset(out, 0, sizeof(*out));
	if (len != SMB2_LEASE_V1_SIZE && len < SMB2_LEASE_V2_SIZE)
		return false;
	wire_rd_init(&r, p, len);
	wire_rd_bytes(&r, out->key, 16);
	out->state = wire_rd_u32(&r);
	out->flags = wire_rd_u32(&r);
	wire_rd_skip(&r, 8); /* LeaseDuration */
	out->version = 1;
	if (len >= SMB2_LEASE_V2_SIZE) {
		wire_rd_bytes(&r, out->parent_key, 16);
		out->epoch = wire_rd_u16(&r);
		out->version = 2;
	}
	return !r.err;
}

size_t smb2_lease_ctx_encode(const struct smb2_lease_ctx *l,
			     uint8_t out[SMB2_LEASE_V2_SIZE])
{
	memset(out, 0, SMB2_LEASE_V2_SIZE);
	memcpy(out, l->key, 16);
	put_le32(out + 16, l->state);
	put_le32(out + 20, l->flags);
	if (l->version < 2)
		return SMB2_LEASE_V1_SIZE;
	memcpy(out + 32, l->parent_key, 16);
	put_le16(out + 48, l->epoch);
	return SMB2_LEASE_V2_SIZE;
}

void smb2_oplock_break_encode(uint8_t out[SMB2_OPLOCK_BREAK_SIZE],
			      uint8_t level, uint64_t fid_p, uint64_t fid_v)
{
	memset(out, 0, SMB2_OPLOCK_BREAK_SIZE);
	put_le16(out, SMB2_OPLOCK_BREAK_SIZE);
	out[2] = level;
	put_le64(out + 8, fid_p);
	put_le64(out + 16, fid_v);
}

void smb2_lease_break_encode(uint8_t out[SMB2_LEASE_BREAK_SIZE],
			     const uint8_t key[16], uint16_t new_epoch,
			     uint32_t flags, uint32_t current,
			     uint32_t new_state)
{
	/* BreakReason and the two hints MUST be 0 (MS-SMB2 2.2.23.2) */
	memset(out, 0, SMB2_LEASE_BREAK_SIZE);
	put_le16(out, SMB2_LEASE_BREAK_SIZE);
	put_le16(out + 2, new_epoch);
	put_le32(out + 4, flags);
	memcpy(out + 8, key, 16);
	put_le32(out + 24, current);
	put_le32(out + 28, new_state);
}

uint32_t smb2_oplock_caching(uint8_t level)
{
	switch (level) {
	case SMB2_OPLOCK_LEVEL_BATCH:
		return SMB2_LEASE_RWH;
	case SMB2_OPLOCK_LEVEL_EXCLUSIVE:
		return SMB2_LEASE_READ | SMB2_LEASE_WRITE;
	case SMB2_OPLOCK_LEVEL_II:
		return SMB2_LEASE_READ;
	default:
		return SMB2_LEASE_NONE;
	}
}

uint8_t smb2_oplock_from_caching(uint32_t caching)
{
	switch (caching & SMB2_LEASE_RWH) {
	case SMB2_LEASE_RWH:
		return SMB2_OPLOCK_LEVEL_BATCH;
	case SMB2_LEASE_READ | SMB2_LEASE_WRITE:
		return SMB2_OPLOCK_LEVEL_EXCLUSIVE;
	case SMB2_LEASE_READ:
	case SMB2_LEASE_READ | SMB2_LEASE_HANDLE:
		return SMB2_OPLOCK_LEVEL_II;
	default:
		return SMB2_OPLOCK_LEVEL_NONE;
	}
}

static bool only_bits(uint32_t access, uint32_t allowed)
{
	return (access & allowed) != 0 && (access & ~allowed) == 0;
}

bool smb2_oplock_stat_open(uint32_t access)
{
	return only_bits(access, SYNCHRONIZE | FILE_READ_ATTRIBUTES |
					 FILE_WRITE_ATTRIBUTES);
}

bool smb2_lease_stat_open(uint32_t access)
{
	return only_bits(access, SYNCHRONIZE | FILE_READ_ATTRIBUTES |
					 FILE_WRITE_ATTRIBUTES | READ_CONTROL);
}

void smb2_break_for_open(uint32_t held, bool is_lease, bool sharing_violation,
			 bool overwrite, struct smb2_break_decision *d)
{
	/* what the open cannot live with: a writer's cache, or with a
	 * sharing violation a cached handle whose close would clear it */
	uint32_t conflict = sharing_violation ? SMB2_LEASE_HANDLE
					      : SMB2_LEASE_WRITE;
	uint32_t to = held & ~conflict;

	/* an overwrite invalidates every cache of the data */
	if (overwrite && !sharing_violation)
		to = SMB2_LEASE_NONE;
	d->send = (held & ~to) != 0;
	d->wait = d->send && (held & conflict) != 0;
	/* an oplock breaks to level II or to none */
	if (!is_lease)
		to &= SMB2_LEASE_READ;
	d->to = to;
}

uint32_t smb2_lease_grant(uint32_t requested, const struct smb2_grant_env *e)
{
	uint32_t g = requested & SMB2_LEASE_RWH;

	/* MS-FSA 2.1.5.18: a directory caches no writes */
	if (e->is_dir)
		g &= ~SMB2_LEASE_WRITE;
	/* valid lease states all include R (MS-SMB2 2.2.13.2.8) */
	if (!(g & SMB2_LEASE_READ))
		return SMB2_LEASE_NONE;
	if (e->others)
		g &= ~SMB2_LEASE_WRITE;
	if (e->other_oplock)
		g &= ~SMB2_LEASE_HANDLE;
	return g;
}

uint8_t smb2_oplock_grant(uint8_t requested, const struct smb2_grant_env *e)
{
	uint32_t g = smb2_oplock_caching(requested);

	if (e->is_dir || e->other_handle_lease)
		return SMB2_OPLOCK_LEVEL_NONE;
	if (e->others)
		g &= ~SMB2_LEASE_WRITE;
	/* without W, a batch request ends as level II */
	return smb2_oplock_from_caching(g);
}

static bool start_break(struct smb2_lease_sm *l, uint32_t to, bool new_epoch,
			uint32_t *from, uint32_t *new_state, bool *ack)
{
	*from = l->state;
	*new_state = to;
	if (new_epoch)
		l->epoch++;
	if (!(l->state & (SMB2_LEASE_WRITE | SMB2_LEASE_HANDLE))) {
		/* losing R only: nothing to flush or close, no ack */
		*ack = false;
		l->state = to;
		return true;
	}
	*ack = true;
	l->breaking = true;
	l->breaking_to = to;
	return true;
}

bool smb2_lease_sm_break(struct smb2_lease_sm *l, uint32_t to,
			 uint32_t *from, uint32_t *new_state, bool *ack)
{
	to &= l->state;
	if (l->breaking) {
		l->required &= to;
		return false;
	}
	if (to == l->state)
		return false;
	l->required = to;
	return start_break(l, to, true, from, new_state, ack);
}

NTSTATUS smb2_lease_sm_ack(struct smb2_lease_sm *l, uint32_t state,
			   bool *again, uint32_t *from, uint32_t *new_state,
			   bool *ack)
{
	uint32_t next;

	*again = false;
	if (!l->breaking)
		return NT_STATUS_UNSUCCESSFUL;
	if ((state & l->breaking_to) != state)
		return NT_STATUS_REQUEST_NOT_ACCEPTED;
	l->state = state;
	l->breaking = false;
	if ((state & ~l->required) == 0)
		return NT_STATUS_OK;
	/* more was asked meanwhile: break again, within the same epoch,
	 * keeping R while W or H go, as Windows does */
	next = l->required;
	if (state & (SMB2_LEASE_WRITE | SMB2_LEASE_HANDLE))
		next |= SMB2_LEASE_READ;
	next &= state;
	*again = start_break(l, next, false, from, new_state, ack);
	return NT_STATUS_OK;
}

void smb2_lease_sm_timeout(struct smb2_lease_sm *l)
{
	l->state = SMB2_LEASE_NONE;
	l->breaking = false;
	l->breaking_to = SMB2_LEASE_NONE;
	l->required = SMB2_LEASE_NONE;
}
