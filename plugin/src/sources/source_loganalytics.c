/* Source "loganalytics": a Log Analytics workspace through its query API
 * (log-shapes.md §1-2), the app's own identity (the graph_* keys, a token
 * for the API's audience la_scope).
 *
 * Three tables, each read in windows of ingestion time: a record becomes
 * queryable at its ingestion_time(), so a window (cursor - overlap, hi]
 * read completely holds every record that reached the workspace by hi,
 * however late it was logged, and the cursor moves to hi. la_overlap
 * re-reads a little for the clocks of revmon and the service; records come
 * again only there, and the analyzer drops them by Id. A window is never
 * cut: an answer that reaches la_max_rows, a partial answer (PartialError)
 * or a query past its time-out (504) has its window split in two and read
 * again, the rows it did bring kept (they are real; the re-read is
 * deduplicated).
 *
 * One query at a time (the API allows 5 concurrent), at most la_rate per
 * 30 s, the server's time-out sent as Prefer: wait=; 429 with Retry-After
 * and 5xx back off; requests run on across polls on libcurl's multi
 * interface like the graph source's. Errors a person must fix (no role,
 * unknown workspace, a table the diagnostic setting does not fill,
 * credentials) make the source unusable with the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entra/entra.h"
#include "live.h"
#include "parse/parse.h"
#include "source.h"
#include "util/util.h"

#define RATE_WINDOW_MS 30000
#define RATE_MARGIN_MS 250
#define CHUNK_MS (6 * 3600LL * 1000) /* windows catch up six hours of ingestion at a time */
#define MIN_SPLIT_MS 1000           /* a window is not split below a second */
#define CONNECT_TIMEOUT_MS 10000
#define HTTP_SLACK_MS 30000         /* the HTTP request may outlast the server's time-out */
#define RETRY_BASE_MS 1000
#define TOKEN_RETRY_BASE_MS 5000
#define RETRY_CAP_MS 60000
#define MAX_ATTEMPTS 5
#define RETRY_SPAN_MS 20000
#define REREAD_SLACK_MS 60000
#define LATENCY_MAX_MS (2 * 86400000LL) /* the service rewrites older TimeGenerated */
#define SAMPLES 2048                /* latencies kept per round, for the p95 */
#define STATE_VERSION 1

#define Q_OK 0
#define Q_FAIL (-1)
#define Q_BUDGET 1
#define Q_AGAIN 2  /* send again (after retry_at) */
#define Q_SPLIT 3  /* the window was too big: read half of it */

struct la_stream {
	const struct rm_la_table *t;
	int enabled;
	int64_t cursor_ms; /* ingestion time read completely up to here; 0: never */
	int64_t hi_ms;     /* the end of the window being read, 0 between windows */
};

struct la_src {
	struct rm_http *http;
	struct rm_entra_app *app;
	struct rm_http_xfer *q;     /* the query in flight, across polls */
	const struct la_stream *q_of;
	char *url, *workspace;
	struct la_stream st[RM_LA_TABLES];
	int64_t overlap_ms, lookback_ms, timeout_ms;
	unsigned max_rows;
	struct rm_budget budget;    /* la_rate per 30 s */
	struct rm_live live;
	struct rm_retry retry;      /* of the query in flight */
	int64_t now_ms;
	int caught_up;
	int64_t round_hi;
	/* ingestion latency: samples of this round, the last round's p95,
	 * the largest seen (the floor of ids kept for re-reads) */
	int64_t samples[SAMPLES];
	unsigned n_samples;
	uint64_t seen_samples;
	int64_t latency_p95_ms, latency_max_ms;
};

static double jitter(struct la_src *g)
{
	return rm_live_rnd(&g->live);
}

/* A failure that may heal: 0 to send again later, -1 (err) when spent. */
static int retry_later(struct la_src *g, int64_t delay_ms, struct revmon_error *err)
{
	return rm_retry_fail(&g->retry, delay_ms, MAX_ATTEMPTS, RETRY_SPAN_MS, err);
}

/* --- ingestion latency --- */

/* Every record the query brings: its latency into the workspace. */
static int accept_event(void *ctx, struct rm_event *ev)
{
	struct la_src *g = ctx;
	int64_t l;

	if (!ev->received_ms)
		return 1;
	l = ev->received_ms - ev->time_ms;
	if (l < 0)
		l = 0;
	if (l > LATENCY_MAX_MS)
		l = LATENCY_MAX_MS;
	if (l > g->latency_max_ms)
		g->latency_max_ms = l;
	/* reservoir sampling: a fair sample of the round whatever its size */
	g->seen_samples++;
	if (g->n_samples < SAMPLES)
		g->samples[g->n_samples++] = l;
	else if (jitter(g) * (double)g->seen_samples < SAMPLES)
		g->samples[(size_t)(jitter(g) * SAMPLES) % SAMPLES] = l;
	return 1;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

static void round_latency(struct la_src *g)
{
	size_t k;

	if (!g->n_samples)
		return;
	qsort(g->samples, g->n_samples, sizeof g->samples[0], cmp_i64);
	k = (size_t)((95 * (uint64_t)g->n_samples + 99) / 100);
	g->latency_p95_ms = g->samples[k ? k - 1 : 0];
	g->n_samples = 0;
	g->seen_samples = 0;
}

/* --- one query --- */

/* Send the query of st's window once the retry pause, the token and the
 * budget allow. */
static int send_query(struct rm_source *src, struct la_src *g, const struct la_stream *st,
                      int64_t deadline, struct revmon_error *err)
{
	static const struct rm_retry_limits limits = {MAX_ATTEMPTS, RETRY_SPAN_MS,
	                                              TOKEN_RETRY_BASE_MS, RETRY_CAP_MS};
	struct rm_buf body = {0};
	const char *tok;
	int rc = rm_live_ready(src, &g->live, &g->retry, &limits, &g->budget, g->app, deadline, &tok,
	                       err);

	if (rc != 0)
		return rc > 0 ? Q_BUDGET : Q_FAIL;
	if (rm_la_query_body(&body, st->t, st->cursor_ms - g->overlap_ms, st->hi_ms, g->max_rows) < 0) {
		rm_errorf(err, "out of memory");
		return Q_FAIL;
	}
	(void)rm_http_start(g->q, "POST", g->url, body.data, body.len, tok,
	                    g->timeout_ms + HTTP_SLACK_MS, CONNECT_TIMEOUT_MS);
	rm_buf_free(&body);
	g->q_of = st;
	return Q_OK;
}

/* An error answer or a failed transfer: Q_AGAIN, Q_SPLIT or Q_FAIL. */
static int judge_failure(struct rm_source *src, struct la_src *g, const struct la_stream *st,
                         int answered, const struct rm_http_response *r, struct revmon_error *err)
{
	char said[400];
	int unusable, smaller;
	int64_t delay;

	if (!answered) {
		src->errors++;
		if (r->permanent) {
			src->unusable = 1;
			rm_retry_done(&g->retry);
			rm_errorf(err, "%s: %.200s", st->t->table, r->error);
			return Q_FAIL;
		}
		snprintf(g->retry.last, sizeof g->retry.last, "%s: %.200s", st->t->table, r->error);
		delay = rm_backoff_ms(g->retry.attempt, RETRY_BASE_MS, RETRY_CAP_MS, jitter(g));
		return retry_later(g, delay, err) < 0 ? (rm_retry_done(&g->retry), Q_FAIL) : Q_AGAIN;
	}
	if (r->status == 401 && !g->retry.refreshed) {
		src->errors++;
		g->retry.refreshed = 1;
		rm_entra_app_invalidate(g->app);
		return Q_AGAIN;
	}
	rm_la_error_describe(r->status, r->body.data, r->body.len, st->t, g->workspace, said,
	                     sizeof said, &unusable, &smaller);
	if (r->status == 429)
		src->throttled++;
	else
		src->errors++;
	if (r->status == 401) {
		unusable = 1;
		snprintf(said, sizeof said, "the API refused a fresh access token: does la_scope match "
		         "la_base's audience?");
	}
	if (smaller)
		return Q_SPLIT;
	if (unusable) {
		src->unusable = 1;
		rm_retry_done(&g->retry);
		rm_errorf(err, "%s: %s", st->t->table, said);
		return Q_FAIL;
	}
	snprintf(g->retry.last, sizeof g->retry.last, "%s: %s", st->t->table, said);
	delay = rm_retry_delay_ms(r->retry_after, g->retry.attempt, RETRY_BASE_MS, RETRY_CAP_MS,
	                          jitter(g));
	return retry_later(g, delay, err) < 0 ? (rm_retry_done(&g->retry), Q_FAIL) : Q_AGAIN;
}

/* Ingest an answer: Q_OK when the window is complete, Q_SPLIT when it is
 * not (the rows it brought are kept), Q_FAIL when it is not an answer. */
static int take_answer(struct rm_source *src, struct la_src *g, const struct la_stream *st,
                       struct rm_ingest *in, const struct rm_http_response *r,
                       struct revmon_error *err)
{
	struct rm_doc_result res;

	rm_retry_done(&g->retry);
	if (r->status == 204 || !r->body.len)
		return Q_OK; /* the workspace has no data */
	in->doc_offset = 0;
	in->doc_name = st->t->table;
	if (rm_ingest_document_result(in, r->body.data, r->body.len, &res) < 0) {
		src->errors++;
		rm_errorf(err, "%s: the answer is not a query API result", st->t->table);
		return Q_FAIL;
	}
	if (rm_la_partial(r->body.data, r->body.len) ||
	    res.records + res.ignored + res.rejected >= g->max_rows)
		return Q_SPLIT;
	return Q_OK;
}

/* Run st's query to its answer: Q_OK (complete), Q_SPLIT, Q_BUDGET or
 * Q_FAIL (err). */
static int query(struct rm_source *src, struct la_src *g, const struct la_stream *st,
                 struct rm_ingest *in, int64_t deadline, struct revmon_error *err)
{
	for (;;) {
		struct rm_http_response r = {0};
		int rc, answered;

		if (rm_http_busy(g->q) && g->q_of != st)
			rm_http_cancel(g->q);
		if (!rm_http_busy(g->q) && (rc = send_query(src, g, st, deadline, err)) != Q_OK)
			return rc;
		if (!rm_http_wait(g->q, deadline))
			return Q_BUDGET;
		answered = rm_http_take(g->q, &r) == 0;
		for (unsigned k = 1; k < r.sends; k++)
			rm_budget_record(&g->budget, rm_live_wall(&g->live));
		if (answered && r.status >= 200 && r.status < 300)
			rc = take_answer(src, g, st, in, &r, err);
		else
			rc = judge_failure(src, g, st, answered, &r, err);
		rm_http_response_free(&r);
		if (rc != Q_AGAIN)
			return rc;
	}
}

/* Halve st's window; Q_FAIL when it is already down to a second. */
static int split(struct rm_source *src, struct la_src *g, struct la_stream *st,
                 struct revmon_error *err)
{
	int64_t span = st->hi_ms - st->cursor_ms;

	if (span <= MIN_SPLIT_MS) {
		src->errors++;
		rm_errorf(err, "%s: more than la_max_rows (%u) records reached the workspace within "
		          "one second, or one second's query does not finish: raise la_max_rows or "
		          "la_request_timeout", st->t->table, g->max_rows);
		return Q_FAIL;
	}
	st->hi_ms = st->cursor_ms + span / 2;
	return Q_OK;
}

/* Read one table until its window ending at the round's start is complete
 * or the budget is spent. */
static int poll_stream(struct rm_source *src, struct la_src *g, struct la_stream *st,
                       struct rm_ingest *in, int64_t deadline, struct revmon_error *err)
{
	for (;;) {
		int rc;

		if (!st->cursor_ms)
			st->cursor_ms = g->round_hi - g->lookback_ms;
		if (!st->hi_ms) {
			if (st->cursor_ms >= g->round_hi)
				return Q_OK;
			st->hi_ms = g->round_hi;
			if (st->hi_ms - st->cursor_ms > CHUNK_MS)
				st->hi_ms = st->cursor_ms + CHUNK_MS;
		}
		rc = query(src, g, st, in, deadline, err);
		if (rc == Q_SPLIT)
			rc = split(src, g, st, err);
		else if (rc == Q_OK) {
			st->cursor_ms = st->hi_ms;
			st->hi_ms = 0;
		}
		if (rc != Q_OK)
			return rc;
		if (rm_monotonic_ms() >= deadline)
			return Q_BUDGET;
	}
}

static int la_poll(struct rm_source *src, struct rm_ingest *in, int64_t deadline,
                   struct revmon_error *err)
{
	struct la_src *g = src->impl;
	int rc = 0;

	rm_live_poll(&g->live, in->wall_ms);
	if (g->caught_up || !g->round_hi) {
		g->round_hi = g->live.wall0;
		g->caught_up = 0;
	}
	in->accept = accept_event;
	in->accept_ctx = g;
	in->rereads = 1;
	for (unsigned k = 0; k < RM_LA_TABLES; k++) {
		int r;

		if (!g->st[k].enabled)
			continue;
		r = poll_stream(src, g, &g->st[k], in, deadline, err);
		if (r == Q_FAIL) {
			rc = -1;
			break;
		}
		if (r == Q_BUDGET)
			break;
	}
	g->caught_up = rc < 0;
	if (rc == 0) {
		g->caught_up = 1;
		for (size_t k = 0; k < RM_LA_TABLES; k++)
			if (g->st[k].enabled && (g->st[k].hi_ms || g->st[k].cursor_ms < g->round_hi))
				g->caught_up = 0;
		if (g->caught_up)
			round_latency(g);
		rc = rm_live_overdue(&g->live, &g->retry, g->http, in->last, err);
	}
	g->now_ms = rm_live_wall(&g->live);
	in->accept = NULL;
	in->rereads = 0;
	in->doc_name = NULL;
	return rc;
}

static int64_t la_now(const struct rm_source *src)
{
	const struct la_src *g = src->impl;

	return g->now_ms;
}

static int la_done(const struct rm_source *src)
{
	const struct la_src *g = src->impl;

	return g->caught_up;
}

/* Records re-read by the overlap were logged up to the largest latency
 * seen before their ingestion: keep their ids that far back. */
static int64_t la_reread_floor(const struct rm_source *src)
{
	const struct la_src *g = src->impl;
	int64_t floor = INT64_MAX;

	for (size_t i = 0; i < RM_LA_TABLES; i++)
		if (g->st[i].enabled && g->st[i].cursor_ms && g->st[i].cursor_ms < floor)
			floor = g->st[i].cursor_ms;
	if (floor == INT64_MAX)
		return 0;
	return floor - g->overlap_ms - REREAD_SLACK_MS - g->latency_max_ms;
}

static int64_t la_latency(const struct rm_source *src)
{
	const struct la_src *g = src->impl;

	return g->latency_p95_ms > 0 || g->latency_max_ms > 0 ? g->latency_p95_ms : -1;
}

/* Cursors, the query times and the latencies; never a token or a secret. */
static int la_save(const struct rm_source *src, struct rm_buf *out)
{
	const struct la_src *g = src->impl;
	int e = 0;

	e |= rm_put_u32(out, STATE_VERSION);
	for (size_t k = 0; k < RM_LA_TABLES; k++)
		e |= rm_put_i64(out, g->st[k].cursor_ms);
	e |= rm_budget_save(&g->budget, out);
	e |= rm_put_i64(out, g->latency_p95_ms);
	e |= rm_put_i64(out, g->latency_max_ms);
	e |= rm_put_u64(out, src->throttled);
	e |= rm_put_u64(out, src->errors);
	return e ? -1 : 0;
}

static int la_load(struct rm_source *src, const void *buf, size_t len, struct revmon_error *err)
{
	struct la_src *g = src->impl;
	struct rm_rd r = {buf, len, 0, 0};
	if (rm_get_u32(&r) != STATE_VERSION)
		goto bad;
	for (size_t k = 0; k < RM_LA_TABLES; k++)
		g->st[k].cursor_ms = rm_get_i64(&r);
	if (rm_budget_load(&g->budget, &r) < 0)
		goto bad;
	g->latency_p95_ms = rm_get_i64(&r);
	g->latency_max_ms = rm_get_i64(&r);
	src->throttled = rm_get_u64(&r);
	src->errors = rm_get_u64(&r);
	if (r.bad || r.pos != r.n || g->latency_max_ms < 0 || g->latency_max_ms > LATENCY_MAX_MS)
		goto bad;
	return 0;
bad:
	rm_errorf(err, "corrupt (cursor of %s)", src->name);
	return -1;
}

static void la_free(struct rm_source *src)
{
	struct la_src *g = src->impl;

	if (g) {
		rm_entra_app_free(g->app);
		rm_http_free(g->http);
		free(g->url);
		free(g->workspace);
	}
	rm_source_release(src);
}

static const struct rm_source_ops la_ops = {
	.poll = la_poll,
	.now = la_now,
	.done = la_done,
	.save = la_save,
	.load = la_load,
	.free = la_free,
	.reread_floor = la_reread_floor,
	.latency = la_latency,
};

static int open_client(struct la_src *g, const struct rm_settings *s, struct revmon_error *why)
{
	char prefer[40];

	snprintf(prefer, sizeof prefer, "Prefer: wait=%lld", (long long)(g->timeout_ms / 1000));
	g->http = rm_http_new(s->graph_ca_file, s->max_document_bytes, why);
	if (g->http)
		rm_http_refuse_resends(g->http, 1); /* the query budget counts every send */
	if (!g->http || !(g->q = rm_http_xfer_new(g->http)) ||
	    rm_http_xfer_headers(g->q, "application/json", prefer) < 0)
		return -1;
	g->app = rm_entra_app_new_scoped(s, g->http, s->graph_request_timeout_ms, s->la_scope, why);
	return g->app ? 0 : -1;
}

struct rm_source *rm_source_loganalytics_new(const char *spec, const struct rm_settings *s,
                                             struct revmon_error *err)
{
	struct rm_source *src = rm_source_alloc(spec, &la_ops, sizeof(struct la_src), err);
	struct la_src *g;
	struct revmon_error why = {{0}};
	struct rm_buf url = {0};

	if (!src)
		return NULL;
	g = src->impl;
	src->counts_errors = 1;
	if (!s->la_workspace) {
		rm_errorf(err, "source: %s: la_workspace is not set (the workspace's Workspace ID)", spec);
		goto fail;
	}
	g->overlap_ms = s->la_overlap_ms;
	g->lookback_ms = s->la_lookback_ms;
	g->timeout_ms = s->la_request_timeout_ms;
	rm_budget_init(&g->budget, s->la_rate, RATE_WINDOW_MS, RATE_MARGIN_MS);
	g->max_rows = s->la_max_rows;
	rm_live_init(&g->live, g);
	for (size_t k = 0; k < RM_LA_TABLES; k++)
		g->st[k] = (struct la_stream){&rm_la_tables[k], 1, 0, 0};
	g->st[RM_LA_NONINTERACTIVE].enabled = s->la_noninteractive;
	if (rm_buf_printf(&url, "%s/v1/workspaces/", s->la_base) < 0 ||
	    rm_url_encode(&url, s->la_workspace, strlen(s->la_workspace)) < 0 ||
	    rm_buf_puts(&url, "/query") < 0 || !(g->url = strdup(url.data)) ||
	    !(g->workspace = strdup(s->la_workspace))) {
		rm_errorf(err, "source: %s: out of memory", spec);
		goto fail;
	}
	if (open_client(g, s, &why) < 0) {
		rm_errorf(err, "source: %s: %s", spec, why.msg[0] ? why.msg : "out of memory");
		goto fail;
	}
	rm_buf_free(&url);
	return src;
fail:
	rm_buf_free(&url);
	la_free(src);
	return NULL;
}
