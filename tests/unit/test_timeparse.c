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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fractions), cmocka_unit_test(offsets), cmocka_unit_test(space_form),
		cmocka_unit_test(calendar),  cmocka_unit_test(civil),   cmocka_unit_test(round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
