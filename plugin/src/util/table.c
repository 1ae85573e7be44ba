#include "table.h"

#include <stdlib.h>
#include <string.h>

#define LOAD_NUM 7 /* grow above 70 % */
#define LOAD_DEN 10

static inline uint64_t rec_key(const unsigned char *r)
{
	uint64_t k;

	memcpy(&k, r, sizeof k);
	return k;
}

static inline size_t home(uint64_t key, size_t cap)
{
	/* Keys are hashes already; mix once more so sequential keys spread. */
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 32;
	return (size_t)key & (cap - 1);
}

void rm_table_init(struct rm_table *t, size_t rec, rm_keep_fn keep, void *keep_ctx)
{
	memset(t, 0, sizeof *t);
	t->rec = rec;
	t->keep = keep;
	t->keep_ctx = keep_ctx;
}

void rm_table_free(struct rm_table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->count = 0;
}

void *rm_table_find(const struct rm_table *t, uint64_t key)
{
	size_t i;

	if (!t->cap)
		return NULL;
	for (i = home(key, t->cap);; i = (i + 1) & (t->cap - 1)) {
		unsigned char *r = t->slots + i * t->rec;
		uint64_t k = rec_key(r);

		if (k == key)
			return r;
		if (k == 0)
			return NULL;
	}
}

/* Move every record (those keep accepts, when filtering) into a new array. */
static int rehash(struct rm_table *t, size_t cap, int filtering)
{
	unsigned char *ns = calloc(cap, t->rec);
	size_t count = 0;

	if (!ns)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		unsigned char *r = t->slots + i * t->rec;
		uint64_t k = rec_key(r);
		size_t j;

		if (!k)
			continue;
		if (filtering && t->keep && !t->keep(r, t->keep_ctx))
			continue;
		for (j = home(k, cap); rec_key(ns + j * t->rec); j = (j + 1) & (cap - 1))
			;
		memcpy(ns + j * t->rec, r, t->rec);
		count++;
	}
	free(t->slots);
	t->slots = ns;
	t->cap = cap;
	t->count = count;
	return 0;
}

int rm_table_filter(struct rm_table *t)
{
	size_t cap = t->cap;

	if (!cap)
		return 0;
	if (rehash(t, cap, 1) < 0)
		return -1;
	/* Shrink a mostly-empty table; a failed shrink leaves it valid. */
	while (cap > 64 && t->count * LOAD_DEN < (cap / 4) * LOAD_NUM)
		cap /= 2;
	if (cap != t->cap)
		(void)rehash(t, cap, 0);
	return 0;
}

void *rm_table_upsert(struct rm_table *t, uint64_t key, int *created)
{
	void *r = rm_table_find(t, key);
	size_t i;

	*created = 0;
	if (r)
		return r;
	if ((t->count + 1) * LOAD_DEN > t->cap * LOAD_NUM) {
		size_t before = t->count;

		/* Drop what no longer matters before deciding to grow. */
		if (t->cap && t->keep && rehash(t, t->cap, 1) < 0)
			return NULL;
		if (!t->cap || (t->count + 1) * LOAD_DEN > t->cap * LOAD_NUM ||
		    t->count * 4 > before * 3) {
			if (rehash(t, t->cap ? t->cap * 2 : 64, 0) < 0)
				return NULL;
		}
	}
	for (i = home(key, t->cap); rec_key(t->slots + i * t->rec); i = (i + 1) & (t->cap - 1))
		;
	r = t->slots + i * t->rec;
	memcpy(r, &key, sizeof key);
	t->count++;
	*created = 1;
	return r;
}

void *rm_table_next(const struct rm_table *t, size_t *i)
{
	for (; *i < t->cap; (*i)++) {
		unsigned char *r = t->slots + *i * t->rec;
		if (rec_key(r)) {
			(*i)++;
			return r;
		}
	}
	return NULL;
}

size_t rm_table_bytes(const struct rm_table *t)
{
	return t->cap * t->rec;
}

uint64_t rm_hash(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = seed ^ (0x9e3779b97f4a7c15ULL * (n + 1));

	while (n >= 8) {
		uint64_t w;

		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
		s += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;

		memcpy(&w, s, n);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h ? h : 1;
}
