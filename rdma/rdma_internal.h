/*
 * Internals shared by the SMB Direct verbs glue: rdma_pool.c (protection
 * domain and registered I/O buffers), rdma_conn.c (queue pair, completion
 * queue, sends and receives), rdma_io.c (RDMA READ/WRITE for SMB2 READ
 * and WRITE channels) and rdma_listener.c (rdma_cm listeners).
 */
#ifndef USMBD_RDMA_INTERNAL_H
#define USMBD_RDMA_INTERNAL_H

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "rdma/smbdirect_rw.h"
#include "rdma/smbdirect_verbs.h"

/* What a work request's wr_id points at: every such struct starts with
 * its kind. */
enum smbd_wr_kind {
	SMBD_WR_RECV,
	SMBD_WR_SEND,
	SMBD_WR_RW,
};

/* A registered buffer for RDMA READ/WRITE payloads. */
struct smbd_iobuf {
	struct smbd_iobuf *next; /* in the pool's free list */
	uint8_t *data;
	size_t size;
	struct ibv_mr *mr;
	unsigned busy;	/* work requests posted with it */
	bool orphaned;	/* its owner let go while busy */
	unsigned klass; /* size class */
};

#define SMBD_POOL_CLASSES 8 /* 64 KiB << 0 .. 64 KiB << 7 (8 MiB) */
#define SMBD_POOL_MIN_SHIFT 16

/*
 * The verbs resources that must outlive the connection while registered
 * buffers are still out (a worker thread may be filling one after the
 * peer vanished): the rdma_cm id and its event channel, the protection
 * domain and the pool of I/O buffers. Reference counted: the connection
 * holds one reference, every buffer taken from the pool another.
 */
struct smbd_res {
	unsigned refs;
	struct rdma_event_channel *cm_ch;
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	int io_access; /* ibv_access_flags for I/O buffers */
	struct smbd_iobuf *free_list[SMBD_POOL_CLASSES];
	size_t free_bytes;
};

struct smbd_res *smbd_res_new(void);
void smbd_res_unref(struct smbd_res *res);
/* A buffer of at least len bytes (len <= 8 MiB), registered; NULL when
 * memory or registration fails. Holds a reference on res. */
struct smbd_iobuf *smbd_pool_get(struct smbd_res *res, size_t len);
/* Back to the pool (or freed); drops the buffer's reference on res. */
void smbd_pool_put(struct smbd_res *res, struct smbd_iobuf *b);

struct smbd_recvbuf {
	enum smbd_wr_kind kind;
	struct smbd_recvbuf *next;
	uint8_t *data;
};

struct smbd_sendbuf {
	enum smbd_wr_kind kind;
	struct smbd_sendbuf *next;
	uint8_t *data;
	bool last_of_conn; /* disconnect once it has gone */
};

/* An upper-layer message waiting to be fragmented into sends. */
struct smbd_outmsg {
	struct smbd_outmsg *next;
	struct iovec *iov;
	int iovcnt;
	int cur_iov;	 /* copy cursor */
	size_t cur_off;
	uint32_t total;
	uint32_t sent;
	void *owner;
	bool invalidate;
	uint32_t token;
};

/* An RDMA READ or WRITE of one SMB2 request: a list of work requests. */
struct smbd_rw_op {
	enum smbd_wr_kind kind;
	struct smbd_rw_op *prev, *next; /* in the connection's list */
	struct smbd_vconn *c;
	struct tevent_req *req; /* NULL when the caller went away */
	struct smbd_io *io;	/* NULL when the caller freed it */
	struct smbd_iobuf *buf;
	struct smbd_rw_plan *plan;
	bool to_peer;
	size_t next_wr; /* first one not posted yet */
	unsigned posted; /* posted, not completed */
	int error;
};

struct smbd_io {
	struct smbd_io *prev, *next; /* in the connection's list */
	struct smbd_vconn *c;	     /* NULL once the connection is gone */
	struct smbd_res *res;
	struct smbd_iobuf *buf;
	struct smbd_rw_op *op; /* transfer under way */
	uint32_t len;
	uint32_t channel;
	struct smbd_buffer_desc descs[SMBD_RW_MAX_DESCRIPTORS];
	size_t ndescs;
	bool invalidate;
	uint32_t token;
};

struct smbd_vconn {
	struct tevent_context *ev;
	const struct smbd_upper_ops *ops;
	void *listen_priv;
	void *upper;
	char peer[80];
	char dev[64];

	/* verbs */
	struct smbd_res *res;
	struct tevent_fd *cm_fde;
	struct ibv_comp_channel *comp_ch;
	struct tevent_fd *cq_fde;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	unsigned cq_unacked;
	bool iwarp;
	bool send_inv_ok; /* device does SEND_WITH_INV */

	/* receive buffers: one registered region */
	uint8_t *recv_mem;
	struct ibv_mr *recv_mr;
	struct smbd_recvbuf *recvbufs;
	struct smbd_recvbuf *recv_free;
	uint32_t n_recv, recv_size;

	/* send buffers: one registered region */
	uint8_t *send_mem;
	struct ibv_mr *send_mr;
	struct smbd_sendbuf *sendbufs;
	struct smbd_sendbuf *send_free;
	uint32_t n_send, send_size;

	/* RDMA READ/WRITE */
	uint32_t rw_slots;	/* send queue entries left for them */
	struct smbd_rw_limits rw_lim;
	struct smbd_rw_op *rw_ops; /* under way, in order */
	struct smbd_io *ios;

	/* protocol */
	struct smbd_conn_state st;
	struct tevent_timer *timer;
	uint64_t timer_ms;
	bool want_empty; /* the proto asked for a message */
	bool waiting_credit;
	uint8_t *reasm;
	struct smbd_outmsg *sq_head, *sq_tail;
	struct smbd_counters counters;

	/* teardown */
	bool established;
	bool dead;
	const char *why;
	struct tevent_immediate *free_im;
};

uint64_t smbd_now_ms(void);

/* rdma_conn.c: a connect request on the listener; takes over id. */
void smbd_vconn_accept(TALLOC_CTX *mem_ctx, struct tevent_context *ev,
		       struct rdma_cm_id *id,
		       const struct rdma_conn_param *param,
		       const struct smbd_config *cfg,
		       const struct smbd_upper_ops *ops, void *listen_priv);

/*
 * rdma_conn.c, client role: a connection on id (address and route
 * resolved; taken over, also on failure) that connects, negotiates as
 * initiator and calls ops->accepted once established. NULL and *err
 * (-errno) when it cannot start.
 */
struct smbd_vconn *smbd_vconn_connect(TALLOC_CTX *mem_ctx,
				      struct tevent_context *ev,
				      struct rdma_cm_id *id,
				      const struct smbd_config *cfg,
				      const struct smbd_upper_ops *ops,
				      void *priv, int *err);
/* A registered buffer the server may read and write (client role);
 * give it back with smbd_pool_put(). */
struct smbd_iobuf *smbd_vconn_iobuf_get(struct smbd_vconn *c, size_t len);

/* rdma_io.c */
void smbd_rw_pump(struct smbd_vconn *c);
void smbd_rw_completion(struct smbd_rw_op *op, const struct ibv_wc *wc);
/* The queue pair is gone: fail what is under way, let go of the ios. */
void smbd_rw_abort_all(struct smbd_vconn *c);

#endif
