/* CSV rows to records: each cell is made the JSON value it stands for and
 * handed to the record's member handlers (record_walk.c), so CSV adds a
 * column map, not a parser of its own fields. */
#include "csv_records.h"

#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "record_internal.h"

#define CSV_COLS_MAX 512 /* columns mapped; later ones are read past */

struct rm_csv_reader {
	size_t n_cols;
	unsigned char key[CSV_COLS_MAX]; /* enum key of each column */
};

/* The Entra admin center's sign-in download labels (log-shapes.md §3.1),
 * trimmed; "Status" there is "Success"/"Failure", not the status object. */
static const struct {
	const char *label;
	enum key key;
} admin_labels[] = {
	{"Date (UTC)", K_CREATED},      {"Request ID", K_ID},
	{"Correlation ID", K_CORR},     {"User ID", K_USER_ID},
	{"Username", K_UPN},            {"Application", K_APP_NAME},
	{"Application ID", K_APP_ID},   {"Sign-in error code", K_RESULT_TYPE},
	{"Failure reason", K_RESULT_DESC}, {"Device ID", K_DEVICE_ID},
	{"Operating System", K_OS},
};

#define N_ADMIN (sizeof admin_labels / sizeof admin_labels[0])

static int label_is(struct rm_str s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static enum key admin_key(struct rm_str name)
{
	for (size_t i = 0; i < N_ADMIN; i++)
		if (label_is(name, admin_labels[i].label))
			return admin_labels[i].key;
	return K_OTHER;
}

void rm_csv_reader_free(struct rm_csv_reader *r)
{
	free(r);
}

static int map_header(struct rm_csv_reader *r, const struct rm_csv_field *f, size_t n)
{
	char scratch[256];
	int admin = 0, mapped = 0;
	struct rm_str name;
	size_t i;

	for (i = 0; i < n && !admin; i++) {
		name = rm_csv_header_name(f[i], scratch, sizeof scratch);
		admin = label_is(name, "Request ID") || label_is(name, "Date (UTC)");
	}
	r->n_cols = n;
	for (i = 0; i < n; i++) {
		enum key k;

		name = rm_csv_header_name(f[i], scratch, sizeof scratch);
		k = !name.p ? K_OTHER : admin ? admin_key(name) : rm_rec_key(name);
		/* containers and pages are not columns */
		if (k == K_VALUE || k == K_RECORDS || k == K_TABLES || k == K_NEXTLINK ||
		    k == K_PROPERTIES)
			k = K_OTHER;
		r->key[i] = (unsigned char)k;
		mapped += k == K_ID || k == K_CREATED || k == K_ACT_TIME;
	}
	return mapped;
}

int rm_csv_header(const char *buf, size_t len, size_t pos, int eof, struct rm_csv_reader **out,
                  size_t *end, const char **why)
{
	struct rm_csv_field f[CSV_COLS_MAX];
	struct rm_csv_reader *r;
	size_t n = 0;
	int rc;

	*out = NULL;
	*why = NULL;
	rc = rm_csv_row(buf, len, pos, eof, f, CSV_COLS_MAX, &n, end, NULL);
	if (rc == RM_CSV_INCOMPLETE || rc == RM_CSV_END)
		return rc;
	if (rc == RM_CSV_BAD) {
		*why = "CSV header row: malformed";
		return RM_CSV_BAD;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		*why = "CSV header row: out of memory";
		return RM_CSV_BAD;
	}
	if (!map_header(r, f, n)) {
		free(r);
		*why = "CSV header names no id or time column revmon reads (expected Log Analytics "
		       "column names such as Id, CreatedDateTime, or the Entra admin center's labels "
		       "such as Request ID, Date (UTC))";
		return RM_CSV_BAD;
	}
	*out = r;
	return RM_CSV_OK;
}

/* The first byte at or after i that a JSON string must escape ('"', '\\',
 * a control), or n. */
static size_t plain_end(const char *t, size_t i, size_t n)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	const __m128i c1f = _mm_set1_epi8(0x1f);

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
		/* max(x, 0x1f) == 0x1f exactly when x <= 0x1f (unsigned) */
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)),
		                         _mm_cmpeq_epi8(_mm_max_epu8(x, c1f), c1f));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);

		if (mask)
			return i + (unsigned)__builtin_ctz(mask);
	}
#endif
	while (i < n && (unsigned char)t[i] >= 0x20 && t[i] != '"' && t[i] != '\\')
		i++;
	return i;
}

/* text[0..dn) as a JSON string's contents at j: returns the length. */
static size_t escape_into(char *j, const char *text, size_t dn)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i = 0, run;
	unsigned char ch;

	while (i < dn) {
		/* most cells need no escape: copy the plain run at once */
		run = plain_end(text, i, dn);
		memcpy(j + o, text + i, run - i);
		o += run - i;
		if (run == dn)
			break;
		ch = (unsigned char)text[run];
		i = run + 1;

		if (ch == '"' || ch == '\\') {
			j[o++] = '\\';
			j[o++] = (char)ch;
		} else {
			memcpy(j + o, "\\u00", 4);
			j[o + 4] = hex[ch >> 4];
			j[o + 5] = hex[ch & 15];
			o += 6;
		}
	}
	return o;
}

/* The cell as the JSON value it stands for, inside "[...]", in the arena:
 * JSON text itself for a dynamic column holding some, else a string. */
static char *cell_json(struct rm_arena *a, struct rm_csv_field f, enum key k, size_t *n)
{
	size_t dn = f.n, s = 0, o;
	const char *text = f.p;
	char *j;

	while (s < f.n && (f.p[s] == ' ' || f.p[s] == '\t'))
		s++;
	if (rm_rec_key_dynamic(k) && s < f.n && (f.p[s] == '{' || f.p[s] == '[')) {
		/* JSON text: unquoted straight into its "[...]" */
		j = rm_arena_alloc(a, f.n + 3);
		if (!j)
			return NULL;
		j[0] = '[';
		dn = rm_csv_unquote(f, j + 1, f.n + 1);
		j[dn + 1] = ']';
		*n = dn + 2;
		return j;
	}
	if (f.has_escapes) {
		/* doubled quotes: the text itself first */
		char *t = rm_arena_alloc(a, f.n + 1);

		if (!t)
			return NULL;
		dn = rm_csv_unquote(f, t, f.n + 1);
		text = t;
	}
	j = rm_arena_alloc(a, 6 * dn + 4); /* every byte escaped at worst */
	if (!j)
		return NULL;
	j[0] = '[';
	j[1] = '"';
	o = 2 + escape_into(j + 2, text, dn);
	j[o++] = '"';
	j[o++] = ']';
	*n = o;
	return j;
}

/* Feed the row's cells to the member handlers. */
static void row_fields(const struct rm_csv_reader *r, const struct rm_csv_field *f, size_t n,
                       struct rm_arena *a, struct top *t)
{
	struct ctx c = {0};

	c.arena = a;
	for (size_t i = 0; i < n && i < r->n_cols; i++) {
		enum key k = (enum key)r->key[i];
		struct rm_json_iter it;
		size_t jn;
		char *j;

		if (k == K_OTHER || f[i].n == 0)
			continue; /* an empty cell is an absent value */
		j = cell_json(a, f[i], k, &jn);
		if (!j) {
			t->env_err = t->env_err ? t->env_err : "out of memory reading a CSV row";
			return;
		}
		rm_json_arr_begin(&it, j, jn);
		c.jerr = 0;
		if (rm_json_arr_elem(&it) <= 0 || rm_rec_member(&c, &it, k, &t->g) < 0)
			t->env_err = t->env_err ? t->env_err : "a CSV cell's JSON text is malformed";
	}
}

int rm_csv_record(const struct rm_csv_reader *r, const char *buf, size_t len, size_t pos, int eof,
                  const struct rm_csv_hint *hint, const struct rm_sink *sink, size_t *end)
{
	struct rm_csv_field f[CSV_COLS_MAX];
	struct rm_event ev;
	struct rm_str kind = {NULL, 0};
	struct top t;
	const char *why = NULL;
	size_t n = 0;
	int rc;

	rc = rm_csv_row(buf, len, pos, eof, f, CSV_COLS_MAX, &n, end, NULL);
	if (rc == RM_CSV_INCOMPLETE || rc == RM_CSV_END)
		return rc;
	if (rc == RM_CSV_BAD) {
		if (sink->reject)
			sink->reject(sink->ctx, "CSV row: malformed quoting", pos);
		return RM_CSV_BAD;
	}
	if (sink->max_record && *end - pos > sink->max_record) {
		if (sink->reject)
			sink->reject(sink->ctx, "record larger than max_record_bytes", pos);
		return RM_CSV_OK;
	}
	if (hint->ignore) {
		if (sink->ignore)
			sink->ignore(sink->ctx, (struct rm_str){hint->ignore, strlen(hint->ignore)}, pos);
		return RM_CSV_OK;
	}
	rm_arena_reset(sink->arena);
	rm_rec_top_init(&t);
	row_fields(r, f, n, sink->arena, &t);
	rc = rm_rec_finish(&t, hint->interactive, &ev, &why, &kind);
	if (rc == RM_REC_OK && sink->event)
		sink->event(sink->ctx, &ev);
	else if (rc == RM_REC_SKIP && sink->ignore)
		sink->ignore(sink->ctx, kind, pos);
	else if (rc == RM_REC_BAD && sink->reject)
		sink->reject(sink->ctx, why, pos);
	return RM_CSV_OK;
}
