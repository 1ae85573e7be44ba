/* What the live sources (graph, loganalytics) share: the clocks of a poll
 * and jitter, a request budget kept across runs, the retries of the request
 * in flight, and being "down for longer than a poll". */
#ifndef RM_LIVE_H
#define RM_LIVE_H

#include <stdint.h>

#include "entra/entra.h"
#include "util/util.h"
#include "revmon.h"

/* The clocks of the current poll, and a jitter generator. */
struct rm_live {
	int64_t wall0, mono0;   /* wall and monotonic clocks when the poll began */
	int64_t prev_start;     /* monotonic start of the previous poll, 0 before */
	uint64_t rng;
};

/* Seed the jitter (never security: xorshift64*) from the clock and p. */
void rm_live_init(struct rm_live *l, const void *p);
/* A poll begins at wall clock wall_ms. */
void rm_live_poll(struct rm_live *l, int64_t wall_ms);
/* The wall clock now, from the poll's start and the monotonic clock. */
int64_t rm_live_wall(const struct rm_live *l);
/* A number in [0, 1). */
double rm_live_rnd(struct rm_live *l);
/* Spend the rest of the budget waiting (a host polling in a loop must not
 * spin); returns 1. */
int rm_live_wait_out(int64_t deadline_ms);

/* At most rate requests per window_ms, the times kept in a ring of the
 * latest RM_BUDGET_MAX. */
#define RM_BUDGET_MAX 200
struct rm_budget {
	int64_t sent[RM_BUDGET_MAX]; /* wall times */
	unsigned rate, n, pos;
	int64_t window_ms, margin_ms;
};

void rm_budget_init(struct rm_budget *b, unsigned rate, int64_t window_ms, int64_t margin_ms);
/* Milliseconds to wait before the next request may go (wall clock now). */
int64_t rm_budget_wait(const struct rm_budget *b, int64_t now);
void rm_budget_record(struct rm_budget *b, int64_t now);
/* The times, oldest first, for the state file; and back (-1 when corrupt). */
int rm_budget_save(const struct rm_budget *b, struct rm_buf *out);
int rm_budget_load(struct rm_budget *b, struct rm_rd *r);

/* The retries of one request: after a failure that may heal it is sent
 * again after a delay, up to max_attempts times and span_ms after the
 * first failure. */
struct rm_retry {
	unsigned attempt;
	int64_t retry_at;    /* monotonic; 0: at once */
	int64_t first_fail;  /* monotonic */
	int refreshed;       /* a new token was fetched after a 401 */
	char last[480];      /* the latest failure, for messages */
};

/* Count a failure (r->last says what): 0 with r->retry_at set, or -1 with
 * err when the attempts are spent. */
int rm_retry_fail(struct rm_retry *r, int64_t delay_ms, unsigned max_attempts, int64_t span_ms,
                  struct revmon_error *err);
/* The request got its answer: a clean slate. */
void rm_retry_done(struct rm_retry *r);

/* Limits of a request's retries. */
struct rm_retry_limits {
	unsigned max_attempts;
	int64_t span_ms;          /* from the first failure */
	int64_t token_base_ms;    /* the first pause after a token failure */
	int64_t cap_ms;           /* the longest pause */
};

struct rm_source;
/* Wait until a request may go: its retry pause, the app's token, the
 * budget (which then counts it). 0 with *token (borrowed from app until its
 * next call); 1 when the poll's deadline comes first (a token request runs
 * on); -1 with err when no token can be had (src's counters and unusable
 * set as the failure says). */
int rm_live_ready(struct rm_source *src, struct rm_live *l, struct rm_retry *r,
                  const struct rm_retry_limits *lim, struct rm_budget *b,
                  struct rm_entra_app *app, int64_t deadline_ms, const char **token,
                  struct revmon_error *err);

/* Down while the request has been failing for longer than a poll (from the
 * previous poll's start to this one's), or any request of h has gone
 * unanswered for longer than a poll and half its own time-out (a slow
 * endpoint that answers is not down; last: the poll that ends a one-shot
 * run, where longer than a poll is enough): 1 with err, the requests
 * running on; else 0. */
int rm_live_overdue(const struct rm_live *l, const struct rm_retry *r, const struct rm_http *h, int last,
                    struct revmon_error *err);

#endif
