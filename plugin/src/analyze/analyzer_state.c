/* Saving and restoring the analyzer's state, so that a process that runs once
 * per check (Nagios) continues where the previous one stopped. Every field is
 * written explicitly, never as raw memory. */
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "analyzer_internal.h"
#include "util/util.h"

#define FORMAT 4 /* 4: dedupe generations, times as distances, sizes first */
#define FLUSH_AT (1u << 20)
#define TICK_EVERY (4u << 20)

/* The savers below write one part each into the sink's buffer (the first
 * member of struct rm_state_sink, so that tick() finds the sink from it);
 * rm_analyzer_load's loaders read them back in the same order. Each
 * returns nonzero when memory ran out or the sink failed. */

/* The big tables' records go through these: one bounds check per record,
 * then fields in the same little-endian layout rm_put_* and rm_get_* use. */
static unsigned char *room(struct rm_buf *b, size_t n)
{
	unsigned char *p;

	if (rm_buf_reserve(b, n) < 0)
		return NULL;
	p = (unsigned char *)b->data + b->len;
	b->len += n;
	return p;
}

static unsigned char *w64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
	return p + 8;
}

static unsigned char *w32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
	return p + 4;
}

/* n bytes of r, or NULL (r->bad set) when fewer are left. */
static const unsigned char *take(struct rm_rd *r, size_t n)
{
	const unsigned char *p = r->p + r->pos;

	if (r->bad || n > r->n - r->pos) {
		r->bad = 1;
		return NULL;
	}
	r->pos += n;
	return p;
}

static uint64_t r64(const unsigned char **p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)(*p)[i] << (8 * i);
	*p += 8;
	return v;
}

static uint32_t r32(const unsigned char **p)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)(*p)[i] << (8 * i);
	*p += 4;
	return v;
}

#define CLIENT_BYTES (24 + 4 * (TOKENS_KEEP - 1) + 8)
#define INTER_BYTES (16 + 4 * (INTER_KEEP - 1) + 4)

/* Hand a full buffer to the sink's flush, if it has one. */
static int tick(struct rm_buf *b)
{
	struct rm_state_sink *s = (struct rm_state_sink *)b;

	if (!s->flush || b->len < FLUSH_AT)
		return 0;
	return s->flush(s->ctx, b) < 0;
}

/* Format, registry, counters, watermark and the window's ring. */
static int save_header(const struct rm_analyzer *a, struct rm_buf *b)
{
	size_t i;
	int e = 0;

	e |= rm_put_u32(b, FORMAT);
	e |= rm_put_u32(b, RM_M_COUNT);
	for (i = 0; i < RM_M_COUNT; i++)
		e |= rm_put_u64(b, a->m[i]);
	e |= rm_put_i64(b, a->wm);

	e |= rm_put_u64(b, a->n_ring);
	e |= rm_put_i64(b, a->head_b);
	for (i = 0; i < a->n_ring; i++) {
		e |= rm_put_u32(b, a->ring[i].reauth);
		e |= rm_put_u32(b, a->ring[i].cae_true);
		e |= rm_put_u32(b, a->ring[i].cae_flagged);
	}
	e |= rm_put_u64(b, a->n_min);
	e |= rm_put_i64(b, a->head_min);
	e |= rm_put_i64(b, a->first_min);
	for (i = 0; i < a->n_min; i++)
		e |= rm_put_u32(b, a->min_ring[i]);
	return e;
}

static int save_users(const struct rm_analyzer *a, struct rm_buf *b)
{
	size_t i;
	int e = 0;
	const struct user *u;

	e |= rm_put_u64(b, a->users.count);
	for (i = 0; (u = rm_table_next(&a->users, &i));) {
		e |= rm_put_u64(b, u->key);
		e |= rm_put_i64(b, u->revoked_ms);
		e |= rm_put_i64(b, u->enforced_ms);
		e |= rm_put_i64(b, u->old_ms);
		e |= rm_put_i64(b, u->old_enforced_ms);
		e |= rm_put_i64(b, u->last_ms);
		e |= rm_put_u64(b, u->corr);
		e |= rm_put_u64(b, u->old_corr);
		e |= rm_put_str(b, u->upn);
		e |= rm_put_u32(b, u->enf_pos);
		e |= rm_put_u32(b, u->old_enf_pos);
		e |= rm_put_u32(b, (uint32_t)(uint8_t)u->cause);
		e |= rm_put_u32(b, (uint32_t)(uint8_t)u->old_cause);
		e |= rm_put_u32(b, (uint32_t)(uint8_t)u->enforced_cae);
		e |= rm_put_u32(b, (uint32_t)(uint8_t)u->old_enforced_cae);
		e |= rm_put_u32(b, u->n_ref);
		for (uint32_t k = 0; k < u->n_ref; k++)
			e |= rm_put_i64(b, u->ref[k]);
		e |= tick(b);
	}
	return e;
}

static int save_clients(const struct rm_analyzer *a, struct rm_buf *b)
{
	size_t i;
	int e = 0;
	const struct client *c;

	e |= rm_put_u64(b, a->clients.count);
	for (i = 0; !e && (c = rm_table_next(&a->clients, &i));) {
		unsigned char *p = room(b, CLIENT_BYTES);

		if (!p)
			return 1;
		p = w64(w64(w64(p, c->key), c->user), (uint64_t)c->t0);
		for (int k = 0; k < TOKENS_KEEP - 1; k++)
			p = w32(p, c->d[k]);
		w32(w32(p, c->fam), c->cae);
		e |= tick(b);
	}
	return e;
}

static int save_stale(const struct rm_analyzer *a, struct rm_buf *b)
{
	size_t i;
	int e = 0;
	const struct stale *st;

	e |= rm_put_u64(b, a->stale.count);
	for (i = 0; (st = rm_table_next(&a->stale, &i));) {
		e |= rm_put_u64(b, st->key);
		e |= rm_put_u64(b, st->user);
		e |= rm_put_i64(b, st->revoked_ms);
		e |= rm_put_i64(b, st->first_ms);
		e |= rm_put_i64(b, st->last_ms);
		e |= rm_put_i64(b, st->last_stuck_ms);
		e |= rm_put_i64(b, st->ok_ms);
		e |= rm_put_u64(b, st->presentations);
		e |= rm_put_u32(b, st->fam);
		e |= rm_put_str(b, st->upn);
		e |= rm_put_str(b, st->app);
		e |= rm_put_str(b, st->device);
		e |= tick(b);
	}
	return e;
}

/* The dedupe ids, then the interactive sign-in history. */
static int save_seen_inter(const struct rm_analyzer *a, struct rm_buf *b)
{
	size_t i;
	int e = 0;
	const struct inter *in;

	e |= rm_put_u64(b, a->seen.n);
	for (i = 0; i < a->seen.n; i++) {
		const struct rm_dedupe_gen *g = &a->seen.g[i];

		e |= rm_put_i64(b, g->from_ms);
		e |= rm_put_i64(b, g->to_ms);
		e |= rm_put_u64(b, g->cap);
		for (size_t k = 0; k < g->cap && !e; k += 1024) {
			size_t n = g->cap - k < 1024 ? g->cap - k : 1024;
			unsigned char *p = room(b, 8 * n);

			if (!p)
				return 1;
			for (size_t j = 0; j < n; j++)
				p = w64(p, g->slot[k + j]);
			e |= tick(b);
		}
	}
	e |= rm_put_u64(b, a->inter.count);
	for (i = 0; !e && (in = rm_table_next(&a->inter, &i));) {
		unsigned char *p = room(b, INTER_BYTES);

		if (!p)
			return 1;
		p = w64(w64(p, in->key), (uint64_t)in->t0);
		for (int k = 0; k < INTER_KEEP - 1; k++)
			p = w32(p, in->d[k]);
		w32(p, in->counted);
		e |= tick(b);
	}
	return e;
}

/* Enforcements, pending revocations and the ring of recent revocations. */
static int save_lists(const struct rm_analyzer *a, struct rm_buf *b)
{
	size_t i;
	int e = 0;

	e |= rm_put_u64(b, a->n_enf);
	for (i = 0; i < a->n_enf; i++) {
		e |= rm_put_i64(b, a->enf[i].at_ms);
		e |= rm_put_i64(b, a->enf[i].lag_ms);
		e |= rm_put_u64(b, a->enf[i].user);
		e |= rm_put_i64(b, a->enf[i].revoked_ms);
		e |= rm_put_u32(b, (uint32_t)a->enf[i].cae);
	}
	e |= rm_put_u64(b, a->n_pend);
	for (i = 0; i < a->n_pend; i++) {
		e |= rm_put_u64(b, a->pend[i].user);
		e |= rm_put_i64(b, a->pend[i].revoked_ms);
	}
	e |= rm_put_u64(b, a->n_recent);
	e |= rm_put_u64(b, a->recent_head);
	for (i = 0; i < RECENT_MAX; i++) {
		e |= rm_put_u64(b, a->recent[i].user);
		e |= rm_put_i64(b, a->recent[i].revoked_ms);
		e |= rm_put_u32(b, (uint32_t)a->recent[i].cause);
	}
	return e;
}

/* The unclassified codes, the inferred revocations waiting for their audit
 * event, and the families. */
static int save_codes_families(const struct rm_analyzer *a, struct rm_buf *b)
{
	int e = rm_put_u64(b, a->n_other);

	for (size_t i = 0; i < a->n_other; i++) {
		e |= rm_put_u32(b, (uint32_t)a->other[i].code);
		e |= rm_put_u64(b, a->other[i].n);
	}
	e |= rm_put_u64(b, a->n_infer);
	for (size_t i = 0; i < a->n_infer; i++) {
		e |= rm_put_u64(b, a->infer[i].user);
		e |= rm_put_i64(b, a->infer[i].revoked_ms);
	}
	e |= rm_put_u32(b, a->fam_none.row);
	e |= rm_put_u64(b, a->fam_none.presentations);
	e |= rm_put_u64(b, a->n_fam);
	for (size_t i = 0; i < a->n_fam; i++) {
		e |= rm_put_u64(b, a->fam[i].key);
		e |= rm_put_str(b, a->fam[i].app);
		e |= rm_put_str(b, a->fam[i].platform);
		e |= rm_put_u32(b, a->fam[i].row);
		e |= rm_put_u64(b, a->fam[i].presentations);
	}
	return e;
}

int rm_analyzer_save_to(const struct rm_analyzer *a, struct rm_state_sink *s)
{
	struct rm_buf *b = &s->b;
	int e = save_header(a, b);

	e |= save_users(a, b);
	e |= save_clients(a, b);
	e |= save_stale(a, b);
	e |= save_seen_inter(a, b);
	e |= save_lists(a, b);
	e |= save_codes_families(a, b);
	return e ? -1 : 0;
}

int rm_analyzer_save(const struct rm_analyzer *a, struct rm_buf *b)
{
	struct rm_state_sink s = {*b, NULL, NULL};
	int rc = rm_analyzer_save_to(a, &s);

	*b = s.b;
	return rc;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	void *q;

	if (need <= *cap)
		return 0;
	q = realloc(*p, need * size);
	if (!q)
		return -1;
	*p = q;
	*cap = need;
	return 0;
}

/* The loaders below read one part each, in the order rm_analyzer_save wrote
 * them, into a fresh analyzer (one that has ingested nothing), each table
 * sized first from its saved count. A malformed field sets r->bad and the
 * rest reads as zeros; -1 means stop now (a record without a key, or no
 * memory). Their reader is the first member of a struct loader, so that
 * progress() finds the caller's progress hook from it. */
struct loader {
	struct rm_rd r;
	const struct rm_load_progress *p;
	size_t told;
};

/* Tell the caller how far the reading got, every TICK_EVERY bytes. */
static void progress(struct rm_rd *r)
{
	struct loader *l = (struct loader *)r;

	if (l->p && r->pos - l->told >= TICK_EVERY) {
		l->told = r->pos;
		l->p->fn(l->p->ctx, r->pos);
	}
}

/* Format, registry, counters, watermark and the window's ring. */
static int load_header(struct rm_analyzer *a, struct rm_rd *r, const char **why, uint32_t *version)
{
	uint32_t n;

	*version = rm_get_u32(r);
	if (*version != FORMAT) {
		*why = "analyzer state of another format version";
		return -1;
	}
	/* the registry only appends: a state from before a metric was added
	 * loads, the new counters starting at zero */
	n = rm_get_u32(r);
	if (n > RM_M_COUNT || n == 0) {
		*why = "analyzer state of another metric registry";
		return -1;
	}
	for (uint64_t i = 0; i < n; i++)
		a->m[i] = rm_get_u64(r);
	a->wm = rm_get_i64(r);

	if (rm_get_u64(r) != a->n_ring) {
		*why = "analyzer state for another window";
		return -1;
	}
	a->head_b = rm_get_i64(r);
	for (uint64_t i = 0; i < a->n_ring; i++) {
		a->ring[i].reauth = rm_get_u32(r);
		a->ring[i].cae_true = rm_get_u32(r);
		a->ring[i].cae_flagged = rm_get_u32(r);
	}
	if (rm_get_u64(r) != a->n_min) {
		*why = "analyzer state for another baseline half-life or warm-up";
		return -1;
	}
	a->head_min = rm_get_i64(r);
	a->first_min = rm_get_i64(r);
	for (uint64_t i = 0; i < a->n_min; i++)
		a->min_ring[i] = rm_get_u32(r);
	/* indexes of buckets and minutes of times (-1: none yet), as ingesting
	 * makes them: anything else would overflow where they are scaled back */
	if (a->head_b < -1 || a->head_b > INT64_MAX / BUCKET_MS || a->head_min < -1 ||
	    a->head_min > INT64_MAX / 60000 || a->first_min < -1 || a->first_min > a->head_min)
		r->bad = 1;
	return 0;
}

/* A user's refusals: ascending, at most REFS_LOAD_MAX. */
#define REFS_LOAD_MAX 1024
static int load_refs(struct user *u, struct rm_rd *r)
{
	uint32_t n = rm_get_u32(r);

	free(u->ref);
	u->ref = NULL;
	u->n_ref = u->cap_ref = 0;
	if (r->bad || !n)
		return 0;
	if (n > REFS_LOAD_MAX) {
		r->bad = 1;
		return 0;
	}
	u->ref = malloc(n * sizeof *u->ref);
	if (!u->ref)
		return -1;
	u->cap_ref = n;
	for (uint32_t k = 0; k < n && !r->bad; k++) {
		u->ref[k] = rm_get_i64(r);
		if (k && u->ref[k] <= u->ref[k - 1])
			r->bad = 1;
		u->n_ref = k + 1;
	}
	return 0;
}

static int load_users(struct rm_analyzer *a, struct rm_rd *r)
{
	uint64_t n = rm_get_count(r, 60);

	if (rm_table_reserve(&a->users, n) < 0)
		return -1;
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		uint64_t key = rm_get_u64(r);
		struct user *u = key ? rm_table_append(&a->users, key) : NULL;

		if (!u)
			return -1;
		progress(r);
		u->revoked_ms = rm_get_i64(r);
		u->enforced_ms = rm_get_i64(r);
		u->old_ms = rm_get_i64(r);
		u->old_enforced_ms = rm_get_i64(r);
		u->last_ms = rm_get_i64(r);
		u->corr = rm_get_u64(r);
		u->old_corr = rm_get_u64(r);
		u->upn = rm_get_str(r);
		u->enf_pos = rm_get_u32(r);
		u->old_enf_pos = rm_get_u32(r);
		u->cause = (int8_t)rm_get_u32(r);
		u->old_cause = (int8_t)rm_get_u32(r);
		u->enforced_cae = (int8_t)rm_get_u32(r);
		u->old_enforced_cae = (int8_t)rm_get_u32(r);
		if (load_refs(u, r) < 0)
			return -1;
		if (u->cause < 0 || u->cause >= RM_CAUSE_COUNT || u->old_cause < 0 ||
		    u->old_cause >= RM_CAUSE_COUNT)
			r->bad = 1;
	}
	return 0;
}

static int load_clients(struct rm_analyzer *a, struct rm_rd *r)
{
	uint64_t n = rm_get_count(r, CLIENT_BYTES);

	if (rm_table_reserve(&a->clients, n) < 0)
		return -1;
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		const unsigned char *p = take(r, CLIENT_BYTES);
		uint64_t key = p ? r64(&p) : 0;
		struct client *c = key ? rm_table_append(&a->clients, key) : NULL;
		uint32_t flags, fam;

		if (!c)
			return -1;
		progress(r);
		c->user = r64(&p);
		c->t0 = (int64_t)r64(&p);
		for (int k = 0; k < TOKENS_KEEP - 1; k++)
			c->d[k] = r32(&p);
		fam = r32(&p);
		flags = r32(&p);
		if ((flags >> TOKENS_KEEP) || fam > FAMILIES_CAP)
			r->bad = 1;
		c->fam = (uint16_t)fam;
		c->cae = (uint8_t)flags;
	}
	return 0;
}

static int load_stale(struct rm_analyzer *a, struct rm_rd *r)
{
	uint64_t n = rm_get_count(r, 60);

	if (rm_table_reserve(&a->stale, n) < 0)
		return -1;
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		uint64_t key = rm_get_u64(r);
		struct stale *st = key ? rm_table_append(&a->stale, key) : NULL;

		if (!st)
			return -1;
		progress(r);
		st->user = rm_get_u64(r);
		st->revoked_ms = rm_get_i64(r);
		st->first_ms = rm_get_i64(r);
		st->last_ms = rm_get_i64(r);
		st->last_stuck_ms = rm_get_i64(r);
		st->ok_ms = rm_get_i64(r);
		st->presentations = rm_get_u64(r);
		st->fam = rm_get_u32(r);
		st->upn = rm_get_str(r);
		st->app = rm_get_str(r);
		st->device = rm_get_str(r);
	}
	return 0;
}

/* The dedupe ids, then the interactive sign-in history. */
static int load_seen_inter(struct rm_analyzer *a, struct rm_rd *r)
{
	uint64_t n = rm_get_count(r, 24);

	for (uint64_t i = 0; i < n && !r->bad; i++) {
		int64_t from = rm_get_i64(r), to = rm_get_i64(r);
		uint64_t cap = rm_get_count(r, 8);
		uint64_t *slot = cap && !r->bad ? malloc(cap * sizeof *slot) : NULL;

		if (cap && !r->bad && !slot)
			return -1;
		for (uint64_t k = 0; k < cap && !r->bad; k += 1024) {
			size_t m = cap - k < 1024 ? (size_t)(cap - k) : 1024;
			const unsigned char *p = take(r, 8 * m);

			for (size_t j = 0; p && j < m; j++)
				slot[k + j] = r64(&p);
			progress(r);
		}
		if (r->bad || rm_dedupe_restore(&a->seen, from, to, slot, cap) < 0) {
			if (r->bad)
				free(slot);
			r->bad = 1;
		}
	}
	n = rm_get_count(r, INTER_BYTES);
	if (rm_table_reserve(&a->inter, n) < 0)
		return -1;
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		const unsigned char *p = take(r, INTER_BYTES);
		uint64_t key = p ? r64(&p) : 0;
		struct inter *in = key ? rm_table_append(&a->inter, key) : NULL;

		if (!in)
			return -1;
		progress(r);
		in->t0 = (int64_t)r64(&p);
		for (int k = 0; k < INTER_KEEP - 1; k++)
			in->d[k] = r32(&p);
		in->counted = (uint16_t)r32(&p);
	}
	return 0;
}

/* Enforcements, pending revocations and the ring of recent revocations. */
static int load_lists(struct rm_analyzer *a, struct rm_rd *r)
{
	uint64_t n = rm_get_count(r, 36), i;

	if (grow((void **)&a->enf, &a->cap_enf, n, sizeof *a->enf) < 0)
		return -1;
	for (i = 0; i < n && !r->bad; i++) {
		a->enf[i].at_ms = rm_get_i64(r);
		a->enf[i].lag_ms = rm_get_i64(r);
		a->enf[i].user = rm_get_u64(r);
		a->enf[i].revoked_ms = rm_get_i64(r);
		a->enf[i].cae = (int)rm_get_u32(r);
	}
	a->n_enf = r->bad ? 0 : n;
	n = rm_get_count(r, 16);
	if (grow((void **)&a->pend, &a->cap_pend, n, sizeof *a->pend) < 0)
		return -1;
	for (i = 0; i < n && !r->bad; i++) {
		a->pend[i].user = rm_get_u64(r);
		a->pend[i].revoked_ms = rm_get_i64(r);
	}
	a->n_pend = r->bad ? 0 : n;
	a->n_recent = rm_get_u64(r);
	a->recent_head = rm_get_u64(r);
	if (a->n_recent > RECENT_MAX || a->recent_head >= RECENT_MAX)
		r->bad = 1;
	for (i = 0; i < RECENT_MAX && !r->bad; i++) {
		a->recent[i].user = rm_get_u64(r);
		a->recent[i].revoked_ms = rm_get_i64(r);
		a->recent[i].cause = (int)rm_get_u32(r);
	}
	return 0;
}

/* Rows must be 1..n_rows, each once, for the snapshot to fill each. */
static int rows_ok(const struct rm_analyzer *a)
{
	unsigned char seen[256] = {0}; /* families_max is at most 200 */
	uint32_t n = 0;

	for (size_t i = 0; i < a->n_fam; i++) {
		uint32_t row = a->fam[i].row;

		if (!row || row == ROW_OTHER)
			continue;
		if (row >= sizeof seen || seen[row]++)
			return 0;
		n++;
	}
	return n == a->n_rows;
}

static int load_codes_families(struct rm_analyzer *a, struct rm_rd *r)
{
	uint64_t n = rm_get_count(r, 12);

	if (n > RM_OTHER_CODES)
		r->bad = 1;
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		a->other[i].code = (int32_t)rm_get_u32(r);
		a->other[i].n = rm_get_u64(r);
	}
	a->n_other = r->bad ? 0 : (size_t)n;
	n = rm_get_count(r, 16);
	if (grow((void **)&a->infer, &a->cap_infer, n, sizeof *a->infer) < 0)
		return -1;
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		a->infer[i].user = rm_get_u64(r);
		a->infer[i].revoked_ms = rm_get_i64(r);
	}
	a->n_infer = r->bad ? 0 : n;
	a->fam_none.row = rm_get_u32(r);
	a->fam_none.presentations = rm_get_u64(r);
	if (a->fam_none.row && a->fam_none.row != ROW_OTHER)
		r->bad = 1;
	n = rm_get_count(r, 8 + 4 + 4 + 4 + 8);
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		uint64_t key = rm_get_u64(r);
		char *app = rm_get_str(r), *platform = rm_get_str(r);
		uint32_t row = rm_get_u32(r);
		uint64_t pres = rm_get_u64(r);

		if (r->bad || !app || !platform) {
			free(app);
			r->bad = 1;
		} else if (rm_fam_restore(a, key, app, platform, row, pres) < 0) {
			r->bad = 1; /* it took app */
		}
		free(platform);
	}
	if (!r->bad && !rows_ok(a))
		r->bad = 1;
	return 0;
}

int rm_analyzer_load_from(struct rm_analyzer *a, const void *buf, size_t len, size_t *used,
                          const struct rm_load_progress *p, const char **why)
{
	struct loader l = {{buf, len, 0, 0}, p, 0};
	struct rm_rd *r = &l.r;
	uint32_t version = 0;
	int rc = -1;
	struct user *u;

	*why = "truncated or inconsistent analyzer state";
	if (load_header(a, r, why, &version) < 0 || load_users(a, r) < 0 || load_clients(a, r) < 0 ||
	    load_stale(a, r) < 0 || load_seen_inter(a, r) < 0 || load_lists(a, r) < 0 ||
	    load_codes_families(a, r) < 0)
		goto out;
	/* user positions must point inside the list they index */
	for (size_t k = 0; !r->bad && (u = rm_table_next(&a->users, &k));) {
		if (u->enf_pos > a->n_enf)
			u->enf_pos = 0;
		if (u->old_enf_pos > a->n_enf)
			u->old_enf_pos = 0;
	}
	if (r->bad)
		goto out;
	a->enf_compact_at = 2 * a->n_enf + 1024;
	a->pend_compact_at = 2 * a->n_pend + 1024;
	*used = r->pos;
	rc = 0;
out:
	return rc;
}

int rm_analyzer_load(struct rm_analyzer *a, const void *buf, size_t len, const char **why)
{
	size_t used = 0;

	if (rm_analyzer_load_from(a, buf, len, &used, NULL, why) < 0)
		return -1;
	if (used == len)
		return 0;
	*why = "truncated or inconsistent analyzer state";
	return -1;
}
