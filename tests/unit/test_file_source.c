/* The file source through the public API: bad input is counted and skipped,
 * never a crash, and nothing already ingested is lost. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "revmon.h"
#include "replay.h"
#include "scratch.h"

static char dir[64];
static struct replay_log lg; /* what the last run logged */

static void write_file(const char *name, const char *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static const char *good(unsigned i)
{
	static char line[512];

	snprintf(line, sizeof line,
	         "{\"id\":\"good-%u\",\"createdDateTime\":\"2026-01-05T08:%02u:00Z\",\"userId\":\"u%u\","
	         "\"userPrincipalName\":\"u%u@contoso.example\",\"appId\":\"app\",\"isInteractive\":true,"
	         "\"status\":{\"errorCode\":0,\"failureReason\":\"Other.\"}}\n",
	         i, i % 60, i, i);
	return line;
}

static void test_bad_records_are_counted(void **state)
{
	char big[512];
	char *deep, *huge, *all;
	size_t n = 0;
	int failed;
	revmon_snapshot *s;

	(void)state;
	deep = malloc(4096);
	huge = malloc(3u << 20);
	all = malloc(8u << 20);
	assert_non_null(deep);
	assert_non_null(huge);
	assert_non_null(all);
#define ADD(str) do { size_t l_ = strlen(str); memcpy(all + n, str, l_); n += l_; } while (0)
	ADD(good(1));
	ADD("{\"id\":\"bad-type\",\"createdDateTime\":12345,\"userId\":\"u\",\"status\":{\"errorCode\":0}}\n");
	ADD(good(2));
	ADD("{\"createdDateTime\":\"2026-01-05T08:00:00Z\",\"userId\":\"u\",\"status\":{\"errorCode\":0}}\n");
	ADD("{\"id\":\"bad-date\",\"createdDateTime\":\"2026-13-45T08:00:00Z\",\"userId\":\"u\",\"status\":{\"errorCode\":0}}\n");
	ADD("{\"id\":\"bad-code\",\"createdDateTime\":\"2026-01-05T08:00:00Z\",\"userId\":\"u\",\"status\":{\"errorCode\":\"50l73\"}}\n");
	ADD("{\"id\":\"future\",\"createdDateTime\":\"9999-01-05T08:00:00Z\",\"userId\":\"u\",\"status\":{\"errorCode\":0}}\n");
	ADD("not json at all\n");
	ADD("{\"id\":\"bad-utf8\",\"createdDateTime\":\"2026-01-05T08:00:00Z\",\"userId\":\"u\xff\xfe\","
	    "\"status\":{\"errorCode\":0}}\n");
	ADD("[1,2,3]\n");
	/* nesting 1000 deep */
	strcpy(deep, "{\"id\":\"deep\",\"x\":");
	for (int i = 0; i < 1000; i++)
		strcat(deep, "[");
	for (int i = 0; i < 1000; i++)
		strcat(deep, "]");
	strcat(deep, "}\n");
	ADD(deep);
	/* a 3 MB failure text: well-formed, accepted */
	{
		const char *head = "{\"id\":\"huge\",\"createdDateTime\":\"2026-01-05T08:00:00Z\",\"userId\":\"u\","
		                   "\"status\":{\"errorCode\":50126,\"failureReason\":\"";
		size_t hl = strlen(head);

		memcpy(huge, head, hl);
		memset(huge + hl, 'x', (3u << 20) - hl - 8);
		memcpy(huge + (3u << 20) - 8, "\"}}\n", 5);
		ADD(huge);
	}
	ADD(good(3));
	ADD(good(3)); /* duplicate */
	snprintf(big, sizeof big, "%s", good(4));
	big[strlen(big) - 20] = '\0'; /* truncated at the end of the file */
	ADD(big);
#undef ADD
	write_file("mixed.ndjson", all, n);

	{
		char spec[128];

		snprintf(spec, sizeof spec, "file:%s/mixed.ndjson", dir);
		s = replay_run(spec, NULL, NULL, &lg, &failed);
	}
	assert_false(failed);
	assert_int_equal(replay_count(s, "events_ingested"), 4);  /* good 1,2,3 + huge */
	assert_int_equal(replay_count(s, "events_duplicate"), 1);
	/* bad-type, missing id, bad-date, bad-code, future, not json, bad
	 * UTF-8, the array's three elements (none a record), deep, truncated */
	assert_int_equal(replay_count(s, "events_rejected"), 12);
	assert_int_equal(replay_count(s, "signins"), 4);
	assert_int_equal(replay_count(s, "signin_failures_account"), 1);
	assert_non_null(strstr(lg.text, "malformed record skipped"));
	assert_non_null(strstr(lg.text, "mixed.ndjson"));
	revmon_snapshot_free(s);
	free(deep);
	free(huge);
	free(all);
}

static void test_directory_with_unreadable_entries(void **state)
{
	char path[256], spec[128];
	int failed;
	revmon_snapshot *s;

	(void)state;
	snprintf(path, sizeof path, "%s/tree/y=2026/m=01", dir);
	assert_int_equal(system(NULL) != 0, 1);
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
		assert_int_equal(system(cmd), 0);
	}
	write_file("tree/y=2026/m=01/PT1H.json", good(10), strlen(good(10)));
	write_file("tree/a.json", good(11), strlen(good(11)));
	write_file("tree/empty.json", "", 0);
	/* a dangling link: listed, but cannot be read */
	snprintf(path, sizeof path, "%s/tree/gone.json", dir);
	assert_int_equal(symlink("/nonexistent/revmon-gone", path), 0);
	snprintf(spec, sizeof spec, "file:%s/tree", dir);
	s = replay_run(spec, NULL, NULL, &lg, &failed);
	assert_true(failed);
	assert_int_equal(replay_count(s, "events_ingested"), 2);
	assert_int_equal(s->values[revmon_metric_find("source_up")].value, 0.0);
	assert_int_equal(replay_count(s, "source_errors"), 1);
	assert_non_null(strstr(lg.text, "gone.json"));
	assert_false(s->sources[0].up);
	assert_non_null(s->sources[0].error);
	revmon_snapshot_free(s);
}

static void test_empty_file(void **state)
{
	char spec[128];
	int failed;
	revmon_snapshot *s;

	(void)state;
	write_file("empty.ndjson", "\n\n  \n", 5);
	snprintf(spec, sizeof spec, "file:%s/empty.ndjson", dir);
	s = replay_run(spec, NULL, NULL, &lg, &failed);
	assert_false(failed);
	assert_int_equal(replay_count(s, "events_ingested"), 0);
	assert_int_equal(replay_count(s, "events_rejected"), 0);
	assert_false(s->values[revmon_metric_find("ingest_delay")].known);
	assert_false(s->values[revmon_metric_find("revocation_lag_p95")].known);
	revmon_snapshot_free(s);
}

static void append(const char *name, const char *data)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "ab");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
	fclose(f);
}

static uint64_t poll_count(revmon *m, const char *name, int *failed)
{
	revmon_snapshot *s;
	uint64_t v;

	*failed = revmon_poll(m, 5000) != 0;
	s = revmon_snapshot_take(m);
	assert_non_null(s);
	v = replay_count(s, name);
	revmon_snapshot_free(s);
	return v;
}

/* A daemon follows a growing export like tail -F: appended records, records
 * completed later, a vanished file (source down) that comes back (up). */
static void test_follow_growth_and_reappearance(void **state)
{
	struct revmon_error err;
	revmon_conf *c = revmon_conf_new("t", &err);
	char spec[128], path[256], line[512];
	revmon *m;
	int failed;

	(void)state;
	snprintf(path, sizeof path, "%s/live", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file("live/a.json", good(20), strlen(good(20)));
	append("live/a.json", good(21));
	snprintf(spec, sizeof spec, "file:%s/live", dir);
	assert_int_equal(revmon_conf_set(c, "source", spec, &err), 0);
	m = revmon_open(c, NULL, &err);
	assert_non_null(m);
	revmon_conf_free(c);

	assert_int_equal(poll_count(m, "events_ingested", &failed), 2);
	assert_true(revmon_done(m));
	/* one more record and half of another */
	snprintf(line, sizeof line, "%s", good(23));
	append("live/a.json", good(22));
	line[40] = '\0';
	append("live/a.json", line);
	assert_int_equal(poll_count(m, "events_ingested", &failed), 3);
	assert_false(failed);
	append("live/a.json", good(23) + 40); /* the writer finishes the line */
	assert_int_equal(poll_count(m, "events_ingested", &failed), 4);
	assert_int_equal(poll_count(m, "events_rejected", &failed), 0);
	/* a new file in the tree */
	write_file("live/b.json", good(24), strlen(good(24)));
	assert_int_equal(poll_count(m, "events_ingested", &failed), 5);
	/* the whole tree vanishes: down; it comes back rewritten: up, and the
	 * records seen before are duplicates */
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "mv '%s/live' '%s/gone'", dir, dir);
		assert_int_equal(system(cmd), 0);
		assert_int_equal(poll_count(m, "events_ingested", &failed), 5);
		assert_true(failed);
		snprintf(cmd, sizeof cmd, "mv '%s/gone' '%s/live'", dir, dir);
		assert_int_equal(system(cmd), 0);
	}
	write_file("live/a.json", good(20), strlen(good(20)));
	append("live/a.json", good(25));
	assert_int_equal(poll_count(m, "events_ingested", &failed), 6);
	assert_false(failed);
	assert_int_equal(poll_count(m, "events_duplicate", &failed), 1);
	revmon_close(m);
}

/* A tree of n good records in two files, with the given links to "." in
 * its root and in its subdirectory; returns its spec in spec. */
static void loop_tree(const char *name, const char *const *links, char *spec, size_t cap)
{
	char path[256], all[8192];
	size_t n = 0;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/%s/sub", dir, name);
	assert_int_equal(mkdir(path, 0700), 0);
	for (unsigned i = 0; i < 10; i++) {
		memcpy(all + n, good(100 + i), strlen(good(100 + i)));
		n += strlen(good(100 + i));
	}
	snprintf(path, sizeof path, "%s/a.json", name);
	write_file(path, all, n);
	snprintf(path, sizeof path, "%s/sub/b.json", name);
	write_file(path, good(120), strlen(good(120)));
	for (size_t i = 0; links[i]; i++) {
		snprintf(path, sizeof path, "%s/%s/%s", dir, name, links[i]);
		assert_int_equal(symlink(".", path), 0);
	}
	snprintf(spec, cap, "file:%s/%s", dir, name);
}

static size_t occurrences(const char *hay, const char *needle)
{
	size_t k = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		k++;
	return k;
}

/* "ln -s . d/self": each file is read once, and the loop is said once. */
static void test_symlink_to_itself(void **state)
{
	static const char *const links[] = {"self", "sub/up", NULL};
	char spec[160];
	int failed;
	revmon_snapshot *s;

	(void)state;
	loop_tree("selfloop", links, spec, sizeof spec);
	s = replay_run(spec, NULL, NULL, &lg, &failed);
	assert_false(failed);
	assert_int_equal(replay_count(s, "events_ingested"), 11);
	assert_int_equal(replay_count(s, "events_duplicate"), 0);
	assert_int_equal(occurrences(lg.text, "already read"), 1);
	revmon_snapshot_free(s);
}

/* Two links to "." make 2^33 paths: the walk must still end, quickly (an
 * alarm ends the test program otherwise). */
static void test_two_symlink_loops_end(void **state)
{
	static const char *const links[] = {"s1", "s2", "sub/s3", NULL};
	char spec[160];
	int failed;
	revmon_snapshot *s;

	(void)state;
	loop_tree("twoloops", links, spec, sizeof spec);
	alarm(60);
	s = replay_run(spec, NULL, NULL, &lg, &failed);
	alarm(0);
	assert_false(failed);
	assert_int_equal(replay_count(s, "events_ingested"), 11);
	assert_int_equal(replay_count(s, "events_duplicate"), 0);
	assert_int_equal(occurrences(lg.text, "already read"), 1);
	revmon_snapshot_free(s);
}

static int setup(void **state)
{
	(void)state;
	return scratch_make(dir, sizeof dir, "filesrc");
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

/* Lines that straddle the reader's 1 MiB chunks: a malformed line is one
 * reject however many chunks it spans, and what follows on it is never
 * read as a record. */
static void test_bad_lines_across_chunks(void **state)
{
	const size_t mib = 1u << 20;
	char *all = malloc(6u << 20), spec[128];
	size_t n = 0;
	int failed;
	revmon_snapshot *s;

	(void)state;
	assert_non_null(all);
	/* 3 MiB of 'x' on one line, then a good export */
	memset(all, 'x', 3 * mib);
	n = 3 * mib;
	all[n++] = '\n';
	for (unsigned i = 1; i <= 3; i++) {
		memcpy(all + n, good(i), strlen(good(i)));
		n += strlen(good(i));
	}
	write_file("xline.ndjson", all, n);
	snprintf(spec, sizeof spec, "file:%s/xline.ndjson", dir);
	s = replay_run(spec, NULL, NULL, &lg, &failed);
	assert_int_equal(replay_count(s, "events_rejected"), 1);
	assert_int_equal(replay_count(s, "events_ingested"), 3);
	revmon_snapshot_free(s);

	/* five good records, '#' up to exactly 1 MiB, a sixth on the same line */
	n = 0;
	for (unsigned i = 1; i <= 5; i++) {
		const char *g = good(i);

		memcpy(all + n, g, strlen(g) - 1); /* no newline: one line */
		n += strlen(g) - 1;
	}
	memset(all + n, '#', mib - n);
	n = mib;
	memcpy(all + n, good(6), strlen(good(6)));
	n += strlen(good(6));
	write_file("hashes.ndjson", all, n);
	snprintf(spec, sizeof spec, "file:%s/hashes.ndjson", dir);
	s = replay_run(spec, NULL, NULL, &lg, &failed);
	assert_int_equal(replay_count(s, "events_ingested"), 5);
	assert_int_equal(replay_count(s, "events_rejected"), 1);
	revmon_snapshot_free(s);
	free(all);
}

/* max_record_bytes: a longer record is rejected, alone on its line or in
 * a container; a shorter one passes. */
static void test_max_record_bytes(void **state)
{
	char big[4096], page[12288], spec[128], one[512];
	int failed;
	revmon_snapshot *s;

	(void)state;
	snprintf(big, sizeof big,
	         "{\"id\":\"big\",\"createdDateTime\":\"2026-01-05T08:00:00Z\",\"userId\":\"u\","
	         "\"status\":{\"errorCode\":50126,\"failureReason\":\"%03800d\"}}", 0);
	snprintf(one, sizeof one, "%s", good(1)); /* good() reuses its buffer */
	snprintf(page, sizeof page, "%s\n{\"value\":[%s,%.*s]}\n%s", big, big,
	         (int)strlen(one) - 1, one, good(2));
	write_file("big.ndjson", page, strlen(page));
	snprintf(spec, sizeof spec, "file:%s/big.ndjson", dir);
	s = replay_run(spec, "max_record_bytes", "1K", &lg, &failed);
	assert_int_equal(replay_count(s, "events_rejected"), 2);
	assert_int_equal(replay_count(s, "events_ingested"), 2);
	assert_non_null(strstr(lg.text, "record larger than max_record_bytes"));
	revmon_snapshot_free(s);
	s = replay_run(spec, "max_record_bytes", "8K", &lg, &failed);
	assert_int_equal(replay_count(s, "events_rejected"), 0);
	assert_int_equal(replay_count(s, "events_ingested"), 3);
	assert_int_equal(replay_count(s, "events_duplicate"), 1);
	revmon_snapshot_free(s);
}

/* Failure codes the classification table lacks are listed, most frequent
 * first, for classify=CODE:CLASS. */
static void test_unclassified_codes(void **state)
{
	char all[4096], spec[128];
	size_t n = 0;
	int failed;
	revmon_snapshot *s;
	static const int codes[] = {7000215, 7000215, 12345, 7000215, 50173, 0, 12345, 99};

	(void)state;
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		n += (size_t)snprintf(all + n, sizeof all - n,
		                      "{\"id\":\"c%zu\",\"createdDateTime\":\"2026-01-05T08:00:%02zuZ\","
		                      "\"userId\":\"u\",\"status\":{\"errorCode\":%d}}\n",
		                      i, i, codes[i]);
	write_file("codes.ndjson", all, n);
	snprintf(spec, sizeof spec, "file:%s/codes.ndjson", dir);
	s = replay_run(spec, NULL, NULL, &lg, &failed);
	assert_int_equal(s->n_unclassified, 3);
	assert_int_equal(s->unclassified[0].code, 7000215);
	assert_int_equal(s->unclassified[0].count, 3);
	assert_int_equal(s->unclassified[1].code, 12345);
	assert_int_equal(s->unclassified[1].count, 2);
	assert_int_equal(s->unclassified[2].code, 99);
	revmon_snapshot_free(s);
}

/* A complete replay describes the window ending at its newest record: a
 * client presenting a grant revoked four hours earlier (the 50173 text
 * names both times) is stuck, and the rates of an export shorter than the
 * settle delay are known. A file still growing waits the settle delay. */
static void test_complete_replay_has_no_settle(void **state)
{
	static const char rec[] =
		"{\"id\":\"s0\",\"createdDateTime\":\"2026-01-05T11:40:00Z\",\"userId\":\"u3\","
		"\"appId\":\"a\",\"isInteractive\":false,\"status\":{\"errorCode\":0}}\n"
		"{\"id\":\"s1\",\"createdDateTime\":\"2026-01-05T12:00:00Z\",\"userId\":\"u1\","
		"\"appId\":\"a\",\"appDisplayName\":\"Outlook for iOS and Android\",\"isInteractive\":false,"
		"\"status\":{\"errorCode\":50173,\"failureReason\":\"The grant was issued on "
		"'2026-01-04T08:00:00Z' and the TokensValidFrom date (before which tokens are not valid) "
		"for this user is '2026-01-05T08:04:00Z'.\"}}\n"
		"{\"id\":\"s2\",\"createdDateTime\":\"2026-01-05T12:00:30Z\",\"userId\":\"u2\","
		"\"appId\":\"a\",\"isInteractive\":true,\"status\":{\"errorCode\":0},"
		"\"authenticationProcessingDetails\":[{\"key\":\"Is CAE Token\",\"value\":\"True\"}]}\n";
	char spec[128];
	int failed, i;
	revmon_snapshot *s;

	(void)state;
	write_file("stuck.ndjson", rec, sizeof rec - 1);
	snprintf(spec, sizeof spec, "file:%s/stuck.ndjson", dir);
	s = replay_run(spec, NULL, NULL, &lg, &failed);
	assert_int_equal(s->settle_ms, 0);
	i = revmon_metric_find("stale_clients");
	assert_true(s->values[i].known && s->values[i].value == 1.0);
	i = revmon_metric_find("stale_age_max");
	assert_true(s->values[i].known && s->values[i].value > 3 * 3600.0);
	i = revmon_metric_find("cae_token_ratio");
	assert_true(s->values[i].known);
	i = revmon_metric_find("reauth_rate");
	assert_true(s->values[i].known);
	revmon_snapshot_free(s);
}

/* A file that is no log export at all: one clear error, nothing else. */
static void test_not_an_export(void **state)
{
	static const char text[] = "hello\nthis is not a log export\nat all\n";
	char spec[128];
	int failed;
	revmon_snapshot *s;

	(void)state;
	write_file("notes.txt", text, sizeof text - 1);
	snprintf(spec, sizeof spec, "file:%s/notes.txt", dir);
	s = replay_run(spec, NULL, NULL, &lg, &failed);
	assert_int_equal(replay_count(s, "events_rejected"), 1);
	assert_non_null(strstr(lg.text, "nor CSV with a header row"));
	revmon_snapshot_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_records_are_counted),
		cmocka_unit_test(test_directory_with_unreadable_entries),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_follow_growth_and_reappearance),
		cmocka_unit_test(test_bad_lines_across_chunks),
		cmocka_unit_test(test_max_record_bytes),
		cmocka_unit_test(test_not_an_export),
		cmocka_unit_test(test_unclassified_codes),
		cmocka_unit_test(test_complete_replay_has_no_settle),
		cmocka_unit_test(test_symlink_to_itself),
		cmocka_unit_test(test_two_symlink_loops_end),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
