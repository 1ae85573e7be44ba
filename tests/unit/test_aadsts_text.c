/* AADSTS50173 failure text: the two embedded times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aadsts_text.h"
#include "timeparse.h"

static int64_t ts(const char *s)
{
	int64_t ms = 0;

	assert_int_equal(rm_time_parse(s, strlen(s), &ms), 0);
	return ms;
}

static int times(const char *text, int64_t *g, int64_t *v)
{
	struct rm_str s = {text, strlen(text)};

	*g = *v = -7;
	return rm_aadsts_50173_times(s, g, v);
}

/* entra-facts.md §5 with the placeholders filled as in §11.1 */
static const char DOC[] =
	"The provided grant has expired due to it being revoked, a fresh auth token is needed. The "
	"user might have changed or reset their password. The grant was issued on "
	"'2025-03-03T08:02:11Z' and the TokensValidFrom date (before which tokens are not valid) for "
	"this user is '2025-03-04T10:05:00Z'.";

static void documented(void **state)
{
	int64_t g, v;

	(void)state;
	assert_int_equal(times(DOC, &g, &v), 0);
	assert_true(g == ts("2025-03-03T08:02:11Z"));
	assert_true(v == ts("2025-03-04T10:05:00Z"));
}

static void variants(void **state)
{
	int64_t g, v;

	(void)state;
	/* raw JSON contents: \u0027 quotes, \r\n, fractions and offsets */
	assert_int_equal(times("AADSTS50173: The provided grant has expired due to it being revoked. The grant "
	                       "was issued on \\u00272025-03-03T08:02:11.6955459+00:00\\u0027 and the "
	                       "TokensValidFrom date (before which tokens are not valid) for this user is "
	                       "\\u00272025-03-04T10:05:00Z\\u0027.\\r\\nTrace ID: abc\\r\\nCorrelation ID: "
	                       "def\\r\\nTimestamp: 2025-03-04 10:17:42Z",
	                       &g, &v),
	                 0);
	assert_true(g == ts("2025-03-03T08:02:11.695Z"));
	assert_true(v == ts("2025-03-04T10:05:00Z"));
	/* escaped double quotes */
	assert_int_equal(times("issued on \\\"2025-03-03T08:02:11Z\\\", TokensValidFrom is "
	                       "\\\"2025-03-04T10:05:00Z\\\"",
	                       &g, &v),
	                 0);
	assert_true(v == ts("2025-03-04T10:05:00Z"));
	/* other case, space form, unquoted */
	assert_int_equal(times("GRANT ISSUED ON 2025-03-03 08:02:11Z. tokensvalidfrom: 2025-03-04T10:05:00Z.",
	                       &g, &v),
	                 0);
	assert_true(g == ts("2025-03-03T08:02:11Z"));
	assert_true(v == ts("2025-03-04T10:05:00Z"));
	/* only TokensValidFrom */
	assert_int_equal(times("The grant has been revoked; TokensValidFrom is '2025-03-04T10:05:00Z'.", &g, &v),
	                 1);
	assert_int_equal(g, 0);
	assert_true(v == ts("2025-03-04T10:05:00Z"));
	/* "issued on" without a date must not borrow TokensValidFrom's */
	assert_int_equal(times("The grant was issued on an unknown date and the TokensValidFrom date is "
	                       "'2025-03-04T10:05:00Z'.",
	                       &g, &v),
	                 1);
	assert_int_equal(g, 0);
}

static void missing_and_garbage(void **state)
{
	int64_t g, v;
	struct rm_str empty = {NULL, 0};

	(void)state;
	/* the shortened export text of §11.3 */
	assert_int_equal(times("The provided grant has expired due to it being revoked, ...", &g, &v), -1);
	assert_int_equal(g, 0);
	assert_int_equal(v, 0);
	assert_int_equal(rm_aadsts_50173_times(empty, &g, &v), -1);
	assert_int_equal(times("", &g, &v), -1);
	assert_int_equal(times("issued on '2025-03-03T08:02:11Z'", &g, &v), -1);
	assert_int_equal(v, 0);
	assert_int_equal(times("TokensValidFrom", &g, &v), -1);
	assert_int_equal(times("TokensValidFrom '", &g, &v), -1);
	assert_int_equal(times("TokensValidFrom '2025-03-04T10:05:00Z", &g, &v), -1);
	assert_int_equal(times("TokensValidFrom 'yesterday'", &g, &v), -1);
	assert_int_equal(times("TokensValidFrom '2025-02-30T10:05:00Z'", &g, &v), -1);
	assert_int_equal(times("TokensValidFrom \\u002", &g, &v), -1);
	assert_int_equal(times("\\\\\\'''''''TokensValidFrom\\", &g, &v), -1);
	/* a bad grant time still yields the valid-from time */
	assert_int_equal(times("issued on '2025-99-03T08:02:11Z' and the TokensValidFrom date is "
	                       "'2025-03-04T10:05:00Z'",
	                       &g, &v),
	                 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(documented),
		cmocka_unit_test(variants),
		cmocka_unit_test(missing_and_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
