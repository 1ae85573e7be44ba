#include "range.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int number(const char *s, const char *end, double *out)
{
	char buf[64], *stop;
	size_t n = (size_t)(end - s);

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtod(buf, &stop);
	if (errno || *stop || !isfinite(*out))
		return -1;
	return 0;
}

int nr_range_parse(const char *s, struct nr_range *r)
{
	const char *colon, *end;
	size_t len = strlen(s);

	memset(r, 0, sizeof *r);
	if (len == 0 || len >= sizeof r->text)
		return -1;
	memcpy(r->text, s, len + 1);
	r->end_inf = 1; /* defaults: 0 .. +inf */
	if (*s == '@') {
		r->inside = 1;
		s++;
	}
	end = s + strlen(s);
	colon = strchr(s, ':');
	if (colon) {
		if (colon == s + 1 && *s == '~')
			r->start_inf = 1;
		else if (number(s, colon, &r->start) < 0)
			return -1;
		s = colon + 1;
	}
	if (s < end) {
		if (number(s, end, &r->end) < 0)
			return -1;
		r->end_inf = 0;
	} else if (!colon) {
		return -1; /* "" or "@" alone */
	}
	if (!r->start_inf && !r->end_inf && r->start > r->end)
		return -1;
	return 0;
}

int nr_range_alert(const struct nr_range *r, double v)
{
	int within = (r->start_inf || v >= r->start) && (r->end_inf || v <= r->end);

	return r->inside ? within : !within;
}
