/* Timestamp parsing and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timeparse.h"

static int64_t ok(const char *s)
{
	int64_t ms = -1;

	if (rm_time_parse(s, strlen(s), &ms) != 0)
		fail_msg("rejected: %s", s);
	return ms;
}

static void bad(const char *s)
{
	int64_t ms;

	if (rm_time_parse(s, strlen(s), &ms) == 0)
		fail_msg("accepted: %s", s);
}

static int64_t any(const char *s)
{
	int64_t ms = -1;

	if (rm_time_parse_any(s, strlen(s), &ms) != 0)
		fail_msg("rm_time_parse_any rejected: %s", s);
	return ms;
}

static void any_bad(const char *s)
{
	int64_t ms = 42;

	if (rm_time_parse_any(s, strlen(s), &ms) == 0)
		fail_msg("rm_time_parse_any accepted: %s", s);
	assert_true(ms == 42); /* untouched */
}

/* 2025-03-04T10:05:00Z */
#define T0 INT64_C(1741082700000)

static void fractions(void **state)
{
	(void)state;
	assert_true(ok("2025-03-04T10:05:00Z") == T0);
	assert_true(ok("2025-03-04T10:05:00.4Z") == T0 + 400);
	assert_true(ok("2025-03-04T10:05:00.45Z") == T0 + 450);
	assert_true(ok("2025-03-04T10:05:00.459Z") == T0 + 459);
	assert_true(ok("2025-03-04T10:05:00.4592Z") == T0 + 459);
	assert_true(ok("2025-03-04T10:05:00.45922Z") == T0 + 459);
	assert_true(ok("2025-03-04T10:05:00.459225Z") == T0 + 459);
	assert_true(ok("2025-03-04T10:05:00.4592251Z") == T0 + 459); /* truncated, not rounded */
	assert_true(ok("2025-03-04T10:05:00.9999999Z") == T0 + 999);
	assert_true(ok("2025-03-04T10:05:00.123456789012Z") == T0 + 123);
	bad("2025-03-04T10:05:00.Z");
	bad("2025-03-04T10:05:00.");
	bad("2025-03-04T10:05:00.12a");
}

static void offsets(void **state)
{
	(void)state;
	assert_true(ok("2025-03-04T10:05:00+00:00") == T0);
	assert_true(ok("2025-03-04T10:05:00.6955459+00:00") == T0 + 695);
	assert_true(ok("2025-03-04T05:05:00-05:00") == T0);
	assert_true(ok("2025-03-04T04:35:00-05:30") == T0);
	assert_true(ok("2025-03-04T15:35:00+0530") == T0);
	assert_true(ok("2025-03-04T15:35:00+05:30") == T0);
	assert_true(ok("2025-03-04T10:05:00") == T0); /* no zone: UTC */
	assert_true(ok("2025-03-04t10:05:00z") == T0);
	/* crossing midnight and year */
	assert_true(ok("2025-01-01T01:00:00+02:00") == ok("2024-12-31T23:00:00Z"));
	bad("2025-03-04T10:05:00+5:30");
	bad("2025-03-04T10:05:00+05");
	bad("2025-03-04T10:05:00+05:3");
	bad("2025-03-04T10:05:00+24:00");
	bad("2025-03-04T10:05:00+05:60");
	bad("2025-03-04T10:05:00Z ");
	bad("2025-03-04T10:05:00ZZ");
	bad("2025-03-04T10:05:00 UTC");
}

static void space_form(void **state)
{
	(void)state;
	/* the token endpoint's "timestamp" */
	assert_true(ok("2025-03-04 10:17:42Z") == ok("2025-03-04T10:17:42Z"));
	bad("2025-03-04_10:17:42Z");
	bad("2025-03-04  10:17:42Z");
}

static void calendar(void **state)
{
	(void)state;
	assert_true(ok("1970-01-01T00:00:00Z") == 0);
	assert_true(ok("2000-02-29T00:00:00Z") == INT64_C(951782400000));  /* 400-year leap */
	assert_true(ok("2024-02-29T12:00:00Z") == INT64_C(1709208000000));
	assert_true(ok("2024-12-31T23:59:59.999Z") == INT64_C(1735689599999));
	assert_true(ok("9999-12-31T23:59:59Z") == INT64_C(253402300799000));
	bad("2025-02-29T00:00:00Z");
	bad("1900-02-29T00:00:00Z");
	bad("2100-02-29T00:00:00Z");
	bad("2025-04-31T00:00:00Z");
	bad("2025-13-01T00:00:00Z");
	bad("2025-00-01T00:00:00Z");
	bad("2025-01-00T00:00:00Z");
	bad("2025-01-32T00:00:00Z");
	bad("2025-01-01T24:00:00Z");
	bad("2025-01-01T23:60:00Z");
	bad("2025-01-01T23:59:60Z");
	bad("1969-12-31T23:59:59Z");
	bad("0000-01-01T00:00:00Z");
	bad("10000-01-01T00:00:00Z");
	bad("2025-1-01T00:00:00Z");
	bad("2025/01/01T00:00:00Z");
	bad("2025-01-01T00:00Z");
	bad("2025-01-01");
	bad("");
	bad("not a timestamp at all");
	bad("2025-0a-01T00:00:00Z");
	bad("-025-01-01T00:00:00Z");
}

static void civil(void **state)
{
	int64_t y;
	unsigned m, d;

	(void)state;
	assert_int_equal(rm_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(rm_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(rm_days_from_civil(2000, 3, 1), 11017);
	/* both directions agree over a wide range */
	for (int64_t z = -800000; z <= 3000000; z += 7) {
		rm_civil_from_days(z, &y, &m, &d);
		assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
		assert_true(rm_days_from_civil(y, m, d) == z);
	}
}

static void round_trip(void **state)
{
	char out[32];
	int64_t ms, back;

	(void)state;
	assert_string_equal(rm_time_format(T0, 0, out, sizeof out), "2025-03-04T10:05:00Z");
	assert_string_equal(rm_time_format(T0 + 459, 1, out, sizeof out), "2025-03-04T10:05:00.459Z");
	assert_string_equal(rm_time_format(0, 1, out, sizeof out), "1970-01-01T00:00:00.000Z");
	/* before the epoch: floor, not truncation */
	assert_string_equal(rm_time_format(-1, 1, out, sizeof out), "1969-12-31T23:59:59.999Z");
	/* a too-small buffer is cut, never overrun */
	assert_string_equal(rm_time_format(T0, 0, out, 5), "2025");
	for (ms = 0; ms < INT64_C(253402300799999); ms += INT64_C(86399999) * 37 + 1234) {
		rm_time_format(ms, 1, out, sizeof out);
		assert_int_equal(rm_time_parse(out, strlen(out), &back), 0);
		assert_true(back == ms);
		rm_time_format(ms, 0, out, sizeof out);
		assert_int_equal(rm_time_parse(out, strlen(out), &back), 0);
		assert_true(back == ms - ms % 1000);
	}
}

/* Everything the strict form takes, the "any" form takes alike. */
static void any_iso(void **state)
{
	static const char *const iso[] = {
		"2025-03-04T10:05:00Z",      "2025-03-04T10:05:00.4592251Z", "2025-03-04T15:35:00+05:30",
		"2025-03-04 10:17:42Z",      "2025-03-04T10:05:00",         "2024-02-29T12:00:00Z",
		"1970-01-01T00:00:00Z",      "9999-12-31T23:59:59.999Z",
	};

	(void)state;
	for (size_t i = 0; i < sizeof iso / sizeof iso[0]; i++)
		assert_true(any(iso[i]) == ok(iso[i]));
	/* and the strict one stays strict */
	bad("11/14/2025 1:48:53 AM");
	bad("2/25/2025, 9:19:25.391 AM");
	bad("06/22/2022 10:24:59");
	any_bad("2025-03-04T10:05:00+24:00");
	any_bad("1970-01-01T00:00:00+01:00");
}

static void us_forms(void **state)
{
	(void)state;
	/* diagnostic `time` (log-shapes 3.6) */
	assert_true(any("11/14/2025 1:48:53 AM") == INT64_C(1763084933000));
	assert_true(any("11/14/2025 01:48:53 AM") == INT64_C(1763084933000));
	assert_true(any("11/14/2025 1:48:53 am") == INT64_C(1763084933000));
	assert_true(any("11/14/2025 1:48:53 PM") == INT64_C(1763084933000) + 12 * 3600000);
	/* legacy portal CreatedDateTime (3.1) */
	assert_true(any("3/12/2025 7:22:01 AM") == INT64_C(1741764121000));
	assert_true(any("03/12/2025 07:22:01 AM") == INT64_C(1741764121000));
	/* Log Analytics portal export (3.2) */
	assert_true(any("2/25/2025, 9:19:25.391 AM") == INT64_C(1740475165391));
	assert_true(any("2/25/2025, 9:19:25 AM") == INT64_C(1740475165000));
	assert_true(any("2/25/2025, 9:19:25.3 AM") == INT64_C(1740475165300));
	assert_true(any("2/25/2025, 9:19:25.3919999 AM") == INT64_C(1740475165391));
	assert_true(any("12/5/2022, 5:22:23.884 AM") == INT64_C(1670217743884));
	assert_true(any("3/4/2025, 10:19:03.117 AM") == INT64_C(1741083543117));
	assert_true(any("3/4/2025, 10:19:03.117 PM") == INT64_C(1741083543117) + 12 * 3600000);
	/* 24-hour, FunctionAppLogs (3.6) */
	assert_true(any("06/22/2022 10:24:59") == INT64_C(1655893499000));
	assert_true(any("6/22/2022 22:24:59") == INT64_C(1655893499000) + 12 * 3600000);
	assert_true(any("6/22/2022 0:00:00") == INT64_C(1655856000000));
	assert_true(any("6/22/2022, 10:24:59.5") == INT64_C(1655893499500));
}

static void us_midnight_noon(void **state)
{
	int64_t day = any("3/4/2025 0:00:00");

	(void)state;
	assert_true(day == ok("2025-03-04T00:00:00Z"));
	assert_true(any("3/4/2025 12:00:00 AM") == day);
	assert_true(any("3/4/2025 12:59:59 AM") == day + 3599000);
	assert_true(any("3/4/2025 1:00:00 AM") == day + 3600000);
	assert_true(any("3/4/2025 11:59:59 AM") == day + 43199000);
	assert_true(any("3/4/2025 12:00:00 PM") == day + 43200000);
	assert_true(any("3/4/2025 1:00:00 PM") == day + 46800000);
	assert_true(any("3/4/2025 11:59:59 PM") == day + 86399000);
	assert_true(any("3/4/2025 23:59:59") == day + 86399000);
}

static void us_calendar(void **state)
{
	(void)state;
	assert_true(any("2/29/2024 12:00:00 PM") == INT64_C(1709208000000));
	assert_true(any("2/29/2000 0:00:00") == INT64_C(951782400000));
	assert_true(any("1/1/1970 12:00:00 AM") == 0);
	assert_true(any("12/31/9999 11:59:59.999 PM") == INT64_C(253402300799999));
	any_bad("2/29/2025 1:00:00 AM");
	any_bad("2/29/1900 1:00:00 AM");
	any_bad("4/31/2025 1:00:00 AM");
	any_bad("12/31/1969 11:59:59 PM");
	any_bad("1/1/10000 1:00:00 AM");
	any_bad("1/1/0000 1:00:00 AM");
	any_bad("0/1/2025 1:00:00 AM");
	any_bad("1/0/2025 1:00:00 AM");
	any_bad("1/32/2025 1:00:00 AM");
	/* day-first text where it cannot be month-first: refused, not swapped */
	any_bad("13/1/2025 1:00:00 AM");
	any_bad("25/02/2025 09:19:25");
	any_bad("31/12/2024 23:59:59");
	/* ambiguous day-first text is read month-first (documented) */
	assert_true(any("05/01/2024 00:00:00") == ok("2024-05-01T00:00:00Z"));
}

static void us_refused(void **state)
{
	(void)state;
	/* hours out of range for the form */
	any_bad("3/4/2025 0:00:00 AM");
	any_bad("3/4/2025 0:30:00 PM");
	any_bad("3/4/2025 13:00:00 PM");
	any_bad("3/4/2025 13:00:00 AM");
	any_bad("3/4/2025 24:00:00");
	any_bad("3/4/2025 1:60:00 AM");
	any_bad("3/4/2025 1:00:60 AM");
	/* missing or short pieces */
	any_bad("3/4/2025 1:00 AM");
	any_bad("3/4/2025 1:00");
	any_bad("3/4/2025");
	any_bad("3/4/2025 ");
	any_bad("3/4/25 1:00:00 AM");
	any_bad("3/4 1:00:00 AM");
	any_bad("3/4/2025 1:0:00 AM");
	any_bad("3/4/2025 1:00:0 AM");
	any_bad("3/4/2025 :00:00 AM");
	any_bad("/4/2025 1:00:00 AM");
	any_bad("3//2025 1:00:00 AM");
	any_bad("3/4/2025 1:00:00.");
	any_bad("3/4/2025 1:00:00. AM");
	any_bad("3/4/2025 1:00:00 A");
	any_bad("3/4/2025 1:00:00 AMX");
	/* too many digits */
	any_bad("003/4/2025 1:00:00 AM");
	any_bad("3/004/2025 1:00:00 AM");
	any_bad("3/4/02025 1:00:00 AM");
	any_bad("3/4/2025 001:00:00 AM");
	any_bad("3/4/2025 1:000:00 AM");
	/* separators */
	any_bad("3-4-2025 1:00:00 AM");
	any_bad("3/4/2025  1:00:00 AM");
	any_bad("3/4/2025,1:00:00 AM");
	any_bad("3/4/2025 ,1:00:00 AM");
	any_bad("3/4/2025T1:00:00 AM");
	any_bad("3/4/2025 1:00:00AM");
	any_bad("3/4/2025 1:00:00  AM");
	any_bad("3/4/2025 1:00:00 XM");
	any_bad("3/4/2025 1:00:00 A.M.");
	/* trailing junk, zones */
	any_bad("3/4/2025 1:00:00 AM ");
	any_bad("3/4/2025 1:00:00 AM Z");
	any_bad("3/4/2025 1:00:00Z");
	any_bad("3/4/2025 1:00:00 UTC");
	any_bad("3/4/2025 1:00:00 +00:00");
	any_bad("3/4/2025 13:00:00x");
	any_bad(" 3/4/2025 1:00:00 AM");
	any_bad("");
	any_bad("-3/4/2025 1:00:00 AM");
	any_bad("+3/4/2025 1:00:00 AM");
}

/* A byte count, not a C string: nothing past n is read or needed. */
static void us_length_bound(void **state)
{
	const char *s = "3/4/2025 1:00:00 AMjunk";
	int64_t ms;

	(void)state;
	assert_int_equal(rm_time_parse_any(s, 19, &ms), 0);
	assert_true(ms == any("3/4/2025 1:00:00 AM"));
	assert_int_equal(rm_time_parse_any(s, 16, &ms), 0); /* "3/4/2025 1:00:00" */
	assert_int_not_equal(rm_time_parse_any(s, 18, &ms), 0);
	assert_int_not_equal(rm_time_parse_any(s, 17, &ms), 0);
	for (size_t n = 0; n < 16; n++)
		assert_int_not_equal(rm_time_parse_any(s, n, &ms), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fractions), cmocka_unit_test(offsets), cmocka_unit_test(space_form),
		cmocka_unit_test(calendar),  cmocka_unit_test(civil),   cmocka_unit_test(round_trip),
		cmocka_unit_test(any_iso),   cmocka_unit_test(us_forms), cmocka_unit_test(us_midnight_noon),
		cmocka_unit_test(us_calendar), cmocka_unit_test(us_refused),
		cmocka_unit_test(us_length_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
