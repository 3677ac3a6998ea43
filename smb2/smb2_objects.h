/* Session, tree connect, open and file tables (internal to smb2/). */
#ifndef USMBD_SMB2_OBJECTS_H
#define USMBD_SMB2_OBJECTS_H

#include "smb2/smb2_server.h"

/* Doubly linked list helpers (head->prev points at the tail). */
#define DLIST_ADD(list, p)                        \
	do {                                      \
		if (!(list)) {                    \
			(p)->prev = (p);          \
			(p)->next = NULL;         \
			(list) = (p);             \
		} else {                          \
			(p)->prev = (list)->prev; \
			(list)->prev = (p);       \
			(p)->next = (list);       \
			(list) = (p);             \
		}                                 \
	} while (0)
#define DLIST_ADD_END(list, p)                    \
	do {                                      \
		if (!(list)) {                    \
			DLIST_ADD(list, p);       \
		} else {                          \
			(p)->prev = (list)->prev; \
			(list)->prev->next = (p); \
			(list)->prev = (p);       \
			(p)->next = NULL;         \
		}                                 \
	} while (0)
#define DLIST_REMOVE(list, p)                                   \
	do {                                                    \
		if ((p) == (list)) {                            \
			if ((p)->next)                          \
				(p)->next->prev = (p)->prev;    \
			(list) = (p)->next;                     \
		} else if ((list) && (p) == (list)->prev) {     \
			(p)->prev->next = NULL;                 \
			(list)->prev = (p)->prev;               \
		} else {                                        \
			if ((p)->prev)                          \
				(p)->prev->next = (p)->next;    \
			if ((p)->next)                          \
				(p)->next->prev = (p)->prev;    \
		}                                               \
		(p)->next = (p)->prev = NULL;                   \
	} while (0)
/* same with named link fields */
#define DLIST_ADD_END_F(list, p, PREV, NEXT)                \
	do {                                                \
		if (!(list)) {                              \
			(p)->PREV = (p);                    \
			(p)->NEXT = NULL;                   \
			(list) = (p);                       \
		} else {                                    \
			(p)->PREV = (list)->PREV;           \
			(list)->PREV->NEXT = (p);           \
			(list)->PREV = (p);                 \
			(p)->NEXT = NULL;                   \
		}                                           \
	} while (0)

void smb2_server_note_users_mtime(struct smb2_server *srv);
/* Re-reads the users file when it changed on disk. */
void smb2_server_reload_users(struct smb2_server *srv);

struct smb2_session *smb2_session_new(struct smb2_conn *conn);
struct smb2_session *smb2_session_lookup(struct smb2_conn *conn, uint64_t id);

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
