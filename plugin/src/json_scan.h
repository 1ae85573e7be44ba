/* A selective, zero-copy JSON scanner: pure functions over a buffer.
 *
 * Nothing is allocated and nothing is copied; results are slices of the input.
 * The scanner validates structure (balanced containers, string termination,
 * literal and number syntax) for every byte it walks, so a truncated or
 * malformed record is reported, never misread. jansson is the reference it is
 * differentially tested against (tests/unit/test_json_diff.c). */
#ifndef RM_JSON_SCAN_H
#define RM_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum rm_json_type {
	RM_JSON_INVALID = 0,
	RM_JSON_OBJECT,
	RM_JSON_ARRAY,
	RM_JSON_STRING,
	RM_JSON_NUMBER,
	RM_JSON_TRUE,
	RM_JSON_FALSE,
	RM_JSON_NULL,
};

/* Results of rm_json_value_end */
#define RM_JSON_OK 0
#define RM_JSON_INCOMPLETE (-1) /* input ended inside the value: feed more bytes */
#define RM_JSON_BAD (-2)        /* not JSON */
#define RM_JSON_TOO_DEEP (-3)   /* nesting deeper than RM_JSON_MAX_DEPTH */

#define RM_JSON_MAX_DEPTH 64

/* Skip whitespace (space, tab, CR, LF) from buf[pos]; returns the new pos. */
size_t rm_json_skip_ws(const char *buf, size_t len, size_t pos);

/* Find the end of the JSON value starting at buf[pos] (no leading whitespace).
 * On RM_JSON_OK *end is one past its last byte and *type its type. */
int rm_json_value_end(const char *buf, size_t len, size_t pos, size_t *end,
                      enum rm_json_type *type);

/* A value found by the scanner. For strings, .s is the raw contents between
 * the quotes (escapes intact); for other types .s spans the whole value text. */
struct rm_json_val {
	enum rm_json_type type;
	struct rm_str s;
};

/* Iterate the members of the object in buf[0..len) (buf[0] must be '{').
 * Usage:
 *     struct rm_json_iter it; struct rm_str key; struct rm_json_val v;
 *     rm_json_obj_begin(&it, buf, len);
 *     while ((r = rm_json_obj_next(&it, &key, &v)) > 0) ...
 * rm_json_obj_next returns 1 for a member, 0 at the end, <0 (RM_JSON_BAD /
 * RM_JSON_TOO_DEEP / RM_JSON_INCOMPLETE) on malformed input. Keys are raw. */
struct rm_json_iter {
	const char *buf;
	size_t len;
	size_t pos;
	int state; /* 0 before the first member, 1 after a member, 2 done */
};
void rm_json_obj_begin(struct rm_json_iter *it, const char *buf, size_t len);
int rm_json_obj_next(struct rm_json_iter *it, struct rm_str *key, struct rm_json_val *v);

/* Same for arrays (buf[0] must be '['). */
void rm_json_arr_begin(struct rm_json_iter *it, const char *buf, size_t len);
int rm_json_arr_next(struct rm_json_iter *it, struct rm_json_val *v);

/* Look up one member of an object by (unescaped ASCII) key; 1 found, 0 not, <0 malformed. */
int rm_json_obj_get(const char *obj, size_t len, const char *key, struct rm_json_val *v);

/* Compare a raw key/string slice with a plain C string (the slice may hold escapes). */
int rm_json_str_eq(struct rm_str s, const char *lit);
/* Same, ASCII case-insensitive. */
int rm_json_str_eq_ci(struct rm_str s, const char *lit);

/* Decode raw string contents (escapes, \uXXXX with surrogate pairs) into
 * out[0..cap) as UTF-8 and NUL-terminate. Returns the decoded length, or -1 if
 * the escapes or the UTF-8 are invalid or the result does not fit. */
long rm_json_unescape(struct rm_str raw, char *out, size_t cap);

/* Parse a JSON number value as an integer; 0 ok, -1 not an integer in range. */
int rm_json_int64(struct rm_json_val v, int64_t *out);

#endif
