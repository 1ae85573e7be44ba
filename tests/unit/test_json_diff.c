/* Differential test: the scanner and the record extractor against jansson.
 *
 * For every fixture in tests/fixtures/records/ and for deterministic random
 * mutations of it (flipped, inserted and deleted bytes):
 *  (a) rm_json_value_end accepts exactly when json_loadb(JSON_DECODE_ANY)
 *      does, and
 *  (b) for accepted documents, rm_doc_parse delivers the same records,
 *      skips and rejects as the reference extractor that walks jansson's
 *      DOM under the rules records.h documents (tests/common/jansson_ref.h,
 *      shared with tests/fuzz/fuzz_json_diff.c).
 *
 * Known, intended differences in (a), counted and reported, not failed:
 *  - rm_json_value_end does not check UTF-8 (for speed) nor pair \u
 *    surrogates; jansson rejects both. rm_json_unescape and the record
 *    extractor check the strings they use.
 *  - jansson refuses integers beyond int64 and reals beyond double;
 *    the scanner checks number syntax only.
 *  - jansson refuses "\u0000" inside keys even with JSON_ALLOW_NUL.
 *  - Depth: the scanner stops at RM_JSON_MAX_DEPTH (64), jansson at 2048;
 *    mutating these fixtures cannot reach either, so it is not handled here.
 * A newline is appended to every input: at the very end of a buffer a bare
 * top-level number is INCOMPLETE for the scanner by design.
 *
 * Also left out of (b) by construction: revmon parses timestamps (and an
 * export's resultType) from the raw string contents, the reference from
 * jansson's encoding of them; they differ only when such a value is written
 * with escapes jansson would write otherwise. Escaped keys and compared
 * strings are decoded by both. Inputs where the reference is unsure (see
 * jansson_ref.h) are counted with the known differences, not compared.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fixtures.h"
#include "jansson_ref.h"
#include "json_scan.h"

#ifndef MUTATIONS_PER_FILE
#define MUTATIONS_PER_FILE 400
#endif

struct stats {
	size_t inputs, both_accept, both_reject, known_diff, compared_records;
};

static int scanner_accepts(const char *b, size_t n)
{
	size_t p = rm_json_skip_ws(b, n, 0), e;
	enum rm_json_type t;

	return rm_json_value_end(b, n, p, &e, &t) == RM_JSON_OK && rm_json_skip_ws(b, n, e) == n;
}

static void check(const char *in, size_t len, const char *what, struct stats *st)
{
	char *b = malloc(len + 1);
	json_error_t err;
	json_t *j;
	int mine;

	assert_non_null(b);
	memcpy(b, in, len);
	b[len] = '\n';
	st->inputs++;
	mine = scanner_accepts(b, len + 1);
	j = json_loadb(b, len + 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (j && !mine)
		fail_msg("%s: jansson accepts, rm_json_value_end rejects", what);
	if (!j && mine) {
		enum json_error_code c = json_error_code(&err);

		if (c != json_error_invalid_utf8 && c != json_error_numeric_overflow &&
		    c != json_error_null_byte_in_key && !strstr(err.text, "invalid Unicode"))
			fail_msg("%s: rm_json_value_end accepts, jansson rejects: %s (code %d)", what, err.text,
			         (int)c);
		st->known_diff++;
	}
	if (!j && !mine)
		st->both_reject++;
	if (j) {
		struct outcome a, r;
		char why[1024];

		st->both_accept++;
		memset(&a, 0, sizeof a);
		memset(&r, 0, sizeof r);
		mine_doc(b, len + 1, &a);
		ref_doc(j, &r);
		if (r.unsure)
			st->known_diff++;
		else if (outcome_diff(&a, &r, why, sizeof why))
			fail_msg("%s: %s", what, why);
		else
			st->compared_records += a.records;
		outcome_free(&a);
		outcome_free(&r);
		json_decref(j);
	}
	free(b);
}

/* xorshift64*: the same mutations on every run */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static char rnd_byte(void)
{
	static const char pick[] = "{}[]:,\"\\ 0123456789-+.eEtfnulrsa'/\t\n";
	uint64_t r = rnd() % 10;

	if (r < 7)
		return pick[rnd() % (sizeof pick - 1)];
	if (r < 8)
		return (char)(0x80 + rnd() % 0x80); /* stray UTF-8 bytes */
	return (char)(rnd() % 256);
}

/* 1..3 random edits of src into dst (room for len + 3). */
static size_t mutate(const char *src, size_t len, char *dst)
{
	size_t n = len, edits = 1 + rnd() % 3;

	memcpy(dst, src, len);
	for (size_t e = 0; e < edits; e++) {
		size_t at = n ? rnd() % n : 0;

		switch (rnd() % 3) {
		case 0:
			if (n)
				dst[at] = rnd_byte();
			break;
		case 1:
			memmove(dst + at + 1, dst + at, n - at);
			dst[at] = rnd_byte();
			n++;
			break;
		default:
			if (n) {
				memmove(dst + at, dst + at + 1, n - at - 1);
				n--;
			}
		}
	}
	return n;
}

static void fixtures_and_mutations(void **state)
{
	char dir[1024], path[2048], what[2200];
	struct stats st = {0};
	struct dirent *de;
	size_t files = 0;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof dir, "%s/records", fixtures_dir());
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name), len;
		char *buf, *mut;

		if (nl < 6 || strcmp(de->d_name + nl - 5, ".json"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		buf = fixture_read(path, &len);
		files++;
		/* the fixture itself must be accepted, and agree */
		snprintf(what, sizeof what, "%s", de->d_name);
		assert_true(scanner_accepts(buf, len));
		check(buf, len, what, &st);
		mut = malloc(len + 4);
		assert_non_null(mut);
		for (int i = 0; i < MUTATIONS_PER_FILE; i++) {
			size_t n = mutate(buf, len, mut);

			snprintf(what, sizeof what, "%s mutation %d", de->d_name, i);
			check(mut, n, what, &st);
		}
		free(mut);
		free(buf);
	}
	closedir(d);
	assert_true(files >= 6);
	print_message("%zu files, %zu inputs: %zu accepted by both (%zu records compared), "
	              "%zu rejected by both, %zu known differences\n",
	              files, st.inputs, st.both_accept, st.compared_records, st.both_reject, st.known_diff);
}

static void edge_cases(void **state)
{
	static const char *const cases[] = {
		"{}", "[]", "0", "-0.0e-0", "\"\"", "null", "[[[[]]]]", "{\"a\":{\"b\":{\"c\":[1,{}]}}}",
		"\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\ud83d\\ude00\"", "\"\xc3\x28\"", "\"\xed\xa0\x80\"",
		"123456789012345678901234567890", "1e999", "{\"a\\u0000b\":1}", "\"a\\u0000b\"", "[1,]",
		"{\"a\":1,}", "\"\x7f\"", " [ 1 , 2 ] ", "{\"value\":[1,{\"id\":\"x\"}],\"records\":[]}",
		"{\"records\":[{\"category\":\"AuditLogs\",\"properties\":{\"id\":\"a\",\"activityDateTime\":"
		"\"2025-03-04T10:05:00Z\"}}]}",
		/* escaped keys are decoded before they are matched */
		"{\"i\\u0064\":\"x\",\"createdDateTime\":\"2025-03-04T10:05:00Z\",\"st\\u0061tus\":"
		"{\"errorCode\":0}}",
	};
	struct stats st = {0};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check(cases[i], strlen(cases[i]), cases[i], &st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(edge_cases),
		cmocka_unit_test(fixtures_and_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
