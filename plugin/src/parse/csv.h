/* An RFC 4180 CSV reader: pure functions over a buffer, one record a call.
 *
 * Written here rather than taken from libcsv, which keeps its parser state
 * inside its own object and copies every field into its own memory. This
 * reader keeps no state between calls: fields are zero-copy slices of the
 * caller's buffer, errors are byte offsets the caller can quote, and every
 * position it hands back is a record boundary, so the file source's saved
 * cursor (a byte offset in the state file) stays valid across runs.
 *
 * The dialect, as Entra and Log Analytics write it:
 *   - ',' separates fields; a field may be quoted ("..."), and a quoted field
 *     may hold commas, line breaks and doubled quotes ("" for ");
 *   - LF, CRLF and a lone CR each end a record (a lone CR as old Mac files,
 *     libcsv and Python's csv have it); a trailing comma is one more empty
 *     field; blank lines are skipped (they are no record); a line of spaces
 *     is a record of one field;
 *   - strict about quotes: a quote inside an unquoted field, or anything but
 *     ',' or a line break after a closing quote, makes the record bad;
 *   - a UTF-8 BOM is skipped only where the caller says the file starts
 *     (rm_csv_skip_bom). */
#ifndef RM_CSV_H
#define RM_CSV_H

#include <stddef.h>

#include "event.h"

/* Results of rm_csv_row */
#define RM_CSV_OK 0
#define RM_CSV_INCOMPLETE (-1) /* the record runs past len: keep buf[pos..], feed more */
#define RM_CSV_BAD (-2)        /* malformed: skip to *end, the end of the offending line */
#define RM_CSV_TOO_MANY (-3)   /* more than max_fields: the first max_fields are filled */
#define RM_CSV_END (-4)        /* at eof, nothing but blank lines from pos on */

/* A field: a borrowed slice of the caller's buffer, valid while it lives.
 * For a quoted field p..p+n is what lies between the quotes, doubled quotes
 * still doubled (has_escapes says whether there is one: rm_csv_unquote). */
struct rm_csv_field {
	const char *p;
	size_t n;
	int quoted;
	int has_escapes;
};

/* Parse the record that starts at buf[pos] (after any blank lines).
 * eof says that buf[len] is the end of the file, not only of what was read.
 *   RM_CSV_OK        fields[0..*n_fields) filled; *end is past its line break
 *                    (past len for a last record without one, at eof).
 *   RM_CSV_TOO_MANY  as OK with *n_fields = max_fields; the rest is dropped.
 *   RM_CSV_BAD       *end is past the line break that ends the physical line
 *                    holding the offending byte (len for an unterminated
 *                    quote at eof); *bad_at (when not NULL) is that byte.
 *   RM_CSV_INCOMPLETE only when !eof: the answer depends on bytes after len
 *                    (*end = pos). Any other answer is final: more bytes
 *                    would not change it, so the result never depends on
 *                    where a read cut the file. A caller whose buffer is full
 *                    and still gets INCOMPLETE (a stray quote) may give up on
 *                    the line with rm_csv_line_end.
 *   RM_CSV_END       only at eof: *end = len.
 * On OK, TOO_MANY and BAD, pos < *end <= len. fields may be NULL when
 * max_fields is 0 (to skip or count records). Nothing is allocated. */
int rm_csv_row(const char *buf, size_t len, size_t pos, int eof, struct rm_csv_field *fields,
               size_t max_fields, size_t *n_fields, size_t *end, size_t *bad_at);

/* Past the first line break (LF, CRLF, lone CR) at or after buf[pos], quotes
 * ignored; len when there is none. For skipping a line a caller gave up on. */
size_t rm_csv_line_end(const char *buf, size_t len, size_t pos);

/* Decode f into out[0..cap) (doubled quotes made single) and NUL-terminate,
 * as snprintf does: returns the decoded length, and out holds all of it only
 * when that is < cap. Never writes past cap; cap 0 writes nothing. */
size_t rm_csv_unquote(struct rm_csv_field f, char *out, size_t cap);

/* 3 when buf starts with a UTF-8 byte order mark, else 0: where the first
 * record starts. (Fewer than 3 bytes read are never a BOM.) */
size_t rm_csv_skip_bom(const char *buf, size_t len);

/* A header label as a column name: unquoted, surrounding whitespace trimmed
 * ("Application ID " in Entra admin center downloads), and a trailing
 * " [UTC]" dropped ("TimeGenerated [UTC]" in Log Analytics portal exports),
 * inner spaces kept ("Autonomous system  number"). The result borrows f's
 * buffer, or scratch when f has doubled quotes; {NULL, 0} when those do not
 * fit in scratch[0..cap). */
struct rm_str rm_csv_header_name(struct rm_csv_field f, char *scratch, size_t cap);

/* 1 when buf (the start of a file) opens with what looks like a CSV header
 * rather than JSON: after a BOM, not '{' or '[' (nor whitespace before
 * them), and a first record of at least two labels, each holding a letter
 * and no control character (the first 16 labels are looked at). The first
 * record is taken as complete at len. */
int rm_csv_looks_like_header(const char *buf, size_t len);

#endif
