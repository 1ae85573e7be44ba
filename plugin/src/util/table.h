/* An open-addressing hash table of fixed-size records keyed by a 64-bit hash.
 *
 * Records live inline in the slot array, their first 8 bytes being the key
 * (0 marks an empty slot, so callers never use key 0; rm_key_of maps 0 away).
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
	unsigned char *slots;
	size_t cap;   /* a power of two, or 0 */
	size_t count;
	size_t rec;   /* record size, >= 8 */
	rm_keep_fn keep;
	void *keep_ctx;
};

void rm_table_init(struct rm_table *t, size_t rec, rm_keep_fn keep, void *keep_ctx);
void rm_table_free(struct rm_table *t);
void *rm_table_find(const struct rm_table *t, uint64_t key);
/* Find or insert (zeroed, key set; *created = 1). NULL when memory runs out. */
void *rm_table_upsert(struct rm_table *t, uint64_t key, int *created);
/* Drop every record the keep function rejects; shrinks when mostly empty.
 * Returns 0, or -1 on no memory (the table is then unchanged). */
int rm_table_filter(struct rm_table *t);
/* Iterate: for (i = 0; (r = rm_table_next(t, &i)) != NULL;) */
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
