/* Timestamps: rm_time_parse and rm_time_parse_any over any bytes, and a
 * round trip through rm_time_format (and the US-locale forms) for every
 * value they accept. */
#include "fuzz.h"
#include "timeparse.h"

/* 9999-12-31T23:59:59.999Z */
#define MAX_MS 253402300799999LL

/* ms written back in the US forms rm_time_parse_any reads: each parses to
 * ms again (to the second where the form has no fraction). */
static void us_round_trip(int64_t ms)
{
	int64_t secs = ms / 1000, days = secs / 86400, y, back = -1;
	unsigned m, d, rem = (unsigned)(secs % 86400), h = rem / 3600;
	unsigned h12 = h % 12 ? h % 12 : 12;
	const char *half = h < 12 ? "AM" : "PM";
	char t[64];

	rm_civil_from_days(days, &y, &m, &d);
	snprintf(t, sizeof t, "%u/%u/%lld %u:%02u:%02u %s", m, d, (long long)y, h12,
	         rem / 60 % 60, rem % 60, half);
	FUZZ_CHECK(rm_time_parse_any(t, strlen(t), &back) == 0 && back == ms - ms % 1000);
	snprintf(t, sizeof t, "%u/%u/%lld, %u:%02u:%02u.%03d %s", m, d, (long long)y, h12,
	         rem / 60 % 60, rem % 60, (int)(ms % 1000), half);
	FUZZ_CHECK(rm_time_parse_any(t, strlen(t), &back) == 0 && back == ms);
	snprintf(t, sizeof t, "%02u/%02u/%lld %02u:%02u:%02u", m, d, (long long)y, h,
	         rem / 60 % 60, rem % 60);
	FUZZ_CHECK(rm_time_parse_any(t, strlen(t), &back) == 0 && back == ms - ms % 1000);
	/* never accepted by the strict parser */
	FUZZ_CHECK(rm_time_parse(t, strlen(t), &back) != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = calloc(1, size ? size : 1), out[32], out2[32];
	int64_t ms = -1, back = -1, ms_any = -1;
	int strict, loose;

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size); /* exact size, no NUL: a read past n is caught */
	strict = rm_time_parse(s, size, &ms) == 0;
	loose = rm_time_parse_any(s, size, &ms_any) == 0;
	/* the "any" form is a superset that agrees where both accept */
	if (strict)
		FUZZ_CHECK(loose && ms_any == ms);
	if (loose) {
		FUZZ_CHECK(ms_any >= 0 && ms_any <= MAX_MS);
		/* without a '.' there is no fraction */
		if (!memchr(s, '.', size))
			FUZZ_CHECK(ms_any % 1000 == 0);
		us_round_trip(ms_any);
	}
	if (strict) {
		/* years 1970..9999, as the instant */
		FUZZ_CHECK(ms >= 0 && ms <= MAX_MS);
		rm_time_format(ms, 1, out, sizeof out);
		FUZZ_CHECK(strlen(out) == 24);
		FUZZ_CHECK(rm_time_parse(out, strlen(out), &back) == 0 && back == ms);
		rm_time_format(ms, 0, out2, sizeof out2);
		FUZZ_CHECK(strlen(out2) == 20);
		FUZZ_CHECK(rm_time_parse(out2, strlen(out2), &back) == 0 && back == ms - ms % 1000);
		/* formatting then parsing is the identity on the text */
		FUZZ_CHECK(memcmp(out, out2, 19) == 0);
	}
	/* days <-> civil, over the range the parser can produce */
	if (size >= 8) {
		int64_t z = 0, y;
		unsigned m, d;

		memcpy(&z, data, sizeof z);
		z %= 2932897; /* 0000-03-01 .. 9999-12-31 in days from 1970 */
		rm_civil_from_days(z, &y, &m, &d);
		FUZZ_CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31);
		FUZZ_CHECK(rm_days_from_civil(y, m, d) == z);
	}
	free(s);
	return 0;
}
