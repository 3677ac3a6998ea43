/*
 * The client side of SMB Direct (MS-SMBD) over the same verbs glue as the
 * server: rdma_cm address and route resolution in the tevent loop, then a
 * connection that negotiates as initiator and carries whole upper-layer
 * messages. Buffers registered here are what SMB2 READ/WRITE requests
 * describe in their RDMA channel (MS-SMB2 2.2.19, 2.2.21): the server
 * RDMA-WRITEs READ data into them and RDMA-READs WRITE data from them.
 */
#ifndef USMBD_SMBDIRECT_CLIENT_H
#define USMBD_SMBDIRECT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <talloc.h>
#include <tevent.h>

#include "rdma/smbdirect_verbs.h"

struct smbd_client;

struct smbd_client_ops {
	/* One reassembled message; msg is talloc'd and now the callee's. */
	void (*recv)(void *priv, uint8_t *msg, size_t len);
	/* The connection is gone; no call follows. */
	void (*closed)(void *priv, const char *why);
};

/* Defaults for a client: credits and sizes like the Linux client's,
 * reassembly large enough for 8 MiB inline responses. */
void smbd_client_config_default(struct smbd_config *cfg);

/*
 * Connects to addr:port (numeric IPv4 or IPv6, or a host name) and
 * negotiates SMB Direct. The client lives under mem_ctx; freeing it
 * disconnects. _recv: 0 or -errno with a reason in why.
 */
struct tevent_req *smbd_client_connect_send(TALLOC_CTX *mem_ctx,
					    struct tevent_context *ev,
					    const char *addr, uint16_t port,
					    const struct smbd_config *cfg,
					    const struct smbd_client_ops *ops,
					    void *priv);
int smbd_client_connect_recv(struct tevent_req *req, struct smbd_client **out,
			     char *why, size_t why_len);

/* Queues one message; owner (may be NULL) is freed once it is copied
 * into send buffers. 0 or -errno. */
int smbd_client_send(struct smbd_client *cl, const struct iovec *iov,
		     int iovcnt, void *owner);

/* The server's MaxReadWriteSize, capped by ours: the most one RDMA
 * channel may carry. */
uint32_t smbd_client_max_read_write(const struct smbd_client *cl);
const struct smbd_counters *smbd_client_counters(const struct smbd_client *cl);
/* "rxe0", "siw0"... */
const char *smbd_client_device(const struct smbd_client *cl);

/* A registered buffer of at least len bytes (at most 8 MiB): a Buffer
 * Descriptor V1 (MS-SMBD 2.2.3.1) for its bytes from data + k is
 * { addr + k, token, length }. */
struct smbd_client_buf {
	uint8_t *data;
	size_t len;
	uint64_t addr;
	uint32_t token;
};
struct smbd_client_buf *smbd_client_buf_new(TALLOC_CTX *mem_ctx,
					    struct smbd_client *cl,
					    size_t len);

#endif
