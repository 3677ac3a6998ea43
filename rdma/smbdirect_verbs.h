/*
 * SMB Direct verbs glue (MS-SMBD over librdmacm/libibverbs): listeners,
 * connections and their registered buffers. The rdma_cm event channels and
 * the completion channels are file descriptors in the tevent loop: no
 * extra threads, no busy polling. What to send, when to grant credits,
 * how to fragment and when to probe an idle peer is decided by
 * rdma/smbdirect_proto.h; this half carries its actions out.
 *
 * The upper layer (server/rdma_transport.c) sees whole upper-layer
 * messages, as the TCP transport sees NBSS payloads.
 */
#ifndef USMBD_SMBDIRECT_VERBS_H
#define USMBD_SMBDIRECT_VERBS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <talloc.h>
#include <tevent.h>

#include "rdma/smbdirect_proto.h"

struct smbd_vconn;
struct smbd_io;

/* Per-connection counters, readable at any time (control socket, logs). */
struct smbd_counters {
	uint64_t rdma_read_bytes;  /* pulled from the peer (SMB2 WRITE) */
	uint64_t rdma_write_bytes; /* pushed to the peer (SMB2 READ) */
	uint64_t rdma_read_wrs, rdma_write_wrs;
	uint64_t inline_send_bytes; /* upper-layer bytes in our messages */
	uint64_t inline_recv_bytes; /* upper-layer bytes in the peer's */
	uint64_t sends, recvs;	    /* data transfer messages */
	uint64_t credits_granted;   /* receive credits we granted */
	uint64_t credits_received;  /* send credits the peer granted us */
	uint64_t credits_used;	    /* send credits spent */
	uint64_t credit_waits;	    /* times a send waited for a credit */
	uint64_t invalidations;	    /* SEND_WITH_INV sent */
};

struct smbd_upper_ops {
	/*
	 * The connection is established (rdma_cm ESTABLISHED). Returns the
	 * upper layer's context, allocated under mem_ctx, or NULL to drop
	 * the connection. peer is "addr:port".
	 */
	void *(*accepted)(void *listen_priv, TALLOC_CTX *mem_ctx,
			  struct smbd_vconn *c, const char *peer);
	/* One reassembled upper-layer message; msg is a talloc pointer
	 * that becomes the upper layer's. */
	void (*recv)(void *upper, uint8_t *msg, size_t len);
	/* The connection is going away: called once, from the loop, before
	 * anything is freed; the upper layer frees its context here. */
	void (*closed)(void *upper, const char *why);
};

/* Number of RDMA devices in the system (0 when there are none). */
int smbd_device_count(void);

/*
 * Starts an SMB Direct listener on addr:port (numeric IPv4 or IPv6; IPv6
 * listeners take IPv6 only). Connections are allocated under mem_ctx; the
 * listener is freed with mem_ctx too. 0 or -errno.
 */
int smbd_listen(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		const char *addr, uint16_t port, const struct smbd_config *cfg,
		const struct smbd_upper_ops *ops, void *listen_priv);

/*
 * Queues one upper-layer message given as iov; owner (a talloc pointer)
 * is freed once the bytes are copied into send buffers. invalidate: the
 * last fragment goes with SEND_WITH_INV of token. -errno when the message
 * cannot be sent (the connection is gone, or the message is larger than
 * the peer reassembles).
 */
int smbd_send(struct smbd_vconn *c, const struct iovec *iov, int iovcnt,
	      void *owner, bool invalidate, uint32_t token);

/* Tears the connection down from the loop (idempotent). */
void smbd_disconnect(struct smbd_vconn *c, const char *why);

const struct smbd_counters *smbd_vconn_counters(const struct smbd_vconn *c);
/* The connection's protocol state, for status output. */
const struct smbd_conn_state *smbd_vconn_state(const struct smbd_vconn *c);
/* "rxe0", "siw1"... */
const char *smbd_vconn_device(const struct smbd_vconn *c);

/*
 * Checks an SMB2 RDMA channel (channel, the channel info bytes) for up to
 * len bytes and takes a registered buffer of len bytes from the pool:
 * NT_STATUS_INVALID_PARAMETER for descriptors that are unusable (MS-SMB2
 * 3.3.5.12, 3.3.5.13). *io is a talloc child of mem_ctx; freeing it gives
 * the buffer back, also while a transfer is still under way.
 */
NTSTATUS smbd_io_new(struct smbd_vconn *c, TALLOC_CTX *mem_ctx,
		     uint32_t channel, const uint8_t *info, size_t info_len,
		     uint32_t len, struct smbd_io **io);
uint8_t *smbd_io_buf(const struct smbd_io *io);
/* The token V1_INVALIDATE asks to invalidate; false for V1. */
bool smbd_io_invalidate(const struct smbd_io *io, uint32_t *token);

/*
 * Moves io's buffer [0, len) to the peer's buffers by RDMA WRITE
 * (to_peer, an SMB2 READ) or fills it from them by RDMA READ (an SMB2
 * WRITE; len must be the io's length). _recv: 0 or -errno.
 */
struct tevent_req *smbd_io_rdma_send(TALLOC_CTX *mem_ctx, struct smbd_io *io,
				     bool to_peer, uint32_t len);
int smbd_io_rdma_recv(struct tevent_req *req);

#endif
