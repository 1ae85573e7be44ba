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
 * RM_JSON_TOO_DEEP / RM_JSON_INCOMPLETE) on malformed input; the error is
 * sticky and pos is then where it was found (the start of the key or value
 * that did not scan, the unexpected byte, or len). Keys are raw. The
 * iterator borrows buf; it owns nothing and needs no freeing. */
struct rm_json_iter {
	const char *buf;
	size_t len;
	size_t pos;   /* offset in buf: the next byte to read */
	int state;    /* private to json_scan.c */
	int key_esc;  /* the last key from rm_json_obj_key holds an escape */
};
void rm_json_obj_begin(struct rm_json_iter *it, const char *buf, size_t len);
int rm_json_obj_next(struct rm_json_iter *it, struct rm_str *key, struct rm_json_val *v);

/* Same for arrays (buf[0] must be '['). */
void rm_json_arr_begin(struct rm_json_iter *it, const char *buf, size_t len);
int rm_json_arr_next(struct rm_json_iter *it, struct rm_json_val *v);

/* Walking in place, for readers that descend into the few values they need
 * and skip the rest in the same pass over the bytes (records.c):
 *
 *     while ((r = rm_json_obj_key(&it, &key)) > 0) {
 *         if (wanted(key) && it.buf[it.pos] == '{') {
 *             rm_json_obj_enter(&it, &sub);
 *             while ((r = rm_json_obj_key(&sub, &k2)) > 0) ...
 *             if (r < 0 || rm_json_iter_leave(&it, &sub) < 0) ...error
 *         } else if (rm_json_iter_value(&it, &v) < 0) ...error
 *     }
 *
 * rm_json_obj_key / rm_json_arr_elem step to the next member (its raw key in
 * *key) or element and stop at its value, unconsumed, at it->pos; they return
 * 1, 0 at the container's end, <0 on malformed input, as rm_json_obj_next
 * does. A value left unconsumed is skipped (and validated) by the next step. */
int rm_json_obj_key(struct rm_json_iter *it, struct rm_str *key);
int rm_json_arr_elem(struct rm_json_iter *it);

/* Consume the value at it->pos into *v (a slice of buf, as rm_json_obj_next
 * gives): RM_JSON_OK, or <0 (the iterator has failed). */
int rm_json_iter_value(struct rm_json_iter *it, struct rm_json_val *v);

/* Start *sub on the object / array at it->pos (the member's value); sub
 * borrows its buffer and positions, and fails at its first step when the
 * value is not that container. When sub has returned 0, rm_json_iter_leave
 * moves it past the container: RM_JSON_OK, or RM_JSON_BAD (it fails) when sub
 * has not reached its end. The whole container is not scanned ahead, so no
 * depth limit applies to it; its scalar and skipped members are validated as
 * rm_json_value_end does. */
void rm_json_obj_enter(const struct rm_json_iter *it, struct rm_json_iter *sub);
void rm_json_arr_enter(const struct rm_json_iter *it, struct rm_json_iter *sub);
int rm_json_iter_leave(struct rm_json_iter *it, const struct rm_json_iter *sub);

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

/* 1 when rm_json_unescape would decode raw given room enough (valid escapes,
 * paired surrogates, UTF-8, no raw control character), else 0. Writes nothing. */
int rm_json_str_valid(struct rm_str raw);

/* Parse a JSON number value as an integer; 0 ok, -1 not an integer in range. */
int rm_json_int64(struct rm_json_val v, int64_t *out);

#endif
