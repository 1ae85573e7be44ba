/* The selective scanner: value ends, validation, iteration, unescaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_scan.h"

/* Scan s from 0; the buffer is a malloc'd copy of exactly strlen(s) bytes
 * (no NUL) so ASan catches any read past the end. */
static int scan_n(const char *s, size_t n, size_t *end, enum rm_json_type *t)
{
	char *b = malloc(n ? n : 1);
	int r;

	memcpy(b, s, n);
	r = rm_json_value_end(b, n, 0, end, t);
	free(b);
	return r;
}

static int scan(const char *s, size_t *end, enum rm_json_type *t)
{
	return scan_n(s, strlen(s), end, t);
}

#define OK_AT(s, want_end, want_type)                                                       \
	do {                                                                                \
		size_t e_ = 0;                                                              \
		enum rm_json_type t_ = RM_JSON_INVALID;                                     \
		int r_ = scan((s), &e_, &t_);                                               \
		if (r_ != RM_JSON_OK)                                                       \
			fail_msg("'%s': %d", (s), r_);                                      \
		assert_int_equal(e_, (want_end));                                           \
		assert_int_equal(t_, (want_type));                                          \
	} while (0)

#define RESULT(s, want)                                                                     \
	do {                                                                                \
		size_t e_ = 0;                                                              \
		enum rm_json_type t_;                                                       \
		int r_ = scan((s), &e_, &t_);                                               \
		if (r_ != (want))                                                           \
			fail_msg("'%s': got %d want %d", (s), r_, (want));                  \
	} while (0)

static void every_type(void **state)
{
	(void)state;
	OK_AT("{}", 2, RM_JSON_OBJECT);
	OK_AT("[]", 2, RM_JSON_ARRAY);
	OK_AT("\"\"", 2, RM_JSON_STRING);
	OK_AT("\"abc\" tail", 5, RM_JSON_STRING);
	OK_AT("true,", 4, RM_JSON_TRUE);
	OK_AT("false]", 5, RM_JSON_FALSE);
	OK_AT("null ", 4, RM_JSON_NULL);
	OK_AT("0 ", 1, RM_JSON_NUMBER);
	OK_AT("-0.5e+10,", 8, RM_JSON_NUMBER);
	OK_AT("123\n", 3, RM_JSON_NUMBER);
	OK_AT("1E5}", 3, RM_JSON_NUMBER);
	OK_AT("{\"a\":1}xyz", 7, RM_JSON_OBJECT);
	OK_AT("[1,2.5,-3e-2,\"x\",true,false,null,{},[]]", 39, RM_JSON_ARRAY);
	OK_AT("{ \"a\" : [ 1 , { \"b\" : null } ] ,\n\t\"c\":\"d\"\r\n}", 44, RM_JSON_OBJECT);
	/* a long string crosses the 16-byte SIMD blocks; specials in each lane */
	OK_AT("\"0123456789abcdef0123456789abcdef\\\"0123456789abcde\\\\\"", 53, RM_JSON_STRING);
	OK_AT("[\"\\u00e9\\uD83D\\uDE00\\/\\b\\f\\n\\r\\t\"]", 34, RM_JSON_ARRAY);
	/* non-ASCII bytes are not checked here */
	OK_AT("\"caf\xc3\xa9\"", 7, RM_JSON_STRING);
}

static void nesting(void **state)
{
	char buf[300];
	int i, n = 0;

	(void)state;
	for (i = 0; i < RM_JSON_MAX_DEPTH; i++)
		buf[n++] = '[';
	for (i = 0; i < RM_JSON_MAX_DEPTH; i++)
		buf[n++] = ']';
	buf[n] = '\0';
	OK_AT(buf, (size_t)n, RM_JSON_ARRAY);
	n = 0;
	for (i = 0; i < RM_JSON_MAX_DEPTH + 1; i++)
		buf[n++] = '[';
	for (i = 0; i < RM_JSON_MAX_DEPTH + 1; i++)
		buf[n++] = ']';
	buf[n] = '\0';
	RESULT(buf, RM_JSON_TOO_DEEP);
	/* mixed object/array nesting tracks which bracket closes what */
	OK_AT("{\"a\":[{\"b\":[[{}]]},{}],\"c\":{\"d\":[]}}", 36, RM_JSON_OBJECT);
	RESULT("{\"a\":[}", RM_JSON_BAD);
	RESULT("[{]}", RM_JSON_BAD);
}

static void incomplete(void **state)
{
	static const char *const cases[] = {
		"", "{", "[", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,", "[1,", "\"abc", "\"ab\\",
		"\"\\u12", "tr", "fals", "n", "-", "1.", "1e", "1e+", "12", "-0", "3.25", "[true",
		"{\"a\":\"b\"", "{ ", "[\"x\" ",
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		RESULT(cases[i], RM_JSON_INCOMPLETE);
}

static void bad_input(void **state)
{
	static const char *const cases[] = {
		"[1,]", "{\"a\":1,}", "{a:1}", "{'a':1}", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "[1 2]",
		"\"a\tb\"", "\"a\nb\"", "\"\x01\"", "\"\\x\"", "\"\\u12g4\"", "\"\\U1234\"", "01", "-a", "1.e5",
		".5", "+1", "tru ", "nul]", "falsey", "[,1]", "{,}", "]", "}", "x", "{\"a\":}", "[:]",
		"{\"a\"::1}", "[1}", "{\"a\":1]", " {}", "\xef\xbb\xbf{}",
	};
	size_t e;
	enum rm_json_type t;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = scan(cases[i], &e, &t);

		/* "01" and "falsey" end early at top level: the caller sees junk */
		if (r == RM_JSON_OK && e < strlen(cases[i]))
			continue;
		if (r != RM_JSON_BAD)
			fail_msg("'%s': got %d", cases[i], r);
	}
	/* a NUL byte inside a string is a control character */
	assert_int_equal(scan_n("\"a\0b\"", 5, &e, &t), RM_JSON_BAD);
	/* skip_ws */
	assert_int_equal(rm_json_skip_ws(" \t\r\nx", 5, 0), 4);
	assert_int_equal(rm_json_skip_ws("  ", 2, 0), 2);
}

static void object_iteration(void **state)
{
	static const char obj[] = "{ \"a\" : 1, \"b\\\"q\":\"s\\n\" ,\"c\":{\"d\":[1,2]},\"e\":null }";
	struct rm_json_iter it;
	struct rm_str key;
	struct rm_json_val v;
	int r;

	(void)state;
	rm_json_obj_begin(&it, obj, sizeof obj - 1);
	assert_int_equal(rm_json_obj_next(&it, &key, &v), 1);
	assert_true(key.n == 1 && key.p[0] == 'a');
	assert_int_equal(v.type, RM_JSON_NUMBER);
	assert_true(v.s.n == 1 && v.s.p[0] == '1');
	assert_int_equal(rm_json_obj_next(&it, &key, &v), 1);
	assert_true(key.n == 4 && memcmp(key.p, "b\\\"q", 4) == 0);
	assert_true(rm_json_str_eq(key, "b\"q"));
	assert_int_equal(v.type, RM_JSON_STRING);
	assert_true(v.s.n == 3 && memcmp(v.s.p, "s\\n", 3) == 0);
	assert_int_equal(rm_json_obj_next(&it, &key, &v), 1);
	assert_int_equal(v.type, RM_JSON_OBJECT);
	assert_true(v.s.n == 11 && v.s.p[0] == '{');
	assert_int_equal(rm_json_obj_next(&it, &key, &v), 1);
	assert_int_equal(v.type, RM_JSON_NULL);
	assert_int_equal(rm_json_obj_next(&it, &key, &v), 0);
	assert_int_equal(rm_json_obj_next(&it, &key, &v), 0);

	rm_json_obj_begin(&it, "{}", 2);
	assert_int_equal(rm_json_obj_next(&it, &key, &v), 0);
	rm_json_obj_begin(&it, "{\"a\":1,}", 8);
	assert_int_equal(rm_json_obj_next(&it, &key, &v), 1);
	assert_int_equal(rm_json_obj_next(&it, &key, &v), RM_JSON_BAD);
	assert_int_equal(rm_json_obj_next(&it, &key, &v), RM_JSON_BAD); /* sticky */
	rm_json_obj_begin(&it, "{\"a\":12", 7);
	assert_int_equal(rm_json_obj_next(&it, &key, &v), RM_JSON_INCOMPLETE);
	rm_json_obj_begin(&it, "[1]", 3);
	assert_true(rm_json_obj_next(&it, &key, &v) < 0);

	/* obj_get */
	assert_int_equal(rm_json_obj_get(obj, sizeof obj - 1, "c", &v), 1);
	assert_int_equal(v.type, RM_JSON_OBJECT);
	assert_int_equal(rm_json_obj_get(obj, sizeof obj - 1, "b\"q", &v), 1);
	assert_int_equal(rm_json_obj_get(obj, sizeof obj - 1, "zz", &v), 0);
	r = rm_json_obj_get("{\"a\":[}", 7, "b", &v);
	assert_true(r < 0);
}

static void array_iteration(void **state)
{
	static const char arr[] = "[ \"x\" , 2,[3], {\"k\":\"v\"} ]";
	struct rm_json_iter it;
	struct rm_json_val v;
	int64_t x;

	(void)state;
	rm_json_arr_begin(&it, arr, sizeof arr - 1);
	assert_int_equal(rm_json_arr_next(&it, &v), 1);
	assert_int_equal(v.type, RM_JSON_STRING);
	assert_true(rm_json_str_eq(v.s, "x"));
	assert_int_equal(rm_json_arr_next(&it, &v), 1);
	assert_int_equal(rm_json_int64(v, &x), 0);
	assert_int_equal(x, 2);
	assert_int_equal(rm_json_arr_next(&it, &v), 1);
	assert_int_equal(v.type, RM_JSON_ARRAY);
	assert_int_equal(rm_json_arr_next(&it, &v), 1);
	assert_int_equal(v.type, RM_JSON_OBJECT);
	assert_int_equal(rm_json_arr_next(&it, &v), 0);
	rm_json_arr_begin(&it, "[]", 2);
	assert_int_equal(rm_json_arr_next(&it, &v), 0);
	rm_json_arr_begin(&it, "[1,]", 4);
	assert_int_equal(rm_json_arr_next(&it, &v), 1);
	assert_int_equal(rm_json_arr_next(&it, &v), RM_JSON_BAD);
	rm_json_arr_begin(&it, "[1", 2);
	assert_int_equal(rm_json_arr_next(&it, &v), RM_JSON_INCOMPLETE);
}

static long unesc(const char *raw, char *out, size_t cap)
{
	struct rm_str s = {raw, strlen(raw)};

	return rm_json_unescape(s, out, cap);
}

static void unescape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(unesc("plain", out, sizeof out), 5);
	assert_string_equal(out, "plain");
	assert_int_equal(unesc("a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t", out, sizeof out), 12);
	assert_string_equal(out, "a\"b\\c/d\b\f\n\r\t");
	assert_int_equal(unesc("\\u0027x\\u00E9\\u20ac", out, sizeof out), 1 + 1 + 2 + 3);
	assert_string_equal(out, "'x\xc3\xa9\xe2\x82\xac");
	/* surrogate pair: U+1F600 */
	assert_int_equal(unesc("\\uD83D\\uDE00", out, sizeof out), 4);
	assert_string_equal(out, "\xf0\x9f\x98\x80");
	/* raw UTF-8 passes */
	assert_int_equal(unesc("caf\xc3\xa9 \xf0\x9f\x98\x80", out, sizeof out), 10);
	/* \u0000 decodes to a NUL inside the length */
	assert_int_equal(unesc("a\\u0000b", out, sizeof out), 3);
	assert_int_equal(out[1], '\0');
	/* lone surrogates */
	assert_int_equal(unesc("\\uD83D", out, sizeof out), -1);
	assert_int_equal(unesc("\\uD83Dx", out, sizeof out), -1);
	assert_int_equal(unesc("\\uD83D\\u0041", out, sizeof out), -1);
	assert_int_equal(unesc("\\uDE00", out, sizeof out), -1);
	/* invalid UTF-8: bad lead, truncated, overlong, surrogate, > U+10FFFF */
	assert_int_equal(unesc("\xff", out, sizeof out), -1);
	assert_int_equal(unesc("\x80", out, sizeof out), -1);
	assert_int_equal(unesc("\xc3", out, sizeof out), -1);
	assert_int_equal(unesc("\xc3(", out, sizeof out), -1);
	assert_int_equal(unesc("\xc0\xaf", out, sizeof out), -1);
	assert_int_equal(unesc("\xe0\x80\xaf", out, sizeof out), -1);
	assert_int_equal(unesc("\xed\xa0\x80", out, sizeof out), -1);
	assert_int_equal(unesc("\xf4\x90\x80\x80", out, sizeof out), -1);
	/* bad escapes, control characters */
	assert_int_equal(unesc("\\x", out, sizeof out), -1);
	assert_int_equal(unesc("\\", out, sizeof out), -1);
	assert_int_equal(unesc("\\u12", out, sizeof out), -1);
	assert_int_equal(unesc("a\tb", out, sizeof out), -1);
	/* capacity includes the NUL */
	assert_int_equal(unesc("abcd", out, 5), 4);
	assert_int_equal(unesc("abcd", out, 4), -1);
	assert_int_equal(unesc("", out, 1), 0);
	assert_int_equal(unesc("", out, 0), -1);
}

static void compare_and_ints(void **state)
{
	struct rm_str s = {"Is CAE Token", 12}, e = {"Is\\u0020CAE Token", 17}, empty = {NULL, 0};
	struct rm_json_val v = {RM_JSON_NUMBER, {"9223372036854775807", 19}};
	int64_t x;

	(void)state;
	assert_true(rm_json_str_eq(s, "Is CAE Token"));
	assert_false(rm_json_str_eq(s, "Is CAE Toke"));
	assert_false(rm_json_str_eq(s, "is cae token"));
	assert_true(rm_json_str_eq_ci(s, "is cae TOKEN"));
	assert_true(rm_json_str_eq(e, "Is CAE Token"));
	assert_true(rm_json_str_eq_ci(e, "IS CAE TOKEN"));
	assert_false(rm_json_str_eq(e, "Is CAE Token!"));
	assert_true(rm_json_str_eq(empty, ""));
	assert_false(rm_json_str_eq(empty, "x"));

	assert_int_equal(rm_json_int64(v, &x), 0);
	assert_true(x == INT64_MAX);
	v.s = (struct rm_str){"-9223372036854775808", 20};
	assert_int_equal(rm_json_int64(v, &x), 0);
	assert_true(x == INT64_MIN);
	v.s = (struct rm_str){"9223372036854775808", 19};
	assert_int_equal(rm_json_int64(v, &x), -1);
	v.s = (struct rm_str){"1.0", 3};
	assert_int_equal(rm_json_int64(v, &x), -1);
	v.s = (struct rm_str){"1e3", 3};
	assert_int_equal(rm_json_int64(v, &x), -1);
	v.s = (struct rm_str){"-", 1};
	assert_int_equal(rm_json_int64(v, &x), -1);
	v.type = RM_JSON_STRING;
	v.s = (struct rm_str){"12", 2};
	assert_int_equal(rm_json_int64(v, &x), -1);
}

/* Walking in place: descend into the values wanted, skip the rest. */
static void in_place_walk(void **state)
{
	static const char obj[] = "{\"a\":{\"b\":[1,{\"c\":true}],\"d\":\"x\"}, \"i\\u0064\" : 7 ,\"z\":[]}";
	struct rm_json_iter it, sub, arr;
	struct rm_str key;
	struct rm_json_val v;

	(void)state;
	rm_json_obj_begin(&it, obj, sizeof obj - 1);
	assert_int_equal(rm_json_obj_key(&it, &key), 1);
	assert_true(key.n == 1 && key.p[0] == 'a' && !it.key_esc);
	assert_int_equal(it.buf[it.pos], '{');
	rm_json_obj_enter(&it, &sub);
	assert_int_equal(rm_json_obj_key(&sub, &key), 1);
	rm_json_arr_enter(&sub, &arr);
	assert_int_equal(rm_json_arr_elem(&arr), 1);
	assert_int_equal(rm_json_iter_value(&arr, &v), RM_JSON_OK);
	assert_int_equal(v.type, RM_JSON_NUMBER);
	assert_int_equal(rm_json_arr_elem(&arr), 1); /* {"c":true}, left unconsumed */
	assert_int_equal(rm_json_arr_elem(&arr), 0);
	assert_int_equal(rm_json_iter_leave(&sub, &arr), RM_JSON_OK);
	assert_int_equal(rm_json_obj_key(&sub, &key), 1);
	assert_true(rm_json_str_eq(key, "d"));
	assert_int_equal(rm_json_obj_key(&sub, &key), 0);
	assert_int_equal(rm_json_iter_leave(&it, &sub), RM_JSON_OK);
	assert_int_equal(rm_json_obj_key(&it, &key), 1);
	assert_true(it.key_esc && rm_json_str_eq(key, "id"));
	assert_int_equal(rm_json_iter_value(&it, &v), RM_JSON_OK);
	assert_true(v.s.n == 1 && v.s.p[0] == '7');
	assert_int_equal(rm_json_obj_key(&it, &key), 1); /* "z": skipped by the next step */
	assert_int_equal(rm_json_obj_key(&it, &key), 0);
	assert_int_equal(it.pos, sizeof obj - 1);

	/* leaving early fails the parent */
	rm_json_obj_begin(&it, "{\"a\":{\"b\":1}}", 13);
	assert_int_equal(rm_json_obj_key(&it, &key), 1);
	rm_json_obj_enter(&it, &sub);
	assert_int_equal(rm_json_iter_leave(&it, &sub), RM_JSON_BAD);
	assert_true(rm_json_obj_key(&it, &key) < 0);
	/* entering what is not that container fails the child */
	rm_json_obj_begin(&it, "{\"a\":[1]}", 9);
	assert_int_equal(rm_json_obj_key(&it, &key), 1);
	rm_json_obj_enter(&it, &sub);
	assert_true(rm_json_obj_key(&sub, &key) < 0);

	/* errors say where: the value that did not scan, the byte, or the end */
	rm_json_obj_begin(&it, "{\"a\":tru,\"b\":1}", 15);
	assert_int_equal(rm_json_obj_key(&it, &key), 1);
	assert_int_equal(rm_json_iter_value(&it, &v), RM_JSON_BAD);
	assert_int_equal(it.pos, 5);
	assert_int_equal(rm_json_obj_key(&it, &key), RM_JSON_BAD); /* sticky */
	rm_json_obj_begin(&it, "{\"a\":1 \"b\":1}", 13);
	assert_int_equal(rm_json_obj_next(&it, &key, &v), 1);
	assert_int_equal(rm_json_obj_next(&it, &key, &v), RM_JSON_BAD);
	assert_int_equal(it.pos, 7);
	rm_json_arr_begin(&it, "[1, ", 4);
	assert_int_equal(rm_json_arr_next(&it, &v), 1);
	assert_int_equal(rm_json_arr_elem(&it), RM_JSON_INCOMPLETE);
	assert_int_equal(it.pos, 4);
	/* no depth limit on a container walked in place, only on what is skipped */
	{
		char deep[2 * (RM_JSON_MAX_DEPTH + 2) + 8];
		size_t n = 0;
		int d;

		deep[n++] = '[';
		for (d = 0; d <= RM_JSON_MAX_DEPTH; d++)
			deep[n++] = '[';
		for (d = 0; d <= RM_JSON_MAX_DEPTH; d++)
			deep[n++] = ']';
		deep[n++] = ']';
		rm_json_arr_begin(&it, deep, n);
		assert_int_equal(rm_json_arr_elem(&it), 1);
		rm_json_arr_enter(&it, &arr);
		assert_int_equal(rm_json_arr_elem(&arr), 1); /* 64 deep: skipped whole */
		assert_int_equal(rm_json_arr_elem(&arr), 0);
		assert_int_equal(rm_json_iter_leave(&it, &arr), RM_JSON_OK);
		rm_json_arr_begin(&it, deep, n);
		assert_int_equal(rm_json_arr_elem(&it), 1);
		assert_int_equal(rm_json_iter_value(&it, &v), RM_JSON_TOO_DEEP);
	}
}

static int valid(const char *raw)
{
	struct rm_str s = {raw, strlen(raw)};

	return rm_json_str_valid(s);
}

static void string_validity(void **state)
{
	(void)state;
	assert_true(valid(""));
	assert_true(valid("plain ascii"));
	assert_true(valid("a\\\"b\\n\\u00e9\\uD83D\\uDE00"));
	assert_true(valid("caf\xc3\xa9 \xf0\x9f\x98\x80"));
	assert_false(valid("\\uD83D"));
	assert_false(valid("\\uDE00x"));
	assert_false(valid("\\uD83D\\u0041"));
	assert_false(valid("\xc3"));
	assert_false(valid("\xe0\x80\xaf"));
	assert_false(valid("\xed\xa0\x80"));
	assert_false(valid("\xf4\x90\x80\x80"));
	assert_false(valid("\\x"));
	assert_false(valid("a\tb"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_type),       cmocka_unit_test(nesting),
		cmocka_unit_test(incomplete),       cmocka_unit_test(bad_input),
		cmocka_unit_test(object_iteration), cmocka_unit_test(array_iteration),
		cmocka_unit_test(unescape),         cmocka_unit_test(compare_and_ints),
		cmocka_unit_test(in_place_walk),    cmocka_unit_test(string_validity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
