/* Tokens that outlive their revocation, and clients stuck on revoked grants.
 *
 * Both are functions of the set of records seen, not of their order: a
 * client keeps its newest few issue times, so a revocation learned late
 * still finds the token held when it happened; a stuck client keeps its
 * latest successful sign-in, so a success that arrives first still ends it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer_internal.h"

char *rm_dup_str(struct rm_str s)
{
	char *d = malloc(s.n + 1);

	if (d && rm_json_unescape(s, d, s.n + 1) < 0) {
		/* keep the raw text rather than nothing */
		memcpy(d, s.p, s.n);
		d[s.n] = '\0';
	}
	return d;
}

void rm_client_times(const struct client *c, int64_t t[TOKENS_KEEP])
{
	t[0] = c->t0;
	for (int i = 1; i < TOKENS_KEEP; i++)
		t[i] = rm_delta_get(c->t0, c->d[i - 1]);
}

/* Store t (newest first); a token too old to keep ends the list there. */
void rm_client_set_times(struct client *c, const int64_t t[TOKENS_KEEP])
{
	c->t0 = t[0];
	for (int i = 1; i < TOKENS_KEEP; i++) {
		c->d[i - 1] = i > 1 && !c->d[i - 2] ? 0 : rm_delta_put(t[0], t[i]);
		if (!c->d[i - 1])
			c->cae &= (uint8_t)((1u << i) - 1);
	}
}

static int64_t token_life(const struct rm_analyzer *a, const struct client *c, int i)
{
	return (c->cae >> i) & 1 ? CAE_TOKEN_LIFETIME_MS : a->s->access_token_lifetime_ms;
}

int rm_stale_keep_client(void *rec, void *ctx)
{
	const struct client *c = rec;
	const struct rm_analyzer *a = ctx;
	int64_t t[TOKENS_KEEP];

	/* records about it may still arrive out of order within the horizon:
	 * a refusal that comes later must still find its latest success */
	if (c->t0 > a->wm - a->s->dedupe_horizon_ms)
		return 1;
	rm_client_times(c, t);
	for (int i = 0; i < TOKENS_KEEP && t[i]; i++)
		if (t[i] + token_life(a, c, i) > a->wm)
			return 1;
	return 0;
}

/* A stuck client is kept until forgotten; any other only while records
 * about it may still arrive out of order (dedupe_horizon): a mass
 * revocation refuses every client once, and most sign in again. */
int rm_stale_keep(void *rec, void *ctx)
{
	struct stale *st = rec;
	const struct rm_analyzer *a = ctx;
	int64_t last = st->ok_ms > st->last_ms ? st->ok_ms : st->last_ms;

	if (st->last_stuck_ms > st->ok_ms && st->last_stuck_ms > a->wm - a->s->stuck_forget_ms)
		return 1;
	if (last > a->wm - a->s->dedupe_horizon_ms)
		return 1;
	free(st->upn);
	free(st->app);
	free(st->device);
	return 0;
}

/* Insert issue time t (newest first; the oldest falls off). */
static void add_token(struct client *c, int64_t t, int cae)
{
	int i = 0;
	unsigned below, above;
	int64_t ts[TOKENS_KEEP];

	rm_client_times(c, ts);
	while (i < TOKENS_KEEP && ts[i] && ts[i] > t)
		i++;
	if (i == TOKENS_KEEP || ts[i] == t)
		return; /* older than every kept one, or already known */
	memmove(&ts[i + 1], &ts[i], (size_t)(TOKENS_KEEP - 1 - i) * sizeof ts[0]);
	below = c->cae & ((1u << i) - 1);
	above = (unsigned)(c->cae >> i) << (i + 1);
	c->cae = (uint8_t)((below | above | ((unsigned)cae << i)) & ((1u << TOKENS_KEEP) - 1));
	ts[i] = t;
	rm_client_set_times(c, ts);
}

/* A successful sign-in: the client holds a new token. */
int rm_stale_signin_ok(struct rm_analyzer *a, const struct rm_event *ev, uint64_t ukey,
                       uint64_t ckey)
{
	int created;
	struct client *c = rm_table_upsert(&a->clients, ckey, &created);
	struct stale *st;

	if (!c)
		return -1;
	if (created) {
		c->user = ukey;
		c->fam = (uint16_t)rm_fam_of(a, ev);
	}
	add_token(c, ev->time_ms, ev->cae == 1);
	st = rm_table_find(&a->stale, ckey);
	if (st && ev->time_ms > st->ok_ms)
		st->ok_ms = ev->time_ms;
	return 0;
}

/* A refused presentation of a grant revoked at r. */
int rm_stale_refused(struct rm_analyzer *a, const struct rm_event *ev, uint64_t ukey,
                     uint64_t ckey, int64_t r)
{
	int created;
	struct stale *st = rm_table_upsert(&a->stale, ckey, &created);
	int64_t t = ev->time_ms;

	if (!st)
		return -1;
	if (created) {
		const struct client *c = rm_table_find(&a->clients, ckey);

		st->user = ukey;
		st->fam = c ? c->fam : rm_fam_of(a, ev);
		st->ok_ms = c ? c->t0 : 0;
		st->first_ms = t;
		st->upn = rm_dup_str(ev->upn.n ? ev->upn : ev->user_id);
		st->app = rm_dup_str(ev->app_name.n ? ev->app_name : ev->app_id);
		/* often empty in real logs: no allocation for nothing */
		st->device = ev->device_id.n ? rm_dup_str(ev->device_id) : NULL;
	}
	st->presentations++;
	if (t < st->first_ms)
		st->first_ms = t;
	if (t >= st->last_ms) {
		st->last_ms = t;
		st->revoked_ms = r;
	}
	if (t - r > a->s->stuck_after_ms && t > st->last_stuck_ms)
		st->last_stuck_ms = t;
	return 0;
}

static int stuck_at(const struct rm_analyzer *a, const struct stale *st, int64_t now)
{
	int64_t ts = st->last_stuck_ms;

	if (!ts || ts > now || now - ts >= a->s->stuck_forget_ms)
		return 0;
	return !(st->ok_ms > ts && st->ok_ms <= now);
}

static int cmp_stuck(const void *x, const void *y)
{
	const struct revmon_stuck_client *a = x, *b = y;
	int c;

	if (a->revoked_ms != b->revoked_ms)
		return a->revoked_ms < b->revoked_ms ? -1 : 1;
	if (a->last_ms != b->last_ms)
		return a->last_ms < b->last_ms ? 1 : -1;
	c = strcmp(a->user ? a->user : "", b->user ? b->user : "");
	if (c)
		return c;
	c = strcmp(a->app ? a->app : "", b->app ? b->app : "");
	return c ? c : strcmp(a->device ? a->device : "", b->device ? b->device : "");
}

char *rm_dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static unsigned row_index(const struct family *f)
{
	return !f->row || f->row == ROW_OTHER ? 1 : f->row + 1;
}

/* Copy the first keep entries of the sorted list into the snapshot, which
 * then owns them. */
static int copy_stuck(struct rm_analyzer *a, const struct revmon_stuck_client *list, size_t keep,
                      struct revmon_snapshot *snap)
{
	snap->stuck = keep ? calloc(keep, sizeof *snap->stuck) : NULL;
	if (keep && !snap->stuck)
		return -1;
	for (size_t k = 0; k < keep; k++) {
		struct revmon_stuck_client *d = &snap->stuck[k];
		const struct family *f = rm_fam_get(a, list[k].family);

		*d = list[k];
		d->user = rm_dup_or_empty(list[k].user);
		d->app = rm_dup_or_empty(list[k].app);
		d->device = rm_dup_or_empty(list[k].device);
		d->platform = rm_dup_or_empty(f->platform);
		d->family = row_index(f);
		snap->n_stuck = k + 1;
		if (!d->user || !d->app || !d->device || !d->platform)
			return -1;
	}
	return 0;
}

/* stale_clients, stale_age_max, the families' stuck counts and the list of
 * stuck clients (up to stuck_max) as of now. */
int rm_stale_fill(struct rm_analyzer *a, int64_t now, size_t stuck_max,
                  struct revmon_snapshot *snap)
{
	size_t i = 0, cap = 0, stuck = 0;
	struct stale *st;
	int64_t age_max = 0;
	struct revmon_stuck_client *list = NULL;
	int rc = -1;

	rm_table_filter(&a->stale);
	a->fam_none.stuck = 0;
	for (size_t k = 0; k < a->n_fam; k++)
		a->fam[k].stuck = 0;
	while ((st = rm_table_next(&a->stale, &i))) {
		struct family *f;

		if (!stuck_at(a, st, now))
			continue;
		f = rm_fam_get(a, st->fam);
		f->stuck++;
		rm_fam_active(a, st->fam);
		if (now - st->revoked_ms > age_max)
			age_max = now - st->revoked_ms;
		if (stuck == cap) {
			struct revmon_stuck_client *p;

			cap = cap ? cap * 2 : 16;
			p = realloc(list, cap * sizeof *p);
			if (!p)
				goto out;
			list = p;
		}
		/* borrowed strings here; copy_stuck copies the ones kept */
		list[stuck++] = (struct revmon_stuck_client){
			.user = st->upn, .app = st->app, .device = st->device, .family = st->fam,
			.revoked_ms = st->revoked_ms, .first_ms = st->first_ms,
			.last_ms = st->last_ms, .presentations = st->presentations};
	}
	snap->values[RM_M_STALE_CLIENTS] = (struct revmon_value){1, (double)stuck, 0};
	snap->values[RM_M_STALE_AGE_MAX] = (struct revmon_value){1, (double)age_max / 1000.0, 0};
	if (stuck)
		qsort(list, stuck, sizeof *list, cmp_stuck);
	rc = copy_stuck(a, list, stuck < stuck_max ? stuck : stuck_max, snap);
out:
	free(list);
	return rc;
}

/* The newest token the client held before r, -1 when none. */
static int token_before(const int64_t t[TOKENS_KEEP], int64_t r)
{
	for (int i = 0; i < TOKENS_KEEP && t[i]; i++)
		if (t[i] < r)
			return i;
	return -1;
}

/* Few users have a revocation: a bit per user key (a one-sided test), so
 * that most clients are spared the lookup of their user. */
#define USER_BITS 65536
static void revoked_users(struct rm_analyzer *a, int64_t now, uint64_t *maybe)
{
	size_t k = 0;
	const struct user *u;

	memset(maybe, 0, USER_BITS / 8);
	while ((u = rm_table_next(&a->users, &k)))
		if (u->revoked_ms && u->revoked_ms <= now)
			maybe[(u->key % USER_BITS) / 64] |= 1ull << (u->key % 64);
}

/* Tokens issued before their user's latest revocation and still valid. */
void rm_tokens_fill(struct rm_analyzer *a, int64_t now, struct revmon_snapshot *snap)
{
	size_t i = 0;
	struct client *c;
	uint64_t live = 0, live_cae = 0, maybe[USER_BITS / 64];
	int64_t exposure = 0;

	revoked_users(a, now, maybe);
	rm_table_filter(&a->clients);
	a->fam_none.tokens = a->fam_none.tokens_cae = 0;
	for (size_t k = 0; k < a->n_fam; k++)
		a->fam[k].tokens = a->fam[k].tokens_cae = 0;
	while ((c = rm_table_next(&a->clients, &i))) {
		const struct user *u;
		struct family *f;
		int k;
		int64_t r, issued, t[TOKENS_KEEP];

		if (!(maybe[(c->user % USER_BITS) / 64] & (1ull << (c->user % 64))))
			continue;
		u = rm_table_find(&a->users, c->user);
		if (!u || !u->revoked_ms || (r = u->revoked_ms) > now)
			continue;
		rm_client_times(c, t);
		if ((k = token_before(t, r)) < 0)
			continue;
		issued = t[k];
		f = rm_fam_get(a, c->fam);
		if ((c->cae >> k) & 1) {
			if (now >= r + a->s->cae_propagation_bound_ms || issued + CAE_TOKEN_LIFETIME_MS <= now)
				continue;
			live_cae++;
			f->tokens_cae++;
		} else {
			int64_t left = issued + a->s->access_token_lifetime_ms - now;

			if (left <= 0)
				continue;
			live++;
			f->tokens++;
			if (left > exposure)
				exposure = left;
		}
		rm_fam_active(a, c->fam);
	}
	snap->values[RM_M_STALE_TOKENS_LIVE] = (struct revmon_value){1, (double)live, 0};
	snap->values[RM_M_STALE_TOKENS_LIVE_CAE] = (struct revmon_value){1, (double)live_cae, 0};
	snap->values[RM_M_EXPOSURE_MAX] = (struct revmon_value){1, (double)exposure / 1000.0, 0};
}
