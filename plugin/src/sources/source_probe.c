/* Source "probe": the active revocation drill (issue 7).
 *
 * A drill signs a canary in (resource-owner password or a stored refresh
 * token), revokes its sessions (Entra: Graph revokeSignInSessions with the
 * graph_* app; generic OAuth 2.0: RFC 7009 on the refresh token), then polls
 * every probe_poll with the old access token (the resource, answering 401,
 * possibly with a CAE insufficient_claims challenge, and/or RFC 7662
 * introspection, answering active:false) and with the old refresh token
 * (the token endpoint, answering invalid_grant / AADSTS50173) until each is
 * refused, and records both lags. Before revoking, each old token must be
 * accepted once (the resource or introspection, and a refresh): a token
 * refused from the start would give a "lag" that measures nothing, so
 * that drill fails with the reason instead. Lags are measured from the moment the
 * revocation request was sent to the moment the first refused request was
 * sent; their resolution is the gap to the previous accepted poll (the poll
 * period when polled steadily).
 *
 * The drill is a state machine advanced by each poll within its deadline,
 * so a host's poll never blocks beyond its budget. Its requests run on
 * libcurl's multi interface: one in flight carries on into the next poll
 * and ends only by probe_request_timeout, and the two old tokens are
 * polled independently, so a slow resource never starves the refresh
 * token's polling. Drills start every
 * probe_interval and never overlap; one that has not seen both refusals
 * probe_max_wait after the revocation ends as failed.
 *
 * A host that runs once per measurement (the Nagios check, with a state
 * file) may end before the drill does: save() then keeps the drill, and
 * the next run carries it on from where it was, so a drill longer than
 * the check's -t is still measured (its resolution then includes the gap
 * between runs, which the lags' resolution shows). A drill cut short
 * before its revocation was confirmed starts again at the next run (nothing
 * to measure was lost, and a drill must never vanish).
 *
 * Secrets (client secrets, the canary's password, refresh and access
 * tokens) are never logged, put in errors or saved in clear, and are wiped
 * when dropped. Carrying a drill needs its old tokens in the next process:
 * the state file holds them sealed (probe_seal.h) under a key derived from
 * the source's own secrets, which never go there, and only while that
 * drill goes on; a file from which they cannot be unsealed fails the drill
 * visibly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entra/entra.h"
#include "parse/parse.h"
#include "probe_seal.h"
#include "source.h"
#include "util/util.h"

/* 2 adds the drill in progress; 1 (without it) is still read. */
#define STATE_VERSION 2
#define CONNECT_TIMEOUT_MS 5000
/* A poll answered 429 or 5xx without Retry-After waits 5 s, then twice as
 * long each time in a row (Microsoft's resilience guidance), at most 60 s. */
#define PUSHBACK_FIRST_MS 5000
#define PUSHBACK_MAX_MS 60000

static const char cp1_claims[] = "{\"access_token\":{\"xms_cc\":{\"values\":[\"cp1\"]}}}";

/* P_PRESENT: the old tokens presented once before the revocation. */
enum phase { P_IDLE, P_ACQUIRE, P_PRESENT, P_REVOKE, P_POLL };

/* What the state file says of the drill under way when the run ended. */
enum carry { CARRY_NONE, CARRY_RESTART, CARRY_POLL };

enum check { C_ACCEPTED, C_REFUSED, C_ERROR, C_AGAIN };

/* What the drill has seen of one old token (the access or the refresh one),
 * and its own polling: each old token is polled on its own schedule. */
struct watch {
	const char *what;           /* "access" or "refresh", for messages */
	int done;                   /* refused */
	int64_t lag, res;           /* from the revocation to the refusal, and its resolution */
	int64_t ok_mono;            /* latest accepted poll */
	struct rm_http_xfer *x;     /* its request, in flight across polls */
	int stage;                  /* access: 0 the resource, 1 introspection */
	int64_t sent_mono;          /* when this poll of the token began */
	int64_t next_mono;          /* when the next one is due */
	int64_t hold_ms;            /* the server asked for this pause after this poll */
	unsigned pushbacks;         /* polls in a row that were asked to pause */
};

struct probe {
	struct rm_http *http;
	struct rm_http_xfer *xm;    /* the sign-in and the revocation */
	struct rm_entra_app *graph; /* entra: the app that revokes */
	int flavour, cae, wait_expiry;
	char *token_url, *client_id, *scope, *resource, *resource_url, *revoke_url,
	     *introspection_url, *username;
	struct rm_buf client_secret, password, stored_rt; /* secrets */
	int64_t interval_ms, max_wait_ms, poll_ms, timeout_ms;

	enum phase phase;
	int64_t next_drill_wall;    /* a drill may start at this wall time */
	char *at, *rt;              /* the drill's tokens (secrets) */
	int64_t at_expires_wall;
	int64_t revoked_mono, revoke_sent_mono;
	int64_t phase_mono;         /* when this phase's polling began (P_PRESENT, P_POLL) */
	struct watch access, refresh;
	int cae_challenge;
	char refresh_why[96];
	char last[300];             /* the latest failure of a poll during the drill */
	char early[300];            /* an old token refused before the revocation: why */

	/* From the state file: the drill's times are still wall-clock ms until
	 * the first poll turns them into monotonic ones; what to log then. */
	int carried, restarted, log_failure;

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

static void wipe_str(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* --- requests --- */

/* Start a request on x (form: its body, or NULL), bounded by the probe's
 * own request time-out; the form is wiped at once (the transfer has its
 * own copy, wiped when it ends). */
static void send(const struct probe *p, struct rm_http_xfer *x, const char *method,
                 const char *url, struct rm_buf *form, const char *bearer)
{
	(void)rm_http_start(x, method, url, form ? form->data : NULL, form ? form->len : 0, bearer,
	                    p->timeout_ms, p->timeout_ms < CONNECT_TIMEOUT_MS ? p->timeout_ms
	                                                                      : CONNECT_TIMEOUT_MS);
	if (form)
		rm_buf_wipe(form);
}

/* Drop a request's form and its answer, wiped: either may hold a secret. */
static void drop_exchange(struct rm_buf *form, struct rm_http_response *r)
{
	if (form)
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

/* The drill's tokens and every request that may carry them, wiped. */
static void drop_tokens(struct probe *p)
{
	rm_http_cancel(p->xm);
	rm_http_cancel(p->access.x);
	rm_http_cancel(p->refresh.x);
	wipe_str(&p->at);
	wipe_str(&p->rt);
}

/* End the drill, ok or failed (why). in may be NULL (the state's load):
 * the failure is then logged by the next poll. */
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
		snprintf(p->status, sizeof p->status, "drill %llu failed: %.360s",
		         (unsigned long long)p->drills, why);
		p->log_failure = !in;
		if (in)
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

/* Take the answer of x into *r once it has come. 1: it has (r filled,
 * *answered says whether an HTTP answer came), 0: still in flight. */
static int answer(struct rm_http_xfer *x, int64_t deadline, struct rm_http_response *r,
                  int *answered)
{
	if (!rm_http_wait(x, deadline))
		return 0;
	*answered = rm_http_take(x, r) == 0;
	return 1;
}

/* Sign the canary in. 0 ok, 1 still in flight at the deadline, -1 failed (why). */
static int acquire(struct rm_source *src, struct probe *p, int64_t deadline, char *why,
                   size_t cap)
{
	struct rm_http_response r = {0};
	struct rm_buf form = {0};
	int64_t exp = 0;
	int rc = -1, unusable, revoked, answered;

	if (!rm_http_busy(p->xm)) {
		if (token_form(p, p->stored_rt.len ? p->stored_rt.data : NULL, p->stored_rt.len,
		               &form) < 0) {
			snprintf(why, cap, "out of memory");
			goto out;
		}
		send(p, p->xm, "POST", p->token_url, &form, NULL);
	}
	if (!answer(p->xm, deadline, &r, &answered))
		return 1;
	if (!answered) {
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

/* Send the revocation request: Graph's revokeSignInSessions with the app's
 * token, or RFC 7009 on the refresh token. 0 sent, 1 waiting for the app's
 * token, -1 failed (why). */
static int send_revoke(struct rm_source *src, struct probe *p, int64_t deadline, char *why,
                       size_t cap)
{
	struct rm_buf form = {0};
	const char *bearer = NULL;
	int e = 0;

	if (p->flavour == RM_PROBE_ENTRA) {
		struct rm_oauth_fail f;
		int t = rm_entra_app_token(p->graph, wall_now(p), deadline, &bearer, &f);

		if (t > 0)
			return 1;
		if (t < 0) {
			if (f.throttled)
				src->throttled++;
			else
				src->errors++;
			src->unusable = p->last_unusable = f.unusable;
			snprintf(why, cap, "revocation: the Graph app's %.250s", f.msg);
			return -1;
		}
	} else {
		if (rm_buf_reserve(&form, 4096 + 3 * (strlen(p->rt) + p->client_secret.len)) < 0)
			e = -1;
		e |= rm_buf_puts(&form, "token=");
		e |= rm_url_encode(&form, p->rt, strlen(p->rt));
		e |= rm_buf_puts(&form, "&token_type_hint=refresh_token");
		e |= put_client(p, &form);
		if (e) {
			rm_buf_wipe(&form);
			snprintf(why, cap, "out of memory");
			return -1;
		}
	}
	p->revoke_sent_mono = rm_monotonic_ms();
	send(p, p->xm, "POST", p->revoke_url, p->flavour == RM_PROBE_ENTRA ? NULL : &form, bearer);
	return 0;
}

/* Revoke. 0 ok (revoked_mono set), 1 still in flight at the deadline, -1 failed (why). */
static int revoke(struct rm_source *src, struct probe *p, int64_t deadline, char *why, size_t cap)
{
	struct rm_http_response r = {0};
	int rc, answered;

	if (!rm_http_busy(p->xm) && (rc = send_revoke(src, p, deadline, why, cap)) != 0)
		return rc;
	if (!answer(p->xm, deadline, &r, &answered))
		return 1;
	rc = -1;
	if (!answered) {
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
	p->revoked_mono = p->revoke_sent_mono;
	rc = 0;
out:
	drop_exchange(NULL, &r);
	return rc;
}

/* A poll answered 429 or 5xx: the server asks for a pause before this
 * token's next poll. Honour its Retry-After (fractional seconds allowed),
 * else back off exponentially (the live sources' one policy, without
 * jitter: the lags' resolution then shows the wider gap exactly). */
static void note_pushback(struct rm_source *src, struct watch *w, const struct rm_http_response *r)
{
	int64_t ms;

	if (r->status != 429 && r->status < 500)
		return;
	if (r->status == 429)
		src->throttled++;
	ms = rm_retry_delay_ms(r->retry_after, w->pushbacks, PUSHBACK_FIRST_MS, PUSHBACK_MAX_MS, 1.0);
	if (ms > w->hold_ms)
		w->hold_ms = ms;
}

/* Send the next request of a poll of the old access token: the resource
 * (stage 0), or introspection (stage 1). */
static void send_access(struct probe *p, struct watch *w)
{
	struct rm_buf form = {0};
	int e;

	if (w->stage == 0) {
		send(p, w->x, "GET", p->resource_url, NULL, p->at);
		return;
	}
	e = rm_buf_reserve(&form, 4096 + 3 * (strlen(p->at) + p->client_secret.len));
	e |= rm_buf_puts(&form, "token=");
	e |= rm_url_encode(&form, p->at, strlen(p->at));
	e |= rm_buf_puts(&form, "&token_type_hint=access_token");
	e |= put_client(p, &form);
	if (e) /* the request goes without the token and is refused as malformed */
		form.len = 0;
	send(p, w->x, "POST", p->introspection_url, &form, NULL);
}

/* What the resource's answer says of the old access token. */
static enum check judge_resource(struct rm_source *src, struct probe *p, struct watch *w,
                                 const struct rm_http_response *r, int answered)
{
	struct rm_claims_challenge ch;

	if (!answered) {
		snprintf(p->last, sizeof p->last, "resource: %.200s", r->error);
		return C_ERROR;
	}
	if (r->status == 401) {
		if (r->www_authenticate.len &&
		    rm_claims_challenge_parse(r->www_authenticate.data, r->www_authenticate.len, &ch) &&
		    ch.insufficient_claims)
			p->cae_challenge = 1;
		return C_REFUSED;
	}
	if (r->status < 200 || r->status > 299) {
		note_pushback(src, w, r);
		snprintf(p->last, sizeof p->last, "resource: HTTP %ld", r->status);
		return C_ERROR;
	}
	return C_ACCEPTED;
}

/* What introspection's answer says of the old access token. */
static enum check judge_introspection(struct rm_source *src, struct probe *p, struct watch *w,
                                      const struct rm_http_response *r, int answered)
{
	struct rm_json_val v;
	size_t pos;

	if (!answered) {
		snprintf(p->last, sizeof p->last, "introspection: %.200s", r->error);
		return C_ERROR;
	}
	if (r->status != 200) {
		note_pushback(src, w, r);
		snprintf(p->last, sizeof p->last, "introspection: HTTP %ld", r->status);
		return C_ERROR;
	}
	pos = rm_json_skip_ws(r->body.data ? r->body.data : "", r->body.len, 0);
	if (pos < r->body.len && r->body.data[pos] == '{' &&
	    rm_json_obj_get(r->body.data + pos, r->body.len - pos, "active", &v) == 1 &&
	    (v.type == RM_JSON_TRUE || v.type == RM_JSON_FALSE))
		return v.type == RM_JSON_FALSE ? C_REFUSED : C_ACCEPTED;
	snprintf(p->last, sizeof p->last, "introspection: no \"active\" in the answer");
	return C_ERROR;
}

/* One answer about the old access token: the resource first, then
 * introspection when both are configured (C_AGAIN: that request went). */
static enum check judge_access(struct rm_source *src, struct probe *p, struct watch *w,
                               const struct rm_http_response *r, int answered)
{
	enum check c;

	if (w->stage == 1)
		return judge_introspection(src, p, w, r, answered);
	c = judge_resource(src, p, w, r, answered);
	if (c == C_ACCEPTED && p->introspection_url) {
		w->stage = 1;
		send_access(p, w);
		return C_AGAIN;
	}
	return c;
}

/* Send a poll of the old refresh token to the token endpoint. */
static void send_refresh(struct probe *p, struct watch *w)
{
	struct rm_buf form = {0};

	if (token_form(p, p->rt, strlen(p->rt), &form) < 0)
		form.len = 0; /* no memory: refused as malformed, counted as an error */
	send(p, w->x, "POST", p->token_url, &form, NULL);
}

/* One answer about the old refresh token. A rotating provider answers
 * with a new one, which stands in for it from then on (the same grant,
 * issued before the revocation). */
static enum check judge_refresh(struct rm_source *src, struct probe *p, struct watch *w,
                                const struct rm_http_response *r, int answered)
{
	char t[220];
	int unusable, revoked;

	if (!answered) {
		snprintf(p->last, sizeof p->last, "token endpoint: %.200s", r->error);
		return C_ERROR;
	}
	if (r->status == 200) {
		char *nrt = json_string(r->body.data, r->body.len, "refresh_token");

		if (nrt) {
			wipe_str(&p->rt);
			p->rt = nrt;
		}
		return C_ACCEPTED;
	}
	token_error(r, t, sizeof t, &unusable, &revoked);
	if (revoked) {
		snprintf(p->refresh_why, sizeof p->refresh_why, "%.95s", t);
		return C_REFUSED;
	}
	note_pushback(src, w, r);
	snprintf(p->last, sizeof p->last, "token endpoint: %s", t);
	return C_ERROR;
}

/* An old token refused before anything was revoked: say where, and what
 * to fix (a resource the token is not meant for, another scope...). */
static void refused_early(struct probe *p, const struct watch *w)
{
	if (w == &p->refresh)
		snprintf(p->early, sizeof p->early, "the token endpoint refused the canary's refresh "
		         "token before the revocation (%.95s): no lag can be measured against it",
		         p->refresh_why);
	else if (w->stage == 0)
		snprintf(p->early, sizeof p->early, "the resource (probe_resource_url) refused the "
		         "canary's access token before the revocation (HTTP 401): no lag can be measured "
		         "against it; it must accept the canary's token: its audience and scope");
	else
		snprintf(p->early, sizeof p->early, "introspection (probe_introspection_url) said the "
		         "canary's access token was inactive before the revocation: no lag can be "
		         "measured against it");
}

/* Record one poll of an old token, sent at t: an error, the latest
 * acceptance, or the refusal the drill waits for. Before the revocation,
 * the one acceptance each token needs (a refusal fails the drill). */
static void note_check(struct rm_source *src, struct probe *p, struct watch *w, enum check c,
                       int64_t t)
{
	if (c == C_ERROR)
		src->errors++;
	if (p->phase == P_PRESENT) {
		if (c == C_ACCEPTED)
			w->done = 1;
		else if (c == C_REFUSED)
			refused_early(p, w);
		return;
	}
	if (c == C_ACCEPTED)
		w->ok_mono = t;
	if (c == C_REFUSED) {
		w->done = 1;
		w->lag = t - p->revoked_mono;
		w->res = t - (w->ok_mono ? w->ok_mono : p->revoked_mono);
	}
}

/* A poll of w has ended: schedule the next one, probe_poll after this one
 * began, or later when the server asked for a pause. */
static void schedule(struct rm_source *src, struct probe *p, struct rm_ingest *in, struct watch *w)
{
	w->next_mono = w->sent_mono + p->poll_ms;
	if (w->hold_ms > p->poll_ms) {
		w->next_mono = w->sent_mono + w->hold_ms;
		rm_ingest_log(in, REVMON_LOG_INFO, "%s: drill %llu: %s: the server asks for a pause; "
		              "next poll in %.3f s", src->name, (unsigned long long)p->drills + 1,
		              p->last, (double)w->hold_ms / 1000.0);
	}
	w->pushbacks = w->hold_ms ? w->pushbacks + 1 : 0;
	w->hold_ms = 0;
}

/* Take w's answer if it has come and judge it. */
static void collect(struct rm_source *src, struct probe *p, struct rm_ingest *in, struct watch *w)
{
	struct rm_http_response r = {0};
	enum check c;
	int answered;

	if (w->done || !rm_http_ready(w->x))
		return;
	answered = rm_http_take(w->x, &r) == 0;
	c = w == &p->access ? judge_access(src, p, w, &r, answered)
	                    : judge_refresh(src, p, w, &r, answered);
	drop_exchange(NULL, &r);
	if (c == C_AGAIN)
		return;
	note_check(src, p, w, c, w->sent_mono);
	schedule(src, p, in, w);
}

/* Start w's poll when it is due. */
static void start_due(struct probe *p, struct watch *w, int64_t now)
{
	if (w->done || rm_http_busy(w->x) || now < w->next_mono)
		return;
	w->sent_mono = now;
	if (w == &p->access) {
		w->stage = p->resource_url ? 0 : 1;
		send_access(p, w);
	} else {
		send_refresh(p, w);
	}
}

/* The phase's polling is over: before the revocation, when both old
 * tokens were accepted once; after it, when both were refused, or the
 * refresh one in the non-CAE regime when nobody waits for the access
 * token's expiry. */
static int polled_enough(const struct probe *p)
{
	if (p->phase == P_PRESENT)
		return p->refresh.done && p->access.done;
	return p->refresh.done && (p->access.done || (!p->cae && !p->wait_expiry));
}

/* One step of polling the old tokens: start the polls that are due, wait
 * for an answer, the next due poll or the deadline, judge what came.
 * Returns 1 when the phase has polled enough (polled_enough). */
static int poll_step(struct rm_source *src, struct probe *p, struct rm_ingest *in,
                     int64_t deadline)
{
	struct watch *w[2] = {&p->access, &p->refresh};
	/* A long pause asked for by a server must not outlast the drill. */
	int64_t now = rm_monotonic_ms(), until = p->phase_mono + p->max_wait_ms + 1;
	int busy = 0;

	if (deadline < until)
		until = deadline;
	for (int i = 0; i < 2; i++) {
		start_due(p, w[i], now);
		if (!w[i]->done && rm_http_busy(w[i]->x))
			busy = 1;
		else if (!w[i]->done && w[i]->next_mono < until)
			until = w[i]->next_mono;
	}
	if (busy)
		rm_http_run(p->http, until);
	else
		rm_sleep_ms(until - now);
	for (int i = 0; i < 2; i++)
		collect(src, p, in, w[i]);
	return polled_enough(p);
}

/* Begin a phase of polling the old tokens (presenting them, or waiting
 * for their refusals) at t: both due at once, nothing seen yet. */
static void begin_polling(struct probe *p, enum phase ph, int64_t t)
{
	struct watch *w[2] = {&p->access, &p->refresh};

	p->phase = ph;
	p->phase_mono = t;
	p->last[0] = '\0';
	for (int i = 0; i < 2; i++) {
		w[i]->done = 0;
		w[i]->ok_mono = w[i]->hold_ms = 0;
		w[i]->pushbacks = 0;
		w[i]->next_mono = t;
	}
}

/* A new drill: its watches and messages reset. */
static void start_drill(struct rm_source *src, struct probe *p, struct rm_ingest *in)
{
	p->phase = P_ACQUIRE;
	p->next_drill_wall = wall_now(p) + p->interval_ms;
	p->cae_challenge = 0;
	p->refresh_why[0] = p->last[0] = p->early[0] = '\0';
	rm_ingest_log(in, REVMON_LOG_DEBUG, "%s: drill %llu: signing the canary in",
	              src->name, (unsigned long long)p->drills + 1);
}

/* Advance the drill by one phase or one step of polling. 0: go on, 1:
 * this poll is over (budget spent, no drill due, or the drill finished),
 * -1: the drill failed (why says so; the caller finishes it). */
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
		start_drill(src, p, in);
		return 0;
	case P_ACQUIRE:
		r = acquire(src, p, deadline, why, cap);
		if (!r) {
			begin_polling(p, P_PRESENT, now);
			rm_ingest_log(in, REVMON_LOG_DEBUG, "%s: drill %llu: signed in; presenting the "
			              "tokens once before revoking them", src->name,
			              (unsigned long long)p->drills + 1);
		}
		return r;
	case P_REVOKE:
		r = revoke(src, p, deadline, why, cap);
		if (!r) {
			begin_polling(p, P_POLL, p->revoked_mono);
			rm_ingest_log(in, REVMON_LOG_DEBUG,
			              "%s: drill %llu: revoked; polling every %.3f s (the lags' resolution)",
			              src->name, (unsigned long long)p->drills + 1, (double)p->poll_ms / 1000.0);
		}
		return r;
	case P_PRESENT:
	case P_POLL:
		break;
	}
	/* Polling: give up after probe_max_wait. */
	if (now - p->phase_mono > p->max_wait_ms) {
		snprintf(why, cap, "%s %s within probe_max_wait (%lld s)%s%.200s",
		         p->access.done ? "the refresh token was not"
		         : p->refresh.done ? "the access token was not" : "neither token was",
		         p->phase == P_PRESENT ? "accepted before the revocation" : "refused",
		         (long long)(p->max_wait_ms / 1000),
		         p->last[0] ? "; last error: " : "", p->last);
		return -1;
	}
	r = poll_step(src, p, in, deadline);
	if (p->early[0]) {
		snprintf(why, cap, "%s", p->early);
		return -1;
	}
	if (r && p->phase == P_PRESENT) {
		p->phase = P_REVOKE; /* both old tokens work: now revoke them */
		return 0;
	}
	if (r)
		finish(src, p, in, 1, NULL);
	return r;
}

/* --- a drill carried from one run to the next (the state file) --- */

/* Move every instant of the drill under way by d ms (0 stays "none"):
 * between the wall clock of the state file and this process's monotonic
 * clock. */
static void shift_times(struct probe *p, int64_t d)
{
	struct watch *w[2] = {&p->access, &p->refresh};

	p->revoked_mono += d;
	p->phase_mono += d;
	for (int i = 0; i < 2; i++) {
		if (w[i]->ok_mono)
			w[i]->ok_mono += d;
		w[i]->next_mono += d;
		w[i]->sent_mono = w[i]->next_mono;
	}
}

/* At the first poll of a run: take over what the state file carried. */
static void take_over(struct rm_source *src, struct probe *p, struct rm_ingest *in)
{
	unsigned long long n = (unsigned long long)p->drills + 1;

	if (p->carried) {
		shift_times(p, p->mono0 - p->wall0);
		p->carried = 0;
		rm_ingest_log(in, REVMON_LOG_INFO, "%s: drill %llu: carried on from the previous run "
		              "(revoked %.3f s ago; the lags' resolution includes the gap between runs)",
		              src->name, n, (double)(p->mono0 - p->revoked_mono) / 1000.0);
	}
	if (p->restarted)
		rm_ingest_log(in, REVMON_LOG_WARNING, "%s: drill %llu: the previous run ended before "
		              "its revocation was confirmed; starting it again", src->name, n);
	if (p->log_failure)
		rm_ingest_log(in, REVMON_LOG_ERR, "%s: %s", src->name, p->status);
	p->restarted = p->log_failure = 0;
}

/* What the seal of a drill's tokens is bound to: this source, this drill
 * and its revocation (a sealed blob moved elsewhere does not open). */
static void seal_context(const struct rm_source *src, const struct probe *p, int64_t revoked_wall,
                         char *out, size_t cap)
{
	snprintf(out, cap, "revmon probe drill|%s|%llu|%lld", src->name,
	         (unsigned long long)p->drills + 1, (long long)revoked_wall);
}

/* The key material: every secret the source holds, each with its length. */
static int seal_secret(const struct probe *p, struct rm_buf *k)
{
	const struct rm_buf *part[3] = {&p->client_secret, &p->password, &p->stored_rt};
	int e = rm_buf_reserve(k, 64 + p->client_secret.len + p->password.len + p->stored_rt.len);

	for (int i = 0; i < 3 && !e; i++) {
		e |= rm_put_u32(k, (uint32_t)part[i]->len);
		e |= rm_buf_append(k, part[i]->data ? part[i]->data : "", part[i]->len);
	}
	return e ? -1 : 0;
}

/* Append the old tokens still needed (the access one until refused, the
 * refresh one until refused), sealed. */
static int seal_tokens(const struct rm_source *src, const struct probe *p, int64_t revoked_wall,
                       struct rm_buf *out)
{
	struct rm_buf plain = {0}, key = {0}, sealed = {0};
	const char *at = p->access.done ? NULL : p->at, *rt = p->refresh.done ? NULL : p->rt;
	char ctx[400];
	int e;

	seal_context(src, p, revoked_wall, ctx, sizeof ctx);
	e = rm_buf_reserve(&plain, 16 + (at ? strlen(at) : 0) + (rt ? strlen(rt) : 0));
	e |= rm_put_str(&plain, at);
	e |= rm_put_str(&plain, rt);
	e |= seal_secret(p, &key);
	if (!e)
		e = rm_probe_seal(key.data, key.len, ctx, plain.data, plain.len, &sealed);
	e |= rm_put_u64(out, sealed.len);
	e |= rm_buf_append(out, sealed.data, sealed.len);
	rm_buf_wipe(&plain);
	rm_buf_wipe(&key);
	rm_buf_free(&sealed);
	return e ? -1 : 0;
}

/* The drill under way: none, one to start again (nothing revoked yet, or
 * the revocation's answer not seen), or one polling, with its instants on
 * the wall clock and its tokens sealed. */
static int save_drill(const struct rm_source *src, const struct probe *p, struct rm_buf *out)
{
	const struct watch *w[2] = {&p->access, &p->refresh};
	/* monotonic to wall: this run's offset, unless the times are still the loaded ones */
	int64_t d = p->carried ? 0 : p->wall0 - p->mono0;
	enum carry k = p->phase == P_POLL ? CARRY_POLL : p->phase == P_IDLE ? CARRY_NONE : CARRY_RESTART;
	int e = rm_put_u32(out, (uint32_t)k);

	if (k != CARRY_POLL)
		return e;
	e |= rm_put_i64(out, p->revoked_mono + d);
	e |= rm_put_i64(out, p->at_expires_wall);
	e |= rm_put_u32(out, (uint32_t)p->cae_challenge);
	e |= rm_put_str(out, p->refresh_why);
	for (int i = 0; i < 2; i++) {
		e |= rm_put_u32(out, (uint32_t)w[i]->done);
		e |= rm_put_i64(out, w[i]->lag);
		e |= rm_put_i64(out, w[i]->res);
		e |= rm_put_i64(out, w[i]->ok_mono ? w[i]->ok_mono + d : 0);
		e |= rm_put_i64(out, w[i]->next_mono + d);
		e |= rm_put_u32(out, w[i]->pushbacks);
	}
	e |= seal_tokens(src, p, p->revoked_mono + d, out);
	return e ? -1 : 0;
}

/* Unseal the carried tokens into p. 0, or -1 (they cannot be read back). */
static int unseal_tokens(const struct rm_source *src, struct probe *p, int64_t revoked_wall,
                         const void *sealed, size_t len)
{
	struct rm_buf plain = {0}, key = {0};
	struct rm_rd r;
	char ctx[400];
	int rc = -1;

	seal_context(src, p, revoked_wall, ctx, sizeof ctx);
	if (seal_secret(p, &key) < 0 || rm_probe_unseal(key.data, key.len, ctx, sealed, len, &plain) < 0)
		goto out;
	r = (struct rm_rd){(const unsigned char *)plain.data, plain.len, 0, 0};
	p->at = rm_get_str(&r);
	p->rt = rm_get_str(&r);
	if (r.bad || r.pos != r.n || (!p->access.done && !p->at) || (!p->refresh.done && !p->rt))
		goto out;
	rc = 0;
out:
	rm_buf_wipe(&plain);
	rm_buf_wipe(&key);
	return rc;
}

/* Read what save_drill wrote. -1 when malformed; a drill whose tokens
 * cannot be unsealed (a secret changed, the file was altered) fails here,
 * counted and said at the next poll, never silently dropped. */
static int load_drill(struct rm_source *src, struct probe *p, struct rm_rd *r)
{
	struct watch *w[2] = {&p->access, &p->refresh};
	uint32_t k = rm_get_u32(r);
	uint64_t n;
	char *why;
	int64_t revoked_wall;

	if (k == CARRY_RESTART) {
		p->next_drill_wall = 0; /* due at once */
		p->restarted = 1;
	}
	if (k != CARRY_POLL)
		return k <= CARRY_RESTART && !r->bad ? 0 : -1;
	revoked_wall = rm_get_i64(r);
	p->revoked_mono = p->phase_mono = revoked_wall;
	p->at_expires_wall = rm_get_i64(r);
	p->cae_challenge = rm_get_u32(r) != 0;
	why = rm_get_str(r);
	snprintf(p->refresh_why, sizeof p->refresh_why, "%s", why ? why : "");
	free(why);
	for (int i = 0; i < 2; i++) {
		w[i]->done = rm_get_u32(r) != 0;
		w[i]->lag = rm_get_i64(r);
		w[i]->res = rm_get_i64(r);
		w[i]->ok_mono = rm_get_i64(r);
		w[i]->next_mono = rm_get_i64(r);
		w[i]->pushbacks = rm_get_u32(r);
	}
	n = rm_get_count(r, 1);
	if (r->bad)
		return -1;
	p->phase = P_POLL;
	p->carried = 1;
	if (unseal_tokens(src, p, revoked_wall, r->p + r->pos, (size_t)n) < 0) {
		finish(src, p, NULL, 0, "carried over from the previous run, but its tokens could not "
		       "be unsealed from the state file (a secret of the source changed, or the file "
		       "was altered); the next drill starts at probe_interval");
		p->carried = 0;
	}
	r->pos += (size_t)n;
	return 0;
}

static int probe_poll(struct rm_source *src, struct rm_ingest *in, int64_t deadline,
                      struct revmon_error *err)
{
	struct probe *p = src->impl;
	char why[400];
	int r, rc = 0;

	p->wall0 = in->wall_ms;
	p->mono0 = rm_monotonic_ms();
	take_over(src, p, in);
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

/* The schedule, the results and the drill under way; never a token or a
 * secret in clear (save_drill seals the old tokens a carried drill needs). */
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
	/* A failed drill keeps the source down with its reason in later runs too. */
	e |= rm_put_u32(out, (uint32_t)p->last_failed);
	e |= rm_put_u32(out, (uint32_t)p->last_unusable);
	e |= rm_put_str(out, p->status);
	e |= save_drill(src, p, out);
	return e ? -1 : 0;
}

/* What version 2 adds: the latest drill's end and the drill under way. */
static int load_v2(struct rm_source *src, struct probe *p, struct rm_rd *r)
{
	char *status;

	p->last_failed = rm_get_u32(r) != 0;
	p->last_unusable = rm_get_u32(r) != 0;
	status = rm_get_str(r);
	if (status)
		snprintf(p->status, sizeof p->status, "%s", status);
	free(status);
	return r->bad ? -1 : load_drill(src, p, r);
}

static int probe_load(struct rm_source *src, const void *buf, size_t len, struct revmon_error *err)
{
	struct probe *p = src->impl;
	struct rm_rd r = {buf, len, 0, 0};
	uint32_t v = rm_get_u32(&r);

	if (v != 1 && v != STATE_VERSION)
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
	if (v == STATE_VERSION && load_v2(src, p, &r) < 0)
		goto bad;
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
		drop_tokens(p);
		rm_entra_app_free(p->graph);
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

static const struct rm_source_ops probe_ops = {
	.poll = probe_poll,
	.now = probe_now,
	.done = probe_done,
	.save = probe_save,
	.load = probe_load,
	.free = probe_free,
	.probe_results = probe_results,
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The canary's credentials: the keys that must go together. */
static int check_canary_keys(const struct rm_settings *s, struct revmon_error *err)
{
	int grant_pw = s->probe_password_file || s->probe_password_env;

	if (!s->probe_client_id)
		rm_errorf(err, "probe_client_id is not set (the client the canary signs in with)");
	else if (grant_pw == !!s->probe_refresh_token_file)
		rm_errorf(err, grant_pw ? "set the canary's password (probe_password_file or "
		          "probe_password_env) or probe_refresh_token_file, not both"
		          : "no canary credential: set probe_password_file or probe_password_env "
		          "(with probe_username), or probe_refresh_token_file");
	else if (s->probe_password_file && s->probe_password_env)
		rm_errorf(err, "set probe_password_file or probe_password_env, not both");
	else if (grant_pw && !s->probe_username)
		rm_errorf(err, "probe_username is not set (the canary for the password grant)");
	else if (s->probe_client_secret_file && s->probe_client_secret_env)
		rm_errorf(err, "set probe_client_secret_file or probe_client_secret_env, not both");
	else
		return 0;
	return -1;
}

/* A key's value, else its default: prefix followed by suffix. NULL on no
 * memory. */
static char *value_or(const char *value, const char *prefix, const char *suffix)
{
	struct rm_buf d = {0};

	if (value)
		return strdup(value);
	if (rm_buf_puts(&d, prefix) < 0 || rm_buf_puts(&d, suffix) < 0) {
		rm_buf_free(&d);
		return NULL;
	}
	return d.data; /* the buffer's bytes, NUL-terminated, are the string */
}

/* Entra: the endpoints' defaults from the graph_* keys, and the app that
 * revokes (the graph source's identity, through the one Entra client). */
static int setup_entra(struct probe *p, const struct rm_settings *s, struct revmon_error *err)
{
	const char *id = s->probe_user_id ? s->probe_user_id : s->probe_username;
	struct rm_buf b = {0};
	struct revmon_error e = {{0}};
	int rc = -1;

	if (!id) {
		rm_errorf(err, "probe_user_id is not set (the canary's object id or UPN in Graph)");
		goto out;
	}
	if (s->probe_introspection_url) {
		rm_errorf(err, "probe_introspection_url: Entra has no introspection endpoint "
		          "(use probe_flavour = oauth)");
		goto out;
	}
	if (!(p->graph = rm_entra_app_new(s, p->http, p->timeout_ms, &e))) {
		rm_errorf(err, "probe_flavour entra revokes with the graph app: %s", e.msg);
		goto out;
	}
	if (!s->probe_token_url && rm_entra_token_url(&b, s->graph_authority, s->graph_tenant) < 0)
		goto oom;
	p->token_url = value_or(s->probe_token_url, b.data ? b.data : "", "");
	p->scope = value_or(s->probe_scope, s->graph_base, "/.default openid offline_access");
	p->resource_url = value_or(s->probe_resource_url, s->graph_base, "/v1.0/me");
	b.len = 0;
	if (rm_buf_printf(&b, "%s/v1.0/users/", s->graph_base) < 0 ||
	    rm_url_encode(&b, id, strlen(id)) < 0 || rm_buf_puts(&b, "/revokeSignInSessions") < 0 ||
	    !(p->revoke_url = strdup(b.data)) || !p->token_url || !p->scope || !p->resource_url)
		goto oom;
	rc = 0;
	goto out;
oom:
	rm_errorf(err, "out of memory");
out:
	rm_buf_free(&b);
	return rc;
}

/* Generic OAuth 2.0: every endpoint is configured. */
static int setup_oauth(struct probe *p, const struct rm_settings *s, struct revmon_error *err)
{
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
	if (!p->token_url || !p->revoke_url || (s->probe_scope && !p->scope) ||
	    (s->probe_resource_url && !p->resource_url)) {
		rm_errorf(err, "out of memory");
		return -1;
	}
	return 0;
}

/* The canary's secrets and the client's, from their files or the environment. */
static int read_secrets(struct probe *p, const struct rm_settings *s, struct revmon_error *err)
{
	if ((s->probe_client_secret_file || s->probe_client_secret_env) &&
	    rm_secret_read("probe_client_secret_file", s->probe_client_secret_file,
	                   "probe_client_secret_env", s->probe_client_secret_env, &p->client_secret,
	                   err) < 0)
		return -1;
	if ((s->probe_password_file || s->probe_password_env) &&
	    rm_secret_read("probe_password_file", s->probe_password_file, "probe_password_env",
	                   s->probe_password_env, &p->password, err) < 0)
		return -1;
	if (s->probe_refresh_token_file &&
	    rm_secret_read("probe_refresh_token_file", s->probe_refresh_token_file, NULL, NULL,
	                   &p->stored_rt, err) < 0)
		return -1;
	return 0;
}

/* Keys, their defaults per flavour, and the secrets. */
static int setup(struct probe *p, const struct rm_settings *s, struct revmon_error *err)
{
	if (check_canary_keys(s, err) < 0)
		return -1;
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
	p->access.what = "access";
	p->refresh.what = "refresh";
	if (!p->client_id || (s->probe_username && !p->username) ||
	    (s->probe_resource && !p->resource) ||
	    (s->probe_introspection_url && !p->introspection_url)) {
		rm_errorf(err, "out of memory");
		return -1;
	}
	if ((p->flavour == RM_PROBE_ENTRA ? setup_entra(p, s, err) : setup_oauth(p, s, err)) < 0)
		return -1;
	return read_secrets(p, s, err);
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
	p->http = rm_http_new(s->probe_ca_file ? s->probe_ca_file : s->graph_ca_file,
	                      s->max_document_bytes, &why);
	if (!p->http || !(p->xm = rm_http_xfer_new(p->http)) ||
	    !(p->access.x = rm_http_xfer_new(p->http)) || !(p->refresh.x = rm_http_xfer_new(p->http))) {
		rm_errorf(err, "source: %s: %s", spec, why.msg[0] ? why.msg : "out of memory");
		goto fail;
	}
	if (setup(p, s, &why) < 0) {
		rm_errorf(err, "source: %s: %s", spec, why.msg);
		goto fail;
	}
	snprintf(p->status, sizeof p->status, "no drill yet");
	return src;
fail:
	probe_free(src);
	return NULL;
}
