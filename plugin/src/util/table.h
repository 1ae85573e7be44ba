/* A hash table of fixed-size records keyed by a 64-bit hash.
 *
 * Records are stored densely, in insertion order, in chunks that never move
 * once full; a separate index of 32-bit slots finds them. So a table costs
 * its records plus about 6 bytes each, it grows without ever holding two
 * copies of its records, and iterating or filtering it needs no index at
 * all: the index is built when a lookup first needs it (a state just loaded
 * and only read never builds one).
 *
 * A record's first 8 bytes are its key (never 0; rm_key_of maps 0 away).
 * Pointers to records are valid until the next insert or filter. Memory is
 * bounded by the live records: before growing, the table drops the records
 * its keep function says are no longer needed. */
#ifndef RM_TABLE_H
#define RM_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* Return 1 to keep rec, 0 to drop it (after releasing what it owns). */
typedef int (*rm_keep_fn)(void *rec, void *ctx);

struct rm_table {
	unsigned char **chunk; /* chunk[i] holds records i << shift .. */
	size_t n_chunk, cap_chunk;
	size_t last_cap;       /* records the last chunk has room for */
	unsigned shift;        /* log2 of the records in a full chunk */
	size_t count;          /* records [0, count) are live */
	size_t rec;            /* record size, >= 8 */
	uint32_t *index;       /* 0: empty, else tag bits and record number + 1 */
	size_t icap;           /* slots in index */
	int indexed;           /* index describes the records */
	rm_keep_fn keep;
	void *keep_ctx;
};

void rm_table_init(struct rm_table *t, size_t rec, rm_keep_fn keep, void *keep_ctx);
void rm_table_free(struct rm_table *t);
/* The record under key, or NULL. Builds the index on first use. */
void *rm_table_find(const struct rm_table *t, uint64_t key);
/* Find or insert (zeroed, key set; *created = 1). NULL when memory runs out. */
void *rm_table_upsert(struct rm_table *t, uint64_t key, int *created);
/* Append a record under key without looking for it (loading a saved table
 * whose keys are known to differ): zeroed, key set. NULL on no memory. */
void *rm_table_append(struct rm_table *t, uint64_t key);
/* Make room for n records in all, so that loading n grows nothing.
 * 0, or -1 on no memory. */
int rm_table_reserve(struct rm_table *t, size_t n);
/* Drop every record the keep function rejects, in place; frees what the
 * survivors no longer need. Returns 0 (it needs no memory). */
int rm_table_filter(struct rm_table *t);
/* Iterate in insertion order: for (i = 0; (r = rm_table_next(t, &i)) != NULL;) */
void *rm_table_next(const struct rm_table *t, size_t *i);
/* Bytes held. */
size_t rm_table_bytes(const struct rm_table *t);

/* 64-bit hash of a byte string; never returns 0. */
uint64_t rm_hash(const void *p, size_t n, uint64_t seed);
static inline uint64_t rm_key_of(uint64_t h)
{
	return h ? h : 1;
}

#endif
