/*
 * Codecs of the FSCTL input and output buffers that IOCTL carries
 * (MS-FSCC 2.3, MS-SMB2 2.2.31 / 2.2.32). Pure functions over wire bytes,
 * so they are unit-tested and fuzzed without a server.
 */
#ifndef USMBD_FSCTL_H
#define USMBD_FSCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <talloc.h>

#include "smb2/ntstatus.h"
#include "smb2/wire.h"

/* MS-FSCC 2.3 control codes (those not already in smb2_proto.h) */
#define FSCTL_IS_PATHNAME_VALID 0x0009002cu
#define FSCTL_GET_COMPRESSION 0x0009003cu
#define FSCTL_GET_NTFS_VOLUME_DATA 0x00090064u
#define FSCTL_SET_REPARSE_POINT 0x000900a4u
#define FSCTL_GET_REPARSE_POINT 0x000900a8u
#define FSCTL_DELETE_REPARSE_POINT 0x000900acu
#define FSCTL_SET_SPARSE 0x000900c4u
#define FSCTL_GET_INTEGRITY_INFORMATION 0x0009027cu
#define FSCTL_QUERY_ALLOCATED_RANGES 0x000940cfu
#define FSCTL_SET_ZERO_DATA 0x000980c8u
#define FSCTL_FILE_LEVEL_TRIM 0x00098208u
#define FSCTL_DUPLICATE_EXTENTS_TO_FILE 0x00098344u
#define FSCTL_SET_COMPRESSION 0x0009c040u
#define FSCTL_SET_INTEGRITY_INFORMATION 0x0009c280u
#define FSCTL_SRV_COPYCHUNK 0x001440f2u
#define FSCTL_SRV_COPYCHUNK_WRITE 0x001480f2u

#define NT_STATUS_INVALID_VIEW_SIZE NT_STATUS(0xc000001f)

/* ---- server-side copy (MS-SMB2 2.2.31.1, 2.2.32.1, 3.3.5.15.6) ---- */

#define FSCTL_RESUME_KEY_SIZE 24
/* SRV_REQUEST_RESUME_KEY response: key, ContextLength, and the 4 bytes
 * of Context that Windows sends (MS-SMB2 2.2.32.3, <note>) */
#define FSCTL_RESUME_KEY_RSP_SIZE 32
#define FSCTL_RESUME_KEY_RSP_MIN 28
#define FSCTL_COPYCHUNK_HDR_SIZE 32
#define FSCTL_COPYCHUNK_CHUNK_SIZE 24
#define FSCTL_COPYCHUNK_RSP_SIZE 12
/* ServerSideCopyMaxNumberofChunks, ...MaxChunkSize, ...MaxDataSize
 * (MS-SMB2 3.3.3, the values of Windows) */
#define FSCTL_COPYCHUNK_MAX_CHUNKS 256u
#define FSCTL_COPYCHUNK_MAX_CHUNK_LEN (1024u * 1024u)
#define FSCTL_COPYCHUNK_MAX_TOTAL (16u * 1024u * 1024u)

struct fsctl_chunk {
	uint64_t source_off;
	uint64_t target_off;
	uint32_t length;
};

struct fsctl_copychunk {
	uint8_t source_key[FSCTL_RESUME_KEY_SIZE];
	uint32_t count;
	struct fsctl_chunk *chunks; /* count entries, talloc'd */
};

struct fsctl_copychunk_rsp {
	uint32_t chunks_written;
	uint32_t chunk_bytes_written;
	uint32_t total_bytes_written;
};

/* INVALID_PARAMETER when the buffer is short for its ChunkCount. */
NTSTATUS fsctl_copychunk_decode(TALLOC_CTX *mem_ctx, struct wire_slice in,
				struct fsctl_copychunk *out);
/* false when the request breaks a server-side copy limit (too many
 * chunks, a chunk of 0 or too many bytes, too many bytes in all). */
bool fsctl_copychunk_within_limits(const struct fsctl_copychunk *cc);
/* The response that tells the client the limits (MS-SMB2 3.3.5.15.6). */
struct fsctl_copychunk_rsp fsctl_copychunk_limits(void);
void fsctl_copychunk_rsp_encode(uint8_t out[FSCTL_COPYCHUNK_RSP_SIZE],
				const struct fsctl_copychunk_rsp *rsp);

/* A resume key names one open: its FileId and the session it lives in,
 * so no key is ever valid for another open or another session. */
void fsctl_resume_key_encode(uint8_t out[FSCTL_RESUME_KEY_SIZE],
			     uint64_t fid_p, uint64_t fid_v,
			     uint64_t session_id);
bool fsctl_resume_key_decode(const uint8_t key[FSCTL_RESUME_KEY_SIZE],
			     uint64_t session_id, uint64_t *fid_p,
			     uint64_t *fid_v);

/* ---- sparse files (MS-FSCC 2.3.33/2.3.34, 2.3.67, 2.3.73) ---- */

#define FSCTL_ALLOCATED_RANGE_SIZE 16

struct fsctl_range {
	uint64_t off;
	uint64_t len;
};

/* FILE_ALLOCATED_RANGE_BUFFER: extra bytes after it are ignored, as
 * Windows does; negative or overflowing ranges are INVALID_PARAMETER. */
NTSTATUS fsctl_qar_decode(struct wire_slice in, struct fsctl_range *out);
/*
 * Writes as many ranges as fit in max_out bytes. OK when all fitted,
 * BUFFER_OVERFLOW when some were left off, BUFFER_TOO_SMALL when there
 * are ranges and not even one fits (MS-FSA 2.1.5.9.22).
 */
NTSTATUS fsctl_qar_encode(struct wire_wr *w, const struct fsctl_range *r,
			  size_t n, uint32_t max_out);

/* FILE_ZERO_DATA_INFORMATION: [FileOffset, BeyondFinalZero). */
NTSTATUS fsctl_zero_data_decode(struct wire_slice in, struct fsctl_range *out);

/* FSCTL_FILE_LEVEL_TRIM input: Key, NumRanges, ranges. */
NTSTATUS fsctl_trim_decode(TALLOC_CTX *mem_ctx, struct wire_slice in,
			   struct fsctl_range **ranges, uint32_t *n);

/* DUPLICATE_EXTENTS_DATA (MS-FSCC 2.3.8). */
struct fsctl_dup_extents {
	uint64_t src_fid_p, src_fid_v;
	uint64_t source_off;
	uint64_t target_off;
	uint64_t byte_count;
};
NTSTATUS fsctl_dup_extents_decode(struct wire_slice in,
				  struct fsctl_dup_extents *out);

/* ---- NETWORK_INTERFACE_INFO (MS-SMB2 2.2.32.5) ---- */

#define FSCTL_NET_IFACE_SIZE 152
#define FSCTL_NET_IFACE_RSS_CAPABLE 0x00000001u
#define FSCTL_NET_IFACE_RDMA_CAPABLE 0x00000002u
#define FSCTL_NET_AF_INET 0x0002
#define FSCTL_NET_AF_INET6 0x0017

struct fsctl_net_iface {
	uint32_t if_index;
	uint32_t capability;
	uint64_t link_speed; /* bits per second */
	uint16_t family;     /* FSCTL_NET_AF_* */
	uint8_t addr[16];    /* network order: 4 bytes for IPv4 */
	uint32_t scope_id;   /* IPv6 */
};

/* Writes the chained entries; BUFFER_TOO_SMALL when they do not all fit
 * in max_out (a cut chain would name an interface only half). */
NTSTATUS fsctl_net_iface_encode(struct wire_wr *w,
				const struct fsctl_net_iface *ifs, size_t n,
				uint32_t max_out);

#endif
