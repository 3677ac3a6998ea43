/*
 * The RDMA work-request plan for an SMB2 READ or WRITE over an RDMA channel
 * (MS-SMB2 2.2.19/2.2.21 SMB2_CHANNEL_RDMA_V1[_INVALIDATE], MS-SMBD
 * 2.2.3.1): which remote ranges to READ from or WRITE to, with which rkey,
 * from which part of the local buffer, within the device's limits. Pure:
 * the verbs glue turns each entry into one ibv_send_wr.
 */
#ifndef USMBD_SMBDIRECT_RW_H
#define USMBD_SMBDIRECT_RW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

#include "rdma/smbdirect_wire.h"

/* Caps on what a client may describe, as Windows and ksmbd apply them. */
#define SMBD_RW_MAX_DESCRIPTORS 16
#define SMBD_RW_MAX_TOTAL (8u * 1024 * 1024)

struct smbd_rw_limits {
	uint32_t max_sge;      /* SGEs per RDMA READ/WRITE work request */
	uint32_t max_wr_bytes; /* bytes per work request */
	/* The local buffer is made of chunks of this size, each needing its
	 * own SGE; 0 when it is one registered region. */
	uint32_t local_chunk;
	/* Largest total the connection allows (its MaxReadWriteSize); 0 or
	 * anything above SMBD_RW_MAX_TOTAL means SMBD_RW_MAX_TOTAL. */
	uint32_t max_total;
};

struct smbd_rw_wr {
	uint64_t remote_addr;
	uint32_t rkey;
	uint32_t length;
	uint32_t local_offset; /* first byte in the local buffer */
	uint32_t num_sge;      /* local SGEs it spans, <= max_sge */
};

struct smbd_rw_sge {
	uint32_t local_offset;
	uint32_t length;
};

struct smbd_rw_plan {
	struct smbd_rw_wr *wrs; /* talloc child of the plan */
	size_t num_wrs;
	uint32_t length; /* bytes moved, the local buffer length */
	/* V1_INVALIDATE: send the response with SEND_WITH_INV of this token
	 * (the first descriptor's, as Windows does). */
	bool invalidate;
	uint32_t invalidate_token;
};

/*
 * Plans moving length bytes (the local buffer) to or from the ranges the
 * descriptors name, in order. NT_STATUS_INVALID_PARAMETER for an unknown
 * channel, an empty or over-long list, a zero-length or wrapping entry, a
 * total over the cap or shorter than length: the SMB2 layer answers the
 * request with that status.
 */
NTSTATUS smbd_rw_plan_build(TALLOC_CTX *mem_ctx, uint32_t channel,
			    const struct smbd_buffer_desc *descs, size_t ndescs,
			    uint32_t length, const struct smbd_rw_limits *lim,
			    struct smbd_rw_plan **out) SMBD_MUST_CHECK;

/* The same from the raw channel info bytes of the READ/WRITE request. */
NTSTATUS smbd_rw_plan_from_channel_info(
	TALLOC_CTX *mem_ctx, uint32_t channel, const uint8_t *info,
	size_t info_len, uint32_t length, const struct smbd_rw_limits *lim,
	struct smbd_rw_plan **out) SMBD_MUST_CHECK;

/* Splits a planned WR's local range into its SGEs; returns how many. */
size_t smbd_rw_wr_sges(const struct smbd_rw_wr *wr,
		       const struct smbd_rw_limits *lim,
		       struct smbd_rw_sge *sges, size_t max);

#endif
