/* The Log Analytics query API's pure parts: the query revmon sends for a
 * window, partial answers, and what each documented error answer means
 * (log-shapes.md §2.2, §2.4, §2.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "la_api.h"
#include "json_scan.h"
#include "timeparse.h"

static int64_t ts(const char *s)
{
	int64_t ms;

	assert_int_equal(rm_time_parse(s, strlen(s), &ms), 0);
	return ms;
}

/* The body is JSON; its query text, unescaped, is exactly the subset the
 * stand-in (and the service) reads. */
static void test_query_body(void **state)
{
	struct rm_buf b = {0};
	struct rm_json_val q, span;
	char text[2048];
	long n;

	(void)state;
	assert_int_equal(rm_la_query_body(&b, &rm_la_tables[RM_LA_NONINTERACTIVE],
	                                  ts("2025-03-04T10:00:00Z"), ts("2025-03-04T10:30:00.250Z"), 5000),
	                 0);
	assert_int_equal(rm_json_obj_get(b.data, b.len, "query", &q), 1);
	assert_int_equal(rm_json_obj_get(b.data, b.len, "timespan", &span), 1);
	n = rm_json_unescape(q.s, text, sizeof text);
	assert_true(n > 0);
	assert_string_equal(text,
	                    "AADNonInteractiveUserSignInLogs\n"
	                    "| where TimeGenerated > datetime(2025-03-02T09:00:00.000Z) and "
	                    "ingestion_time() > datetime(2025-03-04T10:00:00.000Z) and "
	                    "ingestion_time() <= datetime(2025-03-04T10:30:00.250Z)\n"
	                    "| project TimeGenerated, Type, Id, CreatedDateTime, UserId, "
	                    "UserPrincipalName, AppId, AppDisplayName, DeviceDetail, Status, ResultType, "
	                    "ResultDescription, IsInteractive, AuthenticationProcessingDetails, "
	                    "CorrelationId, _TimeReceived\n"
	                    "| take 5000");
	assert_int_equal((int)span.s.n, (int)strlen("2025-03-02T09:00:00.000Z/2025-03-05T10:30:00.250Z"));
	assert_memory_equal(span.s.p, "2025-03-02T09:00:00.000Z/2025-03-05T10:30:00.250Z", span.s.n);
	rm_buf_free(&b);
}

static void test_partial(void **state)
{
	static const char partial[] =
		"{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":[],\"rows\":[]}],"
		"\"error\":{\"code\":\"PartialError\",\"message\":\"There were some errors\","
		"\"details\":[{\"code\":\"QueryExecutionLimitExceeded\"}]}}";
	static const char whole[] = "{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":[],\"rows\":[]}]}";

	(void)state;
	assert_int_equal(rm_la_partial(partial, sizeof partial - 1), 1);
	assert_int_equal(rm_la_partial(whole, sizeof whole - 1), 0);
	assert_int_equal(rm_la_partial("", 0), 0);
	assert_int_equal(rm_la_partial("[1]", 3), 0);
}

static const char *describe(long status, const char *body, int table, int *unusable, int *smaller)
{
	static char out[400];

	return rm_la_error_describe(status, body, body ? strlen(body) : 0, &rm_la_tables[table], "ws-1",
	                            out, sizeof out, unusable, smaller);
}

static void test_errors(void **state)
{
	int u, sm;
	const char *m;

	(void)state;
	m = describe(400, "{\"error\":{\"code\":\"BadArgumentError\",\"message\":\"The request had some "
	                  "invalid properties\",\"innererror\":{\"code\":\"SemanticError\",\"message\":"
	                  "\"A semantic error occurred.\",\"innererror\":{\"code\":\"SEM0100\",\"message\":"
	                  "\"'where' operator: Failed to resolve table or column expression named "
	                  "'AADNonInteractiveUserSignInLogs'\"}}}}",
	             RM_LA_NONINTERACTIVE, &u, &sm);
	assert_int_equal(u, 1);
	assert_non_null(strstr(m, "NonInteractiveUserSignInLogs category"));
	assert_non_null(strstr(m, "la_noninteractive = no"));
	m = describe(403, "{\"error\":{\"code\":\"InsufficientAccessError\",\"message\":\"The provided "
	                  "credentials have insufficient access to perform the requested operation\"}}",
	             RM_LA_SIGNINS, &u, &sm);
	assert_int_equal(u, 1);
	assert_non_null(strstr(m, "Log Analytics Reader"));
	assert_non_null(strstr(m, "ws-1"));
	m = describe(403, "{\"error\":{\"code\":\"InvalidAuthenticationTokenAudience\",\"message\":\"x\"}}",
	             RM_LA_SIGNINS, &u, &sm);
	assert_int_equal(u, 1);
	assert_non_null(strstr(m, "la_scope"));
	m = describe(404, "{\"error\":{\"code\":\"PathNotFoundError\",\"message\":\"x\"}}", RM_LA_AUDITS,
	             &u, &sm);
	assert_int_equal(u, 1);
	assert_non_null(strstr(m, "Workspace ID"));
	m = describe(504, NULL, RM_LA_AUDITS, &u, &sm);
	assert_int_equal(u, 0);
	assert_int_equal(sm, 1);
	m = describe(429, "{\"error\":{\"code\":\"ThrottledError\",\"message\":\"x\"}}", RM_LA_AUDITS, &u,
	             &sm);
	assert_int_equal(u, 0);
	assert_int_equal(sm, 0);
	assert_non_null(strstr(m, "ThrottledError"));
	m = describe(503, "not json", RM_LA_AUDITS, &u, &sm);
	assert_int_equal(u, 0);
	assert_non_null(strstr(m, "503"));
	m = describe(400, "{\"error\":{\"code\":\"BadArgumentError\",\"message\":\"bad\",\"innererror\":"
	                  "{\"code\":\"SyntaxError\",\"message\":\"A recognition error\"}}}",
	             RM_LA_AUDITS, &u, &sm);
	assert_int_equal(u, 1);
	assert_non_null(strstr(m, "SyntaxError"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_body),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
