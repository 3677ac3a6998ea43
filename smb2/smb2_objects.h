/* Session, tree connect, open and file tables (internal to smb2/). */
#ifndef USMBD_SMB2_OBJECTS_H
#define USMBD_SMB2_OBJECTS_H

#include "smb2/smb2_server.h"

/*
 * Doubly linked lists (head->PREV points at the tail), on the link fields
 * named PREV/NEXT so one object can sit on several lists.
 */
#define DLIST_ADD_F(list, p, PREV, NEXT)                  \
	do {                                              \
		if (!(list)) {                            \
			(p)->PREV = (p);                  \
			(p)->NEXT = NULL;                 \
		} else {                                  \
			(p)->PREV = (list)->PREV;         \
			(list)->PREV = (p);               \
			(p)->NEXT = (list);               \
		}                                         \
		(list) = (p);                             \
	} while (0)
#define DLIST_ADD_END_F(list, p, PREV, NEXT)              \
	do {                                              \
		if (!(list)) {                            \
			DLIST_ADD_F(list, p, PREV, NEXT); \
		} else {                                  \
			(p)->PREV = (list)->PREV;         \
			(list)->PREV->NEXT = (p);         \
			(list)->PREV = (p);               \
			(p)->NEXT = NULL;                 \
		}                                         \
	} while (0)
#define DLIST_REMOVE_F(list, p, PREV, NEXT)                       \
	do {                                                      \
		if ((p) == (list)) {                              \
			if ((p)->NEXT)                            \
				(p)->NEXT->PREV = (p)->PREV;      \
			(list) = (p)->NEXT;                       \
		} else if ((list) && (p) == (list)->PREV) {       \
			(p)->PREV->NEXT = NULL;                   \
			(list)->PREV = (p)->PREV;                 \
		} else {                                          \
			if ((p)->PREV)                            \
				(p)->PREV->NEXT = (p)->NEXT;      \
			if ((p)->NEXT)                            \
				(p)->NEXT->PREV = (p)->PREV;      \
		}                                                 \
		(p)->NEXT = (p)->PREV = NULL;                     \
	} while (0)
#define DLIST_ADD(list, p) DLIST_ADD_F(list, p, prev, next)
#define DLIST_ADD_END(list, p) DLIST_ADD_END_F(list, p, prev, next)
#define DLIST_REMOVE(list, p) DLIST_REMOVE_F(list, p, prev, next)

void smb2_server_note_users_mtime(struct smb2_server *srv);
/* Re-reads the users file when it changed on disk. */
void smb2_server_reload_users(struct smb2_server *srv);

struct smb2_session *smb2_session_new(struct smb2_conn *conn);
/* The session if it has a ready channel on conn, else NULL. */
struct smb2_session *smb2_session_lookup(struct smb2_conn *conn, uint64_t id);
/* Any session with that id, whatever its channels (binding). */
struct smb2_session *smb2_session_lookup_global(struct smb2_server *srv,
					       uint64_t id);
struct smb2_channel *smb2_channel_find(struct smb2_session *s,
				       struct smb2_conn *conn);
/* A new channel of s on conn (not ready until its bind completes). */
struct smb2_channel *smb2_channel_new(struct smb2_session *s,
				      struct smb2_conn *conn);
/* Removes conn's channel from s; frees s when it was the last one.
 * Returns true when s was freed. */
bool smb2_channel_drop(struct smb2_session *s, struct smb2_conn *conn);
/* The algorithm that signs for s on conn: the connection's once conn is
 * a ready channel of s (or conn is NULL: the session's own). */
enum smb2_sign_alg smb2_signing_alg_for(struct smb2_session *s,
					struct smb2_conn *conn);
/* The key that signs on conn: the channel's, or the session's. */
const uint8_t *smb2_signing_key_for(struct smb2_session *s,
				    struct smb2_conn *conn);

struct smb2_tcon *smb2_tcon_new(struct smb2_session *s,
				struct smb2_share_state *share);
struct smb2_tcon *smb2_tcon_lookup(struct smb2_session *s, uint32_t id);

/* A new open; st/relpath NULL for a pipe. Registers it with its file. */
struct smb2_open *smb2_open_new(struct smb2_tcon *t, int fd,
				const struct vfs_stat *st, const char *relpath);
struct smb2_open *smb2_open_find(struct smb2_tcon *t, uint64_t fid_p,
				 uint64_t fid_v);
struct smb2_file *smb2_file_find(struct smb2_server *srv, uint64_t dev,
				 uint64_t ino);
struct smb2_file *smb2_file_find_path(struct smb2_server *srv,
				      const struct smb2_share_state *share,
				      const char *relpath);

/*
 * A weak reference to an open for an operation that finishes later (READ,
 * WRITE on the thread pool): closing the open clears ->open, so completion
 * can tell whether the open is still there. Main thread only.
 */
struct smb2_open_watch {
	struct smb2_open_watch *prev, *next;
	struct smb2_open *open;
};
void smb2_open_watch(struct smb2_open_watch *w, struct smb2_open *o);
void smb2_open_unwatch(struct smb2_open_watch *w);

/*
 * An fd shared between an open and the I/O jobs running on it, so closing
 * the open while a worker still reads never closes (or reuses) the fd
 * under the worker. Main thread only.
 */
struct smb2_fdref {
	int fd;
	unsigned refs;
};
struct smb2_fdref *smb2_fdref_new(int fd);
struct smb2_fdref *smb2_fdref_get(struct smb2_fdref *r);
void smb2_fdref_put(struct smb2_fdref *r);

#endif
