/*
 * Server-side SMB2 state shared by the dispatcher and the command handlers:
 * server, connection, session, tree connect, open, and one request element
 * of a (possibly compound) message. Nothing here knows about sockets: a
 * connection talks to its transport through struct smb2_transport_ops.
 */
#ifndef USMBD_SMB2_SERVER_H
#define USMBD_SMB2_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <time.h>
#include <talloc.h>
#include <tevent.h>

#include "conf/conf.h"
#include "conf/users.h"
#include "smb2/ntstatus.h"
#include "smb2/smb2_credits.h"
#include "smb2/smb2_crypto.h"
#include "smb2/smb2_proto.h"
#include "smb2/wire.h"
#include "vfs/threadpool.h"
#include "vfs/vfs.h"

/* Internal marker a handler returns when it will finish later through
 * smb2_req_complete(). Never sent on the wire. */
#define SMB2_STATUS_ASYNC NT_STATUS(0xffffffffu)

#define SMB2_MAX_CREDITS 8192	/* per-connection window */
#define SMB2_CREDIT_UNIT 65536	/* bytes per credit (MS-SMB2 3.3.5.2.5) */

struct smb2_server;
struct smb2_conn;
struct smb2_session;
struct smb2_tcon;
struct smb2_open;
struct smb2_open_watch;
struct smb2_notify_ctx;
struct smb2_notify_open;
struct smb2_msg;
struct smb2_req;
struct smb2_rdma_io;

/* Transport ops (TCP now, SMB Direct later). */
struct smb2_transport_ops {
	/* Sends one SMB2 message (without NBSS header) given as iov; takes
	 * ownership of owner (freed when the bytes have left). -errno. */
	int (*send)(void *transport, const struct iovec *iov, int iovcnt,
		    void *owner);
	void (*disconnect)(void *transport, const char *why);
	/* Optional: transport counters for `usmbd-ctl status`, one line
	 * of "key=value" pairs. */
	void (*describe)(void *transport, char *buf, size_t len);
	const char *name; /* "tcp", "rdma" */

	/* SMB Direct only, NULL elsewhere: RDMA channels of READ and WRITE
	 * (MS-SMB2 3.3.5.12, 3.3.5.13). */
	unsigned caps; /* SMB2_TRANSPORT_CAP_* */
	/* Checks an RDMA channel and its descriptors (the channel info
	 * bytes) for up to len bytes and takes a registered buffer of len
	 * bytes: NT_STATUS_INVALID_PARAMETER when they are unusable. *io is
	 * a talloc child of mem_ctx; freeing it gives the buffer back. */
	NTSTATUS (*rdma_io_new)(void *transport, TALLOC_CTX *mem_ctx,
				uint32_t channel, const uint8_t *info,
				size_t info_len, uint32_t len,
				struct smb2_rdma_io **io);
	/* RDMA WRITE of io->buf[0..len) to the client's buffers (READ);
	 * _recv gives 0 or -errno. */
	struct tevent_req *(*rdma_write_send)(TALLOC_CTX *mem_ctx,
					      struct smb2_rdma_io *io,
					      uint32_t len);
	int (*rdma_write_recv)(struct tevent_req *req);
	/* RDMA READ of io->len bytes from the client's buffers (WRITE). */
	struct tevent_req *(*rdma_read_send)(TALLOC_CTX *mem_ctx,
					     struct smb2_rdma_io *io);
	int (*rdma_read_recv)(struct tevent_req *req);
	/* The final response to message_id goes out with SEND_WITH_INV of
	 * token (MS-SMBD 3.1.4.2; channel RDMA_V1_INVALIDATE). */
	void (*send_with_invalidate)(void *transport, uint64_t message_id,
				     uint32_t token);
};

#define SMB2_TRANSPORT_CAP_RDMA 0x1

/* One READ's or WRITE's RDMA channel with its registered buffer. */
struct smb2_rdma_io {
	uint8_t *buf; /* registered, len bytes */
	uint32_t len;
	bool invalidate; /* RDMA_V1_INVALIDATE: the token to invalidate */
	uint32_t invalidate_token;
};

struct smb2_share_state {
	const struct conf_share *conf;
	struct vfs_share *vfs; /* NULL for IPC$ */
};

/* One file (inode) with all its opens: share modes and delete-pending are
 * per file (MS-FSA 2.1.5.1.2). */
struct smb2_file {
	struct smb2_file *prev, *next;
	struct smb2_server *srv;
	uint64_t dev, ino;
	struct smb2_open *opens; /* list via open->file_prev/next */
	unsigned n_opens;
	bool delete_pending;
	char *relpath; /* current on-disk path of the file, relative */
	struct smb2_share_state *share;
	/* ChangeTime a client set (MS-FSA 2.1.5.15.1): POSIX cannot store
	 * it, so it is reported while the inode's ctime is still
	 * change_time_ctime, i.e. nothing else has changed the file */
	bool change_time_set;
	uint64_t change_time;
	uint64_t change_time_ctime;
	struct smb2_file_locks *locks; /* byte-range locks (brlock.h) */
};

struct smb2_server {
	struct tevent_context *ev;
	const struct usmbd_conf *conf;
	struct usmbd_users *users;
	uint64_t users_mtime;
	struct threadpool *tp;
	struct smb2_share_state *shares; /* parallel to conf->shares */
	size_t n_shares;
	uint8_t server_guid[16];
	uint64_t start_time; /* NT time */
	struct smb2_session *sessions; /* list */
	uint64_t next_session_id;
	uint64_t next_persistent_id;
	struct smb2_file *files;
	struct smb2_notify_ctx *notify; /* inotify, made on first use */
	struct smb2_lease_table *leases;     /* lease table (lease.c) */
	struct smb2_break_wait *break_waits; /* requests waiting on a break */
	struct smb2_durable_table *durable;  /* durable opens (durable.c) */
	unsigned n_conns;
	struct smb2_conn *conns; /* list */
	/* counters */
	uint64_t bytes_in, bytes_out;
};

struct smb2_conn {
	struct smb2_conn *prev, *next;
	struct smb2_server *srv;
	const struct smb2_transport_ops *ops;
	void *transport;
	char *peer; /* "addr:port" for logs */
	bool terminating;

	/* NEGOTIATE results */
	bool negotiated;
	uint16_t dialect;
	uint8_t client_guid[16];
	uint16_t client_security_mode;
	uint32_t client_capabilities;
	uint32_t server_capabilities;
	uint16_t cipher;	   /* 0 = none negotiated */
	enum smb2_sign_alg sign_alg;
	uint8_t preauth_hash[SMB2_PREAUTH_HASH_SIZE]; /* connection's (3.1.1) */
	bool signing_required; /* server asked for it (conf) */
	uint32_t max_trans, max_read, max_write;

	struct smb2_req *pending; /* async requests, for CANCEL */
	uint64_t next_async_id;
	unsigned n_sessions; /* channels of sessions on this connection */
	uint64_t bytes_in, bytes_out;
	uint64_t requests;
	struct tevent_timer *handshake_timer;
	struct smb2_credit_window credits;
};

enum smb2_session_state {
	SMB2_SESSION_IN_PROGRESS,
	SMB2_SESSION_VALID,
	SMB2_SESSION_EXPIRED,
};

/*
 * One connection of a session (MS-SMB2 3.3.1.x Channel). The first is
 * made with the session; more are bound with SESSION_SETUP BINDING
 * (multichannel). Each has its own signing key (3.x).
 */
struct smb2_channel {
	struct smb2_channel *prev, *next; /* in session->channels */
	struct smb2_session *session;
	struct smb2_conn *conn;
	bool ready;		/* usable: first channel, or bind completed */
	uint8_t signing_key[16];
	uint8_t preauth_hash[SMB2_PREAUTH_HASH_SIZE]; /* binding, 3.1.1 */
	struct ntlmssp_server *ntlmssp;		      /* binding auth */
};

struct smb2_session {
	struct smb2_session *prev, *next;
	struct smb2_server *srv;
	struct smb2_conn *conn; /* a live channel's connection (the first) */
	struct smb2_channel *channels; /* list */
	unsigned n_channels;
	uint8_t client_guid[16];
	uint64_t id;
	enum smb2_session_state state;
	struct ntlmssp_server *ntlmssp; /* during authentication */
	char *user;
	char *domain;
	bool anonymous;
	bool signing_required;
	uint16_t dialect;
	uint8_t session_key[16];
	struct smb2_session_keys keys;
	uint8_t preauth_hash[SMB2_PREAUTH_HASH_SIZE];
	struct smb2_tcon *tcons; /* list */
	uint32_t next_tree_id;
	unsigned n_opens;
	bool encrypt_data;	 /* every message encrypted (MS-SMB2 3.3.1.8) */
	time_t expires;		 /* CLOCK_MONOTONIC seconds; 0: never */
	uint64_t nonce_counter;	 /* transform nonces, unique per key */
};

struct smb2_tcon {
	struct smb2_tcon *prev, *next;
	struct smb2_session *session;
	uint32_t id;
	struct smb2_share_state *share;
	bool read_only;
	bool is_ipc;
	uint32_t max_access;
	bool encrypt_data; /* share requires or desires encryption */
	struct smb2_open *opens; /* list */
	uint64_t next_volatile_id;
};

struct smb2_open {
	struct smb2_open *prev, *next;		 /* in tcon */
	struct smb2_open *file_prev, *file_next; /* in file */
	struct smb2_tcon *tcon;
	struct smb2_file *file; /* NULL for pipes */
	uint64_t persistent_id;
	uint64_t volatile_id;
	int fd;			/* -1 for pipes */
	struct smb2_fdref *fdref; /* owner of fd, shared with I/O jobs */
	bool is_dir;
	char *client_name;	/* path as the client gave it (UTF-8, '\\') */
	uint32_t access_mask;	/* granted */
	uint32_t share_access;
	uint32_t create_options;
	bool delete_on_close;	/* FILE_DELETE_ON_CLOSE on create */
	uint64_t position;	/* FilePositionInformation */
	uint32_t mode;		/* FileModeInformation */
	bool user_set_change_time; /* MS-FSA Open.UserSetChangeTime */
	uint32_t outstanding;	/* async I/O in flight */
	/* Open.LockSequenceArray (MS-SMB2 3.3.5.14): the LockSequenceNumber
	 * of the last successful LOCK per index 1..64, for replays */
	uint8_t lock_seq[64];
	uint64_t lock_seq_valid; /* bit i: lock_seq[i] holds a number */
	struct smb2_open_watch *watches; /* cleared when the open goes */
	struct smb2_notify_open *notify; /* CHANGE_NOTIFY state, or NULL */
	struct smb2_oplock *oplock; /* oplock or lease held, NULL if none */
	struct smb2_durable_open *durable; /* durable.c state, or NULL */
	struct smb2_replay_state *replay;  /* ChannelSequence (replay.c) */
	struct smb2_stream_open *stream; /* named stream open (streams.h) */
	/* QUERY_DIRECTORY state */
	struct vfs_dirent *dir_entries;
	size_t dir_n;
	size_t dir_pos;
	char *dir_pattern;
	bool dir_scanned;
	/* IPC$ pipe state */
	void *pipe;
};

/* One received message (possibly a compound). Freed after its responses
 * have been sent; every request element is its child. */
struct smb2_msg {
	struct smb2_conn *conn;
	uint8_t *buf;	     /* the whole message, as received (talloc) */
	const uint8_t *data; /* the SMB2 message(s): buf, or the plaintext */
	size_t len;	     /* of data */
	bool encrypted;	     /* arrived in a transform header */
	uint64_t enc_session_id;
	unsigned n_elems, n_done;
	struct smb2_req *first;
	/* the FileId, session and tree a related element inherits
	 * (MS-SMB2 3.3.5.2.7.2) */
	uint64_t related_fid_p, related_fid_v;
	bool related_fid_valid;
	uint64_t related_session_id;
	uint32_t related_tree_id;
	NTSTATUS related_status;
};

struct smb2_req {
	struct smb2_req *prev, *next; /* in conn->pending when async */
	struct smb2_conn *conn;
	struct smb2_msg *msg;
	struct smb2_req *next_elem; /* next element of the compound */
	unsigned index;		    /* position in the compound */
	struct smb2_hdr hdr;
	struct wire_slice in;	/* this element: header + body + dynamic */
	struct wire_slice body; /* in, without the header */
	struct smb2_session *session;
	struct smb2_tcon *tcon;
	/* their ids, taken when the handler returns: an async request
	 * re-resolves session and tree by id (smb2_req_refresh), since a
	 * LOGOFF or TREE_DISCONNECT may free them meanwhile */
	uint64_t session_id;
	uint32_t tree_id;
	bool signed_in;		/* request arrived signed and verified */

	/* response: body written by the handler, optional payload iovec
	 * appended without copy (READ data); payload_owner freed with msg */
	struct wire_wr out;
	const uint8_t *payload;
	size_t payload_len;
	void *payload_owner; /* talloc ptr kept alive until payload is sent */
	bool preauth_update; /* 3.1.1 SESSION_SETUP: hash the response */
	bool preauth_conn;   /* 3.1.1 NEGOTIATE: hash into the connection */
	struct smb2_session *sign_with; /* sign the response with this */
	struct smb2_session *free_after; /* LOGOFF: freed once answered */
	struct smb2_channel *bind_channel; /* binding: hash its reply */
	bool bad_bind_signature; /* binding request failed verification */
	NTSTATUS status;
	uint16_t credits_granted;
	bool done;
	bool async;	/* went async: interim response sent or due */
	uint64_t async_id;
	bool cancelled;
	bool sent;		/* final response has been sent */
	bool no_response;	/* CANCEL */
	bool in_handler;
	bool in_handler_ran;
	bool credits_done;	/* credits granted (maybe in the interim) */
	uint16_t charge;
	struct tevent_timer *interim_timer;
	void (*cancel_fn)(struct smb2_req *req); /* optional */
	void *cancel_private;
};

/* ---- connection entry points (used by transports) ---- */

struct smb2_server *smb2_server_new(TALLOC_CTX *mem_ctx,
				    struct tevent_context *ev,
				    const struct usmbd_conf *conf);
struct smb2_conn *smb2_conn_new(TALLOC_CTX *mem_ctx, struct smb2_server *srv,
				const struct smb2_transport_ops *ops,
				void *transport, const char *peer);
/* Hands one received message (an NBSS payload) to the connection; buf
 * must be a talloc pointer and becomes the connection's. */
void smb2_conn_recv(struct smb2_conn *conn, uint8_t *buf, size_t len);
/* Largest message the transport should accept now (small until the
 * connection has negotiated). */
uint32_t smb2_conn_max_recv(const struct smb2_conn *conn);
/* Tears down sessions and opens; called by the transport before it frees
 * the connection. */
void smb2_conn_shutdown(struct smb2_conn *conn);

/* ---- helpers for handlers ---- */

/*
 * Looks up the open for FileId (persistent, volatile) in the request's
 * tree connect; for a related compound element a FileId of all ones means
 * the FileId of the previous element's CREATE. NULL if none.
 */
struct smb2_open *smb2_open_lookup(struct smb2_req *req, uint64_t fid_p,
				   uint64_t fid_v);
/* Reads the 16-byte FileId at body offset off and looks it up. */
struct smb2_open *smb2_open_lookup_at(struct smb2_req *req, size_t off);

/* Re-resolves req->session and req->tcon from their ids (NULL when gone);
 * async callbacks call it before touching either. */
void smb2_req_refresh(struct smb2_req *req);

/* Completes a request that returned SMB2_STATUS_ASYNC; the response body
 * (req->out) must be filled for success. */
void smb2_req_complete(struct smb2_req *req, NTSTATUS status);

/* Marks a request async (interim STATUS_PENDING sent at once); used by
 * operations that are known to wait (e.g. CHANGE_NOTIFY, blocking LOCK). */
void smb2_req_go_async(struct smb2_req *req);

/* Current on-disk path of an open's file (follows renames). */
const char *smb2_open_relpath(const struct smb2_open *o);

/* Converts a client path (UTF-16LE bytes) to a UTF-8 '/'-separated path
 * relative to the share root, validating names (MS-FSCC 2.1.5). Returns
 * NT_STATUS_OBJECT_NAME_INVALID / OBJECT_PATH_SYNTAX_BAD on bad input. */
NTSTATUS smb2_client_path(TALLOC_CTX *mem_ctx, const uint8_t *utf16,
			  size_t len, char **out);

/* Handlers (one per command file). */
NTSTATUS smb2_cmd_negotiate(struct smb2_req *req);
NTSTATUS smb2_cmd_session_setup(struct smb2_req *req);
NTSTATUS smb2_cmd_logoff(struct smb2_req *req);
NTSTATUS smb2_cmd_tree_connect(struct smb2_req *req);
NTSTATUS smb2_cmd_tree_disconnect(struct smb2_req *req);
NTSTATUS smb2_cmd_create(struct smb2_req *req);
NTSTATUS smb2_cmd_close(struct smb2_req *req);
NTSTATUS smb2_cmd_flush(struct smb2_req *req);
NTSTATUS smb2_cmd_read(struct smb2_req *req);
NTSTATUS smb2_cmd_write(struct smb2_req *req);
NTSTATUS smb2_cmd_lock(struct smb2_req *req);
NTSTATUS smb2_cmd_ioctl(struct smb2_req *req);
NTSTATUS smb2_cmd_echo(struct smb2_req *req);
NTSTATUS smb2_cmd_query_directory(struct smb2_req *req);
NTSTATUS smb2_cmd_change_notify(struct smb2_req *req);
NTSTATUS smb2_cmd_query_info(struct smb2_req *req);
NTSTATUS smb2_cmd_set_info(struct smb2_req *req);
NTSTATUS smb2_cmd_oplock_break(struct smb2_req *req);

#endif
