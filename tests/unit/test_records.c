/* Record extraction over the documented example shapes (entra-facts.md
 * §11.1-11.3, in tests/fixtures/records/) and over broken input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "json_scan.h"
#include "platform.h"
#include "records.h"
#include "timeparse.h"

/* the kind of an ignored record, which these tests do not look at */
static struct rm_str kind_;

static char *load_fixture(const char *name, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof path, "%s/records/%s", fixtures_dir(), name);
	return fixture_read(path, len);
}

static int64_t ts(const char *s)
{
	int64_t ms = 0;

	assert_int_equal(rm_time_parse(s, strlen(s), &ms), 0);
	return ms;
}

/* Compare a raw slice with the expected (escape-free) text. */
#define assert_str(slice, lit)                                                         \
	do {                                                                           \
		struct rm_str s_ = (slice);                                            \
		if (s_.n != strlen(lit) || memcmp(s_.p, lit, s_.n) != 0)               \
			fail_msg("%s: got '%.*s', want '%s'", #slice, (int)s_.n,       \
			         s_.p ? s_.p : "", lit);                               \
	} while (0)

/* The one record of a fixture, which must parse; returns the buffer its
 * slices point into, for the caller to free. */
static char *parse_fixture(const char *name, struct rm_event *ev)
{
	const char *why = NULL;
	size_t n;
	char *buf = load_fixture(name, &n);

	/* rm_record_parse wants buf[0] == '{'; the fixtures end with a newline */
	assert_int_equal(rm_record_parse(buf, n, NULL, ev, &why, &kind_), RM_REC_OK);
	return buf;
}

/* The sign-in both sign-in fixtures carry, in the Graph's shape and in the
 * export's: the same event, so the same fields. */
static void assert_the_signin(const struct rm_event *ev)
{
	assert_int_equal(ev->kind, RM_EV_SIGNIN);
	assert_str(ev->id, "66ea54eb-0000-4ee5-be62-ff5a759b0100");
	assert_str(ev->correlation_id, "3ad2b5b1-ef09-4c50-81ad-853aef57674d");
	assert_str(ev->user_id, "26be570a-1111-5555-b4e2-a37c6808512d");
	assert_str(ev->upn, "adelev@contoso.com");
	assert_str(ev->app_id, "27922004-5251-4030-b22d-91ecd9a37ea4");
	assert_str(ev->app_name, "Outlook for iOS and Android");
	assert_int_equal(ev->error_code, 50173);
	assert_int_equal(ev->interactive, 0);
	assert_int_equal(ev->cae, 0);
	assert_true(ev->grant_ms == ts("2025-03-03T08:02:11Z"));
	assert_true(ev->tokens_valid_from_ms == ts("2025-03-04T10:05:00Z"));
}

/* Likewise the directory audit both audit fixtures carry. */
static void assert_the_audit(const struct rm_event *ev)
{
	assert_int_equal(ev->kind, RM_EV_AUDIT);
	assert_true(ev->time_ms == ts("2025-03-04T10:05:00.459Z"));
	assert_str(ev->id, "Directory_1PF86_84995795");
	assert_str(ev->activity, "Update StsRefreshTokenValidFrom Timestamp");
	assert_str(ev->service, "Core Directory");
	assert_int_equal(ev->result_ok, 1);
	assert_str(ev->user_id, "26be570a-1111-5555-b4e2-a37c6808512d");
	assert_str(ev->upn, "adelev@contoso.com");
	assert_true(ev->valid_from_ms == ts("2025-03-04T10:05:00Z"));
}

static void graph_signin(void **state)
{
	struct rm_event ev;
	char *buf = parse_fixture("graph_signin_beta.json", &ev);

	(void)state;
	assert_the_signin(&ev);
	assert_true(ev.time_ms == ts("2025-03-04T10:17:42Z"));
	assert_int_equal(ev.device_id.n, 0);
	assert_str(ev.os, "Ios 18.2.1");
	assert_int_equal(ev.activity.n, 0);
	assert_int_equal(ev.valid_from_ms, 0);
	free(buf);
}

static void graph_audit(void **state)
{
	struct rm_event ev;
	char *buf = parse_fixture("graph_directory_audit.json", &ev);

	(void)state;
	assert_the_audit(&ev);
	assert_str(ev.correlation_id, "6f731794-70de-46a8-9c9a-8cd0ea10e119");
	assert_int_equal(ev.initiator_app.n, 0);
	assert_int_equal(ev.account_disabled, 0);
	assert_int_equal(ev.error_code, 0);
	assert_int_equal(ev.cae, -1);
	free(buf);
}

static void export_signin(void **state)
{
	struct rm_event ev;
	char *buf = parse_fixture("export_noninteractive_signin.json", &ev);

	(void)state;
	assert_the_signin(&ev);
	/* properties.createdDateTime (+00:00), truncated to ms */
	assert_true(ev.time_ms == ts("2025-03-04T10:17:42.695Z"));
	free(buf);
}

static void export_audit(void **state)
{
	struct rm_event ev;
	char *buf = parse_fixture("export_auditlogs.json", &ev);

	(void)state;
	/* the first target is a Group: the User comes second */
	assert_the_audit(&ev);
	assert_str(ev.initiator_app, "Microsoft Azure AD Cloud Sync");
	assert_int_equal(ev.account_disabled, 1);
	free(buf);
}

/* A sink that keeps copies of what it is given. */
#define MAXEV 16
struct collect {
	struct rm_event ev[MAXEV];
	size_t nev;
	const char *why[MAXEV];
	size_t off[MAXEV];
	size_t nrej;
};

static void on_event(void *ctx, const struct rm_event *ev)
{
	struct collect *c = ctx;

	if (c->nev < MAXEV)
		c->ev[c->nev] = *ev;
	c->nev++;
}

static void on_reject(void *ctx, const char *why, size_t off)
{
	struct collect *c = ctx;

	if (c->nrej < MAXEV) {
		c->why[c->nrej] = why;
		c->off[c->nrej] = off;
	}
	c->nrej++;
}

static int doc(const char *buf, size_t n, struct collect *c, struct rm_doc_result *res)
{
	struct rm_sink sink = {.event = on_event, .reject = on_reject, .ctx = c};

	memset(c, 0, sizeof *c);
	return rm_doc_parse(buf, n, &sink, res);
}

static void graph_page(void **state)
{
	struct collect c;
	struct rm_doc_result res;
	size_t n;
	char *buf = load_fixture("graph_page_signins.json", &n);

	(void)state;
	assert_int_equal(doc(buf, n, &c, &res), 0);
	assert_int_equal(res.records, 3);
	assert_int_equal(res.ignored, 0);
	assert_int_equal(res.rejected, 0);
	assert_int_equal(c.nev, 3);
	assert_str(res.next_link, "https://graph.microsoft.com/beta/auditLogs/signins?$filter=createdDateTime+ge+"
	                          "2025-03-04T00:00:00Z&$top=3&$skiptoken=3cff4f1b0a");
	assert_str(c.ev[0].id, "66ea54eb-0000-4ee5-be62-ff5a759b0101");
	assert_true(c.ev[0].time_ms == ts("2025-03-04T10:11:00.123Z"));
	assert_int_equal(c.ev[0].error_code, 0);
	assert_int_equal(c.ev[0].interactive, 1);
	assert_int_equal(c.ev[0].cae, 1);
	assert_int_equal(c.ev[0].grant_ms, 0);
	assert_str(c.ev[1].id, "66ea54eb-0000-4ee5-be62-ff5a759b0102");
	assert_int_equal(c.ev[1].error_code, 50173);
	assert_int_equal(c.ev[1].interactive, 0);
	assert_int_equal(c.ev[1].cae, 0); /* "false": case-insensitive */
	assert_true(c.ev[1].grant_ms == ts("2025-03-03T08:02:11Z"));
	assert_true(c.ev[1].tokens_valid_from_ms == ts("2025-03-04T10:05:00Z"));
	assert_int_equal(c.ev[2].error_code, 50133);
	assert_int_equal(c.ev[2].cae, -1); /* "Unknown" is neither */
	assert_int_equal(c.ev[2].tokens_valid_from_ms, 0);
	free(buf);
}

static void eventhubs_mixed(void **state)
{
	struct collect c;
	struct rm_doc_result res;
	size_t n;
	char *buf = load_fixture("eventhubs_mixed.json", &n);

	(void)state;
	assert_int_equal(doc(buf, n, &c, &res), 0);
	assert_int_equal(res.records, 3);
	assert_int_equal(res.ignored, 1); /* ProvisioningLogs */
	assert_int_equal(res.rejected, 0);
	assert_int_equal(res.next_link.n, 0);
	assert_int_equal(c.ev[0].kind, RM_EV_SIGNIN);
	assert_int_equal(c.ev[0].error_code, 50173);
	assert_int_equal(c.ev[1].kind, RM_EV_AUDIT);
	assert_int_equal(c.ev[1].account_disabled, 1);
	assert_int_equal(c.ev[2].kind, RM_EV_SIGNIN);
	assert_str(c.ev[2].id, "a1a1a1a1-0000-4ee5-be62-ff5a759b0200");
	assert_int_equal(c.ev[2].error_code, 0);
	assert_int_equal(c.ev[2].interactive, 1); /* no isInteractive: category SignInLogs */
	assert_int_equal(c.ev[2].cae, -1);
	/* properties lacks correlationId: the envelope's */
	assert_str(c.ev[2].correlation_id, "3ad2b5b1-ef09-4c50-81ad-853aef57674d");
	assert_true(c.ev[2].time_ms == ts("2025-03-04T10:17:42.695Z"));
	free(buf);
}

static int parse_s(const char *s, struct rm_event *ev, const char **why)
{
	*why = NULL;
	return rm_record_parse(s, strlen(s), NULL, ev, why, &kind_);
}

static void assert_bad(const char *s, const char *reason_part)
{
	struct rm_event ev;
	const char *why;
	int r = parse_s(s, &ev, &why);

	if (r != RM_REC_BAD)
		fail_msg("accepted (%d): %s", r, s);
	assert_non_null(why);
	if (reason_part && !strstr(why, reason_part))
		fail_msg("reason '%s' lacks '%s' for %s", why, reason_part, s);
}

#define SI_HEAD "{\"id\":\"x1\",\"createdDateTime\":\"2025-03-04T10:17:42Z\","

static void export_fallbacks(void **state)
{
	struct rm_event ev;
	const char *why;

	(void)state;
	/* no status in properties: resultType (a string) and resultDescription */
	assert_int_equal(parse_s("{\"time\":\"2025-03-04T10:17:42Z\",\"category\":\"NonInteractiveUserSignInLogs\","
	                         "\"resultType\":\"50173\",\"correlationId\":\"c-top\",\"location\":\"US\","
	                         "\"resourceId\":\"/tenants/t/providers/Microsoft.aadiam\",\"resultDescription\":"
	                         "\"issued on \\u00272025-03-03T08:02:11Z\\u0027 ... TokensValidFrom ... "
	                         "\\u00272025-03-04T10:05:00Z\\u0027.\",\"properties\":{\"id\":\"p1\","
	                         "\"location\":{\"city\":\"X\"},\"resourceId\":\"0000\"}}",
	                         &ev, &why),
	                 RM_REC_OK);
	assert_int_equal(ev.error_code, 50173);
	assert_true(ev.time_ms == ts("2025-03-04T10:17:42Z"));
	assert_str(ev.correlation_id, "c-top");
	assert_str(ev.id, "p1");
	assert_int_equal(ev.interactive, 0);
	assert_true(ev.grant_ms == ts("2025-03-03T08:02:11Z"));
	assert_true(ev.tokens_valid_from_ms == ts("2025-03-04T10:05:00Z"));
	/* isInteractive wins over the category */
	assert_int_equal(parse_s("{\"category\":\"NonInteractiveUserSignInLogs\",\"properties\":{\"id\":\"p\","
	                         "\"createdDateTime\":\"2025-03-04T10:17:42Z\",\"isInteractive\":true,"
	                         "\"status\":{\"errorCode\":0}}}",
	                         &ev, &why),
	                 RM_REC_OK);
	assert_int_equal(ev.interactive, 1);
	/* other categories are ignored, even when their contents would be bad */
	assert_int_equal(parse_s("{\"category\":\"ServicePrincipalSignInLogs\",\"properties\":{\"id\":\"p\","
	                         "\"createdDateTime\":\"2025-03-04T10:17:42Z\"}}", &ev, &why),
	                 RM_REC_SKIP);
	assert_str(kind_, "ServicePrincipalSignInLogs");
	assert_int_equal(parse_s("{\"category\":\"ProvisioningLogs\",\"properties\":{\"id\":5}}", &ev, &why),
	                 RM_REC_SKIP);
	assert_int_equal(parse_s("{\"category\":\"RiskyUsers\",\"time\":\"x\",\"properties\":{}}", &ev, &why),
	                 RM_REC_SKIP);
	/* bad resultType when it is needed */
	assert_bad("{\"category\":\"SignInLogs\",\"resultType\":\"Failure\",\"properties\":{\"id\":\"p\","
	           "\"createdDateTime\":\"2025-03-04T10:17:42Z\"}}",
	           "resultType");
	/* audit export: operationName stands in for activityDisplayName */
	assert_int_equal(parse_s("{\"time\":\"2025-03-04T10:05:00Z\",\"category\":\"AuditLogs\",\"operationName\":"
	                         "\"Disable account\",\"properties\":{\"id\":\"a\",\"result\":\"failure\"}}",
	                         &ev, &why),
	                 RM_REC_OK);
	assert_int_equal(ev.kind, RM_EV_AUDIT);
	assert_str(ev.activity, "Disable account");
	assert_int_equal(ev.result_ok, 0);
	assert_true(ev.time_ms == ts("2025-03-04T10:05:00Z"));
}

static void graph_variants(void **state)
{
	struct rm_event ev;
	const char *why;

	(void)state;
	/* interactive from signInEventTypes when isInteractive is absent */
	assert_int_equal(parse_s(SI_HEAD "\"signInEventTypes\":[\"interactiveUser\"],\"status\":{\"errorCode\":0}}",
	                         &ev, &why),
	                 RM_REC_OK);
	assert_int_equal(ev.interactive, 1);
	assert_int_equal(parse_s(SI_HEAD "\"signInEventTypes\":[\"nonInteractiveUser\"],\"status\":{\"errorCode\":0}}",
	                         &ev, &why),
	                 RM_REC_OK);
	assert_int_equal(ev.interactive, 0);
	/* service principal sign-ins are read past */
	assert_int_equal(parse_s(SI_HEAD "\"signInEventTypes\":[\"servicePrincipal\"],\"status\":{\"errorCode\":0}}",
	                         &ev, &why),
	                 RM_REC_SKIP);
	/* nulls are absent values; extra members are ignored */
	assert_int_equal(parse_s(SI_HEAD "\"userId\":null,\"deviceDetail\":null,\"x\":{\"y\":[1,2,{}]},"
	                         "\"authenticationProcessingDetails\":null,\"status\":{\"errorCode\":70044,"
	                         "\"failureReason\":null}}",
	                         &ev, &why),
	                 RM_REC_OK);
	assert_int_equal(ev.error_code, 70044);
	assert_int_equal(ev.user_id.n, 0);
	assert_int_equal(ev.cae, -1);
	/* escaped 50173 text: \u0027 quotes and \r\n */
	assert_int_equal(parse_s(SI_HEAD "\"status\":{\"errorCode\":50173,\"failureReason\":\"AADSTS50173: "
	                         "The grant was issued on \\u00272025-03-03T08:02:11.1234567Z\\u0027 and the\\r\\n"
	                         "TokensValidFrom date for this user is \\u00272025-03-04T10:05:00Z\\u0027.\"}}",
	                         &ev, &why),
	                 RM_REC_OK);
	assert_true(ev.grant_ms == ts("2025-03-03T08:02:11.123Z"));
	assert_true(ev.tokens_valid_from_ms == ts("2025-03-04T10:05:00Z"));
	/* whitespace everywhere */
	assert_int_equal(parse_s("{ \"id\" : \"a\" ,\n\t\"activityDateTime\" :\r\n \"2025-03-04T10:05:00Z\" , "
	                         "\"targetResources\" : [ { \"type\" : \"user\" , \"id\" : \"u\" , "
	                         "\"modifiedProperties\" : [ { \"displayName\" : \"AccountEnabled\" , "
	                         "\"newValue\" : \" [ false ] \" } ] } ] }  \n",
	                         &ev, &why),
	                 RM_REC_OK);
	assert_int_equal(ev.kind, RM_EV_AUDIT);
	assert_str(ev.user_id, "u");
	assert_int_equal(ev.account_disabled, 1);
	/* empty modifiedProperties, no User target */
	assert_int_equal(parse_s("{\"id\":\"a\",\"activityDateTime\":\"2025-03-04T10:05:00Z\",\"targetResources\":"
	                         "[{\"type\":\"Device\",\"id\":\"d\",\"modifiedProperties\":[]}]}",
	                         &ev, &why),
	                 RM_REC_OK);
	assert_int_equal(ev.user_id.n, 0);
	assert_int_equal(ev.valid_from_ms, 0);
	/* a key written with an escape still counts */
	assert_int_equal(parse_s("{\"i\\u0064\":\"k\",\"activityDateTime\":\"2025-03-04T10:05:00Z\"}", &ev, &why),
	                 RM_REC_OK);
	assert_str(ev.id, "k");
}

static void bad_records(void **state)
{
	(void)state;
	assert_bad("", "empty");
	assert_bad("[]", "not an object");
	assert_bad("{", "truncated");
	assert_bad("{\"id\":\"x\",}", "malformed");
	assert_bad(SI_HEAD "\"status\":{\"errorCode\":0}} x", "trailing");
	/* wrong types */
	assert_bad(SI_HEAD "\"status\":{\"errorCode\":\"50173a\"}}", "status.errorCode");
	assert_bad(SI_HEAD "\"status\":{\"errorCode\":\"05\"}}", "status.errorCode");
	assert_bad(SI_HEAD "\"status\":{\"errorCode\":501.73}}", "status.errorCode");
	assert_bad(SI_HEAD "\"status\":{\"errorCode\":99999999999}}", "status.errorCode");
	assert_bad(SI_HEAD "\"status\":\"failure\"}", "status");
	assert_bad("{\"id\":\"x\",\"createdDateTime\":1741083462000,\"status\":{\"errorCode\":0}}",
	           "createdDateTime: not a timestamp");
	assert_bad("{\"id\":7,\"createdDateTime\":\"2025-03-04T10:17:42Z\",\"status\":{\"errorCode\":0}}", "id");
	assert_bad(SI_HEAD "\"isInteractive\":\"maybe\",\"status\":{\"errorCode\":0}}", "isInteractive");
	assert_bad(SI_HEAD "\"signInEventTypes\":\"interactiveUser\",\"status\":{\"errorCode\":0}}",
	           "signInEventTypes");
	assert_bad("{\"id\":\"a\",\"activityDateTime\":\"2025-03-04T10:05:00Z\",\"targetResources\":{}}",
	           "targetResources");
	assert_bad("{\"id\":\"a\",\"activityDateTime\":\"2025-03-04T10:05:00Z\",\"targetResources\":[{\"type\":"
	           "\"User\",\"modifiedProperties\":[{\"displayName\":\"StsRefreshTokensValidFrom\","
	           "\"newValue\":\"[\\\"yesterday\\\"]\"}]}]}",
	           "StsRefreshTokensValidFrom");
	/* missing fields */
	assert_bad("{\"createdDateTime\":\"2025-03-04T10:17:42Z\",\"status\":{\"errorCode\":0}}", "id: missing");
	assert_bad("{\"id\":\"\",\"createdDateTime\":\"2025-03-04T10:17:42Z\",\"status\":{\"errorCode\":0}}",
	           "id: empty");
	assert_bad(SI_HEAD "\"userId\":\"u\"}", "sign-in without status");
	assert_bad("{\"id\":\"x\",\"userId\":\"u\"}", "neither");
	assert_bad("{\"category\":\"SignInLogs\",\"properties\":{\"id\":\"p\",\"status\":{\"errorCode\":0}}}",
	           "createdDateTime: missing");
	/* absurd timestamps */
	assert_bad("{\"id\":\"x\",\"createdDateTime\":\"1969-12-31T23:59:59Z\"}", "createdDateTime");
	assert_bad("{\"id\":\"x\",\"createdDateTime\":\"10000-01-01T00:00:00Z\"}", "createdDateTime");
	assert_bad("{\"id\":\"x\",\"createdDateTime\":\"2025-13-04T10:17:42Z\"}", "createdDateTime");
	assert_bad("{\"id\":\"x\",\"createdDateTime\":\"2025-02-29T10:17:42Z\"}", "createdDateTime");
	assert_bad("{\"id\":\"x\",\"activityDateTime\":\"2025-03-04T25:00:00Z\"}", "activityDateTime");
	/* invalid strings in needed fields */
	assert_bad(SI_HEAD "\"status\":{\"errorCode\":50173,\"failureReason\":\"bad \xc3\x28 utf-8\"}}",
	           "failureReason");
	assert_bad(SI_HEAD "\"status\":{\"errorCode\":0},\"userPrincipalName\":\"a\\ud800b\"}",
	           "userPrincipalName");
	assert_bad(SI_HEAD "\"status\":{\"errorCode\":0},\"userPrincipalName\":\"a\\x\"}", "malformed");
	assert_bad(SI_HEAD "\"status\":{\"errorCode\":0},\"appId\":\"tab\there\"}", "malformed");
}

static void truncations(void **state)
{
	struct rm_event ev;
	const char *why;
	size_t n, i, end;
	char *buf = load_fixture("graph_signin_beta.json", &n);
	char *copy = malloc(n);

	(void)state;
	end = n;
	while (end > 0 && buf[end - 1] == '\n')
		end--;
	/* every proper prefix is rejected (copied so ASan sees each end) */
	for (i = 0; i < end; i++) {
		memcpy(copy, buf, i);
		assert_int_equal(rm_record_parse(copy, i, NULL, &ev, &why, &kind_), RM_REC_BAD);
		assert_non_null(why);
	}
	free(copy);
	free(buf);
}

static void huge_and_deep(void **state)
{
	struct rm_event ev;
	const char *why;
	size_t big = 2u << 20, n, i;
	char *s = malloc(big + 512);

	(void)state;
	/* a 2 MB string in an ignored member and in failureReason */
	n = (size_t)snprintf(s, 512, SI_HEAD "\"userAgent\":\"");
	memset(s + n, 'a', big);
	n += big;
	n += (size_t)snprintf(s + n, 512, "\",\"status\":{\"errorCode\":50173,\"failureReason\":\"x\"}}");
	assert_int_equal(rm_record_parse(s, n, NULL, &ev, &why, &kind_), RM_REC_OK);
	n = (size_t)snprintf(s, 512, SI_HEAD "\"status\":{\"errorCode\":50173,\"failureReason\":\"");
	memset(s + n, 'b', big);
	n += big;
	n += (size_t)snprintf(s + n, 512, "\"}}");
	assert_int_equal(rm_record_parse(s, n, NULL, &ev, &why, &kind_), RM_REC_OK);
	assert_int_equal(ev.tokens_valid_from_ms, 0);
	free(s);

	/* nesting 1000 deep */
	s = malloc(4096);
	n = (size_t)snprintf(s, 512, SI_HEAD "\"status\":{\"errorCode\":0},\"x\":");
	for (i = 0; i < 1000; i++)
		s[n++] = '[';
	for (i = 0; i < 1000; i++)
		s[n++] = ']';
	s[n++] = '}';
	assert_int_equal(rm_record_parse(s, n, NULL, &ev, &why, &kind_), RM_REC_BAD);
	assert_string_equal(why, "nesting too deep");
	free(s);
}

static void doc_shapes(void **state)
{
	struct collect c;
	struct rm_doc_result res;
	static const char broken_mid[] =
		"{\"value\":[" SI_HEAD "\"status\":{\"errorCode\":0}},"
		"{\"id\":\"y\",\"createdDateTime\":\"2025-03-04T10:17:42Z\",\"status\":{\"errorCode\":\"zero\"}},"
		"{\"id\":\"z\",\"createdDateTime\":\"2025-03-04T10:17:43Z\",\"status\":{\"errorCode\":0}}],"
		"\"@odata.nextLink\":\"https://next\"}";
	static const char not_obj[] = "{\"records\":[" SI_HEAD "\"status\":{\"errorCode\":0}}, 42, "
	                              "{\"id\":\"z\",\"activityDateTime\":\"2025-03-04T10:17:43Z\"}]}";
	static const char cut[] = "{\"value\":[" SI_HEAD "\"status\":{\"errorCode\":0}},"
	                          "{\"id\":\"y\",\"createdDateTime\":\"2025-03-04T10:17:42Z\",\"sta";
	static const char trailing_comma[] = "{\"value\":[" SI_HEAD "\"status\":{\"errorCode\":0}},]}";
	static const char single[] = "  " SI_HEAD "\"status\":{\"errorCode\":0}}\n";
	const char *p;

	(void)state;
	assert_int_equal(doc(broken_mid, sizeof broken_mid - 1, &c, &res), 0);
	assert_int_equal(res.records, 2);
	assert_int_equal(res.rejected, 1);
	assert_int_equal(c.nrej, 1);
	assert_string_equal(c.why[0], "status.errorCode: not an integer");
	p = strstr(broken_mid, "{\"id\":\"y\"");
	assert_int_equal(c.off[0], (size_t)(p - broken_mid));
	assert_str(c.ev[0].id, "x1");
	assert_str(c.ev[1].id, "z");
	assert_str(res.next_link, "https://next");

	assert_int_equal(doc(not_obj, sizeof not_obj - 1, &c, &res), 0);
	assert_int_equal(res.records, 2);
	assert_int_equal(res.rejected, 1);
	assert_string_equal(c.why[0], "element: not an object");
	assert_int_equal(c.ev[1].kind, RM_EV_AUDIT);

	/* structure breaks inside the array: what came before stays delivered */
	assert_int_equal(doc(cut, sizeof cut - 1, &c, &res), RM_REC_BAD);
	assert_int_equal(res.records, 1);
	assert_int_equal(res.rejected, 1);
	assert_string_equal(c.why[0], "truncated JSON");
	assert_int_equal(doc(trailing_comma, sizeof trailing_comma - 1, &c, &res), RM_REC_BAD);
	assert_int_equal(res.records, 1);
	assert_int_equal(res.rejected, 1);

	/* a single record, with surrounding whitespace */
	assert_int_equal(doc(single, sizeof single - 1, &c, &res), 0);
	assert_int_equal(res.records, 1);
	assert_str(c.ev[0].id, "x1");

	/* documents that are no record at all */
	assert_int_equal(doc("", 0, &c, &res), RM_REC_BAD);
	assert_int_equal(c.nrej, 1);
	assert_int_equal(doc(" \n", 2, &c, &res), RM_REC_BAD);
	assert_int_equal(doc("[1,2]", 5, &c, &res), 0); /* an array of no records */
	assert_int_equal(res.rejected, 2);
	assert_string_equal(c.why[0], "element: not an object");
	assert_int_equal(doc("42", 2, &c, &res), RM_REC_BAD);
	assert_string_equal(c.why[0], "document: not a record, an array of records or a container");
	assert_int_equal(doc("\"str\"", 5, &c, &res), RM_REC_BAD);
	assert_int_equal(doc("{\"a\":1}", 7, &c, &res), RM_REC_BAD);
	assert_int_equal(res.rejected, 1);
	assert_int_equal(doc("{\"a\":1} {}", 10, &c, &res), RM_REC_BAD);
	assert_int_equal(doc("{\"value\":[]}", 12, &c, &res), 0);
	assert_int_equal(res.records + res.rejected + res.ignored, 0);
}

/* What the walk over json_scan's iterator promises: escaped keys decoded,
 * nesting counted from each skipped value, offsets in the whole buffer. */
static void walk_edges(void **state)
{
	static const char esc_keys[] = "{\"i\\u0064\":\"x1\",\"createdDateTime\":\"2025-03-04T10:17:42Z\","
	                               "\"st\\u0061tus\":{\"error\\u0043ode\":50173},"
	                               "\"\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d"
	                               "\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d"
	                               "\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d"
	                               "\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d"
	                               "\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d\\u0069d\":5}";
	static const char broken[] = "\n {\"value\":[" SI_HEAD "\"status\":{\"errorCode\":0}},"
	                             "{\"id\":\"y\" \"x\"}]}";
	static const char elem[] = "  {\"records\":[7]}";
	struct collect c;
	struct rm_doc_result res;
	struct rm_event ev;
	const char *why = NULL;
	char *s;
	size_t n, i;

	(void)state;
	assert_int_equal(rm_record_parse(esc_keys, sizeof esc_keys - 1, NULL, &ev, &why, &kind_), RM_REC_OK);
	assert_str(ev.id, "x1");
	assert_int_equal(ev.error_code, 50173);

	/* the break is reported where it was found, after the good element */
	assert_int_equal(doc(broken, sizeof broken - 1, &c, &res), RM_REC_BAD);
	assert_int_equal(res.records, 1);
	assert_int_equal(c.nrej, 1);
	assert_string_equal(c.why[0], "malformed JSON");
	assert_int_equal(c.off[0], (size_t)(strstr(broken, " \"x\"") + 1 - broken));
	assert_int_equal(doc(elem, sizeof elem - 1, &c, &res), 0);
	assert_string_equal(c.why[0], "element: not an object");
	assert_int_equal(c.off[0], (size_t)(strchr(elem, '7') - elem));

	/* an export whose properties hold a member 64 deep: the walk enters
	 * properties in place, so only the member's own depth counts */
	s = malloc(512);
	n = (size_t)snprintf(s, 256, "{\"time\":\"2025-03-04T10:17:42Z\",\"category\":\"SignInLogs\","
	                             "\"resultType\":\"0\",\"properties\":{\"id\":\"p1\",\"x\":");
	for (i = 0; i < RM_JSON_MAX_DEPTH; i++)
		s[n++] = '[';
	for (i = 0; i < RM_JSON_MAX_DEPTH; i++)
		s[n++] = ']';
	s[n++] = '}';
	s[n++] = '}';
	assert_int_equal(rm_record_parse(s, n, NULL, &ev, &why, &kind_), RM_REC_OK);
	assert_str(ev.id, "p1");
	free(s);
}

/* One platform however the log spells it; unknown ones by their first word. */
static void platform_names(void **state)
{
	static const char *const cases[][2] = {
		{"Ios 18.2.1", "iOS"},   {"iOS", "iOS"},         {"MacOs", "macOS"},
		{"Mac OS X", "macOS"},   {"Windows 10", "Windows"}, {"Android 14", "Android"},
		{"Linux", "Linux"},      {"", ""},               {"  BlackBerry 10", "BlackBerry"},
		{"Tizen/7", "Tizen"},
	};
	char out[32], tiny[4];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(rm_platform_of((struct rm_str){cases[i][0], strlen(cases[i][0])}, out, sizeof out),
		                    cases[i][1]);
	assert_string_equal(rm_platform_of((struct rm_str){"Windows", 7}, tiny, sizeof tiny), "Win");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(graph_signin),    cmocka_unit_test(graph_audit),
		cmocka_unit_test(export_signin),   cmocka_unit_test(export_audit),
		cmocka_unit_test(graph_page),      cmocka_unit_test(eventhubs_mixed),
		cmocka_unit_test(export_fallbacks), cmocka_unit_test(graph_variants),
		cmocka_unit_test(bad_records),     cmocka_unit_test(truncations),
		cmocka_unit_test(huge_and_deep),   cmocka_unit_test(doc_shapes),
		cmocka_unit_test(walk_edges),      cmocka_unit_test(platform_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
