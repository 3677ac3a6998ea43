/*
 * A small pool of worker threads for blocking file I/O, completing on the
 * tevent loop via tevent_threaded_schedule_immediate (ARCHITECTURE 3).
 */
#ifndef USMBD_THREADPOOL_H
#define USMBD_THREADPOOL_H

#include <talloc.h>
#include <tevent.h>

struct threadpool;

/* nthreads >= 1. The pool is freed (threads joined) with its talloc ctx. */
struct threadpool *threadpool_create(TALLOC_CTX *mem_ctx,
				     struct tevent_context *ev,
				     unsigned nthreads);

/*
 * Runs fn(job) on a worker. job must be a talloc pointer and everything the
 * worker touches must be job or its talloc children: while fn runs the pool
 * owns job, so freeing the request (e.g. the connection went away) never
 * frees memory under a running worker; the pool frees such orphaned jobs.
 * When the request completes, job is back under its original parent.
 */
struct tevent_req *threadpool_run_send(TALLOC_CTX *mem_ctx,
				       struct tevent_context *ev,
				       struct threadpool *tp,
				       void (*fn)(void *job), void *job);
/* 0, or -errno if the job could not be run. */
int threadpool_run_recv(struct tevent_req *req);

#endif
