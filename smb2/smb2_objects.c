/*
 * Server-wide tables: sessions, tree connects, opens and the per-inode file
 * objects that carry share modes and delete-pending state.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "conf/log.h"
#include "smb2/brlock.h"
#include "smb2/durable.h"
#include "smb2/notify.h"
#include "smb2/smb2_objects.h"
#include "vfs/unicode.h"

static int server_destructor(struct smb2_server *srv)
{
	/* sessions first: their opens need the file table and vfs */
	while (srv->sessions)
		talloc_free(srv->sessions);
	smb2_durable_server_end(srv);
	return 0;
}

struct smb2_server *smb2_server_new(TALLOC_CTX *mem_ctx,
				    struct tevent_context *ev,
				    const struct usmbd_conf *conf)
{
	struct smb2_server *srv = talloc_zero(mem_ctx, struct smb2_server);
	char *err = NULL;

	if (!srv)
		return NULL;
	srv->ev = ev;
	srv->conf = conf;
	srv->next_session_id = 1;
	srv->next_persistent_id = 1;
	uuid_generate(srv->server_guid);
	srv->start_time = nttime_now();
	if (users_load(srv, conf->users_file, &srv->users, &err) != 0) {
		LOG_ERR("users file: %s", err ? err : conf->users_file);
		talloc_free(srv);
		return NULL;
	}
	smb2_server_note_users_mtime(srv);
	srv->tp = threadpool_create(srv, ev, conf->io_threads);
	if (!srv->tp) {
		talloc_free(srv);
		return NULL;
	}
	srv->shares = talloc_zero_array(srv, struct smb2_share_state,
					conf->n_shares);
	srv->n_shares = conf->n_shares;
	for (size_t i = 0; i < conf->n_shares; i++) {
		const struct conf_share *cs = &conf->shares[i];
		srv->shares[i].conf = cs;
		if (cs->is_ipc)
			continue;
		int rc = vfs_share_open(srv, cs->path, &srv->shares[i].vfs);
		if (rc != 0) {
			LOG_ERR("share [%s]: cannot open path %s: %s", cs->name,
				cs->path, strerror(-rc));
			talloc_free(srv);
			return NULL;
		}
	}
	talloc_set_destructor(srv, server_destructor);
	return srv;
}

void smb2_server_note_users_mtime(struct smb2_server *srv)
{
	struct stat st;
	srv->users_mtime = 0;
	if (stat(srv->conf->users_file, &st) == 0)
		srv->users_mtime = (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
				   (uint64_t)st.st_mtim.tv_nsec;
}

void smb2_server_reload_users(struct smb2_server *srv)
{
	struct stat st;
	uint64_t mtime = 0;
	struct usmbd_users *users = NULL;
	char *err = NULL;

	if (stat(srv->conf->users_file, &st) == 0)
		mtime = (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
			(uint64_t)st.st_mtim.tv_nsec;
	if (mtime == srv->users_mtime)
		return;
	if (users_load(srv, srv->conf->users_file, &users, &err) != 0) {
		LOG_WARN("users file reload failed, keeping the old list: %s",
			 err ? err : "");
		talloc_free(err);
		return;
	}
	talloc_free(srv->users);
	srv->users = users;
	srv->users_mtime = mtime;
	LOG_INFO("users file reloaded: %zu users", users->n_users);
}

/* ---- sessions and channels ---- */

static int channel_destructor(struct smb2_channel *ch)
{
	struct smb2_session *s = ch->session;

	DLIST_REMOVE(s->channels, ch);
	s->n_channels--;
	ch->conn->n_sessions--;
	if (s->conn == ch->conn)
		s->conn = s->channels ? s->channels->conn : NULL;
	return 0;
}

struct smb2_channel *smb2_channel_new(struct smb2_session *s,
				      struct smb2_conn *conn)
{
	struct smb2_channel *ch = talloc_zero(s, struct smb2_channel);

	if (!ch)
		return NULL;
	ch->session = s;
	ch->conn = conn;
	memcpy(ch->preauth_hash, conn->preauth_hash, sizeof(ch->preauth_hash));
	DLIST_ADD_END(s->channels, ch);
	s->n_channels++;
	conn->n_sessions++;
	if (!s->conn)
		s->conn = conn;
	talloc_set_destructor(ch, channel_destructor);
	return ch;
}

struct smb2_channel *smb2_channel_find(struct smb2_session *s,
				       struct smb2_conn *conn)
{
	for (struct smb2_channel *ch = s->channels; ch; ch = ch->next)
		if (ch->conn == conn)
			return ch;
	return NULL;
}

bool smb2_channel_drop(struct smb2_session *s, struct smb2_conn *conn)
{
	struct smb2_channel *ch = smb2_channel_find(s, conn);
	bool others = false;

	if (!ch)
		return false;
	for (struct smb2_channel *c = s->channels; c; c = c->next)
		if (c != ch && c->ready)
			others = true;
	if (!others) {
		talloc_free(s);
		return true;
	}
	talloc_free(ch);
	return false;
}

enum smb2_sign_alg smb2_signing_alg_for(struct smb2_session *s,
					struct smb2_conn *conn)
{
	struct smb2_channel *ch = conn ? smb2_channel_find(s, conn) : NULL;

	if (s->dialect < SMB2_DIALECT_300)
		return SMB2_SIGN_HMAC_SHA256;
	if (ch && ch->ready)
		return conn->sign_alg;
	return s->conn ? s->conn->sign_alg : SMB2_SIGN_AES_CMAC;
}

const uint8_t *smb2_signing_key_for(struct smb2_session *s,
				    struct smb2_conn *conn)
{
	struct smb2_channel *ch;

	if (s->dialect >= SMB2_DIALECT_300 &&
	    (ch = smb2_channel_find(s, conn)) != NULL && ch->ready)
		return ch->signing_key;
	return s->keys.signing;
}

static int session_destructor(struct smb2_session *s)
{
	while (s->tcons)
		talloc_free(s->tcons);
	while (s->channels)
		talloc_free(s->channels);
	DLIST_REMOVE(s->srv->sessions, s);
	return 0;
}

struct smb2_session *smb2_session_new(struct smb2_conn *conn)
{
	struct smb2_server *srv = conn->srv;
	struct smb2_session *s = talloc_zero(srv, struct smb2_session);
	struct smb2_channel *ch;

	if (!s)
		return NULL;
	s->srv = srv;
	s->id = srv->next_session_id++;
	s->state = SMB2_SESSION_IN_PROGRESS;
	s->dialect = conn->dialect;
	s->next_tree_id = 1;
	memcpy(s->client_guid, conn->client_guid, sizeof(s->client_guid));
	memcpy(s->preauth_hash, conn->preauth_hash, sizeof(s->preauth_hash));
	DLIST_ADD(srv->sessions, s);
	talloc_set_destructor(s, session_destructor);
	ch = smb2_channel_new(s, conn);
	if (!ch) {
		talloc_free(s);
		return NULL;
	}
	ch->ready = true; /* the session's own connection */
	return s;
}

struct smb2_session *smb2_session_lookup(struct smb2_conn *conn, uint64_t id)
{
	for (struct smb2_session *s = conn->srv->sessions; s; s = s->next) {
		if (s->id != id)
			continue;
		struct smb2_channel *ch = smb2_channel_find(s, conn);
		return ch && ch->ready ? s : NULL;
	}
	return NULL;
}

struct smb2_session *smb2_session_lookup_global(struct smb2_server *srv,
					       uint64_t id)
{
	for (struct smb2_session *s = srv->sessions; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

/* ---- tree connects ---- */

static int tcon_destructor(struct smb2_tcon *t)
{
	while (t->opens)
		talloc_free(t->opens);
	DLIST_REMOVE(t->session->tcons, t);
	return 0;
}

struct smb2_tcon *smb2_tcon_new(struct smb2_session *s,
				struct smb2_share_state *share)
{
	struct smb2_tcon *t = talloc_zero(s, struct smb2_tcon);
	if (!t)
		return NULL;
	t->session = s;
	t->id = s->next_tree_id++;
	t->share = share;
	t->is_ipc = share->conf->is_ipc;
	t->read_only = share->conf->read_only;
	t->next_volatile_id = 1;
	DLIST_ADD(s->tcons, t);
	talloc_set_destructor(t, tcon_destructor);
	return t;
}

struct smb2_tcon *smb2_tcon_lookup(struct smb2_session *s, uint32_t id)
{
	for (struct smb2_tcon *t = s->tcons; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

/* ---- files and opens ---- */

struct smb2_file *smb2_file_find(struct smb2_server *srv, uint64_t dev,
				 uint64_t ino)
{
	for (struct smb2_file *f = srv->files; f; f = f->next)
		if (f->dev == dev && f->ino == ino)
			return f;
	return NULL;
}

struct smb2_file *smb2_file_find_path(struct smb2_server *srv,
				      const struct smb2_share_state *share,
				      const char *relpath)
{
	for (struct smb2_file *f = srv->files; f; f = f->next)
		if (f->share == share && name_equal_ci(f->relpath, relpath))
			return f;
	return NULL;
}

static int file_destructor(struct smb2_file *f)
{
	DLIST_REMOVE(f->srv->files, f);
	return 0;
}

static struct smb2_file *file_get(struct smb2_server *srv,
				  struct smb2_share_state *share,
				  const struct vfs_stat *st, const char *relpath)
{
	struct smb2_file *f = smb2_file_find(srv, st->dev, st->file_id);
	if (f)
		return f;
	f = talloc_zero(srv, struct smb2_file);
	if (!f)
		return NULL;
	f->srv = srv;
	f->dev = st->dev;
	f->ino = st->file_id;
	f->share = share;
	f->relpath = talloc_strdup(f, relpath);
	if (!f->relpath) {
		talloc_free(f);
		return NULL;
	}
	DLIST_ADD(srv->files, f);
	talloc_set_destructor(f, file_destructor);
	return f;
}

/*
 * Last close of a file that is delete-pending removes it (MS-FSA 2.1.5.4).
 */
static void file_last_close(struct smb2_file *f, bool is_dir)
{
	if (f->delete_pending && f->share && f->share->vfs) {
		int rc = vfs_unlink(f->share->vfs, f->relpath, is_dir);
		if (rc != 0)
			LOG_WARN("delete on close of %s failed: %s", f->relpath,
				 strerror(-rc));
	}
	talloc_free(f);
}

static int open_destructor(struct smb2_open *o)
{
	struct smb2_file *f = o->file;

	while (o->watches) {
		struct smb2_open_watch *w = o->watches;
		DLIST_REMOVE(o->watches, w);
		w->open = NULL;
	}
	DLIST_REMOVE(o->tcon->opens, o);
	o->tcon->session->n_opens--;
	if (o->fdref)
		smb2_fdref_put(o->fdref);
	else if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (f) {
		smb2_brlock_open_closing(o);
		if (o->delete_on_close)
			f->delete_pending = true;
		DLIST_REMOVE_F(f->opens, o, file_prev, file_next);
		f->n_opens--;
		o->file = NULL;
		if (f->n_opens == 0)
			file_last_close(f, o->is_dir);
		else if (f->delete_pending && o->is_dir)
			smb2_notify_delete_pending(f);
	}
	return 0;
}

struct smb2_open *smb2_open_new(struct smb2_tcon *t, int fd,
				const struct vfs_stat *st, const char *relpath)
{
	struct smb2_open *o = talloc_zero(t, struct smb2_open);
	if (!o)
		return NULL;
	o->tcon = t;
	o->fd = fd;
	if (fd >= 0) {
		o->fdref = smb2_fdref_new(fd);
		if (!o->fdref) {
			close(fd);
			talloc_free(o);
			return NULL;
		}
	}
	o->persistent_id = t->session->srv->next_persistent_id++;
	o->volatile_id = t->next_volatile_id++;
	if (st) {
		o->file = file_get(t->session->srv, t->share, st, relpath);
		if (!o->file) {
			talloc_free(o);
			return NULL;
		}
		o->is_dir = st->is_dir;
		DLIST_ADD_END_F(o->file->opens, o, file_prev, file_next);
		o->file->n_opens++;
	}
	DLIST_ADD(t->opens, o);
	t->session->n_opens++;
	talloc_set_destructor(o, open_destructor);
	return o;
}

struct smb2_open *smb2_open_find(struct smb2_tcon *t, uint64_t fid_p,
				 uint64_t fid_v)
{
	for (struct smb2_open *o = t->opens; o; o = o->next)
		if (o->volatile_id == fid_v && o->persistent_id == fid_p)
			return o;
	return NULL;
}

void smb2_open_watch(struct smb2_open_watch *w, struct smb2_open *o)
{
	w->open = o;
	DLIST_ADD(o->watches, w);
}

void smb2_open_unwatch(struct smb2_open_watch *w)
{
	if (!w->open)
		return;
	DLIST_REMOVE(w->open->watches, w);
	w->open = NULL;
}

const char *smb2_open_relpath(const struct smb2_open *o)
{
	return o->file ? o->file->relpath : ".";
}

struct smb2_fdref *smb2_fdref_new(int fd)
{
	struct smb2_fdref *r = talloc_zero(NULL, struct smb2_fdref);
	if (!r)
		return NULL;
	r->fd = fd;
	r->refs = 1;
	return r;
}

struct smb2_fdref *smb2_fdref_get(struct smb2_fdref *r)
{
	r->refs++;
	return r;
}

void smb2_fdref_put(struct smb2_fdref *r)
{
	if (--r->refs > 0)
		return;
	close(r->fd);
	talloc_free(r);
}
