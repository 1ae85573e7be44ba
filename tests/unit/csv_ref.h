/* The CSV reader as it was before its SIMD scanning (one memchr per quote),
 * kept as the reference the test compares the reader with: the same
 * answers for every row, every cut and every decoding. */
#ifndef RM_CSV_REF_H
#define RM_CSV_REF_H

#include <string.h>

#include "csv.h"

/* A scan over buf[0..len): p is the next byte. */
struct ref_cursor {
	const char *buf;
	size_t len;
	size_t p;
	int eof;
};

static int ref_is_break(char c)
{
	return c == '\n' || c == '\r';
}

/* After a field: a separator, a line break or the end of what was read. */
static int ref_field_ends(const struct ref_cursor *c, size_t i)
{
	return i == c->len || c->buf[i] == ',' || ref_is_break(c->buf[i]);
}

/* The quoted field at c->p (on its opening quote). OK with c->p past the
 * closing quote; BAD with c->p on the offending byte (len when the quote
 * never closes); INCOMPLETE when the answer lies past len. */
static int ref_quoted_field(struct ref_cursor *c, struct rm_csv_field *f)
{
	size_t start = c->p + 1, i = start;
	const char *q;

	f->quoted = 1;
	for (;;) {
		q = memchr(c->buf + i, '"', c->len - i);
		if (!q) {
			c->p = c->len;
			return c->eof ? RM_CSV_BAD : RM_CSV_INCOMPLETE;
		}
		i = (size_t)(q - c->buf) + 1;
		/* a quote as the last byte read: closing, or the first of "" */
		if (i == c->len && !c->eof)
			return RM_CSV_INCOMPLETE;
		if (i == c->len || c->buf[i] != '"')
			break;
		f->has_escapes = 1;
		i++;
	}
	f->p = c->buf + start;
	f->n = i - 1 - start;
	c->p = i;
	return ref_field_ends(c, i) ? RM_CSV_OK : RM_CSV_BAD;
}

/* The field at c->p: OK with *f set and c->p just after it; BAD with c->p
 * on the offending byte; INCOMPLETE. */
static int ref_field(struct ref_cursor *c, struct rm_csv_field *f)
{
	size_t i = c->p;

	f->quoted = 0;
	f->has_escapes = 0;
	if (i < c->len && c->buf[i] == '"')
		return ref_quoted_field(c, f);
	for (; !ref_field_ends(c, i); i++) {
		if (c->buf[i] == '"') {
			c->p = i;
			return RM_CSV_BAD;
		}
	}
	f->p = c->buf + c->p;
	f->n = i - c->p;
	c->p = i;
	return RM_CSV_OK;
}

/* The line break at buf[i] (CR, LF, or i == len): *next is where the next
 * line starts. INCOMPLETE where that depends on what follows len: the end
 * of the file, or an LF after a CR. */
static int ref_line_break(const char *buf, size_t len, size_t i, int eof, size_t *next)
{
	if (i == len) {
		*next = len;
		return eof ? RM_CSV_OK : RM_CSV_INCOMPLETE;
	}
	*next = i + 1;
	if (buf[i] == '\r') {
		if (i + 1 == len && !eof)
			return RM_CSV_INCOMPLETE;
		if (i + 1 < len && buf[i + 1] == '\n')
			*next = i + 2;
	}
	return RM_CSV_OK;
}


/* Fields from c->p to the record's end: OK (*next past its line break, *n
 * fields counted, the first max stored), BAD (c->p on the offending byte)
 * or INCOMPLETE. */
static int ref_fields_of(struct ref_cursor *c, struct rm_csv_field *fields, size_t max, size_t *n,
                         size_t *next)
{
	struct rm_csv_field f;
	int r;

	for (;;) {
		r = ref_field(c, &f);
		if (r != RM_CSV_OK)
			return r;
		if (*n < max)
			fields[*n] = f;
		(*n)++;
		if (c->p == c->len || c->buf[c->p] != ',')
			return ref_line_break(c->buf, c->len, c->p, c->eof, next);
		c->p++;
	}
}

static int ref_csv_row(const char *buf, size_t len, size_t pos, int eof, struct rm_csv_field *fields,
                       size_t max_fields, size_t *n_fields, size_t *end, size_t *bad_at)
{
	struct ref_cursor c = {buf, len, pos, eof};
	size_t n = 0, next = len, i;
	int r;

	*n_fields = 0;
	*end = pos;
	/* blank lines are no record */
	while (c.p < len && ref_is_break(buf[c.p]))
		c.p++;
	if (c.p == len)
		r = eof ? RM_CSV_END : RM_CSV_INCOMPLETE;
	else
		r = ref_fields_of(&c, fields, max_fields, &n, &next);
	if (r == RM_CSV_BAD) {
		/* resume after the offending line, once its end is known */
		for (i = c.p; i < len && !ref_is_break(buf[i]); i++)
			;
		if (ref_line_break(buf, len, i, eof, &next) != RM_CSV_OK)
			r = RM_CSV_INCOMPLETE;
		else if (bad_at)
			*bad_at = c.p;
	}
	if (r == RM_CSV_INCOMPLETE)
		return r;
	if (r == RM_CSV_OK && n > max_fields)
		r = RM_CSV_TOO_MANY;
	if (r != RM_CSV_BAD)
		*n_fields = n < max_fields ? n : max_fields;
	*end = next;
	return r;
}

static size_t ref_csv_unquote(struct rm_csv_field f, char *out, size_t cap)
{
	size_t n = 0, i = 0;

	/* runs up to and with each quote in one copy; the second quote of a
	 * doubled pair is dropped */
	while (i < f.n) {
		const char *q = f.quoted ? memchr(f.p + i, '"', f.n - i) : NULL;
		size_t run = (q ? (size_t)(q - f.p) + 1 : f.n) - i;

		if (n + 1 < cap)
			memcpy(out + n, f.p + i, n + run < cap ? run : cap - 1 - n);
		n += run;
		i += run;
		if (q && i < f.n && f.p[i] == '"')
			i++;
	}
	if (cap)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}


#endif
