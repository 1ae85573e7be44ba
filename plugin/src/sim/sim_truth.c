/* The simulator's ground truth: what really happened, from the model's own
 * state, with the analyzer's definitions (README, "Metrics"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/parse.h"
#include "sim_internal.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double nearest_rank(const double *v, size_t n, double pct)
{
	size_t k = (size_t)ceil(pct / 100.0 * (double)n);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static int in_lag_window(int64_t f, int64_t now, int64_t lag_window_ms)
{
	return f && f > now - lag_window_ms && f <= now;
}

static void truth_lags(const struct rm_sim *s, int64_t lag_window_ms, struct rm_sim_truth *t)
{
	double *lags;
	size_t i, n = 0, k = 0;

	for (i = 0; i < s->nrevs; i++)
		n += (size_t)in_lag_window(s->revs[i].first_refusal, s->now, lag_window_ms);
	if (!n || !(lags = malloc(n * sizeof(*lags))))
		return;
	for (i = 0; i < s->nrevs; i++)
		if (in_lag_window(s->revs[i].first_refusal, s->now, lag_window_ms))
			lags[k++] = (double)(s->revs[i].first_refusal - s->revs[i].at) / 1000.0;
	qsort(lags, n, sizeof(*lags), cmp_double);
	t->lags = n;
	t->lag_p50_s = nearest_rank(lags, n, 50);
	t->lag_p95_s = nearest_rank(lags, n, 95);
	t->lag_max_s = lags[n - 1];
	free(lags);
}

/* The families in catalog order, one per (app name, platform); fam[app]
 * says which one each catalog entry belongs to. */
static void truth_families(const struct rm_sim *s, struct rm_sim_truth *t,
                           uint8_t fam[RM_SIM_APPS_MAX])
{
	for (unsigned a = 0; a < rm_sim_napps && a < RM_SIM_APPS_MAX; a++) {
		const char *os = rm_sim_os_spellings[rm_sim_apps[a].os][0];
		struct rm_sim_family_truth *ft;
		char platform[32];
		size_t f;

		rm_platform_of((struct rm_str){ os, strlen(os) }, platform, sizeof platform);
		for (f = 0; f < t->n_families; f++)
			if (!strcmp(t->families[f].app, rm_sim_apps[a].name) &&
			    !strcmp(t->families[f].platform, platform))
				break;
		ft = &t->families[f < RM_SIM_FAMILIES_MAX ? f : RM_SIM_FAMILIES_MAX - 1];
		if (f == t->n_families && f < RM_SIM_FAMILIES_MAX) {
			t->n_families++;
			snprintf(ft->app, sizeof ft->app, "%s", rm_sim_apps[a].name);
			snprintf(ft->platform, sizeof ft->platform, "%s", platform);
		}
		fam[a] = (uint8_t)(ft - t->families); /* past the bound: the last takes the rest */
		ft->presentations += s->presented[a];
		t->stale_presentations += s->presented[a];
	}
}

/* When client cl became stuck, if it is stuck at now: its latest refusal
 * of a revoked grant more than stuck_after past the revocation it ran into
 * (*rev), not followed by a successful sign-in (those clear cl->stale), and
 * younger than stuck_forget. 0 when it is not stuck. */
static int64_t stuck_since(const struct rm_sim_client *cl, int64_t now, int64_t stuck_after_ms,
                           int64_t stuck_forget_ms, int64_t *rev)
{
	for (unsigned i = 0; i < cl->nstale; i++) {
		const struct rm_sim_stale *st = &cl->stale[i];

		if (st->t - st->rev <= stuck_after_ms)
			continue;
		if (st->t > now || now - st->t >= stuck_forget_ms)
			return 0;
		*rev = st->rev;
		return st->t;
	}
	return 0;
}

/* The token client cl held at its user's latest revocation, if it counts
 * now: non-CAE until it expires, CAE until the propagation bound, issued
 * since the logs began. */
static void truth_token(const struct rm_sim *s, const struct rm_sim_client *cl,
                        struct rm_sim_family_truth *ft, struct rm_sim_truth *t)
{
	int64_t now = s->now, rev = s->users[cl->user].rev_ms;

	/* a token issued before the logs begin is out of any log's sight (CAE
	 * tokens live up to 28 h, so early on most are) */
	if (!cl->pre_issue || cl->pre_issue < s->p.start_ms || cl->pre_issue >= rev || rev > now)
		return;
	if (!(cl->flags & RM_CL_CAE) && cl->pre_issue + s->p.access_token_lifetime_ms > now) {
		double most = (double)(cl->pre_issue + s->p.access_token_lifetime_ms - now) / 1000.0;

		t->stale_tokens_possible++;
		if (most > t->exposure_possible_s)
			t->exposure_possible_s = most;
	}
	if (cl->pre_exp <= now)
		return;
	if (cl->flags & RM_CL_CAE) {
		if (now < rev + s->p.cae_propagation_max_ms) {
			t->stale_tokens_live_cae++;
			ft->tokens_cae++;
		}
	} else {
		double left = (double)(cl->pre_exp - now) / 1000.0;

		t->stale_tokens_live++;
		ft->tokens++;
		if (left > t->exposure_max_s)
			t->exposure_max_s = left;
	}
}

void rm_sim_truth(const struct rm_sim *s, int64_t lag_window_ms, int64_t stuck_after_ms,
                  int64_t stuck_forget_ms, struct rm_sim_truth *t)
{
	uint8_t fam[RM_SIM_APPS_MAX];

	memset(t, 0, sizeof(*t));
	t->revocations = s->revocations;
	memcpy(t->revocations_by_cause, s->by_cause, sizeof(t->revocations_by_cause));
	t->signins = s->signins;
	t->signins_interactive = s->signins_interactive;
	truth_lags(s, lag_window_ms, t);
	truth_families(s, t, fam);
	for (uint32_t c = 0; c < s->nclients; c++) {
		const struct rm_sim_client *cl = &s->clients[c];
		struct rm_sim_family_truth *ft = &t->families[fam[cl->app]];
		int64_t rev = 0;

		if (stuck_since(cl, s->now, stuck_after_ms, stuck_forget_ms, &rev)) {
			double age = (double)(s->now - rev) / 1000.0;

			t->stuck_clients++;
			ft->stuck++;
			if (age > t->stale_age_max_s)
				t->stale_age_max_s = age;
		}
		truth_token(s, cl, ft, t);
	}
}
