/*
 * CHANGE_NOTIFY plumbing (MS-SMB2 3.3.5.19, MS-FSA 2.1.5.10).
 *
 * One inotify instance per server; its fd is read from the tevent loop.
 * The kernel hands out one watch descriptor per inode, so a kernel watch
 * (notify_kwatch) is shared by every directory of every open that watches
 * that inode (notify_dir). A WATCH_TREE open watches its subdirectories
 * too, adding watches as directories appear (bounded in count and depth).
 * Changes are buffered per open between requests; a buffer that outgrows
 * the first request's OutputBufferLength is dropped and the next request
 * answers STATUS_NOTIFY_ENUM_DIR.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/log.h"
#include "smb2/notify.h"
#include "smb2/smb2_dispatch.h"
#include "smb2/smb2_objects.h"
#include "vfs/unicode.h"

/* IN_OPEN and IN_CLOSE report nothing themselves: they mark where one
 * open of a file ends, so the kernel never merges the IN_ATTRIB of a
 * creation with that of a later SET_INFO, and created_by_open() can tell
 * them apart. */
#define NOTIFY_IN_MASK                                                  \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | \
	 IN_MODIFY | IN_OPEN | IN_CLOSE | IN_ONLYDIR | IN_EXCL_UNLINK)
#define NOTIFY_BUFFER_CAP (64 * 1024) /* bytes of changes one open keeps */
#define NOTIFY_MAX_DIRS 1024	      /* directories of one WATCH_TREE */
#define NOTIFY_MAX_DEPTH 32
#define NOTIFY_READ_SIZE 65536
#define NOTIFY_MAX_EVENTS (NOTIFY_READ_SIZE / sizeof(struct inotify_event))
/* how far back an IN_ATTRIB looks for the IN_CREATE of the same name */
#define NOTIFY_CREATE_LOOKBACK 64

/* What an IN_ATTRIB may stand for: mode, times, or an xattr (DOS
 * attributes, EAs, ACLs); inotify does not say which. */
#define FILTER_ATTRIB                                                     \
	(FILE_NOTIFY_CHANGE_ATTRIBUTES | FILE_NOTIFY_CHANGE_LAST_WRITE |  \
	 FILE_NOTIFY_CHANGE_LAST_ACCESS | FILE_NOTIFY_CHANGE_CREATION |   \
	 FILE_NOTIFY_CHANGE_EA | FILE_NOTIFY_CHANGE_SECURITY)

/* One inotify event, its name pointing into the read buffer. */
struct raw_event {
	int wd;
	uint32_t mask, cookie;
	const char *name;
};

struct smb2_notify_ctx {
	struct smb2_server *srv;
	int fd;
	struct tevent_fd *fde;
	struct notify_kwatch *kwatches;
	uint8_t *buf;		  /* one read() of events */
	struct raw_event *events; /* ... parsed */
	/* the loop's trace callback this one chains to */
	tevent_trace_callback_t prev_trace;
	void *prev_trace_private;
};

/* One kernel watch (one inode) and the directories that use it. */
struct notify_kwatch {
	struct notify_kwatch *prev, *next;
	struct smb2_notify_ctx *ctx;
	int wd;
	struct notify_dir *users; /* via wprev/wnext */
};

/* One directory one open watches. */
struct notify_dir {
	struct notify_dir *prev, *next;	  /* in the open's list */
	struct notify_dir *wprev, *wnext; /* in the kernel watch's users */
	struct smb2_notify_open *owner;
	struct notify_kwatch *kw; /* NULL once the kernel dropped it */
	char *relpath;		  /* "" for the open's directory, "a/b" */
};

/* A CHANGE_NOTIFY request waiting for a change. */
struct notify_waiter {
	struct notify_waiter *prev, *next;
	struct smb2_notify_open *owner; /* NULL once taken off the list */
	struct smb2_req *req;
	uint32_t max_len;
};

struct smb2_notify_open {
	struct smb2_notify_ctx *ctx;
	struct smb2_open *open;
	uint32_t filter;
	bool recursive;
	uint32_t max_len;
	struct notify_dir *dirs;
	unsigned n_dirs;
	struct notify_change *changes;
	size_t n_changes;
	size_t bytes; /* encoded size of changes, all entries padded */
	bool overflowed;
	bool dirty; /* got changes in the batch being read */
	struct notify_waiter *waiters;
};

/* ---- pure parts ---- */

bool notify_map_event(uint32_t in_mask, uint32_t *action, uint32_t *filter)
{
	uint32_t name_filter = (in_mask & IN_ISDIR)
				       ? FILE_NOTIFY_CHANGE_DIR_NAME
				       : FILE_NOTIFY_CHANGE_FILE_NAME;

	if (in_mask & (IN_Q_OVERFLOW | IN_IGNORED | IN_UNMOUNT))
		return false;
	if (in_mask & (IN_CREATE | IN_MOVED_TO)) {
		*action = FILE_ACTION_ADDED;
		*filter = name_filter;
	} else if (in_mask & (IN_DELETE | IN_MOVED_FROM)) {
		*action = FILE_ACTION_REMOVED;
		*filter = name_filter;
	} else if (in_mask & IN_ATTRIB) {
		/* every filter one of its causes falls under */
		*action = FILE_ACTION_MODIFIED;
		*filter = FILTER_ATTRIB;
	} else if (in_mask & IN_MODIFY) {
		*action = FILE_ACTION_MODIFIED;
		*filter = FILE_NOTIFY_CHANGE_SIZE |
			  FILE_NOTIFY_CHANGE_LAST_WRITE;
	} else {
		return false;
	}
	return true;
}

void notify_rename_actions(bool same_dir, uint32_t *old_action,
			   uint32_t *new_action)
{
	*old_action = same_dir ? FILE_ACTION_RENAMED_OLD_NAME
			       : FILE_ACTION_REMOVED;
	*new_action = same_dir ? FILE_ACTION_RENAMED_NEW_NAME
			       : FILE_ACTION_ADDED;
}

size_t notify_entry_size(const char *name)
{
	long n = utf8_utf16_len(name);

	if (n < 0 || (size_t)n > UINT32_MAX - NOTIFY_INFO_FIXED_SIZE - 3)
		return 0;
	return NOTIFY_INFO_FIXED_SIZE + (size_t)n;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

int notify_encode(TALLOC_CTX *mem_ctx, const struct notify_change *changes,
		  size_t n, uint32_t max_len, uint8_t **out, size_t *out_len)
{
	size_t total = 0, off = 0;
	uint8_t *buf;

	for (size_t i = 0; i < n; i++) {
		size_t sz = notify_entry_size(changes[i].name);
		if (sz == 0)
			return -EILSEQ;
		total = (i + 1 < n) ? total + pad4(sz) : total + sz;
		if (total > max_len)
			return -EOVERFLOW;
	}
	buf = talloc_zero_array(mem_ctx, uint8_t, total ? total : 1);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint8_t *name16;
		size_t len16, sz;

		if (utf8_to_utf16le(buf, changes[i].name, &name16, &len16)) {
			talloc_free(buf);
			return -EILSEQ;
		}
		sz = NOTIFY_INFO_FIXED_SIZE + len16;
		put_le32(buf + off, i + 1 < n ? (uint32_t)pad4(sz) : 0);
		put_le32(buf + off + 4, changes[i].action);
		put_le32(buf + off + 8, (uint32_t)len16);
		memcpy(buf + off + NOTIFY_INFO_FIXED_SIZE, name16, len16);
		talloc_free(name16);
		off += pad4(sz);
	}
	*out = buf;
	*out_len = total;
	return 0;
}

/* ---- kernel watches ---- */

static void ctx_readable(struct tevent_context *ev, struct tevent_fd *fde,
			 uint16_t flags, void *private_data);
static void ctx_trace(enum tevent_trace_point point, void *private_data);

static int ctx_destructor(struct smb2_notify_ctx *ctx)
{
	tevent_trace_callback_t cb;
	void *cb_private;

	tevent_get_trace_callback(ctx->srv->ev, &cb, &cb_private);
	if (cb == ctx_trace && cb_private == ctx)
		tevent_set_trace_callback(ctx->srv->ev, ctx->prev_trace,
					  ctx->prev_trace_private);
	TALLOC_FREE(ctx->fde);
	if (ctx->fd >= 0)
		close(ctx->fd);
	ctx->srv->notify = NULL;
	return 0;
}

static struct smb2_notify_ctx *ctx_get(struct smb2_server *srv)
{
	struct smb2_notify_ctx *ctx = srv->notify;

	if (ctx)
		return ctx;
	ctx = talloc_zero(srv, struct smb2_notify_ctx);
	if (!ctx)
		return NULL;
	ctx->srv = srv;
	ctx->buf = talloc_array(ctx, uint8_t, NOTIFY_READ_SIZE);
	ctx->events = talloc_array(ctx, struct raw_event, NOTIFY_MAX_EVENTS);
	ctx->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (!ctx->buf || !ctx->events || ctx->fd < 0) {
		LOG_WARN("change notify unavailable: inotify: %s",
			 strerror(errno));
		if (ctx->fd >= 0)
			close(ctx->fd);
		talloc_free(ctx);
		return NULL;
	}
	ctx->fde = tevent_add_fd(srv->ev, ctx, ctx->fd, TEVENT_FD_READ,
				 ctx_readable, ctx);
	if (!ctx->fde) {
		close(ctx->fd);
		talloc_free(ctx);
		return NULL;
	}
	tevent_get_trace_callback(srv->ev, &ctx->prev_trace,
				  &ctx->prev_trace_private);
	tevent_set_trace_callback(srv->ev, ctx_trace, ctx);
	srv->notify = ctx;
	talloc_set_destructor(ctx, ctx_destructor);
	return ctx;
}

static struct notify_kwatch *kwatch_find(struct smb2_notify_ctx *ctx, int wd)
{
	for (struct notify_kwatch *kw = ctx->kwatches; kw; kw = kw->next)
		if (kw->wd == wd)
			return kw;
	return NULL;
}

static int kwatch_destructor(struct notify_kwatch *kw)
{
	DLIST_REMOVE(kw->ctx->kwatches, kw);
	return 0;
}

/* The kernel watch of the directory open as fd (added if new). */
static struct notify_kwatch *kwatch_get(struct smb2_notify_ctx *ctx, int fd)
{
	char path[64];
	struct notify_kwatch *kw;
	int wd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	wd = inotify_add_watch(ctx->fd, path, NOTIFY_IN_MASK);
	if (wd < 0) {
		LOG_DBG("inotify_add_watch: %s", strerror(errno));
		return NULL;
	}
	kw = kwatch_find(ctx, wd);
	if (kw)
		return kw;
	kw = talloc_zero(ctx, struct notify_kwatch);
	if (!kw) {
		inotify_rm_watch(ctx->fd, wd);
		return NULL;
	}
	kw->ctx = ctx;
	kw->wd = wd;
	DLIST_ADD(ctx->kwatches, kw);
	talloc_set_destructor(kw, kwatch_destructor);
	return kw;
}

static void dir_detach(struct notify_dir *d)
{
	struct notify_kwatch *kw = d->kw;

	if (!kw)
		return;
	DLIST_REMOVE_F(kw->users, d, wprev, wnext);
	d->kw = NULL;
	if (!kw->users) {
		inotify_rm_watch(kw->ctx->fd, kw->wd);
		talloc_free(kw);
	}
}

static int dir_destructor(struct notify_dir *d)
{
	dir_detach(d);
	DLIST_REMOVE(d->owner->dirs, d);
	d->owner->n_dirs--;
	return 0;
}

/* The kernel dropped the watch (directory removed): subdirectories stop
 * being watched, the open's own directory keeps its (now quiet) entry. */
static void kwatch_gone(struct notify_kwatch *kw)
{
	while (kw->users) {
		struct notify_dir *d = kw->users;
		DLIST_REMOVE_F(kw->users, d, wprev, wnext);
		d->kw = NULL;
		if (d->relpath[0])
			talloc_free(d);
	}
	talloc_free(kw);
}

static bool owner_watches(struct smb2_notify_open *no, struct notify_kwatch *kw)
{
	for (struct notify_dir *d = kw->users; d; d = d->wnext)
		if (d->owner == no)
			return true;
	return false;
}

/* Opens relpath beneath the open's directory without following links. */
static int open_subdir(int base_fd, const char *relpath)
{
	char *copy = strdup(relpath), *save = NULL, *comp;
	int cur = -1, fd;

	if (!copy)
		return -ENOMEM;
	for (comp = strtok_r(copy, "/", &save); comp;
	     comp = strtok_r(NULL, "/", &save)) {
		fd = openat(cur >= 0 ? cur : base_fd, comp,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cur >= 0)
			close(cur);
		if (fd < 0) {
			free(copy);
			return -errno;
		}
		cur = fd;
	}
	free(copy);
	fd = openat(cur >= 0 ? cur : base_fd, ".",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cur >= 0)
		close(cur);
	return fd < 0 ? -errno : fd;
}

static char *join_path(TALLOC_CTX *mem_ctx, const char *dir, const char *name)
{
	return dir[0] ? talloc_asprintf(mem_ctx, "%s/%s", dir, name)
		      : talloc_strdup(mem_ctx, name);
}

/* Adds the directory open as fd under relpath; false when it cannot. */
static bool dir_add(struct smb2_notify_open *no, const char *relpath, int fd)
{
	struct notify_kwatch *kw = kwatch_get(no->ctx, fd);
	struct notify_dir *d;

	if (!kw)
		return false;
	if (owner_watches(no, kw))
		return true; /* seen already (a scan raced an event) */
	d = talloc_zero(no, struct notify_dir);
	if (d)
		d->relpath = talloc_strdup(d, relpath);
	if (!d || !d->relpath) {
		talloc_free(d);
		if (!kw->users) {
			inotify_rm_watch(no->ctx->fd, kw->wd);
			talloc_free(kw);
		}
		return false;
	}
	d->owner = no;
	d->kw = kw;
	DLIST_ADD_END_F(kw->users, d, wprev, wnext);
	DLIST_ADD_END(no->dirs, d);
	no->n_dirs++;
	talloc_set_destructor(d, dir_destructor);
	return true;
}

static bool is_subdir_entry(int dfd, const struct dirent *de)
{
	struct stat st;

	if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
		return false;
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISDIR(st.st_mode);
}

/* Watches relpath and, for WATCH_TREE, the directories beneath it. */
static void watch_tree(struct smb2_notify_open *no, const char *relpath,
		       unsigned depth)
{
	DIR *dir;
	struct dirent *de;
	int fd;

	if (no->n_dirs >= NOTIFY_MAX_DIRS || depth > NOTIFY_MAX_DEPTH)
		return;
	fd = open_subdir(no->open->fd, relpath);
	if (fd < 0)
		return;
	if (!dir_add(no, relpath, fd) || !no->recursive) {
		close(fd);
		return;
	}
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((de = readdir(dir)) && no->n_dirs < NOTIFY_MAX_DIRS) {
		char *sub;
		if (!is_subdir_entry(dirfd(dir), de))
			continue;
		sub = join_path(no, relpath, de->d_name);
		if (sub)
			watch_tree(no, sub, depth + 1);
		talloc_free(sub);
	}
	closedir(dir);
}

/* Stops watching relpath and everything beneath it. */
static void unwatch_tree(struct smb2_notify_open *no, const char *relpath)
{
	size_t len = strlen(relpath);
	struct notify_dir *d, *next;

	for (d = no->dirs; d; d = next) {
		next = d->next;
		if (d->relpath[0] && strncmp(d->relpath, relpath, len) == 0 &&
		    (d->relpath[len] == '\0' || d->relpath[len] == '/'))
			talloc_free(d);
	}
}

/* ---- buffering and answering ---- */

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void buffer_reset(struct smb2_notify_open *no)
{
	TALLOC_FREE(no->changes);
	no->n_changes = 0;
	no->bytes = 0;
}

static void add_change(struct smb2_notify_open *no, uint32_t action,
		       uint32_t filter, const char *relpath)
{
	struct notify_change *c;
	char *name;
	size_t sz;

	if (!(filter & no->filter) || no->overflowed)
		return;
	name = talloc_strdup(no, relpath);
	if (!name)
		return;
	for (char *p = name; *p; p++)
		if (*p == '/')
			*p = '\\';
	/* a burst of writes is one change, not one per write */
	if (no->n_changes &&
	    no->changes[no->n_changes - 1].action == action &&
	    strcmp(no->changes[no->n_changes - 1].name, name) == 0) {
		talloc_free(name);
		return;
	}
	sz = notify_entry_size(name);
	no->dirty = true;
	if (sz == 0 || no->bytes + sz >
			       min_u32(no->max_len, NOTIFY_BUFFER_CAP)) {
		talloc_free(name);
		buffer_reset(no);
		no->overflowed = true;
		return;
	}
	c = talloc_realloc(no, no->changes, struct notify_change,
			   no->n_changes + 1);
	if (!c) {
		talloc_free(name);
		buffer_reset(no);
		no->overflowed = true;
		return;
	}
	no->changes = c;
	c[no->n_changes].action = action;
	c[no->n_changes].name = talloc_steal(c, name);
	no->n_changes++;
	no->bytes += pad4(sz);
}

/* CHANGE_NOTIFY response (MS-SMB2 2.2.36) with the buffered changes, or
 * STATUS_NOTIFY_ENUM_DIR when they do not fit. */
static NTSTATUS answer(struct smb2_notify_open *no, struct smb2_req *req,
		       uint32_t max_len)
{
	uint8_t *data = NULL;
	size_t len = 0;
	bool overflowed = no->overflowed;
	int rc = 0;

	if (!overflowed)
		rc = notify_encode(req, no->changes, no->n_changes,
				   min_u32(max_len, no->max_len), &data, &len);
	buffer_reset(no);
	no->overflowed = false;
	if (overflowed || rc == -EOVERFLOW)
		return NT_STATUS_NOTIFY_ENUM_DIR;
	if (rc != 0)
		return NT_STATUS_NO_MEMORY;
	wire_wr_u16(&req->out, 9);
	wire_wr_u16(&req->out, SMB2_HDR_SIZE + 8);
	wire_wr_u32(&req->out, (uint32_t)len);
	wire_wr_bytes(&req->out, data, len);
	talloc_free(data);
	return req->out.err ? NT_STATUS_NO_MEMORY : NT_STATUS_OK;
}

/* Takes w off its open's list; the request is the caller's to finish. */
static void waiter_unlink(struct notify_waiter *w)
{
	if (!w->owner)
		return;
	DLIST_REMOVE(w->owner->waiters, w);
	w->owner = NULL;
	w->req->cancel_fn = NULL;
	w->req->cancel_private = NULL;
}

static void complete_all(struct smb2_notify_open *no, NTSTATUS status)
{
	while (no->waiters) {
		struct notify_waiter *w = no->waiters;
		struct smb2_req *req = w->req;
		waiter_unlink(w);
		smb2_req_complete(req, status);
	}
}

static void deliver(struct smb2_notify_open *no)
{
	while (no->waiters && (no->n_changes || no->overflowed)) {
		struct notify_waiter *w = no->waiters;
		struct smb2_req *req = w->req;
		uint32_t max_len = w->max_len;
		waiter_unlink(w);
		smb2_req_complete(req, answer(no, req, max_len));
	}
}

/* ---- reading events ---- */

/* Whether IN_ATTRIB event i comes from the open that created the file
 * (its DOS attributes and times set on creation): an IN_CREATE of the
 * name with no close of it in between. */
static bool created_by_open(const struct raw_event *ev, size_t i)
{
	size_t stop = i > NOTIFY_CREATE_LOOKBACK ? i - NOTIFY_CREATE_LOOKBACK
						 : 0;
	for (size_t j = i; j-- > stop;) {
		if (ev[j].wd != ev[i].wd || strcmp(ev[j].name, ev[i].name))
			continue;
		if (ev[j].mask & IN_CREATE)
			return true;
		if (ev[j].mask & (IN_CLOSE | IN_MOVED_TO | IN_DELETE))
			return false;
	}
	return false;
}

/* Whether IN_ATTRIB event i is the link count of a file being unlinked:
 * the next event about the name is its IN_DELETE, with no open or close
 * in between. A removal, not a modification. */
static bool unlinked_with(const struct raw_event *ev, size_t n, size_t i)
{
	for (size_t j = i + 1; j < n && j <= i + NOTIFY_CREATE_LOOKBACK; j++) {
		if (ev[j].wd != ev[i].wd || strcmp(ev[j].name, ev[i].name))
			continue;
		return ev[j].mask & IN_DELETE;
	}
	return false;
}

/* The directory of this open the other half (peer_mask) of rename event i
 * happened in, and that half's index; NULL when this open did not see it. */
static struct notify_dir *rename_peer(struct smb2_notify_open *no,
				      const struct raw_event *ev, size_t n,
				      size_t i, uint32_t peer_mask,
				      size_t *peer)
{
	size_t from = peer_mask == IN_MOVED_TO ? i + 1 : 0;
	size_t to = peer_mask == IN_MOVED_TO ? n : i;

	for (size_t j = from; j < to; j++) {
		struct notify_kwatch *kw;
		if (!(ev[j].mask & peer_mask) || ev[j].cookie != ev[i].cookie)
			continue;
		kw = kwatch_find(no->ctx, ev[j].wd);
		for (struct notify_dir *d = kw ? kw->users : NULL; d;
		     d = d->wnext)
			if (d->owner == no) {
				*peer = j;
				return d;
			}
	}
	return NULL;
}

static void rename_event(struct notify_dir *d, const struct raw_event *ev,
			 size_t n, size_t i, const char *name)
{
	struct smb2_notify_open *no = d->owner;
	bool is_dir = ev[i].mask & IN_ISDIR;
	uint32_t nf = is_dir ? FILE_NOTIFY_CHANGE_DIR_NAME
			     : FILE_NOTIFY_CHANGE_FILE_NAME;
	uint32_t a_old, a_new;
	struct notify_dir *peer;
	const char *new_name = name;
	size_t j;

	if (ev[i].mask & IN_MOVED_FROM) {
		peer = rename_peer(no, ev, n, i, IN_MOVED_TO, &j);
		if (!peer) {
			add_change(no, FILE_ACTION_REMOVED, nf, name);
			return;
		}
		notify_rename_actions(peer == d, &a_old, &a_new);
		new_name = join_path(no, peer->relpath, ev[j].name);
		if (!new_name)
			return;
		add_change(no, a_old, nf, name);
		add_change(no, a_new, nf, new_name);
	} else {
		/* reported with its IN_MOVED_FROM when this open saw it */
		if (rename_peer(no, ev, n, i, IN_MOVED_FROM, &j))
			return;
		add_change(no, FILE_ACTION_ADDED, nf, name);
	}
	/* Windows adds a MODIFIED of the new name when a file (not a
	 * directory) is renamed; clients count on it */
	if (!is_dir)
		add_change(no, FILE_ACTION_MODIFIED,
			   FILE_NOTIFY_CHANGE_ATTRIBUTES |
				   FILE_NOTIFY_CHANGE_CREATION,
			   new_name);
	if (new_name != name)
		talloc_free((char *)new_name);
}

static void dir_event(struct notify_dir *d, const struct raw_event *ev,
		      size_t n, size_t i)
{
	struct smb2_notify_open *no = d->owner;
	uint32_t mask = ev[i].mask, action, filter;
	char *name = join_path(no, d->relpath, ev[i].name);

	if (!name)
		return;
	if (no->recursive && (mask & IN_ISDIR)) {
		if (mask & (IN_CREATE | IN_MOVED_TO))
			watch_tree(no, name, 1);
		else if (mask & (IN_DELETE | IN_MOVED_FROM))
			unwatch_tree(no, name);
	}
	if (mask & (IN_MOVED_FROM | IN_MOVED_TO))
		rename_event(d, ev, n, i, name);
	else if (!((mask & IN_ATTRIB) && (created_by_open(ev, i) ||
					    unlinked_with(ev, n, i))) &&
		 notify_map_event(mask, &action, &filter))
		add_change(no, action, filter, name);
	talloc_free(name);
}

static void mark_all_overflowed(struct smb2_notify_ctx *ctx)
{
	for (struct notify_kwatch *kw = ctx->kwatches; kw; kw = kw->next)
		for (struct notify_dir *d = kw->users; d; d = d->wnext) {
			buffer_reset(d->owner);
			d->owner->overflowed = true;
			d->owner->dirty = true;
		}
}

static void handle_batch(struct smb2_notify_ctx *ctx,
			 const struct raw_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct notify_kwatch *kw;
		struct notify_dir *d, *next;

		if (ev[i].mask & IN_Q_OVERFLOW) {
			mark_all_overflowed(ctx);
			continue;
		}
		kw = kwatch_find(ctx, ev[i].wd);
		if (!kw)
			continue;
		if (ev[i].mask & IN_IGNORED) {
			kwatch_gone(kw);
			continue;
		}
		/* about the directory itself: its parent's watch reports it
		 * by name, and the watched directory itself is not reported
		 * to its own watchers */
		if (!ev[i].name[0])
			continue;
		for (d = kw->users; d; d = next) {
			next = d->wnext;
			dir_event(d, ev, n, i);
		}
	}
}

/* Completes the requests of the first open of kw's users that got
 * changes and has requests waiting; false when there is none. */
static bool deliver_one(struct notify_kwatch *kw)
{
	for (struct notify_dir *d = kw->users; d; d = d->wnext) {
		struct smb2_notify_open *no = d->owner;
		if (!no->dirty)
			continue;
		no->dirty = false;
		if (no->waiters) {
			deliver(no);
			return true;
		}
	}
	return false;
}

/* Completes the requests of every open that got changes. */
static void deliver_dirty(struct smb2_notify_ctx *ctx)
{
	struct notify_kwatch *kw = ctx->kwatches;

	/* delivering completes requests, which never frees a watch, but
	 * restart the walk anyway so the lists are never walked stale */
	while (kw) {
		if (deliver_one(kw))
			kw = ctx->kwatches;
		else
			kw = kw->next;
	}
}

static size_t parse_events(uint8_t *buf, size_t len, struct raw_event *ev,
			   size_t max)
{
	size_t off = 0, n = 0;

	while (off + sizeof(struct inotify_event) <= len && n < max) {
		struct inotify_event ie;
		memcpy(&ie, buf + off, sizeof(ie));
		if (ie.len > len - off - sizeof(ie))
			break;
		ev[n].wd = ie.wd;
		ev[n].mask = ie.mask;
		ev[n].cookie = ie.cookie;
		/* the kernel NUL-pads name; len 0 means no name */
		ev[n].name = "";
		if (ie.len) {
			buf[off + sizeof(ie) + ie.len - 1] = '\0';
			ev[n].name = (const char *)buf + off + sizeof(ie);
		}
		n++;
		off += sizeof(ie) + ie.len;
	}
	return n;
}

static void ctx_drain(struct smb2_notify_ctx *ctx)
{
	for (;;) {
		ssize_t got = read(ctx->fd, ctx->buf, NOTIFY_READ_SIZE);
		size_t n;
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n = parse_events(ctx->buf, (size_t)got, ctx->events,
				 NOTIFY_MAX_EVENTS);
		handle_batch(ctx, ctx->events, n);
	}
	deliver_dirty(ctx);
}

static void ctx_readable(struct tevent_context *ev, struct tevent_fd *fde,
			 uint16_t flags, void *private_data)
{
	ctx_drain(private_data);
}

/*
 * Reads inotify before the loop waits again, i.e. after every request:
 * the loop serves one ready fd per turn, and events left queued while
 * the next request runs would be merged by the kernel with the next
 * identical one (an IN_ATTRIB of a SET_INFO into that of the CREATE
 * before it) or be seen by watches that start later.
 */
static void ctx_trace(enum tevent_trace_point point, void *private_data)
{
	struct smb2_notify_ctx *ctx = private_data;

	if (point == TEVENT_TRACE_BEFORE_WAIT && ctx->kwatches)
		ctx_drain(ctx);
	if (ctx->prev_trace)
		ctx->prev_trace(point, ctx->prev_trace_private);
}

void smb2_notify_poll(struct smb2_server *srv)
{
	if (srv->notify)
		ctx_drain(srv->notify);
}

/* ---- per open ---- */

static int notify_open_destructor(struct smb2_notify_open *no)
{
	/* the handle is closing (CLOSE, TREE_DISCONNECT, LOGOFF or the
	 * connection going): pending requests end with
	 * STATUS_NOTIFY_CLEANUP, as Windows answers them */
	complete_all(no, NT_STATUS_NOTIFY_CLEANUP);
	while (no->dirs)
		talloc_free(no->dirs);
	if (no->open && no->open->notify == no)
		no->open->notify = NULL;
	return 0;
}

int smb2_notify_start(struct smb2_open *o, uint32_t filter, bool recursive,
		      uint32_t max_len)
{
	struct smb2_server *srv = o->tcon->session->srv;
	struct smb2_notify_ctx *ctx;
	struct smb2_notify_open *no;

	if (o->notify)
		return 0;
	ctx = ctx_get(srv);
	if (!ctx)
		return -ENOSYS;
	no = talloc_zero(o, struct smb2_notify_open);
	if (!no)
		return -ENOMEM;
	no->ctx = ctx;
	no->open = o;
	no->filter = filter;
	no->recursive = recursive;
	no->max_len = max_len;
	talloc_set_destructor(no, notify_open_destructor);
	watch_tree(no, "", 0);
	if (!no->dirs) {
		talloc_free(no);
		return -EIO;
	}
	o->notify = no;
	return 0;
}

bool smb2_notify_take(struct smb2_open *o, struct smb2_req *req,
		      uint32_t max_len, NTSTATUS *status)
{
	struct smb2_notify_open *no = o->notify;

	if (!no || (!no->n_changes && !no->overflowed))
		return false;
	*status = answer(no, req, max_len);
	return true;
}

static int waiter_destructor(struct notify_waiter *w)
{
	waiter_unlink(w);
	return 0;
}

static void waiter_cancel(struct smb2_req *req)
{
	struct notify_waiter *w = req->cancel_private;

	waiter_unlink(w);
	smb2_req_complete(req, NT_STATUS_CANCELLED);
}

int smb2_notify_wait(struct smb2_open *o, struct smb2_req *req,
		     uint32_t max_len)
{
	struct notify_waiter *w;

	if (!o->notify)
		return -EINVAL;
	w = talloc_zero(req, struct notify_waiter);
	if (!w)
		return -ENOMEM;
	w->owner = o->notify;
	w->req = req;
	w->max_len = max_len;
	DLIST_ADD_END(o->notify->waiters, w);
	talloc_set_destructor(w, waiter_destructor);
	req->cancel_fn = waiter_cancel;
	req->cancel_private = w;
	return 0;
}

void smb2_notify_delete_pending(struct smb2_file *f)
{
	for (struct smb2_open *o = f->opens; o; o = o->file_next)
		if (o->notify)
			complete_all(o->notify, NT_STATUS_DELETE_PENDING);
}
