/* The record ids seen within dedupe_horizon, so that no record is counted
 * twice.
 *
 * An id is kept as its full 64-bit key (the same key the analyzer always
 * deduplicated by: no shorter fingerprint, so no new collision), with no
 * time beside it: ids are grouped in generations by their record's event
 * time, each a plain open-addressing set of keys, and a generation is
 * dropped whole once every time it covers is older than the horizon. A
 * lookup asks every generation (at most RM_DEDUPE_GENS), so the same
 * record is found whatever time another shape gave it.
 *
 * Exactness: a key is never dropped while its generation may hold a time
 * within the horizon, so no record is counted twice within it; two records
 * are taken for one only if their ids' 64-bit keys collide, with
 * probability at most n^2 / 2^65 for n ids kept (3e-6 for ten million),
 * as before generations. Memory: 8 bytes a key at 55 to 80 % load, no
 * time per key; a generation grows alone, so growing never copies more
 * than one. */
#ifndef RM_DEDUPE_H
#define RM_DEDUPE_H

#include <stddef.h>
#include <stdint.h>

#define RM_DEDUPE_GENS 16

struct rm_dedupe_gen {
	int64_t from_ms, to_ms; /* the event times [from, to) it holds */
	uint64_t *slot;         /* 0: empty */
	size_t cap, count;
};

struct rm_dedupe {
	struct rm_dedupe_gen g[RM_DEDUPE_GENS];
	size_t n;
	int64_t span_ms; /* a new generation's width */
};

/* span_ms: the width of a generation (a quarter of the horizon). */
void rm_dedupe_init(struct rm_dedupe *d, int64_t span_ms);
void rm_dedupe_free(struct rm_dedupe *d);
/* 1 when key was seen, else 0 and it is remembered under event time t;
 * -1 when memory runs out (then it is not remembered). Before taking more
 * memory it forgets the generations wholly before floor_ms (so ids are
 * kept at least that long, and longer while they cost nothing). */
int rm_dedupe_add(struct rm_dedupe *d, uint64_t key, int64_t t, int64_t floor_ms);
/* Forget the generations whose every time is before floor_ms. */
void rm_dedupe_expire(struct rm_dedupe *d, int64_t floor_ms);
size_t rm_dedupe_count(const struct rm_dedupe *d);
size_t rm_dedupe_bytes(const struct rm_dedupe *d);
/* Append a generation read back from a state file, taking slot (cap
 * entries, count of them nonzero, at least one zero). 0, or -1 when
 * refused (slot is then freed). */
int rm_dedupe_restore(struct rm_dedupe *d, int64_t from_ms, int64_t to_ms, uint64_t *slot,
                      size_t cap);

#endif
