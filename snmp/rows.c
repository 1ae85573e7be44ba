/* Rows and their worker threads; see rows.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mib_layout.h"
#include "rows.h"

static void hook_log(void *ctx, enum revmon_log_level level, const char *msg)
{
	struct rm_row *r = ctx;

	rm_log((int)level, "[%s] %s", r->name, msg);
}

static void bump(struct rm_row *r)
{
	atomic_fetch_add(&r->shared->generation, 1);
	/* A full pipe already holds a wake-up. */
	if (r->shared->wake_fd >= 0 && write(r->shared->wake_fd, "p", 1) < 0) {
	}
}

/* Publish a fresh snapshot (NULL: the core ran out of memory; keep the old). */
static void publish(struct rm_row *r, revmon_snapshot *s, int failed)
{
	revmon_snapshot *old = NULL;
	const char *why = NULL;
	int down = failed > 0;

	for (size_t i = 0; s && i < s->n_sources; i++)
		if (!s->sources[i].up) {
			down = 1;
			if (!why)
				why = s->sources[i].error ? s->sources[i].error : "source down";
		}
	pthread_mutex_lock(&r->mu);
	if (s) {
		old = r->snap;
		r->snap = s;
		r->status = down ? RM_STATUS_DOWN : RM_STATUS_UP;
		snprintf(r->error, sizeof r->error, "%s", why ? why : (down ? "source failed" : ""));
		r->polled_ms = revmon_monotonic_ms();
	}
	pthread_mutex_unlock(&r->mu);
	revmon_snapshot_free(old);
	bump(r);
}

static revmon *open_monitor(struct rm_row *r)
{
	struct revmon_hooks hooks = {.log = hook_log, .ctx = r};
	struct revmon_error err = {{0}};
	revmon *m = revmon_open(r->conf, &hooks, &err);
	int was_failed;

	pthread_mutex_lock(&r->mu);
	was_failed = r->status == RM_STATUS_FAILED && strcmp(r->error, err.msg) == 0;
	if (m) {
		r->status = RM_STATUS_STARTING;
		r->error[0] = '\0';
		r->opened_ms = revmon_monotonic_ms();
	} else {
		r->status = RM_STATUS_FAILED;
		snprintf(r->error, sizeof r->error, "%s", err.msg);
	}
	pthread_mutex_unlock(&r->mu);
	/* Say it once, not at every retry. */
	if (!m && !was_failed)
		rm_log(LOG_ERR, "[%s] cannot open: %s (retrying every poll interval)", r->name,
		       err.msg);
	else if (m)
		rm_log(LOG_INFO, "[%s] opened (row %u)", r->name, r->index);
	bump(r);
	return m;
}

static void *worker(void *arg)
{
	struct rm_row *r = arg;
	revmon *m = NULL;

	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		int budget = r->budget_ms;
		int64_t started = revmon_monotonic_ms(), deadline;

		pthread_mutex_unlock(&r->mu);
		if (!m)
			m = open_monitor(r);
		if (m) {
			int failed = revmon_poll(m, budget);

			publish(r, revmon_snapshot_take(m), failed);
		}
		pthread_mutex_lock(&r->mu);
		/* Poll starts are interval_ms apart; a long poll shortens the wait. */
		while (!r->stop && (deadline = started + r->interval_ms) > revmon_monotonic_ms()) {
			int64_t ms = deadline - revmon_monotonic_ms();
			struct timespec ts;

			/* the condition variable's own clock (set below) */
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += ms / 1000;
			ts.tv_nsec += (ms % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&r->cv, &r->mu, &ts);
		}
	}
	pthread_mutex_unlock(&r->mu);
	revmon_close(m);
	return NULL;
}

struct rm_row *rm_row_start(unsigned index, struct rm_row_conf *rc, struct rm_shared *shared)
{
	struct rm_row *r = calloc(1, sizeof *r);
	pthread_condattr_t ca;
	sigset_t all, old;
	int cv_ok = 0, mu_ok = 0, err;

	if (!r)
		goto fail;
	r->index = index;
	r->conf = rc->conf;
	rc->conf = NULL;
	r->name = revmon_conf_name(r->conf);
	r->shared = shared;
	r->interval_ms = rc->interval_ms;
	r->budget_ms = rc->budget_ms;
	r->notify = rc->notify;
	r->status = RM_STATUS_STARTING;
	r->opened_ms = -1;
	if (pthread_mutex_init(&r->mu, NULL) != 0)
		goto fail;
	mu_ok = 1;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	cv_ok = pthread_cond_init(&r->cv, &ca) == 0;
	pthread_condattr_destroy(&ca);
	if (!cv_ok)
		goto fail;
	/* Signals belong to the main thread (its select() must see EINTR). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&r->thread, NULL, worker, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		rm_log(LOG_ERR, "[%s] cannot start a thread: %s", r->name, strerror(err));
		goto fail;
	}
	return r;
fail:
	if (r) {
		if (cv_ok)
			pthread_cond_destroy(&r->cv);
		if (mu_ok)
			pthread_mutex_destroy(&r->mu);
		revmon_conf_free(r->conf);
		free(r);
	} else {
		revmon_conf_free(rc->conf);
		rc->conf = NULL;
	}
	return NULL;
}

void rm_row_set_timing(struct rm_row *r, int interval_ms, int budget_ms)
{
	pthread_mutex_lock(&r->mu);
	r->interval_ms = interval_ms;
	r->budget_ms = budget_ms;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void rm_row_stop(struct rm_row *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	revmon_snapshot_free(r->snap);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	revmon_conf_free(r->conf);
	free(r);
}
