/*
 * SMB Direct (MS-SMBD) wire messages: the negotiate request and response,
 * the data transfer message header and the SMB2 Buffer Descriptor V1 that
 * READ/WRITE requests carry in their channel info. Pure codecs over byte
 * buffers: no verbs, no I/O, no allocation.
 */
#ifndef USMBD_SMBDIRECT_WIRE_H
#define USMBD_SMBDIRECT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "smb2/ntstatus.h"
#include "smb2/wire.h"

#define SMBD_MUST_CHECK __attribute__((warn_unused_result))

/* MS-SMBD 1.7: the only protocol version. */
#define SMBD_VERSION_1 0x0100

#define SMBD_NEGOTIATE_REQ_SIZE 20 /* MS-SMBD 2.2.1 */
#define SMBD_NEGOTIATE_RSP_SIZE 32 /* MS-SMBD 2.2.2 */
#define SMBD_DATA_HDR_SIZE 20	   /* MS-SMBD 2.2.3 without Padding */
/* The header padded to the 8-byte alignment the payload needs. */
#define SMBD_DATA_PAYLOAD_OFFSET 24
#define SMBD_BUFFER_DESC_V1_SIZE 16 /* MS-SMBD 2.2.3.1 */

/* MS-SMBD 2.2.3 Flags */
#define SMBD_FLAG_RESPONSE_REQUESTED 0x0001

/* MS-SMBD 3.1.5.6: smallest sizes a peer may announce. */
#define SMBD_MIN_RECEIVE_SIZE 128
#define SMBD_MIN_FRAGMENTED_SIZE 131072

/* MS-SMBD 2.2.1 */
struct smbd_negotiate_req {
	uint16_t min_version;
	uint16_t max_version;
	uint16_t credits_requested;
	uint32_t preferred_send_size;
	uint32_t max_receive_size;
	uint32_t max_fragmented_size;
};

/* MS-SMBD 2.2.2 */
struct smbd_negotiate_rsp {
	uint16_t min_version;
	uint16_t max_version;
	uint16_t negotiated_version;
	uint16_t credits_requested;
	uint16_t credits_granted;
	NTSTATUS status;
	uint32_t max_read_write_size;
	uint32_t preferred_send_size;
	uint32_t max_receive_size;
	uint32_t max_fragmented_size;
};

/* MS-SMBD 2.2.3, the fixed part; the payload is described by offset/length */
struct smbd_data_hdr {
	uint16_t credits_requested;
	uint16_t credits_granted;
	uint16_t flags;
	uint32_t remaining_data_length;
	uint32_t data_offset;
	uint32_t data_length;
};

/* MS-SMBD 2.2.3.1 */
struct smbd_buffer_desc {
	uint64_t offset;
	uint32_t token;
	uint32_t length;
};

/*
 * Decoders take the received bytes and fail with NT_STATUS_INVALID_PARAMETER
 * when the message is malformed. Trailing bytes after the fixed negotiate
 * messages are ignored (MS-SMBD 3.1.5.6 only demands a minimum length).
 */
NTSTATUS
smbd_negotiate_req_decode(const uint8_t *p, size_t len,
			  struct smbd_negotiate_req *out) SMBD_MUST_CHECK;
NTSTATUS
smbd_negotiate_rsp_decode(const uint8_t *p, size_t len,
			  struct smbd_negotiate_rsp *out) SMBD_MUST_CHECK;

/*
 * Decodes a data transfer message and checks its framing (MS-SMBD 3.1.5.8):
 * a payload starts 8-byte aligned after the header and lies inside the
 * message; a message without payload (DataLength 0) has DataOffset 0 or an
 * aligned offset inside the message, and RemainingDataLength 0 since it
 * cannot be part of a fragmented sequence. *payload is the data (empty when
 * there is none). Credit and size limits are the connection's business.
 */
NTSTATUS smbd_data_decode(const uint8_t *p, size_t len,
			  struct smbd_data_hdr *hdr,
			  struct wire_slice *payload) SMBD_MUST_CHECK;

/*
 * Decodes a list of buffer descriptors (a READ/WRITE channel info blob):
 * len must be a non-zero multiple of 16 with at most max entries.
 */
NTSTATUS smbd_buffer_desc_list_decode(const uint8_t *p, size_t len,
				      struct smbd_buffer_desc *out, size_t max,
				      size_t *count) SMBD_MUST_CHECK;

/* Encoders write exactly the fixed size into buf (which must hold it). */
void smbd_negotiate_req_encode(uint8_t buf[SMBD_NEGOTIATE_REQ_SIZE],
			       const struct smbd_negotiate_req *req);
void smbd_negotiate_rsp_encode(uint8_t buf[SMBD_NEGOTIATE_RSP_SIZE],
			       const struct smbd_negotiate_rsp *rsp);
void smbd_buffer_desc_encode(uint8_t buf[SMBD_BUFFER_DESC_V1_SIZE],
			     const struct smbd_buffer_desc *d);

/*
 * Writes the data transfer header: SMBD_DATA_HDR_SIZE bytes when the
 * message has no payload, SMBD_DATA_PAYLOAD_OFFSET (header and zeroed
 * padding) when it has one. Returns the bytes written, 0 when cap is too
 * small. hdr->data_offset is written as given.
 */
size_t smbd_data_hdr_encode(uint8_t *buf, size_t cap,
			    const struct smbd_data_hdr *hdr);

#endif
