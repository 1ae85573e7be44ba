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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <librdkafka/rdkafka.h>

#include "entra/entra.h"
#include "eventhub.h"
#include "live.h"
#include "source.h"
#include "util/util.h"

#define STATE_VERSION 1
#define SLICE_MS 100            /* longest single wait in consumer_poll */
#define CLOSE_WAIT_MS 5000      /* a commit in flight at close may take this long */
#define TOKEN_LIFETIME_MS 600000 /* said to librdkafka; the app renews before expiry */
#define METADATA_WAIT_MS 1000   /* probing brokers that were all down */

struct eh_part {
	char *topic;
	int32_t partition;
	int64_t next; /* offsets below it were delivered; their effect is in the saved state */
};

struct eh_src {
	rd_kafka_t *rk;
	rd_kafka_queue_t *commit_q;   /* results of the commits after_save sends */
	struct rm_source *src;
	struct rm_ingest *in;         /* during a poll, for the callbacks */
	struct rm_http *http;         /* OAUTHBEARER: the Entra client */
	struct rm_entra_app *app;
	char *principal;
	int need_token;
	struct eh_part *parts;
	size_t n_parts;
	unsigned commits_pending;
	int fatal;                    /* a person must act: err_text says what */
	int topics_seen;              /* every hub of eventhub_topics exists */
	int topic_missing;            /* one does not (yet): looked for again at each poll */
	int unconfirmed;              /* the metadata that would tell did not answer in time */
	int asked_committed;          /* this poll asked for the group's offsets */
	int settled;                  /* the group has given this member its share (maybe none) */
	char *topics;                 /* eventhub_topics, owned */
	int brokers_down;
	char err_text[480];
	int64_t now_ms, backlog;
	int caught_up;
	struct rm_live live;
};

/* --- delivered offsets, per partition --- */

static struct eh_part *part_of(struct eh_src *g, const char *topic, int32_t partition)
{
	struct eh_part *p;

	for (size_t i = 0; i < g->n_parts; i++)
		if (g->parts[i].partition == partition && strcmp(g->parts[i].topic, topic) == 0)
			return &g->parts[i];
	p = realloc(g->parts, (g->n_parts + 1) * sizeof *p);
	if (!p)
		return NULL;
	g->parts = p;
	p = &g->parts[g->n_parts];
	*p = (struct eh_part){strdup(topic), partition, 0};
	if (!p->topic)
		return NULL;
	g->n_parts++;
	return p;
}

/* --- librdkafka's callbacks (served inside consumer_poll) --- */

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	struct eh_src *g = rd_kafka_opaque(rk);

	if (!g || !g->in)
		return;
	/* notices and details (eventhub_rdkafka.debug) are the host's debug level */
	rm_ingest_log(g->in, level <= 3 ? REVMON_LOG_ERR : level == 4 ? REVMON_LOG_WARNING : REVMON_LOG_DEBUG,
	              "%s: librdkafka %s: %s", g->src->name, fac, buf);
}

static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque)
{
	struct eh_src *g = opaque;
	rd_kafka_resp_err_t e = (rd_kafka_resp_err_t)code;

	(void)rk;
	g->src->errors++;
	if (g->fatal)
		return; /* the first reason a person must act on stays */
	if (e == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
		g->fatal = 1;
		snprintf(g->err_text, sizeof g->err_text, "SASL authentication failed (%.200s): check the "
		         "connection string (Listen rights, not a generated SAS token) or the app's role "
		         "(Azure Event Hubs Data Receiver)", reason);
	} else if (e == RD_KAFKA_RESP_ERR__FATAL) {
		char why[300];

		rd_kafka_fatal_error(rk, why, sizeof why);
		g->fatal = 1;
		snprintf(g->err_text, sizeof g->err_text, "librdkafka: %s", why);
	} else if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || e == RD_KAFKA_RESP_ERR__RESOLVE) {
		g->brokers_down = 1;
		snprintf(g->err_text, sizeof g->err_text, "no broker of eventhub_bootstrap answers (%.300s)",
		         reason);
	}
}

/* Hand librdkafka a token for the SASL handshake once the app has one. */
static void serve_token(struct eh_src *g, int64_t deadline)
{
	const char *tok;
	struct rm_oauth_fail f = {0};
	char why[256];
	int rc;

	if (!g->need_token || !g->app)
		return;
	rc = rm_entra_app_token(g->app, rm_live_wall(&g->live), deadline, &tok, &f);
	if (rc > 0)
		return; /* in flight: the next poll goes on */
	g->need_token = 0;
	if (rc < 0) {
		g->src->errors++;
		g->fatal |= f.unusable;
		snprintf(g->err_text, sizeof g->err_text, "no OAUTHBEARER token: %s", f.msg);
		rd_kafka_oauthbearer_set_token_failure(g->rk, f.msg);
		return;
	}
	if (rd_kafka_oauthbearer_set_token(g->rk, tok, rm_live_wall(&g->live) + TOKEN_LIFETIME_MS,
	                                   g->principal, NULL, 0, why, sizeof why) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(g->err_text, sizeof g->err_text, "the OAUTHBEARER token was refused: %s", why);
		rd_kafka_oauthbearer_set_token_failure(g->rk, why);
	}
}

static void on_token_refresh(rd_kafka_t *rk, const char *config, void *opaque)
{
	struct eh_src *g = opaque;

	(void)rk;
	(void)config;
	g->need_token = 1;
	serve_token(g, rm_monotonic_ms());
}

/* The group's (re)assignments: taken as given. With more instances than
 * partitions a member may be given none, and is then caught up. */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *parts,
                         void *opaque)
{
	struct eh_src *g = opaque;
	int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;

	if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		if (coop)
			rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
		else
			(void)rd_kafka_assign(rk, parts);
		g->settled = 1;
	} else {
		/* revoked: what was read and not yet saved is read again by the
		 * next owner, from the last commit (each instance has its state) */
		if (coop)
			rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
		else
			(void)rd_kafka_assign(rk, NULL);
		g->settled = 0;
	}
}

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
	struct eh_part *p = part_of(g, topic, m->partition);
	char name[300];

	if (!p)
		return -1;
	if (m->offset >= p->next) {
		snprintf(name, sizeof name, "%s/%d@%lld", topic, (int)m->partition, (long long)m->offset);
		in->doc_name = name;
		in->doc_offset = 0;
		rm_ingest_document(in, m->payload ? m->payload : "", m->len);
		in->doc_name = NULL;
		p->next = m->offset + 1;
	}
	(void)rd_kafka_offset_store(m->rkt, m->partition, m->offset);
	g->brokers_down = 0;
	return 0;
}

/* How long a metadata request may wait: half of what is left of the
 * budget, so that the callbacks are still served in this poll. */
static int metadata_wait(int64_t deadline)
{
	int64_t left = (deadline - rm_monotonic_ms()) / 2;

	return (int)(left < METADATA_WAIT_MS ? left : METADATA_WAIT_MS);
}

/* Where the consumer stands in each assigned partition of a (filled in):
 * its position, else (nothing consumed there yet) the group's committed
 * offset, asked once per poll within its budget, else the oldest retained;
 * never before what the saved state already holds. 0, or -1 when not
 * known yet. */
static int positions(struct eh_src *g, rd_kafka_topic_partition_list_t *a, int64_t deadline)
{
	rd_kafka_topic_partition_list_t *c = NULL;
	int rc = 0;

	if (rd_kafka_position(g->rk, a) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return -1;
	for (int i = 0; i < a->cnt && !c; i++)
		if (a->elems[i].offset < 0) {
			int wait = metadata_wait(deadline);

			c = rd_kafka_topic_partition_list_copy(a);
			if (g->asked_committed || wait <= 0 ||
			    rd_kafka_committed(g->rk, c, wait) != RD_KAFKA_RESP_ERR_NO_ERROR)
				rc = -1;
			g->asked_committed = 1;
		}
	for (int i = 0; rc == 0 && i < a->cnt; i++) {
		rd_kafka_topic_partition_t *t = &a->elems[i];
		int64_t lo = -1, hi = -1;
		struct eh_part *p = part_of(g, t->topic, t->partition);

		(void)rd_kafka_get_watermark_offsets(g->rk, t->topic, t->partition, &lo, &hi);
		if (t->offset < 0 && c)
			t->offset = c->elems[i].offset;
		if (t->offset < 0)
			t->offset = lo;
		if (p && p->next > t->offset)
			t->offset = p->next;
		if (t->offset < 0 || hi < 0)
			rc = -1;
		t->metadata_size = 0;
		t->err = (rd_kafka_resp_err_t)0;
		t->opaque = NULL;
		if (rc == 0)
			t->offset = hi > t->offset ? hi - t->offset : 0; /* behind the head */
	}
	if (c)
		rd_kafka_topic_partition_list_destroy(c);
	return rc;
}

/* Messages behind the head over the assigned partitions; -1 when a
 * partition's place or head is not known yet, or the group has not yet given
 * this member its share. */
static int64_t measure_backlog(struct eh_src *g, int64_t deadline)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	int64_t sum = 0;

	if (rd_kafka_assignment(g->rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a)
		return -1;
	if (a->cnt == 0)
		sum = g->settled ? 0 : -1; /* given none: nothing to read */
	else if (positions(g, a, deadline) < 0)
		sum = -1;
	for (int i = 0; sum >= 0 && i < a->cnt; i++)
		sum += a->elems[i].offset;
	rd_kafka_topic_partition_list_destroy(a);
	return sum;
}

/* Results of earlier commits: failures are counted and logged, never
 * fatal (the next save commits again). */
static void reap_commits(struct eh_src *g, int wait_ms)
{
	rd_kafka_event_t *ev;

	while (g->commits_pending && (ev = rd_kafka_queue_poll(g->commit_q, wait_ms))) {
		rd_kafka_resp_err_t e = rd_kafka_event_error(ev);

		if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT) {
			g->commits_pending--;
			if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
				g->src->errors++;
				if (g->in)
					rm_ingest_log(g->in, REVMON_LOG_WARNING, "%s: offset commit failed: %s "
					              "(committed again after the next save)", g->src->name,
					              rd_kafka_err2str(e));
			}
		}
		rd_kafka_event_destroy(ev);
	}
}

/* While every broker was down: one metadata request, within the budget,
 * says whether one answers again. */
static void probe_brokers(struct eh_src *g, int64_t deadline)
{
	const struct rd_kafka_metadata *md = NULL;
	int wait = metadata_wait(deadline);

	if (wait <= 0)
		return;
	if (rd_kafka_metadata(g->rk, 0, NULL, &md, wait) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		g->brokers_down = 0;
		g->err_text[0] = '\0';
	}
	if (md)
		rd_kafka_metadata_destroy(md);
}

/* Until every configured hub is seen once in the namespace's metadata:
 * one request within the budget; a hub that is not there is named. */
static void check_topics(struct eh_src *g, int64_t deadline)
{
	const struct rd_kafka_metadata *md = NULL;
	/* half of what is left: the first answer includes connecting, and
	 * until it comes an empty assignment proves nothing */
	int64_t left = (deadline - rm_monotonic_ms()) / 2;
	int wait = left > INT_MAX ? INT_MAX : (int)left;
	const char *t = g->topics;

	if (g->topics_seen)
		goto out;
	if (wait <= 0 || rd_kafka_metadata(g->rk, 1, NULL, &md, wait) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		g->unconfirmed = 1;
		snprintf(g->err_text, sizeof g->err_text, "no answer to a metadata request within %d ms: "
		         "the event hubs are not confirmed yet", wait > 0 ? wait : 0);
		goto out;
	}
	g->unconfirmed = 0;
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
			g->topic_missing = 1; /* the diagnostic setting may create it later */
			g->src->errors++;
			snprintf(g->err_text, sizeof g->err_text, "event hub '%.*s' does not exist in the "
			         "namespace: check eventhub_topics (a diagnostic setting creates "
			         "insights-logs-<category> once it has sent a record)", (int)n, t);
		}
		t += n + (t[n] == ',');
	}
out:
	if (md)
		rd_kafka_metadata_destroy(md);
}

/* Consume until the deadline or until caught up. 0, or -1 on no memory. */
static int consume(struct eh_src *g, struct rm_ingest *in, int64_t deadline)
{
	for (int first = 1;; first = 0) {
		int64_t left = deadline - rm_monotonic_ms();
		rd_kafka_message_t *m;
		int rc = 0;

		/* once at least, late or not: the callbacks are served there */
		if ((left <= 0 && !first) || g->fatal || g->topic_missing)
			return 0;
		if (left < 0)
			left = 0;
		serve_token(g, deadline);
		m = rd_kafka_consumer_poll(g->rk, (int)(left < SLICE_MS ? left : SLICE_MS));
		if (!m) {
			g->backlog = measure_backlog(g, deadline);
			if (g->backlog == 0) {
				g->caught_up = 1;
				return 0;
			}
			continue;
		}
		if (m->err)
			message_error(g, m);
		else
			rc = take_message(g, in, m);
		rd_kafka_message_destroy(m);
		if (rc < 0)
			return -1;
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
	reap_commits(g, 0);
	if (g->brokers_down)
		probe_brokers(g, deadline);
	if (!g->brokers_down)
		check_topics(g, deadline);
	if (consume(g, in, deadline) < 0) {
		rm_errorf(err, "out of memory");
		rc = -1;
	} else if (g->fatal || g->topic_missing || g->brokers_down || g->unconfirmed) {
		src->unusable = g->fatal || g->topic_missing;
		rm_errorf(err, "%s", g->err_text);
		rc = -1;
	}
	if (!g->caught_up)
		g->backlog = measure_backlog(g, deadline);
	g->now_ms = rm_live_wall(&g->live);
	g->in = NULL;
	return rc;
}

static int64_t eh_now(const struct rm_source *src)
{
	const struct eh_src *g = src->impl;

	return g->now_ms;
}

/* Caught up, or failed (a report need not wait for a broken stream). */
static int eh_done(const struct rm_source *src)
{
	const struct eh_src *g = src->impl;

	return g->caught_up || g->fatal || g->topic_missing || g->brokers_down || g->unconfirmed;
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

/* Per partition the next offset to deliver; never a secret. */
static int eh_save(const struct rm_source *src, struct rm_buf *out)
{
	const struct eh_src *g = src->impl;
	int e = 0;

	e |= rm_put_u32(out, STATE_VERSION);
	e |= rm_put_u32(out, (uint32_t)g->n_parts);
	for (size_t i = 0; i < g->n_parts; i++) {
		e |= rm_put_str(out, g->parts[i].topic);
		e |= rm_put_u32(out, (uint32_t)g->parts[i].partition);
		e |= rm_put_i64(out, g->parts[i].next);
	}
	e |= rm_put_u64(out, src->errors);
	return e ? -1 : 0;
}

static int eh_load(struct rm_source *src, const void *buf, size_t len, struct revmon_error *err)
{
	struct eh_src *g = src->impl;
	struct rm_rd r = {buf, len, 0, 0};
	uint32_t n;

	if (rm_get_u32(&r) != STATE_VERSION)
		goto bad;
	n = rm_get_u32(&r);
	for (uint32_t i = 0; i < n && !r.bad; i++) {
		char *topic = rm_get_str(&r);
		int32_t partition = (int32_t)rm_get_u32(&r);
		int64_t next = rm_get_i64(&r);
		struct eh_part *p = topic && !r.bad && next >= 0 ? part_of(g, topic, partition) : NULL;

		free(topic);
		if (!p)
			goto bad;
		p->next = next;
	}
	src->errors = rm_get_u64(&r);
	if (r.bad || r.pos != r.n)
		goto bad;
	return 0;
bad:
	rm_errorf(err, "corrupt (cursor of %s)", src->name);
	return -1;
}

static void eh_free(struct rm_source *src)
{
	struct eh_src *g = src->impl;

	if (g && g->rk) {
		int64_t until = rm_monotonic_ms() + CLOSE_WAIT_MS;

		/* the commit after the last save must reach the broker */
		while (g->commits_pending && rm_monotonic_ms() < until)
			reap_commits(g, (int)(until - rm_monotonic_ms()));
		(void)rd_kafka_consumer_close(g->rk); /* leaves the group: others take over at once */
		rd_kafka_queue_destroy(g->commit_q);
		rd_kafka_destroy(g->rk);
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
	.save = eh_save,
	.load = eh_load,
	.free = eh_free,
	.after_save = eh_after_save,
	.backlog = eh_backlog,
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

/* OAUTHBEARER: the graph_* app asking for tokens of the namespace. */
static int open_app(struct eh_src *g, const struct rm_settings *s, rd_kafka_conf_t *conf,
                    struct revmon_error *err)
{
	struct rm_buf scope = {0};
	int rc = -1;

	if (rm_eventhub_scope(&scope, s) < 0 || !(g->principal = strdup(s->graph_client_id))) {
		rm_errorf(err, "out of memory");
		goto out;
	}
	g->http = rm_http_new(s->graph_ca_file, 1 << 20, err);
	if (!g->http)
		goto out;
	g->app = rm_entra_app_new_scoped(s, g->http, s->graph_request_timeout_ms, scope.data, err);
	if (!g->app)
		goto out;
	rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, on_token_refresh);
	rc = 0;
out:
	rm_buf_free(&scope);
	return rc;
}

/* The consumer, subscribed to eventhub_topics. 0, or -1 with err. */
static int open_consumer(struct eh_src *g, const struct rm_settings *s, rd_kafka_conf_t *conf,
                         struct revmon_error *err)
{
	char why[512];
	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(4);
	const char *t = s->eventhub_topics;
	rd_kafka_resp_err_t e;

	if (!(g->topics = strdup(t))) {
		rd_kafka_topic_partition_list_destroy(topics);
		rd_kafka_conf_destroy(conf);
		rm_errorf(err, "out of memory");
		return -1;
	}
	rd_kafka_conf_set_opaque(conf, g);
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	if (rd_kafka_conf_set(conf, "log.queue", "true", why, sizeof why) != RD_KAFKA_CONF_OK)
		goto refused;
	g->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
	if (!g->rk)
		goto refused;
	(void)rd_kafka_set_log_queue(g->rk, NULL); /* logs served by the poll, in the host's thread */
	rd_kafka_poll_set_consumer(g->rk);
	g->commit_q = rd_kafka_queue_new(g->rk);
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
		rm_errorf(err, "eventhub_topics: %s", rd_kafka_err2str(e));
		return -1;
	}
	return 0;
refused:
	rd_kafka_topic_partition_list_destroy(topics);
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
	    (props.auth == RM_EH_AUTH_OAUTHBEARER && open_app(g, s, conf, &why) < 0))
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
