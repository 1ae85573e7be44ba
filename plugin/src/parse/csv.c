#include "csv.h"

#include <string.h>

/* A scan over buf[0..len): p is the next byte. */
struct cursor {
	const char *buf;
	size_t len;
	size_t p;
	int eof;
};

static int is_break(char c)
{
	return c == '\n' || c == '\r';
}

/* After a field: a separator, a line break or the end of what was read. */
static int field_ends(const struct cursor *c, size_t i)
{
	return i == c->len || c->buf[i] == ',' || is_break(c->buf[i]);
}

/* The quoted field at c->p (on its opening quote). OK with c->p past the
 * closing quote; BAD with c->p on the offending byte (len when the quote
 * never closes); INCOMPLETE when the answer lies past len. */
static int quoted_field(struct cursor *c, struct rm_csv_field *f)
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
	return field_ends(c, i) ? RM_CSV_OK : RM_CSV_BAD;
}

/* The field at c->p: OK with *f set and c->p just after it; BAD with c->p
 * on the offending byte; INCOMPLETE. */
static int field(struct cursor *c, struct rm_csv_field *f)
{
	size_t i = c->p;

	f->quoted = 0;
	f->has_escapes = 0;
	if (i < c->len && c->buf[i] == '"')
		return quoted_field(c, f);
	for (; !field_ends(c, i); i++) {
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
static int line_break(const char *buf, size_t len, size_t i, int eof, size_t *next)
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

size_t rm_csv_line_end(const char *buf, size_t len, size_t pos)
{
	size_t next;

	while (pos < len && !is_break(buf[pos]))
		pos++;
	line_break(buf, len, pos, 1, &next);
	return next;
}

/* Fields from c->p to the record's end: OK (*next past its line break, *n
 * fields counted, the first max stored), BAD (c->p on the offending byte)
 * or INCOMPLETE. */
static int fields_of(struct cursor *c, struct rm_csv_field *fields, size_t max, size_t *n,
                     size_t *next)
{
	struct rm_csv_field f;
	int r;

	for (;;) {
		r = field(c, &f);
		if (r != RM_CSV_OK)
			return r;
		if (*n < max)
			fields[*n] = f;
		(*n)++;
		if (c->p == c->len || c->buf[c->p] != ',')
			return line_break(c->buf, c->len, c->p, c->eof, next);
		c->p++;
	}
}

int rm_csv_row(const char *buf, size_t len, size_t pos, int eof, struct rm_csv_field *fields,
               size_t max_fields, size_t *n_fields, size_t *end, size_t *bad_at)
{
	struct cursor c = {buf, len, pos, eof};
	size_t n = 0, next = len, i;
	int r;

	*n_fields = 0;
	*end = pos;
	/* blank lines are no record */
	while (c.p < len && is_break(buf[c.p]))
		c.p++;
	if (c.p == len)
		r = eof ? RM_CSV_END : RM_CSV_INCOMPLETE;
	else
		r = fields_of(&c, fields, max_fields, &n, &next);
	if (r == RM_CSV_BAD) {
		/* resume after the offending line, once its end is known */
		for (i = c.p; i < len && !is_break(buf[i]); i++)
			;
		if (line_break(buf, len, i, eof, &next) != RM_CSV_OK)
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

size_t rm_csv_unquote(struct rm_csv_field f, char *out, size_t cap)
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

size_t rm_csv_skip_bom(const char *buf, size_t len)
{
	return len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || is_break(c);
}

static struct rm_str trim(struct rm_str s)
{
	while (s.n && is_space(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

struct rm_str rm_csv_header_name(struct rm_csv_field f, char *scratch, size_t cap)
{
	static const char utc[] = " [UTC]";
	const size_t un = sizeof utc - 1;
	struct rm_str s = {f.p, f.n}, none = {NULL, 0};

	if (f.has_escapes) {
		s.n = rm_csv_unquote(f, scratch, cap);
		if (s.n >= cap)
			return none;
		s.p = scratch;
	}
	s = trim(s);
	/* the Log Analytics portal marks datetime columns so */
	if (s.n > un && memcmp(s.p + s.n - un, utc, un) == 0) {
		s.n -= un;
		s = trim(s);
	}
	return s;
}

/* A header label: a letter (or a UTF-8 byte), no control character. */
static int label_like(struct rm_csv_field f)
{
	int letter = 0;

	for (size_t i = 0; i < f.n; i++) {
		unsigned char ch = (unsigned char)f.p[i];

		if (ch < 0x20 || ch == 0x7f)
			return 0;
		letter |= (ch | 0x20) >= 'a' && (ch | 0x20) <= 'z';
		letter |= ch >= 0x80;
	}
	return letter;
}

int rm_csv_looks_like_header(const char *buf, size_t len)
{
	struct rm_csv_field f[16];
	size_t pos = rm_csv_skip_bom(buf, len), i = pos, n, end;
	int r;

	while (i < len && is_space(buf[i]))
		i++;
	if (i < len && (buf[i] == '{' || buf[i] == '['))
		return 0;
	r = rm_csv_row(buf, len, pos, 1, f, sizeof f / sizeof f[0], &n, &end, NULL);
	if ((r != RM_CSV_OK && r != RM_CSV_TOO_MANY) || n < 2)
		return 0;
	for (i = 0; i < n; i++)
		if (!label_like(f[i]))
			return 0;
	return 1;
}
