/* The JSON scanner: value ends, object and array iteration, string
 * decoding and integers, with the invariants json_scan.h promises. */
#include <errno.h>

#include "fuzz.h"
#include "json_scan.h"

static const char *g_buf; /* the input, for the slice checks */
static size_t g_len;

static void check_slice(struct rm_str s)
{
	FUZZ_CHECK(fuzz_within(s.p, s.n, g_buf, g_len));
}

/* A string's raw contents: decoding never grows it, needs room for the NUL,
 * and a decoded plain string compares equal to its raw form. */
static void check_string(struct rm_str raw)
{
	char *out = malloc(raw.n + 1), *tight;
	long n;

	check_slice(raw);
	if (!out)
		abort();
	n = rm_json_unescape(raw, out, raw.n + 1);
	/* validity is exactly "decodes" (decoding never grows a string) */
	FUZZ_CHECK(rm_json_str_valid(raw) == (n >= 0));
	if (n >= 0) {
		FUZZ_CHECK((size_t)n <= raw.n);
		FUZZ_CHECK(out[n] == '\0');
		/* exactly n + 1 bytes suffice, n do not */
		tight = malloc((size_t)n + 1);
		if (!tight)
			abort();
		FUZZ_CHECK(rm_json_unescape(raw, tight, (size_t)n + 1) == n);
		FUZZ_CHECK(memcmp(tight, out, (size_t)n) == 0);
		if (n > 0)
			FUZZ_CHECK(rm_json_unescape(raw, tight, (size_t)n) == -1);
		free(tight);
		if (strlen(out) == (size_t)n) {
			FUZZ_CHECK(rm_json_str_eq(raw, out));
			FUZZ_CHECK(rm_json_str_eq_ci(raw, out));
		}
	}
	free(out);
}

/* rm_json_int64 against strtoll for plain integers. */
static void check_number(struct rm_json_val v)
{
	char tmp[64], *end;
	int64_t x;
	long long ref;
	int r = rm_json_int64(v, &x), plain = v.s.n > 0 && v.s.n < sizeof tmp;

	check_slice(v.s);
	for (size_t i = 0; plain && i < v.s.n; i++)
		if (!((v.s.p[i] >= '0' && v.s.p[i] <= '9') || (i == 0 && v.s.p[i] == '-')))
			plain = 0;
	if (!plain) {
		/* a fraction, an exponent, or more digits than any int64 */
		FUZZ_CHECK(r < 0);
		return;
	}
	memcpy(tmp, v.s.p, v.s.n);
	tmp[v.s.n] = '\0';
	errno = 0;
	ref = strtoll(tmp, &end, 10);
	if (*end || end == tmp)
		FUZZ_CHECK(r < 0);
	else if (errno == ERANGE)
		FUZZ_CHECK(r < 0);
	else
		FUZZ_CHECK(r == 0 && x == ref);
}

static int walk(const char *b, size_t n, int depth);

static void check_value(struct rm_json_val v, int depth)
{
	check_slice(v.s);
	switch (v.type) {
	case RM_JSON_STRING:
		check_string(v.s);
		break;
	case RM_JSON_NUMBER:
		check_number(v);
		break;
	case RM_JSON_OBJECT:
		FUZZ_CHECK(v.s.n >= 2 && v.s.p[0] == '{' && v.s.p[v.s.n - 1] == '}');
		FUZZ_CHECK(walk(v.s.p, v.s.n, depth + 1) == 0);
		break;
	case RM_JSON_ARRAY:
		FUZZ_CHECK(v.s.n >= 2 && v.s.p[0] == '[' && v.s.p[v.s.n - 1] == ']');
		FUZZ_CHECK(walk(v.s.p, v.s.n, depth + 1) == 0);
		break;
	case RM_JSON_TRUE:
		FUZZ_CHECK(v.s.n == 4 && memcmp(v.s.p, "true", 4) == 0);
		break;
	case RM_JSON_FALSE:
		FUZZ_CHECK(v.s.n == 5 && memcmp(v.s.p, "false", 5) == 0);
		break;
	case RM_JSON_NULL:
		FUZZ_CHECK(v.s.n == 4 && memcmp(v.s.p, "null", 4) == 0);
		break;
	default:
		FUZZ_CHECK(0);
	}
}

/* Iterate the container b[0..n); returns the iterator's final result.
 * Below a few levels only the iteration itself is checked, to stay fast. */
static int walk(const char *b, size_t n, int depth)
{
	struct rm_json_iter it;
	struct rm_json_val v;
	struct rm_str key;
	int r, members = 0;

	if (b[0] == '{') {
		rm_json_obj_begin(&it, b, n);
		while ((r = rm_json_obj_next(&it, &key, &v)) > 0) {
			struct rm_json_val got;

			check_string(key);
			if (depth < 4)
				check_value(v, depth);
			/* the first member of that name is found by lookup */
			if (members++ == 0 && key.n < 32 && !memchr(key.p, '\\', key.n) &&
			    !memchr(key.p, '\0', key.n)) {
				char k[32];

				memcpy(k, key.p, key.n);
				k[key.n] = '\0';
				FUZZ_CHECK(rm_json_obj_get(b, n, k, &got) == 1);
				FUZZ_CHECK(got.type == v.type && got.s.p == v.s.p && got.s.n == v.s.n);
			}
		}
	} else {
		rm_json_arr_begin(&it, b, n);
		while ((r = rm_json_arr_next(&it, &v)) > 0)
			if (depth < 4)
				check_value(v, depth);
	}
	/* errors are sticky, the end is final */
	if (r < 0)
		FUZZ_CHECK((b[0] == '{' ? rm_json_obj_next(&it, &key, &v) : rm_json_arr_next(&it, &v)) < 0);
	else
		FUZZ_CHECK((b[0] == '{' ? rm_json_obj_next(&it, &key, &v) : rm_json_arr_next(&it, &v)) == 0);
	if (r == 0)
		FUZZ_CHECK(it.pos <= n);
	return r;
}

/* Walk the container it is in, in place: enter containers a few levels
 * down, consume some values and leave others for the next step to skip.
 * Returns the first failure, or 0. */
static int walk_in_place(struct rm_json_iter *it, int obj, int depth)
{
	struct rm_json_iter sub;
	struct rm_json_val v;
	struct rm_str key;
	int r;
	char c;

	while ((r = obj ? rm_json_obj_key(it, &key) : rm_json_arr_elem(it)) > 0) {
		FUZZ_CHECK(it->pos < it->len);
		if (obj)
			check_slice(key);
		c = it->buf[it->pos];
		if (depth < 8 && (c == '{' || c == '[')) {
			if (c == '{')
				rm_json_obj_enter(it, &sub);
			else
				rm_json_arr_enter(it, &sub);
			r = walk_in_place(&sub, c == '{', depth + 1);
			if (r < 0) {
				FUZZ_CHECK(sub.pos <= sub.len);
				return r;
			}
			FUZZ_CHECK(rm_json_iter_leave(it, &sub) == RM_JSON_OK);
		} else if (it->pos & 1) {
			r = rm_json_iter_value(it, &v);
			if (r < 0)
				return r;
			check_slice(v.s);
		}
	}
	if (r < 0)
		FUZZ_CHECK(it->pos <= it->len);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	size_t pos = rm_json_skip_ws(b, size, 0), end = 0, e2 = 0;
	enum rm_json_type t = RM_JSON_INVALID, t2;
	int r, r2;

	g_buf = b;
	g_len = size;
	FUZZ_CHECK(pos <= size);
	r = rm_json_value_end(b, size, pos, &end, &t);
	FUZZ_CHECK(r == RM_JSON_OK || r == RM_JSON_INCOMPLETE || r == RM_JSON_BAD ||
	           r == RM_JSON_TOO_DEEP);
	/* the in-place walk ends where the scan does and fails as it does (it
	 * may only get further when depth alone stopped the scan) */
	if (pos < size && (b[pos] == '{' || b[pos] == '[')) {
		struct rm_json_iter it;

		if (b[pos] == '{')
			rm_json_obj_begin(&it, b + pos, size - pos);
		else
			rm_json_arr_begin(&it, b + pos, size - pos);
		r2 = walk_in_place(&it, b[pos] == '{', 0);
		if (r == RM_JSON_OK)
			FUZZ_CHECK(r2 == 0 && it.pos == end - pos);
		else if (r != RM_JSON_TOO_DEEP)
			FUZZ_CHECK(r2 == r);
	}
	if (r != RM_JSON_OK) {
		/* an iteration may only get further when depth alone stopped the scan */
		if (pos < size && (b[pos] == '{' || b[pos] == '[') && r != RM_JSON_TOO_DEEP) {
			r2 = walk(b + pos, size - pos, 0);
			FUZZ_CHECK(r2 == r);
		}
		return 0;
	}
	FUZZ_CHECK(end > pos && end <= size);
	FUZZ_CHECK(t != RM_JSON_INVALID);
	/* the value alone scans the same (a number needs a delimiter after it) */
	r2 = rm_json_value_end(b, end, pos, &e2, &t2);
	if (t == RM_JSON_NUMBER)
		FUZZ_CHECK(r2 == RM_JSON_INCOMPLETE);
	else
		FUZZ_CHECK(r2 == RM_JSON_OK && e2 == end && t2 == t);
	/* any proper prefix of a complete value is incomplete, never bad */
	for (size_t k = 0; k < 3; k++) {
		size_t cut = pos + (size_t)((end - pos) * (k + 1) / 4);

		if (cut < end)
			FUZZ_CHECK(rm_json_value_end(b, cut, pos, &e2, &t2) == RM_JSON_INCOMPLETE);
	}
	if (t == RM_JSON_OBJECT || t == RM_JSON_ARRAY) {
		struct rm_json_val v = {t, {b + pos, end - pos}};

		check_value(v, 0);
	} else {
		struct rm_json_val v = {t, {b + pos, end - pos}};

		if (t == RM_JSON_STRING) {
			v.s.p++;
			v.s.n -= 2;
		}
		check_value(v, 0);
	}
	return 0;
}
