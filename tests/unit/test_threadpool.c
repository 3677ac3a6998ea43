#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vfs/threadpool.h"

#define N_JOBS 100

/* ---- 100 jobs, results collected on the loop ------------------------ */

struct square_job {
	unsigned in;
	unsigned long out;
	char *note; /* allocated by the worker under the job */
	pthread_t worker;
};

static void square_fn(void *p)
{
	struct square_job *job = p;

	job->out = (unsigned long)job->in * job->in;
	job->note = talloc_asprintf(job, "square of %u", job->in);
	job->worker = pthread_self();
}

struct collector {
	TALLOC_CTX *parent;
	unsigned done;
	unsigned off_main_thread;
	pthread_t main_thread;
	bool seen[N_JOBS];
};

struct square_call {
	struct collector *col;
	struct square_job *job;
};

static void square_done(struct tevent_req *req)
{
	struct square_call *call = tevent_req_callback_data(req,
							  struct square_call);
	struct square_job *job = call->job;
	struct collector *col = call->col;
	char expect[32];

	assert_int_equal(threadpool_run_recv(req), 0);
	talloc_free(req);
	/* the job is back where it came from, with the worker's results */
	assert_ptr_equal(talloc_parent(job), col->parent);
	assert_int_equal(job->out, (unsigned long)job->in * job->in);
	snprintf(expect, sizeof(expect), "square of %u", job->in);
	assert_string_equal(job->note, expect);
	assert_ptr_equal(talloc_parent(job->note), job);
	assert_false(col->seen[job->in]);
	col->seen[job->in] = true;
	if (!pthread_equal(job->worker, col->main_thread))
		col->off_main_thread++;
	col->done++;
	talloc_free(call);
}

static void set_flag(struct tevent_context *ev, struct tevent_timer *te,
		     struct timeval now, void *private_data)
{
	*(bool *)private_data = true;
}

/* Runs the loop until *counter reaches target, failing after 20 s. */
static void loop_until(struct tevent_context *ev, const unsigned *counter,
		       unsigned target)
{
	struct tevent_timer *te;
	bool timed_out = false;

	te = tevent_add_timer(ev, ev, tevent_timeval_current_ofs(20, 0),
			      set_flag, &timed_out);
	assert_non_null(te);
	while (*counter < target && !timed_out)
		assert_int_equal(tevent_loop_once(ev), 0);
	assert_false(timed_out);
	talloc_free(te);
}

static void test_hundred_jobs(void **state)
{
	TALLOC_CTX *ctx = talloc_new(NULL);
	struct tevent_context *ev = tevent_context_init(ctx);
	struct collector col = { .main_thread = pthread_self() };
	struct threadpool *tp;
	unsigned i;

	assert_non_null(ev);
	tp = threadpool_create(ctx, ev, 4);
	assert_non_null(tp);
	col.parent = talloc_new(ctx);
	for (i = 0; i < N_JOBS; i++) {
		struct square_call *call = talloc(ctx, struct square_call);
		struct tevent_req *req;

		call->col = &col;
		call->job = talloc_zero(col.parent, struct square_job);
		call->job->in = i;
		req = threadpool_run_send(call, ev, tp, square_fn, call->job);
		assert_non_null(req);
		tevent_req_set_callback(req, square_done, call);
	}
	loop_until(ev, &col.done, N_JOBS);
	for (i = 0; i < N_JOBS; i++)
		assert_true(col.seen[i]);
	assert_int_equal(col.off_main_thread, N_JOBS);
	talloc_free(tp);
	talloc_free(ctx);
}

/* ---- a request freed while its job runs ----------------------------- */

static unsigned jobs_freed;

struct blocking_job {
	sem_t *started;
	sem_t *release;
	char *scratch;
};

static int blocking_job_destructor(struct blocking_job *job)
{
	jobs_freed++;
	return 0;
}

static void blocking_fn(void *p)
{
	struct blocking_job *job = p;

	sem_post(job->started);
	sem_wait(job->release);
	job->scratch = talloc_strdup(job, "written after the request died");
}

struct blocking_fixture {
	TALLOC_CTX *ctx;
	struct tevent_context *ev;
	struct threadpool *tp;
	sem_t started, release;
};

static struct blocking_job *new_blocking_job(struct blocking_fixture *f,
					     TALLOC_CTX *parent)
{
	struct blocking_job *job = talloc_zero(parent, struct blocking_job);

	job->started = &f->started;
	job->release = &f->release;
	talloc_set_destructor(job, blocking_job_destructor);
	return job;
}

static void fixture_init(struct blocking_fixture *f, unsigned nthreads)
{
	f->ctx = talloc_new(NULL);
	f->ev = tevent_context_init(f->ctx);
	assert_non_null(f->ev);
	f->tp = threadpool_create(f->ctx, f->ev, nthreads);
	assert_non_null(f->tp);
	sem_init(&f->started, 0, 0);
	sem_init(&f->release, 0, 0);
	jobs_freed = 0;
}

static void fixture_fini(struct blocking_fixture *f)
{
	talloc_free(f->tp);
	talloc_free(f->ctx);
	sem_destroy(&f->started);
	sem_destroy(&f->release);
}

static void test_request_freed_while_running(void **state)
{
	struct blocking_fixture f;
	struct tevent_req *req;
	TALLOC_CTX *parent;
	struct blocking_job *job;

	fixture_init(&f, 2);
	parent = talloc_new(f.ctx);
	job = new_blocking_job(&f, parent);
	req = threadpool_run_send(f.ctx, f.ev, f.tp, blocking_fn, job);
	assert_non_null(req);

	sem_wait(&f.started);
	/* the pool owns the job now: freeing the request leaves it alone */
	talloc_free(req);
	assert_int_equal(jobs_freed, 0);
	assert_ptr_not_equal(talloc_parent(job), parent);

	sem_post(&f.release);
	loop_until(f.ev, &jobs_freed, 1);
	assert_int_equal(talloc_total_blocks(parent), 1);
	fixture_fini(&f);
}

static void job_done_count(struct tevent_req *req)
{
	unsigned *n = tevent_req_callback_data_void(req);

	assert_int_equal(threadpool_run_recv(req), 0);
	talloc_free(req);
	(*n)++;
}

static void test_parent_freed_while_running(void **state)
{
	struct blocking_fixture f;
	struct tevent_req *req;
	TALLOC_CTX *parent;
	unsigned completed = 0;

	fixture_init(&f, 1);
	parent = talloc_new(f.ctx);
	req = threadpool_run_send(f.ctx, f.ev, f.tp, blocking_fn,
				  new_blocking_job(&f, parent));
	assert_non_null(req);
	tevent_req_set_callback(req, job_done_count, &completed);

	sem_wait(&f.started);
	talloc_free(parent);
	assert_int_equal(jobs_freed, 0);
	sem_post(&f.release);
	/* nowhere to go back to: the job is freed, the request completes */
	loop_until(f.ev, &completed, 1);
	assert_int_equal(jobs_freed, 1);
	fixture_fini(&f);
}

static void test_pool_freed_with_queued_jobs(void **state)
{
	struct blocking_fixture f;
	unsigned completed = 0, i;
	TALLOC_CTX *parent;

	fixture_init(&f, 1);
	parent = talloc_new(f.ctx);
	for (i = 0; i < 5; i++) {
		struct tevent_req *req;

		req = threadpool_run_send(f.ctx, f.ev, f.tp, blocking_fn,
					  new_blocking_job(&f, parent));
		assert_non_null(req);
		tevent_req_set_callback(req, job_done_count, &completed);
		sem_post(&f.release);
	}
	/* destruction drains the queue; completions still reach the loop */
	TALLOC_FREE(f.tp);
	for (i = 0; i < 5; i++)
		sem_wait(&f.started);
	loop_until(f.ev, &completed, 5);
	assert_int_equal(jobs_freed, 0);
	assert_int_equal(talloc_total_blocks(parent), 1 + 5 * 2);
	talloc_free(parent);
	assert_int_equal(jobs_freed, 5);
	fixture_fini(&f);
}

static void test_event_context_freed_after_pool(void **state)
{
	struct blocking_fixture f;
	unsigned i;

	fixture_init(&f, 1);
	for (i = 0; i < 3; i++) {
		struct tevent_req *req;

		req = threadpool_run_send(f.ctx, f.ev, f.tp, blocking_fn,
					  new_blocking_job(&f, f.ctx));
		assert_non_null(req);
		sem_post(&f.release);
	}
	/* completions never run: tearing everything down must not crash */
	TALLOC_FREE(f.tp);
	fixture_fini(&f);
	assert_int_equal(jobs_freed, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hundred_jobs),
		cmocka_unit_test(test_request_freed_while_running),
		cmocka_unit_test(test_parent_freed_while_running),
		cmocka_unit_test(test_pool_freed_with_queued_jobs),
		cmocka_unit_test(test_event_context_freed_after_pool),
	};

	talloc_set_log_stderr();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
