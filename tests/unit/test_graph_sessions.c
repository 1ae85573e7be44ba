/* The signInSessionsValidFromDateTime cache of the graph source: its
 * decisions, the lookup queue, the request URL and the answer's parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "graph_sessions.h"

#define T0 1767600000000LL /* 2026-01-05T08:00:00Z */

static struct rm_str str(const char *s)
{
	return (struct rm_str){s, strlen(s)};
}

static void test_parse(void **st)
{
	int64_t v = -1;
	const char ok[] = " {\"id\":\"u1\",\"signInSessionsValidFromDateTime\":\"2026-01-05T08:00:00Z\"}";
	const char null[] = "{\"signInSessionsValidFromDateTime\":null,\"id\":\"u1\"}";
	const char *bad[] = {"", "[]", "{\"id\":\"u1\"}", "{\"signInSessionsValidFromDateTime\":5}",
	                     "{\"signInSessionsValidFromDateTime\":\"yesterday\"}",
	                     "{\"signInSessionsValidFromDateTime\":\"2026-01-05T08:00:00Z\""};

	(void)st;
	assert_int_equal(rm_sessions_parse(ok, strlen(ok), &v), 0);
	assert_int_equal(v, T0);
	assert_int_equal(rm_sessions_parse(null, strlen(null), &v), 0);
	assert_int_equal(v, 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(rm_sessions_parse(bad[i], strlen(bad[i]), &v), -1);
}

static void test_url(void **st)
{
	struct rm_buf b = {0};

	(void)st;
	assert_int_equal(rm_sessions_url(&b, "https://graph.example", "a b/c"), 0);
	assert_string_equal(b.data, "https://graph.example/v1.0/users/a%20b%2Fc"
	                            "?$select=id,signInSessionsValidFromDateTime");
	rm_buf_free(&b);
}

static void test_decide(void **st)
{
	struct rm_sessions c;
	int64_t v = 0;

	(void)st;
	rm_sessions_init(&c);
	rm_sessions_poll(&c, T0);
	/* Nothing known: ask. */
	assert_int_equal(rm_sessions_decide(&c, str("u1"), T0 - 60000, &v), RM_SESSIONS_FETCH);
	/* Known, and not after the refusal: use it. */
	rm_sessions_store(&c, str("u1"), T0 - 120000, T0);
	assert_int_equal(rm_sessions_decide(&c, str("u1"), T0 - 60000, &v), RM_SESSIONS_USE);
	assert_int_equal(v, T0 - 120000);
	/* A refusal before the known revocation, asked after it: a later
	 * revocation replaced the one behind it. */
	assert_int_equal(rm_sessions_decide(&c, str("u1"), T0 - 180000, &v), RM_SESSIONS_SKIP);
	/* Never revoked, asked after the refusal: nothing to say; a refusal
	 * newer than the answer: ask again. */
	rm_sessions_store(&c, str("u2"), 0, T0);
	assert_int_equal(rm_sessions_decide(&c, str("u2"), T0 - 1, &v), RM_SESSIONS_SKIP);
	assert_int_equal(rm_sessions_decide(&c, str("u2"), T0 + 1, &v), RM_SESSIONS_FETCH);
	/* Ids are compared decoded. */
	assert_int_equal(rm_sessions_decide(&c, str("u\\u0031"), T0 - 60000, &v), RM_SESSIONS_USE);
	/* Answers an hour old are forgotten. */
	rm_sessions_poll(&c, T0 + 3600001);
	assert_int_equal(rm_sessions_decide(&c, str("u1"), T0 - 60000, &v), RM_SESSIONS_FETCH);
	assert_int_equal(c.fetched, 0);
	rm_sessions_free(&c);
}

static void test_queue(void **st)
{
	struct rm_sessions c;
	char id[16];

	(void)st;
	rm_sessions_init(&c);
	assert_int_equal(rm_sessions_want(&c, str("u1"), T0), 0);
	assert_int_equal(rm_sessions_want(&c, str("u\\u0031"), T0 + 5), 0); /* the same user */
	assert_int_equal(c.n_want, 1);
	assert_string_equal(c.want[0].id, "u1");
	assert_int_equal(c.want[0].t, T0 + 5);
	assert_int_equal(rm_sessions_want(&c, str("bad\\uZZZZ"), T0), -1);
	for (unsigned i = 1; i < RM_SESSIONS_WANTED; i++) {
		snprintf(id, sizeof id, "v%u", i);
		assert_int_equal(rm_sessions_want(&c, str(id), T0), 0);
	}
	assert_int_equal(rm_sessions_want(&c, str("one-more"), T0), -1); /* full */
	rm_sessions_drop(&c, 0);
	assert_int_equal(c.n_want, RM_SESSIONS_WANTED - 1);
	assert_string_equal(c.want[0].id, "v255");
	rm_sessions_free(&c);
}

/* The queue survives a restart: saved, loaded, merged by user. */
static void test_queue_saved(void **st)
{
	struct rm_sessions a, b;
	struct rm_buf out = {0};
	struct rm_rd r;

	(void)st;
	rm_sessions_init(&a);
	rm_sessions_init(&b);
	assert_int_equal(rm_sessions_want(&a, str("u1"), T0), 0);
	assert_int_equal(rm_sessions_want(&a, str("u\\/2"), T0 + 5), 0); /* raw JSON: u/2 */
	assert_int_equal(rm_sessions_want(&b, str("u1"), T0 + 9), 0);
	assert_int_equal(rm_sessions_save(&a, &out), 0);
	r = (struct rm_rd){(const unsigned char *)out.data, out.len, 0, 0};
	rm_sessions_load(&b, &r);
	assert_false(r.bad);
	assert_int_equal(r.pos, out.len);
	assert_int_equal(b.n_want, 2);
	assert_string_equal(b.want[0].id, "u1");
	assert_int_equal(b.want[0].t, T0 + 9); /* the latest refusal kept */
	assert_string_equal(b.want[1].id, "u/2");
	/* an empty id is no id */
	out.len = 0;
	rm_put_u32(&out, 1);
	rm_put_str(&out, "");
	rm_put_i64(&out, T0);
	r = (struct rm_rd){(const unsigned char *)out.data, out.len, 0, 0};
	rm_sessions_load(&b, &r);
	assert_true(r.bad);
	rm_buf_free(&out);
	rm_sessions_free(&a);
	rm_sessions_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_queue_saved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
