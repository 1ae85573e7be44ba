/* The analyzer. See the metric catalog in metrics.def for each definition.
 *
 * State, all bounded by active users and clients:
 *  - users: only users with a revocation or an unexplained refusal;
 *  - clients: (user, app, device) holding a token that could still be live;
 *  - stale: clients that presented a revoked grant recently;
 *  - dedupe: record ids within dedupe_horizon;
 *  - enforcements, pending, recent: short lists of revocations;
 *  - a ring of 10-second buckets covering the window, for rates. */
#include "analyzer.h"
#include "analyzer_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "metrics/metrics.h"
#include "util/util.h"


/* ---- keep functions: what may be dropped as the watermark moves ---- */

static int keep_user(void *rec, void *ctx)
{
	struct user *u = rec;
	const struct rm_analyzer *a = ctx;
	int64_t last = u->last_ms > u->revoked_ms ? u->last_ms : u->revoked_ms;

	if (last >= a->wm - USER_MEMORY_MS)
		return 1;
	free(u->upn);
	free(u->ref);
	return 0;
}

static int keep_inter(void *rec, void *ctx)
{
	const struct inter *in = rec;
	const struct rm_analyzer *a = ctx;
	/* audit events may lag the sign-ins by hours, and a stream may deliver
	 * them after sign-ins of hours later (another partition read ahead) */
	int64_t upto = a->read_through < a->wm ? a->read_through : a->wm;

	return in->t0 > upto - a->s->reauth_window_ms - a->s->dedupe_horizon_ms;
}

static void inter_times(const struct inter *in, int64_t t[INTER_KEEP])
{
	t[0] = in->t0;
	for (int i = 1; i < INTER_KEEP; i++)
		t[i] = rm_delta_get(in->t0, in->d[i - 1]);
}

/* Store t (newest first); a time too old to keep ends the list there. */
static void inter_set_times(struct inter *in, const int64_t t[INTER_KEEP])
{
	in->t0 = t[0];
	for (int i = 1; i < INTER_KEEP; i++) {
		in->d[i - 1] = i > 1 && !in->d[i - 2] ? 0 : rm_delta_put(t[0], t[i]);
		if (!in->d[i - 1])
			in->counted &= (uint16_t)((1u << i) - 1);
	}
}

/* Record ids of events from here on are kept. */
static int64_t ids_floor(const struct rm_analyzer *a)
{
	int64_t floor = a->wm - a->s->dedupe_horizon_ms;

	/* a live source catching up may re-read windows older than the horizon */
	if (a->keep_ids_from && a->keep_ids_from < floor)
		floor = a->keep_ids_from;
	return floor;
}

void rm_analyzer_keep_ids_from(struct rm_analyzer *a, int64_t floor_ms)
{
	a->keep_ids_from = floor_ms;
}

void rm_analyzer_read_through(struct rm_analyzer *a, int64_t t)
{
	a->read_through = t;
}

/* Minutes the baseline looks back: eight half-lives weigh in all but 0.4 %,
 * and at least the warm-up plus the window's ring (60 days at most). */
static size_t baseline_minutes(const struct rm_settings *s)
{
	int64_t span = 8 * s->baseline_halflife_ms;

	if (span < s->baseline_warmup_ms + s->window_ms + s->settle_ms + 3600000)
		span = s->baseline_warmup_ms + s->window_ms + s->settle_ms + 3600000;
	if (span > 60LL * 86400000)
		span = 60LL * 86400000;
	return (size_t)(span / 60000) + 2;
}

struct rm_analyzer *rm_analyzer_new(const struct rm_settings *s)
{
	struct rm_analyzer *a = calloc(1, sizeof *a);

	if (!a)
		return NULL;
	a->s = s;
	a->read_through = INT64_MAX;
	a->n_ring = (size_t)((s->window_ms + s->settle_ms) / BUCKET_MS) + 2;
	a->ring = calloc(a->n_ring, sizeof *a->ring);
	a->n_min = baseline_minutes(s);
	a->min_ring = calloc(a->n_min, sizeof *a->min_ring);
	if (!a->ring || !a->min_ring) {
		free(a->ring);
		free(a->min_ring);
		free(a);
		return NULL;
	}
	a->head_b = -1;
	a->head_min = -1;
	a->first_min = -1;
	a->alpha = 1.0 - exp2(-60000.0 / (double)s->baseline_halflife_ms);
	a->enf_compact_at = a->pend_compact_at = 1024;
	rm_table_init(&a->users, sizeof(struct user), keep_user, a);
	rm_table_init(&a->clients, sizeof(struct client), rm_stale_keep_client, a);
	rm_table_init(&a->stale, sizeof(struct stale), rm_stale_keep, a);
	rm_table_init(&a->fam_index, sizeof(struct fam_slot), NULL, NULL);
	rm_dedupe_init(&a->seen, s->dedupe_horizon_ms / 4);
	rm_table_init(&a->inter, sizeof(struct inter), keep_inter, a);
	return a;
}

static void free_owned(struct rm_analyzer *a)
{
	size_t i = 0;
	struct user *u;
	struct stale *st;

	while ((u = rm_table_next(&a->users, &i))) {
		free(u->upn);
		free(u->ref);
	}
	i = 0;
	while ((st = rm_table_next(&a->stale, &i))) {
		free(st->upn);
		free(st->app);
		free(st->device);
	}
}

void rm_analyzer_free(struct rm_analyzer *a)
{
	if (!a)
		return;
	free_owned(a);
	rm_table_free(&a->users);
	rm_table_free(&a->clients);
	rm_table_free(&a->stale);
	rm_dedupe_free(&a->seen);
	rm_table_free(&a->inter);
	rm_fam_free(a);
	free(a->enf);
	free(a->pend);
	free(a->infer);
	free(a->ring);
	free(a->min_ring);
	free(a);
}

void rm_analyzer_reject(struct rm_analyzer *a)
{
	a->m[RM_M_EVENTS_REJECTED]++;
}

void rm_analyzer_ignore(struct rm_analyzer *a)
{
	a->m[RM_M_EVENTS_IGNORED]++;
}

int64_t rm_analyzer_watermark(const struct rm_analyzer *a)
{
	return a->wm;
}

/* ---- rate buckets and the baseline ---- */

static void advance(struct rm_analyzer *a, int64_t b)
{
	int64_t n = (int64_t)a->n_ring;

	if (a->head_b >= 0)
		for (int64_t i = b - a->head_b >= n ? b - n + 1 : a->head_b + 1; i <= b; i++)
			memset(&a->ring[(size_t)(i % n)], 0, sizeof a->ring[0]);
	a->head_b = b;
}

/* Count sign-ins per minute for the baseline (interactive successes in
 * count); the minutes kept cover the baseline's span before the window. */
static void minute_note(struct rm_analyzer *a, int64_t t, uint32_t count)
{
	int64_t m = t / 60000, n = (int64_t)a->n_min;

	if (t < 0)
		return;
	if (a->first_min < 0 || m < a->first_min)
		a->first_min = m;
	if (a->head_min >= 0 && m > a->head_min)
		for (int64_t i = m - a->head_min >= n ? m - n + 1 : a->head_min + 1; i <= m; i++)
			a->min_ring[(size_t)(i % n)] = 0;
	if (a->head_min < 0 || m > a->head_min)
		a->head_min = m;
	if (m > a->head_min - n)
		a->min_ring[(size_t)(m % n)] += count;
}

/* The baseline: an EWMA of the per-minute counts of the minutes before the
 * window's ring, computed from the minutes themselves so that it does not
 * depend on the order records arrived in. *minutes says how many went in. */
static double baseline(const struct rm_analyzer *a, int64_t *minutes)
{
	int64_t n = (int64_t)a->n_min;
	int64_t end = (a->head_b - (int64_t)a->n_ring + 1) * BUCKET_MS / 60000;
	int64_t start = a->first_min;
	double e = 0;

	if (start < a->head_min - n + 1)
		start = a->head_min - n + 1;
	*minutes = 0;
	if (a->first_min < 0 || a->head_b < 0)
		return 0;
	for (int64_t m = start; m < end && m <= a->head_min; m++) {
		double c = (double)a->min_ring[(size_t)(m % n)];

		e = *minutes ? e + a->alpha * (c - e) : c;
		++*minutes;
	}
	return e;
}

static struct bucket *bucket_at(struct rm_analyzer *a, int64_t t)
{
	int64_t b = t / BUCKET_MS;

	if (t < 0)
		return NULL;
	if (a->head_b < 0 || b > a->head_b)
		advance(a, b);
	if (b <= a->head_b - (int64_t)a->n_ring)
		return NULL; /* older than the window: counters only */
	return &a->ring[(size_t)(b % (int64_t)a->n_ring)];
}

/* ---- lists ---- */

static int push_pending(struct rm_analyzer *a, uint64_t user, int64_t r)
{
	if (a->n_pend >= a->pend_compact_at) {
		size_t j = 0;

		for (size_t i = 0; i < a->n_pend; i++)
			if (a->pend[i].revoked_ms > a->wm - a->s->access_token_lifetime_ms)
				a->pend[j++] = a->pend[i];
		a->n_pend = j;
		a->pend_compact_at = 2 * j + 1024;
	}
	if (a->n_pend == a->cap_pend) {
		size_t cap = a->cap_pend ? a->cap_pend * 2 : 64;
		struct pending *p = realloc(a->pend, cap * sizeof *p);

		if (!p)
			return -1;
		a->pend = p;
		a->cap_pend = cap;
	}
	a->pend[a->n_pend++] = (struct pending){user, r};
	return 0;
}

/* A revocation learned from a failure text: counted as inferred once its
 * audit event has had settle to arrive (settle_inferred). */
static int push_inferred(struct rm_analyzer *a, uint64_t user, int64_t r)
{
	if (a->n_infer == a->cap_infer) {
		size_t cap = a->cap_infer ? a->cap_infer * 2 : 64;
		struct pending *p = realloc(a->infer, cap * sizeof *p);

		if (!p)
			return -1;
		a->infer = p;
		a->cap_infer = cap;
	}
	a->infer[a->n_infer++] = (struct pending){user, r};
	return 0;
}

/* Count the inferred revocations older than until whose audit event never
 * came (the user's revocation is still the inferred one), so that the count
 * does not depend on which of the two records arrived first. */
static void settle_inferred(struct rm_analyzer *a, int64_t until)
{
	size_t j = 0;

	for (size_t i = 0; i < a->n_infer; i++) {
		const struct pending *p = &a->infer[i];
		const struct user *u;

		if (p->revoked_ms > until) {
			a->infer[j++] = *p;
			continue;
		}
		u = rm_table_find(&a->users, p->user);
		if (!u || !((u->revoked_ms == p->revoked_ms && u->cause != RM_CAUSE_INFERRED) ||
		            (u->old_ms == p->revoked_ms && u->old_cause != RM_CAUSE_INFERRED)))
			a->m[RM_M_REVOCATIONS_INFERRED]++;
	}
	a->n_infer = j;
}

/* Keep the RECENT_MAX newest revocations by revocation time, whatever
 * order their records arrive in (slots [0, n_recent) are used). */
static void push_recent(struct rm_analyzer *a, uint64_t user, int64_t r, int cause)
{
	size_t oldest = 0;

	if (a->n_recent < RECENT_MAX) {
		a->recent[a->n_recent++] = (struct recent){user, r, cause};
		a->recent_head = a->n_recent % RECENT_MAX;
		return;
	}
	for (size_t i = 1; i < RECENT_MAX; i++)
		if (a->recent[i].revoked_ms < a->recent[oldest].revoked_ms)
			oldest = i;
	if (r > a->recent[oldest].revoked_ms)
		a->recent[oldest] = (struct recent){user, r, cause};
}

/* ---- per-user logic ---- */

static uint64_t user_key(const struct rm_event *ev)
{
	struct rm_str id = ev->user_id.n ? ev->user_id : ev->upn;

	return id.n ? rm_hash(id.p, id.n, 0x75736572) : 0;
}

static struct user *user_upsert(struct rm_analyzer *a, uint64_t key, const struct rm_event *ev)
{
	int created;
	struct user *u = rm_table_upsert(&a->users, key, &created);

	if (u && !u->upn && (ev->upn.n || ev->user_id.n))
		u->upn = rm_dup_str(ev->upn.n ? ev->upn : ev->user_id);
	return u;
}

/* t is within reauth_window after revocation r (0: none). */
static int after_revocation(const struct rm_analyzer *a, int64_t t, int64_t r)
{
	return r && t >= r && t - r <= a->s->reauth_window_ms;
}

/* Count the user's interactive sign-ins in [r, r + reauth_window] that
 * arrived before the revocation did. */
static void count_earlier_reauths(struct rm_analyzer *a, uint64_t user, int64_t r)
{
	struct inter *in = rm_table_find(&a->inter, user);
	int64_t t[INTER_KEEP];

	if (!in)
		return;
	inter_times(in, t);
	for (int i = 0; i < INTER_KEEP; i++)
		if (t[i] && !(in->counted & (1u << i)) && t[i] >= r &&
		    t[i] - r <= a->s->reauth_window_ms) {
			in->counted |= (uint16_t)(1u << i);
			a->m[RM_M_REAUTH_AFTER_REVOCATION]++;
		}
}

/* Remember an interactive sign-in; returns 1 when it counts as a re-auth. */
static int note_interactive(struct rm_analyzer *a, uint64_t user, int64_t t, int reauth)
{
	int created, i;
	struct inter *in = rm_table_upsert(&a->inter, user, &created);
	int64_t ts[INTER_KEEP];

	if (!in)
		return -1;
	inter_times(in, ts);
	for (i = 0; i < INTER_KEEP && ts[i] > t; i++)
		;
	if (i == INTER_KEEP)
		return 0; /* older than all kept: nothing to remember */
	memmove(&ts[i + 1], &ts[i], (size_t)(INTER_KEEP - 1 - i) * sizeof ts[0]);
	in->counted = (uint16_t)(((unsigned)(in->counted >> i) << (i + 1)) | (in->counted & ((1u << i) - 1)));
	ts[i] = t;
	if (reauth)
		in->counted |= (uint16_t)(1u << i);
	inter_set_times(in, ts);
	return 0;
}

/* Count a code the classification table does not list (the first
 * RM_OTHER_CODES distinct ones; real tenants show a handful). */
static void note_other_code(struct rm_analyzer *a, int32_t code)
{
	for (size_t i = 0; i < a->n_other; i++)
		if (a->other[i].code == code) {
			a->other[i].n++;
			return;
		}
	if (a->n_other < RM_OTHER_CODES)
		a->other[a->n_other++] = (struct code_count){code, 1};
}

/* Make R the user's latest revocation. */
static int set_revocation(struct rm_analyzer *a, struct user *u, int64_t r, int cause, uint64_t corr)
{
	if (u->revoked_ms && u->revoked_ms < r) {
		/* it becomes the one before: its other rows may still arrive */
		u->old_ms = u->revoked_ms;
		u->old_corr = u->corr;
		u->old_cause = u->cause;
		u->old_enforced_ms = u->enforced_ms;
		u->old_enforced_cae = u->enforced_cae;
		u->old_enf_pos = u->enf_pos;
	}
	u->revoked_ms = r;
	u->cause = (int8_t)cause;
	u->corr = corr;
	u->enforced_ms = 0;
	u->enf_pos = 0;
	push_recent(a, u->key, r, cause);
	count_earlier_reauths(a, u->key, r);
	if (push_pending(a, u->key, r) < 0)
		return -1;
	return rm_enf_reconcile(a, u);
}

/* A revocation older than the user's latest, reported late: it becomes the
 * one before the latest when it is newer than that one. */
static int set_older(struct rm_analyzer *a, struct user *u, int64_t r, int cause, uint64_t corr)
{
	push_recent(a, u->key, r, cause);
	count_earlier_reauths(a, u->key, r);
	if (r <= u->old_ms)
		return 0;
	u->old_ms = r;
	u->old_corr = corr;
	u->old_cause = (int8_t)cause;
	u->old_enforced_ms = 0;
	u->old_enf_pos = 0;
	return rm_enf_reconcile(a, u);
}

/* r is the user's revocation before the latest (a row or failure text of
 * it): merged by correlation id or time. */
static int is_old(const struct rm_analyzer *a, const struct user *u, int64_t r, uint64_t corr)
{
	return u->old_ms && ((corr && u->old_corr == corr) ||
	                     llabs(r - u->old_ms) <= a->s->revocation_merge_ms);
}

static int on_audit(struct rm_analyzer *a, const struct rm_event *ev)
{
	enum rm_cause cause = rm_classify_audit(&a->s->classifier, ev);
	int64_t r = ev->valid_from_ms ? ev->valid_from_ms : ev->time_ms;
	uint64_t key = user_key(ev);
	uint64_t corr = ev->correlation_id.n ? rm_hash(ev->correlation_id.p, ev->correlation_id.n, 3) : 0;
	struct user *u;

	if (cause == RM_CAUSE_NONE)
		return 0;
	if (!key) {
		/* A revocation with no target user still counts. */
		a->m[RM_M_REVOCATIONS]++;
		a->m[RM_M_REVOCATIONS_ADMIN + cause]++;
		return 0;
	}
	u = user_upsert(a, key, ev);
	if (!u)
		return -1;
	if (ev->time_ms > u->last_ms)
		u->last_ms = ev->time_ms;
	if (u->revoked_ms && ((corr && u->corr == corr) ||
	                      llabs(r - u->revoked_ms) <= a->s->revocation_merge_ms)) {
		/* Another row of the same revocation, or the audit event of one
		 * first learned from a 50173 text. */
		if (u->cause == RM_CAUSE_INFERRED) {
			a->m[RM_M_REVOCATIONS]++;
			a->m[RM_M_REVOCATIONS_ADMIN + cause]++;
			u->cause = (int8_t)cause;
			u->corr = corr;
		}
		return 0;
	}
	if (r < u->revoked_ms && is_old(a, u, r, corr)) {
		/* another row of the older revocation remembered below, or the
		 * audit event of one first learned from a failure text */
		if (u->old_cause == RM_CAUSE_INFERRED) {
			a->m[RM_M_REVOCATIONS]++;
			a->m[RM_M_REVOCATIONS_ADMIN + cause]++;
			u->old_cause = (int8_t)cause;
			u->old_corr = corr;
		}
		return 0;
	}
	a->m[RM_M_REVOCATIONS]++;
	a->m[RM_M_REVOCATIONS_ADMIN + cause]++;
	if (r > u->revoked_ms)
		return set_revocation(a, u, r, cause, corr);
	/* remembered, so that its other rows count once whatever the order */
	return set_older(a, u, r, cause, corr);
}

int rm_analyzer_revoked(struct rm_analyzer *a, struct rm_str user_id, int64_t valid_from_ms)
{
	struct rm_event ev = {.kind = RM_EV_AUDIT, .time_ms = valid_from_ms, .user_id = user_id};
	uint64_t key = user_key(&ev);
	struct user *u;

	if (!key || valid_from_ms <= 0)
		return 0;
	u = user_upsert(a, key, &ev);
	if (!u)
		return -1;
	/* The same revocation (its audit or a failure text came first), or an
	 * older one a later revocation has replaced. */
	if (u->revoked_ms && valid_from_ms <= u->revoked_ms + a->s->revocation_merge_ms)
		return 0;
	if (push_inferred(a, key, valid_from_ms) < 0)
		return -1;
	return set_revocation(a, u, valid_from_ms, RM_CAUSE_INFERRED, 0);
}

/* The revocation a refusal at t ran into: the one its failure text names
 * (v), else the latest known at or before t; 0 when none is known. */
static int64_t revocation_of(const struct rm_analyzer *a, const struct user *u, int64_t t,
                             int64_t v)
{
	if (v) {
		if (u->revoked_ms && llabs(v - u->revoked_ms) <= a->s->revocation_merge_ms)
			return u->revoked_ms;
		return is_old(a, u, v, 0) ? u->old_ms : v;
	}
	if (u->revoked_ms && u->revoked_ms <= t)
		return u->revoked_ms;
	return u->old_ms && u->old_ms <= t ? u->old_ms : 0;
}

/* A failure text names revocation v: enough for a lag even when its audit
 * event is never seen (then it counts as inferred, see settle_inferred). */
static int learn_from_text(struct rm_analyzer *a, struct user *u, int64_t v)
{
	if (u->revoked_ms && llabs(v - u->revoked_ms) <= a->s->revocation_merge_ms)
		return 0;
	if (v < u->revoked_ms && is_old(a, u, v, 0))
		return 0;
	if (push_inferred(a, u->key, v) < 0)
		return -1;
	if (v > u->revoked_ms)
		return set_revocation(a, u, v, RM_CAUSE_INFERRED, 0);
	return set_older(a, u, v, RM_CAUSE_INFERRED, 0);
}

static int on_refusal(struct rm_analyzer *a, const struct rm_event *ev, enum rm_class cls,
                      uint64_t ukey, uint64_t ckey)
{
	int64_t t = ev->time_ms, v = ev->tokens_valid_from_ms, r;
	struct user *u = rm_table_find(&a->users, ukey);

	if (cls == RM_CLASS_REVOKED) {
		uint32_t fam = rm_fam_of(a, ev);

		a->m[RM_M_STALE_PRESENTATIONS]++;
		rm_fam_get(a, fam)->presentations++;
		rm_fam_active(a, fam);
	}
	if (!u && !(u = user_upsert(a, ukey, ev)))
		return -1;
	if (t > u->last_ms)
		u->last_ms = t;
	/* the refusal first, so that a revocation it names finds it */
	if (rm_enf_add_refusal(a, u, t, ev->cae == 1) < 0)
		return -1;
	if ((v && learn_from_text(a, u, v) < 0) || rm_enf_reconcile(a, u) < 0)
		return -1;
	r = revocation_of(a, u, t, v);
	if (cls == RM_CLASS_REVOKED && r && rm_stale_refused(a, ev, ukey, ckey, r) < 0)
		return -1;
	return 0;
}

static int on_signin(struct rm_analyzer *a, const struct rm_event *ev)
{
	uint64_t ukey = user_key(ev), ckey;
	enum rm_class cls;
	struct bucket *bk = bucket_at(a, ev->time_ms);

	minute_note(a, ev->time_ms, ev->error_code == 0 && ev->interactive);

	a->m[RM_M_SIGNINS]++;
	if (ev->interactive)
		a->m[RM_M_SIGNINS_INTERACTIVE]++;
	ckey = rm_key_of(ukey ^ rm_hash(ev->app_id.p, ev->app_id.n, 0x617070) ^
	                 (rm_hash(ev->device_id.p, ev->device_id.n, 0x646576) << 1));

	if (ev->error_code == 0) {
		if (bk && ev->cae >= 0) {
			bk->cae_flagged++;
			bk->cae_true += ev->cae == 1;
		}
		if (ev->interactive) {
			struct user *u = ukey ? rm_table_find(&a->users, ukey) : NULL;
			int reauth = u && (after_revocation(a, ev->time_ms, u->revoked_ms) ||
			                   after_revocation(a, ev->time_ms, u->old_ms));

			if (bk)
				bk->reauth++;
			a->m[RM_M_REAUTH_AFTER_REVOCATION] += (uint64_t)reauth;
			if (ukey && note_interactive(a, ukey, ev->time_ms, reauth) < 0)
				return -1;
		}
		return ukey ? rm_stale_signin_ok(a, ev, ukey, ckey) : 0;
	}

	cls = rm_classify_code(&a->s->classifier, ev->error_code);
	if (cls == RM_CLASS_BENIGN)
		return 0; /* interrupts are part of a normal sign-in */
	a->m[RM_M_SIGNIN_FAILURES]++;
	switch (cls) {
	case RM_CLASS_REVOKED: a->m[RM_M_FAIL_REVOKED]++; break;
	case RM_CLASS_EXPIRY: a->m[RM_M_FAIL_EXPIRY]++; break;
	case RM_CLASS_POLICY: a->m[RM_M_FAIL_POLICY]++; break;
	case RM_CLASS_ACCOUNT: a->m[RM_M_FAIL_ACCOUNT]++; break;
	case RM_CLASS_STORM: a->m[RM_M_FAIL_STORM]++; break;
	default:
		a->m[RM_M_FAIL_OTHER]++;
		note_other_code(a, ev->error_code);
		break;
	}
	if (ev->error_code == 50196)
		a->m[RM_M_LOOP_DETECTED]++;
	else if (ev->error_code == 90055)
		a->m[RM_M_TENANT_THROTTLED]++;
	if ((cls == RM_CLASS_REVOKED || cls == RM_CLASS_ACCOUNT) && ukey)
		return on_refusal(a, ev, cls, ukey, ckey);
	return 0;
}

/* Ingest ev once; a record seen before counts as a duplicate when
 * count_dup says so. */
static int feed(struct rm_analyzer *a, const struct rm_event *ev, int count_dup)
{
	uint64_t key = rm_key_of(rm_hash(ev->id.p, ev->id.n, (uint64_t)ev->kind));
	int rc;

	if (ev->time_ms > a->wm)
		a->wm = ev->time_ms;
	rc = rm_dedupe_add(&a->seen, key, ev->time_ms, ids_floor(a));
	if (rc < 0)
		goto oom;
	if (rc) {
		if (count_dup)
			a->m[RM_M_EVENTS_DUPLICATE]++;
		return 0;
	}
	a->m[RM_M_EVENTS_INGESTED]++;
	rc = ev->kind == RM_EV_AUDIT ? on_audit(a, ev) : on_signin(a, ev);
	if (rc < 0)
		goto oom;
	return 0;
oom:
	a->m[RM_M_EVENTS_REJECTED]++;
	return -1;
}

int rm_analyzer_feed(struct rm_analyzer *a, const struct rm_event *ev)
{
	return feed(a, ev, 1);
}

int rm_analyzer_feed_again(struct rm_analyzer *a, const struct rm_event *ev)
{
	return feed(a, ev, 0);
}

/* ---- snapshot ---- */

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double rank(const int64_t *v, size_t n, double q)
{
	size_t k = (size_t)ceil(q * (double)n);

	if (k < 1)
		k = 1;
	return (double)v[k - 1] / 1000.0;
}

static void set_gauge(struct revmon_snapshot *snap, int id, double v)
{
	snap->values[id].known = 1;
	snap->values[id].value = v;
}

static int fill_lags(struct rm_analyzer *a, int64_t now, struct revmon_snapshot *snap)
{
	int64_t *all = NULL, *cae = NULL, *non = NULL;
	size_t n = 0, nc = 0, nn = 0;
	int rc = -1;

	rm_enf_compact(a, now);
	if (a->n_enf) {
		all = malloc(a->n_enf * sizeof *all);
		cae = malloc(a->n_enf * sizeof *cae);
		non = malloc(a->n_enf * sizeof *non);
		if (!all || !cae || !non)
			goto out;
	}
	for (size_t i = 0; i < a->n_enf; i++) {
		const struct enforcement *e = &a->enf[i];

		if (e->at_ms > now || e->lag_ms < 0)
			continue;
		all[n++] = e->lag_ms;
		if (e->cae)
			cae[nc++] = e->lag_ms;
		else
			non[nn++] = e->lag_ms;
	}
	if (n) {
		qsort(all, n, sizeof *all, cmp_i64);
		set_gauge(snap, RM_M_LAG_P50, rank(all, n, 0.50));
		set_gauge(snap, RM_M_LAG_P95, rank(all, n, 0.95));
		set_gauge(snap, RM_M_LAG_MAX, (double)all[n - 1] / 1000.0);
	}
	if (nc) {
		qsort(cae, nc, sizeof *cae, cmp_i64);
		set_gauge(snap, RM_M_LAG_CAE_P95, rank(cae, nc, 0.95));
	}
	if (nn) {
		qsort(non, nn, sizeof *non, cmp_i64);
		set_gauge(snap, RM_M_LAG_NONCAE_P95, rank(non, nn, 0.95));
	}
	rc = 0;
out:
	free(all);
	free(cae);
	free(non);
	return rc;
}

static void fill_pending(struct rm_analyzer *a, int64_t now, struct revmon_snapshot *snap)
{
	size_t j = 0, count = 0;

	for (size_t i = 0; i < a->n_pend; i++) {
		const struct pending *p = &a->pend[i];
		const struct user *u;

		if (p->revoked_ms <= now - a->s->access_token_lifetime_ms)
			continue;
		a->pend[j++] = *p;
		u = rm_table_find(&a->users, p->user);
		if (p->revoked_ms <= now && u && u->revoked_ms == p->revoked_ms &&
		    (!u->enforced_ms || u->enforced_ms > now))
			count++;
	}
	a->n_pend = j;
	set_gauge(snap, RM_M_PENDING, (double)count);
}

/* now is the end of the settled window here (now - settle). */
static void fill_rates(struct rm_analyzer *a, int64_t now, struct revmon_snapshot *snap)
{
	int64_t nb = (int64_t)a->n_ring;
	uint64_t reauth = 0, cae_true = 0, cae_flagged = 0;
	double rate, base;
	int64_t minutes;

	if (a->head_b < 0)
		return;
	/* The buckets covering [now - W, now): exact when now is on a bucket
	 * boundary, within one bucket otherwise. */
	for (int64_t b = (now - a->s->window_ms) / BUCKET_MS; b <= (now - 1) / BUCKET_MS; b++) {
		const struct bucket *bk;

		if (b > a->head_b || b <= a->head_b - nb || b < 0)
			continue;
		bk = &a->ring[(size_t)(b % nb)];
		reauth += bk->reauth;
		cae_true += bk->cae_true;
		cae_flagged += bk->cae_flagged;
	}
	rate = (double)reauth / ((double)a->s->window_ms / 60000.0);
	set_gauge(snap, RM_M_REAUTH_RATE, rate);
	base = baseline(a, &minutes);
	if (minutes * 60000 >= a->s->baseline_warmup_ms && base > 0)
		set_gauge(snap, RM_M_REAUTH_STORM_RATIO, rate / base);
	if (cae_flagged)
		set_gauge(snap, RM_M_CAE_TOKEN_RATIO, 100.0 * (double)cae_true / (double)cae_flagged);
}

/* Newest revocation first; the same time in a fixed order. */
static int cmp_recent(const void *x, const void *y)
{
	const struct recent *a = x, *b = y;

	if (a->revoked_ms != b->revoked_ms)
		return a->revoked_ms < b->revoked_ms ? 1 : -1;
	return (a->user > b->user) - (a->user < b->user);
}

static int fill_recent(struct rm_analyzer *a, struct revmon_snapshot *snap)
{
	struct recent sorted[RECENT_MAX];

	if (!a->n_recent)
		return 0;
	snap->revocations = calloc(a->n_recent, sizeof *snap->revocations);
	if (!snap->revocations)
		return -1;
	memcpy(sorted, a->recent, a->n_recent * sizeof sorted[0]);
	qsort(sorted, a->n_recent, sizeof sorted[0], cmp_recent);
	for (size_t k = 0; k < a->n_recent; k++) {
		const struct recent *r = &sorted[k];
		const struct user *u = rm_table_find(&a->users, r->user);
		struct revmon_revocation *d = &snap->revocations[k];

		d->cause = r->cause;
		d->revoked_ms = r->revoked_ms;
		d->cae = -1;
		if (u && u->revoked_ms == r->revoked_ms && u->enforced_ms) {
			d->enforced_ms = u->enforced_ms;
			d->cae = u->enforced_cae;
		} else if (u && u->old_ms == r->revoked_ms && u->old_enforced_ms) {
			d->enforced_ms = u->old_enforced_ms;
			d->cae = u->old_enforced_cae;
		}
		d->user = rm_dup_or_empty(u ? u->upn : NULL);
		snap->n_revocations = k + 1;
		if (!d->user)
			return -1;
	}
	return 0;
}

static int cmp_count(const void *x, const void *y)
{
	const struct revmon_code_count *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return (a->code > b->code) - (a->code < b->code);
}

/* The most frequent unclassified codes; the snapshot owns the list. */
static int fill_unclassified(const struct rm_analyzer *a, struct revmon_snapshot *snap)
{
	struct revmon_code_count all[RM_OTHER_CODES];

	snap->n_unclassified = 0;
	snap->unclassified = NULL;
	if (!a->n_other)
		return 0;
	for (size_t i = 0; i < a->n_other; i++)
		all[i] = (struct revmon_code_count){a->other[i].code, a->other[i].n};
	qsort(all, a->n_other, sizeof all[0], cmp_count);
	snap->n_unclassified = a->n_other < 10 ? a->n_other : 10;
	snap->unclassified = malloc(snap->n_unclassified * sizeof all[0]);
	if (!snap->unclassified)
		return snap->n_unclassified = 0, -1;
	memcpy(snap->unclassified, all, snap->n_unclassified * sizeof all[0]);
	return 0;
}

int rm_analyzer_fill(struct rm_analyzer *a, int64_t now, struct revmon_snapshot *snap)
{
	return rm_analyzer_fill_settled(a, now, a->s->settle_ms, 100, snap);
}

int rm_analyzer_fill_settled(struct rm_analyzer *a, int64_t now, int64_t settle_ms,
                             size_t stuck_max, struct revmon_snapshot *snap)
{
	/* not before a stream has shown whether the audit event came */
	settle_inferred(a, (a->read_through < now ? a->read_through : now) - settle_ms);
	/* Counters first: they are always known. */
	for (size_t i = 0; i < RM_M_COUNT; i++) {
		if (revmon_metric(i)->kind != REVMON_COUNTER)
			continue;
		if (i == RM_M_SOURCE_THROTTLED || i == RM_M_SOURCE_ERRORS)
			continue; /* the monitor's own */
		snap->values[i].known = 1;
		snap->values[i].counter = a->m[i];
		snap->values[i].value = (double)a->m[i];
	}
	rm_table_filter(&a->users);
	if (fill_lags(a, now, snap) < 0)
		return -1;
	fill_pending(a, now, snap);
	/* the rates' buckets cover [end - W, end): with no settle the newest
	 * record, at now, is in */
	int64_t end = settle_ms ? now - settle_ms : now + 1;

	snap->settle_ms = settle_ms;
	if (rm_stale_fill(a, now, stuck_max, snap) < 0)
		return -1;
	rm_tokens_fill(a, now, snap);
	if (rm_fam_fill(a, snap) < 0)
		return -1;
	fill_rates(a, end, snap);
	if (a->wm)
		set_gauge(snap, RM_M_INGEST_DELAY, now > a->wm ? (double)(now - a->wm) / 1000.0 : 0.0);
	if (fill_unclassified(a, snap) < 0)
		return -1;
	return fill_recent(a, snap);
}

static size_t str_bytes(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* The strings and lists the tables' records own. */
static size_t owned_bytes(const struct rm_analyzer *a)
{
	size_t n = 0, i = 0;
	const struct user *u;
	const struct stale *st;

	while ((u = rm_table_next(&a->users, &i)))
		n += str_bytes(u->upn) + u->cap_ref * sizeof *u->ref;
	i = 0;
	while ((st = rm_table_next(&a->stale, &i)))
		n += str_bytes(st->upn) + str_bytes(st->app) + str_bytes(st->device);
	for (i = 0; i < a->n_fam; i++)
		n += str_bytes(a->fam[i].app) + str_bytes(a->fam[i].platform) +
		     str_bytes(a->fam[i].label);
	return n;
}

size_t rm_analyzer_bytes(const struct rm_analyzer *a)
{
	return sizeof *a + rm_table_bytes(&a->users) + rm_table_bytes(&a->clients) +
	       rm_table_bytes(&a->stale) + rm_dedupe_bytes(&a->seen) + rm_table_bytes(&a->inter) +
	       rm_table_bytes(&a->fam_index) + a->cap_fam * sizeof *a->fam +
	       a->cap_enf * sizeof *a->enf + a->cap_pend * sizeof *a->pend +
	       a->cap_infer * sizeof *a->infer + a->n_ring * sizeof *a->ring +
	       a->n_min * sizeof *a->min_ring + owned_bytes(a);
}

size_t rm_analyzer_users(const struct rm_analyzer *a)
{
	return a->users.count;
}

size_t rm_analyzer_clients(const struct rm_analyzer *a)
{
	return a->clients.count;
}
