/*
 * Worker threads for blocking file I/O (ARCHITECTURE 3).
 *
 * Every request gets an entry allocated on the pool, not on the request:
 * the entry owns the job while a worker may touch it, so freeing the request
 * (a connection going away) never frees memory under a running worker. The
 * worker hands the entry back to the event loop with
 * tevent_threaded_schedule_immediate(); the loop then returns the job to its
 * original parent and completes the request, or frees both when the request
 * or the job's parent is gone.
 *
 * Threads touch only: the queue (under the mutex), entry->fn, entry->job and
 * its talloc children, entry->im (through tevent), and tp->tctx. Everything
 * else in an entry belongs to the event loop thread.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

#include "vfs/threadpool.h"

struct tp_entry;

struct threadpool {
	struct tevent_context *ev;
	struct tevent_threaded_context *tctx;
	pthread_t *threads;
	unsigned nthreads;

	pthread_mutex_t mutex;
	pthread_cond_t cond;
	struct tp_entry *queue_head, *queue_tail; /* under mutex */
	bool shutdown;				  /* under mutex */

	/* entries dispatched and not yet completed (loop thread only) */
	struct tp_entry *inflight;
};

/*
 * Outlives a pool freed with jobs in flight: their completions need the
 * threaded context until the last one has run on the loop.
 */
struct tp_orphans {
	struct tevent_threaded_context *tctx;
	struct tp_entry *entries;
	struct tp_orphans_watch *ev_watch; /* child of the event context */
};

/* Frees the orphans if the event context goes first (see below). */
struct tp_orphans_watch {
	struct tp_orphans *orphans;
};

/* Lives under the job's original parent: tells us if it was freed. */
struct tp_parent_watch {
	struct tp_entry *entry;
};

struct tp_entry {
	struct tp_entry *queue_next;
	/* on threadpool.inflight, then tp_orphans.entries */
	struct tp_entry *prev, *next, **list;
	struct tp_orphans *orphans; /* set once the pool is gone */

	void (*fn)(void *job);
	void *job;
	const void *job_parent;
	struct tp_parent_watch *parent_watch; /* NULL: no parent or gone */
	bool parent_gone;

	struct tevent_immediate *im;
	struct tevent_req *req; /* NULL once the request was freed */
};

struct threadpool_run_state {
	struct tp_entry *entry;
};

static void tp_job_done(struct tevent_context *ev,
			struct tevent_immediate *im, void *private_data);

static void list_add(struct tp_entry **list, struct tp_entry *e)
{
	e->list = list;
	e->prev = NULL;
	e->next = *list;
	if (e->next != NULL)
		e->next->prev = e;
	*list = e;
}

static void list_remove(struct tp_entry *e)
{
	if (e->list == NULL)
		return;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		*e->list = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	e->prev = e->next = NULL;
	e->list = NULL;
}

static void *tp_worker(void *arg)
{
	struct threadpool *tp = arg;
	struct tp_entry *e;

	for (;;) {
		pthread_mutex_lock(&tp->mutex);
		while (tp->queue_head == NULL && !tp->shutdown)
			pthread_cond_wait(&tp->cond, &tp->mutex);
		/* on shutdown, the queue is drained before leaving */
		e = tp->queue_head;
		if (e != NULL) {
			tp->queue_head = e->queue_next;
			if (tp->queue_head == NULL)
				tp->queue_tail = NULL;
		}
		pthread_mutex_unlock(&tp->mutex);
		if (e == NULL)
			return NULL;

		e->fn(e->job);
		/* e now belongs to the loop thread: do not touch it again */
		tevent_threaded_schedule_immediate(tp->tctx, e->im,
						   tp_job_done, e);
	}
}

/* Runs on the loop thread once the worker has finished with e. */
static void tp_job_done(struct tevent_context *ev,
			struct tevent_immediate *im, void *private_data)
{
	struct tp_entry *e = private_data;
	struct tp_orphans *orphans = e->orphans;
	struct tevent_req *req = e->req;

	list_remove(e);
	if (e->parent_watch != NULL) {
		talloc_set_destructor(e->parent_watch, NULL);
		TALLOC_FREE(e->parent_watch);
	}
	if (req != NULL) {
		struct threadpool_run_state *state =
			tevent_req_data(req, struct threadpool_run_state);

		state->entry = NULL;
		e->req = NULL;
		if (!e->parent_gone)
			(void)talloc_steal(e->job_parent, e->job);
	}
	/* frees the job too when it had no one to go back to */
	talloc_free(e);
	if (orphans != NULL && orphans->entries == NULL) {
		talloc_set_destructor(orphans->ev_watch, NULL);
		talloc_free(orphans->ev_watch);
		talloc_free(orphans);
	}
	if (req != NULL)
		tevent_req_done(req);
}

static int tp_parent_watch_destructor(struct tp_parent_watch *w)
{
	w->entry->parent_gone = true;
	w->entry->parent_watch = NULL;
	return 0;
}

static int tp_run_state_destructor(struct threadpool_run_state *state)
{
	if (state->entry != NULL)
		state->entry->req = NULL;
	return 0;
}

/*
 * Has work to do only when an entry goes without tp_job_done (the event
 * context torn down with completions pending): unhook what points at it.
 */
static int tp_entry_destructor(struct tp_entry *e)
{
	if (e->req != NULL) {
		struct threadpool_run_state *state =
			tevent_req_data(e->req, struct threadpool_run_state);

		state->entry = NULL;
	}
	if (e->parent_watch != NULL) {
		talloc_set_destructor(e->parent_watch, NULL);
		TALLOC_FREE(e->parent_watch);
	}
	list_remove(e);
	return 0;
}

/*
 * The event context is being freed with completions never picked up. Its
 * own destructor has run, so nothing walks its list of scheduled immediates
 * any more and they may go, despite tevent's guard against just that.
 */
static int tp_orphans_ev_watch_destructor(struct tp_orphans_watch *w)
{
	struct tp_entry *e;

	for (e = w->orphans->entries; e != NULL; e = e->next)
		talloc_set_destructor(e->im, NULL);
	talloc_free(w->orphans);
	return 0;
}

static int threadpool_destructor(struct threadpool *tp)
{
	struct tp_entry *e;
	unsigned i;

	pthread_mutex_lock(&tp->mutex);
	tp->shutdown = true;
	pthread_cond_broadcast(&tp->cond);
	pthread_mutex_unlock(&tp->mutex);
	for (i = 0; i < tp->nthreads; i++)
		pthread_join(tp->threads[i], NULL);

	/*
	 * Every remaining entry has its completion scheduled on the loop, and
	 * tevent forbids freeing an immediate in that state: the entries and
	 * the threaded context (which the loop needs to pick the completions
	 * up) live on until the last completion has run.
	 */
	if (tp->inflight != NULL) {
		struct tp_orphans *orphans = talloc_zero(NULL,
							 struct tp_orphans);

		if (orphans == NULL)
			abort(); /* freeing scheduled immediates would too */
		orphans->ev_watch = talloc(tp->ev, struct tp_orphans_watch);
		if (orphans->ev_watch == NULL)
			abort();
		orphans->ev_watch->orphans = orphans;
		talloc_set_destructor(orphans->ev_watch,
				      tp_orphans_ev_watch_destructor);
		orphans->tctx = talloc_steal(orphans, tp->tctx);
		while ((e = tp->inflight) != NULL) {
			list_remove(e);
			list_add(&orphans->entries, e);
			e->orphans = orphans;
			(void)talloc_steal(orphans, e);
		}
	}
	pthread_cond_destroy(&tp->cond);
	pthread_mutex_destroy(&tp->mutex);
	return 0;
}

struct threadpool *threadpool_create(TALLOC_CTX *mem_ctx,
				     struct tevent_context *ev,
				     unsigned nthreads)
{
	struct threadpool *tp;
	sigset_t all, old;
	unsigned i;

	if (nthreads == 0)
		nthreads = 1;
	tp = talloc_zero(mem_ctx, struct threadpool);
	if (tp == NULL)
		return NULL;
	tp->ev = ev;
	tp->threads = talloc_array(tp, pthread_t, nthreads);
	tp->tctx = tevent_threaded_context_create(tp, ev);
	if (tp->threads == NULL || tp->tctx == NULL)
		goto fail;
	if (pthread_mutex_init(&tp->mutex, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&tp->cond, NULL) != 0) {
		pthread_mutex_destroy(&tp->mutex);
		goto fail;
	}
	talloc_set_destructor(tp, threadpool_destructor);

	/* signals belong to the event loop thread, not to workers */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&tp->threads[i], NULL, tp_worker, tp) != 0)
			break;
		tp->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (tp->nthreads == 0)
		goto fail;
	return tp;
fail:
	talloc_free(tp);
	return NULL;
}

static bool tp_watch_parent(struct tp_entry *e)
{
	const void *parent = talloc_parent(e->job);

	e->job_parent = parent;
	if (parent == NULL)
		return true;
	e->parent_watch = talloc_zero((TALLOC_CTX *)parent,
				      struct tp_parent_watch);
	if (e->parent_watch == NULL)
		return false;
	e->parent_watch->entry = e;
	talloc_set_destructor(e->parent_watch, tp_parent_watch_destructor);
	return true;
}

struct tevent_req *threadpool_run_send(TALLOC_CTX *mem_ctx,
				       struct tevent_context *ev,
				       struct threadpool *tp,
				       void (*fn)(void *job), void *job)
{
	struct threadpool_run_state *state;
	struct tevent_req *req;
	struct tp_entry *e;

	req = tevent_req_create(mem_ctx, &state, struct threadpool_run_state);
	if (req == NULL)
		return NULL;
	if (job == NULL || fn == NULL) {
		tevent_req_error(req, EINVAL);
		return tevent_req_post(req, ev);
	}
	e = talloc_zero(tp, struct tp_entry);
	if (tevent_req_nomem(e, req))
		return tevent_req_post(req, ev);
	talloc_set_destructor(e, tp_entry_destructor);
	e->fn = fn;
	e->job = job;
	e->im = tevent_create_immediate(e);
	if (e->im == NULL || !tp_watch_parent(e)) {
		talloc_free(e);
		tevent_req_oom(req);
		return tevent_req_post(req, ev);
	}
	e->req = req;
	state->entry = e;
	talloc_set_destructor(state, tp_run_state_destructor);
	/* from here until tp_job_done the pool owns the job */
	(void)talloc_steal(e, job);

	list_add(&tp->inflight, e);

	pthread_mutex_lock(&tp->mutex);
	if (tp->queue_tail != NULL)
		tp->queue_tail->queue_next = e;
	else
		tp->queue_head = e;
	tp->queue_tail = e;
	pthread_cond_signal(&tp->cond);
	pthread_mutex_unlock(&tp->mutex);
	return req;
}

int threadpool_run_recv(struct tevent_req *req)
{
	enum tevent_req_state state;
	uint64_t err;
	int ret = 0;

	if (tevent_req_is_error(req, &state, &err)) {
		if (state == TEVENT_REQ_USER_ERROR && err != 0)
			ret = -(int)err;
		else if (state == TEVENT_REQ_TIMED_OUT)
			ret = -ETIMEDOUT;
		else
			ret = -ENOMEM;
	}
	tevent_req_received(req);
	return ret;
}
