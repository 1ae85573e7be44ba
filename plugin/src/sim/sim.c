/* The tenant simulator's model: users and their client instances, token
 * refreshes, interactive sign-ins, revocations and what follows them.
 *
 * Every client has at most one pending action, in a heap keyed by time and
 * re-keyed in place; the tenant-wide processes (routine interactive sign-ins,
 * background revocations, the mass revocation, accounts coming back) are in a
 * second, small heap. Records wait in a second heap
 * keyed by delivery time until rm_sim_run hands them out. */
#include "sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

/* Same order as enum rm_cause (classify.h). */
enum {
	CAUSE_ADMIN = 0,
	CAUSE_PASSWORD,
	CAUSE_DISABLE,
	CAUSE_MFA,
	CAUSE_RISK,
};

#define MIN_MS 60000LL
#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL

#define ID_USER 0x80000000u       /* | user index: re-enable a disabled account */
#define ID_INTERACTIVE 0xfffffff0u /* routine interactive sign-ins, tenant-wide */
#define ID_REVOKE 0xfffffff1u      /* background revocations, tenant-wide */
#define ID_MASS 0xfffffff2u        /* the scheduled mass revocation */

#define INTERACTIVE_PER_USER_DAY 3.0
#define MASS_SPREAD_S 30          /* the mass revocation script runs this long */
#define STORM_MS (45 * MIN_MS)    /* throttling and loops this long after it */
#define PAGE_MAX 1000             /* Graph page size */
#define EVENTHUB_MAX 200          /* records per Event Hubs body */

void rm_sim_params_default(struct rm_sim_params *p)
{
	memset(p, 0, sizeof(*p));
	p->seed = 1;
	p->users = 2000;
	p->start_ms = 1767600000000LL; /* 2026-01-05T08:00:00Z */
	p->revocations_per_user_day = 0.05;
	p->mass_revocation_at_ms = 0;
	p->mass_revocation_share = 0.0;
	p->stuck_share = 0.05;
	p->cae_app_share = 0.6;
	p->access_token_lifetime_ms = 90 * MIN_MS;
	p->cae_propagation_max_ms = 15 * MIN_MS;
	p->delivery_delay_max_ms = 30 * MIN_MS;
}

static int share_ok(double v)
{
	return v >= 0.0 && v <= 1.0; /* false for NaN too */
}

static int params_ok(const struct rm_sim_params *p)
{
	if (p->users == 0 || p->users >= ID_USER / 4)
		return 0;
	if (!share_ok(p->mass_revocation_share) || !share_ok(p->stuck_share) ||
	    !share_ok(p->cae_app_share))
		return 0;
	if (!(p->revocations_per_user_day >= 0.0 && p->revocations_per_user_day <= 1000.0))
		return 0;
	if (p->start_ms < 0 || p->start_ms > 253402300799000LL - 400 * DAY_MS)
		return 0;
	if (p->mass_revocation_at_ms != 0 && p->mass_revocation_at_ms < p->start_ms)
		return 0;
	if (p->access_token_lifetime_ms < MIN_MS || p->access_token_lifetime_ms > 30 * DAY_MS)
		return 0;
	if (p->cae_propagation_max_ms < 0 || p->cae_propagation_max_ms > DAY_MS)
		return 0;
	if (p->delivery_delay_max_ms < 0 || p->delivery_delay_max_ms > 30 * DAY_MS)
		return 0;
	return 1;
}

/* ---- the tenant heap ---- */

static int hent_less(const struct rm_sim_hent *a, const struct rm_sim_hent *b)
{
	return a->t < b->t || (a->t == b->t && a->id < b->id);
}

static int heap_push(struct rm_sim *s, int64_t t, uint32_t id)
{
	struct rm_sim_hent e = { t, id, 0 };
	size_t i;

	if (s->heap_len == s->heap_cap) {
		size_t cap = s->heap_cap ? s->heap_cap * 2 : 1024;
		struct rm_sim_hent *h = realloc(s->heap, cap * sizeof(*h));

		if (!h) {
			s->oom = 1;
			return -1;
		}
		s->heap = h;
		s->heap_cap = cap;
	}
	i = s->heap_len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!hent_less(&e, &s->heap[parent]))
			break;
		s->heap[i] = s->heap[parent];
		i = parent;
	}
	s->heap[i] = e;
	return 0;
}

static void heap_pop(struct rm_sim *s)
{
	struct rm_sim_hent last = s->heap[--s->heap_len];
	size_t i = 0, n = s->heap_len;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && hent_less(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!hent_less(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (n)
		s->heap[i] = last;
}

/* ---- the client heap: one entry per scheduled client, re-keyed in place ---- */

#define NOT_QUEUED UINT32_MAX

static int cl_less(const struct rm_sim *s, uint32_t a, uint32_t b)
{
	int64_t ta = s->clients[a].next, tb = s->clients[b].next;

	return ta < tb || (ta == tb && a < b);
}

static void cq_place(struct rm_sim *s, size_t i, uint32_t c)
{
	s->cq[i] = c;
	s->cq_pos[c] = (uint32_t)i;
}

static void cq_up(struct rm_sim *s, size_t i)
{
	uint32_t c = s->cq[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!cl_less(s, c, s->cq[parent]))
			break;
		cq_place(s, i, s->cq[parent]);
		i = parent;
	}
	cq_place(s, i, c);
}

static void cq_down(struct rm_sim *s, size_t i)
{
	uint32_t c = s->cq[i];
	size_t n = s->cq_len;

	for (;;) {
		size_t k = 2 * i + 1;

		if (k >= n)
			break;
		if (k + 1 < n && cl_less(s, s->cq[k + 1], s->cq[k]))
			k++;
		if (!cl_less(s, s->cq[k], c))
			break;
		cq_place(s, i, s->cq[k]);
		i = k;
	}
	cq_place(s, i, c);
}

/* Take client c off the heap (it waits for something else to wake it). */
static void unschedule(struct rm_sim *s, uint32_t c)
{
	uint32_t i = s->cq_pos[c], last;

	s->clients[c].next = 0;
	if (i == NOT_QUEUED)
		return;
	s->cq_pos[c] = NOT_QUEUED;
	last = s->cq[--s->cq_len];
	if (i == s->cq_len)
		return;
	cq_place(s, i, last);
	cq_up(s, i);
	cq_down(s, s->cq_pos[last]);
}

/* Give client c its next action at t (after now), replacing any other. */
static void schedule(struct rm_sim *s, uint32_t c, int64_t t)
{
	uint32_t i = s->cq_pos[c];

	if (t <= s->now)
		t = s->now + 1;
	s->clients[c].next = t;
	if (i == NOT_QUEUED) {
		i = (uint32_t)s->cq_len++;
		cq_place(s, i, c);
	}
	cq_up(s, i);
	cq_down(s, s->cq_pos[c]);
}

/* ---- the delivery heap ---- */

static int rec_less(const struct rm_sim_rec *a, const struct rm_sim_rec *b)
{
	return a->deliver < b->deliver || (a->deliver == b->deliver && a->seq < b->seq);
}

static void rec_pop(struct rm_sim *s)
{
	struct rm_sim_rec last = s->recs[--s->rec_len];
	size_t i = 0, n = s->rec_len;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && rec_less(&s->recs[c + 1], &s->recs[c]))
			c++;
		if (!rec_less(&s->recs[c], &last))
			break;
		s->recs[i] = s->recs[c];
		i = c;
	}
	if (n)
		s->recs[i] = last;
}

/* Delivery delay: interactive sign-ins mostly 1-5 min, the rest later, with a
 * long tail up to the configured maximum. */
static int64_t delivery_delay(struct rm_sim *s, int interactive)
{
	int64_t max = s->p.delivery_delay_max_ms, d;
	double u = rm_sim_rng_unit(&s->rng), tail = rm_sim_rng_unit(&s->rng);

	if (max <= 0)
		return 0;
	if (interactive) {
		d = MIN_MS + (int64_t)(u * 4 * MIN_MS);
		if (tail < 0.03)
			d += (int64_t)(rm_sim_rng_unit(&s->rng) * (double)max);
	} else {
		d = 2 * MIN_MS + (int64_t)(u * 10 * MIN_MS);
		if (tail < 0.15)
			d += (int64_t)(-log(1.0 - rm_sim_rng_unit(&s->rng)) * (double)max / 4);
	}
	return d < max ? d : max;
}

/* Queue a record of event time t (now or just after); fills seq, t and
 * deliver. The caller fills the rest at once: the pointer is only good until
 * the next rec_add, as the heap moves things. */
static struct rm_sim_rec *rec_add(struct rm_sim *s, uint8_t kind, int interactive, int64_t t)
{
	struct rm_sim_rec *r, tmp;
	size_t i;

	if (s->rec_len == s->rec_cap) {
		size_t cap = s->rec_cap ? s->rec_cap * 2 : 1024;
		struct rm_sim_rec *h = realloc(s->recs, cap * sizeof(*h));

		if (!h) {
			s->oom = 1;
			return NULL;
		}
		s->recs = h;
		s->rec_cap = cap;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.kind = kind;
	tmp.interactive = (uint8_t)interactive;
	tmp.t = t;
	tmp.seq = s->seq++;
	tmp.deliver = t + delivery_delay(s, interactive);
	i = s->rec_len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!rec_less(&tmp, &s->recs[parent]))
			break;
		s->recs[i] = s->recs[parent];
		i = parent;
	}
	r = &s->recs[i];
	*r = tmp;
	return r;
}

static void signin(struct rm_sim *s, uint32_t c, int interactive, int32_t code, uint64_t corr)
{
	const struct rm_sim_client *cl = &s->clients[c];
	struct rm_sim_rec *r = rec_add(s, RM_REC_SIGNIN, interactive, s->now);

	if (!r)
		return;
	r->who = c;
	r->code = code;
	r->corr = corr;
	r->cae = (cl->flags & RM_CL_CAE) != 0;
	r->mfa = (cl->flags & RM_CL_MFA) != 0;
	r->a = cl->grant;
	r->b = s->users[cl->user].rev_ms;
	s->signins++;
	if (interactive)
		s->signins_interactive++;
}

static void audit(struct rm_sim *s, uint32_t u, int act, int64_t old_ms, int64_t new_ms,
                  uint64_t corr, int64_t t)
{
	struct rm_sim_rec *r = rec_add(s, RM_REC_AUDIT, 0, t);

	if (!r)
		return;
	r->who = u;
	r->code = act;
	r->a = old_ms;
	r->b = new_ms;
	r->corr = corr;
}

/* ---- the model ---- */

static int64_t token_lifetime(struct rm_sim *s, int cae)
{
	int64_t hi = s->p.access_token_lifetime_ms, lo = hi < HOUR_MS ? hi : HOUR_MS;

	if (cae)
		return rm_sim_rng_range(&s->rng, 20 * HOUR_MS, 28 * HOUR_MS);
	return rm_sim_rng_range(&s->rng, lo, hi);
}

static uint64_t flow_corr(const struct rm_sim *s, uint32_t c, int64_t t)
{
	return rm_sim_hash(s->p.seed ^ 0x636f7272ULL, c, (uint64_t)t);
}

static int in_storm(const struct rm_sim *s)
{
	return s->p.mass_revocation_at_ms && s->now >= s->p.mass_revocation_at_ms &&
	       s->now < s->storm_until;
}

static void issue_token(struct rm_sim *s, uint32_t c)
{
	struct rm_sim_client *cl = &s->clients[c];

	cl->nstale = 0; /* a successful sign-in ends any stuck spell */
	cl->tok_issue = s->now;
	cl->tok_exp = s->now + token_lifetime(s, cl->flags & RM_CL_CAE);
	cl->flags |= RM_CL_LIVE;
	cl->state = RM_ST_ACTIVE;
	cl->retries = 0;
	schedule(s, c, cl->tok_exp);
}

/* The code a refresh (or an interactive sign-in) gets now: 0 or a refusal. */
static int32_t refusal(struct rm_sim *s, const struct rm_sim_client *cl, int interactive)
{
	const struct rm_sim_user *u = &s->users[cl->user];

	if (u->flags & RM_US_DELETED)
		return 50034;
	if (u->flags & RM_US_DISABLED)
		return 50057;
	if (interactive || cl->grant >= u->rev_ms)
		return 0;
	if (u->cause == CAUSE_PASSWORD && rm_sim_apps[cl->app].kind == RM_APP_BROWSER &&
	    rm_sim_rng_unit(&s->rng) < 0.5)
		return 50133;
	return 50173;
}

/* A refused presentation of a revoked grant at t under revocation rev:
 * the latest of its revocation, and the older ones pruned that can no
 * longer be the latest stuck refusal (struct rm_sim_stale). */
static void note_stale(struct rm_sim_client *cl, int64_t t, int64_t rev)
{
	unsigned i, k;

	if (!cl->nstale || cl->stale[0].rev != rev) {
		if (cl->nstale == RM_SIM_STALE_KEPT)
			cl->nstale--; /* the oldest goes: more revocations than this never got past stuck_after */
		memmove(&cl->stale[1], &cl->stale[0], cl->nstale * sizeof(cl->stale[0]));
		cl->nstale++;
		cl->stale[0].rev = rev;
	}
	cl->stale[0].t = t;
	for (i = k = 1; i < cl->nstale; i++)
		if (cl->stale[i].t - cl->stale[i].rev > t - rev)
			cl->stale[k++] = cl->stale[i];
	cl->nstale = (uint8_t)k;
}

static void note_refusal(struct rm_sim *s, struct rm_sim_client *cl, int32_t code)
{
	struct rm_sim_user *u = &s->users[cl->user];

	if (code == 50173 || code == 50133) {
		note_stale(cl, s->now, u->rev_ms);
		s->presented[cl->app]++;
	}
	if (u->rev_idx != UINT32_MAX && s->revs[u->rev_idx].first_refusal == 0)
		s->revs[u->rev_idx].first_refusal = s->now;
}

/* An interactive attempt on client c: interrupts and prompts first, then
 * success with a new grant. */
static void interactive_attempt(struct rm_sim *s, uint32_t c)
{
	struct rm_sim_client *cl = &s->clients[c];
	uint64_t corr = flow_corr(s, c, cl->tok_issue);
	int32_t code = refusal(s, cl, 1);
	double r;

	if (code) {
		signin(s, c, 1, code, corr);
		note_refusal(s, cl, code);
		cl->flags &= (uint8_t)~RM_CL_LIVE;
		cl->state = RM_ST_DORMANT;
		unschedule(s, c);
		return;
	}
	if (cl->retries == 0) {
		cl->retries = 1;
		r = rm_sim_rng_unit(&s->rng);
		if (in_storm(s) && r < 0.06)
			code = 90055;
		else if (in_storm(s) && r < 0.09)
			code = 50196;
		else if (r < 0.14)
			code = 50140; /* "Keep me signed in?" */
		else if (r < 0.18)
			code = 50058;
		else if (r < 0.24) {
			code = 50074;
			cl->flags |= RM_CL_MFA;
		} else if (r < 0.27) {
			code = 50076;
			cl->flags |= RM_CL_MFA;
		}
		if (code) {
			signin(s, c, 1, code, corr);
			schedule(s, c, s->now + rm_sim_rng_range(&s->rng, 5000,
			                                         code >= 90000 ? 180000 : 60000));
			return;
		}
	}
	if (rm_sim_apps[cl->app].mfa)
		cl->flags |= RM_CL_MFA; /* admin portals demand MFA every time */
	cl->grant = s->now;
	signin(s, c, 1, 0, corr);
	cl->flags &= (uint8_t)~RM_CL_MFA;
	issue_token(s, c);
}

static void refused(struct rm_sim *s, uint32_t c, int32_t code, uint64_t corr)
{
	struct rm_sim_client *cl = &s->clients[c];

	signin(s, c, 0, code, corr);
	note_refusal(s, cl, code);
	cl->flags &= (uint8_t)~RM_CL_LIVE;
	cl->retries = 0;
	if (code == 50057 || code == 50034) {
		cl->state = RM_ST_ACCOUNT;
		schedule(s, c, s->now + rm_sim_rng_range(&s->rng, 5 * MIN_MS, 30 * MIN_MS));
	} else if (!(cl->flags & RM_CL_CAE) && rm_sim_apps[cl->app].stuck_prone &&
	           rm_sim_rng_unit(&s->rng) < s->p.stuck_share) {
		cl->state = RM_ST_STUCK;
		schedule(s, c, s->now + rm_sim_rng_range(&s->rng, 5 * MIN_MS, 15 * MIN_MS));
	} else {
		cl->state = RM_ST_REAUTH;
		schedule(s, c, s->now + rm_sim_rng_range(&s->rng, MIN_MS, 10 * MIN_MS));
	}
}

static void refresh(struct rm_sim *s, uint32_t c)
{
	struct rm_sim_client *cl = &s->clients[c];
	uint64_t corr = flow_corr(s, c, s->now);
	int32_t code = refusal(s, cl, 0);
	double r;

	if (code) {
		refused(s, c, code, corr);
		return;
	}
	if (cl->retries == 0) {
		r = rm_sim_rng_unit(&s->rng);
		if (r < 0.002 && !(cl->flags & RM_CL_CAE)) {
			/* sign-in frequency: policy, not revocation */
			signin(s, c, 0, 70043, corr);
			cl->flags &= (uint8_t)~RM_CL_LIVE;
			cl->state = RM_ST_REAUTH;
			schedule(s, c, s->now + rm_sim_rng_range(&s->rng, MIN_MS, 10 * MIN_MS));
			return;
		}
		if (r < 0.03 && rm_sim_apps[cl->app].broker) {
			/* the broker's device-auth step, retried at once */
			signin(s, c, 0, 50097, corr);
			cl->retries = 1;
			schedule(s, c, s->now + rm_sim_rng_range(&s->rng, 500, 3000));
			return;
		}
	}
	signin(s, c, 0, 0, corr);
	issue_token(s, c);
}

static void stuck_retry(struct rm_sim *s, uint32_t c)
{
	struct rm_sim_client *cl = &s->clients[c];
	uint64_t corr = flow_corr(s, c, s->now);
	int32_t code;

	if (cl->retries > 0) {
		/* a LoopDetected burst in progress */
		signin(s, c, 0, 50196, corr);
		cl->retries--;
		schedule(s, c, s->now + (cl->retries ? rm_sim_rng_range(&s->rng, 200, 2000)
		                                      : rm_sim_rng_range(&s->rng, 5 * MIN_MS, 15 * MIN_MS)));
		return;
	}
	code = refusal(s, cl, 0);
	if (!code)
		code = 50173; /* its grant stays revoked whatever happens to the account */
	signin(s, c, 0, code, corr);
	note_refusal(s, cl, code);
	if (rm_sim_rng_unit(&s->rng) < 0.1) {
		cl->retries = (uint8_t)rm_sim_rng_range(&s->rng, 3, 8);
		schedule(s, c, s->now + rm_sim_rng_range(&s->rng, 200, 2000));
	} else {
		schedule(s, c, s->now + rm_sim_rng_range(&s->rng, 5 * MIN_MS, 15 * MIN_MS));
	}
}

static void account_retry(struct rm_sim *s, uint32_t c)
{
	struct rm_sim_client *cl = &s->clients[c];
	int32_t code = refusal(s, cl, 0);

	if (!code) {
		/* re-enabled meanwhile: the grant is still revoked */
		code = cl->grant < s->users[cl->user].rev_ms ? 50173 : 0;
	}
	if (code == 0) {
		refresh(s, c);
		return;
	}
	signin(s, c, 0, code, flow_corr(s, c, s->now));
	note_refusal(s, cl, code);
	if (++cl->retries >= 3) {
		cl->state = RM_ST_DORMANT;
		unschedule(s, c);
		return;
	}
	schedule(s, c, s->now + rm_sim_rng_range(&s->rng, 5 * MIN_MS, 30 * MIN_MS) * cl->retries);
}

static void client_action(struct rm_sim *s, uint32_t c)
{
	switch (s->clients[c].state) {
	case RM_ST_ACTIVE:
		refresh(s, c);
		break;
	case RM_ST_REAUTH:
		interactive_attempt(s, c);
		break;
	case RM_ST_STUCK:
		stuck_retry(s, c);
		break;
	case RM_ST_ACCOUNT:
		account_retry(s, c);
		break;
	default:
		break;
	}
}

/* Revoke user u now (a whole second) for the given cause. */
static void revoke(struct rm_sim *s, uint32_t u, int cause)
{
	struct rm_sim_user *us = &s->users[u];
	uint64_t corr = rm_sim_hash(s->p.seed ^ 0x7265766fULL, u, (uint64_t)s->now);
	int64_t old = us->rev_ms;
	uint32_t i;
	double r = rm_sim_rng_unit(&s->rng);

	if (s->nrevs == s->revs_cap) {
		size_t cap = s->revs_cap ? s->revs_cap * 2 : 256;
		struct rm_sim_rev *v = realloc(s->revs, cap * sizeof(*v));

		if (!v) {
			s->oom = 1;
			return;
		}
		s->revs = v;
		s->revs_cap = cap;
	}
	s->revs[s->nrevs].at = s->now;
	s->revs[s->nrevs].first_refusal = 0;
	s->revs[s->nrevs].user = u;
	s->revs[s->nrevs].cause = (uint8_t)cause;
	us->rev_idx = (uint32_t)s->nrevs++;
	us->rev_ms = s->now;
	us->cause = (uint8_t)cause;
	s->revocations++;
	s->by_cause[cause]++;

	switch (cause) {
	case CAUSE_ADMIN:
		/* the portal's two rows, 1 ms apart, one correlation id */
		audit(s, u, RM_ACT_UPDATE_STS, old, s->now, corr, s->now);
		audit(s, u, RM_ACT_UPDATE_USER_STS, old, s->now, corr, s->now + 1);
		break;
	case CAUSE_PASSWORD:
		audit(s, u, r < 0.6 ? RM_ACT_RESET_PW_ADMIN : RM_ACT_CHANGE_PW, old, s->now, corr, s->now);
		break;
	case CAUSE_DISABLE:
		if (r < 0.15) {
			us->flags |= RM_US_DELETED;
			audit(s, u, RM_ACT_DELETE, old, s->now, corr, s->now);
		} else {
			us->flags |= RM_US_DISABLED;
			audit(s, u, RM_ACT_DISABLE, old, s->now, corr, s->now);
			heap_push(s, s->now + rm_sim_rng_range(&s->rng, 2 * HOUR_MS, 24 * HOUR_MS),
			          ID_USER | u);
		}
		break;
	case CAUSE_MFA:
		audit(s, u, r < 0.7 ? RM_ACT_USER_REG_SEC : RM_ACT_ADMIN_REG_SEC, old, s->now, corr, s->now);
		break;
	default:
		audit(s, u, RM_ACT_CONFIRM_COMPROMISED, old, s->now, corr, s->now);
		break;
	}

	/* CAE clients are refused by the resource after the propagation delay;
	 * the others keep their access token until it expires. Either way the
	 * token held now is the one this revocation leaves stale. */
	for (i = us->first_client; i < us->first_client + us->nclients; i++) {
		struct rm_sim_client *cl = &s->clients[i];
		int64_t at;

		cl->pre_issue = cl->tok_issue;
		cl->pre_exp = cl->tok_exp;
		if (!(cl->flags & RM_CL_CAE) || cl->state != RM_ST_ACTIVE || !(cl->flags & RM_CL_LIVE))
			continue;
		at = s->now + rm_sim_rng_range(&s->rng, 0, s->p.cae_propagation_max_ms);
		if (at < cl->next) {
			cl->retries = 0;
			schedule(s, i, at);
		}
	}
}

static void reenable(struct rm_sim *s, uint32_t u)
{
	struct rm_sim_user *us = &s->users[u];
	uint32_t i;

	if (!(us->flags & RM_US_DISABLED))
		return;
	us->flags &= (uint8_t)~RM_US_DISABLED;
	audit(s, u, RM_ACT_ENABLE, us->rev_ms, us->rev_ms,
	      rm_sim_hash(s->p.seed ^ 0x656e6162ULL, u, (uint64_t)s->now), s->now);
	for (i = us->first_client; i < us->first_client + us->nclients; i++) {
		struct rm_sim_client *cl = &s->clients[i];

		if (cl->state == RM_ST_DORMANT || cl->state == RM_ST_ACCOUNT) {
			cl->state = RM_ST_REAUTH;
			cl->retries = 0;
			schedule(s, i, s->now + rm_sim_rng_range(&s->rng, 5 * MIN_MS, 60 * MIN_MS));
		}
	}
}

static int pick_cause(struct rm_sim *s)
{
	double r = rm_sim_rng_unit(&s->rng);

	if (r < 0.30)
		return CAUSE_ADMIN;
	if (r < 0.60)
		return CAUSE_PASSWORD;
	if (r < 0.70)
		return CAUSE_DISABLE;
	if (r < 0.90)
		return CAUSE_MFA;
	return CAUSE_RISK;
}

static int64_t ceil_s(int64_t t)
{
	return (t + 999) / 1000 * 1000;
}

/* Next arrival of a tenant-wide Poisson process of `per_user_day`. */
static int64_t poisson_next(struct rm_sim *s, double per_user_day)
{
	double mean = (double)DAY_MS / (per_user_day * (double)s->p.users);
	double d = -log(1.0 - rm_sim_rng_unit(&s->rng)) * mean;

	if (d > 365.0 * DAY_MS)
		d = 365.0 * DAY_MS;
	return s->now + 1 + (int64_t)d;
}

static int user_active(const struct rm_sim *s, uint32_t u)
{
	return !(s->users[u].flags & (RM_US_DISABLED | RM_US_DELETED));
}

static void routine_interactive(struct rm_sim *s)
{
	uint32_t u = (uint32_t)rm_sim_rng_range(&s->rng, 0, s->p.users - 1);
	const struct rm_sim_user *us = &s->users[u];
	uint32_t c = us->first_client + (uint32_t)rm_sim_rng_range(&s->rng, 0, us->nclients - 1);
	struct rm_sim_client *cl = &s->clients[c];

	if (user_active(s, u) && cl->state == RM_ST_ACTIVE) {
		cl->state = RM_ST_REAUTH;
		cl->retries = 0;
		interactive_attempt(s, c);
	}
	heap_push(s, poisson_next(s, INTERACTIVE_PER_USER_DAY), ID_INTERACTIVE);
}

static void background_revoke(struct rm_sim *s)
{
	uint32_t u = (uint32_t)rm_sim_rng_range(&s->rng, 0, s->p.users - 1);
	int cause = pick_cause(s);

	if (user_active(s, u))
		revoke(s, u, cause);
	heap_push(s, ceil_s(poisson_next(s, s->p.revocations_per_user_day)), ID_REVOKE);
}

/* The mass revocation: a script walks the users over MASS_SPREAD_S seconds. */
static int64_t mass_time(const struct rm_sim *s, uint32_t i)
{
	return ceil_s(s->p.mass_revocation_at_ms) +
	       (int64_t)((uint64_t)i * MASS_SPREAD_S / s->p.users) * 1000;
}

static void mass_step(struct rm_sim *s)
{
	while (s->mass_cursor < s->p.users && mass_time(s, s->mass_cursor) <= s->now) {
		uint32_t u = s->mass_cursor++;

		if (rm_sim_rng_unit(&s->rng) < s->p.mass_revocation_share && user_active(s, u))
			revoke(s, u, CAUSE_ADMIN);
	}
	if (s->mass_cursor < s->p.users)
		heap_push(s, mass_time(s, s->mass_cursor), ID_MASS);
}

static void advance(struct rm_sim *s, int64_t until)
{
	while (!s->oom) {
		int64_t tc = s->cq_len ? s->clients[s->cq[0]].next : INT64_MAX;
		int64_t tt = s->heap_len ? s->heap[0].t : INT64_MAX;

		if (tc <= tt) {
			uint32_t c = s->cq[0];

			if (tc > until)
				break;
			s->now = tc;
			unschedule(s, c);
			client_action(s, c);
		} else {
			struct rm_sim_hent e = s->heap[0];

			if (tt > until)
				break;
			heap_pop(s);
			s->now = e.t;
			if (e.id == ID_INTERACTIVE)
				routine_interactive(s);
			else if (e.id == ID_REVOKE)
				background_revoke(s);
			else if (e.id == ID_MASS)
				mass_step(s);
			else
				reenable(s, e.id & ~ID_USER);
		}
	}
	if (until > s->now)
		s->now = until;
}

/* ---- construction ---- */

static uint8_t pick_app(struct rm_sim *s, int cae)
{
	unsigned i, total = 0, r;

	for (i = 0; i < rm_sim_napps; i++)
		if (!cae || rm_sim_apps[i].cae_capable)
			total += rm_sim_apps[i].weight;
	r = (unsigned)rm_sim_rng_range(&s->rng, 0, total - 1);
	for (i = 0; i < rm_sim_napps; i++) {
		if (cae && !rm_sim_apps[i].cae_capable)
			continue;
		if (r < rm_sim_apps[i].weight)
			break;
		r -= rm_sim_apps[i].weight;
	}
	return (uint8_t)i;
}

/* 1-3 clients per user, from a hash so the arrays can be sized first. */
static uint8_t clients_of(const struct rm_sim *s, uint32_t u)
{
	uint64_t h = rm_sim_hash(s->p.seed, 0x636c69656e7473ULL, u) % 100;

	return h < 35 ? 1 : h < 80 ? 2 : 3;
}

static int populate(struct rm_sim *s)
{
	const struct rm_sim_params *p = &s->p;
	uint32_t u, c = 0, k;
	size_t total = 0;

	for (u = 0; u < p->users; u++)
		total += clients_of(s, u);
	s->users = calloc(p->users, sizeof(*s->users));
	s->clients = calloc(total, sizeof(*s->clients));
	s->cq = malloc(total * sizeof(*s->cq));
	s->cq_pos = malloc(total * sizeof(*s->cq_pos));
	if (!s->users || !s->clients || !s->cq || !s->cq_pos)
		return -1;
	for (u = 0; u < p->users; u++) {
		struct rm_sim_user *us = &s->users[u];

		us->nclients = clients_of(s, u);
		us->first_client = c;
		us->rev_idx = UINT32_MAX;
		us->rev_ms = ceil_s(p->start_ms - rm_sim_rng_range(&s->rng, 30 * DAY_MS, 400 * DAY_MS));
		us->cause = CAUSE_PASSWORD;
		for (k = 0; k < us->nclients; k++, c++) {
			struct rm_sim_client *cl = &s->clients[c];
			int cae = rm_sim_rng_unit(&s->rng) < p->cae_app_share;
			int64_t life;

			cl->user = u;
			cl->app = pick_app(s, cae);
			cl->flags = (uint8_t)((cae ? RM_CL_CAE : 0) | RM_CL_LIVE);
			cl->state = RM_ST_ACTIVE;
			cl->grant = p->start_ms - rm_sim_rng_range(&s->rng, HOUR_MS, 14 * DAY_MS);
			life = token_lifetime(s, cae);
			cl->tok_issue = p->start_ms - rm_sim_rng_range(&s->rng, 0, life - 1);
			if (cl->tok_issue < cl->grant)
				cl->grant = cl->tok_issue;
			cl->tok_exp = cl->tok_issue + life;
			s->cq_pos[c] = NOT_QUEUED;
			schedule(s, c, cl->tok_exp);
		}
	}
	s->nclients = c;
	return 0;
}

struct rm_sim *rm_sim_new(const struct rm_sim_params *p)
{
	struct rm_sim *s = NULL;
	int i, ok = 0;

	if (!p || !params_ok(p))
		goto out;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->p = *p;
	s->now = p->start_ms;
	rm_sim_rng_seed(&s->rng, p->seed);
	s->tenant_seed = rm_sim_hash(p->seed, 0x74656e616e74ULL, 0);
	rm_sim_guid(s->tenant_seed, s->tenant);
	rm_sim_guid(rm_sim_hash(p->seed, 0x61646d696eULL, 0), s->admin_id);
	for (i = 0; i < 4; i++)
		rm_sim_guid(rm_sim_hash(p->seed, 0x6361ULL, (uint64_t)i), s->ca_ids[i]);
	if (populate(s) < 0)
		goto out;
	if (heap_push(s, poisson_next(s, INTERACTIVE_PER_USER_DAY), ID_INTERACTIVE) < 0)
		goto out;
	if (p->revocations_per_user_day > 0 &&
	    heap_push(s, ceil_s(poisson_next(s, p->revocations_per_user_day)), ID_REVOKE) < 0)
		goto out;
	if (p->mass_revocation_at_ms) {
		s->storm_until = p->mass_revocation_at_ms + STORM_MS;
		if (heap_push(s, mass_time(s, 0), ID_MASS) < 0)
			goto out;
	}
	ok = 1;
out:
	if (!ok) {
		rm_sim_free(s);
		s = NULL;
	}
	return s;
}

void rm_sim_free(struct rm_sim *s)
{
	if (!s)
		return;
	free(s->users);
	free(s->clients);
	free(s->cq);
	free(s->cq_pos);
	free(s->heap);
	free(s->recs);
	free(s->revs);
	rm_buf_free(&s->page_signin);
	rm_buf_free(&s->scratch);
	rm_buf_free(&s->la_row);
	rm_buf_free(&s->cell);
	rm_buf_free(&s->page_audit);
	free(s);
}

void rm_sim_reopen(struct rm_sim *s)
{
	s->csv_header = s->entra_header[0] = s->entra_header[1] = 0;
}

int64_t rm_sim_clock(const struct rm_sim *s)
{
	return s->now;
}

/* ---- delivery ---- */

static int page_flush(struct rm_buf *page, size_t *n, int audits, struct rm_buf *out)
{
	static const char signins_ctx[] =
		"{\"@odata.context\":\"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns\",\"value\":[";
	static const char audits_ctx[] =
		"{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits\",\"value\":[";

	if (*n == 0)
		return 0;
	if (rm_buf_puts(out, audits ? audits_ctx : signins_ctx) < 0 ||
	    rm_buf_append(out, page->data, page->len) < 0 || rm_buf_append(out, "]}\n", 3) < 0)
		return -1;
	page->len = 0;
	*n = 0;
	return 0;
}

/* A query answer of the rows gathered for one table (as many rows as a
 * Graph page holds, so both shapes keep the same order). */
static int answer_flush(struct rm_sim *s, int audits, size_t *n, struct rm_buf *out)
{
	struct rm_buf *rows = audits ? &s->page_audit : &s->page_signin;
	int e = 0;

	if (!*n)
		return 0;
	e |= rm_buf_puts(out, "{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":");
	e |= rm_sim_la_columns(audits, out);
	e |= rm_buf_puts(out, ",\"rows\":[");
	e |= rm_buf_append(out, rows->data, rows->len);
	e |= rm_buf_puts(out, "]}]}\n");
	rows->len = 0;
	*n = 0;
	return e;
}

/* One record in one of the Log Analytics shapes; *n counts what the run's
 * containers hold so far (sign-ins, audits: the query answers' rows). */
static int emit_la_shape(struct rm_sim *s, const struct rm_sim_rec *r, enum rm_shape shape,
                         struct rm_buf *out, size_t *n_signin, size_t *n_audit)
{
	int audits = r->kind == RM_REC_AUDIT;
	struct rm_buf *rows = audits ? &s->page_audit : &s->page_signin;
	size_t *n = audits ? n_audit : n_signin;

	s->la_row.len = 0;
	if (rm_sim_emit_la(s, r, &s->scratch, &s->la_row) < 0)
		return -1;
	switch (shape) {
	case RM_SHAPE_LA:
		return rm_buf_append(out, s->la_row.data, s->la_row.len) | rm_buf_puts(out, "\n");
	case RM_SHAPE_LA_QUERY:
		if ((rm_buf_puts(rows, (*n)++ ? "," : "") |
		     rm_sim_la_row(s->la_row.data, s->la_row.len, audits, rows)) < 0)
			return -1;
		return *n == PAGE_MAX ? answer_flush(s, audits, n, out) : 0;
	case RM_SHAPE_AZCLI:
		return rm_buf_puts(out, (*n_signin)++ ? ",\n" : "[\n") |
		       rm_sim_la_azcli(s->la_row.data, s->la_row.len, out);
	default:
		if (!s->csv_header && rm_sim_csv_header(out) < 0)
			return -1;
		s->csv_header = 1;
		return rm_sim_csv_row(s->la_row.data, s->la_row.len, &s->cell, out);
	}
}

/* The end of a run's containers in the Log Analytics shapes. */
static int la_flush(struct rm_sim *s, enum rm_shape shape, size_t n_signin, size_t n_audit,
                    struct rm_buf *out)
{
	if (shape == RM_SHAPE_AZCLI)
		return n_signin ? rm_buf_puts(out, "\n]\n") : 0;
	if (shape != RM_SHAPE_LA_QUERY)
		return 0;
	return answer_flush(s, 0, &n_signin, out) | answer_flush(s, 1, &n_audit, out);
}

/* One sign-in as a row of the admin center's download; audits are not in
 * it. non: the non-interactive file, or NULL for one file of both kinds.
 * 1 written, 0 not, -1 no memory. */
static int emit_entra_csv(struct rm_sim *s, const struct rm_sim_rec *r, struct rm_buf *out,
                          struct rm_buf *non)
{
	int apart = non && !r->interactive;
	struct rm_buf *b = apart ? non : out;

	if (r->kind != RM_REC_SIGNIN)
		return 0;
	if (!s->entra_header[apart] && rm_sim_entra_csv_header(b) < 0)
		return -1;
	s->entra_header[apart] = 1;
	return rm_sim_emit_entra_csv(s, r, b) < 0 ? -1 : 1;
}

/* Where a run is in its containers: Graph pages, Event Hubs bodies, arrays. */
struct run_state {
	size_t n_signin, n_audit, n_body;
};

/* Record r in the JSON shapes that wrap Graph objects or diagnostic records. */
static int emit_json(struct rm_sim *s, const struct rm_sim_rec *r, enum rm_shape shape,
                     struct rm_buf *out, struct run_state *st)
{
	int audits = r->kind == RM_REC_AUDIT;
	struct rm_buf *page = audits ? &s->page_audit : &s->page_signin;
	size_t *n = audits ? &st->n_audit : &st->n_signin;

	switch (shape) {
	case RM_SHAPE_GRAPH:
		if ((*n && rm_buf_append(page, ",", 1) < 0) || rm_sim_emit_graph(s, r, page) < 0)
			return -1;
		if (++*n == PAGE_MAX && page_flush(page, n, audits, out) < 0)
			return -1;
		return 0;
	case RM_SHAPE_EVENTHUB:
		if (rm_buf_puts(out, st->n_body ? "," : "{\"records\":[") < 0 ||
		    rm_sim_emit_monitor(s, r, out) < 0)
			return -1;
		if (++st->n_body == EVENTHUB_MAX) {
			st->n_body = 0;
			return rm_buf_append(out, "]}\n", 3);
		}
		return 0;
	case RM_SHAPE_PT1H:
		return rm_sim_emit_monitor(s, r, out) < 0 ? -1 : rm_buf_append(out, "\n", 1);
	case RM_SHAPE_ARRAY:
		if (rm_buf_puts(out, st->n_body++ ? ",\n" : "[\n") < 0)
			return -1;
		return rm_sim_emit_graph(s, r, out);
	default:
		return rm_sim_emit_graph(s, r, out) < 0 ? -1 : rm_buf_append(out, "\n", 1);
	}
}

/* Record r in shape: 1 written, 0 not part of the shape, -1 no memory. */
static int emit_one(struct rm_sim *s, const struct rm_sim_rec *r, enum rm_shape shape,
                    struct rm_buf *out, struct rm_buf *non, struct run_state *st)
{
	switch (shape) {
	case RM_SHAPE_LA:
	case RM_SHAPE_LA_QUERY:
	case RM_SHAPE_AZCLI:
	case RM_SHAPE_CSV:
		return emit_la_shape(s, r, shape, out, &st->n_signin, &st->n_audit) < 0 ? -1 : 1;
	case RM_SHAPE_ENTRA_CSV:
		return emit_entra_csv(s, r, out, non);
	default:
		return emit_json(s, r, shape, out, st) < 0 ? -1 : 1;
	}
}

/* The end of a run's containers. */
static int run_flush(struct rm_sim *s, enum rm_shape shape, struct run_state *st, struct rm_buf *out)
{
	if (shape == RM_SHAPE_GRAPH && (page_flush(&s->page_signin, &st->n_signin, 0, out) < 0 ||
	                                page_flush(&s->page_audit, &st->n_audit, 1, out) < 0))
		return -1;
	if ((shape == RM_SHAPE_EVENTHUB && st->n_body && rm_buf_append(out, "]}\n", 3) < 0) ||
	    (shape == RM_SHAPE_ARRAY && st->n_body && rm_buf_puts(out, "\n]\n") < 0))
		return -1;
	return la_flush(s, shape, st->n_signin, st->n_audit, out);
}

long rm_sim_run_split(struct rm_sim *s, int64_t until_ms, enum rm_shape shape, struct rm_buf *out,
                      struct rm_buf *noninteractive)
{
	struct run_state st = { 0, 0, 0 };
	long count = 0;

	if (until_ms > s->now)
		advance(s, until_ms);
	if (s->oom)
		return -1;
	s->page_signin.len = s->page_audit.len = 0;
	while (s->rec_len && s->recs[0].deliver <= until_ms) {
		int rc = emit_one(s, &s->recs[0], shape, out, noninteractive, &st);

		if (rc < 0)
			return -1;
		count += rc;
		rec_pop(s);
	}
	return run_flush(s, shape, &st, out) < 0 ? -1 : count;
}

long rm_sim_run(struct rm_sim *s, int64_t until_ms, enum rm_shape shape, struct rm_buf *out)
{
	return rm_sim_run_split(s, until_ms, shape, out, NULL);
}
