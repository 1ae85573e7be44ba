#include "csv.h"

#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

#ifdef __SSE2__
/* Bit i set where b[i] is one of the bytes in x..w (16 bytes read). */
static inline unsigned mask_of(const char *b, __m128i x, __m128i y, __m128i z, __m128i w)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)b);
	__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, x), _mm_cmpeq_epi8(v, y)),
	                         _mm_or_si128(_mm_cmpeq_epi8(v, z), _mm_cmpeq_epi8(v, w)));

	return (unsigned)_mm_movemask_epi8(m);
}

/* The quotes of a block (m: its quote mask, up to 32 bits; carry 1 when
 * the byte before it is the first quote of a pair): *keep the first of each
 * pair, *drop the second, by the parity of the quotes before them (a prefix
 * XOR). Only the carry goes from one block to the next, so the next block's
 * loads need not wait for this one's sums. */
static inline void quote_pairs(uint32_t m, uint32_t carry, uint32_t *keep, uint32_t *drop)
{
	uint32_t p = m;

	p ^= p << 1;
	p ^= p << 2;
	p ^= p << 4;
	p ^= p << 8;
	p ^= p << 16;
	p ^= 0u - carry;
	*keep = m & p;
	*drop = m & ~p;
}

/* The quote mask of the 32 bytes at b. */
static inline uint32_t quotes32(const char *b)
{
	const __m128i q = _mm_set1_epi8('"');
	__m128i lo = _mm_loadu_si128((const __m128i *)(const void *)b);
	__m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(b + 16));

	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(lo, q)) |
	       (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(hi, q)) << 16;
}
#endif

/* The quote that closes a quoted field whose contents start at i: the first
 * '"' not followed by another ('""' is an escaped quote, *esc set), or len.
 * A quote at len - 1 is returned: whether it closes depends on what follows.
 * JSON text in cells doubles a quote every few bytes, so a block of 32 is
 * read at once and the pairs are told from the closer by their parity, with
 * no branch per quote. */
static size_t closing_quote(const char *b, size_t len, size_t i, int *esc)
{
#ifdef __SSE2__
	uint32_t carry = 0;

	while (i + 32 <= len) {
		uint32_t m = quotes32(b + i), keep, drop, lone;

		quote_pairs(m, carry, &keep, &drop);
		if (carry && !(m & 1u))
			return i - 1; /* the last block's last quote closes */
		/* a first quote not followed by a quote closes (before it, all
		 * pairs); one at the block's last byte waits for the next block */
		lone = keep & ~(m >> 1) & 0x7fffffffu;
		if (lone) {
			unsigned k = (unsigned)__builtin_ctz(lone);

			*esc |= (drop & ((1u << k) - 1)) != 0;
			return i + k;
		}
		*esc |= drop != 0;
		carry = keep >> 31;
		i += 32;
	}
	if (carry) {
		if (i == len || b[i] != '"')
			return i - 1;
		*esc = 1;
		i++;
	}
#endif
	for (; i < len; i++) {
		if (b[i] != '"')
			continue;
		if (i + 1 == len || b[i + 1] != '"')
			return i;
		*esc = 1;
		i++;
	}
	return len;
}

/* The quoted field at c->p (on its opening quote). OK with c->p past the
 * closing quote; BAD with c->p on the offending byte (len when the quote
 * never closes); INCOMPLETE when the answer lies past len. */
static int quoted_field(struct cursor *c, struct rm_csv_field *f)
{
	size_t start = c->p + 1, i;

	f->quoted = 1;
	i = closing_quote(c->buf, c->len, start, &f->has_escapes);
	if (i == c->len) {
		c->p = c->len;
		return c->eof ? RM_CSV_BAD : RM_CSV_INCOMPLETE;
	}
	i++;
	/* a quote as the last byte read: closing, or the first of "" */
	if (i == c->len && !c->eof)
		return RM_CSV_INCOMPLETE;
	f->p = c->buf + start;
	f->n = i - 1 - start;
	c->p = i;
	return field_ends(c, i) ? RM_CSV_OK : RM_CSV_BAD;
}

/* The first ',', '"', CR or LF at or after i, or len: the end of an
 * unquoted field's contents, or the stray quote that makes it bad. */
static size_t plain_end(const char *b, size_t len, size_t i)
{
#ifdef __SSE2__
	const __m128i comma = _mm_set1_epi8(','), q = _mm_set1_epi8('"');
	const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');

	/* empty cells (",,") are common: no block for them */
	if (i < len && b[i] == ',')
		return i;
	for (; i + 16 <= len; i += 16) {
		unsigned m = mask_of(b + i, comma, q, lf, cr);

		if (m)
			return i + (unsigned)__builtin_ctz(m);
	}
#endif
	while (i < len && b[i] != ',' && b[i] != '"' && !is_break(b[i]))
		i++;
	return i;
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
	i = plain_end(c->buf, c->len, i);
	if (i < c->len && c->buf[i] == '"') {
		c->p = i;
		return RM_CSV_BAD;
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

/* Decode f.p[*i..) into out[*o..) while 32 bytes remain to read, 16 at a
 * time: a block of paired quotes is stored whole, then each part after a
 * dropped quote stored again one place further left (the stores do not
 * wait on each other, as one memchr per quote would). A block whose quotes
 * are not all pairs is left to the caller's loop. out must hold f.n bytes
 * (*o <= *i always; a store reaches at most 31 bytes past *o). */
static void unquote_blocks(struct rm_csv_field f, char *out, size_t *i, size_t *o)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"');
	uint32_t carry = 0;

	while (*i + 32 <= f.n) {
		const char *in = f.p + *i;
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)in);
		uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, q)), keep, drop, d, j;

		quote_pairs(m, carry, &keep, &drop);
		if (drop != (((keep << 1) | carry) & 0xffffu))
			break;
		_mm_storeu_si128((__m128i *)(void *)(out + *o), x);
		for (d = drop, j = 0; d; d &= d - 1, j++) {
			unsigned k = (unsigned)__builtin_ctz(d);

			_mm_storeu_si128((__m128i *)(void *)(out + *o + k - j),
			                 _mm_loadu_si128((const __m128i *)(const void *)(in + k + 1)));
		}
		*o += 16 - j;
		*i += 16;
		carry = keep >> 15 & 1u;
	}
	/* a pair cut by the last block: its second quote is dropped */
	if (carry && *i < f.n && f.p[*i] == '"')
		(*i)++;
#else
	(void)f, (void)out, (void)i, (void)o;
#endif
}

size_t rm_csv_unquote(struct rm_csv_field f, char *out, size_t cap)
{
	size_t n = 0, i = 0;

	if (!f.quoted && f.n < cap) {
		memcpy(out, f.p, f.n);
		out[f.n] = '\0';
		return f.n;
	}
	/* the whole decoded text fits: blocks at a time, no bound to check */
	if (f.n < cap)
		unquote_blocks(f, out, &i, &n);
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
