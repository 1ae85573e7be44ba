/* When each revocation was first enforced: its lag.
 *
 * A revocation R of a user is enforced by the user's first refusal at or
 * after R and before the user's next revocation. The user keeps the times of
 * its refusals within dedupe_horizon, so that the answer is the same
 * whichever of the audit event and the refusals arrived first: records come
 * newest first from Graph and interleaved from Event Hubs. */
#include <stdlib.h>
#include <string.h>

#include "analyzer_internal.h"

#define REFS_MAX 1024 /* per user; a client refused every second for 17 min */

/* Refusals are stored as (time << 1) | cae, ascending. */
static int64_t ref_time(int64_t r)
{
	return r >> 1;
}

static int is_enforcement(const struct user *u, int64_t t)
{
	return t == u->enforced_ms || t == u->old_enforced_ms;
}

/* Make room for one more: forget refusals older than the horizon (not the
 * ones that enforce a revocation), or the oldest such when there are too
 * many. 0, or -1 when memory runs out. */
static int ref_room(const struct rm_analyzer *a, struct user *u)
{
	size_t j = 0;

	if (u->n_ref < u->cap_ref)
		return 0;
	for (size_t i = 0; i < u->n_ref; i++) {
		int64_t t = ref_time(u->ref[i]);

		if (t >= a->wm - a->s->dedupe_horizon_ms || is_enforcement(u, t))
			u->ref[j++] = u->ref[i];
	}
	u->n_ref = (uint32_t)j;
	if (u->cap_ref && u->n_ref < 3 * u->cap_ref / 4)
		return 0; /* pruning made room enough */
	if (u->cap_ref < REFS_MAX) {
		uint32_t cap = u->cap_ref ? u->cap_ref * 2 : 4;
		int64_t *p = realloc(u->ref, cap * sizeof *p);

		if (!p)
			return -1;
		u->ref = p;
		u->cap_ref = cap;
	} else if (u->n_ref == u->cap_ref) {
		size_t drop = is_enforcement(u, ref_time(u->ref[0])) ? 1 : 0;

		memmove(&u->ref[drop], &u->ref[drop + 1], (u->n_ref - drop - 1) * sizeof u->ref[0]);
		u->n_ref--;
	}
	return 0;
}

/* Index of the first refusal at or after t. */
static size_t lower_bound(const struct user *u, int64_t t)
{
	size_t lo = 0, hi = u->n_ref;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ref_time(u->ref[mid]) < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int rm_enf_add_refusal(struct rm_analyzer *a, struct user *u, int64_t t, int cae)
{
	size_t i;
	int64_t v = (t << 1) | (cae ? 1 : 0);

	if (t < 0)
		return 0;
	i = lower_bound(u, t);
	if (i < u->n_ref && u->ref[i] == v)
		return 0;
	if (ref_room(a, u) < 0)
		return -1;
	i = lower_bound(u, t);
	memmove(&u->ref[i + 1], &u->ref[i], (u->n_ref - i) * sizeof u->ref[0]);
	u->ref[i] = v;
	u->n_ref++;
	return 0;
}

static int push_enforcement(struct rm_analyzer *a, const struct enforcement *e, uint32_t *pos)
{
	if (a->n_enf >= a->enf_compact_at)
		rm_enf_compact(a, a->wm);
	if (a->n_enf == a->cap_enf) {
		size_t cap = a->cap_enf ? a->cap_enf * 2 : 64;
		struct enforcement *p = realloc(a->enf, cap * sizeof *p);

		if (!p)
			return -1;
		a->enf = p;
		a->cap_enf = cap;
	}
	a->enf[a->n_enf++] = *e;
	*pos = (uint32_t)a->n_enf;
	return 0;
}

static void fix_pos(struct user *u, size_t i, size_t j)
{
	if (u->enf_pos == i + 1)
		u->enf_pos = (uint32_t)(j + 1);
	else if (u->old_enf_pos == i + 1)
		u->old_enf_pos = (uint32_t)(j + 1);
}

/* Drop enforcements that left the lag window or were taken back, keeping
 * users' positions right. */
void rm_enf_compact(struct rm_analyzer *a, int64_t now)
{
	size_t j = 0;

	for (size_t i = 0; i < a->n_enf; i++) {
		struct enforcement *e = &a->enf[i];
		struct user *u = rm_table_find(&a->users, e->user);

		if (e->lag_ms < 0 || e->at_ms <= now - a->s->lag_window_ms) {
			if (u)
				fix_pos(u, i, (size_t)-1); /* position 0: none */
			continue;
		}
		if (u)
			fix_pos(u, i, j);
		a->enf[j++] = *e;
	}
	a->n_enf = j;
	a->enf_compact_at = 2 * j + 1024;
}

/* Revocation r of u (its latest, or the one before) is now enforced at t
 * (0: not at all): update its entry in the list. */
static int set_enforced(struct rm_analyzer *a, struct user *u, int old, int64_t r, int64_t t,
                        int cae)
{
	uint32_t *pos = old ? &u->old_enf_pos : &u->enf_pos;
	int64_t *at = old ? &u->old_enforced_ms : &u->enforced_ms;
	int8_t *at_cae = old ? &u->old_enforced_cae : &u->enforced_cae;
	struct enforcement e = {t, t - r, u->key, r, cae}, *mine = NULL;

	if (*pos && *pos <= a->n_enf && a->enf[*pos - 1].user == u->key &&
	    a->enf[*pos - 1].revoked_ms == r)
		mine = &a->enf[*pos - 1];
	if (*at == t && (!t || *at_cae == cae))
		return 0; /* unchanged (its entry may have left the lag window) */
	*at = t;
	*at_cae = (int8_t)cae;
	if (!t) {
		if (mine)
			mine->lag_ms = -1; /* taken back: a later revocation explains it */
		*pos = 0;
		return 0;
	}
	if (mine) {
		*mine = e;
		return 0;
	}
	return push_enforcement(a, &e, pos);
}

/* The first refusal in [from, to) (to 0: no end), 0 when none. */
static int64_t first_refusal(const struct user *u, int64_t from, int64_t to, int *cae)
{
	size_t i = lower_bound(u, from);
	int64_t t;

	if (i == u->n_ref)
		return 0;
	t = ref_time(u->ref[i]);
	*cae = (int)(u->ref[i] & 1);
	return to && t >= to ? 0 : t;
}

int rm_enf_reconcile(struct rm_analyzer *a, struct user *u)
{
	int cae = 0;
	int64_t t;

	if (u->revoked_ms) {
		t = first_refusal(u, u->revoked_ms, 0, &cae);
		if (set_enforced(a, u, 0, u->revoked_ms, t, cae) < 0)
			return -1;
	}
	if (u->old_ms) {
		cae = 0;
		t = first_refusal(u, u->old_ms, u->revoked_ms, &cae);
		if (set_enforced(a, u, 1, u->old_ms, t, cae) < 0)
			return -1;
	}
	return 0;
}
