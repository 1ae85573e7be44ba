/* Source "graph": live Microsoft Graph (entra-facts §1-4, §7).
 *
 * Three streams, each read in time windows: beta auditLogs/signIns
 * (interactive, the default of that list), the same with the
 * signInEventTypes filter for non-interactive sign-ins, and v1.0
 * auditLogs/directoryAudits. Each window is [cursor - overlap, now]: logs
 * arrive late, so every poll re-reads graph_overlap before the last window;
 * the analyzer drops the records already delivered by id (it keeps the ids
 * as far back as a window can read again: graph_reread_floor, from the
 * cursors kept in the state file), so a restarted check neither counts
 * twice nor misses.
 *
 * Pages are followed by @odata.nextLink verbatim (only on graph_base's
 * origin: the link gets our token). Requests to the audit-log endpoints are
 * limited client-side to graph_rate per 10 s (Graph: 5 per app per tenant),
 * and the request times are saved too, so back-to-back checks keep the
 * budget. 429 is honoured with its (fractional) Retry-After, else
 * exponential back-off with jitter; 5xx, dropped connections and broken
 * bodies are retried.
 *
 * Requests run on libcurl's multi interface: a poll advances the request
 * in flight and returns when its budget is spent; the request runs on into
 * the next poll and ends only by graph_request_timeout, so a page that
 * takes 20 s is read, not abandoned, and only real failures are retried. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entra/entra.h"
#include "graph.h"
#include "live.h"
#include "parse/parse.h"
#include "source.h"
#include "util/util.h"

#define N_STREAMS 3
#define RATE_WINDOW_MS 10000
#define RATE_MARGIN_MS 250      /* our clock and the server's see a request apart */
#define CHUNK_MS (3600LL * 1000) /* windows after the first catch up an hour at a time */
#define CONNECT_TIMEOUT_MS 10000
#define RETRY_BASE_MS 1000
#define TOKEN_RETRY_BASE_MS 5000 /* identity platform: first retry after >= 5 s */
#define RETRY_CAP_MS 60000
#define MAX_RATE 5
#define STATE_VERSION 3 /* 3: the queue of user lookups too */
#define REREAD_SLACK_MS 60000 /* our clock and the server's disagree this much at most */
#define MAX_ATTEMPTS 5 /* per page */
#define RETRY_SPAN_MS 20000 /* per page: retries end this long after the first failure */

static const char sel_signins[] =
	"id,createdDateTime,userId,userPrincipalName,appId,appDisplayName,deviceDetail,status,"
	"isInteractive,signInEventTypes,authenticationProcessingDetails,correlationId";
static const char sel_audits[] =
	"id,activityDateTime,activityDisplayName,category,correlationId,loggedByService,"
	"initiatedBy,result,targetResources";

struct stream {
	const char *what;       /* for messages */
	const char *version, *path, *time_field, *event_type, *select;
	int enabled;
	int64_t cursor_ms;      /* windows are complete up to here; 0: never read */
	char *next;             /* next page of the window being read, NULL between windows */
	int64_t win_hi_ms;      /* upper bound of that window */
};

struct graph_src {
	struct rm_http *http;
	struct rm_entra_app *app;
	struct rm_http_xfer *page;   /* the page request, in flight across polls */
	const struct stream *page_of; /* the stream whose page it is */
	struct rm_http_xfer *lookup; /* the user lookup, likewise */
	char *base;
	struct stream st[N_STREAMS];
	int64_t overlap_ms, lookback_ms, timeout_ms;
	unsigned page_size;
	struct rm_budget budget; /* audit-log requests per 10 s */
	struct rm_live live;     /* the poll's clocks, jitter */
	int64_t now_ms;         /* wall clock when the last poll ended */
	int caught_up;          /* the round is read to its end, or failed */
	int64_t round_hi;       /* wall clock when the current round began: its windows end there */
	struct rm_retry retry;  /* retries of the current page, across polls */
	/* refusals completed with the user's signInSessionsValidFromDateTime */
	struct rm_sessions sessions;
	int sessions_on;
	/* retries of the lookup at the head of the queue, like a page's */
	unsigned lk_attempt;
	int64_t lk_retry_at, lk_first_fail; /* monotonic */
	int lk_refreshed, lk_paused; /* paused: this run gave up, a later poll retries */
	char lk_last[300];
	struct rm_source *src;  /* the poll being run: its counters, */
	struct rm_ingest *in;   /* its log and classifier, */
	int64_t deadline;       /* and its budget */
};

static const struct rm_retry_limits limits = {MAX_ATTEMPTS, RETRY_SPAN_MS, TOKEN_RETRY_BASE_MS,
                                              RETRY_CAP_MS};

static int64_t wall_now(const struct graph_src *g)
{
	return rm_live_wall(&g->live);
}

static double rnd(struct graph_src *g)
{
	return rm_live_rnd(&g->live);
}

int rm_graph_window_url(struct rm_buf *out, const char *base, const char *version,
                        const char *path, const char *time_field, const char *event_type,
                        const char *select, unsigned top, int64_t lo_ms, int64_t hi_ms)
{
	struct rm_buf f = {0};
	char lo[40], hi[40];
	int e = 0;

	rm_time_format(lo_ms - ((lo_ms % 1000) + 1000) % 1000, 0, lo, sizeof lo);
	rm_time_format(hi_ms - ((hi_ms % 1000) + 1000) % 1000, 0, hi, sizeof hi);
	if (event_type)
		e |= rm_buf_printf(&f, "signInEventTypes/any(t: t eq '%s') and ", event_type);
	e |= rm_buf_printf(&f, "%s ge %s and %s le %s", time_field, lo, time_field, hi);
	e |= rm_buf_printf(out, "%s/%s/%s?$filter=", base, version, path);
	if (!e)
		e |= rm_url_encode(out, f.data, f.len);
	if (select) {
		e |= rm_buf_puts(out, "&$select=");
		e |= rm_url_encode(out, select, strlen(select));
	}
	e |= rm_buf_printf(out, "&$top=%u", top);
	rm_buf_free(&f);
	return e ? -1 : 0;
}

/* Length of "https://host[:port]" at the start of url, or 0. */
static size_t origin_len(const char *url)
{
	const char *p;

	if (strncmp(url, "https://", 8) != 0)
		return 0;
	p = url + 8;
	p += strcspn(p, "/?#");
	return (size_t)(p - url) > 8 ? (size_t)(p - url) : 0;
}

int rm_graph_same_origin(const char *base, const char *url)
{
	size_t n = origin_len(base);

	return n && origin_len(url) == n && strncasecmp(base, url, n) == 0;
}

#define LOOKUP_OK 0    /* answered and stored */
#define LOOKUP_RETRY 1 /* failed in a way that may heal: g->lk_last says how */
#define LOOKUP_WAIT 2  /* in flight at the deadline: runs on into the next poll */
#define LOOKUP_DROP 3  /* asking again cannot help (nothing is cached) */
#define LOOKUP_OFF (-1) /* Graph refuses lookups: turned off, said once */

/* Start the lookup of one user's signInSessionsValidFromDateTime: 0, or
 * LOOKUP_RETRY / LOOKUP_WAIT when the app's token failed or is coming. */
static int start_lookup(struct graph_src *g, const char *id, double *retry_after)
{
	struct rm_buf url = {0};
	struct rm_oauth_fail f;
	const char *tok;
	int rc = LOOKUP_RETRY, t;

	snprintf(g->lk_last, sizeof g->lk_last, "user lookup: out of memory");
	if (rm_sessions_url(&url, g->base, id) < 0)
		goto out;
	t = rm_entra_app_token(g->app, wall_now(g), g->deadline, &tok, &f);
	if (t != 0) {
		if (t < 0 && f.throttled)
			g->src->throttled++;
		else if (t < 0)
			g->src->errors++;
		snprintf(g->lk_last, sizeof g->lk_last, "user lookup: %.280s", f.msg);
		*retry_after = f.retry_after;
		rc = t > 0 ? LOOKUP_WAIT : LOOKUP_RETRY;
		goto out;
	}
	(void)rm_http_start(g->lookup, "GET", url.data, NULL, 0, tok, g->timeout_ms, CONNECT_TIMEOUT_MS);
	rc = 0;
out:
	rm_buf_free(&url);
	return rc;
}

/* What an answer to a lookup means (LOOKUP_*). Only an answer is stored:
 * a failure, a truncated or malformed 200 among them, is retried. */
static int judge_lookup(struct graph_src *g, const char *id, int answered,
                        const struct rm_http_response *r, double *retry_after)
{
	char said[300];
	int64_t v = 0;
	int unusable = 0;

	/* 404: the user is gone; null: never revoked */
	if (answered && (r->status == 404 || (r->status == 200 &&
	    rm_sessions_parse(r->body.data ? r->body.data : "", r->body.len, &v) == 0))) {
		rm_sessions_store(&g->sessions, (struct rm_str){id, strlen(id)}, v, wall_now(g));
		return LOOKUP_OK;
	}
	if (answered && r->status == 429)
		g->src->throttled++;
	else
		g->src->errors++;
	*retry_after = answered ? r->retry_after : -1;
	if (!answered) {
		snprintf(g->lk_last, sizeof g->lk_last, "user lookup: %.280s", r->error);
		return LOOKUP_RETRY;
	}
	if (r->status == 200) {
		snprintf(g->lk_last, sizeof g->lk_last, "user lookup: HTTP 200 without a whole user "
		         "object (%zu bytes)", r->body.len);
		return LOOKUP_RETRY;
	}
	snprintf(g->lk_last, sizeof g->lk_last, "user lookup: HTTP %ld: %s", r->status,
	         rm_graph_error_describe(r->status, r->body.data, r->body.len, said, sizeof said,
	                                 &unusable));
	if (r->status == 401 && !g->lk_refreshed) {
		/* the token may have been revoked or rotated: a new one, at once */
		g->lk_refreshed = 1;
		rm_entra_app_invalidate(g->app);
		*retry_after = 0;
	}
	if (r->status == 403) {
		g->sessions_on = 0;
		rm_ingest_log(g->in, REVMON_LOG_WARNING,
		              "%s: reading users' signInSessionsValidFromDateTime was refused (HTTP 403: "
		              "%s): grant the app User.Read.All, or set graph_session_lookup = no; "
		              "revocation times now come from audits and failure texts only",
		              g->src->name, said);
		return LOOKUP_OFF;
	}
	return r->status == 429 || r->status == 401 || r->status >= 500 ? LOOKUP_RETRY : LOOKUP_DROP;
}

/* Ask Graph for one user's signInSessionsValidFromDateTime and remember
 * the answer (LOOKUP_*); *retry_after and *base_ms are the pause a
 * LOOKUP_RETRY asks for. */
static int lookup_user(struct graph_src *g, const char *id, double *retry_after, int64_t *base_ms)
{
	struct rm_http_response r = {0};
	int rc;

	*retry_after = -1;
	*base_ms = RETRY_BASE_MS;
	if (!rm_http_busy(g->lookup) && (rc = start_lookup(g, id, retry_after)) != 0) {
		*base_ms = TOKEN_RETRY_BASE_MS;
		return rc;
	}
	if (!rm_http_wait(g->lookup, g->deadline))
		return LOOKUP_WAIT;
	rc = judge_lookup(g, id, rm_http_take(g->lookup, &r) == 0, &r, retry_after);
	rm_http_response_free(&r);
	return rc;
}

/* A lookup failed in a way that may heal: try again after Retry-After or a
 * back-off, as for pages. 1 while the attempts last; 0 when this run gives
 * up for now (said once): the queue waits, in the state file too, and a
 * later poll tries again. */
static int lookup_transient(struct graph_src *g, double retry_after, int64_t base_ms)
{
	int64_t now = rm_monotonic_ms(), delay;

	if (++g->lk_attempt == 1)
		g->lk_first_fail = now;
	delay = rm_retry_delay_ms(retry_after, g->lk_attempt - 1, base_ms, RETRY_CAP_MS, rnd(g));
	if (g->lk_attempt <= MAX_ATTEMPTS && now + delay - g->lk_first_fail <= RETRY_SPAN_MS) {
		g->lk_retry_at = now + delay;
		return 1;
	}
	rm_ingest_log(g->in, REVMON_LOG_WARNING, "%s: %u lookups of revocation times wait for a later "
	              "poll: %s (gave up for now after %u attempts)", g->src->name,
	              g->sessions.n_want, g->lk_last, g->lk_attempt);
	g->lk_attempt = 0;
	g->lk_refreshed = 0;
	g->lk_retry_at = now + RETRY_CAP_MS;
	g->lk_paused = 1;
	return 0;
}

/* Look up the queued users within the poll's budget and hand the analyzer
 * each revocation that explains a refusal; the others wait for a later
 * poll. Returns 1 when the budget, a retry's pause or the per-poll
 * allowance, not a failure given up on, left users queued (the round is
 * then not over). */
static int resolve_wanted(struct graph_src *g)
{
	struct rm_sessions *c = &g->sessions;

	while (g->sessions_on && c->n_want && c->fetched < RM_SESSIONS_PER_POLL) {
		struct rm_session_want *w = &c->want[0];
		int64_t now = rm_monotonic_ms(), v = 0, base;
		double ra;
		int r;

		if (g->lk_retry_at > now) {
			if (g->lk_paused)
				return 0;
			if (g->lk_retry_at >= g->deadline)
				return rm_live_wait_out(g->deadline);
			rm_sleep_ms(g->lk_retry_at - now);
		}
		g->lk_paused = 0;
		r = lookup_user(g, w->id, &ra, &base);
		if (r == LOOKUP_WAIT)
			return 1;
		if (r == LOOKUP_RETRY) {
			c->fetched++; /* a request of the poll's allowance too */
			if (!lookup_transient(g, ra, base))
				return 0;
			continue;
		}
		g->lk_attempt = 0;
		g->lk_retry_at = 0;
		g->lk_refreshed = 0;
		if (r == LOOKUP_OK &&
		    rm_sessions_decide(c, (struct rm_str){w->id, strlen(w->id)}, w->t, &v) == RM_SESSIONS_USE)
			(void)rm_ingest_revocation(g->in, (struct rm_str){w->id, strlen(w->id)}, v); /* no memory: logged */
		if (r == LOOKUP_OFF)
			c->n_want = 0;
		else
			rm_sessions_drop(c, 0);
	}
	return g->sessions_on && c->n_want > 0;
}

/* A refusal of a revoked grant whose failure text names no revocation
 * time: take it from the user's signInSessionsValidFromDateTime, known
 * already or once looked up (resolve_wanted). */
static void complete_revocation(struct graph_src *g, struct rm_event *ev)
{
	int64_t v = 0;

	if (!g->sessions_on || ev->kind != RM_EV_SIGNIN || !ev->error_code ||
	    ev->tokens_valid_from_ms || !ev->user_id.n ||
	    rm_classify_code(&g->in->s->classifier, ev->error_code) != RM_CLASS_REVOKED)
		return;
	switch (rm_sessions_decide(&g->sessions, ev->user_id, ev->time_ms, &v)) {
	case RM_SESSIONS_USE:
		ev->tokens_valid_from_ms = v;
		break;
	case RM_SESSIONS_FETCH:
		(void)rm_sessions_want(&g->sessions, ev->user_id, ev->time_ms); /* full: stays bare */
		break;
	case RM_SESSIONS_SKIP:
		break;
	}
}

static int accept_event(void *ctx, struct rm_event *ev)
{
	struct graph_src *g = ctx;

	complete_revocation(g, ev);
	return 1;
}

/* The oldest event time a window may read again: the earliest cursor,
 * less the overlap (and a margin for the clocks); 0 before any is read. */
static int64_t graph_reread_floor(const struct rm_source *src)
{
	const struct graph_src *g = src->impl;
	int64_t floor = INT64_MAX;

	for (size_t i = 0; i < N_STREAMS; i++)
		if (g->st[i].enabled && g->st[i].cursor_ms && g->st[i].cursor_ms < floor)
			floor = g->st[i].cursor_ms;
	return floor == INT64_MAX ? 0 : floor - g->overlap_ms - REREAD_SLACK_MS;
}

/* --- the request budget --- */

/* --- one page --- */

#define FETCH_OK 0
#define FETCH_FAIL (-1)
#define FETCH_BUDGET 1 /* the poll's time is up: continue at the next poll */

/* A complete JSON object and nothing but whitespace after it. */
static int whole_object(const struct rm_buf *b)
{
	size_t start, end;
	enum rm_json_type type;

	if (!b->len)
		return 0;
	start = rm_json_skip_ws(b->data, b->len, 0);
	if (start >= b->len || rm_json_value_end(b->data, b->len, start, &end, &type) != RM_JSON_OK ||
	    type != RM_JSON_OBJECT)
		return 0;
	return rm_json_skip_ws(b->data, b->len, end) == b->len;
}

/* A failure that may heal (5xx, 429, a dropped connection, a broken body,
 * the token endpoint unavailable): try again after delay_ms, in this poll
 * or a later one, up to MAX_ATTEMPTS times per page. 0, or -1 when the
 * attempts are spent (err says what kept failing). */
static int transient(struct graph_src *g, int64_t delay_ms, struct revmon_error *err)
{
	return rm_retry_fail(&g->retry, delay_ms, MAX_ATTEMPTS, RETRY_SPAN_MS, err);
}

static void page_done(struct graph_src *g)
{
	rm_retry_done(&g->retry);
}

/* Send the request for url once the retry pause, the app's token and the
 * request budget allow: FETCH_OK when it is on its way, FETCH_BUDGET when
 * the poll's time ran out first, FETCH_FAIL (err) when no token can be had. */
static int send_page(struct rm_source *src, struct graph_src *g, const struct stream *st,
                     const char *url, int64_t deadline, struct revmon_error *err)
{
	const char *tok;
	int rc = rm_live_ready(src, &g->live, &g->retry, &limits, &g->budget, g->app, deadline, &tok,
	                       err);

	if (rc != 0)
		return rc > 0 ? FETCH_BUDGET : FETCH_FAIL;
	(void)rm_http_start(g->page, "GET", url, NULL, 0, tok, g->timeout_ms, CONNECT_TIMEOUT_MS);
	g->page_of = st;
	return FETCH_OK;
}

/* What an answer to the page request means: FETCH_OK (a whole page in
 * *r), FETCH_FAIL (err), or 2: try again (after g->retry.retry_at, or at once
 * with a fresh token). */
static int judge_page(struct rm_source *src, struct graph_src *g, const struct stream *st,
                      int answered, struct rm_http_response *r, struct revmon_error *err)
{
	struct rm_graph_error ge;
	const char *why;
	char said[300];
	int64_t delay;
	int unusable = 0;

	if (!answered) {
		src->errors++; /* a dropped connection among them */
		if (r->permanent) {
			src->unusable = 1;
			page_done(g);
			rm_errorf(err, "%s: %.200s", st->what, r->error);
			return FETCH_FAIL;
		}
		snprintf(g->retry.last, sizeof g->retry.last, "%s: %.200s", st->what, r->error);
		delay = rm_backoff_ms(g->retry.attempt, RETRY_BASE_MS, RETRY_CAP_MS, rnd(g));
	} else if (r->status == 200) {
		if (whole_object(&r->body)) {
			page_done(g);
			return FETCH_OK;
		}
		src->errors++;
		snprintf(g->retry.last, sizeof g->retry.last,
		         "%s: HTTP 200 with a truncated or malformed body (%zu bytes)", st->what,
		         r->body.len);
		delay = rm_backoff_ms(g->retry.attempt, RETRY_BASE_MS, RETRY_CAP_MS, rnd(g));
	} else if (r->status == 401 && !g->retry.refreshed) {
		/* The token may have been revoked or rotated: get a new one, once. */
		src->errors++;
		g->retry.refreshed = 1;
		rm_entra_app_invalidate(g->app);
		return 2;
	} else if (r->status == 429 || r->status >= 500) {
		if (r->status == 429)
			src->throttled++;
		else
			src->errors++;
		snprintf(g->retry.last, sizeof g->retry.last, "%s: HTTP %ld: %s", st->what, r->status,
		         rm_graph_error_describe(r->status, r->body.data, r->body.len, said,
		                                 sizeof said, &unusable));
		delay = rm_retry_delay_ms(r->retry_after, g->retry.attempt, RETRY_BASE_MS, RETRY_CAP_MS, rnd(g));
	} else {
		src->errors++;
		if (rm_graph_error_parse(r->body.data ? r->body.data : "", r->body.len, &ge) < 0)
			memset(&ge, 0, sizeof ge);
		why = rm_graph_error_explain(&ge, r->status, &unusable);
		/* A fresh token refused: the audience (graph_base) or the app is wrong. */
		if (r->status == 401) {
			unusable = 1;
			why = "Graph refused a fresh access token: does graph_base match the token's audience?";
		}
		src->unusable = unusable;
		page_done(g);
		rm_errorf(err, "%s: HTTP %ld: %s%s%s%s", st->what, r->status, why,
		          ge.code[0] ? " (" : "", ge.code, ge.code[0] ? ")" : "");
		return FETCH_FAIL;
	}
	if (transient(g, delay, err) < 0) {
		page_done(g);
		return FETCH_FAIL;
	}
	return 2;
}

/* Get one page of st (url) into *r: the request in flight goes on, or a
 * new one is sent; it is waited for until the deadline and then runs on
 * into the next poll. FETCH_OK, FETCH_BUDGET or FETCH_FAIL (err). */
static int fetch(struct rm_source *src, struct graph_src *g, const struct stream *st,
                 const char *url, int64_t deadline, struct rm_http_response *r,
                 struct revmon_error *err)
{
	for (;;) {
		int rc, answered;

		if (rm_http_busy(g->page) && g->page_of != st)
			rm_http_cancel(g->page); /* another stream's: cannot happen, never mixed */
		if (!rm_http_busy(g->page) && (rc = send_page(src, g, st, url, deadline, err)) != FETCH_OK)
			return rc;
		if (!rm_http_wait(g->page, deadline))
			return FETCH_BUDGET;
		rm_http_response_free(r);
		answered = rm_http_take(g->page, r) == 0;
		/* the budget counts what went on the wire: send_page counted one */
		for (unsigned k = 1; k < r->sends; k++)
			rm_budget_record(&g->budget, wall_now(g));
		rc = judge_page(src, g, st, answered, r, err);
		if (rc != 2)
			return rc;
	}
}

/* Copy the raw @odata.nextLink, unescaped. NULL on no memory or a bad one. */
static char *next_link_copy(struct rm_str raw)
{
	char *s = malloc(raw.n + 1);

	if (s && rm_json_unescape(raw, s, raw.n + 1) <= 0) {
		free(s);
		s = NULL;
	}
	return s;
}

/* Read one stream until its window ending at the poll's start is complete
 * or the budget is spent. */
static int poll_stream(struct rm_source *src, struct graph_src *g, struct stream *st,
                       struct rm_ingest *in, int64_t deadline, struct revmon_error *err)
{
	struct rm_http_response r = {0};
	struct rm_buf url = {0};
	int rc = FETCH_OK;

	r.retry_after = -1;
	for (;;) {
		struct rm_doc_result res;
		char *next = NULL;

		if (!st->next) {
			int64_t lo, hi;

			if (st->cursor_ms >= g->round_hi)
				break; /* caught up with this round */
			lo = st->cursor_ms ? st->cursor_ms - g->overlap_ms : g->round_hi - g->lookback_ms;
			hi = g->round_hi;
			if (st->cursor_ms && hi - st->cursor_ms > CHUNK_MS)
				hi = st->cursor_ms + CHUNK_MS; /* catch up in bounded windows */
			url.len = 0;
			if (rm_graph_window_url(&url, g->base, st->version, st->path, st->time_field,
			                        st->event_type, st->select, g->page_size, lo, hi) < 0 ||
			    !(st->next = strdup(url.data))) {
				rm_errorf(err, "out of memory");
				rc = FETCH_FAIL;
				break;
			}
			st->win_hi_ms = hi;
		}
		rc = fetch(src, g, st, st->next, deadline, &r, err);
		if (rc != FETCH_OK)
			break;
		in->doc_offset = 0;
		in->doc_name = st->what;
		if (rm_ingest_document_result(in, r.body.data, r.body.len, &res) < 0) {
			src->errors++;
			rm_errorf(err, "%s: the answer is not a Graph list page", st->what);
			rc = FETCH_FAIL;
			break;
		}
		if (res.next_link.n) {
			next = next_link_copy(res.next_link);
			if (!next || !rm_graph_same_origin(g->base, next)) {
				src->errors++;
				src->unusable = next != NULL;
				rm_errorf(err, "%s: @odata.nextLink %s", st->what,
				          next ? "points outside graph_base: not followed" : "is not valid");
				free(next);
				rc = FETCH_FAIL;
				break;
			}
		}
		free(st->next);
		st->next = next;
		if (!next)
			st->cursor_ms = st->win_hi_ms;
		if (rm_monotonic_ms() >= deadline) {
			rc = FETCH_BUDGET;
			break;
		}
	}
	rm_http_response_free(&r);
	rm_buf_free(&url);
	return rc;
}

static int graph_poll(struct rm_source *src, struct rm_ingest *in, int64_t deadline,
                      struct revmon_error *err)
{
	struct graph_src *g = src->impl;
	int rc = 0;

	rm_live_poll(&g->live, in->wall_ms);
	/* A round reads every stream up to the moment it began; polls go on
	 * with it until it is done, and the next poll starts a new one. */
	if (g->caught_up || !g->round_hi) {
		g->round_hi = g->live.wall0;
		g->caught_up = 0;
	}
	in->accept = accept_event;
	in->accept_ctx = g;
	in->rereads = 1;
	g->src = src;
	g->in = in;
	g->deadline = deadline;
	rm_sessions_poll(&g->sessions, g->live.wall0);
	for (unsigned k = 0; k < N_STREAMS; k++) {
		struct stream *st = &g->st[k];
		int r;

		if (!st->enabled)
			continue;
		r = poll_stream(src, g, st, in, deadline, err);
		if (r == FETCH_FAIL) {
			rc = -1;
			break;
		}
		if (r == FETCH_BUDGET)
			break;
	}
	/* a failed round is over; a read one also when its lookups are done */
	g->caught_up = rc < 0 || !resolve_wanted(g);
	for (size_t k = 0; rc == 0 && k < N_STREAMS; k++)
		if (g->st[k].enabled && (g->st[k].next || g->st[k].cursor_ms < g->round_hi))
			g->caught_up = 0;
	if (rc == 0)
		rc = rm_live_overdue(&g->live, &g->retry, g->http, in->last, err);
	g->now_ms = wall_now(g);
	g->in = NULL;
	in->accept = NULL;
	in->rereads = 0;
	in->doc_name = NULL;
	return rc;
}

/* Live: "now" is the wall clock of the last poll. */
static int64_t graph_now(const struct rm_source *src)
{
	const struct graph_src *g = src->impl;

	return g->now_ms;
}

/* Done for now: everything up to the last poll read (or a failure to
 * report); the next poll reads on. */
static int graph_done(const struct rm_source *src)
{
	const struct graph_src *g = src->impl;

	return g->caught_up;
}

/* Cursors and the request times; also the source's own counters and the
 * users waiting for a lookup (version 3). Never a token or a secret.
 * (Version 1 also held the ids a window may read again: the analyzer keeps
 * those now.) */
static int graph_save(const struct rm_source *src, struct rm_buf *out)
{
	const struct graph_src *g = src->impl;
	int e = 0;

	e |= rm_put_u32(out, STATE_VERSION);
	for (size_t k = 0; k < N_STREAMS; k++)
		e |= rm_put_i64(out, g->st[k].cursor_ms);
	e |= rm_budget_save(&g->budget, out);
	e |= rm_put_u64(out, src->throttled);
	e |= rm_put_u64(out, src->errors);
	e |= rm_sessions_save(&g->sessions, out);
	return e ? -1 : 0;
}

static int graph_load(struct rm_source *src, const void *buf, size_t len, struct revmon_error *err)
{
	struct graph_src *g = src->impl;
	struct rm_rd r = {buf, len, 0, 0};
	uint64_t n;
	uint32_t version = rm_get_u32(&r);

	if (version < 1 || version > STATE_VERSION)
		goto bad;
	for (size_t k = 0; k < N_STREAMS; k++)
		g->st[k].cursor_ms = rm_get_i64(&r);
	if (rm_budget_load(&g->budget, &r) < 0)
		goto bad;
	src->throttled = rm_get_u64(&r);
	src->errors = rm_get_u64(&r);
	/* version 1: the ids the analyzer now keeps itself (it has them too) */
	n = version == 1 ? rm_get_count(&r, 16) : 0;
	for (uint64_t k = 0; k < n && !r.bad; k++) {
		(void)rm_get_u64(&r);
		(void)rm_get_i64(&r);
	}
	if (version >= 3)
		rm_sessions_load(&g->sessions, &r);
	if (r.bad || r.pos != r.n)
		goto bad;
	return 0;
bad:
	rm_errorf(err, "corrupt (cursor of %s)", src->name);
	return -1;
}

static void graph_free(struct rm_source *src)
{
	struct graph_src *g = src->impl;

	if (g) {
		rm_entra_app_free(g->app);
		rm_http_free(g->http);
		for (size_t k = 0; k < N_STREAMS; k++)
			free(g->st[k].next);
		rm_sessions_free(&g->sessions);
		free(g->base);
	}
	rm_source_release(src);
}

static const struct rm_source_ops graph_ops = {
	.poll = graph_poll,
	.now = graph_now,
	.done = graph_done,
	.save = graph_save,
	.load = graph_load,
	.free = graph_free,
	.reread_floor = graph_reread_floor,
};

struct rm_source *rm_source_graph_new(const char *spec, const struct rm_settings *s,
                                      struct revmon_error *err)
{
	struct rm_source *src = rm_source_alloc(spec, &graph_ops, sizeof(struct graph_src), err);
	struct graph_src *g;
	struct revmon_error why = {{0}};

	if (!src)
		return NULL;
	g = src->impl;
	src->counts_errors = 1;
	rm_sessions_init(&g->sessions);
	g->sessions_on = s->graph_session_lookup;
	g->base = strdup(s->graph_base);
	g->overlap_ms = s->graph_overlap_ms;
	g->lookback_ms = s->graph_lookback_ms;
	g->timeout_ms = s->graph_request_timeout_ms;
	g->page_size = s->graph_page_size;
	rm_budget_init(&g->budget, s->graph_rate > MAX_RATE ? MAX_RATE : s->graph_rate, RATE_WINDOW_MS,
	               RATE_MARGIN_MS);
	rm_live_init(&g->live, g);
	/* Audits first: a revocation is then known before the refusals that
	 * follow it (the analyzer matches either order, but an inferred
	 * revocation would be counted as such). */
	g->st[0] = (struct stream){"directory audits", "v1.0", "auditLogs/directoryAudits",
	                           "activityDateTime", NULL, s->graph_select ? sel_audits : NULL,
	                           1, 0, NULL, 0};
	g->st[1] = (struct stream){"interactive sign-ins", "beta", "auditLogs/signIns",
	                           "createdDateTime", NULL, s->graph_select ? sel_signins : NULL,
	                           1, 0, NULL, 0};
	g->st[2] = (struct stream){"non-interactive sign-ins", "beta", "auditLogs/signIns",
	                           "createdDateTime", "nonInteractiveUser",
	                           s->graph_select ? sel_signins : NULL, s->graph_noninteractive,
	                           0, NULL, 0};
	if (!g->base) {
		rm_errorf(err, "source: %s: out of memory", spec);
		goto fail;
	}
	g->http = rm_http_new(s->graph_ca_file, s->max_document_bytes, &why);
	if (g->http)
		rm_http_refuse_resends(g->http, 1); /* the audit-log budget counts every send */
	if (!g->http || !(g->page = rm_http_xfer_new(g->http)) ||
	    !(g->lookup = rm_http_xfer_new(g->http)) ||
	    !(g->app = rm_entra_app_new(s, g->http, g->timeout_ms, &why))) {
		rm_errorf(err, "source: %s: %s", spec, why.msg[0] ? why.msg : "out of memory");
		goto fail;
	}
	return src;
fail:
	graph_free(src);
	return NULL;
}
