/* Fixed-width serialization for the state file: a writer into a growable
 * buffer and a bounds-checked reader over a buffer (a pure function of its
 * input; every read past the end sets .bad and yields zeros). */
#ifndef RM_WIRE_H
#define RM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct rm_rd {
	const unsigned char *p;
	size_t n, pos;
	int bad;
};

int rm_put_u64(struct rm_buf *b, uint64_t v);
int rm_put_u32(struct rm_buf *b, uint32_t v);
int rm_put_i64(struct rm_buf *b, int64_t v);
int rm_put_f64(struct rm_buf *b, double v);
/* A string (NULL allowed) as a length and its bytes. */
int rm_put_str(struct rm_buf *b, const char *s);

uint64_t rm_get_u64(struct rm_rd *r);
uint32_t rm_get_u32(struct rm_rd *r);
int64_t rm_get_i64(struct rm_rd *r);
double rm_get_f64(struct rm_rd *r);
/* A new string the caller frees (NULL for a NULL string, or when bad). */
char *rm_get_str(struct rm_rd *r);
/* A count of items each at least min_bytes long: refuses counts the
 * remaining input cannot hold, so a forged count cannot make us allocate. */
uint64_t rm_get_count(struct rm_rd *r, size_t min_bytes);

#endif
