/*
 * DCE/RPC connection-oriented PDUs (C706 chapter 12, MS-RPCE 2.2.2) and the
 * NDR transfer syntax (C706 chapter 14) as a named pipe server needs them:
 * bind / alter_context with their acks, request / response with
 * fragmentation, fault. One dcerpc_pipe is the server end of one pipe
 * open: bytes the client writes go in, PDUs the client reads come out.
 * Nothing here knows about SMB2; the service behind the pipe is a table
 * (struct dcerpc_iface).
 */
#ifndef USMBD_DCERPC_H
#define USMBD_DCERPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <talloc.h>

#include "smb2/wire.h"

/* PDU types (C706 12.6.4.*, MS-RPCE 2.2.2.1) */
enum dcerpc_ptype {
	DCERPC_PKT_REQUEST = 0,
	DCERPC_PKT_RESPONSE = 2,
	DCERPC_PKT_FAULT = 3,
	DCERPC_PKT_BIND = 11,
	DCERPC_PKT_BIND_ACK = 12,
	DCERPC_PKT_BIND_NAK = 13,
	DCERPC_PKT_ALTER = 14,
	DCERPC_PKT_ALTER_RESP = 15,
	DCERPC_PKT_AUTH3 = 16,
	DCERPC_PKT_SHUTDOWN = 17,
	DCERPC_PKT_CO_CANCEL = 18,
	DCERPC_PKT_ORPHANED = 19,
};

#define DCERPC_PFC_FIRST_FRAG 0x01
#define DCERPC_PFC_LAST_FRAG 0x02
#define DCERPC_PFC_DID_NOT_EXECUTE 0x20
#define DCERPC_PFC_OBJECT_UUID 0x80

#define DCERPC_HDR_SIZE 16
#define DCERPC_REQUEST_HDR_SIZE 24  /* + 16 with PFC_OBJECT_UUID */
#define DCERPC_RESPONSE_HDR_SIZE 24
#define DCERPC_FAULT_SIZE 32
#define DCERPC_DREP_LE 0x10 /* packed_drep[0]: little-endian, ASCII */
/* C706 12.6.3.1: every implementation receives fragments this large */
#define DCERPC_MIN_FRAG 1432
/* what this server offers in bind_ack, as Windows does */
#define DCERPC_MAX_FRAG 4280

/* p_cont_def_result_t (C706 12.6.3.1, MS-RPCE 2.2.2.4) */
#define DCERPC_RESULT_ACCEPT 0
#define DCERPC_RESULT_PROVIDER_REJECT 2
#define DCERPC_RESULT_NEGOTIATE_ACK 3
/* p_provider_reason_t */
#define DCERPC_REASON_ABSTRACT_NOT_SUPPORTED 1
#define DCERPC_REASON_TRANSFER_NOT_SUPPORTED 2
/* bind_nak reject reasons (C706 12.6.3.1, MS-RPCE 2.2.2.5) */
#define DCERPC_NAK_NOT_SPECIFIED 0
#define DCERPC_NAK_VERSION_NOT_SUPPORTED 4
#define DCERPC_NAK_AUTH_TYPE_NOT_RECOGNIZED 8

/* fault status codes (C706 appendix E, MS-RPCE 2.2.2.11) */
#define DCERPC_NCA_S_OP_RNG_ERROR 0x1c010002u
#define DCERPC_NCA_S_UNKNOWN_IF 0x1c010003u
#define DCERPC_NCA_S_PROTO_ERROR 0x1c01000bu
#define DCERPC_NCA_S_FAULT_NDR 0x000006f7u /* RPC_X_BAD_STUB_DATA */
#define DCERPC_NCA_S_FAULT_ACCESS_DENIED 0x00000005u
#define DCERPC_NCA_S_FAULT_REMOTE_NO_MEMORY 0x1c00001bu

/* Largest request stub reassembled from fragments. */
#define DCERPC_MAX_REQUEST_STUB (256 * 1024)

struct dcerpc_uuid {
	uint8_t b[16]; /* wire order (time fields little-endian) */
};

struct dcerpc_syntax {
	struct dcerpc_uuid uuid;
	uint32_t version; /* major in the low 16 bits, minor in the high */
};

/* 8a885d04-1ceb-11c9-9fe8-08002b104860 v2 */
extern const struct dcerpc_syntax dcerpc_ndr_syntax;

struct dcerpc_hdr {
	uint8_t rpc_vers, rpc_vers_minor;
	uint8_t ptype;
	uint8_t pfc_flags;
	uint8_t drep[4];
	uint16_t frag_length;
	uint16_t auth_length;
	uint32_t call_id;
};

/* Decodes the common header; false when short or not version 5. */
bool dcerpc_hdr_decode(const uint8_t *p, size_t len, struct dcerpc_hdr *h);

struct dcerpc_ctx_elem {
	uint16_t context_id;
	struct dcerpc_syntax abstract;
	uint8_t n_transfer;
	const uint8_t *transfer; /* n_transfer syntaxes of 20 bytes */
};

struct dcerpc_bind {
	uint16_t max_xmit_frag, max_recv_frag;
	uint32_t assoc_group_id;
	uint8_t n_ctx;
	struct dcerpc_ctx_elem *ctx;
};

/* bind and alter_context share a body (C706 12.6.4.3, 12.6.4.1). */
bool dcerpc_bind_decode(TALLOC_CTX *mem_ctx, const uint8_t *pdu, size_t len,
			struct dcerpc_bind *b);

struct dcerpc_ctx_result {
	uint16_t result, reason;
	struct dcerpc_syntax transfer;
};

struct dcerpc_bind_ack {
	uint16_t max_xmit_frag, max_recv_frag;
	uint32_t assoc_group_id;
	const char *port_spec; /* secondary address, "" for alter_context */
	uint8_t n_results;
	const struct dcerpc_ctx_result *results;
};

/* ptype is BIND_ACK or ALTER_RESP; appends the whole PDU to w. */
void dcerpc_bind_ack_encode(struct wire_wr *w, uint8_t ptype, uint32_t call_id,
			    const struct dcerpc_bind_ack *a);
void dcerpc_bind_nak_encode(struct wire_wr *w, uint32_t call_id,
			    uint16_t reason);

struct dcerpc_request {
	uint32_t alloc_hint;
	uint16_t context_id;
	uint16_t opnum;
	struct wire_slice stub;
};

bool dcerpc_request_decode(const uint8_t *pdu, size_t len,
			   const struct dcerpc_hdr *h,
			   struct dcerpc_request *rq);

void dcerpc_fault_encode(struct wire_wr *w, uint32_t call_id,
			 uint16_t context_id, uint32_t status,
			 bool did_not_execute);

/*
 * Appends the response PDU fragment carrying stub bytes [off, off + n) of
 * a stub of total length stub_len (alloc_hint is what remains from off).
 */
void dcerpc_response_encode(struct wire_wr *w, uint32_t call_id,
			    uint16_t context_id, const uint8_t *stub,
			    size_t stub_len, size_t off, size_t n);

/* ---- NDR (little-endian, 32-bit), alignment relative to the stub ---- */

struct ndr_push {
	struct wire_wr w;
	uint32_t next_referent;
};

void ndr_push_init(struct ndr_push *n, TALLOC_CTX *mem_ctx);
void ndr_push_align(struct ndr_push *n, size_t align);
void ndr_push_u16(struct ndr_push *n, uint16_t v);
void ndr_push_u32(struct ndr_push *n, uint32_t v);
/* A unique or full pointer: a fresh referent id, or 0 for NULL. */
void ndr_push_ptr(struct ndr_push *n, bool present);
/* [string] wchar_t*: conformant varying UTF-16LE with its NUL (C706
 * 14.3.3.4); sets the writer's error on invalid UTF-8. */
void ndr_push_string(struct ndr_push *n, const char *utf8);

struct ndr_pull {
	struct wire_rd r;
};

void ndr_pull_init(struct ndr_pull *n, const uint8_t *p, size_t len);
void ndr_pull_align(struct ndr_pull *n, size_t align);
uint16_t ndr_pull_u16(struct ndr_pull *n);
uint32_t ndr_pull_u32(struct ndr_pull *n);
/* The referent id of a unique pointer (0: NULL). */
uint32_t ndr_pull_ptr(struct ndr_pull *n);
/* A conformant varying UTF-16 string into UTF-8 (the NUL dropped); sets
 * the reader's error on bad counts or invalid UTF-16. */
char *ndr_pull_string(struct ndr_pull *n, TALLOC_CTX *mem_ctx);

/* ---- the server end of one pipe ---- */

/*
 * An RPC interface: dispatch runs opnum on a complete request stub and
 * pushes the response stub, or returns a fault status (0 for success).
 */
struct dcerpc_iface {
	const char *name;
	struct dcerpc_syntax syntax;
	uint32_t (*dispatch)(void *private_data, TALLOC_CTX *mem_ctx,
			     uint16_t opnum, const uint8_t *stub, size_t len,
			     struct ndr_push *out);
};

struct dcerpc_pipe;

/* port_spec: the secondary address bind_ack names ("\\PIPE\\srvsvc"). */
struct dcerpc_pipe *dcerpc_pipe_new(TALLOC_CTX *mem_ctx,
				    const struct dcerpc_iface *iface,
				    void *private_data, const char *port_spec);
/*
 * Feeds client bytes (they may hold several PDUs or part of one). Returns
 * 0, -EPIPE once a framing error has broken the pipe (a fault PDU is
 * queued first), -EMSGSIZE when more bytes wait than a fragment can hold,
 * -ENOMEM.
 */
int dcerpc_pipe_write(struct dcerpc_pipe *p, const uint8_t *data, size_t len);
/* Bytes of output PDUs not yet read. */
size_t dcerpc_pipe_pending(const struct dcerpc_pipe *p);
/*
 * Reads from the oldest output PDU (a message: one read never spans two):
 * at most max bytes into a buffer on mem_ctx. *more is true when the
 * message had more than max bytes (the rest stays for the next read).
 * -EAGAIN when nothing is pending, -ENOMEM.
 */
int dcerpc_pipe_read(struct dcerpc_pipe *p, TALLOC_CTX *mem_ctx, size_t max,
		     uint8_t **data, size_t *len, bool *more);
bool dcerpc_pipe_broken(const struct dcerpc_pipe *p);

#endif
