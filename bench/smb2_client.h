/*
 * A small asynchronous SMB 3.1.1 client on tevent, built for the
 * benchmark: many requests in flight on one connection (credits permitting),
 * signing and encryption, NTLMv2 through SPNEGO, and multichannel binding.
 * The byte stream is behind struct smb2c_transport_ops so that SMB Direct
 * can be slotted in next to TCP.
 *
 * Objects: a connection is one transport; a session lives under its first
 * connection; a channel is (connection, session, signing key) and is what
 * requests go out on. Tree ids and file ids belong to the session and are
 * usable on every channel bound to it.
 */
#ifndef USMBD_BENCH_SMB2_CLIENT_H
#define USMBD_BENCH_SMB2_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <talloc.h>
#include <tevent.h>

#include "smb2/ntstatus.h"
#include "smb2/smb2_crypto.h"
#include "smb2/smb2_proto.h"
#include "smb2/wire.h"

struct smb2c_conn;
struct smb2c_transport;

/* ---- transport ---- */

/* What a transport tells the connection above it. */
struct smb2c_transport_upcalls {
	/* one whole message (framing removed); buf is talloc'd and now the
	 * callee's */
	void (*received)(void *upper, uint8_t *buf, size_t len);
	/* the transport is dead (-errno); no more calls follow */
	void (*failed)(void *upper, int err);
	void *upper;
};

struct smb2c_transport_ops {
	const char *name;
	/*
	 * Queues one message given as iov (without framing). The memory the
	 * iov points to must stay valid until owner is freed, which the
	 * transport does once the bytes are gone (owner may be NULL when
	 * the buffers outlive the transport). 0 or -errno.
	 */
	int (*send)(struct smb2c_transport *t, TALLOC_CTX *owner,
		    const struct iovec *iov, int iovcnt);
	/* Bytes queued and not yet written. */
	size_t (*queued)(const struct smb2c_transport *t);
	/*
	 * SMB Direct only (NULL elsewhere): a buffer of len bytes that
	 * the server may RDMA-READ and -WRITE, for READ/WRITE requests with
	 * an RDMA channel; freed with mem_ctx.
	 */
	struct smb2c_rdma_buf *(*rdma_buf_new)(struct smb2c_transport *t,
					       TALLOC_CTX *mem_ctx,
					       size_t len);
};

/* A registered buffer: the Buffer Descriptor V1 (MS-SMBD 2.2.3.1) of
 * data + k is { addr + k, token, length }. */
struct smb2c_rdma_buf {
	uint8_t *data;
	size_t len;
	uint64_t addr;
	uint32_t token;
	/* the most one RDMA channel may carry on this connection */
	uint32_t max_rw;
};

struct smb2c_transport {
	const struct smb2c_transport_ops *ops;
	struct smb2c_transport_upcalls up;
};

/*
 * Connects over TCP (blocking connect with a timeout, then non-blocking
 * I/O in ev). -errno, with a readable reason in *why when given.
 */
int smb2c_tcp_connect(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		      const char *host, uint16_t port,
		      struct smb2c_transport **out, const char **why);
/* Shuts the socket of a TCP transport down both ways, as a failing
 * network would (tests of failover); the connection then fails. */
void smb2c_tcp_shutdown(struct smb2c_transport *t);

/*
 * Connects over SMB Direct (MS-SMBD) to host:port, an address on an RDMA
 * device. -EOPNOTSUPP when built without rdma-core.
 */
int smb2c_rdma_connect(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		       const char *host, uint16_t port,
		       struct smb2c_transport **out, const char **why);

/* ---- connection, session, channel ---- */

struct smb2c_options {
	bool sign;    /* ask for signing (SecurityMode REQUIRED) */
	bool encrypt; /* encrypt every request after SESSION_SETUP */
	uint8_t client_guid[16];
};

struct smb2c_session {
	uint64_t id;
	uint8_t session_key[16];
	struct smb2_session_keys keys; /* server view: see smb2_crypto.h */
	bool signing_required;
	bool encrypt;
	uint64_t nonce_counter; /* one per session: all channels share keys */
	uint16_t cipher;
};

struct smb2c_chan {
	struct smb2c_conn *conn;
	struct smb2c_session *sess; /* NULL before SESSION_SETUP is done */
	uint8_t signing_key[16];
};

struct smb2c_conn_info {
	uint16_t dialect;
	uint16_t cipher;	/* SMB2_CIPHER_*, 0 for none */
	enum smb2_sign_alg sign_alg;
	uint32_t server_caps;
	uint16_t server_security_mode;
	uint32_t max_read, max_write, max_trans;
};

struct smb2c_conn *smb2c_conn_new(TALLOC_CTX *mem_ctx,
				  struct tevent_context *ev,
				  struct smb2c_transport *t,
				  const struct smb2c_options *opt);
const struct smb2c_conn_info *smb2c_conn_info(const struct smb2c_conn *c);
/* Credits the server has granted and we have not used. */
uint32_t smb2c_conn_credits(const struct smb2c_conn *c);
/* A channel with no session yet, for NEGOTIATE and the first leg. */
struct smb2c_chan *smb2c_conn_bare_chan(struct smb2c_conn *c);
/* Sent and received bytes (after framing, before encryption overhead). */
void smb2c_conn_bytes(const struct smb2c_conn *c, uint64_t *sent,
		      uint64_t *received);

/* ---- raw request ---- */

struct smb2c_call {
	uint16_t command;
	uint32_t tree_id;
	const uint8_t *body; /* fixed part and in-line buffers */
	size_t body_len;
	const struct iovec *payload; /* appended as is (WRITE data) */
	int npayload;
	uint16_t credit_charge; /* 0: 1 */
	/* SESSION_SETUP of 3.1.1: the request's bytes go into this hash */
	uint8_t *preauth_hash;
	/* sign with this key instead of the channel's (binding legs) */
	const uint8_t *sign_key;
	/* the session id when chan->sess is not set yet */
	uint64_t session_id;
	/* header Flags to add (SMB2_FLAGS_REPLAY_OPERATION) and the
	 * ChannelSequence of a 3.x request (MS-SMB2 2.2.1.2, 3.2.4.1.8) */
	uint32_t flags;
	uint16_t channel_sequence;
};

struct smb2c_rsp {
	struct smb2_hdr hdr;
	NTSTATUS status;
	struct wire_slice msg;	/* header and body */
	struct wire_slice body; /* after the header */
	uint8_t *buf;		/* owns msg; on the recv mem_ctx */
};

struct tevent_req *smb2c_call_send(TALLOC_CTX *mem_ctx,
				   struct tevent_context *ev,
				   struct smb2c_chan *ch,
				   const struct smb2c_call *call);
/*
 * NT_STATUS_OK and the response (any SMB status, in rsp->status) or a
 * transport/protocol failure (CONNECTION_DISCONNECTED, INVALID_NETWORK_
 * RESPONSE for bad signatures, ...).
 */
NTSTATUS smb2c_call_recv(struct tevent_req *req, TALLOC_CTX *mem_ctx,
			 struct smb2c_rsp *rsp);

/* ---- handshake ---- */

/* NEGOTIATE 3.1.1 with preauth, encryption (AES-128-GCM, AES-128-CCM)
 * and signing (AES-GMAC, AES-CMAC) contexts. */
struct tevent_req *smb2c_negotiate_send(TALLOC_CTX *mem_ctx,
					struct tevent_context *ev,
					struct smb2c_conn *c);
NTSTATUS smb2c_negotiate_recv(struct tevent_req *req);

/*
 * SESSION_SETUP with SPNEGO + NTLMv2. With bind set, binds ch's
 * connection to that existing session (MS-SMB2 3.2.4.2.3,
 * SMB2_SESSION_FLAG_BINDING) and ch->sess becomes bind.
 */
struct smb2c_creds {
	const char *user, *domain, *password;
};
struct tevent_req *smb2c_session_setup_send(TALLOC_CTX *mem_ctx,
					    struct tevent_context *ev,
					    struct smb2c_chan *ch,
					    const struct smb2c_creds *cr,
					    struct smb2c_session *bind);
NTSTATUS smb2c_session_setup_recv(struct tevent_req *req);

/* ---- commands (all on a channel with a session) ---- */

struct tevent_req *smb2c_tree_connect_send(TALLOC_CTX *mem_ctx,
					   struct tevent_context *ev,
					   struct smb2c_chan *ch,
					   const char *unc);
NTSTATUS smb2c_tree_connect_recv(struct tevent_req *req, uint32_t *tree_id,
				 uint32_t *share_flags);

struct smb2c_fid {
	uint64_t persistent, volatile_;
};

struct smb2c_create_args {
	const char *name; /* relative to the share, '\\' separated */
	uint32_t desired_access;
	uint32_t disposition;	   /* FILE_OPEN_IF ... */
	uint32_t create_options;
	uint32_t share_access;
	uint32_t file_attributes;
};
struct tevent_req *smb2c_create_send(TALLOC_CTX *mem_ctx,
				     struct tevent_context *ev,
				     struct smb2c_chan *ch, uint32_t tree_id,
				     const struct smb2c_create_args *a);
NTSTATUS smb2c_create_recv(struct tevent_req *req, struct smb2c_fid *fid,
			   uint64_t *end_of_file);

struct tevent_req *smb2c_close_send(TALLOC_CTX *mem_ctx,
				    struct tevent_context *ev,
				    struct smb2c_chan *ch, uint32_t tree_id,
				    struct smb2c_fid fid);
NTSTATUS smb2c_close_recv(struct tevent_req *req);

/* READ of len bytes; *got is the length read (the data is dropped: the
 * benchmark only moves it). */
struct tevent_req *smb2c_read_send(TALLOC_CTX *mem_ctx,
				   struct tevent_context *ev,
				   struct smb2c_chan *ch, uint32_t tree_id,
				   struct smb2c_fid fid, uint64_t offset,
				   uint32_t len);
NTSTATUS smb2c_read_recv(struct tevent_req *req, uint32_t *got);

/* The same, with the data read copied into dst (at most cap bytes). */
NTSTATUS smb2c_read_data_recv(struct tevent_req *req, uint8_t *dst,
			      uint32_t cap, uint32_t *got);

/* WRITE of data (not copied: it must outlive the request). */
struct tevent_req *smb2c_write_send(TALLOC_CTX *mem_ctx,
				    struct tevent_context *ev,
				    struct smb2c_chan *ch, uint32_t tree_id,
				    struct smb2c_fid fid, uint64_t offset,
				    const uint8_t *data, uint32_t len);
NTSTATUS smb2c_write_recv(struct tevent_req *req, uint32_t *written);

/*
 * READ and WRITE with an RDMA channel (MS-SMB2 2.2.19, 2.2.21;
 * SMB2_CHANNEL_RDMA_V1): the server RDMA-WRITEs the data read into
 * buf->data[off, off + len) or RDMA-READs the data to write from there.
 * Their _recv are smb2c_read_rdma_recv() and smb2c_write_recv().
 */
struct tevent_req *smb2c_read_rdma_send(TALLOC_CTX *mem_ctx,
					struct tevent_context *ev,
					struct smb2c_chan *ch, uint32_t tree_id,
					struct smb2c_fid fid, uint64_t offset,
					const struct smb2c_rdma_buf *buf,
					size_t off, uint32_t len);
/* *got: the bytes placed in the buffer; *inline_len: bytes the server
 * sent in the response instead (it may, e.g. when encrypting). */
NTSTATUS smb2c_read_rdma_recv(struct tevent_req *req, uint32_t *got,
			      uint32_t *inline_len);
struct tevent_req *smb2c_write_rdma_send(TALLOC_CTX *mem_ctx,
					 struct tevent_context *ev,
					 struct smb2c_chan *ch,
					 uint32_t tree_id, struct smb2c_fid fid,
					 uint64_t offset,
					 const struct smb2c_rdma_buf *buf,
					 size_t off, uint32_t len);

/* QUERY_INFO of a file information class (MS-FSCC 2.4). */
struct tevent_req *smb2c_query_info_send(TALLOC_CTX *mem_ctx,
					 struct tevent_context *ev,
					 struct smb2c_chan *ch,
					 uint32_t tree_id, struct smb2c_fid fid,
					 uint8_t info_class,
					 uint32_t max_len);
NTSTATUS smb2c_query_info_recv(struct tevent_req *req, uint32_t *len);

/* SET_INFO of a file information class with the given buffer. */
struct tevent_req *smb2c_set_info_send(TALLOC_CTX *mem_ctx,
				       struct tevent_context *ev,
				       struct smb2c_chan *ch, uint32_t tree_id,
				       struct smb2c_fid fid,
				       uint8_t info_class, const uint8_t *buf,
				       uint32_t len);
NTSTATUS smb2c_set_info_recv(struct tevent_req *req);

/* Credits a READ or WRITE of len bytes costs (MS-SMB2 3.1.5.2). */
static inline uint16_t smb2c_credit_charge(uint32_t len)
{
	return len ? (uint16_t)((len - 1) / 65536 + 1) : 1;
}

/* Runs ev until req is done; false if the loop failed. */
bool smb2c_wait(struct tevent_context *ev, struct tevent_req *req);

#endif
