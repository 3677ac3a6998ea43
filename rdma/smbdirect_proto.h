/*
 * SMB Direct (MS-SMBD 3.1, 3.3) connection logic as pure decisions: the
 * server side of negotiation, send and receive credits, fragmentation and
 * reassembly, keepalive and the negotiate deadline. Nothing here touches
 * verbs or reads a clock: the glue passes the time in (now_ms), executes
 * the returned struct smbd_actions and reports back what it did.
 *
 * The glue's loop, roughly:
 *   init -> post act.post_receives -> smbd_conn_receives_posted()
 *   first receive -> smbd_conn_negotiate() -> post receives ->
 *     smbd_conn_receives_posted() -> smbd_conn_negotiate_response() -> send
 *   each receive -> smbd_conn_recv() -> copy fragment, deliver when whole
 *   each send -> smbd_conn_prepare_send() -> send or wait for credits
 *   timer -> smbd_conn_timer()
 */
#ifndef USMBD_SMBDIRECT_PROTO_H
#define USMBD_SMBDIRECT_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "rdma/smbdirect_wire.h"

struct smbd_config {
	/* Receive buffers (and so credits) we offer the peer at most. */
	uint16_t receive_credit_max;
	/* Send credits we ask the peer for (our CreditsRequested). */
	uint16_t send_credit_target;
	/* Largest message we send, header included, before the peer's say. */
	uint32_t max_send_size;
	/* Size of our receive buffers. */
	uint32_t max_receive_size;
	/* Largest upper-layer message we reassemble. */
	uint32_t max_fragmented_size;
	/* Largest RDMA read/write of one SMB2 READ/WRITE. */
	uint32_t max_read_write_size;
	/* From accepting the connection to a valid negotiate request. */
	uint32_t negotiate_timeout_ms;
	/* Idle time before we probe the peer with RESPONSE_REQUESTED. */
	uint32_t keepalive_interval_ms;
	/* How long the probe may go unanswered. */
	uint32_t keepalive_timeout_ms;
};

/* Values close to what Windows and Linux servers use. */
void smbd_config_default(struct smbd_config *cfg);

enum smbd_phase {
	SMBD_PHASE_NEGOTIATE,
	SMBD_PHASE_ESTABLISHED,
	SMBD_PHASE_DISCONNECTED,
};

enum smbd_disconnect_reason {
	SMBD_DISC_NONE = 0,
	SMBD_DISC_PROTOCOL,	    /* malformed or out-of-rules message */
	SMBD_DISC_NEGOTIATE_FAILED, /* after the failure response is sent */
	SMBD_DISC_NEGOTIATE_TIMEOUT,
	SMBD_DISC_KEEPALIVE_TIMEOUT,
	SMBD_DISC_NO_RECEIVES, /* could not post a single receive */
};

const char *smbd_disconnect_reason_name(enum smbd_disconnect_reason r);

/* MS-SMBD 3.1.1.1 KeepaliveRequested */
enum smbd_keepalive {
	SMBD_KEEPALIVE_NONE,
	SMBD_KEEPALIVE_PENDING, /* probe due, waiting for a send credit */
	SMBD_KEEPALIVE_SENT,	/* probe sent, waiting for any message */
};

struct smbd_conn_state {
	enum smbd_phase phase;
	struct smbd_config cfg;

	/* Negotiated (MS-SMBD 3.1.5.6) */
	NTSTATUS negotiate_status;	   /* for the negotiate response */
	uint32_t max_send_size;		   /* bytes per send, header included */
	uint32_t max_receive_size;	   /* bytes per receive */
	uint32_t max_fragmented_send_size; /* the peer's reassembly limit */

	/* Send credits: granted by the peer, not used yet. */
	uint32_t send_credits;

	/* Receive credits */
	uint32_t recv_posted;	     /* receives posted, not yet consumed */
	uint32_t recv_granted;	     /* of those, granted to the peer */
	uint32_t recv_requested;     /* receives asked of the glue, unposted */
	uint16_t recv_credit_target; /* the peer's CreditsRequested, capped */

	/* A message is owed to the peer (it asked with RESPONSE_REQUESTED). */
	bool send_immediate;

	/* Keepalive and deadlines, absolute milliseconds */
	enum smbd_keepalive keepalive;
	uint64_t negotiate_deadline_ms;
	uint64_t last_recv_ms;
	uint64_t keepalive_deadline_ms;

	/* Reassembly of the upper-layer message under way */
	bool reasm_active;
	uint32_t reasm_total;
	uint32_t reasm_have;

	enum smbd_disconnect_reason disconnect;

	/* The connecting side (client role, smbd_conn_init_client()). */
	bool initiator;
	/* The peer's MaxReadWriteSize, capped by ours (client role). */
	uint32_t max_read_write_size;
};

/* What the glue must do after a call, in this order. */
struct smbd_actions {
	/* Tear the connection down; nothing else applies. After
	 * smbd_conn_negotiate_response() send the response first. */
	enum smbd_disconnect_reason disconnect;
	/* Post this many more receive buffers, then report at once with
	 * smbd_conn_receives_posted(): what is not posted by then is
	 * dropped from the books. */
	uint32_t post_receives;
	/* Build the negotiate response with smbd_conn_negotiate_response()
	 * (after posting the receives above) and send it. */
	bool send_negotiate_response;
	/* Send a data transfer message now even if nothing is queued: to
	 * grant credits, to answer RESPONSE_REQUESTED or to probe an idle
	 * peer. A queued upper-layer message serves as well. */
	bool send_empty;
	/* The received fragment completes an upper-layer message. */
	bool deliver;
	/* Arm the timer for this absolute time (0: no timer needed). */
	uint64_t timer_ms;
};

/* Where a received fragment goes in the upper-layer message. */
struct smbd_fragment {
	struct wire_slice data;	 /* payload of this message, may be empty */
	uint32_t message_length; /* total length of the upper-layer message */
	uint32_t message_offset; /* where data belongs in it */
	bool first;		 /* allocate message_length bytes now */
};

/* Starts a passive (server) connection accepted at now_ms. */
void smbd_conn_init(struct smbd_conn_state *st, const struct smbd_config *cfg,
		    uint64_t now_ms, struct smbd_actions *act);

/* The glue posted n of the receives asked for (n may fall short). */
void smbd_conn_receives_posted(struct smbd_conn_state *st, uint32_t n,
			       struct smbd_actions *act);

/*
 * The first message of a connection: the negotiate request (MS-SMBD
 * 3.1.5.6, 3.3.5.2). A bad version gets a STATUS_NOT_SUPPORTED response and
 * a disconnect; a malformed request a disconnect without response.
 */
void smbd_conn_negotiate(struct smbd_conn_state *st, const uint8_t *p,
			 size_t len, uint64_t now_ms, struct smbd_actions *act);

/*
 * The negotiate response to send, granting the receives posted so far.
 * With none posted it fails with STATUS_INSUFFICIENT_RESOURCES and the
 * connection ends after it.
 */
void smbd_conn_negotiate_response(struct smbd_conn_state *st,
				  struct smbd_negotiate_rsp *rsp,
				  struct smbd_actions *act);

/*
 * A data transfer message arrived in one of our receives (MS-SMBD 3.1.5.8).
 * On success *frag says where its payload goes; act->deliver is set when
 * the upper-layer message is complete.
 */
void smbd_conn_recv(struct smbd_conn_state *st, const uint8_t *p, size_t len,
		    uint64_t now_ms, struct smbd_fragment *frag,
		    struct smbd_actions *act);

enum smbd_send_decision {
	SMBD_SEND_OK,	       /* *hdr is filled, one credit consumed */
	SMBD_SEND_WAIT_CREDIT, /* keep it queued until the peer grants */
	SMBD_SEND_NOTHING,     /* an empty message would say nothing */
	/* Only the last credit is left and there is nothing to grant with
	 * it: post one more receive, report it with
	 * smbd_conn_receives_posted() and ask again. If it cannot be posted
	 * report 0 and wait for the peer. */
	SMBD_SEND_POST_RECEIVE,
};

/*
 * Decides whether the next message can go now (MS-SMBD 3.1.5.1) and fills
 * its header: credits granted for receives posted since the last message,
 * RESPONSE_REQUESTED for a keepalive probe or when our credits run low.
 * data_length and remaining describe the payload (0, 0 for an empty
 * message). The last send credit is kept for a message that grants
 * credits, so the peer can always give us more; MS-SMBD 3.1.5.9 then has
 * us post a receive to grant, one over receive_credit_max at most (the
 * glue's pool holds one spare buffer for it).
 */
enum smbd_send_decision
smbd_conn_prepare_send(struct smbd_conn_state *st, uint32_t data_length,
		       uint32_t remaining, uint64_t now_ms,
		       struct smbd_data_hdr *hdr) SMBD_MUST_CHECK;

/* Timer expiry: negotiate deadline, keepalive probe and its timeout. */
void smbd_conn_timer(struct smbd_conn_state *st, uint64_t now_ms,
		     struct smbd_actions *act);

/* Largest payload one data transfer message carries. */
uint32_t smbd_conn_max_fragment_payload(const struct smbd_conn_state *st);

/* Fragmentation of an outgoing upper-layer message (MS-SMBD 3.1.4.1). */
struct smbd_send_fragment {
	uint32_t offset;    /* into the upper-layer message */
	uint32_t length;    /* DataLength */
	uint32_t remaining; /* RemainingDataLength */
};

/* Number of data transfer messages a message of total bytes needs. */
uint32_t smbd_conn_fragment_count(const struct smbd_conn_state *st,
				  uint32_t total);

/*
 * The fragment following the first sent bytes of a total-byte message.
 * Fails with NT_STATUS_INVALID_BUFFER_SIZE for an empty message or one
 * over the peer's MaxFragmentedSize, NT_STATUS_INVALID_PARAMETER when
 * sent >= total.
 */
NTSTATUS
smbd_conn_next_fragment(const struct smbd_conn_state *st, uint32_t total,
			uint32_t sent,
			struct smbd_send_fragment *frag) SMBD_MUST_CHECK;

/*
 * The client role (MS-SMBD 3.1.4.1, 3.1.5.2, 3.1.5.7): the connecting side
 * sends the negotiate request once the RDMA connection is up and takes
 * the response as its first message; from then on both roles run the
 * same data transfer rules above.
 *
 *   smbd_conn_init_client() -> post act.post_receives ->
 *     smbd_conn_receives_posted() -> connect -> once established:
 *     smbd_conn_negotiate_request() -> send it
 *   first receive -> smbd_conn_negotiate_response_recv() -> post
 *     receives -> smbd_conn_receives_posted() (asks to send_empty: the
 *     first message grants the peer its credits)
 */
void smbd_conn_init_client(struct smbd_conn_state *st,
			   const struct smbd_config *cfg, uint64_t now_ms,
			   struct smbd_actions *act);

/* The negotiate request to send (MS-SMBD 3.1.5.2). */
void smbd_conn_negotiate_request(const struct smbd_conn_state *st,
				 struct smbd_negotiate_req *req);

/*
 * The negotiate response, the first message a client receives (MS-SMBD
 * 3.1.5.7): anything that fails its checks (failure status included)
 * disconnects; on success the connection is established with the peer's
 * credits and sizes.
 */
void smbd_conn_negotiate_response_recv(struct smbd_conn_state *st,
				       const uint8_t *p, size_t len,
				       uint64_t now_ms,
				       struct smbd_actions *act);

#endif
