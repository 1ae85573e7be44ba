#include "wire.h"

#include <stdlib.h>
#include <string.h>

#define NULL_STR 0xffffffffu
#define MAX_STR (1u << 20)

int rm_put_u64(struct rm_buf *b, uint64_t v)
{
	unsigned char x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	return rm_buf_append(b, x, sizeof x);
}

int rm_put_u32(struct rm_buf *b, uint32_t v)
{
	unsigned char x[4];

	for (int i = 0; i < 4; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	return rm_buf_append(b, x, sizeof x);
}

int rm_put_i64(struct rm_buf *b, int64_t v)
{
	return rm_put_u64(b, (uint64_t)v);
}

int rm_put_f64(struct rm_buf *b, double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof u);
	return rm_put_u64(b, u);
}

int rm_put_str(struct rm_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!s)
		return rm_put_u32(b, NULL_STR);
	if (n > MAX_STR)
		n = MAX_STR;
	if (rm_put_u32(b, (uint32_t)n) < 0)
		return -1;
	return rm_buf_append(b, s, n);
}

static const unsigned char *take(struct rm_rd *r, size_t n)
{
	const unsigned char *p;

	if (r->bad || r->n - r->pos < n) {
		r->bad = 1;
		return NULL;
	}
	p = r->p + r->pos;
	r->pos += n;
	return p;
}

uint64_t rm_get_u64(struct rm_rd *r)
{
	const unsigned char *x = take(r, 8);
	uint64_t v = 0;

	if (!x)
		return 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | x[i];
	return v;
}

uint32_t rm_get_u32(struct rm_rd *r)
{
	const unsigned char *x = take(r, 4);
	uint32_t v = 0;

	if (!x)
		return 0;
	for (int i = 3; i >= 0; i--)
		v = (v << 8) | x[i];
	return v;
}

int64_t rm_get_i64(struct rm_rd *r)
{
	return (int64_t)rm_get_u64(r);
}

double rm_get_f64(struct rm_rd *r)
{
	uint64_t u = rm_get_u64(r);
	double d;

	memcpy(&d, &u, sizeof d);
	return d;
}

char *rm_get_str(struct rm_rd *r)
{
	uint32_t n = rm_get_u32(r);
	const unsigned char *x;
	char *s;

	if (r->bad || n == NULL_STR)
		return NULL;
	if (n > MAX_STR || !(x = take(r, n))) {
		r->bad = 1;
		return NULL;
	}
	s = malloc((size_t)n + 1);
	if (!s) {
		r->bad = 1;
		return NULL;
	}
	memcpy(s, x, n);
	s[n] = '\0';
	return s;
}

uint64_t rm_get_count(struct rm_rd *r, size_t min_bytes)
{
	uint64_t n = rm_get_u64(r);

	if (!r->bad && min_bytes && n > (r->n - r->pos) / min_bytes)
		r->bad = 1;
	return r->bad ? 0 : n;
}
