#include "aadsts_text.h"

#include <string.h>

#include "util/util.h"

/* ASCII case-insensitive search for needle in h[from..to); returns the index
 * just past the match, or (size_t)-1. */
static size_t find_ci(const char *h, size_t from, size_t to, const char *needle)
{
	size_t nl = strlen(needle), i, j;

	if (to < nl)
		return (size_t)-1;
	for (i = from; i + nl <= to; i++) {
		for (j = 0; j < nl; j++) {
			unsigned char a = (unsigned char)h[i + j], b = (unsigned char)needle[j];

			if (a >= 'A' && a <= 'Z')
				a |= 0x20;
			if (b >= 'A' && b <= 'Z')
				b |= 0x20;
			if (a != b)
				break;
		}
		if (j == nl)
			return i + nl;
	}
	return (size_t)-1;
}

/* Length of a quote mark at s[i] in raw JSON string contents: ', \u0027 or
 * \" ; 0 if there is none. */
static size_t quote_len(const char *s, size_t i, size_t n)
{
	if (s[i] == '\'')
		return 1;
	if (s[i] != '\\' || i + 1 >= n)
		return 0;
	if (s[i + 1] == '"')
		return 2;
	if (i + 5 < n && s[i + 1] == 'u' && s[i + 2] == '0' && s[i + 3] == '0' && s[i + 4] == '2' &&
	    s[i + 5] == '7')
		return 6;
	return 0;
}

/* The first timestamp in s[from..to): quoted (the usual form), or bare right
 * after the marker. 0 and *ms, or -1. */
static int time_after(const char *s, size_t from, size_t to, int64_t *ms)
{
	size_t i = from, q, start, end;

	/* skip blanks and a colon (raw \r \n \t escapes too) to see whether a bare
	 * timestamp follows the marker directly */
	while (i < to) {
		if (s[i] == ' ' || s[i] == ':')
			i++;
		else if (s[i] == '\\' && i + 1 < to && (s[i + 1] == 'r' || s[i + 1] == 'n' || s[i + 1] == 't'))
			i += 2;
		else
			break;
	}
	if (i < to && s[i] >= '0' && s[i] <= '9') {
		end = i;
		/* a space ends it, except the one between date and time */
		while (end < to && (s[end] != ' ' || end - i == 10) && s[end] != ',' &&
		       s[end] != '\\' && s[end] != '\'')
			end++;
		/* the sentence may end right after it */
		if (end > i && s[end - 1] == '.')
			end--;
		return rm_time_parse(s + i, end - i, ms);
	}
	for (; i < to; i++) {
		q = quote_len(s, i, to);
		if (!q)
			continue;
		start = i + q;
		for (end = start; end < to; end++)
			if (quote_len(s, end, to) == q)
				break;
		if (end >= to)
			return -1;
		return rm_time_parse(s + start, end - start, ms);
	}
	return -1;
}

int rm_aadsts_50173_times(struct rm_str text, int64_t *grant_ms, int64_t *valid_from_ms)
{
	const char *s = text.p;
	size_t n = text.n, g, v, gend;
	int64_t gm = 0, vm = 0;
	int have_v;

	*grant_ms = 0;
	*valid_from_ms = 0;
	if (!s || n == 0)
		return -1;
	v = find_ci(s, 0, n, "TokensValidFrom");
	have_v = v != (size_t)-1 && time_after(s, v, n, &vm) == 0;
	if (!have_v)
		return -1;
	g = find_ci(s, 0, n, "issued on");
	/* the grant's time lies between "issued on" and "TokensValidFrom", so
	 * a text without it cannot lend it the other date */
	gend = (g != (size_t)-1 && v > g) ? v - strlen("TokensValidFrom") : n;
	*valid_from_ms = vm;
	if (g != (size_t)-1 && time_after(s, g, gend, &gm) == 0) {
		*grant_ms = gm;
		return 0;
	}
	return 1;
}
