#include "smb2/smb2_credits.h"

#include <string.h>

static bool bit_get(const struct smb2_credit_window *w, uint64_t id)
{
	uint64_t b = id % SMB2_CREDIT_WINDOW_MAX;
	return (w->used[b / 64] >> (b % 64)) & 1;
}

static void bit_set(struct smb2_credit_window *w, uint64_t id, bool v)
{
	uint64_t b = id % SMB2_CREDIT_WINDOW_MAX;
	if (v)
		w->used[b / 64] |= 1ull << (b % 64);
	else
		w->used[b / 64] &= ~(1ull << (b % 64));
}

void smb2_credits_init(struct smb2_credit_window *w, uint32_t max)
{
	memset(w, 0, sizeof(*w));
	w->low = 0;
	w->high = 1;
	if (max == 0 || max > SMB2_CREDIT_WINDOW_MAX)
		max = SMB2_CREDIT_WINDOW_MAX;
	w->max = max;
	w->outstanding = 1;
}

uint32_t smb2_credits_outstanding(const struct smb2_credit_window *w)
{
	return w->outstanding;
}

bool smb2_credits_consume(struct smb2_credit_window *w, uint64_t message_id,
			  uint16_t charge)
{
	uint64_t n = charge ? charge : 1;

	if (message_id < w->low || message_id >= w->high ||
	    n > w->high - message_id)
		return false;
	for (uint64_t id = message_id; id < message_id + n; id++)
		if (bit_get(w, id))
			return false;
	for (uint64_t id = message_id; id < message_id + n; id++)
		bit_set(w, id, true);
	w->outstanding -= (uint32_t)n;
	/* slide the window over ids used in order */
	while (w->low < w->high && bit_get(w, w->low)) {
		bit_set(w, w->low, false);
		w->low++;
	}
	return true;
}

uint16_t smb2_credits_grant(struct smb2_credit_window *w, uint16_t requested,
			    uint16_t charge)
{
	uint64_t span = w->high - w->low; /* ids the bitmap must track */
	uint32_t outstanding = smb2_credits_outstanding(w);
	uint32_t want = requested ? requested : 1;
	uint32_t room;

	(void)charge;
	if (span >= w->max)
		room = 0;
	else
		room = w->max - (uint32_t)span;
	if (outstanding + want > w->max)
		want = w->max > outstanding ? w->max - outstanding : 0;
	if (want > room)
		want = room;
	/* never leave the client without a credit (MS-SMB2 3.3.1.2) */
	if (want == 0 && outstanding == 0 && room > 0)
		want = 1;
	w->high += want;
	w->outstanding += want;
	return (uint16_t)want;
}

NTSTATUS smb2_credits_check_charge(bool large_mtu, uint16_t charge,
				   uint64_t payload_len)
{
	uint64_t needed;

	if (!large_mtu)
		return payload_len > 65536 ? NT_STATUS_INVALID_PARAMETER
					   : NT_STATUS_OK;
	needed = payload_len ? (payload_len - 1) / 65536 + 1 : 1;
	if ((charge ? charge : 1) < needed)
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_OK;
}
