/* The CSV reader over any bytes: every record of the input read as the file
 * source will, with the invariants its callers rely on (positions within
 * bounds and moving forward, fields inside the buffer, decoding within its
 * capacity, the same answer however the bytes were cut). */
#include "fuzz.h"
#include "csv.h"

#define FZ_MAXF 8

static int is_brk(char c)
{
	return c == '\n' || c == '\r';
}

/* Decoding into a buffer of exactly cap bytes: ASan sees a write past it.
 * A cut-short decoding is the whole one's prefix (fields may hold NULs). */
static void check_unquote(struct rm_csv_field f)
{
	char *whole = malloc(f.n + 1), *out;
	size_t caps[2] = {f.n / 2, 0}, n = rm_csv_unquote(f, whole, f.n + 1), m;

	if (!whole)
		abort();
	FUZZ_CHECK(n <= f.n && whole[n] == '\0');
	if (!f.has_escapes)
		FUZZ_CHECK(n == f.n && memcmp(whole, f.p, n) == 0);
	else
		FUZZ_CHECK(n < f.n); /* a pair or more made single */
	for (size_t k = 0; k < 2; k++) {
		out = caps[k] ? malloc(caps[k]) : NULL;
		if (caps[k] && !out)
			abort();
		FUZZ_CHECK(rm_csv_unquote(f, out, caps[k]) == n);
		if (caps[k]) {
			m = n < caps[k] ? n : caps[k] - 1;
			FUZZ_CHECK(memcmp(out, whole, m) == 0 && out[m] == '\0');
		}
		free(out);
	}
	free(whole);
}

/* A field as the reader gave it: inside buf, and of its kind. */
static void check_field(const char *buf, size_t len, struct rm_csv_field f)
{
	FUZZ_CHECK(fuzz_within(f.p, f.n, buf, len));
	if (!f.quoted) {
		FUZZ_CHECK(!f.has_escapes);
		for (size_t i = 0; i < f.n; i++)
			FUZZ_CHECK(f.p[i] != ',' && f.p[i] != '"' && !is_brk(f.p[i]));
	} else {
		/* inside the quotes, quotes come in pairs */
		for (size_t i = 0; i < f.n; i++) {
			if (f.p[i] == '"') {
				FUZZ_CHECK(f.has_escapes && i + 1 < f.n && f.p[i + 1] == '"');
				i++;
			}
		}
	}
	check_unquote(f);
}

static void check_header(const char *buf, size_t len, struct rm_csv_field f)
{
	char *scratch = malloc(f.n + 1);
	struct rm_str s;

	if (!scratch)
		abort();
	s = rm_csv_header_name(f, scratch, f.n + 1);
	FUZZ_CHECK(s.p != NULL && s.n <= f.n);
	FUZZ_CHECK(fuzz_within(s.p, s.n, buf, len) || fuzz_within(s.p, s.n, scratch, f.n + 1));
	if (s.n)
		FUZZ_CHECK(s.p[0] != ' ' && s.p[0] != '\t' && s.p[s.n - 1] != ' ' &&
		           s.p[s.n - 1] != '\t');
	free(scratch);
}

/* A cut at k gives INCOMPLETE, or exactly what the whole buffer gives. */
static void check_cut(const char *buf, size_t k, size_t pos, size_t max, int r, size_t n,
                      size_t end, const struct rm_csv_field *fields)
{
	struct rm_csv_field f[FZ_MAXF];
	size_t n2 = 99, end2 = 99;
	int r2 = rm_csv_row(buf, k, pos, 0, f, max, &n2, &end2, NULL);

	if (r2 == RM_CSV_INCOMPLETE) {
		FUZZ_CHECK(end2 == pos && n2 == 0);
		return;
	}
	FUZZ_CHECK(r2 == r && n2 == n && end2 == end);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(f[i].p == fields[i].p && f[i].n == fields[i].n &&
		           f[i].quoted == fields[i].quoted && f[i].has_escapes == fields[i].has_escapes);
}

/* One record at pos, at eof; returns where the next starts (len at the end). */
static size_t check_record(const char *buf, size_t len, size_t pos, size_t max, int first)
{
	struct rm_csv_field f[FZ_MAXF];
	size_t n = 99, end = 99, bad = 99, n0, end0, nl, endl;
	int r = rm_csv_row(buf, len, pos, 1, f, max, &n, &end, &bad), rl;

	FUZZ_CHECK(r == RM_CSV_OK || r == RM_CSV_TOO_MANY || r == RM_CSV_BAD || r == RM_CSV_END);
	if (r == RM_CSV_END) {
		FUZZ_CHECK(end == len && n == 0);
		for (size_t i = pos; i < len; i++)
			FUZZ_CHECK(is_brk(buf[i]));
		return len;
	}
	FUZZ_CHECK(end > pos && end <= len && n <= max);
	if (r == RM_CSV_BAD)
		FUZZ_CHECK(n == 0 && bad >= pos && bad <= end && bad <= len);
	if (r == RM_CSV_OK || r == RM_CSV_TOO_MANY)
		FUZZ_CHECK(n >= (r == RM_CSV_OK ? 1 : max));
	for (size_t i = 0; i < n; i++) {
		check_field(buf, len, f[i]);
		if (first)
			check_header(buf, len, f[i]);
	}
	/* without room: the same record, skipped */
	rl = rm_csv_row(buf, len, pos, 1, NULL, 0, &n0, &end0, NULL);
	FUZZ_CHECK(end0 == end && n0 == 0 && rl == (r == RM_CSV_BAD ? RM_CSV_BAD : RM_CSV_TOO_MANY));
	/* not at eof: the same, or more bytes wanted */
	rl = rm_csv_row(buf, len, pos, 0, f, max, &nl, &endl, NULL);
	if (rl == RM_CSV_INCOMPLETE)
		return end;
	FUZZ_CHECK(rl == r && nl == n && endl == end);
	/* cuts: at the ends of the record and a few inside */
	check_cut(buf, pos, pos, max, r, n, end, f);
	check_cut(buf, end - 1, pos, max, r, n, end, f);
	check_cut(buf, end, pos, max, r, n, end, f);
	if (end < len)
		check_cut(buf, end + 1, pos, max, r, n, end, f);
	for (size_t k = 1; k < 8 && end - pos > 2; k++)
		check_cut(buf, pos + (end - pos) * k / 8, pos, max, r, n, end, f);
	return end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	size_t pos, max = 1 + size % FZ_MAXF;
	int first = 1;

	if (!buf)
		abort();
	if (size)
		memcpy(buf, data, size); /* exact size, no NUL: a read past len is caught */
	pos = rm_csv_skip_bom(buf, size);
	FUZZ_CHECK(pos == 0 || pos == 3);
	if (rm_csv_looks_like_header(buf, size)) {
		size_t i = pos;

		while (i < size && (buf[i] == ' ' || buf[i] == '\t' || is_brk(buf[i])))
			i++;
		FUZZ_CHECK(i < size && buf[i] != '{' && buf[i] != '[');
	}
	if (pos < size) {
		size_t e = rm_csv_line_end(buf, size, pos);

		FUZZ_CHECK(e > pos && e <= size);
	}
	while (pos < size) {
		pos = check_record(buf, size, pos, max, first);
		first = 0;
	}
	free(buf);
	return 0;
}
