/* What the live sources share: see live.h. */
#include "live.h"
#include "source.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void rm_live_init(struct rm_live *l, const void *p)
{
	memset(l, 0, sizeof *l);
	l->rng = (uint64_t)rm_monotonic_ms() * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid() ^
	         (uint64_t)(uintptr_t)p;
	if (!l->rng)
		l->rng = 1;
}

void rm_live_poll(struct rm_live *l, int64_t wall_ms)
{
	l->wall0 = wall_ms;
	l->prev_start = l->mono0;
	l->mono0 = rm_monotonic_ms();
}

int64_t rm_live_wall(const struct rm_live *l)
{
	return l->wall0 + (rm_monotonic_ms() - l->mono0);
}

double rm_live_rnd(struct rm_live *l)
{
	l->rng ^= l->rng >> 12;
	l->rng ^= l->rng << 25;
	l->rng ^= l->rng >> 27;
	return (double)((l->rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

int rm_live_wait_out(int64_t deadline_ms)
{
	rm_sleep_ms(deadline_ms - rm_monotonic_ms());
	return 1;
}

void rm_budget_init(struct rm_budget *b, unsigned rate, int64_t window_ms, int64_t margin_ms)
{
	memset(b, 0, sizeof *b);
	b->rate = rate > RM_BUDGET_MAX ? RM_BUDGET_MAX : rate ? rate : 1;
	b->window_ms = window_ms;
	b->margin_ms = margin_ms;
}

int64_t rm_budget_wait(const struct rm_budget *b, int64_t now)
{
	int64_t oldest;

	if (b->n < b->rate)
		return 0;
	/* the rate-th latest request */
	oldest = b->sent[(b->pos + RM_BUDGET_MAX - b->rate) % RM_BUDGET_MAX];
	oldest += b->window_ms + b->margin_ms;
	return oldest > now ? oldest - now : 0;
}

void rm_budget_record(struct rm_budget *b, int64_t now)
{
	b->sent[b->pos] = now;
	b->pos = (b->pos + 1) % RM_BUDGET_MAX;
	if (b->n < RM_BUDGET_MAX)
		b->n++;
}

/* Only the latest rate times matter to the budget. */
int rm_budget_save(const struct rm_budget *b, struct rm_buf *out)
{
	unsigned n = b->n < b->rate ? b->n : b->rate;
	int e = rm_put_u32(out, n);

	for (unsigned k = 0; k < n; k++)
		e |= rm_put_i64(out, b->sent[(b->pos + RM_BUDGET_MAX - n + k) % RM_BUDGET_MAX]);
	return e ? -1 : 0;
}

int rm_budget_load(struct rm_budget *b, struct rm_rd *r)
{
	uint32_t n = rm_get_u32(r);

	if (n > RM_BUDGET_MAX)
		return r->bad = 1, -1;
	b->n = b->pos = 0;
	for (uint32_t k = 0; k < n && !r->bad; k++)
		rm_budget_record(b, rm_get_i64(r));
	return r->bad ? -1 : 0;
}

int rm_retry_fail(struct rm_retry *r, int64_t delay_ms, unsigned max_attempts, int64_t span_ms,
                  struct revmon_error *err)
{
	int64_t now = rm_monotonic_ms();

	if (++r->attempt == 1)
		r->first_fail = now;
	/* Give up in time for a check to say why (its usual timeout is 30 s). */
	if (r->attempt > max_attempts || now + delay_ms - r->first_fail > span_ms) {
		rm_errorf(err, "%s (gave up after %u attempts)", r->last, r->attempt);
		return -1;
	}
	r->retry_at = now + delay_ms;
	return 0;
}

void rm_retry_done(struct rm_retry *r)
{
	r->attempt = 0;
	r->retry_at = 0;
	r->refreshed = 0;
	r->last[0] = '\0';
}

/* A token could not be had: count it; 0 to try again (after the pause),
 * -1 (err) when a person must act or the attempts are spent. */
static int token_failed(struct rm_source *src, struct rm_live *l, struct rm_retry *r,
                        const struct rm_retry_limits *lim, const struct rm_oauth_fail *f,
                        struct revmon_error *err)
{
	if (f->throttled)
		src->throttled++;
	else
		src->errors++;
	if (f->unusable) {
		src->unusable = 1;
		rm_errorf(err, "%s", f->msg);
		return -1;
	}
	snprintf(r->last, sizeof r->last, "%s", f->msg);
	return rm_retry_fail(r, rm_retry_delay_ms(f->retry_after, r->attempt, lim->token_base_ms,
	                                          lim->cap_ms, rm_live_rnd(l)),
	                     lim->max_attempts, lim->span_ms, err);
}

int rm_live_ready(struct rm_source *src, struct rm_live *l, struct rm_retry *r,
                  const struct rm_retry_limits *lim, struct rm_budget *b,
                  struct rm_entra_app *app, int64_t deadline_ms, const char **token,
                  struct revmon_error *err)
{
	for (;;) {
		int64_t now = rm_monotonic_ms(), wait;
		struct rm_oauth_fail f;
		int t;

		/* A retry waits in this poll when it fits, else in a later one. */
		if (r->retry_at > now) {
			if (r->retry_at >= deadline_ms)
				return rm_live_wait_out(deadline_ms);
			rm_sleep_ms(r->retry_at - now);
		}
		t = rm_entra_app_token(app, rm_live_wall(l), deadline_ms, token, &f);
		if (t > 0)
			return 1; /* the token request runs on */
		if (t < 0) {
			if (token_failed(src, l, r, lim, &f, err) < 0)
				return -1;
			continue;
		}
		wait = rm_budget_wait(b, rm_live_wall(l));
		if (wait > 0) {
			if (rm_monotonic_ms() + wait >= deadline_ms)
				return rm_live_wait_out(deadline_ms);
			rm_sleep_ms(wait);
		}
		rm_budget_record(b, rm_live_wall(l));
		return 0;
	}
}

int rm_live_overdue(const struct rm_live *l, const struct rm_retry *r, const struct rm_http *h, int last,
                    struct revmon_error *err)
{
	char msg[400];
	int64_t now = rm_monotonic_ms(), since = now - (l->mono0 - l->prev_start);

	if (!l->prev_start)
		return 0;
	if (r->attempt && r->first_fail < since) {
		rm_errorf(err, "%s (failing for %.0f s; retrying)", r->last,
		          (double)(now - r->first_fail) / 1000.0);
		return 1;
	}
	if (!rm_http_overdue(h, since, !last, msg, sizeof msg))
		return 0;
	rm_errorf(err, "%s", msg);
	return 1;
}
