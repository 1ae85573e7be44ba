/* WWW-Authenticate / CAE claims challenges: see claims_challenge.h. */
#include "claims_challenge.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse/parse.h"

static int b64val(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+' || ch == '-')
		return 62;
	if (ch == '/' || ch == '_')
		return 63;
	return -1;
}

long rm_base64_decode_any(const char *s, size_t n, unsigned char *out, size_t cap)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t len = 0, pad = 0;

	while (n && s[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int v = b64val((unsigned char)s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (len >= cap)
				return -1;
			out[len++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (pad && (n + pad) % 4 != 0)
		return -1;
	return (long)len;
}

static int is_tchar(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch && strchr("!#$%&'*+-.^_`|~/", ch));
}

struct cur {
	const char *p, *end;
};

static void skip_ows(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
		c->p++;
}

/* A token (a scheme, a parameter name or an unquoted value). */
static size_t token(struct cur *c, const char **start)
{
	*start = c->p;
	while (c->p < c->end && is_tchar((unsigned char)*c->p))
		c->p++;
	return (size_t)(c->p - *start);
}

/* The value after '=': a quoted string (unescaped into out) or a token68 /
 * token (base64 may end in '='). */
static int value(struct cur *c, char *out, size_t cap)
{
	size_t n = 0;

	if (c->p < c->end && *c->p == '"') {
		c->p++;
		while (c->p < c->end && *c->p != '"') {
			if (*c->p == '\\' && c->p + 1 < c->end)
				c->p++;
			if (n + 1 < cap)
				out[n++] = *c->p;
			c->p++;
		}
		if (c->p >= c->end)
			return -1; /* unterminated */
		c->p++;
	} else {
		while (c->p < c->end && (is_tchar((unsigned char)*c->p) || *c->p == '=')) {
			if (n + 1 < cap)
				out[n++] = *c->p;
			c->p++;
		}
	}
	out[n] = '\0';
	return 0;
}

/* access_token.nbf.value of a claims document (a string or a number). */
static int64_t claims_nbf(const char *j, size_t n)
{
	struct rm_json_val at, nbf, v;
	int64_t t = 0;

	if (!n || j[0] != '{' || rm_json_obj_get(j, n, "access_token", &at) != 1 ||
	    at.type != RM_JSON_OBJECT ||
	    rm_json_obj_get(at.s.p, at.s.n, "nbf", &nbf) != 1 || nbf.type != RM_JSON_OBJECT ||
	    rm_json_obj_get(nbf.s.p, nbf.s.n, "value", &v) != 1)
		return 0;
	if (v.type == RM_JSON_NUMBER) {
		if (rm_json_int64(v, &t) < 0)
			return 0;
	} else if (v.type == RM_JSON_STRING) {
		char tmp[24], *end;

		if (rm_json_unescape(v.s, tmp, sizeof tmp) <= 0)
			return 0;
		t = strtoll(tmp, &end, 10);
		if (*end)
			return 0;
	}
	return t > 0 ? t : 0;
}

/* One header value: fill c from its Bearer challenge(s). */
static void parse_line(const char *v, size_t n, struct rm_claims_challenge *best, int *found)
{
	struct cur c = {v, v + n};
	int in_bearer = 0;
	struct rm_claims_challenge cur;
	char raw[2048];

	memset(&cur, 0, sizeof cur);
	for (;;) {
		const char *name;
		size_t len;

		skip_ows(&c);
		while (c.p < c.end && *c.p == ',') {
			c.p++;
			skip_ows(&c);
		}
		if (c.p >= c.end)
			break;
		len = token(&c, &name);
		if (!len) {
			c.p++; /* junk: skip a byte */
			continue;
		}
		skip_ows(&c);
		if (c.p < c.end && *c.p == '=') {
			/* a parameter of the current challenge */
			c.p++;
			skip_ows(&c);
			if (value(&c, raw, sizeof raw) < 0)
				break;
			if (!in_bearer)
				continue;
			if (len == 5 && strncasecmp(name, "error", 5) == 0) {
				size_t k = strlen(raw);

				if (k >= sizeof cur.error)
					k = sizeof cur.error - 1;
				memcpy(cur.error, raw, k);
				cur.error[k] = '\0';
				cur.insufficient_claims = strcmp(cur.error, "insufficient_claims") == 0;
			} else if (len == 6 && strncasecmp(name, "claims", 6) == 0) {
				long k = rm_base64_decode_any(raw, strlen(raw), (unsigned char *)cur.claims,
				                              sizeof cur.claims - 1);

				if (k < 0 || memchr(cur.claims, '\0', (size_t)k))
					k = 0;
				cur.claims[k] = '\0';
				cur.nbf = claims_nbf(cur.claims, (size_t)k);
			}
			continue;
		}
		/* a new challenge: close the current one */
		if (in_bearer && (!*found || (cur.insufficient_claims && !best->insufficient_claims))) {
			*best = cur;
			*found = 1;
		}
		memset(&cur, 0, sizeof cur);
		in_bearer = len == 6 && strncasecmp(name, "Bearer", 6) == 0;
		cur.bearer = in_bearer;
		/* a token68 after the scheme (not ours) */
		if (c.p < c.end && *c.p != ',' && is_tchar((unsigned char)*c.p)) {
			const char *save = c.p, *t;

			token(&c, &t);
			skip_ows(&c);
			if (c.p < c.end && *c.p == '=')
				c.p = save; /* it was a parameter name */
		}
	}
	if (in_bearer && (!*found || (cur.insufficient_claims && !best->insufficient_claims))) {
		*best = cur;
		*found = 1;
	}
}

int rm_claims_challenge_parse(const char *v, size_t n, struct rm_claims_challenge *c)
{
	int found = 0;

	memset(c, 0, sizeof *c);
	while (n) {
		const char *nl = memchr(v, '\n', n);
		size_t k = nl ? (size_t)(nl - v) : n;

		parse_line(v, k, c, &found);
		if (!nl)
			break;
		n -= k + 1;
		v = nl + 1;
	}
	return found;
}
