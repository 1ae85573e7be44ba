/* The graph source's part of the state file: version 3 keeps the queue of
 * user lookups (a lookup lost to a failure is retried by the next run);
 * versions 1 and 2 still load; a forged queue is refused. No network: the
 * source is made, never polled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "conf/conf.h"
#include "config.h"
#include "scratch.h"
#include "source.h"
#include "util/util.h"

struct rig {
	char dir[256];
	struct rm_settings s;
	struct rm_source *src;
};

static int setup(void **st)
{
	struct rig *r = calloc(1, sizeof *r);
	struct revmon_error err = {{0}};
	char secret[300];
	revmon_conf *c;
	FILE *f;

	assert_non_null(r);
	assert_int_equal(scratch_make(r->dir, sizeof r->dir, "graph-state"), 0);
	snprintf(secret, sizeof secret, "%s/secret", r->dir);
	assert_non_null(f = fopen(secret, "w"));
	fputs("not-a-real-secret\n", f);
	fclose(f);
	chmod(secret, 0600);
	assert_non_null(c = revmon_conf_new("t", &err));
	assert_int_equal(revmon_conf_set(c, "source", "graph", &err), 0);
	assert_int_equal(revmon_conf_set(c, "graph_tenant", "contoso.example", &err), 0);
	assert_int_equal(revmon_conf_set(c, "graph_client_id", "app-1", &err), 0);
	assert_int_equal(revmon_conf_set(c, "graph_client_secret_file", secret, &err), 0);
	assert_int_equal(rm_settings_load(c, &r->s, &err), 0);
	revmon_conf_free(c);
	r->src = rm_source_graph_new("graph", &r->s, &err);
	assert_non_null(r->src);
	*st = r;
	return 0;
}

static int teardown(void **st)
{
	struct rig *r = *st;

	r->src->ops->free(r->src);
	rm_settings_free(&r->s);
	scratch_remove(r->dir);
	free(r);
	return 0;
}

/* A version 1-3 blob: cursors, two request times, the counters, then what
 * the version adds. */
static void blob(struct rm_buf *b, uint32_t version, uint32_t n_queue)
{
	rm_put_u32(b, version);
	for (int k = 0; k < 3; k++)
		rm_put_i64(b, 1767600000000LL + k);
	rm_put_u32(b, 2);
	rm_put_i64(b, 1767600001000LL);
	rm_put_i64(b, 1767600002000LL);
	rm_put_u64(b, 7);
	rm_put_u64(b, 9);
	if (version == 1) {
		rm_put_u64(b, 1); /* one id the analyzer keeps now */
		rm_put_u64(b, 42);
		rm_put_i64(b, 1767600000000LL);
	}
	if (version >= 3) {
		rm_put_u32(b, n_queue);
		for (uint32_t i = 0; i < n_queue && n_queue < 1000; i++) {
			char id[40];

			snprintf(id, sizeof id, "user-%u", i);
			rm_put_str(b, id);
			rm_put_i64(b, 1767600000000LL + i);
		}
	}
}

static void test_old_versions_load(void **st)
{
	struct rig *r = *st;
	struct revmon_error err = {{0}};
	struct rm_buf b = {0}, out = {0}, want = {0};

	for (uint32_t v = 1; v <= 2; v++) {
		b.len = 0;
		blob(&b, v, 0);
		assert_int_equal(r->src->ops->load(r->src, b.data, b.len, &err), 0);
		assert_int_equal(r->src->throttled, 7);
		assert_int_equal(r->src->errors, 9);
	}
	/* saved again as version 3 with an empty queue */
	assert_int_equal(r->src->ops->save(r->src, &out), 0);
	blob(&want, 3, 0);
	assert_int_equal(out.len, want.len);
	assert_memory_equal(out.data, want.data, want.len);
	rm_buf_free(&b);
	rm_buf_free(&out);
	rm_buf_free(&want);
}

static void test_queue_kept(void **st)
{
	struct rig *r = *st;
	struct revmon_error err = {{0}};
	struct rm_buf b = {0}, out = {0};

	blob(&b, 3, 5);
	assert_int_equal(r->src->ops->load(r->src, b.data, b.len, &err), 0);
	assert_int_equal(r->src->ops->save(r->src, &out), 0);
	assert_int_equal(out.len, b.len);
	assert_memory_equal(out.data, b.data, b.len);
	rm_buf_free(&b);
	rm_buf_free(&out);
}

static void test_forged_refused(void **st)
{
	struct rig *r = *st;
	struct revmon_error err = {{0}};
	struct rm_buf b = {0};

	blob(&b, 3, 1000); /* more than the queue holds */
	assert_int_equal(r->src->ops->load(r->src, b.data, b.len, &err), -1);
	assert_non_null(strstr(err.msg, "corrupt"));
	b.len = 0;
	blob(&b, 4, 0); /* a version from the future */
	assert_int_equal(r->src->ops->load(r->src, b.data, b.len, &err), -1);
	b.len = 0;
	blob(&b, 3, 2);
	b.len -= 3; /* cut short */
	assert_int_equal(r->src->ops->load(r->src, b.data, b.len, &err), -1);
	rm_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_old_versions_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
