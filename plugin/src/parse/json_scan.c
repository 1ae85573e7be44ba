#include "json_scan.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Bytes that end a run of plain string contents: '"', '\\' and controls. */
static const unsigned char str_stop[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
	[0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1,
	[0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1,
	[0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
	[0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

static inline int is_ws(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t rm_json_skip_ws(const char *buf, size_t len, size_t pos)
{
	while (pos < len && is_ws((unsigned char)buf[pos]))
		pos++;
	return pos;
}

/* The first '"', '\\' or control byte at or after p, or n: the end of a run
 * of plain string contents. */
static inline size_t find_stop(const char *b, size_t n, size_t p)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"');
	const __m128i bs = _mm_set1_epi8('\\');
	const __m128i c1f = _mm_set1_epi8(0x1f);

	while (p + 16 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + p));
		/* max(x, 0x1f) == 0x1f exactly when x <= 0x1f (unsigned) */
		__m128i m = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)),
			_mm_cmpeq_epi8(_mm_max_epu8(x, c1f), c1f));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);

		if (mask)
			return p + (unsigned)__builtin_ctz(mask);
		p += 16;
	}
#endif
	while (p < n && !str_stop[(unsigned char)b[p]])
		p++;
	return p;
}

/* Scan string contents from p (just past the opening quote, or any point
 * inside the contents where no escape is open); on success *end is one past
 * the closing quote. */
static int scan_string(const char *b, size_t n, size_t p, size_t *end)
{
	for (;;) {
		p = find_stop(b, n, p);
		if (p >= n)
			return RM_JSON_INCOMPLETE;
		if (b[p] == '"') {
			*end = p + 1;
			return RM_JSON_OK;
		}
		if (b[p] != '\\')
			return RM_JSON_BAD; /* raw control character */
		if (p + 1 >= n)
			return RM_JSON_INCOMPLETE;
		switch (b[p + 1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p += 2;
			break;
		case 'u':
			for (int i = 0; i < 4; i++) {
				if (p + 2 + i >= n)
					return RM_JSON_INCOMPLETE;
				if (hex_val((unsigned char)b[p + 2 + i]) < 0)
					return RM_JSON_BAD;
			}
			p += 6;
			break;
		default:
			return RM_JSON_BAD;
		}
	}
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(const char *b, size_t n, size_t p, size_t *end)
{
	if (b[p] == '-' && ++p >= n)
		return RM_JSON_INCOMPLETE;
	if (b[p] == '0') {
		p++;
	} else if (b[p] >= '1' && b[p] <= '9') {
		p++;
		while (p < n && is_digit((unsigned char)b[p]))
			p++;
	} else {
		return RM_JSON_BAD;
	}
	if (p < n && b[p] == '.') {
		if (++p >= n)
			return RM_JSON_INCOMPLETE;
		if (!is_digit((unsigned char)b[p]))
			return RM_JSON_BAD;
		while (p < n && is_digit((unsigned char)b[p]))
			p++;
	}
	if (p < n && (b[p] == 'e' || b[p] == 'E')) {
		if (++p >= n)
			return RM_JSON_INCOMPLETE;
		if ((b[p] == '+' || b[p] == '-') && ++p >= n)
			return RM_JSON_INCOMPLETE;
		if (!is_digit((unsigned char)b[p]))
			return RM_JSON_BAD;
		while (p < n && is_digit((unsigned char)b[p]))
			p++;
	}
	*end = p;
	return RM_JSON_OK;
}

static int scan_lit(const char *b, size_t n, size_t p, const char *lit, size_t ln, size_t *end)
{
	size_t avail = n - p < ln ? n - p : ln;

	if (memcmp(b + p, lit, avail) != 0)
		return RM_JSON_BAD;
	if (avail < ln)
		return RM_JSON_INCOMPLETE;
	*end = p + ln;
	return RM_JSON_OK;
}

/* One scalar at b[p]; *t its type. */
static inline int scan_scalar(const char *b, size_t n, size_t p, size_t *end, enum rm_json_type *t)
{
	switch (b[p]) {
	case '"':
		*t = RM_JSON_STRING;
		return scan_string(b, n, p + 1, end);
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		*t = RM_JSON_NUMBER;
		return scan_number(b, n, p, end);
	case 't':
		*t = RM_JSON_TRUE;
		return scan_lit(b, n, p, "true", 4, end);
	case 'f':
		*t = RM_JSON_FALSE;
		return scan_lit(b, n, p, "false", 5, end);
	case 'n':
		*t = RM_JSON_NULL;
		return scan_lit(b, n, p, "null", 4, end);
	default:
		return RM_JSON_BAD;
	}
}

static inline size_t ws(const char *b, size_t n, size_t p)
{
	/* compact JSON has no whitespace: test the common case first */
	while (p < n && (unsigned char)b[p] <= ' ' && is_ws((unsigned char)b[p]))
		p++;
	return p;
}

/* A top-level scalar: "12" may be the start of "123", so only a delimiter
 * ends a number. */
static int scalar_end(const char *buf, size_t len, size_t p, size_t *end,
                      enum rm_json_type *type)
{
	enum rm_json_type t;
	size_t e;
	int r = scan_scalar(buf, len, p, &e, &t);

	if (r != RM_JSON_OK)
		return r;
	if (t == RM_JSON_NUMBER && e == len)
		return RM_JSON_INCOMPLETE;
	*end = e;
	*type = t;
	return RM_JSON_OK;
}

/* The containers' grammar as a small state machine (open, key, value,
 * after_value, close) over a bit stack of the open containers: one loop,
 * no recursion, for the scanner's hottest path. */
int rm_json_value_end(const char *buf, size_t len, size_t pos, size_t *end,
                      enum rm_json_type *type)
{
	uint64_t stack = 0; /* bit 0: innermost container is an object */
	int depth = 0, r;
	enum rm_json_type top, t;
	size_t p = pos;
	char c;

	if (p >= len)
		return RM_JSON_INCOMPLETE;
	c = buf[p];
	if (c != '{' && c != '[')
		return scalar_end(buf, len, p, end, type);
	top = c == '{' ? RM_JSON_OBJECT : RM_JSON_ARRAY;

open:
	if (depth == RM_JSON_MAX_DEPTH)
		return RM_JSON_TOO_DEEP;
	stack = (stack << 1) | (c == '{');
	depth++;
	p = ws(buf, len, p + 1);
	if (p >= len)
		return RM_JSON_INCOMPLETE;
	c = buf[p];
	if (stack & 1) {
		if (c == '}')
			goto close;
		goto key;
	}
	if (c == ']')
		goto close;
	goto value;

key:
	if (c != '"')
		return RM_JSON_BAD;
	r = scan_string(buf, len, p + 1, &p);
	if (r != RM_JSON_OK)
		return r;
	p = ws(buf, len, p);
	if (p >= len)
		return RM_JSON_INCOMPLETE;
	if (buf[p] != ':')
		return RM_JSON_BAD;
	p = ws(buf, len, p + 1);
	if (p >= len)
		return RM_JSON_INCOMPLETE;
	c = buf[p];

value:
	if (c == '{' || c == '[')
		goto open;
	r = scan_scalar(buf, len, p, &p, &t);
	if (r != RM_JSON_OK)
		return r;

after_value:
	p = ws(buf, len, p);
	if (p >= len)
		return RM_JSON_INCOMPLETE;
	c = buf[p];
	if (c == ',') {
		p = ws(buf, len, p + 1);
		if (p >= len)
			return RM_JSON_INCOMPLETE;
		c = buf[p];
		if (stack & 1)
			goto key;
		goto value;
	}
	if (c != ((stack & 1) ? '}' : ']'))
		return RM_JSON_BAD;

close:
	p++;
	stack >>= 1;
	if (--depth > 0)
		goto after_value;
	*end = p;
	*type = top;
	return RM_JSON_OK;
}

static void set_val(struct rm_json_val *v, const char *b, size_t start, size_t end,
                    enum rm_json_type t)
{
	v->type = t;
	if (t == RM_JSON_STRING) {
		v->s.p = b + start + 1;
		v->s.n = end - start - 2;
	} else {
		v->s.p = b + start;
		v->s.n = end - start;
	}
}

/* Iteration states (struct rm_json_iter.state). */
enum {
	IT_FIRST = 0, /* before the first member */
	IT_NEXT = 1,  /* after a member */
	IT_DONE = 2,  /* the container closed; pos is past it */
	IT_FAILED = 3, /* malformed; the error is sticky, pos is where it was found */
	IT_VALUE = 4, /* at a member's value, not consumed yet */
};

static int iter_fail(struct rm_json_iter *it, int r, size_t pos)
{
	it->state = IT_FAILED;
	it->pos = pos;
	return r;
}

static void iter_begin(struct rm_json_iter *it, const char *buf, size_t len, size_t pos,
                       char open)
{
	it->buf = buf;
	it->len = len;
	it->pos = pos + 1;
	it->state = (pos < len && buf[pos] == open) ? IT_FIRST : IT_FAILED;
	it->key_esc = 0;
}

void rm_json_obj_begin(struct rm_json_iter *it, const char *buf, size_t len)
{
	iter_begin(it, buf, len, 0, '{');
}

void rm_json_arr_begin(struct rm_json_iter *it, const char *buf, size_t len)
{
	iter_begin(it, buf, len, 0, '[');
}

/* A nested iterator shares its parent's buffer: positions stay absolute, and
 * the container's end is found by walking it, not by a scan ahead. */
static void iter_enter(const struct rm_json_iter *it, struct rm_json_iter *sub, char open)
{
	iter_begin(sub, it->buf, it->len, it->pos, open);
	if (it->state != IT_VALUE) {
		sub->state = IT_FAILED;
		sub->pos = it->pos;
	}
}

void rm_json_obj_enter(const struct rm_json_iter *it, struct rm_json_iter *sub)
{
	iter_enter(it, sub, '{');
}

void rm_json_arr_enter(const struct rm_json_iter *it, struct rm_json_iter *sub)
{
	iter_enter(it, sub, '[');
}

int rm_json_iter_leave(struct rm_json_iter *it, const struct rm_json_iter *sub)
{
	if (it->state != IT_VALUE || sub->state != IT_DONE)
		return iter_fail(it, RM_JSON_BAD, sub->pos);
	it->pos = sub->pos;
	it->state = IT_NEXT;
	return RM_JSON_OK;
}

int rm_json_iter_value(struct rm_json_iter *it, struct rm_json_val *v)
{
	size_t p = it->pos, e;
	enum rm_json_type t;
	int r;

	if (it->state != IT_VALUE)
		return it->state == IT_FAILED ? RM_JSON_BAD : iter_fail(it, RM_JSON_BAD, p);
	/* a number running to the end of the buffer comes back INCOMPLETE,
	 * which is right: the container cannot have closed after it */
	r = rm_json_value_end(it->buf, it->len, p, &e, &t);
	if (r != RM_JSON_OK)
		return iter_fail(it, r, p);
	set_val(v, it->buf, p, e, t);
	it->pos = e;
	it->state = IT_NEXT;
	return RM_JSON_OK;
}

/* Step over the separator before the next member (skipping a value the
 * caller left); 1 more (pos at it), 0 closed, <0 error. */
static int iter_step(struct rm_json_iter *it, char close)
{
	struct rm_json_val v;
	size_t p;
	int r;

	if (it->state == IT_VALUE && (r = rm_json_iter_value(it, &v)) < 0)
		return r;
	if (it->state == IT_DONE)
		return 0;
	if (it->state == IT_FAILED)
		return RM_JSON_BAD;
	p = ws(it->buf, it->len, it->pos);
	if (p >= it->len)
		return iter_fail(it, RM_JSON_INCOMPLETE, p);
	if (it->buf[p] == close) {
		it->pos = p + 1;
		it->state = IT_DONE;
		return 0;
	}
	if (it->state == IT_NEXT) {
		if (it->buf[p] != ',')
			return iter_fail(it, RM_JSON_BAD, p);
		p = ws(it->buf, it->len, p + 1);
		if (p >= it->len)
			return iter_fail(it, RM_JSON_INCOMPLETE, p);
		if (it->buf[p] == close)
			return iter_fail(it, RM_JSON_BAD, p); /* trailing comma */
	}
	it->pos = p;
	return 1;
}

/* The key at b[p] ('"' checked): keys are short and almost never escaped, so
 * one search for the closing quote usually ends them; *esc says whether the
 * slow path met an escape. On success *end is past the closing quote. */
static int scan_key(const char *b, size_t n, size_t p, size_t *end, int *esc)
{
	size_t e = find_stop(b, n, p + 1);

	if (e < n && b[e] == '"') {
		*end = e + 1;
		*esc = 0;
		return RM_JSON_OK;
	}
	*esc = 1;
	return scan_string(b, n, e, end);
}

int rm_json_obj_key(struct rm_json_iter *it, struct rm_str *key)
{
	const char *b = it->buf;
	size_t n = it->len, p, e;
	int r = iter_step(it, '}');

	if (r <= 0)
		return r;
	p = it->pos;
	if (b[p] != '"')
		return iter_fail(it, RM_JSON_BAD, p);
	r = scan_key(b, n, p, &e, &it->key_esc);
	if (r != RM_JSON_OK)
		return iter_fail(it, r, p);
	key->p = b + p + 1;
	key->n = e - p - 2;
	p = ws(b, n, e);
	if (p >= n)
		return iter_fail(it, RM_JSON_INCOMPLETE, p);
	if (b[p] != ':')
		return iter_fail(it, RM_JSON_BAD, p);
	p = ws(b, n, p + 1);
	if (p >= n)
		return iter_fail(it, RM_JSON_INCOMPLETE, p);
	it->pos = p;
	it->state = IT_VALUE;
	return 1;
}

int rm_json_arr_elem(struct rm_json_iter *it)
{
	int r = iter_step(it, ']');

	if (r > 0)
		it->state = IT_VALUE;
	return r;
}

int rm_json_obj_next(struct rm_json_iter *it, struct rm_str *key, struct rm_json_val *v)
{
	int r = rm_json_obj_key(it, key);

	if (r <= 0)
		return r;
	r = rm_json_iter_value(it, v);
	return r < 0 ? r : 1;
}

int rm_json_arr_next(struct rm_json_iter *it, struct rm_json_val *v)
{
	int r = rm_json_arr_elem(it);

	if (r <= 0)
		return r;
	r = rm_json_iter_value(it, v);
	return r < 0 ? r : 1;
}

int rm_json_obj_get(const char *obj, size_t len, const char *key, struct rm_json_val *v)
{
	struct rm_json_iter it;
	struct rm_str k;
	int r;

	rm_json_obj_begin(&it, obj, len);
	while ((r = rm_json_obj_next(&it, &k, v)) > 0)
		if (rm_json_str_eq(k, key))
			return 1;
	return r;
}

/* The UTF-8 sequence whose lead byte s[k] is >= 0x80: its length, or -1
 * when it is cut short, not the shortest form, a surrogate or beyond
 * U+10FFFF. */
static int utf8_seq(const unsigned char *s, size_t n, size_t k)
{
	unsigned c = s[k], cp;
	int len, j;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return -1;
	}
	if (k + (size_t)len > n)
		return -1;
	for (j = 1; j < len; j++) {
		if ((s[k + j] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[k + j] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return -1;
	return len;
}

/* The byte a one-character escape such as \n stands for, or -1. */
static int esc_char(unsigned char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '/': return '/';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return -1;
	}
}

/* Four hex digits at s[k..k+4) into *cp; -1 when they are not there. */
static int hex4(const unsigned char *s, size_t n, size_t k, unsigned *cp)
{
	*cp = 0;
	for (int j = 0; j < 4; j++) {
		int h = k + (size_t)j < n ? hex_val(s[k + (size_t)j]) : -1;

		if (h < 0)
			return -1;
		*cp = (*cp << 4) | (unsigned)h;
	}
	return 0;
}

/* The \uXXXX escape at s[*k] (two of them for a surrogate pair): its code
 * point, *k moved past it; -1 for bad hex or a lone surrogate. */
static long esc_unicode(const unsigned char *s, size_t n, size_t *k)
{
	size_t i = *k;
	unsigned cp, lo;

	if (hex4(s, n, i + 2, &cp) < 0)
		return -1;
	i += 6;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return -1; /* lone low surrogate */
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u' || hex4(s, n, i + 2, &lo) < 0 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return -1;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		i += 6;
	}
	*k = i;
	return (long)cp;
}

/* Encode a code point (<= U+10FFFF, not a surrogate) as UTF-8; its length. */
static int utf8_put(unsigned cp, unsigned char o[4])
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode one character of raw string contents at p[*i] into o (UTF-8);
 * returns its length, or -1 for a bad escape, lone surrogate, control
 * character or invalid UTF-8. */
static int unesc_step(const char *p, size_t n, size_t *i, unsigned char o[4])
{
	const unsigned char *s = (const unsigned char *)p;
	size_t k = *i;
	long cp;
	int len;

	if (s[k] != '\\') {
		if (s[k] < 0x20)
			return -1;
		len = s[k] < 0x80 ? 1 : utf8_seq(s, n, k);
		if (len < 0)
			return -1;
		memcpy(o, s + k, (size_t)len);
		*i = k + (size_t)len;
		return len;
	}
	if (k + 1 >= n)
		return -1;
	if (s[k + 1] != 'u') {
		len = esc_char(s[k + 1]);
		if (len < 0)
			return -1;
		o[0] = (unsigned char)len;
		*i = k + 2;
		return 1;
	}
	cp = esc_unicode(s, n, &k);
	if (cp < 0)
		return -1;
	*i = k;
	return utf8_put((unsigned)cp, o);
}

/* The first byte at or after p that is not printable ASCII other than '\\'
 * (a control, an escape, a UTF-8 byte), or n: what needs no decoding. */
static inline size_t ascii_end(const char *b, size_t n, size_t p)
{
#ifdef __SSE2__
	const __m128i bs = _mm_set1_epi8('\\');
	const __m128i c1f = _mm_set1_epi8(0x1f);

	while (p + 16 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + p));
		/* x <= 0x1f, x == '\\', or the sign bit (>= 0x80) */
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, bs),
		                         _mm_cmpeq_epi8(_mm_max_epu8(x, c1f), c1f));
		unsigned mask = (unsigned)_mm_movemask_epi8(m) | (unsigned)_mm_movemask_epi8(x);

		if (mask)
			return p + (unsigned)__builtin_ctz(mask);
		p += 16;
	}
#endif
	(void)b;
	return p;
}

int rm_json_str_valid(struct rm_str raw)
{
	const unsigned char *s = (const unsigned char *)raw.p;
	unsigned char u[4];
	size_t i = 0;

	while (i < raw.n) {
		i = ascii_end(raw.p, raw.n, i);
		if (i == raw.n)
			break;
		/* printable ASCII needs no decoding: the common case, kept tight */
		if (s[i] >= 0x20 && s[i] < 0x80 && s[i] != '\\')
			i++;
		else if (unesc_step(raw.p, raw.n, &i, u) < 0)
			return 0;
	}
	return 1;
}

long rm_json_unescape(struct rm_str raw, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)raw.p;
	size_t i = 0, o = 0, run;
	unsigned char u[4];
	int k;

	if (cap == 0)
		return -1;
	while (i < raw.n) {
		/* plain ASCII runs in one copy: JSON text in a string (a Log
		 * Analytics dynamic column) is mostly that */
		for (run = i; run < raw.n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '\\'; run++)
			;
		if (run > i) {
			if (o + (run - i) >= cap)
				return -1;
			memcpy(out + o, raw.p + i, run - i);
			o += run - i;
			i = run;
			continue;
		}
		k = unesc_step(raw.p, raw.n, &i, u);
		if (k < 0 || o + (size_t)k >= cap)
			return -1;
		memcpy(out + o, u, (size_t)k);
		o += (size_t)k;
	}
	out[o] = '\0';
	return (long)o;
}

static inline unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

static int str_eq(struct rm_str s, const char *lit, int ci)
{
	size_t ln = strlen(lit), i = 0, o = 0;
	unsigned char u[4];
	int k, j;

	if (s.n == 0)
		return ln == 0;
	if (!memchr(s.p, '\\', s.n)) {
		if (s.n != ln)
			return 0;
		if (!ci)
			return memcmp(s.p, lit, ln) == 0;
		for (i = 0; i < ln; i++)
			if (lower((unsigned char)s.p[i]) != lower((unsigned char)lit[i]))
				return 0;
		return 1;
	}
	/* escapes: decode as we compare */
	while (i < s.n) {
		k = unesc_step(s.p, s.n, &i, u);
		if (k < 0 || o + (size_t)k > ln)
			return 0;
		for (j = 0; j < k; j++, o++) {
			unsigned char a = u[j], b = (unsigned char)lit[o];

			if (ci ? lower(a) != lower(b) : a != b)
				return 0;
		}
	}
	return o == ln;
}

int rm_json_str_eq(struct rm_str s, const char *lit)
{
	return str_eq(s, lit, 0);
}

int rm_json_str_eq_ci(struct rm_str s, const char *lit)
{
	return str_eq(s, lit, 1);
}

int rm_json_int64(struct rm_json_val v, int64_t *out)
{
	const char *p = v.s.p;
	size_t n = v.s.n, i = 0;
	uint64_t acc = 0, lim;
	int neg = 0;

	if (v.type != RM_JSON_NUMBER || n == 0)
		return -1;
	if (p[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i >= n)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		unsigned d = (unsigned char)p[i] - '0';

		if (d > 9)
			return -1; /* fraction or exponent: not an integer */
		if (acc > (lim - d) / 10)
			return -1;
		acc = acc * 10 + d;
	}
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return 0;
}
