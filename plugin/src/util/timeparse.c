#include "timeparse.h"

#include <stdio.h>

/* Howard Hinnant's days_from_civil: shift the year to start in March so the
 * leap day is the last day of the (400-year) era's year. */
int64_t rm_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void rm_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* n decimal digits at s; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		unsigned c = (unsigned char)s[i] - '0';

		if (c > 9)
			return -1;
		v = v * 10 + (int)c;
	}
	return v;
}

/* 9999-12-31T23:59:59.999Z */
#define MAX_MS 253402300799999LL

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int y, int m)
{
	static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && leap(y) ? 29 : dim[m - 1];
}

/* The calendar and clock fields of either form, range-checked. */
static int fields_ok(int y, int mo, int d, int h, int mi, int sec)
{
	return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 &&
	       (unsigned)d <= days_in_month(y, mo) && h >= 0 && h <= 23 && mi >= 0 &&
	       mi <= 59 && sec >= 0 && sec <= 59;
}

/* A fraction after the '.' at s[*p - 1]: at least one digit, any number;
 * keeps milliseconds and drops the rest (Graph writes up to 7 digits).
 * Returns the ms, or -1 when no digit follows. */
static int fraction(const char *s, size_t n, size_t *p)
{
	int frac = 0, nd = 0;

	while (*p < n && s[*p] >= '0' && s[*p] <= '9') {
		if (nd < 3)
			frac = frac * 10 + (s[*p] - '0');
		nd++;
		(*p)++;
	}
	if (nd == 0)
		return -1;
	for (; nd < 3; nd++)
		frac *= 10;
	return frac;
}

static int64_t instant(int y, int mo, int d, int h, int mi, int sec)
{
	return rm_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
}

int rm_time_parse(const char *s, size_t n, int64_t *ms)
{
	int y, mo, d, h, mi, sec, frac = 0, off = 0;
	size_t p = 19;
	int64_t v;

	/* YYYY-MM-DDTHH:MM:SS */
	if (n < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return -1;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (!fields_ok(y, mo, d, h, mi, sec))
		return -1;

	if (p < n && s[p] == '.') {
		p++;
		if ((frac = fraction(s, n, &p)) < 0)
			return -1;
	}

	if (p < n && (s[p] == 'Z' || s[p] == 'z')) {
		p++;
	} else if (p < n && (s[p] == '+' || s[p] == '-')) {
		int sign = s[p] == '-' ? -1 : 1, oh, om;

		p++;
		if (n - p == 5 && s[p + 2] == ':') {
			oh = digits(s + p, 2);
			om = digits(s + p + 3, 2);
		} else if (n - p == 4) {
			oh = digits(s + p, 2);
			om = digits(s + p + 2, 2);
		} else {
			return -1;
		}
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		off = sign * (oh * 60 + om) * 60;
		p = n;
	}
	if (p != n)
		return -1;

	v = (instant(y, mo, d, h, mi, sec) - off) * 1000 + frac;
	/* the offset may carry the instant out of 1970..9999 (found by
	 * fuzzing: "1970-01-01T00:00:00+01:00" was a negative time, which
	 * rm_time_format cannot write back) */
	if (v < 0 || v > MAX_MS)
		return -1;
	*ms = v;
	return 0;
}

/* lo..hi decimal digits at s[*p], as many as there are up to hi; -1 when
 * fewer than lo. */
static int number(const char *s, size_t n, size_t *p, int lo, int hi)
{
	int v = 0, nd = 0;

	while (nd < hi && *p < n && s[*p] >= '0' && s[*p] <= '9') {
		v = v * 10 + (s[*p] - '0');
		nd++;
		(*p)++;
	}
	return nd >= lo ? v : -1;
}

/* Consume the byte c at s[*p]; 1 when it was there. */
static int take(const char *s, size_t n, size_t *p, char c)
{
	if (*p < n && s[*p] == c) {
		(*p)++;
		return 1;
	}
	return 0;
}

/* " AM" / " PM" (any case) ending the text: 0 AM, 12 PM, -1 something else. */
static int meridiem(const char *s, size_t n, size_t p)
{
	char a, m;

	if (n - p != 3 || s[p] != ' ')
		return -1;
	a = (char)(s[p + 1] | 0x20);
	m = (char)(s[p + 2] | 0x20);
	if (m != 'm' || (a != 'a' && a != 'p'))
		return -1;
	return a == 'p' ? 12 : 0;
}

/* M/D/YYYY[,] h:mm:ss[.f…][ AM|PM], month first (see the header). */
static int parse_us(const char *s, size_t n, int64_t *ms)
{
	int y, mo, d, h, mi, sec, frac = 0, half = -1;
	size_t p = 0;

	mo = number(s, n, &p, 1, 2);
	if (mo < 0 || !take(s, n, &p, '/') || (d = number(s, n, &p, 1, 2)) < 0 ||
	    !take(s, n, &p, '/') || (y = number(s, n, &p, 4, 4)) < 0)
		return -1;
	take(s, n, &p, ','); /* the Log Analytics portal's "M/D/YYYY, h:mm…" */
	if (!take(s, n, &p, ' ') || (h = number(s, n, &p, 1, 2)) < 0 || !take(s, n, &p, ':') ||
	    (mi = number(s, n, &p, 2, 2)) < 0 || !take(s, n, &p, ':') ||
	    (sec = number(s, n, &p, 2, 2)) < 0)
		return -1;
	if (take(s, n, &p, '.') && (frac = fraction(s, n, &p)) < 0)
		return -1;
	if (p != n && (half = meridiem(s, n, p)) < 0)
		return -1;
	/* with AM/PM the hour is 1..12, and 12 AM is midnight */
	if (half >= 0) {
		if (h < 1 || h > 12)
			return -1;
		h = h % 12 + half;
	}
	if (!fields_ok(y, mo, d, h, mi, sec))
		return -1;
	*ms = instant(y, mo, d, h, mi, sec) * 1000 + frac;
	return 0;
}

int rm_time_parse_any(const char *s, size_t n, int64_t *ms)
{
	if (rm_time_parse(s, n, ms) == 0)
		return 0;
	return parse_us(s, n, ms);
}

char *rm_time_format(int64_t ms, int with_ms, char *out, size_t cap)
{
	int64_t days, secs, y;
	unsigned m, d, rem;
	int msec;

	if (cap == 0)
		return out;
	/* floor division so times before the epoch format too */
	secs = ms / 1000;
	msec = (int)(ms % 1000);
	if (msec < 0) {
		msec += 1000;
		secs--;
	}
	days = secs / 86400;
	rem = (unsigned)(secs % 86400 + (secs % 86400 < 0 ? 86400 : 0));
	if (secs % 86400 < 0)
		days--;
	rm_civil_from_days(days, &y, &m, &d);
	if (with_ms)
		snprintf(out, cap, "%04lld-%02u-%02uT%02u:%02u:%02u.%03dZ", (long long)y, m, d,
		         rem / 3600, rem / 60 % 60, rem % 60, msec);
	else
		snprintf(out, cap, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
		         rem / 3600, rem / 60 % 60, rem % 60);
	return out;
}
