/*
 * The command sequence window (MS-SMB2 3.3.1.1) and the credit charge and
 * grant rules (MS-SMB2 3.3.5.2.3, 3.3.5.2.5, 3.3.1.2). Pure code: no I/O.
 */
#ifndef USMBD_SMB2_CREDITS_H
#define USMBD_SMB2_CREDITS_H

#include <stdbool.h>
#include <stdint.h>

#include "smb2/ntstatus.h"

#define SMB2_CREDIT_WINDOW_MAX 8192u

struct smb2_credit_window {
	uint64_t low;	/* lowest MessageId not yet used */
	uint64_t high;	/* one past the highest MessageId granted */
	uint32_t max;	/* most credits a client may hold */
	uint32_t outstanding; /* granted, not yet consumed */
	uint64_t used[SMB2_CREDIT_WINDOW_MAX / 64]; /* bitmap, id % MAX */
};

/* A new connection may send MessageId 0 (one credit). */
void smb2_credits_init(struct smb2_credit_window *w, uint32_t max);

/* Credits the client holds now (granted and not yet consumed). */
uint32_t smb2_credits_outstanding(const struct smb2_credit_window *w);

/*
 * Consumes [message_id, message_id + charge) (charge 0 counts as 1).
 * Returns false if any id is outside the window or already used: the
 * connection must then be dropped (MS-SMB2 3.3.5.2.3).
 */
bool smb2_credits_consume(struct smb2_credit_window *w, uint64_t message_id,
			  uint16_t charge);

/*
 * Credits to grant for a request asking for `requested`, given the credits
 * `charge` it consumed: at least 1 when the client would otherwise run dry,
 * never more than the window allows. Adds them to the window.
 */
uint16_t smb2_credits_grant(struct smb2_credit_window *w, uint16_t requested,
			    uint16_t charge);

/*
 * Checks CreditCharge against the payload size of a READ/WRITE/IOCTL/
 * QUERY_DIRECTORY (MS-SMB2 3.3.5.2.5). large_mtu: the connection supports
 * multi-credit requests (dialect > 2.0.2 and LARGE_MTU negotiated).
 */
NTSTATUS smb2_credits_check_charge(bool large_mtu, uint16_t charge,
				   uint64_t payload_len);

#endif
