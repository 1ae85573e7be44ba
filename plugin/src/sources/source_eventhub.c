/* Source "eventhub": the Event Hubs stream a diagnostic setting feeds,
 * read over the Kafka protocol with librdkafka (log-shapes.md §4). Each
 * message is a {"records":[...]} body, handed whole to the ingest path like
 * a captured body; records of all partitions interleave (the analyzer does
 * not depend on order and drops duplicates by id).
 *
 * Nothing lost, nothing counted twice: offsets are stored per message once
 * it is ingested and committed only after the monitor has saved the state
 * holding its effect (after_save). The state also keeps, per partition,
 * the next offset not yet delivered: a restart that reads again from an
 * older committed offset (killed before its commit went out) skips what
 * its state already holds. A consumer group shares the partitions among
 * instances; one that stops has its partitions taken over within the
 * session time-out, from the offsets its last save committed.
 *
 * A poll consumes until its deadline or until it has caught up;
 * librdkafka's threads do the network I/O, the callbacks (logs, errors,
 * OAUTHBEARER token refreshes) run inside the poll, in the host's thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <librdkafka/rdkafka.h>

#include "eventhub.h"
#include "eventhub_internal.h"
#include "util/util.h"

#define SLICE_MS 100       /* longest single wait in consumer_poll */
#define CLOSE_WAIT_MS 5000 /* a commit in flight at close may take this long */
/* A one-shot run waits this long for a namespace that may yet answer (TLS
 * and a token first, brokers reconnecting) before it is done with it. */
#define HEAL_WAIT_MS 10000
#define META_CLOSE_WAIT_MS 1000 /* closing waits this long for a metadata request */


/* --- consuming --- */

/* A consumer error carried by a message. */
static void message_error(struct eh_src *g, const rd_kafka_message_t *m)
{
	const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";

	g->src->errors++;
	switch (m->err) {
	case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
	case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
		g->topic_missing = 1;
		g->topics_seen = 0;
		snprintf(g->err_text, sizeof g->err_text, "event hub '%s' does not exist in the namespace: "
		         "check eventhub_topics (a diagnostic setting creates insights-logs-<category> once it "
		         "has sent a record)", topic);
		break;
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
		g->fatal = 1;
		snprintf(g->err_text, sizeof g->err_text, "not authorised to read '%s' (%s): the "
		         "namespace must be Standard or above and the credentials need Listen (Azure "
		         "Event Hubs Data Receiver)", topic, rd_kafka_err2str(m->err));
		break;
	default:
		snprintf(g->err_text, sizeof g->err_text, "%s%s%s", topic, *topic ? ": " : "",
		         rd_kafka_err2str(m->err));
		break;
	}
}

/* One body: ingested unless the saved state already holds it, then its
 * offset stored for the next commit. 0, or -1 when memory runs out. */
static int take_message(struct eh_src *g, struct rm_ingest *in, rd_kafka_message_t *m)
{
	const char *topic = rd_kafka_topic_name(m->rkt);
	struct eh_part *p = rm_eh_part_of(g, topic, m->partition);
	int64_t lo = -1, hi = -1;
	char name[300];

	if (!p)
		return -1;
	if (m->offset < p->next &&
	    rd_kafka_get_watermark_offsets(g->rk, topic, m->partition, &lo, &hi) == RD_KAFKA_RESP_ERR_NO_ERROR)
		(void)rm_eh_restarted(g, p, hi);
	if (m->offset >= p->next) {
		snprintf(name, sizeof name, "%s/%d@%lld", topic, (int)m->partition, (long long)m->offset);
		in->doc_name = name;
		in->doc_offset = 0;
		in->newest_ms = 0;
		rm_ingest_document(in, m->payload ? m->payload : "", m->len);
		in->doc_name = NULL;
		p->next = m->offset + 1;
		if (in->newest_ms > p->newest_ms)
			p->newest_ms = in->newest_ms;
	}
	(void)rd_kafka_offset_store(m->rkt, m->partition, m->offset);
	g->brokers_down = 0;
	return 0;
}

/* Every configured hub in the namespace's metadata md, else the first one
 * missing named (a diagnostic setting may create it later). */
static void check_topics(struct eh_src *g, const struct rd_kafka_metadata *md)
{
	const char *t = g->topics;

	g->topics_seen = 1;
	g->topic_missing = 0;
	while (*t && g->topics_seen) {
		size_t n = strcspn(t, ",");
		int found = 0;

		for (int i = 0; i < md->topic_cnt && !found; i++)
			found = strlen(md->topics[i].topic) == n && strncmp(md->topics[i].topic, t, n) == 0 &&
			        md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
		if (!found) {
			g->topics_seen = 0;
			g->topic_missing = 1;
			g->src->errors++;
			snprintf(g->err_text, sizeof g->err_text, "event hub '%.*s' does not exist in the "
			         "namespace: check eventhub_topics (a diagnostic setting creates "
			         "insights-logs-<category> once it has sent a record)", (int)n, t);
		}
		t += n + (t[n] == ',');
	}
}

/* Join the group for eventhub_topics, once every hub is seen: a consumer
 * never asks for a hub that is not there (a Kafka broker may make a topic
 * for a consumer's metadata request). */
static void subscribe(struct eh_src *g)
{
	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(4);
	const char *t = g->topics;
	rd_kafka_resp_err_t e;

	while (*t) {
		size_t n = strcspn(t, ",");
		char name[256];

		snprintf(name, sizeof name, "%.*s", (int)n, t);
		rd_kafka_topic_partition_list_add(topics, name, RD_KAFKA_PARTITION_UA);
		t += n + (t[n] == ',');
	}
	e = rd_kafka_subscribe(g->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		g->fatal = 1;
		snprintf(g->err_text, sizeof g->err_text, "eventhub_topics: %s", rd_kafka_err2str(e));
		return;
	}
	g->subscribed = 1;
}

/* Until every configured hub is seen once in the namespace's metadata (an
 * empty assignment proves nothing until then), and while every broker was
 * down: a metadata request, in the background, waited for within half of
 * what is left of the budget and across polls. */
static void metadata_round(struct eh_src *g, int64_t deadline)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
	int64_t now = rm_monotonic_ms();

	if (g->topics_seen && !g->brokers_down)
		return;
	if (rm_eh_meta_ask(g->meta) < 0) {
		g->unconfirmed = 1;
		snprintf(g->err_text, sizeof g->err_text, "no thread for a metadata request: the event hubs "
		         "are not confirmed yet");
		return;
	}
	if (!rm_eh_meta_take(g->meta, now + (deadline - now) / 2, &md, &e)) {
		if (!g->brokers_down) {
			g->unconfirmed = 1;
			snprintf(g->err_text, sizeof g->err_text, "no answer to a metadata request after %.1f s: "
			         "the event hubs are not confirmed yet",
			         (double)(rm_monotonic_ms() - g->meta->started_ms) / 1000.0);
		}
		return;
	}
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR || !md) {
		if (!g->brokers_down) {
			g->unconfirmed = 1;
			snprintf(g->err_text, sizeof g->err_text, "the metadata request ended without an answer "
			         "(%s): the event hubs are not confirmed yet", rd_kafka_err2str(e));
		}
	} else {
		g->brokers_down = 0;
		g->unconfirmed = 0;
		g->err_text[0] = '\0';
		if (!g->topics_seen)
			check_topics(g, md);
		if (g->topics_seen && !g->subscribed)
			subscribe(g);
	}
	if (md)
		rd_kafka_metadata_destroy(md);
}

/* Consume until the deadline or until caught up. 0, or -1 on no memory.
 * librdkafka stops fetching once its queue holds queue_bytes, until it is
 * woken (rm_eh_nudge): every queue_bytes taken wakes it, and an empty
 * queue is looked at without waiting, to wake it at once if that much was
 * taken since the queue was last empty (it may have stopped), in this
 * poll or an earlier one. Waking it more often costs more than it saves:
 * a request behind a fetch in flight waits for that fetch's answer. */
static int consume(struct eh_src *g, struct rm_ingest *in, int64_t deadline)
{
	int64_t *run = &g->taken_run, *since = &g->taken_since;

	for (int first = 1;; first = 0) {
		int64_t left = deadline - rm_monotonic_ms();
		rd_kafka_message_t *m;
		int rc = 0;

		/* once at least, late or not: the callbacks are served there */
		if ((left <= 0 && !first) || g->fatal || g->topic_missing)
			return 0;
		if (left < 0 || *run)
			left = 0;
		rm_eh_serve_token(g, deadline);
		m = rd_kafka_consumer_poll(g->rk, (int)(left < SLICE_MS ? left : SLICE_MS));
		if (!m) {
			g->backlog = rm_eh_backlog(g, deadline);
			if (g->backlog != 0 && *run >= g->queue_bytes)
				rm_eh_nudge(g, deadline);
			*run = *since = 0;
			if (g->backlog == 0) {
				g->caught_up = 1;
				return 0;
			}
			continue;
		}
		*run += (int64_t)m->len + 1; /* an empty message counts, to wait no more */
		*since += (int64_t)m->len + 1;
		if (m->err)
			message_error(g, m);
		else
			rc = take_message(g, in, m);
		rd_kafka_message_destroy(m);
		if (rc < 0)
			return -1;
		if (*since >= g->queue_bytes) {
			rm_eh_nudge(g, deadline);
			*since = 0;
		}
	}
}

static int eh_poll(struct rm_source *src, struct rm_ingest *in, int64_t deadline,
                   struct revmon_error *err)
{
	struct eh_src *g = src->impl;
	int rc = 0;

	rm_live_poll(&g->live, in->wall_ms);
	g->in = in;
	g->caught_up = 0;
	g->asked_committed = 0;
	rm_eh_reap_commits(g, 0);
	rm_eh_serve_token(g, deadline); /* before any request: the brokers want it first */
	if (!g->fatal && !g->token_failed)
		metadata_round(g, deadline); /* no broker answers without a token: keep its reason */
	if (consume(g, in, deadline) < 0) {
		rm_errorf(err, "out of memory");
		rc = -1;
	} else if (g->fatal || g->topic_missing || g->brokers_down || g->token_failed) {
		src->unusable = g->fatal || g->topic_missing;
		rm_errorf(err, "%s", g->err_text);
		rc = -1;
	} else if (g->unconfirmed) {
		rm_errorf(err, "%s", g->err_text); /* slow, not failing: down for now */
		rc = 1;
	}
	if (!(g->brokers_down || g->unconfirmed || g->token_failed))
		g->trouble_since = 0;
	else if (!g->trouble_since)
		g->trouble_since = rm_monotonic_ms();
	if (!g->caught_up)
		g->backlog = rm_eh_backlog(g, deadline);
	/* a stream that failed in this poll may hold what it could not read */
	if (rc == 0 && g->backlog >= 0)
		g->complete_ms = g->read_through;
	g->now_ms = rm_live_wall(&g->live);
	g->in = NULL;
	return rc;
}

static int64_t eh_now(const struct rm_source *src)
{
	const struct eh_src *g = src->impl;

	return g->now_ms;
}

/* Caught up, or failed: at once when a person must act, after HEAL_WAIT_MS
 * of what may heal by itself (a report need not wait for a broken stream,
 * nor give up on one that is only slow to connect). */
static int eh_done(const struct rm_source *src)
{
	const struct eh_src *g = src->impl;

	return g->caught_up || g->fatal || g->topic_missing ||
	       (g->trouble_since && rm_monotonic_ms() - g->trouble_since >= HEAL_WAIT_MS);
}

/* Every record of an event time before this has been delivered, as far as
 * the stream shows: an audit event that has not come yet is not late. */
static int64_t eh_read_through(const struct rm_source *src)
{
	const struct eh_src *g = src->impl;

	return g->complete_ms;
}

static int64_t eh_backlog(const struct rm_source *src)
{
	const struct eh_src *g = src->impl;

	return g->backlog;
}

/* The state holds everything consumed: commit the stored offsets. */
static void eh_after_save(struct rm_source *src)
{
	struct eh_src *g = src->impl;

	rd_kafka_commit_queue(g->rk, NULL, g->commit_q, NULL, NULL);
	g->commits_pending++;
}

static void eh_free(struct rm_source *src)
{
	struct eh_src *g = src->impl;

	if (g && g->rk) {
		int64_t until = rm_monotonic_ms() + CLOSE_WAIT_MS;

		/* the commit after the last save must reach the broker */
		while (g->commits_pending && rm_monotonic_ms() < until)
			rm_eh_reap_commits(g, (int)(until - rm_monotonic_ms()));
		/* a metadata request's thread uses the handle */
		if (rm_eh_meta_free(g->meta, rm_monotonic_ms() + META_CLOSE_WAIT_MS, g->commit_q)) {
			(void)rd_kafka_consumer_close(g->rk); /* leaves the group: others take over at once */
			rd_kafka_queue_destroy(g->commit_q);
			rd_kafka_destroy(g->rk);
		}
	}
	if (g) {
		for (size_t i = 0; i < g->n_parts; i++)
			free(g->parts[i].topic);
		free(g->parts);
		free(g->principal);
		free(g->topics);
		rm_entra_app_free(g->app);
		rm_http_free(g->http);
	}
	rm_source_release(src);
}

static const struct rm_source_ops eh_ops = {
	.poll = eh_poll,
	.now = eh_now,
	.done = eh_done,
	.save = rm_eh_save,
	.load = rm_eh_load,
	.free = eh_free,
	.after_save = eh_after_save,
	.backlog = eh_backlog,
	.read_through = eh_read_through,
};

/* Every property onto conf; the password apart. 0, or -1 with err naming
 * the key of the property librdkafka refused, with its own words. */
static int set_props(rd_kafka_conf_t *conf, const struct rm_eh_props *p, const struct rm_buf *secret,
                     struct revmon_error *err)
{
	char why[512];

	for (size_t i = 0; i < p->n; i++)
		if (rd_kafka_conf_set(conf, p->p[i].name, p->p[i].value, why, sizeof why) !=
		    RD_KAFKA_CONF_OK) {
			rm_errorf(err, "%s: %s", p->p[i].key ? p->p[i].key : p->p[i].name, why);
			return -1;
		}
	if (p->auth == RM_EH_AUTH_PLAIN &&
	    rd_kafka_conf_set(conf, "sasl.password", secret->data, why, sizeof why) != RD_KAFKA_CONF_OK) {
		rm_errorf(err, "sasl.password: %s", why);
		return -1;
	}
	return 0;
}

/* The most librdkafka prefetches (queued.max.messages.kbytes), in bytes. */
static int64_t queue_bytes(rd_kafka_t *rk)
{
	char v[32];
	size_t n = sizeof v;
	long long kb = 0;

	if (rd_kafka_conf_get(rd_kafka_conf(rk), "queued.max.messages.kbytes", v, &n) == RD_KAFKA_CONF_OK)
		kb = strtoll(v, NULL, 10);
	return (kb > 0 ? kb : 65536) * 1024;
}

/* The consumer, not subscribed yet (subscribe, once the hubs are seen).
 * 0, or -1 with err. */
static int open_consumer(struct eh_src *g, const struct rm_settings *s, rd_kafka_conf_t *conf,
                         struct revmon_error *err)
{
	char why[512];

	if (!(g->topics = strdup(s->eventhub_topics))) {
		rd_kafka_conf_destroy(conf);
		rm_errorf(err, "out of memory");
		return -1;
	}
	rm_eh_set_callbacks(conf, g);
	if (rd_kafka_conf_set(conf, "log.queue", "true", why, sizeof why) != RD_KAFKA_CONF_OK)
		goto refused;
	g->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
	if (!g->rk)
		goto refused;
	(void)rd_kafka_set_log_queue(g->rk, NULL); /* logs served by the poll, in the host's thread */
	g->queue_bytes = queue_bytes(g->rk);
	rd_kafka_poll_set_consumer(g->rk);
	g->commit_q = rd_kafka_queue_new(g->rk);
	if (!(g->meta = rm_eh_meta_new(g->rk))) {
		rm_errorf(err, "out of memory");
		return -1;
	}
	return 0;
refused:
	if (!g->rk)
		rd_kafka_conf_destroy(conf);
	rm_errorf(err, "librdkafka: %s", why);
	return -1;
}

struct rm_source *rm_source_eventhub_new(const char *spec, const struct rm_settings *s,
                                         struct revmon_error *err)
{
	struct rm_source *src = rm_source_alloc(spec, &eh_ops, sizeof(struct eh_src), err);
	struct eh_src *g;
	struct rm_eh_props props = {0};
	struct rm_buf secret = {0};
	struct revmon_error why = {{0}};
	rd_kafka_conf_t *conf = NULL;
	int have_secret = s->eventhub_connection_string_file || s->eventhub_connection_string_env;

	if (!src)
		return NULL;
	g = src->impl;
	g->src = src;
	g->backlog = -1;
	src->counts_errors = 1;
	rm_live_init(&g->live, g);
	if (rm_eventhub_props(s, have_secret, &props, &why) < 0)
		goto fail;
	if (props.auth == RM_EH_AUTH_PLAIN &&
	    rm_secret_read("eventhub_connection_string_file", s->eventhub_connection_string_file,
	                   "eventhub_connection_string_env", s->eventhub_connection_string_env, &secret,
	                   &why) < 0)
		goto fail;
	conf = rd_kafka_conf_new();
	if (set_props(conf, &props, &secret, &why) < 0 ||
	    (props.auth == RM_EH_AUTH_OAUTHBEARER && rm_eh_open_app(g, s, conf, &why) < 0))
		goto fail;
	rm_buf_wipe(&secret);
	if (open_consumer(g, s, conf, &why) < 0) {
		conf = NULL; /* taken by rd_kafka_new, or freed */
		goto fail;
	}
	rm_eventhub_props_free(&props);
	return src;
fail:
	rm_errorf(err, "source: %s: %s", spec, why.msg[0] ? why.msg : "out of memory");
	if (conf)
		rd_kafka_conf_destroy(conf);
	rm_buf_wipe(&secret);
	rm_eventhub_props_free(&props);
	eh_free(src);
	return NULL;
}
