/* The CSV reader: RFC 4180 records, resumable positions, header labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"
#include "csv_ref.h"
#include "timeparse.h"

#define MAXF 16

/* One parsed row and what the reader said. */
struct row {
	int r;
	size_t n, end, bad_at;
	struct rm_csv_field f[MAXF];
};

static struct row row_at(const char *buf, size_t len, size_t pos, int eof, size_t max)
{
	struct row w;

	memset(&w, 0, sizeof w);
	w.bad_at = (size_t)-1;
	w.r = rm_csv_row(buf, len, pos, eof, w.f, max, &w.n, &w.end, &w.bad_at);
	return w;
}

static struct row row1(const char *s, int eof)
{
	return row_at(s, strlen(s), 0, eof, MAXF);
}

/* Field i decoded, as a C string (a static buffer per call site is enough). */
static const char *val(const struct row *w, size_t i, char *out, size_t cap)
{
	assert_true(i < w->n);
	assert_true(rm_csv_unquote(w->f[i], out, cap) < cap);
	return out;
}

#define assert_field(w, i, lit)                                                       \
	do {                                                                          \
		char out_[256];                                                       \
		assert_string_equal(val(&(w), (i), out_, sizeof out_), (lit));        \
	} while (0)

static void simple(void **state)
{
	struct row w = row1("a,bc,d\nnext", 0);

	(void)state;
	assert_int_equal(w.r, RM_CSV_OK);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.end, 7);
	assert_field(w, 0, "a");
	assert_field(w, 1, "bc");
	assert_field(w, 2, "d");
	assert_int_equal(w.f[1].quoted, 0);
	/* the slices are the buffer's own bytes */
	w = row1("x,y\n", 1);
	assert_int_equal(w.r, RM_CSV_OK);
	assert_int_equal(w.n, 2);
}

static void quoted(void **state)
{
	const char *s = "\"a,b\",\"say \"\"hi\"\"\",\"line1\nline2\r\nline3\",\"\"\r\nz";
	struct row w = row1(s, 0);

	(void)state;
	assert_int_equal(w.r, RM_CSV_OK);
	assert_int_equal(w.n, 4);
	assert_int_equal(w.end, strlen(s) - 1);
	assert_field(w, 0, "a,b");
	assert_field(w, 1, "say \"hi\"");
	assert_field(w, 2, "line1\nline2\r\nline3");
	assert_field(w, 3, "");
	assert_true(w.f[0].quoted && !w.f[0].has_escapes);
	assert_true(w.f[1].quoted && w.f[1].has_escapes);
	/* the raw slice keeps the doubled quotes, without the outer ones */
	assert_int_equal(w.f[1].n, strlen("say \"\"hi\"\""));
	assert_memory_equal(w.f[1].p, "say \"\"hi\"\"", w.f[1].n);
	assert_true(w.f[3].quoted && w.f[3].n == 0);
	/* a field that is only a doubled quote */
	w = row1("\"\"\"\"\n", 1);
	assert_int_equal(w.r, RM_CSV_OK);
	assert_field(w, 0, "\"");
}

static void line_ends(void **state)
{
	const char *s = "a,b\r\nc,d\ne,f\rg,h";
	size_t len = strlen(s);
	struct row w;

	(void)state;
	w = row_at(s, len, 0, 1, MAXF);
	assert_int_equal(w.r, RM_CSV_OK);
	assert_int_equal(w.end, 5); /* past CRLF */
	assert_field(w, 1, "b");
	w = row_at(s, len, 5, 1, MAXF);
	assert_int_equal(w.end, 9);
	assert_field(w, 1, "d");
	/* a lone CR ends the record too */
	w = row_at(s, len, 9, 1, MAXF);
	assert_int_equal(w.r, RM_CSV_OK);
	assert_int_equal(w.end, 13);
	assert_field(w, 1, "f");
	/* the last record, no line break: complete only at eof */
	w = row_at(s, len, 13, 1, MAXF);
	assert_int_equal(w.r, RM_CSV_OK);
	assert_int_equal(w.end, len);
	assert_field(w, 1, "h");
	w = row_at(s, len, 13, 0, MAXF);
	assert_int_equal(w.r, RM_CSV_INCOMPLETE);
	assert_int_equal(w.end, 13);
	assert_int_equal(row_at(s, len, len, 1, MAXF).r, RM_CSV_END);
	assert_int_equal(row_at(s, len, len, 0, MAXF).r, RM_CSV_INCOMPLETE);
	/* a CR read last: an LF may follow, so wait (unless at eof) */
	assert_int_equal(row1("a,b\r", 0).r, RM_CSV_INCOMPLETE);
	w = row1("a,b\r", 1);
	assert_int_equal(w.r, RM_CSV_OK);
	assert_int_equal(w.end, 4);
	w = row1("a,b\n", 0);
	assert_int_equal(w.r, RM_CSV_OK);
	assert_int_equal(w.end, 4);
}

static void empty_fields_and_lines(void **state)
{
	const char *s = "\n\r\n\r\n,,\na,\n\n";
	size_t len = strlen(s);
	struct row w;

	(void)state;
	/* blank lines skipped: the record ",," is three empty fields */
	w = row_at(s, len, 0, 0, MAXF);
	assert_int_equal(w.r, RM_CSV_OK);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.end, 8);
	for (size_t i = 0; i < 3; i++)
		assert_true(w.f[i].n == 0 && !w.f[i].quoted);
	/* a trailing comma is one more empty field */
	w = row_at(s, len, w.end, 0, MAXF);
	assert_int_equal(w.n, 2);
	assert_field(w, 0, "a");
	assert_field(w, 1, "");
	assert_int_equal(w.end, 11);
	/* then only blank lines: the end at eof, more to wait for otherwise */
	assert_int_equal(row_at(s, len, w.end, 0, MAXF).r, RM_CSV_INCOMPLETE);
	w = row_at(s, len, w.end, 1, MAXF);
	assert_int_equal(w.r, RM_CSV_END);
	assert_int_equal(w.end, len);
	assert_int_equal(w.n, 0);
	/* an empty buffer */
	assert_int_equal(row_at("", 0, 0, 1, MAXF).r, RM_CSV_END);
	assert_int_equal(row_at("", 0, 0, 0, MAXF).r, RM_CSV_INCOMPLETE);
	/* spaces are data */
	w = row1("  \n", 1);
	assert_int_equal(w.r, RM_CSV_OK);
	assert_int_equal(w.n, 1);
	assert_field(w, 0, "  ");
	/* a trailing comma at eof */
	w = row1("a,", 1);
	assert_int_equal(w.n, 2);
	assert_int_equal(row1("a,", 0).r, RM_CSV_INCOMPLETE);
}

static void bom(void **state)
{
	const char *s = "\xEF\xBB\xBF\"Id\",Name\n";
	size_t pos = rm_csv_skip_bom(s, strlen(s));
	struct row w;

	(void)state;
	assert_int_equal(pos, 3);
	w = row_at(s, strlen(s), pos, 1, MAXF);
	assert_int_equal(w.r, RM_CSV_OK);
	assert_field(w, 0, "Id");
	assert_true(w.f[0].quoted);
	assert_int_equal(rm_csv_skip_bom("Id,Name", 7), 0);
	assert_int_equal(rm_csv_skip_bom("\xEF\xBB", 2), 0);
	assert_int_equal(rm_csv_skip_bom("", 0), 0);
	assert_int_equal(rm_csv_skip_bom("\xEF\xBB\xBE", 3), 0);
}

/* Feed prefixes of growing length: INCOMPLETE until the record is known,
 * then exactly what the whole buffer gives. Returns where the answer came. */
static size_t check_prefixes(const char *s, size_t len, size_t pos, size_t max)
{
	struct row full = row_at(s, len, pos, 0, max), w;
	size_t first = (size_t)-1;

	for (size_t k = pos; k <= len; k++) {
		w = row_at(s, k, pos, 0, max);
		if (w.r == RM_CSV_INCOMPLETE) {
			assert_true(first == (size_t)-1);
			assert_int_equal(w.end, pos);
			continue;
		}
		if (first == (size_t)-1)
			first = k;
		assert_int_equal(w.r, full.r);
		assert_int_equal(w.n, full.n);
		assert_int_equal(w.end, full.end);
		assert_int_equal(w.bad_at, full.bad_at);
		for (size_t i = 0; i < w.n; i++) {
			assert_true(w.f[i].p == full.f[i].p && w.f[i].n == full.f[i].n);
			assert_true(w.f[i].quoted == full.f[i].quoted);
			assert_true(w.f[i].has_escapes == full.f[i].has_escapes);
		}
	}
	return first;
}

static void every_split(void **state)
{
	const char *s = "\xEF\xBB\xBF\"TimeGenerated [UTC]\",Id,Status\r\n"
	                "\"3/4/2025, 10:19:03.117 AM\",66ea,\"{\"\"errorCode\"\":50173,\r\n"
	                "\"\"x\"\":\"\"a, b\"\"}\"\r\n"
	                "\n"
	                "plain,,last\n"
	                "bad\"quote,x\n"
	                "\"bad\" after\r\n"
	                "a,b\rc,d\n"
	                "tail,\"no newline\"";
	size_t len = strlen(s), pos = rm_csv_skip_bom(s, len), records = 0, bad = 0;

	(void)state;
	while (pos < len) {
		struct row full = row_at(s, len, pos, 0, MAXF);
		size_t first;

		if (full.r == RM_CSV_INCOMPLETE)
			break; /* the last record: complete only at eof */
		first = check_prefixes(s, len, pos, MAXF);
		/* a record ending in LF or CRLF is known once its break is read;
		 * one ending in a lone CR a byte later */
		if (s[full.end - 1] == '\n')
			assert_int_equal(first, full.end);
		else
			assert_int_equal(first, full.end + 1);
		/* the same cut with fewer fields stored */
		check_prefixes(s, len, pos, 1);
		records += full.r == RM_CSV_OK;
		bad += full.r == RM_CSV_BAD;
		pos = full.end;
	}
	assert_int_equal(records, 5);
	assert_int_equal(bad, 2);
	assert_int_equal(row_at(s, len, pos, 1, MAXF).r, RM_CSV_OK);
	assert_int_equal(row_at(s, len, pos, 1, MAXF).end, len);
}

static void malformed(void **state)
{
	const char *s = "a,b\"c,d\nx,y\n";
	struct row w = row1(s, 0);

	(void)state;
	/* a quote inside an unquoted field */
	assert_int_equal(w.r, RM_CSV_BAD);
	assert_int_equal(w.bad_at, 3);
	assert_int_equal(w.end, 8);
	assert_int_equal(w.n, 0);
	w = row_at(s, strlen(s), w.end, 0, MAXF);
	assert_int_equal(w.r, RM_CSV_OK);
	assert_field(w, 0, "x");
	/* something after a closing quote */
	w = row1("\"a\"b,c\n", 0);
	assert_int_equal(w.r, RM_CSV_BAD);
	assert_int_equal(w.bad_at, 3);
	assert_int_equal(w.end, 7);
	w = row1("\"a\" ,c\r\nx", 0);
	assert_int_equal(w.r, RM_CSV_BAD);
	assert_int_equal(w.end, 8);
	w = row1("x, \"a\"\n", 0);
	assert_int_equal(w.r, RM_CSV_BAD);
	assert_int_equal(w.bad_at, 3);
	/* the error on a later physical line of a quoted field: that line ends it */
	w = row1("\"a\nb\"c\nd\n", 0);
	assert_int_equal(w.r, RM_CSV_BAD);
	assert_int_equal(w.bad_at, 5);
	assert_int_equal(w.end, 7);
	/* bad, but its line's end not read yet */
	assert_int_equal(row1("a\"b", 0).r, RM_CSV_INCOMPLETE);
	w = row1("a\"b", 1);
	assert_int_equal(w.r, RM_CSV_BAD);
	assert_int_equal(w.end, 3);
	/* an unterminated quote: wait, and at eof bad to the end */
	assert_int_equal(row1("a,\"bc\nd,e\n", 0).r, RM_CSV_INCOMPLETE);
	w = row1("a,\"bc\nd,e\n", 1);
	assert_int_equal(w.r, RM_CSV_BAD);
	assert_int_equal(w.bad_at, 10);
	assert_int_equal(w.end, 10);
	w = row1("\"", 1);
	assert_int_equal(w.r, RM_CSV_BAD);
	assert_int_equal(w.end, 1);
	/* a quote read last may be the first of "" */
	assert_int_equal(row1("\"ab\"", 0).r, RM_CSV_INCOMPLETE);
	assert_int_equal(row1("\"ab\"", 1).r, RM_CSV_OK);
}

static void too_many(void **state)
{
	const char *s = "a,b,c,\"d,\n\"\"e\"\"\"\nx\n";
	size_t n = 9, end = 0;
	struct row w = row_at(s, strlen(s), 0, 0, 2);

	(void)state;
	assert_int_equal(w.r, RM_CSV_TOO_MANY);
	assert_int_equal(w.n, 2);
	assert_field(w, 0, "a");
	assert_field(w, 1, "b");
	assert_int_equal(w.end, strlen(s) - 2);
	/* no room at all: counts and skips records */
	assert_int_equal(rm_csv_row(s, strlen(s), 0, 0, NULL, 0, &n, &end, NULL), RM_CSV_TOO_MANY);
	assert_int_equal(n, 0);
	assert_int_equal(end, strlen(s) - 2);
	/* exactly max is fine */
	w = row_at(s, strlen(s), 0, 0, 4);
	assert_int_equal(w.r, RM_CSV_OK);
	assert_int_equal(w.n, 4);
	assert_field(w, 3, "d,\n\"e\"");
	/* a malformed record is bad before it is too long */
	w = row_at("a,b,c\"\n", 7, 0, 0, 1);
	assert_int_equal(w.r, RM_CSV_BAD);
}

static void unquote_bounds(void **state)
{
	struct row w = row1("\"ab\"\"cd\"\"\"\n", 1);
	char out[16];

	(void)state;
	assert_int_equal(w.r, RM_CSV_OK);
	assert_int_equal(rm_csv_unquote(w.f[0], out, sizeof out), 6);
	assert_string_equal(out, "ab\"cd\"");
	for (size_t cap = 0; cap <= 8; cap++) {
		memset(out, 'X', sizeof out);
		assert_int_equal(rm_csv_unquote(w.f[0], out, cap), 6);
		for (size_t i = cap; i < sizeof out; i++)
			assert_int_equal(out[i], 'X'); /* nothing past cap */
		if (cap) {
			size_t got = cap - 1 < 6 ? cap - 1 : 6;

			assert_int_equal(strlen(out), got);
			assert_memory_equal(out, "ab\"cd\"", got);
		}
	}
	assert_int_equal(rm_csv_unquote(w.f[0], NULL, 0), 6);
}

static void line_end(void **state)
{
	(void)state;
	assert_int_equal(rm_csv_line_end("ab\ncd", 5, 0), 3);
	assert_int_equal(rm_csv_line_end("ab\r\ncd", 6, 0), 4);
	assert_int_equal(rm_csv_line_end("ab\rcd", 5, 0), 3);
	assert_int_equal(rm_csv_line_end("a\"b\ncd", 6, 1), 4); /* quotes ignored */
	assert_int_equal(rm_csv_line_end("abcd", 4, 1), 4);
	assert_int_equal(rm_csv_line_end("abcd", 4, 4), 4);
}

static struct rm_str name_of(const char *s, char *scratch, size_t cap)
{
	struct row w = row1(s, 1);

	assert_true(w.r == RM_CSV_OK && w.n >= 1);
	return rm_csv_header_name(w.f[0], scratch, cap);
}

#define assert_name(s, lit)                                                           \
	do {                                                                          \
		char sc_[64];                                                         \
		struct rm_str n_ = name_of((s), sc_, sizeof sc_);                     \
		assert_non_null(n_.p);                                                \
		assert_int_equal(n_.n, strlen(lit));                                  \
		assert_memory_equal(n_.p, (lit), n_.n);                               \
	} while (0)

static void header_names(void **state)
{
	char small[4];
	struct rm_str n;

	(void)state;
	assert_name("Application ID \n", "Application ID");
	assert_name("\"TimeGenerated [UTC]\"\n", "TimeGenerated");
	assert_name("\"  CreatedDateTime [UTC] \"\n", "CreatedDateTime");
	assert_name("Date (UTC)\n", "Date (UTC)");
	assert_name("Autonomous system  number\n", "Autonomous system  number");
	assert_name("\"Say \"\"x\"\" [UTC]\"\n", "Say \"x\"");
	assert_name("[UTC]\n", "[UTC]");
	assert_name(" [UTC]\n", "[UTC]");
	assert_name("A[UTC]\n", "A[UTC]");
	assert_name("\t\n", "");
	assert_name(",x\n", "");
	/* unescaped labels are slices of the buffer, whatever the scratch */
	n = name_of("Resource ID ,x\n", NULL, 0);
	assert_int_equal(n.n, strlen("Resource ID"));
	/* escaped ones must fit the scratch */
	n = name_of("\"a\"\"bcdef\"\n", small, sizeof small);
	assert_null(n.p);
	assert_int_equal(n.n, 0);
}

/* log-shapes 3.1: the Entra admin center's download. */
static void entra_download(void **state)
{
	const char *s =
		"Date (UTC),Request ID,User ID,Username,Application,Application ID ,Status,"
		"Sign-in error code,Failure reason,Incoming token type,Unique token identifier,"
		"Session ID\r\n"
		"2025-03-04T10:17:42Z,66ea54eb-1,26be570a-2,adelev@contoso.com,Outlook for iOS and "
		"Android,27922004-3,Failure,50173,\"The provided grant has expired due to it being "
		"revoked, a fresh auth token is needed.\",refreshToken,xMFjTVvJPE2OChJx_YE-AA,"
		"811fe6e4-4\r\n";
	size_t len = strlen(s);
	struct row h = row_at(s, len, 0, 0, MAXF), r;
	struct rm_str name;
	char sc[64];
	int64_t ms;

	(void)state;
	assert_int_equal(rm_csv_looks_like_header(s, len), 1);
	assert_int_equal(h.r, RM_CSV_OK);
	assert_int_equal(h.n, 12);
	name = rm_csv_header_name(h.f[5], sc, sizeof sc);
	assert_int_equal(name.n, strlen("Application ID"));
	assert_memory_equal(name.p, "Application ID", name.n);
	r = row_at(s, len, h.end, 0, MAXF);
	assert_int_equal(r.r, RM_CSV_OK);
	assert_int_equal(r.n, 12);
	assert_int_equal(r.end, len);
	assert_field(r, 7, "50173");
	assert_field(r, 8, "The provided grant has expired due to it being revoked, a fresh auth "
	                   "token is needed.");
	assert_field(r, 11, "811fe6e4-4");
	assert_int_equal(rm_time_parse_any(r.f[0].p, r.f[0].n, &ms), 0);
	assert_true(ms == INT64_C(1741083462000));
	assert_int_equal(row_at(s, len, r.end, 1, MAXF).r, RM_CSV_END);
}

/* log-shapes 3.2: the Log Analytics portal's export. */
static void la_export(void **state)
{
	const char *s = "\xEF\xBB\xBF\"TimeGenerated [UTC]\",\"CreatedDateTime [UTC]\",Id,UserId,"
	                "ResultType,Status\n"
	                "\"3/4/2025, 10:19:03.117 AM\",\"3/4/2025, 10:17:42.695 AM\",66ea54eb-1,"
	                "26be570a-2,50173,\"{\"\"errorCode\"\":50173,\"\"failureReason\"\":\"\"x, "
	                "y\"\"}\"\n";
	size_t len = strlen(s), pos = rm_csv_skip_bom(s, len);
	struct row h = row_at(s, len, pos, 0, MAXF), r;
	struct rm_str name;
	char sc[64];
	int64_t ms;

	(void)state;
	assert_int_equal(rm_csv_looks_like_header(s, len), 1);
	assert_int_equal(h.r, RM_CSV_OK);
	assert_int_equal(h.n, 6);
	name = rm_csv_header_name(h.f[0], sc, sizeof sc);
	assert_int_equal(name.n, strlen("TimeGenerated"));
	assert_memory_equal(name.p, "TimeGenerated", name.n);
	name = rm_csv_header_name(h.f[1], sc, sizeof sc);
	assert_int_equal(name.n, strlen("CreatedDateTime"));
	r = row_at(s, len, h.end, 0, MAXF);
	assert_int_equal(r.r, RM_CSV_OK);
	assert_int_equal(r.n, 6);
	assert_field(r, 5, "{\"errorCode\":50173,\"failureReason\":\"x, y\"}");
	assert_true(r.f[5].has_escapes);
	assert_int_equal(rm_time_parse_any(r.f[1].p, r.f[1].n, &ms), 0);
	assert_true(ms == INT64_C(1741083462695));
}

static void sniff(void **state)
{
	static const char *const csv[] = {
		"Id,Name\n",
		"\xEF\xBB\xBFId,Name",
		"\"TimeGenerated [UTC]\",Id\r\n1,2\r\n",
		"\n\nId,Name\n",
		"Id,\"Name, full\"\n",
		"Datum (UTC),Anfrage-ID\n",
	};
	static const char *const not_csv[] = {
		"{\"records\":[]}",
		"[{\"a\":1},{\"b\":2}]",
		"\xEF\xBB\xBF[{\"a\":1}]",
		"  \n {\"a\":1,\"b\":2}\n",
		"\t[1,2]",
		"{\"a\":1}\n{\"a\":2}\n",
		"Id\n",
		"1,2,3\n",
		"Id,,Name\n",
		"Id,\"open\n",
		"Id,Na\"me\n",
		"Id,\"Na\nme\"\n",
		"",
		"\xEF\xBB\xBF",
	};

	(void)state;
	for (size_t i = 0; i < sizeof csv / sizeof csv[0]; i++)
		if (rm_csv_looks_like_header(csv[i], strlen(csv[i])) != 1)
			fail_msg("not taken for CSV: %s", csv[i]);
	for (size_t i = 0; i < sizeof not_csv / sizeof not_csv[0]; i++)
		if (rm_csv_looks_like_header(not_csv[i], strlen(not_csv[i])) != 0)
			fail_msg("taken for CSV: %s", not_csv[i]);
}

/* Reading a whole file, as the file source will: bad lines counted and
 * skipped, every position a record boundary. */
static void whole_file(void **state)
{
	const char *s = "Id,N\nx,1\ny\"bad,2\n\n\"z\",3\r\nlast,4";
	size_t len = strlen(s), pos = 0, ok_rows = 0, bad = 0, n, end;
	struct rm_csv_field f[4];
	int r;

	(void)state;
	while ((r = rm_csv_row(s, len, pos, 1, f, 4, &n, &end, NULL)) != RM_CSV_END) {
		assert_true(end > pos && end <= len);
		ok_rows += r == RM_CSV_OK;
		bad += r == RM_CSV_BAD;
		pos = end;
	}
	assert_int_equal(ok_rows, 4);
	assert_int_equal(bad, 1);
	assert_int_equal(pos, len);
}

/* ---- the reader against its scalar reference (csv_ref.h) ---- */

static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Bytes shaped like CSV with long JSON cells: runs of plain bytes, doubled
 * quotes (in runs, so pairs meet block ends at every offset), stray quotes,
 * separators and line breaks. */
static size_t random_csv(uint32_t *x, char *buf, size_t cap)
{
	static const char *const tok[] = {"\"\"", "\"\"\"\"", ",\"", "\",", "\"", ",", "\n",
	                                  "\r\n", "\r", "{", "\"\"\"", ",,"};
	size_t n = 0;

	while (n + 64 < cap) {
		uint32_t r = next_rand(x);

		if (r % 3 == 0) {
			size_t run = 1 + (r >> 8) % 40;

			memset(buf + n, 'a' + (int)(r >> 16) % 3, run);
			n += run;
		} else {
			const char *t = tok[(r >> 8) % (sizeof tok / sizeof tok[0])];

			memcpy(buf + n, t, strlen(t));
			n += strlen(t);
		}
	}
	return n;
}

static void assert_same_field(struct rm_csv_field a, struct rm_csv_field b)
{
	char x[4096], y[4096];
	size_t caps[] = {a.n + 1, a.n / 2, a.n + 1 > 40 ? a.n - 40 : 1};

	assert_ptr_equal(a.p, b.p);
	assert_int_equal(a.n, b.n);
	assert_int_equal(a.quoted, b.quoted);
	assert_int_equal(a.has_escapes, b.has_escapes);
	for (size_t k = 0; k < 3; k++) {
		assert_int_equal(rm_csv_unquote(a, x, caps[k]), ref_csv_unquote(b, y, caps[k]));
		if (caps[k])
			assert_string_equal(x, y);
	}
}

/* The row at pos of buf[0..len) as the reference reads it. */
static void assert_same_row(const char *buf, size_t len, size_t pos, int eof)
{
	struct row w = row_at(buf, len, pos, eof, MAXF), v;

	memset(&v, 0, sizeof v);
	v.bad_at = (size_t)-1;
	v.r = ref_csv_row(buf, len, pos, eof, v.f, MAXF, &v.n, &v.end, &v.bad_at);
	assert_int_equal(w.r, v.r);
	assert_int_equal(w.n, v.n);
	assert_int_equal(w.end, v.end);
	assert_int_equal(w.bad_at, v.bad_at);
	for (size_t i = 0; i < w.n; i++)
		assert_same_field(w.f[i], v.f[i]);
}

static void same_as_reference(void **state)
{
	static char buf[1200];
	uint32_t x = 2463534242u;

	(void)state;
	for (int round = 0; round < 300; round++) {
		size_t len = random_csv(&x, buf, sizeof buf), pos = 0, end, n;

		while (pos < len) {
			/* every cut of the row, then the whole buffer at eof */
			for (size_t k = pos; k <= len && k < pos + 400; k++)
				assert_same_row(buf, k, pos, 0);
			assert_same_row(buf, len, pos, 1);
			if (rm_csv_row(buf, len, pos, 1, NULL, 0, &n, &end, NULL) == RM_CSV_END)
				break;
			pos = end;
		}
	}
}

/* Decoding any bytes, paired quotes or not, as the reference decodes them. */
static void unquote_as_reference(void **state)
{
	static char buf[1200];
	uint32_t x = 88172645u;

	(void)state;
	for (int round = 0; round < 300; round++) {
		size_t len = random_csv(&x, buf, sizeof buf);

		for (size_t s = 0; s + 1 < len; s += 1 + next_rand(&x) % 50) {
			struct rm_csv_field f = {buf + s, next_rand(&x) % (len - s), 1, 1};

			assert_same_field(f, f);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(simple),         cmocka_unit_test(quoted),
		cmocka_unit_test(line_ends),      cmocka_unit_test(empty_fields_and_lines),
		cmocka_unit_test(bom),            cmocka_unit_test(every_split),
		cmocka_unit_test(malformed),      cmocka_unit_test(too_many),
		cmocka_unit_test(unquote_bounds), cmocka_unit_test(line_end),
		cmocka_unit_test(header_names),   cmocka_unit_test(entra_download),
		cmocka_unit_test(la_export),      cmocka_unit_test(sniff),
		cmocka_unit_test(whole_file),     cmocka_unit_test(same_as_reference),
		cmocka_unit_test(unquote_as_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
