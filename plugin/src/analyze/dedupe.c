#include "dedupe.h"

#include <stdlib.h>
#include <string.h>

#define LOAD_MAX 80 /* % of a generation's slots used before it grows */
#define FIRST_CAP 64

static inline size_t home(uint64_t key, size_t cap)
{
	key ^= key >> 31;
	key *= 0x94d049bb133111ebULL;
	key ^= key >> 29;
#ifdef __SIZEOF_INT128__
	return (size_t)(((unsigned __int128)key * cap) >> 64);
#else
	return (size_t)(((key >> 32) * (uint64_t)(uint32_t)cap) >> 32); /* cap < 2^32 there */
#endif
}

void rm_dedupe_init(struct rm_dedupe *d, int64_t span_ms)
{
	memset(d, 0, sizeof *d);
	d->span_ms = span_ms > 0 ? span_ms : 1;
}

void rm_dedupe_free(struct rm_dedupe *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->g[i].slot);
	d->n = 0;
}

static int has(const struct rm_dedupe_gen *g, uint64_t key)
{
	for (size_t i = home(key, g->cap);; i = i + 1 == g->cap ? 0 : i + 1) {
		if (g->slot[i] == key)
			return 1;
		if (!g->slot[i])
			return 0;
	}
}

static void put(uint64_t *slot, size_t cap, uint64_t key)
{
	size_t i = home(key, cap);

	while (slot[i])
		i = i + 1 == cap ? 0 : i + 1;
	slot[i] = key;
}

/* Room for one more key in g: a set of 1.8 times its keys. */
static int room(struct rm_dedupe_gen *g)
{
	size_t cap;
	uint64_t *ns;

	if (g->cap && (g->count + 1) * 100 <= g->cap * LOAD_MAX)
		return 0;
	cap = g->count < FIRST_CAP / 2 ? FIRST_CAP : g->count + g->count * 4 / 5;
	ns = calloc(cap, sizeof *ns);
	if (!ns)
		return -1;
	for (size_t i = 0; i < g->cap; i++)
		if (g->slot[i])
			put(ns, cap, g->slot[i]);
	free(g->slot);
	g->slot = ns;
	g->cap = cap;
	return 0;
}

/* The generation for event time t: the one covering it; else a new one
 * (span_ms wide, on a multiple of it); else, all in use, the nearest one,
 * widened to cover t (dropped later, never earlier, than t needs). */
static struct rm_dedupe_gen *gen_for(struct rm_dedupe *d, int64_t t)
{
	int64_t from = t / d->span_ms * d->span_ms;
	size_t best = 0;
	uint64_t best_gap = UINT64_MAX;

	if (t < 0 && from != t)
		from -= d->span_ms;
	for (size_t i = 0; i < d->n; i++) {
		struct rm_dedupe_gen *g = &d->g[i];
		uint64_t gap;

		if (t >= g->from_ms && t < g->to_ms)
			return g;
		gap = t < g->from_ms ? (uint64_t)g->from_ms - (uint64_t)t
		                     : (uint64_t)t - (uint64_t)g->to_ms;
		if (gap < best_gap) {
			best_gap = gap;
			best = i;
		}
	}
	if (d->n < RM_DEDUPE_GENS) {
		struct rm_dedupe_gen *g = &d->g[d->n++];

		memset(g, 0, sizeof *g);
		g->from_ms = from;
		g->to_ms = from > INT64_MAX - d->span_ms ? INT64_MAX : from + d->span_ms;
		return g;
	}
	if (t < d->g[best].from_ms)
		d->g[best].from_ms = t;
	else
		d->g[best].to_ms = t == INT64_MAX ? INT64_MAX : t + 1;
	return &d->g[best];
}

int rm_dedupe_add(struct rm_dedupe *d, uint64_t key, int64_t t, int64_t floor_ms)
{
	struct rm_dedupe_gen *g;

	for (size_t i = 0; i < d->n; i++)
		if (d->g[i].count && has(&d->g[i], key))
			return 1;
	g = gen_for(d, t);
	if (g->cap && (g->count + 1) * 100 > g->cap * LOAD_MAX) {
		/* forget what the horizon no longer needs before growing */
		rm_dedupe_expire(d, floor_ms);
		g = gen_for(d, t);
	}
	if (room(g) < 0)
		return -1;
	put(g->slot, g->cap, key);
	g->count++;
	return 0;
}

void rm_dedupe_expire(struct rm_dedupe *d, int64_t floor_ms)
{
	size_t j = 0;

	for (size_t i = 0; i < d->n; i++) {
		if (d->g[i].to_ms <= floor_ms) {
			free(d->g[i].slot);
			continue;
		}
		d->g[j++] = d->g[i];
	}
	d->n = j;
}

size_t rm_dedupe_count(const struct rm_dedupe *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->g[i].count;
	return n;
}

size_t rm_dedupe_bytes(const struct rm_dedupe *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->g[i].cap * sizeof *d->g[i].slot;
	return n;
}

int rm_dedupe_restore(struct rm_dedupe *d, int64_t from_ms, int64_t to_ms, uint64_t *slot,
                      size_t cap)
{
	size_t count = 0;
	struct rm_dedupe_gen *g;

	for (size_t i = 0; i < cap; i++)
		count += slot[i] != 0;
	/* a set with no empty slot would make a lookup loop forever */
	if (d->n == RM_DEDUPE_GENS || from_ms >= to_ms || !cap || count == cap) {
		free(slot);
		return -1;
	}
	g = &d->g[d->n++];
	*g = (struct rm_dedupe_gen){from_ms, to_ms, slot, cap, count};
	return 0;
}
