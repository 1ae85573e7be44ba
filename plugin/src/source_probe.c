/* Source "probe": the active revocation drill (issue 7).
 *
 * A drill signs a canary in (resource-owner password or a stored refresh
 * token), revokes its sessions (Entra: Graph revokeSignInSessions with the
 * graph_* app; generic OAuth 2.0: RFC 7009 on the refresh token), then polls
 * every probe_poll with the old access token (the resource, answering 401,
 * possibly with a CAE insufficient_claims challenge, and/or RFC 7662
 * introspection, answering active:false) and with the old refresh token
 * (the token endpoint, answering invalid_grant / AADSTS50173) until each is
 * refused, and records both lags. Lags are measured from the moment the
 * revocation request was sent to the moment the first refused request was
 * sent; their resolution is the gap to the previous accepted poll (the poll
 * period when polled steadily).
 *
 * The drill is a state machine advanced by each poll within its deadline,
 * so a host's poll never blocks beyond its budget. Drills start every
 * probe_interval and never overlap; one that has not seen both refusals
 * probe_max_wait after the revocation ends as failed.
 *
 * Secrets (client secrets, the canary's password, refresh and access
 * tokens) are never logged, put in errors or saved, and are wiped when
 * dropped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "claims_challenge.h"
#include "graph_errors.h"
#include "http.h"
#include "json_scan.h"
#include "oauth.h"
#include "source.h"
#include "wire.h"

#define STATE_VERSION 1
#define CONNECT_TIMEOUT_MS 5000
#define MIN_LEFT_MS 50 /* a request needs at least this much of the budget */
/* A poll answered 429 or 5xx without Retry-After waits 5 s, then twice as
 * long each time in a row (Microsoft's resilience guidance), at most 60 s. */
#define PUSHBACK_FIRST_MS 5000
#define PUSHBACK_MAX_MS 60000

static const char cp1_claims[] = "{\"access_token\":{\"xms_cc\":{\"values\":[\"cp1\"]}}}";

enum phase { P_IDLE, P_ACQUIRE, P_REVOKE, P_POLL };

enum check { C_ACCEPTED, C_REFUSED, C_ERROR, C_BUDGET };

/* What the drill has seen of one old token (the access or the refresh one). */
struct watch {
	int done;                   /* refused */
	int64_t lag, res;           /* from the revocation to the refusal, and its resolution */
	int64_t ok_mono;            /* latest accepted poll */
};

struct probe {
	struct rm_http *http;
	struct rm_oauth *graph;     /* entra: the app that revokes */
	int flavour, cae, wait_expiry;
	char *token_url, *client_id, *scope, *resource, *resource_url, *revoke_url,
	     *introspection_url, *username;
	struct rm_buf client_secret, password, stored_rt; /* secrets */
	int64_t interval_ms, max_wait_ms, poll_ms, timeout_ms;

	enum phase phase;
	int64_t next_drill_wall;    /* a drill may start at this wall time */
	char *at, *rt;              /* the drill's tokens (secrets) */
	int64_t at_expires_wall;
	int64_t revoked_mono, next_poll_mono;
	struct watch access, refresh;
	int cae_challenge;
	char refresh_why[96];
	char last[300];             /* the latest failure of a poll during the drill */
	int64_t hold_ms;            /* the servers asked for this pause after this round */
	unsigned pushbacks;         /* rounds in a row that were asked to pause */

	uint64_t drills;
	struct rm_probe_results res;
	int finished_this_run, last_failed, last_unusable;
	char status[400];
	int64_t wall0, mono0, now_wall;
};

static int64_t wall_now(const struct probe *p)
{
	return p->wall0 + (rm_monotonic_ms() - p->mono0);
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void wipe_str(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* --- requests --- */

/* Time a request may take now: the smaller of the request timeout and what
 * is left of the budget; 0 when too little is left. */
static int64_t req_timeout(const struct probe *p, int64_t deadline)
{
	int64_t left = deadline - rm_monotonic_ms();

	if (left < MIN_LEFT_MS)
		return 0;
	return left < p->timeout_ms ? left : p->timeout_ms;
}

/* Send a request (form: its body, or NULL) taking at most timeout, and at
 * most CONNECT_TIMEOUT_MS to connect. 0: an answer came (any status), 1:
 * the budget, not the server, cut it short (not a result), -1: it failed
 * (r->error says why). The caller frees r in every case. */
static int request(const struct probe *p, const char *method, const char *url,
                   const struct rm_buf *form, const char *bearer, int64_t timeout,
                   int64_t deadline, struct rm_http_response *r)
{
	int64_t connect = timeout < CONNECT_TIMEOUT_MS ? timeout : CONNECT_TIMEOUT_MS;

	if (rm_http_request(p->http, method, url, form ? form->data : NULL, form ? form->len : 0,
	                    bearer, timeout, connect, r) >= 0)
		return 0;
	if (r->transport_error && !r->permanent && timeout < p->timeout_ms &&
	    rm_monotonic_ms() >= deadline - 5)
		return 1;
	return -1;
}

/* Drop a request's form and its answer, wiped: either may hold a secret. */
static void drop_exchange(struct rm_buf *form, struct rm_http_response *r)
{
	rm_buf_wipe(form);
	rm_buf_wipe(&r->body);
	rm_buf_free(&r->www_authenticate);
}

/* The client's own part of a form: client_id and, for confidential
 * clients, client_secret. */
static int put_client(const struct probe *p, struct rm_buf *f)
{
	int e = 0;

	e |= rm_buf_puts(f, "&client_id=");
	e |= rm_url_encode(f, p->client_id, strlen(p->client_id));
	if (p->client_secret.len) {
		e |= rm_buf_puts(f, "&client_secret=");
		e |= rm_url_encode(f, p->client_secret.data, p->client_secret.len);
	}
	return e;
}

/* The form of a token request: the password grant, or refresh_token with rt. */
static int token_form(const struct probe *p, const char *rt, size_t rt_len, struct rm_buf *f)
{
	int e = 0;

	/* Room for everything at once: no realloc leaves a secret behind. */
	if (rm_buf_reserve(f, 4096 + 3 * (p->password.len + p->client_secret.len + rt_len)) < 0)
		return -1;
	if (rt) {
		e |= rm_buf_puts(f, "grant_type=refresh_token&refresh_token=");
		e |= rm_url_encode(f, rt, rt_len);
	} else {
		e |= rm_buf_puts(f, "grant_type=password&username=");
		e |= rm_url_encode(f, p->username, strlen(p->username));
		e |= rm_buf_puts(f, "&password=");
		e |= rm_url_encode(f, p->password.data, p->password.len);
	}
	e |= put_client(p, f);
	if (p->scope) {
		e |= rm_buf_puts(f, "&scope=");
		e |= rm_url_encode(f, p->scope, strlen(p->scope));
	}
	if (p->resource) {
		e |= rm_buf_puts(f, "&resource=");
		e |= rm_url_encode(f, p->resource, strlen(p->resource));
	}
	if (p->flavour == RM_PROBE_ENTRA && p->cae) {
		e |= rm_buf_puts(f, "&claims=");
		e |= rm_url_encode(f, cp1_claims, sizeof cp1_claims - 1);
	}
	return e ? -1 : 0;
}

/* A string member of a JSON object, as a new string (wipe it), or NULL. */
static char *json_string(const char *body, size_t len, const char *key)
{
	struct rm_json_val v;
	size_t pos = rm_json_skip_ws(body, len, 0);
	char *s;

	if (pos >= len || body[pos] != '{' ||
	    rm_json_obj_get(body + pos, len - pos, key, &v) != 1 || v.type != RM_JSON_STRING ||
	    !v.s.n || v.s.n > 65536)
		return NULL;
	s = malloc(v.s.n + 1);
	if (s && rm_json_unescape(v.s, s, v.s.n + 1) <= 0) {
		explicit_bzero(s, v.s.n + 1);
		free(s);
		s = NULL;
	}
	return s;
}

/* Why the token endpoint refused, in our words and codes (no secrets). */
static void token_error(const struct rm_http_response *r, char *out, size_t cap, int *unusable,
                        int *revoked)
{
	struct rm_oauth_error oe;
	const char *body = r->body.data ? r->body.data : "";

	*unusable = 0;
	*revoked = 0;
	if (rm_oauth_error_parse(body, r->body.len, &oe) == 0) {
		const char *why = rm_oauth_error_explain(&oe, r->status, unusable);
		size_t n = (size_t)snprintf(out, cap, "HTTP %ld: %s (%s", r->status, why, oe.error);

		for (size_t i = 0; i < oe.n_codes && n < cap; i++)
			n += (size_t)snprintf(out + n, cap - n, ", AADSTS%ld", (long)oe.codes[i]);
		if (n < cap)
			snprintf(out + n, cap - n, ")");
		*revoked = strcmp(oe.error, "invalid_grant") == 0 || rm_oauth_error_has(&oe, 50173);
	} else {
		memset(&oe, 0, sizeof oe);
		snprintf(out, cap, "HTTP %ld: %s", r->status, rm_oauth_error_explain(&oe, r->status, unusable));
	}
}

/* --- the drill --- */

static void drop_tokens(struct probe *p)
{
	wipe_str(&p->at);
	wipe_str(&p->rt);
}

static void finish(struct rm_source *src, struct probe *p, struct rm_ingest *in, int ok,
                   const char *why)
{
	int64_t now = rm_monotonic_ms();

	drop_tokens(p);
	p->phase = P_IDLE;
	p->finished_this_run = 1;
	p->last_failed = !ok;
	p->drills++;
	if (!ok) {
		p->res.failures++;
		p->res.have_access = p->res.have_refresh = 0;
		snprintf(p->status, sizeof p->status, "drill %llu failed: %s",
		         (unsigned long long)p->drills, why);
		rm_ingest_log(in, REVMON_LOG_ERR, "%s: %s", src->name, p->status);
		return;
	}
	p->last_unusable = 0;
	p->res.have_access = p->access.done;
	p->res.access_lag_ms = p->access.lag;
	p->res.have_refresh = p->refresh.done;
	p->res.refresh_lag_ms = p->refresh.lag;
	p->res.last_done_ms = wall_now(p);
	if (p->access.done)
		snprintf(p->status, sizeof p->status,
		         "drill %llu: access token refused after %.3f s (%s, resolution %.3f s), "
		         "refresh token refused after %.3f s (%s, resolution %.3f s); poll period %.3f s",
		         (unsigned long long)p->drills, (double)p->access.lag / 1000.0,
		         p->cae_challenge ? "CAE claims challenge, insufficient_claims" : "refused",
		         (double)p->access.res / 1000.0, (double)p->refresh.lag / 1000.0,
		         p->refresh_why, (double)p->refresh.res / 1000.0, (double)p->poll_ms / 1000.0);
	else
		snprintf(p->status, sizeof p->status,
		         "drill %llu: access token not refused before expiry (non-CAE regime): "
		         "remaining lifetime %lld s after %.3f s; refresh token refused after %.3f s (%s, "
		         "resolution %.3f s); poll period %.3f s",
		         (unsigned long long)p->drills,
		         (long long)((p->at_expires_wall - wall_now(p)) / 1000),
		         (double)(now - p->revoked_mono) / 1000.0, (double)p->refresh.lag / 1000.0,
		         p->refresh_why, (double)p->refresh.res / 1000.0, (double)p->poll_ms / 1000.0);
	rm_ingest_log(in, REVMON_LOG_INFO, "%s: %s", src->name, p->status);
}

/* Sign the canary in. 0 ok, 1 budget, -1 failed (why). */
static int acquire(struct rm_source *src, struct probe *p, int64_t deadline, char *why,
                   size_t cap)
{
	struct rm_http_response r = {0};
	struct rm_buf form = {0};
	int64_t timeout = req_timeout(p, deadline), exp = 0;
	int rc = -1, req, unusable, revoked;

	if (!timeout)
		return 1;
	if (token_form(p, p->stored_rt.len ? p->stored_rt.data : NULL, p->stored_rt.len, &form) < 0) {
		snprintf(why, cap, "out of memory");
		goto out;
	}
	req = request(p, "POST", p->token_url, &form, NULL, timeout, deadline, &r);
	if (req > 0) {
		rc = 1;
		goto out;
	}
	if (req < 0) {
		src->errors++;
		src->unusable = r.permanent;
		snprintf(why, cap, "sign-in of the canary: token endpoint: %.200s", r.error);
		goto out;
	}
	if (r.status != 200) {
		char t[220];

		src->errors++;
		token_error(&r, t, sizeof t, &unusable, &revoked);
		src->unusable = unusable || r.status == 400 || r.status == 401;
		p->last_unusable = src->unusable;
		snprintf(why, cap, "sign-in of the canary refused: %s", t);
		goto out;
	}
	if (rm_oauth_parse_token(r.body.data ? r.body.data : "", r.body.len, &p->at, &exp) < 0) {
		src->errors++;
		snprintf(why, cap, "sign-in of the canary: HTTP 200 without an access token");
		goto out;
	}
	p->rt = json_string(r.body.data, r.body.len, "refresh_token");
	if (!p->rt) {
		src->errors++;
		src->unusable = p->last_unusable = 1;
		snprintf(why, cap, "sign-in of the canary: no refresh token in the answer (ask for the "
		         "offline_access scope)");
		goto out;
	}
	p->at_expires_wall = wall_now(p) + exp * 1000;
	rc = 0;
out:
	drop_exchange(&form, &r);
	return rc;
}

/* Revoke. 0 ok (revoked_mono set), 1 budget, -1 failed (why). */
static int revoke(struct rm_source *src, struct probe *p, int64_t deadline, char *why, size_t cap)
{
	struct rm_http_response r = {0};
	struct rm_buf form = {0};
	int64_t timeout = req_timeout(p, deadline), sent;
	const char *bearer = NULL;
	int rc = -1, e = 0, req;

	if (!timeout)
		return 1;
	if (p->flavour == RM_PROBE_ENTRA) {
		struct rm_oauth_fail f;

		if (rm_oauth_token(p->graph, p->http, wall_now(p), timeout, &bearer, &f) < 0) {
			if (f.throttled)
				src->throttled++;
			else
				src->errors++;
			src->unusable = p->last_unusable = f.unusable;
			snprintf(why, cap, "revocation: the Graph app's %.250s", f.msg);
			return -1;
		}
		timeout = req_timeout(p, deadline);
		if (!timeout)
			return 1;
	} else {
		if (rm_buf_reserve(&form, 4096 + 3 * (strlen(p->rt) + p->client_secret.len)) < 0)
			e = -1;
		e |= rm_buf_puts(&form, "token=");
		e |= rm_url_encode(&form, p->rt, strlen(p->rt));
		e |= rm_buf_puts(&form, "&token_type_hint=refresh_token");
		e |= put_client(p, &form);
		if (e) {
			snprintf(why, cap, "out of memory");
			goto out;
		}
	}
	sent = rm_monotonic_ms();
	req = request(p, "POST", p->revoke_url, &form, bearer, timeout, deadline, &r);
	if (req > 0) {
		rc = 1;
		goto out;
	}
	if (req < 0) {
		src->errors++;
		snprintf(why, cap, "revocation: %.200s", r.error);
		goto out;
	}
	if (r.status < 200 || r.status > 299) {
		int unusable = 0;

		src->errors++;
		if (r.status == 429)
			src->throttled++;
		if (p->flavour == RM_PROBE_ENTRA) {
			char said[300];

			snprintf(why, cap, "revocation refused: HTTP %ld: %s", r.status,
			         rm_graph_error_describe(r.status, r.body.data, r.body.len, said,
			                                 sizeof said, &unusable));
		} else {
			int revoked;
			char t[220];

			token_error(&r, t, sizeof t, &unusable, &revoked);
			snprintf(why, cap, "revocation refused (RFC 7009 endpoint): %s", t);
		}
		src->unusable = p->last_unusable = unusable || r.status == 401 || r.status == 403;
		goto out;
	}
	p->revoked_mono = sent;
	rc = 0;
out:
	drop_exchange(&form, &r);
	return rc;
}

/* A poll answered 429 or 5xx: the server asks for a pause before the next
 * one. Honour its Retry-After (fractional seconds allowed), else back off
 * exponentially; the lags' resolution then shows the wider gap. */
static void note_pushback(struct rm_source *src, struct probe *p, const struct rm_http_response *r)
{
	int64_t ms = PUSHBACK_MAX_MS;

	if (r->status != 429 && r->status < 500)
		return;
	if (r->status == 429)
		src->throttled++;
	if (r->retry_after >= 0)
		ms = r->retry_after * 1000.0 < (double)INT32_MAX ? (int64_t)(r->retry_after * 1000.0)
		                                                : INT32_MAX;
	else if (p->pushbacks < 4)
		ms = (int64_t)PUSHBACK_FIRST_MS << p->pushbacks;
	if (ms > p->hold_ms)
		p->hold_ms = ms;
}

/* One poll of the old access token: the resource, then introspection. */
static enum check check_access(struct rm_source *src, struct probe *p, int64_t deadline)
{
	struct rm_http_response r = {0};
	enum check c = C_ACCEPTED;
	int64_t timeout = req_timeout(p, deadline);

	if (!timeout)
		return C_BUDGET;
	if (p->resource_url) {
		int req = request(p, "GET", p->resource_url, NULL, p->at, timeout, deadline, &r);

		if (req > 0) {
			c = C_BUDGET;
		} else if (req < 0) {
			c = C_ERROR;
			snprintf(p->last, sizeof p->last, "resource: %.200s", r.error);
		} else if (r.status == 401) {
			struct rm_claims_challenge ch;

			if (r.www_authenticate.len &&
			    rm_claims_challenge_parse(r.www_authenticate.data, r.www_authenticate.len, &ch) &&
			    ch.insufficient_claims)
				p->cae_challenge = 1;
			c = C_REFUSED;
		} else if (r.status < 200 || r.status > 299) {
			c = C_ERROR;
			note_pushback(src, p, &r);
			snprintf(p->last, sizeof p->last, "resource: HTTP %ld", r.status);
		}
		rm_http_response_free(&r);
		if (c != C_ACCEPTED)
			return c;
		timeout = req_timeout(p, deadline);
		if (!timeout)
			return C_BUDGET;
	}
	if (p->introspection_url) {
		struct rm_buf form = {0};
		struct rm_json_val v;
		size_t pos;
		int req, e = rm_buf_reserve(&form, 4096 + 3 * (strlen(p->at) + p->client_secret.len));

		e |= rm_buf_puts(&form, "token=");
		e |= rm_url_encode(&form, p->at, strlen(p->at));
		e |= rm_buf_puts(&form, "&token_type_hint=access_token");
		e |= put_client(p, &form);
		if (e) {
			rm_buf_wipe(&form);
			snprintf(p->last, sizeof p->last, "out of memory");
			return C_ERROR;
		}
		req = request(p, "POST", p->introspection_url, &form, NULL, timeout, deadline, &r);
		if (req > 0) {
			c = C_BUDGET;
		} else if (req < 0) {
			c = C_ERROR;
			snprintf(p->last, sizeof p->last, "introspection: %.200s", r.error);
		} else if (r.status != 200) {
			c = C_ERROR;
			note_pushback(src, p, &r);
			snprintf(p->last, sizeof p->last, "introspection: HTTP %ld", r.status);
		} else {
			pos = rm_json_skip_ws(r.body.data ? r.body.data : "", r.body.len, 0);
			if (pos < r.body.len && r.body.data[pos] == '{' &&
			    rm_json_obj_get(r.body.data + pos, r.body.len - pos, "active", &v) == 1 &&
			    (v.type == RM_JSON_TRUE || v.type == RM_JSON_FALSE)) {
				c = v.type == RM_JSON_FALSE ? C_REFUSED : C_ACCEPTED;
			} else {
				c = C_ERROR;
				snprintf(p->last, sizeof p->last, "introspection: no \"active\" in the answer");
			}
		}
		drop_exchange(&form, &r);
	}
	return c;
}

/* One poll of the old refresh token at the token endpoint. A rotating
 * provider answers with a new one, which stands in for it from then on
 * (the same grant, issued before the revocation). */
static enum check check_refresh(struct rm_source *src, struct probe *p, int64_t deadline)
{
	struct rm_http_response r = {0};
	struct rm_buf form = {0};
	enum check c = C_ERROR;
	int64_t timeout = req_timeout(p, deadline);
	int req, unusable, revoked;

	if (!timeout)
		return C_BUDGET;
	if (token_form(p, p->rt, strlen(p->rt), &form) < 0) {
		snprintf(p->last, sizeof p->last, "out of memory");
		goto out;
	}
	req = request(p, "POST", p->token_url, &form, NULL, timeout, deadline, &r);
	if (req > 0) {
		c = C_BUDGET;
	} else if (req < 0) {
		snprintf(p->last, sizeof p->last, "token endpoint: %.200s", r.error);
	} else if (r.status == 200) {
		char *nrt = json_string(r.body.data, r.body.len, "refresh_token");

		if (nrt) {
			wipe_str(&p->rt);
			p->rt = nrt;
		}
		c = C_ACCEPTED;
	} else {
		char t[220];

		token_error(&r, t, sizeof t, &unusable, &revoked);
		if (revoked) {
			c = C_REFUSED;
			snprintf(p->refresh_why, sizeof p->refresh_why, "%.95s", t);
		} else {
			note_pushback(src, p, &r);
			snprintf(p->last, sizeof p->last, "token endpoint: %s", t);
		}
	}
out:
	drop_exchange(&form, &r);
	return c;
}

/* Record one poll of an old token, sent at t: an error, the latest
 * acceptance, or the refusal the drill waits for. */
static void note_check(struct rm_source *src, const struct probe *p, struct watch *w,
                       enum check c, int64_t t)
{
	if (c == C_ERROR)
		src->errors++;
	if (c == C_ACCEPTED)
		w->ok_mono = t;
	if (c == C_REFUSED) {
		w->done = 1;
		w->lag = t - p->revoked_mono;
		w->res = t - (w->ok_mono ? w->ok_mono : p->revoked_mono);
	}
}

/* One round of polls; returns 1 when the drill is over (finished). */
static int poll_round(struct rm_source *src, struct probe *p, struct rm_ingest *in,
                      int64_t deadline)
{
	int64_t t = rm_monotonic_ms();
	enum check c;

	if (!p->access.done) {
		c = check_access(src, p, deadline);
		if (c == C_BUDGET)
			return 0;
		note_check(src, p, &p->access, c, t);
	}
	if (!p->refresh.done) {
		int64_t t2 = rm_monotonic_ms();

		c = check_refresh(src, p, deadline);
		if (c == C_BUDGET)
			return 0;
		note_check(src, p, &p->refresh, c, t2);
	}
	p->next_poll_mono = t + p->poll_ms;
	if (p->hold_ms > p->poll_ms) {
		p->next_poll_mono = t + p->hold_ms;
		rm_ingest_log(in, REVMON_LOG_INFO, "%s: drill %llu: %s: the server asks for a pause; "
		              "next poll in %.3f s", src->name, (unsigned long long)p->drills + 1,
		              p->last, (double)p->hold_ms / 1000.0);
	}
	p->pushbacks = p->hold_ms ? p->pushbacks + 1 : 0;
	p->hold_ms = 0;
	if (p->access.done && p->refresh.done) {
		finish(src, p, in, 1, NULL);
		return 1;
	}
	if (p->refresh.done && !p->cae && !p->wait_expiry) {
		finish(src, p, in, 1, NULL);
		return 1;
	}
	return 0;
}

/* Advance the drill by one phase, one wait or one round of polls. 0: go
 * on, 1: this poll is over (budget spent, no drill due, or the drill
 * finished), -1: the drill failed (why says so; the caller finishes it). */
static int advance(struct rm_source *src, struct probe *p, struct rm_ingest *in, int64_t deadline,
                   char *why, size_t cap)
{
	int64_t now = rm_monotonic_ms();
	int r;

	if (now >= deadline)
		return 1;
	switch (p->phase) {
	case P_IDLE:
		if (wall_now(p) < p->next_drill_wall)
			return 1;
		p->phase = P_ACQUIRE;
		p->next_drill_wall = wall_now(p) + p->interval_ms;
		p->access.done = p->refresh.done = p->cae_challenge = 0;
		p->access.ok_mono = p->refresh.ok_mono = 0;
		p->refresh_why[0] = p->last[0] = '\0';
		p->hold_ms = 0;
		p->pushbacks = 0;
		rm_ingest_log(in, REVMON_LOG_DEBUG, "%s: drill %llu: signing the canary in",
		              src->name, (unsigned long long)p->drills + 1);
		return 0;
	case P_ACQUIRE:
		r = acquire(src, p, deadline, why, cap);
		if (!r)
			p->phase = P_REVOKE;
		return r;
	case P_REVOKE:
		r = revoke(src, p, deadline, why, cap);
		if (!r) {
			p->phase = P_POLL;
			p->next_poll_mono = p->revoked_mono;
			rm_ingest_log(in, REVMON_LOG_DEBUG,
			              "%s: drill %llu: revoked; polling every %.3f s (the lags' resolution)",
			              src->name, (unsigned long long)p->drills + 1, (double)p->poll_ms / 1000.0);
		}
		return r;
	case P_POLL:
		break;
	}
	/* Polling: give up after probe_max_wait, else wait for the round due. */
	if (now - p->revoked_mono > p->max_wait_ms) {
		snprintf(why, cap, "%s refused within probe_max_wait (%lld s)%s%.200s",
		         p->access.done ? "the refresh token was not"
		         : p->refresh.done ? "the access token was not" : "neither token was",
		         (long long)(p->max_wait_ms / 1000),
		         p->last[0] ? "; last error: " : "", p->last);
		return -1;
	}
	if (now < p->next_poll_mono) {
		/* A long pause asked for by a server must not outlast the drill. */
		int64_t give_up = p->revoked_mono + p->max_wait_ms + 1;
		int64_t until = p->next_poll_mono < deadline ? p->next_poll_mono : deadline;

		if (until > give_up)
			until = give_up;

		sleep_ms(until - now);
		return 0;
	}
	return poll_round(src, p, in, deadline);
}

static int probe_poll(struct rm_source *src, struct rm_ingest *in, int64_t deadline,
                      struct revmon_error *err)
{
	struct probe *p = src->impl;
	char why[400];
	int r, rc = 0;

	p->wall0 = in->wall_ms;
	p->mono0 = rm_monotonic_ms();
	while (!(r = advance(src, p, in, deadline, why, sizeof why)))
		;
	if (r < 0) {
		finish(src, p, in, 0, why);
		rc = -1;
	}
	/* Idle after a failed drill: the source stays down with its reason
	 * until a drill succeeds. */
	if (rc == 0 && p->phase == P_IDLE && p->last_failed) {
		src->unusable = p->last_unusable;
		rc = -1;
	}
	if (rc < 0)
		rm_errorf(err, "%s", p->status);
	p->now_wall = wall_now(p);
	return rc;
}

static int64_t probe_now(const struct rm_source *src)
{
	(void)src;
	return 0; /* no event time of its own */
}

/* Done (for a report) when no drill is under way and one finished in this
 * run or none is due. */
static int probe_done(const struct rm_source *src)
{
	const struct probe *p = src->impl;

	return p->phase == P_IDLE &&
	       (p->finished_this_run || (p->now_wall && p->now_wall < p->next_drill_wall));
}

static void probe_results(const struct rm_source *src, struct rm_probe_results *out)
{
	const struct probe *p = src->impl;

	*out = p->res;
}

/* The schedule and the results; never a token or a secret. */
static int probe_save(const struct rm_source *src, struct rm_buf *out)
{
	const struct probe *p = src->impl;
	int e = 0;

	e |= rm_put_u32(out, STATE_VERSION);
	e |= rm_put_i64(out, p->next_drill_wall);
	e |= rm_put_u32(out, (uint32_t)p->res.have_access);
	e |= rm_put_i64(out, p->res.access_lag_ms);
	e |= rm_put_u32(out, (uint32_t)p->res.have_refresh);
	e |= rm_put_i64(out, p->res.refresh_lag_ms);
	e |= rm_put_i64(out, p->res.last_done_ms);
	e |= rm_put_u64(out, p->res.failures);
	e |= rm_put_u64(out, p->drills);
	e |= rm_put_u64(out, src->throttled);
	e |= rm_put_u64(out, src->errors);
	return e ? -1 : 0;
}

static int probe_load(struct rm_source *src, const void *buf, size_t len, struct revmon_error *err)
{
	struct probe *p = src->impl;
	struct rm_rd r = {buf, len, 0, 0};

	if (rm_get_u32(&r) != STATE_VERSION)
		goto bad;
	p->next_drill_wall = rm_get_i64(&r);
	p->res.have_access = rm_get_u32(&r) != 0;
	p->res.access_lag_ms = rm_get_i64(&r);
	p->res.have_refresh = rm_get_u32(&r) != 0;
	p->res.refresh_lag_ms = rm_get_i64(&r);
	p->res.last_done_ms = rm_get_i64(&r);
	p->res.failures = rm_get_u64(&r);
	p->drills = rm_get_u64(&r);
	src->throttled = rm_get_u64(&r);
	src->errors = rm_get_u64(&r);
	if (r.bad || r.pos != r.n)
		goto bad;
	return 0;
bad:
	rm_errorf(err, "corrupt (state of %s)", src->name);
	return -1;
}

static void probe_free(struct rm_source *src)
{
	struct probe *p = src->impl;

	if (p) {
		drop_tokens(p);
		rm_oauth_free(p->graph);
		rm_http_free(p->http);
		rm_buf_wipe(&p->client_secret);
		rm_buf_wipe(&p->password);
		rm_buf_wipe(&p->stored_rt);
		free(p->token_url);
		free(p->client_id);
		free(p->scope);
		free(p->resource);
		free(p->resource_url);
		free(p->revoke_url);
		free(p->introspection_url);
		free(p->username);
	}
	rm_source_release(src);
}

static const struct rm_source_ops probe_ops = {probe_poll, probe_now, probe_done, NULL,
                                               probe_save, probe_load, probe_free,
                                               probe_results};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Keys, their defaults per flavour, and the secrets. */
static int setup(struct probe *p, const struct rm_settings *s, struct revmon_error *err)
{
	struct rm_buf b = {0}, secret = {0};
	int grant_pw = s->probe_password_file || s->probe_password_env;

	if (!s->probe_client_id) {
		rm_errorf(err, "probe_client_id is not set (the client the canary signs in with)");
		return -1;
	}
	if (grant_pw == !!s->probe_refresh_token_file) {
		rm_errorf(err, grant_pw ? "set the canary's password (probe_password_file or "
		          "probe_password_env) or probe_refresh_token_file, not both"
		          : "no canary credential: set probe_password_file or probe_password_env "
		          "(with probe_username), or probe_refresh_token_file");
		return -1;
	}
	if (s->probe_password_file && s->probe_password_env) {
		rm_errorf(err, "set probe_password_file or probe_password_env, not both");
		return -1;
	}
	if (grant_pw && !s->probe_username) {
		rm_errorf(err, "probe_username is not set (the canary for the password grant)");
		return -1;
	}
	if (s->probe_client_secret_file && s->probe_client_secret_env) {
		rm_errorf(err, "set probe_client_secret_file or probe_client_secret_env, not both");
		return -1;
	}
	p->flavour = s->probe_flavour;
	p->cae = s->probe_cae;
	p->wait_expiry = s->probe_wait_expiry;
	p->interval_ms = s->probe_interval_ms;
	p->max_wait_ms = s->probe_max_wait_ms;
	p->poll_ms = s->probe_poll_ms;
	p->timeout_ms = s->probe_request_timeout_ms;
	p->client_id = strdup(s->probe_client_id);
	p->username = dup_or_null(s->probe_username);
	p->resource = dup_or_null(s->probe_resource);
	p->introspection_url = dup_or_null(s->probe_introspection_url);
	if (p->flavour == RM_PROBE_ENTRA) {
		const char *id = s->probe_user_id ? s->probe_user_id : s->probe_username;

		if (!s->graph_tenant || !s->graph_client_id) {
			rm_errorf(err, "probe_flavour entra revokes with the graph app: set graph_tenant and "
			          "graph_client_id (and its secret or certificate)");
			return -1;
		}
		if (!id) {
			rm_errorf(err, "probe_user_id is not set (the canary's object id or UPN in Graph)");
			return -1;
		}
		if (s->probe_introspection_url) {
			rm_errorf(err, "probe_introspection_url: Entra has no introspection endpoint "
			          "(use probe_flavour = oauth)");
			return -1;
		}
		if (s->probe_token_url)
			p->token_url = strdup(s->probe_token_url);
		else if (rm_buf_printf(&b, "%s/%s/oauth2/v2.0/token", s->graph_authority, s->graph_tenant) == 0)
			p->token_url = strdup(b.data);
		b.len = 0;
		if (s->probe_scope)
			p->scope = strdup(s->probe_scope);
		else if (rm_buf_printf(&b, "%s/.default openid offline_access", s->graph_base) == 0)
			p->scope = strdup(b.data);
		b.len = 0;
		if (s->probe_resource_url)
			p->resource_url = strdup(s->probe_resource_url);
		else if (rm_buf_printf(&b, "%s/v1.0/me", s->graph_base) == 0)
			p->resource_url = strdup(b.data);
		b.len = 0;
		if (rm_buf_printf(&b, "%s/v1.0/users/", s->graph_base) == 0 &&
		    rm_url_encode(&b, id, strlen(id)) == 0 &&
		    rm_buf_puts(&b, "/revokeSignInSessions") == 0)
			p->revoke_url = strdup(b.data);
		rm_buf_free(&b);
		if (!p->token_url || !p->scope || !p->resource_url || !p->revoke_url) {
			rm_errorf(err, "out of memory");
			return -1;
		}
		/* the app that revokes: the graph source's credentials */
		if (s->graph_certificate_file && s->graph_private_key_file) {
			if (rm_buf_printf(&b, "%s/%s/oauth2/v2.0/token", s->graph_authority, s->graph_tenant) < 0 ||
			    rm_buf_printf(&secret, "%s/.default", s->graph_base) < 0) {
				rm_errorf(err, "out of memory");
				rm_buf_free(&b);
				rm_buf_free(&secret);
				return -1;
			}
			p->graph = rm_oauth_new_cert(b.data, s->graph_client_id, secret.data,
			                             s->graph_certificate_file, s->graph_private_key_file, err);
			rm_buf_free(&secret);
		} else if (s->graph_client_secret_file || s->graph_client_secret_env) {
			struct rm_buf scope = {0};

			if (rm_secret_read("graph_client_secret_file", s->graph_client_secret_file,
			                "graph_client_secret_env", s->graph_client_secret_env, &secret, err) < 0) {
				rm_buf_wipe(&secret);
				return -1;
			}
			if (rm_buf_printf(&b, "%s/%s/oauth2/v2.0/token", s->graph_authority, s->graph_tenant) == 0 &&
			    rm_buf_printf(&scope, "%s/.default", s->graph_base) == 0)
				p->graph = rm_oauth_new_secret(b.data, s->graph_client_id, scope.data, secret.data,
				                               secret.len, err);
			else
				rm_errorf(err, "out of memory");
			rm_buf_wipe(&secret);
			rm_buf_free(&scope);
		} else {
			rm_errorf(err, "probe_flavour entra revokes with the graph app: set "
			          "graph_client_secret_file, graph_client_secret_env, or "
			          "graph_certificate_file and graph_private_key_file");
		}
		rm_buf_free(&b);
		if (!p->graph)
			return -1;
	} else {
		if (!s->probe_token_url || !s->probe_revocation_url) {
			rm_errorf(err, "probe_flavour oauth: %s is not set",
			          s->probe_token_url ? "probe_revocation_url (the RFC 7009 endpoint)"
			                             : "probe_token_url (the token endpoint)");
			return -1;
		}
		if (!s->probe_resource_url && !s->probe_introspection_url) {
			rm_errorf(err, "probe_flavour oauth: set probe_resource_url and/or "
			          "probe_introspection_url (what the old access token is polled at)");
			return -1;
		}
		p->token_url = strdup(s->probe_token_url);
		p->revoke_url = strdup(s->probe_revocation_url);
		p->scope = dup_or_null(s->probe_scope);
		p->resource_url = dup_or_null(s->probe_resource_url);
		if (!p->token_url || !p->revoke_url) {
			rm_errorf(err, "out of memory");
			return -1;
		}
	}
	if ((s->probe_client_secret_file || s->probe_client_secret_env) &&
	    rm_secret_read("probe_client_secret_file", s->probe_client_secret_file,
	                "probe_client_secret_env", s->probe_client_secret_env, &p->client_secret, err) < 0)
		return -1;
	if (grant_pw && rm_secret_read("probe_password_file", s->probe_password_file,
	                            "probe_password_env", s->probe_password_env, &p->password, err) < 0)
		return -1;
	if (s->probe_refresh_token_file &&
	    rm_secret_read("probe_refresh_token_file", s->probe_refresh_token_file, NULL, NULL,
	                &p->stored_rt, err) < 0)
		return -1;
	if (!p->client_id || (s->probe_username && !p->username) ||
	    (s->probe_resource && !p->resource) ||
	    (s->probe_introspection_url && !p->introspection_url)) {
		rm_errorf(err, "out of memory");
		return -1;
	}
	return 0;
}

struct rm_source *rm_source_probe_new(const char *spec, const struct rm_settings *s,
                                      struct revmon_error *err)
{
	struct rm_source *src = rm_source_alloc(spec, &probe_ops, sizeof(struct probe), err);
	struct probe *p;
	struct revmon_error why = {{0}};

	if (!src)
		return NULL;
	p = src->impl;
	src->counts_errors = 1;
	if (setup(p, s, &why) < 0) {
		rm_errorf(err, "source: %s: %s", spec, why.msg);
		probe_free(src);
		return NULL;
	}
	p->http = rm_http_new(s->probe_ca_file ? s->probe_ca_file : s->graph_ca_file,
	                      s->max_document_bytes, &why);
	if (!p->http) {
		rm_errorf(err, "source: %s: %s", spec, why.msg);
		probe_free(src);
		return NULL;
	}
	snprintf(p->status, sizeof p->status, "no drill yet");
	return src;
}
