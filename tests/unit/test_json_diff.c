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
 * Documents with a key repeated exactly are left out of (b) as well (JSON
 * does not say which one wins; jansson keeps the last); names differing
 * only in case are compared.
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
	size_t inputs, both_accept, both_reject, known_diff, compared_records, dup_keys, unsure;
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
		json_t *strict;

		st->both_accept++;
		/* keys repeated exactly: JSON leaves which one wins open, and
		 * jansson keeps only the last (names differing in case are compared) */
		strict = json_loadb(b, len + 1, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, NULL);
		if (!strict) {
			st->known_diff++;
			st->dup_keys++;
			json_decref(j);
			free(b);
			return;
		}
		json_decref(strict);
		memset(&a, 0, sizeof a);
		memset(&r, 0, sizeof r);
		mine_doc(b, len + 1, &a);
		ref_doc(j, &r);
		if (r.unsure) {
			st->known_diff++;
			st->unsure++;
			if (getenv("JSON_DIFF_SHOW_UNSURE"))
				print_message("unsure: %s: %.*s\n", what, (int)len, in);
		}
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
	              "%zu rejected by both, %zu known differences (%zu duplicate keys, %zu unsure)\n",
	              files, st.inputs, st.both_accept, st.compared_records, st.both_reject, st.known_diff,
	              st.dup_keys, st.unsure);
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
		/* JSON text nested deeper than revmon decodes */
		"\"{\\\"category\\\":\\\"AuditLogs\\\",\\\"properties\\\":\\\"{\\\\\\\"id\\\\\\\":\\\\"
		"\\\"p\\\\\\\",\\\\\\\"activityDateTime\\\\\\\":\\\\\\\"2025-03-04T10:05:00Z\\\\\\\",\\"
		"\\\\\"initiatedBy\\\\\\\":\\\\\\\"{\\\\\\\\\\\\\\\"app\\\\\\\\\\\\\\\":\\\\\\\\\\\\\\"
		"\"{}\\\\\\\\\\\\\\\"}\\\\\\\"}\\\"}\"",
		/* the first properties wins */
		"{\"time\":\"2025-03-04T10:05:00Z\",\"category\":\"SignInLogs\",\"Properties\":{\"id\":"
		"\"one\",\"createdDateTime\":\"2025-03-04T10:05:00Z\",\"status\":{\"errorCode\":0}},\"p"
		"roperties\":{\"id\":\"two\"}}",
		/* a query answer's rows before, between and after its columns */
		"{\"tables\":[{\"rows\":[[\"c1\",\"2025-03-04T10:05:00Z\",null]],\"columns\":[{\"name\""
		":\"Id\"}],\"Rows\":[[\"b1\",\"2025-03-04T10:05:00Z\",\"x\"]],\"COLUMNS\":[{\"ColumnNam"
		"e\":\"CreatedDateTime\"},{\"name\":5,\"ColumnName\":\"Type\"}]},7,{\"columns\":[{\"nam"
		"e\":\"id\"},{\"name\":\"activityDateTime\"}],\"rows\":[[\"d\",\"2025-03-04T10:05:00Z\""
		"],5]}]}",
		/* two containers and two next links */
		"{\"@odata.nextLink\":\"https://a/1\",\"value\":[{\"id\":\"v\",\"createdDateTime\":\"20"
		"25-03-04T10:05:00Z\",\"status\":{\"errorCode\":0}}],\"records\":[\"{\\\"id\\\":\\\"r\\"
		"\",\\\"activityDateTime\\\":\\\"2025-03-04T10:05:00Z\\\"}\",\"[1]\",3],\"@ODATA.NEXTLI"
		"NK\":\"https://a/2\"}",
		/* service principal event types, but interactive */
		"{\"id\":\"x\",\"createdDateTime\":\"2025-03-04T10:05:00Z\",\"signInEventTypes\":\"[\\"
		"\"servicePrincipal\\\"]\",\"isInteractive\":true,\"status\":{\"errorCode\":0}}",
		/* errors in an ignored record */
		"{\"Type\":\"AADServicePrincipalSignInLogs\",\"Id\":5,\"CreatedDateTime\":null}",
		/* the first "Is CAE Token" decides */
		"{\"id\":\"x\",\"createdDateTime\":\"2025-03-04T10:05:00Z\",\"status\":{\"errorCode\":0"
		"},\"authenticationProcessingDetails\":[{\"Key\":\"Is CAE Token\",\"VALUE\":\"false\"},"
		"{\"key\":\"Is CAE Token\",\"value\":\"true\"}]}",
	};
	struct stats st = {0};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check(cases[i], strlen(cases[i]), cases[i], &st);
}

/* The shapes of records.h, each compared exactly (the reference must be
 * sure of it) and with the counts it should give; then its mutations, as
 * the fixtures' are. */
static void new_shapes(void **state)
{
	static const struct {
		const char *what, *doc;
		size_t records, skipped, rejected;
	} cases[] = {
		{"Log Analytics SigninLogs row, Status an object",
		 "{\"TenantId\":\"t\",\"TimeGenerated\":\"2025-03-04T10:05:01Z\",\"Type\":\"SigninLogs\""
		 ",\"Id\":\"s1\",\"CreatedDateTime\":\"2025-03-04T10:05:00Z\",\"UserId\":\"u1\",\"UserPr"
		 "incipalName\":\"a@b.example\",\"AppId\":\"app1\",\"AppDisplayName\":\"Office\",\"Corre"
		 "lationId\":\"c1\",\"ResultType\":\"50173\",\"ResultDescription\":\"x\",\"Status\":{\"e"
		 "rrorCode\":50173,\"failureReason\":\"AADSTS50173: The grant was issued on '2025-03-04T"
		 "09:00:00Z' and the TokensValidFrom date (before which tokens are not valid) for this u"
		 "ser is '2025-03-04T10:00:00Z'.\"},\"IsInteractive\":true,\"DeviceDetail\":{\"deviceId"
		 "\":\"d1\"}}",
		 1, 0, 0},
		{"AADNonInteractiveUserSignInLogs row, dynamic columns as JSON text",
		 "{\"TimeGenerated\":\"2025-03-04T10:05:01Z\",\"Type\":\"AADNonInteractiveUserSignInLogs"
		 "\",\"Id\":\"n1\",\"CreatedDateTime\":\"2025-03-04T10:05:00Z\",\"UserId\":\"u1\",\"AppI"
		 "d\":\"app1\",\"ResultType\":\"0\",\"Status\":\"{\\\"errorCode\\\":0,\\\"additionalDeta"
		 "ils\\\":\\\"MFA requirement satisfied\\\"}\",\"DeviceDetail\":\"{\\\"deviceId\\\":\\\""
		 "d1\\\",\\\"operatingSystem\\\":\\\"Windows\\\"}\",\"AuthenticationProcessingDetails\":"
		 "\"[{\\\"key\\\":\\\"Legacy TLS\\\",\\\"value\\\":\\\"False\\\"},{\\\"key\\\":\\\"Is CA"
		 "E Token\\\",\\\"value\\\":\\\"True\\\"}]\",\"SignInEventTypes\":\"[\\\"nonInteractiveU"
		 "ser\\\"]\"}",
		 1, 0, 0},
		{"az CLI rows, every value a string",
		 "[{\"TimeGenerated\":\"2025-03-04T10:05:01Z\",\"Type\":\"SigninLogs\",\"Id\":\"z1\",\"C"
		 "reatedDateTime\":\"2025-03-04T10:05:00Z\",\"UserId\":\"u1\",\"UserPrincipalName\":\"a@"
		 "b.example\",\"AppId\":\"app1\",\"ResultType\":\"50126\",\"Status\":\"{\\\"errorCode\\"
		 "\":50126,\\\"failureReason\\\":\\\"Invalid username or password.\\\"}\",\"IsInteractiv"
		 "e\":\"True\",\"DeviceDetail\":\"None\",\"AuthenticationProcessingDetails\":\"None\",\""
		 "SignInEventTypes\":\"None\",\"CorrelationId\":\"c1\",\"TableName\":\"PrimaryResult\"},"
		 "{\"TimeGenerated\":\"2025-03-04T10:05:01Z\",\"Type\":\"AADNonInteractiveUserSignInLogs"
		 "\",\"Id\":\"z2\",\"CreatedDateTime\":\"3/4/2025, 10:05:00.000 AM\",\"UserId\":\"u1\","
		 "\"AppId\":\"app1\",\"ResultType\":\"0\",\"Status\":\"{\\\"errorCode\\\":\\\"0\\\"}\","
		 "\"IsInteractive\":\"False\",\"DeviceDetail\":\"\",\"AuthenticationProcessingDetails\":"
		 "\"null\",\"TableName\":\"PrimaryResult\"},{\"TimeGenerated\":\"2025-03-04T10:05:01Z\","
		 "\"Type\":\"SigninLogs\",\"Id\":\"z3\",\"CreatedDateTime\":\"2025-03-04T10:05:00Z\",\"R"
		 "esultType\":\"0\",\"Status\":\"None\",\"IsInteractive\":\"maybe\"}]",
		 2, 0, 1},
		{"query API answer",
		 "{\"tables\":[{\"name\":\"PrimaryResult\",\"columns\":[{\"name\":\"TimeGenerated\",\"ty"
		 "pe\":\"datetime\"},{\"name\":\"Id\",\"type\":\"string\"},{\"name\":\"CreatedDateTime\""
		 ",\"type\":\"datetime\"},{\"name\":\"UserId\",\"type\":\"string\"},{\"name\":\"AppId\","
		 "\"type\":\"string\"},{\"name\":\"Status\",\"type\":\"dynamic\"},{\"name\":\"IsInteract"
		 "ive\",\"type\":\"bool\"},{\"name\":\"Type\",\"type\":\"string\"}],\"rows\":[[\"2025-03"
		 "-04T10:05:01Z\",\"q1\",\"2025-03-04T10:05:00Z\",\"u1\",\"app1\",{\"errorCode\":0},true"
		 ",\"SigninLogs\"],[\"2025-03-04T10:05:01Z\",\"q2\",\"2025-03-04T10:05:00Z\",\"u2\",\"ap"
		 "p1\",\"{\\\"errorCode\\\":50126}\",false,\"SigninLogs\"],[\"2025-03-04T10:05:01Z\",\"q"
		 "3\",\"2025-03-04T10:05:00Z\",\"u3\",\"app1\",{\"errorCode\":0},false,\"AADServicePrinc"
		 "ipalSignInLogs\"],\"not a row\"]}]}",
		 2, 1, 1},
		{"query API answer (ARM route), rows before columns",
		 "{\"Tables\":[{\"TableName\":\"Table_0\",\"Rows\":[[\"2025-03-04T10:05:01Z\",\"r1\",\"A"
		 "uditLogs\",\"2025-03-04T10:05:00Z\",\"Add member to group\",\"[{\\\"id\\\":\\\"u9\\\","
		 "\\\"type\\\":\\\"User\\\",\\\"userPrincipalName\\\":\\\"c@b.example\\\"}]\"]],\"Column"
		 "s\":[{\"ColumnName\":\"TimeGenerated\",\"DataType\":\"DateTime\"},{\"ColumnName\":\"Id"
		 "\",\"DataType\":\"String\"},{\"ColumnName\":\"Type\",\"DataType\":\"String\"},{\"Colum"
		 "nName\":\"ActivityDateTime\",\"DataType\":\"DateTime\"},{\"ColumnName\":\"OperationNam"
		 "e\",\"DataType\":\"String\"},{\"ColumnName\":\"TargetResources\",\"DataType\":\"Dynami"
		 "c\"}]}]}",
		 1, 0, 0},
		{"top-level array",
		 "[{\"id\":\"g1\",\"createdDateTime\":\"2025-03-04T10:05:00Z\",\"userId\":\"u1\",\"appId"
		 "\":\"a\",\"status\":{\"errorCode\":0},\"isInteractive\":true},{\"id\":\"g2\",\"activit"
		 "yDateTime\":\"2025-03-04T10:05:00Z\",\"activityDisplayName\":\"Update user\",\"result"
		 "\":\"success\",\"targetResources\":[{\"id\":\"u1\",\"type\":\"User\"}]},5,[]]",
		 2, 0, 2},
		{"a record wrapped in a string",
		 "\"{\\\"id\\\":\\\"w1\\\",\\\"createdDateTime\\\":\\\"2025-03-04T10:05:00Z\\\",\\\"stat"
		 "us\\\":{\\\"errorCode\\\":0},\\\"correlationId\\\":\\\"c\\\"}\"",
		 1, 0, 0},
		{"wrapped elements",
		 "{\"records\":[\"{\\\"time\\\":\\\"2025-03-04T10:05:01Z\\\",\\\"category\\\":\\\"SignIn"
		 "Logs\\\",\\\"properties\\\":\\\"{\\\\\\\"id\\\\\\\":\\\\\\\"w2\\\\\\\",\\\\\\\"created"
		 "DateTime\\\\\\\":\\\\\\\"2025-03-04T10:05:00Z\\\\\\\",\\\\\\\"status\\\\\\\":{\\\\\\\""
		 "errorCode\\\\\\\":50173,\\\\\\\"failureReason\\\\\\\":\\\\\\\"AADSTS50173: The grant w"
		 "as issued on '2025-03-04T09:00:00Z' and the TokensValidFrom date (before which tokens "
		 "are not valid) for this user is '2025-03-04T10:00:00Z'.\\\\\\\"}}\\\"}\",\"not a recor"
		 "d\",\"{\\\"time\\\":\\\"2025-03-04T10:05:01Z\\\",\\\"category\\\":\\\"ProvisioningLogs"
		 "\\\",\\\"properties\\\":{}}\"]}",
		 1, 1, 1},
		{"ServicePrincipalSignInLogs export record",
		 "{\"time\":\"2025-03-04T10:05:01Z\",\"category\":\"ServicePrincipalSignInLogs\",\"resul"
		 "tType\":\"0\",\"properties\":{\"id\":\"sp1\",\"createdDateTime\":\"2025-03-04T10:05:00"
		 "Z\",\"servicePrincipalId\":\"x\",\"status\":{\"errorCode\":0}}}",
		 0, 1, 0},
		{"Graph beta service principal sign-in",
		 "{\"id\":\"sp2\",\"createdDateTime\":\"2025-03-04T10:05:00Z\",\"signInEventTypes\":[\"s"
		 "ervicePrincipal\"],\"status\":{\"errorCode\":0}}",
		 0, 1, 0},
		{"AuditLogs row, TargetResources as JSON text",
		 "{\"TimeGenerated\":\"2025-03-04T10:05:01Z\",\"Type\":\"AuditLogs\",\"Id\":\"a1\",\"Act"
		 "ivityDateTime\":\"2025-03-04T10:05:00Z\",\"ActivityDisplayName\":\"Update user\",\"Log"
		 "gedByService\":\"Core Directory\",\"Result\":\"success\",\"CorrelationId\":\"c1\",\"In"
		 "itiatedBy\":\"{\\\"app\\\":{\\\"displayName\\\":\\\"sync\\\"}}\",\"TargetResources\":"
		 "\"[{\\\"id\\\":\\\"u1\\\",\\\"type\\\":\\\"User\\\",\\\"userPrincipalName\\\":\\\"a@b."
		 "example\\\",\\\"modifiedProperties\\\":[{\\\"displayName\\\":\\\"StsRefreshTokensValid"
		 "From\\\",\\\"oldValue\\\":\\\"[]\\\",\\\"newValue\\\":\\\"[\\\\\\\"2025-03-04T10:05:00"
		 "Z\\\\\\\"]\\\"},{\\\"displayName\\\":\\\"AccountEnabled\\\",\\\"newValue\\\":\\\"[fals"
		 "e]\\\"}]}]\"}",
		 1, 0, 0},
		{"names differing only in case",
		 "{\"id\":\"x\",\"ID\":\"y\",\"createdDateTime\":\"2025-03-04T10:05:00Z\",\"Status\":{\""
		 "errorCode\":0},\"status\":{\"ErrorCode\":50126}}",
		 1, 0, 0},
		{"another table",
		 "{\"TimeGenerated\":\"2025-03-04T10:05:01Z\",\"Type\":\"SecurityEvent\",\"Id\":\"o1\"}",
		 0, 1, 0},
		{"unknown category with properties",
		 "{\"time\":\"2025-03-04T10:05:01Z\",\"category\":\"NewCategory\",\"properties\":{\"id\""
		 ":\"o2\",\"createdDateTime\":\"2025-03-04T10:05:00Z\"}}",
		 0, 1, 0},
		{"properties as JSON text, resultType a number",
		 "{\"time\":\"2025-03-04T10:05:01Z\",\"category\":\"NonInteractiveUserSignInLogs\",\"res"
		 "ultType\":50126,\"properties\":\"{\\\"id\\\":\\\"p1\\\",\\\"createdDateTime\\\":\\\"20"
		 "25-03-04T10:05:00Z\\\",\\\"userId\\\":\\\"u\\\"}\"}",
		 1, 0, 0},
	};
	struct stats st = {0};
	char what[256], *mut;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = strlen(cases[i].doc);
		struct outcome a, r;
		json_error_t err;
		json_t *j = json_loadb(cases[i].doc, len, JSON_DECODE_ANY, &err);
		char why[1024];

		if (!j)
			fail_msg("%s: not JSON: %s", cases[i].what, err.text);
		memset(&a, 0, sizeof a);
		memset(&r, 0, sizeof r);
		mine_doc(cases[i].doc, len, &a);
		ref_doc(j, &r);
		if (r.unsure)
			fail_msg("%s: the reference is unsure", cases[i].what);
		if (outcome_diff(&a, &r, why, sizeof why))
			fail_msg("%s: %s", cases[i].what, why);
		if (a.records != cases[i].records || a.skipped != cases[i].skipped ||
		    a.rejected != cases[i].rejected)
			fail_msg("%s: %zu/%zu/%zu records/ignored/rejected, expected %zu/%zu/%zu",
			         cases[i].what, a.records, a.skipped, a.rejected, cases[i].records,
			         cases[i].skipped, cases[i].rejected);
		outcome_free(&a);
		outcome_free(&r);
		json_decref(j);
		check(cases[i].doc, len, cases[i].what, &st);
		mut = malloc(len + 4);
		assert_non_null(mut);
		for (int m = 0; m < MUTATIONS_PER_FILE; m++) {
			size_t n = mutate(cases[i].doc, len, mut);

			snprintf(what, sizeof what, "%s mutation %d", cases[i].what, m);
			check(mut, n, what, &st);
		}
		free(mut);
	}
	print_message("%zu inputs: %zu accepted by both (%zu records compared), %zu rejected by both, "
	              "%zu known differences (%zu duplicate keys, %zu unsure)\n",
	              st.inputs, st.both_accept, st.compared_records, st.both_reject, st.known_diff,
	              st.dup_keys, st.unsure);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(edge_cases),
		cmocka_unit_test(fixtures_and_mutations),
		cmocka_unit_test(new_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
