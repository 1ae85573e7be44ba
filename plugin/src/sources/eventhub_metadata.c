/* The eventhub source's metadata requests, each in a thread of its own:
 * librdkafka 2.0.2 asks for metadata only synchronously, and a namespace
 * slower to answer than what is left of a poll (TLS and a token first, a
 * far region) would be asked again and abandoned at every poll. In the
 * background one request is waited for across polls, and a poll waits
 * only what its budget allows. */
#include <stdlib.h>
#include <time.h>

#include "eventhub_internal.h"
#include "util/util.h"

#define META_TIMEOUT_MS 10000 /* one request's own time-out; closing waits for it */

static void meta_destroy(struct eh_meta *m)
{
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

static void *ask(void *arg)
{
	struct eh_meta *m = arg;
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(m->rk, 1, NULL, &md, META_TIMEOUT_MS);
	int orphaned;

	pthread_mutex_lock(&m->mu);
	m->md = md;
	m->err = e;
	m->done = 1;
	orphaned = m->orphaned;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	if (orphaned) {
		/* its source has closed: the handle is this thread's to close */
		if (md)
			rd_kafka_metadata_destroy(md);
		(void)rd_kafka_consumer_close(m->rk);
		rd_kafka_queue_destroy(m->q);
		rd_kafka_destroy(m->rk);
		meta_destroy(m);
	}
	return NULL;
}

struct eh_meta *rm_eh_meta_new(rd_kafka_t *rk)
{
	struct eh_meta *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	m->rk = rk;
	return m;
}

int rm_eh_meta_ask(struct eh_meta *m)
{
	if (m->running)
		return 0;
	m->done = 0;
	m->md = NULL;
	m->started_ms = rm_monotonic_ms();
	if (pthread_create(&m->th, NULL, ask, m) != 0)
		return -1;
	m->running = 1;
	return 0;
}

int rm_eh_meta_take(struct eh_meta *m, int64_t until_ms, const struct rd_kafka_metadata **md,
                    rd_kafka_resp_err_t *err)
{
	int done;

	if (!m->running)
		return 0;
	pthread_mutex_lock(&m->mu);
	while (!m->done && rm_monotonic_ms() < until_ms) {
		int64_t left = until_ms - rm_monotonic_ms();
		struct timespec ts;

		/* the condition's clock is CLOCK_REALTIME: a short relative wait,
		 * looked at again on the monotonic clock */
		clock_gettime(CLOCK_REALTIME, &ts);
		left = left < 50 ? left : 50;
		ts.tv_nsec += (long)(left * 1000000);
		ts.tv_sec += ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&m->cv, &m->mu, &ts);
	}
	done = m->done;
	pthread_mutex_unlock(&m->mu);
	if (!done)
		return 0;
	pthread_join(m->th, NULL);
	m->running = 0;
	*md = m->md;
	*err = m->err;
	m->md = NULL;
	return 1;
}

int rm_eh_meta_free(struct eh_meta *m, int64_t until_ms, rd_kafka_queue_t *q)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e;

	if (!m)
		return 1;
	if (m->running && !rm_eh_meta_take(m, until_ms, &md, &e)) {
		int done;

		/* a namespace that does not answer must not hold a host's
		 * shutdown for the request's own time-out: unless it has
		 * just answered, the thread closes the handle when it ends */
		pthread_mutex_lock(&m->mu);
		done = m->done;
		if (!done) {
			m->orphaned = 1;
			m->q = q;
		}
		pthread_mutex_unlock(&m->mu);
		if (!done) {
			pthread_detach(m->th);
			return 0;
		}
		(void)rm_eh_meta_take(m, until_ms, &md, &e);
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	meta_destroy(m);
	return 1;
}
