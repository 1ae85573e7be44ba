#include "table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LOAD_MAX 85   /* % of index slots used before it grows */
#define LOAD_MIN 20   /* % below which a rebuilt index shrinks */
#define CHUNK_BYTES (1u << 20)
#define FIRST_CHUNK 16 /* records in a table's first chunk */
#define ID_BITS 27     /* record numbers + 1 in a slot's low bits */
#define ID_MASK ((1u << ID_BITS) - 1)
#define MAX_RECORDS ((size_t)ID_MASK - 1)

static inline uint64_t rec_key(const unsigned char *r)
{
	uint64_t k;

	memcpy(&k, r, sizeof k);
	return k;
}

static inline unsigned char *rec_at(const struct rm_table *t, size_t i)
{
	return t->chunk[i >> t->shift] + (i & (((size_t)1 << t->shift) - 1)) * t->rec;
}

/* Keys are hashes already; mix once more so sequential keys spread. */
static inline uint64_t mix(uint64_t key)
{
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 32;
	return key;
}

/* m scaled to [0, cap): any capacity, not only powers of two. */
static inline size_t home(uint64_t m, size_t cap)
{
#ifdef __SIZEOF_INT128__
	return (size_t)(((unsigned __int128)m * cap) >> 64);
#else
	return (size_t)(((m >> 32) * (uint64_t)(uint32_t)cap) >> 32); /* cap < 2^32 there */
#endif
}

/* The slot's tag: key bits home() hardly uses, so that most probes that
 * meet another record never touch it. */
static inline uint32_t tag_of(uint64_t m)
{
	return (uint32_t)(m & 31) << ID_BITS;
}

void rm_table_init(struct rm_table *t, size_t rec, rm_keep_fn keep, void *keep_ctx)
{
	memset(t, 0, sizeof *t);
	t->rec = rec;
	t->keep = keep;
	t->keep_ctx = keep_ctx;
	t->shift = 4;
	while (((size_t)2 << t->shift) * rec <= CHUNK_BYTES)
		t->shift++;
}

static void drop_index(struct rm_table *t)
{
	free(t->index);
	t->index = NULL;
	t->icap = 0;
	t->indexed = 0;
}

void rm_table_free(struct rm_table *t)
{
	for (size_t i = 0; i < t->n_chunk; i++)
		free(t->chunk[i]);
	free(t->chunk);
	t->chunk = NULL;
	t->n_chunk = t->cap_chunk = t->last_cap = t->count = 0;
	drop_index(t);
}

static size_t capacity(const struct rm_table *t)
{
	return t->n_chunk ? ((t->n_chunk - 1) << t->shift) + t->last_cap : 0;
}

/* A full chunk is about to be filled: fault its pages in with one call
 * rather than one fault each (where the kernel can; else they fault as
 * they are written). */
static void prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t from = ((uintptr_t)p + page - 1) & ~(page - 1), to = ((uintptr_t)p + n) & ~(page - 1);

	if (to > from)
		(void)madvise((void *)from, to - from, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)n;
#endif
}

/* Room for one more record: the last chunk doubles until full, then a new
 * chunk is added (full chunks never move). 0, or -1 on no memory. */
static int room_for_one(struct rm_table *t)
{
	size_t full = (size_t)1 << t->shift;
	unsigned char *c;

	if (t->count < capacity(t))
		return 0;
	if (t->count >= MAX_RECORDS)
		return -1;
	if (t->n_chunk && t->last_cap < full) {
		size_t cap = t->last_cap * 2 < full ? t->last_cap * 2 : full;

		c = realloc(t->chunk[t->n_chunk - 1], cap * t->rec);
		if (!c)
			return -1;
		t->chunk[t->n_chunk - 1] = c;
		t->last_cap = cap;
		return 0;
	}
	if (t->n_chunk == t->cap_chunk) {
		size_t cap = t->cap_chunk ? t->cap_chunk * 2 : 4;
		unsigned char **p = realloc(t->chunk, cap * sizeof *p);

		if (!p)
			return -1;
		t->chunk = p;
		t->cap_chunk = cap;
	}
	c = malloc((t->n_chunk ? full : FIRST_CHUNK < full ? FIRST_CHUNK : full) * t->rec);
	if (!c)
		return -1;
	if (t->n_chunk)
		prefault(c, full * t->rec);
	t->last_cap = t->n_chunk ? full : FIRST_CHUNK < full ? FIRST_CHUNK : full;
	t->chunk[t->n_chunk++] = c;
	return 0;
}

static void index_put(struct rm_table *t, size_t id)
{
	uint64_t m = mix(rec_key(rec_at(t, id)));
	size_t i = home(m, t->icap);

	while (t->index[i])
		i = i + 1 == t->icap ? 0 : i + 1;
	t->index[i] = tag_of(m) | (uint32_t)(id + 1);
}

/* (Re)build the index for the records, sized for one more (for twice as
 * many when grow is set); the old one is freed first, so building never
 * holds two. 0, or -1 on no memory. */
static int build_index(struct rm_table *t, int grow)
{
	size_t want = 2 * (t->count + 1) < 16 ? 16 : 2 * (t->count + 1);

	if (!t->index || grow || (t->count + 1) * 100 > t->icap * LOAD_MAX ||
	    (t->icap > 16 && t->count * 100 < t->icap * LOAD_MIN)) {
		drop_index(t);
		t->index = calloc(want, sizeof *t->index);
		if (!t->index)
			return -1;
		t->icap = want;
	} else {
		memset(t->index, 0, t->icap * sizeof *t->index);
	}
	for (size_t id = 0; id < t->count; id++)
		index_put(t, id);
	t->indexed = 1;
	return 0;
}

void *rm_table_find(const struct rm_table *ct, uint64_t key)
{
	/* the index is a cache of the records: building it changes no record */
	struct rm_table *t = (struct rm_table *)ct;
	uint64_t m = mix(key);
	uint32_t tag = tag_of(m);
	size_t i;

	if (!t->count || (!t->indexed && build_index(t, 0) < 0))
		return NULL;
	for (i = home(m, t->icap);; i = i + 1 == t->icap ? 0 : i + 1) {
		uint32_t s = t->index[i];
		unsigned char *r;

		if (!s)
			return NULL;
		if ((s & ~ID_MASK) != tag)
			continue;
		r = rec_at(t, (s & ID_MASK) - 1);
		if (rec_key(r) == key)
			return r;
	}
}

void *rm_table_append(struct rm_table *t, uint64_t key)
{
	unsigned char *r;

	if (room_for_one(t) < 0)
		return NULL;
	r = rec_at(t, t->count);
	memset(r, 0, t->rec);
	memcpy(r, &key, sizeof key);
	t->count++;
	if (t->indexed && t->count * 100 <= t->icap * LOAD_MAX)
		index_put(t, t->count - 1);
	else
		drop_index(t); /* rebuilt, larger, when a lookup needs it */
	return r;
}

int rm_table_reserve(struct rm_table *t, size_t n)
{
	while (capacity(t) < n) {
		size_t had = t->count;

		/* room_for_one grows by a chunk (or doubles the last) at a time */
		t->count = capacity(t);
		if (room_for_one(t) < 0) {
			t->count = had;
			return -1;
		}
		t->count = had;
	}
	return 0;
}

void *rm_table_upsert(struct rm_table *t, uint64_t key, int *created)
{
	void *r = rm_table_find(t, key);

	*created = 0;
	if (r)
		return r;
	if ((t->count + 1) * 100 > t->icap * LOAD_MAX) {
		size_t before = t->count;

		/* Drop what no longer matters before growing the index; grow
		 * anyway when that freed little, or every insert would filter. */
		if (t->count && t->keep)
			(void)rm_table_filter(t);
		if (build_index(t, t->count * 4 > before * 3) < 0)
			return NULL;
	} else if (!t->indexed && build_index(t, 0) < 0) {
		return NULL;
	}
	r = rm_table_append(t, key);
	if (r)
		*created = 1;
	return r;
}

int rm_table_filter(struct rm_table *t)
{
	size_t j = 0, full = (size_t)1 << t->shift, need;

	if (!t->keep)
		return 0;
	for (size_t i = 0; i < t->count; i++) {
		unsigned char *r = rec_at(t, i);

		if (!t->keep(r, t->keep_ctx))
			continue;
		if (j != i)
			memcpy(rec_at(t, j), r, t->rec);
		j++;
	}
	if (j == t->count)
		return 0; /* nothing moved: the index still holds */
	t->count = j;
	drop_index(t);
	/* free the chunks past the survivors (the last one kept whole) */
	need = (j + full - 1) >> t->shift;
	if (need == 0 && t->n_chunk)
		need = 1;
	while (t->n_chunk > need) {
		free(t->chunk[--t->n_chunk]);
		t->last_cap = full;
	}
	return 0;
}

void *rm_table_next(const struct rm_table *t, size_t *i)
{
	if (*i >= t->count)
		return NULL;
	return rec_at(t, (*i)++);
}

size_t rm_table_bytes(const struct rm_table *t)
{
	return capacity(t) * t->rec + t->cap_chunk * sizeof *t->chunk + t->icap * sizeof *t->index;
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
