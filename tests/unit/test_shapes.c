/* The shapes users hold (../shared/reference/log-shapes.md), as fixtures
 * built from its documented examples in tests/fixtures/shapes/: each one
 * carries the same sign-in (the 50173 of entra-facts §11), and each must
 * give the same event; then the file source over all of them at once, and
 * the records revmon reads past. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "csv_records.h"
#include "fixtures.h"
#include "records.h"
#include "replay.h"
#include "revmon.h"
#include "timeparse.h"

#define MAX_EV 8

/* What the sink saw, with the events' strings copied out of the arena. */
struct seen {
	size_t n, rejected, ignored;
	struct rm_event ev[MAX_EV];
	char ids[MAX_EV][64], users[MAX_EV][64], apps[MAX_EV][64], names[MAX_EV][64];
	char why[128], kind[64];
};

static void copy(char *out, struct rm_str s)
{
	snprintf(out, 64, "%.*s", (int)s.n, s.p ? s.p : "");
}

static void on_event(void *ctx, const struct rm_event *ev)
{
	struct seen *s = ctx;

	if (s->n == MAX_EV)
		fail_msg("too many events");
	s->ev[s->n] = *ev;
	copy(s->ids[s->n], ev->id);
	copy(s->users[s->n], ev->user_id);
	copy(s->apps[s->n], ev->app_id);
	copy(s->names[s->n], ev->app_name);
	s->n++;
}

static void on_reject(void *ctx, const char *why, size_t off)
{
	struct seen *s = ctx;

	(void)off;
	s->rejected++;
	snprintf(s->why, sizeof s->why, "%s", why);
}

static void on_ignore(void *ctx, struct rm_str kind, size_t off)
{
	struct seen *s = ctx;

	(void)off;
	s->ignored++;
	copy(s->kind, kind);
}

static char *load(const char *name, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof path, "%s/shapes/%s", fixtures_dir(), name);
	return fixture_read(path, len);
}

static int64_t ts(const char *s)
{
	int64_t ms = 0;

	assert_int_equal(rm_time_parse(s, strlen(s), &ms), 0);
	return ms;
}

/* The one sign-in every fixture holds. time_ms: the precision its shape
 * keeps (the portal shows milliseconds, the admin center seconds). */
static void assert_the_signin(const struct seen *s, int64_t time_ms)
{
	const struct rm_event *ev = &s->ev[0];

	if (s->rejected)
		fail_msg("rejected: %s", s->why);
	assert_int_equal(s->n, 1);
	assert_int_equal(ev->kind, RM_EV_SIGNIN);
	assert_string_equal(s->ids[0], "66ea54eb-0000-4ee5-be62-ff5a759b0100");
	assert_string_equal(s->users[0], "26be570a-1111-5555-b4e2-a37c6808512d");
	assert_string_equal(s->apps[0], "27922004-5251-4030-b22d-91ecd9a37ea4");
	assert_string_equal(s->names[0], "Outlook for iOS and Android");
	assert_true(ev->time_ms == time_ms);
	assert_int_equal(ev->error_code, 50173);
	assert_int_equal(ev->interactive, 0);
	assert_true(ev->grant_ms == ts("2025-03-03T08:02:11Z"));
	assert_true(ev->tokens_valid_from_ms == ts("2025-03-04T10:05:00Z"));
}

static void json_shape(const char *name, struct seen *s, struct rm_arena *arena)
{
	struct rm_sink sink = {.event = on_event, .reject = on_reject, .ignore = on_ignore,
	                       .arena = arena};
	struct rm_doc_result res;
	size_t n;
	char *buf = load(name, &n);

	memset(s, 0, sizeof *s);
	sink.ctx = s;
	print_message("  %s\n", name);
	assert_int_equal(rm_doc_parse(buf, n, &sink, &res), 0);
	free(buf);
}

static void test_json_shapes(void **state)
{
	static const char *const cae_known[] = {
		"la_noninteractive_row.json", "la_row_objects.json", "la_query_answer.json",
		"azcli_query.json", "powershell_signin.json", "monitor_properties_text.json",
		"record_in_string.json", "graph_array.json",
	};
	const int64_t t7 = ts("2025-03-04T10:17:42.695Z"), t0 = ts("2025-03-04T10:17:42Z");
	struct rm_arena arena = {0};
	struct seen s;

	(void)state;
	for (size_t i = 0; i < sizeof cae_known / sizeof cae_known[0]; i++) {
		json_shape(cae_known[i], &s, &arena);
		assert_the_signin(&s, strstr(cae_known[i], "graph_array") ? t0 : t7);
		assert_int_equal(s.ev[0].cae, 0);
	}
	rm_arena_free(&arena);
}

/* CSV, through the header and then the row. */
static void csv_shape(const char *name, const struct rm_csv_hint *hint, struct seen *s)
{
	struct rm_arena arena = {0};
	struct rm_sink sink = {.event = on_event, .reject = on_reject, .ignore = on_ignore,
	                       .arena = &arena};
	struct rm_csv_reader *r = NULL;
	const char *why = NULL;
	size_t n, pos, end;
	char *buf = load(name, &n);

	memset(s, 0, sizeof *s);
	sink.ctx = s;
	pos = rm_csv_skip_bom(buf, n);
	assert_true(rm_csv_looks_like_header(buf, n));
	assert_int_equal(rm_csv_header(buf, n, pos, 1, &r, &end, &why), RM_CSV_OK);
	for (pos = end; rm_csv_record(r, buf, n, pos, 1, hint, &sink, &end) == RM_CSV_OK; pos = end)
		;
	rm_csv_reader_free(r);
	rm_arena_free(&arena);
	free(buf);
}

static void test_csv_shapes(void **state)
{
	struct rm_csv_hint none = {-1, NULL}, non = {0, NULL}, msi = {-1, "managed identity sign-ins"};
	struct seen s;

	(void)state;
	/* the portal's export: " [UTC]" headers, display times, JSON in cells */
	csv_shape("query_data.csv", &none, &s);
	assert_the_signin(&s, ts("2025-03-04T10:17:42.695Z"));
	assert_int_equal(s.ev[0].cae, 0);
	/* the admin center's download: labels; no CAE flag in that shape; the
	 * file's name says non-interactive */
	csv_shape("NonInteractiveSignIns_2025-03-04_2025-03-05.csv", &non, &s);
	assert_the_signin(&s, ts("2025-03-04T10:17:42Z"));
	assert_int_equal(s.ev[0].cae, -1);
	csv_shape("NonInteractiveSignIns_2025-03-04_2025-03-05.csv", &msi, &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.ignored, 1);
}

static void test_ignored_kinds(void **state)
{
	static const char *const kinds[] = {
		"ServicePrincipalSignInLogs", "ManagedIdentitySignInLogs", "MicrosoftGraphActivityLogs",
		"UserRiskEvents", "risk detections", "AADServicePrincipalSignInLogs",
	};
	struct rm_sink sink = {.event = on_event, .reject = on_reject, .ignore = on_ignore};
	struct rm_arena arena = {0};
	struct seen s;
	size_t n, i = 0;
	char *buf = load("ignored_kinds.json", &n), *p = buf, *nl;

	(void)state;
	sink.ctx = &s;
	sink.arena = &arena;
	for (; (nl = memchr(p, '\n', (size_t)(buf + n - p))); p = nl + 1, i++) {
		struct rm_doc_result res;

		memset(&s, 0, sizeof s);
		assert_int_equal(rm_doc_parse(p, (size_t)(nl - p), &sink, &res), 0);
		assert_int_equal(s.ignored, 1);
		assert_int_equal(s.n + s.rejected, 0);
		assert_string_equal(s.kind, kinds[i]);
	}
	assert_int_equal(i, sizeof kinds / sizeof kinds[0]);
	free(buf);
	rm_arena_free(&arena);
}

static struct replay_log lg; /* what the last run logged */

/* The whole folder as one directory source: every file read by its own
 * shape; the one sign-in found in each (so all but one are duplicates), the
 * audits whatever their category, the ignored records counted and named. */
static void test_mixed_directory(void **state)
{
	char spec[1100];
	revmon_snapshot *s;

	(void)state;
	snprintf(spec, sizeof spec, "file:%s/shapes", fixtures_dir());
	s = replay_run(spec, NULL, NULL, &lg, NULL);
	assert_int_equal(replay_count(s, "events_rejected"), 0);
	assert_int_equal(replay_count(s, "events_ignored"), 6);
	assert_int_equal(replay_count(s, "events_ingested"), 3); /* the sign-in and two audits */
	assert_int_equal(replay_count(s, "events_duplicate"), 9);
	assert_int_equal(replay_count(s, "revocations_risk"), 1); /* Identity Protection's category */
	assert_int_equal(replay_count(s, "revocations_admin"), 1); /* a row, TargetResources as text */
	assert_int_equal(replay_count(s, "signin_failures_revoked"), 1);
	assert_non_null(strstr(lg.text, "records of kind 'ServicePrincipalSignInLogs' ignored"));
	assert_non_null(strstr(lg.text, "ignored_kinds.json"));
	revmon_snapshot_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_shapes),
		cmocka_unit_test(test_csv_shapes),
		cmocka_unit_test(test_ignored_kinds),
		cmocka_unit_test(test_mixed_directory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
